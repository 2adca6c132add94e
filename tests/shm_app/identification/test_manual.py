"""A person's edits of the identified modes: added from poles or a picked peak, removed, marked in the JSON and kept
by the project."""
from functools import lru_cache

import numpy as np
import pytest

from dsp.simulate import bridge_deck_model, simulate_ambient
from shm_app.errors import SettingsError
from shm_app.identification import IdentificationSettings, identify, result_to_json
from shm_app.identification.manual import (add_mode_at_frequency, add_mode_at_pole, remove_mode,
                                           unselected_columns)
from shm_app.recording import Channel, Recording


@lru_cache(maxsize=None)
def _deck(method: str):
    model, sensors = bridge_deck_model()
    y = simulate_ambient(model, 40.0, 600.0, noise_ratio=0.05, seed=2).acceleration
    rec = Recording(y, 40.0, tuple(Channel(s[0]) for s in sensors), source="deck.csv")
    return model, identify(rec, IdentificationSettings(method=method, fmax_hz=12.0, uncertainty=False))


def test_remove_a_mode_then_add_it_back_from_its_column():
    model, result = _deck("ssi-cov")
    spurious = result.modes[1]
    edited, manual = remove_mode(result, 1)
    assert len(edited.modes) == len(result.modes) - 1 and manual == ()
    again, manual = add_mode_at_pole(edited, int(spurious.poles[len(spurious.poles) // 2]), manual)
    assert len(again.modes) == len(result.modes) and manual == (1,)
    assert again.modes[1].frequency_hz == pytest.approx(spurious.frequency_hz, rel=2e-3)
    doc = result_to_json(again, manual=frozenset(manual))
    assert [m["manual"] for m in doc["modes"]] == [k == 1 for k in range(len(doc["modes"]))]
    with pytest.raises(SettingsError, match="mode must be between 1 and"):
        remove_mode(again, 99, manual)


def test_manual_indices_follow_the_frequency_order():
    _, result = _deck("ssi-cov")
    edited, manual = remove_mode(result, 0)
    edited, manual = add_mode_at_pole(edited, int(result.modes[0].poles[0]), manual)  # back at index 0
    assert manual == (0,)
    edited, manual = remove_mode(edited, 2, manual)  # another mode goes: the manual one keeps its index
    assert manual == (0,)


def test_pick_a_peak_for_a_frequency_domain_result():
    model, result = _deck("fdd")
    f = model.natural_frequencies_hz[0]
    k = int(np.argmin([abs(m.frequency_hz - f) for m in result.modes]))
    edited, manual = remove_mode(result, k)
    again, manual = add_mode_at_frequency(edited, f * 1.003, manual)
    assert again.modes[manual[0]].frequency_hz == pytest.approx(f, rel=0.005)
    with pytest.raises(SettingsError, match="stabilization diagram"):
        add_mode_at_pole(result, 0)
    assert unselected_columns(result) == ()


def test_a_manual_edit_survives_the_project(tmp_path):
    from shm_app.session import Session

    _, result = _deck("ssi-cov")
    edited, manual = remove_mode(result, 2)
    edited, manual = add_mode_at_pole(edited, int(result.modes[2].poles[0]), manual)
    src = tmp_path / "deck.csv"
    src.write_text("x\n")
    session = Session()
    session.add_recording(src)
    session.set_identification_result(edited, manual=manual)
    session.save(tmp_path / "p.shmproj")
    other = Session()
    other.open(tmp_path / "p.shmproj")
    assert other.current.manual == manual
    assert result_to_json(other.current.result, manual=frozenset(other.current.manual)) == \
        result_to_json(edited, manual=frozenset(manual))
