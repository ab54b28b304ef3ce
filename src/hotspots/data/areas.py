"""Areas of interest: BCP, a town, a ward, an LSOA, a named place with a radius, a polygon file.

One parser serves the CLI (``--area``), the comparisons and the pages. An
:class:`Area` holds its geometry in EPSG:27700 metres.

Spec grammar (case-insensitive, prefixes optional where unambiguous)::

    bcp
    town-centre                      the Seasonal Response target (see TOWN_CENTRE_PLACES)
    town:Poole | Poole
    ward:E05012674 | ward:Poole Town | Poole Town | E05012674
    wards:E05012674,E05012663        several wards together (e.g. a control area)
    lsoa:E01015431 | E01015431
    place:Poole Bus Station@300 | Poole Bus Station@300 | Lower Gardens   (radius m, default 250)
    file:path/to/area.geojson | path/to/area.geojson   (any CRS; polygons are dissolved)
    poly:lon,lat;lon,lat;lon,lat     a polygon in WGS84 (what the map's draw tool gives)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.data.frames import NO_CRS_HINT, to_metres
from hotspots.errors import FileReadError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_PLACE_RADIUS_M",
    "TOWN_CENTRE_PLACES",
    "Area",
    "area_mask",
    "geometry_area",
    "link_area_spec",
    "polygon_area",
    "polygon_spec",
    "records_in_area",
    "resolve_area",
    "town_centre_area",
]

DEFAULT_PLACE_RADIUS_M = 250.0

# The town-centre open spaces patrolled by the Seasonal Response.
TOWN_CENTRE_PLACES: tuple[str, ...] = (
    "Bournemouth Square",
    "Central Gardens",
    "Lower Gardens",
    "Pier Approach",
    "Bournemouth Pier",
)
TOWN_CENTRE_RADIUS_M = 200.0


@dataclass(frozen=True)
class Area:
    """An area of interest.

    Attributes
    ----------
    name : str, for people ("Poole Town ward", "Poole Bus Station (300 m)").
    kind : one of bcp, town, ward, lsoa, place, town-centre, file, polygon.
    spec : the string that resolves back to this area (for permalinks and exports).
    geometry : shapely geometry in EPSG:27700.
    """

    name: str
    kind: str
    spec: str
    geometry: shapely.Geometry

    @property
    def area_km2(self) -> float:
        """Area of the geometry in km² (EPSG:27700 metres)."""
        return float(self.geometry.area) / 1e6


def town_centre_area(b: Boundaries | None = None) -> Area:
    """Union of 200 m circles around the five town-centre open spaces, clipped to BCP."""
    b = b or load_boundaries()
    gz = b.gazetteer.set_index("name")
    geoms = [gz.loc[p, "geometry"].buffer(TOWN_CENTRE_RADIUS_M) for p in TOWN_CENTRE_PLACES]
    geom = shapely.intersection(shapely.union_all(geoms), b.outline)
    return Area(
        "Town-centre open spaces (Square, Central & Lower Gardens, Pier Approach, seafront)",
        "town-centre",
        "town-centre",
        geom,
    )


def _split_radius(text: str) -> tuple[str, float | None]:
    m = re.match(r"^(.*?)@\s*([0-9.]+)\s*(m)?$", text.strip())
    if not m:
        return text.strip(), None
    try:
        return m.group(1).strip(), float(m.group(2))
    except ValueError:
        raise InputError("area", text, "NAME@RADIUS_M with a number of metres") from None


def _from_file(path: Path, spec: str) -> Area:
    if not path.exists():
        raise FileReadError(str(path), "area file not found")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise FileReadError(str(path), f"not a readable polygon file ({exc})") from None
    if gdf.crs is None:
        raise FileReadError(str(path), "the file has no CRS. " + NO_CRS_HINT)
    gdf = to_metres(gdf, str(path))
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise FileReadError(str(path), "no polygons in the file")
    return Area(path.stem, "file", spec, shapely.union_all(polys.geometry.values))


def geometry_area(geom: object, argument: str = "area") -> Area:
    """Make an :class:`Area` from a shapely geometry (EPSG:27700 metres) or GeoDataFrame/GeoSeries.

    A GeoDataFrame or GeoSeries is taken by its CRS and reprojected to EPSG:27700 (one
    without a CRS is refused); its polygons are dissolved into one.
    """
    if isinstance(geom, (gpd.GeoDataFrame, gpd.GeoSeries)):
        g = to_metres(geom if isinstance(geom, gpd.GeoSeries) else geom.geometry, argument)
        polys = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
        geom = shapely.union_all(polys.values) if len(polys) else shapely.Polygon()
    if not isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)) or geom.area <= 0:
        raise InputError(argument, type(geom).__name__, "a polygon with a non-zero area",
                         "A shapely geometry is taken as EPSG:27700 metres.")  # fmt: skip
    valid = shapely.make_valid(geom)
    return Area(f"Given area ({valid.area / 1e6:.2f} km²)", "polygon", "geometry", valid)


KINDS = ("town", "ward", "place")  # what a link's area may name


def link_area_spec(text: str, boundaries: Boundaries | None = None) -> str | None:
    """Return the area spec a link's ``area`` names, or None when it names none.

    For links (``?area=``): a town, ward or named place by its name, its slug or (wards) its
    code, with or without its ``town:``/``ward:``/``place:`` prefix and an ``@radius`` (a
    place); ``bcp`` and ``town-centre``. Never a file or an LSOA (a link must not make the
    server read a path). Returns the canonical spec: ``ward:E05012674``, ``town:Poole``,
    ``place:Poole Bus Station`` (+ ``@radius`` when given), ``bcp``, ``town-centre``.
    """
    from hotspots.errors import HotspotsError

    raw = str(text).strip()
    base, sep, radius = raw.partition("@")
    prefix, colon, rest = base.partition(":")
    if colon and prefix.lower() not in ("town", "ward", "place"):
        return None
    if not colon and S.name_key(base) in ("bcp", "all", "town-centre", "towncentre"):
        return "town-centre" if "town" in S.name_key(base) else "bcp"
    if not base.strip() or (colon and not rest.strip()):
        return None
    # each kind named explicitly: resolve_area's unprefixed search would try a file path
    tries = [f"{prefix.lower()}:{rest.strip()}"] if colon else [f"{k}:{base}" for k in KINDS]
    area = None
    for spec in tries:
        try:
            area = resolve_area(spec, boundaries)
            break
        except HotspotsError:
            continue
    if area is None:
        return None
    if area.kind == "place":
        place = area.spec.partition("@")[0]
        return f"{place}@{radius.strip()}" if sep else place
    return area.spec


def resolve_area(
    spec: str | Area | shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
    boundaries: Boundaries | None = None,
) -> Area:
    """Parse an area spec (see module docstring) into an :class:`Area`.

    ``None`` and ``"bcp"`` give the whole of BCP. A shapely polygon (EPSG:27700 metres)
    or a GeoDataFrame/GeoSeries of polygons (taken by its CRS) is used as given
    (:func:`geometry_area`).
    """
    if isinstance(spec, Area):
        return spec
    if isinstance(spec, (shapely.Geometry, gpd.GeoDataFrame, gpd.GeoSeries)):
        return geometry_area(spec)
    b = boundaries or load_boundaries()
    if spec is None or str(spec).strip().lower() in ("", "bcp", "all"):
        return Area("BCP", "bcp", "bcp", b.outline)
    raw = str(spec).strip()
    prefix, _, rest = raw.partition(":")
    prefix = prefix.lower()
    if prefix == "poly" and rest:
        return polygon_area(rest)
    if prefix == "wards" and rest:
        parts = [resolve_area(f"ward:{w.strip()}", b) for w in rest.split(",") if w.strip()]
        if not parts:
            raise InputError("area", raw, "wards:CODE,CODE,... with at least one ward")
        names = [p.name.removesuffix(" ward") for p in parts]
        codes = ",".join(p.spec.split(":", 1)[1] for p in parts)
        label = (
            names[0] + " ward" if len(names) == 1 else f"{len(names)} wards ({', '.join(names)})"
        )
        return Area(
            label,
            "wards",
            f"wards:{codes}",
            shapely.union_all([p.geometry for p in parts]),
        )
    kinds: tuple[str, ...]
    if prefix in ("town", "ward", "lsoa", "place", "file") and rest:
        kinds, text = (prefix,), rest.strip()
    else:
        kinds, text = ("town-centre", "town", "ward", "lsoa", "place", "file"), raw
    low = text.lower()
    key = S.name_key(_split_radius(text)[0])  # names as slugs too: "poole-town", "Poole Town"
    for kind in kinds:
        if kind == "town-centre" and low in ("town-centre", "town centre", "towncentre"):
            return town_centre_area(b)
        if kind == "town":
            for t in S.TOWNS:
                if low == t.lower() or key == S.name_key(t):
                    geom = shapely.union_all(b.wards.loc[b.wards[S.TOWN] == t, "geometry"].values)
                    return Area(t, "town", f"town:{t}", geom)
        if kind == "ward":
            w = b.wards
            hit = w[
                (w[S.WARD_CODE].str.lower() == low)
                | (w[S.WARD_NAME].str.lower() == low)
                | (w[S.WARD_NAME].map(S.name_key) == key)
            ]
            if len(hit) == 1:
                r = hit.iloc[0]
                return Area(f"{r[S.WARD_NAME]} ward", "ward", f"ward:{r[S.WARD_CODE]}", r.geometry)
        if kind == "lsoa":
            for lsoas in (b.lsoa21, b.lsoa11):
                hit = lsoas[lsoas["lsoa_code"].str.lower() == low]
                if len(hit):
                    r = hit.iloc[0]
                    return Area(
                        f"{r['lsoa_name']} ({r['lsoa_code']})",
                        "lsoa",
                        f"lsoa:{r['lsoa_code']}",
                        r.geometry,
                    )
        if kind == "place":
            name, radius = _split_radius(text)
            radius = DEFAULT_PLACE_RADIUS_M if radius is None else radius
            if not 0 < radius <= 20_000:
                raise InputError("area radius", radius, "between 0 and 20,000 metres")
            gz = b.gazetteer
            name_low = name.lower()
            hit = gz[
                (gz["name"].str.lower() == name_low)
                | (gz["place"].str.lower() == name_low)
                | (gz["name"].map(S.name_key) == key)
                | (gz["place"].map(S.name_key) == key)
            ]
            if hit.empty:
                hit = gz[gz["place"].str.lower().str.contains(re.escape(name_low))]
            if len(hit) == 1:
                r = hit.iloc[0]
                return Area(
                    f"{r['name']} ({radius:g} m)",
                    "place",
                    f"place:{r['name']}@{radius:g}",
                    r.geometry.buffer(radius),
                )
        if kind == "file":
            p = Path(text)
            if p.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp", ".kml") or p.exists():
                return _from_file(p, f"file:{text}")
    raise InputError(
        "area",
        raw,
        "bcp, town-centre, a town, a ward name or code, an LSOA code, a named place "
        "(optionally @radius in metres) or a polygon file",
        "Towns: " + ", ".join(S.TOWNS) + ". Places: " + ", ".join(b.gazetteer["name"]) + ".",
    )


def polygon_spec(lonlat: list[tuple[float, float]] | list[list[float]]) -> str:
    """``poly:`` spec of a WGS84 ring (lon, lat pairs, 5 decimals ~1 m), e.g. from a map drawing."""
    pts = [(round(float(lon), 5), round(float(lat), 5)) for lon, lat in lonlat]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    return "poly:" + ";".join(f"{lon:g},{lat:g}" for lon, lat in pts)


def polygon_area(text: str) -> Area:
    """Parse ``lon,lat;lon,lat;...`` (WGS84, at least 3 vertices) into an Area in metres."""
    from pyproj import Transformer

    try:
        pts = [tuple(float(v) for v in p.split(",")) for p in text.split(";") if p.strip()]
        if len(pts) < 3 or any(len(p) != 2 for p in pts):
            raise ValueError
    except ValueError:
        raise InputError(
            "area",
            f"poly:{text[:60]}",
            "poly:lon,lat;lon,lat;... with at least three vertices",
        ) from None
    if not all(-9.0 <= lon <= 2.1 and 49.5 <= lat <= 61.0 for lon, lat in pts):
        raise InputError("area", f"poly:{text[:60]}", "vertices in Great Britain (WGS84 lon,lat)")
    tr = Transformer.from_crs(S.CRS_DISPLAY, S.CRS_METRES, always_xy=True)
    xs, ys = tr.transform([p[0] for p in pts], [p[1] for p in pts])
    geom = shapely.make_valid(shapely.Polygon(list(zip(xs, ys, strict=True))))
    if geom.area <= 0:
        raise InputError("area", f"poly:{text[:60]}", "a polygon with a non-zero area")
    return Area(f"Drawn area ({geom.area / 1e6:.2f} km²)", "polygon", "poly:" + text, geom)


def area_mask(x: np.ndarray, y: np.ndarray, area: Area) -> np.ndarray:
    """Boolean mask of points (metres) inside ``area``. Pass unique locations where possible."""
    geom = area.geometry
    shapely.prepare(geom)
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    out = np.zeros(len(x), dtype=bool)
    out[ok] = shapely.contains_xy(geom, x[ok], y[ok])
    return out


def records_in_area(records: pd.DataFrame, area: Area) -> np.ndarray:
    """Mask of records inside ``area``, testing each distinct location once."""
    from hotspots.data.points import unique_locations

    if area.kind == "bcp":
        return records[S.IN_BCP].to_numpy(dtype=bool)
    pts = unique_locations(records[S.X].to_numpy(), records[S.Y].to_numpy())
    return area_mask(pts.x, pts.y, area)[pts.inverse]
