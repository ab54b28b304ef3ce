"""Tests for hotspots.methods.metrics: PAI and coverage curves on hand-worked examples."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hotspots.data.areas import Area
from hotspots.errors import InputError
from hotspots.methods.metrics import (
    CURVE_COLUMNS,
    area_share_for,
    coverage_curve,
    grid_coverage,
    pai,
    record_share_at,
)

# ----------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    "args, argument",
    [
        ((1, 0, 1, 10), "N"),
        ((1, 10, 1, 0), "A"),
        ((1, 10, 0, 10), "a"),
        ((-1, 10, 1, 10), "n"),
        ((1, float("nan"), 1, 10), "N"),
    ],
)
def test_pai_refuses_bad_input(args, argument):
    with pytest.raises(InputError) as err:
        pai(*args)
    assert err.value.argument == argument


def test_coverage_curve_refuses_bad_input():
    with pytest.raises(InputError):
        coverage_curve([1, 2], [1])
    with pytest.raises(InputError):
        coverage_curve([1, -2], [1, 1])
    with pytest.raises(InputError):
        coverage_curve([1, 2], [1, 0])
    with pytest.raises(InputError):
        coverage_curve([1, 2], [1, 1], total_area=1.5)  # smaller than the units
    with pytest.raises(InputError):
        coverage_curve([1, 2], [1, 1], total_count=2)
    with pytest.raises(InputError):
        coverage_curve([1, 2], [1, 1], order="count")
    with pytest.raises(InputError):
        record_share_at(coverage_curve([1], [1]), 1.5)


# ----------------------------------------------------------------------------- outputs


def test_pai_by_hand():
    # Chainey et al. (2008): 30% of the records on 2% of the area
    assert pai(30, 100, 2, 100) == 15.0
    assert pai(50, 200, 0.5, 10) == pytest.approx(5.0)
    np.testing.assert_allclose(pai(np.array([10, 20]), 40, np.array([1.0, 4.0]), 8.0), [2.0, 1.0])


def test_coverage_curve_by_hand():
    # five units; densities 10, 0, 15, 5, 5; the study area is 10 and holds 60 records
    curve = coverage_curve([10, 0, 30, 5, 5], [1, 1, 2, 1, 1], 10.0, total_count=60)
    assert list(curve.columns) == CURVE_COLUMNS
    assert curve["rank"].tolist() == [1, 2, 3, 4, 5]
    assert curve["unit"].tolist() == [2, 0, 3, 4, 1]  # ties keep input order
    assert curve["cum_count"].tolist() == [30, 40, 45, 50, 50]
    assert curve["cum_area"].tolist() == [2, 3, 4, 5, 6]
    assert curve["area_share"].tolist() == pytest.approx([0.2, 0.3, 0.4, 0.5, 0.6])
    assert curve["record_share"].tolist() == pytest.approx([0.5, 40 / 60, 0.75, 50 / 60, 50 / 60])
    assert curve["pai"].tolist() == pytest.approx([2.5, 20 / 9, 1.875, 5 / 3, 25 / 18])
    # the curve's PAI is pai() of the top units
    assert curve["pai"].iloc[1] == pytest.approx(pai(40, 60, 3, 10))
    # reading the curve
    assert record_share_at(curve, 0.25) == pytest.approx(0.5 + 0.5 * (40 / 60 - 0.5))
    assert record_share_at(curve, 0.1) == pytest.approx(0.25)  # from the origin
    assert record_share_at(curve, 0.9) == pytest.approx(50 / 60)  # flat after the last unit
    assert area_share_for(curve, 0.7) == pytest.approx(
        0.3 + 0.1 * (0.7 - 40 / 60) / (0.75 - 40 / 60),
    )
    assert area_share_for(curve, 0.5) == pytest.approx(0.2)
    assert np.isnan(area_share_for(curve, 0.9))  # never reached


def test_coverage_curve_defaults_and_given_order():
    curve = coverage_curve([1, 3], [1, 1])
    assert curve["area_share"].tolist() == [0.5, 1.0]
    assert curve["record_share"].tolist() == [0.75, 1.0]
    given = coverage_curve([1, 3], [1, 1], order="given")
    assert given["unit"].tolist() == [0, 1]
    assert given["record_share"].tolist() == [0.25, 1.0]


def test_empty_curve_has_the_columns():
    curve = coverage_curve([], [])
    assert len(curve) == 0 and list(curve.columns) == CURVE_COLUMNS
    assert record_share_at(curve, 0.5) == 0.0
    assert np.isnan(area_share_for(curve, 0.5))


def test_grid_coverage_by_hand(make_records):
    # a 1 km square study area on 100 m cells (100 cells of 0.01 km²)
    area = Area("toy square", "polygon", "toy", shapely.box(0, 0, 1000, 1000))
    recs = make_records([(50, 50, 10), (150, 50, 5), (950, 950, 4), (960, 960, 1), (5000, 5000, 7)])
    res = grid_coverage(recs, 100, area)
    assert res.n_records == 20  # the 7 records outside are ignored
    assert res.total_area_km2 == pytest.approx(1.0)
    c = res.curve
    assert c["count"].tolist() == [10, 5, 5]
    assert c["unit"].tolist() == [0, 1, 99]  # flat cell ids (row * 10 + col)
    assert c["area_share"].tolist() == pytest.approx([0.01, 0.02, 0.03])
    assert c["record_share"].tolist() == pytest.approx([0.5, 0.75, 1.0])
    assert c["pai"].tolist() == pytest.approx([50.0, 37.5, 100 / 3])
    assert res.record_share_at(0.02) == pytest.approx(0.75)
    assert res.area_share_for(0.5) == pytest.approx(0.01)


def test_grid_coverage_clips_cells_to_the_area(make_records):
    # a 150 m x 100 m area: the second 100 m cell is half inside
    area = Area("strip", "polygon", "strip", shapely.box(0, 0, 150, 100))
    recs = make_records([(50, 50, 2), (120, 50, 2)])
    res = grid_coverage(recs, 100, area)
    assert res.curve["area"].tolist() == pytest.approx([0.005, 0.01])  # the denser half cell first
    assert res.curve["area_share"].tolist() == pytest.approx([1 / 3, 1.0])


def test_grid_coverage_on_real_asb(bcp_2024):
    from hotspots.data import schema as S

    asb = bcp_2024[bcp_2024[S.CATEGORY] == S.ASB]
    res = grid_coverage(asb, 100, "bcp")
    assert res.n_records == len(asb)
    assert res.curve["record_share"].iloc[-1] == pytest.approx(1.0)
    # ASB is concentrated: the densest 2% of BCP holds well over a third of it
    assert res.record_share_at(0.02) > 0.35
