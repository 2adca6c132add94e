"""Date-time stamp columns of CSV/TXT files: taken out of the rows, converted to seconds and a start time.

ISO stamps (``2026-03-01 03:00:00.010``) go through numpy in C; German (``01.03.2026 03:00:00,010``), slashed,
``Z``/``UTC`` and ``+01:00`` stamps are normalised to ISO and UTC first.
"""
from __future__ import annotations

import re
import warnings
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import parse_datetime
from shm_app.io._csv_layout import CLOCK, DATE, Layout, data_tokens, strip_line

_STAMP_FIX = (
    (re.compile(r"(?m)^(\d{1,2})\.(\d{1,2})\.(\d{4})"), lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"),
    (re.compile(r"(?m)^(\d{4})[/.](\d{1,2})[/.](\d{1,2})"), lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"),
    (re.compile(r"(?m)^(\d{4}-\d\d-\d\d)[ T](\d):"), lambda m: f"{m[1]}T0{m[2]}:"),
    (re.compile(r"(?m)^(\d{4}-\d\d-\d\d) "), lambda m: f"{m[1]}T"),
    (re.compile(r"(\d\d:\d\d:\d\d),(\d)"), lambda m: f"{m[1]}.{m[2]}"),
    (re.compile(r"(?m)(?:Z| ?UTC| ?GMT)$"), lambda m: ""),
)


def fast_stamp_table(body: str, lay: Layout, time_col: int, n_cols: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """Stamps (as text) and numbers through numpy's C reader; None when the layout needs the careful path."""
    if lay.delim is None or lay.trailing or ("#" in body and "%" in body) or "//" in body:
        return None
    text = body.replace(",", ".") if lay.decimal_comma else body
    others = [i for i in range(n_cols) if i != time_col]
    kwargs = dict(delimiter=lay.delim, comments="%" if "%" in text else "#", quotechar='"', ndmin=1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = np.loadtxt(StringIO(text, newline=None), usecols=[time_col], dtype=str, **kwargs)
            values = np.loadtxt(StringIO(text, newline=None), usecols=others, dtype=float,
                                **{**kwargs, "ndmin": 2})
    except (ValueError, TypeError, IndexError):
        return None
    if stamps.shape[0] == 0 or values.shape != (stamps.shape[0], len(others)):
        return None
    return stamps, values


def parse_stamps(path: Path, stamps, label: str) -> tuple[np.ndarray, datetime, float]:
    """Seconds from the first stamp, the first stamp (naive UTC) and the stamp resolution in s."""
    first = str(stamps[0]).strip().strip('"')
    frac = re.search(r":\d\d[.,](\d+)", first)
    resolution = 10.0 ** -len(frac.group(1)) if frac else 1.0
    try:  # ISO stamps ("2026-03-01 03:00:00.010") convert in C
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy only warns about a "Z": take the careful path
            times = np.asarray(stamps, dtype=str).astype("datetime64[us]")
    except (ValueError, Warning):
        times = _parse_stamps_slowly(path, [str(s) for s in stamps], label)
    t = (times - times[0]).astype("timedelta64[us]").astype(np.int64) * 1e-6
    return t, times[0].astype("datetime64[us]").item(), resolution


def _parse_stamps_slowly(path: Path, stamps: list[str], label: str) -> np.ndarray:
    """German, slashed, comma-millisecond, Z- and offset-suffixed stamps, normalised to ISO and UTC."""
    joined = "\n".join(s.strip().strip('"') for s in stamps)
    for pattern, repl in _STAMP_FIX:
        joined = pattern.sub(repl, joined)
    offsets = None
    if re.search(r"(?m)[+-]\d\d:?\d\d$", joined):
        found = re.findall(r"(?m)([+-])(\d\d):?(\d\d)$", joined)
        if len(found) != len(stamps):
            raise ReadError(path, f"the {label} mixes stamps with and without a UTC offset")
        offsets = np.array([(1 if s == "+" else -1) * (int(h) * 60 + int(mi)) for s, h, mi in found], "timedelta64[m]")
        joined = re.sub(r"(?m)[+-]\d\d:?\d\d$", "", joined)
    parts = joined.split("\n")
    try:
        times = np.array(parts, dtype="datetime64[us]")
    except ValueError:
        bad = next((i for i, p in enumerate(parts) if parse_datetime(p) is None), 0)
        raise ReadError(path, f"the {label} holds {stamps[bad].strip()!r}, neither seconds nor a date-time "
                              f"(data row {bad + 1})") from None
    if offsets is not None:
        times = times - offsets
    return times


def split_stamp_column(path: Path, body: str, lay: Layout, time_col: int) -> tuple[list[str], str, int]:
    """Take the stamp column out of every row; returns stamps, the remaining body and the dropped line offset."""
    stamps: list[str] = []
    rest: list[str] = []
    delim = lay.delim
    for line in body.split("\n"):
        s = strip_line(line, delim)
        if not s or s[0] in "#%":
            rest.append("")
            continue
        if delim:
            parts = data_tokens(s, delim, lay.trailing)
            parts = [p if p else "nan" for p in parts]  # an empty field is a missing value
        else:
            parts = s.split()
            if time_col == 0 and len(parts) > 1 and CLOCK.fullmatch(parts[1]) and DATE.fullmatch(parts[0]):
                parts = [parts[0] + " " + parts[1]] + parts[2:]
        if time_col >= len(parts):
            raise ReadError(path, f"a row has only {len(parts)} values; the time column is number {time_col + 1} "
                                  f"(ragged rows)")
        stamps.append(parts.pop(time_col))
        rest.append((delim or " ").join(parts))
    return stamps, "\n".join(rest), 0
