"""The public surface ``import hotspots as hs``: names, cheap import, and each verb against
the function it wraps.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots as hs
from hotspots.data import schema as S
from hotspots.errors import InputError, NoDataError

HEAVY = ("streamlit", "folium", "fpdf")


@pytest.fixture(scope="module")
def ds():
    return hs.open_dataset("bundled")


# ============================================================================ inputs
def test_public_names():
    assert hs.__all__ == ["open_dataset", "detect", "compare", "evaluate", "ingest"]
    assert hs.__version__ == "0.1.0" and "__version__" not in hs.__all__
    assert set(hs.__all__) <= set(dir(hs))
    with pytest.raises(AttributeError):
        hs.nothing_here  # noqa: B018


@pytest.mark.slow  # spawns a process / runs long: slow tier (scripts/test.sh fast skips it)
def test_import_is_cheap_and_never_loads_the_app_libraries():
    code = (
        "import json, sys\n"
        "import hotspots as hs\n"
        f"heavy = {HEAVY!r}\n"
        "def loaded(): return sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "at_import = loaded()\n"
        "geo = 'geopandas' in sys.modules\n"
        "rec = hs.open_dataset('bundled').records(months='2024-01')\n"
        "res = hs.detect(rec, method='kde')\n"
        "print(json.dumps([at_import, geo, loaded(), len(res.hotspots)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    at_import, geo, after_detect, n = json.loads(out.stdout.strip().splitlines()[-1])
    assert at_import == [] and not geo  # nothing heavy at all on import
    assert after_detect == []
    assert n > 0


class TestRecordsSelection:
    def test_months_forms(self, ds):
        one = ds.records(months="2024-01")
        assert set(one[S.MONTH]) == {"2024-01"}
        window = ds.records(months=("2024-01", "2024-03"))
        assert set(window[S.MONTH]) == {"2024-01", "2024-02", "2024-03"}
        assert ds.records(months="2024-01:2024-03")[S.RECORD_ID].equals(window[S.RECORD_ID])
        listed = ds.records(months=["2024-03", "2019-01"])
        assert set(listed[S.MONTH]) == {"2019-01", "2024-03"}
        assert len(ds.records()) == len(ds.store.records())

    @pytest.mark.parametrize(
        "bad",
        ["2024-13", ("2024-03", "2024-01"), 2024, [], "2024-03:2024-01"],
    )
    def test_bad_months(self, ds, bad):
        with pytest.raises(InputError, match="months"):
            ds.records(months=bad)

    def test_categories(self, ds):
        asb = ds.records(months="2024-01", categories="asb")
        assert set(asb[S.CATEGORY]) == {S.ASB}

    def test_area_forms_agree(self, ds, ward_name="Poole Town"):
        from hotspots.data.select import filter_records
        from hotspots.methods.detect import study_area

        by_name = ds.records(months="2024-01", area=ward_name)
        area = study_area(ward_name)
        expected = filter_records(ds.store.records(months=("2024-01", "2024-01")), area=area)
        assert by_name[S.RECORD_ID].tolist() == expected[S.RECORD_ID].tolist()
        assert set(by_name[S.WARD_NAME]) == {ward_name}
        by_geom = ds.records(months="2024-01", area=area.geometry)
        assert by_geom[S.RECORD_ID].tolist() == by_name[S.RECORD_ID].tolist()
        wgs = gpd.GeoDataFrame(geometry=[area.geometry], crs=S.CRS_METRES).to_crs("EPSG:4326")
        by_gdf = ds.records(months="2024-01", area=wgs)
        # the same ward to within a millimetre of reprojection
        assert abs(len(by_gdf) - len(by_name)) <= 2 and len(by_gdf) > 100

    def test_place_with_radius(self, ds):
        rec = ds.records(months="2024-01", area="Poole Bus Station@500")
        assert len(rec)
        from hotspots.data.boundaries import load_boundaries

        gz = load_boundaries().gazetteer
        p = gz.loc[gz["name"] == "Poole Bus Station", "geometry"].iloc[0]
        d = np.hypot(rec[S.X].to_numpy() - p.x, rec[S.Y].to_numpy() - p.y)
        assert d.max() <= 500

    def test_geodataframe_without_crs_refused(self, ds):
        g = gpd.GeoDataFrame(geometry=[shapely.box(408_000, 90_800, 409_000, 91_800)])
        with pytest.raises(InputError, match="set_crs"):
            ds.records(area=g)


def test_unknown_dataset():
    with pytest.raises(NoDataError):
        hs.open_dataset("no-such-dataset")


# ============================================================================ outputs
class TestDetect:
    def test_is_methods_detect(self, ds):
        from hotspots.methods.detect import detect

        rec = ds.records(months="2024-01")
        ours = hs.detect(rec, method="dbscan", eps_m=80)
        theirs = detect(rec, "dbscan", eps_m=80)
        assert ours.parameters == theirs.parameters and ours.notes == theirs.notes
        pd.testing.assert_frame_equal(
            pd.DataFrame(ours.hotspots.drop(columns="geometry")),
            pd.DataFrame(theirs.hotspots.drop(columns="geometry")),
        )

    def test_wgs84_geodataframe_taken_by_its_crs_not_its_xy_columns(self, ds):
        rec = ds.records(months="2024-01", area="Bournemouth Central")
        pts = gpd.GeoSeries(gpd.points_from_xy(rec[S.X], rec[S.Y]), crs=S.CRS_METRES)
        wgs = pts.to_crs("EPSG:4326")
        g = gpd.GeoDataFrame(rec.assign(x=wgs.x, y=wgs.y), geometry=wgs.values, crs="EPSG:4326")
        assert g[S.X].abs().max() < 3  # the x/y columns hold degrees
        got = hs.detect(g, method="dbscan", eps_m=60, min_points=8)
        want = hs.detect(rec, method="dbscan", eps_m=60, min_points=8)
        assert len(want.hotspots) > 0
        assert got.hotspots["count"].tolist() == want.hotspots["count"].tolist()
        assert got.hotspots["name"].tolist() == want.hotspots["name"].tolist()

    def test_dataset_and_unknown_setting(self, ds):
        with pytest.raises(InputError, match="bandwidth_m"):
            hs.detect(ds.records(months="2024-01"), method="dbscan", bandwidth_m=100)


def test_compare_is_compare_periods(ds):
    import hotspots.api
    import hotspots.comparison.rates
    from hotspots.comparison.rates import compare_periods

    # the verb is a plain function with a real signature; the statistics live in hotspots.comparison
    assert hs.compare is hotspots.api.compare
    params = list(inspect.signature(hs.compare).parameters)
    assert params[:3] == ["records", "a", "b"] and "area" in params
    assert hotspots.comparison.rates.compare_periods is compare_periods

    ours = hs.compare(ds, "2019-01:2019-02", "2024-01:2024-02", area="town:Poole")
    theirs = compare_periods(
        ds.store.records(),
        "2019-01:2019-02",
        "2024-01:2024-02",
        area="town:Poole",
        available_months=ds.months(),
    )
    pd.testing.assert_frame_equal(ours.by_category, theirs.by_category)
    default = hs.compare(ds)  # windows chosen from the data: Jan-Feb 2019 against Jan-Feb 2024
    assert (default.a.spec, default.b.spec) == ("2019-01:2019-02", "2024-01:2024-02")
    with pytest.raises(InputError, match="a, b"):
        hs.compare(ds, "2019-01:2019-02")


def test_evaluate_is_evaluation_evaluate(ds):
    from hotspots.comparison.evaluation import evaluate

    kw = {"before": "2019-01:2019-02", "after": "2024-01:2024-02"}
    ours = hs.evaluate(ds, "town-centre", **kw)
    theirs = evaluate(ds.store.records(), "town-centre", available_months=ds.months(), **kw)
    pd.testing.assert_frame_equal(ours.table(), theirs.table())
    with pytest.raises(InputError, match="intervention"):
        hs.evaluate(ds, intervention="No such scheme")
    with pytest.raises(InputError, match="target"):
        hs.evaluate(ds, before="2019-01:2019-02", after="2024-01:2024-02")


def test_ingest_reports_and_stores(tmp_path):
    from hotspots.resources import geodata_dir

    f = geodata_dir() / "police_uk" / "2024-02-dorset-street.csv"
    rep = hs.ingest(f, store=tmp_path / "s")
    d = rep.to_dict()
    assert d["reconciles"] and rep.rows_read == rep.rows_accepted + rep.rows_rejected + (
        rep.rows_duplicate + rep.rows_replaced + rep.rows_not_kept
    )
    mine = hs.open_dataset(tmp_path / "s")
    assert mine.months() == ["2024-02"] and len(mine.records()) == rep.rows_accepted
    again = hs.ingest([f], store=mine)  # the same file again: every row a duplicate
    assert again.rows_accepted == 0 and again.rows_duplicate == again.rows_read == rep.rows_read
    with pytest.raises(InputError, match="store"):
        hs.ingest([f])


@pytest.mark.slow  # runs mypy over the package (~20 s of CPU)
def test_mypy_types_a_user_script_calling_compare(tmp_path):
    """``hs.compare`` is a plain function: mypy on a user's script types its result."""
    from mypy import api as mypy_api

    script = tmp_path / "notebook.py"
    script.write_text(
        "import hotspots as hs\n"
        "ds = hs.open_dataset('bundled')\n"
        "cmp = hs.compare(ds, '2019-01:2019-02', '2024-01:2024-02', area='town:Poole')\n"
        "reveal_type(cmp)\n"
        "reveal_type(cmp.count_b)\n",
    )
    out, err, _status = mypy_api.run(
        [str(script), "--cache-dir", str(tmp_path / "mypy-cache"), "--no-error-summary",
         "--follow-imports", "silent"],
    )  # fmt: skip
    assert 'Revealed type is "hotspots.comparison.rates.PeriodComparison"' in out, out + err
    assert "Module not callable" not in out
    assert 'Revealed type is "Any"' not in out, out


def test_every_verb_validates_its_arguments_and_keeps_its_signature(ds):
    """``@validate_params`` on every entry: a bad value is refused by the argument's name."""
    for verb in (hs.open_dataset, hs.detect, hs.compare, hs.evaluate, hs.ingest):
        assert "args" not in inspect.signature(verb).parameters, verb.__name__
    with pytest.raises(InputError, match="build"):
        hs.open_dataset("bundled", build="yes")
    with pytest.raises(InputError, match="method"):
        hs.detect(ds.records(months="2024-01"), method=3)
    with pytest.raises(InputError, match="overdispersion"):
        hs.compare(ds, "2019-01:2019-02", "2024-01:2024-02", overdispersion="no")
    with pytest.raises(InputError, match="conf"):
        hs.evaluate(ds, intervention="Seasonal Response", conf=95)
    with pytest.raises(InputError, match="strict"):
        hs.ingest([], store=ds, strict="yes")


def test_records_blames_categories_by_name(ds):
    with pytest.raises(InputError, match="categories") as info:
        ds.records(categories="burglery")
    assert "types" not in str(info.value)
    with pytest.raises(InputError, match="categories"):
        ds.records(categories=["Burglary", 3])
