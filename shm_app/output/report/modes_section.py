"""The identified modes of the reference state: a table with uncertainty, one shape figure per mode (on the
geometry when there is one), the stabilization diagram of the reference recording; manual modes marked."""
from __future__ import annotations

from typing import Optional

import numpy as np

from shm_app.output.report import charts
from shm_app.output.report.blocks import FigureGrid, Paragraph, Section, Table
from shm_app.output.report.inputs import Identification, ReportInputs
from shm_app.output.report.model import DASH, num

UNCERTAINTY_NOTE = (
    "σ is the statistical standard deviation of the estimate (from the variance of the data, SSI-COV with "
    "uncertainty on); the 95 % interval is f ± 1.96 σ. The order scatter is the spread of the mode's poles over "
    "the model orders of the stabilization diagram: it shows how stable the estimate is, not its uncertainty. "
    "“manual” marks a mode a person selected or edited.")


def _mode_rows(doc: dict) -> tuple[tuple[str, ...], ...]:
    rows = []
    for k, m in enumerate(doc.get("modes", [])):
        f, sf = m["frequency_hz"], m.get("frequency_sigma_hz")
        zs = m.get("damping_sigma")
        interval = DASH if sf is None else f"{f - 1.96 * sf:.4f} – {f + 1.96 * sf:.4f}"
        scatter = (DASH if m.get("frequency_scatter_hz") is None else
                   f"{m['frequency_scatter_hz']:.4f} / {100 * (m.get('damping_scatter') or 0):.2f}")
        rows.append((str(k + 1), f"{f:.4f}", num(sf, ".4f"), interval, f"{100 * m['damping_ratio']:.2f}",
                     DASH if zs is None else f"{100 * zs:.2f}", f"{m['mpc']:.3f}", f"{m['mpd_deg']:.1f}", scatter,
                     str(m.get("n_poles", DASH)), "manual" if m.get("manual") else "automatic"))
    return tuple(rows)


def _missing_sigma(doc: dict) -> Optional[str]:
    modes = doc.get("modes", [])
    if not modes or any(m.get("frequency_sigma_hz") is not None for m in modes):
        return None
    if doc.get("method") == "ssi-dat":
        return (f"σ was not estimated for {doc.get('file')}: SSI-DATA gives no statistical uncertainty here "
                "(SSI-COV, FDD, EFDD and peak picking do); only the order scatter is shown.")
    return (f"σ was not estimated for {doc.get('file')}: the uncertainty was switched off, or the record is too "
            "short for it (it needs 8 independent segments, each 20 × block rows samples long for SSI-COV or 4.5 "
            "spectral segments long for FDD, EFDD and peak picking; a longer record or a higher f min gives it).")


def _describe(doc: dict) -> str:
    s = doc.get("settings", {})
    how = (f"block rows {s.get('block_rows')}, model orders {s['orders'][0]}–{s['orders'][1]}"
           if s.get("orders") else f"resolution {num(s.get('resolution_hz'), '.3g')} Hz")
    return (f"{doc.get('file')}: {doc.get('method')}, {len(doc.get('channels', []))} channels at "
            f"{num(doc.get('fs_hz'), 'g')} Hz, band {num(s.get('fmin_hz'), 'g')}–{num(s.get('fmax_hz'), 'g')} Hz, "
            f"{how}; {len(doc.get('modes', []))} modes.")


def modes_table(ident: Identification) -> Table:
    return Table(("Mode", "f [Hz]", "σ f [Hz]", "95 % interval of f [Hz]", "ζ [%]", "σ ζ [%]", "MPC", "MPD [°]",
                  "Order scatter f [Hz] / ζ [%]", "Poles", "Selection"), _mode_rows(ident.doc),
                 f"Identified modes of {ident.name}", "rrrrrrrrrrl",
                 (0.068, 0.085, 0.075, 0.175, 0.06, 0.06, 0.065, 0.06, 0.13, 0.06, 0.1))


def shape_figures(ident: Identification, geometry, dpi: int) -> list:
    doc, figures = ident.doc, []
    channels = doc.get("channels", [])
    modes = ident.result.modes if ident.result is not None else None
    for k, m in enumerate(doc.get("modes", [])):
        mark = " (manual)" if m.get("manual") else ""
        caption = (f"Mode {k + 1}{mark}: {m['frequency_hz']:.3f} Hz, ζ = {100 * m['damping_ratio']:.2f} %, "
                   f"MPC {m['mpc']:.2f}")
        title = f"Mode {k + 1}{mark}: {m['frequency_hz']:.3f} Hz"
        if geometry is not None and modes is not None:
            try:
                figures.append(charts.shape_on_geometry(modes[k], channels, geometry, k, dpi, caption))
                continue
            except (KeyError, ValueError):
                pass  # the geometry does not cover these channels: draw the bars
        shape = np.asarray(m.get("shape", []), float) + 1j * np.asarray(m.get("shape_imag") or
                                                                         np.zeros(len(m.get("shape", []))), float)
        figures.append(charts.shape_bar_chart(shape, channels, title, charts.PALETTE[k % len(charts.PALETTE)], dpi,
                                              caption))
    return figures


def _campaign_reference(inputs: ReportInputs, doc: dict, *, shapes: bool = True) -> list:
    """The tracks' reference frequencies and the baseline's spread, and (``shapes``) the tracks' reference shapes
    as bars."""
    base = np.array([bool(r.get("baseline")) for r in doc["recordings"]])
    rows = []
    for t in doc["tracks"]:
        f = charts.column(doc, "frequencies_hz", t["id"])[base]
        z = charts.column(doc, "damping_ratios", t["id"])[base]
        f = f[np.isfinite(f)]
        z = z[np.isfinite(z)]
        rows.append((t["id"], num(t.get("reference_frequency_hz")), num(f.mean() if f.size else None),
                     num(f.std(ddof=1) if f.size > 1 else None, ".4f"),
                     f"{np.percentile(f, 2.5):.4f} – {np.percentile(f, 97.5):.4f}" if f.size else DASH,
                     f"{100 * np.median(z):.2f}" if z.size else DASH, num(t.get("presence"), ".0%"),
                     "yes" if t.get("watched", True) else "no"))
    blocks = [Paragraph(
        "The reference state is the baseline. Each tracked mode's reference frequency is the baseline's median; "
        "the spread over the baseline includes the environmental variation (section 4 removes it)."),
        Table(("Mode", "Reference f [Hz]", "Baseline mean [Hz]", "Baseline std [Hz]",
               "95 % of baseline records [Hz]", "Median ζ [%]", "Found in baseline", "In the index"), tuple(rows),
              "Reference state of the tracked modes", "lrrrrrrl", (0.08, 0.12, 0.12, 0.12, 0.2, 0.1, 0.13, 0.13))]
    if not shapes:
        return blocks
    if all(t.get("reference_shape") is None for t in doc["tracks"]):
        blocks.append(Paragraph(
            "The campaign ran on frequencies identified elsewhere: no damping, mode shapes or stabilization diagram "
            "are available. Identify a reference recording in the project to add them to this section.", "note"))
    else:
        channels = doc.get("channels") or []
        figs = [charts.shape_bar_chart(t["reference_shape"], channels, f"{t['id']}: {t['reference_frequency_hz']:.3f}"
                                       f" Hz", charts.PALETTE[k % len(charts.PALETTE)], inputs.dpi,
                                       f"Reference shape of {t['id']} (baseline)")
                for k, t in enumerate(doc["tracks"]) if t.get("reference_shape") is not None]
        blocks.append(FigureGrid(tuple(figs), 2))
    return blocks


def reference_modes(inputs: ReportInputs, doc: Optional[dict]) -> Optional[Section]:
    if not inputs.identifications:
        if not doc or not doc.get("recordings"):
            return None
        return Section("Identified modes of the reference state", tuple(_campaign_reference(inputs, doc)))
    ref = inputs.identifications[0]
    in_campaign = bool(doc and doc.get("recordings")) and any(
        r.get("file") == ref.name and r.get("baseline") for r in doc["recordings"])
    lead = ("The reference recording is the baseline recording whose frequencies lie nearest the tracked modes' "
            "reference frequencies, identified again with the statistical uncertainty the campaign leaves out: "
            if in_campaign else "The reference recording is ")
    blocks = [Paragraph(lead + _describe(ref.doc)), modes_table(ref),
              Paragraph(UNCERTAINTY_NOTE, "note")]
    missing = _missing_sigma(ref.doc)
    if missing:
        blocks.append(Paragraph(missing, "note"))
    subsections = [Section("Mode shapes", (
        Paragraph("On the structure's geometry (undeformed grey)." if inputs.geometry is not None else
                  "No geometry in the project: each shape is drawn as one bar per channel (real part)."),
        FigureGrid(tuple(shape_figures(ref, inputs.geometry, inputs.dpi)), 2)))]
    if ref.result is not None and getattr(ref.result, "diagram", None) is not None:
        subsections.append(Section("Stabilization diagram", (charts.stabilization_chart(
            ref.result, inputs.dpi, f"Stabilization diagram of {ref.name}: poles by model order over the first "
                                    "singular value of the spectrum; the poles of each selected mode ringed."),)))
    if doc and doc.get("recordings"):
        subsections.append(Section("Baseline of the tracked modes", tuple(_campaign_reference(inputs, doc,
                                                                                             shapes=False))))
    for other in inputs.identifications[1:]:
        extra = [Paragraph(_describe(other.doc)), modes_table(other)]
        note = _missing_sigma(other.doc)
        if note:
            extra.append(Paragraph(note, "note"))
        subsections.append(Section(f"Other recording: {other.name}", tuple(extra)))
    return Section("Identified modes of the reference state", tuple(blocks), subsections=tuple(subsections))
