"""The campaign page: choose recordings or a frequency table, the baseline and α, run the campaign off the GUI thread
(progress and Cancel), store it in the session and show it in a :class:`ui.campaign_view.CampaignView`.

The panel reads and writes the campaign only through the :class:`~shm_app.session.Session`: a finished run goes
into it, and whatever the session holds (a reopened project included) is shown as stored, never re-analysed."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from shm_app.campaign.settings import CampaignSettings
from shm_app.parameters import describe
from shm_app.session import Session
from ui.parameter_widgets import parameter_widget

from ui.campaign_view import CampaignView
from ui.errors import show_error
from ui.progress import ProgressWidget
from ui.worker import TaskRunner

BASELINE_MODES = ("first third", "first N recordings", "until date")


def find_environment(folder: Path) -> Optional[Path]:
    """An environment log beside the recordings: ``environment*.csv`` or ``env*.csv`` in the folder or its parent."""
    for where in (folder, folder.parent):
        for pattern in ("environment*.csv", "env*.csv"):
            found = sorted(where.glob(pattern))
            if found:
                return found[0]
    return None


class CampaignPanel(QWidget):
    sigOpenRecording = Signal(str)
    sigMessage = Signal(str)
    sigFinished = Signal(object)  # CampaignResult
    sigTaskEnded = Signal(str)

    def __init__(self, parent=None, session: Optional[Session] = None) -> None:
        super().__init__(parent)
        self.session = session or Session()
        self.session.changed.connect(self._session_changed)
        self.runner = TaskRunner(self)
        self.last_error: Optional[str] = None
        self._source: Optional[tuple[str, Path, Optional[Path]]] = None  # ("folder"|"table", path, env)
        self.view = CampaignView()
        self.view.sigOpenRecording.connect(self.sigOpenRecording)
        self.view.sigMessage.connect(self.sigMessage)
        self.baseline_mode = QComboBox()
        self.baseline_mode.addItems(BASELINE_MODES)
        self.baseline_mode.setToolTip(describe(CampaignSettings, "baseline_count"))
        self.baseline_count = parameter_widget(CampaignSettings, "baseline_count")
        self.baseline_count.setValue(max(30, self.baseline_count.minimum()))
        self.alpha_box = parameter_widget(CampaignSettings, "alpha")
        self.baseline_until = QDateTimeEdit(QDateTime.currentDateTimeUtc())
        self.baseline_until.setTimeZone(QTimeZone.utc())
        self.baseline_until.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.baseline_until.setCalendarPopup(True)
        self.baseline_mode.currentIndexChanged.connect(self._baseline_mode_changed)
        self._baseline_mode_changed(0)
        folder_button = QPushButton("Recordings folder…")
        folder_button.clicked.connect(self._choose_folder)
        table_button = QPushButton("Frequency table…")
        table_button.clicked.connect(self._choose_table)
        self.rerun_button = QPushButton("Re-analyse")
        self.rerun_button.setToolTip("Repeat compensation and alarms with the new baseline (no re-identification)")
        self.rerun_button.clicked.connect(self.reanalyse)
        self.rerun_button.setEnabled(False)
        self.source_label = QLabel("")
        self.progress = ProgressWidget(self.runner)
        bar = QHBoxLayout()
        alpha_label = QLabel("α:")
        alpha_label.setToolTip(self.alpha_box.toolTip())
        for w in (folder_button, table_button, QLabel("Baseline:"), self.baseline_mode, self.baseline_count,
                  self.baseline_until, alpha_label, self.alpha_box, self.rerun_button):
            bar.addWidget(w)
        bar.addWidget(self.source_label, 1)
        bar.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.runner.sigFinished.connect(self._finished)
        self.runner.sigFailed.connect(self._failed)
        self.runner.sigCancelled.connect(lambda name: self.sigTaskEnded.emit(name))

    def _baseline_mode_changed(self, index: int) -> None:
        self.baseline_count.setVisible(index == 1)
        self.baseline_until.setVisible(index == 2)

    def settings(self) -> CampaignSettings:
        """The campaign settings the widgets show (on top of the session's, so nothing set elsewhere is lost)."""
        from dataclasses import replace

        mode = self.baseline_mode.currentIndex()
        until = None
        if mode == 2:
            until = self.baseline_until.dateTime().toUTC().toPython().replace(tzinfo=None)
        stored = self.session.state.campaign
        base = stored.settings if stored is not None else CampaignSettings()
        return replace(base, baseline_count=self.baseline_count.value() if mode == 1 else None,
                       baseline_until=until, alpha=self.alpha_box.value())

    def show_settings(self, settings: CampaignSettings) -> None:
        """Set the widgets from ``settings`` (a reopened project shows what it was run with)."""
        if settings.baseline_until is not None:
            self.set_baseline_until(settings.baseline_until)
        elif settings.baseline_count is not None:
            self.baseline_mode.setCurrentIndex(1)
            self.baseline_count.setValue(settings.baseline_count)
        else:
            self.baseline_mode.setCurrentIndex(0)
        self.alpha_box.setValue(settings.alpha)

    def set_baseline_until(self, when: datetime) -> None:
        self.baseline_mode.setCurrentIndex(2)
        self.baseline_until.setDateTime(QDateTime.fromString(when.isoformat(timespec="seconds") + "Z",
                                                             Qt.DateFormat.ISODate))

    # ---- running ------------------------------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of campaign recordings")
        if folder:
            self.run_folder(Path(folder))

    def _choose_table(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Frequency table", "", "CSV (*.csv *.txt);;All files (*)")
        if path:
            self.open_table(Path(path))

    def run_folder(self, folder: Path, env: Optional[Path] = None) -> None:
        """Identify every recording in ``folder`` (local process pool) and analyse the campaign."""
        from shm_app.campaign import analyse, discover, identify_recordings
        from shm_app.io.environment import read_environment

        folder = Path(folder)
        env = env or find_environment(folder)
        settings = self.settings()
        self._source = ("folder", folder, env)

        def task(progress, cancel):
            log = read_environment(env, settings.env_columns) if env else None
            paths = discover([folder])
            modes = identify_recordings(paths, settings, progress=lambda f, m: progress(0.97 * f, m), cancel=cancel)
            return modes, analyse(modes, settings, log)

        self._show_source()
        self.runner.start("campaign", task)

    def open_table(self, table: Path, env: Optional[Path] = None) -> None:
        """Analyse a monitoring system's frequency table (first column ISO time, one column per mode)."""
        table = Path(table)
        env = env or find_environment(table.parent)
        self._source = ("table", table, env)
        self._show_source()
        self.runner.start("campaign", lambda progress, cancel: (None, _analyse_table(table, env, self.settings())))

    def reanalyse(self) -> None:
        if self._source is None:
            return
        kind, path, env = self._source
        if kind == "table":
            self.open_table(path, env)
            return
        from shm_app.campaign import analyse
        from shm_app.io.environment import read_environment

        modes, settings = self.session.state.campaign.modes, self.settings()
        self.runner.start("campaign", lambda progress, cancel: (
            modes, analyse(modes, settings, read_environment(env, settings.env_columns) if env else None)))

    def _show_source(self) -> None:
        kind, path, env = self._source
        self.source_label.setText(f"{'Recordings in' if kind == 'folder' else 'Table'} {path.name}"
                                  + (f", environment {env.name}" if env else ", no environment log (PCA model)"))

    def _finished(self, name: str, payload) -> None:
        modes, result = payload
        kind, path, env = self._source
        self.session.set_campaign_result(result, inputs=(str(path),), kind="table" if kind == "table" else "recordings",
                                         environment=env, modes=modes)
        self.sigFinished.emit(result)
        self.sigTaskEnded.emit(name)

    def _session_changed(self, what: str) -> None:
        if what not in ("campaign", "project"):
            return
        stored = self.session.state.campaign
        if stored is None or stored.result is None:
            self.view.clear()
            self.rerun_button.setEnabled(False)
            self._source = None
            self.source_label.setText("")
            return
        if what == "project":  # a reopened project: its inputs and settings as they were
            self.show_settings(stored.settings)
            kind = "table" if stored.kind == "table" else "folder"
            self._source = (kind, Path(stored.inputs[0]), Path(stored.environment) if stored.environment else None) \
                if stored.inputs else None
            self.source_label.setText("Campaign stored in the project" if self._source is None else "")
            if self._source is not None:
                self._show_source()
        self.rerun_button.setEnabled(self._source is not None and (stored.kind == "table" or bool(stored.modes)))
        if stored.result is not self.view.result:
            self.view.set_result(stored.result, from_table=stored.kind == "table"
                                 or not any(Path(f).is_file() for f in stored.result.files))

    def _failed(self, name: str, exc: BaseException) -> None:
        self.last_error = show_error(self, "The campaign could not be analysed", exc)
        self.sigTaskEnded.emit(name)


def _analyse_table(table: Path, env: Optional[Path], settings):
    from shm_app.campaign import analyse_table
    from shm_app.io.environment import read_environment, read_frequency_table

    freq = read_frequency_table(table)
    log = read_environment(env) if env else None
    starts = [t.astype(datetime) for t in freq.times]
    return analyse_table(starts, freq.values, freq.names, settings, log, source=str(table))
