"""Monitoring campaigns: identify every recording, track modes, compensate the environment, raise damage alarms.

Modules: :mod:`.settings` (what a result depends on), :mod:`.discovery` (inputs to recording paths),
:mod:`.tasks` (one task per recording on a process pool or a Dask cluster), :mod:`.analysis` (tracking,
compensation, novelty, alarms), :mod:`.model` (the result), :mod:`.document` (its JSON and CSV),
:mod:`.simulation` (simulated campaigns for tests and the sample).

The names below are loaded on first use, so ``shm-app --help`` and ``shm-app identify`` do not pay for scipy.
"""
import importlib

_EXPORTS = {
    "analyse": "analysis", "analyse_table": "analysis", "run_campaign": "analysis", "discover": "discovery",
    "campaign_to_json": "document", "campaign_csv": "document", "CampaignResult": "model", "Track": "model",
    "CampaignSettings": "settings", "MIN_BASELINE": "settings", "RecordingModes": "tasks",
    "identify_file": "tasks", "identify_recordings": "tasks",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
