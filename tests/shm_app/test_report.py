"""The PDF report and ``shm-app report``: built from stored JSON documents, atomically, headless."""
from datetime import datetime, timedelta

import numpy as np
import pytest

from shm_app.cli import main
from shm_app.project import save_project
from shm_app.report import write_report


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
    proj = save_project(tmp_path / "c.shmproj", campaign=campaign_doc())
    assert main(["report", str(proj), "--pdf", str(tmp_path / "out.pdf")]) == 0
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("setup", ["missing", "empty-project", "junk"])
def test_cli_report_bad_input_is_one_line_exit_2(tmp_path, capsys, setup):
    path = tmp_path / "p.shmproj"
    if setup == "empty-project":
        save_project(path)
    elif setup == "junk":
        path.write_bytes(b"junk" * 10)
    assert main(["report", str(path), "--pdf", str(tmp_path / "o.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shm-app: error: ") and "p.shmproj" in err and err.count("\n") == 1
    assert not (tmp_path / "o.pdf").exists()
