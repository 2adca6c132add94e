"""Progress reporting and cooperative cancellation shared by every long computation."""
from __future__ import annotations

import threading
from typing import Callable, Optional

ProgressFn = Callable[[float, str], None]


class Cancelled(Exception):
    """Raised inside a computation when its :class:`CancelToken` was cancelled."""


class CancelToken:
    """A thread-safe flag a caller sets to stop a running computation at its next check point."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def report(progress: Optional[ProgressFn], cancel: Optional[CancelToken], fraction: float, message: str) -> None:
    """Check for cancellation, then report ``fraction`` (0..1) done with ``message``."""
    if cancel is not None:
        cancel.raise_if_cancelled()
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)
