"""Deformed shapes on a geometry: known answers for measured, interpolated, fixed and complex cases."""
from __future__ import annotations

import numpy as np
import pytest

from shm_app.geometry import AnimationSettings, node_displacements, phases, sample_geometry, wireframe
from shm_app.geometry.shapes import deformed_positions, displacement_at, scale_for
from shm_app.io.geometry import GeometryNode, SensorGeometry
from shm_app.session.state import Geometry


def chain(unmeasured="interpolate", fixed_end=False):
    """a (x=0) — m (x=1, no sensor) — b (x=2) [— c (x=5, no sensor)], sensors in z at a and b."""
    nodes = (GeometryNode("a", (0.0, 0.0, 0.0)), GeometryNode("m", (1.0, 0.0, 0.0)),
             GeometryNode("b", (2.0, 0.0, 0.0)), GeometryNode("c", (5.0, 0.0, 0.0), fixed=fixed_end))
    sensors = (SensorGeometry("A_z", (0.0, 0.0, 0.0), "z", "a"), SensorGeometry("B_z", (2.0, 0.0, 0.0), "z", "b"))
    return Geometry(sensors=sensors, nodes=nodes, lines=(("a", "m"), ("m", "b"), ("b", "c")), unmeasured=unmeasured)


def test_a_node_halfway_between_two_measured_nodes_gets_their_mean():
    u = node_displacements(wireframe(chain()), [1.0, 3.0], ["A_z", "B_z"])
    assert u[:, 2] == pytest.approx([1.0, 2.0, 3.0, 3.0])  # c, beyond the last known node: constant
    assert np.all(u[:, :2] == 0)  # nothing measured in x or y anywhere: nothing to interpolate from


def test_linear_in_distance_towards_a_fixed_support():
    u = node_displacements(wireframe(chain(fixed_end=True)), [0.0, 3.0], ["A_z", "B_z"])
    assert u[3, 2] == 0  # the support does not move
    g = chain(fixed_end=True)
    g = Geometry(sensors=g.sensors, nodes=g.nodes[:2] + (GeometryNode("b", (2.0, 0, 0)), GeometryNode("d", (3.0, 0, 0)),
                                                        g.nodes[3]),
                 lines=(("a", "m"), ("m", "b"), ("b", "d"), ("d", "c")))
    u = node_displacements(wireframe(g), [0.0, 3.0], ["A_z", "B_z"])
    assert u[3, 2] == pytest.approx(2.0)  # d: a third of the way from b (3) to the support c (0)


def test_fixed_rule_leaves_unmeasured_nodes_and_directions_at_zero():
    u = node_displacements(wireframe(chain("fixed")), [1.0, 3.0], ["A_z", "B_z"], unmeasured="fixed")
    assert u[:, 2] == pytest.approx([1.0, 0.0, 3.0, 0.0])
    assert np.all(u[:, :2] == 0)


def test_several_channels_per_node_and_oblique_sensors():
    nodes = (GeometryNode("p", (0.0, 0.0, 0.0)),)
    sensors = (SensorGeometry("px", (0, 0, 0), "x", "p"), SensorGeometry("py", (0, 0, 0), "-y", "p"),
               SensorGeometry("pz", (0, 0, 0), "z", "p"))
    frame = wireframe(Geometry(sensors=sensors, nodes=nodes))
    assert node_displacements(frame, [1.0, 2.0, 3.0], ["px", "py", "pz"])[0] == pytest.approx([1.0, -2.0, 3.0])
    oblique = (SensorGeometry("d", (0, 0, 0), "(0.6, 0.8, 0)", "p"), SensorGeometry("pz", (0, 0, 0), "z", "p"))
    u = node_displacements(wireframe(Geometry(sensors=oblique, nodes=nodes)), [1.0, 0.5], ["d", "pz"],
                           unmeasured="fixed")
    assert u[0] == pytest.approx([0.6, 0.8, 0.5])  # the least-norm motion that reads 1 along (0.6, 0.8, 0)


def test_channels_missing_from_the_shape_count_as_unmeasured_and_extra_ones_are_ignored():
    u = node_displacements(wireframe(chain()), [2.0, 9.0], ["A_z", "elsewhere"])
    assert u[:, 2] == pytest.approx([2.0, 2.0, 2.0, 2.0])


def test_complex_shapes_animate_with_their_phase():
    frame = wireframe(chain("fixed"))
    real = node_displacements(frame, [1.0, -1.0], ["A_z", "B_z"], unmeasured="fixed")
    assert np.all(np.abs(displacement_at(real, np.pi / 2)) < 1e-15)  # a real shape is zero a quarter cycle on
    travelling = node_displacements(frame, [1.0, 1j], ["A_z", "B_z"], unmeasured="fixed")
    frames = displacement_at(travelling, phases(4))  # Re(φ e^{iθ}) at 0, 90°, 180°, 270°
    assert frames.shape == (4, 4, 3)
    assert frames[:, 0, 2] == pytest.approx([1, 0, -1, 0]) and frames[:, 2, 2] == pytest.approx([0, -1, 0, 1])


def test_amplitude_is_a_fraction_of_the_structure_size():
    frame = wireframe(chain())
    u = node_displacements(frame, [1.0, 3.0], ["A_z", "B_z"])
    moved = deformed_positions(frame, u, 0.0, amplitude=0.1)
    assert np.max(np.abs(moved - frame.positions_m)) == pytest.approx(0.1 * 5.0)
    assert scale_for(frame, np.zeros_like(u), 0.1) == 0.0


def test_sample_deck_first_bending_mode():
    frame = wireframe(sample_geometry())
    names = [f"A0{k}{e}_z" for k in range(1, 5) for e in "LR"]
    x = np.array([8, 8, 16, 16, 24, 24, 32, 32]) / 40
    u = node_displacements(frame, np.sin(np.pi * x), names)
    assert len(frame.node_names) == 12 and frame.lines.shape == (16, 2)
    assert np.all(u[frame.fixed] == 0) and np.all(u[~frame.fixed, 2] > 0.5)


def test_lines_must_name_known_nodes():
    from shm_app.errors import ShmError

    with pytest.raises(ShmError, match="'q' is neither a node nor a channel"):
        wireframe(Geometry(sensors=chain().sensors, nodes=chain().nodes, lines=(("a", "q"),)))


def test_rules_and_animation_settings_are_validated():
    from shm_app.errors import ParameterError

    with pytest.raises(ParameterError, match="unmeasured"):
        Geometry(unmeasured="guess")
    with pytest.raises(ParameterError, match="amplitude"):
        AnimationSettings(amplitude=3.0)
    with pytest.raises(ValueError, match="unmeasured"):
        node_displacements(wireframe(chain()), [1.0, 3.0], ["A_z", "B_z"], unmeasured="guess")
