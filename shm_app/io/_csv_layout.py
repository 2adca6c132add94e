"""Where things are in a logger's CSV/TXT file: preamble metadata, header row, first data row, delimiter, decimal
comma. Only the first MiB is looked at; the body is parsed by :mod:`shm_app.io.csv_reader`.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Optional

from shm_app.errors import ReadError

TIME_NAMES = {
    "time", "t", "zeit", "timestamp", "time stamp", "timestamps", "time s", "t s", "seconds", "sec", "datetime",
    "date time", "date/time", "datum/zeit", "datum zeit", "uhrzeit", "elapsed", "elapsed time", "relative time",
    "abs time", "absolute time", "time utc", "utc", "date", "datum", "zeitstempel", "tiempo", "temps", "ts",
    "time (s)", "epoch", "unix time", "sample time", "time [s]",
}
TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3}
FS_KEYS = ("fs", "fs_hz", "fs hz", "sampling rate", "sampling_rate", "sample rate", "sample_rate", "samplerate",
           "sampling frequency", "sampling_frequency", "sample frequency", "abtastrate", "abtastfrequenz",
           "scan rate", "rate")
DT_KEYS = ("dt", "delta t", "delta_t", "sample interval", "sampling interval", "sample_interval", "interval",
           "time step", "abtastintervall")
START_KEYS = ("start", "start time", "start_time", "starttime", "start date", "recording start", "trigger time",
              "startzeit", "beginn", "date", "datetime")
UNIT_KEYS = ("unit", "units", "einheit", "acc unit", "acceleration unit")
NAME_KEYS = ("channels", "channel names", "channel_names", "names", "kanäle", "kanaele")

KEYVAL = re.compile(r"^\s*([A-Za-zÄÖÜäöü_][\w .()/\[\]-]*?)\s*(?:=|:(?!\d))\s*(.*?)\s*$")
_UNIT_IN_NAME = re.compile(r"^(.*?)\s*[\[(]\s*([^\])]*?)\s*[\])]\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf|infinity)", re.I)
_TIME_PART = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z| ?UTC| ?GMT|[+-]\d\d:?\d\d)?"
DATE = re.compile(r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})" + _TIME_PART)
CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")
_HEAD_CHARS = 1 << 20  # the preamble and header must lie in the first MiB


def token_kind(tok: str) -> str:
    t = tok.strip().strip('"').strip()
    if t == "":
        return "empty"
    if _NUMBER.fullmatch(t):
        return "number"
    if DATE.fullmatch(t) or CLOCK.fullmatch(t):
        return "stamp"
    return "text"


def _is_data_row(line: str) -> bool:
    """A row of numbers (and possibly date-time stamps or empty fields), no words."""
    for splitter in (r"[;\t,|\s]+", r"[;\t|\s]+"):  # with and without commas (decimal-comma stamps)
        kinds = [token_kind(t) for t in re.split(splitter, line.strip()) if t]
        if kinds and "text" not in kinds and ("number" in kinds or "stamp" in kinds):
            return True
    return False


def strip_line(line: str, delim: Optional[str]) -> str:
    """A line without its end-of-line and outer spaces (tabs kept when they separate fields)."""
    return line.strip(" \r\n") if delim == "\t" else line.strip()


def split_fields(line: str, delim: Optional[str]) -> list[str]:
    s = strip_line(line, delim)
    return [t.strip().strip('"').strip() for t in (s.split(delim) if delim else s.split())]


def split_header(line: str, delim: Optional[str]) -> list[str]:
    if delim:
        return split_fields(line, delim)
    # whitespace: keep a bracketed unit with its name ("A1 (m/s2)", "time [s]")
    return [t.strip('"') for t in re.findall(r'"[^"]*"|[^\s\[(]+(?:\s*[\[(][^\])]*[\])])?|[\[(][^\])]*[\])]', line)]


def _valueish(tok: str, decimal_comma_ok: bool) -> bool:
    kind = token_kind(tok)
    if kind == "number":
        return decimal_comma_ok or "," not in tok
    return kind in ("stamp", "empty")


def data_tokens(line: str, delim: Optional[str], trailing: bool) -> list[str]:
    """The fields of a data row, without the one delimiter that ends every row when ``trailing``."""
    if delim and trailing:
        line = strip_line(line, delim)
        line = line[:-len(delim)] if line.endswith(delim) else line
    return split_fields(line, delim)


def _sniff_delimiter(sample: list[str], header: Optional[str]) -> tuple[Optional[str], bool]:
    """The delimiter that splits the sample rows (and the header) consistently, and whether rows end with it."""
    fallback = None
    for delim in ("\t", ";", ",", "|"):
        if not any(delim in s for s in sample):
            continue
        trailing = all(s.rstrip(" \r\n").endswith(delim) for s in sample)
        rows = [data_tokens(s, delim, trailing) for s in sample]
        counts = [len(r) for r in rows]
        mode = Counter(counts).most_common(1)[0][0]
        if mode < 2 and not trailing:  # one column is a delimiter only when every row ends with it
            continue
        tokens = [t for r in rows for t in r]
        valueish = sum(_valueish(t, delim != ",") for t in tokens) / len(tokens)
        consistent = counts.count(mode) / len(counts)
        header_match = header is not None and len(split_fields(header.rstrip().rstrip(delim) if trailing else header,
                                                         delim)) in (mode, mode + 1)
        if header_match and valueish >= 0.5:
            return delim, trailing
        if valueish >= 0.8 and consistent >= 0.8 and header is None:
            return delim, trailing
        if fallback is None and valueish >= 0.8 and consistent >= 0.8:
            fallback = (delim, trailing)
    if header is not None and fallback is not None:
        counts = {len(split_fields(s, None)) for s in sample}
        if len(counts) == 1 and len(split_header(header, None)) in counts:
            return None, False  # whitespace explains the header: the commas are decimal commas
    return fallback or (None, False)


def split_name_unit(text: str) -> tuple[str, Optional[str]]:
    m = _UNIT_IN_NAME.match(text.strip())
    if m and m.group(1).strip():
        return m.group(1).strip(), (m.group(2).strip() or None)
    return text.strip(), None


def _norm_key(key: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\[(].*?[\])]", "", key).replace("_", " ").replace("-", " ")).strip().lower()


def is_time_name(name: str, unit: Optional[str]) -> bool:
    n = _norm_key(name)
    if n in TIME_NAMES or name.strip().lower() in TIME_NAMES:
        return True
    return unit is not None and unit.strip().lower() in TIME_UNITS  # "Messzeit [s]": the unit says it is time


def time_unit_factor(name: str, unit: Optional[str]) -> float:
    if unit is not None and unit.strip().lower() in TIME_UNITS:
        return TIME_UNITS[unit.strip().lower()]
    return 1e-3 if re.search(r"(^|[\s_])ms$", name.strip().lower()) else 1.0


def meta_lookup(meta: dict, keys) -> Optional[str]:
    normalised = {_norm_key(k): v for k, v in meta.items()}
    for k in keys:
        if _norm_key(k) in normalised:
            return normalised[_norm_key(k)]
    return None


def _fields_any(line: str) -> list[str]:
    for delim in ("\t", ";", ",", "|"):
        if delim in line:
            return [t.strip().strip('"') for t in line.split(delim)]
    return line.split()


def _refuse_damaged_first_row(path: Path, candidates: list[tuple[int, str]], first_data: str) -> None:
    """A line taken for the header that is mostly numbers, with the real header above it, is the first data row
    with a typo: refuse it naming the value, rather than drop the real header and read the wrong names."""
    if len(candidates) < 2:
        return
    lineno, line = candidates[-1]
    fields = _fields_any(line)
    n_data = len(_fields_any(first_data))
    kinds = [token_kind(f) for f in fields]
    numbers = kinds.count("number") + kinds.count("stamp")
    if len(fields) != n_data or numbers < max(1, len(fields) // 2) or "text" not in kinds:
        return
    above = _fields_any(candidates[-2][1])
    if len(above) != n_data or sum(token_kind(f) == "text" for f in above) < len(above) - 1:
        return
    bad = next(f for f, k in zip(fields, kinds) if k == "text")
    column = above[kinds.index("text")]
    raise ReadError(path, f"line {lineno + 1}, column {column!r} holds {bad!r}, which is not a number (the first "
                          f"data row has a typo); fix or remove that row")


# ---------------------------------------------------------------------------------------------- preamble
class Layout:
    """Where things are in the file: metadata, header, first data row, delimiter, decimal comma."""

    def __init__(self) -> None:
        self.meta: dict[str, str] = {}
        self.comments: list[str] = []
        self.header: Optional[str] = None
        self.header_line = 0
        self.body_offset = 0
        self.body_line = 0
        self.delim: Optional[str] = None
        self.trailing = False
        self.decimal_comma = False
        self.sample: list[str] = []


def scan_head(path: Path, text: str) -> Layout:
    lay = Layout()
    head = text[:_HEAD_CHARS]
    offset = 0
    found = False
    candidates: list[tuple[int, str]] = []
    for lineno, line in enumerate(head.split("\n")):
        if offset + len(line) >= len(head) and len(head) < len(text):
            break
        s = line.strip()
        this_offset = offset
        offset += len(line) + 1
        if not s:
            continue
        if s[0] in "#%" or s.startswith("//"):
            content = s.lstrip("#%/").strip()
            lay.comments.append(content)
            m = KEYVAL.match(content)
            if m:
                lay.meta.setdefault(m.group(1).strip().lower(), m.group(2))
            continue
        if _is_data_row(s):
            found = True
            lay.body_offset, lay.body_line = this_offset, lineno
            if candidates:
                _refuse_damaged_first_row(path, candidates, s)
                lay.header_line, lay.header = candidates[-1]
                for _, other in candidates[:-1]:
                    m = KEYVAL.match(other)
                    if m:
                        lay.meta.setdefault(m.group(1).strip().lower(), m.group(2))
            break
        candidates.append((lineno, s))
        m = KEYVAL.match(s)
        if m and not re.search(r"[;\t,]", m.group(1)) and m.group(2):
            lay.meta.setdefault(m.group(1).strip().lower(), m.group(2))
            candidates.pop()
    if not found:
        if len(head) < len(text):
            raise ReadError(path, "no numeric data rows in the first MiB; is this really a recording?")
        if candidates or lay.comments:
            what = "a header but no data rows" if candidates else "only comments, no data rows"
            raise ReadError(path, f"the file has {what}; was the export cut short?")
        raise ReadError(path, "the file is empty (no data)")
    sample = [ln for ln in text[lay.body_offset:lay.body_offset + 65536].split("\n")[:50]]
    sample = [ln.strip(" \r\n") for ln in sample if ln.strip() and ln.strip()[0] not in "#%"]
    if len(text) > lay.body_offset + 65536 and len(sample) > 1:
        sample = sample[:-1]  # the last one may be cut
    lay.sample = sample
    lay.delim, lay.trailing = _sniff_delimiter(sample, lay.header)
    if lay.delim != ",":
        toks = [t for s in sample for t in split_fields(s, lay.delim)]
        lay.decimal_comma = any(re.fullmatch(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?", t) for t in toks)
    return lay
