"""The one hotspot result every method returns, with one fixed column schema.

DBSCAN, kernel density, Getis-Ord Gi* and the patrol top-N cells all answer with a
:class:`HotspotResult`: a GeoDataFrame of hotspots in EPSG:27700 whose columns are
exactly :data:`RESULT_COLUMNS` (method-specific scores have fixed names and are
missing where a method has no such score), the parameters the method actually
used, the notes it announces for people, and the study area it looked in. Pages,
the CLI, reports and exports read this and nothing else, so they never guess
column names (as esda's local statistics all carry ``Zs``, ``p_sim``, ``q``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data import schema as S

# METHODS (in the order the pages offer them) and METHOD_LABELS: declared by the registry
from hotspots.methods.registry import METHOD_LABELS, METHODS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hotspots.data.areas import Area

__all__ = [
    "EXPECTED",
    "HIERARCHY_COLUMNS",
    "METHODS",
    "METHOD_LABELS",
    "PAI",
    "RESULT_COLUMNS",
    "SCORE_COLUMNS",
    "HotspotResult",
    "conform_hotspots",
]

EXPECTED = "expected"
"""Records a uniform spread of the study area's records would put in the hotspot (N a / A)."""
PAI = "pai"
"""Predictive Accuracy Index of the hotspot, in-sample: (n / N) / (a / A)."""

# Columns describe_hotspots may add beside HOTSPOT_COLUMNS (naming), in order.
_DESCRIBE_EXTRA: dict[str, str] = {
    "places": "string",
    "busiest_location": "string",
    "busiest_x": "float64",
    "busiest_y": "float64",
    "n_locations": "Int64",
    "caveat": "string",
}
#: method-specific scores, fixed names; missing (NA) where a method has none
SCORE_COLUMNS: dict[str, str] = {
    EXPECTED: "float64",
    PAI: "float64",
    "n_core_locations": "Int64",  # DBSCAN: core map points
    "n_cells": "Int64",  # KDE, Gi*, grid: cells in the hotspot
    "peak_density_per_km2": "float64",  # KDE: densest cell
    "peak_gi_z": "float64",  # Gi*: highest z
    "min_p_adjusted": "float64",  # Gi*: smallest FDR-adjusted p
}
#: the hotspot hierarchy (:mod:`hotspots.methods.hierarchy`): ``parent`` is the
#: ``hotspot_id`` of the district a street-sized child lies in (missing at the top),
#: ``level`` 0 for a top-level hotspot, 1 for a child.
HIERARCHY_COLUMNS: dict[str, str] = {"parent": "Int64", "level": "int64"}
_GEOM = "geometry"
RESULT_COLUMNS: list[str] = list(
    dict.fromkeys(
        [*S.HOTSPOT_COLUMNS[:-1], *HIERARCHY_COLUMNS, *_DESCRIBE_EXTRA, *SCORE_COLUMNS, _GEOM],
    ),
)
_DTYPES: dict[str, str] = {
    S.HOTSPOT_ID: "int64",
    S.RANK: "int64",
    S.NAME: "string",
    S.WARD_NAME: "string",
    S.COUNT: "int64",
    S.SHARE: "float64",
    S.AREA_KM2: "float64",
    S.DENSITY_PER_KM2: "float64",
    S.TOP_CATEGORIES: "string",
    S.TOP_LOCATIONS: "string",
    **HIERARCHY_COLUMNS,
    **_DESCRIBE_EXTRA,
    **SCORE_COLUMNS,
}


def conform_hotspots(
    frame: gpd.GeoDataFrame | None,
    *,
    n_records: int,
    area_km2: float,
    rename: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Bring a described hotspot frame to :data:`RESULT_COLUMNS`, sorted by rank.

    Parameters
    ----------
    frame : output of :func:`hotspots.methods.naming.describe_hotspots` (or None).
    n_records : N, records of the study area (for ``expected`` and ``pai``).
    area_km2 : A, the study area in km².
    rename : method columns to rename into :data:`SCORE_COLUMNS` names.

    Returns
    -------
    GeoDataFrame (EPSG:27700) with exactly :data:`RESULT_COLUMNS`; zero rows keep it.
    """
    if frame is None or len(frame) == 0:
        cols = {c: pd.Series(dtype=t) for c, t in _DTYPES.items()}
        return gpd.GeoDataFrame(
            cols,
            geometry=gpd.GeoSeries([], crs=S.CRS_METRES),
            crs=S.CRS_METRES,
        )[RESULT_COLUMNS]
    out = frame.rename(columns=dict(rename or {})).copy()
    a = out.geometry.area.to_numpy() / 1e6
    share_area = a / area_km2 if area_km2 > 0 else np.full(len(out), np.nan)
    out[EXPECTED] = n_records * share_area
    with np.errstate(divide="ignore", invalid="ignore"):
        out[PAI] = np.where(
            (share_area > 0) & (n_records > 0),
            (out[S.COUNT].to_numpy(dtype="float64") / max(n_records, 1)) / share_area,
            np.nan,
        )
    if "level" not in out.columns:
        out["level"] = np.zeros(len(out), dtype="int64")  # no hierarchy: all top level
    for c, t in _DTYPES.items():
        if c not in out.columns:
            out[c] = pd.Series(
                pd.NA if t in ("string", "Int64") else np.nan,
                index=out.index,
                dtype=t,
            )
        else:
            out[c] = out[c].astype(t)
    out = out.sort_values(S.RANK, kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(out[RESULT_COLUMNS], geometry=_GEOM, crs=S.CRS_METRES)


@dataclass(frozen=True)
class HotspotResult:
    """Hotspots of one method, the parameters it used and what it announces.

    Attributes
    ----------
    method : one of :data:`METHODS`.
    hotspots : GeoDataFrame (EPSG:27700) with exactly :data:`RESULT_COLUMNS`, one row
        per hotspot sorted by ``rank`` (1 = most records). ``count`` records inside,
        ``share`` of the study area's records, ``expected`` what chance gives,
        ``pai`` in-sample PAI; names and caveats from
        :mod:`hotspots.methods.naming`.
    parameters : the values used (automatic or given), JSON-friendly.
    notes : plain-English sentences: every automatic choice and warning.
    study_area : the :class:`~hotspots.data.areas.Area` searched (the requested area
        clipped to BCP land).
    n_records : records in the study area and window.
    detail : the method's own result (``DbscanResult``, ``KdeResult``,
        ``GiStarResult``, ``TopCellsResult``) for layers such as the density surface.
    """

    method: str
    hotspots: gpd.GeoDataFrame
    parameters: Mapping[str, Any]
    notes: tuple[str, ...]
    study_area: Area
    n_records: int
    detail: Any = field(default=None, repr=False, compare=False)

    @property
    def method_label(self) -> str:
        """The method's name for people, as the registry declares it."""
        return METHOD_LABELS.get(self.method, self.method)

    def __len__(self) -> int:
        """Return the number of hotspots."""
        return len(self.hotspots)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, notes and the study area, JSON-friendly (hotspots not included)."""
        return {
            "method": self.method,
            "method_label": self.method_label,
            **{k: v for k, v in self.parameters.items() if k != "method"},
            "area": self.study_area.spec,
            "area_name": self.study_area.name,
            "n_records": self.n_records,
            "n_hotspots": len(self.hotspots),
            "notes": list(self.notes),
        }
