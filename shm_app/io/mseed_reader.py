"""miniSEED recordings through ObsPy (an optional extra: ``pip install shm-app[seismic]``).

Every trace id (``NET.STA.LOC.CHA``) becomes a channel, its pieces merged; the channels are cut to their common
time span. Short gaps between pieces become NaN and are bridged like any other (``max_gap_s``); longer ones refuse
the file. miniSEED states no physical unit: the data are taken as m/s² unless ``unit=`` says otherwise (raw counts
need the instrument response first).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import MAX_GAP_S, WORK_FACTOR, check_memory, log_reason, choose_fs, make_recording, size_text
from shm_app.recording import Recording

FORMAT = "mseed"


_IMPORT_LOCK = threading.Lock()


def import_obspy():
    """ObsPy, imported safely in the desktop app too.

    In a frozen (PyInstaller) app ObsPy finds its own folder relative to the current directory; started inside a git
    work tree it then asks git for its version, fails to find its version file and raises (it would even write that
    file into a folder of the user's named ``obspy``). Importing it once from the bundle's own folder avoids that.
    """
    import sys

    if "obspy" in sys.modules or not getattr(sys, "frozen", False):
        import obspy

        return obspy
    with _IMPORT_LOCK:
        here = os.getcwd()
        os.chdir(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
        try:
            import obspy
        finally:
            os.chdir(here)
    return obspy


def _obspy_read(path: Path):
    try:
        obspy = import_obspy()
    except ImportError:
        raise ReadError(path, "reading miniSEED needs ObsPy, an optional part of the app; install it with "
                              "pip install shm-app[seismic]") from None
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = obspy.read(str(path), format="MSEED")
    except Exception as exc:  # noqa: BLE001 - ObsPy raises many types on damaged records
        log_reason(path, exc)
        raise ReadError(path, "not a readable miniSEED file, or it is damaged or truncated: its records do not "
                              "follow the miniSEED format") from None
    for w in caught:
        text = str(w.message)
        if "end of file" in text.lower() or "truncat" in text.lower():
            raise ReadError(path, "the miniSEED file is truncated (it ends inside a record); copy it again")
        logging.getLogger(__name__).info("ObsPy on %s: %s", path, text)
    _check_whole(path, stream)
    return stream


def _check_whole(path: Path, stream) -> None:
    """Every byte of the file belongs to a record: a file cut inside a record (ObsPy drops the piece, and the
    channels after it, without a word) is refused."""
    size = path.stat().st_size
    covered = 0
    for tr in stream:
        m = getattr(tr.stats, "mseed", None)
        if m is None or "record_length" not in m or "number_of_records" not in m:
            return
        covered += int(m.record_length) * int(m.number_of_records)
    if covered < size:
        with open(path, "rb") as fh:
            fh.seek(covered)
            rest = fh.read(size - covered)
        if not rest.strip(b"\x00 "):
            return  # loggers pad files to a fixed size with zeros (or blanks): no record was cut
        raise ReadError(path, f"the miniSEED file ends inside a record ({size - covered} bytes after the last whole "
                              f"record): it is truncated; copy it again")


def _estimate(path: Path, stream, max_gap_s: float) -> None:
    """Refuse, before merging, what the merge would make: pieces too far apart (the gap would refuse the file
    anyway) and a merged span that would not fit in memory."""
    by_id: dict = {}
    for tr in stream:
        by_id.setdefault(tr.id, []).append((float(tr.stats.starttime.timestamp), float(tr.stats.endtime.timestamp),
                                            float(tr.stats.sampling_rate)))
    total = 0.0
    for trace_id, pieces in by_id.items():
        pieces.sort()
        rate = pieces[0][2]
        end = pieces[0][1]
        for start, stop, _ in pieces[1:]:
            gap = start - end - 1.0 / rate
            if gap > max(max_gap_s, 0.0) + 0.5 / rate:
                raise ReadError(path, f"trace {trace_id} has a gap of {gap:.6g} s at "
                                      f"{start - pieces[0][0] - gap:.3f} s ({len(pieces)} pieces in all), longer than "
                                      f"the {max_gap_s:g} s the app bridges; split the file at the gap")
            end = max(end, stop)
        total += ((end - pieces[0][0]) * rate + 1) * 8
    check_memory(path, total * WORK_FACTOR, f"the merged traces ({size_text(total)})")


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def read(path: Path, *, fs: Optional[float] = None, unit: Optional[str] = None, **options) -> Recording:
    """Read miniSEED. Options: ``unit`` (the data's unit), ``channels``, ``max_gap_s``."""
    path = Path(path)
    stream = _obspy_read(path)
    if len(stream) == 0:
        raise ReadError(path, "the miniSEED file holds no traces")
    rates = {round(float(tr.stats.sampling_rate), 9) for tr in stream}
    if len(rates) > 1:
        raise ReadError(path, f"the traces have different sampling rates ({', '.join(f'{r:g}' for r in sorted(rates))}"
                              f" Hz); select traces of one rate")
    n_pieces = len(stream)
    _estimate(path, stream, float(options.get("max_gap_s", MAX_GAP_S)) if _is_number(options.get("max_gap_s", MAX_GAP_S)) else MAX_GAP_S)
    try:
        stream.merge(method=0, fill_value=None)
    except Exception as exc:  # noqa: BLE001 - overlapping traces with different data
        log_reason(path, exc)
        raise ReadError(path, "traces of one channel overlap in time with different samples; keep one copy of "
                              "each stretch") from None
    start = max(tr.stats.starttime for tr in stream)
    end = min(tr.stats.endtime for tr in stream)
    if end < start:
        raise ReadError(path, "the channels do not overlap in time; read them separately")
    stream.trim(start, end, pad=True, fill_value=None)
    columns = []
    for tr in stream:
        values = np.ma.filled(np.ma.asarray(tr.data, dtype=float), np.nan)
        columns.append(values)
    n = min(c.size for c in columns)
    data = np.column_stack([c[:n] for c in columns])
    rate = rates.pop()
    if not rate > 0:
        raise ReadError(path, f"the miniSEED header states a sampling rate of {rate:g} Hz; correct the file")
    fs_hz = choose_fs(path, fs, rate, "the miniSEED header")
    metadata = {"trace_ids": [tr.id for tr in stream], "merged_pieces": n_pieces}
    start_dt = start.datetime.replace(tzinfo=None)
    return make_recording(path, data, fs_hz=fs_hz, names=[tr.id for tr in stream], source_units=unit, start=start_dt,
                          fmt=FORMAT, metadata=metadata,
                          directions=[tr.stats.channel[-1:].lower() or None for tr in stream], **options)
