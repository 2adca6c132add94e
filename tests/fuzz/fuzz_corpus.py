"""The fuzz corpus: mutations of the seed files (truncations, byte flips, zeroed and repeated blocks, wrong
extensions, empty files) and hand-made hostile files per format (absurd headers and shapes, bombs, links, MATLAB
objects, encodings, endless lines, invalid rates). Deterministic for a given seed number."""
from __future__ import annotations

import functools
import gzip
import json
import random
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from fuzz_harness import Case
from fuzz_seeds import FS, data, write_seeds, write_side_seeds

BOMB_BYTES = 600 * 2**20  # what a bomb decompresses to (the workers' readers may use 512 MiB)


# ------------------------------------------------------------------------------------------------ mutations
def mutate(raw: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random damage of ``raw``: its name and the damaged bytes."""
    n = len(raw)
    op = rng.choice(("truncate", "truncate-end", "flip", "flip-head", "zero-block", "insert", "repeat", "digits"))
    if op == "truncate":
        return op, raw[:rng.randrange(1, max(2, n))]
    if op == "truncate-end":
        return op, raw[:max(1, n - rng.randrange(1, max(2, n // 10)))]
    b = bytearray(raw)
    if op in ("flip", "flip-head"):
        span = min(n, 1024) if op == "flip-head" else n
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(span)
            b[i] = rng.randrange(256)
        return op, bytes(b)
    if op == "zero-block":
        i, k = rng.randrange(n), rng.randint(16, 256)
        b[i:i + k] = bytes(min(k, n - i))
        return op, bytes(b)
    if op == "insert":
        i = rng.randrange(n)
        return op, bytes(b[:i]) + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + bytes(b[i:])
    if op == "repeat":
        i = rng.randrange(n)
        k = rng.randint(1, max(1, min(4096, n - i)))
        return op, bytes(b[:i + k]) + bytes(b[i:i + k]) * rng.randint(1, 5) + bytes(b[i + k:])
    # digits: replace one number-like byte run by an absurd number
    i = rng.randrange(n)
    absurd = rng.choice((b"1e308", b"-1e308", b"nan", b"inf", b"99999999999999999999", b"0", b"-1", b"1e-300"))
    return op, bytes(b[:i]) + absurd + bytes(b[i + rng.randint(0, 6):])


def mutated(folder: Path, n_per_seed: int, rng: random.Random) -> list[Case]:
    cases = []
    seeds = write_seeds(folder / "seeds")
    side = write_side_seeds(folder / "seeds")
    items = [(fam, p, "read", opts) for fam, p, opts in seeds] + [(fam, p, kind, {}) for fam, p, kind in side]
    out = folder / "mutants"
    out.mkdir()
    for fam, p, kind, opts in items:
        cases.append(Case(fam, str(p), kind, tuple(opts.items()), expect="ok", label="seed"))
        raw = p.read_bytes()
        suffix = "".join(p.suffixes)
        for k in range(n_per_seed):
            op, damaged = mutate(raw, rng)
            target = out / f"{p.stem.split('.')[0]}_{k:03d}_{op}{suffix}"
            target.write_bytes(damaged)
            if p.suffix == ".npy":  # keep the sidecar beside every mutant
                (out / (target.stem + ".json")).write_bytes((p.parent / "seed_sidecar.json").read_bytes())
            cases.append(Case(fam, str(target), kind, tuple(opts.items()), label=op))
    # wrong extension for the content, and empty files with every suffix
    suffixes = [".csv", ".npy", ".npz", ".mat", ".h5", ".tdms", ".uff", ".mseed", ".v2", ".zip", ".txt", ".gz"]
    for fam, p, kind, opts in items:
        if kind != "read":
            continue
        for suffix in rng.sample(suffixes, 4):
            if p.name.endswith(suffix):
                continue
            target = out / f"wrongext_{p.stem.split('.')[0]}{suffix}"
            target.write_bytes(p.read_bytes())
            cases.append(Case("wrong-extension", str(target), "read", tuple(opts.items())))
    for suffix in suffixes + [".shmproj", ""]:
        target = out / f"empty{suffix}"
        target.write_bytes(b"")
        cases.append(Case("empty", str(target), "project" if suffix == ".shmproj" else "read", expect="refused"))
    for fam, p, kind, _ in items:
        if kind != "read":
            target = out / f"empty_{kind}.csv"
            target.write_bytes(b"")
            cases.append(Case("empty", str(target), kind, expect="refused"))
    return cases


# ------------------------------------------------------------------------------------------------ bombs
def deflate_zeros(n: int) -> bytes:
    """A raw deflate stream of ``n`` zero bytes (made once: ~1 s for 700 MiB)."""
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunk = bytes(2**24)
    parts = [comp.compress(chunk) for _ in range(n // len(chunk))]
    parts.append(comp.compress(bytes(n % len(chunk))))
    parts.append(comp.flush())
    return b"".join(parts)


@functools.lru_cache(maxsize=None)
def _crc_zeros(n: int, crc: int = 0) -> int:
    chunk = bytes(2**24)
    for _ in range(n // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(bytes(n % len(chunk)), crc)


def _adler_zeros(n: int, a: int = 1) -> int:
    chunk = bytes(2**24)
    for _ in range(n // len(chunk)):
        a = zlib.adler32(chunk, a)
    return zlib.adler32(bytes(n % len(chunk)), a)


def gzip_bomb(raw_deflate: bytes, n: int, prefix: bytes = b"") -> bytes:
    """gzip of ``prefix`` + n zeros; the prefix is compressed separately into its own gzip member."""
    head = gzip.compress(prefix) if prefix else b""
    member = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + raw_deflate + struct.pack("<II", _crc_zeros(n), n & 0xFFFFFFFF)
    return head + member


def zip_member_bomb(path: Path, members: dict[str, tuple[bytes, int]], header: bytes = b"") -> None:
    """A zip whose members are ``header`` + n zeros, deflated (written by hand to reuse one deflate stream)."""
    out = bytearray()
    central = bytearray()
    for name, (stream, n) in members.items():
        crc = _crc_zeros(n, zlib.crc32(header))
        nm = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(stream), n + len(header) & 0xFFFFFFFF,
                           len(nm), 0) + nm + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(stream),
                               n + len(header) & 0xFFFFFFFF, len(nm), 0, 0, 0, 0, 0, offset) + nm
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))


def npy_header(shape: tuple, dtype: str = "<f8") -> bytes:
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (len(text) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


# ------------------------------------------------------------------------------------------------ hostile files
def hostile(folder: Path, rng: random.Random, bomb: bytes) -> list[Case]:
    out = folder / "hostile"
    out.mkdir()
    cases: list[Case] = []

    def add(family, path, kind="read", expect=None, label="", **options):
        cases.append(Case(family, str(path), kind, tuple(options.items()), expect=expect, label=label))

    cases += _hostile_text(out, add)
    _hostile_hdf5(out, add)
    _hostile_numpy(out, add, bomb)
    _hostile_mat(out, add, bomb)
    _hostile_other(out, add, bomb)
    return cases


def _text(out: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = out / name
    p.write_bytes(text.encode(encoding))
    return p


def _hostile_text(out: Path, add) -> list:
    x = data()
    body = "\n".join(",".join(f"{v:.6f}" for v in r) for r in x) + "\n"
    good = "A1,A2,A3\n" + body
    add("csv", _text(out, "utf16.csv", "\ufeff# fs = 100\n" + good, "utf-16-le"), expect="ok", label="utf-16 bom")
    add("csv", _text(out, "utf16_nobom.csv", "# fs = 100\n" + good, "utf-16-le"), label="utf-16 no bom")
    add("csv", _text(out, "bom.csv", "\ufeff# fs = 100\n" + good), expect="ok", label="utf-8 bom")
    add("csv", _text(out, "nul.csv", "# fs = 100\n" + good[:200] + "\x00" * 10 + good[200:]), label="nul bytes")
    add("csv", _text(out, "million_columns.csv", ",".join(f"c{i}" for i in range(10**6)) + "\n" +
                     ",".join("0.1" for _ in range(10**6)) + "\n"), label="10^6 columns", fs=FS)
    add("csv", _text(out, "million_columns_header_only.csv", ",".join(f"c{i}" for i in range(10**6)) + "\n" + body),
        expect="refused", label="10^6-column header", fs=FS)
    add("csv", _text(out, "endless_line.csv", "A1,A2\n" + "0.1," * (3 * 10**6)), label="endless line", fs=FS)
    add("csv", _text(out, "endless_text.csv", "x" * (8 * 10**6)), expect="refused", label="endless text")
    add("csv", _text(out, "overflow.csv", "# fs = 100\nA1,A2\n" + "1e308,-1e308\n-1e308,1e308\n" * 200),
        label="values that overflow")
    for name, line in (("nan", "fs = NaN"), ("text", "fs = fast"), ("tiny", "fs = 1e-300"), ("micro", "fs = 1e-6"),
                       ("dt_negative", "dt = -0.01"), ("dt_zero", "dt = 0"), ("zero", "fs = 0"),
                       ("denormal", "fs = 5e-324")):
        add("csv", _text(out, f"rate_{name}.csv", f"# {line}\n" + good), expect="refused", label=f"stated {line}",
            fs=FS)
    rows = body.splitlines()
    cut = "A1,A2,A3\n" + "\n".join(rows[:-1]) + "\n" + rows[-1][:-4]
    add("csv", _text(out, "cut_mid_value.csv", "# fs = 100\n" + cut), expect="refused", label="cut mid-value")
    typo = "A1,A2,A3\n" + rows[0].replace(",", ",x", 1) + "\n" + "\n".join(rows[1:]) + "\n"
    add("csv", _text(out, "typo_first_row.csv", "# fs = 100\n" + typo), expect="refused", label="typo in first row")
    add("csv", _text(out, "only_header.csv", "A1,A2,A3\n"), expect="refused")
    add("csv", _text(out, "deep_quotes.csv", '"' * 100000 + "\n" + body), fs=FS)
    add("csv", _text(out, "long_preamble.csv", "# comment\n" * 200000 + good), fs=FS)
    add("csv", _text(out, "crlf_mixed.csv", good.replace("\n", "\r", 50)), fs=FS)
    for name in ("with space é.csv", "-leading-dash.csv", "new\nline.csv", "ctrl\x1b[31m.csv", "ünï cödé ✓.csv"):
        add("names", _text(out, name, "# fs = 100\n" + good), expect="ok", label="file name")
    add("names", _text(out, "new\nline_bad.csv", "A1,A2\nfoo,bar\n"), expect="refused", label="newline, refused")
    gz = out / "gzip_of_binary.csv.gz"
    gz.write_bytes(gzip.compress(bytes(range(256)) * 100))
    add("csv", gz, expect="refused")
    # side readers
    add("geometry", _text(out, "geo_nan.csv", "channel,x_m,y_m,z_m,direction\nA1,nan,0,0,z\n"), "geometry",
        expect="refused")
    add("geometry", _text(out, "geo_utf16.csv", "channel,x_m,y_m,z_m\nA1,0,0,0\n", "utf-16"), "geometry")
    add("geometry", _text(out, "geo_cols.csv", ",".join(f"c{i}" for i in range(10**6)) + "\nA1\n"), "geometry",
        expect="refused")
    add("geometry", _text(out, "geo_endless.csv", "channel,x_m,y_m,z_m\n" + "A," * 10**6), "geometry")
    add("geometry", _text(out, "geo_nul.csv", "channel,x_m,y_m,z_m\nA1\x00,0,0,0\n"), "geometry")
    add("lines", _text(out, "lines_endless.csv", "a," * 10**6), "lines", expect="refused")
    add("lines", _text(out, "lines_latin1.csv", "nöde,b\n", "latin-1"), "lines")
    add("environment", _text(out, "env_inf.csv", "t,temp\n2026-03-01T00:00:00,inf\n2026-03-01T01:00:00,1e309\n"),
        "environment")
    add("environment", _text(out, "env_cols.csv", "t," + ",".join(f"c{i}" for i in range(10**5)) + "\n" +
                             "2026-03-01T00:00:00" + ",1" * 10**5 + "\n"), "environment")
    add("environment", _text(out, "env_latin1.csv", "t;temp\n2026-03-01T00:00:00;1,5\n", "latin-1"), "environment")
    add("environment", _text(out, "env_bad_stamp.csv", "t,temp\n99999-99-99,1\n"), "environment", expect="refused")
    add("environment", _text(out, "env_endless.csv", "t,temp\n" + "2" * 10**7), "environment", expect="refused")
    add("frequency", _text(out, "freq_negative.csv", "t,M1\n2026-03-01T00:00:00,-2\n"), "frequency", expect="refused")
    add("frequency", _text(out, "freq_nan.csv", "t,M1\n2026-03-01T00:00:00,nan\n2026-03-01T01:00:00,\n"), "frequency")
    add("frequency", _text(out, "freq_utf16.csv", "t,M1\n2026-03-01T00:00:00,2.2\n", "utf-16"), "frequency")
    return []


def _hostile_hdf5(out: Path, add) -> None:
    import h5py

    x = data()

    def h5(name):
        return h5py.File(out / name, "w")

    with h5("deep.h5") as f:
        g = f
        for i in range(600):
            g = g.create_group(f"g{i}")
        g.create_dataset("acc", data=x).attrs["fs"] = FS
    add("hdf5", out / "deep.h5", label="600 nested groups")
    (out / "other.h5").unlink(missing_ok=True)
    with h5("other.h5") as f:
        f.create_dataset("acc", data=x).attrs["fs"] = FS
    with h5("external_link.h5") as f:
        f["acc"] = h5py.ExternalLink(str(out / "other.h5"), "/acc")
    add("hdf5", out / "external_link.h5", expect="refused", label="external link")
    add("hdf5", out / "external_link.h5", expect="refused", label="external link named", dataset="acc")
    with h5("external_group.h5") as f:
        f["grp"] = h5py.ExternalLink(str(out / "other.h5"), "/")
    add("hdf5", out / "external_group.h5", expect="refused", label="external group", group="grp")
    with h5("soft_loop.h5") as f:
        f["a"] = h5py.SoftLink("/b")
        f["b"] = h5py.SoftLink("/a")
        f.create_dataset("acc", data=x).attrs["fs"] = FS
    add("hdf5", out / "soft_loop.h5", label="soft-link loop")
    add("hdf5", out / "soft_loop.h5", label="soft-link loop named", expect="refused", dataset="a")
    layout = h5py.VirtualLayout(shape=x.shape, dtype=float)
    layout[:] = h5py.VirtualSource(str(out / "other.h5"), "acc", shape=x.shape)
    with h5("virtual.h5") as f:
        f.create_virtual_dataset("acc", layout).attrs["fs"] = FS
    add("hdf5", out / "virtual.h5", expect="refused", label="virtual dataset")
    secret = out / "secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 100)
    with h5("external_storage.h5") as f:
        f.create_dataset("acc", shape=(400,), dtype="<f8", external=[(str(secret), 0, 3200)]).attrs["fs"] = FS
    add("hdf5", out / "external_storage.h5", expect="refused", label="external raw storage")
    with h5("declared_huge.h5") as f:
        f.create_dataset("acc", shape=(100_000_000, 3), dtype="<f8", chunks=(65536, 3)).attrs["fs"] = FS
    add("hdf5", out / "declared_huge.h5", expect="refused", label="3e8 declared values, nothing stored")
    with h5("zeros_bomb.h5") as f:
        ds = f.create_dataset("acc", shape=(40_000_000, 3), dtype="<f8", chunks=(1_000_000, 3), compression="gzip")
        chunk = zlib.compress(bytes(24_000_000), 1)
        for i in range(40):
            ds.id.write_direct_chunk((i * 1_000_000, 0), chunk)
        ds.attrs["fs"] = FS
    add("hdf5", out / "zeros_bomb.h5", expect="refused", label="gzip zeros bomb, 960 MB")
    with h5("chars_bomb.h5") as f:  # a v7.3-like 10^9-character variable
        ds = f.create_dataset("label", shape=(10**9,), dtype="<u2", chunks=(2**22,), compression="gzip")
        chunk = zlib.compress(np.full(2**22, 65, "<u2").tobytes(), 1)
        for i in range(0, 10**9 - 2**22, 2**22):
            ds.id.write_direct_chunk((i,), chunk)
        f.create_dataset("acc", data=x).attrs["fs"] = FS
    add("hdf5", out / "chars_bomb.h5", label="10^9 chars beside the signal")
    for name, attrs in (("fs_nan", {"fs": np.nan}), ("fs_text", {"fs": "fast"}), ("dt_negative", {"dt": -0.01}),
                        ("inc_zero", {"wf_increment": 0.0}), ("fs_tiny", {"fs": 1e-300}),
                        ("fs_dict", {"fs": '{"a": 1}'})):
        with h5(f"{name}.h5") as f:
            ds = f.create_dataset("acc", data=x)
            for k, v in attrs.items():
                ds.attrs[k] = v
        add("hdf5", out / f"{name}.h5", expect="refused", label=f"invalid rate {attrs}", fs=FS)
    with h5("odd_types.h5") as f:
        f.create_dataset("compound", data=np.zeros(10, dtype=[("a", "f8"), ("b", "i4")]))
        f.create_dataset("cplx", data=x[:, 0] + 1j)
        f.create_dataset("strings", data=["a", "b"], dtype=h5py.string_dtype())
        f.create_dataset("three_d", data=np.zeros((4, 5, 6)))
        f.create_dataset("scalar", data=3.0)
        f.create_dataset("refs", data=np.array([f["scalar"].ref] * 3, dtype=h5py.ref_dtype))
        f.attrs["channels"] = np.array([b"a", b"b"])
    add("hdf5", out / "odd_types.h5", label="compound, complex, 3-D, refs", fs=FS)
    with h5("many_datasets.h5") as f:
        for i in range(2000):
            f.create_dataset(f"d{i}", data=np.arange(3.0))
    add("hdf5", out / "many_datasets.h5", label="2000 small datasets", fs=FS)
    with h5("names_dict.h5") as f:
        ds = f.create_dataset("acc", data=x)
        ds.attrs["fs"] = FS
        ds.attrs["channels"] = json.dumps({"a": {"b": [1, 2]}})
    add("hdf5", out / "names_dict.h5", label="channels attribute is a JSON object")
    with h5("mat_function.mat") as f:  # a v7.3 file whose signal is a MATLAB function handle
        ds = f.create_dataset("acc", data=x.T)
        ds.attrs["MATLAB_class"] = np.bytes_("function_handle")
        f.create_dataset("fs", data=np.array([[FS]])).attrs["MATLAB_class"] = np.bytes_("double")
    add("mat", out / "mat_function.mat", expect="refused", label="v7.3 function handle")
    with h5("mat_object.mat") as f:
        ds = f.create_dataset("acc", data=np.zeros((1, 6), dtype=np.uint32))
        ds.attrs["MATLAB_class"] = np.bytes_("timetable")
        ds.attrs["MATLAB_object_decode"] = np.int32(3)
        f.create_dataset("fs", data=np.array([[FS]])).attrs["MATLAB_class"] = np.bytes_("double")
    add("mat", out / "mat_object.mat", expect="refused", label="v7.3 object")


def _hostile_numpy(out: Path, add, bomb: bytes) -> None:
    x = data()
    np.save(out / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    add("npy", out / "objects.npy", expect="refused", label="pickled objects", fs=FS)
    np.savez(out / "objects.npz", data=x, evil=np.array([{"a": 1}], dtype=object), fs=FS)
    add("npy", out / "objects.npz", label="npz with an object member")
    np.savez(out / "objects_signal.npz", data=np.array([[{"a": 1}]], dtype=object), fs=FS)
    add("npy", out / "objects_signal.npz", expect="refused", label="npz signal of objects")
    (out / "huge_header.npy").write_bytes(npy_header((10**10, 3)) + bytes(1000))
    add("npy", out / "huge_header.npy", expect="refused", label="declares 3e10 values", fs=FS)
    (out / "neg_header.npy").write_bytes(npy_header((-5, 3)) + bytes(1000))
    add("npy", out / "neg_header.npy", expect="refused", fs=FS)
    (out / "eval_header.npy").write_bytes(npy_header((3,)).replace(b"(3,)", b"__import__('os').system('echo pwned')"
                                                                    [:40]))
    add("npy", out / "eval_header.npy", expect="refused", label="code in the header", fs=FS)
    with zipfile.ZipFile(out / "huge_member.npz", "w") as zf:
        zf.writestr("data.npy", npy_header((10**9, 3)) + bytes(800))
        zf.writestr("fs.npy", npy_header(()) + struct.pack("<d", FS))
    add("npy", out / "huge_member.npz", expect="refused", label="member declaring 3e9 values")
    n_values = BOMB_BYTES // 8
    zip_member_bomb(out / "bomb.npz", {"data.npy": (_deflate(npy_header((n_values // 3, 3)), bomb), BOMB_BYTES)},
                    header=npy_header((n_values // 3, 3)))
    add("npy", out / "bomb.npz", expect="refused", label="zlib bomb member", fs=FS)
    with zipfile.ZipFile(out / "many_members.npz", "w") as zf:
        for i in range(5000):
            zf.writestr(f"a{i}.npy", npy_header((2,)) + bytes(16))
        buf = np.lib.format
        import io as _io

        b = _io.BytesIO()
        buf.write_array(b, x)
        zf.writestr("data.npy", b.getvalue())
    add("npy", out / "many_members.npz", label="5000 members", fs=FS)
    np.savez(out / "odd.npz", data=x + 1j, fs=FS)
    add("npy", out / "odd.npz", label="complex signal")
    np.savez(out / "structured.npz", data=np.zeros(10, dtype=[("a", "f8")]), fs=FS)
    add("npy", out / "structured.npz", expect="refused")
    np.save(out / "strings.npy", np.array(["a", "b"]))
    add("npy", out / "strings.npy", expect="refused", fs=FS)
    np.save(out / "bigendian.npy", x.astype(">f8"))
    add("npy", out / "bigendian.npy", expect="ok", fs=FS)
    np.save(out / "three_d.npy", np.zeros((4, 5, 6)))
    add("npy", out / "three_d.npy", expect="refused", fs=FS)
    for name, side in (("dict_channels", {"fs_hz": FS, "channels": {"a": {"b": 1}}}),
                       ("fs_nan", {"fs_hz": float("nan")}), ("fs_text", {"fs_hz": "fast"}),
                       ("fs_list", {"fs_hz": [1, 2]}), ("start_dict", {"fs_hz": FS, "start": {"y": 2026}}),
                       ("unit_dict", {"fs_hz": FS, "unit": {"u": "g"}})):
        np.save(out / f"side_{name}.npy", x)
        (out / f"side_{name}.json").write_text(json.dumps(side).replace("NaN", "NaN"))
        add("npy", out / f"side_{name}.npy", label=f"sidecar {name}", fs=FS)
    np.save(out / "side_deep.npy", x)
    (out / "side_deep.json").write_text("[" * 100000 + "]" * 100000)
    add("npy", out / "side_deep.npy", expect="refused", label="sidecar nested 100000 deep", fs=FS)
    np.save(out / "side_deep_obj.npy", x)
    (out / "side_deep_obj.json").write_text('{"fs_hz": 100, "channels": ' + '{"a":' * 50000 + "1" + "}" * 50001)
    add("npy", out / "side_deep_obj.npy", expect="refused", label="sidecar object nested 50000 deep")


def _deflate(prefix: bytes, bomb: bytes) -> bytes:
    """A raw deflate stream of ``prefix`` followed by the bomb's zeros (two deflate blocks back to back)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    return first + bomb


def _mat5_element(dtype: int, payload: bytes) -> bytes:
    pad = (-len(payload)) % 8
    return struct.pack("<II", dtype, len(payload)) + payload + bytes(pad)


def _mat5_matrix(name: str, mclass: int, dims: tuple, body: bytes) -> bytes:
    flags = _mat5_element(6, struct.pack("<II", mclass, 0))
    dims_el = _mat5_element(5, struct.pack(f"<{len(dims)}i", *dims))
    name_el = _mat5_element(1, name.encode())
    inner = flags + dims_el + name_el + body
    return struct.pack("<II", 14, len(inner)) + inner


def _mat5_file(*elements: bytes) -> bytes:
    header = b"MATLAB 5.0 MAT-file, fuzz".ljust(116) + bytes(8) + struct.pack("<H", 0x0100) + b"IM"
    return header + b"".join(elements)


def _hostile_mat(out: Path, add, bomb: bytes) -> None:
    import scipy.io
    from scipy import sparse

    x = data()
    fs = _mat5_matrix("fs", 6, (1, 1), _mat5_element(9, struct.pack("<d", FS)))
    double = _mat5_matrix("", 6, (1, 2), _mat5_element(9, struct.pack("<2d", 1.0, 2.0)))
    acc = _mat5_matrix("acc", 6, (240, 3), _mat5_element(9, x.astype("<f8").tobytes(order="F")))
    (out / "function_handle.mat").write_bytes(_mat5_file(acc, fs, _mat5_matrix("h", 16, (1, 1), double)))
    add("mat", out / "function_handle.mat", expect="refused", label="function handle")
    obj_body = _mat5_element(1, b"evilclass") + _mat5_element(5, struct.pack("<i", 32)) + \
        _mat5_element(1, b"data".ljust(32, b"\0")) + double
    (out / "object.mat").write_bytes(_mat5_file(acc, fs, _mat5_matrix("o", 3, (1, 1), obj_body)))
    add("mat", out / "object.mat", expect="refused", label="MATLAB object")
    (out / "declared_huge.mat").write_bytes(_mat5_file(_mat5_matrix("acc", 6, (100000, 100000),
                                                                   _mat5_element(9, bytes(64))), fs))
    add("mat", out / "declared_huge.mat", expect="refused", label="declares 1e10 values")
    n = BOMB_BYTES // 8
    head = struct.pack("<II", 14, 0)  # the inner miMATRIX length is patched below
    inner_hdr = (_mat5_element(6, struct.pack("<II", 6, 0)) + _mat5_element(5, struct.pack("<2i", n // 3, 3)) +
                 _mat5_element(1, b"acc") + struct.pack("<II", 9, n * 8))
    head = struct.pack("<II", 14, len(inner_hdr) + n * 8)
    raw = _deflate(head + inner_hdr, bomb)
    stream = b"\x78\xda" + raw + struct.pack(">I", _adler_zeros(n * 8, zlib.adler32(head + inner_hdr)))
    (out / "zlib_bomb.mat").write_bytes(_mat5_file(fs, struct.pack("<II", 15, len(stream)) + stream))
    add("mat", out / "zlib_bomb.mat", expect="refused", label="zlib bomb, 700 MiB")
    cell = np.empty((2, 1), dtype=object)
    cell[0, 0] = {"name": "A1", "unit": "g"}
    cell[1, 0] = {"name": "A2", "unit": "g"}
    for name, variables in (
            ("cell_structs", {"acc": x, "fs": FS, "channels": cell}),
            ("sparse", {"acc": sparse.csc_matrix(x), "fs": FS}),
            ("complex", {"acc": x + 1j, "fs": FS}),
            ("logical", {"acc": x > 0, "fs": FS}),
            ("char_only", {"acc": "hello", "fs": FS}),
            ("struct_array", {"rec": np.array([({"a": 1},), ({"a": 2},)], dtype=[("f", object)]), "fs": FS}),
            ("nested_struct", {"rec": {"inner": {"data": x, "fs": FS}}}),
            ("fs_nan", {"acc": x, "fs": np.nan}), ("fs_text", {"acc": x, "fs": "fast"}),
            ("dt_negative", {"acc": x, "dt": -0.01}), ("fs_tiny", {"acc": x, "fs": 1e-300}),
            ("units_struct", {"acc": x, "fs": FS, "units": {"a": "g"}}),
            ("start_struct", {"acc": x, "fs": FS, "start": {"y": 2026}})):
        try:
            scipy.io.savemat(out / f"{name}.mat", variables)
        except Exception:  # noqa: BLE001 - scipy cannot write this one: skip it
            continue
        expect = "refused" if name.startswith(("fs_", "dt_")) else None
        add("mat", out / f"{name}.mat", expect=expect, label=name)


def _hostile_other(out: Path, add, bomb: bytes) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shm_app" / "io"))
    import io_support as sup
    from test_io_csmip import csmip_v2_text

    x = data()
    gz = out / "bomb.csv.gz"
    gz.write_bytes(gzip_bomb(bomb, BOMB_BYTES, b"# fs = 100\nA1\n"))
    add("csv", gz, expect="refused", label="gzip bomb, 700 MiB")
    # CSMIP zip: 8 members of 100 MB each (each under the per-member limit, together far above)
    text = csmip_v2_text(x[:, 0] * 100, 0.01, 1).encode()
    members = {f"CHAN{j + 1:03d}.V2": (_deflate(text, _small_bomb(100 * 2**20)), 100 * 2**20) for j in range(8)}
    zip_member_bomb(out / "members_bomb.zip", members, header=text)
    add("csmip", out / "members_bomb.zip", expect="refused", label="8 members of 100 MB")
    zip_member_bomb(out / "member_bomb.zip", {"CHAN001.V2": (_deflate(text, bomb), BOMB_BYTES)}, header=text)
    add("csmip", out / "member_bomb.zip", expect="refused", label="one member of 700 MiB")
    # UFF: unit NONE, increment 0, cut mid-record
    for name, unit in (("unit_none", "NONE"),):
        sup.write_uff58(out / f"{name}.uff", x, FS, unit=unit)
        add("uff", out / f"{name}.uff", expect="ok", label="unit NONE")
    p = sup.write_uff58(out / "full.uff", x, FS)
    raw = p.read_bytes()
    (out / "cut_mid_record.uff").write_bytes(raw[:int(len(raw) * 0.6)])
    add("uff", out / "cut_mid_record.uff", expect="refused", label="cut mid-record")
    text = raw.decode("latin-1")
    lines = text.splitlines()
    rec7 = [i for i, ln in enumerate(lines) if ln.strip().startswith("4") and len(ln.split()) >= 6][:3]
    if rec7:
        bad = list(lines)
        for i in rec7:
            parts = bad[i].split()
            parts[4] = "0.00000E+00"
            bad[i] = "         " + "         ".join(parts)
        (out / "inc_zero.uff").write_text("\n".join(bad) + "\n", encoding="latin-1")
        add("uff", out / "inc_zero.uff", label="abscissa_inc 0", fs=FS)
    # TDMS: invalid increments; truncated
    for name, inc in (("inc_zero", 0.0), ("inc_negative", -0.01), ("inc_nan", float("nan"))):
        from nptdms import ChannelObject, GroupObject, RootObject, TdmsWriter

        with TdmsWriter(str(out / f"{name}.tdms")) as writer:
            writer.write_segment([RootObject(), GroupObject("G")] + [
                ChannelObject("G", f"A{j}", x[:, j], properties={"wf_increment": inc}) for j in range(3)])
        add("tdms", out / f"{name}.tdms", expect="refused", label=f"wf_increment {inc}", fs=FS)
    p = sup.write_tdms(out / "full.tdms", x, FS)
    (out / "cut.tdms").write_bytes(p.read_bytes()[:-333])
    add("tdms", out / "cut.tdms", expect="refused", label="truncated")
    # miniSEED: cut mid-record, thousands of gapped pieces, rate 0
    p = sup.write_mseed(out / "full.mseed", np.tile(x, (40, 1)), FS)
    raw = p.read_bytes()
    (out / "cut_mid_record.mseed").write_bytes(raw[:len(raw) // 2 + 100])
    add("mseed", out / "cut_mid_record.mseed", expect="refused", label="cut mid-record")
    from obspy import Stream, Trace, UTCDateTime

    t0 = UTCDateTime(sup.START)
    traces = [Trace(np.ones(5), header={"network": "XB", "station": "S", "channel": f"HN{'ZNE'[k % 3]}",
                                        "sampling_rate": FS, "starttime": t0 + 3600 * (k // 3)}) for k in range(3000)]
    Stream(traces).write(str(out / "gapped.mseed"), format="MSEED", reclen=512)
    add("mseed", out / "gapped.mseed", expect="refused", label="3000 pieces an hour apart")
    traces = [Trace(np.ones(5), header={"network": "XB", "station": "S", "channel": "HNZ", "sampling_rate": FS,
                                        "starttime": t0 + 0.06 * k}) for k in range(3000)]
    Stream(traces).write(str(out / "gapped_short.mseed"), format="MSEED", reclen=512)
    add("mseed", out / "gapped_short.mseed", label="3000 pieces 10 ms apart")


@functools.lru_cache(maxsize=None)
def _small_bomb(n: int) -> bytes:
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    return comp.compress(bytes(n)) + comp.flush()


def corpus(folder: Path, seed: int = 14, n_per_seed: int = 42) -> list[Case]:
    """Every case: mutants of every seed, wrong extensions, empty files, hostile files."""
    rng = random.Random(seed)
    bomb = deflate_zeros(BOMB_BYTES)
    return mutated(folder, n_per_seed, rng) + hostile(folder, rng, bomb)
