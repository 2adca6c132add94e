"""The document form of every saved type, written and read in this one place.

A *document* is a tree of JSON values whose leaves may also be numpy arrays (the project file stores those as HDF5
datasets). :func:`to_document` turns a saved object into a document and :func:`from_document` turns it back,
exactly: floats keep every bit (JSON's shortest round-trip repr; NaN and infinities are tagged), arrays keep dtype
and shape, tuples come back as tuples, datetimes as naive UTC datetimes.

Forms: a dataclass is ``{"$type": name, field: value, ...}``; a datetime ``{"$datetime": iso}``; a non-finite float
``{"$float": "nan"|"inf"|"-inf"}``; a dict ``{"$map": {key: value}}`` (string keys). Only the types registered in
:data:`SAVED_TYPES` are ever constructed from a file: nothing is unpickled, imported by name or evaluated.
"""
from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from pathlib import PurePath
from typing import Any

import numpy as np

from shm_app.errors import ShmError

__all__ = ["to_document", "from_document", "register", "SAVED_TYPES", "DocumentError", "documents_equal"]

SAVED_TYPES: dict[str, type] = {}
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class DocumentError(ShmError):
    """A stored document does not describe a saved type (damaged or foreign file)."""


def register(*classes: type) -> None:
    """Allow ``classes`` (frozen dataclasses) to be saved and restored under their class names."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        known = SAVED_TYPES.get(cls.__name__)
        if known is not None and known is not cls:
            raise TypeError(f"two saved types are named {cls.__name__}")
        SAVED_TYPES[cls.__name__] = cls


def to_document(obj: Any) -> Any:
    """The document form of ``obj`` (a registered dataclass, or any value such a dataclass holds)."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        if math.isfinite(value):
            return value
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(obj, datetime):
        if obj.tzinfo is not None:
            raise ValueError(f"datetimes are saved as naive UTC; got {obj!r}")
        return {"$datetime": obj.isoformat()}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"arrays of dtype {obj.dtype} cannot be saved")
        return obj
    if isinstance(obj, (tuple, list)):
        return [to_document(v) for v in obj]
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("only dicts with text keys can be saved")
        return {"$map": {k: to_document(v) for k, v in obj.items()}}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        name = type(obj).__name__
        if SAVED_TYPES.get(name) is not type(obj):
            raise TypeError(f"{name} is not a registered saved type")
        doc = {"$type": name}
        for f in dataclasses.fields(obj):
            if f.metadata.get("saved", True):
                doc[f.name] = to_document(getattr(obj, f.name))
        return doc
    raise TypeError(f"cannot save a {type(obj).__name__}")


def from_document(doc: Any) -> Any:
    """The object a document describes (the inverse of :func:`to_document`); lists come back as tuples."""
    if doc is None or isinstance(doc, (bool, int, float, str, np.ndarray)):
        return doc
    if isinstance(doc, list):
        return tuple(from_document(v) for v in doc)
    if not isinstance(doc, dict):
        raise DocumentError(f"unexpected {type(doc).__name__} in a stored document")
    if "$float" in doc:
        if doc["$float"] not in _NON_FINITE:
            raise DocumentError(f"bad number {doc['$float']!r} in a stored document")
        return _NON_FINITE[doc["$float"]]
    if "$datetime" in doc:
        try:
            value = datetime.fromisoformat(doc["$datetime"])
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"bad date-time {doc['$datetime']!r} in a stored document") from exc
        if value.tzinfo is not None:
            raise DocumentError(f"date-time {doc['$datetime']!r} has a time zone; documents hold naive UTC")
        return value
    if "$map" in doc:
        if not isinstance(doc["$map"], dict):
            raise DocumentError(f"bad mapping of type {type(doc['$map']).__name__} in a stored document")
        return {str(k): from_document(v) for k, v in doc["$map"].items()}
    if "$type" in doc:
        cls = SAVED_TYPES.get(doc["$type"]) if isinstance(doc["$type"], str) else None
        if cls is None:
            raise DocumentError(f"unknown saved type {doc['$type']!r} (written by a newer version of the app?)")
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        kwargs = {k: from_document(v) for k, v in doc.items() if k in names}
        try:
            return cls(**kwargs)
        except (TypeError, ValueError, ShmError) as exc:  # ShmError: a setting outside its declared range
            raise DocumentError(f"a stored {doc['$type']} is inconsistent: {exc}") from exc
    raise DocumentError(f"unexpected object with keys {', '.join(list(doc)[:5])} in a stored document")


def documents_equal(a: Any, b: Any) -> bool:
    """Deep equality of two documents, arrays compared by dtype, shape and value (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(documents_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(documents_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
