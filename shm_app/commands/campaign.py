"""``shm-app campaign INPUT... [--env ENV.csv] [--baseline N | --baseline-until ISO] [--alpha A] [--workers N]
[--scheduler ADDRESS] [--json OUT] [--csv OUT] [--report OUT.pdf] [--project OUT.shmproj]`` and
``shm-app campaign --frequencies TABLE.csv ...`` (docs/contracts.md).

The analysis options are built from :class:`~shm_app.campaign.settings.CampaignSettings` and the identification
ones from :class:`~shm_app.identification.settings.IdentificationSettings`."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from shm_app.cli import add_reader_options, check_outputs, progress_printer, reader_options, write_text
from shm_app.errors import ParameterError, SettingsError, ShmError

IDENTIFICATION_OPTIONS = ("fmin_hz", "fmax_hz", "channels", "block_rows", "max_order")


def add_parser(sub) -> None:
    from shm_app.campaign.settings import CampaignSettings
    from shm_app.identification import IdentificationSettings
    from shm_app.parameters import add_arguments

    p = sub.add_parser("campaign", help="track modes over many recordings, compensate covariates, flag damage")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="recording files, folders or glob patterns")
    p.add_argument("--frequencies", metavar="TABLE.csv",
                   help="skip identification: first column ISO time, one column per mode (Hz)")
    p.add_argument("--env", metavar="ENV.csv", help="environment log: first column ISO time, then covariates")
    add_arguments(p, CampaignSettings)
    add_arguments(p, IdentificationSettings, only=IDENTIFICATION_OPTIONS, defaults=CampaignSettings().identification)
    add_reader_options(p)
    p.add_argument("--json", metavar="OUT", help="write the campaign JSON ('-' for standard output)")
    p.add_argument("--csv", metavar="OUT", help="write per recording: time, covariates, tracked frequencies and "
                                                "damping, novelty, alarm ('-' for standard output)")
    p.add_argument("--report", metavar="OUT.pdf", help="write the damage report: PDF, or self-contained HTML when "
                                                        "OUT ends in .html")
    from shm_app.commands.report import add_report_options

    add_report_options(p)
    from shm_app.commands._figures import _geometry_file, _lines_file

    p.add_argument("--geometry", metavar="G.csv", type=_geometry_file,
                   help="geometry CSV of the sensors (as for identify --figures): the report draws the reference "
                        "mode shapes on the structure, and --project keeps it")
    p.add_argument("--lines", metavar="L.csv", type=_lines_file, help="lines CSV (node_a,node_b) joining the "
                                                                    "geometry's nodes")
    p.add_argument("--project", metavar="OUT.shmproj",
                   help="save a project file; while the recordings are identified it is saved every 30 s with the "
                        "results so far, so an interrupted campaign can go on with --resume")
    p.add_argument("--resume", action="store_true",
                   help="go on with the campaign saved (partly) in --project OUT.shmproj: its recordings are not "
                        "identified again, and its saved settings are used")
    p.set_defaults(run=run)


def settings_from_args(args):
    from dataclasses import replace

    from shm_app.campaign.settings import CampaignSettings
    from shm_app.parameters import from_arguments

    ident = replace(CampaignSettings().identification, **{k: getattr(args, k) for k in IDENTIFICATION_OPTIONS
                                                           if getattr(args, k, None) is not None})
    return from_arguments(CampaignSettings, args, identification=ident,
                          read_options=tuple(sorted(reader_options(args).items())))


def run(args) -> int:
    from shm_app.campaign import analyse_table, campaign_to_json
    from shm_app.io.environment import read_environment, read_frequency_table

    if args.resume and not args.project:
        raise SettingsError("--resume needs --project OUT.shmproj: the project the interrupted campaign saved")
    if args.resume and args.frequencies:
        raise SettingsError("--resume continues a campaign of recordings, not of a frequency table")
    if args.frequencies and args.inputs:
        raise SettingsError("give either recordings (INPUT...) or --frequencies TABLE.csv, not both")
    if not args.frequencies and not args.inputs:
        raise SettingsError("no input: give recording files, folders or globs, or --frequencies TABLE.csv")
    settings = settings_from_args(args)
    if args.lines and not args.geometry:
        raise ParameterError("--lines", "joins the nodes of a geometry: give --geometry G.csv too")
    check_outputs(*((f"--{o}", getattr(args, o)) for o in ("report", "html", "project", "json", "csv")),
                  stdout=("--json", "--csv"))
    env = read_environment(args.env, settings.env_columns) if args.env else None
    geometry = None
    if args.geometry:  # read before the campaign: a bad file stops it at once, not after hours
        from shm_app.geometry import load_geometry

        geometry = load_geometry(args.geometry, args.lines)
    if args.frequencies:
        table = read_frequency_table(args.frequencies)
        starts = [t.astype(datetime) for t in table.times]
        result = analyse_table(starts, table.values, table.names, settings, env, source=args.frequencies)
        modes = ()
    else:
        result, modes = _run_recordings(args, settings, env)
    doc = campaign_to_json(result)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    if args.csv:
        from shm_app.campaign.document import campaign_csv

        write_text(args.csv, campaign_csv(result))
    reference = _identify_reference(result) if modes and (args.report or args.html or args.project) else None
    if args.report or args.html:
        _write_report(args, result, modes, reference, geometry)
    if args.project:
        _save_project(args, result, modes, reference, geometry)
    if args.json != "-" and args.csv != "-":
        print(summary(doc))
    return 0


def _identify_reference(result):
    """The baseline recording most typical of the reference state, identified in full for the report (None when
    there is none or it cannot be identified now: the campaign's result stands without it, and the line says why)."""
    import sys

    from shm_app.campaign.reference import identify_reference

    try:
        return identify_reference(result, progress=progress_printer())
    except ShmError as exc:
        print(f"warning: the reference recording could not be identified for the report: {exc}", file=sys.stderr)
        return None


def _save_project(args, result, modes, reference, geometry) -> None:
    """The campaign, the geometry and the identified reference recording in a project, so ``shm-app report``
    writes the same report from it."""
    from shm_app.session import Session

    session = Session()
    session.set_campaign_result(result, inputs=tuple(args.inputs) or (args.frequencies,),
                                kind="table" if args.frequencies else "recordings", environment=args.env,
                                modes=None if args.frequencies else tuple(modes))
    if geometry is not None:
        session.set_geometry(geometry)
    if reference is not None:
        from shm_app.campaign.reference import reference_settings

        index = session.add_recording(reference.file, read_options=result.settings.read_options)
        session.set_identification_settings(reference_settings(result.settings), index)
        session.set_identification_result(reference, index)
    session.save(args.project)


def _write_report(args, result, modes, reference, geometry) -> None:
    """The report of this run, with the input files' SHA-256 in its appendix."""
    from shm_app.commands.report import report_metadata
    from shm_app.output.report import file_sources, write_report

    sources = (file_sources([args.frequencies], "frequency table") if args.frequencies
               else file_sources([m.file for m in modes] or result.files, "recording"))
    sources += file_sources([args.env], "environment log")
    write_report(args.report or args.html, campaign=result, identifications=() if reference is None else (reference,),
                 geometry=geometry, title=args.title, metadata=report_metadata(args), sources=sources,
                 html=args.html if args.report else None)


def _model_text(base: dict) -> str:
    comp = base["compensation"]
    if comp["kind"] == "envelope":
        parts = f", {comp['n_components']} components" if comp["n_components"] else ""
        text = f"no covariates: detector {comp['method']}{parts}"
    else:
        text = f"compensation {comp['kind']}" + (f" on {', '.join(base['covariates'])}" if base["covariates"] else "")
    if base.get("index_unit") == "ratio":
        return text + ", novelty index = statistic / control limit, alarm above 1"
    return text + f", control limit T² = {base['threshold']:.2f}"


def _run_recordings(args, settings, env):
    """Identify and analyse the recordings; with --project, stream the results into it as they arrive (and with
    --resume, start from those it holds). Returns (result, every recording's modes)."""
    from shm_app.campaign import run_campaign
    from shm_app.campaign.partial import BackgroundPartialProject, load_partial

    done = ()
    if args.resume and Path(args.project).exists():
        saved = load_partial(args.project)
        settings, done = saved.settings, saved.modes
        print(f"resuming: {len(done)} recordings already identified in {args.project}", flush=True)
    modes = list(done)
    sink = None
    if args.project:
        # saved on a thread of its own: a save of a year's results takes seconds the workers would wait for
        sink = BackgroundPartialProject(args.project, inputs=args.inputs, settings=settings, environment=args.env,
                                        done=done)

    def on_result(r) -> None:
        modes.append(r)
        if sink is not None:
            sink.add(r)

    try:
        result = run_campaign(args.inputs, settings, env=env, progress=progress_printer(), on_result=on_result,
                              done=done)
    except KeyboardInterrupt:
        # Ctrl-C ends within a second: with few results (a save of 500 takes ~0.35 s) all of them are kept, else
        # the last periodic save stands (at most 30 s old; a save under way is atomic)
        if sink is not None and len(sink.modes) <= 500:
            sink.close(save=True)
        raise
    except BaseException:
        if sink is not None:  # failed: everything identified so far goes into the project
            sink.close(save=True)
        raise
    if sink is not None:  # the finished project replaces it: no partial save may land after that one
        sink.close(save=False)
    by_file = {r.file: r for r in modes}
    return result, [by_file[f] for f in result.files if f in by_file]


def summary(doc: dict) -> str:
    """A few lines for the terminal: tracks, baseline, alarm verdict, moved tracks, warnings."""
    recs, base = doc["recordings"], doc["baseline"]
    lines = [f"{len(recs)} recordings, {len(doc['tracks'])} tracks: "
             + ", ".join(f"{t['id']} {t['reference_frequency_hz']:.3f} Hz" for t in doc["tracks"]),
             f"baseline: {base['n_recordings']} recordings, " + _model_text(base)
             + f" (alpha {base['alpha']:g}, {base['alarm_rule']})",
             f"alarms: {sum(r['alarm'] for r in recs)}; first alarm: {doc['first_alarm'] or 'none'}"]
    for m in doc["moved_tracks"]:
        lines.append(f"  {m['id']} moved {m['change_percent']:+.2f} % ({m['change_sigma']:+.1f} sigma)")
    lines += [f"warning: {w}" for w in doc["warnings"][:10]]
    if len(doc["warnings"]) > 10:
        lines.append(f"warning: … and {len(doc['warnings']) - 10} more")
    return "\n".join(lines)
