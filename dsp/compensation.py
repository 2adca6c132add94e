"""Environmental compensation of tracked natural frequencies, fitted on the baseline period only.

Two models, both working on ``(n_recordings, n_tracks)`` frequency arrays in Hz with NaN for a missing mode:

* :class:`RegressionModel` (measured covariates): each track's frequency is a linear function of the covariates
  plus, optionally, a frost hinge ``max(0, T0 − T)`` on the temperature column — a frozen deck (bearings, asphalt,
  soil at the abutments) stiffens sharply below about 0 °C, which a straight line cannot follow (Peeters & De Roeck
  2001, the Z24 bridge). ``T0`` is fitted by a grid search or fixed. Least squares per track on the baseline.
  Residuals carry everything the covariates do not explain — including a drop of all frequencies together, which
  is therefore never removed.
* :class:`PCAModel` (no covariates): the baseline's standardised frequencies are split into the few principal
  components that carry the environmental variability and the minor components; novelty is measured on the minor
  components only. A damage that moves the frequencies along the major (environmental) direction — typically a
  uniform drop, because temperature moves all frequencies together too — is attenuated by this model: only its
  part orthogonal to the major components remains (see :meth:`PCAModel.visible_fraction`). Use measured covariates
  whenever they exist.

Residuals are relative, ``(f − f_predicted) / f_predicted`` (dimensionless; ×100 for per cent).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import optimize


def _frequencies(frequencies, name: str = "frequencies_hz") -> np.ndarray:
    f = np.asarray(frequencies, dtype=float)
    if f.ndim == 1:
        f = f[:, None]
    if f.ndim != 2:
        raise ValueError(f"{name} must be shaped (n_recordings, n_tracks); got {f.ndim} dimensions")
    if np.any(np.isinf(f)) or np.any(f[np.isfinite(f)] <= 0):
        raise ValueError(f"{name} must hold positive frequencies in Hz or NaN for a missing mode")
    return f


def _covariates(covariates, n: int) -> np.ndarray:
    c = np.asarray(covariates, dtype=float)
    if c.ndim == 1:
        c = c[:, None]
    if c.ndim != 2 or c.shape[0] != n:
        raise ValueError(f"covariates must be shaped ({n}, n_covariates); got {c.shape}")
    return c


@dataclass(frozen=True)
class RegressionModel:
    """Frequency of every track as a function of the covariates, ``f = X(c) @ coefficients``.

    covariate_names : names of the covariate columns
    hinge_column : index of the covariate that carries the frost hinge, or None (no hinge)
    hinge_threshold : ``T0`` of the hinge feature ``max(0, T0 − c[hinge_column])``, in the covariate's unit
    coefficients : (n_features, n_tracks), Hz per feature unit; features are ``[1, c_1 … c_q, hinge]``
    residual_std : (n_tracks,) standard deviation of the relative baseline residuals (dimensionless)
    n_baseline : (n_tracks,) number of baseline recordings used for each track's fit
    """

    covariate_names: tuple[str, ...]
    hinge_column: Optional[int]
    hinge_threshold: Optional[float]
    coefficients: np.ndarray
    residual_std: np.ndarray
    n_baseline: np.ndarray

    kind = "regression"

    @property
    def feature_names(self) -> tuple[str, ...]:
        names = ("intercept",) + tuple(self.covariate_names)
        if self.hinge_column is not None:
            names += (f"max(0, {self.hinge_threshold:.3g} - {self.covariate_names[self.hinge_column]})",)
        return names

    @property
    def n_parameters(self) -> int:
        """Parameters fitted per track (features, plus the hinge threshold when it was fitted)."""
        return int(self.coefficients.shape[0])

    def features(self, covariates) -> np.ndarray:
        return _features(_covariates(covariates, np.asarray(covariates).shape[0]), self.hinge_column,
                         self.hinge_threshold)

    def predict(self, covariates) -> np.ndarray:
        """Predicted frequencies, Hz, ``(n, n_tracks)``; NaN where a covariate is missing."""
        c = _covariates(covariates, np.asarray(covariates).shape[0])
        if c.shape[1] != len(self.covariate_names):
            raise ValueError(f"covariates must have {len(self.covariate_names)} columns "
                             f"({', '.join(self.covariate_names)}); got {c.shape[1]}")
        return self.features(c) @ self.coefficients

    def residuals(self, frequencies_hz, covariates) -> np.ndarray:
        """Relative residuals ``(f − f̂)/f̂``, ``(n, n_tracks)``; NaN where the mode or a covariate is missing."""
        f = _frequencies(frequencies_hz)
        pred = self.predict(covariates)
        return (f - pred) / pred

    def novelty_features(self, frequencies_hz, covariates) -> np.ndarray:
        """The vector the novelty index is computed on: the relative residuals themselves."""
        return self.residuals(frequencies_hz, covariates)


def _features(c: np.ndarray, hinge_column: Optional[int], hinge_threshold: Optional[float]) -> np.ndarray:
    cols = [np.ones(c.shape[0]), *c.T]
    if hinge_column is not None:
        cols.append(np.maximum(0.0, hinge_threshold - c[:, hinge_column]))
    return np.column_stack(cols)


def _lstsq_per_track(x: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares of every column of ``f`` on ``x`` over its own finite rows: (coef, sse_rel, n)."""
    coef = np.full((x.shape[1], f.shape[1]), np.nan)
    sse = np.full(f.shape[1], np.inf)
    n = np.zeros(f.shape[1], dtype=int)
    xf = np.all(np.isfinite(x), axis=1)
    for j in range(f.shape[1]):  # a handful of tracks
        rows = xf & np.isfinite(f[:, j])
        n[j] = int(rows.sum())
        if n[j] <= x.shape[1]:
            continue
        b, *_ = np.linalg.lstsq(x[rows], f[rows, j], rcond=None)
        coef[:, j] = b
        r = (f[rows, j] - x[rows] @ b) / f[rows, j]
        sse[j] = float(r @ r)
    return coef, sse, n


def fit_regression(frequencies_hz, covariates, *, covariate_names: Optional[Sequence[str]] = None,
                   hinge_column: Optional[int] = 0, hinge_threshold: Optional[float] = None,
                   min_hinge_points: int = 5) -> RegressionModel:
    """Fit the covariate regression on baseline frequencies (Hz) and covariates, by least squares per track.

    Parameters
    ----------
    frequencies_hz : (n, n_tracks) baseline frequencies, Hz, NaN where missing
    covariates : (n, n_covariates) baseline covariates (e.g. temperature, °C), NaN where missing
    covariate_names : names of the covariate columns (default ``c1, c2, …``)
    hinge_column : covariate carrying the frost hinge (default 0, the first; None for a purely linear model)
    hinge_threshold : fixed ``T0`` of the hinge; None fits it by a grid search over the baseline's covariate
        values minimising the summed, per-track normalised squared residuals
    min_hinge_points : the hinge is used only when at least this many baseline recordings lie below ``T0``
        (a hinge fitted on two frosty nights extrapolates wildly)
    """
    f = _frequencies(frequencies_hz)
    c = _covariates(covariates, f.shape[0])
    q = c.shape[1]
    names = tuple(covariate_names) if covariate_names is not None else tuple(f"c{k + 1}" for k in range(q))
    if len(names) != q:
        raise ValueError(f"covariate_names must name the {q} covariate columns; got {len(names)}")
    if hinge_column is not None and not 0 <= hinge_column < q:
        raise ValueError(f"hinge_column must be None or between 0 and {q - 1}; got {hinge_column}")
    usable = np.all(np.isfinite(c), axis=1) & np.any(np.isfinite(f), axis=1)
    if usable.sum() < q + 3:
        raise ValueError(f"the baseline needs at least {q + 3} recordings with frequencies and covariates; "
                         f"got {int(usable.sum())}")
    best = (None, None)
    coef, sse, n = _lstsq_per_track(_features(c, None, None), f)
    best_score = np.sum(sse / np.maximum(n - coef.shape[0], 1))
    if hinge_column is not None:
        t = c[usable, hinge_column]
        if hinge_threshold is not None:
            candidates = [float(hinge_threshold)]
        else:
            ordered = np.sort(t)
            candidates = np.unique(ordered[min_hinge_points - 1:-min_hinge_points]) if t.size > 2 * min_hinge_points \
                else np.zeros(0)
            if candidates.size > 60:
                candidates = np.quantile(candidates, np.linspace(0, 1, 60))
        def score_of(t0: float):
            if np.sum(t < t0) < min_hinge_points:
                return np.inf, None
            fit = _lstsq_per_track(_features(c, hinge_column, t0), f)
            return float(np.sum(fit[1] / np.maximum(fit[2] - fit[0].shape[0], 1))), fit

        scores = [score_of(float(t0))[0] for t0 in candidates]
        if scores and np.isfinite(np.min(scores)):
            k = int(np.argmin(scores))
            t0 = float(candidates[k])
            if hinge_threshold is None and len(candidates) > 1:
                # refine between the neighbouring grid values: the knee is rarely exactly on a sample
                lo, hi = candidates[max(k - 1, 0)], candidates[min(k + 1, len(candidates) - 1)]
                opt = optimize.minimize_scalar(lambda v: score_of(v)[0], bounds=(lo, hi), method="bounded",
                                               options={"xatol": 1e-3})
                if opt.success and opt.fun < scores[k]:
                    t0 = float(opt.x)
            score, fit = score_of(t0)
            # a hinge must earn its parameter: keep it only if it lowers the dof-corrected residual variance
            if score < best_score:
                best, best_score = (hinge_column, t0), score
                coef, sse, n = fit
    if np.any(~np.isfinite(coef)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(coef), axis=0))[0])
        raise ValueError(f"track {bad + 1} has too few baseline frequencies with covariates to fit the regression")
    std = np.sqrt(sse / np.maximum(n - coef.shape[0], 1))
    return RegressionModel(covariate_names=names, hinge_column=best[0], hinge_threshold=best[1],
                           coefficients=coef, residual_std=std, n_baseline=n)


@dataclass(frozen=True)
class PCAModel:
    """Principal components of the baseline's standardised frequencies (no covariates).

    mean_hz, std_hz : (n_tracks,) baseline mean and standard deviation, Hz
    components : (n_tracks, n_tracks) orthonormal directions in standardised units, major first
    variances : (n_tracks,) variance of the baseline along each direction
    n_major : number of major (environmental) components removed; the rest is the residual subspace
    """

    mean_hz: np.ndarray
    std_hz: np.ndarray
    components: np.ndarray
    variances: np.ndarray
    n_major: int

    kind = "pca"
    covariate_names: tuple[str, ...] = ()

    @property
    def n_parameters(self) -> int:
        return self.n_major

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        return self.variances / np.sum(self.variances)

    def predict(self, frequencies_hz) -> np.ndarray:
        """The environmental part of the frequencies, Hz: their projection on the major components."""
        f = _frequencies(frequencies_hz)
        z = (f - self.mean_hz) / self.std_hz
        major = self.components[:, :self.n_major]
        return self.mean_hz + self.std_hz * ((z @ major) @ major.T)

    def residuals(self, frequencies_hz, covariates=None) -> np.ndarray:
        """Relative residuals ``(f − f̂)/f̂``; NaN for a recording with any missing track (the projection needs all)."""
        f = _frequencies(frequencies_hz)
        pred = self.predict(f)
        return (f - pred) / pred

    def novelty_features(self, frequencies_hz, covariates=None) -> np.ndarray:
        """Scores on the minor components, ``(n, n_tracks − n_major)``; NaN rows where a track is missing."""
        f = _frequencies(frequencies_hz)
        z = (f - self.mean_hz) / self.std_hz
        return z @ self.components[:, self.n_major:]

    def visible_fraction(self, direction) -> float:
        """Fraction (0..1) of a relative frequency change ``direction`` (n_tracks,) left in the residual subspace.

        ``visible_fraction(np.ones(n_tracks))`` says how much of a uniform drop the novelty index can still see.
        """
        d = np.asarray(direction, dtype=float) * self.mean_hz / self.std_hz
        norm = np.linalg.norm(d)
        if norm == 0:
            return 0.0
        return float(np.linalg.norm(d @ self.components[:, self.n_major:]) / norm)


def fit_pca(frequencies_hz, *, n_major: Optional[int] = None, explained: float = 0.9,
            max_major: Optional[int] = None) -> PCAModel:
    """Fit the PCA compensation on the baseline frequencies (complete recordings only).

    ``n_major`` fixes the number of removed components; otherwise the smallest number explaining at least
    ``explained`` of the baseline variance, at most ``max_major`` (default ``n_tracks − 2``, so the residual
    subspace keeps at least two dimensions and the model stays modest).
    """
    f = _frequencies(frequencies_hz)
    p = f.shape[1]
    if p < 2:
        raise ValueError("PCA compensation needs at least 2 tracks; give covariates (--env) for a single mode")
    complete = f[np.all(np.isfinite(f), axis=1)]
    if complete.shape[0] < p + 3:
        raise ValueError(f"PCA compensation needs at least {p + 3} baseline recordings with every track; "
                         f"got {complete.shape[0]}")
    if not 0 < explained <= 1:
        raise ValueError(f"explained must be in (0, 1]; got {explained}")
    cap = max(1, p - 2) if max_major is None else int(max_major)
    mean = complete.mean(axis=0)
    std = complete.std(axis=0, ddof=1)
    std = np.where(std > 0, std, 1.0)
    z = (complete - mean) / std
    _, sv, vt = np.linalg.svd(z, full_matrices=True)
    variances = np.zeros(p)
    variances[:sv.size] = sv ** 2 / (complete.shape[0] - 1)
    if n_major is None:
        ratio = np.cumsum(variances) / np.sum(variances)
        n_major = int(min(np.searchsorted(ratio, explained) + 1, cap))
    if not 0 <= n_major < p:
        raise ValueError(f"n_major must be between 0 and {p - 1}; got {n_major}")
    return PCAModel(mean_hz=mean, std_hz=std, components=vt.T, variances=variances, n_major=int(n_major))


@dataclass(frozen=True)
class MeanModel:
    """No compensation: the baseline mean of every track (to show what compensation buys, and for a single mode
    without covariates). mean_hz : (n_tracks,) Hz"""

    mean_hz: np.ndarray

    kind = "none"
    covariate_names: tuple[str, ...] = ()

    @property
    def n_parameters(self) -> int:
        return 1

    def predict(self, frequencies_hz=None) -> np.ndarray:
        if frequencies_hz is None:
            return self.mean_hz.copy()
        return np.broadcast_to(self.mean_hz, np.asarray(frequencies_hz).shape).copy()

    def residuals(self, frequencies_hz, covariates=None) -> np.ndarray:
        f = _frequencies(frequencies_hz)
        return f / self.mean_hz - 1.0

    def novelty_features(self, frequencies_hz, covariates=None) -> np.ndarray:
        return self.residuals(frequencies_hz)


def fit_mean(frequencies_hz) -> MeanModel:
    """The baseline mean of every track, Hz (NaN ignored)."""
    f = _frequencies(frequencies_hz)
    if np.any(np.sum(np.isfinite(f), axis=0) == 0):
        raise ValueError("every track needs at least one baseline frequency")
    return MeanModel(mean_hz=np.nanmean(f, axis=0))
