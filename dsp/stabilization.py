"""Stabilization diagram and automated mode selection by hierarchical clustering of stable poles.

The selection follows the automated-OMA literature in three stages:

1. Pole-level hard criteria remove spurious poles before any clustering (Reynders, Houbrechts & De Roeck 2012,
   "Fully automated (operational) modal analysis", MSSP 29, stage 1): negative or excessive damping, weakly
   collinear shapes (low MPC, high MPD: noise modes are strongly complex), and poles that are not stable against
   the previous model order (classical stabilization criteria). Real eigenvalues, which have no complex
   conjugate, are already dropped by the identification methods.
2. The remaining poles are clustered hierarchically (average linkage) on the distance ``|Δf|/max(f) + (1 − MAC)``
   (Magalhães, Cunha & Caetano 2009, "Online automatic identification of the modal parameters of a long span arch
   bridge", MSSP 23(2)).
3. Each cluster keeps at most one pole per model order (Reynders et al. 2012), outliers are found with Tukey's
   fences (as in Neu, Janser, Khatibi & Orifici 2017, "Fully automated operational modal analysis using
   multi-stage clustering", MSSP 84): frequency outliers leave the cluster, damping outliers only the damping
   estimate (damping scatters far more than frequency between orders of a short record, and an order whose
   damping is off still shows the mode). A cluster is a mode only when it recurs over a large fraction of the
   swept orders, is not much smaller than the best clusters, and its poles agree in frequency. Each mode is
   reported as the cluster's medoid shape with the median frequency and damping and their scatter; a mode with
   the shape of a better-supported mode close by in frequency is dropped as its shadow.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from dsp.linkage import average_linkage_clusters
from dsp.modal import Mode, auto_mac, mac, mpc, mpd, normalise_shape


@dataclass(frozen=True)
class StabilizationCriteria:
    """A pole is stable when, against the nearest pole of the previous order, its frequency changes by at most
    ``max_frequency_change`` (relative), its damping by at most ``max_damping_change`` (relative) and its shape
    keeps MAC ≥ ``min_mac``."""

    max_frequency_change: float = 0.01
    max_damping_change: float = 0.05
    min_mac: float = 0.98


@dataclass(frozen=True)
class StabilizationDiagram:
    """All poles of an order sweep. Arrays are (n_poles,); ``shapes`` is (n_channels, n_poles) complex.

    frequencies_hz in Hz, damping_ratios as ratios, mpc 0..1, mpd_deg in degrees; ``stable_*`` flags compare each
    pole with the nearest pole of the previous order (see :class:`StabilizationCriteria`). ``frequency_sigma_hz``
    (Hz) and ``damping_sigma``, when the method estimates them (SSI-COV with ``uncertainty=True``), are each pole's
    statistical standard deviations; None otherwise.
    """

    orders: np.ndarray
    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    shapes: np.ndarray
    mpc: np.ndarray
    stable_frequency: np.ndarray = None
    stable_damping: np.ndarray = None
    stable_shape: np.ndarray = None
    mpd_deg: np.ndarray = None
    frequency_sigma_hz: Optional[np.ndarray] = None
    damping_sigma: Optional[np.ndarray] = None

    @property
    def stable(self) -> np.ndarray:
        """Poles stable in frequency, damping and shape."""
        return self.stable_frequency & self.stable_damping & self.stable_shape

    @property
    def n_orders(self) -> int:
        return int(np.unique(self.orders).size)


def make_diagram(orders, frequencies_hz, damping_ratios, shapes, criteria: StabilizationCriteria, *,
                 frequency_sigma_hz=None, damping_sigma=None) -> StabilizationDiagram:
    """Assemble a diagram from raw poles: normalise shapes, compute MPC and MPD, flag stability; the optional
    per-pole standard deviations (Hz, ratio) are stored as given."""
    shapes = np.asarray(shapes, dtype=complex)
    shapes = normalise_shape(shapes) if shapes.shape[1] else shapes
    diagram = StabilizationDiagram(
        orders=np.asarray(orders, dtype=int),
        frequencies_hz=np.asarray(frequencies_hz, dtype=float),
        damping_ratios=np.asarray(damping_ratios, dtype=float),
        shapes=shapes,
        mpc=np.atleast_1d(mpc(shapes)) if shapes.shape[1] else np.zeros(0),
        mpd_deg=np.atleast_1d(mpd(shapes)) if shapes.shape[1] else np.zeros(0),
        frequency_sigma_hz=None if frequency_sigma_hz is None else np.asarray(frequency_sigma_hz, dtype=float),
        damping_sigma=None if damping_sigma is None else np.asarray(damping_sigma, dtype=float),
    )
    return flag_stable(diagram, criteria)


def flag_stable(diagram: StabilizationDiagram, criteria: StabilizationCriteria) -> StabilizationDiagram:
    """Compare every pole with the nearest-frequency pole of the previous order in the sweep."""
    n = diagram.orders.size
    sf, sz, sm = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    levels = np.unique(diagram.orders)
    for prev, cur in zip(levels[:-1], levels[1:]):  # one small vectorised comparison per order
        ip = np.flatnonzero(diagram.orders == prev)
        ic = np.flatnonzero(diagram.orders == cur)
        if ip.size == 0 or ic.size == 0:
            continue
        fp, fc = diagram.frequencies_hz[ip], diagram.frequencies_hz[ic]
        nearest = ip[np.argmin(np.abs(fc[:, None] - fp[None, :]), axis=1)]
        df = np.abs(fc - diagram.frequencies_hz[nearest]) / fc
        zc, zp = diagram.damping_ratios[ic], diagram.damping_ratios[nearest]
        dz = np.abs(zc - zp) / np.maximum(np.abs(zc), 1e-12)
        macs = np.abs(np.sum(np.conj(diagram.shapes[:, ic]) * diagram.shapes[:, nearest], axis=0)) ** 2 / (
            np.sum(np.abs(diagram.shapes[:, ic]) ** 2, axis=0) * np.sum(np.abs(diagram.shapes[:, nearest]) ** 2, axis=0)
        )
        sf[ic] = df <= criteria.max_frequency_change
        sz[ic] = dz <= criteria.max_damping_change
        sm[ic] = macs >= criteria.min_mac
    mpd_deg = diagram.mpd_deg
    if mpd_deg is None:
        mpd_deg = np.atleast_1d(mpd(diagram.shapes)) if n else np.zeros(0)
    return replace(diagram, stable_frequency=sf, stable_damping=sz, stable_shape=sm, mpd_deg=mpd_deg)


@dataclass(frozen=True)
class SelectionSettings:
    """Automated mode selection.

    fmin_hz, fmax_hz : frequency band of interest, Hz
    min_damping, max_damping : poles with damping ratio outside (min_damping, max_damping] are spurious. The
        floor, 0.02 %, is below the damping of any structural mode of a bridge or tunnel (stay cables, the lightest,
        have about 0.05–0.1 %) and above what SSI gives an undamped sine of machinery or electrical interference
        (10⁻⁵ on a 5-minute record): such a column is perfectly stable and would otherwise be taken as a mode
    min_mpc : poles whose shape is less collinear than this are spurious (noise modes are strongly complex)
    max_mpd_deg : poles whose mean phase deviation exceeds this, degrees, are spurious
    cluster_distance : linkage cut on ``|Δf|/f + (1 − MAC)``
    min_orders_fraction : a cluster must contain poles from at least this fraction of the swept orders
    min_relative_size : a cluster must hold at least this fraction of the poles of the largest clusters (the
        median size of the ``n`` largest, ``n`` = number of clusters passing the order criterion, at most 3)
    outlier_fence : Tukey fence multiplier (of the interquartile range) for outliers inside a cluster: poles
        outside the fence in frequency leave the cluster; poles outside it in damping stay members (they still
        show the mode at that order) but are left out of the damping median and scatter
    max_frequency_cov : after outlier removal, the relative scatter (std/median) of a cluster's frequencies must
        stay below this; a physical mode is identified consistently at every order
    record_duration_s : length of the analysed record, s, if known: the scatter limit is then raised to
        ``frequency_cov_sigmas`` times the order of magnitude of the random error of a natural frequency estimated
        from a record of that length, ``√(ζ / (π f T))`` (Gersch 1974, "On the achievable accuracy of structural
        system parameter estimates", JSV 34(1)): short records scatter more, spurious clusters still more
    frequency_cov_sigmas : see ``record_duration_s``. 4: at high orders SSI often splits a mode of a short record
        into two poles either side of it, both with its shape; such a cluster scatters by a few tenths of a
        percent while its median stays on the mode (chosen on 192 simulated deck records of 2–30 min, 8 channels,
        10 % noise, 40 and 100 Hz: 2.5 lost 2.3 times as many modes for 15 % fewer spurious ones)
    duplicate_mac, duplicate_gap : a mode is dropped as a duplicate of another with more poles when their shapes
        have MAC ≥ ``duplicate_mac`` and their frequencies differ by at most ``duplicate_gap`` (relative). Such
        shadows of a mode, with its shape at a slightly different frequency, are a known SSI artefact of short
        and noisy records; two modes that close and that alike cannot be told apart by the sensor layout anyway.
        ``duplicate_mac=None`` keeps them.
    """

    fmin_hz: float = 0.0
    fmax_hz: float = np.inf
    min_damping: float = 0.0002
    max_damping: float = 0.20
    min_mpc: float = 0.7
    max_mpd_deg: float = 30.0
    cluster_distance: float = 0.04
    min_orders_fraction: float = 0.3
    min_relative_size: float = 0.4
    outlier_fence: float = 1.5
    max_frequency_cov: float = 0.002
    record_duration_s: Optional[float] = None
    frequency_cov_sigmas: float = 4.0
    duplicate_mac: Optional[float] = 0.95
    duplicate_gap: float = 0.10


def physical_poles(diagram: StabilizationDiagram, settings: SelectionSettings = SelectionSettings()) -> np.ndarray:
    """Boolean mask of poles that pass the hard criteria (band, damping, MPC, MPD) and are stable."""
    f, z = diagram.frequencies_hz, diagram.damping_ratios
    mpd_deg = diagram.mpd_deg if diagram.mpd_deg is not None else np.atleast_1d(mpd(diagram.shapes))
    return (
        diagram.stable
        & (f >= settings.fmin_hz) & (f <= settings.fmax_hz)
        & (z > settings.min_damping) & (z <= settings.max_damping)
        & (diagram.mpc >= settings.min_mpc)
        & (mpd_deg <= settings.max_mpd_deg)
    )


@dataclass(frozen=True)
class PoleClusters:
    """Result of clustering: ``poles`` indices into the diagram, ``labels`` their cluster (1…), ``distance`` the
    (n, n) pole distance matrix used."""

    poles: np.ndarray
    labels: np.ndarray
    distance: np.ndarray


def cluster_poles(diagram: StabilizationDiagram, candidate: np.ndarray, cluster_distance: float) -> PoleClusters:
    """Average-linkage hierarchical clustering of the candidate poles on ``|Δf|/max(f) + (1 − MAC)``."""
    idx = np.flatnonzero(candidate)
    fi = diagram.frequencies_hz[idx]
    dist = np.abs(fi[:, None] - fi[None, :]) / np.maximum(np.maximum(fi[:, None], fi[None, :]), 1e-12)
    dist += 1.0 - mac(diagram.shapes[:, idx], diagram.shapes[:, idx]) if idx.size else 0.0
    np.fill_diagonal(dist, 0.0)
    if idx.size < 2:
        return PoleClusters(idx, np.ones(idx.size, int), dist)
    cond = np.maximum(dist[np.triu_indices(idx.size, 1)], 0.0)
    labels = average_linkage_clusters(cond, cluster_distance)
    return PoleClusters(idx, labels, dist)


def _one_per_order(orders: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Indices (into the arrays) keeping, for each order, the member with the smallest ``cost``."""
    keep = np.lexsort((cost, orders))
    first = np.ones(keep.size, bool)
    first[1:] = orders[keep][1:] != orders[keep][:-1]
    return np.sort(keep[first])


def _inliers(values: np.ndarray, fence: float) -> np.ndarray:
    """Tukey's fences: values within ``fence`` interquartile ranges of the quartiles."""
    q1, q3 = np.percentile(values, [25, 75])
    iqr = q3 - q1
    return (values >= q1 - fence * iqr) & (values <= q3 + fence * iqr)


def select_modes(diagram: StabilizationDiagram, settings: SelectionSettings = SelectionSettings()) -> tuple[Mode, ...]:
    """Modes as clusters of stable, physical poles recurring over the order sweep, sorted by frequency.

    Each mode reports the median frequency and damping of its cluster (after outlier removal) with their standard
    deviations, and the shape, MPC and MPD of the cluster's medoid (the pole closest to all others).
    """
    candidate = physical_poles(diagram, settings)
    clusters = cluster_poles(diagram, candidate, settings.cluster_distance)
    if clusters.poles.size == 0:
        return ()
    f, z, orders = diagram.frequencies_hz, diagram.damping_ratios, diagram.orders
    min_orders = max(2, int(np.ceil(settings.min_orders_fraction * diagram.n_orders)))
    groups = []
    for lab in np.unique(clusters.labels):
        members = np.flatnonzero(clusters.labels == lab)  # positions in clusters.poles
        d = clusters.distance[np.ix_(members, members)]
        members = members[_one_per_order(orders[clusters.poles[members]], d.sum(axis=1))]
        poles = clusters.poles[members]
        if poles.size >= 4:
            ok = _inliers(f[poles], settings.outlier_fence)
            members, poles = members[ok], poles[ok]
        if np.unique(orders[poles]).size < min_orders:
            continue
        groups.append(members)
    if not groups:
        return ()
    sizes = np.array([g.size for g in groups])
    reference_size = np.median(np.sort(sizes)[::-1][: min(3, sizes.size)])
    modes = []
    for members in groups:
        if members.size < settings.min_relative_size * reference_size:
            continue
        poles = clusters.poles[members]
        f_med = float(np.median(f[poles]))
        f_std = float(np.std(f[poles], ddof=1)) if poles.size > 1 else 0.0
        if f_std > _frequency_cov_limit(settings, f_med, float(np.median(z[poles]))) * f_med:
            continue
        medoid = poles[np.argmin(clusters.distance[np.ix_(members, members)].sum(axis=1))]
        damped = poles[_inliers(z[poles], settings.outlier_fence)] if poles.size >= 4 else poles
        modes.append(_mode_from_poles(diagram, poles, medoid, damped))
    modes.sort(key=lambda m: m.frequency_hz)
    return _drop_duplicates(modes, settings)


def _drop_duplicates(modes: list[Mode], settings: SelectionSettings) -> tuple[Mode, ...]:
    """Modes without the shadows of better-supported modes (see ``SelectionSettings.duplicate_mac``)."""
    if settings.duplicate_mac is None or len(modes) < 2:
        return tuple(modes)
    f = np.array([m.frequency_hz for m in modes])
    n = np.array([m.n_poles for m in modes])
    alike = auto_mac(np.column_stack([m.shape for m in modes]))
    near = np.abs(f[:, None] / f[None, :] - 1) <= settings.duplicate_gap
    shadow = np.any(near & (alike >= settings.duplicate_mac) & (n[None, :] > n[:, None]), axis=1)
    return tuple(m for m, s in zip(modes, shadow) if not s)


def _frequency_cov_limit(settings: SelectionSettings, frequency_hz: float, damping_ratio: float) -> float:
    limit = settings.max_frequency_cov
    if settings.record_duration_s:
        random_error = np.sqrt(max(damping_ratio, 1e-4) / (np.pi * frequency_hz * settings.record_duration_s))
        limit = max(limit, settings.frequency_cov_sigmas * random_error)
    return float(limit)


def _mode_from_poles(diagram: StabilizationDiagram, poles: np.ndarray, medoid: int,
                     damped: Optional[np.ndarray] = None) -> Mode:
    """The mode of a cluster: median frequency of ``poles``, median damping of ``damped`` (default ``poles``)."""
    f = diagram.frequencies_hz[poles]
    z = diagram.damping_ratios[poles if damped is None else damped]
    shape = diagram.shapes[:, medoid]
    sf, sz = diagram.frequency_sigma_hz, diagram.damping_sigma
    mpd_deg: Optional[np.ndarray] = diagram.mpd_deg
    return Mode(
        frequency_hz=float(np.median(f)),
        damping_ratio=float(np.median(z)),
        shape=normalise_shape(shape),
        mpc=float(diagram.mpc[medoid]),
        mpd_deg=float(mpd_deg[medoid]) if mpd_deg is not None else float(mpd(shape)),
        frequency_scatter_hz=float(np.std(f, ddof=1)) if poles.size > 1 else 0.0,
        damping_scatter=float(np.std(z, ddof=1)) if z.size > 1 else 0.0,
        n_poles=int(poles.size),
        poles=np.sort(poles),
        # the median over the cluster of its poles' statistical standard deviations: the poles of successive orders
        # are estimates from the same data, so their median is about as uncertain as one of them
        frequency_sigma_hz=None if sf is None else float(np.median(sf[poles])),
        damping_sigma=None if sz is None else float(np.median(sz[poles if damped is None else damped])),
    )
