"""Tests for hotspots.data.points.unique_locations: distinct locations with weights."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.data.points import WeightedPoints, unique_locations

# --- outputs: a toy example written out ---------------------------------------------


def test_toy_example_written_out():
    x = np.array([0.0, 10.0, 0.0, 5.0, 10.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 5.0, 0.0, 0.0])
    p = unique_locations(x, y)
    assert isinstance(p, WeightedPoints)
    assert p.x.tolist() == [0.0, 10.0, 5.0]
    assert p.y.tolist() == [0.0, 0.0, 5.0]
    assert p.weight.tolist() == [3, 2, 1]
    assert p.inverse.tolist() == [0, 1, 0, 2, 1, 0]
    assert p.weight.dtype == np.int64 and p.inverse.dtype == np.int64
    assert len(p) == 3
    assert p.n_records == 6


def test_first_seen_order_not_sorted_order():
    # British National Grid sized values, given in descending order
    x = np.array([409000.0, 401614.13, 409000.0, 395000.5])
    y = np.array([93000.0, 90930.48, 93000.0, 91000.25])
    p = unique_locations(x, y)
    assert p.x.tolist() == [409000.0, 401614.13, 395000.5]
    assert p.y.tolist() == [93000.0, 90930.48, 91000.25]
    assert p.weight.tolist() == [2, 1, 1]
    assert p.inverse.tolist() == [0, 1, 0, 2]


def test_same_x_different_y_are_distinct():
    p = unique_locations(np.array([1.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0]))
    assert p.weight.tolist() == [1, 1, 1]
    assert p.inverse.tolist() == [0, 1, 2]


def test_centimetre_resolution():
    # within 1 mm: one location (the first one's coordinates kept); 2 cm apart: two
    x = np.array([100.0, 100.0004, 100.02])
    y = np.array([50.0, 50.0, 50.0])
    p = unique_locations(x, y)
    assert p.x.tolist() == [100.0, 100.02]
    assert p.weight.tolist() == [2, 1]


def test_weights_are_summed():
    p = unique_locations(
        np.array([0.0, 1.0, 0.0]),
        np.array([0.0, 0.0, 0.0]),
        weights=np.array([0.5, 2.0, 1.25]),
    )
    assert p.weight.tolist() == [1.75, 2.0]
    assert p.inverse.tolist() == [0, 1, 0]


def test_negative_coordinates():
    p = unique_locations(np.array([-5.0, 3.0, -5.0]), np.array([-2.0, -2.0, -2.0]))
    assert p.x.tolist() == [-5.0, 3.0]
    assert p.weight.tolist() == [2, 1]


def test_empty_input():
    p = unique_locations(np.array([]), np.array([]))
    assert len(p) == 0
    assert p.n_records == 0
    assert p.x.shape == (0,) and p.y.shape == (0,)
    assert p.weight.dtype == np.int64 and p.inverse.dtype == np.int64


def test_single_point():
    p = unique_locations([401614.13], [90930.48])
    assert p.x.tolist() == [401614.13] and p.weight.tolist() == [1] and p.inverse.tolist() == [0]


# --- against an independent reference (np.unique) -------------------------------------


def test_matches_numpy_unique_on_snapped_points():
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 400, size=(5000, 2)) * 25.0 + np.array([395000.0, 85000.0])
    p = unique_locations(grid[:, 0], grid[:, 1])
    uniq, counts = np.unique(grid, axis=0, return_counts=True)
    assert len(p) == len(uniq)
    order = np.lexsort((p.y, p.x))
    assert np.array_equal(np.column_stack([p.x, p.y])[order], uniq)
    assert np.array_equal(p.weight[order], counts)
    # every record maps back to its own location
    assert np.array_equal(p.x[p.inverse], grid[:, 0])
    assert np.array_equal(p.y[p.inverse], grid[:, 1])
    # first-seen order: first occurrences appear in increasing row order
    first_rows = [int(np.flatnonzero(p.inverse == k)[0]) for k in range(len(p))]
    assert first_rows == sorted(first_rows)


@pytest.mark.parametrize("n", [1, 2, 1000])
def test_weights_sum_to_records(n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 5, n).astype(float)
    y = rng.integers(0, 5, n).astype(float)
    assert unique_locations(x, y).n_records == n
