"""Calibration and cost of the statistical uncertainty of SSI-COV (and FDD) modal estimates.

(a) Calibration table: independent simulated records of a 3-mode structure (exact discretisation, 10 % noise);
for each mode, f and ζ: true value, mean estimate, empirical std over the records, mean reported σ, their ratio,
and the fraction of records whose ±1.96σ interval covers the truth. SSI-COV with 15 block rows (the Ritz basis
covers the 60-row matrix: the exact computation) and with 50 (200 rows, 80 in the basis: the approximated rest).
(b) Time of ``ssi_cov`` with and without ``uncertainty`` on a 1-hour, 12-channel, 100 Hz deck record after the
app's decimation (``--fmax`` Hz, 12 by default → ×3, 33.3 Hz, 67 block rows; the CLI's default 20 Hz → ×2, 50 Hz,
100 block rows, a 1200 × 1200 block Toeplitz matrix), orders 2…80, one BLAS thread as the CLI runs, and of the whole
in-process job (decimation + SSI-COV + selection); with the default uncertainty (Ritz basis of the range finder)
and the reference one (``method="exact"``, the full eigenbasis of H Hᵀ).
(c) Agreement of the two on that record: for each true mode, the largest relative difference of σ_f and σ_ζ over
the poles of every order; over all poles (spurious ones too), the median, 90th percentile and largest.

    .venv/bin/python benchmarks/bench_uncertainty.py [--records 100] [--repeat 3] [--fmax 12]
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from dsp import preprocess, ssi_uncertainty  # noqa: E402
from dsp.fd_uncertainty import frequency_domain_sigmas  # noqa: E402
from dsp.fdd import fdd_from_spectrum  # noqa: E402
from dsp.peak_picking import PeakSettings  # noqa: E402
from dsp.simulate import ModalModel, bridge_deck_model, simulate_ambient  # noqa: E402
from dsp.spectral import csd_matrix, singular_value_spectrum  # noqa: E402
from dsp.ssi import default_block_rows, poles_from_observability, segment_correlations, ssi_cov  # noqa: E402
from dsp.stabilization import SelectionSettings, StabilizationCriteria, select_modes  # noqa: E402

MODEL = ModalModel([1.0, 2.5, 4.2], [0.01, 0.015, 0.02],
                   np.array([[1, 1, 1], [0.8, -0.2, -1], [0.4, -1, 0.7], [0.1, -0.6, 0.9]]))
FS_HZ, DURATION_S = 12.0, 3000.0


def calibration(n_records: int) -> None:
    rows = {"ssi-cov": [], "ssi i=50": [], "fdd": []}
    for seed in range(n_records):
        y = simulate_ambient(MODEL, FS_HZ, DURATION_S, noise_ratio=0.1, seed=seed).acceleration
        selection = SelectionSettings(fmin_hz=0.5, fmax_hz=5.5, record_duration_s=DURATION_S)
        ssi_modes = select_modes(ssi_cov(y, FS_HZ, block_rows=15, orders=range(2, 31, 2), uncertainty=True),
                                 selection)
        # 50 block rows: a 200-row block Toeplitz matrix of which the Ritz basis holds 80 (the truncated path)
        ssi50_modes = select_modes(ssi_cov(y, FS_HZ, block_rows=50, orders=range(2, 31, 2), uncertainty=True),
                                   selection)
        fdd_modes = fdd_from_spectrum(singular_value_spectrum(csd_matrix(y, FS_HZ, nperseg=600)),
                                      PeakSettings(fmin_hz=0.5, fmax_hz=5.5)).modes
        fdd_modes = frequency_domain_sigmas(y, FS_HZ, fdd_modes, method="fdd", nperseg=600)
        for key, modes in (("ssi-cov", ssi_modes), ("ssi i=50", ssi50_modes), ("fdd", fdd_modes)):
            row = []
            for f0 in MODEL.natural_frequencies_hz:
                near = [m for m in modes if abs(m.frequency_hz / f0 - 1) < 0.03]
                m = min(near, key=lambda m: abs(m.frequency_hz - f0)) if near else None
                row.append((np.nan,) * 4 if m is None else
                           (m.frequency_hz, m.frequency_sigma_hz or np.nan, m.damping_ratio, m.damping_sigma or np.nan))
            rows[key].append(row)
    print(f"(a) calibration: {n_records} records of {DURATION_S:g} s at {FS_HZ:g} Hz, 4 channels, 10 % noise")
    print(f"{'method':<8}{'mode':>5} {'param':<6}{'true':>9}{'mean est':>11}{'emp std':>10}{'mean σ':>10}"
          f"{'σ/std':>7}{'cover95':>9}{'found':>7}")
    for key, r in rows.items():
        a = np.array(r)
        for j in range(MODEL.n_modes):
            for k, (name, true) in enumerate((("f Hz", MODEL.natural_frequencies_hz[j]),
                                              ("ζ", MODEL.damping_ratios[j]))):
                est, sig = a[:, j, 2 * k], a[:, j, 2 * k + 1]
                ok = np.isfinite(est) & np.isfinite(sig)
                if ok.sum() < 3:
                    print(f"{key:<8}{j:>5} {name:<6}{true:9.4f}   no σ (not estimated by this method)")
                    continue
                std, mean_sig = est[ok].std(ddof=1), sig[ok].mean()
                cover = np.mean(np.abs(est[ok] - true) <= 1.96 * sig[ok])
                print(f"{key:<8}{j:>5} {name:<6}{true:9.4f}{est[ok].mean():11.5f}{std:10.2e}{mean_sig:10.2e}"
                      f"{mean_sig / std:7.2f}{cover:9.2f}{ok.sum():7d}")


def timing(repeat: int, fmax_hz: float) -> None:
    model, _ = bridge_deck_model(n_sections=6)
    raw = simulate_ambient(model, 100.0, 3600.0, noise_ratio=0.1, seed=0).acceleration
    q = preprocess.decimation_factor_for(100.0, fmax_hz)
    fs = 100.0 / q
    i = default_block_rows(fs, 0.5, raw.shape[1])
    orders = range(2, 81, 2)
    default_method = ssi_uncertainty.PoleUncertainty

    def job(method="leading", **kw):
        ssi_uncertainty.PoleUncertainty = functools.partial(default_method, method=method)  # what ssi_cov imports
        try:
            y = preprocess.decimate(raw, 100.0, q, method="fft", detrend="linear").data
            t0 = time.perf_counter()
            d = ssi_cov(y, fs, block_rows=i, orders=orders, **kw)
            t1 = time.perf_counter()
            select_modes(d, SelectionSettings(fmin_hz=0.5, fmax_hz=fmax_hz, record_duration_s=3600.0))
        finally:
            ssi_uncertainty.PoleUncertainty = default_method
        return t1 - t0

    variants = {"plain": {}, "σ, 20 blocks": dict(uncertainty=True),
                "σ exact, 20": dict(uncertainty=True, method="exact"),
                "σ, 30 blocks": dict(uncertainty=True, n_blocks=30)}
    best = {k: [np.inf, np.inf] for k in variants}
    for _ in range(repeat + 1):  # interleaved rounds, first one a warm-up (best of the rest counts)
        for name, kw in variants.items():
            t0 = time.perf_counter()
            s = job(**kw)
            whole = time.perf_counter() - t0
            best[name] = [min(best[name][0], s), min(best[name][1], whole)]
    print(f"\n(b) 1 h, 12 channels, 100 Hz → ×{q} = {fs:.1f} Hz, {i} block rows ({12 * i} rows), orders 2…80; best "
          f"of {repeat}, 1 BLAS thread, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'variant':<14}{'ssi_cov s':>10}{'× plain':>9}{'job s':>8}{'× plain':>9}   (job = decimation+SSI+selection)")
    for name, (s, whole) in best.items():
        print(f"{name:<14}{s:10.3f}{s / best['plain'][0]:9.2f}{whole:8.3f}{whole / best['plain'][1]:9.2f}")
    agreement(preprocess.decimate(raw, 100.0, q, method="fft", detrend="linear").data, fs, i, list(orders), model)


def agreement(y: np.ndarray, fs: float, i: int, orders: list, model) -> None:
    corr, per = segment_correlations(y, 2 * i - 1, range(y.shape[1]), 20, mean=y.mean(axis=0))
    diagrams = {}
    for method in ("exact", "leading"):
        pu = ssi_uncertainty.PoleUncertainty(corr, per, i, orders[-1], fs, method=method)
        diagrams[method] = poles_from_observability(pu.observability, y.shape[1], fs, orders, StabilizationCriteria(),
                                                    uncertainty=pu)
    ex, fast = diagrams["exact"], diagrams["leading"]
    print(f"\n(c) σ by the Ritz basis / σ by the full eigenbasis − 1, same record ({len(ex.orders)} poles)")
    for f0 in model.natural_frequencies_hz:
        rows = []
        for o in orders:
            ke = np.flatnonzero((ex.orders == o) & (np.abs(ex.frequencies_hz / f0 - 1) < 0.01))
            kf = np.flatnonzero((fast.orders == o) & (np.abs(fast.frequencies_hz / f0 - 1) < 0.01))
            if len(ke) == len(kf) == 1:
                rows.append((fast.frequency_sigma_hz[kf[0]] / ex.frequency_sigma_hz[ke[0]] - 1,
                             fast.damping_sigma[kf[0]] / ex.damping_sigma[ke[0]] - 1))
        e = np.abs(np.array(rows))
        print(f"  mode {f0:6.3f} Hz: {len(e):3d} orders, largest |Δσ_f|/σ_f {e[:, 0].max():.2%}, "
              f"|Δσ_ζ|/σ_ζ {e[:, 1].max():.2%}")
    if len(ex.orders) == len(fast.orders):
        every = np.abs(np.concatenate([fast.frequency_sigma_hz / ex.frequency_sigma_hz,
                                       fast.damping_sigma / ex.damping_sigma]) - 1)
        print(f"  all poles, σ_f and σ_ζ: median {np.median(every):.2%}, 90th percentile "
              f"{np.percentile(every, 90):.2%}, largest {every.max():.2%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fmax", type=float, default=12.0, help="Hz; the CLI's default is 20")
    args = ap.parse_args()
    if args.records:
        calibration(args.records)
    timing(args.repeat, args.fmax)
    return 0


if __name__ == "__main__":
    sys.exit(main())
