"""Statistical uncertainty of SSI-COV poles: standard deviations of natural frequency and damping ratio.

First-order perturbation of the identification chain block Toeplitz matrix → observability matrix → state
matrix → eigenvalues → (f, ζ), with the covariance of the block Toeplitz matrix estimated from the scatter of the
correlations of ``n_b`` consecutive segments of the record (Reynders, Pintelon & De Roeck 2008, "Uncertainty
bounds on modal parameters obtained from stochastic subspace identification", MSSP 22(4); Döhler & Mevel 2013,
"Efficient multi-order uncertainty computation for stochastic subspace identification", MSSP 38(2)).

The covariance is never formed. Its square root, the centred segment matrices ``ΔH_s / √(n_b (n_b − 1))``, is
pushed through the linear sensitivities, so every variance is a sum of ``n_b`` squares (Döhler & Mevel's scheme).
The sensitivities of all orders share one computation: the perturbation ``ΔO_s`` of the highest-order
observability matrix, from the eigenvector perturbation of ``H Hᵀ`` in its full eigenbasis,
``u_bᵀ Δu_a = (u_bᵀ ΔH Hᵀ u_a + u_bᵀ H ΔHᵀ u_a) / (σ_a² − σ_b²)``, and its projections on the shared QR basis of
the shifted observability matrix, whose leading blocks are those of every lower order. Scaling the columns of the
observability matrix (the ``Δσ`` terms) is a similarity of the state matrix and leaves the poles unchanged, so it
is left out. Per order, each pole costs a few products of ``n_b`` matrices of the order's size.
"""
from __future__ import annotations

import numpy as np

from dsp.ssi import BlockToeplitzOperator, block_toeplitz


def validate_n_blocks(n_blocks, n_samples: int, block_rows: int) -> int:
    """``n_blocks`` as an int, or ValueError: at least 8 segments, each at least 20 × block rows long."""
    nb = int(n_blocks)
    if nb != n_blocks or nb < 8:
        raise ValueError(f"n_blocks must be an integer of at least 8; got {n_blocks!r}")
    if n_samples // nb < 20 * block_rows:
        raise ValueError(f"n_blocks={nb} leaves segments of {n_samples // nb} samples; each needs at least "
                         f"20 × block_rows = {20 * block_rows}: use at most {n_samples // (20 * block_rows)} blocks "
                         f"(at least 8), fewer block rows or a longer record")
    return nb


class PoleUncertainty:
    """Sensitivities of the poles of every order to the segment scatter of the block Toeplitz matrix.

    Parameters
    ----------
    correlations : (2i, n_ch, n_ref) output correlations of the whole record.
    segment_correlations : (n_b, 2i, n_ch, n_ref) correlations of each segment.
    block_rows : i.
    max_order : highest model order.
    fs_hz : sampling rate, Hz.

    Attributes
    ----------
    observability : (i·n_ch, max_order) ``U₁ Σ₁^½`` of the whole record's block Toeplitz matrix; identify the poles
        from it (:func:`dsp.ssi.poles_from_observability`) so they match the sensitivities.
    """

    def __init__(self, correlations: np.ndarray, segment_correlations: np.ndarray, block_rows: int,
                 max_order: int, fs_hz: float) -> None:
        i, n = int(block_rows), int(max_order)
        l, r = correlations.shape[1:]
        nb = segment_correlations.shape[0]
        self.fs = float(fs_hz)
        h = block_toeplitz(correlations, i)
        s2, u = np.linalg.eigh(h @ h.T)  # full eigenbasis of H Hᵀ, ascending
        s2, u = np.maximum(s2[::-1], 0.0), u[:, ::-1]
        w = h.T @ u  # (i·r, i·l): columns σ_b v_b
        sigma = np.sqrt(s2[:n])
        self.observability = u[:, :n] * np.sqrt(sigma)
        # square root of the covariance of H: centred segment matrices scaled by 1/√(n_b(n_b−1)), stacked along the
        # output (or reference) axis so one FFT block convolution applies all of them
        d = (segment_correlations - segment_correlations.mean(axis=0)) / np.sqrt(nb * (nb - 1))
        dh_w = BlockToeplitzOperator(d.transpose(1, 0, 2, 3).reshape(2 * i, nb * l, r), i).matmat(w[:, :n])
        dh_w = dh_w.reshape(i, nb, l, n).transpose(1, 0, 2, 3).reshape(nb, i * l, n)  # ΔH_s Hᵀ u_a
        dht_u = BlockToeplitzOperator(d.transpose(1, 2, 0, 3).reshape(2 * i, l, nb * r), i).rmatmat(u[:, :n])
        dht_u = dht_u.reshape(i, nb, r, n).transpose(1, 0, 2, 3).reshape(nb, i * r, n)  # ΔH_sᵀ u_a
        num = u.T @ dh_w + w.T @ dht_u  # (n_b, i·l, n): u_bᵀ (ΔH Hᵀ + H ΔHᵀ) u_a
        gap = s2[:n][None, :] - s2[:, None]  # (i·l, n): σ_a² − σ_b²
        # standard deviation of each σ_a²: Δ(σ_a²) = u_aᵀ (ΔH Hᵀ + H ΔHᵀ) u_a, one factor per segment
        spread = np.sqrt(np.sum(num[:, np.arange(n), np.arange(n)] ** 2, axis=0))
        coef = num * (gap / (gap ** 2 + spread[None, :] ** 2))[None]  # u_bᵀ Δu_a; 0 for b = a
        coef *= np.sqrt(sigma)  # ΔO = U · coef (columns scaled as the observability matrix)
        obs = self.observability
        self.q, self.r = np.linalg.qr(obs[:-l])
        self.m = self.q.T @ obs[l:]
        # projections of ΔO_s on the shared bases, leading (n × n) blocks of which serve every order
        up, down = u[:-l], u[l:]
        self.qt_d_down = (self.q.T @ down) @ coef  # Qᵀ ΔO↓, (n_b, n, n)
        self.qt_d_up = (self.q.T @ up) @ coef  # Qᵀ ΔO↑
        self.down_t_d_up = (obs[l:].T @ up) @ coef  # O↓ᵀ ΔO↑

    def pole_sigmas(self, order: int, eigenvalues: np.ndarray, eigenvectors: np.ndarray,
                    keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standard deviations of frequency (Hz) and damping ratio of the poles ``keep`` of the state matrix of
        ``order`` whose eigen-decomposition is ``eigenvalues`` (n,), ``eigenvectors`` (n, n)."""
        n = int(order)
        r_n = self.r[:n, :n]
        left = np.linalg.inv(eigenvectors)[keep]  # rows w_jᴴ with w_jᴴ ψ_j = 1
        lam, psi = eigenvalues[keep], eigenvectors[:, keep]
        e = np.linalg.solve(r_n.T, left.T).T  # w_jᴴ R⁻¹
        f = np.linalg.solve(r_n, e.T).T  # w_jᴴ R⁻¹ R⁻ᵀ = w_jᴴ (O↑ᵀ O↑)⁻¹
        a_down, a_up = self.qt_d_down[:, :n, :n], self.qt_d_up[:, :n, :n]
        # ΔA = O↑⁺ (ΔO↓ − ΔO↑ A) + (O↑ᵀO↑)⁻¹ ΔO↑ᵀ (O↓ − O↑ A); Δλ_j = w_jᴴ ΔA ψ_j
        term1 = np.einsum("jm,smj->sj", e, a_down @ psi - (a_up @ psi) * lam, optimize=True)
        resid = self.down_t_d_up[:, :n, :n] - self.m[:n, :n].T @ a_up  # (O↓ − O↑A)ᵀ ΔO↑
        term2 = np.einsum("mj,smj->sj", psi, resid @ f.T, optimize=True)
        d_lam = term1 + term2  # (n_b, n_poles), one square-root factor per segment
        mu = np.log(lam) * self.fs
        d_mu = d_lam / lam * self.fs
        amu = np.abs(mu)
        d_abs = np.real(np.conj(mu) * d_mu) / amu
        d_f = d_abs / (2 * np.pi)
        d_z = -np.real(d_mu) / amu + np.real(mu) * d_abs / amu ** 2
        return np.sqrt(np.sum(d_f ** 2, axis=0)), np.sqrt(np.sum(d_z ** 2, axis=0))
