"""The damage report a bridge owner can file: PDF (ReportLab platypus) and one self-contained HTML file with the
same content, both rendered from one report model.

- :mod:`.inputs` gathers what the report is built from (campaign JSON, identifications, title-block fields,
  geometry, file hashes) from a project's state or the command line's results;
- :mod:`.model` with :mod:`.campaign_sections`, :mod:`.modes_section` and :mod:`.appendix` computes every
  section once (one function per section) as :mod:`.blocks`;
- :mod:`.charts` draws the figures (matplotlib, PNG at print resolution);
- :mod:`.pdf` and :mod:`.html` lay the model out.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

from shm_app.output.report.blocks import Report
from shm_app.output.report.inputs import DEFAULT_TITLE, Identification, ReportInputs, Source, file_sources, gather

__all__ = ["write_report", "build", "Report", "ReportInputs", "Identification", "Source", "file_sources",
           "DEFAULT_TITLE", "is_html"]


def is_html(path: Union[str, Path]) -> bool:
    return Path(path).suffix.lower() in (".html", ".htm")


def build(**kwargs) -> Report:
    """The report model from the same keyword arguments as :func:`write_report` (without the paths)."""
    from shm_app.errors import SettingsError
    from shm_app.output.report.model import build_report

    inputs = gather(**kwargs)
    if not (inputs.campaign and inputs.campaign.get("recordings")) and not inputs.identifications:
        raise SettingsError("nothing to report: neither a campaign nor identified modes")
    return build_report(inputs)


def write_report(path: Union[str, Path, None], *, campaign=None, identifications: Sequence = (),
                 title: Optional[str] = None, metadata: Optional[dict] = None, state=None, geometry=None,
                 sources: Sequence[Source] = (), html: Union[str, Path, None] = None, dpi: int = 200) -> Path:
    """Build the report once and write it atomically: a PDF to ``path`` (HTML when it ends in .html/.htm), and the
    HTML version to ``html`` when given. Returns the first path written.

    campaign : a :class:`~shm_app.campaign.model.CampaignResult` or its JSON document
    identifications : identify JSON documents or ``IdentificationResult`` objects
    title : the report's title (default: from the structure's name)
    metadata : title-block fields by :class:`~shm_app.session.state.ProjectMetadata` name (structure, owner, ...)
    state : a project's :class:`~shm_app.session.state.ProjectState`: everything the other arguments leave out
    geometry : a :class:`~shm_app.session.state.Geometry` to draw the mode shapes on (default: the project's)
    sources : files the result depends on, with their SHA-256 (the appendix lists them)
    """
    from shm_app.persistence.atomic import atomic_path, check_writable

    targets = [Path(p) for p in (path, html) if p is not None]
    for target in targets:
        check_writable(target, "report")
    report = build(campaign=campaign, identifications=identifications, title=title, metadata=metadata, state=state,
                   geometry=geometry, sources=sources, dpi=dpi)
    for target in targets:
        with atomic_path(target) as tmp:
            if is_html(target):
                from shm_app.output.report import html as renderer
            else:
                from shm_app.output.report import pdf as renderer
            renderer.render(report, tmp)
    return targets[0]
