"""Boundaries and the gazetteer of named places, in EPSG:27700 metres.

Reads the bundled files in ``geodata/`` (see ``geodata/README.md`` for sources
and licences): the 33 BCP wards (2019), the BCP outline (E06000058), LSOA 2011
and 2021, and ``bcp_named_places.csv``. Point-in-polygon lookups work on unique
locations: callers pass each distinct (x, y) once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import resources
from hotspots.data import schema as S
from hotspots.errors import FileReadError

__all__ = [
    "ATTRIBUTION",
    "Boundaries",
    "geodata_dir",
    "load_boundaries",
    "load_gazetteer",
    "locate",
]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Crime data: data.police.uk (Home Office / Dorset Police). "
    "Boundaries: Office for National Statistics. "
    "Contains OS data © Crown copyright and database right 2011–2021. "
    "LSOA 2011 GeoJSON conversion by Martin Chorley (github.com/martinjc/UK-GeoJSON), CC BY 4.0."
)

WARDS_FILE = "bcp_wards_2019_bgc.geojson"
OUTLINE_FILE = "bcp_boundary_E06000058_from_wards.geojson"
LSOA11_FILE = "bcp_lsoa_2011_bgc.geojson"
LSOA21_FILE = "bcp_lsoa_2021_composite.geojson"
GAZETTEER_FILE = "bcp_named_places.csv"
POLICE_UK_DIR = "police_uk"


def geodata_dir() -> Path:
    """Return the bundled ``geodata/`` folder (``HOTSPOTS_GEODATA`` overrides)."""
    return resources.geodata_dir()


@dataclass(frozen=True)
class Boundaries:
    """All boundaries in EPSG:27700.

    Attributes
    ----------
    outline : shapely Polygon/MultiPolygon, the BCP local authority (E06000058).
    wards : GeoDataFrame with ``ward_code``, ``ward_name``, ``town``, geometry.
    lsoa11, lsoa21 : GeoDataFrames with ``lsoa_code``, ``lsoa_name``, geometry.
    gazetteer : GeoDataFrame of named places (see :func:`load_gazetteer`).
    """

    outline: shapely.Geometry
    wards: gpd.GeoDataFrame
    lsoa11: gpd.GeoDataFrame
    lsoa21: gpd.GeoDataFrame
    gazetteer: gpd.GeoDataFrame

    @property
    def outline_area_km2(self) -> float:
        """Area of the BCP outline in km² (EPSG:27700 metres)."""
        return float(self.outline.area) / 1e6


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise FileReadError(str(path), "boundary file not found; is geodata/ complete?")
    return gpd.read_file(path).to_crs(S.CRS_METRES)


def short_place_name(place: str) -> str:
    """'Lower Gardens (Bournemouth)' -> 'Lower Gardens'; 'Boscombe (precinct / ...)' -> 'Boscombe'."""
    return re.sub(r"\s*\(.*\)\s*$", "", place).strip() or place


def load_gazetteer(*paths: str | Path) -> gpd.GeoDataFrame:
    """Named places: the bundled list plus any user CSVs with the same columns.

    Columns in: ``place,lat,lon`` (``confidence``, ``basis`` optional). Columns out:
    ``place`` (as written), ``name`` (short form used as a hotspot label),
    ``confidence``, ``basis``, geometry (points, EPSG:27700). Later files add
    places; a place whose name repeats replaces the earlier one.
    """
    files = [geodata_dir() / GAZETTEER_FILE, *[Path(p) for p in paths]]
    frames = []
    for f in files:
        if not f.exists():
            raise FileReadError(str(f), "gazetteer file not found")
        try:
            df = pd.read_csv(f, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise FileReadError(str(f), f"not a readable CSV ({exc})") from None
        missing = {"place", "lat", "lon"} - set(df.columns)
        if missing:
            raise FileReadError(
                str(f),
                f"gazetteer needs columns place, lat, lon; missing {sorted(missing)}",
            )
        for i, row in enumerate(df.itertuples(index=False), start=2):
            try:
                lat, lon = float(row.lat), float(row.lon)
            except ValueError:
                raise FileReadError(
                    str(f),
                    f"row {i}, field lat/lon: not a number ({row.lat!r}, {row.lon!r})",
                ) from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise FileReadError(str(f), f"row {i}, field lat/lon: out of range")
        df["confidence"] = df.get("confidence", "")
        df["basis"] = df.get("basis", "")
        frames.append(df[["place", "lat", "lon", "confidence", "basis"]])
    allp = pd.concat(frames, ignore_index=True).drop_duplicates("place", keep="last")
    allp["name"] = allp["place"].map(short_place_name)
    return gpd.GeoDataFrame(
        allp[["place", "name", "confidence", "basis"]].reset_index(drop=True),
        geometry=gpd.points_from_xy(allp["lon"].astype(float), allp["lat"].astype(float)),
        crs=S.CRS_DISPLAY,
    ).to_crs(S.CRS_METRES)


@functools.lru_cache(maxsize=4)
def _load(geodir: str) -> Boundaries:
    """Return the boundaries, once per process.

    Kept as GeoParquet in the store root's ``.cache`` for the next process (reading GeoJSON,
    reprojecting and overlaying wards on LSOAs cost a CLI call about 0.3 s), under a key of the
    files' names, sizes and times.
    """
    d = Path(geodir)
    names = (WARDS_FILE, OUTLINE_FILE, LSOA11_FILE, LSOA21_FILE, GAZETTEER_FILE)
    try:
        stamp = "|".join(
            f"{n}:{(d / n).stat().st_size}:{(d / n).stat().st_mtime_ns}" for n in names
        )
    except OSError:
        return _build(d)  # a missing file: _build names it
    cache = _cache_dir(f"{BOUNDARY_CACHE_VERSION}|{gpd.__version__}|{d}|{stamp}")
    kept = _read_cache(cache)
    if kept is not None:
        return kept
    if cache.exists():  # damaged: replaced by a fresh copy below
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
    b = _build(d)
    _write_cache(cache, b)
    return b


BOUNDARY_CACHE_VERSION = "boundaries-1"
_CACHED_FRAMES = ("wards", "lsoa11", "lsoa21", "gazetteer")


def _cache_dir(key: str) -> Path:
    import hashlib

    from hotspots.data.store_layout import store_root

    return store_root() / ".cache" / f"boundaries-{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _read_cache(path: Path) -> Boundaries | None:
    """Return the boundaries kept at ``path``, or None (absent, incomplete or unreadable)."""
    try:
        frames = {n: gpd.read_parquet(path / f"{n}.parquet") for n in _CACHED_FRAMES}
        outline = shapely.from_wkb((path / "outline.wkb").read_bytes())
    except Exception:
        return None
    return Boundaries(outline=outline, **frames)


def _write_cache(path: Path, b: Boundaries) -> None:
    """Write the boundaries to ``path`` atomically (a folder renamed into place)."""
    import os
    import shutil
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".boundaries-", dir=path.parent))
        for n in _CACHED_FRAMES:
            getattr(b, n).to_parquet(tmp / f"{n}.parquet")
        (tmp / "outline.wkb").write_bytes(shapely.to_wkb(b.outline))
        try:
            os.replace(tmp, path)
        except OSError:  # another process put it there first
            shutil.rmtree(tmp, ignore_errors=True)
    except Exception:
        pass


def _build(d: Path) -> Boundaries:
    wards = _read(d / WARDS_FILE).rename(columns={"WD19CD": S.WARD_CODE, "WD19NM": S.WARD_NAME})
    outline_gdf = _read(d / OUTLINE_FILE)
    outline = shapely.union_all(outline_gdf.geometry.values)
    lsoa11 = _read(d / LSOA11_FILE)
    lsoa21 = _read(d / LSOA21_FILE)
    # Town of each ward: the pre-2019 district (Bournemouth / Christchurch / Poole)
    # covering most of the ward, from the LSOA 2011 file.
    inter = gpd.overlay(
        wards[[S.WARD_CODE, "geometry"]],
        lsoa11[["LAD11NM_pre2019", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    inter["a"] = inter.area
    town = (
        inter.sort_values("a", ascending=False)
        .groupby(S.WARD_CODE)
        .agg(town=("LAD11NM_pre2019", "first"))
        .reindex(wards[S.WARD_CODE])
    )
    wards[S.TOWN] = town["town"].to_numpy()
    wards = wards[[S.WARD_CODE, S.WARD_NAME, S.TOWN, "geometry"]].sort_values(S.WARD_NAME)
    lsoa11 = lsoa11.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name"})
    lsoa21 = lsoa21.rename(columns={"LSOA21CD": "lsoa_code", "LSOA21NM": "lsoa_name"})
    return Boundaries(
        outline=outline,
        wards=wards.reset_index(drop=True),
        lsoa11=lsoa11[["lsoa_code", "lsoa_name", "geometry"]],
        lsoa21=lsoa21[["lsoa_code", "lsoa_name", "geometry"]],
        gazetteer=load_gazetteer(),
    )


def load_boundaries() -> Boundaries:
    """Load (once per process) all bundled boundaries in EPSG:27700."""
    return _load(str(geodata_dir()))


def locate(x: np.ndarray, y: np.ndarray, boundaries: Boundaries | None = None) -> pd.DataFrame:
    """Point-in-polygon for each (x, y) in metres.

    Pass unique locations: cost is one prepared-polygon test per point.

    Returns
    -------
    DataFrame with ``in_bcp`` (bool, inside the BCP outline), ``ward_code``,
    ``ward_name``, ``town`` (NA where no ward contains the point), one row per input.
    """
    b = boundaries or load_boundaries()
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    in_bcp = np.zeros(len(x), dtype=bool)
    shapely.prepare(b.outline)
    in_bcp[ok] = shapely.contains_xy(b.outline, x[ok], y[ok])
    ward_idx = np.full(len(x), -1, dtype=np.int64)
    pts = shapely.points(x[in_bcp], y[in_bcp])
    tree = shapely.STRtree(b.wards.geometry.values)
    q_pt, q_ward = tree.query(pts, predicate="within")
    sub = np.flatnonzero(in_bcp)
    ward_idx[sub[q_pt]] = q_ward  # points on a shared edge: the last ward wins
    import pyarrow as pa

    # the wards' values taken by index in Arrow (NA where no ward): a list of NA per point
    # and a masked assignment cost ~0.25 s a million points
    at = pa.array(ward_idx, mask=ward_idx < 0)

    def column(name):
        vals = pa.array([None if pd.isna(v) else str(v) for v in b.wards[name]], pa.string())
        return pd.array(
            pd.arrays.ArrowStringArray(pa.chunked_array([vals.take(at)])),
            dtype="string",
        )

    return pd.DataFrame(
        {
            S.IN_BCP: in_bcp,
            S.WARD_CODE: column(S.WARD_CODE),
            S.WARD_NAME: column(S.WARD_NAME),
            S.TOWN: column(S.TOWN),
        },
    )
