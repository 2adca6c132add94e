"""Preprocessing a recording before viewing or analysis: detrend, band-pass, decimate. The original is kept;
the result records every step in its metadata so reports say how the data were treated."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Optional

from dsp import preprocess
from shm_app.errors import SettingsError
from shm_app.recording import Recording


@dataclass(frozen=True)
class PreprocessSettings:
    """detrend : 'none', 'constant' or 'linear'; highpass_hz / lowpass_hz : zero-phase Butterworth corners, Hz
    (None = off); decimation : integer factor with anti-alias filtering (1 = off)."""

    detrend: str = "linear"
    highpass_hz: Optional[float] = None
    lowpass_hz: Optional[float] = None
    filter_order: int = 4
    decimation: int = 1

    def is_identity(self) -> bool:
        return self.detrend == "none" and self.highpass_hz is None and self.lowpass_hz is None and self.decimation == 1


def apply(recording: Recording, settings: PreprocessSettings) -> Recording:
    """Return a new recording with the steps applied (raises SettingsError naming the bad parameter)."""
    if settings.detrend not in ("none", "constant", "linear"):
        raise SettingsError(f"detrend must be 'none', 'constant' or 'linear'; got {settings.detrend!r}", recording.source)
    data, fs = recording.data, recording.fs_hz
    try:
        if settings.detrend != "none":
            data = preprocess.detrend(data, kind=settings.detrend)
        if settings.highpass_hz is not None or settings.lowpass_hz is not None:
            data = preprocess.butterworth(data, fs, low_hz=settings.highpass_hz, high_hz=settings.lowpass_hz,
                                          order=settings.filter_order)
        if settings.decimation > 1:
            res = preprocess.decimate(data, fs, settings.decimation)
            data, fs = res.data, res.fs_hz
    except ValueError as exc:
        raise SettingsError(str(exc), recording.source) from exc
    steps = list(recording.metadata.get("preprocessing", [])) + [asdict(settings)]
    return replace(recording, data=data, fs_hz=fs, metadata={**recording.metadata, "preprocessing": steps})
