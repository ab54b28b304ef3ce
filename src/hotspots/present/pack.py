"""The monthly pack for the Partnership Coordinating Group: what goes in it.

:func:`build_pack` gathers, for one period and a comparison period, everything the
pack shows: the cover (period, data source, coverage and caveats), a vector map of
the numbered hotspots (ward boundaries, the BCP outline and named places from
``geodata/``, the data's streets, a street-scale inset of the densest cluster, and
tiles only where a tile server is set: :func:`map_view`), the ranked table with each hotspot's change
(:func:`hotspots.comparison.hotspot_trend.hotspot_changes`), the category and outcome
mix per hotspot, one panel per focus area (``geodata/focus_areas.toml``: a 13-month
trend on a time axis, the hotspots inside, the change, category and outcome mix) and
the method's announced settings. :mod:`hotspots.present.pack_pdf` and
:mod:`hotspots.present.pack_html` draw it; neither computes anything.
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from hotspots.comparison import wording as W
from hotspots.comparison.dispersion import POISSON_LABEL, area_dispersion
from hotspots.comparison.hotspot_trend import (
    COMPARE_CHOICES,
    HotspotChanges,
    comparison_window,
    count_in_polygons,
    hotspot_changes,
)
from hotspots.comparison.rates import rate_ratio
from hotspots.comparison.windows import Window, dataset_months, window
from hotspots.data import schema as S
from hotspots.data.areas import resolve_area
from hotspots.data.boundaries import Boundaries, geodata_dir, load_boundaries
from hotspots.data.select import filter_records
from hotspots.errors import FileReadError, InputError
from hotspots.present.chart import month_label
from hotspots.present.disclosure import withheld
from hotspots.present.pack_draw import (  # re-exported: drawing helpers of pack_pdf and pack_html
    CLASS_COLOURS,
    MapView,
    label_points,
    map_bounds,
    map_view,
    place_labels,
    project,
    rings,
)
from hotspots.present.streets import StreetLayer, build_streets
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW, format_count, nest_hotspots

if TYPE_CHECKING:
    from hotspots.present.map_assets import TileSpec

__all__ = [
    "CLASS_COLOURS",
    "FOCUS_AREAS_FILE",
    "FocusArea",
    "FocusPanel",
    "Pack",
    "apply_disclosure",
    "build_pack",
    "count_cell",
    "fmt_change",
    "label_points",
    "load_focus_areas",
    "map_bounds",
    "month_label",
    "period_label",
    "place_labels",
    "project",
    "rings",
    "share_cell",
]

FOCUS_AREAS_FILE = "focus_areas.toml"
NO_OUTCOME = "No outcome recorded (police.uk gives none for ASB)"


def period_label(w: Window) -> str:
    """``Jan 2024 – Mar 2024``; one month: ``Mar 2024``."""
    if w.start == w.end:
        return month_label(w.start)
    return f"{month_label(w.start)} – {month_label(w.end)}"


def _runs(months: list[str]) -> list[tuple[str, str]]:
    """Consecutive runs of sorted ``YYYY-MM`` months, as (first, last)."""
    out: list[tuple[str, str]] = []
    for m in sorted(months):
        if out and pd.Period(out[-1][1], freq="M") + 1 == pd.Period(m, freq="M"):
            out[-1] = (out[-1][0], m)
        else:
            out.append((m, m))
    return out


def runs_text(months: list[str]) -> str:
    """``Oct 2018 – Feb 2019, Jan 2024 – Mar 2024`` (``none`` when empty)."""
    if not months:
        return "none"
    return ", ".join(period_label(Window(a, b)) for a, b in _runs(months))


def fmt_change(pct: float, lo: float, hi: float, then: object = None, now: object = None) -> str:
    """``+31% (+2% to +69%)``; ``n/a`` when there is no change to give.

    Given the counts ``then`` and ``now``, small counts read as counts: ``from 1 to 17
    records`` when ``then`` is below 5 or the change is over +300% ("+1600% (+166% to
    +70946%)" says less than the two counts).
    """
    if then is not None and now is not None and not (pd.isna(then) or pd.isna(now)):
        a, b = int(then), int(now)  # type: ignore[call-overload]
        big = isinstance(pct, float) and math.isfinite(pct) and pct > W.COUNTS_ABOVE_PCT
        if 0 < a < W.COUNTS_BELOW or big:
            return f"from {a:,} to {b:,} records"
    if not (isinstance(pct, float) and math.isfinite(pct)):
        if isinstance(lo, float) and math.isfinite(lo):
            return f"none then (at least {W.pct(lo)})"
        return "n/a"
    hi_t = W.pct(hi) if math.isfinite(hi) else "no upper limit"
    return f"{W.pct(pct)} ({W.pct(lo)} to {hi_t})"


# --- focus areas ------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusArea:
    """One focus area: a title, an area spec (:func:`hotspots.data.areas.resolve_area`), a note."""

    name: str
    area: str
    note: str = ""


def load_focus_areas(path: str | Path | None = None) -> list[FocusArea]:
    """Focus areas from ``geodata/focus_areas.toml`` (or ``path``): ``[[area]]`` tables."""
    p = Path(path) if path is not None else geodata_dir() / FOCUS_AREAS_FILE
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileReadError(str(p), "focus-area list not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise FileReadError(str(p), f"not valid TOML ({exc})") from None
    out = []
    for i, d in enumerate(data.get("area", []), start=1):
        if not isinstance(d, dict) or not d.get("name") or not d.get("area"):
            raise FileReadError(str(p), f"[[area]] number {i} needs a name and an area")
        out.append(FocusArea(str(d["name"]), str(d["area"]), str(d.get("note", ""))))
    return out


@dataclass(frozen=True)
class FocusPanel:
    """What one focus-area page shows.

    ``trend`` is 13 (month, count or None when the month has no data) pairs ending at
    the period's last month; ``hotspots`` (rank, name, class) of the current hotspots
    that overlap the area; ``categories`` and ``outcomes`` (label, records, share)
    in the current period; ``change`` the area's change (text) or None.
    """

    name: str
    spec: str
    area_name: str
    note: str
    trend: tuple[tuple[str, int | None], ...]
    count_now: int | str  # text ("<5") once the disclosure rule is applied
    count_then: int | str | None
    change: str | None
    interval_basis: str
    hotspots: tuple[tuple[int, str, str], ...]
    categories: tuple[tuple[str, int | str, float | None], ...]  # share None: withheld
    outcomes: tuple[tuple[str, int | str, float | None], ...]
    error: str = ""


# --- the pack ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    """Everything the PCG pack shows (built by :func:`build_pack`).

    ``table`` is the ranked table of the top hotspots (rank, name, ward, records_now,
    records_then, change, change_class) and ``gone`` the hotspots of the comparison
    period that are gone (name, ward, records then, records now); ``mix`` the
    category and outcome mix per listed hotspot; ``more`` how many smaller
    hotspots are left out of the map and table.
    """

    title: str
    now: Window
    then: Window | None
    compare: str
    dataset: str
    version: str
    simulated: bool
    months_held: tuple[str, ...]
    cover_lines: tuple[str, ...]
    caveats: tuple[str, ...]
    result: Any
    changes: HotspotChanges | None
    table: pd.DataFrame
    gone: pd.DataFrame
    more: int
    mix: pd.DataFrame
    focus: tuple[FocusPanel, ...]
    settings: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    boundaries: Boundaries = field(repr=False)
    generated: str = ""
    suppress_below: int | None = None  # the disclosure rule applied (None: exact counts)
    #: the dataset's streets (police.uk map points joined), named on the map page
    streets: StreetLayer | None = field(default=None, repr=False)
    #: the map page: extent, street-scale inset and background tiles (:func:`map_view`)
    view: MapView | None = field(default=None, repr=False)
    #: each listed hotspot's number as the dashboard's table writes it, by rank: "1", "1.1"
    #: (a street-sized hotspot inside district 1), the same on every page of the pack
    labels: dict[int, str] = field(default_factory=dict, repr=False)

    def label(self, rank: object) -> str:
        """Return the number printed for the hotspot of this rank (``labels``; else the rank)."""
        r = int(rank)  # type: ignore[call-overload]
        return self.labels.get(r, str(r))

    @property
    def period(self) -> str:
        """The pack's period as words (its "now" window)."""
        return period_label(self.now)

    @property
    def n_pages(self) -> int:
        """Pages of the PDF: cover, map, table, mix, one per focus area, settings."""
        return 5 + len(self.focus)


def _rank_labels(hotspots: pd.DataFrame) -> dict[int, str]:
    """Return each ranked hotspot's number as the dashboard's table writes it, by rank.

    Numbers such as "1", "1.1" (:func:`hotspots.present.tables.nest_hotspots`), so the
    pack and the page agree.
    """
    df = pd.DataFrame(hotspots).drop(columns="geometry", errors="ignore")
    if not len(df) or S.RANK not in df.columns:
        return {}
    df = df[df[S.RANK].notna()].astype({S.RANK: "int64"})
    n = nest_hotspots(df)
    return {int(r): str(lb) for r, lb in zip(n[S.RANK], n["label"], strict=True)}


def _mix(values: pd.Series, n: int = 3) -> tuple[tuple[str, int, float], ...]:
    total = len(values)
    if not total:
        return ()
    vc = values.astype("string").fillna(NO_OUTCOME).value_counts().head(n)
    return tuple((str(k), int(v), float(v) / total) for k, v in vc.items())


def _mix_text(items: tuple[tuple[str, int, float], ...]) -> str:
    return "; ".join(f"{k} {round(100 * s):d}%" for k, _, s in items) or "none"


def _focus_panel(
    fa: FocusArea,
    records: pd.DataFrame,
    now: Window,
    then: Window | None,
    have: set[str],
    changes_table: pd.DataFrame | None,
    result: Any,
    categories,
    b: Boundaries,
) -> FocusPanel:
    from hotspots.methods.detect import study_area

    try:
        area = study_area(resolve_area(fa.area, b), b)
    except Exception as exc:
        return FocusPanel(fa.name, fa.area, fa.area, fa.note, (), 0, None, None, "", (), (), (),
                          error=f"This area could not be read: {exc}")  # fmt: skip
    last13 = Window(str(pd.Period(now.end, freq="M") - 12), now.end).months
    recs = filter_records(records, categories=categories, area=area)
    month = recs[S.MONTH].astype(str)
    counts = month.value_counts()
    trend = tuple((m, int(counts.get(m, 0)) if m in have else None) for m in last13)
    cur = recs[month.isin(now.months).to_numpy()]
    n_now = len(cur)
    n_then = change = None
    basis = ""
    if then is not None:
        m_then = [m for m in then.months if m in have]
        m_now = [m for m in now.months if m in have]
        if m_then and m_now:
            n_then = int(month.isin(m_then).sum())
            series_months = sorted(set(m_now) | set(m_then) | (set(last13) & have))
            in_series = month.isin(series_months).to_numpy()
            disp = area_dispersion(
                recs[in_series],
                series_months,
                area_kind=area.kind,
                what=f"records in {area.name}",
            )
            rr = rate_ratio(n_then, n_now, len(m_then), len(m_now), dispersion=disp)
            pct, lo, hi = (100 * (v - 1) for v in (rr.ratio, rr.ci_low, rr.ci_high))
            change = fmt_change(pct, lo, hi, n_then, n_now)
            basis = disp.description
    hs = []
    tab = changes_table if changes_table is not None else result.hotspots
    for _, r in tab.iterrows():
        if pd.isna(r[S.RANK]):
            continue
        if shapely.intersection(r.geometry, area.geometry).area > 0:
            cls = r.get("change_class", pd.NA)
            hs.append((int(r[S.RANK]), str(r[S.NAME]), "" if pd.isna(cls) else str(cls)))
    return FocusPanel(
        fa.name, area.spec, area.name, fa.note, trend, n_now, n_then, change, basis,
        tuple(hs), _mix(cur[S.CATEGORY], 8), _mix(cur[S.OUTCOME], 8) if S.OUTCOME in cur else (),
    )  # fmt: skip


def build_pack(
    records: pd.DataFrame,
    month: str,
    months: int = 1,
    compare: str | None = "previous",
    *,
    method: str = "dbscan",
    categories=None,
    area: str | None = None,
    params: dict | None = None,
    dataset: str = "bundled",
    version: str = "",
    top: int = 25,
    focus_areas: list[FocusArea] | None = None,
    boundaries: Boundaries | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    tiles: str | TileSpec | None = "auto",
) -> Pack:
    """Gather the PCG pack for the ``months`` months ending at ``month``.

    Parameters
    ----------
    records : canonical records of the whole dataset (all months: the comparison
        period, the 13-month trends and the coverage come from them); must carry
        the ``outcome`` column for the outcome mix (police.uk "Last outcome category").
    month : ``YYYY-MM``, the last month of the period.
    months : length of the period in months (1-12).
    compare : ``"previous"`` (the months just before), ``"year"`` (the same months a
        year earlier) or None (no comparison).
    method, area, params : the hotspot method, study area and settings (``detect``).
    categories : categories to include (default all).
    dataset, version : named on the cover.
    top : hotspots drawn on the map and listed (the rest are counted in ``more``).
    focus_areas : default :func:`load_focus_areas`.
    suppress_below : the disclosure rule (:func:`hotspots.present.disclosure.suppress_below_for`):
        counts from 1 to 4 read ``<5`` and changes and shares computed from them are
        withheld (:func:`apply_disclosure`); None: exact counts.
    tiles : background tiles of the map page (:func:`hotspots.present.tiles.pack_tiles`:
        ``"auto"`` uses ``HOTSPOTS_TILES`` only when set), fetched once here and cached.
    """
    from hotspots.methods.detect import detect

    if not (isinstance(months, int) and 1 <= months <= 12):
        raise InputError("months", months, "a whole number of months, 1 to 12")
    if not (isinstance(top, int) and 1 <= top <= 99):
        raise InputError("top", top, "a whole number of hotspots, 1 to 99")
    if compare not in (None, "none", *COMPARE_CHOICES):
        raise InputError("compare", compare, "previous, year or none")
    compare = None if compare == "none" else compare
    version = str(version).rsplit("@", 1)[-1]  # the content hash: never the store's server path
    end = window(month, "month").end
    now = Window(str(pd.Period(end, freq="M") - (months - 1)), end)
    b = boundaries or load_boundaries()
    held = dataset_months(records)
    have = set(held)
    m_now = [m for m in now.months if m in have]
    if not m_now:
        raise InputError(
            "month",
            month,
            "a period with data",
            f"This dataset holds {runs_text(held)}.",
        )
    cur = filter_records(records, months=(now.start, now.end), categories=categories, area=area)
    result = detect(cur, method, area=area, boundaries=b, **(params or {}))
    then = comparison_window(now, compare) if compare else None
    changes = (
        hotspot_changes(records, result, now, then, categories=categories, params=params)
        if then is not None
        else None
    )
    hs = result.hotspots
    k = min(top, len(hs))
    shown = hs.iloc[:k]
    labels = _rank_labels(hs)
    # one count per hotspot per window on every page of the pack: records inside its outline
    in_area = cur
    idx = count_in_polygons(
        in_area[S.X].to_numpy(dtype=float),
        in_area[S.Y].to_numpy(dtype=float),
        shown.geometry,
    )
    n_inside = [len(i) for i in idx]
    if changes is not None:
        ct = changes.current.iloc[:k]
        then_n, cls = ct["count_then"].tolist(), ct["change_class"].tolist()
        chg = [fmt_change(*v) for v in ct[["change_pct", "change_ci_low", "change_ci_high", "count_then", "count_now"]].itertuples(index=False)]  # fmt: skip
    else:
        then_n, cls, chg = [pd.NA] * k, [pd.NA] * k, ["n/a"] * k
    table = pd.DataFrame(
        {
            "rank": shown[S.RANK].astype(int).to_numpy(),
            "label": [labels.get(int(r), str(int(r))) for r in shown[S.RANK]],
            "name": shown[S.NAME].astype(str).to_numpy(),
            "ward": shown[S.WARD_NAME].fillna("outside BCP").astype(str).to_numpy(),
            "records_now": n_inside,
            "records_then": then_n,
            "change": chg,
            "change_class": ["" if pd.isna(c) else str(c) for c in cls],
        },
    )
    differ = int((shown[S.COUNT].astype(int).to_numpy() != np.asarray(n_inside, dtype=int)).sum())
    count_notes = []
    if differ:
        count_notes.append(
            f"Records per hotspot are the records inside its outline in each period, the same "
            f"number on every page of this pack; for {differ} of the listed hotspots the "
            f"method's own count ({result.method_label}) differs, as a point on an edge or "
            "shared with a neighbouring hotspot counts differently there.",
        )
    if changes is not None and (n_unclear := len(changes.former) - len(changes.gone)):
        count_notes.append(
            f"{n_unclear} hotspot{'s' if n_unclear != 1 else ''} of the comparison period "
            f"overlap{'s' if n_unclear == 1 else ''} none now but {'their' if n_unclear != 1 else 'its'} "
            "fall is not distinguishable from none (too few records to tell): not listed as gone.",
        )
    gone = pd.DataFrame(columns=["name", "ward", "records_then", "records_now"])
    if changes is not None and len(changes.gone):
        g = changes.gone.sort_values("count_then", ascending=False)
        gone = pd.DataFrame(
            {
                "name": g[S.NAME].astype(str).to_numpy(),
                "ward": g[S.WARD_NAME].fillna("outside BCP").astype(str).to_numpy(),
                "records_then": g["count_then"].astype(int).to_numpy(),
                "records_now": g["count_now"].astype(int).to_numpy(),
            },
        )
    # category and outcome mix per listed hotspot (records inside its outline, now)
    mix = pd.DataFrame(
        {
            "rank": table["rank"],
            "label": table["label"],
            "name": table["name"],
            "records": [len(i) for i in idx],
            "categories": [_mix_text(_mix(in_area[S.CATEGORY].iloc[i])) for i in idx],
            "outcomes": [
                _mix_text(_mix(in_area[S.OUTCOME].iloc[i])) if S.OUTCOME in in_area else "n/a"
                for i in idx
            ],
        },
    )
    fas = load_focus_areas() if focus_areas is None else focus_areas
    ctab = changes.table if changes is not None else None
    panels = tuple(
        _focus_panel(fa, records, now, then, have, ctab, result, categories, b) for fa in fas
    )

    miss_now = [m for m in now.months if m not in have]
    cover = [
        f"Period: {period_label(now)} ({months} month{'s' if months != 1 else ''}"
        + (f"; {len(miss_now)} without data" if miss_now else "")
        + ").",
        (
            f"Compared with {COMPARE_CHOICES[str(compare)]}: {period_label(then)}"
            + (
                "."
                if changes is not None and changes.has_comparison
                else " – this dataset holds no data for the comparison period, so no change or "
                "class can be given."
            )
            if then is not None
            else "No comparison period chosen."
        ),
        f"Data: the '{dataset}' dataset"
        + (f" (version {version})" if version else "")
        + f", {len(cur):,} records in the period.",
        f"Months held: {runs_text(held)}.",
        "Missing months between the first and last held: "
        + runs_text(sorted(set(Window(held[0], held[-1]).months) - have))
        + ".",
        (
            f"Hotspots: {len(hs)} found by {result.method_label}; the {k} largest are numbered on "
            "the map and listed."
        ),
    ]
    simulated = bool(S.SIMULATED in records and records[S.SIMULATED].fillna(False).any())
    caveats = [
        (
            "police.uk records are not the force's own counts: they are the published, "
            "anonymised extract, revised as crimes are reclassified, and some records are never "
            "published."
        ),
        (
            "police.uk locations are anonymised map points (each stands for the streets around "
            "it), not addresses: a hotspot of one map point may be a whole street or block."
        ),
        (
            "A hotspot is where records cluster; more records can mean more reporting or more "
            "patrolling as well as more crime."
        ),
        (
            "Changes are per month of data, with 95% intervals that allow for month-to-month "
            "variation where enough months exist; where they do not, the interval "
            f"{POISSON_LABEL}."
        ),
    ]
    caveats += count_notes
    if simulated:
        caveats.insert(0, "SIMULATED DATA: these are not real crimes.")
    settings = [("Method", result.method_label), ("Study area", result.study_area.name)]
    settings += [(str(k_), str(v)) for k_, v in result.parameters.items() if k_ != "method"]
    cats = S.CATEGORIES if categories is None else S.resolve_categories(categories)
    all_cats = set(cats) == set(S.CATEGORIES)
    settings += [("Categories", "all" if all_cats else ", ".join(cats))]
    notes = list(result.notes) + (list(changes.notes) if changes is not None else [])
    pack = Pack(
        title="Safer BCP – Partnership Coordinating Group pack",
        now=now, then=then, compare=compare or "none", dataset=dataset, version=version,
        simulated=simulated, months_held=tuple(held), cover_lines=tuple(cover),
        caveats=tuple(caveats), result=result, changes=changes, table=table, gone=gone,
        more=len(hs) - k, mix=mix, focus=panels, settings=tuple(settings), notes=tuple(notes),
        boundaries=b, generated=_dt.date.today().isoformat(), streets=build_streets(records),
        labels=labels,
    )  # fmt: skip
    pack = replace(pack, view=map_view(pack, tiles))
    return apply_disclosure(pack, suppress_below)


def count_cell(value: object, suppress_below: int | None = None) -> str:
    """Return a count in the pack: ``"1,234"``, ``"<5"`` when withheld, ``""`` when missing.

    Text already written by :func:`apply_disclosure` passes through.
    """
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return ""
    return format_count(value, suppress_below)


def share_cell(share: float | None) -> str:
    """Return a share of records as a whole percentage, or "withheld"."""
    return "withheld" if share is None else f"{round(100 * share)}%"


def apply_disclosure(pack: Pack, suppress_below: int | None) -> Pack:
    """``pack`` with the disclosure rule applied to every count it shows.

    Counts from 1 to ``suppress_below - 1`` become ``"<5"``; the change of a hotspot or
    focus area with such a count (now or then) reads "withheld", as do the shares and
    the category / outcome mix of such a count; such months of a focus area's trend
    are left out of its chart.
    """
    k = suppress_below
    if not k:
        return pack
    tab = pack.table.copy()
    small = [
        withheld((n, t if not pd.isna(t) else 0), k)
        for n, t in zip(tab["records_now"], tab["records_then"], strict=True)
    ]
    tab["change"] = ["withheld" if s else c for s, c in zip(small, tab["change"], strict=True)]
    tab["records_now"] = [count_cell(v, k) for v in tab["records_now"]]
    tab["records_then"] = [count_cell(v, k) for v in tab["records_then"]]
    gone = pack.gone.copy()
    for c in ("records_then", "records_now"):
        gone[c] = [count_cell(v, k) for v in gone[c]]
    mix = pack.mix.copy()
    hide = [withheld((n,), k) for n in mix["records"]]
    for c in ("categories", "outcomes"):
        mix[c] = ["withheld" if h else v for h, v in zip(hide, mix[c], strict=True)]
    mix["records"] = [count_cell(v, k) for v in mix["records"]]

    def items(xs):
        return tuple(
            (name, count_cell(n, k), None if withheld((n,), k) else share) for name, n, share in xs
        )

    focus = tuple(
        replace(
            fp,
            trend=tuple((m, None if withheld((n,), k) else n) for m, n in fp.trend),
            count_now=count_cell(fp.count_now, k),
            count_then=None if fp.count_then is None else count_cell(fp.count_then, k),
            change=(
                "withheld"
                if withheld((fp.count_now, fp.count_then or 0), k) and fp.change is not None
                else fp.change
            ),
            categories=items(fp.categories),
            outcomes=items(fp.outcomes),
        )
        if not fp.error
        else fp
        for fp in pack.focus
    )
    return replace(pack, table=tab, gone=gone, mix=mix, focus=focus, suppress_below=k)
