"""The Qt-free session: listeners hear what changed, ``modified`` follows the user's work, saving and autosaving
write the right files (never the project behind the user's back), recovery and failed opens behave."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shm_app.errors import ReadError, ShmError
from shm_app.identification import IdentificationSettings
from shm_app.io.geometry import SensorGeometry
from shm_app.persistence.codec import documents_equal, to_document
from shm_app.persistence.project import load_project, save_project
from shm_app.preprocessing import PreprocessSettings
from shm_app.session import Geometry, ProjectState, Session, autosave_path, recoverable_autosave
from shm_app.session.state import ProjectMetadata


@pytest.fixture(autouse=True)
def user_home(tmp_path, monkeypatch) -> Path:
    """The per-user folder (untitled autosaves, logs) inside the test's folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("SHM_APP_HOME", str(home))
    return home


class Recorder:
    """Everything the session told its listeners, in order."""

    def __init__(self, session: Session) -> None:
        self.events: list[tuple[str, object]] = []
        session.changed.connect(lambda what: self.events.append(("changed", what)))
        session.modified_changed.connect(lambda value: self.events.append(("modified", value)))
        session.path_changed.connect(lambda path: self.events.append(("path", path)))

    def take(self) -> list:
        events, self.events = self.events, []
        return events


def recording_file(folder: Path, name: str = "deck.csv") -> Path:
    path = folder / name
    t = np.arange(200) / 20.0
    np.savetxt(path, np.column_stack([t, np.sin(t), np.cos(t)]), delimiter=",", header="time_s,a,b", comments="")
    return path


class FakeResult:  # the session stores results without looking into them
    pass


@pytest.fixture
def session(tmp_path) -> Session:
    s = Session()
    s.add_recording(recording_file(tmp_path))
    return s


def fingerprint(path: Path) -> tuple:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---- notifications ---------------------------------------------------------------------------------------------
def test_listeners_hear_what_changed(tmp_path):
    s = Session()
    rec = Recorder(s)
    index = s.add_recording(recording_file(tmp_path))
    assert index == 0 and s.current.ref.name == "deck.csv"
    assert rec.take() == [("modified", True), ("changed", "recordings")]
    s.set_preprocessing(PreprocessSettings(highpass_hz=0.5))
    s.set_identification_settings(IdentificationSettings(method="fdd", fmax_hz=8.0))
    s.set_metadata(author="A. Engineer")
    s.set_geometry(Geometry(sensors=(SensorGeometry("a", (0.0, 0.0, 0.0)),)))
    assert rec.take() == [("changed", "preprocessing"), ("changed", "identification"), ("changed", "metadata"),
                          ("changed", "geometry")]
    s.set_metadata(author="A. Engineer")  # no change, no event
    s.set_preprocessing(PreprocessSettings(highpass_hz=0.5))
    assert rec.take() == []
    assert s.state.metadata.author == "A. Engineer" and s.current.identification.fmax_hz == 8.0


def test_a_failing_listener_does_not_stop_the_others(tmp_path, caplog):
    s = Session()
    heard = []
    s.changed.connect(lambda what: 1 / 0)
    s.changed.connect(heard.append)
    s.set_metadata(notes="x")
    assert heard == ["metadata"] and "listener of changed failed" in caplog.text


def test_select_recording_is_not_a_change_of_the_project(tmp_path):
    s = Session()
    s.add_recording(recording_file(tmp_path, "a.csv"))
    s.add_recording(recording_file(tmp_path, "b.csv"))
    s.save(tmp_path / "P.shmproj")
    rec = Recorder(s)
    s.select_recording(0)
    assert rec.take() == [("changed", "current")] and not s.modified
    s.select_recording(0)
    assert rec.take() == []
    with pytest.raises(ShmError, match="no recording"):
        s.select_recording(5)


def test_set_preprocessing_clears_the_result(session):
    session.set_identification_result(FakeResult(), manual=(0,))
    assert session.current.result is not None and session.current.manual == (0,)
    session.set_identification_settings(IdentificationSettings(method="fdd"))  # settings alone keep the result
    assert session.current.result is not None
    session.set_preprocessing(PreprocessSettings(lowpass_hz=5.0))
    assert session.current.result is None and session.current.manual == ()
    assert session.current.preprocessing.lowpass_hz == 5.0


def test_remove_recording_keeps_the_current_one_on_screen(tmp_path):
    s = Session()
    for name in ("a.csv", "b.csv", "c.csv"):
        s.add_recording(recording_file(tmp_path, name))
    s.select_recording(2)
    s.remove_recording(0)
    assert s.current.ref.name == "c.csv"
    s.remove_recording(1)
    assert s.current is None and len(s.state.recordings) == 1


# ---- modified, save, autosave ----------------------------------------------------------------------------------
def test_save_clears_modified_and_removes_the_autosave(session, tmp_path):
    rec = Recorder(session)
    assert session.modified and session.title == "Untitled"
    target = tmp_path / "P.shmproj"
    session.save(target)
    assert rec.take() == [("path", target), ("modified", False)]
    assert session.path == target and session.title == "P" and not session.modified
    session.set_metadata(notes="more work")
    side = session.autosave()
    assert side == autosave_path(target) == tmp_path / "P.shmproj.autosave" and side.exists()
    session.save()
    assert not side.exists() and not session.modified
    assert load_project(target).state.metadata.notes == "more work"


def test_autosave_never_touches_the_project(session, tmp_path):
    target = session.save(tmp_path / "P.shmproj")
    before = fingerprint(target)
    assert session.autosave() is None  # nothing unsaved, nothing written
    session.set_metadata(author="unsaved work")
    side = session.autosave()
    assert fingerprint(target) == before
    assert load_project(side).state.metadata.author == "unsaved work"
    assert load_project(target).state.metadata.author == ""
    assert session.modified  # an autosave is not a save


def test_untitled_autosave_goes_to_the_user_folder(session, user_home):
    side = session.autosave()
    assert side.parent == user_home / "autosave" and side.name == f"untitled-{os.getpid()}.shmproj.autosave"
    assert documents_equal(to_document(load_project(side).state), to_document(session.state))
    session.discard_autosave()
    assert not side.exists()


def test_save_as_removes_the_untitled_autosave(session, tmp_path):
    side = session.autosave()
    session.save(tmp_path / "P.shmproj")
    assert not side.exists()


def test_saving_without_a_path_is_refused(session):
    with pytest.raises(ShmError, match="Save As"):
        session.save()


def test_a_failed_save_keeps_modified_and_the_path(session, tmp_path):
    target = session.save(tmp_path / "P.shmproj")
    session.set_metadata(notes="x")
    with pytest.raises(ShmError, match="cannot write it"):
        session.save(tmp_path / "missing" / "Q.shmproj")
    assert session.modified and session.path == target


# ---- open and recovery -----------------------------------------------------------------------------------------
def test_open_restores_the_state_unmodified(session, tmp_path):
    session.set_metadata(structure="Deck")
    target = session.save(tmp_path / "P.shmproj")
    before = fingerprint(target)
    other = Session()
    rec = Recorder(other)
    other.open(target)
    assert rec.take() == [("path", target), ("changed", "project")]
    assert not other.modified and other.state == session.state
    assert fingerprint(target) == before


def test_recoverable_autosave_and_recovery(session, tmp_path):
    target = session.save(tmp_path / "P.shmproj")
    assert recoverable_autosave(target) is None
    session.set_metadata(notes="unsaved")
    side = session.autosave()
    t = target.stat().st_mtime
    os.utime(side, (t + 10, t + 10))
    assert recoverable_autosave(target) == side
    os.utime(side, (t - 10, t - 10))  # an autosave older than the project holds nothing new
    assert recoverable_autosave(target) is None
    os.utime(side, (t + 10, t + 10))

    before = fingerprint(target), fingerprint(side)
    recovered = Session()
    recovered.open(target, recover_from=side)
    assert recovered.modified and recovered.path == target  # recovered work is not saved yet
    assert recovered.state.metadata.notes == "unsaved"
    assert (fingerprint(target), fingerprint(side)) == before
    recovered.save()
    assert not side.exists() and load_project(target).state.metadata.notes == "unsaved"


@pytest.mark.parametrize("content", [b"", b"garbage" * 100, None])
def test_opening_a_damaged_file_leaves_the_session_unchanged(session, tmp_path, content):
    target = session.save(tmp_path / "P.shmproj")
    session.set_metadata(notes="work in progress")
    state, path = session.state, session.path
    bad = tmp_path / "bad.shmproj"
    if content is None:  # a valid HDF5 file holding something else than a project
        save_project(bad, ProjectState())
        import h5py

        with h5py.File(bad, "r+") as f:
            f.attrs["format_version"] = 99
    else:
        bad.write_bytes(content)
    rec = Recorder(session)
    with pytest.raises(ReadError, match="bad.shmproj"):
        session.open(bad)
    assert rec.take() == []
    assert session.state is state and session.path == path == target and session.modified


def test_new_resets_everything(session, tmp_path):
    session.save(tmp_path / "P.shmproj")
    session.set_metadata(author="x")
    rec = Recorder(session)
    session.new()
    assert session.state == ProjectState() and session.path is None and not session.modified
    assert ("changed", "project") in rec.events and ("path", None) in rec.events


def test_metadata_fields_are_validated(session):
    with pytest.raises(ShmError, match="author must be text"):
        session.set_metadata(author=3)
    assert session.state.metadata == ProjectMetadata()


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_untitled_project_a_crashed_app_left_is_found_and_recovered(user_home, tmp_path):
    from shm_app.session.session import orphaned_autosaves

    crashed = Session()
    crashed.set_metadata(structure="Deck", notes="never saved")
    own = crashed.autosave()  # named after this (live) process: not an orphan
    assert own == autosave_path(None) and orphaned_autosaves() == []
    orphan = own.with_name(f"untitled-{_dead_pid()}.shmproj.autosave")
    own.rename(orphan)
    assert orphaned_autosaves() == [orphan]
    before = fingerprint(orphan)

    recovered = Session()
    rec = Recorder(recovered)
    recovered.recover_untitled(orphan)
    assert recovered.modified and recovered.path is None and recovered.state == crashed.state
    assert ("changed", "project") in rec.take()
    assert not orphan.exists() and fingerprint(autosave_path(None)) == before  # renamed, byte for byte
    assert orphaned_autosaves() == []  # now this session's own autosave
    saved = recovered.save(tmp_path / "Deck.shmproj")
    assert not autosave_path(None).exists() and load_project(saved).state.metadata.notes == "never saved"


def test_a_damaged_orphan_is_refused_and_left_in_place(user_home):
    from shm_app.session.session import orphaned_autosaves

    folder = user_home / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    orphan = folder / f"untitled-{_dead_pid()}.shmproj.autosave"
    orphan.write_bytes(b"not a project")
    session = Session()
    with pytest.raises(ShmError):
        session.recover_untitled(orphan)
    assert orphan.exists() and orphaned_autosaves() == [orphan] and not session.modified
