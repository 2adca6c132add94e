"""The project file (``.shmproj``, HDF5): the document of a :class:`~shm_app.session.state.ProjectState`.

Layout (format version 2)::

    /            attrs: format="shm-workbench-project", format_version=2, app_version, created, modified
    /document    the project's document (see :mod:`shm_app.persistence.codec`) as UTF-8 JSON bytes (uint8), in
                 which every array is replaced by ``{"$array": N}``
    /arrays/N    the arrays, with their dtype and shape (gzip-compressed when large)

Everything is plain numbers and JSON text: nothing is ever unpickled or evaluated, and only the saved types the
codec knows are constructed. HDF5 features that would read other files (external links, virtual datasets,
external raw storage) are refused. Saving is atomic (:mod:`shm_app.persistence.atomic`); opening never writes.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

import h5py
import numpy as np

from shm_app import __version__
from shm_app.errors import ReadError
from shm_app.persistence import saved_types  # noqa: F401 - registers every saved type with the codec
from shm_app.persistence.atomic import atomic_path
from shm_app.persistence.codec import DocumentError, from_document, to_document
from shm_app.session.state import ProjectState

FORMAT = "shm-workbench-project"
FORMAT_VERSION = 2
SUFFIX = ".shmproj"
_COMPRESS_ABOVE = 4096  # bytes; smaller arrays are stored plain (compression would only add headers)


@dataclass(frozen=True)
class ProjectFile:
    """What a project file holds: its state (a ProjectState) and the file's own stamps."""

    state: ProjectState
    format_version: int
    app_version: str
    created: Optional[str]
    modified: Optional[str]


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _externalise(doc: Any, arrays: list) -> Any:
    if isinstance(doc, np.ndarray):
        arrays.append(doc)
        return {"$array": len(arrays) - 1}
    if isinstance(doc, dict):
        return {k: _externalise(v, arrays) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_externalise(v, arrays) for v in doc]
    return doc


def _internalise(doc: Any, arrays) -> Any:
    if isinstance(doc, dict):
        if set(doc) == {"$array"}:
            return arrays(doc["$array"])
        if set(doc) == {"$map"} and isinstance(doc["$map"], dict):  # its keys are the saved dict's own: never tags
            return {"$map": {k: _internalise(v, arrays) for k, v in doc["$map"].items()}}
        return {k: _internalise(v, arrays) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_internalise(v, arrays) for v in doc]
    return doc


def save_project(path: Union[str, Path], state: Any, *, created: Optional[str] = None) -> Path:
    """Write ``state`` atomically to ``path``; returns the path. ``created`` keeps the first save's stamp."""
    target = Path(path)
    arrays: list[np.ndarray] = []
    text = json.dumps(_externalise(to_document(state), arrays), allow_nan=False, separators=(",", ":"))
    with atomic_path(target) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["app_version"] = __version__
            f.attrs["created"] = created or _now()
            f.attrs["modified"] = _now()
            # bytes with a declared length, checked before reading (a damaged variable-length string length made
            # HDF5 allocate gigabytes before failing)
            f.create_dataset("document", data=np.frombuffer(text.encode("utf-8"), dtype=np.uint8))
            group = f.create_group("arrays")
            for k, a in enumerate(arrays):
                big = a.nbytes > _COMPRESS_ABOVE and a.ndim > 0
                group.create_dataset(str(k), data=a, compression="gzip" if big else None, shuffle=big)
    return target


def _memory_budget() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _safe_dataset(f: h5py.File, name: str, p: Path) -> h5py.Dataset:
    parts = name.split("/")
    for depth in range(1, len(parts) + 1):  # every step of the path: a linked group would lead elsewhere too
        step = "/".join(parts[:depth])
        link = f.get(step, getlink=True)
        if link is None:
            raise ReadError(p, f"{step} is missing; the project file is damaged")
        if not isinstance(link, h5py.HardLink):
            raise ReadError(p, f"the project links {step} to another place; refused (a project holds its own data)")
    ds = f[name]
    if not isinstance(ds, h5py.Dataset):
        raise ReadError(p, f"{name} is not a dataset; the project file is damaged")
    if ds.is_virtual or ds.external:
        raise ReadError(p, f"{name} reads its data from other files; refused (a project holds its own data)")
    return ds


def load_project(path: Union[str, Path]) -> ProjectFile:
    """Read a project without writing to it. A damaged or foreign file raises :class:`ReadError` naming it."""
    p = Path(path)
    if not p.is_file():
        raise ReadError(p, "project file not found" if not p.exists() else "not a file")
    try:
        with h5py.File(p, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise ReadError(p, "not an SHM Workbench project (.shmproj)")
            version = int(f.attrs.get("format_version", 0))
            if version > FORMAT_VERSION:
                raise ReadError(p, f"project format version {version} is newer than this app understands "
                                   f"({FORMAT_VERSION}); update the app")
            if version < FORMAT_VERSION:
                raise ReadError(p, f"project format version {version} was written by a development version of "
                                   f"the app; create the project again from its recordings")
            document = _safe_dataset(f, "document", p)
            if document.dtype != np.uint8 or document.ndim != 1:
                raise ReadError(p, "the project's document is not stored as text bytes: damaged or foreign file")
            if document.shape[0] > min(_memory_budget(), p.stat().st_size):
                raise ReadError(p, f"the project's document declares {document.shape[0]} bytes, more than the file "
                                   f"holds: it is damaged or truncated; it was left untouched")
            text = document[()].tobytes()
            doc = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
            budget = _memory_budget()

            def array(k) -> np.ndarray:
                ds = _safe_dataset(f, f"arrays/{int(k)}", p)
                if ds.dtype.kind not in "biufc":
                    raise ReadError(p, f"array {k} has an unsupported type ({ds.dtype})")
                need = int(np.prod(ds.shape, dtype=np.float64) * ds.dtype.itemsize)
                if need > budget:
                    raise ReadError(p, f"array {k} declares {need / 2**30:.1f} GiB, more than this computer can "
                                       f"hold ({budget / 2**30:.1f} GiB)")
                return np.asarray(ds[()])

            state = from_document(_internalise(doc, array))
            if not isinstance(state, ProjectState):
                raise ReadError(p, f"the file does not hold a project (it holds a {type(state).__name__})")
            return ProjectFile(state=state, format_version=version, app_version=str(f.attrs.get("app_version", "")),
                               created=str(f.attrs.get("created", "")) or None,
                               modified=str(f.attrs.get("modified", "")) or None)
    except ReadError:
        raise
    except DocumentError as exc:
        raise ReadError(p, f"the project file is damaged ({exc}); it was left untouched") from exc
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError, RecursionError) as exc:
        raise ReadError(p, f"the project file is damaged or truncated ({exc.__class__.__name__}: {exc}); "
                           f"it was left untouched") from exc


def read_document(path: Union[str, Path]) -> dict:
    """The project's document as stored (arrays as numpy arrays), for ``shm-app project show`` and tests."""
    return to_document(load_project(path).state)
