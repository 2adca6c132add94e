"""MATLAB ``.mat`` recordings: v4/v5/v7 through scipy.io, v7.3 (HDF5 inside) through h5py.

The signal matrix is the variable named ``variable=``, else one with a common name (data, acc, signals, y, ...),
else the clearly largest numeric one; struct fields count as ``rec.data``. fs comes from a variable or field named
fs/Fs/sampling_rate (or dt), channel names from ``channels``/``names`` (cell array or string), units from
``unit``/``units``, start from ``start`` (ISO text, or a MATLAB datenum). A matrix stored as
``(n_channels, n_samples)`` is transposed (``metadata["transposed"]``).
"""
from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import (WORK_FACTOR, log_reason, check_memory, check_size, choose_fs, fs_from_times, make_recording,
                                memory_budget, size_text)
from shm_app.io._containers import (NAME_NAMES, START_NAMES, TIME_NAMES, UNIT_NAMES, as_datetime, as_float,
                                    as_text_list, choose_signal, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "mat"
MAX_TEXT_CHARS = 65536  # a char variable longer than this is not metadata (names, unit, start)
MAX_CELL_TEXTS = 10_000
V73_OBJECTS = ("table", "timetable", "datetime", "duration", "string", "categorical", "containers.Map")
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


def _v5_unpacked_bytes(path: Path) -> int:
    """What the variables of a v5/v7 file take once decompressed, counted piece by piece (nothing kept) and refused
    as soon as it would not fit: a file of a few MB can hold a zlib stream that unpacks to gigabytes."""
    limit = memory_budget() // WORK_FACTOR
    size = path.stat().st_size
    total = 0
    with open(path, "rb") as fh:
        header = fh.read(128)
        if len(header) < 128:
            raise ReadError(path, "the MAT file is shorter than its 128-byte header; it is truncated")
        endian = "<" if header[126:128] == b"IM" else ">"
        pos = 128
        while pos + 8 <= size:
            fh.seek(pos)
            tag = fh.read(8)
            dtype, n = struct.unpack(endian + "II", tag)
            if dtype & 0xFFFF0000:  # small data element: no variable here
                break
            if dtype == 15:  # miCOMPRESSED
                d = zlib.decompressobj()
                left = min(n, size - pos - 8)
                while left > 0:
                    chunk = fh.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    left -= len(chunk)
                    data = chunk
                    try:
                        while data:
                            total += len(d.decompress(data, 1 << 24))
                            if total > limit:
                                raise ReadError(path, f"the MAT file's variables unpack to more than "
                                                      f"{size_text(limit)} (the file is {size_text(size)}), more than "
                                                      f"the memory available allows; save fewer or shorter variables")
                            data = d.unconsumed_tail
                    except zlib.error:
                        return total  # scipy says what is damaged
                    if d.eof:
                        break
            else:
                total += n
            pos += 8 + n + ((-n) % 8 if dtype != 15 else 0)
    return total


def _refuse_code(path: Path, variables: dict) -> None:
    """MATLAB function handles and objects (classdef, old-style classes, opaque types) are refused: the app reads
    numbers, text, cells and structs only, and never anything that stands for code."""
    from scipy.io.matlab import MatlabFunction, MatlabObject, MatlabOpaque

    def visit(name: str, value, depth: int) -> None:
        if depth > 8:
            return
        if isinstance(value, MatlabFunction):
            raise ReadError(path, f"variable {name!r} is a MATLAB function handle; the app reads numbers, text, cells "
                                  f"and structs only: save the recording without it")
        if isinstance(value, (MatlabObject, MatlabOpaque)):
            cls = getattr(value, "classname", None) or "an object"
            raise ReadError(path, f"variable {name!r} is a MATLAB object ({cls}); the app reads numbers, text, cells "
                                  f"and structs only: save the recording without it (e.g. convert it with double())")
        if hasattr(value, "_fieldnames"):
            for f in value._fieldnames:
                visit(f"{name}.{f}", getattr(value, f, None), depth + 1)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "O" and value.size <= 10_000:
            for v in value.reshape(-1):
                visit(name, v, depth + 1)
        elif isinstance(value, np.ndarray) and value.dtype.names and value.size <= 10_000:
            for f in value.dtype.names:
                visit(f"{name}.{f}", value[f], depth + 1)

    for name, value in variables.items():
        if not name.startswith("__"):
            visit(name, value, 0)


def _load_v5(path: Path) -> dict:
    import scipy.io

    unpacked = _v5_unpacked_bytes(path)
    check_memory(path, unpacked * WORK_FACTOR, f"the MAT file's variables ({size_text(unpacked)} unpacked)")
    try:
        listed = scipy.io.whosmat(path)
    except Exception:  # noqa: BLE001 - a damaged file: loadmat below says what
        listed = []
    for name, _, cls in listed:
        if cls in ("function", "object", "opaque"):
            what = "function handle" if cls == "function" else "object"
            raise ReadError(path, f"variable {name!r} is a MATLAB {what}; the app reads numbers, text, cells and "
                                  f"structs only: save the recording without it")
    try:
        variables = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False, chars_as_strings=True)
    except NotImplementedError:
        raise ReadError(path, "this MAT file version is not supported; save it with -v7 or -v7.3") from None
    except Exception as exc:  # noqa: BLE001 - scipy raises anything (even UnboundLocalError) on damaged files
        log_reason(path, exc)
        raise ReadError(path, "the MAT file is damaged or truncated: a variable's header or data do not follow the "
                              "MAT format; save or copy it again") from None
    _refuse_code(path, variables)
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
    fs_file, key = fs_from_mapping(meta_source, path)
    origin = f"variable {key!r}" if key else "the file"
    if fs_file is None:
        for tname, t in times.items():
            if t.size == data.shape[0]:
                fs_file, origin = fs_from_times(path, t, f"time vector {tname!r}"), f"time vector {tname!r}"
                break
    return _finish(path, data, names, meta_source, fs, fs_file, origin, metadata, options)


def _read_v73(path: Path, *, fs, variable, **options) -> Recording:
    """MATLAB v7.3: HDF5 with column-major arrays (shapes reversed) and chars as uint16."""
    from shm_app.io.hdf5_reader import check_dataset, open_h5

    with open_h5(path) as h5:
        import h5py

        found: dict = {}
        values: dict = {}

        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset) or name.startswith("#"):
                return
            key = name.replace("/", ".")
            cls = obj.attrs.get("MATLAB_class", b"")
            cls = cls.decode("utf-8", "replace") if isinstance(cls, bytes) else str(cls)
            if cls == "function_handle" or "MATLAB_object_decode" in obj.attrs or cls in V73_OBJECTS:
                raise ReadError(path, f"variable {key!r} is a MATLAB {'function handle' if cls == 'function_handle' else f'object ({cls})'}; "
                                      f"the app reads numbers, text, cells and structs only: save the recording "
                                      f"without it")
            if cls == "char":
                if obj.size <= MAX_TEXT_CHARS and obj.dtype.kind in "u" and obj.dtype.itemsize <= 2:
                    values[key] = "".join(chr(int(c)) for c in np.asarray(obj[()]).reshape(-1))
            elif cls == "cell" and obj.dtype.kind == "O":
                if obj.size > MAX_CELL_TEXTS:
                    return
                refs = np.asarray(obj[()]).reshape(-1)
                texts = []
                for r in refs:
                    target = h5[r] if r else None
                    if not isinstance(target, h5py.Dataset) or target.size > MAX_TEXT_CHARS \
                            or target.dtype.kind != "u" or target.dtype.itemsize > 2:
                        return  # a cell of something else than short texts: not metadata the app reads
                    texts.append("".join(chr(int(c)) for c in np.asarray(target[()]).reshape(-1)))
                values[key] = texts
            elif obj.dtype.kind in "fiu":
                if obj.size == 1:
                    values[key] = obj[()]
                elif obj.ndim in (1, 2):
                    found[key] = obj

        h5.visititems(visit)
        times = {k for k, d in found.items() if k.rsplit(".", 1)[-1].lower() in TIME_NAMES and 1 in d.shape}
        candidates = {k: tuple(reversed(d.shape)) for k, d in found.items() if k not in times}
        name = choose_signal(path, candidates, variable, "variable")
        check_dataset(found[name], path)
        try:
            data = np.asarray(found[name][()]).T  # back to MATLAB's (rows, columns)
        except Exception as exc:  # noqa: BLE001 - h5py/HDF5 errors on damaged chunks come in many types
            log_reason(path, exc)
            raise ReadError(path, f"variable {name!r} cannot be read: a block of its stored values is damaged or "
                                  f"missing; the file is damaged or "
                                  f"truncated") from None
        scope = name.rsplit(".", 1)[0] + "." if "." in name else ""
        local = {k[len(scope):]: v for k, v in values.items() if scope and k.startswith(scope)}
        meta_source = {**{k: v for k, v in values.items() if "." not in k}, **local}
        t = None
        for k in times:
            check_dataset(found[k], path)
            t = np.asarray(found[k][()]).reshape(-1)
            break
    names = as_text_list(lookup(meta_source, NAME_NAMES)[1])
    data, transposed = orient(path, data, len(names) if names else None)
    if names is not None and len(names) != data.shape[1]:
        raise ReadError(path, f"{len(names)} channel names for {data.shape[1]} columns of {name!r}")
    metadata: dict = {"variable": name, "mat_version": "7.3"}
    if transposed:
        metadata["transposed"] = True
    fs_file, key = fs_from_mapping(meta_source, path)
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
