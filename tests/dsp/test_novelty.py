"""Novelty index: Hotelling T² against closed forms, the control limit's false-exceedance rate, missing tracks,
the k-of-m alarm rule and track shifts."""
import numpy as np
import pytest
from scipy import stats

from dsp.novelty import (NoveltyModel, NoveltySettings, alarm_rule, fit_novelty, hotelling_t2, t2_limit,
                         track_shifts)


def test_limit_matches_the_formula_and_the_t_distribution_for_one_feature():
    n, p, a = 120, 4, 0.01
    expected = p * (n + 1) * (n - 1) / (n * (n - p)) * stats.f.ppf(1 - a, p, n - p)
    assert t2_limit(p, n, a) == pytest.approx(expected)
    # p = 1: T² = t² · (n+1)/n for a new observation, two-sided t with n − 1 degrees of freedom
    assert t2_limit(1, n, a) == pytest.approx((n + 1) / n * stats.t.ppf(1 - a / 2, n - 1) ** 2)
    with pytest.raises(ValueError):
        t2_limit(5, 5, a)


def test_t2_is_the_squared_mahalanobis_distance():
    cov = np.array([[4.0, 1.0], [1.0, 2.0]])
    model = NoveltyModel(mean=np.array([1.0, -1.0]), covariance=cov, n_baseline=100, alpha=0.01)
    x = np.array([[3.0, 0.0], [1.0, -1.0]])
    t2, limit, used = hotelling_t2(model, x)
    d = x[0] - model.mean
    assert t2[0] == pytest.approx(d @ np.linalg.solve(cov, d))
    assert t2[1] == 0.0
    assert used.tolist() == [2, 2] and np.all(limit == model.limit(2))


def test_missing_features_use_the_marginal_covariance_and_their_own_limit():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    model = NoveltyModel(mean=np.zeros(3), covariance=a @ a.T + np.eye(3), n_baseline=80, alpha=0.01)
    x = np.array([[0.5, np.nan, -1.0], [np.nan, np.nan, np.nan]])
    t2, limit, used = hotelling_t2(model, x)
    sub = model.covariance[np.ix_([0, 2], [0, 2])]
    v = np.array([0.5, -1.0])
    assert t2[0] == pytest.approx(v @ np.linalg.solve(sub, v))
    assert limit[0] == pytest.approx(t2_limit(2, 80, 0.01)) and used[0] == 2
    assert np.isnan(t2[1]) and np.isnan(limit[1]) and used[1] == 0


@pytest.mark.parametrize("alpha", [0.01, 0.05])
def test_false_exceedance_rate_of_new_gaussian_records_is_alpha(alpha):
    rng = np.random.default_rng(1)
    mix = rng.standard_normal((4, 4))
    rates = []
    for _ in range(40):  # average over baselines: the F limit is exact on average over the baseline's sampling
        base = rng.standard_normal((150, 4)) @ mix
        model = fit_novelty(base, NoveltySettings(alpha=alpha, trim_alpha=None))
        t2, limit, _ = hotelling_t2(model, rng.standard_normal((2000, 4)) @ mix)
        rates.append(np.mean(t2 > limit))
    assert np.mean(rates) == pytest.approx(alpha, rel=0.15)


def test_ddof_accounts_for_regression_parameters():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((50, 2))
    c0 = fit_novelty(x, NoveltySettings(trim_alpha=None)).covariance
    c2 = fit_novelty(x, NoveltySettings(trim_alpha=None), ddof=2).covariance
    np.testing.assert_allclose(c2, c0 * 49 / 47)


def test_trimming_keeps_one_blunder_from_inflating_the_baseline():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((200, 3))
    x[17] = [40.0, -40.0, 40.0]  # an identification blunder in the baseline
    trimmed = fit_novelty(x)
    raw = fit_novelty(x, NoveltySettings(trim_alpha=None))
    assert 197 <= trimmed.n_baseline <= 199  # the blunder, and at most a legitimate tail record or two
    assert np.all(np.diag(trimmed.covariance) < 1.5) and np.all(np.diag(raw.covariance) > 5)


def test_alarm_rule_ignores_a_single_outlier_and_fires_on_a_lasting_change():
    single = np.zeros(20, bool)
    single[5] = True
    assert not alarm_rule(single).any()
    two_apart = np.zeros(20, bool)
    two_apart[[5, 7]] = True
    assert alarm_rule(two_apart).tolist() == [i == 7 for i in range(20)]  # 2 of the last 3
    assert not alarm_rule(two_apart, k=2, m=2).any()                       # needs 2 consecutive
    lasting = np.zeros(20, bool)
    lasting[10:] = True
    alarm = alarm_rule(lasting)
    assert np.flatnonzero(alarm)[0] == 11 and alarm[11:].all()
    with pytest.raises(ValueError):
        alarm_rule(lasting, k=3, m=2)


def test_stated_false_alarm_rate_of_the_rule():
    s = NoveltySettings(alpha=0.01)
    assert s.false_alarm_rate == pytest.approx(3 * 0.01 ** 2 * 0.99 + 0.01 ** 3)
    rng = np.random.default_rng(4)
    e = rng.random(2_000_000) < 0.05
    assert np.mean(alarm_rule(e)[2:]) == pytest.approx(NoveltySettings(alpha=0.05).false_alarm_rate, rel=0.05)
    with pytest.raises(ValueError, match="alpha"):
        NoveltySettings(alpha=0.7)


def test_track_shifts_in_percent_and_sigma():
    rng = np.random.default_rng(5)
    r = np.column_stack([-0.008 + 0.002 * rng.standard_normal(40), 0.002 * rng.standard_normal(40)])
    r[3, 1] = np.nan
    s = track_shifts(r, np.array([0.002, 0.002]))
    assert s[0].shift_percent == pytest.approx(-0.8, abs=0.1)
    assert s[0].shift_sigma == pytest.approx(-4.0, abs=0.5)
    assert s[0].moved and not s[1].moved
    assert s[1].n_records == 39


def test_baseline_with_missing_values_uses_pairwise_counts():
    rng = np.random.default_rng(6)
    mix = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 1.0]])
    x = rng.standard_normal((300, 3)) @ mix
    holes = x.copy()
    holes[rng.random(x.shape) < 0.3] = np.nan          # only ~34 % of the records are complete
    full = fit_novelty(x, NoveltySettings(trim_alpha=None))
    partial = fit_novelty(holes, NoveltySettings(trim_alpha=None))
    np.testing.assert_allclose(partial.covariance, full.covariance, atol=0.25)
    assert partial.pair_counts[0, 0] > partial.pair_counts[0, 1] >= partial.n_baseline
    t2, limit, used = hotelling_t2(partial, np.array([[0.1, np.nan, np.nan], [0.1, 0.2, 0.3]]))
    assert limit[0] == pytest.approx(t2_limit(1, int(partial.pair_counts[0, 0]), 0.01))
    assert limit[1] == pytest.approx(t2_limit(3, partial.n_baseline, 0.01))


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


@hsettings(max_examples=40, deadline=None)
@given(arrays(float, st.tuples(st.integers(12, 40), st.integers(1, 4)),
              elements=st.one_of(st.floats(-5, 5), st.just(np.nan))))
def test_t2_is_non_negative_or_nan_for_any_pattern_of_missing_values(x):
    try:
        model = fit_novelty(x, NoveltySettings(trim_alpha=None))
    except ValueError as exc:  # too few values per pair: refused with a message, never a crash
        assert "baseline needs more than" in str(exc) or "does not vary" in str(exc)
        return
    t2, limit, used = hotelling_t2(model, x)
    ok = np.isfinite(t2)
    assert np.all(t2[ok] >= -1e-9) and np.all(limit[ok] > 0)
    assert np.all(used[~ok] == 0) | np.all(np.isnan(t2[~ok]))


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.booleans(), min_size=0, max_size=60), st.integers(1, 4), st.integers(0, 3))
def test_alarm_needs_k_exceedances_in_the_window(exceed, k, extra):
    m = k + extra
    alarm = alarm_rule(np.array(exceed, dtype=bool), k, m)
    e = np.array(exceed, dtype=int)
    for i, a in enumerate(alarm):
        assert a == (e[max(0, i - m + 1): i + 1].sum() >= k)
