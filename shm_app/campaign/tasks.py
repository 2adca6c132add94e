"""Per-recording campaign tasks and where they run: one recording read and identified per task, returning a small
:class:`RecordingModes`, on a local process pool or a Dask distributed cluster, with few tasks in flight so memory
stays flat however long the campaign."""
from __future__ import annotations

import logging
import os
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


def identify_file(path: Union[str, Path], identification: IdentificationSettings = IdentificationSettings(),
                  read_options: tuple[tuple[str, object], ...] = ()) -> RecordingModes:
    """Read one recording and identify its modes (a picklable task for process pools and Dask workers).

    Known errors (unreadable file, impossible settings) are returned in ``error``, never raised, so one bad
    recording does not stop the campaign.
    """
    from shm_app import io
    from shm_app.identification.pipeline import identify

    path = str(path)
    try:
        recording = io.read(path, **dict(read_options))
        # no plots and no standard deviations in a campaign: the tracking compares many records instead
        result = identify(recording, replace(identification, compute_spectrum=False, uncertainty=False))
    except (ShmError, np.linalg.LinAlgError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return RecordingModes(path, start_from_filename(path), (), np.zeros(0), np.zeros(0), np.zeros((0, 0)),
                              error=reason)
    except Exception as exc:  # noqa: BLE001 - one recording's bug must not lose hours of campaign; logged
        logging.getLogger("shm_app").exception("campaign task failed on %s", path)
        return RecordingModes(path, start_from_filename(path), (), np.zeros(0), np.zeros(0), np.zeros((0, 0)),
                              error=f"internal error: {type(exc).__name__}: {exc}")
    shapes = np.array([m.real_shape for m in result.modes]).T if result.modes else np.zeros((len(result.channels), 0))
    return RecordingModes(file=path, start=recording.start, channels=tuple(result.channels),
                          frequencies_hz=np.array([m.frequency_hz for m in result.modes]),
                          damping_ratios=np.array([m.damping_ratio for m in result.modes]), shapes=shapes,
                          n_poles=np.array([m.n_poles for m in result.modes], dtype=float),
                          fs_hz=float(recording.fs_hz), analysis_fs_hz=float(result.settings.analysis_fs_hz))


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


def run_pool(paths, args, workers: int, done, cancel: Optional[CancelToken]) -> None:
    """Run ``identify_file(path, *args)`` for every path on a local spawn pool, at most 4 tasks per worker in
    flight; ``done(result)`` receives each result as it completes."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # spawn: safe next to the GUI's threads and the same on every platform
    with _single_threaded_children(), ProcessPoolExecutor(max_workers=workers,
                                                          mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = iter(paths)
        running = set()
        try:
            while True:
                while len(running) < 4 * workers:
                    p = next(pending, None)
                    if p is None:
                        break
                    running.add(pool.submit(identify_file, p, *args))
                if not running:
                    break
                finished, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done(fut.result())
                if cancel is not None:
                    cancel.raise_if_cancelled()
        except BaseException:
            for fut in running:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


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
    and raises :class:`~dsp.progress.Cancelled`.
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
        run_pool(paths, args, min(settings.workers or os.cpu_count() or 1, total), done, cancel)
    return out
