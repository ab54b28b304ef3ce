"""The Seasonal page's change map.

Each hotspot classed new / growing / persistent / shrinking / gone / too few to tell, over the whole
comparison area.

The classes come from :func:`hotspots.comparison.hotspot_trend.hotspot_changes` (the
hotspots of the after window against those of the before window, found by the same
method; a class is given only when the change's interval says so). Colours and class
words are :data:`hotspots.present.palettes.CHANGE_COLOURS` and ``CHANGE_LABELS``, the
Hotspot map's and the pack's. Gone hotspots are drawn with a dashed outline. A map in
one colour (every hotspot in one class) says nothing a sentence cannot:
:func:`change_says_something` is False and the page shows the table instead.

Text from data is escaped; counts of records from 1 to ``suppress_below - 1`` read
``<5`` and a change computed from them is withheld
(:mod:`hotspots.present.disclosure`). The map is drawn on :func:`build_map`'s offline
base (vendored Leaflet, boundaries and streets, no tiles needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import pandas as pd

from hotspots.comparison import wording as W
from hotspots.data import schema as S
from hotspots.present import palettes as P
from hotspots.present.disclosure import count_text, withheld
from hotspots.present.map_elements import GeoJsonLayer, esc
from hotspots.present.map_geometry import to_wgs84_geoms
from hotspots.present.map_hotspots import hotspot_styles
from hotspots.present.maps import build_map

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CHANGE_CLASSES",
    "ClassCount",
    "add_change_layer",
    "change_extent",
    "change_legend",
    "change_map",
    "change_says_something",
    "change_tooltip",
    "classed_hotspots",
    "legend_html",
]

#: the classes in legend order (the Hotspot map's and the pack's)
CHANGE_CLASSES: tuple[str, ...] = P.CHANGE_CLASSES


@dataclass(frozen=True)
class ClassCount:
    """One legend line: a change class, its words, its colour and how many hotspots hold it."""

    change_class: str
    label: str
    colour: str
    hotspots: int


def classed_hotspots(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of a :class:`~hotspots.comparison.hotspot_trend.HotspotChanges` table with a class.

    They have a class and an outline (no class: the before window had no data).
    """
    if not len(table):
        return table
    cls = table["change_class"].astype("string").fillna("")
    keep = cls.isin(list(CHANGE_CLASSES)).to_numpy(dtype=bool, copy=True)
    keep &= ~(table.geometry.isna() | table.geometry.is_empty).to_numpy(dtype=bool)
    return table[keep]


def change_legend(table: gpd.GeoDataFrame) -> tuple[ClassCount, ...]:
    """Return the classes present, in :data:`CHANGE_CLASSES` order, with their number of hotspots.

    These are numbers of hotspots, not of records: the disclosure rule does not apply.
    """
    vc = classed_hotspots(table)["change_class"].value_counts()
    return tuple(
        ClassCount(c, P.CHANGE_LABELS[c], P.CHANGE_COLOURS[c], int(vc[c]))
        for c in CHANGE_CLASSES
        if int(vc.get(c, 0)) > 0
    )


def change_says_something(table: gpd.GeoDataFrame) -> bool:
    """Whether the map would show more than one colour: at least two classes hold a hotspot.

    With one class (or none) the page shows a table instead.
    """
    return len(change_legend(table)) >= 2


def change_extent(
    table: gpd.GeoDataFrame,
    margin_m: float = 300.0,
) -> tuple[float, float, float, float] | None:
    """``(x0, y0, x1, y1)`` metres of every classed hotspot (gone ones included) and ``margin_m``.

    The whole comparison area, not only the target. None: none.
    """
    cells = classed_hotspots(table)
    if cells.empty:
        return None
    x0, y0, x1, y1 = (float(v) for v in cells.total_bounds)
    return (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)


def _rank(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def change_tooltip(row: Any, suppress_below: int | None) -> str:
    """One hotspot's tooltip (escaped HTML).

    Rank and name, class, records then and now, and the change unless a count is withheld.
    """
    cls = str(row["change_class"])
    rank, rank_then = _rank(row.get(S.RANK)), _rank(row.get("rank_then"))
    name = esc(row.get(S.NAME) or "Hotspot")
    head = f"#{rank} {name}" if rank is not None else f"{name} (#{rank_then} before)"
    then, now = row.get("count_then"), row.get("count_now")
    counts = (
        f"{esc(count_text(then, suppress_below))} records before, "
        f"{esc(count_text(now, suppress_below))} after"
    )
    pct = row.get("change_pct")
    if withheld((then, now), suppress_below):
        change = "; change withheld"
    elif pct is not None and not pd.isna(pct) and math.isfinite(float(pct)):
        change = f" ({esc(W.pct(float(pct)))})"
    else:
        change = ""
    return f"<b>{head}</b><br>{esc(P.CHANGE_LABELS[cls])}: {counts}{change}"


def add_change_layer(
    m: folium.Map,
    table: gpd.GeoDataFrame,
    *,
    suppress_below: int | None = None,
    name: str = "Hotspot change",
) -> folium.Map:
    """Return the classed hotspots as one layer (WGS84), big ones under small ones, gone dashed.

    The layer control must be written after every layer it lists: it is taken out and
    put back after the new layer.
    """
    h = classed_hotspots(table)
    if h.empty:
        return m
    h = h.assign(_area=h.geometry.area).sort_values("_area", ascending=False, kind="stable")
    rows = h.drop(columns="geometry").to_dict("records")
    props = [
        {
            S.RANK: _rank(r.get(S.RANK)),
            S.NAME: esc(r.get(S.NAME)),
            "change_class": esc(r["change_class"]),
            "style": f"{r['change_class']}|0",
        }
        for r in rows
    ]
    controls = [(k, c) for k, c in m._children.items() if isinstance(c, folium.LayerControl)]
    for k, _ in controls:
        del m._children[k]
    GeoJsonLayer(
        to_wgs84_geoms(h.geometry.values), props, name=name, style=hotspot_styles(),
        style_by="style", tooltips=[change_tooltip(r, suppress_below) for r in rows],
    ).add_to(m)  # fmt: skip
    for k, c in controls:
        m._children[k] = c
    return m


def legend_html(legend: tuple[ClassCount, ...]) -> str:
    """Return the legend under the map.

    A swatch (hidden from screen readers), the class words and the number of hotspots, e.g. "■ New
    (not a hotspot before): 3 hotspots".
    """
    return " · ".join(
        f"<span style='color:{c.colour}' aria-hidden='true'>■</span> {esc(c.label)}: "
        f"{c.hotspots} hotspot{'s' if c.hotspots != 1 else ''}"
        for c in legend
    )


def change_map(
    table: gpd.GeoDataFrame,
    *,
    area: Any = None,
    streets: Any = None,
    simulated: bool = False,
    suppress_below: int | None = None,
    height: int = 520,
    tiles: Any = None,
) -> folium.Map:
    """Return the change map.

    :func:`hotspots.present.maps.build_map` (offline base, the target dashed) fitted to every
    classed hotspot, with the change layer on top. ``tiles``: ``build_map``'s (None: the
    deployment's setting; without tiles, or when they fail, the streets layer and the boundaries
    still draw).
    """
    more = {} if tiles is None else {"tiles": tiles}
    m = build_map(
        area=area, height=height, simulated=simulated, zoom_to=change_extent(table),
        streets=streets, suppress_below=suppress_below, **more,
    )  # fmt: skip
    return add_change_layer(m, table, suppress_below=suppress_below)
