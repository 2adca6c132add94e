"""Plots of the signals (pyqtgraph): stacked time series with the analysis window, PSD of every channel (and the PSD
before preprocessing behind it), spectrogram of one channel."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel

from ui.envelope import MinMaxPyramid
from ui.plot_style import ChannelCurves, PlotTheme, colour, follow_theme, style_axes, theme_colours


class ChannelAxis(pg.AxisItem):
    """Left axis of the stacked time series: one label per channel at its offset, thinned to what fits (never two
    labels closer than a line of text), hidden channels left out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setStyle(textFillLimits=[(0, 2.0)])  # the labels are thinned here; pyqtgraph would drop them all
        self._offsets = np.empty(0)
        self._names: list[str] = []
        self._shown = np.empty(0, bool)

    def set_channels(self, offsets: np.ndarray, names: Sequence[str]) -> None:
        self._offsets, self._names = np.asarray(offsets, float), list(names)
        self._shown = np.ones(len(self._names), bool)
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        widest = max((metrics.horizontalAdvance(n) for n in self._names), default=20)
        self.setWidth(widest + metrics.height() + self.style["tickTextOffset"][0] + 14)  # names, title, ticks
        self.picture = None
        self.update()

    def set_shown(self, shown: Sequence[bool]) -> None:
        self._shown = np.asarray(shown, bool)[:len(self._names)]
        self.picture = None
        self.update()

    def label_height_px(self) -> int:
        font = self.style.get("tickFont") or self.font()
        return QFontMetrics(font).height() + 3

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        if not self._names:
            return super().tickValues(minVal, maxVal, size)
        px_per_unit = size / max(maxVal - minVal, 1e-300)
        gap = self.label_height_px() / px_per_unit
        kept: list[float] = []
        for k in np.argsort(-self._offsets):  # top first: the first channel always has its label
            o = self._offsets[k]
            if minVal <= o <= maxVal and (k >= len(self._shown) or self._shown[k]) and \
                    (not kept or kept[-1] - o >= gap):
                kept.append(float(o))
        step = float(np.diff(np.sort(self._offsets)).min()) if len(self._offsets) > 1 else 1.0
        return [(step, kept)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if not self._names:
            return super().tickStrings(values, scale, spacing)
        return [self._names[int(np.argmin(np.abs(self._offsets - v)))] for v in values]

    def visible_labels(self) -> list[str]:
        """The labels drawn at the current range and height (for tests and screenshots)."""
        lo, hi = self.range
        values = self.tickValues(lo, hi, self.geometry().height())[0][1]
        return self.tickStrings(values, 1.0, 1.0)


class _EnvelopeCurve(pg.PlotCurveItem):
    """A channel's curve holding only what the view shows; its bounds are the whole record's, so auto-range and
    'View All' see everything."""

    bounds = ((0.0, 1.0), (0.0, 1.0))

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802
        return self.bounds[ax]


class _WindowViewBox(pg.ViewBox):
    """Shift + left drag (or any left drag in window mode) draws the analysis window instead of panning."""

    def __init__(self, on_drag) -> None:
        super().__init__()
        self._on_drag = on_drag
        self.window_mode = False

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() == Qt.MouseButton.LeftButton and (shift or self.window_mode):
            ev.accept()
            x0 = self.mapSceneToView(ev.buttonDownScenePos()).x()
            x1 = self.mapSceneToView(ev.scenePos()).x()
            self._on_drag(min(x0, x1), max(x0, x1), ev.isFinish())
        else:
            super().mouseDragEvent(ev, axis)


class TimeSeriesPlot(ChannelCurves, pg.PlotWidget):
    """All channels against time, stacked with a common spacing so each trace is readable.

    Long records stay fluid: each curve holds only the view's min/max envelope (two points per pixel, from a
    :class:`~ui.envelope.MinMaxPyramid`) or, zoomed in, the samples themselves; nothing copies the record.

    The analysis window is a shaded region: drag with Shift (or in :meth:`set_window_mode`) to draw it, drag its
    edges to change it; ``sigWindowChanged(start_s, end_s)`` when the user sets it, ``sigWindowCleared`` when the
    user removes it (context menu).
    """

    sigWindowChanged = Signal(float, float)
    sigWindowCleared = Signal()

    def __init__(self, parent=None) -> None:
        self._view_box = _WindowViewBox(self._drag_window)
        self._axis = ChannelAxis("left")
        super().__init__(parent, viewBox=self._view_box, axisItems={"left": self._axis})
        item = self.getPlotItem()
        style_axes(item, "Time [s]", "Channel")
        self._axis.enableAutoSIPrefix(False)
        self._curves: list[_EnvelopeCurve] = []
        self._t = np.empty(0)
        self._pyramid: Optional[MinMaxPyramid] = None
        self._offsets = np.empty(0)
        self.spacing = 1.0
        self.region = pg.LinearRegionItem(orientation="vertical", movable=True)
        self.region.setZValue(-10)
        self.region.setVisible(False)
        item.addItem(self.region, ignoreBounds=True)
        self.region.sigRegionChangeFinished.connect(self._region_moved)
        self._setting_region = False
        menu = self._view_box.menu
        menu.addSeparator()
        menu.addAction("Analysis window = this view", self._window_from_view)
        menu.addAction("Clear the analysis window", self._clear_by_user)
        self._view_box.sigXRangeChanged.connect(self._refresh)
        self._view_box.sigResized.connect(self._refresh)
        follow_theme(self)

    # ---- data ----------------------------------------------------------------------------------------------
    def set_signals(self, t: np.ndarray, data: np.ndarray, names: Sequence[str]) -> None:
        """Show ``data`` (n_samples, n_channels), m/s², sampled at times ``t`` (s); neither is copied."""
        item = self.getPlotItem()
        for c in self._curves:
            item.removeItem(c)
        self._t = np.asarray(t)
        self._pyramid = MinMaxPyramid(np.asarray(data))
        rms = self._pyramid.rms
        self.spacing = float(8 * np.median(rms)) if np.any(rms > 0) else 1.0
        n = len(names)
        self._offsets = self.spacing * (n - 1 - np.arange(n))
        mean = self._pyramid.mean
        t0, t1 = (float(self._t[0]), float(self._t[-1])) if self._t.size else (0.0, 1.0)
        self._curves = []
        for k, name in enumerate(names):
            curve = _EnvelopeCurve(pen=pg.mkPen(colour(k), width=1), name=name, antialias=False)
            low = self._pyramid.minimum[k] - mean[k] + self._offsets[k]
            high = self._pyramid.maximum[k] - mean[k] + self._offsets[k]
            curve.bounds = ((t0, t1), (min(low, self._offsets[k] - self.spacing / 2),
                                       max(high, self._offsets[k] + self.spacing / 2)))
            item.addItem(curve)
            self._curves.append(curve)
        self._axis.set_channels(self._offsets, names)
        item.setLabel("left", f"Channel (spacing {self.spacing:.3g} m/s²)")
        self.region.setBounds((t0, t1))
        item.enableAutoRange()
        item.autoRange()
        self._refresh()

    def channel_rms(self) -> np.ndarray:
        """(n_channels,) root mean square about the mean of the record shown (from the envelopes' pass over it)."""
        return self._pyramid.rms

    def set_visible_channels(self, visible: Sequence[bool]) -> None:
        super().set_visible_channels(visible)
        self._axis.set_shown(visible)
        self._refresh()

    def _refresh(self, *_args) -> None:
        """Give every shown curve what the view covers: the envelope per pixel, or the samples."""
        if self._pyramid is None or not self._curves or self._t.size == 0:
            return
        (x0, x1), _ = self._view_box.viewRange()
        t = self._t
        i0 = max(int(np.searchsorted(t, x0, "left")) - 1, 0)
        i1 = min(int(np.searchsorted(t, x1, "right")) + 1, t.size)
        width = max(int(self._view_box.width() * self.devicePixelRatioF()), 1)
        env = self._pyramid.envelope(i0, i1, width)
        x = t[env.index]
        mean = self._pyramid.mean
        for k, curve in enumerate(self._curves):
            if curve.isVisible():
                curve.setData(x, env.values[:, k] + (self._offsets[k] - mean[k]))

    # ---- analysis window -------------------------------------------------------------------------------------
    def set_window_mode(self, on: bool) -> None:
        """While on, a left drag draws the analysis window instead of panning (Shift + drag always does)."""
        self._view_box.window_mode = bool(on)

    def set_window(self, start_s: Optional[float], end_s: Optional[float] = None) -> None:
        """Show the stored analysis window (``None``: the whole record, no region); emits nothing."""
        self._setting_region = True
        try:
            if start_s is None and end_s is None:
                self.region.setVisible(False)
            else:
                t0, t1 = (float(self._t[0]), float(self._t[-1])) if self._t.size else (0.0, math.inf)
                self.region.setRegion((t0 if start_s is None else start_s, t1 if end_s is None else end_s))
                self.region.setVisible(True)
        finally:
            self._setting_region = False

    def window(self) -> Optional[tuple[float, float]]:
        """The analysis window shown, (start_s, end_s), or None."""
        if not self.region.isVisible():
            return None
        a, b = self.region.getRegion()
        return float(a), float(b)

    def clear_window(self) -> None:
        """Remove the region (as the context menu does) and emit ``sigWindowCleared``."""
        self._clear_by_user()

    def _clear_by_user(self) -> None:
        was = self.region.isVisible()
        self.set_window(None)
        if was:
            self.sigWindowCleared.emit()

    def _window_from_view(self) -> None:
        (x0, x1), _ = self._view_box.viewRange()
        self._drag_window(x0, x1, True)

    def _drag_window(self, start: float, end: float, finished: bool) -> None:
        if self._t.size:
            start, end = max(start, float(self._t[0])), min(end, float(self._t[-1]))
        if end <= start:
            return
        self.set_window(start, end)
        if finished:
            self.sigWindowChanged.emit(float(start), float(end))

    def _region_moved(self) -> None:
        if not self._setting_region and self.region.isVisible():
            a, b = self.region.getRegion()
            self.sigWindowChanged.emit(float(a), float(b))

    def apply_theme(self, theme: PlotTheme) -> None:
        super().apply_theme(theme)
        self.region.setBrush(pg.mkBrush(*theme.region))
        self.region.setHoverBrush(pg.mkBrush(*theme.region[:3], min(255, 2 * theme.region[3])))
        for line in self.region.lines:
            line.setPen(pg.mkPen(theme.region[:3], width=2))


class PsdPlot(ChannelCurves, pg.PlotWidget):
    """Welch power spectral density of every channel, logarithmic, with the legend beside the plot (never over
    it; several columns when the channels do not fit one, hidden with :meth:`set_legend_visible` or the context
    menu). :meth:`set_reference` draws a PSD behind, thin and muted, as "before" (preprocessing)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        item = self.getPlotItem()
        style_axes(item, "Frequency [Hz]", "PSD [(m/s²)²/Hz]")
        item.setLogMode(x=False, y=True)
        item.getAxis("left").enableAutoSIPrefix(False)
        self._legend = pg.LegendItem(labelTextSize="8pt", verSpacing=-6, horSpacing=8)
        self._layout = pg.GraphicsLayout()
        self.setCentralItem(self._layout)
        self._layout.addItem(item, 0, 0)
        self._layout.addItem(self._legend, 0, 1)
        self._layout.layout.setAlignment(self._legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._layout.layout.setColumnStretchFactor(0, 1)
        self._legend_shown = True
        self._curves: list = []
        self._reference: list = []
        self._names: list[str] = []
        self._visible: Optional[list[bool]] = None
        self._legend_action = self.getPlotItem().getViewBox().menu.addAction("Legend")
        self._legend_action.setCheckable(True)
        self._legend_action.setChecked(True)
        self._legend_action.toggled.connect(self.set_legend_visible)
        self._note = QLabel(self)
        self._note.setObjectName("plotNote")
        self._note.setVisible(False)
        follow_theme(self)

    def set_psd(self, frequencies_hz: np.ndarray, psd: np.ndarray, names: Sequence[str]) -> None:
        """Show ``psd`` (n_freqs, n_channels), (m/s²)²/Hz, at ``frequencies_hz`` (Hz), one curve per channel."""
        item = self.getPlotItem()
        self.set_note("")
        keep = frequencies_hz > 0
        f, p = frequencies_hz[keep], np.maximum(psd[keep], np.finfo(float).tiny)
        if list(names) == self._names and len(self._curves) == len(names):  # the same channels: new values only
            for k, curve in enumerate(self._curves):
                curve.setData(f, p[:, k])
            self._layout.layout.invalidate()  # the legend re-sizes itself at (0, 0) when its curves change
        else:
            for c in self._curves:
                item.removeItem(c)
            self._names = list(names)
            self._curves = [item.plot(f, p[:, k], pen=pg.mkPen(colour(k), width=1)) for k in range(len(names))]
            self._rebuild_legend()
        if self._visible is not None and len(self._visible) == len(self._curves):
            self.set_visible_channels(self._visible)
        item.enableAutoRange()

    def set_pending(self, text: str) -> None:
        """No spectra yet: the curves go and ``text`` says what is coming."""
        item = self.getPlotItem()
        for c in self._curves + self._reference:
            item.removeItem(c)
        self._curves, self._reference, self._names = [], [], []
        self._legend.clear()
        self.set_note(text)

    def set_note(self, text: str) -> None:
        """Say over the top of the plot what is drawn (a preview) or coming; :meth:`set_psd` removes it. A label
        over the view, not a plot title: the plot's layout does not change when it comes and goes."""
        self._note.setText(text)
        self._note.adjustSize()
        self._note.move(max((self.width() - self._note.width()) // 2, 0), 2)
        self._note.setVisible(bool(text))

    def note(self) -> str:
        return self._note.text() if self._note.isVisibleTo(self) else ""

    def set_reference(self, frequencies_hz: Optional[np.ndarray], psd: Optional[np.ndarray]) -> None:
        """Draw ``psd`` (n_freqs, n_channels) or (n_freqs,), (m/s²)²/Hz, behind the channels, thin and muted, with
        the legend entry "before"; ``None`` removes it."""
        item = self.getPlotItem()
        for c in self._reference:
            item.removeItem(c)
        self._reference = []
        if frequencies_hz is not None and psd is not None:
            p = np.asarray(psd).reshape(len(frequencies_hz), -1)
            keep = np.asarray(frequencies_hz) > 0
            pen = pg.mkPen(theme_colours().muted, width=1)
            for k in range(p.shape[1]):
                c = item.plot(frequencies_hz[keep], np.maximum(p[keep, k], np.finfo(float).tiny), pen=pen)
                c.setZValue(-5)
                self._reference.append(c)
            if self._visible is not None and len(self._visible) == len(self._reference):
                for c, v in zip(self._reference, self._visible):
                    c.setVisible(bool(v))
        self._rebuild_legend()

    def has_reference(self) -> bool:
        return bool(self._reference)

    def set_visible_channels(self, visible: Sequence[bool]) -> None:
        self._visible = [bool(v) for v in visible]
        super().set_visible_channels(visible)
        if len(self._reference) == len(self._visible):
            for c, v in zip(self._reference, self._visible):
                c.setVisible(v)

    def set_legend_visible(self, shown: bool) -> None:
        """Show or hide the legend column (the plot takes the width)."""
        self._legend_shown = bool(shown)
        self._legend_action.blockSignals(True)
        self._legend_action.setChecked(self._legend_shown)
        self._legend_action.blockSignals(False)
        self._legend.setVisible(self._legend_shown)
        self._layout.layout.setColumnMaximumWidth(1, 1e6 if self._legend_shown else 0)
        self._fit_legend()

    def legend_entries(self) -> list[str]:
        return [label.text for _, label in self._legend.items]

    @property
    def legend(self) -> pg.LegendItem:
        return self._legend

    def _rebuild_legend(self) -> None:
        self._legend.clear()
        if self._reference:
            self._legend.addItem(self._reference[0], "before")
        for curve, name in zip(self._curves, self._names):
            self._legend.addItem(curve, name)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend columns as the height needs; the legend's size from its entries' own sizes (the layout
        would otherwise stretch them to the plot's height)."""
        n = len(self._legend.items) if "_legend" in self.__dict__ else 0
        if not n:
            return
        labels = [label for _, label in self._legend.items]
        row_px = max(max(label.minimumHeight() for label in labels), 20) + self._legend.layout.verticalSpacing()
        rows = max(int((self.height() - 40) // row_px), 1)
        columns = max(1, math.ceil(n / rows))
        self._legend.setColumnCount(columns)
        rows = math.ceil(n / columns)
        col_px = 20 + max(label.minimumWidth() for label in labels) + 2 * self._legend.layout.horizontalSpacing()
        width, height = (columns * col_px, rows * row_px + 6) if self._legend_shown else (0, 0)
        self._legend.setMinimumSize(width, height)
        self._legend.setMaximumSize(width, height)

    def resizeEvent(self, ev) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self._fit_legend()
        if "_note" in self.__dict__:
            self.set_note(self.note())

    def close(self) -> None:
        """Close as a plain PlotWidget: the plot back at the centre (the layout would delete it a second time)."""
        self._layout.removeItem(self.plotItem)
        self._layout.removeItem(self._legend)
        self.setCentralItem(self.plotItem)
        super().close()

    def apply_theme(self, theme: PlotTheme) -> None:
        super().apply_theme(theme)
        self._note.setStyleSheet(f"QLabel#plotNote {{ color: {theme.foreground}; background: {theme.background}; "
                                 f"border: 1px solid {theme.muted}; padding: 2px 6px; }}")
        for c in self._reference:
            c.setPen(pg.mkPen(theme.muted, width=1))
        self._legend.setLabelTextColor(theme.foreground)


class SpectrogramPlot(pg.PlotWidget):
    """Spectrogram of one channel in dB, with a colour bar."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        style_axes(self.getPlotItem(), "Time [s]", "Frequency [Hz]")
        self.image = pg.ImageItem()
        self.getPlotItem().addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), label="PSD [dB re 1 (m/s²)²/Hz]",
                                        interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=self.getPlotItem())
        follow_theme(self)

    def set_spectrogram(self, sg, channel_name: str = "") -> None:
        if sg is None or sg.psd.size == 0:
            self.image.clear()
            return
        db = 10 * np.log10(np.maximum(sg.psd, np.finfo(float).tiny))
        lo, hi = np.percentile(db, [5, 99.9])
        self.image.setImage(db, autoLevels=False, levels=(lo, hi))
        dt = sg.times_s[1] - sg.times_s[0] if sg.times_s.size > 1 else 1.0
        df = sg.frequencies_hz[1] - sg.frequencies_hz[0] if sg.frequencies_hz.size > 1 else 1.0
        self.image.setRect(pg.QtCore.QRectF(sg.times_s[0] - dt / 2, sg.frequencies_hz[0] - df / 2,
                                            dt * sg.times_s.size, df * sg.frequencies_hz.size))
        self.colorbar.setLevels((lo, hi))
        self.getPlotItem().setTitle(f"Spectrogram of {channel_name}" if channel_name else "",
                                    color=theme_colours().foreground)
        self.getPlotItem().enableAutoRange()

    def apply_theme(self, theme: PlotTheme) -> None:
        axis = self.colorbar.axis
        axis.setPen(theme.foreground)
        axis.setTextPen(theme.foreground)
