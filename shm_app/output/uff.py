"""Export identified modes as a Universal File: the structure and its mode shapes, for modal-analysis tools
(ME'scope, Simcenter, pyOMA2, MATLAB readers) to animate.

Datasets, in order (pyuff layout):

- **151** header: model name (the recording), description, program (SHM Workbench and its version), dates;
- **164** units: SI (m, N, °C; code 1);
- **15** nodes, only with a geometry: every node of :func:`shm_app.geometry.node_list` numbered 1, 2, … in that
  order, coordinates in m;
- **55** one set per mode, normal mode (analysis type 2) with complex values (data type 5): frequency (Hz) and
  viscous damping ratio in its record 7, the complex shape (normalised as the identification gives it) per node in
  x, y, z. With a geometry a node's displacement is the least-squares (minimum-norm) combination of the channels
  measuring it along their directions, and only measured nodes are written; without one each channel is a node
  (number = channel position + 1) moving along its direction (``directions``; z when unknown).

UFF stores these numbers as text with 6 significant digits (``%13.5e``).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from shm_app.identification import IdentificationResult

__all__ = ["uff_datasets", "write_uff", "node_shapes"]

_AXES = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}


def _direction(direction: Optional[str]) -> np.ndarray:
    """Unit vector of a direction label; z when unknown (the old exports' convention)."""
    from shm_app.geometry.model import direction_vector

    v = direction_vector(direction)
    return v if np.any(v) else np.array(_AXES["z"])


def node_shapes(result: IdentificationResult, directions: Optional[Sequence[Optional[str]]] = None,
                geometry=None) -> tuple[np.ndarray, np.ndarray]:
    """The node numbers and every mode's complex displacement at them.

    Returns
    -------
    nodes : (n_nodes,) int, UFF node numbers (1-based)
    shapes : (n_modes, n_nodes, 3) complex, x/y/z displacement of each node, in the mode shape's scale
    """
    shapes = np.array([np.asarray(m.shape, dtype=complex) for m in result.modes]).reshape(len(result.modes), -1)
    channels = list(result.channels)
    if geometry is None:
        dirs = list(directions) if directions is not None else [None] * len(channels)
        if len(dirs) != len(channels):
            raise ValueError(f"directions must give one direction per channel ({len(channels)}); got {len(dirs)}")
        unit = np.array([_direction(d) for d in dirs]).reshape(len(channels), 3)
        return np.arange(1, len(channels) + 1), shapes[:, :, None] * unit[None, :, :]
    from shm_app.geometry.model import wireframe

    frame = wireframe(geometry)
    column = {c: i for i, c in enumerate(channels)}
    placed = [(column[c], frame.channel_nodes[k], frame.directions[k]) for k, c in enumerate(frame.channels)
              if c in column and np.any(frame.directions[k])]
    measured = sorted({node for _, node, _ in placed})
    out = np.zeros((len(result.modes), len(measured), 3), dtype=complex)
    for j, node in enumerate(measured):
        rows = [(col, d) for col, n, d in placed if n == node]
        matrix = np.array([d for _, d in rows])  # (n_channels_here, 3): what each channel sees of (x, y, z)
        pinv = np.linalg.pinv(matrix)  # least squares; minimum norm when the node is measured in < 3 directions
        out[:, j, :] = shapes[:, [col for col, _ in rows]] @ pinv.T
    return np.array(measured, dtype=int) + 1, out


def _header(result: IdentificationResult, geometry) -> list[dict]:
    import pyuff

    from shm_app import __version__

    now = datetime.now()
    name = Path(str(result.file)).name if result.file else "recording"
    description = f"modes by {result.settings.method} of {name}"
    if geometry is not None and getattr(geometry, "source", None):
        description += f" on {Path(str(geometry.source)).name}"
    header = pyuff.prepare_151(
        model_name=name[:80], description=description[:80], db_app="SHM Workbench",
        date_db_created=now.strftime("%d-%b-%y"), time_db_created=now.strftime("%H:%M:%S"), version_db1=0,
        version_db2=0, file_type=0, date_db_saved=now.strftime("%d-%b-%y"), time_db_saved=now.strftime("%H:%M:%S"),
        program=f"SHM Workbench {__version__}", date_db_written=now.strftime("%d-%b-%y"),
        time_db_written=now.strftime("%H:%M:%S"), return_full_dict=True)
    units = pyuff.prepare_164(units_code=1, units_description="SI: m, N, s, deg C", temp_mode=1, length=1.0,
                              force=1.0, temp=1.0, temp_offset=273.15, return_full_dict=True)
    return [header, units]


def _nodes(geometry) -> Optional[dict]:
    import pyuff

    from shm_app.geometry.model import node_list

    nodes = node_list(geometry)
    if not nodes:
        return None
    xyz = np.array([n.position_m for n in nodes], dtype=float).reshape(len(nodes), 3)
    return pyuff.prepare_15(node_nums=np.arange(1, len(nodes) + 1), def_cs=np.zeros(len(nodes), dtype=int),
                            disp_cs=np.zeros(len(nodes), dtype=int), color=np.ones(len(nodes), dtype=int),
                            x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], return_full_dict=True)


def uff_datasets(result: IdentificationResult, directions=None, *, geometry=None) -> list[dict]:
    """Every dataset of the export (pyuff layout): 151, 164, 15 (with a geometry) and one 55 per mode.

    directions : per-channel direction strings ('x', 'y', 'z', '-z', …; z when unknown), used without a geometry
    geometry : a :class:`~shm_app.session.state.Geometry`; its nodes and sensor directions place the shapes
    """
    import pyuff

    out = _header(result, geometry)
    if geometry is not None:
        nodes = _nodes(geometry)
        if nodes is not None:
            out.append(nodes)
    numbers, shapes = node_shapes(result, directions, geometry)
    for k, mode in enumerate(result.modes, start=1):
        out.append(pyuff.prepare_55(
            model_type=1, id1=f"shm-app {result.settings.method}", id2=str(result.file or "NONE")[-80:],
            id3=f"mode {k}: {mode.frequency_hz:.4f} Hz, damping {mode.damping_ratio:.4f}",
            id4=f"MPC {mode.mpc:.3f}, MPD {mode.mpd_deg:.1f} deg",
            id5=("channels: " + ",".join(result.channels))[:80], analysis_type=2, data_ch=2, spec_data_type=8,
            data_type=5, n_data_per_node=3, r1=shapes[k - 1, :, 0], r2=shapes[k - 1, :, 1], r3=shapes[k - 1, :, 2],
            node_nums=numbers, load_case=1, mode_n=k, modal_m=0.0, freq=float(mode.frequency_hz),
            modal_damp_vis=float(mode.damping_ratio), modal_damp_his=0.0))  # no full dict: r4..r6 would be 'present'
    return out


def write_uff(path: Union[str, Path], result: IdentificationResult, directions=None, *, geometry=None) -> Path:
    """Write the modes of ``result`` to ``path`` (see the module docstring), replaced atomically.

    directions : per-channel direction strings, used without a geometry; geometry : places the shapes on its nodes
    """
    import pyuff

    from shm_app.persistence.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        pyuff.UFF(str(tmp)).write_sets(uff_datasets(result, directions, geometry=geometry), mode="overwrite")
    return path
