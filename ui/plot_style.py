"""Shared look of the plot widgets: the light and dark plot themes, the channel palette, axis styling and two small
mixins.

Every plot that styles its axes with :func:`style_axes` follows the theme: :func:`set_plot_theme` (called by
``ui.style.apply_style``) recolours its background, axes, grid and text at once. A widget with colours of its own
(channel curves, reference curves) also registers with :func:`follow_theme` and gets ``apply_theme(theme)`` calls.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Optional, Sequence

import pyqtgraph as pg


@dataclass(frozen=True)
class PlotTheme:
    """Colours of the plots in one theme (``#rrggbb`` strings; ``region`` is RGBA 0–255)."""

    name: str
    background: str
    foreground: str  # axes, ticks, tick labels, axis titles
    grid_alpha: float
    muted: str  # what stays behind: the spectrum before preprocessing, secondary curves
    accent: str  # warnings and alarms
    ok: str  # a good verdict
    region: tuple[int, int, int, int]  # the analysis window's fill
    palette: tuple[str, ...]  # one colour per channel / mode, cycled


THEMES = {
    "light": PlotTheme("light", background="#ffffff", foreground="#303030", grid_alpha=0.25, muted="#a8a8a8",
                       accent="#c0392b", ok="#1e8449", region=(52, 120, 200, 45),
                       palette=("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                                "#17becf", "#7f7f7f", "#bcbd22")),
    "dark": PlotTheme("dark", background="#1e2126", foreground="#d0d3d8", grid_alpha=0.18, muted="#6b7079",
                      accent="#ff6b5b", ok="#58d68d", region=(110, 170, 255, 50),
                      palette=("#4fa3e0", "#ff6b6b", "#5ed17a", "#ffa94d", "#b197fc", "#d4a373", "#f783ac",
                               "#3bc9db", "#adb5bd", "#d8d84a")),
}
THEME_NAMES = tuple(THEMES)

_current = {"name": "light"}
_plots: "weakref.WeakSet[pg.PlotItem]" = weakref.WeakSet()  # styled by style_axes
_followers: "weakref.WeakSet" = weakref.WeakSet()  # widgets with an apply_theme(theme) method


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEME_NAMES)}; got {theme!r}")
    return theme


def theme_colours(theme: Optional[str] = None) -> PlotTheme:
    """The colours of ``theme`` (default: the theme in use)."""
    return THEMES[check_theme(theme or _current["name"])]


def colour(i: int) -> str:
    """Colour of channel (or mode) ``i`` in the theme in use."""
    palette = theme_colours().palette
    return palette[i % len(palette)]


def style_axes(plot: pg.PlotItem, bottom: str, left: str) -> None:
    """Grid, axis titles and the theme's colours; the plot follows later theme changes."""
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    _plots.add(plot)
    restyle(plot)


def restyle(plot: pg.PlotItem, theme: Optional[PlotTheme] = None) -> None:
    """Apply ``theme`` (default: the one in use) to a plot: its view's background, axes, grid, title, legend."""
    theme = theme or theme_colours()
    plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(theme.foreground)
        axis.setTextPen(theme.foreground)
    if plot.titleLabel.text:
        plot.titleLabel.setText(plot.titleLabel.text, color=theme.foreground)
    if plot.legend is not None:
        plot.legend.setLabelTextColor(theme.foreground)
    scene = plot.scene()
    for view in scene.views() if scene is not None else ():
        if hasattr(view, "setBackground"):
            view.setBackground(theme.background)


def follow_theme(widget) -> None:
    """Call ``widget.apply_theme(theme)`` now and at every theme change."""
    _followers.add(widget)
    widget.apply_theme(theme_colours())


def set_plot_theme(theme: str) -> None:
    """Switch every plot to ``theme`` ('light' or 'dark'); new plots take it too."""
    _current["name"] = check_theme(theme)
    colours = THEMES[theme]
    pg.setConfigOptions(foreground=colours.foreground, background=colours.background)
    for plot in list(_plots):
        try:
            restyle(plot, colours)
        except RuntimeError:  # its C++ side is gone
            _plots.discard(plot)
    for widget in list(_followers):
        try:
            widget.apply_theme(colours)
        except RuntimeError:
            _followers.discard(widget)


class ChannelCurves:
    """One curve per channel in ``_curves``; the channel list's check boxes show and hide them, and they take the
    theme's palette."""

    _curves: list

    def set_visible_channels(self, visible: Sequence[bool]) -> None:
        for curve, v in zip(self._curves, visible):
            curve.setVisible(bool(v))

    def apply_theme(self, theme: PlotTheme) -> None:
        for k, curve in enumerate(self._curves):
            curve.setPen(pg.mkPen(theme.palette[k % len(theme.palette)], width=1))


class ReplacedItems:
    """Plots whose items are all replaced on every update: ``_items`` holds what ``_clear_items`` removes."""

    _items: list

    def _clear_items(self) -> None:
        for it in self._items:
            self.getPlotItem().removeItem(it)
        self._items = []
