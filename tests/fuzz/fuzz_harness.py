"""Runs the readers on fuzzed files in worker processes, each file under a time and a memory bound.

A worker imports every reader once, then reads the files it is sent one by one. Per file it measures the wall time
and the peak resident memory above what the process held before (Linux: ``/proc/self/clear_refs`` resets the
peak, ``VmHWM`` reports it). The parent kills a worker that takes longer than the time bound on one file (a hang)
and starts another. Workers run with a lowered memory budget (``SHM_APP_MEMORY_BUDGET``), so a reader that
estimates before it allocates refuses a file needing more, and with an address-space limit, so one that does not
estimate fails with a ``MemoryError`` (reported) instead of taking the machine down.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import re
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Optional

TIME_LIMIT_S = 5.0
MEMORY_LIMIT_BYTES = 2**30  # peak RSS above the worker's own, per file
READER_BUDGET_BYTES = 512 * 2**20  # what the readers are told they may use (they refuse more, naming the size)
ADDRESS_HEADROOM_BYTES = 6 * 2**30  # hard limit on the worker's address space above its start


@dataclass(frozen=True)
class Case:
    """One fuzzed file: ``kind`` says which loader reads it (``read``, ``geometry``, ``lines``, ``environment``,
    ``frequency``, ``project``); ``family`` groups the counts (csv, hdf5, ...); ``expect`` is ``ok`` or ``refused``
    when the outcome is known (a seed must read; external storage must be refused)."""

    family: str
    path: str
    kind: str = "read"
    options: tuple = ()
    expect: Optional[str] = None
    label: str = ""


@dataclass
class Outcome:
    case: Case
    status: str  # ok | refused | crash | hang | memory | bad-message | bad-read | unexpected
    message: str = ""
    seconds: float = 0.0
    peak_bytes: int = 0


@dataclass
class Summary:
    outcomes: list = field(default_factory=list)

    def counts(self) -> dict:
        table: dict = {}
        for o in self.outcomes:
            table.setdefault(o.case.family, {}).setdefault(o.status, 0)
            table[o.case.family][o.status] += 1
        return table


SUMMARY = Summary()


# ------------------------------------------------------------------------------------------------ worker side
def _status_kib(key: str) -> int:
    """A size from /proc/self/status in KiB (0 where there is no /proc: the memory bound is then not measured)."""
    try:
        with open("/proc/self/status") as fh:
            m = re.search(rf"^{key}:\s+(\d+)", fh.read(), re.M)
    except OSError:
        return 0
    return int(m.group(1)) if m else 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _load(kind: str, path: str, options: dict):
    if kind == "read":
        from shm_app import io

        return io.read(path, **options)
    if kind == "geometry":
        from shm_app.io.geometry import read_geometry_table

        return read_geometry_table(path)
    if kind == "lines":
        from shm_app.io.geometry import read_lines

        return read_lines(path)
    if kind == "environment":
        from shm_app.io.environment import read_environment

        return read_environment(path)
    if kind == "frequency":
        from shm_app.io.environment import read_frequency_table

        return read_frequency_table(path)
    if kind == "project":
        from shm_app.persistence.project import load_project

        return load_project(path)
    raise ValueError(kind)


def _sane(kind: str, value) -> str:
    """'' when a successful read is a proper result, else what is wrong with it."""
    import numpy as np

    if kind == "read":
        data = value.data
        if data.ndim != 2 or data.shape[0] < 1 or data.shape[1] != len(value.channels):
            return f"shape {data.shape} for {len(value.channels)} channels"
        if not np.all(np.isfinite(data)):
            return "non-finite samples in a read recording"
        if not (np.isfinite(value.fs_hz) and value.fs_hz > 0):
            return f"fs {value.fs_hz}"
    if kind in ("environment", "frequency") and value.values.shape[0] != value.times.shape[0]:
        return "times and values differ in length"
    return ""


def _one(kind: str, path: str, options: dict) -> tuple[str, str]:
    from shm_app.errors import ReadError, shown_path

    try:
        value = _load(kind, path, options)
    except ReadError as exc:
        chain, e = [], exc
        while e is not None and len(chain) < 10:
            chain.append(e)
            e = e.__cause__ or e.__context__
        if any(isinstance(c, RecursionError) for c in chain):
            return "crash", f"RecursionError behind the refusal: {exc}"
        if any(isinstance(c, MemoryError) for c in chain):
            return "memory", f"MemoryError behind the refusal (no estimate before allocating): {exc}"
        text = str(exc)
        if len(text.splitlines()) != 1 or not text.startswith(shown_path(path) + ": "):
            return "bad-message", repr(text)
        return "refused", text
    except MemoryError:
        return "memory", traceback.format_exc(limit=-6)
    except BaseException:  # noqa: BLE001 - every other exception is a finding
        return "crash", traceback.format_exc(limit=-8)
    problem = _sane(kind, value)
    return ("bad-read", problem) if problem else ("ok", "")


def worker_main(conn, budget: int) -> None:
    os.environ["SHM_APP_MEMORY_BUDGET"] = str(budget)
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    # everything a reader may import, before the baseline is taken
    import numpy  # noqa: F401
    import shm_app.io  # noqa: F401
    from shm_app.io import csv_reader, csmip_reader, hdf5_reader, mat_reader, npy_reader  # noqa: F401
    from shm_app.io import environment, geometry  # noqa: F401
    from shm_app.persistence import project  # noqa: F401

    for name in ("tdms_reader", "uff_reader", "mseed_reader"):
        try:
            __import__(f"shm_app.io.{name}")
            __import__({"tdms_reader": "nptdms", "uff_reader": "pyuff", "mseed_reader": "obspy"}[name])
        except ImportError:
            pass
    try:
        import resource

        vm = _status_kib("VmSize") * 1024
        if vm:
            resource.setrlimit(resource.RLIMIT_AS, (vm + ADDRESS_HEADROOM_BYTES, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError):
        pass
    can_reset = _reset_peak()
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        kind, path, options = job
        rss0 = _status_kib("VmRSS") * 1024
        if can_reset:
            _reset_peak()
        t0 = time.perf_counter()
        status, message = _one(kind, path, dict(options))
        seconds = time.perf_counter() - t0
        peak = max(0, _status_kib("VmHWM") * 1024 - rss0) if can_reset else 0
        conn.send((status, message[-3000:], seconds, peak))


# ------------------------------------------------------------------------------------------------ parent side
class Pool:
    """``n`` worker processes reading cases under the bounds; :meth:`run` returns one Outcome per case."""

    def __init__(self, n: int = 2, time_limit_s: float = TIME_LIMIT_S, budget: int = READER_BUDGET_BYTES) -> None:
        self.ctx = mp.get_context("spawn")
        self.time_limit_s = time_limit_s
        self.budget = budget
        self.workers = [self._start() for _ in range(n)]

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker_main, args=(child, self.budget), daemon=True)
        proc.start()
        child.close()
        if not parent.poll(120) or parent.recv() != "ready":
            raise RuntimeError("a fuzz worker did not start")
        return [proc, parent]

    def _restart(self, k: int) -> None:
        proc, conn = self.workers[k]
        proc.kill()
        proc.join(5)
        conn.close()
        self.workers[k] = self._start()

    def run(self, cases) -> list[Outcome]:
        pending = list(cases)[::-1]
        busy: dict[int, tuple[Case, float]] = {}
        out: list[Outcome] = []
        while pending or busy:
            for k in range(len(self.workers)):
                if k not in busy and pending:
                    case = pending.pop()
                    self.workers[k][1].send((case.kind, case.path, case.options))
                    busy[k] = (case, time.monotonic())
            deadline = min(t for _, t in busy.values()) + self.time_limit_s
            ready = wait([self.workers[k][1] for k in busy], timeout=max(0.0, deadline - time.monotonic()))
            now = time.monotonic()
            for k in list(busy):
                case, started = busy[k]
                conn = self.workers[k][1]
                if conn in ready:
                    try:
                        status, message, seconds, peak = conn.recv()
                    except EOFError:  # the worker died (killed by the address-space limit, a segfault)
                        status, message, seconds, peak = "crash", "the worker process died", now - started, 0
                        self._restart(k)
                    out.append(self._judge(case, status, message, seconds, peak))
                    del busy[k]
                elif now - started > self.time_limit_s:
                    out.append(Outcome(case, "hang", f"no answer after {self.time_limit_s:g} s", now - started))
                    self._restart(k)
                    del busy[k]
        SUMMARY.outcomes.extend(out)
        return out

    def _judge(self, case: Case, status: str, message: str, seconds: float, peak: int) -> Outcome:
        if status in ("ok", "refused") and peak > MEMORY_LIMIT_BYTES:
            status, message = "memory", f"peak {peak / 2**20:.0f} MiB above the worker's own: {message}"
        elif status in ("ok", "refused") and seconds > self.time_limit_s:
            status, message = "hang", f"took {seconds:.1f} s: {message}"
        elif case.expect is not None and status in ("ok", "refused") and status != case.expect:
            message = f"expected {case.expect}, got {status}: {message}"
            status = "unexpected"
        return Outcome(case, status, message, seconds, peak)

    def close(self) -> None:
        for proc, conn in self.workers:
            try:
                conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
