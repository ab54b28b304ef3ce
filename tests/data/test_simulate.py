"""Tests for hotspots.data.simulate and the ``hotspots simulate`` command."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import shapely
from pyproj import Transformer
from scipy import stats

from hotspots.cli import main
from hotspots.data import schema as S
from hotspots.data import simulate as sm
from hotspots.data.areas import town_centre_area
from hotspots.data.boundaries import geodata_dir, load_boundaries
from hotspots.errors import InputError

# Real BCP records per month in the bundled police.uk files (rows with coordinates
# inside the BCP outline), and the real category mix; pinned by test_real_reference_values.
REAL_BCP_MONTHLY = {
    "2018-10": 3978,
    "2018-11": 3586,
    "2018-12": 3638,
    "2019-01": 3575,
    "2019-02": 3374,
    "2024-01": 3126,
    "2024-02": 2984,
    "2024-03": 3263,
}
REAL_MIX = {
    "Anti-social behaviour": 0.2585,
    "Bicycle theft": 0.0150,
    "Burglary": 0.0545,
    "Criminal damage and arson": 0.0875,
    "Drugs": 0.0182,
    "Other crime": 0.0065,
    "Other theft": 0.0759,
    "Possession of weapons": 0.0044,
    "Public order": 0.0429,
    "Robbery": 0.0058,
    "Shoplifting": 0.0661,
    "Theft from the person": 0.0068,
    "Vehicle crime": 0.0775,
    "Violence and sexual offences": 0.2804,
}
HEADER_LINE = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
CRIME_FACTOR = 0.7441  # 1 - 25.59 %
ASB_FACTOR = 0.7636  # 1 - 23.64 %


@pytest.fixture(scope="module")
def sim() -> sm.Simulation:
    return sm.simulate(seed=0)


@pytest.fixture(scope="module")
def small() -> sm.Simulation:
    return sm.simulate(seed=5, start="2022-06", end="2022-07", scale=0.2)


def _zones(records: pd.DataFrame, truth: dict) -> np.ndarray:
    """target / ring / control per record, from the WKT in the truth (one test per location)."""
    target = shapely.from_wkt(truth["target"]["wkt_27700"])
    ring = shapely.from_wkt(truth["ring"]["wkt_27700"])
    xy = records[[S.X, S.Y]].drop_duplicates()
    zone = np.where(
        shapely.contains_xy(target, xy[S.X], xy[S.Y]),
        "target",
        np.where(shapely.contains_xy(ring, xy[S.X], xy[S.Y]), "ring", "control"),
    )
    lookup = pd.Series(zone, index=pd.MultiIndex.from_frame(xy))
    return lookup.reindex(pd.MultiIndex.from_frame(records[[S.X, S.Y]])).to_numpy()


def _kind(records: pd.DataFrame) -> np.ndarray:
    return np.where(records[S.CATEGORY].to_numpy() == S.ASB, "asb", "crime")


def _window_count(records, zones, kinds, zone, kind, window) -> int:
    m = records[S.MONTH].to_numpy()
    inw = (m >= window[0]) & (m <= window[1])
    return int((inw & (zones == zone) & (kinds == kind)).sum())


# =============================================================================
# inputs
# =============================================================================
@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"start": "2020-13"}, "start"),
        ({"end": "2023"}, "end"),
        ({"start": "2022-05", "end": "2022-04"}, "end"),
        ({"spillover": 1.5}, "spillover"),
        ({"spillover": float("nan")}, "spillover"),
        ({"ring_m": -1}, "ring_m"),
        ({"scale": 0}, "scale"),
        ({"scale": 1000}, "scale"),
    ],
)
def test_bad_arguments_raise_input_error(kwargs, argument):
    with pytest.raises(InputError) as exc:
        sm.simulate(**kwargs)
    assert exc.value.argument == argument


def test_refuses_a_folder_holding_other_files(tmp_path, small):
    (tmp_path / "mine.csv").write_text("a,b\n")
    with pytest.raises(InputError) as exc:
        sm.write_simulation(small, tmp_path)
    assert exc.value.argument == "out"
    assert (tmp_path / "mine.csv").read_text() == "a,b\n"


def test_rewriting_a_simulation_folder_removes_its_old_months(tmp_path, small):
    sm.write_simulation(small, tmp_path)
    other = sm.simulate(seed=5, start="2022-08", end="2022-08", scale=0.2)
    sm.write_simulation(other, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-08", "README.txt", "truth.json"]


# =============================================================================
# outputs: records
# =============================================================================
def test_records_follow_the_canonical_schema(sim):
    r = sim.records
    assert list(r.columns) == S.RECORD_COLUMNS
    assert {c: str(t) for c, t in r.dtypes.items()} == {
        c: str(pd.Series(dtype=t).dtype) for c, t in S.RECORD_DTYPES.items()
    }
    assert (r[S.SOURCE] == S.SOURCE_SIMULATED).all()
    assert r[S.SIMULATED].all() and r[S.IN_BCP].all()
    assert r[S.RECORD_ID].is_unique
    assert r[S.WARD_NAME].notna().mean() > 0.999
    assert set(r[S.TOWN].dropna()) == set(S.TOWNS)
    assert r[S.LSOA_NAME].str.startswith("Bournemouth, Christchurch and Poole ").all()
    # one LSOA name per code (a single LSOA vintage)
    assert r.groupby(S.LSOA_CODE)[S.LSOA_NAME].nunique().max() == 1


def test_crime_rows_have_64_hex_ids_and_asb_rows_none(sim):
    r = sim.records
    asb = (r[S.CATEGORY] == S.ASB).to_numpy()
    assert r.loc[asb, S.CRIME_ID].isna().all()
    assert r.loc[asb, S.OUTCOME].isna().all()
    ids = r.loc[~asb, S.CRIME_ID]
    assert ids.str.fullmatch(r"[0-9a-f]{64}").all()
    assert ids.is_unique
    assert r.loc[~asb, S.OUTCOME].notna().all()
    rid = r.loc[asb, S.RECORD_ID].iloc[0]
    row = r.loc[asb].iloc[0]
    assert rid == f"{row[S.MONTH]}-dorset-simulated-street.csv#{row[S.SOURCE_ROW]}"


def test_xy_are_the_lonlat_projected_to_british_national_grid(sim):
    pts = sim.records[[S.LON, S.LAT, S.X, S.Y]].drop_duplicates()
    tr = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = tr.transform(pts[S.LON].to_numpy(), pts[S.LAT].to_numpy())
    np.testing.assert_allclose(pts[S.X], x, atol=0.006)
    np.testing.assert_allclose(pts[S.Y], y, atol=0.006)
    outline = load_boundaries().outline
    assert shapely.contains_xy(outline, pts[S.X], pts[S.Y]).all()


def test_dates_fall_in_their_month_and_hours_in_a_day(sim):
    r = sim.records
    assert (r[S.DATE].dt.strftime("%Y-%m") == r[S.MONTH]).all()
    assert r[S.HOUR].between(0, 23).all()
    asb = (r[S.CATEGORY] == S.ASB).to_numpy()
    assert r.loc[asb, S.ASB_SUBTYPE].notna().all() and r.loc[~asb, S.ASB_SUBTYPE].isna().all()


def test_same_seed_same_records_other_seed_other_records(sim):
    again = sm.simulate(seed=0)
    pdt.assert_frame_equal(sim.records, again.records)
    other = sm.simulate(seed=1, start="2020-01", end="2020-01")
    first = sim.records[sim.records[S.MONTH] == "2020-01"]
    assert len(other.records) != len(first) or not other.records[S.X].equals(first[S.X])


def test_a_month_does_not_depend_on_the_simulated_range(sim):
    part = sm.simulate(seed=0, start="2021-06", end="2021-07").records
    full = sim.records[sim.records[S.MONTH].isin(["2021-06", "2021-07"])].reset_index(drop=True)
    pdt.assert_frame_equal(part, full)


def test_tiny_scale_gives_a_zero_row_frame_with_the_same_columns(tmp_path):
    empty = sm.simulate(seed=0, start="2022-01", end="2022-01", scale=1e-9)
    assert len(empty.records) == 0
    assert list(empty.records.columns) == S.RECORD_COLUMNS
    assert list(empty.police_uk_frame().columns) == sm.POLICE_UK_HEADER
    assert list(empty.force_export_frame().columns) == sm.FORCE_EXPORT_COLUMNS
    files = sm.write_simulation(empty, tmp_path)
    assert [f.name for f in files] == ["README.txt", "truth.json"]


# =============================================================================
# outputs: calibration on the real data
# =============================================================================
def test_real_reference_values():
    """The constants above, recomputed from the bundled files with pandas, pyproj and shapely."""
    files = sorted((geodata_dir() / "police_uk").glob("*-street.csv"))
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    raw = raw[raw["Longitude"] != ""]
    tr = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = tr.transform(raw["Longitude"].astype(float).to_numpy(), raw["Latitude"].astype(float))
    bcp = raw[shapely.contains_xy(load_boundaries().outline, x, y)]
    assert bcp.groupby("Month").size().to_dict() == REAL_BCP_MONTHLY
    mix = bcp["Crime type"].value_counts(normalize=True)
    for cat, share in REAL_MIX.items():
        assert mix[cat] == pytest.approx(share, abs=5e-5)


def test_monthly_volumes_are_in_the_real_range(sim):
    monthly = sim.records.groupby(S.MONTH).size()
    assert len(monthly) == 48
    lo, hi = min(REAL_BCP_MONTHLY.values()), max(REAL_BCP_MONTHLY.values())  # 2984, 3978
    assert lo <= monthly.mean() <= hi
    assert monthly.min() >= 0.9 * lo and monthly.max() <= 1.1 * hi
    # winter months (those the real data covers) close to the real winter level
    winter = monthly[monthly.index.str[5:].isin(["01", "02", "03", "10", "11", "12"])]
    assert winter.mean() == pytest.approx(np.mean(list(REAL_BCP_MONTHLY.values())), rel=0.08)


def test_category_mix_is_close_to_the_real_one(sim):
    mix = sim.records[S.CATEGORY].value_counts(normalize=True)
    for cat, share in REAL_MIX.items():
        assert mix[cat] == pytest.approx(share, abs=0.02), cat
        if share > 0.01:
            assert mix[cat] == pytest.approx(share, rel=0.2), cat


def test_busy_real_locations_are_busy_simulated_locations(sim):
    """Per-location totals follow the real ones (Pearson r, scipy)."""
    files = sorted((geodata_dir() / "police_uk").glob("*-street.csv"))
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    real = raw.groupby(["Longitude", "Latitude"]).size()
    key = sim.records[S.LON].map("{:.6f}".format) + "," + sim.records[S.LAT].map("{:.6f}".format)
    simulated = key.value_counts()
    real.index = [f"{a},{b}" for a, b in real.index]
    joined = pd.concat([simulated.rename("s"), real.rename("r")], axis=1, join="inner")
    assert len(joined) > 5000
    assert stats.pearsonr(joined["s"], joined["r"]).statistic > 0.95


# =============================================================================
# outputs: the truth, in expectation and in the draws
# =============================================================================
def test_expected_counts_give_the_effect_exactly(sim):
    e = sim.expected.set_index(["zone", "kind", "month"])

    def window(zone, kind, col, w):
        months = [str(p) for p in pd.period_range(*w, freq="M")]
        return e.loc[[(zone, kind, m) for m in months], col].sum()

    for kind, factor in (("crime", CRIME_FACTOR), ("asb", ASB_FACTOR)):
        ctl = window("control", kind, "expected", sm.AFTER) / window(
            "control",
            kind,
            "expected",
            sm.BEFORE,
        )
        for zone, f in (("target", factor), ("ring", 0.90)):
            ratio = window(zone, kind, "expected", sm.AFTER) / window(
                zone,
                kind,
                "expected",
                sm.BEFORE,
            )
            assert ratio / ctl == pytest.approx(f, rel=1e-9)
            cf = window(zone, kind, "counterfactual", sm.AFTER)
            assert window(zone, kind, "expected", sm.AFTER) / cf == pytest.approx(f, rel=1e-12)
        # outside the Seasonal Response the expectation is the counterfactual
        other = sim.expected[~sim.expected["month"].between(*sm.AFTER)]
        np.testing.assert_allclose(other["expected"], other["counterfactual"], rtol=1e-12)


def test_target_vs_control_ratio_recovers_the_effect_in_the_draws():
    """Scale 10 over both windows: ~7,600 target crimes before; SE of the ratio ~0.013."""
    before = sm.simulate(seed=11, start=sm.BEFORE[0], end=sm.BEFORE[1], scale=10)
    after = sm.simulate(seed=11, start=sm.AFTER[0], end=sm.AFTER[1], scale=10)
    rec = pd.concat([before.records, after.records], ignore_index=True)
    zones, kinds = _zones(rec, before.truth), _kind(rec)

    def rr(zone, kind):
        b = _window_count(rec, zones, kinds, zone, kind, sm.BEFORE)
        a = _window_count(rec, zones, kinds, zone, kind, sm.AFTER)
        cb = _window_count(rec, zones, kinds, "control", kind, sm.BEFORE)
        ca = _window_count(rec, zones, kinds, "control", kind, sm.AFTER)
        return (a / b) / (ca / cb)

    assert rr("target", "crime") == pytest.approx(CRIME_FACTOR, abs=0.04)
    assert rr("target", "asb") == pytest.approx(ASB_FACTOR, abs=0.06)
    assert rr("ring", "crime") == pytest.approx(0.90, abs=0.04)


def test_counts_are_poisson_given_the_expected_counts(sim):
    """Monthly zone x kind counts against their Poisson means: chi-square (scipy) not rejected."""
    r = sim.records
    obs = (
        pd.DataFrame({"zone": _zones(r, sim.truth), "kind": _kind(r), "month": r[S.MONTH]})
        .value_counts()
        .rename("observed")
    )
    e = sim.expected.set_index(["zone", "kind", "month"]).join(obs).fillna(0)
    z = (e["observed"] - e["expected"]) / np.sqrt(e["expected"])
    assert len(z) == 3 * 2 * 48
    chi2 = float((z**2).sum())
    assert stats.chi2.sf(chi2, df=len(z)) > 0.001
    assert abs(z.mean()) < 0.25


def test_spillover_sign_and_ring_width_are_honoured():
    disp = sm.simulate(seed=0, start="2022-05", end="2022-05", spillover=0.10, ring_m=600)
    e = disp.expected.set_index(["zone", "kind"])
    assert (e.loc["ring", "expected"] / e.loc["ring", "counterfactual"]).to_numpy() == (
        pytest.approx([1.1, 1.1])
    )
    assert disp.truth["spillover"]["kind"] == "displacement"
    assert disp.truth["ring"]["width_m"] == 600
    none = sm.simulate(seed=0, start="2022-05", end="2022-05", ring_m=0)
    assert none.truth["ring"]["n_snap_points"] == 0
    assert none.truth["ring"]["geojson"] is None
    assert none.expected.query("zone == 'ring'")["expected"].sum() == 0


def test_scale_multiplies_the_expected_counts():
    one = sm.simulate(seed=0, start="2022-05", end="2022-05")
    six = sm.simulate(seed=0, start="2022-05", end="2022-05", scale=6)
    np.testing.assert_allclose(six.expected["expected"], 6 * one.expected["expected"], rtol=1e-12)
    assert len(six.records) == pytest.approx(6 * one.expected["expected"].sum(), rel=0.02)


# =============================================================================
# outputs: seasonality and times
# =============================================================================
def test_summer_peaks_in_the_town_centre_and_for_asb(sim):
    r = sim.records
    zones, kinds = _zones(r, sim.truth), _kind(r)
    moy = r[S.MONTH].str[5:].to_numpy()
    no_2022 = r[S.MONTH].str[:4].to_numpy() != "2022"  # the Seasonal Response year
    summer, winter = np.isin(moy, ["07", "08"]) & no_2022, np.isin(moy, ["01", "02"]) & no_2022

    def ratio(mask):
        return (mask & summer).sum() / (mask & winter).sum()

    assert ratio((zones == "target") & (kinds == "crime")) > 1.4
    assert ratio((zones == "target") & (kinds == "asb")) > 1.8
    assert ratio(kinds == "asb") > 1.25
    assert 1.0 < ratio((zones == "control") & (kinds == "crime")) < 1.2


def test_asb_happens_in_the_evening_and_subtypes_are_20_70_10(sim):
    r = sim.records
    asb = (r[S.CATEGORY] == S.ASB).to_numpy()
    evening = r[S.HOUR].between(17, 23).to_numpy()
    assert evening[asb].mean() > 0.45
    assert evening[asb].mean() > evening[~asb].mean() + 0.1
    shop = (r[S.CATEGORY] == "Shoplifting").to_numpy()
    assert r.loc[shop, S.HOUR].between(9, 17).mean() > 0.5
    shares = r.loc[asb, S.ASB_SUBTYPE].value_counts(normalize=True)
    assert shares["personal"] == pytest.approx(0.20, abs=0.01)
    assert shares["nuisance"] == pytest.approx(0.70, abs=0.01)
    assert shares["environmental"] == pytest.approx(0.10, abs=0.01)


# =============================================================================
# outputs: police.uk files and truth.json
# =============================================================================
def test_police_uk_frame_has_the_exact_header_and_the_simulated_label(small):
    f = small.police_uk_frame()
    assert list(f.columns) == HEADER_LINE.split(",")
    assert len(f) == len(small.records)
    assert (f["Reported by"] == "Dorset Police (SIMULATED)").all()
    assert (f["Falls within"] == "Dorset Police (SIMULATED)").all()
    asb = (f["Crime type"] == S.ASB).to_numpy()
    assert (f.loc[asb, "Crime ID"] == "").all() and (
        f.loc[asb, "Last outcome category"] == ""
    ).all()
    assert f["Location"].str.startswith("On or near ").mean() > 0.95
    assert f["Longitude"].str.fullmatch(r"-\d\.\d{6}").all()


def test_written_layout_header_and_readme(tmp_path, small):
    files = sm.write_simulation(small, tmp_path)
    rel = sorted(p.relative_to(tmp_path).as_posix() for p in files)
    assert rel == [
        "2022-06/2022-06-dorset-street.csv",
        "2022-06/README.txt",
        "2022-07/2022-07-dorset-street.csv",
        "2022-07/README.txt",
        "README.txt",
        "truth.json",
    ]
    text = (tmp_path / "2022-06" / "2022-06-dorset-street.csv").read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == HEADER_LINE
    assert "\r" not in text
    # byte for byte what pandas writes for the same rows (quoting, empty fields, "\n")
    frame = small.police_uk_frame()
    june = frame[frame["Month"] == "2022-06"]
    assert text == june.to_csv(index=False, lineterminator="\n")
    for readme in (tmp_path / "README.txt", tmp_path / "2022-07" / "README.txt"):
        assert "SIMULATED DATA — not real crime records" in readme.read_text(encoding="utf-8")


def test_truth_json_content(tmp_path, small):
    sm.write_simulation(small, tmp_path)
    t = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert t["warning"] == "SIMULATED DATA — not real crime records"
    assert t["generator_version"] == sm.GENERATOR_VERSION
    assert t["seed"] == 5 and t["scale"] == 0.2
    assert t["windows"] == {"before": ["2021-04", "2021-08"], "after": ["2022-04", "2022-08"]}
    assert t["effects"]["crime"] == {"percent": -25.59, "factor": 0.7441}
    assert t["effects"]["asb"] == {"percent": -23.64, "factor": 0.7636}
    assert t["spillover"]["kind"] == "diffusion of benefits"
    assert t["spillover"]["fraction"] == -0.10 and t["spillover"]["ring_m"] == 400
    assert "2022-06/2022-06-dorset-street.csv" in t["files"]
    # target polygon: WKT in EPSG:27700 is the simulator's own outline (250 m around the
    # open spaces), not the tool's town-centre polygon (200 m), which it contains
    target = shapely.from_wkt(t["target"]["wkt_27700"])
    tc = sm.simulated_target().geometry
    assert shapely.symmetric_difference(target, tc).area < 1.0
    tool = town_centre_area().geometry
    assert tool.difference(target).area < 1.0 and target.area > 1.3 * tool.area
    gj = shapely.from_geojson(json.dumps(t["target"]["geojson"]))
    tr = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    back = shapely.transform(gj, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    assert shapely.symmetric_difference(back, tc).area < 0.01 * tc.area
    minx, miny, maxx, maxy = gj.bounds
    assert -1.9 < minx < maxx < -1.86 and 50.7 < miny < maxy < 50.73
    # ring: 400 m around the target, outside it
    ring = shapely.from_wkt(t["ring"]["wkt_27700"])
    assert ring.intersection(tc).area < 1.0
    assert ring.area == pytest.approx(t["ring"]["area_km2"] * 1e6, rel=1e-4)
    grown = shapely.intersection(tc.buffer(400), load_boundaries().outline)
    assert shapely.symmetric_difference(shapely.union(ring, tc), grown).area < 1.0


def test_round_trip_through_the_police_uk_reader(tmp_path, small):
    reader = pytest.importorskip("hotspots.data.ingest")
    sm.write_simulation(small, tmp_path)
    got = reader.read_police_uk([tmp_path]).records
    want = small.records.assign(**{S.DATE: pd.NaT, S.HOUR: pd.NA, S.ASB_SUBTYPE: pd.NA})
    pdt.assert_frame_equal(got, S.conform(want))
    assert got[S.SIMULATED].all()


# =============================================================================
# outputs: force-export variant
# =============================================================================
def test_force_export_frame_columns_and_formats(small):
    f = small.force_export_frame()
    assert list(f.columns) == sm.FORCE_EXPORT_COLUMNS
    assert f["CommittedDate"].str.fullmatch(r"\d\d/\d\d/20\d\d").all()
    assert f["CommittedTime"].str.fullmatch(r"([01]\d|2[0-3]):[0-5]\d").all()
    assert f["Easting"].dtype == np.int64 and f["Northing"].dtype == np.int64
    assert f["OccurrenceRef"].is_unique and f["OccurrenceRef"].str.startswith("SIM").all()
    mapping = tomllib.loads(sm.mapping_toml())
    mapped = f["OffenceGroup"].map(mapping["categories"])
    assert (mapped.to_numpy() == small.records[S.CATEGORY].to_numpy()).all()
    asb = f["OffenceGroup"] == "ASB"
    subtypes = f.loc[asb, "ASBType"].map(mapping["asb_subtypes"])
    assert (subtypes.to_numpy() == small.records.loc[asb.to_numpy(), S.ASB_SUBTYPE]).all()
    assert (f.loc[~asb, "ASBType"] == "").all()
    hour = f["CommittedTime"].str[:2].astype(int)
    assert (hour.to_numpy() == small.records[S.HOUR].to_numpy()).all()


def test_mapping_toml_declares_the_columns():
    m = tomllib.loads(sm.mapping_toml())
    assert m["export"]["simulated"] is True
    assert m["columns"]["date_format"] == "%d/%m/%Y"
    cols = {k: v for k, v in m["columns"].items() if not k.endswith("_format")}
    assert set(cols.values()) <= set(sm.FORCE_EXPORT_COLUMNS)
    assert set(m["categories"].values()) == set(S.CATEGORIES)
    assert set(m["asb_subtypes"].values()) == set(S.ASB_SUBTYPES)


def test_force_export_round_trip_through_the_reader(tmp_path, small):
    reader = pytest.importorskip("hotspots.data.ingest")
    files = sm.write_simulation(small, tmp_path, force_export=True)
    assert sorted(p.name for p in files) == [
        "README.txt",
        "force_export.csv",
        "mapping.toml",
        "truth.json",
    ]
    text = (tmp_path / "force_export.csv").read_text(encoding="utf-8")
    assert text == small.force_export_frame().to_csv(index=False, lineterminator="\n")
    res = reader.read_force_export([tmp_path / "force_export.csv"], tmp_path / "mapping.toml")
    got, want = res.records, small.records
    assert res.report.rows_rejected == 0 and len(got) == len(want)
    assert got[S.SIMULATED].all()
    for col in (S.CATEGORY, S.DATE, S.HOUR, S.ASB_SUBTYPE, S.MONTH):
        pdt.assert_series_equal(got[col], want[col], check_names=False)
    np.testing.assert_allclose(got[S.X], want[S.X], atol=0.5)


def test_bundled_force_export_example_is_simulated_and_current():
    d = geodata_dir() / "force_export_example"
    assert (d / "mapping.toml").read_text(encoding="utf-8") == sm.mapping_toml()
    ex = pd.read_csv(d / "example.csv", dtype=str, keep_default_na=False)
    assert list(ex.columns) == sm.FORCE_EXPORT_COLUMNS
    assert 150 <= len(ex) <= 250
    assert "SIMULATED DATA — not real crime records" in (d / "README.txt").read_text("utf-8")
    assert json.loads((d / "truth.json").read_text("utf-8"))["generator"] == sm.GENERATOR


# =============================================================================
# the command
# =============================================================================
def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--seed", "--out", "--start", "--end", "--spillover", "--ring-m", "--scale"):
        assert flag in out
    assert "--force-export" in out


def test_cli_writes_files(tmp_path, capsys):
    out = tmp_path / "sim"
    args = ["simulate", "--seed", "3", "--out", str(out), "--start", "2022-04", "--end", "2022-05"]
    assert main([*args, "--scale", "0.1"]) == 0
    assert (out / "2022-04" / "2022-04-dorset-street.csv").exists()
    assert (out / "2022-05" / "2022-05-dorset-street.csv").exists()
    t = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert t["seed"] == 3 and t["start"] == "2022-04"
    assert "SIMULATED DATA" in capsys.readouterr().out
    fe = tmp_path / "fe"
    assert main(["simulate", "--out", str(fe), "--end", "2020-01", "--force-export"]) == 0
    assert (fe / "mapping.toml").exists() and (fe / "force_export.csv").exists()


def test_cli_reports_bad_input(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--spillover", "2"]) == 2
    err = capsys.readouterr().err
    assert "spillover" in err and "a number from -1 to 1" in err
    assert not Path(tmp_path / "x").exists()


# --- overdispersed counts ---------------------------------------------------------------------
def test_dispersion_one_leaves_the_poisson_draws_unchanged():
    a = sm.simulate(seed=3, start="2022-04", end="2022-05")
    b = sm.simulate(seed=3, start="2022-04", end="2022-05", dispersion=1.0)
    assert len(a.records) == len(b.records) and a.truth["dispersion"] == 1.0


def test_calibrated_dispersion_matches_the_real_months():
    """At the calibrated value, BCP-level monthly dispersion is near 10 and a ward's near 2.5
    (the real bundled months: about 10 and 2.4), estimated as the tool does (quasi-Poisson GLM
    with trend and month-of-year terms) over 4 years of months, median over seeds.
    """
    from hotspots.comparison.dispersion import estimate_dispersion

    months = [str(p) for p in pd.period_range("2020-01", "2023-12", freq="M")]
    bcp, ward, pois = [], [], []
    for seed in range(4):
        c = sm.zone_month_counts(seed, months, dispersion=sm.CALIBRATED_DISPERSION, by="ward")
        bcp.append(estimate_dispersion(pd.Series(c[:-1].sum(axis=(0, 1)), index=months)).estimate)
        ward += [estimate_dispersion(pd.Series(w, index=months)).estimate for w in c[:-1].sum(1)]
        p = sm.zone_month_counts(seed, months, dispersion=1.0, by="ward")
        pois.append(estimate_dispersion(pd.Series(p[:-1].sum(axis=(0, 1)), index=months)).estimate)
    assert 7 < np.median(bcp) < 14, bcp
    assert 1.8 < np.median(ward) < 3.2
    assert np.median(pois) < 2  # Poisson counts: near 1 (trend and season are modelled)


def test_overdispersed_records_and_truth():
    s = sm.simulate(seed=2, start="2022-01", end="2022-12", dispersion=4.0)
    per_month = s.records[S.MONTH].value_counts().sort_index().to_numpy(float)
    assert s.truth["dispersion"] == 4.0 and "gamma" in s.truth["model"]["counts"]
    assert s.truth["model"]["location_month_effect_var"] == pytest.approx(3 * sm.LOCATION_MONTH_VAR)
    assert len(per_month) == 12 and per_month.var() / per_month.mean() > 3
    with pytest.raises(InputError):
        sm.simulate(seed=1, start="2022-01", end="2022-02", dispersion=0.5)


def test_cli_dispersion_flag(tmp_path, capsys):
    rc = main(["simulate", "--out", str(tmp_path / "s"), "--start", "2022-04", "--end", "2022-05",
               "--dispersion", "--json"])  # fmt: skip
    assert rc == 0
    truth = json.loads((tmp_path / "s" / "truth.json").read_text())
    assert truth["dispersion"] == sm.CALIBRATED_DISPERSION
