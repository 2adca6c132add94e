"""Editing the identified modes by hand (a mixin of the main window): clicks in the stabilization diagram and on the
singular-value spectrum add or remove modes, every edit goes through the session and onto an undo stack, and the
log says why the automation left stable columns out.

The edits themselves are :mod:`shm_app.identification.manual` (Qt-free); this module only maps clicks to them.
"""
from __future__ import annotations

from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QDockWidget, QPlainTextEdit

from dsp.selection_review import nearest_mode
from shm_app.errors import ShmError
from shm_app.identification import manual as edits
from shm_app.output.tables import missing_sigma_note


class _ModeEdit(QUndoCommand):
    """One edit of one recording's modes: redo stores ``after``, undo ``before`` (result, manual indices)."""

    def __init__(self, session, index: int, before, after, text: str) -> None:
        super().__init__(text)
        self.session, self.index, self.before, self.after = session, index, before, after

    def redo(self) -> None:
        self.session.set_identification_result(self.after[0], self.index, manual=self.after[1])

    def undo(self) -> None:
        self.session.set_identification_result(self.before[0], self.index, manual=self.before[1])


class ModeEditing:
    """Needs ``session``, ``stabilization_plot``, ``spectrum_plot``, ``statusBar()``, ``addDockWidget``."""

    def _init_mode_editing(self) -> None:
        self.undo_stack = QUndoStack(self)
        self.stabilization_plot.sigPoleClicked.connect(self._pole_clicked)
        self.stabilization_plot.sigModeClicked.connect(
            lambda k: self._edit(f"remove mode {k + 1}", lambda r, m: edits.remove_mode(r, k, m)))
        self.stabilization_plot.sigPolesSelected.connect(
            lambda poles: self._edit("add a mode from the chosen poles",
                                     lambda r, m: edits.add_mode_from_poles(r, poles, m)))
        self.spectrum_plot.sigFrequencyClicked.connect(self._frequency_clicked)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setObjectName("logView")
        self.log_view.setToolTip("What the analyses did and why the automated selection left stable columns out")
        dock = QDockWidget("Log", self)
        dock.setObjectName("logDock")
        dock.setWidget(self.log_view)
        from PySide6.QtCore import Qt

        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [90], Qt.Orientation.Vertical)
        self.log_dock = dock

    def _build_edit_menu(self, menu) -> None:
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        menu.addAction(undo)
        menu.addAction(redo)

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    # ---- edits ----------------------------------------------------------------------------------------------------
    def _edit(self, text: str, change) -> None:
        entry = self.session.current
        if entry is None or entry.result is None:
            return
        try:
            after = change(entry.result, entry.manual)
        except ShmError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        index = self.session.state.current
        self.undo_stack.push(_ModeEdit(self.session, index, (entry.result, entry.manual), after, text))
        self.log(f"{entry.ref.name}: {text} — {len(after[0].modes)} modes")
        self.statusBar().showMessage(f"{text[0].upper()}{text[1:]} (Ctrl+Z undoes it).", 6000)

    def _pole_clicked(self, pole: int) -> None:
        result = self.session.current.result if self.session.current else None
        if result is None:
            return
        for k, m in enumerate(result.modes):  # a pole a mode was estimated from: the click means that mode
            if m.poles is not None and pole in set(int(p) for p in m.poles):
                self._edit(f"remove mode {k + 1}", lambda r, mm, k=k: edits.remove_mode(r, k, mm))
                return
        self._edit(f"add the mode at {result.diagram.frequencies_hz[pole]:.3f} Hz",
                   lambda r, mm: edits.add_mode_at_pole(r, pole, mm))

    def _frequency_clicked(self, frequency_hz: float) -> None:
        result = self.session.current.result if self.session.current else None
        if result is None or result.settings.time_domain or frequency_hz <= 0:
            return  # SSI modes are picked in the stabilization diagram
        k = nearest_mode(result.modes, frequency_hz, max_relative_gap=0.01)
        if k is not None:
            self._edit(f"remove mode {k + 1}", lambda r, m: edits.remove_mode(r, k, m))
        else:
            self._edit(f"add the mode at the peak near {frequency_hz:.3f} Hz",
                       lambda r, m: edits.add_mode_at_frequency(r, frequency_hz, m))

    def _log_identification(self, result) -> None:
        """What an identification found and, for SSI, the stable columns it did not take and why."""
        self.log(f"{result.file and str(result.file).split('/')[-1]}: {len(result.modes)} modes by "
                 f"{result.settings.method} ({result.settings.fmin_hz:g}–{result.settings.fmax_hz:g} Hz)")
        for c in edits.unselected_columns(result):
            self.log(f"  {c.frequency_hz:.3f} Hz ({c.n_poles} poles at {c.n_orders} orders) not taken: {c.reason}")
        entry = self.session.current
        note = missing_sigma_note(result, entry.identification.uncertainty if entry is not None else True)
        if note:
            self.log(f"  {note}")
