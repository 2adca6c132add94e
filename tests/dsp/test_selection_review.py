"""Reviewing the selection: modes from chosen poles, FDD modes at a picked frequency, and why stable columns of
harmonics and weak modes were left out — checked on simulated structures with known modes."""
import numpy as np
import pytest

from dsp.selection_review import (explain_unselected, mode_at_frequency, mode_from_poles, nearest_mode,
                                  pole_column)
from dsp.simulate import bridge_deck_model, simulate_ambient
from dsp.spectral import csd_matrix, singular_value_spectrum
from dsp.ssi import ssi_cov
from dsp.stabilization import SelectionSettings, select_modes


@pytest.fixture(scope="module")
def deck():
    model, _ = bridge_deck_model()
    sim = simulate_ambient(model, 40.0, 600.0, noise_ratio=0.05, seed=11)
    return model, sim.acceleration


@pytest.fixture(scope="module")
def with_sine(deck):
    """The deck plus an undamped 5.0 Hz sine on every channel (machinery): a clean stable column, not a mode."""
    model, y = deck
    t = np.arange(y.shape[0]) / 40.0
    y = y + 0.5 * np.std(y) * np.sin(2 * np.pi * 5.0 * t)[:, None] * np.linspace(1, 0.5, y.shape[1])
    diagram = ssi_cov(y, 40.0, block_rows=40, orders=range(2, 61, 2))
    settings = SelectionSettings(fmin_hz=0.5, fmax_hz=16.0, record_duration_s=600.0)
    return model, diagram, settings, select_modes(diagram, settings)


def test_a_selected_modes_poles_give_that_mode_back(with_sine):
    _, diagram, _, modes = with_sine
    for m in modes:
        again = mode_from_poles(diagram, m.poles)
        assert again.frequency_hz == pytest.approx(m.frequency_hz, rel=1e-12)
        assert again.n_poles == m.n_poles and np.allclose(np.abs(again.shape), np.abs(m.shape))


def test_the_column_through_a_pole_is_that_mode(with_sine):
    model, diagram, _, modes = with_sine
    m = modes[0]
    column = pole_column(diagram, int(m.poles[len(m.poles) // 2]))
    assert np.unique(diagram.orders[column]).size == column.size  # one pole per order
    assert mode_from_poles(diagram, column).frequency_hz == pytest.approx(m.frequency_hz, rel=2e-3)
    with pytest.raises(ValueError, match="poles must be indices"):
        mode_from_poles(diagram, [diagram.orders.size])


def test_the_harmonic_is_explained_not_selected(with_sine):
    model, diagram, settings, modes = with_sine
    assert all(abs(m.frequency_hz - 5.0) > 0.05 for m in modes)  # the sine is not a mode
    for f in model.natural_frequencies_hz:  # the structure's modes are
        assert min(abs(m.frequency_hz - f) / f for m in modes) < 0.01
    notes = explain_unselected(diagram, modes, settings)
    sine = [c for c in notes if abs(c.frequency_hz - 5.0) < 0.05]
    assert len(sine) == 1 and "zero or negative damping" in sine[0].reason and "harmonic" in sine[0].reason
    assert nearest_mode(modes, modes[1].frequency_hz * 1.005) == 1 and nearest_mode(modes, 5.0) is None


def test_fdd_mode_at_a_picked_frequency(deck):
    model, y = deck
    spectrum = singular_value_spectrum(csd_matrix(y, 40.0, nperseg=2048))
    for f, phi in zip(model.natural_frequencies_hz, model.mode_shapes.T):
        m = mode_at_frequency(spectrum, f * 1.004)  # a click a little off the peak finds the peak
        assert m.frequency_hz == pytest.approx(f, rel=0.005)
        assert abs(np.vdot(m.shape, phi)) ** 2 / (np.vdot(m.shape, m.shape).real * phi @ phi) > 0.99
    with pytest.raises(ValueError, match="frequency_hz must be between"):
        mode_at_frequency(spectrum, 100.0)
