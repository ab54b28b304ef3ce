"""The kernel density surface on a grid: quartic by direct scatter, Gaussian by FFT.

Records per km²: every record spreads one unit of volume with a kernel that
integrates to 1 (Silverman 1986). The quartic kernel is scattered exactly, a block
per distinct location; the Gaussian is either scattered (small grids) or linearly
binned and convolved by FFT (Wand 1994), whichever the measured costs below say is
faster. :mod:`hotspots.methods.kde` chooses the parameters and cuts hotspots.

References
----------
Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis. Chapman & Hall.
Wand, M. P. (1994) Fast computation of multivariate kernel estimators. J. Comput.
Graph. Stat. 3, 433–445 (linear binning).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import fftconvolve

from hotspots.errors import InputError
from hotspots.methods.grid import Grid
from hotspots.validation import POSITIVE_METRES, check_param

__all__ = ["KERNELS", "kernel_density"]

KERNELS = ("quartic", "gaussian")
GAUSS_TRUNCATE_SD = 6.0
FFT_SUBCELL_SD = 0.08  # linear-binning sub-cell, in standard deviations
CHUNK_ELEMENTS = 1 << 18  # kernel values per scatter chunk (cache-sized)
# Rough costs measured on the 2-core machines, used only to pick the faster exact-enough path.
SCATTER_NS_PER_VALUE = 12.0
FFT_NS_PER_CELL = 100.0

# --- density --------------------------------------------------------------------


def _scatter(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, reach: int, kernel_block
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


def _quartic_block(h: float):
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


def _gauss_block(sd: float):
    norm = 1.0 / (2 * math.pi * sd * sd) * 1e6
    cut = GAUSS_TRUNCATE_SD * sd

    def block(dx: np.ndarray, dy: np.ndarray, w: np.ndarray) -> np.ndarray:
        gx = np.where(np.abs(dx) <= cut, np.exp(-0.5 * (dx / sd) ** 2), 0.0) * (w * norm)[:, None]
        gy = np.where(np.abs(dy) <= cut, np.exp(-0.5 * (dy / sd) ** 2), 0.0)
        return gy[:, :, None] * gx[:, None, :]

    return block


def _gauss_fft(x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: Grid, sd: float) -> np.ndarray:
    """Linear binning on a refined grid + FFT convolution, sampled at cell centres."""
    c = grid.cell_size_m
    ny, nx = grid.shape
    f = max(1, math.ceil(c / (FFT_SUBCELL_SD * sd)))
    cf = c / f
    margin = f + 1
    NX = (nx - 1) * f + 1 + 2 * margin
    NY = (ny - 1) * f + 1 + 2 * margin
    u = (x - (grid.x0 + c / 2)) / cf + margin
    v = (y - (grid.y0 + c / 2)) / cf + margin
    ju = np.floor(u).astype(np.int64)
    iv = np.floor(v).astype(np.int64)
    tu = u - ju
    tv = v - iv
    flat = np.zeros(NY * NX)
    for di, wy in ((0, 1 - tv), (1, tv)):
        for dj, wx in ((0, 1 - tu), (1, tu)):
            flat += np.bincount((iv + di) * NX + (ju + dj), weights=w * wy * wx, minlength=NY * NX)
    binned = flat.reshape(NY, NX)
    L = math.ceil(GAUSS_TRUNCATE_SD * sd / cf)
    t = np.arange(-L, L + 1) * cf
    g = np.exp(-0.5 * (t / sd) ** 2)
    kern = np.outer(g, g) * (1.0 / (2 * math.pi * sd * sd) * 1e6)
    conv = fftconvolve(binned, kern, mode="same")
    out = conv[margin : margin + (ny - 1) * f + 1 : f, margin : margin + (nx - 1) * f + 1 : f]
    return np.maximum(out, 0.0)


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
    kernel : "quartic" (exact) or "gaussian" (exact scatter or FFT, see module).

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
    return _gauss_fft(x, y, w, grid, h)


def _gauss_path(m: int, grid: Grid, sd: float) -> str:
    """'scatter' or 'fft', whichever is estimated faster (both within 1%)."""
    c = grid.cell_size_m
    reach = math.ceil(GAUSS_TRUNCATE_SD * sd / c)
    scatter = m * (2 * reach + 1) ** 2 * SCATTER_NS_PER_VALUE
    f = max(1, math.ceil(c / (FFT_SUBCELL_SD * sd)))
    pad = 2 * math.ceil(GAUSS_TRUNCATE_SD * sd / (c / f)) + 2 * (f + 1)
    fft = ((grid.nx - 1) * f + 1 + pad) * ((grid.ny - 1) * f + 1 + pad) * FFT_NS_PER_CELL
    return "scatter" if scatter <= fft else "fft"
