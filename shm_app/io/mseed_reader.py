"""miniSEED recordings through ObsPy (an optional extra: ``pip install shm-app[seismic]``).

Every trace id (``NET.STA.LOC.CHA``) becomes a channel, its pieces merged; the channels are cut to their common
time span. Short gaps between pieces become NaN and are bridged like any other (``max_gap_s``); longer ones refuse
the file. miniSEED states no physical unit: the data are taken as m/s² unless ``unit=`` says otherwise (raw counts
need the instrument response first).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import choose_fs, make_recording
from shm_app.recording import Recording

FORMAT = "mseed"


def _obspy_read(path: Path):
    try:
        import obspy
    except ImportError:
        raise ReadError(path, "reading miniSEED needs ObsPy, an optional part of the app; install it with "
                              "pip install shm-app[seismic]") from None
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = obspy.read(str(path), format="MSEED")
    except Exception as exc:  # noqa: BLE001 - ObsPy raises many types on damaged records
        raise ReadError(path, f"not a readable miniSEED file, or it is damaged or truncated "
                              f"({str(exc)[:100] or type(exc).__name__})") from None
    for w in caught:
        text = str(w.message)
        if "end of file" in text.lower() or "truncat" in text.lower():
            raise ReadError(path, "the miniSEED file is truncated (it ends inside a record); copy it again")
    return stream


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
    try:
        stream.merge(method=0, fill_value=None)
    except Exception as exc:  # noqa: BLE001 - overlapping traces with different data
        raise ReadError(path, f"the traces overlap with conflicting samples ({exc})") from None
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
    fs_hz = choose_fs(path, fs, rate if rate > 0 else None, "the miniSEED header")
    metadata = {"trace_ids": [tr.id for tr in stream], "merged_pieces": n_pieces}
    start_dt = start.datetime.replace(tzinfo=None)
    return make_recording(path, data, fs_hz=fs_hz, names=[tr.id for tr in stream], source_units=unit, start=start_dt,
                          fmt=FORMAT, metadata=metadata,
                          directions=[tr.stats.channel[-1:].lower() or None for tr in stream], **options)
