"""A :class:`~shm_app.session.state.Geometry` as arrays: node positions, lines as index pairs, and for every channel
the node it measures and its direction as a unit vector."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from shm_app.errors import ShmError
from shm_app.io.geometry import GeometryNode

__all__ = ["Wireframe", "wireframe", "node_list", "channel_nodes", "channels_on_nodes", "direction_vector"]

_AXIS = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}
_SUFFIX = re.compile(r"[_\-. ]?[+-]?[xyzXYZ]$")
_DECIMALS = 6  # positions equal to the µm are one node


@dataclass(frozen=True, eq=False)
class Wireframe:
    """The geometry as arrays.

    node_names : (n_nodes,) names; positions_m : (n_nodes, 3) float, m; fixed : (n_nodes,) bool, supports
    lines : (n_lines, 2) int, node indices; channels : (n_channels,) names of the channels placed on nodes
    channel_nodes : (n_channels,) int, node index of each channel; directions : (n_channels, 3) float, unit vector
    of each channel's measuring direction (zero when unknown: the channel is not used)
    """

    node_names: tuple[str, ...]
    positions_m: np.ndarray
    fixed: np.ndarray
    lines: np.ndarray
    channels: tuple[str, ...]
    channel_nodes: np.ndarray
    directions: np.ndarray

    @property
    def size_m(self) -> float:
        """The largest extent of the structure along x, y or z, m (1 for a single point)."""
        if len(self.node_names) < 2:
            return 1.0
        extent = float(np.max(np.ptp(self.positions_m, axis=0)))
        return extent if extent > 0 else 1.0


def direction_vector(direction: Optional[str]) -> np.ndarray:
    """Unit vector of a direction label (``'z'``, ``'-y'``, ``'(0.6, 0.8, 0)'``); zeros when unknown."""
    if not direction:
        return np.zeros(3)
    text = direction.strip().lower()
    sign = -1.0 if text.startswith("-") else 1.0
    axis = text.lstrip("+-")
    if axis in _AXIS:
        return sign * np.array(_AXIS[axis])
    try:
        v = np.array([float(t) for t in text.strip("()[] ").split(",")], dtype=float)
    except ValueError:
        return np.zeros(3)
    n = np.linalg.norm(v) if v.shape == (3,) else 0.0
    return v / n if n > 0 else np.zeros(3)


def _key(position) -> tuple:
    return tuple(np.round(np.asarray(position, dtype=float), _DECIMALS))


@lru_cache(maxsize=32)
def _resolve(geometry) -> tuple[tuple[GeometryNode, ...], dict[str, str]]:
    nodes = {n.name: n for n in geometry.nodes}
    at = {_key(n.position_m): n.name for n in geometry.nodes}
    mapping: dict[str, str] = {}
    groups: dict[tuple, list] = {}  # sensors without a node of the list, by position
    for s in geometry.sensors:
        if s.node is not None and s.node in nodes:
            mapping[s.channel] = s.node
        elif s.node is not None:  # a node named only by its sensors: at the first sensor's position
            nodes[s.node] = GeometryNode(s.node, tuple(float(v) for v in s.position_m))
            mapping[s.channel] = s.node
        elif _key(s.position_m) in at:
            mapping[s.channel] = at[_key(s.position_m)]
        else:
            groups.setdefault(_key(s.position_m), []).append(s)
    stems = {k: {_SUFFIX.sub("", s.channel) or s.channel for s in g} for k, g in groups.items()}
    all_stems = [next(iter(v)) for v in stems.values() if len(v) == 1]
    for k, group in groups.items():
        stem = next(iter(stems[k])) if len(stems[k]) == 1 else None
        name = stem if stem and all_stems.count(stem) == 1 and stem not in nodes else group[0].channel
        nodes[name] = GeometryNode(name, tuple(float(v) for v in group[0].position_m))
        for s in group:
            mapping[s.channel] = name
    return tuple(nodes.values()), mapping


def node_list(geometry) -> tuple[GeometryNode, ...]:
    """Every node of ``geometry``: its ``nodes``, then one per position of the sensors that name no listed node
    (named after their channels with the direction suffix dropped, ``A01L_z`` → ``A01L``, when that is unique)."""
    return _resolve(geometry)[0]


def channel_nodes(geometry) -> dict[str, str]:
    """The node each channel of ``geometry`` measures, by channel name."""
    return dict(_resolve(geometry)[1])


def channels_on_nodes(geometry, channels):
    """``geometry`` with a sensor for each of ``channels`` it does not place but whose name tells where it is: the
    name of a node with a direction suffix (``A05L_z`` on node ``A05L``, along z), as node names are made from
    channel names. The channels of a roving test's setups then find their points on a geometry that lists the
    nodes (or the other setups' sensors) only. Channels without such a node or suffix stay unplaced."""
    from dataclasses import replace

    from shm_app.io.geometry import SensorGeometry

    placed = {s.channel for s in geometry.sensors}
    nodes = {n.name: n for n in node_list(geometry)}
    added = []
    for c in channels:
        suffix = _SUFFIX.search(c)
        node = nodes.get(_SUFFIX.sub("", c)) if suffix else None
        if c not in placed and node is not None:
            text = suffix.group(0)
            direction = (text[1:] if len(text) > 1 and text[0] in "_-. " else text).lower()  # A_-z: -z; A-z: z
            added.append(SensorGeometry(c, node.position_m, direction, node.name))
    return replace(geometry, sensors=geometry.sensors + tuple(added),
                   nodes=tuple(nodes.values()) if added else geometry.nodes) if added else geometry


def wireframe(geometry) -> Wireframe:
    """``geometry`` as arrays (see :class:`Wireframe`).

    Raises
    ------
    ShmError
        When a line names a node that is neither a node nor a channel of the geometry.
    """
    nodes, mapping = _resolve(geometry)
    index = {n.name: i for i, n in enumerate(nodes)}
    lines = []
    for a, b in geometry.lines:
        ends = []
        for name in (a, b):
            i = index.get(name, index.get(mapping.get(name, ""), None))
            if i is None:
                raise ShmError(f"line {a}–{b}: {name!r} is neither a node nor a channel of the geometry")
            ends.append(i)
        if ends[0] != ends[1]:
            lines.append(ends)
    channels = tuple(s.channel for s in geometry.sensors)
    return Wireframe(
        node_names=tuple(n.name for n in nodes),
        positions_m=np.array([n.position_m for n in nodes], dtype=float).reshape(len(nodes), 3),
        fixed=np.array([n.fixed for n in nodes], dtype=bool),
        lines=np.array(lines, dtype=int).reshape(len(lines), 2),
        channels=channels,
        channel_nodes=np.array([index[mapping[c]] for c in channels], dtype=int),
        directions=np.array([direction_vector(s.direction) for s in geometry.sensors], dtype=float).reshape(-1, 3),
    )
