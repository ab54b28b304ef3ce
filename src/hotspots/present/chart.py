"""One chart model for the printed outputs, drawn as inline SVG (HTML) and as fpdf2 vectors (PDF).

A :class:`Chart` says what a chart shows: one series of values over labelled
points (months), the axis (:meth:`Chart.axis`, a round top and step), titles, a
source line, an optional uncertainty band, and which values are withheld by
disclosure control. :func:`chart_svg` and :func:`chart_pdf` draw the same chart;
neither computes a figure. The ward report (:mod:`hotspots.present.reports`)
draws bars, the PCG pack (:mod:`hotspots.present.pack_html`,
:mod:`hotspots.present.pack_pdf`) a line on a time axis. The dashboard pages use
Altair instead (:mod:`hotspots.present.charts`).

Conventions kept by both renderers: ``None`` is a point with no data (a bar reads
"no data"; a line leaves a shaded gap and is never drawn across it); a count from
1 to ``suppress_below - 1`` gets no bar and reads ``<k``; all text is escaped in
SVG and passed through the PDF's text function (:func:`hotspots.present.pdf_text.use_fonts`).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hotspots.errors import InputError
from hotspots.present import palettes as P
from hotspots.present.tables import is_suppressed

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Chart", "chart_pdf", "chart_svg", "month_chart", "month_label", "nice_axis"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_axis(vmax: float, max_ticks: int = 5) -> tuple[float, float]:
    """(axis top, tick step): a step of 1, 2 or 5 times a power of ten, whole numbers."""
    if vmax <= 0:
        return 1.0, 1.0
    raw = vmax / max_ticks
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    step = max(1.0, step)
    return step * math.ceil(vmax / step), step


@dataclass(frozen=True)
class Chart:
    """What a chart shows, for :func:`chart_svg` and :func:`chart_pdf`.

    Attributes
    ----------
    kind : ``"bar"`` (one bar per label, value written above it) or ``"line"``
        (points joined in order, gaps where a value is None).
    labels : the x labels, one per value, as printed.
    values : the series; None where there is no data.
    title : the chart's title (SVG title and accessible name; a PDF page gives it
        as a heading).
    x_label, y_label : axis titles (bar charts print them).
    source : a source line printed under the chart ("" for none).
    band : optional (low, high) per value, e.g. a 95% interval, shaded behind a
        line; None where not known.
    suppress_below : counts from 1 to this minus 1 are withheld (bar charts).
    colour : the series colour.
    gap_note : printed (PDF) when a line chart has a gap; HTML pages print it beside.
    """

    kind: Literal["bar", "line"]
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    source: str = ""
    band: tuple[tuple[float | None, float | None], ...] | None = None
    suppress_below: int | None = None
    colour: str = P.OKABE_ITO[5]
    gap_note: str = ""

    def __post_init__(self) -> None:
        """Check the chart's kind and that labels and band match the values."""
        if self.kind not in ("bar", "line"):
            raise InputError("kind", self.kind, '"bar" or "line"')
        if len(self.labels) != len(self.values):
            raise InputError(
                "labels",
                len(self.labels),
                f"one label per value ({len(self.values)})",
            )
        if self.band is not None and len(self.band) != len(self.values):
            raise InputError(
                "band",
                len(self.band),
                f"one (low, high) per value ({len(self.values)})",
            )

    def withheld(self, value: float | None) -> bool:
        """Return True when ``value`` is a small count withheld from a bar chart."""
        return self.kind == "bar" and is_suppressed(value, self.suppress_below)

    def shown(self) -> list[float]:
        """Return the values drawn: not None and not withheld."""
        return [v for v in self.values if v is not None and not self.withheld(v)]

    def axis(self) -> tuple[float, float]:
        """(top, step) of the value axis: room for every value shown and the band's highs."""
        highs = [hi for _, hi in self.band or () if hi is not None]
        return nice_axis(max([*self.shown(), *highs], default=0))

    @property
    def has_gaps(self) -> bool:
        """Whether some month has no value (drawn as a gap)."""
        return any(v is None for v in self.values)


def month_chart(
    trend: Sequence[tuple[str, float | None]],
    kind: Literal["bar", "line"],
    *,
    apostrophe: str = "'",
    **fields: Any,
) -> Chart:
    """Return a :class:`Chart` of (``YYYY-MM``, value or None) pairs, labelled ``Mar '24``.

    ``apostrophe`` replaces the century (the pack's HTML prints a typographic
    ``’``); other keywords are :class:`Chart` fields.
    """
    labels = tuple(month_label(m).replace(" 20", " " + apostrophe) for m, _ in trend)
    return Chart(kind, labels, tuple(v for _, v in trend), **fields)


def month_label(month: str) -> str:
    """``2024-03`` -> ``Mar 2024``; text that is not a month is returned as it is."""
    try:
        year, mo = int(month[:4]), int(month[5:7])
    except ValueError:
        return month
    return f"{_MONTHS[mo - 1]} {year}" if 1 <= mo <= 12 and year >= 1 else month


# --- SVG -----------------------------------------------------------------------------------------
def chart_svg(chart: Chart, width: int = 640, height: int = 220) -> str:
    """Draw the chart as inline SVG (no script), ``width`` x ``height`` user units; text escaped."""
    if chart.kind == "bar":
        return _svg_bars(chart, width, height)
    return _svg_line(chart, width, height)


def _svg_source(chart: Chart, x: float, y: float) -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="9" fill="#555" class="source">'
        f"{html.escape(chart.source)}</text>"
        if chart.source
        else ""
    )


def _svg_bars(chart: Chart, width: int, height: int) -> str:
    """Bars with the title above, tick labels, a value (or "no data", ``<k``) on each bar."""
    e = html.escape
    left, right, top, bottom = 48, 10, 28, 46
    pw, ph = width - left - right, height - top - bottom
    height += 16 if chart.source else 0
    vmax, step = chart.axis()
    k = chart.suppress_below
    bw = pw / max(1, len(chart.values))
    title = chart.title
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}" '
            'font-family="sans-serif">'
        ),
        f"<title>{e(title)}</title>",
        (
            f'<text x="{width / 2:.0f}" y="16" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{e(title)}</text>'
        ),
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>',
    ]
    for t in range(round(vmax / step) + 1):
        val = t * step
        y = top + ph - ph * val / vmax
        parts.append(f'<line x1="{left - 3}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#333"/>')
        parts.append(
            f'<text x="{left - 5}" y="{y + 3:.1f}" text-anchor="end" '
            f'font-size="10">{e(f"{val:,.0f}")}</text>',
        )
    for i, (lab, v) in enumerate(zip(chart.labels, chart.values, strict=True)):
        x = left + i * bw
        cx = x + bw / 2
        if v is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - 4}" text-anchor="middle" font-size="9" '
                'fill="#666">no data</text>',
            )
        elif chart.withheld(v):
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - 4}" text-anchor="middle" '
                f'font-size="10">&lt;{k}</text>',
            )
        else:
            h = ph * v / vmax
            parts.append(
                f'<rect x="{x + bw * 0.15:.1f}" y="{top + ph - h:.1f}" width="{bw * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{chart.colour}"/>',
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top + ph - h - 3:.1f}" text-anchor="middle" '
                f'font-size="10">{e(f"{v:,}")}</text>',
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + ph + 13}" text-anchor="middle" '
            f'font-size="9">{e(str(lab))}</text>',
        )
    parts.append(
        f'<text x="{left + pw / 2:.0f}" y="{top + ph + bottom - 6}" text-anchor="middle" '
        f'font-size="11">{e(chart.x_label)}</text>',
    )
    parts.append(
        f'<text transform="translate(12,{top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f'font-size="11">{e(chart.y_label)}</text>',
    )
    parts.append(_svg_source(chart, left, height - 4))
    parts.append("</svg>")
    return "".join(parts)


def _runs(chart: Chart) -> list[list[int]]:
    """Return indices of the runs of consecutive values that are not None."""
    runs: list[list[int]] = [[]]
    for i, v in enumerate(chart.values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(i)
    return [r for r in runs if r]


def _band_runs(chart: Chart) -> list[list[tuple[int, float, float]]]:
    """(index, low, high) runs of the band where both ends are known."""
    runs: list[list[tuple[int, float, float]]] = [[]]
    for i, (lo, hi) in enumerate(chart.band or ()):
        if lo is None or hi is None:
            runs.append([])
        else:
            runs[-1].append((i, lo, hi))
    return [r for r in runs if len(r) > 1]


def _pale(colour: str, share: float = 0.22) -> tuple[int, int, int]:
    """``colour`` mixed with white: an opaque band colour that prints the same everywhere."""
    r, g, b = (round(255 - share * (255 - c)) for c in P.hex_to_rgb(colour))
    return r, g, b


def _svg_line(chart: Chart, w: int, h: int) -> str:
    """Points joined in order on a time axis: months without data shaded, never joined."""
    e = html.escape
    vmax, step = chart.axis()
    n = len(chart.values)
    left, bottom, pw, ph = 40, h - 24, w - 60, h - 40
    h += 16 if chart.source else 0
    dx = pw / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * dx, bottom - ph * v / vmax

    out = [f'<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{e(chart.title)}">']
    for i, v in enumerate(chart.values):
        if v is None:
            out.append(
                f'<rect x="{left + (i - 0.5) * dx:.1f}" y="{bottom - ph}" width="{dx:.1f}" '
                f'height="{ph}" fill="#eaeaea"/>',
            )
    for k in range(round(vmax / step) + 1):
        y = bottom - ph * k * step / vmax
        out.append(f'<line x1="{left - 4}" x2="{left + pw + 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="#555">{k * step:,.0f}</text>')  # fmt: skip
    for i, lab in enumerate(chart.labels):
        out.append(
            f'<text x="{left + i * dx:.1f}" y="{bottom + 14}" font-size="9" text-anchor="middle" '
            f'fill="#555">{e(lab)}</text>',
        )
    r, g, b = _pale(chart.colour)
    for band in _band_runs(chart):
        upper = [xy(i, hi) for i, _, hi in band]
        lower = [xy(i, lo) for i, lo, _ in reversed(band)]
        pts = " ".join(f"{a:.1f},{c:.1f}" for a, c in upper + lower)
        out.append(f'<polygon class="band" points="{pts}" fill="rgb({r},{g},{b})"/>')
    for run in _runs(chart):
        s = [xy(i, v) for i in run if (v := chart.values[i]) is not None]
        pts = " ".join(f"{a:.1f},{c:.1f}" for a, c in s)
        out.append(
            f'<polyline class="series" points="{pts}" fill="none" stroke="{chart.colour}" '
            'stroke-width="2.2"/>',
        )
        out += [f'<circle cx="{a:.1f}" cy="{c:.1f}" r="2.8" fill="{chart.colour}"/>' for a, c in s]
    out.append(_svg_source(chart, left, h - 4))
    out.append("</svg>")
    return "".join(out)


# --- PDF -----------------------------------------------------------------------------------------
def chart_pdf(
    pdf: Any,
    chart: Chart,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    family: str,
    text: Callable[[object], str] = str,
) -> None:
    """Draw the chart on an fpdf2 page in the box (``x``, ``y``, ``w``, ``h``; mm).

    ``family`` and ``text`` are what :func:`hotspots.present.pdf_text.use_fonts`
    returned. A bar chart leaves the cursor under the box. The title is not drawn:
    the page's heading gives it.
    """
    if chart.kind == "bar":
        _pdf_bars(pdf, chart, x, y, w, h, family, text)
    else:
        _pdf_line(pdf, chart, x, y, w, h, family, text)


def _pdf_source(pdf: Any, chart: Chart, x: float, y: float, family: str, text: Any) -> None:
    if chart.source:
        pdf.set_font(family, "", 6)
        pdf.set_text_color(80, 80, 80)
        pdf.text(x, y, text(chart.source))
        pdf.set_text_color(0, 0, 0)


def _pdf_bars(
    pdf: Any,
    chart: Chart,
    x: float,
    y: float,
    w: float,
    h: float,
    family: str,
    t: Any,
) -> None:
    """Bars drawn with rectangles: ticks, month labels below, axis titles."""
    src = 3.0 if chart.source else 0.0
    x0, y0 = x + 12, y + 2
    pw, ph = w - 14, h - 11 - src
    vmax, step = chart.axis()
    k = chart.suppress_below
    bw = pw / max(1, len(chart.values))
    pdf.set_draw_color(51, 51, 51)
    pdf.line(x0, y0 + ph, x0 + pw, y0 + ph)
    pdf.line(x0, y0, x0, y0 + ph)
    pdf.set_font(family, "", 6.5)
    for i in range(round(vmax / step) + 1):
        val = i * step
        yy = y0 + ph - ph * val / vmax
        pdf.line(x0 - 1, yy, x0, yy)
        pdf.text(x0 - 1.5 - pdf.get_string_width(f"{val:,.0f}"), yy + 1, f"{val:,.0f}")
    pdf.set_fill_color(*P.hex_to_rgb(chart.colour))
    for i, (label, v) in enumerate(zip(chart.labels, chart.values, strict=True)):
        xx = x0 + i * bw
        pdf.text(xx + bw / 2 - pdf.get_string_width(t(label)) / 2, y0 + ph + 3.5, t(label))
        if v is None:
            s = "no data"
        elif chart.withheld(v):
            s = f"<{k}"
        else:
            hh = ph * v / vmax
            pdf.rect(xx + bw * 0.15, y0 + ph - hh, bw * 0.7, hh, style="F")
            pdf.text(xx + bw / 2 - pdf.get_string_width(f"{v:,}") / 2, y0 + ph - hh - 0.8, f"{v:,}")
            continue
        pdf.text(xx + bw / 2 - pdf.get_string_width(s) / 2, y0 + ph - 1, s)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font(family, "", 7.5)
    yl, xl = t(chart.y_label), t(chart.x_label)
    with pdf.rotation(90, x0 - 9, y0 + ph / 2):
        pdf.text(x0 - 9 - pdf.get_string_width(yl) / 2, y0 + ph / 2, yl)
    pdf.text(x0 + pw / 2 - pdf.get_string_width(xl) / 2, y0 + ph + 7.5, xl)
    _pdf_source(pdf, chart, x0, y0 + ph + 10.5, family, t)
    pdf.set_y(y0 + ph + 9 + src)


def _pdf_line(
    pdf: Any,
    chart: Chart,
    x0: float,
    y0: float,
    w: float,
    h: float,
    family: str,
    t: Any,
) -> None:
    """Points joined in order; months without data shaded, never joined; grey gridlines."""
    src = 3.0 if chart.source else 0.0
    vmax, step = chart.axis()
    values = chart.values
    n = len(values)
    left, bottom = x0 + 11, y0 + h - 7 - src
    pw, ph = w - 13, h - 10 - src
    dx = pw / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * dx, bottom - ph * v / vmax

    def grey_font() -> None:
        pdf.set_font(family, "", 6)
        pdf.set_text_color(80, 80, 80)

    pdf.set_fill_color(235, 235, 235)
    for i, v in enumerate(values):
        if v is None:
            pdf.rect(left + (i - 0.5) * dx, bottom - ph, dx, ph, style="F")
    pdf.set_draw_color(80, 80, 80)
    pdf.set_line_width(0.2)
    pdf.line(left - 2, bottom, left + pw + 2, bottom)
    grey_font()
    for k in range(round(vmax / step) + 1):
        yy = bottom - ph * k * step / vmax
        pdf.set_draw_color(225, 225, 225)
        pdf.line(left - 2, yy, left + pw + 2, yy)
        lab = f"{k * step:,.0f}"
        pdf.text(left - 3 - pdf.get_string_width(lab), yy + 1, lab)
    for i, label in enumerate(chart.labels):
        lab = t(label)
        pdf.text(left + i * dx - pdf.get_string_width(lab) / 2, bottom + 4, lab)
    for band in _band_runs(chart):
        pdf.set_fill_color(*_pale(chart.colour))
        upper = [xy(i, hi) for i, _, hi in band]
        lower = [xy(i, lo) for i, lo, _ in reversed(band)]
        pdf.polygon(upper + lower, style="F")
    pdf.set_draw_color(*P.hex_to_rgb(chart.colour))
    pdf.set_fill_color(*P.hex_to_rgb(chart.colour))
    pdf.set_line_width(0.6)
    for i in range(1, n):
        a, b = values[i - 1], values[i]
        if a is not None and b is not None:
            pdf.line(*xy(i - 1, a), *xy(i, b))
    for i, v in enumerate(values):
        if v is not None:
            u, vv = xy(i, v)
            pdf.ellipse(u - 0.8, vv - 0.8, 1.6, 1.6, style="F")
    if chart.has_gaps and chart.gap_note:
        grey_font()
        pdf.text(left, y0 + 2, t(chart.gap_note))
    _pdf_source(pdf, chart, left, bottom + 7.5, family, t)
