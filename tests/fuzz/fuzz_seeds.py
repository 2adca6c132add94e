"""Valid seed files of every format, written by the formats' own libraries (and the app's writers), small enough
to mutate by the hundred: 240 samples of 3 channels at 100 Hz."""
from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

IO_TESTS = Path(__file__).resolve().parents[1] / "shm_app" / "io"
if str(IO_TESTS) not in sys.path:
    sys.path.insert(0, str(IO_TESTS))

import io_support as sup  # noqa: E402

FS = 100.0
N, C = 240, 3


def data() -> np.ndarray:
    return sup.simulated(N, C, FS, seed=3)


def _csv(folder: Path) -> list[tuple[str, Path, dict]]:
    x = data()
    t = np.arange(N) / FS
    out = []
    p = folder / "seed_time.csv"
    np.savetxt(p, np.column_stack([t, x]), delimiter=",", header="time [s],A1 [g],A2 [g],A3 [g]", comments="",
               fmt="%.7g")
    out.append(("csv", p, {}))
    p = folder / "seed_semicolon.txt"
    rows = "\n".join(";".join(f"{v:.6f}".replace(".", ",") for v in r) for r in x)
    p.write_text("# fs = 100 Hz\n# start = 2026-03-01T03:00:00\nA1 [m/s2];A2 [m/s2];A3 [m/s2]\n" + rows + "\n",
                 encoding="utf-8")
    out.append(("csv", p, {}))
    p = folder / "seed_plain.dat"
    np.savetxt(p, x, fmt="%.6e")
    out.append(("csv", p, {"fs": FS}))
    p = folder / "seed_stamps.csv"
    stamps = (np.datetime64("2026-03-01T03:00:00.000") + (np.arange(N) * 10).astype("timedelta64[ms]")).astype(str)
    p.write_text("timestamp,A1,A2,A3\n" + "\n".join(f"{s.replace('T', ' ')},{r[0]:.6f},{r[1]:.6f},{r[2]:.6f}"
                                                   for s, r in zip(stamps, x)) + "\n", encoding="utf-8")
    out.append(("csv", p, {}))
    p = folder / "seed_gz.csv.gz"
    p.write_bytes(gzip.compress((folder / "seed_time.csv").read_bytes()))
    out.append(("csv", p, {}))
    return out


def _csmip(folder: Path) -> list[tuple[str, Path, dict]]:
    sys.path.insert(0, str(IO_TESTS))
    from test_io_csmip import csmip_v2_text  # noqa: E402 - the spec writer of the reader's own tests

    x = data() * 100
    p = folder / "seed_chan1.v2"
    p.write_text(csmip_v2_text(x[:, 0], 0.01, 1), encoding="latin-1")
    z = folder / "seed_event.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for j, orient in enumerate(("90 DEG", "UP", "360 DEG")):
            zf.writestr(f"CHAN{j + 1:03d}.V2", csmip_v2_text(x[:, j], 0.01, j + 1, orient))
    return [("csmip", p, {}), ("csmip", z, {})]


def _project(folder: Path) -> Path:
    from shm_app.persistence.project import save_project
    from shm_app.session.state import ProjectState

    return save_project(folder / "seed.shmproj", ProjectState())


def _hdf5_app(folder: Path) -> Path:
    from shm_app.io.hdf5_writer import write_recording
    from shm_app.recording import Channel, Recording

    rec = Recording(data=data(), fs_hz=FS, channels=tuple(Channel(f"A{j + 1}") for j in range(C)), format="csv")
    return write_recording(rec, folder / "seed_app.h5")


def write_seeds(folder: Path) -> list[tuple[str, Path, dict]]:
    """``(family, path, read options)`` of every seed; each reads without error."""
    folder.mkdir(parents=True, exist_ok=True)
    x = data()
    seeds = _csv(folder) + _csmip(folder)
    npy = folder / "seed_sidecar.npy"
    np.save(npy, x)
    (folder / "seed_sidecar.json").write_text(json.dumps({"fs_hz": FS, "channels": ["A1", "A2", "A3"], "unit": "g",
                                                          "start": sup.START}))
    seeds += [("npy", npy, {}), ("npy", sup.write_npz(folder / "seed.npz", x, FS), {})]
    seeds += [("mat", sup.write_mat_v5(folder / "seed_v5.mat", x, FS), {}),
              ("mat", sup.write_mat_v73(folder / "seed_v73.mat", x, FS), {})]
    import scipy.io

    p = folder / "seed_struct.mat"
    scipy.io.savemat(p, {"rec": {"data": x, "fs": FS, "unit": "g"}}, do_compression=True)
    seeds.append(("mat", p, {}))
    seeds += [("hdf5", sup.write_hdf5_generic(folder / "seed_generic.h5", x, FS), {}),
              ("hdf5", _hdf5_app(folder), {})]
    seeds += [("tdms", sup.write_tdms(folder / "seed.tdms", x, FS), {}),
              ("uff", sup.write_uff58(folder / "seed.uff", x, FS), {}),
              ("mseed", sup.write_mseed(folder / "seed.mseed", x, FS), {})]
    return seeds


def write_side_seeds(folder: Path) -> list[tuple[str, Path, str]]:
    """``(family, path, kind)`` of the geometry, lines, environment, frequency-table and project seeds."""
    folder.mkdir(parents=True, exist_ok=True)
    geo = folder / "seed_geometry.csv"
    geo.write_text("channel,x_m,y_m,z_m,direction\nA1,0,0,0,z\nA2,10,0,0,z\nA3,20,0.5,0,-y\nS1,0,0,0,fixed\n")
    lines = folder / "seed_lines.csv"
    lines.write_text("node_a,node_b\nA1,A2\nA2,A3\n")
    env = folder / "seed_environment.csv"
    env.write_text("timestamp,temperature_c,humidity_pct\n" + "\n".join(
        f"2026-03-01T{h:02d}:00:00,{5 + h * 0.3:.1f},{60 + h:.0f}" for h in range(24)) + "\n")
    freq = folder / "seed_frequencies.csv"
    freq.write_text("time,M1,M2\n" + "\n".join(f"2026-03-01T{h:02d}:00:00,2.2{h % 10},{7.9 + h * 0.001:.4f}"
                                                for h in range(24)) + "\n")
    return [("geometry", geo, "geometry"), ("lines", lines, "lines"), ("environment", env, "environment"),
            ("frequency", freq, "frequency"), ("project", _project(folder), "project")]
