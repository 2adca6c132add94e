"""Command line: ``shm-app info | identify`` (also ``python -m shm_app``). Contract in shared/DESIGN.md.

Exit codes: 0 success, 2 bad input or usage (one line ``shm-app: error: <file>: <reason>`` on stderr),
1 unexpected internal error (message plus the log file's path).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from dsp.progress import Cancelled
from shm_app.errors import ShmError, user_message

PROG = "shm-app"
log = logging.getLogger("shm_app")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _csv_list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Structural health monitoring: recordings, modal identification, campaigns.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__import__('shm_app').__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    info = sub.add_parser("info", help="channels, sampling rate, duration, start and units of recordings")
    info.add_argument("files", nargs="+", metavar="FILE")
    info.add_argument("--fs", type=float, help="sampling rate in Hz for files that do not state it")
    info.add_argument("--json", metavar="OUT", help="write JSON to OUT ('-' for standard output)")

    ident = sub.add_parser("identify", help="modal identification with automated mode selection")
    ident.add_argument("file", metavar="FILE")
    from shm_app.identify import METHODS

    ident.add_argument("--method", default="ssi-cov", help=f"one of: {', '.join(METHODS)} (default ssi-cov)")
    ident.add_argument("--fmin", type=float, help="lowest frequency of interest, Hz (default 0.5)")
    ident.add_argument("--fmax", type=float, help="highest frequency of interest, Hz (default min(20, fs/2.5))")
    ident.add_argument("--channels", type=_csv_list, help="comma-separated channel names to use (default all)")
    ident.add_argument("--fs", type=float, help="sampling rate in Hz for files that do not state it")
    ident.add_argument("--block-rows", type=int, help="SSI block rows (default from fmin and fs)")
    ident.add_argument("--max-order", type=int, default=80, help="highest model order of the sweep (default 80)")
    ident.add_argument("--json", metavar="OUT", help="write the results as JSON ('-' for standard output)")
    ident.add_argument("--csv", metavar="OUT", help="write the modes table as CSV ('-' for standard output)")
    return p


def _write_text(out: str, text: str) -> None:
    if out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from shm_app.store import atomic_write_text

    atomic_write_text(Path(out), text)


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        bar = "#" * int(30 * fraction)
        sys.stderr.write(f"\r[{bar:<30}] {100 * fraction:5.1f} % {message[:40]:<40}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_info(args) -> int:
    from shm_app import io
    from shm_app.summary import info_json

    docs = [info_json(io.read(f, fs=args.fs)) for f in args.files]
    if args.json:
        _write_text(args.json, json.dumps(docs, indent=2) + "\n")
    else:
        for d in docs:
            print(f"{d['file']}: {d['format']}, {len(d['channels'])} channels, {d['fs_hz']:g} Hz, "
                  f"{d['n_samples']} samples ({d['duration_s']:.1f} s), start {d['start'] or 'unknown'}")
            for c in d["channels"]:
                print(f"  {c['name']:<16} {c['unit']:<7} (file: {c['source_unit'] or 'not stated, m/s^2 assumed'})"
                      f"  rms {c['rms']:.4g}")
    return 0


def cmd_identify(args) -> int:
    from shm_app import io
    from shm_app.identify import IdentificationSettings, identify, result_to_json

    recording = io.read(args.file, fs=args.fs)
    settings = IdentificationSettings(method=args.method, fmin_hz=args.fmin, fmax_hz=args.fmax,
                                      channels=args.channels, block_rows=args.block_rows, max_order=args.max_order)
    result = identify(recording, settings, progress=_progress_printer())
    doc = result_to_json(result)
    if args.json:
        _write_text(args.json, json.dumps(doc, indent=2) + "\n")
    if args.csv:
        _write_text(args.csv, modes_csv(doc))
    if not args.json or args.json != "-":
        if not (args.csv == "-"):
            print(f"{doc['file']}: {len(doc['modes'])} modes by {doc['method']} "
                  f"({doc['settings']['fmin_hz']:g}–{doc['settings']['fmax_hz']:g} Hz)")
            for k, m in enumerate(doc["modes"], 1):
                print(f"  mode {k}: {m['frequency_hz']:8.4f} Hz  damping {100 * m['damping_ratio']:5.2f} %  "
                      f"MPC {m['mpc']:.3f}  MPD {m['mpd_deg']:5.1f}°")
    return 0


def modes_csv(doc: dict) -> str:
    head = ["mode", "frequency_hz", "damping_ratio", "frequency_std_hz", "damping_std", "mpc", "mpd_deg"]
    head += [f"shape_{c}" for c in doc["channels"]]
    rows = [",".join(head)]
    for k, m in enumerate(doc["modes"], 1):
        vals = [k, m["frequency_hz"], m["damping_ratio"], m["frequency_std_hz"], m["damping_std"], m["mpc"],
                m["mpd_deg"], *m["shape"]]
        rows.append(",".join(str(v) for v in vals))
    return "\n".join(rows) + "\n"


COMMANDS = {"info": cmd_info, "identify": cmd_identify}


def _log_path() -> Path:
    return Path(os.environ.get("SHM_APP_LOG", Path(tempfile.gettempdir()) / "shm-app.log"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except _UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    except (ShmError, ValueError) as exc:
        sys.stderr.write(f"{PROG}: error: {user_message(exc)}\n")
        return 2
    except Cancelled:
        sys.stderr.write(f"{PROG}: cancelled\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are logged
        path = _log_path()
        try:
            handler = logging.FileHandler(path)
            log.addHandler(handler)
            log.exception("unexpected error running %s %s", PROG, " ".join(argv))
            handler.close()
        except OSError:
            pass
        sys.stderr.write(f"{PROG}: internal error: {type(exc).__name__}: {exc} (details in {path})\n")
        return 1
