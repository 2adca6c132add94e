"""Where the app writes its log and per-user files, and the one place unexpected errors are logged.

The log lives in a per-user folder (``$XDG_STATE_HOME/shm-app`` or ``~/.local/state/shm-app`` on Linux,
``~/Library/Logs/shm-app`` on macOS, ``%LOCALAPPDATA%\\shm-app`` on Windows; ``SHM_APP_HOME`` overrides), created
private (0700); the log file is opened without following a symbolic link planted in its place.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Optional

LOG_NAME = "shm-app.log"
_log = logging.getLogger("shm_app")


def _base() -> Path:
    home = os.environ.get("SHM_APP_HOME")
    if home:
        return Path(home)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "shm-app"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "shm-app"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "shm-app"


def user_folder(*parts: str) -> Path:
    """A per-user folder of the app (created private when missing)."""
    folder = _base().joinpath(*parts)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def log_path() -> Path:
    """The log file (``SHM_APP_LOG`` overrides)."""
    override = os.environ.get("SHM_APP_LOG")
    return Path(override) if override else user_folder() / LOG_NAME


def log_exception(message: str, exc: BaseException) -> Optional[Path]:
    """Append ``message`` and the traceback of ``exc`` to the log; returns the log's path (None if it failed)."""
    path = log_path()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as stream:
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
            _log.addHandler(handler)
            try:
                _log.error(message, exc_info=(type(exc), exc, exc.__traceback__))
            finally:
                _log.removeHandler(handler)
    except OSError:
        return None
    return path


class _LogFileHandler(logging.Handler):
    """Appends records to the per-user log, opening it for each record the same safe way as :func:`log_exception`
    (no symbolic link followed, private permissions); a record that cannot be written is dropped, never printed."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            fd = os.open(log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as stream:
                stream.write(text + "\n")
        except Exception:  # noqa: BLE001 - logging must never fail the work, nor reach the user's stderr
            pass


#: libraries whose log output (npTDMS's "less data than expected", ObsPy, h5py) must not reach the user's stderr
LIBRARY_LOGGERS = ("nptdms", "obspy", "h5py", "pyuff", "matplotlib", "numba", "py.warnings", "shm_app.io")
_routed = False


def route_library_output() -> None:
    """Send the libraries' log records and Python/numpy warnings (``RuntimeWarning: overflow``) to the per-user log
    instead of standard error, where they would break the CLI's one-line contract. Idempotent."""
    global _routed
    if _routed:
        return
    handler = _LogFileHandler(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    _routed = True
