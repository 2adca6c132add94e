"""The simulator that every accuracy test trusts: exact discrete poles, PSD peaks, scaling, validation."""
import numpy as np
import pytest

from dsp.simulate import ModalModel, bridge_deck_model, modal_acceleration_filter, simulate_ambient
from dsp.spectral import welch_psd


@pytest.mark.parametrize("f, zeta, fs", [(2.2, 0.01, 50.0), (10.6, 0.02, 25.0), (0.3, 0.05, 100.0)])
def test_discrete_poles_equal_exp_lambda_dt(f, zeta, fs):
    _, a = modal_acceleration_filter(f, zeta, fs)
    w = 2 * np.pi * f
    lam = -zeta * w + 1j * w * np.sqrt(1 - zeta ** 2)
    expected = np.exp(np.array([lam, np.conj(lam)]) / fs)
    got = np.roots(a)
    np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(expected), rtol=1e-10)


def test_impulse_response_is_free_vibration_with_the_exact_poles():
    from scipy import signal

    f, zeta, fs = 3.0, 0.02, 200.0
    b, a = modal_acceleration_filter(f, zeta, fs)
    pulse = np.zeros(400)
    pulse[0] = 1.0
    h = signal.lfilter(b, a, pulse)
    # once the one-step input is over, the sampled response is free vibration of the continuous system: it obeys
    # h[n] = 2 Re(p) h[n−1] − |p|² h[n−2] with p = exp(λ/fs), to rounding
    w = 2 * np.pi * f
    p = np.exp((-zeta * w + 1j * w * np.sqrt(1 - zeta ** 2)) / fs)
    residual = h[4:] - 2 * p.real * h[3:-1] + abs(p) ** 2 * h[2:-2]
    assert np.max(np.abs(residual)) < 1e-12 * np.max(np.abs(h))


def test_psd_peaks_at_the_natural_frequencies():
    model, _ = bridge_deck_model()
    r = simulate_ambient(model, 50.0, 3600, seed=0)
    p = welch_psd(r.clean[:, :1], 50.0, resolution_hz=0.01)  # channel A01L sees every mode
    f = p.frequencies_hz
    for fn, zeta in zip(model.natural_frequencies_hz, model.damping_ratios):
        band = np.abs(f - fn) < 3 * zeta * fn  # ± 1.5 half-power bandwidths
        centroid = np.sum(f[band] * p.psd[band, 0]) / np.sum(p.psd[band, 0])
        # the bell is nearly symmetric about fn; Welch scatter (72 segments) moves its centroid by well under a
        # quarter of the half-power bandwidth 2ζfn
        assert abs(centroid - fn) <= 0.5 * zeta * fn, (fn, centroid)


def test_noise_ratio_and_rms_scaling():
    model, _ = bridge_deck_model()
    r = simulate_ambient(model, 50.0, 600, noise_ratio=0.1, response_rms=5e-3, seed=2)
    assert r.clean.std(axis=0).max() == pytest.approx(5e-3, rel=1e-9)
    noise = r.acceleration - r.clean
    np.testing.assert_allclose(noise.std(axis=0) / r.clean.std(axis=0), 0.1, rtol=0.05)  # 30 000 samples: ±1 %
    again = simulate_ambient(model, 50.0, 600, noise_ratio=0.1, response_rms=5e-3, seed=2)
    np.testing.assert_array_equal(r.acceleration, again.acceleration)  # seeded: reproducible


def test_model_validation_and_normalisation():
    m = ModalModel([2.0, 3.0], [0.01, 0.02], [[2.0, 1.0], [-4.0, 0.5]])
    np.testing.assert_allclose(m.mode_shapes, [[-0.5, 1.0], [1.0, 0.5]])
    with pytest.raises(ValueError, match="damping ratios in"):
        ModalModel([2.0], [1.5], [[1.0]])
    with pytest.raises(ValueError, match="fs_hz must exceed twice"):
        simulate_ambient(m, 5.0, 10.0)


def test_bridge_deck_shapes():
    model, sensors = bridge_deck_model()
    assert len(sensors) == 8 and model.n_modes == 4
    bending, torsion = model.mode_shapes[:, 0], model.mode_shapes[:, 1]
    np.testing.assert_allclose(bending[0::2], bending[1::2])     # both edges move together
    np.testing.assert_allclose(torsion[0::2], -torsion[1::2])    # edges in opposition
    assert abs(bending @ torsion) < 1e-12
