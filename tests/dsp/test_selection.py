"""Automated mode selection: hard pole criteria, one pole per order, outliers, cluster size and scatter."""
import numpy as np
import pytest

from dsp.ssi import default_block_rows, ssi_cov
from dsp.stabilization import (SelectionSettings, StabilizationCriteria, make_diagram, physical_poles,
                               select_modes)
from tests.dsp.conftest import assert_accuracy, deck_record


def _synthetic_diagram(rng, modes, n_orders=40, extra=()):
    """Poles of ``modes`` [(f, ζ, shape)] at every order with tiny scatter, plus ``extra`` [(order, f, ζ, shape)]."""
    orders, f, z, shapes = [], [], [], []
    for o in range(2, 2 * n_orders + 1, 2):
        for freq, zeta, shape in modes:
            orders.append(o)
            f.append(freq * (1 + 1e-4 * rng.standard_normal()))
            z.append(zeta * (1 + 1e-3 * rng.standard_normal()))
            shapes.append(shape)
    for o, freq, zeta, shape in extra:
        orders.append(o)
        f.append(freq)
        z.append(zeta)
        shapes.append(shape)
    return make_diagram(orders, f, z, np.array(shapes, dtype=complex).T,
                        StabilizationCriteria(max_frequency_change=0.01, max_damping_change=0.05, min_mac=0.98))


SHAPE_A = np.array([1.0, 0.5, -0.3, 0.8])
SHAPE_B = np.array([0.2, -1.0, 0.7, 0.1])


def test_two_clean_modes_are_selected_with_their_scatter():
    rng = np.random.default_rng(0)
    d = _synthetic_diagram(rng, [(2.0, 0.01, SHAPE_A), (5.0, 0.02, SHAPE_B)])
    modes = select_modes(d)
    assert [round(m.frequency_hz, 2) for m in modes] == [2.0, 5.0]
    # every order but the first (no previous order to be stable against), less the few Gaussian draws beyond
    # Tukey's fences (≈ 0.7 % per variable, two variables)
    assert 35 <= modes[0].n_poles <= 39
    assert modes[0].frequency_scatter_hz == pytest.approx(2e-4, rel=0.4)  # the injected 1e-4 relative scatter


def test_one_pole_per_order_and_outliers_do_not_inflate_the_scatter():
    rng = np.random.default_rng(1)
    # a second, slightly detuned pole of the same mode at some orders, and a few outliers 0.3 % off
    extra = [(o, 2.0 * 1.003, 0.01, SHAPE_A) for o in range(10, 80, 8)]
    d = _synthetic_diagram(rng, [(2.0, 0.01, SHAPE_A)], extra=extra)
    (mode,) = select_modes(d)
    assert mode.n_poles <= 40  # at most one pole per order
    assert mode.frequency_scatter_hz < 1e-3  # the 0.006 Hz outliers are not in the scatter


def test_hard_criteria_drop_spurious_poles():
    rng = np.random.default_rng(2)
    complex_shape = np.array([1.0, 0.5j, -0.3 + 0.3j, 0.8j])  # MPC ≈ 0.2: a noise mode
    d = _synthetic_diagram(rng, [(2.0, 0.01, SHAPE_A), (3.0, 0.01, complex_shape), (4.0, 0.35, SHAPE_B),
                                 (6.0, -0.01, SHAPE_B)])
    keep = physical_poles(d, SelectionSettings())
    assert set(np.round(d.frequencies_hz[keep], 1)) == {2.0}
    assert [round(m.frequency_hz, 1) for m in select_modes(d)] == [2.0]


def test_small_clusters_are_not_modes():
    rng = np.random.default_rng(3)
    sparse = [(o, 7.0 * (1 + 1e-4 * rng.standard_normal()), 0.01, SHAPE_B) for o in range(60, 81, 2)]  # 11 orders
    d = _synthetic_diagram(rng, [(2.0, 0.01, SHAPE_A), (5.0, 0.01, SHAPE_B)], extra=sparse)
    assert [round(m.frequency_hz, 1) for m in select_modes(d)] == [2.0, 5.0]
    lenient = SelectionSettings(min_orders_fraction=0.1, min_relative_size=0.1)
    assert [round(m.frequency_hz, 1) for m in select_modes(d, lenient)] == [2.0, 5.0, 7.0]


def test_frequency_band_is_respected():
    d = _synthetic_diagram(np.random.default_rng(4), [(2.0, 0.01, SHAPE_A), (5.0, 0.01, SHAPE_B)])
    assert [round(m.frequency_hz, 1) for m in select_modes(d, SelectionSettings(fmin_hz=3.0))] == [5.0]


@pytest.mark.parametrize("seed", [1, 2])
def test_bridge_deck_with_noise_has_no_spurious_cluster(seed):
    """The weakness seen before: a spurious ≈3 Hz cluster and an inflated 3.45 Hz scatter (10 % noise)."""
    record = deck_record(seed)
    i = default_block_rows(50.0, 0.5, 8)
    diagram = ssi_cov(record.acceleration, 50.0, block_rows=i, orders=range(2, 81, 2))
    modes = select_modes(diagram, SelectionSettings(fmin_hz=0.5, fmax_hz=20.0))
    assert_accuracy(modes, record.model, max_frequency_error=0.003, max_damping_error=0.25, max_spurious=0)
    for m in modes:
        # scatter over the orders: a mode identified consistently varies by far less than 0.1 % of its frequency
        assert m.frequency_scatter_hz < 1e-3 * m.frequency_hz, (m.frequency_hz, m.frequency_scatter_hz)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_short_record_keeps_its_scattered_modes_when_the_duration_is_known(seed):
    """Five minutes of data: true modes scatter up to ~0.4 % over the orders (their random error is
    √(ζ/(πfT)) ≈ 0.15–0.2 %), spurious clusters more; the duration-aware limit keeps the former only."""
    from dsp.simulate import bridge_deck_model, simulate_ambient

    model, _ = bridge_deck_model()
    y = simulate_ambient(model, 40.0, 300.0, noise_ratio=0.05, seed=seed).acceleration
    diagram = ssi_cov(y, 40.0, block_rows=default_block_rows(40.0, 0.5, 8), orders=range(2, 81, 2))
    modes = select_modes(diagram, SelectionSettings(fmin_hz=0.5, fmax_hz=16.0, record_duration_s=300.0))
    # a 5-minute record: 1 % in frequency and 50 % in damping are what its random error allows
    assert_accuracy(modes, model, max_frequency_error=0.01, max_damping_error=0.5, max_spurious=1)


def test_ten_minute_records_lose_almost_no_mode():
    """Campaign-length records (10 min, 40 Hz, 8 channels, 10 % noise; the deck with and without its close pair;
    8 seeds each, 64 true modes): at most 2 modes missed and 2 spurious in all (measured: 2 and 0).

    Before damping outliers stopped leaving a cluster, the scatter limit allowed 4 σ of the random error and
    shadows were dropped, the same records lost 5 modes and gave 1 spurious one; long records lose none.
    """
    from dsp.simulate import bridge_deck_model, simulate_ambient
    from tests.dsp.conftest import CLOSE_PAIR_TORSION_HZ, match_modes

    missed = spurious = 0
    for torsion in ((3.45, 10.6), CLOSE_PAIR_TORSION_HZ):
        model, _ = bridge_deck_model(torsion_hz=torsion)
        for seed in range(9, 17):
            y = simulate_ambient(model, 40.0, 600.0, noise_ratio=0.1, seed=seed).acceleration
            diagram = ssi_cov(y - y.mean(axis=0), 40.0, block_rows=default_block_rows(40.0, 0.5, 8),
                              orders=range(2, 81, 2))
            modes = select_modes(diagram, SelectionSettings(fmin_hz=0.5, fmax_hz=16.0, record_duration_s=600.0))
            pairs, extra = match_modes(modes, model)
            missed += model.n_modes - len(pairs)
            spurious += len(extra)
    assert missed <= 2 and spurious <= 2, (missed, spurious)


def test_each_mode_names_the_poles_it_was_estimated_from():
    record = deck_record(1)
    diagram = ssi_cov(record.acceleration, 50.0, block_rows=default_block_rows(50.0, 0.5, 8), orders=range(2, 81, 2))
    settings = SelectionSettings(fmin_hz=0.5, fmax_hz=20.0)
    modes = select_modes(diagram, settings)
    candidate = physical_poles(diagram, settings)
    for m in modes:
        assert m.poles is not None and m.poles.size == m.n_poles
        assert candidate[m.poles].all()  # only stable, physical poles
        assert np.unique(diagram.orders[m.poles]).size == m.n_poles  # one per model order
        assert m.frequency_hz == pytest.approx(np.median(diagram.frequencies_hz[m.poles]))
