"""Gaussian mixture of baseline features, fitted by expectation–maximisation (numpy only), the number of components
chosen by the Bayesian information criterion.

A baseline whose frequencies follow temperature along a bent path (linear when warm, much steeper below freezing)
is not one Gaussian: one covariance stretched over both branches inflates the minor directions and hides small
changes. A mixture describes each branch by its own Gaussian (Figueiredo et al. 2011, "Machine learning algorithms
for damage detection under operational and environmental variability", Structural Health Monitoring 10(6), the
Z24 bridge). A new record's distance to the mixture is its squared Mahalanobis distance to every component,
computed on the features it has (the marginal sub-vector of each component's mean and covariance).

Features are whatever the caller standardises (dimensionless here); arrays are ``(n_records, n_features)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy.special import logsumexp

_LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class GaussianMixture:
    """A fitted mixture of ``K`` Gaussians in ``p`` dimensions.

    weights : (K,) mixing proportions, summing to 1
    means : (K, p) component means, feature units
    covariances : (K, p, p) component covariances, feature units squared
    log_likelihood : total log-likelihood of the fitted records, nats
    n_records : records the mixture was fitted on
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float
    n_records: int

    @property
    def n_components(self) -> int:
        return int(self.weights.size)

    @property
    def n_parameters(self) -> int:
        """Free parameters: ``K − 1`` weights, ``K p`` means, ``K p (p + 1) / 2`` covariance entries."""
        k, p = self.means.shape
        return int(k - 1 + k * p + k * p * (p + 1) // 2)

    @property
    def bic(self) -> float:
        """Bayesian information criterion ``−2 log L + n_parameters · ln n`` (lower is better)."""
        return float(-2.0 * self.log_likelihood + self.n_parameters * np.log(self.n_records))

    @property
    def component_counts(self) -> np.ndarray:
        """(K,) effective number of records behind each component, ``weight · n_records``."""
        return self.weights * self.n_records


def _complete(x, name: str = "x") -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be shaped (n_records, n_features); got {a.ndim} dimensions")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (fit the mixture on complete records)")
    return a


def component_log_density(x: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """``log N(x_i | μ_k, Σ_k)`` for complete records, ``(n_records, K)``, nats."""
    n, p = x.shape
    out = np.empty((n, means.shape[0]))
    for k in range(means.shape[0]):  # a handful of components; each step vectorised over records
        chol = np.linalg.cholesky(covariances[k])
        sol = np.linalg.solve(chol, (x - means[k]).T)
        out[:, k] = -0.5 * (np.sum(sol ** 2, axis=0) + p * _LOG_2PI) - np.sum(np.log(np.diag(chol)))
    return out


def _m_step(x: np.ndarray, resp: np.ndarray, reg_covar: float):
    counts = resp.sum(axis=0) + 10 * np.finfo(float).tiny
    means = (resp.T @ x) / counts[:, None]
    p = x.shape[1]
    covs = np.empty((means.shape[0], p, p))
    for k in range(means.shape[0]):
        d = x - means[k]
        covs[k] = (resp[:, k, None] * d).T @ d / counts[k] + reg_covar * np.eye(p)
    return counts / x.shape[0], means, covs


def _kmeanspp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [x[rng.integers(x.shape[0])]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2), axis=1)
        total = d2.sum()
        centres.append(x[rng.choice(x.shape[0], p=d2 / total)] if total > 0 else x[rng.integers(x.shape[0])])
    return np.array(centres)


def _validate(k: int, n: int, p: int, max_iter: int, tol: float, reg_covar: float, n_init: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"n_components must be a positive integer; got {k!r}")
    if n < k * (p + 1):
        raise ValueError(f"x needs at least n_components · (n_features + 1) = {k * (p + 1)} records; got {n}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1; got {max_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol}")
    if not reg_covar >= 0:
        raise ValueError(f"reg_covar must be >= 0; got {reg_covar}")
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1; got {n_init}")


def fit_mixture(x, n_components: int, *, max_iter: int = 300, tol: float = 1e-5, reg_covar: float = 1e-6,
                n_init: int = 3, seed: Optional[int] = 0, return_history: bool = False):
    """Fit a ``n_components`` Gaussian mixture to complete records by EM (best of ``n_init`` k-means++ starts).

    Parameters
    ----------
    x : (n_records, n_features) finite features
    n_components : number of Gaussians ``K``
    max_iter : EM iterations at most per start
    tol : stop when the mean log-likelihood per record improves by less than this, nats
    reg_covar : added to every covariance's diagonal, feature units squared (keeps them positive definite)
    n_init : number of starts; the one with the highest log-likelihood is kept
    seed : seed of the starts (the fit is deterministic for a given seed)
    return_history : also return the total log-likelihood after every E-step of the kept start, nats

    Returns
    -------
    GaussianMixture, or ``(GaussianMixture, history)`` with ``history`` a 1-D array
    """
    x = _complete(x)
    n, p = x.shape
    _validate(n_components, n, p, max_iter, tol, reg_covar, n_init)
    rng = np.random.default_rng(seed)
    best, best_hist = None, None
    for _ in range(n_init):
        centres = _kmeanspp(x, n_components, rng)
        labels = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        resp = np.eye(n_components)[labels]
        weights, means, covs = _m_step(x, resp, reg_covar + 1e-6 * float(x.var(axis=0).mean()))
        hist = []
        for _ in range(max_iter):
            log_joint = component_log_density(x, means, covs) + np.log(np.maximum(weights, 1e-300))
            log_norm = logsumexp(log_joint, axis=1)
            hist.append(float(log_norm.sum()))
            if len(hist) > 1 and hist[-1] - hist[-2] < tol * n:
                break
            resp = np.exp(log_joint - log_norm[:, None])
            weights, means, covs = _m_step(x, resp, reg_covar)
            if np.any(weights * n < 1.0):  # a component without a record: this start failed
                hist.append(-np.inf)
                break
        if best is None or hist[-1] > best_hist[-1]:
            best, best_hist = (weights, means, covs), hist
    if not np.isfinite(best_hist[-1]):
        raise ValueError(f"n_components={n_components} leaves a component without records; use fewer")
    model = GaussianMixture(weights=best[0], means=best[1], covariances=best[2], log_likelihood=best_hist[-1],
                            n_records=n)
    return (model, np.array(best_hist)) if return_history else model


def select_mixture(x, *, max_components: int = 4, min_records_per_component: Optional[int] = None,
                   **options) -> GaussianMixture:
    """The mixture of 1 … ``max_components`` Gaussians with the lowest BIC.

    A candidate whose smallest component holds fewer than ``min_records_per_component`` effective records (default
    ``5 (p + 1)``: enough to estimate its covariance and its control limit) is not considered; a single Gaussian
    needs ``p + 2`` records. ``options`` go to
    :func:`fit_mixture`.
    """
    x = _complete(x)
    n, p = x.shape
    if max_components < 1:
        raise ValueError(f"max_components must be at least 1; got {max_components}")
    need = 5 * (p + 1) if min_records_per_component is None else int(min_records_per_component)
    best = None
    for k in range(1, max_components + 1):
        if k > 1 and n < k * need:
            break
        try:
            m = fit_mixture(x, k, **options)
        except ValueError:
            continue
        if k > 1 and m.component_counts.min() < need:
            continue
        if best is None or m.bic < best.bic:
            best = m
    if best is None:
        raise ValueError(f"x needs at least {p + 2} complete records for a mixture; got {n}")
    return best


def squared_distances(means: np.ndarray, covariances: np.ndarray, x) -> tuple[np.ndarray, np.ndarray]:
    """Squared Mahalanobis distance of every record to every component, on the features each record has.

    Returns ``(d2, used)``: ``d2`` (n_records, K), dimensionless, NaN for a record without features; ``used``
    (n_records,) number of features behind the distance. Missing features are marginalised out (the sub-vector of
    each component's mean and covariance).
    """
    a = np.asarray(x, dtype=float)
    n = a.shape[0]
    d2 = np.full((n, means.shape[0]), np.nan)
    avail = np.isfinite(a)
    used = avail.sum(axis=1)
    patterns, inverse = np.unique(avail, axis=0, return_inverse=True)
    for j, pattern in enumerate(patterns):  # one solve per missing-data pattern and component
        if not pattern.any():
            continue
        rows = np.flatnonzero(inverse.ravel() == j)
        sub = a[np.ix_(rows, pattern)]
        for k in range(means.shape[0]):
            d = sub - means[k, pattern]
            cov = covariances[k][np.ix_(pattern, pattern)]
            d2[rows, k] = np.einsum("ij,ij->i", d, np.linalg.solve(cov, d.T).T)
    return d2, used
