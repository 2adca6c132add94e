"""The single error path to the user: a user error (:class:`~shm_app.errors.ShmError`: a bad file, an impossible
setting, an output that cannot be written) becomes a one-line dialog; anything else is a bug, logged with its
traceback in the per-user log (:mod:`shm_app.logs`), and the dialog says so and where the details are."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from shm_app.errors import Cancelled, ShmError, one_line, user_message
from shm_app.logs import log_exception


def message_for(exc: BaseException) -> str:
    if isinstance(exc, (ShmError, Cancelled)):
        return user_message(exc)
    path = log_exception("unexpected error in the GUI", exc)
    where = f"details in {path}" if path else "the log could not be written"
    return f"Internal error (a bug, please report it): {type(exc).__name__}: {one_line(str(exc))} ({where})"


def show_error(parent: QWidget, title: str, exc: BaseException) -> str:
    """Show a modal dialog for ``exc`` (non-blocking in tests: the box is opened, not exec'd) and return the text."""
    text = message_for(exc)
    box = QMessageBox(QMessageBox.Icon.Warning if isinstance(exc, ShmError) else QMessageBox.Icon.Critical, title,
                      text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.open()
    return text
