"""The mode-shape view and the geometry dialog: animation moves the drawn nodes, amplitude scales them, PNG/GIF
export, the 2D fallback offscreen, the bar chart without a geometry; the dialog's round trip to the session."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QColor

from dsp.modal import Mode
from dsp.simulate import bridge_deck_model
from shm_app.geometry import sample_geometry
from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.settings import ResolvedSettings
from shm_app.output.figures import view_axes
from shm_app.session import Session
from ui.geometry_dialog import GeometryDialog
from ui.parameter_widgets import show_value
from ui.plot_style import colour
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


def test_the_3d_view_works_offscreen_beside_the_plane_views(view):
    assert view.showing_structure and view.tabs.currentWidget() is view.orbit
    assert [view.tabs.tabText(k) for k in range(view.tabs.count())] == ["3D", "Plan", "Elevation", "Side"]
    # every view is an azimuth/elevation projection: the planes are the axis pairs, the 3D view starts oblique
    eye = np.eye(3)
    for plane, axes in zip(view.planes, ([0, 1], [0, 2], [1, 2])):
        assert np.allclose(plane.projection, eye[:, axes])
    assert np.allclose(view.orbit.projection(), view_axes(25.0, -60.0))


def _drag(widget, start, end):
    """A left-button drag from ``start`` to ``end`` (widget pixels), as the mouse sends it."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, at, button, buttons in ((QEvent.Type.MouseButtonPress, start, left, left),
                                      (QEvent.Type.MouseMove, end, none, left),
                                      (QEvent.Type.MouseButtonRelease, end, left, none)):
        pos = QPointF(*at)
        QApplication.sendEvent(widget, QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def test_dragging_orbits_the_camera_and_a_node_moves_on_screen_as_computed(view):
    orbit = view.orbit
    view.show()  # laid out: the 3D view has its size
    w, h = orbit.width(), orbit.height()
    view.set_phase(np.pi / 2)  # a real shape a quarter cycle on: every node at rest
    home = orbit.to_screen(view.frame.positions_m)  # the structure fills the view, inside it
    assert np.all((home > 0) & (home < [w, h])) and np.ptp(home[:, 0]) > 0.6 * w
    node = view.frame.positions_m[5]
    before = orbit.to_screen(node[None])[0]
    _drag(orbit, (300, 200), (350, 180))  # 50 px right, 20 px up: 0.4° a pixel
    assert (orbit.azimuth_deg, orbit.elevation_deg) == pytest.approx((-80.0, 17.0))
    # orthographic: centre of the bounding box at the widget's centre, y up, the scale kept from the home view
    p = view.frame.positions_m
    centre = (p.min(axis=0) + p.max(axis=0)) / 2
    scale = orbit.fit_scale(w, h)
    a, e = np.radians(-80.0), np.radians(17.0)
    right = np.array([-np.sin(a), np.cos(a), 0.0])
    up = np.array([-np.sin(e) * np.cos(a), -np.sin(e) * np.sin(a), np.cos(e)])
    expected = (w / 2 + scale * (node - centre) @ right, h / 2 - scale * (node - centre) @ up)
    after = orbit.to_screen(node[None])[0]
    assert after == pytest.approx(expected, abs=1e-9) and np.hypot(*(after - before)) > 5
    image = orbit.grab().toImage()  # and it is drawn there, in the mode's colour (over the grey node at rest)
    drawn = image.pixelColor(round(after[0]), round(after[1]))
    wanted = QColor(colour(0))
    assert max(abs(drawn.red() - wanted.red()), abs(drawn.green() - wanted.green()),
               abs(drawn.blue() - wanted.blue())) < 30


def test_double_click_resets_the_camera_and_the_wheel_zooms(qtbot, view):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    orbit = view.orbit
    view.show()
    node = view.frame.positions_m[:1]
    home = orbit.to_screen(node)
    _drag(orbit, (100, 100), (220, 40))
    assert not np.allclose(orbit.to_screen(node), home)
    centre = QPointF(300, 200)
    QApplication.sendEvent(orbit, QWheelEvent(centre, orbit.mapToGlobal(centre), QPoint(), QPoint(0, 240),
                                              Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                              Qt.ScrollPhase.NoScrollPhase, False))
    assert orbit.zoom == pytest.approx(1.0015 ** 240)
    qtbot.mouseDClick(orbit, Qt.MouseButton.LeftButton)
    assert (orbit.elevation_deg, orbit.azimuth_deg, orbit.zoom) == (25.0, -60.0, 1.0)
    assert np.allclose(orbit.to_screen(node), home)


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


def test_png_and_gif_export_of_the_3d_view(view, tmp_path):
    view.set_mode(3)  # complex: the nodes never all rest at once
    _drag(view.orbit, (10, 10), (60, 10))  # the export sees what the camera sees
    view.set_phase(0.4)
    shown = view.deformed_positions().copy()
    view.export(tmp_path / "m.png", "png")
    view.export(tmp_path / "m.gif", "gif")
    assert Image.open(tmp_path / "m.png").format == "PNG" and Image.open(tmp_path / "m.png").size == (1000, 640)
    gif = Image.open(tmp_path / "m.gif")
    assert gif.format == "GIF" and gif.n_frames == 24 and gif.size == (720, 460)
    frames = []
    for k in (0, 6, 12):
        gif.seek(k)
        frames.append(np.asarray(gif.convert("RGB"), dtype=int))
    assert all(np.abs(a - b).sum() > 0 for a, b in zip(frames, frames[1:]))  # the structure moves
    assert np.allclose(view.deformed_positions(), shown)  # the screen is back as it was
    assert (view.orbit.azimuth_deg, view.export_camera()) == (-80.0, (25.0, -80.0))
    view.tabs.setCurrentIndex(1)
    assert view.export_camera() == (90.0, -90.0)  # a plane view exports its own projection


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


def _merged(names, seed=0):
    """A merged (roving) mode over the points ``names``: a known complex shape, NaN at the last point (a mode not
    found in the setup that measured it)."""
    rng = np.random.default_rng(seed)
    shape = rng.uniform(0.2, 1.0, len(names)) * np.exp(1j * rng.uniform(-0.2, 0.2, len(names)))
    shape[-1] = np.nan
    return (Mode(2.2, 0.01, shape, mpc=1.0, mpd_deg=0.0),)


def test_a_roving_mode_is_placed_on_a_geometry_that_names_only_its_nodes(qtbot):
    """The setups' channels (A01L_z, …) find the nodes named after them (A01L) on a geometry without sensors,
    along the direction their suffix says, as the nodes of a single recording's geometry are named."""
    from shm_app.geometry.model import node_list
    from shm_app.session.state import Geometry

    full = sample_geometry()
    nodes_only = Geometry(nodes=node_list(full), lines=full.lines)
    names = ("A02L_z", "A02R_z", "A01L_z", "A01R_z", "A03L_z", "A03R_z", "A04L_z", "A04R_z")
    modes = _merged(names)
    session = Session()
    session.set_geometry(nodes_only)
    w = ShapeView(session, source=lambda: (modes, names))
    qtbot.addWidget(w)
    w.refresh()
    assert w.showing_structure and not w.unplaced.isVisibleTo(w)
    shape = modes[0].shape
    for k, name in enumerate(names[:-1]):  # measured points: their node moves along z by the shape's value
        node = w.frame.node_names.index(name[:-2])
        np.testing.assert_allclose(w._displacement[node], [0, 0, shape[k]], atol=1e-12)
    # the same as the geometry with the sensors named (what the sample ships)
    session.set_geometry(full)
    w.refresh()
    with_sensors = w._displacement.copy()
    session.set_geometry(nodes_only)
    np.testing.assert_allclose(w._displacement, with_sensors, atol=1e-12)


def test_points_the_geometry_cannot_place_are_named_and_can_be_assigned_in_the_dialog(qtbot):
    full = sample_geometry()
    session = Session()
    session.set_geometry(full)
    names = ("A01L_z", "A01R_z", "P9_z", "mid")  # P9 and mid: no sensor, no node of that name
    modes = _merged(names + ("A02L_z",))
    w = ShapeView(session, source=lambda: (modes, names + ("A02L_z",)))
    qtbot.addWidget(w)
    w.refresh()
    text = w.unplaced.text()
    assert w.unplaced.isVisibleTo(w) and "2 of this mode's 5 points are not on the geometry" in text
    assert "P9_z, mid" in text and "Geometry… ▸ Channels" in text
    dialog = GeometryDialog(session, channels=names)  # as the view's Geometry… button opens it
    qtbot.addWidget(dialog)
    rows = {dialog.channels.item(r, 0).text(): r for r in range(dialog.channels.rowCount())}
    assert "P9_z" in rows and "mid" in rows  # offered, unassigned
    dialog.channels.item(rows["P9_z"], 1).setText("A03L")
    dialog.channels.item(rows["P9_z"], 2).setText("z")
    dialog.channels.item(rows["mid"], 1).setText("A03R")
    dialog.channels.item(rows["mid"], 2).setText("-z")
    dialog.accept()
    assert not w.unplaced.isVisibleTo(w)
    node = w.frame.node_names.index("A03R")
    np.testing.assert_allclose(w._displacement[node], [0, 0, -modes[0].shape[3]], atol=1e-12)
