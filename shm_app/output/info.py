"""Summaries of recordings: the ``shm-app info`` JSON contract, and the notes a reader left for the user."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.recording import Recording


def finite_or_none(value) -> Optional[float]:
    """``value`` as a float, or None (JSON null) when it is not finite: JSON has no Infinity or NaN."""
    x = float(value)
    return x if math.isfinite(x) else None


def channel_rms(data: np.ndarray, block_values: int = 1 << 20) -> np.ndarray:
    """Root mean square of each column about its mean, computed on values scaled by the column's largest magnitude
    so that samples near 1e308 do not overflow (no numpy warning, no Infinity). A block of rows at a time: the
    temporaries are a block's, not the record's (a 4.4 GB record needed 13 GB more)."""
    data = np.asarray(data, dtype=float)
    if data.shape[0] == 0:
        return np.full(data.shape[1], np.nan)
    rows = max(1, block_values // max(1, data.shape[1]))
    blocks = [data[r:r + rows] for r in range(0, data.shape[0], rows)]
    with np.errstate(all="ignore"):
        scale = np.max([np.max(np.abs(b), axis=0) for b in blocks], axis=0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        mean = np.sum([np.sum(b / scale, axis=0) for b in blocks], axis=0) / data.shape[0]
        square = np.sum([np.sum((b / scale - mean) ** 2, axis=0) for b in blocks], axis=0)
        return np.sqrt(square / data.shape[0]) * scale


def info_json(recording: Recording) -> dict:
    """The ``shm-app info`` object of one recording (docs/contracts.md); a value that is not finite is null."""
    rms = channel_rms(recording.data)
    return {
        "file": Path(recording.source).name if recording.source else None,
        "format": recording.format,
        "fs_hz": finite_or_none(recording.fs_hz),
        "n_samples": recording.n_samples,
        "duration_s": finite_or_none(recording.duration_s),
        "start": recording.start.isoformat(timespec="seconds") if recording.start else None,
        "channels": [{"name": c.name, "unit": c.unit, "source_unit": c.source_unit, "rms": finite_or_none(r)}
                     for c, r in zip(recording.channels, rms)],
    }


def recording_notes(recording: Recording) -> list[str]:
    """One-line notes on what the reader did to the data or assumed (gaps bridged, channels trimmed, ...).

    Shown under ``shm-app info`` and in the GUI's status, so nothing is changed silently.
    """
    meta = recording.metadata
    notes = []
    gaps = meta.get("repaired_gaps") or []
    if gaps:
        by_channel: dict[str, list] = {}
        for name, _, length in gaps:
            by_channel.setdefault(name, []).append(length)
        detail = ", ".join(f"{name} ({len(v)} gap(s), longest {max(v):.3g} s)" for name, v in by_channel.items())
        notes.append(f"short NaN/Inf gaps bridged by linear interpolation: {detail}")
    trimmed = meta.get("trimmed_channels")
    if trimmed:
        notes.append(f"channels of unequal length cut to the common {meta.get('trimmed_to_samples')} samples: "
                     + ", ".join(f"{k} had {v}" for k, v in list(trimmed.items())[:8])
                     + (" ..." if len(trimmed) > 8 else ""))
    if meta.get("transposed"):
        notes.append("the signal matrix was stored channels x samples and has been transposed")
    unstated = [c.name for c in recording.channels if c.source_unit is None and c.unit == "m/s^2"]
    if unstated:
        notes.append("no unit stated for " + (", ".join(unstated) if len(unstated) < len(recording.channels)
                                               else "any channel") + ": m/s^2 assumed")
    other = meta.get("non_acceleration_channels")
    if other:
        notes.append("kept in their own unit (not accelerations): " + ", ".join(other))
    if recording.start is None:
        notes.append("start time unknown (neither the file nor its name states it)")
    return notes
