"""Download the publishers' files, convert them into the prepared layout and record a manifest.

``needsmap data fetch`` and the Data sources page's Download button run :func:`fetch`;
``needsmap data prepare`` runs :func:`prepare` on files a user downloaded by hand. Both write every
prepared file atomically (a temporary file in the same folder, then a rename), only after the whole
conversion has passed the loaders' checks, so a failed or interrupted run never leaves a half file and
the previous good copy stays. Downloads go through pooch (retries with a clean restart, SHA-256 check
where the registry knows the hash, a progress bar on the terminal).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from needsmap.config import using_data_dir
from needsmap.data import _validate as v
from needsmap.data import manifest
from needsmap.data.catalog import CATALOG, DATASETS, Dataset
from needsmap.data.sources import MANUAL, SOURCES, Source, get_source
from needsmap.data.sources._read import HEAD_BYTES, is_zip, looks_like_html
from needsmap.errors import NeedsmapError, ValidationError

#: folder inside the data folder where raw downloads wait for conversion
DOWNLOADS = ".downloads"
#: records per ArcGIS FeatureServer query page (the services' usual maximum is 2,000)
ARCGIS_PAGE = 2000
#: seconds before a silent connection is given up (pooch then retries)
TIMEOUT = 60
#: further attempts after a failed download (pooch restarts the file from scratch)
RETRIES = 2
#: what a whole fetch downloads, as the README says (the registry knows only some sizes exactly)
TOTAL_DOWNLOAD = "roughly 0.5 GB (the postcode lookup alone is about 180 MB)"

#: progress callback: (what is happening, fraction of the whole run done 0–1)
Progress = Callable[[str, float], None]


class FetchError(NeedsmapError):
    """A download or conversion failed; the message names the file, the host or the fix."""


class OfflineError(FetchError):
    """A host could not be reached at all: the whole run stops with one message."""


@dataclass
class Outcome:
    """What happened to one source in a fetch or prepare run."""

    source: str
    datasets: tuple[str, ...]
    ok: bool
    message: str = ""
    rows: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- selection
def select_sources(only: Iterable[str] | None, folder: Path, *, force: bool = False) -> list[Source]:
    """Sources to fetch: those named in ``only`` (source or dataset ids), else those with a
    dataset missing from ``folder`` (every source when ``force``).

    Raises
    ------
    FetchError
        An id in ``only`` is neither a source nor a dataset any source produces.
    """
    if only:
        chosen: list[Source] = []
        for name in only:
            found = [s for s in SOURCES if s.id == name or name in s.datasets]
            if not found:
                hint = f" ({MANUAL[name]})" if name in MANUAL else ""
                raise FetchError(
                    f"'{name}' is not a source or dataset needsmap can fetch{hint}. "
                    f"Sources: {', '.join(s.id for s in SOURCES)}."
                )
            chosen += [s for s in found if s not in chosen]
        return chosen
    if force:
        return list(SOURCES)
    return [s for s in SOURCES
            if any(not CATALOG[d].path_in(folder).exists() for d in s.datasets)]


# ----------------------------------------------------------------------------- downloading
def _host(url: str) -> str:
    return urllib.parse.urlparse(url).netloc or url


def _offline_message(source: Source, url: str, exc: BaseException) -> str:
    return (
        f"could not reach {_host(url)} to download {source.file_name} ({type(exc).__name__}). "
        f"With no network here, download {source.url if source.download == 'file' else url} "
        f"by hand{f' (page: {source.landing_page})' if source.landing_page else ''}, put it in a "
        f"folder and run `needsmap data prepare FOLDER`."
    )


def _download_file(source: Source, url: str, dest: Path, progressbar: Any) -> None:
    """Download ``url`` to ``dest`` with pooch (retries, hash check, temporary file then rename)."""
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")  # our own progress lines say what is happening
    registry = {dest.name: f"sha256:{source.sha256}" if source.sha256 else None}
    store = pooch.create(path=dest.parent, base_url="", registry=registry, urls={dest.name: url},
                         retry_if_failed=RETRIES)
    downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=TIMEOUT)
    try:
        store.fetch(dest.name, downloader=downloader)
    except requests.exceptions.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else "?"
        raise FetchError(f"{_host(url)} answered HTTP {code} for {url}: the file may have moved. "
                         f"Look for it on {source.landing_page or source.url} and run "
                         f"`needsmap data prepare` on it.") from None
    except (requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError):
        raise FetchError(f"the download of {source.file_name} from {_host(url)} was cut off "
                         f"{RETRIES + 1} times; try again later.") from None
    except requests.exceptions.ConnectionError as exc:
        raise OfflineError(_offline_message(source, url, exc)) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"the download of {source.file_name} from {_host(url)} failed "
                         f"{RETRIES + 1} times ({type(exc).__name__}); try again later.") from None
    except ValueError as exc:  # pooch: the SHA-256 does not match the registry
        raise FetchError(f"{source.file_name} from {_host(url)} is not the file the registry "
                         f"expects (SHA-256 differs: {str(exc)[:160]}). It was not used.") from None


def _copy_from_folder(source: Source, folder: Path, dest: Path) -> None:
    """Copy ``folder/file_name`` (an internal mirror on disk) to ``dest``, checking its hash."""
    src = folder / source.file_name
    if not src.exists():
        raise FetchError(f"the mirror folder {folder} has no {source.file_name} (for {source.id}).")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(src, tmp)
        if source.sha256 and manifest.sha256_file(tmp) != source.sha256:
            raise FetchError(f"{src} is not the file the registry expects (SHA-256 differs). "
                             "It was not used.")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _arcgis_pages(source: Source, progress: Progress | None, start: float, span: float) -> list[dict]:
    """Every feature of an ArcGIS FeatureServer layer, queried page by page (GeoJSON)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(total=RETRIES + 1, backoff_factor=1.0, status_forcelist=(429, 500, 502, 503, 504))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    query = source.url.rstrip("/") + "/query"
    features: list[dict] = []
    offset = 0
    while True:
        params = {"where": "1=1", "outFields": "*", "outSR": "4326", "f": "geojson",
                  "resultOffset": str(offset), "resultRecordCount": str(ARCGIS_PAGE)}
        try:
            resp = session.get(query, params=params, timeout=TIMEOUT)
            resp.raise_for_status()
            page = resp.json()
        except requests.exceptions.HTTPError as exc:
            code = exc.response.status_code if exc.response is not None else "?"
            raise FetchError(f"{_host(query)} answered HTTP {code} for the layer {source.url}.") from None
        except requests.exceptions.ConnectionError as exc:
            raise OfflineError(_offline_message(source, query, exc)) from None
        except (requests.exceptions.RequestException, ValueError) as exc:
            raise FetchError(f"the layer {source.url} did not answer with GeoJSON "
                             f"({type(exc).__name__}).") from None
        if "error" in page:
            raise FetchError(f"the layer {source.url} answered with an error: "
                             f"{str(page['error'])[:200]}")
        got = page.get("features") or []
        features += got
        offset += len(got)
        if progress:
            progress(f"{source.id}: {offset:,} features", start + span * 0.5)
        more = page.get("exceededTransferLimit") or page.get("properties", {}).get(
            "exceededTransferLimit")
        if not got or (not more and len(got) < ARCGIS_PAGE):
            return features


def _write_arcgis(source: Source, features: list[dict], dest: Path) -> None:
    """Save ArcGIS features as one GeoJSON (geometry layers) or CSV of attributes (table layers)."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        if source.format == "geojson":
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"type": "FeatureCollection", "features": features}, fh)
        else:
            rows = [f.get("properties") or f.get("attributes") or {} for f in features]
            pd.DataFrame(rows).to_csv(tmp, index=False)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def download(source: Source, folder: Path, *, mirror: str | None = None,
             progressbar: Any = False, progress: Progress | None = None,
             start: float = 0.0, span: float = 1.0) -> Path:
    """Download one source's file into ``folder/.downloads`` and return its path.

    Parameters
    ----------
    source
        The registry entry.
    folder
        The data folder being filled.
    mirror
        Base URL or folder holding the registry's files by :attr:`Source.file_name`; used instead
        of the publishers' addresses.
    progressbar
        ``True`` for a terminal progress bar, or a tqdm-like object (pooch's protocol).

    Raises
    ------
    FetchError
        No network (naming the host and how to download by hand), HTTP errors, a download cut off
        on every attempt, or a file whose SHA-256 differs from the registry's.
    """
    dest = folder / DOWNLOADS / source.file_name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if mirror:
        if "://" in mirror and not mirror.startswith("file://"):
            _download_file(source, mirror.rstrip("/") + "/" + urllib.parse.quote(source.file_name),
                           dest, progressbar)
        else:
            base = Path(mirror.removeprefix("file://")).expanduser()
            _copy_from_folder(source, base, dest)
    elif source.download == "arcgis":
        if not dest.exists():
            _write_arcgis(source, _arcgis_pages(source, progress, start, span), dest)
    else:
        _download_file(source, source.url, dest, progressbar)
    _sniff(source, dest)
    return dest


def _is_web_page(path: Path) -> bool:
    """True when a file (not a zip or workbook) starts like an HTML page."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return not is_zip(head) and looks_like_html(head)


def _sniff(source: Source, path: Path) -> None:
    """Refuse an empty file or a web page served where a data file was expected."""
    problem = ""
    if path.stat().st_size == 0:
        problem = "the downloaded file is empty"
    elif _is_web_page(path):
        problem = (f"the server sent a web page, not the {source.format} file (an error or "
                   "sign-in page?)")
    if problem:
        path.unlink(missing_ok=True)
        raise FetchError(f"{source.file_name} for {source.id}: {problem}. Nothing was changed.")


# ----------------------------------------------------------------------------- converting
def _check_frame(ds: Dataset, frame: pd.DataFrame, raw: Path) -> None:
    """The loaders' own checks, run on a converted frame before it replaces anything."""
    where = str(raw.name)
    v.check_not_empty(frame, ds, where=where)
    v.check_columns(frame, ds, where=where)
    v.check_unique(frame, ds, where=where)
    v.check_complete(frame, ds, where=where)
    if ds.kind == "geometry":
        if not isinstance(frame, gpd.GeoDataFrame):
            raise v.fail(ds, "the converter gave no geometries", where)
        v.check_geometries(frame, ds, where=where)


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def install(source: Source, raw: Path, folder: Path, *, origin: str = "") -> Outcome:
    """Convert ``raw`` with the source's converter, check every frame, then write them all.

    Nothing is written unless every dataset of the source converts and passes the checks; each file
    is replaced atomically and recorded in the manifest with its SHA-256.

    Raises
    ------
    ValidationError
        The converter or the checks refused the file (the message names it).
    """
    try:
        with using_data_dir(folder):  # a converter needing a lookup reads the one just fetched
            frames = source.convert(raw)
    except NeedsmapError:
        raise
    except Exception as exc:  # a converter bug must still read as one line naming the file
        raise ValidationError(f"{raw.name} could not be converted as {source.title} "
                              f"({type(exc).__name__}: {str(exc)[:200]}).") from None
    for ds_id in source.datasets:
        if ds_id not in frames:
            raise ValidationError(f"{raw.name}: the converter for {source.id} gave no {ds_id}.")
    for ds_id, frame in frames.items():
        _check_frame(CATALOG[ds_id], frame, raw)
    raw_sha = manifest.sha256_file(raw)
    entries: list[manifest.Entry] = []
    rows: dict[str, int] = {}
    for ds_id, frame in frames.items():
        ds = CATALOG[ds_id]
        path = folder / ds.file
        _write_atomic(frame, path)  # a CSV wins over a parquet twin (Dataset.path_in)
        rows[ds_id] = len(frame)
        entries.append(manifest.Entry(
            dataset=ds_id, file=ds.file, sha256=manifest.sha256_file(path), rows=rows[ds_id],
            source=source.id, source_url=origin or source.url, source_sha256=raw_sha,
            retrieved_at=manifest.now(), converter_version=source.converter_version,
        ))
    manifest.record(folder, entries)
    return Outcome(source.id, source.datasets, True, "ok", rows)


# ----------------------------------------------------------------------------- whole runs
def fetch(folder: Path, *, only: Iterable[str] | None = None, mirror: str | None = None,
          force: bool = False, keep_downloads: bool = False, progressbar: Any = False,
          progress: Progress | None = None, sources: Iterable[Source] | None = None
          ) -> list[Outcome]:
    """Download, convert and install the registry's sources into ``folder``.

    Parameters
    ----------
    folder
        Data folder to fill (created if needed).
    only
        Source ids or dataset ids; default: every source with a dataset missing from ``folder``.
    mirror
        Base URL or folder serving the registry's files by file name.
    force
        Fetch every source again, present or not (``only`` always fetches what it names).
    keep_downloads
        Keep the publishers' files in ``folder/.downloads`` after conversion.
    progressbar
        Passed to pooch: ``True`` for a terminal bar, or a tqdm-like object.
    progress
        Called with a message and the fraction done, source by source.
    sources
        Registry entries to fetch instead of choosing by ``only``/``force`` (always fetched).

    Returns
    -------
    One :class:`Outcome` per source tried; a failed source leaves its previous files in place.

    Raises
    ------
    OfflineError
        A host could not be reached (no network): one message naming it and how to download by
        hand; sources done before it stay installed.
    """
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    explicit = sources is not None
    todo = list(sources) if sources is not None else select_sources(only, folder, force=force)
    try:
        return _fetch_all(todo, folder, mirror=mirror, refetch=bool(only or force or explicit),
                          keep_downloads=keep_downloads, progressbar=progressbar,
                          progress=progress)
    finally:
        downloads = folder / DOWNLOADS
        if downloads.is_dir() and not any(downloads.iterdir()):
            downloads.rmdir()


def _fetch_all(todo: list[Source], folder: Path, *, mirror: str | None, refetch: bool,
               keep_downloads: bool, progressbar: Any, progress: Progress | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for i, source in enumerate(todo):
        start, span = i / max(len(todo), 1), 1 / max(len(todo), 1)
        if progress:
            progress(f"Downloading {source.title}", start)
        raw = folder / DOWNLOADS / source.file_name
        if refetch:
            raw.unlink(missing_ok=True)  # a clean restart, never a stale copy
        try:
            raw = download(source, folder, mirror=mirror, progressbar=progressbar,
                           progress=progress, start=start, span=span)
            if progress:
                progress(f"Converting {source.title}", start + span * 0.7)
            origin = (mirror.rstrip("/") + "/" + source.file_name) if mirror else source.url
            outcomes.append(install(source, raw, folder, origin=origin))
        except OfflineError:
            raw.unlink(missing_ok=True)
            raise
        except NeedsmapError as exc:
            raw.unlink(missing_ok=True)
            outcomes.append(Outcome(source.id, source.datasets, False, str(exc)))
            continue
        if not keep_downloads:
            raw.unlink(missing_ok=True)
    if progress:
        progress("Done", 1.0)
    return outcomes


def _csv_header(path: Path) -> list[str]:
    """The first line of a CSV as column names ([] when it is not readable text)."""
    try:
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as fh:
            line = fh.readline(100_000)
    except (OSError, UnicodeDecodeError):
        return []
    import csv

    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []


def recognise(path: Path) -> Source | None:
    """The registry source a user's file is, by its name or, for a CSV, its header."""
    by_name = [s for s in SOURCES if s.matches_name(path.name)]
    if len(by_name) == 1:
        return by_name[0]
    if path.suffix.lower() == ".csv":
        header = _csv_header(path)
        by_header = [s for s in (by_name or SOURCES) if s.matches_header(header)]
        if len(by_header) == 1:
            return by_header[0]
    return by_name[0] if by_name else None


def prepare(raw_dir: Path, folder: Path, *, progress: Progress | None = None
            ) -> tuple[list[Outcome], list[Path]]:
    """Convert publisher files a user downloaded by hand (every file in ``raw_dir``).

    Returns
    -------
    The outcome per recognised file, and the files that were not recognised.

    Raises
    ------
    FetchError
        ``raw_dir`` is not a folder.
    """
    raw_dir = Path(raw_dir).expanduser()
    if not raw_dir.is_dir():
        raise FetchError(f"{raw_dir} is not a folder: give the folder holding the downloaded files.")
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in raw_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    outcomes: list[Outcome] = []
    unknown: list[Path] = []
    for i, path in enumerate(files):
        source = recognise(path)
        if source is None:
            unknown.append(path)
            continue
        if progress:
            progress(f"Converting {path.name}", i / max(len(files), 1))
        try:
            if _is_web_page(path):  # the user's own file: reported, never deleted
                raise FetchError(f"{path} is a web page, not the {source.format} file "
                                 f"{source.title}; download it again from {source.url}.")
            outcomes.append(install(source, path, folder, origin=f"file:{path.resolve()}"))
        except NeedsmapError as exc:
            outcomes.append(Outcome(source.id, source.datasets, False, str(exc)))
    return outcomes, unknown


def still_missing(folder: Path) -> list[tuple[Dataset, str]]:
    """Datasets not in ``folder``, each with where to get it (exact download URL, or why not)."""
    out: list[tuple[Dataset, str]] = []
    for ds in DATASETS:
        if ds.path_in(folder).exists():
            continue
        src = next((s for s in SOURCES if ds.id in s.datasets), None)
        if src is not None:
            where = src.url if src.download == "file" else f"{src.url} (ArcGIS layer; or {src.landing_page or 'its portal page'})"
        else:
            where = MANUAL.get(ds.id, ds.url)
        out.append((ds, where))
    return out


__all__ = [
    "DOWNLOADS",
    "FetchError",
    "OfflineError",
    "Outcome",
    "download",
    "fetch",
    "get_source",
    "install",
    "prepare",
    "recognise",
    "select_sources",
    "still_missing",
]
