"""How a command-line process that runs one job (one identification, one roving test) uses the machine.

:func:`use_machine_for_one_job` sets, for the rest of the process:

* **BLAS on one thread** (unless the user set a thread count in the environment). The matrices of one
  identification have at most ~2000 rows: BLAS threads gain little on an idle machine and lose badly when the
  cores are busy (other processes, or several shm-app runs side by side in a campaign script): measured on 2 cores
  under load, the same 1-hour 12-channel SSI-COV took 7.9 s with two threads and 2.4 s with one. Both OpenBLAS
  copies (numpy's and scipy's wheels each bundle one) are set through ctypes.
* **The cores to the numeric kernels' own threads** (:mod:`dsp.parallel`): coarse pieces (channels, block groups,
  segments, model orders) that only time-share the cores when they are busy, and give the same numbers as one
  thread.
* **Freed memory kept for reuse** (glibc): large arrays are otherwise mapped from the system and returned on every
  free, and each new one page-faults again. The identification makes hundreds of megabyte-sized temporaries, and
  the faults cost a third of its time on a 1-hour record (0.12–0.27 s of system time, 0.03 s with reuse), two
  threads faulting at once contending for the process's memory map. The peak memory is unchanged; what was freed
  stays with the process until it exits, which a one-job process soon does. Not for the GUI, which lives long:
  :func:`use_cores_for_the_workbench` sets the first two only.
"""
from __future__ import annotations

import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: allocations below this come from (and return to) the process's heap, not fresh mappings
MMAP_THRESHOLD_BYTES = 512 * 2**20
#: free memory at the top of the heap returned to the system only beyond this
TRIM_THRESHOLD_BYTES = 1024 * 2**20


def use_machine_for_one_job() -> None:
    """One BLAS thread, every core to :mod:`dsp.parallel`, freed memory reused (see the module docstring)."""
    use_cores_for_the_workbench()
    keep_freed_memory()


def use_cores_for_the_workbench() -> None:
    """The desktop app: one BLAS thread and every core to :mod:`dsp.parallel`, as for one job, but freed memory
    goes back to the system as usual (the app lives for hours). An identification of a 1-hour 12-channel record
    with its spectrum: 0.55 s (two BLAS threads, as before) → 0.45 s."""
    from dsp import parallel

    limit_blas_threads()
    parallel.set_workers(None)


def limit_blas_threads() -> None:
    """One BLAS thread, unless the environment sets a count (Linux; elsewhere the defaults stay)."""
    if any(v in os.environ for v in BLAS_THREAD_VARIABLES):
        return
    import ctypes

    import numpy  # noqa: F401  (loads numpy's OpenBLAS: a library not loaded yet is not in the maps to be set)

    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "openblas" in line.split()[-1].lower()}
    except OSError:  # not Linux: leave the defaults
        return
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                break


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (``mallopt``) so large temporaries reuse the heap; False where the
    C library is not glibc (nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    # some glibc versions refuse a threshold above 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX): then that
    if not (mallopt(m_mmap_threshold, MMAP_THRESHOLD_BYTES) or mallopt(m_mmap_threshold, 32 * 2**20)):
        return False
    return bool(mallopt(m_trim_threshold, TRIM_THRESHOLD_BYTES))
