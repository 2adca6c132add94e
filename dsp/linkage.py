"""Average-linkage (UPGMA) hierarchical clustering cut at a distance, in numpy alone.

The same partition as ``scipy.cluster.hierarchy.fcluster(linkage(d, "average"), t, criterion="distance")``
without importing ``scipy.cluster`` (about half a second of start-up). The dendrogram is built with the
nearest-neighbour chain algorithm (Müllner 2011, "Modern hierarchical, agglomerative clustering algorithms",
arXiv:1109.2378), exact for average linkage because it is reducible, in O(n²) time on one (n, n) matrix with
vectorised row operations. The chain, its tie-breaking (first index; the previous chain element wins ties) and the
distance update ``(n_x d_xi + n_y d_yi) / (n_x + n_y)`` follow scipy's ``nn_chain`` operation by operation, so
merge distances agree to the last bit and exact ties resolve as scipy resolves them. For that the whole dendrogram
is built: the chain's path through clusters above the cut decides how ties below it are broken.
"""
from __future__ import annotations

import numpy as np


def average_linkage_clusters(condensed: np.ndarray, threshold: float, *, n_points: int | None = None) -> np.ndarray:
    """Flat clusters of average-linkage clustering cut at ``threshold``.

    Parameters
    ----------
    condensed : (n (n − 1) / 2,) float
        Finite pairwise distances in the order of ``scipy.spatial.distance.pdist``.
    threshold : float
        Cut distance, same unit as ``condensed``: every cluster's cophenetic distance is ≤ ``threshold``.
    n_points : int, optional
        Number of points; needed only to tell 0 points from 1 (both have an empty ``condensed``, read as 1).

    Returns
    -------
    labels : (n,) int
        Cluster of each point, 1…k, numbered in order of first appearance.
    """
    d = np.asarray(condensed, dtype=float)
    n = _n_points(d, n_points)
    threshold = float(threshold)
    if np.isnan(threshold):
        raise ValueError(f"threshold must be a number; got {threshold!r}")
    if n < 2:
        return np.ones(n, dtype=int)
    dropped, kept, merge_distance = _nn_chain(_square(d, n), n)
    # scipy sorts the merges by distance and cuts the resulting monotone dendrogram: a point's flat cluster is its
    # connected component under the merges at ≤ threshold. Each merge drops one slot into another, so these merges
    # form a forest of parent pointers.
    parent = np.arange(n)
    cut = merge_distance <= threshold
    parent[dropped[cut]] = kept[cut]
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        parent = grand
    _, first, inverse = np.unique(parent, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=int)
    rank[np.argsort(first)] = np.arange(1, first.size + 1)
    return rank[inverse]


def _n_points(d: np.ndarray, n_points: int | None) -> int:
    if d.ndim != 1:
        raise ValueError(f"condensed must be a 1-D condensed distance vector; got {d.ndim} dimensions")
    n = int(np.ceil(np.sqrt(2 * d.size)))  # n (n − 1) / 2 = size
    if n * (n - 1) // 2 != d.size:
        raise ValueError(f"condensed must hold n (n - 1) / 2 distances for some n; got {d.size}")
    n = max(n, 1)
    if n_points is not None:
        if not (int(n_points) == n or (d.size == 0 and int(n_points) == 0)):
            raise ValueError(f"n_points must match condensed ({n} points); got {n_points!r}")
        n = int(n_points)
    if not np.all(np.isfinite(d)):
        raise ValueError("condensed contains NaN or Inf distances; all distances must be finite")
    return n


def _square(d: np.ndarray, n: int, block: int = 64) -> np.ndarray:
    """(n, n) distance matrix with ``inf`` on the diagonal: upper triangle row by row, lower by blocks (no index
    arrays, no second matrix)."""
    square = np.empty((n, n))
    start = 0
    for i in range(n - 1):
        square[i, i + 1:] = d[start:start + n - 1 - i]
        start += n - 1 - i
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        square[b0:b1, :b0] = square[:b0, b0:b1].T
        for i in range(b0 + 1, b1):
            square[i, b0:i] = square[b0:i, i]
    np.fill_diagonal(square, np.inf)
    return square


def _nn_chain(dist: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n − 1 merges of average linkage as ``(dropped, kept, distance)``, in the order the chain finds them.

    ``dist`` (``inf`` on the diagonal) is overwritten: a cluster's distances live in the row and column of its kept
    slot; dropped slots keep stale values, masked by ``inf`` in ``dropped_mask``.
    """
    size = [1] * n
    dropped = np.empty(n - 1, dtype=int)
    kept = np.empty(n - 1, dtype=int)
    merge_distance = np.empty(n - 1)
    dropped_mask = np.zeros(n)
    row = np.empty(n)
    chain: list[int] = []
    first_active = 0
    for k in range(n - 1):
        if not chain:
            while size[first_active] == 0:
                first_active += 1
            chain.append(first_active)
        while True:  # follow nearest neighbours until two are mutual
            x = chain[-1]
            np.add(dist[x], dropped_mask, out=row)
            nearest = int(row.argmin())  # first index of the minimum, as scipy's scan
            current = row[nearest]
            if len(chain) > 1:
                previous = chain[-2]
                if not current < row[previous]:  # the previous element wins ties
                    current = row[previous]
                    break
            chain.append(nearest)
        del chain[-2:]
        x, y = min(x, previous), max(x, previous)  # scipy keeps the higher slot
        nx, ny = size[x], size[y]
        np.multiply(dist[x], nx, out=row)
        row += ny * dist[y]
        row /= nx + ny
        row[y] = np.inf
        dist[y] = row
        dist[:, y] = row
        dropped_mask[x] = np.inf
        size[x], size[y] = 0, nx + ny
        dropped[k], kept[k], merge_distance[k] = x, y, current
    return dropped, kept, merge_distance
