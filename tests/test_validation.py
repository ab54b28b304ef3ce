"""One validation module: declared constraints, and every public method agreeing on numbers and CRSs.

The table at the bottom runs every public method's numeric settings through the same
variants (int, float, np.int64, np.float64 accepted with the same result; bool, NaN,
infinity, a negative number and a string refused with an InputError naming the
argument), so the methods cannot drift apart again.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, resolve_area
from hotspots.data.frames import records_frame, require_crs, to_metres
from hotspots.errors import InputError
from hotspots.validation import (
    Boolean,
    InstanceOf,
    Interval,
    NoneAllowed,
    Options,
    check_param,
    check_params,
    is_number,
    validate_params,
)


# ============================================================================ inputs: constraints
class TestInterval:
    @pytest.mark.parametrize(
        "value",
        [100, 100.0, np.int64(100), np.float64(100), np.int32(100), np.float32(100)],
    )
    def test_whole_numbers_of_every_type_agree(self, value):
        assert check_param("n", value, [Interval(Integral, 1, None)]) == 100
        assert type(check_param("n", value, [Interval(Integral, 1, None)])) is int
        assert check_param("m", value, [Interval(Real, 0, None)]) == 100.0
        assert type(check_param("m", value, [Interval(Real, 0, None)])) is float

    @pytest.mark.parametrize(
        "value",
        [True, False, np.bool_(True), math.nan, np.nan, math.inf, -math.inf, "100", None],
    )
    def test_never_numbers(self, value):
        assert not Interval(Real, None, None).is_satisfied_by(value)
        assert not Interval(Integral, None, None).is_satisfied_by(value)

    def test_fraction_is_not_whole(self):
        assert not Interval(Integral, 0, None).is_satisfied_by(1.5)
        assert not Interval(Integral, 0, None).is_satisfied_by(np.float64(1.5))

    @pytest.mark.parametrize(
        "closed, at_left, at_right",
        [("both", True, True), ("left", True, False), ("right", False, True), ("neither", False, False)],
    )  # fmt: skip
    def test_ends(self, closed, at_left, at_right):
        c = Interval(Real, 0, 1, closed=closed)
        assert c.is_satisfied_by(0) is at_left
        assert c.is_satisfied_by(1) is at_right
        assert c.is_satisfied_by(0.5)
        assert not c.is_satisfied_by(-1e-12) and not c.is_satisfied_by(1 + 1e-12)

    def test_words(self):
        assert str(Interval(Real, 0, None, closed="neither", unit="metres")) == (
            "a positive number metres"
        )
        assert str(Interval(Integral, 0, None)) == "a whole number of 0 or more"
        assert (
            str(Interval(Integral, 1, 200, unit="places")) == "a whole number from 1 to 200 places"
        )
        assert str(Interval(Real, 0, 1, closed="neither")) == "a number above 0 below 1"

    def test_bad_declarations(self):
        with pytest.raises(TypeError):
            Interval(float, 0, 1)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            Interval(Real, 0, 1, closed="open")


class TestOtherConstraints:
    def test_options_compare_type_too(self):
        c = Options(("quartic", "gaussian"))
        assert c.is_satisfied_by("quartic") and not c.is_satisfied_by("QUARTIC")
        assert Options((1, 2)).is_satisfied_by(1) and not Options((1, 2)).is_satisfied_by(True)

    def test_boolean_is_not_zero_or_one(self):
        assert Boolean().is_satisfied_by(True) and Boolean().is_satisfied_by(np.bool_(False))
        assert not Boolean().is_satisfied_by(1) and not Boolean().is_satisfied_by(0.0)

    def test_declarations(self):
        assert check_param("x", None, [Interval(Real, 0, None), None]) is None
        assert check_param("fdr", np.bool_(True), ["boolean"]) is True
        assert check_param("kind", "a", [{"a", "b"}]) == "a"
        assert check_param("n", "text", [str]) == "text"
        assert str(InstanceOf(int, description="an int")) == "an int"
        assert str(NoneAllowed("None (automatic)")) == "None (automatic)"
        with pytest.raises(TypeError):
            check_param("x", 1, [3.5])

    def test_message_names_argument_value_and_expectation(self):
        with pytest.raises(InputError) as e:
            check_param(
                "eps_m",
                True,
                [Interval(Real, 0, None, closed="neither", unit="metres"), None],
            )
        assert e.value.argument == "eps_m" and e.value.received is True
        assert e.value.expected == "a positive number metres or None"
        assert str(e.value) == "`eps_m` must be a positive number metres or None; received True."

    def test_check_params_converts_declared_and_passes_others(self):
        out = check_params(
            {"n": np.int64(5), "other": object},
            {"n": [Interval(Integral, 1, None)]},
        )
        assert out["n"] == 5 and type(out["n"]) is int and out["other"] is object
        with pytest.raises(InputError, match="For example 9999"):
            check_params(
                {"p": -1},
                {"p": [Interval(Integral, 0, None)]},
                {"p": "For example 9999."},
            )

    def test_decorator(self):
        @validate_params({"k": [Interval(Integral, 1, None)], "w": [Interval(Real, 0, None)]})
        def f(k, *, w=1):
            return k, w

        assert f(np.float64(3), w=np.int64(2)) == (3, 2.0)
        assert type(f(3)[1]) is float  # the default is checked and converted too
        with pytest.raises(InputError, match="`k`"):
            f(2.5)

    def test_decorator_refuses_a_constraint_for_no_parameter(self):
        """A misspelt name would never be checked: it fails when the module is imported."""
        with pytest.raises(TypeError, match="has no parameter eps"):

            @validate_params({"eps": [Interval(Real, 0, None)]})
            def f(eps_m):
                return eps_m

    def test_decorator_hints_and_signature(self):
        import inspect

        @validate_params({"w": [Interval(Real, 0, None)]}, {"w": "For example 400."})
        def f(k, *, w=1.0):
            return k, w

        assert list(inspect.signature(f).parameters) == ["k", "w"]
        with pytest.raises(InputError, match="For example 400") as e:
            f(1, w=-1)
        assert e.value.argument == "w"

    def test_a_long_value_is_named_by_its_type(self):
        @validate_params({"polygons": [InstanceOf(gpd.GeoDataFrame)]})
        def f(polygons):
            return polygons

        with pytest.raises(InputError) as e:
            f(pd.DataFrame({"a": range(100)}))
        assert e.value.received == "DataFrame" and len(str(e.value)) < 200
        with pytest.raises(InputError) as e:
            f("x" * 500)
        assert e.value.received == "x" * 80 + "…"

    def test_is_number(self):
        assert is_number(np.int8(1)) and is_number(math.nan)
        assert not is_number(True) and not is_number("1") and not is_number(None)


# ============================================================================ inputs: CRS
def _points(xs, ys, crs, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xs, ys), crs=crs)


class TestCrs:
    def test_no_crs_refused_with_a_hint(self):
        g = _points([1.0], [2.0], None)
        for call in (
            lambda: require_crs(g, "records"),
            lambda: to_metres(g, "records"),
            lambda: records_frame(g),
            lambda: resolve_area(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)])),
        ):
            with pytest.raises(InputError, match="no CRS") as e:
                call()
            assert "set_crs" in str(e.value)

    def test_wgs84_frame_is_taken_by_its_crs_not_its_xy_columns(self):
        lon, lat = [-1.8795, -1.8780], [50.7200, 50.7210]
        g = _points(lon, lat, "EPSG:4326", x=lon, y=lat, lon=lon, lat=lat)
        f = records_frame(g)
        ref = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(S.CRS_METRES)
        np.testing.assert_allclose(f[S.X], ref.x, atol=1e-6)
        np.testing.assert_allclose(f[S.Y], ref.y, atol=1e-6)
        assert f[S.X].min() > 400_000  # metres, not degrees
        np.testing.assert_allclose(f[S.LON], lon)
        assert not isinstance(f, gpd.GeoDataFrame) and "geometry" not in f.columns

    def test_plain_frame_is_metres_by_the_schema(self):
        df = pd.DataFrame({S.X: [408_000.0], S.Y: [91_000.0]})
        assert records_frame(df) is df
        with pytest.raises(InputError, match="DataFrame"):
            records_frame([(1, 2)])

    def test_non_points_refused(self):
        g = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=S.CRS_METRES)
        with pytest.raises(InputError, match="points"):
            records_frame(g)

    def test_area_from_geodataframe_by_its_crs(self):
        box = shapely.box(408_000, 90_800, 409_000, 91_800)
        wgs = gpd.GeoSeries([box], crs=S.CRS_METRES).to_crs("EPSG:4326")
        a = resolve_area(gpd.GeoDataFrame(geometry=wgs))
        assert a.kind == "polygon"
        assert shapely.hausdorff_distance(a.geometry, box) < 0.01  # metres, reprojection round trip
        assert resolve_area(box).geometry.equals(box)
        with pytest.raises(InputError, match="polygon"):
            resolve_area(shapely.Point(408_000, 91_000))


# ============================================================================ outputs: the table
BOX = shapely.box(408_000, 90_800, 409_000, 91_800)  # Bournemouth town centre, inside BCP
AREA = Area("Toy square", "polygon", "toy", BOX)
NO_PLACES = gpd.GeoDataFrame({"name": pd.Series(dtype="string")}, geometry=[], crs=S.CRS_METRES)


def _toy_records() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    xs = np.r_[rng.uniform(408_050, 408_950, 60), np.full(25, 408_500.0)]
    ys = np.r_[rng.uniform(90_850, 91_750, 60), np.full(25, 91_300.0)]
    n = len(xs)
    return S.conform(
        pd.DataFrame(
            {
                S.RECORD_ID: [f"toy#{i}" for i in range(n)],
                S.SOURCE: S.SOURCE_SIMULATED,
                S.MONTH: ["2024-01", "2024-02"] * (n // 2) + ["2024-01"] * (n % 2),
                S.CATEGORY: S.ASB,
                S.X: xs,
                S.Y: ys,
                S.LOCATION: [f"On or near Toy Road {i % 7}" for i in range(n)],
                S.IN_BCP: True,
            },
        ),
    )


REC = _toy_records()


def _dbscan(**kw):
    from hotspots.methods.dbscan import dbscan_hotspots

    return dbscan_hotspots(REC, **{"eps_m": 50, "min_points": 5, "gazetteer": NO_PLACES, **kw})


def _kde(**kw):
    from hotspots.methods.kde import kde_hotspots

    kw = {"cell_size_m": 50, "bandwidth_m": 200, "area": AREA, "gazetteer": NO_PLACES, **kw}
    return kde_hotspots(REC, **kw).parameters


def _density(bandwidth_m):
    from hotspots.methods.grid import grid_for
    from hotspots.methods.kde import kernel_density

    g = grid_for(BOX.bounds, 100)
    return kernel_density(
        REC[S.X].to_numpy(),
        REC[S.Y].to_numpy(),
        None,
        g,
        bandwidth_m=bandwidth_m,
    )


def _gistar(**kw):
    from hotspots.methods.gistar import gistar

    return gistar(REC, **{"area": AREA, "permutations": 0, **kw})


def _gistar_grid_p(**kw):
    from hotspots.methods.gistar import gistar_grid_p

    counts = np.arange(25.0).reshape(5, 5)
    return gistar_grid_p(counts, 100, **{"distance_m": 150, "permutations": 0, "seed": 1, **kw})


def _change(**kw):
    from hotspots.comparison.change import hotspot_change

    return hotspot_change(REC, "2024-01", "2024-02", **{"area": AREA, "permutations": 0, **kw})


def _top_cells(**kw):
    from hotspots.methods.topcells import top_cells

    return top_cells(REC, AREA, **{"top_n": 3, "cell_size_m": 100, **kw})


def _grid_for(cell_size_m):
    from hotspots.methods.grid import grid_for

    return grid_for(BOX.bounds, cell_size_m)


def _coverage(cell_size_m):
    from hotspots.methods.metrics import grid_coverage

    return grid_coverage(REC, cell_size_m, AREA)


def _pai(A):
    from hotspots.methods.metrics import pai

    return pai(30, 100, 2, A)


def _ratio(**kw):
    from hotspots.comparison.ratio import rate_ratio

    return rate_ratio(**{"count_a": 3, "count_b": 7, **kw})


def _sppt(**kw):
    from hotspots.comparison.sindex import sppt

    base, test = np.array([5, 9, 0, 14]), np.array([7, 3, 2, 11])
    return sppt(base, test, **{"samples": 20, "seed": 1, **kw})


def _window(w):
    return (w.start, w.end)


def _season(**kw):
    from hotspots.comparison.windows import season

    return _window(season(2022, **kw))


def _previous_years(n):
    from hotspots.comparison.windows import previous_years, season

    return tuple(_window(w) for w in previous_years(season(2022), n))


def _default_window(n_months):
    from hotspots.comparison.windows import default_window

    return _window(default_window(["2024-01", "2024-02", "2024-03", "2024-05"], n_months))


def _zones(buffer_m):
    from hotspots.comparison.zones import evaluation_zones

    return evaluation_zones("town-centre", buffer_m=buffer_m).buffer_m


def _describe(name_within_m):
    from hotspots.methods.naming import describe_hotspots

    polys = gpd.GeoDataFrame(geometry=[BOX], crs=S.CRS_METRES)
    out = describe_hotspots(polys, REC, gazetteer=NO_PLACES, name_within_m=name_within_m)
    return int(out["count"].sum())


def _detect(method, **kw):
    import hotspots as hs

    return hs.detect(REC, method, area=AREA, gazetteer=NO_PLACES, **kw).parameters


# (case id, argument, a good whole or fractional value, call(value) -> what the method used)
TABLE = [
    ("dbscan_hotspots", "eps_m", 60, lambda v: _dbscan(eps_m=v).eps_m),
    ("dbscan_hotspots", "min_points", 5, lambda v: _dbscan(min_points=v).min_points),
    ("dbscan_hotspots", "buffer_m", 20, lambda v: _dbscan(buffer_m=v).buffer_m),
    ("kde_hotspots", "cell_size_m", 50, lambda v: _kde(cell_size_m=v)["cell_size_m"]),
    ("kde_hotspots", "bandwidth_m", 250, lambda v: _kde(bandwidth_m=v)["bandwidth_m"]),
    ("kde_hotspots", "top_share", 0.1, lambda v: _kde(top_share=v)["top_share"]),
    ("kde_hotspots", "alpha", 0.05, lambda v: _kde(alpha=v)["alpha"]),
    ("kernel_density", "bandwidth_m", 200, lambda v: float(_density(v).sum())),
    ("gistar", "cell_size_m", 100, lambda v: _gistar(cell_size_m=v).cell_size_m),
    ("gistar", "distance_m", 300, lambda v: _gistar(distance_m=v).distance_m),
    ("gistar", "alpha", 0.05, lambda v: _gistar(alpha=v).alpha),
    ("gistar", "permutations", 19, lambda v: _gistar(permutations=v).permutations),
    ("gistar", "seed", 7, lambda v: _gistar(permutations=9, seed=v).seed),
    ("gistar_grid_p", "distance_m", 150, lambda v: np.nan_to_num(_gistar_grid_p(distance_m=v)).sum()),
    ("gistar_grid_p", "permutations", 9, lambda v: _gistar_grid_p(permutations=v).sum()),
    ("hotspot_change", "cell_size_m", 100, lambda v: _change(cell_size_m=v).cell_size_m),
    ("hotspot_change", "alpha", 0.05, lambda v: _change(alpha=v).alpha),
    ("top_cells", "top_n", 3, lambda v: _top_cells(top_n=v).top_n),
    ("top_cells", "cell_size_m", 100, lambda v: _top_cells(cell_size_m=v).cell_size_m),
    ("grid_for", "cell_size_m", 100, lambda v: _grid_for(v).shape),
    ("grid_coverage", "cell_size_m", 100, lambda v: len(_coverage(v).curve)),
    ("pai", "A", 100, _pai),
    ("detect dbscan", "eps_m", 60, lambda v: _detect("dbscan", eps_m=v)["eps_m"]),
    ("detect kde", "bandwidth_m", 250, lambda v: _detect("kde", bandwidth_m=v)["bandwidth_m"]),
    ("detect gistar", "cell_size_m", 100, lambda v: _detect("gistar", cell_size_m=v)["cell_size_m"]),
    ("detect grid", "top_n", 3, lambda v: _detect("grid", top_n=v)["top_n"]),
    ("detect grid", "cell_size_m", 100, lambda v: _detect("grid", cell_size_m=v)["cell_size_m"]),
    # comparison/ and naming entry points (issue 20: @validate_params beyond api.py)
    ("rate_ratio", "count_a", 3, lambda v: _ratio(count_a=v).count_a),
    ("rate_ratio", "count_b", 7, lambda v: _ratio(count_b=v).ratio),
    ("rate_ratio", "exposure_a", 2, lambda v: _ratio(exposure_a=v).ratio),
    ("rate_ratio", "exposure_b", 0.5, lambda v: _ratio(exposure_b=v).ratio),
    ("rate_ratio", "conf", 0.9, lambda v: _ratio(conf=v).ci_low),
    ("sppt", "samples", 20, lambda v: _sppt(samples=v)[1].sum()),
    ("sppt", "sample_share", 0.5, lambda v: _sppt(sample_share=v)[2].sum()),
    ("sppt", "conf", 0.9, lambda v: _sppt(conf=v)[1].sum()),
    ("season", "start_month", 4, lambda v: _season(start_month=v)),
    ("season", "end_month", 8, lambda v: _season(end_month=v)),
    ("previous_years", "n", 2, _previous_years),
    ("default_window", "n_months", 2, _default_window),
    ("evaluation_zones", "buffer_m", 400, _zones),
    ("describe_hotspots", "name_within_m", 200, _describe),
]  # fmt: skip
IDS = [f"{name}-{arg}" for name, arg, _, _ in TABLE]


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return tuple(a) == tuple(b)
    return bool(np.isclose(float(a), float(b), rtol=1e-12, atol=0))


@pytest.mark.parametrize("name, arg, good, call", TABLE, ids=IDS)
def test_number_types_agree(name, arg, good, call):
    """int, float, np.int64 and np.float64 of the same value: accepted, same result."""
    whole = float(good).is_integer()
    variants = [float(good), np.float64(good)] + ([int(good), np.int64(good)] if whole else [])
    results = [call(v) for v in variants]
    for r in results[1:]:
        assert _same(r, results[0]), (name, arg, results)


BAD = {
    "bool": True,
    "nan": math.nan,
    "np.nan64": np.float64("nan"),
    "inf": math.inf,
    "negative": None,  # -good, filled in per case
    "string": "100",
}


@pytest.mark.parametrize("kind", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("name, arg, good, call", TABLE, ids=IDS)
def test_bad_values_refused_the_same_way(name, arg, good, call, kind):
    value = -good if kind == "negative" else BAD[kind]
    with pytest.raises(InputError) as e:
        call(value)
    assert e.value.argument == arg, (name, str(e.value))
