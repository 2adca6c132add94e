"""The campaign page keeps a running campaign's results in the autosave side file, resumes it after a crash with
the same result as a straight run, and offers the detector and the alarm rule, kept in the project."""
import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from shm_app.campaign import campaign_to_json
from shm_app.campaign.partial import load_partial
from shm_app.campaign.settings import CampaignSettings
from shm_app.session.state import CampaignState
from shm_app.session.session import autosave_path
from ui.app import SAMPLE_DIR
from ui.campaign_panel import CampaignPanel
from ui.main_window import MainWindow

N_RECORDINGS = 7  # the default baseline is the first third, at least 6 recordings: 7 leave one to monitor


@pytest.fixture
def recordings(tmp_path):
    """Seven of the bundled sample's recordings in a folder without an environment log (the detector is used)."""
    folder = tmp_path / "recs"
    folder.mkdir()
    for p in sorted((SAMPLE_DIR / "recordings").glob("*.csv.gz"))[:N_RECORDINGS]:
        shutil.copy(p, folder)
    return folder


def _one_worker(session):
    """One worker process (the panel runs on top of the session's campaign settings): a spawn pool's start-up is
    most of these short runs, and the order the results arrive in must not matter anyway."""
    session.set_campaign(CampaignState(settings=CampaignSettings(workers=1)))


def _straight_run(qtbot, folder):
    panel = CampaignPanel()
    qtbot.addWidget(panel)
    _one_worker(panel.session)
    with qtbot.waitSignal(panel.sigFinished, timeout=120_000) as blocker:
        panel.run_folder(folder)
    return blocker.args[0]


@pytest.mark.slow  # three campaign runs on 7 recordings (a spawn pool each): 4 s idle, 11-15 s with the machine loaded
def test_results_stream_into_the_side_file_and_resume_equals_a_straight_run(qtbot, tmp_path, recordings,
                                                                            _scripted_questions):
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.save_project(tmp_path / "p.shmproj")
    side = autosave_path(tmp_path / "p.shmproj")
    panel = w.campaign_panel
    _one_worker(w.session)
    panel.stream_every_n = 1  # every result saved, so the file can be checked after each
    during = []  # the results in the side file while the campaign runs, after the third one

    def third_result(_fraction, message):
        if message.startswith("3/"):
            panel.flush_stream()  # the saves run on a thread of their own: wait for the one under way
            during.append(len(load_partial(side).modes))
            panel.runner.cancel()

    panel.runner.sigProgress.connect(third_result)
    with qtbot.waitSignal(panel.runner.sigCancelled, timeout=120_000):
        panel.run_folder(recordings)
    assert during and during[0] >= 3  # a crash then would have lost none of them
    saved = load_partial(side)  # cancelled: the last save holds every result that arrived
    n = len(saved.modes)
    assert during[0] <= n < N_RECORDINGS and saved.result is None
    assert {m.file for m in saved.modes} == {m.file for m in w.session.state.campaign.modes}
    assert saved.inputs == (str(recordings),) and saved.settings == panel.settings()
    assert panel.resume_button.isVisibleTo(panel)  # resumable without a crash too
    assert not panel.streaming

    # the app "died": a new window opens the project and recovers the side file
    _scripted_questions.append(QMessageBox.StandardButton.Yes)
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.open_project(tmp_path / "p.shmproj") and w2.session.modified
    panel2 = w2.campaign_panel
    assert panel2.resume_button.isVisibleTo(panel2)
    assert panel2.resume_button.text() == f"Resume campaign ({n} of {N_RECORDINGS} recordings identified)"
    messages = []
    panel2.runner.sigProgress.connect(lambda _f, message: messages.append(message))
    with qtbot.waitSignal(panel2.sigFinished, timeout=120_000) as blocker:
        panel2.resume()
    resumed = blocker.args[0]
    assert f"identifying {N_RECORDINGS - n} recordings" in messages  # only the missing ones
    assert not panel2.resume_button.isVisibleTo(panel2)
    stored = w2.session.state.campaign
    assert len(stored.modes) == N_RECORDINGS and stored.result is resumed
    straight = _straight_run(qtbot, recordings)
    assert campaign_to_json(resumed) == campaign_to_json(straight)  # identification is deterministic per file
    np.testing.assert_array_equal(resumed.novelty, straight.novelty)
    # the finished campaign replaced the stream in the side file (the window autosaves it)
    assert load_partial(side).result is not None


def _table_without_environment(tmp_path, rows=240):
    """The first ``rows`` records of the bundled monitoring table (60 days, undamaged), alone in a folder: without
    covariates the novelty detector is the one chosen."""
    lines = (SAMPLE_DIR / "monitoring" / "frequencies.csv").read_text().splitlines()[:rows + 1]
    table = tmp_path / "table" / "frequencies.csv"
    table.parent.mkdir()
    table.write_text("\n".join(lines) + "\n")
    return table


def test_detector_and_alarm_rule_round_trip_and_change_the_analysis(qtbot, tmp_path):
    table = _table_without_environment(tmp_path)
    w = MainWindow()
    qtbot.addWidget(w)
    panel = w.campaign_panel
    assert panel.detector_box.currentText() == "gmm" and "Gaussian mixture" in panel.detector_box.toolTip()
    with qtbot.waitSignal(panel.sigFinished, timeout=60_000) as blocker:
        panel.open_table(table)
    gmm = blocker.args[0]
    panel.detector_box.setCurrentText("pca")
    panel.alarm_k_box.setValue(1)
    panel.alarm_m_box.setValue(1)
    with qtbot.waitSignal(panel.sigFinished, timeout=60_000) as blocker:
        panel.reanalyse()
    pca = blocker.args[0]
    assert (gmm.settings.detector, pca.settings.detector) == ("gmm", "pca")
    assert (pca.settings.alarm_k, pca.settings.alarm_m) == (1, 1)
    assert not np.allclose(gmm.novelty, pca.novelty, equal_nan=True)  # another index, not only another label
    assert w.save_project(tmp_path / "d.shmproj")
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.open_project(tmp_path / "d.shmproj")
    panel2 = w2.campaign_panel
    assert panel2.detector_box.currentText() == "pca"
    assert (panel2.alarm_k_box.value(), panel2.alarm_m_box.value()) == (1, 1)
    assert panel2.settings() == pca.settings
    np.testing.assert_array_equal(panel2.view.result.novelty, pca.novelty)


def test_alarm_k_above_m_is_refused_before_running(qtbot, tmp_path):
    w = MainWindow()
    qtbot.addWidget(w)
    panel = w.campaign_panel
    panel.alarm_k_box.setValue(3)
    panel.alarm_m_box.setValue(2)
    panel.open_table(_table_without_environment(tmp_path))
    assert not panel.runner.busy and "alarm_k" in panel.last_error


def test_stream_follows_save_as_of_an_untitled_project(qtbot, tmp_path, recordings):
    """Started untitled (the per-user autosave folder), saved as q.shmproj after the first result: the results go on
    into q.shmproj's side file, and the untitled one is gone."""
    w = MainWindow()
    qtbot.addWidget(w)
    panel = w.campaign_panel
    _one_worker(w.session)
    panel.stream_every_n = 1
    untitled = autosave_path(None)
    side = autosave_path(tmp_path / "q.shmproj")

    def on_progress(_fraction, message):
        if message.startswith("1/"):
            panel.flush_stream()
            assert untitled.exists() and not side.exists()
            assert w.save_project(tmp_path / "q.shmproj")
        elif message.startswith("2/"):
            panel.runner.cancel()

    panel.runner.sigProgress.connect(on_progress)
    with qtbot.waitSignal(panel.runner.sigCancelled, timeout=120_000):
        panel.run_folder(recordings)
    assert not untitled.exists() and len(load_partial(side).modes) >= 2
    assert w.session.path == tmp_path / "q.shmproj" and w.session.modified  # the results so far are not saved yet
