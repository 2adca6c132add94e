"""The stabilization diagram's pole tips: each pole's estimate with its statistical σ and 95 % interval when the
identification computed them."""
import numpy as np

from dsp.simulate import bridge_deck_model, simulate_ambient
from dsp.ssi import ssi_cov
from ui.modal_plots import StabilizationPlot


def test_a_pole_tip_shows_its_sigma_and_interval_or_the_plain_estimate(qtbot):
    model, _ = bridge_deck_model(n_sections=3)
    y = simulate_ambient(model, 40.0, 900.0, noise_ratio=0.1, seed=4).acceleration
    plot = StabilizationPlot()
    qtbot.addWidget(plot)
    for uncertainty in (True, False):
        d = ssi_cov(y, 40.0, block_rows=20, orders=range(2, 21, 2), uncertainty=uncertainty)
        plot.set_diagram(d)
        j = int(np.flatnonzero(d.stable)[0])
        tip = plot._pole_tip(0, 0, j)
        assert tip.startswith(f"order {d.orders[j]}: {d.frequencies_hz[j]:.4f}")
        if uncertainty:
            half = 1.959964 * d.frequency_sigma_hz[j]
            interval = f"[{d.frequencies_hz[j] - half:.4f}, {d.frequencies_hz[j] + half:.4f}] Hz"
            assert interval in tip and tip.count("±") == 2
        else:
            assert "±" not in tip and f"ζ {100 * d.damping_ratios[j]:.2f} %" in tip
