"""Statistical uncertainty of the frequency-domain estimates (FDD, EFDD, peak picking) by batch means.

The record is cut into ``n_blocks`` consecutive, practically independent parts (each much longer than the modes'
correlation time). Each part's spectrum is computed with the whole record's segment length, and every mode already
found on the whole record is re-estimated on it with the same estimator, at the peak nearest the mode (within the
mode's half-power band, at least two bins). To first order the whole-record estimate is the mean of the part
estimates, so its standard deviation is ``s / √n_b`` with ``s`` the sample standard deviation (``ddof=1``) of the
part estimates (batch means; e.g. Bendat & Piersol 2010, sec. 8.1, on independent averages).

Damping: only EFDD's log-decrement damping gets a σ. FDD and peak picking's half-power damping is dominated by the
spectral window's bias, which no scatter measures, so their ``damping_sigma`` stays None. The σ does not include
bias either: a frequency estimate biased by more than its σ (a coarse resolution) will not cover the truth.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from dsp import _validate
from dsp.batch_means import sigma_of_mean
from dsp.modal import Mode
from dsp.peak_picking import averaged_normalised_psd, peak_parameters
from dsp.spectral import csd_matrix, singular_value_spectrum

METHODS = ("fdd", "efdd", "peak")


def frequency_domain_sigmas(x, fs_hz: float, modes: Sequence[Mode], *, method: str, nperseg: int,
                            n_blocks: int = 8, efdd_settings=None) -> tuple[Mode, ...]:
    """``modes`` with ``frequency_sigma_hz`` (Hz) and, for EFDD, ``damping_sigma`` set by batch means.

    Parameters
    ----------
    x : (n_samples, n_channels) the signals the modes were identified from (any unit).
    fs_hz : sampling rate, Hz.
    modes : the modes identified on the whole record by ``method``.
    method : 'fdd', 'efdd' or 'peak'.
    nperseg : Welch segment length used for the whole record, samples.
    n_blocks : parts the record is cut into, at least 8; each must hold at least 8 Welch segments (50 % overlap).
    efdd_settings : :class:`dsp.efdd.EfddSettings` used for the modes (EFDD only; default settings).

    Returns
    -------
    The modes in the same order; a mode re-estimated on fewer than 4 parts keeps σ = None.
    """
    y = _validate.signals(x, min_samples=16)
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.choice(method, "method", METHODS)
    nb, seg = int(n_blocks), int(nperseg)
    if nb != n_blocks or nb < 8:
        raise ValueError(f"n_blocks must be an integer of at least 8; got {n_blocks!r}")
    part = y.shape[0] // nb
    if seg < 8 or part < 4.5 * seg:  # 8 segments of 50 % overlap need 4.5 segment lengths
        raise ValueError(f"nperseg must be between 8 and n_samples / (4.5 × n_blocks) = {part / 4.5:.0f} so every "
                         f"one of the {nb} parts holds 8 Welch segments; got {nperseg}")
    if not modes:
        return ()
    estimates = np.full((nb, len(modes), 2), np.nan)
    for b in range(nb):  # a handful of parts, each one vectorised spectral estimate
        g = csd_matrix(y[b * part:(b + 1) * part], fs, nperseg=seg, fmax_hz=1.25 * max(m.frequency_hz for m in modes))
        estimates[b] = _estimate_part(g, fs, seg, modes, method, efdd_settings)
    out = []
    for j, mode in enumerate(modes):
        sf = sigma_of_mean(estimates[:, j, 0])
        sz = sigma_of_mean(estimates[:, j, 1]) if method == "efdd" else None
        out.append(replace(mode, frequency_sigma_hz=sf, damping_sigma=sz))
    return tuple(out)


def _estimate_part(g, fs: float, nperseg: int, modes: Sequence[Mode], method: str, efdd_settings) -> np.ndarray:
    """(n_modes, 2) frequency (Hz) and damping of each mode re-estimated on one part's spectral matrix."""
    f = g.frequencies_hz
    df = f[1] - f[0]
    out = np.full((len(modes), 2), np.nan)
    if method == "peak":
        power, spectrum = averaged_normalised_psd(g), None
    else:
        spectrum = singular_value_spectrum(g, keep_vectors=method == "efdd")
        power = spectrum.singular_values[:, 0]
    for j, mode in enumerate(modes):
        half = max(2, int(np.ceil(mode.frequency_hz * max(mode.damping_ratio, 0.0) / df)))
        centre = int(round(mode.frequency_hz / df))
        lo, hi = max(1, centre - half), min(f.size - 2, centre + half)
        if hi < lo:
            continue
        k = lo + int(np.argmax(power[lo:hi + 1]))
        if method == "efdd":
            out[j] = _efdd_at(spectrum, fs, nperseg, k, efdd_settings)
        else:
            out[j] = peak_parameters(f, power, k)
    return out


def _efdd_at(spectrum, fs: float, nperseg: int, k: int, settings) -> tuple[float, float]:
    """EFDD natural frequency (Hz) and damping of the bell at bin ``k``, as :func:`dsp.efdd.efdd_from_spectrum`."""
    from dsp.efdd import EfddSettings, _lag_window, fit_correlation, sdof_bell

    settings = settings or EfddSettings()
    bell = sdof_bell(spectrum, k, settings.mac_threshold)
    full = np.zeros(nperseg // 2 + 1)
    full[: bell.size] = bell[: full.size]
    r = np.fft.irfft(full, nperseg)[: nperseg // 2]
    r = r / _lag_window(nperseg, settings.window)[: r.size]
    fit = fit_correlation(r / r[0], fs, settings)
    if fit is None:
        return np.nan, np.nan
    fd, zeta, _ = fit
    return fd / np.sqrt(1 - zeta ** 2), zeta
