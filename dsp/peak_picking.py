"""Basic frequency-domain identification: peak picking on the averaged normalised PSD.

Felber (1993), "Development of a hybrid bridge evaluation system", PhD thesis, UBC: the averaged normalised power
spectral density (ANPSD, every channel's PSD divided by its total power, averaged over channels) shows every mode
whatever the sensor positions; natural frequencies are its peaks, operating deflection shapes are the
transmissibilities ``G_i,ref / G_ref,ref`` at the peak (``ref`` the channel most active there), damping the
half-power bandwidth (Bendat & Piersol 2010, sec. 9.3; biased high by the spectral window, an order of magnitude
only). The shared peak detector uses the peaks' prominence in dB and, for multichannel data, the modal coherence
of the shape around the peak (Brincker, Zhang & Andersen 2001).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
from scipy import signal

from dsp import _validate
from dsp.modal import Mode, mpc, mpd, normalise_shape
from dsp.spectral import SpectralMatrix, csd_matrix


@dataclass(frozen=True)
class PeakSettings:
    """Automated peak detection on a spectrum in dB.

    fmin_hz, fmax_hz : band searched, Hz
    min_prominence_db : a peak must rise this much above the higher of its two surrounding valleys, dB; None: from
        the statistical scatter of a Welch estimate of ``n`` segments (std ≈ 4.34/√n dB), ``max(3, 28/√n)`` dB,
        about six standard deviations, so the random ripple of the estimate is not taken for modes
    prominence_window_hz : the valleys are searched within ± this much of the peak, Hz (keeps a small mode beside
        a big one visible)
    min_coherence : mean MAC between the shape at the peak and at its neighbouring bins within the half-power band
        (a physical mode has one shape across its resonance, noise has none); ignored for one channel
    max_modes : keep at most this many peaks, the most prominent
    min_mpc : a multichannel peak whose shape is less collinear than this is not a normal mode (harmonics from
        machinery and strongly complex noise peaks are dropped)
    max_damping : a peak broader than this damping ratio is a bump of the spectrum, not a mode
    """

    fmin_hz: float = 0.0
    fmax_hz: float = np.inf
    min_prominence_db: Optional[float] = None
    prominence_window_hz: Optional[float] = None
    min_coherence: float = 0.9
    max_modes: Optional[int] = None
    min_mpc: float = 0.9
    max_damping: float = 0.10

    def with_band(self, fmin_hz: float, fmax_hz: float) -> "PeakSettings":
        return replace(self, fmin_hz=float(fmin_hz), fmax_hz=float(fmax_hz))


def accept_mode(mode: Mode, settings: PeakSettings) -> bool:
    """Pole-level criteria for a frequency-domain estimate: damping in (0, max_damping], MPC ≥ min_mpc."""
    return 0 < mode.damping_ratio <= settings.max_damping and (mode.shape.size < 2 or mode.mpc >= settings.min_mpc)


@dataclass(frozen=True)
class PeakPickingResult:
    """modes sorted by frequency; frequencies_hz (n_freqs,) and anpsd (n_freqs,) 1/Hz: the averaged normalised PSD."""

    modes: tuple[Mode, ...]
    frequencies_hz: np.ndarray
    anpsd: np.ndarray
    peak_indices: np.ndarray


def prominence_threshold_db(settings: PeakSettings, n_segments: Optional[int]) -> float:
    """The prominence a peak needs, dB (see :class:`PeakSettings`)."""
    if settings.min_prominence_db is not None:
        return float(settings.min_prominence_db)
    if not n_segments:
        return 6.0
    return float(max(3.0, 28.0 / np.sqrt(n_segments)))


def find_spectral_peaks(frequencies_hz: np.ndarray, level_db: np.ndarray, settings: PeakSettings,
                        vectors: Optional[np.ndarray] = None, n_segments: Optional[int] = None) -> np.ndarray:
    """Indices of the physical peaks of ``level_db`` (n_freqs,), sorted by frequency.

    ``vectors`` (n_freqs, n_channels) complex, optional: the shape estimate at each frequency, for the modal
    coherence check. ``n_segments``: Welch segments averaged, for the automatic prominence threshold.
    """
    f = np.asarray(frequencies_hz, dtype=float)
    df = f[1] - f[0]
    wlen = None
    if settings.prominence_window_hz is not None:
        wlen = max(3, 2 * int(round(settings.prominence_window_hz / df)) + 1)
    idx, props = signal.find_peaks(level_db, prominence=prominence_threshold_db(settings, n_segments), wlen=wlen)
    keep = (f[idx] >= settings.fmin_hz) & (f[idx] <= settings.fmax_hz) & (idx > 0) & (idx < f.size - 1)
    idx, prom = idx[keep], props["prominences"][keep]
    if vectors is not None and vectors.shape[1] > 1 and idx.size:
        coherent = np.array([_modal_coherence(level_db, vectors, k) >= settings.min_coherence for k in idx])
        idx, prom = idx[coherent], prom[coherent]
    if settings.max_modes is not None and idx.size > settings.max_modes:
        idx = idx[np.argsort(prom)[::-1][: settings.max_modes]]
    return np.sort(idx)


def _modal_coherence(level_db: np.ndarray, vectors: np.ndarray, k: int) -> float:
    """Mean MAC between the vector at bin ``k`` and those of the neighbouring bins within 3 dB of the peak
    (at least one bin each side)."""
    lo, hi = _half_power_bins(level_db, k)
    lo, hi = min(lo, k - 1), max(hi, k + 1)
    nb = np.r_[lo:k, k + 1:hi + 1]
    nb = nb[(nb >= 0) & (nb < vectors.shape[0])]
    v0 = vectors[k] / np.linalg.norm(vectors[k])
    v = vectors[nb] / np.linalg.norm(vectors[nb], axis=1, keepdims=True)
    return float(np.mean(np.abs(v.conj() @ v0) ** 2))


def _half_power_bins(level_db: np.ndarray, k: int) -> tuple[int, int]:
    """Last bins on each side of peak ``k`` still within 3.01 dB of it."""
    below = level_db < level_db[k] - 10 * np.log10(2)
    left = np.flatnonzero(below[:k])
    right = np.flatnonzero(below[k + 1:])
    lo = left[-1] + 1 if left.size else 0
    hi = k + right[0] if right.size else level_db.size - 1
    return int(lo), int(hi)


def refine_peak(frequencies_hz: np.ndarray, level_db: np.ndarray, k: int) -> float:
    """Peak frequency, Hz, by a parabola through the bin ``k`` and its neighbours (in dB)."""
    if k <= 0 or k >= level_db.size - 1:
        return float(frequencies_hz[k])
    a, b, c = level_db[k - 1], level_db[k], level_db[k + 1]
    den = a - 2 * b + c
    shift = 0.5 * (a - c) / den if den < 0 else 0.0
    return float(frequencies_hz[k] + np.clip(shift, -0.5, 0.5) * (frequencies_hz[1] - frequencies_hz[0]))


def lorentzian_fit(frequencies_hz: np.ndarray, power: np.ndarray, k: int) -> Optional[tuple[float, float]]:
    """Frequency (Hz) and damping ratio of the resonance peak at bin ``k`` of a power spectrum (linear scale).

    Near an isolated resonance a power spectrum is a Lorentzian, ``P ∝ 1/((f − f₀)² + (ζf₀)²)``, so ``1/P`` is a
    parabola in f: fitted by weighted least squares over the half-power band (of the 3-bin smoothed spectrum, at
    least two bins each side), it uses every bin of the bell instead of the single, randomly placed, highest
    bin. Returns None when the fit is not a proper bell (then use :func:`refine_peak`/:func:`half_power_damping`).
    """
    f = np.asarray(frequencies_hz, dtype=float)
    p = np.asarray(power, dtype=float)
    smooth = np.convolve(p, np.ones(3) / 3, mode="same")
    half = smooth[k] / 2
    lo, hi = k, k
    while lo > 0 and smooth[lo - 1] >= half and smooth[lo - 1] <= smooth[lo] * 1.5:
        lo -= 1
    while hi < p.size - 1 and smooth[hi + 1] >= half and smooth[hi + 1] <= smooth[hi] * 1.5:
        hi += 1
    lo, hi = max(0, min(lo, k - 2)), min(p.size - 1, max(hi, k + 2))
    fb, pb = f[lo:hi + 1], p[lo:hi + 1]
    if fb.size < 5 or np.any(pb <= 0):
        return None
    x = (fb - f[k]) / (f[1] - f[0])  # centred and scaled for conditioning
    design = np.column_stack([x * x, x, np.ones_like(x)]) * pb[:, None]  # residual p·(1/p_fit) − 1, relative
    (a, b, c), *_ = np.linalg.lstsq(design, np.ones_like(x), rcond=None)
    if a <= 0:
        return None
    x0 = -b / (2 * a)
    gamma2 = c / a - x0 * x0
    if not (x[0] <= x0 <= x[-1]) or gamma2 <= 0:
        return None
    f0 = f[k] + x0 * (f[1] - f[0])
    return float(f0), float(np.sqrt(gamma2) * (f[1] - f[0]) / f0)


def half_power_damping(frequencies_hz: np.ndarray, power: np.ndarray, k: int) -> float:
    """Damping ratio from the half-power bandwidth of the peak at bin ``k`` of a power spectrum (linear scale),
    with linear interpolation of the crossing frequencies: ``ζ ≈ (f₂ − f₁) / (2 f_peak)``."""
    f = np.asarray(frequencies_hz, dtype=float)
    half = power[k] / 2
    i = k
    while i > 0 and power[i] > half:
        i -= 1
    j = k
    while j < power.size - 1 and power[j] > half:
        j += 1
    f1 = np.interp(half, [power[i], power[i + 1]], [f[i], f[i + 1]]) if power[i] <= half else f[i]
    f2 = np.interp(half, [power[j], power[j - 1]], [f[j], f[j - 1]]) if power[j] <= half else f[j]
    return float(max(f2 - f1, f[1] - f[0]) / (2 * f[k]))


def peak_parameters(frequencies_hz: np.ndarray, power: np.ndarray, k: int) -> tuple[float, float]:
    """Frequency (Hz) and damping ratio of the peak at bin ``k``: Lorentzian fit, else parabola and half-power."""
    fit = lorentzian_fit(frequencies_hz, power, k)
    if fit is not None:
        return fit
    level = 10 * np.log10(np.maximum(power, np.finfo(float).tiny))
    return refine_peak(frequencies_hz, level, k), half_power_damping(frequencies_hz, power, k)


def averaged_normalised_psd(spectral_matrix: SpectralMatrix) -> np.ndarray:
    """ANPSD (n_freqs,), 1/Hz: each channel's auto-spectrum divided by its total power, averaged over channels."""
    auto = np.real(np.diagonal(spectral_matrix.csd, axis1=1, axis2=2))  # (n_freqs, n_ch)
    df = spectral_matrix.frequencies_hz[1] - spectral_matrix.frequencies_hz[0]
    total = np.sum(auto, axis=0) * df
    return np.mean(auto / np.where(total > 0, total, 1.0), axis=1)


def peak_picking_from_matrix(spectral_matrix: SpectralMatrix, settings: PeakSettings = PeakSettings()) -> PeakPickingResult:
    """Peak picking on a precomputed spectral matrix (see :func:`peak_picking`)."""
    f = spectral_matrix.frequencies_hz
    g = spectral_matrix.csd
    anpsd = averaged_normalised_psd(spectral_matrix)
    level = 10 * np.log10(np.maximum(anpsd, np.finfo(float).tiny))
    auto = np.real(np.diagonal(g, axis1=1, axis2=2))
    ref = np.argmax(auto / np.maximum(auto.sum(axis=0), np.finfo(float).tiny), axis=1)  # most active channel
    transmissibility = g[np.arange(f.size), :, ref] / np.maximum(auto[np.arange(f.size), ref], 1e-300)[:, None]
    idx = find_spectral_peaks(f, level, settings, transmissibility, spectral_matrix.n_segments)
    modes = []
    for k in idx:
        shape = normalise_shape(transmissibility[k])
        freq, damping = peak_parameters(f, anpsd, k)
        mode = Mode(frequency_hz=freq, damping_ratio=damping, shape=shape, mpc=float(mpc(shape)),
                    mpd_deg=float(mpd(shape)))
        if accept_mode(mode, settings):
            modes.append(mode)
    return PeakPickingResult(modes=tuple(modes), frequencies_hz=f, anpsd=anpsd, peak_indices=idx)


def peak_picking(x, fs_hz: float, *, fmin_hz: float = 0.0, fmax_hz: Optional[float] = None, resolution_hz=None,
                 nperseg=None, settings: Optional[PeakSettings] = None) -> PeakPickingResult:
    """Identify modes as peaks of the averaged normalised PSD of ``x`` (n_samples, n_channels).

    Frequencies in Hz (parabolic interpolation between bins), shapes as transmissibilities to the most active
    channel at each peak (complex, normalised), damping ratios from the half-power bandwidth (rough).
    """
    a = _validate.signals(x, min_samples=16)
    fs = _validate.positive(fs_hz, "fs_hz")
    fmax = fs / 2 if fmax_hz is None else _validate.in_range(fmax_hz, "fmax_hz", 0.0, fs / 2, unit="Hz")
    s = (settings or PeakSettings()).with_band(fmin_hz, fmax)
    g = csd_matrix(a, fs, nperseg=nperseg, resolution_hz=resolution_hz, fmax_hz=min(fs / 2, 1.25 * fmax))
    return peak_picking_from_matrix(g, s)
