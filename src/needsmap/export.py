"""Every download and exported file: one registry of formats, each with its own text rule.

:data:`FORMATS` maps each format to its file extension, MIME type, writer and text rule; the pages
(``st.download_button(label, **download("csv", frame, stem=...))``) and the command line
(:func:`export_bytes`) write every file through it. Each format gets only the protection it needs:

- CSV (:func:`to_csv_bytes`) is a spreadsheet export: a CSV is opened in Excel more often than
  anywhere else, and a spreadsheet program runs a cell starting with ``= + - @``, a tab or a line
  break as a formula, so such a text cell gets a leading ``'`` (the usual guard); numbers are never
  touched (``-3`` stays a number). Every field holding a delimiter, a quote, a carriage return or a
  line feed is quoted, so no field can split a row (rows end in ``\\r\\n``, RFC 4180). Frames of plain
  columns (text, integers, floats, booleans) are formatted column by column with Arrow compute
  kernels, byte for byte what pandas' writer gives (England's gaps table: about 0.1 s instead of
  0.8 s); any other frame goes through pandas' writer. :func:`write_csv` writes the same bytes to a
  file a chunk of rows at a time;
- Excel (:func:`excel_export`, :func:`to_excel_bytes`), the other spreadsheet export: its guard is
  the cell type. Text is written as text cells, never as a formula, so it reads exactly as typed
  with no ``'``; characters an .xlsx file cannot hold are replaced by ``�`` and listed in the
  workbook's notes;
- GeoJSON (:func:`to_geojson_bytes`, geopandas' ``GeoDataFrame.to_json``) and JSON
  (:func:`to_json_bytes`): text exactly as it is, UTF-8, nothing escaped or prefixed; a program that
  puts it into HTML escapes it there;
- PDF (``needsmap.report``): text exactly as it is, drawn in DejaVu Sans;
- Markdown (``needsmap.report.markdown``): every text from data goes through
  :func:`needsmap.safe_text.markdown_literal`, so it *reads* exactly as it is in any viewer; the
  document is written as UTF-8;
- HTML this project writes itself, the only format escaped: :func:`escape_text`. Map tooltips need
  no escaping here: the map component (``needsmap/ui/frontend/map.js``) escapes every value it puts
  in a tooltip.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import io
import json
import os
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

if TYPE_CHECKING:
    import geopandas as gpd

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from needsmap.safe_text import printable

__all__ = ["CSV_LINE_END", "EXCEL_MAX_CELL_CHARS", "FORMATS", "REPLACEMENT", "ExcelExport", "ExportFormat",
           "FormatId", "download", "escape_text", "excel_export", "export_bytes", "neutralise_cell",
           "safe_for_export", "to_csv_bytes", "to_excel_bytes", "to_geojson_bytes", "to_json_bytes",
           "write_csv"]

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
_SHEET_TITLE_MAX = 31
#: the same tests as :data:`_FORMULA_START` and the csv module's quoting (``QUOTE_MINIMAL`` with
#: :data:`CSV_LINE_END`: a field holding a delimiter, a quote, a CR or an LF is quoted), for Arrow
_FORMULA_FIRST = pa.array(_FORMULA_START, type=pa.large_string())
_QUOTE_RE = '[,"\r\n]'
_QUOTE_BYTES = b',"\r\n'
#: floats pandas writes as ``repr`` gives them; Arrow's cast gives the same digits in this range
#: (less a ``.0`` on whole numbers) unless it switches to an exponent
_PLAIN_FLOAT = (1e-4, 1e16)


@functools.cache
def _not_in_xlsx() -> re.Pattern[str]:
    """Characters XML 1.0 (so .xlsx) cannot hold: openpyxl's control characters, lone surrogates and
    the non-characters U+FFFE/U+FFFF (openpyxl writes those, and the file then cannot be opened).
    Built on first use: openpyxl is slow to import and only the Excel export needs it."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")


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

    The bytes are those of ``safe_for_export(df).to_csv(index=index, lineterminator="\\r\\n")``
    (pandas' writer, Python's csv module quoting); a frame whose columns are all text, integers,
    floats or booleans is formatted with Arrow instead, to the same bytes.
    """
    head, body = _csv_parts(df, index=index)
    return b"".join((head, *body))


def write_csv(df: pd.DataFrame, out: str | os.PathLike[str] | BinaryIO, *, index: bool = False,
              chunk_rows: int = 20_000) -> int:
    """Write :func:`to_csv_bytes` of ``df`` to ``out``, ``chunk_rows`` rows at a time.

    The bytes are exactly those of ``to_csv_bytes(df, index=index)`` (BOM and header once, then the
    rows), but only one chunk's text is held at a time, so a large list is written without a copy of
    the whole file in memory.

    Parameters
    ----------
    df
        The frame to write.
    out
        A file path (created or replaced) or a binary file object (e.g. ``sys.stdout.buffer``).
    index
        Write the index as the first column(s).
    chunk_rows
        Rows formatted at a time (at least 1); the default holds about 10 MB of text for a table of
        30 columns, and costs little time over a single chunk.

    Returns
    -------
    int
        Bytes written.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as f:
            return write_csv(df, f, index=index, chunk_rows=chunk_rows)
    head, _ = _csv_parts(df.iloc[:0], index=index)  # BOM and header: the same for every chunk
    written = out.write(head) or 0
    for start in range(0, len(df), chunk_rows):
        for part in _csv_parts(df.iloc[start:start + chunk_rows], index=index)[1]:
            written += out.write(part) or 0
    return written


def _csv_parts(df: pd.DataFrame, *, index: bool) -> tuple[bytes, list[bytes | memoryview | pa.Buffer]]:
    """The CSV of ``df`` as its BOM and header, and the pieces of its body (the rows), uncopied."""
    fast = None if index else _fast_csv(df)
    if fast is not None:
        return fast
    head, data = (_SURROGATE.sub(REPLACEMENT, safe_for_export(d).to_csv(
        index=index, lineterminator=CSV_LINE_END)).encode("utf-8-sig") for d in (df.iloc[:0], df))
    return head, [memoryview(data)[len(head):]]


def _lit(text: str) -> pa.Scalar:
    """``text`` as an Arrow scalar of the type every CSV field here has."""
    return pa.scalar(text, type=pa.large_string())


def _arrow(s: pd.Series) -> pa.Array:
    """The values of ``s`` as one Arrow array (pandas' Arrow-backed columns may be chunked)."""
    values = pa.array(s)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _has_quote_bytes(text: pa.Array) -> bool:
    """Whether any string of ``text`` may need quoting: a byte scan of its character data (cheap),
    which may also see bytes outside a slice (then the exact test runs anyway)."""
    data = text.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    return any(bool((raw == byte).any()) for byte in _QUOTE_BYTES)


def _guard_and_quote(text: pa.Array, *, guard: bool = True) -> pa.Array:
    """Text cells as CSV fields: formula guard (:func:`neutralise_cell`), then csv-module quoting;
    missing cells become ``""``. Only the cells that change are rebuilt."""
    if guard:
        first = pc.utf8_slice_codeunits(text, 0, 1)
        formula = pc.fill_null(pc.is_in(first, value_set=_FORMULA_FIRST), False)
        if pc.any(formula).as_py():
            guarded = pc.binary_join_element_wise(_lit("'"), pc.filter(text, formula), _lit(""))
            text = pc.replace_with_mask(text, formula, guarded)
    if _has_quote_bytes(text):
        needs = pc.fill_null(pc.match_substring_regex(text, _QUOTE_RE), False)
        if pc.any(needs).as_py():
            doubled = pc.replace_substring(pc.filter(text, needs), '"', '""')
            quoted = pc.binary_join_element_wise(_lit('"'), doubled, _lit('"'), _lit(""))
            text = pc.replace_with_mask(text, needs, quoted)
    return pc.fill_null(text, _lit(""))


def _float_text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """float64 values as pandas writes them (``repr``), ``""`` where ``missing``."""
    finite = np.isfinite(values)
    size = np.abs(np.where(finite, values, 0.0))
    plain = finite & ((size == 0) | ((size >= _PLAIN_FLOAT[0]) & (size < _PLAIN_FLOAT[1])))
    text = pc.cast(pa.array(values, type=pa.float64()), pa.large_string())
    whole = pc.invert(pc.match_substring(text, "."))
    if pc.any(whole).as_py():  # Arrow writes 1993.0 as "1993", repr as "1993.0"
        text = pc.if_else(whole, pc.binary_join_element_wise(text, _lit(".0"), _lit("")), text)
    odd = ~plain | pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    if odd.any():  # exponents, inf: numpy's str is repr, what pandas writes
        out = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        out[odd] = values[odd].astype(str)
        text = pa.array(out, type=pa.large_string())
    if missing.any():
        text = pc.if_else(pa.array(missing, type=pa.bool_()), _lit(""), text)
    return text


def _text_array(s: pd.Series) -> pa.Array | None:
    """A text column as an Arrow array, or None when it holds something other than ``str`` and
    missing values, or text UTF-8 cannot hold (lone surrogates: the pandas path replaces them)."""
    try:
        if pd.api.types.is_object_dtype(s.dtype):
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                return None
            return pa.array(s.to_numpy(), type=pa.large_string(), from_pandas=True)
        if pd.api.types.is_string_dtype(s.dtype):
            return pc.cast(_arrow(s), pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        return None
    return None


def _column_text(s: pd.Series) -> pa.Array | None:
    """Column ``s`` as CSV fields (formula guard on text), or None when it is not a plain column:
    text (every value a ``str`` or missing), integers, float64 or booleans, nullable or not."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    if _is_text_column(s):
        text = _text_array(s)
        return None if text is None else _guard_and_quote(text)
    kind = dtype.kind
    if kind == "f" and dtype.itemsize == 8:  # float64, Float64
        return _float_text(s.to_numpy(dtype=np.float64, na_value=np.nan), s.isna().to_numpy(dtype=bool))
    if kind in "iu":  # integers, Int64 (missing written as "")
        return pc.fill_null(pc.cast(_arrow(s), pa.large_string()), _lit(""))
    if kind == "b":  # bool, boolean
        return pc.fill_null(pc.if_else(_arrow(s), _lit("True"), _lit("False")), _lit(""))
    return None


def _fast_csv(df: pd.DataFrame) -> tuple[bytes, list[bytes | memoryview | pa.Buffer]] | None:
    """:func:`_csv_parts` without the index for frames of plain columns, else None.

    Every column becomes an Arrow array of finished CSV fields (guarded, quoted); the rows are joined
    by Arrow's string kernels, so no Python code runs per cell.
    """
    if isinstance(df.columns, pd.MultiIndex) or df.shape[1] == 0:
        return None
    fields: list[pa.Array] = []
    for i in range(df.shape[1]):
        column = _column_text(df.iloc[:, i])
        if column is None:
            return None
        fields.append(column)
    names = _text_array(pd.Series([neutralise_cell(str(c)) for c in df.columns], dtype=object))
    if names is None:
        return None
    header = _guard_and_quote(names, guard=False)
    if len(fields) == 1:  # the csv module writes a record of one empty field as ""
        header = pc.if_else(pc.equal(header, _lit("")), _lit('""'), header)
        fields[0] = pc.if_else(pc.equal(fields[0], _lit("")), _lit('""'), fields[0])
    head = (",".join(header.to_pylist()) + CSV_LINE_END).encode("utf-8-sig")
    if len(df) == 0:
        return head, []
    rows = pc.binary_join_element_wise(*fields, _lit(","))
    fields.clear()  # the columns' fields are in the rows now: free them before the body is made
    body = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(df)], type=pa.int64()), rows),
                          _lit(CSV_LINE_END))
    return head, [body[0].as_buffer(), CSV_LINE_END.encode()]


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
    from openpyxl.workbook.child import INVALID_TITLE_REGEX

    out: list[str] = []
    for name in names:
        base = INVALID_TITLE_REGEX.sub("_", _not_in_xlsx().sub("", str(name))).strip("'") or "Sheet"
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
    fixed, n = _not_in_xlsx().subn(REPLACEMENT, value.replace("\r\n", "\n").replace("\r", "\n"))
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
        names.append(_fit_text(str(c), counts) if isinstance(c, str) else c)
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


# ----------------------------------------------------------------------------- JSON, GeoJSON
def to_json_bytes(obj: object) -> bytes:
    """``obj`` (dicts, lists, text, numbers) as indented UTF-8 JSON, text exactly as it is (not
    ASCII-escaped, not HTML-escaped, no formula guard), ending in a line feed."""
    return (json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default) + "\n").encode("utf-8")


def _json_default(value: object) -> object:
    """numpy numbers (from the area tables) as plain numbers, pandas' missing values as ``null``;
    anything else as its text."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.date):  # datetime and pandas Timestamp too
        return value.isoformat()
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


_FEATURE_COLLECTION = '{"type":"FeatureCollection",'


def to_geojson_bytes(gdf: gpd.GeoDataFrame, *, name: object = None) -> bytes:
    """``gdf`` as a GeoJSON FeatureCollection (geopandas' ``GeoDataFrame.to_json``), UTF-8.

    Properties are the columns in order, text exactly as it is (``Bordesley & Highgate``, never
    ``&amp;``, no formula guard); missing values are ``null``; no feature ``id``. Coordinates are
    written as they are: round them first (``shapely.set_precision``) for a smaller file.

    Parameters
    ----------
    gdf
        Rows to write; EPSG:4326 (RFC 7946), else reprojected.
    name
        The collection's ``name`` member (GDAL and QGIS show it as the layer name); default
        ``gdf.attrs["name"]``, none when neither is set.
    """
    name = gdf.attrs.get("name") if name is None else name
    text = gdf.to_json(na="null", drop_id=True, to_wgs84=True, ensure_ascii=False, separators=(",", ":"),
                       default=_json_default)
    if name is not None and text.startswith(_FEATURE_COLLECTION):
        text = f'{_FEATURE_COLLECTION}"name":{json.dumps(str(name), ensure_ascii=False)},{text[len(_FEATURE_COLLECTION):]}'
    return text.encode("utf-8")


# ----------------------------------------------------------------------------- the registry
FormatId = Literal["csv", "xlsx", "geojson", "json", "pdf", "markdown"]


def _bytes_of(content: object) -> bytes:
    """A document already made (PDF bytes, Markdown text) as bytes: text as UTF-8, as it is."""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if isinstance(content, str):
        return content.encode("utf-8")
    raise TypeError(f"expected the document's bytes or text, not {type(content).__name__}")


def _excel_bytes(content: object) -> bytes:
    if isinstance(content, ExcelExport):  # made already, so the page can show its notes
        return content.data
    return to_excel_bytes(content)


@dataclass(frozen=True)
class ExportFormat:
    """One download format.

    Attributes
    ----------
    id
        Registry key (:data:`FormatId`).
    label
        Its name on buttons and in help text ("CSV", "Excel" …).
    extension
        File extension with the dot (``.csv``).
    mime
        MIME type of the download.
    writer
        What it writes: content → bytes (a frame for CSV; a frame or ``{sheet: frame}`` or an
        :class:`ExcelExport` for Excel; a GeoDataFrame for GeoJSON; JSON-able values for JSON; the
        made document's bytes or text for PDF and Markdown).
    text_rule
        What happens to text, in words.
    formula_guard
        Whether a text cell a spreadsheet would run as a formula (``= + - @`` …) is neutralised:
        spreadsheet formats only.
    """

    id: FormatId
    label: str
    extension: str
    mime: str
    writer: Callable[[Any], bytes]
    text_rule: str
    formula_guard: bool = False

    def file_name(self, stem: str) -> str:
        """``stem`` with this format's extension."""
        return f"{stem}{self.extension}"


#: every format needsmap writes, by id
FORMATS: dict[FormatId, ExportFormat] = {f.id: f for f in (
    ExportFormat("csv", "CSV", ".csv", "text/csv", lambda df: to_csv_bytes(df),
                 "spreadsheet: a text cell starting with = + - @, a tab or a line break gets a leading '; "
                 "numbers untouched; UTF-8 with BOM, RFC 4180 quoting", formula_guard=True),
    ExportFormat("xlsx", "Excel", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 _excel_bytes, "spreadsheet: text written as text cells, never formulas, exactly as it is "
                 "(characters an .xlsx cannot hold become �, noted)", formula_guard=True),
    ExportFormat("geojson", "GeoJSON", ".geojson", "application/geo+json", to_geojson_bytes,
                 "text exactly as it is (UTF-8)"),
    ExportFormat("json", "JSON", ".json", "application/json", to_json_bytes, "text exactly as it is (UTF-8)"),
    ExportFormat("pdf", "PDF", ".pdf", "application/pdf", _bytes_of, "text exactly as it is"),
    ExportFormat("markdown", "Markdown", ".md", "text/markdown", _bytes_of,
                 "text reads exactly as it is (markdown_literal); UTF-8"),
)}


def export_bytes(fmt: FormatId, content: object) -> bytes:
    """The bytes of ``content`` written as ``fmt`` (:data:`FORMATS`).

    Raises
    ------
    KeyError
        ``fmt`` is not a registered format.
    """
    return FORMATS[fmt].writer(content)


def download(fmt: FormatId, content: object, *, stem: str) -> dict[str, Any]:
    """Keyword arguments ``data``, ``file_name`` and ``mime`` for ``st.download_button``.

    Parameters
    ----------
    fmt
        Format id (:data:`FORMATS`).
    content
        What to write (see :attr:`ExportFormat.writer`), or a function of no arguments that makes it:
        then the file is written only when the button is pressed (pass ``on_click="ignore"``).
    stem
        File name without the extension.
    """
    f = FORMATS[fmt]
    data: bytes | Callable[[], bytes]
    if callable(content):
        make = content

        def data() -> bytes:
            return f.writer(make())
    else:
        data = f.writer(content)
    return {"data": data, "file_name": f.file_name(stem), "mime": f.mime}
