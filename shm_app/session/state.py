"""The state of an open project as immutable values: what the session holds and the project file stores.

Every type here is a frozen dataclass registered with :mod:`shm_app.persistence.codec`, so saving is
``to_document(state)`` and opening is ``from_document(document)``: one form per type, in one place.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional, Union

from shm_app.campaign.model import CampaignResult
from shm_app.campaign.settings import CampaignSettings
from shm_app.campaign.tasks import RecordingModes
from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.multisetup import MultiSetupIdentification, MultiSetupSettings
from shm_app.identification.settings import IdentificationSettings
from shm_app.io.geometry import GeometryNode, SensorGeometry
from shm_app.metadata import ProjectMetadata
from shm_app.parameters import parameter, validate
from shm_app.preprocessing import PreprocessSettings
from shm_app.recording import Recording


@dataclass(frozen=True)
class RecordingRef:
    """A recording the project uses: where it was, its size and SHA-256, its channels, what the reader was told
    (``read_options``: a sampling rate, a variable name) and optionally an embedded copy of its data."""

    path: str
    size_bytes: int
    sha256: str
    channels: tuple[str, ...] = ()
    start: Optional[datetime] = None
    read_options: tuple[tuple[str, object], ...] = ()
    embedded: Optional[Recording] = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return Path(self.path).name

    def status(self) -> str:
        """'ok', 'missing' or 'changed' for the file on disk now (by its size; the hash is not recomputed)."""
        p = Path(self.path)
        if not p.exists():
            return "missing"
        return "ok" if p.stat().st_size == self.size_bytes else "changed"


def file_sha256(path: Union[str, Path], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def reference(path: Union[str, Path], *, channels=(), start: Optional[datetime] = None, read_options=(),
              embed: Optional[Recording] = None) -> RecordingRef:
    """A reference to the file at ``path`` as it is now (size and hash)."""
    p = Path(path).resolve()
    return RecordingRef(path=str(p), size_bytes=p.stat().st_size, sha256=file_sha256(p), channels=tuple(channels),
                        start=start, read_options=tuple(sorted(dict(read_options).items())), embedded=embed)


@dataclass(frozen=True)
class RecordingEntry:
    """One recording of the project with how it is treated and what was found in it.

    The channels used for the analysis are ``identification.channels`` (None: all). ``manual`` holds the indices
    of the result's modes a person added or edited (the identify JSON marks them ``"manual": true``).
    """

    ref: RecordingRef
    preprocessing: PreprocessSettings = PreprocessSettings()
    identification: IdentificationSettings = IdentificationSettings()
    result: Optional[IdentificationResult] = None
    manual: tuple[int, ...] = ()


@dataclass(frozen=True)
class Geometry:
    """The structure the mode shapes are drawn on.

    ``nodes``: the points of the structure (supports marked ``fixed``); ``sensors``: which channel measures which
    node (``SensorGeometry.node``; None: the node at its position) in which direction, several channels per node
    allowed; ``lines``: pairs of node names (a channel's name stands for its node) drawn and used to interpolate;
    ``unmeasured``: how nodes and directions without a sensor move (:mod:`shm_app.geometry.shapes`). A geometry of
    an older project has no ``nodes``: the sensors' positions are its nodes.
    """

    sensors: tuple[SensorGeometry, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()
    source: Optional[str] = None
    nodes: tuple[GeometryNode, ...] = ()
    unmeasured: str = parameter(
        "interpolate", "Unmeasured nodes",
        "How nodes and directions without a sensor move: 'interpolate' linearly along the lines from the measured "
        "and fixed nodes around them (constant beyond the last one; 0 where no line leads to one), 'fixed' not at "
        "all.", choices=("interpolate", "fixed"))
    lines_source: Optional[str] = None

    def __post_init__(self) -> None:
        validate(self)

    @property
    def n_nodes(self) -> int:
        from shm_app.geometry.model import node_list

        return len(node_list(self))


@dataclass(frozen=True)
class CampaignState:
    """A monitoring campaign: its inputs (recordings or a frequency table), environment log, settings, the
    per-recording identifications (kept so the analysis can be repeated without identifying again) and the result.
    """

    kind: str = "recordings"  # or "table"
    inputs: tuple[str, ...] = ()
    environment: Optional[str] = None
    settings: CampaignSettings = CampaignSettings()
    modes: tuple[RecordingModes, ...] = ()
    result: Optional[CampaignResult] = None


@dataclass(frozen=True)
class RovingState:
    """A roving (multi-setup) test: its setups' files, how they are identified and merged, and the merged modes."""

    files: tuple[str, ...] = ()
    identification: IdentificationSettings = IdentificationSettings()
    merge: MultiSetupSettings = MultiSetupSettings()
    result: Optional[MultiSetupIdentification] = None


@dataclass(frozen=True)
class ProjectState:
    """Everything an open project holds. ``current`` is the index of the recording on screen (None: none)."""

    metadata: ProjectMetadata = ProjectMetadata()
    recordings: tuple[RecordingEntry, ...] = ()
    current: Optional[int] = None
    geometry: Optional[Geometry] = None
    campaign: Optional[CampaignState] = None
    roving: Optional[RovingState] = None
