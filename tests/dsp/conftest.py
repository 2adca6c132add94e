"""Shared simulated records with known modes (cached: each is simulated once per test session)."""
from __future__ import annotations

from functools import lru_cache

import pytest

from dsp.modal import mac
from dsp.simulate import ModalModel, SimulatedResponse, bridge_deck_model, simulate_ambient

# A deck whose first torsion mode lies 5 % above the first bending mode: the closely spaced pair the issue asks
# for (bending and torsion shapes, orthogonal on the two edges), plus the second bending and torsion modes.
CLOSE_PAIR_TORSION_HZ = (2.31, 10.6)
FS_HZ = 40.0          # > 2.5 × the highest mode (10.6 Hz): no decimation needed in the dsp tests
LONG_RECORD_S = 7200  # "long records": two hours, as a monitoring system stores them
NOISE_RATIO = 0.10    # 10 % sensor noise (std relative to each channel's clean std)
SEEDS = (1, 2, 3)


@lru_cache(maxsize=None)
def close_pair_record(seed: int, duration_s: float = LONG_RECORD_S, fs_hz: float = FS_HZ) -> SimulatedResponse:
    model, _ = bridge_deck_model(torsion_hz=CLOSE_PAIR_TORSION_HZ)
    return simulate_ambient(model, fs_hz, duration_s, noise_ratio=NOISE_RATIO, seed=seed)


@lru_cache(maxsize=None)
def deck_record(seed: int, duration_s: float = 3600, fs_hz: float = 50.0) -> SimulatedResponse:
    model, _ = bridge_deck_model()
    return simulate_ambient(model, fs_hz, duration_s, noise_ratio=NOISE_RATIO, seed=seed)


def match_modes(modes, model: ModalModel, *, max_relative_gap: float = 0.03):
    """Pair each true mode with the identified mode nearest in frequency (within 3 %, and the one with the best MAC
    when two are that close); returns ``(pairs, spurious)`` with pairs ``[(true_index, mode)]``."""
    pairs, used = [], set()
    for j, f_true in enumerate(model.natural_frequencies_hz):
        near = [k for k, m in enumerate(modes) if abs(m.frequency_hz / f_true - 1) <= max_relative_gap]
        if not near:
            continue
        k = max(near, key=lambda k: mac(modes[k].shape, model.mode_shapes[:, j]))
        pairs.append((j, modes[k]))
        used.add(k)
    spurious = [m for k, m in enumerate(modes) if k not in used]
    return pairs, spurious


def assert_accuracy(modes, model: ModalModel, *, max_frequency_error: float, max_damping_error: float,
                    min_mac: float = 0.98, max_spurious: int = 2) -> None:
    pairs, spurious = match_modes(modes, model)
    found = sorted(j for j, _ in pairs)
    assert found == list(range(model.n_modes)), (
        f"missed true modes {sorted(set(range(model.n_modes)) - set(found))} "
        f"(identified {[round(m.frequency_hz, 3) for m in modes]})")
    for j, m in pairs:
        f_true, z_true = model.natural_frequencies_hz[j], model.damping_ratios[j]
        assert abs(m.frequency_hz / f_true - 1) < max_frequency_error, (j, m.frequency_hz, f_true)
        assert abs(m.damping_ratio / z_true - 1) < max_damping_error, (j, m.damping_ratio, z_true)
        assert mac(m.shape, model.mode_shapes[:, j]) > min_mac, (j, mac(m.shape, model.mode_shapes[:, j]))
    assert len(spurious) <= max_spurious, [round(m.frequency_hz, 3) for m in spurious]


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def close_pair(request) -> SimulatedResponse:
    return close_pair_record(request.param)
