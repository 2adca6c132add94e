"""Spectral estimates: Welch PSD, the cross-spectral-density matrix, and its singular values (the FDD view)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from dsp import _validate
from dsp.preprocess import remove_trend


@dataclass(frozen=True)
class PowerSpectrum:
    """frequencies_hz : (n_freqs,) Hz; psd : (n_freqs, n_channels), (unit)²/Hz, one-sided."""

    frequencies_hz: np.ndarray
    psd: np.ndarray
    n_segments: int


@dataclass(frozen=True)
class SpectralMatrix:
    """frequencies_hz : (n_freqs,) Hz; csd : (n_freqs, n_channels, n_channels) complex, (unit)²/Hz, one-sided,
    Hermitian in its last two axes, ``csd[f, i, j] = E[X_i(f) conj(X_j(f))]`` scaled as a density."""

    frequencies_hz: np.ndarray
    csd: np.ndarray
    n_segments: int


@dataclass(frozen=True)
class SingularValueSpectrum:
    """The FDD view of a spectral matrix.

    frequencies_hz : (n_freqs,) Hz
    singular_values : (n_freqs, n_channels), (unit)²/Hz, descending along axis 1
    first_vectors : (n_freqs, n_channels) complex, first singular vector at each frequency (unit norm)
    n_segments : number of Welch segments averaged (sets the statistical scatter, ≈ 4.34/√n dB); None if unknown
    vectors : (n_freqs, n_channels, n_channels) complex, all singular vectors (columns), when requested
    """

    frequencies_hz: np.ndarray
    singular_values: np.ndarray
    first_vectors: np.ndarray
    n_segments: Optional[int] = None
    vectors: Optional[np.ndarray] = field(default=None, repr=False)


def _segment_length(n_samples: int, fs: float, nperseg, resolution_hz) -> int:
    if nperseg is None:
        if resolution_hz is not None:
            nperseg = int(round(fs / _validate.positive(resolution_hz, "resolution_hz")))
        else:
            nperseg = 2 ** int(np.clip(np.floor(np.log2(n_samples / 8)), 6, 14))
    nperseg = int(nperseg)
    if nperseg < 8 or nperseg > n_samples:
        raise ValueError(f"nperseg must be between 8 and the number of samples ({n_samples}); got {nperseg}")
    return nperseg


CACHE_SAMPLES = 1 << 16  # samples (512 KB of float64) processed at once: the temporaries stay in a core's cache


def _contiguous_columns(a: np.ndarray, block_rows: int = 8192, group: int = 8, max_bytes: int = 1 << 25):
    """``(index, samples)`` for every column of ``a`` as a contiguous array, transposed a block of rows and a group
    of channels at a time (windows over a column of a C-ordered record read one sample per cache line; 8 columns
    use all of it). The copies of a group take at most ``max_bytes`` (a day-long record: one column at a time;
    the caller may still hold the previous group while the next is made)."""
    if a.flags.f_contiguous:
        for c in range(a.shape[1]):
            yield c, a[:, c]
        return
    group = max(1, min(group, max_bytes // max(1, 8 * a.shape[0])))
    for c0 in range(0, a.shape[1], group):
        cols = np.empty((min(group, a.shape[1] - c0), a.shape[0]))
        for r in range(0, a.shape[0], block_rows):
            cols[:, r:r + block_rows] = a[r:r + block_rows, c0:c0 + group].T
        yield from enumerate(cols, start=c0)


def welch_psd(x, fs_hz: float, *, nperseg=None, resolution_hz=None, overlap: float = 0.5,
              window: str = "hann") -> PowerSpectrum:
    """Welch power spectral density of each channel (linear detrend per segment, Hann window by default).

    Parameters
    ----------
    x : (n_samples, n_channels) signals.
    fs_hz : sampling rate, Hz.
    nperseg : samples per segment (default: a power of two giving at least 8 segments, 64 to 16384).
    resolution_hz : alternative to ``nperseg``: frequency resolution, Hz.
    overlap : fraction of overlap between segments, 0 to 0.9.
    """
    from scipy import signal  # imported here: scipy.signal costs ~1 s of start-up

    a = _validate.signals(x, min_samples=8)
    fs = _validate.positive(fs_hz, "fs_hz")
    n = _segment_length(a.shape[0], fs, nperseg, resolution_hz)
    _validate.in_range(overlap, "overlap", 0.0, 0.9)
    step = n - int(overlap * n)
    n_seg = 1 + (a.shape[0] - n) // step
    w = signal.get_window(window, n)
    t = np.arange(n) - (n - 1) / 2  # centred time: the segment's linear trend is mean + slope·t
    tt = float(t @ t)
    scale = np.full(n // 2 + 1, 2.0 / (fs * float(w @ w) * n_seg))
    scale[0] /= 2
    if n % 2 == 0:
        scale[-1] /= 2
    p = np.empty((n // 2 + 1, a.shape[1]))
    group = max(1, CACHE_SAMPLES // n)  # segments detrended and transformed together: their copies stay in cache
    for c, column in _contiguous_columns(a):  # a channel at a time: its segments are views of one contiguous copy
        segments = np.lib.stride_tricks.sliding_window_view(column, n)[::step][:n_seg]
        power = np.zeros(n + 2)  # summed over segments: re², im² interleaved
        for j in range(0, n_seg, group):
            seg = segments[j:j + group]
            detrended = seg - seg.mean(axis=1, keepdims=True) - np.outer(seg @ t / tt, t)  # linear detrend
            spectrum = np.fft.rfft(detrended * w, axis=1).view(np.float64)
            power += np.einsum("sk,sk->k", spectrum, spectrum)
        p[:, c] = power.reshape(-1, 2).sum(axis=1) * scale
    f = np.fft.rfftfreq(n, 1.0 / fs)
    return PowerSpectrum(frequencies_hz=f, psd=p, n_segments=n_seg)


def csd_matrix(x, fs_hz: float, *, nperseg=None, resolution_hz=None, overlap: float = 0.5,
               window: str = "hann", fmax_hz=None, group_elements: int = 1 << 21) -> SpectralMatrix:
    """Welch estimate of the full cross-spectral-density matrix, all channel pairs at once.

    Segments are windowed and transformed once; the matrix at every frequency is the segment average of
    ``X Xᴴ`` (batched matrix products). The diagonal equals :func:`welch_psd` with the same settings.
    ``fmax_hz`` keeps only frequencies up to that value (saves memory for many channels). Segments are processed
    in groups of about ``group_elements`` samples × channels, so memory does not grow with the record.
    """
    from scipy import signal

    a = _validate.signals(x, min_samples=8)
    fs = _validate.positive(fs_hz, "fs_hz")
    n = _segment_length(a.shape[0], fs, nperseg, resolution_hz)
    _validate.in_range(overlap, "overlap", 0.0, 0.9)
    step = n - int(overlap * n)
    win = signal.get_window(window, n)
    segments = np.lib.stride_tricks.sliding_window_view(a, n, axis=0)[::step]  # (n_seg, n_ch, n), a view
    n_seg, n_ch = segments.shape[:2]
    freqs = np.fft.rfftfreq(n, 1.0 / fs)
    keep = slice(None) if fmax_hz is None else freqs <= float(fmax_hz)
    freqs = freqs[keep]
    g = np.zeros((freqs.size, n_ch, n_ch), dtype=complex)
    per_group = max(1, group_elements // (n * n_ch))
    for s0 in range(0, n_seg, per_group):
        segs = remove_trend(segments[s0:s0 + per_group], axis=-1, kind="linear") * win
        spec = np.transpose(np.fft.rfft(segs, axis=-1)[..., keep], (2, 1, 0))  # (n_freq, n_ch, group)
        g += np.matmul(spec, np.conj(np.transpose(spec, (0, 2, 1))))
    g /= fs * np.sum(win ** 2) * n_seg
    g[1:] *= 2.0
    if n % 2 == 0 and freqs[-1] == fs / 2:
        g[-1] /= 2.0
    return SpectralMatrix(frequencies_hz=freqs, csd=g, n_segments=n_seg)


def singular_value_spectrum(spectral_matrix: SpectralMatrix, *, keep_vectors: bool = False) -> SingularValueSpectrum:
    """Singular values (descending) and first singular vectors of the spectral matrix at every frequency.

    The matrix is Hermitian positive semi-definite, so its SVD is its eigendecomposition (one batched ``eigh``).
    ``keep_vectors`` also stores every singular vector (EFDD needs them for closely spaced modes).
    """
    w, v = np.linalg.eigh(spectral_matrix.csd)
    w, v = w[:, ::-1], v[:, :, ::-1]  # descending
    s = np.maximum(w, 0.0)
    return SingularValueSpectrum(frequencies_hz=spectral_matrix.frequencies_hz, singular_values=s,
                                 first_vectors=np.ascontiguousarray(v[:, :, 0]), n_segments=spectral_matrix.n_segments,
                                 vectors=v if keep_vectors else None)
