"""A patrol sheet: one A4 landscape page with a numbered map and the list of places.

The sheet is a self-contained HTML file (Leaflet inlined, no network; tiles only where
a tile server is set, fetched when the sheet is made and written into it):
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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.present.escape import html as esc
from hotspots.present.maps import build_map, map_html
from hotspots.present.patrol_inset import patrol_inset, sheet_tiles
from hotspots.present.streets import StreetLayer
from hotspots.present.tiles import pack_tiles

if TYPE_CHECKING:
    from hotspots.present.map_assets import TileSpec
from hotspots.present.tables import format_count, format_period, format_share

__all__ = ["patrol_sheet_html", "SHEET_MAP_PX"]

SHEET_MAP_PX = (640, 640)  # width, height of the map on the sheet

_CSS = """
<style>
@page { size: A4 landscape; margin: 8mm; }
html, body { width: auto !important; height: auto !important; margin: 0 !important;
  padding: 0 !important; overflow: visible !important; }
body { font: 11px/1.3 Arial, Helvetica, sans-serif; color: #111; width: 1050px !important;
  display: grid; grid-template-columns: %(mw)dpx 400px; column-gap: 10px;
  grid-template-rows: auto %(mh)dpx; }
.ps-head { grid-column: 1 / span 2; grid-row: 1; border-bottom: 2px solid #D55E00;
  margin-bottom: 6px; padding-bottom: 3px; }
.ps-head h1 { font-size: 18px; margin: 0 0 2px; }
.ps-head p { margin: 0; }
.ps-sim { color: #fff; background: #D55E00; padding: 0 6px; font-weight: bold; }
.folium-map { grid-column: 1; grid-row: 2; width: %(mw)dpx !important; height: %(mh)dpx !important;
  position: relative !important; border: 1px solid #999; }
.ps-places { grid-column: 2; grid-row: 2; overflow: hidden; }
.ps-places table { border-collapse: collapse; width: 100%%; font-size: %(fs)dpx;
  table-layout: fixed; }
.ps-places th, .ps-places td { border-bottom: 1px solid #ccc; padding: 1px 3px; text-align: left;
  vertical-align: top; line-height: %(lh)s; }
.ps-places col.c-rk { width: 22px; } .ps-places col.c-n { width: 46px; }
.ps-places col.c-ward { width: 110px; }
.ps-places.long td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hs-legend { display: none; }
.ps-places td.n { text-align: right; white-space: nowrap; }
.ps-places .rk { font-weight: bold; }
.ps-foot { font-size: 9px; color: #444; margin-top: 1px; }
.leaflet-tooltip.hs-rank { font-size: 11px; }
.ps-inset { grid-column: 1; grid-row: 2; z-index: 1000; position: relative;
  background: #fff; border: 1.5px solid #222; margin: 1px; }
.ps-inset.bottom { align-self: end; } .ps-inset.top { align-self: start; }
.ps-inset.right { justify-self: end; } .ps-inset.left { justify-self: start; }
.ps-inset p { position: absolute; left: 0; top: 0; margin: 0; padding: 1px 4px; font-size: 10px;
  background: rgba(255,255,255,0.9); }
.ps-inset svg { display: block; }
.folium-map .leaflet-control-attribution { white-space: normal !important; max-width: 70%% !important; }
@media print {
  .leaflet-control-container .leaflet-top, .leaflet-control-zoom, .leaflet-control-layers,
  .leaflet-control-fullscreen { display: none !important; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"""


def _rows(places: gpd.GeoDataFrame, suppress_below: int | None) -> str:
    out = []
    for r in places.sort_values(S.RANK).itertuples(index=False):
        d = r._asdict()
        ward = d.get(S.WARD_NAME)
        out.append(
            "<tr>"
            f'<td class="rk">{int(d[S.RANK])}</td>'
            f"<td>{esc(d.get(S.NAME) or '')}</td>"
            f"<td>{esc(ward) if isinstance(ward, str) else 'outside BCP'}</td>"
            f'<td class="n">{esc(format_count(d.get(S.COUNT), suppress_below))}</td>'
            f'<td class="n">{esc(format_share(d.get("cumulative_share")))}</td>'
            "</tr>"
        )
    return "".join(out)


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
    """The patrol sheet as one self-contained HTML page (prints on one A4 landscape page).

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
        cached, drawn under the places and its attribution printed (:func:`sheet_tiles`).

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
    font = 11 if n <= 20 else 9 if n <= 35 else 8
    line = "1.3" if n <= 20 else "1.15"
    cats = ", ".join(str(c) for c in categories) if categories else "all"
    area_name = getattr(area, "name", None) or "BCP"
    head = (
        '<header class="ps-head">'
        f"<h1>{esc(title)}{' <span class=ps-sim>SIMULATED DATA</span>' if simulated else ''}</h1>"
        f"<p><b>Period:</b> {esc(format_period(start, end))} · <b>Area:</b> {esc(area_name)} · "
        f"<b>Categories:</b> {esc(cats)}</p>"
        '<p class="ps-foot">Numbers on the map match the # column. police.uk locations are '
        "anonymised map points (“On or near …”), not addresses. Crime data: data.police.uk; "
        "boundaries: ONS (OGL v3.0).</p>"
        "</header>"
    )
    table = (
        f'<section class="ps-places{" long" if n > 20 else ""}"><table>'
        '<colgroup><col class="c-rk"><col><col class="c-ward"><col class="c-n"><col class="c-n">'
        "</colgroup><thead><tr><th>#</th><th>Place</th><th>Ward</th>"
        "<th>Records</th><th>Cum. share</th></tr></thead>"
        f"<tbody>{_rows(places, suppress_below)}</tbody></table></section>"
    )
    sheet_tiles(m, places, spec, (mw, mh))  # tiles under the map, their attribution on it
    root: Any = m.get_root()  # a folium Figure: .header and .html
    root.header.add_child(
        folium.Element(_CSS % {"mw": mw, "mh": mh, "fs": font, "lh": line}),
        name="ps_css",
    )
    root.html.add_child(folium.Element(head), name="ps_head")
    root.html.add_child(folium.Element(table), name="ps_table")
    if inset is not None:
        root.html.add_child(
            folium.Element(
                f'<figure class="ps-inset {inset.corner}" style="width:{inset.size_px}px;'
                f'height:{inset.size_px}px">{inset.svg}<p>Street scale: {len(inset.ranks)} places '
                "of the clump</p></figure>"
            ),
            name="ps_inset",
        )
    out = map_html(m, inline_assets=True)
    return out.replace("<html>", '<html lang="en">', 1).replace(
        "<head>", f"<head>\n<title>{esc(title)}</title>", 1
    )
