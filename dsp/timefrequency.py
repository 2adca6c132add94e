"""Time-frequency view: the spectrogram engineers use to spot transients (traffic, impacts) and drifting modes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from dsp import _validate


@dataclass(frozen=True)
class Spectrogram:
    """times_s : (n_times,) segment centres, s; frequencies_hz : (n_freqs,) Hz;
    psd : (n_times, n_freqs), (unit)²/Hz, one-sided, of the chosen channel."""

    times_s: np.ndarray
    frequencies_hz: np.ndarray
    psd: np.ndarray


def spectrogram(x, fs_hz: float, *, channel: int = 0, segment_s: float = 10.0, overlap: float = 0.5,
                fmax_hz=None, max_segments: int = 2000) -> Spectrogram:
    """Short-time PSD of one channel (Hann window, linear detrend per segment).

    ``segment_s`` sets the frequency resolution (1/segment_s Hz). For very long records the hop is enlarged so
    at most ``max_segments`` segments are computed (the display cannot show more).
    """
    a = _validate.signals(x, min_samples=16)
    fs = _validate.positive(fs_hz, "fs_hz")
    if not 0 <= channel < a.shape[1]:
        raise ValueError(f"channel must be between 0 and {a.shape[1] - 1}; got {channel}")
    _validate.in_range(overlap, "overlap", 0.0, 0.95)
    n = int(np.clip(round(_validate.positive(segment_s, "segment_s") * fs), 16, a.shape[0]))
    hop = max(int(n * (1 - overlap)), 1, int(np.ceil((a.shape[0] - n) / max(max_segments - 1, 1))))
    f, t, s = signal.spectrogram(a[:, channel], fs=fs, window="hann", nperseg=n, noverlap=n - hop,
                                 detrend="linear", scaling="density", mode="psd")
    if fmax_hz is not None:
        keep = f <= float(fmax_hz)
        f, s = f[keep], s[keep]
    return Spectrogram(times_s=t, frequencies_hz=f, psd=s.T)
