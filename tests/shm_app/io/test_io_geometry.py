"""Sensor geometry CSV attached to recordings: the bundled sample, units, directions, the pyOMA2 layout."""
from __future__ import annotations

import pytest

from io_support import PALISADEN, REPO, shared
from shm_app import io
from shm_app.errors import ReadError
from shm_app.io.geometry import attach_geometry, direction_label, read_geometry

SAMPLE = REPO / "resources" / "sample"


def test_sample_geometry_attaches_to_the_sample_recording():
    rec_path = sorted((SAMPLE / "recordings").glob("*.csv.gz"))[0]
    rec = io.read(rec_path, geometry=SAMPLE / "geometry.csv")
    first = rec.channels[0]
    assert first.name == "A01L_z" and first.position_m == (8.0, 5.0, 0.0) and first.direction == "z"
    assert all(c.position_m is not None for c in rec.channels)
    assert "geometry_missing" not in rec.metadata


def test_millimetres_vector_directions_and_unmatched_channels(tmp_path):
    g = tmp_path / "g.csv"
    g.write_text("sensor;x [mm];y [mm];z [mm];dx;dy;dz\nA;1000;0;0;0;0;-1\nB;0;2500;0;0.6;0.8;0\nZ;0;0;0;1;0;0\n")
    geo = read_geometry(g)
    assert geo["A"].position_m == (1.0, 0.0, 0.0) and geo["A"].direction == "-z"
    assert geo["B"].direction == "(0.6, 0.8, 0)"
    rec_file = tmp_path / "r.csv"
    rec_file.write_text("# fs = 10\nA,B,C\n1,2,3\n4,5,6\n")
    rec = attach_geometry(io.read(rec_file), geo)
    assert rec.metadata["geometry_missing"] == ["C"] and rec.metadata["geometry_unused"] == ["Z"]
    assert rec.channels[1].position_m == (0.0, 2.5, 0.0)


@pytest.mark.parametrize("text, words", [
    ("channel,x_m,y_m\nA,1,2\n", "must name the columns"),
    ("channel,x_m,y_m,z_m\nA,1,two,3\n", "numbers"),
    ("channel,x_m,y_m,z_m\nA,1,2,3\nA,1,2,3\n", "twice"),
    ("channel,x_m,y_m,z_m\n", "one row per channel"),
])
def test_bad_geometry_files_are_refused(tmp_path, text, words):
    g = tmp_path / "g.csv"
    g.write_text(text)
    with pytest.raises(ReadError, match=words):
        read_geometry(g)


def test_direction_labels():
    assert direction_label("Up") == "z" and direction_label("-Y") == "-y" and direction_label("+x") == "x"
    assert direction_label(vector=[0, -1, 0]) == "-y" and direction_label(vector=[0, 0, 0]) is None


@pytest.mark.realdata
def test_palisaden_pyoma2_geometry():
    folder = shared(PALISADEN).parent
    rec = io.read(PALISADEN, fs=100.0)
    rec = attach_geometry(rec, read_geometry(folder / "sens_coord.txt", directions=folder / "sens_dir.txt"))
    by_name = {c.name: c for c in rec.channels}
    assert by_name["ch5"].position_m == (5.0, 2.0, 20.0) and by_name["ch5"].direction == "-x"
    assert by_name["ch6"].direction == "y" and by_name["ch2"].direction == "-y"
    assert "geometry_missing" not in rec.metadata
