"""Portfolio charts: organisations by IMD decile against an even national spread."""

from __future__ import annotations

import plotly.graph_objects as go

from needsmap.viz.maps import DECILE_COLOURS

__all__ = ["decile_bar_chart"]


def _hex(rgb: object) -> str:
    r, g, b = (int(c) for c in list(rgb)[:3])  # type: ignore[call-overload]
    return f"#{r:02x}{g:02x}{b:02x}"


def decile_bar_chart(orgs_by_decile: dict[int, int], *, edition: str,
                     england_pct: dict[int, float | None] | None = None,
                     title: str | None = None) -> go.Figure:
    """Bar chart of the share of organisations in each national IMD decile.

    Parameters
    ----------
    orgs_by_decile
        Organisations per decile 1 … 10 (decile 1 = most deprived 10% of LSOAs).
    edition
        IMD edition, for the axis title.
    england_pct
        England's share of LSOAs per decile (10% each by definition); drawn as a dashed line.
    title
        Chart title (default: none, the page heads it).

    Returns
    -------
    A plotly Figure; bars use the map's decile colours, labels give count and share.
    """
    deciles = list(range(1, 11))
    counts = [int(orgs_by_decile.get(d, 0)) for d in deciles]
    total = sum(counts)
    pct = [100.0 * c / total if total else 0.0 for c in counts]
    colours = [_hex(DECILE_COLOURS[d - 1]) for d in deciles]
    labels = [f"{c:,}<br>({p:.0f}%)" if total else "0" for c, p in zip(counts, pct, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        x=deciles, y=pct, marker_color=colours, text=labels, textposition="outside",
        name="organisations", cliponaxis=False,
        hovertemplate="Decile %{x}: %{customdata:,} organisations (%{y:.1f}%)<extra></extra>",
        customdata=counts,
    )
    line = [(england_pct or {}).get(d) for d in deciles]
    line_y = [10.0 if v is None else float(v) for v in line]
    # England's share as shapes drawn *below* the bars' labels, so it never strikes through them
    for d, y in zip(deciles, line_y, strict=True):
        fig.add_shape(type="line", x0=d - 0.5, x1=d + 0.5, y0=y, y1=y, layer="below",
                      line={"color": "#c0392b", "dash": "dash", "width": 2})
    fig.add_scatter(  # legend entry for the shapes
        x=[None], y=[None], mode="lines", name="England: share of LSOAs (10% each)",
        line={"color": "#c0392b", "dash": "dash", "width": 2}, hoverinfo="skip",
    )
    top = max([*pct, *line_y, 10.0]) * 1.25
    fig.update_layout(
        title=title, height=380, margin={"l": 60, "r": 20, "t": 40 if title else 20, "b": 60},
        yaxis={"title": "% of placed organisations", "range": [0, top], "ticksuffix": "%"},
        xaxis={"title": f"IMD {edition} national decile (1 = 10% most deprived LSOAs)",
               "tickmode": "array", "tickvals": deciles,
               "ticktext": ["1<br>most deprived", *map(str, deciles[1:-1]), "10<br>least deprived"]},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        plot_bgcolor="white", font={"size": 13},
    )
    fig.update_yaxes(gridcolor="#e5e5e5")
    return fig
