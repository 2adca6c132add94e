"""Opening and preprocessing recordings (a mixin of the main window): a file is read off the GUI thread, joins the
project (or is found in it) and is shown as its stored settings say; preprocessing is stored in the session and its
view recomputed, after saying what it would cut."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from shm_app import io
from shm_app.errors import ShmError
from shm_app.preprocessing import PreprocessSettings, apply
from ui.errors import show_error
from ui.loading import LoadedRecording, open_filter, prepare


class RecordingActions:
    """Needs ``session``, ``runner``, the panels and plots, ``_show_recording``, ``start_identification``."""

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", "", open_filter())
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, *, identify_after: bool = True, **options) -> None:  # noqa: D417
        """Read ``path`` off the GUI thread; the current recording stays until the new one has loaded.

        ``options`` go to :func:`shm_app.io.read` (``fs=``, ``variable=``, ...). When the file leaves something
        open (no sampling rate, several candidate signals) the user is asked and the file is read again.
        """
        path = str(path)
        self._identify_after_load = identify_after
        self._load_request = (path, dict(options))

        def task(progress, cancel):
            progress(0.05, "reading")
            return prepare(io.read(path, **options), progress, cancel)

        self.runner.start("load", task)

    def start_preprocessing(self, settings: PreprocessSettings) -> None:
        """Apply ``settings`` to the current recording: stored in the session (its old modes go: they no longer
        describe the data), then the view is recomputed off the GUI thread. What the settings would cut (a mode
        above the new Nyquist frequency, an f max above it) is said first, in the log and the status bar."""
        if self.original is None:
            return
        from shm_app.preprocessing import preprocessing_warnings

        entry = self.session.current
        modes = entry.result.modes if entry is not None and entry.result is not None else ()
        for text in preprocessing_warnings(settings, self.original.recording.fs_hz,
                                           fmax_hz=entry.identification.fmax_hz if entry else None,
                                           mode_frequencies_hz=[m.frequency_hz for m in modes]):
            self.log(f"Warning: {text}")
            self.statusBar().showMessage(f"Warning: {text}", 12000)
        self.session.set_preprocessing(settings)
        self._preprocess_view(settings)

    def _set_window(self, window) -> None:
        """The analysis window chosen on the time series becomes part of the preprocessing."""
        entry = self.session.current
        if entry is None or self.original is None:
            return
        settings = replace(entry.preprocessing, window_s=window)
        self.preprocess_panel.show_settings(settings)
        self.start_preprocessing(settings)

    def _preprocess_view(self, settings: PreprocessSettings) -> None:
        original = self.original.recording
        self.runner.start("preprocess", lambda progress, cancel: prepare(apply(original, settings), progress, cancel))

    def _reset_preprocessing(self) -> None:
        if self.original is not None:
            self.session.set_preprocessing(PreprocessSettings())
            self.preprocess_panel.show_settings(PreprocessSettings())
            self._show_recording(self.original)

    def _loaded(self, loaded: LoadedRecording) -> None:
        """A file was read: it joins the project (or is found in it) and is shown as its settings say."""
        path, options = self._load_request
        rec = loaded.recording
        self.original = loaded
        if not self._restoring:
            try:
                wanted = self.identification_panel.settings()  # a new recording takes the settings on screen
            except ShmError:
                wanted = None
            count = len(self.session.state.recordings)
            try:
                self.session.add_recording(path, channels=rec.channel_names, start=rec.start, read_options=options)
            except (ShmError, OSError) as exc:
                self.last_error = show_error(self, "Could not add the recording to the project", exc)
            else:
                if wanted is not None and len(self.session.state.recordings) > count:
                    self.session.set_identification_settings(wanted)
        entry = self.session.current
        self.sigTaskEnded.emit("load")
        if entry is not None and entry.preprocessing != PreprocessSettings():
            self._show_recording(loaded)
            self._preprocess_view(entry.preprocessing)  # the view only: the stored modes stay
        else:
            self._show_recording(loaded)
            self._after_view()

    def _after_view(self) -> None:
        """The recording is on screen as its settings say: identify it if asked and not yet done."""
        if self._restoring:
            self._restoring = False
            self.sigTaskEnded.emit("project")
        elif self._identify_after_load and self.result is None:
            self._identify_after_load = False
            self.start_identification()
