"""Simulated roving-sensor (multi-setup) tests with known global modes: ground truth for the multi-setup tests,
benchmark and demos.

Every setup is an independent ambient record (:func:`dsp.simulate.simulate_ambient`) of the reference points and
that setup's roving points, with its own length, excitation level and random forces: as at a real inspection,
where the sensors are moved between records.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import signal

from dsp import _validate
from dsp.multisetup import RovingLayout
from dsp.simulate import ModalModel, bridge_deck_model, modal_acceleration_filter, simulate_ambient


@dataclass(frozen=True)
class RovingTest:
    """A simulated multi-setup test.

    records : per setup, (n_samples_s, n_channels_s) acceleration, m/s², sensor noise included
    fs_hz : sampling rate, Hz
    layout : points of every channel; the references are the points measured in every setup
    model : the global modes, ``mode_shapes`` (n_points, n_modes)
    """

    records: tuple[np.ndarray, ...]
    fs_hz: float
    layout: RovingLayout
    model: ModalModel


def simulate_roving_test(model: ModalModel, setups: Sequence[Sequence[int]], fs_hz: float,
                         durations_s: Sequence[float], *, excitation_levels: Optional[Sequence[float]] = None,
                         noise_ratio: float = 0.05, point_names: Optional[Sequence[str]] = None,
                         seed: Optional[int] = None) -> RovingTest:
    """Simulate a roving test of ``model``.

    Parameters
    ----------
    model : the structure's modes; its channels are the global points.
    setups : per setup, the point indices (rows of ``model.mode_shapes``) its channels measure, in channel order;
        points measured in every setup are the references.
    fs_hz : sampling rate, Hz.
    durations_s : (n_setups,) record lengths, s.
    excitation_levels : (n_setups,) standard deviation of the modal forces of each setup (traffic and wind change
        between records), relative to level 1; default all 1. (n_setups, n_modes) sets each mode's force apart:
        an excitation whose spectrum, not only its level, changes between setups.
    noise_ratio : sensor noise std relative to each channel's clean std.
    point_names : (n_points,) names (default ``P01``, ``P02``, …).
    seed : random seed; setup ``s`` uses an independent stream derived from it.

    Returns
    -------
    RovingTest with the records in m/s² (≈ 5 mm/s² RMS at the most active point for level 1).
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    n_setups = len(setups)
    durations = [_validate.positive(d, f"durations_s[{s}]") for s, d in enumerate(durations_s)]
    levels = np.ones(n_setups) if excitation_levels is None else np.asarray(excitation_levels, dtype=float)
    if len(durations) != n_setups or levels.shape not in ((n_setups,), (n_setups, model.n_modes)):
        raise ValueError(f"durations_s must be ({n_setups},) and excitation_levels ({n_setups},) or ({n_setups}, "
                         f"{model.n_modes}), one value per setup (and mode); got {len(durations)} and "
                         f"{levels.shape}")
    if not np.all(np.isfinite(levels) & (levels > 0)):
        raise ValueError(f"excitation_levels must be positive numbers; got {levels.tolist()}")
    for s, points in enumerate(setups):
        if not len(points) or min(points) < 0 or max(points) >= model.n_channels:
            raise ValueError(f"setups[{s}] must be point indices 0…{model.n_channels - 1}; got {list(points)}")
    names = tuple(point_names) if point_names is not None else tuple(f"P{k + 1:02d}" for k in range(model.n_channels))
    if len(names) != model.n_channels:
        raise ValueError(f"point_names must name the model's {model.n_channels} points; got {len(names)}")
    channel_points = [[int(p) for p in ch] for ch in setups]
    common = [p for p in (channel_points[0] if channel_points else []) if all(p in ch for ch in channel_points)]
    if not common:
        raise ValueError("setups: no point is measured in every setup; at least one reference is needed")
    layout = RovingLayout(names, tuple(map(tuple, channel_points)), tuple(common))
    # equal modal acceleration variance for every mode (as simulate_ambient's default), times the setup's level;
    # the whole model is simulated and the setup's points kept, so every setup shares one scale of every mode
    w = 2 * np.pi * model.natural_frequencies_hz
    force_std = np.sqrt(model.damping_ratios / w)
    force_std = 5e-3 * force_std / np.max(np.sqrt((model.mode_shapes ** 2) @ (force_std * _unit_rms(model, fs)) ** 2))
    streams = np.random.SeedSequence(seed).spawn(n_setups)
    records = tuple(
        simulate_ambient(model, fs, durations[s], noise_ratio=noise_ratio, modal_force_std=force_std * levels[s],
                         response_rms=None, seed=np.random.default_rng(streams[s])).acceleration[:, points]
        for s, points in enumerate(channel_points))
    return RovingTest(records, fs, layout, model)


def _unit_rms(model: ModalModel, fs_hz: float) -> np.ndarray:
    """(n_modes,) stationary RMS modal acceleration for a unit-variance white modal force (norm of the impulse
    response of :func:`dsp.simulate.modal_acceleration_filter`)."""
    n = int(np.ceil(20 * fs_hz / np.min(model.damping_ratios * 2 * np.pi * model.natural_frequencies_hz)))
    impulse = np.zeros(n)
    impulse[0] = 1.0
    return np.array([np.linalg.norm(signal.lfilter(*modal_acceleration_filter(f, z, fs_hz), impulse))
                     for f, z in zip(model.natural_frequencies_hz, model.damping_ratios)])


def roving_deck(n_sections: int = 7) -> tuple[ModalModel, tuple[str, ...], list[list[int]]]:
    """A deck with vertical sensors on both edges of ``n_sections`` sections (``2·n_sections`` points), five
    modes (bending 2.20, 8.10, 17.6 Hz; torsion 3.45, 10.6 Hz), and three setups roving over it with three
    references (both edges of section 2, the left edge of section 5): model, point names, setups."""
    if int(n_sections) < 5:
        raise ValueError(f"n_sections must be at least 5; got {n_sections}")
    model, sensors = bridge_deck_model(int(n_sections), bending_hz=(2.20, 8.10, 17.6), torsion_hz=(3.45, 10.6))
    names = tuple(name for name, _, _ in sensors)
    refs = [2, 3, 8]  # A02L, A02R, A05L
    roving = [p for p in range(len(names)) if p not in refs]
    thirds = np.array_split(np.array(roving), 3)
    return model, names, [refs + [int(p) for p in part] for part in thirds]
