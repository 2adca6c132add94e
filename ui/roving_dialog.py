"""Analysis ▸ Roving test: the setups of a multi-setup field test (reference sensors fixed, the others moved),
merged into one mode set over every measured point (PoSER or PreGER) and shown on the structure.

The work is :func:`shm_app.identification.multisetup.identify_setups`, run off the GUI thread; the test and its
result are stored in the session (``state.roving``) and so in the project."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from shm_app.errors import ShmError
from shm_app.identification import IdentificationSettings
from shm_app.identification.multisetup import MultiSetupSettings
from shm_app.output.tables import with_interval
from shm_app.session.state import RovingState
from ui.errors import show_error
from ui.loading import open_filter
from ui.panels import SettingsForm
from ui.progress import ProgressWidget
from ui.shape_view import ShapeView
from ui.worker import TaskRunner


class RovingDialog(QDialog):
    """Setups, references, merging method; Run; the merged modes and the selected one on the structure."""

    def __init__(self, session, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Roving test (several setups)")
        self.setObjectName("rovingDialog")
        self.resize(1150, 660)
        self.session = session
        self.last_error = None
        self.runner = TaskRunner(self)
        self.files = QListWidget()
        self.files.setToolTip("One recording per setup; channels with the same name in every setup are the references")
        add, remove = QPushButton("Add setups…"), QPushButton("Remove")
        add.clicked.connect(self._add)
        remove.clicked.connect(lambda: [self.files.takeItem(self.files.row(i)) for i in self.files.selectedItems()])
        self.merge_form = SettingsForm(MultiSetupSettings, ("merge", "references"))
        self.ident_form = SettingsForm(IdentificationSettings, ("method", "fmin_hz", "fmax_hz"))
        self.run_button = QPushButton("Identify and merge")
        self.run_button.clicked.connect(self.run)
        self.progress = ProgressWidget(self.runner)
        left = QVBoxLayout()
        left.addWidget(QLabel("Setups"))
        left.addWidget(self.files, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        left.addLayout(row)
        left.addWidget(self.merge_form)
        left.addWidget(self.ident_form)
        left.addWidget(self.run_button)
        left.addWidget(self.progress)
        side = QWidget()
        side.setLayout(left)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Mode", "Frequency [Hz] ± σ [95 %]", "Damping [%] ± σ [95 %]", "Setups",
                                              "MPC"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._mode_selected)
        self.shape_view = ShapeView(session, source=self._shown)
        right = QSplitter()
        right.addWidget(self.table)
        right.addWidget(self.shape_view)
        right.setSizes([560, 420])  # the table shows f and ζ with σ and interval whole
        body = QSplitter()
        body.addWidget(side)
        body.addWidget(right)
        body.setSizes([270, 840])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(body, 1)
        layout.addWidget(buttons)
        self.runner.sigFinished.connect(self._finished)
        self.runner.sigFailed.connect(self._failed)
        session.changed.connect(self._session_changed)
        self._show_state()

    # ---- the session's test -----------------------------------------------------------------------------------
    def _result(self):
        roving = self.session.state.roving
        return None if roving is None else roving.result

    def _shown(self):
        r = self._result()
        return ((), ()) if r is None else (r.modes, r.channels)

    def _session_changed(self, what: str) -> None:
        if what in ("roving", "project"):
            self._show_state()

    def _show_state(self) -> None:
        roving = self.session.state.roving
        if roving is not None:
            self.files.clear()
            self.files.addItems(list(roving.files))
            self.merge_form.show_settings(roving.merge)
            self.ident_form.show_settings(roving.identification)
        r = self._result()
        self.table.setRowCount(0 if r is None else len(r.modes))
        for k, m in enumerate(r.modes if r is not None else ()):
            setups = r.mode_setups[k] if k < len(r.mode_setups) else ()
            complete = len(setups) == len(r.files)
            z_sigma = None if m.damping_sigma is None else 100 * m.damping_sigma
            cells = (str(k + 1), with_interval(m.frequency_hz, m.frequency_sigma_hz, 4),
                     with_interval(100 * m.damping_ratio, z_sigma, 2),
                     "all" if complete else "only " + ", ".join(str(s + 1) for s in setups), f"{m.mpc:.3f}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not complete:
                    item.setToolTip("Not found in every setup: the shape is unknown at the points only the other "
                                    "setups measured")
                self.table.setItem(k, col, item)
        self.table.resizeColumnsToContents()
        self.shape_view.refresh()

    def _mode_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if rows:
            self.shape_view.set_mode(min(rows))

    # ---- running ----------------------------------------------------------------------------------------------
    def _add(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Setups of the roving test", "", open_filter())
        self.files.addItems(paths)

    def paths(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]

    def run(self) -> None:
        """Read every setup and identify the merged modes off the GUI thread."""
        from shm_app import io
        from shm_app.identification.multisetup import identify_setups

        try:
            merge = MultiSetupSettings(**self.merge_form.values())
            ident = IdentificationSettings(**self.ident_form.values())
        except ShmError as exc:
            self.last_error = show_error(self, "Impossible settings", exc)
            return
        paths = self.paths()

        def task(progress, cancel):
            recordings = []
            for k, p in enumerate(paths):
                progress(0.2 * k / max(len(paths), 1), f"reading {Path(p).name}")
                recordings.append(io.read(p))
            result = identify_setups(recordings, ident, merge, progress=lambda f, m: progress(0.2 + 0.8 * f, m),
                                     cancel=cancel)
            return RovingState(files=tuple(str(Path(p).resolve()) for p in paths), identification=ident, merge=merge,
                               result=result)

        self.runner.start("roving", task)

    def _finished(self, _name: str, state: RovingState) -> None:
        self.last_error = None
        self.session.set_roving(state)

    def _failed(self, _name: str, exc: BaseException) -> None:
        self.last_error = show_error(self, "The roving test could not be identified", exc)
