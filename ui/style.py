"""Application style: light and dark themes (Qt palette, the bundled style sheet, the plots' colours), and the theme
preference kept in QSettings ("theme")."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ui.plot_style import THEME_NAMES, check_theme, set_plot_theme

STYLES = Path(__file__).resolve().parent.parent / "resources" / "styles"
STYLE_SHEETS = {"light": STYLES / "app.qss", "dark": STYLES / "dark.qss"}
SETTINGS_KEY = "theme"


def current_theme() -> str:
    """The theme the user chose last ('light' when none or an unknown one is stored)."""
    value = QSettings().value(SETTINGS_KEY, "light")
    return value if value in THEME_NAMES else "light"


def save_theme(theme: str) -> None:
    """Remember ``theme`` for the next start."""
    QSettings().setValue(SETTINGS_KEY, check_theme(theme))


def apply_style(app: QApplication, theme: Optional[str] = None) -> str:
    """Style ``app`` and every plot with ``theme`` ('light' or 'dark'; default: :func:`current_theme`); returns it.

    The preference is not changed: :func:`switch_theme` applies and remembers.
    """
    theme = check_theme(theme or current_theme())
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if theme == "dark" else app.style().standardPalette())
    sheet = STYLE_SHEETS[theme]
    app.setStyleSheet(sheet.read_text(encoding="utf-8") if sheet.exists() else "")
    set_plot_theme(theme)
    return theme


def switch_theme(app: QApplication, theme: str) -> str:
    """Apply ``theme`` now and keep it as the preference (View ▸ Dark theme)."""
    apply_style(app, theme)
    save_theme(theme)
    return theme


def _dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#25282d", QPalette.ColorRole.WindowText: "#e1e3e6",
        QPalette.ColorRole.Base: "#1e2126", QPalette.ColorRole.AlternateBase: "#2a2e34",
        QPalette.ColorRole.ToolTipBase: "#2f333a", QPalette.ColorRole.ToolTipText: "#e1e3e6",
        QPalette.ColorRole.Text: "#e1e3e6", QPalette.ColorRole.Button: "#30343a",
        QPalette.ColorRole.ButtonText: "#e1e3e6", QPalette.ColorRole.BrightText: "#ff6b5b",
        QPalette.ColorRole.Link: "#6cb4ff", QPalette.ColorRole.Highlight: "#3d6fa8",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.PlaceholderText: "#8a9099",
    }
    for role, value in colours.items():
        p.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7f87"))
    return p
