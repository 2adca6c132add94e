"""Welch PSD, CSD matrix and singular values: Parseval, injected sines, consistency between estimates."""
import numpy as np
import pytest

from dsp.spectral import csd_matrix, singular_value_spectrum, welch_psd


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parseval_psd_integrates_to_the_variance(seed):
    x = np.random.default_rng(seed).standard_normal((60000, 2)) * [1.0, 3.0]
    p = welch_psd(x, 50.0, nperseg=1024)
    df = p.frequencies_hz[1] - p.frequencies_hz[0]
    # the per-segment linear detrend removes ~2/1024 of white-noise power; the estimate's scatter over ~117
    # segments of 512 bins is far smaller: 1 % covers both
    np.testing.assert_allclose(np.sum(p.psd, axis=0) * df, x.var(axis=0), rtol=0.01)


def test_sine_peak_location_and_power():
    fs, f0, amp = 100.0, 12.5, 2.0  # on a bin: 12.5 Hz with 1024-sample segments at 100 Hz is bin 128
    t = np.arange(100000) / fs
    x = amp * np.sin(2 * np.pi * f0 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    p = welch_psd(x, fs, nperseg=1024)
    assert p.frequencies_hz[np.argmax(p.psd[:, 0])] == pytest.approx(f0)
    df = p.frequencies_hz[1] - p.frequencies_hz[0]
    band = np.abs(p.frequencies_hz - f0) < 5 * df
    assert np.sum(p.psd[band, 0]) * df == pytest.approx(amp ** 2 / 2, rel=0.01)  # power of the sine in the lobe


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n_samples, nperseg", [(100_000, 1024), (5_000, 64), (40_000, 16384)])
def test_welch_psd_equals_scipy_with_linear_detrend(order, n_samples, nperseg):
    """The peer: scipy.signal.welch (Hann, 50 % overlap, linear detrend per segment, density). The records carry a
    gravity offset and a drift over a segment 10⁴ times their smallest channel's std, so the detrend cancels digits:
    the two estimators round differently by up to ~(trend/std)·ε ≈ 4e-12 in amplitude, more in the bins the
    detrend all but empties (1.8e-9 in the DC bin of a 16384-sample segment; the implementation before the
    cache-blocked one differed from scipy by the same); 1e-8 bounds that."""
    from scipy import signal

    rng = np.random.default_rng(n_samples)
    x = 9.81 + 1e-3 * np.arange(n_samples)[:, None] + rng.standard_normal((n_samples, 3)) * [1e-3, 1.0, 1e3]
    x = np.asarray(x, order=order)
    p = welch_psd(x, 100.0, nperseg=nperseg)
    f, ref = signal.welch(x, 100.0, window="hann", nperseg=nperseg, noverlap=nperseg // 2, detrend="linear", axis=0)
    np.testing.assert_allclose(p.frequencies_hz, f, rtol=1e-15)
    np.testing.assert_allclose(p.psd, ref, rtol=1e-8, atol=0)
    assert p.n_segments == 1 + (n_samples - nperseg) // (nperseg // 2)


def test_csd_diagonal_equals_welch_psd_and_is_hermitian():
    x = np.random.default_rng(3).standard_normal((20000, 3))
    x[:, 1] += 0.5 * x[:, 0]
    g = csd_matrix(x, 50.0, nperseg=512)
    p = welch_psd(x, 50.0, nperseg=512)
    np.testing.assert_allclose(np.real(np.diagonal(g.csd, axis1=1, axis2=2)), p.psd, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g.csd, np.conj(np.transpose(g.csd, (0, 2, 1))), atol=1e-15)
    assert g.n_segments == p.n_segments


def test_fmax_truncates_the_csd():
    x = np.random.default_rng(4).standard_normal((8000, 2))
    g = csd_matrix(x, 50.0, nperseg=500, fmax_hz=10.0)
    assert g.frequencies_hz[-1] <= 10.0 and g.csd.shape == (g.frequencies_hz.size, 2, 2)


def test_singular_values_are_descending_and_vectors_reconstruct_the_matrix():
    x = np.random.default_rng(5).standard_normal((20000, 4)) @ np.random.default_rng(6).standard_normal((4, 4))
    g = csd_matrix(x, 50.0, nperseg=256)
    sv = singular_value_spectrum(g, keep_vectors=True)
    assert np.all(np.diff(sv.singular_values, axis=1) <= 1e-18)
    rebuilt = np.einsum("fcs,fs,fds->fcd", sv.vectors, sv.singular_values, np.conj(sv.vectors))
    np.testing.assert_allclose(rebuilt, g.csd, atol=1e-12 * np.abs(g.csd).max())
    np.testing.assert_allclose(np.linalg.norm(sv.first_vectors, axis=1), 1.0)
    assert sv.n_segments == g.n_segments


def test_bad_segment_length_is_refused():
    with pytest.raises(ValueError, match="nperseg must be between 8 and the number of samples"):
        welch_psd(np.zeros((100, 1)), 10.0, nperseg=200)


def test_welch_psd_copies_a_bounded_part_of_the_record():
    """The contiguous column copies take at most 32 MB a group, two groups alive at once (here half of a 128 MB
    record), the segments' temporaries a few hundred kB: never a copy of the whole record."""
    import tracemalloc

    x = np.random.default_rng(7).standard_normal((2_000_000, 8))
    tracemalloc.start()
    tracemalloc.reset_peak()
    welch_psd(x, 200.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.6 * x.nbytes
