"""What the data folder holds: each dataset's presence, provenance (manifest) and download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from needsmap.config import data_dir, is_demo
from needsmap.data import manifest
from needsmap.data.catalog import DATASETS
from needsmap.data.sources import MANUAL, source_for
from needsmap.errors import ValidationError


def dataset_rows(folder: Path | None = None) -> list[dict[str, Any]]:
    """One row per catalog dataset, for the Data sources page and ``needsmap data list``.

    Returns
    -------
    Dicts with ``id``, ``title``, ``publisher``, ``date``, ``licence`` (with attribution),
    ``present`` (``yes`` / ``missing`` / ``missing (optional)``), ``file``, ``geography``,
    ``page`` (the publisher's page), ``download`` (exact download URL or ArcGIS layer, or why it
    cannot be fetched), ``retrieved`` (when and from where the file was fetched, per the manifest;
    ``demo extract`` for the embedded demo), ``sha256`` (first 12 hex digits from the manifest).
    """
    folder = folder or data_dir()
    try:
        recorded = manifest.entries(folder)
    except ValidationError:
        recorded = {}
    rows = []
    for d in DATASETS:
        src = source_for(d.id)
        entry = recorded.get(d.id)
        present = d.path.exists()
        if entry is None:
            retrieved = ""
        elif entry.source_url:
            retrieved = f"{entry.retrieved_at} from {entry.source_url}"
        else:
            retrieved = f"{entry.source or 'recorded'} ({entry.scope})"
        rows.append({
            "id": d.id,
            "title": d.title,
            "publisher": d.publisher,
            "date": d.date,
            "licence": d.licence + (f" — {d.attribution}" if d.attribution else ""),
            "present": "yes" if present else ("missing (optional)" if d.optional else "MISSING"),
            "optional": d.optional,
            "file": d.file,
            "geography": d.geography,
            "page": d.url,
            "download": (src.url if src else f"not fetchable: {MANUAL.get(d.id, 'supply it by hand')}"),
            "source": src.id if src else "",
            "retrieved": retrieved,
            "sha256": entry.sha256[:12] if entry else "",
        })
    return rows


def folder_summary() -> str:
    """One sentence: which data folder is used, and whether it is the demo."""
    if is_demo():
        info = manifest.demo_info(data_dir()) or {}
        return (f"Demo data: {info.get('name', 'West Midlands')} only (England's IMD tables in "
                "full), shipped with needsmap. Download all of England below.")
    return f"Data folder: `{data_dir()}`."
