"""Campaign pipeline end to end on simulated recordings: discovery, per-recording tasks on a process pool and on a
Dask LocalCluster, errors in one recording, cancel, tracking + compensation + alarms with real identification."""
import sys
import time
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from dsp.progress import CancelToken, Cancelled
from dsp.simulate_campaign import simulate_frequency_campaign
from shm_app.campaign import (CampaignSettings, analyse, discover, identify_file, identify_recordings,
                              run_campaign)
from shm_app.campaign.simulation import write_campaign
from shm_app.io.environment import read_environment
from shm_app.errors import SettingsError, ShmError

N, N_BASE, DAMAGE_AT = 30, 18, 22
# few, short recordings keep the suite fast; the damage is therefore larger (3 % and 2 %) than in the statistical
# tests on frequency tables, where 1 % / 0.5 % are detected with year-long baselines
DAMAGE = (0.03, 0.0, 0.02, 0.0)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    sim = simulate_frequency_campaign(N, step_hours=31.0, start_hour=24 * 60 + 7, damage_start=DAMAGE_AT,
                                      damage=DAMAGE, scatter=0.0, seed=3,
                                      temperature_options=dict(cold_spells=[(25, 8, 8)]))
    folder = tmp_path_factory.mktemp("campaign")
    paths = write_campaign(folder, sim, duration_s=200.0, fs_hz=40.0, seed=1)
    return sim, folder, paths


@pytest.fixture(scope="module")
def identified(campaign):
    _, folder, paths = campaign
    return identify_recordings(paths, CampaignSettings(workers=2))


def test_discover_files_folders_and_globs_without_duplicates(campaign, tmp_path):
    _, folder, paths = campaign
    rec = folder / "recordings"
    assert sorted(discover([rec])) == sorted(paths)
    assert len(discover([rec, paths[0], str(rec / "deck_2026-03-0*.csv")])) == N
    with pytest.raises(ShmError, match="file not found"):
        discover([tmp_path / "nothing.csv"])
    with pytest.raises(ShmError, match="no supported recordings in this folder"):
        discover([tmp_path])
    with pytest.raises(ShmError, match="no supported recordings match"):
        discover([str(tmp_path / "*.csv")])


def test_pool_results_are_small_and_complete(identified, campaign):
    _, _, paths = campaign
    assert sorted(r.file for r in identified) == sorted(map(str, paths))
    assert all(r.error is None for r in identified)
    r = identified[0]
    assert r.start is not None and len(r.channels) == 8 and r.shapes.shape == (8, r.frequencies_hz.size)
    assert sum(a.nbytes for a in (r.frequencies_hz, r.damping_ratios, r.shapes)) < 2000  # flat memory: no signals


def test_damage_is_detected_end_to_end_with_temperature_compensation(identified, campaign):
    sim, folder, _ = campaign
    env = read_environment(folder / "environment.csv")
    result = analyse(list(reversed(identified)), CampaignSettings(baseline_count=N_BASE), env=env)
    assert list(result.starts) == sorted(result.starts)
    # tracks: the deck modes found in at least half of the baseline, references near the true baseline frequencies
    assert result.n_recordings == N and 3 <= len(result.tracks) <= 4
    truth = sim.true_frequencies_hz[:N_BASE].mean(axis=0)
    for t in result.tracks:
        assert np.min(np.abs(truth / t.reference_frequency_hz - 1)) < 0.02
    assert result.compensation.kind == "regression"
    assert not result.alarm[:DAMAGE_AT].any()
    assert result.first_alarm_index is not None and DAMAGE_AT <= result.first_alarm_index <= DAMAGE_AT + 3
    assert result.alarm[DAMAGE_AT:].mean() >= 0.8
    moved = {t.id: t.shift for t in result.moved_tracks}
    m1 = result.tracks[0]
    assert m1.id in moved and moved[m1.id].shift_percent == pytest.approx(-3.0, abs=0.8)
    assert all(abs(t.reference_frequency_hz - 3.45) > 0.3 for t in result.moved_tracks)  # torsion 1 did not move
    # the fitted compensation curve can be drawn against temperature
    curve = result.predict(np.array([[-5.0], [0.0], [10.0]]))
    assert curve.shape == (3, len(result.tracks)) and np.all(np.diff(curve[:, 0]) < 0)


def test_one_bad_recording_is_reported_not_fatal(campaign, tmp_path):
    _, folder, paths = campaign
    bad = tmp_path / "deck_2026-03-05T00-00-00.csv"
    bad.write_text("# fs = 40\nA [m/s^2],B [m/s^2]\n1,2\n3\n")
    r = identify_file(bad)
    assert r.error and r.start == datetime(2026, 3, 5)
    results = identify_recordings(paths[:N_BASE + 2] + [bad], CampaignSettings(workers=1))
    result = analyse(results, CampaignSettings(baseline_count=N_BASE))
    k = [i for i, f in enumerate(result.files) if f == str(bad)][0]
    assert result.errors[k] and np.all(np.isnan(result.frequencies_hz[k])) and not result.alarm[k]
    assert any(bad.name in w for w in result.warnings)


def test_dask_local_cluster_gives_the_same_modes_as_the_pool(identified, campaign):
    distributed = pytest.importorskip("dask.distributed")
    _, _, paths = campaign
    # one worker process (Dask's nanny gives it single-threaded BLAS, like our pool)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        seen = []
        results = identify_recordings(paths[:6], CampaignSettings(scheduler=cluster.scheduler_address),
                                      progress=lambda f, m: seen.append(f))
    by_file = {r.file: r for r in identified}
    assert len(results) == 6 and seen[-1] == 1.0
    for r in results:
        np.testing.assert_allclose(r.frequencies_hz, by_file[r.file].frequencies_hz, rtol=1e-9)


def test_unreachable_scheduler_is_a_clear_error(campaign):
    _, _, paths = campaign
    with pytest.raises(ShmError, match="Dask scheduler"):
        identify_recordings(paths[:2], CampaignSettings(scheduler="tcp://127.0.0.1:9"))


def test_cancel_stops_the_pool_promptly(campaign):
    _, folder, _ = campaign
    token = CancelToken()
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        if fraction > 0:
            token.cancel()

    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        run_campaign([folder / "recordings"], CampaignSettings(workers=2), progress=progress, cancel=token)
    assert time.perf_counter() - t0 < 30
    assert max(calls) < 1.0


def test_settings_are_validated():
    with pytest.raises(SettingsError, match="either"):
        CampaignSettings(baseline_count=8, baseline_until=datetime(2026, 1, 1))
    with pytest.raises(SettingsError, match="workers"):
        CampaignSettings(workers=0)
    with pytest.raises(SettingsError, match="compensation"):
        CampaignSettings(compensation="magic")


def _without_modes_above(r, f_hz: float):
    keep = r.frequencies_hz < f_hz
    return replace(r, frequencies_hz=r.frequencies_hz[keep], damping_ratios=r.damping_ratios[keep],
                   shapes=r.shapes[:, keep], n_poles=None if r.n_poles is None else r.n_poles[keep])


def test_baseline_too_short_or_too_long_is_refused(identified):
    with pytest.raises(SettingsError, match="at least 6"):
        analyse(identified, CampaignSettings(baseline_count=5))
    # a mode missed in 3 of the 7 baseline recordings: present often enough to be tracked (≥ 50 %), too rarely to
    # learn its variability next to the other tracks, so it is left out of the index; the others stay watched
    by_start = sorted(identified, key=lambda r: r.start)
    gappy = [_without_modes_above(r, 10.0) if k in (0, 2, 5) else r for k, r in enumerate(by_start)]
    short = analyse(gappy, CampaignSettings(baseline_count=7))
    assert [t.watched for t in short.tracks] == [t.reference_frequency_hz < 10.0 for t in short.tracks]
    assert len(short.tracks) == 4 and any("left out of the novelty index" in w for w in short.warnings)
    with pytest.raises(SettingsError, match="leaves none"):
        analyse(identified, CampaignSettings(baseline_count=N))
    until = CampaignSettings(baseline_until=datetime(2026, 3, 24, 6))
    assert analyse(identified, until).baseline.sum() == N_BASE


def test_campaign_modules_do_not_load_qt():
    import subprocess  # other tests load Qt: check in a clean interpreter

    code = ("import sys, shm_app.campaign, shm_app.commands.campaign, dsp.tracking, dsp.compensation, dsp.novelty;"
            "sys.exit(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=str(__import__("pathlib").Path(__file__).parents[3]))\
        .returncode == 0


def test_a_recording_with_other_channels_is_set_aside(identified):
    from dataclasses import replace

    odd = replace(identified[0], channels=identified[0].channels[:4], shapes=identified[0].shapes[:4])
    result = analyse([odd] + list(identified[1:]), CampaignSettings(baseline_count=N_BASE))
    k = result.files.index(odd.file)
    assert "differ from the campaign's" in result.errors[k] and np.all(np.isnan(result.frequencies_hz[k]))


def test_an_unexpected_failure_in_one_task_is_recorded(monkeypatch, campaign):
    import shm_app.identification.pipeline

    _, _, paths = campaign

    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(shm_app.identification.pipeline, "identify", broken)
    r = identify_file(paths[0])
    assert r.error == "internal error: ZeroDivisionError: bug"
