"""Shared helpers for the reader tests (a plain module: the test folders are not packages)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
PALISADEN = SHARED_DATA / "palisaden" / "Palisaden_dataset.npy"
PAINTER = SHARED_DATA / "csmip_painter_st_CE89324"


def shared(path: Path) -> Path:
    """A file under ../shared/data, or skip the test saying what is missing."""
    if not path.exists():
        pytest.skip(f"real data not available: {path} (../shared/data is not checked out here)")
    return path


def simulated(n_samples: int = 2000, n_channels: int = 3, fs_hz: float = 100.0, seed: int = 0) -> np.ndarray:
    """A small ambient-like recording in m/s²: two damped resonances plus noise, (n_samples, n_channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / fs_hz
    shapes = rng.uniform(0.3, 1.0, size=(2, n_channels))
    modal = np.column_stack([np.sin(2 * np.pi * 2.2 * t), np.sin(2 * np.pi * 7.9 * t + 0.3)])
    return 0.01 * modal @ shapes + 0.001 * rng.standard_normal((n_samples, n_channels))
