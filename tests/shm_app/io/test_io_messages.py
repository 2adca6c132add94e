"""A damaged file is described in the engineer's words in its one-line message; the library's own reason (HDF5's
"Can't synchronously read data ...") goes to the log, not to the message."""
from __future__ import annotations

import numpy as np
import pytest

from shm_app import io
from shm_app.errors import ReadError

h5py = pytest.importorskip("h5py")


def _damaged_chunk(path):
    """A generic HDF5 recording whose first gzip chunk has its compressed bytes overwritten."""
    with h5py.File(path, "w") as h5:
        ds = h5.create_dataset("acc", data=np.random.default_rng(0).standard_normal((4000, 3)), chunks=(1000, 3),
                               compression="gzip")
        ds.attrs["fs"] = 100.0
        offset = ds.id.get_chunk_info(0).byte_offset
    raw = bytearray(path.read_bytes())
    raw[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(raw))
    return path


def test_a_damaged_hdf5_chunk_is_described_and_the_library_reason_logged(tmp_path, monkeypatch):
    log = tmp_path / "app.log"
    monkeypatch.setenv("SHM_APP_LOG", str(log))
    path = _damaged_chunk(tmp_path / "rec.h5")
    with pytest.raises(ReadError) as caught:
        io.read(path)
    message = str(caught.value)
    assert "dataset /acc cannot be read: a block of its stored values is damaged or missing" in message
    assert "synchronously" not in message.lower() and "\n" not in message
    assert "can't synchronously read data" in log.read_text().lower()


def test_a_file_that_is_not_hdf5_is_named_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SHM_APP_LOG", str(tmp_path / "app.log"))
    path = tmp_path / "rec.h5"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ReadError, match=r"rec\.h5: not an HDF5 file \(it lacks the HDF5 signature\)") as caught:
        io.read(path)
    assert "Unable" not in str(caught.value)
