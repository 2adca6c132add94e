"""Helpers every reader shares: text loading, fs checks, start times, unit conversion, NaN-gap repair and the
final :class:`~shm_app.recording.Recording`. Readers only find the numbers; this module decides what they mean.
"""
from __future__ import annotations

import logging
import os
import re
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from shm_app.errors import ReadError
from shm_app.recording import Channel, Recording, start_from_filename
from shm_app.units import APP_UNIT, factor_to_si, normalise_unit

#: NaN/Inf runs up to this long (seconds) are bridged by linear interpolation; longer ones refuse the file.
MAX_GAP_S = 0.5
#: refuse arrays above this many values before allocating them (2**30 float64 = 8 GiB)
MAX_VALUES = 2**30

PathLike = Union[str, Path]
log = logging.getLogger(__name__)
#: how many times the bytes of the samples a reader needs at its peak (the file's values, float64, the app's copy)
WORK_FACTOR = 3
#: unit labels that say "no unit" (UFF58 writes NONE): the unit is unknown, m/s² is assumed and said so
UNSTATED_UNITS = {"", "none", "-", "--", "---", "n/a", "na", "unknown", "?", "no unit", "no units", "nounit"}
#: slowest and fastest sampling rates the app takes for vibration data, Hz
MIN_FS_HZ, MAX_FS_HZ = 0.01, 1e6


class OptionError(ValueError):
    """An option given to ``read()`` is impossible; the message names the parameter and the allowed values."""


class FsRequired(ReadError):
    """The file states no sampling rate: ask the user (CLI ``--fs``, GUI a dialog) and read again with ``fs=``."""


class ChoiceRequired(ReadError):
    """Several arrays could be the signal: ask the user to pick one of ``choices`` and read again with ``option=``."""

    def __init__(self, path: PathLike, reason: str, option: str, choices: Sequence[str]) -> None:
        super().__init__(path, reason)
        self.option = option
        self.choices = list(choices)


# ---------------------------------------------------------------------------------------------------- raw input
def _cgroup_room() -> Optional[int]:
    """Bytes left under a container's memory limit (cgroup v2 ``memory.max``), None without one."""
    try:
        with open("/sys/fs/cgroup/memory.max") as fh:
            text = fh.read().strip()
        if text == "max":
            return None
        with open("/sys/fs/cgroup/memory.current") as fh:
            current = int(fh.read().strip())
        return max(0, int(text) - current)
    except (OSError, ValueError):
        return None


def _address_space_room() -> Optional[int]:
    """Bytes left under the process's address-space limit (``ulimit -v``), None without one."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status") as fh:
            size = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        return max(0, soft - size)
    except (ImportError, OSError, ValueError, StopIteration):
        return None


def memory_budget() -> int:
    """Bytes a reader may use: the memory available now (``SHM_APP_MEMORY_BUDGET`` lowers it, e.g. for tests)."""
    available = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
        except (ValueError, OSError, AttributeError):
            available = 8 << 30
    for limit in (_cgroup_room(), _address_space_room()):
        if limit is not None:
            available = min(available, limit)
    override = os.environ.get("SHM_APP_MEMORY_BUDGET")
    if override:
        try:
            available = min(available, int(float(override)))
        except ValueError:
            pass
    return int(available)


def log_reason(path: Path, exc: BaseException) -> None:
    """Keep a library's own words for why it could not read ``path`` in the log (not in the user's one line)."""
    log.info("reading %s: %s: %s", path, type(exc).__name__, exc)


def os_reason(path: Path, exc: OSError) -> str:
    """Why ``exc`` stopped reading ``path``, in one line for the user: the operating system's words (permission
    denied...) for a system error; for a library's (HDF5's "Can't synchronously read data") the library's text goes
    to the log and the user is told the file is damaged."""
    if exc.errno is not None and exc.strerror:
        return f"could not be read ({exc.strerror})"
    log_reason(path, exc)
    return "the file is damaged or truncated: part of it cannot be read (details in the log); copy it again"


def size_text(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{int(n_bytes)} bytes"


def check_memory(path: Path, need_bytes: float, what: str) -> None:
    """Refuse, before allocating, what would not fit in the memory available (naming both sizes)."""
    budget = memory_budget()
    if need_bytes > budget:
        raise ReadError(path, f"{what} needs about {size_text(need_bytes)} of memory to load, more than the "
                              f"{size_text(budget)} available; select channels, split the file or free memory")


def gunzip(path: Path, raw: bytes) -> bytes:
    """The decompressed bytes of a gzip stream, refused as soon as they would not fit (a 5 MB file can unpack to
    gigabytes): the text is decompressed piece by piece against the memory budget."""
    limit = memory_budget() // WORK_FACTOR
    out: list[bytes] = []
    total = 0
    data = raw
    try:
        while data:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while True:
                piece = d.decompress(data, 1 << 24)
                total += len(piece)
                if total > limit:
                    raise ReadError(path, f"the gzip file unpacks to more than {size_text(limit)} (from "
                                          f"{size_text(len(raw))}), more than this computer can parse in the memory "
                                          f"available; unpack it and split it")
                out.append(piece)
                data = d.unconsumed_tail
                if d.eof or not data:
                    break
            if not d.eof:
                raise EOFError("the stream ends before its end marker")
            data = d.unused_data.lstrip(b"\x00")  # another gzip member may follow (concatenated files)
    except (zlib.error, EOFError) as exc:
        log_reason(path, exc)
        raise ReadError(path, "the gzip stream is damaged (it ends early or its compressed data are corrupt); the "
                              "file may be truncated, copy it again") from None
    return b"".join(out)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is a gzip stream (``deck.csv.gz``)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gunzip(path, raw)
    return raw


def looks_binary(raw: bytes) -> bool:
    """True when the bytes are not text (NUL bytes or many control characters in the first 64 KiB)."""
    head = raw[:65536]
    if not head:
        return False
    if b"\x00" in head:
        return True
    control = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    return control > 0.01 * len(head)


def decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_text(path: Path, what: str = "CSV/TXT text") -> str:
    """Decoded text of a (possibly gzipped) text file; refuses binary content with a text suffix."""
    raw = read_bytes(path)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with BOM ("Unicode text" exports from Excel)
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError(path, "the file says it is UTF-16 text but is damaged; export it again") from None
    if not raw[:65536].strip() and not raw.strip():
        raise ReadError(path, "the file is empty (no data)")
    if looks_binary(raw):
        raise ReadError(path, f"this is a binary file, not {what}; check the file type or its suffix")
    return decode_text(raw)


def check_size(path: Path, shape: Sequence[int], what: str = "the data", itemsize: int = 8) -> None:
    """Refuse absurd array sizes, and arrays that would not fit in memory, before allocating them."""
    n = 1
    for s in shape:
        if int(s) < 0:
            raise ReadError(path, f"{what} declares a negative size {tuple(int(s) for s in shape)}; the file is damaged")
        n *= int(s)
    if n > MAX_VALUES:
        raise ReadError(path, f"{what} has shape {tuple(int(s) for s in shape)} ({n:,} values), more than the "
                              f"{MAX_VALUES:,} the app loads at once; select channels or split the file")
    check_memory(path, n * (itemsize + 8 * (WORK_FACTOR - 1)),
                 f"{what} (shape {tuple(int(s) for s in shape)}, {size_text(n * itemsize)} in the file)")


# -------------------------------------------------------------------------------------------------------- fs
def parse_number(text: str) -> Optional[float]:
    """A number at the start of ``text`` (``'200 Hz'``, ``'0,005'``), or None."""
    m = re.match(r"\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)", str(text))
    if not m:
        return None
    return float(m.group(1).replace(",", "."))


def check_fs(path: Path, fs_hz, origin: str) -> float:
    try:
        value = float(fs_hz)
    except (TypeError, ValueError):
        raise ReadError(path, f"the sampling rate from {origin} ({fs_hz!r}) is not a number") from None
    if not np.isfinite(value) or value <= 0:
        raise ReadError(path, f"the sampling rate from {origin} ({fs_hz!r}) is not a positive number")
    if value > MAX_FS_HZ or value < MIN_FS_HZ:
        raise ReadError(path, f"the sampling rate from {origin} ({value:g} Hz) is absurd for vibration data (the app "
                              f"takes {MIN_FS_HZ:g} Hz to {MAX_FS_HZ:g} Hz); check the file")
    return value


def choose_fs(path: Path, option, from_file: Optional[float], origin: str = "the file",
              missing: str = "the file states no sampling rate and has no time column; give it with --fs HZ") -> float:
    """The file's own sampling rate, else the ``fs=`` option (CLI ``--fs``: "for files that do not state it"),
    else :class:`FsRequired` asking for it. A file's stated rate is never overridden by a batch-wide option."""
    if from_file is not None:
        return check_fs(path, from_file, origin)
    if option is not None:
        return check_fs(path, option, "--fs")
    raise FsRequired(path, missing)


def snap_fs(fs_hz: float) -> float:
    """Round an fs derived from rounded time stamps to the integer it obviously is (99.99998 → 100)."""
    r = round(fs_hz)
    if r > 0 and abs(fs_hz - r) <= 2e-4 * fs_hz:
        return float(r)
    return float(fs_hz)


#: sampling rates loggers use; an fs derived from rounded stamps snaps to the one its bounds admit
COMMON_RATES_HZ = (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 40, 50, 64, 80, 100, 120, 125, 128, 150, 160, 200, 250, 256, 300,
                   400, 500, 512, 600, 800, 1000, 1024, 1200, 1600, 2000, 2048, 2400, 2500, 3200, 4000, 4096, 5000,
                   8000, 8192, 10000, 16384, 20000, 25000, 25600, 32768, 40000, 48000, 50000, 51200, 65536, 100000)


def _median(x: np.ndarray) -> float:
    """``numpy.median`` of a 1-D array with no NaN, by partition: the same value, without the ~20 ms import of
    ``numpy.ma`` that ``numpy.median`` does on its first call (a command-line run pays it once)."""
    k = x.size // 2
    if x.size % 2:
        return float(np.partition(x, k)[k])
    part = np.partition(x, (k - 1, k))
    return float((part[k - 1] + part[k]) / 2)


def fs_from_times(path: Path, t: np.ndarray, label: str = "time column", resolution_s: float = 0.0,
                  first_row: int = 1) -> float:
    """fs from a time axis in seconds, checking it increases and is uniformly spaced.

    ``resolution_s`` is the quantum of the stamps (1 ms for stamps with milliseconds), tolerated as jitter.
    ``first_row`` is the file row of ``t[0]`` for messages.
    """
    t = np.asarray(t, dtype=float)
    if t.size < 2:
        raise ReadError(path, f"the {label} has fewer than two samples; cannot derive the sampling rate, give --fs HZ")
    if not np.all(np.isfinite(t)):
        k = int(np.flatnonzero(~np.isfinite(t))[0])
        raise ReadError(path, f"the {label} has an empty or non-numeric value at row {first_row + k}")
    dt = np.diff(t)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        k = int(bad[0])
        raise ReadError(path, f"the {label} goes backwards or repeats at row {first_row + k + 1} "
                              f"({t[k]:.6g} s then {t[k + 1]:.6g} s): non-monotonic time; sort or split the file")
    med = _median(dt)
    tol = max(0.02 * med, 1.01 * resolution_s)
    gap = np.flatnonzero(dt > max(med + tol, 1.5 * med))
    if gap.size:
        k = int(gap[0])
        raise ReadError(path, f"the {label} jumps by {dt[k]:.6g} s at row {first_row + k + 1} where samples are "
                              f"{med:.6g} s apart ({gap.size} gap(s) in all): split the file at the gaps")
    jitter = np.flatnonzero(np.abs(dt - med) > tol)
    if jitter.size:
        k = int(jitter[0])
        raise ReadError(path, f"the {label} is not uniformly spaced: step {dt[k]:.6g} s at row {first_row + k + 1} "
                              f"against {med:.6g} s elsewhere; resample the data or give --fs HZ")
    span = float(t[-1] - t[0])
    if resolution_s > 0:  # stamps rounded to ``resolution_s``: a common logger rate inside the bounds wins
        lo = (t.size - 1) / (span + resolution_s)
        hi = (t.size - 1) / max(span - resolution_s, 1e-300)
        inside = [r for r in COMMON_RATES_HZ if lo <= r <= hi]
        if inside:
            estimate = (t.size - 1) / span
            return float(min(inside, key=lambda r: abs(r - estimate)))
    return snap_fs((t.size - 1) / span)


# ----------------------------------------------------------------------------------------------------- start
def to_naive_utc(value: Optional[datetime]) -> Optional[datetime]:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def parse_datetime(text: str) -> Optional[datetime]:
    """An ISO-like (``2026-03-01T03:00:00.5``, ``2026/03/01 03:00``) or German (``01.03.2026 03:00:00``) date-time."""
    s = str(text).strip().strip('"').strip()
    if not s:
        return None
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)", s)
    if m:
        s = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}{m.group(4)}"
    s = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", lambda g: f"{g[1]}-{int(g[2]):02d}-{int(g[3]):02d}", s)
    s = re.sub(r"(\d\d:\d\d:\d\d),(\d+)", r"\1.\2", s)
    s = re.sub(r"\s*(?:UTC|GMT)$", "+00:00", s, flags=re.I)
    s = re.sub(r"Z$", "+00:00", s)
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)  # fromisoformat keeps microseconds at most
    try:
        return to_naive_utc(datetime.fromisoformat(s))
    except ValueError:
        return None


def choose_start(path: Path, from_file: Optional[datetime]) -> Optional[datetime]:
    """The file's own start time, else the stamp in the file name, else None."""
    if from_file is not None:
        return to_naive_utc(from_file)
    return start_from_filename(path)


# --------------------------------------------------------------------------------------------------- channels
def unique_names(names: Iterable[Optional[str]]) -> list[str]:
    """Channel names with blanks filled (``ch3``) and duplicates numbered (``A1``, ``A1_2``)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = str(name).strip() if name is not None and str(name).strip() else f"ch{i + 1}"
        cand, k = base, 2
        while cand in seen:
            cand, k = f"{base}_{k}", k + 1
        seen.add(cand)
        out.append(cand)
    return out


def _as_name_list(channels) -> Optional[list]:
    if channels is None:
        return None
    if isinstance(channels, str):
        return [c.strip() for c in channels.split(",") if c.strip()]
    return list(channels)


def select_columns(path: Path, names: Sequence[str], channels) -> list[int]:
    """Column indices for the ``channels=`` option (names, or integer positions), all columns when None."""
    wanted = _as_name_list(channels)
    if wanted is None:
        return list(range(len(names)))
    index = {n: i for i, n in enumerate(names)}
    lowered = {n.lower(): i for i, n in enumerate(names)}
    cols = []
    for w in wanted:
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            if not 0 <= int(w) < len(names):
                raise ReadError(path, f"channel index {w} is out of range; the file has {len(names)} channels")
            cols.append(int(w))
        elif str(w) in index:
            cols.append(index[str(w)])
        elif str(w).lower() in lowered:
            cols.append(lowered[str(w).lower()])
        else:
            raise ReadError(path, f"no channel named {w!r}; available: {', '.join(names)}")
    if not cols:
        raise ReadError(path, "the channel selection is empty")
    return cols


def nonfinite_columns(data: np.ndarray, block_rows: int = 1 << 16) -> np.ndarray:
    """Indices of the columns of ``data`` (n_samples, n_channels) holding NaN or Inf, scanned a block of rows at a
    time: a whole-record mask would cost one byte per value (0.55 GB for a day of 32 channels at 200 Hz)."""
    bad = np.zeros(data.shape[1], dtype=bool)
    for start in range(0, data.shape[0], block_rows):
        bad |= ~np.isfinite(data[start:start + block_rows]).all(axis=0)
    return np.flatnonzero(bad)


def repair_gaps(data: np.ndarray, fs_hz: float, names: Sequence[str], max_gap_s: float = MAX_GAP_S
                ) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Bridge short NaN/Inf runs by linear interpolation; refuse long ones.

    Parameters
    ----------
    data : (n_samples, n_channels) float array (not modified)
    fs_hz : sampling rate, Hz
    names : channel names, for the report
    max_gap_s : longest run bridged, s (runs at either end are filled with the nearest good value)

    Returns
    -------
    repaired : (n_samples, n_channels) array with every value finite
    gaps : list of ``(channel, start_s, length_s)`` that were bridged

    Raises
    ------
    ValueError
        A one-line message naming the channel and the time span when a run is longer than ``max_gap_s`` or a
        channel holds no finite value at all.
    """
    columns = nonfinite_columns(data)
    if not columns.size:
        return data, []
    out = np.array(data, dtype=float, copy=True)
    gaps: list[tuple[str, float, float]] = []
    n = data.shape[0]
    for j in columns:
        col_bad = ~np.isfinite(data[:, j])
        if col_bad.all():
            raise ValueError(f"channel {names[j]!r} holds no valid number (all NaN/Inf); leave it out with the "
                             f"channel selection")
        edges = np.diff(np.concatenate(([0], col_bad.view(np.int8), [0])))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        lengths = stops - starts
        too_long = np.flatnonzero(lengths / fs_hz > max_gap_s)
        if too_long.size:
            k = int(too_long[0])
            raise ValueError(
                f"channel {names[j]!r} has {lengths[k]} missing (NaN/Inf) samples from {starts[k] / fs_hz:.3f} s to "
                f"{stops[k] / fs_hz:.3f} s ({lengths[k] / fs_hz:.3g} s, longer than the {max_gap_s:g} s the app "
                f"bridges); trim the recording or split it at the gap")
        good = ~col_bad
        idx = np.arange(n)
        out[col_bad, j] = np.interp(idx[col_bad], idx[good], out[good, j])
        gaps.extend((str(names[j]), float(s / fs_hz), float(l / fs_hz)) for s, l in zip(starts, lengths))
    return out, gaps


def make_recording(path: Path, data, *, fs_hz: float, names: Sequence[Optional[str]],
                   source_units: Sequence[Optional[str]] | Optional[str] = None, start: Optional[datetime] = None,
                   fmt: str, metadata: Optional[dict] = None, directions: Optional[Sequence[Optional[str]]] = None,
                   channels=None, max_gap_s: float = MAX_GAP_S, **_other_options) -> Recording:
    """The one way readers build a :class:`Recording`: channel selection, unit conversion to m/s², NaN-gap
    repair, start from the file name when the file has none. Options other readers take are ignored.

    ``source_units`` is one unit per channel (or one for all); None means the file states none (m/s² assumed).
    Units that are not accelerations (°C, V, µε) are kept unconverted and listed in
    ``metadata["non_acceleration_channels"]``.
    """
    try:
        max_gap_s = float(max_gap_s)
    except (TypeError, ValueError):
        max_gap_s = float("nan")
    if not max_gap_s >= 0:
        raise OptionError(f"max_gap_s must be a duration >= 0 s (0 refuses every NaN), got {max_gap_s!r}")
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ReadError(path, f"the signal array has {data.ndim} dimensions; expected (samples, channels)")
    if data.shape[0] == 0 or data.shape[1] == 0:
        raise ReadError(path, f"the signal array is empty (shape {data.shape})")
    if data.dtype.kind not in "fiub":
        raise ReadError(path, f"the signal array holds {data.dtype} values, not numbers")
    names = unique_names(names)
    if len(names) != data.shape[1]:
        raise ReadError(path, f"{data.shape[1]} data columns but {len(names)} channel names")
    if source_units is None or isinstance(source_units, str):
        source_units = [source_units] * len(names)
    directions = list(directions) if directions is not None else [None] * len(names)
    fs_hz = check_fs(path, fs_hz, "the file")
    cols = select_columns(path, names, channels)
    data = np.ascontiguousarray(data if cols == list(range(data.shape[1])) else data[:, cols], dtype=float)
    if not data.flags.writeable or isinstance(data, np.memmap):
        data = np.array(data)  # the app owns its samples: no read-only views of files
    names = [names[i] for i in cols]
    source_units = [source_units[i] for i in cols]
    directions = [directions[i] for i in cols]
    meta = dict(metadata or {})
    out_channels, factors, other = [], [], []
    for name, unit, direction in zip(names, source_units, directions):
        unit = None if unit is None or str(unit).strip().lower() in UNSTATED_UNITS else str(unit).strip()
        factor = factor_to_si(unit)
        if factor is None:
            factor = 1.0
            other.append(name)
            out_channels.append(Channel(name=name, unit=unit, source_unit=unit, direction=direction))
        else:
            out_channels.append(Channel(name=name, unit=APP_UNIT, source_unit=normalise_unit(unit) if unit else None,
                                        direction=direction))
        factors.append(factor)
    if other:
        meta["non_acceleration_channels"] = other
    factors_arr = np.asarray(factors)
    if np.any(factors_arr != 1.0):
        with np.errstate(over="ignore", invalid="ignore"):  # Inf or NaN from overflow is judged like any bad value
            data = data * factors_arr
    try:
        data, gaps = repair_gaps(data, fs_hz, names, max_gap_s=max_gap_s)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from None
    if gaps:
        meta["repaired_gaps"] = gaps
    return Recording(data=data, fs_hz=float(fs_hz), channels=tuple(out_channels), start=choose_start(path, start),
                     source=str(path), format=fmt, metadata=meta)
