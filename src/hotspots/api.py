"""The public surface: ``import hotspots as hs``.

Five verbs over the layers below (each imports its heavy modules when called, so
``import hotspots`` stays cheap and never imports Streamlit, folium or fpdf2)::

    ds = hs.open_dataset("bundled")                       # or a dataset name, or a store path
    rec = ds.records(months=("2024-01", "2024-03"), categories="crime", area="Poole Town")
    res = hs.detect(rec, method="kde")                    # HotspotResult: .hotspots, .parameters, .notes
    cmp = hs.compare(ds, "2019-01:2019-02", "2024-01:2024-02", area="town-centre")
    ev = hs.evaluate(hs.open_dataset("simulated"), intervention="Seasonal Response", year=2022)
    rep = hs.ingest(["2024-04-dorset-street.csv"], store="my-store")   # IngestReport

Areas (``area=``, ``target=``, ``control=``) are anything
:func:`hotspots.data.areas.resolve_area` takes: ``"bcp"``, ``"town-centre"``, a town,
a ward name or code, an LSOA code, ``"Poole Bus Station@500"`` (a named place and a
radius in metres), a polygon file, a shapely polygon in EPSG:27700 metres, or a
GeoDataFrame/GeoSeries of polygons taken by its CRS. Records given as a GeoDataFrame
are taken by their CRS too (:func:`hotspots.data.frames.records_frame`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspots.validation import (
    LEVEL,
    METRES_OR_ZERO,
    Boolean,
    InstanceOf,
    Integral,
    Interval,
    validate_params,
)

if TYPE_CHECKING:  # imported for annotations only: the verbs import at call time
    from collections.abc import Iterable, Sequence

    import pandas as pd

    from hotspots.comparison.evaluation import Evaluation
    from hotspots.comparison.rates import PeriodComparison
    from hotspots.data.ingest import IngestReport
    from hotspots.data.store import Store
    from hotspots.methods.result import HotspotResult

__all__ = ["Dataset", "compare", "detect", "evaluate", "ingest", "open_dataset"]


@dataclass(frozen=True)
class Dataset:
    """A dataset of canonical records (a :class:`~hotspots.data.store.Store`) to read from.

    Attributes
    ----------
    store : the underlying store (its ``path``, ``version``, ``months()``...).
    """

    store: Store

    @property
    def path(self) -> Path:
        """The dataset's folder."""
        return Path(self.store.path)

    def months(self) -> list[str]:
        """Return the months (``YYYY-MM``) the dataset holds, in order."""
        return list(self.store.months())

    def records(
        self,
        months: str | Sequence[str] | None = None,
        categories: str | list[str] | tuple[str, ...] | None = None,
        area: Any = None,
    ) -> pd.DataFrame:
        """Canonical records (``x``/``y`` EPSG:27700 metres) of some months, categories, area.

        Parameters
        ----------
        months : None (every month), one month ``"2024-01"``, a window
            ``"2024-01:2024-03"`` or a tuple ``("2024-01", "2024-03")`` (both inclusive),
            or a list of months ``["2019-01", "2024-01"]`` (exactly those).
        categories : ``"crime"``, ``"asb"``, ``"all"``, a category name, or several
            (anything :func:`hotspots.data.schema.resolve_categories` accepts).
        area : None (every record in the dataset, in BCP or not) or an area as
            :func:`detect` takes it (module docstring), clipped to BCP land like there.

        Returns
        -------
        pandas.DataFrame with the canonical columns (:data:`hotspots.data.schema.RECORD_COLUMNS`).
        Only the month files, categories and area asked for are read: the area in SQL (its
        bounding box), then the exact point-in-polygon test on the few rows left.
        """
        from hotspots.data import schema as S

        first_last, exact = _months(months)
        cats = S.resolve_categories(categories) if categories is not None else None
        area_ = None
        if area is not None:
            area_ = _study_area(area)
        # the area in SQL: BCP's stored flag, else its bounding box and then the exact
        # test on the distinct locations left (Store.records)
        rec = self.store.records(
            months=first_last,
            categories=cats,
            area=area_,
            bcp_only=area_ is not None,
        )
        if exact is not None:
            rec = rec[rec[S.MONTH].isin(exact).to_numpy(dtype=bool)]
        return rec.reset_index(drop=True)

    def __repr__(self) -> str:
        """Return the folder and the span of months held."""
        m = self.months()
        span = f"{m[0]}..{m[-1]}, {len(m)} months" if m else "empty"
        return f"Dataset({str(self.path)!r}, {span})"


def _study_area(area: Any):
    """:func:`hotspots.methods.detect.study_area` (the area clipped to BCP land).

    For a spec string, computed once per process (clipping a ward to the coast costs more than
    reading its records).
    """
    from hotspots.methods.detect import study_area

    if isinstance(area, str):
        return _study_area_of_spec(area)
    return study_area(area)


@functools.lru_cache(maxsize=64)
def _study_area_of_spec(spec: str):
    from hotspots.methods.detect import study_area

    return study_area(spec)


def _months(months: object) -> tuple[tuple[str, str] | None, list[str] | None]:
    """(first, last) window to read, and the exact months to keep (None: all in the window)."""
    from hotspots.data.select import parse_month
    from hotspots.errors import InputError

    if months is None:
        return None, None
    if isinstance(months, str):
        first, _, last = months.partition(":")
        a = parse_month(first, "months")
        b = parse_month(last, "months") if last else a
        if b < a:
            raise InputError("months", months, "a window FROM:TO with FROM not after TO")
        return (a, b), None
    if isinstance(months, tuple) and len(months) == 2:
        a, b = parse_month(months[0], "months"), parse_month(months[1], "months")
        if b < a:
            raise InputError("months", months, "a (first, last) window with first not after last")
        return (a, b), None
    if isinstance(months, (list, set, frozenset)) and months:
        exact = sorted({parse_month(m, "months") for m in months})
        return (exact[0], exact[-1]), exact
    raise InputError(
        "months",
        months,
        "a month '2024-01', a window '2024-01:2024-03' or ('2024-01', '2024-03'), "
        "or a list of months",
    )


@validate_params(
    {
        "dataset": [InstanceOf(str, Path, description="a dataset name or a store directory")],
        "build": [Boolean()],
    },
)
def open_dataset(dataset: str | Path = "bundled", *, build: bool = True) -> Dataset:
    """Open a dataset by name or a store by its directory.

    Parameters
    ----------
    dataset : ``"bundled"`` (real police.uk months shipped with the package, built on
        first use), ``"simulated"``, the name of a dataset imported with ``hotspots
        ingest`` (under ``HOTSPOTS_STORE``, else the user cache), or a path to a store
        directory (a :class:`~pathlib.Path`, or a string with a path separator).
    build : build ``bundled``/``simulated`` on first use (default).

    Raises
    ------
    NoDataError
        for a name or directory that holds no dataset.
    """
    from hotspots.data.store import open_dataset as _open

    if isinstance(dataset, Path) or "/" in str(dataset) or "\\" in str(dataset):
        return Dataset(_open(store=dataset, build=build, must_exist=True))
    return Dataset(_open(str(dataset), build=build, must_exist=True))


def _records_of(data: Any) -> tuple[pd.DataFrame, list[str] | None]:
    """Return records (a Dataset's, or a frame taken by its CRS) and the months that hold data."""
    from hotspots.data.frames import records_frame

    if isinstance(data, Dataset):
        return data.records(), data.months()
    return records_frame(data), None


@validate_params({"method": [InstanceOf(str, description="a method name such as 'kde'")]})
def detect(
    records: Any,
    method: str = "dbscan",
    *,
    area: Any = None,
    **params: Any,
) -> HotspotResult:
    """Find and name hotspots: :func:`hotspots.methods.detect.detect`.

    Parameters
    ----------
    records : records from :meth:`Dataset.records` (or a :class:`Dataset`, all of its
        records), or a GeoDataFrame of points with a CRS.
    method : ``"dbscan"`` (default), ``"kde"``, ``"gistar"`` or ``"grid"``.
    area : study area (module docstring); default BCP.
    **params : the method's settings, e.g. ``eps_m``, ``min_points`` (dbscan);
        ``bandwidth_m``, ``cell_size_m``, ``top_share`` (kde); ``cell_size_m``,
        ``distance_m``, ``permutations`` (gistar); ``top_n`` (grid). Missing: automatic
        and announced in ``notes``.

    Returns
    -------
    HotspotResult with ``.hotspots`` (GeoDataFrame, EPSG:27700, fixed columns),
    ``.parameters`` (the settings used) and ``.notes``.
    """
    from hotspots.methods.detect import detect as _detect

    rec, _ = _records_of(records)
    return _detect(rec, method, area=area, **params)


@validate_params(
    {
        "a": [InstanceOf(str, description="text"), None],
        "b": [InstanceOf(str, description="text"), None],
        "overdispersion": [Boolean()],
    },
)
def compare(
    records: Any,
    a: str | None = None,
    b: str | None = None,
    *,
    area: Any = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    overdispersion: bool = True,
) -> PeriodComparison:
    """Return records in window A against window B (what ``hotspots compare`` prints).

    Parameters
    ----------
    records : a :class:`Dataset` (best: its months define each window's exposure) or
        all of a dataset's records (the monthly series estimate the dispersion).
    a, b : windows ``"FROM:TO"`` (e.g. ``"2019-01:2019-02"``); A is the earlier. Both
        None: chosen from the data (:func:`hotspots.comparison.windows.default_windows`).
    area, categories : as in :meth:`Dataset.records`; default all of BCP, every category.
    overdispersion : allow for the dispersion of the monthly counts (default) or not.

    Returns
    -------
    PeriodComparison: ``.by_category`` (counts, % change, 95% interval, p-value),
    ``.reading``, ``.notes``, ``.to_dict()``.
    """
    from hotspots.comparison.rates import compare_periods
    from hotspots.errors import InputError

    rec, have = _records_of(records)
    if (a is None) != (b is None):
        raise InputError("a, b", (a, b), "both windows or neither (to use the defaults)")
    if a is None or b is None:
        from hotspots.comparison.windows import default_windows

        d = default_windows(have if have is not None else rec)
        a, b = d.a.spec, d.b.spec
    return compare_periods(
        rec,
        a,
        b,
        area=area,
        categories=categories,
        available_months=have,
        overdispersion=overdispersion,
    )


@validate_params(
    {
        "before": [InstanceOf(str, description="text"), None],
        "after": [InstanceOf(str, description="text"), None],
        "intervention": [InstanceOf(str, description="text"), None],
        "year": [Interval(Integral, 1900, 2200, unit="(a year)"), None],
        "buffer_m": [METRES_OR_ZERO, None],
        "conf": [LEVEL],
    },
)
def evaluate(
    records: Any,
    target: Any = None,
    *,
    before: str | None = None,
    after: str | None = None,
    intervention: str | None = None,
    year: int | None = None,
    buffer_m: float | None = None,
    control: Any = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    conf: float = 0.95,
) -> Evaluation:
    """Evaluate an intervention: target against control, the ring around it, WDD and WDQ.

    Either name a registered ``intervention`` (``geodata/interventions.toml`` or one
    added on the Seasonal comparison page) and a ``year`` (default: its first evaluated
    year): its target, ring and windows (its months that year against the same months a
    year earlier) are used unless given; or give ``target``, ``before`` and ``after``.

    Parameters
    ----------
    records : a :class:`Dataset` or all of a dataset's records.
    target, control : areas (module docstring); control defaults to the rest of BCP.
    before, after : windows ``"FROM:TO"``.
    buffer_m : ring width in metres (default: the intervention's, else 400; 0: no ring).
    categories : crime and ASB are always evaluated separately (default both).
    conf : confidence level.

    Returns
    -------
    Evaluation (:func:`hotspots.comparison.evaluation.evaluate`): ``.table()``,
    ``.groups`` (per group WDD, WDQ, net effect), ``.notes``, ``.to_dict()``; the English reading
    is ``hotspots.present.evaluation_words.evaluation_reading(ev)``.
    """
    from hotspots.comparison.evaluation import DEFAULT_BUFFER_M
    from hotspots.comparison.evaluation import evaluate as _evaluate
    from hotspots.errors import InputError

    rec, have = _records_of(records)
    if intervention is not None:
        from hotspots.comparison.interventions import intervention_windows, load_interventions
        from hotspots.comparison.windows import dataset_months

        reg = {iv.name.lower(): iv for iv in load_interventions()}
        iv = reg.get(str(intervention).strip().lower())
        if iv is None:
            raise InputError("intervention", intervention, "a registered intervention",
                             f"Registered: {', '.join(i.name for i in reg.values())}.")  # fmt: skip
        months = have if have is not None else dataset_months(rec)
        c = intervention_windows(iv, year or iv.first_evaluated or iv.years[-1], months)
        if c.problems:
            raise InputError("year", c.year, "a year whose windows have data", " ".join(c.problems))
        target = target if target is not None else c.target
        before, after = before or c.before.spec, after or c.after.spec
        buffer_m = c.buffer_m if buffer_m is None else buffer_m
    for name, v in (("target", target), ("before", before), ("after", after)):
        if v is None:
            raise InputError(name, v, "a value (or intervention=NAME, year=YEAR)")
    return _evaluate(
        rec,
        target,
        before=before,  # type: ignore[arg-type]
        after=after,  # type: ignore[arg-type]
        buffer_m=DEFAULT_BUFFER_M if buffer_m is None else buffer_m,
        control=control,
        categories=categories,
        available_months=have,
        conf=conf,
    )


@validate_params(
    {
        "dataset": [InstanceOf(str, description="text"), None],
        "fmt": [InstanceOf(str, description="text"), None],  # the readers check the name
        "replace": [Boolean()],
        "keep": [InstanceOf(str, description="text")],  # the store checks the choice
        "strict": [Boolean()],
        "replace_smaller": [Boolean()],
    },
)
def ingest(
    paths: str | Path | Iterable[str | Path],
    store: str | Path | Dataset | None = None,
    *,
    dataset: str | None = None,
    fmt: str | None = None,
    mapping: Any = None,
    replace: bool = False,
    keep: str = "all",
    strict: bool = False,
    replace_smaller: bool = False,
) -> IngestReport:
    """Import files into a store, reconciled against what it holds; return the report.

    Parameters
    ----------
    paths : files, folders or zips (police.uk street CSVs, or force exports with ``mapping``).
    store : a store directory (created if new) or a :class:`Dataset`; or give ``dataset``,
        a name under ``HOTSPOTS_STORE`` (else the user cache).
    fmt : ``"police.uk"`` (default) or ``"force-export"`` (default when ``mapping`` is given).
    mapping : column mapping of a force export (see ``hotspots ingest --mapping``).
    replace : the new records replace the store's (only if some row was accepted).
    keep : ``"all"`` (default), ``"bcp"`` or ``"force"`` (see :meth:`Store.ingest`).
    strict : refuse the whole import on any rejected row.
    replace_smaller : let the import replace a month with fewer rows (more than 2% fewer is
        otherwise refused with :class:`~hotspots.errors.ShrinkRefusedError`).

    Returns
    -------
    IngestReport: rows read, accepted, rejected (by reason), duplicates, replaced, files read,
    skipped and failed (``.to_dict()`` is what ``hotspots ingest --json`` prints). The rows
    rejected are in ``open_dataset(store).store.last_rejected()``.
    """
    from hotspots.data.access import dataset_name
    from hotspots.data.store import open_dataset as _open
    from hotspots.errors import InputError

    if isinstance(store, Dataset):
        st = store.store
    elif store is not None:
        st = _open(store=store, build=False)
    elif dataset is not None:
        st = _open(dataset_name(dataset), build=False)
    else:
        raise InputError("store", None, "a store directory, a Dataset or dataset=NAME")
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    kind = fmt or ("force-export" if mapping is not None else "police.uk")
    result = st.ingest(
        items,
        fmt=kind,
        mapping=mapping,
        replace=replace,
        keep=keep,
        strict=strict,
        replace_smaller=replace_smaller,
    )
    return result.report
