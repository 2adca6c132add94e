"""Export identified mode shapes as a Universal File (UFF58 family, dataset 55 "data at nodes", normal modes).

Each channel is a node (number = channel position + 1); its real normalised shape component goes into the
translational degree of freedom of the channel's direction (x, y or z; z when unknown), the other two are zero.
Frequency (Hz) and viscous damping ratio of each mode go in record 8 of its dataset, so modal-analysis tools
(ME'scope, pyOMA2, LMS/Simcenter, MATLAB readers) can animate the shapes on a geometry.
"""
from __future__ import annotations

from pathlib import Path
from typing import Union

import numpy as np

from shm_app.identification import IdentificationResult


def _axis(direction) -> int:
    d = (direction or "z").strip().lower().lstrip("+-")
    return {"x": 0, "y": 1, "z": 2}.get(d[:1], 2)


def uff_datasets(result: IdentificationResult, directions=None) -> list[dict]:
    """The dataset-55 dictionaries (pyuff layout) for every mode of ``result``.

    ``directions`` : optional per-channel direction strings ('x', 'y', 'z', '-z', …), default 'z'.
    """
    import pyuff

    n_ch = len(result.channels)
    directions = list(directions) if directions is not None else ["z"] * n_ch
    axes = np.array([_axis(d) for d in directions])
    nodes = np.arange(1, n_ch + 1)  # integer node numbers (pyuff checks the dtype)
    out = []
    for k, mode in enumerate(result.modes, start=1):
        real = np.real(mode.shape)
        dof = np.zeros((3, n_ch))
        dof[axes, np.arange(n_ch)] = real
        out.append(pyuff.prepare_55(
            model_type=1, id1=f"shm-app {result.settings.method}", id2=str(result.file or "NONE"),
            id3=f"mode {k}: {mode.frequency_hz:.4f} Hz, damping {mode.damping_ratio:.4f}",
            id4=f"MPC {mode.mpc:.3f}, MPD {mode.mpd_deg:.1f} deg", id5="channels: " + ",".join(result.channels)[:70],
            analysis_type=2, data_ch=2, spec_data_type=8, data_type=2, n_data_per_node=3,
            r1=dof[0], r2=dof[1], r3=dof[2], node_nums=nodes, load_case=1, mode_n=k, modal_m=0.0,
            freq=float(mode.frequency_hz), modal_damp_vis=float(mode.damping_ratio), modal_damp_his=0.0,
        ))
    return out


def write_uff(path: Union[str, Path], result: IdentificationResult, directions=None) -> None:
    """Write the mode shapes of ``result`` to ``path`` (replaced atomically: written beside it, then renamed)."""
    import os

    import pyuff

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    if tmp.exists():
        tmp.unlink()
    uff = pyuff.UFF(str(tmp))
    datasets = uff_datasets(result, directions)
    if datasets:
        uff.write_sets(datasets, mode="overwrite")
    else:
        tmp.write_text("")
    os.replace(tmp, path)
