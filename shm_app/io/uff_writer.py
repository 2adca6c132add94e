"""Write a :class:`Recording` as Universal File Format dataset 58 time records (read by :mod:`shm_app.io.uff_reader`
and by modal-analysis tools: ME'scope, Simcenter, pyOMA2, MATLAB readers), atomically.

One ASCII type-58 set per channel in double precision (12 significant digits: the numbers come back to a relative
1e-11; pyuff's binary ``58b`` does not read back its own files): function type 1 (time response), abscissa in s
from 0 with increment ``1/fs``, ordinate in the app's unit (m/s²). Each channel is a response node (its position
+ 1) with the direction of its sensor (x, y, z with sign; 0 when unknown). Record 1 (``id1``) holds the channel
name, ``id2`` the source file, ``id4`` the start time (ISO, naive UTC) when known.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from shm_app.persistence.atomic import atomic_path
from shm_app.recording import Recording

#: UFF direction codes (record 6 of dataset 58)
DIRECTION_CODES = {"x": 1, "y": 2, "z": 3, "+x": 1, "+y": 2, "+z": 3, "-x": -1, "-y": -2, "-z": -3}


def direction_code(direction: Optional[str]) -> int:
    """The UFF direction code of a direction label ('z', '-y', '+X'); 0 when unknown or not along an axis."""
    return DIRECTION_CODES.get((direction or "").strip().lower(), 0)


def uff58_datasets(recording: Recording, nodes: Optional[Sequence[int]] = None) -> list[dict]:
    """The dataset-58 dictionaries (pyuff layout), one per channel of ``recording``.

    nodes : optional response node number per channel (default: channel position + 1)
    """
    import pyuff

    n = recording.n_samples
    nodes = list(nodes) if nodes is not None else list(range(1, recording.n_channels + 1))
    if len(nodes) != recording.n_channels:
        raise ValueError(f"nodes must give one number per channel ({recording.n_channels}); got {len(nodes)}")
    start = recording.start.isoformat() if recording.start is not None else "NONE"
    out = []
    for j, channel in enumerate(recording.channels):
        out.append(pyuff.prepare_58(
            binary=0, id1=channel.name, id2=str(recording.source or "NONE")[-80:], id3="shm-app recording",
            id4=start, id5="NONE", func_type=1, ver_num=0, load_case_id=0,
            rsp_ent_name=channel.name[:10] or "NONE", rsp_node=int(nodes[j]), rsp_dir=direction_code(channel.direction),
            ref_ent_name="NONE", ref_node=0, ref_dir=0,
            ord_data_type=4, num_pts=n, abscissa_spacing=1, abscissa_min=0.0, abscissa_inc=1.0 / recording.fs_hz,
            z_axis_value=0.0, abscissa_spec_data_type=17, abscissa_len_unit_exp=0, abscissa_force_unit_exp=0,
            abscissa_temp_unit_exp=0, abscissa_axis_units_lab="s", ordinate_spec_data_type=12,
            ordinate_len_unit_exp=1, ordinate_force_unit_exp=0, ordinate_temp_unit_exp=0,
            ordinate_axis_units_lab=channel.unit or "m/s^2", orddenom_spec_data_type=0, orddenom_len_unit_exp=0,
            orddenom_force_unit_exp=0, orddenom_temp_unit_exp=0, orddenom_axis_units_lab="NONE",
            z_axis_spec_data_type=0, z_axis_len_unit_exp=0, z_axis_force_unit_exp=0, z_axis_temp_unit_exp=0,
            z_axis_axis_units_lab="NONE", data=np.ascontiguousarray(recording.data[:, j], dtype=float),
            x=np.arange(n) / recording.fs_hz, return_full_dict=True))
    return out


def write_uff58(recording: Recording, path: Union[str, Path], nodes: Optional[Sequence[int]] = None) -> Path:
    """Save ``recording`` to ``path`` (``.uff``) as dataset-58 time records; replaced atomically."""
    import pyuff

    path = Path(path)
    with atomic_path(path) as tmp:
        uff = pyuff.UFF(str(tmp))
        uff.write_sets(uff58_datasets(recording, nodes), mode="overwrite")
    return path
