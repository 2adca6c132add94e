"""Warnings, and the methods appendix: every setting, the compensation model and its coefficients, the baseline,
the alarm rule, the software and the files' SHA-256, so the result can be reproduced."""
from __future__ import annotations

from typing import Optional

from shm_app import __version__
from shm_app.output.report.blocks import Paragraph, Section, Table
from shm_app.output.report.inputs import ReportInputs
from shm_app.output.report.model import DASH, num, rule_text


def warnings(inputs: ReportInputs, doc: Optional[dict]) -> Section:
    items = list((doc or {}).get("warnings") or [])
    for ident in inputs.identifications:
        if not ident.doc.get("modes"):
            items.append(f"{ident.name}: no mode was identified")
    if inputs.notes:
        items.append(f"Project notes: {inputs.notes}")
    blocks = tuple(Paragraph(w, "warning") for w in items) or (Paragraph("None."),)
    return Section("Warnings", blocks)


def _when(iso: Optional[str]) -> str:
    return DASH if not iso else iso.replace("T", " ")[:16]


def _value(v) -> str:
    if v is None:
        return "default (auto)"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v) if v else "none"
    if isinstance(v, dict):
        return "; ".join(f"{k} = {_value(x)}" for k, x in v.items())
    return str(v)


def flatten(settings: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(name, value) rows of a nested settings document, nested keys joined with '.'."""
    rows = []
    for k, v in settings.items():
        if isinstance(v, dict) and v and all(not isinstance(x, dict) for x in v.values()) and len(v) > 3:
            rows += flatten(v, f"{prefix}{k}.")
        elif isinstance(v, dict) and v:
            rows += flatten(v, f"{prefix}{k}.")
        else:
            rows.append((f"{prefix}{k}", _value(v)))
    return rows


def _compensation(doc: dict) -> list:
    base = doc.get("baseline", {})
    comp = base.get("compensation") or {}
    sd = base.get("residual_std_percent") or {}
    blocks = []
    kind = comp.get("kind")
    if kind == "regression":
        features = comp.get("features", [])
        blocks.append(Paragraph(
            "Compensation: for each mode, f̂ = Σ cᵢ·xᵢ over the features below, fitted by least squares on the "
            "baseline" + (f"; the frost hinge is at {comp['hinge_threshold']:g} °C" if comp.get("hinge_threshold")
                          is not None else "") + ". The residual r = (f − f̂)/f̂ is what the novelty index sees."))
        rows = tuple((tid,) + tuple(num(c, ".6g") for c in coefs) + (num(sd.get(tid), ".3f"),)
                     for tid, coefs in (comp.get("coefficients") or {}).items())
        blocks.append(Table(("Mode",) + tuple(f"c: {f}" for f in features) + ("Residual σ [%]",), rows,
                            "Compensation model coefficients (Hz per unit of each feature)",
                            "l" + "r" * (len(features) + 1)))
    elif kind == "envelope":
        blocks.append(Paragraph(
            f"No covariates: the novelty detector {comp.get('method')} learnt the baseline's envelope "
            f"({comp.get('n_components')} components). Smallest uniform drop of all frequencies that puts 90 % of "
            f"baseline records over the limit: {num(comp.get('detectable_uniform_drop'), '.2%')}."))
        if comp.get("mean_hz"):
            blocks.append(Table(("Mode", "Baseline mean [Hz]", "Residual σ [%]"),
                                tuple((k, num(v), num(sd.get(k), ".3f")) for k, v in comp["mean_hz"].items()),
                                "Baseline of the detector", "lrr"))
    else:
        blocks.append(Paragraph("Compensation: " + (_value(comp) if comp else "none recorded") + "."))
    return blocks


def methods(inputs: ReportInputs, doc: Optional[dict]) -> Section:
    subsections = []
    if doc and doc.get("recordings"):
        base = doc.get("baseline", {})
        settings = dict(doc.get("settings") or {})
        table = doc.get("channels") is None and len({r["file"] for r in doc["recordings"]}) == 1
        if table:  # identified elsewhere: the identification settings played no part
            settings.pop("identification", None)
        baseline_rows = (
            ("Baseline records", f"{base.get('n_recordings', DASH)}"),
            ("Baseline from", _when(base.get("start"))), ("Baseline to", _when(base.get("end"))),
            ("Baseline chosen by", f"until {settings['baseline_until']}" if settings.get("baseline_until")
             else f"first {settings.get('baseline_count')} records" if settings.get("baseline_count")
             else "default"),
            ("Covariates", ", ".join(base.get("covariates") or []) or "none"),
            ("Novelty index", "ratio to the limit (limit 1)" if base.get("index_unit") == "ratio"
             else "Hotelling T² of the compensated residuals"),
            ("Control limit, every mode found", num(base.get("threshold"), ".4g")),
            ("α (per record)", num(base.get("alpha"), "g")),
            ("False-alarm rate (per record)", num(base.get("false_alarm_rate"), ".3g")))
        subsections.append(Section("Baseline, index and alarm rule", (
            Paragraph(rule_text(doc)), Table(None, baseline_rows, "Baseline and novelty index", "ll", (0.4, 0.6)))))
        subsections.append(Section("Compensation model", tuple(_compensation(doc))))
        subsections.append(Section("Campaign settings", (Table(
            ("Setting", "Value"), tuple(flatten(settings)), "Every campaign setting as used (campaign JSON "
                                                           "'settings')", "ll", (0.4, 0.6)),)
            + ((Paragraph("The frequencies were identified elsewhere (a frequency table): no identification "
                          "setting of this app applies.", "note"),) if table else ())))
    for ident in inputs.identifications:
        rows = [("method", ident.doc.get("method") or DASH), ("channels", _value(ident.doc.get("channels")))]
        rows += flatten(ident.doc.get("settings") or {})
        subsections.append(Section(f"Identification settings: {ident.name}", (Table(
            ("Setting", "Value"), tuple(rows), f"Identification settings of {ident.name}", "ll", (0.4, 0.6)),)))
    subsections.append(Section("Software and files", _software_and_files(inputs)))
    return Section("Methods", (Paragraph(
        "What the result depends on, so it can be reproduced: the same files (identified by their SHA-256), the "
        "same settings and the same software give the same numbers."),), subsections=tuple(subsections))


def _software_and_files(inputs: ReportInputs) -> tuple:
    import matplotlib
    import numpy
    import scipy

    versions = (("SHM Workbench", __version__), ("NumPy", numpy.__version__), ("SciPy", scipy.__version__),
                ("Matplotlib", matplotlib.__version__))
    blocks = [Table(("Software", "Version"), versions, "Software", "ll", (0.4, 0.6))]
    if inputs.sources:
        rows = tuple((s.name, s.role, DASH if s.size_bytes is None else f"{s.size_bytes:,}",
                      s.sha256 or s.note or DASH) for s in inputs.sources)
        blocks.append(Table(("File", "Used as", "Size [bytes]", "SHA-256"), rows, "Input files", "llrl",
                            (0.19, 0.12, 0.1, 0.59), mono=(3,)))
    else:
        blocks.append(Paragraph("The input files were not available to the report (it was built from a result "
                                "document); their names are in the data inventory.", "note"))
    return tuple(blocks)
