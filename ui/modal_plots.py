"""Plots of the identification (pyqtgraph): singular-value spectrum with the modes marked, stabilization diagram,
mode shape, AutoMAC."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg

from dsp.modal import Mode, auto_mac
from dsp.spectral import SingularValueSpectrum
from dsp.stabilization import StabilizationDiagram
from ui.plot_style import ReplacedItems, colour, style_axes


class SpectrumPlot(ReplacedItems, pg.PlotWidget):
    """Singular values of the spectral-density matrix (dB) with identified modes as vertical lines."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Frequency [Hz]", "Singular values [dB re 1 (m/s²)²/Hz]")
        self._items: list = []

    def set_spectrum(self, spectrum: Optional[SingularValueSpectrum], modes: Sequence[Mode] = (),
                     n_values: int = 3, fmax_hz: Optional[float] = None) -> None:
        item = self.getPlotItem()
        self._clear_items()
        if spectrum is None:
            return
        f = spectrum.frequencies_hz
        keep = f > 0 if fmax_hz is None else (f > 0) & (f <= fmax_hz)
        sv = spectrum.singular_values[keep]
        db = 10 * np.log10(np.maximum(sv, np.finfo(float).tiny))
        greys = ("#202020", "#808080", "#b0b0b0")
        for k in range(min(n_values, sv.shape[1])):
            c = item.plot(f[keep], db[:, k], pen=pg.mkPen(greys[min(k, 2)], width=1.5 if k == 0 else 1))
            self._items.append(c)
        top = float(np.max(db[:, 0])) if db.size else 0.0
        for k, m in enumerate(modes):
            line = pg.InfiniteLine(pos=m.frequency_hz, angle=90, pen=pg.mkPen(colour(k), width=1.5,
                                                                              style=pg.QtCore.Qt.PenStyle.DashLine))
            label = pg.TextItem(f"{k + 1}: {m.frequency_hz:.3f} Hz", color=colour(k), anchor=(0, 0))
            label.setPos(m.frequency_hz, top)
            item.addItem(line)
            item.addItem(label)
            self._items += [line, label]
        item.enableAutoRange()


class StabilizationPlot(ReplacedItems, pg.PlotWidget):
    """Poles by model order: grey unstable, blue stable in frequency only, green fully stable; modes as lines, and
    the poles each mode was estimated from ringed in its colour."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Frequency [Hz]", "Model order")
        self._items: list = []
        self.getPlotItem().addLegend(offset=(-10, 10))

    def set_diagram(self, diagram: Optional[StabilizationDiagram], modes: Sequence[Mode] = (),
                    fmax_hz: Optional[float] = None) -> None:
        item = self.getPlotItem()
        self._clear_items()
        if diagram is None or diagram.orders.size == 0:
            return
        f, o = diagram.frequencies_hz, diagram.orders
        inband = np.ones(f.size, bool) if fmax_hz is None else f <= fmax_hz
        groups = (
            (~diagram.stable_frequency, "unstable", "#c8c8c8", 4),
            (diagram.stable_frequency & ~diagram.stable, "stable frequency", "#6baed6", 5),
            (diagram.stable, "stable f, ζ, MAC", "#238b45", 6),
        )
        for mask, name, col, size in groups:
            sel = mask & inband
            sc = pg.ScatterPlotItem(f[sel], o[sel], size=size, pen=None, brush=pg.mkBrush(col), name=name)
            item.addItem(sc)
            self._items.append(sc)
        for k, m in enumerate(modes):
            line = pg.InfiniteLine(pos=m.frequency_hz, angle=90, pen=pg.mkPen(colour(k), width=1.2))
            item.addItem(line)
            self._items.append(line)
            if m.poles is not None and len(m.poles):  # the poles the automated selection used for this mode
                rings = pg.ScatterPlotItem(f[m.poles], o[m.poles], size=10, brush=None,
                                           pen=pg.mkPen(colour(k), width=1.5),
                                           name="poles of the modes" if k == 0 else None)
                item.addItem(rings)
                self._items.append(rings)
        item.enableAutoRange()


class ModeShapePlot(ReplacedItems, pg.PlotWidget):
    """Real part of a mode shape per channel (bar chart), the way an engineer checks the sign pattern."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Channel", "Normalised shape")
        self._items: list = []

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
        item.getAxis("bottom").setTicks([list(zip(x, channel_names))])
        item.setYRange(-1.1, 1.1)
        item.setTitle(f"Mode {index + 1}: {mode.frequency_hz:.3f} Hz, ζ = {100 * mode.damping_ratio:.2f} %")


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
