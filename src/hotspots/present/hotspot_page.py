"""The Hotspot map page's view-model: everything the page shows, so that the page only renders.

:func:`hotspot_page` turns the page's view (:func:`hotspots.present.views.hotspot_view`),
the optional per-hotspot change and the disclosure threshold into a :class:`HotspotPage`:
the records sentence, the parameter notes, the ranked table (key columns first, children
under their parents, numbered "1.1"), the gone table, the picker's labels and the
download files. :func:`hotspot_detail_page` does the same for one hotspot's details.

The disclosure rule (:mod:`hotspots.present.disclosure`) is applied here: counts from 1
to 4 read ``<5`` for a viewer, and a change, share or "expected" figure computed from
such a count is withheld. The map itself is drawn with the same threshold
(:func:`hotspots.ui.cache.hotspot_map`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.comparison.hotspot_trend import COMPARE_CHOICES
from hotspots.data import schema as S
from hotspots.present.disclosure import count_text, withheld, withhold_in_text
from hotspots.present.escape import markdown as md_text
from hotspots.present.exports import ExportFile, export_files
from hotspots.present.page_parts import chart_values, counts_with_shares, table_counts
from hotspots.present.tables import (
    format_period,
    hotspot_table,
    nest_hotspots,
    top_rows,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

    from hotspots.present.views import HotspotDetail


#: the page's hotspot methods, as people read them
METHODS: dict[str, str] = {
    "dbscan": "Clusters of busy map points (DBSCAN)",
    "kde": "Densest areas (kernel density)",
    "gistar": "Significantly busy grid cells (Getis-Ord Gi*)",
}
#: the map's layers
LAYERS: dict[str, str] = {
    "points": "Locations (sized by records)",
    "density": "Density surface",
    "hotspots": "Hotspot areas",
    "gistar": "Gi* grid (hot and cold cells)",
}
DEFAULT_LAYERS = ("density", "hotspots")
#: "Compare with": nothing, or a comparison window
COMPARE: dict[str, str] = {
    "none": "Nothing",
    **{k: v.capitalize() for k, v in COMPARE_CHOICES.items()},
}
#: Gi* in an area: tested over BCP and clipped, or inside the area alone
GI_SCOPES: dict[str, str] = {
    "bcp": "BCP's hotspots in this area",
    "area": "Unusual for this area alone",
}
#: the manual settings' permalink keys
MANUAL_KEYS = ("eps", "minpts", "kernel", "cell", "bw", "top", "gicell")

# the ranked table's key columns, first (a phone shows these without scrolling), then the rest
_CHANGE_COLUMNS = ("Change (95% interval)", "Class")
_KEY_COLUMNS = ("Rank", "Name", "Records")
# widths in pixels: at 1366 px rank to class fit in the table's ~900 px with the ward beside
_WIDTHS: dict[str, int | str] = {
    "Rank": 56, "Name": 210, "Records": 72, "Change (95% interval)": 160, "Class": 100,
    "Ward": 180, "Share of records": 80, "Area (km²)": 80, "Records per km²": 90,
    "Hotspot ID": 80,
}  # fmt: skip
_THEN_WIDTH = 150  # "Records Jan 2023 – Mar 2023"
# (no pinned columns: Streamlit draws a pinned column's text in grey, like an index)

__all__ = [
    "COMPARE",
    "DEFAULT_LAYERS",
    "GI_SCOPES",
    "LAYERS",
    "METHODS",
    "HotspotDetailPage",
    "HotspotPage",
    "RankedTable",
    "change_columns",
    "download_files",
    "gone_table",
    "hotspot_detail_page",
    "hotspot_page",
    "hotspot_row",
    "permalink_params",
    "ranked_table",
    "records_line",
    "table_widths",
]


def records_line(
    n_records: int,
    area_name: str,
    start: str,
    end: str,
    method_label: str,
    k: int | None,
):
    """Return the sentence over the map: how many records, where, when, which method (markdown)."""
    return (
        f"**{count_text(n_records, k)} records** in {md_text(area_name)}, "
        f"{format_period(start, end)}; method: {method_label}."
    )


def permalink_params(
    method: str,
    layers: tuple[str, ...],
    manual: bool,
    compare: str,
    gistar_scope: str | None,
    manual_values: Mapping[str, Any],
) -> dict[str, Any]:
    """Return the page's own permalink parameters (the shared filters are added by the widget).

    The manual settings only when they are used.
    """
    out: dict[str, Any] = {
        "method": method,
        "layers": ",".join(layers),
        "manual": manual,
        "compare": compare,
    }
    if gistar_scope is not None:
        out["giscope"] = gistar_scope
    if manual:
        out.update({k: manual_values.get(k) for k in MANUAL_KEYS})
    return out


def change_columns(current: pd.DataFrame, then_label: str, k: int | None) -> dict[str, list]:
    """Return the ranked table's change columns: records then, change with its interval, class."""
    from hotspots.present.pack import fmt_change

    cur = current.sort_values(S.RANK)
    then, chg = [], []
    for r in cur.itertuples(index=False):
        n_then, n_now = r.count_then, getattr(r, S.COUNT)
        then.append("" if pd.isna(n_then) else count_text(n_then, k))
        hide = withheld((n_now, 0 if pd.isna(n_then) else n_then), k)
        chg.append(
            "withheld"
            if hide
            else fmt_change(r.change_pct, r.change_ci_low, r.change_ci_high, n_then, n_now),
        )
    return {
        f"Records {then_label}": then,
        "Change (95% interval)": chg,
        "Class": cur["change_class"].fillna("").tolist(),
    }


def gone_table(former: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """Hotspots of the comparison period that overlap none now (gone, or too few to tell)."""
    cols = [S.NAME, S.WARD_NAME, "count_then", "count_now", "change_class"]
    tab = pd.DataFrame(former)[[c for c in cols if c in former.columns]]
    return table_counts(tab, ("count_then", "count_now"), k).rename(
        columns={S.NAME: "Name", S.WARD_NAME: "Ward", "count_then": "Records then",
                 "count_now": "Records now", "change_class": "Class"},
    )  # fmt: skip


@dataclass(frozen=True)
class HotspotDetailPage:
    """One hotspot's details as shown under the map."""

    heading: str  # markdown
    facts: str  # markdown
    caveat: str | None  # markdown
    by_category: pd.DataFrame  # chart data, withheld rows left out
    trend: pd.DataFrame  # chart data, withheld months missing
    top_locations: pd.DataFrame
    outcomes: pd.DataFrame | None


def hotspot_detail_page(
    row: Mapping[str, Any],
    detail: HotspotDetail,
    k: int | None,
) -> HotspotDetailPage:
    """Return the details of the hotspot ``row`` (a row of the result) and its ``detail``.

    ``detail`` comes from :func:`hotspots.present.views.hotspot_detail`.
    """
    n = row[S.COUNT]
    hide = withheld((n,), k)
    ward = row[S.WARD_NAME]
    ward_text = md_text(ward) if isinstance(ward, str) else "outside BCP"
    share = "share withheld" if hide else f"{100 * float(row[S.SHARE]):.1f}% of those shown"
    expected = (
        ""
        if hide
        else f" · about {float(row['expected']):.0f} expected if the records were "
        "scattered at random"
    )
    facts = (
        f"Ward: **{ward_text}** · {count_text(n, k)} records ({share}) · "
        f"{float(row[S.AREA_KM2]):.3f} km²{expected}"
    )
    caveat = row.get("caveat")
    cats = detail.by_category
    if k and len(cats):
        cats = cats[[not withheld((v,), k) for v in cats["records"]]]
    series = [c for c in detail.trend.columns if c != "month"]
    outcomes = detail.outcomes
    if outcomes is not None:
        outcomes = counts_with_shares(outcomes, "records", k)
    locs = counts_with_shares(detail.top_locations, "Records", k)
    return HotspotDetailPage(
        heading=f"### {md_text(row[S.NAME])}",
        facts=facts,
        caveat=md_text(caveat) if isinstance(caveat, str) and caveat else None,
        by_category=cats,
        trend=chart_values(detail.trend, series, k),
        top_locations=locs,
        outcomes=outcomes,
    )


def download_files(
    hotspots: gpd.GeoDataFrame,
    parameters: Mapping[str, Any],
    stem: str,
    k: int | None,
) -> dict[str, ExportFile]:
    """Make the page's download files (CSV, its settings JSON, GeoJSON, KML, GPX), one exporter."""
    return export_files(
        hotspots,
        ("csv", "geojson", "kml", "gpx", "csv-json"),
        stem=stem,
        parameters=parameters,
        suppress_below=k,
    )


def table_widths(table: pd.DataFrame) -> dict[str, int | str]:
    """Column widths of the ranked table, by heading.

    Pixels for the short columns, so that at 1366 px the change and class columns show without
    scrolling; "large" for the text columns (top categories and locations).
    """
    return {c: _WIDTHS.get(c, _THEN_WIDTH if c.startswith("Records ") else "large") for c in table}


@dataclass(frozen=True)
class RankedTable:
    """The ranked hotspot table as the page shows it, and what goes with it.

    ``table`` holds the top :data:`~hotspots.present.tables.TABLE_TOP_N` districts with
    their street-sized children ("1", "1.1", "1.2", "2", ...), key columns first (rank,
    name, records, change, class); ``more`` says how many more are in the downloads.
    With a comparison: ``change_note`` (its first note), and the hotspots of the
    comparison period that overlap none now (``gone_title``, ``gone``).
    """

    table: pd.DataFrame
    more: str | None
    widths: dict[str, int | str]
    change_note: str | None = None
    gone_title: str | None = None
    gone: pd.DataFrame | None = None


def ranked_table(hotspots: pd.DataFrame, changes: Any, k: int | None) -> RankedTable:
    """Return the page's ranked table of ``hotspots``, with ``changes`` as columns.

    ``changes``: a :class:`~hotspots.comparison.hotspot_trend.HotspotChanges`, or None.
    """
    table = hotspot_table(hotspots, suppress_below=k)
    then_col = None
    if changes is not None and len(hotspots):
        # in the table's order (children under their parents); change_columns reads by rank
        order = nest_hotspots(hotspots)[S.HOTSPOT_ID].tolist()
        cur = changes.current.set_index(S.HOTSPOT_ID).loc[order].reset_index()
        cur[S.RANK] = range(1, len(cur) + 1)
        for col, values in change_columns(cur, changes.then.label, k).items():
            table[col] = values
        then_col = f"Records {changes.then.label}"
    first = [c for c in (*_KEY_COLUMNS, *_CHANGE_COLUMNS, then_col) if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    table, more = top_rows(table)
    if changes is None:
        return RankedTable(table, more, table_widths(table))
    note = changes.notes[0] if changes.notes else None
    if not len(changes.former):  # gone only when the fall is distinguishable from none
        return RankedTable(table, more, table_widths(table), note)
    n_gone = len(changes.gone)
    extra = len(changes.former) - n_gone
    title = f"Gone since {changes.then.label}: {n_gone} hotspots" + (
        f" ({extra} more overlap none now: too few to tell)" if extra else ""
    )
    return RankedTable(table, more, table_widths(table), note, title, gone_table(changes.former, k))


@dataclass(frozen=True)
class HotspotPage:
    """Everything the Hotspot map page shows besides the map and one hotspot's details.

    ``records_line`` and ``notes`` are markdown (data text escaped, small counts withheld);
    ``picker`` maps each hotspot id to its label in the table ("1.1. Bournemouth Square"),
    in the table's order; ``empty`` is the sentence shown when there is no hotspot.
    """

    records_line: str
    notes: tuple[str, ...]
    parameters: dict[str, Any]
    ranked: RankedTable
    downloads: dict[str, ExportFile]
    picker: dict[int, str]
    empty: str | None


def hotspot_page(
    view: Any,
    filters: Any,
    *,
    dataset: str,
    changes: Any,
    k: int | None,
) -> HotspotPage:
    """Return the Hotspot map page of ``view`` for ``filters``.

    ``view`` comes from :func:`hotspots.present.views.hotspot_view`, ``filters`` is a
    :class:`hotspots.present.filters.Filters`; with the per-hotspot ``changes`` (or None) and the
    disclosure threshold ``k`` (None: exact counts).
    """
    hot = view.hotspots
    label = METHODS.get(view.method, view.method)
    meta = {
        **view.parameters,
        "months": f"{filters.start}..{filters.end}",
        "area": view.area.name,
        "categories": list(filters.categories),
        "dataset": dataset,
    }
    picker: dict[int, str] = {}
    if len(hot):
        nested = nest_hotspots(hot)  # the table's order and numbers ("1.1")
        picker = {
            int(h): f"{lb}. {n}"
            for h, lb, n in zip(nested[S.HOTSPOT_ID], nested["label"], nested[S.NAME], strict=True)
        }
    return HotspotPage(
        records_line=records_line(
            view.n_records,
            view.area.name,
            filters.start,
            filters.end,
            label,
            k,
        ),
        notes=tuple(md_text(withhold_in_text(n, k)) for n in view.notes),
        parameters=view.parameters,
        ranked=ranked_table(hot, changes, k),
        downloads=download_files(hot, meta, f"hotspots-{view.method}", k),
        picker=picker,
        empty=None
        if picker
        else "No hotspots for these filters: widen the months, categories or area.",
    )


def hotspot_row(hotspots: pd.DataFrame, hotspot_id: int) -> pd.Series:
    """Return the row of ``hotspots`` with ``hotspot_id`` (its geometry included)."""
    return hotspots[hotspots[S.HOTSPOT_ID] == hotspot_id].iloc[0]
