"""Write a simulated campaign to disk: one CSV recording per record of a :class:`dsp.simulate_campaign.FrequencyCampaign`
(the bridge deck of :func:`dsp.simulate.bridge_deck_model` with that record's true frequencies) and an hourly
environment log. Used by the end-to-end tests and the campaign benchmark.
"""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import numpy as np

from dsp.simulate import bridge_deck_model, simulate_ambient
from dsp.simulate_campaign import FrequencyCampaign

CAMPAIGN_START = datetime(2026, 1, 1)


def record_start(campaign: FrequencyCampaign, k: int, start: datetime = CAMPAIGN_START) -> datetime:
    return start + timedelta(hours=float(campaign.hours[k]))


def write_recording(path: Path, frequencies_hz, *, fs_hz: float, duration_s: float, start: datetime,
                    noise_ratio: float = 0.1, seed: Optional[int] = None, compress: bool = False) -> Path:
    """One simulated deck recording as CSV: ``# fs``/``# start`` metadata, header ``A01L_z [m/s^2],…``."""
    base, sensors = bridge_deck_model()
    sim = simulate_ambient(base.with_frequencies(np.asarray(frequencies_hz, dtype=float)), fs_hz, duration_s,
                           noise_ratio=noise_ratio, seed=seed)
    header = f"# fs = {fs_hz:g}\n# start = {start.isoformat()}\n" + ",".join(f"{n} [m/s^2]" for n, _, _ in sensors)
    path = Path(path)
    if compress:
        with gzip.open(path, "wt", compresslevel=1) as fh:
            np.savetxt(fh, sim.acceleration, fmt="%.5g", delimiter=",", header=header, comments="")
    else:
        np.savetxt(path, sim.acceleration, fmt="%.5g", delimiter=",", header=header, comments="")
    return path


def write_environment(path: Path, campaign: FrequencyCampaign, *, start: datetime = CAMPAIGN_START) -> Path:
    """An environment log at every record start (``timestamp,temperature_c``) with the campaign's temperatures."""
    lines = ["timestamp,temperature_c"] + [f"{record_start(campaign, k, start).isoformat()},{t:.3f}"
                                           for k, t in enumerate(campaign.temperature_c)]
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


def write_campaign(folder: Path, campaign: FrequencyCampaign, *, fs_hz: float = 40.0, duration_s: float = 600.0,
                   start: datetime = CAMPAIGN_START, noise_ratio: float = 0.1, seed: int = 0,
                   compress: bool = False) -> list[Path]:
    """Write every record as ``FOLDER/recordings/deck_YYYY-mm-ddTHH-MM-SS.csv`` and the log as
    ``FOLDER/environment.csv`` (the layout of the bundled sample); returns the recordings' paths."""
    folder = Path(folder)
    (folder / "recordings").mkdir(parents=True, exist_ok=True)
    paths = []
    suffix = ".csv.gz" if compress else ".csv"
    for k in range(campaign.hours.size):
        t = record_start(campaign, k, start)
        paths.append(write_recording(folder / "recordings" / f"deck_{t:%Y-%m-%dT%H-%M-%S}{suffix}", campaign.true_frequencies_hz[k],
                                     fs_hz=fs_hz, duration_s=duration_s, start=t, noise_ratio=noise_ratio,
                                     seed=seed + k, compress=compress))
    write_environment(folder / "environment.csv", campaign, start=start)
    return paths


__all__ = ["write_campaign", "write_recording", "write_environment", "record_start"]
