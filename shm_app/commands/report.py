"""``shm-app report PROJECT.shmproj --pdf OUT [--title TEXT]``: the damage report of a saved project."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="damage report (PDF) from a saved project")
    p.add_argument("project", metavar="PROJECT.shmproj")
    p.add_argument("--pdf", metavar="OUT", required=True, help="PDF file to write")
    p.add_argument("--title", default="Structural health monitoring report", help="report title")
    p.set_defaults(run=run)


def run(args) -> int:
    from pathlib import Path

    from shm_app.errors import SettingsError
    from shm_app.identification.document import result_to_json
    from shm_app.output.report import write_report
    from shm_app.persistence.atomic import check_writable
    from shm_app.persistence.project import load_project

    state = load_project(args.project).state
    check_writable(Path(args.pdf), "--pdf")
    campaign = state.campaign.result if state.campaign is not None else None
    identifications = [result_to_json(e.result, manual=frozenset(e.manual)) for e in state.recordings
                       if e.result is not None]
    if campaign is None and not identifications:
        raise SettingsError("the project holds neither a campaign nor identified modes: nothing to report",
                            args.project)
    out = write_report(args.pdf, campaign=campaign, identifications=identifications, title=args.title)
    print(f"report written to {out}")
    return 0
