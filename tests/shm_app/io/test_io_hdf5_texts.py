"""The channel names, units and directions of the app's HDF5 layout: written as fixed-length UTF-8, old files with
variable-length strings still read, and a damaged text length refused before HDF5 allocates it."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from shm_app import io
from shm_app.errors import ReadError
from shm_app.io.hdf5_reader import LAYOUT, MAX_TEXT_BYTES
from shm_app.io.hdf5_writer import write_recording
from shm_app.recording import Channel, Recording

h5py = pytest.importorskip("h5py")

NAMES = ["Brücke_A1", "A2 °", "A3"]


def _recording() -> Recording:
    data = np.random.default_rng(0).standard_normal((500, 3))
    return Recording(data, 100.0, tuple(Channel(n, source_unit=u, direction=d)
                                        for n, u, d in zip(NAMES, ("g", None, "mm/s^2"), ("z", None, "x"))))


def _old_layout(path, names, n_samples: int = 500):
    """A file as the writer made it before fixed-length texts: variable-length strings, contiguous storage."""
    with h5py.File(path, "w") as h5:
        grp = h5.create_group("recording")
        grp.attrs.update(shm_app_layout=LAYOUT, fs_hz=100.0, start="", metadata_json="{}")
        grp.create_dataset("data", data=np.random.default_rng(1).standard_normal((n_samples, len(names))))
        text = h5py.string_dtype()
        for key, values in (("channel_names", names), ("units", ["m/s^2"] * len(names))):
            grp.create_dataset(key, data=values, dtype=text)
    return path


def test_texts_are_written_fixed_length_utf8_and_read_back(tmp_path):
    path = write_recording(_recording(), tmp_path / "rec.h5")
    with h5py.File(path) as h5:
        kind = h5py.check_string_dtype(h5["recording/channel_names"].dtype)
        assert kind.encoding == "utf-8" and kind.length == len("Brücke_A1".encode())
    rec = io.read(path)
    assert rec.channel_names == NAMES
    assert [c.source_unit for c in rec.channels] == ["g", None, "mm/s^2"]
    assert [c.direction for c in rec.channels] == ["z", None, "x"]


def test_old_files_with_variable_length_texts_still_read(tmp_path):
    rec = io.read(_old_layout(tmp_path / "old.h5", NAMES))
    assert rec.channel_names == NAMES and rec.n_samples == 500


def _peak_growth(job) -> int:
    """Growth of the peak resident memory (bytes) while ``job`` runs; -1 where the peak cannot be reset."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        job()
        return -1

    def hwm() -> int:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))

    def rss() -> int:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))

    before = rss()
    job()
    return hwm() - before


def test_a_damaged_text_length_is_refused_before_it_is_allocated(tmp_path):
    """Each variable-length entry starts with its length (4 bytes) in the dataset's storage; set to 900 MiB, HDF5
    allocated it before finding the text did not match (peak ~960 MB, measured on this file before the check)."""
    path = _old_layout(tmp_path / "bad.h5", NAMES)
    with h5py.File(path) as h5:
        offset = h5["recording/channel_names"].id.get_offset()
    raw = bytearray(path.read_bytes())
    struct.pack_into("<I", raw, offset + 16, 900 * 2**20)  # entry 2 (entries are 16 bytes: length, heap address)
    path.write_bytes(bytes(raw))

    def read():
        with pytest.raises(ReadError, match=r"entry 2 of /recording/channel_names declares a text of 943,718,400 "
                                            r"bytes .*the file is damaged"):
            io.read(path)

    growth = _peak_growth(read)
    assert growth < 100 * 2**20  # allocator noise only: the 900 MiB were never asked for


def test_absurd_fixed_length_texts_and_wrong_counts_are_refused(tmp_path):
    path = _old_layout(tmp_path / "wide.h5", NAMES)
    with h5py.File(path, "a") as h5:
        del h5["recording/units"]
        h5["recording"].create_dataset("units", shape=(3,), dtype=h5py.string_dtype("utf-8", MAX_TEXT_BYTES + 1))
    with pytest.raises(ReadError, match=f"declares texts of {MAX_TEXT_BYTES + 1:,} bytes each"):
        io.read(path)
    path = _old_layout(tmp_path / "count.h5", NAMES)
    with h5py.File(path, "a") as h5:
        del h5["recording/channel_names"]
        h5["recording"].create_dataset("channel_names", data=["a"] * 5, dtype=h5py.string_dtype())
    with pytest.raises(ReadError, match="channel_names has 5 entries for 3 channels"):
        io.read(path)
