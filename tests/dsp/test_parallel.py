"""dsp.parallel: pieces run on worker threads give the numbers of one thread, in order, errors included."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from dsp import parallel, preprocess


@pytest.fixture
def two_workers():
    before = parallel.workers()
    parallel.set_workers(2)
    yield
    parallel.set_workers(before)


def test_chunks_cover_the_items_once_in_order(two_workers):
    assert parallel.chunks(12) == [range(0, 6), range(6, 12)]
    assert parallel.chunks(1) == [range(0, 1)]
    assert parallel.chunks(5, min_items=4) == [range(0, 5)]  # too few items to share
    parallel.set_workers(3)
    pieces = parallel.chunks(10)
    assert [i for p in pieces for i in p] == list(range(10)) and len(pieces) == 3


def test_map_ordered_runs_on_workers_and_keeps_the_order(two_workers):
    names = []

    def piece(k):
        names.append(threading.current_thread().name)
        return k * k

    assert parallel.run_all(piece, range(20)) == [k * k for k in range(20)]
    assert all(n.startswith("dsp") for n in names)


def test_a_nested_map_runs_in_its_piece_instead_of_waiting_for_a_worker(two_workers):
    def outer(k):
        return sum(parallel.run_all(lambda j: j + k, range(5)))

    assert parallel.run_all(outer, range(6)) == [sum(j + k for j in range(5)) for k in range(6)]


def test_an_error_in_a_piece_reaches_the_caller(two_workers):
    def piece(k):
        if k == 3:
            raise ValueError("piece 3")
        return k

    with pytest.raises(ValueError, match="piece 3"):
        parallel.run_all(piece, range(8))


def test_set_workers_refuses_zero_and_defaults_to_the_cores():
    before = parallel.workers()
    try:
        with pytest.raises(ValueError, match="at least 1"):
            parallel.set_workers(0)
        assert parallel.set_workers(None) == parallel.available_cores() >= 1
    finally:
        parallel.set_workers(before)


@pytest.mark.parametrize("detrend", [None, "linear"])
def test_fft_decimation_is_bit_for_bit_the_same_on_two_workers(detrend):
    x = np.random.default_rng(1).standard_normal((50_000, 7)) + np.linspace(0, 3, 50_000)[:, None]
    one = preprocess.decimate(x, 100.0, 3, method="fft", detrend=detrend).data
    before = parallel.workers()
    parallel.set_workers(2)
    try:
        two = preprocess.decimate(x, 100.0, 3, method="fft", detrend=detrend).data
    finally:
        parallel.set_workers(before)
    assert np.array_equal(one.view(np.uint64), two.view(np.uint64))


@pytest.mark.parametrize("uncertainty", [False, True])
def test_ssi_cov_is_bit_for_bit_the_same_on_two_workers(uncertainty):
    """Correlation block groups, uncertainty segments and model orders on two threads: the same diagram, to the
    last bit, as on one (the pieces are joined in their order whatever thread computed them)."""
    from dsp.simulate import bridge_deck_model, simulate_ambient
    from dsp.ssi import ssi_cov

    model, _ = bridge_deck_model(n_sections=3)
    y = simulate_ambient(model, 40.0, 900.0, noise_ratio=0.1, seed=4).acceleration
    before = parallel.workers()
    diagrams = []
    try:
        for w in (1, 2):
            parallel.set_workers(w)
            diagrams.append(ssi_cov(y, 40.0, block_rows=40, orders=range(2, 41, 2), uncertainty=uncertainty))
    finally:
        parallel.set_workers(before)
    one, two = diagrams
    fields = ["orders", "frequencies_hz", "damping_ratios", "shapes", "mpc"]
    fields += ["frequency_sigma_hz", "damping_sigma"] if uncertainty else []
    for name in fields:
        a, b = np.asarray(getattr(one, name)), np.asarray(getattr(two, name))
        assert a.shape == b.shape and np.array_equal(a, b), name


@pytest.mark.parametrize("group_elements", [3000, 20_000])  # groups of part of a segment, of whole segments
def test_correlations_over_many_block_groups_are_the_same_on_two_workers(group_elements):
    from dsp.ssi import output_correlations, segment_correlations

    y = np.random.default_rng(2).standard_normal((20_000, 4))
    before = parallel.workers()
    results = []
    try:
        for w in (1, 2):
            parallel.set_workers(w)
            whole = output_correlations(y, 30, [0, 2], block=256, group_elements=group_elements)
            seg = segment_correlations(y, 30, [0, 2], 9, group_elements=group_elements)
            results.append((whole, *seg))
    finally:
        parallel.set_workers(before)
    for a, b in zip(*results):
        assert np.array_equal(a, b)
    lagged = np.array([y[k:, :].T @ y[:y.shape[0] - k, [0, 2]] / (y.shape[0] - k) for k in range(31)])
    np.testing.assert_allclose(results[1][0], lagged, rtol=0, atol=1e-13)  # and exact: the lag-by-lag sums
