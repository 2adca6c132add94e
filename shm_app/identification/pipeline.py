"""The identification pipeline: channel selection, detrend, anti-alias decimation matched to f max, unit-peak
scaling, the spectral matrix, the chosen method (see :mod:`shm_app.identification.registry`) and its automated
mode selection."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from dsp import preprocess
from dsp.modal import Mode
from dsp.progress import CancelToken, ProgressFn, report
from dsp.spectral import SingularValueSpectrum, csd_matrix, singular_value_spectrum
from dsp.stabilization import StabilizationDiagram
from shm_app.errors import ParameterError, SettingsError
from shm_app.identification.registry import Context, get_method
from shm_app.identification.settings import IdentificationSettings, ResolvedSettings, resolve
from shm_app.recording import Recording


@dataclass(frozen=True)
class IdentificationResult:
    """One recording's identification: the settings used, the modes, the stabilization diagram (SSI) and the
    singular-value spectrum (in the recording's unit²/Hz, for plots)."""

    file: Optional[str]
    fs_hz: float
    n_samples: int
    channels: tuple[str, ...]
    settings: ResolvedSettings
    modes: tuple[Mode, ...]
    diagram: Optional[StabilizationDiagram] = None
    spectrum: Optional[SingularValueSpectrum] = field(default=None, repr=False)


def identify(recording: Recording, settings: IdentificationSettings = IdentificationSettings(), *,
             progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> IdentificationResult:
    """Run the whole identification on ``recording``; long, so it reports progress and honours ``cancel``."""
    if settings.channels:
        try:
            recording = recording.select(settings.channels)
        except KeyError as exc:
            raise ParameterError("channels", f"must name channels of the recording: {exc.args[0]}",
                                 recording.source) from exc
    resolved = resolve(recording, settings)
    bad = ~np.all(np.isfinite(recording.data), axis=0)
    if bad.any():  # the readers repair or refuse gaps; a recording built in code may still hold them
        names = ", ".join(np.asarray(recording.channel_names, dtype=object)[bad])
        raise SettingsError(f"channels {names} hold NaN or infinite values; repair or drop them first",
                            recording.source)
    report(progress, cancel, 0.0, "preprocessing")
    y = preprocess.decimate(recording.data, recording.fs_hz, resolved.decimation, method="fft",
                            detrend=resolved.detrend).data
    y, scale = _unit_peak(y, recording.source)
    if resolved.selection is not None:  # the duration the selection's scatter limit assumes: the analysed record
        resolved = replace(resolved, selection=replace(resolved.selection,
                                                       record_duration_s=y.shape[0] / resolved.analysis_fs_hz))
    method = get_method(resolved.method)
    matrix = spectrum = None
    if settings.compute_spectrum or not method.time_domain:
        report(progress, cancel, 0.1, "spectral matrix")
        matrix = csd_matrix(y, resolved.analysis_fs_hz, nperseg=resolved.nperseg)
        spectrum = singular_value_spectrum(matrix)
    ctx = Context(channels=tuple(recording.channel_names), spectral_matrix=matrix, spectrum=spectrum)

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.15 + 0.85 * fraction, message)

    modes, diagram = method.run(y, resolved, ctx, sub, cancel)
    if spectrum is not None:  # back to the recording's unit²/Hz for display
        with np.errstate(over="ignore"):
            spectrum = replace(spectrum, singular_values=spectrum.singular_values * scale * scale)
    report(progress, cancel, 1.0, "done")
    return IdentificationResult(file=recording.source, fs_hz=recording.fs_hz, n_samples=recording.n_samples,
                                channels=tuple(recording.channel_names), settings=resolved, modes=modes,
                                diagram=diagram, spectrum=spectrum)


def _unit_peak(y: np.ndarray, source) -> tuple[np.ndarray, float]:
    """``y`` (the pipeline's own preprocessed copy) divided in place by its largest magnitude, and that scale.

    Frequencies, damping ratios and normalised shapes do not depend on a common scale of all channels, but the
    arithmetic does: correlations and spectra square the signal, so data far enough from unit scale (a wrong unit,
    a raw count scaled twice) would underflow or overflow (1e-160² is 0, 1e160² is inf). A record that is zero
    everywhere after detrending has nothing to identify and is refused.
    """
    scale = float(np.max(np.abs(y))) if y.size else 0.0
    if not np.isfinite(scale):  # finite input whose detrend or decimation overflowed (|values| near 1e308)
        raise SettingsError("the signals overflow after preprocessing; check the recording's unit", source)
    if scale == 0.0:
        raise SettingsError("every channel is zero after detrending: nothing to identify (sensors disconnected or "
                            "the logger not recording?)", source)
    y /= scale
    return y, scale
