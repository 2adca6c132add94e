"""``shm-app identify FILE [--method ssi-cov|ssi-dat|fdd|efdd|peak] [--fmin HZ] [--fmax HZ] [--channels A,B]
[--reference-channels A,B] [--block-rows N] [--max-order N] [--order-step N] [--resolution HZ] [--fs HZ]
[--variable NAME] [--dataset PATH] [--group NAME] [--json OUT] [--csv OUT] [--uff OUT] [--diagram OUT]``"""
from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np

from shm_app.cli import add_reader_options, csv_list, progress_printer, reader_options, write_text


def add_parser(sub) -> None:
    from shm_app.identify import METHOD_DESCRIPTIONS

    methods = "; ".join(f"{k}: {v}" for k, v in METHOD_DESCRIPTIONS.items())
    p = sub.add_parser("identify", help="modal identification with automated mode selection")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--method", default="ssi-cov", help=f"one of {methods} (default ssi-cov)")
    p.add_argument("--fmin", type=float, help="lowest frequency of interest, Hz (default 0.5)")
    p.add_argument("--fmax", type=float, help="highest frequency of interest, Hz (default min(20, fs/2.5))")
    p.add_argument("--channels", type=csv_list, help="comma-separated channel names to use (default all)")
    add_reader_options(p)
    p.add_argument("--reference-channels", type=csv_list,
                   help="SSI reference channels, comma-separated names (default all channels)")
    p.add_argument("--block-rows", type=int, help="SSI block rows (default from fmin and the analysis rate)")
    p.add_argument("--max-order", type=int, default=80, help="highest model order of the SSI sweep (default 80)")
    p.add_argument("--order-step", type=int, default=2, help="step of the SSI order sweep (default 2)")
    p.add_argument("--resolution", type=float,
                   help="frequency resolution of the spectra, Hz (default 2 %% of fmin, at most 0.05 Hz)")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON ('-' for standard output)")
    p.add_argument("--csv", metavar="OUT", help="write the modes table as CSV ('-' for standard output)")
    p.add_argument("--uff", metavar="OUT", help="write the mode shapes as a universal file (dataset 55)")
    p.add_argument("--diagram", metavar="OUT",
                   help="write the stabilization diagram (every pole, its flags and mode) as CSV; SSI methods only")
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app import io
    from shm_app.errors import SettingsError
    from shm_app.identify import (TIME_DOMAIN_METHODS, IdentificationSettings, diagram_csv, format_scatter, identify,
                                  result_to_json)

    if args.diagram and args.method not in TIME_DOMAIN_METHODS:  # before reading and identifying for nothing
        raise SettingsError(f"--diagram needs an SSI method (--method ssi-cov or ssi-dat); got {args.method!r}")
    recording = io.read(args.file, **reader_options(args))
    settings = IdentificationSettings(method=args.method, fmin_hz=args.fmin, fmax_hz=args.fmax,
                                      channels=args.channels, block_rows=args.block_rows, max_order=args.max_order,
                                      order_step=args.order_step, reference_channels=args.reference_channels,
                                      resolution_hz=args.resolution)
    _limit_blas_threads()
    result = identify(recording, replace(settings, compute_spectrum=False), progress=progress_printer())
    doc = result_to_json(result)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2) + "\n")
    if args.csv:
        write_text(args.csv, modes_csv(doc))
    if args.diagram:
        write_text(args.diagram, diagram_csv(result))
    if args.uff:
        from shm_app.export_uff import write_uff

        by_name = {c.name: c.direction for c in recording.channels}
        write_uff(args.uff, result, [by_name.get(c) for c in result.channels])
    if "-" not in (args.json, args.csv, args.diagram):
        print(f"{doc['file']}: {len(doc['modes'])} modes by {doc['method']} "
              f"({doc['settings']['fmin_hz']:g}–{doc['settings']['fmax_hz']:g} Hz)")
        swept = result.settings.time_domain  # SSI: each mode is a cluster of poles with a scatter
        for k, m in enumerate(doc["modes"], 1):
            f_sd = f" ± {format_scatter(m['frequency_scatter_hz'], 4)}" if swept else ""
            z_sd = f" ± {format_scatter(100 * m['damping_scatter'], 2)}" if swept else ""
            poles = f"  ({m['n_poles']} poles)" if swept else ""
            print(f"  mode {k}: {m['frequency_hz']:8.4f}{f_sd} Hz  damping {100 * m['damping_ratio']:5.2f}{z_sd} %  "
                  f"MPC {m['mpc']:.3f}  MPD {m['mpd_deg']:5.1f}°{poles}")
        if len(result.modes) > 1:
            print(f"  {automac_summary(result.modes)}")
    return 0


def automac_summary(modes) -> str:
    """One line on the AutoMAC of the identified modes: its largest off-diagonal value and which pair."""
    from dsp.modal import auto_mac

    values = auto_mac(np.column_stack([m.shape for m in modes]))
    np.fill_diagonal(values, -1.0)
    a, b = np.unravel_index(int(np.argmax(values)), values.shape)
    return f"AutoMAC: largest off-diagonal {values[a, b]:.2f} (modes {min(a, b) + 1} and {max(a, b) + 1})"


def modes_csv(doc: dict) -> str:
    """The modes table of an identify JSON document as CSV (one row per mode, real shape per channel)."""
    head = ["mode", "frequency_hz", "damping_ratio", "frequency_scatter_hz", "damping_scatter", "mpc", "mpd_deg"]
    head += [f"shape_{c}" for c in doc["channels"]]
    rows = [",".join(head)]
    for k, m in enumerate(doc["modes"], 1):
        vals = [k, m["frequency_hz"], m["damping_ratio"], m["frequency_scatter_hz"], m["damping_scatter"], m["mpc"],
                m["mpd_deg"], *m["shape"]]
        rows.append(",".join(str(v) for v in vals))
    return "\n".join(rows) + "\n"


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
