"""Opening and preprocessing recordings (a mixin of the main window): a file is read off the GUI thread, joins the
project (or is found in it) and is shown as its stored settings say; preprocessing is stored in the session and its
view recomputed, after saying what it would cut."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from shm_app import io
from shm_app.errors import ShmError
from shm_app.preprocessing import PreprocessSettings, apply
from shm_app.session.state import reference
from ui.errors import show_error
from ui import loading
from ui.loading import LoadedRecording, open_filter, psd_preview, signal_views, welch_segments


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
            rec = io.read(path, **options)
            progress(0.9, "hashing")
            try:  # the project's reference to the file, its hash taken here rather than on the GUI thread
                ref = reference(path, channels=rec.channel_names, start=rec.start, read_options=options)
            except OSError:
                ref = None  # the session tries again and says what is wrong
            return rec, ref

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

        def task(progress, cancel):
            rec = apply(original, settings)
            return LoadedRecording(rec, rms=rec.rms() if rec.n_samples else np.zeros(rec.n_channels))

        self.runner.start("preprocess", task)

    def _reset_preprocessing(self) -> None:
        if self.original is not None:
            self.session.set_preprocessing(PreprocessSettings())
            self.preprocess_panel.show_settings(PreprocessSettings())
            self._show_recording(self.original)
            self._update_views()

    def _loaded(self, read) -> None:
        """A file was read: it joins the project (or is found in it) and is shown as its settings say: its time
        series at once, its spectra computed meanwhile off the GUI thread and drawn when they arrive."""
        rec, ref = read
        path, options = self._load_request
        loaded = self.original = self.current = LoadedRecording(rec)
        if not self._restoring:
            try:
                wanted = self.identification_panel.settings()  # a new recording takes the settings on screen
            except ShmError:
                wanted = None
            count = len(self.session.state.recordings)
            try:
                self.session.add_recording(path, channels=rec.channel_names, start=rec.start, read_options=options,
                                           ref=ref)
            except (ShmError, OSError) as exc:
                self.last_error = show_error(self, "Could not add the recording to the project", exc)
            else:
                if wanted is not None and len(self.session.state.recordings) > count:
                    self.session.set_identification_settings(wanted)
        entry = self.session.current
        preprocessed = entry is not None and entry.preprocessing != PreprocessSettings()
        self._cancel_views()  # those of the recording shown before
        self.sigTaskEnded.emit("load")
        self._show_recording(loaded)
        if preprocessed:
            self._preprocess_view(entry.preprocessing)  # the view only: the stored modes stay
        else:
            self._update_views()

    def _preprocessed(self, loaded: LoadedRecording) -> None:
        """The preprocessed record is the one analysed; its spectra (and those before, if not yet known) follow."""
        self.current = loaded
        self._show_recording(self.current)
        self._update_views()

    def _update_views(self) -> None:
        """Compute the spectra the screen lacks (the recording shown and, preprocessed, the one as read: each once)
        off the GUI thread, then draw them and go on (:meth:`_after_view`). A long record's PSD is first previewed
        (a few of the same Welch segments, said on the plot) when its full estimate is slow, then computed in full."""
        missing = self._missing_views()
        if not missing:
            self._views_arrived([])
            return
        shown = self.current
        if shown in missing and loading.needs_preview(*shown.recording.data.shape, shown.recording.fs_hz):
            data, fs = shown.recording.data, shown.recording.fs_hz
            self.preview_runner.start("preview", lambda progress, cancel: (shown, missing, psd_preview(data, fs)))
        else:
            self._full_views(missing)

    def _missing_views(self) -> list[LoadedRecording]:
        """The recordings on screen without their spectra: the one shown and, preprocessed, the one as read."""
        return [v for v in dict.fromkeys((self.current, self.original)) if v is not None and not v.has_views]

    def _full_views(self, missing) -> None:
        records = [v.recording for v in missing]
        self.views_runner.start("views", lambda progress, cancel: [
            (v, signal_views(r, progress, cancel)) for v, r in zip(missing, records)])

    def _cancel_views(self) -> None:
        self.preview_runner.cancel()
        self.views_runner.cancel()

    def _preview_arrived(self, preview) -> None:
        """Compute the full spectra and meanwhile draw the preview PSD of a long record, said to be one."""
        shown, missing, psd = preview
        self._full_views(missing)
        rec = shown.recording
        self.psd_plot.set_psd(psd.frequencies_hz, psd.psd, rec.channel_names)
        self.psd_plot.set_note(f"Preview: {psd.n_segments} of the {welch_segments(rec.n_samples, rec.fs_hz)} Welch "
                               f"segments; computing the full estimate…")
        self.psd_plot.set_visible_channels(self.channel_table.visible())
        self.sigPsdPreviewShown.emit(rec)

    def _views_arrived(self, computed) -> None:
        for loaded, views in computed:
            loaded.psd, loaded.spectrogram = views.psd, views.spectrogram
        if self.current is not None and self.current.has_views:
            self._draw_views(self.current)
        self._after_view()

    def _views_failed(self, _name: str, exc: BaseException) -> None:
        """Spectra that cannot be computed (a record too short for them) leave the time series and the analysis."""
        self.psd_plot.set_pending("No spectra: they could not be computed")
        self.last_error = show_error(self, "Could not compute the spectra", exc)
        self._after_view()

    def _after_view(self) -> None:
        """The recording is on screen as its settings say: identify it if asked and not yet done."""
        if self._restoring:
            self._restoring = False
            self.sigTaskEnded.emit("project")
        elif self._identify_after_load and self.result is None:
            self._identify_after_load = False
            self.start_identification()
