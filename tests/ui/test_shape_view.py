"""The mode-shape view and the geometry dialog: animation moves the drawn nodes, amplitude scales them, PNG/GIF
export, the 2D fallback offscreen, the bar chart without a geometry; the dialog's round trip to the session."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dsp.modal import Mode
from dsp.simulate import bridge_deck_model
from shm_app.geometry import sample_geometry
from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.settings import ResolvedSettings
from shm_app.session import Session
from ui.geometry_dialog import GeometryDialog
from ui.parameter_widgets import show_value
from ui.shape_view import ShapeView

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample"
RECORDING = sorted((SAMPLE / "recordings").glob("*.csv.gz"))[0]
SCREENSHOTS = REPO / "build" / "screenshots"


def deck_result() -> IdentificationResult:
    """The sample deck's four true modes (torsion 2 made slightly complex) as an identification result."""
    model, sensors = bridge_deck_model()
    shapes = model.mode_shapes.astype(complex)
    shapes[:, 3] *= np.exp(1j * np.linspace(0, 0.3, shapes.shape[0]))
    modes = tuple(Mode(float(f), float(z), shapes[:, k], mpc=1.0, mpd_deg=0.0)
                  for k, (f, z) in enumerate(zip(model.natural_frequencies_hz, model.damping_ratios)))
    settings = ResolvedSettings(method="fdd", fmin_hz=0.5, fmax_hz=16.0, analysis_fs_hz=40.0, decimation=1,
                                block_rows=0, orders=(0, 0), order_step=1, detrend="linear")
    return IdentificationResult(file=str(RECORDING), fs_hz=40.0, n_samples=9600,
                                channels=tuple(n for n, _, _ in sensors), settings=settings, modes=modes)


@pytest.fixture
def session() -> Session:
    s = Session()
    s.add_recording(RECORDING, channels=deck_result().channels)
    s.set_identification_result(deck_result())
    return s


@pytest.fixture
def view(qtbot, session) -> ShapeView:
    session.set_geometry(sample_geometry())
    w = ShapeView(session)
    qtbot.addWidget(w)
    w.resize(900, 620)
    w.set_mode(0)
    return w


def test_offscreen_falls_back_to_the_2d_views_without_error(view):
    assert not view.has_3d and view.showing_structure
    assert [view.tabs.tabText(k) for k in range(view.tabs.count())] == ["Oblique", "Plan", "Elevation", "Side"]


def test_an_animation_frame_moves_the_drawn_nodes_and_amplitude_scales_them(view):
    at_rest = view.frame.positions_m
    first = view.deformed_positions().copy()
    view.advance()
    assert view.phase == pytest.approx(2 * np.pi / 24)
    assert not np.allclose(view.deformed_positions(), first)
    view.set_phase(np.pi / 2)  # a real shape a quarter cycle on: at rest
    assert np.allclose(view.deformed_positions(), at_rest)
    view.set_phase(0.0)
    x, z = view.planes[2].nodes.getData()  # the elevation view draws what the view computed
    assert np.allclose(z, view.deformed_positions()[:, 2])
    one = view.deformed_positions() - at_rest
    show_value(view.amplitude, 0.16)
    assert np.allclose(view.deformed_positions() - at_rest, 2 * one)
    assert np.max(np.abs(one)) == pytest.approx(0.08 * 40.0)


def test_play_runs_the_timer(qtbot, view):
    view.play.setChecked(True)
    qtbot.waitUntil(lambda: view.phase > 0, timeout=2000)
    view.play.setChecked(False)
    assert view.play.text() == "Play"


def test_png_and_gif_export(view, tmp_path):
    view.set_mode(3)
    view.export(tmp_path / "m.png", "png")
    view.export(tmp_path / "m.gif", "gif")
    assert Image.open(tmp_path / "m.png").format == "PNG"
    gif = Image.open(tmp_path / "m.gif")
    assert gif.format == "GIF" and gif.n_frames == 24


def test_without_a_geometry_the_bar_chart_and_a_hint(qtbot, session):
    w = ShapeView(session)
    qtbot.addWidget(w)
    w.set_mode(1)
    assert not w.showing_structure and w.deformed_positions() is None
    assert "Load a geometry" in w.hint.text() and "Mode 2" in w.bar_chart.getPlotItem().titleLabel.text
    session.set_geometry(sample_geometry())  # the view follows the session
    assert w.showing_structure and w.deformed_positions() is not None


def test_a_new_result_selects_its_first_mode(qtbot, session):
    w = ShapeView(session)
    qtbot.addWidget(w)
    assert w.mode_index is None
    session.set_identification_result(deck_result())
    assert w.mode_index == 0 and "Mode 1" in w.title.text()


def test_dialog_round_trip_to_the_session(qtbot, session):
    session.set_geometry(sample_geometry())
    dialog = GeometryDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.nodes.rowCount() == 12 and dialog.lines.rowCount() == 16 and dialog.channels.rowCount() == 8
    dialog.accept()
    assert session.state.geometry == sample_geometry()
    dialog = GeometryDialog(session)
    qtbot.addWidget(dialog)
    dialog.lines.item(0, 1).setText("Nowhere")  # a line to an unknown node: refused, dialog open
    dialog.accept()
    assert "'Nowhere'" in dialog.message.text() and session.state.geometry == sample_geometry()
    dialog.lines.removeRow(0)
    dialog.accept()
    assert len(session.state.geometry.lines) == 15


def test_dialog_loads_files_and_lists_unplaced_channels(qtbot, session, tmp_path):
    dialog = GeometryDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.channels.rowCount() == 8 and dialog.nodes.rowCount() == 0  # the recording's channels, no node
    dialog.load_files(SAMPLE / "geometry.csv", SAMPLE / "lines.csv")
    dialog.accept()
    assert session.state.geometry.lines == sample_geometry().lines
    assert session.state.geometry.source == str(SAMPLE / "geometry.csv")


@pytest.mark.parametrize("mode", [0, 3])
def test_screenshot(view, mode):
    """Rendered for a person to look at: build/screenshots/shape_view-mode-N.png."""
    view.set_mode(mode)
    view.set_phase(0.3)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(SCREENSHOTS / f"shape_view-mode-{mode + 1}.png"))
