"""Ambient-vibration simulator with known modes: the ground truth for tests, benchmarks and the bundled sample.

Each mode is a single-degree-of-freedom oscillator driven by independent Gaussian white noise; the modal
accelerations are superposed through the mode shapes (proportional damping, real shapes). The state equations are
discretised exactly for a zero-order-hold input, so the sampled response has exactly the stated natural
frequencies and damping ratios (discrete poles ``exp(λ dt)``), whatever the sampling rate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import signal

from dsp import _validate


@dataclass(frozen=True)
class ModalModel:
    """Known modal parameters of a structure.

    natural_frequencies_hz : (n_modes,) Hz (undamped)
    damping_ratios : (n_modes,) ratio of critical
    mode_shapes : (n_channels, n_modes), real, columns scaled so the largest absolute entry is +1
    """

    natural_frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    mode_shapes: np.ndarray

    def __post_init__(self) -> None:
        f = np.atleast_1d(np.asarray(self.natural_frequencies_hz, dtype=float))
        z = np.atleast_1d(np.asarray(self.damping_ratios, dtype=float))
        phi = np.asarray(self.mode_shapes, dtype=float)
        if phi.ndim == 1:
            phi = phi[:, None]
        if not (f.shape == z.shape and phi.shape[1] == f.size):
            raise ValueError("natural_frequencies_hz, damping_ratios and mode_shapes columns must agree in number")
        if np.any(f <= 0) or np.any((z <= 0) | (z >= 1)):
            raise ValueError("natural frequencies must be > 0 Hz and damping ratios in (0, 1)")
        scale = phi[np.argmax(np.abs(phi), axis=0), np.arange(phi.shape[1])]
        object.__setattr__(self, "natural_frequencies_hz", f)
        object.__setattr__(self, "damping_ratios", z)
        object.__setattr__(self, "mode_shapes", phi / scale)

    @property
    def n_modes(self) -> int:
        return int(self.natural_frequencies_hz.size)

    @property
    def n_channels(self) -> int:
        return int(self.mode_shapes.shape[0])

    def with_frequencies(self, natural_frequencies_hz) -> "ModalModel":
        return ModalModel(natural_frequencies_hz, self.damping_ratios, self.mode_shapes)


@dataclass(frozen=True)
class SimulatedResponse:
    """acceleration : (n_samples, n_channels), m/s², including sensor noise; clean : the same without noise."""

    acceleration: np.ndarray
    clean: np.ndarray
    fs_hz: float
    model: ModalModel


def modal_acceleration_filter(natural_frequency_hz: float, damping_ratio: float, fs_hz: float):
    """Exact zero-order-hold discretisation of ``q'' + 2ζω q' + ω² q = p``, output ``q''``.

    Returns ``(b, a)`` transfer-function coefficients for :func:`scipy.signal.lfilter`.
    """
    w = 2.0 * np.pi * natural_frequency_hz
    a_c = np.array([[0.0, 1.0], [-w * w, -2.0 * damping_ratio * w]])
    b_c = np.array([[0.0], [1.0]])
    c_c = np.array([[-w * w, -2.0 * damping_ratio * w]])
    d_c = np.array([[1.0]])
    a_d, b_d, c_d, d_d, _ = signal.cont2discrete((a_c, b_c, c_c, d_c), 1.0 / fs_hz, method="zoh")
    num, den = signal.ss2tf(a_d, b_d, c_d, d_d)
    return num[0], den


def simulate_ambient(
    model: ModalModel,
    fs_hz: float,
    duration_s: float,
    *,
    noise_ratio: float = 0.0,
    modal_force_std=None,
    response_rms: Optional[float] = 5e-3,
    seed: Optional[int] = None,
) -> SimulatedResponse:
    """Simulate the ambient acceleration response of ``model``.

    Parameters
    ----------
    model : the structure's modes.
    fs_hz : sampling rate, Hz; must exceed twice the highest natural frequency.
    duration_s : record length, s (a warm-up of five decay times is simulated and discarded).
    noise_ratio : sensor noise standard deviation relative to each channel's clean standard deviation.
    modal_force_std : (n_modes,) standard deviation of each modal white-noise force (default: equal modal
        acceleration variance for every mode, so all modes are visible).
    response_rms : if given, the clean response is scaled so its most active channel has this RMS, m/s²
        (default 5 mm/s², typical of a road bridge under traffic and wind).
    seed : random seed.

    Returns
    -------
    SimulatedResponse with ``acceleration`` (n_samples, n_channels) in m/s².
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.positive(duration_s, "duration_s")
    if np.max(model.natural_frequencies_hz) >= fs / 2:
        raise ValueError(
            f"fs_hz must exceed twice the highest natural frequency "
            f"({2 * np.max(model.natural_frequencies_hz):g} Hz); got {fs:g}"
        )
    _validate.in_range(noise_ratio, "noise_ratio", 0.0, 10.0)
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    decay_s = 1.0 / (model.damping_ratios * 2 * np.pi * model.natural_frequencies_hz)
    n_warm = int(np.ceil(5 * decay_s.max() * fs))
    if modal_force_std is None:
        # stationary acceleration variance of a white-noise-driven SDOF ∝ ω / ζ for unit force density
        w = 2 * np.pi * model.natural_frequencies_hz
        force_std = np.sqrt(model.damping_ratios / w)
        force_std = force_std / force_std.max()
    else:
        force_std = np.broadcast_to(np.asarray(modal_force_std, dtype=float), (model.n_modes,))
    forces = rng.standard_normal((n_warm + n, model.n_modes)) * force_std
    modal = np.empty_like(forces)
    for j in range(model.n_modes):  # a handful of modes; lfilter runs the sample recursion in C
        b, a = modal_acceleration_filter(model.natural_frequencies_hz[j], model.damping_ratios[j], fs)
        modal[:, j] = signal.lfilter(b, a, forces[:, j])
    clean = modal[n_warm:] @ model.mode_shapes.T
    if response_rms is not None:
        clean *= _validate.positive(response_rms, "response_rms") / clean.std(axis=0).max()
    noise = rng.standard_normal(clean.shape) * (noise_ratio * clean.std(axis=0))
    return SimulatedResponse(acceleration=clean + noise, clean=clean, fs_hz=fs, model=model)


def bridge_deck_model(
    n_sections: int = 4,
    *,
    bending_hz=(2.20, 8.10),
    torsion_hz=(3.45, 10.6),
    damping_ratios=None,
) -> tuple[ModalModel, list[tuple[str, float, float]]]:
    """Modes of a simply supported bridge deck seen by vertical accelerometers on both edges.

    Sensors sit at ``n_sections`` equally spaced sections along the span, one on each edge (left, right).
    Bending mode k has shape ``sin(kπx/L)`` on both edges; torsion mode k the same with opposite signs on the
    two edges. Returns the model (modes sorted by frequency) and the sensor list ``(name, x/L, side)``.
    """
    xs = np.arange(1, n_sections + 1) / (n_sections + 1)
    sensors = [(f"A{i + 1:02d}{side}_z", x, s) for i, x in enumerate(xs) for side, s in (("L", 1.0), ("R", -1.0))]
    x = np.array([p[1] for p in sensors])
    side = np.array([p[2] for p in sensors])
    freqs, shapes = [], []
    for k, f in enumerate(bending_hz, start=1):
        freqs.append(f)
        shapes.append(np.sin(k * np.pi * x))
    for k, f in enumerate(torsion_hz, start=1):
        freqs.append(f)
        shapes.append(np.sin(k * np.pi * x) * side)
    order = np.argsort(freqs)
    freqs = np.asarray(freqs)[order]
    phi = np.column_stack(shapes)[:, order]
    if damping_ratios is None:
        damping_ratios = np.linspace(0.010, 0.020, freqs.size)
    return ModalModel(freqs, np.asarray(damping_ratios, dtype=float), phi), sensors
