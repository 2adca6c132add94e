"""Detection without covariates: false-alarm rate against α, out-of-envelope drops, missing modes, the former PCA
index reproduced, serialisable detectors and validation."""
from dataclasses import asdict, fields
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from hypothesis.extra.numpy import arrays

from dsp.compensation import fit_pca
from dsp.detection import DEFAULT_METHOD, METHODS, Detector, broken_stick, detector_index, fit_detector
from dsp.novelty import NoveltySettings, alarm_rule, fit_novelty, hotelling_t2, t2_limit
from dsp.simulate_campaign import simulate_frequency_campaign

ALPHA = 0.01
MIX = np.array([[1.0, 0.6, 0.2, 0.0], [0.0, 0.8, 0.3, 0.1], [0.0, 0.0, 0.5, 0.2], [0.0, 0.0, 0.0, 0.3]])


def _gaussian(n, seed):
    return 5.0 + np.random.default_rng(seed).standard_normal((n, 4)) @ MIX


@lru_cache(maxsize=None)
def _deck(damage, seed=11):
    """Two years every 3 h with frost in both winters; baseline = year 1; damage from July of year 2."""
    year = 2920
    sim = simulate_frequency_campaign(2 * year, step_hours=3.0, damage_start=year + year // 2, damage=damage,
                                      scatter=0.002, missing_probability=0.01, seed=seed,
                                      temperature_options=dict(cold_spells=[(25, 8, 7.0), (395, 8, 7.0)]))
    return sim, np.arange(2 * year) < year


@pytest.mark.parametrize("method", ["mahalanobis", "mahalanobis+pca", "gmm"])
def test_false_alarm_rate_on_gaussian_data_is_alpha(method):
    # N new records: the exceedance count is binomial(N, α'), α' the rate given this baseline. Its spread is
    # sqrt(α(1−α)/N) = 0.07 % for N = 20 000; α' itself scatters around α by about α·sqrt(2p/n) ≈ 0.06 % for a
    # baseline of n = 2 000 (the limit's estimated covariance). Tolerance: 4 of their combined standard deviations.
    # Bonferroni (two tests at α/2) and the mixture's minimum over components may only be conservative.
    n_new = 20_000
    det = fit_detector(_gaussian(2000, 1), method=method, alpha=ALPHA, trim_alpha=None, max_components=2)
    index, limit, used = detector_index(det, _gaussian(n_new, 2))
    rate = np.mean(index > limit)
    tol = 4 * np.hypot(np.sqrt(ALPHA * (1 - ALPHA) / n_new), ALPHA * np.sqrt(8 / 2000))
    assert rate <= ALPHA + tol
    assert rate >= (ALPHA / 2 if method == "mahalanobis+pca" else ALPHA) - tol
    assert np.all(used == 4)


@lru_cache(maxsize=None)
def _default_on_deck():
    sim, base = _deck(0.0)
    return fit_detector(sim.frequencies_hz[base], method=DEFAULT_METHOD, alpha=ALPHA)


def test_default_keeps_its_false_alarm_rate_on_a_frosty_undamaged_year():
    # real weather is serially correlated (exceedances come in runs), so the tolerance is wider than binomial:
    # the per-record rate within 2α, and alarms under 2-of-3 below α
    sim, base = _deck(0.0)
    det = _default_on_deck()
    index, limit, _ = detector_index(det, sim.frequencies_hz)
    exceed = index > limit
    monitored = ~base
    assert np.mean(exceed[monitored]) < 2 * ALPHA
    assert np.mean(alarm_rule(exceed & monitored)[monitored]) < ALPHA


def test_out_of_envelope_uniform_drop_is_flagged_without_covariates():
    sim, base = _deck(0.10)
    det = _default_on_deck()  # same baseline year (same seed): the damage starts in year 2
    np.testing.assert_array_equal(sim.frequencies_hz[base], _deck(0.0)[0].frequencies_hz[base])
    index, limit, _ = detector_index(det, sim.frequencies_hz)
    assert np.mean(index[sim.damaged] > limit[sim.damaged]) >= 0.9
    # the former index misses the records where a mode is missing and sees only part of the drop
    assert fit_pca(sim.frequencies_hz[base]).visible_fraction(np.ones(4)) < 0.5


def test_detectable_drop_is_stated_and_agrees_with_a_simulated_drop():
    det = _default_on_deck()
    assert 0.005 < det.detectable_uniform_drop < 0.05  # ~1.7 %: the deck's seasonal swing hides smaller drops
    sim, base = _deck(0.0)
    d = det.detectable_uniform_drop
    index, limit, _ = detector_index(det, sim.frequencies_hz[base] * (1 - 1.2 * d))
    assert np.mean(index > limit) >= 0.9
    # a drop along the environmental direction itself stays invisible: the former PCA index on modes that all
    # follow temperature alike needs a far larger uniform drop than the envelope test
    rng = np.random.default_rng(9)
    t = rng.uniform(0, 25, 800)
    f = 2.0 * np.arange(1, 5) * (1 - 0.001 * t[:, None]) * (1 + 0.002 * rng.standard_normal((800, 4)))
    envelope = fit_detector(f).detectable_uniform_drop
    assert 0.02 < envelope < 0.04                     # just beyond the 2.5 % swing of the baseline
    former = fit_detector(f, method="pca").detectable_uniform_drop
    assert np.isnan(former) or former > 3 * envelope  # NaN: not even a 50 % drop is seen


@pytest.mark.parametrize("method", METHODS)
def test_a_record_with_one_missing_mode_gets_a_verdict(method):
    x = _gaussian(400, 3)
    det = fit_detector(x, method=method, alpha=ALPHA, max_components=2)
    new = np.array([[5.0, 5.1, np.nan, 4.9], [5.0, 5.1, 5.0, 4.9], [np.nan] * 4])
    index, limit, used = detector_index(det, new)
    assert np.all(np.isfinite(index[:2])) and np.all(limit[:2] > 0)
    assert used.tolist() == [3, 4, 0] and np.isnan(index[2]) and np.isnan(limit[2])


def test_missing_mode_uses_the_marginal_covariance_and_its_own_limit():
    x = _gaussian(500, 4)
    det = fit_detector(x, method="mahalanobis", alpha=ALPHA, trim_alpha=None)
    nov = fit_novelty((x - det.mean) / det.scale, NoveltySettings(trim_alpha=None))
    new = np.array([[6.0, np.nan, 5.5, 4.0]])
    index, limit, _ = detector_index(det, new)
    t2, lim, _ = hotelling_t2(nov, (new - det.mean) / det.scale)
    assert index[0] == pytest.approx(t2[0]) and limit[0] == pytest.approx(lim[0])


def test_mixture_index_on_a_missing_mode_is_the_ratio_to_the_limit_for_the_modes_present():
    x = _gaussian(600, 10)
    det = fit_detector(x, method="gmm", max_components=1, trim_alpha=None)
    new = np.array([[5.3, np.nan, 4.6, 5.2]])
    index, limit, used = detector_index(det, new)
    keep = [0, 2, 3]
    d = ((new - det.mean) / det.scale)[0, keep] - det.mixture_means[0, keep]
    t2 = d @ np.linalg.solve(det.mixture_covariances[0][np.ix_(keep, keep)], d)
    assert index[0] == pytest.approx(t2 / t2_limit(3, 600, ALPHA)) and limit[0] == 1.0 and used[0] == 3


def test_pca_method_reproduces_the_former_index():
    sim, base = _deck(0.03)
    f = sim.frequencies_hz
    model = fit_pca(f[base])
    feats = model.novelty_features(f)
    t2, lim, _ = hotelling_t2(fit_novelty(feats[base], NoveltySettings(trim_alpha=None)), feats)
    det = fit_detector(f[base], method="pca", trim_alpha=None)
    index, limit, _ = detector_index(det, f)
    complete = np.all(np.isfinite(f), axis=1)
    assert det.n_major == model.n_major
    np.testing.assert_allclose(index[complete], t2[complete], rtol=0.02, atol=0.05)
    assert np.all(np.isfinite(index[~complete & np.any(np.isfinite(f), axis=1)]))  # new: verdict without a mode


def test_broken_stick_rule():
    assert broken_stick([10.0, 1.0, 1.0, 1.0]) == 1
    assert broken_stick([1.0, 1.0, 1.0, 1.0]) == 0
    assert broken_stick([5.0, 3.0, 0.1, 0.1]) == 2


def test_detector_is_plain_data_and_recomputes_from_its_fields():
    x = _gaussian(300, 5)
    det = fit_detector(x, method="gmm", max_components=2)
    allowed = (np.ndarray, float, int, str, tuple)
    assert all(isinstance(getattr(det, f.name), allowed) for f in fields(det))
    copy = Detector(**{k: (np.array(v.tolist()) if isinstance(v, np.ndarray) else v) for k, v in asdict(det).items()})
    np.testing.assert_array_equal(detector_index(copy, x)[0], detector_index(det, x)[0])


def test_bad_inputs_name_the_parameter():
    x = _gaussian(100, 6)
    for kwargs, name in [(dict(method="svm"), "method"), (dict(alpha=0.7), "alpha"),
                         (dict(trim_alpha=0.05), "trim_alpha"), (dict(max_components=0), "max_components"),
                         (dict(ddof=-1), "ddof")]:
        with pytest.raises(ValueError, match=name):
            fit_detector(x, **kwargs)
    with pytest.raises(ValueError, match="baseline_features"):
        fit_detector(np.full((50, 4), 3.0))
    with pytest.raises(ValueError, match="2 features"):
        fit_detector(x[:, :1], method="mahalanobis+pca")
    with pytest.raises(ValueError, match="features must have 4 columns"):
        detector_index(fit_detector(x, method="mahalanobis"), x[:, :3])


@hsettings(max_examples=25, deadline=None)
@given(arrays(bool, (30, 4)), st.sampled_from(["mahalanobis", "mahalanobis+pca", "pca-broken-stick"]))
def test_index_is_finite_for_any_missing_pattern(holes, method):
    det = _fitted(method)
    x = _gaussian(30, 8)
    x[holes] = np.nan
    index, limit, used = detector_index(det, x)
    has = used > 0
    assert np.all(np.isfinite(index[has])) and np.all(index[has] >= -1e-9) and np.all(limit[has] > 0)
    assert np.all(np.isnan(index[~has]))
    assert np.array_equal(used, (~holes).sum(axis=1))


@lru_cache(maxsize=None)
def _fitted(method):
    return fit_detector(_gaussian(300, 7), method=method)
