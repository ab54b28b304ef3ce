"""Tests for hotspots.methods.registry: detect() is a look-up, each method declares its settings.

A method registered here (one ``register`` call, no edit of ``detect``) runs through
``detect`` and gets the fixed result schema; every declared setting of every built-in method
refuses a bad value by its name before anything runs; the registry imports no heavy library.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import shapely

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.methods import registry
from hotspots.methods.detect import detect
from hotspots.methods.registry import METHOD_LABELS, METHODS, Method, MethodRun, get_method
from hotspots.methods.result import RESULT_COLUMNS


def test_builtin_methods_in_page_order_with_labels():
    assert METHODS == ("dbscan", "kde", "gistar", "grid") == registry.registered()
    assert set(METHOD_LABELS) == set(METHODS) and all(METHOD_LABELS.values())
    from hotspots.methods import result

    assert result.METHODS is METHODS and result.METHOD_LABELS is METHOD_LABELS


def test_declared_kernels_are_the_surface_kernels():
    from hotspots.methods.kde_surface import KERNELS

    assert registry.KDE_KERNELS == KERNELS


def test_unknown_method_names_the_argument():
    for bad in ("hdbscan", None, 3):
        with pytest.raises(InputError, match="method"):
            get_method(bad)


CASES = [(m, s) for m in METHODS for s in get_method(m).settings]


@pytest.mark.parametrize(("method", "setting"), CASES, ids=[f"{m}.{s}" for m, s in CASES])
def test_every_declared_setting_refuses_a_bad_value_by_name(method, setting, make_records):
    recs = make_records([(430_000, 91_000, 5)])
    for bad in (-1.5, "x", True):
        spec = get_method(method)
        try:
            spec.check({setting: bad})
        except InputError as exc:
            assert setting in str(exc)
            with pytest.raises(InputError, match=setting):
                detect(recs, method, **{setting: bad})
            break
    else:
        pytest.fail(f"{method}.{setting} accepted -1.5, 'x' and True")


def test_none_means_automatic_and_values_are_converted():
    spec = get_method("gistar")
    assert spec.check({"permutations": None, "seed": np.int64(7)}) == {"seed": 7}
    assert type(spec.check({"seed": np.int64(7)})["seed"]) is int


def test_a_registered_method_runs_through_detect_with_the_fixed_schema(monkeypatch, make_records):
    """Adding a method is one register() call: detect() is not edited."""

    def centroid(recs, area, naming, params):
        # one hotspot: a disc round the records' mean location, named like every method's
        import geopandas as gpd

        from hotspots.methods.naming import describe_hotspots

        r = params.get("radius_m", 200.0)
        c = shapely.Point(recs[S.X].mean(), recs[S.Y].mean()).buffer(r)
        polys = gpd.GeoDataFrame({"geometry": [c]}, crs=S.CRS_METRES)
        hot = describe_hotspots(polys, recs, **naming)
        return MethodRun(hot, None, {"radius_m": r}, ("a disc round the mean location",))

    from hotspots.validation import Interval, Real

    spec = Method(
        "centroid",
        "A disc round the mean",
        {"radius_m": [Interval(Real, 0, None), None]},
        centroid,
    )
    monkeypatch.setitem(registry._REGISTRY, "centroid", spec)
    recs = make_records([(408_700, 91_200, 30), (408_750, 91_200, 20)])
    res = detect(recs, "centroid", radius_m=150)  # BCP: the records are at Bournemouth Square
    assert list(res.hotspots.columns) == RESULT_COLUMNS
    assert res.method == "centroid" and res.parameters == {"method": "centroid", "radius_m": 150}
    assert "a disc round the mean location" in res.notes
    assert res.hotspots[S.COUNT].sum() == 50
    with pytest.raises(InputError, match="eps_m"):
        detect(recs, "centroid", eps_m=100)  # another method's setting: refused
    with pytest.raises(InputError, match="radius_m"):
        detect(recs, "centroid", radius_m=-1)


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="already registered"):
        registry.register(get_method("kde"))


def test_listing_the_methods_imports_no_heavy_library():
    code = (
        "import sys, json\n"
        "from hotspots.methods.registry import METHODS\n"
        "print(json.dumps(sorted(m for m in ('sklearn', 'scipy', 'pandas', 'geopandas') "
        "if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
