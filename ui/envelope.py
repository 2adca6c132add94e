"""Min/max envelopes of long multichannel records for display (no Qt): what each screen pixel of a time-series plot
covers, without copying the record.

A :class:`MinMaxPyramid` reads the record once and keeps, per channel, the minimum and maximum of blocks of
``base`` samples, and of ``base**2``, ``base**3`` … samples (float32: 1/8 of a float64 record for ``base=16``).
:meth:`MinMaxPyramid.envelope` then answers any view from the coarsest level fine enough for it, and from the
record itself when zoomed in to a few samples per pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK_ROWS = 1 << 16  # rows read at a time while building (bounds the temporaries: 16 MB at 32 channels)


@dataclass(frozen=True)
class Envelope:
    """Samples to draw: ``index`` into the record (n_points,), ``values`` (n_points, n_channels).

    ``raw`` is True when the points are the samples themselves; otherwise every bin appears twice in a row, its
    minimum then its maximum, so a line through the points covers the bin's whole range.
    """

    index: np.ndarray
    values: np.ndarray
    raw: bool


class MinMaxPyramid:
    """Block minima and maxima of ``data`` (n_samples, n_channels) at block sizes ``base``, ``base**2``, ….

    ``mean`` and ``rms`` (about the mean) of each channel are computed in the same pass.
    """

    def __init__(self, data: np.ndarray, base: int = 16) -> None:
        if data.ndim != 2:
            raise ValueError(f"data must be (n_samples, n_channels); got shape {data.shape}")
        if base < 2:
            raise ValueError(f"base must be at least 2; got {base}")
        self.data = data  # a reference, never a copy
        self.base = base
        n, n_ch = data.shape
        lo = np.empty((-(-n // base), n_ch), np.float32)
        hi = np.empty_like(lo)
        total = np.zeros(n_ch)
        squares = np.zeros(n_ch)
        rows = _CHUNK_ROWS - _CHUNK_ROWS % base
        for r0 in range(0, n, rows):
            chunk = data[r0:r0 + rows]
            total += chunk.sum(axis=0)
            squares += np.einsum("ij,ij->j", chunk, chunk)
            _block_extrema(chunk, base, lo[r0 // base:], hi[r0 // base:])
        self.mean = total / max(n, 1)
        self.rms = np.sqrt(np.maximum(squares / max(n, 1) - self.mean ** 2, 0.0))
        self.levels = [(base, lo, hi)]  # (samples per block, minima, maxima)
        while lo.shape[0] > 1:
            lo2 = np.empty((-(-lo.shape[0] // base), n_ch), np.float32)
            hi2 = np.empty_like(lo2)
            _block_extrema(lo, base, lo2, None)
            _block_extrema(hi, base, None, hi2)
            lo, hi = lo2, hi2
            self.levels.append((self.levels[-1][0] * base, lo, hi))
        self.minimum = lo[0].astype(float) if n else np.zeros(n_ch)
        self.maximum = hi[0].astype(float) if n else np.zeros(n_ch)

    @property
    def nbytes(self) -> int:
        return sum(lo.nbytes + hi.nbytes for _, lo, hi in self.levels)

    def envelope(self, start: int, stop: int, n_bins: int) -> Envelope:
        """What to draw for samples ``start:stop`` on ``n_bins`` pixels: the samples themselves when there are
        fewer than two per bin, else each bin's minimum and maximum (bins aligned to multiples of their size, so
        panning does not make the envelope flicker)."""
        n = self.data.shape[0]
        start, stop = max(int(start), 0), min(int(stop), n)
        if stop <= start:
            return Envelope(np.empty(0, np.intp), np.empty((0, self.data.shape[1])), True)
        per_bin = (stop - start) / max(int(n_bins), 1)
        if per_bin < 2:
            return Envelope(np.arange(start, stop), self.data[start:stop], True)
        size, lo, hi = 1, self.data, self.data
        for level in self.levels:
            if level[0] <= per_bin:
                size, lo, hi = level
        m = max(int(per_bin // size), 1)  # level blocks per bin
        bin_samples = m * size
        j0 = (start // bin_samples) * m
        j1 = min(-(-stop // size), lo.shape[0])
        full = (j1 - j0) // m
        lo_parts = [lo[j0:j0 + full * m].reshape(full, m, -1).min(axis=1)]
        hi_parts = [hi[j0:j0 + full * m].reshape(full, m, -1).max(axis=1)]
        if j0 + full * m < j1:
            lo_parts.append(lo[j0 + full * m:j1].min(axis=0, keepdims=True))
            hi_parts.append(hi[j0 + full * m:j1].max(axis=0, keepdims=True))
        lows, highs = np.concatenate(lo_parts), np.concatenate(hi_parts)
        values = np.empty((2 * lows.shape[0], lows.shape[1]), lows.dtype)
        values[0::2], values[1::2] = lows, highs
        first = np.arange(lows.shape[0]) * bin_samples + j0 * size
        index = np.minimum(np.repeat(first, 2) + np.tile([0, bin_samples // 2], lows.shape[0]), n - 1)
        return Envelope(index, values, False)


def _block_extrema(a: np.ndarray, base: int, lo, hi) -> None:
    """Minimum into ``lo`` and maximum into ``hi`` (either may be None) of consecutive blocks of ``base`` rows of
    ``a``; a shorter last block counts too."""
    full = a.shape[0] // base
    blocks = a[:full * base].reshape(full, base, a.shape[1])
    if lo is not None:
        np.min(blocks, axis=1, out=lo[:full])
    if hi is not None:
        np.max(blocks, axis=1, out=hi[:full])
    if full * base < a.shape[0]:
        tail = a[full * base:]
        if lo is not None:
            lo[full] = tail.min(axis=0)
        if hi is not None:
            hi[full] = tail.max(axis=0)
