"""Summaries of recordings: the ``shm-app info`` JSON contract."""
from __future__ import annotations

from pathlib import Path

from shm_app.recording import Recording


def info_json(recording: Recording) -> dict:
    rms = recording.rms()
    return {
        "file": Path(recording.source).name if recording.source else None,
        "format": recording.format,
        "fs_hz": recording.fs_hz,
        "n_samples": recording.n_samples,
        "duration_s": recording.duration_s,
        "start": recording.start.isoformat(timespec="seconds") if recording.start else None,
        "channels": [{"name": c.name, "unit": c.unit, "source_unit": c.source_unit, "rms": float(r)}
                     for c, r in zip(recording.channels, rms)],
    }
