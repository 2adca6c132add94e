"""The PDF report and ``shm-app report``: built from stored JSON documents, atomically, headless."""
from datetime import datetime, timedelta

import numpy as np
import pytest

from shm_app.cli import main
from shm_app.persistence.project import save_project
from shm_app.session import ProjectState
from shm_app.output.report import write_report


def campaign_doc(n=60, n_base=30, damage_at=45, seed=0):
    rng = np.random.default_rng(seed)
    t0 = datetime(2026, 1, 1)
    temp = 5 + 8 * np.sin(np.arange(n) / 5.0)
    recs = []
    for k in range(n):
        f1 = 2.2 * (1 - 0.002 * temp[k]) * (0.99 if k >= damage_at else 1) + rng.normal(0, 0.002)
        f2 = 3.45 * (1 - 0.0015 * temp[k]) + rng.normal(0, 0.003)
        nov = float(rng.chisquare(2) + (40 if k >= damage_at else 0))
        recs.append({"file": f"deck_{k:03d}.csv", "start": (t0 + timedelta(hours=6 * k)).isoformat(),
                     "covariates": {"temperature_c": float(temp[k])},
                     "frequencies_hz": {"M1": f1, "M2": None if k == 10 else f2},
                     "novelty": nov, "alarm": k >= damage_at + 1})
    return {"recordings": recs,
            "tracks": [{"id": "M1", "reference_frequency_hz": 2.2, "reference_shape": [1.0, 0.5]},
                       {"id": "M2", "reference_frequency_hz": 3.45, "reference_shape": [1.0, -0.5]}],
            "baseline": {"n_recordings": n_base, "covariates": ["temperature_c"], "threshold": 13.8},
            "first_alarm": recs[damage_at + 1]["start"]}


def test_report_pages(tmp_path):
    out = write_report(tmp_path / "r.pdf", campaign=campaign_doc(),
                       identifications=[{"file": "a.csv", "fs_hz": 40.0, "channels": ["x", "y"], "method": "ssi-cov",
                                         "settings": {"fmin_hz": 0.5, "fmax_hz": 16}, "modes": [
                                             {"frequency_hz": 2.2, "damping_ratio": 0.01, "mpc": 1, "mpd_deg": 0.2,
                                              "shape": [1, 0.5], "shape_imag": [0, 0]}]}])
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 4


def test_cli_report_from_project(tmp_path, capsys):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[3] / "resources" / "sample" / "monitoring"
    proj = tmp_path / "c.shmproj"
    assert main(["campaign", "--frequencies", str(sample / "frequencies.csv"), "--env",
                 str(sample / "environment.csv"), "--baseline-until", "2025-12-31", "--project", str(proj)]) == 0
    before = proj.read_bytes()
    assert main(["report", str(proj), "--pdf", str(tmp_path / "out.pdf")]) == 0
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF") and proj.read_bytes() == before


@pytest.mark.parametrize("setup", ["missing", "empty-project", "junk"])
def test_cli_report_bad_input_is_one_line_exit_2(tmp_path, capsys, setup):
    path = tmp_path / "p.shmproj"
    if setup == "empty-project":
        save_project(path, ProjectState())
    elif setup == "junk":
        path.write_bytes(b"junk" * 10)
    assert main(["report", str(path), "--pdf", str(tmp_path / "o.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shm-app: error: ") and "p.shmproj" in err and err.count("\n") == 1
    assert not (tmp_path / "o.pdf").exists()


def test_tracks_table_reports_the_compensated_change_not_the_seasonal_raw_one(tmp_path):
    """The bundled campaign: winter after the baseline raises the raw frequencies by several %, while the damage
    is a drop of 0.8 % (M1) and 0.5 % (M3). The change columns must show the compensated drop the alarm saw."""
    import json
    from pathlib import Path

    from shm_app.output.report import _tracks_table

    sample = Path(__file__).resolve().parents[3] / "resources" / "sample" / "monitoring"
    out = tmp_path / "c.json"
    assert main(["campaign", "--frequencies", str(sample / "frequencies.csv"), "--env", str(sample / "environment.csv"),
                 "--baseline-until", "2025-12-31", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    rows = {r[0]: r for r in _tracks_table(doc)[1:]}
    assert float(rows["M1"][2]) > 1.02 * float(rows["M1"][1])  # raw: winter-stiffened, +3 to +4 %
    from_alarm = {tid: float(r[4].split()[0]) for tid, r in rows.items()}
    moved = {m["id"]: m["change_percent"] for m in doc["moved_tracks"]}
    assert from_alarm["M1"] == pytest.approx(moved["M1"], abs=0.05) and from_alarm["M1"] == pytest.approx(-0.8, abs=0.1)
    assert from_alarm["M3"] == pytest.approx(-0.5, abs=0.1)
    assert abs(from_alarm["M2"]) < 0.1 and abs(from_alarm["M4"]) < 0.1
    assert all(r[4] == "no alarm" for r in _tracks_table(dict(doc, recordings=[
        dict(r, alarm=False) for r in doc["recordings"]]))[1:])
