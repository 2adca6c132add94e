"""A tiny event: models call ``emit``, views ``connect`` a callback. Qt-free (napari's model/view split)."""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)


class Event:
    """Listeners are called in the order they connected; one that raises is logged and the others still run."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            try:
                callback(*args)
            except Exception:  # noqa: BLE001 - a broken view must not stop the model or the other views
                log.exception("listener of %s failed", self.name)
