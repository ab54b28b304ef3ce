"""The Hotspot map page's view-model for what it writes as numbers: the heading, the change
columns, the gone table, one hotspot's details and the download files.

The disclosure rule (:mod:`hotspots.present.disclosure`) is applied here: counts from 1
to 4 read ``<5`` for a viewer, and a change, share or "expected" figure computed from
such a count is withheld. The map itself is drawn with the same threshold
(:func:`hotspots.ui.cache.hotspot_map`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots.data import schema as S
from hotspots.present.disclosure import count_text, withheld
from hotspots.present.escape import markdown as md_text
from hotspots.present.exports import ExportFile, export_files
from hotspots.present.page_parts import chart_values, counts_with_shares, table_counts
from hotspots.present.tables import format_period

__all__ = [
    "HotspotDetailPage",
    "records_line",
    "change_columns",
    "gone_table",
    "hotspot_detail_page",
    "download_files",
]


def records_line(n_records: int, area_name: str, start: str, end: str, method_label: str, k):
    """The sentence over the map: how many records, where, when, which method (markdown)."""
    return (
        f"**{count_text(n_records, k)} records** in {md_text(area_name)}, "
        f"{format_period(start, end)}; method: {method_label}."
    )


def change_columns(current: pd.DataFrame, then_label: str, k: int | None) -> dict[str, list]:
    """The ranked table's change columns: records then, change with its interval, class."""
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
            else fmt_change(r.change_pct, r.change_ci_low, r.change_ci_high, n_then, n_now)
        )
    return {
        f"Records {then_label}": then,
        "Change (95% interval)": chg,
        "Class": cur["change_class"].fillna("").tolist(),
    }


def gone_table(former: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """Hotspots of the comparison period that overlap none now (gone, or too few to tell),
    for people."""
    cols = [S.NAME, S.WARD_NAME, "count_then", "count_now", "change_class"]
    tab = pd.DataFrame(former)[[c for c in cols if c in former.columns]]
    return table_counts(tab, ("count_then", "count_now"), k).rename(
        columns={S.NAME: "Name", S.WARD_NAME: "Ward", "count_then": "Records then",
                 "count_now": "Records now", "change_class": "Class"}
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


def hotspot_detail_page(row: Mapping[str, Any], detail, k: int | None) -> HotspotDetailPage:
    """The details of the hotspot ``row`` (a row of the result) and its ``detail``
    (:func:`hotspots.present.views.hotspot_detail`)."""
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
    hotspots: gpd.GeoDataFrame, parameters: Mapping[str, Any], stem: str, k: int | None
) -> dict[str, ExportFile]:
    """The page's download files (CSV, its settings JSON, GeoJSON, KML, GPX), one exporter."""
    return export_files(
        hotspots,
        ("csv", "geojson", "kml", "gpx", "csv-json"),
        stem=stem,
        parameters=parameters,
        suppress_below=k,
    )
