"""The campaign page: a frequency table and a folder of recordings analysed off the GUI thread and shown."""
from datetime import datetime

import numpy as np
import pyqtgraph as pg
import pytest

from dsp.simulate_campaign import simulate_frequency_campaign
from shm_app.campaign.simulation import write_campaign
from shm_app.sample import MONITORING_BASELINE_UNTIL
from ui.app import SAMPLE_DIR
from ui.campaign_panel import CampaignPanel, find_environment
from ui.main_window import MainWindow


@pytest.fixture
def panel(qtbot):
    p = CampaignPanel()
    qtbot.addWidget(p)
    p.show()
    yield p
    p.runner.cancel()
    p.runner.wait(10000)


def test_sample_monitoring_table_raises_the_alarm_after_the_damage(panel, qtbot):
    panel.set_baseline_until(MONITORING_BASELINE_UNTIL)
    with qtbot.waitSignal(panel.sigFinished, timeout=60_000) as blocker:
        panel.open_table(SAMPLE_DIR / "monitoring" / "frequencies.csv")
    result = blocker.args[0]
    assert panel.view.result is result and panel.view.from_table
    # the bundled table's damage starts on 2026-02-15 (shm_app.sample); the alarm must follow within a day
    assert datetime(2026, 2, 15) <= result.first_alarm <= datetime(2026, 2, 16)
    assert {t.id for t in result.moved_tracks} >= {"M1"}
    assert "ALARM" in panel.view.summary.text()
    assert panel.view.track_box.count() == 4
    # control chart: the all-track limit is one horizontal line; records with a missing mode (a lower limit) get ticks
    items = panel.view.control_plot.getPlotItem().items
    limit_lines = [c for c in items if isinstance(c, pg.PlotDataItem) and len(c.yData) == 2]
    assert len(limit_lines) == 1 and np.ptp(limit_lines[0].yData) == 0
    assert limit_lines[0].yData[0] == pytest.approx(result.threshold)  # PlotDataItems log-transform themselves
    ticks = [c for c in items if isinstance(c, pg.ScatterPlotItem) and c.opts["symbol"] == "_"]
    lower = np.isfinite(result.limit) & (result.limit < result.threshold * (1 - 1e-9))
    assert lower.any() and len(ticks) == 1 and len(ticks[0].data) == int(lower.sum())
    messages = []
    panel.sigMessage.connect(messages.append)
    panel.view._clicked(None, [type("P", (), {"data": lambda self: 3})()])
    assert messages and "frequency table" in messages[0]


def test_folder_of_recordings_runs_and_points_open_recordings(panel, qtbot, tmp_path):
    camp = simulate_frequency_campaign(12, step_hours=12.0, seed=5)
    paths = write_campaign(tmp_path, camp, duration_s=240.0)
    assert find_environment(tmp_path / "recordings") == tmp_path / "environment.csv"
    panel.baseline_mode.setCurrentIndex(1)
    panel.baseline_count.setValue(9)
    with qtbot.waitSignal(panel.sigFinished, timeout=240_000) as blocker:
        panel.run_folder(tmp_path / "recordings")
    result = blocker.args[0]
    found = np.any(np.isfinite(result.frequencies_hz), axis=1)  # recordings where some tracked mode was found
    assert panel.last_error is None
    assert result.n_recordings == 12 and int(result.baseline.sum()) == int(found[:9].sum()) >= 8
    # every track follows one of the deck's true modes (identification scatter on 240 s records is far below 1 %)
    true_median = np.median(camp.true_frequencies_hz, axis=0)
    for j in range(len(result.tracks)):
        f = np.nanmedian(result.frequencies_hz[:, j])
        assert np.min(np.abs(true_median - f) / true_median) < 0.01
    opened = []
    panel.sigOpenRecording.connect(opened.append)
    panel.view._clicked(None, [type("P", (), {"data": lambda self: 2})()])
    assert opened == [str(sorted(paths)[2])]
    with qtbot.waitSignal(panel.sigFinished, timeout=60_000):
        panel.baseline_count.setValue(8)
        panel.reanalyse()
    assert int(panel.view.result.baseline.sum()) == int(found[:8].sum())


def test_campaign_survives_a_project_round_trip(qtbot, tmp_path):
    """α, the baseline date and every result come back as saved; nothing is re-analysed, the file is not written."""
    from shm_app.campaign import campaign_to_json

    w = MainWindow()
    qtbot.addWidget(w)
    w.campaign_panel.set_baseline_until(MONITORING_BASELINE_UNTIL)
    w.campaign_panel.alpha_box.setValue(0.001)
    with qtbot.waitSignal(w.campaign_panel.sigFinished, timeout=60_000):
        w.campaign_panel.open_table(SAMPLE_DIR / "monitoring" / "frequencies.csv")
    first = w.campaign_panel.view.result
    assert first.settings.alpha == 0.001 and w.session.modified
    assert w.save_project(tmp_path / "c.shmproj") and not w.session.modified
    before = (tmp_path / "c.shmproj").read_bytes()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.open_project(tmp_path / "c.shmproj")
    again = w2.campaign_panel.view.result  # shown at once, from the file
    assert again is not None and not w2.campaign_panel.runner.busy
    assert campaign_to_json(again) == campaign_to_json(first)
    np.testing.assert_array_equal(again.novelty, first.novelty)
    assert again.threshold == first.threshold and again.settings == first.settings
    settings = w2.campaign_panel.settings()
    assert settings.alpha == 0.001 and settings.baseline_until == MONITORING_BASELINE_UNTIL
    assert w2.campaign_panel.baseline_mode.currentIndex() == 2 and not w2.session.modified
    assert (tmp_path / "c.shmproj").read_bytes() == before
