"""``shm-app export FILE [--uff58 OUT.uff] [--hdf5 OUT.h5] [preprocessing options]`` (docs/contracts.md).

A recording, preprocessed as the options say (:class:`~shm_app.preprocessing.PreprocessSettings`: time window,
detrend, band-pass, decimation; by default the settings' defaults: a linear detrend only), written as UFF dataset 58 time records
(:mod:`shm_app.io.uff_writer`) and/or in the app's HDF5 layout (:mod:`shm_app.io.hdf5_writer`). Both read back with
``shm_app.io.read`` to the same numbers; the HDF5 file also keeps the preprocessing steps in its metadata.
"""
from __future__ import annotations

from pathlib import Path

from shm_app.cli import add_reader_options, reader_options


def add_parser(sub) -> None:
    from shm_app.parameters import add_arguments
    from shm_app.preprocessing import PreprocessSettings

    p = sub.add_parser("export", help="write a (preprocessed) recording as UFF58 time records or HDF5")
    p.add_argument("file", metavar="FILE", help="the recording")
    p.add_argument("--uff58", metavar="OUT.uff", help="write UFF dataset 58 time records, one per channel")
    p.add_argument("--hdf5", metavar="OUT.h5", help="write the app's HDF5 layout (data, channels, units, start)")
    add_arguments(p, PreprocessSettings)
    add_reader_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from shm_app import io
    from shm_app.errors import SettingsError
    from shm_app.parameters import from_arguments
    from shm_app.persistence.atomic import check_writable
    from shm_app.preprocessing import PreprocessSettings, apply

    outputs = [(option, getattr(args, option)) for option in ("uff58", "hdf5") if getattr(args, option)]
    if not outputs:
        raise SettingsError("nothing to write: give --uff58 OUT.uff and/or --hdf5 OUT.h5")
    for option, out in outputs:  # before reading and filtering a large file for nothing
        if out == "-":
            raise SettingsError(f"--{option} needs a file name, not '-'")
        check_writable(Path(out), f"--{option}")
    settings = from_arguments(PreprocessSettings, args)
    recording = apply(io.read(args.file, **reader_options(args)), settings)
    for option, out in outputs:
        if option == "uff58":
            from shm_app.io.uff_writer import write_uff58

            write_uff58(recording, out)
        else:
            from shm_app.io.hdf5_writer import write_recording

            write_recording(recording, out)
        print(f"{out}: {recording.n_channels} channels, {recording.n_samples} samples at {recording.fs_hz:g} Hz "
              f"({'UFF58' if option == 'uff58' else 'HDF5'})")
    return 0
