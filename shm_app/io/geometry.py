"""Sensor geometry: where each channel's sensor sits and which way it points, from a geometry CSV.

The CSV has one row per channel: ``channel,x_m,y_m,z_m,direction`` (docs/contracts.md). Also accepted: delimiter ``;``,
tab or whitespace; column names ``channel``/``name``/``sensor``/``sName``; coordinates ``x``/``x_m``/``x [mm]``
(m, cm or mm, converted to m); a direction as text (``z``, ``+y``, ``-x``, ``up``) or as vector columns
``dx,dy,dz``. The pyOMA2 layout (``sens_coord.txt`` plus a ``sens_dir.txt`` of direction vectors in the same
order) is read by passing the direction file as ``directions=``.

Nodes: an optional ``node`` column names the point a channel measures (several channels, x/y/z, may share one
node); without it, channels at the same position share a node. A row whose direction is ``fixed`` (or ``support``)
is a node without a sensor that does not move; ``node`` (or ``none``, ``-``) a node without a sensor that follows
the rule for unmeasured nodes; such a row gives its name in the node column (or the channel column). :func:`read_geometry_table` gives
both; :func:`read_geometry` the sensors only. A lines CSV (``node_a,node_b``, :func:`read_lines`) says which nodes
are joined for drawing and for interpolating unmeasured nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from shm_app.errors import ReadError
from shm_app.recording import Recording

__all__ = ["SensorGeometry", "GeometryNode", "read_geometry", "read_geometry_table", "read_lines", "attach_geometry"]

_LENGTH = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "km": 1e3}
_NAME_COLUMNS = ("channel", "name", "sensor", "sname", "channel_name", "kanal", "id")
_AXES = {"x": "x", "y": "y", "z": "z", "up": "z", "vertical": "z", "vert": "z", "long": "x", "longitudinal": "x",
         "tran": "y", "transverse": "y", "lat": "y", "lateral": "y"}


@dataclass(frozen=True)
class SensorGeometry:
    """Position (m) and measuring direction of one channel's sensor; ``node`` names the node it measures (None: the
    node at its position)."""

    channel: str
    position_m: tuple[float, float, float]
    direction: Optional[str] = None
    node: Optional[str] = None


@dataclass(frozen=True)
class GeometryNode:
    """A point of the structure (m). ``fixed``: a support, it does not move."""

    name: str
    position_m: tuple[float, float, float]
    fixed: bool = False


_FIXED_WORDS = ("fixed", "support", "clamped")
MAX_COLUMNS = 1000
_NODE_WORDS = ("node", "none", "-", "free", "unmeasured")


MAX_TABLE_BYTES = 64 * 2**20  # a geometry or lines table of a structure is kilobytes


def _text(p: Path, what: str) -> str:
    """The decoded text of a geometry or lines CSV: UTF-8 (with or without BOM), UTF-16 with BOM, latin-1; binary
    content, a missing file and absurd sizes refused naming the file."""
    from shm_app.io._common import os_reason, read_text

    if not p.is_file():
        raise ReadError(p, f"{what} not found" if not p.exists() else "is not a file")
    if p.stat().st_size > MAX_TABLE_BYTES:
        raise ReadError(p, f"the {what} is {p.stat().st_size / 2**20:.0f} MB; a {what} is a small table (one row per "
                           f"sensor or line)")
    try:
        text = read_text(p, f"a {what} (CSV text)")
    except OSError as exc:
        raise ReadError(p, f"cannot read the {what}: {os_reason(p, exc)}") from None
    return text.replace("\x00", "")


def _split(line: str, delim: Optional[str]) -> list[str]:
    return [c.strip().strip('"') for c in (line.split(delim) if delim else line.split())]


def _column(header: list[str], names: Sequence[str]) -> Optional[int]:
    for i, h in enumerate(header):
        key = re.sub(r"\s*[\[(].*$", "", h).strip().lower()
        if key in names:
            return i
    return None


def _length_factor(label: str) -> float:
    m = re.search(r"[\[(]\s*(\w+)\s*[\])]", label) or re.search(r"_(m|cm|mm)$", label.strip().lower())
    return _LENGTH.get(m.group(1).lower(), 1.0) if m else 1.0


def direction_label(text: Optional[str] = None, vector: Optional[Sequence[float]] = None) -> Optional[str]:
    """``'z'``, ``'-y'`` from text or an axis-aligned unit vector; ``'(0.71, 0.71, 0)'`` for an oblique one."""
    if vector is not None:
        v = np.asarray(vector, dtype=float)
        if not np.any(v):
            return None
        k = int(np.argmax(np.abs(v)))
        if np.count_nonzero(v) == 1:
            return ("-" if v[k] < 0 else "") + "xyz"[k]
        return "(" + ", ".join(f"{x:g}" for x in v) + ")"
    if text is None or not text.strip():
        return None
    t = text.strip().lower()
    sign = "-" if t.startswith("-") else ""
    axis = _AXES.get(t.lstrip("+-"))
    return sign + axis if axis else text.strip()


def read_geometry(path: Union[str, Path], *, directions: Union[str, Path, None] = None) -> dict[str, SensorGeometry]:
    """Sensor geometry by channel name from a geometry CSV (see the module docstring); node rows left out."""
    return read_geometry_table(path, directions=directions)[0]


def read_geometry_table(path: Union[str, Path], *, directions: Union[str, Path, None] = None
                        ) -> tuple[dict[str, SensorGeometry], dict[str, GeometryNode]]:
    """The sensors by channel name and the nodes without a sensor by name (``fixed`` or ``node`` rows) of a
    geometry CSV (see the module docstring).

    Raises
    ------
    ReadError
        Naming the file and the row when columns are missing, a coordinate is not a number or a channel repeats.
    """
    p = Path(path)
    lines = [ln for ln in _text(p, "geometry file").splitlines() if ln.strip() and ln.strip()[0] not in "#%"]
    if len(lines) < 2:
        raise ReadError(p, "the geometry file needs a header row and one row per channel")
    head = lines[0]
    delim = next((d for d in ("\t", ";", ",") if d in head), None)
    header = _split(head, delim)
    if len(header) > MAX_COLUMNS:
        raise ReadError(p, f"the geometry header has {len(header):,} columns; a geometry file has a handful "
                           f"(channel, x_m, y_m, z_m, direction, node)")
    name_col = _column(header, _NAME_COLUMNS)
    xyz = [_column(header, (a, f"{a}_m", f"{a}_mm", f"{a}_cm", f"{a}m")) for a in "xyz"]
    if name_col is None or any(c is None for c in xyz):
        raise ReadError(p, f"the geometry header must name the columns channel, x_m, y_m, z_m (found: {', '.join(header)})")
    factors = [_length_factor(header[c]) for c in xyz]
    dir_col = _column(header, ("direction", "dir", "axis", "orientation", "richtung"))
    node_col = _column(header, ("node", "point", "node_name", "knoten"))
    vec_cols = [_column(header, (f"d{a}", f"dir_{a}", f"n{a}")) for a in "xyz"]
    dir_vectors = None
    if directions is not None:
        d = Path(directions)
        try:
            dir_vectors = np.atleast_2d(np.loadtxt(d))
        except (OSError, ValueError) as exc:
            from shm_app.io._common import log_reason

            log_reason(d, exc)
            raise ReadError(d, "the direction file must hold one 'dx dy dz' row of three numbers per sensor; a row "
                               "holds something else, or the file cannot be read") from None
        if dir_vectors.shape != (len(lines) - 1, 3):
            raise ReadError(d, f"{dir_vectors.shape[0]} direction rows for {len(lines) - 1} sensors in {p.name}")
    out: dict[str, SensorGeometry] = {}
    nodes: dict[str, GeometryNode] = {}
    for row, line in enumerate(lines[1:], start=2):
        cells = _split(line, delim)
        if len(cells) < len(header) - (1 if dir_col is not None else 0):
            raise ReadError(p, f"row {row} has {len(cells)} values for {len(header)} columns")
        name = cells[name_col]
        try:
            pos = tuple(float(cells[c].replace(",", ".")) * f for c, f in zip(xyz, factors))
        except (ValueError, IndexError):
            raise ReadError(p, f"row {row} ({name}): coordinates must be numbers") from None
        if not all(np.isfinite(pos)):
            raise ReadError(p, f"row {row} ({name}): coordinates must be finite numbers")
        direction = None
        word = cells[dir_col].strip().lower() if dir_col is not None and dir_col < len(cells) else ""
        node = (cells[node_col].strip() or None) if node_col is not None and node_col < len(cells) else None
        if word in _FIXED_WORDS or word in _NODE_WORDS:
            name = node or name
            if not name:
                raise ReadError(p, f"row {row}: a node needs a name (in the node or the channel column)")
            if name in nodes:
                raise ReadError(p, f"node {name!r} appears twice (row {row}); one row per node")
            nodes[name] = GeometryNode(name, pos, fixed=word in _FIXED_WORDS)  # type: ignore[arg-type]
            continue
        if not name:
            raise ReadError(p, f"row {row}: the channel name is missing")
        if dir_vectors is not None:
            direction = direction_label(vector=dir_vectors[row - 2])
        elif all(c is not None for c in vec_cols):
            try:
                direction = direction_label(vector=[float(cells[c]) for c in vec_cols])
            except (ValueError, IndexError):
                raise ReadError(p, f"row {row} ({name}): direction components must be numbers") from None
        elif dir_col is not None and dir_col < len(cells):
            direction = direction_label(cells[dir_col])
        if name in out:
            raise ReadError(p, f"channel {name!r} appears twice (row {row}); one row per channel")
        out[name] = SensorGeometry(name, pos, direction, node)  # type: ignore[arg-type]
    if not out and not nodes:
        raise ReadError(p, "the geometry file holds no sensor and no node")
    return out, nodes


def read_lines(path: Union[str, Path]) -> tuple[tuple[str, str], ...]:
    """Lines between nodes from a lines CSV: one ``node_a,node_b`` pair per row (a header row is optional;
    delimiter ``,``, ``;``, tab or whitespace). Nodes are named as in the geometry CSV (node or channel names).

    Raises
    ------
    ReadError
        Naming the file and the row when a row does not hold two names or joins a node to itself.
    """
    p = Path(path)
    rows = [ln for ln in _text(p, "lines file").splitlines() if ln.strip() and ln.strip()[0] not in "#%"]
    if not rows:
        raise ReadError(p, "the lines file is empty: one 'node_a,node_b' row per line")
    delim = next((d for d in ("\t", ";", ",") if d in rows[0]), None)
    first = [c.lower() for c in _split(rows[0], delim)]
    start = 1 if first in (["node_a", "node_b"], ["a", "b"], ["from", "to"], ["start", "end"], ["i", "j"],
                                ["node1", "node2"], ["node_1", "node_2"]) else 0
    lines = []
    for row, line in enumerate(rows[start:], start=start + 1):
        cells = [c for c in _split(line, delim) if c]
        if len(cells) != 2:
            raise ReadError(p, f"row {row} has {len(cells)} values; each row joins two nodes: node_a,node_b")
        if cells[0] == cells[1]:
            raise ReadError(p, f"row {row} joins node {cells[0]!r} to itself")
        lines.append((cells[0], cells[1]))
    return tuple(lines)


def attach_geometry(recording: Recording, geometry: Union[dict, str, Path], *,
                    directions: Union[str, Path, None] = None) -> Recording:
    """A copy of ``recording`` whose channels carry the positions and directions of ``geometry``.

    Channels without a geometry row keep theirs and are listed in ``metadata["geometry_missing"]``; rows for
    channels the recording does not have are listed in ``metadata["geometry_unused"]``.
    """
    if not isinstance(geometry, dict):
        geometry = read_geometry(geometry, directions=directions)
    channels, missing = [], []
    for ch in recording.channels:
        g = geometry.get(ch.name)
        if g is None:
            missing.append(ch.name)
            channels.append(ch)
        else:
            channels.append(replace(ch, position_m=g.position_m, direction=g.direction or ch.direction))
    meta = dict(recording.metadata)
    if missing:
        meta["geometry_missing"] = missing
    unused = sorted(set(geometry) - set(recording.channel_names))
    if unused:
        meta["geometry_unused"] = unused
    return replace(recording, channels=tuple(channels), metadata=meta)
