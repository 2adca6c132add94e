"""The project file round-trips everything, saves atomically and refuses damaged files without touching them."""
import json

import numpy as np
import pytest

from shm_app.errors import ReadError
from shm_app.project import Project, RecordingRef, load_project, reference, save_project
from shm_app.recording import Channel, Recording


def _doc():
    return {"file": "deck.csv", "fs_hz": 40.0, "n_samples": 100, "channels": ["a", "b"], "method": "ssi-cov",
            "settings": {"fmax_hz": 12.0}, "modes": [{"frequency_hz": 2.2, "damping_ratio": 0.01, "mpc": 1.0,
                                                      "mpd_deg": 0.1, "shape": [1.0, 0.5], "shape_imag": [0, 0]}]}


def test_round_trip_with_embedded_recording(tmp_path):
    src = tmp_path / "deck.csv"
    src.write_text("x\n1\n")
    rec = Recording(data=np.arange(20.0).reshape(10, 2), fs_hz=40.0,
                    channels=(Channel("a", source_unit="g"), Channel("b")), source=str(src))
    ref = reference(src, embed=rec)
    campaign = {"recordings": [], "tracks": [], "baseline": {"n_recordings": 0}, "first_alarm": None}
    out = save_project(tmp_path / "p.shmproj", identifications=[_doc()], recordings=[ref],
                       settings={"method": "ssi-cov"}, campaign=campaign)
    proj = load_project(out)
    assert proj.identifications == [_doc()]
    assert proj.campaign == campaign
    assert proj.settings == {"method": "ssi-cov"}
    assert proj.recordings[0].sha256 == ref.sha256 and proj.recordings[0].status() == "ok"
    np.testing.assert_array_equal(proj.recordings[0].embedded.data, rec.data)
    assert proj.recordings[0].embedded.channels[0].source_unit == "g"


def test_save_is_atomic_and_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = save_project(tmp_path / "p.shmproj", identifications=[_doc()])
    before = path.read_bytes()

    class Boom(Exception):
        pass

    def fail(*_a, **_k):
        raise Boom

    monkeypatch.setattr(json, "dumps", fail)
    with pytest.raises(Boom):
        save_project(path, Project(settings={"x": 1}))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.shmproj"]  # no temporary file left behind


@pytest.mark.parametrize("content", [b"", b"not hdf5 at all", None])
def test_damaged_project_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "bad.shmproj"
    if content is None:  # a real project cut in half
        save_project(path, identifications=[_doc()] * 50)
        content = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        load_project(path)
    assert "bad.shmproj" in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == content


def test_missing_and_changed_recordings_are_reported(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("abc")
    ref = reference(src)
    assert ref.status() == "ok"
    src.write_text("abcdef")
    assert ref.status() == "changed"
    src.unlink()
    assert RecordingRef(path=str(src), size_bytes=3, sha256="").status() == "missing"
