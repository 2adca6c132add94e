"""Plots of the identification (pyqtgraph): singular-value spectrum with the modes marked, stabilization diagram,
mode shape, AutoMAC."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFontMetrics

from dsp.modal import Mode, auto_mac
from dsp.spectral import SingularValueSpectrum
from dsp.stabilization import StabilizationDiagram
from shm_app.output.tables import with_interval
from ui.plot_style import ReplacedItems, colour, style_axes, theme_colours


class SelectViewBox(pg.ViewBox):
    """A view box where Shift + drag draws a box and reports it (data coordinates) instead of panning."""

    sigBoxSelected = Signal(object)  # QRectF

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.accept()
            if ev.isFinish():
                self.rbScaleBox.hide()
                start, end = self.mapToView(ev.buttonDownPos()), self.mapToView(ev.pos())
                self.sigBoxSelected.emit(QRectF(start, end).normalized())
            else:
                self.updateScaleBox(ev.buttonDownPos(), ev.pos())
            return
        super().mouseDragEvent(ev, axis)


def _db(values: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(values, np.finfo(float).tiny))


class SpectrumPlot(ReplacedItems, pg.PlotWidget):
    """Singular values of the spectral-density matrix (dB) with identified modes as vertical lines.

    A click emits ``sigFrequencyClicked(f)`` (the window adds the mode at that peak, or removes the mode there, for
    the frequency-domain methods)."""

    sigFrequencyClicked = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Frequency [Hz]", "Singular values [dB re 1 (m/s²)²/Hz]")
        self._items: list = []
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        self.sigFrequencyClicked.emit(float(vb.mapSceneToView(ev.scenePos()).x()))

    def set_spectrum(self, spectrum: Optional[SingularValueSpectrum], modes: Sequence[Mode] = (),
                     n_values: int = 3, fmax_hz: Optional[float] = None, manual: Sequence[int] = ()) -> None:
        item = self.getPlotItem()
        self._clear_items()
        if spectrum is None:
            return
        f = spectrum.frequencies_hz
        keep = f > 0 if fmax_hz is None else (f > 0) & (f <= fmax_hz)
        db = _db(spectrum.singular_values[keep])
        theme = theme_colours()
        greys = (theme.foreground, "#808080", theme.muted)  # the first singular value stands out in either theme
        for k in range(min(n_values, db.shape[1])):
            c = item.plot(f[keep], db[:, k], pen=pg.mkPen(greys[min(k, 2)], width=1.5 if k == 0 else 1))
            self._items.append(c)
        top = float(np.max(db[:, 0])) if db.size else 0.0
        for k, m in enumerate(modes):
            line = pg.InfiniteLine(pos=m.frequency_hz, angle=90, pen=pg.mkPen(colour(k), width=1.5,
                                                                              style=Qt.PenStyle.DashLine))
            label = pg.TextItem(f"{k + 1}{'*' if k in manual else ''}: {m.frequency_hz:.3f} Hz", color=colour(k),
                                anchor=(0, 0))
            label.setPos(m.frequency_hz, top)
            item.addItem(line)
            item.addItem(label)
            self._items += [line, label]
        item.enableAutoRange()


LEGEND_BAND = 1.2  # the order axis reaches this factor above the highest pole: the legend's row stays clear


class StabilizationPlot(ReplacedItems, pg.PlotWidget):
    """Poles by model order over the first singular value of the spectral matrix (right axis, grey): unstable
    poles grey crosses, stable in frequency blue, stable in frequency, damping and shape green; the selected modes as
    lines with the poles each was estimated from ringed in its colour; stable columns the automation left out
    marked ▲ at the top, their reason in the tooltip.

    Interaction: click a pole to add the mode of its column (``sigPoleClicked``), click a ringed pole or a mode's
    line to remove that mode (``sigModeClicked``), Shift + drag a box around poles to add a mode from them
    (``sigPolesSelected``)."""

    sigPoleClicked = Signal(int)
    sigModeClicked = Signal(int)
    sigPolesSelected = Signal(object)  # np.ndarray of pole indices

    def __init__(self, parent=None) -> None:
        self.view_box = SelectViewBox()
        super().__init__(parent, background="w", viewBox=self.view_box)
        plot = self.getPlotItem()
        style_axes(plot, "Frequency [Hz]", "Model order")
        self._items: list = []
        self._diagram: Optional[StabilizationDiagram] = None
        # one row along the top, over the band set_diagram keeps free of poles (inside it covered a column)
        plot.addLegend(offset=(8, 4), colCount=5, labelTextSize="8pt")
        self.spectrum_box = pg.ViewBox()  # the first singular value behind the poles, on the right axis
        plot.showAxis("right")
        plot.scene().addItem(self.spectrum_box)
        plot.getAxis("right").linkToView(self.spectrum_box)
        plot.getAxis("right").setLabel("First singular value [dB]", color="#909090")
        self.spectrum_box.setXLink(plot)
        self.spectrum_box.setZValue(-10)
        self.spectrum_box.setMouseEnabled(x=False, y=False)
        plot.getViewBox().sigResized.connect(self._sync_boxes)
        self._spectrum_curve = pg.PlotCurveItem(pen=pg.mkPen("#b0b0b0", width=1))
        self.spectrum_box.addItem(self._spectrum_curve)
        self.view_box.sigBoxSelected.connect(self._box_selected)

    def _sync_boxes(self) -> None:
        self.spectrum_box.setGeometry(self.getPlotItem().getViewBox().sceneBoundingRect())

    def _box_selected(self, rect) -> None:
        d = self._diagram
        if d is None:
            return
        inside = ((d.frequencies_hz >= rect.left()) & (d.frequencies_hz <= rect.right())
                  & (d.orders >= rect.top()) & (d.orders <= rect.bottom()) & d.stable_frequency)
        if inside.any():
            self.sigPolesSelected.emit(np.flatnonzero(inside))

    def _pole_clicked(self, _item, points, *_args) -> None:
        if len(points):
            self.sigPoleClicked.emit(int(points[0].data()))

    def _ring_clicked(self, _item, points, *_args) -> None:
        if len(points):
            self.sigModeClicked.emit(int(points[0].data()))

    def set_diagram(self, diagram: Optional[StabilizationDiagram], modes: Sequence[Mode] = (),
                    fmax_hz: Optional[float] = None, *, spectrum: Optional[SingularValueSpectrum] = None,
                    unselected: Sequence = (), manual: Sequence[int] = ()) -> None:
        item = self.getPlotItem()
        self._clear_items()
        self._diagram = diagram
        self._spectrum_curve.setData([], [])
        if diagram is None or diagram.orders.size == 0:
            return
        f, o = diagram.frequencies_hz, diagram.orders
        inband = np.ones(f.size, bool) if fmax_hz is None else f <= fmax_hz
        if spectrum is not None:
            sf = spectrum.frequencies_hz
            keep = (sf > 0) & (sf <= (fmax_hz if fmax_hz is not None else sf[-1]))
            self._spectrum_curve.setData(sf[keep], _db(spectrum.singular_values[keep, 0]))
            self.spectrum_box.enableAutoRange()
        groups = (
            (~diagram.stable_frequency, "unstable", "#c8c8c8", 5, "x"),
            (diagram.stable_frequency & ~diagram.stable, "stable frequency", "#6baed6", 6, "o"),
            (diagram.stable, "stable f, ζ, MAC", "#238b45", 7, "o"),
        )
        for mask, name, col, size, symbol in groups:
            sel = np.flatnonzero(mask & inband)
            sc = pg.ScatterPlotItem(f[sel], o[sel], data=sel, size=size, symbol=symbol, pen=None if symbol == "o"
                                    else pg.mkPen(col), brush=pg.mkBrush(col), name=name, hoverable=True,
                                    tip=self._pole_tip)
            sc.sigClicked.connect(self._pole_clicked)
            item.addItem(sc)
            self._items.append(sc)
        for k, m in enumerate(modes):
            line = pg.InfiniteLine(pos=m.frequency_hz, angle=90, pen=pg.mkPen(colour(k), width=1.2,
                                   style=Qt.PenStyle.DashLine if k in manual else Qt.PenStyle.SolidLine))
            line.setToolTip(f"Mode {k + 1}{' (chosen by hand)' if k in manual else ''}: {m.frequency_hz:.4f} Hz — "
                            f"click a ringed pole to remove it")
            item.addItem(line)
            self._items.append(line)
            if m.poles is not None and len(m.poles):  # the poles the mode was estimated from
                rings = pg.ScatterPlotItem(f[m.poles], o[m.poles], data=np.full(len(m.poles), k), size=12,
                                           brush=None, pen=pg.mkPen(colour(k), width=1.5),
                                           name="poles of the modes" if k == 0 else None, hoverable=True,
                                           tip=lambda x, y, data: f"mode {data + 1}: click to remove it")
                rings.sigClicked.connect(self._ring_clicked)
                item.addItem(rings)
                self._items.append(rings)
        if len(unselected):
            top = float(o.max()) + 3
            notes = pg.ScatterPlotItem([c.frequency_hz for c in unselected], [top] * len(unselected),
                                       data=[f"{c.frequency_hz:.3f} Hz, {c.n_poles} poles: not a mode — {c.reason}"
                                             for c in unselected],
                                       symbol="t1", size=11, brush=pg.mkBrush("#e67e22"), pen=None, hoverable=True,
                                       tip=lambda x, y, data: data, name="stable, not taken (hover: why)")
            item.addItem(notes)
            self._items.append(notes)
        item.enableAutoRange(axis="x")
        item.setYRange(0, (float(o.max()) + 3) * LEGEND_BAND, padding=0)  # the legend's row above the poles
        self._sync_boxes()

    def _pole_tip(self, x, y, data) -> str:
        d = self._diagram
        j = int(data)
        f, z = d.frequencies_hz[j], 100 * d.damping_ratios[j]
        if d.frequency_sigma_hz is not None and d.damping_sigma is not None:  # this pole's statistical σ
            f_text = with_interval(f, float(d.frequency_sigma_hz[j]), 4)
            z_text = with_interval(z, 100 * float(d.damping_sigma[j]), 2)
        else:
            f_text, z_text = f"{f:.4f}", f"{z:.2f}"
        return (f"order {d.orders[j]}: {f_text} Hz, ζ {z_text} %, MPC {d.mpc[j]:.3f} — click: add the mode of this "
                f"column")


class ModeShapePlot(ReplacedItems, pg.PlotWidget):
    """Real part of a mode shape per channel (bar chart), the way an engineer checks the sign pattern."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Channel", "Normalised shape")
        self._items: list = []
        self._names: tuple[str, ...] = ()

    def set_mode(self, mode: Optional[Mode], channel_names: Sequence[str], index: int = 0) -> None:
        item = self.getPlotItem()
        self._clear_items()
        if mode is None:
            item.setTitle("")
            return
        x = np.arange(len(channel_names))
        bars = pg.BarGraphItem(x=x, height=np.real(mode.shape), width=0.6, brush=colour(index))
        item.addItem(bars)
        self._items.append(bars)
        self._names = tuple(channel_names)
        self._label_channels()
        item.setYRange(-1.1, 1.1)
        item.setTitle(f"Mode {index + 1}: {mode.frequency_hz:.3f} Hz, ζ = {100 * mode.damping_ratio:.2f} %")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._label_channels()

    def _label_channels(self) -> None:
        """A tick per channel; names on every k-th, k as small as lets them stand apart at the current width
        (14 names in a narrow panel ran into each other)."""
        if not getattr(self, "_names", ()):  # (a resize during construction comes before any mode)
            return
        axis = self.getPlotItem().getAxis("bottom")
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        widest = max(metrics.horizontalAdvance(n) for n in self._names) + 8
        width = max(self.getPlotItem().vb.width(), 1.0)
        step = max(1, int(np.ceil(widest * len(self._names) / width)))
        labelled = [(k, n) for k, n in enumerate(self._names) if k % step == 0]
        axis.setTicks([labelled, [(k, "") for k in range(len(self._names)) if k % step]])


class AutoMacPlot(ReplacedItems, pg.PlotWidget):
    """AutoMAC matrix of the identified modes: off-diagonal values near 1 mean two "modes" with the same shape (one
    may be spurious, or the sensors cannot tell them apart); a well-identified set is near 0 off the diagonal."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Mode", "Mode")
        self.getPlotItem().showGrid(x=False, y=False)
        self.getPlotItem().invertY(True)
        self.getPlotItem().setAspectLocked(True)
        self._items: list = []
        self.values: Optional[np.ndarray] = None

    def set_modes(self, modes: Sequence[Mode]) -> None:
        item = self.getPlotItem()
        self._clear_items()
        if not modes:
            self.values = None
            item.setTitle("")
            return
        self.values = auto_mac(np.column_stack([m.shape for m in modes]))
        n = len(modes)
        image = pg.ImageItem(self.values.T, levels=(0.0, 1.0))  # ImageItem takes (x, y) = (column, row)
        image.setLookupTable(pg.ColorMap([0.0, 0.5, 1.0], ["#ffffff", "#f5b041", "#922b21"]).getLookupTable())
        image.setRect(-0.5, -0.5, n, n)
        item.addItem(image)
        self._items.append(image)
        if n <= 12:  # values written in the cells while they are legible
            for r in range(n):
                for c in range(n):
                    v = self.values[r, c]
                    text = pg.TextItem(f"{v:.2f}", color="w" if v > 0.7 else "#222222", anchor=(0.5, 0.5))
                    text.setPos(c, r)
                    item.addItem(text)
                    self._items.append(text)
        ticks = [(k, f"{k + 1}") for k in range(n)]
        item.getAxis("bottom").setTicks([ticks])
        item.getAxis("left").setTicks([ticks])
        item.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0.02)
        off = self.values[~np.eye(n, dtype=bool)]
        worst = f"largest off-diagonal {off.max():.2f}" if off.size else "one mode"
        item.setTitle(f"AutoMAC of the {n} modes ({worst})", size="9pt")
