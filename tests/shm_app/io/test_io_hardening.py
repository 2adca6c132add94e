"""Regression tests, one per class of defect the fuzz suite and issue 14 found in the readers: metadata that
recursed, declared sizes not estimated before allocating, truncation accepted as whole, invalid stated rates
replaced by --fs, Infinity in JSON, library output on stderr, file names breaking the one-line message, code or
other files reached through a recording."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import io_support as sup
from shm_app import io
from shm_app.errors import ReadError, shown_path

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
sys.path.insert(0, str(FUZZ))
import fuzz_corpus as fc  # noqa: E402 - the bomb and hand-made file builders of the fuzz suite

FS = 100.0
X = sup.simulated(300, 3, FS)
ROWS = "\n".join(",".join(f"{v:.6f}" for v in r) for r in X)


def refused(path, match: str = "", **options) -> str:
    with pytest.raises(ReadError) as info:
        io.read(path, **options)
    text = str(info.value)
    assert len(text.splitlines()) == 1 and text.startswith(shown_path(path) + ": ")
    assert match.lower() in text.lower(), text
    return text


@pytest.fixture
def small_budget(monkeypatch):
    """Readers told they may use 64 MB: what they refuse, they refuse before allocating it."""
    monkeypatch.setenv("SHM_APP_MEMORY_BUDGET", str(64 * 2**20))


# ------------------------------------------------------------------------ metadata that recursed (RecursionError)
def test_sidecar_whose_channels_is_an_object_reads_with_default_names(tmp_path):
    np.save(tmp_path / "r.npy", X)
    (tmp_path / "r.json").write_text(json.dumps({"fs_hz": FS, "channels": {"a": {"b": 1}}, "unit": {"u": "g"}}))
    rec = io.read(tmp_path / "r.npy")
    assert rec.channel_names == ["ch1", "ch2", "ch3"] and rec.fs_hz == FS


def test_sidecar_nested_100000_deep_is_refused(tmp_path):
    np.save(tmp_path / "r.npy", X)
    (tmp_path / "r.json").write_text("[" * 100000 + "]" * 100000)
    refused(tmp_path / "r.npy", "nests its json", fs=FS)


def test_mat_cell_array_of_structs_as_channel_names_reads(tmp_path):
    import scipy.io

    cell = np.empty((3, 1), dtype=object)
    for j in range(3):
        cell[j, 0] = {"name": f"A{j}", "unit": "g"}
    scipy.io.savemat(tmp_path / "r.mat", {"acc": X, "fs": FS, "channels": cell})
    assert io.read(tmp_path / "r.mat").n_channels == 3


# ------------------------------------------------------------------------ estimate before allocating
def test_hdf5_declaring_3e8_values_it_never_stored_is_refused_at_once(tmp_path):
    import h5py

    with h5py.File(tmp_path / "r.h5", "w") as f:
        f.create_dataset("acc", shape=(100_000_000, 3), dtype="<f8", chunks=(65536, 3)).attrs["fs"] = FS
    assert (tmp_path / "r.h5").stat().st_size < 10_000
    t0 = time.perf_counter()
    refused(tmp_path / "r.h5", "2.4 GB but only")
    assert time.perf_counter() - t0 < 1


def test_hdf5_compression_bomb_is_refused_naming_the_ratio(tmp_path):
    import h5py

    with h5py.File(tmp_path / "r.h5", "w") as f:
        ds = f.create_dataset("acc", shape=(8_000_000, 3), dtype="<f8", chunks=(1_000_000, 3), compression="gzip")
        chunk = zlib.compress(bytes(24_000_000), 1)
        for i in range(8):
            ds.id.write_direct_chunk((i * 1_000_000, 0), chunk)
        ds.attrs["fs"] = FS
    refused(tmp_path / "r.h5", "decompression bomb")


def test_dataset_that_would_not_fit_is_refused_naming_the_sizes(tmp_path, small_budget):
    import h5py

    with h5py.File(tmp_path / "r.h5", "w") as f:
        f.create_dataset("acc", data=np.random.default_rng(0).standard_normal((1_200_000, 3))).attrs["fs"] = FS
    refused(tmp_path / "r.h5", "needs about")


def test_gzip_bomb_is_refused_while_unpacking(tmp_path, small_budget):
    n = 200 * 2**20
    path = tmp_path / "r.csv.gz"
    path.write_bytes(fc.gzip_bomb(fc.deflate_zeros(n), n, b"# fs = 100\nA1\n"))
    t0 = time.perf_counter()
    refused(path, "unpacks to more than")
    assert time.perf_counter() - t0 < 2


def test_npz_member_declaring_more_than_it_holds_is_refused(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "r.npz", "w") as zf:
        zf.writestr("data.npy", fc.npy_header((10**9, 3)) + bytes(800))
    refused(tmp_path / "r.npz", "declares shape (1000000000, 3)", fs=FS)


def test_npz_zlib_bomb_is_refused_before_decompressing(tmp_path, small_budget):
    n = 200 * 2**20
    header = fc.npy_header((n // 24, 3))
    fc.zip_member_bomb(tmp_path / "r.npz", {"data.npy": (fc._deflate(header, fc.deflate_zeros(n)), n)}, header=header)
    t0 = time.perf_counter()
    refused(tmp_path / "r.npz", "needs about", fs=FS)
    assert time.perf_counter() - t0 < 1


def test_npz_with_thousands_of_members_reads_only_what_it_needs(tmp_path):
    import io as _io
    import zipfile

    with zipfile.ZipFile(tmp_path / "r.npz", "w") as zf:
        for i in range(3000):
            zf.writestr(f"a{i}.npy", fc.npy_header((2,)) + bytes(16))
        b = _io.BytesIO()
        np.lib.format.write_array(b, X)
        zf.writestr("data.npy", b.getvalue())
    assert io.read(tmp_path / "r.npz", fs=FS).n_samples == 300


def test_mat_zlib_bomb_is_refused_while_counting(tmp_path, small_budget):
    import scipy.io

    scipy.io.savemat(tmp_path / "r.mat", {"acc": np.zeros((4_000_000, 3)), "fs": FS}, do_compression=True)
    assert (tmp_path / "r.mat").stat().st_size < 1_000_000
    refused(tmp_path / "r.mat", "unpack to more than")


def test_csmip_zip_members_are_counted_together(tmp_path):
    from test_io_csmip import csmip_v2_text

    text = csmip_v2_text(X[:, 0] * 100, 0.01, 1).encode()
    bomb = fc._small_bomb(100 * 2**20)
    fc.zip_member_bomb(tmp_path / "r.zip", {f"CHAN{j:03d}.V2": (fc._deflate(text, bomb), 100 * 2**20)
                                            for j in range(1, 7)}, header=text)
    refused(tmp_path / "r.zip", "together")


def test_v73_variable_of_a_billion_characters_is_left_aside_quickly(tmp_path):
    path = sup.write_mat_v73(tmp_path / "r.mat", X, FS)
    import h5py

    with h5py.File(path, "a") as f:
        ds = f.create_dataset("notes", shape=(10**9,), dtype="<u2", chunks=(2**22,), compression="gzip")
        ds.attrs["MATLAB_class"] = np.bytes_("char")
        ds.id.write_direct_chunk((0,), zlib.compress(np.full(2**22, 65, "<u2").tobytes(), 1))
    t0 = time.perf_counter()
    assert io.read(path).n_channels == 3
    assert time.perf_counter() - t0 < 2


def test_miniseed_of_thousands_of_gapped_pieces_is_refused_at_once(tmp_path):
    from obspy import Stream, Trace, UTCDateTime

    t0 = UTCDateTime(sup.START)
    Stream([Trace(np.ones(5), header={"station": "S", "channel": "HNZ", "sampling_rate": FS,
                                      "starttime": t0 + 3600 * k}) for k in range(3000)]
           ).write(str(tmp_path / "r.mseed"), format="MSEED", reclen=512)
    start = time.perf_counter()
    refused(tmp_path / "r.mseed", "has a gap of")
    assert time.perf_counter() - start < 5


# ------------------------------------------------------------------------ truncation detected and said
def test_csv_cut_in_the_middle_of_a_value_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("# fs = 100\nA1,A2,A3\n" + ROWS[:-4])
    refused(path, "truncated")
    path.write_text("# fs = 100\nA1,A2,A3\n" + ROWS)  # a complete last line without its newline is fine
    assert io.read(path).n_samples == 300


def test_typo_in_the_first_data_row_is_not_taken_for_the_header(tmp_path):
    lines = ROWS.splitlines()
    path = tmp_path / "r.csv"
    path.write_text("# fs = 100\nA1,A2,A3\n" + lines[0].replace(",", ",x", 1) + "\n" + "\n".join(lines[1:]) + "\n")
    refused(path, "line 3, column 'A2' holds 'x")


def test_uff_cut_inside_a_record_is_refused(tmp_path):
    raw = sup.write_uff58(tmp_path / "full.uff", X, FS).read_bytes()
    for share in (0.3, 0.6, 0.9):
        (tmp_path / "r.uff").write_bytes(raw[:int(len(raw) * share)])
        refused(tmp_path / "r.uff", "truncated")


def test_miniseed_cut_inside_a_record_is_refused(tmp_path):
    raw = sup.write_mseed(tmp_path / "full.mseed", np.tile(X, (20, 1)), FS).read_bytes()
    (tmp_path / "r.mseed").write_bytes(raw[:len(raw) // 2 + 100])
    refused(tmp_path / "r.mseed", "truncated")


# ------------------------------------------------------------------------ stated rates: refused, never replaced
@pytest.mark.parametrize("line", ["fs = NaN", "fs = fast", "fs = 1e-300", "fs = 1e-6", "fs = 5e-324", "dt = -0.01",
                                  "dt = 0", "sample interval = none"])
def test_invalid_or_absurd_rate_line_is_refused_even_with_fs(tmp_path, line):
    path = tmp_path / "r.csv"
    path.write_text(f"# {line}\nA1,A2,A3\n{ROWS}\n")
    refused(path, "", fs=FS)


@pytest.mark.parametrize("attrs", [{"fs": np.nan}, {"fs": "fast"}, {"dt": -0.01}, {"wf_increment": 0.0},
                                   {"fs": 1e-300}])
def test_invalid_rate_attribute_is_refused_even_with_fs(tmp_path, attrs):
    import h5py

    with h5py.File(tmp_path / "r.h5", "w") as f:
        ds = f.create_dataset("acc", data=X)
        ds.attrs.update(attrs)
    refused(tmp_path / "r.h5", "", fs=FS)


@pytest.mark.parametrize("inc", [0.0, -0.01, float("nan")])
def test_invalid_tdms_increment_is_refused_even_with_fs(tmp_path, inc):
    from nptdms import ChannelObject, GroupObject, RootObject, TdmsWriter

    with TdmsWriter(str(tmp_path / "r.tdms")) as writer:
        writer.write_segment([RootObject(), GroupObject("G")] + [
            ChannelObject("G", f"A{j}", X[:, j], properties={"wf_increment": inc}) for j in range(3)])
    refused(tmp_path / "r.tdms", "wf_increment", fs=FS)


def test_npz_rate_that_is_not_a_number_is_refused(tmp_path):
    np.savez(tmp_path / "r.npz", data=X, fs=np.array(np.nan))
    refused(tmp_path / "r.npz", "not a positive number", fs=FS)


# ------------------------------------------------------------------------ UFF58 unit label NONE
def test_uff_unit_none_is_an_unstated_unit(tmp_path):
    from shm_app.output.info import recording_notes

    rec = io.read(sup.write_uff58(tmp_path / "r.uff", X, FS, unit="NONE"))
    assert all(c.source_unit is None and c.unit == "m/s^2" for c in rec.channels)
    assert any("m/s^2 assumed" in n for n in recording_notes(rec))


# ------------------------------------------------------------------------ JSON and the one-line contract
def test_info_json_never_holds_infinity(tmp_path):
    from shm_app.output.info import info_json

    path = tmp_path / "r.csv"
    path.write_text("# fs = 100\nA1,A2\n" + "1e308,-1e308\n-1e308,1e308\n" * 50)
    doc = info_json(io.read(path))
    text = json.dumps(doc, allow_nan=False)
    assert "Infinity" not in text and doc["channels"][0]["rms"] == pytest.approx(1e308)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "shm_app", *args], cwd=cwd, capture_output=True, text=True,
                          env={**__import__("os").environ, "SHM_APP_HOME": str(cwd)}, timeout=120)


def test_cli_keeps_library_warnings_and_overflow_off_stderr(tmp_path):
    raw = sup.write_tdms(tmp_path / "full.tdms", X, FS).read_bytes()
    (tmp_path / "cut.tdms").write_bytes(raw[:-333])
    run = _cli("info", "cut.tdms", cwd=tmp_path)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1, run.stderr
    (tmp_path / "big.csv").write_text("# fs = 100\nA1\n" + "1e308\n-1e308\n" * 50)
    run = _cli("info", "big.csv", "--json", "out.json", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert "Infinity" not in (tmp_path / "out.json").read_text()


@pytest.mark.parametrize("name", ["with space é.csv", "-leading-dash.csv", "ünï cödé ✓.csv", "new\nline.csv"])
def test_odd_file_names_read_and_show_escaped(tmp_path, name):
    path = tmp_path / name
    path.write_text(f"# fs = 100\nA1,A2,A3\n{ROWS}\n")
    assert io.read(path).n_channels == 3
    run = _cli("info", "--", name, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    bad = tmp_path / ("bad " + name)
    bad.write_text("A1\nfoo\n")
    text = refused(bad)
    assert "\n" not in text and (("\\n" in text) == ("\n" in name))
    run = _cli("info", "--", bad.name, cwd=tmp_path)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1, run.stderr


# ------------------------------------------------------------------------ no code, no other files
def test_hdf5_external_storage_link_and_virtual_dataset_are_refused(tmp_path):
    import h5py

    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 100)
    with h5py.File(tmp_path / "storage.h5", "w") as f:
        f.create_dataset("acc", shape=(400,), dtype="<f8", external=[(str(secret), 0, 3200)]).attrs["fs"] = FS
    refused(tmp_path / "storage.h5", "external file")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("acc", data=X).attrs["fs"] = FS
    with h5py.File(tmp_path / "link.h5", "w") as f:
        f["grp"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/")
    refused(tmp_path / "link.h5", "link into another file", group="grp")
    layout = h5py.VirtualLayout(shape=X.shape, dtype=float)
    layout[:] = h5py.VirtualSource(str(tmp_path / "other.h5"), "acc", shape=X.shape)
    with h5py.File(tmp_path / "virtual.h5", "w") as f:
        f.create_virtual_dataset("acc", layout).attrs["fs"] = FS
    refused(tmp_path / "virtual.h5", "virtual dataset")


def test_hdf5_filter_plugins_are_never_loaded_from_disk(tmp_path):
    import h5py

    io.read(sup.write_hdf5_generic(tmp_path / "r.h5", X, FS))
    assert h5py.h5pl.size() == 0


def test_pickled_objects_are_never_loaded(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    refused(tmp_path / "o.npy", "python objects", fs=FS)
    np.savez(tmp_path / "o.npz", data=X, fs=FS, evil=np.array([{"a": 1}], dtype=object))
    assert io.read(tmp_path / "o.npz").n_channels == 3  # the object member is never touched
    np.savez(tmp_path / "s.npz", data=np.array([[{"a": 1}]], dtype=object), fs=FS)
    refused(tmp_path / "s.npz", "")


@pytest.mark.parametrize("kind", ["function", "object"])
def test_matlab_function_handles_and_objects_are_refused(tmp_path, kind):
    fc._hostile_mat(tmp_path, lambda *a, **k: None, b"")
    refused(tmp_path / ("function_handle.mat" if kind == "function" else "object.mat"), f"matlab {kind}")


def test_matlab_v73_function_handle_and_object_are_refused(tmp_path):
    fc._hostile_hdf5(tmp_path, lambda *a, **k: None)
    refused(tmp_path / "mat_function.mat", "function handle")
    refused(tmp_path / "mat_object.mat", "object (timetable)")


# ------------------------------------------------------------------------ up front, with the numbers (item 4)
def test_csv_that_would_not_fit_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("SHM_APP_MEMORY_BUDGET", str(8 * 2**20))
    path = tmp_path / "big.csv"
    with open(path, "w") as fh:
        fh.write("# fs = 100\nA1,A2,A3\n")
        block = ROWS + "\n"
        for _ in range(900):  # ~ 26 MB, ~ 270 000 rows
            fh.write(block)
    t0 = time.perf_counter()
    text = refused(path, "rows of 3 columns")
    assert "needs about" in text and "available" in text
    assert time.perf_counter() - t0 < 1


# ------------------------------------------------------------------------ side tables
def test_environment_log_refuses_infinity_and_reads_utf16(tmp_path):
    from shm_app.io.environment import read_environment

    path = tmp_path / "env.csv"
    path.write_text("t,temp\n2026-03-01T00:00:00,1e309\n2026-03-01T01:00:00,2\n")
    with pytest.raises(ReadError, match="not a finite number"):
        read_environment(path)
    path.write_bytes("t,temp\n2026-03-01T00:00:00,1.5\n2026-03-01T01:00:00,2\n".encode("utf-16"))
    assert read_environment(path).values[:, 0].tolist() == [1.5, 2.0]


def test_geometry_reads_utf16_and_refuses_binary_and_huge_headers(tmp_path):
    from shm_app.io.geometry import read_geometry, read_lines

    path = tmp_path / "g.csv"
    path.write_bytes("channel,x_m,y_m,z_m,direction\nA1,0,0,0,z\n".encode("utf-16"))
    assert read_geometry(path)["A1"].direction == "z"
    path.write_bytes(b"channel,x_m\x00\x01\x02" * 100)
    with pytest.raises(ReadError, match="binary"):
        read_geometry(path)
    path.write_text(",".join(f"c{i}" for i in range(10**6)) + "\nA\n")
    t0 = time.perf_counter()
    with pytest.raises(ReadError, match="1,000,000 columns"):
        read_geometry(path)
    assert time.perf_counter() - t0 < 1
    path.write_bytes(b"")
    with pytest.raises(ReadError):
        read_lines(path)


@pytest.mark.skipif(sys.platform != "linux", reason="the address-space cap is set with setrlimit (Linux)")
def test_under_a_memory_cap_a_large_file_is_refused_with_the_numbers(tmp_path):
    """``ulimit -v`` (or a container limit) counts: the reader refuses up front, naming what it needs and what is
    available, instead of an internal MemoryError or "the file is damaged"."""
    import h5py
    import resource

    with h5py.File(tmp_path / "big.h5", "w") as f:
        f.create_dataset("acc", data=np.random.default_rng(0).standard_normal((8_000_000, 4))).attrs["fs"] = FS

    def cap():  # room for the app (~160 MB of address space) but not for 256 MB of samples and their copies
        resource.setrlimit(resource.RLIMIT_AS, (700 * 2**20, resource.RLIM_INFINITY))

    run = subprocess.run([sys.executable, "-m", "shm_app", "info", "big.h5"], cwd=tmp_path, capture_output=True,
                         text=True, preexec_fn=cap, timeout=120,
                         env={**__import__("os").environ, "SHM_APP_HOME": str(tmp_path), "OPENBLAS_NUM_THREADS": "1"})
    assert run.returncode == 2, run.stderr
    assert "needs about" in run.stderr and "available" in run.stderr and len(run.stderr.splitlines()) == 1


def test_miniseed_padded_with_zeros_is_whole(tmp_path):
    raw = sup.write_mseed(tmp_path / "full.mseed", X, FS).read_bytes()
    (tmp_path / "padded.mseed").write_bytes(raw + bytes(1000))
    assert io.read(tmp_path / "padded.mseed").n_samples == 300


def test_mat_structs_nested_beyond_reason_read_or_refused_in_one_line(tmp_path):
    inner = fc._mat5_matrix("", 6, (1, 1), fc._mat5_element(9, struct_pack_double(1.0)))
    for level in range(3000):  # a struct holding a struct holding ... 3000 levels
        body = fc._mat5_element(5, (32).to_bytes(4, "little")) + fc._mat5_element(1, b"f".ljust(32, b"\0")) + inner
        inner = fc._mat5_matrix("deep" if level == 2999 else "", 2, (1, 1), body)
    acc = fc._mat5_matrix("acc", 6, (300, 3), fc._mat5_element(9, X.astype("<f8").tobytes(order="F")))
    (tmp_path / "deep.mat").write_bytes(fc._mat5_file(acc, inner))
    try:
        rec = io.read(tmp_path / "deep.mat", fs=FS)
    except ReadError as exc:
        assert len(str(exc).splitlines()) == 1
    else:
        np.testing.assert_array_equal(rec.data, X)


def struct_pack_double(x: float) -> bytes:
    import struct

    return struct.pack("<d", x)
