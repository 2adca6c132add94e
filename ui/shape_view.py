"""The selected mode animated on the structure: a 3D view with an orbit camera (software drawn: it works offscreen
and on every remote desktop, :mod:`ui.orbit_view`) and plan, elevation and side views; undeformed in grey, deformed
in the mode's colour, a complex shape moving with its phase; amplitude, speed, play/pause, phase; export of the view
on screen (its projection) as PNG or one vibration cycle as an animated GIF.

Every view is an orthographic projection ``points @ view_axes(elevation, azimuth)`` (:mod:`shm_app.output.figures`):
plan is elevation 90°, azimuth −90°; elevation 0°, −90°; side 0°, 0°; the 3D view starts at the report's oblique
25°, −60°. Without a geometry it shows the per-channel bar chart and a hint to load one. The view takes the
:class:`~shm_app.session.Session` and redraws on its ``changed`` events; the geometry is edited in
:class:`ui.geometry_dialog.GeometryDialog`, which stores it through the session.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QIODevice, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPushButton, QSlider, QStackedWidget, QTabWidget,
                               QVBoxLayout, QWidget)

from shm_app.geometry.animation import AnimationSettings, phases
from shm_app.geometry.model import Wireframe, channels_on_nodes, wireframe
from shm_app.geometry.shapes import deformed_positions, node_displacements
from shm_app.output.figures import view_axes
from shm_app.persistence.atomic import atomic_path, atomic_write_bytes
from ui.modal_plots import ModeShapePlot
from ui.orbit_view import OrbitView
from ui.parameter_widgets import parameter_widget, value_of
from ui.plot_style import colour, style_axes, theme_colours

UNDEFORMED = "#b4b4b4"
# (tab, title, camera (elevation, azimuth) in degrees, axis labels)
VIEWS = (("Plan", "Plan (x-y)", (90.0, -90.0), ("x [m]", "y [m]")),
         ("Elevation", "Elevation (x-z)", (0.0, -90.0), ("x [m]", "z [m]")),
         ("Side", "Side (y-z)", (0.0, 0.0), ("y [m]", "z [m]")))
EXPORT_PX = {"png": (1000, 640), "gif": (720, 460)}


class _PlaneView(pg.PlotWidget):
    """One orthographic 2D view: undeformed lines and nodes in grey, supports as triangles, deformed in colour."""

    def __init__(self, title: str, camera: tuple[float, float], labels: tuple[str, str]) -> None:
        super().__init__()
        self.camera = camera
        self.projection = view_axes(*camera)
        item = self.getPlotItem()
        item.setTitle(title, size="9pt")
        style_axes(item, *labels)  # the theme's background, axes and grid, and its changes
        item.setAspectLocked(True)
        item.setMenuEnabled(False)
        self.undeformed = pg.PlotDataItem(pen=pg.mkPen(UNDEFORMED, width=1), connect="pairs")
        self.undeformed_nodes = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(UNDEFORMED))
        self.supports = pg.ScatterPlotItem(size=11, symbol="t1", pen=None, brush=pg.mkBrush(theme_colours().muted))
        self.deformed = pg.PlotDataItem(pen=pg.mkPen(colour(0), width=2), connect="pairs")
        self.nodes = pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(colour(0)))
        for it in (self.undeformed, self.undeformed_nodes, self.supports, self.deformed, self.nodes):
            item.addItem(it)

    def _pairs(self, frame: Wireframe, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xy = points @ self.projection
        seg = xy[frame.lines.ravel()] if frame.lines.size else np.zeros((0, 2))
        return seg[:, 0], seg[:, 1]

    def set_structure(self, frame: Wireframe) -> None:
        p = frame.positions_m
        self.undeformed.setData(*self._pairs(frame, p))
        self.undeformed_nodes.setData(*(p @ self.projection).T)
        self.supports.setData(*(p[frame.fixed] @ self.projection).T)

    def fit(self, frame: Wireframe, reach_m: float) -> None:
        """Show the whole structure with room for displacements of ``reach_m``."""
        p = frame.positions_m
        flat = p @ self.projection
        lo, hi = flat.min(axis=0) - reach_m, flat.max(axis=0) + reach_m
        self.getPlotItem().setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.05)

    def set_deformed(self, frame: Wireframe, q: np.ndarray, pen_colour: str) -> None:
        self.deformed.setPen(pg.mkPen(pen_colour, width=2))
        self.nodes.setBrush(pg.mkBrush(pen_colour))
        self.deformed.setData(*self._pairs(frame, q))
        self.nodes.setData(*(q @ self.projection).T)



def _note(text: str, colour: str) -> QLabel:
    """A word-wrapped note in ``colour`` (what the view lacks, and what to do)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {colour};")
    return label


def _page(note: QLabel, body: QWidget) -> QWidget:
    """``note`` above ``body``, which takes the height."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(note)
    layout.addWidget(body, 1)
    return page

class ShapeView(QWidget):
    """The selected mode of the current recording animated on the project's geometry (see the module docstring).

    ``set_mode(index)`` selects the mode (None: none); the Geometry… button opens the geometry dialog.
    """

    def __init__(self, session, parent=None, *, source=None) -> None:
        """``source()`` gives the ``(modes, channel names)`` shown (default: the current recording's result)."""
        super().__init__(parent)
        self.session = session
        self._source = source or self._current_result
        self.mode_index: Optional[int] = None
        self.phase = 0.0  # rad
        self.frame: Optional[Wireframe] = None
        self._displacement: Optional[np.ndarray] = None
        self._positions: Optional[np.ndarray] = None
        self._frame_channels: tuple[str, ...] = ()  # the channels the frame was built for
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.advance)

        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setToolTip("Play or pause the animation")
        self.play.toggled.connect(self._play_toggled)
        self.amplitude = parameter_widget(AnimationSettings, "amplitude")
        self.speed = parameter_widget(AnimationSettings, "cycles_per_second")
        self.phase_slider = QSlider(Qt.Orientation.Horizontal)
        self.phase_slider.setRange(0, 359)
        self.phase_slider.setToolTip("Phase angle of the vibration, degrees: the displacement is Re(φ·e^{iθ})")
        self.phase_slider.valueChanged.connect(self._slider_moved)
        self.amplitude.valueChanged.connect(self._amplitude_changed)
        self.speed.valueChanged.connect(lambda _: self._timer.setInterval(self._interval_ms()))
        self.geometry_button = QPushButton("Geometry…")
        self.geometry_button.setToolTip("Nodes, lines and which channel measures which node; load geometry and lines CSVs")
        self.geometry_button.clicked.connect(self._geometry_clicked)
        self.export_png_button = QPushButton("PNG…")
        self.export_png_button.setToolTip("Export the mode shape at this phase as a PNG image")
        self.export_png_button.clicked.connect(lambda: self._export("png"))
        self.export_gif_button = QPushButton("GIF…")
        self.export_gif_button.setToolTip("Export one vibration cycle as an animated GIF")
        self.export_gif_button.clicked.connect(lambda: self._export("gif"))

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play)
        for label, w in (("Amplitude", self.amplitude), ("Speed", self.speed)):
            controls.addWidget(QLabel(label))
            controls.addWidget(w)
        controls.addWidget(QLabel("Phase"))
        self.phase_slider.setMinimumWidth(90)
        controls.addWidget(self.phase_slider, 1)

        self.title = QLabel()
        self.title.setObjectName("shapeTitle")
        self.title.setWordWrap(True)  # two lines rather than cut off beside the buttons in a narrow panel
        self.title.setMinimumWidth(120)
        self.hint = _note("No geometry: the shape is shown per channel. Load a geometry (Geometry…) to see the "
                          "structure move.", "#806000")
        self.bar_chart = ModeShapePlot()

        self.orbit = OrbitView()
        self.orbit.undeformed_colour = UNDEFORMED
        self.planes = [_PlaneView(title, camera, labels) for _tab, title, camera, labels in VIEWS]
        self.tabs = QTabWidget()  # one view at a time, each at the panel's full size
        self.tabs.addTab(self.orbit, "3D")
        for plane, (tab, *_rest) in zip(self.planes, VIEWS):
            self.tabs.addTab(plane, tab)

        self.unplaced = _note("", "#b06000")  # which of the mode's channels the geometry does not place, and what to do
        self.unplaced.setObjectName("unplacedChannels")
        self.unplaced.setVisible(False)
        self.pages = QStackedWidget()
        self.pages.addWidget(_page(self.hint, self.bar_chart))
        self.pages.addWidget(_page(self.unplaced, self.tabs))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        header = QHBoxLayout()  # the title, and what acts on the whole view: its geometry, its export
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title, 1)
        for w in (self.geometry_button, self.export_png_button, self.export_gif_button):
            header.addWidget(w)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        layout.addLayout(controls)
        session.changed.connect(self._session_changed)
        self._structure_changed()

    # ---- the model ----------------------------------------------------------------------------------------------
    @property
    def showing_structure(self) -> bool:
        return self.pages.currentIndex() == 1

    def animation_settings(self) -> AnimationSettings:
        return AnimationSettings(amplitude=value_of(self.amplitude), cycles_per_second=value_of(self.speed))

    def _current_result(self):
        entry = self.session.current
        return ((), ()) if entry is None or entry.result is None else (entry.result.modes, entry.result.channels)

    def _modes(self):
        return self._source()[0]

    def _channels(self):
        return self._source()[1]

    def refresh(self) -> None:
        """Draw again from the source (a source other than the session says when it changed)."""
        if self._mode() is None:
            self.mode_index = 0 if self._modes() else None
        self._shape_changed()

    def _mode(self):
        modes = self._modes()
        return modes[self.mode_index] if self.mode_index is not None and self.mode_index < len(modes) else None

    def set_mode(self, index: Optional[int]) -> None:
        """Show mode ``index`` of the current recording's result (None or out of range: no mode)."""
        self.mode_index = index
        self._shape_changed()

    def _session_changed(self, what: str) -> None:
        if what in ("geometry", "project"):
            self._structure_changed()
        elif what in ("result", "current", "recordings"):
            if self._mode() is None:
                self.mode_index = 0 if self._modes() else None
            self._shape_changed()

    def _structure_changed(self) -> None:
        geometry = self.session.state.geometry
        self.frame = None
        self._frame_channels = tuple(self._channels())
        if geometry is not None and (geometry.sensors or geometry.nodes):
            try:  # channels named after a node with a direction suffix are placed there, as the nodes were named
                self.frame = wireframe(channels_on_nodes(geometry, self._frame_channels))
            except Exception as exc:  # noqa: BLE001 - a geometry the dialog let through but cannot be drawn
                from ui.errors import message_for

                self.hint.setText(f"The geometry cannot be drawn: {message_for(exc)}")
        if self.frame is not None:
            for view in self.planes:
                view.set_structure(self.frame)
            self.orbit.set_structure(self.frame, self._reach_m())
            self._fit_views()
        self._shape_changed()

    def _shape_changed(self) -> None:
        mode = self._mode()
        channels = self._channels()
        if tuple(channels) != self._frame_channels:  # other channels: placed on the geometry anew
            self._structure_changed()
            return
        if mode is None:
            self.title.setText("No mode selected" if not self._modes() else "")
        else:
            self.title.setText(f"<b>Mode {self.mode_index + 1}</b>: {mode.frequency_hz:.3f} Hz, "
                               f"ζ = {100 * mode.damping_ratio:.2f} %, MPC {mode.mpc:.2f}")
        self.bar_chart.set_mode(mode, channels, self.mode_index or 0)
        self.pages.setCurrentIndex(1 if self.frame is not None else 0)
        if self.frame is None:
            self._displacement = None
            self.play.setChecked(False)
        else:
            known = None if mode is None else np.isfinite(mode.shape)  # a merged mode may miss some points
            self._displacement = None if mode is None else node_displacements(
                self.frame, mode.shape[known], [c for c, k in zip(channels, known) if k],
                unmeasured=self.session.state.geometry.unmeasured)
        self._say_unplaced(() if mode is None or self.frame is None else channels)
        for w in (self.play, self.phase_slider, self.export_gif_button, self.amplitude, self.speed):
            w.setEnabled(self._displacement is not None)
        self.export_png_button.setEnabled(mode is not None)
        self._redraw()

    def unplaced_channels(self, channels) -> list[str]:
        """Those of ``channels`` the geometry does not place: no sensor of that name, or one without a direction."""
        placed = {c for c, d in zip(self.frame.channels, self.frame.directions) if np.any(d != 0)}
        return [c for c in channels if c not in placed]

    def _say_unplaced(self, channels) -> None:
        missing = self.unplaced_channels(channels) if channels else []
        if missing:
            listed = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            what = (f"None of this mode's {len(channels)} points is on the geometry" if len(missing) == len(channels)
                    else f"{len(missing)} of this mode's {len(channels)} points are not on the geometry")
            self.unplaced.setText(f"{what}: neither a sensor with a direction nor a node is named after {listed}. "
                                  f"Assign them to nodes in Geometry… ▸ Channels.")
        self.unplaced.setVisible(bool(missing))

    # ---- drawing ------------------------------------------------------------------------------------------------
    def _reach_m(self) -> float:
        """How far a node may be drawn from its place, m (with a margin)."""
        return 1.1 * value_of(self.amplitude) * self.frame.size_m

    def _fit_views(self) -> None:
        reach = self._reach_m()
        self.orbit.set_reach(reach)
        for view in self.planes:
            view.fit(self.frame, reach)

    def _amplitude_changed(self, _value) -> None:
        if self.frame is not None:
            self._fit_views()
        self._redraw()

    def deformed_positions(self) -> Optional[np.ndarray]:
        """(n_nodes, 3) node positions drawn now, m (None without a geometry or a mode)."""
        return self._positions

    def _redraw(self) -> None:
        if self.frame is None:
            self._positions = None
            return
        if self._displacement is None:
            q = self.frame.positions_m
        else:
            q = deformed_positions(self.frame, self._displacement, self.phase, value_of(self.amplitude))
        self._positions = q
        c = colour(self.mode_index or 0) if self._displacement is not None else UNDEFORMED
        for view in self.planes:
            view.set_deformed(self.frame, q, c)
        self.orbit.set_deformed(q, c)

    # ---- animation ----------------------------------------------------------------------------------------------
    def _interval_ms(self) -> int:
        return max(10, round(1000 * self.animation_settings().frame_duration_s))

    def _play_toggled(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        if on:
            self._timer.start(self._interval_ms())
        else:
            self._timer.stop()

    def advance(self) -> None:
        """One frame on: the phase moves by a cycle over ``frames_per_cycle``."""
        self.set_phase(self.phase + 2 * np.pi / AnimationSettings().frames_per_cycle)

    def set_phase(self, phase_rad: float) -> None:
        self.phase = float(phase_rad) % (2 * np.pi)
        self.phase_slider.blockSignals(True)
        self.phase_slider.setValue(round(np.degrees(self.phase)) % 360)
        self.phase_slider.blockSignals(False)
        self._redraw()

    def _slider_moved(self, degrees: int) -> None:
        self.phase = np.radians(degrees)
        self._redraw()

    # ---- actions ------------------------------------------------------------------------------------------------
    def _geometry_clicked(self) -> None:
        from ui.geometry_dialog import GeometryDialog

        GeometryDialog(self.session, self, channels=self._channels()).open()

    def export_camera(self) -> tuple[float, float]:
        """(elevation, azimuth) in degrees of the view in front: the 3D view's camera, or a plane's."""
        plane = self.tabs.currentIndex() - 1
        return (self.orbit.elevation_deg, self.orbit.azimuth_deg) if plane < 0 else self.planes[plane].camera

    def export(self, path, kind: str) -> None:
        """Write the shown mode as ``kind`` ``"png"`` (at the current phase) or ``"gif"`` (one cycle, looping) to
        ``path``: on the structure as the view in front projects it, or without a geometry as the bar chart
        (:mod:`shm_app.output.figures`, the command line's)."""
        from shm_app.output import figures

        mode, channels = self._mode(), self._channels()
        if self.frame is None or self._displacement is None:
            figures.mode_png(path, mode, channels, None, index=self.mode_index)
            return
        settings = self.animation_settings()
        title = figures.mode_title(mode, self.mode_index or 0)
        note = f"largest displacement drawn as {100 * settings.amplitude:g} % of {self.frame.size_m:g} m"
        size = EXPORT_PX[kind]
        camera = self.export_camera()

        palette = theme_colours("light").palette  # a document, in the light theme (:meth:`OrbitView.render_image`)

        def picture(phase: float):
            self.orbit.set_deformed(deformed_positions(self.frame, self._displacement, phase, settings.amplitude),
                                    palette[(self.mode_index or 0) % len(palette)])
            return self.orbit.render_image(*size, title=title, note=note, camera=camera)

        try:
            if kind == "png":
                atomic_write_bytes(Path(path), png_bytes(picture(self.phase)))
            else:
                write_gif(Path(path), [picture(phase) for phase in phases(settings.frames_per_cycle)],
                          settings.frame_duration_s)
        finally:
            self._redraw()

    def _export(self, kind: str) -> None:
        if self._mode() is None:
            return
        name = f"mode-{self.mode_index + 1}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export mode {self.mode_index + 1}", name,
                                              "PNG image (*.png)" if kind == "png" else "Animated GIF (*.gif)")
        if not path:
            return
        try:
            self.export(path, kind)
        except Exception as exc:  # noqa: BLE001 - the one error path: a dialog, bugs logged
            from ui.errors import show_error

            show_error(self, "Export", exc)


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def write_gif(path: Path, images: list[QImage], frame_duration_s: float) -> None:
    """``images`` as a looping animated GIF (64 colours, like the command line's), written atomically."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(png_bytes(image))).convert("RGB").quantize(colors=64,
                                                                                 method=Image.Quantize.MEDIANCUT)
              for image in images]
    with atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                       duration=max(20, round(1000 * frame_duration_s)), disposal=1)
