"""``shm-app campaign INPUT... [--env ENV.csv] [--baseline N | --baseline-until ISO] [--workers N]
[--scheduler ADDRESS] [--json OUT] [--report OUT.pdf] [--project OUT.shmproj]`` and
``shm-app campaign --frequencies TABLE.csv ...`` (contract in shared/DESIGN.md)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from shm_app.cli import add_reader_options, csv_list, progress_printer, reader_options, write_text
from shm_app.errors import SettingsError, ShmError


def _iso(text: str) -> datetime:
    import argparse

    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time (e.g. 2026-03-01T00:00:00)") from None
    if t.tzinfo is not None:
        from datetime import timezone

        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t


def add_parser(sub) -> None:
    p = sub.add_parser("campaign", help="track modes over many recordings, compensate covariates, flag damage")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="recording files, folders or glob patterns")
    p.add_argument("--frequencies", metavar="TABLE.csv",
                   help="skip identification: first column ISO time, one column per mode (Hz)")
    p.add_argument("--env", metavar="ENV.csv", help="environment log: first column ISO time, then covariates")
    p.add_argument("--env-columns", type=csv_list, help="covariates to use from ENV.csv (default all)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--baseline", type=int, metavar="N", help="the first N recordings are the baseline "
                                                             "(default: the first third)")
    g.add_argument("--baseline-until", type=_iso, metavar="ISO", help="recordings starting up to ISO are the baseline")
    p.add_argument("--workers", type=int, help="local worker processes (default: every core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run the per-recording tasks on this Dask scheduler "
                                                          "(e.g. tcp://10.0.0.5:8786); files must be visible to "
                                                          "its workers")
    p.add_argument("--fmin", type=float, help="lowest frequency of interest, Hz (default 0.5)")
    p.add_argument("--fmax", type=float, help="highest frequency of interest, Hz (default min(20, fs/2.5))")
    p.add_argument("--channels", type=csv_list, help="comma-separated channel names to use (default all)")
    p.add_argument("--block-rows", type=int, help="SSI block rows (default from fmin and fs)")
    p.add_argument("--max-order", type=int, default=80, help="highest SSI model order (default 80)")
    add_reader_options(p)
    p.add_argument("--alpha", type=float, default=0.01,
                   help="per-record probability that an undamaged record exceeds the control limit (default 0.01)")
    p.add_argument("--json", metavar="OUT", help="write the campaign JSON ('-' for standard output)")
    p.add_argument("--report", metavar="OUT.pdf", help="write a PDF damage report")
    p.add_argument("--project", metavar="OUT.shmproj", help="save a project file")
    p.set_defaults(run=run)


def settings_from_args(args):
    from dsp.novelty import NoveltySettings
    from shm_app.campaign import CampaignSettings
    from shm_app.identify import IdentificationSettings

    if args.workers is not None and args.workers < 1:
        raise SettingsError(f"--workers must be at least 1; got {args.workers}")
    if not 0 < args.alpha < 0.5:
        raise SettingsError(f"--alpha must be between 0 and 0.5; got {args.alpha}")
    ident = IdentificationSettings(fmin_hz=args.fmin, fmax_hz=args.fmax, channels=args.channels,
                                   block_rows=args.block_rows, max_order=args.max_order)
    read_options = tuple(sorted(reader_options(args).items()))
    return CampaignSettings(identification=ident, baseline_count=args.baseline, baseline_until=args.baseline_until,
                            env_columns=args.env_columns, workers=args.workers, scheduler=args.scheduler,
                            novelty=NoveltySettings(alpha=args.alpha, trim_alpha=min(0.001, args.alpha / 10)),
                            read_options=read_options)


def _check_output(option: str, out: str, module: str, function: str) -> None:
    """Refuse early (before hours of computing) when an output cannot be produced."""
    import importlib

    if out == "-":
        raise SettingsError(f"{option} needs a file name, not '-'")
    try:
        getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        raise ShmError(f"{option}: this installation cannot write it ({module}.{function} is missing)") from None


def run(args) -> int:
    from shm_app.campaign import analyse_table, campaign_to_json, run_campaign
    from shm_app.environment import read_environment, read_frequency_table

    if args.frequencies and args.inputs:
        raise SettingsError("give either recordings (INPUT...) or --frequencies TABLE.csv, not both")
    if not args.frequencies and not args.inputs:
        raise SettingsError("no input: give recording files, folders or globs, or --frequencies TABLE.csv")
    if args.frequencies and args.project:
        raise SettingsError("--project needs recordings; with --frequencies write --json or --report")
    if args.report:
        _check_output("--report", args.report, "shm_app.report", "write_report")
    if args.project:
        _check_output("--project", args.project, "shm_app.project", "save_project")
    settings = settings_from_args(args)
    env = read_environment(args.env, args.env_columns) if args.env else None
    if args.frequencies:
        table = read_frequency_table(args.frequencies)
        starts = [t.astype(datetime) for t in table.times]
        result = analyse_table(starts, table.values, table.names, settings, env, source=args.frequencies)
    else:
        result = run_campaign(args.inputs, settings, env=env, progress=progress_printer())
    doc = campaign_to_json(result)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2) + "\n")
    if args.report:
        from shm_app.report import write_report

        write_report(args.report, campaign=result)
    if args.project:
        from shm_app.project import reference, save_project

        refs = [reference(f, start=t) for f, t, e in zip(result.files, result.starts, result.errors)
                if Path(f).is_file()]
        save_project(args.project, campaign=result, recordings=refs)
    if args.json != "-":
        print(summary(doc))
    return 0


def summary(doc: dict) -> str:
    """A few lines for the terminal: tracks, baseline, alarm verdict, moved tracks, warnings."""
    recs, base = doc["recordings"], doc["baseline"]
    lines = [f"{len(recs)} recordings, {len(doc['tracks'])} tracks: "
             + ", ".join(f"{t['id']} {t['reference_frequency_hz']:.3f} Hz" for t in doc["tracks"]),
             f"baseline: {base['n_recordings']} recordings, compensation {base['compensation']['kind']}"
             + (f" on {', '.join(base['covariates'])}" if base["covariates"] else "")
             + f", control limit T² = {base['threshold']:.2f} (alpha {base['alpha']:g}, {base['alarm_rule']})",
             f"alarms: {sum(r['alarm'] for r in recs)}; first alarm: {doc['first_alarm'] or 'none'}"]
    for m in doc["moved_tracks"]:
        lines.append(f"  {m['id']} moved {m['change_percent']:+.2f} % ({m['change_sigma']:+.1f} sigma)")
    lines += [f"warning: {w}" for w in doc["warnings"][:10]]
    if len(doc["warnings"]) > 10:
        lines.append(f"warning: … and {len(doc['warnings']) - 10} more")
    return "\n".join(lines)
