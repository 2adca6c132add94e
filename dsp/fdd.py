"""Frequency domain decomposition (FDD).

Brincker, Zhang & Andersen (2001), "Modal identification of output-only systems using frequency domain
decomposition", Smart Mater. Struct. 10: the spectral-density matrix is decomposed by SVD at every frequency; near a
resonance the first singular value is the mode's auto-spectrum and the first singular vector its shape, so natural
frequencies are the peaks of the first singular value and shapes its singular vectors there. Closely spaced modes
with different (near-orthogonal) shapes appear as separate peaks of the first singular value, which is the larger
modal contribution at every frequency. Damping from the half-power bandwidth of the
first singular value (a Lorentzian fitted to the bell) is biased by the spectral window; use EFDD (:mod:`dsp.efdd`)
for damping.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from dsp import _validate
from dsp.modal import Mode, mac, mpc, mpd, normalise_shape
from dsp.peak_picking import PeakSettings, accept_mode, find_spectral_peaks, peak_parameters
from dsp.spectral import SingularValueSpectrum, csd_matrix, singular_value_spectrum


@dataclass(frozen=True)
class FddResult:
    """modes sorted by frequency; spectrum the singular values the peaks were picked on; peak_indices the bins."""

    modes: tuple[Mode, ...]
    spectrum: SingularValueSpectrum
    peak_indices: np.ndarray


def fdd_peaks(spectrum: SingularValueSpectrum, settings: PeakSettings = PeakSettings()) -> np.ndarray:
    """Bins of the modal peaks of the first singular value (prominence and modal coherence, see
    :func:`dsp.peak_picking.find_spectral_peaks`), sorted by frequency."""
    s1 = spectrum.singular_values[:, 0]
    level = 10 * np.log10(np.maximum(s1, np.finfo(float).tiny))
    return find_spectral_peaks(spectrum.frequencies_hz, level, settings, spectrum.first_vectors, spectrum.n_segments)


def fdd_from_spectrum(spectrum: SingularValueSpectrum, settings: PeakSettings = PeakSettings()) -> FddResult:
    """FDD modes from a precomputed singular-value spectrum."""
    f = spectrum.frequencies_hz
    s1 = spectrum.singular_values[:, 0]
    idx = fdd_peaks(spectrum, settings)
    modes = []
    for k in idx:
        shape = normalise_shape(spectrum.first_vectors[k])
        freq, damping = peak_parameters(f, s1, k)
        mode = Mode(frequency_hz=freq, damping_ratio=damping, shape=shape, mpc=float(mpc(shape)),
                    mpd_deg=float(mpd(shape)))
        if accept_mode(mode, settings):
            modes.append(mode)
    modes = merge_duplicates(modes)
    return FddResult(modes=tuple(modes), spectrum=spectrum, peak_indices=idx)


def merge_duplicates(modes: list[Mode], *, max_relative_gap: float = 0.005, min_mac: float = 0.9) -> list[Mode]:
    """Drop a peak that repeats its neighbour (within 0.5 % and MAC ≥ 0.9): a split statistical peak."""
    out: list[Mode] = []
    for m in sorted(modes, key=lambda m: m.frequency_hz):
        if out and abs(m.frequency_hz - out[-1].frequency_hz) <= max_relative_gap * m.frequency_hz \
                and mac(m.shape, out[-1].shape) >= min_mac:
            continue
        out.append(m)
    return out


def fdd(x, fs_hz: float, *, fmin_hz: float = 0.0, fmax_hz: Optional[float] = None, resolution_hz=None,
        nperseg=None, settings: Optional[PeakSettings] = None) -> FddResult:
    """Identify modes of ``x`` (n_samples, n_channels ≥ 2) by FDD.

    Parameters
    ----------
    x : output signals (any unit).
    fs_hz : sampling rate, Hz.
    fmin_hz, fmax_hz : band searched for peaks, Hz.
    resolution_hz, nperseg : Welch frequency resolution (see :func:`dsp.spectral.csd_matrix`).
    settings : peak detection thresholds (the band fields are replaced by ``fmin_hz``/``fmax_hz``).

    Returns
    -------
    FddResult: modes with frequency (Hz, parabolic interpolation between bins), complex shape (first singular
    vector), damping from the half-power bandwidth (rough).
    """
    a = _validate.signals(x, min_samples=16, min_channels=2)
    fs = _validate.positive(fs_hz, "fs_hz")
    fmax = fs / 2 if fmax_hz is None else _validate.in_range(fmax_hz, "fmax_hz", 0.0, fs / 2, unit="Hz")
    s = (settings or PeakSettings()).with_band(fmin_hz, fmax)
    g = csd_matrix(a, fs, nperseg=nperseg, resolution_hz=resolution_hz, fmax_hz=min(fs / 2, 1.25 * fmax))
    return fdd_from_spectrum(singular_value_spectrum(g), s)
