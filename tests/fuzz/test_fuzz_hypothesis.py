"""Hypothesis over the readers' inputs: logger-like text (random delimiters, preambles, headers, numbers, stamps,
junk) and binary files that start like each format and go on with anything. Each example ends in a one-line
ReadError naming the file or in a sane recording; the counts join the fuzz summary."""
from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_harness import SUMMARY, Case, Outcome, _one

SETTINGS = settings(max_examples=60, deadline=3000, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FOLDER = Path(tempfile.mkdtemp(prefix="shm-fuzz-hyp-"))

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-10**20, 10**20).map(str),
                    st.sampled_from(["", "nan", "inf", "-", "1e308", "1e-300", "0,5", "1.2.3", "1e", "x"]))
stamps = st.datetimes().map(lambda d: d.isoformat(sep=" "))
plain = st.floats(-1e3, 1e3).map(lambda x: f"{x:.6f}")
odd = st.one_of(numbers, stamps, st.text(string.printable, max_size=8))
cells = st.one_of(plain, plain, plain, plain, plain, plain, plain, plain, plain, odd)
delims = st.sampled_from([",", ";", "\t", " ", "|", ", "])
preamble = st.lists(st.one_of(
    st.sampled_from(["# fs = 100", "# fs = NaN", "# dt = 0.01", "# dt = -1", "# start = 2026-03-01T00:00:00",
                     "% unit: g", "sampling rate: 1e-300 Hz", "# channels = a,b,c", "Date: 2026-03-01"]),
    st.text(string.printable, max_size=30).map(lambda t: "# " + t)), max_size=4)


@st.composite
def logger_text(draw) -> str:
    d = draw(delims)
    n_cols = draw(st.integers(1, 6))
    header = d.join(draw(st.lists(st.text(string.ascii_letters + " [](/)^2", max_size=10), min_size=n_cols,
                                  max_size=n_cols)))
    ragged = draw(st.integers(0, 4)) == 0
    rows = draw(st.lists(st.lists(cells, min_size=max(1, n_cols - ragged), max_size=n_cols + ragged), min_size=0,
                         max_size=40))
    lines = draw(preamble) + ([header] if draw(st.booleans()) else []) + [d.join(r) for r in rows]
    end = draw(st.sampled_from(["\n", "\r\n", ""]))
    return end.join(lines) + (end if draw(st.booleans()) else "")


def _run(family: str, kind: str, name: str, raw: bytes, options: dict) -> None:
    path = FOLDER / name
    path.write_bytes(raw)
    status, message = _one(kind, str(path), options)
    SUMMARY.outcomes.append(Outcome(Case(family, str(path), kind, tuple(options.items()), label="hypothesis"),
                                    status, message))
    assert status in ("ok", "refused"), f"{status}: {message}"


@SETTINGS
@given(text=logger_text(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
       fs=st.sampled_from([None, 100.0]))
def test_logger_like_text(text, encoding, fs):
    raw = text.encode(encoding, "replace")
    _run("hypothesis-csv", "read", "h.csv", raw, {} if fs is None else {"fs": fs})


@pytest.mark.parametrize("kind", ["environment", "frequency", "geometry", "lines"])
@SETTINGS
@given(text=logger_text())
def test_side_tables(kind, text):
    _run(f"hypothesis-{kind}", kind, f"h_{kind}.csv", text.encode("utf-8", "replace"), {})


MAGIC = {".h5": b"\x89HDF\r\n\x1a\n", ".mat": b"MATLAB 5.0 MAT-file".ljust(116) + bytes(8) + b"\x00\x01IM",
         ".tdms": b"TDSm", ".npy": b"\x93NUMPY\x01\x00", ".npz": b"PK\x03\x04", ".uff": b"    -1\n    58\n",
         ".mseed": b"000001D ", ".v2": b"CORRECTED ACCELEROGRAM ", ".csv.gz": b"\x1f\x8b\x08\x00"}


@SETTINGS
@given(suffix=st.sampled_from(sorted(MAGIC)), tail=st.binary(max_size=2048))
def test_files_that_start_like_a_format(suffix, tail):
    _run("hypothesis-binary", "read", f"h{suffix}", MAGIC[suffix] + tail, {"fs": 100.0})


@pytest.mark.parametrize("n", [1])
@SETTINGS
@given(data=st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=2, max_size=2),
                     min_size=1, max_size=50))
def test_numbers_of_any_size_in_a_npy(n, data):
    path = FOLDER / "h.npy"
    np.save(path, np.array(data, dtype=float))
    status, message = _one("read", str(path), {"fs": 100.0})
    SUMMARY.outcomes.append(Outcome(Case("hypothesis-npy", str(path), "read", label="hypothesis"), status, message))
    assert status in ("ok", "refused"), f"{status}: {message}"


@SETTINGS
@given(values=st.integers(2, 5).flatmap(lambda c: st.lists(
           st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=c, max_size=c), min_size=2, max_size=60)),
       delim=st.sampled_from([",", ";", "\t", " "]), comma=st.booleans(), digits=st.integers(4, 12),
       final_newline=st.booleans(), crlf=st.booleans())
def test_well_formed_tables_read_to_their_numbers(values, delim, comma, digits, final_newline, crlf):
    """A plain table, whatever its delimiter, decimal mark, precision and line ends, reads to exactly its numbers."""
    comma = comma and delim != ","
    table = np.array(values)
    fmt = f"%.{digits}e"

    def cell(x):
        text = fmt % x
        return text.replace(".", ",") if comma else text

    names = [f"A{j + 1}" for j in range(table.shape[1])]
    end = "\r\n" if crlf else "\n"
    lines = ["# fs = 100", delim.join(names)] + [delim.join(cell(x) for x in row) for row in table]
    path = FOLDER / "well_formed.csv"
    path.write_bytes((end.join(lines) + (end if final_newline else "")).encode())
    status, message = _one("read", str(path), {})
    SUMMARY.outcomes.append(Outcome(Case("hypothesis-csv-exact", str(path), "read", label="hypothesis"), status,
                                    message))
    assert status == "ok", message
    from shm_app import io

    rec = io.read(path)
    expected = np.array([[float(fmt % x) for x in row] for row in table])
    assert rec.fs_hz == 100.0 and rec.channel_names == names
    np.testing.assert_array_equal(rec.data, expected)
