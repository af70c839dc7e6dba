"""Plotly charts for the area profile: domain ranks against England, residents by decile, ages.

Every function returns a :class:`plotly.graph_objects.Figure` and never calls Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from needsmap.analysis.profile import DOMAIN_IDS, AreaProfile, LsoaProfile
from needsmap.viz.maps import DECILE_COLOURS

__all__ = ["age_figure", "compare_bars_figure", "decile_stack_figure", "domain_position_figure"]

_HIGHLIGHT = "#e3120b"
_OTHER = "#222222"
_FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 13}


def _rgb(c: tuple[int, int, int], alpha: float = 1.0) -> str:
    return f"rgba({c[0]},{c[1]},{c[2]},{alpha})"


def domain_position_figure(p: LsoaProfile) -> go.Figure:
    """Where the LSOA sits among England's LSOAs on the IMD and each domain (0% = most deprived).

    The background bands are England's ten deciles (each a tenth of all LSOAs); the red dot is this
    LSOA in ``p.edition``, the black diamond the other edition where the boundary is unchanged.
    """
    figs = [p.imd, *p.domains.values()]
    labels = [f.label for f in figs][::-1]
    fig = go.Figure()
    for d in range(10):
        fig.add_shape(type="rect", x0=d * 10, x1=d * 10 + 10, y0=-0.5, y1=len(figs) - 0.5,
                      fillcolor=_rgb(DECILE_COLOURS[d], 0.22), line={"width": 0}, layer="below")
    x = [None if f.rank is None else 100 * f.rank / f.of for f in figs][::-1]
    text = [f.text for f in figs][::-1]
    fig.add_trace(go.Scatter(
        x=x, y=labels, mode="markers", name=f"IMD {p.edition}",
        marker={"size": 15, "color": _HIGHLIGHT, "line": {"width": 1.5, "color": "white"}},
        hovertemplate="%{y}<br>%{customdata}<extra>IMD " + p.edition + "</extra>", customdata=text))
    o = p.other_edition
    if o.get("comparable"):
        others = [o["imd"], *(o["domains"][d] for d in DOMAIN_IDS)]
        ox = [None if f["rank"] is None else 100 * f["rank"] / f["of"] for f in others][::-1]
        otext = [f"rank {f['rank']:,} of {f['of']:,} (decile {f['decile']})" for f in others][::-1]
        fig.add_trace(go.Scatter(
            x=ox, y=labels, mode="markers", name=f"IMD {o['edition']} (same boundary)",
            marker={"size": 11, "symbol": "diamond", "color": _OTHER, "line": {"width": 1, "color": "white"}},
            hovertemplate="%{y}<br>%{customdata}<extra>IMD " + o["edition"] + "</extra>",
            customdata=otext))
    fig.update_layout(
        height=90 + 42 * len(figs), margin={"l": 10, "r": 10, "t": 40, "b": 40}, font=_FONT,
        plot_bgcolor="white", legend={"orientation": "h", "y": 1.08, "x": 0},
        xaxis={"range": [0, 100], "tickvals": [0, 10, 20, 30, 50, 70, 100],
               "ticktext": ["most deprived", "10%", "20%", "30%", "50%", "70%", "least deprived"],
               "showgrid": False, "title": "position among all LSOAs in England"},
        yaxis={"showgrid": False},
    )
    return fig


def decile_stack_figure(p: AreaProfile, *, england: Mapping[int, float] | None = None) -> go.Figure:
    """Share of the area's residents in each national decile, for the IMD and every domain.

    ``england`` (decile → % of England's residents) adds a reference bar at the top.
    """
    rows: list[tuple[str, Mapping[int, float]]] = []
    if england is not None:
        rows.append(("England (IMD)", england))
    rows.append(("IMD (overall)", p.imd["pct_pop_by_decile"]))
    rows += [(p.domains[d]["label"], p.domains[d]["pct_pop_by_decile"]) for d in DOMAIN_IDS]
    labels = [r[0] for r in rows][::-1]
    fig = go.Figure()
    for d in range(1, 11):
        vals = [float(r[1].get(d) or r[1].get(str(d)) or 0.0) for r in rows][::-1]  # type: ignore[call-overload]
        fig.add_trace(go.Bar(
            x=vals, y=labels, orientation="h", name=str(d), marker={"color": _rgb(DECILE_COLOURS[d - 1])},
            text=[f"{v:.0f}%" if v >= 6 else "" for v in vals], textposition="inside",
            insidetextfont={"color": "white" if d <= 6 else "#222"},
            hovertemplate="%{y}<br>decile " + str(d) + ": %{x:.1f}% of residents<extra></extra>"))
    fig.update_layout(
        barmode="stack", height=110 + 40 * len(rows), margin={"l": 10, "r": 10, "t": 40, "b": 40},
        font=_FONT, plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.1, "x": 0, "title": {"text": "decile (1 = most deprived)"},
                "traceorder": "normal"},
        xaxis={"range": [0, 100], "ticksuffix": "%", "title": "share of residents"},
    )
    return fig


def compare_bars_figure(labels: Sequence[str], here: Sequence[float | None],
                        england: Sequence[float | None], *, title: str,
                        here_name: str = "This area") -> go.Figure:
    """Grouped bars of percentages: this area against England."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(labels), y=list(here), name=here_name, marker={"color": _rgb(DECILE_COLOURS[1])},
                         hovertemplate="%{x}: %{y:.1f}%<extra>" + here_name + "</extra>"))
    fig.add_trace(go.Bar(x=list(labels), y=list(england), name="England",
                         marker={"color": _rgb(DECILE_COLOURS[6], 0.75)},
                         hovertemplate="%{x}: %{y:.1f}%<extra>England</extra>"))
    fig.update_layout(barmode="group", height=300, margin={"l": 10, "r": 10, "t": 50, "b": 30},
                      font=_FONT, plot_bgcolor="white", title={"text": title, "font": {"size": 14}},
                      legend={"orientation": "h", "y": 1.12, "x": 0.55},
                      yaxis={"ticksuffix": "%", "gridcolor": "#eee"})
    return fig


def age_figure(p: LsoaProfile | AreaProfile) -> go.Figure:
    """Age profile (share of residents per band) against England."""
    age = p.age_profile
    bands = list(age["bands_pct"])
    title = "Age profile, mid-2020" + (" (estimated for LSOA 2021)" if age.get("estimated") else "")
    return compare_bars_figure(bands, [age["bands_pct"][b] for b in bands],
                               [age["england_bands_pct"].get(b) for b in bands], title=title)
