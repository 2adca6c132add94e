"""The project file (.shmproj): save → open → save gives the same document; opening never writes; damaged, foreign,
newer and crafted files are refused with a ReadError naming them and are left untouched; writes are atomic (a
kill -9 at any moment leaves the old or the new project, never a broken one), follow the umask and clean up the
temporary files of dead writers."""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shm_app.errors import ReadError
from shm_app.persistence.atomic import WriteError
from shm_app.persistence.codec import documents_equal, to_document
from shm_app.persistence.project import FORMAT_VERSION, load_project, read_document, save_project
from shm_app.recording import Channel, Recording
from shm_app.session.state import ProjectMetadata, ProjectState, RecordingEntry, RecordingRef

from project_support import MONITORING, REPO, SELECTED, full_state
from saved_strategies import assert_identical, strategy_for


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A saved full project (read-only use: tests that change it work on a copy)."""
    folder = tmp_path_factory.mktemp("project")
    return save_project(folder / "P.shmproj", full_state(folder))


def copy_of(project: Path, folder: Path, name: str = "P.shmproj") -> Path:
    target = folder / name
    target.write_bytes(project.read_bytes())
    return target


def fingerprint(path: Path) -> tuple:
    st_ = path.stat()
    return path.read_bytes(), st_.st_mtime_ns, st_.st_size


def stored(path: Path) -> tuple[dict, str, list]:
    """(root attributes, document text, arrays with their storage) exactly as in the file."""
    with h5py.File(path, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
        text = f["document"][()].tobytes().decode()
        arrays = [(k, f["arrays"][k][()], f["arrays"][k].compression) for k in sorted(f["arrays"], key=int)]
    return attrs, text, arrays


# ---- round trip ------------------------------------------------------------------------------------------------
def test_save_open_save_gives_the_same_document(project, tmp_path):
    state = full_state(project.parent)  # the same recording file (its path is part of the state)
    opened = load_project(project)
    assert documents_equal(to_document(opened.state), to_document(state))
    assert opened.format_version == FORMAT_VERSION and opened.created and opened.modified

    entry = opened.state.recordings[0]
    assert entry.preprocessing.highpass_hz == 0.5 and entry.preprocessing.lowpass_hz == 12.0
    assert entry.identification.method == "fdd" and entry.identification.fmax_hz == 12.0
    assert entry.identification.channels == SELECTED and entry.result.channels == SELECTED
    assert entry.manual == (1,) and entry.ref.status() == "ok"
    assert entry.ref.read_options == (("fs", 40.0),) and entry.ref.start == datetime(2026, 3, 1, 12)
    assert opened.state.metadata == state.metadata and opened.state.geometry == state.geometry
    campaign = opened.state.campaign
    assert campaign.settings.alpha == 0.001 and campaign.settings.baseline_until == datetime(2025, 12, 31)
    np.testing.assert_array_equal(campaign.result.frequencies_hz, state.campaign.result.frequencies_hz)  # NaN too

    again = save_project(tmp_path / "again.shmproj", opened.state, created=opened.created)
    attrs1, text1, arrays1 = stored(project)
    attrs2, text2, arrays2 = stored(again)
    assert text1 == text2  # the same JSON, character for character
    assert len(arrays1) == len(arrays2) > 10
    for (k, a, c1), (_, b, c2) in zip(arrays1, arrays2):
        assert (a.dtype, a.shape, c1) == (b.dtype, b.shape, c2) and a.tobytes() == b.tobytes(), k
    del attrs1["modified"], attrs2["modified"]
    assert attrs1 == attrs2
    assert documents_equal(read_document(again), read_document(project))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.filter_too_much])
@given(state=strategy_for(ProjectState))
def test_any_project_state_round_trips_through_the_file(state, tmp_path):
    """Generated states: NaN/±inf floats and arrays, 0-d and empty arrays of every dtype, None fields."""
    path = save_project(tmp_path / "gen.shmproj", state)
    back = load_project(path).state
    assert_identical(state, back, "state")


def test_metadata_keys_that_look_like_document_tags_survive(tmp_path):
    """A reader's header may hold any key; a key spelled like the file's own tags must not be mistaken for one."""
    metadata = {"$array": 0, "$float": "nan", "$type": "Exploit", "$map": {"$array": (1, 2)},
                "data": np.arange(3.0)}
    rec = Recording(np.zeros((4, 1)), 10.0, (Channel("a"),), metadata=metadata)
    ref = RecordingRef(path="/nowhere/a.csv", size_bytes=1, sha256="0" * 64, embedded=rec)
    state = ProjectState(recordings=(RecordingEntry(ref=ref),))
    back = load_project(save_project(tmp_path / "m.shmproj", state)).state
    assert_identical(rec.metadata, back.recordings[0].ref.embedded.metadata)


def test_opening_never_writes(project):
    before = fingerprint(project)
    load_project(project)
    read_document(project)
    assert fingerprint(project) == before
    assert not [p for p in project.parent.iterdir() if p.name.endswith(".tmp")]


# ---- damaged, foreign, newer -----------------------------------------------------------------------------------
def _attr(name, value):
    def mutate(f):
        f.attrs[name] = value
    return mutate


def _document(edit):
    def mutate(f):
        text = f["document"][()].tobytes().decode()
        del f["document"]
        f.create_dataset("document", data=np.frombuffer(edit(text).encode(), dtype=np.uint8))
    return mutate


def _delete(name):
    def mutate(f):
        del f[name]
    return mutate


def _bad_setting(text):
    doc = json.loads(text)
    doc["recordings"][0]["identification"]["max_order"] = -5
    return json.dumps(doc)


def _not_a_project(text):
    doc = json.loads(text)
    return json.dumps(doc["metadata"])


CRAFTED = {
    "newer version": (_attr("format_version", FORMAT_VERSION + 1), "newer than this app"),
    "older version": (_attr("format_version", 1), "development version"),
    "foreign HDF5": (_attr("format", "someone-else"), "not an SHM Workbench project"),
    "no format": (_delete("document"), "damaged"),
    "broken JSON": (_document(lambda t: t[: len(t) // 2]), "damaged"),
    "unknown type": (_document(lambda t: t.replace('"$type":"ProjectState"', '"$type":"Exploit"', 1)),
                     "unknown saved type 'Exploit'"),
    "setting out of range": (_document(_bad_setting), "max_order must be between 2 and 2000"),
    "not a project": (_document(_not_a_project), "does not hold a project"),
    "missing array": (_delete("arrays/3"), "damaged"),
    "text array": (lambda f: (f["arrays"].__delitem__("0"), f["arrays"].create_dataset("0", data=np.array([b"x"]))),
                   "unsupported type"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_projects_are_refused_and_left_untouched(project, tmp_path, case):
    mutate, message = CRAFTED[case]
    path = copy_of(project, tmp_path)
    with h5py.File(path, "r+") as f:
        mutate(f)
    before = fingerprint(path)
    with pytest.raises(ReadError, match=message) as info:
        load_project(path)
    assert info.value.path == str(path) and str(path) in str(info.value) and "\n" not in str(info.value)
    assert fingerprint(path) == before


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "flipped header"])
def test_damaged_files_are_refused_and_left_untouched(project, tmp_path, damage):
    data = project.read_bytes()
    path = tmp_path / "P.shmproj"
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": os.urandom(5000), "empty": b"",
                      "flipped header": data[:8] + bytes(b ^ 0xFF for b in data[8:512]) + data[512:]}[damage])
    before = fingerprint(path)
    with pytest.raises(ReadError, match="P.shmproj: ") as info:
        load_project(path)
    assert "\n" not in str(info.value)
    assert fingerprint(path) == before


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(ReadError, match="not found"):
        load_project(tmp_path / "nope.shmproj")
    with pytest.raises(ReadError, match="not a file"):
        load_project(tmp_path)


# ---- HDF5 features that read other files, and memory bombs -------------------------------------------------------
def _other_file(folder: Path, data: np.ndarray) -> Path:
    other = folder / "other.h5"
    with h5py.File(other, "w") as g:
        g["data"] = data
        g.create_group("arrays")["0"] = data
    return other


def _replace_array0(path: Path, make) -> None:
    with h5py.File(path, "r+") as f:
        data = f["arrays/0"][()]
        del f["arrays/0"]
        make(f, data, _other_file(path.parent, data))


def _external_link(f, data, other):
    f["arrays/0"] = h5py.ExternalLink(str(other), "/data")


def _external_group(f, data, other):
    """The link is on the group above the datasets; the other file holds every array, so only the check stops it."""
    with h5py.File(other, "a") as g:
        for k in f["arrays"]:
            g["arrays"][k] = f["arrays"][k][()]
    del f["arrays"]
    f["arrays"] = h5py.ExternalLink(str(other), "/arrays")


def _soft_link(f, data, other):
    f["spare"] = data
    f["arrays/0"] = h5py.SoftLink("/spare")


def _virtual(f, data, other):
    layout = h5py.VirtualLayout(shape=data.shape, dtype=data.dtype)
    layout[...] = h5py.VirtualSource(str(other), "data", shape=data.shape)
    f["arrays"].create_virtual_dataset("0", layout)


def _external_storage(f, data, other):
    raw = other.with_suffix(".raw")
    raw.write_bytes(np.ascontiguousarray(data).tobytes())
    f["arrays"].create_dataset("0", shape=data.shape, dtype=data.dtype, external=[(str(raw), 0, data.nbytes)])


@pytest.mark.parametrize("make", [_external_link, _external_group, _soft_link, _virtual, _external_storage],
                         ids=lambda m: m.__name__.strip("_"))
def test_links_to_other_files_are_refused(project, tmp_path, make):
    path = copy_of(project, tmp_path)
    _replace_array0(path, make)
    before = fingerprint(path)
    with pytest.raises(ReadError, match="refused") as info:
        load_project(path)
    assert str(path) in str(info.value)
    assert fingerprint(path) == before


def test_external_link_in_place_of_the_document_is_refused(project, tmp_path):
    path = copy_of(project, tmp_path)
    other = tmp_path / "doc.h5"
    with h5py.File(path, "r") as f, h5py.File(other, "w") as g:
        g.create_dataset("document", data=f["document"][()])
    with h5py.File(path, "r+") as f:
        del f["document"]
        f["document"] = h5py.ExternalLink(str(other), "/document")
    with pytest.raises(ReadError, match="refused"):
        load_project(path)


def test_an_array_larger_than_memory_is_refused_before_allocating(project, tmp_path):
    path = copy_of(project, tmp_path)
    with h5py.File(path, "r+") as f:
        del f["arrays/0"]
        # 2^21 × 2^21 float64 = 32 TiB declared; chunked and never written, so the file stays small
        f["arrays"].create_dataset("0", shape=(2**21, 2**21), dtype="f8", chunks=(64, 64))
    assert path.stat().st_size < 2 * project.stat().st_size
    with pytest.raises(ReadError, match=r"array 0 declares 32768\.0 GiB, more than this computer can hold"):
        load_project(path)


# ---- writing ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = save_project(tmp_path / "u.shmproj", ProjectState())
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = save_project(tmp_path / "u.shmproj", ProjectState())
    path.chmod(0o640)
    save_project(path, ProjectState(metadata=ProjectMetadata(author="x")))
    assert path.stat().st_mode & 0o777 == 0o640


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_orphans_of_dead_writers_are_removed_and_live_ones_kept(tmp_path):
    target = tmp_path / "P.shmproj"
    dead = tmp_path / f".P.shmproj.{_dead_pid()}.0badf00d.tmp"
    live = tmp_path / f".P.shmproj.{os.getppid()}.0badf00d.tmp"  # the process that started the tests: alive
    other = tmp_path / f".Q.shmproj.{_dead_pid()}.0badf00d.tmp"  # another file's: not ours to judge
    unrelated = tmp_path / ".P.shmproj.notes.tmp"
    for p in (dead, live, other, unrelated):
        p.write_bytes(b"half a project")
    save_project(target, ProjectState())
    assert not dead.exists()
    assert live.exists() and other.exists() and unrelated.exists()
    assert load_project(target).state == ProjectState()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_raises_write_error_naming_the_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(WriteError, match=r"ro/P\.shmproj: cannot write it: permission denied"):
            save_project(folder / "P.shmproj", ProjectState())
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("where, cause", [("file/P.shmproj", "a part of the path is not a folder"),
                                          ("missing/P.shmproj", "the folder does not exist")])
def test_impossible_targets_raise_write_error_naming_the_file_and_cause(tmp_path, where, cause):
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match=f"{where}: cannot write it: {cause}"):
        save_project(tmp_path / where, ProjectState())


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = save_project(tmp_path / "P.shmproj", ProjectState(metadata=ProjectMetadata(author="old")))
    before = fingerprint(path)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(h5py.File, "create_dataset", disk_full, raising=False)
    monkeypatch.setattr(h5py.Group, "create_dataset", disk_full)
    with pytest.raises(WriteError, match="P.shmproj: cannot write it: the disk is full"):
        save_project(path, ProjectState(metadata=ProjectMetadata(author="new")))
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P.shmproj"]


# ---- kill -9 ---------------------------------------------------------------------------------------------------
WRITER = r"""
import os, sys
from shm_app.persistence.project import load_project, save_project

target, a, b = sys.argv[1:4]
states = [load_project(a).state, load_project(b).state]
print("ready", flush=True)
for line in sys.stdin:  # a fork server: each writer starts without paying for the imports again
    command, *rest = line.split()
    if command == "fork":
        pid = os.fork()
        if pid == 0:
            k = int(rest[0])
            while True:
                save_project(target, states[k % 2])
                k += 1
        print(pid, flush=True)
    elif command == "reap":
        os.waitpid(int(rest[0]), 0)
        print("reaped", flush=True)
"""


def test_kill_9_at_any_moment_leaves_one_of_the_two_projects(tmp_path):
    """A writer saving two different projects in turn is killed with SIGKILL at random moments, 25+ times; the
    file always opens as one of the two, exactly. The writers' temporary files are removed by the next save."""
    folder = tmp_path / "states"
    folder.mkdir()
    state_a = full_state(folder)
    state_b = replace(full_state(folder, with_result=False), metadata=ProjectMetadata(author="B", notes="other"))
    a, b = save_project(folder / "a.shmproj", state_a), save_project(folder / "b.shmproj", state_b)
    docs = [to_document(state_a), to_document(state_b)]
    target = save_project(tmp_path / "P.shmproj", state_a)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, str(script), str(target), str(a), str(b)], cwd=REPO, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(line: str) -> str:
        server.stdin.write(line + "\n")
        server.stdin.flush()
        return server.stdout.readline().strip()

    rng = random.Random(20260301)
    kills, seen, strays = 0, set(), 0
    try:
        assert server.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 15.0
        while kills < 40 and time.monotonic() < deadline:
            pid = int(ask(f"fork {kills}"))
            time.sleep(rng.uniform(0.0, 0.08))  # a save takes 20–40 ms here: kills land in every phase
            os.kill(pid, signal.SIGKILL)
            assert ask(f"reap {pid}") == "reaped"
            kills += 1
            doc = to_document(load_project(target).state)
            matches = [k for k, d in enumerate(docs) if documents_equal(doc, d)]
            assert matches, f"after kill {kills} the project is neither state"
            seen.add(matches[0])
            strays = max(strays, len(list(tmp_path.glob(".P.shmproj.*.tmp"))))
    finally:
        server.kill()
        server.wait()
    assert kills >= 25
    assert strays >= 1  # some kills landed mid-save (else the test proved nothing)
    save_project(target, state_b)
    assert not list(tmp_path.glob(".P.shmproj.*.tmp"))
    assert documents_equal(to_document(load_project(target).state), docs[1])


def test_writing_to_dev_null_writes_into_it_and_never_replaces_it():
    """``--json /dev/null`` once swapped the machine's /dev/null for a regular file."""
    import os
    import stat as stat_module

    from shm_app.persistence.atomic import atomic_write_text

    if not os.path.exists("/dev/null") or not stat_module.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("no /dev/null character device on this platform")
    atomic_write_text(__import__("pathlib").Path("/dev/null"), "nothing\n")
    assert stat_module.S_ISCHR(os.stat("/dev/null").st_mode)
