"""Campaign analysis: order the recordings, establish reference tracks on the baseline, track the modes, learn the
environment's effect on the baseline only — with covariates a regression (frost hinge included) whose residuals
get a Hotelling T² index; without, a novelty detector of the baseline's own envelope (:mod:`dsp.detection`, a
Gaussian mixture by default) — apply the k-of-m alarm rule to the exceedances and measure which tracks moved. :func:`analyse` works on per-recording identification results, :func:`analyse_table`
on a frequency table, :func:`run_campaign` does the whole campaign from inputs.

The numerics live in :mod:`dsp.tracking`, :mod:`dsp.compensation`, :mod:`dsp.detection` and :mod:`dsp.novelty`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import numpy as np

from dsp.compensation import MeanModel, RegressionModel, fit_mean, fit_regression
from dsp.detection import Detector, detector_index, fit_detector
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
    """(compensation, novelty model, features) of one kind on the given tracks.

    ``"regression"``: the covariates' prediction, Hotelling T² of its residuals. ``"pca"`` (no covariates): the
    detector :attr:`CampaignSettings.detector` learns the baseline's envelope from the frequencies themselves; the
    compensation shown is the baseline mean (the detector predicts no environmental part). ``"none"``: the
    baseline mean, Hotelling T² of the raw deviations.
    """
    if kind == "pca":
        detector = fit_detector(f[base], method=settings.detector, alpha=settings.novelty.alpha,
                                trim_alpha=settings.novelty.trim_alpha)
        return fit_mean(f[base]), detector, f
    if kind == "regression":
        model = fit_regression(f[base], cov[base], covariate_names=names, hinge_column=_hinge_column(names, settings))
        ddof = model.n_parameters - 1
    else:
        model, ddof = fit_mean(f[base]), 0
    features = model.novelty_features(f, cov)
    return model, fit_novelty(features[base], settings.novelty, ddof=ddof), features


def _fit_models(f, cov, base, names, kind: str, settings: CampaignSettings, ids, warnings: list):
    """Fit compensation and novelty on the baseline. A track found in too few baseline recordings for the fit is
    left out of the index (still tracked and reported, with a warning) rather than stopping the campaign."""
    p = f.shape[1]
    watched = np.ones(p, dtype=bool)
    while True:
        cols = np.flatnonzero(watched)
        try:
            model, nov_model, features = _fit_model(f[:, cols], cov, base, names, kind, settings)
            break
        except ValueError as exc:
            counts = np.sum(np.isfinite(f[np.ix_(base, cols)]), axis=0)
            if cols.size <= 1:
                raise SettingsError(f"baseline: {exc}") from exc
            drop = cols[cols.size - 1 - int(np.argmin(counts[::-1]))]  # the sparsest; on a tie the highest
            watched[drop] = False
            warnings.append(f"{ids[drop]}: found in {counts.min()} baseline recordings, too few to learn its "
                            f"variability next to {cols.size - 1} other tracks; tracked, but left out of the novelty "
                            f"index")
    predicted = np.full(f.shape, np.nan)
    predicted[:, cols] = model.predict(cov) if isinstance(model, RegressionModel) else model.predict(f[:, cols])
    if isinstance(model, RegressionModel) and cols.size < p:  # full width: NaN for tracks left out
        full = {}
        for name in ("coefficients", "residual_std", "n_baseline"):
            a = getattr(model, name)
            b = np.full(a.shape[:-1] + (p,), np.nan if a.dtype.kind == "f" else 0, dtype=a.dtype)
            b[..., cols] = a
            full[name] = b
        model = replace(model, **full)
    if isinstance(nov_model, Detector):
        warnings.append(_detector_warning(nov_model, f[base], settings))
    elif isinstance(model, MeanModel):
        warnings.append("no environmental compensation: temperature changes raise alarms too")
    return model, predicted, features, nov_model, watched


#: a baseline shorter than this misses a season: conditions outside it raise alarms without covariates
FULL_YEAR_DAYS = 330


def _detector_warning(detector: Detector, baseline_f: np.ndarray, settings: CampaignSettings) -> str:
    """What the detector without covariates cannot see, in the engineer's terms."""
    drop = detector.detectable_uniform_drop
    size = f"about {100 * drop:.1f} %" if np.isfinite(drop) else "the baseline's whole range"
    return (f"no covariates: the {detector.method!r} detector (α = {detector.alpha:g}) learnt the baseline's "
            f"envelope; a drop of all frequencies together smaller than {size} looks like a temperature change "
            f"inside the baseline's range and is not detected, and conditions colder or warmer than any in the "
            f"baseline raise alarms too — give --env ENV.csv (temperature) for a reliable alarm")


def _baseline_span_warning(starts, base) -> Optional[str]:
    times = [s for s, b in zip(starts, base) if b and s is not None]
    if len(times) < 2:
        return None
    days = (max(times) - min(times)).total_seconds() / 86400
    if days >= FULL_YEAR_DAYS:
        return None
    return (f"the baseline spans {days:.0f} days, less than a year: seasons it did not see (frost, summer heat) "
            f"look like damage without covariates")


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
    if isinstance(nov_model, Detector):
        t2, limit, _ = detector_index(nov_model, features)
        span = _baseline_span_warning(starts, base)
        if span:
            warnings.append(span)
    else:
        t2, limit, _ = hotelling_t2(nov_model, features)
    residuals = (frequencies - predicted) / predicted
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


def _names(group: Sequence[RecordingModes]) -> str:
    """The recordings' file names, or their paths when two share a name: 'a.csv, b.csv and c.csv'."""
    names = [Path(r.file).name for r in group]
    if len(set(names)) < len(names):
        names = [r.file for r in group]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _groups(results: Sequence[RecordingModes], key) -> list[list[RecordingModes]]:
    """The groups of two or more results with the same ``key(result)`` (None never groups), in their order."""
    groups: dict = {}
    for r in results:
        k = key(r)
        if k is not None:
            groups.setdefault(k, []).append(r)
    return [g for g in groups.values() if len(g) > 1]


def _duplicate_warnings(results: Sequence[RecordingModes]) -> list[str]:
    """One warning per group of recordings with the same content (SHA-256 of the file), and per group of different
    files with the same start: the same record given twice counts twice in the baseline and the tracking."""
    out = [f"duplicate recordings: {_names(g)} have the same content (SHA-256 {g[0].sha256[:12]}…)"
           for g in _groups(results, lambda r: r.sha256)]
    for g in _groups(results, lambda r: r.start):
        if g[0].sha256 is None or any(r.sha256 != g[0].sha256 for r in g):  # else said above
            out.append(f"duplicate recordings? {_names(g)} start at the same time, {g[0].start.isoformat()}")
    return out


def _order_warning(results: Sequence[RecordingModes], settings: CampaignSettings) -> list[str]:
    """A warning when the records hold so many modes that the sweep's max order may be too low: a model of order
    n holds n/2 modes, and SSI needs about as many noise modes beside the structural ones."""
    counts = np.array([r.frequencies_hz.size for r in results if r.error is None])
    top = settings.identification.max_order
    if counts.size == 0 or 4 * np.percentile(counts, 90) <= top:
        return []
    return [f"a tenth of the recordings hold {int(np.percentile(counts, 90))} or more modes in the band: a max order "
            f"of {top} leaves little room for the noise modes SSI finds beside them, so a mode may be missed; "
            f"raise --max-order (e.g. {max(2 * top, 8 * int(counts.max()))}) or narrow the band"]


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
    warnings = ([f"{Path(r.file).name}: {r.error}" for r in res if r.error is not None] + _duplicate_warnings(res)
                + _order_warning(res, settings))
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
                 cancel: Optional[CancelToken] = None,
                 on_result: Optional[Callable[[RecordingModes], None]] = None,
                 done: Sequence[RecordingModes] = ()) -> CampaignResult:
    """The whole campaign from inputs (files, folders, globs): discovery, identification, analysis.

    on_result : receives each recording's :class:`RecordingModes` as it arrives (to stream them into a partial
        project, :mod:`shm_app.campaign.partial`)
    done : recordings already identified (a resumed partial project): not identified again; ``settings`` must
        then be the ones they were identified with (the partial project's)
    """
    paths = discover(inputs)
    paths.sort(key=lambda q: (start_from_filename(q) is None, start_from_filename(q) or datetime.min, q.name))
    known = {r.file: r for r in done}
    todo = [p for p in paths if str(p) not in known]

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.97 * fraction, message)

    results = identify_recordings(todo, settings, progress=sub, cancel=cancel, on_result=on_result)
    results = [known[str(p)] for p in paths if str(p) in known] + results
    report(progress, cancel, 0.97, "tracking, compensation and novelty")
    result = analyse(results, settings, env)
    report(progress, cancel, 1.0, "done")
    return result
