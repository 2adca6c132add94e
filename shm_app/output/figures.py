"""Figures of an identification for scripts and for the GUI's export (matplotlib, Agg: no display, no Qt).

:func:`write_figures` writes ``spectrum.png``, ``stabilization.png`` (SSI methods: the poles over the first
singular value), ``mode-N.png`` for every mode (the deformed shape on the geometry when given, else a bar chart
per channel) and, with a geometry, the animated ``mode-N.gif``. :func:`mode_png` and :func:`mode_gif` are what the
GUI's mode-shape view exports. Every file is written atomically.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from dsp.modal import Mode
from shm_app.geometry.animation import AnimationSettings, phases
from shm_app.geometry.model import Wireframe, wireframe
from shm_app.geometry.shapes import deformed_positions, node_displacements
from shm_app.persistence.atomic import atomic_path, atomic_write_bytes

__all__ = ["write_figures", "spectrum_png", "stabilization_png", "mode_png", "mode_gif", "mode_title"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
UNDEFORMED = "#b0b0b0"
DPI = 110
GIF_DPI = 80


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save_png(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    _pyplot().close(fig)
    atomic_write_bytes(Path(path), buffer.getvalue())
    return Path(path)


def mode_title(mode: Mode, index: int) -> str:
    return f"Mode {index + 1}: {mode.frequency_hz:.3f} Hz, ζ = {100 * mode.damping_ratio:.2f} %, MPC {mode.mpc:.2f}"


def _decibels(values: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(values, np.finfo(float).tiny))


def spectrum_png(path: Union[str, Path], spectrum, modes: Sequence[Mode] = (), *,
                 fmax_hz: Optional[float] = None) -> Path:
    """The singular values of the spectral matrix (dB) with the modes marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    f = spectrum.frequencies_hz
    keep = (f > 0) & (f <= (fmax_hz or f.max()))
    db = _decibels(spectrum.singular_values[keep])
    for k in range(min(3, db.shape[1])):
        ax.plot(f[keep], db[:, k], color=("#202020", "#808080", "#b0b0b0")[k], lw=1.3 if k == 0 else 0.9,
                label=f"singular value {k + 1}")
    for k, m in enumerate(modes):
        ax.axvline(m.frequency_hz, color=PALETTE[k % len(PALETTE)], ls="--", lw=1)
        ax.annotate(f"{k + 1}", (m.frequency_hz, 1), xycoords=("data", "axes fraction"), xytext=(2, -12),
                    textcoords="offset points", color=PALETTE[k % len(PALETTE)])
    ax.set(xlabel="Frequency [Hz]", ylabel="Singular values [dB re 1 unit²/Hz]", title="Spectrum")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    return _save_png(fig, Path(path))


def stabilization_png(path: Union[str, Path], diagram, modes: Sequence[Mode] = (), spectrum=None, *,
                      fmax_hz: Optional[float] = None) -> Path:
    """Poles by model order (unstable grey, stable in frequency blue, fully stable green, the poles of each mode
    ringed in its colour) over the first singular value of the spectrum on a second axis."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    f, order = diagram.frequencies_hz, diagram.orders
    band = np.ones(f.size, bool) if fmax_hz is None else f <= fmax_hz
    if spectrum is not None:
        sv_ax = ax.twinx()
        fs = spectrum.frequencies_hz
        keep = (fs > 0) & (fs <= (fmax_hz or fs.max()))
        sv_ax.plot(fs[keep], _decibels(spectrum.singular_values[keep, 0]), color="#404040", lw=1, alpha=0.6)
        sv_ax.set_ylabel("First singular value [dB]", color="#404040")
        ax.set_zorder(sv_ax.get_zorder() + 1)
        ax.patch.set_visible(False)
    groups = ((~diagram.stable_frequency, "unstable", "#c8c8c8", 8),
              (diagram.stable_frequency & ~diagram.stable, "stable frequency", "#6baed6", 12),
              (diagram.stable, "stable f, ζ, MAC", "#238b45", 14))
    for mask, label, colour, size in groups:
        sel = mask & band
        ax.scatter(f[sel], order[sel], s=size, c=colour, label=label, linewidths=0)
    for k, m in enumerate(modes):
        c = PALETTE[k % len(PALETTE)]
        ax.axvline(m.frequency_hz, color=c, lw=1)
        if m.poles is not None and len(m.poles):
            ax.scatter(f[m.poles], order[m.poles], s=40, facecolors="none", edgecolors=c, linewidths=1,
                       label="poles of the modes" if k == 0 else None)
    ax.set(xlabel="Frequency [Hz]", ylabel="Model order", title="Stabilization diagram")
    if fmax_hz:
        ax.set_xlim(0, fmax_hz)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return _save_png(fig, Path(path))


def _bar_chart(path: Path, mode: Mode, channels: Sequence[str], index: int) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(channels) + 2), 4), layout="constrained")
    x = np.arange(len(channels))
    ax.bar(x, np.real(mode.shape), width=0.6, color=PALETTE[index % len(PALETTE)], label="real part")
    if np.any(np.abs(np.imag(mode.shape)) > 1e-3):
        ax.bar(x, np.imag(mode.shape), width=0.25, color="#7f7f7f", label="imaginary part")
        ax.legend(fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, channels, rotation=90 if len(channels) > 12 else 0, fontsize=8)
    ax.set(ylim=(-1.1, 1.1), ylabel="Normalised shape", title=mode_title(mode, index))
    ax.grid(axis="y", alpha=0.3)
    return _save_png(fig, path)


def view_axes(elevation_deg: float = 25.0, azimuth_deg: float = -60.0) -> np.ndarray:
    """(3, 2) projection onto the screen of a viewer at ``azimuth_deg`` around z (from x) and ``elevation_deg``
    above the x-y plane: screen coordinates are ``points @ view_axes(...)`` (orthographic)."""
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)
    right = np.array([-np.sin(a), np.cos(a), 0.0])
    up = np.array([-np.sin(e) * np.cos(a), -np.sin(e) * np.sin(a), np.cos(e)])
    return np.column_stack([right, up])


class _ShapeScene:
    """The structure seen obliquely (orthographic projection onto a 2D matplotlib axes: fast enough to render a
    GIF frame by frame), undeformed in grey and deformed in colour, with supports as triangles and an x-y-z triad.
    Frames redraw only the deformed lines and nodes over a saved background (blitting)."""

    def __init__(self, frame: Wireframe, displacement: np.ndarray, animation: AnimationSettings, title: str,
                 colour: str, *, dpi: int = DPI, width_in: float = 7.0) -> None:
        from matplotlib.collections import LineCollection

        plt = _pyplot()
        self.frame, self.displacement, self.animation = frame, displacement, animation
        self.view = view_axes()
        p = frame.positions_m
        size = frame.size_m
        flat = p @ self.view
        reach = animation.amplitude * size
        lo, hi = flat.min(axis=0) - reach, flat.max(axis=0) + reach
        width = width_in
        height = float(np.clip(width * (hi[1] - lo[1]) / max(hi[0] - lo[0], 1e-9), width / 2.8, width / 1.17)) + 0.8
        self.fig = plt.figure(figsize=(width, height), dpi=dpi)
        self.ax = ax = self.fig.add_axes((0.02, 0.02, 0.96, 0.96 - 0.5 / height))
        ax.set_axis_off()
        ax.set_aspect("equal", adjustable="datalim")
        ax.update_datalim([lo, hi])
        ax.margins(0)
        ax.autoscale_view()
        self.fig.suptitle(title, fontsize=11, y=1 - 0.12 / height, va="top")
        self.fig.text(0.99, 0.01, f"largest displacement drawn as {100 * animation.amplitude:g} % of {size:g} m",
                      ha="right", va="bottom", fontsize=7, color="#606060")
        segments = flat[frame.lines] if frame.lines.size else np.zeros((0, 2, 2))
        ax.add_collection(LineCollection(segments, colors=UNDEFORMED, linewidths=1))
        ax.plot(*flat.T, "o", color=UNDEFORMED, ms=3)
        if frame.fixed.any():
            ax.plot(*flat[frame.fixed].T, "^", color="#404040", ms=8)
        self._triad(lo, hi, size)
        self.lines = ax.add_collection(LineCollection(segments, colors=colour, linewidths=2, animated=True))
        self.nodes = ax.plot(*flat.T, "o", color=colour, ms=4.5, animated=True)[0]
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def _triad(self, lo: np.ndarray, hi: np.ndarray, size: float) -> None:
        origin = np.array([lo[0], lo[1]]) + 0.04 * (hi - lo)
        for k, name in enumerate("xyz"):
            tip = self.view[k] * 0.06 * size
            self.ax.annotate("", origin + tip, origin, arrowprops=dict(arrowstyle="->", color="#606060", lw=0.8))
            self.ax.text(*(origin + 1.35 * tip), name, fontsize=7, color="#606060", ha="center", va="center")

    def draw(self, phase_rad: float) -> None:
        q = deformed_positions(self.frame, self.displacement, phase_rad, self.animation.amplitude) @ self.view
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        if self.frame.lines.size:
            self.lines.set_segments(q[self.frame.lines])
        self.nodes.set_data(*q.T)
        self.ax.draw_artist(self.lines)
        self.ax.draw_artist(self.nodes)

    def rgb(self) -> np.ndarray:
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()

    def png(self) -> bytes:
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.rgb()).save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()

    def close(self) -> None:
        _pyplot().close(self.fig)


def _scene(mode: Mode, channels: Sequence[str], geometry, index: int, animation: AnimationSettings,
           dpi: int = DPI, width_in: float = 7.0) -> _ShapeScene:
    frame = wireframe(geometry)
    u = node_displacements(frame, mode.shape, channels, unmeasured=geometry.unmeasured)
    return _ShapeScene(frame, u, animation, mode_title(mode, index), PALETTE[index % len(PALETTE)], dpi=dpi,
                       width_in=width_in)


def mode_png(path: Union[str, Path], mode: Mode, channels: Sequence[str], geometry=None, *, index: int = 0,
             phase_rad: float = 0.0, animation: AnimationSettings = AnimationSettings()) -> Path:
    """One mode shape as a PNG: deformed on ``geometry`` (a :class:`~shm_app.session.state.Geometry`) at
    ``phase_rad``, or without a geometry as a bar chart per channel."""
    if geometry is None:
        return _bar_chart(Path(path), mode, channels, index)
    scene = _scene(mode, channels, geometry, index, animation)
    try:
        scene.draw(phase_rad)
        atomic_write_bytes(Path(path), scene.png())
    finally:
        scene.close()
    return Path(path)


def mode_gif(path: Union[str, Path], mode: Mode, channels: Sequence[str], geometry, *, index: int = 0,
             animation: AnimationSettings = AnimationSettings()) -> Path:
    """One vibration cycle of a mode on ``geometry`` as an animated GIF (``frames_per_cycle`` frames, looping)."""
    from PIL import Image

    scene = _scene(mode, channels, geometry, index, animation, dpi=GIF_DPI)
    try:
        images = []
        for phase in phases(animation.frames_per_cycle):
            scene.draw(phase)
            images.append(Image.fromarray(scene.rgb()).quantize(colors=64, method=Image.Quantize.MEDIANCUT))
    finally:
        scene.close()
    with atomic_path(Path(path)) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], loop=0,
                       duration=max(20, round(1000 * animation.frame_duration_s)), disposal=1)
    return Path(path)


def write_figures(folder: Union[str, Path], result, *, geometry=None, spectrum=None,
                  animation: AnimationSettings = AnimationSettings()) -> list[Path]:
    """Write the figures of an identification ``result`` into ``folder`` (made if missing); returns their paths.

    spectrum : the singular-value spectrum to draw when ``result`` holds none (the command line identifies
        without one); no ``spectrum.png`` when neither has one
    geometry : a :class:`~shm_app.session.state.Geometry`; with it the modes are drawn on the structure and
        animated (``mode-N.gif``)
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from shm_app.persistence.atomic import WriteError

        raise WriteError(folder, f"the folder cannot be made ({exc.strerror or exc})") from None
    spectrum = result.spectrum if result.spectrum is not None else spectrum
    fmax = result.settings.fmax_hz
    written = []
    if spectrum is not None:
        written.append(spectrum_png(folder / "spectrum.png", spectrum, result.modes, fmax_hz=fmax))
    if result.diagram is not None and result.diagram.orders.size:
        written.append(stabilization_png(folder / "stabilization.png", result.diagram, result.modes, spectrum,
                                         fmax_hz=fmax))
    for k, mode in enumerate(result.modes):
        written.append(mode_png(folder / f"mode-{k + 1}.png", mode, result.channels, geometry, index=k,
                                animation=animation))
        if geometry is not None:
            written.append(mode_gif(folder / f"mode-{k + 1}.gif", mode, result.channels, geometry, index=k,
                                    animation=animation))
    return written
