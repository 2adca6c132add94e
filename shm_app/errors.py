"""Errors the user can act on. One place (``shm_app.errors.user_message``) turns them into one line.

Only :class:`ShmError` and its subclasses are user errors (a bad file, an impossible setting): the CLI exits 2 and
the GUI shows a dialog. Anything else is a bug: logged with its traceback (:mod:`shm_app.logs`), exit 1."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Union

from dsp.progress import Cancelled

__all__ = ["ShmError", "ReadError", "SettingsError", "ParameterError", "Cancelled", "user_message"]


class ShmError(Exception):
    """Base of every error caused by the user's input rather than by a bug."""


class ReadError(ShmError):
    """A recording could not be read. ``reason`` says what is wrong and, where possible, what to do."""

    def __init__(self, path: Union[str, Path], reason: str) -> None:
        self.path = str(path)
        self.reason = one_line(reason)
        super().__init__(f"{self.path}: {self.reason}")


class SettingsError(ShmError):
    """An analysis setting is impossible for this recording (names the parameter and the allowed range)."""

    def __init__(self, reason: str, path: Union[str, Path, None] = None) -> None:
        self.path = None if path is None else str(path)
        self.reason = one_line(reason)
        super().__init__(self.reason if path is None else f"{path}: {self.reason}")


class ParameterError(SettingsError):
    """A setting outside its allowed values: ``name`` is the setting, ``reason`` says what it may be."""

    def __init__(self, name: str, reason: str, path: Union[str, Path, None] = None) -> None:
        self.name = name
        super().__init__(f"{name} {reason}", path)


def one_line(text: str) -> str:
    """``text`` with every run of line breaks (and the spaces around them) folded into one space: messages that
    quote a library's multi-line error stay one line."""
    return re.sub(r"\s*[\r\n]+\s*", " ", str(text)).strip()


def user_message(exc: BaseException) -> str:
    """The one-line message shown to the user for a known error (CLI stderr, GUI dialog, status bar)."""
    if isinstance(exc, ShmError):
        return str(exc)
    if isinstance(exc, Cancelled):
        return "cancelled"
    return f"internal error: {type(exc).__name__}: {exc}"
