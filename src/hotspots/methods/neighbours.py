"""Neighbour searches and connected components in plain numpy, for the detect path.

``hotspots detect`` needs three things from scipy: nearest neighbours and the points within a
radius (``scipy.spatial.cKDTree``), and the connected components of a graph
(``scipy.sparse.csgraph``). Importing those two packages costs about as much CPU as the
whole detection on the bundled store (issue 23: ``hotspots detect`` as a whole process in
at most 1.5 s), so the detect path uses these instead:

:class:`PointGrid`
    A bucket grid over 2-D points in metres with the subset of ``cKDTree``'s interface the
    methods call: ``query`` (k nearest, with ``distance_upper_bound``),
    ``query_ball_point`` and ``query_pairs``. The same points are found: a point is
    within ``r`` when ``dx**2 + dy**2 <= r**2``, the test ``cKDTree`` makes on squared
    distances, and distances are ``sqrt`` of that sum. Exact ties in distance are broken
    by index (``cKDTree`` breaks them by its tree order). Tested against ``cKDTree``.
:func:`connected_components`
    Components of an undirected graph given as edge lists, numbered like
    ``scipy.sparse.csgraph.connected_components(directed=False)``: by their lowest node.

Cost: a radius search buckets the points in cells of side ``r`` and checks the 3 x 3 cells
around each centre, O(n log n + hits); a k-nearest search uses cells holding about ``k``
points each and widens the block of cells until the k-th distance is inside it, falling
back to all points for centres far from every point (and for a few centres at once).

References
----------
Bentley, J. L. (1975). Multidimensional binary search trees used for associative searching.
*Communications of the ACM* 18(9), 509-517 (the k-d tree that cKDTree implements).
Bentley, J. L., Stanat, D. F. and Williams, E. H. (1977). The complexity of finding fixed-radius
near neighbors. *Information Processing Letters* 6(6), 209-212 (the cell method used here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import ArrayLike

__all__ = ["PointGrid", "connected_components"]

# a cell a little wider than the radius: rounding in (x - x0) / s can never put two points
# within r of each other more than one cell apart
_WIDEN = 1.0 + 1e-6
# past this many cells each side of its own, a centre is compared with every point (it is
# far from all of them)
_MAX_RING = 4
# candidate pairs handled at once by the all-points fallback
_CHUNK = 1 << 22


class PointGrid:
    """Points in the plane (metres) with radius and k-nearest searches by a bucket grid.

    Parameters
    ----------
    data : array of shape (n, 2)
        x, y of the points, metres (EPSG:27700).

    Notes
    -----
    A drop-in for the ``scipy.spatial.cKDTree`` calls the hotspot methods make; see the
    module docstring for what is the same and the one difference (ties by index).
    """

    def __init__(self, data: ArrayLike) -> None:
        self.data = np.asarray(data, dtype="float64").reshape(-1, 2)
        self.n = len(self.data)
        if self.n and not np.isfinite(self.data).all():
            msg = "PointGrid: the points must be finite"
            raise ValueError(msg)
        self._x = np.ascontiguousarray(self.data[:, 0])
        self._y = np.ascontiguousarray(self.data[:, 1])
        self._lo = self.data.min(axis=0) if self.n else np.zeros(2)
        self._hi = self.data.max(axis=0) if self.n else np.zeros(2)
        self._grids: dict[float, tuple] = {}

    def __len__(self) -> int:
        """Return the number of points in the tree."""
        return self.n

    # --- the grid ---------------------------------------------------------------
    def _grid(self, s: float) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Sort the points by cell of side ``s``.

        Returns (order, sorted keys, cells per column, max cells).
        """
        got = self._grids.get(s)
        if got is None:
            ix = np.floor((self._x - self._lo[0]) / s).astype(np.int64)
            iy = np.floor((self._y - self._lo[1]) / s).astype(np.int64)
            nx, ny = int(ix.max()) + 1, int(iy.max()) + 1
            key = ix * ny + iy
            order = np.argsort(key, kind="stable")
            got = (order, key[order], nx, ny)
            self._grids[s] = got
        return got

    def _fits(self, s: float) -> bool:
        """Whether cells of side ``s`` over the points' extent have int64 keys."""
        if not s > 0 or not np.isfinite(s):
            return False
        span = (self._hi - self._lo) / s + 3
        return bool(np.all(span < 2**30))

    def _block(
        self,
        qx: np.ndarray,
        qy: np.ndarray,
        s: float,
        ring: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs (query, point) from the (2 ring + 1)^2 cells around each query."""
        order, keys, nx, ny = self._grid(s)
        fx = np.floor((qx - self._lo[0]) / s)
        fy = np.floor((qy - self._lo[1]) / s)
        # far outside: any cell beyond the edge is empty (clip so the ints cannot overflow)
        cx = np.clip(fx, -ring - 1, nx + ring).astype(np.int64)
        cy = np.clip(fy, -ring - 1, ny + ring).astype(np.int64)
        qs, starts, counts = [], [], []
        for dx in range(-ring, ring + 1):
            gx = cx + dx
            okx = (gx >= 0) & (gx < nx)
            for dy in range(-ring, ring + 1):
                gy = cy + dy
                ok = okx & (gy >= 0) & (gy < ny)
                q = np.flatnonzero(ok)
                if not len(q):
                    continue
                k = gx[q] * ny + gy[q]
                a = np.searchsorted(keys, k, side="left")
                b = np.searchsorted(keys, k, side="right")
                hit = b > a
                qs.append(q[hit])
                starts.append(a[hit])
                counts.append((b - a)[hit])
        if not qs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), fx, fy
        q = np.concatenate(qs)
        start = np.concatenate(starts)
        count = np.concatenate(counts)
        qi = np.repeat(q, count)
        # position within each run: 0..count-1
        first = np.repeat(np.cumsum(count) - count, count)
        pos = np.repeat(start, count) + (np.arange(len(qi)) - first)
        return qi, order[pos], fx, fy

    def _all_pairs(self, qx: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every (query, point) pair, in chunks: for centres far from all points."""
        step = max(1, _CHUNK // max(self.n, 1))
        for a in range(0, len(qx), step):
            q = np.arange(a, min(a + step, len(qx)))
            qi = np.repeat(q, self.n)
            j = np.tile(np.arange(self.n), len(q))
            yield qi, j

    def _d2(self, qx: np.ndarray, qy: np.ndarray, qi: np.ndarray, j: np.ndarray) -> np.ndarray:
        dx = self._x[j] - qx[qi]
        dy = self._y[j] - qy[qi]
        return dx * dx + dy * dy

    # --- radius searches ----------------------------------------------------------
    def _ball(self, qx: np.ndarray, qy: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (query, point) with squared distance <= r^2, sorted by query then point."""
        r2 = float(r) * float(r)
        if self.n == 0 or len(qx) == 0 or r < 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        s = float(r) * _WIDEN if r > 0 else 1.0
        if self._fits(s):
            qi, j, _, _ = self._block(qx, qy, s, 1)
            keep = self._d2(qx, qy, qi, j) <= r2
            qi, j = qi[keep], j[keep]
        else:  # a radius tiny against the extent: compare with every point
            parts = [
                (qa[m], ja[m])
                for qa, ja in self._all_pairs(qx)
                for m in [self._d2(qx, qy, qa, ja) <= r2]
            ]
            qi = np.concatenate([p[0] for p in parts])
            j = np.concatenate([p[1] for p in parts])
        o = np.lexsort((j, qi))
        return qi[o], j[o]

    def query_ball_point(self, x: ArrayLike, r: float) -> list[np.ndarray]:
        """Return the indices of the points within ``r`` (inclusive) of each row of ``x``.

        Each row's indices are in ascending order.

        Parameters
        ----------
        x : array of shape (m, 2)
            Centres, metres.
        r : float
            Radius, metres.

        Returns
        -------
        list of m int64 arrays (``cKDTree.query_ball_point`` on several points returns
        sorted lists of the same indices).
        """
        q = np.asarray(x, dtype="float64").reshape(-1, 2)
        qi, j = self._ball(q[:, 0], q[:, 1], r)
        bounds = np.searchsorted(qi, np.arange(len(q) + 1))
        return [j[bounds[i] : bounds[i + 1]] for i in range(len(q))]

    def query_pairs(self, r: float, output_type: str = "ndarray") -> np.ndarray:
        """All pairs ``(i, j)``, ``i < j``, of points within ``r`` (inclusive) of each other.

        Returns
        -------
        int64 array of shape (p, 2), sorted by ``i`` then ``j`` (``cKDTree`` gives the same
        pairs in its tree order).
        """
        if output_type != "ndarray":
            msg = "PointGrid.query_pairs: only output_type='ndarray'"
            raise ValueError(msg)
        qi, j = self._ball(self._x, self._y, r)
        keep = qi < j
        return np.c_[qi[keep], j[keep]].astype(np.int64).reshape(-1, 2)

    # --- nearest neighbours -------------------------------------------------------
    def query(
        self,
        x: ArrayLike,
        k: int = 1,
        distance_upper_bound: float = np.inf,
    ) -> tuple[Any, Any]:
        """Return the ``k`` nearest points to each row of ``x``: (distances, indices).

        As ``cKDTree.query``: a single point (shape (2,)) gives arrays of shape (k,), several
        give (m, k); with ``k == 1`` the last axis is dropped. Neighbours at
        ``distance_upper_bound`` or beyond, and missing ones (k > n), have distance ``inf``
        and index ``n``. Equal distances: the lower index first.
        """
        q = np.asarray(x, dtype="float64")
        single = q.ndim == 1
        q = q.reshape(-1, 2)
        m, n = len(q), self.n
        k = int(k)
        if k < 1:
            msg = "PointGrid.query: k must be at least 1"
            raise ValueError(msg)
        dist = np.full((m, k), np.inf)
        idx = np.full((m, k), n, dtype=np.int64)
        kk = min(k, n)
        if m and kk:
            self._nearest(q[:, 0], q[:, 1], kk, dist, idx, float(distance_upper_bound))
            beyond = ~(dist < distance_upper_bound)
            dist[beyond] = np.inf
            idx[beyond] = n
        if k == 1:
            dist, idx = dist[:, 0], idx[:, 0]
        if single:
            return dist[0], idx[0]
        return dist, idx

    def _nearest(
        self,
        qx: np.ndarray,
        qy: np.ndarray,
        kk: int,
        dist: np.ndarray,
        idx: np.ndarray,
        bound: float = np.inf,
    ) -> None:
        """Fill the first ``kk`` columns of ``dist`` / ``idx`` with the kk nearest points.

        Those at ``bound`` or beyond may be left out (the caller drops them).
        """
        ext = np.maximum(self._hi - self._lo, 0.0)
        area = float(ext[0] * ext[1]) or float(max(ext.max(), 1.0)) ** 2
        s = float(np.sqrt(area * kk / self.n)) or 1.0  # about kk points a cell, if uniform
        if self._fits(s):
            # police.uk points crowd into town centres: size the cells for the cell a typical
            # point sits in (about kk of them), not for the average over the whole extent
            keys = self._grid(s)[1]
            _, run = np.unique(keys, return_counts=True)
            typical = float(np.median(np.repeat(run, run)))
            if typical > kk:
                s *= float(np.sqrt(kk / typical)) * 0.5  # measured: fastest of 1, 0.7, 0.5, 0.35
        todo = np.arange(len(qx))
        if len(qx) * self.n <= _CHUNK // 16:  # a few centres: all points at once is quicker
            self._brute(qx, qy, kk, todo, dist, idx)
            return
        ring = 1
        while len(todo) and ring <= _MAX_RING and self._fits(s):
            tx, ty = qx[todo], qy[todo]
            qi, j, fx, fy = self._block(tx, ty, s, ring)
            d2 = self._d2(tx, ty, qi, j)
            o = np.lexsort((j, d2, qi))
            qi, j, d2 = qi[o], j[o], d2[o]
            start = np.searchsorted(qi, np.arange(len(todo) + 1))
            cnt = np.diff(start)
            # the block holds every point nearer than its inner edge (less a rounding margin)
            bx = tx - self._lo[0]
            by = ty - self._lo[1]
            inner = [bx - (fx - ring) * s, (fx + ring + 1) * s - bx]
            inner += [by - (fy - ring) * s, (fy + ring + 1) * s - by]
            g = np.minimum.reduce(inner) - s * 1e-6
            g2 = np.where(g > 0, g * g, -1.0)
            kth = np.full(len(todo), np.inf)
            full = cnt >= kk
            kth[full] = d2[start[:-1][full] + kk - 1]
            # found: the k-th is inside the block, or the block holds everything below bound
            done = (full & (kth < g2)) | (g > bound)
            for have in np.unique(np.minimum(cnt[done], kk)).tolist():
                rows = np.flatnonzero(done & (np.minimum(cnt, kk) == have))
                take = start[rows][:, None] + np.arange(have)
                dist[todo[rows], :have] = np.sqrt(d2[take])
                idx[todo[rows], :have] = j[take]
            todo = todo[~done]
            ring *= 2
        if len(todo):  # far from every point: compare with all of them
            self._brute(qx[todo], qy[todo], kk, todo, dist, idx)

    def _brute(
        self,
        tx: np.ndarray,
        ty: np.ndarray,
        kk: int,
        rows: np.ndarray,
        dist: np.ndarray,
        idx: np.ndarray,
    ) -> None:
        """Find the kk nearest by comparing each centre with every point.

        Ties: the lower index first.
        """
        step = max(1, _CHUNK // self.n)
        for a in range(0, len(tx), step):
            sl = slice(a, min(a + step, len(tx)))
            dx = self._x[None, :] - tx[sl, None]
            dy = self._y[None, :] - ty[sl, None]
            d2 = dx * dx + dy * dy
            kth = np.partition(d2, kk - 1, axis=1)[:, kk - 1]
            r, j = np.nonzero(d2 <= kth[:, None])  # the kk nearest, and any tied with the k-th
            dd = d2[r, j]
            o = np.lexsort((j, dd, r))
            r, j, dd = r[o], j[o], dd[o]
            first = np.searchsorted(r, np.arange(sl.stop - sl.start))
            take = first[:, None] + np.arange(kk)
            dist[rows[sl], :kk] = np.sqrt(dd[take])
            idx[rows[sl], :kk] = j[take]


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    """Label the connected components of an undirected graph.

    The graph has ``n`` nodes and the edges ``a[i]``-``b[i]``.

    Parameters
    ----------
    n : int
        Number of nodes (0 .. n-1).
    a, b : int arrays of equal length
        The edges' end nodes.

    Returns
    -------
    (number of components, int32 label of each node), components numbered 0, 1, ... in the
    order of their lowest node, as ``scipy.sparse.csgraph.connected_components`` numbers them
    for an undirected graph (tested).

    Notes
    -----
    Each round hooks the larger of the two roots of every edge under the smaller, then
    points every node at its root (pointer jumping), until every edge joins equal roots;
    each root is then its component's lowest node. Rounds: about log2 of the longest path.
    """
    parent = np.arange(n, dtype=np.int64)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        diff = ra != rb
        if not diff.any():
            break
        lo = np.minimum(ra[diff], rb[diff])
        hi = np.maximum(ra[diff], rb[diff])
        np.minimum.at(parent, hi, lo)
        while True:  # every node to its root
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
    roots, labels = np.unique(parent, return_inverse=True)
    return len(roots), labels.astype(np.int32)
