"""Monitoring campaigns: identify every recording, track modes, compensate the environment, raise damage alarms.

Pipeline (``shm-app campaign``, the GUI campaign view):

1. :func:`discover` turns files, folders and globs into recording paths.
2. :func:`identify_recordings` runs :func:`identify_file` — one independent task per recording that reads the file,
   runs the SSI-COV identification with the campaign's shared settings and returns a small
   :class:`RecordingModes` — on a local process pool or a Dask distributed cluster, with a bounded number of tasks
   in flight so memory stays flat however long the campaign. A recording that fails is recorded with its error.
3. :func:`analyse` orders the recordings by start, establishes reference tracks from the baseline, tracks the modes,
   fits the environmental compensation on the baseline only (regression on covariates with a frost hinge, or PCA
   without covariates), computes the Hotelling T² novelty index with its control limit, applies the k-of-m alarm
   rule and measures which tracks moved. :func:`analyse_table` does step 3 on a frequency table.

The numerics live in :mod:`dsp.tracking`, :mod:`dsp.compensation` and :mod:`dsp.novelty`.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from dsp.compensation import MeanModel, PCAModel, RegressionModel, fit_mean, fit_pca, fit_regression
from dsp.novelty import NoveltyModel, NoveltySettings, TrackShift, alarm_rule, fit_novelty, hotelling_t2, track_shifts
from dsp.progress import CancelToken, ProgressFn, report
from dsp.tracking import ModeSet, ReferenceTracks, TrackingSettings, establish_tracks, track_modes
from shm_app.environment import EnvironmentLog
from shm_app.errors import SettingsError, ShmError
from shm_app.campaign_json import campaign_to_json
from shm_app.campaign_tasks import RecordingModes, identify_file, run_dask, run_pool
from shm_app.identify import IdentificationSettings
from shm_app.recording import start_from_filename

__all__ = ["CampaignSettings", "CampaignResult", "Track", "RecordingModes", "discover", "identify_file",
           "identify_recordings", "analyse", "analyse_table", "run_campaign", "campaign_to_json"]

DEFAULT_BASELINE_FRACTION = 1 / 3
COMPENSATIONS = ("auto", "regression", "pca", "none")
MIN_BASELINE = 6  # usable baseline recordings; tracks are then left out of the index until the fit is possible


@dataclass(frozen=True)
class CampaignSettings:
    """Everything a campaign result depends on (stored with it, printed in reports).

    identification : shared by every recording (SSI-COV)
    baseline_count / baseline_until : the baseline is the first N recordings, or those starting up to this time
        (naive UTC); neither: the first third of the campaign
    env_columns : covariates to use from the environment log (default all its columns)
    compensation : "auto" (regression on covariates when there are any, else PCA), "regression", "pca" or
        "none" (raw deviations from the baseline mean: shows what compensation buys)
    frost_hinge : add the frost hinge ``max(0, T0 − T)`` on the first covariate whose name contains "temp"
    workers : local worker processes (default ``os.cpu_count()``)
    scheduler : address of a Dask distributed scheduler; the tasks then run on its cluster
    read_options : extra keyword options for :func:`shm_app.io.read` (e.g. ``(("fs", 40.0),)``)
    """

    identification: IdentificationSettings = IdentificationSettings()
    baseline_count: Optional[int] = None
    baseline_until: Optional[datetime] = None
    env_columns: Optional[tuple[str, ...]] = None
    compensation: str = "auto"
    frost_hinge: bool = True
    workers: Optional[int] = None
    scheduler: Optional[str] = None
    tracking: TrackingSettings = TrackingSettings()
    novelty: NoveltySettings = NoveltySettings()
    read_options: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.baseline_count is not None and self.baseline_until is not None:
            raise SettingsError("give the baseline either as a number of recordings or as an end time, not both")
        if self.baseline_count is not None and self.baseline_count < 1:
            raise SettingsError(f"baseline must be a positive number of recordings; got {self.baseline_count}")
        if self.workers is not None and self.workers < 1:
            raise SettingsError(f"workers must be at least 1; got {self.workers}")
        if self.compensation not in COMPENSATIONS:
            raise SettingsError(f"compensation must be one of {', '.join(COMPENSATIONS)}; got {self.compensation!r}")
        if self.identification.method != "ssi-cov":
            raise SettingsError(f"campaigns use the SSI-COV identification; got method {self.identification.method!r}")


@dataclass(frozen=True)
class Track:
    """A tracked mode. ``shift`` is how far it moved after the first alarm (None without an alarm)."""

    id: str
    reference_frequency_hz: float
    reference_shape: Optional[np.ndarray]
    presence: float
    shift: Optional[TrackShift] = None
    watched: bool = True


@dataclass(frozen=True, eq=False)
class CampaignResult:
    """Everything the campaign view, the report and the JSON need. Arrays are ``(n_recordings, …)``, sorted by start.

    frequencies_hz, damping_ratios : (n, n_tracks), NaN where a track found no mode
    covariates : (n, n_covariates) at each recording's start, NaN where the log has no value
    predicted_hz : (n, n_tracks) environmental prediction (regression on covariates, or the PCA major part)
    residuals : (n, n_tracks) relative residuals ``(f − f̂)/f̂`` (×100 for %)
    novelty, limit : (n,) Hotelling T² and its control limit (NaN without a verdict)
    exceed, alarm, baseline : (n,) bool
    """

    files: tuple[str, ...]
    starts: tuple[Optional[datetime], ...]
    errors: tuple[Optional[str], ...]
    covariate_names: tuple[str, ...]
    covariates: np.ndarray
    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    predicted_hz: np.ndarray
    residuals: np.ndarray
    novelty: np.ndarray
    limit: np.ndarray
    exceed: np.ndarray
    alarm: np.ndarray
    baseline: np.ndarray
    tracks: tuple[Track, ...]
    compensation: Union[RegressionModel, PCAModel, MeanModel]
    novelty_model: NoveltyModel
    residual_std: np.ndarray
    first_alarm_index: Optional[int]
    settings: CampaignSettings
    watched: Optional[np.ndarray] = None
    warnings: tuple[str, ...] = ()
    channels: Optional[tuple[str, ...]] = None

    @property
    def n_recordings(self) -> int:
        return len(self.files)

    @property
    def track_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tracks)

    @property
    def threshold(self) -> float:
        """Control limit of the novelty index when every track is present."""
        return self.novelty_model.limit()

    @property
    def first_alarm(self) -> Optional[datetime]:
        return None if self.first_alarm_index is None else self.starts[self.first_alarm_index]

    @property
    def moved_tracks(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.shift is not None and t.shift.moved)

    def predict(self, covariates) -> np.ndarray:
        """Compensation curve: frequencies (Hz) the baseline model expects for ``covariates`` (n, n_covariates).

        For the PCA model (no covariates) the argument is a frequency array (n, n_tracks) and the result its
        environmental part. Tracks left out of the novelty index (``Track.watched`` False) give NaN.
        """
        if isinstance(self.compensation, RegressionModel):
            return self.compensation.predict(covariates)
        f = np.asarray(covariates, dtype=float)
        out = np.full(f.shape, np.nan)
        out[:, self.watched] = self.compensation.predict(f[:, self.watched])
        return out


# -- inputs --------------------------------------------------------------------------------------------------------

def _is_recording(path: Path) -> bool:
    from shm_app.io import READERS

    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in READERS


def discover(inputs: Sequence[Union[str, Path]]) -> list[Path]:
    """Recording paths from files, folders (every supported recording in it) and glob patterns, without duplicates.

    Raises ShmError naming the input that yields nothing.
    """
    out: dict[str, Path] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and _is_recording(q))
            if not found:
                raise ShmError(f"{p}: no supported recordings in this folder")
        elif p.is_file():
            found = [p]
        elif glob.has_magic(str(item)):
            found = sorted(Path(q) for q in glob.glob(str(item), recursive=True)
                           if Path(q).is_file() and _is_recording(Path(q)))
            if not found:
                raise ShmError(f"{item}: no supported recordings match this pattern")
        else:
            raise ShmError(f"{item}: file not found")
        for q in found:
            out.setdefault(str(q.resolve()), q)
    if not out:
        raise ShmError("no recordings given")
    return list(out.values())


# -- per-recording tasks (shm_app/campaign_tasks.py) -------------------------------------------------------

def identify_recordings(paths: Sequence[Union[str, Path]], settings: CampaignSettings = CampaignSettings(), *,
                        progress: Optional[ProgressFn] = None,
                        cancel: Optional[CancelToken] = None) -> list[RecordingModes]:
    """Run :func:`identify_file` on every path on a local process pool (``settings.workers``) or on
    the Dask cluster at ``settings.scheduler``. Results come back in completion order. At most a few tasks per
    worker are in flight, so memory stays flat with the campaign's length. Cancelling stops submitting, cancels
    what is queued and raises :class:`~dsp.progress.Cancelled`.
    """
    paths = [str(p) for p in paths]
    args = (settings.identification, tuple(settings.read_options))
    total = len(paths)
    out: list[RecordingModes] = []

    def done(r: RecordingModes) -> None:
        out.append(r)
        report(progress, cancel, len(out) / total, f"{len(out)}/{total} {Path(r.file).name}")

    report(progress, cancel, 0.0, f"identifying {total} recordings")
    if settings.scheduler:
        run_dask(paths, args, settings.scheduler, settings.workers, done, cancel)
    else:
        # even one worker is a separate process: it keeps a GUI responsive, and its single-threaded BLAS is much
        # faster on these small SVDs than a multithreaded one competing for the same cores
        run_pool(paths, args, min(settings.workers or os.cpu_count() or 1, total), done, cancel)
    return out


# -- analysis ------------------------------------------------------------------------------------------------------

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
            count = max(1, int(round(DEFAULT_BASELINE_FRACTION * n)))
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
