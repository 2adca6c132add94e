"""``shm-app --selftest`` (and ``shm-workbench --selftest``): check that an installation can do what the source
install does, in a temporary folder, one line per step.

Every supported format is written tiny with its own library or the app's writer and read back with
:func:`shm_app.io.read` to the same numbers; the bundled sample recording is identified; a small campaign of
simulated recordings runs on the process pool (two workers: in a frozen build this is what needs
``multiprocessing.freeze_support``); a mode shape is drawn (PNG) and animated (GIF); a report is written (PDF and
HTML, with figures). The GUI adds its own step (the main window rendered offscreen) through ``extra_steps``. A
format whose optional library is missing (ObsPy) is ``skipped``, not failed. Exit code 0 only when no step failed.
No Qt here.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional, Sequence, TextIO

import numpy as np

__all__ = ["Skipped", "run", "steps", "FORMAT_WRITERS"]

FS_HZ = 50.0
START = datetime(2026, 3, 1, 3, 0, 0)
NAMES = ("A01_z", "A02_y", "A03_x")
#: a read-back value may differ by this much relative to the largest sample (UFF58 and CSV are text: 12 and 10
#: significant digits)
RTOL = 1e-9


class Skipped(Exception):
    """A step that cannot run in this installation for a stated, accepted reason (an optional library)."""


# ------------------------------------------------------------------------------------------------- format writers
def _write_csv(path: Path, data: np.ndarray) -> Path:
    path = path.with_suffix(".csv")
    header = f"# fs = {FS_HZ:g}\n# start = {START.isoformat()}\n" + ",".join(f"{n} [m/s^2]" for n in NAMES)
    np.savetxt(path, data, fmt="%.17g", delimiter=",", header=header, comments="")
    return path


LARGE_REPEAT = 60


def _write_large_csv(path: Path, data: np.ndarray) -> Path:
    """Above 1 MiB the CSV reader reads the body straight from disk: pyarrow's parser where installed, else NumPy's
    (the desktop build leaves pyarrow out to stay small)."""
    return _write_csv(path, np.tile(data, (LARGE_REPEAT, 1)))


def _large_csv_parser() -> str:
    import importlib.util

    return "pyarrow" if importlib.util.find_spec("pyarrow") is not None else "NumPy (pyarrow not installed)"


def _write_mat(path: Path, data: np.ndarray) -> Path:
    import scipy.io

    path = path.with_suffix(".mat")
    scipy.io.savemat(path, {"acc": data, "fs": FS_HZ, "channels": np.array(NAMES, dtype=object), "unit": "m/s^2",
                            "start": START.isoformat()})
    return path


def _recording(data: np.ndarray):
    from shm_app.recording import Channel, Recording

    return Recording(data, FS_HZ, tuple(Channel(n, direction=n[-1]) for n in NAMES), start=START, format="selftest")


def _write_hdf5(path: Path, data: np.ndarray) -> Path:
    from shm_app.io.hdf5_writer import write_recording

    return write_recording(_recording(data), path.with_suffix(".h5"))


def _write_uff58(path: Path, data: np.ndarray) -> Path:
    from shm_app.io.uff_writer import write_uff58

    return write_uff58(_recording(data), path.with_suffix(".uff"))


def _write_tdms(path: Path, data: np.ndarray) -> Path:
    from nptdms import ChannelObject, GroupObject, RootObject, TdmsWriter

    path = path.with_suffix(".tdms")
    with TdmsWriter(str(path)) as writer:
        channels = [ChannelObject("Accelerations", name, data[:, j],
                                  properties={"wf_increment": 1.0 / FS_HZ, "unit_string": "m/s^2",
                                              "wf_start_time": np.datetime64(START.isoformat())})
                    for j, name in enumerate(NAMES)]
        writer.write_segment([RootObject(), GroupObject("Accelerations")] + channels)
    return path


def _write_mseed(path: Path, data: np.ndarray) -> Path:
    import importlib.util

    if importlib.util.find_spec("obspy") is None:  # optional; installed but broken is a failure, not a skip
        raise Skipped("ObsPy is not installed (pip install shm-app[seismic])")
    from shm_app.io.mseed_reader import import_obspy

    import_obspy()  # the frozen app's safe import (it must not ask the current folder's git for ObsPy's version)
    from obspy import Stream, Trace, UTCDateTime
    path = path.with_suffix(".mseed")
    traces = [Trace(data=np.ascontiguousarray(data[:, j]), header={
        "network": "XB", "station": "BR01", "location": "00", "channel": f"HN{j + 1}", "sampling_rate": FS_HZ,
        "starttime": UTCDateTime(START.isoformat())}) for j in range(data.shape[1])]
    Stream(traces).write(str(path), format="MSEED", encoding="FLOAT64")
    return path


def _write_npz(path: Path, data: np.ndarray) -> Path:
    path = path.with_suffix(".npz")
    np.savez(path, data=data, fs=np.array(FS_HZ), channels=np.array(NAMES), unit=np.array("m/s^2"))
    return path


#: (label, writer): every format :func:`shm_app.io.read` supports
FORMAT_WRITERS: tuple[tuple[str, Callable[[Path, np.ndarray], Path]], ...] = (
    ("CSV", _write_csv), ("CSV > 1 MiB", _write_large_csv), ("MATLAB v5", _write_mat), ("HDF5", _write_hdf5), ("UFF58", _write_uff58),
    ("NI TDMS", _write_tdms), ("miniSEED", _write_mseed), ("NumPy", _write_npz),
)


def _tiny_signal() -> np.ndarray:
    t = np.arange(400) / FS_HZ
    rng = np.random.default_rng(11)
    return 0.01 * np.column_stack([np.sin(2 * np.pi * f * t + p) for f, p in ((2.2, 0.0), (3.45, 0.4), (8.1, 1.0))]) \
        + 0.001 * rng.standard_normal((t.size, len(NAMES)))


def _read_back(writer: Callable[[Path, np.ndarray], Path], folder: Path) -> str:
    from shm_app import io

    data = _tiny_signal()
    path = writer(folder / writer.__name__.replace("_write_", "tiny_"), data)
    rec = io.read(path)
    if rec.n_samples == LARGE_REPEAT * data.shape[0]:  # the large CSV holds the tiny signal repeated
        data = np.tile(data, (LARGE_REPEAT, 1))
    if rec.data.shape != data.shape:
        raise AssertionError(f"read {rec.data.shape} samples×channels, wrote {data.shape}")
    if abs(rec.fs_hz - FS_HZ) > 1e-9:
        raise AssertionError(f"read fs {rec.fs_hz} Hz, wrote {FS_HZ} Hz")
    error = float(np.max(np.abs(rec.data - data)) / np.max(np.abs(data)))
    if not error <= RTOL:
        raise AssertionError(f"values differ by {error:.2g} of the peak")
    parser = f", {_large_csv_parser()}" if writer is _write_large_csv else ""
    return f"{path.name}: {rec.n_channels} channels, {rec.n_samples} samples{parser}"


# ------------------------------------------------------------------------------------------- analysis steps
def _sample_recording() -> Path:
    from shm_app.geometry.files import SAMPLE_FOLDER

    found = sorted((SAMPLE_FOLDER / "recordings").glob("*"))
    if not found:
        raise AssertionError(f"no bundled sample recording in {SAMPLE_FOLDER / 'recordings'}")
    return found[0]


def _identify_sample(state: dict) -> str:
    from shm_app import io
    from shm_app.identification import IdentificationSettings, identify, result_to_json

    result = identify(io.read(_sample_recording()), IdentificationSettings(method="ssi-cov", fmax_hz=12.0))
    if not result.modes:
        raise AssertionError("no mode identified in the sample recording")
    state["identification"] = result_to_json(result)
    state["identification_result"] = result
    return f"{len(result.modes)} modes, first {result.modes[0].frequency_hz:.3f} Hz"


def _mode_figures(folder: Path, state: dict) -> str:
    """The first mode drawn on the sample's geometry as a PNG and an animated GIF (matplotlib Agg and Pillow)."""
    from PIL import Image

    from shm_app.geometry.files import SAMPLE_FOLDER, load_geometry
    from shm_app.output.figures import mode_gif, mode_png

    if "identification_result" not in state:
        raise AssertionError("no mode to draw: the identification step failed")
    result = state["identification_result"]
    geometry = load_geometry(SAMPLE_FOLDER / "geometry.csv", SAMPLE_FOLDER / "lines.csv")
    png = mode_png(folder / "mode-1.png", result.modes[0], result.channels, geometry)
    gif = mode_gif(folder / "mode-1.gif", result.modes[0], result.channels, geometry)
    with Image.open(png) as image:
        png_size = image.size
    with Image.open(gif) as image:
        frames = image.n_frames
    if frames < 2:
        raise AssertionError(f"{gif.name} has {frames} frame, not an animation")
    return f"{png.name} {png_size[0]}×{png_size[1]}, {gif.name} {frames} frames"


N_CAMPAIGN = 8


def _campaign(folder: Path, state: dict) -> str:
    from dsp.simulate_campaign import DECK_FREQUENCIES_HZ
    from shm_app.campaign import CampaignSettings, run_campaign
    from shm_app.campaign.simulation import write_recording

    recordings = folder / "campaign"
    recordings.mkdir()
    rng = np.random.default_rng(5)
    for k in range(N_CAMPAIGN):
        start = START + timedelta(hours=6 * k)
        write_recording(recordings / f"deck_{start:%Y-%m-%dT%H-%M-%S}.csv",
                        DECK_FREQUENCIES_HZ * (1 + 0.002 * rng.standard_normal(DECK_FREQUENCIES_HZ.size)),
                        fs_hz=25.0, duration_s=240.0, start=start, seed=k)
    result = run_campaign([recordings], CampaignSettings(workers=2, baseline_count=6))
    errors = [e for e in result.errors if e]
    if errors:
        raise AssertionError(f"{len(errors)} of {N_CAMPAIGN} recordings failed: {errors[0]}")
    if len(result.files) != N_CAMPAIGN:
        raise AssertionError(f"{len(result.files)} recordings analysed, expected {N_CAMPAIGN}")
    state["campaign"] = result
    return f"{N_CAMPAIGN} recordings on 2 worker processes, {len(result.tracks)} modes tracked"


def _report(folder: Path, state: dict) -> str:
    from shm_app.output.report import write_report

    if "campaign" not in state and "identification" not in state:
        raise AssertionError("nothing to report: the identification and campaign steps failed")
    html = folder / "report.html"
    out = write_report(folder / "report.pdf", campaign=state.get("campaign"),
                       identifications=[state["identification"]] if "identification" in state else [], html=html)
    size = Path(out).stat().st_size
    if size < 1000:
        raise AssertionError(f"the report is only {size} bytes")
    figures = html.read_text(encoding="utf-8").count("data:image/png;base64")
    if not figures:
        raise AssertionError(f"{html.name} holds no figure")
    return f"{Path(out).name}, {size / 1024:.0f} KiB; {html.name}, {figures} figures"


Step = tuple[str, Callable[[], Optional[str]]]


def steps(folder: Path, state: dict) -> list[Step]:
    """The Qt-free steps, in order, as (name, function returning an optional detail)."""
    out: list[Step] = [(f"read {label}", (lambda w=writer: _read_back(w, folder))) for label, writer in FORMAT_WRITERS]
    out += [("identify the sample recording", lambda: _identify_sample(state)),
            ("draw and animate a mode shape", lambda: _mode_figures(folder, state)),
            ("campaign on the process pool", lambda: _campaign(folder, state)),
            ("write the report", lambda: _report(folder, state))]
    return out


def run(extra_steps: Sequence[Callable[[Path], Step]] = (), out: Optional[TextIO] = None) -> int:
    """Run every step in a temporary folder, print one line each, return 0 only when none failed.

    extra_steps : factories ``folder -> (name, function)`` for steps of the caller (the GUI's offscreen window)
    """
    from shm_app import __version__

    out = out if out is not None else sys.stdout
    failed = skipped = passed = 0
    print(f"SHM Workbench {__version__} selftest ({'frozen' if getattr(sys, 'frozen', False) else 'source'}, "
          f"Python {sys.version.split()[0]})", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="shm-selftest-") as tmp:
        folder = Path(tmp)
        state: dict = {}
        for name, fn in steps(folder, state) + [factory(folder) for factory in extra_steps]:
            t0 = time.perf_counter()
            try:
                detail = fn()
            except Skipped as exc:
                skipped += 1
                line = f"skipped: {exc}"
            except Exception as exc:  # noqa: BLE001 - every failure is reported on its line, then the next step runs
                failed += 1
                reason = str(exc).splitlines()[0] if str(exc) else ""
                line = f"FAILED: {type(exc).__name__}: {reason}"[:300]
                if os.environ.get("SHM_SELFTEST_TRACEBACK"):
                    traceback.print_exc(file=out)
            else:
                passed += 1
                line = f"ok ({time.perf_counter() - t0:.1f} s{', ' + detail if detail else ''})"
            print(f"{name + ' ':.<36} {line}", file=out, flush=True)
    verdict = "FAILED" if failed else "passed"
    print(f"selftest {verdict}: {passed} ok, {failed} failed, {skipped} skipped", file=out, flush=True)
    return 1 if failed else 0
