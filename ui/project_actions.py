"""Project save/open for the main window (a mixin): recording reference, settings, identification and campaign
results go into one ``.shmproj``; saves are atomic, autosaved after each analysis, and a project that fails to
open is reported and never overwritten."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from shm_app.identify import result_to_json
from ui.errors import show_error


class ProjectActions:
    """Needs ``recording``, ``original``, ``result``, ``campaign_panel``, ``project_path``, ``open_file``."""

    def _save_project(self, ask: bool = False) -> None:
        path = self.project_path
        if ask or path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save project", "project.shmproj", "Project (*.shmproj)")
            if not chosen:
                return
            path = Path(chosen)
        self.save_project(path)

    def save_project(self, path: str | Path) -> bool:
        """Save recording references, settings and results atomically; on failure the old file stays."""
        from shm_app.campaign import campaign_to_json
        from shm_app.project import Project, reference, save_project

        project = Project(settings={"preprocessing": self.recording.metadata.get("preprocessing", [])}
                          if self.recording else {})
        campaign = self.campaign_panel.view.result
        try:
            if self.original is not None and self.original.recording.source:
                rec = self.original.recording
                project.recordings.append(reference(rec.source, start=rec.start))
            if self.result is not None:
                project.identifications.append(result_to_json(self.result))
            if campaign is not None:
                project.campaign = campaign_to_json(campaign)
                if not self.campaign_panel.view.from_table:
                    seen = {r.path for r in project.recordings}
                    project.recordings += [reference(f, start=t) for f, t in zip(campaign.files, campaign.starts)
                                           if Path(f).is_file() and str(Path(f).resolve()) not in seen]
            save_project(path, project)
        except (OSError, ValueError) as exc:
            self.last_error = show_error(self, "Saving the project failed", exc)
            return False
        self.project_path = Path(path)
        self.statusBar().showMessage(f"Project saved to {path}", 5000)
        return True

    def _open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", "Project (*.shmproj)")
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> None:
        """Open a project: its first recording is loaded and its campaign shown again; a damaged project is
        reported and never overwritten (autosave only ever targets a project that opened)."""
        from shm_app.project import load_project

        try:
            project = load_project(path)
        except Exception as exc:  # noqa: BLE001 - the single error path decides what the user sees
            self.last_error = show_error(self, "Could not open the project", exc)
            self.sigTaskEnded.emit("project")
            return
        self.project_path = Path(path)
        self.loaded_project = project
        missing = [r.path for r in project.recordings if r.status() != "ok"]
        if missing:
            self.statusBar().showMessage(f"{len(missing)} recording(s) of the project are missing or changed, "
                                         f"e.g. {missing[0]}", 15000)
        if project.campaign is not None:
            self.campaign_panel.show_stored(project.campaign, [r.path for r in project.recordings])
        if project.recordings and project.recordings[0].status() == "ok":
            self.open_file(project.recordings[0].path)
