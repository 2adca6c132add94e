"""CSV read speed: ``shm_app.io.read`` against ``numpy.loadtxt`` on a generated logger file (~50 MB).

    python benchmarks/bench_csv_read.py [--mb 50] [--repeat 3]

Prints MB/s for both and the ratio (> 1: the app's reader is faster). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shm_app import io  # noqa: E402


def make_file(path: Path, target_mb: float, n_channels: int = 12, fs_hz: float = 100.0) -> int:
    """A logger-style CSV: '# fs' preamble, header with units, time column, 6 significant digits."""
    rng = np.random.default_rng(0)
    row_bytes = 8 + n_channels * 13
    n = int(target_mb * 1e6 / row_bytes)
    t = np.arange(n) / fs_hz
    data = 0.01 * rng.standard_normal((n, n_channels))
    with open(path, "w") as fh:
        fh.write(f"# fs = {fs_hz:g}\n# start = 2026-03-01T03:00:00\n")
        fh.write(",".join(["time [s]"] + [f"A{j + 1:02d}_z [g]" for j in range(n_channels)]) + "\n")
        np.savetxt(fh, np.column_stack([t, data]), fmt=["%.2f"] + ["%.6e"] * n_channels, delimiter=",")
    return n


def make_stamped_file(path: Path, target_mb: float, n_channels: int = 8, fs_hz: float = 100.0) -> int:
    """A German-locale logger CSV: ';' delimiter, decimal comma, ISO stamps with milliseconds."""
    rng = np.random.default_rng(1)
    n = int(target_mb * 1e6 / (24 + n_channels * 10))
    stamps = np.datetime_as_string(np.datetime64("2026-03-01T03:00:00.000") + np.arange(n) * np.timedelta64(10, "ms"),
                                   unit="ms")
    data = np.round(0.01 * rng.standard_normal((n, n_channels)), 6)
    with open(path, "w") as fh:
        fh.write("Zeitstempel;" + ";".join(f"A{j + 1:02d} [g]" for j in range(n_channels)) + "\n")
        for k0 in range(0, n, 50000):
            fh.write("\n".join(st.replace("T", " ") + ";" + ";".join(f"{x:.6f}".replace(".", ",") for x in row)
                               for st, row in zip(stamps[k0:k0 + 50000], data[k0:k0 + 50000])) + "\n")
    return n


def best_of_interleaved(fns, repeat: int) -> list[float]:
    """Best time of each function, runs interleaved so a busy machine penalises both alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        n = make_file(path, args.mb)
        size_mb = path.stat().st_size / 1e6
        rec = io.read(path)
        ref = np.loadtxt(path, delimiter=",", skiprows=3)
        assert rec.n_samples == n and np.allclose(rec.data, ref[:, 1:] * 9.80665)
        t_app, t_np = best_of_interleaved([lambda: io.read(path),
                                           lambda: np.loadtxt(path, delimiter=",", skiprows=3)], args.repeat)
    print(f"file: {size_mb:.1f} MB, {n} rows x 13 columns (time + 12 channels)")
    print(f"shm_app.io.read : {t_app:6.2f} s  {size_mb / t_app:6.1f} MB/s  ({t_app / size_mb * 10:.2f} s per 10 MB, "
          f"includes unit conversion and checks)")
    print(f"numpy.loadtxt   : {t_np:6.2f} s  {size_mb / t_np:6.1f} MB/s")
    print(f"ratio (loadtxt time / app time): {t_np / t_app:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stamped.csv"
        make_stamped_file(path, args.mb / 2)
        size_mb = path.stat().st_size / 1e6
        (t_st,) = best_of_interleaved([lambda: io.read(path)], args.repeat)
    print(f"stamped ';' decimal-comma file, {size_mb:.1f} MB: {t_st:.2f} s, {size_mb / t_st:.1f} MB/s "
          f"(numpy.loadtxt cannot read it directly)")


if __name__ == "__main__":
    main()
