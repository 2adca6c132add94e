import numpy as np
import pytest

from shm_app.errors import SettingsError
from shm_app.preprocessing import PreprocessSettings, apply
from shm_app.recording import Channel, Recording


def _rec(fs=100.0, n=20_000):
    t = np.arange(n) / fs
    data = np.column_stack([np.sin(2 * np.pi * 2.0 * t) + 0.5 * np.sin(2 * np.pi * 30.0 * t) + 0.01 * t,
                            np.cos(2 * np.pi * 2.0 * t)])
    return Recording(data=data, fs_hz=fs, channels=(Channel("a"), Channel("b")), source="x.csv")


def test_lowpass_and_decimate_keep_the_mode_and_remove_the_rest():
    rec = _rec()
    out = apply(rec, PreprocessSettings(detrend="linear", lowpass_hz=10.0, decimation=4))
    assert out.fs_hz == 25.0 and out.n_samples == rec.n_samples // 4
    t = np.arange(out.n_samples) / out.fs_hz
    core = slice(200, -200)  # away from the filter's edge transients
    # the 10 Hz Butterworth passes 2 Hz with |H|² > 0.9999; the anti-alias Chebyshev I filter (0.05 dB ripple,
    # applied forward and backward: 0.1 dB ≈ 1.2 % amplitude at worst) bounds the error; the 30 Hz component
    # (amplitude 0.5, which would alias to 5 Hz) must be gone to that level too
    np.testing.assert_allclose(out.data[core, 0], np.sin(2 * np.pi * 2.0 * t)[core], atol=0.012)
    assert out.metadata["preprocessing"][-1]["decimation"] == 4
    assert rec.fs_hz == 100.0  # the original is untouched


def test_bad_settings_name_the_parameter():
    with pytest.raises(SettingsError, match="high_hz must be between"):
        apply(_rec(), PreprocessSettings(lowpass_hz=80.0))
    with pytest.raises(SettingsError, match="detrend must be"):
        apply(_rec(), PreprocessSettings(detrend="quadratic"))
