"""Modal identification pipeline: channel selection, detrend, anti-alias decimation matched to fmax, the chosen
method, automated mode selection, and the JSON contract of ``shm-app identify``.

Methods (``METHODS``): ``ssi-cov`` and ``ssi-dat`` (time domain, order sweep, stabilization diagram, automated
selection by clustering), ``fdd`` and ``efdd`` (singular values of the spectral-density matrix), ``peak`` (peak
picking on the averaged normalised PSD, the only method that accepts a single channel)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from dsp import preprocess
from dsp.modal import Mode
from dsp.progress import CancelToken, ProgressFn, report
from dsp.spectral import SingularValueSpectrum, SpectralMatrix, csd_matrix, singular_value_spectrum
from dsp.ssi import default_block_rows, max_model_order, ssi_cov
from dsp.stabilization import SelectionSettings, StabilizationDiagram, select_modes
from shm_app.errors import SettingsError
from shm_app.recording import Recording

DEFAULT_FMAX_HZ = 20.0  # global modes of bridges and tunnels lie below ~20 Hz
DEFAULT_FMIN_HZ = 0.5


@dataclass(frozen=True)
class IdentificationSettings:
    """What the user asks for; unset values are resolved from the recording (see :func:`resolve`)."""

    method: str = "ssi-cov"
    fmin_hz: Optional[float] = None
    fmax_hz: Optional[float] = None
    channels: Optional[tuple[str, ...]] = None
    block_rows: Optional[int] = None
    max_order: int = 80
    order_step: int = 2
    detrend: str = "linear"
    reference_channels: Optional[tuple[str, ...]] = None
    resolution_hz: Optional[float] = None
    compute_spectrum: bool = True  # the singular-value spectrum for plots; SSI runs without it (CLI, batch)


@dataclass(frozen=True)
class ResolvedSettings:
    """The settings actually used, stored with every result (JSON ``settings``)."""

    method: str
    fmin_hz: float
    fmax_hz: float
    analysis_fs_hz: float
    decimation: int
    block_rows: int
    orders: tuple[int, int]
    order_step: int
    detrend: str
    reference_channels: Optional[tuple[str, ...]] = None
    resolution_hz: float = 0.0
    nperseg: int = 0

    @property
    def time_domain(self) -> bool:
        """True for the SSI methods (block rows, orders and a stabilization diagram apply)."""
        return self.method in TIME_DOMAIN_METHODS


@dataclass(frozen=True)
class IdentificationResult:
    file: Optional[str]
    fs_hz: float
    n_samples: int
    channels: tuple[str, ...]
    settings: ResolvedSettings
    modes: tuple[Mode, ...]
    diagram: Optional[StabilizationDiagram] = None
    spectrum: Optional[SingularValueSpectrum] = field(default=None, repr=False)


Method = Callable[[np.ndarray, ResolvedSettings, "_Context", Optional[ProgressFn], Optional[CancelToken]],
                  tuple[tuple[Mode, ...], Optional[StabilizationDiagram]]]


@dataclass(frozen=True)
class _Context:
    """What the pipeline computed before the method runs: channel names and the spectral matrix."""

    channels: tuple[str, ...]
    spectral_matrix: Optional[SpectralMatrix]
    spectrum: Optional[SingularValueSpectrum]


def _reference_indices(s: ResolvedSettings, ctx: _Context):
    if s.reference_channels is None:
        return None
    return [ctx.channels.index(c) for c in s.reference_channels]


def _selection(s: ResolvedSettings, y: np.ndarray) -> SelectionSettings:
    return SelectionSettings(fmin_hz=s.fmin_hz, fmax_hz=s.fmax_hz, record_duration_s=y.shape[0] / s.analysis_fs_hz)


def _peak_settings(s: ResolvedSettings):
    # the frequency-domain modules are imported when used: they bring scipy.signal, ~1 s of start-up
    from dsp.peak_picking import PeakSettings

    return PeakSettings(fmin_hz=s.fmin_hz, fmax_hz=s.fmax_hz)


def _ssi_cov(y, s: ResolvedSettings, ctx: _Context, progress, cancel):
    diagram = ssi_cov(y, s.analysis_fs_hz, block_rows=s.block_rows,
                      orders=range(s.orders[0], s.orders[1] + 1, s.order_step),
                      reference_channels=_reference_indices(s, ctx), progress=progress, cancel=cancel)
    return select_modes(diagram, _selection(s, y)), diagram


def _ssi_dat(y, s: ResolvedSettings, ctx: _Context, progress, cancel):
    from dsp.ssi_dat import ssi_dat

    diagram = ssi_dat(y, s.analysis_fs_hz, block_rows=s.block_rows,
                      orders=range(s.orders[0], s.orders[1] + 1, s.order_step),
                      reference_channels=_reference_indices(s, ctx), progress=progress, cancel=cancel)
    return select_modes(diagram, _selection(s, y)), diagram


def _fdd(y, s: ResolvedSettings, ctx: _Context, progress, cancel):
    from dsp.fdd import fdd_from_spectrum

    return fdd_from_spectrum(ctx.spectrum, _peak_settings(s)).modes, None


def _efdd(y, s: ResolvedSettings, ctx: _Context, progress, cancel):
    from dsp.efdd import efdd_from_spectrum

    spectrum = singular_value_spectrum(ctx.spectral_matrix, keep_vectors=True)
    return efdd_from_spectrum(spectrum, s.analysis_fs_hz, s.nperseg, _peak_settings(s)).modes, None


def _peak(y, s: ResolvedSettings, ctx: _Context, progress, cancel):
    from dsp.peak_picking import peak_picking_from_matrix

    return peak_picking_from_matrix(ctx.spectral_matrix, _peak_settings(s)).modes, None


METHODS: dict[str, Method] = {"ssi-cov": _ssi_cov, "ssi-dat": _ssi_dat, "fdd": _fdd, "efdd": _efdd, "peak": _peak}
TIME_DOMAIN_METHODS = ("ssi-cov", "ssi-dat")
SINGLE_CHANNEL_METHODS = ("peak",)
METHOD_DESCRIPTIONS = {
    "ssi-cov": "covariance-driven stochastic subspace identification (order sweep, automated selection)",
    "ssi-dat": "data-driven stochastic subspace identification (QR projection, order sweep, automated selection)",
    "fdd": "frequency domain decomposition (peaks of the first singular value)",
    "efdd": "enhanced FDD (damping and frequency from the SDOF correlation function)",
    "peak": "peak picking on the averaged normalised PSD (also for a single channel)",
}


def resolve(recording: Recording, settings: IdentificationSettings) -> ResolvedSettings:
    """Fill defaults from the recording and refuse impossible settings (names the parameter and the range).

    ``recording`` holds the channels the analysis uses (after ``settings.channels`` was applied).
    """
    src = recording.source
    if settings.method not in METHODS:
        raise SettingsError(f"method must be one of {', '.join(METHODS)}; got {settings.method!r}", src)
    n_ch = len(settings.channels) if settings.channels else recording.n_channels
    if n_ch < 2 and settings.method not in SINGLE_CHANNEL_METHODS:
        raise SettingsError(f"channels: method {settings.method!r} needs at least 2 channels (mode shapes); got {n_ch}"
                            f" (use --method peak for a single channel)", src)
    if settings.detrend not in ("constant", "linear"):
        raise SettingsError(f"detrend must be 'constant' or 'linear'; got {settings.detrend!r}", src)
    nyq = recording.fs_hz / 2
    fmax = min(DEFAULT_FMAX_HZ, recording.fs_hz / 2.5) if settings.fmax_hz is None else float(settings.fmax_hz)
    if not (np.isfinite(fmax) and 0 < fmax < nyq):
        raise SettingsError(f"fmax must be between 0 and the Nyquist frequency {nyq:g} Hz (exclusive); got {fmax:g}",
                            src)
    fmin = min(DEFAULT_FMIN_HZ, fmax / 10) if settings.fmin_hz is None else float(settings.fmin_hz)
    if not (np.isfinite(fmin) and 0 < fmin < fmax):
        raise SettingsError(f"fmin must be between 0 and fmax ({fmax:g} Hz) (exclusive); got {fmin:g}", src)
    duration = recording.n_samples / recording.fs_hz
    if fmax < 100 / duration:  # the analysis rate 2.5·fmax must leave at least ~250 samples
        raise SettingsError(f"fmax must be at least {100 / duration:.3g} Hz for a record of {duration:g} s "
                            f"(and below the Nyquist frequency {nyq:g} Hz); got {fmax:g}", src)
    q = preprocess.decimation_factor_for(recording.fs_hz, fmax)
    fs_an = recording.fs_hz / q
    n_an = recording.n_samples // q
    refs = None
    if settings.reference_channels:
        refs = tuple(settings.reference_channels)
        names = list(recording.channel_names)
        unknown = [c for c in refs if c not in names]
        if unknown or len(set(refs)) != len(refs):
            raise SettingsError(f"reference_channels must be distinct names among {', '.join(names)}; got "
                                f"{', '.join(refs)}", src)
    n_ref = len(refs) if refs else n_ch
    if settings.block_rows is not None and settings.block_rows < 2:
        raise SettingsError(f"block_rows must be at least 2; got {settings.block_rows}", src)
    if settings.method == "ssi-dat":
        from dsp.ssi_dat import default_block_rows as default_rows  # scipy.linalg: imported only for SSI-DAT
    else:
        default_rows = default_block_rows
    i = settings.block_rows or default_rows(fs_an, fmin, n_ch)
    if settings.method in TIME_DOMAIN_METHODS and n_an < 20 * i:
        raise SettingsError(
            f"block_rows={i} needs at least {20 * i} samples at {fs_an:g} Hz ({20 * i / fs_an:.0f} s); "
            f"the record has {n_an} ({n_an / fs_an:.0f} s): raise fmin or lower block_rows (at most {n_an // 20})", src
        )
    if settings.order_step < 1:
        raise SettingsError(f"order_step must be at least 1; got {settings.order_step}", src)
    if settings.max_order < 2:
        raise SettingsError(f"max_order must be at least 2; got {settings.max_order}", src)
    max_order = min(int(settings.max_order), max_model_order(i, n_ref, n_ch))
    nperseg, resolution = _segments(fs_an, fmin, n_an, settings.resolution_hz, src)
    return ResolvedSettings(method=settings.method, fmin_hz=fmin, fmax_hz=fmax, analysis_fs_hz=fs_an,
                            decimation=q, block_rows=i, orders=(settings.order_step, max_order),
                            order_step=settings.order_step, detrend=settings.detrend, reference_channels=refs,
                            resolution_hz=resolution, nperseg=nperseg)


def _segments(fs: float, fmin: float, n: int, resolution_hz: Optional[float], src) -> tuple[int, int]:
    """Welch segment length and resolution.

    Default: fine enough to resolve a mode's half-power band (2ζf ≈ 2–4 % of f for ζ = 1–2 %) and a close pair 5 %
    apart: 2 % of fmin, at most 0.01 Hz; but coarse enough to average at least ~31 segments (50 % overlap), so
    the estimate's random ripple (≈ 4.34/√n dB) stays below the peak-detection threshold.
    """
    if resolution_hz is None:
        resolution_hz = min(0.01, fmin * 0.02)
        resolution_hz = max(resolution_hz, 16 * fs / n, fs / 65536)
    finest = 2 * fs / n
    if not (np.isfinite(resolution_hz) and finest <= resolution_hz < fs / 16):
        raise SettingsError(f"resolution must be between {finest:.4g} Hz (half the record) and {fs / 16:g} Hz; got "
                            f"{resolution_hz:g}", src)
    nperseg = max(16, int(round(fs / resolution_hz)))
    return nperseg, fs / nperseg


def identify(recording: Recording, settings: IdentificationSettings = IdentificationSettings(), *,
             progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> IdentificationResult:
    """Run the whole identification on ``recording``; long, so it reports progress and honours ``cancel``."""
    if settings.channels:
        try:
            recording = recording.select(settings.channels)
        except KeyError as exc:
            raise SettingsError(f"channels: {exc.args[0]}", recording.source) from exc
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
    matrix = spectrum = None
    if settings.compute_spectrum or not resolved.time_domain:
        report(progress, cancel, 0.1, "spectral matrix")
        matrix = csd_matrix(y, resolved.analysis_fs_hz, nperseg=resolved.nperseg)
        spectrum = singular_value_spectrum(matrix)
    ctx = _Context(channels=tuple(recording.channel_names), spectral_matrix=matrix, spectrum=spectrum)

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.15 + 0.85 * fraction, message)

    modes, diagram = METHODS[resolved.method](y, resolved, ctx, sub, cancel)
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


def format_scatter(value: float, decimals: int) -> str:
    """A standard deviation with ``decimals`` decimals, or two significant digits when it is smaller than the last
    decimal (a very stable mode must not read as exactly 0). Used by the modes table, the CLI summary and the
    report."""
    if value == 0 or value >= 10 ** -decimals:
        return f"{value:.{decimals}f}"
    return f"{value:.1e}"


def diagram_csv(result: IdentificationResult) -> str:
    """The stabilization diagram of an SSI result as CSV: one row per pole with its order, frequency, damping,
    MPC, MPD, the three stability flags (1/0) and the number of the selected mode it supports (blank if none)."""
    d = result.diagram
    if d is None:
        raise SettingsError(f"the stabilization diagram needs an SSI method (ssi-cov or ssi-dat); got "
                            f"{result.settings.method!r}", result.file)
    mode_of = np.zeros(d.orders.size, dtype=int)
    for k, m in enumerate(result.modes, 1):
        if m.poles is not None:
            mode_of[m.poles] = k
    rows = ["order,frequency_hz,damping_ratio,mpc,mpd_deg,stable_frequency,stable_damping,stable_shape,mode"]
    for j in np.lexsort((d.frequencies_hz, d.orders)):  # by order, then frequency
        rows.append(f"{d.orders[j]},{d.frequencies_hz[j]:.6f},{d.damping_ratios[j]:.6f},{d.mpc[j]:.4f},"
                    f"{d.mpd_deg[j]:.3f},{int(d.stable_frequency[j])},{int(d.stable_damping[j])},"
                    f"{int(d.stable_shape[j])},{mode_of[j] or ''}")
    return "\n".join(rows) + "\n"


def result_to_json(result: IdentificationResult) -> dict:
    """The ``shm-app identify`` JSON document (shared/DESIGN.md)."""
    s = result.settings
    return {
        "file": None if result.file is None else str(result.file).replace("\\", "/").split("/")[-1],
        "fs_hz": result.fs_hz,
        "n_samples": result.n_samples,
        "channels": list(result.channels),
        "method": s.method,
        "settings": {"fmin_hz": s.fmin_hz, "fmax_hz": s.fmax_hz, "analysis_fs_hz": s.analysis_fs_hz,
                     "decimation": s.decimation,
                     "block_rows": s.block_rows if s.time_domain else None,
                     "orders": list(s.orders) if s.time_domain else None,
                     "order_step": s.order_step if s.time_domain else None,
                     "reference_channels": list(s.reference_channels) if s.reference_channels else None,
                     "resolution_hz": s.resolution_hz, "detrend": s.detrend},
        "modes": [
            {"frequency_hz": round(m.frequency_hz, 6), "damping_ratio": round(m.damping_ratio, 6),
             "mpc": round(m.mpc, 4), "mpd_deg": round(m.mpd_deg, 3),
             "frequency_scatter_hz": round(m.frequency_scatter_hz, 6), "damping_scatter": round(m.damping_scatter, 6),
             "n_poles": m.n_poles,
             "shape": [round(float(v), 5) for v in np.real(m.shape)],
             "shape_imag": [round(float(v), 5) for v in np.imag(m.shape)]}
            for m in result.modes
        ],
    }
