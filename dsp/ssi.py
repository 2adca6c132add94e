"""Covariance-driven stochastic subspace identification (SSI-COV) over a sweep of model orders.

Peeters & De Roeck (1999), "Reference-based stochastic subspace identification for output-only modal analysis",
MSSP 13(6). One SVD of the block Toeplitz matrix of output correlations serves every model order; the
shift-invariance least-squares problems of all orders share a single QR factorisation (the leading columns of a
QR factorisation are the QR factorisation of the leading columns), so each order costs one small triangular
solve and one small eigenvalue problem.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import linalg

from dsp import _validate
from dsp.modal import mpc as _mpc
from dsp.modal import normalise_shape
from dsp.progress import CancelToken, ProgressFn, report
from dsp.stabilization import StabilizationCriteria, StabilizationDiagram, flag_stable


@dataclass(frozen=True)
class SsiSettings:
    """block_rows : number of block rows ``i`` (correlation lags 1 … 2i−1); orders : model orders swept."""

    block_rows: int
    orders: tuple[int, ...]
    reference_channels: Optional[tuple[int, ...]] = None


def default_block_rows(fs_hz: float, fmin_hz: float, n_channels: int) -> int:
    """Block rows so the longest correlation lag ``(2i−1)/fs`` spans at least two periods of ``fmin_hz``.

    Bounded to 10…200 and to a block Toeplitz matrix of at most ~2000 rows.
    """
    i = int(np.ceil(_validate.positive(fs_hz, "fs_hz") / _validate.positive(fmin_hz, "fmin_hz")))
    return int(np.clip(i, 10, max(10, min(200, 2000 // max(n_channels, 1)))))


def output_correlations(y: np.ndarray, max_lag: int, reference: Sequence[int]) -> np.ndarray:
    """Unbiased output correlations ``R[k] = E[y(t+k) y_ref(t)ᵀ]`` for k = 0 … max_lag: (max_lag+1, n_ch, n_ref).

    One BLAS matrix product per lag (the sample sums run in compiled code).
    """
    n = y.shape[0]
    yr = y[:, list(reference)]
    out = np.empty((max_lag + 1, y.shape[1], yr.shape[1]))
    for k in range(max_lag + 1):
        out[k] = y[k:].T @ yr[: n - k] / (n - k)
    return out


def block_toeplitz(correlations: np.ndarray, block_rows: int) -> np.ndarray:
    """Block Toeplitz matrix ``T[a, b] = R[i + a − b]`` (a, b = 0 … i−1), shape (i·n_ch, i·n_ref)."""
    i = block_rows
    lag = i + np.arange(i)[:, None] - np.arange(i)[None, :]
    blocks = correlations[lag]  # (i, i, n_ch, n_ref)
    l, r = correlations.shape[1:]
    return blocks.transpose(0, 2, 1, 3).reshape(i * l, i * r)


def ssi_cov(
    x,
    fs_hz: float,
    *,
    block_rows: int,
    orders: Sequence[int],
    reference_channels: Optional[Sequence[int]] = None,
    criteria: StabilizationCriteria = StabilizationCriteria(),
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> StabilizationDiagram:
    """Identify poles of every model order in ``orders`` by SSI-COV and flag their stability.

    Parameters
    ----------
    x : (n_samples, n_channels) output signals (zero mean), any unit.
    fs_hz : sampling rate, Hz.
    block_rows : block rows ``i``; needs ``i·n_ref ≥ max(orders)`` and ``n_samples > 2i``.
    orders : model orders (state dimension), e.g. ``range(2, 81, 2)``.
    reference_channels : indices of reference outputs (default all).

    Returns
    -------
    StabilizationDiagram holding, per pole, its order, frequency (Hz), damping ratio, complex shape
    (normalised, rows = channels) and stability flags.
    """
    y = _validate.signals(x, min_samples=4)
    fs = _validate.positive(fs_hz, "fs_hz")
    n, l = y.shape
    ref = tuple(range(l)) if reference_channels is None else tuple(int(c) for c in reference_channels)
    if not ref or min(ref) < 0 or max(ref) >= l or len(set(ref)) != len(ref):
        raise ValueError(f"reference_channels must be distinct channel indices 0…{l - 1}; got {reference_channels}")
    i = int(block_rows)
    if i < 2:
        raise ValueError(f"block_rows must be at least 2; got {block_rows}")
    if n < 20 * i:
        raise ValueError(
            f"block_rows={i} needs at least {20 * i} samples (20 × block rows); the signal has {n}. "
            f"Use fewer block rows (a higher fmin) or a longer record"
        )
    orders = tuple(sorted({int(o) for o in orders}))
    max_order = i * len(ref)
    if not orders or orders[0] < 1 or orders[-1] > max_order:
        raise ValueError(
            f"orders must lie between 1 and block_rows × n_references = {max_order}; got {orders[0] if orders else None}"
            f"…{orders[-1] if orders else None}"
        )
    report(progress, cancel, 0.0, "output correlations")
    y = y - y.mean(axis=0)
    corr = output_correlations(y, 2 * i - 1, ref)
    report(progress, cancel, 0.25, "SVD of the block Toeplitz matrix")
    t = block_toeplitz(corr, i)
    u, s, _ = linalg.svd(t, full_matrices=False, check_finite=False)
    n_max = orders[-1]
    obs = u[:, :n_max] * np.sqrt(s[:n_max])
    q, r = linalg.qr(obs[:-l], mode="economic", check_finite=False)
    m = q.T @ obs[l:]
    out_f, out_z, out_o, out_shapes = [], [], [], []
    for k, order in enumerate(orders):
        report(progress, cancel, 0.35 + 0.6 * k / len(orders), f"model order {order}")
        if abs(r[order - 1, order - 1]) < 1e-12 * abs(r[0, 0]):
            continue  # numerically rank-deficient at this order: no meaningful poles
        a = linalg.solve_triangular(r[:order, :order], m[:order, :order], check_finite=False)
        lam, psi = linalg.eig(a, check_finite=False)
        keep = np.imag(lam) > 0  # one pole of each complex-conjugate pair; real poles are not vibration modes
        lam, psi = lam[keep], psi[:, keep]
        mu = np.log(lam) * fs
        out_f.append(np.abs(mu) / (2 * np.pi))
        out_z.append(-np.real(mu) / np.abs(mu))
        out_o.append(np.full(lam.size, order))
        out_shapes.append(obs[:l, :order] @ psi)
    report(progress, cancel, 0.95, "stability checks")
    shapes = normalise_shape(np.concatenate(out_shapes, axis=1)) if out_shapes else np.zeros((l, 0), complex)
    diagram = StabilizationDiagram(
        orders=np.concatenate(out_o).astype(int) if out_o else np.zeros(0, int),
        frequencies_hz=np.concatenate(out_f) if out_f else np.zeros(0),
        damping_ratios=np.concatenate(out_z) if out_z else np.zeros(0),
        shapes=shapes,
        mpc=_mpc(shapes) if shapes.shape[1] else np.zeros(0),
    )
    diagram = flag_stable(diagram, criteria)
    report(progress, cancel, 1.0, "done")
    return diagram
