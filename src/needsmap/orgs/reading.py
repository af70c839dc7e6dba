"""Read an organisation list's bytes (CSV/TSV/TXT, Excel .xlsx, JSON) into a frame of text columns.

Encodings (UTF-8 with or without BOM, UTF-16, Windows-1252, Latin-1) and delimiters (``,`` ``;`` tab
``|``) are detected; a title row above the header is skipped. What was detected or repaired is
returned as notes, in words.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS
from needsmap.errors import ValidationError
from needsmap.orgs.columns import _header_score

Source = bytes | str | Path | IO[bytes] | Any
_DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# ----------------------------------------------------------------------------- reading
def _read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise ValidationError(f"File not found: {path}")
        if path.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
            raise _too_big(path.stat().st_size)
        data = path.read_bytes()
    elif hasattr(source, "getvalue"):
        data = bytes(source.getvalue())
    elif hasattr(source, "read"):
        data = bytes(source.read())
    else:
        raise ValidationError(f"Cannot read an organisation list from {type(source).__name__}")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise _too_big(len(data))
    return data


def _too_big(size: int) -> ValidationError:
    return ValidationError(
        f"The file is {size / 1024 / 1024:.1f} MB; the largest accepted is {MAX_UPLOAD_MB} MB. "
        "Split it, or keep only the name, postcode and category columns."
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes, trying UTF-16 (by BOM), UTF-8 (with or without BOM), Windows-1252, Latin-1.

    Returns
    -------
    The text and the encoding's name, in words.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text: the commonest of , ; tab | in the first non-blank line."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _rows_from_excel(data: bytes) -> tuple[list[list[str]], list[str]]:
    import openpyxl  # local import: only needed for Excel files

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationError(f"This Excel file could not be read ({type(exc).__name__}). "
                              "Save it again as .xlsx or as CSV.") from None
    notes: list[str] = []
    try:
        for ws in wb.worksheets:
            rows = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
            rows = [r for r in rows if any(r)]
            if rows:
                if len(wb.worksheets) > 1:
                    notes.append(f"read the sheet '{ws.title}' (the first with data) of "
                                 f"{len(wb.worksheets)}")
                return rows, notes
    finally:
        wb.close()
    return [], notes


def _flatten_grant(g: Mapping[str, Any]) -> dict[str, Any]:
    """One 360Giving JSON grant → the spreadsheet column titles of the standard (first org/location)."""
    row: dict[str, Any] = {
        "Identifier": g.get("id"), "Title": g.get("title"), "Description": g.get("description"),
        "Currency": g.get("currency"), "Amount Awarded": g.get("amountAwarded"),
        "Award Date": g.get("awardDate"),
    }
    org = (g.get("recipientOrganization") or [{}])[0] or {}
    for key, title in (("id", "Identifier"), ("name", "Name"), ("charityNumber", "Charity Number"),
                       ("companyNumber", "Company Number"), ("streetAddress", "Street Address"),
                       ("addressLocality", "City"), ("addressRegion", "County"),
                       ("addressCountry", "Country"), ("postalCode", "Postal Code")):
        row[f"Recipient Org:{title}"] = org.get(key)
    locs = g.get("beneficiaryLocation") or []
    loc = locs[0] if locs else {}
    for key, title in (("name", "Name"), ("countryCode", "Country Code"), ("latitude", "Latitude"),
                       ("longitude", "Longitude"), ("geoCode", "Geographic Code"),
                       ("geoCodeType", "Geographic Code Type")):
        row[f"Beneficiary Location:{title}"] = loc.get(key)
    fund = (g.get("fundingOrganization") or [{}])[0] or {}
    row["Funding Org:Identifier"], row["Funding Org:Name"] = fund.get("id"), fund.get("name")
    prog = (g.get("grantProgramme") or [{}])[0] or {}
    row["Grant Programme:Title"] = prog.get("title")
    return row


def _rows_from_json(text: str) -> tuple[list[list[str]], list[str]]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"This JSON file could not be read: {exc.msg} (line {exc.lineno}).") from None
    notes: list[str] = []
    if isinstance(obj, dict) and isinstance(obj.get("grants"), list):
        records = [_flatten_grant(g) for g in obj["grants"] if isinstance(g, dict)]
        notes.append("360Giving JSON: the first recipient organisation and beneficiary location of "
                     "each grant are used")
    elif isinstance(obj, list) and all(isinstance(r, dict) for r in obj):
        records = obj
    else:
        raise ValidationError("This JSON file is neither a 360Giving grants file ({\"grants\": [...]}) "
                              "nor a list of records.")
    if not records:
        return [], notes
    frame = pd.json_normalize(records, sep=":")
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v) if not isinstance(v, list | dict) else json.dumps(v) for v in r]
            for r in frame.itertuples(index=False, name=None)]
    return [header, *rows], notes


def _rows_from_text(data: bytes) -> tuple[list[list[str]], list[str]]:
    text, encoding = decode_text(data)
    delim = sniff_delimiter(text)
    notes = [f"encoding {encoding}", f"{_DELIM_NAMES[delim]}-separated"]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        rows = [r for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise ValidationError(f"This file could not be read as {_DELIM_NAMES[delim]}-separated "
                              f"text: {exc}") from None
    return rows, notes



def _frame_from_rows(rows: list[list[str]], notes: list[str]) -> pd.DataFrame:
    """First row that looks like a header (within the first 10) → columns; the rest → rows."""
    head = rows[:10]
    scores = [_header_score(r) for r in head]
    if max(scores, default=0) > 0:
        h = scores.index(max(scores))
    else:
        widths = [sum(1 for c in r if c.strip()) for r in head]
        h = widths.index(max(widths))
    if h:
        notes.append(f"skipped {h} line(s) above the header row")
    header: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(rows[h]):
        name = name.strip() or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        header.append(name)
    width = len(header)
    body = rows[h + 1:]
    long_rows = sum(1 for r in body if len(r) > width and any(c.strip() for c in r[width:]))
    if long_rows:
        notes.append(f"{long_rows} row(s) had more fields than the header; the extra fields are "
                     "in the column 'extra fields'")
    fixed = [(r + [""] * (width - len(r)))[:width] for r in body]
    frame = pd.DataFrame(fixed, columns=header, dtype=object)
    if long_rows:
        frame["extra fields"] = [" | ".join(c for c in r[width:] if c.strip()) for r in body]
    return frame


def read_table_file(source: Source, *, filename: str) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV/TSV/TXT, Excel (.xlsx) or JSON file into a frame of text columns.

    Raises
    ------
    ValidationError
        Empty, too large, too many rows, an old .xls file, or unreadable.
    """
    data = _read_bytes(source)
    ext = Path(filename).suffix.lower()
    if not data.strip():
        raise ValidationError(f"'{filename}' is empty: there is nothing to import.")
    if ext == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(f"'{filename}' is an old-style Excel file (.xls). Open it in Excel or "
                              "LibreOffice and save it as .xlsx or CSV.")
    if ext in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        rows, notes = _rows_from_excel(data)
    elif ext == ".json" or data.lstrip()[:1] in (b"{", b"["):
        rows, notes = _rows_from_json(decode_text(data)[0])
    else:
        rows, notes = _rows_from_text(data)
    if not rows:
        raise ValidationError(f"'{filename}' is empty: there is nothing to import.")
    frame = _frame_from_rows(rows, notes)
    if frame.empty:
        raise ValidationError(f"'{filename}' has a header row ({', '.join(frame.columns[:8])}) "
                              "but no rows of data.")
    if len(frame) > MAX_UPLOAD_ROWS:
        raise ValidationError(f"'{filename}' has {len(frame):,} rows; the most accepted is "
                              f"{MAX_UPLOAD_ROWS:,}. Split the file.")
    return frame, notes
