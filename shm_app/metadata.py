"""Who and what a project is about (the report's title block): a light module, so the command line can build its
options from it without loading the analysis."""
from __future__ import annotations

from dataclasses import dataclass

from shm_app.parameters import parameter, validate


@dataclass(frozen=True)
class ProjectMetadata:
    """Who and what the project is about; printed in the report's title block."""

    structure: str = parameter("", "Structure", "Name of the structure (bridge, tunnel).")
    structure_id: str = parameter("", "Structure ID", "The owner's identifier of the structure.")
    owner: str = parameter("", "Owner", "Owner of the structure.")
    author: str = parameter("", "Author", "Who made the analysis.")
    checker: str = parameter("", "Checker", "Who checked it.")
    report_number: str = parameter("", "Report number", "Number of the report.")
    revision: str = parameter("", "Revision", "Revision of the report.")
    notes: str = parameter("", "Notes", "Free notes.")

    def __post_init__(self) -> None:
        validate(self)
