"""GUI entry point: ``python main.py [FILE|FOLDER ...] [--screenshot PNG]``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "resources" / "sample"


def default_input() -> Optional[Path]:
    """The bundled sample campaign's first recording: what ``make run`` opens with no input."""
    recordings = sorted((SAMPLE_DIR / "recordings").glob("*"))
    return recordings[0] if recordings else None


def _first_recording(path: Path) -> Path:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if found:
            return found[0]
    return path


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="shm-app-gui", description="SHM Workbench")
    p.add_argument("inputs", nargs="*", help="recording file or folder to open (default: the bundled sample)")
    p.add_argument("--screenshot", metavar="PNG", help="render the window to PNG once the analysis is done, then exit")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the analysis in --screenshot mode")
    return p.parse_args(list(argv))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux")
    if args.screenshot and headless and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SHM Workbench")
    apply_style(app)
    window = MainWindow()
    window.show()
    target = Path(args.inputs[0]) if args.inputs else default_input()
    if target is not None:
        window.open_file(_first_recording(target))
    if args.screenshot:
        out = Path(args.screenshot)
        state = {"code": 0}

        def shoot() -> None:
            app.processEvents()
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            print(f"screenshot written to {out}")
            app.quit()

        def on_task_ended(name: str) -> None:
            if name == "identify" or window.last_error:
                QTimer.singleShot(300, shoot)

        def timed_out() -> None:
            state["code"] = 1
            print("analysis did not finish in time; screenshot taken anyway", file=sys.stderr)
            shoot()

        window.sigTaskEnded.connect(on_task_ended)
        if target is None:
            QTimer.singleShot(300, shoot)
        QTimer.singleShot(int(args.timeout * 1000), timed_out)
        app.exec()
        return state["code"]
    return app.exec()
