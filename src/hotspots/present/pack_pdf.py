"""The PCG pack as an A4 landscape PDF (fpdf2), one panel per page, maps drawn as vectors.

Pages: cover; map of the numbered hotspots; ranked table with change; category and
outcome mix per hotspot; one page per focus area; settings and notes
(:attr:`hotspots.present.pack.Pack.n_pages`). Text uses DejaVu Sans where the
system has it (:data:`hotspots.present.pdf_text.DEJAVU_DIR`), else Helvetica with
transliteration to Latin-1, as the ward report does; the focus-area
trend is the :class:`hotspots.present.chart.Chart` that the HTML draws too.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from hotspots.data.boundaries import ATTRIBUTION
from hotspots.present import palettes as P
from hotspots.present.chart import chart_pdf
from hotspots.present.label_layout import Label, layout_labels
from hotspots.present.map_svg import hotspot_streets
from hotspots.present.pack import Pack, count_cell, share_cell
from hotspots.present.pack_draw import (
    CLASS_COLOURS,
    INSET_FRACTION,
    MapView,
    inset_box,
    label_points,
    map_bounds,
    map_note,
    project,
    rings,
    street_mode,
    trend_chart,
)
from hotspots.present.pdf_text import use_fonts

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["pack_pdf"]

_W, _H, _M = 297.0, 210.0, 11.0  # A4 landscape, margin (mm)


class _Doc:
    """fpdf2 document with the pack's fonts and a few drawing helpers."""

    def __init__(self, title: str, font_dir: str | Path | None) -> None:
        from fpdf import FPDF

        self.pdf = pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_margins(_M, _M, _M)
        pdf.set_auto_page_break(False)
        self.family, self.t = use_fonts(pdf, font_dir)
        pdf.set_title(self.t(title))
        pdf.set_author("Safer BCP Community Safety Partnership")
        pdf.set_creator("hotspots")
        self.width = _W - 2 * _M

    def font(self, size: float, bold: bool = False, grey: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*((80, 80, 80) if grey else (0, 0, 0)))

    def page(self, heading: str, sub: str = "") -> None:
        self.pdf.add_page()
        self.font(15, bold=True)
        self.pdf.cell(self.width, 8, self.t(heading), new_x="LMARGIN", new_y="NEXT")
        if sub:
            self.font(8.5, grey=True)
            self.pdf.multi_cell(self.width, 4.2, self.t(sub), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1.5)

    def para(
        self,
        text: str,
        size: float = 9,
        w: float | None = None,
        h: float = 4.6,
        **kw,
    ) -> None:
        self.font(size, **kw)
        self.pdf.multi_cell(w or self.width, h, self.t(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[Any]], widths, align, size=7.5, lh=4.4):
        self.font(size)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.set_draw_color(150, 150, 150)
        self.pdf.set_line_width(0.2)
        with self.pdf.table(
            col_widths=widths, text_align=align, line_height=lh, first_row_as_headings=True,
            borders_layout="HORIZONTAL_LINES", width=sum(widths), align="LEFT",
        ) as tb:  # fmt: skip
            tb.row([self.t(h) for h in header])
            for r in rows:
                tb.row([self.t("" if v is None or v is pd.NA else str(v)) for v in r])

    def disc(self, x: float, y: float, r: float, text: str, fill: str) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*P.hex_to_rgb(fill))
        pdf.set_draw_color(255, 255, 255)
        pdf.set_line_width(0.3)
        pdf.ellipse(x - r, y - r, 2 * r, 2 * r, style="DF")
        self.font(5.6 if len(text) < 3 else 5, bold=True)
        pdf.set_text_color(255, 255, 255)
        tw = pdf.get_string_width(text)
        pdf.text(x - tw / 2, y + 0.95, text)


def _draw_vectors(
    d: _Doc,
    pack: Pack,
    bounds: tuple[float, float, float, float],
    box: tuple[float, float, float, float],
    shown: Any,
    *,
    street_names: str = "near",
    background: Any = None,
    obstacles: tuple[tuple[float, float, float, float], ...] = (),
    r: float = 1.9,
) -> None:
    """One map in ``box`` (x, y, w, h mm).

    Tiles when given, wards, the BCP outline, streets (at street scale), the numbered hotspots,
    street and place names.
    """
    pdf, b = d.pdf, pack.boundaries
    x0, y0, w, h = box
    f = project(bounds, x0, y0, w, h)
    view = shapely.box(*bounds)
    small = (bounds[2] - bounds[0]) < 8000
    tol = 2.0 if small else 15.0

    def poly(geom, fill, stroke, lw):
        for ring in rings(geom):
            u, v = f(ring[:, 0], ring[:, 1])
            pdf.set_line_width(lw)
            if fill:
                pdf.set_fill_color(*P.hex_to_rgb(fill))
            pdf.set_draw_color(*P.hex_to_rgb(stroke))
            pdf.polygon(list(zip(u.tolist(), v.tolist(), strict=True)), style="DF" if fill else "D")

    tiles = background is not None and background.ok
    with pdf.rect_clip(x0, y0, w, h):  # a smaller area's map: wards beyond it are cut off
        if tiles:
            u0, v0 = f(background.bounds[0], background.bounds[3])
            u1, v1 = f(background.bounds[2], background.bounds[1])
            pdf.image(io.BytesIO(background.image), float(u0), float(v0), float(u1 - u0),
                      float(v1 - v0))  # fmt: skip
        else:
            pdf.set_fill_color(255, 255, 255)
            pdf.rect(x0, y0, w, h, style="F")
        for g in b.wards.geometry:
            if g.intersects(view):
                poly(
                    g.simplify(tol),
                    None if tiles else "#F1F1EC",
                    "#77776F" if tiles else "#B9B9B0",
                    0.15,
                )
        poly(b.outline.simplify(tol), None, "#444444", 0.45)
        if small and pack.streets is not None and len(pack.streets):
            st = pack.streets.streets
            lines = st[(st.geometry.geom_type == "LineString") & st.intersects(view)]
            pdf.set_draw_color(154, 154, 154)
            pdf.set_line_width(0.6)
            for g in lines.geometry:
                u, v = f(*np.asarray(g.coords).T)
                pdf.polyline(list(zip(u.tolist(), v.tolist(), strict=True)))
        cls = dict(zip(pack.table["rank"], pack.table["change_class"], strict=True))
        with pdf.local_context(fill_opacity=0.5 if small else 1.0):
            for g, rank in zip(shown.geometry, shown["rank"], strict=True):
                poly(g, CLASS_COLOURS[cls.get(int(rank), "")], "#222222", 0.2)
        # labels, most important first, none on top of another (label_layout): rank
        # discs (moved with a leader line when crowded), the hotspots' streets, places
        labels = [
            Label(float(u), float(v), 2 * r, 2 * r, pack.label(rank), "disc", True)
            for (u, v), rank in (
                (f(x, y), rank)
                for (x, y), rank in zip(label_points(shown), shown["rank"], strict=True)
            )
        ]
        n_ranks = len(labels)
        if street_names == "all" and pack.streets is not None:
            lp = pack.streets.label_points(300.0)
            lp = lp[lp.intersects(view)]
            named = [(str(n), p.x, p.y) for n, p in zip(lp["street"], lp.geometry, strict=True)]
        else:
            named = hotspot_streets(list(shown.geometry), pack.streets)
        d.font(4.4)
        for name, x, y in named:
            u, v = f(x, y)
            labels.append(Label(float(u), float(v), pdf.get_string_width(d.t(name)), 2.0, name))
        n_streets = len(named)
        d.font(4.6)
        for _, row in b.gazetteer.iterrows():
            if not view.contains(row.geometry):
                continue
            u, v = f(row.geometry.x, row.geometry.y)
            name = str(row["name"])
            labels.append(Label(float(u), float(v), pdf.get_string_width(d.t(name)), 2.0, name))
        placed = layout_labels(
            labels,
            bounds=(x0, y0, x0 + w, y0 + h),
            obstacles=obstacles,
            gap=0.3,
        )
        for k, p in enumerate(placed):
            if p is None:
                continue
            lab = p.label
            if k < n_ranks:
                if p.moved:
                    pdf.set_draw_color(60, 60, 60)
                    pdf.set_line_width(0.15)
                    pdf.line(lab.x, lab.y, p.cx, p.cy)
                d.disc(p.cx, p.cy, r, lab.text, "#222222")
                continue
            street = k < n_ranks + n_streets
            pdf.set_fill_color(110, 110, 110)
            pdf.ellipse(lab.x - 0.35, lab.y - 0.35, 0.7, 0.7, style="F")
            d.font(4.4 if street else 4.6, grey=not street)
            pdf.text(p.cx - lab.w / 2, p.cy + 0.7, d.t(lab.text))


def _draw_map(d: _Doc, pack: Pack, x0: float, y0: float, w: float, h: float) -> None:
    """Draw the map page's map: BCP with the numbered hotspots and the pack's street-scale inset.

    The inset (:class:`hotspots.present.pack_draw.MapView`) goes in a corner free of hotspots.
    """
    view = pack.view or MapView(map_bounds(pack))
    shown = pack.result.hotspots.iloc[: len(pack.table)]
    obstacles: tuple[tuple[float, float, float, float], ...] = ()
    at = None
    side = h * INSET_FRACTION
    if view.inset is not None:
        pts = np.asarray(label_points(shown), dtype=float).reshape(-1, 2)
        at = inset_box(view.bounds, pts, x0, y0, w, h, side, margin=2.0)
        if at is not None:
            obstacles = ((at[0] - 0.5, at[1] - 0.5, at[0] + side + 0.5, at[1] + side + 0.5),)
    _draw_vectors(d, pack, view.bounds, (x0, y0, w, h), shown, background=view.background,
                  obstacles=obstacles, street_names=street_mode(view.bounds))  # fmt: skip
    if at is None or view.inset is None:
        return
    pdf = d.pdf
    near = shown[shown["rank"].isin(view.inset_ranks)]
    bar = 4.0
    _draw_vectors(d, pack, view.inset, (at[0], at[1], side, side), near, street_names="all",
                  background=view.inset_background, obstacles=((at[0], at[1], at[0] + side, at[1] + bar),),
                  r=2.1)  # fmt: skip
    pdf.set_fill_color(34, 34, 34)
    pdf.rect(at[0], at[1], side, bar, style="F")
    d.font(5.5)
    pdf.set_text_color(255, 255, 255)
    pdf.text(at[0] + 1.2, at[1] + 2.9, d.t(view.inset_name))
    pdf.set_draw_color(34, 34, 34)
    pdf.set_line_width(0.4)
    pdf.rect(at[0], at[1], side, side, style="D")


def _legend(d: _Doc, x: float, y: float) -> float:
    pdf = d.pdf
    d.font(7.5, bold=True)
    pdf.text(x, y, d.t("Class (against the comparison period)"))
    y += 2.5
    d.font(7)
    for k in ("new", "growing", "persistent", "shrinking", "too few to tell", ""):
        pdf.set_fill_color(*P.hex_to_rgb(CLASS_COLOURS[k]))
        pdf.rect(x, y, 3.2, 3.2, style="F")
        pdf.text(x + 4.5, y + 2.6, d.t(k or "no comparison"))
        y += 4.4
    return y


def _cell3(items, i: int) -> tuple[str, str, str]:
    """(label, records, share) of item ``i``, blank past the end."""
    if i >= len(items):
        return "", "", ""
    k, n, share = items[i]
    return k, count_cell(n), share_cell(share)


def pack_pdf(pack: Pack, *, font_dir: str | Path | None = None) -> bytes:
    """Return the pack as PDF bytes: :attr:`Pack.n_pages` A4 landscape pages."""
    d = _Doc(f"{pack.title}, {pack.period}", font_dir)
    pdf = d.pdf
    # 1 cover
    pdf.add_page()
    if pack.simulated:
        pdf.set_fill_color(*P.hex_to_rgb("#D55E00"))
        d.font(13, bold=True)
        pdf.set_text_color(255, 255, 255)
        pdf.cell(d.width, 9, d.t("SIMULATED DATA – not real crimes"), fill=True,
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    d.para(pack.title, 12, grey=True)
    d.font(28, bold=True)
    pdf.cell(d.width, 16, d.t(pack.period), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for line in pack.cover_lines:
        d.para(line, 10.5, h=5.6)
    pdf.ln(3)
    d.para("Read with care", 11, bold=True)
    for c in pack.caveats:
        d.para("• " + c, 9, h=4.6)
    pdf.ln(3)
    d.para(f"Generated {pack.generated} by the Safer BCP hotspots tool.", 8, grey=True)
    d.para(ATTRIBUTION, 7, h=3.4, grey=True)

    # 2 map
    cmp = f" against {pack.changes.then.label}" if pack.changes is not None else ""
    d.page(
        f"Hotspots, {pack.period}",
        f"The {len(pack.table)} largest hotspots, numbered by rank and coloured by change{cmp}. "
        "Grey lines are ward boundaries; italic names are the streets of each hotspot; dots "
        "are named places"
        + (
            "; the framed inset draws the densest cluster at street scale."
            if pack.view is not None and pack.view.inset
            else "."
        ),
    )
    top = pdf.get_y()
    mw = 196.0
    note = map_note(pack.view, pack.streets is not None and len(pack.streets) > 0)
    _draw_map(d, pack, _M, top, mw, _H - _M - top - 5)
    d.font(6.5, grey=True)
    pdf.set_xy(_M, _H - _M - 4)
    pdf.multi_cell(mw, 3, d.t(note), new_x="LMARGIN", new_y="NEXT")
    x = _M + mw + 4
    y = _legend(d, x, top + 3) + 2
    d.font(6.6)
    for r in pack.table.itertuples(index=False):
        if y > _H - _M - 2:
            break
        name = r.name if len(r.name) <= 38 else r.name[:37] + "…"
        pdf.text(x, y, d.t(f"{r.label}. {name}"))
        y += 3.3

    # 3 table
    sub = " ".join(n for n in (pack.changes.notes[:1] if pack.changes is not None else ()))
    more = f" {pack.more} smaller hotspots are not listed (see the dashboard)." if pack.more else ""
    d.page("Ranked hotspots and change", (sub + more).strip())
    then_h = f"Records {pack.changes.then.label}" if pack.changes is not None else "Records then"
    rows = [
        [r.label, r.name, r.ward, count_cell(r.records_now),
         count_cell(r.records_then), r.change, r.change_class]
        for r in pack.table.itertuples(index=False)
    ]  # fmt: skip
    d.table(["Rank", "Name", "Ward", f"Records {pack.now.label}", then_h,
             "Change (95% interval)", "Class"], rows,
            (12, 92, 50, 24, 24, 50, 21), ("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
            size=7, lh=4.0)  # fmt: skip
    if len(pack.gone):
        pdf.ln(2)
        room = max(0, int((_H - _M - pdf.get_y() - 10) / 4.0))
        g = pack.gone.iloc[:room]
        d.para(f"Gone: {len(pack.gone)} hotspots of the comparison period overlap no hotspot now"
               + (f" (the {len(g)} largest listed)" if len(g) < len(pack.gone) else "") + ".",
               8.5, bold=True)  # fmt: skip
        d.table(["Name", "Ward", "Records then", "Records now"],
                [[r.name, r.ward, count_cell(r.records_then), count_cell(r.records_now)] for r in g.itertuples()],
                (110, 60, 25, 25), ("LEFT", "LEFT", "RIGHT", "RIGHT"), size=7, lh=4.0)  # fmt: skip

    # 4 mix per hotspot
    d.page(
        "What and with what outcome, per hotspot",
        f"Records inside each hotspot's outline, {pack.period}: the three commonest categories "
        "and police.uk last outcomes, as shares of its records.",
    )
    d.table(["Rank", "Name", "Records", "Categories", "Outcomes"],
            [[r.label, r.name, count_cell(r.records), r.categories, r.outcomes] for r in pack.mix.itertuples()],
            (10, 62, 15, 86, 102), ("RIGHT", "LEFT", "RIGHT", "LEFT", "LEFT"), size=6.3, lh=3.2)  # fmt: skip

    # focus areas
    for fp in pack.focus:
        d.page(
            f"Focus area: {fp.name}",
            fp.note + (f" Area: {fp.area_name}." if fp.area_name else ""),
        )
        if fp.error:
            d.para(fp.error, 10)
            continue
        top = pdf.get_y()
        chart_pdf(pdf, trend_chart(fp.trend), _M, top, 168, 78, family=d.family, text=d.t)
        x = _M + 174
        pdf.set_xy(x, top)
        lines = [f"Records {pack.now.label}: {count_cell(fp.count_now)}"]
        if fp.count_then is not None and pack.changes is not None:
            lines.append(f"Records {pack.changes.then.label}: {count_cell(fp.count_then)}")
            lines.append(f"Change per month: {fp.change}")
        elif pack.then is not None:
            lines.append(f"No data for {pack.then.label}: no change can be given.")
        for ln in lines:
            pdf.set_x(x)
            d.font(9.5, bold=ln is lines[0])
            pdf.multi_cell(_W - _M - x, 5.2, d.t(ln), new_x="LEFT", new_y="NEXT")
        if fp.interval_basis:
            pdf.set_x(x)
            d.font(7, grey=True)
            pdf.multi_cell(_W - _M - x, 3.4, d.t(fp.interval_basis), new_x="LEFT", new_y="NEXT")
        pdf.ln(1)
        pdf.set_x(x)
        d.font(9, bold=True)
        pdf.cell(
            _W - _M - x,
            5,
            d.t(f"Current hotspots here: {len(fp.hotspots)}"),
            new_x="LEFT",
            new_y="NEXT",
        )
        d.font(7.5)
        for rank, name, c in fp.hotspots[:10]:
            pdf.set_x(x)
            pdf.cell(_W - _M - x, 3.8, d.t(f"{pack.label(rank)}. {name}" + (f" ({c})" if c else "")),
                     new_x="LEFT", new_y="NEXT")  # fmt: skip
        if len(fp.hotspots) > 10:
            pdf.set_x(x)
            pdf.cell(
                _W - _M - x,
                3.8,
                d.t(f"… and {len(fp.hotspots) - 10} more"),
                new_x="LEFT",
                new_y="NEXT",
            )
        pdf.set_xy(_M, top + 84)
        d.para(f"Category and outcome mix, {pack.period}", 10, bold=True)
        rows = [
            [*_cell3(fp.categories, i), *_cell3(fp.outcomes, i)]
            for i in range(max(len(fp.categories), len(fp.outcomes)))
        ]
        d.table(["Category", "Records", "Share", "Last outcome (police.uk)", "Records", "Share"], rows,
                (70, 18, 14, 136, 18, 14), ("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "RIGHT"), size=7.5)  # fmt: skip

    # settings
    d.page("How the hotspots were found", pack.result.method_label + ".")
    d.table(
        ["Setting", "Value"],
        [list(s) for s in pack.settings],
        (60, 160),
        ("LEFT", "LEFT"),
        size=8,
    )
    pdf.ln(3)
    for n in pack.notes:
        d.para("• " + n, 8, h=4.0)
    return bytes(pdf.output())
