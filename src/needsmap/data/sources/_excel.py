"""Tables out of publishers' .xlsx workbooks, read with python-calamine.

The workbooks needsmap converts are large (ONS's LSOA 2021 estimates: 187 columns and 35,672 rows
a sheet), start with title rows, and are sometimes kept zipped. :func:`open_workbook` opens one,
or the one workbook inside a zip, and turns the ways a download goes wrong into a
:class:`~needsmap.errors.ValidationError` naming the file; :func:`sheet_table` finds a sheet's
header row below its title rows and returns the table under it, only the columns asked for
(calamine parses the whole sheet; a 187 × 35,672 sheet takes about 5 s and 350 MB while it is
read). Cell values are what calamine gives (formulas give their cached result; error cells such
as ``#N/A`` read as blank).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from needsmap.data.sources._read import header_text
from needsmap.errors import ValidationError

__all__ = ["open_workbook", "sheet_table"]

#: the first bytes of an OLE2 compound file: an Excel 97–2003 .xls workbook
_OLE2 = b"\xd0\xcf\x11\xe0"


def _inner_workbook(path: Path) -> IO[bytes]:
    """The workbook a zip holds, when ``path`` is a zip rather than the workbook itself."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "xl/workbook.xml" in names:
                return path.open("rb")
            inner = [n for n in names if n.lower().endswith(".xlsx")]
            if len(inner) != 1:
                raise ValidationError(
                    f"{path.name}: a zip without the expected .xlsx workbook in it (it holds "
                    f"{', '.join(names) or 'nothing'})."
                )
            data = zf.read(inner[0])
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValidationError(f"{path.name}: not a readable .xlsx workbook ({exc}).") from exc
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(f"{path.name}: {inner[0]} is not an .xlsx workbook.")
    return io.BytesIO(data)


@contextmanager
def open_workbook(path: Path) -> Iterator[CalamineWorkbook]:
    """Open an .xlsx workbook, or the one .xlsx inside a zip (as ONS used to ship some).

    Parameters
    ----------
    path
        The workbook as downloaded.

    Yields
    ------
    CalamineWorkbook
        The open workbook; it is closed when the ``with`` block ends.

    Raises
    ------
    ValidationError
        Naming the file: it is missing or empty, an old-style .xls, a web page saved in place of
        the workbook, not a zip, a zip without one workbook in it, or a damaged workbook.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file.") from None
    except OSError as exc:
        raise ValidationError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if not head:
        raise ValidationError(f"{path.name}: the file is empty (the download may have failed).")
    if head.startswith(_OLE2):
        raise ValidationError(
            f"{path.name}: an old-style .xls workbook; open it and save it as .xlsx, or "
            "download the .xlsx the publisher offers."
        )
    if not zipfile.is_zipfile(path):
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise ValidationError(
                f"{path.name}: this is a web page (HTML), not the publisher's workbook; the "
                "download probably returned an error or landing page. Download it again."
            )
        raise ValidationError(f"{path.name}: not an Excel .xlsx workbook (nor a zip of one).")
    with _inner_workbook(path) as source:
        try:
            book = CalamineWorkbook.from_filelike(source)
        except CalamineError as exc:
            raise ValidationError(f"{path.name}: not a readable .xlsx workbook ({exc}).") from exc
        with book:
            yield book


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sheet_table(
    book: CalamineWorkbook,
    sheet: str,
    *,
    where: str,
    is_header: Callable[[str], bool],
    keep: Callable[[str], bool] = bool,
    scan_rows: int = 40,
) -> pd.DataFrame | None:
    """The table below a sheet's header row.

    Parameters
    ----------
    book
        An open workbook (:func:`open_workbook`).
    sheet
        The sheet's name as the workbook has it.
    where
        The file and sheet, for error messages.
    is_header
        Whether a cell's text (:func:`~needsmap.data.sources._read.header_text`) marks its row
        as the header row; the first such row within the sheet's first ``scan_rows`` rows is the
        header (title rows above it are skipped).
    keep
        Whether to keep the column of a header text; by default every column with a name.
    scan_rows
        How far down the sheet the header row may be.

    Returns
    -------
    pandas.DataFrame or None
        One column per kept header cell, named by its text, object dtype; blank cells are None.
        Rows blank in every kept column are left out. None when the sheet has no header row.

    Raises
    ------
    ValidationError
        The worksheet's XML cannot be read.
    """
    try:
        rows = book.get_sheet_by_name(sheet).iter_rows()
        header: list[str] | None = None
        for n, row in enumerate(rows, 1):
            if n > scan_rows:
                break
            names = [header_text(v) for v in row]
            if any(is_header(name) for name in names):
                header = names
                break
        if header is None:
            return None
        wanted = [i for i, name in enumerate(header) if keep(name)]
        data: list[list[object]] = []
        for row in rows:
            picked: list[object] = [None if row[i] == "" else row[i] for i in wanted]
            if not all(_blank(v) for v in picked):
                data.append(picked)
    except CalamineError as exc:
        raise ValidationError(f"{where}: the worksheet could not be read ({exc}).") from exc
    return pd.DataFrame(data, columns=[header[i] for i in wanted], dtype=object)
