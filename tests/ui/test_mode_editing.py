"""Steering the identification by hand: click a pole to add its column's mode, click a ringed pole to remove a mode,
undo and redo, Shift + drag a box around poles; the edit is marked manual and survives the project."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from dsp.simulate import bridge_deck_model, simulate_ambient
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    yield w
    w.runner.cancel()
    w.runner.wait(10000)


@pytest.fixture
def identified(window, qtbot, tmp_path):
    model, sensors = bridge_deck_model()
    y = simulate_ambient(model, 40.0, 300.0, noise_ratio=0.05, seed=3).acceleration
    t = np.arange(y.shape[0]) / 40.0
    y = y + 0.5 * np.std(y) * np.sin(2 * np.pi * 5.0 * t)[:, None] * np.linspace(1, 0.5, y.shape[1])  # machinery: a stable column that is no mode
    header = ",".join(f"{name} [m/s^2]" for name, _, _ in sensors)
    np.savetxt(tmp_path / "deck.csv", y, delimiter=",", header=f"fs = 40\n{header}", comments="# ", fmt="%.6e")
    window.identification_panel.widgets["fmax_hz"].setValue(12.0)
    with qtbot.waitSignal(window.sigIdentified, timeout=120_000):
        window.open_file(tmp_path / "deck.csv")
    window.tabs.setCurrentWidget(window.stabilization_plot)
    qtbot.wait(50)
    return window.result


def _click(plot, f, order, modifiers=Qt.KeyboardModifier.NoModifier):
    vb = plot.getPlotItem().getViewBox()
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(f, order)))
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifiers, pos)


def test_remove_by_clicking_a_ringed_pole_then_undo_redo(window, identified, qtbot):
    n = len(identified.modes)
    m = identified.modes[1]
    pole = int(m.poles[len(m.poles) // 2])
    d = identified.diagram
    _click(window.stabilization_plot, d.frequencies_hz[pole], d.orders[pole])
    assert len(window.result.modes) == n - 1 and window.modes_model.rowCount() == n - 1
    assert window.session.modified
    window.undo_stack.undo()
    assert len(window.result.modes) == n and window.result.modes[1].frequency_hz == m.frequency_hz
    window.undo_stack.redo()
    assert len(window.result.modes) == n - 1


def test_add_a_missed_mode_by_clicking_its_column_and_keep_it(window, identified, qtbot, tmp_path):
    from shm_app.identification import result_to_json

    n = len(identified.modes)
    m = identified.modes[0]
    r, manual = _without(identified, 0)
    window.session.set_identification_result(r, manual=manual)  # as if the automation had missed it
    d = identified.diagram
    free = [j for j in np.flatnonzero(d.stable) if abs(d.frequencies_hz[j] - m.frequency_hz) < 0.005 * m.frequency_hz]
    _click(window.stabilization_plot, d.frequencies_hz[free[len(free) // 2]], d.orders[free[len(free) // 2]])
    assert len(window.result.modes) == n and window.session.current.manual == (0,)
    assert window.result.modes[0].frequency_hz == pytest.approx(m.frequency_hz, rel=2e-3)
    doc = result_to_json(window.result, manual=frozenset(window.session.current.manual))
    assert doc["modes"][0]["manual"] and not any(x["manual"] for x in doc["modes"][1:])
    assert window.save_project(tmp_path / "p.shmproj")
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_project(tmp_path / "p.shmproj")
    assert other.session.current.manual == (0,) and len(other.result.modes) == n


def test_the_harmonic_is_explained_in_the_log_and_diagram(window, identified):
    text = window.log_view.toPlainText()
    assert "5.0" in text and "zero or negative damping" in text and "harmonic" in text
    assert all(abs(m.frequency_hz - 5.0) > 0.05 for m in identified.modes)


def test_box_select_adds_a_mode_from_the_poles_inside(window, identified, qtbot):
    m = identified.modes[2]
    r, manual = _without(identified, 2)
    window.session.set_identification_result(r, manual=manual)
    d = identified.diagram
    window.stabilization_plot.view_box.sigBoxSelected.emit(
        __import__("PySide6.QtCore", fromlist=["QRectF"]).QRectF(m.frequency_hz * 0.995, 0, m.frequency_hz * 0.01,
                                                                 float(d.orders.max()) + 1))
    assert window.result.modes[2].frequency_hz == pytest.approx(m.frequency_hz, rel=2e-3)
    assert window.session.current.manual == (2,)


def _without(result, k):
    from shm_app.identification.manual import remove_mode

    return remove_mode(result, k)
