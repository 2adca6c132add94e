"""The main window: open a recording, see the modes; bad files give a dialog and lose nothing."""
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from dsp.simulate import bridge_deck_model, simulate_ambient
from ui.app import default_input
from ui.main_window import MainWindow


def _write_deck_csv(path: Path, seed: int = 3) -> np.ndarray:
    model, sensors = bridge_deck_model()
    sim = simulate_ambient(model, 40.0, 300.0, noise_ratio=0.05, seed=seed)
    header = ",".join(f"{name} [m/s^2]" for name, _, _ in sensors)
    np.savetxt(path, sim.acceleration, delimiter=",", header=f"fs = 40\n{header}", comments="# ", fmt="%.6e")
    return model.natural_frequencies_hz


def test_opening_a_file_fills_the_modes_table(window, qtbot, tmp_path):
    truth = _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.open_file(tmp_path / "deck.csv")
    model = window.modes_model
    assert model.rowCount() >= 4
    found = np.array([m.frequency_hz for m in model.modes])
    for f in truth:  # every true mode within 1 % (the skeleton's acceptance criterion)
        assert np.min(np.abs(found - f)) / f < 0.01
    assert window.modes_table.model().index(0, 1).data() == f"{model.modes[0].frequency_hz:.4f}"
    # 5 minutes at 40 Hz are too short for the 8 segments of the statistical σ: the log says so, the table "n/a"
    assert "σ n/a: the record is too short for the uncertainty" in window.log_view.toPlainText()
    assert window.channel_table.rowCount() == 8
    rms = [float(window.channel_table.item(r, 6).text()) for r in range(8)]
    assert all(r > 0 for r in rms) and window.channel_table.item(0, 4).text() == "m/s^2"
    # AutoMAC: ones on the diagonal; bending and torsion modes of the deck are orthogonal on its two edges
    automac = window.automac_plot.values
    assert automac.shape == (model.rowCount(),) * 2 and np.allclose(np.diag(automac), 1.0)
    assert automac[~np.eye(len(automac), dtype=bool)].max() < 0.3
    window.shape_tabs.setCurrentWidget(window.automac_plot)
    window.grab().save(str(tmp_path / "automac.png"))  # renders without error


def test_bad_file_shows_a_dialog_and_keeps_the_loaded_recording(window, qtbot, tmp_path):
    sample = default_input()
    assert sample is not None, "the bundled sample campaign is missing from resources/sample"
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(sample, identify_after=False)
    loaded = window.recording
    bad = tmp_path / "junk.csv"
    bad.write_bytes(b"\x00\x01garbage\x00" * 100)
    with qtbot.waitSignal(window.sigTaskEnded, timeout=30_000):
        window.open_file(bad)
    assert window.recording is loaded
    assert window.last_error is not None and "junk.csv" in window.last_error
    assert "\n" not in window.last_error


def test_cancel_stops_identification_and_keeps_the_recording(window, qtbot, tmp_path):
    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(tmp_path / "deck.csv", identify_after=False)
    with qtbot.waitSignal(window.runner.sigCancelled, timeout=30_000):
        window.start_identification()
        window.runner.cancel()
    assert window.result is None
    assert window.recording is not None
    assert not window.cancel_button.isVisible()


def test_export_writes_the_identify_json(window, qtbot, tmp_path):
    import json

    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.open_file(tmp_path / "deck.csv")
    window.export("json", tmp_path / "out.json")
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["file"] == "deck.csv" and len(doc["modes"]) == window.modes_model.rowCount()
    assert window.export_diagram_action.isEnabled()  # SSI: the stabilization diagram can be exported too
    window.export("diagram", tmp_path / "diagram.csv")
    rows = (tmp_path / "diagram.csv").read_text().splitlines()
    assert rows[0].startswith("order,frequency_hz") and len(rows) == window.result.diagram.orders.size + 1


def test_a_project_reopens_exactly_as_saved(window, qtbot, tmp_path):
    """The issue's walk-through: high-pass 0.5 Hz, low-pass 12 Hz, FDD with f max 12, A04R_z unticked, identify,
    Save As. Reopened in a new window, everything is as saved, nothing is re-identified, the file is not written."""
    from shm_app.identification import result_to_json
    from shm_app.persistence.project import load_project
    from shm_app.preprocessing import PreprocessSettings

    sample = default_input()
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(sample, identify_after=False)
    pre = PreprocessSettings(highpass_hz=0.5, lowpass_hz=12.0)
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.start_preprocessing(pre)
    panel = window.identification_panel
    panel.method_box.setCurrentText("fdd")
    panel.widgets["fmax_hz"].setValue(12.0)
    from ui.channel_table import USE

    window.channel_table.set_ticked("A04R_z", USE, False)
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.start_identification()
    saved = window.result
    assert saved.settings.method == "fdd" and "A04R_z" not in saved.channels
    assert window.save_project(tmp_path / "p5.shmproj")
    assert window.windowTitle().startswith("p5") and not window.isWindowModified()
    before = (tmp_path / "p5.shmproj").read_bytes()

    other = MainWindow()
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.sigTaskEnded, timeout=60_000, check_params_cb=lambda name: name == "project"):
        assert other.open_project(tmp_path / "p5.shmproj")
    entry = other.session.current
    assert entry.preprocessing == pre and entry.identification.method == "fdd"
    assert entry.identification.fmax_hz == 12.0 and "A04R_z" not in entry.identification.channels
    assert result_to_json(other.result) == result_to_json(saved)  # restored, not recomputed
    assert other.preprocess_panel.settings() == pre
    assert other.identification_panel.method_box.currentText() == "fdd"
    assert other.identification_panel.widgets["fmax_hz"].value() == 12.0
    assert "A04R_z" not in other.channel_table.analysis_channels() and len(other.channel_table.analysis_channels()) == 7
    assert other.recording.fs_hz == window.recording.fs_hz and other.modes_model.rowCount() == len(saved.modes)
    assert not other.session.modified and other.runner.busy is False
    assert (tmp_path / "p5.shmproj").read_bytes() == before
    assert load_project(tmp_path / "p5.shmproj").state.recordings[0].preprocessing == pre


def test_unsaved_work_is_asked_about_and_autosaved_beside_the_project(window, qtbot, tmp_path, _scripted_questions):
    from PySide6.QtWidgets import QMessageBox

    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(tmp_path / "deck.csv", identify_after=False)
    assert window.session.modified and window.isWindowModified()
    assert window.save_project(tmp_path / "p.shmproj")
    before = (tmp_path / "p.shmproj").read_bytes()
    window.session.set_metadata(structure="Bridge 7")
    window.autosave()
    side = tmp_path / "p.shmproj.autosave"
    assert side.exists() and (tmp_path / "p.shmproj").read_bytes() == before
    _scripted_questions.append(QMessageBox.StandardButton.Cancel)  # New: the user cancels, nothing changes
    window.new_project()
    assert window.session.path == tmp_path / "p.shmproj" and window.session.state.metadata.structure == "Bridge 7"
    other = MainWindow()
    qtbot.addWidget(other)
    _scripted_questions.append(QMessageBox.StandardButton.Yes)  # recover the newer autosave
    assert other.open_project(tmp_path / "p.shmproj")
    assert other.session.state.metadata.structure == "Bridge 7" and other.session.modified
    assert (tmp_path / "p.shmproj").read_bytes() == before  # recovering does not write the project


def test_unticking_every_channel_is_refused(window, qtbot, tmp_path):
    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(tmp_path / "deck.csv", identify_after=False)
    from ui.channel_table import REF, USE

    table = window.channel_table
    names = table.names()
    for name in names:
        table.set_ticked(name, USE, False)
    assert window.checked_channels() == [names[-1]]  # the last one could not be unticked
    assert window.session.current.identification.channels == (names[-1],)
    table.set_ticked(names[0], REF, True)  # the SSI references are identification settings too
    assert window.session.current.identification.reference_channels == (names[0],)
    assert window.identification_panel.widgets["reference_channels"].text() == names[0]


def test_damaged_project_shows_a_dialog_and_is_not_overwritten(window, qtbot, tmp_path):
    bad = tmp_path / "bad.shmproj"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 50)
    assert not window.open_project(bad)
    assert window.session.path is None
    assert "bad.shmproj" in window.last_error
    assert bad.read_bytes() == b"\x89HDF\r\n\x1a\n" + b"\x00" * 50


def test_file_open_offers_every_format():
    from ui.loading import open_filter as _open_filter

    text = _open_filter()
    for pattern in ("*.csv", "*.mat", "*.h5", "*.tdms", "*.uff", "*.mseed", "*.npy", "*.v2"):
        assert pattern in text


def test_missing_sampling_rate_is_asked_for_and_the_file_read_again(window, qtbot, tmp_path):
    data = np.random.default_rng(1).standard_normal((4000, 3))
    np.save(tmp_path / "raw.npy", data)
    asked = []
    window.ask_sampling_rate = lambda path: asked.append(path) or 50.0
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(tmp_path / "raw.npy", identify_after=False)
    assert asked == [str(tmp_path / "raw.npy")]
    assert window.recording.fs_hz == 50.0 and window.recording.n_samples == 4000


def test_cancelling_the_sampling_rate_question_keeps_what_was_loaded(window, qtbot, tmp_path):
    np.save(tmp_path / "raw.npy", np.zeros((100, 2)))
    window.ask_sampling_rate = lambda path: None
    with qtbot.waitSignal(window.sigTaskEnded, timeout=30_000):
        window.open_file(tmp_path / "raw.npy", identify_after=False)
    assert window.recording is None and "raw.npy" in window.last_error


def test_a_very_stable_mode_does_not_show_a_zero_scatter():
    from ui.modes_model import scatter

    assert scatter(2.1e-5, 4) == "2.1e-05" and scatter(0.0132, 4) == "0.0132" and scatter(0.0, 2) == "0.00"
    assert scatter(0.35, 2) == "0.35" and scatter(0.004, 2) == "4.0e-03"


def test_frequency_domain_modes_show_no_scatter_or_poles():
    import numpy as np

    from dsp.modal import Mode
    from ui.modes_model import COLUMN, ModesTableModel

    model = ModesTableModel()
    shape = np.ones(3, complex)
    model.set_modes([Mode(2.2, 0.01, shape, 1.0, 0.0),  # FDD: one estimate
                     Mode(3.4, 0.02, shape, 1.0, 0.0, 1e-3, 1e-4, 12, poles=np.arange(12))])  # SSI cluster
    cells = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(2)]
    f_scatter, z_scatter, poles = (COLUMN[c] for c in ("Order scatter f [Hz]", "Order scatter ζ [%]", "Poles"))
    assert cells[0][f_scatter] == cells[0][z_scatter] == cells[0][poles] == "—"
    assert cells[1][f_scatter] == "0.0010" and cells[1][z_scatter] == "0.01" and cells[1][poles] == "12"


def test_identification_panel_passes_the_ssi_and_spectral_settings(window, qtbot, tmp_path):
    panel = window.identification_panel
    assert panel.settings().block_rows is None and panel.settings().max_order == 80  # auto and the CLI default
    w = panel.widgets
    w["block_rows"].setValue(30)
    w["max_order"].setValue(40)
    w["resolution_hz"].setValue(0.05)
    w["reference_channels"].setText(" A01L_z, A02R_z ,")
    s = panel.settings(("a", "b"))
    assert (s.method, s.block_rows, s.max_order, s.resolution_hz, s.channels) == ("ssi-cov", 30, 40, 0.05, ("a", "b"))
    assert s.reference_channels == ("A01L_z", "A02R_z")
    assert w["resolution_hz"].isEnabled() is False and w["block_rows"].isEnabled()
    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000) as blocker:
        window.open_file(tmp_path / "deck.csv")  # loading identifies with the panel's settings
    used = blocker.args[0].settings
    assert used.block_rows == 30 and used.orders == (2, 40) and used.reference_channels == ("A01L_z", "A02R_z")
    panel.method_box.setCurrentText("fdd")
    assert w["resolution_hz"].isEnabled() and not w["max_order"].isEnabled()
    assert "between 2 and 2000" in w["block_rows"].toolTip() and "Hz" in w["resolution_hz"].suffix()


def test_file_export_writes_every_format_and_the_report(window, qtbot, tmp_path):
    import pyuff

    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.open_file(tmp_path / "deck.csv")
    for kind, name in (("json", "m.json"), ("csv", "m.csv"), ("uff", "m.uff"), ("diagram", "d.csv"),
                       ("figures", "figs")):
        assert window.export(kind, tmp_path / name), window.last_error
    assert len(pyuff.UFF(str(tmp_path / "m.uff")).read_sets()) >= len(window.result.modes)
    assert (tmp_path / "figs" / "stabilization.png").exists() and (tmp_path / "figs" / "mode-1.png").exists()
    with qtbot.waitSignal(window.report_runner.sigFinished, timeout=180_000):
        window.write_report(tmp_path / "r.html")
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8").lower()


def test_a_bug_is_said_to_be_one_and_logged(window, tmp_path, monkeypatch):
    from ui.errors import message_for

    monkeypatch.setenv("SHM_APP_LOG", str(tmp_path / "app.log"))
    try:
        raise ValueError("a numpy bug")
    except ValueError as exc:
        text = message_for(exc)
    assert text.startswith("Internal error (a bug") and str(tmp_path / "app.log") in text and "\n" not in text
    assert "Traceback" in (tmp_path / "app.log").read_text() and "a numpy bug" in (tmp_path / "app.log").read_text()
    from shm_app.errors import ReadError

    assert message_for(ReadError("x.csv", "truncated")) == "x.csv: truncated"


def test_a_long_recording_shows_its_time_series_then_a_labelled_psd_preview_then_its_full_psd(window, qtbot, tmp_path,
                                                                                               monkeypatch):
    from dsp.spectral import welch_psd
    from ui import loading

    monkeypatch.setattr(loading, "PREVIEW_MIN_VALUES", 100_000)  # as if the full estimate of this record were slow

    x = np.random.default_rng(2).standard_normal((120_000, 4))  # 20 min at 100 Hz: 28 Welch segments of 8192
    np.save(tmp_path / "long.npy", x)
    seen = []
    window.sigRecordingLoaded.connect(lambda _r: seen.append(("time series", window.psd_plot.note())))
    window.sigPsdPreviewShown.connect(lambda _r: seen.append(("preview", window.psd_plot.note())))
    with qtbot.waitSignal(window.sigViewsShown, timeout=60_000):
        window.open_file(tmp_path / "long.npy", identify_after=False, fs=100.0)
    assert [what for what, _ in seen] == ["time series", "preview"]
    assert seen[0][1].startswith("Computing") and seen[1][1].startswith("Preview: 12 of the 28 Welch segments")
    assert window.psd_plot.note() == ""  # the full estimate replaced the preview
    full = welch_psd(x, 100.0)
    np.testing.assert_array_equal(window.current.psd.psd, full.psd)  # the exact estimate, nothing cheaper
    f, p = window.psd_plot._curves[2].getOriginalDataset()
    np.testing.assert_array_equal(p, full.psd[1:, 2])
    assert window.channel_table.item(0, 6).text() == f"{x[:, 0].std():.4g}"


def test_preprocessing_draws_the_psd_before_and_after_each_computed_once(window, qtbot, tmp_path, monkeypatch):
    import ui.recording_actions as actions
    from shm_app.preprocessing import PreprocessSettings

    computed = []
    real = actions.signal_views
    monkeypatch.setattr(actions, "signal_views", lambda rec, *a: computed.append(rec) or real(rec, *a))
    np.save(tmp_path / "short.npy", np.random.default_rng(5).standard_normal((6000, 3)))
    with qtbot.waitSignal(window.sigViewsShown, timeout=60_000):
        window.open_file(tmp_path / "short.npy", identify_after=False, fs=50.0)
    before = window.original.psd
    assert computed == [window.original.recording] and not window.psd_plot.has_reference()
    with qtbot.waitSignal(window.sigViewsShown, timeout=60_000):
        window.start_preprocessing(PreprocessSettings(highpass_hz=1.0))
    assert computed == [window.original.recording, window.current.recording]  # the one as read: not again
    assert window.original.psd is before and window.psd_plot.has_reference()
    with qtbot.waitSignal(window.sigViewsShown, timeout=10_000):
        window._reset_preprocessing()  # back to the record as read: its spectra are known, nothing computed
    assert len(computed) == 2 and not window.psd_plot.has_reference()
