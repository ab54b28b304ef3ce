"""Named areas for hotspot names: a town centre as the union of circles round named places.

A district-sized hotspot that covers most of a named area is called by it
("Bournemouth town centre") rather than by one of its ends. The areas are written in
``geodata/bcp_named_areas.csv``, one row each: ``area`` (the name), ``places``
(gazetteer place names, ``;``-separated), ``radius_m`` (metres round each place)
and ``basis`` (why these places). Every row is checked as the gazetteer's rows are:
a bad row is refused with the file, row and field.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import geodata_dir
from hotspots.errors import FileReadError

__all__ = ["NAMED_AREAS_FILE", "load_named_areas"]

NAMED_AREAS_FILE = "bcp_named_areas.csv"
MAX_RADIUS_M = 2_000.0


def load_named_areas(
    gazetteer: gpd.GeoDataFrame,
    path: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Named areas as polygons (EPSG:27700): ``name``, ``places``, ``basis``, geometry.

    Parameters
    ----------
    gazetteer : named places (``name`` column, points in EPSG:27700), e.g.
        ``load_boundaries().gazetteer``; every place an area lists must be in it.
    path : CSV to read (default: the bundled ``geodata/bcp_named_areas.csv``).

    Raises
    ------
    FileReadError : missing file or column, an unknown place, a bad radius; the
        message names the file, the row (line number) and the field.
    """
    f = Path(path) if path is not None else geodata_dir() / NAMED_AREAS_FILE
    if not f.exists():
        raise FileReadError(str(f), "named-areas file not found")
    try:
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileReadError(str(f), f"not a readable CSV ({exc})") from None
    missing = {"area", "places", "radius_m"} - set(df.columns)
    if missing:
        raise FileReadError(
            str(f),
            f"named areas need columns area, places, radius_m; missing {sorted(missing)}",
        )
    where = dict(zip(gazetteer["name"].astype(str), gazetteer.geometry.values, strict=False))
    names, places, bases, geoms = [], [], [], []
    for i, row in enumerate(df.itertuples(index=False), start=2):
        if not row.area.strip():
            raise FileReadError(str(f), f"row {i}, field area: empty")
        try:
            r = float(row.radius_m)
        except ValueError:
            raise FileReadError(
                str(f),
                f"row {i}, field radius_m: not a number ({row.radius_m!r})",
            ) from None
        if not 0 < r <= MAX_RADIUS_M:
            raise FileReadError(
                str(f),
                f"row {i}, field radius_m: {r:g} is not in (0, {MAX_RADIUS_M:g}] metres",
            )
        listed = [p.strip() for p in row.places.split(";") if p.strip()]
        if not listed:
            raise FileReadError(str(f), f"row {i}, field places: empty")
        unknown = [p for p in listed if p not in where]
        if unknown:
            raise FileReadError(
                str(f),
                f"row {i}, field places: {unknown[0]!r} is not a gazetteer place name "
                "(use the short name, e.g. 'Lower Gardens')",
            )
        names.append(row.area.strip())
        places.append("; ".join(listed))
        bases.append(getattr(row, "basis", ""))
        geoms.append(shapely.union_all([shapely.buffer(where[p], r) for p in listed]))
    return gpd.GeoDataFrame(
        {"name": names, "places": places, "basis": bases},
        geometry=gpd.GeoSeries(geoms, crs=S.CRS_METRES),
        crs=S.CRS_METRES,
    )
