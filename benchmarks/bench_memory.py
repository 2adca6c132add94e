"""Peak memory of modal identification against the record's size, and against koma-python and pyOMA2 on the same
array, all in this process (tracemalloc counts every numpy buffer; interpreter and library code are not counted).

    python benchmarks/bench_memory.py [--hours 4] [--channels 16] [--fs 50]

The record is a simulated bridge deck (dsp.simulate, 10 % noise) held in memory as the loggers' data would be;
each tool gets the same float64 array. Printed per tool: peak bytes allocated while it runs beyond the array
itself, that peak as a multiple of the array, and the ratio to shm-app's SSI-COV.

* shm-app: :func:`shm_app.identification.identify` with each method and the app's defaults (spectrum for plots
  included, as the GUI runs it).
* koma-python: ``koma.oma.covssi(data, fs, 40, range(2, 82, 2))``.
* pyOMA2: ``SSI(method="cov", br=40, ordmax=80)`` on a ``SingleSetup``.

A peer that is not installed is reported as skipped (install them as ``benchmarks/bench_identify.py`` says).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dsp.simulate import bridge_deck_model, simulate_ambient  # noqa: E402
from shm_app.identification import IdentificationSettings, identify, method_names  # noqa: E402
from shm_app.recording import Channel, Recording  # noqa: E402


def peak_bytes(job: Callable[[], object]) -> tuple[int, float]:
    """Peak traced allocation while ``job`` runs (beyond what was allocated before) and its wall time."""
    job()  # warm-up: imports and caches are not the job's memory
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t = time.perf_counter()
    job()
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--fs", type=float, default=50.0, help="sampling rate, Hz (default 50: no decimation)")
    args = ap.parse_args()
    model, sensors = bridge_deck_model(n_sections=args.channels // 2)
    data = simulate_ambient(model, args.fs, args.hours * 3600.0, noise_ratio=0.1, seed=0).acceleration
    rec = Recording(data, args.fs, tuple(Channel(s[0]) for s in sensors), source="deck")
    size = data.nbytes
    print(f"record: {args.hours:g} h, {args.channels} channels, {args.fs:g} Hz = {size / 2**20:.0f} MiB of float64")

    jobs: list[tuple[str, Callable[[], object]]] = [
        (f"shm-app {m}", lambda m=m: identify(rec, IdentificationSettings(method=m))) for m in method_names()]
    try:
        import koma.oma

        jobs.append(("koma covssi", lambda: koma.oma.covssi(data, args.fs, 40, list(range(2, 82, 2)),
                                                            showinfo=False)))
    except ImportError:
        print("koma-python: not installed, skipped")
    try:
        from pyoma2.algorithms import SSI
        from pyoma2.setup import SingleSetup

        logging.disable(logging.INFO)

        def pyoma_job():
            setup = SingleSetup(data, fs=args.fs)
            setup.add_algorithms(SSI(name="SSIcov", br=40, ordmax=80, step=2, method="cov"))
            setup.run_by_name("SSIcov")

        jobs.append(("pyOMA2 SSIcov", pyoma_job))
    except ImportError:
        print("pyOMA2: not installed, skipped")

    print(f"{'tool':18s} {'peak MiB':>9s} {'x record':>9s} {'x ours':>7s} {'time s':>7s}")
    ours = None
    for name, job in jobs:
        peak, elapsed = peak_bytes(job)
        ours = peak if ours is None else ours  # the first job is shm-app ssi-cov
        print(f"{name:18s} {peak / 2**20:9.0f} {peak / size:9.2f} {peak / ours:7.2f} {elapsed:7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
