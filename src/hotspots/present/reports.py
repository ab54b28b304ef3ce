"""One-page ward reports for councillors, as self-contained HTML and as PDF.

The figures travel in a :class:`~hotspots.comparison.figures.WardReport` (or a plain
dict with the same keys, see :func:`~hotspots.comparison.figures.coerce_report`);
:func:`~hotspots.comparison.figures.ward_report_figures` computes one from canonical
records (all three re-exported here). :func:`ward_report_html` and
:func:`ward_report_pdf` lay it out, the monthly trend being one
:class:`~hotspots.present.chart.Chart` drawn by both. Both apply disclosure control
(``suppress_below``, default 5): counts from 1 to 4 read ``<5`` and, so that a total cannot give a withheld category away,
small categories are combined into "Other categories" until that row is 0 or at
least 5 (complementary suppression by aggregation). Monthly trend, location and
hotspot counts are withheld one by one.

All text from data or users is HTML-escaped in the HTML report. PDF text uses
DejaVu Sans when it is installed (full Unicode); otherwise fpdf2's core
Helvetica, which only has Latin-1, and text is transliterated ("–" -> "-").

The "SIMULATED DATA" banner is drawn whenever ``simulated`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotspots.comparison.figures import CategoryRow, WardReport, coerce_report, ward_report_figures
from hotspots.data.select import month_range
from hotspots.present import palettes as P
from hotspots.present.chart import Chart, chart_pdf, chart_svg, month_chart, month_label
from hotspots.present.pdf_text import DEJAVU_DIR, use_fonts
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW, format_count, is_suppressed

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = [
    "DEJAVU_DIR",
    "CategoryRow",
    "WardReport",
    "category_rows",
    "coerce_report",
    "format_change",
    "svg_bar_chart",
    "ward_report_figures",
    "ward_report_html",
    "ward_report_pdf",
]


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
    report: WardReport,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
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
            ),
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
            (label, format_count(now, k), format_count(prev, k), format_change(now, prev, k)),
        )
    total, ptotal = report.total, report.previous_total
    out.append(
        (
            "All categories",
            format_count(total, k),
            format_count(ptotal, k),
            format_change(total, ptotal, k),
        ),
    )
    return out


# --- charts -------------------------------------------------------------------------------------
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
    """Return a bar chart as inline SVG (no script), with title, axis labels and value labels.

    ``None`` values are marked "no data"; withheld values get no bar and a ``<k``
    label. All text is escaped. A :class:`~hotspots.present.chart.Chart` drawn by
    :func:`~hotspots.present.chart.chart_svg`.
    """
    chart = Chart("bar", tuple(labels), tuple(values), title=title, x_label=x_label,
                  y_label=y_label, suppress_below=suppress_below, colour=colour)  # fmt: skip
    return chart_svg(chart, width, height)


def _trend_chart(r: WardReport, k: int | None) -> Chart:
    """Return the report's monthly trend: the one chart the HTML and the PDF both draw."""
    return month_chart(r.trend, "bar", title=f"Records per month, {r.ward_name}",
                       x_label="Month", y_label="Records", suppress_below=k)  # fmt: skip


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
    return month_label(a) if a == b else f"{month_label(a)} – {month_label(b)}"


def ward_report_html(
    report: WardReport | Mapping[str, Any],
    *,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
) -> str:
    """Write the report as one self-contained HTML page (inline CSS, SVG; no script; print CSS)."""
    from hotspots.present.templating import render, trusted

    r = coerce_report(report)
    k = suppress_below or None
    total_line = f"{format_count(r.total, k)} records"
    if r.previous_total is not None:
        total_line += f" ({format_change(r.total, r.previous_total, k)} on a year earlier)"
    notes = list(r.notes)
    if k:
        notes.append(
            f"Counts from 1 to {k - 1} are shown as <{k}; small categories are combined so that "
            "totals cannot reveal them.",
        )
    # the template escapes every value; only the CSS and the chart (drawn here) are trusted
    return render(
        "ward_report.html.j2",
        r=r,
        css=trusted(_HTML_CSS),
        window=_window_text(r.window),
        previous_window=_window_text(r.previous_window) if r.previous_window else "",
        n_months=len(month_range(*r.window)),
        total_line=total_line,
        rows=category_rows(r, k),
        chart=trusted(chart_svg(_trend_chart(r, k))) if r.trend else "",
        locations=[(t, format_count(n, k)) for t, n in r.top_locations],
        hotspots=[(rank, name, format_count(n, k)) for rank, name, n in r.hotspots],
        notes=notes,
    )


# --- PDF -----------------------------------------------------------------------------------------------
def ward_report_pdf(
    report: WardReport | Mapping[str, Any],
    *,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    font_dir: str | Path | None = None,
    max_list_rows: int = 5,
) -> bytes:
    """Draw the report as a one-page A4 PDF (fpdf2) and return its bytes.

    ``font_dir`` holds ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf`` (default
    :data:`DEJAVU_DIR`); without them core Helvetica and transliteration are used.
    Top locations and hotspots are cut to ``max_list_rows`` (with an "and n more"
    line) so that the page holds all 14 categories and 12 months.
    """
    from fpdf import FPDF

    r = coerce_report(report)
    k = suppress_below or None
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=12)
    family, t = use_fonts(pdf, font_dir)
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
        chart_pdf(
            pdf,
            _trend_chart(r, k),
            pdf.l_margin,
            pdf.get_y(),
            width,
            45,
            family=family,
            text=t,
        )

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
            "totals cannot reveal them.",
        )
    pdf.ln(2)
    pdf.set_font(family, "", 7)
    pdf.set_text_color(68, 68, 68)
    for line in [*notes, r.attribution]:
        pdf.multi_cell(width, 3.4, t(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
