"""Multi-setup (roving sensor) identification: several recordings that share reference sensors merged into one
set of modes over every measured point (:mod:`dsp.multisetup` does the numerics).

Channels with the same name in every setup are the references (or those :attr:`MultiSetupSettings.references`
names, which must be in every setup); every other name is a distinct point and must appear in one setup only.
Every setup is preprocessed alike (channel choice, detrend, anti-alias decimation to one analysis rate) with one
set of resolved settings (band, block rows) fitted to the shortest setup.

* PoSER (``merge="poser"``): each setup is identified by the ordinary pipeline with the references as its SSI
  reference channels, then the modes are matched and rescaled onto the references (:func:`dsp.multisetup.merge_poser`).
  Frequency and damping are the mean over the setups that found the mode; its σ is that of the mean of independent
  estimates, ``√(Σ σ_s²) / n``; the spread over those setups is kept apart.
* PreGER (``merge="preger"``, SSI-COV only): one stabilization diagram of all setups brought to a common basis
  (:func:`dsp.multisetup.merge_preger`); no statistical σ (the merged correlations have no segment covariance yet).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from dsp import preprocess
from dsp.modal import Mode
from dsp.multisetup import METHODS, RovingLayout
from dsp.progress import CancelToken, ProgressFn, report
from dsp.ssi import default_block_rows, max_model_order
from dsp.stabilization import StabilizationDiagram
from shm_app.errors import ParameterError, SettingsError
from shm_app.identification.pipeline import IdentificationResult, identify
from shm_app.identification.settings import IdentificationSettings, ResolvedSettings, resolve
from shm_app.parameters import parameter, validate
from shm_app.recording import Recording

#: PreGER's σ: batch means over this many parts of every setup (dsp.multisetup.preger_sigmas)
PREGER_PARTS = 8


@dataclass(frozen=True)
class MultiSetupSettings:
    """How the setups of a roving test are merged (the identification itself: :class:`IdentificationSettings`)."""

    merge: str = parameter(
        "poser", "Merge", "How the setups are merged: poser identifies each setup and rescales its mode shapes onto "
                          "the references; preger runs one SSI-COV over all setups brought to a common basis.",
        choices=METHODS)
    references: Optional[tuple[str, ...]] = parameter(
        None, "References", "Reference channels, left in place in every setup (comma-separated names).",
        none_means="the channel names present in every setup")

    def __post_init__(self) -> None:
        validate(self)
        if self.references is not None and not self.references:
            raise ParameterError("references", "must name at least one channel measured in every setup; got none")
        if self.references is not None and len(set(self.references)) != len(self.references):
            raise ParameterError("references", f"must be distinct names; got {', '.join(self.references)}")


@dataclass(frozen=True)
class MultiSetupIdentification:
    """Global modes of a roving test.

    files : (n_setups,) source of each setup; setup_channels : each setup's channel names, in its order
    n_samples : (n_setups,) samples of each setup at ``fs_hz``, the setups' common sampling rate, Hz
    channels : every point once, the references first: the rows of every mode's shape
    references : the reference channels; merge : 'poser' or 'preger'
    settings : the resolved settings every setup was analysed with (SSI references = ``references``)
    modes : sorted by frequency; ``shape`` over ``channels``, NaN at points only setups lacking the mode measured;
        ``frequency_sigma_hz`` / ``damping_sigma`` the statistical σ (PoSER with σ in every setup; else None);
        PreGER: ``frequency_scatter_hz`` / ``damping_scatter`` the scatter over model orders
    mode_setups : per mode, the setups (indices into ``files``) it was identified in (PoSER) or estimated from
    setup_frequencies_hz : (n_modes, n_setups) each setup's own estimate, Hz, NaN where it lacks the mode;
        all NaN for PreGER (one estimate from all setups)
    frequency_spread_hz, damping_spread : per mode, PoSER: std over the setups' estimates (0 for one setup);
        PreGER: NaN
    reference_mac : per mode, PoSER: per setup in ``mode_setups``, MAC of its reference part to the merged one
    diagram : PreGER: the global stabilization diagram; setup_results : PoSER: each setup's identification
    """

    files: tuple[Optional[str], ...]
    setup_channels: tuple[tuple[str, ...], ...]
    n_samples: tuple[int, ...]
    fs_hz: float
    channels: tuple[str, ...]
    references: tuple[str, ...]
    merge: str
    settings: ResolvedSettings
    modes: tuple[Mode, ...]
    mode_setups: tuple[tuple[int, ...], ...]
    setup_frequencies_hz: np.ndarray
    frequency_spread_hz: tuple[float, ...]
    damping_spread: tuple[float, ...]
    reference_mac: tuple[tuple[float, ...], ...]
    diagram: Optional[StabilizationDiagram] = None
    setup_results: tuple[IdentificationResult, ...] = ()


def roving_layout(setup_channels: Sequence[Sequence[str]], files: Sequence, references=None) -> RovingLayout:
    """The points and references of the setups from their channel names, references first; a
    :class:`SettingsError` naming the file for a missing reference, a name in several setups that is no reference,
    or setups sharing no channel."""
    setups = [list(ch) for ch in setup_channels]
    for s, ch in enumerate(setups):
        twice = sorted({c for c in ch if ch.count(c) > 1})
        if twice:
            raise SettingsError(f"channel name(s) {', '.join(twice)} appear twice; each channel of a setup must "
                                f"measure a distinct point", files[s])
    if references is None:
        refs = [c for c in setups[0] if all(c in ch for ch in setups)]
        if not refs:
            raise ParameterError("references", "are the channels present in every setup, and the setups share none: "
                                               "name the fixed sensors alike in every file or pass --references")
    else:
        refs = list(references)
        for s, ch in enumerate(setups):
            missing = [c for c in refs if c not in ch]
            if missing:
                raise SettingsError(f"reference channel(s) {', '.join(missing)} not in this setup (its channels: "
                                    f"{', '.join(ch)}); a reference must be measured in every setup", files[s])
    seen: dict[str, int] = {}
    for s, ch in enumerate(setups):
        for c in ch:
            if c in refs:
                continue
            if c in seen:
                raise SettingsError(f"channel {c!r} is also in {_name(files[seen[c]])} but is not a reference: roving "
                                    f"points must have distinct names in different setups (rename it, or make it a "
                                    f"reference measured in every setup)", files[s])
            seen[c] = s
    points = refs + list(seen)
    index = {c: k for k, c in enumerate(points)}
    return RovingLayout(tuple(points), tuple(tuple(index[c] for c in ch) for ch in setups),
                        tuple(range(len(refs))))


def identify_setups(recordings: Sequence[Recording], settings: IdentificationSettings = IdentificationSettings(),
                    merge: MultiSetupSettings = MultiSetupSettings(), *, progress: Optional[ProgressFn] = None,
                    cancel: Optional[CancelToken] = None) -> MultiSetupIdentification:
    """Identify a roving test: one set of modes over the points of every setup in ``recordings``."""
    files = tuple(r.source for r in recordings)
    if len(recordings) < 2:
        raise ParameterError("references", f"apply to a multi-setup test of at least 2 recordings; got "
                                           f"{len(recordings)}")
    if settings.reference_channels is not None:
        raise ParameterError("reference_channels", "are the references in a multi-setup identification: give them "
                                                   "with --references")
    if merge.merge == "preger" and settings.method != "ssi-cov":
        raise ParameterError("method", f"must be ssi-cov for merge preger (one SSI-COV run over all setups); got "
                                       f"{settings.method!r}")
    recordings = [_chosen_channels(r, settings.channels, merge.references) for r in recordings]
    if settings.channels:
        unknown = [c for c in settings.channels if not any(c in r.channel_names for r in recordings)]
        if unknown:
            raise ParameterError("channels", f"must name channels of the setups; {', '.join(unknown)} is in none")
    for r in recordings[1:]:
        if r.fs_hz != recordings[0].fs_hz:
            raise SettingsError(f"sampled at {r.fs_hz:g} Hz but {_name(files[0])} at {recordings[0].fs_hz:g} Hz: the "
                                f"setups of a roving test must share one sampling rate", r.source)
    layout = roving_layout([r.channel_names for r in recordings], files, merge.references)
    refs = tuple(layout.point_names[p] for p in layout.reference_points)
    base = replace(settings, channels=None, reference_channels=refs)
    by_length = sorted(recordings, key=lambda r: r.n_samples)
    each = [resolve(r, base) for r in by_length]  # the shortest first: its limits are the strictest
    block_rows = settings.block_rows or min(x.block_rows for x in each)
    if merge.merge == "preger" and settings.block_rows is None:  # one block Toeplitz matrix over every point
        block_rows = min(block_rows, default_block_rows(each[0].analysis_fs_hz, each[0].fmin_hz, layout.n_points))
    fixed = replace(base, fmin_hz=each[0].fmin_hz, fmax_hz=each[0].fmax_hz, block_rows=block_rows)
    common = resolve(by_length[0], fixed)
    args = dict(files=files, setup_channels=tuple(tuple(r.channel_names) for r in recordings),
                n_samples=tuple(r.n_samples for r in recordings), fs_hz=recordings[0].fs_hz,
                channels=layout.point_names, references=refs, merge=merge.merge)
    if merge.merge == "poser":
        return _poser(recordings, fixed, layout, args, progress, cancel)
    return _preger(recordings, common, fixed.max_order, layout, args, progress, cancel, settings.uncertainty)


def _chosen_channels(recording: Recording, channels, references) -> Recording:
    if not channels:
        return recording
    keep = [c for c in recording.channel_names if c in channels or (references and c in references)]
    return recording.select(keep)


def _name(path) -> str:
    return "recording" if path is None else str(path).replace("\\", "/").split("/")[-1]


def _poser(recordings, settings, layout, args, progress, cancel) -> MultiSetupIdentification:
    from dsp.multisetup import merge_poser

    results = []
    n = len(recordings)
    for s, rec in enumerate(recordings):
        def sub(fraction: float, message: str, s=s) -> None:
            report(progress, cancel, (s + fraction) / (n + 0.05), f"setup {s + 1}/{n}: {message}")

        results.append(identify(rec, settings, progress=sub, cancel=cancel))
    merged = merge_poser([r.modes for r in results], layout)
    modes = []
    for j, m in enumerate(merged.modes):
        own = [_setup_mode(results[s].modes, merged.setup_frequencies_hz[j, s]) for s in m.setups]
        f_sig = [o.frequency_sigma_hz for o in own]
        z_sig = [o.damping_sigma for o in own]
        k = len(own)
        mode = replace(m.as_mode(), frequency_scatter_hz=0.0, damping_scatter=0.0, n_poles=sum(o.n_poles for o in own),
                       poles=None,
                       frequency_sigma_hz=None if None in f_sig else float(np.sqrt(np.sum(np.square(f_sig))) / k),
                       damping_sigma=None if None in z_sig else float(np.sqrt(np.sum(np.square(z_sig))) / k))
        modes.append(mode)
    report(progress, cancel, 1.0, "done")
    return MultiSetupIdentification(
        **args, settings=results[0].settings, modes=tuple(modes), mode_setups=tuple(m.setups for m in merged.modes),
        setup_frequencies_hz=np.asarray(merged.setup_frequencies_hz, float),
        frequency_spread_hz=tuple(m.frequency_spread_hz for m in merged.modes),
        damping_spread=tuple(m.damping_spread for m in merged.modes),
        reference_mac=tuple(m.reference_mac for m in merged.modes), setup_results=tuple(results))


def _setup_mode(modes, frequency_hz: float) -> Mode:
    """The setup's mode :func:`merge_poser` took (its frequency is copied exactly into the setup table)."""
    return min(modes, key=lambda m: abs(m.frequency_hz - frequency_hz))


def _preger(recordings, resolved: ResolvedSettings, max_order: int, layout: RovingLayout, args, progress,
            cancel, uncertainty: bool = True) -> MultiSetupIdentification:
    from dsp.multisetup import merge_preger, preger_sigmas

    report(progress, cancel, 0.0, "preprocessing")
    ys = [preprocess.decimate(r.data, r.fs_hz, resolved.decimation, method="fft", detrend=resolved.detrend).data
          for r in recordings]
    scale = max(float(np.max(np.abs(y))) if y.size else 0.0 for y in ys)
    for r, y in zip(recordings, ys):
        if not np.all(np.isfinite(y)) or not np.any(y):
            raise SettingsError("the setup is zero, or not finite, after preprocessing: nothing to merge", r.source)
        y /= scale  # one scale for all: the setups keep their relative levels (PreGER rescales them anyway)
    i = resolved.block_rows
    top = min(max_order, max_model_order(i, layout.n_references, layout.n_points))
    orders = range(resolved.order_step, top + 1, resolved.order_step)
    if top < 2 * resolved.order_step:
        raise ParameterError("references", f"({layout.n_references}) × block rows ({i}) leave no model order to "
                                           f"sweep: add references or block rows")
    shortest = min(y.shape[0] for y in ys)
    selection = replace(resolved.selection, record_duration_s=shortest / resolved.analysis_fs_hz)
    # σ by batch means over PREGER_PARTS parts of every setup, each holding 20 block rows' worth of samples
    blocks = PREGER_PARTS if uncertainty and shortest // PREGER_PARTS >= 20 * i else 0
    resolved = replace(resolved, orders=(resolved.order_step, orders[-1]), selection=selection,
                       uncertainty_blocks=blocks)
    share = 0.5 if blocks else 0.95  # the parts together cost about as much as the whole

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.05 + share * fraction, message)

    def sub_parts(fraction: float, message: str) -> None:
        report(progress, cancel, 0.55 + 0.45 * fraction, message)

    merged = merge_preger(ys, resolved.analysis_fs_hz, layout, block_rows=i, orders=orders, selection=selection,
                          progress=sub, cancel=cancel)
    modes = tuple(m.as_mode() for m in merged.modes)
    if blocks:
        sigmas = preger_sigmas(ys, resolved.analysis_fs_hz, layout, merged.modes, block_rows=i, orders=orders,
                               n_blocks=blocks, progress=sub_parts, cancel=cancel)
        modes = tuple(replace(m, frequency_sigma_hz=sf, damping_sigma=sz) for m, (sf, sz) in zip(modes, sigmas))
    n = len(merged.modes)
    return MultiSetupIdentification(
        **args, settings=resolved, modes=modes,
        mode_setups=tuple(m.setups for m in merged.modes),
        setup_frequencies_hz=np.full((n, layout.n_setups), np.nan), frequency_spread_hz=(np.nan,) * n,
        damping_spread=(np.nan,) * n, reference_mac=((),) * n, diagram=merged.stabilization_diagram)
