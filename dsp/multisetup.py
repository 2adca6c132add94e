"""Multi-setup (roving sensor) modal identification: global mode shapes from setups that share reference sensors.

A few reference sensors stay in place while the others rove over the structure, one setup at a time; each setup
is an independent ambient record, with its own length and excitation level. Two ways to merge them:

* **PoSER** (post separate estimation re-scaling, :func:`merge_poser`): identify each setup on its own, match the
  modes across setups by frequency and by the MAC of their reference part, rescale each setup's shape onto a
  common reference vector by complex least squares and assemble one shape over all points.
* **PreGER** (pre global estimation re-scaling, :func:`merge_preger`): one stabilization diagram of all setups
  together, from each setup's output correlations (its reference channels as the SSI references), brought to a
  common basis either through the observability matrices (a change of state basis per setup, fitted on the
  reference rows: exact whatever changes in the excitation between setups) or by scaling the correlations to a
  common level and stacking them (exact only if the excitation changes in level, not in spectrum).

Peeters & De Roeck (1999), MSSP 13(6); Döhler, Lam & Mevel (2013), MSSP 36(2). The IMAC 2001 Heritage Court Tower
benchmark is the classic four-setup case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from dsp import _validate, parallel
from dsp.batch_means import sigma_of_mean
from dsp.modal import Mode, mac, mpc, mpd
from dsp.progress import CancelToken, ProgressFn, report
from dsp.ssi import BlockToeplitzOperator, leading_svd, max_model_order, output_correlations, poles_from_observability
from dsp.stabilization import SelectionSettings, StabilizationCriteria, StabilizationDiagram, select_modes

METHODS = ("poser", "preger")
PREGER_RESCALINGS = ("observability", "correlations")


@dataclass(frozen=True)
class RovingLayout:
    """Which global measurement point every channel of every setup measured.

    point_names : (n_points,) names of the global points (sensor positions and directions)
    channel_points : per setup, the index into ``point_names`` of each of its channels, in channel order
    reference_points : indices of the reference points, measured in every setup
    """

    point_names: tuple[str, ...]
    channel_points: tuple[tuple[int, ...], ...]
    reference_points: tuple[int, ...]

    def __post_init__(self) -> None:
        names = tuple(str(n) for n in self.point_names)
        setups = tuple(tuple(int(p) for p in ch) for ch in self.channel_points)
        refs = tuple(int(p) for p in self.reference_points)
        if len(set(names)) != len(names):
            raise ValueError(f"point_names must be distinct; got {list(names)}")
        if not setups:
            raise ValueError("channel_points must list at least one setup; got none")
        for s, ch in enumerate(setups):
            if not ch or min(ch) < 0 or max(ch) >= len(names):
                raise ValueError(f"channel_points[{s}] must be point indices 0…{len(names) - 1}; got {list(ch)}")
            if len(set(ch)) != len(ch):
                twice = sorted({names[p] for p in ch if ch.count(p) > 1})
                raise ValueError(f"channel_points[{s}] measures point(s) {twice} twice; each channel of a setup "
                                 f"must measure a distinct point")
        unmeasured = sorted(set(range(len(names))) - {p for ch in setups for p in ch})
        if unmeasured:
            raise ValueError(f"point_names: points {[names[p] for p in unmeasured]} are measured in no setup")
        if not refs or len(set(refs)) != len(refs):
            raise ValueError(f"reference_points must be at least 1 distinct point measured in every setup; got "
                             f"{list(refs)}")
        for p in refs:
            missing = [s for s, ch in enumerate(setups) if p not in ch]
            if missing:
                label = names[p] if 0 <= p < len(names) else p
                raise ValueError(f"reference_points: point {label!r} is not measured in setup(s) {missing}; a "
                                 f"reference must be measured in every setup")
        object.__setattr__(self, "point_names", names)
        object.__setattr__(self, "channel_points", setups)
        object.__setattr__(self, "reference_points", refs)

    @classmethod
    def from_setups(cls, channel_points: Sequence[Sequence[int]], reference_channels: Sequence[Sequence[int]],
                    point_names: Optional[Sequence[str]] = None) -> "RovingLayout":
        """Layout from the point index of each channel and, per setup, the channel indices of the references.

        The references must measure the same points in every setup (in any channel order).
        """
        points = [[int(p) for p in ch] for ch in channel_points]
        if len(reference_channels) != len(points):
            raise ValueError(f"reference_channels must list the references of each of the {len(points)} setups; "
                             f"got {len(reference_channels)} lists")
        sets = []
        for s, (ch, refs) in enumerate(zip(points, reference_channels)):
            refs = [int(c) for c in refs]
            if not refs or min(refs) < 0 or max(refs) >= len(ch) or len(set(refs)) != len(refs):
                raise ValueError(f"reference_channels[{s}] must be at least 1 distinct channel index "
                                 f"0…{len(ch) - 1}; got {refs}")
            sets.append([ch[c] for c in refs])
        for s, ref in enumerate(sets[1:], start=1):
            if set(ref) != set(sets[0]):
                raise ValueError(f"reference_channels[{s}] measure points {sorted(ref)} but setup 0's measure "
                                 f"{sorted(sets[0])}; a reference must be measured in every setup")
        n = 1 + max((max(ch) for ch in points if ch), default=-1)
        names = tuple(point_names) if point_names is not None else tuple(str(p) for p in range(n))
        return cls(names, tuple(tuple(ch) for ch in points), tuple(sets[0]))

    @classmethod
    def from_channel_names(cls, channel_names: Sequence[Sequence[str]],
                           references: Optional[Sequence[str]] = None) -> "RovingLayout":
        """Layout from the channel names of each setup: equal names are the same point.

        ``references`` defaults to the names present in every setup (in the first setup's order).
        """
        setups = [[str(c) for c in names] for names in channel_names]
        names = list(dict.fromkeys(c for ch in setups for c in ch))
        index = {c: k for k, c in enumerate(names)}
        if references is None:
            refs = [c for c in (setups[0] if setups else []) if all(c in ch for ch in setups)]
        else:
            refs = [str(c) for c in references]
            unknown = [c for c in refs if c not in index]
            if unknown:
                raise ValueError(f"references {unknown} are not channel names of any setup; allowed: {names}")
        return cls(tuple(names), tuple(tuple(index[c] for c in ch) for ch in setups), tuple(index[c] for c in refs))

    @property
    def n_setups(self) -> int:
        return len(self.channel_points)

    @property
    def n_points(self) -> int:
        return len(self.point_names)

    @property
    def n_references(self) -> int:
        return len(self.reference_points)

    def reference_channels(self, setup: int) -> np.ndarray:
        """Channel indices of the references in ``setup``, in the order of ``reference_points``."""
        ch = self.channel_points[setup]
        return np.array([ch.index(p) for p in self.reference_points], dtype=int)


@dataclass(frozen=True)
class MergedMode:
    """A mode over all the points of a multi-setup test.

    frequency_hz : natural frequency, Hz (PoSER: mean over the setups it came from; PreGER: median over orders)
    damping_ratio : ratio of critical damping (same averaging)
    frequency_spread_hz, damping_spread : standard deviation of the above (PoSER: over setups, 0 for one
        setup; PreGER: over the model orders of its stabilization cluster)
    shape : (n_points,) complex, largest component 1 + 0j; NaN at points measured only by setups lacking the mode
    setups : setups the mode was identified in (PoSER) or estimated from (PreGER: all)
    mpc : modal phase collinearity of the measured part of ``shape``, 0..1
    mpd_deg : mean phase deviation of the measured part of ``shape``, degrees
    reference_mac : PoSER: per setup in ``setups``, MAC of its reference part to the merged one, 0..1 (a low value
        flags a setup whose mode does not match the others); PreGER: empty
    poles : PreGER: indices of the mode's poles in the stabilization diagram; PoSER: None
    """

    frequency_hz: float
    damping_ratio: float
    frequency_spread_hz: float
    damping_spread: float
    shape: np.ndarray
    setups: tuple[int, ...]
    mpc: float
    mpd_deg: float
    reference_mac: tuple[float, ...] = ()
    poles: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """True when the shape is known at every point."""
        return bool(np.all(np.isfinite(self.shape)))

    def as_mode(self) -> Mode:
        """The mode as a :class:`dsp.modal.Mode` (for tables, reports and tracking); NaN stays NaN."""
        return Mode(self.frequency_hz, self.damping_ratio, self.shape, self.mpc, self.mpd_deg,
                    frequency_scatter_hz=self.frequency_spread_hz, damping_scatter=self.damping_spread,
                    n_poles=len(self.setups) if self.poles is None else len(self.poles), poles=self.poles)


@dataclass(frozen=True)
class MultiSetupResult:
    """Global modes of a multi-setup test, sorted by frequency.

    method : 'poser' or 'preger'
    point_names : (n_points,) names of the rows of every ``shape``
    setup_frequencies_hz : PoSER: (n_modes, n_setups) each setup's frequency estimate of each mode, Hz, NaN where
        the setup lacks the mode; PreGER: None (one estimate from all setups)
    stabilization_diagram : PreGER: the diagram of the global SSI-COV run; PoSER: None
    correlation_scales : PreGER with ``rescaling='correlations'``: (n_setups,) factor applied to each setup's
        correlations; otherwise None
    rescaling : PreGER: how the setups were brought together ('observability' or 'correlations'); PoSER: None
    """

    method: str
    modes: tuple[MergedMode, ...]
    point_names: tuple[str, ...]
    setup_frequencies_hz: Optional[np.ndarray] = None
    stabilization_diagram: Optional[StabilizationDiagram] = None
    correlation_scales: Optional[np.ndarray] = None
    rescaling: Optional[str] = None

    @property
    def shapes(self) -> np.ndarray:
        """(n_points, n_modes) complex mode shapes."""
        return np.column_stack([m.shape for m in self.modes]) if self.modes else np.zeros((len(self.point_names), 0))


# ---------------------------------------------------------------------------------------------------- PoSER


@dataclass(frozen=True)
class PoserSettings:
    """Matching of modes across setups.

    max_frequency_gap : two setups' modes are the same mode only if their frequencies differ by at most this,
        relative (0.02 = 2 %)
    min_reference_mac : ... and the MAC of their reference parts is at least this, 0..1 (meaningless, always 1,
        with a single reference)
    min_setups : a mode is reported only when found in at least this many setups
    """

    max_frequency_gap: float = 0.02
    min_reference_mac: float = 0.8
    min_setups: int = 1

    def __post_init__(self) -> None:
        _validate.in_range(self.max_frequency_gap, "max_frequency_gap", 0.0, 1.0)
        _validate.in_range(self.min_reference_mac, "min_reference_mac", 0.0, 1.0)
        if int(self.min_setups) < 1:
            raise ValueError(f"min_setups must be an integer ≥ 1; got {self.min_setups!r}")


def common_reference(reference_shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Common reference vector and each setup's complex scale factor, by least squares over all setups.

    ``reference_shapes`` (n_references, n_setups) complex: a mode's reference part in each setup. Returns ``ψ``
    (n_references,) of unit norm and ``α`` (n_setups,) minimising ``Σ_s ‖α_s φ_s − ψ‖²``: ``ψ`` is the leading
    eigenvector of ``Σ_s φ_s φ_sᴴ / ‖φ_s‖²`` and ``α_s = φ_sᴴ ψ / ‖φ_s‖²`` (for two setups, the classical
    ``φ_1ᴴ φ_s / φ_sᴴ φ_s`` up to a common factor). Invariant to any complex scale of each column and symmetric in
    the setups. A setup whose reference part vanishes gets ``α = NaN`` (it cannot be rescaled).
    """
    phi = np.asarray(reference_shapes, dtype=complex)
    norm2 = np.sum(np.abs(phi) ** 2, axis=0)
    ok = norm2 > 0
    unit = phi[:, ok] / np.sqrt(norm2[ok])
    if not ok.any():
        return np.full(phi.shape[0], np.nan, complex), np.full(phi.shape[1], np.nan, complex)
    _, vectors = np.linalg.eigh(unit @ unit.conj().T)
    psi = vectors[:, -1]
    alpha = np.full(phi.shape[1], np.nan, complex)
    alpha[ok] = (phi[:, ok].conj().T @ psi) / norm2[ok]
    return psi, alpha


def merge_poser(setup_modes: Sequence[Sequence[Mode]], layout: RovingLayout,
                settings: PoserSettings = PoserSettings()) -> MultiSetupResult:
    """Merge separately identified setups into global modes (PoSER).

    Parameters
    ----------
    setup_modes : per setup, its identified modes; each ``shape`` is (n_channels of that setup,) complex, any
        scale, in the channel order of ``layout.channel_points[setup]``.
    layout : the points of every channel and the references.
    settings : matching tolerances.

    Returns
    -------
    MultiSetupResult with ``setup_frequencies_hz`` (n_modes, n_setups), Hz. Modes are matched setup by setup
    (an optimal one-to-one assignment on ``|Δf|/f`` and ``1 − MAC`` of the reference parts, both gated); a mode
    missing in some setups is reported with the setups it came from and NaN at points only the others measured.
    """
    if len(setup_modes) != layout.n_setups:
        raise ValueError(f"setup_modes must hold the modes of each of the layout's {layout.n_setups} setups; got "
                         f"{len(setup_modes)}")
    freq, damp, shapes = [], [], []
    for s, modes in enumerate(setup_modes):
        n_ch = len(layout.channel_points[s])
        phi = np.column_stack([np.asarray(m.shape, complex) for m in modes]) if len(modes) else np.zeros((n_ch, 0))
        if phi.shape[0] != n_ch or not np.all(np.isfinite(phi)):
            raise ValueError(f"setup_modes[{s}]: shapes must be finite and have the setup's {n_ch} channels; got "
                             f"{phi.shape[0]}")
        freq.append(np.array([_validate.positive(m.frequency_hz, f"setup_modes[{s}] frequency_hz") for m in modes]))
        damp.append(np.array([float(m.damping_ratio) for m in modes]))
        shapes.append(phi)
    groups = _match(freq, shapes, layout, settings)
    merged, setup_f = [], []
    for members in groups:
        if len(members) < settings.min_setups:
            continue
        merged.append(_merge_group(members, freq, damp, shapes, layout))
        row = np.full(layout.n_setups, np.nan)
        for s in merged[-1].setups:
            row[s] = freq[s][members[s]]
        setup_f.append(row)
    order = np.argsort([m.frequency_hz for m in merged], kind="stable")
    return MultiSetupResult("poser", tuple(merged[k] for k in order), layout.point_names,
                            setup_frequencies_hz=np.array(setup_f).reshape(-1, layout.n_setups)[order])


def _match(freq, shapes, layout: RovingLayout, settings: PoserSettings) -> list[dict[int, int]]:
    """Groups of ``{setup: mode index}``: each setup's modes assigned one-to-one to the groups so far."""
    from scipy.optimize import linear_sum_assignment  # here: scipy costs ~0.5 s to import, the CLI starts without it

    groups: list[dict[int, int]] = []
    for s in range(layout.n_setups):
        ref_s = shapes[s][layout.reference_channels(s)]
        assigned = np.zeros(freq[s].size, bool)
        if groups and freq[s].size:
            f_g = np.array([np.mean([freq[t][k] for t, k in g.items()]) for g in groups])
            psi = np.column_stack([common_reference(_ref_parts(g, shapes, layout))[0] for g in groups])
            gap = np.abs(freq[s][None, :] - f_g[:, None]) / f_g[:, None]
            alike = mac(np.nan_to_num(psi), ref_s)  # a group whose references vanish matches nothing
            ok = (gap <= settings.max_frequency_gap) & (alike >= settings.min_reference_mac)
            cost = np.where(ok, gap / max(settings.max_frequency_gap, 1e-12) + (1 - alike), 1e6)
            rows, cols = linear_sum_assignment(cost)
            for g, k in zip(rows, cols):
                if ok[g, k]:
                    groups[g][s] = int(k)
                    assigned[k] = True
        groups.extend({s: int(k)} for k in np.flatnonzero(~assigned))
    return groups


def _ref_parts(members: dict[int, int], shapes, layout: RovingLayout) -> np.ndarray:
    return np.column_stack([shapes[s][layout.reference_channels(s), k] for s, k in sorted(members.items())])


def _merge_group(members: dict[int, int], freq, damp, shapes, layout: RovingLayout) -> MergedMode:
    ref_parts = _ref_parts(members, shapes, layout)
    psi, alpha = common_reference(ref_parts)
    scalable = np.isfinite(alpha)  # a setup whose reference part vanishes cannot be rescaled: left out, and said so
    if not scalable.any():  # a mode only such setups saw: reported at its own scale, from the first of them
        scalable[0], alpha[0] = True, 1.0
    setups = tuple(np.array(sorted(members))[scalable].tolist())
    ref_parts, alpha = ref_parts[:, scalable], alpha[scalable]
    total = np.zeros(layout.n_points, complex)
    count = np.zeros(layout.n_points)
    for s, a in zip(setups, alpha):  # each setup adds its rescaled shape; references and repeated points average
        points = list(layout.channel_points[s])
        total[points] += a * shapes[s][:, members[s]]
        count[points] += 1
    shape = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    f = np.array([freq[s][members[s]] for s in setups])
    z = np.array([damp[s][members[s]] for s in setups])
    ddof = 1 if f.size > 1 else 0
    ref_mac = tuple(float(mac(psi, ref_parts[:, j])) for j in range(len(setups)))
    return _merged_mode(float(f.mean()), float(z.mean()), float(f.std(ddof=ddof)), float(z.std(ddof=ddof)),
                        shape, setups, ref_mac)


def _merged_mode(f, z, f_spread, z_spread, shape, setups, ref_mac=(), poles=None) -> MergedMode:
    shape = normalise_measured(shape)
    measured = shape[np.isfinite(shape)]
    return MergedMode(f, z, f_spread, z_spread, shape, tuple(setups),
                      float(mpc(measured)) if measured.size else np.nan,
                      float(mpd(measured)) if measured.size else np.nan, tuple(ref_mac), poles)


def normalise_measured(shape) -> np.ndarray:
    """``shape`` (n_points,) scaled so its largest finite component is 1 + 0j; NaN entries stay NaN."""
    phi = np.asarray(shape, dtype=complex)
    mod = np.where(np.isfinite(phi), np.abs(phi), -1.0)
    if not phi.size or mod.max() <= 0:
        return phi.copy()
    k = int(np.argmax(mod))
    out = phi / phi[k]
    out[k] = 1.0  # exactly, not to rounding
    return out


# ---------------------------------------------------------------------------------------------------- PreGER


def setup_correlations(records: Sequence[np.ndarray], layout: RovingLayout, max_lag: int) -> list[np.ndarray]:
    """Per setup, ``R_s[k] = E[y(t+k) y_ref(t)ᵀ]``: (max_lag + 1, n_channels_s, n_references), references in
    ``layout.reference_points`` order, means removed."""
    return [output_correlations(y, max_lag, layout.reference_channels(s), mean=y.mean(axis=0))
            for s, y in enumerate(records)]


def _average_rows(parts: Sequence[np.ndarray], layout: RovingLayout, weights: np.ndarray) -> np.ndarray:
    """Per-setup arrays (n, n_channels_s, m) averaged onto the points, (n, n_points, m), with ``weights``."""
    total = np.zeros((parts[0].shape[0], layout.n_points, parts[0].shape[2]))
    weight = np.zeros(layout.n_points)
    for s, part in enumerate(parts):
        points = list(layout.channel_points[s])
        total[:, points] += weights[s] * part
        weight[points] += weights[s]
    return total / weight[None, :, None]


def global_correlations(correlations: Sequence[np.ndarray], layout: RovingLayout, weights=None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Correlations of all points against the references, merged over setups by scalar rescaling.

    Each setup's correlations (:func:`setup_correlations`) are scaled by ``c_s``, the least-squares factor bringing
    its reference block (lags ≥ 1: lag 0 holds the sensor noise) onto the common one, the weighted mean of the
    blocks normalised to unit energy, at their mean energy. Reference rows and points measured in several setups
    are then averaged with ``weights`` (n_setups,) (default equal; the record lengths in :func:`merge_preger`).

    Returns
    -------
    correlations : (n_lags, n_points, n_references), (unit of records)²
    scales : (n_setups,) the factors ``c_s``, dimensionless
    """
    w = np.ones(len(correlations)) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    blocks = np.array([r[1:, layout.reference_channels(s)].ravel() for s, r in enumerate(correlations)])
    energy = np.linalg.norm(blocks, axis=1)
    if np.any(energy <= 0):
        raise ValueError(f"records: setup(s) {np.flatnonzero(energy <= 0).tolist()} have zero reference "
                         f"correlations (dead reference channels); PreGER cannot scale them")
    target = (w @ (blocks / energy[:, None])) * energy.mean()
    scales = (blocks @ target) / energy ** 2
    return _average_rows([c * r for c, r in zip(scales, correlations)], layout, w), scales


def global_observability(correlations: Sequence[np.ndarray], layout: RovingLayout, block_rows: int,
                         max_order: int, weights=None) -> np.ndarray:
    """Observability matrix of all points, merged over setups by a change of state basis (modular SSI).

    Each setup's ``O_s = U √S`` (leading ``max_order`` singular triplets of its block Toeplitz matrix) is brought
    into a common state basis by ``T_s = O_ref,s⁺ O_ref`` (least squares on the reference rows), then rows are
    averaged onto the points with ``weights`` (n_setups,) (default equal). ``O_ref`` is the observability matrix of
    the reference correlations averaged over setups after :func:`global_correlations`' scaling, so the leading
    states, which the lower model orders keep, are those of the average excitation, not of one setup's. A change
    of excitation between setups, in level or spectrum, only changes the state basis, which ``T_s`` absorbs
    (Döhler, Lam & Mevel 2013, MSSP 36(2)). Returns (block_rows · n_points, max_order), block rows of points.
    """
    i = int(block_rows)
    w = np.ones(len(correlations)) if weights is None else np.asarray(weights, dtype=float)
    merged, _ = global_correlations(correlations, layout, w)
    u, sv = leading_svd(BlockToeplitzOperator(merged[: 2 * i, list(layout.reference_points)], i), max_order)
    basis = u * np.sqrt(sv)
    parts = []
    for s, r in enumerate(correlations):
        u, sv = leading_svd(BlockToeplitzOperator(r[: 2 * i], i), max_order)
        o = (u * np.sqrt(sv)).reshape(i, r.shape[1], max_order)
        ref = o[:, layout.reference_channels(s)].reshape(-1, max_order)
        parts.append(o @ np.linalg.lstsq(ref, basis, rcond=None)[0])
    return _average_rows(parts, layout, w / w.sum()).reshape(i * layout.n_points, max_order)


def ssi_cov_from_correlations(correlations: np.ndarray, fs_hz: float, *, block_rows: int, orders: Sequence[int],
                              criteria: StabilizationCriteria = StabilizationCriteria(),
                              progress: Optional[ProgressFn] = None,
                              cancel: Optional[CancelToken] = None) -> StabilizationDiagram:
    """SSI-COV on given output correlations (≥ 2·block_rows lags from 0, n_outputs, n_references).

    The steps of :func:`dsp.ssi.ssi_cov` after its correlations: leading SVD of the block Toeplitz matrix of lags
    1 … 2i−1, observability matrix, poles of every order, stability flags.
    """
    corr = np.asarray(correlations, dtype=float)
    fs = _validate.positive(fs_hz, "fs_hz")
    i = int(block_rows)
    if corr.ndim != 3 or corr.shape[0] < 2 * i or not np.all(np.isfinite(corr)):
        raise ValueError(f"correlations must be finite, shaped (≥ 2·block_rows = {2 * i} lags, n_outputs, "
                         f"n_references); got {corr.shape}")
    orders = _orders(orders, i, corr.shape[2], corr.shape[1])
    report(progress, cancel, 0.0, "SVD of the block Toeplitz matrix")
    u, s = leading_svd(BlockToeplitzOperator(corr[: 2 * i], i), orders[-1])

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.2 + 0.8 * fraction, message)

    return poles_from_observability(u * np.sqrt(s), corr.shape[1], fs, orders, criteria, sub, cancel)


def _orders(orders, block_rows: int, n_references: int, n_points: int) -> tuple[int, ...]:
    if block_rows < 2:
        raise ValueError(f"block_rows must be at least 2; got {block_rows}")
    out = tuple(sorted({int(o) for o in orders}))
    top = max_model_order(block_rows, n_references, n_points)
    if not out or out[0] < 1 or out[-1] > top:
        raise ValueError(f"orders must lie between 1 and min(block_rows × n_references, (block_rows − 1) × n_points)"
                         f" = {top}; got {out[0] if out else None}…{out[-1] if out else None} (add references or "
                         f"block rows)")
    return out


def merge_preger(records: Sequence[np.ndarray], fs_hz: float, layout: RovingLayout, *, block_rows: int,
                 orders: Sequence[int], rescaling: str = "observability",
                 criteria: StabilizationCriteria = StabilizationCriteria(),
                 selection: Optional[SelectionSettings] = None, progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None) -> MultiSetupResult:
    """Global modes from one stabilization diagram of all setups together (PreGER).

    Parameters
    ----------
    records : per setup, (n_samples_s, n_channels_s) signals in one unit (any level: setups are rescaled),
        channels in the order of ``layout.channel_points[s]``.
    fs_hz : sampling rate of every record, Hz.
    layout : the points of every channel and the references (the SSI reference channels).
    block_rows : block rows ``i``; every record needs ≥ 20·i samples.
    orders : model orders, at most ``min(i · n_references, (i − 1) · n_points)``.
    rescaling : 'observability' (default): each setup's observability matrix is brought into a common state basis
        (:func:`global_observability`), exact whatever changes in the excitation between setups; 'correlations':
        each setup's correlations are scaled by one factor and one SSI-COV runs on the stacked correlations
        (:func:`global_correlations`), exact only when the excitation changes in level, not in spectrum.
    criteria : stabilization criteria.
    selection : automated mode selection (default: no band limit, the shortest record's duration).

    Returns
    -------
    MultiSetupResult with ``stabilization_diagram`` (and ``correlation_scales`` for 'correlations'); every mode
    is estimated from all setups.
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.choice(rescaling, "rescaling", PREGER_RESCALINGS)
    if len(records) != layout.n_setups:
        raise ValueError(f"records must hold one record per setup of the layout ({layout.n_setups}); got "
                         f"{len(records)}")
    i = int(block_rows)
    orders = _orders(orders, i, layout.n_references, layout.n_points)
    ys = []
    for s, x in enumerate(records):
        y = _validate.signals(x, f"records[{s}]", min_samples=max(20 * i, 4))
        if y.shape[1] != len(layout.channel_points[s]):
            raise ValueError(f"records[{s}] has {y.shape[1]} channels; layout.channel_points[{s}] lists "
                             f"{len(layout.channel_points[s])}")
        ys.append(y)
    report(progress, cancel, 0.0, "output correlations of every setup")
    lengths = np.array([y.shape[0] for y in ys], dtype=float)

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.3 + 0.65 * fraction, message)

    diagram, scales = _preger_diagram(ys, fs, layout, i, orders, rescaling, criteria, sub, cancel)
    if selection is None:
        selection = SelectionSettings(record_duration_s=lengths.min() / fs)
    modes = tuple(_merged_mode(m.frequency_hz, m.damping_ratio, m.frequency_scatter_hz, m.damping_scatter, m.shape,
                               range(layout.n_setups), poles=m.poles) for m in select_modes(diagram, selection))
    report(progress, cancel, 1.0, "done")
    return MultiSetupResult("preger", modes, layout.point_names, stabilization_diagram=diagram,
                            correlation_scales=scales, rescaling=rescaling)


def _preger_diagram(ys, fs: float, layout: RovingLayout, i: int, orders, rescaling: str, criteria, progress=None,
                    cancel=None) -> tuple[StabilizationDiagram, Optional[np.ndarray]]:
    """The global stabilization diagram of the setups' records ``ys`` and, for 'correlations', the setups' scales."""
    corr = setup_correlations(ys, layout, 2 * i - 1)
    lengths = np.array([y.shape[0] for y in ys], dtype=float)
    if rescaling == "correlations":
        merged, scales = global_correlations(corr, layout, lengths)
        return ssi_cov_from_correlations(merged, fs, block_rows=i, orders=orders, criteria=criteria,
                                         progress=progress, cancel=cancel), scales
    report(progress, cancel, 0.0, "observability matrix of every setup")
    obs = global_observability(corr, layout, i, orders[-1], lengths)
    return poles_from_observability(obs, layout.n_points, fs, orders, criteria, progress, cancel), None


#: a part's poles re-estimate a mode when their frequency lies within this fraction of it and their shape has at
#: least PART_MIN_MAC with it
PART_FREQUENCY_WINDOW = 0.02
PART_MIN_MAC = 0.8


def preger_sigmas(records: Sequence[np.ndarray], fs_hz: float, layout: RovingLayout, modes: Sequence[MergedMode],
                  *, block_rows: int, orders: Sequence[int], rescaling: str = "observability", n_blocks: int = 8,
                  criteria: StabilizationCriteria = StabilizationCriteria(), progress: Optional[ProgressFn] = None,
                  cancel: Optional[CancelToken] = None) -> tuple[tuple[Optional[float], Optional[float]], ...]:
    """Standard deviations of frequency (Hz) and damping ratio of PreGER modes, by batch means.

    Every setup's record is cut into ``n_blocks`` consecutive parts; part ``b`` of every setup makes one
    shorter roving test, merged exactly as the whole (:func:`merge_preger`, same block rows, orders and rescaling).
    Each mode of the whole test is re-estimated on each part as the median frequency and damping of the part's
    stable poles within :data:`PART_FREQUENCY_WINDOW` of its frequency whose shape has a MAC of at least
    :data:`PART_MIN_MAC` with its shape (the whole test's estimate is the median of its own cluster of stable
    poles). The whole-record correlations are the length-weighted mean of the parts', so to first order the
    whole estimate is the mean of the part estimates and its standard deviation ``s / √n`` with ``s`` the sample
    standard deviation (``ddof=1``) of the ``n`` part estimates (batch means, as :mod:`dsp.fd_uncertainty` for
    the frequency-domain methods; the propagation of :mod:`dsp.ssi_uncertainty` does not follow the per-setup
    changes of state basis of the observability rescaling). Bias is not included.

    Returns per mode ``(σ_f, σ_ζ)``, None where fewer than 4 parts re-estimated the mode. ValueError when a part
    of the shortest setup would hold fewer than 20 × block rows samples, or ``n_blocks`` is below 8.
    """
    fs = _validate.positive(fs_hz, "fs_hz")
    _validate.choice(rescaling, "rescaling", PREGER_RESCALINGS)
    i, nb = int(block_rows), int(n_blocks)
    if nb != n_blocks or nb < 8:
        raise ValueError(f"n_blocks must be an integer of at least 8; got {n_blocks!r}")
    shortest = min(np.shape(y)[0] for y in records)
    if shortest // nb < 20 * i:
        raise ValueError(f"n_blocks={nb} leaves parts of {shortest // nb} samples in the shortest setup; each needs "
                         f"at least 20 × block_rows = {20 * i}")
    orders = _orders(orders, i, layout.n_references, layout.n_points)
    if not modes:
        return ()
    freqs = np.array([m.frequency_hz for m in modes])
    shapes = np.column_stack([np.nan_to_num(m.shape) for m in modes])
    estimates = np.full((nb, len(modes), 2), np.nan)

    def part_diagram(b: int) -> StabilizationDiagram:
        parts = [np.asarray(y)[b * (len(y) // nb):(b + 1) * (len(y) // nb)] for y in records]
        return _preger_diagram(parts, fs, layout, i, orders, rescaling, criteria)[0]

    # the parts on the worker threads (dsp.parallel), taken in order here, where progress and a cancel are handled
    for b, diagram in enumerate(parallel.map_ordered(part_diagram, range(nb))):
        report(progress, cancel, b / nb, f"uncertainty: part {b + 1} of {nb} of every setup")
        stable = np.flatnonzero(diagram.stable)
        if stable.size == 0:
            continue
        f, z = diagram.frequencies_hz[stable], diagram.damping_ratios[stable]
        near = ((np.abs(f[:, None] / freqs[None, :] - 1) <= PART_FREQUENCY_WINDOW)
                & (mac(diagram.shapes[:, stable], shapes) >= PART_MIN_MAC))
        for j in np.flatnonzero(near.any(axis=0)):
            estimates[b, j] = np.median(f[near[:, j]]), np.median(z[near[:, j]])
    report(progress, cancel, 1.0, "uncertainty done")
    return tuple((sigma_of_mean(estimates[:, j, 0]), sigma_of_mean(estimates[:, j, 1])) for j in range(len(modes)))

