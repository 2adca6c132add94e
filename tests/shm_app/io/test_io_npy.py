"""NumPy .npy/.npz reader: sidecar, --fs, npz variables, orientation; the real Palisaden recording."""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from io_support import PALISADEN, shared, simulated
from shm_app import io
from shm_app.errors import ReadError
from shm_app.units import G0


def test_npy_with_sidecar_round_trips(tmp_path):
    data = simulated(500, 4, 200.0)
    np.save(tmp_path / "deck_2026-03-01T03-00-00.npy", data / G0)
    (tmp_path / "deck_2026-03-01T03-00-00.json").write_text(json.dumps(
        {"fs_hz": 200, "channels": ["a", "b", "c", "d"], "unit": "g", "start": "2026-03-02T04:00:00"}))
    rec = io.read(tmp_path / "deck_2026-03-01T03-00-00.npy")
    assert rec.fs_hz == 200.0 and rec.channel_names == ["a", "b", "c", "d"]
    assert rec.start == datetime(2026, 3, 2, 4, 0, 0)  # the sidecar's start beats the file name's
    assert [c.source_unit for c in rec.channels] == ["g"] * 4
    np.testing.assert_allclose(rec.data, data)


def test_npy_without_sidecar_needs_fs_and_takes_start_from_name(tmp_path):
    p = tmp_path / "20260301_030000.npy"
    np.save(p, simulated(100, 2))
    with pytest.raises(ReadError, match="--fs"):
        io.read(p)
    rec = io.read(p, fs=50)
    assert rec.fs_hz == 50 and rec.start == datetime(2026, 3, 1, 3, 0, 0) and rec.channel_names == ["ch1", "ch2"]


def test_channels_by_samples_matrix_is_transposed_and_said(tmp_path):
    p = tmp_path / "t.npy"
    np.save(p, simulated(1000, 3).T)
    rec = io.read(p, fs=100)
    assert rec.data.shape == (1000, 3) and rec.metadata["transposed"] is True


def test_npz_with_named_arrays(tmp_path):
    data = simulated(300, 2, 50.0)
    p = tmp_path / "r.npz"
    np.savez(p, acc=data * 1e3, dt=np.array(0.02), channels=np.array(["N", "E"]), units=np.array("mm/s^2"),
             start=np.array("2026-03-01T00:00:00"), temperature=np.arange(5.0))
    rec = io.read(p)
    assert rec.fs_hz == 50.0 and rec.channel_names == ["N", "E"] and rec.start == datetime(2026, 3, 1)
    np.testing.assert_allclose(rec.data, data)
    assert rec.metadata["variable"] == "acc"
    rec = io.read(p, variable="temperature", fs=1)
    assert rec.n_samples == 5


def test_truncated_and_object_npy_are_refused(tmp_path):
    p = tmp_path / "cut.npy"
    np.save(p, simulated(1000, 3))
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(ReadError, match="truncated"):
        io.read(p, fs=100)
    q = tmp_path / "obj.npy"
    np.save(q, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ReadError, match="objects"):
        io.read(q, fs=100)


@pytest.mark.realdata
def test_palisaden_real_building_recording():
    rec = io.read(shared(PALISADEN), fs=100.0)
    assert rec.data.shape == (540000, 6)
    assert rec.fs_hz == 100.0 and rec.duration_s == 5400.0
    assert rec.data.flags.writeable and not isinstance(rec.data, np.memmap)  # the app owns its samples
    np.testing.assert_array_equal(rec.data[:5], np.load(PALISADEN)[:5])
    assert rec.channels[0].source_unit is None and rec.channels[0].unit == "m/s^2"
    std = rec.data.std(axis=0)
    assert np.all((std > 0.003) & (std < 0.013))  # README: std 0.004-0.012, m/s²
