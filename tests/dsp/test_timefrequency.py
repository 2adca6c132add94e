import numpy as np
import pytest

from dsp.timefrequency import spectrogram


def test_spectrogram_follows_a_frequency_step():
    fs = 50.0
    t = np.arange(int(600 * fs)) / fs
    f_inst = np.where(t < 300, 2.0, 3.0)
    x = np.sin(2 * np.pi * np.cumsum(f_inst) / fs)[:, None]
    sg = spectrogram(x, fs, segment_s=20.0)
    peak = sg.frequencies_hz[np.argmax(sg.psd, axis=1)]
    early, late = sg.times_s < 280, sg.times_s > 320
    # resolution 1/20 s = 0.05 Hz: the peak bin is within half a bin of the true frequency
    assert np.all(np.abs(peak[early] - 2.0) <= 0.025 + 1e-9)
    assert np.all(np.abs(peak[late] - 3.0) <= 0.025 + 1e-9)


def test_spectrogram_limits_segments_and_validates():
    x = np.random.default_rng(0).standard_normal((100_000, 2))
    sg = spectrogram(x, 100.0, segment_s=1.0, max_segments=300)
    assert sg.psd.shape[0] <= 300 and sg.psd.shape[1] == sg.frequencies_hz.size
    with pytest.raises(ValueError, match="channel must be between 0 and 1"):
        spectrogram(x, 100.0, channel=2)
