"""CSV/TXT recordings the way loggers write them.

Delimiter ``,`` ``;`` tab ``|`` or whitespace; decimal comma; a header row of channel names with units in brackets
or parentheses (``ACC01_z [g]``, ``A1 (m/s2)``); an optional time column recognised by its name (time, t, Zeit,
timestamp, ...) or its unit ``[s]``/``[ms]``, holding seconds, Unix epoch seconds or date-time stamps (with
milliseconds), from which fs is derived and checked for uniform spacing; preamble lines (``# key = value``,
``% key: value``, or bare ``key: value`` lines before the header) carrying fs (or dt), start and unit. When there is
no uncommented header the last comment line may hold the channel names. A first column is never taken as time just
because it increases. Gzip-compressed files are read transparently (``deck.csv.gz``).

The numeric body of a large plain file goes to pyarrow's multi-threaded parser, else to numpy's C reader; anything
unusual takes the careful path, parsed in one pass in C (``bytes.split`` + ``numpy.array(..., float)``) with rows
counted by vectorised byte arithmetic, so ragged rows are found without a Python loop over the samples.
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
from shm_app.io._common import (WORK_FACTOR, check_memory, choose_fs, fs_from_times, looks_binary, make_recording,
                                parse_datetime, parse_number, read_text, size_text, snap_fs)
from shm_app.io._csv_layout import (CLOCK, DATE, DT_KEYS, FS_KEYS, KEYVAL, NAME_KEYS, START_KEYS, UNIT_KEYS, Layout,
                                    data_tokens, is_time_name, meta_lookup, scan_head, split_fields, split_header,
                                    split_name_unit, time_unit_factor, token_kind)
from shm_app.io._csv_stamps import fast_stamp_table, parse_stamps, split_stamp_column
from shm_app.recording import Recording

FORMAT = "csv"

# ---------------------------------------------------------------------------------------------- body
def _count_tokens_per_line(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(line index, token count) of every non-blank line of a whitespace-separated byte buffer."""
    u = np.frombuffer(buf, dtype=np.uint8)
    is_sp = u <= 32
    starts = np.flatnonzero(~is_sp[1:] & is_sp[:-1]) + 1
    if u.size and not is_sp[0]:
        starts = np.concatenate(([0], starts))
    newlines = np.flatnonzero(u == 10)
    line_of = np.searchsorted(newlines, starts)
    counts = np.bincount(line_of, minlength=newlines.size + 1)
    lines = np.flatnonzero(counts)
    return lines, counts[lines]


def _locate_bad_token(tokens: list[bytes]) -> int:
    for i, t in enumerate(tokens):
        try:
            float(t)
        except ValueError:
            return i
    return -1


def _fast_parse(body: str, lay: Layout, n_cols: int) -> Optional[np.ndarray]:
    """The common case through numpy's C reader; None when anything is unusual (the careful path then decides)."""
    if lay.trailing or ("#" in body and "%" in body) or "//" in body:
        return None
    text = body.replace(",", ".") if lay.decimal_comma else body
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data"
            stream = StringIO(text, newline=None if "\r" in text else "\n")  # translate only when there is a CR
            values = np.loadtxt(stream, delimiter=lay.delim, comments="%" if "%" in text else "#",
                                quotechar='"', dtype=float, ndmin=2)
    except (ValueError, TypeError, IndexError):
        return None
    if values.shape[0] == 0 or values.shape[1] != n_cols:
        return None
    return values


def _parse_numeric(path: Path, body: str, lay: Layout, n_cols: int, names: list[str]) -> np.ndarray:
    values = _fast_parse(body, lay, n_cols)
    if values is not None:
        return values
    if '"' in body:
        body = body.replace('"', "")
    if "#" in body or "%" in body:  # comment lines among the data: blank them, keep the line numbering
        body = re.sub(r"(?m)^[ \t]*(?:#|%|//).*$", "", body)
    delim = lay.delim
    if lay.decimal_comma:
        body = body.replace(",", ".")
    if delim:
        d = re.escape(delim)
        pad = "[ ]*" if delim == "\t" else "[ \t]*"
        if lay.trailing:  # a delimiter ends every row
            body = re.sub(d + pad + r"(?=\r?$)", "", body, flags=re.M)
        if delim + delim in body or body.startswith(delim) or f"\n{delim}" in body or f"{delim}\n" in body \
                or f"{delim}\r" in body or body.rstrip(" \t").endswith(delim):  # empty fields -> NaN
            body = re.sub(rf"(?m)(?:^|(?<={d})){pad}(?={d}|\r?$)", "nan", body)
            body = re.sub(r"(?m)^nan\r?$", "", body)  # blank lines stay blank
        body = body.replace(delim, " ")
    try:
        buf = body.encode("ascii")
    except UnicodeEncodeError:
        buf = body.encode("utf-8")
    lines, counts = _count_tokens_per_line(buf)
    if lines.size == 0:
        raise ReadError(path, "the file has a header but no data rows")
    bad_rows = np.flatnonzero(counts != n_cols)
    if bad_rows.size:
        k = int(bad_rows[0])
        last = k == lines.size - 1
        hint = "the last row is cut short: the file looks truncated" if last else \
            f"ragged rows: {bad_rows.size} row(s) differ"
        raise ReadError(path, f"line {lay.body_line + 1 + int(lines[k])} has {int(counts[k])} values where the "
                              f"other rows have {n_cols} ({hint}); repair or re-export the file")
    tokens = buf.split()
    try:
        values = np.array(tokens, dtype=float)
    except ValueError:
        i = _locate_bad_token(tokens)
        row, col = divmod(i, n_cols)
        bad = tokens[i].decode("utf-8", "replace")
        raise ReadError(path, f"line {lay.body_line + 1 + int(lines[row])}, column {names[col]!r} holds "
                              f"{bad!r}, which is not a number (text in a numeric column); fix or remove that row"
                              ) from None
    return values.reshape(lines.size, n_cols)


_DIRECT_MIN_BYTES = 2**20  # larger plain files: only the head is decoded; pyarrow (or numpy) reads the body from disk
_PEEK_BYTES = 1 << 20
_THREADED_MIN_BYTES = 4 * 2**20  # smaller files parse on one thread (campaign workers already fill the cores)
_ARROW_RANGE_BYTES = 64 * 2**20  # larger files are parsed a range at a time: memory is the numbers and one range


def _peek_head(path: Path) -> Optional[tuple[str, str]]:
    """The first MiB (whole lines) of a large plain-text file, decoded, and its encoding; None otherwise."""
    if path.stat().st_size < _DIRECT_MIN_BYTES:
        return None
    with open(path, "rb") as fh:
        head = fh.read(_PEEK_BYTES)
    cut = head.rfind(b"\n")
    if head[:2] in (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff") or looks_binary(head) or cut < 0:
        return None
    head = head[:cut + 1]
    if head.count(b"\r") != head.count(b"\r\n"):  # bare CRs: line numbers would not match numpy's
        return None
    try:
        return head.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        return head.decode("latin-1"), "latin-1"


def _fast_parse_file(path: Path, lay: Layout, n_cols: int, encoding: str, split: Optional[int] = None):
    """The body straight from disk (no decoded copy of a large file in memory): pyarrow's multi-threaded parser for
    the plain delimited case, else numpy's C reader; None when the body is unusual (the careful path then decides).
    ``split``: the index of a column Arrow may return apart (:func:`_arrow_table`); numpy's reader never does.
    """
    if lay.decimal_comma or lay.trailing:
        return None
    values = _arrow_table(path, lay, n_cols, encoding, split)
    if values is not None:
        return values
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(path, skiprows=lay.body_line, delimiter=lay.delim, comments="#", quotechar='"',
                                dtype=float, ndmin=2, encoding=encoding)
    except (ValueError, TypeError, IndexError, UnicodeDecodeError):
        return None
    if values.shape[0] == 0 or values.shape[1] != n_cols:
        return None
    return values


def _line_count(path: Path, block: int = 1 << 20) -> int:
    """Line breaks in the file, counted a block at a time (an upper bound for its rows)."""
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            count += chunk.count(b"\n")
    return count


def _arrow_table(path: Path, lay: Layout, n_cols: int, encoding: str, split: Optional[int] = None):
    """The body through pyarrow's CSV parser, or None for anything but plain rows.

    Arrow parses floats with correct rounding, so the values are bit for bit those of numpy's reader; like numpy
    it skips blank lines and trims spaces around numbers. Only the empty string means null: an empty field sends
    the file to numpy's reader and the careful path, which name the line, and so does any row Arrow refuses (a
    comment line, a ragged row, text in a numeric column).

    Returns the (rows, n_cols) C-ordered values, or with ``split`` (a column index, the time column) the pair
    ``(values without that column, C-ordered; that column)``, so the channels need no second copy to drop it.

    The file is parsed by Arrow's threads in ranges of about 64 MiB cut at line breaks (one range for most
    files: 1 h × 12 channels at 100 Hz is ~60 MB), each range's batches copied into the C-ordered output while
    they are small enough to stay in cache. Memory is the numbers once plus one range's Arrow table (a whole
    Arrow table beside a NumPy copy, then the C-ordered copy the recording needs, held them three times: 4.2 GB at
    the peak for 1.3 GB of numbers). Arrow's streaming reader, which the range scheme replaced, parses on one
    thread: 0.2 s for that hour against 0.11 s on two cores.
    """
    if lay.delim is None or len(lay.delim) != 1 or encoding != "utf-8-sig":
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:  # pyarrow is a dependency, but a damaged install must not stop reading
        return None
    names = [f"c{j}" for j in range(n_cols)]
    size = path.stat().st_size
    kept = [j for j in range(n_cols) if j != split]
    options = dict(parse_options=pa_csv.ParseOptions(delimiter=lay.delim, quote_char='"'),
                   convert_options=pa_csv.ConvertOptions(
                       column_types={n: pa.float64() for n in names}, null_values=[""], strings_can_be_null=False,
                       quoted_strings_can_be_null=False))

    def read_options(skip: int):
        return pa_csv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 20,
                                  use_threads=size > _THREADED_MIN_BYTES)

    out = column = None
    row = 0
    tables = iter(())
    try:
        if size <= _ARROW_RANGE_BYTES:
            tables = iter([pa_csv.read_csv(path, read_options=read_options(lay.body_line), **options)])
        else:
            tables = _arrow_ranges(path, pa, pa_csv, read_options, options, lay.body_line)
            rows = max(_line_count(path) + 1 - lay.body_line, 1)  # an upper bound: blank lines are skipped
            out = np.empty((rows, len(kept)))
            column = np.empty(rows) if split is not None else None
        for table in tables:
            if out is None:  # one range: its rows are the file's
                out = np.empty((max(table.num_rows, 1), len(kept)))
                column = np.empty(out.shape[0]) if split is not None else None
            for batch in table.to_batches():  # ~1 MiB of text each: its rows of the output stay in cache
                k = batch.num_rows
                if any(c.null_count for c in batch.columns) or row + k > out.shape[0]:
                    return None
                arrays = [np.frombuffer(c.buffers()[1], dtype=np.float64, count=k, offset=c.offset * 8)
                          for c in batch.columns]  # the data buffers as they are (no pandas round trip)
                for j, src in enumerate(kept):
                    out[row:row + k, j] = arrays[src]
                if column is not None:
                    column[row:row + k] = arrays[split]
                row += k
    except (pa.ArrowException, OSError, ValueError):
        return None
    finally:
        getattr(tables, "close", lambda: None)()  # a range reader left early unmaps the file now
    if not row:
        return None
    return out[:row] if split is None else (out[:row], column[:row])


def _arrow_ranges(path: Path, pa, pa_csv, read_options, options, skip: int):
    """Arrow tables of successive ranges of about :data:`_ARROW_RANGE_BYTES` of a memory-mapped file, each ending
    at a line break (the first skipping the ``skip`` lines before the body)."""
    with pa.memory_map(str(path)) as mm:
        size, start = mm.size(), 0
        while start < size:
            end = min(start + _ARROW_RANGE_BYTES, size)
            while end < size:  # on to the next line break
                piece = mm.read_at(min(1 << 16, size - end), end)
                cut = piece.find(b"\n")
                if cut >= 0:
                    end += cut + 1
                    break
                end += len(piece)
            mm.seek(start)
            yield pa_csv.read_csv(pa.BufferReader(mm.read_buffer(end - start)),  # the mapped bytes, not a copy
                                  read_options=read_options(skip if start == 0 else 0), **options)
            start = end


class _Source:
    """The file's layout, scanned from its head, and its body text on demand (large files: only if needed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        peek = _peek_head(path)
        self.encoding = ""
        self.lay: Optional[Layout] = None
        if peek is not None:
            text, self.encoding = peek
            try:
                self.lay = scan_head(path, text)
            except ReadError:
                peek = None  # an unusual head (a MiB of preamble?): read the whole text
        self.direct = peek is not None  # numpy may read the body straight from disk
        self._text = None if self.direct else read_text(path)
        if self.lay is None:
            self.lay = scan_head(path, self._text)

    def body(self) -> str:
        if self._text is None:
            self._text = read_text(self.path)
        return self._text[self.lay.body_offset:]


def _check_last_line(path: Path, lay: Layout, tail: str, n_cols: int) -> None:
    """A file whose last line has no line break and whose last value carries fewer digits than every value of that
    column in the first rows was cut in the middle of a number (by a full disk, a copy): refuse it, rather than
    read a corrupted last sample."""
    if not tail or tail.endswith(("\n", "\r")):
        return
    last = tail.rsplit("\n", 1)[-1].strip()
    if not last or last[0] in "#%":
        return
    fields = data_tokens(last, lay.delim, lay.trailing)
    if len(fields) != n_cols:
        return  # a short last row is refused by the parser, naming the line
    column = [data_tokens(s, lay.delim, lay.trailing) for s in lay.sample[:-1] or lay.sample]
    column = [r[-1] for r in column if len(r) == n_cols and r[-1] != fields[-1]]
    if not column:
        return
    printed = [len(t.split(".")[-1]) for t in column if "." in t]
    cut_decimals = "." in fields[-1] and printed and len(fields[-1].split(".")[-1]) < min(printed) \
        and not re.search(r"[eE]", fields[-1]) and all(not re.search(r"[eE]", t) for t in column)
    exponent_lost = all(re.search(r"[eE][-+]?\d", t) for t in column) and not re.search(r"[eE][-+]?\d", fields[-1])
    if cut_decimals or exponent_lost:
        raise ReadError(path, f"the last line ends without a line break in the middle of a number "
                              f"({fields[-1]!r}, where the column is printed like {column[0]!r}): the file is "
                              f"truncated; copy it again or delete that line")


def _estimate_memory(path: Path, source, n_cols: int) -> None:
    """Refuse, before parsing, a file whose numbers would not fit in memory: rows estimated from the file's size
    and the length of its first rows, so a 1.5 GB export says what it needs up front instead of swapping."""
    size = len(source._text) if source._text is not None else path.stat().st_size
    rows = [len(s) + 1 for s in source.lay.sample if s]
    n_rows = size / max(1.0, sum(rows) / max(1, len(rows)))
    numbers = n_rows * n_cols * 8
    text = 0 if source.direct else 3 * size  # the careful path holds the text, its cleaned copy and its bytes
    check_memory(path, numbers * WORK_FACTOR + text,
                 f"the file (about {n_rows:,.0f} rows of {n_cols} columns, {size_text(numbers)} as numbers)")


def _tail(path: Path, source) -> str:
    """The last KiB of the text (from disk for a large plain file)."""
    if source._text is not None:
        return source._text[-1024:]
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 1024))
        return fh.read().decode(source.encoding or "utf-8", "replace")


def _header(path: Path, lay: Layout, n_cols: int) -> list[str]:
    """Column labels: the header row, else a ``channels =`` line or the last comment line, else ch1, ch2, ..."""
    if lay.header is not None:
        header = split_header(lay.header.rstrip().rstrip(lay.delim) if lay.trailing else lay.header, lay.delim)
        while len(header) > n_cols and header and header[-1] == "":
            header.pop()
        if len(header) != n_cols:
            raise ReadError(path, f"the header (line {lay.header_line + 1}) names {len(header)} columns but the data "
                                  f"rows have {n_cols}; check the delimiter or the header")
        return header
    names_meta = meta_lookup(lay.meta, NAME_KEYS)
    candidates = ([names_meta] if names_meta else []) + [c for c in reversed(lay.comments) if not KEYVAL.match(c)][:1]
    for cand in candidates:
        h = split_header(cand, lay.delim) if not (lay.delim is None and "," in cand) else split_fields(cand, ",")
        if len(h) == n_cols:
            return h
    return [f"ch{i + 1}" for i in range(n_cols)]


def _seconds_column(path: Path, lay: Layout, t: np.ndarray, label: str, time_col: int) -> tuple:
    """fs and start from a numeric time column (seconds, ms or Unix epoch), checked for uniform spacing."""
    start = None
    if np.isfinite(t[0]) and t[0] > 1e8:  # Unix epoch seconds (ms when beyond year 5000)
        epoch = t / 1e3 if t[0] > 1e11 else t
        start = datetime(1970, 1, 1) + (np.datetime64(int(round(epoch[0] * 1e6)), "us")
                                        - np.datetime64(0, "us")).item()
        t = epoch - epoch[0]
    printed = " ".join(data_tokens(s, lay.delim, lay.trailing)[time_col] for s in lay.sample)
    digits = [len(m) for m in re.findall(r"[.,](\d+)", printed)]
    resolution = 10.0 ** -max(digits) if digits else 1.0
    return fs_from_times(path, t, label, resolution * 0.5, lay.body_line + 1), start


def _fs_from_metadata(path: Path, meta: dict) -> tuple[Optional[float], str]:
    """fs from an ``fs``/``sampling rate`` line (Hz or kHz) or a ``dt``/``sample interval`` line (s or ms)."""
    value = meta_lookup(meta, FS_KEYS)
    if value is not None:
        fs_hz = parse_number(value)
        if fs_hz is None or re.match(r"\s*[-+]?(nan|inf)", value, re.I):
            raise ReadError(path, f"the sampling rate line says {value!r}, which is not a number; correct the file")
        return fs_hz * (1e3 if re.search(r"\bkhz\b", value, re.I) else 1.0), "the file's sampling-rate line"
    value = meta_lookup(meta, DT_KEYS)
    if value is None:
        return None, "the file"
    dt = parse_number(value)
    if dt is None or not np.isfinite(dt) or dt <= 0:  # a stated interval that is wrong is never "no rate"
        raise ReadError(path, f"the sample-interval line says {value!r}, which is not a positive number of seconds; "
                              f"correct the file")
    dt *= 1e-3 if re.search(r"\bms\b", value) else 1.0
    return snap_fs(1.0 / dt), "the file's sample-interval line"


def _start_from_metadata(path: Path, meta: dict) -> Optional[datetime]:
    value = meta_lookup(meta, START_KEYS)
    if value is None:
        return None
    start = parse_datetime(value)
    clock = meta_lookup(meta, ("time",))
    if start is None and clock is not None:  # "Date: 2026-03-01" and "Time: 03:00:00"
        start = parse_datetime(f"{value} {clock}")
    if start is None:
        raise ReadError(path, f"the start line says {value!r}, which is not a date-time "
                              f"(use ISO 8601, e.g. 2026-03-01T03:00:00)")
    return start


def _units(meta: dict, units: list[Optional[str]]) -> list[Optional[str]]:
    """Units from the header, completed by a ``unit =`` line (one for all, or one per channel)."""
    default_unit = meta_lookup(meta, UNIT_KEYS)
    if not default_unit:
        return units
    per_channel = [u.strip() for u in re.split(r"[,;\t]", default_unit)]
    if len(per_channel) == len(units):
        return [u if u is not None else pc for u, pc in zip(units, per_channel)]
    return [u if u is not None else default_unit.strip() for u in units]


def read(path: Path, *, fs: Optional[float] = None, **options) -> Recording:
    """Read a CSV/TXT recording. Options: ``fs`` (Hz, for files that state none), ``channels``, ``max_gap_s``."""
    path = Path(path)
    source = _Source(path)
    lay = source.lay
    first_tokens = data_tokens(lay.sample[0], lay.delim, lay.trailing)
    n_cols = len(first_tokens)
    if lay.delim is None and n_cols > 1 and DATE.fullmatch(first_tokens[0]) and CLOCK.fullmatch(first_tokens[1]):
        n_cols -= 1  # whitespace-separated stamps "2026-03-01 00:00:00.010" are one value
    _estimate_memory(path, source, n_cols)
    header = _header(path, lay, n_cols)
    _check_last_line(path, lay, _tail(path, source), n_cols)
    names_units = [split_name_unit(h) for h in header]
    time_col = next((i for i, (nm, un) in enumerate(names_units) if is_time_name(nm, un)), None)
    if time_col is None and token_kind(first_tokens[0]) == "stamp":
        time_col = 0  # a date-time stamp is a time column whatever its name
    if time_col is not None and n_cols == 1:
        raise ReadError(path, "the file holds only a time column, no channel data")
    label = f"time column {header[time_col]!r}" if time_col is not None else ""
    stamps = table = body = None
    if time_col is not None and token_kind(first_tokens[min(time_col, n_cols - 1)]) == "stamp":
        body = source.body()
        fast = fast_stamp_table(body, lay, time_col, n_cols)
        if fast is not None:
            stamps, table = fast
        else:
            stamps, body, _ = split_stamp_column(path, body, lay, time_col)
    n_numeric = n_cols - (1 if stamps is not None else 0)
    numeric_names = [nm for i, (nm, _) in enumerate(names_units) if not (stamps is not None and i == time_col)]
    column = None  # the time column, when the parser returned it apart from the channels
    if table is None and source.direct:
        table = _fast_parse_file(path, lay, n_numeric, source.encoding,
                                 split=time_col if stamps is None and time_col is not None else None)
        if isinstance(table, tuple):
            table, column = table
    if table is None:
        table = _parse_numeric(path, body if body is not None else source.body(), lay, n_numeric, numeric_names)
    if stamps is not None and len(stamps) != table.shape[0]:
        raise ReadError(path, f"{len(stamps)} time stamps but {table.shape[0]} rows of values (rows without values?); "
                              f"repair or re-export the file")
    start: Optional[datetime] = None
    fs_file, origin = None, "the time column"
    specs = [names_units[i] for i in range(n_cols) if i != time_col]
    data_cols: slice | list = slice(None)
    if stamps is not None:
        t, start, resolution = parse_stamps(path, stamps, label)
        fs_file = fs_from_times(path, t, label, resolution, lay.body_line + 1)
    elif time_col is not None:
        name, unit = names_units[time_col]
        t = (table[:, time_col] if column is None else column) * time_unit_factor(name, unit)
        fs_file, start = _seconds_column(path, lay, t, label, time_col)
        if column is None:
            data_cols = slice(1, None) if time_col == 0 else [i for i in range(n_cols) if i != time_col]
    stated, stated_origin = _fs_from_metadata(path, lay.meta)
    if fs_file is None:
        fs_file, origin = stated, stated_origin
    elif stated is not None and abs(stated - fs_file) > 0.005 * fs_file:
        raise ReadError(path, f"the {label} gives {fs_file:g} Hz but {stated_origin} says {stated:g} Hz; "
                              f"correct one of them")
    fs_hz = choose_fs(path, fs, fs_file, origin)
    start = start or _start_from_metadata(path, lay.meta)
    return make_recording(path, table[:, data_cols], fs_hz=fs_hz, names=[n for n, _ in specs],
                          source_units=_units(lay.meta, [u for _, u in specs]), start=start, fmt=FORMAT,
                          metadata=dict(lay.meta), **options)
