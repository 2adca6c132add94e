"""Campaign benchmark: time a full campaign (read + SSI-COV identification + tracking + compensation + alarms) of
simulated 10-minute recordings against merely reading the same files, and extrapolate to a year of hourly records.

    python benchmarks/bench_campaign.py [--n 520] [--workers 2] [--dir DIR] [--keep] [--profile]

The recordings (8 channels, 40 Hz, 600 s, CSV as loggers write them) are written once to DIR (default: a temporary
folder, removed afterwards unless --keep; an existing DIR with the same number of files is reused). Printed:
the read-only time (one process, and on the same pool as the campaign), the campaign time, their ratio (target
≤ 2× the read time on 2 cores, issue 13), the same ratio from CPU times (independent of other load on a shared
machine), the parent's peak memory for a short and for the full campaign (flat memory), and
the extrapolation to 8 760 recordings, using the per-recording cost measured between the short and the full
campaign plus the analysis time of an 8 760-record table; the same from CPU times (the pool's start-up, ~1 s of
imports per worker, counted once). ``--profile`` prints instead the CPU per recording of each stage of the task.

240 records, CPU-time figures on the shared 2 cores. Before the block Krylov SVD (load 8–10): 133 ms per record
(read 16, correlations 10, SVD 54, the 40 eigenvalue problems 45, selection 7), long-campaign ratio 4.03×, a year
9.8 min. After (load 4–6): 104 ms (read 15, correlations 9, SVD 27, eigenvalue problems 41, selection 6), 3.34×,
7.7 min; ``--max-order 40``: 51 ms (SVD 12, eigenvalue problems 7), 1.60×, 3.8 min, the same 4 tracks and first
alarm, and against the simulated truth the same modes found (240/240/234/225 of 240 vs 240/240/237/227), the same
median frequency error (0.08–0.11 %) and damping, fewer spurious modes (7 vs 22). Order 40 is now the campaign's
default; 520 records at load 1–2: 55 ms CPU per record (read 16), campaign / one-process read 1.88× (CPU 1.86×,
long campaign 1.71×), a year extrapolated to 4.1 min (4.0–4.3 min from CPU time).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from dsp.simulate_campaign import simulate_frequency_campaign  # noqa: E402
from shm_app import io  # noqa: E402
from shm_app.campaign import CampaignSettings, analyse_table, run_campaign  # noqa: E402
from shm_app.campaign.simulation import write_campaign  # noqa: E402
from shm_app.io.environment import EnvironmentLog, read_environment  # noqa: E402
from shm_app.campaign.settings import CAMPAIGN_MAX_ORDER  # noqa: E402
from shm_app.identification import IdentificationSettings  # noqa: E402

YEAR = 8760


def _read_one(path: str) -> int:
    return io.read(path).n_samples


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _simulated(n: int):
    return simulate_frequency_campaign(n, step_hours=1.0, start_hour=24 * 40, damage_start=int(0.8 * n),
                                       damage=(0.01, 0.0, 0.005, 0.0), scatter=0.0, seed=7,
                                       temperature_options=dict(cold_spells=[(45, 5, 8)]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=520, help="recordings (default 520)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--duration", type=float, default=600.0, help="recording length, s (default 600)")
    ap.add_argument("--dir", type=Path, help="folder for the recordings (reused if already complete)")
    ap.add_argument("--keep", action="store_true", help="keep the recordings")
    ap.add_argument("--fmin", type=float, help="identification band, Hz (default: the app's, 0.5 Hz)")
    ap.add_argument("--fmax", type=float, help="identification band, Hz (default: the app's, min(20, fs/2.5))")
    ap.add_argument("--max-order", type=int, default=CAMPAIGN_MAX_ORDER,
                    help=f"highest SSI model order (default: the campaign's, {CAMPAIGN_MAX_ORDER})")
    ap.add_argument("--profile", action="store_true",
                    help="print instead the CPU time per recording of each stage of a campaign task (read, "
                         "preprocessing, correlations, SVD, order sweep, selection), in process, one BLAS thread")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_campaign_"))
    rec_dir = folder / "recordings"
    sim = _simulated(args.n)
    existing = sorted(rec_dir.glob("*.csv")) if rec_dir.is_dir() else []
    if len(existing) != args.n:
        t = time.perf_counter()
        write_campaign(folder, sim, duration_s=args.duration, fs_hz=40.0, seed=100)
        print(f"wrote {args.n} recordings of {args.duration:g} s in {time.perf_counter() - t:.0f} s", flush=True)
    paths = sorted(rec_dir.glob("*.csv"))
    size_mb = sum(p.stat().st_size for p in paths) / 2**20
    print(f"{len(paths)} files, {size_mb:.0f} MiB, {os.cpu_count()} CPUs, {args.workers} workers", flush=True)
    env = read_environment(folder / "environment.csv")
    ident = IdentificationSettings(fmin_hz=args.fmin, fmax_hz=args.fmax, max_order=args.max_order)
    if args.profile:
        task_profile(paths[:60], ident)
        return 0
    settings = CampaignSettings(identification=ident, baseline_count=max(50, args.n // 3), workers=args.workers)
    print(f"identification: fmin {args.fmin or 'default'}, fmax {args.fmax or 'default'}, max order {args.max_order}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs before the run", flush=True)
    try:
        # read-only passes (the OS file cache is warm for both them and the campaign: files were just written)
        t, c = time.perf_counter(), _cpu_s()
        for p in paths:
            io.read(p)
        t_read, cpu_read = time.perf_counter() - t, _cpu_s() - c
        import multiprocessing

        t = time.perf_counter()
        with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_read_one, map(str, paths), chunksize=4))
        t_read_pool = time.perf_counter() - t
        print(f"read only: {t_read:.1f} s in one process ({1e3 * t_read / len(paths):.0f} ms/file), "
              f"{t_read_pool:.1f} s on {args.workers} processes", flush=True)

        n_short = min(60, len(paths) // 4)
        rss0 = _peak_rss_mb()
        t, c = time.perf_counter(), _cpu_s()
        run_campaign(paths[:n_short], CampaignSettings(identification=ident, baseline_count=n_short // 2,
                                                        workers=args.workers), env=env)
        t_short, cpu_short = time.perf_counter() - t, _cpu_s() - c
        rss_short = _peak_rss_mb()
        t, c = time.perf_counter(), _cpu_s()
        result = run_campaign([rec_dir], settings, env=env)
        t_full, cpu_full = time.perf_counter() - t, _cpu_s() - c
        rss_full = _peak_rss_mb()
        per_record = (t_full - t_short) / (len(paths) - n_short)
        fixed = max(t_full - per_record * len(paths), 0.0)
        print(f"campaign: {t_full:.1f} s for {len(paths)} recordings ({1e3 * t_full / len(paths):.0f} ms/recording), "
              f"{t_short:.1f} s for {n_short}; {len(result.tracks)} tracks, first alarm "
              f"{result.first_alarm} (damage from {datetime(2026, 1, 1) + timedelta(hours=float(sim.hours[int(0.8 * args.n)]))})",
              flush=True)
        print(f"RATIO campaign / read-only: {t_full / t_read:.2f} x (one-process read), "
              f"{t_full / t_read_pool:.2f} x (read on the same pool); target <= 2 x", flush=True)
        print(f"CPU time: read {cpu_read:.1f} s, campaign {cpu_full:.1f} s; on {args.workers} dedicated cores the "
              f"ratio would be {cpu_full / args.workers / cpu_read:.2f} x (CPU-time based, independent of other load)",
              flush=True)
        # per-recording CPU between the short and the full campaign: without the workers' start-up (imports of numpy,
        # pyarrow, scipy: ~1 s each), which a year of records pays once
        cpu_record = (cpu_full - cpu_short) / (len(paths) - n_short)
        cpu_fixed = max(cpu_full - cpu_record * len(paths), 0.0)
        print(f"CPU per recording: {1e3 * cpu_record:.0f} ms (between the {n_short}- and the {len(paths)}-record "
              f"campaigns; {cpu_fixed:.1f} s fixed: pool start-up), read {1e3 * cpu_read / len(paths):.0f} ms/file; "
              f"on {args.workers} dedicated cores the ratio for a long campaign would be "
              f"{cpu_record / args.workers / (cpu_read / len(paths)):.2f} x", flush=True)
        print(f"parent peak RSS: {rss0:.0f} MiB before, {rss_short:.0f} MiB after {n_short} recordings, "
              f"{rss_full:.0f} MiB after {len(paths)}", flush=True)

        # analysis of a year's table: tracking/compensation/novelty cost at 8 760 records
        year = _simulated(YEAR)
        starts = [datetime(2026, 1, 1) + timedelta(hours=float(h)) for h in year.hours]
        year_env = EnvironmentLog(np.array(starts, dtype="datetime64[s]"), year.temperature_c[:, None],
                                  ("temperature_c",))
        t = time.perf_counter()
        analyse_table(starts, year.frequencies_hz, ("M1", "M2", "M3", "M4"),
                      CampaignSettings(baseline_count=YEAR // 3), env=year_env)
        t_analysis = time.perf_counter() - t
        t = time.perf_counter()
        analyse_table(starts, year.frequencies_hz, ("M1", "M2", "M3", "M4"), CampaignSettings(baseline_count=YEAR // 3))
        t_analysis = max(t_analysis, time.perf_counter() - t)  # without covariates: the mixture detector
        t_year = fixed + per_record * YEAR + t_analysis
        print(f"EXTRAPOLATION to {YEAR} hourly recordings on {args.workers} workers: {t_year / 60:.1f} min "
              f"(= {fixed:.1f} s fixed + {1e3 * per_record:.0f} ms x {YEAR} + {t_analysis:.1f} s analysis); "
              f"read-only would take {t_read / len(paths) * YEAR / 60:.1f} min in one process; "
              f"load average {os.getloadavg()[0]:.1f} after the run", flush=True)
        cpu_year = cpu_full / len(paths) * YEAR / args.workers + t_analysis
        cpu_year_marginal = (cpu_fixed + cpu_record * YEAR) / args.workers + t_analysis
        print(f"YEAR from CPU time on {args.workers} dedicated cores: {cpu_year / 60:.1f} min with this run's start-up "
              f"cost spread over {len(paths)} recordings, {cpu_year_marginal / 60:.1f} min paying it once "
              f"(target < 10 min)", flush=True)
    finally:
        if args.dir is None and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def task_profile(paths, ident: IdentificationSettings) -> None:
    """CPU ms per recording of the stages of the campaign task (:func:`shm_app.campaign.tasks.identify_file`: read,
    then identify without spectrum and σ), in this process with one BLAS thread as in the pool's workers."""
    from dataclasses import replace

    from benchmarks._stages import breakdown, instrument
    from shm_app.compute import limit_blas_threads
    from shm_app.identification import identify

    limit_blas_threads()
    spent = instrument()
    settings = replace(ident, compute_spectrum=False, uncertainty=False)
    identify(io.read(paths[0]), settings)  # warm-up
    spent.clear()
    read = total = 0.0
    for p in paths:
        t = time.process_time()
        recording = io.read(p)
        t1 = time.process_time()
        identify(recording, settings)
        read, total = read + t1 - t, total + time.process_time() - t1
    n = len(paths)
    print(f"per recording, CPU ms ({n} recordings): read {1e3 * read / n:.1f}, identification {1e3 * total / n:.1f} "
          f"(task {1e3 * (read + total) / n:.1f}; a long campaign on 2 dedicated cores would be "
          f"{(read + total) / 2 / read:.2f} x the one-process read)")
    for label, seconds in breakdown(spent, total).items():
        print(f"  {label:<48}{1e3 * seconds / n:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
