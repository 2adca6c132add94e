"""Application style: the bundled Qt style sheet and pyqtgraph defaults."""
from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

STYLE_SHEET = Path(__file__).resolve().parent.parent / "resources" / "styles" / "app.qss"


def apply_style(app: QApplication) -> None:
    pg.setConfigOptions(antialias=True, foreground="#303030", background="w")
    app.setStyle("Fusion")
    if STYLE_SHEET.exists():
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
