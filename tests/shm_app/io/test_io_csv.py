"""CSV/TXT reader: the layouts loggers really write, generated variants (Hypothesis) and the bundled sample."""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from io_support import REPO, simulated
from shm_app import io
from shm_app.errors import ReadError
from shm_app.units import G0


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_sample_gzip_csv_still_reads():
    path = sorted((REPO / "resources" / "sample" / "recordings").glob("*.csv.gz"))[0]
    rec = io.read(path)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    rows = [ln for ln in lines if ln and not ln.startswith("#")][1:]
    assert rec.fs_hz == 40.0
    assert rec.n_channels == 8 and rec.n_samples == len(rows)
    assert rec.start == datetime(2026, 3, 2, 0, 0, 0)
    assert rec.channels[0].name == "A01L_z" and rec.channels[0].source_unit == "g"
    assert rec.channels[0].unit == "m/s^2"
    assert rec.data[0, 0] == pytest.approx(float(rows[0].split(",")[0]) * G0)
    assert rec.data[-1, -1] == pytest.approx(float(rows[-1].split(",")[-1]) * G0)


def test_semicolon_decimal_comma_german_time_column(tmp_path):
    p = write(tmp_path, "a.csv", "Zeit [s];ACC01_z [g];A2 (m/s2)\n0,000;0,1;1,5\n0,005;0,2;1,6\n0,010;0,3;1,7\n")
    rec = io.read(p)
    assert rec.fs_hz == 200.0
    assert rec.channel_names == ["ACC01_z", "A2"]
    assert [c.source_unit for c in rec.channels] == ["g", "m/s^2"]
    np.testing.assert_allclose(rec.data[:, 0], np.array([0.1, 0.2, 0.3]) * G0)
    np.testing.assert_allclose(rec.data[:, 1], [1.5, 1.6, 1.7])


def test_preamble_key_value_lines_and_datetime_stamps_with_milliseconds(tmp_path):
    rows = "\n".join(f"2026-03-01 03:00:00.{20 * k:03d},{k},{2 * k}" for k in range(10))
    p = write(tmp_path, "logger.csv", "Logger: X123\nSerial: 42\ntimestamp,A1 (mg),A2 (mg)\n" + rows + "\n")
    rec = io.read(p)
    assert rec.fs_hz == 50.0
    assert rec.start == datetime(2026, 3, 1, 3, 0, 0)
    assert rec.metadata["logger"] == "X123"
    np.testing.assert_allclose(rec.data[:, 1], 2 * np.arange(10) * G0 * 1e-3)


def test_german_stamps_with_utc_offset_are_converted_to_naive_utc(tmp_path):
    rows = "\n".join(f"01.03.2026 04:00:00,{k:03d}+01:00;{k}" for k in range(0, 1000, 10))
    p = write(tmp_path, "de.csv", "Datum/Zeit;Kanal1 [m/s²]\n" + rows + "\n")
    rec = io.read(p)
    assert rec.fs_hz == 100.0
    assert rec.start == datetime(2026, 3, 1, 3, 0, 0)


def test_whitespace_delimited_with_comment_header_and_fs(tmp_path):
    p = write(tmp_path, "w.txt", "% fs: 10\n% x y\n1 2\n3 4\n5 6\n")
    rec = io.read(p)
    assert rec.fs_hz == 10.0 and rec.channel_names == ["x", "y"]
    assert rec.channels[0].source_unit is None  # unstated: m/s² assumed


def test_whitespace_header_keeps_units_with_their_names(tmp_path):
    p = write(tmp_path, "w.txt", "time [s]   A1 (m/s2)   A2 [gal]\n0.0 1 2\n0.5 1 2\n1.0 1 2\n")
    rec = io.read(p)
    assert rec.fs_hz == 2.0 and rec.channel_names == ["A1", "A2"]
    assert rec.channels[1].source_unit == "gal"
    assert rec.data[0, 1] == pytest.approx(0.02)


def test_time_in_milliseconds_and_dt_line(tmp_path):
    p = write(tmp_path, "ms.csv", "t [ms],a\n0,1\n4,2\n8,3\n12,4\n")
    assert io.read(p).fs_hz == 250.0
    p = write(tmp_path, "dt.txt", "# dt = 0.02 s\na b\n1 2\n3 4\n")
    assert io.read(p).fs_hz == 50.0


def test_unix_epoch_time_column_gives_start(tmp_path):
    t0 = 1772334000.0  # 2026-03-01T03:00:00Z
    rows = "\n".join(f"{t0 + k / 100:.2f},{k}" for k in range(50))
    rec = io.read(write(tmp_path, "epoch.csv", "timestamp,a [g]\n" + rows + "\n"))
    assert rec.start == datetime(2026, 3, 1, 3, 0, 0)
    assert rec.fs_hz == 100.0


def test_first_column_is_not_time_just_because_it_increases(tmp_path):
    p = write(tmp_path, "inc.csv", "index,a\n0,1\n1,2\n2,3\n")
    with pytest.raises(ReadError, match="--fs"):
        io.read(p)
    rec = io.read(p, fs=100)
    assert rec.channel_names == ["index", "a"]


def test_fs_option_only_fills_in_and_channels_option_selects(tmp_path):
    p = write(tmp_path, "x.csv", "# fs = 50\na,b,c\n1,2,3\n4,5,6\n")
    rec = io.read(p, fs=20.0, channels="c,a")  # --fs is for files that do not state their rate
    assert rec.fs_hz == 50.0 and rec.channel_names == ["c", "a"]
    gappy = write(tmp_path, "g.csv", "time,a\n0,1\n0.1,2\n0.5,3\n0.6,4\n0.7,5\n")
    with pytest.raises(ReadError, match="gap"):
        io.read(gappy, fs=10.0)  # a gap means missing samples: no rate repairs that
    np.testing.assert_allclose(rec.data, [[3, 1], [6, 4]])
    with pytest.raises(ReadError, match="no channel named 'z'"):
        io.read(p, channels=["z"])


def test_trailing_delimiter_and_quoted_fields(tmp_path):
    p = write(tmp_path, "q.csv", '# fs = 10\n"A1";"A2";\n"1,5";"2,5";\n"3,5";"4,5";\n')
    rec = io.read(p)
    assert rec.channel_names == ["A1", "A2"]
    np.testing.assert_allclose(rec.data, [[1.5, 2.5], [3.5, 4.5]])


def test_short_nan_gap_is_interpolated_and_reported(tmp_path):
    rows = "\n".join(f"{k / 100:.2f},{'' if k in (10, 11) else k}" for k in range(100))
    rec = io.read(write(tmp_path, "gap.csv", "time,a\n" + rows + "\n"))
    np.testing.assert_allclose(rec.data[:, 0], np.arange(100))
    assert rec.metadata["repaired_gaps"] == [("a", 0.1, 0.02)]


def test_non_acceleration_channel_is_kept_in_its_unit(tmp_path):
    rec = io.read(write(tmp_path, "t.csv", "# fs = 1\nA1 [g],Temp [°C]\n1,20\n1,21\n"))
    assert rec.channels[1].unit == "°C" and rec.data[1, 1] == 21
    assert rec.metadata["non_acceleration_channels"] == ["Temp"]


# ------------------------------------------------------------------------------------------------ generated files
DELIMS = {"comma": ",", "semicolon": ";", "tab": "\t", "space": " "}
UNITS = {"g": G0, "mg": G0 * 1e-3, "gal": 1e-2, "cm/s²": 1e-2, "mm/s²": 1e-3, "m/s²": 1.0}


@st.composite
def csv_layouts(draw):
    return dict(
        delim=draw(st.sampled_from(sorted(DELIMS))),
        decimal_comma=draw(st.booleans()),
        unit=draw(st.sampled_from(sorted(UNITS))),
        bracket=draw(st.sampled_from(["[]", "()"])),
        time=draw(st.sampled_from(["none", "seconds", "stamps"])),
        time_name=draw(st.sampled_from(["time", "t", "Zeit", "timestamp", "Time"])),
        fs=draw(st.sampled_from([20.0, 50.0, 100.0, 128.0, 200.0])),
        n_channels=draw(st.integers(1, 5)),
        n_samples=draw(st.integers(3, 300)),
        preamble=draw(st.sampled_from(["none", "hash", "percent", "keyvalue"])),
        seed=draw(st.integers(0, 2**16)),
        crlf=draw(st.booleans()),
        gz=draw(st.booleans()),
        quoted=draw(st.booleans()),
        trailing_delimiter=draw(st.booleans()),
        blank_lines=draw(st.booleans()),
        nan_gap=draw(st.sampled_from(["none", "empty", "NaN"])),
    )


def render(layout: dict) -> tuple[str, np.ndarray, list[str], datetime]:
    d = DELIMS[layout["delim"]]
    if layout["decimal_comma"] and d == ",":
        d = ";"
    values = simulated(layout["n_samples"], layout["n_channels"], layout["fs"], layout["seed"]) / UNITS[layout["unit"]]
    values = np.round(values, 6)
    names = [f"ACC{j + 1:02d}_z" for j in range(layout["n_channels"])]
    lo, hi = layout["bracket"]
    header = [f"{n} {lo}{layout['unit']}{hi}" for n in names]
    start = datetime(2026, 3, 1, 3, 0, 0)
    lines: list[str] = []
    explicit = d != " "
    quote = (lambda c: f'"{c}"') if layout["quoted"] and explicit else (lambda c: c)
    tail = d if layout["trailing_delimiter"] and explicit else ""
    gap_at = (layout["n_samples"] // 2, layout["n_channels"] - 1) if layout["nan_gap"] != "none" and \
        layout["n_samples"] >= 5 and (explicit or layout["nan_gap"] == "NaN") else None
    key = {"none": None, "hash": "# ", "percent": "% ", "keyvalue": ""}[layout["preamble"]]
    if layout["time"] == "none":
        key = "# " if key is None else key
    if key is not None:
        lines += [f"{key}Logger: SIM-1", f"{key}fs = {layout['fs']:g}" if key else f"Sampling rate: {layout['fs']:g} Hz",
                  f"{key}start = {start.isoformat()}" if key else f"Start: {start.isoformat()}"]
    if layout["time"] != "none":
        header = [layout["time_name"] + (" [s]" if layout["time"] == "seconds" else "")] + header
    if d == " ":
        header = [h.replace(" ", "") for h in header]
    lines.append(d.join(quote(h) for h in header) + tail)
    fmt = (lambda x: f"{x:.6f}".replace(".", ",")) if layout["decimal_comma"] else (lambda x: f"{x:.6f}")
    for k, row in enumerate(values):
        cells = [fmt(x) for x in row]
        if gap_at is not None and k == gap_at[0]:
            # an empty field in a one-column file is a blank line: write NaN there
            cells[gap_at[1]] = "" if layout["nan_gap"] == "empty" and len(cells) + (layout["time"] != "none") > 1 \
                else "NaN"
        if layout["time"] == "seconds":
            cells = [fmt(k / layout["fs"])] + cells
        elif layout["time"] == "stamps":
            stamp = start + timedelta(microseconds=round(k * 1e6 / layout["fs"]))
            cells = [stamp.isoformat(sep=" ", timespec="milliseconds")] + cells
        lines.append(d.join(quote(c) if c else c for c in cells) + tail)
        if layout["blank_lines"] and k % 97 == 5:
            lines.append("")
    eol = "\r\n" if layout["crlf"] else "\n"
    if gap_at is not None:  # the reader bridges one missing value by linear interpolation
        k, j = gap_at
        values = values.copy()
        values[k, j] = 0.5 * (values[k - 1, j] + values[k + 1, j])
    return eol.join(lines) + eol, values, names, start, gap_at


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=csv_layouts())
def test_generated_logger_files_round_trip(tmp_path, layout):
    text, values, names, start, gap_at = render(layout)
    suffix = ".csv" if layout["delim"] != "space" else ".txt"
    path = tmp_path / (f"rec{suffix}.gz" if layout["gz"] else f"rec{suffix}")
    raw = text.encode("utf-8")
    path.write_bytes(gzip.compress(raw) if layout["gz"] else raw)
    rec = io.read(path)
    assert rec.channel_names == names
    assert rec.n_samples == layout["n_samples"]
    assert rec.fs_hz == pytest.approx(layout["fs"], rel=1e-6)
    expected_unit = {"cm/s²": "cm/s^2", "mm/s²": "mm/s^2", "m/s²": "m/s^2"}.get(layout["unit"], layout["unit"])
    assert all(c.source_unit == expected_unit and c.unit == "m/s^2" for c in rec.channels)
    np.testing.assert_allclose(rec.data, values * UNITS[layout["unit"]], rtol=1e-9, atol=1e-12)
    if layout["time"] == "stamps" or layout["preamble"] != "none" or layout["time"] == "none":
        assert rec.start == start
    if gap_at is None:
        assert "repaired_gaps" not in rec.metadata
    else:
        assert rec.metadata["repaired_gaps"] == [(names[gap_at[1]], pytest.approx(gap_at[0] / layout["fs"]),
                                                  pytest.approx(1 / layout["fs"]))]


def test_utf16_excel_export_and_time_recognised_by_its_unit(tmp_path):
    p = tmp_path / "excel.txt"
    p.write_bytes("Messzeit [s]\tA1 [mg]\n0,00\t1,0\n0,02\t2,0\n0,04\t3,0\n".encode("utf-16"))
    rec = io.read(p)
    assert rec.fs_hz == 50.0 and rec.channel_names == ["A1"]
    np.testing.assert_allclose(rec.data[:, 0], np.array([1.0, 2.0, 3.0]) * G0 * 1e-3)


@pytest.mark.parametrize("text", [
    "# fs = 100\ntime [s],a [g],b [g]\n" + "".join(f"{k / 100:.2f},{k},{-k}\n" for k in range(300)),
    "# fs = 100\r\na\tb\r\n" + "".join(f"{k}\t{-k}\r\n" for k in range(300)),
    "Sampling rate: 100 Hz\na;b\n" + "".join(f"{k},5;{-k}\n" for k in range(300)),  # decimal comma: careful path
])
def test_large_file_direct_path_gives_the_same_recording(tmp_path, monkeypatch, text):
    from shm_app.io import csv_reader

    p = tmp_path / "big.csv"
    p.write_bytes(text.encode())
    small = io.read(p)
    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 100)
    big = io.read(p)
    np.testing.assert_array_equal(big.data, small.data)
    assert big.fs_hz == small.fs_hz == 100.0 and big.channel_names == small.channel_names


def test_large_file_direct_path_still_names_the_bad_line(tmp_path, monkeypatch):
    from shm_app.io import csv_reader

    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 100)
    rows = [f"{k / 100:.2f},{k}" for k in range(300)]
    rows[150] = "1.50,oops"
    p = tmp_path / "big.csv"
    p.write_text("time,a\n" + "\n".join(rows) + "\n")
    with pytest.raises(ReadError, match=r"line 152, column 'a' holds 'oops'"):
        io.read(p)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=6, max_size=60),
       fmt=st.sampled_from(["{!r}", "{:.8g}", "{:.17g}", "{:e}", "{:.3f}"]),
       delim=st.sampled_from([",", ";", "\t"]), crlf=st.booleans(), blank_tail=st.integers(0, 3))
def test_pyarrow_body_is_bit_for_bit_numpys(tmp_path, values, fmt, delim, crlf, blank_tail):
    """pyarrow parses with correct rounding, like numpy: the two readers give identical doubles."""
    from shm_app.io import csv_reader
    from shm_app.io._csv_layout import scan_head

    rows = [delim.join(fmt.format(v) for v in values[k:k + 3]) for k in range(0, len(values) - 2, 3)]
    eol = "\r\n" if crlf else "\n"
    p = tmp_path / "body.csv"
    p.write_bytes((eol.join(["a" + delim + "b" + delim + "c", *rows]) + eol + eol * blank_tail).encode())
    lay = scan_head(p, p.read_text())
    fast = csv_reader._arrow_table(p, lay, 3, "utf-8-sig")
    reference = np.loadtxt(p, skiprows=1, delimiter=delim, ndmin=2)
    assert fast is not None and fast.shape == reference.shape
    assert np.array_equal(fast.view(np.uint64), reference.view(np.uint64))  # the same bits, signed zeros included


@pytest.mark.parametrize("body, arrow_reads_it", [
    ("1,2\n\n3,4\n", True),  # a blank line among the rows is skipped, as numpy does
    (" 1,2\n3 , 4\n", True),  # spaces around numbers are trimmed, as numpy does
    ("1,2\n3,4\n\n\n", True),
    ("1,2\n3\n", False),  # short row
    ("1,2\n,4\n", False),  # empty field: null
    ("1,2\n3,4,5\n", False),  # long row
    ("1,2\n# note\n3,4\n", False),  # comment line
    ("1,2\nabc,4\n", False),  # text
])
def test_large_file_bodies_get_the_same_verdict_through_pyarrow(tmp_path, monkeypatch, body, arrow_reads_it):
    """What pyarrow reads equals numpy's reading; what it refuses or reads as null goes to numpy and the careful
    path, which give the same values or the same message as for a small file."""
    from shm_app.io import csv_reader
    from shm_app.io._csv_layout import scan_head

    p = tmp_path / "odd.csv"
    p.write_text("# fs = 10\na,b\n" + body)
    assert (csv_reader._arrow_table(p, scan_head(p, p.read_text()), 2, "utf-8-sig") is not None) == arrow_reads_it
    try:
        small = io.read(p)
    except ReadError as exc:
        small = str(exc)
    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 10)
    try:
        big = io.read(p)
    except ReadError as exc:
        big = str(exc)
    if isinstance(small, str):
        assert big == small
    else:
        np.testing.assert_array_equal(big.data, small.data)


def test_large_plain_file_is_read_by_pyarrow(tmp_path, monkeypatch):
    from shm_app.io import csv_reader

    calls = []
    real = csv_reader._arrow_table
    monkeypatch.setattr(csv_reader, "_arrow_table", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 100)
    p = tmp_path / "big.csv"
    p.write_text("time [s],a [g]\n" + "".join(f"{k / 50:.2f},{np.sin(k):.6f}\n" for k in range(500)) + "\n")
    rec = io.read(p)
    assert calls and rec.fs_hz == 50.0 and rec.n_samples == 500
    np.testing.assert_allclose(rec.data[:, 0], np.round(np.sin(np.arange(500)), 6) * G0)


def test_without_pyarrow_large_files_are_read_by_numpy(tmp_path, monkeypatch):
    """An install without pyarrow (or with a broken one) still reads every file, through numpy."""
    import sys

    from shm_app.io import csv_reader

    p = tmp_path / "big.csv"
    p.write_text("time [s],a [g],b [g]\n" + "".join(f"{k / 50:.2f},{k % 7},{-k % 5}\n" for k in range(400)))
    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 100)
    with_arrow = io.read(p)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # "import pyarrow" now raises ImportError
    from shm_app.io._csv_layout import scan_head

    assert csv_reader._arrow_table(p, scan_head(p, p.read_text()), 3, "utf-8-sig") is None
    without = io.read(p)
    np.testing.assert_array_equal(without.data, with_arrow.data)
    assert without.fs_hz == with_arrow.fs_hz == 50.0


@pytest.mark.parametrize("range_bytes", [10**9, 700, 97])
def test_pyarrow_ranges_and_the_split_time_column_give_numpys_values(tmp_path, monkeypatch, range_bytes):
    """A file parsed in ranges cut at line breaks (any range size, down to a few lines; blank lines and a
    preamble included) gives numpy's values, and a column returned apart is that column of the table."""
    from shm_app.io import csv_reader
    from shm_app.io._csv_layout import scan_head

    rng = np.random.default_rng(3)
    values = rng.standard_normal((300, 4)) * 10.0 ** rng.integers(-6, 6, (300, 4))
    lines = [",".join(f"{v:.9g}" for v in row) for row in values]
    lines[40:40] = [""]  # a blank line inside the body
    p = tmp_path / "ranges.csv"
    p.write_text("# fs = 10\n\nt,a,b,c\n" + "\n".join(lines) + "\n")
    monkeypatch.setattr(csv_reader, "_ARROW_RANGE_BYTES", range_bytes)
    lay = scan_head(p, p.read_text())
    reference = np.loadtxt(p, skiprows=3, delimiter=",", ndmin=2)
    whole = csv_reader._arrow_table(p, lay, 4, "utf-8-sig")
    assert whole.shape == reference.shape == (300, 4)
    assert np.array_equal(whole.view(np.uint64), reference.view(np.uint64))
    rest, column = csv_reader._arrow_table(p, lay, 4, "utf-8-sig", split=2)
    assert rest.flags.c_contiguous and np.array_equal(rest, reference[:, [0, 1, 3]])
    np.testing.assert_array_equal(column, reference[:, 2])


def test_pyarrow_skips_exactly_the_preamble_lines_blank_ones_included(tmp_path, monkeypatch):
    """Arrow's skip_rows must count the blank lines of a preamble like the layout scan does: no data row lost."""
    from shm_app.io import csv_reader

    p = tmp_path / "pre.csv"
    p.write_text('# fs = 10\n\n# unit: g\n\n"a","b"\n\n' + "".join(f"{k},{-k}\n" for k in range(1, 201)))
    small = io.read(p)
    calls = []
    real = csv_reader._arrow_table
    monkeypatch.setattr(csv_reader, "_arrow_table", lambda *a: calls.append(real(*a)) or calls[-1])
    monkeypatch.setattr(csv_reader, "_DIRECT_MIN_BYTES", 10)
    big = io.read(p)
    assert calls and calls[0] is not None and big.n_samples == small.n_samples == 200
    np.testing.assert_array_equal(big.data, small.data)
