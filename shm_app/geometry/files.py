"""A :class:`~shm_app.session.state.Geometry` from a geometry CSV and a lines CSV (:mod:`shm_app.io.geometry`), and
the bundled sample deck's."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from shm_app.errors import ReadError, ShmError
from shm_app.geometry.model import node_list, wireframe
from shm_app.io.geometry import read_geometry_table, read_lines
from shm_app.session.state import Geometry

__all__ = ["load_geometry", "sample_geometry", "SAMPLE_FOLDER"]

SAMPLE_FOLDER = Path(__file__).resolve().parents[2] / "resources" / "sample"


def load_geometry(geometry_csv: Union[str, Path], lines_csv: Union[str, Path, None] = None, *,
                  unmeasured: str = "interpolate") -> Geometry:
    """The geometry of ``geometry_csv`` (nodes, sensors) with the lines of ``lines_csv`` (none if not given).

    Every node is listed in the result and every sensor names its node, so the geometry dialog shows them as they
    are drawn.

    Raises
    ------
    ReadError
        Naming the file: unreadable, badly formed, or a line naming a node the geometry does not have.
    """
    sensors, nodes = read_geometry_table(geometry_csv)
    lines = read_lines(lines_csv) if lines_csv is not None else ()
    partial = Geometry(sensors=tuple(sensors.values()), nodes=tuple(nodes.values()), lines=lines,
                       source=str(geometry_csv), unmeasured=unmeasured,
                       lines_source=None if lines_csv is None else str(lines_csv))
    try:
        wireframe(partial)
    except ShmError as exc:
        raise ReadError(lines_csv if lines_csv is not None else geometry_csv, str(exc)) from None
    return complete(partial)


def complete(geometry: Geometry) -> Geometry:
    """``geometry`` with every node listed and every sensor naming its node (the form the dialog edits)."""
    from dataclasses import replace

    from shm_app.geometry.model import channel_nodes

    mapping = channel_nodes(geometry)
    return replace(geometry, nodes=node_list(geometry),
                   sensors=tuple(replace(s, node=mapping[s.channel]) for s in geometry.sensors))


def sample_geometry(folder: Optional[Union[str, Path]] = None) -> Geometry:
    """The bundled sample deck: 8 vertical sensors, the supports at both ends, outline and cross lines."""
    folder = Path(folder) if folder is not None else SAMPLE_FOLDER
    return load_geometry(folder / "geometry.csv", folder / "lines.csv")
