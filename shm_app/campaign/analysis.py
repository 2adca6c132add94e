"""Campaign analysis: order the recordings, establish reference tracks on the baseline, track the modes, fit the
environmental compensation on the baseline only (regression on covariates with a frost hinge, or PCA without
covariates), compute the Hotelling T² novelty index with its control limit, apply the k-of-m alarm rule and
measure which tracks moved. :func:`analyse` works on per-recording identification results, :func:`analyse_table`
on a frequency table, :func:`run_campaign` does the whole campaign from inputs.

The numerics live in :mod:`dsp.tracking`, :mod:`dsp.compensation` and :mod:`dsp.novelty`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from dsp.compensation import MeanModel, PCAModel, RegressionModel, fit_mean, fit_pca, fit_regression
from dsp.novelty import alarm_rule, fit_novelty, hotelling_t2, track_shifts
from dsp.progress import CancelToken, ProgressFn, report
from dsp.tracking import ModeSet, ReferenceTracks, establish_tracks, track_modes
from shm_app.campaign.discovery import discover
from shm_app.campaign.model import CampaignResult, Track
from shm_app.campaign.settings import DEFAULT_BASELINE_FRACTION, MIN_BASELINE, CampaignSettings
from shm_app.campaign.tasks import RecordingModes, identify_recordings
from shm_app.errors import SettingsError, ShmError
from shm_app.io.environment import EnvironmentLog
from shm_app.recording import start_from_filename


def _order(starts: Sequence[Optional[datetime]], files: Sequence[str]) -> np.ndarray:
    keys = [(s is None, s or datetime.min, Path(f).name) for s, f in zip(starts, files)]
    return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=int)


def _baseline_mask(starts: Sequence[Optional[datetime]], usable: np.ndarray, settings: CampaignSettings) -> np.ndarray:
    n = len(starts)
    if settings.baseline_until is not None:
        if any(s is None for s in starts):
            raise SettingsError("--baseline-until needs every recording's start time; use --baseline N instead")
        mask = np.array([s <= settings.baseline_until for s in starts])
    else:
        count = settings.baseline_count
        if count is None:
            count = max(MIN_BASELINE, int(round(DEFAULT_BASELINE_FRACTION * n)))
        if count >= n:
            raise SettingsError(f"the baseline of {count} recordings leaves none of the {n} to monitor; "
                                f"give a smaller --baseline")
        mask = np.arange(n) < count
    return mask & usable


def _hinge_column(names: Sequence[str], settings: CampaignSettings) -> Optional[int]:
    if not settings.frost_hinge:
        return None
    return next((k for k, nm in enumerate(names) if "temp" in nm.lower()), None)


def _baseline_std(r_base: np.ndarray, n_parameters: int) -> np.ndarray:
    """Standard deviation of each track's baseline residuals, corrected for the fitted parameters; NaN when empty."""
    out = np.full(r_base.shape[1], np.nan)
    for j in range(r_base.shape[1]):
        v = r_base[np.isfinite(r_base[:, j]), j]
        if v.size > 1:
            out[j] = np.sqrt(np.sum((v - v.mean()) ** 2) / max(v.size - max(1, n_parameters), 1))
    return out


def _fit_model(f, cov, base, names, kind: str, settings: CampaignSettings):
    """(model, ddof, predicted) of one compensation kind on the given tracks."""
    if kind == "regression":
        model = fit_regression(f[base], cov[base], covariate_names=names, hinge_column=_hinge_column(names, settings))
        return model, model.n_parameters - 1, model.predict(cov)
    model = fit_pca(f[base]) if kind == "pca" else fit_mean(f[base])
    return model, 0, model.predict(f)


def _fit_models(f, cov, base, names, kind: str, settings: CampaignSettings, ids, warnings: list):
    """Fit compensation and novelty on the baseline. A track found in too few baseline recordings for the fit is
    left out of the index (still tracked and reported, with a warning) rather than stopping the campaign."""
    p = f.shape[1]
    watched = np.ones(p, dtype=bool)
    while True:
        cols = np.flatnonzero(watched)
        try:
            model, ddof, pred = _fit_model(f[:, cols], cov, base, names, kind, settings)
            features = model.novelty_features(f[:, cols], cov)
            nov_model = fit_novelty(features[base], settings.novelty, ddof=ddof)
            break
        except ValueError as exc:
            counts = np.sum(np.isfinite(f[np.ix_(base, cols)]), axis=0)
            if cols.size <= (2 if kind == "pca" else 1):
                raise SettingsError(f"baseline: {exc}") from exc
            drop = cols[cols.size - 1 - int(np.argmin(counts[::-1]))]  # the sparsest; on a tie the highest
            watched[drop] = False
            warnings.append(f"{ids[drop]}: found in {counts.min()} baseline recordings, too few to learn its "
                            f"variability next to {cols.size - 1} other tracks; tracked, but left out of the novelty "
                            f"index")
    predicted = np.full(f.shape, np.nan)
    predicted[:, cols] = pred
    if isinstance(model, RegressionModel) and cols.size < p:  # full width: NaN for tracks left out
        full = {}
        for name in ("coefficients", "residual_std", "n_baseline"):
            a = getattr(model, name)
            b = np.full(a.shape[:-1] + (p,), np.nan if a.dtype.kind == "f" else 0, dtype=a.dtype)
            b[..., cols] = a
            full[name] = b
        model = replace(model, **full)
    if isinstance(model, PCAModel):
        warnings.append(f"PCA compensation removed {model.n_major} of {cols.size} components; a uniform drop of all "
                        f"frequencies is only {100 * model.visible_fraction(np.ones(cols.size)):.0f} % visible to it"
                        + ("" if names else " — give --env for a reliable alarm"))
    elif isinstance(model, MeanModel):
        warnings.append("no environmental compensation: temperature changes raise alarms too")
    return model, predicted, features, nov_model, watched


def _assess(files, starts, errors, frequencies, damping, reference: ReferenceTracks, ids, settings: CampaignSettings,
            env: Optional[EnvironmentLog], channels=None, warnings=()) -> CampaignResult:
    """Compensation, novelty, alarms and moved tracks on tracked frequencies already sorted by start."""
    warnings = list(warnings)
    n, p = frequencies.shape
    usable = np.array([e is None for e in errors]) & np.any(np.isfinite(frequencies), axis=1)
    base = _baseline_mask(starts, usable, settings)
    if env is not None:
        if any(s is None for s in starts):
            raise SettingsError("--env needs every recording's start time (metadata or a stamp in the file name)")
        cov = env.interpolate(starts)
        names = env.names
        outside = int(np.sum(~np.all(np.isfinite(cov), axis=1)))
        if outside:
            warnings.append(f"{outside} of {n} recordings fall outside the environment log (or in a gap of it): "
                            f"no covariates, so no novelty verdict for them")
        if not np.any(base & np.all(np.isfinite(cov), axis=1)):
            raise SettingsError(f"{env.source}: the environment log does not cover the baseline recordings")
    else:
        cov = np.zeros((n, 0))
        names = ()
    n_base = int(base.sum())
    if n_base < MIN_BASELINE:
        raise SettingsError(f"the baseline holds {n_base} usable recordings; at least {MIN_BASELINE} are needed "
                            f"(give a longer --baseline)")
    kind = settings.compensation
    if kind == "auto":
        kind = "regression" if names else "pca"
    if kind == "regression" and not names:
        raise SettingsError("regression compensation needs covariates: give --env ENV.csv")
    model, predicted, features, nov_model, watched = _fit_models(frequencies, cov, base, names, kind, settings, ids,
                                                                 warnings)
    residuals = (frequencies - predicted) / predicted
    t2, limit, _ = hotelling_t2(nov_model, features)
    exceed = np.where(np.isfinite(t2), t2 > limit, False)
    monitored = ~_baseline_mask(starts, np.ones(n, bool), settings) if n_base else np.ones(n, bool)
    alarm = alarm_rule(exceed & monitored, settings.novelty.alarm_k, settings.novelty.alarm_m) & monitored
    first = int(np.flatnonzero(alarm)[0]) if alarm.any() else None
    residual_std = _baseline_std(residuals[base], model.n_parameters)
    shifts = track_shifts(residuals[first:][monitored[first:]], residual_std) if first is not None else (None,) * p
    tracks = tuple(Track(id=ids[j], reference_frequency_hz=float(reference.frequencies_hz[j]),
                         reference_shape=None if reference.shapes is None else reference.shapes[:, j],
                         presence=float(reference.presence[j]), shift=shifts[j], watched=bool(watched[j]))
                   for j in range(p))
    return CampaignResult(files=tuple(files), starts=tuple(starts), errors=tuple(errors), covariate_names=tuple(names),
                          covariates=cov, frequencies_hz=frequencies, damping_ratios=damping, predicted_hz=predicted,
                          residuals=residuals, novelty=t2, limit=limit, exceed=exceed, alarm=alarm, baseline=base,
                          tracks=tracks, compensation=model, novelty_model=nov_model, residual_std=residual_std,
                          first_alarm_index=first, settings=settings, watched=watched, warnings=tuple(warnings),
                          channels=channels)


def analyse(results: Sequence[RecordingModes], settings: CampaignSettings = CampaignSettings(),
            env: Optional[EnvironmentLog] = None) -> CampaignResult:
    """Tracking, compensation, novelty and alarms on per-recording identification results (any order)."""
    if not results:
        raise ShmError("no recordings to analyse")
    order = _order([r.start for r in results], [r.file for r in results])
    res = [results[i] for i in order]
    ok = [r for r in res if r.error is None]
    if not ok:
        raise ShmError(f"no recording could be identified; first error: {res[0].file}: {res[0].error}")
    layouts = [r.channels for r in ok]
    channels = max(set(layouts), key=layouts.count)  # the campaign's channel layout: the most common one
    res = [r if r.error is not None or r.channels == channels else
           replace(r, error=f"channels {', '.join(r.channels)} differ from the campaign's {', '.join(channels)}; "
                            f"select common channels with --channels") for r in res]
    warnings = [f"{Path(r.file).name}: {r.error}" for r in res if r.error is not None]
    sets = [ModeSet(r.frequencies_hz, r.shapes, r.damping_ratios, r.n_poles) if r.error is None
            else ModeSet(np.zeros(0)) for r in res]
    usable = np.array([r.error is None for r in res])
    base = _baseline_mask([r.start for r in res], usable, settings)
    try:
        reference = establish_tracks([s for s, b in zip(sets, base) if b], settings.tracking)
    except ValueError as exc:
        raise SettingsError(f"baseline: {exc}") from exc
    tracked = track_modes(sets, reference, settings.tracking)
    ids = tuple(f"M{k + 1}" for k in range(reference.n_tracks))
    return _assess([r.file for r in res], [r.start for r in res], [r.error for r in res], tracked.frequencies_hz,
                   tracked.damping_ratios, reference, ids, settings, env, channels=channels, warnings=warnings)


def analyse_table(starts: Sequence[datetime], frequencies_hz, track_ids: Sequence[str],
                  settings: CampaignSettings = CampaignSettings(), env: Optional[EnvironmentLog] = None,
                  source: str = "frequencies") -> CampaignResult:
    """Compensation, novelty and alarms on a frequency table (one column per mode, already tracked elsewhere)."""
    f = np.asarray(frequencies_hz, dtype=float)
    order = _order(list(starts), [source] * len(starts))
    f = f[order]
    st = [starts[i] for i in order]
    n_base = int(_baseline_mask(st, np.ones(len(st), bool), settings).sum())
    ref = ReferenceTracks(frequencies_hz=np.nanmedian(f[:n_base], axis=0), shapes=None,
                          presence=np.mean(np.isfinite(f[:n_base]), axis=0))
    return _assess([source] * len(st), st, [None] * len(st), f, np.full_like(f, np.nan), ref, tuple(track_ids),
                   settings, env)


def run_campaign(inputs: Sequence[Union[str, Path]], settings: CampaignSettings = CampaignSettings(), *,
                 env: Optional[EnvironmentLog] = None, progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None) -> CampaignResult:
    """The whole campaign from inputs (files, folders, globs): discovery, identification, analysis."""
    paths = discover(inputs)
    paths.sort(key=lambda q: (start_from_filename(q) is None, start_from_filename(q) or datetime.min, q.name))

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.97 * fraction, message)

    results = identify_recordings(paths, settings, progress=sub, cancel=cancel)
    report(progress, cancel, 0.97, "tracking, compensation and novelty")
    result = analyse(results, settings, env)
    report(progress, cancel, 1.0, "done")
    return result
