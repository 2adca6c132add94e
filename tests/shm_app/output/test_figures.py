"""``shm-app identify --figures``: the files exist, are valid PNG/GIF (a GIF of several frames), one per mode; a bad
geometry or lines file stops the command with one line naming it (exit 2)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from shm_app.cli import main

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "resources" / "sample"
RECORDING = sorted((SAMPLE / "recordings").glob("*.csv.gz"))[0]


def _png(path: Path) -> Image.Image:
    image = Image.open(path)
    assert image.format == "PNG" and image.size[0] > 300
    return image


def test_figures_on_the_sample_deck(tmp_path, capsys):
    out = tmp_path / "figs"
    code = main(["identify", str(RECORDING), "--max-order", "30", "--geometry", str(SAMPLE / "geometry.csv"),
                 "--lines", str(SAMPLE / "lines.csv"), "--frames-per-cycle", "8", "--figures", str(out)])
    assert code == 0
    n_modes = int(capsys.readouterr().out.split(": ")[1].split()[0])
    assert n_modes >= 3
    expected = {"spectrum.png", "stabilization.png"} | {f"mode-{k}.{e}" for k in range(1, n_modes + 1)
                                                         for e in ("png", "gif")}
    assert {p.name for p in out.iterdir()} == expected  # no temporary file left behind
    for name in expected - {f"mode-{k}.gif" for k in range(1, n_modes + 1)}:
        _png(out / name)
    gif = Image.open(out / "mode-1.gif")
    assert gif.format == "GIF" and gif.n_frames == 8 and gif.info["loop"] == 0
    frames = []
    for k in (0, 2):  # a quarter cycle apart: the deck has moved
        gif.seek(k)
        frames.append(gif.convert("RGB").tobytes())
    assert frames[0] != frames[1]


def test_without_a_geometry_a_bar_chart_per_mode_and_no_gif(tmp_path):
    out = tmp_path / "figs"
    assert main(["identify", str(RECORDING), "--method", "fdd", "--figures", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert "spectrum.png" in names and "stabilization.png" not in names  # FDD: no diagram
    assert not any(n.endswith(".gif") for n in names) and "mode-1.png" in names


@pytest.mark.parametrize("option, text, words", [
    ("--geometry", "channel,x_m,y_m\nA,1,2\n", "must name the columns"),
    ("--lines", "A01L,A02L,A03L\n", "each row joins two nodes"),
])
def test_a_bad_geometry_file_is_one_line_naming_it(tmp_path, capsys, option, text, words):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    files = {"--geometry": str(SAMPLE / "geometry.csv"), "--lines": str(SAMPLE / "lines.csv"), option: str(bad)}
    args = ["identify", str(RECORDING), "--figures", str(tmp_path / "figs")] + [a for kv in files.items() for a in kv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and words in err
    assert not (tmp_path / "figs").exists()  # refused before identifying


def test_a_line_to_an_unknown_node_names_the_lines_file(tmp_path, capsys):
    lines = tmp_path / "lines.csv"
    lines.write_text("A01L,Pylon\n")
    code = main(["identify", str(RECORDING), "--method", "fdd", "--geometry", str(SAMPLE / "geometry.csv"),
                 "--lines", str(lines), "--figures", str(tmp_path / "figs")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(lines) in err and "'Pylon'" in err


def test_geometry_without_figures_is_refused(tmp_path, capsys):
    assert main(["identify", str(RECORDING), "--geometry", str(SAMPLE / "geometry.csv")]) == 2
    assert "--figures" in capsys.readouterr().err
