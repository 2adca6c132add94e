"""Bad input: every broken file gives one ReadError line (CLI: exit 2, one stderr line), never a traceback."""
from __future__ import annotations

import gzip
import io as pyio
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from io_support import simulated
from shm_app import io
from shm_app.cli import main
from shm_app.errors import ReadError
from shm_app.recording import Recording

GOOD_CSV = "# fs = 100\ntime [s],A1 [g],A2 [g]\n" + "\n".join(
    f"{k / 100:.2f},{0.001 * np.sin(k / 5):.6f},{0.002 * np.cos(k / 7):.6f}" for k in range(400)) + "\n"


def _csv(body_rows: list[str], header: str = "time,a,b") -> str:
    return header + "\n" + "\n".join(body_rows) + "\n"


def _npy_huge_header() -> bytes:
    buf = pyio.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (2**36, 6)})
    return buf.getvalue() + b"\x00" * 4096


def _truncated_npy() -> bytes:
    buf = pyio.BytesIO()
    np.save(buf, simulated(1000, 3))
    return buf.getvalue()[:3000]


def _gz_cut() -> bytes:
    return gzip.compress(GOOD_CSV.encode())[:200]


# (file name, content, words the reason must contain)
CASES = {
    "empty": ("empty.csv", b"", "empty"),
    "blank": ("blank.txt", b"\n \n\t\n", "empty"),
    "header_only": ("h.csv", b"time,A1 [g],A2 [g]\n", "header but no data"),
    "comments_only": ("c.csv", b"# fs = 100\n# just notes\n", "no data rows"),
    "binary_junk_csv": ("junk.csv", bytes(range(256)) * 64, "binary"),
    "binary_junk_txt": ("junk.txt", np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
                        "binary"),
    "ragged": ("r.csv", _csv(["0,1,2", "0.01,1,2", "0.02,1", "0.03,1,2", "0.04,1,2"]).encode(), "ragged"),
    "truncated_last_row": ("t.csv", _csv(["0,1,2", "0.01,1,2", "0.02,1"]).encode(), "truncated"),
    "text_in_numbers": ("x.csv", _csv(["0,1,2", "0.01,1,abc", "0.02,1,2"]).encode(), "not a number"),
    "non_monotonic_time": ("m.csv", _csv(["0,1,2", "0.02,1,2", "0.01,1,2", "0.03,1,2"]).encode(), "non-monotonic"),
    "repeated_time": ("rep.csv", _csv([f"{min(k, 5) / 100},1,2" for k in range(10)]).encode(), "repeats"),
    "gappy_time": ("g.csv", _csv([f"{k / 100:.2f},1,2" for k in range(50)] + [f"{k / 100:.2f},1,2" for k in
                                                                          range(80, 120)]).encode(), "gap"),
    "jittery_time": ("j.csv", _csv([f"{k / 100 + (0.004 if k == 20 else 0):.3f},1,2" for k in range(60)]).encode(),
                     "uniformly"),
    "long_nan_run": ("n.csv", _csv([f"{k / 100:.2f},{'nan' if 10 <= k < 200 else 1},2" for k in range(400)]).encode(),
                     "missing"),
    "inf_run": ("inf.csv", _csv([f"{k / 100:.2f},1,{'inf' if 100 <= k < 300 else 2}" for k in range(400)]).encode(),
                "NaN/Inf"),
    "all_nan_channel": ("an.csv", _csv([f"{k / 100:.2f},nan,2" for k in range(10)]).encode(), "no valid number"),
    "no_fs": ("nofs.csv", b"a,b\n1,2\n3,4\n", "--fs"),
    "bad_fs_line": ("bf.csv", b"# fs = fast\na,b\n1,2\n3,4\n", "not a number"),
    "zero_fs": ("zf.csv", b"# fs = 0\na,b\n1,2\n3,4\n", "positive"),
    "header_mismatch": ("hm.csv", b"# fs = 10\na,b,c\n1,2\n3,4\n", "header"),
    "fs_contradiction": ("fc.csv", b"# fs = 100\ntime,a\n0,1\n0.02,2\n0.04,3\n", "says 100 Hz"),
    "only_time_column": ("ot.csv", b"time\n0\n0.1\n0.2\n", "only a time column"),
    "bad_stamp": ("bs.csv", b"timestamp,a\n2026-03-01 00:00:00,1\n2026-13-01 00:00:01,2\n", "date-time"),
    "gzip_cut": ("cut.csv.gz", _gz_cut(), "gzip"),
    "npy_truncated": ("cut.npy", _truncated_npy(), "truncated"),
    "npy_absurd_shape": ("huge.npy", _npy_huge_header(), "values"),
    "npy_junk": ("junk.npy", b"\x93NUMPY garbage" * 10, "npy"),
    "zip_junk": ("event.zip", b"PK\x03\x04" + b"\x00" * 100, "zip"),
    "zip_without_v2": ("event2.zip", None, "no V2"),
    "v2_junk": ("CHAN01.V2", b"this is not a strong motion file\n" * 5, "strong-motion"),
    "unknown_binary": ("x.bin", b"\x00\x01\x02" * 100, "unknown file type"),
}


def _zip_without_v2() -> bytes:
    buf = pyio.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "nothing")
    return buf.getvalue()


def make_case(tmp_path: Path, key: str) -> tuple[Path, str]:
    name, content, words = CASES[key]
    p = tmp_path / name
    p.write_bytes(_zip_without_v2() if content is None else content)
    return p, words


@pytest.mark.parametrize("key", sorted(CASES))
def test_bad_file_raises_one_clear_read_error(tmp_path, key):
    p, words = make_case(tmp_path, key)
    with pytest.raises(ReadError) as info:
        io.read(p)
    reason = info.value.reason
    assert words.lower() in reason.lower(), reason
    assert "\n" not in str(info.value) and info.value.path == str(p)


@pytest.mark.parametrize("key", sorted(CASES))
def test_cli_prints_one_error_line_and_exits_2(tmp_path, key, capsys):
    p, _ = make_case(tmp_path, key)
    rc = main(["info", str(p)])
    captured = capsys.readouterr()
    assert rc == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"shm-app: error: {p}: "), lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_cli_missing_file_and_folder(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err.startswith(f"shm-app: error: {tmp_path / 'nope.csv'}: file not found")
    assert main(["info", str(tmp_path)]) == 2
    assert "folder" in capsys.readouterr().err


def test_cli_good_file_with_json_to_stdout(tmp_path, capsys):
    p = tmp_path / "deck_2026-03-01T03-00-00.csv"
    p.write_text(GOOD_CSV)
    assert main(["info", str(p), "--json", "-"]) == 0
    out = capsys.readouterr().out
    import json

    doc = json.loads(out)
    assert doc[0]["file"] == p.name and doc[0]["fs_hz"] == 100.0 and doc[0]["n_samples"] == 400
    assert doc[0]["start"] == "2026-03-01T03:00:00"
    assert [c["source_unit"] for c in doc[0]["channels"]] == ["g", "g"]


# ------------------------------------------------------------------------------------------ random corruption
def _mutations():
    return st.one_of(
        st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
        st.tuples(st.just("insert"), st.floats(0.0, 1.0), st.binary(min_size=1, max_size=40)),
        st.tuples(st.just("overwrite"), st.floats(0.0, 1.0), st.binary(min_size=1, max_size=40)),
        st.tuples(st.just("drop_line"), st.floats(0.0, 1.0)),
        st.tuples(st.just("text_token"), st.floats(0.0, 1.0), st.sampled_from(["abc", "", "1.2.3", "--", "nan",
                                                                                "1e999", ";", ",,"])),
    )


def corrupt(raw: bytes, mutation) -> bytes:
    kind, where = mutation[0], mutation[1]
    k = int(where * len(raw))
    if kind == "truncate":
        return raw[:k]
    if kind == "insert":
        return raw[:k] + mutation[2] + raw[k:]
    if kind == "overwrite":
        return raw[:k] + mutation[2] + raw[k + len(mutation[2]):]
    lines = raw.split(b"\n")
    i = min(int(where * len(lines)), len(lines) - 1)
    if kind == "drop_line":
        return b"\n".join(lines[:i] + lines[i + 1:])
    cells = lines[i].split(b",")
    cells[len(cells) // 2] = mutation[2].encode()
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def assert_read_or_refused(path: Path, **options) -> None:
    try:
        rec = io.read(path, **options)
    except ReadError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(rec, Recording)
    assert np.all(np.isfinite(rec.data)), "NaN/Inf passed into the app"
    assert rec.fs_hz > 0 and rec.n_samples >= 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_mutations(), gz=st.booleans())
def test_randomly_corrupted_csv_is_read_or_refused_cleanly(tmp_path, mutation, gz):
    raw = corrupt(GOOD_CSV.encode(), mutation)
    p = tmp_path / ("c.csv.gz" if gz else "c.csv")
    p.write_bytes(gzip.compress(raw) if gz else raw)
    assert_read_or_refused(p)


# ----------------------------------------------------------------------------- binary formats: damaged files
from io_support import (write_hdf5_generic, write_mat_v5, write_mat_v73, write_mseed, write_tdms,  # noqa: E402
                        write_uff58)

WRITERS = {
    "r.mat": lambda p, d: write_mat_v5(p, d, 100.0),
    "r73.mat": lambda p, d: write_mat_v73(p, d, 100.0),
    "r.h5": lambda p, d: write_hdf5_generic(p, d, 100.0),
    "r.tdms": lambda p, d: write_tdms(p, d, 100.0),
    "r.uff": lambda p, d: write_uff58(p, d, 100.0),
    "r.mseed": lambda p, d: write_mseed(p, d, 100.0),
}


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    data = simulated(600, 3, 100.0, seed=3)
    return {name: write(folder / name, data).read_bytes() for name, write in WRITERS.items()}


@pytest.mark.parametrize("name", sorted(WRITERS))
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_binary_files_are_refused_in_one_line(tmp_path, good_files, name, keep, capsys):
    raw = good_files[name]
    p = tmp_path / name
    p.write_bytes(raw[: int(len(raw) * keep)])
    try:
        rec = io.read(p)
    except ReadError as exc:
        assert "\n" not in str(exc)
    else:  # a format with the data first may still hold whole records: then they must be honest
        # formats of self-contained records may be cut between two: what is left is whole and honest
        assert name in ("r.uff", "r.mseed") and np.all(np.isfinite(rec.data))
    assert main(["info", str(p)]) in (0, 2)
    err = capsys.readouterr().err.splitlines()
    assert len(err) <= 1 and all(line.startswith(f"shm-app: error: {p}: ") for line in err)


@pytest.mark.parametrize("name", ["r.mat", "r.h5", "r.tdms", "r.uff", "r.mseed", "r.npy", "r.npz"])
def test_text_junk_with_binary_suffix_is_refused(tmp_path, name):
    p = tmp_path / name
    p.write_text("this is a text file, not a recording\n" * 20)
    with pytest.raises(ReadError):
        io.read(p, fs=100)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(WRITERS)), mutation=_mutations())
def test_randomly_corrupted_binary_files_are_read_or_refused_cleanly(tmp_path, good_files, name, mutation):
    if mutation[0] in ("drop_line", "text_token"):
        mutation = ("overwrite", mutation[1], b"\xff\x00junk")
    p = tmp_path / name
    p.write_bytes(corrupt(good_files[name], mutation))
    assert_read_or_refused(p)


def test_cli_info_prints_the_readers_notes(tmp_path, capsys):
    rows = "\n".join(f"{k / 100:.2f},{'nan' if k == 7 else k}" for k in range(100))
    p = tmp_path / "gap.csv"
    p.write_text("time,a\n" + rows + "\n")
    assert main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert "note: short NaN/Inf gaps bridged by linear interpolation: a (1 gap(s), longest 0.01 s)" in out
    assert "m/s^2 assumed" in out and "start time unknown" in out


def test_fs_required_and_choice_required_let_the_gui_ask(tmp_path):
    import scipy.io

    p = tmp_path / "a.csv"
    p.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(io.FsRequired):
        io.read(p)
    m = tmp_path / "two.mat"
    scipy.io.savemat(m, {"run1": np.ones((10, 2)), "run2": np.ones((10, 2)), "fs": 5.0})
    with pytest.raises(io.ChoiceRequired) as info:
        io.read(m)
    assert info.value.option == "variable" and sorted(info.value.choices) == ["run1", "run2"]


def test_absurd_sizes_are_refused_before_loading(tmp_path, monkeypatch):
    import h5py

    p = tmp_path / "huge.h5"
    with h5py.File(p, "w") as h5:  # 2**36 x 6 float64 = 3 TiB declared, nothing written
        h5.create_dataset("data", shape=(2**36, 6), dtype="f8", chunks=(1024, 6))
        h5.attrs["fs"] = 100.0
    with pytest.raises(ReadError, match="more than the"):
        io.read(p)
    small = tmp_path / "big.csv"
    small.write_text(GOOD_CSV)
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ReadError, match="limit; split it"):
        io.read(small)


def test_failed_read_leaves_an_earlier_recording_intact(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    loaded = io.read(good)
    before = loaded.data.copy()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)))
    with pytest.raises(ReadError):
        io.read(bad)
    np.testing.assert_array_equal(loaded.data, before)


def test_bad_options_name_the_parameter(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text(GOOD_CSV)
    with pytest.raises(ValueError, match="max_gap_s must be"):
        io.read(p, max_gap_s=-1)
    z = tmp_path / "CHAN01.V2"
    z.write_text("x")
    with pytest.raises(ValueError, match="component must be"):
        io.read(z, component="V9")


def test_messages_quoting_a_multi_line_library_error_stay_one_line():
    """ObsPy's miniSEED errors span several lines (found by the corrupted-file property test): folded into one."""
    from shm_app.errors import SettingsError

    exc = ReadError("r.mseed", "not a readable miniSEED file (Encountered 1 error(s):\n  record 3: bad\r\n)")
    assert str(exc) == "r.mseed: not a readable miniSEED file (Encountered 1 error(s): record 3: bad )"
    assert "\n" not in str(SettingsError("fmax:\nbelow Nyquist", "a.csv"))
