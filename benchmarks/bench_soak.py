"""Soak: memory over a campaign of thousands of short recordings, and the GUI's responsiveness during one.

    python benchmarks/bench_soak.py [--n 3000] [--duration 60] [--workers 2] [--every 100] [--gui-n 300]
                                    [--dir DIR] [--keep]

The recordings (simulated 8-channel bridge deck, 40 Hz, ``--duration`` s, CSV as loggers write them:
:func:`shm_app.campaign.simulation.write_campaign`) are written once into DIR (default a temporary folder, removed
afterwards unless ``--keep``; an existing DIR holding the same number of files is reused).

1. ``shm_app.campaign.run_campaign`` on all of them; every ``--every`` results the callback samples the resident
   memory of this process and of its children (the pool's workers, from /proc). Printed: memory over time, the
   slope of the parent's RSS from 20 % to 100 % of the run, and the verdict. Criterion (flat memory): the parent's
   RSS grows by less than 10 % between the sample at 20 % of the run and the last one, and so does the workers'
   total.
2. The GUI: ``ui.campaign_panel.CampaignPanel.run_folder`` (the panel's :class:`ui.worker.TaskRunner` thread and
   the process pool) on the first ``--gui-n`` recordings, offscreen, with a 50 ms QTimer on the event loop, after
   the same loop ran idle for 20 s (what the machine's load alone costs). Printed: the gaps between ticks (max,
   99th percentile, median) idle, while recordings are identified, and when the finished campaign is shown.
   Criterion: while identifying, no gap above 250 ms (a click answered within a quarter of a second) or, on a
   loaded machine, above 1.5 x the idle loop's worst gap.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from dsp.simulate_campaign import simulate_frequency_campaign  # noqa: E402
from shm_app.campaign import CampaignSettings, run_campaign  # noqa: E402
from shm_app.campaign.simulation import write_campaign  # noqa: E402

GROWTH_LIMIT = 0.10  # flat: < 10 % growth between 20 % and 100 % of the run
GUI_GAP_LIMIT_S = 0.25


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (pool workers, the resource tracker), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def soak(paths: list[Path], workers: int, every: int) -> list[tuple]:
    """Run the campaign; samples ``(results, seconds, parent RSS, children RSS, n children)``."""
    samples: list[tuple] = []
    t0 = time.perf_counter()
    count = 0

    def sample() -> None:
        kids = _children(os.getpid())
        samples.append((count, time.perf_counter() - t0, _rss_bytes(os.getpid()), sum(map(_rss_bytes, kids)),
                        len(kids)))

    def on_result(_) -> None:
        nonlocal count
        count += 1
        if count % every == 0 or count == len(paths):
            sample()

    sample()
    result = run_campaign(paths, CampaignSettings(workers=workers, baseline_count=max(50, len(paths) // 3)),
                          on_result=on_result)
    print(f"campaign: {len(paths)} recordings in {time.perf_counter() - t0:.0f} s, {len(result.tracks)} tracks, "
          f"{sum(1 for e in result.errors if e)} failed", flush=True)
    return samples


def verdict(samples: list[tuple], n: int) -> bool:
    print(f"\n{'results':>8} {'time s':>8} {'parent MB':>10} {'workers MB':>11} {'procs':>6}")
    step = max(1, len(samples) // 12)
    for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        print(f"{s[0]:>8} {s[1]:>8.0f} {s[2] / 2**20:>10.0f} {s[3] / 2**20:>11.0f} {s[4]:>6}")
    k = np.array([s[0] for s in samples], dtype=float)
    parent = np.array([s[2] for s in samples], dtype=float) / 2**20
    kids = np.array([s[3] for s in samples], dtype=float) / 2**20
    late = k >= 0.2 * n
    i20 = int(np.flatnonzero(late)[0])
    slope = np.polyfit(k[late], parent[late], 1)[0] * 1000 if late.sum() > 1 else float("nan")
    slope_kids = np.polyfit(k[late], kids[late], 1)[0] * 1000 if late.sum() > 1 else float("nan")
    growth = parent[-1] / parent[i20] - 1
    growth_kids = kids[-1] / max(kids[i20], 1e-9) - 1
    ok = growth < GROWTH_LIMIT and growth_kids < GROWTH_LIMIT
    print(f"\nparent RSS {parent[i20]:.0f} MB at {int(k[i20])} results -> {parent[-1]:.0f} MB at {int(k[-1])}: "
          f"{100 * growth:+.1f} % (slope {slope:+.2f} MB per 1000 recordings); workers {kids[i20]:.0f} -> "
          f"{kids[-1]:.0f} MB: {100 * growth_kids:+.1f} % (slope {slope_kids:+.2f} MB per 1000)")
    print(f"{'PASS' if ok else 'FAIL'}: memory flat (criterion: < {100 * GROWTH_LIMIT:.0f} % growth between 20 % and "
          f"100 % of the run, parent and workers)", flush=True)
    return ok


def _gap_summary(gaps: list[float]) -> str:
    g = np.asarray(gaps) * 1000
    return (f"max {g.max():.0f} ms, 99th percentile {np.percentile(g, 99):.0f} ms, median {np.median(g):.0f} ms, "
            f"{int(np.sum(g > 1000 * GUI_GAP_LIMIT_S))} of {g.size} gaps above {1000 * GUI_GAP_LIMIT_S:.0f} ms")


def gui_latency(folder: Path, workers: int, idle_s: float = 20.0) -> bool:
    """Run the campaign panel on ``folder`` offscreen; the event-loop gaps while identifying and when showing the
    result, against the same loop left idle for ``idle_s`` first (the machine's load alone)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dataclasses import replace

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.campaign_panel import CampaignPanel

    app = QApplication.instance() or QApplication([])
    panel = CampaignPanel()
    panel.resize(1200, 800)
    panel.show()
    panel.settings = (lambda base=panel.settings: replace(base(), workers=workers))  # the bench's worker count
    clock = QElapsedTimer()
    gaps: dict[str, list[float]] = {"idle": [], "identifying": [], "showing": []}
    phase = {"now": "idle", "last": 0, "done": False}

    def tick() -> None:
        now = clock.elapsed()
        gaps[phase["now"]].append((now - phase["last"]) / 1000.0)
        phase["last"] = now
        if phase["done"]:
            app.quit()

    def finished(*_):
        phase["now"] = "showing"  # the finished campaign is handed to the view in this very event

    def ended(*_):
        phase["done"] = True

    panel.runner.sigFinished.connect(finished)
    panel.runner.sigIdle.connect(ended)
    panel.runner.sigFailed.connect(lambda name, exc: print(f"GUI campaign failed: {exc}"))
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(tick)
    timer.start()
    clock.start()

    def start() -> None:
        phase["now"] = "identifying"
        panel.run_folder(folder)

    QTimer.singleShot(int(1000 * idle_s), start)
    t = time.perf_counter()
    app.exec()
    wall = time.perf_counter() - t - idle_s
    gaps["showing"] = gaps["showing"] or [0.0]
    worst_idle = max(gaps["idle"][1:] or [0.0])
    ok = max(gaps["identifying"]) < max(GUI_GAP_LIMIT_S, 1.5 * worst_idle)
    print(f"\nGUI (offscreen, CampaignPanel.run_folder on {len(list(folder.glob('*.csv')))} recordings, {workers} "
          f"workers, load average {os.getloadavg()[0]:.1f}): {wall:.0f} s; ticks every 50 ms, gaps between ticks:\n"
          f"  idle {idle_s:g} s before:  {_gap_summary(gaps['idle'][1:] or [0.0])}\n"
          f"  while identifying: {_gap_summary(gaps['identifying'])}\n"
          f"  showing the result: {1000 * max(gaps['showing']):.0f} ms\n"
          f"{'PASS' if ok else 'FAIL'}: while identifying, no gap above {1000 * GUI_GAP_LIMIT_S:.0f} ms or above 1.5 x "
          f"the idle loop's worst under the same load", flush=True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="recordings (default 3000)")
    ap.add_argument("--duration", type=float, default=60.0, help="recording length, s (default 60)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--every", type=int, help="sample memory every this many results (default n / 30)")
    ap.add_argument("--gui-n", type=int, default=300, help="recordings for the GUI part (default 300; 0: skip)")
    ap.add_argument("--dir", type=Path, help="folder for the recordings (reused if already complete)")
    ap.add_argument("--keep", action="store_true", help="keep the recordings")
    ap.add_argument("--gui-only", action="store_true", help="skip the soak, measure the GUI only")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_soak_"))
    rec_dir = folder / "recordings"
    try:
        existing = sorted(rec_dir.glob("*.csv")) if rec_dir.is_dir() else []
        if len(existing) != args.n:
            t = time.perf_counter()
            sim = simulate_frequency_campaign(args.n, step_hours=1.0, scatter=0.0, seed=7)
            write_campaign(folder, sim, duration_s=args.duration, fs_hz=40.0, seed=100)
            print(f"wrote {args.n} recordings of {args.duration:g} s in {time.perf_counter() - t:.0f} s", flush=True)
        paths = sorted(rec_dir.glob("*.csv"))
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {len(paths)} recordings of "
              f"{args.duration:g} s, 8 channels, {args.workers} workers", flush=True)
        ok = args.gui_only or verdict(soak(paths, args.workers, args.every or max(1, args.n // 30)), len(paths))
        if args.gui_n:
            gui_dir = folder / "gui" / "recordings"
            gui_dir.mkdir(parents=True, exist_ok=True)
            for p in paths[:args.gui_n]:
                if not (gui_dir / p.name).exists():
                    os.link(p, gui_dir / p.name)
            ok = gui_latency(gui_dir, args.workers) and ok
        return 0 if ok else 1
    finally:
        if args.dir is None and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
