"""NumPy ``.npy`` (one signal matrix) and ``.npz`` (named arrays) recordings.

A bare ``.npy`` states nothing but the numbers, so fs, channel names, units and start come from a JSON sidecar
beside it (``deck.json`` or ``deck.npy.json``: ``{"fs_hz": 100, "channels": [...], "unit": "g",
"start": "2026-03-01T03:00:00"}``) or from the ``fs=`` option (CLI ``--fs``). An ``.npz`` may carry them as arrays
of their own (``fs``, ``dt``, ``channels``, ``units``, ``start``); ``variable=`` picks the signal array.
A matrix stored as ``(n_channels, n_samples)`` (few rows, many columns) is transposed and the fact recorded in
``metadata["transposed"]``.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import check_size, choose_fs, make_recording
from shm_app.io._containers import (NAME_NAMES, SIGNAL_NAMES, START_NAMES, UNIT_NAMES, as_datetime, as_text,
                                    as_text_list, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "npy"


def sidecar_path(path: Path) -> Optional[Path]:
    """The JSON sidecar of ``path`` if there is one (``deck.json`` or ``deck.npy.json``)."""
    for cand in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if cand.is_file():
            return cand
    return None


def _read_sidecar(path: Path) -> dict:
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        doc = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(path, f"its sidecar {side.name} is not valid JSON ({exc}); fix or remove it") from None
    if not isinstance(doc, dict):
        raise ReadError(path, f"its sidecar {side.name} must hold a JSON object with fs_hz, channels, unit, start")
    return doc


def _load_npy(path: Path) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape = header(fh)[0]
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise ReadError(path, f"not a valid .npy file: its header is damaged ({str(exc)[:80]})") from None
    check_size(path, shape)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        text = str(exc)
        if "mmap length" in text or "cannot reshape" in text or "EOF" in text:
            raise ReadError(path, "the .npy file is truncated (fewer bytes than its header promises); copy it "
                                  "again") from None
        if "pickle" in text.lower():
            raise ReadError(path, "the .npy file holds Python objects, not a numeric signal matrix") from None
        raise ReadError(path, f"not a valid .npy file ({text})") from None
    except EOFError:
        raise ReadError(path, "the .npy file is truncated; copy it again") from None
    check_size(path, arr.shape)
    return arr


def _pick_npz_signal(path: Path, arrays: dict, variable: Optional[str]) -> str:
    if variable is not None:
        if variable not in arrays:
            raise ReadError(path, f"no array named {variable!r}; the file holds: {', '.join(arrays)}")
        return variable
    key, _ = lookup(arrays, SIGNAL_NAMES)
    if key is not None and arrays[key].dtype.kind in "fiu" and arrays[key].size > 1:
        return key
    numeric = [k for k, a in arrays.items() if a.dtype.kind in "fiu" and a.size > 1]
    if not numeric:
        raise ReadError(path, f"no numeric signal array in the file (arrays: {', '.join(arrays) or 'none'})")
    return max(numeric, key=lambda k: arrays[k].size)


def read(path: Path, *, fs: Optional[float] = None, variable: Optional[str] = None, **options) -> Recording:
    """Read ``.npy``/``.npz``. Options: ``fs`` (Hz), ``variable`` (npz array), ``channels``, ``max_gap_s``."""
    path = Path(path)
    meta_source: dict = dict(_read_sidecar(path))
    metadata: dict = {}
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ReadError(path, f"the .npz archive is damaged or truncated ({exc}); copy it again") from None
        except ValueError as exc:
            raise ReadError(path, f"the .npz archive holds objects that are not plain arrays ({exc})") from None
        key = _pick_npz_signal(path, arrays, variable)
        data = arrays.pop(key)
        metadata["variable"] = key
        meta_source = {**arrays, **meta_source}
    else:
        data = _load_npy(path)
    if data.dtype.kind not in "fiub":
        raise ReadError(path, f"the array holds {data.dtype} values, not numbers")
    _, names = lookup(meta_source, NAME_NAMES)
    names = as_text_list(names)
    data, transposed = orient(path, np.asarray(data), len(names) if names else None)
    if transposed:
        metadata["transposed"] = True
    n_channels = data.shape[1]
    if names is not None and len(names) != n_channels and variable is not None:
        names = None  # the names describe another array than the one the user picked
    if names is not None and len(names) != n_channels:
        raise ReadError(path, f"{len(names)} channel names for {n_channels} data columns; fix the channel list")
    fs_file, fs_key = fs_from_mapping(meta_source)
    fs_hz = choose_fs(path, fs, fs_file, f"{fs_key!r}" if fs_key else "the file",
                      f"the file states no sampling rate; give it with --fs HZ or in a sidecar "
                      f"{path.with_suffix('.json').name} holding {{\"fs_hz\": ...}}")
    _, unit_value = lookup(meta_source, UNIT_NAMES)
    units = as_text_list(unit_value) if unit_value is not None else None
    if units is not None and len(units) == 1:
        units = units * n_channels
    if units is not None and len(units) != n_channels:
        raise ReadError(path, f"{len(units)} units for {n_channels} channels; give one unit or one per channel")
    _, start_value = lookup(meta_source, START_NAMES)
    start = as_datetime(start_value)
    if start_value is not None and start is None:
        raise ReadError(path, f"start {as_text(start_value) or start_value!r} is not a date-time (use ISO 8601)")
    return make_recording(path, data, fs_hz=fs_hz, names=names or [f"ch{i + 1}" for i in range(n_channels)],
                          source_units=units, start=start, fmt=FORMAT, metadata=metadata, **options)
