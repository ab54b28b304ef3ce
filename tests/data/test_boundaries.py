"""Tests for hotspots.data.boundaries: wards, towns, outline, LSOAs, locate, gazetteer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import boundaries as B
from hotspots.data import schema as S
from hotspots.data.boundaries import (
    ATTRIBUTION,
    load_boundaries,
    load_gazetteer,
    locate,
    short_place_name,
)
from hotspots.errors import FileReadError

# --- wards and towns -----------------------------------------------------------


def test_33_wards_with_codes_e05012649_to_e05012681(boundaries):
    w = boundaries.wards
    assert len(w) == 33
    assert sorted(w[S.WARD_CODE]) == [f"E050126{n}" for n in range(49, 82)]
    assert w[S.WARD_NAME].is_unique
    assert list(w.columns) == [S.WARD_CODE, S.WARD_NAME, S.TOWN, "geometry"]


def test_every_ward_has_a_town(boundaries):
    w = boundaries.wards.set_index(S.WARD_NAME)
    assert set(w[S.TOWN]) == set(S.TOWNS)
    assert w.loc["Poole Town", S.TOWN] == "Poole"
    assert w.loc["Christchurch Town", S.TOWN] == "Christchurch"
    assert w.loc["Bournemouth Central", S.TOWN] == "Bournemouth"
    assert w.loc["Highcliffe & Walkford", S.TOWN] == "Christchurch"
    assert w.loc["Broadstone", S.TOWN] == "Poole"
    assert w.loc["Kinson", S.TOWN] == "Bournemouth"
    # the former boroughs: 16 Bournemouth, 12 Poole, 5 Christchurch wards
    assert w[S.TOWN].value_counts().to_dict() == {"Bournemouth": 16, "Poole": 12, "Christchurch": 5}


def test_everything_is_in_british_national_grid(boundaries):
    for gdf in (boundaries.wards, boundaries.lsoa11, boundaries.lsoa21, boundaries.gazetteer):
        assert gdf.crs.to_epsg() == 27700


def test_total_ward_area_matches_sources_md(boundaries):
    # geodata/README.md: 160.97 km2. The generalised (BGC) shapes measured in EPSG:27700 give
    # 162.08 km2 (+0.7%; BNG scale error here is < 0.1%), so allow 1%.
    total_km2 = boundaries.wards.area.sum() / 1e6
    assert total_km2 == pytest.approx(160.97, rel=0.01)
    # the outline is the wards dissolved
    assert boundaries.outline_area_km2 == pytest.approx(total_km2, rel=1e-6)


def test_outline_matches_the_outline_file(boundaries, geodata_dir):
    ref = gpd.read_file(geodata_dir / "bcp_boundary_E06000058_from_wards.geojson").to_crs(27700)
    ref_geom = shapely.union_all(ref.geometry.values)
    assert shapely.equals_exact(boundaries.outline.normalize(), ref_geom.normalize(), 1e-6)


def test_lsoa_layers(boundaries):
    assert len(boundaries.lsoa11) == 233
    assert len(boundaries.lsoa21) == 240
    for g in (boundaries.lsoa11, boundaries.lsoa21):
        assert list(g.columns) == ["lsoa_code", "lsoa_name", "geometry"]
        assert g["lsoa_code"].str.match(r"^E010\d{5}$").all()
    # 226 shapes carried from 2011 with the code unchanged (geodata/README.md)
    assert len(set(boundaries.lsoa11["lsoa_code"]) & set(boundaries.lsoa21["lsoa_code"])) == 226


def test_attribution_names_the_licences():
    assert "Open Government Licence v3.0" in ATTRIBUTION
    assert "CC BY 4.0" in ATTRIBUTION


def test_geodata_dir_default_and_override(monkeypatch, tmp_path, geodata_dir):
    monkeypatch.delenv("HOTSPOTS_GEODATA", raising=False)
    assert B.geodata_dir().resolve() == geodata_dir.resolve()
    monkeypatch.setenv("HOTSPOTS_GEODATA", str(tmp_path))
    assert B.geodata_dir() == tmp_path


def test_missing_boundary_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTSPOTS_GEODATA", str(tmp_path))
    with pytest.raises(FileReadError, match="boundary file not found"):
        load_boundaries()


# --- locate --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "ward", "town"),
    [
        ("Poole Bus Station", "Poole Town", "Poole"),
        ("Bournemouth Square", "Bournemouth Central", "Bournemouth"),
        ("Christchurch High Street", "Christchurch Town", "Christchurch"),
    ],
)
def test_locate_known_points(boundaries, places, to_bng, place, ward, town):
    x, y = to_bng(*places[place])
    out = locate(np.array([x]), np.array([y]), boundaries)
    assert out[S.IN_BCP].tolist() == [True]
    assert out[S.WARD_NAME].tolist() == [ward]
    assert out[S.TOWN].tolist() == [town]
    code = boundaries.wards.set_index(S.WARD_NAME).loc[ward, S.WARD_CODE]
    assert out[S.WARD_CODE].tolist() == [code]


def test_locate_outside_and_invalid_points_are_na(boundaries, places, to_bng):
    pts = [
        to_bng(*places["Dorchester"]),
        to_bng(*places["Newport IoW"]),
        (np.nan, 90000.0),
        to_bng(*places["Poole Bus Station"]),
    ]
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    out = locate(x, y, boundaries)
    assert out[S.IN_BCP].tolist() == [False, False, False, True]
    assert out[S.WARD_NAME].isna().tolist() == [True, True, True, False]
    assert out[S.TOWN].isna().tolist() == [True, True, True, False]
    assert out[S.WARD_CODE].dtype == "string"


def test_locate_empty_input_gives_zero_rows_with_columns(boundaries):
    out = locate(np.array([]), np.array([]), boundaries)
    assert len(out) == 0
    assert list(out.columns) == [S.IN_BCP, S.WARD_CODE, S.WARD_NAME, S.TOWN]


def test_locate_agrees_with_a_geopandas_spatial_join(boundaries, bundled_read):
    # every distinct bundled location, against an independent sjoin on the ward file
    recs = bundled_read.records
    pts = recs[[S.X, S.Y]].drop_duplicates()
    out = locate(pts[S.X].to_numpy(), pts[S.Y].to_numpy(), boundaries)
    gpts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts[S.X], pts[S.Y]), crs=27700)
    wards = boundaries.wards[[S.WARD_CODE, "geometry"]]
    joined = gpd.sjoin(gpts, wards, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="last")]
    ref = joined[S.WARD_CODE].astype("string").reset_index(drop=True)
    got = out[S.WARD_CODE].reset_index(drop=True)
    assert (ref.fillna("-") == got.fillna("-")).all()
    assert out[S.IN_BCP].sum() == ref.notna().sum()


# --- gazetteer ---------------------------------------------------------------


def test_gazetteer_has_27_places_with_short_names(boundaries, to_bng):
    gz = boundaries.gazetteer
    assert len(gz) == 27
    assert list(gz.columns) == ["place", "name", "confidence", "basis", "geometry"]
    names = set(gz["name"])
    assert {"Lower Gardens", "Poole Bus Station", "Bournemouth Pier", "Boscombe", "Winton"} <= names
    row = gz.set_index("name").loc["Lower Gardens"]
    assert row["place"] == "Lower Gardens (Bournemouth)"
    # in metres, and where the CSV says
    x, y = to_bng(-1.8779, 50.719)
    assert row.geometry.x == pytest.approx(x, abs=0.01)
    assert row.geometry.y == pytest.approx(y, abs=0.01)


@pytest.mark.parametrize(
    ("place", "short"),
    [
        ("Lower Gardens (Bournemouth)", "Lower Gardens"),
        ("Boscombe (precinct / Christchurch Road)", "Boscombe"),
        ("Bournemouth Pier (seafront, pier entrance)", "Bournemouth Pier"),
        ("Poole Bus Station", "Poole Bus Station"),
        ("(odd)", "(odd)"),
    ],
)
def test_short_place_name(place, short):
    assert short_place_name(place) == short


def test_gazetteer_user_extension_adds_and_replaces(tmp_path, to_bng):
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "place,lat,lon\n"
        "Hengistbury Head (headland),50.7143,-1.7555\n"
        "Poole Bus Station,50.7190,-1.9780\n",
        encoding="utf-8",
    )
    gz = load_gazetteer(extra)
    assert len(gz) == 28
    assert "Hengistbury Head" in set(gz["name"])
    pbs = gz[gz["name"] == "Poole Bus Station"]
    assert len(pbs) == 1
    x, y = to_bng(-1.9780, 50.7190)
    assert pbs.geometry.iloc[0].x == pytest.approx(x, abs=0.01)
    assert pbs.geometry.iloc[0].y == pytest.approx(y, abs=0.01)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,lat,lon\nX,50.7,-1.9\n", "missing ['place']"),
        ("place,lat,lon\nX,50.7,-1.9\nY,north,-1.9\n", "row 3, field lat/lon: not a number"),
        ("place,lat,lon\nX,95.0,-1.9\n", "row 2, field lat/lon: out of range"),
    ],
)
def test_bad_gazetteer_csv_names_file_and_problem(tmp_path, text, problem):
    f = tmp_path / "bad places.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(FileReadError) as info:
        load_gazetteer(f)
    assert info.value.path == str(f)
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


def test_gazetteer_file_not_found(tmp_path):
    with pytest.raises(FileReadError, match="not found"):
        load_gazetteer(tmp_path / "nope.csv")


def test_gazetteer_wrong_encoding_is_a_clear_error(tmp_path):
    f = tmp_path / "latin.csv"
    f.write_bytes("place,lat,lon\nCaf\xe9,50.7,-1.9\n".encode("latin-1"))
    with pytest.raises(FileReadError, match="not a readable CSV"):
        load_gazetteer(f)


def test_gazetteer_frame_types(boundaries):
    assert isinstance(boundaries.gazetteer, gpd.GeoDataFrame)
    assert (boundaries.gazetteer.geom_type == "Point").all()
    assert pd.api.types.is_string_dtype(boundaries.gazetteer["name"])


# Each gazetteer place, the police.uk location text found at or next to it in the bundled
# months, and how far (metres) the nearest map point with that text may be. The table in
# geodata/README.md gives the measured distances; estimates get the larger bounds.
GAZETTEER_CHECK = {
    "Bournemouth Square": ("Gervis Place", 30),
    "Central Gardens": ("Bourne Avenue", 140),
    "Lower Gardens": ("Exeter Park Road", 120),
    "Pier Approach": ("Theme/Adventure Park", 65),
    "Bournemouth Pier": ("Theme/Adventure Park", 20),
    "Poole Bus Station": ("Bus/Coach Station", 10),
    "Boscombe": ("Christchurch Road", 5),
    "Springbourne": ("Holdenhurst Road", 5),
    "East Cliff": ("Meyrick Road", 35),
    "Kinson": ("Wimborne Road", 5),
    "Christchurch town centre": ("High Street", 5),
    "Poole Quay": ("The Quay", 5),
    "Westbourne": ("Seamoor Road", 5),
    "Winton": ("Wimborne Road", 5),
    "Poole High Street": ("High Street", 110),
    "The Lansdowne": ("Lansdowne Crescent", 5),
    "The Triangle": ("The Triangle", 10),
    "Poole Hill": ("Poole Hill", 5),
    "Old Christchurch Road": ("Old Christchurch Road", 10),
    "Westover Road": ("Westover Road", 10),
    "Boscombe Pier": ("Undercliff Road", 135),
    "Dolphin Centre": ("Shopping Area", 20),
    "Ashley Road": ("Ashley Road", 5),
    "Christchurch Quay": ("Ferry Terminal", 5),
    "Winton Banks": ("Wimborne Road", 125),
    "Castlepoint": ("Castle Way", 5),
    "Hamworthy": ("Hamworthy", 5),
}


def test_gazetteer_places_sit_at_their_police_uk_location_texts(boundaries, bundled_read):
    """Every place is checked against the bundled real police.uk map points (issue 8)."""
    recs = bundled_read.records
    recs = recs[recs[S.IN_BCP]]
    pts = recs.groupby([S.LOCATION, S.X, S.Y], observed=True).size().reset_index()
    gz = boundaries.gazetteer.set_index("name")
    assert set(gz.index) == set(GAZETTEER_CHECK)
    for name, (text, within_m) in GAZETTEER_CHECK.items():
        p = gz.loc[name, "geometry"]
        same = pts[pts[S.LOCATION] == f"On or near {text}"]
        d = np.hypot(same[S.X] - p.x, same[S.Y] - p.y).min()
        assert d <= within_m, (name, text, d)


def test_boundaries_kept_as_geoparquet_are_the_same(tmp_path, monkeypatch):
    """A new process reads the boundaries from the store root's cache: the same frames
    (dtypes, CRS, geometry) and outline as built from the bundled files.
    """
    import shapely
    from geopandas.testing import assert_geodataframe_equal

    from hotspots.data import boundaries as B

    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path))
    d = B.geodata_dir()
    built = B._build(d)
    B._load.cache_clear()
    first = B._load(str(d))  # builds and writes the cache
    kept = list((tmp_path / ".cache").glob("boundaries-*"))
    assert len(kept) == 1 and (kept[0] / "wards.parquet").exists()
    B._load.cache_clear()
    again = B._load(str(d))  # "another process": read from the cache
    for b in (first, again):
        for name in ("wards", "lsoa11", "lsoa21", "gazetteer"):
            assert_geodataframe_equal(getattr(b, name), getattr(built, name), check_dtype=True)
        assert shapely.equals_exact(b.outline, built.outline, tolerance=0)
    # a damaged cache is rebuilt
    (kept[0] / "wards.parquet").write_bytes(b"damaged")
    B._load.cache_clear()
    assert_geodataframe_equal(B._load(str(d)).wards, built.wards, check_dtype=True)
    B._load.cache_clear()  # and the cache is whole again
    assert B._read_cache(kept[0]) is not None
