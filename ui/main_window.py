"""The main window: load a recording, look at it (time series, PSD, spectrogram), preprocess it, identify its
modes, run a campaign, keep it all in a project.

All project state lives in the window's :class:`~shm_app.session.Session`; the window and its panels change it only
through the session's methods and redraw when it says what changed. The loaded signals are the one thing kept here:
they are a view of the recording's file, recomputed from it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDockWidget, QHeaderView, QMainWindow, QProgressBar, QPushButton,
                               QSplitter, QTableView, QTabWidget)

from dsp.timefrequency import spectrogram
from shm_app.errors import ShmError
from shm_app.identification import IdentificationResult, identify
from shm_app.recording import Recording
from shm_app.session import Session
from ui.campaign_panel import CampaignPanel
from ui.channel_table import ChannelTable
from ui.errors import show_error
from ui.exports import Exports
from ui.loading import LoadedRecording, LoadQuestions
from ui.modal_plots import AutoMacPlot, SpectrumPlot, StabilizationPlot
from ui.mode_editing import ModeEditing
from ui.modes_model import ModesTableModel
from ui.panels import IdentificationPanel, PreprocessPanel
from ui.project_actions import ProjectActions
from ui.recording_actions import RecordingActions
from ui.shape_view import ShapeView
from ui.signal_plots import PsdPlot, SpectrogramPlot, TimeSeriesPlot
from ui.view_menu import ViewMenu
from ui.worker import TaskRunner

APP_TITLE = "SHM Workbench"
COMPUTING_SPECTRA = "Computing the spectra…"


class MainWindow(ProjectActions, RecordingActions, ModeEditing, Exports, ViewMenu, LoadQuestions, QMainWindow):
    sigRecordingLoaded = Signal(object)  # its time series is on screen
    sigPsdPreviewShown = Signal(object)  # a long one's: a quick PSD, labelled, while the full one is computed
    sigViewsShown = Signal(object)  # its spectra (PSD, spectrogram) too
    sigIdentified = Signal(object)
    sigTaskEnded = Signal(str)  # "load" / "preprocess" / "identify" finished, failed or cancelled

    def __init__(self) -> None:
        super().__init__()
        self.session = Session()
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.original: Optional[LoadedRecording] = None  # the signals as read
        self.current: Optional[LoadedRecording] = None  # as preprocessed (what the identification uses)
        self.last_error: Optional[str] = None
        self._identify_after_load = True
        self._restoring = False  # a reopened project's recording is loading: show, never re-identify
        self.runner = TaskRunner(self)
        self.report_runner = TaskRunner(self)  # the report runs beside an identification
        self.views_runner = TaskRunner(self)  # the spectra of a recording already shown
        self.preview_runner = TaskRunner(self)  # a long recording's quick PSD, drawn until its full one arrives
        self._build_central()
        self._build_docks()
        self._init_mode_editing()
        self._init_exports()
        self._build_status()
        self._build_menus()
        self.runner.sigStarted.connect(self._task_started)
        self.runner.sigProgress.connect(self._task_progress)
        self.runner.sigFinished.connect(self._task_finished)
        self.runner.sigFailed.connect(self._task_failed)
        self.runner.sigCancelled.connect(self._task_cancelled)
        self.runner.sigIdle.connect(self._task_idle)
        self.views_runner.sigStarted.connect(lambda _n: self.statusBar().showMessage(COMPUTING_SPECTRA))
        self.views_runner.sigIdle.connect(
            lambda: self.statusBar().currentMessage() == COMPUTING_SPECTRA and self.statusBar().clearMessage())
        self.views_runner.sigFinished.connect(lambda _n, computed: self._views_arrived(computed))
        self.views_runner.sigFailed.connect(self._views_failed)
        self.preview_runner.sigFinished.connect(lambda _n, preview: self._preview_arrived(preview))
        self.preview_runner.sigFailed.connect(lambda _n, _e: self._full_views(self._missing_views()))  # no preview
        self.session.changed.connect(self._session_changed)
        self._init_project()

    @property
    def recording(self) -> Optional[Recording]:
        return None if self.current is None else self.current.recording

    @property
    def result(self) -> Optional[IdentificationResult]:
        entry = self.session.current
        return None if entry is None else entry.result

    # ---- layout -------------------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.time_plot, self.psd_plot, self.spectrogram_plot = TimeSeriesPlot(), PsdPlot(), SpectrogramPlot()
        self.time_plot.setToolTip("The recording as read. Shift + drag: the time window the analysis uses; "
                                  "right-click to set it to the view or clear it")
        self.time_plot.sigWindowChanged.connect(lambda a, b: self._set_window((a, b)))
        self.time_plot.sigWindowCleared.connect(lambda: self._set_window(None))
        self.signal_tabs = QTabWidget()
        self.signal_tabs.addTab(self.time_plot, "Time series")
        self.signal_tabs.addTab(self.psd_plot, "Power spectral density")
        self.signal_tabs.addTab(self.spectrogram_plot, "Spectrogram")
        self.spectrum_plot, self.stabilization_plot = SpectrumPlot(), StabilizationPlot()
        self.shape_view = ShapeView(self.session)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.spectrum_plot, "Singular values (FDD)")
        self.tabs.addTab(self.stabilization_plot, "Stabilization diagram")
        self.modes_model = ModesTableModel(self)
        self.modes_table = QTableView()
        self.modes_table.setObjectName("modesTable")
        self.modes_table.setModel(self.modes_model)
        self.modes_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.modes_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.modes_table.verticalHeader().setVisible(False)
        self.modes_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.modes_table.horizontalHeader().setStretchLastSection(True)
        self.modes_table.selectionModel().selectionChanged.connect(self._mode_selected)
        self.automac_plot = AutoMacPlot()
        self.shape_tabs = QTabWidget()
        self.shape_tabs.addTab(self.shape_view, "Mode shape")
        self.shape_tabs.addTab(self.automac_plot, "AutoMAC")
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.modes_table)
        bottom.addWidget(self.shape_tabs)
        bottom.setSizes([700, 500])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(self.signal_tabs)
        main.addWidget(self.tabs)
        main.addWidget(bottom)
        main.setSizes([270, 370, 260])
        self.campaign_panel = CampaignPanel(session=self.session)
        self.campaign_panel.sigOpenRecording.connect(self._open_from_campaign)
        self.campaign_panel.sigMessage.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.campaign_panel.sigFinished.connect(self._campaign_finished)
        self.pages = QTabWidget()
        self.pages.setObjectName("pages")
        self.pages.addTab(main, "Recording")
        self.pages.addTab(self.campaign_panel, "Campaign")
        self.setCentralWidget(self.pages)
        self.pages.currentChanged.connect(self._page_changed)

    def _dock(self, title: str, name: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        return dock

    def _build_docks(self) -> None:
        self.channel_table = ChannelTable()
        self.channel_table.sigVisibleChanged.connect(self._channels_shown)
        self.channel_table.sigAnalysisChanged.connect(lambda sel: self._set_identification(channels=sel))
        self.channel_table.sigReferencesChanged.connect(lambda refs: self._set_identification(reference_channels=refs))
        self.channel_table.sigRefused.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.channel_table.sigCurrentChannel.connect(self._spectrogram_channel)
        self._dock("Channels", "channelsDock", self.channel_table)
        self.preprocess_panel = PreprocessPanel()
        self.preprocess_panel.sigApply.connect(self.start_preprocessing)
        self.preprocess_panel.sigReset.connect(self._reset_preprocessing)
        self._dock("Preprocessing", "preprocessDock", self.preprocess_panel)
        self.identification_panel = IdentificationPanel()
        self.identification_panel.sigIdentify.connect(self.start_identification)
        self.identification_panel.sigEdited.connect(self._identification_edited)
        self._dock("Identification", "identificationDock", self.identification_panel)
        self.info_label = self.identification_panel.info_label

    def _build_status(self) -> None:
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(300)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def _action(self, menu, text: str, slot, shortcut=None, enabled: bool = True) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setEnabled(enabled)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._build_project_menu(m)
        m.addSeparator()
        self._action(m, "Open &recording…", self._open_dialog, "Ctrl+R")
        self._build_export_menu(m.addMenu("&Export"))
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self._build_edit_menu(self.menuBar().addMenu("&Edit"))
        a = self.menuBar().addMenu("&Analysis")
        self._action(a, "&Identify modes", self.start_identification, "F5")
        self._action(a, "&Cancel", self.runner.cancel, "Esc")
        a.addSeparator()
        self._action(a, "&Roving test (several setups)…", self.open_roving_dialog, "Ctrl+Shift+R")
        c = self.menuBar().addMenu("&Campaign")
        self._action(c, "Run on a &recordings folder…", self.campaign_panel._choose_folder)
        self._action(c, "Open a &frequency table…", self.campaign_panel._choose_table)
        self._action(c, "&Re-analyse with the current baseline", self.campaign_panel.reanalyse)
        self._build_view_menu(self.menuBar().addMenu("&View"))

    # ---- identification -------------------------------------------------------------------------------------
    def start_identification(self) -> None:
        if self.recording is None:
            self.statusBar().showMessage("Open a recording first.", 5000)
            return
        try:
            settings = self.identification_panel.settings(self._channel_selection())
        except ShmError as exc:  # ParameterError: a setting outside its range
            self.last_error = show_error(self, "Impossible settings", exc)
            return
        self.session.set_identification_settings(settings)
        recording = self.recording
        self.runner.start("identify", lambda progress, cancel: identify(recording, settings, progress=progress,
                                                                        cancel=cancel))

    def _identification_edited(self) -> None:
        """The panel is a view of the session: an edit goes into it at once (an impossible value waits, said)."""
        if self.session.current is None:
            return
        try:
            settings = self.identification_panel.settings(self._channel_selection())
        except ShmError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.session.set_identification_settings(settings)

    def checked_channels(self) -> list[str]:
        """The channels the analysis uses."""
        return self.channel_table.analysis_channels()

    def _channel_selection(self) -> Optional[tuple[str, ...]]:
        """The checked channels, None when all are (the settings then follow the recording)."""
        return self.channel_table.analysis_selection()

    # ---- saving ---------------------------------------------------------------------------------------------
    # ---- task signals -------------------------------------------------------------------------------------
    def _task_started(self, name: str) -> None:
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        busy = {"load": "Loading…", "preprocess": "Preprocessing…"}.get(name, "Identifying modes…")
        self.statusBar().showMessage(busy)

    def _task_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(1000 * fraction))
        self.progress_bar.setFormat(f"{message} %p%")

    def _task_idle(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)

    def _task_finished(self, name: str, result) -> None:
        if name == "load":
            self._loaded(result)
        elif name == "preprocess":
            self._preprocessed(result)
            self.sigTaskEnded.emit(name)
        else:
            self.undo_stack.clear()  # edits of the previous modes do not apply to new ones
            self.session.set_identification_result(result)
            self._log_identification(result)
            self.sigTaskEnded.emit(name)
            self.autosave()  # a finished analysis is never lost

    def _task_failed(self, name: str, exc: BaseException) -> None:
        if name == "load" and self._retry_load(exc):
            return
        if self._restoring and name in ("load", "preprocess"):
            self._restoring = False
            self.sigTaskEnded.emit("project")
        title = {"load": "Could not open the recording", "preprocess": "Preprocessing failed"}.get(
            name, "Identification failed")
        self.last_error = show_error(self, title, exc)
        self.statusBar().showMessage(self.last_error, 10000)
        self.sigTaskEnded.emit(name)

    def _task_cancelled(self, name: str) -> None:
        self.statusBar().showMessage("Cancelled.", 5000)
        self.sigTaskEnded.emit(name)

    # ---- views ----------------------------------------------------------------------------------------------
    def _show_recording(self, loaded: LoadedRecording) -> None:
        """Show the signals of ``loaded`` (its spectra when it has them, else they are said to be coming); the
        channels checked are the analysis's selection in the session."""
        self.current = loaded
        recording = loaded.recording
        entry = self.session.current
        selection = entry.identification.channels if entry is not None else None
        raw = (self.original or loaded).recording  # the time series shows the record as read, with the window
        self.time_plot.set_signals(raw.time_s(), raw.data, raw.channel_names)
        rms = loaded.rms if loaded.rms is not None else self.time_plot.channel_rms()  # as read: its pass gave it
        self.channel_table.set_channels(recording, rms, analysis=selection, geometry=self.session.state.geometry,
                                        references=entry.identification.reference_channels if entry else None)
        window = entry.preprocessing.window_s if entry is not None else None
        self.time_plot.set_window(*(window or (None,)))
        if loaded.has_views:
            self._draw_views(loaded)
        else:
            self.psd_plot.set_pending("Computing the power spectral density…")
            self.spectrogram_plot.set_spectrogram(None)
        self._channels_shown(self.channel_table.visible())
        start = recording.start.isoformat(sep=" ", timespec="seconds") if recording.start else "unknown"
        steps = recording.metadata.get("preprocessing")
        self.info_label.setText(
            f"<b>{recording.name}</b><br>{recording.n_channels} channels, {recording.fs_hz:g} Hz<br>"
            f"{recording.duration_s:.1f} s, start {start}" + ("<br><i>preprocessed</i>" if steps else ""))
        self.statusBar().showMessage(f"Loaded {recording.source}", 5000)
        self.sigRecordingLoaded.emit(recording)

    def _draw_views(self, loaded: LoadedRecording) -> None:
        """Draw the spectra of ``loaded`` (the PSD before preprocessing behind it, when it was preprocessed)."""
        names = loaded.recording.channel_names
        self.psd_plot.set_psd(loaded.psd.frequencies_hz, loaded.psd.psd, names)
        before = self.original
        if before is not None and before is not loaded and before.psd is not None:
            self.psd_plot.set_reference(before.psd.frequencies_hz, before.psd.psd)
        else:
            self.psd_plot.set_reference(None, None)
        self.spectrogram_plot.set_spectrogram(loaded.spectrogram, names[0])
        self.psd_plot.set_visible_channels(self.channel_table.visible())
        self.sigViewsShown.emit(loaded.recording)

    def _show_result(self, result: Optional[IdentificationResult]) -> None:
        """Show the session's identification of the current recording (or nothing)."""
        self._update_export_actions(result)
        if result is None:
            self.modes_model.set_modes(())
            self.spectrum_plot.set_spectrum(None)
            self.stabilization_plot.set_diagram(None)
            self.shape_view.set_mode(None)
            self.automac_plot.set_modes(())
            return
        self.modes_model.set_modes(result.modes)
        fmax = result.settings.fmax_hz
        from shm_app.identification.manual import unselected_columns

        manual = self.session.current.manual if self.session.current else ()
        self.spectrum_plot.set_spectrum(result.spectrum, result.modes, fmax_hz=fmax, manual=manual)
        self.stabilization_plot.set_diagram(result.diagram, result.modes, fmax_hz=fmax, spectrum=result.spectrum,
                                            unselected=unselected_columns(result), manual=manual)
        self.tabs.setTabEnabled(1, result.diagram is not None)
        self.automac_plot.set_modes(result.modes)
        if result.modes:
            self.modes_table.selectRow(0)
        self.statusBar().showMessage(
            f"{len(result.modes)} modes identified by {result.settings.method} "
            f"({result.settings.fmin_hz:g}–{fmax:g} Hz)", 10000)
        self.sigIdentified.emit(result)

    def set_result(self, result: IdentificationResult) -> None:
        """Store ``result`` as the current recording's identification (the views follow the session)."""
        self.session.set_identification_result(result)

    def _session_changed(self, what: str) -> None:
        entry = self.session.current
        if what in ("project", "current", "recordings"):
            if entry is not None:
                self.preprocess_panel.show_settings(entry.preprocessing)
                self.identification_panel.show_settings(entry.identification)
            self._show_result(None if entry is None else entry.result)
            self.save_as_action.setEnabled(True)
        elif what == "identification" and entry is not None:
            self.identification_panel.show_settings(entry.identification)
            self.channel_table.show_selection(entry.identification.channels, entry.identification.reference_channels)
        elif what == "preprocessing":
            self._show_result(None)
        elif what == "result":
            self._show_result(entry.result)
        if what in ("project", "preprocessing", "current"):
            self.undo_stack.clear()
        if what == "project":
            self._restore_recording()

    def _mode_selected(self, *_args) -> None:
        rows = self.modes_table.selectionModel().selectedRows()
        if not rows or self.result is None:
            return
        k = rows[0].row()
        self.shape_view.set_mode(k)

    def _channels_shown(self, visible) -> None:
        self.time_plot.set_visible_channels(visible)
        self.psd_plot.set_visible_channels(visible)

    def _set_identification(self, **changes) -> None:
        """A choice in the channel table (analysis channels, SSI references) goes into the session."""
        entry = self.session.current
        if entry is not None:
            self.session.set_identification_settings(replace(entry.identification, **changes))

    def open_roving_dialog(self):
        """The roving-test dialog (one per window, kept: it shows the session's test)."""
        from ui.roving_dialog import RovingDialog

        if getattr(self, "roving_dialog", None) is None:
            self.roving_dialog = RovingDialog(self.session, self)
        self.roving_dialog.show()
        self.roving_dialog.raise_()
        return self.roving_dialog

    def _open_from_campaign(self, path: str) -> None:
        self.pages.setCurrentIndex(0)
        self.open_file(path)

    def _campaign_finished(self, _result) -> None:
        self.autosave()  # a finished campaign is never lost

    def _spectrogram_channel(self, row: int) -> None:
        if self.current is None or row < 0:
            return
        rec = self.current.recording
        sg = spectrogram(rec.data, rec.fs_hz, channel=row, segment_s=min(20.0, rec.duration_s / 4))
        self.spectrogram_plot.set_spectrogram(sg, rec.channel_names[row])

    # ---- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            target = Path(urls[0])
            if target.suffix == ".shmproj":
                self.open_project(target)
            elif target.is_dir():  # a folder of recordings is a campaign
                self.pages.setCurrentIndex(1)
                self.campaign_panel.run_folder(target)
            else:
                self.open_file(target)
            event.acceptProposedAction()
