"""Drawing helpers shared by the PCG pack's PDF and HTML: projection, rings, numbered labels.

:mod:`hotspots.present.pack_pdf` draws with fpdf2 and :mod:`hotspots.present.pack_html`
with SVG; both place the map and the focus-area trend with these, so the two
outputs show the same thing. Nothing here computes a figure.

The map page is a :class:`MapView`, worked out once when the pack is built
(:func:`map_view`): the main map's extent; a street-scale inset of the densest
cluster of listed hotspots (central Bournemouth on the bundled data), where street
names have room that the BCP-scale map gives to rank numbers; and, where a tile
server is set, the background tiles of both, fetched once
(:func:`hotspots.present.tiles.fetch_background`) with the attribution printed under
the map.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.present.chart import Chart, month_chart

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from hotspots.present.map_assets import TileSpec
    from hotspots.present.pack import Pack
    from hotspots.present.tiles import Background, TileCache

__all__ = [
    "CLASS_COLOURS",
    "GAP_NOTE",
    "HTML_MAP",
    "INSET_FRACTION",
    "MapView",
    "densest_cluster",
    "inset_box",
    "label_points",
    "map_bounds",
    "map_note",
    "map_view",
    "place_labels",
    "project",
    "rings",
    "street_mode",
    "trend_chart",
]

#: the HTML map's box (SVG units); the PDF's box has about the same aspect
HTML_MAP = (760.0, 560.0)
#: the inset's side as a share of the main map's height
INSET_FRACTION = 0.43
INSET_SIDE_M = 1000.0  # the inset's least extent: street scale (about 1 km)
INSET_MAX_M = 1400.0  # and its largest
CLUSTER_M = 450.0  # hotspots within this of one another count towards a cluster

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
    """Return a focus area's records per month (:attr:`FocusPanel.trend`) as a line :class:`Chart`.

    The HTML passes ``apostrophe="\u2019"`` (``Mar ’24``); the PDF keeps ``'``.
    """
    return month_chart(
        trend,
        "line",
        title="Records per month",
        gap_note=GAP_NOTE,
        apostrophe=apostrophe,
    )


def project(
    bounds: tuple[float, float, float, float],
    x0: float,
    y0: float,
    w: float,
    h: float,
) -> Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]:
    """Make a function (x, y metres) -> page (u, v) fitting ``bounds`` in the box, v down."""
    bx0, by0, bx1, by1 = bounds
    s = min(w / (bx1 - bx0), h / (by1 - by0))
    ox = x0 + (w - s * (bx1 - bx0)) / 2
    oy = y0 + (h - s * (by1 - by0)) / 2

    def f(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return ox + s * (np.asarray(x) - bx0), oy + s * (by1 - np.asarray(y))

    return f


def map_bounds(pack: Pack, margin_m: float = 300.0) -> tuple[float, float, float, float]:
    """Return the map's extent: BCP, or the study area and a margin for a pack of a smaller area."""
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
        for step in range(12):
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
    """Return a point inside each hotspot (metres) for its number."""
    return [(p.x, p.y) for p in (shapely.point_on_surface(g) for g in hotspots.geometry)]


@dataclass(frozen=True)
class MapView:
    """The pack's map page, worked out once so the PDF and the HTML show the same map.

    Attributes
    ----------
    bounds : the main map's extent (metres, EPSG:27700).
    inset : the street-scale inset's extent (a square, metres), or None.
    inset_ranks : the listed hotspots whose number sits inside the inset.
    inset_name : the inset's heading (the top hotspot of the cluster, its side in km).
    background, inset_background : tiles under the main map and the inset (None: no
        tile server set).
    """

    bounds: tuple[float, float, float, float]
    inset: tuple[float, float, float, float] | None = None
    inset_ranks: tuple[int, ...] = ()
    inset_name: str = ""
    background: Background | None = None
    inset_background: Background | None = None

    @property
    def attribution(self) -> str:
        """The tile provider's attribution (plain text), empty when no tiles are drawn."""
        bgs = [b for b in (self.background, self.inset_background) if b is not None and b.ok]
        return bgs[0].attribution if bgs else ""


def densest_cluster(
    points: np.ndarray,
    weights: np.ndarray | None = None,
    within_m: float = CLUSTER_M,
) -> np.ndarray:
    """Indexes of the points where the records crowd most.

    They are the points within ``within_m`` of the point whose neighbourhood holds the most weight
    (records; default one per point).
    """
    if len(points) == 0:
        return np.empty(0, dtype=np.int64)
    from scipy.spatial import cKDTree

    wts = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    tree = cKDTree(points)
    near = tree.query_ball_point(points, within_m)
    best = int(np.argmax([wts[n].sum() for n in near]))
    return np.asarray(sorted(near[best]), dtype=np.int64)


def inset_box(
    bounds: tuple[float, float, float, float],
    anchors: np.ndarray,
    x0: float,
    y0: float,
    w: float,
    h: float,
    side: float,
    *,
    margin: float = 0.0,
) -> tuple[float, float] | None:
    """Return the top-left corner (page units) of a free ``side`` square in a map box corner.

    The map box is ``(x0, y0, w, h)``; a corner is free when it holds none of the
    ``anchors`` (metres); bottom right first
    (the sea off Bournemouth on the BCP map), None when every corner holds one.
    """
    f = project(bounds, x0, y0, w, h)
    u, v = f(anchors[:, 0], anchors[:, 1]) if len(anchors) else (np.empty(0), np.empty(0))
    corners = (
        (x0 + w - side, y0 + h - side),
        (x0, y0 + h - side),
        (x0 + w - side, y0),
        (x0, y0),
    )
    for cx, cy in corners:
        inside = (
            (u > cx - margin) & (u < cx + side + margin)
            & (v > cy - margin) & (v < cy + side + margin)
        )  # fmt: skip
        if not inside.any():
            return cx, cy
    return None


def map_view(
    pack: Pack,
    tiles: str | TileSpec | None = "auto",
    *,
    cache: TileCache | None = None,
    api_key: str | None = None,
) -> MapView:
    """Return the pack's map page: extent, street-scale inset and background tiles.

    Parameters
    ----------
    tiles : the tile setting of printed maps (:func:`hotspots.present.tiles.pack_tiles`:
        ``"auto"`` uses ``HOTSPOTS_TILES`` only when it is set).
    cache, api_key : passed to :func:`hotspots.present.tiles.fetch_background`.
    """
    from hotspots.present.tiles import fetch_background, fit_extent, pack_tiles

    bounds = map_bounds(pack)
    shown = pack.result.hotspots.iloc[: len(pack.table)]
    pts = np.asarray(label_points(shown), dtype=float).reshape(-1, 2)
    inset = None
    ranks: tuple[int, ...] = ()
    name = ""
    w, h = HTML_MAP
    side_px = h * INSET_FRACTION
    records = pd.to_numeric(pack.table["records_now"], errors="coerce").fillna(1).to_numpy()
    idx = densest_cluster(pts, records)
    if len(idx) and (bounds[2] - bounds[0]) > 4 * INSET_SIDE_M:
        gx0, gy0, gx1, gy1 = shapely.union_all(shown.geometry.values[idx]).bounds
        side = min(max(gx1 - gx0, gy1 - gy0) + 200.0, INSET_MAX_M)
        side = max(side, INSET_SIDE_M)
        cx, cy = (gx0 + gx1) / 2, (gy0 + gy1) / 2
        box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        inside = (
            (pts[:, 0] > box[0]) & (pts[:, 0] < box[2]) & (pts[:, 1] > box[1]) & (pts[:, 1] < box[3])
        )  # fmt: skip
        # the inset must not cover a numbered hotspot of the main map
        if inset_box(bounds, pts, 0, 0, w, h, side_px, margin=8.0) is not None:
            inset = box
            ranks = tuple(int(r) for r in shown["rank"].to_numpy()[inside])
            top = int(idx[np.argmax(records[idx])])
            name = f"{pack.label(shown['rank'].iloc[top])}. {shown[S.NAME].iloc[top]}"
            name = f"{name}, {round(side, -2) / 1000:g} km across"
    spec = None if tiles == "auto" and not os.environ.get("HOTSPOTS_TILES") else pack_tiles(tiles)
    bg = ibg = None
    if spec is not None and spec.url is not None:
        # one picture for both outputs: the HTML's box and the PDF's (a little wider)
        e1 = fit_extent(bounds, w, h)
        e2 = fit_extent(bounds, 196.0, 175.0)
        ext = (min(e1[0], e2[0]), min(e1[1], e2[1]), max(e1[2], e2[2]), max(e1[3], e2[3]))
        px = int(2 * w * (ext[2] - ext[0]) / (e1[2] - e1[0]))
        py = int(px * (ext[3] - ext[1]) / (ext[2] - ext[0]))
        bg = fetch_background(spec, ext, (px, py), cache=cache, api_key=api_key)
        if inset is not None and bg.ok:
            side = int(2 * side_px)
            ibg = fetch_background(spec, inset, (side, side), cache=cache, api_key=api_key)
    return MapView(bounds, inset, ranks, name, bg, ibg)


def street_mode(bounds: tuple[float, float, float, float]) -> str:
    """How the main map names streets.

    Every street when it is at about street scale (a ward's pack, no inset needed), else the busiest
    street of each hotspot.
    """
    return "all" if (bounds[2] - bounds[0]) <= 4 * INSET_SIDE_M else "near"


def map_note(view: MapView | None, has_streets: bool) -> str:
    """Return the map page's sentence on its background.

    The tile provider, why there are no tiles, or that there is no street map at all.
    """
    from hotspots.present.streets import NO_STREET_MAP

    bg = view.background if view is not None else None
    if bg is not None and bg.ok:
        return f"Background map: {bg.attribution}."
    why = f"{bg.note} " if bg is not None and bg.note else ""
    if not has_streets:
        return why + NO_STREET_MAP
    return why + (
        "No background map: drawn from the bundled boundaries and the data's own street names."
    )
