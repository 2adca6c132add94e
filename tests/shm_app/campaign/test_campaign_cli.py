"""``shm-app campaign`` contract (docs/contracts.md): JSON shape, exit 2 with one line for bad input, --frequencies,
--report/--project, and one end-to-end run of ``python -m shm_app campaign`` on simulated recordings with damage."""
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dsp.simulate_campaign import simulate_frequency_campaign
from shm_app.campaign.simulation import write_campaign
from shm_app.cli import main

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A frequency table (a monitoring system's export) with an environment log: 300 records every 13 h, the
    first 220 the baseline, 1 % damage of mode 1 from record 260; a blank cell is a missing mode."""
    sim = simulate_frequency_campaign(300, step_hours=13.0, damage_start=260, damage=(0.01, 0, 0.005, 0),
                                      scatter=0.0015, seed=11, temperature_options=dict(cold_spells=[(20, 8, 8)]))
    folder = tmp_path_factory.mktemp("table")
    stamps = [(START + timedelta(hours=float(h))).isoformat() for h in sim.hours]
    rows = ["time,M1,M2,M3,M4"]
    for k, (t, f) in enumerate(zip(stamps, sim.frequencies_hz)):
        cells = ["" if (k == 5 and j == 1) else f"{v:.5f}" for j, v in enumerate(f)]
        rows.append(",".join([t] + cells))
    (folder / "freqs.csv").write_text("\n".join(rows) + "\n")
    (folder / "env.csv").write_text("timestamp,temperature_c\n" + "\n".join(
        f"{t},{c:.3f}" for t, c in zip(stamps, sim.temperature_c)) + "\n")
    return folder, sim


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_frequency_table_json_contract(table, capsys):
    folder, sim = table
    code, out, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--env", str(folder / "env.csv"),
                           "--baseline", "220", "--json", "-"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert {"recordings", "tracks", "baseline", "first_alarm"} <= set(doc)
    rec = doc["recordings"][0]
    assert {"file", "start", "covariates", "frequencies_hz", "novelty", "alarm"} <= set(rec)
    assert set(rec["covariates"]) == {"temperature_c"} and set(rec["frequencies_hz"]) == {"M1", "M2", "M3", "M4"}
    assert doc["recordings"][5]["frequencies_hz"]["M2"] is None                       # missing is null
    assert [r["start"] for r in doc["recordings"]] == sorted(r["start"] for r in doc["recordings"])
    assert {"id", "reference_frequency_hz", "reference_shape"} <= set(doc["tracks"][0])
    assert doc["baseline"]["n_recordings"] == 220 and doc["baseline"]["covariates"] == ["temperature_c"]
    assert doc["baseline"]["threshold"] > 0 and doc["baseline"]["false_alarm_rate"] < 1e-3
    first = datetime.fromisoformat(doc["first_alarm"])
    damage_time = START + timedelta(hours=float(sim.hours[260]))
    assert damage_time <= first <= damage_time + timedelta(hours=3 * 13)
    assert not any(r["alarm"] for r in doc["recordings"][:260])
    assert [m["id"] for m in doc["moved_tracks"]] == ["M1", "M3"]
    assert isinstance(rec["novelty"], float) and isinstance(rec["alarm"], bool)


def test_frequency_table_without_env_uses_the_envelope_detector_and_says_what_it_misses(table, capsys):
    folder, _ = table
    code, out, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--baseline", "220", "--json",
                           str(folder / "noenv.json")], capsys)
    assert code == 0, err
    assert "no covariates: detector gmm" in out and "drop of all frequencies together smaller than" in out
    comp = json.loads((folder / "noenv.json").read_text())["baseline"]["compensation"]
    assert comp["kind"] == "envelope" and comp["method"] == "gmm" and comp["n_components"] >= 1
    assert 0 < comp["detectable_uniform_drop"] < 0.1
    code, out, _ = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--baseline", "220",
                         "--detector", "pca"], capsys)
    assert code == 0 and "detector pca" in out and "control limit T²" in out


@pytest.mark.parametrize("argv, message", [
    (["campaign"], "no input"),
    (["campaign", "x.csv", "--frequencies", "f.csv"], "not both"),
    (["campaign", "nope/missing.csv"], "file not found"),
    (["campaign", "--frequencies", "nope.csv"], "not found"),
    (["campaign", "x.csv", "--baseline", "8", "--baseline-until", "2026-01-01"], "not both"),
    (["campaign", "x.csv", "--baseline", "3"], "baseline_count must be at least 6"),
    (["campaign", "x.csv", "--baseline-until", "yesterday"], "ISO"),
    (["campaign", "x.csv", "--workers", "0"], "workers"),
    (["campaign", "x.csv", "--alpha", "2"], "alpha"),
    (["campaign", "x.csv", "--report", "no/such/folder/r.pdf"], "does not exist"),
    (["campaign", "--frequencies", "f.csv", "--report", "-"], "needs a file name"),
])
def test_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("shm-app: error: ") and message in err


def test_baseline_larger_than_the_table_and_env_outside_the_campaign(table, capsys, tmp_path):
    folder, _ = table
    code, _, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--baseline", "300"], capsys)
    assert code == 2 and "leaves none" in err and err.count("\n") == 1
    env = tmp_path / "env.csv"
    env.write_text("timestamp,temperature_c\n2020-01-01T00:00:00,1\n2020-01-01T01:00:00,2\n")
    code, _, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--env", str(env)], capsys)
    assert code == 2 and "does not cover the baseline" in err and err.count("\n") == 1


def test_report_output(table, capsys, tmp_path):
    pytest.importorskip("shm_app.output.report")
    folder, _ = table
    pdf = tmp_path / "campaign.pdf"
    code, _, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv"), "--env", str(folder / "env.csv"),
                         "--baseline", "220", "--report", str(pdf)], capsys)
    assert code == 0, err
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_unreachable_scheduler_exits_2_with_one_line(capsys, tmp_path):
    rec = tmp_path / "deck_2026-03-01T00-00-00.csv"
    rec.write_text("# fs = 40\nA [m/s^2]\n" + "\n".join("0.001" for _ in range(100)) + "\n")
    code, _, err = _run(["campaign", str(rec), "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert code == 2 and "cannot reach the Dask scheduler" in err and err.count("\n") == 1


def test_a_bug_exits_1_naming_the_log(table, capsys, monkeypatch, tmp_path):
    import shm_app.campaign.analysis

    def broken(*args, **kwargs):
        raise ValueError("a numpy bug")

    monkeypatch.setenv("SHM_APP_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(shm_app.campaign.analysis, "_assess", broken)
    folder, _ = table
    code, _, err = _run(["campaign", "--frequencies", str(folder / "freqs.csv")], capsys)
    assert code == 1 and err.count("\n") == 1 and "internal error" in err and "a numpy bug" in err
    log = tmp_path / "home" / "shm-app.log"
    assert str(log) in err and "Traceback" in log.read_text() and "a numpy bug" in log.read_text()


def test_end_to_end_recordings_with_damage_from_the_command_line(tmp_path):
    """``python -m shm_app campaign FOLDER --env ... --json OUT --project OUT`` on 24 simulated 200-s recordings
    (a process pool of spawned workers started from ``python -m``): damage of 3 %/2 % in modes 1 and 3 from
    record 18 is flagged within 3 records, nothing before."""
    sim = simulate_frequency_campaign(24, step_hours=29.0, start_hour=24 * 75 + 5, damage_start=18,
                                      damage=(0.03, 0.0, 0.02, 0.0), scatter=0.0, seed=21,
                                      temperature_options=dict(cold_spells=[(78, 6, 9)]))
    write_campaign(tmp_path, sim, duration_s=200.0, fs_hz=40.0, seed=5)
    out, proj = tmp_path / "campaign.json", tmp_path / "campaign.shmproj"
    argv = [sys.executable, "-m", "shm_app", "campaign", str(tmp_path / "recordings" / "*.csv"),
            "--env", str(tmp_path / "environment.csv"), "--baseline", "14", "--workers", "2", "--max-order", "60",
            "--json", str(out)]
    argv += ["--project", str(proj)]
    run = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert len(doc["recordings"]) == 24 and doc["baseline"]["n_recordings"] == 14
    alarms = [r["alarm"] for r in doc["recordings"]]
    assert not any(alarms[:18]) and sum(alarms[18:]) >= 5
    first = datetime.fromisoformat(doc["first_alarm"])
    assert first <= datetime.fromisoformat(doc["recordings"][18 + 3]["start"])
    assert "moved" in run.stdout and "first alarm" in run.stdout
    assert doc["channels"] == [f"A0{k}{side}_z" for k in range(1, 5) for side in "LR"]
    assert all(len(t["reference_shape"]) == 8 and max(map(abs, t["reference_shape"])) == 1.0 for t in doc["tracks"])
    assert doc["baseline"]["compensation"]["kind"] == "regression"
    assert doc["settings"]["identification"]["max_order"] == 60
    from shm_app.campaign import campaign_to_json
    from shm_app.persistence.project import load_project

    stored = load_project(proj).state.campaign
    assert campaign_to_json(stored.result) == doc and stored.settings.baseline_count == 14
