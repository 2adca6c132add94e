"""Loading recordings for the GUI: the views computed off the GUI thread, the File > Open filter, and the questions
asked when a file leaves something open (its sampling rate, which of several signals to read)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from dsp.spectral import PowerSpectrum, _segment_length, welch_psd
from dsp.timefrequency import Spectrogram, spectrogram
from shm_app import io
from shm_app.recording import Recording


@dataclass(eq=False)  # one per recording shown: compared by identity
class LoadedRecording:
    """A recording on screen with its views. The time series is drawn from the recording as soon as it is read;
    the PSD and spectrogram are computed afterwards off the GUI thread (:func:`signal_views`) and stay None until
    they arrive."""

    recording: Recording
    rms: Optional[np.ndarray] = None  # (n_channels,) about the mean; None: the time series' pass over it gives it
    psd: Optional[PowerSpectrum] = None
    spectrogram: Optional[Spectrogram] = None

    @property
    def has_views(self) -> bool:
        return self.psd is not None and self.spectrogram is not None


@dataclass(frozen=True)
class SignalViews:
    """The frequency views of one recording: Welch PSD of every channel (the same estimate, settings and numbers
    whatever the display) and the spectrogram of its first channel."""

    psd: PowerSpectrum
    spectrogram: Spectrogram


def signal_views(recording: Recording, progress, cancel) -> SignalViews:
    """The PSD and spectrogram of ``recording`` (run off the GUI thread, after its time series is shown)."""
    progress(0.1, "spectra")
    psd = welch_psd(recording.data, recording.fs_hz)
    cancel.raise_if_cancelled()
    progress(0.8, "spectrogram")
    sg = spectrogram(recording.data, recording.fs_hz, segment_s=min(20.0, recording.duration_s / 4))
    return SignalViews(psd, sg)


PREVIEW_SEGMENTS = 12  # Welch segments averaged by the preview of a long record's PSD
# A preview only when the full estimate takes long: welch_psd runs through ~30–50 M values a second on one core of a
# busy 2-core laptop, so below this many values (1 h × 32 channels × 200 Hz is 23 M) it is shown in about a second
PREVIEW_MIN_VALUES = 50_000_000


def needs_preview(n_samples: int, n_channels: int, fs_hz: float) -> bool:
    """Whether a record's PSD is first previewed: its full estimate is slow and averages many more segments than
    the preview."""
    return (n_samples * n_channels >= PREVIEW_MIN_VALUES
            and welch_segments(n_samples, fs_hz) > 2 * PREVIEW_SEGMENTS)


def welch_segments(n_samples: int, fs_hz: float) -> int:
    """How many segments :func:`~dsp.spectral.welch_psd` averages by default over ``n_samples``."""
    n = _segment_length(n_samples, fs_hz, None, None)
    return 1 + (n_samples - n) // (n - n // 2)


def psd_preview(x: np.ndarray, fs_hz: float, segments: int = PREVIEW_SEGMENTS) -> PowerSpectrum:
    """A quick PSD of ``x`` (n_samples, n_channels) to draw while the full one is computed.

    The same estimator as :func:`~dsp.spectral.welch_psd` (segment length, Hann window, linear detrend, 50 %
    overlap grid, scaling) averaged over ``segments`` of its segments spread evenly over the record instead of all
    of them: the same frequencies, a larger scatter (all of them: the full estimate). It is labelled as a preview on
    screen and replaced.
    """
    n_samples = x.shape[0]
    n = _segment_length(n_samples, fs_hz, None, None)  # the full estimate's
    total = welch_segments(n_samples, fs_hz)
    starts = np.unique(np.linspace(0, total - 1, min(segments, total)).round().astype(int)) * (n - n // 2)
    chosen = np.lib.stride_tricks.sliding_window_view(x, n, axis=0)[starts]  # (k, n_channels, n), a view
    k, n_ch = chosen.shape[:2]
    end_to_end = chosen.transpose(0, 2, 1).reshape(k * n, n_ch)  # without overlap Welch's segments are these
    return welch_psd(end_to_end, fs_hz, nperseg=n, overlap=0.0)


def open_filter() -> str:
    """File > Open's filter: every format the readers know."""
    return io.file_dialog_filter()


class LoadQuestions:
    """Mixin for the main window: needs ``open_file`` and ``_load_request``/``_identify_after_load``."""

    def ask_sampling_rate(self, path: str) -> Optional[float]:
        """Ask for the sampling rate of a file that does not state it (None if the user cancels)."""
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getDouble(self, "Sampling rate", f"{Path(path).name} does not state its sampling "
                                           f"rate.\nSampling rate [Hz]:", 100.0, 0.001, 1e6, 3)
        return value if ok else None

    def ask_choice(self, path: str, option: str, choices) -> Optional[str]:
        """Ask which of several candidate signals in a file to read (None if the user cancels)."""
        from PySide6.QtWidgets import QInputDialog

        item, ok = QInputDialog.getItem(self, "Choose the signal", f"{Path(path).name} holds several candidate "
                                        f"signals ({option}):", list(choices), 0, False)
        return item if ok else None

    def _retry_load(self, exc: BaseException) -> bool:
        """Ask what the file left open and read it again; False when there is nothing to ask or the user cancels."""
        from shm_app.io._common import ChoiceRequired, FsRequired

        path, options = getattr(self, "_load_request", (None, {}))
        if path is None:
            return False
        if isinstance(exc, FsRequired) and "fs" not in options:
            fs = self.ask_sampling_rate(path)
            if fs is None:
                return False
            options = {**options, "fs": fs}
        elif isinstance(exc, ChoiceRequired) and exc.option not in options:
            choice = self.ask_choice(path, exc.option, exc.choices)
            if choice is None:
                return False
            options = {**options, exc.option: choice}
        else:
            return False
        self.open_file(path, identify_after=self._identify_after_load, **options)
        return True

