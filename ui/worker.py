"""Run ``fn(progress, cancel)`` off the GUI thread; progress, result and errors come back as Qt signals.

One :class:`TaskRunner` per panel: starting a new task cancels the one still running, and results of a
cancelled or superseded task are dropped.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from dsp.progress import CancelToken, Cancelled

log = logging.getLogger(__name__)

Task = Callable[[Callable[[float, str], None], CancelToken], Any]


class _Signals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Job(QRunnable):
    def __init__(self, fn: Task, token: CancelToken) -> None:
        super().__init__()
        self.fn, self.token, self.signals = fn, token, _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:  # worker thread
        try:
            result = self.fn(lambda f, m: self.signals.progress.emit(f, m), self.token)
        except Cancelled:
            self.signals.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - delivered to the GUI's single error path
            self.signals.failed.emit(exc)
        else:
            if self.token.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)


class TaskRunner(QObject):
    """Runs one task at a time for a panel. Signals carry the task's name so views can tell tasks apart."""

    sigStarted = Signal(str)
    sigProgress = Signal(float, str)
    sigFinished = Signal(str, object)
    sigFailed = Signal(str, object)
    sigCancelled = Signal(str)
    sigIdle = Signal()

    def __init__(self, parent: Optional[QObject] = None, pool: Optional[QThreadPool] = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._job: Optional[_Job] = None
        self._name = ""

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, name: str, fn: Task) -> None:
        self.cancel()
        token = CancelToken()
        job = _Job(fn, token)
        self._job, self._name = job, name
        job.signals.progress.connect(lambda f, m, j=job: self._if_current(j, self.sigProgress.emit, f, m))
        job.signals.finished.connect(lambda r, j=job: self._done(j, self.sigFinished.emit, name, r))
        job.signals.failed.connect(lambda e, j=job: self._done(j, self.sigFailed.emit, name, e))
        job.signals.cancelled.connect(lambda j=job: self._done(j, self.sigCancelled.emit, name))
        self.sigStarted.emit(name)
        self._pool.start(job)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.token.cancel()
            self._job = None
            self.sigCancelled.emit(self._name)
            self.sigIdle.emit()

    def _if_current(self, job: _Job, emit, *args) -> None:
        if job is self._job:
            emit(*args)

    def _done(self, job: _Job, emit, *args) -> None:
        if job is not self._job:
            return  # superseded or cancelled: its outcome no longer matters
        self._job = None
        emit(*args)
        self.sigIdle.emit()

    def wait(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)
