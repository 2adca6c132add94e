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

``--figure docs/multisetup.png`` instead draws the README's figure: the merged shapes of seed 2 (level
excitation) through the app's own pipeline (:func:`shm_app.identification.multisetup.identify_setups`, defaults) by
PoSER and PreGER against the truth, along both deck edges, and prints the MAC of each mode.
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


def figure(path: str) -> None:
    """The merged shapes of a simulated roving test by both methods (the app's pipeline) against the truth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from shm_app.identification.multisetup import MultiSetupSettings, identify_setups
    from shm_app.recording import Channel, Recording

    model, names, setups = roving_deck()
    test = simulate_roving_test(model, setups, FS_HZ, DURATIONS_S, excitation_levels=[1.0, 3.0, 0.5],
                                point_names=names, seed=2)
    recordings = [Recording(y, FS_HZ, tuple(Channel(names[p]) for p in points), source=f"setup{s + 1}.csv")
                  for s, (y, points) in enumerate(zip(test.records, test.layout.channel_points))]
    results = {merge: identify_setups(recordings, merge=MultiSetupSettings(merge=merge))
               for merge in ("poser", "preger")}
    n_sec = len(names) // 2
    x = np.arange(1, n_sec + 1)
    refs = {names[p] for p in test.layout.reference_points}
    fig, axes = plt.subplots(1, model.n_modes, figsize=(3.0 * model.n_modes, 3.2), sharey=True)
    styles = {"poser": dict(marker="o", ls="none", mfc="none", color="C0", label="PoSER"),
              "preger": dict(marker="x", ls="none", color="C3", label="PreGER")}
    for j, ax in enumerate(axes):
        truth = model.mode_shapes[:, j] / model.mode_shapes[np.argmax(np.abs(model.mode_shapes[:, j])), j]
        for edge, ls in (("L", "-"), ("R", "--")):
            rows = [names.index(f"A{k:02d}{edge}_z") for k in x]
            ax.plot(x, truth[rows], ls, color="0.6", lw=1.5, label=f"truth, {edge} edge" if j == 0 else None)
        title = [f"{model.natural_frequencies_hz[j]:.2f} Hz"]
        for merge, result in results.items():
            freqs = np.array([m.frequency_hz for m in result.modes])
            m = result.modes[int(np.argmin(np.abs(freqs - model.natural_frequencies_hz[j])))]
            order = [names.index(c) for c in result.channels]
            shape = np.full(len(names), np.nan, complex)
            shape[order] = m.shape
            shape = shape * np.sign(np.real(np.vdot(shape, truth)))  # the sign of the truth
            ax.plot(x, np.real(shape[[names.index(f"A{k:02d}L_z") for k in x]]), **styles[merge])
            ax.plot(x, np.real(shape[[names.index(f"A{k:02d}R_z") for k in x]]),
                    **{**styles[merge], "label": None})
            value = mac(shape, truth)
            title.append(f"{'PoSER' if merge == 'poser' else 'PreGER'} MAC {value:.4f}")
            print(f"{merge:>6} {model.natural_frequencies_hz[j]:6.2f} Hz: {m.frequency_hz:.4f} Hz, MAC {value:.5f}")
        ax.set_title("\n".join(title), fontsize=8)
        ax.set_xlabel("deck section")
        ax.axhline(0, color="0.85", lw=0.8)
        for k in x:
            if f"A{k:02d}L_z" in refs or f"A{k:02d}R_z" in refs:
                ax.axvline(k, color="C2", lw=0.6, alpha=0.4)
    axes[0].set_ylabel("mode shape (real part)")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Roving test of a 14-point deck: 3 setups of {', '.join(f'{d / 60:g}' for d in DURATIONS_S)} min, "
                 f"excitation 1 : 3 : 0.5, references (green) at sections 2 and 5", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--excitation", nargs="+", choices=("level", "spectrum"), default=["level", "spectrum"])
    parser.add_argument("--figure", metavar="PNG", help="draw the README figure instead")
    args = parser.parse_args()
    if args.figure:
        figure(args.figure)
        return
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
