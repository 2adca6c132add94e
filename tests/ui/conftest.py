"""GUI tests: answers to the window's questions are scripted (a modal box would block an offscreen run), and the
app's per-user files (settings, log, autosaves) go to a temporary folder."""
import pytest


@pytest.fixture(autouse=True)
def _scripted_questions(monkeypatch, tmp_path_factory):
    from PySide6.QtWidgets import QMessageBox

    from ui.project_actions import ProjectActions

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SHM_APP_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    answers = []  # tests append the answers they want; otherwise unsaved work is discarded, recovery declined

    def ask(self, title, text, buttons, default):
        if answers:
            return answers.pop(0)
        b = QMessageBox.StandardButton
        return b.Discard if buttons & b.Discard else b.No

    monkeypatch.setattr(ProjectActions, "ask", ask)
    return answers


@pytest.fixture
def window(qtbot):
    """The main window, shown; its analysis stopped afterwards."""
    from ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.runner.cancel()
    w.runner.wait(10000)
