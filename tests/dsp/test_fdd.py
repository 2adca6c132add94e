"""FDD and ANPSD peak picking on the simulator's known modes (close pair, 10 % noise, two-hour records)."""
import numpy as np
import pytest

from dsp.fdd import fdd
from dsp.peak_picking import PeakSettings, half_power_damping, lorentzian_fit, peak_picking
from tests.dsp.conftest import FS_HZ, assert_accuracy


def test_fdd_close_pair_accuracy(close_pair):
    result = fdd(close_pair.acceleration, FS_HZ, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.01)
    # issue: frequency < 0.3 %, MAC > 0.98, ≤ 2 spurious. FDD damping is the half-power width of the first
    # singular value, widened by the Hann window and by the Welch scatter: asked only to within 50 %.
    assert_accuracy(result.modes, close_pair.model, max_frequency_error=0.003, max_damping_error=0.5)
    assert len([m for m in result.modes if 2.1 < m.frequency_hz < 2.4]) == 2


def test_peak_picking_close_pair_accuracy(close_pair):
    result = peak_picking(close_pair.acceleration, FS_HZ, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.01)
    # transmissibility shapes of a close pair carry a little of the neighbour: MAC > 0.98 still holds (≥ 0.99 seen)
    assert_accuracy(result.modes, close_pair.model, max_frequency_error=0.003, max_damping_error=0.6)


def test_peak_picking_single_channel_finds_the_modes_it_sees(close_pair):
    y = close_pair.acceleration[:, :1]  # A01L: sees all four modes
    result = peak_picking(y, FS_HZ, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.01)
    f = np.array([m.frequency_hz for m in result.modes])
    for f_true in close_pair.model.natural_frequencies_hz:
        assert np.min(np.abs(f / f_true - 1)) < 0.003


def test_fdd_refuses_a_single_channel():
    with pytest.raises(ValueError, match="at least 2 channels"):
        fdd(np.random.default_rng(0).standard_normal((4000, 1)), 50.0)


def test_fdd_refuses_fmax_above_nyquist():
    with pytest.raises(ValueError, match="fmax_hz must be between 0 and 25"):
        fdd(np.random.default_rng(0).standard_normal((4000, 2)), 50.0, fmax_hz=30.0)


def test_lorentzian_fit_recovers_an_exact_bell():
    f = np.arange(0, 10, 0.01)
    f0, zeta = 3.217, 0.012
    p = 1.0 / ((f - f0) ** 2 + (zeta * f0) ** 2)
    k = int(np.argmax(p))
    got_f, got_z = lorentzian_fit(f, p, k)
    assert got_f == pytest.approx(f0, rel=1e-9)  # an exact Lorentzian: the parabola in 1/P is exact
    assert got_z == pytest.approx(zeta, rel=1e-6)
    # the half-power bandwidth of the same bell: exact up to the linear interpolation between bins
    assert half_power_damping(f, p, k) == pytest.approx(zeta, rel=0.02)


def test_pure_noise_yields_no_modes():
    y = np.random.default_rng(5).standard_normal((72000, 6))  # white noise: no resonance anywhere
    assert fdd(y, 40.0, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.02).modes == ()
    assert peak_picking(y, 40.0, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.02).modes == ()


def test_explicit_prominence_threshold_is_used():
    y = np.random.default_rng(5).standard_normal((72000, 6))
    # a 0 dB threshold and no coherence check: every ripple of white noise is a "peak"
    loose = PeakSettings(min_prominence_db=0.0, min_coherence=0.0, min_mpc=0.0, max_damping=1.0)
    assert len(fdd(y, 40.0, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.02, settings=loose).modes) > 10
