"""Safe exports: CSV/Excel bytes with formula injection neutralised, HTML-escaped text.

Map tooltips need no escaping here: Streamlit escapes every value it puts in a tooltip (see
``needsmap.viz.maps.make_deck``); :func:`escape_text` is for HTML this project writes itself (legends).
"""

from __future__ import annotations

import html
import io

import pandas as pd

#: a cell starting with one of these is read as a formula by spreadsheet programs
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``.

    Numbers stay numbers (a negative number is not text and is safe).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_for_export(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot inject spreadsheet formulas."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(neutralise_cell, na_action="ignore").astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """UTF-8 (with BOM, so Excel reads accents right) CSV of ``df`` made safe for spreadsheets."""
    return safe_for_export(df).to_csv(index=index).encode("utf-8-sig")


def to_excel_bytes(sheets: dict[str, pd.DataFrame] | pd.DataFrame, *, index: bool = False) -> bytes:
    """An .xlsx workbook (one sheet per frame) made safe for spreadsheets."""
    if isinstance(sheets, pd.DataFrame):
        sheets = {"data": sheets}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            safe_for_export(frame).to_excel(xl, sheet_name=name[:31], index=index)
    return buf.getvalue()


def escape_text(value: object) -> str:
    """``value`` as text safe to put inside HTML (map tooltips, st.markdown with HTML)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value))
