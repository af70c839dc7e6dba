"""The data folder's manifest: what each prepared file is, where it came from and its SHA-256.

``needsmap data fetch`` and ``needsmap data prepare`` write ``needsmap-manifest.json`` in the data
folder; the embedded demo ships one. Loaders use it to refuse a file that changed after it was
written (cut short, edited, half-copied), and the Data sources page shows it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from needsmap.config import MANIFEST_NAME
from needsmap.errors import ValidationError

MANIFEST_VERSION = 1
#: scope of a dataset that covers all of England
ENGLAND = "England"


@dataclass(frozen=True)
class Entry:
    """One prepared file recorded in the manifest.

    Attributes
    ----------
    dataset
        Catalog id.
    file
        Path relative to the data folder.
    sha256
        SHA-256 (hex) of the prepared file as written.
    rows
        Number of data rows written.
    scope
        ``"England"`` or the name of the region a demo extract covers.
    source, source_url, source_sha256, retrieved_at, converter_version
        The publisher download it was made from and when (empty for the demo extract).
    """

    dataset: str
    file: str
    sha256: str
    rows: int
    scope: str = ENGLAND
    source: str = ""
    source_url: str = ""
    source_sha256: str = ""
    retrieved_at: str = ""
    converter_version: str = ""

    def as_json(self) -> dict[str, Any]:
        """The entry as stored in the JSON file (without the dataset id, which is its key)."""
        out = dict(self.__dict__)
        out.pop("dataset")
        return out


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_path(folder: Path) -> Path:
    """Where the manifest of data folder ``folder`` lives."""
    return folder / MANIFEST_NAME


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of ``folder`` as a dict (an empty one when there is none).

    Raises
    ------
    ValidationError
        The manifest exists but is not valid JSON of the expected shape.
    """
    path = manifest_path(folder)
    if not path.exists():
        return {"manifest_version": MANIFEST_VERSION, "datasets": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            f"The data folder's manifest {path} could not be read ({type(exc).__name__}). "
            "Delete it and run `needsmap data fetch` again."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("datasets"), dict):
        raise ValidationError(f"The data folder's manifest {path} has no 'datasets' table. "
                              "Delete it and run `needsmap data fetch` again.")
    return data


def entries(folder: Path) -> dict[str, Entry]:
    """Every manifest entry of ``folder`` by dataset id."""
    out: dict[str, Entry] = {}
    for ds_id, raw in read_manifest(folder)["datasets"].items():
        if not isinstance(raw, dict):
            continue
        fields = {k: raw[k] for k in Entry.__dataclass_fields__ if k in raw and k != "dataset"}
        try:
            out[ds_id] = Entry(dataset=ds_id, **fields)
        except TypeError:
            continue
    return out


def entry_for(folder: Path, dataset_id: str) -> Entry | None:
    """The manifest entry of one dataset, or ``None``."""
    return entries(folder).get(dataset_id)


def record(folder: Path, new: list[Entry]) -> None:
    """Add or replace entries in the manifest of ``folder``, writing it atomically."""
    data = read_manifest(folder)
    data["manifest_version"] = MANIFEST_VERSION
    for e in new:
        data["datasets"][e.dataset] = e.as_json()
    data["datasets"] = dict(sorted(data["datasets"].items()))
    path = manifest_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def now() -> str:
    """The current time, UTC, ISO 8601 to the second (for ``retrieved_at``)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def demo_info(folder: Path) -> dict[str, Any] | None:
    """The ``demo`` block of the manifest (name, region) when ``folder`` is a demo extract."""
    try:
        demo = read_manifest(folder).get("demo")
    except ValidationError:
        return None
    return demo if isinstance(demo, dict) else None
