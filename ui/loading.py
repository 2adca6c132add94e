"""Loading recordings for the GUI: the views computed off the GUI thread, the File > Open filter, and the questions
asked when a file leaves something open (its sampling rate, which of several signals to read)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dsp.spectral import PowerSpectrum, welch_psd
from dsp.timefrequency import Spectrogram, spectrogram
from shm_app import io
from shm_app.recording import Recording


@dataclass(frozen=True)
class LoadedRecording:
    """A recording with the views computed off the GUI thread when it was loaded or preprocessed."""

    recording: Recording
    psd: PowerSpectrum
    spectrogram: Spectrogram


def prepare(recording: Recording, progress, cancel) -> LoadedRecording:
    progress(0.6, "spectra")
    psd = welch_psd(recording.data, recording.fs_hz)
    cancel.raise_if_cancelled()
    progress(0.8, "spectrogram")
    sg = spectrogram(recording.data, recording.fs_hz, segment_s=min(20.0, recording.duration_s / 4))
    return LoadedRecording(recording, psd, sg)


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

