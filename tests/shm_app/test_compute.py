"""shm_app.compute: what a one-job command-line process sets for the rest of its life."""
from __future__ import annotations

import ctypes
import sys

import numpy as np  # noqa: F401  (loads numpy's OpenBLAS, which limit_blas_threads finds in the process's maps)
import pytest

from dsp import parallel
from shm_app import compute


def _openblas_threads() -> list[int]:
    counts = []
    with open("/proc/self/maps") as fh:
        libs = {line.split()[-1] for line in fh if "openblas" in line.split()[-1].lower()}
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            getter = getattr(lib, name, None)
            if getter is not None:
                counts.append(getter())
                break
    return counts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt and /proc/self/maps are Linux's")
def test_one_job_gets_one_blas_thread_every_core_for_dsp_and_reused_memory(monkeypatch):
    for key in compute.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    before = parallel.workers()
    try:
        compute.use_machine_for_one_job()
        assert parallel.workers() == parallel.available_cores()
        assert _openblas_threads() and set(_openblas_threads()) == {1}
    finally:
        parallel.set_workers(before)
    assert compute.keep_freed_memory()  # glibc accepts the thresholds (musl would say False, changing nothing)


def test_a_thread_count_in_the_environment_is_the_users_choice(monkeypatch):
    calls = []
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setattr(ctypes, "CDLL", lambda *a, **k: calls.append(a))
    compute.limit_blas_threads()
    assert calls == []  # not even looked up


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps is Linux's")
def test_the_workbench_gets_every_core_for_dsp_and_one_blas_thread_but_keeps_mallocs_defaults(monkeypatch):
    for key in compute.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    kept = []
    monkeypatch.setattr(compute, "keep_freed_memory", lambda: kept.append(1))
    before = parallel.workers()
    try:
        compute.use_cores_for_the_workbench()
        assert parallel.workers() == parallel.available_cores()
        assert set(_openblas_threads()) == {1}
    finally:
        parallel.set_workers(before)
    assert kept == []  # a long-lived app returns freed memory to the system
