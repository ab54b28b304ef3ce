"""One-page ward reports for councillors, as self-contained HTML and as PDF.

The figures travel in a :class:`WardReport` (or a plain dict with the same keys,
see :func:`coerce_report`); :func:`ward_report_figures` computes one from
canonical records. :func:`ward_report_html` and :func:`ward_report_pdf` lay it
out. Both apply disclosure control (``suppress_below``, default 5): counts from 1
to 4 read ``<5`` and, so that a total cannot give a withheld category away,
small categories are combined into "Other categories" until that row is 0 or at
least 5 (complementary suppression by aggregation). Monthly trend, location and
hotspot counts are withheld one by one.

All text from data or users is HTML-escaped in the HTML report. PDF text uses
DejaVu Sans when it is installed (full Unicode); otherwise fpdf2's core
Helvetica, which only has Latin-1, and text is transliterated ("–" -> "-").

The "SIMULATED DATA" banner is drawn whenever ``simulated`` is set.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.data import schema as S
from hotspots.data.boundaries import ATTRIBUTION
from hotspots.data.select import month_range
from hotspots.errors import InputError
from hotspots.present import palettes as P
from hotspots.present.tables import (
    DEFAULT_SUPPRESS_BELOW,
    format_count,
    is_suppressed,
    location_counts,
)

__all__ = [
    "CategoryRow",
    "WardReport",
    "coerce_report",
    "ward_report_figures",
    "category_rows",
    "format_change",
    "svg_bar_chart",
    "ward_report_html",
    "ward_report_pdf",
    "DEJAVU_DIR",
]

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class CategoryRow:
    """Records of one category in the window and in the same months a year earlier."""

    category: str
    count: int
    previous: int | None = None


@dataclass(frozen=True)
class WardReport:
    """The figures of a one-page ward report.

    Attributes
    ----------
    ward_name : the ward, as written in the boundaries.
    window : (first, last) month ``YYYY-MM``, inclusive.
    categories : records by category, largest first.
    previous_window : the months compared with (a year earlier), None if no data.
    trend : (month, records) pairs, oldest first; None for months with no data.
    top_locations : (location text, records) pairs.
    hotspots : (rank, name, records) of hotspots in or touching the ward.
    attribution : data attribution printed at the foot.
    simulated : draw the "SIMULATED DATA" banner.
    notes : extra lines printed above the attribution.
    generated : date of the report (ISO), default today.
    title : heading above the ward name.
    """

    ward_name: str
    window: tuple[str, str]
    categories: tuple[CategoryRow, ...] = ()
    previous_window: tuple[str, str] | None = None
    trend: tuple[tuple[str, int | None], ...] = ()
    top_locations: tuple[tuple[str, int], ...] = ()
    hotspots: tuple[tuple[int, str, int], ...] = ()
    attribution: str = ATTRIBUTION
    simulated: bool = False
    notes: tuple[str, ...] = ()
    generated: str = field(default_factory=lambda: _dt.date.today().isoformat())
    title: str = "Crime and anti-social behaviour: ward summary"

    @property
    def total(self) -> int:
        return int(sum(c.count for c in self.categories))

    @property
    def previous_total(self) -> int | None:
        if self.previous_window is None or any(c.previous is None for c in self.categories):
            return None
        return int(sum(c.previous or 0 for c in self.categories))


def _pairs(value: Any, n: int, argument: str) -> tuple[tuple, ...]:
    out = []
    for item in value or ():
        if isinstance(item, Mapping):
            item = tuple(item.values())
        item = tuple(item)
        if len(item) != n:
            raise InputError(argument, item, f"items of {n} values")
        out.append(item)
    return tuple(out)


def coerce_report(report: WardReport | Mapping[str, Any]) -> WardReport:
    """A :class:`WardReport` from itself or from a plain dict with the same keys.

    ``categories`` may be a list of :class:`CategoryRow`, of dicts with
    ``category``, ``count`` and ``previous``, of ``(category, count[, previous])``
    tuples, or a ``{category: count}`` / ``{category: (count, previous)}`` mapping.
    """
    if isinstance(report, WardReport):
        return report
    if not isinstance(report, Mapping):
        raise InputError("report", type(report).__name__, "a WardReport or a dict of figures")
    d = dict(report)
    for key in ("ward_name", "window"):
        if key not in d:
            raise InputError("report", sorted(d), f"a dict with '{key}'")
    cats = d.get("categories") or ()
    rows: list[CategoryRow] = []
    items = list(cats.items()) if isinstance(cats, Mapping) else list(cats)
    for item in items:
        if isinstance(item, CategoryRow):
            rows.append(item)
        elif isinstance(item, Mapping):
            rows.append(
                CategoryRow(
                    str(item["category"]), int(item["count"]), _opt_int(item.get("previous"))
                )
            )
        else:
            name, val = item[0], item[1:]
            if len(val) == 1 and isinstance(val[0], (tuple, list)):
                val = tuple(val[0])
            rows.append(
                CategoryRow(str(name), int(val[0]), _opt_int(val[1]) if len(val) > 1 else None)
            )
    window = tuple(d["window"])
    prev = d.get("previous_window")
    return WardReport(
        ward_name=str(d["ward_name"]),
        window=(str(window[0]), str(window[-1])),
        categories=tuple(rows),
        previous_window=None if prev is None else (str(prev[0]), str(prev[-1])),
        trend=tuple((str(m), _opt_int(v)) for m, v in _pairs(d.get("trend"), 2, "trend")),
        top_locations=tuple(
            (str(t), int(v)) for t, v in _pairs(d.get("top_locations"), 2, "top_locations")
        ),
        hotspots=tuple(
            (int(r), str(nm), int(v)) for r, nm, v in _pairs(d.get("hotspots"), 3, "hotspots")
        ),
        attribution=str(d.get("attribution", ATTRIBUTION)),
        simulated=bool(d.get("simulated", False)),
        notes=tuple(str(n) for n in d.get("notes", ())),
        generated=str(d.get("generated") or _dt.date.today().isoformat()),
        title=str(d.get("title", WardReport.__dataclass_fields__["title"].default)),
    )


def _opt_int(v: Any) -> int | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(v)


# --- figures from records ---------------------------------------------------------------
def _shift_year(month: str, years: int = -1) -> str:
    y, m = month.split("-")
    return f"{int(y) + years:04d}-{m}"


def ward_report_figures(
    records: pd.DataFrame,
    ward: str,
    window: tuple[str, str],
    *,
    hotspots: pd.DataFrame | None = None,
    available_months: Sequence[str] | None = None,
    top_n: int = 5,
    trend_months: int = 12,
    generated: str | None = None,
) -> WardReport:
    """Compute the figures of a ward report from canonical records.

    Parameters
    ----------
    records : canonical records (any area; the ward is selected by ``ward_name`` or
        ``ward_code``).
    ward : a ward name or code (case-insensitive).
    window : (first, last) month, inclusive.
    hotspots : hotspot table (:data:`hotspots.data.schema.HOTSPOT_COLUMNS`); rows whose
        ``ward_name`` is the ward are listed.
    available_months : months the data covers (default: months present in
        ``records``). A comparison a year back is made only if every month of it is
        covered; otherwise it reads "no data" rather than a misleading zero.
    top_n : number of top locations.
    trend_months : months shown in the trend, ending with the window's last month;
        months not covered are shown as "no data".
    """
    start, end = window
    if start > end:
        raise InputError("window", window, "(first, last) months with first not after last")
    names = records[S.WARD_NAME].astype("string")
    codes = records[S.WARD_CODE].astype("string")
    key = str(ward).strip().lower()
    in_ward = (
        ((names.str.lower() == key) | (codes.str.lower() == key)).fillna(False).to_numpy(dtype=bool)
    )
    if not in_ward.any():
        known = sorted(set(names.dropna()))
        raise InputError(
            "ward",
            ward,
            "a ward name or code present in the records",
            f"Wards: {', '.join(known)}.",
        )
    ward_name = str(names[in_ward].iloc[0])
    recs = records[in_ward]
    months = recs[S.MONTH].astype("string")
    covered = (
        set(available_months)
        if available_months is not None
        else set(records[S.MONTH].dropna().astype(str))
    )
    win_months = month_range(start, end)
    prev_months = [_shift_year(m) for m in win_months]
    has_prev = all(m in covered for m in prev_months)
    now = recs[months.isin(win_months).fillna(False).to_numpy(dtype=bool)]
    before = (
        recs[months.isin(prev_months).fillna(False).to_numpy(dtype=bool)]
        if has_prev
        else recs.iloc[0:0]
    )
    c_now = now[S.CATEGORY].value_counts()
    c_before = before[S.CATEGORY].value_counts()
    cats = [c for c in S.CATEGORIES if c_now.get(c, 0) > 0 or (has_prev and c_before.get(c, 0) > 0)]
    rows = [
        CategoryRow(c, int(c_now.get(c, 0)), int(c_before.get(c, 0)) if has_prev else None)
        for c in cats
    ]
    rows.sort(key=lambda r: (-r.count, r.category))
    trend_list = month_range(_add_months(end, 1 - max(1, int(trend_months))), end)
    per_month = months.value_counts()
    trend_list = trend_list[
        next((i for i, m in enumerate(trend_list) if m in covered), len(trend_list)) :
    ]
    trend = tuple((m, int(per_month.get(m, 0)) if m in covered else None) for m in trend_list)
    locs = location_counts(now).head(top_n)
    top = tuple(
        (str(t), int(n))
        for t, n in zip(locs[S.LOCATION].fillna("Unknown location"), locs[S.COUNT], strict=True)
    )
    hs: tuple[tuple[int, str, int], ...] = ()
    if hotspots is not None and len(hotspots) and S.WARD_NAME in hotspots.columns:
        h = hotspots[
            hotspots[S.WARD_NAME].astype("string").str.lower().fillna("") == ward_name.lower()
        ]
        if S.RANK in h.columns:
            h = h.sort_values(S.RANK)
        hs = tuple((int(r[S.RANK]), str(r[S.NAME]), int(r[S.COUNT])) for _, r in h.iterrows())
    notes = []
    if not has_prev:
        notes.append("No comparison with a year earlier: the data do not cover those months.")
    simulated = (
        bool(recs[S.SIMULATED].fillna(False).astype(bool).any())
        if S.SIMULATED in recs.columns
        else False
    )
    return WardReport(
        ward_name=ward_name,
        window=(start, end),
        categories=tuple(rows),
        previous_window=(prev_months[0], prev_months[-1]) if has_prev else None,
        trend=trend,
        top_locations=top,
        hotspots=hs,
        simulated=simulated,
        notes=tuple(notes),
        generated=generated or _dt.date.today().isoformat(),
    )


def _add_months(month: str, k: int) -> str:
    y, m = (int(v) for v in month.split("-"))
    t = y * 12 + (m - 1) + k
    return f"{t // 12:04d}-{t % 12 + 1:02d}"


# --- disclosure-controlled rows -------------------------------------------------------------
def format_change(now: int | None, before: int | None, suppress_below: int | None = None) -> str:
    """``"+12 (+25%)"``; ``"no data"`` without a comparison; ``"–"`` if either count is withheld."""
    if before is None or now is None:
        return "no data"
    if is_suppressed(now, suppress_below) or is_suppressed(before, suppress_below):
        return "–"
    diff = now - before
    if before == 0:
        return "new" if now > 0 else "0"
    return f"{diff:+,} ({diff / before:+.0%})"


def category_rows(
    report: WardReport, suppress_below: int | None = DEFAULT_SUPPRESS_BELOW
) -> list[tuple[str, str, str, str]]:
    """Table rows ``(category, records, a year earlier, change)`` plus a total row, as text.

    Categories with a count (now or a year earlier) from 1 to ``suppress_below - 1``
    are combined into "Other categories (combined)"; while that row is itself
    between 1 and ``suppress_below - 1``, the next smallest category joins it.
    """
    k = suppress_below or None
    cats = list(report.categories)
    small = [c for c in cats if is_suppressed(c.count, k) or is_suppressed(c.previous, k)]
    big = [c for c in cats if c not in small]

    def pooled(group: list[CategoryRow]) -> tuple[int, int | None]:
        now = sum(c.count for c in group)
        prev = (
            None if any(c.previous is None for c in group) else sum(c.previous or 0 for c in group)
        )
        return now, prev

    if k and small:
        big.sort(
            key=lambda c: (
                min(c.count, c.previous if c.previous is not None else c.count),
                c.category,
            )
        )
        while big and (is_suppressed(pooled(small)[0], k) or is_suppressed(pooled(small)[1], k)):
            small.append(big.pop(0))
        big.sort(key=lambda c: (-c.count, c.category))
    out = [
        (
            c.category,
            format_count(c.count, k),
            format_count(c.previous, k),
            format_change(c.count, c.previous, k),
        )
        for c in (big if k else cats)
    ]
    if k and small:
        now, prev = pooled(small)
        label = f"Other categories ({len(small)} combined)"
        out.append(
            (label, format_count(now, k), format_count(prev, k), format_change(now, prev, k))
        )
    total, ptotal = report.total, report.previous_total
    out.append(
        (
            "All categories",
            format_count(total, k),
            format_count(ptotal, k),
            format_change(total, ptotal, k),
        )
    )
    return out


# --- charts -------------------------------------------------------------------------------------
def _month_label(month: str) -> str:
    try:
        return _dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")
    except ValueError:
        return month


def _axis(vmax: float, max_ticks: int = 5) -> tuple[float, float]:
    """(axis top, tick step): a step of 1, 2 or 5 times a power of ten, whole numbers."""
    if vmax <= 0:
        return 1.0, 1.0
    raw = vmax / max_ticks
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    step = max(1.0, step)
    return step * math.ceil(vmax / step), step


def svg_bar_chart(
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 220,
    suppress_below: int | None = None,
    colour: str = P.OKABE_ITO[5],
) -> str:
    """A bar chart as inline SVG (no script), with title, axis labels and value labels.

    ``None`` values are marked "no data"; withheld values get no bar and a ``<k``
    label. All text is escaped.
    """
    left, right, top, bottom = 48, 10, 28, 46
    pw, ph = width - left - right, height - top - bottom
    shown = [v for v in values if v is not None and not is_suppressed(v, suppress_below)]
    vmax, step = _axis(max(shown) if shown else 0)
    n = max(1, len(values))
    bw = pw / n
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}" font-family="sans-serif">',
        f"<title>{e(title)}</title>",
        f'<text x="{width / 2:.0f}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{e(title)}</text>',
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>',
    ]
    for t in range(round(vmax / step) + 1):
        val = t * step
        y = top + ph - ph * val / vmax
        parts.append(f'<line x1="{left - 3}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#333"/>')
        parts.append(
            f'<text x="{left - 5}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{e(f"{val:,.0f}")}</text>'
        )
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * bw
        cx = x + bw / 2
        if v is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - 4}" text-anchor="middle" font-size="9" fill="#666">no data</text>'
            )
        elif is_suppressed(v, suppress_below):
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - 4}" text-anchor="middle" font-size="10">&lt;{suppress_below}</text>'
            )
        else:
            h = ph * v / vmax
            parts.append(
                f'<rect x="{x + bw * 0.15:.1f}" y="{top + ph - h:.1f}" width="{bw * 0.7:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - h - 3:.1f}" text-anchor="middle" font-size="10">{e(f"{v:,}")}</text>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + ph + 13}" text-anchor="middle" font-size="9">{e(str(lab))}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle" font-size="11">{e(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(12,{top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="11">{e(y_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --- HTML -------------------------------------------------------------------------------------------
_HTML_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #111; margin: 1.5em auto; max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 0.1em; } h2 { font-size: 12pt; margin: 1em 0 0.3em; }
.sub { color: #444; margin: 0 0 0.6em; }
.banner { background: #D55E00; color: #fff; font-weight: bold; padding: 0.4em 0.8em; letter-spacing: 0.05em; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border-bottom: 1px solid #ccc; padding: 2px 6px; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 2px solid #333; }
.cols { display: flex; gap: 1.5em; } .cols > div { flex: 1; }
.foot { font-size: 8pt; color: #444; margin-top: 1em; }
@page { size: A4; margin: 12mm; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
"""


def _window_text(window: tuple[str, str]) -> str:
    a, b = window
    return _month_label(a) if a == b else f"{_month_label(a)} – {_month_label(b)}"


def ward_report_html(
    report: WardReport | Mapping[str, Any], *, suppress_below: int | None = DEFAULT_SUPPRESS_BELOW
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script, print CSS)."""
    r = coerce_report(report)
    k = suppress_below or None
    e = html.escape
    n_months = len(month_range(*r.window))
    comp = f" Compared with {e(_window_text(r.previous_window))}." if r.previous_window else ""
    total_line = f"{format_count(r.total, k)} records"
    if r.previous_total is not None:
        total_line += f" ({format_change(r.total, r.previous_total, k)} on a year earlier)"
    rows = category_rows(r, k)
    body_rows = "".join(
        f'<tr{" class=total" if i == len(rows) - 1 else ""}><td>{e(c)}</td><td class="n">{e(a)}</td>'
        f'<td class="n">{e(b)}</td><td class="n">{e(d)}</td></tr>'
        for i, (c, a, b, d) in enumerate(rows)
    )
    chart = svg_bar_chart(
        [_month_label(m) .replace(" 20", " '") for m, _ in r.trend],
        [v for _, v in r.trend],
        title=f"Records per month, {r.ward_name}",
        x_label="Month",
        y_label="Records",
        suppress_below=k,
    ) if r.trend else ""  # fmt: skip
    locs = (
        "".join(
            f'<tr><td>{e(t)}</td><td class="n">{e(format_count(n, k))}</td></tr>'
            for t, n in r.top_locations
        )
        or '<tr><td colspan="2">None</td></tr>'
    )
    hs = (
        "".join(
            f'<tr><td>{rank}</td><td>{e(name)}</td><td class="n">{e(format_count(n, k))}</td></tr>'
            for rank, name, n in r.hotspots
        )
        or '<tr><td colspan="3">No hotspot in this ward for these settings.</td></tr>'
    )
    notes = list(r.notes)
    if k:
        notes.append(
            f"Counts from 1 to {k - 1} are shown as <{k}; small categories are combined so that "
            "totals cannot reveal them."
        )
    banner = '<div class="banner">SIMULATED DATA – not real crimes</div>' if r.simulated else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(r.ward_name)} ward report, {e(_window_text(r.window))}</title>
<style>{_HTML_CSS}</style></head>
<body>
{banner}
<p class="sub">{e(r.title)}</p>
<h1>{e(r.ward_name)} ward</h1>
<p class="sub">{e(_window_text(r.window))} ({n_months} month{"s" if n_months != 1 else ""}).{comp}
Generated {e(r.generated)}.</p>
<p><strong>{e(total_line)}</strong></p>
<h2>Records by category</h2>
<table><thead><tr><th>Category</th><th class="n">Records</th><th class="n">A year earlier</th>
<th class="n">Change</th></tr></thead><tbody>{body_rows}</tbody></table>
<h2>Trend</h2>
{chart}
<div class="cols"><div><h2>Top locations</h2><table><thead><tr><th>Location</th><th class="n">Records</th></tr>
</thead><tbody>{locs}</tbody></table></div>
<div><h2>Hotspots</h2><table><thead><tr><th>Rank</th><th>Name</th><th class="n">Records</th></tr></thead>
<tbody>{hs}</tbody></table></div></div>
<div class="foot">{"".join(f"<p>{e(n)}</p>" for n in notes)}<p>{e(r.attribution)}</p></div>
</body></html>
"""


# --- PDF -----------------------------------------------------------------------------------------------
_TRANSLIT = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u20ac": "EUR", "\u2264": "<=", "\u2265": ">=", "\u0141": "L", "\u0142": "l", "\u0110": "D",
    "\u0111": "d", "\u0152": "OE", "\u0153": "oe", "\u0131": "i",
}  # fmt: skip


def _latin1(text: str) -> str:
    """Transliterate to Latin-1 for fpdf2's core fonts ("–" -> "-", "é" kept, "ł" -> "l")."""
    out = []
    for ch in str(text):
        ch = _TRANSLIT.get(ch, ch)
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def ward_report_pdf(
    report: WardReport | Mapping[str, Any],
    *,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    font_dir: str | Path | None = None,
    max_list_rows: int = 5,
) -> bytes:
    """The report as a one-page A4 PDF (fpdf2). Returns the PDF bytes.

    ``font_dir`` holds ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf`` (default
    :data:`DEJAVU_DIR`); without them core Helvetica and transliteration are used.
    Top locations and hotspots are cut to ``max_list_rows`` (with an "and n more"
    line) so that the page holds all 14 categories and 12 months.
    """
    from fpdf import FPDF

    r = coerce_report(report)
    k = suppress_below or None
    fdir = Path(font_dir) if font_dir is not None else DEJAVU_DIR
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=12)
    regular, bold = fdir / "DejaVuSans.ttf", fdir / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        family = "DejaVu"

        def t(s: object) -> str:
            return str(s)
    else:
        family = "Helvetica"
        t = _latin1  # noqa: E731 - same signature as above
    pdf.set_title(t(f"{r.ward_name} ward report, {_window_text(r.window)}"))
    pdf.set_author("Safer BCP Community Safety Partnership")
    pdf.set_creator("hotspots")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    if r.simulated:
        pdf.set_fill_color(*P.hex_to_rgb("#D55E00"))
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(family, "B", 12)
        pdf.cell(
            width,
            8,
            t("SIMULATED DATA – not real crimes"),
            fill=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
        pdf.set_fill_color(255, 255, 255)
        pdf.ln(1)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(68, 68, 68)
    pdf.cell(width, 5, t(r.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(family, "B", 16)
    pdf.cell(width, 8, t(f"{r.ward_name} ward"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    n_months = len(month_range(*r.window))
    sub = f"{_window_text(r.window)} ({n_months} month{'s' if n_months != 1 else ''})."
    if r.previous_window:
        sub += f" Compared with {_window_text(r.previous_window)}."
    sub += f" Generated {r.generated}."
    pdf.multi_cell(width, 4.5, t(sub), new_x="LMARGIN", new_y="NEXT")
    total_line = f"{format_count(r.total, k)} records"
    if r.previous_total is not None:
        total_line += f" ({format_change(r.total, r.previous_total, k)} on a year earlier)"
    pdf.set_font(family, "B", 11)
    pdf.cell(width, 7, t(total_line), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(1.5)
        pdf.set_font(family, "B", 11)
        pdf.cell(width, 6, t(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8.5)

    def more(n: int, what: str) -> None:
        if n > 0:
            pdf.set_font(family, "", 7.5)
            pdf.cell(
                width,
                4,
                t(f"… and {n} more {what} (see the dashboard)."),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font(family, "", 8.5)

    heading("Records by category")
    rows = category_rows(r, k)
    with pdf.table(
        col_widths=(90, 28, 32, 32), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), line_height=4.3,
        first_row_as_headings=True, borders_layout="HORIZONTAL_LINES",
    ) as table:  # fmt: skip
        table.row([t("Category"), t("Records"), t("A year earlier"), t("Change")])
        for c, a, b, d in rows:
            table.row([t(c), t(a), t(b), t(d)])

    if r.trend:
        heading("Trend: records per month")
        _pdf_bars(pdf, family, t, r.trend, k, width)

    heading("Top locations")
    with pdf.table(col_widths=(140, 42), text_align=("LEFT", "RIGHT"), line_height=4.3,
                   borders_layout="HORIZONTAL_LINES") as table:  # fmt: skip
        table.row([t("Location"), t("Records")])
        for loc, n in r.top_locations[:max_list_rows] or (("None", None),):
            table.row([t(loc), t(format_count(n, k) if n is not None else "")])
    more(len(r.top_locations) - max_list_rows, "locations")
    heading("Hotspots")
    if r.hotspots:
        with pdf.table(col_widths=(16, 124, 42), text_align=("LEFT", "LEFT", "RIGHT"), line_height=4.3,
                       borders_layout="HORIZONTAL_LINES") as table:  # fmt: skip
            table.row([t("Rank"), t("Name"), t("Records")])
            for rank, name, n in r.hotspots[:max_list_rows]:
                table.row([t(str(rank)), t(name), t(format_count(n, k))])
        more(len(r.hotspots) - max_list_rows, "hotspots")
    else:
        pdf.cell(
            width,
            5,
            t("No hotspot in this ward for these settings."),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    notes = list(r.notes)
    if k:
        notes.append(
            f"Counts from 1 to {k - 1} are shown as <{k}; small categories are combined so that "
            "totals cannot reveal them."
        )
    pdf.ln(2)
    pdf.set_font(family, "", 7)
    pdf.set_text_color(68, 68, 68)
    for n in [*notes, r.attribution]:
        pdf.multi_cell(width, 3.4, t(n), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_bars(
    pdf: Any,
    family: str,
    t: Any,
    trend: Sequence[tuple[str, int | None]],
    k: int | None,
    width: float,
) -> None:
    """A bar chart drawn with rectangles: title above, month labels below, y-axis label."""
    height = 34.0
    x0, y0 = pdf.l_margin + 12, pdf.get_y() + 2
    pw, ph = width - 14, height
    shown = [v for _, v in trend if v is not None and not is_suppressed(v, k)]
    vmax, step = _axis(max(shown) if shown else 0)
    n = max(1, len(trend))
    bw = pw / n
    pdf.set_draw_color(51, 51, 51)
    pdf.line(x0, y0 + ph, x0 + pw, y0 + ph)
    pdf.line(x0, y0, x0, y0 + ph)
    pdf.set_font(family, "", 6.5)
    for i in range(round(vmax / step) + 1):
        val = i * step
        y = y0 + ph - ph * val / vmax
        pdf.line(x0 - 1, y, x0, y)
        pdf.text(x0 - 1.5 - pdf.get_string_width(f"{val:,.0f}"), y + 1, f"{val:,.0f}")
    pdf.set_fill_color(*P.hex_to_rgb(P.OKABE_ITO[5]))
    for i, (m, v) in enumerate(trend):
        x = x0 + i * bw
        label = _month_label(m).replace(" 20", " '")
        pdf.text(x + bw / 2 - pdf.get_string_width(t(label)) / 2, y0 + ph + 3.5, t(label))
        if v is None:
            s = "no data"
        elif is_suppressed(v, k):
            s = f"<{k}"
        else:
            h = ph * v / vmax
            pdf.rect(x + bw * 0.15, y0 + ph - h, bw * 0.7, h, style="F")
            pdf.text(x + bw / 2 - pdf.get_string_width(f"{v:,}") / 2, y0 + ph - h - 0.8, f"{v:,}")
            continue
        pdf.text(x + bw / 2 - pdf.get_string_width(s) / 2, y0 + ph - 1, s)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font(family, "", 7.5)
    with pdf.rotation(90, x0 - 9, y0 + ph / 2):
        pdf.text(x0 - 9 - pdf.get_string_width("Records") / 2, y0 + ph / 2, "Records")
    pdf.text(x0 + pw / 2 - pdf.get_string_width("Month") / 2, y0 + ph + 7.5, "Month")
    pdf.set_y(y0 + ph + 9)
