"""A printed map as inline SVG: wards, streets, hotspots and labels that never overprint.

Used by the PCG pack's HTML map page (BCP scale) and the patrol sheet's inset
(street scale). Everything is vector and offline: ward boundaries and the BCP outline
(ONS), streets joined from the data's own police.uk map points
(:mod:`hotspots.present.streets`), the gazetteer's named places, the hotspots
coloured by class, and their rank numbers. Labels go through
:func:`hotspots.present.label_layout.layout_labels` in priority order: rank numbers
(always shown, moved with a leader line when crowded), then street names, then
place names (left out where no room is free). Each label is an SVG element of class
``lbl`` so a browser test can measure the boxes it really draws.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.ops

from hotspots.present.label_layout import Label, Placed, layout_labels, text_width
from hotspots.present.pack_draw import project, rings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hotspots.data.boundaries import Boundaries
    from hotspots.present.streets import StreetLayer
    from hotspots.present.tiles import Background

__all__ = ["hotspot_streets", "vector_map_svg"]


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v))


def hotspot_streets(
    geoms: Sequence[Any],
    streets: StreetLayer | None,
    *,
    near_m: float = 60.0,
) -> list[tuple[str, float, float]]:
    """Return the busiest street in or beside each hotspot.

    ``(name, x, y)`` in metres, the point being the street's map point nearest the hotspot; one
    entry per street name.
    """
    if streets is None or not len(streets):
        return []
    s = streets.streets
    tree = shapely.STRtree(s.geometry.values)
    out: list[tuple[str, float, float]] = []
    seen: set[str] = set()
    for g in geoms:
        idx = tree.query(g.buffer(near_m), predicate="intersects")
        for k in sorted(idx):  # streets are busiest first
            name = str(s["street"].iat[k])
            if name in seen:
                continue
            line = s.geometry.iat[k]
            p = shapely.ops.nearest_points(line, shapely.point_on_surface(g))[0]
            out.append((name, float(p.x), float(p.y)))
            seen.add(name)
            break
    return out


def _path(ring: np.ndarray, f: Any, close: bool = True) -> str:
    u, v = f(ring[:, 0], ring[:, 1])
    return (
        "M"
        + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(u, v, strict=True))
        + ("Z" if close else "")
    )


def vector_map_svg(
    *,
    bounds: tuple[float, float, float, float],
    w: float,
    h: float,
    boundaries: Boundaries,
    hotspots: Sequence[tuple[Any, int | str, str]] = (),
    streets: StreetLayer | None = None,
    street_names: str = "near",
    places: bool = True,
    rank_r: float = 7.0,
    label: str = "Map of the numbered hotspots",
    css_class: str = "vmap",
    background: Background | None = None,
    at: tuple[float, float] | None = None,
    obstacles: Sequence[tuple[float, float, float, float]] = (),
    inner: str = "",
) -> tuple[str, list[Placed | None]]:
    """Return an SVG map of ``bounds`` (metres) in a ``w`` × ``h`` box.

    Parameters
    ----------
    hotspots : ``(geometry in metres, rank, fill colour)``, drawn in order and numbered.
    streets : street lines (thin grey) and names; ``street_names`` ``"near"`` names the
        busiest street at each hotspot (BCP scale), ``"all"`` every street in view
        (street scale), ``"none"`` none.
    places : name the gazetteer's places.
    background : tiles drawn under everything else (:func:`hotspots.present.tiles.fetch_background`);
        the wards are then outlined, not filled.
    at : draw as a nested ``<svg>`` at this point of an enclosing map (an inset), with a frame.
    obstacles : boxes (``x0, y0, x1, y1`` in this map's units) no label may cover.
    inner : markup drawn after the labels (an inset), inside this ``<svg>``.

    Returns
    -------
    (svg text, the placed labels in the order ranks, streets, places).
    """
    f = project(bounds, 0, 0, w, h)
    view = shapely.box(*bounds)
    if at is None:
        place = f'width="100%" role="img" aria-label="{_e(label)}"'
    else:
        place = f'x="{at[0]:.1f}" y="{at[1]:.1f}" width="{w:g}" height="{h:g}"'
    out = [
        (
            f'<svg class="{_e(css_class)}" viewBox="0 0 {w:g} {h:g}" {place} '
            'font-family="DejaVu Sans, Arial, sans-serif">'
        ),
    ]
    if at is not None:
        out.append(f'<rect width="{w:g}" height="{h:g}" fill="#fff"/>')
    out.append(
        f'<clipPath id="{_e(css_class)}-clip"><rect width="{w:g}" height="{h:g}"/></clipPath>',
    )
    out.append(f'<g clip-path="url(#{_e(css_class)}-clip)">')
    small = (bounds[2] - bounds[0]) < 8000
    tol = 2.0 if small else 15.0
    wards = "".join(
        _path(r, f)
        for g in boundaries.wards.geometry
        if g.intersects(view)
        for r in rings(g.simplify(tol))
    )
    if background is not None and background.ok:
        u0, v0 = f(background.bounds[0], background.bounds[3])
        u1, v1 = f(background.bounds[2], background.bounds[1])
        out.append(
            f'<image class="tiles" x="{float(u0):.2f}" y="{float(v0):.2f}" '
            f'width="{float(u1 - u0):.2f}" height="{float(v1 - v0):.2f}" '
            f'preserveAspectRatio="none" href="{background.data_uri()}"/>',
        )
        out.append(f'<path d="{wards}" fill="none" stroke="#77776F" stroke-width="0.8"/>')
    else:
        out.append(f'<path d="{wards}" fill="#F1F1EC" stroke="#B9B9B0" stroke-width="0.6"/>')
    outline = "".join(_path(r, f) for r in rings(boundaries.outline.simplify(tol)))
    out.append(f'<path d="{outline}" fill="none" stroke="#444" stroke-width="1.4"/>')
    if streets is not None and len(streets):
        s = streets.streets
        lines = s[(s.geometry.geom_type == "LineString") & s.intersects(view)]
        d = "".join(_path(np.asarray(g.coords), f, close=False) for g in lines.geometry)
        out.append(
            f'<path d="{d}" fill="none" stroke="#9A9A9A" stroke-width="{2.2 if small else 0.8}" '
            'stroke-linecap="round"/>',
        )
    for g, _, fill in hotspots:
        d = "".join(_path(r, f) for r in rings(g))
        out.append(
            f'<path d="{d}" fill="{_e(fill)}" fill-opacity="{0.5 if small else 0.85}" '
            'stroke="#222" stroke-width="0.6"/>',
        )
    out.append("</g>")
    # labels, most important first
    labels: list[Label] = []
    anchors = [shapely.point_on_surface(g) for g, _, _ in hotspots]
    for pt, (_, rank, _) in zip(anchors, hotspots, strict=True):
        u, v = f(pt.x, pt.y)
        labels.append(
            Label(
                float(u),
                float(v),
                2 * rank_r,
                2 * rank_r,
                rank if isinstance(rank, str) else str(int(rank)),
                "disc",
                True,
            ),
        )
    street_size = 7.5 if small else 6.5
    named: list[tuple[str, float, float]] = []
    if streets is not None and street_names == "near":
        named = hotspot_streets([g for g, _, _ in hotspots], streets)
    elif streets is not None and street_names == "all":
        lp = streets.label_points(300.0)
        lp = lp[lp.intersects(view)]
        named = [
            (str(n), float(p.x), float(p.y)) for n, p in zip(lp["street"], lp.geometry, strict=True)
        ]
    for name, x, y in named:
        u, v = f(x, y)
        labels.append(
            Label(
                float(u),
                float(v),
                text_width(name, street_size),
                street_size * 1.25,
                name,
                "point",
            ),
        )
    n_streets = len(named)
    place_size = 7.0
    if places:
        for name, pt in zip(
            boundaries.gazetteer["name"],
            boundaries.gazetteer.geometry,
            strict=True,
        ):
            if view.contains(pt):
                u, v = f(pt.x, pt.y)
                labels.append(
                    Label(
                        float(u),
                        float(v),
                        text_width(str(name), place_size),
                        place_size * 1.25,
                        str(name),
                        "point",
                    ),
                )
    placed = layout_labels(
        labels,
        bounds=(0.0, 0.0, float(w), float(h)),
        obstacles=obstacles,
        gap=1.0,
    )
    n_ranks = len(hotspots)
    for k, p in enumerate(placed):
        if p is None:
            continue
        lab = p.label
        if k < n_ranks:
            if p.moved:
                out.append(
                    f'<line x1="{lab.x:.1f}" y1="{lab.y:.1f}" x2="{p.cx:.1f}" y2="{p.cy:.1f}" '
                    'stroke="#333" stroke-width="0.7"/>',
                )
            out.append(
                f'<g class="lbl rank"><circle cx="{p.cx:.1f}" cy="{p.cy:.1f}" r="{rank_r:g}" fill="#222" '
                f'stroke="#fff" stroke-width="1"/><text x="{p.cx:.1f}" y="{p.cy + rank_r * 0.42:.1f}" '
                f'font-size="{rank_r * 1.2:.1f}" font-weight="bold" fill="#fff" text-anchor="middle">'
                f"{_e(lab.text)}</text></g>",
            )
            continue
        street = k < n_ranks + n_streets
        size = street_size if street else place_size
        style = ' font-style="italic"' if street else ""
        out.append(
            f'<circle cx="{lab.x:.1f}" cy="{lab.y:.1f}" r="1.3" fill="{"#666" if street else "#555"}"/>',
        )
        out.append(
            f'<text class="lbl {"street" if street else "place"}" x="{p.cx:.1f}" '
            f'y="{p.cy + size * 0.35:.1f}" font-size="{size:g}" text-anchor="middle" '
            f'fill="{"#222" if street else "#444"}"{style}>'
            f"{_e(lab.text)}</text>",
        )
    out.append(inner)
    if at is not None:
        out.append(
            f'<rect class="frame" width="{w:g}" height="{h:g}" fill="none" stroke="#222" stroke-width="1.5"/>',
        )
    out.append("</svg>")
    return "".join(out), placed
