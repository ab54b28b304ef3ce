"""PointGrid and connected_components against scipy (cKDTree, csgraph), their reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components
from scipy.spatial import cKDTree

from hotspots.methods.neighbours import PointGrid, connected_components


def _police_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Map points in metres like BCP's: dense clusters, a sparse spread, a far outlier."""
    centres = rng.uniform([400_000, 90_000], [420_000, 100_000], size=(12, 2))
    pts = centres[rng.integers(0, 12, n)] + rng.normal(0, 150, size=(n, 2))
    pts[: n // 5] = rng.uniform([400_000, 90_000], [420_000, 100_000], size=(n // 5, 2))
    pts[-1] = [460_000, 60_000]
    return pts


# --- inputs -------------------------------------------------------------------------
def test_refuses_non_finite_points():
    with pytest.raises(ValueError, match="finite"):
        PointGrid([[0.0, 0.0], [np.nan, 1.0]])


def test_refuses_k_below_one():
    with pytest.raises(ValueError, match="k must be"):
        PointGrid([[0.0, 0.0]]).query([0.0, 0.0], k=0)


# --- outputs: the same neighbours as cKDTree ----------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("r", [0.0, 35.0, 120.0, 400.0])
def test_ball_and_pairs_match_ckdtree(seed, r):
    rng = np.random.default_rng(seed)
    pts = _police_like(rng, 2000)
    pts[10] = pts[11]  # a duplicate location: distance 0
    centres = np.r_[_police_like(rng, 500), [[0.0, 0.0]], [[1e9, -1e9]]]
    ours, ref = PointGrid(pts), cKDTree(pts)
    got = ours.query_ball_point(centres, r=r)
    want = ref.query_ball_point(centres, r=r)
    assert len(got) == len(want)
    assert [g.tolist() for g in got] == [list(w) for w in want]
    pairs = ours.query_pairs(r, output_type="ndarray")
    ref_pairs = ref.query_pairs(r, output_type="ndarray")
    assert pairs.shape == ref_pairs.shape
    assert sorted(pairs.tolist()) == pairs.tolist()  # sorted by i, then j
    ref_pairs = np.sort(ref_pairs, axis=1)
    np.testing.assert_array_equal(pairs, ref_pairs[np.lexsort((ref_pairs[:, 1], ref_pairs[:, 0]))])


def test_radius_is_inclusive():
    # 0-1 exactly 5 m apart (3-4-5), 0-2 just over, 1-2 a micrometre apart
    g = PointGrid([[0.0, 0.0], [3.0, 4.0], [3.0, 4.000001]])
    assert g.query_ball_point([[0.0, 0.0]], r=5.0)[0].tolist() == [0, 1]
    assert g.query_pairs(5.0).tolist() == [[0, 1], [1, 2]]
    ref = cKDTree(g.data).query_pairs(5.0, output_type="ndarray")
    assert sorted(ref.tolist()) == [[0, 1], [1, 2]]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("k", [1, 2, 5, 6])
def test_nearest_match_ckdtree(seed, k):
    rng = np.random.default_rng(seed)
    pts = _police_like(rng, 2500)
    centres = np.r_[pts[:300], _police_like(rng, 300), [[-5e6, 3e7]]]
    # many centres: the grid search; a few: every point compared (both paths)
    for few in (centres, centres[-20:]):
        d, i = PointGrid(pts).query(few, k=k)
        rd, ri = cKDTree(pts).query(few, k=k)
        assert d.shape == rd.shape
        np.testing.assert_array_equal(i, ri)
        np.testing.assert_array_equal(d, rd)  # the same float: sqrt of the same sum
        d, i = PointGrid(pts).query(few, k=k, distance_upper_bound=150.0)
        rd, ri = cKDTree(pts).query(few, k=k, distance_upper_bound=150.0)
        np.testing.assert_array_equal(i, ri)
        np.testing.assert_array_equal(d, rd)


def test_nearest_single_point_upper_bound_and_too_few():
    pts = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 30.0]])
    ours, ref = PointGrid(pts), cKDTree(pts)
    for k, bound in [(1, np.inf), (3, 20.0), (5, np.inf), (2, 10.0)]:
        d, i = ours.query([1.0, 1.0], k=k, distance_upper_bound=bound)
        rd, ri = ref.query([1.0, 1.0], k=k, distance_upper_bound=bound)
        np.testing.assert_array_equal(d, rd)
        np.testing.assert_array_equal(i, ri)
    # the expected values written out: 10 m is not below the bound of 10 m
    d, i = ours.query([0.0, 0.0], k=3, distance_upper_bound=10.0)
    assert d.tolist() == [0.0, np.inf, np.inf]
    assert i.tolist() == [0, 3, 3]


def test_nearest_ties_go_to_the_lower_index():
    pts = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    d, i = PointGrid(pts).query([[0.0, 0.0]], k=3)
    assert i.tolist() == [[0, 1, 2]]
    assert d.tolist() == [[1.0, 1.0, 1.0]]


def test_empty_inputs():
    g = PointGrid(np.zeros((0, 2)))
    assert g.query_ball_point([[0.0, 0.0]], r=5.0)[0].tolist() == []
    assert g.query_pairs(5.0).shape == (0, 2)
    d, i = g.query([[0.0, 0.0]], k=2)
    assert d.tolist() == [[np.inf, np.inf]]
    assert i.tolist() == [[0, 0]]
    one = PointGrid([[5.0, 5.0]])
    assert one.query_ball_point(np.zeros((0, 2)), r=1.0) == []
    assert one.query([[0.0, 0.0]], k=1)[1].tolist() == [0]


# --- connected components -----------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_components_match_scipy(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((60, 80)) < 0.55  # near the percolation threshold: long winding shapes
    i, j = np.nonzero(mask)
    idx = np.full(mask.shape, -1)
    idx[i, j] = np.arange(len(i))
    ew = mask[:, :-1] & mask[:, 1:]
    ns = mask[:-1, :] & mask[1:, :]
    a = np.r_[idx[:, :-1][ew], idx[:-1, :][ns]]
    b = np.r_[idx[:, 1:][ew], idx[1:, :][ns]]
    n, lab = connected_components(len(i), a, b)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(i), len(i)))
    rn, rlab = scipy_components(graph, directed=False)
    assert n == rn
    np.testing.assert_array_equal(lab, rlab)


def test_components_written_out():
    # 0-3 and 3-1 join; 2 alone; 4-5 join: numbered by lowest node
    n, lab = connected_components(6, np.array([0, 3, 5]), np.array([3, 1, 4]))
    assert n == 3
    assert lab.tolist() == [0, 0, 1, 0, 2, 2]
    assert connected_components(0, np.zeros(0), np.zeros(0))[0] == 0
