"""The campaign view: tracked frequencies over time (coloured by temperature), frequency against temperature with
the fitted compensation model, and the control chart of the novelty index with its limit and alarms. Clicking a
recording's point opens that recording."""
from __future__ import annotations

from datetime import timezone
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from ui.plot_style import colour, follow_theme, restyle, theme_colours
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget




def _c():
    """The colours of the theme in use (alarms in its accent, the verdict's OK in its ok colour)."""
    return theme_colours()


def _epoch(times) -> np.ndarray:
    """Seconds since 1970 (UTC) for pyqtgraph's date axis; NaN where unknown."""
    return np.array([np.nan if t is None else t.replace(tzinfo=timezone.utc).timestamp() for t in times])


NO_CAMPAIGN = "No campaign yet: Campaign ▸ Run on a folder, or open a frequency table."


COLOUR_LEVELS = 64  # temperature colours of the tracks: steps of 1/64 of the range (about 0.6 °C over 40 °C)

class CampaignView(QWidget):
    """Shows a :class:`shm_app.campaign.CampaignResult`."""

    sigOpenRecording = Signal(str)
    sigMessage = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.result = None
        self.from_table = False
        self.summary = QLabel(NO_CAMPAIGN)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.track_box = QComboBox()
        self.track_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # "M1 (2.245 Hz)" whole
        self.track_box.currentIndexChanged.connect(self._draw_scatter)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(QLabel("Track:"))
        head.addWidget(self.track_box)
        self.tracks_plot = pg.GraphicsLayoutWidget()
        self.tracks_plot.setBackground(_c().background)
        self.scatter_plot = pg.PlotWidget(background=_c().background)
        self.scatter_plot.showGrid(x=True, y=True, alpha=0.25)
        self.control_plot = pg.PlotWidget(background=_c().background, axisItems={"bottom": pg.DateAxisItem()})
        self.control_plot.showGrid(x=True, y=True, alpha=0.25)
        self.control_plot.setLogMode(y=True)
        self.control_plot.setLabel("left", "Novelty index T²")
        self.control_plot.getAxis("left").enableAutoSIPrefix(False)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.scatter_plot)
        right.addWidget(self.control_plot)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.tracks_plot)
        body.addWidget(right)
        body.setSizes([750, 600])
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(body, 1)
        follow_theme(self)

    def apply_theme(self, theme) -> None:
        """Backgrounds, axes and the drawn colours follow a theme change (the result is drawn again)."""
        for w in (self.tracks_plot, self.scatter_plot, self.control_plot):
            w.setBackground(theme.background)
        for w in (self.scatter_plot, self.control_plot):
            restyle(w.getPlotItem(), theme)
        if self.result is not None:
            self.set_result(self.result, from_table=self.from_table)

    # ---- data -------------------------------------------------------------------------------------------------
    def clear(self, message: str = NO_CAMPAIGN) -> None:
        """Nothing to show (a new project, or one without a campaign): ``message`` says what to do."""
        self.result = None
        self.track_box.clear()
        self.summary.setText(message)
        self.tracks_plot.clear()
        self.scatter_plot.clear()
        self.control_plot.clear()

    def set_result(self, result, *, from_table: bool = False) -> None:
        """Show ``result``; ``from_table`` when it came from a frequency table (no recordings to open)."""
        self.result = result
        self.from_table = from_table
        self.track_box.blockSignals(True)
        self.track_box.clear()
        self.track_box.addItems([f"{t.id} ({t.reference_frequency_hz:.3f} Hz)" for t in result.tracks])
        self.track_box.blockSignals(False)
        self._write_summary()
        self._draw_tracks()
        self._draw_scatter()
        self._draw_control()
        if getattr(self, "_time_axis", None) is not None:  # the control chart zooms and pans with the tracks
            self.control_plot.getPlotItem().setXLink(self._time_axis)
        for w in (self.scatter_plot, self.control_plot):
            restyle(w.getPlotItem())

    def _temperature(self) -> Optional[np.ndarray]:
        r = self.result
        for k, name in enumerate(r.covariate_names):
            if "temp" in name.lower():
                return r.covariates[:, k]
        return r.covariates[:, 0] if r.covariates.size and r.covariates.shape[1] else None

    def _brushes(self, values: Optional[np.ndarray]):
        if values is None or not np.any(np.isfinite(values)):
            return [pg.mkBrush(colour(0))] * self.result.n_recordings
        cmap = pg.colormap.get("CET-D1")  # diverging blue-white-red: cold to hot
        lo, hi = np.nanpercentile(values, [1, 99])
        x = np.clip((np.nan_to_num(values, nan=(lo + hi) / 2) - lo) / max(hi - lo, 1e-9), 0, 1)
        # COLOUR_LEVELS shared brushes: pyqtgraph renders a symbol per distinct brush, and a colour per record
        # made showing a campaign of thousands block the window for about a second
        palette = [pg.mkBrush(c) for c in cmap.map(np.linspace(0, 1, COLOUR_LEVELS), mode="qcolor")]
        return [palette[k] for k in np.rint(x * (COLOUR_LEVELS - 1)).astype(int)]

    def _write_summary(self) -> None:
        r = self.result
        first = r.first_alarm
        if first is not None:
            moved = ", ".join(f"{t.id} {t.shift.shift_percent:+.2f} % ({t.shift.shift_sigma:+.1f} σ)"
                              for t in r.moved_tracks)
            verdict = (f"<span style='color:{_c().accent}; font-weight:bold'>ALARM from {first:%Y-%m-%d %H:%M}</span>"
                       + (f" — moved: {moved}" if moved else ""))
        else:
            verdict = f"<span style='color:{_c().ok}; font-weight:bold'>No alarm</span>"
        covs = ", ".join(r.covariate_names) or "none (baseline envelope)"
        self.summary.setText(
            f"{verdict}<br>{r.n_recordings} recordings, baseline {int(r.baseline.sum())}, covariates: {covs}, "
            + (f"novelty: {r.novelty_model.method} detector, index / limit, alarm above 1 "
               if r.index_unit == "ratio" else f"control limit T² = {r.threshold:.3g} ")
            + f"(α = {r.settings.novelty.alpha:g}), "
            f"{int(r.alarm.sum())} recordings in alarm")

    # ---- plots ------------------------------------------------------------------------------------------------
    def _scatter(self, x, y, brushes, size=5) -> pg.ScatterPlotItem:
        ok = np.isfinite(x) & np.isfinite(y)
        idx = np.flatnonzero(ok)
        item = pg.ScatterPlotItem(x[ok], y[ok], size=size, pen=None, brush=[brushes[i] for i in idx], data=idx)
        item.sigClicked.connect(self._clicked)
        return item

    def _draw_tracks(self) -> None:
        r = self.result
        self.tracks_plot.clear()
        t = _epoch(r.starts)
        if not np.all(np.isfinite(t)):
            t = np.arange(r.n_recordings, dtype=float)
        brushes = self._brushes(self._temperature())
        base_end = t[np.flatnonzero(r.baseline)[-1]] if r.baseline.any() else None
        first_plot = None
        for j, track in enumerate(r.tracks):
            p = self.tracks_plot.addPlot(row=j, col=0, axisItems={"bottom": pg.DateAxisItem()})
            restyle(p)
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setLabel("left", f"{track.id} [Hz]")
            p.getAxis("left").enableAutoSIPrefix(False)
            p.addItem(self._scatter(t, r.frequencies_hz[:, j], brushes, size=4))
            if r.alarm.any():
                a = r.alarm & np.isfinite(r.frequencies_hz[:, j])
                p.addItem(pg.ScatterPlotItem(t[a], r.frequencies_hz[a, j], size=7, pen=pg.mkPen(_c().accent, width=1),
                                             brush=None))
            if base_end is not None:
                region = pg.LinearRegionItem((t[0], base_end), movable=False, brush=pg.mkBrush(241, 196, 15, 30),
                                             pen=pg.mkPen(None))
                p.addItem(region)
            if first_plot is None:
                first_plot = p
                p.setTitle("Tracked natural frequencies (colour: temperature, blue cold → red hot; red rings: alarm)",
                           size="9pt")
            else:
                p.setXLink(first_plot)
        self._time_axis = first_plot

    def _draw_scatter(self) -> None:
        p = self.scatter_plot.getPlotItem()
        p.clear()
        r = self.result
        if r is None or self.track_box.currentIndex() < 0:
            return
        j = self.track_box.currentIndex()
        temp = self._temperature()
        f = r.frequencies_hz[:, j]
        if temp is None:
            p.setLabel("bottom", "Recording")
            p.addItem(self._scatter(np.arange(r.n_recordings, dtype=float), f, self._brushes(None)))
            return
        name = next((n for n in r.covariate_names if "temp" in n.lower()), r.covariate_names[0])
        p.setLabel("bottom", f"{name} [°C]" if name.endswith("_c") else name)
        p.setLabel("left", f"{r.tracks[j].id} [Hz]")
        p.getAxis("left").enableAutoSIPrefix(False)
        grey, dark = pg.mkBrush(150, 150, 150, 160), pg.mkBrush(31, 119, 180, 200)
        brushes = [dark if b else grey for b in r.baseline]
        accent = pg.mkBrush(_c().accent)
        brushes = [accent if a else b for a, b in zip(r.alarm, brushes)]
        p.addItem(self._scatter(temp, f, brushes, size=4))
        if len(r.covariate_names) == 1:
            grid = np.linspace(np.nanmin(temp), np.nanmax(temp), 200)
            try:
                curve = np.asarray(r.predict(grid[:, None]))[:, j]
            except (ValueError, TypeError, IndexError):
                curve = None
            if curve is not None:
                p.plot(grid, curve, pen=pg.mkPen(_c().foreground, width=2))
        p.setTitle(f"{r.tracks[j].id}: baseline (blue), later (grey), alarm (red), fitted model (line)", size="9pt")

    def _draw_control(self) -> None:
        """Log-scale chart; items added by hand get log10 values (pyqtgraph transforms only PlotDataItems)."""
        p = self.control_plot.getPlotItem()
        p.clear()
        r = self.result
        t = _epoch(r.starts)
        if not np.all(np.isfinite(t)):
            t = np.arange(r.n_recordings, dtype=float)
        nov = np.where(r.novelty > 0, r.novelty, np.nan)
        ok = np.isfinite(nov)
        p.plot(t[ok], nov[ok], pen=pg.mkPen(_c().muted, width=0.6))
        alarm, normal = pg.mkBrush(_c().accent), pg.mkBrush(_c().foreground)  # shared: one symbol drawn each
        brushes = [alarm if a else normal for a in r.alarm]
        p.addItem(self._scatter(t, np.log10(nov), brushes, size=4))
        # the limit depends on how many tracks a record has: the all-track limit is one dashed line; a record judged
        # on fewer tracks gets a red tick at its own (lower) limit instead of a zigzag between the two
        okt = np.isfinite(t)
        if okt.any() and np.isfinite(r.threshold) and r.threshold > 0:
            span = [np.min(t[okt]), np.max(t[okt])]
            p.plot(span, [r.threshold] * 2, pen=pg.mkPen(_c().accent, width=1.5, style=Qt.PenStyle.DashLine))
        other = np.isfinite(r.limit) & (r.limit > 0) & ~np.isclose(r.limit, r.threshold, rtol=1e-9)
        if other.any():
            p.addItem(pg.ScatterPlotItem(t[other], np.log10(r.limit[other]), symbol="_", size=6,
                                         pen=pg.mkPen(192, 57, 43, 150, width=1), brush=None))
        if r.first_alarm_index is not None:
            p.addItem(pg.InfiniteLine(t[r.first_alarm_index], angle=90, pen=pg.mkPen(_c().accent, width=1.2),
                                      label="first alarm", labelOpts={"position": 0.92, "color": _c().accent}))
        ratio = r.index_unit == "ratio"
        p.setLabel("left", "Novelty index / limit" if ratio else "Novelty index T²")
        title = ("Novelty outside the baseline's envelope; dashed: limit 1" if ratio
                 else "Novelty of the compensated residuals; dashed: control limit")
        p.setTitle(title + ("; ticks: with a mode missing" if other.any() else ""), size="9pt")

    def _clicked(self, _item, points, *_args) -> None:
        if not points or self.result is None:
            return
        i = int(points[0].data())
        if self.from_table:
            self.sigMessage.emit("This campaign comes from a frequency table: there is no recording to open.")
        else:
            self.sigOpenRecording.emit(self.result.files[i])
