"""Accuracy and time of multi-setup merging, PoSER vs PreGER, on simulated roving tests with known global modes.

The test: the deck of :func:`dsp.simulate_roving.roving_deck` (14 vertical sensors on both edges of 7 sections,
bending 2.20 / 8.10 / 17.6 Hz, torsion 3.45 / 10.6 Hz), 3 references (both edges of section 2, left edge of
section 5), 3 setups of 10, 15 and 8 minutes at 50 Hz, 5 % sensor noise. Two excitations:

* ``level``: the setups differ in excitation level only (1 : 3 : 0.5), the case PreGER's scalar scaling assumes;
* ``spectrum``: each mode's force also changes between setups (random factors 0.5…2 per mode and setup), as when
  the traffic or the wind changes between records.

PoSER: SSI-COV (block rows 50, orders 2…60) and automated selection per setup, then :func:`merge_poser`.
PreGER: :func:`merge_preger` with the same settings, rescaling through the observability matrices (default) and
through the correlations. Prints, per seed and mode, the frequency error (%) and the MAC to the true global shape
(on the points where the shape is known) of each method, and the time of each method::

    .venv/bin/python benchmarks/bench_multisetup.py [--seeds 1 2 3 4 5] [--excitation level spectrum]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from dsp.modal import mac
from dsp.multisetup import merge_poser, merge_preger
from dsp.simulate_roving import roving_deck, simulate_roving_test
from dsp.ssi import ssi_cov
from dsp.stabilization import SelectionSettings, select_modes

FS_HZ, BLOCK_ROWS, ORDERS = 50.0, 50, range(2, 61, 2)
DURATIONS_S = (600.0, 900.0, 480.0)


def poser(test):
    modes = []
    for s, y in enumerate(test.records):
        diagram = ssi_cov(y, FS_HZ, block_rows=BLOCK_ROWS, orders=ORDERS,
                          reference_channels=test.layout.reference_channels(s))
        modes.append(select_modes(diagram, SelectionSettings(fmin_hz=1, fmax_hz=24,
                                                             record_duration_s=y.shape[0] / FS_HZ)))
    return merge_poser(modes, test.layout)


def preger(test, rescaling="observability"):
    return merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS, rescaling=rescaling,
                        selection=SelectionSettings(fmin_hz=1, fmax_hz=24, record_duration_s=min(DURATIONS_S)))


METHODS = {"PoSER": poser, "PreGER obs": preger, "PreGER corr": lambda test: preger(test, "correlations")}


def score(result, model):
    """Per true mode: (frequency error %, MAC on the measured points, setups) of the nearest mode within 3 %."""
    rows = []
    for j, f in enumerate(model.natural_frequencies_hz):
        near = [m for m in result.modes if abs(m.frequency_hz / f - 1) < 0.03]
        if not near:
            rows.append(None)
            continue
        m = min(near, key=lambda m: abs(m.frequency_hz - f))
        ok = np.isfinite(m.shape)
        rows.append((100 * (m.frequency_hz / f - 1), mac(m.shape[ok], model.mode_shapes[ok, j]), m.setups))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--excitation", nargs="+", choices=("level", "spectrum"), default=["level", "spectrum"])
    args = parser.parse_args()
    model, names, setups = roving_deck()
    for excitation in args.excitation:
        print(f"\n== excitation: {excitation} ==")
        print(f"{'seed':>4} {'f_true':>6} | " + " | ".join(f"{name:>11} df%    MAC" for name in METHODS))
        worst = {name: [0.0, 1.0, 0] for name in METHODS}
        times = {name: [] for name in METHODS}
        for seed in args.seeds:
            rng = np.random.default_rng(1000 + seed)
            levels = np.array([1.0, 3.0, 0.5])
            if excitation == "spectrum":
                levels = levels[:, None] * np.exp(rng.uniform(np.log(0.5), np.log(2.0), (3, model.n_modes)))
            test = simulate_roving_test(model, setups, FS_HZ, DURATIONS_S, excitation_levels=levels,
                                        point_names=names, seed=seed)
            scored = {}
            for name, run in METHODS.items():
                t0 = time.perf_counter()
                scored[name] = score(run(test), model)
                times[name].append(time.perf_counter() - t0)
            for j, f in enumerate(model.natural_frequencies_hz):
                cells = []
                for name in METHODS:
                    row = scored[name][j]
                    if row is None:
                        worst[name][2] += 1
                        cells.append(f"{'missed':>15} {'':>6}")
                        continue
                    worst[name][:2] = [max(worst[name][0], abs(row[0])), min(worst[name][1], row[1])]
                    partial = "" if len(row[2]) == len(setups) else "*"
                    cells.append(f"{row[0]:>+15.3f} {row[1]:>6.4f}{partial}")
                print(f"{seed:>4} {f:>6.2f} | " + " | ".join(cells))
        print("(* a PoSER mode missing in some setup: MAC over the points known)")
        for name in METHODS:
            print(f"{name:>11}: worst |df| {worst[name][0]:.3f} %, worst MAC {worst[name][1]:.4f}, missed "
                  f"{worst[name][2]}, time {np.median(times[name]):.2f} s per test (median)")


if __name__ == "__main__":
    main()
