"""Campaign inputs: files, folders and glob patterns become recording paths."""
from __future__ import annotations

import glob
from pathlib import Path
from typing import Sequence, Union

from shm_app.errors import ShmError


def _is_recording(path: Path) -> bool:
    from shm_app.io import READERS

    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in READERS


def discover(inputs: Sequence[Union[str, Path]]) -> list[Path]:
    """Recording paths from files, folders (every supported recording in it) and glob patterns, without duplicates.

    Raises ShmError naming the input that yields nothing.
    """
    out: dict[str, Path] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and _is_recording(q))
            if not found:
                raise ShmError(f"{p}: no supported recordings in this folder")
        elif p.is_file():
            found = [p]
        elif glob.has_magic(str(item)):
            found = sorted(Path(q) for q in glob.glob(str(item), recursive=True)
                           if Path(q).is_file() and _is_recording(Path(q)))
            if not found:
                raise ShmError(f"{item}: no supported recordings match this pattern")
        else:
            raise ShmError(f"{item}: file not found")
        for q in found:
            out.setdefault(str(q.resolve()), q)
    if not out:
        raise ShmError("no recordings given")
    return list(out.values())

