"""Preprocessing: detrend, zero-phase Butterworth filtering, anti-alias decimation."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from dsp import _validate


@dataclass(frozen=True)
class Resampled:
    """data : (n_samples, n_channels) at ``fs_hz``; ``factor`` the integer decimation factor applied."""

    data: np.ndarray
    fs_hz: float
    factor: int


def detrend(x, *, kind: str = "linear") -> np.ndarray:
    """Remove the mean (``kind='constant'``) or a least-squares line (``'linear'``) from every channel."""
    _validate.choice(kind, "kind", ("constant", "linear"))
    return signal.detrend(_validate.signals(x), axis=0, type=kind)


def butterworth(x, fs_hz: float, *, low_hz=None, high_hz=None, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth filter (forward-backward, second-order sections).

    ``low_hz`` alone gives a high-pass, ``high_hz`` alone a low-pass, both a band-pass; frequencies in Hz,
    strictly between 0 and the Nyquist frequency ``fs_hz / 2``.
    """
    a = _validate.signals(x, min_samples=16)
    fs = _validate.positive(fs_hz, "fs_hz")
    nyq = fs / 2
    if low_hz is not None:
        _validate.in_range(low_hz, "low_hz", 1e-9, nyq * 0.999, unit="Hz")
    if high_hz is not None:
        _validate.in_range(high_hz, "high_hz", 1e-9, nyq * 0.999, unit="Hz")
    if low_hz is not None and high_hz is not None and low_hz >= high_hz:
        raise ValueError(f"low_hz ({low_hz} Hz) must be below high_hz ({high_hz} Hz)")
    if low_hz is None and high_hz is None:
        return a.copy()
    if low_hz is not None and high_hz is not None:
        sos = signal.butter(order, [low_hz, high_hz], btype="bandpass", fs=fs, output="sos")
    elif low_hz is not None:
        sos = signal.butter(order, low_hz, btype="highpass", fs=fs, output="sos")
    else:
        sos = signal.butter(order, high_hz, btype="lowpass", fs=fs, output="sos")
    return signal.sosfiltfilt(sos, a, axis=0)


def decimate(x, fs_hz: float, factor: int) -> Resampled:
    """Anti-alias low-pass (zero-phase Chebyshev I, 8th order, in stages of at most 10) and keep every ``factor``-th sample."""
    a = _validate.signals(x)
    fs = _validate.positive(fs_hz, "fs_hz")
    factor = int(factor)
    if factor < 1:
        raise ValueError(f"factor must be an integer >= 1; got {factor}")
    remaining, out = factor, a
    while remaining > 1:
        q = next(q for q in range(min(remaining, 10), 1, -1) if remaining % q == 0) if remaining > 10 else remaining
        if out.shape[0] < 30 * q:
            raise ValueError(f"factor {factor} leaves too few samples ({out.shape[0]} before the last stage)")
        out = signal.decimate(out, q, ftype="iir", axis=0, zero_phase=True)
        remaining //= q
    return Resampled(data=np.ascontiguousarray(out), fs_hz=fs / factor, factor=factor)


def decimation_factor_for(fs_hz: float, fmax_hz: float, *, oversampling: float = 2.5) -> int:
    """Largest integer factor that keeps the new Nyquist frequency ≥ ``oversampling/2 × fmax_hz``.

    A factor above 10 is only returned if it has small prime factors, so it can be applied in stages.
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.in_range(fmax_hz, "fmax_hz", 1e-9, fs / 2, unit="Hz")
    q = int(np.floor(fs / (oversampling * fmax_hz)))
    while q > 10 and max(_prime_factors(q)) > 10:
        q -= 1
    return max(q, 1)


def _prime_factors(n: int) -> list[int]:
    out, d = [], 2
    while d * d <= n:
        while n % d == 0:
            out.append(d)
            n //= d
        d += 1
    if n > 1:
        out.append(n)
    return out
