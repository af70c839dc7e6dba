"""One LSOA map view for the browser map component: a small JSON spec and the per-LSOA values as bytes.

Boundaries reach the browser once, as a static tileset (:mod:`needsmap.viz.tiles`,
:mod:`needsmap.data.map_assets`); a view sends which LSOAs to shade, their colour (an index into a
palette) and the numbers its tooltips show, each column in the smallest integer type that holds it
exactly. Tooltip text is a template filled in the browser; :func:`format_template` is the one Python
home of that template language, and the browser component must give the same text.

Template language: ``{name}`` or ``{name:FMT}``, FMT one of ``,.Nf``, ``.Nf``, ``+,.Nf`` or ``+.Nf``
(N = 0–3 decimals; ``,`` groups thousands; ``+`` always shows the sign), i.e. Python's own format
specification of those forms. A categorical column or attribute text gives its label; a missing
value gives "–" (en dash). Literal braces are not allowed.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from needsmap.data.map_assets import Attributes, Tileset, context_file
from needsmap.viz.maps import TOOLTIP_HTML

__all__ = ["DTYPES", "LINE_DEFAULT", "MISSING_TEXT", "Column", "LsoaMap", "build_lsoa_map",
           "category_column", "format_template", "format_value", "literal", "number_column",
           "template_fields"]

#: column types of the values payload (little-endian), by their spec names
DTYPES: dict[str, np.dtype] = {name: np.dtype(code) for name, code in (
    ("u8", "<u1"), ("u16", "<u2"), ("u32", "<u4"), ("i8", "<i1"), ("i16", "<i2"), ("i32", "<i4"),
    ("f32", "<f4"))}
#: what a missing value shows as in a tooltip
MISSING_TEXT = "–"
#: the thin line around each LSOA: colour [r, g, b, a] and width in pixels
LINE_DEFAULT: dict[str, Any] = {"color": [255, 255, 255, 70], "width_px": 0.5}


def _outline(line: Mapping[str, Any] | None) -> dict[str, Any]:
    """The LSOA outline of a spec: ``line`` (or :data:`LINE_DEFAULT`), with width 0 when its colour
    is fully transparent, so the browser builds no outline it would draw invisibly."""
    out = dict(line) if line is not None else dict(LINE_DEFAULT)
    colour = list(out.get("color", LINE_DEFAULT["color"]))
    if len(colour) == 4 and colour[3] == 0:
        out["width_px"] = 0
    return out


#: names every template may use besides the view's columns and the attributes
_BUILTIN = ("lsoa_code",)
_RESERVED = ("feature", "fill", *_BUILTIN)
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
_FMT = re.compile(r"\+?,?\.[0-3]f")
#: most decimals a scaled column keeps (10**-6 still leaves i32 room for values up to 2,147)
_MAX_DECIMALS = 6
#: integer types tried, smallest first: (spec name, lowest value, highest value, missing marker)
_INT_TYPES: tuple[tuple[str, int, int, int], ...] = (
    ("u8", 0, 254, 255), ("i8", -127, 127, -128), ("u16", 0, 65_534, 65_535),
    ("i16", -32_767, 32_767, -32_768), ("u32", 0, 2**32 - 2, 2**32 - 1),
    ("i32", -(2**31) + 1, 2**31 - 1, -(2**31)),
)


# ----------------------------------------------------------------------------- template language
def format_value(value: object, fmt: str | None = None) -> str:
    """One value as a tooltip shows it.

    Parameters
    ----------
    value
        A number (int for whole-number columns, float otherwise), a label (str), or ``None``/NaN
        for missing.
    fmt
        ``None``, or one of the template formats (``,.0f``, ``.2f``, ``+,.0f`` …).

    Raises
    ------
    ValueError
        ``fmt`` is not one of the template language's formats.
    """
    if fmt is not None and not _FMT.fullmatch(fmt):
        raise ValueError(f"template format {fmt!r} is not one of ,.Nf .Nf +,.Nf +.Nf (N = 0–3)")
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT
    if isinstance(value, str):
        return value
    if fmt is None:  # Python's str: "3" for a whole-number column, "3.0" for a float
        return str(value)
    return format(float(value), fmt)  # type: ignore[arg-type]


def literal(text: str) -> str:
    """``text`` made safe to put in a template as it is: the language has no escape for braces, so
    ``{`` and ``}`` become ``(`` and ``)``."""
    return str(text).replace("{", "(").replace("}", ")")


def template_fields(template: str) -> list[tuple[str, str | None]]:
    """The ``(name, fmt)`` of each placeholder of ``template``, in order.

    Raises
    ------
    ValueError
        A brace that is not part of a placeholder, or a format outside the language.
    """
    fields = [(m.group(1), m.group(2)) for m in _FIELD.finditer(template)]
    if "{" in _FIELD.sub("", template) or "}" in _FIELD.sub("", template):
        raise ValueError(f"template {template!r} has a brace outside a placeholder")
    for name, fmt in fields:
        if fmt is not None and not _FMT.fullmatch(fmt):
            raise ValueError(f"template {template!r}: format {fmt!r} of {name!r} is not one of "
                             ",.Nf .Nf +,.Nf +.Nf (N = 0–3)")
    return fields


def format_template(template: str, values: Mapping[str, object]) -> str:
    """Fill ``template``'s placeholders from ``values`` (see the module docstring for the language).

    Parameters
    ----------
    template
        Text with ``{name}`` / ``{name:FMT}`` placeholders.
    values
        Name -> number, label, or ``None``/NaN (missing).

    Raises
    ------
    KeyError
        A placeholder names something ``values`` lacks.
    ValueError
        A malformed template (see :func:`template_fields`).
    """
    template_fields(template)
    return _FIELD.sub(lambda m: format_value(values[m.group(1)], m.group(2)), template)


# ----------------------------------------------------------------------------- typed columns
@dataclass(frozen=True)
class Column:
    """One typed per-LSOA column of a view.

    Attributes
    ----------
    name
        Name the templates use.
    dtype
        One of :data:`DTYPES`.
    raw
        Stored values, shape ``(n,)``, of ``dtype``; ``missing`` marks a missing value.
    scale
        Value = ``raw * scale`` (``scale`` >= 1) or ``raw / round(1 / scale)`` (a power of ten
        below 1: the division gives the same double as the decimal number itself).
    missing
        Raw value meaning "missing" (``None``: none is).
    labels
        For a categorical column, the label of each raw code.
    """

    name: str
    dtype: str
    raw: np.ndarray
    scale: float = 1.0
    missing: int | None = None
    labels: tuple[str, ...] | None = None

    def decoded(self) -> np.ndarray:
        """Values as floats (NaN = missing), as the browser reads them; codes for a categorical."""
        out = self.raw.astype(np.float64)
        if self.scale < 1:
            out = out / round(1 / self.scale)
        elif self.scale != 1:
            out = out * self.scale
        if self.missing is not None:
            out[self.raw == self.missing] = np.nan
        return out

    def value_at(self, i: int) -> object:
        """Row ``i``'s value for a template: a number (int for a whole-number column), a label, or
        ``None`` when missing."""
        raw = self.raw[i]
        if self.missing is not None and raw == self.missing:
            return None
        if self.labels is not None:
            return self.labels[int(raw)]
        if self.scale < 1:
            return float(raw) / round(1 / self.scale)
        if self.scale == 1 and self.dtype != "f32":
            return int(raw)  # a whole-number column: "{x}" shows "3", as str(3)
        return float(raw) * self.scale


def _int_type(lo: int, hi: int, has_missing: bool) -> tuple[str, int | None]:
    for name, low, high, missing in _INT_TYPES:
        if low <= lo and hi <= high:
            return name, (missing if has_missing else None)
    raise ValueError(f"values from {lo:,} to {hi:,} do not fit a 32-bit column")


def _exact_decimals(v: np.ndarray) -> int | None:
    """Fewest decimals (0–6) with which every value is a decimal number that round-trips exactly
    (``round(v * 10**d) / 10**d == v``, the division the browser does too)."""
    for d in range(_MAX_DECIMALS + 1):
        p = 10.0**d
        with np.errstate(over="ignore", invalid="ignore"):
            r = np.rint(v * p)
            if np.array_equal(r / p, v):
                return d
    return None


def _rounded(v: np.ndarray, decimals: int) -> np.ndarray:
    """``v`` rounded as Python's ``format(x, f".{decimals}f")`` rounds it (half-even on the exact
    binary value), in units of ``10**-decimals``. A small negative value that rounds to zero
    becomes 0: the tooltip shows "0.0" where Python would print "-0.0"."""
    scaled = v * 10.0**decimals
    units = np.rint(scaled)
    # the float product can land on the wrong side of a tie (x.5): decide those on the exact value
    slack = np.maximum(1e-6, 8 * np.abs(np.spacing(scaled)))
    near = np.flatnonzero(np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < slack)
    for i in near:
        units[i] = int(Decimal(float(v[i])).scaleb(decimals).to_integral_value(ROUND_HALF_EVEN))
    return units.astype(np.int64)


def number_column(name: str, values: pd.Series | np.ndarray | Sequence[float], *,
                  decimals: int | None = None) -> Column:
    """A number column in the smallest integer type that holds it exactly.

    Whole numbers (ranks, deciles, counts) are stored as they are (``u8`` for deciles, ``u16`` for
    ranks of England's LSOAs); decimals as integers with ``scale`` = 10**-d, d the fewest decimals
    (up to 6) that give back every value exactly. Values with more decimals than that (computed
    shares, distances) are rounded to ``decimals``, the most any template shows, exactly as Python
    rounds them when it formats them, so the text is the same (but for the sign of a zero: a tiny
    negative value shows as "0.00", not Python's "-0.00").

    Parameters
    ----------
    name
        Name the templates use.
    values
        Numbers, shape ``(n,)``; NaN/None/NA = missing.
    decimals
        The most decimals a template shows of this column; needed only for values that no decimal
        number of 6 places or fewer gives back exactly.

    Raises
    ------
    ValueError
        The values are not numbers, are infinite, or do not fit 32 bits; or they need rounding and
        ``decimals`` is not given.
    """
    num = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="raise").astype(float)
    v = num.to_numpy()
    ok = ~np.isnan(v)
    if np.isinf(v[ok]).any():
        raise ValueError(f"column {name!r} has an infinite value")
    if len(v[ok]) and np.abs(v[ok]).max() >= 2**31:
        raise ValueError(f"column {name!r}: values up to {np.abs(v[ok]).max():,.0f} do not fit a 32-bit column")
    d = _exact_decimals(v[ok])
    if d is not None:
        units = np.rint(v[ok] * 10.0**d).astype(np.int64)
    elif decimals is None:
        raise ValueError(f"column {name!r} has values with more than {_MAX_DECIMALS} decimals: give "
                         "the decimals its templates show")
    else:
        units, d = _rounded(v[ok], decimals), decimals
    lo, hi = (int(units.min()), int(units.max())) if len(units) else (0, 0)
    dtype, missing = _int_type(lo, hi, not ok.all())
    raw = np.full(len(v), missing if missing is not None else 0, dtype=DTYPES[dtype])
    raw[ok] = units
    return Column(name=name, dtype=dtype, raw=raw, scale=10.0**-d, missing=missing)


def category_column(name: str, values: pd.Series | np.ndarray | Sequence[object],
                    labels: Sequence[str]) -> Column:
    """A categorical column: each value one of ``labels`` (or missing), sent as a ``u8`` code.

    Raises
    ------
    ValueError
        More than 255 labels, or a value that is not one of them.
    """
    if len(labels) > 255:
        raise ValueError(f"column {name!r}: a categorical column holds at most 255 labels")
    s = pd.Series(np.asarray(values, dtype=object))
    codes = pd.Index(list(labels), dtype=object).get_indexer(s.astype(object))
    unknown = (codes < 0) & s.notna().to_numpy()
    if unknown.any():
        raise ValueError(f"column {name!r}: {s[unknown].iloc[0]!r} is not one of its labels")
    raw = np.where(codes < 0, 255, codes).astype(np.uint8)
    return Column(name=name, dtype="u8", raw=raw, missing=255, labels=tuple(map(str, labels)))


# ----------------------------------------------------------------------------- the view
def _layer_json(layer: pdk.Layer | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(layer, Mapping):
        return dict(layer)
    return json.loads(json.dumps(layer, default=default_serialize, separators=(",", ":")))


def _layer_id(layer: pdk.Layer | Mapping[str, Any]) -> str:
    return str(layer.get("id", "") if isinstance(layer, Mapping) else getattr(layer, "id", ""))


def _static(layer: dict[str, Any]) -> dict[str, Any]:
    """The layer with its rows moved to a static file (see ``static_layers``)."""
    rows = layer.get("data")
    if not isinstance(rows, list):
        return layer
    return {**layer, "data": {"@@static": context_file(rows)}}


@dataclass(frozen=True)
class LsoaMap:
    """A map view: the component's ``spec`` (JSON-able) and ``values`` (bytes) arguments.

    Attributes
    ----------
    spec
        ``tileset``, ``attributes``, ``columns``, ``palette``, ``line``, ``tooltip``, ``layers``,
        ``layer_tooltip``, ``view``, ``detail`` (the map-transport contract).
    values
        The columns of ``spec["columns"]``, each at its 4-byte aligned offset, little-endian; a
        column with ``"delta": true`` holds differences (value k = value k-1 + raw k).
    """

    spec: dict[str, Any]
    values: bytes

    @property
    def n_lsoas(self) -> int:
        """Number of LSOAs shaded."""
        return int(self.spec["columns"][0]["length"])

    @property
    def deflated_size(self) -> int:
        """Bytes of ``values`` after deflate (what a compressed websocket carries)."""
        return len(zlib.compress(self.values, 6))

    @property
    def layer_ids(self) -> list[str]:
        """Ids of the context layers, bottom first."""
        return [str(layer.get("id", "")) for layer in self.spec["layers"]]

    def layer(self, layer_id: str) -> dict[str, Any]:
        """The context layer ``layer_id`` (its pydeck JSON).

        Raises
        ------
        KeyError
            No layer has that id.
        """
        for layer in self.spec["layers"]:
            if layer.get("id") == layer_id:
                return layer
        raise KeyError(layer_id)

    def column(self, name: str) -> Column:
        """Column ``name`` read back from ``values``.

        Raises
        ------
        KeyError
            No such column.
        """
        for c in self.spec["columns"]:
            if c["name"] == name:
                raw = np.frombuffer(self.values, dtype=DTYPES[c["dtype"]], count=c["length"],
                                    offset=c["offset"])
                if c.get("delta"):
                    raw = np.cumsum(raw.astype(np.int64)).astype(DTYPES[c["dtype"]])
                labels = tuple(c["labels"]) if "labels" in c else None
                return Column(name=name, dtype=c["dtype"], raw=raw, scale=float(c.get("scale", 1)),
                              missing=c.get("missing"), labels=labels)
        raise KeyError(name)

    def tooltips(self, codes: Sequence[str] | pd.Index, attributes: Attributes | None = None,
                 rows: Sequence[int] | None = None) -> pd.DataFrame:
        """The tooltip lines of shown LSOAs, as the browser writes them (before HTML escaping).

        Parameters
        ----------
        codes
            The tileset's codes (``Tileset.codes``): feature index -> LSOA code.
        attributes
            The attributes the spec names (``None`` when it names none).
        rows
            Positions among the shown LSOAs (default: all).

        Returns
        -------
        DataFrame
            Indexed by ``lsoa_code``, one column per tooltip line (``line0`` …).
        """
        columns = [self.column(c["name"]) for c in self.spec["columns"]]
        feature = self.column("feature").raw
        picked = range(len(feature)) if rows is None else rows
        out = []
        for i in picked:
            f = int(feature[i])
            vals: dict[str, object] = {"lsoa_code": codes[f]}
            if attributes is not None:
                vals.update({k: v[f] for k, v in attributes.text.items()})
                vals.update({k: float(v[f]) for k, v in attributes.numbers.items()})
            vals.update({c.name: c.value_at(i) for c in columns})
            out.append([format_template(line["text"], vals) for line in self.spec["tooltip"]])
        index = pd.Index([codes[int(feature[i])] for i in picked], name="lsoa_code")
        return pd.DataFrame(out, index=index, columns=[f"line{k}" for k in range(len(self.spec["tooltip"]))])

    def with_layers(self, layers: Sequence[pdk.Layer | Mapping[str, Any]], *,
                    before: str = "place-names") -> LsoaMap:
        """A copy with ``layers`` added just below the layer ``before`` (or on top without it)."""
        have = list(self.spec["layers"])
        ids = [layer.get("id") for layer in have]
        at = ids.index(before) if before in ids else len(have)
        new = [*have[:at], *(_layer_json(x) for x in layers), *have[at:]]
        return replace(self, spec={**self.spec, "layers": new})


def build_lsoa_map(
    *,
    tileset: Tileset,
    lsoa_codes: Sequence[str] | pd.Index | np.ndarray,
    fill: Sequence[int] | np.ndarray,
    palette: Sequence[Sequence[int]],
    view: pdk.ViewState | Mapping[str, float],
    columns: Sequence[Column] = (),
    tooltip: Sequence[tuple[str, str]] = (),
    attributes: Attributes | None = None,
    layers: Sequence[pdk.Layer | Mapping[str, Any]] = (),
    layer_tooltip: str | None = TOOLTIP_HTML,
    static_layers: Collection[str] = (),
    line: Mapping[str, Any] | None = None,
    opacity: float = 1.0,
    detail: bool = True,
    bounds: Sequence[float] | None = None,
) -> LsoaMap:
    """Build one map view for the browser component.

    Parameters
    ----------
    tileset
        The boundaries (``map_assets.tileset(edition)``).
    lsoa_codes
        The LSOAs to shade, shape ``(n,)``; every one must be in the tileset.
    fill
        Palette index of each LSOA, shape ``(n,)``, 0–255.
    palette
        Colours ``(r, g, b)`` or ``(r, g, b, a)``, 0–255.
    view
        Initial view and "reset view" target (``longitude``, ``latitude``, ``zoom``).
    columns
        Typed columns for the tooltips, each of length ``n`` in the order of ``lsoa_codes``
        (:func:`number_column`, :func:`category_column`).
    tooltip
        Lines ``(style, template)``, style ``"b"`` (bold), ``""`` or ``"dim"``.
    attributes
        Per-LSOA text and numbers the templates may use (``map_assets.attributes``).
    layers
        Context layers drawn above the shading (pydeck layers or their JSON), bottom first.
    layer_tooltip
        HTML template for pickable context layers (fields ``tip_title`` … of their rows; the
        browser escapes every value).
    static_layers
        Ids of layers whose data is public (boundaries, not uploads): their rows are written once
        as a static file (``map_assets.context_file``) and the spec names it
        (``"data": {"@@static": url}``), so a new view does not send them again.
    line
        Outline of each LSOA (``{"color": [r, g, b, a], "width_px": w}``).
    opacity
        Multiplies the alpha of colours given without one (1 = opaque).
    detail
        Load the staged detail tiles when zoomed in.
    bounds
        ``(minx, miny, maxx, maxy)`` (degrees) the view frames. On a map narrower or lower than
        the view was made for (a phone: 390 px), the browser zooms out until they fit whole, on
        first draw and on "Reset view".

    Returns
    -------
    LsoaMap
        LSOAs ordered by feature index; ``values`` holds ``feature`` (u32, ascending, sent as
        differences: ``"delta": true``), ``fill`` (u8) and ``columns``.

    Raises
    ------
    ValueError
        Lengths differ, a palette index is out of range, a name is reserved or repeated, or a
        template names a column, attribute or format that does not exist.
    ValidationError
        An LSOA code is not in the tileset.
    """
    codes = pd.Index(np.asarray(lsoa_codes, dtype=object))
    n = len(codes)
    fill_arr = np.asarray(fill, dtype=np.int64)
    if len(fill_arr) != n:
        raise ValueError(f"{len(fill_arr)} fill indices for {n} LSOAs")
    if n and (fill_arr.min() < 0 or fill_arr.max() >= len(palette) or len(palette) > 256):
        raise ValueError(f"fill indices must point into the palette of {len(palette)} colours (≤ 256)")
    names = [c.name for c in columns]
    attr_names = (set(attributes.text) | set(attributes.numbers)) if attributes is not None else set()
    for name in names:
        if name in _RESERVED or name in attr_names or names.count(name) > 1:
            raise ValueError(f"column name {name!r} is reserved, an attribute, or repeated")
    for c in columns:
        if len(c.raw) != n:
            raise ValueError(f"column {c.name!r} has {len(c.raw)} values for {n} LSOAs")
    known = set(names) | attr_names | set(_BUILTIN)
    for style, text in tooltip:
        if style not in ("b", "", "dim"):
            raise ValueError(f"tooltip style {style!r} is not 'b', '' or 'dim'")
        missing = [f for f, _ in template_fields(text) if f not in known]
        if missing:
            raise ValueError(f"tooltip {text!r} names {', '.join(missing)}: no such column or attribute")

    feature = tileset.features(codes)
    order = np.argsort(feature, kind="stable")
    # features ascending and sent as differences (mostly 1): England's column deflates to almost
    # nothing, where an incrementing u32 does not deflate at all (47 KB)
    sorted_features = feature[order].astype(np.int64)
    parts: list[tuple[str, str, np.ndarray, dict[str, Any]]] = [
        ("feature", "u32", np.diff(sorted_features, prepend=0).astype("<u4"), {"delta": True}),
        ("fill", "u8", fill_arr[order].astype("<u1"), {}),
    ]
    for c in columns:
        extra: dict[str, Any] = {}
        if c.scale != 1:
            extra["scale"] = c.scale
        if c.missing is not None:
            extra["missing"] = c.missing
        if c.labels is not None:
            extra["labels"] = list(c.labels)
        parts.append((c.name, c.dtype, c.raw[order].astype(DTYPES[c.dtype]), extra))

    chunks: list[bytes] = []
    specs = []
    offset = 0
    for name, dtype, arr, extra in parts:
        data = arr.tobytes()
        specs.append({"name": name, "dtype": dtype, "offset": offset, "length": n, **extra})
        pad = (-len(data)) % 4
        chunks.append(data + b"\0" * pad)
        offset += len(data) + pad

    alpha = int(round(255 * opacity))
    colours = [[int(x) for x in c] if len(c) == 4 else [*(int(x) for x in c), alpha] for c in palette]
    if isinstance(view, pdk.ViewState):
        view_json = {"longitude": float(view.longitude), "latitude": float(view.latitude),
                     "zoom": float(view.zoom)}
    else:
        view_json = {k: float(view[k]) for k in ("longitude", "latitude", "zoom")}
    if bounds is not None:
        view_json["bounds"] = [round(float(b), 6) for b in bounds]  # type: ignore[assignment]
    spec = {
        "tileset": tileset.url,
        "attributes": attributes.url if attributes is not None else None,
        "columns": specs,
        "palette": colours,
        "line": _outline(line),
        "tooltip": [{"style": s, "text": t} for s, t in tooltip],
        "layers": [_static(_layer_json(x)) if _layer_id(x) in static_layers else _layer_json(x)
                   for x in layers],
        "layer_tooltip": layer_tooltip,
        "view": view_json,
        "detail": bool(detail),
    }
    return LsoaMap(spec=spec, values=b"".join(chunks))

