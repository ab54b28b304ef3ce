"""A patrol sheet: one A4 landscape page with a numbered map and the list of places.

The sheet is a self-contained HTML file (Leaflet inlined, no network; tiles only where
a tile server is set, fetched when the sheet is made and written into it),
rendered from the Jinja2 template ``templates/patrol_sheet.html.j2`` with autoescaping
on (:mod:`hotspots.present.templating`): only the folium map's own parts and the
inset's SVG, both drawn by this package, are inserted as markup:
title, period ("Jan 2024 – Mar 2024"), categories and area at the top; the map with
the places numbered by permanent labels on the left; the ranked table on the right.
Sizes are fixed in CSS pixels so the printed page is the page on screen: A4
landscape less 8 mm margins is 281 × 194 mm, about 1,062 × 733 px at 96 px/inch;
the sheet uses 1,050 × 720. Print CSS hides anything interactive, and the table's
type shrinks for long lists so 50 places still fit one page.

Checked in a browser test (tests/present/test_patrol_sheet_browser.py) by printing
with Chromium (``page.pdf(format="A4", landscape=True)``) and counting pages.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.present.escape import plain
from hotspots.present.maps import build_map, map_html
from hotspots.present.patrol_inset import patrol_inset, sheet_tiles
from hotspots.present.tables import format_count, format_period, format_share
from hotspots.present.templating import render, trusted
from hotspots.present.tiles import pack_tiles

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from hotspots.present.map_assets import TileSpec
    from hotspots.present.streets import StreetLayer

__all__ = ["SHEET_MAP_PX", "patrol_sheet_html", "sheet_rows"]

SHEET_MAP_PX = (640, 640)  # width, height of the map on the sheet

_BRANCA_PAGE = re.compile(
    r"\A<!DOCTYPE html>\s*<html>\s*<head>\n?(?P<head>.*?)</head>\s*<body>\n?(?P<body>.*)"
    r"</body>\s*<script>\n?(?P<script>.*)</script>\s*</html>\s*\Z",
    re.DOTALL,
)


def _map_parts(page: str) -> tuple[str, str, str]:
    """Split a folium page into the three parts the sheet's template places.

    The page has branca's ``Figure`` layout: head, body, one closing script.
    """
    m = _BRANCA_PAGE.match(page)
    if m is None:  # a folium/branca release with another page layout: say so, never misplace
        msg = "the map page is not in branca's Figure layout (head, body, script)"
        raise ValueError(msg)
    return m["head"], m["body"], m["script"]


def sheet_rows(places: gpd.GeoDataFrame, suppress_below: int | None) -> list[dict[str, str]]:
    """Return the sheet's table rows by rank.

    ``rank``, ``name``, ``ward``, ``records`` (with the disclosure rule), ``cumulative``; plain text
    (control characters replaced), escaped by the template.
    """
    out = []
    for r in places.sort_values(S.RANK).itertuples(index=False):
        d = r._asdict()
        ward = d.get(S.WARD_NAME)
        out.append(
            {
                "rank": str(int(d[S.RANK])),
                "name": plain(d.get(S.NAME) or ""),
                "ward": plain(ward) if isinstance(ward, str) else "outside BCP",
                "records": format_count(d.get(S.COUNT), suppress_below),
                "cumulative": format_share(d.get("cumulative_share")),
            },
        )
    return out


def patrol_sheet_html(
    places: gpd.GeoDataFrame,
    *,
    start: str,
    end: str,
    categories: Sequence[str],
    area: object = None,
    title: str = "Patrol places",
    suppress_below: int | None = None,
    simulated: bool = False,
    boundaries: Boundaries | None = None,
    streets: StreetLayer | None = None,
    tiles: str | TileSpec | None = "auto",
) -> str:
    """Return the patrol sheet as one self-contained HTML page (prints on one A4 landscape page).

    Parameters
    ----------
    places : ranked places (hotspot columns, EPSG:27700: ``rank``, ``name``,
        ``ward_name``, ``count``, ``hotspot_id``; ``cumulative_share`` when known), as
        :func:`hotspots.present.views.patrol_view` returns them. At most 50 rows fit.
    start, end : first and last month (``YYYY-MM``), written as "Jan 2024 – Mar 2024".
    categories : category names, listed under the title (all categories: "all").
    area : the area the places were chosen in (drawn dashed; the map is fitted to it).
    title : the heading.
    suppress_below : counts below this are written "<k" (public sheets).
    simulated : mark the sheet SIMULATED DATA.
    boundaries : wards and outline (default: the bundled BCP ones).
    streets : the dataset's streets (:func:`hotspots.present.streets.build_streets`):
        street lines and names drawn on the map (names from zoom 14), and the largest
        clump of places drawn again at street scale in an inset in a free corner of
        the map (:mod:`hotspots.present.patrol_inset`), so the sheet guides a patrol
        with no background map. None: "No street map available".
    tiles : a tile server for the map and the inset (:func:`hotspots.present.tiles.pack_tiles`:
        ``"auto"`` uses ``HOTSPOTS_TILES`` only when set); its tiles are fetched once,
        cached, drawn under the places and its attribution printed on the map
        (:func:`hotspots.present.patrol_inset.sheet_tiles`).

    Returns
    -------
    str, the HTML page (about 200 KiB with Leaflet inlined).
    """
    n = len(places)
    mw, mh = SHEET_MAP_PX
    spec = None if tiles == "auto" and not os.environ.get("HOTSPOTS_TILES") else pack_tiles(tiles)
    inset = None
    if streets is not None:
        inset = patrol_inset(
            places, boundaries=boundaries or load_boundaries(), streets=streets, map_px=(mw, mh),
            tiles=spec,
        )  # fmt: skip
    m = build_map(
        label_keepout=[(inset.corner, inset.size_px + 12)] if inset is not None else None,
        hotspots=places,
        area=area,
        boundaries=boundaries,
        height=mh,
        tiles="none",
        suppress_below=suppress_below,
        simulated=simulated,
        controls=False,
        labels=True,
        max_labels=max(n, 1),
        fit_to_hotspots=True,
        streets=streets,
        street_label_zoom=14,
    )
    area_name = getattr(area, "name", None) or "BCP"
    sheet_tiles(m, places, spec, (mw, mh))  # tiles under the map, their attribution on it
    head, body, script = _map_parts(map_html(m, inline_assets=True))
    return render(
        "patrol_sheet.html.j2",
        title=plain(title),
        simulated=simulated,
        period=format_period(start, end),
        area_name=plain(area_name),
        categories=plain(", ".join(str(c) for c in categories) if categories else "all"),
        rows=sheet_rows(places, suppress_below),
        map_w=int(mw),
        map_h=int(mh),
        font_px=11 if n <= 20 else 9 if n <= 35 else 8,
        line_height="1.3" if n <= 20 else "1.15",
        inset=None
        if inset is None
        else {
            "corner": inset.corner,
            "size_px": int(inset.size_px),
            "svg": trusted(inset.svg),
            "ranks": inset.ranks,
        },
        map_head=trusted(head),
        map_body=trusted(body),
        map_script=trusted(script),
    )
