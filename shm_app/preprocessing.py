"""Preprocessing a recording before viewing or analysis: time window, detrend, band-pass, decimate. The original is
kept; the result records every step in its metadata so reports say how the data were treated."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Optional

import numpy as np

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


def preprocessing_warnings(settings: PreprocessSettings, fs_hz: float, *, fmax_hz: Optional[float] = None,
                           mode_frequencies_hz=()) -> list[str]:
    """What the engineer should know before applying ``settings`` to a record sampled at ``fs_hz``: a low-pass
    above the new Nyquist frequency, an identification f max above it, a decimation that cuts the band of modes
    already identified (``mode_frequencies_hz``), or the automatic f max of the decimated record dropping them."""
    from shm_app.identification.settings import DEFAULT_FMAX_HZ

    new_fs = fs_hz / settings.decimate
    nyquist = new_fs / 2
    usable = 0.8 * nyquist  # the anti-alias filter of the decimation starts cutting there
    out = []
    if settings.decimate > 1 and settings.lowpass_hz is not None and settings.lowpass_hz > usable:
        out.append(f"low-pass {settings.lowpass_hz:g} Hz is above {usable:.3g} Hz, where decimating by "
                   f"{settings.decimate} already cuts (new Nyquist frequency {nyquist:g} Hz)")
    if fmax_hz is not None and fmax_hz >= nyquist:
        out.append(f"f max {fmax_hz:g} Hz is above the Nyquist frequency {nyquist:g} Hz after decimating by "
                   f"{settings.decimate}: lower f max or the decimation")
    top = min(usable if settings.decimate > 1 else nyquist, settings.lowpass_hz or np.inf)
    cut = [f for f in mode_frequencies_hz if f > top]
    if cut:
        out.append(f"the preprocessing removes {len(cut)} identified mode(s) above {top:.3g} Hz: "
                   + ", ".join(f"{f:.3f} Hz" for f in cut))
    auto_fmax = min(DEFAULT_FMAX_HZ, new_fs / 2.5)
    beyond = [f for f in mode_frequencies_hz if top >= f > auto_fmax]
    if fmax_hz is None and beyond:
        out.append(f"the automatic f max of the decimated record, {auto_fmax:.3g} Hz, leaves out "
                   + ", ".join(f"{f:.3f} Hz" for f in beyond) + ": set f max to keep them")
    return out
