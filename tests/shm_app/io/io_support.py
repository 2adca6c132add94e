"""Shared helpers for the reader tests (a plain module: the test folders are not packages)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
PALISADEN = SHARED_DATA / "palisaden" / "Palisaden_dataset.npy"
PAINTER = SHARED_DATA / "csmip_painter_st_CE89324"


def shared(path: Path) -> Path:
    """A file under ../shared/data, or skip the test saying what is missing."""
    if not path.exists():
        pytest.skip(f"real data not available: {path} (../shared/data is not checked out here)")
    return path


def simulated(n_samples: int = 2000, n_channels: int = 3, fs_hz: float = 100.0, seed: int = 0) -> np.ndarray:
    """A small ambient-like recording in m/s²: two damped resonances plus noise, (n_samples, n_channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / fs_hz
    shapes = rng.uniform(0.3, 1.0, size=(2, n_channels))
    modal = np.column_stack([np.sin(2 * np.pi * 2.2 * t), np.sin(2 * np.pi * 7.9 * t + 0.3)])
    return 0.01 * modal @ shapes + 0.001 * rng.standard_normal((n_samples, n_channels))


# --------------------------------------------------------------------------- files written by each format's library
START = "2026-03-01T03:00:00"
NAMES = ["A01_z", "A02_y", "A03_x", "B01_z", "B02_y", "B03_x"]


def write_mat_v5(path: Path, data: np.ndarray, fs_hz: float, unit: str = "g") -> Path:
    import scipy.io

    scipy.io.savemat(path, {"acc": data, "fs": fs_hz, "channels": np.array(NAMES[:data.shape[1]], dtype=object),
                            "unit": unit, "start": START})
    return path


def write_mat_v73(path: Path, data: np.ndarray, fs_hz: float, unit: str = "mg") -> Path:
    """MATLAB -v7.3 layout: 512-byte MATLAB header as HDF5 user block, column-major arrays, chars as uint16."""
    import h5py

    def char(text: str) -> np.ndarray:
        return np.array([[ord(c)] for c in text], dtype=np.uint16)

    with h5py.File(path, "w", userblock_size=512) as h5:
        for name, value, cls in (("acc", data.T, "double"), ("fs", np.array([[fs_hz]]), "double"),
                                 ("unit", char(unit), "char"), ("start", char(START), "char")):
            ds = h5.create_dataset(name, data=value)
            ds.attrs["MATLAB_class"] = np.bytes_(cls)
        refs = []  # a cellstr: object references to char arrays kept in #refs#
        for j, label in enumerate(NAMES[:data.shape[1]]):
            ds = h5.create_dataset(f"#refs#/c{j}", data=char(label))
            ds.attrs["MATLAB_class"] = np.bytes_("char")
            refs.append(ds.ref)
        cell = h5.create_dataset("channels", data=np.array(refs, dtype=h5py.ref_dtype).reshape(-1, 1))
        cell.attrs["MATLAB_class"] = np.bytes_("cell")
    with open(path, "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Sun Mar  1 03:00:00 2026 HDF5 schema 1.00 ."
                 .ljust(116) + b"\x00" * 8 + b"\x00\x02IM")
    return path


def write_hdf5_generic(path: Path, data: np.ndarray, fs_hz: float, unit: str = "m/s^2") -> Path:
    import h5py

    with h5py.File(path, "w") as h5:
        ds = h5.create_dataset("measurement/acc", data=data)
        ds.attrs["sampling_rate"] = fs_hz
        ds.attrs["channel_names"] = ",".join(NAMES[:data.shape[1]])
        ds.attrs["unit"] = unit
        h5["measurement"].attrs["start_time"] = START + "Z"
    return path


def write_tdms(path: Path, data: np.ndarray, fs_hz: float, unit: str = "g") -> Path:
    from nptdms import ChannelObject, GroupObject, RootObject, TdmsWriter

    with TdmsWriter(str(path)) as writer:
        channels = [ChannelObject("Accelerations", NAMES[j], data[:, j],
                                  properties={"wf_increment": 1.0 / fs_hz, "wf_start_time": np.datetime64(START),
                                              "unit_string": unit}) for j in range(data.shape[1])]
        writer.write_segment([RootObject(), GroupObject("Accelerations")] + channels)
    return path


def write_uff58(path: Path, data: np.ndarray, fs_hz: float, unit: str = "m/s^2") -> Path:
    import pyuff

    uff = pyuff.UFF(str(path))
    n = data.shape[0]
    for j in range(data.shape[1]):
        dset = pyuff.prepare_58(
            binary=0, id1="Time response", id2="", id3="", id4=START, id5="", func_type=1, ver_num=0, load_case_id=0,
            rsp_ent_name="pt", rsp_node=101 + j, rsp_dir=(3, 2, 1, -3, -2, -1)[j], ref_ent_name="pt", ref_node=0, ref_dir=0,
            ord_data_type=4, num_pts=n, abscissa_spacing=1, abscissa_min=0.0, abscissa_inc=1.0 / fs_hz,
            z_axis_value=0.0, abscissa_spec_data_type=17, abscissa_len_unit_exp=0, abscissa_force_unit_exp=0,
            abscissa_temp_unit_exp=0, abscissa_axis_units_lab="s", ordinate_spec_data_type=12,
            ordinate_len_unit_exp=1, ordinate_force_unit_exp=0, ordinate_temp_unit_exp=0,
            ordinate_axis_units_lab=unit, orddenom_spec_data_type=0, orddenom_len_unit_exp=0,
            orddenom_force_unit_exp=0, orddenom_temp_unit_exp=0, orddenom_axis_units_lab="", z_axis_spec_data_type=0,
            z_axis_len_unit_exp=0, z_axis_force_unit_exp=0, z_axis_temp_unit_exp=0, z_axis_axis_units_lab="",
            data=data[:, j], x=np.arange(n) / fs_hz, return_full_dict=True)
        uff.write_sets(dset, mode="add" if j else "overwrite")
    return path


def write_mseed(path: Path, data: np.ndarray, fs_hz: float) -> Path:
    from obspy import Stream, Trace, UTCDateTime

    traces = [Trace(data=np.ascontiguousarray(data[:, j]), header={
        "network": "XB", "station": f"BR{j // 3:02d}", "location": "00", "channel": f"HN{'ZNE'[j % 3]}",
        "sampling_rate": fs_hz,
        "starttime": UTCDateTime(START)}) for j in range(data.shape[1])]
    Stream(traces).write(str(path), format="MSEED")
    return path


def write_npz(path: Path, data: np.ndarray, fs_hz: float, unit: str = "g") -> Path:
    np.savez(path, data=data, fs=np.array(fs_hz), channels=np.array(NAMES[:data.shape[1]]), unit=np.array(unit),
             start=np.array(START))
    return path
