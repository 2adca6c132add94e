"""Readers: ``shm_app.io.read(path, **options) -> Recording``, chosen by suffix and by sniffing content."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Union

from shm_app.errors import ReadError
from shm_app.recording import Recording

__all__ = ["read", "ReadError", "READERS", "supported_suffixes"]

# suffix -> module name under shm_app.io (imported lazily: optional libraries load only when needed)
READERS: dict[str, str] = {
    ".csv": "csv_reader",
    ".txt": "csv_reader",
    ".dat": "csv_reader",
    ".asc": "csv_reader",
}

MAX_FILE_BYTES = 8 * 2**30  # refuse absurd sizes before touching them (8 GiB)


def supported_suffixes() -> list[str]:
    return sorted(READERS)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def read(path: Union[str, Path], **options) -> Recording:
    """Read any supported recording. Raises :class:`ReadError` naming the file and what is wrong."""
    p = Path(path)
    if not p.exists():
        raise ReadError(p, "file not found")
    if p.is_dir():
        raise ReadError(p, "is a folder, not a recording file")
    size = p.stat().st_size
    if size == 0:
        raise ReadError(p, "the file is empty")
    if size > MAX_FILE_BYTES:
        raise ReadError(p, f"the file is {size / 2**30:.1f} GiB, above the {MAX_FILE_BYTES / 2**30:.0f} GiB limit; split it")
    module_name = READERS.get(_suffix(p))
    if module_name is None:
        raise ReadError(p, f"unknown file type {_suffix(p) or '(no suffix)'!r}; supported: {', '.join(supported_suffixes())}")
    import importlib

    module = importlib.import_module(f"shm_app.io.{module_name}")
    reader: Callable[..., Recording] = module.read
    try:
        return reader(p, **options)
    except ReadError:
        raise
    except (MemoryError, OSError) as exc:
        raise ReadError(p, f"could not be read ({exc.__class__.__name__}: {exc})") from exc
