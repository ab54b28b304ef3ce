"""Getis-Ord Gi* statistic and its inference: z-scores, permutation p-values, FDR, classes.

The numerical core of :mod:`hotspots.methods.gistar` (which grids records, chooses
scales and turns hot cells into hotspots): Getis and Ord (1992) and Ord and Getis
(1995) for the statistic with binary distance-band weights including the cell
itself; Anselin (1995) for conditional permutation inference; Benjamini and
Hochberg (1995) through ``scipy.stats.false_discovery_control``. Full references
are in :mod:`hotspots.methods.gistar`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal, stats
from scipy.spatial import cKDTree

from hotspots.errors import InputError
from hotspots.validation import (
    METRES_OR_ZERO,
    PERMUTATIONS,
    SEED,
    Interval,
    Real,
    check_param,
    check_params,
)

HOT_99, HOT_95, HOT_90 = "Hot 99%", "Hot 95%", "Hot 90%"
NOT_SIGNIFICANT = "Not significant"
COLD_90, COLD_95, COLD_99 = "Cold 90%", "Cold 95%", "Cold 99%"
GI_CLASSES: tuple[str, ...] = (HOT_99, HOT_95, HOT_90, NOT_SIGNIFICANT, COLD_90, COLD_95, COLD_99)

_EPS = 1e-9
#: Conditional permutations per cell of the low-level functions; :func:`gistar`
#: chooses its own with :func:`auto_permutations`.
DEFAULT_PERMUTATIONS = 9999
_PERMUTATION_CHOICES = (999, 1999, 4999, 9999, 19999, 49999, 99999)
#: :func:`auto_permutations` makes BH able to pass a cell at the permutation floor
#: once this many cells share the floor.
FLOOR_CELLS = 10
#: Seed of the permutation draws: fixed, so a rerun gives the same hotspots.
DEFAULT_SEED = 0


# --------------------------------------------------------------------------- core maths
def _z_from_sums(
    lag: np.ndarray,
    w_sum: np.ndarray,
    s1: np.ndarray,
    xbar: float,
    s: float,
    n: int,
) -> np.ndarray:
    """Ord and Getis (1995) eq. 9 from the neighbourhood sums; NaN where undefined."""
    num = lag - xbar * w_sum
    var_term = (n * s1 - w_sum**2) / (n - 1) if n > 1 else np.zeros_like(w_sum)
    den = s * np.sqrt(np.clip(var_term, 0.0, None))
    z = np.full(np.shape(lag), np.nan)
    ok = den > _EPS * max(1.0, abs(xbar))
    np.divide(num, den, out=z, where=ok)
    return z


def gistar_z(values: np.ndarray, x: np.ndarray, y: np.ndarray, distance: float) -> np.ndarray:
    """Gi* z-scores for points with binary distance-band weights (self included).

    Parameters
    ----------
    values : array of shape (n,), the variable (e.g. counts).
    x, y : arrays of shape (n,), coordinates (metres for EPSG:27700; any unit
        consistent with ``distance``).
    distance : float, the band: j is a neighbour of i when ``d(i, j) <= distance``
        (inclusive, as in ``libpysal.weights.DistanceBand``).

    Returns
    -------
    z : float64 array of shape (n,); NaN where the statistic is undefined (all
        values equal, or a point whose band covers every point).

    Notes
    -----
    Neighbour pairs come from a k-d tree, so the cost is O(n log n + pairs).
    Pinned in the tests to esda's fixture: six points, y = [2, 3, 3.2, 5, 8, 7],
    threshold 15, binary, star: z of the first point = -1.39727626.
    """
    v = np.asarray(values, dtype="float64")
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if not (v.shape == x.shape == y.shape and v.ndim == 1):
        raise InputError("values, x, y", (v.shape, x.shape, y.shape), "1-D arrays of equal length")
    distance = check_param("distance", distance, [Interval(Real, 0, None)])
    n = len(v)
    if n == 0:
        return np.empty(0)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(
        distance * (1 + _EPS),
        output_type="ndarray",
    )
    lag = v.copy()
    w_sum = np.ones(n)
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        np.add.at(lag, i, v[j])
        np.add.at(lag, j, v[i])
        np.add.at(w_sum, i, 1.0)
        np.add.at(w_sum, j, 1.0)
    xbar = float(v.mean())
    s = float(np.sqrt(max(float((v**2).mean()) - xbar**2, 0.0)))
    return _z_from_sums(lag, w_sum, w_sum, xbar, s, n)


def disc_kernel(cell_size_m: float, distance_m: float) -> np.ndarray:
    """Return 0/1 weights of the cells whose centres lie within ``distance_m`` of the centre cell.

    A square array of side ``2 r + 1`` cells, ``r = floor(distance_m / cell_size_m)``; the
    centre cell is included (Gi*). Shared by the grid statistic and the result's notes.
    """
    r = math.floor(distance_m / cell_size_m + _EPS)
    off = np.arange(-r, r + 1)
    di, dj = np.meshgrid(off, off, indexing="ij")
    return (np.hypot(di, dj) * cell_size_m <= distance_m * (1 + _EPS)).astype("float64")


def _neigh_sum(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    # the kernel is symmetric, so convolution equals correlation; scipy picks
    # direct or FFT by size. Direct sums are exact; FFT errs ~1e-12 of the total.
    return signal.convolve(a, kernel, mode="same", method="auto")


def gistar_grid_z(
    counts: np.ndarray,
    cell_size_m: float,
    distance_m: float,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Gi* z-scores for a raster of counts, by convolution.

    Parameters
    ----------
    counts : float array of shape (ny, nx), counts per cell.
    cell_size_m : float, cell width in metres.
    distance_m : float, distance band in metres between cell centres (inclusive).
    mask : bool array of shape (ny, nx), the cells of the study area (default all).
        Cells outside the mask are neither tested nor counted as neighbours, and
        ``n``, the mean and the standard deviation are taken over the mask only.

    Returns
    -------
    z : float64 array of shape (ny, nx); NaN outside the mask and where undefined.

    Notes
    -----
    O(N log N) for N cells via ``scipy.signal.convolve`` (direct for small
    kernels, FFT otherwise): ~10 ms for a 100 m grid over BCP (36k cells, 16k in
    the study area). Equal to :func:`gistar_z` on the cell centres.
    """
    c, m = _check_grid(counts, mask, distance_m)
    z = np.full(c.shape, np.nan)
    if not m.any():
        return z
    cm, lag, w_sum = _grid_sums(c, m, cell_size_m, distance_m)
    vals = cm[m]
    n = len(vals)
    xbar = float(vals.mean())
    s = float(np.sqrt(max(float((vals**2).mean()) - xbar**2, 0.0)))
    z[m] = _z_from_sums(lag[m], w_sum[m], w_sum[m], xbar, s, n)
    return z


def _grid_sums(
    c: np.ndarray,
    m: np.ndarray,
    cell_size_m: float,
    distance_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return counts zeroed outside the mask, neighbourhood sums (self included), neighbours."""
    cm = np.where(m, c, 0.0)
    k = disc_kernel(cell_size_m, distance_m)
    return cm, _neigh_sum(cm, k), np.rint(_neigh_sum(m.astype("float64"), k))


def _check_grid(
    counts: np.ndarray,
    mask: np.ndarray | None,
    distance_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    c = np.asarray(counts, dtype="float64")
    if c.ndim != 2:
        raise InputError("counts", c.shape, "a 2-D array (rows, columns)")
    m = np.ones(c.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != c.shape:
        raise InputError("mask", m.shape, f"the shape of counts {c.shape}")
    check_param("distance_m", distance_m, [METRES_OR_ZERO])
    return c, m


def gistar_grid_p(
    counts: np.ndarray,
    cell_size_m: float,
    distance_m: float,
    mask: np.ndarray | None = None,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
) -> np.ndarray:
    """Two-sided Gi* p-values for a raster of counts by conditional permutation.

    Parameters
    ----------
    counts, cell_size_m, distance_m, mask : as :func:`gistar_grid_z`; only the
        cells of the mask are tested, and only their counts are permuted.
    permutations : int, default 9999. Random draws per cell; 0 gives the
        two-sided normal p-values of the analytical z instead.
    seed : int or None, default 0. Seed of the draws (fixed, so reruns agree).

    Returns
    -------
    p : float64 array of shape (ny, nx); NaN outside the mask.

    Notes
    -----
    See :func:`conditional_permutation_p` for the null, the two-sided p-value and
    why shared draws stay valid per cell. ~25 ms for BCP at 100 m (17k cells)
    with 9,999 permutations, whatever the number of records.
    """
    c, m = _check_grid(counts, mask, distance_m)
    permutations, seed = check_permutations(permutations, seed)  # type: ignore[assignment]
    p = np.full(c.shape, np.nan)
    if not m.any():
        return p
    if permutations == 0:
        z = gistar_grid_z(c, cell_size_m, distance_m, m)[m]
        p[m] = np.where(np.isfinite(z), 2.0 * stats.norm.sf(np.abs(z)), np.nan)
        return p
    cm, lag, w_sum = _grid_sums(c, m, cell_size_m, distance_m)
    vals = cm[m]
    p[m] = conditional_permutation_p(
        vals,
        lag[m] - vals,
        w_sum[m].astype(np.int64) - 1,
        permutations=permutations,
        seed=seed,
    )
    return p


def binomial_grid_p(
    counts: np.ndarray,
    cell_share: np.ndarray,
    cell_size_m: float,
    distance_m: float,
    mask: np.ndarray | None = None,
    *,
    z: np.ndarray | None = None,
) -> np.ndarray:
    """Exact Gi* p-values under the map-point chance model (multinomial null).

    Parameters
    ----------
    counts, cell_size_m, distance_m, mask : as :func:`gistar_grid_z`.
    cell_share : float array of shape (ny, nx), the chance probability of each
        cell: the summed share of the police.uk map points in it
        (:class:`hotspots.methods.chance.ChanceModel`); renormalised to sum to 1
        over the mask.
    z : float array of shape (ny, nx), optional. The Gi* z of each cell (default
        :func:`gistar_grid_z`); it gives the direction of each cell's test.

    Returns
    -------
    p : float64 array of shape (ny, nx); NaN outside the mask.

    Notes
    -----
    *The null.* Under chance the window's ``N`` records (the mask's total) fall
    independently on the map points of the study area, point j with probability
    ``p_j`` (its land catchment's share): a multinomial. With binary distance-band
    weights the star local sum ``S_i = sum_j w_ij x_j`` counts the records that
    fell in the cells of the band of *i*, each record independently with
    probability ``P_i = sum_j w_ij q_j`` (``q_j`` = the cell's share), so ``S_i``
    is exactly ``Binomial(N, P_i)``: no approximation and no random draws.

    *Which p-value.* The tail in the direction of Gi*: ``min(1, 2 P(S >= s_i))``
    where ``z_i > 0`` and ``min(1, 2 P(S <= s_i))`` where ``z_i < 0``
    (``scipy.stats.binom.sf`` / ``cdf``), twice the smaller tail where ``z_i = 0``.
    A cell busier than the area's average but emptier than its map points make
    likely is therefore not hot. The rejection region lies within that of the
    two-sided test at the same level, so the test is valid (a little conservative).

    Cost: two convolutions and two vectorised binomial tails, ~20 ms for BCP at
    100 m, whatever the number of records.

    References
    ----------
    Getis and Ord (1992); Johnson, N. L., Kemp, A. W. and Kotz, S. (2005).
    Univariate Discrete Distributions, 3rd ed. Wiley, ch. 3 (multinomial margins
    and sums of cells are binomial).
    """
    c, m = _check_grid(counts, mask, distance_m)
    q = np.asarray(cell_share, dtype="float64")
    if q.shape != c.shape:
        raise InputError("cell_share", q.shape, f"the shape of counts {c.shape}")
    p = np.full(c.shape, np.nan)
    if not m.any():
        return p
    cm, lag, _ = _grid_sums(c, m, cell_size_m, distance_m)
    qm = np.where(m, np.clip(q, 0.0, None), 0.0)
    total = float(qm.sum())
    if total <= 0:
        raise InputError("cell_share", total, "positive chance shares on the study cells")
    band = _neigh_sum(qm / total, disc_kernel(cell_size_m, distance_m))
    n = round(float(cm.sum()))
    s = np.rint(lag[m])  # exact integer sums (the FFT errs ~1e-12)
    pi = np.clip(band[m], 0.0, 1.0)
    upper = stats.binom.sf(s - 1, n, pi)
    lower = stats.binom.cdf(s, n, pi)
    zz = gistar_grid_z(c, cell_size_m, distance_m, m)[m] if z is None else np.asarray(z)[m]
    two = np.where(zz > 0, upper, np.where(zz < 0, lower, np.minimum(upper, lower)))
    p[m] = np.minimum(1.0, 2.0 * two)
    return p


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN in, NaN out.

    ``scipy.stats.false_discovery_control(p, method="bh")`` over the non-NaN
    p-values (Benjamini and Hochberg 1995): ``q_(k) = min_{j >= k} min(1, m p_(j) / j)``.
    """
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


# --------------------------------------------------------------------------- permutation inference
def check_permutations(
    permutations: object,
    seed: object,
    *,
    allow_none: bool = False,
) -> tuple[int | None, int | None]:
    """Validate ``permutations`` (a whole number >= 0, or None when allowed) and ``seed``.

    Returns them as Python ints (``np.int64(99)`` and ``99.0`` are 99; None stays None).
    """
    p = check_params(
        {"permutations": permutations, "seed": seed},
        {"permutations": [PERMUTATIONS] + ([None] if allow_none else []), "seed": [SEED, None]},
        {"permutations": "For example 9999."},
    )
    return p["permutations"], p["seed"]


def auto_permutations(n_tests: int, alpha: float = 0.05, fdr: bool = True) -> int:
    """Enough conditional permutations for the p-value floor not to decide the result.

    The smallest two-sided pseudo p-value is ``2 / (P + 1)``. Benjamini-Hochberg
    over ``m`` tests passes ``r`` cells sharing a p-value ``p`` only when
    ``p <= alpha r / m``; this returns the smallest of 999, 1,999, 4,999, 9,999,
    19,999, 49,999, 99,999 with ``2 / (P + 1) <= alpha * 10 / m`` (10 cells at the
    floor pass), at most 99,999; ``m = 1`` without FDR correction.

    Notes
    -----
    Measured on BCP at 100 m (16,986 cells), Jan 2024, BH at 0.05, six seeds:
    esda's 999 permutations find no hot cell at all (132 cells share the floor,
    680 would be needed); 9,999 find 92-169 hot cells depending on the seed,
    49,999 131-158 and 99,999 (this rule's choice) 131-142. Q1 2024: 212-255 at
    9,999, 225-244 at 99,999.
    """
    m = max(int(n_tests), 1) if fdr else 1
    need = 2.0 * m / (alpha * FLOOR_CELLS) - 1
    for p in _PERMUTATION_CHOICES:
        if p >= need:
            return p
    return _PERMUTATION_CHOICES[-1]


def _draw_without_replacement(
    n: int,
    size: int,
    permutations: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct indices in ``range(n)``, each row uniform.

    Small ``n`` (or ``size`` close to ``n``): the first ``size`` columns of a random
    permutation per row, ~4M random numbers at a time. Large ``n``: rows of
    independent uniform draws, redrawing every row with a repeat (rejection
    sampling: a row kept is uniform over ordered distinct tuples).
    """
    if permutations * n <= 4_000_000 or size * size > n:
        step = max(1, 4_000_000 // n)
        return np.concatenate(
            [
                np.argsort(rng.random((min(step, permutations - a), n)), axis=1)[:, :size]
                for a in range(0, permutations, step)
            ],
        )
    out = rng.integers(0, n, size=(permutations, size))
    redo = np.arange(permutations)
    while len(redo):
        s = np.sort(out[redo], axis=1)
        bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
        redo = redo[bad]
        out[redo] = rng.integers(0, n, size=(len(redo), size))
    return out


def conditional_permutation_p(
    values: np.ndarray,
    others_sum: np.ndarray,
    n_others: np.ndarray,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
) -> np.ndarray:
    """Two-sided pseudo p-values of Gi* by conditional permutation (Anselin 1995).

    Parameters
    ----------
    values : float array (n,), the variable at every study unit (counts per cell).
    others_sum : float array (n,), the observed sum of ``values`` over the
        neighbours of each unit, the unit itself excluded (``lag - values`` for Gi*).
    n_others : int array (n,), each unit's number of neighbours, itself excluded
        (``k_i - 1`` for Gi* with binary weights).
    permutations : int, the number of random draws per unit (> 0).
    seed : int or None, seed of :func:`numpy.random.default_rng` (None: fresh entropy).

    Returns
    -------
    p : float array (n,), ``min(1, 2 * (min(n_ge, n_le) + 1) / (permutations + 1))``
        where ``n_ge`` / ``n_le`` count the draws whose neighbourhood sum is at
        least / at most the observed one (ties count on both sides).

    Notes
    -----
    *The null.* Conditional randomisation keeps ``x_i`` at unit *i* and draws its
    ``k_i - 1`` neighbour values at random without replacement from the other
    ``n - 1`` values. With binary weights Gi* (its z as well as esda's ``Gs``) is
    an increasing function of the neighbours' sum once ``x_i`` and ``k_i`` are
    fixed, so the test compares sums; it is the test of
    ``esda.G_Local(y, w, transform="B", star=True, permutations=...)``.

    *Which p-value.* Two-sided: twice the smaller one-sided pseudo p-value
    ``(n_extreme + 1) / (permutations + 1)``, capped at 1. esda's default
    (``alternative="directed"``) folds the count instead (``larger = min(n_ge,
    permutations - n_ge)``), which is one-sided in the observed direction and
    counts ties on one side only: a cell whose neighbours are all empty then has
    every draw tied with it and gets the smallest p-value possible. On a sparse
    month (93% of 100 m cells empty) that gives ~7,000 cells p = 1/(P+1) and lets
    Benjamini-Hochberg pass ~820 hot cells (Jan 2024), as many as the normal
    approximation; counting ties on both sides leaves those cells at p ~ 0.2.

    *Shared draws, one per unit.* One matrix of ``permutations`` rows of
    ``K + 1`` distinct unit indices (``K = max(n_others)``) is drawn once; row *r*
    gives unit *i* the first ``n_others[i]`` of its indices that are not *i*. As a
    random permutation of all units with *i* struck out is a random permutation of
    the others, each row is an exact draw from unit *i*'s conditional null, and
    unit *i*'s ``permutations`` rows are independent, so its pseudo p-value is a
    valid Monte Carlo p-value (its exchangeability argument holds unit by unit).
    Units share the rows, as in esda (``crand`` draws one ``permuted_ids`` matrix
    for all sites): p-values of different units are dependent, as they are
    anyway through the data. The cost is one cumulative sum over the matrix, one
    sort per neighbour count, a binary search per unit, and a correction for the
    rows that drew *i* itself (about ``P K / n`` per unit, ``P K`` in all):
    ``O(K P log P + n log P)`` instead of ``O(n P K)`` for a loop over units
    (~0.3 s against ~15 min for BCP at 100 m with 99,999 permutations).

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association - LISA.
    Geographical Analysis 27(2), 93-115 (conditional randomisation).
    """
    v = np.asarray(values, dtype="float64")
    obs = np.asarray(others_sum, dtype="float64")
    k = np.asarray(n_others, dtype=np.int64)
    n = len(v)
    if n == 0:
        return np.empty(0)
    kmax = int(k.max())
    rng = np.random.default_rng(seed)
    size = min(kmax + 1, n)
    ids = _draw_without_replacement(n, size, permutations, rng)
    csum = np.zeros((permutations, size + 1))
    np.cumsum(v[ids], axis=1, out=csum[:, 1:])
    # ties: sums of counts are exact, but the observed sums may come from an FFT
    tol = 1e-7 * max(1.0, float(np.abs(v).sum()))
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    for j in np.unique(k):
        at = np.flatnonzero(k == j)
        col = np.sort(csum[:, j])
        n_ge[at] = permutations - np.searchsorted(col, obs[at] - tol, side="left")
        n_le[at] = np.searchsorted(col, obs[at] + tol, side="right")
    # rows in which unit i was itself among its first k_i draws: there its draws
    # are the first k_i + 1 indices with i struck out (every entry is such a row
    # for the unit it drew, unless it lies beyond that unit's k_i)
    kd = np.minimum(k[ids], size - 1)  # (P, size): k of the unit drawn
    hit = np.arange(size) < kd
    wrong = np.take_along_axis(csum, kd, axis=1)
    right = np.take_along_axis(csum, kd + 1, axis=1) - v[ids]
    o = obs[ids]
    for counts, sign in ((n_ge, 1.0), (n_le, -1.0)):
        d = (sign * right >= sign * o - tol).astype(np.int8)
        d -= sign * wrong >= sign * o - tol
        d[~hit] = 0
        at = np.flatnonzero(d)
        counts += np.bincount(ids.ravel()[at], d.ravel()[at], minlength=n).astype(np.int64)
    extreme = np.minimum(n_ge, n_le)
    return np.minimum(1.0, 2.0 * (extreme + 1) / (permutations + 1))


def classify_gi(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* class per cell from z (sign) and p (two-sided, adjusted or not).

    Hot/Cold 99% when p < 0.01, 95% when p < 0.05, 90% when p < 0.10; otherwise
    (and where z or p is NaN) ``Not significant``. Returns an object array of
    labels from :data:`GI_CLASSES`.
    """
    z = np.asarray(z, dtype="float64")
    p = np.asarray(p, dtype="float64")
    out = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    ok = np.isfinite(z) & np.isfinite(p)
    for level, hot, cold in (
        (0.10, HOT_90, COLD_90),
        (0.05, HOT_95, COLD_95),
        (0.01, HOT_99, COLD_99),
    ):
        sig = ok & (p < level)
        out[sig & (z > 0)] = hot
        out[sig & (z < 0)] = cold
    return out
