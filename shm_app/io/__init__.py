"""Readers: ``shm_app.io.read(path, **options) -> Recording``, chosen by suffix and by sniffing content.

One module per format, imported lazily so optional libraries (ObsPy, pyuff, npTDMS, h5py) load only when their
format is read. Every failure is a :class:`ReadError` naming the file and what to do; nothing else escapes. Two subclasses let the
GUI ask instead of failing: :class:`FsRequired` (no sampling rate in the file: ask for one, read again with ``fs=``)
and :class:`ChoiceRequired` (several candidate signal arrays: offer ``.choices``, read again with ``.option=``).

Options understood (each reader ignores the ones it does not take):

``fs``          sampling rate in Hz for files that do not state it (a rate the file states is never overridden)
``channels``    names (or a comma-separated string, or integer positions) of the channels to keep
``max_gap_s``   longest NaN/Inf run bridged by interpolation, s (default 0.5); longer runs refuse the file
``variable``    MATLAB: the variable holding the signal matrix
``group``       HDF5/TDMS: the group holding the channels
``dataset``     HDF5: the dataset (or comma-separated datasets, one per channel) holding the signals
``component``   CSMIP/COSMOS zip: which processing level to read (``"V2"`` by default, or ``"V1"``)
``unit``        miniSEED: the unit of the samples (the format states none)
``geometry``    a geometry CSV path (or a dict from :func:`shm_app.io.geometry.read_geometry`) attached to the channels
"""
from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Callable, Union

from shm_app.errors import ReadError
from shm_app.io._common import ChoiceRequired, FsRequired, OptionError, log_reason, os_reason
from shm_app.recording import Recording

__all__ = ["read", "ReadError", "FsRequired", "ChoiceRequired", "OptionError", "READERS", "FORMATS", "supported_suffixes",
           "file_dialog_filter", "sniff_format"]

log = logging.getLogger(__name__)

# suffix -> module name under shm_app.io (imported lazily: optional libraries load only when needed)
READERS: dict[str, str] = {
    ".csv": "csv_reader",
    ".txt": "csv_reader",
    ".dat": "csv_reader",
    ".asc": "csv_reader",
    ".tsv": "csv_reader",
    ".npy": "npy_reader",
    ".npz": "npy_reader",
    ".mat": "mat_reader",
    ".h5": "hdf5_reader",
    ".hdf5": "hdf5_reader",
    ".hdf": "hdf5_reader",
    ".he5": "hdf5_reader",
    ".tdms": "tdms_reader",
    ".uff": "uff_reader",
    ".unv": "uff_reader",
    ".uf": "uff_reader",
    ".mseed": "mseed_reader",
    ".miniseed": "mseed_reader",
    ".msd": "mseed_reader",
    ".v1": "csmip_reader",
    ".v2": "csmip_reader",
    ".v1c": "csmip_reader",
    ".v2c": "csmip_reader",
    ".zip": "csmip_reader",
}

# (dialog label, suffixes) in the order the File > Open dialog lists them
FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CSV/TXT", (".csv", ".txt", ".dat", ".asc", ".tsv", ".gz")),
    ("NumPy", (".npy", ".npz")),
    ("MATLAB", (".mat",)),
    ("HDF5", (".h5", ".hdf5", ".hdf", ".he5")),
    ("NI TDMS", (".tdms",)),
    ("Universal File Format 58", (".uff", ".unv", ".uf")),
    ("miniSEED", (".mseed", ".miniseed", ".msd")),
    ("CSMIP/COSMOS strong motion", (".v1", ".v2", ".v1c", ".v2c", ".zip")),
)

MAX_FILE_BYTES = 8 * 2**30  # refuse absurd sizes before touching them (8 GiB)

_MAGIC = (
    (b"\x89HDF\r\n\x1a\n", "hdf5_reader"),
    (b"MATLAB 5.0 MAT-file", "mat_reader"),
    (b"MATLAB 7.3 MAT-file", "mat_reader"),
    (b"TDSm", "tdms_reader"),
    (b"\x93NUMPY", "npy_reader"),
)


def supported_suffixes() -> list[str]:
    return sorted(READERS)


def file_dialog_filter() -> str:
    """A Qt file-dialog filter listing every readable format (no Qt import; the GUI passes it on)."""
    every = []
    for _, suffixes in FORMATS:
        every.extend(s for s in suffixes if s not in every)
    parts = ["All recordings (" + " ".join(f"*{s}" for s in every) + ")"]
    parts += [f"{label} (" + " ".join(f"*{s}" for s in suffixes) + ")" for label, suffixes in FORMATS]
    parts.append("All files (*)")
    return ";;".join(parts)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def sniff_format(path: Path, head: bytes) -> str | None:
    """The reader module for a file from its first bytes, or None when they say nothing."""
    for magic, module in _MAGIC:
        if head.startswith(magic):
            return module
    if head.startswith(b"PK\x03\x04"):
        return "npy_reader" if _suffix(path) == ".npz" else "csmip_reader"
    text = head[:200].lstrip().upper()
    if text.startswith((b"CORRECTED ACCELEROGRAM", b"UNCORRECTED ACCELEROGRAM")) or b"ACCELERATION (FORMAT V" in text \
            or text.startswith(b"CORRECTED ACCELERATION") or text.startswith(b"RAW ACCELERATION"):
        return "csmip_reader"
    if head.lstrip(b" \r\n").startswith(b"-1") and b"\n" in head[:100]:
        lines = head.split(b"\n")
        if len(lines) > 2 and lines[0].strip() == b"-1" and lines[1].strip().isdigit():
            return "uff_reader"
    return None


def _choose_module(p: Path) -> str:
    with open(p, "rb") as fh:
        head = fh.read(4096)
    if head[:2] == b"\x1f\x8b":  # gzip: the inner file is text (CSV or strong-motion text)
        import gzip
        import zlib

        try:
            with gzip.open(p, "rb") as gz:
                head = gz.read(4096)
        except (OSError, EOFError, zlib.error) as exc:
            log_reason(p, exc)
            raise ReadError(p, "the gzip stream is damaged (it ends early or its compressed data are corrupt); the "
                               "file may be truncated, copy it again") from None
    by_content = sniff_format(p, head)
    by_suffix = READERS.get(_suffix(p))
    if by_content is not None and by_suffix != by_content:
        # the content wins where it is unambiguous (a v7.3 .mat is HDF5 and the MAT reader handles it)
        if not (by_suffix == "mat_reader" and by_content == "hdf5_reader"):
            return by_content
    if by_suffix is not None:
        return by_suffix
    if by_content is not None:
        return by_content
    from shm_app.io._common import looks_binary

    if head and not looks_binary(head):
        return "csv_reader"
    raise ReadError(p, f"unknown file type {_suffix(p) or '(no suffix)'!r}; supported: {', '.join(supported_suffixes())}")


def read(path: Union[str, Path], **options) -> Recording:
    """Read any supported recording.

    Parameters
    ----------
    path : the recording file
    **options : see the module docstring (``fs``, ``channels``, ``max_gap_s``, ``variable``, ``group``, ...)

    Raises
    ------
    ReadError
        Naming the file and what is wrong, in one line. No other exception escapes.
    """
    p = Path(path)
    from shm_app.logs import route_library_output

    route_library_output()  # libraries' warnings go to the log, never to the user's stderr
    try:
        if not p.exists():
            raise ReadError(p, "file not found")
        if p.is_dir():
            raise ReadError(p, "is a folder, not a recording file")
        size = p.stat().st_size
        if size == 0:
            raise ReadError(p, "the file is empty (0 bytes)")
        if size > MAX_FILE_BYTES:
            raise ReadError(p, f"the file is {size / 2**30:.1f} GiB, above the {MAX_FILE_BYTES / 2**30:.0f} GiB "
                               f"limit; split it")
        geometry = options.pop("geometry", None)
        module_name = _choose_module(p)
        module = importlib.import_module(f"shm_app.io.{module_name}")
        reader: Callable[..., Recording] = module.read
        recording = reader(p, **options)
        if geometry is not None:
            from shm_app.io.geometry import attach_geometry

            recording = attach_geometry(recording, geometry)
        return recording
    except (ReadError, OptionError):
        raise  # a bad file, or an impossible option naming itself
    except MemoryError:
        raise ReadError(p, "not enough memory to load it; select fewer channels or split the file") from None
    except OSError as exc:
        raise ReadError(p, os_reason(p, exc)) from None
    except RecursionError:  # metadata nested beyond reason (a parser of ours or a library's recursing on it)
        log.info("recursion reading %s", p, exc_info=True)
        raise ReadError(p, "its metadata are nested too deeply to be read; the file is damaged or not a "
                           "recording") from None
    except (NameError, SyntaxError):
        raise  # a bug of ours, not a damaged file: the CLI logs it as an internal error
    except Exception as exc:  # noqa: BLE001 - a library choking on a damaged file must not become a traceback
        log.info("reader failed on %s", p, exc_info=True)
        raise ReadError(p, "the file is damaged or not in the format its name says: its content does not follow "
                           "that format (details in the log)") from exc
