"""One entry point for every hotspot method: ``detect(records, method=..., area=...)``.

The CLI, every page, the ward report and the exports call :func:`detect`, which

1. resolves the study area at the edge (``bcp``, a town, a ward, ``place@radius``,
   a drawn polygon, an :class:`~hotspots.data.areas.Area`) and clips it to BCP
   land, the same default for every method;
2. keeps the records inside it;
3. runs the method (DBSCAN, kernel density, Getis-Ord Gi*, or the busiest grid
   cells) with its automatic, announced settings;
4. describes and names the hotspots (:mod:`hotspots.methods.naming`);
5. splits district-sized hotspots into street-sized children at their density
   valleys (:mod:`hotspots.methods.hierarchy`) and returns one
   :class:`~hotspots.methods.result.HotspotResult` with the fixed schema.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.data.named_areas import load_named_areas
from hotspots.data.select import select_rows
from hotspots.errors import InputError
from hotspots.methods.hierarchy import add_children
from hotspots.methods.naming import check_records, describe_hotspots
from hotspots.methods.result import METHODS, HotspotResult, conform_hotspots
from hotspots.validation import Integral, Interval, Real, check_params

__all__ = ["detect", "study_area", "METHODS", "ANONYMISED_NOTE"]

ANONYMISED_NOTE = (
    "police.uk locations are anonymised map points (each stands for the streets around it), "
    "not addresses: a hotspot of one map point may be a whole street or block."
)

# the keyword parameters each method accepts (anything else is refused, never ignored)
_PARAMS: dict[str, tuple[str, ...]] = {
    "dbscan": ("eps_m", "min_points", "buffer_m"),
    "kde": ("kernel", "cell_size_m", "bandwidth_m", "top_share", "alpha"),
    "gistar": ("cell_size_m", "distance_m", "fdr", "alpha", "permutations", "seed"),
    "grid": ("top_n", "cell_size_m"),
}


def study_area(area: Area | str | None, boundaries: Boundaries | None = None) -> Area:
    """The study area: ``area`` (default BCP) clipped to BCP land.

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
    method : "dbscan" (default), "kde", "gistar" or "grid" (busiest cells).
    area : study area spec or :class:`~hotspots.data.areas.Area`; default BCP.
        Clipped to BCP land (:func:`study_area`).
    boundaries, gazetteer : for areas, wards and names (default: bundled).
    **params : the method's own settings, all optional (automatic and announced):
        dbscan ``eps_m``, ``min_points``, ``buffer_m``; kde ``kernel``,
        ``cell_size_m``, ``bandwidth_m``, ``top_share``, ``alpha``; gistar
        ``cell_size_m``, ``distance_m``, ``fdr``, ``alpha``, ``permutations``,
        ``seed``; grid ``top_n``, ``cell_size_m``. ``None`` means automatic.

    Returns
    -------
    HotspotResult
    """
    if method not in METHODS:
        raise InputError("method", method, "one of " + ", ".join(METHODS))
    unknown = sorted(set(params) - set(_PARAMS[method]))
    if unknown:
        raise InputError(
            unknown[0],
            params[unknown[0]],
            f"a setting of {method} (" + ", ".join(_PARAMS[method]) + ")",
            "Drop it or choose the method it belongs to.",
        )
    params = {k: v for k, v in params.items() if v is not None}
    records = check_records(records)
    location_parent = None
    b = boundaries or load_boundaries()
    gz = b.gazetteer if gazetteer is None else gazetteer
    area_ = study_area(area, b)
    recs = select_rows(records, records_in_area(records, area_)) if len(records) else records
    n = len(recs)
    a_km2 = area_.area_km2
    naming = dict(gazetteer=gz, boundaries=b)

    if method == "dbscan":
        from hotspots.methods.dbscan import dbscan_hotspots

        res: Any = dbscan_hotspots(recs, area=area_, **naming, **params)  # one of four result types
        hot = res.hotspots
        location_parent = _cluster_rows(hot, res.labels)
        used = {"eps_m": res.eps_m, "min_points": res.min_points, "buffer_m": res.buffer_m}
        notes = res.notes
        rename: dict[str, str] = {}
    elif method == "kde":
        from hotspots.methods.kde import PEAK, kde_hotspots

        res = kde_hotspots(recs, area=area_, **naming, **params)
        hot = res.hotspots
        used = {k: v for k, v in res.parameters.items() if k not in ("method", "n_records", "area")}
        thr = used.get("threshold_per_km2")
        used["threshold_per_km2"] = None if thr is None else round(float(thr), 3)
        notes = res.notes
        rename = {PEAK: "peak_density_per_km2"}
    elif method == "gistar":
        hot, res, used, notes = _gistar(recs, area_, naming, params)
        rename = {}
    else:
        hot, res, used, notes = _grid(recs, area_, naming, params)
        rename = {}
    if hot is not None and len(hot):
        hot = add_children(
            hot,
            recs,
            gazetteer=gz,
            boundaries=b,
            named_areas=load_named_areas(b.gazetteer),
            points=res.points if method == "dbscan" else None,
            location_parent=location_parent,
        )
    hot = conform_hotspots(hot, n_records=n, area_km2=a_km2, rename=rename)
    if n and S.SOURCE in recs.columns and (recs[S.SOURCE] == S.SOURCE_POLICE_UK).any():
        notes = (*notes, ANONYMISED_NOTE)
    return HotspotResult(method, hot, {"method": method, **used}, tuple(notes), area_, n, res)


def _cluster_rows(hot: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Row of ``hot`` per distinct location from DBSCAN's cluster labels (-1: noise)."""
    if len(hot) == 0 or "cluster" not in hot.columns:
        return np.full(len(labels), -1, dtype=np.int64)
    row_of = np.full(int(hot["cluster"].max()) + 2, -1, dtype=np.int64)
    row_of[hot["cluster"].to_numpy(dtype=np.int64)] = np.arange(len(hot))
    return row_of[labels]


def _gistar(recs: pd.DataFrame, area: Area, naming: dict, params: dict):
    from hotspots.methods.gistar import gistar, gistar_hotspot_areas

    res = gistar(recs, area=area, **params)
    polys = gistar_hotspot_areas(res)
    hot = describe_hotspots(polys.drop(columns=[S.COUNT]), recs, **naming) if len(polys) else None
    used = {
        "cell_size_m": res.cell_size_m,
        "distance_m": res.distance_m,
        "fdr": res.fdr,
        "alpha": res.alpha,
        "permutations": res.permutations,
        "seed": res.seed,
        "hot_cells": int(res.hot_mask.sum()),
    }
    if hot is not None and len(hot):
        hot = hot[hot[S.COUNT] > 0]
    return hot, res, used, res.notes


def _grid(recs: pd.DataFrame, area: Area, naming: dict, params: dict):
    from hotspots.methods.topcells import top_cells

    p = check_params(
        {"top_n": params.get("top_n", 10), "cell_size_m": params.get("cell_size_m", 150.0)},
        {
            "top_n": [Interval(Integral, 1, 200, unit="places")],
            "cell_size_m": [Interval(Real, 25, 2_000, unit="metres")],
        },
    )
    top_n, cell = p["top_n"], p["cell_size_m"]
    chosen = top_cells(recs, area, top_n=top_n, cell_size_m=cell)
    notes = [
        f"the {top_n} grid cells of {cell:g} m with most records (ties: the westernmost "
        "southern cell first); a ranking, not a significance test."
    ]
    hot = None
    if len(chosen.cell_ids):
        polys = chosen.polygons[["geometry"]].copy()
        polys["n_cells"] = np.ones(len(polys), dtype="int64")
        hot = describe_hotspots(polys, recs, **naming)
    used = {"top_n": top_n, "cell_size_m": cell}
    return hot, chosen, used, notes
