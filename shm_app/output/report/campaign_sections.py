"""Sections about the monitoring: executive summary, data inventory, tracking and compensation, detection,
per-mode shifts. Each is one function of the inputs and the campaign JSON document."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import numpy as np

from shm_app.output.report import charts
from shm_app.output.report.blocks import Paragraph, Section, Table, Verdict
from shm_app.output.report.inputs import ReportInputs
from shm_app.output.report.model import (DASH, VERDICT_RULE, monitoring_counts, num, percent, rule_text,
                                         verdict)


def _moved_text(doc: dict) -> str:
    moved = doc.get("moved_tracks") or []
    still = [t["id"] for t in doc["tracks"] if t.get("shift_percent") is not None and not t.get("moved")]
    if not moved:
        return ""
    parts = [f"{m['id']} by {m['change_percent']:+.2f} % ({m['change_sigma']:+.1f} baseline σ)" for m in moved]
    text = "After the first alarm the compensated frequencies moved: " + ", ".join(parts) + "."
    if still:
        text += f" {', '.join(still)} stayed within 3 baseline σ."
    return text


def summary(inputs: ReportInputs, doc: Optional[dict]) -> Section:
    if not doc or not doc.get("recordings"):
        modes = [m for i in inputs.identifications for m in i.doc.get("modes", [])]
        f = [m["frequency_hz"] for m in modes]
        text = (f"This report documents a modal identification without monitoring: {len(inputs.identifications)} "
                f"recording(s), {len(modes)} modes" + (f" between {min(f):.3f} and {max(f):.3f} Hz" if f else "")
                + ". It gives no verdict on damage: that needs a campaign of recordings over time.")
        return Section("Executive summary", (Verdict(None, "Identification only: no monitoring verdict"),
                                             Paragraph(text)))
    c = monitoring_counts(doc)
    level, reason = verdict(doc)
    base = doc.get("baseline", {})
    first = doc.get("first_alarm")
    headline = {"alarm": f"ALARM: lasting change of the natural frequencies from {_date(first)}",
                "watch": f"WATCH: no alarm, but {reason}",
                "no change": "NO CHANGE: the compensated frequencies stay within their control limits"}[level]
    expected = (base.get("alpha") or 0.01) * c["judged_after"]
    covs = base.get("covariates") or []
    env = (f"after removing the effect of {', '.join(covs)} learnt on the baseline" if covs else
           "without covariates (the baseline's envelope stands for the environment)")
    text = (f"{c['n']} records were analysed: {c['baseline']} form the baseline ({_date(base.get('start'))} to "
            f"{_date(base.get('end'))}), assumed undamaged, and {c['after']} follow it. The natural frequencies were "
            f"compared {env}. {c['exceed']} records are above their own control limit ({c['exceed_baseline']} in the "
            f"baseline, {c['exceed_after']} after it, where an unchanged structure would give about "
            f"{expected:.0f}); {c['alarm']} are in alarm.")
    if first:
        text += f" The alarm rule first fired on {_stamp(first)}"
        text += "; the latest record is still in alarm." if c["last_alarm"] else "; the latest record is not in alarm."
    text += " " + _moved_text(doc)
    advice = {"alarm": "The stiffness of the structure changed beyond what the environment explains: inspect it, "
                       "starting where the moved modes have large amplitudes.",
              "watch": "Check the sensors and the latest records; no inspection is called for by this evidence alone.",
              "no change": "No action is called for by the monitoring."}[level]
    table = Table(("Quantity", "Value"), (
        ("Records analysed", f"{c['n']}"),
        ("Baseline", f"{c['baseline']} records, {_date(base.get('start'))} to {_date(base.get('end'))}"),
        ("Records above their own control limit", f"{c['exceed']} ({c['exceed_baseline']} baseline, "
                                                  f"{c['exceed_after']} after)"),
        ("Records in alarm", f"{c['alarm']}"),
        ("First alarm", _stamp(first) if first else "none"),
        ("Records without a verdict", f"{c['unjudged']}"),
    ), "Key figures", "ll", (0.45, 0.55))
    return Section("Executive summary", (
        Verdict(level, headline), Paragraph(text.strip()), Paragraph(advice), table,
        charts.control_chart(doc, inputs.dpi), Paragraph(rule_text(doc)), Paragraph(VERDICT_RULE, "note")))


def _date(iso: Optional[str]) -> str:
    return "?" if not iso else datetime.fromisoformat(iso).strftime("%Y-%m-%d")


def _stamp(iso: Optional[str]) -> str:
    return "?" if not iso else datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def gaps(doc: dict, factor: float = 3.0) -> tuple[Optional[float], list[tuple[datetime, datetime]]]:
    """(median interval in s, intervals between consecutive records longer than ``factor`` × the median)."""
    t = sorted(datetime.fromisoformat(r["start"]) for r in doc["recordings"] if r.get("start"))
    if len(t) < 3:
        return None, []
    d = np.array([(b - a).total_seconds() for a, b in zip(t[:-1], t[1:])])
    med = float(np.median(d))
    if med <= 0:
        return med, []
    return med, [(t[k], t[k + 1]) for k in np.flatnonzero(d > factor * med)]


def inventory(inputs: ReportInputs, doc: Optional[dict]) -> Section:
    blocks = []
    subsections = []
    if doc and doc.get("recordings"):
        recs = doc["recordings"]
        files = sorted({r["file"] for r in recs})
        rejected = [r for r in recs if r.get("error")]
        starts = [r["start"] for r in recs if r.get("start")]
        if len(files) == 1 and len(recs) > 1:
            what = f"{len(recs)} rows of the frequency table {files[0]} (identified elsewhere)"
        else:
            what = f"{len(recs)} recordings in {len(files)} files"
        channels = doc.get("channels")
        text = (f"The campaign analysed {what}, from {_stamp(min(starts)) if starts else '?'} to "
                f"{_stamp(max(starts)) if starts else '?'}. "
                + (f"Channels used ({len(channels)}): {', '.join(channels)}. " if channels else "")
                + (f"{len(rejected)} recordings were rejected (section {{rejected}})." if rejected
                   else "No recording was rejected."))
        blocks.append(Paragraph(text.replace("{rejected}", "2.3")))
        med, holes = gaps(doc)
        if med is not None:
            rows = tuple((f"{a:%Y-%m-%d %H:%M}", f"{b:%Y-%m-%d %H:%M}", _duration((b - a).total_seconds()),
                          f"{max(round((b - a).total_seconds() / med) - 1, 0)}")
                         for a, b in sorted(holes, key=lambda ab: ab[0] - ab[1])[:25])
            note = (f"The median interval between records is {_duration(med)}. "
                    + (f"{len(holes)} gaps are longer than three intervals"
                       + (" (the 25 longest are listed)." if len(holes) > 25 else ".") if holes
                       else "There is no gap longer than three intervals."))
            gap_blocks = [Paragraph(note)]
            if rows:
                gap_blocks.append(Table(("Last record before", "First record after", "Gap", "Records missing"),
                                        rows, "Gaps in the record", "llrr"))
            subsections.append(Section("Coverage and gaps", tuple(gap_blocks)))
        base = np.array([bool(r.get("baseline")) for r in recs])
        rows = []
        for t in doc["tracks"]:
            f = charts.column(doc, "frequencies_hz", t["id"])
            found = np.isfinite(f)
            rows.append((t["id"], f"{int(found.sum())}", f"{int((~found).sum())}",
                         f"{100 * found[base].mean():.1f} %" if base.any() else DASH,
                         f"{100 * found[~base].mean():.1f} %" if (~base).any() else DASH))
        covs = doc.get("baseline", {}).get("covariates") or []
        for name in covs:
            c = charts.column(doc, "covariates", name)
            rows.append((f"covariate {name}", f"{int(np.isfinite(c).sum())}", f"{int((~np.isfinite(c)).sum())}",
                         DASH, DASH))
        subsections.append(Section("Values per mode and covariate", (Table(
            ("Series", "Records with a value", "Missing", "Found in baseline", "Found after baseline"),
            tuple(rows), "Where a mode is missing it was not found in that record; it is never interpolated.",
            "lrrrr", (0.28, 0.18, 0.14, 0.2, 0.2)),)))
        rej = tuple((r["file"], _stamp(r.get("start")) if r.get("start") else DASH, r["error"]) for r in rejected)
        subsections.append(Section("Rejected recordings", (
            Table(("File", "Start", "Reason"), rej, "Rejected recordings and why", "lll", (0.3, 0.18, 0.52))
            if rej else Paragraph("No recording was rejected."),)))
    if inputs.identifications:
        rows = []
        for ident in inputs.identifications:
            d, ref = ident.doc, ident.ref
            dur = d.get("n_samples", 0) / d["fs_hz"] if d.get("fs_hz") else None
            rows.append((ident.name, f"{len(d.get('channels', []))}", num(d.get("fs_hz"), "g"),
                         _duration(dur) if dur else DASH,
                         f"{ident.start:%Y-%m-%d %H:%M}" if ident.start else DASH,
                         ref.sha256[:12] if ref is not None and ref.sha256 else DASH))
        subsections.append(Section("Identified recordings", (Table(
            ("File", "Channels", "fs [Hz]", "Duration", "Start", "SHA-256 (first 12)"), tuple(rows),
            "Recordings identified for the reference modes (full hashes in the appendix)", "lrrrll",
            (0.32, 0.1, 0.1, 0.12, 0.18, 0.18), mono=(5,)),)))
    if not blocks and not subsections:
        blocks.append(Paragraph("No data."))
    return Section("Data inventory", tuple(blocks), subsections=tuple(subsections))


def tracking(inputs: ReportInputs, doc: dict) -> Section:
    covs = doc.get("baseline", {}).get("covariates") or []
    comp = doc.get("baseline", {}).get("compensation", {})
    intro = ("Each tracked mode's frequency is shown as identified and with the environmental effect removed. "
             + (f"The effect of {', '.join(covs)} is a regression fitted on the baseline "
                f"(features: {', '.join(comp.get('features', []))}; coefficients in the appendix)."
                if covs else "No covariate was given: the baseline's envelope is the reference, and a drop of all "
                             "frequencies smaller than the baseline's own seasonal swing cannot be seen."))
    blocks = [Paragraph(intro)] + charts.frequency_time_charts(doc, inputs.dpi)
    subsections = []
    cov_charts = charts.frequency_covariate_charts(doc, inputs.dpi)
    if cov_charts:
        subsections.append(Section(f"Frequency against {covs[0]}", (Paragraph(
            "The fitted model is the regression's prediction at each record; the records after the baseline that "
            "leave it are what the novelty index sees."),) + tuple(cov_charts)))
    return Section("Tracked frequencies and environmental compensation", tuple(blocks),
                   subsections=tuple(subsections))


def detection(inputs: ReportInputs, doc: dict) -> Section:
    c = monitoring_counts(doc)
    lim = charts.column(doc, "limit")
    full = doc.get("baseline", {}).get("threshold")
    lower = int(np.sum(np.isfinite(lim) & (np.abs(lim - (full or np.nan)) > 1e-6 * (full or 1))))
    unit = doc.get("baseline", {}).get("index_unit", "T²")
    text = (f"The novelty index ({'a ratio to its limit, so the limit is 1' if unit == 'ratio' else 'Hotelling T²'}"
            f" of the compensated residuals) of every record is compared with that record's own control limit: "
            f"{num(full, '.4g')} when every mode is found"
            + (f"; {lower} records with a missing mode are judged on the modes they have, against a lower limit."
               if lower else ".")
            + f" The control chart is Figure 1 in the executive summary. {rule_text(doc)}")
    rows = (("Baseline", f"{c['baseline']}", f"{c['exceed_baseline']}",
             f"{sum(bool(r.get('alarm')) for r in doc['recordings'] if r.get('baseline'))}"),
            ("After the baseline", f"{c['after']}", f"{c['exceed_after']}",
             f"{sum(bool(r.get('alarm')) for r in doc['recordings'] if not r.get('baseline'))}"),
            ("All records", f"{c['n']}", f"{c['exceed']}", f"{c['alarm']}"))
    blocks = [Paragraph(text), Table(("Records", "Number", "Above own limit", "In alarm"), rows,
                                     "Exceedances and alarms (the same counts as the campaign JSON's exceed and "
                                     "alarm flags)", "lrrr")]
    if c["unjudged"]:
        blocks.append(Paragraph(f"{c['unjudged']} records have no verdict (no mode of the index was found in them, "
                                "or a covariate is missing at their time).", "note"))
    return Section("Damage detection", tuple(blocks))


def shifts(doc: dict) -> Section:
    """Per-mode shift from the first alarm on (% and baseline σ), and the compensated change after the baseline,
    with the reason wherever a value is missing."""
    recs = doc["recordings"]
    base = np.array([bool(r.get("baseline")) for r in recs])
    sd = doc.get("baseline", {}).get("residual_std_percent") or {}
    alarmed = doc.get("first_alarm") is not None
    rows = []
    for t in doc["tracks"]:
        tid = t["id"]
        res = charts.column(doc, "residuals_percent", tid)[~base]
        reasons = []
        if np.any(np.isfinite(res)):
            mean = float(np.nanmean(res))
            after = f"{num(mean, '+.2f')} %" + (f" ({num(mean / sd[tid], '+.1f')} σ)" if sd.get(tid) else "")
        else:
            after = DASH
            reasons.append("not found after the baseline" if (~base).any() else "no record after the baseline")
        if t.get("watched") is False:
            reasons.append("left out of the novelty index: too rarely found in the baseline")
        if t.get("shift_percent") is not None:
            shift, sigma = num(t["shift_percent"], "+.2f"), num(t.get("shift_sigma"), "+.1f")
            moved = "yes" if t.get("moved") else "no"
        else:
            shift = sigma = moved = DASH
            reasons.append("no alarm: the shift is measured from the first alarm on" if not alarmed
                           else "not found after the first alarm")
        rows.append((tid, num(t.get("reference_frequency_hz")), after, shift, sigma, moved, "; ".join(reasons)))
    return Section("Per-mode shifts", (
        Paragraph("The shift is the mean compensated residual from the first alarm on, in % of the frequency and in "
                  "baseline standard deviations (σ of the baseline's residuals); a mode has moved when it is 3 σ or "
                  "more. The compensated change after the baseline covers every record after it."),
        Table(("Mode", "Reference [Hz]", "Compensated change after baseline", "Shift from first alarm [%]",
               "Shift [σ]", "Moved", "Why a value is missing"), tuple(rows), "Per-mode shifts", "lrrrrll",
              (0.08, 0.12, 0.17, 0.13, 0.09, 0.08, 0.33))))


__all__ = ["summary", "inventory", "tracking", "detection", "shifts", "gaps", "percent"]
