"""Environmental logs (``--env ENV.csv``): first column ISO timestamps, other columns numeric covariates
(``temperature_c``, ``humidity_pct``, …), interpolated linearly to each recording's start.

A start outside the log by more than ``max_gap`` (default: twice the log's median step, at least one hour), or
inside a gap of the log longer than that, gets NaN — never an extrapolated value — and the caller reports it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from shm_app.errors import ReadError


@dataclass(frozen=True)
class EnvironmentLog:
    """times : (n,) datetime64[s], ascending;  values : (n, n_covariates), NaN where blank;  names : column names"""

    times: np.ndarray
    values: np.ndarray
    names: tuple[str, ...]
    source: Optional[str] = None

    def default_max_gap(self) -> timedelta:
        if self.times.size < 2:
            return timedelta(hours=1)
        step = float(np.median(np.diff(self.times).astype("timedelta64[s]").astype(float)))
        return max(timedelta(seconds=2 * step), timedelta(hours=1))

    def interpolate(self, starts: Sequence[Optional[datetime]], *,
                    max_gap: Optional[timedelta] = None) -> np.ndarray:
        """Covariates at ``starts`` (naive UTC datetimes; None gives NaN), ``(len(starts), n_covariates)``."""
        gap = (max_gap or self.default_max_gap()).total_seconds()
        t_log = self.times.astype("datetime64[s]").astype(float)
        out = np.full((len(starts), len(self.names)), np.nan)
        known = np.array([s is not None for s in starts], dtype=bool)
        if not known.any():
            return out
        t = np.array([np.datetime64(s, "s").astype(float) for s in starts if s is not None])
        rows = np.flatnonzero(known)
        for j in range(len(self.names)):
            ok = np.isfinite(self.values[:, j])
            tj, vj = t_log[ok], self.values[ok, j]
            if tj.size == 0:
                continue
            col = np.interp(t, tj, vj)
            k = np.searchsorted(tj, t)
            before = tj[np.clip(k - 1, 0, tj.size - 1)]
            after = tj[np.clip(k, 0, tj.size - 1)]
            exact = np.isin(t, tj)
            inside = (k > 0) & (k < tj.size) & (after - before <= gap)
            near_edge = ((k == 0) & (tj[0] - t <= gap / 2)) | ((k == tj.size) & (t - tj[-1] <= gap / 2))
            col[~(inside | near_edge | exact)] = np.nan
            out[rows, j] = col
        return out


def read_environment(path: Union[str, Path], columns: Optional[Sequence[str]] = None) -> EnvironmentLog:
    """Read an environmental log CSV (comma, semicolon or tab separated; ``#`` comments).

    ``columns`` selects covariates by name (default all). Raises :class:`ReadError` naming the file and the problem.
    """
    return _read_time_table(path, columns, "environment log")


def read_frequency_table(path: Union[str, Path]) -> EnvironmentLog:
    """Read a monitoring system's frequency table: first column ISO time, one column per mode (Hz, blank = missing).

    Returned as an :class:`EnvironmentLog` whose ``values`` are the frequencies and ``names`` the mode names.
    """
    table = _read_time_table(path, None, "frequency table")
    f = table.values
    if np.any(f[np.isfinite(f)] <= 0) or np.any(np.isinf(f)):
        raise ReadError(path, "the frequency table must hold positive frequencies in Hz (blank for a missing mode)")
    return table


def _read_time_table(path, columns, what: str) -> EnvironmentLog:
    p = Path(path)
    if not p.is_file():
        raise ReadError(p, f"{what} not found" if not p.exists() else "is not a file")
    from shm_app.io._common import os_reason, read_text

    try:
        text = read_text(p, what)  # UTF-8 (BOM or not), UTF-16 with BOM, latin-1, .gz; binary content refused
    except OSError as exc:
        raise ReadError(p, os_reason(p, exc)) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
    if len(lines) < 2:
        raise ReadError(p, f"the {what} needs a header row and at least one data row")
    delim = next((d for d in ("\t", ";", ",") if d in lines[0]), None)
    if delim is None:
        raise ReadError(p, f"the {what} needs a header like 'timestamp,temperature_c' (comma, ; or tab)")
    header = [h.strip().strip('"') for h in lines[0].split(delim)]
    if len(header) < 2:
        raise ReadError(p, f"the {what} has no value column after the timestamps")
    names = header[1:]
    if columns:
        missing = [c for c in columns if c not in names]
        if missing:
            raise ReadError(p, f"no column {missing[0]!r} in the {what}; it has: {', '.join(names)}")
        keep = [names.index(c) for c in columns]
    else:
        keep = list(range(len(names)))
    times, rows = [], []
    for k, line in enumerate(lines[1:], start=2):
        cells = [c.strip().strip('"') for c in line.split(delim)]
        if len(cells) != len(header):
            raise ReadError(p, f"row {k} has {len(cells)} columns, the header {len(header)}")
        try:
            stamp = datetime.fromisoformat(cells[0].replace("Z", "+00:00"))
        except ValueError:
            raise ReadError(p, f"row {k}: {cells[0][:40]!r} is not an ISO timestamp (e.g. 2026-03-01T12:00:00)") from None
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
        values = []
        for i in keep:
            cell = cells[i + 1].replace(",", ".") if delim != "," else cells[i + 1]
            try:
                value = float(cell) if cell not in ("", "nan", "NaN", "NA") else np.nan
            except ValueError:
                raise ReadError(p, f"row {k}: {names[i]} = {cells[i + 1][:40]!r} is not a number") from None
            if np.isinf(value):  # "inf", or a number beyond floating point such as 1e309: never a covariate
                raise ReadError(p, f"row {k}: {names[i]} = {cells[i + 1][:40]!r} is not a finite number")
            values.append(value)
        times.append(np.datetime64(stamp, "s"))
        rows.append(values)
    t = np.array(times, dtype="datetime64[s]")
    v = np.array(rows, dtype=float).reshape(len(rows), len(keep))
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    if np.any(np.diff(t.astype(float)) == 0):
        raise ReadError(p, f"the {what} repeats a timestamp")
    return EnvironmentLog(times=t, values=v, names=tuple(names[i] for i in keep), source=str(p))
