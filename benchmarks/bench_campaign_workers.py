"""Campaign scale-out: the same per-recording tasks on a Dask LocalCluster with 1, 2 and 4 worker processes (one
thread each), against one worker, plus the local process pool with the same counts.

    python benchmarks/bench_campaign_workers.py DIR [--n 80] [--workers 1,2,4]

DIR holds recordings (e.g. the folder ``benchmarks/bench_campaign.py --dir DIR --keep`` wrote). Printed per worker
count: wall time, records per second and the speed-up over one worker. On a machine with fewer cores than
workers the speed-up stops at the core count (this is what it measures on a laptop; a cluster's nodes add cores).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shm_app.campaign import CampaignSettings, discover, identify_recordings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder of recordings")
    ap.add_argument("--n", type=int, default=80, help="recordings to identify (default 80)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    args = ap.parse_args()
    from dask.distributed import LocalCluster

    paths = sorted(discover([args.dir]))[: args.n]
    counts = [int(c) for c in args.workers.split(",")]
    print(f"{len(paths)} recordings, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'runner':<8}{'workers':>8}{'wall s':>9}{'rec/s':>8}{'speed-up':>10}")
    for runner in ("dask", "pool"):
        base = None
        for n in counts:
            if runner == "dask":
                with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                    settings = CampaignSettings(scheduler=c.scheduler_address)
                    identify_recordings(paths[:n], settings)  # workers warm (imports)
                    t = time.perf_counter()
                    identify_recordings(paths, settings)
                    wall = time.perf_counter() - t
            else:
                t = time.perf_counter()
                identify_recordings(paths, CampaignSettings(workers=n))
                wall = time.perf_counter() - t
            base = base or wall
            print(f"{runner:<8}{n:>8}{wall:>9.1f}{len(paths) / wall:>8.1f}{base / wall:>10.2f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} after the run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
