"""The kernel density surface on a grid: quartic by direct scatter, Gaussian by FFT.

Records per km²: every record spreads one unit of volume with a kernel that
integrates to 1 (Silverman 1986). The quartic kernel is scattered exactly, a block
per distinct location; the Gaussian is either scattered (a small block) or split in
two Gaussians whose variances add up to its own: a narrow one (sd one cell) scattered
exactly onto the cell centres, then one FFT convolution with the other, sampled at the
cell centres, whichever the measured costs below say is faster.

The split is the binning-then-FFT scheme of KDEpy's ``FFTKDE`` and statsmodels'
``KDEUnivariate(fft=True)`` (Silverman 1982; Wand 1994), with the linear binning
replaced by Gaussian gridding (Greengard and Lee 2004), because linear binning errs by
(cell / bandwidth)² and the Gaussian of a BCP default is only 1.56 cells wide: it needed
a grid refined 9 times per axis to stay within 1% (2.6 s at 1M records). For a Gaussian
target the gridding needs no deconvolution, and its only error is Poisson summation's,
at most 5.5e-5 of each cell's value (:func:`_gauss_split`). As in those libraries the
binned data are kept: the gridding depends only on the distinct locations and the grid's
lattice, so it is cached per record set with its Fourier transform, and a refresh is one
product of spectra and one inverse FFT, in float32 (sizes from
``scipy.fft.next_fast_len``, ``FFT_WORKERS`` threads). Error against the exact sum:
``|error| <= 6e-5 * value + 1e-6 * peak`` (tested on real bundled points against the
exact sum and scikit-learn's ``KernelDensity``). :mod:`hotspots.methods.kde` chooses the
parameters and cuts hotspots.

References
----------
Silverman, B. W. (1982) Algorithm AS 176: Kernel density estimation using the fast
Fourier transform. Applied Statistics 31, 93–99.
Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis. Chapman & Hall.
Wand, M. P. (1994) Fast computation of multivariate kernel estimators. J. Comput.
Graph. Stat. 3, 433–445 (linear binning).
Greengard, L. and Lee, J.-Y. (2004) Accelerating the nonuniform fast Fourier transform.
SIAM Review 46, 443–454 (Gaussian gridding).
Odland, T. (2018) KDEpy: kernel density estimation in Python (``FFTKDE``).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from hotspots.errors import InputError
from hotspots.methods.grid import Grid
from hotspots.validation import POSITIVE_METRES, check_param

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["KERNELS", "clear_cache", "kernel_density"]

KERNELS = ("quartic", "gaussian")
GAUSS_TRUNCATE_SD = 6.0
SPLIT_S1_CELLS = 1.0  # sd of the scattered narrow Gaussian, in cells (_gauss_split)
SPLIT_MIN_SD_CELLS = 1.52  # smallest sd for the split: s1 s2 / sd >= 0.7535 cells, error 5.5e-5
FFT_NOISE_F32 = 5e-7  # below this share of the peak, float32 FFT output is rounding, set to 0
FFT_WORKERS = 2  # scipy.fft threads (the machines have 2 cores)
GRIDDING_CACHE_SIZE = 8  # record sets whose gridding is kept (about 1-4 MB each at BCP scale)
GRIDDING_CACHE_BYTES = 128 << 20  # and at most this much of griddings and their transforms
SPECTRA_PER_GRIDDING = 4  # transforms kept per gridding (one per grid extent in use)
CHUNK_ELEMENTS = 1 << 18  # kernel values per scatter chunk (cache-sized)
# Rough costs measured on the 2-core machines, used only to pick the faster exact-enough path:
# the scatter's np.bincount per block value, the gridding's sparse product per block value,
# the float32 FFT pair per cell of the transform.
SCATTER_NS_PER_VALUE = 12.0
GRIDDING_NS_PER_VALUE = 8.0
FFT_NS_PER_CELL = 30.0

# --- density --------------------------------------------------------------------


def _scatter(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    grid: Grid,
    reach: int,
    kernel_block: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Sum kernel blocks of (2*reach+1)² cells around each location (exact).

    Locations are processed in row-major order of their cell, in chunks of about
    ``CHUNK_ELEMENTS`` kernel values, so each chunk touches a narrow band of rows
    and its ``np.bincount`` stays small and in cache.
    """
    c = grid.cell_size_m
    ny, nx = grid.shape
    off = np.arange(-reach, reach + 1)
    width = len(off)
    off2 = off[:, None] * nx + off[None, :]  # flat offsets of the block, (W, W)
    out = np.zeros(grid.n_cells)
    i0, j0, _ = grid.index_of(x, y)
    order = np.argsort(i0 * nx + j0, kind="stable")
    x, y, w, i0, j0 = x[order], y[order], w[order], i0[order], j0[order]
    edge = (i0 < reach) | (i0 >= ny - reach) | (j0 < reach) | (j0 >= nx - reach)
    chunk = max(1, CHUNK_ELEMENTS // (width * width))
    for s in range(0, len(x), chunk):
        sl = slice(s, s + chunk)
        dx = grid.x0 + (j0[sl, None] + off + 0.5) * c - x[sl, None]  # (k, W) columns
        dy = grid.y0 + (i0[sl, None] + off + 0.5) * c - y[sl, None]  # (k, W) rows
        v = kernel_block(dx, dy, w[sl])  # (k, W rows, W cols)
        if edge[sl].any():
            rows = i0[sl, None] + off
            cols = j0[sl, None] + off
            ok = ((rows >= 0) & (rows < ny))[:, :, None] & ((cols >= 0) & (cols < nx))[:, None, :]
            flat = ((i0[sl] * nx + j0[sl])[:, None, None] + off2)[ok]
            v = v[ok]
        else:
            flat = ((i0[sl] * nx + j0[sl])[:, None, None] + off2).ravel()
            v = v.ravel()
        if len(flat) == 0:
            continue
        lo, hi = int(flat.min()), int(flat.max())
        out[lo : hi + 1] += np.bincount(flat - lo, weights=v, minlength=hi - lo + 1)
    return out.reshape(grid.shape)


def _quartic_block(h: float) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    norm = 3.0 / (math.pi * h * h) * 1e6

    def block(dx: np.ndarray, dy: np.ndarray, w: np.ndarray) -> np.ndarray:
        sw = np.sqrt(w * norm)[:, None]  # (a - b)² * w = (a sqrt(w) - b sqrt(w))²
        a = (1.0 - (dx / h) ** 2) * sw  # (k, W) columns
        b = (dy / h) ** 2 * sw  # (k, W) rows
        v = a[:, None, :] - b[:, :, None]
        np.maximum(v, 0.0, out=v)
        np.square(v, out=v)
        return v

    return block


def _gauss_block(sd: float) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    norm = 1.0 / (2 * math.pi * sd * sd) * 1e6
    cut = GAUSS_TRUNCATE_SD * sd

    def block(dx: np.ndarray, dy: np.ndarray, w: np.ndarray) -> np.ndarray:
        gx = np.where(np.abs(dx) <= cut, np.exp(-0.5 * (dx / sd) ** 2), 0.0) * (w * norm)[:, None]
        gy = np.where(np.abs(dy) <= cut, np.exp(-0.5 * (dy / sd) ** 2), 0.0)
        return gy[:, :, None] * gx[:, None, :]

    return block


# --- the Gaussian split: gridding cached per record set, one FFT per refresh ------------


@dataclass(frozen=True)
class _Gridding:
    """Locations spread by the narrow Gaussian (sd ``s1_m``) onto the centres of a box of cells.

    ``box`` lies on the lattice of every grid with the same cell size and origin modulo the
    cell, so one gridding serves every such grid and every bandwidth (:func:`_gauss_split`).
    ``spectra`` memoises the box's real 2-D FFT per transform shape.
    """

    box: Grid
    s1_m: float
    spread: np.ndarray  # float32, box.shape
    spectra: dict = field(default_factory=dict, compare=False)


_GRIDDINGS: OrderedDict[tuple, _Gridding] = OrderedDict()
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached gridding (benchmarks time the uncached path with it)."""
    with _LOCK:
        _GRIDDINGS.clear()


def _lattice_key(x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, s1: float) -> tuple:
    """Key a record set (a digest of its locations and weights) and the lattice of ``grid``."""
    h = hashlib.blake2b(digest_size=16)
    for a in (x, y, w):
        h.update(np.ascontiguousarray(a, dtype="float64").tobytes())
    c = grid.cell_size_m
    return (h.hexdigest(), len(x), c, math.fmod(grid.x0, c), math.fmod(grid.y0, c), s1)


def _gauss_grid(x: np.ndarray, y: np.ndarray, w: np.ndarray, box: Grid, s1: float) -> np.ndarray:
    """Sum a Gaussian of sd ``s1`` around every location at the cell centres of ``box``.

    Records per km², in blocks of (2 r1 + 1)² cells, r1 = ceil(6 s1 / cell), exact within
    the block. The Gaussian is separable: with ``Gy`` (locations x rows) and ``Gx`` (locations x
    columns) holding each location's 2 r1 + 1 row and column factors, the sum is the
    sparse product ``Gy.T @ diag(w) @ Gx`` (1.5x faster than :func:`_scatter`'s
    ``np.bincount`` of every block value, measured at 8k locations). Every location must
    lie at least ``r1`` cells inside ``box``.
    """
    from scipy import sparse

    c = box.cell_size_m
    r1 = math.ceil(GAUSS_TRUNCATE_SD * s1 / c)
    m = len(x)
    off = np.arange(-r1, r1 + 1)
    i0, j0, _ = box.index_of(x, y)
    cols = j0[:, None] + off  # (m, W)
    rows = i0[:, None] + off
    norm = 1e6 / (2 * math.pi * s1 * s1)
    gx = np.exp(-0.5 * ((box.x0 + (cols + 0.5) * c - x[:, None]) / s1) ** 2) * (w * norm)[:, None]
    gy = np.exp(-0.5 * ((box.y0 + (rows + 0.5) * c - y[:, None]) / s1) ** 2)
    indptr = np.arange(0, len(off) * m + 1, len(off))
    gx_m = sparse.csr_matrix((gx.ravel(), cols.ravel(), indptr), shape=(m, box.nx))
    gy_t = sparse.csc_matrix((gy.ravel(), rows.ravel(), indptr), shape=(box.ny, m))
    return (gy_t @ gx_m).toarray()


def _gridding(x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, s1: float) -> _Gridding:
    """Return the cached gridding of these locations on ``grid``'s lattice (made on a miss)."""
    key = _lattice_key(x, y, w, grid, s1)
    with _LOCK:
        hit = _GRIDDINGS.get(key)
        if hit is not None:
            _GRIDDINGS.move_to_end(key)
            return hit
    c = grid.cell_size_m
    r1 = math.ceil(GAUSS_TRUNCATE_SD * s1 / c)
    i, j, _ = grid.index_of(x, y)
    i_lo, i_hi, j_lo, j_hi = (
        int(i.min()) - r1,
        int(i.max()) + r1,
        int(j.min()) - r1,
        int(j.max()) + r1,
    )
    box = Grid(grid.x0 + j_lo * c, grid.y0 + i_lo * c, c, j_hi - j_lo + 1, i_hi - i_lo + 1)
    spread = _gauss_grid(x, y, w, box, s1).astype(np.float32)
    made = _Gridding(box, s1, spread)
    with _LOCK:
        _GRIDDINGS[key] = made
        _GRIDDINGS.move_to_end(key)
        _evict()
    return made


def _evict() -> None:
    """Drop the least recently used griddings past the count or the byte budget (caller locks)."""

    def size(g: _Gridding) -> int:
        return g.spread.nbytes + sum(a.nbytes for a in g.spectra.values())

    while len(_GRIDDINGS) > GRIDDING_CACHE_SIZE or (
        len(_GRIDDINGS) > 1 and sum(size(g) for g in _GRIDDINGS.values()) > GRIDDING_CACHE_BYTES
    ):
        _GRIDDINGS.popitem(last=False)


def _gauss_split(x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, sd: float) -> np.ndarray:
    """Return the Gaussian of ``sd`` as a one-cell Gaussian gridded, then convolved by FFT.

    The narrow Gaussian (s1 = one cell) is scattered exactly onto the cell centres, then
    convolved with a Gaussian (s2) sampled at the cell centres.
    ``g_sd = g_s1 * g_s2`` (variances add), and the convolution integral is replaced by a
    sum over the cell centres: for a location at x and a cell centre at xc the integrand
    ``g_s1(u - x) g_s2(xc - u)`` is a Gaussian in u of standard deviation t = s1 s2 / sd,
    whose sum over a lattice of spacing c equals its integral to a relative
    ``2 exp(-2 pi² (t / c)²)`` per axis (Poisson summation): at most 5.5e-5 in 2-D for
    sd >= ``SPLIT_MIN_SD_CELLS`` cells (t >= 0.7535 c), 1e-8 for large sd.

    The scattered part (the gridding) depends only on the locations and the lattice, not on
    the bandwidth or the grid's extent: it is cached (:func:`_gridding`) with its FFT, so a
    refresh is a product of spectra and one inverse real FFT, in float32 (rounding about
    1e-7 of the peak; values under ``FFT_NOISE_F32`` of the peak are set to 0). The
    transform's period covers the box of the gridding and the grid plus the s2 kernel's
    reach, so the circular convolution wraps nothing onto the grid.
    """
    from scipy import fft

    c = grid.cell_size_m
    s1 = SPLIT_S1_CELLS * c
    s2 = math.sqrt(sd * sd - s1 * s1)
    r2 = math.ceil(GAUSS_TRUNCATE_SD * s2 / c)
    gr = _gridding(x, y, w, grid, s1)
    box = gr.box
    di = round((box.y0 - grid.y0) / c)  # grid row of the box's row 0
    dj = round((box.x0 - grid.x0) / c)
    ey = max(grid.ny, di + box.ny) - min(0, di)
    ex = max(grid.nx, dj + box.nx) - min(0, dj)
    shape = (fft.next_fast_len(ey + r2), fft.next_fast_len(ex + r2, real=True))
    with _LOCK:
        spec = gr.spectra.get(shape)
    if spec is None:
        spec = fft.rfft2(gr.spread, s=shape, workers=FFT_WORKERS)
        with _LOCK:
            if len(gr.spectra) >= SPECTRA_PER_GRIDDING:
                gr.spectra.pop(next(iter(gr.spectra)))
            gr.spectra[shape] = spec
            _evict()
    t = np.arange(-r2, r2 + 1) * c
    g = np.exp(-0.5 * (t / s2) ** 2) * (c / (math.sqrt(2 * math.pi) * s2))  # c * 1-D density
    # the sampled kernel centred at index 0 of each period, lags wrapped (a wrapped lag meets
    # no pair of box and grid cells: the period exceeds their extent by r2); a real transform
    lags = np.arange(-r2, r2 + 1)
    ky = fft.fft(np.bincount(lags % shape[0], weights=g, minlength=shape[0])).real
    kx = fft.rfft(np.bincount(lags % shape[1], weights=g, minlength=shape[1])).real
    prod = spec * ky.astype(np.float32)[:, None]
    prod *= kx.astype(np.float32)[None, :]
    conv = fft.irfft2(prod, s=shape, workers=FFT_WORKERS)
    # array row k holds grid row k + di (mod the period)
    out = np.roll(conv, (di, dj), axis=(0, 1))[: grid.ny, : grid.nx].astype(np.float64)
    peak = float(out.max()) if out.size else 0.0
    out[out < peak * FFT_NOISE_F32] = 0.0  # float32 FFT rounding, not density
    return out


def kernel_density(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None,
    grid: Grid,
    *,
    bandwidth_m: float,
    kernel: str = "quartic",
) -> np.ndarray:
    """Kernel density at every cell centre of ``grid``, in records per km².

    Parameters
    ----------
    x, y : float arrays, shape (m,), metres (EPSG:27700), ideally distinct
        locations (see :func:`hotspots.data.points.unique_locations`).
    weights : records at each location, shape (m,) (default 1 each).
    grid : the output grid; locations off the grid are ignored.
    bandwidth_m : quartic radius or Gaussian standard deviation, metres.
    kernel : "quartic" (exact) or "gaussian" (exact scatter or FFT, see module). The
        FFT path caches the gridding of these locations on the grid's lattice (keyed by a
        digest of ``x``, ``y`` and the weights), so a later call with the same locations, on
        any grid of the same cell size and origin and with any bandwidth, skips it;
        :func:`clear_cache` empties the cache.

    Returns
    -------
    float64 array of ``grid.shape``; its sum times the cell area (km²) is the number
    of records, less what falls off the grid.
    """
    if kernel not in KERNELS:
        raise InputError("kernel", kernel, "one of " + ", ".join(KERNELS))
    bandwidth_m = check_param("bandwidth_m", bandwidth_m, [POSITIVE_METRES])
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype="float64")
    _, _, inside = grid.index_of(x, y)
    x, y, w = x[inside], y[inside], w[inside]
    if len(x) == 0:
        return np.zeros(grid.shape)
    c = grid.cell_size_m
    h = float(bandwidth_m)
    if kernel == "quartic":
        return _scatter(x, y, w, grid, math.ceil(h / c), _quartic_block(h))
    reach = math.ceil(GAUSS_TRUNCATE_SD * h / c)
    if _gauss_path(len(x), grid, h) == "scatter":
        return _scatter(x, y, w, grid, reach, _gauss_block(h))
    return _gauss_split(x, y, w, grid, h)


def _gauss_path(m: int, grid: Grid, sd: float) -> str:
    """'scatter' or 'fft' (:func:`_gauss_split`), whichever is estimated faster uncached.

    Both agree with the exact sum to 1e-4 (tested); the split needs sd >=
    ``SPLIT_MIN_SD_CELLS`` cells, below which the scatter's block is small anyway.
    """
    c = grid.cell_size_m
    if sd < SPLIT_MIN_SD_CELLS * c:
        return "scatter"
    reach = math.ceil(GAUSS_TRUNCATE_SD * sd / c)
    scatter = m * (2 * reach + 1) ** 2 * SCATTER_NS_PER_VALUE
    s2 = math.sqrt(sd * sd - (SPLIT_S1_CELLS * c) ** 2)
    r1 = math.ceil(GAUSS_TRUNCATE_SD * SPLIT_S1_CELLS)
    r2 = math.ceil(GAUSS_TRUNCATE_SD * s2 / c)
    cells = (grid.nx + r2 + 2 * r1) * (grid.ny + r2 + 2 * r1)
    split = m * (2 * r1 + 1) ** 2 * GRIDDING_NS_PER_VALUE + cells * FFT_NS_PER_CELL
    return "scatter" if scatter <= split else "fft"
