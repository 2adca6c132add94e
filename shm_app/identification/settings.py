"""Identification settings: what the user asks for (:class:`IdentificationSettings`, each field declared once
with its default, bounds, unit and help) and what was actually used on a recording (:class:`ResolvedSettings`,
stored with every result)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from dsp import preprocess
from dsp.ssi import default_block_rows, max_model_order
from dsp.stabilization import SelectionSettings
from shm_app.errors import ParameterError
from shm_app.identification.registry import get_method, method_names
from shm_app.parameters import parameter, validate
from shm_app.recording import Recording

DEFAULT_FMAX_HZ = 20.0  # global modes of bridges and tunnels lie below ~20 Hz
DEFAULT_FMIN_HZ = 0.5


@dataclass(frozen=True)
class IdentificationSettings:
    """What the user asks for; unset (None) values are resolved from the recording (see :func:`resolve`)."""

    method: str = parameter("ssi-cov", "Method", "Identification method.", choices=method_names)
    fmin_hz: Optional[float] = parameter(
        None, "f min", "Lowest natural frequency of interest; sets the SSI block rows and the spectral resolution.",
        unit="Hz", minimum=0.0, exclusive_minimum=True, none_means=f"{DEFAULT_FMIN_HZ:g} Hz (at most f max / 10)",
        option="--fmin", step=0.1, decimals=2)
    fmax_hz: Optional[float] = parameter(
        None, "f max", "Highest natural frequency of interest; the record is decimated to 2.5 × f max.", unit="Hz",
        minimum=0.0, exclusive_minimum=True, none_means=f"min({DEFAULT_FMAX_HZ:g} Hz, fs / 2.5)", option="--fmax",
        step=1.0, decimals=2)
    channels: Optional[tuple[str, ...]] = parameter(
        None, "Channels", "Channels used for the identification (comma-separated names).", none_means="all channels",
        option="--channels")
    detrend: str = parameter("linear", "Detrend", "Trend removed before the analysis.",
                             choices=("constant", "linear"))
    block_rows: Optional[int] = parameter(
        None, "Block rows", "SSI block rows i: the correlation lags 1 … 2i−1 enter the block Toeplitz matrix; more "
                            "rows resolve lower frequencies and closer modes, at more cost.",
        minimum=2, maximum=2000, none_means="from f min and the analysis rate", step=1)
    max_order: int = parameter(80, "Max order", "Highest model order of the SSI sweep (twice the number of modes "
                                                "the largest model can hold).", minimum=2, maximum=2000, step=10)
    order_step: int = parameter(2, "Order step", "Step of the SSI model-order sweep.", minimum=1, maximum=100)
    reference_channels: Optional[tuple[str, ...]] = parameter(
        None, "References", "SSI reference channels (comma-separated names): fewer references, less work; every "
                            "mode must be seen by at least one of them.", none_means="all channels")
    resolution_hz: Optional[float] = parameter(
        None, "Resolution", "Frequency resolution of the spectral matrix (FDD, EFDD, peak picking).", unit="Hz",
        minimum=0.0, exclusive_minimum=True, none_means="2 % of f min, at most 0.01 Hz, with ≥ 31 averages",
        option="--resolution", step=0.005, decimals=4)
    uncertainty: bool = parameter(
        True, "Uncertainty", "Estimate the statistical standard deviation of frequency and damping (SSI-COV: "
                             "first-order propagation of the correlations' covariance over 20 segments; FDD, "
                             "EFDD, peak picking: spread over 8 independent parts of the record).")
    compute_spectrum: bool = True  # the singular-value spectrum for plots; SSI runs without it (CLI, batch)

    def __post_init__(self) -> None:
        validate(self)
        if self.fmin_hz is not None and self.fmax_hz is not None and self.fmin_hz >= self.fmax_hz:
            raise ParameterError("fmin_hz", f"must be below fmax_hz ({self.fmax_hz:g} Hz); got {self.fmin_hz:g}")


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
    selection: Optional[SelectionSettings] = None
    uncertainty_blocks: int = 0  # segments of the record behind the standard deviations (0: none computed)

    @property
    def time_domain(self) -> bool:
        """True for the SSI methods (block rows, orders and a stabilization diagram apply)."""
        return get_method(self.method).time_domain


def resolve(recording: Recording, settings: IdentificationSettings) -> ResolvedSettings:
    """Fill defaults from the recording and refuse settings impossible for it (names the setting and the range).

    ``recording`` holds the channels the analysis uses (after ``settings.channels`` was applied).
    """
    src = recording.source
    method = get_method(settings.method)
    n_ch = len(settings.channels) if settings.channels else recording.n_channels
    if n_ch < method.min_channels:
        single = [n for n in method_names() if get_method(n).min_channels < 2]
        raise ParameterError("channels", f"must hold at least {method.min_channels} for method {method.name!r} (mode "
                                         f"shapes); got {n_ch} (a single channel: method {', '.join(single)})", src)
    nyq = recording.fs_hz / 2
    fmax = min(DEFAULT_FMAX_HZ, recording.fs_hz / 2.5) if settings.fmax_hz is None else float(settings.fmax_hz)
    if not fmax < nyq:
        raise ParameterError("fmax_hz", f"must be below the Nyquist frequency {nyq:g} Hz of this recording; got "
                                        f"{fmax:g}", src)
    fmin = min(DEFAULT_FMIN_HZ, fmax / 10) if settings.fmin_hz is None else float(settings.fmin_hz)
    if not fmin < fmax:
        raise ParameterError("fmin_hz", f"must be below f max ({fmax:g} Hz); got {fmin:g}", src)
    duration = recording.n_samples / recording.fs_hz
    if fmax < 100 / duration:  # the analysis rate 2.5·fmax must leave at least ~250 samples
        raise ParameterError("fmax_hz", f"must be at least {100 / duration:.3g} Hz for a record of {duration:g} s "
                                        f"(and below the Nyquist frequency {nyq:g} Hz); got {fmax:g}", src)
    q = preprocess.decimation_factor_for(recording.fs_hz, fmax)
    fs_an = recording.fs_hz / q
    n_an = recording.n_samples // q
    refs = None
    if settings.reference_channels and method.time_domain:
        refs = tuple(settings.reference_channels)
        names = list(recording.channel_names)
        unknown = [c for c in refs if c not in names]
        if unknown or len(set(refs)) != len(refs):
            raise ParameterError("reference_channels", f"must be distinct names among {', '.join(names)}; got "
                                                       f"{', '.join(refs)}", src)
    n_ref = len(refs) if refs else n_ch
    if settings.method == "ssi-dat":
        from dsp.ssi_dat import default_block_rows as default_rows  # scipy.linalg: imported only for SSI-DAT
    else:
        default_rows = default_block_rows
    i = settings.block_rows or default_rows(fs_an, fmin, n_ch)
    if method.time_domain and n_an < 20 * i:
        raise ParameterError(
            "block_rows", f"= {i} needs at least {20 * i} samples at {fs_an:g} Hz ({20 * i / fs_an:.0f} s); the "
                          f"record has {n_an} ({n_an / fs_an:.0f} s): raise f min or lower the block rows (at most "
                          f"{n_an // 20})", src)
    max_order = min(int(settings.max_order), max_model_order(i, n_ref, n_ch))
    nperseg, resolution = _segments(fs_an, fmin, n_an, settings.resolution_hz, src)
    blocks = 0
    if settings.uncertainty and method.name == "ssi-cov":  # each segment must hold 20 block rows' worth of samples
        blocks = min(20, n_an // (20 * i))
    elif settings.uncertainty and not method.time_domain:  # each part must hold 8 Welch segments
        blocks = 8 if n_an // 8 >= 4.5 * nperseg else 0
    blocks = blocks if blocks >= 8 else 0
    selection = None
    if method.time_domain:
        selection = SelectionSettings(fmin_hz=fmin, fmax_hz=fmax, record_duration_s=n_an / fs_an)
    return ResolvedSettings(method=settings.method, fmin_hz=fmin, fmax_hz=fmax, analysis_fs_hz=fs_an,
                            decimation=q, block_rows=i, orders=(settings.order_step, max_order),
                            order_step=settings.order_step, detrend=settings.detrend, reference_channels=refs,
                            resolution_hz=resolution, nperseg=nperseg, selection=selection,
                            uncertainty_blocks=blocks)


def _segments(fs: float, fmin: float, n: int, resolution_hz: Optional[float], src) -> tuple[int, float]:
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
        raise ParameterError("resolution_hz", f"must be between {finest:.4g} Hz (half the record) and {fs / 16:g} Hz "
                                              f"for this recording; got {resolution_hz:g}", src)
    nperseg = max(16, int(round(fs / resolution_hz)))
    return nperseg, fs / nperseg
