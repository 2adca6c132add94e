"""Faults during a campaign: a Dask worker killed mid-campaign (its tasks run again elsewhere, the result equals the
local run), and a campaign interrupted after some results (they are in the project; ``--resume`` goes on from
them)."""
import os
import signal
from datetime import datetime

import numpy as np
import pytest

from dsp.simulate_campaign import simulate_frequency_campaign
from shm_app.campaign import CampaignSettings, identify_recordings, run_campaign
from shm_app.campaign.partial import BackgroundPartialProject, load_partial
from shm_app.campaign.simulation import write_campaign
from shm_app.cli import main

N = 30


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    sim = simulate_frequency_campaign(N, step_hours=5.0, start_hour=24 * 60, damage_start=24, damage=(0.03, 0, 0, 0),
                                      scatter=0.0, seed=4)
    folder = tmp_path_factory.mktemp("faults")
    paths = write_campaign(folder, sim, duration_s=200.0, fs_hz=40.0, seed=2)
    return sim, folder, paths


@pytest.fixture(scope="module")
def local(campaign):
    _, _, paths = campaign
    return {r.file: r for r in identify_recordings(paths, CampaignSettings(workers=2))}


def test_a_worker_killed_mid_campaign_has_its_tasks_run_elsewhere(campaign, local):
    distributed = pytest.importorskip("dask.distributed")
    _, _, paths = campaign
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        arrived = []

        def on_result(r):
            arrived.append(r.file)
            if len(arrived) == 3:  # 2 workers × 4 tasks in flight: the victim holds several
                os.kill(victim, signal.SIGKILL)

        results = identify_recordings(paths, CampaignSettings(scheduler=cluster.scheduler_address),
                                      on_result=on_result)
        assert victim not in client.run(os.getpid).values()  # it died (the nanny started a new one)
    assert sorted(r.file for r in results) == sorted(local) and len(results) == N
    for r in results:
        assert r.error is None
        np.testing.assert_allclose(r.frequencies_hz, local[r.file].frequencies_hz, rtol=1e-9)
        np.testing.assert_allclose(r.damping_ratios, local[r.file].damping_ratios, rtol=1e-7)


def test_an_interrupted_campaign_is_in_its_project_and_resumes(campaign, tmp_path, monkeypatch, capsys):
    _, folder, paths = campaign
    project = tmp_path / "bridge.shmproj"
    argv = ["campaign", str(folder / "recordings"), "--baseline", "18", "--workers", "2", "--project", str(project),
            "--json", str(tmp_path / "c.json")]
    add = BackgroundPartialProject.add

    def power_cut(self, r):
        self.every_n = 1
        add(self, r)
        if len(self.modes) == 12:
            raise KeyboardInterrupt  # the job killed after 12 results

    monkeypatch.setattr(BackgroundPartialProject, "add", power_cut)
    assert main(argv) != 0
    assert "interrupted" in capsys.readouterr().err
    monkeypatch.undo()
    saved = load_partial(project)
    assert len(saved.modes) == 12 and saved.result is None
    assert saved.settings.workers == 2 and saved.settings.baseline_count == 18  # resumed with these
    done = {r.file for r in saved.modes}
    resumed = []
    monkeypatch.setattr(BackgroundPartialProject, "add", lambda self, r: (resumed.append(r.file), add(self, r)))
    assert main(argv + ["--resume"]) == 0
    assert "resuming: 12 recordings" in capsys.readouterr().out
    assert len(resumed) == N - 12 and not done & set(resumed)
    final = load_partial(project)
    assert final.result is not None and len(final.modes) == N
    straight = run_campaign([folder / "recordings"], CampaignSettings(baseline_count=18, workers=2))
    np.testing.assert_allclose(final.result.frequencies_hz, straight.frequencies_hz, rtol=1e-9)
    np.testing.assert_array_equal(final.result.alarm, straight.alarm)
    assert final.result.first_alarm == straight.first_alarm and straight.first_alarm >= datetime(2026, 1, 1)
