"""Drawing helpers shared by the PCG pack's PDF and HTML: projection, rings, numbered labels.

:mod:`hotspots.present.pack_pdf` draws with fpdf2 and :mod:`hotspots.present.pack_html`
with SVG; both place the map and the focus-area trend with these, so the two
outputs show the same thing. Nothing here computes a figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspots.present.chart import Chart, month_chart

if TYPE_CHECKING:
    from hotspots.present.pack import Pack

__all__ = [
    "CLASS_COLOURS",
    "GAP_NOTE",
    "trend_chart",
    "project",
    "map_bounds",
    "rings",
    "place_labels",
    "label_points",
]

#: colours of the change classes (Okabe-Ito; grey for "no comparison")
CLASS_COLOURS: dict[str, str] = {
    "new": "#D55E00",
    "growing": "#E69F00",
    "persistent": "#0072B2",
    "shrinking": "#56B4E9",
    "gone": "#999999",
    "too few to tell": "#F0E442",
    "": "#CC79A7",
}
GAP_NOTE = "Shaded months: no data in this dataset (no line is drawn across them)."


def trend_chart(trend: Sequence[tuple[str, int | None]], *, apostrophe: str = "'") -> Chart:
    """A focus area's records per month (:attr:`FocusPanel.trend`) as a line :class:`Chart`.

    The HTML passes ``apostrophe="\u2019"`` (``Mar ’24``); the PDF keeps ``'``.
    """
    return month_chart(
        trend, "line", title="Records per month", gap_note=GAP_NOTE, apostrophe=apostrophe
    )


def project(
    bounds: tuple[float, float, float, float], x0: float, y0: float, w: float, h: float
) -> Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]:
    """A function (x, y metres) -> page (u, v) fitting ``bounds`` in the box, aspect kept, v down."""
    bx0, by0, bx1, by1 = bounds
    s = min(w / (bx1 - bx0), h / (by1 - by0))
    ox = x0 + (w - s * (bx1 - bx0)) / 2
    oy = y0 + (h - s * (by1 - by0)) / 2

    def f(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return ox + s * (np.asarray(x) - bx0), oy + s * (by1 - np.asarray(y))

    return f


def map_bounds(pack: Pack, margin_m: float = 300.0) -> tuple[float, float, float, float]:
    """The map's extent: BCP, or the study area with a margin when the pack is for a smaller area."""
    area = pack.result.study_area
    geom = pack.boundaries.outline if area.kind == "bcp" else area.geometry.buffer(margin_m)
    x0, y0, x1, y1 = geom.bounds
    return x0, y0, x1, y1


def rings(geom: Any) -> list[np.ndarray]:
    """Exterior rings (n x 2 arrays, metres) of a polygon or multipolygon, simplified lightly."""
    if geom is None or geom.is_empty:
        return []
    parts = getattr(geom, "geoms", [geom])
    out = []
    for p in parts:
        if p.geom_type == "Polygon":
            out.append(np.asarray(p.exterior.coords))
    return out


def place_labels(points: Sequence[tuple[float, ...]], r: float) -> list[tuple[float, float]]:
    """Positions for numbered discs of radius ``r`` at ``points``, nudged so none overlap.

    Greedy, in the order given (rank order: the biggest hotspot keeps its place): each
    disc tries its own point, then rings of 8 directions at growing distance.
    """
    placed: list[tuple[float, float]] = []
    for px, py in points:
        best = (px, py)
        for step in range(0, 12):
            cands = (
                [(px, py)]
                if step == 0
                else [
                    (px + 2.2 * r * step * math.cos(a), py + 2.2 * r * step * math.sin(a))
                    for a in np.linspace(0, 2 * math.pi, 8, endpoint=False) + step * 0.4
                ]
            )
            ok = [c for c in cands if all(math.dist(c, q) >= 2.05 * r for q in placed)]
            if ok:
                best = ok[0]
                break
        placed.append(best)
    return placed


def label_points(hotspots: Any) -> list[tuple[float, float]]:
    """A point inside each hotspot (metres) for its number."""
    return [(p.x, p.y) for p in (shapely.point_on_surface(g) for g in hotspots.geometry)]
