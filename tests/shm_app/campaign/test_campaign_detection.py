"""Detection statistics of the campaign analysis on simulated frequency tables (fast; the numerics of the real
pipeline: ``shm_app.campaign.analyse_table`` → compensation → Hotelling T² → 2-of-3 alarm rule).

Scenario: a year of records every 11 h (760 records, ~348 days) is the baseline; temperature has seasonal and daily
cycles, weather and cold spells, and moves the four deck modes by several per cent, differently per mode, with a
sharp mode-specific frost stiffening below 0 °C; then 30 undamaged records (a cold spell among them) and 40
damaged records. Identification scatter 0.15 % per mode. Requirements (issue): at most 1 false alarm in the 30
undamaged records after the baseline, at least 80 % of the damaged records flagged, first alarm within 3 records.
"""
from datetime import datetime, timedelta

import numpy as np
import pytest

from dsp.simulate_campaign import simulate_frequency_campaign
from shm_app.campaign import CampaignSettings, analyse_table
from shm_app.io.environment import EnvironmentLog

N_BASELINE, N_UNDAMAGED, N_DAMAGED = 760, 30, 40
DAMAGE_START = N_BASELINE + N_UNDAMAGED
START = datetime(2026, 1, 1)
LOCAL_DAMAGE = (0.010, 0.0, 0.005, 0.0)     # 1 % in mode 1, 0.5 % in mode 3
UNIFORM_DAMAGE = (0.01, 0.01, 0.01, 0.01)   # every frequency drops together


def scenario(seed: int, damage=LOCAL_DAMAGE, scatter=0.0015):
    sim = simulate_frequency_campaign(
        N_BASELINE + N_UNDAMAGED + N_DAMAGED, step_hours=11.0, damage_start=DAMAGE_START, damage=damage,
        scatter=scatter, seed=seed,
        temperature_options=dict(cold_spells=[(20, 10, 8), (45, 7, 6), (352, 8, 7)]))
    starts = [START + timedelta(hours=float(h)) for h in sim.hours]
    env = EnvironmentLog(times=np.array(starts, dtype="datetime64[s]"), values=sim.temperature_c[:, None],
                         names=("temperature_c",), source="simulated")
    return sim, starts, env


def detection(seed: int, compensation: str, damage=LOCAL_DAMAGE, scatter=0.0015):
    """(false alarms in the 30 undamaged records, share of damaged records flagged, first-alarm delay in records)."""
    sim, starts, env = scenario(seed, damage, scatter)
    result = analyse_table(starts, sim.frequencies_hz, ("M1", "M2", "M3", "M4"),
                           CampaignSettings(baseline_count=N_BASELINE, compensation=compensation),
                           env=env if compensation != "pca" else None)
    alarm = result.alarm
    false_alarms = int(alarm[N_BASELINE:DAMAGE_START].sum())
    rate = float(alarm[DAMAGE_START:].mean())
    after = np.flatnonzero(alarm[DAMAGE_START:])
    delay = int(after[0]) if after.size else None
    return false_alarms, rate, delay, result


SEEDS = (0, 1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_compensated_campaign_meets_the_detection_requirements(seed):
    false_alarms, rate, delay, result = detection(seed, "auto")
    assert result.compensation.kind == "regression" and result.compensation.hinge_column == 0
    assert -3 < result.compensation.hinge_threshold < 3      # the frost knee (true: 0 °C)
    assert false_alarms <= 1
    assert rate >= 0.8
    assert delay is not None and delay <= 3
    first = result.first_alarm_index
    assert first is not None and DAMAGE_START - 1 <= first <= DAMAGE_START + 3  # no alarm long before the damage
    moved = {t.id for t in result.moved_tracks}
    assert moved == {"M1", "M3"}
    shift = {t.id: t.shift for t in result.tracks}
    assert shift["M1"].shift_percent == pytest.approx(-1.0, abs=0.25)
    assert shift["M3"].shift_percent == pytest.approx(-0.5, abs=0.2)
    assert shift["M1"].shift_sigma < -3


def test_without_compensation_temperature_raises_false_alarms_and_hides_a_uniform_drop():
    """Same campaigns, raw frequencies against the baseline mean and covariance (Hotelling T² still whitens the
    correlated temperature effect): the frozen deck after the baseline drives records beyond the baseline cloud
    (false alarms), and a uniform drop looks like a warm day (mostly missed)."""
    comp = [detection(s, "auto") for s in SEEDS]
    raw = [detection(s, "none") for s in SEEDS]
    assert max(r[0] for r in raw) > 1 and sum(r[0] for r in raw) > sum(c[0] for c in comp)
    comp_uniform = [detection(s, "auto", UNIFORM_DAMAGE)[1] for s in SEEDS]
    raw_uniform = [detection(s, "none", UNIFORM_DAMAGE)[1] for s in SEEDS]
    assert np.mean(raw_uniform) < np.mean(comp_uniform) - 0.2
    # the straight-line model without the frost hinge misfits the frozen deck
    sim, starts, env = scenario(0)
    line = analyse_table(starts, sim.frequencies_hz, ("M1", "M2", "M3", "M4"),
                         CampaignSettings(baseline_count=N_BASELINE, frost_hinge=False), env=env)
    hinge = detection(0, "auto")[3]
    assert np.all(line.residual_std > 1.5 * hinge.residual_std)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_uniform_drop_of_all_frequencies_is_detected_with_covariates(seed):
    """All frequencies drop 1 % together — what a temperature rise also does. The covariate regression does not
    remove that direction, so it is detected; PCA without covariates largely removes it (documented hazard)."""
    false_alarms, rate, delay, result = detection(seed, "auto", UNIFORM_DAMAGE)
    assert false_alarms <= 1 and rate >= 0.8 and delay <= 3
    assert {t.id for t in result.moved_tracks} == {"M1", "M2", "M3", "M4"}
    for t in result.tracks:
        assert t.shift.shift_percent == pytest.approx(-1.0, abs=0.25)
    # Without covariates a 1 % drop is at the edge of what the baseline's own scatter hides (~1.2–1.4 % here):
    # the default envelope detector (a Gaussian mixture of the baseline) flags more of it than the former PCA
    # index, less than the regression, and its warning says how large a drop must be (issue 13)
    sim, starts, _ = scenario(seed, UNIFORM_DAMAGE)
    raw, former = (analyse_table(starts, sim.frequencies_hz, ("M1", "M2", "M3", "M4"),
                                 CampaignSettings(baseline_count=N_BASELINE, detector=d)) for d in ("gmm", "pca"))
    assert raw.novelty_model.method == "gmm" and raw.index_unit == "ratio" and raw.threshold == 1.0
    assert former.alarm[DAMAGE_START:].mean() < raw.alarm[DAMAGE_START:].mean() <= rate
    assert 0.005 < raw.novelty_model.detectable_uniform_drop < 0.02
    assert any("drop of all frequencies together smaller than about" in w for w in raw.warnings)


def test_missing_modes_do_not_break_the_index():
    sim, starts, env = scenario(5)
    f = sim.frequencies_hz.copy()
    rng = np.random.default_rng(9)
    f[rng.random(f.shape) < 0.05] = np.nan
    result = analyse_table(starts, f, ("M1", "M2", "M3", "M4"), CampaignSettings(baseline_count=N_BASELINE), env=env)
    partial = np.flatnonzero(np.any(np.isnan(f), axis=1) & np.any(np.isfinite(f), axis=1))
    assert np.all(np.isfinite(result.novelty[partial]))
    assert np.all(result.limit[partial] < result.threshold)  # fewer features, smaller limit
    assert result.alarm[DAMAGE_START:].mean() >= 0.8
    assert result.alarm[N_BASELINE:DAMAGE_START].sum() <= 1


def test_a_track_rarely_found_in_the_baseline_is_reported_but_left_out_of_the_index():
    sim, starts, env = scenario(6)
    f = sim.frequencies_hz.copy()
    f[: N_BASELINE - 3, 3] = np.nan        # mode 4 identified in only 3 baseline records
    result = analyse_table(starts, f, ("M1", "M2", "M3", "M4"), CampaignSettings(baseline_count=N_BASELINE), env=env)
    assert [t.watched for t in result.tracks] == [True, True, True, False]
    assert any(w.startswith("M4: found in 3 baseline recordings") for w in result.warnings)
    assert np.all(np.isnan(result.predict(np.array([[0.0], [10.0]]))[:, 3]))
    assert np.all(np.isfinite(result.predict(np.array([[0.0], [10.0]]))[:, :3]))
    assert result.alarm[DAMAGE_START:].mean() >= 0.8 and result.alarm[N_BASELINE:DAMAGE_START].sum() <= 1


def cable_stayed_table(seed: int):
    """Shaped like a cable-stayed bridge's hourly table (issue 13): 4 modes at 0.4–1.1 Hz, 120 days around
    midsummer, no covariates, nearly equal temperature sensitivities (a uniform drop lies almost along the
    environmental direction), 0.4 % scatter, 5 % of modes missing; the last 24 hours drop by 13–16 %."""
    n = 120 * 24
    sim = simulate_frequency_campaign(
        n, step_hours=1.0, start_hour=24 * 137.6, damage_start=n - 24, damage=(0.13, 0.14, 0.15, 0.16),
        scatter=0.004, missing_probability=0.05, base_frequencies_hz=np.array([0.39, 0.58, 0.83, 1.06]),
        sensitivity_per_c=np.array([-0.0008, -0.0007, -0.0008, -0.0006]), frost_per_c=np.zeros(4), seed=seed,
        temperature_options=dict(daily_amplitude_c=5.0))
    return sim, [START + timedelta(hours=float(h)) for h in sim.hours], 60 * 24


@pytest.mark.parametrize("seed", (1, 2))
def test_a_drop_of_all_frequencies_outside_the_baseline_range_is_flagged_without_covariates(seed):
    sim, starts, n_base = cable_stayed_table(seed)
    f = sim.frequencies_hz.copy()
    f[n_base + 100, 2] = np.nan                        # an undamaged record with one mode missing
    f[-5, 1] = np.nan                                  # a damaged one
    result = analyse_table(starts, f, ("M1", "M2", "M3", "M4"), CampaignSettings(baseline_count=n_base))
    assert result.novelty_model.method == "gmm"
    damaged = np.arange(f.shape[0]) >= sim.damage_start
    undamaged = ~damaged & ~result.baseline
    assert result.alarm[damaged].mean() >= 0.9
    assert result.alarm[undamaged].mean() <= 0.01
    for k in (n_base + 100, f.shape[0] - 5):           # a verdict from the three modes it has
        assert np.isfinite(result.novelty[k]) and result.limit[k] == 1.0
    assert result.exceed[-5] and not result.exceed[n_base + 100]
    partial = np.any(np.isnan(f), axis=1) & np.any(np.isfinite(f), axis=1) & ~result.baseline
    assert np.all(np.isfinite(result.novelty[partial]))
    assert any("the baseline spans 60 days" in w for w in result.warnings)


def test_a_campaign_judged_by_the_detector_round_trips_through_the_project_document():
    import shm_app.persistence.saved_types  # noqa: F401 - registers the saved types
    from shm_app.campaign import campaign_to_json
    from shm_app.persistence.codec import documents_equal, from_document, to_document

    sim, starts, n_base = cable_stayed_table(3)
    result = analyse_table(starts[:n_base + 200], sim.frequencies_hz[:n_base + 200], ("M1", "M2", "M3", "M4"),
                           CampaignSettings(baseline_count=n_base))
    doc = to_document(result)
    back = from_document(doc)
    assert documents_equal(to_document(back), doc)
    assert back.novelty_model.method == "gmm" and back.threshold == 1.0 and back.index_unit == "ratio"
    assert campaign_to_json(back) == campaign_to_json(result)
