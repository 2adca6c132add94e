"""The single error path to the user: known errors become a one-line dialog, the rest are logged with a traceback."""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from shm_app.errors import ShmError, user_message

log = logging.getLogger("shm_app.ui")


def log_path() -> Path:
    return Path(os.environ.get("SHM_APP_LOG", Path(tempfile.gettempdir()) / "shm-app.log"))


def message_for(exc: BaseException) -> str:
    if isinstance(exc, (ShmError, ValueError)):
        return user_message(exc)
    try:
        handler = logging.FileHandler(log_path())
        log.addHandler(handler)
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
        handler.close()
        log.removeHandler(handler)
    except OSError:
        pass
    return f"{user_message(exc)} (details in {log_path()})"


def show_error(parent: QWidget, title: str, exc: BaseException) -> str:
    """Show a modal dialog for ``exc`` (non-blocking in tests: the box is opened, not exec'd) and return the text."""
    text = message_for(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.open()
    return text
