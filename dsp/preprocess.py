"""Preprocessing: detrend, zero-phase Butterworth filtering, anti-alias decimation.

``scipy.signal`` is imported where it is used: it costs about a second of start-up (it loads ``scipy.stats``),
which a command-line run of SSI does not need.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from dsp import _validate, parallel
from dsp._fftlen import next_fast_len


@dataclass(frozen=True)
class Resampled:
    """data : (n_samples, n_channels) at ``fs_hz``; ``factor`` the integer decimation factor applied."""

    data: np.ndarray
    fs_hz: float
    factor: int


def detrend(x, *, kind: str = "linear") -> np.ndarray:
    """Remove the mean (``kind='constant'``) or a least-squares line (``'linear'``) from every channel.

    Closed form (the slope is the covariance with time over the variance of time): one pass over the data, no
    least-squares solver on an (n_samples × 2) design matrix.
    """
    _validate.choice(kind, "kind", ("constant", "linear"))
    return remove_trend(_validate.signals(x), axis=0, kind=kind)


def remove_trend(a: np.ndarray, *, axis: int = 0, kind: str = "linear") -> np.ndarray:
    """Least-squares mean or line removed along ``axis`` of an array of any shape (no validation)."""
    out = a - a.mean(axis=axis, keepdims=True)
    if kind == "constant":
        return out
    n = a.shape[axis]
    t = np.arange(n, dtype=float) - (n - 1) / 2.0
    slope = np.tensordot(t, out, axes=([0], [axis])) / np.dot(t, t)  # one BLAS pass
    if out.ndim == 2 and axis == 0:  # recordings: one column at a time, no full-size temporary
        for c in range(out.shape[1]):
            out[:, c] -= slope[c] * t
        return out
    shape = [1] * a.ndim
    shape[axis] = n
    out -= np.expand_dims(slope, axis) * t.reshape(shape)
    return out


def butterworth(x, fs_hz: float, *, low_hz=None, high_hz=None, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth filter (forward-backward, second-order sections).

    ``low_hz`` alone gives a high-pass, ``high_hz`` alone a low-pass, both a band-pass; frequencies in Hz,
    strictly between 0 and the Nyquist frequency ``fs_hz / 2``.
    """
    from scipy import signal

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


def decimate(x, fs_hz: float, factor: int, *, method: str = "iir", detrend: Optional[str] = None) -> Resampled:
    """Anti-alias low-pass and keep every ``factor``-th sample.

    method : ``'iir'``: zero-phase Chebyshev I, 8th order, in stages of at most 10 (:func:`scipy.signal.decimate`);
        ``'fft'``: zero-phase ideal low-pass in the frequency domain, flat to 0.8 × the new Nyquist frequency with a
        raised-cosine transition to zero at the new Nyquist frequency, in one FFT of the whole record (no ripple,
        no phase error, faster for long records; the record is zero-padded, so only the first and last few
        hundred samples feel the edges). The kept samples come from one inverse FFT ``factor`` times shorter: the
        low-passed spectrum is zero above the new Nyquist frequency, so the short inverse transform gives exactly
        every ``factor``-th sample of the long one.
    detrend : ``'constant'`` or ``'linear'`` removes the mean or line first, exactly as :func:`detrend` (the FFT
        method does it on its own copy of the signal, saving a pass over the record).
    """
    a = _validate.signals(x)
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.choice(method, "method", ("iir", "fft"))
    if detrend is not None:
        _validate.choice(detrend, "detrend", ("constant", "linear"))
    factor = int(factor)
    if factor < 1:
        raise ValueError(f"factor must be an integer >= 1; got {factor}")
    if method == "fft" and factor > 1:
        if a.shape[0] < 30 * factor:
            raise ValueError(f"factor {factor} leaves too few samples ({a.shape[0]} before decimation)")
        return Resampled(data=_fft_decimate(a, factor, detrend), fs_hz=fs / factor, factor=factor)
    if detrend is not None:
        a = remove_trend(a, axis=0, kind=detrend)
    if factor == 1:
        return Resampled(data=a.copy() if detrend is None else a, fs_hz=fs, factor=1)
    from scipy import signal

    remaining, out = factor, a
    while remaining > 1:
        q = next(q for q in range(min(remaining, 10), 1, -1) if remaining % q == 0) if remaining > 10 else remaining
        if out.shape[0] < 30 * q:
            raise ValueError(f"factor {factor} leaves too few samples ({out.shape[0]} before the last stage)")
        out = signal.decimate(out, q, ftype="iir", axis=0, zero_phase=True)
        remaining //= q
    return Resampled(data=np.ascontiguousarray(out), fs_hz=fs / factor, factor=factor)


def _fft_decimate(a: np.ndarray, factor: int, detrend: Optional[str] = None) -> np.ndarray:
    """Every ``factor``-th sample of ``a`` (detrended first if asked) low-passed along axis 0 (gain 1 below 0.8 × the
    new Nyquist frequency, raised cosine to 0 at it), as a C-ordered (ceil(n/factor), n_channels) array.

    The channels are transformed one at a time: the same arithmetic as a batched transform, without a padded
    copy of the whole record and its spectrum (about 3× the record in memory); with several workers
    (:mod:`dsp.parallel`) each takes a contiguous share of the channels, one set of buffers each.

    The mean is removed from each channel's contiguous copy (a large offset, such as gravity or an ADC's zero, must
    not reach the transform, whose rounding scales with the values); the slope in the frequency domain: the
    transform is linear, so the spectrum of ``x − s·t`` (zero beyond the record) is that of ``x`` less ``s`` times
    the spectrum of the centred time ramp, transformed once for all channels and needed only in the kept band.
    A channel's detrend then costs a sum, a subtraction and a dot product on its copy instead of four passes and a
    full-length temporary.
    """
    n, n_channels = a.shape
    m = next_fast_len(-(-(n + min(n, 4096)) // factor))  # zero padding keeps the wrap-around off the record
    nfft = m * factor
    kept = m // 2 + 1  # the bins below the new Nyquist frequency
    f = np.arange(kept) / nfft  # cycles per input sample
    cutoff = 0.5 / factor
    edge = 0.8 * cutoff
    gain = np.clip((cutoff - f) / (cutoff - edge), 0.0, 1.0)
    response = (0.5 - 0.5 * np.cos(np.pi * gain)) / factor
    out = np.empty((-(-n // factor), n_channels))
    t = ramp = None
    if detrend == "linear":
        t = np.arange(n, dtype=float) - (n - 1) / 2.0
        padded = np.zeros(nfft)
        padded[:n] = t
        ramp = np.fft.rfft(padded)[:kept]  # the centred ramp's spectrum in the kept band
        tt = np.dot(t, t)

    def channels(piece: range) -> None:
        row = np.zeros(nfft)  # one channel at a time, contiguous: memory beyond input and output is O(n)
        spec = np.empty(nfft // 2 + 1, dtype=complex)
        back = np.empty(m)
        for c in piece:
            row[:n] = a[:, c]
            if detrend is not None:  # the mean in the time domain: a large offset must not reach the transform
                row[:n] -= row[:n].sum() / n
            np.fft.rfft(row, out=spec)
            band = spec[:kept]
            if ramp is not None:
                band -= (np.dot(row[:n], t) / tt) * ramp
            band *= response
            np.fft.irfft(band, m, out=back)
            out[:, c] = back[: out.shape[0]]

    parallel.run_all(channels, parallel.chunks(n_channels))  # a few channels per worker thread (dsp.parallel)
    return out


def decimation_factor_for(fs_hz: float, fmax_hz: float, *, oversampling: float = 2.5) -> int:
    """Largest integer factor that keeps the new Nyquist frequency ≥ ``oversampling/2 × fmax_hz``.

    A factor above 10 is only returned if it has no prime factor above 7, so it can be applied in stages of at
    most 10 (the 7-smooth numbers are enumerated directly, so any ratio is answered at once).
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.in_range(fmax_hz, "fmax_hz", 1e-9, fs / 2, unit="Hz")
    q = int(np.floor(fs / (oversampling * fmax_hz)))
    if q <= 10:
        return max(q, 1)
    return _largest_smooth_at_most(q)


def _largest_smooth_at_most(q: int) -> int:
    """The largest number ``2^a 3^b 5^c 7^d`` not above ``q`` (q ≥ 1)."""
    best = 1
    p2 = 1
    while p2 <= q:
        p3 = p2
        while p3 <= q:
            p5 = p3
            while p5 <= q:
                p7 = p5
                while p7 * 7 <= q:
                    p7 *= 7
                best = max(best, p7)
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return best
