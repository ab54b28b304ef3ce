"""Records and geometries as the package takes them: by their CRS, in EPSG:27700 metres.

The one rule for files and frames: a GeoDataFrame or GeoSeries is taken by its CRS
(reprojected to EPSG:27700), never by columns named ``x``/``y``; one without a CRS is
refused with a hint to set it. Moved here from :mod:`hotspots.validation` (issue 20), which
checks arguments and knows nothing of the record schema.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hotspots.data import schema as S
from hotspots.errors import InputError

__all__ = ["NO_CRS_HINT", "records_frame", "require_crs", "to_metres"]

NO_CRS_HINT = (
    "Set the CRS first, e.g. gdf.set_crs('EPSG:27700') for British National Grid metres "
    "or gdf.set_crs('EPSG:4326') for longitude/latitude (a file: save it with a CRS)."
)


# --- coordinate reference systems -----------------------------------------------------------------


def require_crs(frame: Any, argument: str) -> None:
    """Refuse a GeoDataFrame/GeoSeries without a CRS (the one rule for files and frames)."""
    if getattr(frame, "crs", None) is None:
        raise InputError(argument, f"a {type(frame).__name__} with no CRS", "data with a CRS",
                         NO_CRS_HINT)  # fmt: skip


def to_metres(frame: Any, argument: str) -> Any:
    """Reproject a GeoDataFrame or GeoSeries to EPSG:27700 by its CRS (refused without one)."""
    require_crs(frame, argument)
    return frame if frame.crs.equals(S.CRS_METRES) else frame.to_crs(S.CRS_METRES)


def records_frame(records: object, argument: str = "records") -> pd.DataFrame:
    """Return records as a plain DataFrame with ``x``/``y`` in EPSG:27700 metres.

    A GeoDataFrame is taken by its CRS: its point geometries are reprojected to
    EPSG:27700 and give ``x``/``y`` (and ``lon``/``lat`` where those columns exist),
    whatever ``x``/``y`` columns it carried; one without a CRS is refused. A plain
    DataFrame is returned as it is (its ``x``/``y`` are metres by the record schema).
    """
    import geopandas as gpd

    if isinstance(records, gpd.GeoDataFrame):
        require_crs(records, argument)
        geom = records.geometry
        if len(geom) and not (geom.geom_type == "Point").all():
            raise InputError(argument, "non-point geometries", "a GeoDataFrame of points")
        metres = to_metres(geom, argument)
        frame = pd.DataFrame(records.drop(columns=records.geometry.name))
        frame[S.X] = metres.x.to_numpy(dtype="float64")
        frame[S.Y] = metres.y.to_numpy(dtype="float64")
        if S.LON in frame.columns and S.LAT in frame.columns:
            wgs = geom.to_crs(S.CRS_DISPLAY)
            frame[S.LON] = wgs.x.to_numpy(dtype="float64")
            frame[S.LAT] = wgs.y.to_numpy(dtype="float64")
        return frame
    if not isinstance(records, pd.DataFrame):
        raise InputError(
            argument,
            type(records).__name__,
            "a pandas DataFrame of canonical records (or a GeoDataFrame of points with a CRS)",
            "Load records with hotspots.open_dataset('bundled').records().",
        )
    return records
