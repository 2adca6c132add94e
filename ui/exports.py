"""File ▸ Export (a mixin of the main window): everything the command line writes, the GUI writes too, by calling the
same functions — the identify JSON, the modes CSV, the stabilization diagram CSV, the UFF file, the figures
(spectrum, stabilization diagram, one per mode, GIFs on the geometry) and the damage report (PDF). The report runs
off the GUI thread with progress and Cancel."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from shm_app.errors import ShmError
from shm_app.identification import result_to_json
from ui.errors import show_error

#: kind → (menu text, default file suffix, dialog filter); "figures" asks for a folder
EXPORTS = {
    "json": ("Modes as &JSON (identify document)…", "_modes.json", "JSON (*.json)"),
    "csv": ("Modes as &CSV…", "_modes.csv", "CSV (*.csv)"),
    "uff": ("Mode shapes as &UFF (datasets 55)…", "_modes.uff", "Universal file (*.uff *.unv)"),
    "diagram": ("Stabilization &diagram as CSV…", "_diagram.csv", "CSV (*.csv)"),
    "figures": ("&Figures (PNG, GIF) into a folder…", "", ""),
}


class Exports:
    """Needs ``session``, ``result``, ``statusBar()``, ``_action``, ``campaign_panel``, ``last_error``."""

    def _init_exports(self) -> None:
        self.report_runner.sigFinished.connect(
            lambda _name, path: self.statusBar().showMessage(f"Report written to {path}", 8000))
        self.report_runner.sigFailed.connect(self._report_failed)

    def _report_failed(self, _name: str, exc: BaseException) -> None:
        self.last_error = show_error(self, "The report could not be written", exc)

    def _build_export_menu(self, menu) -> None:
        self.export_actions = {}
        for kind, (text, _suffix, _filter) in EXPORTS.items():
            self.export_actions[kind] = self._action(menu, text, lambda _c=False, k=kind: self._export(k),
                                                     enabled=False)
        menu.addSeparator()
        self.report_action = self._action(menu, "Damage &report (PDF)…", self._report_dialog, "Ctrl+P")
        # the names tests and older code use
        self.export_json_action = self.export_actions["json"]
        self.export_csv_action = self.export_actions["csv"]
        self.export_diagram_action = self.export_actions["diagram"]

    def _update_export_actions(self, result) -> None:
        for kind, act in self.export_actions.items():
            act.setEnabled(result is not None and (kind != "diagram" or result.diagram is not None))

    def _export(self, kind: str) -> None:
        if self.result is None:
            return
        stem = Path(self.result.file or "modes").name.split(".")[0]
        if kind == "figures":
            path = QFileDialog.getExistingDirectory(self, "Folder for the figures")
        else:
            _text, suffix, kinds = EXPORTS[kind]
            path, _ = QFileDialog.getSaveFileName(self, "Export", stem + suffix, kinds)
        if path:
            self.export(kind, path)

    def export(self, kind: str, path) -> bool:
        """Write the current recording's result as ``kind`` (see :data:`EXPORTS`) to ``path``."""
        from shm_app.output.tables import diagram_csv, modes_csv
        from shm_app.persistence.atomic import atomic_write_text

        entry = self.session.current
        result = self.result
        try:
            if kind in ("json", "csv", "diagram"):
                doc = result_to_json(result, manual=frozenset(entry.manual))
                text = {"json": lambda: json.dumps(doc, indent=2, allow_nan=False) + "\n",
                        "csv": lambda: modes_csv(doc), "diagram": lambda: diagram_csv(result)}[kind]()
                atomic_write_text(Path(path), text)
            elif kind == "uff":
                from shm_app.output.uff import write_uff

                by_name = {}
                geometry = self.session.state.geometry
                if geometry is not None:
                    by_name = {s.channel: s.direction for s in geometry.sensors}
                write_uff(path, result, [by_name.get(c) for c in result.channels], geometry=geometry)
            elif kind == "figures":
                from shm_app.output.figures import write_figures

                Path(path).mkdir(parents=True, exist_ok=True)
                write_figures(path, result, geometry=self.session.state.geometry, spectrum=result.spectrum)
            else:
                raise ValueError(f"unknown export {kind!r}")
        except (ShmError, OSError) as exc:
            self.last_error = show_error(self, "Export failed", exc)
            return False
        self.statusBar().showMessage(f"Exported {kind} to {path}", 6000)
        return True

    # ---- the report -----------------------------------------------------------------------------------------------
    def _report_dialog(self) -> None:
        name = f"{self.session.title}-report.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Damage report", name, "PDF (*.pdf);;HTML, self-contained (*.html)")
        if path:
            self.write_report(path)

    def write_report(self, path) -> None:
        """The damage report of the project (its campaign and identified modes), off the GUI thread."""
        from shm_app.output.report import write_report

        state = self.session.state  # an immutable snapshot: the user may go on working meanwhile
        if (state.campaign is None or state.campaign.result is None) and not any(e.result for e in state.recordings):
            self.statusBar().showMessage("Nothing to report yet: identify a recording or run a campaign.", 8000)
            return

        def task(progress, cancel):
            progress(0.1, "writing the report")  # a path ending in .html gets the HTML version
            return write_report(path, state=state)

        self.report_runner.start("report", task)
