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
            text = h5py.string_dtype()
            grp.create_dataset("channel_names", data=[c.name for c in recording.channels], dtype=text)
            grp.create_dataset("units", data=[c.unit or "" for c in recording.channels], dtype=text)
            grp.create_dataset("source_units", data=[c.source_unit or "" for c in recording.channels], dtype=text)
            grp.create_dataset("directions", data=[c.direction or "" for c in recording.channels], dtype=text)
            pos = np.array([c.position_m if c.position_m is not None else (np.nan,) * 3 for c in recording.channels],
                           dtype=float)
            grp.create_dataset("positions_m", data=pos)
    return path
