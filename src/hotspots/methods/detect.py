"""One entry point for every hotspot method: ``detect(records, method=..., area=...)``.

The CLI, every page, the ward report and the exports call :func:`detect`, which

1. resolves the study area at the edge (``bcp``, a town, a ward, ``place@radius``,
   a drawn polygon, an :class:`~hotspots.data.areas.Area`) and clips it to BCP
   land, the same default for every method;
2. keeps the records inside it;
3. looks the method up in the registry (:mod:`hotspots.methods.registry`: DBSCAN, kernel
   density, Getis-Ord Gi*, the busiest grid cells, or any method registered there), checks
   the settings against the method's declared constraints and runs it with its automatic,
   announced settings;
4. describes and names the hotspots (:mod:`hotspots.methods.naming`);
5. splits district-sized hotspots into street-sized children at their density
   valleys (:mod:`hotspots.methods.hierarchy`) and returns one
   :class:`~hotspots.methods.result.HotspotResult` with the fixed schema.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.data.named_areas import load_named_areas
from hotspots.data.select import select_rows
from hotspots.errors import InputError
from hotspots.methods.hierarchy import add_children
from hotspots.methods.naming import check_records, describe_hotspots
from hotspots.methods.registry import GISTAR_SCOPES, METHODS, MIN_PAI, MIN_SHARE, get_method
from hotspots.methods.result import HotspotResult, conform_hotspots

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.methods.registry import Method


__all__ = [
    "ANONYMISED_NOTE",
    "GISTAR_SCOPES",
    "IMPORTANCE_FLOORED",
    "METHODS",
    "MIN_PAI",
    "MIN_SHARE",
    "detect",
    "importance_floor",
    "study_area",
]

#: the significance tests whose hotspots must also pass :func:`importance_floor`
#: (the busiest grid cells are a ranking; a newly registered method opts in here)
IMPORTANCE_FLOORED: tuple[str, ...] = ("dbscan", "kde", "gistar")

ANONYMISED_NOTE = (
    "police.uk locations are anonymised map points (each stands for the streets around it), "
    "not addresses: a hotspot of one map point may be a whole street or block."
)


def study_area(area: Area | str | None, boundaries: Boundaries | None = None) -> Area:
    """Return the study area: ``area`` (default BCP) clipped to BCP land.

    A circle round a seafront place reaches into the sea and a drawn rectangle may
    cross the boundary; neither water nor a neighbouring authority should count as
    area where records could have been (it would make chance look thinner).
    """
    b = boundaries or load_boundaries()
    a = resolve_area(area, b)
    if a.kind == "bcp":
        return a
    geom = shapely.intersection(a.geometry, b.outline)
    if geom.is_empty or geom.area <= 0:
        raise InputError(
            "area",
            a.name,
            "an area that overlaps BCP",
            "Choose a ward, town, named place or draw an area inside BCP.",
        )
    return Area(a.name, a.kind, a.spec, geom)


def detect(
    records: pd.DataFrame,
    method: str = "dbscan",
    *,
    area: Area | str | None = None,
    boundaries: Boundaries | None = None,
    gazetteer: gpd.GeoDataFrame | None = None,
    **params: Any,
) -> HotspotResult:
    """Find and name hotspots with one method in one study area.

    Parameters
    ----------
    records : canonical records (``x``, ``y`` metres, EPSG:27700), already filtered
        to the months and categories wanted; records outside the study area are
        dropped here.
    method : "dbscan" (default), "kde", "gistar" or "grid" (busiest cells): a name in
        :mod:`hotspots.methods.registry`.
    area : study area spec or :class:`~hotspots.data.areas.Area`; default BCP.
        Clipped to BCP land (:func:`study_area`).
    boundaries, gazetteer : for areas, wards and names (default: bundled).
    **params : the method's own settings, all optional (automatic and announced):
        dbscan ``eps_m``, ``min_points``, ``buffer_m``; kde ``kernel``,
        ``cell_size_m``, ``bandwidth_m``, ``top_share``, ``alpha``; gistar
        ``cell_size_m``, ``distance_m``, ``fdr``, ``alpha``, ``permutations``,
        ``seed``, ``scope`` (:data:`GISTAR_SCOPES`: "bcp", the default, tests every cell
        against all of BCP and shows the BCP hotspots inside ``area``; "area" tests the
        area alone, "unusual for this area"); grid ``top_n``, ``cell_size_m``. ``None`` means
        automatic.

    Returns
    -------
    HotspotResult
    """
    spec = get_method(method)  # the registry (hotspots.methods.registry): a look-up, not a branch
    params = spec.check(params)
    records = check_records(records)
    b = boundaries or load_boundaries()
    if S.IN_BCP not in records.columns:
        # a hand-made frame or GeoDataFrame: decide BCP membership here, as the readers do
        from hotspots.data.boundaries import locate

        where = locate(
            records[S.X].to_numpy(dtype="float64"),
            records[S.Y].to_numpy(dtype="float64"),
            b,
        )
        records = records.assign(**{S.IN_BCP: where[S.IN_BCP].to_numpy(dtype=bool)})
    gz = b.gazetteer if gazetteer is None else gazetteer
    area_ = study_area(area, b)
    recs = select_rows(records, records_in_area(records, area_)) if len(records) else records
    n = len(recs)
    naming = {"gazetteer": gz, "boundaries": b}
    if spec.name == "gistar":
        run = _gistar_in_area(spec, records, recs, area_, b, naming, params)
    else:
        run = spec.run(recs, area_, naming, params)
    # DBSCAN: a map point belongs to its cluster (not to the buffered hull round it)
    labels, points = getattr(run.detail, "labels", None), getattr(run.detail, "points", None)
    loc_id = None
    raw = run.hotspots
    dbscan = labels is not None and points is not None and len(points.inverse) == n
    if dbscan and raw is not None and len(raw) and "cluster" in raw.columns:
        rows = _cluster_rows(raw, np.asarray(labels))
        ids = raw[S.HOTSPOT_ID].to_numpy(dtype=np.int64)
        loc_id = np.where(rows >= 0, ids[np.maximum(rows, 0)], -1)
    hot = conform_hotspots(raw, n_records=n, area_km2=area_.area_km2, rename=run.rename)
    notes = run.notes
    if spec.name in IMPORTANCE_FLOORED:
        hot, floor_note = importance_floor(hot)
        notes = (*notes, floor_note)
        run.parameters["min_share"], run.parameters["min_pai"] = MIN_SHARE, MIN_PAI
    if len(hot):  # street-sized children inside the district-sized hotspots kept
        location_parent = None
        if loc_id is not None:
            row_of = {int(h): i for i, h in enumerate(hot[S.HOTSPOT_ID].tolist())}
            location_parent = np.array([row_of.get(int(h), -1) for h in loc_id], dtype=np.int64)
        hot = add_children(
            hot,
            recs,
            gazetteer=gz,
            boundaries=b,
            named_areas=load_named_areas(b.gazetteer),
            points=points if location_parent is not None else None,
            location_parent=location_parent,
        )
        hot = conform_hotspots(hot, n_records=n, area_km2=area_.area_km2)
    if n and S.SOURCE in recs.columns and (recs[S.SOURCE] == S.SOURCE_POLICE_UK).any():
        notes = (*notes, ANONYMISED_NOTE)
    return HotspotResult(
        spec.name,
        hot,
        {"method": spec.name, **run.parameters},
        tuple(notes),
        area_,
        n,
        run.detail,
    )


def _gistar_in_area(
    spec: Method,
    records: pd.DataFrame,
    recs: pd.DataFrame,
    area_: Area,
    b: Boundaries,
    naming: dict,
    params: dict,
):
    """Gi* in an area: BCP's inference clipped to it (scope "bcp"), or the area alone."""
    from hotspots.methods.registry import MethodRun

    params = dict(params)
    scope = params.pop("scope", "bcp")
    bcp = study_area("bcp", b)
    everywhere = select_rows(records, records_in_area(records, bcp)) if len(records) else records
    # only the area's records given (no BCP record outside it): BCP's inference cannot run
    narrowed = scope == "bcp" and area_.kind != "bcp" and len(everywhere) == len(recs)
    if narrowed:
        scope = "area"
    if scope == "bcp" and area_.kind != "bcp":
        run = spec.run(everywhere, bcp, naming, params)
        hot = _clip_to(run.hotspots, area_, recs, naming)
        # the cells shown: BCP's tested cells that overlap the area
        cells = run.detail.grid
        detail = dataclasses.replace(
            run.detail,
            grid=cells[cells.intersects(area_.geometry).to_numpy()].reset_index(drop=True),
        )
        notes = (
            *run.notes,
            (
                f"Gi* tested over all of BCP ({len(everywhere):,} records) and clipped to "
                f"{area_.name}: the BCP hotspots in {area_.name}. Choose 'this area alone' "
                "(scope='area') to ask what is unusual inside the area itself."
            ),
        )
    else:
        run = spec.run(recs, area_, naming, params)
        hot, detail, notes = run.hotspots, run.detail, run.notes
        if area_.kind != "bcp":
            why = (
                " (only the area's records were given, so BCP's inference could not run)"
                if narrowed
                else ""
            )
            notes = (
                *notes,
                (
                    f"Gi* tested within {area_.name} alone: what is unusual for this area, "
                    f"not the BCP hotspots in it{why}."
                ),
            )
    return MethodRun(hot, detail, {**run.parameters, "scope": scope}, tuple(notes), run.rename)


def importance_floor(hot: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """Keep the hotspots worth a meeting's time; say how many were left out.

    Significance is not importance: with a year of BCP records every real
    concentration beats chance (326 DBSCAN hotspots on a simulated year). A
    hotspot is kept when it holds at least :data:`MIN_SHARE` (0.5%) of the study
    area's records in the window *or* has a PAI of at least :data:`MIN_PAI` (30:
    thirty times the records its area would hold on average) — a big place, or a
    small intense one. Ranks are renumbered 1..k in the kept order.

    Parameters
    ----------
    hot : hotspots with :data:`~hotspots.methods.result.RESULT_COLUMNS`.

    Returns
    -------
    (kept hotspots, the note announcing the floor and what it removed).
    """
    share = hot[S.SHARE].to_numpy(dtype="float64", na_value=np.nan)
    pai = hot["pai"].to_numpy(dtype="float64", na_value=np.nan)
    keep = (share >= MIN_SHARE) | (pai >= MIN_PAI)
    dropped = int((~keep).sum())
    note = (
        f"importance floor: a hotspot must hold at least {MIN_SHARE:.1%} of the records "
        f"or have a PAI of at least {MIN_PAI:g}"
        + (f"; {dropped:,} smaller significant hotspots left out." if dropped else ".")
    )
    if dropped:
        hot = hot[keep].reset_index(drop=True)
        hot[S.RANK] = np.arange(1, len(hot) + 1, dtype="int64")
    return hot, note


def _clip_to(hot: gpd.GeoDataFrame | None, area: Area, recs: pd.DataFrame, naming: dict):
    """BCP-wide hotspots cut to ``area`` and described again with the area's records."""
    if hot is None or len(hot) == 0:
        return hot
    geoms = shapely.intersection(hot.geometry.values, area.geometry)
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    if not keep.any():
        return None
    polys = gpd.GeoDataFrame(
        {c: hot[c].to_numpy()[keep] for c in ("n_cells", "peak_gi_z", "min_p_adjusted")
         if c in hot.columns},
        geometry=geoms[keep],
        crs=S.CRS_METRES,
    )  # fmt: skip
    out = describe_hotspots(polys, recs, **naming)
    out = out[out[S.COUNT] > 0].sort_values(S.COUNT, ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    out[S.RANK] = np.arange(1, len(out) + 1, dtype="int64")
    return out


def _cluster_rows(hot: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Row of ``hot`` per distinct location from DBSCAN's cluster labels (-1: noise)."""
    if len(hot) == 0 or "cluster" not in hot.columns:
        return np.full(len(labels), -1, dtype=np.int64)
    top = max(int(hot["cluster"].max()), int(labels.max()) if len(labels) else -1)
    row_of = np.full(top + 2, -1, dtype=np.int64)  # label -1 (noise) reads the last: -1
    row_of[hot["cluster"].to_numpy(dtype=np.int64)] = np.arange(len(hot))
    return row_of[labels]
