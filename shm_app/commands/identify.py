"""``shm-app identify FILE [FILE ...] [--references A,B] [--merge poser|preger] [--method NAME] [--fmin HZ] [--fmax HZ] [--channels A,B] [--reference-channels A,B]
[--block-rows N] [--max-order N] [--order-step N] [--resolution HZ] [--fs HZ] [--variable NAME] [--dataset PATH]
[--group NAME] [--json OUT] [--csv OUT] [--uff OUT] [--diagram OUT]``

The identification options are built from :class:`~shm_app.identification.settings.IdentificationSettings` (and,
for several files, the setups of a roving test, :class:`~shm_app.identification.multisetup.MultiSetupSettings`),
so their ranges, defaults and help are the ones the GUI shows."""
from __future__ import annotations

import json

import numpy as np

from shm_app.cli import add_reader_options, progress_printer, reader_options, write_text
from shm_app.commands import _figures
from shm_app.compute import use_machine_for_one_job


def add_parser(sub) -> None:
    from shm_app.identification import IdentificationSettings
    from shm_app.identification.multisetup import MultiSetupSettings
    from shm_app.parameters import add_arguments

    p = sub.add_parser("identify", help="modal identification with automated mode selection; several files: the "
                                        "setups of a roving test merged into one set of modes over every point")
    p.add_argument("files", metavar="FILE", nargs="+",
                   help="a recording; several: the setups of a roving (multi-setup) test")
    add_arguments(p, IdentificationSettings)
    add_arguments(p, MultiSetupSettings)
    add_reader_options(p)
    _figures.add_figure_options(p)
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
    if len(args.files) > 1:
        return run_multisetup(args, settings)
    if args.merge is not None or args.references is not None:
        raise ParameterError("--references" if args.references is not None else "--merge",
                             "applies to the setups of a roving test: give two or more files")
    if args.diagram and settings.method not in time_domain_methods():  # before reading and identifying for nothing
        raise ParameterError("--diagram", f"needs an SSI method (--method {' or '.join(time_domain_methods())}); "
                                          f"got {settings.method!r}")
    geometry = _figures.check_figure_options(args)
    use_machine_for_one_job()
    recording = io.read(args.files[0], **reader_options(args))
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
        write_uff(args.uff, result, [by_name.get(c) for c in result.channels], geometry=geometry)
    _figures.write_figures(args, result, recording, geometry)
    if "-" not in (args.json, args.csv, args.diagram):
        print(summary(doc, result, settings.uncertainty))
    return 0


def run_multisetup(args, settings) -> int:
    """Several files: the setups of a roving test, merged (:mod:`shm_app.identification.multisetup`)."""
    from shm_app import io
    from shm_app.errors import ParameterError
    from shm_app.identification.document import multisetup_to_json
    from shm_app.identification.multisetup import MultiSetupSettings, identify_setups
    from shm_app.output.tables import modes_csv
    from shm_app.parameters import from_arguments

    merge = from_arguments(MultiSetupSettings, args)
    if args.diagram and merge.merge != "preger":  # before reading and identifying for nothing
        raise ParameterError("--diagram", "would be one per setup with PoSER, which identifies each setup on its "
                                          "own: give --merge preger for one diagram over every point, or identify "
                                          "one setup")
    geometry = _figures.check_figure_options(args)
    use_machine_for_one_job()
    recordings = [io.read(f, **reader_options(args)) for f in args.files]
    result = identify_setups(recordings, settings, merge, progress=progress_printer())
    doc = multisetup_to_json(result)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=2) + "\n")
    if args.csv:
        write_text(args.csv, modes_csv(doc))
    merged = merged_result(result) if (args.diagram or args.uff or args.figures) else None
    if args.diagram:
        from shm_app.output.tables import diagram_csv

        write_text(args.diagram, diagram_csv(merged))
    if args.uff:
        from shm_app.output.uff import write_uff

        by_name = {c.name: c.direction for r in recordings for c in r.channels}
        write_uff(args.uff, merged, [by_name.get(c) for c in merged.channels], geometry=geometry)
    if args.figures:
        _figures.write_figures(args, merged, None, geometry)
    if "-" not in (args.json, args.csv, args.diagram):
        print(multisetup_summary(doc))
    return 0


def merged_result(result):
    """A roving test's merged modes as one :class:`~shm_app.identification.IdentificationResult` over every point,
    for the writers of single recordings (UFF, diagram CSV, figures). A point whose value a mode lacks (only setups
    without that mode measured it) is written as 0: the JSON keeps it null and lists the mode's setups."""
    from dataclasses import replace

    from shm_app.identification import IdentificationResult

    names = ", ".join(str(f).replace("\\", "/").split("/")[-1] for f in result.files if f is not None)
    modes = tuple(replace(m, shape=np.nan_to_num(np.asarray(m.shape, complex))) for m in result.modes)
    return IdentificationResult(file=f"setups {names}" if names else None, fs_hz=result.fs_hz,
                                n_samples=max(result.n_samples), channels=tuple(result.channels),
                                settings=result.settings, modes=modes, diagram=result.diagram)


def multisetup_summary(doc: dict) -> str:
    """The terminal summary of a roving test: the setups, then one line per merged mode with its σ and where it
    came from; a mode some setups lack says which setups it came from and at which points its shape is unknown."""
    from shm_app.output.tables import format_scatter, with_interval

    setups = doc["setups"]
    poser = doc["merge"] == "poser"
    lines = [f"{len(setups)} setups, {len(doc['channels'])} points, references {', '.join(doc['references'])}: "
             f"{len(doc['modes'])} modes by {doc['method']}, merged by {'PoSER' if poser else 'PreGER'} "
             f"({doc['settings']['fmin_hz']:g}–{doc['settings']['fmax_hz']:g} Hz)"]
    for s, setup in enumerate(setups, 1):
        lines.append(f"  setup {s}: {setup['file']}, {len(setup['channels'])} channels, "
                     f"{setup['n_samples'] / doc['fs_hz']:.0f} s")
    for k, m in enumerate(doc["modes"], 1):
        where = (f"  spread over setups {format_scatter(m['frequency_spread_hz'], 4)} Hz" if poser else
                 f"  {m['n_poles']} poles, scatter over orders {format_scatter(m['frequency_scatter_hz'], 4)} Hz")
        lines.append(f"  mode {k}: f {with_interval(m['frequency_hz'], m['frequency_sigma_hz'], 4)} Hz  "
                     f"ζ {with_interval(100 * m['damping_ratio'], _scaled(m['damping_sigma']), 2)} %  "
                     f"MPC {m['mpc']:.3f}{where}")
        if not m["complete"] or len(m["setups"]) < len(setups):
            unknown = [c for c, v in zip(doc["channels"], m["shape"]) if v is None]
            lines.append(f"    found in setup(s) {', '.join(str(s + 1) for s in m['setups'])} only"
                         + (f": shape unknown at {', '.join(unknown)}" if unknown else ""))
    if doc["modes"]:
        parts = doc["settings"].get("uncertainty_blocks")
        if poser:
            how = "σ of the mean over the setups"
        elif parts:
            how = f"σ by batch means over {parts} parts of every setup"
        else:
            how = "σ n/a: switched off, or the shortest setup too short for 8 parts of 20 × block rows samples each"
        lines.append(f"  ± is one statistical standard deviation σ of the estimate, [ ] its 95 % interval (± 1.96 σ); "
                     f"{how}")
    return "\n".join(lines)


def summary(doc: dict, result, asked_sigma: bool = True) -> str:
    """The terminal summary: one line per mode with its σ and 95 % interval, its scatter over the orders (SSI), why
    σ is missing if it is (``asked_sigma``: the settings asked for it) and the AutoMAC."""
    from shm_app.output.tables import format_scatter, missing_sigma_note, with_interval

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
    note = missing_sigma_note(result, asked_sigma)
    if note:
        lines.append(f"  {note}")
    if len(result.modes) > 1:
        lines.append(f"  {automac_summary(result.modes)}")
    from shm_app.identification.manual import unselected_columns

    for c in unselected_columns(result):
        lines.append(f"  not a mode: {c.frequency_hz:.3f} Hz ({c.n_poles} stable poles at {c.n_orders} orders): "
                     f"{c.reason}")
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
