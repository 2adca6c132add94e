"""Analysis settings that own their defaults, bounds, units and help text, validated in one place.

A settings class is a frozen dataclass whose fields are declared with :func:`parameter`; its ``__post_init__``
calls :func:`validate`, which raises :class:`~shm_app.errors.ParameterError` naming the field and the allowed
values. The command line (:func:`add_arguments`, :func:`from_arguments`) and the GUI's widgets (``ui.parameter_widgets``)
take their ranges, defaults and help text from the same declaration, so the two never drift.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import typing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Optional, Sequence, Union

from shm_app.errors import ParameterError

__all__ = ["Parameter", "parameter", "validate", "parameters_of", "add_arguments", "from_arguments", "describe"]


@dataclass(frozen=True)
class Parameter:
    """What a settings field means and what it may hold.

    label : short name for forms and reports; help : one sentence in the engineer's words
    unit : printed after values ("Hz", "%", ...); minimum / maximum : bounds (inclusive unless ``exclusive_*``)
    choices : allowed values (or a function returning them, for registries that grow)
    none_means : what ``None`` stands for ("auto", "off", "all channels"); a field whose default is not None and
        has no ``none_means`` must not be None
    option : command-line flag (default ``--`` + the field name with dashes); None keeps it off the command line
    step, decimals : GUI spin-box increment and decimals
    """

    label: str
    help: str
    unit: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: Union[tuple, Callable[[], tuple], None] = None
    none_means: Optional[str] = None
    option: Optional[str] = ""
    step: Optional[float] = None
    decimals: Optional[int] = None

    def allowed_choices(self) -> Optional[tuple]:
        return self.choices() if callable(self.choices) else self.choices

    def range_text(self) -> str:
        """The allowed values in words: ``between 0 and 0.5 (exclusive)``, ``one of a, b``, ``at least 1``."""
        choices = self.allowed_choices()
        if choices is not None:
            return "one of " + ", ".join(str(c) for c in choices)
        lo, hi = self.minimum, self.maximum
        unit = f" {self.unit}" if self.unit and self.unit != "%" else self.unit
        if lo is not None and hi is not None:
            excl = self.exclusive_minimum or self.exclusive_maximum
            return f"between {lo:g} and {hi:g}{unit}" + (" (exclusive)" if excl else "")
        if lo is not None:
            return f"{'above' if self.exclusive_minimum else 'at least'} {lo:g}{unit}"
        if hi is not None:
            return f"{'below' if self.exclusive_maximum else 'at most'} {hi:g}{unit}"
        return "any value"


def parameter(default: Any, label: str, help: str, **meta: Any):  # noqa: A002 - the dataclass vocabulary
    """A dataclass field carrying its :class:`Parameter` description."""
    kind = {"default_factory": default} if callable(default) and not isinstance(default, type) else {"default": default}
    return field(metadata={"parameter": Parameter(label=label, help=help, **meta)}, **kind)


def parameters_of(cls_or_obj) -> list[tuple[dataclasses.Field, Parameter, Any]]:
    """``(field, parameter, annotated type)`` of every declared parameter of a settings class, in order."""
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    hints = typing.get_type_hints(cls)
    return [(f, f.metadata["parameter"], hints[f.name]) for f in dataclasses.fields(cls) if "parameter" in f.metadata]


def _base_type(annotation) -> tuple[Any, bool]:
    """(the type inside Optional[...], whether None is allowed by the annotation)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else Union[tuple(rest)]), True
    return annotation, False


def _check_value(name: str, p: Parameter, kind, value) -> Any:
    """``value`` checked against the declaration; numbers come back in the declared type (one saved form)."""
    origin = typing.get_origin(kind)
    if kind is bool:
        if not isinstance(value, bool):
            raise ParameterError(name, f"must be true or false; got {value!r}")
        return value
    if kind in (int, float):
        # numpy scalars are numbers too; bools are not (True is no frequency)
        is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if kind is int and not (isinstance(value, numbers.Integral) and is_number
                                or is_number and math.isfinite(value) and float(value).is_integer()):
            raise ParameterError(name, f"must be a whole number {p.range_text()}; got {value!r}")
        if not (is_number and (kind is int or math.isfinite(value))):
            raise ParameterError(name, f"must be a finite number {p.range_text()}; got {value!r}")
        value = int(value) if kind is int else float(value)
        too_low = p.minimum is not None and (value <= p.minimum if p.exclusive_minimum else value < p.minimum)
        too_high = p.maximum is not None and (value >= p.maximum if p.exclusive_maximum else value > p.maximum)
        if too_low or too_high:
            raise ParameterError(name, f"must be {p.range_text()}; got {value if kind is int else format(value, 'g')}")
    elif kind is str:
        if not isinstance(value, str):
            raise ParameterError(name, f"must be text; got {value!r}")
    elif kind is datetime:
        if not isinstance(value, datetime) or value.tzinfo is not None:
            raise ParameterError(name, f"must be a date and time (UTC, without a time zone); got {value!r}")
    elif origin is tuple:
        if not isinstance(value, tuple):
            raise ParameterError(name, f"must be a list; got {value!r}")
        inner = typing.get_args(kind)
        element = inner[0] if inner else Any
        if element is str and not all(isinstance(v, str) and v for v in value):
            raise ParameterError(name, f"must be a list of names; got {value!r}")
        if element in (float, int):
            value = tuple(_check_value(name, p, element, v) for v in value)
    choices = p.allowed_choices()
    if choices is not None and value not in choices:
        raise ParameterError(name, f"must be {p.range_text()}; got {value!r}")
    return value


def validate(obj) -> None:
    """Check every declared parameter of ``obj``; raise :class:`ParameterError` on the first bad one.

    Numbers are stored in their declared type (``max_order=40.0`` becomes 40, ``fmax_hz=12`` becomes 12.0) and
    lists as tuples, so equal settings have one saved form however they were given."""
    for f, p, annotation in parameters_of(obj):
        value = getattr(obj, f.name)
        kind, optional = _base_type(annotation)
        if value is None:
            if not optional:
                raise ParameterError(f.name, f"must be given ({p.range_text()})")
            continue
        if isinstance(value, list):  # documents and callers may hand lists for tuple fields
            value = tuple(value)
        checked = _check_value(f.name, p, kind, value)
        if checked is not getattr(obj, f.name):
            object.__setattr__(obj, f.name, checked)


def describe(cls, name: str, defaults=None) -> str:
    """Tooltip/help text of a parameter: its help, allowed values, default and what None means. ``defaults``: an
    instance of ``cls`` whose values are the defaults where it is used (a campaign's identification settings)."""
    for f, p, annotation in parameters_of(cls):
        if f.name == name:
            default = f.default if f.default is not dataclasses.MISSING else None
            if defaults is not None:
                default = getattr(defaults, name)
            allowed = p.range_text()
            text = p.help + ("" if allowed == "any value" else f" Allowed: {allowed}.")
            if default is None and p.none_means:
                text += f" Default: {p.none_means}."
            elif default is not None and default != "" and not isinstance(default, (tuple, list)):
                text += f" Default: {default:g}{(' ' + p.unit) if p.unit and p.unit != '%' else p.unit}." \
                    if isinstance(default, (int, float)) and not isinstance(default, bool) else f" Default: {default}."
            return text
    raise KeyError(name)


def option_name(f: dataclasses.Field, p: Parameter) -> Optional[str]:
    if p.option is None:
        return None
    return p.option or "--" + f.name.replace("_", "-")


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _csv_of(element):
    """argparse type of a comma-separated list whose elements are ``element`` (names, or numbers)."""
    if element not in (int, float):
        return _csv
    number = _number(element, "list")

    def convert(text: str) -> tuple:
        return tuple(number(part) for part in _csv(text))

    convert.__name__ = "list of numbers"
    return convert


def add_arguments(parser, cls, *, only: Optional[Iterable[str]] = None, skip: Sequence[str] = (),
                  defaults=None) -> None:
    """Add one command-line option per declared parameter of ``cls`` (its help, range and default included;
    ``defaults``: an instance of ``cls`` holding the defaults the command uses, when they are not the class's).

    Options default to None, so :func:`from_arguments` leaves the class's own default in place. Values are
    validated by the class, not by argparse, so the message is the same as everywhere else.
    """
    wanted = None if only is None else set(only)
    for f, p, annotation in parameters_of(cls):
        name = option_name(f, p)
        if name is None or f.name in skip or (wanted is not None and f.name not in wanted):
            continue
        kind, _ = _base_type(annotation)
        help_text = describe(cls, f.name, defaults).replace("%", "%%")
        metavar = p.unit.upper().replace(" ", "") if p.unit and p.unit != "%" else None
        if kind is bool:
            import argparse

            parser.add_argument(name, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                                help=help_text)
        elif typing.get_origin(kind) is tuple:
            element = (typing.get_args(kind) or (str,))[0]
            parser.add_argument(name, dest=f.name, type=_csv_of(element), metavar="A,B,...", help=help_text)
        elif kind in (int, float):
            parser.add_argument(name, dest=f.name, type=_number(kind, name), metavar=metavar or "N", help=help_text)
        elif kind is datetime:
            parser.add_argument(name, dest=f.name, type=parse_time, metavar="ISO", help=help_text)
        else:
            parser.add_argument(name, dest=f.name, metavar=metavar or f.name.upper(), help=help_text)


def parse_time(text: str) -> datetime:
    """An ISO date-time as naive UTC (a stated offset is converted); argparse type and GUI helper."""
    import argparse
    from datetime import timezone

    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time (e.g. 2026-03-01T00:00:00)") from None
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo is not None else t


def _number(kind, option: str):
    def convert(text: str):
        try:
            value = float(text)
        except ValueError:
            import argparse

            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        return int(value) if kind is int and value.is_integer() else value

    convert.__name__ = option
    return convert


def from_arguments(cls, args, **fixed):
    """An instance of ``cls`` from parsed options (those left unset keep the class's defaults)."""
    values = {f.name: getattr(args, f.name) for f, _, _ in parameters_of(cls)
              if getattr(args, f.name, None) is not None}
    return cls(**{**values, **fixed})
