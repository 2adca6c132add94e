"""A recording written as UFF58 (shm_app.io.uff_writer) and HDF5 (shm_app.io.hdf5_writer), directly and through
``shm-app export``, reads back with the app's own readers to the same numbers."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from io_support import simulated
from shm_app import io
from shm_app.cli import main
from shm_app.preprocessing import PreprocessSettings, apply
from shm_app.recording import Channel, Recording

FS = 100.0
START = datetime(2026, 3, 1, 3, 0, 0)
UFF_RTOL = 1e-11  # 12 significant digits of text


def recording(n_samples=2000):
    names, directions = ["A01_z", "A02_y", "A03"], ["z", "-y", None]
    return Recording(simulated(n_samples), FS, tuple(Channel(n, direction=d) for n, d in zip(names, directions)),
                     start=START, source="deck.csv", format="csv")


def test_uff58_round_trip(tmp_path):
    from shm_app.io.uff_writer import write_uff58

    rec = recording()
    back = io.read(write_uff58(rec, tmp_path / "deck.uff"))
    assert back.format == "uff58" and back.fs_hz == FS and back.start == START
    np.testing.assert_allclose(back.data, rec.data, rtol=UFF_RTOL, atol=UFF_RTOL * np.abs(rec.data).max())
    assert [c.direction for c in back.channels] == ["z", "-y", None]
    assert [c.unit for c in back.channels] == ["m/s^2"] * 3
    assert back.channel_names == ["1+Z", "2-Y", "3"]  # node and direction, as UFF names a response


def test_uff58_node_numbers_are_checked(tmp_path):
    from shm_app.io.uff_writer import write_uff58

    with pytest.raises(ValueError, match="nodes"):
        write_uff58(recording(), tmp_path / "deck.uff", nodes=[1, 2])


def test_hdf5_round_trip_is_exact(tmp_path):
    from shm_app.io.hdf5_writer import write_recording

    rec = apply(recording(), PreprocessSettings(highpass_hz=0.5, lowpass_hz=20.0, decimate=2))
    back = io.read(write_recording(rec, tmp_path / "deck.h5"))
    assert back.fs_hz == rec.fs_hz == FS / 2 and back.start == START
    np.testing.assert_array_equal(back.data, rec.data)
    assert back.channel_names == rec.channel_names
    assert [c.direction for c in back.channels] == ["z", "-y", None]


def test_cli_export_writes_the_preprocessed_recording(tmp_path, capsys):
    from io_support import NAMES

    source = tmp_path / "deck.csv"
    data = simulated(3000)
    header = f"# fs = {FS:g}\n# start = {START.isoformat()}\n" + ",".join(f"{n} [m/s^2]" for n in NAMES[:3])
    np.savetxt(source, data, fmt="%.17g", delimiter=",", header=header, comments="")
    uff, h5 = tmp_path / "out.uff", tmp_path / "out.h5"
    assert main(["export", str(source), "--uff58", str(uff), "--hdf5", str(h5), "--highpass-hz", "0.5",
                 "--lowpass-hz", "15", "--decimate", "2", "--window-s", "2,28"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{uff}: 3 channels, 1300 samples at 50 Hz (UFF58)", f"{h5}: 3 channels, 1300 samples at 50 Hz (HDF5)"]
    expected = apply(io.read(source), PreprocessSettings(highpass_hz=0.5, lowpass_hz=15.0, decimate=2,
                                                          window_s=(2.0, 28.0)))
    from_h5, from_uff = io.read(h5), io.read(uff)
    np.testing.assert_array_equal(from_h5.data, expected.data)
    np.testing.assert_allclose(from_uff.data, expected.data, rtol=0, atol=UFF_RTOL * np.abs(expected.data).max())
    assert from_h5.fs_hz == from_uff.fs_hz == 50.0
    assert from_h5.start == from_uff.start == datetime(2026, 3, 1, 3, 0, 2)


@pytest.mark.parametrize("argv, words", [
    ([], "nothing to write"),
    (["--hdf5", "-"], "--hdf5 needs a file name"),
    (["--uff58", "OUT", "--decimate", "0"], "decimate"),
])
def test_cli_export_refuses_bad_input_in_one_line(tmp_path, capsys, argv, words):
    source = tmp_path / "deck.csv"
    source.write_text("# fs = 100\na,b\n" + "\n".join(f"{i},{-i}" for i in range(200)) + "\n")
    argv = [a.replace("OUT", str(tmp_path / "out.uff")) for a in argv]
    assert main(["export", str(source)] + argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "out.uff").exists()
