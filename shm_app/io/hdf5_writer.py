"""Write a :class:`Recording` in the app's own HDF5 layout (see :mod:`shm_app.io.hdf5_reader`), atomically."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shm_app.io.hdf5_reader import LAYOUT
from shm_app.recording import Recording
from shm_app.persistence.atomic import atomic_path


def write_recording(recording: Recording, path: Path) -> Path:
    """Save ``recording`` to ``path`` (``.h5``); the data stay in app units, source units are kept."""
    import h5py

    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as h5:
            grp = h5.create_group("recording")
            grp.attrs["shm_app_layout"] = LAYOUT
            grp.attrs["fs_hz"] = float(recording.fs_hz)
            grp.attrs["start"] = recording.start.isoformat() if recording.start else ""
            grp.attrs["metadata_json"] = json.dumps(recording.metadata, default=str)
            grp.create_dataset("data", data=recording.data, compression="gzip", compression_opts=4,
                               chunks=(min(recording.n_samples, 65536), recording.n_channels))
            for key, values in (("channel_names", [c.name for c in recording.channels]),
                                ("units", [c.unit for c in recording.channels]),
                                ("source_units", [c.source_unit for c in recording.channels]),
                                ("directions", [c.direction for c in recording.channels])):
                _write_texts(grp, key, values)
            pos = np.array([c.position_m if c.position_m is not None else (np.nan,) * 3 for c in recording.channels],
                           dtype=float)
            grp.create_dataset("positions_m", data=pos)
    return path


def _write_texts(grp, key: str, values) -> None:
    """One text per channel as fixed-length UTF-8 (the reader bounds their size from the type before reading;
    files written before kept variable-length strings and still read)."""
    import h5py

    encoded = [(v or "").encode("utf-8") for v in values]
    width = max([len(e) for e in encoded] + [1])
    text = h5py.string_dtype("utf-8", width)
    grp.create_dataset(key, data=np.array(encoded, dtype=text), dtype=text)
