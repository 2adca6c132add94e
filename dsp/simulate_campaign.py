"""Simulated monitoring campaigns with known environmental effects and known damage: ground truth for the
tracking, compensation and novelty tests and the campaign benchmark.

Deck temperature has a seasonal and a daily cycle plus weather (a slow random walk) and optional cold spells.
Every mode's natural frequency follows it with its own linear sensitivity and, below ``frost_threshold_c``, with a
much steeper, mode-specific stiffening (a frozen deck), so a straight-line temperature model is not enough.
Damage is a known fractional drop of chosen modes from a given record on. Identified frequencies add a Gaussian
identification scatter and, optionally, randomly missing modes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

#: the project's bridge deck (dsp.simulate.bridge_deck_model): 2.20, 3.45, 8.10, 10.6 Hz
DECK_FREQUENCIES_HZ = np.array([2.20, 3.45, 8.10, 10.6])
#: relative change per °C (a concrete deck softens when warm), per mode
DECK_SENSITIVITY_PER_C = np.array([-0.0025, -0.0015, -0.0020, -0.0012])
#: extra relative stiffening per °C below the frost threshold, per mode (different for each mode)
DECK_FROST_PER_C = np.array([0.012, 0.006, 0.016, 0.004])


@dataclass(frozen=True)
class FrequencyCampaign:
    """A simulated campaign.

    hours : (n,) record start, hours from the campaign start
    temperature_c : (n,) deck temperature at each record, °C
    true_frequencies_hz : (n, n_modes) Hz, including temperature, frost and damage
    frequencies_hz : (n, n_modes) identified frequencies: true plus scatter, NaN where missing
    damage_start : index of the first damaged record, or None
    damage : (n_modes,) fractional frequency drop from ``damage_start`` on (0.01 = 1 %)
    """

    hours: np.ndarray
    temperature_c: np.ndarray
    true_frequencies_hz: np.ndarray
    frequencies_hz: np.ndarray
    damage_start: Optional[int]
    damage: np.ndarray

    @property
    def damaged(self) -> np.ndarray:
        """(n,) True for records after the damage."""
        d = np.zeros(self.hours.size, dtype=bool)
        if self.damage_start is not None:
            d[self.damage_start:] = True
        return d


def deck_temperature(hours, *, mean_c: float = 8.0, seasonal_amplitude_c: float = 11.0,
                     daily_amplitude_c: float = 4.0, weather_std_c: float = 2.5, coldest_day: float = 15.0,
                     cold_spells: Sequence[tuple[float, float, float]] = (), seed: Optional[int] = None) -> np.ndarray:
    """Deck temperature, °C, at ``hours`` from 1 January 00:00.

    A seasonal cosine (coldest on ``coldest_day``), a daily sine peaking mid-afternoon, weather as a random walk
    pulled back to zero (an AR(1) per hour with a 3-day memory), and ``cold_spells`` as ``(start_day, length_days,
    depth_c)`` — smooth extra cooling of ``depth_c`` °C.
    """
    h = np.asarray(hours, dtype=float)
    days = h / 24.0
    t = mean_c - seasonal_amplitude_c * np.cos(2 * np.pi * (days - coldest_day) / 365.25)
    t += daily_amplitude_c * np.sin(2 * np.pi * (h % 24 - 9.0) / 24.0)
    if weather_std_c > 0:
        rng = np.random.default_rng(seed)
        grid = np.arange(np.floor(h.min()) - 1, np.ceil(h.max()) + 2)
        phi = np.exp(-1.0 / 72.0)
        shocks = rng.standard_normal(grid.size) * weather_std_c * np.sqrt(1 - phi ** 2)
        walk = np.empty(grid.size)
        walk[0] = rng.standard_normal() * weather_std_c
        for i in range(1, grid.size):  # an hourly recursion over the campaign; cheap
            walk[i] = phi * walk[i - 1] + shocks[i]
        t += np.interp(h, grid, walk)
    for start, length, depth in cold_spells:
        x = (days - start) / length
        t -= depth * np.where((x > 0) & (x < 1), np.sin(np.pi * np.clip(x, 0, 1)) ** 2, 0.0)
    return t


def frequencies_from_temperature(temperature_c, base_frequencies_hz=DECK_FREQUENCIES_HZ, *,
                                 sensitivity_per_c=DECK_SENSITIVITY_PER_C, frost_per_c=DECK_FROST_PER_C,
                                 reference_c: float = 10.0, frost_threshold_c: float = 0.0) -> np.ndarray:
    """True natural frequencies, Hz, ``(n, n_modes)``:
    ``f0 · (1 + s·(T − T_ref) + h·max(0, T_frost − T))``."""
    t = np.asarray(temperature_c, dtype=float)[:, None]
    f0 = np.asarray(base_frequencies_hz, dtype=float)
    return f0 * (1 + np.asarray(sensitivity_per_c) * (t - reference_c)
                 + np.asarray(frost_per_c) * np.maximum(0.0, frost_threshold_c - t))


def simulate_frequency_campaign(n_records: int, *, step_hours: float = 12.0, start_hour: float = 0.0,
                                damage_start: Optional[int] = None, damage=(0.0, 0.0, 0.0, 0.0),
                                scatter=0.002, missing_probability: float = 0.0,
                                base_frequencies_hz=DECK_FREQUENCIES_HZ, sensitivity_per_c=DECK_SENSITIVITY_PER_C,
                                frost_per_c=DECK_FROST_PER_C, temperature_options: Optional[dict] = None,
                                seed: Optional[int] = None) -> FrequencyCampaign:
    """A campaign of ``n_records`` records every ``step_hours``, with its identified frequencies.

    ``damage`` is the fractional drop of each mode from record ``damage_start`` on; ``scatter`` the relative
    standard deviation of identification (scalar or per mode); ``missing_probability`` the chance that a mode is not
    identified in a record. ``temperature_options`` go to :func:`deck_temperature`.
    """
    if n_records < 1:
        raise ValueError(f"n_records must be at least 1; got {n_records}")
    if damage_start is not None and not 0 <= damage_start < n_records:
        raise ValueError(f"damage_start must be None or between 0 and {n_records - 1}; got {damage_start}")
    rng = np.random.default_rng(seed)
    hours = start_hour + step_hours * np.arange(n_records)
    opts = dict(temperature_options or {})
    opts.setdefault("seed", None if seed is None else seed + 1)
    temp = deck_temperature(hours, **opts)
    f0 = np.asarray(base_frequencies_hz, dtype=float)
    dmg = np.broadcast_to(np.asarray(damage, dtype=float), f0.shape).copy()
    true = frequencies_from_temperature(temp, f0, sensitivity_per_c=sensitivity_per_c, frost_per_c=frost_per_c)
    if damage_start is not None:
        true[damage_start:] *= 1.0 - dmg
    ident = true * (1.0 + rng.standard_normal(true.shape) * np.asarray(scatter, dtype=float))
    if missing_probability > 0:
        ident[rng.random(true.shape) < missing_probability] = np.nan
    return FrequencyCampaign(hours=hours, temperature_c=temp, true_frequencies_hz=true, frequencies_hz=ident,
                             damage_start=damage_start, damage=dmg)
