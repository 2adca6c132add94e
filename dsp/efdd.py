"""Enhanced frequency domain decomposition (EFDD): damping and refined frequency from the SDOF bell.

Brincker, Ventura & Andersen (2001), "Damping estimation by frequency domain decomposition", IMAC XIX; Jacobsen,
Andersen & Brincker (2006), "Using EFDD as a robust technique for deterministic excitation in operational modal
analysis". Around each FDD peak the singular values whose singular vectors keep MAC ≥ ``mac_threshold`` with the
peak vector form the single-degree-of-freedom bell of that mode (second and later singular values are searched
too, so the bell of a closely spaced mode is not cut where another mode dominates the first one); inside that band
the bell is the spectral matrix projected on the peak vector. The bell, zero
elsewhere, is taken back to the time domain by an inverse FFT: the SDOF correlation function. Its zero crossings
give the damped frequency (linear regression of the crossing times), the logarithmic decrement of its extrema
gives the damping (linear regression of ``ln|r|`` against time), and ``f_n = f_d / √(1 − ζ²)``.

The Welch estimate's correlation is the true one multiplied by the window's normalised autocorrelation (the lag
window); we divide it out before fitting so the window does not masquerade as damping.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import ndimage, signal

from dsp import _validate
from dsp.fdd import fdd_peaks
from dsp.modal import Mode, mac, mpc, mpd, normalise_shape
from dsp.peak_picking import PeakSettings, accept_mode, peak_parameters
from dsp.spectral import SingularValueSpectrum, csd_matrix, singular_value_spectrum


@dataclass(frozen=True)
class EfddSettings:
    """mac_threshold : singular values belong to the bell while their vector keeps this MAC with the peak vector
    max_level, min_level : fit the correlation function's extrema between these fractions of its initial value
    window : the Welch window used for the spectrum (for the lag-window correction)
    """

    mac_threshold: float = 0.8
    max_level: float = 0.9
    min_level: float = 0.1
    window: str = "hann"


@dataclass(frozen=True)
class SdofEstimate:
    """One mode's EFDD by-products: the bell (n_freqs,) (unit)²/Hz, the normalised correlation (n_lags,), its time
    axis (s), and the extrema used for the fit (indices into the correlation)."""

    bell: np.ndarray
    correlation: np.ndarray
    time_s: np.ndarray
    fit_extrema: np.ndarray


@dataclass(frozen=True)
class EfddResult:
    """modes sorted by frequency; sdof[k] the bell and correlation of modes[k]; spectrum the singular values."""

    modes: tuple[Mode, ...]
    sdof: tuple[SdofEstimate, ...]
    spectrum: SingularValueSpectrum


def _lag_window(n: int, window: str) -> np.ndarray:
    """Normalised autocorrelation of the Welch window at lags 0 … n−1 (1 at lag 0)."""
    w = signal.get_window(window, n)
    c = np.fft.irfft(np.abs(np.fft.rfft(w, 2 * n)) ** 2, 2 * n)[:n]
    return c / c[0]


def sdof_bell(spectrum: SingularValueSpectrum, k: int, mac_threshold: float, lo_limit: int = 0,
              hi_limit: Optional[int] = None, *, max_drop_db: float = 30.0) -> np.ndarray:
    """The SDOF bell of the peak at bin ``k`` (n_freqs,), zero outside its band.

    Band: contiguous around the peak, where some singular vector keeps MAC ≥ ``mac_threshold`` with the peak
    vector (gaps of up to three bins bridged: where two singular values cross between close modes their vectors
    are ill-determined mixtures for a bin or two), where the bell stays within ``max_drop_db`` of its peak, and
    within the bins ``lo_limit … hi_limit`` (midpoints to similar-looking neighbouring peaks, so their bell is not
    taken for this one's). Value: with all singular vectors available, the spectral matrix projected on the peak
    vector, ``φᴴ G φ = Σ_s σ_s |u_sᴴ φ|²`` (Zhang, Wang & Tamura 2010, "A frequency-spatial domain decomposition
    (FSDD) method for operational modal analysis", MSSP 24(5)), which keeps an orthogonal close mode out of the
    bell at every frequency; otherwise the first singular value.
    """
    s = spectrum.singular_values
    vecs = spectrum.vectors
    ref = spectrum.first_vectors[k]
    ref = ref / np.linalg.norm(ref)
    if vecs is None:
        macs = np.abs(spectrum.first_vectors.conj() @ ref) ** 2 / np.sum(np.abs(spectrum.first_vectors) ** 2, axis=1)
        values = s[:, 0]
    else:
        all_macs = np.abs(np.einsum("fcs,c->fs", vecs.conj(), ref)) ** 2  # vectors are unit norm
        macs = all_macs.max(axis=1)
        values = np.sum(s * all_macs, axis=1)
    ok = ndimage.binary_closing(macs >= mac_threshold, structure=np.ones(5, bool)) | (macs >= mac_threshold)
    ok &= values >= values[k] * 10 ** (-max_drop_db / 10)
    ok[:lo_limit] = False
    if hi_limit is not None:
        ok[hi_limit + 1:] = False
    ok[k] = True
    lo, hi = k, k
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < s.shape[0] - 1 and ok[hi + 1]:
        hi += 1
    bell = np.zeros(s.shape[0])
    bell[lo:hi + 1] = values[lo:hi + 1]
    return bell


def _similar(spectrum: SingularValueSpectrum, a: int, b: int, threshold: float) -> bool:
    return mac(spectrum.first_vectors[a], spectrum.first_vectors[b]) >= threshold


def _crossing_times(r: np.ndarray, t: np.ndarray, stop: int) -> np.ndarray:
    """Zero-crossing times of ``r[:stop]`` by linear interpolation, s."""
    seg = r[:stop]
    j = np.flatnonzero(np.signbit(seg[:-1]) != np.signbit(seg[1:]))
    return t[j] + seg[j] / (seg[j] - seg[j + 1]) * (t[1] - t[0])


def _extrema(r: np.ndarray, stop: int) -> np.ndarray:
    """Indices of the local extrema of ``r[:stop]`` (peaks of |r| between successive zero crossings)."""
    a = np.abs(r[:stop])
    return signal.find_peaks(a)[0]


def fit_correlation(r: np.ndarray, fs_hz: float, settings: EfddSettings) -> Optional[tuple[float, float, np.ndarray]]:
    """Damped frequency (Hz), damping ratio and the extrema used, from a normalised SDOF correlation ``r``.

    Uses the decay from the first extremum below ``max_level`` to the last one above ``min_level`` before the
    envelope first falls below ``min_level``. None when fewer than three extrema qualify.
    """
    t = np.arange(r.size) / fs_hz
    ext = _extrema(r, r.size)
    if ext.size < 3:
        return None
    amp = np.abs(r[ext])
    below = np.flatnonzero(amp < settings.min_level)
    end = below[0] if below.size else ext.size
    use = ext[:end][(amp[:end] <= settings.max_level)]
    if use.size < 3:
        return None
    slope, _ = np.polyfit(t[use], np.log(np.abs(r[use])), 1)
    sigma = -slope
    crossings = _crossing_times(r, t, use[-1] + 1)
    crossings = crossings[crossings >= t[use[0]] - 0.5 * (t[use[1]] - t[use[0]])]
    if crossings.size < 3 or sigma <= 0:
        return None
    half_period = np.polyfit(np.arange(crossings.size), crossings, 1)[0]
    fd = 1.0 / (2.0 * half_period)
    wd = 2 * np.pi * fd
    zeta = sigma / np.sqrt(sigma ** 2 + wd ** 2)
    return float(fd), float(zeta), use


def efdd_from_spectrum(spectrum: SingularValueSpectrum, fs_hz: float, nperseg: int,
                       peak_settings: PeakSettings = PeakSettings(),
                       settings: EfddSettings = EfddSettings()) -> EfddResult:
    """EFDD modes from a singular-value spectrum (with ``vectors``) computed from Welch segments of ``nperseg``
    samples at ``fs_hz``; frequencies must run from 0 Hz with spacing ``fs_hz / nperseg``."""
    f = spectrum.frequencies_hz
    n_bins_full = nperseg // 2 + 1
    lag_window = _lag_window(nperseg, settings.window)
    idx = fdd_peaks(spectrum, peak_settings)
    modes, sdof = [], []
    for n_peak, k in enumerate(idx):
        # a neighbouring peak whose shape looks like ours would fall inside our bell: stop halfway to it. A
        # neighbour with a different shape (a close mode) is kept out by the projection, and a needless hard cut
        # would ring in the correlation function at the cut frequency.
        lo_limit, hi_limit = 0, None
        if n_peak > 0 and _similar(spectrum, k, idx[n_peak - 1], settings.mac_threshold):
            lo_limit = (idx[n_peak - 1] + k) // 2 + 1
        if n_peak < idx.size - 1 and _similar(spectrum, k, idx[n_peak + 1], settings.mac_threshold):
            hi_limit = (idx[n_peak + 1] + k) // 2
        bell = sdof_bell(spectrum, k, settings.mac_threshold, lo_limit, hi_limit)
        full = np.zeros(n_bins_full)
        full[: bell.size] = bell[:n_bins_full]
        r = np.fft.irfft(full, nperseg)[: nperseg // 2]
        r = r / lag_window[: r.size]
        r = r / r[0]
        fit = fit_correlation(r, fs_hz, settings)
        shape = normalise_shape(spectrum.first_vectors[k])
        if fit is None:  # too short a bell to fit: fall back to the FDD estimate
            freq, zeta = peak_parameters(f, spectrum.singular_values[:, 0], k)
            use = np.zeros(0, int)
        else:
            fd, zeta, use = fit
            freq = fd / np.sqrt(1 - zeta ** 2)
        mode = Mode(frequency_hz=float(freq), damping_ratio=float(zeta), shape=shape,
                    mpc=float(mpc(shape)), mpd_deg=float(mpd(shape)))
        if not accept_mode(mode, peak_settings):
            continue
        if modes and abs(mode.frequency_hz - modes[-1].frequency_hz) <= 0.005 * mode.frequency_hz \
                and mac(mode.shape, modes[-1].shape) >= 0.9:
            continue  # the same mode found twice (a split peak)
        modes.append(mode)
        sdof.append(SdofEstimate(bell=bell, correlation=r, time_s=np.arange(r.size) / fs_hz, fit_extrema=use))
    order = np.argsort([m.frequency_hz for m in modes])
    return EfddResult(modes=tuple(modes[j] for j in order), sdof=tuple(sdof[j] for j in order), spectrum=spectrum)


def efdd(x, fs_hz: float, *, fmin_hz: float = 0.0, fmax_hz: Optional[float] = None, resolution_hz=None,
         nperseg=None, peak_settings: Optional[PeakSettings] = None,
         settings: EfddSettings = EfddSettings()) -> EfddResult:
    """Identify modes of ``x`` (n_samples, n_channels ≥ 2) by EFDD.

    Parameters
    ----------
    x : output signals (any unit).
    fs_hz : sampling rate, Hz.
    fmin_hz, fmax_hz : band searched for peaks, Hz.
    resolution_hz, nperseg : Welch frequency resolution; a fine resolution (long segments) gives the correlation
        function room to decay: aim for segments of at least 20 decay times ``1/(2π f ζ)``.

    Returns
    -------
    EfddResult: modes with natural frequency (Hz), damping ratio, complex shape (first singular vector at the peak).
    """
    a = _validate.signals(x, min_samples=16, min_channels=2)
    fs = _validate.positive(fs_hz, "fs_hz")
    fmax = fs / 2 if fmax_hz is None else _validate.in_range(fmax_hz, "fmax_hz", 0.0, fs / 2, unit="Hz")
    g = csd_matrix(a, fs, nperseg=nperseg, resolution_hz=resolution_hz, window=settings.window)
    n = int(round(fs / (g.frequencies_hz[1] - g.frequencies_hz[0])))
    ps = (peak_settings or PeakSettings()).with_band(fmin_hz, fmax)
    return efdd_from_spectrum(singular_value_spectrum(g, keep_vectors=True), fs, n, ps, settings)
