"""Reviewing the automated mode selection: modes a person picks in the stabilization diagram or on the singular-value
spectrum, and why stable columns the automation left out were not taken.

* :func:`pole_column` — the poles of the column a clicked pole belongs to (same frequency within a tolerance and a
  similar shape, one per model order);
* :func:`mode_from_poles` — a mode estimated from chosen poles exactly as the automated selection estimates one
  from a cluster (median frequency and damping, medoid shape, scatter, statistical σ where the diagram has it);
* :func:`mode_at_frequency` — an FDD mode at a picked frequency (the first singular vector at the nearest peak);
* :func:`explain_unselected` — for every stable column with no selected mode, the criterion that rejected it, in
  words: zero or negative damping (a harmonic), too few poles, MPC too low, a shadow of a stronger mode, …
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from dsp.modal import Mode, mac, mpc, mpd, normalise_shape
from dsp.spectral import SingularValueSpectrum
from dsp.stabilization import (SelectionSettings, StabilizationDiagram, _frequency_cov_limit, _inliers,
                               _mode_from_poles, cluster_poles)


@dataclass(frozen=True)
class UnselectedColumn:
    """A column of stable poles the automated selection did not take as a mode.

    frequency_hz : median frequency of its poles, Hz;  n_poles : poles in it;  n_orders : distinct model orders
    reason : why it was not taken, in the engineer's words;  poles : their indices in the diagram
    """

    frequency_hz: float
    n_poles: int
    n_orders: int
    reason: str
    poles: np.ndarray


def _check_poles(diagram: StabilizationDiagram, poles) -> np.ndarray:
    idx = np.unique(np.asarray(poles, dtype=int).ravel())
    if idx.size == 0:
        raise ValueError("poles must name at least one pole of the diagram")
    if idx.min() < 0 or idx.max() >= diagram.orders.size:
        raise ValueError(f"poles must be indices between 0 and {diagram.orders.size - 1}; got {idx.min()}…{idx.max()}")
    return idx


def pole_column(diagram: StabilizationDiagram, pole: int, *, max_relative_gap: float = 0.01,
                min_mac: float = 0.8) -> np.ndarray:
    """Indices of the poles forming the column through ``pole``: within ``max_relative_gap`` of its frequency and
    with MAC ≥ ``min_mac`` to its shape; at each order the one nearest in frequency. Sorted by order."""
    (p,) = _check_poles(diagram, [pole])
    f = diagram.frequencies_hz
    near = np.abs(f / f[p] - 1.0) <= max_relative_gap
    near &= mac(diagram.shapes[:, [p]], diagram.shapes).ravel() >= min_mac
    idx = np.flatnonzero(near)
    gap = np.abs(f[idx] - f[p])
    order = np.lexsort((gap, diagram.orders[idx]))
    idx = idx[order]
    first = np.ones(idx.size, bool)
    first[1:] = diagram.orders[idx][1:] != diagram.orders[idx][:-1]
    return np.sort(idx[first])


def mode_from_poles(diagram: StabilizationDiagram, poles: Sequence[int], *, outlier_fence: float = 1.5) -> Mode:
    """The mode of the chosen ``poles`` (indices into the diagram), estimated as the automated selection does:
    one pole per order (the nearest to the median frequency), median frequency, median damping of the damping
    inliers, shape of the medoid (the pole closest to the others in ``|Δf|/f + (1 − MAC)``)."""
    idx = _check_poles(diagram, poles)
    f, orders = diagram.frequencies_hz, diagram.orders
    gap = np.abs(f[idx] - np.median(f[idx]))
    keep = np.lexsort((gap, orders[idx]))
    idx = idx[keep]
    first = np.ones(idx.size, bool)
    first[1:] = orders[idx][1:] != orders[idx][:-1]
    idx = np.sort(idx[first])
    fi = f[idx]
    dist = np.abs(fi[:, None] - fi[None, :]) / np.maximum(fi[:, None], fi[None, :])
    dist += 1.0 - mac(diagram.shapes[:, idx], diagram.shapes[:, idx])
    medoid = idx[np.argmin(dist.sum(axis=1))]
    z = diagram.damping_ratios[idx]
    damped = idx[_inliers(z, outlier_fence)] if idx.size >= 4 else idx
    return _mode_from_poles(diagram, idx, medoid, damped)


def mode_at_frequency(spectrum: SingularValueSpectrum, frequency_hz: float, *, search_bins: int = 3) -> Mode:
    """An FDD mode at the peak of the first singular value nearest ``frequency_hz`` (within ``search_bins`` bins):
    its frequency by parabolic interpolation, its shape the first singular vector there, damping from the half-power
    bandwidth (rough, as FDD's)."""
    from dsp.peak_picking import peak_parameters

    f = spectrum.frequencies_hz
    if not (np.isfinite(frequency_hz) and f[0] <= frequency_hz <= f[-1]):
        raise ValueError(f"frequency_hz must be between {f[0]:g} and {f[-1]:g} Hz; got {frequency_hz!r}")
    k0 = int(np.argmin(np.abs(f - frequency_hz)))
    lo, hi = max(1, k0 - search_bins), min(f.size - 2, k0 + search_bins)
    s1 = spectrum.singular_values[:, 0]
    k = lo + int(np.argmax(s1[lo:hi + 1]))
    freq, damping = peak_parameters(f, s1, k)
    shape = normalise_shape(spectrum.first_vectors[k])
    return Mode(frequency_hz=float(freq), damping_ratio=float(damping), shape=shape, mpc=float(mpc(shape)),
                mpd_deg=float(mpd(shape)))


def _reason(diagram: StabilizationDiagram, poles: np.ndarray, modes: Sequence[Mode], settings: SelectionSettings,
            min_orders: int, reference_size: float) -> str:
    f, z = diagram.frequencies_hz[poles], diagram.damping_ratios[poles]
    f_med, z_med = float(np.median(f)), float(np.median(z))
    mpd_deg = diagram.mpd_deg[poles] if diagram.mpd_deg is not None else np.atleast_1d(mpd(diagram.shapes[:, poles]))
    n_orders = np.unique(diagram.orders[poles]).size
    if abs(z_med) <= settings.min_damping:
        return (f"zero or negative damping (ζ = {100 * z_med:.3f} %, below the {100 * settings.min_damping:g} % "
                f"floor): an undamped sine — a harmonic excitation such as machinery, or electrical interference — "
                f"not a structural mode")
    if z_med < 0:
        return f"negative damping (ζ = {100 * z_med:.2f} %): an unstable, non-physical pole of the model"
    if z_med > settings.max_damping:
        return f"damping {100 * z_med:.1f} % above the {100 * settings.max_damping:g} % limit (a noise mode)"
    if np.median(diagram.mpc[poles]) < settings.min_mpc:
        return (f"MPC {np.median(diagram.mpc[poles]):.2f} below {settings.min_mpc:g}: a strongly complex shape, "
                f"typical of noise")
    if np.median(mpd_deg) > settings.max_mpd_deg:
        return f"MPD {np.median(mpd_deg):.0f}° above {settings.max_mpd_deg:g}°: a strongly complex shape"
    if n_orders < min_orders:
        return f"too few poles: seen at {n_orders} of {diagram.n_orders} model orders (needs {min_orders})"
    if poles.size < settings.min_relative_size * reference_size:
        return (f"too few poles next to the strongest modes ({poles.size} against a typical {reference_size:.0f}); "
                f"a weakly excited mode?")
    if len(poles) > 1:
        scatter = float(np.std(f, ddof=1)) / f_med
        limit = _frequency_cov_limit(settings, f_med, max(z_med, 1e-4))
        if scatter > limit:
            return f"its frequency scatters by {100 * scatter:.2f} % over the orders (limit {100 * limit:.2f} %)"
    if settings.duplicate_mac is not None:
        shape = diagram.shapes[:, poles[np.argmin(np.abs(f - f_med))]]
        for m in modes:
            if abs(f_med / m.frequency_hz - 1) <= settings.duplicate_gap and mac(shape, m.shape) >= settings.duplicate_mac:
                return (f"a shadow of the mode at {m.frequency_hz:.3f} Hz: the same shape (MAC ≥ "
                        f"{settings.duplicate_mac:g}) {100 * abs(f_med / m.frequency_hz - 1):.1f} % away")
    return "split from a neighbouring cluster by the clustering; pick it by hand if it is a mode"


def explain_unselected(diagram: StabilizationDiagram, modes: Sequence[Mode],
                       settings: SelectionSettings = SelectionSettings(), *,
                       min_orders_fraction: float = 0.3) -> tuple[UnselectedColumn, ...]:
    """Stable columns inside the band that support no selected mode, each with the criterion that rejected it.

    A column is a cluster of poles stable in frequency and shape between orders (the same ``|Δf|/f + (1 − MAC)``
    clustering as the selection) present at ``min_orders_fraction`` of the orders or more.
    """
    f = diagram.frequencies_hz
    used = np.zeros(f.size, bool)
    for m in modes:
        if m.poles is not None:
            used[np.asarray(m.poles, dtype=int)] = True
    # a column the eye sees is stable in frequency and shape; the damping of an undamped sine flips sign between
    # orders, so requiring damping stability would hide exactly the harmonics worth explaining
    steady = diagram.stable_frequency & diagram.stable_shape
    candidate = steady & ~used & (f >= settings.fmin_hz) & (f <= settings.fmax_hz)
    clusters = cluster_poles(diagram, candidate, settings.cluster_distance)
    if clusters.poles.size == 0:
        return ()
    min_orders = max(2, int(np.ceil(settings.min_orders_fraction * diagram.n_orders)))
    sizes = [m.n_poles for m in modes] or [min_orders]
    reference_size = float(np.median(np.sort(sizes)[::-1][:3]))
    shown = max(2, int(np.ceil(min_orders_fraction * diagram.n_orders)))
    out = []
    for lab in np.unique(clusters.labels):
        poles = clusters.poles[clusters.labels == lab]
        n_orders = int(np.unique(diagram.orders[poles]).size)
        if n_orders < shown:
            continue
        out.append(UnselectedColumn(frequency_hz=float(np.median(f[poles])), n_poles=int(poles.size),
                                    n_orders=n_orders, poles=np.sort(poles),
                                    reason=_reason(diagram, poles, modes, settings, min_orders, reference_size)))
    return tuple(sorted(out, key=lambda c: c.frequency_hz))


def nearest_mode(modes: Sequence[Mode], frequency_hz: float, *, max_relative_gap: float = 0.02) -> Optional[int]:
    """Index of the mode nearest ``frequency_hz`` within ``max_relative_gap``, else None (a click on a mode)."""
    if not modes:
        return None
    gaps = np.array([abs(m.frequency_hz / frequency_hz - 1.0) for m in modes])
    k = int(np.argmin(gaps))
    return k if gaps[k] <= max_relative_gap else None
