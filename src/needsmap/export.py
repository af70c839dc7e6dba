"""Exports that keep text as it is: CSV and Excel safe for spreadsheets, HTML-escaped text.

Each format gets only the protection it needs:

- CSV (:func:`to_csv_bytes`): a spreadsheet program runs a cell starting with ``= + - @``, a tab or
  a line break as a formula, so such a text cell gets a leading ``'`` (the usual guard); every field
  holding a delimiter, a quote, a carriage return or a line feed is quoted, so no field can split a
  row (rows end in ``\\r\\n``, RFC 4180);
- Excel (:func:`excel_export`, :func:`to_excel_bytes`): text is written as text cells, never as a
  formula, so no ``'`` is added; characters an .xlsx file cannot hold are replaced by ``�`` and
  listed in the workbook's notes;
- GeoJSON and other JSON: text as it is (see ``needsmap.analysis.coverage.gaps_geojson``);
- HTML this project writes itself: :func:`escape_text`. Map tooltips need no escaping here:
  Streamlit escapes every value it puts in a tooltip (see ``needsmap.viz.maps.make_deck``).
  Markdown: :func:`needsmap.safe_text.markdown_literal`.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Hashable
from dataclasses import dataclass

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from needsmap.safe_text import printable

__all__ = ["CSV_LINE_END", "EXCEL_MAX_CELL_CHARS", "REPLACEMENT", "ExcelExport", "escape_text",
           "excel_export", "neutralise_cell", "safe_for_export", "to_csv_bytes", "to_excel_bytes"]

#: a cell starting with one of these is read as a formula by spreadsheet programs
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: CSV row ending. With ``\r\n`` Python's csv writer quotes every field holding either character;
#: with ``\n`` alone a bare ``\r`` in a field is written unquoted and a spreadsheet splits the row there.
CSV_LINE_END = "\r\n"
#: what stands in for a character a file cannot hold
REPLACEMENT = "\ufffd"
#: the most characters an Excel cell holds (Excel's specifications and limits)
EXCEL_MAX_CELL_CHARS = 32_767
#: lone surrogates (from JSON ``\\ud800`` escapes) cannot be encoded as UTF-8 at all
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: characters XML 1.0 (so .xlsx) cannot hold: openpyxl's control characters, lone surrogates and the
#: non-characters U+FFFE/U+FFFF (openpyxl writes those, and the file then cannot be opened)
_NOT_IN_XLSX = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_MAX = 31


def _is_text_column(s: pd.Series) -> bool:
    """Whether ``s`` may hold text cells (object, string or categorical), not numbers/dates/bools."""
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s))


def _object_series(values: list[object], like: pd.Series) -> pd.Series:
    """``values`` as an object column shaped like ``like`` (pandas' string dtype cannot hold every
    Python text, e.g. a lone surrogate, so no type is inferred)."""
    return pd.Series(values, index=like.index, name=like.name, dtype=object)


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'`` (CSV only).

    Numbers stay numbers (a negative number is not text and is safe).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_for_export(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (column names and index too) cannot start a spreadsheet
    formula when the frame is written as CSV. Not for Excel (:func:`excel_export` writes text cells)."""
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if _is_text_column(s):
            out.isetitem(i, _object_series([neutralise_cell(v) for v in s], s))
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    if not isinstance(out.index, pd.MultiIndex) and _is_text_column(out.index.to_series()):
        out.index = out.index.map(neutralise_cell)
    return out


def to_csv_bytes(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """UTF-8 (with BOM, so Excel reads accents right) CSV of ``df`` made safe for spreadsheets.

    Text cells that would start a formula get a leading ``'``; every field holding a comma, a quote,
    a carriage return or a line feed is quoted, so each row of ``df`` is one row of the file; rows
    end in ``\\r\\n``. Lone surrogates (which UTF-8 cannot encode) become ``�``. Otherwise every
    text reads back exactly as it was (Python's csv module, pandas, spreadsheets).
    """
    text = safe_for_export(df).to_csv(index=index, lineterminator=CSV_LINE_END)
    return _SURROGATE.sub(REPLACEMENT, text).encode("utf-8-sig")


# ----------------------------------------------------------------------------- Excel
@dataclass(frozen=True)
class ExcelExport:
    """An .xlsx workbook and what had to change to write it.

    Attributes
    ----------
    data
        The workbook's bytes.
    notes
        Plain-text sentences, one per sheet with changed cells (characters an .xlsx file cannot
        hold replaced by ``�``, cells cut to Excel's 32,767 characters); empty when every text is
        as it was. The workbook holds them too, in a sheet ``Notes``. They may quote column names
        from the user's file: show them with :func:`needsmap.safe_text.markdown_literal`.
    """

    data: bytes
    notes: tuple[str, ...]


def _sheet_titles(names: list[str]) -> list[str]:
    """Valid, distinct Excel sheet titles (no ``\\ * ? : / [ ]``, at most 31 characters)."""
    out: list[str] = []
    for name in names:
        base = INVALID_TITLE_REGEX.sub("_", _NOT_IN_XLSX.sub("", str(name))).strip("'") or "Sheet"
        title, n = base[:_SHEET_TITLE_MAX], 1
        while title.lower() in {t.lower() for t in out}:
            n += 1
            title = f"{base[: _SHEET_TITLE_MAX - len(str(n)) - 1]} {n}"
        out.append(title)
    return out


def _fit_text(value: object, counts: dict[str, int]) -> object:
    """``value`` with characters an .xlsx cannot hold replaced and cut to Excel's cell size."""
    if not isinstance(value, str):
        return value
    # XML reads every \r\n and \r as \n (line-end normalisation): say so by writing \n
    fixed, n = _NOT_IN_XLSX.subn(REPLACEMENT, value.replace("\r\n", "\n").replace("\r", "\n"))
    if n:
        counts["replaced"] += 1
    if len(fixed) > EXCEL_MAX_CELL_CHARS:
        counts["cut"] += 1
        fixed = fixed[: EXCEL_MAX_CELL_CHARS - 1] + "…"
    if fixed.startswith("="):
        counts["formula_like"] += 1
    return fixed


def _fit_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """``df`` ready for openpyxl: text fitted (:func:`_fit_text`), time zones dropped from dates
    (Excel has none); with the counts of changed cells and the columns they are in."""
    out = df.copy()
    counts = {"replaced": 0, "cut": 0, "formula_like": 0}
    where: list[str] = []
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, s.dt.tz_localize(None))
        elif _is_text_column(s):
            before = {k: counts[k] for k in ("replaced", "cut")}
            out.isetitem(i, _object_series([_fit_text(v, counts) for v in s], s))
            if any(counts[k] != before[k] for k in before):
                where.append(printable(out.columns[i], limit=60))
    names: list[Hashable] = []
    for c in out.columns:
        before = {k: counts[k] for k in ("replaced", "cut")}
        names.append(_fit_text(str(c), counts) if isinstance(c, str) else c)  # type: ignore[arg-type]
        if any(counts[k] != before[k] for k in before):
            where.append(f"the heading {printable(c, limit=60)!r}")
    out.columns = pd.Index(names)
    if not isinstance(out.index, pd.MultiIndex) and _is_text_column(out.index.to_series()):
        out.index = out.index.map(lambda v: _fit_text(v, counts))
    return out, counts, where


def _note(sheet: str, counts: dict[str, int], where: list[str]) -> str | None:
    parts = []
    if counts["replaced"]:
        n = counts["replaced"]
        parts.append(f"{n:,} cell{'s' if n != 1 else ''} held control characters an Excel file cannot "
                     f"hold; each such character is shown as {REPLACEMENT}")
    if counts["cut"]:
        n = counts["cut"]
        parts.append(f"{n:,} cell{'s' if n != 1 else ''} longer than Excel's {EXCEL_MAX_CELL_CHARS:,} "
                     "characters were cut (marked …)")
    if not parts:
        return None
    cols = f" (in {', '.join(where)})" if where else ""
    return f"Sheet {sheet}: " + "; ".join(parts) + cols + ". The CSV download keeps them as they are."


def excel_export(sheets: dict[str, pd.DataFrame] | pd.DataFrame, *, index: bool = False) -> ExcelExport:
    """An .xlsx workbook, one sheet per frame, whose text reads exactly as in the frames.

    Text is written as text cells, never as formulas, so a name such as ``=2+5``, ``-cmd`` or
    ``@home`` shows as typed, with no ``'`` before it. Characters an .xlsx cannot hold (control
    characters such as ``\\x01``, lone surrogates) are replaced by ``�`` and cells over 32,767
    characters are cut; each change is counted in :attr:`ExcelExport.notes` and in a ``Notes``
    sheet. Sheet names are made valid (at most 31 characters, none of ``\\ * ? : / [ ]``, distinct).
    Never raises for any text.

    Parameters
    ----------
    sheets
        Sheet name → frame, or one frame (sheet ``data``).
    index
        Write the index as the first column(s).
    """
    if isinstance(sheets, pd.DataFrame):
        sheets = {"data": sheets}
    titles = _sheet_titles(list(sheets))
    notes: list[str] = []
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for title, frame in zip(titles, sheets.values(), strict=True):
            fitted, counts, where = _fit_frame(frame)
            fitted.to_excel(xl, sheet_name=title, index=index)
            if counts["formula_like"]:  # openpyxl takes any text starting with "=" as a formula
                for row in xl.sheets[title].iter_rows():
                    for cell in row:
                        if cell.data_type == "f":
                            cell.data_type = "s"
            note = _note(title, counts, where)
            if note:
                notes.append(note)
        if notes:
            pd.DataFrame({"Note": notes}).to_excel(
                xl, sheet_name=_sheet_titles([*titles, "Notes"])[-1], index=False)
    return ExcelExport(buf.getvalue(), tuple(notes))


def to_excel_bytes(sheets: dict[str, pd.DataFrame] | pd.DataFrame, *, index: bool = False) -> bytes:
    """The bytes of :func:`excel_export` (its notes are in the workbook's ``Notes`` sheet)."""
    return excel_export(sheets, index=index).data


def escape_text(value: object) -> str:
    """``value`` as text safe to put inside HTML (map tooltips, st.markdown with HTML)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value))
