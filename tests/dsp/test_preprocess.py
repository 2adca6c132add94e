"""Preprocessing for OMA: detrend, Butterworth, anti-alias decimation and the factor matched to fmax."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsp import preprocess
from dsp.preprocess import butterworth, decimate, decimation_factor_for, detrend


def test_detrend_removes_offset_and_drift():
    t = np.linspace(0, 10, 1001)
    x = np.column_stack([3.0 + 0.2 * t, -1.0 + np.zeros_like(t)])
    np.testing.assert_allclose(detrend(x), 0.0, atol=1e-12)
    np.testing.assert_allclose(detrend(x, kind="constant").mean(axis=0), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="kind must be one of"):
        detrend(x, kind="cubic")


@pytest.mark.parametrize("method", ["iir", "fft"])
def test_decimation_keeps_in_band_and_removes_aliases(method):
    fs = 100.0
    t = np.arange(60000) / fs
    x = np.sin(2 * np.pi * 2.0 * t) + np.sin(2 * np.pi * 30.0 * t)  # 30 Hz would alias to 5 Hz at 25 Hz
    out = decimate(x, fs, 4, method=method)
    assert out.fs_hz == 25.0 and out.factor == 4 and out.data.shape == (15000, 1)
    spec = np.abs(np.fft.rfft(out.data[:, 0] * np.hanning(15000)))
    f = np.fft.rfftfreq(15000, 1 / 25.0)
    assert spec[np.argmin(np.abs(f - 2.0))] > 1e3 * spec[np.argmin(np.abs(f - 5.0))]  # alias ≥ 60 dB down
    # the in-band sine keeps its amplitude and phase (Chebyshev ripple 0.05 dB at most; the FFT filter is flat)
    core = out.data[1000:-1000, 0]
    np.testing.assert_allclose(core, np.sin(2 * np.pi * 2.0 * t[::4])[1000:-1000], atol=0.01)


def test_staged_decimation_by_a_large_factor():
    x = np.random.default_rng(0).standard_normal((200000, 2))
    out = decimate(x, 1000.0, 40)  # 4 × 10
    assert out.fs_hz == 25.0 and out.data.shape[0] == 5000


@pytest.mark.parametrize("fs, fmax, factor", [(100.0, 20.0, 2), (100.0, 6.0, 6), (1000.0, 10.0, 40),
                                               (50.0, 20.0, 1), (1000.0, 3.3, 120), (48000.0, 1.0, 19200)])
def test_decimation_factor_keeps_fmax_below_the_new_nyquist(fs, fmax, factor):
    q = decimation_factor_for(fs, fmax)
    assert q == factor
    assert fs / q >= 2.5 * fmax - 1e-9


def test_decimation_factor_refuses_fmax_above_nyquist():
    with pytest.raises(ValueError, match="fmax_hz must be between"):
        decimation_factor_for(100.0, 60.0)


def test_butterworth_band_pass():
    fs = 100.0
    t = np.arange(20000) / fs
    x = np.sin(2 * np.pi * 0.05 * t) + np.sin(2 * np.pi * 5.0 * t) + np.sin(2 * np.pi * 40.0 * t)
    y = butterworth(x, fs, low_hz=1.0, high_hz=10.0)[2000:-2000, 0]
    ref = np.sin(2 * np.pi * 5.0 * t)[2000:-2000]
    assert np.max(np.abs(y - ref)) < 0.02
    with pytest.raises(ValueError, match="low_hz .* must be below high_hz"):
        butterworth(x, fs, low_hz=10.0, high_hz=1.0)


@pytest.mark.parametrize("n, factor", [(1000, 2), (4097, 3), (30000, 7), (12345, 10)])
def test_fft_decimation_is_every_nth_sample_of_the_full_length_low_pass(n, factor):
    """The short inverse FFT gives exactly the kept samples of the full-length zero-phase low-pass."""
    from dsp._fftlen import next_fast_len

    x = np.random.default_rng(n).standard_normal((n, 3))
    m = next_fast_len(-(-(n + min(n, 4096)) // factor))
    nfft = m * factor
    spec = np.fft.rfft(x, nfft, axis=0)
    f = np.arange(spec.shape[0]) / nfft
    cutoff = 0.5 / factor
    gain = np.clip((cutoff - f) / (0.2 * cutoff), 0.0, 1.0)
    full = np.fft.irfft(spec * (0.5 - 0.5 * np.cos(np.pi * gain))[:, None], nfft, axis=0)[:n]
    got = preprocess.decimate(x, 100.0, factor, method="fft")
    assert got.data.flags.c_contiguous and got.fs_hz == 100.0 / factor
    np.testing.assert_allclose(got.data, full[::factor], rtol=0, atol=1e-13)


@given(st.integers(1, 10**9))
def test_next_fast_len_is_scipys(n):
    from scipy.fft import next_fast_len as scipy_next_fast_len

    from dsp._fftlen import next_fast_len

    assert next_fast_len(n) == scipy_next_fast_len(n, real=True)


@pytest.mark.parametrize("method, factor", [("fft", 3), ("fft", 1), ("iir", 2)])
@pytest.mark.parametrize("kind", ["constant", "linear"])
def test_decimate_with_detrend_equals_detrend_then_decimate(method, factor, kind):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6000, 4)) + np.linspace(-3, 8, 6000)[:, None] * [1, -2, 0.5, 0] + [4, 0, -1, 2]
    fused = decimate(x, 200.0, factor, method=method, detrend=kind)
    two_steps = decimate(detrend(x, kind=kind), 200.0, factor, method=method)
    assert fused.fs_hz == two_steps.fs_hz and fused.factor == factor
    np.testing.assert_allclose(fused.data, two_steps.data, rtol=0, atol=1e-12)
    assert not np.shares_memory(fused.data, x)


@pytest.mark.parametrize("offset, amplitude", [(9.81, 1e-3), (1e4, 1e-3), (1e6, 1.0)])
def test_fft_decimation_detrends_a_large_offset_to_rounding(offset, amplitude):
    """Gravity on an accelerometer, an ADC's zero in counts: a mean 10³–10⁷ × the signal leaves the decimated,
    detrended record within 1e-8 of the signal's RMS of the exact answer (the detrend in extended precision);
    the mean is removed before the transform, whose rounding scales with the values."""
    rng = np.random.default_rng(0)
    n = 100_000
    x = offset + amplitude * rng.standard_normal((n, 2)) + np.linspace(0, 50 * amplitude, n)[:, None]
    exact = x.astype(np.longdouble)
    t = np.arange(n, dtype=np.longdouble) - (n - 1) / 2
    exact -= exact.mean(axis=0)
    exact -= np.outer(t, (t @ exact) / (t @ t))
    reference = decimate(exact.astype(float), 100.0, 2, method="fft").data
    fused = decimate(x, 100.0, 2, method="fft", detrend="linear").data
    assert np.max(np.abs(fused - reference)) <= 1e-8 * np.std(reference)
