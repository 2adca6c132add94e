"""Settings declared with ``parameter(...)``: defaults validate; bad values raise a one-line ParameterError naming the
field and the allowed values; the command line built from the declarations gives the same settings as the
constructor; ``describe`` states the range, unit and default; every value inside the bounds is accepted and every
value outside refused (Hypothesis, derived from the declarations themselves)."""
from __future__ import annotations

import argparse
import math
import typing
from datetime import datetime
from typing import Union

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shm_app.campaign.settings import CampaignSettings
from shm_app.errors import ParameterError
from shm_app.identification.settings import IdentificationSettings
from shm_app.parameters import add_arguments, describe, from_arguments, parameters_of
from shm_app.preprocessing import PreprocessSettings
from shm_app.session.state import ProjectMetadata

CLASSES = (IdentificationSettings, PreprocessSettings, CampaignSettings, ProjectMetadata)
# cross-field rules are tested on their own below; the per-field checks use companions that satisfy them
COMPANIONS = {("CampaignSettings", "alarm_k"): {"alarm_m": 100}, ("CampaignSettings", "alarm_m"): {"alarm_k": 1}}


def declared(classes=CLASSES):
    return [(cls, f.name, p, a) for cls in classes for f, p, a in parameters_of(cls)]


def kind_of(annotation):
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Union and type(None) in args:
        return [a for a in args if a is not type(None)][0], True
    return annotation, False


def numeric_fields():
    return [(cls, name, p) for cls, name, p, a in declared() if kind_of(a)[0] in (int, float)]


def make(cls, name, value):
    return cls(**{**COMPANIONS.get((cls.__name__, name), {}), name: value})


def assert_refused(cls, name, value, *fragments):
    with pytest.raises(ParameterError) as info:
        make(cls, name, value)
    message = str(info.value)
    assert info.value.name == name and message.startswith(name + " ") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (message, fragment)
    return message


# ---- defaults and refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_defaults_validate(cls):
    cls()


@pytest.mark.parametrize("cls, name, p", numeric_fields(), ids=lambda x: getattr(x, "__name__", x))
def test_out_of_range_and_non_finite_numbers_are_refused(cls, name, p):
    range_text = p.range_text()
    if p.minimum is not None:
        assert_refused(cls, name, p.minimum - 1, range_text, "got")
        if p.exclusive_minimum:
            assert_refused(cls, name, p.minimum, range_text)
    if p.maximum is not None:
        assert_refused(cls, name, p.maximum + 1, range_text)
        if p.exclusive_maximum:
            assert_refused(cls, name, p.maximum, range_text)
    for bad in (math.nan, math.inf, -math.inf, "3", True, [1.0]):
        assert_refused(cls, name, bad, range_text)


@pytest.mark.parametrize("cls, name, value, fragments", [
    (IdentificationSettings, "method", "ssi-magic", ("one of ssi-cov", "fdd", "'ssi-magic'")),
    (IdentificationSettings, "detrend", "quadratic", ("one of constant, linear",)),
    (PreprocessSettings, "detrend", None, ("must be given", "one of none, constant, linear")),
    (CampaignSettings, "compensation", "magic", ("one of auto, regression, pca, none",)),
    (IdentificationSettings, "uncertainty", "yes", ("true or false",)),
    (IdentificationSettings, "max_order", 40.5, ("whole number", "between 2 and 2000")),
    (IdentificationSettings, "max_order", 10**400, ("between 2 and 2000",)),
    (IdentificationSettings, "channels", ("a", ""), ("list of names",)),
    (IdentificationSettings, "channels", "a,b", ("must be a list",)),
    (PreprocessSettings, "window_s", (0.0, math.nan), ("finite", "at least 0 s")),
    (PreprocessSettings, "window_s", (-1.0, 5.0), ("at least 0 s",)),
    (PreprocessSettings, "window_s", (5.0, 1.0), ("start before an end",)),
    (CampaignSettings, "baseline_until", "2025-12-31", ("date and time",)),
    (CampaignSettings, "baseline_until", datetime(2025, 12, 31).astimezone(), ("without a time zone",)),
    (ProjectMetadata, "author", 42, ("must be text",)),
    (ProjectMetadata, "notes", None, ("must be given",)),
], ids=lambda x: x.__name__ if isinstance(x, type) else None)
def test_wrong_types_and_choices_are_refused(cls, name, value, fragments):
    assert_refused(cls, name, value, *fragments)


@pytest.mark.parametrize("make_bad, name", [
    (lambda: IdentificationSettings(fmin_hz=5.0, fmax_hz=5.0), "fmin_hz"),
    (lambda: PreprocessSettings(highpass_hz=12.0, lowpass_hz=0.5), "highpass_hz"),
    (lambda: CampaignSettings(alarm_k=4, alarm_m=3), "alarm_k"),
    (lambda: CampaignSettings(baseline_count=10, baseline_until=datetime(2025, 1, 1)), "baseline"),
    (lambda: CampaignSettings(identification=IdentificationSettings(method="fdd")), "method"),
])
def test_cross_field_rules_name_the_field(make_bad, name):
    with pytest.raises(ParameterError) as info:
        make_bad()
    assert info.value.name == name and "\n" not in str(info.value)


def test_numbers_are_stored_in_their_declared_type():
    """One document form: an int field holds an int and a float field a float, however they were given."""
    s = IdentificationSettings(max_order=np.int64(40), fmax_hz=12, block_rows=30.0)
    assert type(s.max_order) is int and type(s.fmax_hz) is float and type(s.block_rows) is int
    assert s == IdentificationSettings(max_order=40, fmax_hz=12.0, block_rows=30)
    w = PreprocessSettings(window_s=(0, 10))
    assert w.window_s == (0.0, 10.0) and all(type(v) is float for v in w.window_s)
    assert type(CampaignSettings(alpha=np.float32(0.25)).alpha) is float


# ---- describe --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, name, expected", [
    (IdentificationSettings, "max_order", ("between 2 and 2000", "Default: 80.")),
    (IdentificationSettings, "fmax_hz", ("above 0 Hz", "Default: min(20 Hz, fs / 2.5).")),
    (IdentificationSettings, "method", ("one of ssi-cov", "Default: ssi-cov.")),
    (PreprocessSettings, "highpass_hz", ("above 0 Hz", "Default: off.")),
    (PreprocessSettings, "filter_order", ("between 1 and 12", "Default: 4.")),
    (CampaignSettings, "alpha", ("between 0 and 0.5 (exclusive)", "Default: 0.01.")),
    (CampaignSettings, "baseline_count", ("at least 6", "Default: the first third")),
])
def test_describe_states_range_unit_and_default(cls, name, expected):
    text = describe(cls, name)
    for fragment in expected:
        assert fragment in text, (text, fragment)


@pytest.mark.parametrize("cls, name, p, annotation", declared(), ids=lambda x: getattr(x, "__name__", None))
def test_every_parameter_is_described(cls, name, p, annotation):
    text = describe(cls, name)
    assert text.startswith(p.help) and "\n" not in text
    assert ("Allowed: " + p.range_text()) in text or p.range_text() == "any value"
    assert "Default: ." not in text and "Default: None" not in text
    if p.unit and p.unit != "%" and (p.minimum is not None or p.maximum is not None):
        assert p.unit in text


# ---- command line ----------------------------------------------------------------------------------------------
def parse(cls, argv, **kwargs):
    parser = argparse.ArgumentParser()
    add_arguments(parser, cls, **kwargs)
    return from_arguments(cls, parser.parse_args(argv))


@pytest.mark.parametrize("cls, argv, direct", [
    (IdentificationSettings, [], IdentificationSettings()),
    (IdentificationSettings, ["--method", "fdd", "--fmax", "12", "--fmin", "0.8", "--channels", "a, b,c",
                              "--max-order", "60", "--no-uncertainty", "--resolution", "0.01"],
     IdentificationSettings(method="fdd", fmax_hz=12.0, fmin_hz=0.8, channels=("a", "b", "c"), max_order=60,
                            uncertainty=False, resolution_hz=0.01)),
    (IdentificationSettings, ["--block-rows", "40", "--reference-channels", "a,b", "--detrend", "constant"],
     IdentificationSettings(block_rows=40, reference_channels=("a", "b"), detrend="constant")),
    (PreprocessSettings, ["--highpass-hz", "0.5", "--lowpass-hz", "12", "--decimate", "2", "--window-s", "10,70",
                          "--detrend", "none", "--filter-order", "6"],
     PreprocessSettings(highpass_hz=0.5, lowpass_hz=12.0, decimate=2, window_s=(10.0, 70.0), detrend="none",
                        filter_order=6)),
    (CampaignSettings, ["--alpha", "0.001", "--baseline-until", "2025-12-31", "--alarm-k", "3", "--alarm-m", "5",
                        "--compensation", "pca", "--env-columns", "temperature_c", "--workers", "2"],
     CampaignSettings(alpha=0.001, baseline_until=datetime(2025, 12, 31), alarm_k=3, alarm_m=5,
                      compensation="pca", env_columns=("temperature_c",), workers=2)),
    (CampaignSettings, ["--baseline", "24"],
     CampaignSettings(baseline_count=24)),
    (ProjectMetadata, ["--structure", "Deck", "--author", "A. Engineer"],
     ProjectMetadata(structure="Deck", author="A. Engineer")),
])
def test_command_line_gives_the_same_settings_as_the_constructor(cls, argv, direct):
    from shm_app.persistence import saved_types  # noqa: F401 - registers the settings with the codec
    from shm_app.persistence.codec import documents_equal, to_document

    parsed = parse(cls, argv)
    assert parsed == direct
    assert documents_equal(to_document(parsed), to_document(direct))  # the same saved form, types included


def test_command_line_times_become_naive_utc():
    s = parse(CampaignSettings, ["--baseline-until", "2026-01-01T01:00:00+01:00"])
    assert s.baseline_until == datetime(2026, 1, 1)


def test_command_line_values_are_checked_by_the_class():
    with pytest.raises(ParameterError, match=r"^alpha must be between 0 and 0.5 \(exclusive\); got 0.7$"):
        parse(CampaignSettings, ["--alpha", "0.7"])
    with pytest.raises(SystemExit):  # not a number: argparse's own one-line usage error
        parse(IdentificationSettings, ["--fmax", "twelve"])


def test_command_line_help_shows_range_and_default(capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser, IdentificationSettings)
    parser.print_help()
    out = " ".join(capsys.readouterr().out.split())
    assert "--fmax HZ" in out and "above 0 Hz" in out and "Default: 80." in out


# ---- Hypothesis: the bounds are exactly the declared ones ------------------------------------------------------
def inside(p, kind):
    if kind is int:
        lo = -10**9 if p.minimum is None else math.ceil(p.minimum) + int(p.exclusive_minimum)
        hi = 10**9 if p.maximum is None else math.floor(p.maximum) - int(p.exclusive_maximum)
        return st.integers(lo, hi)
    return st.floats(p.minimum, p.maximum, exclude_min=p.exclusive_minimum and p.minimum is not None,
                     exclude_max=p.exclusive_maximum and p.maximum is not None, allow_nan=False, allow_infinity=False)


def outside(p, kind):
    parts = []
    if p.minimum is not None:
        if kind is int:
            parts.append(st.integers(max_value=math.ceil(p.minimum) - (0 if p.exclusive_minimum else 1)))
        else:
            parts.append(st.floats(max_value=p.minimum, exclude_max=not p.exclusive_minimum, allow_nan=False))
    if p.maximum is not None:
        if kind is int:
            parts.append(st.integers(min_value=math.floor(p.maximum) + (0 if p.exclusive_maximum else 1)))
        else:
            parts.append(st.floats(min_value=p.maximum, exclude_min=not p.exclusive_maximum, allow_nan=False))
    return st.one_of(parts) if parts else st.nothing()


@settings(max_examples=40, deadline=None)
@given(start=st.floats(0, 1e6), length=st.floats(1e-3, 1e6))
def test_any_time_window_from_zero_on_is_accepted(start, length):
    assert PreprocessSettings(window_s=(start, start + length)).window_s == (start, start + length)


@pytest.mark.parametrize("cls, name, p", numeric_fields(), ids=lambda x: getattr(x, "__name__", x))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_values_inside_the_bounds_are_accepted_and_outside_refused(cls, name, p, data):
    kind = kind_of(dict((f.name, a) for f, _, a in parameters_of(cls))[name])[0]
    value = data.draw(inside(p, kind))
    assert getattr(make(cls, name, value), name) == value
    if p.minimum is not None or p.maximum is not None:
        assert_refused(cls, name, data.draw(outside(p, kind)), p.range_text())
