"""``shm-app report PROJECT.shmproj --pdf OUT [--html OUT] [--title TEXT] [--structure ...]``: the damage report
of a saved project; and the report options shared with ``shm-app campaign --report``, declared once here."""
from __future__ import annotations

from shm_app.cli import check_outputs

REPORT_FIELDS = ("structure", "structure_id", "owner", "author", "checker", "report_number", "revision")


def add_report_options(p, *, html: bool = True) -> None:
    """The title and the title block's fields (built from :class:`~shm_app.metadata.ProjectMetadata`: given
    options override the project's metadata), and ``--html OUT``."""
    from shm_app.parameters import add_arguments
    from shm_app.metadata import ProjectMetadata

    group = p.add_argument_group("report", "the report's title block (overrides the project's metadata)")
    group.add_argument("--title", help="report title (default: from the structure's name)")
    add_arguments(group, ProjectMetadata, only=REPORT_FIELDS)
    if html:
        group.add_argument("--html", metavar="OUT.html", help="also write the report as one self-contained HTML file")


def report_metadata(args) -> dict:
    return {k: getattr(args, k) for k in REPORT_FIELDS if getattr(args, k, None)}


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="damage report (PDF and/or self-contained HTML) from a saved project")
    p.add_argument("project", metavar="PROJECT.shmproj")
    p.add_argument("--pdf", metavar="OUT.pdf", help="PDF file to write")
    add_report_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app.errors import SettingsError
    from shm_app.output.report import write_report
    from shm_app.persistence.project import load_project

    if not args.pdf and not args.html:
        raise SettingsError("give --pdf OUT.pdf and/or --html OUT.html: the report to write")
    check_outputs(("--pdf", args.pdf), ("--html", args.html))
    state = load_project(args.project).state
    if (state.campaign is None or state.campaign.result is None) and not any(e.result for e in state.recordings):
        raise SettingsError("the project holds neither a campaign nor identified modes: nothing to report",
                            args.project)
    pdf = args.pdf
    out = write_report(pdf, state=state, title=args.title, metadata=report_metadata(args),
                       html=args.html) if pdf else write_report(args.html, state=state, title=args.title,
                                                                metadata=report_metadata(args))
    print(f"report written to {out}" + (f" and {args.html}" if pdf and args.html else ""))
    return 0
