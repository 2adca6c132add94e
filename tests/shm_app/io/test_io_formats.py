"""MATLAB, HDF5, TDMS, UFF58, miniSEED: round trips of simulated recordings written by each format's library."""
from __future__ import annotations

import sys
from datetime import datetime

import numpy as np
import pytest

from io_support import (NAMES, REPO, write_hdf5_generic, write_mat_v5, write_mat_v73, write_mseed, write_tdms, write_uff58,
                        simulated)
from shm_app import io
from shm_app.errors import ReadError
from shm_app.units import G0

FS = 200.0
START = datetime(2026, 3, 1, 3, 0, 0)


@pytest.fixture()
def data():
    return simulated(1000, 3, FS, seed=7)


def check(rec, data, factor, unit, names=tuple(NAMES[:3]), fmt=None):
    assert rec.fs_hz == FS
    assert rec.n_samples == data.shape[0]
    assert rec.channel_names == list(names)
    assert rec.start == START
    assert all(c.source_unit == unit and c.unit == "m/s^2" for c in rec.channels)
    np.testing.assert_allclose(rec.data, data * factor, rtol=1e-6, atol=1e-9)
    if fmt:
        assert rec.format == fmt


def test_mat_v5_round_trip(tmp_path, data):
    check(io.read(write_mat_v5(tmp_path / "r.mat", data, FS, "g")), data, G0, "g", fmt="mat")


def test_mat_v5_struct_and_user_choice(tmp_path, data):
    import scipy.io

    p = tmp_path / "s.mat"
    scipy.io.savemat(p, {"rec": {"data": data, "Fs": FS, "names": np.array(NAMES[:3], dtype=object)},
                         "other": data.copy()})
    rec = io.read(p)
    assert rec.metadata["variable"] == "rec.data" and rec.channel_names == NAMES[:3] and rec.fs_hz == FS
    rec = io.read(p, variable="other", fs=10)
    assert rec.metadata["variable"] == "other" and rec.fs_hz == 10
    with pytest.raises(ReadError, match="no numeric array named 'nope'"):
        io.read(p, variable="nope")


def test_mat_ambiguous_matrices_ask_the_user(tmp_path, data):
    import scipy.io

    p = tmp_path / "amb.mat"
    scipy.io.savemat(p, {"run1": data, "run2": data, "fs": FS})
    with pytest.raises(ReadError, match="choose one with --variable NAME"):
        io.read(p)
    assert io.read(p, variable="run2").n_samples == 1000


def test_command_line_options_choose_the_signal_array(tmp_path, data, capsys):
    """The message names a command-line option; that option exists on info, identify and campaign."""
    import json

    import h5py
    import scipy.io

    from shm_app.cli import main

    mat = tmp_path / "amb.mat"
    scipy.io.savemat(mat, {"run1": data, "run2": 2 * data, "fs": FS})
    assert main(["info", str(mat)]) == 2
    assert "--variable NAME" in capsys.readouterr().err
    assert main(["info", str(mat), "--variable", "run2", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["n_samples"] == 1000
    h5 = tmp_path / "two.h5"
    with h5py.File(h5, "w") as f:
        for g in ("north", "south"):
            f.create_dataset(f"{g}/acc", data=data).attrs["fs"] = FS
    assert main(["info", str(h5), "--group", "south", "--json", "-"]) == 0
    assert main(["info", str(h5), "--dataset", "north/acc", "--json", "-"]) == 0
    capsys.readouterr()
    assert main(["identify", str(mat), "--variable", "nope"]) == 2
    assert "choose --variable from: run1" in capsys.readouterr().err


def test_mat_v73_round_trip(tmp_path, data):
    rec = io.read(write_mat_v73(tmp_path / "r73.mat", data, FS, "mg"))
    check(rec, data, G0 * 1e-3, "mg", fmt="mat")
    assert rec.metadata["mat_version"] == "7.3"


def test_hdf5_generic_round_trip(tmp_path, data):
    check(io.read(write_hdf5_generic(tmp_path / "r.h5", data, FS, "cm/s^2")), data, 1e-2, "cm/s^2", fmt="hdf5")


def test_hdf5_one_dataset_per_channel_and_time_vector(tmp_path, data):
    import h5py

    p = tmp_path / "chan.hdf5"
    with h5py.File(p, "w") as h5:
        for j, name in enumerate(NAMES[:3]):
            h5.create_dataset(f"run/{name}", data=data[:, j]).attrs["unit"] = "mm/s2"
        h5.create_dataset("run/time", data=np.arange(1000) / FS)
        h5["run"].attrs["start"] = "2026-03-01T03:00:00"
    check(io.read(p), data, 1e-3, "mm/s^2")


def test_hdf5_mismatched_channel_lengths_refused(tmp_path, data):
    import h5py

    p = tmp_path / "mm.h5"
    with h5py.File(p, "w") as h5:
        h5.create_dataset("run/A", data=data[:, 0])
        h5.create_dataset("run/B", data=data[:900, 1])
        h5.attrs["fs"] = FS
    with pytest.raises(ReadError, match="mismatched channel lengths"):
        io.read(p)


def test_app_hdf5_layout_round_trip_keeps_everything(tmp_path, data):
    from shm_app.io.hdf5_writer import write_recording

    rec = io.read(write_mat_v5(tmp_path / "r.mat", data, FS, "g"))
    out = write_recording(rec, tmp_path / "copy.h5")
    back = io.read(out)
    check(back, data, G0, "g", fmt="hdf5")
    assert back.metadata["variable"] == "acc"


def test_tdms_round_trip(tmp_path, data):
    rec = io.read(write_tdms(tmp_path / "r.tdms", data, FS, "g"))
    check(rec, data, G0, "g", fmt="tdms")
    assert rec.metadata["group"] == "Accelerations"


def test_tdms_mismatched_lengths_and_unknown_group(tmp_path, data):
    from nptdms import ChannelObject, GroupObject, RootObject, TdmsWriter

    p = tmp_path / "mm.tdms"
    with TdmsWriter(str(p)) as w:
        w.write_segment([RootObject(), GroupObject("G"), ChannelObject("G", "a", data[:, 0], {"wf_increment": 0.005}),
                         ChannelObject("G", "b", data[:500, 1], {"wf_increment": 0.005})])
    with pytest.raises(ReadError, match="mismatched channel lengths"):
        io.read(p)
    with pytest.raises(ReadError, match="no group 'X'"):
        io.read(p, group="X")


def test_uff58_round_trip(tmp_path, data):
    rec = io.read(write_uff58(tmp_path / "r.uff", data, FS, "m/s^2"))
    check(rec, data, 1.0, "m/s^2", names=["101+Z", "102+Y", "103+X"], fmt="uff58")
    assert [c.direction for c in rec.channels] == ["z", "y", "x"]


def test_mseed_round_trip_and_short_gap(tmp_path, data):
    pytest.importorskip("obspy")
    rec = io.read(write_mseed(tmp_path / "r.mseed", data, FS))
    names = ["XB.BR00.00.HNE", "XB.BR00.00.HNN", "XB.BR00.00.HNZ"]
    assert rec.channel_names == names and rec.fs_hz == FS and rec.start == START and rec.n_samples == 1000
    order = [2, 1, 0]  # traces come back sorted by id
    np.testing.assert_allclose(rec.data, data[:, order])
    assert all(c.source_unit is None for c in rec.channels)  # miniSEED states no unit
    in_g = io.read(tmp_path / "r.mseed", unit="g")
    assert all(c.source_unit == "g" for c in in_g.channels)
    np.testing.assert_allclose(in_g.data, data[:, order] * G0)
    from obspy import Stream, UTCDateTime, read

    tr = read(str(tmp_path / "r.mseed"))[0]
    t0 = UTCDateTime(START)
    Stream([tr.slice(t0, t0 + 1.0), tr.slice(t0 + 1.1, t0 + 4.995)]).write(str(tmp_path / "g.mseed"), format="MSEED")
    gappy = io.read(tmp_path / "g.mseed")
    assert gappy.n_samples == 1000 and np.all(np.isfinite(gappy.data))
    assert gappy.metadata["repaired_gaps"][0][0] == "XB.BR00.00.HNZ"


def test_missing_obspy_names_the_extra(tmp_path, data, monkeypatch):
    p = tmp_path / "r.mseed"
    p.write_bytes(b"\x00" * 512)
    monkeypatch.setitem(sys.modules, "obspy", None)
    with pytest.raises(ReadError, match=r"pip install shm-app\[seismic\]"):
        io.read(p)


def test_file_dialog_filter_lists_every_format():
    text = io.file_dialog_filter()
    for suffix in io.READERS:
        assert f"*{suffix}" in text.split(";;")[0]
    assert "MATLAB (*.mat)" in text and "NI TDMS (*.tdms)" in text and text.endswith("All files (*)")


def test_readers_import_no_qt():
    import subprocess

    code = ("import sys, shm_app.io as io, shm_app.io.csv_reader, shm_app.io.hdf5_reader, shm_app.io.mat_reader;"
            "io.file_dialog_filter();"
            "bad=[m for m in sys.modules if m.startswith(('PySide6','pyqtgraph','obspy'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO).returncode == 0


# ------------------------------------------------------------------------------ generated variants (Hypothesis)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from io_support import write_npz  # noqa: E402

FACTORS = {"g": G0, "mg": G0 * 1e-3, "gal": 1e-2, "cm/s^2": 1e-2, "mm/s^2": 1e-3, "m/s^2": 1.0}
WRITERS = {
    "mat": (lambda p, d, fs, u: write_mat_v5(p.with_suffix(".mat"), d, fs, u), True),
    "mat73": (lambda p, d, fs, u: write_mat_v73(p.with_suffix(".mat"), d, fs, u), True),
    "h5": (lambda p, d, fs, u: write_hdf5_generic(p.with_suffix(".h5"), d, fs, u), True),
    "tdms": (lambda p, d, fs, u: write_tdms(p.with_suffix(".tdms"), d, fs, u), True),
    "uff": (lambda p, d, fs, u: write_uff58(p.with_suffix(".uff"), d, fs, u), False),
    "npz": (lambda p, d, fs, u: write_npz(p.with_suffix(".npz"), d, fs, u), True),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(sorted(WRITERS)), n_samples=st.integers(50, 600), n_channels=st.integers(1, 6),
       fs=st.sampled_from([1.0, 25.0, 100.0, 128.0, 200.0, 1000.0, 2048.0]), unit=st.sampled_from(sorted(FACTORS)),
       seed=st.integers(0, 1000))
def test_generated_recordings_round_trip_in_every_container(tmp_path, fmt, n_samples, n_channels, fs, unit, seed):
    data = simulated(n_samples, n_channels, fs, seed) / FACTORS[unit]
    write, has_names = WRITERS[fmt]
    p = write(tmp_path / f"rec_{fmt}", data, fs, unit)
    rec = io.read(p)
    assert rec.fs_hz == pytest.approx(fs, rel=1e-9)
    assert rec.n_samples == n_samples and rec.n_channels == n_channels
    assert rec.start == START
    if has_names:
        assert rec.channel_names == NAMES[:n_channels]
    assert all(c.source_unit == unit for c in rec.channels)
    np.testing.assert_allclose(rec.data, data * FACTORS[unit], rtol=1e-6, atol=1e-12 * FACTORS[unit])


def test_hdf5_group_and_dataset_options(tmp_path, data):
    import h5py

    p = tmp_path / "two.h5"
    with h5py.File(p, "w") as h5:
        for g, scale in (("north", 1.0), ("south", 2.0)):
            ds = h5.create_dataset(f"{g}/acc", data=data * scale)
            ds.attrs["fs"] = FS
        h5.create_dataset("south/extra", data=data[:, 0])
        h5.create_dataset("south/more", data=data[:, 1])
    with pytest.raises(io.ChoiceRequired):
        io.read(p)  # north/acc and south/acc: the user chooses
    np.testing.assert_allclose(io.read(p, group="south").data, 2 * data)
    np.testing.assert_allclose(io.read(p, dataset="north/acc").data, data)
    two = io.read(p, dataset="south/extra,south/more", fs=FS, channels=["more"])
    assert two.channel_names == ["more"]
    np.testing.assert_allclose(two.data[:, 0], data[:, 1])
    with pytest.raises(ReadError, match="one 1-D dataset per channel"):
        io.read(p, dataset="south/extra,north/acc", fs=FS)


def test_mat_datenum_start_and_time_vector(tmp_path, data):
    import scipy.io

    p = tmp_path / "dn.mat"
    datenum = datetime(2026, 3, 1).toordinal() + 366 + 3 / 24  # MATLAB's datenum of 2026-03-01 03:00
    scipy.io.savemat(p, {"y": data, "t": np.arange(1000) / FS, "start": datenum})
    rec = io.read(p)
    assert rec.fs_hz == FS and rec.start == START
