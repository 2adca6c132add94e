"""Detection benchmark: novelty methods of :mod:`dsp.detection` on simulated monitoring campaigns with known damage.

    .venv/bin/python benchmarks/bench_detection.py [--seeds 3] [--alpha 0.01] [--methods pca,gmm,...]

Cases (every one simulated with :func:`dsp.simulate_campaign.simulate_frequency_campaign`):

* ``deck-*``: the project's 4-mode deck, a record every 3 h for two years, seasonal + daily temperature cycles,
  weather and a cold spell every winter (frost stiffening); baseline = the first year; damage from the middle of
  the second year on (July), so January–June of year 2 measure false alarms (a second winter, frost included).
  Damage: a uniform drop of all frequencies by 1 %, 3 % and 10 %, and a 3 % drop of mode 3 alone. Each method is
  run on the raw frequencies (no covariates) and on the relative residuals of the frost-hinge temperature
  regression (covariates), the route the app takes when a temperature log exists.
* ``cable-stayed``: shaped like a real cable-stayed bridge's hourly table: 4 modes near 0.4–1.1 Hz, hourly for
  120 days centred on midsummer (so the baseline, the first 60 days, spans the same temperatures as the rest), no
  covariates, nearly equal relative temperature sensitivities of the modes (a uniform drop then lies almost along
  the environmental direction: the former PCA sees 2–7 % of it), 0.4 % identification scatter, 5 % of modes
  missing; the last 24 hours drop every frequency by 13–16 %, outside the baseline's range.
* ``deck-3-month-baseline``: no damage, the deck campaign with only January–March as the baseline: the summer is
  outside the baseline's envelope, and the alarms it raises are the price of a baseline that misses seasons.

Printed per method and case: detection = share of damaged records over the limit (and share in alarm under the
2-of-3 rule), false alarms = share of undamaged monitored records over the limit (and in alarm), the first-alarm
delay in records and hours (median over seeds), summed over ``--seeds`` simulations; "drop seen" is the detector's
``detectable_uniform_drop`` (the smallest uniform drop of all frequencies flagged on 90 % of the baseline records;
'-' on regression residuals, where a drop is seen whole). ``app-pca`` is the app's
current path (dsp.compensation.fit_pca + dsp.novelty.fit_novelty + hotelling_t2), for reference.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from dsp.compensation import fit_pca, fit_regression  # noqa: E402
from dsp.detection import METHODS, detector_index, fit_detector  # noqa: E402
from dsp.novelty import NoveltySettings, alarm_rule, fit_novelty, hotelling_t2  # noqa: E402
from dsp.simulate_campaign import simulate_frequency_campaign  # noqa: E402

YEAR_3H = 2920
DECK_DAMAGE = {"deck-uniform-1%": 0.01, "deck-uniform-3%": 0.03, "deck-uniform-10%": 0.10,
               "deck-mode3-3%": (0.0, 0.0, 0.03, 0.0)}
CABLE_HZ = np.array([0.39, 0.58, 0.83, 1.06])


def deck_campaign(damage, seed: int):
    n = 2 * YEAR_3H
    return simulate_frequency_campaign(
        n, step_hours=3.0, damage_start=YEAR_3H + YEAR_3H // 2, damage=damage, scatter=0.002,
        missing_probability=0.01, seed=seed,
        temperature_options=dict(cold_spells=[(25, 8, 7.0), (365 + 30, 8, 7.0)])), YEAR_3H


def cable_campaign(seed: int):
    n = 120 * 24
    sim = simulate_frequency_campaign(
        n, step_hours=1.0, start_hour=24 * 137.6, damage_start=n - 24, damage=(0.13, 0.14, 0.15, 0.16),
        scatter=0.004, missing_probability=0.05, base_frequencies_hz=CABLE_HZ,
        sensitivity_per_c=np.array([-0.0008, -0.0007, -0.0008, -0.0006]), frost_per_c=np.zeros(4), seed=seed,
        temperature_options=dict(daily_amplitude_c=5.0))
    return sim, 60 * 24


def app_pca(f, base, alpha):
    """The app's current path without covariates (shm_app.campaign._fit_model with kind='pca')."""
    model = fit_pca(f[base])
    feats = model.novelty_features(f)
    nov = fit_novelty(feats[base], NoveltySettings(alpha=alpha))
    t2, limit, _ = hotelling_t2(nov, feats)
    return t2, limit


def score(method, features, base, alpha, ddof=0):
    """(index, limit, smallest uniform drop flagged on 90 % of the baseline records or NaN)."""
    if method == "app-pca":
        return (*app_pca(features, base, alpha), np.nan)
    det = fit_detector(features[base], method=method, alpha=alpha, ddof=ddof)
    index, limit, _ = detector_index(det, features)
    return index, limit, det.detectable_uniform_drop


def evaluate(index, limit, sim, n_base, step_hours):
    exceed = np.where(np.isfinite(index), index > limit, False)
    monitored = np.arange(exceed.size) >= n_base
    alarm = alarm_rule(exceed & monitored) & monitored
    damaged = sim.damaged & monitored
    healthy = monitored & ~sim.damaged
    first = np.flatnonzero(alarm & damaged)
    delay = (first[0] - sim.damage_start) if first.size else np.nan
    verdict = np.isfinite(index)
    return dict(det=exceed[damaged].sum(), det_alarm=alarm[damaged].sum(), n_dmg=damaged.sum(),
                fa=exceed[healthy].sum(), fa_alarm=alarm[healthy].sum(), n_ok=healthy.sum(),
                no_verdict=(~verdict & monitored).sum(), n_mon=monitored.sum(), delay=delay,
                delay_h=delay * step_hours)


def case_data(case, seed, covariates):
    """(campaign, baseline length, features, ddof) of one simulated case."""
    if case == "cable-stayed":
        sim, n_base = cable_campaign(seed)
    elif case == "deck-3-month-baseline":
        sim, _ = deck_campaign(0.0, seed)
        sim, n_base = replace(sim, damage_start=None), YEAR_3H // 4
    else:
        sim, n_base = deck_campaign(DECK_DAMAGE[case], seed)
    f, ddof = sim.frequencies_hz, 0
    if covariates:
        t = sim.temperature_c[:, None]
        reg = fit_regression(f[:n_base], t[:n_base], covariate_names=["temperature_c"])
        f, ddof = reg.residuals(f, t), reg.n_parameters - 1
    return sim, n_base, f, ddof


def run_case(case, methods, seeds, alpha, covariates):
    """Summed counts and median delays of every method over the seeds: {method: totals}."""
    rows = {m: [] for m in methods}
    for seed in seeds:
        sim, n_base, f, ddof = case_data(case, seed, covariates)
        base = np.arange(f.shape[0]) < n_base
        step = float(np.diff(sim.hours[:2])[0])
        for method in methods:
            index, limit, drop = score(method, f, base, alpha, ddof)
            rows[method].append(evaluate(index, limit, sim, n_base, step) | {"drop": drop})
    out = {}
    for method, rs in rows.items():
        tot = {k: sum(r[k] for r in rs) for k in ("det", "det_alarm", "n_dmg", "fa", "fa_alarm", "n_ok",
                                                  "no_verdict", "n_mon")}
        delays = np.array([r["delay"] for r in rs], dtype=float)
        tot["delay"] = float(np.median(delays[np.isfinite(delays)])) if np.isfinite(delays).any() else np.nan
        tot["delay_h"] = tot["delay"] * float(np.diff(sim.hours[:2])[0])
        tot["missed"] = sum(np.isnan(r["delay"]) for r in rs)
        tot["drop"] = float(np.median([r["drop"] for r in rs]))
        out[method] = tot
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="simulations per case (default 3)")
    ap.add_argument("--alpha", type=float, default=0.01, help="per-record false-exceedance rate (default 0.01)")
    ap.add_argument("--methods", default=",".join(("app-pca",) + METHODS), help="comma-separated methods")
    args = ap.parse_args()
    seeds = range(1, args.seeds + 1)
    methods = args.methods.split(",")
    cases = ([(c, False) for c in DECK_DAMAGE] + [(c, True) for c in DECK_DAMAGE] + [("cable-stayed", False)]
             + [("deck-3-month-baseline", False)])
    print(f"alpha = {args.alpha} per record, 2-of-3 alarm rule, {args.seeds} seeds per case; "
          f"det/FA = records over the limit (in alarm); delay = median first-alarm delay, records (hours)")
    print(f"{'case':<22}{'cov':<5}{'method':<18}{'detection %':>16}{'false alarm %':>17}{'no verdict %':>14}"
          f"{'delay rec (h)':>16}{'drop seen %':>13}")
    t0 = time.perf_counter()
    for case, cov in cases:
        results = run_case(case, [m for m in methods if not (cov and m == "app-pca")], seeds, args.alpha, cov)
        for method, r in results.items():
            det = f"{100 * r['det'] / r['n_dmg']:.1f} ({100 * r['det_alarm'] / r['n_dmg']:.1f})" if r["n_dmg"] else "-"
            fa = f"{100 * r['fa'] / r['n_ok']:.2f} ({100 * r['fa_alarm'] / r['n_ok']:.2f})"
            nv = f"{100 * r['no_verdict'] / r['n_mon']:.1f}"
            delay = "missed" if r["missed"] == args.seeds else f"{r['delay']:.0f} ({r['delay_h']:.0f})"
            if not r["n_dmg"]:
                delay = "-"
            if 0 < r["missed"] < args.seeds:
                delay += f" {r['missed']} missed"
            drop = "-" if np.isnan(r["drop"]) else f"{100 * r['drop']:.1f}"
            print(f"{case:<22}{'yes' if cov else 'no':<5}{method:<18}{det:>16}{fa:>17}{nv:>14}{delay:>16}{drop:>13}",
                  flush=True)
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
