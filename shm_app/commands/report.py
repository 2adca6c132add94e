"""``shm-app report PROJECT.shmproj --pdf OUT``"""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="damage report (PDF) from a saved project")
    p.add_argument("project", metavar="PROJECT.shmproj")
    p.add_argument("--pdf", metavar="OUT", required=True, help="PDF file to write")
    p.add_argument("--title", default="Structural health monitoring report", help="report title")
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app.errors import SettingsError
    from shm_app.project import load_project
    from shm_app.report import write_report

    project = load_project(args.project)
    if project.campaign is None and not project.identifications:
        raise SettingsError("the project holds neither a campaign nor identified modes: nothing to report",
                            args.project)
    out = write_report(args.pdf, campaign=project.campaign, identifications=project.identifications,
                       title=args.title)
    print(f"report written to {out}")
    return 0
