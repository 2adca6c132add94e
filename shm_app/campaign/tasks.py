"""Per-recording campaign tasks and where they run: one recording read and identified per task, returning a small
:class:`RecordingModes`, on a local process pool or a Dask distributed cluster, with few tasks in flight so memory
stays flat however long the campaign."""
from __future__ import annotations

import logging
import os
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence, Union

import numpy as np

from dsp.progress import CancelToken, ProgressFn, report
from shm_app.errors import ShmError
from shm_app.identification.settings import IdentificationSettings
from shm_app.recording import start_from_filename

if TYPE_CHECKING:
    from shm_app.campaign.settings import CampaignSettings


# -- the task --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RecordingModes:
    """The small result of one recording's task: its start and identified modes, or the error that stopped it.

    frequencies_hz, damping_ratios : (n_modes,) Hz, ratio;  shapes : (n_channels, n_modes) real, largest entry +1
    n_poles : (n_modes,) stable poles behind each mode (its support in the tracking)
    fs_hz, analysis_fs_hz : the recording's sampling rate and the rate it was analysed at after decimation, Hz
    sha256 : the file's SHA-256 (hex) when it could be read, to find duplicate recordings; None in projects saved
        before it was recorded
    """

    file: str
    start: Optional[datetime]
    channels: tuple[str, ...]
    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    shapes: np.ndarray
    error: Optional[str] = None
    n_poles: Optional[np.ndarray] = None
    fs_hz: Optional[float] = None
    analysis_fs_hz: Optional[float] = None
    sha256: Optional[str] = None


def failed(path: str, reason: str) -> RecordingModes:
    """The result of a recording that could not be identified, and why."""
    return RecordingModes(path, start_from_filename(path), (), np.zeros(0), np.zeros(0), np.zeros((0, 0)),
                          error=reason)


def identify_file(path: Union[str, Path], identification: IdentificationSettings = IdentificationSettings(),
                  read_options: tuple[tuple[str, object], ...] = ()) -> RecordingModes:
    """Read one recording and identify its modes (a picklable task for process pools and Dask workers).

    Known errors (unreadable file, impossible settings) are returned in ``error``, never raised, so one bad
    recording does not stop the campaign.
    """
    from shm_app import io
    from shm_app.identification.pipeline import identify
    from shm_app.session.state import file_sha256

    path = str(path)
    try:
        recording = io.read(path, **dict(read_options))
        sha256 = file_sha256(path)  # just read, so from the page cache: ~1 ms per MB, a few % of the task
        # no plots and no standard deviations in a campaign: the tracking compares many records instead
        result = identify(recording, replace(identification, compute_spectrum=False, uncertainty=False))
    except (ShmError, np.linalg.LinAlgError) as exc:
        return failed(path, getattr(exc, "reason", None) or str(exc))
    except Exception as exc:  # noqa: BLE001 - one recording's bug must not lose hours of campaign; logged
        logging.getLogger("shm_app").exception("campaign task failed on %s", path)
        return failed(path, f"internal error: {type(exc).__name__}: {exc}")
    shapes = np.array([m.real_shape for m in result.modes]).T if result.modes else np.zeros((len(result.channels), 0))
    return RecordingModes(file=path, start=recording.start, channels=tuple(result.channels),
                          frequencies_hz=np.array([m.frequency_hz for m in result.modes]),
                          damping_ratios=np.array([m.damping_ratio for m in result.modes]), shapes=shapes,
                          n_poles=np.array([m.n_poles for m in result.modes], dtype=float),
                          fs_hz=float(recording.fs_hz), analysis_fs_hz=float(result.settings.analysis_fs_hz),
                          sha256=sha256)


@contextmanager
def _single_threaded_children():
    """Worker processes started inside run one BLAS thread each: the pool already uses every core."""
    keys = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ.setdefault(k, "1")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


#: the error of a recording that killed its worker process twice, the second time alone
WORKER_DIED = "the worker process died while identifying this recording (out of memory?); retried once"


def _exit_with_parent() -> None:
    """Pool initializer: the worker exits when the process that started it dies (``kill -9``, the out-of-memory
    killer), instead of waiting for tasks forever and keeping its memory."""
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (wait([parent.sentinel]), os._exit(1)), daemon=True,
                         name="exit-with-parent").start()


@contextmanager
def _process_pool(workers: int):
    """A spawn process pool (safe next to the GUI's threads, the same on every platform). Left by an exception
    (cancel, Ctrl-C, an error) it cancels what is queued and ends its workers at once rather than waiting for the
    tasks in flight, which may run for minutes and whose results are no longer wanted. Its workers also end
    when this process is killed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())  # public only from Python 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=2.0)
            if process.is_alive():
                process.kill()
        raise
    pool.shutdown(wait=True)


def _run_until_broken(pool, queue: deque, limit: int, task, args, done, cancel: Optional[CancelToken]) -> list[str]:
    """Run ``task(path, *args)`` for the paths taken from ``queue`` on ``pool``, at most ``limit`` in flight, passing
    each result to ``done``. Returns [] when the queue is done, or, when a worker process died (the pool is then
    broken), the paths that were in flight; those not yet submitted stay in ``queue``."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    running: dict = {}
    lost: list[str] = []
    while True:
        while not lost and queue and len(running) < limit:
            try:
                running[pool.submit(task, queue[0], *args)] = queue[0]
            except BrokenProcessPool:  # a worker died while idle: the futures in flight fail too
                break
            queue.popleft()
        if not running:
            return lost
        finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in finished:
            path = running.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(path)
            else:
                done(result)
        if cancel is not None:
            cancel.raise_if_cancelled()


def run_pool(paths, args, workers: int, done, cancel: Optional[CancelToken], task: Callable = identify_file) -> None:
    """Run ``task(path, *args)`` (:func:`identify_file`; a module-level function, pickled by name) for every path
    on a local spawn pool, at most 4 tasks per worker in flight; ``done(result)`` receives each result as it
    completes.

    A worker process that dies (the out-of-memory killer, a crash in a native library) breaks the pool: every
    task in flight is lost. A new pool goes on with the rest, and the lost recordings are first run again one at a
    time, each alone in a one-worker pool: the one that killed its worker is found without blaming those in flight
    beside it, and has the machine's memory to itself. One whose worker dies again is reported failed
    (:data:`WORKER_DIED`) and the campaign goes on. Cancelling or Ctrl-C ends the workers at once.
    """
    queue = deque(paths)
    with _single_threaded_children():
        while queue:
            with _process_pool(workers) as pool:
                lost = _run_until_broken(pool, queue, 4 * workers, task, args, done, cancel)
            if lost:
                _run_alone(lost, task, args, done, cancel)


def _run_alone(paths: Sequence[str], task, args, done, cancel: Optional[CancelToken]) -> None:
    """Run each path alone in a one-worker pool (a new pool after a worker dies); a recording whose worker dies
    is reported failed."""
    queue = deque(paths)
    while queue:
        with _process_pool(1) as pool:
            lost = _run_until_broken(pool, queue, 1, task, args, done, cancel)
        for path in lost:  # at most one: it was alone
            done(failed(path, WORKER_DIED))


def run_dask(paths, args, address: str, workers: Optional[int], done, cancel: Optional[CancelToken]) -> None:
    """The same on the Dask distributed scheduler at ``address`` (files must be visible to its workers)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # optional dependency: pip install shm-app[cluster]
        raise ShmError("--scheduler needs Dask: pip install 'dask[distributed]'") from exc
    try:
        client = Client(address, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ShmError(f"{address}: cannot reach the Dask scheduler ({exc})") from exc
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})), workers or 0)
        pending = iter(paths)
        # a task whose worker dies is rescheduled by the scheduler on another worker (up to its
        # allowed-failures, 3 by default); retries=2 also re-runs one that raised on a worker (e.g. out of memory)
        first = [client.submit(identify_file, p, *args, pure=False, retries=2)
                 for _, p in zip(range(4 * n_workers), pending)]
        futures = as_completed(first, loop=client.loop)
        try:
            for fut in futures:
                done(fut.result())
                fut.release()
                nxt = next(pending, None)
                if nxt is not None:
                    futures.add(client.submit(identify_file, nxt, *args, pure=False, retries=2))
                if cancel is not None:
                    cancel.raise_if_cancelled()
        except BaseException:
            client.cancel(list(futures.futures))
            raise
    finally:
        client.close()


def identify_recordings(paths: Sequence[Union[str, Path]], settings: "CampaignSettings", *,
                        progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None,
                        on_result: Optional[Callable[[RecordingModes], None]] = None) -> list[RecordingModes]:
    """Run :func:`identify_file` on every path on a local process pool (``settings.workers``) or on
    the Dask cluster at ``settings.scheduler``. Results come back in completion order, each also passed to
    ``on_result`` as it arrives (to stream it into a partial project). At most a few tasks per worker are in
    flight, so memory stays flat with the campaign's length. Cancelling stops submitting, cancels what is queued
    and raises :class:`~dsp.progress.Cancelled`. A local worker process that dies costs its recordings a second
    run; one that kills its worker twice is returned failed (:func:`run_pool`).
    """
    paths = [str(p) for p in paths]
    args = (settings.identification, tuple(settings.read_options))
    total = len(paths)
    out: list[RecordingModes] = []

    def done(r: RecordingModes) -> None:
        out.append(r)
        if on_result is not None:
            on_result(r)
        report(progress, cancel, len(out) / total, f"{len(out)}/{total} {Path(r.file).name}")

    if not paths:
        return out
    report(progress, cancel, 0.0, f"identifying {total} recordings")
    if settings.scheduler:
        run_dask(paths, args, settings.scheduler, settings.workers, done, cancel)
    else:
        # even one worker is a separate process: it keeps a GUI responsive, and its single-threaded BLAS is much
        # faster on these small SVDs than a multithreaded one competing for the same cores
        run_pool(paths, args, min(settings.workers or os.cpu_count() or 1, total), done, cancel, task=identify_file)
    return out
