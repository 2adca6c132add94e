"""``main.py --screenshot`` renders the window on the bundled sample and exits, also without a display."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_screenshot_of_the_bundled_sample(tmp_path):
    out = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "main.py", "--screenshot", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and out.stat().st_size > 20_000
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert img.width() >= 1000 and img.height() >= 700
    campaign = tmp_path / "shot-campaign.png"  # the Campaign page on the bundled monitoring table
    assert campaign.exists() and campaign.stat().st_size > 20_000
    # nothing left that the next start would offer as a crash's unsaved work
    assert not list((Path(os.environ["SHM_APP_HOME"]) / "autosave").glob("*.autosave"))


def test_screenshot_of_a_project_leaves_it_byte_identical(tmp_path):
    """Opening a project (here through ``main.py P.shmproj --screenshot``) never writes to it."""
    from shm_app.cli import main

    sample = ROOT / "resources" / "sample" / "monitoring"
    project = tmp_path / "P.shmproj"
    assert main(["campaign", "--frequencies", str(sample / "frequencies.csv"), "--env", str(sample / "environment.csv"),
                 "--baseline-until", "2025-12-31", "--alpha", "0.001", "--project", str(project)]) == 0
    before, mtime = project.read_bytes(), project.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["SHM_APP_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([sys.executable, "main.py", str(project), "--screenshot", str(tmp_path / "p.png")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "p-campaign.png").stat().st_size > 20_000  # the stored campaign is shown
    assert project.read_bytes() == before and project.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("P.shmproj")) == ["P.shmproj"]
