"""``shm-app info FILE... [--json OUT]``"""
from __future__ import annotations

import json

from shm_app.cli import add_reader_options, reader_options, write_text


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="channels, sampling rate, duration, start and units of recordings")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_reader_options(p)
    p.add_argument("--json", metavar="OUT", help="write JSON to OUT ('-' for standard output)")
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app import io
    from shm_app.output.info import info_json, recording_notes

    docs, notes = [], []
    for f in args.files:  # one recording in memory at a time
        recording = io.read(f, **reader_options(args))
        docs.append(info_json(recording))
        notes.append(recording_notes(recording))
    if args.json:
        write_text(args.json, json.dumps(docs, indent=2, allow_nan=False) + "\n")  # never Infinity/NaN: null
    if args.json != "-":
        from shm_app.errors import shown_path

        for d, file_notes in zip(docs, notes):
            print(f"{shown_path(d['file'])}: {d['format']}, {len(d['channels'])} channels, {d['fs_hz']:g} Hz, "
                  f"{d['n_samples']} samples ({d['duration_s']:.1f} s), start {d['start'] or 'unknown'}")
            for c in d["channels"]:
                rms = f"{c['rms']:.4g}" if c["rms"] is not None else "beyond floating point (values overflow)"
                print(f"  {shown_path(c['name']):<16} {c['unit']:<7} (file: "
                      f"{shown_path(c['source_unit']) if c['source_unit'] else 'not stated, m/s^2 assumed'})  rms {rms}")
            for note in file_notes:
                print(f"  note: {note}")
    return 0
