"""Default organisation layers: the real lists in the data folder, placed through the same importer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needsmap.data._cache import cached
from needsmap.data.catalog import get_dataset
from needsmap.errors import DataMissingError, ValidationError
from needsmap.orgs.geocode import VINTAGES, Vintages
from needsmap.orgs.importer import ImportResult, detect_columns, import_file


@dataclass(frozen=True)
class Layer:
    """A default organisation list: where it comes from and how to read it."""

    id: str
    title: str
    dataset_id: str
    description: str
    column_map: tuple[tuple[str, str], ...] = ()

    @property
    def citation(self) -> str:
        """Source and licence line for captions and exports."""
        ds = get_dataset(self.dataset_id)
        return f"{ds.title}. {ds.publisher}. Licence: {ds.licence}."


DEFAULT_LAYERS: dict[str, Layer] = {
    layer.id: layer for layer in (
        Layer("foodbanks", "Food banks (Give Food)", "orgs_givefood",
              "UK food banks and their networks (Trussell, IFAN, independent), placed by postcode "
              "or, failing that, Give Food's own coordinates. Closed ones are flagged.",
              (("category", "network"), ("latlon", "latt_long"))),
        Layer("libraries", "Public libraries in England (2023)", "orgs_libraries",
              "Every public library service point in England (Arts Council England via Libraries "
              "Hacked), by type; libraries with a closing year are flagged as closed.",
              (("category", "type"),)),
        Layer("charities_trafford", "Charities operating in Trafford (2023)",
              "orgs_charities_trafford",
              "Charity Commission register extract for Trafford, placed by the charity's contact "
              "postcode — often a correspondence address outside the area it serves.",
              (("category", "charity_type"), ("postcode", "charity_contact_postcode"))),
        Layer("grants_trafford", "Trafford Council grants (360Giving)", "orgs_trafford_grants",
              "Voluntary-sector grants 2013–2024. Only grants with a recipient postcode can be "
              "placed in an LSOA; the rest are known only at borough level.",
              (("category", "Grant Programme:Title"),)),
    )
}


def _get(layer_id: str) -> Layer:
    try:
        return DEFAULT_LAYERS[layer_id]
    except KeyError:
        raise ValidationError(f"Unknown organisation layer '{layer_id}'; choose one of "
                              f"{', '.join(DEFAULT_LAYERS)}.") from None


def load_default_layer(layer_id: str) -> ImportResult:
    """Import a default organisation layer (cached as parquet; rebuilt when its file changes).

    Raises
    ------
    ValidationError
        Unknown layer id.
    DataMissingError
        The list's file is not in the data folder.
    """
    layer = _get(layer_id)
    ds = get_dataset(layer.dataset_id)
    if not ds.path.exists():
        raise DataMissingError(
            f"The organisation list '{layer.title}' is missing: expected {ds.path}. Download it from "
            f"{ds.url} (licence: {ds.licence}) or upload your own list instead."
        )
    holder: dict[str, ImportResult] = {}

    def build() -> pd.DataFrame:
        res = import_file(ds.path, filename=ds.path.name, column_map=dict(layer.column_map))
        res.label = layer.title
        holder["res"] = res
        table = res.table.copy()
        table.attrs = {"needsmap": json.dumps({"detected": res.detected, "kind": res.kind,
                                               "notes": res.notes, "unsure": res.unsure})}
        return table

    # keyed by the code that places the rows and by every data file placing read (the layer's
    # list, the postcode lookups, the boundaries), as recorded while it ran
    table = cached(f"orglayer_{layer.id}", build)
    if "res" in holder:
        return holder["res"]
    meta = json.loads(table.attrs.get("needsmap", "{}")) if table.attrs else {}
    table.attrs = {}
    detected = meta.get("detected")
    if not detected:
        detected, _ = detect_columns([str(c) for c in table.columns])
        detected.update(dict(layer.column_map))
    return ImportResult(table=table, detected=detected, kind=meta.get("kind", "list"),
                        filename=ds.path.name, notes=meta.get("notes", []),
                        unsure=meta.get("unsure", []), label=layer.title)


#: prefix naming a default layer where a file is expected (command line: ``--orgs default:foodbanks``)
DEFAULT_PREFIX = "default:"


def load_layer_spec(spec: str, *, sheet: str | None = None, vintages: Vintages = VINTAGES,
                    column_map: dict[str, str | None] | None = None) -> tuple[ImportResult, str, str | None]:
    """Import the organisation list ``spec`` names: a file path, or ``default:ID`` for a default layer.

    ``sheet`` picks the sheet of a workbook (ignored for a default layer). ``vintages`` are the LSOA
    vintages a file's rows are placed in (``("lsoa21",)`` for a 2025-edition analysis needs no LSOA
    2011 work); a default layer is prepared once with both. ``column_map`` says which column plays
    which role (``{"postcode": "location"}``; an empty name declines a role), as
    :func:`needsmap.orgs.import_file` takes it.

    Returns
    -------
    The import result, a label for captions (layer title or file name) and the layer id (None for a
    file).
    """
    if spec.startswith(DEFAULT_PREFIX):
        layer_id = spec[len(DEFAULT_PREFIX):]
        return load_default_layer(layer_id), _get(layer_id).title, layer_id
    path = Path(spec)
    if not path.is_file():
        raise ValidationError(
            f"organisation file {spec!r} not found: give a CSV, Excel or 360Giving file, or "
            f"{DEFAULT_PREFIX}ID for a default layer ({', '.join(DEFAULT_LAYERS)})"
        )
    return (import_file(path, filename=path.name, sheet=sheet, vintages=vintages, column_map=column_map),
            path.name, None)


__all__ = ["DEFAULT_LAYERS", "DEFAULT_PREFIX", "Layer", "load_default_layer", "load_layer_spec"]
