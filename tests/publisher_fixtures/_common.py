"""Helpers the publisher fixtures and their tests share.

Writing files as publishers package them (a CSV with or without a byte-order mark, LF or CRLF line
ends; a zip of members; a copy of a zip with members edited; a workbook), reading them back (a CSV
member of a zip, as text), and reading a prepared dataset of ``../shared/data`` and comparing a
converter's frame with it row for row whatever the order.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from needsmap.data.catalog import get_dataset

#: the real publisher rows kept beside the shared data (relative to its parent folder)
SAMPLES = Path("docs") / "publisher-samples"
#: ``NEEDSMAP_FULL_FIXTURES=1`` makes every builder write every row (a full-size publisher mirror, for
#: rebuilding a whole data folder by hand); by default the big ones hold a sample, to stay fast
FULL = os.environ.get("NEEDSMAP_FULL_FIXTURES", "") == "1"

#: a zip member: its name and contents (text is written as UTF-8)
Member = tuple[str, bytes | str]


# ----------------------------------------------------------------------------- folders
def require_dir(folder: Path, what: str) -> Path:
    """``folder``, or skip the test when it is not there.

    Parameters
    ----------
    folder
        The folder the test needs.
    what
        What it holds, for the reason given when the test is skipped.
    """
    if not folder.is_dir():
        pytest.skip(f"no {what} at {folder}")
    return folder


def publisher_samples(data_dir: Path) -> Path:
    """The real publisher rows beside the data folder (``../shared/docs/publisher-samples``), or
    skip the test when they are not there."""
    return require_dir(data_dir.parent / SAMPLES, "publisher samples")


# ----------------------------------------------------------------------------- writing
def csv_bytes(data: pd.DataFrame | str, *, bom: bool = False, newline: str | None = None) -> bytes:
    """A CSV file's bytes, UTF-8.

    Parameters
    ----------
    data
        A frame (written without its index) or the CSV's text.
    bom
        Start with a UTF-8 byte-order mark (as the ONS portal's and Excel's CSVs do).
    newline
        Line end: ``"\\n"`` or ``"\\r\\n"``. None keeps a text's line ends as they are and writes
        a frame with ``"\\n"``.
    """
    if isinstance(data, pd.DataFrame):
        text = data.to_csv(index=False, lineterminator=newline or "\n")
    else:
        text = data
        if newline is not None:
            text = text.replace("\r\n", "\n").replace("\n", newline)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def write_csv(path: Path, data: pd.DataFrame | str, *, bom: bool = False,
              newline: str | None = None) -> Path:
    """Write :func:`csv_bytes` to ``path`` (its folder made if need be); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(data, bom=bom, newline=newline))
    return path


def write_zip(path: Path, members: Mapping[str, bytes | str] | Iterable[Member]) -> Path:
    """A deflated zip holding ``members`` (name -> contents), in their order; returns ``path``."""
    items = members.items() if isinstance(members, Mapping) else members
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return path


def rewrite_zip(src: Path, dest: Path, edit: Callable[[str, bytes], Member | None]) -> Path:
    """A copy of the zip (or workbook) ``src`` at ``dest`` with each member passed through
    ``edit(name, bytes)``, which returns the new ``(name, contents)`` or None to leave the member
    out."""
    with zipfile.ZipFile(src) as zin:
        edited = [edit(name, zin.read(name)) for name in zin.namelist()]
    return write_zip(dest, [m for m in edited if m is not None])


def _cell(value: object) -> object:
    """A value as a workbook cell: NaN is an empty cell, whole floats are integers."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def write_workbook(path: Path, sheets: Sequence[tuple[str, Iterable[Sequence[object]]]]) -> Path:
    """An .xlsx workbook of ``sheets`` (title, rows), in their order; returns ``path``.

    Cells are written as :func:`_cell` gives them (NaN blank, whole floats as integers).
    """
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    book.save(path)
    return path


# ----------------------------------------------------------------------------- reading
def zip_csv(path: Path, name_end: str) -> pd.DataFrame:
    """The first CSV member of the zip ``path`` whose name ends ``name_end``, every cell as text
    (blanks as ``""``)."""
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(name_end))
        data = zf.read(name)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def prepared(shared: Path, dataset_id: str, **read_csv: Any) -> pd.DataFrame:
    """A prepared dataset of the data folder ``shared``: a GeoDataFrame for geometry, a frame
    from Parquet, or the CSV read with ``read_csv``'s keyword arguments."""
    dataset = get_dataset(dataset_id)
    path = shared / dataset.file
    if path.suffix == ".parquet":
        if dataset.kind == "geometry":
            import geopandas as gpd

            return gpd.read_parquet(path)
        return pd.read_parquet(path)
    return pd.read_csv(path, **read_csv)


def sort_rows(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``frame`` sorted by ``keys`` (stable), index 0 … n-1."""
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


def assert_same_rows(got: pd.DataFrame, want: pd.DataFrame, keys: Sequence[str]) -> None:
    """``got`` has ``want``'s columns in its order and the same rows, whatever their order
    (values compared, not dtypes)."""
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(sort_rows(got, keys), sort_rows(want, keys), check_dtype=False)


def lsoa21_names(shared: Path) -> pd.DataFrame:
    """LSOA 2021 codes and names with their district (2024) code and name, from the ward lookup."""
    lookup = prepared(shared, "lsoa21_ward24_lookup", dtype=str)
    return lookup[["lsoa21_code", "lsoa21_name", "ltla24_code", "ltla24_name"]]
