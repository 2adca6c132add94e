"""Form widgets built from a settings class's parameter declarations (:mod:`shm_app.parameters`): the range,
step, unit, default and tooltip come from the one declaration the command line uses too.

A parameter whose None means something ("auto", "off") gets a spin box whose lowest position shows that text;
:func:`value_of` returns None there and :func:`show_value` puts it back.
"""
from __future__ import annotations

import dataclasses
import math
import typing

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from shm_app.parameters import _base_type, describe, parameters_of


def _declaration(cls, name: str):
    for f, p, annotation in parameters_of(cls):
        if f.name == name:
            return f, p, annotation
    raise KeyError(name)


def parameter_widget(cls, name: str) -> QWidget:
    """A widget for parameter ``name`` of settings class ``cls``, showing its default, with its tooltip."""
    f, p, annotation = _declaration(cls, name)
    kind, optional = _base_type(annotation)
    default = f.default if f.default is not dataclasses.MISSING else None
    choices = p.allowed_choices()
    nullable = optional and p.none_means is not None
    if choices is not None:
        w = QComboBox()
        w.addItems([str(c) for c in choices])
    elif kind is bool:
        w = QCheckBox()  # the form's label names it
    elif kind in (int, float):
        w = QSpinBox() if kind is int else QDoubleSpinBox(decimals=p.decimals if p.decimals is not None else 3)
        step = p.step or (1 if kind is int else 0.1)
        lo = p.minimum if p.minimum is not None else (-1e9 if kind is float else -2**31 + 1)
        hi = p.maximum if p.maximum is not None else (1e9 if kind is float else 2**31 - 1)
        if kind is float and p.exclusive_minimum and not nullable:
            lo += 10 ** -(w.decimals())
        if kind is float and p.exclusive_maximum:
            hi -= 10 ** -(w.decimals())
        if nullable:  # the lowest position stands for None
            lo -= 0 if (p.exclusive_minimum or kind is float) else step
            w.setSpecialValueText(p.none_means if len(p.none_means) <= 14 else "auto")  # the rule is in the tooltip
        w.setRange(kind(lo) if kind is int else lo, kind(hi) if kind is int else hi)
        w.setSingleStep(step)
        if p.unit and p.unit != "%":
            w.setSuffix(f" {p.unit}")
    elif typing.get_origin(kind) is tuple or kind is str:
        w = QLineEdit()
        if p.none_means:
            w.setPlaceholderText(p.none_means)
    else:
        raise TypeError(f"no widget for {name} ({annotation})")
    w.setObjectName(name)
    w.setToolTip(f"<b>{p.label}</b>: {describe(cls, name)}")
    w.setProperty("nullable", nullable)
    show_value(w, default)
    return w


def value_of(w: QWidget):
    """The widget's value as the settings class takes it (None at a nullable spin box's lowest position)."""
    if isinstance(w, QComboBox):
        return w.currentText()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        if w.property("nullable") and w.value() == w.minimum():
            return None
        return w.value()
    text = w.text().strip()
    parts = tuple(t.strip() for t in text.split(",") if t.strip())
    return parts or None


def show_value(w: QWidget, value) -> None:
    if isinstance(w, QComboBox):
        w.setCurrentText(str(value))
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
        w.setValue(w.minimum() if value is None or (isinstance(value, float) and math.isnan(value)) else value)
    else:
        w.setText("" if value is None else ", ".join(value) if isinstance(value, tuple) else str(value))
