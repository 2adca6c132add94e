"""Geometry and lines CSVs: nodes, supports, several channels per node, lines; refusals name the file; the bundled
sample deck; the geometry's saved form."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from shm_app.errors import ReadError
from shm_app.geometry import load_geometry, node_list, sample_geometry
from shm_app.geometry.model import channel_nodes
from shm_app.io.geometry import read_geometry, read_lines
import shm_app.persistence.saved_types  # noqa: F401 - registers the saved types
from shm_app.persistence.codec import from_document, to_document
from shm_app.session.state import Geometry

REPO = Path(__file__).resolve().parents[3]


def test_nodes_supports_and_three_channels_on_one_node(tmp_path):
    g = tmp_path / "g.csv"
    g.write_text("channel;x_m;y_m;z_m;direction;node\nP1x;1;0;0;x;P1\nP1y;1;0;0;y;P1\nP1z;1;0;0;z;P1\n"
                 ";0;0;0;fixed;S\ntip;2;0;0;node;\n")
    lines = tmp_path / "l.csv"
    lines.write_text("S P1\nP1\ttip\n")
    geo = load_geometry(g, lines)
    assert [n.name for n in geo.nodes] == ["S", "tip", "P1"]
    assert [n.fixed for n in geo.nodes] == [True, False, False]
    assert {s.node for s in geo.sensors} == {"P1"} and geo.lines == (("S", "P1"), ("P1", "tip"))
    assert set(read_geometry(g)) == {"P1x", "P1y", "P1z"}  # node rows are not channels


def test_without_a_node_column_channels_at_one_position_share_a_node():
    geo = Geometry(sensors=tuple(replace(s, node=None)
                                 for s in read_geometry(REPO / "resources/sample/geometry.csv").values()))
    assert channel_nodes(geo)["A01L_z"] == "A01L"  # the direction suffix dropped
    assert len(node_list(geo)) == 8
    old = Geometry(sensors=geo.sensors, lines=(("A01L_z", "A02L_z"),))  # an older project's lines name channels
    from shm_app.geometry import wireframe

    assert wireframe(old).lines.tolist() == [[0, 2]]


@pytest.mark.parametrize("text, words", [
    ("a,b,c\n", "row 1 has 3 values"),
    ("node_a,node_b\nA01L,A01L\n", "to itself"),
    ("", "empty"),
])
def test_bad_lines_files_are_refused_naming_file_and_row(tmp_path, text, words):
    p = tmp_path / "lines.csv"
    p.write_text(text)
    with pytest.raises(ReadError, match=words) as info:
        read_lines(p)
    assert info.value.path == str(p)


def test_a_line_to_an_unknown_node_names_the_lines_file(tmp_path):
    p = tmp_path / "lines.csv"
    p.write_text("A01L,Nowhere\n")
    with pytest.raises(ReadError, match="'Nowhere' is neither") as info:
        load_geometry(REPO / "resources/sample/geometry.csv", p)
    assert info.value.path == str(p)


def test_sample_deck_geometry_and_its_saved_form():
    geo = sample_geometry()
    assert len(geo.sensors) == 8 and len(geo.nodes) == 12 and len(geo.lines) == 16
    assert sum(n.fixed for n in geo.nodes) == 4 and geo.n_nodes == 12
    assert from_document(to_document(geo)) == geo


def test_sample_generator_writes_the_same_geometry_files(tmp_path):
    from shm_app.sample import write_geometry

    for written in write_geometry(tmp_path):
        assert written.read_text() == (REPO / "resources" / "sample" / written.name).read_text()
