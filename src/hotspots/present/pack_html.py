"""The PCG pack as one self-contained HTML file: inline SVG maps and charts, print CSS.

Nothing is fetched: no tiles, fonts, scripts or images from elsewhere, so the file
opens offline and prints one panel per A4 landscape page (``@page``, a page break
after each ``section``). The document is the Jinja2 template ``templates/pack.html.j2``
(autoescape on: every data string is escaped); the SVG map and charts are drawn here,
escaping their text (:func:`html.escape`).
"""

from __future__ import annotations

import html

import pandas as pd

from hotspots.data.boundaries import ATTRIBUTION
from hotspots.present.chart import chart_svg
from hotspots.present.pack import Pack, count_cell, share_cell
from hotspots.present.pack_draw import (
    CLASS_COLOURS,
    GAP_NOTE,
    label_points,
    map_bounds,
    place_labels,
    project,
    rings,
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


def _path(ring, f) -> str:
    u, v = f(ring[:, 0], ring[:, 1])
    return "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(u, v, strict=True)) + "Z"


def _map_svg(pack: Pack, w: float = 760, h: float = 560) -> str:
    b = pack.boundaries
    f = project(map_bounds(pack), 0, 0, w, h)
    out = [
        f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="Map of the numbered hotspots">'
    ]
    wards = "".join(_path(r, f) for g in b.wards.geometry for r in rings(g.simplify(15)))
    out.append(f'<path d="{wards}" fill="#F1F1EC" stroke="#B9B9B0" stroke-width="0.6"/>')
    outline = "".join(_path(r, f) for r in rings(b.outline.simplify(15)))
    out.append(f'<path d="{outline}" fill="none" stroke="#444" stroke-width="1.4"/>')
    for _, r in b.gazetteer.iterrows():
        u, v = f(r.geometry.x, r.geometry.y)
        out.append(
            f'<circle cx="{u:.1f}" cy="{v:.1f}" r="1.3" fill="#777"/>'
            f'<text x="{u + 2.5:.1f}" y="{v + 5:.1f}" font-size="7" fill="#555">{_e(r["name"])}</text>'
        )
    cls = dict(zip(pack.table["rank"], pack.table["change_class"], strict=True))
    shown = pack.result.hotspots.iloc[: len(pack.table)]
    for g, rank in zip(shown.geometry, shown["rank"], strict=True):
        d = "".join(_path(r, f) for r in rings(g))
        out.append(
            f'<path d="{d}" fill="{CLASS_COLOURS[cls.get(int(rank), "")]}" stroke="#222" stroke-width="0.6"/>'
        )
    pts = [tuple(map(float, f(x, y))) for x, y in label_points(shown)]
    r = 7.0
    for (px, py), (lx, ly), rank in zip(pts, place_labels(pts, r), shown["rank"], strict=True):
        if (lx, ly) != (px, py):
            out.append(
                f'<line x1="{px:.1f}" y1="{py:.1f}" x2="{lx:.1f}" y2="{ly:.1f}" stroke="#333" stroke-width="0.6"/>'
            )
        out.append(
            f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="{r}" fill="#222" stroke="#fff" stroke-width="1"/>'
            f'<text x="{lx:.1f}" y="{ly + 3:.1f}" font-size="8.5" font-weight="bold" fill="#fff" '
            f'text-anchor="middle" class="rank">{int(rank)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _trend_svg(trend, w: int = 620, h: int = 260) -> str:
    """Records per month on a time axis: months without data shaded, never joined by a line."""
    return chart_svg(trend_chart(trend, apostrophe="\u2019"), w, h)


def pack_html(pack: Pack) -> str:
    """The pack as a self-contained HTML document (string), from ``templates/pack.html.j2``.

    The template escapes every value (autoescape on); only the CSS and the SVG drawn
    here are passed as trusted markup.
    """
    from hotspots.present.templating import render, trusted

    then = pack.changes.then.label if pack.changes is not None else None
    rows = [
        [r.rank, r.name, r.ward, count_cell(r.records_now),
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
        legend=[
            (k, CLASS_COLOURS[k])
            for k in ("new", "growing", "persistent", "shrinking", "too few to tell", "")
        ],
        key=[(int(r.rank), r.name) for r in pack.table.itertuples()],
        rows=rows,
        gone_rows=gone_rows,
        note=note,
        more=more,
        mix_rows=[
            [r.rank, r.name, count_cell(r.records), r.categories, r.outcomes]
            for r in pack.mix.itertuples()
        ],
        panels=panels,
        gap_note=GAP_NOTE,
    )
