"""The modes' Universal File (shm_app.output.uff): datasets 151, 164, 15 and 55 read back by pyuff to the same
numbers (UFF text keeps 6 significant digits), complex shapes placed on the geometry's nodes."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pyuff = pytest.importorskip("pyuff")

from dsp.modal import Mode  # noqa: E402
from shm_app.geometry import node_list, sample_geometry  # noqa: E402
from shm_app.identification import IdentificationResult  # noqa: E402
from shm_app.io.geometry import GeometryNode, SensorGeometry  # noqa: E402
from shm_app.output.uff import node_shapes, write_uff  # noqa: E402
from shm_app.session.state import Geometry  # noqa: E402

UFF_RTOL = 1e-5  # %13.5e


def result(channels, shapes, frequencies=(2.2004, 3.4517), damping=(0.0102, 0.0231)):
    modes = tuple(Mode(frequency_hz=f, damping_ratio=z, shape=np.asarray(s, dtype=complex), mpc=0.99, mpd_deg=2.0)
                  for f, z, s in zip(frequencies, damping, shapes))
    return IdentificationResult(file="deck_2026-03-01T00-00-00.csv", fs_hz=40.0, n_samples=24000,
                                channels=tuple(channels), settings=SimpleNamespace(method="ssi-cov"), modes=modes)


def read(path):
    sets = pyuff.UFF(str(path)).read_sets()
    return sets if isinstance(sets, list) else [sets]


def test_sample_deck_header_units_nodes_and_complex_shapes(tmp_path):
    geometry = sample_geometry()
    channels = [s.channel for s in geometry.sensors]
    rng = np.random.default_rng(3)
    shapes = rng.uniform(-1, 1, (2, len(channels))) + 1j * rng.uniform(-0.1, 0.1, (2, len(channels)))
    shapes[:, 0] = 1.0
    res = result(channels, shapes)
    sets = read(write_uff(tmp_path / "modes.uff", res, geometry=geometry))

    assert [int(s["type"]) for s in sets] == [151, 164, 15, 55, 55]
    header, units, nodes = sets[:3]
    assert header["model_name"].strip() == "deck_2026-03-01T00-00-00.csv"
    assert "SHM Workbench" in header["program"]
    assert units["units_code"] == 1 and units["length"] == 1.0 and units["force"] == 1.0
    expected = node_list(geometry)
    assert list(nodes["node_nums"]) == list(range(1, len(expected) + 1))
    xyz = np.column_stack([nodes["x"], nodes["y"], nodes["z"]])
    np.testing.assert_allclose(xyz, [n.position_m for n in expected], rtol=UFF_RTOL)

    names = [n.name for n in expected]
    for k, (s, mode) in enumerate(zip(sets[3:], res.modes)):
        assert s["mode_n"] == k + 1 and s["analysis_type"] == 2 and s["data_type"] == 5
        assert s["freq"] == pytest.approx(mode.frequency_hz, rel=UFF_RTOL)
        assert s["modal_damp_vis"] == pytest.approx(mode.damping_ratio, rel=UFF_RTOL)
        # every sensor is vertical on its own node: the z column is the channel's complex shape value
        assert np.iscomplexobj(s["r3"])
        at = {int(n): (r1, r2, r3) for n, r1, r2, r3 in zip(s["node_nums"], s["r1"], s["r2"], s["r3"])}
        assert len(at) == len(channels)  # the four supports are not measured: not written
        for j, sensor in enumerate(geometry.sensors):
            r1, r2, r3 = at[names.index(sensor.node) + 1]
            assert r1 == 0 and r2 == 0
            assert r3 == pytest.approx(shapes[k, j], abs=UFF_RTOL)


def test_several_and_oblique_sensors_on_one_node_are_combined_by_least_squares():
    c = np.sqrt(0.5)
    geometry = Geometry(
        nodes=(GeometryNode("N1", (0.0, 0.0, 0.0)), GeometryNode("N2", (10.0, 0.0, 0.0))),
        sensors=(SensorGeometry("a_z", (0.0, 0.0, 0.0), "z", "N1"), SensorGeometry("a_y", (0.0, 0.0, 0.0), "y", "N1"),
                 SensorGeometry("b", (10.0, 0.0, 0.0), f"({c}, {c}, 0)", "N2")))
    u1 = np.array([0.0, 0.3 - 0.1j, 1.0])  # node N1 moves in y and z
    shape = [u1[2], u1[1], 0.5 + 0.05j]  # b sees (x + y)/√2 of N2
    numbers, shapes = node_shapes(result(["a_z", "a_y", "b"], [shape], (2.0,), (0.01,)), geometry=geometry)
    assert list(numbers) == [1, 2]
    np.testing.assert_allclose(shapes[0, 0], u1, atol=1e-12)
    np.testing.assert_allclose(shapes[0, 1], (0.5 + 0.05j) * np.array([c, c, 0.0]), atol=1e-12)  # minimum norm


def test_without_geometry_each_channel_is_a_node_along_its_direction(tmp_path):
    shapes = [[1.0, -0.5 + 0.2j, 0.25], [0.3, 1.0, -1.0j]]
    res = result(["A_z", "B_y", "C"], shapes)
    sets = read(write_uff(tmp_path / "modes.uff", res, ["z", "-y", None]))
    assert [int(s["type"]) for s in sets] == [151, 164, 55, 55]
    for s, shape in zip(sets[2:], shapes):
        assert list(s["node_nums"]) == [1, 2, 3]
        np.testing.assert_allclose(s["r3"], [shape[0], 0, shape[2]], atol=UFF_RTOL)  # unknown direction: z
        np.testing.assert_allclose(s["r2"], [0, -shape[1], 0], atol=UFF_RTOL)
        np.testing.assert_allclose(s["r1"], 0, atol=UFF_RTOL)


def test_an_unwritable_target_is_a_write_error_and_nothing_is_left(tmp_path):
    from shm_app.persistence.atomic import WriteError

    with pytest.raises(WriteError):
        write_uff(tmp_path / "missing" / "modes.uff", result(["A"], [[1.0]], (2.0,), (0.01,)))
    assert not list(tmp_path.iterdir())


def test_the_command_line_places_the_shapes_on_the_geometry_given(tmp_path):
    """``identify --uff OUT --geometry G.csv``: the nodes of the geometry (dataset 15) and the shapes at them."""
    from pathlib import Path

    from shm_app.cli import main

    sample = Path(__file__).resolve().parents[3] / "resources" / "sample"
    recording = sorted((sample / "recordings").iterdir())[0]
    out = tmp_path / "m.uff"
    assert main(["identify", str(recording), "--max-order", "30", "--uff", str(out),
                 "--geometry", str(sample / "geometry.csv"), "--lines", str(sample / "lines.csv")]) == 0
    sets = read(out)
    nodes = [d for d in sets if d["type"] == 15]
    assert len(nodes) == 1 and len(nodes[0]["node_nums"]) == len(node_list(sample_geometry()))
    assert [d for d in sets if d["type"] == 55]
