"""Damage detection on tracked frequencies without covariates: a novelty index with a stated false-alarm rate.

Default: ``"gmm"`` — the only method that keeps its false-alarm rate on a baseline with frost while still catching
every drop that leaves the baseline's envelope (figures below, measured by ``benchmarks/bench_detection.py``).

Every method standardises the baseline's features (frequencies in Hz, or regression residuals when covariates
exist) by their baseline mean and standard deviation and learns their scatter from the baseline only:

* ``"pca"`` — the app's former index: the principal components explaining 90 % of the baseline variance (at most
  ``p − 2``) are taken as environmental and removed; Hotelling T² on the remaining (minor) components.
* ``"pca-broken-stick"`` — the same with the number of environmental components chosen by the broken-stick rule
  (component ``i`` is kept while its share of the variance exceeds ``(1/p) Σ_{k ≥ i} 1/k``), a criterion instead
  of a fixed fraction.
* ``"mahalanobis"`` — Hotelling T² of the standardised features themselves against the baseline mean and
  covariance: measures how far a record lies outside the baseline's envelope in every direction.
* ``"mahalanobis+pca"`` — both the raw T² and the broken-stick residual T², each at ``α/2`` (Bonferroni: the
  union of the two exceedances has probability at most ``α``). The index is the larger of the two ratios
  statistic/limit; the limit is 1.
* ``"gmm"`` — a Gaussian mixture of the baseline (:mod:`dsp.mixture`, EM, components chosen by BIC); the index is
  the smallest over the components of the ratio of the squared Mahalanobis distance to that component's T² limit at
  ``α`` (with the component's effective record count). A baseline record belongs to one component, whose limit it
  exceeds with probability ``α``; the minimum exceeds 1 with at most that probability. The limit is 1.

Control limits are phase-II Hotelling limits (:func:`dsp.novelty.t2_limit`), ``UCL = p(n+1)(n−1)/(n(n−p)) ·
F₁₋α(p, n−p)``, with ``p`` the dimension of the statistic and ``n`` the baseline records behind it. They hold for
independent Gaussian records; hourly records are serially correlated and a bent (frost) baseline is not Gaussian,
which is what the benchmark ``benchmarks/bench_detection.py`` measures. The k-of-m alarm rule
(:func:`dsp.novelty.alarm_rule`) goes on top.

Missing modes: a record with NaN features gets a verdict from the features it has. The Gaussian models are
marginalised (the sub-vector of the mean and covariance; the residual test uses the principal components of the
sub-covariance, with at most ``n_sub − 1`` removed) and the limit is the one for the dimension actually used and
the baseline records holding those features. The Gaussian statistics use the complete baseline records when at
least ``5(p + 1)`` exist (a pairwise covariance of strongly correlated frequencies distorts the minor directions),
else every available value pairwise; the mixture is fitted on complete records.

Why ``"gmm"`` is the default (α = 1 % per record, 2-of-3 alarm rule, 3 simulations per case; exceedances and
alarms in % of records):

=====================================  ==============  =====================  ==========================
case (no covariates)                   method          detection (alarm)      false exceed. (alarm)
=====================================  ==============  =====================  ==========================
deck, frost, uniform drop 10 %         former PCA      95.7 (99.2)            2.35 (1.48), 4 % no verdict
                                       mahalanobis     100 (99.9)             8.56 (7.76)
                                       mahal.+PCA      100 (99.9)             7.26 (6.35)
                                       gmm             100 (99.9)             1.12 (0.34)
deck, uniform drop 1 %                 former PCA      34.6 (27.7)
                                       gmm             40.6 (36.5)
deck, mode 3 alone −3 %                gmm / others    93.6 (97.4) / 94–98
cable-stayed-like, hourly, −13…16 %    former PCA      77.8 (81.9)            1.13 (0.00), 18 % no verdict
                                       gmm             100 (95.8)             1.22 (0.00)
=====================================  ==============  =====================  ==========================

A single Gaussian (``"mahalanobis"``, ``"mahalanobis+pca"``) cannot follow the frost branch: one covariance
stretched over warm and frozen states flags frozen records of the next winter (5–9 % false exceedances); the PCA
residual methods flag them too (2.4–2.9 %) and see a uniform drop only partly (the former index flags 90 % of
records only for a drop of ~40 % on the cable-stayed-like table). The mixture gives each branch its own Gaussian
(BIC picks 3 components on the deck) and holds α. With covariates (the temperature regression's residuals) every
method detects even the 1 % uniform drop (100 %, 1 % exceedances): covariates remain the better instrument.

What remains invisible without covariates: a change that moves the frequencies along the baseline's own
environmental path and stays inside its range — a uniform drop of all frequencies smaller than about
:attr:`Detector.detectable_uniform_drop` (1.7 % on the simulated deck, whose seasonal swing is ~6 %), i.e. a
stiffness loss equal to what a few degrees of warming do. Conversely conditions beyond the baseline (a colder
frost, a warmer summer than any in the baseline) are novel to the index and raise alarms; a baseline should span
a full year of seasons: with only January–March as the baseline, 37–40 % of the undamaged deck's later records
are in alarm under every method, the former PCA index included.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from dsp import _validate

# dsp.mixture and dsp.novelty (scipy) are imported where used, so the settings that offer METHODS as choices stay
# light (``shm-app --help`` does not pay for scipy)

METHODS = ("pca", "pca-broken-stick", "mahalanobis", "mahalanobis+pca", "gmm")
DEFAULT_METHOD = "gmm"
#: the tests (statistics) behind each method, each run at ``alpha / len(tests)``
_TESTS = {"pca": ("residual",), "pca-broken-stick": ("residual",), "mahalanobis": ("raw",),
          "mahalanobis+pca": ("raw", "residual"), "gmm": ("mixture",)}


@dataclass(frozen=True)
class Detector:
    """Everything needed to recompute the novelty index of new records (plain arrays and numbers).

    method : one of :data:`METHODS`;  alpha : per-record probability that an undamaged record exceeds the limit
    mean, scale : (p,) baseline mean and standard deviation of the features, feature units (Hz)
    covariance : (p, p) covariance of the standardised baseline features (pairwise), dimensionless
    pair_counts : (p, p) baseline records holding both features
    n_major : environmental principal components removed by the residual test (0 when unused)
    mixture_weights : (K,);  mixture_means : (K, p);  mixture_covariances : (K, p, p) — the mixture of the
        standardised features (``K = 0`` when unused);  mixture_counts : (K,) effective records per component
    n_baseline : baseline records the detector was fitted on (after trimming)
    detectable_uniform_drop : smallest uniform relative drop of all frequencies (0.05 = 5 %) that puts 90 % of
        the baseline records over the limit (:func:`detectable_drop`); smaller drops hide in the baseline's
        environmental scatter. NaN when not computed (features that are not frequencies)
    """

    method: str
    alpha: float
    mean: np.ndarray
    scale: np.ndarray
    covariance: np.ndarray
    pair_counts: np.ndarray
    n_major: int
    mixture_weights: np.ndarray
    mixture_means: np.ndarray
    mixture_covariances: np.ndarray
    mixture_counts: np.ndarray
    n_baseline: int
    detectable_uniform_drop: float = float("nan")

    @property
    def n_features(self) -> int:
        return int(self.mean.size)

    @property
    def tests(self) -> tuple[str, ...]:
        return _TESTS[self.method]

    @property
    def index_unit(self) -> str:
        """``"T²"`` when the index is a Hotelling T² against its limit, ``"ratio"`` when it is statistic/limit
        (compound and mixture methods, limit 1)."""
        return "T²" if self.method in ("pca", "pca-broken-stick", "mahalanobis") else "ratio"

    def limit(self) -> float:
        """Control limit of the index for a record holding every feature (1 for the ratio methods)."""
        if self.index_unit == "ratio":
            return 1.0
        from dsp.novelty import t2_limit

        p = self.n_features
        if self.method != "mahalanobis":  # the residual test's dimension: the minor components
            p -= min(self.n_major, p - 1)
        return t2_limit(p, int(self.pair_counts.min()), self.alpha / len(self.tests))

    def index(self, features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """See :func:`detector_index`."""
        return detector_index(self, features)

    def visible_fraction(self, direction) -> float:
        """Fraction (0..1) of a relative frequency change ``direction`` (p,) that the residual test sees (1 for
        methods without a residual test); e.g. ``np.ones(p)`` for a uniform drop."""
        if "residual" not in self.tests or self.n_major == 0:
            return 1.0
        d = np.asarray(direction, dtype=float) * self.mean / self.scale
        w, v = np.linalg.eigh(self.covariance)
        minor = v[:, np.argsort(w)[::-1][self.n_major:]]
        norm = np.linalg.norm(d)
        return 0.0 if norm == 0 else float(np.linalg.norm(d @ minor) / norm)


def broken_stick(variances) -> int:
    """Number of leading principal components whose variance share exceeds the broken-stick expectation."""
    v = np.sort(np.asarray(variances, dtype=float))[::-1]
    p = v.size
    share = v / v.sum()
    stick = np.cumsum(1.0 / np.arange(p, 0, -1))[::-1] / p
    above = share > stick
    return int(p if above.all() else np.argmin(above))


def _n_major(method: str, covariance: np.ndarray) -> int:
    p = covariance.shape[0]
    if method not in ("pca", "pca-broken-stick", "mahalanobis+pca"):
        return 0
    w = np.sort(np.linalg.eigvalsh(covariance))[::-1]
    if method == "pca":  # the former default: 90 % explained, at most p − 2
        return int(min(np.searchsorted(np.cumsum(w) / w.sum(), 0.9) + 1, max(1, p - 2)))
    return int(min(broken_stick(w), p - 1))


def _build(x: np.ndarray, method: str, alpha: float, ddof: int, max_components: int, seed: int) -> Detector:
    from dsp.mixture import select_mixture
    from dsp.novelty import NoveltySettings, fit_novelty

    p = x.shape[1]
    complete = np.all(np.isfinite(x), axis=1)
    if complete.sum() >= 5 * (p + 1):
        # complete records when there are enough: the minor principal directions of strongly correlated
        # frequencies are fragile, and a pairwise covariance (entries from different records) distorts them
        x = x[complete]
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0, ddof=1)
    flat = np.flatnonzero(~(scale > 0))
    if flat.size:
        raise ValueError(f"baseline_features column {flat[0] + 1} does not vary over the baseline")
    z = (x - mean) / scale
    gauss = fit_novelty(z, NoveltySettings(alpha=alpha, trim_alpha=None), ddof=ddof)
    k0 = np.zeros(0)
    mix = (k0, np.zeros((0, p)), np.zeros((0, p, p)), k0)
    if method == "gmm":
        complete = z[np.all(np.isfinite(z), axis=1)]
        if complete.shape[0] < p + 2:
            raise ValueError(f"baseline_features needs at least {p + 2} records with every mode for method 'gmm'; "
                             f"got {complete.shape[0]}")
        m = select_mixture(complete, max_components=max_components, seed=seed)
        mix = (m.weights, m.means, m.covariances, m.component_counts)
    return Detector(method=method, alpha=float(alpha), mean=mean, scale=scale, covariance=gauss.covariance,
                    pair_counts=gauss.pair_counts, n_major=_n_major(method, gauss.covariance),
                    mixture_weights=mix[0], mixture_means=mix[1], mixture_covariances=mix[2],
                    mixture_counts=mix[3], n_baseline=int(x.shape[0]))


def fit_detector(baseline_features, *, method: str = DEFAULT_METHOD, alpha: float = 0.01, ddof: int = 0,
                 trim_alpha: Optional[float] = 0.001, max_components: int = 4, seed: int = 0) -> Detector:
    """Fit a detector on the baseline.

    Parameters
    ----------
    baseline_features : (n_records, p) baseline frequencies, Hz (or relative regression residuals), NaN where a
        mode is missing
    method : one of :data:`METHODS` (default :data:`DEFAULT_METHOD`)
    alpha : per-record probability that an undamaged record exceeds the limit, in (0, 0.5)
    ddof : parameters already fitted to these records per feature beyond the mean (regression slopes)
    trim_alpha : baseline records exceeding the detector's limit at this level are dropped once and the detector
        refitted (an identification blunder would otherwise widen the envelope); None keeps all
    max_components : largest mixture tried by BIC (``"gmm"`` only)
    seed : seed of the mixture's EM starts (``"gmm"`` only)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be between 0 and 0.5; got {alpha!r}")
    if trim_alpha is not None and not 0 < trim_alpha < alpha:
        raise ValueError(f"trim_alpha must be None or between 0 and alpha ({alpha}); got {trim_alpha!r}")
    if not isinstance(max_components, (int, np.integer)) or max_components < 1:
        raise ValueError(f"max_components must be a positive integer; got {max_components!r}")
    if not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative integer; got {ddof!r}")
    x = _validate.features(baseline_features, "baseline_features")
    x = x[np.any(np.isfinite(x), axis=1)]
    if "residual" in _TESTS[method] and x.shape[1] < 2:
        raise ValueError(f"method {method!r} needs at least 2 features (modes); use 'mahalanobis' for one")
    det = _build(x, method, alpha, ddof, max_components, seed)
    if trim_alpha is not None:
        index, limit, _ = detector_index(replace(det, alpha=trim_alpha), x)
        keep = ~(index > limit)
        if not keep.all():
            det = _build(x[keep], method, alpha, ddof, max_components, seed)
            x = x[keep]
    if np.all(x[np.isfinite(x)] > 0):  # frequencies: say how large a uniform drop must be to be seen
        det = replace(det, detectable_uniform_drop=detectable_drop(det, x))
    return det


def detectable_drop(detector: Detector, baseline_features, direction=None, *, rate: float = 0.9) -> float:
    """Smallest relative drop ``δ`` (0.05 = 5 %) along ``direction`` (p,), default uniform, such that the baseline
    records multiplied by ``1 − δ·direction`` exceed the limit at least at ``rate``, and at every larger ``δ`` of
    a grid of 40 values from 0.05 % to 50 %; NaN if none does. Measured on the given (baseline) records, so it is
    the drop seen from a typical environmental state of the baseline."""
    x = _validate.features(baseline_features, "baseline_features")
    d = np.ones(detector.n_features) if direction is None else np.asarray(direction, dtype=float)
    if d.shape != (detector.n_features,):
        raise ValueError(f"direction must have {detector.n_features} values; got shape {d.shape}")
    if not 0 < rate < 1:
        raise ValueError(f"rate must be between 0 and 1; got {rate!r}")
    grid = np.geomspace(5e-4, 0.5, 40)
    hit = np.empty(grid.size, dtype=bool)
    for k, delta in enumerate(grid):
        index, limit, _ = detector_index(detector, x * (1.0 - delta * d))
        seen = np.isfinite(index)
        hit[k] = np.mean(index[seen] > limit[seen]) >= rate if seen.any() else False
    ok = np.flatnonzero(~hit[::-1])
    first = grid.size - (ok[0] if ok.size else grid.size)
    return float(grid[first]) if first < grid.size else float("nan")


def _gaussian(det: Detector, z: np.ndarray, pattern: np.ndarray, a: float) -> list[tuple[np.ndarray, float]]:
    """(statistic, limit) of the Gaussian tests of the method on the rows ``z`` holding the features ``pattern``."""
    from dsp.novelty import t2_limit

    p = int(pattern.sum())
    n_eff = int(det.pair_counts[np.ix_(pattern, pattern)].min())
    cov = det.covariance[np.ix_(pattern, pattern)]
    out = []
    if "raw" in det.tests:
        t2 = np.einsum("ij,ij->i", z, np.linalg.solve(cov, z.T).T)
        out.append((t2, t2_limit(p, n_eff, a)))
    if "residual" in det.tests:
        w, v = np.linalg.eigh(cov)
        order = np.argsort(w)[::-1][min(det.n_major, p - 1):]
        scores = z @ v[:, order]
        out.append((np.sum(scores ** 2 / w[order], axis=1), t2_limit(order.size, n_eff, a)))
    return out


def detector_index(detector: Detector, features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Novelty index of every record, its control limit and the number of features used, each ``(n_records,)``.

    ``features`` is ``(n_records, p)`` in the baseline's units (Hz), NaN where a mode is missing. An index above
    its limit is an exceedance (probability ``detector.alpha`` for an undamaged record). A record without any
    feature gets NaN for both. Units: :attr:`Detector.index_unit`.
    """
    from dsp.mixture import squared_distances
    from dsp.novelty import t2_limit

    x = _validate.features(features, "features")
    if x.shape[1] != detector.n_features:
        raise ValueError(f"features must have {detector.n_features} columns; got {x.shape[1]}")
    z = (x - detector.mean) / detector.scale
    n = x.shape[0]
    index, limit = np.full(n, np.nan), np.full(n, np.nan)
    avail = np.isfinite(z)
    used = avail.sum(axis=1)
    a = detector.alpha / len(detector.tests)
    if detector.method == "gmm":
        d2, _ = squared_distances(detector.mixture_means, detector.mixture_covariances, z)
        counts = np.maximum(np.round(detector.mixture_counts).astype(int), 1)
        for p in np.unique(used[used > 0]):
            rows = used == p
            lim = np.array([t2_limit(int(p), max(int(c), int(p) + 1), a) for c in counts])
            index[rows] = np.min(d2[rows] / lim, axis=1)
            limit[rows] = 1.0
        return index, limit, used
    patterns, inverse = np.unique(avail, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):  # one decomposition per missing-data pattern, vectorised over records
        rows = np.flatnonzero(inverse.ravel() == k)
        if not pattern.any():
            continue
        tests = _gaussian(detector, z[np.ix_(rows, pattern)], pattern, a)
        if len(tests) == 1:
            index[rows], limit[rows] = tests[0][0], tests[0][1]
        else:
            index[rows] = np.max([s / lim for s, lim in tests], axis=0)
            limit[rows] = 1.0
    return index, limit, used
