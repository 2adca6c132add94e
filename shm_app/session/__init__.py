"""The open project: its state as immutable values (:mod:`.state`), the session that changes it and notifies
views (:mod:`.session`), and the tiny event views subscribe to (:mod:`.events`). No Qt."""
from shm_app.session.session import Session, autosave_path, recoverable_autosave
from shm_app.session.state import (CampaignState, Geometry, ProjectMetadata, ProjectState, RecordingEntry,
                                   RecordingRef, reference)

__all__ = ["Session", "autosave_path", "recoverable_autosave", "ProjectState", "RecordingEntry", "RecordingRef",
           "CampaignState", "Geometry", "ProjectMetadata", "reference"]
