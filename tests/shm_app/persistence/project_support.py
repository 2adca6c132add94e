"""Real results and a full project state for the persistence tests (built once per test session)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from dsp.simulate import bridge_deck_model, simulate_ambient
from shm_app.campaign import CampaignSettings, analyse_table
from shm_app.identification import IdentificationSettings, identify
from shm_app.io.environment import read_environment, read_frequency_table
from shm_app.io.geometry import SensorGeometry
from shm_app.preprocessing import PreprocessSettings
from shm_app.recording import Channel, Recording
from shm_app.sample import MONITORING_BASELINE_UNTIL
from shm_app.session.state import (CampaignState, Geometry, ProjectMetadata, ProjectState, RecordingEntry,
                                   reference)

REPO = Path(__file__).resolve().parents[3]
MONITORING = REPO / "resources" / "sample" / "monitoring"
SELECTED = ("A01L_z", "A01R_z", "A02L_z", "A02R_z", "A03L_z", "A03R_z")  # a channel selection: A04 left out


@lru_cache(maxsize=None)
def deck_recording() -> Recording:
    """5 min of a simulated 8-channel deck at 40 Hz (modes 2.20, 3.45, 8.10, 10.6 Hz)."""
    model, sensors = bridge_deck_model()
    r = simulate_ambient(model, 40.0, 300.0, noise_ratio=0.1, seed=3)
    return Recording(r.acceleration, 40.0, tuple(Channel(s[0]) for s in sensors), source="deck.csv",
                     start=datetime(2026, 3, 1, 12))


@lru_cache(maxsize=None)
def ssi_result():
    """SSI-COV with uncertainty (0.4 s: f min 2 Hz keeps the block rows small)."""
    return identify(deck_recording(), IdentificationSettings(fmin_hz=2.0, fmax_hz=12.0, max_order=30))


def fdd_settings() -> IdentificationSettings:
    return IdentificationSettings(method="fdd", fmax_hz=12.0, channels=SELECTED)


@lru_cache(maxsize=None)
def fdd_result():
    return identify(deck_recording().select(list(SELECTED)), fdd_settings())


@lru_cache(maxsize=None)
def sample_campaign():
    """The sample monitoring campaign (resources/sample/monitoring), α = 0.001, baseline to 2025-12-31."""
    table = read_frequency_table(MONITORING / "frequencies.csv")
    env = read_environment(MONITORING / "environment.csv")
    starts = [t.astype(datetime) for t in table.times]
    settings = CampaignSettings(alpha=0.001, baseline_until=MONITORING_BASELINE_UNTIL)
    return analyse_table(starts, table.values, table.names, settings, env,
                         source=str(MONITORING / "frequencies.csv"))


def write_deck_csv(folder: Path) -> Path:
    """The deck recording as a small CSV file the project refers to (its size and hash are stored)."""
    rec = deck_recording()
    path = folder / "deck.csv"
    header = "time_s," + ",".join(rec.channel_names)
    rows = np.column_stack([rec.time_s()[:400], rec.data[:400]])
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt="%.6g")
    return path


def full_state(folder: Path, *, with_result: bool = True) -> ProjectState:
    """Every part of a project: metadata, one recording with non-default preprocessing (0.5–12 Hz band), a channel
    selection, FDD with f max 12 Hz and its result (one mode marked manual), geometry and a campaign."""
    model, sensors = bridge_deck_model()
    entry = RecordingEntry(ref=reference(write_deck_csv(folder), channels=deck_recording().channel_names,
                                         start=datetime(2026, 3, 1, 12), read_options=(("fs", 40.0),)),
                           preprocessing=PreprocessSettings(highpass_hz=0.5, lowpass_hz=12.0),
                           identification=fdd_settings(),
                           result=fdd_result() if with_result else None, manual=(1,) if with_result else ())
    geometry = Geometry(sensors=tuple(SensorGeometry(name, (float(x), float(y), 0.0), "+z") for name, x, y in sensors),
                        lines=(("A01L_z", "A02L_z"), ("A02L_z", "A03L_z"), ("A01R_z", "A02R_z"), ("A01L_z", "A01R_z")), source="deck.geometry.csv")
    result = sample_campaign()
    campaign = CampaignState(kind="table", inputs=(str(MONITORING / "frequencies.csv"),),
                             environment=str(MONITORING / "environment.csv"), settings=result.settings,
                             result=result)
    metadata = ProjectMetadata(structure="Test deck", structure_id="BR-0042", owner="Road authority",
                               author="A. Engineer", checker="B. Checker", report_number="R-7", revision="B",
                               notes="Ambient test.\nSecond line, ünïcode, \"quotes\".")
    return ProjectState(metadata=metadata, recordings=(entry,), current=0, geometry=geometry, campaign=campaign)
