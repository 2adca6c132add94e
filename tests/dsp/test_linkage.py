"""Average-linkage flat clusters against scipy.cluster.hierarchy on the same distances."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp.linkage import average_linkage_clusters
from dsp.modal import mac

ROOT = Path(__file__).parents[2]


def _scipy_clusters(condensed, threshold):
    from scipy.cluster import hierarchy

    return hierarchy.fcluster(hierarchy.linkage(condensed, method="average"), t=threshold, criterion="distance")


def _scipy_heights(condensed):
    from scipy.cluster import hierarchy

    return hierarchy.linkage(condensed, method="average")[:, 2]


def _partition(labels):
    """Labels renumbered 0, 1, … by first occurrence: equal for equal partitions whatever the label values."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=int)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


def _pdist(points, metric):
    from scipy.spatial.distance import pdist

    return pdist(points, metric=metric) if len(points) > 1 else np.zeros(0)


# Points on a small integer grid: many duplicates (zero distances) and exactly tied distances, whose merge order
# decides the partition even below the cut (0, 1, 2, 3 cut at 1.2 is {0, 1}, {2, 3} or {1, 2}, {0}, {3}, as the
# tie at 1 is broken). Thresholds are drawn as well exactly at scipy's merge heights, the ties at the cut that
# ``<=`` decides. Exact ties are not avoided: the implementation repeats scipy's nn_chain operation by operation,
# so it breaks them the same way and computes bit-identical merge heights.
@st.composite
def point_sets(draw):
    n = draw(st.integers(2, 60))
    dims = draw(st.sampled_from([1, 2]))
    grid = draw(st.sampled_from([3, 6, 20]))
    coords = draw(st.lists(st.integers(0, grid), min_size=n * dims, max_size=n * dims))
    points = np.array(coords, dtype=float).reshape(n, dims)
    if draw(st.booleans()):
        points += draw(st.floats(0.0, 1e-3)) * (np.arange(n * dims).reshape(n, dims) % 7)  # near-ties
    metric = draw(st.sampled_from(["euclidean", "cityblock", "sqeuclidean"]))
    return _pdist(points, metric)


@settings(max_examples=300, deadline=None)
@given(point_sets(), st.data())
def test_partition_matches_scipy(condensed, data):
    heights = _scipy_heights(condensed)
    threshold = data.draw(st.one_of(
        st.sampled_from(list(heights)),                                  # exactly at a merge
        st.floats(-1.0, float(heights.max()) * 1.1 + 1.0),               # anywhere over the range
        st.sampled_from([0.0, np.inf]),
    ), label="threshold")
    ours = average_linkage_clusters(condensed, threshold)
    assert ours.shape == (heights.size + 1,)
    assert ours.min() == 1 and np.array_equal(np.unique(ours), np.arange(1, ours.max() + 1))
    np.testing.assert_array_equal(_partition(ours), _partition(_scipy_clusters(condensed, threshold)))


@pytest.mark.parametrize("points", [[0, 1, 2, 3], [1, 2, 0, 3], [2, 3, 1, 0], [0, 0, 1, 1, 2, 2]])
@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.2, 1.5, 2.0])
def test_tie_breaking_below_the_cut(points, threshold):
    condensed = _pdist(np.array(points, dtype=float)[:, None], "euclidean")
    np.testing.assert_array_equal(_partition(average_linkage_clusters(condensed, threshold)),
                                  _partition(_scipy_clusters(condensed, threshold)))


@pytest.mark.parametrize("seed", range(6))
def test_pole_distances_match_scipy(seed):
    """Poles of an order sweep: five modes (two 2 % apart) with scattered frequencies and perturbed shapes, plus
    spurious poles anywhere, on the distance ``|Δf|/max(f) + (1 − MAC)`` that the mode selection cuts at 0.04."""
    rng = np.random.default_rng(seed)
    modes_hz = np.array([1.1, 2.31, 2.36, 6.0, 10.6])
    mode_shapes = rng.standard_normal((8, modes_hz.size))
    f, shapes = [], []
    for _order in range(40):
        for j, f0 in enumerate(modes_hz):
            if rng.random() < 0.85:
                f.append(f0 * (1 + 0.002 * rng.standard_normal()))
                shapes.append(mode_shapes[:, j] + 0.05 * rng.standard_normal(8) + 0.02j * rng.standard_normal(8))
        for _ in range(rng.integers(0, 3)):
            f.append(rng.uniform(0.5, 12.0))
            shapes.append(rng.standard_normal(8) + 1j * rng.standard_normal(8))
    f, shapes = np.array(f), np.array(shapes).T
    dist = np.abs(f[:, None] - f[None, :]) / np.maximum(f[:, None], f[None, :]) + 1.0 - mac(shapes, shapes)
    condensed = np.maximum(dist[np.triu_indices(f.size, 1)], 0.0)
    for threshold in (0.01, 0.04, 0.1, 0.3):
        ours = average_linkage_clusters(condensed, threshold)
        np.testing.assert_array_equal(_partition(ours), _partition(_scipy_clusters(condensed, threshold)))
    assert average_linkage_clusters(condensed, 0.04).max() >= modes_hz.size


def test_no_or_one_point():
    assert average_linkage_clusters(np.zeros(0), 0.1).tolist() == [1]
    assert average_linkage_clusters(np.zeros(0), 0.1, n_points=1).tolist() == [1]
    assert average_linkage_clusters(np.zeros(0), 0.1, n_points=0).shape == (0,)


@pytest.mark.parametrize("condensed, threshold, n_points, message", [
    (np.zeros(2), 0.1, None, "n \\(n - 1\\) / 2"),
    (np.zeros((2, 2)), 0.1, None, "1-D"),
    (np.array([0.1, np.nan, 0.2]), 0.1, None, "finite"),
    (np.array([0.1, np.inf, 0.2]), 0.1, None, "finite"),
    (np.zeros(3), np.nan, None, "threshold"),
    (np.zeros(3), 0.1, 4, "n_points"),
])
def test_bad_input(condensed, threshold, n_points, message):
    with pytest.raises(ValueError, match=message):
        average_linkage_clusters(condensed, threshold, n_points=n_points)


def test_stabilization_does_not_import_scipy():
    code = "import dsp.stabilization, sys; print('scipy' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
