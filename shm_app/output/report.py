"""The damage report (PDF): verdict, tracked frequencies, control chart, environmental model, identified modes.

Built with matplotlib's PDF backend (vector pages, no Qt, runs headless and in batch) from the JSON documents
the app stores, so a report can be regenerated from a project file at any time (``shm-app report``).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from shm_app import __version__
from shm_app.output.tables import format_scatter

A4 = (8.27, 11.69)
RED, GREEN, GREY = "#c0392b", "#1e8449", "#7f8c8d"


def _figure(title: str):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=A4)
    fig.text(0.07, 0.965, title, fontsize=15, weight="bold", va="top")
    fig.text(0.93, 0.965, f"SHM Workbench {__version__}", fontsize=8, color=GREY, ha="right", va="top")
    return fig


def _footer(fig, page: int, generated: str) -> None:
    fig.text(0.5, 0.02, f"page {page} · generated {generated} UTC", fontsize=8, color=GREY, ha="center")


def _times(doc: dict) -> list[Optional[datetime]]:
    return [datetime.fromisoformat(r["start"]) if r.get("start") else None for r in doc["recordings"]]


def _track_matrix(doc: dict) -> tuple[list[str], np.ndarray]:
    ids = [t["id"] for t in doc["tracks"]]
    f = np.array([[np.nan if r["frequencies_hz"].get(i) is None else r["frequencies_hz"][i] for i in ids]
                  for r in doc["recordings"]], dtype=float).reshape(len(doc["recordings"]), len(ids))
    return ids, f


def _baseline_count(doc: dict) -> int:
    return int(doc.get("baseline", {}).get("n_recordings", 0))


def _tracks_table(doc: dict) -> list[list[str]]:
    """Header and one row per track: reference and raw mean frequency, and the compensated change (the mean of the
    residuals, in % and in baseline residual σ) after the baseline and from the first alarm on.

    The raw mean after the baseline moves with the season (winter stiffens a deck by several %); only the
    compensated residuals say whether the structure changed, so the change columns use them alone.
    """
    ids, f = _track_matrix(doc)
    recs = doc["recordings"]
    nb = _baseline_count(doc)
    res = np.array([[np.nan if (r.get("residuals_percent") or {}).get(i) is None else r["residuals_percent"][i]
                     for i in ids] for r in recs], dtype=float).reshape(len(recs), len(ids))
    sd = doc.get("baseline", {}).get("residual_std_percent") or {}
    alarm_at = next((k for k, r in enumerate(recs) if r.get("alarm")), None)

    def change(block: np.ndarray, k: int) -> str:
        if not np.any(np.isfinite(block)):
            return "–"
        mean = float(np.nanmean(block))
        sigma = sd.get(ids[k])
        text = f"{mean:+.2f}".replace("-0.00", "+0.00")
        return text + (f" ({mean / sigma:+.1f} σ)".replace("-0.0 ", "+0.0 ") if sigma else "")

    rows = [["Track", "Reference\n[Hz]", "Mean after\nbaseline [Hz]", "Compensated Δ\nafter baseline [%]",
             "Compensated Δ\nfrom first alarm [%]"]]
    for k, tid in enumerate(ids):
        ref = doc["tracks"][k].get("reference_frequency_hz", np.nan)
        after = f[nb:, k]
        rows.append([tid, f"{ref:.4f}", f"{np.nanmean(after):.4f}" if np.any(np.isfinite(after)) else "–",
                     change(res[nb:, k], k), "no alarm" if alarm_at is None else change(res[alarm_at:, k], k)])
    return rows


def _summary_page(pdf, doc: dict, title: str, generated: str, page: int) -> None:
    fig = _figure(title)
    recs = doc["recordings"]
    times = [t for t in _times(doc) if t is not None]
    first_alarm = doc.get("first_alarm")
    n_alarm = sum(bool(r.get("alarm")) for r in recs)
    verdict = (f"ALARM — a lasting change of the natural frequencies was detected from {first_alarm}"
               if first_alarm else "No alarm — the compensated natural frequencies stay within the control limit")
    colour = RED if first_alarm else GREEN
    from matplotlib.patches import FancyBboxPatch

    fig.patches.append(FancyBboxPatch(
        (0.07, 0.83), 0.86, 0.07, boxstyle="round,pad=0.01", transform=fig.transFigure, facecolor=colour,
        alpha=0.12, edgecolor=colour))
    fig.text(0.09, 0.865, verdict, fontsize=11, weight="bold", color=colour, va="center", wrap=True)
    base = doc.get("baseline", {})
    lines = [
        ("Recordings", f"{len(recs)}" + (f", {min(times):%Y-%m-%d %H:%M} to {max(times):%Y-%m-%d %H:%M}" if times else "")),
        ("Baseline (training) period", f"first {base.get('n_recordings', '?')} recordings"),
        ("Environmental covariates", ", ".join(base.get("covariates") or []) or "none (PCA model of the baseline)"),
        ("Control limit (novelty index)", f"{base.get('threshold', float('nan')):.3g}"
         + (f", false-alarm rate {base['false_alarm_rate']:.2%} per recording" if "false_alarm_rate" in base else "")),
        ("Recordings above the limit / in alarm", f"{sum((r.get('novelty') or 0) > base.get('threshold', np.inf) for r in recs)} / {n_alarm}"),
        ("First alarm", first_alarm or "none"),
    ]
    y = 0.79
    for key, value in lines:
        fig.text(0.07, y, key, fontsize=10, color="#333333")
        fig.text(0.42, y, value, fontsize=10, weight="bold")
        y -= 0.03
    ax = fig.add_axes([0.07, 0.30, 0.86, 0.22])
    ax.axis("off")
    ax.set_title("Tracked modes: the raw mean frequency, and the temperature-compensated change the alarm rests on",
                 fontsize=10, loc="left")
    rows = _tracks_table(doc)
    table = ax.table(cellText=rows[1:], colLabels=rows[0], loc="upper left", cellLoc="right",
                     colWidths=[0.1, 0.16, 0.2, 0.27, 0.27])
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.4)
    for col in range(len(rows[0])):
        table[0, col].set_height(table[0, col].get_height() * 1.8)  # two-line headers
    moved = doc.get("moved_tracks") or doc.get("changes")
    if moved:
        fig.text(0.07, 0.26, "Tracks that moved at the alarm: " + "; ".join(
            f"{m.get('id', m.get('track'))}: {m.get('change_percent', float('nan')):+.2f} % "
            f"({m.get('change_sigma', float('nan')):+.1f} σ)" for m in moved), fontsize=9, wrap=True)
    fig.text(0.07, 0.20, "How to read this report", fontsize=10, weight="bold")
    fig.text(0.07, 0.185, (
        "Natural frequencies are identified automatically in every recording and matched to the modes of the baseline.\n"
        "Their dependence on temperature (and other covariates) is learnt from the baseline only and removed; the\n"
        "novelty index is the Mahalanobis distance of the remaining residuals. A lasting exceedance of the control\n"
        "limit means the structure's stiffness changed beyond what the environment explains: inspect the structure."),
        fontsize=8.5, va="top", color="#333333")
    _footer(fig, page, generated)
    pdf.savefig(fig)


def _tracks_page(pdf, doc: dict, title: str, generated: str, page: int) -> None:
    import matplotlib.pyplot as plt

    ids, f = _track_matrix(doc)
    t = _times(doc)
    x = t if all(v is not None for v in t) else list(range(len(t)))
    nb = _baseline_count(doc)
    alarm = np.array([bool(r.get("alarm")) for r in doc["recordings"]])
    fig = _figure(title)
    n = max(len(ids), 1)
    for k, tid in enumerate(ids):
        ax = fig.add_axes([0.12, 0.08 + (n - 1 - k) * 0.84 / n + 0.03, 0.80, 0.84 / n - 0.06])
        ax.plot(x, f[:, k], ".", ms=3, color="#1f77b4", label="identified")
        if alarm.any():
            ax.plot(np.asarray(x, dtype=object)[alarm], f[alarm, k], "o", ms=4, mfc="none", color=RED, label="alarm")
        if nb and len(x) > nb:
            ax.axvspan(x[0], x[nb - 1], color="#f1c40f", alpha=0.12, label="baseline")
        ax.set_ylabel(f"{tid} [Hz]")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.set_title("Tracked natural frequencies (missing = mode not found, never guessed)", fontsize=10, loc="left")
            ax.legend(fontsize=7, loc="upper right")
        ax.tick_params(labelsize=7)
    _footer(fig, page, generated)
    pdf.savefig(fig)
    plt.close(fig)


def _control_page(pdf, doc: dict, title: str, generated: str, page: int) -> None:
    import matplotlib.pyplot as plt

    t = _times(doc)
    x = t if all(v is not None for v in t) else list(range(len(t)))
    nov = np.array([np.nan if r.get("novelty") is None else r["novelty"] for r in doc["recordings"]], dtype=float)
    alarm = np.array([bool(r.get("alarm")) for r in doc["recordings"]])
    thr = doc.get("baseline", {}).get("threshold")
    fig = _figure(title)
    ax = fig.add_axes([0.12, 0.55, 0.80, 0.35])
    ax.semilogy(x, nov, ".-", lw=0.6, ms=3, color="#34495e", label="novelty index")
    if alarm.any():
        ax.semilogy(np.asarray(x, dtype=object)[alarm], nov[alarm], "o", color=RED, ms=5, label="alarm")
    if thr:
        ax.axhline(thr, color=RED, ls="--", lw=1.2, label=f"control limit {thr:.3g}")
    nb = _baseline_count(doc)
    if nb and len(x) > nb:
        ax.axvspan(x[0], x[nb - 1], color="#f1c40f", alpha=0.12, label="baseline")
    ax.set_title("Control chart of the compensated residuals", fontsize=10, loc="left")
    ax.set_ylabel("Novelty index (Mahalanobis distance²)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    ax.tick_params(labelsize=7)
    covs = doc.get("baseline", {}).get("covariates") or []
    if covs:
        name = covs[0]
        ids, f = _track_matrix(doc)
        c = np.array([np.nan if r.get("covariates", {}).get(name) is None else r["covariates"][name]
                      for r in doc["recordings"]], dtype=float)
        ax2 = fig.add_axes([0.12, 0.08, 0.80, 0.37])
        for k, tid in enumerate(ids):
            ref = np.nanmean(f[: nb or None, k])
            ax2.plot(c, 100 * (f[:, k] - ref) / ref, ".", ms=3, label=tid)
        ax2.set_xlabel(name.replace("_c", " [°C]") if name.endswith("_c") else name)
        ax2.set_ylabel("Frequency change from baseline mean [%]")
        ax2.set_title(f"Environmental effect: frequency against {name}", fontsize=10, loc="left")
        ax2.grid(alpha=0.3)
        ax2.legend(fontsize=7, ncol=min(4, len(ids)))
        ax2.tick_params(labelsize=7)
    _footer(fig, page, generated)
    pdf.savefig(fig)
    plt.close(fig)


def _modes_page(pdf, docs: Sequence[dict], title: str, generated: str, page: int) -> None:
    import matplotlib.pyplot as plt

    fig = _figure(title)
    y = 0.90
    for doc in docs[:6]:
        s = doc.get("settings", {})
        swept = s.get("orders") is not None  # SSI: modes are clusters of poles with a scatter over the orders
        how = (f"block rows {s.get('block_rows')}, orders {s['orders'][0]}–{s['orders'][1]}" if swept
               else f"resolution {s.get('resolution_hz', 0):.3g} Hz")
        fig.text(0.07, y, f"{doc.get('file')} — {doc.get('method')}, {len(doc['channels'])} channels, "
                          f"{doc.get('fs_hz'):g} Hz, band {s.get('fmin_hz', 0):g}–{s.get('fmax_hz', 0):g} Hz, "
                          f"{how}", fontsize=8.5)
        rows = [[str(k + 1), f"{m['frequency_hz']:.4f}",
                 format_scatter(m.get("frequency_scatter_hz", 0), 4) if swept else "—",
                 f"{100 * m['damping_ratio']:.2f}", format_scatter(100 * m.get("damping_scatter", 0), 2) if swept else "—",
                 f"{m['mpc']:.3f}", f"{m['mpd_deg']:.1f}", str(m.get("n_poles", "")) if swept else "—"]
                for k, m in enumerate(doc["modes"][:10])]
        h = 0.022 * (len(rows) + 1)
        ax = fig.add_axes([0.07, y - 0.01 - h, 0.86, h])
        ax.axis("off")
        if rows:
            tb = ax.table(cellText=rows, loc="upper left", cellLoc="right",
                          colLabels=["Mode", "f [Hz]", "± [Hz]", "ζ [%]", "± [%]", "MPC", "MPD [°]", "Poles"])
            tb.auto_set_font_size(False)
            tb.set_fontsize(8)
        y -= h + 0.06
        if y < 0.12:
            break
    _footer(fig, page, generated)
    pdf.savefig(fig)
    plt.close(fig)


def write_report(path: Union[str, Path], *, campaign=None, identifications: Sequence[dict] = (),
                 title: str = "Structural health monitoring report") -> Path:
    """Write the PDF report atomically. ``campaign`` is a campaign JSON document or CampaignResult."""
    from matplotlib.backends.backend_pdf import PdfPages

    from shm_app.campaign.document import campaign_to_json
    from shm_app.errors import SettingsError
    from shm_app.persistence.atomic import atomic_path

    doc = campaign if campaign is None or isinstance(campaign, dict) else campaign_to_json(campaign)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    target = Path(path)
    with atomic_path(target) as tmp:
        with PdfPages(tmp) as pdf:
            page = 1
            if doc is not None and doc.get("recordings"):
                _summary_page(pdf, doc, title, generated, page)
                _tracks_page(pdf, doc, "Tracked natural frequencies", generated, page + 1)
                _control_page(pdf, doc, "Damage detection", generated, page + 2)
                page += 3
            if identifications:
                _modes_page(pdf, list(identifications), "Identified modes", generated, page)
                page += 1
            if page == 1:
                raise SettingsError("nothing to report: neither a campaign nor identified modes", target)
            info = pdf.infodict()
            info["Title"] = title
            info["Creator"] = f"SHM Workbench {__version__}"
    return target
