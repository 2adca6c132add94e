"""The main window: load a recording, look at it (time series, PSD, spectrogram), preprocess it, identify its
modes, save the project."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDockWidget, QFileDialog, QHeaderView, QListWidget, QListWidgetItem, QMainWindow,
    QProgressBar, QPushButton, QSplitter, QTableView, QTabWidget,
)

from dsp.timefrequency import spectrogram
from shm_app import io
from shm_app.identify import IdentificationResult, identify, result_to_json
from shm_app.preprocessing import PreprocessSettings, apply
from shm_app.recording import Recording
from ui.errors import show_error
from ui.loading import LoadedRecording, LoadQuestions, open_filter, prepare
from ui.modes_model import ModesTableModel
from ui.panels import IdentificationPanel, PreprocessPanel
from ui.plots import (AutoMacPlot, ModeShapePlot, PsdPlot, SpectrogramPlot, SpectrumPlot, StabilizationPlot,
                      TimeSeriesPlot)
from ui.campaign_panel import CampaignPanel
from ui.project_actions import ProjectActions
from ui.worker import TaskRunner

APP_TITLE = "SHM Workbench"


class MainWindow(ProjectActions, LoadQuestions, QMainWindow):
    sigRecordingLoaded = Signal(object)
    sigIdentified = Signal(object)
    sigTaskEnded = Signal(str)  # "load" / "preprocess" / "identify" finished, failed or cancelled

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.original: Optional[LoadedRecording] = None
        self.current: Optional[LoadedRecording] = None
        self.result: Optional[IdentificationResult] = None
        self.project_path: Optional[Path] = None
        self.last_error: Optional[str] = None
        self._identify_after_load = True
        self.runner = TaskRunner(self)
        self._build_central()
        self._build_docks()
        self._build_status()
        self._build_menus()
        self.runner.sigStarted.connect(self._task_started)
        self.runner.sigProgress.connect(self._task_progress)
        self.runner.sigFinished.connect(self._task_finished)
        self.runner.sigFailed.connect(self._task_failed)
        self.runner.sigCancelled.connect(self._task_cancelled)
        self.runner.sigIdle.connect(self._task_idle)

    @property
    def recording(self) -> Optional[Recording]:
        return None if self.current is None else self.current.recording

    # ---- layout -------------------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.time_plot, self.psd_plot, self.spectrogram_plot = TimeSeriesPlot(), PsdPlot(), SpectrogramPlot()
        self.signal_tabs = QTabWidget()
        self.signal_tabs.addTab(self.time_plot, "Time series")
        self.signal_tabs.addTab(self.psd_plot, "Power spectral density")
        self.signal_tabs.addTab(self.spectrogram_plot, "Spectrogram")
        self.spectrum_plot, self.stabilization_plot = SpectrumPlot(), StabilizationPlot()
        self.shape_plot = ModeShapePlot()
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
        self.shape_tabs.addTab(self.shape_plot, "Mode shape")
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
        self.campaign_panel = CampaignPanel()
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
        self.channel_list = QListWidget()
        self.channel_list.setToolTip("Checked channels are shown and used for identification")
        self.channel_list.itemChanged.connect(self._channels_toggled)
        self.channel_list.currentRowChanged.connect(self._spectrogram_channel)
        self._dock("Channels", "channelsDock", self.channel_list)
        self.preprocess_panel = PreprocessPanel()
        self.preprocess_panel.sigApply.connect(self.start_preprocessing)
        self.preprocess_panel.sigReset.connect(self._reset_preprocessing)
        self._dock("Preprocessing", "preprocessDock", self.preprocess_panel)
        self.identification_panel = IdentificationPanel()
        self.identification_panel.sigIdentify.connect(self.start_identification)
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
        self._action(m, "&Open recording…", self._open_dialog, QKeySequence.StandardKey.Open)
        self._action(m, "Open &project…", self._open_project_dialog)
        self.save_action = self._action(m, "&Save project", self._save_project, QKeySequence.StandardKey.Save,
                                        enabled=False)
        self.save_as_action = self._action(m, "Save project &as…", lambda: self._save_project(ask=True),
                                           enabled=False)
        m.addSeparator()
        self.export_json_action = self._action(m, "Export results as &JSON…", lambda: self._export("json"),
                                               enabled=False)
        self.export_csv_action = self._action(m, "Export modes as &CSV…", lambda: self._export("csv"), enabled=False)
        self.export_diagram_action = self._action(m, "Export stabilization &diagram as CSV…",
                                                  lambda: self._export("diagram"), enabled=False)
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        a = self.menuBar().addMenu("&Analysis")
        self._action(a, "&Identify modes", self.start_identification, "F5")
        self._action(a, "&Cancel", self.runner.cancel, "Esc")
        c = self.menuBar().addMenu("&Campaign")
        self._action(c, "Run on a &recordings folder…", self.campaign_panel._choose_folder)
        self._action(c, "Open a &frequency table…", self.campaign_panel._choose_table)
        self._action(c, "&Re-analyse with the current baseline", self.campaign_panel.reanalyse)

    # ---- loading and preprocessing --------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", "", open_filter())
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, *, identify_after: bool = True, **options) -> None:
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
        if self.original is None:
            return
        original = self.original.recording
        self.runner.start("preprocess", lambda progress, cancel: prepare(apply(original, settings), progress, cancel))

    def _reset_preprocessing(self) -> None:
        if self.original is not None:
            self._show_recording(self.original)

    # ---- identification -------------------------------------------------------------------------------------
    def start_identification(self) -> None:
        if self.recording is None:
            self.statusBar().showMessage("Open a recording first.", 5000)
            return
        settings = self.identification_panel.settings(tuple(self.checked_channels()) or None)
        recording = self.recording
        self.runner.start("identify", lambda progress, cancel: identify(recording, settings, progress=progress,
                                                                        cancel=cancel))

    def checked_channels(self) -> list[str]:
        return [self.channel_list.item(i).text() for i in range(self.channel_list.count())
                if self.channel_list.item(i).checkState() == Qt.CheckState.Checked]

    # ---- saving ---------------------------------------------------------------------------------------------
    def _export(self, kind: str) -> None:
        if self.result is None:
            return
        stem = Path(self.result.file or "modes").name.split(".")[0]
        name = {"json": f"{stem}_modes.json", "csv": f"{stem}_modes.csv", "diagram": f"{stem}_diagram.csv"}[kind]
        kinds = "JSON (*.json)" if kind == "json" else "CSV (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, "Export", name, kinds)
        if path:
            self.export(kind, path)

    def export(self, kind: str, path: str | Path) -> None:
        """Write the current result: ``json`` (the identify document), ``csv`` (modes) or ``diagram`` (poles)."""
        from shm_app.commands.identify import modes_csv
        from shm_app.identify import diagram_csv
        from shm_app.store import atomic_write_text

        doc = result_to_json(self.result)
        text = {"json": lambda: json.dumps(doc, indent=2) + "\n", "csv": lambda: modes_csv(doc),
                "diagram": lambda: diagram_csv(self.result)}[kind]()
        try:
            atomic_write_text(Path(path), text)
        except OSError as exc:
            self.last_error = show_error(self, "Export failed", exc)
        else:
            self.statusBar().showMessage(f"Saved {path}", 5000)

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
            self.original = result
            self._show_recording(result)
            self.sigTaskEnded.emit(name)
            if self._identify_after_load:
                self.start_identification()
        elif name == "preprocess":
            self._show_recording(result)
            self.sigTaskEnded.emit(name)
        else:
            self.set_result(result)
            self.sigTaskEnded.emit(name)
            if self.project_path is not None:
                self.save_project(self.project_path)  # autosave: results are never lost

    def _task_failed(self, name: str, exc: BaseException) -> None:
        if name == "load" and self._retry_load(exc):
            return
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
        self.current = loaded
        recording = loaded.recording
        self.result = None
        self.modes_model.set_modes(())
        self.spectrum_plot.set_spectrum(None)
        self.stabilization_plot.set_diagram(None)
        self.shape_plot.set_mode(None, [])
        self.automac_plot.set_modes(())
        for act in (self.export_json_action, self.export_csv_action, self.export_diagram_action):
            act.setEnabled(False)
        self.save_action.setEnabled(True)
        self.save_as_action.setEnabled(True)
        checked = set(self.checked_channels()) or set(recording.channel_names)
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        for ch in recording.channels:
            item = QListWidgetItem(ch.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ch.name in checked or len(checked) == 0
                               else Qt.CheckState.Unchecked)
            item.setToolTip(f"unit in app: {ch.unit}; in file: {ch.source_unit or 'not stated (m/s² assumed)'}")
            self.channel_list.addItem(item)
        if not self.checked_channels():
            for i in range(self.channel_list.count()):
                self.channel_list.item(i).setCheckState(Qt.CheckState.Checked)
        self.channel_list.blockSignals(False)
        self.time_plot.set_signals(recording.time_s(), recording.data, recording.channel_names)
        self.psd_plot.set_psd(loaded.psd.frequencies_hz, loaded.psd.psd, recording.channel_names)
        self.spectrogram_plot.set_spectrogram(loaded.spectrogram, recording.channel_names[0])
        self._channels_toggled(None)
        start = recording.start.isoformat(sep=" ", timespec="seconds") if recording.start else "unknown"
        steps = recording.metadata.get("preprocessing")
        self.info_label.setText(
            f"<b>{recording.name}</b><br>{recording.n_channels} channels, {recording.fs_hz:g} Hz<br>"
            f"{recording.duration_s:.1f} s, start {start}" + ("<br><i>preprocessed</i>" if steps else ""))
        self.setWindowTitle(f"{recording.name} — {APP_TITLE}")
        self.statusBar().showMessage(f"Loaded {recording.source}", 5000)
        self.sigRecordingLoaded.emit(recording)

    def set_result(self, result: IdentificationResult) -> None:
        self.result = result
        self.modes_model.set_modes(result.modes)
        fmax = result.settings.fmax_hz
        self.spectrum_plot.set_spectrum(result.spectrum, result.modes, fmax_hz=fmax)
        self.stabilization_plot.set_diagram(result.diagram, result.modes, fmax_hz=fmax)
        self.tabs.setTabEnabled(1, result.diagram is not None)
        self.automac_plot.set_modes(result.modes)
        self.export_json_action.setEnabled(True)
        self.export_csv_action.setEnabled(True)
        self.export_diagram_action.setEnabled(result.diagram is not None)
        if result.modes:
            self.modes_table.selectRow(0)
        self.statusBar().showMessage(
            f"{len(result.modes)} modes identified by {result.settings.method} "
            f"({result.settings.fmin_hz:g}–{fmax:g} Hz)", 10000)
        self.sigIdentified.emit(result)

    def _mode_selected(self, *_args) -> None:
        rows = self.modes_table.selectionModel().selectedRows()
        if not rows or self.result is None:
            return
        k = rows[0].row()
        self.shape_plot.set_mode(self.result.modes[k], self.result.channels, k)

    def _channels_toggled(self, _item) -> None:
        visible = [self.channel_list.item(i).checkState() == Qt.CheckState.Checked
                   for i in range(self.channel_list.count())]
        self.time_plot.set_visible_channels(visible)
        self.psd_plot.set_visible_channels(visible)

    def _page_changed(self, index: int) -> None:
        """The side panels belong to the Recording page; the Campaign page gets the whole width."""
        for dock in self.findChildren(QDockWidget):
            dock.setVisible(index == 0)

    def _open_from_campaign(self, path: str) -> None:
        self.pages.setCurrentIndex(0)
        self.open_file(path)

    def _campaign_finished(self, _result) -> None:
        self.save_action.setEnabled(True)
        self.save_as_action.setEnabled(True)
        if self.project_path is not None:
            self.save_project(self.project_path)  # autosave

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
            if urls[0].endswith(".shmproj"):
                self.open_project(urls[0])
            else:
                self.open_file(urls[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.runner.cancel()
        self.campaign_panel.runner.cancel()
        super().closeEvent(event)
