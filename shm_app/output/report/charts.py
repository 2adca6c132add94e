"""The report's charts: matplotlib (Agg, no Qt) figures returned as PNG bytes at print resolution.

Every chart is drawn from the campaign JSON document (``doc``) or an identification, at the size it is printed
(the text width of an A4 page, 170 mm), so its 7–8 pt labels stay 7–8 pt on paper.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Optional, Sequence

import numpy as np

from shm_app.output.report.blocks import Figure

TEXT_WIDTH_IN = 6.7  # 170 mm
RED, GREEN, GREY, BLUE, AMBER = "#c0392b", "#1e8449", "#7f8c8d", "#1f77b4", "#f1c40f"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "xtick.labelsize": 7,
                         "ytick.labelsize": 7, "legend.fontsize": 7})
    return plt


def to_figure(fig, caption: str, dpi: int, width: float = 1.0) -> Figure:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    size = fig.canvas.get_width_height()
    scale = dpi / fig.dpi
    plt.close(fig)
    return Figure(buffer.getvalue(), caption, width, (int(size[0] * scale), int(size[1] * scale)))


def times(doc: dict) -> list:
    """The records' start times, or their numbers when any start is unknown."""
    t = [datetime.fromisoformat(r["start"]) if r.get("start") else None for r in doc["recordings"]]
    return t if t and all(v is not None for v in t) else list(range(len(t)))


def column(doc: dict, key: str, track: Optional[str] = None) -> np.ndarray:
    """One value per record as floats (NaN where missing): ``key`` of each record, or ``record[key][track]``."""
    out = []
    for r in doc["recordings"]:
        v = r.get(key)
        if track is not None:
            v = (v or {}).get(track)
        out.append(np.nan if v is None else float(v))
    return np.array(out, dtype=float)


def flags(doc: dict, key: str) -> np.ndarray:
    return np.array([bool(r.get(key)) for r in doc["recordings"]], dtype=bool)


def _shade_baseline(ax, x, base: np.ndarray) -> None:
    if base.any() and not base.all():
        k = np.flatnonzero(base)
        ax.axvspan(x[k[0]], x[k[-1]], color=AMBER, alpha=0.13, lw=0, label="baseline")


def _mark_first_alarm(ax, x, doc: dict) -> None:
    alarm = flags(doc, "alarm")
    if alarm.any():
        ax.axvline(x[int(np.argmax(alarm))], color=RED, lw=0.9, ls=":", label="first alarm")


def control_chart(doc: dict, dpi: int) -> Figure:
    """Novelty index per record against its own control limit; exceedances and alarms marked."""
    plt = _pyplot()
    x = times(doc)
    xa = np.asarray(x, dtype=object)
    nov, lim = column(doc, "novelty"), column(doc, "limit")
    exceed, alarm, base = flags(doc, "exceed"), flags(doc, "alarm"), flags(doc, "baseline")
    ratio = doc.get("baseline", {}).get("index_unit") == "ratio"
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 3.0), layout="constrained")
    positive = nov[np.isfinite(nov) & (nov > 0)]
    floor = max(float(positive.min()) if positive.size else 1e-3, 1e-4)
    shown = np.where(np.isfinite(nov), np.maximum(nov, floor), np.nan)
    ax.plot(xa[~exceed], shown[~exceed], ".", ms=2.2, color="#34495e", label="record within its limit")
    ax.plot(xa[exceed & ~alarm], shown[exceed & ~alarm], "o", ms=3.2, mfc="none", mew=0.7, color=RED,
            label=f"above its own limit ({int(exceed.sum())} records)")
    ax.plot(xa[alarm], shown[alarm], "o", ms=3.2, color=RED, label=f"in alarm ({int(alarm.sum())} records)")
    ax.step(xa, lim, where="mid", color=RED, lw=0.9, ls="--", label="each record's control limit")
    _shade_baseline(ax, x, base)
    ax.set_yscale("log")
    ax.set_ylabel("Novelty index / limit (ratio)" if ratio else "Novelty index T²")
    ax.grid(alpha=0.3, which="major")
    # the legend above the axes: inside it hid the limit line wherever the limit stood far above the points
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=6.8, frameon=False)
    peaks = [float(np.nanmax(v)) for v in (shown, lim) if np.isfinite(v).any()]
    ax.set_ylim(top=max(peaks) * 2 if peaks else 10)
    caption = ("Control chart. Each record's novelty index against its own control limit (dashed; lower where a "
               "mode is missing and the record is judged on fewer modes). Hollow red: above its limit; filled red: in "
               "alarm under the alarm rule; shaded: baseline.")
    return to_figure(fig, caption, dpi)


def frequency_time_charts(doc: dict, dpi: int, per_figure: int = 4) -> list[Figure]:
    """Each track over time, ``per_figure`` tracks a figure: the raw frequency (left) and the compensated change
    in % with the baseline's ±3σ band (right), where a change of the structure shows."""
    plt = _pyplot()
    ids = [t["id"] for t in doc["tracks"]]
    x = times(doc)
    xa = np.asarray(x, dtype=object)
    base = flags(doc, "baseline")
    sd = doc.get("baseline", {}).get("residual_std_percent") or {}
    covariates = bool(doc.get("baseline", {}).get("covariates"))
    out = []
    for start in range(0, len(ids), per_figure):
        chunk = ids[start:start + per_figure]
        fig, axes = plt.subplots(len(chunk), 2, figsize=(TEXT_WIDTH_IN, 0.55 + 1.35 * len(chunk)), sharex=True,
                                 layout="constrained", squeeze=False)
        for row, tid in zip(axes, chunk):
            f = column(doc, "frequencies_hz", tid)
            r = column(doc, "residuals_percent", tid)
            row[0].plot(xa, f, ".", ms=1.5, color="#5d6d7e", label="as identified")
            row[0].set_ylabel(f"{tid} [Hz]")
            row[1].plot(xa, r, ".", ms=1.5, color=BLUE, label="compensated change")
            s = sd.get(tid)
            if s:
                row[1].axhspan(-3 * s, 3 * s, color="#2ca02c", alpha=0.10, lw=0, label="baseline ±3σ")
            row[1].axhline(0, color="#333333", lw=0.6)
            row[1].set_ylabel(f"{tid} Δ [%]")
            for ax in row:
                _shade_baseline(ax, x, base)
                _mark_first_alarm(ax, x, doc)
                ax.grid(alpha=0.3)
                ax.tick_params(axis="x", labelrotation=30)
        axes[0, 0].set_title("Raw frequency", loc="left")
        axes[0, 1].set_title("Compensated change (residual)", loc="left")
        axes[0, 1].legend(loc="lower left", ncols=2, fontsize=6.5, framealpha=0.9, markerscale=3)
        caption = (f"Tracked frequencies {chunk[0]}–{chunk[-1]} ({start + 1}–{start + len(chunk)} of {len(ids)}) "
                   "over time. Left: as identified, with the environmental swing. Right: the change left after "
                   + ("the effect of the covariates is removed" if covariates else
                      "the baseline mean is removed (no covariates)")
                   + ", in % of the prediction, with the baseline's ±3σ band. Shaded: baseline; dotted: first "
                     "alarm. Gaps are records where the mode was not found; nothing is interpolated.")
        out.append(to_figure(fig, caption, dpi))
    return out


def frequency_covariate_charts(doc: dict, dpi: int, per_figure: int = 6) -> list[Figure]:
    """Each track's frequency against the first covariate, with the fitted model's prediction at every record
    (f / (1 + residual), exactly the regression's value there)."""
    covs = doc.get("baseline", {}).get("covariates") or []
    if not covs:
        return []
    plt = _pyplot()
    name = covs[0]
    c = column(doc, "covariates", name)
    base = flags(doc, "baseline")
    ids = [t["id"] for t in doc["tracks"]]
    label = name[:-2] + " [°C]" if name.endswith("_c") else name
    out = []
    for start in range(0, len(ids), per_figure):
        chunk = ids[start:start + per_figure]
        rows = (len(chunk) + 1) // 2
        fig, axes = plt.subplots(rows, 2, figsize=(TEXT_WIDTH_IN, 0.4 + 1.85 * rows), layout="constrained",
                                 squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(chunk):
                ax.set_visible(False)
                continue
            tid = chunk[k]
            f = column(doc, "frequencies_hz", tid)
            r = column(doc, "residuals_percent", tid)
            ax.plot(c[base], f[base], ".", ms=1.6, color="#7f9fbf", label="baseline")
            ax.plot(c[~base], f[~base], ".", ms=1.6, color="#e08a3c", label="after the baseline")
            model = f / (1 + r / 100)
            ok = np.isfinite(model) & np.isfinite(c)
            if ok.any():
                order = np.argsort(c[ok])
                style = dict(color="black", lw=1.1) if len(covs) == 1 else dict(ls="none", marker=".", ms=0.8,
                                                                                 color="black")
                ax.plot(c[ok][order], model[ok][order], label="fitted model", **style)
            ax.set_title(tid, loc="left")
            ax.set_xlabel(label)
            ax.set_ylabel("Frequency [Hz]")
            ax.grid(alpha=0.3)
            if k == 0:
                ax.legend(fontsize=6.8, markerscale=3, loc="best")
        caption = (f"Frequency against {name} with the model fitted on the baseline "
                   f"({chunk[0]}–{chunk[-1]} of {len(ids)} tracks)"
                   + ("" if len(covs) == 1 else f"; the model also uses {', '.join(covs[1:])}, so it is drawn "
                                                 "as its value at each record") + ".")
        out.append(to_figure(fig, caption, dpi))
    return out


def shape_bar_chart(shape: np.ndarray, channels: Sequence[str], title: str, colour: str, dpi: int,
                    caption: str) -> Figure:
    """A mode shape as one bar per channel (real part; imaginary part thin and grey when it matters)."""
    plt = _pyplot()
    shape = np.asarray(shape)
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN / 2, 1.9), layout="constrained")
    xk = np.arange(len(shape))
    ax.bar(xk, np.real(shape), width=0.6, color=colour)
    if np.max(np.abs(np.imag(shape)), initial=0) > 0.05:  # a visibly complex shape
        ax.bar(xk, np.imag(shape), width=0.22, color="#7f7f7f", label="imaginary part")
        ax.legend(fontsize=6.5)
    ax.axhline(0, color="black", lw=0.6)
    names = list(channels) if len(channels) == len(shape) else [str(k + 1) for k in xk]
    ax.set_xticks(xk, names, rotation=90 if len(names) > 6 else 0, fontsize=7 if len(names) <= 16 else 5.5)
    ax.set(ylim=(-1.15, 1.15), title=title)
    ax.grid(axis="y", alpha=0.3)
    return to_figure(fig, caption, dpi, width=0.5)


def shape_on_geometry(mode, channels: Sequence[str], geometry, index: int, dpi: int, caption: str,
                      width_in: float = TEXT_WIDTH_IN / 2) -> Figure:
    """A mode shape drawn deformed on the structure (the view the GUI exports), ``width_in`` wide as printed (its
    text then prints at its nominal size: half the text width is one column of a two-column grid)."""
    from shm_app.geometry.animation import AnimationSettings
    from shm_app.output.figures import _scene

    scene = _scene(mode, channels, geometry, index, AnimationSettings(), dpi=dpi, width_in=width_in)
    try:
        scene.draw(0.0)
        png = scene.png()
        h, w = scene.rgb().shape[:2]
    finally:
        scene.close()
    return Figure(png, caption, 1.0, (w, h))


def stabilization_chart(result, dpi: int, caption: str) -> Figure:
    """Poles by model order (unstable grey, stable in frequency blue, fully stable green, each selected mode's
    poles ringed in its colour) over the first singular value of the spectrum."""
    plt = _pyplot()
    d, fmax = result.diagram, result.settings.fmax_hz
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 3.6), layout="constrained")
    band = np.ones(d.frequencies_hz.size, bool) if fmax is None else d.frequencies_hz <= fmax
    spectrum = result.spectrum
    if spectrum is not None:
        sv = ax.twinx()
        fs = spectrum.frequencies_hz
        keep = (fs > 0) & (fs <= (fmax or fs.max()))
        sv.plot(fs[keep], 10 * np.log10(np.maximum(spectrum.singular_values[keep, 0], 1e-300)), color="#404040",
                lw=0.8, alpha=0.6)
        sv.set_ylabel("First singular value [dB]")
        ax.set_zorder(sv.get_zorder() + 1)
        ax.patch.set_visible(False)
    for mask, label, colour, size in ((~d.stable_frequency, "unstable", "#c8c8c8", 4),
                                      (d.stable_frequency & ~d.stable, "stable frequency", "#6baed6", 6),
                                      (d.stable, "stable f, ζ, MAC", "#238b45", 7)):
        sel = mask & band
        ax.scatter(d.frequencies_hz[sel], d.orders[sel], s=size, c=colour, label=label, linewidths=0)
    for k, m in enumerate(result.modes):
        c = PALETTE[k % len(PALETTE)]
        ax.axvline(m.frequency_hz, color=c, lw=0.8)
        if m.poles is not None and len(m.poles):
            ax.scatter(d.frequencies_hz[m.poles], d.orders[m.poles], s=18, facecolors="none", edgecolors=c,
                       linewidths=0.7, label="poles of the modes" if k == 0 else None)
    ax.set(xlabel="Frequency [Hz]", ylabel="Model order")
    if fmax:
        ax.set_xlim(0, fmax)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=4, fontsize=7, frameon=False)
    return to_figure(fig, caption, dpi)
