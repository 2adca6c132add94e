"""Memory of the shared reader steps on long records (benchmarks/bench_huge.py measures a 24-hour file): the scan
for NaN/Inf gaps goes through the record a block of rows at a time instead of building a mask of the whole record."""
from __future__ import annotations

import tracemalloc

import numpy as np

from shm_app.io._common import make_recording, nonfinite_columns, repair_gaps


def test_nonfinite_columns_across_block_boundaries():
    data = np.zeros((1000, 5))
    data[99, 1] = np.nan  # last row of the first block of 100
    data[100, 3] = np.inf  # first row of the second
    data[999, 4] = -np.inf  # the last row of all
    assert nonfinite_columns(data, block_rows=100).tolist() == [1, 3, 4]
    assert nonfinite_columns(np.ones((7, 3)), block_rows=2).size == 0


def test_gaps_are_bridged_exactly_as_before():
    """Linear interpolation between the neighbours (known answer), ends filled with the nearest value."""
    t = np.arange(200, dtype=float)
    data = np.column_stack([t, 2 * t, -t])
    data[50:53, 1] = np.nan  # 3 samples between 98 (row 49) and 106 (row 53)
    data[0, 2] = np.inf
    out, gaps = repair_gaps(data, 100.0, ["a", "b", "c"])
    assert np.array_equal(out[:, 1], 2 * t)  # 2t is linear: bridged exactly
    assert out[0, 2] == -1.0 and np.array_equal(out[1:, 2], -t[1:])
    assert np.array_equal(out[:, 0], t)
    assert gaps == [("b", 0.5, 0.03), ("c", 0.0, 0.01)]


def test_a_clean_record_is_checked_without_a_whole_record_mask():
    """Before: a boolean mask of the whole record, 1/8 of the float64 record (measured 7.6 MiB here)."""
    data = np.random.default_rng(0).standard_normal((2_000_000, 4))  # 64 MB
    tracemalloc.start()
    try:
        rec = make_recording("r.csv", data, fs_hz=100.0, names=["a", "b", "c", "d"], fmt="csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rec.data is data or np.shares_memory(rec.data, data)  # no copy of a clean float64 record
    assert peak < 0.02 * data.nbytes, f"{peak / 2**20:.1f} MiB traced"  # a few blocks of 65 536 rows: ~1 MB


def test_a_large_csv_is_parsed_into_the_recordings_array_directly(tmp_path):
    """The body goes from Arrow's batches into one C-ordered array the recording keeps: NumPy holds the samples
    once. Before: a Fortran-ordered copy of a whole Arrow table, then the C-ordered copy of it the recording
    needs (twice the samples in NumPy memory, 4.2 GB peak RSS for a 1.7 GB file of 1.3 GB of numbers)."""
    data = np.round(np.random.default_rng(1).standard_normal((300_000, 4)), 6)  # 9.6 MB of numbers
    path = tmp_path / "big.csv"
    with open(path, "w") as fh:
        fh.write("# fs = 100\na,b,c,d\n")
        np.savetxt(fh, data, fmt="%.6f", delimiter=",")
    from shm_app import io

    io.read(path)  # warm-up: the first read imports pyarrow, whose allocations are not the reader's
    tracemalloc.start()
    try:
        rec = io.read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(rec.data, data)  # %.6f of values rounded to 6 decimals: parsed back exactly
    assert rec.data.flags.c_contiguous
    # the samples once, a 1 MiB block of the line count, the head and the tail: 1.03 x here (before: 2.40 x)
    assert peak < 1.3 * data.nbytes, f"{peak / data.nbytes:.2f} x the samples traced"
