"""Hotspot polygons on the map: tooltips, popups, change classes, selection, rank numbers.

Each hotspot is a GeoJSON feature whose properties hold ``hotspot_id`` (clicks report
it back, :func:`hotspots.present.maps.clicked_hotspot_id`). Text from data is escaped;
counts below ``suppress_below`` read "fewer than k".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present import palettes as P
from hotspots.present.map_elements import GeoJsonLayer, RankLabels, esc
from hotspots.present.map_geometry import bounds_latlon, check_metres, to_wgs84_geoms
from hotspots.present.map_layers import Drawn
from hotspots.present.tables import (
    format_count,
    format_number,
    format_share,
    format_top,
    is_suppressed,
    nest_hotspots,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import folium

__all__ = [
    "add_hotspots",
    "change_key",
    "hotspot_legend",
    "hotspot_styles",
    "hotspot_texts",
    "rank_labels",
]


def rank_labels(hotspots: pd.DataFrame) -> dict[int, str]:
    """Each hotspot's number as the ranked table writes it, by ``hotspot_id``.

    "1", "2", ... for districts, "1.1", "1.2" for the street-sized hotspots inside district 1
    (:func:`hotspots.present.tables.nest_hotspots`). Rows without a rank get none.
    """
    df = pd.DataFrame(hotspots).drop(columns="geometry", errors="ignore")
    if not len(df) or S.RANK not in df.columns:
        return {}
    ranked = df[df[S.RANK].notna()]
    n = nest_hotspots(ranked.astype({S.RANK: "int64"}))  # "3", never "3.0" (a float column)
    return {int(h): str(lb) for h, lb in zip(n[S.HOTSPOT_ID], n["label"], strict=True)}


def hotspot_texts(
    row: Mapping[str, Any],
    suppress_below: int | None,
    label: str | None = None,
) -> tuple[str, str]:
    """(tooltip, popup) HTML of one hotspot row, escaped.

    ``label`` is its number as the table writes it ("1.2"), by default its rank.
    """
    rank = label if label is not None else row.get(S.RANK)
    name = row.get(S.NAME) or f"Hotspot {row.get(S.HOTSPOT_ID)}"
    count = row.get(S.COUNT)
    sup = is_suppressed(count, suppress_below)
    head = f"#{esc(rank)} {esc(name)}" if rank is not None and not pd.isna(rank) else esc(name)
    tip = f"{head}: {esc(format_count(count, suppress_below))} records"
    rows = [
        ("Ward", esc(row.get(S.WARD_NAME) or "–")),
        ("Records", esc(format_count(count, suppress_below))),
    ]
    if S.SHARE in row:
        rows.append(("Share of records", "–" if sup else esc(format_share(row[S.SHARE]))))
    if S.AREA_KM2 in row:
        rows.append(("Area", esc(format_number(row[S.AREA_KM2], 3)) + " km²"))
    if S.DENSITY_PER_KM2 in row:
        rows.append(
            ("Records per km²", "–" if sup else esc(format_number(row[S.DENSITY_PER_KM2], 0))),
        )
    for col, label in ((S.TOP_CATEGORIES, "Top categories"), (S.TOP_LOCATIONS, "Top locations")):
        if col in row:
            rows.append((label, esc(format_top(row[col], suppress_below, sep="; "))))
    rows.append(("Hotspot ID", esc(row.get(S.HOTSPOT_ID))))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    popup = f'<div class="hs-popup"><b>{head}</b><table>{body}</table></div>'
    return tip, popup


def change_key(value: object) -> str:
    """Return a change class as a style key: one of :data:`palettes.CHANGE_CLASSES` or "hotspot"."""
    v = str(value).strip().lower() if isinstance(value, str) else ""
    return v if v in P.CHANGE_COLOURS else "hotspot"


def hotspot_styles() -> dict[str, dict[str, Any]]:
    """Leaflet path styles keyed "<class>|<selected 0/1>"."""
    colours = {"hotspot": P.HOTSPOT_OUTLINE, **P.CHANGE_COLOURS}
    out = {}
    for cls, colour in colours.items():
        dash = "5 4" if cls == "gone" else None
        out[f"{cls}|0"] = {
            "color": colour,
            "weight": 2.5,
            "opacity": 1,
            "fillColor": colour,
            "fillOpacity": 0.12 if cls == "hotspot" else 0.2,
            "dashArray": dash,
        }
        out[f"{cls}|1"] = {
            "color": P.SELECTED_OUTLINE,
            "weight": 5,
            "opacity": 1,
            "fillColor": colour,
            "fillOpacity": 0.3,
            "dashArray": dash,
        }
    return out


def hotspot_legend(change_classes: set[str] | None, *, controls: bool) -> str:
    """Return the legend entry: the change classes present, or the plain hotspot outline."""
    if change_classes is not None:
        return "<h4>Hotspots: change</h4>" + "".join(
            f'<div><span class="sw" style="border:2px solid {P.CHANGE_COLOURS[c]};'
            f'background:{P.CHANGE_COLOURS[c]}33"></span>{esc(P.CHANGE_LABELS[c])}</div>'
            for c in P.CHANGE_CLASSES
            if c in change_classes
        )
    return (
        f'<div><span class="sw" style="border:2px solid {P.HOTSPOT_OUTLINE};'
        f'background:rgba(213,94,0,0.12)"></span>Hotspot (number = rank'
        + ("; click for details)" if controls else ")")
        + "</div>"
    )


def _checked(hotspots: Any) -> pd.DataFrame:
    h = check_metres(hotspots, "hotspots")
    if S.HOTSPOT_ID not in h.columns or h[S.HOTSPOT_ID].isna().any():
        raise InputError(
            "hotspots",
            f"columns {list(h.columns)}",
            f"a '{S.HOTSPOT_ID}' on every row (HOTSPOT_COLUMNS)",
            "Clicks on the map report this id back to the page.",
        )
    h = h[~(h.geometry.isna() | h.geometry.is_empty)]
    if S.RANK in h.columns:
        h = h.sort_values(S.RANK, ascending=False, kind="stable")  # rank 1 drawn last, on top
    if "level" in h.columns:  # street-sized children drawn over (inside) their districts
        h = h.sort_values("level", kind="stable")
    return h


def add_hotspots(
    m: folium.Map,
    hotspots: Any,
    *,
    suppress_below: int | None = None,
    selected: int | None = None,
    labels: bool = True,
    max_labels: int = 25,
    controls: bool = True,
    fit_to_hotspots: bool = False,
    zoom_to_selected: bool = True,
    label_keepout: list[tuple[str, int]] | None = None,
) -> Drawn:
    """Hotspot polygons (rank 1 on top) with tooltips and popups, and their rank numbers.

    Coloured by ``change_class`` when the column is there. ``fit`` of the result is the
    selected hotspot with 300 m around it (with ``zoom_to_selected``), else all
    hotspots with 250 m (with ``fit_to_hotspots``), else None.
    """
    h = _checked(hotspots)
    by_change = "change_class" in h.columns
    notes: list[str] = []
    fit = None
    chosen = None
    if len(h):
        rows = h.drop(columns="geometry").to_dict("records")
        numbers = rank_labels(h)  # "1.1" for a child: the table's numbers
        order = {lb: i for i, lb in enumerate(numbers.values())}  # the table's order
        texts = [hotspot_texts(r, suppress_below, numbers.get(int(r[S.HOTSPOT_ID]))) for r in rows]
        props, marks = [], []
        for r in rows:
            c = r.get(S.COUNT)
            hid = int(r[S.HOTSPOT_ID])
            rank = None if r.get(S.RANK) is None or pd.isna(r.get(S.RANK)) else int(r[S.RANK])
            cls = change_key(r.get("change_class")) if by_change else "hotspot"
            is_sel = selected is not None and hid == int(selected)
            hidden = c is None or pd.isna(c) or is_suppressed(c, suppress_below)
            props.append(
                {
                    S.HOTSPOT_ID: hid,
                    S.RANK: rank,
                    S.NAME: esc(r.get(S.NAME)),
                    S.COUNT: None if hidden else int(c),
                    # street-sized hotspots (level 1) inside their district (parent)
                    "level": _int_or(r.get("level"), 0),
                    "parent": _int_or(r.get("parent"), None),
                    "style": f"{cls}|{int(is_sel)}",
                },
            )
            marks.append((rank, numbers.get(hid), is_sel, esc(r.get(S.NAME) or "")))
        GeoJsonLayer(
            to_wgs84_geoms(h.geometry.values), props, name="Hotspots", style=hotspot_styles(),
            style_by="style", tooltips=[t for t, _ in texts], popups=[p for _, p in texts],
        ).add_to(m)  # fmt: skip
        if labels:
            pts = to_wgs84_geoms(list(shapely.point_on_surface(h.geometry.values)))
            lab = [
                [round(pt.y, 6), round(pt.x, 6), number, bool(sel), name]
                for pt, (rank, number, sel, name) in zip(pts, marks, strict=True)
                if number is not None and (_district(number) <= max_labels or sel)
            ]
            lab.sort(key=lambda a: order[a[2]])  # "1" placed first and first in Tab order
            if len(lab) < sum(1 for r, _, _, _ in marks if r is not None):
                notes.append(
                    f"Rank numbers are written on the top {max_labels} hotspots (and the "
                    "street-sized ones inside them); hover or click the others.",
                )
            RankLabels(lab, keepout=label_keepout).add_to(m)
        if fit_to_hotspots:
            fit = bounds_latlon(shapely.union_all(h.geometry.values).buffer(250.0))
        sel_rows = [k for k, (_, _, sel, _) in enumerate(marks) if sel]
        if sel_rows:
            chosen = h.geometry.values[sel_rows[0]]
    change_classes = None
    if by_change:
        change_classes = {change_key(v) for v in h["change_class"]} if len(h) else set()
    if chosen is not None and zoom_to_selected:
        # the chosen hotspot with some surroundings (300 m), never closer than a street
        fit = bounds_latlon(chosen.buffer(300.0))
    legend = hotspot_legend(change_classes, controls=controls)
    return Drawn(legend=(legend,), notes=tuple(notes), fit=fit)


def _district(number: str) -> int:
    """Return the district's number of a label: ``"3.2" -> 3``."""
    return int(number.split(".", maxsplit=1)[0])


def _int_or(value: Any, default: int | None) -> int | None:
    """``int(value)``, or ``default`` for None / NA (a nullable column's missing value)."""
    return default if value is None or pd.isna(value) else int(value)
