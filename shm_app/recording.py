"""The in-memory recording every reader produces and every pipeline consumes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from shm_app.units import APP_UNIT


@dataclass(frozen=True)
class Channel:
    """One sensor channel. ``unit`` is the unit inside the app; ``source_unit`` the file's (None if unstated)."""

    name: str
    unit: str = APP_UNIT
    source_unit: Optional[str] = None
    position_m: Optional[tuple[float, float, float]] = None
    direction: Optional[str] = None


@dataclass(frozen=True, eq=False)
class Recording:
    """A multichannel recording, data ``(n_samples, n_channels)`` in app units (m/s² for acceleration).

    ``start`` is a timezone-naive UTC datetime or None when unknown.
    """

    data: np.ndarray
    fs_hz: float
    channels: tuple[Channel, ...]
    start: Optional[datetime] = None
    source: Optional[str] = None
    format: str = "unknown"
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = np.asarray(self.data, dtype=float)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2:
            raise ValueError(f"data must be (n_samples, n_channels), got shape {data.shape}")
        if data.shape[1] != len(self.channels):
            raise ValueError(f"{data.shape[1]} data columns but {len(self.channels)} channel descriptions")
        if not (np.isfinite(self.fs_hz) and self.fs_hz > 0):
            raise ValueError(f"fs_hz must be a positive number, got {self.fs_hz}")
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "channels", tuple(self.channels))

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def name(self) -> str:
        return Path(self.source).name if self.source else "recording"

    def time_s(self) -> np.ndarray:
        """Sample times in seconds from the start of the recording."""
        return np.arange(self.n_samples) / self.fs_hz

    def select(self, names: Sequence[str]) -> "Recording":
        """A recording holding only the named channels, in the given order (KeyError names the unknown one)."""
        index = {c.name: i for i, c in enumerate(self.channels)}
        missing = [n for n in names if n not in index]
        if missing:
            raise KeyError(f"unknown channel {missing[0]!r}; available: {', '.join(index)}")
        cols = [index[n] for n in names]
        return replace(self, data=self.data[:, cols], channels=tuple(self.channels[i] for i in cols))

    def rms(self) -> np.ndarray:
        """Root mean square of each channel about its mean, in app units."""
        return np.sqrt(np.mean((self.data - self.data.mean(axis=0)) ** 2, axis=0))


_STAMP = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<mo>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T_ ]?(?P<h>[0-2]\d)[-:_]?(?P<mi>[0-5]\d)(?:[-:_]?(?P<s>[0-5]\d))?)?"
)


def start_from_filename(path: str | Path) -> Optional[datetime]:
    """Start time from an ISO-like stamp in a file name (``deck_2026-03-01T03-00-00.csv``, ``20260301_030000.tdms``)."""
    for m in _STAMP.finditer(Path(path).name):
        try:
            return datetime(
                int(m["y"]), int(m["mo"]), int(m["d"]),
                int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0),
            )
        except ValueError:
            continue
    return None
