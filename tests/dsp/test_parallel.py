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
