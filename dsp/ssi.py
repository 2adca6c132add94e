"""Covariance-driven stochastic subspace identification (SSI-COV) over a sweep of model orders.

Peeters & De Roeck (1999), "Reference-based stochastic subspace identification for output-only modal analysis",
MSSP 13(6). The output correlations come from FFTs of short overlapping blocks (exact, not a spectral estimate);
one SVD of the block Toeplitz matrix serves every model order (a randomized block Krylov method, Musco & Musco
2015, when only a few leading singular triplets are needed, with the matrix applied through FFTs as a block
convolution of the correlations); the shift-invariance
least-squares problems of all orders share a single QR factorisation (the leading columns of a QR factorisation are
the QR factorisation of the leading columns), so each order costs one small triangular solve and one small
eigenvalue problem.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from dsp import _validate, parallel
from dsp._fftlen import next_fast_len
from dsp.progress import CancelToken, ProgressFn, report
from dsp.stabilization import StabilizationCriteria, StabilizationDiagram, make_diagram


def default_block_rows(fs_hz: float, fmin_hz: float, n_channels: int) -> int:
    """Block rows so the longest correlation lag ``(2i−1)/fs`` spans at least two periods of ``fmin_hz``.

    Bounded to 10…200 and to a block Toeplitz matrix of at most ~2000 rows.
    """
    ratio = _validate.positive(fs_hz, "fs_hz") / _validate.positive(fmin_hz, "fmin_hz")  # may be inf for tiny fmin
    return int(np.clip(np.ceil(ratio), 10, max(10, min(200, 2000 // max(n_channels, 1)))))


def output_correlations(y: np.ndarray, max_lag: int, reference: Sequence[int], *, block: Optional[int] = None,
                        group_elements: int = 1 << 18, mean: Optional[np.ndarray] = None) -> np.ndarray:
    """Unbiased output correlations ``R[k] = E[y(t+k) y_ref(t)ᵀ]`` for k = 0 … max_lag: (max_lag+1, n_ch, n_ref).

    Exact sums computed blockwise in the frequency domain: for blocks ``x_j = y_ref[jB:(j+1)B]`` and
    ``z_j = y[jB : jB+B+max_lag]``, ``Σ_t y(t+k) y_ref(t)ᵀ = Σ_j IFFT(Z_j X_jᴴ)[k]`` with an FFT long enough that
    nothing wraps round. Cost O(n·(log B + n_ch·n_ref)), independent of ``max_lag`` (the lag-by-lag product is
    O(n·n_ch·n_ref·max_lag)). Blocks are transformed in groups of about ``group_elements`` samples × channels
    (one group per :mod:`dsp.parallel` piece) and their cross-spectra summed, so the working memory (~12 MB per
    worker thread) does not grow with the record; groups of 2¹⁸ rather than 2²⁰ values stay nearer the cache and
    touch less fresh memory (the first pass over a 1-hour 12-channel record: 60 instead of 120 ms). ``mean``
    (n_ch,), if given, is subtracted from ``y`` as each group is read (the correlations of ``y − mean``). FFT blocks
    default to ``max(1024, 4·max_lag)`` samples: the summed cross-spectra are then short, and the blocks overlap
    by at most a quarter (10-minute, 8-channel record at 40 Hz, lags 0…159: 9 ms instead of 15 ms with 4096).
    """
    n = y.shape[0]
    block = max(1024, 4 * int(max_lag)) if block is None else int(block)
    b = int(min(block, max(n, 1)))
    sums, _ = _correlation_sums(y, max_lag, list(reference), b, -(-n // b), group_elements, mean)
    return sums[0] / (n - np.arange(max_lag + 1))[:, None, None]


def segment_correlations(y: np.ndarray, max_lag: int, reference: Sequence[int], n_segments: int, *,
                         block: Optional[int] = None, group_elements: int = 1 << 18,
                         mean: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Output correlations of the whole record and of each of ``n_segments`` consecutive segments, in one pass.

    Returns ``(correlations, per_segment)``: (max_lag+1, n_ch, n_ref) exactly as :func:`output_correlations`, and
    (n_segments, max_lag+1, n_ch, n_ref), segment ``s`` holding the products ``y(t+k) y_ref(t)ᵀ`` whose ``t``
    lies in it (lags may reach into the next segment) divided by their number. The segments partition the sums,
    so the whole-record correlation is their weighted mean; their scatter estimates its covariance. FFT blocks
    default to ``max(256, 4·max_lag)`` samples: every segment's cross-spectra are transformed back, so short FFTs.
    """
    n = y.shape[0]
    block = max(256, 4 * max_lag) if block is None else int(block)
    seg_len = -(-n // n_segments)
    per_seg = -(-seg_len // block)  # FFT blocks per segment
    b = -(-seg_len // per_seg)
    sums, starts = _correlation_sums(y, max_lag, list(reference), b, per_seg, group_elements, mean)
    lags = np.arange(max_lag + 1)
    ends = np.append(starts[1:], n)
    counts = np.maximum(np.minimum(ends[:, None], n - lags[None, :]) - starts[:, None], 1)  # (n_seg, lags)
    whole = sums.sum(axis=0) / (n - lags)[:, None, None]
    return whole, sums / counts[:, :, None, None]


def _correlation_sums(y, max_lag: int, ref: list, b: int, blocks_per_segment: int, group_elements: int,
                      mean) -> tuple[np.ndarray, np.ndarray]:
    """Sums ``Σ_t y(t+k) y_ref(t)ᵀ`` over segments of ``blocks_per_segment`` FFT blocks of ``b`` samples
    (a single segment when it covers the record): (n_segments, max_lag+1, n_ch, n_ref) and the segment starts."""
    n, l = y.shape
    nb = -(-n // b)
    n_seg = -(-nb // blocks_per_segment)
    nfft = next_fast_len(b + max_lag)
    per_group = max(1, group_elements // (b * l))
    if blocks_per_segment <= per_group:  # groups of whole segments
        per_group -= per_group % blocks_per_segment

    def group(j0: int) -> list[tuple[int, np.ndarray]]:
        """(segment, its cross-spectra summed over this group's blocks) for each segment the group meets."""
        g = min(per_group, nb - j0)
        start = j0 * b
        seg = np.zeros((g * b + max_lag, l))  # this group's samples and the lags reaching past it, zero beyond n
        avail = min(n - start, seg.shape[0])
        seg[:avail] = y[start:start + avail]
        if mean is not None:
            seg[:avail] -= mean
        x = np.fft.rfft(seg[: g * b, ref].reshape(g, b, len(ref)), nfft, axis=1)  # (g, nf, r)
        z_blocks = np.lib.stride_tricks.sliding_window_view(seg, b + max_lag, axis=0)[::b][:g]  # (g, l, b+L)
        z = np.fft.rfft(z_blocks, nfft, axis=2)  # (g, l, nf)
        first, c = j0 // blocks_per_segment, min(blocks_per_segment, g)
        if j0 % blocks_per_segment == 0 and g % c == 0:  # whole segments (or part of one): one batched product
            zs = z.reshape(g // c, c, l, -1).transpose(0, 3, 2, 1)  # (segments, nf, l, blocks)
            xs = np.conj(x).reshape(g // c, c, -1, len(ref)).transpose(0, 2, 1, 3)  # (segments, nf, blocks, r)
            return list(enumerate(np.matmul(zs, xs), start=first))
        label = (j0 + np.arange(g)) // blocks_per_segment
        return [(s, np.matmul(z[label == s].transpose(2, 1, 0), np.conj(x[label == s]).transpose(1, 0, 2)))
                for s in np.unique(label)]  # one product per segment met by the group, summed over its blocks

    cross = np.zeros((n_seg, nfft // 2 + 1, l, len(ref)), dtype=complex)
    for parts in parallel.map_ordered(group, range(0, nb, per_group)):  # summed in the groups' order: the same
        for s, part in parts:                                           # numbers on any number of workers
            cross[s] += part
    sums = np.fft.irfft(cross, nfft, axis=1)[:, : max_lag + 1]
    return sums, np.arange(n_seg) * blocks_per_segment * b


def block_toeplitz(correlations: np.ndarray, block_rows: int) -> np.ndarray:
    """Block Toeplitz matrix ``T[a, b] = R[i + a − b]`` (a, b = 0 … i−1), shape (i·n_ch, i·n_ref)."""
    i = block_rows
    lag = i + np.arange(i)[:, None] - np.arange(i)[None, :]
    blocks = correlations[lag]  # (i, i, n_ch, n_ref)
    l, r = correlations.shape[1:]
    return blocks.transpose(0, 2, 1, 3).reshape(i * l, i * r)


class BlockToeplitzOperator:
    """The block Toeplitz matrix of :func:`block_toeplitz` as a linear operator applied through FFTs.

    ``(T X)[a] = Σ_b R[i + a − b] X[b]`` is a block convolution of the lags 1 … 2i−1 with the block rows of ``X``;
    with an FFT of length ``N ≥ 2i − 1`` nothing needed wraps round, so ``T X`` costs O(i·log i·r·p + i·l·r·p)
    instead of O(i²·l·r·p). ``Tᵀ Y`` is the same convolution of the transposed lags with ``Y`` reversed. Exact up to
    rounding (relative error ~1e-15 of the largest entries).
    """

    def __init__(self, correlations: np.ndarray, block_rows: int) -> None:
        i = int(block_rows)
        self.i = i
        self.l, self.r = correlations.shape[1:]
        self.shape = (i * self.l, i * self.r)
        self.nfft = next_fast_len(2 * i - 1)
        self._g_hat = np.fft.rfft(correlations[1:2 * i], self.nfft, axis=0)  # (nf, l, r): lags 1 … 2i−1
        self._gt_hat = None  # the transposed kernel, made on the first rmatmat (some operators only apply T)

    def matmat(self, x: np.ndarray) -> np.ndarray:
        """``T @ x`` for x of shape (i·r, p)."""
        return self._convolve(self._g_hat, x.reshape(self.i, self.r, -1)).reshape(self.shape[0], -1)

    def rmatmat(self, y: np.ndarray) -> np.ndarray:
        """``Tᵀ @ y`` for y of shape (i·l, p)."""
        if self._gt_hat is None:
            self._gt_hat = np.ascontiguousarray(self._g_hat.transpose(0, 2, 1))
        return self._convolve(self._gt_hat, y.reshape(self.i, self.l, -1)[::-1])[::-1].reshape(self.shape[1], -1)

    def _convolve(self, kernel_hat: np.ndarray, blocks: np.ndarray) -> np.ndarray:
        # c[s] = Σ_b g[s − b] x[b] with g[m] = R[m + 1]; the block rows a = 0 … i−1 are c[i − 1 + a]
        full = np.fft.irfft(kernel_hat @ np.fft.rfft(blocks, self.nfft, axis=0), self.nfft, axis=0)
        return full[self.i - 1:2 * self.i - 1]


def leading_svd(a, k: int, *, depth: int = 8, seed: int = 0,
                pairs: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` leading left singular vectors and values of ``a``: (m, k), (k,); with ``pairs`` (≥ k), that many
    leading Ritz pairs of the same basis, those beyond ``k`` less accurate (:func:`dsp.ssi_uncertainty.leading_basis`).

    ``a`` is an array or an operator with ``shape``, ``matmat`` and ``rmatmat`` (:class:`BlockToeplitzOperator`).
    A full SVD when the Krylov basis below would be half of ``a``'s smaller side or more; otherwise a randomized
    block Krylov method (Musco & Musco 2015, "Randomized block Krylov methods for stronger and faster approximate
    singular value decomposition", NeurIPS): a start block ``a Ω`` of ``b = ⌈(k + 4)/3⌉`` Gaussian probes
    (deterministic through ``seed``) and ``depth`` products with ``a aᵀ``, each new block orthonormalised against
    all before it (twice: the blocks become nearly dependent as the space converges); the singular triplets then
    come from the eigendecomposition of the Gram matrix of ``aᵀ`` on that ``b·(depth + 1)``-column basis (σ to
    ~1e-16·(σ₁/σ_j)² beyond the basis' own error). The whole Krylov space, not only its last block as in a power
    method, enters the Rayleigh–Ritz step: on 10-minute 8-channel deck records (640 × 640 block Toeplitz matrix,
    80 triplets, no gap at the 80th) the singular values are exact to ~1e-7 and the poles of order 80 to ~5e-6,
    against 2e-6 and 5e-5 for the randomized range finder with three power iterations on 180 probes (Halko,
    Martinsson & Tropp 2011) that did this before, in three quarters of the time (728 instead of 1260 columns
    through the operator, and seventeen 640 × 28 QR factorisations instead of three of 640 × 180).
    """
    matmat, rmatmat = _products(a)
    b = max(4, -(-(int(k) + 4) // 3))
    size = b * (depth + 1)
    count = int(k) if pairs is None else min(int(pairs), min(a.shape))
    if size >= min(a.shape) // 2 or count > size:
        return _dense_svd(a, matmat, count)
    rng = np.random.default_rng(seed)
    basis = np.empty((a.shape[0], size))
    basis[:, :b] = np.linalg.qr(matmat(rng.standard_normal((a.shape[1], b))))[0]
    for j in range(1, depth + 1):
        done = basis[:, :j * b]
        block = matmat(rmatmat(basis[:, (j - 1) * b:j * b]))
        block -= done @ (done.T @ block)
        block = np.linalg.qr(block)[0]
        block -= done @ (done.T @ block)  # again: what the first pass left is rounding of the (large) part removed
        basis[:, j * b:(j + 1) * b] = np.linalg.qr(block)[0]
    return _rayleigh_ritz(basis, rmatmat, count)


def _products(a):
    """``(x ↦ a x, y ↦ aᵀ y)`` of an array or of an operator with ``matmat``/``rmatmat``."""
    if isinstance(a, np.ndarray):
        return a.__matmul__, a.T.__matmul__
    return a.matmat, a.rmatmat


def _dense_svd(a, matmat, k: int) -> tuple[np.ndarray, np.ndarray]:
    dense = a if isinstance(a, np.ndarray) else matmat(np.eye(a.shape[1]))
    u, s, _ = np.linalg.svd(dense, full_matrices=False)
    return u[:, :k], s[:k]


def _rayleigh_ritz(q: np.ndarray, rmatmat, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` leading Ritz pairs of ``a`` on the orthonormal basis ``q`` (m, p): left vectors and values, from
    the eigendecomposition of the p × p Gram matrix of ``aᵀq`` (180² eigh ~2 ms vs ~15 ms for an SVD of qᵀa)."""
    b = rmatmat(q)  # (qᵀa)ᵀ
    w, v = np.linalg.eigh(b.T @ b)  # ascending
    return q @ v[:, :-k - 1:-1], np.sqrt(np.maximum(w[:-k - 1:-1], 0.0))


def max_model_order(block_rows: int, n_references: int, n_channels: int) -> int:
    """Highest model order SSI can identify: the rank of the ``(i·l) × (i·r)`` projection, and no more than the
    ``(i − 1)·l`` rows of the shifted observability matrix from which the state matrix is solved."""
    return min(block_rows * n_references, (block_rows - 1) * n_channels)


def validate_ssi(y: np.ndarray, block_rows, orders, reference_channels, *, min_samples_per_row: int = 20):
    """Common checks of SSI-COV and SSI-DAT; returns ``(block_rows, orders, reference)``."""
    n, l = y.shape
    if l < 2:
        raise ValueError(f"SSI needs at least 2 channels to identify mode shapes; got {l}")
    ref = tuple(range(l)) if reference_channels is None else tuple(int(c) for c in reference_channels)
    if not ref or min(ref) < 0 or max(ref) >= l or len(set(ref)) != len(ref):
        raise ValueError(f"reference_channels must be distinct channel indices 0…{l - 1}; got {reference_channels}")
    i = int(block_rows)
    if i < 2:
        raise ValueError(f"block_rows must be at least 2; got {block_rows}")
    if n < min_samples_per_row * i:
        raise ValueError(
            f"block_rows={i} needs at least {min_samples_per_row * i} samples ({min_samples_per_row} × block rows); "
            f"the signal has {n}. Use fewer block rows (a higher fmin) or a longer record"
        )
    orders = tuple(sorted({int(o) for o in orders}))
    max_order = max_model_order(i, len(ref), l)
    if not orders or orders[0] < 1 or orders[-1] > max_order:
        raise ValueError(
            f"orders must lie between 1 and min(block_rows × n_references, (block_rows − 1) × n_channels) = "
            f"{max_order}; got {orders[0] if orders else None}…{orders[-1] if orders else None}"
        )
    return i, orders, ref


def poles_from_observability(obs: np.ndarray, n_outputs: int, fs: float, orders: Sequence[int],
                             criteria: StabilizationCriteria, progress=None, cancel=None,
                             uncertainty=None) -> StabilizationDiagram:
    """Poles of every order from the extended observability matrix ``obs`` (i·n_outputs, max_order).

    ``A`` of order n solves ``obs[:-l, :n] A = obs[l:, :n]`` in the least-squares sense, through one QR
    factorisation shared by all orders. Only one pole of each complex-conjugate pair is kept; real poles (no
    conjugate) cannot be vibration modes and are dropped. ``uncertainty``, a
    :class:`dsp.ssi_uncertainty.PoleUncertainty` of ``obs``, adds each pole's standard deviations.
    """
    l = n_outputs
    q, r = np.linalg.qr(obs[:-l])
    m = q.T @ obs[l:]
    # R[:n, :n] is triangular: singular as soon as one diagonal entry up to n vanishes (a dead channel, data of
    # lower rank than the order); such orders have no meaningful poles
    diag = np.abs(np.diag(r))
    solvable = np.minimum.accumulate(diag) > 1e-12 * diag[0] if diag.size and diag[0] > 0 else np.zeros(0, bool)

    def poles(order: int):
        """(f, ζ, shapes, σ_f, σ_ζ) of the poles of one order, or None when its state matrix is singular."""
        if order > solvable.size or not solvable[order - 1]:
            return None
        a = np.linalg.solve(r[:order, :order], m[:order, :order])  # R triangular: LU is exact, no row swaps
        lam_all, psi_all = np.linalg.eig(a)
        keep = (np.imag(lam_all) > 0) & (np.abs(lam_all) > 0)
        lam, psi = lam_all[keep], psi_all[:, keep]
        sf = sz = None
        if uncertainty is not None:
            sf, sz = uncertainty.pole_sigmas(order, lam_all, psi_all, keep)
        mu = np.log(lam) * fs
        return np.abs(mu) / (2 * np.pi), -np.real(mu) / np.abs(mu), obs[:l, :order] @ psi, sf, sz

    out_f, out_z, out_o, out_shapes, out_sf, out_sz = [], [], [], [], [], []
    # the orders on the worker threads (dsp.parallel), taken back in order in this thread, which reports progress
    # and stops at a cancel
    for k, (order, found) in enumerate(zip(orders, parallel.map_ordered(poles, orders))):
        report(progress, cancel, k / len(orders), f"model order {order}")
        if found is None:
            continue
        f, z, shapes, sf, sz = found
        out_f.append(f)
        out_z.append(z)
        out_o.append(np.full(f.size, order))
        out_shapes.append(shapes)
        if uncertainty is not None:
            out_sf.append(sf)
            out_sz.append(sz)
    if not out_o:
        return make_diagram(np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros((l, 0), complex), criteria)
    sigmas = {}
    if uncertainty is not None:
        sigmas = dict(frequency_sigma_hz=np.concatenate(out_sf), damping_sigma=np.concatenate(out_sz))
    return make_diagram(np.concatenate(out_o), np.concatenate(out_f), np.concatenate(out_z),
                        np.concatenate(out_shapes, axis=1), criteria, **sigmas)


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
    uncertainty: bool = False,
    n_blocks: int = 20,
) -> StabilizationDiagram:
    """Identify poles of every model order in ``orders`` by SSI-COV and flag their stability.

    Parameters
    ----------
    x : (n_samples, n_channels) output signals, any unit (the mean is removed).
    fs_hz : sampling rate, Hz.
    block_rows : block rows ``i``; needs ``i·n_ref ≥ max(orders)`` and ``n_samples ≥ 20·i``.
    orders : model orders (state dimension), e.g. ``range(2, 81, 2)``.
    reference_channels : indices of reference outputs (default all).
    uncertainty : also estimate each pole's standard deviation of frequency (Hz) and damping ratio
        (:mod:`dsp.ssi_uncertainty`); the SVD then keeps more Ritz pairs of the same Krylov basis
        (:func:`dsp.ssi_uncertainty.leading_basis`), so the poles are those without it.
    n_blocks : segments the record is cut into to estimate the covariance of the correlations (``uncertainty``
        only); at least 8, each segment at least 20 × block rows long. 20 by default: each σ then scatters by
        ~16 % (√(1/(2(n_b − 1)))); the cost of the uncertainty grows about linearly with ``n_blocks``.

    Returns
    -------
    StabilizationDiagram holding, per pole, its order, frequency (Hz), damping ratio, complex shape
    (normalised, rows = channels), MPC, MPD (degrees) and stability flags; with ``uncertainty``, also
    ``frequency_sigma_hz`` (Hz) and ``damping_sigma``.
    """
    y = _validate.signals(x, min_samples=4)
    fs = _validate.positive(fs_hz, "fs_hz")
    i, orders, ref = validate_ssi(y, block_rows, orders, reference_channels)
    l = y.shape[1]
    if not isinstance(uncertainty, (bool, np.bool_)):
        raise ValueError(f"uncertainty must be True or False; got {uncertainty!r}")
    report(progress, cancel, 0.0, "output correlations")
    pole_uncertainty = None
    if uncertainty:
        from dsp.ssi_uncertainty import PoleUncertainty, validate_n_blocks

        nb = validate_n_blocks(n_blocks, y.shape[0], i)
        corr, per_segment = segment_correlations(y, 2 * i - 1, ref, nb, mean=y.mean(axis=0))
        report(progress, cancel, 0.25, "SVD of the block Toeplitz matrix and its sensitivities")
        pole_uncertainty = PoleUncertainty(corr, per_segment, i, orders[-1], fs)
        obs = pole_uncertainty.observability
    else:
        corr = output_correlations(y, 2 * i - 1, ref, mean=y.mean(axis=0))  # centred group by group: no copy of y
        report(progress, cancel, 0.25, "SVD of the block Toeplitz matrix")
        u, s = leading_svd(BlockToeplitzOperator(corr, i), orders[-1])
        obs = u * np.sqrt(s)

    def sub(fraction: float, message: str) -> None:
        report(progress, cancel, 0.35 + 0.6 * fraction, message)

    diagram = poles_from_observability(obs, l, fs, orders, criteria, sub, cancel, uncertainty=pole_uncertainty)
    report(progress, cancel, 1.0, "done")
    return diagram
