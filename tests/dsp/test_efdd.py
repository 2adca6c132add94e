"""EFDD: correlation-function fit on exact signals, and the simulator's known modes (close pair, 10 % noise)."""
import numpy as np
import pytest

from dsp.efdd import EfddSettings, _lag_window, efdd, fit_correlation
from tests.dsp.conftest import FS_HZ, assert_accuracy


def test_fit_correlation_of_an_exact_decaying_cosine():
    fs, fd, zeta = 40.0, 2.31, 0.013
    t = np.arange(4000) / fs
    wd = 2 * np.pi * fd
    sigma = zeta * wd / np.sqrt(1 - zeta ** 2)
    r = np.exp(-sigma * t) * np.cos(wd * t)
    got_fd, got_z, used = fit_correlation(r, fs, EfddSettings())
    assert used.size >= 10
    # extrema of exp(−σt)cos(ωt) sit slightly off the cosine's and are sampled at 40 Hz: 0.05 % / 1 % tolerances
    assert got_fd == pytest.approx(fd, rel=5e-4)
    assert got_z == pytest.approx(zeta, rel=0.01)


def test_lag_window_equals_the_direct_window_autocorrelation():
    from scipy import signal

    w = signal.get_window("hann", 1000)
    direct = np.correlate(w, w, mode="full")[999:]  # Σ_t w(t) w(t+k), k = 0 … 999
    np.testing.assert_allclose(_lag_window(1000, "hann"), direct / direct[0], atol=1e-12)


def test_efdd_close_pair_accuracy(close_pair):
    result = efdd(close_pair.acceleration, FS_HZ, fmin_hz=0.5, fmax_hz=15.0, resolution_hz=0.01)
    # issue targets for EFDD: frequency < 0.3 %, damping < 40 %, MAC > 0.98, ≤ 2 spurious
    assert_accuracy(result.modes, close_pair.model, max_frequency_error=0.003, max_damping_error=0.4)
    assert len([m for m in result.modes if 2.1 < m.frequency_hz < 2.4]) == 2
    for sdof in result.sdof:
        assert sdof.correlation[0] == pytest.approx(1.0)
        assert sdof.bell.max() > 0


def test_efdd_refuses_a_single_channel():
    with pytest.raises(ValueError, match="at least 2 channels"):
        efdd(np.random.default_rng(0).standard_normal((4000, 1)), 50.0)
