"""Command line: ``shm-app info | identify | campaign | report | project`` (also ``python -m shm_app``).
Contracts in docs/contracts.md.

Exit codes: 0 success, 2 bad input or usage (one line ``shm-app: error: <file>: <reason>`` on stderr: a
:class:`~shm_app.errors.ShmError`), 1 unexpected internal error, i.e. a bug (one line naming the log file, where
the traceback went).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from dsp.progress import Cancelled
from shm_app import __version__
from shm_app.errors import SettingsError, ShmError, one_line, user_message

PROG = "shm-app"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        raise _UsageError(message)


class _UsageError(Exception):
    pass


# Each command lives in its own module under shm_app/commands with ``add_parser(subparsers)`` registering
# itself (``set_defaults(run=...)``); modules are imported lazily so ``shm-app --help`` stays fast.
COMMAND_MODULES = ("info", "identify", "campaign", "report", "project", "export")


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone (what running it needs: the other commands' modules
    and the settings they import stay unloaded, ~30 ms of every run)."""
    import importlib

    p = _Parser(prog=PROG, description="Structural health monitoring: recordings, modal identification, campaigns.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--selftest", action="store_true",
                   help="check this installation (every format, identification, a campaign on the process pool, a "
                        "report) in a temporary folder, one line per step; exit 0 only when all pass")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in (command,) if command in COMMAND_MODULES else COMMAND_MODULES:
        try:
            module = importlib.import_module(f"shm_app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"shm_app.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return p


def write_text(out: str, text: str) -> None:
    """Write ``text`` to ``out`` atomically, or to standard output for ``-``."""
    if out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from shm_app.persistence.atomic import atomic_write_text

    atomic_write_text(Path(out), text)


def check_outputs(*outputs, stdout: tuple[str, ...] = ()) -> None:
    """Refuse early (before hours of computing), in one line, an output that cannot be written: ``outputs`` are
    ``(option, path or None)`` pairs; ``-`` (standard output) is accepted for the options in ``stdout`` only."""
    from shm_app.persistence.atomic import check_writable

    for option, out in outputs:
        if out is None or (out == "-" and option in stdout):
            continue
        if out == "-":
            raise SettingsError(f"{option} needs a file name, not '-'")
        check_writable(Path(out), option)


def progress_printer():
    """A progress callback drawing a bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        bar = "#" * int(30 * fraction)
        sys.stderr.write(f"\r[{bar:<30}] {100 * fraction:5.1f} % {message[:40]:<40}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def add_reader_options(p) -> None:
    """The options that tell the readers what a file does not say: its rate, and which array holds the signals."""
    p.add_argument("--fs", type=float, help="sampling rate in Hz for files that do not state it")
    p.add_argument("--variable", metavar="NAME",
                   help="MATLAB/NumPy files holding several arrays: the one with the signals")
    p.add_argument("--dataset", metavar="PATH", help="HDF5 files holding several datasets: the one with the signals")
    p.add_argument("--group", metavar="NAME", help="TDMS/HDF5 files: the group holding the channels")


def reader_options(args) -> dict:
    """The reader options given on the command line (see :func:`add_reader_options`), for ``io.read(**...)``.

    Formats ignore the options that do not concern them, so one set serves a folder of mixed files.
    """
    return {k: getattr(args, k) for k in ("fs", "variable", "dataset", "group") if getattr(args, k, None) is not None}



def main(argv: Optional[Sequence[str]] = None) -> int:
    if getattr(sys, "frozen", False):  # a frozen build's spawned workers run this executable: let them be workers
        import multiprocessing  # (not imported otherwise: ~8 ms of every command)

        multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--selftest"]:
        from shm_app.selftest import run as selftest

        return selftest()
    try:
        args = build_parser(argv[0] if argv else None).parse_args(argv)
        return args.run(args)
    except _UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    except ShmError as exc:
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
        from shm_app.logs import log_exception

        path = log_exception(f"unexpected error running {PROG} {' '.join(argv)}", exc)
        where = f"details in {path}" if path else "the log could not be written"
        sys.stderr.write(f"{PROG}: internal error (a bug, please report it): {type(exc).__name__}: "
                         f"{one_line(str(exc))} ({where})\n")
        return 1
