"""Gaussian mixture by EM: monotone log-likelihood, recovery of a known mixture, BIC choice, marginal distances."""
import numpy as np
import pytest
from scipy import stats

from dsp.mixture import component_log_density, fit_mixture, select_mixture, squared_distances

WEIGHTS = np.array([0.3, 0.7])
MEANS = np.array([[0.0, 0.0, 0.0], [4.0, -3.0, 1.0]])
COVS = np.array([[[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 0.5]],
                 [[0.5, -0.2, 0.0], [-0.2, 0.8, 0.0], [0.0, 0.0, 1.5]]])


def _sample(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < WEIGHTS[1]
    x = np.empty((n, 3))
    for k, rows in enumerate((~labels, labels)):
        x[rows] = rng.multivariate_normal(MEANS[k], COVS[k], rows.sum())
    return x


def test_em_increases_the_log_likelihood_at_every_step():
    x = _sample(1500, 0)
    _, history = fit_mixture(x, 3, tol=1e-9, max_iter=200, reg_covar=0.0, n_init=1, return_history=True)
    assert history.size > 5
    assert np.all(np.diff(history) >= -1e-8 * np.abs(history[:-1]))


def test_em_recovers_a_known_two_component_mixture():
    x = _sample(4000, 1)
    m = fit_mixture(x, 2, tol=1e-8)
    order = np.argsort(m.means[:, 0])                  # components come in any order
    # tolerances: a few standard errors of the estimates from 1 200 and 2 800 records
    np.testing.assert_allclose(m.weights[order], WEIGHTS, atol=0.03)
    np.testing.assert_allclose(m.means[order], MEANS, atol=0.12)
    np.testing.assert_allclose(m.covariances[order], COVS, atol=0.2)
    assert m.n_parameters == 1 + 6 + 12


def test_log_density_matches_scipy():
    x = _sample(20, 2)
    dens = component_log_density(x, MEANS, COVS)
    for k in range(2):
        np.testing.assert_allclose(dens[:, k], stats.multivariate_normal(MEANS[k], COVS[k]).logpdf(x), rtol=1e-10)


def test_bic_chooses_two_components_for_two_and_one_for_one():
    assert select_mixture(_sample(2000, 3), max_components=4).n_components == 2
    single = np.random.default_rng(4).multivariate_normal(MEANS[0], COVS[0], 2000)
    assert select_mixture(single, max_components=3).n_components == 1


def test_distances_marginalise_missing_features():
    x = np.array([[1.0, np.nan, 0.5], [np.nan, np.nan, np.nan], [1.0, 2.0, 0.5]])
    d2, used = squared_distances(MEANS, COVS, x)
    sub = [0, 2]
    d = x[0, sub] - MEANS[1, sub]
    assert d2[0, 1] == pytest.approx(d @ np.linalg.solve(COVS[1][np.ix_(sub, sub)], d))
    assert np.all(np.isnan(d2[1])) and used.tolist() == [2, 0, 3]


def test_bad_inputs_name_the_parameter():
    x = _sample(100, 5)
    with pytest.raises(ValueError, match="n_components"):
        fit_mixture(x, 0)
    with pytest.raises(ValueError, match="records"):
        fit_mixture(x[:5], 2)
    with pytest.raises(ValueError, match="finite"):
        fit_mixture(np.where(x > 3, np.nan, x), 1)
    with pytest.raises(ValueError, match="tol"):
        fit_mixture(x, 1, tol=0)
    with pytest.raises(ValueError, match="max_components"):
        select_mixture(x, max_components=0)
