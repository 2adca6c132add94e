"""The signal plots: envelopes drawn per pixel without copying the record, channel labels thinned to what fits, the
PSD legend beside the plot, the analysis window, the PSD before preprocessing, light and dark themes."""
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from ui.envelope import MinMaxPyramid
from ui.plot_style import theme_colours
from ui.signal_plots import PsdPlot, TimeSeriesPlot
from ui.style import apply_style, current_theme, switch_theme

FS = 50.0


def _signals(n_channels: int, seconds: float = 60.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FS)) / FS
    return t, rng.standard_normal((t.size, n_channels)), [f"sensor-{k + 1:02d}" for k in range(n_channels)]


@pytest.fixture
def light():
    yield
    apply_style(QApplication.instance(), "light")  # the theme is application-wide: leave it as found


@pytest.mark.parametrize("n_bins", [7, 100, 999])
def test_envelope_is_each_bins_min_and_max(n_bins):
    data = np.random.default_rng(1).standard_normal((10_007, 3))
    pyr = MinMaxPyramid(data, base=4)
    env = pyr.envelope(123, 9_876, n_bins)
    assert not env.raw and env.values.shape[0] <= 4 * n_bins + 4  # bins between 1/2 and 1 of a pixel
    starts = env.index[0::2]
    ends = np.append(starts[1:], starts[-1] + (starts[1] - starts[0]))  # bins of equal size, aligned to it
    assert starts[0] <= 123 < starts[1] and starts[-1] < 9_876 <= ends[-1]
    for k in range(len(starts) - 1):
        seg = data[starts[k]:ends[k]]
        np.testing.assert_allclose(env.values[2 * k], seg.min(axis=0), rtol=1e-6)
        np.testing.assert_allclose(env.values[2 * k + 1], seg.max(axis=0), rtol=1e-6)
    inside, reach = data[starts[-1]:9_876], data[starts[-1]:ends[-1]]  # the last bin may stop at a block's end
    assert np.all(env.values[-2] <= inside.min(axis=0) + 1e-6) and np.all(env.values[-2] >= reach.min(axis=0) - 1e-6)
    assert np.all(env.values[-1] >= inside.max(axis=0) - 1e-6) and np.all(env.values[-1] <= reach.max(axis=0) + 1e-6)
    np.testing.assert_allclose(pyr.mean, data.mean(axis=0))
    np.testing.assert_allclose(pyr.rms, data.std(axis=0))


def test_zoomed_in_envelope_is_the_samples_themselves_not_a_copy():
    data = np.random.default_rng(2).standard_normal((5_000, 4))
    env = MinMaxPyramid(data).envelope(1_000, 1_300, 800)
    assert env.raw and np.shares_memory(env.values, data)
    np.testing.assert_array_equal(env.index, np.arange(1_000, 1_300))


def test_time_series_holds_a_pixel_envelope_and_zooms_out_to_the_whole_record(qtbot):
    t, data, names = _signals(8, seconds=600.0)
    plot = TimeSeriesPlot()
    qtbot.addWidget(plot)
    plot.resize(800, 500)
    plot.show()
    plot.set_signals(t, data, names)
    qtbot.wait(10)
    width = plot.getPlotItem().getViewBox().width()
    assert all(c.xData.size <= 4 * width + 4 for c in plot._curves)  # a few points per pixel, not 30 000
    vb = plot.getPlotItem().getViewBox()
    vb.setXRange(100.0, 102.0, padding=0)
    qtbot.wait(10)
    np.testing.assert_allclose(plot._curves[0].xData[[0, -1]], [100.0 - 1 / FS, 102.0 + 1 / FS], atol=1 / FS)
    vb.autoRange()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= t[0] and x1 >= t[-1]
    assert y0 < plot._curves[-1].yData.min() and y1 > plot._curves[0].yData.max()


def test_channel_labels_are_thinned_to_what_fits_at_64_channels(qtbot):
    t, data, names = _signals(64)
    plot = TimeSeriesPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 420)
    plot.show()
    plot.set_signals(t, data, names)
    qtbot.wait(10)
    axis = plot._axis
    labels = axis.visible_labels()
    assert labels[0] == "sensor-01" and 5 <= len(labels) < 64
    positions = sorted(float(v) for v in
                       axis.tickValues(*axis.range, axis.geometry().height())[0][1])
    px_per_unit = axis.geometry().height() / (axis.range[1] - axis.range[0])
    assert np.min(np.diff(positions)) * px_per_unit >= axis.label_height_px() - 1e-6  # never overlapping
    plot.resize(900, 64 * 24)  # tall enough: every channel is named
    qtbot.wait(10)
    assert axis.visible_labels() == names
    plot.set_visible_channels([k % 2 == 0 for k in range(64)])  # hidden channels lose their labels
    assert "sensor-02" not in axis.visible_labels() and "sensor-03" in axis.visible_labels()


def test_psd_legend_sits_beside_the_plot_at_64_channels_and_can_be_hidden(qtbot):
    t, data, names = _signals(64)
    plot = PsdPlot()
    qtbot.addWidget(plot)
    plot.resize(1000, 500)
    plot.show()
    f = np.linspace(0, 25, 200)
    plot.set_psd(f, np.ones((200, 64)) * 1e-6, names)
    qtbot.wait(20)
    legend = plot.legend.sceneBoundingRect()
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert legend.left() >= view.right() - 1  # beside the data, never over it
    assert legend.bottom() <= plot.height() + 1 and legend.right() <= plot.width() + 1  # nothing cut off
    assert plot.legend.columnCount > 1 and len(plot.legend_entries()) == 64
    plot.set_legend_visible(False)
    qtbot.wait(20)
    assert not plot.legend.isVisible()
    assert plot.getPlotItem().getViewBox().sceneBoundingRect().width() > view.width() + 50


def test_psd_before_preprocessing_is_drawn_behind_with_a_legend_entry(qtbot):
    plot = PsdPlot()
    qtbot.addWidget(plot)
    f = np.linspace(0, 25, 100)
    names = ["a", "b", "c"]
    plot.set_psd(f, np.full((100, 3), 1e-6), names)
    plot.set_reference(f, np.full((100, 3), 1e-5))
    assert plot.has_reference() and plot.legend_entries() == ["before", "a", "b", "c"]
    assert all(c.zValue() < plot._curves[0].zValue() for c in plot._reference)
    plot.set_visible_channels([True, False, True])
    assert not plot._reference[1].isVisible() and not plot._curves[1].isVisible()
    plot.set_psd(f, np.full((100, 3), 2e-6), names)  # a new "after" keeps the reference
    assert plot.legend_entries()[0] == "before"
    plot.set_reference(None, None)
    assert not plot.has_reference() and plot.legend_entries() == names


def test_analysis_window_signals_only_the_users_changes(qtbot):
    t, data, names = _signals(4, seconds=100.0)
    plot = TimeSeriesPlot()
    qtbot.addWidget(plot)
    plot.set_signals(t, data, names)
    changes, clears = [], []
    plot.sigWindowChanged.connect(lambda a, b: changes.append((a, b)))
    plot.sigWindowCleared.connect(lambda: clears.append(True))
    plot.set_window(10.0, 40.0)  # showing the stored window says nothing
    assert plot.window() == (10.0, 40.0) and changes == []
    plot._drag_window(-5.0, 30.0, finished=False)  # a Shift-drag in progress: the region follows, no signal yet
    plot._drag_window(-5.0, 30.0, finished=True)  # released: clipped to the record
    assert changes == [(0.0, 30.0)]
    plot.region.setRegion((20.0, 50.0))  # the user drags an edge
    plot.region.sigRegionChangeFinished.emit(plot.region)
    assert changes[-1] == (20.0, 50.0)
    plot.clear_window()
    assert plot.window() is None and clears == [True]
    plot.set_window(None)
    assert clears == [True]


def test_themes_recolour_the_plots_and_are_remembered(qtbot, light):
    app = QApplication.instance()
    plot = TimeSeriesPlot()
    qtbot.addWidget(plot)
    t, data, names = _signals(3)
    plot.set_signals(t, data, names)
    switch_theme(app, "dark")
    assert current_theme() == "dark"
    dark = theme_colours("dark")
    assert plot.backgroundBrush().color().name() == dark.background
    assert plot.getPlotItem().getAxis("bottom").textPen().color().name() == dark.foreground
    assert plot._curves[0].opts["pen"].color().name() == dark.palette[0]
    later = PsdPlot()  # a plot made after the switch starts dark
    qtbot.addWidget(later)
    assert later.backgroundBrush().color().name() == dark.background
    switch_theme(app, "light")
    assert current_theme() == "light"
    assert plot.backgroundBrush().color().name() == theme_colours("light").background
    with pytest.raises(ValueError, match="theme must be one of light, dark"):
        apply_style(app, "solarized")


def test_psd_preview_is_welch_over_fewer_of_the_same_segments():
    """The preview of a long record's PSD is the full Welch estimate restricted to a few of its segments: with all
    of them it is the full estimate itself (to rounding), with 12 of 86 it scatters about it."""
    from dsp.spectral import welch_psd
    from ui.loading import psd_preview, welch_segments

    x = np.random.default_rng(4).standard_normal((720_000, 2))
    full = welch_psd(x, 200.0)
    assert welch_segments(720_000, 200.0) == full.n_segments == 86
    every = psd_preview(x, 200.0, segments=10**6)
    assert every.n_segments == 86 and np.array_equal(every.frequencies_hz, full.frequencies_hz)
    np.testing.assert_allclose(every.psd, full.psd, rtol=1e-12)  # the same sums in another order
    few = psd_preview(x, 200.0)
    assert few.n_segments == 12 and few.psd.shape == full.psd.shape
    # white noise of unit variance at 200 Hz: 2/200 (m/s²)²/Hz one-sided; 12 averages scatter ±29 % (1 σ) per bin
    ratio = few.psd[10:-10] / full.psd[10:-10]
    assert abs(np.median(ratio) - 1) < 0.05 and 0.15 < ratio.std() < 0.45


def test_only_a_slow_full_estimate_is_previewed():
    """1 h × 32 channels × 200 Hz goes straight to the exact PSD (about a second); 24 h of it, or a long record with
    few segments to spare, as said."""
    from ui.loading import needs_preview

    assert not needs_preview(720_000, 32, 200.0)
    assert needs_preview(24 * 720_000, 32, 200.0)
    assert not needs_preview(100_000, 1000, 200.0)  # many values, but 11 Welch segments: a preview would be as slow
