"""Hypothesis strategies for every saved type, derived from the dataclasses' type hints and, for settings, from
their declared parameters (bounds, choices), so a new saved type or field is covered without editing this file.

Values are chosen to exercise the codec: floats and arrays hold NaN and ±inf, arrays are float, complex, bool and
integer of any small shape (0-d and empty included), optional fields are often None, datetimes are naive."""
from __future__ import annotations

import dataclasses
import math
import struct
import typing
from datetime import datetime
from typing import Any, Union

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dsp.tracking import TrackingSettings
from shm_app.campaign.settings import CampaignSettings
from shm_app.identification.settings import IdentificationSettings
from shm_app.parameters import parameters_of
from shm_app.persistence.codec import SAVED_TYPES
from shm_app.preprocessing import PreprocessSettings
from shm_app.recording import Channel, Recording

__all__ = ["strategy_for", "saved_instances", "assert_identical"]

DTYPES = (np.float64, np.float32, np.complex128, np.complex64, np.bool_, np.int64, np.int32, np.uint8)
any_float = st.floats(allow_nan=True, allow_infinity=True)
names = st.text(min_size=1, max_size=8)
small = dict(max_size=3)


def any_array(dtypes=DTYPES, max_dims: int = 3) -> st.SearchStrategy[np.ndarray]:
    """Arrays of any of ``dtypes``, 0 to ``max_dims`` dimensions of 0–4 (NaN, ±inf and -0.0 among the floats)."""
    return st.sampled_from(dtypes).flatmap(
        lambda dt: hnp.arrays(np.dtype(dt), hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=4)))


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64), any_float, st.text(max_size=8),
                        st.datetimes())
# values a reader may leave in a recording's metadata (tuples, since documents hand lists back as tuples)
metadata_value = st.recursive(json_scalar | any_array(max_dims=2),
                              lambda inner: st.lists(inner, **small).map(tuple)
                              | st.dictionaries(st.text(max_size=6), inner, **small), max_leaves=6)


def _number_strategy(kind, p) -> st.SearchStrategy:
    if kind is int:
        lo = -10**6 if p.minimum is None else int(math.ceil(p.minimum)) + int(p.exclusive_minimum)
        hi = 10**6 if p.maximum is None else int(math.floor(p.maximum)) - int(p.exclusive_maximum)
        return st.integers(lo, hi)
    return st.floats(min_value=p.minimum, max_value=p.maximum, exclude_min=p.exclusive_minimum and p.minimum is not None,
                     exclude_max=p.exclusive_maximum and p.maximum is not None, allow_nan=False, allow_infinity=False)


def parameter_strategy(p, annotation) -> st.SearchStrategy:
    """Valid values of one declared parameter (inside its bounds, among its choices)."""
    args = typing.get_args(annotation)
    optional = typing.get_origin(annotation) is Union and type(None) in args
    kind = [a for a in args if a is not type(None)][0] if optional else annotation
    choices = p.allowed_choices()
    if choices is not None:
        base = st.sampled_from(choices)
    elif kind is bool:
        base = st.booleans()
    elif kind in (int, float):
        base = _number_strategy(kind, p)
    elif kind is datetime:
        base = st.datetimes()
    elif typing.get_origin(kind) is tuple:
        inner = typing.get_args(kind)
        if inner and inner[-1] is Ellipsis:
            base = st.lists(names, min_size=1, max_size=3, unique=True).map(tuple)
        else:  # a (start, end) pair
            base = st.lists(_number_strategy(inner[0], p), min_size=2, max_size=2, unique=True).map(
                lambda v: tuple(sorted(v)))
    else:
        base = st.text(max_size=12)
    return st.none() | base if optional else base


def _hint_strategy(hint) -> st.SearchStrategy:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return st.none()
    if origin is Union:
        return st.one_of([_hint_strategy(a) for a in args])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_hint_strategy(args[0]), **small).map(tuple)
        return st.tuples(*[_hint_strategy(a) for a in args])
    if hint is np.ndarray:
        return any_array()
    if hint is float:
        return any_float
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(-2**53, 2**53)
    if hint is str:
        return st.text(max_size=12)
    if hint is datetime:
        return st.datetimes()
    if hint is object or hint is Any:
        return json_scalar
    if hint is dict or origin is dict:
        return st.dictionaries(st.text(max_size=6), metadata_value, **small)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return st.deferred(lambda: strategy_for(hint))
    raise NotImplementedError(f"no strategy for {hint!r}: extend tests/shm_app/persistence/saved_strategies.py")


def _fields_strategy(cls, overrides: dict) -> st.SearchStrategy[dict]:
    hints = typing.get_type_hints(cls)
    declared = {f.name: (p, a) for f, p, a in parameters_of(cls)}
    out = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name in overrides:
            out[f.name] = overrides[f.name]
        elif f.name in declared:
            out[f.name] = parameter_strategy(*declared[f.name])
        else:
            out[f.name] = _hint_strategy(hints[f.name])
    return st.fixed_dictionaries(out)


def _valid(cls, kwargs):
    """The instance, or None when cross-field rules refuse this combination (e.g. f min ≥ f max)."""
    try:
        return cls(**kwargs)
    except ValueError:  # ParameterError is a ShmError; both are refusals of the combination
        return None
    except Exception as exc:  # noqa: BLE001
        from shm_app.errors import ShmError

        if isinstance(exc, ShmError):
            return None
        raise


@st.composite
def _recording(draw):
    channels = draw(st.lists(st.deferred(lambda: strategy_for(Channel)), min_size=1, max_size=3).map(tuple))
    n = draw(st.integers(0, 6))
    data = draw(hnp.arrays(np.float64, (n, len(channels))))
    return Recording(data=data, fs_hz=draw(st.floats(1e-3, 1e6)), channels=channels,
                     start=draw(st.none() | st.datetimes()), source=draw(st.none() | st.text(max_size=12)),
                     format=draw(st.text(max_size=6)),
                     metadata=draw(st.dictionaries(st.text(max_size=6), metadata_value, **small)))


@st.composite
def _alarm_rule(draw):
    m = draw(st.integers(1, 100))
    return draw(st.integers(1, m)), m


def _campaign_settings():
    base = _fields_strategy(CampaignSettings, {
        "identification": _fields_strategy(IdentificationSettings, {"method": st.just("ssi-cov")}).map(
            lambda kw: _valid(IdentificationSettings, kw)).filter(lambda s: s is not None),
        "read_options": st.lists(st.tuples(names, json_scalar), **small).map(tuple),
    })
    return st.tuples(base, _alarm_rule()).map(lambda t: {**t[0], "alarm_k": t[1][0], "alarm_m": t[1][1]})


OVERRIDES = {
    TrackingSettings: lambda: _fields_strategy(TrackingSettings, {
        "max_frequency_distance": st.floats(1e-6, 10), "cluster_distance": st.floats(1e-6, 10),
        "min_mac": st.floats(0, 1), "min_presence": st.floats(0, 1),
        "mac_weight": st.floats(0, 10), "support_weight": st.floats(0, 10)}),
    CampaignSettings: _campaign_settings,
    PreprocessSettings: lambda: _fields_strategy(PreprocessSettings, {}),
    IdentificationSettings: lambda: _fields_strategy(IdentificationSettings, {}),
}


def strategy_for(cls) -> st.SearchStrategy:
    """Valid instances of the saved type ``cls``."""
    if cls is Recording:
        return _recording()
    kwargs = OVERRIDES[cls]() if cls in OVERRIDES else _fields_strategy(cls, {})
    return kwargs.map(lambda kw: _valid(cls, kw)).filter(lambda obj: obj is not None)


def saved_instances() -> st.SearchStrategy:
    return st.sampled_from(sorted(SAVED_TYPES)).flatmap(lambda name: strategy_for(SAVED_TYPES[name]))


def _float_bits(x: float) -> bytes:
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def assert_identical(a: Any, b: Any, where: str = "") -> None:
    """``b`` is ``a`` exactly: same types (tuples stay tuples), float bits (-0.0 stays -0.0; every NaN equal),
    array dtype, shape and bytes; dataclasses field by field."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} became {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype}{a.shape} became {b.dtype}{b.shape}"
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), f"{where}: array bits differ"
    elif isinstance(a, float):
        assert _float_bits(a) == _float_bits(b), f"{where}: {a!r} became {b!r}"
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), f"{where}: length {len(a)} became {len(b)}"
        for k, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys differ"
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    else:
        assert a == b, f"{where}: {a!r} became {b!r}"
