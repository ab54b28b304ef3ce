"""The PCG pack as one self-contained HTML file: inline SVG maps and charts, print CSS.

Nothing is fetched when it opens: no fonts, scripts or images from elsewhere (tiles,
where a tile server is set, were fetched when the pack was built and are written into
the map as an image), so the file opens offline and prints one panel per A4 landscape
page (``@page``, a page break after each ``section``). The document is the Jinja2 template ``templates/pack.html.j2``
(autoescape on: every data string is escaped); the SVG map and charts are drawn here,
escaping their text (:func:`html.escape`).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from hotspots.data.boundaries import ATTRIBUTION
from hotspots.present.chart import chart_svg
from hotspots.present.map_svg import vector_map_svg
from hotspots.present.pack import Pack, count_cell, share_cell
from hotspots.present.pack_draw import (
    CLASS_COLOURS,
    GAP_NOTE,
    HTML_MAP,
    INSET_FRACTION,
    MapView,
    inset_box,
    label_points,
    map_bounds,
    map_note,
    street_mode,
    trend_chart,
)

__all__ = ["pack_html"]

_GONE_ROWS = 6  # gone hotspots listed under the table (the page holds 25 + 6 rows)

_CSS = """
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; background: #eee; }
section { background: #fff; width: 277mm; min-height: 190mm; margin: 8mm auto; padding: 6mm;
  page-break-after: always; break-after: page; overflow: hidden; }
section:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 28pt; margin: 2mm 0 4mm; } h2 { font-size: 15pt; margin: 0 0 1mm; }
section h2 + table, table + h2 { margin-top: 2mm; }
section h2.g { font-size: 10pt; }
.sub { color: #555; font-size: 8.5pt; margin: 0 0 2mm; }
.banner { background: #D55E00; color: #fff; font-weight: bold; padding: 2mm; }
table { border-collapse: collapse; font-size: 7.5pt; width: 100%; line-height: 1.2; }
td.n, th.n { white-space: nowrap; }
th, td { border-bottom: 1px solid #bbb; padding: 0.6mm 1.5mm; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
.cols { display: flex; gap: 5mm; } .key { font-size: 7pt; line-height: 1.35; }
.sw { display: inline-block; width: 3mm; height: 3mm; margin-right: 1.5mm; vertical-align: middle; }
.small { font-size: 7pt; color: #555; }
@media print { body { background: #fff; } section { margin: 0; width: auto; min-height: 0; padding: 0; }
  table { font-size: 6.2pt; } th, td { padding: 0.2mm 1mm; } }
"""


def _e(v) -> str:
    return html.escape("" if v is None or v is pd.NA else str(v))


def _map_svg(pack: Pack, w: float = HTML_MAP[0], h: float = HTML_MAP[1]) -> str:
    """Return the map page's SVG.

    BCP with the numbered hotspots and, in a free corner, the densest cluster again at street scale
    (:class:`MapView`), tiles under both when set.
    """
    view = pack.view or MapView(map_bounds(pack))
    cls = dict(zip(pack.table["rank"], pack.table["change_class"], strict=True))
    shown = pack.result.hotspots.iloc[: len(pack.table)]
    ranks = [int(r) for r in shown["rank"]]
    spots = [
        (g, pack.label(rank), CLASS_COLOURS[cls.get(rank, "")])
        for g, rank in zip(shown.geometry, ranks, strict=True)
    ]
    inner, obstacles = "", []
    if view.inset is not None:
        side = h * INSET_FRACTION
        pts = np.asarray(label_points(shown), dtype=float).reshape(-1, 2)
        at = inset_box(view.bounds, pts, 0, 0, w, h, side, margin=8.0)
        if at is not None:
            title = view.inset_name
            near = [sp for sp, r in zip(spots, ranks, strict=True) if r in view.inset_ranks]
            inner, _ = vector_map_svg(
                bounds=view.inset, w=side, h=side, boundaries=pack.boundaries, hotspots=near,
                streets=pack.streets, street_names="all", places=True, rank_r=8.0,
                css_class="packinset", background=view.inset_background, at=at,
                obstacles=[(0.0, 0.0, side, 15.0)],
                inner=f'<rect width="{side:g}" height="15" fill="#222"/><text x="4" y="11" '
                f'font-size="8.5" fill="#fff">{_e(title)}</text>',
            )  # fmt: skip
            obstacles = [(at[0] - 2, at[1] - 2, at[0] + side + 2, at[1] + side + 2)]
    svg, _ = vector_map_svg(
        bounds=view.bounds, w=w, h=h, boundaries=pack.boundaries, hotspots=spots,
        streets=pack.streets, street_names=street_mode(view.bounds), css_class="packmap",
        background=view.background, obstacles=obstacles, inner=inner,
    )  # fmt: skip
    return svg


def _trend_svg(trend, w: int = 620, h: int = 260) -> str:
    """Draw records per month on a time axis: months without data shaded, never joined by a line."""
    return chart_svg(trend_chart(trend, apostrophe="\u2019"), w, h)


def pack_html(pack: Pack) -> str:
    """Return the pack as a self-contained HTML document (string), from ``templates/pack.html.j2``.

    The template escapes every value (autoescape on); only the CSS and the SVG drawn
    here are passed as trusted markup.
    """
    from hotspots.present.templating import render, trusted

    then = pack.changes.then.label if pack.changes is not None else None
    rows = [
        [r.label, r.name, r.ward, count_cell(r.records_now),
         count_cell(r.records_then), r.change, r.change_class]
        for r in pack.table.itertuples(index=False)
    ]  # fmt: skip
    gone_rows = [
        [r.name, r.ward, count_cell(r.records_then), count_cell(r.records_now)]
        for r in pack.gone.iloc[:_GONE_ROWS].itertuples()
    ]
    panels = [
        {
            "fp": fp,
            "trend_svg": "" if fp.error else trusted(_trend_svg(fp.trend)),
            "count_now": count_cell(fp.count_now),
            "count_then": None if fp.count_then is None else count_cell(fp.count_then),
            "categories": [[k, count_cell(n), share_cell(s)] for k, n, s in fp.categories],
            "outcomes": [[k, count_cell(n), share_cell(s)] for k, n, s in fp.outcomes],
        }
        for fp in pack.focus
    ]
    note = pack.changes.notes[0] if pack.changes is not None and pack.changes.notes else ""
    more = f" {pack.more} smaller hotspots are not listed (see the dashboard)." if pack.more else ""
    return render(
        "pack.html.j2",
        pack=pack,
        css=trusted(_CSS),
        attribution=ATTRIBUTION,
        then=then,
        map_svg=trusted(_map_svg(pack)),
        labels=pack.labels,
        map_note=map_note(pack.view, pack.streets is not None and len(pack.streets) > 0),
        legend=[
            (k, CLASS_COLOURS[k])
            for k in ("new", "growing", "persistent", "shrinking", "too few to tell", "")
        ],
        key=[(r.label, r.name) for r in pack.table.itertuples()],
        rows=rows,
        gone_rows=gone_rows,
        note=note,
        more=more,
        mix_rows=[
            [r.label, r.name, count_cell(r.records), r.categories, r.outcomes]
            for r in pack.mix.itertuples()
        ],
        panels=panels,
        gap_note=GAP_NOTE,
    )
