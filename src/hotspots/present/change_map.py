"""Hotspot-change cells (persistent / emerging / former) as one layer on a map from
:func:`hotspots.present.maps.build_map`. Colour-blind-safe (Okabe–Ito) and escaped."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import shapely

from hotspots.data import schema as S

__all__ = ["CHANGE_COLOURS", "add_change_layer", "change_extent", "change_says_something"]

CHANGE_COLOURS = {
    "persistent": "#D55E00",  # vermillion: hot in both periods
    "emerging": "#E69F00",  # orange: hot only in the later period
    "former": "#0072B2",  # blue: hot only in the earlier period
}


def add_change_layer(
    m: folium.Map, grid: gpd.GeoDataFrame, name: str = "Hotspot change"
) -> folium.Map:
    """Merge cells of each change class and add them as one GeoJSON layer (WGS84)."""
    cells = grid[grid["change"].isin(list(CHANGE_COLOURS))]
    if cells.empty:
        return m
    merged = (
        cells.dissolve(by="change", as_index=False)[["change", "geometry"]]
        .assign(label=lambda d: d["change"].map(lambda c: html.escape(str(c).capitalize())))
        .to_crs(S.CRS_DISPLAY)
    )
    merged["geometry"] = shapely.set_precision(merged.geometry.values, 1e-5)
    # the layer control must be written after every layer it lists: take it out and put it back
    controls = [(k, c) for k, c in m._children.items() if isinstance(c, folium.LayerControl)]
    for k, _ in controls:
        del m._children[k]
    folium.GeoJson(
        merged.__geo_interface__,
        name=name,
        style_function=lambda f: {
            "color": CHANGE_COLOURS.get(f["properties"]["change"], "#000000"),
            "fillColor": CHANGE_COLOURS.get(f["properties"]["change"], "#000000"),
            "weight": 1,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], aliases=["Change"]),
    ).add_to(m)
    for k, c in controls:
        m._children[k] = c
    return m


def change_says_something(grid: gpd.GeoDataFrame) -> bool:
    """Whether a change map would show more than one colour: at least two of the
    classes persistent / emerging / former hold cells. With one class (often a solid
    block of "persistent" cells) the page shows a table instead."""
    present = set(grid["change"]) & set(CHANGE_COLOURS) if len(grid) else set()
    return len(present) >= 2


def change_extent(grid: gpd.GeoDataFrame, margin_m: float = 300.0) -> tuple[float, ...] | None:
    """``(x0, y0, x1, y1)`` metres of every classed cell with ``margin_m`` around: the whole
    comparison area the change was computed over, not only the target. None: no cells."""
    cells = grid[grid["change"].isin(list(CHANGE_COLOURS))]
    if cells.empty:
        return None
    x0, y0, x1, y1 = cells.total_bounds
    return (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
