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
