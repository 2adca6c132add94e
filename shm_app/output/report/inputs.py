"""What a report is built from, gathered once: the campaign JSON, the identifications, the title block's fields,
the geometry and the files (with their SHA-256) — from a project's state or from the command line's results."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from shm_app.session.state import file_sha256

HASH_BUDGET_BYTES = 2 * 1024 ** 3  # hash campaign inputs up to this much data (about 2 s); beyond, list sizes only

TITLE_FIELDS = (("structure", "Structure"), ("structure_id", "Structure ID"), ("owner", "Owner"),
                ("author", "Author"), ("checker", "Checker"), ("report_number", "Report number"),
                ("revision", "Revision"))
DEFAULT_TITLE = "Structural health monitoring report"


@dataclass(frozen=True)
class Identification:
    """One identified recording: its identify JSON, and when known the result (stabilization diagram, complex
    shapes) and the file reference (size, SHA-256, start)."""

    doc: dict
    result: Any = None
    ref: Any = None

    @property
    def name(self) -> str:
        return self.doc.get("file") or "(recording)"

    @property
    def start(self):
        """The recording's start: from the project's reference, else from the file's name (None: unknown)."""
        from shm_app.recording import start_from_filename

        if self.ref is not None and self.ref.start is not None:
            return self.ref.start
        return start_from_filename(self.name) if self.doc.get("file") else None


@dataclass(frozen=True)
class Source:
    """A file the result depends on, with what it was used for and its SHA-256 (or why there is none)."""

    name: str
    role: str
    size_bytes: Optional[int]
    sha256: Optional[str]
    note: str = ""


@dataclass(frozen=True)
class ReportInputs:
    campaign: Optional[dict] = None
    identifications: tuple[Identification, ...] = ()
    title: str = DEFAULT_TITLE
    metadata: dict = field(default_factory=dict)
    notes: str = ""
    geometry: Any = None
    sources: tuple[Source, ...] = ()
    dpi: int = 200


def file_sources(paths: Sequence, role: str) -> list[Source]:
    """Sources for files on disk, hashed while the total stays under :data:`HASH_BUDGET_BYTES`."""
    out, used, seen = [], 0, set()
    for p in paths:
        if p is None or str(p) in seen:
            continue
        seen.add(str(p))
        path = Path(p)
        if not path.is_file():
            out.append(Source(path.name, role, None, None, "not found when the report was written"))
            continue
        size = path.stat().st_size
        if used + size > HASH_BUDGET_BYTES:
            out.append(Source(path.name, role, size, None, "not hashed (over 2 GB of inputs)"))
            continue
        used += size
        out.append(Source(path.name, role, size, file_sha256(path)))
    return out


def _campaign_doc(campaign) -> Optional[dict]:
    if campaign is None or isinstance(campaign, dict):
        return campaign
    from shm_app.campaign.document import campaign_to_json

    return campaign_to_json(campaign)


def _identification(item) -> Identification:
    if isinstance(item, Identification):
        return item
    if isinstance(item, dict):
        return Identification(item)
    from shm_app.identification.document import result_to_json

    return Identification(result_to_json(item), result=item)


def gather(*, campaign=None, identifications: Sequence = (), title: Optional[str] = None,
           metadata: Optional[dict] = None, state=None, geometry=None, sources: Sequence[Source] = (),
           dpi: int = 200) -> ReportInputs:
    """Normalise what the callers have into :class:`ReportInputs`.

    campaign : a :class:`~shm_app.campaign.model.CampaignResult` or its JSON document
    identifications : identify JSON documents, ``IdentificationResult`` objects or :class:`Identification`
    state : a :class:`~shm_app.session.state.ProjectState`; supplies what the other arguments leave out (its
        campaign, identified recordings with their manual modes and file hashes, geometry, metadata)
    metadata : title-block fields by :class:`~shm_app.session.state.ProjectMetadata` name; they override the
        project's
    geometry : the mode shapes are drawn on it (default: the project's)
    """
    meta = {}
    notes = ""
    src = list(sources)
    idents = [_identification(i) for i in identifications]
    if state is not None:
        from dataclasses import asdict

        from shm_app.identification.document import result_to_json

        meta = {k: v for k, v in asdict(state.metadata).items() if v}
        notes = state.metadata.notes
        geometry = geometry if geometry is not None else state.geometry
        if campaign is None and state.campaign is not None:
            campaign = state.campaign.result
            if state.campaign.kind == "table":
                src += file_sources(state.campaign.inputs, "frequency table")
            else:
                src += file_sources([m.file for m in state.campaign.modes] or state.campaign.inputs, "recording")
            src += file_sources([state.campaign.environment], "environment log")
        if not idents:
            idents = [Identification(result_to_json(e.result, manual=frozenset(e.manual)), e.result, e.ref)
                      for e in state.recordings if e.result is not None]
        known = {s.name for s in src}
        src += [Source(e.ref.name, "identified recording", e.ref.size_bytes, e.ref.sha256)
                for e in state.recordings if e.ref.name not in known]
    meta.update({k: v for k, v in (metadata or {}).items() if v})
    if not title:
        title = meta.get("structure") and f"{meta['structure']}: structural health monitoring report"
    return ReportInputs(_campaign_doc(campaign), tuple(idents), title or DEFAULT_TITLE, meta, notes, geometry,
                        tuple(src), dpi)
