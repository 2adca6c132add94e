"""The report model: what goes in each section, computed once from the inputs (:mod:`.inputs`).

One function per section; :func:`build_report` puts them in order. The alarm rule and its false-alarm rate are
worded by :func:`rule_text` alone, so they read the same in the summary and the appendix.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import numpy as np

from shm_app import __version__
from shm_app.output.report import charts
from shm_app.output.report.blocks import Paragraph, Report, Section, Table, Verdict
from shm_app.output.report.inputs import TITLE_FIELDS, ReportInputs

DASH = "–"


def num(v, fmt: str = ".4f", missing: str = DASH) -> str:
    """``v`` formatted, ``missing`` for None/NaN; a value that rounds to zero loses its sign (no "-0.00")."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return missing
    text = format(v, fmt)
    return text.replace("-", "+" if "+" in fmt else "") if not any(c in "123456789" for c in text.split("e")[0]) \
        else text


def percent(v: float) -> str:
    """A probability as a percentage without spurious digits (0.01 -> '1 %', 0.000298 -> '0.030 %')."""
    p = 100 * v
    return f"{p:.3g} %" if p >= 0.1 else f"{p:.2g} %"


def rule_text(doc: dict) -> str:
    """The alarm rule and its false-alarm rate, worded once for the whole report."""
    base, s = doc.get("baseline", {}), doc.get("settings", {})
    alpha = base.get("alpha", s.get("alpha"))
    k, m = s.get("alarm_k"), s.get("alarm_m")
    rate = base.get("false_alarm_rate")
    if alpha is None or k is None or m is None:
        return f"Alarm rule: {base.get('alarm_rule', 'not recorded')}."
    limit = ("a ratio of 1 (the index is the detector's statistic divided by its limit)"
             if base.get("index_unit") == "ratio" else "its control limit")
    text = (f"Alarm rule: an alarm is raised when {k} of the last {m} records are above {limit}. A record of the "
            f"unchanged structure is above its limit with probability α = {percent(alpha)}")
    if rate is not None:
        text += f", so a false alarm occurs on about {percent(rate)} of records (1 in {1 / rate:,.0f})"
    return text + "."


def period(doc: Optional[dict], inputs: ReportInputs) -> str:
    starts = []
    if doc:
        starts = [datetime.fromisoformat(r["start"]) for r in doc["recordings"] if r.get("start")]
    starts += [i.start for i in inputs.identifications if i.start is not None]
    if not starts:
        return "not stated by the recordings"
    a, b = min(starts), max(starts)
    return f"{a:%Y-%m-%d}" if a.date() == b.date() else f"{a:%Y-%m-%d} to {b:%Y-%m-%d}"


def monitoring_counts(doc: dict) -> dict:
    """Counts the summary, the detection section and the tests share. ``exceed`` is exactly the JSON's
    ``sum(r["exceed"])``."""
    recs = doc["recordings"]
    base = np.array([bool(r.get("baseline")) for r in recs], dtype=bool)
    exceed = np.array([bool(r.get("exceed")) for r in recs], dtype=bool)
    alarm = np.array([bool(r.get("alarm")) for r in recs], dtype=bool)
    verdict = np.array([r.get("novelty") is not None for r in recs], dtype=bool)
    after = ~base
    return {"n": len(recs), "baseline": int(base.sum()), "after": int(after.sum()),
            "exceed": int(exceed.sum()), "exceed_baseline": int((exceed & base).sum()),
            "exceed_after": int((exceed & after).sum()), "alarm": int(alarm.sum()),
            "judged_after": int((verdict & after).sum()), "unjudged": int((~verdict).sum()),
            "last_exceeds": bool(exceed[-1]) if len(recs) else False, "last_alarm": bool(alarm[-1]) if recs else False}


def verdict(doc: dict) -> tuple[str, str]:
    """(level, reason). Alarm: the rule fired after the baseline. Watch: it did not, but the records after the
    baseline were above their limits more often than chance allows (binomial, 1 % level) or the latest one is.
    No change otherwise."""
    from scipy.stats import binom

    c = monitoring_counts(doc)
    alpha = doc.get("baseline", {}).get("alpha") or 0.01
    if c["alarm"]:
        return "alarm", "the alarm rule fired"
    allowed = int(binom.ppf(0.99, c["judged_after"], alpha)) if c["judged_after"] else 0
    if c["exceed_after"] > allowed:
        return "watch", (f"{c['exceed_after']} records after the baseline are above their limit where chance "
                         f"allows at most {allowed}")
    if c["last_exceeds"]:
        return "watch", "the latest record is above its limit"
    return "no change", "no alarm, and no more exceedances than chance allows"


VERDICT_RULE = ("Verdict: ALARM when the alarm rule fired on a record after the baseline; WATCH when it did not but "
                "the records after the baseline were above their limits more often than chance allows (binomial "
                "test at the 1 % level) or the latest record is above its limit; NO CHANGE otherwise.")


def title_fields(inputs: ReportInputs, doc: Optional[dict], generated: str) -> tuple[tuple[str, str], ...]:
    fields = [(label, inputs.metadata.get(key) or "not stated") for key, label in TITLE_FIELDS]
    fields += [("Period", period(doc, inputs)), ("Generated", generated), ("Software", f"SHM Workbench {__version__}")]
    return tuple(fields)


def build_report(inputs: ReportInputs, *, generated: Optional[str] = None) -> Report:
    """Every section of the report, computed once; rendered by :func:`.pdf.render` and :func:`.html.render`."""
    from shm_app.output.report import appendix, campaign_sections, modes_section

    doc = inputs.campaign
    generated = generated or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [campaign_sections.summary(inputs, doc), campaign_sections.inventory(inputs, doc),
                modes_section.reference_modes(inputs, doc)]
    if doc is not None and doc.get("recordings"):
        sections += [campaign_sections.tracking(inputs, doc), campaign_sections.detection(inputs, doc),
                     campaign_sections.shifts(doc)]
    sections += [appendix.warnings(inputs, doc), appendix.methods(inputs, doc)]
    sections = [s for s in sections if s is not None]
    numbered = []
    for k, s in enumerate(sections):
        number = "A" if s.title.startswith("Methods") else str(k + 1)
        numbered.append(Section(s.title, s.blocks, number, 1, tuple(
            Section(sub.title, sub.blocks, f"{number}.{j + 1}", 2) for j, sub in enumerate(s.subsections))))
    meta = inputs.metadata
    header = " · ".join(v for v in (meta.get("structure"), meta.get("structure_id"),
                                    meta.get("report_number") and f"report {meta['report_number']}",
                                    meta.get("revision") and f"rev. {meta['revision']}") if v)
    return Report(inputs.title, title_fields(inputs, doc, generated), tuple(numbered), generated,
                  f"SHM Workbench {__version__}", header or inputs.title)


__all__ = ["build_report", "rule_text", "verdict", "monitoring_counts", "VERDICT_RULE", "Paragraph", "Table",
           "Verdict", "Section", "charts"]
