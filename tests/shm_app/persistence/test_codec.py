"""The document form of every saved type: ``from_document(to_document(x))`` is ``x`` exactly (same document, same
float bits, array dtype/shape/bytes, tuples as tuples), for generated instances of every registered type and for
real results (an SSI-COV identification, the sample monitoring campaign); anything else is refused clearly."""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp.simulate import bridge_deck_model, simulate_ambient
from shm_app.campaign import CampaignSettings, analyse_table
from shm_app.identification import IdentificationSettings, identify
from shm_app.io.environment import read_environment, read_frequency_table
from shm_app.persistence import saved_types  # noqa: F401 - registers every saved type
from shm_app.persistence.codec import SAVED_TYPES, DocumentError, documents_equal, from_document, to_document
from shm_app.recording import Channel, Recording
from shm_app.sample import MONITORING_BASELINE_UNTIL

from saved_strategies import any_array, assert_identical, strategy_for

REPO = Path(__file__).resolve().parents[3]
MONITORING = REPO / "resources" / "sample" / "monitoring"


def round_trip(obj):
    doc = to_document(obj)
    json.dumps(doc, default=lambda a: "array" if isinstance(a, np.ndarray) else None, allow_nan=False)
    back = from_document(doc)
    assert documents_equal(to_document(back), doc)
    assert_identical(obj, back, type(obj).__name__)
    return back


# ---- every registered type, generated ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SAVED_TYPES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_every_saved_type_round_trips_exactly(name, data):
    obj = data.draw(strategy_for(SAVED_TYPES[name]))
    round_trip(obj)


@settings(max_examples=100, deadline=None)
@given(a=any_array())
def test_arrays_keep_dtype_shape_and_bits(a):
    back = from_document(to_document(a))
    assert_identical(a, back)


@settings(max_examples=100, deadline=None)
@given(x=st.floats(allow_nan=True, allow_infinity=True) | st.datetimes() | st.none() | st.booleans()
       | st.integers(-2**70, 2**70) | st.text())
def test_scalars_keep_type_and_bits_through_json(x):
    doc = json.loads(json.dumps(to_document(x), allow_nan=False))  # the project stores the document as JSON
    assert_identical(x, from_document(doc))


def test_tuples_stay_tuples_and_none_stays_none():
    s = IdentificationSettings(channels=("a", "b"), reference_channels=None, fmax_hz=12.0)
    back = round_trip(s)
    assert back.channels == ("a", "b") and isinstance(back.channels, tuple) and back.reference_channels is None


# ---- real results ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def deck_result():
    """SSI-COV on 5 min of a simulated deck at 40 Hz: 0.4 s; f min 2 Hz keeps the block rows small."""
    model, sensors = bridge_deck_model()
    r = simulate_ambient(model, 40.0, 300.0, noise_ratio=0.1, seed=3)
    rec = Recording(r.acceleration, 40.0, tuple(Channel(s[0]) for s in sensors), source="deck.csv",
                    start=datetime(2026, 3, 1, 12))
    return identify(rec, IdentificationSettings(fmin_hz=2.0, fmax_hz=12.0, max_order=30))


@lru_cache(maxsize=None)
def sample_campaign():
    table = read_frequency_table(MONITORING / "frequencies.csv")
    env = read_environment(MONITORING / "environment.csv")
    starts = [t.astype(datetime) for t in table.times]
    settings_ = CampaignSettings(alpha=0.001, baseline_until=MONITORING_BASELINE_UNTIL)
    return analyse_table(starts, table.values, table.names, settings_, env, source="frequencies.csv")


def test_identification_result_round_trips_exactly():
    result = deck_result()
    assert len(result.modes) == 4 and result.diagram is not None and result.spectrum is not None
    assert result.modes[0].frequency_sigma_hz is not None  # the uncertainty fields are saved too
    back = round_trip(result)
    assert back.diagram.shapes.dtype == np.complex128 and back.diagram.stable_frequency.dtype == np.bool_
    assert back.settings == result.settings


def test_campaign_result_round_trips_exactly():
    result = sample_campaign()
    assert np.isnan(result.frequencies_hz).any()  # blanks in the table: NaN must survive
    assert result.first_alarm is not None
    back = round_trip(result)
    assert back.settings.alpha == 0.001 and back.settings.baseline_until == MONITORING_BASELINE_UNTIL
    assert back.first_alarm == result.first_alarm and back.threshold == result.threshold


# ---- refusals ---------------------------------------------------------------------------------------------------
def test_unknown_type_is_refused():
    with pytest.raises(DocumentError, match="unknown saved type 'Exploit'"):
        from_document({"$type": "Exploit", "command": "rm -rf /"})


def test_a_registered_type_with_bad_values_is_a_document_error():
    doc = to_document(IdentificationSettings())
    with pytest.raises(DocumentError, match="IdentificationSettings.*max_order"):
        from_document({**doc, "max_order": -5})
    with pytest.raises(DocumentError, match="IdentificationSettings"):
        from_document({"$type": "IdentificationSettings", "no_such_field": 1, "method": 3})


def test_a_non_registered_dataclass_is_refused():
    @dataclass(frozen=True)
    class Stranger:
        x: float = 1.0

    with pytest.raises(TypeError, match="Stranger is not a registered saved type"):
        to_document(Stranger())

    @dataclass(frozen=True)
    class Mode:  # same name as a registered type, another class
        frequency_hz: float = 1.0

    with pytest.raises(TypeError, match="Mode is not a registered saved type"):
        to_document(Mode())


@pytest.mark.parametrize("array", [np.array([object(), 1], dtype=object), np.array(["a", "b"]),
                                   np.array(["2026-01-01"], dtype="datetime64[s]"), np.zeros(2, dtype="V8")])
def test_arrays_of_objects_text_or_times_are_refused(array):
    with pytest.raises(TypeError, match=re.escape(f"arrays of dtype {array.dtype} cannot be saved")):
        to_document(array)


def test_time_zone_aware_datetimes_are_refused_both_ways():
    aware = datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(ValueError, match="naive UTC"):
        to_document(aware)
    with pytest.raises(DocumentError, match="naive UTC"):
        from_document({"$datetime": "2026-03-01T12:00:00+01:00"})
    with pytest.raises(DocumentError, match="bad date-time"):
        from_document({"$datetime": "yesterday"})


@pytest.mark.parametrize("doc", [{"$float": "1e999x"}, {"$float": 3}, {"$map": [1, 2]}, {"$type": ["Mode"]},
                                 {"surprise": 1}, {"$datetime": 5}, b"bytes", {1, 2}])
def test_malformed_documents_are_document_errors(doc):
    with pytest.raises(DocumentError):
        from_document(doc)


@pytest.mark.parametrize("value", [b"bytes", {1: "a"}, object(), np.datetime64("2026-01-01"), 1j])
def test_values_without_a_document_form_are_refused(value):
    with pytest.raises(TypeError):
        to_document(value)


def test_documents_equal_compares_dtype_shape_and_nan():
    a = np.array([1.0, np.nan])
    assert documents_equal({"x": [a]}, {"x": [a.copy()]})
    assert not documents_equal(a, a.astype(np.float32))
    assert not documents_equal(a, a.reshape(2, 1))
    assert not documents_equal(1, 1.0) and not documents_equal(True, 1)
    assert not documents_equal({"a": 1}, {"a": 1, "b": 2})


def test_every_field_of_every_saved_type_is_saved():
    """A field left out of the document would silently come back as its default."""
    for name, cls in SAVED_TYPES.items():
        skipped = [f.name for f in dataclasses.fields(cls) if not f.metadata.get("saved", True)]
        assert not skipped, (name, skipped)
