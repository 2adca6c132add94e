"""View ▸ (a mixin of the main window): every dock can be shown or hidden, the window's layout and the theme are
remembered between runs (QSettings), and the Recording page's docks keep what the user chose when the Campaign page
takes the whole width."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget

from ui.style import current_theme, switch_theme


class ViewMenu:
    """Needs ``pages`` (the Recording page first) and the docks created before :meth:`_build_view_menu`."""

    def _build_view_menu(self, menu) -> None:
        self._dock_choice: dict[str, bool] = {}
        for dock in self.findChildren(QDockWidget):
            act = dock.toggleViewAction()
            act.setStatusTip(f"Show or hide the {dock.windowTitle()} panel")
            menu.addAction(act)
        menu.addSeparator()
        self.dark_action = QAction("&Dark theme", self, checkable=True)
        self.dark_action.setChecked(current_theme() == "dark")
        self.dark_action.toggled.connect(lambda on: switch_theme(QApplication.instance(), "dark" if on else "light"))
        menu.addAction(self.dark_action)
        reset = QAction("&Reset the layout", self)
        reset.triggered.connect(self._reset_layout)
        menu.addAction(reset)
        self._default_state = self.saveState()
        settings = QSettings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def _reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.findChildren(QDockWidget):
            dock.setVisible(True)

    def _remember_layout(self) -> None:
        if self.pages.currentIndex() != 0:  # store the Recording page's docks as the user left them
            self._restore_docks()
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())

    def _page_changed(self, index: int) -> None:
        """The side panels belong to the Recording page; the Campaign page gets the whole width. A dock the user
        closed stays closed when the Recording page comes back."""
        docks = self.findChildren(QDockWidget)
        if index == 0:
            self._restore_docks()
        else:
            if not self._dock_choice:
                self._dock_choice = {d.objectName(): d.isVisible() for d in docks}
            for d in docks:
                d.hide()

    def _restore_docks(self) -> None:
        for d in self.findChildren(QDockWidget):
            if d.objectName() in self._dock_choice:
                d.setVisible(self._dock_choice[d.objectName()])
        self._dock_choice = {}
