"""Modal identification pipeline: channel selection, detrend, anti-alias decimation matched to fmax, the chosen
method, automated mode selection, and the JSON contract of ``shm-app identify``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from dsp import preprocess
from dsp.modal import Mode
from dsp.progress import CancelToken, ProgressFn, report
from dsp.spectral import SingularValueSpectrum, csd_matrix, singular_value_spectrum
from dsp.ssi import default_block_rows, ssi_cov
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


Method = Callable[[np.ndarray, ResolvedSettings, Optional[ProgressFn], Optional[CancelToken]],
                  tuple[tuple[Mode, ...], Optional[StabilizationDiagram]]]


def _ssi_cov(y, s: ResolvedSettings, progress, cancel):
    diagram = ssi_cov(y, s.analysis_fs_hz, block_rows=s.block_rows,
                      orders=range(s.orders[0], s.orders[1] + 1, s.order_step),
                      progress=progress, cancel=cancel)
    modes = select_modes(diagram, SelectionSettings(fmin_hz=s.fmin_hz, fmax_hz=s.fmax_hz))
    return modes, diagram


METHODS: dict[str, Method] = {"ssi-cov": _ssi_cov}


def resolve(recording: Recording, settings: IdentificationSettings) -> ResolvedSettings:
    """Fill defaults from the recording and refuse impossible settings (names the parameter and the range)."""
    if settings.method not in METHODS:
        raise SettingsError(f"method must be one of {', '.join(METHODS)}; got {settings.method!r}", recording.source)
    nyq = recording.fs_hz / 2
    fmax = min(DEFAULT_FMAX_HZ, recording.fs_hz / 2.5) if settings.fmax_hz is None else float(settings.fmax_hz)
    if not 0 < fmax < nyq:
        raise SettingsError(f"fmax must be between 0 and the Nyquist frequency {nyq:g} Hz; got {fmax:g}", recording.source)
    fmin = min(DEFAULT_FMIN_HZ, fmax / 10) if settings.fmin_hz is None else float(settings.fmin_hz)
    if not 0 < fmin < fmax:
        raise SettingsError(f"fmin must be between 0 and fmax ({fmax:g} Hz); got {fmin:g}", recording.source)
    q = preprocess.decimation_factor_for(recording.fs_hz, fmax)
    fs_an = recording.fs_hz / q
    n_ch = len(settings.channels) if settings.channels else recording.n_channels
    i = settings.block_rows or default_block_rows(fs_an, fmin, n_ch)
    if i < 2:
        raise SettingsError(f"block_rows must be at least 2; got {i}", recording.source)
    n_an = recording.n_samples // q
    if n_an < 20 * i:
        raise SettingsError(
            f"block_rows={i} needs at least {20 * i} samples at {fs_an:g} Hz ({20 * i / fs_an:.0f} s); "
            f"the record has {n_an} ({n_an / fs_an:.0f} s): raise fmin or lower block_rows", recording.source
        )
    max_order = min(int(settings.max_order), i * n_ch)
    if settings.order_step < 1 or max_order < 2:
        raise SettingsError(f"max_order must be at least 2 and order_step at least 1", recording.source)
    return ResolvedSettings(method=settings.method, fmin_hz=fmin, fmax_hz=fmax, analysis_fs_hz=fs_an,
                            decimation=q, block_rows=i, orders=(settings.order_step, max_order),
                            order_step=settings.order_step, detrend=settings.detrend)


def identify(recording: Recording, settings: IdentificationSettings = IdentificationSettings(), *,
             progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> IdentificationResult:
    """Run the whole identification on ``recording``; long, so it reports progress and honours ``cancel``."""
    if settings.channels:
        try:
            recording = recording.select(settings.channels)
        except KeyError as exc:
            raise SettingsError(f"channels: {exc.args[0]}", recording.source) from exc
    resolved = resolve(recording, settings)
    report(progress, cancel, 0.0, "preprocessing")
    y = preprocess.detrend(recording.data, kind=resolved.detrend)
    if resolved.decimation > 1:
        y = preprocess.decimate(y, recording.fs_hz, resolved.decimation).data
    report(progress, cancel, 0.1, "spectral matrix")
    spectrum = singular_value_spectrum(
        csd_matrix(y, resolved.analysis_fs_hz, resolution_hz=_resolution(resolved), fmax_hz=resolved.analysis_fs_hz / 2))

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.15 + 0.85 * fraction, message)

    modes, diagram = METHODS[resolved.method](y, resolved, sub, cancel)
    return IdentificationResult(file=recording.source, fs_hz=recording.fs_hz, n_samples=recording.n_samples,
                                channels=tuple(recording.channel_names), settings=resolved, modes=modes,
                                diagram=diagram, spectrum=spectrum)


def _resolution(s: ResolvedSettings) -> float:
    """Frequency resolution of the spectra: fine enough to separate modes 2 % apart at fmin, at most 0.05 Hz."""
    return min(0.05, max(s.fmin_hz * 0.02, s.analysis_fs_hz / 16384))


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
                     "decimation": s.decimation, "block_rows": s.block_rows, "orders": list(s.orders),
                     "order_step": s.order_step, "detrend": s.detrend},
        "modes": [
            {"frequency_hz": round(m.frequency_hz, 6), "damping_ratio": round(m.damping_ratio, 6),
             "mpc": round(m.mpc, 4), "mpd_deg": round(m.mpd_deg, 3),
             "frequency_std_hz": round(m.frequency_std_hz, 6), "damping_std": round(m.damping_std, 6),
             "n_poles": m.n_poles,
             "shape": [round(float(v), 5) for v in np.real(m.shape)],
             "shape_imag": [round(float(v), 5) for v in np.imag(m.shape)]}
            for m in result.modes
        ],
    }
