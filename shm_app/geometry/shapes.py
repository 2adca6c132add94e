"""The deformed shape of every node of a structure for a mode.

Measured nodes: a node's channels (any number, any directions) give its displacement by least squares,
``u = pinv(Σ d dᵀ) Σ d φ`` with ``d`` each channel's unit direction and ``φ`` its (complex) mode-shape value; that
is exact for channels along x, y and z. What no channel of a node sees (an unmeasured node, or the x and y of a
node measured in z) follows the rule ``unmeasured``:

- ``"interpolate"``: per axis, the harmonic interpolation over the lines from the nodes known in that axis
  (measured ones, and ``fixed`` supports at 0), each line weighted by 1/length: linear in distance between two known
  nodes along a chain of lines, the mean for a node halfway, constant beyond the last known node, and 0 where no
  line leads to a known node;
- ``"fixed"``: 0.

Supports (``fixed`` nodes) never move. Complex shapes animate with their phase: the displacement at phase angle
θ is ``Re(u e^{iθ})`` (θ = ωt).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from shm_app.geometry.model import Wireframe

__all__ = ["UNMEASURED_RULES", "node_displacements", "displacement_at", "deformed_positions", "scale_for"]

UNMEASURED_RULES = ("interpolate", "fixed")
_KNOWN = 1.0 - 1e-9


def node_displacements(frame: Wireframe, shape, channels: Sequence[str], *,
                       unmeasured: str = "interpolate") -> np.ndarray:
    """Complex displacement of every node for a mode shape given over ``channels``.

    Parameters
    ----------
    frame : the structure (:func:`shm_app.geometry.model.wireframe`)
    shape : (n_channels,) complex mode shape over ``channels`` (any scale; the result has the same)
    channels : names of the shape's channels; those the geometry does not place are left out, and the geometry's
        channels missing here count as unmeasured
    unmeasured : ``"interpolate"`` or ``"fixed"`` (see the module docstring)

    Returns
    -------
    displacement : (n_nodes, 3) complex, in the shape's unit, along x, y, z
    """
    if unmeasured not in UNMEASURED_RULES:
        raise ValueError(f"unmeasured must be one of {', '.join(UNMEASURED_RULES)}; got {unmeasured!r}")
    shape = np.asarray(shape, dtype=complex).ravel()
    if shape.size != len(channels):
        raise ValueError(f"shape has {shape.size} values for {len(channels)} channels")
    n = len(frame.node_names)
    where = {c: i for i, c in enumerate(channels)}
    use = np.array([c in where for c in frame.channels], dtype=bool) & np.any(frame.directions != 0, axis=1)
    nodes = frame.channel_nodes[use]
    d = frame.directions[use]
    phi = shape[[where[c] for c, u in zip(frame.channels, use) if u]]
    normal = np.zeros((n, 3, 3))
    np.add.at(normal, nodes, d[:, :, None] * d[:, None, :])  # Σ d dᵀ per node
    rhs = np.zeros((n, 3), dtype=complex)
    np.add.at(rhs, nodes, d * phi[:, None])  # Σ d φ per node
    inverse = np.linalg.pinv(normal, hermitian=True)
    measured = np.einsum("nij,nj->ni", inverse, rhs)
    projector = inverse @ normal  # onto what the node's channels see
    measured[frame.fixed] = 0.0
    known = np.diagonal(projector, axis1=1, axis2=2) > _KNOWN
    known[frame.fixed] = True
    if unmeasured == "fixed":
        rule = np.zeros((n, 3), dtype=complex)
    else:
        rule = _interpolate(frame, measured, known)
    rest = np.eye(3) - projector  # what the channels do not see
    rest[frame.fixed] = 0.0
    return measured + np.einsum("nij,nj->ni", rest, rule)


def _interpolate(frame: Wireframe, values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Harmonic interpolation along the lines (weights 1/length), per axis; known entries kept."""
    n = len(frame.node_names)
    out = np.where(known, values, 0.0).astype(complex)
    if not frame.lines.size:
        return out
    a, b = frame.lines[:, 0], frame.lines[:, 1]
    length = np.linalg.norm(frame.positions_m[a] - frame.positions_m[b], axis=1)
    w = 1.0 / np.maximum(length, 1e-9 * frame.size_m)
    laplacian = np.zeros((n, n))
    np.add.at(laplacian, (a, b), -w)
    np.add.at(laplacian, (b, a), -w)
    np.add.at(laplacian, (a, a), w)
    np.add.at(laplacian, (b, b), w)
    for axis in range(3):
        free = ~known[:, axis]
        if not free.any():
            continue
        block = laplacian[np.ix_(free, free)]
        rhs = -laplacian[np.ix_(free, ~free)] @ out[~free, axis]
        # least squares: a group of nodes that no line joins to a known node has a singular block and zero
        # right-hand side, so its minimum-norm solution is 0
        out[free, axis] = np.linalg.lstsq(block, rhs, rcond=None)[0]
    return out


def displacement_at(displacement: np.ndarray, phase_rad) -> np.ndarray:
    """Real displacement ``Re(u e^{iθ})`` at phase angle(s) θ.

    displacement : (n_nodes, 3) complex; phase_rad : scalar or (n_phases,) rad
    Returns (n_nodes, 3) or (n_phases, n_nodes, 3), in the displacement's unit.
    """
    rotation = np.exp(1j * np.asarray(phase_rad, dtype=float))
    return np.real(np.multiply.outer(rotation, displacement))


def scale_for(frame: Wireframe, displacement: np.ndarray, amplitude: float) -> float:
    """The factor that makes the largest node displacement ``amplitude`` × the structure's size (0 for no motion)."""
    largest = float(np.max(np.abs(displacement))) if displacement.size else 0.0
    return amplitude * frame.size_m / largest if largest > 0 else 0.0


def deformed_positions(frame: Wireframe, displacement: np.ndarray, phase_rad, amplitude: float = 0.1) -> np.ndarray:
    """Node positions (m) deformed by ``displacement`` at phase(s) ``phase_rad``, its largest displacement drawn
    as ``amplitude`` × the structure's size: (n_nodes, 3) or (n_phases, n_nodes, 3)."""
    return frame.positions_m + scale_for(frame, displacement, amplitude) * displacement_at(displacement, phase_rad)
