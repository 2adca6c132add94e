"""Universal File Format dataset 58 (``.uff``/``.unv``) time records through pyuff.

Each type-58 set with function type 1 (time response) is one channel, named by its response node and direction
(``101+Z``); fs from ``abscissa_inc`` (s), unit from the ordinate axis label, start from an ISO-like date in the
ID lines if any. All channels must share length and increment. Other sets (FRFs, geometry) are ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import WORK_FACTOR, check_memory, log_reason, choose_fs, make_recording, parse_datetime, snap_fs
from shm_app.io._containers import as_text
from shm_app.recording import Recording

FORMAT = "uff58"
DIRECTIONS = {0: "", 1: "+X", 2: "+Y", 3: "+Z", 4: "+RX", 5: "+RY", 6: "+RZ",
              -1: "-X", -2: "-Y", -3: "-Z", -4: "-RX", -5: "-RY", -6: "-RZ"}


def _check_complete(path: Path) -> None:
    """A UFF file is a series of blocks each opened and closed by a ``-1`` line: a file whose last block is not
    closed was cut short (pyuff would drop that block, and its channels, without a word)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 256))
        tail = fh.read()
    if not head.lstrip(b" \r\n").startswith(b"-1"):
        raise ReadError(path, "not a Universal File Format file: it does not start with a -1 line")
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    if not lines or lines[-1] != b"-1":
        raise ReadError(path, "the UFF file ends inside a data block (its last block has no closing -1 line): it is "
                              "truncated; copy or export it again")


def _sets(path: Path) -> list[dict]:
    import pyuff

    _check_complete(path)
    # pyuff holds every record as Python floats while it parses (~13 characters per value in ASCII UFF58)
    values = path.stat().st_size / 13
    check_memory(path, values * 8 * 2 * WORK_FACTOR, f"the UFF file (about {values:,.0f} values)")
    try:
        uff = pyuff.UFF(str(path))
        types = list(uff.get_set_types())
        if 58 not in [int(t) for t in types]:
            raise ReadError(path, f"the UFF file holds no dataset 58 time records (it holds types "
                                  f"{', '.join(str(int(t)) for t in types) or 'none'})")
        index = [i for i, t in enumerate(types) if int(t) == 58]
        sets = uff.read_sets(index)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyuff raises anything on damaged files
        log_reason(path, exc)
        raise ReadError(path, "the UFF file is damaged or truncated: a dataset's header lines or values do not "
                              "follow the UFF format") from None
    return [sets] if isinstance(sets, dict) else list(sets)


def read(path: Path, *, fs: Optional[float] = None, **options) -> Recording:
    """Read UFF58 time records. Options: ``fs``, ``channels``, ``max_gap_s``."""
    path = Path(path)
    sets = [s for s in _sets(path) if int(s.get("func_type", 1)) in (0, 1)
            and np.isrealobj(np.asarray(s.get("data", [])))]
    if not sets:
        raise ReadError(path, "the UFF file holds no real-valued time records (function type 1); FRFs are not "
                              "recordings")
    for s in sets:
        declared = s.get("num_pts")
        if declared is not None and int(declared) != int(np.asarray(s["data"]).size):
            raise ReadError(path, f"UFF record {s.get('rsp_node', '?')} declares {int(declared)} points but holds "
                                  f"{int(np.asarray(s['data']).size)}: the file is truncated or damaged")
    lengths = {int(np.asarray(s["data"]).size) for s in sets}
    if len(lengths) > 1:
        raise ReadError(path, f"the UFF time records have different lengths ({', '.join(map(str, sorted(lengths)))}); "
                              f"mismatched channel lengths")
    increments = {round(float(s.get("abscissa_inc", 0.0)), 12) if np.isfinite(float(s.get("abscissa_inc", 0.0)))
                  else float("nan") for s in sets}
    if len(increments) > 1:
        raise ReadError(path, f"the UFF time records have different sampling intervals "
                              f"({', '.join(f'{x:g}' for x in sorted(increments))} s)")
    inc = increments.pop()
    if not inc > 0:  # UFF58 requires the increment of evenly spaced records: 0, negative or NaN is an error
        raise ReadError(path, f"the UFF records state a sampling interval (abscissa_inc) of {inc:g} s, which is not a "
                              f"positive number; correct the file")
    fs_hz = choose_fs(path, fs, snap_fs(1.0 / inc), "abscissa_inc")
    names, units, directions = [], [], []
    for s in sets:
        node = int(s.get("rsp_node", 0))
        direction = DIRECTIONS.get(int(s.get("rsp_dir", 0)), str(s.get("rsp_dir", "")))
        names.append(f"{node}{direction}" if node or direction else (as_text(s.get("id1")) or None))
        units.append(as_text(s.get("ordinate_axis_units_lab")) or None)
        directions.append(direction.lstrip("+").lower() or None)
    data = np.column_stack([np.asarray(s["data"], dtype=float) for s in sets])
    start = None
    for key in ("id4", "id5", "id3", "id2"):
        text = as_text(sets[0].get(key)) or ""
        start = parse_datetime(text)
        if start is not None:
            break
    metadata = {"id1": as_text(sets[0].get("id1")) or ""}
    return make_recording(path, data, fs_hz=fs_hz, names=names, source_units=units, start=start, fmt=FORMAT,
                          metadata=metadata, directions=directions, **options)
