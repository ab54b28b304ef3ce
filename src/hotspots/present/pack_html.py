"""The PCG pack as one self-contained HTML file: inline SVG maps and charts, print CSS.

Nothing is fetched: no tiles, fonts, scripts or images from elsewhere, so the file
opens offline and prints one panel per A4 landscape page (``@page``, a page break
after each ``section``). Every data string is escaped (:func:`html.escape`).
"""

from __future__ import annotations

import html
from collections.abc import Collection

import pandas as pd

from hotspots.data.boundaries import ATTRIBUTION
from hotspots.present.chart import chart_svg
from hotspots.present.pack import Pack
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


def _table(header: list[str], rows: list[list], numeric: Collection[int] = frozenset()) -> str:
    th = "".join(
        f'<th class="{"n" if i in numeric else ""}">{_e(h)}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(f'<td class="{"n" if i in numeric else ""}">{_e(v)}</td>' for i, v in enumerate(r)) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


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
    """The pack as a self-contained HTML document (string)."""
    S_: list[str] = []
    banner = '<p class="banner">SIMULATED DATA – not real crimes</p>' if pack.simulated else ""
    S_.append(
        f"<section>{banner}<p class=\"sub\">{_e(pack.title)}</p><h1>{_e(pack.period)}</h1>"
        + "".join(f"<p>{_e(x)}</p>" for x in pack.cover_lines)
        + "<h2>Read with care</h2><ul>" + "".join(f"<li>{_e(c)}</li>" for c in pack.caveats) + "</ul>"
        + f'<p class="small">Generated {_e(pack.generated)} by the Safer BCP hotspots tool.</p>'
        + f'<p class="small">{_e(ATTRIBUTION)}</p></section>'
    )  # fmt: skip
    then = pack.changes.then.label if pack.changes is not None else None
    legend = "".join(
        f'<div><span class="sw" style="background:{CLASS_COLOURS[k]}"></span>{_e(k or "no comparison")}</div>'
        for k in ("new", "growing", "persistent", "shrinking", "too few to tell", "")
    )
    key = "".join(f"<div>{int(r.rank)}. {_e(r.name)}</div>" for r in pack.table.itertuples())
    S_.append(
        f'<section><h2>Hotspots, {_e(pack.period)}</h2><p class="sub">The {len(pack.table)} largest '
        f"hotspots, numbered by rank and coloured by change{' against ' + _e(then) if then else ''}. "
        "Grey lines are ward boundaries; dots are named places. No background map.</p>"
        f'<div class="cols"><div style="flex:3">{_map_svg(pack)}</div>'
        f'<div class="key" style="flex:1"><b>Class</b>{legend}<br>{key}</div></div></section>'
    )
    rows = [
        [r.rank, r.name, r.ward, f"{r.records_now:,}",
         "" if pd.isna(r.records_then) else f"{int(r.records_then):,}", r.change, r.change_class]
        for r in pack.table.itertuples(index=False)
    ]  # fmt: skip
    gone = ""
    if len(pack.gone):
        shown_gone = (
            f", the {_GONE_ROWS} with most records then" if len(pack.gone) > _GONE_ROWS else ""
        )
        gone = f"<h2 class=\"g\">Gone: {len(pack.gone)} hotspots of the comparison period overlap none now{shown_gone}</h2>" + _table(
            ["Name", "Ward", "Records then", "Records now"],
            [[r.name, r.ward, f"{r.records_then:,}", f"{r.records_now:,}"] for r in pack.gone.iloc[:_GONE_ROWS].itertuples()],
            {2, 3},
        )  # fmt: skip
    note = _e(pack.changes.notes[0]) if pack.changes is not None and pack.changes.notes else ""
    more = f" {pack.more} smaller hotspots are not listed (see the dashboard)." if pack.more else ""
    S_.append(
        f'<section><h2>Ranked hotspots and change</h2><p class="sub">{note}{_e(more)}</p>'
        + _table(
            [
                "Rank",
                "Name",
                "Ward",
                f"Records {pack.now.label}",
                f"Records {then or 'then'}",
                "Change (95% interval)",
                "Class",
            ],
            rows,
            {0, 3, 4},
        )  # fmt: skip
        + gone
        + "</section>"
    )
    S_.append(
        f'<section><h2>What and with what outcome, per hotspot</h2><p class="sub">Records inside '
        f"each hotspot's outline, {_e(pack.period)}: the three commonest categories and police.uk "
        "last outcomes, as shares of its records.</p>"
        + _table(
            ["Rank", "Name", "Records", "Categories", "Outcomes"],
            [
                [r.rank, r.name, f"{r.records:,}", r.categories, r.outcomes]
                for r in pack.mix.itertuples()
            ],
            {0, 2},
        )  # fmt: skip
        + "</section>"
    )
    for fp in pack.focus:
        head = f'<section><h2>Focus area: {_e(fp.name)}</h2><p class="sub">{_e(fp.note)} Area: {_e(fp.area_name)}.</p>'
        if fp.error:
            S_.append(head + f"<p>{_e(fp.error)}</p></section>")
            continue
        facts = [f"<p><b>Records {_e(pack.now.label)}: {fp.count_now:,}</b></p>"]
        if fp.count_then is not None:
            facts.append(
                f"<p>Records {_e(then)}: {fp.count_then:,}<br>Change per month: {_e(fp.change)}</p>"
            )
            facts.append(f'<p class="small">{_e(fp.interval_basis)}</p>')
        elif pack.then is not None:
            facts.append(f"<p>No data for {_e(pack.then.label)}: no change can be given.</p>")
        hs = "".join(
            f"<li>{r}. {_e(n)}{' (' + _e(c) + ')' if c else ''}</li>" for r, n, c in fp.hotspots
        )
        facts.append(
            f'<p><b>Current hotspots here: {len(fp.hotspots)}</b></p><ul class="key">{hs}</ul>'
        )
        mix = _table(["Category", "Records", "Share"], [[k, f"{n:,}", f"{round(100 * s)}%"] for k, n, s in fp.categories], {1, 2}) + _table(
            ["Last outcome (police.uk)", "Records", "Share"], [[k, f"{n:,}", f"{round(100 * s)}%"] for k, n, s in fp.outcomes], {1, 2}
        )  # fmt: skip
        S_.append(
            head + f'<div class="cols"><div style="flex:3">{_trend_svg(fp.trend)}'
            f'<p class="small">{_e(GAP_NOTE)}</p></div>'
            f'<div style="flex:2">{"".join(facts)}</div></div><div class="cols">{mix}</div></section>'
        )  # fmt: skip
    S_.append(
        f'<section><h2>How the hotspots were found</h2><p class="sub">{_e(pack.result.method_label)}.</p>'
        + _table(["Setting", "Value"], [list(s) for s in pack.settings])
        + "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in pack.notes) + "</ul></section>"
    )  # fmt: skip
    title = _e(f"{pack.title}, {pack.period}")
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        f"<body>{''.join(S_)}</body></html>"
    )
