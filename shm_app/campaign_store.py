"""Re-create a campaign result from its stored JSON document (a project file), without re-identifying anything.

The stored per-recording frequencies, covariates and baseline are analysed again with the stored settings, so the
compensation model, novelty index and alarms are exactly reproducible from the project alone.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Sequence

import numpy as np

from shm_app.campaign import CampaignSettings, analyse_table
from shm_app.environment import EnvironmentLog
from shm_app.errors import ShmError


def result_from_document(doc: dict, recording_paths: Sequence[str] = ()):
    """A CampaignResult from a ``campaign_to_json`` document; ``recording_paths`` restore the files' full paths."""
    recs = doc.get("recordings") or []
    if not recs or any(r.get("start") is None for r in recs):
        raise ShmError("the stored campaign has no recordings with start times; run it again from the recordings")
    ids = [t["id"] for t in doc["tracks"]]
    starts = [datetime.fromisoformat(r["start"]) for r in recs]
    freq = np.array([[np.nan if r["frequencies_hz"].get(i) is None else r["frequencies_hz"][i] for i in ids]
                     for r in recs], dtype=float)
    names = list(doc.get("baseline", {}).get("covariates") or [])
    env = None
    if names:
        values = np.array([[np.nan if r.get("covariates", {}).get(n) is None else r["covariates"][n] for n in names]
                           for r in recs], dtype=float)
        env = EnvironmentLog(times=np.array(starts, dtype="datetime64[s]"), values=values, names=tuple(names))
    stored = doc.get("settings", {})
    until = stored.get("baseline_until")
    settings = CampaignSettings(
        baseline_count=None if until else int(doc["baseline"]["n_recordings"]),
        baseline_until=datetime.fromisoformat(until) if until else None,
        compensation=stored.get("compensation", "auto"),
        frost_hinge=bool(stored.get("frost_hinge", True)),
    )
    result = analyse_table(starts, freq, ids, settings, env, source="project")
    by_name = {Path(p).name: str(p) for p in recording_paths}
    files = tuple(by_name.get(r["file"], r["file"]) for r in recs)
    return replace(result, files=files)
