"""The structure mode shapes are drawn on: nodes, lines and which channel measures which node
(:class:`~shm_app.session.state.Geometry`), as arrays (:mod:`.model`); the deformed shape of every node for a mode
(:mod:`.shapes`); how it is animated (:mod:`.animation`); geometry files (:mod:`.files`, imported on first use: it
needs the session's types, slow to import for ``shm-app --help``). No Qt, no matplotlib."""
from shm_app.geometry.animation import AnimationSettings, phases
from shm_app.geometry.model import Wireframe, node_list, wireframe
from shm_app.geometry.shapes import deformed_positions, displacement_at, node_displacements

__all__ = ["AnimationSettings", "phases", "load_geometry", "sample_geometry", "Wireframe", "node_list", "wireframe",
           "node_displacements", "displacement_at", "deformed_positions"]


def __getattr__(name: str):
    if name in ("load_geometry", "sample_geometry"):
        from shm_app.geometry import files

        return getattr(files, name)
    raise AttributeError(f"module 'shm_app.geometry' has no attribute {name!r}")
