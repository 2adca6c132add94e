"""A software 3D view of a wireframe (QPainter, no OpenGL: it works offscreen and on every remote desktop).

The structure is projected orthographically by an orbit camera: azimuth around z (from x) and elevation above the
x-y plane, the same projection as the report's oblique figure and the plan, elevation and side views
(:func:`shm_app.output.figures.view_axes`; plan is elevation 90°, azimuth −90°). Left-drag orbits (0.4° per
pixel), the wheel zooms, a double-click resets the camera. The undeformed structure is grey, the deformed one in
the mode's colour, supports are triangles, an x-y-z triad shows the orientation.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from shm_app.geometry.model import Wireframe
from shm_app.output.figures import view_axes
from ui.plot_style import PlotTheme, follow_theme, theme_colours

HOME = (25.0, -60.0)  # elevation, azimuth (degrees) of the reset camera: the report's oblique view
DEGREES_PER_PIXEL = 0.4
FILL = 0.85  # the structure at home (displacements included) spans this fraction of the width or height


class OrbitView(QWidget):
    """The wireframe of :meth:`set_structure` with the node positions of :meth:`set_deformed`, seen by an orbit
    camera (``elevation_deg``, ``azimuth_deg``, ``zoom``)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.elevation_deg, self.azimuth_deg = HOME
        self.zoom = 1.0
        self.frame: Optional[Wireframe] = None
        self.positions: Optional[np.ndarray] = None  # (n_nodes, 3) deformed, m
        self.colour = "#b4b4b4"
        self.undeformed_colour = "#b4b4b4"
        self.reach_m = 0.0
        self._drag: Optional[tuple[QPointF, float, float]] = None
        self._theme: PlotTheme = theme_colours()
        self.setMinimumSize(160, 120)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Drag to orbit, wheel to zoom, double-click to reset the view")
        follow_theme(self)

    # ---- content ------------------------------------------------------------------------------------------------
    def apply_theme(self, theme: PlotTheme) -> None:
        self._theme = theme
        self.update()

    def set_structure(self, frame: Wireframe, reach_m: float) -> None:
        """Draw ``frame``, with room for displacements of ``reach_m`` at any camera angle."""
        self.frame, self.reach_m = frame, float(reach_m)
        self.positions = frame.positions_m
        self.update()

    def set_reach(self, reach_m: float) -> None:
        self.reach_m = float(reach_m)
        self.update()

    def set_deformed(self, positions_m: np.ndarray, colour: str) -> None:
        """(n_nodes, 3) node positions drawn in ``colour``, m."""
        self.positions, self.colour = positions_m, colour
        self.update()

    # ---- camera -------------------------------------------------------------------------------------------------
    def projection(self) -> np.ndarray:
        """(3, 2) orthographic projection of the camera: screen (right, up) = ``points @ projection()``."""
        return view_axes(self.elevation_deg, self.azimuth_deg)

    def set_camera(self, elevation_deg: float, azimuth_deg: float, zoom: Optional[float] = None) -> None:
        self.elevation_deg = float(np.clip(elevation_deg, -90.0, 90.0))
        self.azimuth_deg = float((azimuth_deg + 180.0) % 360.0 - 180.0)
        if zoom is not None:
            self.zoom = float(np.clip(zoom, 0.1, 50.0))
        self.update()

    def reset_camera(self) -> None:
        self.set_camera(*HOME, zoom=1.0)

    def _centre_and_scale(self, width: float, height: float) -> tuple[np.ndarray, float]:
        """The point at the screen's centre (m) and pixels per metre for a drawing ``width`` × ``height`` px."""
        p = self.frame.positions_m
        return (p.min(axis=0) + p.max(axis=0)) / 2, self.zoom * self.fit_scale(width, height)

    def fit_scale(self, width: float, height: float) -> float:
        """Pixels per metre at zoom 1: the structure seen from the home camera, with room for displacements of
        ``reach_m`` on every side, fills ``FILL`` of the drawing's width or height (whichever is reached first). It
        stays while the camera orbits (the wheel zooms)."""
        flat = self.frame.positions_m @ view_axes(*HOME)
        extent = np.ptp(flat, axis=0) + 2 * self.reach_m
        return float(min(FILL * width / max(extent[0], 1e-9), FILL * height / max(extent[1], 1e-9)))

    def to_screen(self, points_m: np.ndarray, width: Optional[float] = None, height: Optional[float] = None,
                  projection: Optional[np.ndarray] = None) -> np.ndarray:
        """(n, 2) pixel coordinates (x right, y down) of ``points_m`` (n, 3) in a drawing of the widget's size
        (or ``width`` × ``height``), seen by the camera (or through ``projection``, (3, 2))."""
        w = float(self.width() if width is None else width)
        h = float(self.height() if height is None else height)
        centre, scale = self._centre_and_scale(w, h)
        flat = (np.asarray(points_m, float) - centre) @ (self.projection() if projection is None else projection)
        return np.column_stack([w / 2 + scale * flat[:, 0], h / 2 - scale * flat[:, 1]])

    # ---- mouse --------------------------------------------------------------------------------------------------
    def mousePressEvent(self, ev) -> None:  # noqa: N802 - Qt API
        if ev.button() == Qt.MouseButton.LeftButton:
            self._drag = (ev.position(), self.elevation_deg, self.azimuth_deg)
            ev.accept()
        else:
            super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802
        if self._drag is None:
            return super().mouseMoveEvent(ev)
        start, elevation, azimuth = self._drag
        d = ev.position() - start
        self.set_camera(elevation + DEGREES_PER_PIXEL * d.y(), azimuth - DEGREES_PER_PIXEL * d.x())
        ev.accept()

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802
        self._drag = None
        super().mouseReleaseEvent(ev)

    def mouseDoubleClickEvent(self, ev) -> None:  # noqa: N802
        self._drag = None
        self.reset_camera()
        ev.accept()

    def wheelEvent(self, ev) -> None:  # noqa: N802
        self.set_camera(self.elevation_deg, self.azimuth_deg, self.zoom * 1.0015 ** ev.angleDelta().y())
        ev.accept()

    # ---- drawing ------------------------------------------------------------------------------------------------
    def paintEvent(self, _ev) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            self.paint(painter, self.width(), self.height())
        finally:
            painter.end()

    def render_image(self, width: int, height: int, *, title: str = "", note: str = "",
                     camera: Optional[tuple[float, float]] = None) -> QImage:
        """The view as a ``width`` × ``height`` image with ``title`` above and ``note`` below (for export), seen
        by the camera or from ``camera`` (elevation, azimuth in degrees)."""
        image = QImage(width, height, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:  # a document: in the light theme whatever the screen's
            self.paint(painter, width, height, title=title, note=note, camera=camera, theme=theme_colours("light"),
                       font_pt=10.0)
        finally:
            painter.end()
        return image

    def paint(self, painter: QPainter, width: int, height: int, *, title: str = "", note: str = "",
              camera: Optional[tuple[float, float]] = None, theme: Optional[PlotTheme] = None,
              font_pt: Optional[float] = None) -> None:
        """Draw the structure on ``painter`` over ``width`` × ``height`` px (from ``camera``, else the camera's; in
        ``theme``, else the screen's)."""
        theme = theme or self._theme
        elevation, azimuth = camera or (self.elevation_deg, self.azimuth_deg)
        projection = view_axes(elevation, azimuth)
        painter.fillRect(QRectF(0, 0, width, height), QColor(theme.background))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(font_pt or max(font.pointSizeF() - 1, 7.0))
        painter.setFont(font)
        line_px = painter.fontMetrics().height()
        if self.frame is None:
            return
        top = line_px + 6 if title else 0  # the structure below the title; the text lines at the bottom lie in the
        bottom = line_px + 4  # margin the fit leaves (FILL), so on screen the widget's centre is the structure's
        area_h = max(height - top, 1)
        p0 = self.to_screen(self.frame.positions_m, width, area_h, projection) + [0, top]
        q = self.to_screen(self.positions, width, area_h, projection) + [0, top]
        self._draw_wire(painter, p0, QColor(self.undeformed_colour), 1.0, 3.0)
        self._draw_supports(painter, p0, QColor(theme.muted))
        self._draw_wire(painter, q, QColor(self.colour), 2.0, 4.5)
        self._draw_triad(painter, projection, QColor(theme.foreground), 12 + 30, height - bottom - 12 - 30)
        painter.setPen(QColor(theme.foreground))
        if title:
            painter.drawText(QRectF(0, 2, width, line_px + 4), Qt.AlignmentFlag.AlignHCenter, title)
        painter.drawText(QRectF(6, height - bottom, width - 12, bottom), Qt.AlignmentFlag.AlignLeft
                         | Qt.AlignmentFlag.AlignVCenter, f"azimuth {azimuth:.0f}°, elevation {elevation:.0f}°")
        if note:
            painter.drawText(QRectF(6, height - bottom, width - 12, bottom), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, note)

    def _draw_wire(self, painter: QPainter, xy: np.ndarray, colour: QColor, width: float, node_px: float) -> None:
        painter.setPen(QPen(colour, width))
        for a, b in self.frame.lines:
            painter.drawLine(QPointF(*xy[a]), QPointF(*xy[b]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        r = node_px / 2
        for x, y in xy:
            painter.drawEllipse(QPointF(x, y), r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_supports(self, painter: QPainter, xy: np.ndarray, colour: QColor) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        for x, y in xy[self.frame.fixed]:
            painter.drawPolygon(QPolygonF([QPointF(x, y), QPointF(x - 6, y + 10), QPointF(x + 6, y + 10)]))
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_triad(self, painter: QPainter, projection: np.ndarray, colour: QColor, x0: float, y0: float) -> None:
        """x, y and z as arrows 26 px long (shorter when seen end-on) from (x0, y0)."""
        painter.setPen(QPen(colour, 1.2))
        origin = QPointF(x0, y0)
        for axis, name in zip(projection, "xyz"):
            tip = QPointF(x0 + 26 * axis[0], y0 - 26 * axis[1])
            painter.drawLine(origin, tip)
            painter.drawText(QPointF(x0 + 34 * axis[0] - 3, y0 - 34 * axis[1] + 4), name)
