"""CSV/TXT recordings: delimiter , ; tab or whitespace, decimal comma, header of channel names with units,
optional time column, ``# key = value`` metadata comments (fs, unit, start). Gzip-compressed files are read
transparently (``deck.csv.gz``)."""
from __future__ import annotations

import gzip
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.recording import Channel, Recording, start_from_filename
from shm_app.units import APP_UNIT, factor_to_si, normalise_unit

TIME_NAMES = {"time", "t", "zeit", "timestamp", "time_s", "t_s", "seconds", "sec", "datetime", "date_time"}
_META = re.compile(r"^\s*([A-Za-z_][\w .-]*?)\s*[=:]\s*(.+?)\s*$")
_UNIT_IN_NAME = re.compile(r"^(.*?)\s*[\[(]\s*([^\])]+?)\s*[\])]\s*$")


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ReadError(path, f"the gzip stream is damaged ({exc}); the file may be truncated") from exc
    if b"\x00" in raw[:4096]:
        raise ReadError(path, "this is a binary file, not CSV/TXT text; check the file type")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _split_name_unit(text: str) -> tuple[str, Optional[str]]:
    m = _UNIT_IN_NAME.match(text.strip())
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return text.strip(), None


def _sniff_delimiter(line: str) -> Optional[str]:
    for d in ("\t", ";", ","):
        if d in line:
            return d
    return None  # whitespace


def read(path: Path, *, fs: Optional[float] = None, **_ignored) -> Recording:
    text = _open_text(path)
    lines = text.splitlines()
    meta: dict[str, str] = {}
    comments: list[str] = []
    body_start = 0
    for k, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        if s[0] in "#%":
            content = s.lstrip("#%").strip()
            comments.append(content)
            m = _META.match(content)
            if m:
                meta[m.group(1).strip().lower()] = m.group(2)
            continue
        body_start = k
        break
    else:
        raise ReadError(path, "no data rows found (only comments or blank lines)")
    body = [ln for ln in lines[body_start:] if ln.strip() and ln.lstrip()[0] not in "#%"]
    delim = _sniff_delimiter(body[0])
    split = (lambda ln: ln.strip().split(delim)) if delim else (lambda ln: ln.split())
    first = [c.strip().strip('"') for c in split(body[0])]
    decimal_comma = delim in (";", "\t", None) and any(re.fullmatch(r"-?\d+,\d+(e[-+]?\d+)?", c, re.I) for c in split(body[min(1, len(body) - 1)]))

    def is_number(tok: str) -> bool:
        try:
            float(tok.replace(",", ".") if decimal_comma else tok)
            return True
        except ValueError:
            return False

    if all(is_number(c) for c in first):
        header = None
        rows = body
        if comments and not _META.match(comments[-1]):
            cand = [c.strip() for c in (comments[-1].split(delim) if delim else comments[-1].split())]
            if len(cand) == len(first):
                header = cand
        if header is None:
            header = [f"ch{i + 1}" for i in range(len(first))]
    else:
        header, rows = first, body[1:]
    if not rows:
        raise ReadError(path, "the file has a header but no data rows")
    n_cols = len(header)
    names_units = [_split_name_unit(h) for h in header]
    time_col = next((i for i, (nm, un) in enumerate(names_units)
                     if nm.lower() in TIME_NAMES or (un is not None and un.lower() in ("s", "sec"))), None)
    # numeric parse of the whole body at once (the sample loop runs in C)
    joined = "\n".join(rows)
    if decimal_comma:
        joined = joined.replace(",", ".")
    if delim and not (decimal_comma and delim == ","):
        joined = joined.replace(delim, " ")
    stamps = None
    if time_col is not None:
        probe = split(rows[0])[time_col].strip()
        if not is_number(probe):
            stamps = [split(r)[time_col].strip().strip('"') for r in rows]
            joined = "\n".join(" ".join(t for i, t in enumerate(split(r)) if i != time_col) for r in rows)
            if decimal_comma:
                joined = joined.replace(",", ".")
    try:
        values = np.array(joined.split(), dtype=float)
    except ValueError as exc:
        bad = str(exc).split(":")[-1].strip()
        raise ReadError(path, f"non-numeric value {bad} in the data rows") from exc
    width = n_cols - (1 if stamps is not None else 0)
    if values.size % width != 0 or values.size // width != len(rows):
        counts = [len(split(r)) for r in rows]
        bad_row = next((i for i, c in enumerate(counts) if c != n_cols), None)
        where = f"row {body_start + 2 + bad_row}" if bad_row is not None else "some rows"
        raise ReadError(path, f"{where} does not have {n_cols} columns like the header (ragged or truncated file)")
    table = values.reshape(len(rows), width)
    start = None
    if stamps is not None:
        try:
            times = np.array([np.datetime64(s.replace(" ", "T")) for s in stamps], dtype="datetime64[us]")
        except ValueError as exc:
            raise ReadError(path, f"time column {header[time_col]!r} holds values that are neither seconds nor dates") from exc
        t = (times - times[0]).astype("timedelta64[us]").astype(float) * 1e-6
        start = times[0].astype(datetime)
        data_cols = list(range(width))
        channel_specs = [names_units[i] for i in range(n_cols) if i != time_col]
    elif time_col is not None:
        t = table[:, time_col]
        data_cols = [i for i in range(n_cols) if i != time_col]
        channel_specs = [names_units[i] for i in data_cols]
    else:
        t = None
        data_cols = list(range(n_cols))
        channel_specs = names_units
    data = table[:, data_cols]
    fs_hz = fs
    if fs_hz is None and t is not None:
        dt = np.diff(t)
        if dt.size == 0 or np.any(dt <= 0):
            raise ReadError(path, "the time column is not strictly increasing (non-monotonic time)")
        med = float(np.median(dt))
        if np.max(np.abs(dt - med)) > 0.01 * med:
            raise ReadError(path, "the time column is not uniformly spaced (gaps or jitter above 1 %)")
        fs_hz = 1.0 / float(np.mean(dt))
    if fs_hz is None:
        for key in ("fs", "fs_hz", "sampling_rate", "sample_rate", "sampling rate", "samplerate"):
            if key in meta:
                try:
                    fs_hz = float(meta[key].split()[0].replace(",", "."))
                except ValueError:
                    raise ReadError(path, f"metadata {key} = {meta[key]!r} is not a number")
                break
    if fs_hz is None:
        raise ReadError(path, "no time column and no sampling rate in the file; give it with --fs HZ")
    if not np.isfinite(fs_hz) or fs_hz <= 0:
        raise ReadError(path, f"sampling rate {fs_hz} is not a positive number")
    default_unit = meta.get("unit") or meta.get("units")
    channels, factors = [], []
    for name, unit in channel_specs:
        src = unit if unit is not None else default_unit
        factor = factor_to_si(src)
        if factor is None:
            raise ReadError(path, f"channel {name!r} has unit {src!r}, not an acceleration unit this app knows "
                                  f"(g, mg, gal, cm/s^2, mm/s^2, m/s^2)")
        channels.append(Channel(name=name, unit=APP_UNIT, source_unit=normalise_unit(src) if src else None))
        factors.append(factor)
    data = data * np.asarray(factors)
    if not np.all(np.isfinite(data)):
        bad = np.flatnonzero(~np.all(np.isfinite(data), axis=1))
        raise ReadError(path, f"{bad.size} rows hold NaN or Inf values (first at data row {bad[0] + 1})")
    if start is None and "start" in meta:
        try:
            start = datetime.fromisoformat(meta["start"].strip())
        except ValueError:
            raise ReadError(path, f"metadata start = {meta['start']!r} is not an ISO date-time")
    if start is None:
        start = start_from_filename(path)
    if start is not None and start.tzinfo is not None:
        start = start.astimezone(timezone.utc).replace(tzinfo=None)
    return Recording(data=data, fs_hz=float(fs_hz), channels=tuple(channels), start=start, source=str(path),
                     format="csv", metadata={k: v for k, v in meta.items()})
