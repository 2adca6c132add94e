"""The main window: open a recording, see the modes; bad files give a dialog and lose nothing."""
from pathlib import Path

import numpy as np
import pytest

from dsp.simulate import bridge_deck_model, simulate_ambient
from ui.app import default_input
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.runner.cancel()
    w.runner.wait(10000)


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
    assert window.channel_list.count() == 8
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


def test_preprocessing_and_project_round_trip(window, qtbot, tmp_path):
    from shm_app.preprocessing import PreprocessSettings
    from shm_app.project import load_project

    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.open_file(tmp_path / "deck.csv", identify_after=False)
    with qtbot.waitSignal(window.sigRecordingLoaded, timeout=60_000):
        window.start_preprocessing(PreprocessSettings(lowpass_hz=12.0, decimation=2))
    assert window.recording.fs_hz == 20.0 and window.original.recording.fs_hz == 40.0
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.start_identification()
    assert window.save_project(tmp_path / "p.shmproj")
    proj = load_project(tmp_path / "p.shmproj")
    assert proj.recordings[0].path == str((tmp_path / "deck.csv").resolve())
    assert proj.identifications[0]["fs_hz"] == 20.0
    assert proj.settings["preprocessing"][-1]["decimation"] == 2


def test_damaged_project_shows_a_dialog_and_is_not_overwritten(window, qtbot, tmp_path):
    bad = tmp_path / "bad.shmproj"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 50)
    window.open_project(bad)
    assert window.project_path is None
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
    from ui.modes_model import ModesTableModel

    model = ModesTableModel()
    shape = np.ones(3, complex)
    model.set_modes([Mode(2.2, 0.01, shape, 1.0, 0.0),  # FDD: one estimate
                     Mode(3.4, 0.02, shape, 1.0, 0.0, 1e-3, 1e-4, 12, poles=np.arange(12))])  # SSI cluster
    cells = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(2)]
    assert cells[0][2] == cells[0][4] == cells[0][7] == "—"
    assert cells[1][2] == "0.0010" and cells[1][4] == "0.01" and cells[1][7] == "12"


def test_identification_panel_passes_the_ssi_and_spectral_settings(window, qtbot, tmp_path):
    panel = window.identification_panel
    assert panel.settings().block_rows is None and panel.settings().max_order == 80  # auto and the CLI default
    panel.block_rows_box.setValue(30)
    panel.max_order_box.setValue(40)
    panel.resolution_box.setValue(0.05)
    panel.references_box.setText(" A01L_z, A02R_z ,")
    s = panel.settings(("a", "b"))
    assert (s.method, s.block_rows, s.max_order, s.resolution_hz, s.channels) == ("ssi-cov", 30, 40, None, ("a", "b"))
    assert s.reference_channels == ("A01L_z", "A02R_z")
    assert panel.resolution_box.isEnabled() is False and panel.block_rows_box.isEnabled()
    _write_deck_csv(tmp_path / "deck.csv")
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000) as blocker:
        window.open_file(tmp_path / "deck.csv")  # loading identifies with the panel's settings
    used = blocker.args[0].settings
    assert used.block_rows == 30 and used.orders == (2, 40) and used.reference_channels == ("A01L_z", "A02R_z")
    panel.method_box.setCurrentText("fdd")
    assert panel.resolution_box.isEnabled() and not panel.max_order_box.isEnabled()
    s = panel.settings()
    assert (s.resolution_hz, s.block_rows, s.max_order, s.reference_channels) == (0.05, None, 80, None)
