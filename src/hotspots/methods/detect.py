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
from hotspots.methods.naming import check_records
from hotspots.methods.registry import METHODS, get_method
from hotspots.methods.result import HotspotResult, conform_hotspots

__all__ = ["detect", "study_area", "METHODS", "ANONYMISED_NOTE"]

ANONYMISED_NOTE = (
    "police.uk locations are anonymised map points (each stands for the streets around it), "
    "not addresses: a hotspot of one map point may be a whole street or block."
)


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
    method : "dbscan" (default), "kde", "gistar" or "grid" (busiest cells): a name in
        :mod:`hotspots.methods.registry`.
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
    spec = get_method(method)  # the registry (hotspots.methods.registry): a look-up, not a branch
    params = spec.check(params)
    records = check_records(records)
    b = boundaries or load_boundaries()
    gz = b.gazetteer if gazetteer is None else gazetteer
    area_ = study_area(area, b)
    recs = select_rows(records, records_in_area(records, area_)) if len(records) else records
    n = len(recs)
    run = spec.run(recs, area_, {"gazetteer": gz, "boundaries": b}, params)
    hot = run.hotspots
    if hot is not None and len(hot):  # street-sized children inside district-sized hotspots
        labels, points = getattr(run.detail, "labels", None), getattr(run.detail, "points", None)
        location_parent = None  # DBSCAN: a map point belongs to its cluster, not its hull
        if labels is not None and points is not None and "cluster" in hot.columns:
            location_parent = _cluster_rows(hot, np.asarray(labels))
        hot = add_children(
            hot,
            recs,
            gazetteer=gz,
            boundaries=b,
            named_areas=load_named_areas(b.gazetteer),
            points=points if location_parent is not None else None,
            location_parent=location_parent,
        )
    hot = conform_hotspots(hot, n_records=n, area_km2=area_.area_km2, rename=run.rename)
    notes = run.notes
    if n and S.SOURCE in recs.columns and (recs[S.SOURCE] == S.SOURCE_POLICE_UK).any():
        notes = (*notes, ANONYMISED_NOTE)
    return HotspotResult(
        spec.name, hot, {"method": spec.name, **run.parameters}, tuple(notes), area_, n, run.detail
    )


def _cluster_rows(hot: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Row of ``hot`` per distinct location from DBSCAN's cluster labels (-1: noise)."""
    if len(hot) == 0 or "cluster" not in hot.columns:
        return np.full(len(labels), -1, dtype=np.int64)
    row_of = np.full(int(hot["cluster"].max()) + 2, -1, dtype=np.int64)
    row_of[hot["cluster"].to_numpy(dtype=np.int64)] = np.arange(len(hot))
    return row_of[labels]
