"""``shm-app project show P.shmproj --json -``: the project's contract document (docs/contracts.md), read from the
file without changing it; a damaged project is one line on stderr and exit 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from shm_app.cli import main
from shm_app.persistence.project import save_project
from shm_app.session.state import ProjectState

from project_support import SELECTED, full_state


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("show")
    return save_project(folder / "P.shmproj", full_state(folder))


def show(capsys, path) -> dict:
    assert main(["project", "show", str(path), "--json", "-"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # strict JSON: no NaN, no trailing text


def test_show_prints_the_contract(project, capsys):
    before = project.read_bytes(), project.stat().st_mtime_ns
    doc = show(capsys, project)
    assert (project.read_bytes(), project.stat().st_mtime_ns) == before

    assert doc["file"] == "P.shmproj" and doc["format_version"] == 2
    assert {"file", "format_version", "metadata", "recordings", "geometry", "campaign"} <= set(doc)
    meta = doc["metadata"]
    assert meta["structure"] == "Test deck" and meta["author"] == "A. Engineer"
    assert meta["notes"].startswith("Ambient test.\n")

    [rec] = doc["recordings"]
    assert rec["file"] == "deck.csv" and len(rec["sha256"]) == 64 and rec["channels"] == list(SELECTED)
    assert rec["preprocessing"] == {"detrend": "linear", "highpass_hz": 0.5, "lowpass_hz": 12.0, "filter_order": 4,
                                    "decimate": 1, "window_s": None}
    ident = rec["identification"]
    assert ident["method"] == "fdd" and ident["settings"]["fmax_hz"] == 12.0 and ident["channels"] == list(SELECTED)
    assert len(ident["modes"]) >= 3 and ident["modes"][1].get("manual") is True

    assert doc["geometry"]["nodes"] == 8 and doc["geometry"]["lines"] == 4

    campaign = doc["campaign"]
    assert campaign["baseline"]["alpha"] == 0.001
    assert campaign["baseline"]["end"].startswith("2025-12-31")  # the last baseline record (every 6 h)
    assert campaign["settings"]["baseline_until"].startswith("2025-12-31T00:00:00")
    assert campaign["first_alarm"] is not None and campaign["inputs"]["kind"] == "table"


def test_an_empty_project_shows_nulls(tmp_path, capsys):
    doc = show(capsys, save_project(tmp_path / "E.shmproj", ProjectState()))
    assert doc["recordings"] == [] and doc["geometry"] is None and doc["campaign"] is None


def test_a_recording_without_result_shows_null_identification(tmp_path, capsys):
    doc = show(capsys, save_project(tmp_path / "N.shmproj", full_state(tmp_path, with_result=False)))
    assert doc["recordings"][0]["identification"] is None


def test_show_without_json_prints_a_summary(project, capsys):
    assert main(["project", "show", str(project)]) == 0
    out = capsys.readouterr().out
    assert "P.shmproj: project format 2" in out and "high-pass 0.5 Hz" in out and "alpha 0.001" in out


@pytest.mark.parametrize("content", [b"", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, b"not a project"])
def test_a_damaged_project_exits_2_with_one_line(tmp_path, capsys, content):
    bad = tmp_path / "bad.shmproj"
    bad.write_bytes(content)
    assert main(["project", "show", str(bad), "--json", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"shm-app: error: {bad}: ")
    assert bad.read_bytes() == content


def test_a_missing_project_exits_2(tmp_path, capsys):
    assert main(["project", "show", str(tmp_path / "nope.shmproj")]) == 2
    assert "project file not found" in capsys.readouterr().err
