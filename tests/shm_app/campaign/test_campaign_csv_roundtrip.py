"""The campaign CSV (``shm-app campaign ... --csv``) holds the same numbers as the campaign JSON, row for row
(docs/contracts.md): the JSON rounds (6 digits for frequencies and damping, 4 for covariates, novelty and limit),
the CSV keeps every digit; empty cells are the JSON's nulls; flags are 1/0."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from shm_app.cli import main

SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "sample"


def _value(cell: str):
    return None if cell == "" else float(cell)


def _same(csv_cell: str, json_value, digits: int) -> bool:
    value = _value(csv_cell)
    if value is None or json_value is None:
        return value is None and json_value is None
    return round(value, digits) == pytest.approx(json_value, abs=10.0 ** -digits)


def check_round_trip(doc: dict, table: str) -> None:
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == len(doc["recordings"]) > 0
    ids = [t["id"] for t in doc["tracks"]]
    covariates = doc["baseline"]["covariates"]
    assert list(rows[0]) == (["file", "start", "baseline"] + covariates + [f"{i}_frequency_hz" for i in ids]
                             + [f"{i}_damping_ratio" for i in ids] + ["novelty", "limit", "exceed", "alarm", "error"])
    for row, rec in zip(rows, doc["recordings"]):
        assert row["file"] == rec["file"] and row["start"] == (rec["start"] or "")
        for flag in ("baseline", "exceed", "alarm"):
            assert row[flag] == ("1" if rec[flag] else "0")
        for name in covariates:
            assert _same(row[name], rec["covariates"][name], 4)
        for i in ids:
            assert _same(row[f"{i}_frequency_hz"], rec["frequencies_hz"][i], 6)
            assert _same(row[f"{i}_damping_ratio"], rec["damping_ratios"][i], 6)
        assert _same(row["novelty"], rec["novelty"], 4) and _same(row["limit"], rec["limit"], 4)
        assert row["error"] == (rec.get("error") or "").replace('"', "'")


def test_csv_matches_the_json_for_the_sample_monitoring_table(tmp_path):
    out_json, out_csv = tmp_path / "c.json", tmp_path / "c.csv"
    assert main(["campaign", "--frequencies", str(SAMPLE / "monitoring" / "frequencies.csv"),
                 "--env", str(SAMPLE / "monitoring" / "environment.csv"), "--baseline-until", "2025-12-31",
                 "--json", str(out_json), "--csv", str(out_csv)]) == 0
    doc = json.loads(out_json.read_text())
    assert doc["baseline"]["covariates"] == ["temperature_c"]
    assert any(r["alarm"] for r in doc["recordings"]) and any(r["baseline"] for r in doc["recordings"])
    check_round_trip(doc, out_csv.read_text())


@pytest.mark.slow
def test_csv_matches_the_json_for_identified_recordings_with_a_damaged_file(tmp_path):
    """Recordings identified on the process pool: damping ratios filled, and a bad file's error in its row."""
    from datetime import datetime, timedelta

    from dsp.simulate_campaign import DECK_FREQUENCIES_HZ
    from shm_app.campaign.simulation import write_recording

    folder = tmp_path / "recordings"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for k in range(8):
        start = datetime(2026, 1, 1) + timedelta(hours=6 * k)
        write_recording(folder / f"deck_{start:%Y-%m-%dT%H-%M-%S}.csv",
                        DECK_FREQUENCIES_HZ * (1 + 0.002 * rng.standard_normal(4)), fs_hz=25.0, duration_s=240.0,
                        start=start, seed=k)
    (folder / "deck_2026-01-03T00-00-00.csv").write_text("# fs = 25\na,b\n1,2\n")  # too short to identify
    out_json, out_csv = tmp_path / "c.json", tmp_path / "c.csv"
    assert main(["campaign", str(folder), "--baseline", "6", "--workers", "2", "--json", str(out_json),
                 "--csv", str(out_csv)]) == 0
    doc = json.loads(out_json.read_text())
    assert any(r.get("error") for r in doc["recordings"])
    assert any(v is not None for r in doc["recordings"] for v in r["damping_ratios"].values())
    check_round_trip(doc, out_csv.read_text())
