"""``--figures DIR [--geometry G.csv] [--lines L.csv]`` of ``shm-app identify``: the figures of the identification
(:mod:`shm_app.output.figures`), the mode shapes drawn and animated on the structure when a geometry is given.

The command adds the options with :func:`add_figure_options`, reads the geometry with :func:`check_figure_options`
before the recordings and, after identifying, calls :func:`write_figures`.
"""
from __future__ import annotations

from pathlib import Path


def add_figure_options(parser) -> None:
    from shm_app.geometry.animation import AnimationSettings
    from shm_app.geometry.shapes import UNMEASURED_RULES
    from shm_app.parameters import add_arguments

    group = parser.add_argument_group("figures")
    group.add_argument("--figures", metavar="DIR",
                       help="write spectrum.png, stabilization.png (SSI methods), mode-N.png for every mode and, "
                            "with --geometry, the animated mode-N.gif into DIR")
    group.add_argument("--geometry", metavar="G.csv", type=_geometry_file,
                       help="geometry CSV (channel,x_m,y_m,z_m,direction[,node]; rows 'fixed' or 'node' for points "
                            "without a sensor): the mode shapes are drawn on the structure, and --uff writes its "
                            "nodes (dataset 15) and the shapes at them")
    group.add_argument("--lines", metavar="L.csv", type=_lines_file, help="lines CSV (node_a,node_b) joining the geometry's nodes")
    group.add_argument("--unmeasured", choices=UNMEASURED_RULES, default="interpolate",
                       help="how nodes and directions without a sensor move: interpolated along the lines from "
                            "the measured ones, or fixed (default: interpolate)")
    add_arguments(group, AnimationSettings)


def _geometry_file(text: str) -> str:
    """Read while the options are parsed, so a bad file stops the command before the identification (a
    ReadError naming the file: one line, exit 2)."""
    from shm_app.io.geometry import read_geometry_table

    read_geometry_table(text)
    return text


def _lines_file(text: str) -> str:
    from shm_app.io.geometry import read_lines

    read_lines(text)
    return text


def check_figure_options(args):
    """The geometry of ``--geometry``/``--lines`` (None without), read once before the recordings, after checking
    the options go together (a geometry serves ``--figures`` and ``--uff``); a ReadError names the file."""
    from shm_app.errors import ParameterError

    if args.figures is None and (args.geometry or args.lines) and not getattr(args, "uff", None):
        raise ParameterError("--geometry" if args.geometry else "--lines",
                             "is used by --figures and --uff: give --figures DIR or --uff OUT")
    if args.lines and not args.geometry:
        raise ParameterError("--lines", "joins the nodes of a geometry: give --geometry G.csv too")
    if not args.geometry:
        return None
    from shm_app.geometry import load_geometry

    return load_geometry(args.geometry, args.lines, unmeasured=args.unmeasured)


def write_figures(args, result, recording, geometry) -> list[Path]:
    """Write the figures asked for with ``--figures`` (nothing without it) on ``geometry`` (from
    :func:`check_figure_options`); returns the paths written. Without a ``recording`` (a roving test's merged
    modes) there is no spectrum to draw."""
    if args.figures is None:
        return []
    from shm_app.geometry.animation import AnimationSettings
    from shm_app.output import figures
    from shm_app.parameters import from_arguments

    animation = from_arguments(AnimationSettings, args)
    spectrum = None if result.spectrum is not None or recording is None else _spectrum(recording, result)
    return figures.write_figures(args.figures, result, geometry=geometry, spectrum=spectrum, animation=animation)


def _spectrum(recording, result):
    """The singular-value spectrum of the analysed channels, preprocessed as the identification did (the command
    line identifies without one)."""
    from dsp import preprocess
    from dsp.spectral import csd_matrix, singular_value_spectrum

    s = result.settings
    data = recording.select(list(result.channels)).data if tuple(recording.channel_names) != result.channels \
        else recording.data
    y = preprocess.decimate(data, recording.fs_hz, s.decimation, method="fft", detrend=s.detrend).data
    return singular_value_spectrum(csd_matrix(y, s.analysis_fs_hz, nperseg=s.nperseg or None))
