"""Finding the signal and its metadata inside containers (npz, MATLAB, HDF5 attributes, JSON sidecars): the names
under which tools commonly keep fs, channel names, units and start, and the conversions of their odd value types.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import ChoiceRequired, parse_datetime, parse_number, snap_fs, to_naive_utc

# names under which containers (npz, MATLAB, HDF5 attributes, sidecars) commonly keep things, lower case
SIGNAL_NAMES = ("data", "signals", "signal", "acc", "acceleration", "accel", "accelerations", "values", "y",
                "recording", "measurement", "measurements", "timeseries", "time_series", "x", "a", "dati")
FS_NAMES = ("fs", "fs_hz", "sampling_rate", "sample_rate", "samplerate", "sampling_frequency", "sample_frequency",
            "samplingrate", "srate", "sf", "rate", "freq", "frequency")
DT_NAMES = ("dt", "delta_t", "sample_interval", "sampling_interval", "sampleinterval", "wf_increment", "increment",
            "delta", "ts", "timestep", "time_step")
NAME_NAMES = ("channels", "channel_names", "channelnames", "names", "labels", "chan_names", "sensor_names",
              "sensors", "channel")
UNIT_NAMES = ("units", "unit", "unit_string", "channel_units", "einheit")
START_NAMES = ("start", "start_time", "starttime", "t0", "time_start", "wf_start_time", "datetime", "trigger_time",
               "start_utc")
TIME_NAMES = ("time", "t", "time_s", "times", "timestamps", "tt")


def lookup(mapping, names: Sequence[str]):
    """``(key, value)`` of the first of ``names`` present in ``mapping`` (case-insensitive), else ``(None, None)``."""
    lowered = {str(k).lower(): k for k in mapping.keys()}
    for n in names:
        if n in lowered:
            key = lowered[n]
            return key, mapping[key]
    return None, None


def as_text(value, _depth: int = 0) -> Optional[str]:
    """A string from str, bytes, 0-d/1-element arrays or MATLAB char arrays; None if it is none of those (a dict, a
    struct, a cell of structs: metadata the app does not understand is left aside, never unwrapped forever)."""
    if value is None or _depth > 4:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00").strip()
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return None  # dicts, MATLAB structs and objects, HDF5 references
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged lists
        return None
    if arr.dtype.kind in "SU" and arr.size == 1:
        return as_text(arr.reshape(-1)[0].item(), _depth + 1)
    if arr.dtype.kind == "O" and arr.size == 1:
        return as_text(arr.reshape(-1)[0], _depth + 1)
    if arr.dtype == np.uint16 and arr.ndim <= 2 and 0 < arr.size < 4096:  # MATLAB v7.3 char array
        return "".join(chr(int(c)) for c in arr.reshape(-1, order="F")).strip("\x00").strip()
    return None


def as_text_list(value) -> Optional[list[str]]:
    """A list of names from a string (comma/semicolon separated), an array of strings or a cell array."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        text = as_text(value) or ""
        return [t.strip() for t in re.split(r"[,;\t]", text)] if text else None
    if not isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return None  # a dict or a struct is not a list of names
    try:
        arr = np.asarray(value, dtype=object if isinstance(value, (list, tuple)) else None)
    except (ValueError, TypeError):
        return None
    if arr.size > 100_000:
        return None  # not a list of channel names
    if arr.dtype.kind in "SU":
        return [as_text(v) or "" for v in arr.reshape(-1)]
    if arr.dtype.kind == "O":
        return [as_text(v) or "" for v in arr.reshape(-1)]
    text = as_text(value)
    return as_text_list(text) if text else None


def as_float(value) -> Optional[float]:
    """A scalar number from a number, a 1-element array or a string like ``'100 Hz'``; None otherwise."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, (str, bytes)):
        return parse_number(as_text(value) or "")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        text = as_text(value)
        return parse_number(text) if text else None
    if arr.size != 1:
        return None
    x = float(arr.reshape(-1)[0])
    return x if np.isfinite(x) else None


def as_datetime(value) -> Optional[datetime]:
    """A start time from an ISO string, a numpy datetime64, a datetime or Unix epoch seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_naive_utc(value)
    if isinstance(value, np.datetime64) or (isinstance(value, np.ndarray) and value.dtype.kind == "M"):
        v = np.asarray(value).reshape(-1)[0].astype("datetime64[us]").item()
        return v if isinstance(v, datetime) else None
    text = as_text(value)
    if text is not None:
        return parse_datetime(text)
    x = as_float(value)
    if x is not None and 1e8 < x < 1e11:
        return datetime(1970, 1, 1) + (np.datetime64(int(round(x * 1e6)), "us") - np.datetime64(0, "us")).item()
    return None


def _stated_number(path: Path, key, value, what: str) -> Optional[float]:
    """The number a scalar entry states; None when the entry is not a scalar (an array of something else);
    a scalar that is not a finite number is refused: a rate the file states wrongly is never replaced by --fs."""
    if isinstance(value, (dict, list, tuple)) or (isinstance(value, np.ndarray) and value.size != 1):
        return None
    if isinstance(value, np.ndarray) and value.dtype.kind not in "fiuSUO":
        return None
    x = as_float(value)
    if x is None:
        try:
            x = float(np.asarray(value, dtype=float).reshape(-1)[0])
        except (TypeError, ValueError):
            x = None
    if x is None or not np.isfinite(x) or x <= 0:
        shown = as_text(value)
        shown = repr(shown) if shown is not None else str(np.asarray(value).reshape(-1)[0])
        raise ReadError(path, f"the file states its {what} as {key!r} = {shown[:60]}, which is not a positive "
                              f"number; correct it in the file")
    return x


def fs_from_mapping(mapping, path: Path) -> tuple[Optional[float], Optional[str]]:
    """fs (Hz) from fs-like or dt-like entries of a mapping; returns ``(fs, key it came from)``.

    An entry that is there but is no positive number (NaN, ``"fast"``, a dt of 0 or below) is refused."""
    key, value = lookup(mapping, FS_NAMES)
    if key is not None:
        fs = _stated_number(path, key, value, "sampling rate")
        if fs is not None:
            return fs, str(key)
    key, value = lookup(mapping, DT_NAMES)
    if key is not None:
        dt = _stated_number(path, key, value, "sampling interval")
        if dt is not None:
            return snap_fs(1.0 / dt), str(key)
    return None, None


def orient(path: Path, data: np.ndarray, n_names: Optional[int] = None) -> tuple[np.ndarray, bool]:
    """Samples along axis 0: transpose a ``(n_channels, n_samples)`` matrix (few rows, many columns)."""
    if data.ndim == 1:
        return data[:, None], False
    if data.ndim != 2:
        squeezed = np.squeeze(data)
        if squeezed.ndim > 2:
            raise ReadError(path, f"the signal array has shape {data.shape}; expected (samples, channels)")
        return orient(path, squeezed, n_names)
    rows, cols = data.shape
    if n_names is not None and rows == n_names and cols != n_names:
        return data.T, True
    if n_names is None and rows < cols and rows <= 256:
        return data.T, True
    return data, False


def choose_signal(path: Path, shapes: dict, wanted: Optional[str], option: str) -> str:
    """The name of the signal matrix among named numeric arrays ``{name: shape}``.

    ``wanted`` (the user's ``variable=``/``dataset=``) wins; otherwise a common signal name (data, acc, ...),
    otherwise the one clearly largest array. Ties are refused with the list to choose from.
    """
    if wanted is not None:
        if wanted not in shapes:
            raise ChoiceRequired(path, f"no numeric array named {wanted!r}; choose --{option} from: {describe(shapes)}",
                                 option, list(shapes))
        return wanted
    if not shapes:
        raise ReadError(path, "no numeric signal array found in the file")
    by_leaf = {}
    for name in shapes:
        by_leaf.setdefault(name.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower(), []).append(name)
    for sig in SIGNAL_NAMES:
        names = [n for n in by_leaf.get(sig, []) if int(np.prod(shapes[n])) > 1]
        if len(names) == 1:
            return names[0]
    sizes = sorted(((int(np.prod(s)), n) for n, s in shapes.items()), reverse=True)
    if len(sizes) > 1 and sizes[0][0] == sizes[1][0] and len(shapes[sizes[0][1]]) == 2:
        raise ChoiceRequired(path, f"several arrays could be the signal matrix ({describe(shapes)}); choose one "
                                   f"with --{option} NAME", option, list(shapes))
    return sizes[0][1]


def describe(shapes: dict) -> str:
    return ", ".join(f"{n} {tuple(int(x) for x in s)}" for n, s in list(shapes.items())[:12]) + \
        (" ..." if len(shapes) > 12 else "")
