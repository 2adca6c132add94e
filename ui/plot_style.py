"""Shared look of the plot widgets: the channel palette, axis styling and two small mixins."""
from __future__ import annotations

from typing import Sequence

import pyqtgraph as pg

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def style_axes(plot: pg.PlotItem, bottom: str, left: str) -> None:
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)


class ChannelCurves:
    """One curve per channel in ``_curves``; the channel list's check boxes show and hide them."""

    _curves: list

    def set_visible_channels(self, visible: Sequence[bool]) -> None:
        for curve, v in zip(self._curves, visible):
            curve.setVisible(bool(v))


class ReplacedItems:
    """Plots whose items are all replaced on every update: ``_items`` holds what ``_clear_items`` removes."""

    _items: list

    def _clear_items(self) -> None:
        for it in self._items:
            self.getPlotItem().removeItem(it)
        self._items = []
