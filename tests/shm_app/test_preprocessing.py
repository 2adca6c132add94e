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
    out = apply(rec, PreprocessSettings(detrend="linear", lowpass_hz=10.0, decimate=4))
    assert out.fs_hz == 25.0 and out.n_samples == rec.n_samples // 4
    t = np.arange(out.n_samples) / out.fs_hz
    core = slice(200, -200)  # away from the filter's edge transients
    # the 10 Hz Butterworth passes 2 Hz with |H|² > 0.9999; the anti-alias Chebyshev I filter (0.05 dB ripple,
    # applied forward and backward: 0.1 dB ≈ 1.2 % amplitude at worst) bounds the error; the 30 Hz component
    # (amplitude 0.5, which would alias to 5 Hz) must be gone to that level too
    np.testing.assert_allclose(out.data[core, 0], np.sin(2 * np.pi * 2.0 * t)[core], atol=0.012)
    assert out.metadata["preprocessing"][-1]["decimate"] == 4
    assert rec.fs_hz == 100.0  # the original is untouched


def test_bad_settings_name_the_parameter():
    with pytest.raises(SettingsError, match="lowpass_hz must be below the Nyquist frequency 50 Hz"):
        apply(_rec(), PreprocessSettings(lowpass_hz=80.0))
    with pytest.raises(SettingsError, match="detrend must be one of none, constant, linear"):
        PreprocessSettings(detrend="quadratic")
    with pytest.raises(SettingsError, match="highpass_hz must be below the low-pass corner"):
        PreprocessSettings(highpass_hz=5.0, lowpass_hz=2.0)
    with pytest.raises(SettingsError, match="decimate must be a whole number between 1 and 1000"):
        PreprocessSettings(decimate=2.5)
    with pytest.raises(SettingsError, match="decimate is too large for this record"):
        apply(_rec(), PreprocessSettings(decimate=1000))


def test_time_window_cuts_the_record_and_moves_its_start():
    from datetime import datetime

    rec = _rec()
    rec = type(rec)(data=rec.data, fs_hz=rec.fs_hz, channels=rec.channels, start=datetime(2026, 3, 1))
    out = apply(rec, PreprocessSettings(detrend="none", window_s=(2.0, 5.0)))
    assert out.n_samples == int(3.0 * rec.fs_hz) and out.start == datetime(2026, 3, 1, 0, 0, 2)
    np.testing.assert_array_equal(out.data, rec.data[200:500])


def test_warnings_name_what_a_decimation_would_cut():
    from shm_app.preprocessing import preprocessing_warnings

    modes = (2.2, 3.45, 8.27, 10.6)
    # 40 Hz decimated by 2: new Nyquist 10 Hz, the anti-alias filter cuts from 8 Hz: 8.27 and 10.6 Hz go
    w = preprocessing_warnings(PreprocessSettings(decimate=2), 40.0, mode_frequencies_hz=modes)
    assert any("removes 2 identified mode(s) above 8 Hz: 8.270 Hz, 10.600 Hz" in x for x in w)
    w = preprocessing_warnings(PreprocessSettings(decimate=2, lowpass_hz=12.0), 40.0, fmax_hz=12.0,
                               mode_frequencies_hz=modes)
    assert any("low-pass 12 Hz is above 8 Hz" in x for x in w) and any("f max 12 Hz is above the Nyquist" in x
                                                                       for x in w)
    # the case: the automatic f max (fs / 2.5) silently dropped a mode still in the record
    w = preprocessing_warnings(PreprocessSettings(decimate=1), 25.0, mode_frequencies_hz=modes)
    assert w == ["the automatic f max of the decimated record, 10 Hz, leaves out 10.600 Hz: set f max to keep them"]
    assert preprocessing_warnings(PreprocessSettings(), 100.0, mode_frequencies_hz=modes) == []
