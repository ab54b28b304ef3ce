"""What each dashboard page computes, as plain functions (no streamlit).

Pages call these through :mod:`hotspots.ui.cache`; ``benchmarks/page_work.py``
calls them directly to measure a page's server work after a filter change.
Every function takes the dataset's canonical records and a
:class:`~hotspots.present.filters.Filters`; counts and tables computed from records
come from :mod:`hotspots.comparison.figures` (both re-exported here).

Why about 500 lines in one module: it has one job, one view function and its
result class per page (overview, hotspot map and detail, seasonal, ward, patrol),
which :func:`hotspots.ui.cache.compute` looks up here by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.comparison.figures import (  # re-exported: figures computed from records
    NO_OUTCOME,
    outcome_mix,
    trend_by_month,
)
from hotspots.data import schema as S
from hotspots.data.areas import Area, resolve_area
from hotspots.data.select import filter_records
from hotspots.present.filters import (  # re-exported: pages and ui import them from here
    DAYS,
    VIEW_COLUMNS,
    Filters,
    apply_filters,
    narrow,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.comparison.figures import WardReport
    from hotspots.comparison.hotspot_trend import HotspotChanges
    from hotspots.comparison.rates import PeriodComparison
    from hotspots.comparison.windows import Baseline
    from hotspots.methods.gistar import GiStarResult
    from hotspots.methods.kde import KdeResult
    from hotspots.methods.metrics import CoverageResult
    from hotspots.methods.result import HotspotResult
    from hotspots.methods.topcells import PlanScore

__all__ = [
    "DAYS",
    "NO_OUTCOME",
    "VIEW_COLUMNS",
    "Filters",
    "apply_filters",
    "hotspot_detail",
    "hotspot_view",
    "narrow",
    "outcome_mix",
    "overview_view",
    "patrol_view",
    "seasonal_view",
    "trend_by_month",
    "ward_paragraph",
    "ward_view",
]

# --- Overview -----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewView:
    area: Area
    n_records: int
    n_asb: int
    n_crime: int
    previous: PeriodComparison | None  # same window a year earlier -> this window
    baseline: Baseline | None  # over previous years
    trend: pd.DataFrame
    categories: pd.DataFrame
    notes: tuple[str, ...] = ()


def overview_view(records: pd.DataFrame, f: Filters) -> OverviewView:
    """Headline counts for the window against a year earlier and the multi-year baseline."""
    records = narrow(records)
    from hotspots.comparison.rates import compare_with_earlier
    from hotspots.comparison.windows import Window, baseline, dataset_months

    area = resolve_area(f.area)
    available = dataset_months(records)
    # one pass over all records (area and categories, every month); the rest works on it
    in_area = apply_filters(records, f, window=False)
    cur = in_area[in_area[S.MONTH].between(f.start, f.end).to_numpy(dtype=bool)]
    notes: list[str] = []
    w = Window(f.start, f.end)
    previous, check = compare_with_earlier(
        in_area,
        w,
        area=area,
        categories=f.categories,
        available_months=available,
    )
    if previous is None:
        notes.append(check.message)
    base = baseline(in_area, w, area=area, categories=f.categories, available_months=available)
    trend = trend_by_month(in_area, available)
    cats = (
        cur[S.CATEGORY].value_counts().rename_axis("category").reset_index(name="records")
        if len(cur)
        else pd.DataFrame({"category": [], "records": []})
    )
    n_asb = int((cur[S.CATEGORY] == S.ASB).sum())
    return OverviewView(
        area,
        len(cur),
        n_asb,
        len(cur) - n_asb,
        previous,
        base,
        trend,
        cats,
        tuple(notes),
    )


# --- Hotspot map --------------------------------------------------------------


@dataclass(frozen=True)
class HotspotView:
    """Everything the hotspot map page shows: the chosen method's result and the layers."""

    area: Area
    n_records: int
    method: str
    result: HotspotResult
    kde: KdeResult | None = None  # for the density layer
    gistar: GiStarResult | None = None  # for the Gi* grid layer
    locations: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def hotspots(self) -> gpd.GeoDataFrame:
        return self.result.hotspots

    @property
    def parameters(self) -> dict:
        return {k: v for k, v in self.result.to_dict().items() if k != "notes"}

    @property
    def notes(self) -> tuple[str, ...]:
        return self.result.notes


def hotspot_view(
    records: pd.DataFrame,
    f: Filters,
    *,
    method: str = "dbscan",
    eps_m: float | None = None,
    min_points: int | None = None,
    kernel: str = "quartic",
    cell_size_m: float | None = None,
    bandwidth_m: float | None = None,
    top_share: float | None = None,
    gi_cell_size_m: float | None = None,
    gistar_scope: str = "bcp",
    layers: tuple[str, ...] = ("points", "density", "hotspots"),
) -> HotspotView:
    """Hotspots by one method (:func:`hotspots.methods.detect.detect`), plus the map layers.

    Gi* in an area is BCP's inference clipped to the area (``gistar_scope="bcp"``) or
    the area alone (``"area"``): it is given the BCP records of the window.
    """
    records = narrow(records)
    from hotspots.methods.detect import detect, study_area
    from hotspots.present.tables import location_counts

    area = study_area(f.area)
    recs = apply_filters(records, f)
    kde_params: dict[str, Any] = {
        "kernel": kernel,
        "cell_size_m": cell_size_m,
        "bandwidth_m": bandwidth_m,
        "top_share": top_share,
    }
    own: dict[str, Any] = {
        "dbscan": {"eps_m": eps_m, "min_points": min_points},
        "kde": kde_params,
        "gistar": {"cell_size_m": gi_cell_size_m, "scope": gistar_scope},
        "grid": {},
    }[method]
    # Gi* against BCP needs every BCP record of the window, not only the area's
    gi_recs = apply_filters(records, f.with_(area="bcp")) if area.kind != "bcp" else recs
    res = detect(gi_recs if method == "gistar" else recs, method, area=area, **own)
    kd = res.detail if method == "kde" else None
    if kd is None and "density" in layers:
        kd = detect(recs, "kde", area=area, **kde_params).detail
    gi = res.detail if method == "gistar" else None
    if gi is None and "gistar" in layers:
        gi = detect(
            gi_recs,
            "gistar",
            area=area,
            cell_size_m=gi_cell_size_m,
            scope=gistar_scope,
        ).detail
    locs = location_counts(recs) if "points" in layers and len(recs) else pd.DataFrame()
    return HotspotView(area, res.n_records, method, res, kd, gi, locs)


# --- Seasonal comparison --------------------------------------------------------


@dataclass(frozen=True)
class SeasonalView:
    evaluation: object  # Evaluation
    baseline_crime: Baseline | None
    baseline_asb: Baseline | None
    yearly: pd.DataFrame  # the same window, each year with data: Crime / ASB in the target
    change: HotspotChanges | None  # each hotspot of the after window against the before one
    notes: tuple[str, ...] = ()
    change_method: str = "dbscan"


def seasonal_view(
    records: pd.DataFrame,
    f: Filters,
    *,
    before: str,
    after: str,
    target: str = "town-centre",
    buffer_m: float = 400.0,
    control: str | None = None,
    with_change: bool = True,
    change_method: str = "dbscan",
) -> SeasonalView:
    """Evaluate the target (before vs after) with buffer and control, baseline and change.

    The change is per hotspot (:func:`hotspots.comparison.hotspot_trend.hotspot_changes`):
    ``change_method`` finds the hotspots of the after window over the filters' area and
    of the before window with the same settings, and each is classed new, growing,
    persistent, shrinking, gone or too few to tell.
    """
    records = narrow(records)
    everything = records  # the change's dispersion uses the 13 months to the after window
    from hotspots.comparison.evaluation import evaluate
    from hotspots.comparison.windows import baseline, dataset_months, window
    from hotspots.data.select import select_rows

    available = dataset_months(records)
    wa = window(after)
    tgt = resolve_area(target)
    crime_cats = tuple(c for c in f.categories if c != S.ASB)
    # the baselines' dispersion comes from the target's whole monthly series: all months
    in_target = filter_records(records, categories=f.categories, area=tgt)
    b_crime = (
        baseline(in_target, wa, area=tgt, categories=crime_cats, available_months=available)
        if crime_cats
        else None
    )
    b_asb = (
        baseline(in_target, wa, area=tgt, categories=(S.ASB,), available_months=available)
        if S.ASB in f.categories
        else None
    )
    # one pass over all records: BCP, the categories, and only the calendar months the
    # windows use (in every year); everything below works on that
    cal = {m[5:] for m in window(before).months + window(after).months}
    keep = records[S.IN_BCP].to_numpy(dtype=bool, copy=True)
    keep &= records[S.MONTH].isin([m for m in available if m[5:] in cal]).to_numpy(dtype=bool)
    if len(f.categories) < len(S.CATEGORIES):
        keep &= records[S.CATEGORY].isin(f.categories).to_numpy(dtype=bool)
    records = select_rows(records, keep)
    ev = evaluate(
        records,
        target,
        before=before,
        after=after,
        buffer_m=buffer_m,
        control=control or None,
        categories=f.categories,
        available_months=available,
    )
    # the same calendar window in every year that has it complete
    rows = []
    sub = filter_records(records, categories=f.categories, area=tgt)
    have = set(available)
    for year in sorted({int(m[:4]) for m in available}):
        shift = year - int(wa.start[:4])
        months = [f"{int(m[:4]) + shift:04d}{m[4:]}" for m in wa.months]
        if all(m in have for m in months):
            s = sub[sub[S.MONTH].isin(months)]
            n_asb = int((s[S.CATEGORY] == S.ASB).sum())
            rows.append(
                {"year": str(year), "Crime": len(s) - n_asb, "Anti-social behaviour": n_asb},
            )
    yearly = pd.DataFrame(rows, columns=["year", "Crime", "Anti-social behaviour"])
    ch = None
    notes: list[str] = []
    if with_change:
        try:
            ch = _hotspot_changes(everything, f, before, after, change_method)
        except Exception as exc:  # shown to people, never hides the evaluation
            notes.append(f"Hotspot change map unavailable: {exc}")
    return SeasonalView(ev, b_crime, b_asb, yearly, ch, tuple(notes), change_method)


def _hotspot_changes(
    records: pd.DataFrame,
    f: Filters,
    before: str,
    after: str,
    method: str,
) -> HotspotChanges:
    """Hotspots of ``after`` over the filters' area, each against ``before``."""
    from hotspots.comparison.hotspot_trend import hotspot_changes
    from hotspots.comparison.windows import window
    from hotspots.methods.detect import detect, study_area

    area = study_area(f.area)
    wa = window(after)
    now = filter_records(records, months=(wa.start, wa.end), categories=f.categories, area=area)
    res = detect(now, method, area=area)
    return hotspot_changes(records, res, wa, window(before), categories=f.categories)


# --- Ward view ------------------------------------------------------------------


@dataclass(frozen=True)
class WardView:
    ward_code: str
    ward_name: str
    area: Area
    n_records: int
    n_bcp: int
    share_of_bcp: float
    previous: PeriodComparison | None
    trend: pd.DataFrame
    categories: pd.DataFrame
    hotspots: gpd.GeoDataFrame
    locations: pd.DataFrame
    report: WardReport
    notes: tuple[str, ...] = ()
    outcomes: pd.DataFrame | None = None  # outcome_mix of the ward's records in the window
    comparison_note: str = ""  # why there is no comparison with a year earlier (if none)


def ward_view(records: pd.DataFrame, f: Filters, *, ward: str) -> WardView:
    """Return a ward's counts, trend, comparison with BCP, hotspots, top locations and report."""
    records = narrow(records)
    from hotspots.comparison.rates import compare_with_earlier
    from hotspots.comparison.windows import Window, dataset_months
    from hotspots.methods.detect import detect
    from hotspots.present.reports import ward_report_figures
    from hotspots.present.tables import location_counts

    area = resolve_area(f"ward:{ward}")
    code = area.spec.split(":", 1)[1]
    wf = f.with_(area=area.spec)
    available = dataset_months(records)
    in_ward = apply_filters(records, wf, window=False)
    recs = in_ward[in_ward[S.MONTH].between(f.start, f.end).to_numpy(dtype=bool)]
    bcp_mask = records[S.IN_BCP].to_numpy(dtype=bool) & records[S.MONTH].between(
        f.start,
        f.end,
    ).to_numpy(dtype=bool)
    if len(f.categories) < len(S.CATEGORIES):
        bcp_mask &= records[S.CATEGORY].isin(f.categories).to_numpy(dtype=bool)
    n_bcp = int(bcp_mask.sum())
    w = Window(f.start, f.end)
    previous, check = compare_with_earlier(
        records,
        w,
        area=area,
        categories=f.categories,
        available_months=available,
    )
    trend = trend_by_month(apply_filters(records, wf, window=False), available)
    cats = recs[S.CATEGORY].value_counts().rename_axis("category").reset_index(name="records")
    hs = detect(recs, "dbscan", area=area).hotspots
    locs = location_counts(recs) if len(recs) else pd.DataFrame(columns=["location", "count"])
    report = ward_report_figures(
        records[records[S.CATEGORY].isin(f.categories)],
        code,
        f.window,
        hotspots=hs,
        available_months=available,
    )
    return WardView(
        code,
        area.name.removesuffix(" ward"),
        area,
        len(recs),
        n_bcp,
        len(recs) / n_bcp if n_bcp else float("nan"),
        previous,
        trend,
        cats,
        hs,
        locs,
        report,
        outcomes=outcome_mix(recs),
        comparison_note=check.message,
    )


def ward_paragraph(wv: WardView, start: str, end: str, suppress_below: int | None = None) -> str:
    """Return the ward in plain English: records, against a year earlier, share of BCP, hotspots.

    Plain text (names come from data: escape for the sink). Counts below
    ``suppress_below`` read "fewer than k".
    """
    from hotspots.comparison import wording as W
    from hotspots.data.boundaries import load_boundaries
    from hotspots.present.disclosure import withheld
    from hotspots.present.tables import format_count, format_period

    def count(n: int) -> str:
        shown = format_count(n, suppress_below)
        return f"fewer than {suppress_below}" if shown.startswith("<") else shown

    period = format_period(start, end)
    out = [f"{wv.ward_name} had {count(wv.n_records)} records in {period}."]
    p = wv.previous
    small = p is not None and withheld((p.count_a, p.count_b), suppress_below)
    if p is not None and p.count_a > 0 and small:  # a change from a count under k gives it away
        out.append(
            f"A year earlier ({format_period(p.a.start, p.a.end)}) it had {count(p.count_a)}: "
            "the change is withheld (a count under "
            f"{suppress_below} is involved; disclosure control).",
        )
    elif p is not None and p.count_a > 0:
        r = p.result
        lo, hi = r.pct_ci
        if lo > 0:
            verdict = "more than could be chance"
        elif hi < 0:
            verdict = "fewer, more than could be chance"
        else:
            verdict = "within what chance alone could give"
        out.append(
            f"A year earlier ({format_period(p.a.start, p.a.end)}) it had {count(p.count_a)}: "
            f"a change of {W.pct(r.pct_change)} ({W.pct(lo)} to {W.pct(hi)}), {verdict}.",
        )
    elif p is None:
        out.append(wv.comparison_note or "There is no comparison with a year earlier.")
    if wv.n_bcp and not withheld((wv.n_records,), suppress_below):  # a share gives a count away
        share_area = 100 * wv.area.area_km2 / load_boundaries().outline_area_km2
        out.append(
            f"That is {100 * wv.share_of_bcp:.1f}% of all BCP records, from "
            f"{share_area:.1f}% of BCP's area.",
        )
    if len(wv.hotspots):
        names = [str(n) for n in wv.hotspots.sort_values(S.RANK)[S.NAME].head(3)]
        more = len(wv.hotspots) - len(names)
        listed = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        out.append(
            f"Records cluster most around {listed}"
            + (f" ({more} more hotspot{'s' if more > 1 else ''} on the map)." if more else "."),
        )
    else:
        out.append("No hotspot stands out in the ward for these months.")
    return " ".join(out)


# --- Patrol planning -------------------------------------------------------------


@dataclass(frozen=True)
class PatrolView:
    area: Area
    n_records: int
    places: gpd.GeoDataFrame  # top-N ranked patrol areas, HOTSPOT_COLUMNS + pai + cumulative share
    coverage: CoverageResult
    cell_size_m: float
    parameters: dict
    notes: tuple[str, ...] = ()
    score: PlanScore | None = None  # when judged on the next month


def patrol_view(
    records: pd.DataFrame,
    f: Filters,
    *,
    top_n: int = 10,
    cell_size_m: float = 150.0,
    judge_next: bool = False,
) -> PatrolView:
    """Return the top-N grid cells for the filters, with coverage (and its chance line) and PAI.

    Cells are ranked by records (:func:`hotspots.methods.detect.detect`, method
    "grid"); the coverage curve reads "patrolling x% of the area covers y% of the
    records", beside what records scattered at random would give. With
    ``judge_next`` the plan is also scored on the month after the window
    (prospective PAI, the figure a patrol plan is judged on).
    """
    records = narrow(records)
    from hotspots.comparison.windows import dataset_months
    from hotspots.methods.detect import detect, study_area
    from hotspots.methods.metrics import grid_coverage
    from hotspots.methods.topcells import score_cells

    area = study_area(f.area)
    recs = apply_filters(records, f)
    cov = grid_coverage(recs, cell_size_m=cell_size_m, area=area, chance=True)
    notes = list(getattr(cov, "notes", ()))
    res = detect(recs, "grid", area=area, top_n=top_n, cell_size_m=cell_size_m)
    notes.extend(res.notes)
    places = res.hotspots.copy()
    total_area_km2 = area.area_km2
    if len(places):
        places["cumulative_share"] = places[S.COUNT].cumsum() / max(res.n_records, 1)
        places["cumulative_area_share"] = places[S.AREA_KM2].cumsum() / total_area_km2
    else:
        places["cumulative_share"] = pd.Series(dtype="float64")
        places["cumulative_area_share"] = pd.Series(dtype="float64")
    score = None
    if judge_next:
        months = dataset_months(records)
        later = [m for m in months if m > f.end]
        if later:
            nxt = later[0]
            test = apply_filters(records, f.with_(start=nxt, end=nxt))
            score = score_cells(res.detail, test, area, nxt)
        else:
            notes.append(
                "no month after the window in this dataset: the plan cannot be judged yet.",
            )
    params = {
        "method": "grid cells ranked by records",
        "cell_size_m": cell_size_m,
        "top_n": top_n,
        "months": f"{f.start}..{f.end}",
        "categories": list(f.categories),
        "area": area.name,
        "hours": list(f.hours) if f.hours else None,
        "days": [DAYS[d] for d in f.days] if f.days else None,
    }
    return PatrolView(area, res.n_records, places, cov, cell_size_m, params, tuple(notes), score)


@dataclass(frozen=True)
class HotspotDetail:
    n_records: int
    by_category: pd.DataFrame
    trend: pd.DataFrame
    top_locations: pd.DataFrame
    outcomes: pd.DataFrame | None = None  # outcome_mix of the records inside


def hotspot_detail(records: pd.DataFrame, f: Filters, geometry) -> HotspotDetail:
    """Return the detail of the records inside one hotspot polygon (metres).

    Counts by category, monthly trend (whole dataset, same categories) and top locations.
    """
    records = narrow(records)
    from hotspots.comparison.windows import dataset_months
    from hotspots.data.areas import Area, records_in_area
    from hotspots.present.tables import location_counts

    if isinstance(geometry, bytes):
        import shapely

        geometry = shapely.from_wkb(geometry)
    spot = Area("hotspot", "polygon", "hotspot", geometry)
    allw = apply_filters(records, f, window=False)
    inside = allw[records_in_area(allw, spot)] if len(allw) else allw
    cur = inside[(inside[S.MONTH] >= f.start) & (inside[S.MONTH] <= f.end)]
    by_cat = cur[S.CATEGORY].value_counts().rename_axis("category").reset_index(name="records")
    trend = trend_by_month(inside, dataset_months(records))
    top = location_counts(cur).head(10)
    # a table for people: the place and its records (grid x/y are for the map, not for reading)
    locs = pd.DataFrame(
        {
            "Location": top[S.LOCATION].astype("string").fillna("Unknown location").to_numpy(),
            "Records": top[S.COUNT].astype("int64").to_numpy(),
            "Share of the hotspot (%)": (100 * top[S.COUNT] / max(len(cur), 1)).round(1).to_numpy(),
        },
    )
    return HotspotDetail(len(cur), by_cat, trend, locs, outcome_mix(cur))
