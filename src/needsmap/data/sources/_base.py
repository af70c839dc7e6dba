"""What a publisher's download is, and how it becomes files in the prepared layout."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

#: what a converter returns: catalog dataset id -> frame in the prepared layout (the same columns
#: as ``../shared/data``; a GeoDataFrame in EPSG:4326 for geometry datasets)
Frames = dict[str, pd.DataFrame]
#: a converter: the publisher's file as downloaded (or as a user saved it) -> prepared frames
Converter = Callable[[Path], Frames]

#: how a source is downloaded: one file, or an ArcGIS FeatureServer layer queried page by page
#: (written as one GeoJSON file for geometry layers, one CSV of attributes for table layers)
DownloadKind = Literal["file", "arcgis"]


@dataclass(frozen=True)
class Source:
    """One publisher download and the converter that turns it into prepared datasets.

    Parameters
    ----------
    id
        Short identifier (``iod2025_file7``), used by ``needsmap data fetch --only``.
    title
        The file's title as its publisher gives it.
    publisher
        Who publishes it.
    url
        Exact download: a file URL (not a landing page), or for ``download="arcgis"`` the
        FeatureServer layer URL (``…/FeatureServer/0``).
    file_name
        Name the file is saved under; ``--mirror`` fetches ``<mirror>/<file_name>``.
    format
        ``csv``, ``zip``, ``xlsx``, ``geojson`` (what ``file_name`` holds).
    datasets
        Catalog ids the converter produces.
    convert
        Function reading the file at a path and returning :data:`Frames`.
    licence, attribution
        Licence of the publisher's file and the attribution statement it requires.
    size_bytes
        Approximate size of the download (for the progress bar and the README), if known.
    sha256
        SHA-256 of the file where the publisher never changes it in place; ``None`` otherwise
        (the hash of what was downloaded is then recorded in the manifest).
    landing_page
        The publisher's page about the file, for people downloading by hand.
    name_patterns
        Glob patterns (case-insensitive) of the file names users save it under, for
        ``needsmap data prepare``.
    header
        Column names that identify the file when its name does not (all must be present).
    download
        ``"file"`` or ``"arcgis"`` (see :data:`DownloadKind`).
    seen_at
        Where the publisher's format was seen (repository and path), as cited by the converter.
    converter_version
        Bumped when the converter's output changes, recorded in the manifest.
    """

    id: str
    title: str
    publisher: str
    url: str
    file_name: str
    format: str
    datasets: tuple[str, ...]
    convert: Converter = field(compare=False, repr=False)
    licence: str = "Open Government Licence v3.0"
    attribution: str = ""
    size_bytes: int | None = None
    sha256: str | None = None
    landing_page: str = ""
    name_patterns: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    download: DownloadKind = "file"
    seen_at: str = ""
    converter_version: str = "1"

    def matches_name(self, name: str) -> bool:
        """True when a file called ``name`` looks like this source by its name."""
        low = name.lower()
        pats = (self.file_name, *self.name_patterns)
        return any(fnmatch.fnmatch(low, p.lower()) for p in pats)

    def matches_header(self, columns: list[str]) -> bool:
        """True when ``columns`` (a CSV's header) include every column of :attr:`header`."""
        if not self.header:
            return False
        have = {str(c).strip().lstrip("\ufeff") for c in columns}
        return all(h in have for h in self.header)
