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
import zlib
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import WORK_FACTOR, check_memory, log_reason, check_size, choose_fs, make_recording, size_text
from shm_app.io._containers import (NAME_NAMES, SIGNAL_NAMES, START_NAMES, UNIT_NAMES, as_datetime, as_text,
                                    as_text_list, fs_from_mapping, lookup, orient)
from shm_app.recording import Recording

FORMAT = "npy"
MAX_SIDECAR_BYTES = 1 << 20
MAX_MEMBERS = 10_000
SMALL_MEMBER_VALUES = 100_000  # metadata arrays (fs, channels, units, start) are loaded only up to this size


def sidecar_path(path: Path) -> Optional[Path]:
    """The JSON sidecar of ``path`` if there is one (``deck.json`` or ``deck.npy.json``)."""
    for cand in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if cand.is_file():
            return cand
    return None


MAX_SIDECAR_NESTING = 32


def _nesting(text: bytes) -> int:
    """The deepest bracket nesting of a JSON text, brackets inside strings included (an upper bound)."""
    u = np.frombuffer(text, dtype=np.uint8)
    steps = np.zeros(u.size, dtype=np.int64)
    steps[(u == ord("[")) | (u == ord("{"))] = 1
    steps[(u == ord("]")) | (u == ord("}"))] = -1
    return int(np.cumsum(steps).max()) if u.size else 0


def _read_sidecar(path: Path) -> dict:
    side = sidecar_path(path)
    if side is None:
        return {}
    if side.stat().st_size > MAX_SIDECAR_BYTES:
        raise ReadError(path, f"its sidecar {side.name} is {side.stat().st_size:,} bytes, too large for a description "
                              f"of fs, channels, unit and start; fix or remove it")
    text = side.read_bytes()
    if _nesting(text) > MAX_SIDECAR_NESTING:  # json would recurse once per level: refuse before parsing
        raise ReadError(path, f"its sidecar {side.name} nests its JSON more than {MAX_SIDECAR_NESTING} levels deep; "
                              f"a description of fs, channels, unit and start is flat: fix or remove it")
    try:
        doc = json.loads(text.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log_reason(side, exc)
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ReadError(path, f"its sidecar {side.name} is not valid JSON{where}; fix or remove it") from None
    if not isinstance(doc, dict):
        raise ReadError(path, f"its sidecar {side.name} must hold a JSON object with fs_hz, channels, unit, start")
    return doc


def _load_npy(path: Path) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = header(fh)
    except (ValueError, EOFError, SyntaxError, TypeError) as exc:
        log_reason(path, exc)
        raise ReadError(path, "not a valid .npy file: its header (shape, type) is damaged") from None
    if dtype.hasobject:
        raise ReadError(path, "the .npy file holds Python objects, not a numeric signal matrix; the app never loads "
                              "pickled objects")
    check_size(path, shape, itemsize=dtype.itemsize)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        text = str(exc)
        if "mmap length" in text or "cannot reshape" in text or "EOF" in text:
            raise ReadError(path, "the .npy file is truncated (fewer bytes than its header promises); copy it "
                                  "again") from None
        if "pickle" in text.lower():
            raise ReadError(path, "the .npy file holds Python objects, not a numeric signal matrix") from None
        log_reason(path, exc)
        raise ReadError(path, "not a valid .npy file: its header does not describe the data that follow") from None
    except EOFError:
        raise ReadError(path, "the .npy file is truncated; copy it again") from None
    check_size(path, arr.shape)
    return arr


class _Header:
    """What an .npz member's own header declares, read before anything is loaded."""

    def __init__(self, shape: tuple, dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype
        self.size = int(np.prod(shape, dtype=np.float64)) if shape else 1


def _npz_headers(path: Path, zf: zipfile.ZipFile) -> dict[str, _Header]:
    """``{array name: header}`` of every ``.npy`` member, from the headers alone; a member whose header promises more
    bytes than the member holds, or that would not fit in memory, is refused before it is decompressed."""
    infos = [i for i in zf.infolist() if i.filename.endswith(".npy")]
    if len(infos) > MAX_MEMBERS:
        raise ReadError(path, f"the .npz archive holds {len(infos):,} arrays; a recording has a few (at most "
                              f"{MAX_MEMBERS:,} are read)")
    headers: dict[str, _Header] = {}
    for info in infos:
        name = info.filename[:-4]
        try:
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                shape, _, dtype = read(fh)
        except (ValueError, EOFError, SyntaxError, TypeError, OSError, zipfile.BadZipFile, zlib.error) as exc:
            log_reason(path, exc)
            raise ReadError(path, f"array {name!r} in the .npz archive has a damaged header (shape, type)") from None
        header = _Header(tuple(int(s) for s in shape), dtype)
        if any(s < 0 for s in header.shape):
            raise ReadError(path, f"array {name!r} declares a negative shape {header.shape}; the file is damaged")
        if dtype.hasobject:
            header.dtype = np.dtype(object)
        elif header.size * dtype.itemsize > info.file_size:
            raise ReadError(path, f"array {name!r} declares shape {header.shape} ({size_text(header.size * dtype.itemsize)})"
                                  f" but its member holds {size_text(info.file_size)}; the file is damaged or truncated")
        headers[name] = header
    total = sum(h.size * h.dtype.itemsize for h in headers.values() if h.dtype.kind in "fiub")
    check_memory(path, total + max([8 * h.size for h in headers.values()] + [0]) * (WORK_FACTOR - 1),
                 f"the .npz archive ({size_text(total)} of arrays)")
    return headers


def _load_npz(path: Path, variable: Optional[str]) -> tuple[np.ndarray, str, dict]:
    """The signal array, its name and the small arrays that may describe it (never pickled objects)."""
    try:
        with zipfile.ZipFile(path) as zf:
            headers = _npz_headers(path, zf)
        key = _pick_npz_signal(path, headers, variable)
        wanted = [k for k, h in headers.items() if k != key and h.size <= SMALL_MEMBER_VALUES
                  and h.dtype.kind != "O"]
        with np.load(path, allow_pickle=False) as npz:
            if headers[key].dtype.kind == "O":
                raise ReadError(path, f"array {key!r} holds Python objects, not a numeric signal matrix; the app "
                                      f"never loads pickled objects")
            data = npz[key]
            small = {k: npz[k] for k in wanted}
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        log_reason(path, exc)
        raise ReadError(path, "the .npz archive is damaged or truncated (its zip structure or compressed data are "
                              "corrupt); copy it again") from None
    except ValueError as exc:
        log_reason(path, exc)
        raise ReadError(path, "the .npz archive holds an array whose data do not match its header; the file is "
                              "damaged") from None
    return data, key, small


def _pick_npz_signal(path: Path, arrays: dict, variable: Optional[str]) -> str:
    if variable is not None:
        if variable not in arrays:
            raise ReadError(path, f"no array named {variable!r}; the file holds: {', '.join(list(arrays)[:20])}")
        return variable
    key, _ = lookup(arrays, SIGNAL_NAMES)
    if key is not None and arrays[key].dtype.kind in "fiu" and arrays[key].size > 1:
        return key
    numeric = [k for k, a in arrays.items() if a.dtype.kind in "fiu" and a.size > 1]
    if not numeric:
        raise ReadError(path, f"no numeric signal array in the file (arrays: {', '.join(list(arrays)[:20]) or 'none'})")
    return max(numeric, key=lambda k: arrays[k].size)


def read(path: Path, *, fs: Optional[float] = None, variable: Optional[str] = None, **options) -> Recording:
    """Read ``.npy``/``.npz``. Options: ``fs`` (Hz), ``variable`` (npz array), ``channels``, ``max_gap_s``."""
    path = Path(path)
    meta_source: dict = dict(_read_sidecar(path))
    metadata: dict = {}
    if path.suffix.lower() == ".npz":
        data, key, arrays = _load_npz(path, variable)
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
    fs_file, fs_key = fs_from_mapping(meta_source, path)
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
