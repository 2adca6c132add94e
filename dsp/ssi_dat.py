"""Data-driven stochastic subspace identification (SSI-DAT, reference-based, QR projection) over an order sweep.

Van Overschee & De Moor (1996), "Subspace identification for linear systems", Kluwer, ch. 3; Peeters & De Roeck
(1999), MSSP 13(6), sec. 4. The block Hankel matrix of outputs, reference channels only in its past half,
``H = [Y_p^ref; Y_f] / √N``, is reduced by an LQ factorisation ``H = L Qᵀ``; the projection of the future onto
the past reference outputs is ``O_i = L₂₁ Q₁ᵀ`` and, since ``Q₁`` has orthonormal columns, the SVD of the small
``L₂₁`` gives the extended observability matrix. ``L`` is obtained without ever storing ``H``: a tall-skinny QR
(TSQR, Demmel et al. 2012, SIAM J. Sci. Comput. 34(1)) of ``Hᵀ`` in blocks of samples, each block's QR stacked
on the running triangular factor. The order sweep then shares one QR and one SVD with SSI-COV
(:func:`dsp.ssi.poles_from_observability`).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy import linalg

from dsp import _validate
from dsp.progress import CancelToken, ProgressFn, report
from dsp.ssi import leading_svd, poles_from_observability, validate_ssi
from dsp.stabilization import StabilizationCriteria, StabilizationDiagram


def default_block_rows(fs_hz: float, fmin_hz: float, n_channels: int) -> int:
    """Block rows for SSI-DAT: the ``2i`` rows of the Hankel matrix span one period of ``fmin_hz``.

    Half the SSI-COV default (whose ``2i − 1`` correlation lags span two periods): the QR costs
    O(n_samples·(i·(n_ref + n_ch))²), and the projection already averages over every sample. Bounded to 10…100
    and to a Hankel matrix of at most ~1000 rows.
    """
    ratio = _validate.positive(fs_hz, "fs_hz") / (2 * _validate.positive(fmin_hz, "fmin_hz"))  # inf for tiny fmin
    return int(np.clip(np.ceil(ratio), 10, max(10, min(100, 1000 // max(2 * n_channels, 1)))))


def hankel_r_factor(y: np.ndarray, block_rows: int, reference: Sequence[int], *, chunk: int = 8192,
                    progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> np.ndarray:
    """Upper-triangular ``R`` with ``Hᵀ = Q R`` for the block Hankel matrix ``H = [Y_p^ref; Y_f] / √N``.

    Rows of ``H`` (columns of ``R``): ``i`` past block rows of the reference channels (y_ref(t) … y_ref(t+i−1)),
    then ``i`` future block rows of all channels (y(t+i) … y(t+2i−1)); ``N = n_samples − 2i + 1`` columns.
    Returns (i·(n_ref + n_ch), i·(n_ref + n_ch)).
    """
    n, l = y.shape
    i = block_rows
    ref = list(reference)
    r_ = len(ref)
    n_cols = n - 2 * i + 1
    width = i * (r_ + l)
    scale = 1.0 / np.sqrt(n_cols)
    past = np.lib.stride_tricks.sliding_window_view(y[:, ref], i, axis=0)   # (n-i+1, r, i): past[t] = y_ref[t:t+i]ᵀ
    future = np.lib.stride_tricks.sliding_window_view(y, i, axis=0)         # (n-i+1, l, i)
    # one Fortran-ordered work array [R so far; next block] factorised in place by LAPACK's geqrf (no copies): R is
    # its upper triangle, the Householder vectors below are not needed and are overwritten by the next block
    rows_max = width + min(chunk, n_cols)
    stacked = np.empty((rows_max, width), order="F")
    (geqrf,) = linalg.get_lapack_funcs(("geqrf",), (stacked,))
    lwork = int(geqrf(stacked, lwork=-1)[2][0].real)
    have = 0  # rows of the running triangular factor at the top of ``stacked``
    starts = range(0, n_cols, chunk)
    for c, t0 in enumerate(starts):
        report(progress, cancel, c / len(starts), "QR of the block Hankel matrix")
        t1 = min(n_cols, t0 + chunk)
        rows = t1 - t0
        if have:
            stacked[:have] = np.triu(stacked[:have])  # drop the previous reflectors below R's diagonal
        block = stacked[have:have + rows]
        block[:, : i * r_] = past[t0:t1].transpose(0, 2, 1).reshape(rows, i * r_)
        block[:, i * r_:] = future[t0 + i:t1 + i].transpose(0, 2, 1).reshape(rows, i * l)
        block *= scale
        work = stacked if have + rows == rows_max else np.asfortranarray(stacked[:have + rows])
        qr, _, _, info = geqrf(work, lwork=lwork, overwrite_a=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"QR of the block Hankel matrix failed (LAPACK geqrf info={info})")
        have = min(width, have + rows)
        if qr is not stacked:
            stacked[:have] = qr[:have]
    return np.triu(stacked[:have])


def ssi_dat(
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
    """Identify poles of every model order in ``orders`` by SSI-DAT and flag their stability.

    Parameters
    ----------
    x : (n_samples, n_channels) output signals, any unit (the mean is removed).
    fs_hz : sampling rate, Hz.
    block_rows : block rows ``i``; needs ``i·n_ref ≥ max(orders)`` and ``n_samples ≥ 20·i``.
    orders : model orders (state dimension), e.g. ``range(2, 81, 2)``.
    reference_channels : indices of reference outputs (default all): fewer references, smaller QR.

    Returns
    -------
    StabilizationDiagram as :func:`dsp.ssi.ssi_cov`.
    """
    y = _validate.signals(x, min_samples=4)
    fs = _validate.positive(fs_hz, "fs_hz")
    i, orders, ref = validate_ssi(y, block_rows, orders, reference_channels)
    l = y.shape[1]
    y = np.ascontiguousarray(y - y.mean(axis=0))

    def qr_progress(fraction: float, message: str) -> None:
        report(progress, cancel, 0.8 * fraction, message)

    r_factor = hankel_r_factor(y, i, ref, progress=qr_progress, cancel=cancel)
    p = i * len(ref)
    l21 = r_factor[:p, p:].T  # L = Rᵀ; L₂₁ = future rows × past columns
    report(progress, cancel, 0.8, "SVD of the projection")
    u, s = leading_svd(l21, orders[-1])
    obs = u * np.sqrt(s)

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.85 + 0.15 * fraction, message)

    return poles_from_observability(obs, l, fs, orders, criteria, sub, cancel)
