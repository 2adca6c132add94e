"""Modal results and mode-shape metrics: MAC, AutoMAC, MPC, MPD, shape normalisation."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Mode:
    """An identified mode.

    frequency_hz : natural frequency, Hz
    damping_ratio : ratio of critical damping
    shape : (n_channels,) complex mode shape, scaled so its largest component is 1 + 0j
    mpc : modal phase collinearity, 0..1 (1 = real, normal mode)
    mpd_deg : mean phase deviation, degrees (0 = real, normal mode)
    frequency_scatter_hz, damping_scatter : scatter of the poles that support the mode (0 when a single estimate)
    n_poles : number of poles (stabilization-diagram entries) supporting the mode
    poles : indices of those poles in the stabilization diagram (SSI), None for the frequency-domain methods
    frequency_sigma_hz : statistical standard deviation of ``frequency_hz``, Hz, when the method estimates it
        (SSI-COV with ``uncertainty=True``, :mod:`dsp.fd_uncertainty`); None otherwise. Not the scatter above.
    damping_sigma : statistical standard deviation of ``damping_ratio`` (a ratio), None when not estimated
    """

    frequency_hz: float
    damping_ratio: float
    shape: np.ndarray
    mpc: float
    mpd_deg: float
    frequency_scatter_hz: float = 0.0
    damping_scatter: float = 0.0
    n_poles: int = 1
    poles: Optional[np.ndarray] = field(default=None, repr=False, compare=False)
    frequency_sigma_hz: Optional[float] = None
    damping_sigma: Optional[float] = None

    @property
    def real_shape(self) -> np.ndarray:
        """Real part of the normalised shape; its largest absolute entry is +1."""
        return np.real(self.shape)


def normalise_shape(shape) -> np.ndarray:
    """Scale complex shape(s) so the component of largest modulus becomes 1 + 0j.

    ``shape`` is (n_channels,) or (n_channels, n_modes); normalisation is per column.
    """
    phi = np.asarray(shape, dtype=complex)
    vec = phi.ndim == 1
    p = phi[:, None] if vec else phi
    ref = p[np.argmax(np.abs(p), axis=0), np.arange(p.shape[1])]
    ref = np.where(ref == 0, 1.0, ref)
    out = p / ref
    return out[:, 0] if vec else out


def mac(phi_a, phi_b) -> np.ndarray:
    """Modal assurance criterion between the columns of ``phi_a`` (n_ch, n_a) and ``phi_b`` (n_ch, n_b).

    Returns (n_a, n_b) values in 0..1 (a scalar for two vectors). Complex shapes are allowed.
    """
    a = np.asarray(phi_a)
    b = np.asarray(phi_b)
    vec = a.ndim == 1 and b.ndim == 1
    a = a[:, None] if a.ndim == 1 else a
    b = b[:, None] if b.ndim == 1 else b
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"phi_a and phi_b must have the same number of channels; got {a.shape[0]} and {b.shape[0]}")
    num = np.abs(np.conj(a).T @ b) ** 2
    den = np.real(np.sum(np.conj(a) * a, axis=0))[:, None] * np.real(np.sum(np.conj(b) * b, axis=0))[None, :]
    out = np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)
    return float(out[0, 0]) if vec else out


def auto_mac(phi) -> np.ndarray:
    """MAC of every mode against every other: (n_modes, n_modes), ones on the diagonal."""
    return mac(phi, phi)


def mpc(shape) -> np.ndarray:
    """Modal phase collinearity (Pappa et al. 1993) of each column of ``shape``; 1 for a real (normal) mode."""
    phi = np.asarray(shape, dtype=complex)
    p = phi[:, None] if phi.ndim == 1 else phi
    re, im = np.real(p), np.imag(p)
    sxx = np.sum(re * re, axis=0)
    syy = np.sum(im * im, axis=0)
    sxy = np.sum(re * im, axis=0)
    tot = sxx + syy
    val = np.divide((sxx - syy) ** 2 + 4 * sxy ** 2, tot ** 2, out=np.zeros_like(tot), where=tot > 0)
    return float(val[0]) if phi.ndim == 1 else val


def mpd(shape) -> np.ndarray:
    """Mean phase deviation, degrees, of each column of ``shape`` from its best straight line in the complex plane.

    The line through the origin is the principal direction of the components (total least squares, closed form
    for the 2×2 scatter matrix); deviations are weighted by the components' moduli (Reynders, Houbrechts &
    De Roeck 2012). 0° for a real (normal) mode, at most 90°.
    """
    phi = np.asarray(shape, dtype=complex)
    p = phi[:, None] if phi.ndim == 1 else phi
    re, im = np.real(p), np.imag(p)
    sxx, syy, sxy = np.sum(re * re, axis=0), np.sum(im * im, axis=0), np.sum(re * im, axis=0)
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # principal axis of the scatter matrix, all columns at once
    mod = np.abs(p)
    proj = np.abs(re * np.cos(theta) + im * np.sin(theta))
    cos = np.divide(proj, mod, out=np.ones_like(mod), where=mod > 0)
    dev = np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))
    total = mod.sum(axis=0)
    out = np.divide(np.sum(mod * dev, axis=0), total, out=np.zeros_like(total), where=total > 0)
    return float(out[0]) if phi.ndim == 1 else out
