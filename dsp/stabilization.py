"""Stabilization diagram and automated mode selection by hierarchical clustering of stable poles.

The selection follows the automated-OMA literature (Magalhães, Cunha & Caetano 2009, MSSP 23(2); Reynders,
Houbrechts & De Roeck 2012, MSSP 29): spurious poles are dropped by hard criteria, the remaining stable poles are
clustered with a distance that combines relative frequency difference and (1 − MAC), and clusters that recur over
many model orders are the modes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster import hierarchy

from dsp.modal import Mode, mac, mpd


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
    """All poles of an order sweep. Arrays are (n_poles,); ``shapes`` is (n_channels, n_poles) complex."""

    orders: np.ndarray
    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    shapes: np.ndarray
    mpc: np.ndarray
    stable_frequency: np.ndarray = None
    stable_damping: np.ndarray = None
    stable_shape: np.ndarray = None

    @property
    def stable(self) -> np.ndarray:
        """Poles stable in frequency, damping and shape."""
        return self.stable_frequency & self.stable_damping & self.stable_shape

    @property
    def n_orders(self) -> int:
        return int(np.unique(self.orders).size)


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
    return replace(diagram, stable_frequency=sf, stable_damping=sz, stable_shape=sm)


@dataclass(frozen=True)
class SelectionSettings:
    """Automated mode selection.

    fmin_hz, fmax_hz : frequency band of interest, Hz
    max_damping : poles with damping ratio outside (0, max_damping] are spurious
    min_mpc : poles whose shape is less collinear than this are spurious (noise modes are strongly complex)
    cluster_distance : linkage cut on ``|Δf|/f + (1 − MAC)``
    min_orders_fraction : a cluster must contain poles from at least this fraction of the swept orders
    """

    fmin_hz: float = 0.0
    fmax_hz: float = np.inf
    max_damping: float = 0.20
    min_mpc: float = 0.5
    cluster_distance: float = 0.04
    min_orders_fraction: float = 0.3


def select_modes(diagram: StabilizationDiagram, settings: SelectionSettings = SelectionSettings()) -> tuple[Mode, ...]:
    """Modes as clusters of stable, physical poles recurring over the order sweep, sorted by frequency.

    Each mode reports the median frequency and damping of its cluster with their standard deviations, and the
    shape of the cluster's medoid (the pole closest to all others).
    """
    f, z = diagram.frequencies_hz, diagram.damping_ratios
    candidate = (
        diagram.stable
        & (f >= settings.fmin_hz) & (f <= settings.fmax_hz)
        & (z > 0) & (z <= settings.max_damping)
        & (diagram.mpc >= settings.min_mpc)
    )
    idx = np.flatnonzero(candidate)
    if idx.size == 0:
        return ()
    if idx.size == 1:
        labels = np.array([1])
    else:
        fi = f[idx]
        dist = np.abs(fi[:, None] - fi[None, :]) / np.maximum(fi[:, None], fi[None, :])
        dist += 1.0 - mac(diagram.shapes[:, idx], diagram.shapes[:, idx])
        np.fill_diagonal(dist, 0.0)
        cond = dist[np.triu_indices(idx.size, 1)]
        labels = hierarchy.fcluster(hierarchy.linkage(np.maximum(cond, 0.0), method="average"),
                                    t=settings.cluster_distance, criterion="distance")
        full_dist = dist
    min_orders = max(2, int(np.ceil(settings.min_orders_fraction * diagram.n_orders)))
    modes = []
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        if np.unique(diagram.orders[idx[members]]).size < min_orders:
            continue
        poles = idx[members]
        if members.size > 1:
            medoid = poles[np.argmin(full_dist[np.ix_(members, members)].sum(axis=1))]
        else:
            medoid = poles[0]
        shape = diagram.shapes[:, medoid]
        modes.append(Mode(
            frequency_hz=float(np.median(f[poles])),
            damping_ratio=float(np.median(z[poles])),
            shape=shape,
            mpc=float(diagram.mpc[medoid]),
            mpd_deg=float(mpd(shape)),
            frequency_std_hz=float(np.std(f[poles], ddof=1)) if poles.size > 1 else 0.0,
            damping_std=float(np.std(z[poles], ddof=1)) if poles.size > 1 else 0.0,
            n_poles=int(poles.size),
        ))
    modes.sort(key=lambda m: m.frequency_hz)
    return tuple(modes)
