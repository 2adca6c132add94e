"""Validation at the entrance of every dsp function: messages name the parameter and the allowed values."""
from __future__ import annotations

import numpy as np


def signals(x, name: str = "x", *, min_samples: int = 2, min_channels: int = 1) -> np.ndarray:
    """Return ``x`` as a finite float ``(n_samples, n_channels)`` array or raise ValueError."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be shaped (n_samples, n_channels); got {a.ndim} dimensions")
    if a.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} samples; got {a.shape[0]}")
    if a.shape[1] < min_channels:
        raise ValueError(f"{name} needs at least {min_channels} channels; got {a.shape[1]}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or Inf values; repair or remove them before analysis")
    return a


def positive(value: float, name: str) -> float:
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive number; got {value!r}")
    return v


def in_range(value: float, name: str, low: float, high: float, *, unit: str = "") -> float:
    v = float(value)
    if not (np.isfinite(v) and low <= v <= high):
        u = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be between {low:g} and {high:g}{u}; got {value!r}")
    return v


def choice(value: str, name: str, allowed) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def features(x, name: str) -> np.ndarray:
    """A feature table ``(n_records, n_features)`` (a 1-D array is one feature); NaN marks a missing mode."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be shaped (n_records, n_features); got {a.ndim} dimensions")
    if np.any(np.isinf(a)):
        raise ValueError(f"{name} must be finite, or NaN for a missing mode")
    return a
