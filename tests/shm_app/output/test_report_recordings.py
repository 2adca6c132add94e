"""The report of a campaign on recordings: the reference recording identified in full (modes table, shapes on the
geometry, stabilization diagram) next to the baseline of the tracked modes; the same report from the project."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pypdf import PdfReader

from shm_app.campaign.reference import reference_index
from shm_app.cli import main
from shm_app.persistence.project import load_project

SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "sample"


def result(frequencies, baseline, reference):
    return SimpleNamespace(frequencies_hz=np.asarray(frequencies, float), baseline=np.asarray(baseline, bool),
                           tracks=tuple(SimpleNamespace(reference_frequency_hz=f) for f in reference))


def test_reference_is_the_baseline_record_nearest_the_reference_in_baseline_sigmas():
    # track 2 varies 100x more than track 1 over the baseline: record 1 is 1 sigma off on each track, record 0 is
    # 0.1 Hz off track 2 (0.2 sigma) but 0.01 Hz off track 1 (5 sigma); record 3 is closer still but not baseline
    f = [[2.01, 10.1], [2.002, 10.5], [1.998, 9.5], [2.0, 10.0], [2.0, np.nan]]
    r = result(f, [True, True, True, False, True], [2.0, 10.0])
    assert reference_index(r) == 1
    # a record that missed a track is never the reference while another found them all
    r = result([[2.0, np.nan], [2.05, 10.4], [1.95, 9.6]], [True, True, True], [2.0, 10.0])
    assert reference_index(r) in (1, 2)
    assert reference_index(result([[np.nan, np.nan]], [True], [2.0, 10.0])) is None
    assert reference_index(result([[2.0, 10.0]], [False], [2.0, 10.0])) is None


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    d = tmp_path_factory.mktemp("recordings")
    assert main(["campaign", str(SAMPLE / "recordings"), "--env", str(SAMPLE / "environment.csv"),
                 "--geometry", str(SAMPLE / "geometry.csv"), "--lines", str(SAMPLE / "lines.csv"), "--workers", "2",
                 "--report", str(d / "r.pdf"), "--project", str(d / "p.shmproj")]) == 0
    return d


def test_campaign_report_identifies_the_reference_recording_in_full(campaign):
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(campaign / "r.pdf")).pages).split())
    for heading in ("3.1 Mode shapes", "3.2 Stabilization diagram", "3.3 Baseline of the tracked modes",
                    "Identified modes of deck_", "On the structure's geometry"):
        assert heading in text
    assert "baseline recording whose frequencies lie nearest" in text
    # the 4-minute sample records are too short for the uncertainty: said, not left blank
    assert "σ was not estimated" in text and "too short" in text


def test_project_keeps_the_geometry_and_reference_so_the_report_is_the_same(campaign):
    state = load_project(campaign / "p.shmproj").state
    assert state.geometry is not None and len(state.recordings) == 1 and state.recordings[0].result is not None
    assert state.recordings[0].ref.name in {Path(f).name for f in state.campaign.result.files}
    assert main(["report", str(campaign / "p.shmproj"), "--pdf", str(campaign / "again.pdf")]) == 0

    def outline(path):
        return [o.title for o in PdfReader(str(path)).outline if not isinstance(o, list)]

    assert outline(campaign / "again.pdf") == outline(campaign / "r.pdf")


def test_lines_without_geometry_are_refused(tmp_path, capsys):
    assert main(["campaign", str(SAMPLE / "recordings"), "--lines", str(SAMPLE / "lines.csv"),
                 "--json", str(tmp_path / "c.json")]) == 2
    assert "--lines" in capsys.readouterr().err
