"""Environmental compensation: regression with a frost hinge (closed-form answers), PCA residual subspace, and the
uniform-drop hazard."""
import numpy as np
import pytest

from dsp.compensation import fit_pca, fit_regression
from dsp.simulate_campaign import DECK_FREQUENCIES_HZ, frequencies_from_temperature


def _temperatures(n=300, seed=0):
    return np.random.default_rng(seed).uniform(-10, 30, n)


def test_regression_with_fixed_hinge_recovers_the_exact_coefficients():
    t = _temperatures()
    a, b, c = np.array([2.3, 8.4]), np.array([-0.005, -0.012]), np.array([0.02, 0.1])
    f = a + np.outer(t, b) + np.outer(np.maximum(0, 0.0 - t), c)
    model = fit_regression(f, t[:, None], covariate_names=["temperature_c"], hinge_threshold=0.0)
    np.testing.assert_allclose(model.coefficients, np.vstack([a, b, c]), rtol=1e-9, atol=1e-12)
    assert model.hinge_threshold == 0.0 and model.hinge_column == 0
    assert model.feature_names == ("intercept", "temperature_c", "max(0, 0 - temperature_c)")
    np.testing.assert_allclose(model.predict(np.array([[-5.0], [20.0]])), [a - 5 * b + 5 * c, a + 20 * b], rtol=1e-12)


def test_fitted_hinge_threshold_finds_the_frost_knee_and_a_straight_line_does_not_fit():
    t = _temperatures(seed=1)
    f = frequencies_from_temperature(t)
    f *= 1 + 0.001 * np.random.default_rng(2).standard_normal(f.shape)
    hinge = fit_regression(f, t[:, None], covariate_names=["temperature_c"])
    line = fit_regression(f, t[:, None], covariate_names=["temperature_c"], hinge_column=None)
    assert abs(hinge.hinge_threshold) < 0.7
    assert np.all(hinge.residual_std < 0.0013)           # ≈ the 0.1 % scatter
    assert np.all(line.residual_std > 2 * hinge.residual_std)  # frost stiffening leaves a large misfit
    # frost residuals of the straight line are systematic: positive at the coldest records
    cold = t < -6
    assert np.all(np.mean(line.residuals(f, t[:, None])[cold], axis=0) > 0)


def test_regression_leaves_a_uniform_drop_in_the_residuals():
    t = _temperatures(seed=3)
    f = frequencies_from_temperature(t)
    model = fit_regression(f, t[:, None], covariate_names=["temperature_c"])
    damaged = f * (1 - 0.01)
    np.testing.assert_allclose(model.residuals(damaged, t[:, None]), -0.01, atol=1e-6)


def test_regression_handles_missing_modes_and_missing_covariates():
    t = _temperatures(seed=4)
    f = frequencies_from_temperature(t)
    f[::7, 1] = np.nan
    cov = t[:, None].copy()
    cov[::11] = np.nan
    model = fit_regression(f, cov, covariate_names=["temperature_c"])
    r = model.residuals(f, cov)
    assert np.all(np.isnan(r[::11]))
    assert np.isnan(r[7, 1]) and np.isfinite(r[7, 0])
    assert model.n_baseline[1] < model.n_baseline[0]


def test_hinge_is_dropped_without_enough_frost_in_the_baseline():
    t = np.r_[np.linspace(2, 25, 100), -3.0, -4.0]
    f = frequencies_from_temperature(t)
    model = fit_regression(f, t[:, None], covariate_names=["temperature_c"], min_hinge_points=5)
    assert model.hinge_column is None or model.hinge_threshold > 0  # never a knee fitted on two frosty records
    assert np.sum(t < (model.hinge_threshold or -np.inf)) != 2


def test_pca_keeps_a_residual_subspace_and_removes_the_environmental_direction():
    t = _temperatures(n=400, seed=5)
    f = frequencies_from_temperature(t, hinge_free := DECK_FREQUENCIES_HZ, frost_per_c=np.zeros(4))
    f *= 1 + 0.001 * np.random.default_rng(6).standard_normal(f.shape)
    model = fit_pca(f)
    assert model.n_major == 1
    assert model.novelty_features(f).shape == (400, 3)
    # the temperature direction is (almost) invisible in the residual subspace, a mode-1-only drop is not
    sens = np.array([-0.0025, -0.0015, -0.0020, -0.0012])
    assert model.visible_fraction(sens) < 0.05
    assert model.visible_fraction([1, 0, 0, 0]) > 0.5
    # the hazard: a uniform drop lies close to the environmental direction and is mostly hidden
    assert model.visible_fraction(np.ones(4)) < 0.5
    np.testing.assert_allclose(model.predict(f).mean(axis=0), f.mean(axis=0), rtol=1e-9)
    assert hinge_free is DECK_FREQUENCIES_HZ


def test_pca_component_count_is_modest():
    rng = np.random.default_rng(7)
    f = DECK_FREQUENCIES_HZ * (1 + 0.002 * rng.standard_normal((200, 4)))  # isotropic: 90 % needs many components
    assert fit_pca(f).n_major == 2          # capped at n_tracks − 2
    assert fit_pca(f, n_major=0).n_major == 0


def test_bad_inputs_name_the_parameter():
    t = _temperatures(50)
    f = frequencies_from_temperature(t)
    with pytest.raises(ValueError, match="covariates"):
        fit_regression(f, np.ones((10, 1)))
    with pytest.raises(ValueError, match="frequencies_hz"):
        fit_regression(-f, t[:, None])
    with pytest.raises(ValueError, match="hinge_column"):
        fit_regression(f, t[:, None], hinge_column=3)
    with pytest.raises(ValueError, match="at least"):
        fit_pca(f[:5])
    with pytest.raises(ValueError, match="2 tracks"):
        fit_pca(f[:, :1])


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


@hsettings(max_examples=60, deadline=None)
@given(st.integers(8, 60), st.floats(-20, 5), st.floats(0.5, 30), st.integers(0, 2**16))
def test_regression_residuals_are_finite_where_inputs_are_for_any_temperature_range(n, low, span, seed):
    t = np.random.default_rng(seed).uniform(low, low + span, n)
    f = frequencies_from_temperature(t)
    model = fit_regression(f, t[:, None], covariate_names=["temperature_c"])
    r = model.residuals(f, t[:, None])
    assert np.all(np.isfinite(r))
    assert model.hinge_column is None or np.sum(t < model.hinge_threshold) >= 5
    if np.sum(t < 0) >= 6 and np.sum(t > 0) >= 6:  # enough records on both sides of the true knee (0 °C)
        assert model.hinge_column == 0 and np.all(np.abs(r) < 1e-3)
    elif np.all(t > 0):                              # no frost: the straight line is exact
        assert np.all(np.abs(r) < 1e-9)
