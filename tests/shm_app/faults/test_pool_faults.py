"""A campaign's local process pool survives a dead worker: a worker killed once mid-run (as the out-of-memory
killer would) costs only time, its recordings run again and the results equal a clean run's; a recording that
kills its worker every time is reported failed by name while every other recording is identified, and the
command line ends normally (exit 0) with it among the rejected recordings."""
import json
import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from shm_app.campaign import CampaignSettings, analyse, campaign_to_json, identify_recordings
from shm_app.campaign import tasks
from shm_app.campaign.tasks import WORKER_DIED, failed
from shm_app.cli import main
from shm_app.identification import IdentificationSettings

import killing_tasks

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "resources" / "sample" / "recordings"
FILES = sorted(SAMPLE.glob("*.csv.gz"))
CULPRIT = FILES[-1].name  # a monitored recording (the baseline is the first 6): the campaign is still analysable
#: a lower model order than the default 80: the same four modes at a third of the cost, the tests are about the pool
SETTINGS = CampaignSettings(workers=2, baseline_count=6, identification=IdentificationSettings(max_order=30))


@pytest.fixture(scope="module")
def clean():
    """Every sample recording identified on a 2-worker pool without faults, by file."""
    return {r.file: r for r in identify_recordings(FILES, SETTINGS)}


def assert_same(r, expected) -> None:
    """Bit for bit: each task is deterministic (one BLAS thread per worker), whichever worker or pool ran it."""
    assert r.error is None, f"{r.file}: {r.error}"
    assert (r.start, r.channels, r.sha256, r.fs_hz) == (expected.start, expected.channels, expected.sha256,
                                                          expected.fs_hz)
    for name in ("frequencies_hz", "damping_ratios", "shapes", "n_poles"):
        np.testing.assert_array_equal(getattr(r, name), getattr(expected, name), err_msg=f"{r.file}: {name}")


@pytest.fixture
def culprit_kills_its_worker(monkeypatch):
    monkeypatch.setenv(killing_tasks.DIE_ON, CULPRIT)  # the spawned workers inherit it
    monkeypatch.setattr(tasks, "identify_file", killing_tasks.identify_or_die)


def test_a_worker_killed_once_mid_run_costs_only_time(clean):
    killed = []

    def on_result(r):
        if not killed:  # 2 workers × 4 tasks in flight: both workers are busy
            victim = [p for p in multiprocessing.active_children() if p.name.startswith("SpawnProcess")][0]
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    files = FILES[:6]  # all in flight at once (2 workers × 4): fewer pools to start on this busy machine
    results = identify_recordings(files, SETTINGS, on_result=on_result)
    assert killed and killed[0] not in [p.pid for p in multiprocessing.active_children()]
    assert sorted(r.file for r in results) == sorted(map(str, files))  # each once
    for r in results:
        assert_same(r, clean[r.file])
    assert not multiprocessing.active_children()


def test_a_recording_that_always_kills_its_worker_is_reported_failed(clean, culprit_kills_its_worker):
    files = FILES[-6:]  # all in flight at once, the culprit among them
    results = identify_recordings(files, SETTINGS)
    assert sorted(r.file for r in results) == sorted(map(str, files))
    by_name = {Path(r.file).name: r for r in results}
    assert by_name[CULPRIT].error == WORKER_DIED
    assert "retried once" in WORKER_DIED and "out of memory" in WORKER_DIED
    for r in results:  # the recordings in flight beside it are not blamed
        if Path(r.file).name != CULPRIT:
            assert_same(r, clean[r.file])
    assert not multiprocessing.active_children()


@pytest.mark.slow  # three process pools and an analysis: ~10 s on a busy 2-core machine
def test_the_campaign_command_ends_normally_and_names_the_failed_recording(clean, culprit_kills_its_worker,
                                                                           tmp_path, capsys):
    out = tmp_path / "campaign.json"
    assert main(["campaign", str(SAMPLE), "--baseline", "6", "--workers", "2", "--max-order", "30",
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    rejected = {r["file"]: r["error"] for r in doc["recordings"] if r.get("error")}
    assert rejected == {CULPRIT: WORKER_DIED}
    assert f"{CULPRIT}: {WORKER_DIED}" in doc["warnings"]
    assert f"warning: {CULPRIT}: {WORKER_DIED}" in capsys.readouterr().out
    # the rest of the campaign is the one of the clean identifications with that recording failed
    modes = [failed(f, WORKER_DIED) if Path(f).name == CULPRIT else r for f, r in clean.items()]
    assert doc == json.loads(json.dumps(campaign_to_json(analyse(modes, SETTINGS))))
