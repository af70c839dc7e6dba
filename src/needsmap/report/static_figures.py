"""Static (matplotlib) figures for printed evidence packs: an area map and domain charts vs England.

Maps read offline: no basemap; LSOAs are coloured by IMD decile (the dashboard's viridis palette),
the profiled LSOA(s) outlined in red, with ward and local authority outlines and labels for context.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from needsmap.crs import BNG  # noqa: E402
from needsmap.data import (  # noqa: E402
    load_boundaries,
    load_lad_boundaries,
    load_lsoa_table,
    load_ward_boundaries,
)
from needsmap.report.pdf import figure_png  # noqa: E402
from needsmap.types import Edition  # noqa: E402
from needsmap.viz.maps import DECILE_COLOURS, NO_DATA  # noqa: E402

__all__ = ["area_map_png", "domain_strip_png", "domain_stack_png", "HIGHLIGHT"]

HIGHLIGHT = "#e3120b"  # red: stands out against every viridis colour
_PAD = {"lsoa": 1.6, "ward": 0.25, "lad": 0.04}
plt.rcParams["font.family"] = "DejaVu Sans"


def _rgb(c: tuple[int, int, int]) -> tuple[float, float, float]:
    return (c[0] / 255, c[1] / 255, c[2] / 255)


def area_map_png(codes: list[str], *, edition: Edition, focus: Literal["lsoa", "ward", "lad"],
                 table: pd.DataFrame | None = None, boundaries: gpd.GeoDataFrame | None = None,
                 size: tuple[float, float] = (6.0, 5.0), dpi: int = 200) -> bytes:
    """PNG map of the LSOAs ``codes`` (outlined) among their neighbours coloured by IMD decile.

    Parameters
    ----------
    codes
        LSOA codes (of ``edition``'s vintage) to highlight.
    focus
        ``"lsoa"`` zooms out to show the surroundings; ``"ward"`` and ``"lad"`` frame the area.
    """
    t = table if table is not None else load_lsoa_table(edition)
    b = (boundaries if boundaries is not None else load_boundaries(edition)).to_crs(BNG)
    sel = b.loc[b["lsoa_code"].isin(codes)]
    x0, y0, x1, y1 = sel.total_bounds
    pad = max(x1 - x0, y1 - y0) * _PAD[focus] + 200
    # keep the frame close to the figure's aspect ratio so the area fills it
    cx, cy, half_w, half_h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 + pad, (y1 - y0) / 2 + pad
    aspect = size[0] / size[1]
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    view = b.cx[box[0]:box[2], box[1]:box[3]]
    dec = t["imd_decile"].reindex(view["lsoa_code"]).to_numpy()
    colours = [_rgb(DECILE_COLOURS[int(d) - 1]) if pd.notna(d) else _rgb(NO_DATA) for d in dec]

    fig, ax = plt.subplots(figsize=size)
    view.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.25, alpha=0.9)
    wards = load_ward_boundaries().to_crs(BNG).cx[box[0]:box[2], box[1]:box[3]]
    wards.boundary.plot(ax=ax, color="#3a3a3a", linewidth=0.6, linestyle=(0, (3, 2)))
    lads = load_lad_boundaries().to_crs(BNG).cx[box[0]:box[2], box[1]:box[3]]
    lads.boundary.plot(ax=ax, color="black", linewidth=1.4)
    outline = sel if focus == "lsoa" else gpd.GeoSeries([sel.union_all()], crs=sel.crs)
    outline.boundary.plot(ax=ax, color="white", linewidth=3.4)
    outline.boundary.plot(ax=ax, color=HIGHLIGHT, linewidth=2.0)
    centre = sel.union_all()
    _labels(ax, wards, "ward_name", box, size=6.2 if focus != "lad" else 0, colour="#222222")
    # the local authority holding the area is named in the caption; label only its neighbours
    others = lads if focus == "lad" and len(lads) == 1 else lads.loc[~lads.intersects(centre.buffer(-50))]
    _labels(ax, others, "lad_name", box, size=8.5, colour="black", bold=True)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_axis_off()
    handles = [Patch(facecolor=_rgb(c), label=str(i + 1)) for i, c in enumerate(DECILE_COLOURS)]
    handles.append(Patch(facecolor="none", edgecolor=HIGHLIGHT, linewidth=2,
                         label="profiled" if focus == "lsoa" else "area"))
    leg = ax.legend(handles=handles, title="IMD decile (1 = most deprived 10%)", ncol=11,
                    loc="upper center", bbox_to_anchor=(0.5, -0.005), fontsize=6.5, title_fontsize=7,
                    frameon=False, handlelength=1.2, columnspacing=0.7, handletextpad=0.3)
    leg.get_title().set_color("#333333")
    return figure_png(fig, dpi=dpi)


def _labels(ax: Any, gdf: gpd.GeoDataFrame, col: str, box: tuple[float, ...], *, size: float,
            colour: str, bold: bool = False) -> None:
    if size <= 0 or gdf.empty:
        return
    from shapely.geometry import box as shp_box

    frame = shp_box(*box)
    for _, r in gdf.iterrows():
        part = r.geometry.intersection(frame)
        if part.is_empty or part.area < frame.area * 0.01:
            continue
        p = part.representative_point()
        # a label near the frame's edge would be cut off: leave it out
        fx = (p.x - box[0]) / (box[2] - box[0])
        fy = (p.y - box[1]) / (box[3] - box[1])
        if not (0.12 < fx < 0.88 and 0.05 < fy < 0.95):
            continue
        ax.annotate(str(r[col]), (p.x, p.y), ha="center", va="center", fontsize=size, color=colour,
                    fontweight="bold" if bold else "normal",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


def domain_strip_png(figures: list[tuple[str, int | None, int | None, int]], *, dpi: int = 200,
                     width: float = 7.2) -> bytes:
    """Where one LSOA sits among England's LSOAs on each measure.

    Parameters
    ----------
    figures
        ``(label, rank, decile, of)`` per measure (IMD first), rank 1 = most deprived.
    """
    n = len(figures)
    fig, ax = plt.subplots(figsize=(width, 0.42 * n + 0.8))
    for i, (label, rank, decile, of) in enumerate(figures):
        y = n - 1 - i
        for d in range(10):
            ax.barh(y, 10, left=d * 10, height=0.56, color=_rgb(DECILE_COLOURS[d]), alpha=0.28,
                    edgecolor="white", linewidth=0.6)
        if rank is not None:
            x = 100 * rank / of
            ax.plot([x], [y], marker="o", markersize=8.5, color=HIGHLIGHT, markeredgecolor="white",
                    markeredgewidth=1.2, zorder=3)
            ax.text(101.5, y, f"{rank:,} (decile {decile})", va="center", fontsize=7.5, color="#222")
        ax.text(-1.5, y, label, va="center", ha="right", fontsize=8,
                fontweight="bold" if i == 0 else "normal", color="#222")
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks([])
    ax.set_xticks([0, 10, 20, 30, 50, 70, 100])
    ax.set_xticklabels(["most\ndeprived", "10%", "20%", "30%", "50%", "70%", "least\ndeprived"],
                       fontsize=7, color="#444")
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.spines["bottom"].set_color("#999")
    ax.set_title("Rank among all LSOAs in England (dot), on each domain", fontsize=8.5, color="#333",
                 loc="left")
    return figure_png(fig, dpi=dpi)


def domain_stack_png(rows: list[tuple[str, dict[int, float]]], *, dpi: int = 200,
                     width: float = 7.2) -> bytes:
    """Share of residents living in each national decile, per measure (100% stacked bars).

    Parameters
    ----------
    rows
        ``(label, {decile: percent of residents})`` per bar, top first (e.g. England, IMD, domains).
    """
    n = len(rows)
    fig, ax = plt.subplots(figsize=(width, 0.38 * n + 1.0))
    for i, (label, shares) in enumerate(rows):
        y = n - 1 - i
        left = 0.0
        for d in range(1, 11):
            v = float(shares.get(d) or 0.0)
            ax.barh(y, v, left=left, height=0.62, color=_rgb(DECILE_COLOURS[d - 1]), edgecolor="white",
                    linewidth=0.4)
            if v >= 7:
                ax.text(left + v / 2, y, f"{v:.0f}%", ha="center", va="center", fontsize=6.3,
                        color="white" if d <= 6 else "#222")
            left += v
        ax.text(-1.5, y, label, va="center", ha="right", fontsize=8, color="#222",
                fontweight="bold" if i == 0 else "normal")
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks([])
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xticklabels([f"{x}%" for x in (0, 20, 40, 60, 80, 100)], fontsize=7, color="#444")
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.spines["bottom"].set_color("#999")
    handles = [Patch(facecolor=_rgb(c), label=str(i + 1)) for i, c in enumerate(DECILE_COLOURS)]
    ax.legend(handles=handles, title="national decile (1 = most deprived 10%)", ncol=10,
              loc="upper center", bbox_to_anchor=(0.45, -0.12), fontsize=6.5, title_fontsize=7,
              frameon=False, handlelength=1.2, columnspacing=0.7)
    ax.set_title("Share of residents by national decile of their neighbourhood", fontsize=8.5,
                 color="#333", loc="left")
    return figure_png(fig, dpi=dpi)
