"""Preprocessing a recording before viewing or analysis: time window, detrend, band-pass, decimate. The original is
kept; the result records every step in its metadata so reports say how the data were treated."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Optional

from dsp import preprocess
from shm_app.errors import ParameterError
from shm_app.parameters import parameter, validate
from shm_app.recording import Recording


@dataclass(frozen=True)
class PreprocessSettings:
    """The preprocessing steps, applied in this order: time window, detrend, band-pass, decimation."""

    detrend: str = parameter("linear", "Detrend", "Trend removed from every channel.",
                             choices=("none", "constant", "linear"))
    highpass_hz: Optional[float] = parameter(
        None, "High-pass", "Corner of a zero-phase Butterworth high-pass filter.", unit="Hz", minimum=0.0,
        exclusive_minimum=True, none_means="off", step=0.1, decimals=2)
    lowpass_hz: Optional[float] = parameter(
        None, "Low-pass", "Corner of a zero-phase Butterworth low-pass filter (below the Nyquist frequency).",
        unit="Hz", minimum=0.0, exclusive_minimum=True, none_means="off", step=1.0, decimals=2)
    filter_order: int = parameter(4, "Filter order", "Order of the Butterworth filters.", minimum=1, maximum=12)
    decimate: int = parameter(1, "Decimate by", "Keep every n-th sample after an anti-alias low-pass filter.",
                              minimum=1, maximum=1000)
    window_s: Optional[tuple[float, float]] = parameter(
        None, "Time window", "Start and end of the part of the record that is analysed, s from its start.",
        unit="s", minimum=0.0, none_means="the whole record")

    def __post_init__(self) -> None:
        validate(self)
        if self.highpass_hz is not None and self.lowpass_hz is not None and self.highpass_hz >= self.lowpass_hz:
            raise ParameterError("highpass_hz", f"must be below the low-pass corner ({self.lowpass_hz:g} Hz); got "
                                                f"{self.highpass_hz:g}")
        if self.window_s is not None and not (len(self.window_s) == 2 and self.window_s[0] < self.window_s[1]):
            raise ParameterError("window_s", f"must be a start before an end, in s; got {self.window_s}")


def apply(recording: Recording, settings: PreprocessSettings) -> Recording:
    """Return a new recording with the steps applied (raises ParameterError naming the bad setting)."""
    src = recording.source
    data, fs = recording.data, recording.fs_hz
    start = recording.start
    if settings.window_s is not None:
        t0, t1 = settings.window_s
        i0, i1 = int(round(t0 * fs)), min(int(round(t1 * fs)), recording.n_samples)
        if i1 - i0 < 16:
            raise ParameterError("window_s", f"must hold at least 16 samples of the {recording.duration_s:g} s "
                                             f"record; got {t0:g}–{t1:g} s", src)
        data = data[i0:i1]
        if start is not None:
            from datetime import timedelta

            start = start + timedelta(seconds=i0 / fs)
    nyquist = fs / 2
    for name in ("highpass_hz", "lowpass_hz"):
        corner = getattr(settings, name)
        if corner is not None and corner >= nyquist:
            raise ParameterError(name, f"must be below the Nyquist frequency {nyquist:g} Hz of this recording; got "
                                       f"{corner:g}", src)
    if settings.detrend != "none":
        data = preprocess.detrend(data, kind=settings.detrend)
    if settings.highpass_hz is not None or settings.lowpass_hz is not None:
        data = preprocess.butterworth(data, fs, low_hz=settings.highpass_hz, high_hz=settings.lowpass_hz,
                                      order=settings.filter_order)
    if settings.decimate > 1:
        try:
            res = preprocess.decimate(data, fs, settings.decimate)
        except ValueError as exc:  # dsp validates the factor against the record's length at its entrance
            raise ParameterError("decimate", f"is too large for this record: {exc}", src) from exc
        data, fs = res.data, res.fs_hz
    steps = list(recording.metadata.get("preprocessing", [])) + [asdict(settings)]
    return replace(recording, data=data, fs_hz=fs, start=start,
                   metadata={**recording.metadata, "preprocessing": steps})
