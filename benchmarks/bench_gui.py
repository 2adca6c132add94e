"""How a long, wide recording behaves in the signal views: time to show it, time to repaint a full zoom-out, memory.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--hours 1] [--channels 32] [--fs 200] [--png DIR]

The record (sines in noise, float64, built in memory as a reader would hand it over) goes through what the window
does after a read: ``ui.loading.prepare`` (PSD and spectrogram, off the GUI thread in the app), then
``TimeSeriesPlot.set_signals`` and ``PsdPlot.set_psd`` on visible 1200 × 700 widgets and their first paint
(``widget.grab()``). Then the time series is zoomed to 10 s, painted, and zoomed out to the whole record and
painted again (the full zoom-out repaint). Targets (issue 10, item 6):

* shown within 2 s of the read (prepare + set_signals + set_psd + first paint of both plots);
* full zoom-out repaint under 0.5 s;
* peak memory at most 3× the record, the record included: tracemalloc's peak (every numpy buffer; Qt's own
  buffers are not traced) in a second pass, and the process's peak RSS growth from just before the record was built.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dsp.progress import CancelToken  # noqa: E402
from shm_app.recording import Channel, Recording  # noqa: E402
from ui.loading import prepare  # noqa: E402
from ui.signal_plots import PsdPlot, TimeSeriesPlot  # noqa: E402
from ui.style import apply_style  # noqa: E402


def build_record(hours: float, channels: int, fs: float) -> Recording:
    """Sines at a few modal-like frequencies in white noise, one column per channel, built a channel at a time."""
    n = int(hours * 3600 * fs)
    rng = np.random.default_rng(0)
    data = np.empty((n, channels))
    t = np.arange(n) / fs
    freqs = (1.2, 3.4, 5.1, 8.3, 12.7)
    for c in range(channels):
        col = rng.standard_normal(n) * 0.02
        for k, f in enumerate(freqs):
            col += 0.01 * np.cos(0.4 * (c + 1) * (k + 1)) * np.sin(2 * np.pi * f * t + c)
        data[:, c] = col
    return Recording(data, fs, tuple(Channel(f"ch{c + 1:02d}") for c in range(channels)), source="bench")


def rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def show(app, rec: Recording, size=(1200, 700)):
    """What the window does after a read; returns the widgets and the timings in seconds."""
    times = {}
    t0 = time.perf_counter()
    loaded = prepare(rec, lambda f, m: None, CancelToken())
    times["prepare"] = time.perf_counter() - t0
    ts, psd = TimeSeriesPlot(), PsdPlot()
    for w in (ts, psd):
        w.resize(*size)
        w.show()
    app.processEvents()
    t1 = time.perf_counter()
    ts.set_signals(rec.time_s(), rec.data, rec.channel_names)
    times["set_signals"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    psd.set_psd(loaded.psd.frequencies_hz, loaded.psd.psd, rec.channel_names)
    times["set_psd"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    app.processEvents()
    ts_png, psd_png = ts.grab(), psd.grab()
    times["first paint"] = time.perf_counter() - t1
    times["shown"] = time.perf_counter() - t0
    return (ts, psd, loaded, ts_png, psd_png), times


def zoom_out(app, ts) -> float:
    """Zoom to 10 s, paint, then out to the whole record: seconds for the zoom-out and its repaint."""
    vb = ts.getPlotItem().getViewBox()
    vb.setXRange(600.0, 610.0, padding=0)
    app.processEvents()
    ts.grab()
    t = time.perf_counter()
    vb.autoRange()
    app.processEvents()
    ts.grab()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--fs", type=float, default=200.0)
    ap.add_argument("--png", type=Path, default=None, help="save the first paint of both plots in this folder")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    apply_style(app, "light")
    rss0 = rss_mib()

    rec = build_record(args.hours, args.channels, args.fs)
    size = rec.data.nbytes
    print(f"record: {args.hours:g} h × {args.channels} channels × {args.fs:g} Hz = {rec.data.size / 1e6:.1f} M samples,"
          f" {size / 1e6:.0f} MB float64")

    widgets, times = show(app, rec)
    for k, v in times.items():
        print(f"  {k:<12} {v:6.3f} s")
    ok = times["shown"] <= 2.0
    print(f"shown after the read: {times['shown']:.2f} s (target 2 s: {'met' if ok else 'MISSED'})")
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
        widgets[3].save(str(args.png / "bench-timeseries.png"))
        widgets[4].save(str(args.png / "bench-psd.png"))
    zooms = [zoom_out(app, widgets[0]) for _ in range(3)]
    z = float(np.median(zooms))
    print(f"full zoom-out repaint: {z:.3f} s (median of 3: {', '.join(f'{v:.3f}' for v in zooms)}; target 0.5 s: "
          f"{'met' if z <= 0.5 else 'MISSED'})")
    rss_peak = rss_mib() - rss0
    for w in widgets[:2]:
        w.close()
        w.deleteLater()
    del widgets
    app.processEvents()
    gc.collect()

    tracemalloc.start()
    rec2 = build_record(args.hours, args.channels, args.fs)
    widgets, _ = show(app, rec2)
    zoom_out(app, widgets[0])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ratio = peak / size
    print(f"peak traced memory (record included): {peak / 1e6:.0f} MB = {ratio:.2f}× the record (target 3×: "
          f"{'met' if ratio <= 3 else 'MISSED'})")
    print(f"peak RSS growth during the timed pass: {rss_peak:.0f} MiB = {rss_peak * 2**20 / size:.2f}× the record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
