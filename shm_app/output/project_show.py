"""The ``shm-app project show`` document (docs/contracts.md): what a project file holds, formatted, never
recomputed."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from shm_app.campaign.document import campaign_to_json
from shm_app.identification.document import result_to_json
from shm_app.persistence.project import ProjectFile


def _roving(roving):
    """The roving test: its setups and the multi-setup identify JSON of its result (null when not run)."""
    if roving is None:
        return None
    from shm_app.identification.document import multisetup_to_json

    return {"files": list(roving.files), "merge": roving.merge.merge,
            "identification": None if roving.result is None else multisetup_to_json(roving.result)}


def project_json(path: Path, project: ProjectFile) -> dict:
    state = project.state
    recordings = []
    for entry in state.recordings:
        p = entry.preprocessing
        ident = entry.identification
        recordings.append({
            "file": entry.ref.name, "path": entry.ref.path, "sha256": entry.ref.sha256,
            "size_bytes": entry.ref.size_bytes, "status": entry.ref.status(),
            "start": entry.ref.start.isoformat() if entry.ref.start else None,
            "channels": list(ident.channels or entry.ref.channels),
            "preprocessing": {"detrend": p.detrend, "highpass_hz": p.highpass_hz, "lowpass_hz": p.lowpass_hz,
                              "filter_order": p.filter_order, "decimate": p.decimate,
                              "window_s": list(p.window_s) if p.window_s else None},
            "identification_settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(ident).items()
                                        if k != "compute_spectrum"},
            "identification": (result_to_json(entry.result, manual=frozenset(entry.manual))
                               if entry.result is not None else None),
        })
    campaign = None
    if state.campaign is not None:
        c = state.campaign
        campaign = campaign_to_json(c.result) if c.result is not None else None
        if campaign is not None:
            campaign["inputs"] = {"kind": c.kind, "paths": list(c.inputs), "environment": c.environment}
    return {
        "file": Path(path).name,
        "format_version": project.format_version,
        "app_version": project.app_version,
        "created": project.created,
        "modified": project.modified,
        "metadata": asdict(state.metadata),
        "current": state.current,
        "recordings": recordings,
        "geometry": None if state.geometry is None else {"nodes": state.geometry.n_nodes,
                                                         "lines": len(state.geometry.lines),
                                                         "sensors": len(state.geometry.sensors)},
        "campaign": campaign,
        "roving": _roving(state.roving),
    }
