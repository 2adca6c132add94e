"""MATLAB ``.mat`` recordings: v4/v5/v7 through scipy.io, v7.3 (HDF5 inside) through h5py.

The signal matrix is the variable named ``variable=``, else one with a common name (data, acc, signals, y, ...),
else the clearly largest numeric one; struct fields count as ``rec.data``. fs comes from a variable or field named
fs/Fs/sampling_rate (or dt), channel names from ``channels``/``names`` (cell array or string), units from
``unit``/``units``, start from ``start`` (ISO text, or a MATLAB datenum). A matrix stored as
``(n_channels, n_samples)`` is transposed (``metadata["transposed"]``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import check_size, choose_fs, fs_from_times, make_recording
from shm_app.io._containers import (NAME_NAMES, START_NAMES, TIME_NAMES, UNIT_NAMES, as_datetime, as_float,
                                    as_text_list, choose_signal, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "mat"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _is_v73(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(520)
    return head[512:520] == HDF5_MAGIC or head[:8] == HDF5_MAGIC or b"MATLAB 7.3 MAT-file" in head[:128]


def _flatten_v5(variables: dict) -> dict:
    """Variables and one level of struct fields (``rec.data``), scipy's MATLAB objects as arrays/strings."""
    out: dict = {}
    for name, value in variables.items():
        if name.startswith("__"):
            continue
        if hasattr(value, "_fieldnames"):  # mat_struct
            for f in value._fieldnames:
                out[f"{name}.{f}"] = getattr(value, f)
        elif isinstance(value, np.ndarray) and value.dtype.names:  # struct array (struct_as_record)
            for f in value.dtype.names:
                out[f"{name}.{f}"] = value[f].reshape(-1)[0] if value.size == 1 else value[f]
        else:
            out[name] = value
    return out


def _load_v5(path: Path) -> dict:
    import scipy.io

    try:
        variables = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False, chars_as_strings=True)
    except NotImplementedError:
        raise ReadError(path, "this MAT file version is not supported; save it with -v7 or -v7.3") from None
    except Exception as exc:  # noqa: BLE001 - scipy raises anything (even UnboundLocalError) on damaged files
        raise ReadError(path, f"the MAT file is damaged or truncated ({str(exc)[:100] or type(exc).__name__}); "
                              f"save or copy it again") from None
    return _flatten_v5(variables)


def _datenum_to_datetime(x: float) -> Optional[datetime]:
    if 600000 < x < 800000:  # MATLAB datenum: days from year 0
        return datetime.fromordinal(int(x) - 366) + timedelta(days=x % 1)
    return None


def _start(value) -> Optional[datetime]:
    x = as_float(value) if not isinstance(value, str) else None
    if x is not None:
        return _datenum_to_datetime(x) or as_datetime(value)
    return as_datetime(value)


def read(path: Path, *, fs: Optional[float] = None, variable: Optional[str] = None, **options) -> Recording:
    """Read a MATLAB recording. Options: ``fs``, ``variable``, ``channels``, ``max_gap_s``."""
    path = Path(path)
    if _is_v73(path):
        return _read_v73(path, fs=fs, variable=variable, **options)
    variables = _load_v5(path)
    numeric = {k: np.asarray(v) for k, v in variables.items()
               if isinstance(v, np.ndarray) and v.dtype.kind in "fiu" and v.size > 1 and v.ndim in (1, 2)}
    times = {k: v for k, v in numeric.items() if k.rsplit(".", 1)[-1].lower() in TIME_NAMES and v.ndim == 1}
    candidates = {k: v.shape for k, v in numeric.items() if k not in times}
    if variable is not None and variable in variables and variable not in candidates:
        raise ReadError(path, f"variable {variable!r} is not a numeric matrix")
    name = choose_signal(path, candidates, variable, "variable")
    scope = name.rsplit(".", 1)[0] + "." if "." in name else ""
    # metadata next to the signal (same struct) first, then top level
    local = {k[len(scope):]: v for k, v in variables.items() if scope and k.startswith(scope)}
    meta_source = {**{k: v for k, v in variables.items() if "." not in k}, **local}
    data = numeric[name]
    check_size(path, data.shape)
    names = as_text_list(lookup(meta_source, NAME_NAMES)[1])
    data, transposed = orient(path, data, len(names) if names else None)
    if names is not None and len(names) != data.shape[1]:
        names = None if variable is not None else names
        if names is not None:
            raise ReadError(path, f"{len(names)} channel names for {data.shape[1]} columns of {name!r}")
    metadata: dict = {"variable": name}
    if transposed:
        metadata["transposed"] = True
    fs_file, key = fs_from_mapping(meta_source)
    origin = f"variable {key!r}" if key else "the file"
    if fs_file is None:
        for tname, t in times.items():
            if t.size == data.shape[0]:
                fs_file, origin = fs_from_times(path, t, f"time vector {tname!r}"), f"time vector {tname!r}"
                break
    return _finish(path, data, names, meta_source, fs, fs_file, origin, metadata, options)


def _read_v73(path: Path, *, fs, variable, **options) -> Recording:
    """MATLAB v7.3: HDF5 with column-major arrays (shapes reversed) and chars as uint16."""
    from shm_app.io.hdf5_reader import open_h5

    with open_h5(path) as h5:
        import h5py

        found: dict = {}
        values: dict = {}

        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset) or name.startswith("#"):
                return
            key = name.replace("/", ".")
            cls = obj.attrs.get("MATLAB_class", b"")
            cls = cls.decode() if isinstance(cls, bytes) else str(cls)
            if cls == "char":
                values[key] = "".join(chr(int(c)) for c in np.asarray(obj[()]).reshape(-1))
            elif cls == "cell" and obj.dtype.kind == "O":
                refs = np.asarray(obj[()]).reshape(-1)
                values[key] = ["".join(chr(int(c)) for c in np.asarray(h5[r][()]).reshape(-1)) for r in refs]
            elif obj.dtype.kind in "fiu":
                if obj.size == 1:
                    values[key] = obj[()]
                elif obj.ndim in (1, 2):
                    found[key] = obj

        h5.visititems(visit)
        times = {k for k, d in found.items() if k.rsplit(".", 1)[-1].lower() in TIME_NAMES and 1 in d.shape}
        candidates = {k: tuple(reversed(d.shape)) for k, d in found.items() if k not in times}
        name = choose_signal(path, candidates, variable, "variable")
        check_size(path, found[name].shape)
        data = np.asarray(found[name][()]).T  # back to MATLAB's (rows, columns)
        scope = name.rsplit(".", 1)[0] + "." if "." in name else ""
        local = {k[len(scope):]: v for k, v in values.items() if scope and k.startswith(scope)}
        meta_source = {**{k: v for k, v in values.items() if "." not in k}, **local}
        t = None
        for k in times:
            t = np.asarray(found[k][()]).reshape(-1)
            break
    names = as_text_list(lookup(meta_source, NAME_NAMES)[1])
    data, transposed = orient(path, data, len(names) if names else None)
    if names is not None and len(names) != data.shape[1]:
        raise ReadError(path, f"{len(names)} channel names for {data.shape[1]} columns of {name!r}")
    metadata: dict = {"variable": name, "mat_version": "7.3"}
    if transposed:
        metadata["transposed"] = True
    fs_file, key = fs_from_mapping(meta_source)
    origin = f"variable {key!r}" if key else "the file"
    if fs_file is None and t is not None and t.size == data.shape[0]:
        fs_file, origin = fs_from_times(path, t, "time vector"), "time vector"
    return _finish(path, data, names, meta_source, fs, fs_file, origin, metadata, options)


def _finish(path, data, names, meta_source, fs, fs_file, origin, metadata, options):
    """Shared end of the v5 and v7.3 readers: sampling rate, units and start from the file's variables."""
    fs_hz = choose_fs(path, fs, fs_file, origin, "the file states no sampling rate (no fs or dt variable, no time "
                                                 "vector); give it with --fs HZ")
    units = as_text_list(lookup(meta_source, UNIT_NAMES)[1])
    if units is not None and len(units) == 1:
        units = units * data.shape[1]
    if units is not None and len(units) != data.shape[1]:
        units = None
    start = _start(lookup(meta_source, START_NAMES)[1])
    return make_recording(path, data, fs_hz=fs_hz, names=names or [f"ch{i + 1}" for i in range(data.shape[1])],
                          source_units=units, start=start, fmt=FORMAT, metadata=metadata, **options)
