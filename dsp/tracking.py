"""Mode tracking over a monitoring campaign: reference tracks from a baseline, one mode per track per recording.

Every identified mode is compared with every reference track by the distance ``|f − f_ref| / f_ref + (1 − MAC)``
(the same metric as the automated mode selection); modes are assigned to tracks by the Hungarian algorithm
(:func:`scipy.optimize.linear_sum_assignment`) so a track receives at most one mode per recording, and pairs
outside the gates (relative frequency distance or MAC) are never assigned. A track without a mode is NaN — missing,
never a guess.

Reference tracks are established from the baseline period by single-linkage clustering of all the baseline's
modes with the same distance; single linkage follows a mode along its temperature-driven drift (several per cent
over a year) as long as the baseline samples it densely, while modes of different shape stay apart through MAC.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from dsp.modal import mac

_FORBIDDEN = 1e6  # cost of a gated pair: never chosen unless nothing else is possible, then dropped


@dataclass(frozen=True)
class TrackingSettings:
    """Gates and weights of the mode-to-track assignment.

    max_frequency_distance : largest relative frequency distance ``|f − f_ref| / f_ref`` of an assignment
        (default 0.2: temperature and frost move bridge frequencies by up to ~15 %)
    min_mac : smallest MAC between a mode's shape and the track's reference shape (ignored without shapes)
    mac_weight : weight of ``(1 − MAC)`` in the cost, next to the relative frequency distance
    support_weight : weight of ``1 − support / max(support)`` in the cost, where a mode's support is the number of
        stable poles behind it; when a recording holds two candidates for one track (a real mode and a weak
        spurious one), the nearest to the reference is not always the right one — picking by distance alone is
        biased towards "no change" and hides a damaged mode's drop
    cluster_distance : single-linkage cut of the baseline clustering on ``|Δf|/f + mac_weight·(1 − MAC)``
    min_presence : a baseline cluster becomes a track when it holds a mode in at least this fraction of the
        baseline recordings
    """

    max_frequency_distance: float = 0.2
    min_mac: float = 0.7
    mac_weight: float = 1.0
    support_weight: float = 0.1
    cluster_distance: float = 0.03
    min_presence: float = 0.5

    def __post_init__(self) -> None:
        for name in ("max_frequency_distance", "cluster_distance"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number; got {v!r}")
        for name in ("min_mac", "min_presence"):
            v = getattr(self, name)
            if not (0.0 <= v <= 1.0):
                raise ValueError(f"{name} must be between 0 and 1; got {v!r}")
        for name in ("mac_weight", "support_weight"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a non-negative number; got {v!r}")


@dataclass(frozen=True)
class ModeSet:
    """The modes identified in one recording.

    frequencies_hz : (n_modes,) Hz
    shapes : (n_channels, n_modes) real or complex mode shapes, or None when only frequencies are known
    damping_ratios : (n_modes,) ratio of critical, or None
    support : (n_modes,) evidence behind each mode (e.g. its number of stable poles), or None
    """

    frequencies_hz: np.ndarray
    shapes: Optional[np.ndarray] = None
    damping_ratios: Optional[np.ndarray] = None
    support: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        f = np.atleast_1d(np.asarray(self.frequencies_hz, dtype=float))
        object.__setattr__(self, "frequencies_hz", f)
        if self.shapes is not None:
            s = np.asarray(self.shapes)
            s = s[:, None] if s.ndim == 1 else s
            if s.shape[1] != f.size:
                raise ValueError(f"shapes must be (n_channels, {f.size}); got {s.shape}")
            object.__setattr__(self, "shapes", s)
        if self.damping_ratios is not None:
            z = np.atleast_1d(np.asarray(self.damping_ratios, dtype=float))
            if z.shape != f.shape:
                raise ValueError(f"damping_ratios must be ({f.size},); got {z.shape}")
            object.__setattr__(self, "damping_ratios", z)
        if self.support is not None:
            w = np.atleast_1d(np.asarray(self.support, dtype=float))
            if w.shape != f.shape or np.any(w < 0):
                raise ValueError(f"support must be ({f.size},) non-negative values; got {w.shape}")
            object.__setattr__(self, "support", w)

    @property
    def n_modes(self) -> int:
        return int(self.frequencies_hz.size)


@dataclass(frozen=True)
class ReferenceTracks:
    """Reference of each track: median baseline frequency (Hz) and mean real baseline shape (largest entry +1).

    frequencies_hz : (n_tracks,) Hz, ascending
    shapes : (n_channels, n_tracks) real, or None
    presence : (n_tracks,) fraction of baseline recordings in which the track had a mode
    """

    frequencies_hz: np.ndarray
    shapes: Optional[np.ndarray]
    presence: np.ndarray

    @property
    def n_tracks(self) -> int:
        return int(self.frequencies_hz.size)


@dataclass(frozen=True)
class TrackedModes:
    """Tracked modes, all ``(n_recordings, n_tracks)``; NaN where a track found no mode.

    frequencies_hz : Hz;  damping_ratios : ratio;  mac : MAC with the reference shape (NaN without shapes)
    """

    frequencies_hz: np.ndarray
    damping_ratios: np.ndarray
    mac: np.ndarray


def _real_unit(shapes: np.ndarray) -> np.ndarray:
    """Real part of each column, scaled so its largest absolute entry is +1."""
    s = np.real(np.asarray(shapes)).astype(float)
    ref = s[np.argmax(np.abs(s), axis=0), np.arange(s.shape[1])]
    return s / np.where(ref == 0, 1.0, ref)


def _distance(f_a, f_b, shapes_a, shapes_b, mac_weight: float):
    """(n_a, n_b) relative frequency distances and MAC (ones without shapes)."""
    rel = np.abs(f_a[:, None] - f_b[None, :]) / np.maximum(np.abs(f_b[None, :]), 1e-12)
    if shapes_a is None or shapes_b is None:
        return rel, np.ones_like(rel)
    return rel, np.atleast_2d(mac(shapes_a, shapes_b))


def establish_tracks(baseline: Sequence[ModeSet], settings: TrackingSettings = TrackingSettings()) -> ReferenceTracks:
    """Reference tracks from the modes identified in the baseline recordings.

    All baseline modes are pooled and clustered (single linkage, cut at ``settings.cluster_distance``); a cluster
    that holds a mode in at least ``settings.min_presence`` of the recordings becomes a track. Raises ValueError
    when the baseline holds no recurring mode.
    """
    baseline = list(baseline)
    if not baseline:
        raise ValueError("baseline must hold at least one recording with identified modes")
    with_shapes = all(m.shapes is not None for m in baseline if m.n_modes)
    freqs = np.concatenate([m.frequencies_hz for m in baseline]) if baseline else np.zeros(0)
    owner = np.concatenate([np.full(m.n_modes, k) for k, m in enumerate(baseline)])
    if freqs.size == 0:
        raise ValueError("no modes were identified in the baseline recordings; check the identification settings")
    shapes = np.concatenate([m.shapes for m in baseline if m.n_modes], axis=1) if with_shapes else None
    if freqs.size == 1:
        labels = np.array([1])
    else:
        rel = np.abs(freqs[:, None] - freqs[None, :]) / np.maximum(freqs[:, None], freqs[None, :])
        dist = rel + (settings.mac_weight * (1.0 - mac(shapes, shapes)) if shapes is not None else 0.0)
        np.fill_diagonal(dist, 0.0)
        cond = np.maximum(dist[np.triu_indices(freqs.size, 1)], 0.0)
        from scipy.cluster import hierarchy  # scipy loads on use: settings import this module

        labels = hierarchy.fcluster(hierarchy.linkage(cond, method="single"), t=settings.cluster_distance,
                                    criterion="distance")
    clusters = [np.flatnonzero(labels == lab) for lab in np.unique(labels)]
    if shapes is not None:
        clusters = _merge_split_clusters(clusters, freqs, shapes, owner, settings)
    ref_f, ref_s, presence = [], [], []
    for members in clusters:
        share = np.unique(owner[members]).size / len(baseline)
        if share < settings.min_presence:
            continue
        ref_f.append(float(np.median(freqs[members])))
        presence.append(share)
        if shapes is not None:
            ref_s.append(_mean_shape(shapes[:, members]))
    if not ref_f:
        raise ValueError(f"no mode recurs in at least {settings.min_presence:.0%} of the baseline recordings")
    order = np.argsort(ref_f)
    shapes_out = _real_unit(np.column_stack(ref_s)[:, order]) if shapes is not None else None
    return ReferenceTracks(frequencies_hz=np.asarray(ref_f)[order], shapes=shapes_out,
                           presence=np.asarray(presence)[order])


def _mean_shape(shapes: np.ndarray) -> np.ndarray:
    """Mean of real unit shapes after aligning their signs with the first (a shape's sign is arbitrary)."""
    s = _real_unit(shapes)
    signs = np.sign(s.T @ s[:, 0])
    return np.mean(s * np.where(signs == 0, 1.0, signs), axis=1)


def _merge_split_clusters(clusters, freqs, shapes, owner, settings: TrackingSettings, *, same_shape_mac: float = 0.9,
                          max_overlap: float = 0.1):
    """Merge clusters that are one mode split by a gap in the baseline's temperatures (a few frosty records far from
    the others): the same shape (MAC ≥ ``same_shape_mac``), medians within the tracking gate, and (almost) never
    both present in one recording — a mode appears once per recording. Closest pairs merge first."""
    clusters = list(clusters)
    while len(clusters) > 1:
        med = np.array([np.median(freqs[c]) for c in clusters])
        mean_shapes = np.column_stack([_mean_shape(shapes[:, c]) for c in clusters])
        macs = np.atleast_2d(mac(mean_shapes, mean_shapes))
        best, best_cost = None, np.inf
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                rel = abs(med[a] - med[b]) / min(med[a], med[b])
                if rel > settings.max_frequency_distance or macs[a, b] < same_shape_mac:
                    continue
                oa, ob = set(owner[clusters[a]].tolist()), set(owner[clusters[b]].tolist())
                if len(oa & ob) > max_overlap * min(len(oa), len(ob)):
                    continue
                cost = rel + (1.0 - macs[a, b])
                if cost < best_cost:
                    best, best_cost = (a, b), cost
        if best is None:
            break
        a, b = best
        clusters[a] = np.concatenate([clusters[a], clusters[b]])
        del clusters[b]
    return clusters


def assign_modes(modes: ModeSet, reference: ReferenceTracks,
                 settings: TrackingSettings = TrackingSettings()) -> np.ndarray:
    """Index of the mode assigned to each track, ``(n_tracks,)`` int, −1 where no mode passes the gates."""
    out = np.full(reference.n_tracks, -1, dtype=int)
    if modes.n_modes == 0:
        return out
    use_shapes = modes.shapes is not None and reference.shapes is not None
    if use_shapes and modes.shapes.shape[0] != reference.shapes.shape[0]:
        raise ValueError(f"mode shapes have {modes.shapes.shape[0]} channels but the reference tracks "
                         f"{reference.shapes.shape[0]}")
    rel, macs = _distance(modes.frequencies_hz, reference.frequencies_hz,
                          modes.shapes if use_shapes else None, reference.shapes if use_shapes else None,
                          settings.mac_weight)
    allowed = rel <= settings.max_frequency_distance
    if use_shapes:
        allowed &= macs >= settings.min_mac
    cost = rel + settings.mac_weight * (1.0 - macs)
    if modes.support is not None and modes.support.max() > 0:
        cost = cost + settings.support_weight * (1.0 - modes.support / modes.support.max())[:, None]
    cost = np.where(allowed, cost, _FORBIDDEN)
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost)
    ok = allowed[rows, cols]
    out[cols[ok]] = rows[ok]
    return out


def track_modes(recordings: Sequence[ModeSet], reference: ReferenceTracks,
                settings: TrackingSettings = TrackingSettings()) -> TrackedModes:
    """Assign the modes of every recording to the reference tracks (see :func:`assign_modes`)."""
    n, p = len(recordings), reference.n_tracks
    f = np.full((n, p), np.nan)
    z = np.full((n, p), np.nan)
    m = np.full((n, p), np.nan)
    for i, modes in enumerate(recordings):
        idx = assign_modes(modes, reference, settings)
        hit = idx >= 0
        f[i, hit] = modes.frequencies_hz[idx[hit]]
        if modes.damping_ratios is not None:
            z[i, hit] = modes.damping_ratios[idx[hit]]
        if modes.shapes is not None and reference.shapes is not None and hit.any():
            m[i, hit] = np.diag(np.atleast_2d(mac(modes.shapes[:, idx[hit]], reference.shapes[:, hit])))
    return TrackedModes(frequencies_hz=f, damping_ratios=z, mac=m)
