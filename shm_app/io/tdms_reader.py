"""NI TDMS recordings (LabVIEW, NI DAQ loggers) through npTDMS.

One group's channels become the recording (``group=`` chooses; by default the first group holding data).
fs from the channels' ``wf_increment`` (s), start from ``wf_start_time``, units from ``unit_string`` (or
``NI_UnitDescription``). A channel named like a time axis is used for fs only.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import (WORK_FACTOR, log_reason, check_fs, check_memory, choose_fs, fs_from_times, make_recording,
                                size_text, snap_fs)
from shm_app.io._containers import TIME_NAMES, as_datetime, as_float, as_text
from shm_app.recording import Recording

FORMAT = "tdms"
UNIT_PROPERTIES = ("unit_string", "NI_UnitDescription", "unit", "Unit", "units")


class _Warnings(logging.Handler):
    """Collects npTDMS's warnings: it reads a truncated file to its end and only logs that data are missing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _silence_console() -> None:
    """npTDMS gives each of its modules a handler printing to stderr; it must never print to the user's terminal
    (the CLI's one-line contract). Its records still reach the ``nptdms`` logger: judged here, written to the log."""
    try:
        from nptdms.log import log_manager
    except ImportError:
        return
    log_manager.console_handler.setLevel(logging.CRITICAL + 1)


def _open(path: Path):
    from nptdms import TdmsFile

    _silence_console()

    handler = _Warnings()
    logger = logging.getLogger("nptdms")
    logger.addHandler(handler)
    propagate = logger.propagate
    logger.propagate = False  # its warnings are judged here (and logged), never printed on the user's stderr
    try:
        meta = TdmsFile.read_metadata(path)
        declared = 0
        for group in meta.groups():
            for channel in group.channels():
                itemsize = getattr(getattr(channel, "dtype", None), "itemsize", 8) or 8
                declared += len(channel) * max(int(itemsize), 1)
        if declared > path.stat().st_size + (1 << 20):
            raise ReadError(path, f"the TDMS file declares {size_text(declared)} of channel data but is only "
                                  f"{size_text(path.stat().st_size)} long: it is truncated or damaged; copy it again")
        check_memory(path, declared * WORK_FACTOR, f"the TDMS file ({size_text(declared)} of channel data)")
        tdms = TdmsFile.read(path)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - npTDMS raises many types on damaged files
        log_reason(path, exc)
        raise ReadError(path, "the TDMS file is damaged or truncated: its segments do not follow the TDMS format; "
                              "copy it again") from None
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        for message in handler.messages:
            logging.getLogger(__name__).info("npTDMS on %s: %s", path, message)
    if any("less data than expected" in m or "not a multiple of the chunk size" in m for m in handler.messages):
        raise ReadError(path, "the TDMS file is truncated (its last segment holds less data than its header "
                              "announces); copy it again")
    return tdms


def read(path: Path, *, fs: Optional[float] = None, group: Optional[str] = None, **options) -> Recording:
    """Read a TDMS recording. Options: ``fs``, ``group``, ``channels``, ``max_gap_s``."""
    path = Path(path)
    tdms = _open(path)
    groups = tdms.groups()
    if group is not None:
        chosen = [g for g in groups if g.name == group]
        if not chosen:
            raise ReadError(path, f"no group {group!r}; the file holds: {', '.join(g.name for g in groups) or 'none'}")
        grp = chosen[0]
    else:
        with_data = [g for g in groups if any(len(c) > 1 for c in g.channels())]
        if not with_data:
            raise ReadError(path, "the TDMS file holds no channel data")
        grp = with_data[0]
    channels = [c for c in grp.channels() if len(c) > 0]
    time_channels = [c for c in channels if c.name.strip().lower() in TIME_NAMES]
    signals = [c for c in channels if c not in time_channels and np.asarray(c[:1]).dtype.kind in "fiu"]
    if not signals:
        raise ReadError(path, f"group {grp.name!r} holds no numeric channels")
    lengths = {c.name: len(c) for c in signals}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in list(lengths.items())[:6])
        raise ReadError(path, f"the channels of group {grp.name!r} have different lengths ({detail}); mismatched "
                              f"channel lengths, choose channels of equal length with the channel selection")
    increments = set()
    for c in signals:
        if "wf_increment" not in c.properties:
            continue
        raw = c.properties.get("wf_increment")
        inc = as_float(raw)
        if inc is None or not inc > 0:  # a stated increment of 0, below 0 or NaN is wrong, never "no rate"
            raise ReadError(path, f"channel {c.name!r} states wf_increment = {raw!r}, which is not a positive "
                                  f"sampling interval; correct the file")
        increments.add(round(inc, 12))
    fs_file, origin = None, "the file"
    if len(increments) > 1:
        raise ReadError(path, f"the channels of group {grp.name!r} have different wf_increment values "
                              f"({', '.join(f'{x:g}' for x in sorted(increments))} s)")
    if increments:
        fs_file, origin = snap_fs(1.0 / increments.pop()), "wf_increment"
    elif time_channels:
        t = np.asarray(time_channels[0][:], dtype=float)
        if t.size == len(signals[0]):
            fs_file, origin = fs_from_times(path, t, f"time channel {time_channels[0].name!r}"), "the time channel"
    if fs_file is not None:
        check_fs(path, fs_file, origin)
    fs_hz = choose_fs(path, fs, fs_file, origin, "the TDMS channels carry no wf_increment and there is no time "
                                                 "channel; give the sampling rate with --fs HZ")
    data = np.column_stack([np.asarray(c[:], dtype=float) for c in signals])
    units = []
    for c in signals:
        unit = next((as_text(c.properties[k]) for k in UNIT_PROPERTIES if k in c.properties), None)
        units.append(unit or None)
    start = as_datetime(signals[0].properties.get("wf_start_time"))
    metadata = {"group": grp.name, "groups": [g.name for g in groups]}
    return make_recording(path, data, fs_hz=fs_hz, names=[c.name for c in signals], source_units=units, start=start,
                          fmt=FORMAT, metadata=metadata, **options)
