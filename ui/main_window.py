"""The main window: load a recording, look at it, identify its modes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDockWidget, QDoubleSpinBox, QFileDialog, QFormLayout, QHeaderView, QLabel,
    QListWidget, QListWidgetItem, QMainWindow, QProgressBar, QPushButton, QSplitter, QTableView, QTabWidget,
    QVBoxLayout, QWidget,
)

from shm_app import io
from shm_app.identify import METHODS, IdentificationResult, IdentificationSettings, identify, result_to_json
from shm_app.recording import Recording
from ui.errors import show_error
from ui.modes_model import ModesTableModel
from ui.plots import ModeShapePlot, SpectrumPlot, StabilizationPlot, TimeSeriesPlot
from ui.worker import TaskRunner

APP_TITLE = "SHM Workbench"


def _open_filter() -> str:
    make = getattr(io, "file_dialog_filter", None)
    if make is not None:
        return make()
    pattern = " ".join(f"*{s} *{s}.gz" for s in io.supported_suffixes())
    return f"Recordings ({pattern});;All files (*)"


class MainWindow(QMainWindow):
    sigRecordingLoaded = Signal(object)
    sigIdentified = Signal(object)
    sigTaskEnded = Signal(str)  # "load" / "identify" finished, failed or cancelled

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.recording: Optional[Recording] = None
        self.result: Optional[IdentificationResult] = None
        self.last_error: Optional[str] = None
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

    # ---- layout -------------------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.time_plot = TimeSeriesPlot()
        self.spectrum_plot = SpectrumPlot()
        self.stabilization_plot = StabilizationPlot()
        self.shape_plot = ModeShapePlot()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.spectrum_plot, "Spectrum (FDD singular values)")
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
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.modes_table)
        bottom.addWidget(self.shape_plot)
        bottom.setSizes([700, 500])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(self.time_plot)
        main.addWidget(self.tabs)
        main.addWidget(bottom)
        main.setSizes([260, 380, 260])
        self.setCentralWidget(main)

    def _build_docks(self) -> None:
        self.channel_list = QListWidget()
        self.channel_list.itemChanged.connect(self._channels_toggled)
        dock = QDockWidget("Channels", self)
        dock.setObjectName("channelsDock")
        dock.setWidget(self.channel_list)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        panel = QWidget()
        form = QFormLayout(panel)
        self.method_box = QComboBox()
        self.method_box.addItems(list(METHODS))
        self.fmin_box = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1000.0, singleStep=0.1)
        self.fmin_box.setSpecialValueText("auto")
        self.fmax_box = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=5000.0, singleStep=1.0)
        self.fmax_box.setSpecialValueText("auto")
        for box in (self.fmin_box, self.fmax_box):
            box.setSuffix(" Hz")
        self.identify_button = QPushButton("Identify modes")
        self.identify_button.clicked.connect(self.start_identification)
        self.info_label = QLabel("No recording loaded.\nFile ▸ Open, or drop a file here.")
        self.info_label.setWordWrap(True)
        form.addRow("Method", self.method_box)
        form.addRow("f min", self.fmin_box)
        form.addRow("f max", self.fmax_box)
        form.addRow(self.identify_button)
        form.addRow(self.info_label)
        dock2 = QDockWidget("Identification", self)
        dock2.setObjectName("identificationDock")
        dock2.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock2)

    def _build_status(self) -> None:
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(260)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        act = QAction("&Open recording…", self, shortcut=QKeySequence.StandardKey.Open)
        act.triggered.connect(self._open_dialog)
        file_menu.addAction(act)
        self.export_json_action = QAction("Export results as &JSON…", self, enabled=False)
        self.export_json_action.triggered.connect(lambda: self._export("json"))
        self.export_csv_action = QAction("Export modes as &CSV…", self, enabled=False)
        self.export_csv_action.triggered.connect(lambda: self._export("csv"))
        file_menu.addActions([self.export_json_action, self.export_csv_action])
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        analysis = self.menuBar().addMenu("&Analysis")
        run = QAction("&Identify modes", self, shortcut=QKeySequence("F5"))
        run.triggered.connect(self.start_identification)
        cancel = QAction("&Cancel", self, shortcut=QKeySequence("Esc"))
        cancel.triggered.connect(self.runner.cancel)
        analysis.addActions([run, cancel])

    # ---- actions ------------------------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", "", _open_filter())
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, *, identify_after: bool = True) -> None:
        """Read ``path`` off the GUI thread; the current recording stays until the new one has loaded."""
        path = str(path)
        self._identify_after_load = identify_after
        self.runner.start("load", lambda progress, cancel: io.read(path))

    def start_identification(self) -> None:
        if self.recording is None:
            self.statusBar().showMessage("Open a recording first.", 5000)
            return
        settings = IdentificationSettings(
            method=self.method_box.currentText(),
            fmin_hz=self.fmin_box.value() or None,
            fmax_hz=self.fmax_box.value() or None,
            channels=tuple(self.checked_channels()) or None,
        )
        recording = self.recording
        self.runner.start("identify", lambda progress, cancel: identify(recording, settings, progress=progress,
                                                                        cancel=cancel))

    def checked_channels(self) -> list[str]:
        return [self.channel_list.item(i).text() for i in range(self.channel_list.count())
                if self.channel_list.item(i).checkState() == Qt.CheckState.Checked]

    def _export(self, kind: str) -> None:
        if self.result is None:
            return
        suffix = {"json": "JSON (*.json)", "csv": "CSV (*.csv)"}[kind]
        stem = Path(self.result.file or "modes").name.split(".")[0]
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"{stem}_modes.{kind}", suffix)
        if path:
            self.export(kind, path)

    def export(self, kind: str, path: str | Path) -> None:
        from shm_app.commands.identify import modes_csv
        from shm_app.store import atomic_write_text

        doc = result_to_json(self.result)
        text = json.dumps(doc, indent=2) + "\n" if kind == "json" else modes_csv(doc)
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
        self.statusBar().showMessage("Loading…" if name == "load" else "Identifying modes…")

    def _task_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(1000 * fraction))
        self.progress_bar.setFormat(f"{message} %p%")

    def _task_idle(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)

    def _task_finished(self, name: str, result) -> None:
        if name == "load":
            self.set_recording(result)
            self.sigTaskEnded.emit(name)
            if self._identify_after_load:
                self.start_identification()
        else:
            self.set_result(result)
            self.sigTaskEnded.emit(name)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        title = "Could not open the recording" if name == "load" else "Identification failed"
        self.last_error = show_error(self, title, exc)
        self.statusBar().showMessage(self.last_error, 10000)
        self.sigTaskEnded.emit(name)

    def _task_cancelled(self, name: str) -> None:
        self.statusBar().showMessage("Cancelled.", 5000)
        self.sigTaskEnded.emit(name)

    # ---- views ----------------------------------------------------------------------------------------------
    def set_recording(self, recording: Recording) -> None:
        self.recording = recording
        self.result = None
        self.modes_model.set_modes(())
        self.spectrum_plot.set_spectrum(None)
        self.stabilization_plot.set_diagram(None)
        self.shape_plot.set_mode(None, [])
        self.export_json_action.setEnabled(False)
        self.export_csv_action.setEnabled(False)
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        for ch in recording.channels:
            item = QListWidgetItem(ch.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(f"unit in app: {ch.unit}; in file: {ch.source_unit or 'not stated (m/s² assumed)'}")
            self.channel_list.addItem(item)
        self.channel_list.blockSignals(False)
        self.time_plot.set_signals(recording.time_s(), recording.data, recording.channel_names)
        start = recording.start.isoformat(sep=" ", timespec="seconds") if recording.start else "unknown"
        self.info_label.setText(
            f"<b>{recording.name}</b><br>{recording.n_channels} channels, {recording.fs_hz:g} Hz<br>"
            f"{recording.duration_s:.1f} s, start {start}")
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
        self.export_json_action.setEnabled(True)
        self.export_csv_action.setEnabled(True)
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

    # ---- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_file(urls[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.runner.cancel()
        super().closeEvent(event)
