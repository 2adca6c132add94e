"""``shm-app identify FILE [--method NAME] [--fmin HZ] [--fmax HZ] [--channels A,B] [--reference-channels A,B]
[--block-rows N] [--max-order N] [--order-step N] [--resolution HZ] [--fs HZ] [--variable NAME] [--dataset PATH]
[--group NAME] [--json OUT] [--csv OUT] [--uff OUT] [--diagram OUT]``

The identification options are built from :class:`~shm_app.identification.settings.IdentificationSettings`, so
their ranges, defaults and help are the ones the GUI shows."""
from __future__ import annotations

import json
import os

import numpy as np

from shm_app.cli import add_reader_options, progress_printer, reader_options, write_text


def add_parser(sub) -> None:
    from shm_app.identification import IdentificationSettings
    from shm_app.parameters import add_arguments

    p = sub.add_parser("identify", help="modal identification with automated mode selection")
    p.add_argument("file", metavar="FILE")
    add_arguments(p, IdentificationSettings)
    add_reader_options(p)
    p.add_argument("--json", metavar="OUT", help="write the results as JSON ('-' for standard output)")
    p.add_argument("--csv", metavar="OUT", help="write the modes table as CSV ('-' for standard output)")
    p.add_argument("--uff", metavar="OUT", help="write the mode shapes as a universal file (dataset 55)")
    p.add_argument("--diagram", metavar="OUT",
                   help="write the stabilization diagram (every pole, its flags and mode) as CSV; SSI methods only")
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app import io
    from shm_app.errors import ParameterError
    from shm_app.identification import IdentificationSettings, identify, result_to_json, time_domain_methods
    from shm_app.output.tables import diagram_csv, modes_csv
    from shm_app.parameters import from_arguments

    settings = from_arguments(IdentificationSettings, args, compute_spectrum=False)  # validated before reading
    if args.diagram and settings.method not in time_domain_methods():  # before reading and identifying for nothing
        raise ParameterError("--diagram", f"needs an SSI method (--method {' or '.join(time_domain_methods())}); "
                                          f"got {settings.method!r}")
    recording = io.read(args.file, **reader_options(args))
    _limit_blas_threads()
    result = identify(recording, settings, progress=progress_printer())
    doc = result_to_json(result)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2) + "\n")
    if args.csv:
        write_text(args.csv, modes_csv(doc))
    if args.diagram:
        write_text(args.diagram, diagram_csv(result))
    if args.uff:
        from shm_app.output.uff import write_uff

        by_name = {c.name: c.direction for c in recording.channels}
        write_uff(args.uff, result, [by_name.get(c) for c in result.channels])
    if "-" not in (args.json, args.csv, args.diagram):
        print(summary(doc, result))
    return 0


def summary(doc: dict, result) -> str:
    """The terminal summary: one line per mode with its scatter over the orders (SSI) and the AutoMAC."""
    from shm_app.output.tables import format_scatter, with_interval

    lines = [f"{doc['file']}: {len(doc['modes'])} modes by {doc['method']} "
             f"({doc['settings']['fmin_hz']:g}–{doc['settings']['fmax_hz']:g} Hz)"]
    swept = result.settings.time_domain  # SSI: each mode is a cluster of poles with a scatter
    for k, m in enumerate(doc["modes"], 1):
        poles = (f"  {m['n_poles']} poles, scatter over orders {format_scatter(m['frequency_scatter_hz'], 4)} Hz / "
                 f"{format_scatter(100 * m['damping_scatter'], 2)} %") if swept else ""
        lines.append(f"  mode {k}: f {with_interval(m['frequency_hz'], m['frequency_sigma_hz'], 4)} Hz  "
                     f"ζ {with_interval(100 * m['damping_ratio'], _scaled(m['damping_sigma']), 2)} %  "
                     f"MPC {m['mpc']:.3f}  MPD {m['mpd_deg']:.1f}°{poles}")
    if doc["modes"]:
        lines.append("  ± is one statistical standard deviation σ of the estimate, [ ] its 95 % interval (± 1.96 σ)"
                     + ("; the scatter over model orders is not an uncertainty" if swept else ""))
    if len(result.modes) > 1:
        lines.append(f"  {automac_summary(result.modes)}")
    return "\n".join(lines)


def _scaled(sigma):
    return None if sigma is None else 100 * sigma


def automac_summary(modes) -> str:
    """One line on the AutoMAC of the identified modes: its largest off-diagonal value and which pair."""
    from dsp.modal import auto_mac

    values = auto_mac(np.column_stack([m.shape for m in modes]))
    np.fill_diagonal(values, -1.0)
    a, b = np.unravel_index(int(np.argmax(values)), values.shape)
    return f"AutoMAC: largest off-diagonal {values[a, b]:.2f} (modes {min(a, b) + 1} and {max(a, b) + 1})"


def _limit_blas_threads() -> None:
    """One BLAS thread for a command-line identification, unless the user set a thread count in the environment.

    The matrices of one identification have at most ~2000 rows: BLAS threads gain little on an idle machine and
    lose badly when the cores are busy (other processes, or several shm-app runs side by side in a campaign
    script): measured on 2 cores under load, the same 1-hour 12-channel SSI-COV took 7.9 s with two threads and
    2.4 s with one. Both OpenBLAS copies (numpy's and scipy's wheels each bundle one) are set through ctypes.
    """
    if any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")):
        return
    import ctypes

    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "openblas" in line.split()[-1].lower()}
    except OSError:  # not Linux: leave the defaults
        return
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                break
