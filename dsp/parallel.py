"""Threads for the independent pieces of one computation: the channels of a decimation, the block groups of the
output correlations, the segments of the uncertainty's perturbations, the orders of a sweep.

numpy's FFTs, matrix products and LAPACK calls release the GIL, so pieces of a few milliseconds each run side by
side on the cores. The pieces are coarse (one per worker, or one per model order) and BLAS itself stays on one
thread (``shm_app.compute``): a busy machine then only time-shares the workers, where BLAS's own threads,
spinning at every small product, made a loaded two-core run three times slower.

The number of workers is a process setting, like BLAS's thread count: 1 (everything in the calling thread) unless
the process that owns the cores says otherwise (:func:`set_workers`; the command line gives one identification all
of them, a campaign's worker processes keep 1). Results never depend on it: the pieces are combined in the same
order whatever thread computed them, so the numbers are bit for bit those of one thread.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Iterable, Iterator, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_workers = 1
_pool = None
_lock = threading.Lock()
_local = threading.local()  # .inside: this thread runs a piece (a piece's own pieces then run in it, in order)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def set_workers(n: Optional[int]) -> int:
    """Let the numeric kernels use ``n`` threads (None: :func:`available_cores`); returns the number set."""
    global _workers
    n = available_cores() if n is None else int(n)
    if n < 1:
        raise ValueError(f"workers must be at least 1; got {n}")
    _workers = n
    return n


def workers() -> int:
    """The number of threads the numeric kernels may use (1 unless :func:`set_workers` said otherwise)."""
    return _workers


def chunks(n_items: int, min_items: int = 1) -> list[range]:
    """``range(n_items)`` cut into at most :func:`workers` contiguous, near-equal pieces of at least ``min_items``
    (one piece when there is one worker)."""
    parts = max(1, min(_workers, n_items // max(1, min_items)))
    bounds = [n_items * k // parts for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts)]


def map_ordered(fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """``fn`` of every item, yielded in the items' order; computed by the worker threads when there are several
    (the caller's thread consumes the results, so progress and cancellation stay there). An exception in a piece
    is raised here, when its result is reached; the pieces not started yet are dropped."""
    if _workers == 1 or len(items) < 2 or getattr(_local, "inside", False):
        return (fn(item) for item in items)
    return _pooled(fn, items)


def _pooled(fn, items) -> Iterator:
    def piece(item):
        _local.inside = True  # a nested map runs in this thread: no worker waits for a worker
        try:
            return fn(item)
        finally:
            _local.inside = False

    pool = _executor()
    futures = [pool.submit(piece, item) for item in items]
    try:
        for future in futures:
            yield future.result()
    finally:  # the caller stopped early (an error, a cancel): drop what has not started
        for future in futures:
            future.cancel()


def run_all(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """:func:`map_ordered` as a list."""
    return list(map_ordered(fn, list(items)))


def _executor():
    global _pool
    with _lock:
        if _pool is None or getattr(_pool, "_max_workers", 0) < _workers:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=_workers, thread_name_prefix="dsp")
        return _pool
