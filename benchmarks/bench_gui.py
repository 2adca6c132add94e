"""How a long, wide recording behaves in the workbench: time to show its time series and its PSD, time to repaint a
full zoom-out, memory.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--hours 1] [--channels 32] [--fs 200] [--png DIR]

The record (sines in noise, float64, built in memory) is handed to the main window as its reader would hand it over
(``shm_app.io.read`` returns it; it is also saved as .npy so the project can reference and hash a real file). From
the moment the read returns, the window does what it does after every read: the recording joins the project, its
time series is drawn and painted (``sigRecordingLoaded`` then ``window.grab()``), its spectra are computed off the
GUI thread and the PSD is drawn and painted when they arrive (``sigViewsShown`` then the PSD plot's ``grab()``).
Meanwhile a long record's PSD is previewed: the same Welch estimate averaged over a few of its segments, labelled
as a preview, drawn when it arrives (``sigPsdPreviewShown``) and replaced by the full one. Then the time series is
zoomed to 10 s, painted, and zoomed out to the whole record and painted again (the full zoom-out repaint).
Targets (issue 10):

* time series and PSD shown within 2 s of the read (the preview and the full PSD are timed apart);
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
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from shm_app import io  # noqa: E402
from shm_app.recording import Channel, Recording  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
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


def _wait(app, done, timeout_s: float = 120.0) -> None:
    """Process events until ``done()`` (the window's own signals and the worker's results arrive this way)."""
    limit = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > limit:
            raise TimeoutError("the window did not show the recording in time")
        app.processEvents()
        time.sleep(0.001)


def show(app, rec: Recording, path: Path):
    """Open ``path`` in a new window whose reader hands over ``rec``; returns the window, the paints and the
    timings in seconds from the moment the read returned."""
    window = MainWindow()
    window.show()
    app.processEvents()
    stamps: dict[str, float] = {}
    real_read = io.read

    def handed_over(_path, **_options) -> Recording:  # the read, done: from here the window's work is timed
        stamps["read"] = time.perf_counter()
        return rec

    window.sigRecordingLoaded.connect(lambda _r: stamps.setdefault("set", time.perf_counter()))
    window.sigViewsShown.connect(lambda _r: stamps.setdefault("views", time.perf_counter()))
    window.sigPsdPreviewShown.connect(lambda _r: stamps.setdefault("preview", time.perf_counter()))
    io.read = handed_over
    try:
        window.open_file(path, identify_after=False)
        _wait(app, lambda: "set" in stamps)
    finally:
        io.read = real_read
    window_png = window.grab()  # the window's first paint: the time series tab is in front
    times = {"time series set": stamps["set"] - stamps["read"],
             "time series shown": time.perf_counter() - stamps["read"]}
    window.signal_tabs.setCurrentWidget(window.psd_plot)
    _wait(app, lambda: "preview" in stamps or "views" in stamps)
    if "preview" in stamps and "views" not in stamps:
        preview_png = window.psd_plot.grab()
        times["PSD preview shown"] = time.perf_counter() - stamps["read"]
    else:
        preview_png = None  # a record short enough to have none, or the full PSD came first
    _wait(app, lambda: "views" in stamps)
    times["PSD set"] = stamps["views"] - stamps["read"]
    psd_png = window.psd_plot.grab()
    times["PSD shown"] = time.perf_counter() - stamps["read"]
    window.signal_tabs.setCurrentWidget(window.time_plot)
    return (window, window_png, preview_png, psd_png), times


def zoom_out(app, window) -> float:
    """Zoom to 10 s, paint, then out to the whole record: seconds for the zoom-out and its repaint."""
    ts = window.time_plot
    vb = ts.getPlotItem().getViewBox()
    vb.setXRange(600.0, 610.0, padding=0)
    app.processEvents()
    ts.grab()
    t = time.perf_counter()
    vb.autoRange()
    app.processEvents()
    ts.grab()
    return time.perf_counter() - t


def close(app, window) -> None:
    window.views_runner.wait()
    window.session.discard_autosave()
    window.hide()
    window.deleteLater()
    app.processEvents()
    gc.collect()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--fs", type=float, default=200.0)
    ap.add_argument("--png", type=Path, default=None, help="save the first paint of the window and the PSD here")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    os.environ["SHM_APP_HOME"] = str(folder / "home")  # settings and autosaves of the benchmark's windows
    app = QApplication.instance() or QApplication([])
    apply_style(app, "light")
    rss0 = rss_mib()

    rec = build_record(args.hours, args.channels, args.fs)
    size = rec.data.nbytes
    path = folder / "bench.npy"
    np.save(path, rec.data)  # the file the project references (and hashes); the window gets ``rec`` itself
    print(f"record: {args.hours:g} h × {args.channels} channels × {args.fs:g} Hz = {rec.data.size / 1e6:.1f} M samples,"
          f" {size / 1e6:.0f} MB float64")

    (window, window_png, preview_png, psd_png), times = show(app, rec, path)
    for k, v in times.items():
        print(f"  {k:<18} {v:6.3f} s after the read")
    for what in ("time series shown", "PSD preview shown", "PSD shown"):
        if what not in times:
            continue
        ok = times[what] <= 2.0
        print(f"{what} after the read: {times[what]:.2f} s (target 2 s: {'met' if ok else 'MISSED'})")
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
        window_png.save(str(args.png / "bench-window.png"))
        psd_png.save(str(args.png / "bench-psd.png"))
        if preview_png is not None:
            preview_png.save(str(args.png / "bench-psd-preview.png"))
    zooms = [zoom_out(app, window) for _ in range(3)]
    z = float(np.median(zooms))
    print(f"full zoom-out repaint: {z:.3f} s (median of 3: {', '.join(f'{v:.3f}' for v in zooms)}; target 0.5 s: "
          f"{'met' if z <= 0.5 else 'MISSED'})")
    rss_peak = rss_mib() - rss0
    close(app, window)
    del window, rec

    tracemalloc.start()
    rec2 = build_record(args.hours, args.channels, args.fs)
    (window, *_), _ = show(app, rec2, path)
    zoom_out(app, window)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    close(app, window)
    ratio = peak / size
    print(f"peak traced memory (record included): {peak / 1e6:.0f} MB = {ratio:.2f}× the record (target 3×: "
          f"{'met' if ratio <= 3 else 'MISSED'})")
    print(f"peak RSS growth during the timed pass: {rss_peak:.0f} MiB = {rss_peak * 2**20 / size:.2f}× the record")
    path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
