"""``shm-app project show PROJECT.shmproj [--json OUT]``: what a project holds (docs/contracts.md)."""
from __future__ import annotations

import json

from shm_app.cli import write_text


def add_parser(sub) -> None:
    p = sub.add_parser("project", help="inspect a project file")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    show = actions.add_parser("show", help="what a project holds: recordings, settings, results, campaign")
    show.add_argument("project", metavar="PROJECT.shmproj")
    show.add_argument("--json", metavar="OUT", help="write the project JSON ('-' for standard output)")
    show.set_defaults(run=run_show)


def run_show(args) -> int:
    from shm_app.output.project_show import project_json
    from shm_app.persistence.project import load_project

    doc = project_json(args.project, load_project(args.project))
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    if args.json != "-":
        print(summary(doc))
    return 0


def summary(doc: dict) -> str:
    meta = doc["metadata"]
    lines = [f"{doc['file']}: project format {doc['format_version']}, saved {doc['modified'] or '?'} by version "
             f"{doc['app_version'] or '?'}"]
    if meta.get("structure"):
        lines.append(f"  structure: {meta['structure']}" + (f" ({meta['structure_id']})" if meta.get("structure_id")
                                                             else ""))
    for r in doc["recordings"]:
        ident = r["identification"]
        p = r["preprocessing"]
        steps = [f"detrend {p['detrend']}"] + [f"high-pass {p['highpass_hz']:g} Hz"] * bool(p["highpass_hz"]) \
            + [f"low-pass {p['lowpass_hz']:g} Hz"] * bool(p["lowpass_hz"]) + [f"decimate {p['decimate']}"] * (
                p["decimate"] > 1)
        lines.append(f"  recording {r['file']} ({r['status']}): {len(r['channels'])} channels; {', '.join(steps)}")
        lines.append("    " + (f"{len(ident['modes'])} modes by {ident['method']}: "
                               + ", ".join(f"{m['frequency_hz']:.3f}" for m in ident["modes"]) + " Hz"
                               if ident else "not identified"))
    c = doc["campaign"]
    if c is not None:
        b = c["baseline"]
        lines.append(f"  campaign: {len(c['recordings'])} recordings, {len(c['tracks'])} tracks, alpha {b['alpha']:g}, "
                     f"baseline {b['n_recordings']} recordings to {b['end'] or '?'}, first alarm "
                     f"{c['first_alarm'] or 'none'}")
    return "\n".join(lines)
