"""Huge recordings: wall time and peak memory of ``shm-app info`` and ``shm-app identify`` on a day-long HDF5 file
and a ~1.5 GB CSV, and the up-front refusal of a file that does not fit.

    python benchmarks/bench_huge.py [--hours 24] [--channels 32] [--fs 200] [--csv-gb 1.5] [--dir DIR] [--keep]

The files are written in chunks (never the whole array in memory) into a temporary folder under ``DIR`` (default
/work/tmp-huge when it exists, else the system's temporary folder), removed at the end unless ``--keep``:

* HDF5 in the app's own layout (:mod:`shm_app.io.hdf5_writer`: /recording/data float64 (samples, channels),
  gzip level 4, chunks of 65 536 rows) holding ``--hours`` of a simulated bridge deck (dsp.simulate, 10 % noise,
  one independent realisation per hour);
* CSV as loggers write it (``# fs``/``# start`` preamble, header with units, ``%.5g`` values) of the same deck,
  as many hours as make ``--csv-gb``.

Each command runs in a child process under ``/usr/bin/time -v`` (else ``getrusage(RUSAGE_CHILDREN)``); printed
per file and command: wall time, peak resident memory (GB) and its ratio to the file's size. Last, ``info`` on
the HDF5 file runs with its address space limited (``RLIMIT_AS``) below what the file needs: it must exit 2 at
once with one line naming the memory needed and available (not after minutes of swapping).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dsp.simulate import bridge_deck_model, simulate_ambient  # noqa: E402
from shm_app.io.hdf5_reader import LAYOUT  # noqa: E402

HOUR_S = 3600.0
TIME_V = Path("/usr/bin/time")


def deck_hours(n_hours: int, channels: int, fs_hz: float):
    """Yield ``n_hours`` one-hour (samples, channels) float64 blocks of a simulated deck, one realisation each."""
    model, _ = bridge_deck_model(n_sections=channels // 2)
    for h in range(n_hours):
        yield simulate_ambient(model, fs_hz, HOUR_S, noise_ratio=0.1, seed=h).acceleration


def channel_names(channels: int) -> list[str]:
    return [s[0] for s in bridge_deck_model(n_sections=channels // 2)[1]]


def write_hdf5(path: Path, hours: int, channels: int, fs_hz: float) -> None:
    """The app's layout (as :func:`shm_app.io.hdf5_writer.write_recording` writes it), filled hour by hour."""
    import h5py

    n_hour = int(round(HOUR_S * fs_hz))
    with h5py.File(path, "w") as h5:
        grp = h5.create_group("recording")
        grp.attrs["shm_app_layout"] = LAYOUT
        grp.attrs["fs_hz"] = float(fs_hz)
        grp.attrs["start"] = "2026-03-01T00:00:00"
        grp.attrs["metadata_json"] = "{}"
        data = grp.create_dataset("data", shape=(hours * n_hour, channels), dtype="f8", compression="gzip",
                                  compression_opts=4, chunks=(65536, channels))
        for h, block in enumerate(deck_hours(hours, channels, fs_hz)):
            data[h * n_hour:(h + 1) * n_hour] = block
        names = channel_names(channels)
        grp.create_dataset("channel_names", data=names, dtype=h5py.string_dtype())
        for key, value in (("units", "m/s^2"), ("source_units", "m/s^2"), ("directions", "z")):
            grp.create_dataset(key, data=[value] * channels, dtype=h5py.string_dtype())
        grp.create_dataset("positions_m", data=np.full((channels, 3), np.nan))


def write_csv(path: Path, target_bytes: float, channels: int, fs_hz: float) -> float:
    """A logger CSV of whole hours until ``target_bytes`` is reached; returns the hours written."""
    header = "# fs = {:g}\n# start = 2026-03-01T00:00:00\n".format(fs_hz) + \
             ",".join(f"{n} [m/s^2]" for n in channel_names(channels))
    hours = 0
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for block in deck_hours(10**6, channels, fs_hz):
            np.savetxt(fh, block, fmt="%.5g", delimiter=",")
            hours += 1
            if fh.tell() >= target_bytes:
                break
    return hours


def run_measured(cmd: list[str], address_space: int | None = None) -> dict:
    """Run ``cmd``; its wall time, CPU time (user + system, s; NaN without /usr/bin/time), peak RSS (bytes), exit
    code and last stderr line."""
    def limit() -> None:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    timed = [str(TIME_V), "-v", *cmd] if TIME_V.exists() else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(timed, capture_output=True, text=True, preexec_fn=limit)
    wall = time.perf_counter() - t
    err = proc.stderr
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    cpu = float("nan")
    if m:
        rss = int(m.group(1)) * 1024
        cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", err))
        err = err[:err.rfind("\tCommand being timed")]
        err = re.sub(r"Command (exited with non-zero status|terminated by signal) \d+\s*$", "", err)
    else:
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        if rss <= before * 1024:
            rss = float("nan")  # an earlier child was larger: this one's peak is not known
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return {"wall": wall, "cpu": cpu, "rss": rss, "rc": proc.returncode, "stderr": lines[-1] if lines else "",
            "stdout": proc.stdout}


def shm_app(*args: str) -> list[str]:
    return [sys.executable, "-m", "shm_app", *args]


def read_only(path: Path) -> list[str]:
    """The reader alone (``shm_app.io.read``), to tell its memory from the command's."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); from shm_app import io; "
                                  f"io.read({str(path)!r})"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=24, help="length of the HDF5 recording, hours (default 24)")
    ap.add_argument("--channels", type=int, default=32, help="channels (even; default 32)")
    ap.add_argument("--fs", type=float, default=200.0, help="sampling rate, Hz (default 200)")
    ap.add_argument("--csv-gb", type=float, default=1.5, help="size of the CSV file, GB (default 1.5; 0: none)")
    ap.add_argument("--dir", type=Path, help="parent of the temporary folder (default /work/tmp-huge if present)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (and reuse them next time)")
    args = ap.parse_args()
    parent = args.dir or (Path("/work/tmp-huge") if Path("/work/tmp-huge").is_dir() else Path(tempfile.gettempdir()))
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / "bench_huge" if args.keep else Path(tempfile.mkdtemp(prefix="bench_huge_", dir=parent))
    folder.mkdir(exist_ok=True)
    n_values = int(args.hours * HOUR_S * args.fs) * args.channels
    need = n_values * 8 * 1.3 + args.csv_gb * 1e9
    if shutil.disk_usage(parent).free < need:
        print(f"not enough disk in {parent}: {need / 1e9:.1f} GB needed, "
              f"{shutil.disk_usage(parent).free / 1e9:.1f} GB free")
        return 1
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores; folder {folder}", flush=True)
    try:
        files = []
        h5 = folder / f"deck_{args.hours}h_{args.channels}ch.h5"
        if not h5.exists():
            t = time.perf_counter()
            write_hdf5(h5, args.hours, args.channels, args.fs)
            print(f"wrote {h5.name}: {args.hours} h x {args.channels} ch x {args.fs:g} Hz = {n_values / 1e6:.0f} M "
                  f"values ({n_values * 8 / 1e9:.2f} GB as float64), {h5.stat().st_size / 1e9:.2f} GB on disk in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
        files.append(h5)
        if args.csv_gb > 0:
            csv = folder / f"deck_{args.channels}ch.csv"
            if not csv.exists():
                t = time.perf_counter()
                hours = write_csv(csv, args.csv_gb * 1e9, args.channels, args.fs)
                print(f"wrote {csv.name}: {hours} h x {args.channels} ch x {args.fs:g} Hz, "
                      f"{csv.stat().st_size / 1e9:.2f} GB in {time.perf_counter() - t:.0f} s", flush=True)
            files.append(csv)
        rows = []
        for f in files:
            size = f.stat().st_size
            for command in ("io.read", "info", "identify"):
                r = run_measured(read_only(f) if command == "io.read" else shm_app(command, str(f)))
                status = "ok" if r["rc"] == 0 else f"exit {r['rc']}: {r['stderr']}"
                rows.append((f.name, size, command, r["wall"], r["cpu"], r["rss"], status))
                print(f"  {f.name} {command}: {r['wall']:.1f} s ({r['cpu']:.1f} s CPU), {r['rss'] / 1e9:.2f} GB peak "
                      f"RSS, {status}", flush=True)
                if command == "identify" and r["rc"] == 0:
                    print("    " + "\n    ".join(r["stdout"].strip().splitlines()[:8]), flush=True)
        print(f"\n{'file':<24} {'size GB':>8} {'command':<9} {'wall s':>8} {'CPU s':>8} {'peak RSS GB':>12} "
              f"{'RSS/file':>9}  result   (load {os.getloadavg()[0]:.1f})")
        for name, size, command, wall, cpu, rss, status in rows:
            print(f"{name:<24} {size / 1e9:>8.2f} {command:<9} {wall:>8.1f} {cpu:>8.1f} {rss / 1e9:>12.2f} "
                  f"{rss / size:>9.2f}  {status[:60]}")
        limit = int(3 * 2**30)
        if n_values * 8 < limit:
            print(f"\nrefusal not checked: the HDF5 file ({n_values * 8 / 2**30:.1f} GiB of samples) fits in "
                  f"{limit / 2**30:.0f} GiB")
            return 0 if all(row[-1] == "ok" for row in rows) else 1
        r = run_measured(shm_app("info", str(h5)), address_space=limit)
        ok = r["rc"] == 2 and "needs about" in r["stderr"] and "available" in r["stderr"]
        print(f"\nrefusal with the address space limited to {limit / 2**30:.0f} GiB: exit {r['rc']} after "
              f"{r['wall']:.1f} s, peak RSS {r['rss'] / 1e9:.2f} GB\n  {r['stderr']}\n  "
              f"{'PASS' if ok else 'FAIL'}: refused up front with the sizes")
        return 0 if ok and all(row[-1] == "ok" for row in rows) else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
