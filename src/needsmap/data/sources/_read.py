"""Reading publishers' downloads: the checks and conversions every converter shares.

A download goes wrong in the same few ways whoever publishes it: the file is missing or empty, a web
page (an error, sign-in or landing page) was saved in its place, a zip is damaged or lacks the file
expected in it, a CSV is Windows-1252 rather than UTF-8 or starts with a byte-order mark. Each
helper here turns one of these into a :class:`~needsmap.errors.ValidationError` whose message
starts with the file's name (``where``), so the converters in this package (``imd``, ``ons``,
``census``, ``nspl``) word them alike. Also here: header names compared the one way (no BOM,
whitespace collapsed, any case) and found by name or by a publisher's cut-short name; England's
rows picked by their GSS codes; numbers read from publisher cells, with suppression markers as
missing and any other text an error naming the cell.

Encodings: UTF-8 (with or without a BOM), else Windows-1252, what UK publishers' and Excel's CSV
exports use. Guessing with ``charset_normalizer`` was tried and is not used: on short Windows-1252
files it picks code pages such as cp1250 or cp1006 and garbles ``£`` and accented names.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from needsmap.errors import ValidationError

__all__ = [
    "MISSING_MARKERS",
    "Opener",
    "cell_text",
    "check_unique",
    "csv_error",
    "decode_text",
    "england",
    "find_column",
    "header_key",
    "header_text",
    "is_zip",
    "looks_like_html",
    "member_name",
    "numeric",
    "open_data",
    "read_csv",
    "read_data",
    "read_head",
    "refuse_web_page",
    "require_column",
    "text_start",
    "zip_members",
]

#: opens a fresh binary stream of the data (the file itself, or its member in a zip)
Opener = Callable[[], IO[bytes]]

#: what :func:`read_head` reads (enough to tell a zip, a GeoPackage, JSON and a web page apart)
HEAD_BYTES = 4096
#: the first bytes of a zip archive: a file entry, an empty archive, a spanned archive
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: skipped before judging what text a file starts with: a UTF-8 byte-order mark and white space
_LEADING = b"\xef\xbb\xbf \t\r\n"
#: a zip's members listed in a message, at most
_SHOWN_MEMBERS = 12
#: cells that mean "no value" in publishers' tables (blank in IoD File 8; ONS writes ".." or ":"
#: in some tables; "c" is confidential, "x" not available): read as NaN by :func:`numeric`
MISSING_MARKERS: frozenset[str] = frozenset({"", "*", "..", ":", "-", "x", "c", "n/a", "na"})
#: errors reading a zip or one of its members: damaged, cut short, or unreadable on disk
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


# --------------------------------------------------------------------------------------------
# The file: present, readable, not empty, not a web page
# --------------------------------------------------------------------------------------------


def read_head(path: Path, *, where: str | None = None, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a download, once it is known to be there and not empty.

    Parameters
    ----------
    path
        The file as downloaded.
    where
        The file's name in messages; ``path.name`` by default.
    size
        How many bytes to read.

    Returns
    -------
    bytes
        Up to ``size`` bytes from the start of the file.

    Raises
    ------
    ValidationError
        The file is missing (named by its full path), cannot be read, or is empty: no bytes, or
        only a byte-order mark and white space.
    """
    where = where or path.name
    if not path.is_file():
        raise ValidationError(f"{path}: no such file.")
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
    except OSError as exc:
        raise ValidationError(f"{where}: cannot be read ({exc.strerror or exc}).") from None
    if len(head) < size and not text_start(head):
        raise ValidationError(f"{where}: the file is empty (the download may have failed).")
    return head


def text_start(head: bytes) -> bytes:
    """``head`` without the byte-order mark and white space a text file may start with."""
    return head.lstrip(_LEADING)


def is_zip(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) starts like a zip archive (an .xlsx is one)."""
    return head[:4] in _ZIP_MAGIC


def looks_like_html(head: bytes) -> bool:
    """True when text starting with ``head`` is a web page (or other markup) rather than data.

    Parameters
    ----------
    head
        The first bytes of a file that should be CSV or JSON text (not of a zip: compressed
        bytes may hold anything).

    Returns
    -------
    bool
        True when, after a byte-order mark and white space, it starts with ``<`` (``<!DOCTYPE
        html>``, ``<html>``, ``<?xml …>``: no CSV or JSON does) or holds ``<html`` in its first
        512 bytes.
    """
    text = text_start(head)
    return text.startswith(b"<") or b"<html" in text[:512].lower()


def refuse_web_page(head: bytes, *, where: str, what: str) -> None:
    """Raise when ``head`` is the start of a web page saved in place of the data.

    Parameters
    ----------
    head
        The first bytes of the file, or of its member in a zip.
    where
        The file's name in the message.
    what
        What the file should have been (``"the Nomis table"``).

    Raises
    ------
    ValidationError
        :func:`looks_like_html` says it is a web page.
    """
    if looks_like_html(head):
        raise ValidationError(
            f"{where}: this is a web page (HTML), not {what}: the download failed or was sent to "
            "an error, sign-in or landing page. Download it again."
        )


# --------------------------------------------------------------------------------------------
# Zips
# --------------------------------------------------------------------------------------------


def member_name(name: str) -> str:
    """The file name of a zip member, without the folders it is in (``Data/x.csv`` → ``x.csv``)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _open_zip(path: Path, where: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        raise ValidationError(
            f"{where}: not a readable zip file (damaged, or the download was cut short)."
        ) from None


def _files(zf: zipfile.ZipFile) -> list[str]:
    """The zip's files: no folders, nothing of macOS's ``__MACOSX`` metadata."""
    return [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]


def zip_members(path: Path, *, where: str | None = None) -> list[str]:
    """The files in a zip, in the zip's order.

    Parameters
    ----------
    path
        The zip.
    where
        The file's name in messages; ``path.name`` by default.

    Returns
    -------
    list of str
        Member names with their folders, leaving out folder entries and ``__MACOSX`` metadata.

    Raises
    ------
    ValidationError
        The zip is damaged or cut short.
    """
    with _open_zip(path, where or path.name) as zf:
        return _files(zf)


@contextmanager
def open_data(
    path: Path,
    *,
    what: str,
    pick: Callable[[list[str]], str | None],
    expected: str,
    where: str | None = None,
) -> Iterator[tuple[Opener, str]]:
    """The data of a download that is either the data file itself or a zip holding it.

    Parameters
    ----------
    path
        The download.
    what
        What the data is, for messages (``"the postcode lookup"``).
    pick
        Given a zip's files (:func:`zip_members`), the one holding the data, or None.
    expected
        The file ``pick`` looks for, for the message when it finds none.
    where
        The file's name in messages; ``path.name`` by default.

    Yields
    ------
    tuple of (Opener, str)
        A function opening a fresh binary stream of the data (it may be called more than once
        while the ``with`` block lasts), and the data's name for messages: ``where``, or
        ``"<where> (<member>)"`` for a member of a zip.

    Raises
    ------
    ValidationError
        Missing, unreadable or empty (:func:`read_head`); a web page (:func:`refuse_web_page`); a
        damaged zip, an Excel workbook, or a zip without the expected file (its files listed).
    """
    where = where or path.name
    head = read_head(path, where=where)
    if not is_zip(head):
        refuse_web_page(head, where=where, what=what)
        yield (lambda: path.open("rb")), where
        return
    with _open_zip(path, where) as zf:
        names = _files(zf)
        if "xl/workbook.xml" in names:
            raise ValidationError(
                f"{where}: an Excel workbook, not {what}; download the CSV, or save the sheet as "
                "CSV (UTF-8)."
            )
        member = pick(names)
        if member is None:
            shown = ", ".join(names[:_SHOWN_MEMBERS]) + (
                " …" if len(names) > _SHOWN_MEMBERS else "")
            raise ValidationError(
                f"{where}: the zip does not hold {expected} (it holds: {shown or 'nothing'}); is "
                "it the right download?"
            )
        yield (lambda: zf.open(member)), f"{where} ({member})"


def read_data(
    path: Path,
    *,
    what: str,
    pick: Callable[[list[str]], str | None],
    expected: str,
    where: str | None = None,
) -> tuple[bytes, str]:
    """All the bytes of the data in a download (the file itself or its member in a zip).

    Parameters
    ----------
    path, what, pick, expected, where
        As for :func:`open_data`.

    Returns
    -------
    tuple of (bytes, str)
        The data, and its name for messages.

    Raises
    ------
    ValidationError
        As :func:`open_data`; also when the zip member cannot be unpacked, or is a web page.
    """
    with open_data(path, what=what, pick=pick, expected=expected, where=where) as (opener, name):
        try:
            with opener() as stream:
                data = stream.read()
        except _ZIP_ERRORS as exc:
            raise ValidationError(f"{name}: cannot be read or unpacked ({exc}).") from None
    refuse_web_page(data[:1024], where=name, what=what)
    return data, name


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def decode_text(data: bytes, *, where: str) -> str:
    """Text of a CSV: UTF-8 (a byte-order mark dropped), else Windows-1252.

    Parameters
    ----------
    data
        The file's bytes.
    where
        The file's name in messages.

    Returns
    -------
    str
        The decoded text.

    Raises
    ------
    ValidationError
        The bytes are neither UTF-8 nor Windows-1252 (which leaves five byte values undefined).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{where}: not text in a known encoding (neither UTF-8 nor Windows-1252: {exc.reason} "
            f"at byte {exc.start:,})."
        ) from None


def csv_error(where: str, exc: Exception) -> ValidationError:
    """The error for a CSV the parser refused.

    Parameters
    ----------
    where
        The file's name.
    exc
        What pandas (or the zip being read) raised.

    Returns
    -------
    ValidationError
        Naming the file and the parser's complaint (its first 200 characters).
    """
    if isinstance(exc, pd.errors.EmptyDataError):
        return ValidationError(f"{where}: holds no CSV data (not even a header row).")
    return ValidationError(
        f"{where}: not a readable CSV file ({type(exc).__name__}: {str(exc).strip()[:200]})."
    )


def read_csv(data: bytes, *, where: str, what: str, min_columns: int = 2) -> pd.DataFrame:
    """A publisher's CSV as text columns.

    Parameters
    ----------
    data
        The file's bytes (:func:`read_data`).
    where
        The file's name in messages.
    what
        What the file should be, for the message when it is a web page.
    min_columns
        Fewer columns than this means it is not the publisher's table.

    Returns
    -------
    pandas.DataFrame
        Every cell as text, blanks as ``""`` (nothing is read as missing); column names as
        :func:`header_text` gives them (no BOM, white space collapsed). Accepts a UTF-8 BOM, CRLF
        line ends, quoted names holding commas, and Windows-1252 text (:func:`decode_text`).

    Raises
    ------
    ValidationError
        A web page; an unknown encoding; no data; a parse error; too few columns; two columns
        whose names are the same once cleaned.
    """
    refuse_web_page(data[:1024], where=where, what=what)
    text = decode_text(data, where=where)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, csv.Error) as exc:  # pandas' ParserError and EmptyDataError among them
        raise csv_error(where, exc) from None
    frame.columns = [header_text(c) for c in frame.columns]
    if frame.shape[1] < min_columns:
        raise ValidationError(
            f"{where}: not the expected CSV (only {frame.shape[1]} column(s) found)."
        )
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise ValidationError(f"{where}: the column '{repeated[0]}' appears more than once.")
    return frame


# --------------------------------------------------------------------------------------------
# Header names
# --------------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as text.

    Parameters
    ----------
    value
        The cell's value as calamine gives it (None or ``""`` for a blank cell).

    Returns
    -------
    str
        ``""`` for a blank; a whole number without ``.0``; otherwise its text, trimmed.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_text(value: object) -> str:
    """A header name (or header cell) as text.

    Parameters
    ----------
    value
        The name, or the cell's value as calamine gives it (``""`` for a blank cell).

    Returns
    -------
    str
        :func:`cell_text` with any byte-order mark removed and white space collapsed and trimmed
        (ONS writes its age columns ``0`` … ``89`` as numbers: they read ``"0"`` … ``"89"``).
    """
    return " ".join(cell_text(value).replace("\ufeff", "").split())


def header_key(name: object) -> str:
    """A header name as compared: :func:`header_text`, case folded."""
    return header_text(name).casefold()


def find_column(columns: Iterable[Any], *names: str, where: str, cut_short: int = 0) -> Any:
    """The column named by the first of ``names`` that the header has, or None.

    Parameters
    ----------
    columns
        The header's names (a frame's ``columns``).
    *names
        The name wanted, or several, the preferred first. Compared as :func:`header_key` does:
        no BOM, white space collapsed, any case.
    where
        The file's name in messages.
    cut_short
        When no name matches: a column whose name is the start of one of ``names``, at least
        this many characters long, matches when it is the only one (publishers cut long names
        short: IoD2025 File 7 column 37 ends ``… 10% of LSO``). 0: names must match in full.

    Returns
    -------
    object or None
        The column as ``columns`` has it; None when none matches.

    Raises
    ------
    ValidationError
        Two columns match the same name.
    """
    cols = list(columns)
    keys = [header_key(c) for c in cols]
    for name in names:
        want = header_key(name)
        hits = [c for c, k in zip(cols, keys, strict=True) if k == want]
        if len(hits) > 1:
            raise ValidationError(f"{where}: the column '{name}' appears {len(hits)} times.")
        if hits:
            return hits[0]
    if cut_short:
        for name in names:
            want = header_key(name)
            cut = [c for c, k in zip(cols, keys, strict=True)
                   if len(k) >= cut_short and want.startswith(k)]
            if len(cut) == 1:
                return cut[0]
    return None


def require_column(columns: Iterable[Any], name: str, *, where: str, cut_short: int = 0) -> Any:
    """:func:`find_column` for one name that must be there.

    Raises
    ------
    ValidationError
        The column is missing, or appears twice.
    """
    found = find_column(columns, name, where=where, cut_short=cut_short)
    if found is None:
        raise ValidationError(f"{where}: the column '{name}' is missing.")
    return found


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def numeric(
    values: Iterable[object],
    *,
    where: str,
    column: str,
    missing: Collection[str] = MISSING_MARKERS,
) -> pd.Series:
    """Numbers from publisher cells.

    Parameters
    ----------
    values
        The cells: numbers, or text (thousands separators and surrounding spaces allowed).
    where
        The file (and sheet) in messages.
    column
        The column's name in messages.
    missing
        Texts (compared trimmed, any case) that mean "no value" and become NaN; a blank or None
        cell is ``""``. Pass an empty collection when every cell must hold a number.

    Returns
    -------
    pandas.Series
        int64 when every value is a whole number, otherwise float64 (NaN where missing); index
        0 … n-1.

    Raises
    ------
    ValidationError
        A cell holds text that is not a number nor in ``missing`` (or a True/False), naming the
        column, the text and the row of the table.
    """
    raw = pd.Series(list(values), dtype=object)
    series = pd.to_numeric(raw, errors="coerce").astype("float64")
    markers = {m.casefold() for m in missing}
    blank = raw.isna().to_numpy()
    # the few cells the fast path could not read: blanks, markers, thousands separators, text
    for i in np.flatnonzero(series.isna().to_numpy()):
        value = raw.iloc[i]
        if isinstance(value, bool):
            raise ValidationError(f"{where}: '{column}' holds {value!r}, not a number.")
        text = "" if blank[i] else str(value).strip()
        if text.casefold() in markers:
            continue
        try:
            series.iloc[i] = float(text.replace(",", ""))
        except ValueError:
            shown = repr(text) if text else "a blank cell"
            raise ValidationError(
                f"{where}: '{column}' holds {shown} (row {i + 1} of the table), not a number."
            ) from None
    whole = series.dropna()
    if len(whole) == len(series) and (whole == whole.round()).all():
        return series.astype("int64")
    return series


def england(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    where: str,
    pattern: str = "E",
    expected: str = "",
) -> pd.DataFrame:
    """England's rows of a table: those whose GSS codes start with ``E``.

    Parameters
    ----------
    frame
        The table.
    columns
        The code columns; a row is kept when each of them is English.
    where
        The file's name in messages.
    pattern
        Regular expression an English code matches from its start, after trimming and upper
        casing (``E01\\d{6}$`` for LSOA codes only).
    expected
        What was looked for, in the message when no row is kept; by default the columns and
        "starting with E".

    Returns
    -------
    pandas.DataFrame
        The rows kept, with their index and values as they were.

    Raises
    ------
    ValidationError
        No row is English.
    """
    keep = np.ones(len(frame), dtype=bool)
    for col in columns:
        codes = frame[col].astype(str).str.strip().str.upper()
        keep &= codes.str.match(pattern).to_numpy(dtype=bool)
    if not keep.any():
        expected = expected or f"{' and '.join(columns)} starting with E"
        raise ValidationError(f"{where}: no rows for England ({expected}).")
    return frame.loc[keep]


def check_unique(codes: pd.Series, *, where: str, what: str = "area", note: str = "") -> None:
    """Raise when a code appears on more than one row.

    Parameters
    ----------
    codes
        The key column.
    where
        The file's name in messages.
    what
        What the codes are, in the message (``"LSOA 2021"``).
    note
        Said of the rows after "appear on more than one row" (``"with different values"``, when
        exact repeats were dropped before).

    Raises
    ------
    ValidationError
        Naming how many codes repeat and up to three of them.
    """
    repeated = codes.duplicated(keep=False)
    if repeated.any():
        shown = sorted(set(codes[repeated].astype(str)))
        raise ValidationError(
            f"{where}: {len(shown):,} {what} code(s) appear on more than one row"
            f"{' ' + note if note else ''} (e.g. {', '.join(shown[:3])})."
        )
