"""The project lifecycle of the main window (a mixin): New, Open, Open Recent, Save, Save As, the title with its
modified mark, the unsaved-changes question, autosave to a side file and the offer to recover it.

The work is the session's (:class:`~shm_app.session.Session`): saves are atomic, the autosave never touches the
user's file, and opening a project never writes to it or re-analyses anything.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from shm_app.errors import ShmError
from shm_app.session import recoverable_autosave
from shm_app.session.session import orphaned_autosaves
from ui.errors import show_error

APP_TITLE = "SHM Workbench"
PROJECT_FILTER = "SHM Workbench project (*.shmproj)"
AUTOSAVE_MINUTES = 3
MAX_RECENT = 8


class ProjectActions:
    """Needs ``session``, ``open_file``, ``statusBar()``, ``sigTaskEnded``; the window's closeEvent is this one's."""

    # ---- set-up -------------------------------------------------------------------------------------------------
    def _init_project(self) -> None:
        self.session.modified_changed.connect(lambda _m: self._update_title())
        self.session.path_changed.connect(lambda _p: self._update_title())
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_MINUTES * 60_000)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self._update_title()

    def _build_project_menu(self, menu) -> None:
        self._action(menu, "&New project", self.new_project, QKeySequence.StandardKey.New)
        self._action(menu, "&Open project…", self._open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = self._action(menu, "&Save project", self.save_project, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(menu, "Save project &as…", self._save_as_dialog,
                                           QKeySequence.StandardKey.SaveAs)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.session.title}[*] — {APP_TITLE}")
        self.setWindowModified(self.session.modified)

    # ---- questions (tests replace ``ask``) -----------------------------------------------------------------------
    def ask(self, title: str, text: str, buttons, default):
        return QMessageBox.question(self, title, text, buttons, default)

    def maybe_save(self) -> bool:
        """True when the current project may be closed: saved, or the user chose to discard or save it."""
        if not self.session.modified:
            return True
        b = QMessageBox.StandardButton
        answer = self.ask("Unsaved changes", f"Save the changes to {self.session.title}?",
                          b.Save | b.Discard | b.Cancel, b.Save)
        if answer == b.Save:
            return self.save_project()
        return answer == b.Discard

    # ---- actions --------------------------------------------------------------------------------------------------
    def new_project(self) -> None:
        self.campaign_panel.runner.cancel()  # a running campaign's results so far go into the project: asked below
        if not self.maybe_save():
            return
        self.runner.cancel()
        self._cancel_views()
        self.session.discard_autosave()
        self.original = self.current = None
        self.session.new()
        self.statusBar().showMessage("New project.", 5000)

    def _open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path, *, ask: bool = True) -> bool:
        """Open a project (offering its newer autosave, if any). A project that fails to open is reported and
        the one already open stays; the file is never written."""
        path = Path(path)
        self.campaign_panel.runner.cancel()  # a running campaign's results so far go into the project: asked below
        if ask and not self.maybe_save():
            return False
        recover: Optional[Path] = None
        side = recoverable_autosave(path)
        if side is not None:
            b = QMessageBox.StandardButton
            answer = self.ask("Recover unsaved work", f"{side.name} holds work on {path.name} newer than the "
                                                      f"project itself (the app closed before it was saved). "
                                                      f"Recover it?", b.Yes | b.No, b.Yes)
            recover = side if answer == b.Yes else None
        self.runner.cancel()
        self._cancel_views()
        try:
            self.session.open(path, recover_from=recover)
        except (ShmError, OSError) as exc:
            self.last_error = show_error(self, "Could not open the project", exc)
            self.sigTaskEnded.emit("project")
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}" + (" (recovered unsaved work)" if recover else ""), 8000)
        return True

    def offer_untitled_recovery(self) -> bool:
        """At start: offer the newest autosave of an untitled project that an app which crashed or was killed left
        unsaved. Yes opens it as unsaved work, Discard deletes it, No keeps it for the next start. True when
        recovered."""
        from datetime import datetime

        orphans = orphaned_autosaves()
        if not orphans:
            return False
        side = orphans[0]
        try:
            when = datetime.fromtimestamp(side.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        except OSError:
            return False
        b = QMessageBox.StandardButton
        more = f" ({len(orphans) - 1} older one(s) are offered at the next starts)" if len(orphans) > 1 else ""
        answer = self.ask("Recover unsaved work", f"An untitled project autosaved at {when} was never saved: the app "
                                                  f"closed before{more}. Recover it? No keeps it for the next start; "
                                                  f"Discard deletes it.", b.Yes | b.No | b.Discard, b.Yes)
        if answer == b.Discard:
            side.unlink(missing_ok=True)
            return False
        if answer != b.Yes:
            return False
        try:
            self.session.recover_untitled(side)
        except (ShmError, OSError) as exc:
            self.last_error = show_error(self, "Could not recover the unsaved work", exc)
            return False
        self.statusBar().showMessage(f"Recovered the unsaved work autosaved at {when}: save it with Save As", 15000)
        return True

    def _restore_recording(self) -> None:
        """After a project opened: read its current recording's file to show it (its modes are already there)."""
        self.original = self.current = None
        entry = self.session.current
        if entry is None:
            self.sigTaskEnded.emit("project")
            return
        status = entry.ref.status()
        if status != "ok":
            self.statusBar().showMessage(f"{entry.ref.name} is {status}: its signals cannot be shown; the project's "
                                         f"results are", 15000)
            self.sigTaskEnded.emit("project")
            return
        self._restoring = True
        self.open_file(entry.ref.path, identify_after=False, **dict(entry.ref.read_options))

    def save_project(self, path=None) -> bool:
        """Save to ``path`` (default: the project's file; asks when it has none). False when it failed."""
        if path is None and self.session.path is None:
            return self._save_as_dialog()
        try:
            saved = self.session.save(path)
        except (ShmError, OSError) as exc:
            self.last_error = show_error(self, "Saving the project failed; the file on disk is unchanged", exc)
            return False
        self._remember(saved)
        self.statusBar().showMessage(f"Project saved to {saved}", 5000)
        return True

    def _save_as_dialog(self) -> bool:
        start = str(self.session.path or "project.shmproj")
        chosen, _ = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        if not chosen:
            return False
        if not chosen.endswith(".shmproj"):
            chosen += ".shmproj"
        return self.save_project(chosen)

    def autosave(self) -> None:
        """Write unsaved work to the side file (never to the project itself). While a campaign runs, the side file
        is its stream's: the project is saved there with the campaign's results so far."""
        try:
            side = self.campaign_panel.autosave_stream(self.session.state) or self.session.autosave()
        except (ShmError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 10000)
            return
        if side is not None:
            self.statusBar().showMessage(f"Unsaved work kept in {side}", 4000)

    # ---- recent projects ----------------------------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        value = QSettings().value("recentProjects", [])
        return [v for v in ([value] if isinstance(value, str) else list(value or []))]

    def _remember(self, path: Path) -> None:
        items = [str(Path(path).resolve())] + [p for p in self.recent_projects() if p != str(Path(path).resolve())]
        QSettings().setValue("recentProjects", items[:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.recent_projects():
            act = QAction(p, self)
            act.setEnabled(Path(p).exists())
            act.triggered.connect(lambda _checked=False, p=p: self.open_project(p))
            self.recent_menu.addAction(act)
        if not self.recent_menu.actions():
            none = QAction("(none)", self)
            none.setEnabled(False)
            self.recent_menu.addAction(none)

    # ---- closing --------------------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.campaign_panel.runner.cancel()  # a running campaign's results so far go into the project: asked below
        if not self.maybe_save():
            event.ignore()
            return
        self.runner.cancel()
        self._cancel_views()
        self._autosave_timer.stop()
        self._remember_layout()
        self.session.discard_autosave()
        event.accept()
