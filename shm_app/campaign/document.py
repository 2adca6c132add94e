"""The ``shm-app campaign`` JSON document and CSV table (docs/contracts.md), with extra keys for reports and the
GUI."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from dsp.compensation import MeanModel, RegressionModel
from dsp.detection import Detector
from shm_app.output.tables import rounded

if TYPE_CHECKING:
    from shm_app.campaign.model import CampaignResult


def _iso(t: Optional[datetime]) -> Optional[str]:
    return None if t is None else t.isoformat()


def _list(v):
    return None if v is None else list(v)


def campaign_to_json(result: CampaignResult) -> dict:
    """The ``shm-app campaign`` JSON document (docs/contracts.md), with extra keys for reports and the GUI."""
    ids = result.track_ids
    s = result.settings
    model = result.compensation
    detector = result.novelty_model if isinstance(result.novelty_model, Detector) else None
    base_starts = [t for t, b in zip(result.starts, result.baseline) if b and t is not None]
    if isinstance(model, RegressionModel):
        comp = {"kind": "regression", "features": list(model.feature_names),
                "hinge_threshold": rounded(model.hinge_threshold, 4),
                "coefficients": {ids[j]: [rounded(v, 9) for v in model.coefficients[:, j]] for j in range(len(ids))}}
    elif detector is not None:  # no covariates: the detector learnt the baseline's envelope
        watched = [i for i, t in zip(ids, result.tracks) if t.watched]
        comp = {"kind": "envelope", "method": detector.method, "n_components": int(detector.mixture_weights.size),
                "n_major": detector.n_major, "index_unit": detector.index_unit,
                "detectable_uniform_drop": rounded(detector.detectable_uniform_drop, 4),
                "mean_hz": {i: rounded(v) for i, v in zip(watched, model.mean_hz)}}
    elif isinstance(model, MeanModel):
        watched = [i for i, t in zip(ids, result.tracks) if t.watched]
        comp = {"kind": "none", "mean_hz": {i: rounded(v) for i, v in zip(watched, model.mean_hz)}}
    else:
        comp = {"kind": "pca", "n_major": model.n_major,
                "explained_variance_ratio": [rounded(v, 4) for v in model.explained_variance_ratio],
                "uniform_drop_visible_fraction": rounded(model.visible_fraction(np.ones(model.mean_hz.size)), 4)}
    recordings = []
    for i in range(result.n_recordings):
        rec = {"file": Path(result.files[i]).name, "start": _iso(result.starts[i]),
               "covariates": {nm: rounded(result.covariates[i, k], 4) for k, nm in enumerate(result.covariate_names)},
               "frequencies_hz": {ids[j]: rounded(result.frequencies_hz[i, j]) for j in range(len(ids))},
               "novelty": rounded(result.novelty[i], 4), "alarm": bool(result.alarm[i]),
               "limit": rounded(result.limit[i], 4), "exceed": bool(result.exceed[i]),
               "baseline": bool(result.baseline[i]),
               "residuals_percent": {ids[j]: rounded(100 * result.residuals[i, j], 4) for j in range(len(ids))},
               "damping_ratios": {ids[j]: rounded(result.damping_ratios[i, j]) for j in range(len(ids))}}
        if result.errors[i] is not None:
            rec["error"] = result.errors[i]
        recordings.append(rec)
    tracks = []
    for t in result.tracks:
        doc = {"id": t.id, "reference_frequency_hz": rounded(t.reference_frequency_hz),
               "reference_shape": None if t.reference_shape is None else [rounded(v, 5) for v in t.reference_shape],
               "presence": rounded(t.presence, 3), "watched": t.watched}
        if t.shift is not None:
            doc.update(shift_percent=rounded(t.shift.shift_percent, 4), shift_sigma=rounded(t.shift.shift_sigma, 3),
                       moved=t.shift.moved)
        tracks.append(doc)
    return {
        "recordings": recordings,
        "tracks": tracks,
        "baseline": {"n_recordings": int(result.baseline.sum()), "covariates": list(result.covariate_names),
                     "threshold": rounded(result.threshold, 4), "index_unit": result.index_unit,
                     "alpha": s.novelty.alpha,
                     "alarm_rule": f"{s.novelty.alarm_k} of {s.novelty.alarm_m} consecutive records above the limit",
                     "false_alarm_rate": rounded(s.novelty.false_alarm_rate, 8),
                     "start": _iso(min(base_starts)) if base_starts else None,
                     "end": _iso(max(base_starts)) if base_starts else None,
                     "compensation": comp,
                     "residual_std_percent": {ids[j]: rounded(100 * result.residual_std[j], 4) for j in range(len(ids))}},
        "first_alarm": _iso(result.first_alarm),
        "moved_tracks": [{"id": t.id, "change_percent": rounded(t.shift.shift_percent, 4),
                          "change_sigma": rounded(t.shift.shift_sigma, 3)} for t in result.moved_tracks],
        "channels": None if result.channels is None else list(result.channels),
        "settings": {"identification": {k: (list(v) if isinstance(v, tuple) else v)
                                        for k, v in vars(s.identification).items() if k != "compute_spectrum"},
                     "baseline_count": s.baseline_count, "baseline_until": _iso(s.baseline_until),
                     "compensation": s.compensation, "detector": s.detector, "frost_hinge": s.frost_hinge,
                     "alpha": s.alpha,
                     "alarm_k": s.alarm_k, "alarm_m": s.alarm_m, "env_columns": _list(s.env_columns),
                     "tracking": dict(vars(s.tracking)), "novelty": dict(vars(s.novelty))},
        "warnings": list(result.warnings),
    }


def campaign_csv(result: CampaignResult) -> str:
    """Per recording, sorted by start: file, start, baseline flag, covariates, tracked frequencies (Hz) and damping
    ratios, novelty index, its limit, exceedance and alarm. Empty cells where a value is missing."""
    def cell(v) -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return ""
        if isinstance(v, (bool, np.bool_)):
            return "1" if v else "0"
        return repr(float(v)) if isinstance(v, (float, np.floating)) else str(v)

    ids = result.track_ids
    head = (["file", "start", "baseline"] + list(result.covariate_names) + [f"{i}_frequency_hz" for i in ids]
            + [f"{i}_damping_ratio" for i in ids] + ["novelty", "limit", "exceed", "alarm", "error"])
    rows = [",".join(head)]
    for i in range(result.n_recordings):
        values = ([Path(result.files[i]).name, _iso(result.starts[i]) or "", result.baseline[i]]
                  + list(result.covariates[i]) + list(result.frequencies_hz[i]) + list(result.damping_ratios[i])
                  + [result.novelty[i], result.limit[i], result.exceed[i], result.alarm[i]])
        error = (result.errors[i] or "").replace('"', "'")
        rows.append(",".join(cell(v) for v in values) + (f',"{error}"' if error else ","))
    return "\n".join(rows) + "\n"
