"""Errors the user can act on. One place (``shm_app.errors.user_message``) turns them into one line.

Only :class:`ShmError` and its subclasses are user errors (a bad file, an impossible setting): the CLI exits 2 and
the GUI shows a dialog. Anything else is a bug: logged with its traceback (:mod:`shm_app.logs`), exit 1."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Union

from dsp.progress import Cancelled

__all__ = ["ShmError", "ReadError", "SettingsError", "ParameterError", "Cancelled", "user_message", "shown_path"]


class ShmError(Exception):
    """Base of every error caused by the user's input rather than by a bug."""


class ReadError(ShmError):
    """A recording could not be read. ``reason`` says what is wrong and, where possible, what to do."""

    def __init__(self, path: Union[str, Path], reason: str) -> None:
        self.path = str(path)
        self.reason = one_line(reason)
        super().__init__(f"{shown_path(self.path)}: {self.reason}")


class SettingsError(ShmError):
    """An analysis setting is impossible for this recording (names the parameter and the allowed range)."""

    def __init__(self, reason: str, path: Union[str, Path, None] = None) -> None:
        self.path = None if path is None else str(path)
        self.reason = one_line(reason)
        super().__init__(self.reason if path is None else f"{shown_path(path)}: {self.reason}")


class ParameterError(SettingsError):
    """A setting outside its allowed values: ``name`` is the setting, ``reason`` says what it may be."""

    def __init__(self, name: str, reason: str, path: Union[str, Path, None] = None) -> None:
        self.name = name
        super().__init__(f"{name} {reason}", path)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown_path(path: Union[str, Path]) -> str:
    """A file name as shown in a message: control characters (a newline in a name, an escape sequence) written
    as escapes (``\\n``, ``\\x1b``) so the name cannot break the one-line message or drive the terminal; undecodable
    bytes of the name (``\\udcff`` surrogates) shown the same way. Everything else, spaces and unicode, as is."""
    text = str(path)

    def escape(m: "re.Match[str]") -> str:
        return m.group(0).encode("unicode_escape").decode("ascii")

    text = _CONTROL.sub(escape, text)
    if any("\udc80" <= c <= "\udcff" for c in text):
        text = "".join(c if not "\udc80" <= c <= "\udcff" else f"\\x{ord(c) - 0xdc00:02x}" for c in text)
    return text


def one_line(text: str) -> str:
    """``text`` with every run of line breaks (and the spaces around them) folded into one space: messages that
    quote a library's multi-line error stay one line. Other control characters (quoted from a damaged file) are
    written as escapes."""
    text = re.sub(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+\s*", " ", str(text)).strip()
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def user_message(exc: BaseException) -> str:
    """The one-line message shown to the user for a known error (CLI stderr, GUI dialog, status bar)."""
    if isinstance(exc, ShmError):
        return str(exc)
    if isinstance(exc, Cancelled):
        return "cancelled"
    return f"internal error: {type(exc).__name__}: {exc}"
