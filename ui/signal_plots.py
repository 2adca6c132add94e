"""Plots of the signals (pyqtgraph): stacked time series, PSD of every channel, spectrogram of one channel."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg

from ui.plot_style import ChannelCurves, colour, style_axes


class TimeSeriesPlot(ChannelCurves, pg.PlotWidget):
    """All channels against time, stacked with a common spacing so each trace is readable; long records stay
    fluid with peak downsampling and clip-to-view."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Time [s]", "Channel")
        self.getPlotItem().setDownsampling(auto=True, mode="peak")
        self.getPlotItem().setClipToView(True)
        self.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self._curves: list[pg.PlotDataItem] = []
        self.spacing = 1.0

    def set_signals(self, t: np.ndarray, data: np.ndarray, names: Sequence[str]) -> None:
        item = self.getPlotItem()
        for c in self._curves:
            item.removeItem(c)
        self._curves = []
        centred = data - data.mean(axis=0)
        rms = np.sqrt(np.mean(centred ** 2, axis=0))
        self.spacing = float(8 * np.median(rms)) if np.any(rms > 0) else 1.0
        n = len(names)
        offsets = self.spacing * (n - 1 - np.arange(n))
        for k, name in enumerate(names):
            curve = item.plot(t, centred[:, k] + offsets[k], pen=pg.mkPen(colour(k), width=1), name=name)
            self._curves.append(curve)
        item.getAxis("left").setTicks([[(float(o), nm) for o, nm in zip(offsets, names)]])
        item.setLabel("left", f"Channel (spacing {self.spacing:.3g} m/s²)")
        item.enableAutoRange()


class PsdPlot(ChannelCurves, pg.PlotWidget):
    """Welch power spectral density of every channel, logarithmic."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Frequency [Hz]", "PSD [(m/s²)²/Hz]")
        self.getPlotItem().setLogMode(x=False, y=True)
        self.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self._legend = self.getPlotItem().addLegend(offset=(-10, 10), colCount=2)
        self._curves: list = []

    def set_psd(self, frequencies_hz: np.ndarray, psd: np.ndarray, names: Sequence[str]) -> None:
        item = self.getPlotItem()
        for c in self._curves:
            item.removeItem(c)
        self._legend.clear()
        keep = frequencies_hz > 0
        self._curves = [item.plot(frequencies_hz[keep], np.maximum(psd[keep, k], np.finfo(float).tiny),
                                  pen=pg.mkPen(colour(k), width=1), name=name) for k, name in enumerate(names)]
        item.enableAutoRange()


class SpectrogramPlot(pg.PlotWidget):
    """Spectrogram of one channel in dB, with a colour bar."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        style_axes(self.getPlotItem(), "Time [s]", "Frequency [Hz]")
        self.image = pg.ImageItem()
        self.getPlotItem().addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), label="PSD [dB re 1 (m/s²)²/Hz]",
                                        interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=self.getPlotItem())

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
        self.getPlotItem().setTitle(f"Spectrogram of {channel_name}" if channel_name else "")
        self.getPlotItem().enableAutoRange()
