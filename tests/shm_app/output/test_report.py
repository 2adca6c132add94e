"""The damage report (PDF and HTML from one report model) and the commands that write it."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from shm_app.cli import main
from shm_app.output.report import build, write_report
from shm_app.output.report.model import monitoring_counts
from shm_app.persistence.project import save_project
from shm_app.session import ProjectState

SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "sample" / "monitoring"
SECTIONS = ("1 Executive summary", "2 Data inventory", "3 Identified modes of the reference state",
            "4 Tracked frequencies and environmental compensation", "5 Damage detection", "6 Per-mode shifts",
            "7 Warnings", "Appendix A Methods")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The bundled sample campaign through the CLI: JSON, PDF and HTML report, project."""
    d = tmp_path_factory.mktemp("sample")
    assert main(["campaign", "--frequencies", str(SAMPLE / "frequencies.csv"), "--env", str(SAMPLE / "environment.csv"),
                 "--baseline-until", "2025-12-31", "--json", str(d / "c.json"), "--report", str(d / "r.pdf"),
                 "--html", str(d / "r.html"), "--project", str(d / "c.shmproj"), "--structure", "Sample deck",
                 "--author", "A. Engineer", "--report-number", "SHM-7"]) == 0
    return d, json.loads((d / "c.json").read_text())


def pdf_text(path) -> list[str]:
    return [p.extract_text() for p in PdfReader(str(path)).pages]


def identification(n_modes: int, n_channels: int = 6, manual=()) -> dict:
    rng = np.random.default_rng(n_modes)
    return {"file": f"deck{n_modes}.csv", "fs_hz": 50.0, "n_samples": 45000,
            "channels": [f"A{k:02d}" for k in range(n_channels)], "method": "ssi-cov",
            "settings": {"fmin_hz": 0.5, "fmax_hz": 20.0, "block_rows": 40, "orders": [2, 80], "order_step": 2},
            "modes": [{"frequency_hz": 1.0 + 1.1 * k, "damping_ratio": 0.012, "mpc": 0.99, "mpd_deg": 2.0,
                       "frequency_sigma_hz": 0.002, "damping_sigma": 0.001, "frequency_scatter_hz": 0.0004,
                       "damping_scatter": 0.0005, "n_poles": 30, "manual": k in manual,
                       "shape": list(rng.uniform(-1, 1, n_channels)), "shape_imag": [0.0] * n_channels}
                      for k in range(n_modes)]}


def test_sample_report_has_every_section_page_numbers_and_bookmarks(sample):
    d, _ = sample
    pages = pdf_text(d / "r.pdf")
    text = "\n".join(pages)
    for heading in SECTIONS:
        assert heading in text
    assert all(f"page {k + 1} of {len(pages)}" in p for k, p in enumerate(pages))
    outline = [o.title for o in PdfReader(str(d / "r.pdf")).outline if not isinstance(o, list)]
    assert outline == list(SECTIONS)
    assert "Sample deck" in pages[0] and "A. Engineer" in pages[0] and "SHM-7" in pages[0]
    assert "Contents" in pages[0] and "ALARM" in pages[1] and "SHA-256" in text and "frequencies.csv" in text
    assert "-0.00550075" in text  # a compensation coefficient


def test_contents_give_the_page_each_section_starts_on(sample):
    d, _ = sample
    pages = pdf_text(d / "r.pdf")
    contents = pages[0].split("Contents", 1)[1]
    for heading in SECTIONS:
        listed = re.search(re.escape(heading) + r"\s*\n\s*(\d+)", contents)
        assert listed, heading
        page = int(listed.group(1))
        # the heading is on that page and on no earlier one (the contents themselves are on page 1)
        assert heading in pages[page - 1] and not any(heading in p for p in pages[1:page - 1]), heading


def test_exceed_count_matches_the_json_exactly(sample):
    d, doc = sample
    exceed = sum(r["exceed"] for r in doc["recordings"])
    assert monitoring_counts(doc)["exceed"] == exceed == 188
    text = " ".join(" ".join(pdf_text(d / "r.pdf")).split())
    assert f"{exceed} records are above their own control limit" in text
    assert f"above its own limit ({exceed} records)" not in text  # legend is inside the figure, not text
    html = (d / "r.html").read_text()
    assert f"{exceed} records are above their own control limit" in html


@pytest.fixture(scope="module")
def model(sample):
    return build(campaign=sample[1], dpi=30)


def test_alarm_rule_is_worded_one_way_everywhere(model):
    report = model
    rules = [line for line in report.text().splitlines() if line.startswith("Alarm rule:")]
    assert len(rules) >= 2 and len(set(rules)) == 1 and "0.03 %" in rules[0]


def test_html_is_self_contained_and_says_the_same(sample):
    d, _ = sample
    html = (d / "r.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html and "<link" not in html and "<script" not in html
    assert html.count('src="data:image/png;base64,') == html.count("<img")
    for heading in SECTIONS:
        assert heading in html


def test_shifts_table_gives_the_compensated_drop_and_reasons(sample, model):
    from shm_app.output.report.campaign_sections import shifts

    _, doc = sample
    rows = {r[0]: r for r in model.section("Per-mode shifts").blocks[1].rows}
    assert float(rows["M1"][3]) == pytest.approx(-0.8, abs=0.1) and rows["M1"][5] == "yes"
    assert float(rows["M3"][3]) == pytest.approx(-0.5, abs=0.1)
    quiet = dict(doc, first_alarm=None, tracks=[{k: v for k, v in t.items() if not k.startswith(("shift", "moved"))}
                                                for t in doc["tracks"]])
    rows = shifts(quiet).blocks[1].rows
    assert all(r[3] == "–" and "no alarm" in r[6] for r in rows)


def test_fonts_are_at_least_7_pt(sample):
    d, _ = sample
    sizes = []
    for page in PdfReader(str(d / "r.pdf")).pages:
        sizes += [float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", page.get_contents().get_data())]
    assert sizes and min(sizes) >= 7


def test_page_count_grows_and_the_modes_table_paginates_with_its_header(tmp_path, monkeypatch):
    counts = {}
    for n in (4, 14):
        out = write_report(tmp_path / f"r{n}.pdf", identifications=[identification(n, manual=(1,))], dpi=40)
        counts[n] = len(PdfReader(str(out)).pages)
    assert counts[14] > counts[4]
    text = "\n".join(pdf_text(tmp_path / "r14.pdf"))
    assert text.count("Figure ") >= 14 and "manual" in text
    from shm_app.output.report import modes_section

    monkeypatch.setattr(modes_section, "shape_figures", lambda *a: [])  # the table alone, quickly
    long = identification(90, n_channels=3)
    pages = pdf_text(write_report(tmp_path / "long.pdf", identifications=[long], dpi=30))
    with_rows = [p for p in pages if re.search(r"\d+\.\d{4} – \d+\.\d{4}", p)]
    assert len(with_rows) >= 2 and all("95 % interval of f" in p for p in with_rows)  # header repeated


def test_a_long_title_wraps(tmp_path):
    title = "Monitoring of the " + "very long multi-span prestressed concrete viaduct " * 4 + "END"
    first = pdf_text(write_report(tmp_path / "t.pdf", identifications=[identification(2)], title=title, dpi=30))[0]
    lines = [ln for ln in first.splitlines() if "viaduct" in ln or "END" in ln]
    assert len(lines) >= 2 and "END" in first  # on several lines, nothing cut


def test_every_command_path_writes_the_report(sample, tmp_path, capsys):
    d, doc = sample
    assert (d / "r.pdf").read_bytes().startswith(b"%PDF") and (d / "r.html").read_text().startswith("<!DOCTYPE")
    before = (d / "c.shmproj").read_bytes()
    assert main(["report", str(d / "c.shmproj"), "--pdf", str(tmp_path / "p.pdf"), "--html", str(tmp_path / "p.html"),
                 "--owner", "Roads Authority"]) == 0
    assert (d / "c.shmproj").read_bytes() == before
    first = pdf_text(tmp_path / "p.pdf")[0]
    assert "Roads Authority" in first and "Sample deck" not in first  # the CLI's fields are not in the project
    assert "<!DOCTYPE" in (tmp_path / "p.html").read_text()
    # the GUI's call (ui/exports.py): campaign result or JSON, identify documents, title
    out = write_report(tmp_path / "g.pdf", campaign=doc, identifications=[identification(3)], title="Bridge 7", dpi=30)
    assert "Bridge 7" in pdf_text(out)[0]
    only = write_report(tmp_path / "only.html", campaign=doc, dpi=30)
    assert only.read_text().startswith("<!DOCTYPE") and not (tmp_path / "only.pdf").exists()


@pytest.mark.parametrize("args", [
    ["report", "{proj}", "--pdf", "{tmp}/missing/o.pdf"],
    ["report", "{proj}", "--html", "{tmp}"],
    ["report", "{proj}"],
    ["report", "{proj}", "--pdf", "-"],
    ["campaign", "--frequencies", "{freq}", "--report", "{tmp}/missing/r.pdf"],
    ["campaign", "--frequencies", "{freq}", "--report", "{tmp}/r.pdf", "--html", "{tmp}/nope/r.html"],
])
def test_bad_outputs_give_one_line_and_exit_2(sample, tmp_path, capsys, args):
    d, _ = sample
    subs = {"proj": str(d / "c.shmproj"), "tmp": str(tmp_path), "freq": str(SAMPLE / "frequencies.csv")}
    assert main([a.format(**subs) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shm-app: error: ") and err.count("\n") == 1
    assert not list(tmp_path.rglob("*.pdf")) and not list(tmp_path.rglob("*.html"))


@pytest.mark.parametrize("setup", ["missing", "empty-project", "junk"])
def test_cli_report_bad_input_is_one_line_exit_2(tmp_path, capsys, setup):
    path = tmp_path / "p.shmproj"
    if setup == "empty-project":
        save_project(path, ProjectState())
    elif setup == "junk":
        path.write_bytes(b"junk" * 10)
    assert main(["report", str(path), "--pdf", str(tmp_path / "o.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shm-app: error: ") and "p.shmproj" in err and err.count("\n") == 1
    assert not (tmp_path / "o.pdf").exists()
