"""At start the window offers the unsaved work of an untitled project that a crashed or killed app left in the
per-user autosave folder: Yes opens it as unsaved work, Discard deletes it, No keeps it for the next start."""
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from shm_app.session import Session, autosave_path


@pytest.fixture
def orphan():
    """The autosave of an untitled project whose app died (named after a process that has ended)."""
    crashed = Session()
    crashed.set_metadata(structure="Deck", notes="two hours of work")
    side = crashed.autosave()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return side.rename(side.with_name(f"untitled-{child.pid}.shmproj.autosave"))


@pytest.mark.parametrize("answer", ["Yes", "No", "Discard"])
def test_the_work_a_crash_left_unsaved_is_offered(window, orphan, _scripted_questions, answer):
    _scripted_questions.append(getattr(QMessageBox.StandardButton, answer))
    recovered = window.offer_untitled_recovery()
    assert recovered == (answer == "Yes")
    if answer == "Yes":
        assert window.session.state.metadata.notes == "two hours of work" and window.session.modified
        assert window.session.path is None and autosave_path(None).exists() and not orphan.exists()
        assert window.isWindowModified()
    else:
        assert window.session.state.metadata.notes == "" and not window.session.modified
        assert orphan.exists() == (answer == "No")
