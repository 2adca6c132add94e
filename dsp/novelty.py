"""Novelty index of compensated frequencies: Hotelling T² with a baseline control limit and a k-of-m alarm rule.

For a new observation ``x`` (p features) and a baseline of ``n`` observations with mean ``x̄`` and covariance
``S``, ``T² = (x − x̄)ᵀ S⁻¹ (x − x̄)``. If the baseline is Gaussian and the new observation comes from the same
population, ``T² · n(n − p) / (p(n + 1)(n − 1))`` follows ``F(p, n − p)`` (Montgomery, *Introduction to
Statistical Quality Control*, phase II limit for individual observations; Mason & Young 2002), so the control limit

    UCL = p (n + 1)(n − 1) / (n (n − p)) · F₁₋α(p, n − p)

is exceeded by an undamaged record with probability ``α`` (the per-record false-exceedance rate). A missing track
(NaN) is handled exactly: the index uses the available sub-vector with the marginal mean and covariance (the
corresponding sub-blocks) and the limit for its own dimension.

Alarm rule: an alarm is raised at a record when at least ``k`` of the last ``m`` records (this one included)
exceed the limit. With the default 2-of-3 a single outlier never raises an alarm, and for independent undamaged
records the false-alarm probability per record is ``1 − P(at most one exceedance in 3) ≈ 3α²`` (3·10⁻⁴ for
α = 0.01).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import stats

from dsp import _validate


@dataclass(frozen=True)
class NoveltySettings:
    """alpha : per-record probability that an undamaged record exceeds the control limit
    alarm_k, alarm_m : an alarm needs ``alarm_k`` exceedances among the last ``alarm_m`` records
    trim_alpha : baseline records whose T² exceeds the limit at this level are dropped once and the model refitted
        (an identification blunder in the baseline would otherwise inflate the covariance); None to keep all
    """

    alpha: float = 0.01
    alarm_k: int = 2
    alarm_m: int = 3
    trim_alpha: Optional[float] = 0.001

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5; got {self.alpha!r}")
        if not (1 <= self.alarm_k <= self.alarm_m):
            raise ValueError(f"alarm_k and alarm_m must satisfy 1 <= alarm_k <= alarm_m; got {self.alarm_k}, "
                             f"{self.alarm_m}")
        if self.trim_alpha is not None and not 0 < self.trim_alpha < self.alpha:
            raise ValueError(f"trim_alpha must be None or between 0 and alpha ({self.alpha}); got {self.trim_alpha!r}")

    @property
    def false_alarm_rate(self) -> float:
        """Per-record probability of an alarm for independent undamaged records under the k-of-m rule."""
        a, k, m = self.alpha, self.alarm_k, self.alarm_m
        return float(stats.binom.sf(k - 1, m, a))


@dataclass(frozen=True)
class NoveltyModel:
    """Baseline statistics of the feature vector.

    mean : (p,) baseline mean;  covariance : (p, p) baseline covariance (ddof-corrected)
    n_baseline : number of baseline records behind the estimates (the smallest pairwise count)
    alpha : per-record false-exceedance rate of the limit
    pair_counts : (p, p) baseline records holding both features (None: all ``n_baseline``); a sub-vector's limit
        uses the smallest count among its features
    """

    mean: np.ndarray
    covariance: np.ndarray
    n_baseline: int
    alpha: float
    pair_counts: Optional[np.ndarray] = None

    @property
    def n_features(self) -> int:
        return int(self.mean.size)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))

    def limit(self, p: Optional[int] = None, n: Optional[int] = None) -> float:
        """Control limit for a vector of ``p`` available features (default all) against ``n`` baseline records
        (default ``n_baseline``)."""
        return t2_limit(self.n_features if p is None else p, self.n_baseline if n is None else n, self.alpha)

    def n_for(self, pattern: np.ndarray) -> int:
        """Baseline records behind the sub-vector of the features where ``pattern`` is True."""
        if self.pair_counts is None:
            return self.n_baseline
        return int(self.pair_counts[np.ix_(pattern, pattern)].min())


def t2_limit(p: int, n: int, alpha: float) -> float:
    """Phase-II Hotelling T² limit for a new observation of dimension ``p`` against a baseline of ``n`` records."""
    if p < 1 or n <= p:
        raise ValueError(f"the T² limit needs 1 <= p < n; got p={p}, n={n}")
    return float(p * (n + 1) * (n - 1) / (n * (n - p)) * stats.f.ppf(1.0 - alpha, p, n - p))


def _fit(x: np.ndarray, ddof: int, alpha: float) -> NoveltyModel:
    """Mean and covariance from every available value: each covariance entry from the records where both features
    are present (pairwise), repaired to be positive definite if the pairwise estimate is not."""
    avail = np.isfinite(x)
    x, avail = x[avail.any(axis=1)], avail[avail.any(axis=1)]
    p = x.shape[1]
    counts = avail.T.astype(int) @ avail.astype(int)
    if counts.min() <= p + ddof + 1:
        raise ValueError(f"the baseline needs more than {p + ddof + 1} records holding each pair of the {p} features; "
                         f"got {int(counts.min())}")
    mean = np.nanmean(x, axis=0)
    d = np.where(avail, x - mean, 0.0)
    cov = d.T @ d / (counts - 1 - ddof)
    flat = np.flatnonzero(~(np.diag(cov) > 0))
    if flat.size:
        raise ValueError(f"feature {flat[0] + 1} does not vary over the baseline; its scatter cannot be learnt")
    w, v = np.linalg.eigh(cov)
    if w.min() <= 1e-12 * w.max():
        cov = (v * np.maximum(w, 1e-6 * w.max())) @ v.T
    return NoveltyModel(mean=mean, covariance=cov, n_baseline=int(counts.min()), alpha=float(alpha),
                        pair_counts=counts)


def fit_novelty(baseline_features, settings: NoveltySettings = NoveltySettings(), *, ddof: int = 0) -> NoveltyModel:
    """Mean and covariance of the baseline features (pairwise from every available value), with one trimming pass.

    ``ddof`` counts parameters already fitted to these records per feature beyond the mean (e.g. the regression
    slopes when the features are in-sample regression residuals), so the covariance is not underestimated.
    """
    x = _validate.features(baseline_features, "baseline_features")
    model = _fit(x, ddof, settings.alpha)
    if settings.trim_alpha is not None:
        t2, _, p_used = hotelling_t2(model, x)
        limits = {k: t2_limit(int(k), model.n_baseline, settings.trim_alpha) for k in np.unique(p_used) if k}
        keep = ~(t2 > np.array([limits.get(k, np.inf) for k in p_used]))
        if not keep.all():
            model = _fit(x[keep], ddof, settings.alpha)
    return model


def hotelling_t2(model: NoveltyModel, features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """T² of every record, its control limit and the number of features used, each ``(n_records,)``.

    Records with missing features use the available sub-vector and the marginal covariance; a record with no
    feature gets NaN for T² and its limit.
    """
    x = _validate.features(features, "features")
    if x.shape[1] != model.n_features:
        raise ValueError(f"features must have {model.n_features} columns; got {x.shape[1]}")
    n = x.shape[0]
    t2 = np.full(n, np.nan)
    limit = np.full(n, np.nan)
    used = np.zeros(n, dtype=int)
    avail = np.isfinite(x)
    patterns, inverse = np.unique(avail, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):  # one linear solve per missing-data pattern, vectorised over records
        rows = np.flatnonzero(inverse.ravel() == k)
        p = int(pattern.sum())
        used[rows] = p
        n_eff = model.n_for(pattern) if p else 0
        if p == 0 or p >= n_eff:
            continue
        d = x[np.ix_(rows, pattern)] - model.mean[pattern]
        sub = model.covariance[np.ix_(pattern, pattern)]
        t2[rows] = np.einsum("ij,ij->i", d, np.linalg.solve(sub, d.T).T)
        limit[rows] = model.limit(p, n_eff)
    return t2, limit, used


def alarm_rule(exceed, k: int = 2, m: int = 3) -> np.ndarray:
    """Alarm at each record when at least ``k`` of the last ``m`` records (inclusive) exceeded the limit.

    ``exceed`` is a boolean ``(n_records,)`` array; records without a verdict count as not exceeding.
    """
    e = np.asarray(exceed, dtype=bool).astype(int)
    if not (1 <= k <= m):
        raise ValueError(f"k and m must satisfy 1 <= k <= m; got {k}, {m}")
    if e.size == 0:
        return np.zeros(0, dtype=bool)
    window = np.convolve(e, np.ones(m, dtype=int))[: e.size]
    return window >= k


@dataclass(frozen=True)
class TrackShift:
    """How far one track moved over a set of records, against the baseline.

    shift_percent : mean relative residual, %;  shift_sigma : the same in baseline standard deviations
    z_score : shift over its standard error (the mean of ``n_records`` residuals);  moved : |z| ≥ z_moved and
    |shift_sigma| ≥ 1
    """

    shift_percent: float
    shift_sigma: float
    z_score: float
    n_records: int
    moved: bool


def track_shifts(residuals, baseline_std, *, z_moved: float = 3.0) -> tuple[TrackShift, ...]:
    """Shift of every track over the given records ``(n_records, n_tracks)`` of relative residuals."""
    r = _validate.features(residuals, "residuals")
    std = np.asarray(baseline_std, dtype=float)
    out = []
    for j in range(r.shape[1]):
        v = r[np.isfinite(r[:, j]), j]
        if v.size == 0 or not std[j] > 0:
            out.append(TrackShift(np.nan, np.nan, np.nan, int(v.size), False))
            continue
        mean = float(v.mean())
        sigma = mean / std[j]
        z = sigma * np.sqrt(v.size)
        out.append(TrackShift(100.0 * mean, float(sigma), float(z), int(v.size),
                              bool(abs(z) >= z_moved and abs(sigma) >= 1.0)))
    return tuple(out)
