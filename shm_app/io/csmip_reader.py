"""Strong-motion text records of the CSMIP (California) and COSMOS formats, as networks publish bridge records.

* CSMIP Volume 1/2 (``CHAN001.V2``): a text header, integer and real headers, then the acceleration as
  fixed-width Fortran fields (``8F10.x``), followed by velocity and displacement which are not read.
* COSMOS V1/V2 (``*.V2c``, "Corrected acceleration (Format v01.20 with 13 text lines)"): same idea, with the
  counts of header lines stated in the file; dt from real header 62 (ms), start from the integer header.
* A zip archive (``event_ce89324p.zip``) holding one such file per channel: all the V2 channels of the event as one
  multichannel recording (``component="V1"`` reads the uncorrected ones).

Channel names are ``CH03_270`` (station channel number and orientation); their sensor locations are in
``metadata["channel_locations"]``. Units are stated per file (cm/s², g) and converted to m/s².
Channels of one event may stop at different times; the recording keeps the common span from the shared trigger
and states the cut in ``metadata["trimmed_channels"]``.
"""
from __future__ import annotations

import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

import numpy as np

from shm_app.errors import ReadError
from shm_app.io._common import (OptionError, log_reason, check_memory, choose_fs, decode_text, looks_binary, make_recording,
                                read_bytes, size_text, snap_fs)
from shm_app.recording import Recording

FORMAT = "csmip"
MAX_MEMBER_BYTES = 256 * 2**20  # a strong-motion channel file is a few MB at most
MAX_ARCHIVE_BYTES = 512 * 2**20  # all the channels of one event together


@dataclass
class Component:
    """One channel of a strong-motion record."""

    number: int
    orientation: str
    dt_s: float
    unit: str
    values: np.ndarray
    start: Optional[datetime] = None
    location: str = ""
    station: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"CH{self.number:02d}_{self.orientation}" if self.orientation else f"CH{self.number:02d}"


# ---------------------------------------------------------------------------------------- fixed-width values
def _fixed_width(lines: list[str], n: int, per_line: int, width: int) -> np.ndarray:
    """``n`` values from Fortran fixed-width lines (``8F10.5``): fields may touch (``-999.00000-999.00000``)."""
    n_lines = math.ceil(n / per_line)
    if len(lines) < n_lines:
        raise ValueError(f"only {len(lines)} of {n_lines} data lines")
    block = "".join(ln.rstrip("\r\n").ljust(per_line * width)[:per_line * width] for ln in lines[:n_lines])
    fields = np.frombuffer(block.encode("ascii", "replace"), dtype=f"S{width}")[:n]
    try:
        return fields.astype(float)
    except ValueError:
        pass
    try:
        values = np.array(" ".join(lines[:n_lines]).split(), dtype=float)  # whitespace fallback
    except ValueError:
        values = np.empty(0)
    if values.size != n:
        raise ValueError(f"a value among the {n} of the data block is not a number")
    return values


def _format(line: str, default: tuple[int, int]) -> tuple[int, int]:
    m = re.search(r"\(\s*(\d+)\s*[FEGfeg](\d+)\.\d+\s*\)", line)
    return (int(m.group(1)), int(m.group(2))) if m else default


def _two_digit_year(y: int) -> int:
    return y + (1900 if y >= 70 else 2000) if y < 100 else y


def _csmip_start(header: str) -> Optional[datetime]:
    m = re.search(r"(?:start time|trigger time)\s*:\s*(\d{1,2})/\s*(\d{1,2})/(\d{2,4}),\s*(\d{1,2}):(\d{2})"
                  r"(?::\s*(\d{1,2}(?:\.\d+)?|XX\.X))?\s*(?:UTC|GMT)", header, re.I)
    if not m:
        return None
    sec = float(m.group(6)) if m.group(6) and "X" not in m.group(6).upper() else 0.0
    try:
        return datetime(_two_digit_year(int(m.group(3))), int(m.group(1)), int(m.group(2)), int(m.group(4)),
                        int(m.group(5)), int(sec), int(round((sec % 1) * 1e6)) % 1000000)
    except ValueError:
        return None


_ORIENT = {"long": "Long", "tran": "Tran", "up": "Up", "down": "Down", "vert": "Up", "radl": "Radl"}


def _orientation(text: str) -> str:
    t = text.strip()
    m = re.match(r"(\d{1,3})\s*deg", t, re.I)
    if m:
        return m.group(1)
    word = t.split()[0].lower() if t.split() else ""
    return _ORIENT.get(word[:4], t.split()[0] if t.split() else "")


def parse_csmip_block(lines: list[str], label: str) -> Component:
    """One CSMIP V1/V2 channel from its lines (``label`` names it in errors)."""
    header = "\n".join(lines[:45])
    data_idx = next((i for i, ln in enumerate(lines)
                     if re.search(r"points of (?:accel|acceleration)\b.*?(?:data )?equally spaced", ln, re.I)), None)
    if data_idx is None:
        raise ValueError(f"{label}: no 'points of accel data' line; not a CSMIP V1/V2 file or cut short")
    line = lines[data_idx]
    m = re.match(r"\s*(\d+)\s+points.*?spaced at\s+([\d.]+)\s*sec", line, re.I)
    if not m:
        raise ValueError(f"{label}: cannot read the number of points and the interval from {line.strip()!r}")
    n, dt = int(m.group(1)), float(m.group(2))
    unit_m = re.search(r"units:\s*([^)]+)\)", line, re.I) or re.search(r"\bin\s+([a-z/0-9^*]+?)[.,]?(?:\s|\(|$)", line,
                                                                        re.I)
    unit = unit_m.group(1).strip() if unit_m else ("g" if "ACCEL DATA IN G" in line.upper() else "cm/s^2")
    per_line, width = _format(line, (8, 10))
    values = _fixed_width(lines[data_idx + 1:], n, per_line, width)
    chan = re.search(r"^\s*chan\s+(\d+)\s*:\s*(.*?)\s*(?:\(sta chn:\s*(\d+)\s*\))?\s*location:\s*(.*?)\s*$", header,
                     re.I | re.M)
    if chan:
        number = int(chan.group(3) or chan.group(1))
        orientation, location = _orientation(chan.group(2)), chan.group(4)
    else:
        first = re.search(r"chan\s+(\d+)\s*:\s*(\S+(?:\s+deg)?)", lines[0], re.I)
        number = int(first.group(1)) if first else 0
        orientation, location = (_orientation(first.group(2)) if first else ""), ""
    station = re.search(r"station no\.\s*(\S+)", header, re.I)
    return Component(number=number, orientation=orientation, dt_s=dt, unit=unit, values=values,
                     start=_csmip_start(header), location=location, station=station.group(1) if station else "")


def parse_cosmos_block(lines: list[str], label: str) -> tuple[Component, int]:
    """One COSMOS V1/V2 channel; returns it and the number of lines it used."""
    m = re.search(r"with\s+(\d+)\s+text lines", lines[0], re.I)
    n_text = int(m.group(1)) if m else 13
    i = n_text
    ints_m = re.match(r"\s*(\d+)\s+integer-header values follow on\s+(\d+)\s+lines", lines[i], re.I)
    if not ints_m:
        raise ValueError(f"{label}: no integer-header line after the {n_text} text lines")
    n_int, l_int = int(ints_m.group(1)), int(ints_m.group(2))
    ints = np.array(" ".join(lines[i + 1:i + 1 + l_int]).split(), dtype=float)[:n_int]
    i += 1 + l_int
    reals_m = re.match(r"\s*(\d+)\s+real-header values follow on\s+(\d+)\s+lines", lines[i], re.I)
    if not reals_m:
        raise ValueError(f"{label}: no real-header line")
    n_real, l_real = int(reals_m.group(1)), int(reals_m.group(2))
    per, width = _format(lines[i], (6, 13))
    reals = _fixed_width(lines[i + 1:i + 1 + l_real], n_real, per, width)
    i += 1 + l_real
    com_m = re.match(r"\s*(\d+)\s+comment line", lines[i], re.I)
    if com_m:
        i += 1 + int(com_m.group(1))
    data_m = re.match(r"\s*(\d+)\s+(\w+)\s+pts.*?units\s*=\s*([^\s(,]+)", lines[i], re.I)
    if not data_m or not data_m.group(2).lower().startswith("acc"):
        raise ValueError(f"{label}: no acceleration data line where expected (line {i + 1})")
    n, unit = int(data_m.group(1)), data_m.group(3)
    per, width = _format(lines[i], (8, 10))
    values = _fixed_width(lines[i + 1:], n, per, width)
    used = i + 1 + math.ceil(n / per)
    if used < len(lines) and lines[used].lower().startswith("end-of-data"):
        used += 1
    dt = float(reals[61]) * 1e-3 if n_real > 61 and reals[61] > 0 else None
    if dt is None:
        raise ValueError(f"{label}: the sampling interval (real header 62) is missing")
    start = None
    try:
        if n_int > 44 and ints[39] > 0:
            sec = float(reals[29]) if n_real > 29 and reals[29] >= 0 else 0.0
            start = datetime(int(ints[39]), int(ints[41]), int(ints[42]), int(ints[43]), int(ints[44]), int(sec),
                             int(round((sec % 1) * 1e6)) % 1000000)
    except (ValueError, OverflowError):
        start = None
    chan = re.search(r"chan\s+(\d+)\s*:\s*(\S+(?:\s+deg)?)", " ".join(lines[:n_text]), re.I)
    number = int(chan.group(1)) if chan else int(ints[49]) if n_int > 49 else 0
    orientation = _orientation(chan.group(2)) if chan else ""
    loc = re.search(r"location:\s*(.*?)\s*$", "\n".join(lines[:n_text]), re.I | re.M)
    return Component(number=number, orientation=orientation, dt_s=dt, unit=unit, values=values, start=start,
                     location=loc.group(1) if loc else ""), used


def parse_text(text: str, label: str) -> list[Component]:
    """Every channel in one strong-motion text file (CSMIP or COSMOS, one or several channels)."""
    lines = text.splitlines()
    first = lines[0].strip().lower() if lines else ""
    if "format v" in first and "text lines" in first:  # COSMOS
        comps, i = [], 0
        while i < len(lines) and lines[i].strip():
            comp, used = parse_cosmos_block(lines[i:], label)
            comps.append(comp)
            i += used
        return comps
    starts = [i for i, ln in enumerate(lines) if re.match(r"\s*(?:un)?corrected accelerogram\s+(?!data\b)", ln, re.I)]
    if not starts:
        raise ValueError(f"{label}: not a CSMIP/COSMOS strong-motion text file (no 'Corrected accelerogram' header)")
    bounds = starts + [len(lines)]
    return [parse_csmip_block(lines[a:b], label) for a, b in zip(bounds[:-1], bounds[1:])]


# -------------------------------------------------------------------------------------------------- files
def _member_sort_key(name: str) -> tuple:
    m = re.search(r"(\d+)", Path(name).stem)
    return (int(m.group(1)) if m else 0, name)


def _components_from_zip(path: Path, component: str) -> list[Component]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ReadError(path, "the zip archive is damaged or truncated; download it again") from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        wanted = [i for i in members if Path(i.filename).suffix.lower().startswith(f".{component.lower()}")]
        if not wanted:
            kinds = sorted({Path(i.filename).suffix.upper() for i in members})
            raise ReadError(path, f"the archive holds no {component.upper()} strong-motion files (it holds "
                                  f"{', '.join(kinds) or 'nothing'}); uncorrected V1 records are read when asked for "
                                  f"(component V1)")
        total = sum(i.file_size for i in wanted)  # the sizes the archive declares, which reading never exceeds
        if total > MAX_ARCHIVE_BYTES:
            raise ReadError(path, f"the archive's {len(wanted)} {component.upper()} files unpack to "
                                  f"{size_text(total)} together, more than the {size_text(MAX_ARCHIVE_BYTES)} a "
                                  f"strong-motion event can hold; it is damaged or not an event archive")
        check_memory(path, total * 4, f"the archive's {len(wanted)} {component.upper()} files ({size_text(total)})")
        comps: list[Component] = []
        for info in sorted(wanted, key=lambda i: _member_sort_key(i.filename)):
            if info.file_size > MAX_MEMBER_BYTES:
                raise ReadError(path, f"{info.filename} in the archive is {info.file_size / 2**20:.0f} MB, too large "
                                      f"for a strong-motion channel")
            try:
                raw = zf.read(info)
            except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
                log_reason(path, exc)
                raise ReadError(path, f"{info.filename} in the archive is damaged (its compressed data are corrupt); "
                                      f"download it again") from None
            if looks_binary(raw):
                raise ReadError(path, f"{info.filename} in the archive is binary, not a strong-motion text file")
            try:
                comps.extend(parse_text(decode_text(raw), info.filename))
            except (ValueError, IndexError) as exc:
                raise ReadError(path, _why(exc, info.filename)) from None
    return comps


def _why(exc: Exception, member: Optional[str]) -> str:
    where = f"{member} in the archive" if member else "the file"
    if isinstance(exc, IndexError):  # a header or data block runs past the last line
        return f"{where} ends before its headers and data do: it is truncated; download it again"
    reason = str(exc).split(": ", 1)[-1] if member is None else str(exc)
    if reason.startswith(("invalid literal", "could not convert")):  # Python's words for a number it could not parse
        log_reason(Path(member or "?"), exc)
        reason = f"{where} holds text where a header value or a sample should be a number"
    return f"{reason}; the file is damaged or truncated"


def read(path: Path, *, fs: Optional[float] = None, component: str = "V2", **options) -> Recording:
    """Read a CSMIP/COSMOS V1/V2 file or a zip of them. Options: ``component``, ``channels``, ``max_gap_s``."""
    if str(component).upper() not in ("V1", "V2"):
        raise OptionError(f"component must be 'V1' (uncorrected) or 'V2' (corrected), got {component!r}")
    path = Path(path)
    raw = read_bytes(path)
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        comps = _components_from_zip(path, component)
    else:
        if not raw.strip():
            raise ReadError(path, "the file is empty (no data)")
        if looks_binary(raw):
            raise ReadError(path, "this is a binary file, not a CSMIP/COSMOS strong-motion text file")
        try:
            comps = parse_text(decode_text(raw), path.name)
        except (ValueError, IndexError) as exc:
            raise ReadError(path, _why(exc, None)) from None
    dts = sorted({round(c.dt_s, 9) for c in comps})
    if len(dts) > 1:
        detail = ", ".join(f"{c.name}: {c.dt_s:g} s" for c in comps[:6])
        raise ReadError(path, f"the channels have different sampling intervals ({detail}, ...); choose channels of "
                              f"one interval with the channel selection")
    dt = dts[0]
    if not dt > 0:
        raise ReadError(path, f"the header states a sampling interval of {dt:g} s, which is not a positive number; "
                              f"the file is damaged")
    lengths = [c.values.size for c in comps]
    n = min(lengths)
    metadata: dict = {"dt_s": dt, "channel_locations": {c.name: c.location for c in comps},
                      "station": comps[0].station}
    if max(lengths) != n:
        metadata["trimmed_channels"] = {c.name: c.values.size for c in comps if c.values.size != n}
        metadata["trimmed_to_samples"] = n
    data = np.column_stack([c.values[:n] for c in comps])
    starts = [c.start for c in comps if c.start is not None]
    fs_hz = choose_fs(path, fs, snap_fs(1.0 / dt), "the header's sampling interval")
    return make_recording(path, data, fs_hz=fs_hz, names=[c.name for c in comps], source_units=[c.unit for c in comps],
                          start=min(starts) if starts else None, fmt=FORMAT, metadata=metadata,
                          directions=[c.orientation or None for c in comps], **options)
