"""The campaign page: choose recordings or a frequency table, the baseline, α, the novelty detector and the alarm
rule, run the campaign off the GUI thread (progress and Cancel), store it in the session and show it in a
:class:`ui.campaign_view.CampaignView`.

The panel reads and writes the campaign only through the :class:`~shm_app.session.Session`: a finished run goes
into it, and whatever the session holds (a reopened project included) is shown as stored, never re-analysed.

While recordings are identified, their results are streamed into the project's autosave side file with the rest
of the project (:class:`~shm_app.campaign.partial.BackgroundPartialProject`: saved by a thread of its own every
:attr:`CampaignPanel.stream_every_s` seconds or :attr:`CampaignPanel.stream_every_n` results): if the app dies,
reopening the project offers to recover it, and "Resume campaign" identifies only the recordings still missing. A cancelled or failed run leaves its results so far in the session, resumable the same way."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from shm_app.campaign.partial import SAVE_EVERY_N, SAVE_EVERY_S, BackgroundPartialProject
from shm_app.campaign.settings import CampaignSettings
from shm_app.errors import ShmError
from shm_app.parameters import describe
from shm_app.session import Session
from shm_app.session.session import autosave_path
from ui.parameter_widgets import parameter_widget, show_value, value_of

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
    """The campaign page. ``stream_every_s`` / ``stream_every_n``: how often a running campaign's results so far are
    written to the autosave side file (seconds, results; whichever comes first)."""

    stream_every_s = SAVE_EVERY_S
    stream_every_n = SAVE_EVERY_N
    sigOpenRecording = Signal(str)
    sigMessage = Signal(str)
    sigFinished = Signal(object)  # CampaignResult
    sigTaskEnded = Signal(str)

    def __init__(self, parent=None, session: Optional[Session] = None) -> None:
        super().__init__(parent)
        self.session = session or Session()
        self.session.changed.connect(self._session_changed)
        self.session.path_changed.connect(self._path_changed)
        self.runner = TaskRunner(self)
        self.last_error: Optional[str] = None
        self._source: Optional[tuple[str, Path, Optional[Path]]] = None  # ("folder"|"table", path, env)
        self._inputs: tuple[str, ...] = ()  # the recordings' inputs (folders, files, globs) of the run
        self._stream: Optional[BackgroundPartialProject] = None  # the running campaign's results so far
        self.view = CampaignView()
        self.view.sigOpenRecording.connect(self.sigOpenRecording)
        self.view.sigMessage.connect(self.sigMessage)
        self.baseline_mode = QComboBox()
        self.baseline_mode.addItems(BASELINE_MODES)
        self.baseline_mode.setToolTip(describe(CampaignSettings, "baseline_count"))
        self.baseline_count = parameter_widget(CampaignSettings, "baseline_count")
        self.baseline_count.setValue(max(30, self.baseline_count.minimum()))
        self.alpha_box = parameter_widget(CampaignSettings, "alpha")
        self.detector_box = parameter_widget(CampaignSettings, "detector")
        self.alarm_k_box = parameter_widget(CampaignSettings, "alarm_k")
        self.alarm_m_box = parameter_widget(CampaignSettings, "alarm_m")
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
        self.resume_button = QPushButton("Resume campaign")
        self.resume_button.setToolTip("Identify only the recordings the interrupted campaign has not identified yet, "
                                      "then analyse them all")
        self.resume_button.clicked.connect(self.resume)
        self.resume_button.setVisible(False)
        self.source_label = QLabel("")
        self.progress = ProgressWidget(self.runner)
        inputs_bar = QHBoxLayout()
        for w in (folder_button, table_button, self.resume_button):
            inputs_bar.addWidget(w)
        inputs_bar.addWidget(self.source_label, 1)
        inputs_bar.addWidget(self.progress)
        analysis_bar = QHBoxLayout()
        for text, w in (("Baseline:", self.baseline_mode), (None, self.baseline_count), (None, self.baseline_until),
                        ("α:", self.alpha_box), ("Detector:", self.detector_box), ("Alarm:", self.alarm_k_box),
                        ("of", self.alarm_m_box)):
            if text is not None:
                label = QLabel(text)
                label.setToolTip(w.toolTip())
                analysis_bar.addWidget(label)
            analysis_bar.addWidget(w)
        analysis_bar.addWidget(self.rerun_button)
        analysis_bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(inputs_bar)
        layout.addLayout(analysis_bar)
        layout.addWidget(self.view, 1)
        self.runner.sigStarted.connect(lambda _name: self.resume_button.setVisible(False))
        self.runner.sigFinished.connect(self._finished)
        self.runner.sigFailed.connect(self._failed)
        self.runner.sigCancelled.connect(self._cancelled)

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
                       baseline_until=until, alpha=self.alpha_box.value(), detector=value_of(self.detector_box),
                       alarm_k=self.alarm_k_box.value(), alarm_m=self.alarm_m_box.value())

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
        show_value(self.detector_box, settings.detector)
        self.alarm_k_box.setValue(settings.alarm_k)
        self.alarm_m_box.setValue(settings.alarm_m)

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

    def _checked_settings(self) -> Optional[CampaignSettings]:
        """:meth:`settings`, or None after telling the user what is wrong with them (e.g. alarm k above m)."""
        try:
            return self.settings()
        except ShmError as exc:
            self.last_error = show_error(self, "The campaign settings are not valid", exc)
            self.sigTaskEnded.emit("campaign")
            return None

    def run_folder(self, folder: Path, env: Optional[Path] = None) -> None:
        """Identify every recording in ``folder`` (local process pool) and analyse the campaign."""
        folder = Path(folder)
        self.run_recordings((str(folder),), env or find_environment(folder))

    def resume(self) -> None:
        """Go on with the interrupted campaign the session holds: its recordings are not identified again."""
        stored = self.session.state.campaign
        if _resumable(stored):
            self.run_recordings(stored.inputs, Path(stored.environment) if stored.environment else None,
                                done=stored.modes)

    def run_recordings(self, inputs: Sequence[str], env: Optional[Path], *, done=()) -> None:
        """Identify the recordings of ``inputs`` (folders, files, globs) but those in ``done``, streaming each result
        into the autosave side file, and analyse them all (as :func:`shm_app.campaign.run_campaign`)."""
        from shm_app.campaign import run_campaign
        from shm_app.io.environment import read_environment

        settings = self._checked_settings()
        if settings is None:
            return
        self.runner.cancel()  # a campaign still running keeps its results so far (in the session)
        inputs = tuple(str(p) for p in inputs)
        self._inputs, self._source = inputs, ("folder", Path(inputs[0]), env)
        side = autosave_path(self.session.path)
        side.parent.mkdir(parents=True, exist_ok=True)
        sink = BackgroundPartialProject(side, inputs=inputs, settings=settings, environment=env, done=done,
                                        every_s=self.stream_every_s, every_n=self.stream_every_n,
                                        base=self.session.state, created=self.session.created)
        self._stream = sink

        def task(progress, cancel):
            log = read_environment(env, settings.env_columns) if env else None
            modes = list(done)

            def on_result(r) -> None:  # worker thread
                modes.append(r)
                sink.add(r)  # ignored once the stream is closed

            result = run_campaign(inputs, settings, env=log, progress=progress, cancel=cancel, on_result=on_result,
                                  done=done)
            by_file = {r.file: r for r in modes}
            return tuple(by_file[f] for f in result.files if f in by_file), result

        self._show_source()
        self.runner.start("campaign", task)

    @property
    def streaming(self) -> bool:
        """True while a campaign's results are being streamed into the autosave side file."""
        return self._stream is not None

    def flush_stream(self) -> None:
        """Wait until the running campaign's results so far are in the side file."""
        if self._stream is not None:
            self._stream.flush()

    def autosave_stream(self, state) -> Optional[Path]:
        """Save the running campaign's results so far with the project ``state`` around them, in the background
        (the window's autosave while a campaign runs: the side file is the stream's); None when no campaign runs."""
        sink = self._stream
        if sink is None:
            return None
        if sink.error is not None:  # the last background save failed: the window says so
            raise sink.error
        return sink.save_soon(base=state)

    def _path_changed(self, path: Optional[Path]) -> None:
        """Saved under another name while a campaign runs: its stream follows to that project's side file."""
        if self._stream is not None:
            self._stream.save_soon(path=autosave_path(path))
            self._stream.flush()  # no save to the old side file after the session removed it

    def _stop_stream(self, *, keep: bool) -> None:
        """Stop streaming: save the results so far one last time and, with ``keep``, put them in the session (an
        interrupted campaign it can resume)."""
        sink, self._stream = self._stream, None
        if sink is None:
            return
        try:
            sink.close()
        except (ShmError, OSError) as exc:
            self.sigMessage.emit(f"The campaign's results so far could not be saved to {sink.path}: {exc}")
        if keep and sink.modes:
            self.session.set_campaign(sink.campaign())

    def open_table(self, table: Path, env: Optional[Path] = None) -> None:
        """Analyse a monitoring system's frequency table (first column ISO time, one column per mode)."""
        table = Path(table)
        env = env or find_environment(table.parent)
        settings = self._checked_settings()
        if settings is None:
            return
        self.runner.cancel()
        self._inputs, self._source = (str(table),), ("table", table, env)
        self._show_source()
        self.runner.start("campaign", lambda progress, cancel: (None, _analyse_table(table, env, settings)))

    def reanalyse(self) -> None:
        if self._source is None:
            return
        kind, path, env = self._source
        if kind == "table":
            self.open_table(path, env)
            return
        from shm_app.campaign import analyse
        from shm_app.io.environment import read_environment

        settings = self._checked_settings()
        if settings is None:
            return
        self.runner.cancel()
        modes = self.session.state.campaign.modes
        self.runner.start("campaign", lambda progress, cancel: (
            modes, analyse(modes, settings, read_environment(env, settings.env_columns) if env else None)))

    def _show_source(self) -> None:
        kind, path, env = self._source
        self.source_label.setText(f"{'Recordings in' if kind == 'folder' else 'Table'} {path.name}"
                                  + (f", environment {env.name}" if env else ", no environment log (PCA model)"))

    def _finished(self, name: str, payload) -> None:
        if self._stream is not None:  # the window's autosave now writes the finished campaign to the side file
            self._stream.close(save=False)
            self._stream = None
        modes, result = payload
        kind, path, env = self._source
        self.session.set_campaign_result(result, inputs=self._inputs, kind="table" if kind == "table" else "recordings",
                                         environment=env, modes=modes)
        self.sigFinished.emit(result)
        self.sigTaskEnded.emit(name)

    def _session_changed(self, what: str) -> None:
        if what not in ("campaign", "project"):
            return
        if what == "project" and self._stream is not None:  # another project (the window stops the run before)
            self._stream.close(save=False)  # its side file is the new project's now: the run stays out of it
            self._stream = None
            self.runner.cancel()
        stored = self.session.state.campaign
        self._show_resume(stored)
        if stored is None or stored.result is None:
            self.rerun_button.setEnabled(False)
            self._source = None
            self.source_label.setText("")
            if not _resumable(stored):
                self.view.clear()
                return
            if what == "project":
                self.show_settings(stored.settings)
            self.source_label.setText(f"Interrupted campaign on {Path(stored.inputs[0]).name}")
            self.view.clear("The campaign was interrupted: Resume campaign identifies the recordings still missing "
                            "and analyses them all.")
            return
        if what == "project":  # a reopened project: its inputs and settings as they were
            self.show_settings(stored.settings)
            kind = "table" if stored.kind == "table" else "folder"
            self._inputs = stored.inputs
            self._source = (kind, Path(stored.inputs[0]), Path(stored.environment) if stored.environment else None) \
                if stored.inputs else None
            self.source_label.setText("Campaign stored in the project" if self._source is None else "")
            if self._source is not None:
                self._show_source()
        self.rerun_button.setEnabled(self._source is not None and (stored.kind == "table" or bool(stored.modes)))
        if stored.result is not self.view.result:
            self.view.set_result(stored.result, from_table=stored.kind == "table"
                                 or not any(Path(f).is_file() for f in stored.result.files))

    def _show_resume(self, stored) -> None:
        """The Resume button, naming how many of the campaign's recordings are identified already."""
        from shm_app.campaign import discover

        if not _resumable(stored):
            self.resume_button.setVisible(False)
            return
        try:
            total = str(len(discover(stored.inputs)))
        except (ShmError, OSError):
            total = "?"
        self.resume_button.setText(f"Resume campaign ({len(stored.modes)} of {total} recordings identified)")
        self.resume_button.setVisible(not self.runner.busy)

    def _cancelled(self, name: str) -> None:
        self._stop_stream(keep=True)
        self.sigTaskEnded.emit(name)

    def _failed(self, name: str, exc: BaseException) -> None:
        self._stop_stream(keep=True)
        self.last_error = show_error(self, "The campaign could not be analysed", exc)
        self.sigTaskEnded.emit(name)


def _resumable(campaign) -> bool:
    """True for a campaign of recordings interrupted before its result (some recordings identified)."""
    return (campaign is not None and campaign.kind == "recordings" and campaign.result is None
            and bool(campaign.modes) and bool(campaign.inputs))


def _analyse_table(table: Path, env: Optional[Path], settings):
    from shm_app.campaign import analyse_table
    from shm_app.io.environment import read_environment, read_frequency_table

    freq = read_frequency_table(table)
    log = read_environment(env) if env else None
    starts = [t.astype(datetime) for t in freq.times]
    return analyse_table(starts, freq.values, freq.names, settings, log, source=str(table))
