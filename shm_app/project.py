"""The project file (``.shmproj``, HDF5): recording references, settings, results, baseline and alarms.

Layout (format version 1)::

    /                       attrs: format="shm-workbench-project", format_version, app_version, created, modified
    /recordings/NNNN        attrs: path, size_bytes, sha256, start; optional datasets data (n_samples, n_channels),
                            attrs fs_hz, channels (JSON) when the recording is embedded
    /settings               attr json: analysis settings (JSON object)
    /results/identify/NNNN  attr json: one ``shm-app identify`` document each
    /campaign               attr json: the ``shm-app campaign`` document

Everything is plain numbers and JSON text: nothing is ever unpickled or evaluated. Saving is atomic (a temporary
file beside the target, fsync, ``os.replace``), so a crash mid-save leaves the previous project intact.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import h5py
import numpy as np

from shm_app import __version__
from shm_app.errors import ReadError
from shm_app.recording import Recording
from shm_app.store import atomic_path

FORMAT = "shm-workbench-project"
FORMAT_VERSION = 1
SUFFIX = ".shmproj"


@dataclass(frozen=True)
class RecordingRef:
    """A recording the project uses: where it was, how big, its SHA-256, and optionally an embedded copy."""

    path: str
    size_bytes: int
    sha256: str
    start: Optional[str] = None
    embedded: Optional[Recording] = field(default=None, compare=False, repr=False)

    def status(self) -> str:
        """'ok', 'missing' or 'changed' for the file on disk now (the hash is not recomputed for speed: size)."""
        p = Path(self.path)
        if not p.exists():
            return "missing"
        return "ok" if p.stat().st_size == self.size_bytes else "changed"


@dataclass
class Project:
    recordings: list[RecordingRef] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    identifications: list[dict] = field(default_factory=list)
    campaign: Optional[dict] = None
    created: Optional[str] = None
    modified: Optional[str] = None


def file_sha256(path: Union[str, Path], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def reference(path: Union[str, Path], *, start: Optional[datetime] = None,
              embed: Optional[Recording] = None) -> RecordingRef:
    p = Path(path).resolve()
    return RecordingRef(path=str(p), size_bytes=p.stat().st_size, sha256=file_sha256(p),
                        start=start.isoformat() if start else None, embedded=embed)


def campaign_document(campaign: Any) -> Optional[dict]:
    """The campaign JSON document of a CampaignResult (a document passes through; None stays None)."""
    if campaign is None or isinstance(campaign, dict):
        return campaign
    from shm_app.campaign import campaign_to_json

    return campaign_to_json(campaign)


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def save_project(path: Union[str, Path], project: Optional[Project] = None, *, campaign: Any = None,
                 identifications: Sequence[dict] = (), recordings: Sequence[RecordingRef] = (),
                 settings: Optional[dict] = None) -> Path:
    """Write a project atomically. Pass a :class:`Project`, or its parts (``campaign`` may be a CampaignResult)."""
    target = Path(path)
    if project is None:
        project = Project()
    if campaign is not None:
        project.campaign = campaign_document(campaign)
    project.identifications = list(project.identifications) + list(identifications)
    project.recordings = list(project.recordings) + list(recordings)
    if settings is not None:
        project.settings = dict(settings)
    project.created = project.created or _now()
    project.modified = _now()
    with atomic_path(target) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["app_version"] = __version__
            f.attrs["created"] = project.created
            f.attrs["modified"] = project.modified
            f.create_group("settings").attrs["json"] = json.dumps(project.settings)
            recs = f.create_group("recordings")
            for k, ref in enumerate(project.recordings):
                g = recs.create_group(f"{k:04d}")
                g.attrs["path"] = ref.path
                g.attrs["size_bytes"] = ref.size_bytes
                g.attrs["sha256"] = ref.sha256
                g.attrs["start"] = ref.start or ""
                if ref.embedded is not None:
                    r = ref.embedded
                    g.create_dataset("data", data=r.data, compression="gzip", shuffle=True)
                    g.attrs["fs_hz"] = r.fs_hz
                    g.attrs["channels"] = json.dumps([{"name": c.name, "unit": c.unit, "source_unit": c.source_unit}
                                                      for c in r.channels])
            res = f.create_group("results").create_group("identify")
            for k, doc in enumerate(project.identifications):
                res.create_group(f"{k:04d}").attrs["json"] = json.dumps(doc)
            if project.campaign is not None:
                f.create_group("campaign").attrs["json"] = json.dumps(project.campaign)
    return target


def load_project(path: Union[str, Path]) -> Project:
    """Read a project; a damaged or foreign file raises :class:`ReadError` (and is never overwritten)."""
    p = Path(path)
    if not p.exists():
        raise ReadError(p, "project file not found")
    try:
        with h5py.File(p, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise ReadError(p, "not an SHM Workbench project (.shmproj)")
            version = int(f.attrs.get("format_version", 0))
            if version > FORMAT_VERSION:
                raise ReadError(p, f"project format version {version} is newer than this app understands "
                                   f"({FORMAT_VERSION}); update the app")
            proj = Project(settings=json.loads(f["settings"].attrs["json"]),
                           created=str(f.attrs.get("created", "")), modified=str(f.attrs.get("modified", "")))
            for name in sorted(f["recordings"]):
                g = f["recordings"][name]
                embedded = None
                if "data" in g:
                    from shm_app.recording import Channel

                    chans = tuple(Channel(name=c["name"], unit=c["unit"], source_unit=c["source_unit"])
                                  for c in json.loads(g.attrs["channels"]))
                    embedded = Recording(data=np.asarray(g["data"]), fs_hz=float(g.attrs["fs_hz"]), channels=chans,
                                         source=str(g.attrs["path"]), format="embedded")
                proj.recordings.append(RecordingRef(path=str(g.attrs["path"]), size_bytes=int(g.attrs["size_bytes"]),
                                                    sha256=str(g.attrs["sha256"]),
                                                    start=str(g.attrs["start"]) or None, embedded=embedded))
            for name in sorted(f["results/identify"]):
                proj.identifications.append(json.loads(f["results/identify"][name].attrs["json"]))
            if "campaign" in f:
                proj.campaign = json.loads(f["campaign"].attrs["json"])
            return proj
    except ReadError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise ReadError(p, f"the project file is damaged or truncated ({exc.__class__.__name__}: {exc}); "
                           f"it was left untouched") from exc
