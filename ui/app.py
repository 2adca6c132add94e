"""GUI entry point: ``python main.py [FILE|FOLDER|PROJECT ...] [--screenshot PNG] [--selftest]``.

With no input the bundled sample opens: its first deck recording (identified at once) and a year of monitoring
results of the same deck in the Campaign page. A folder runs a campaign on its recordings and opens the first;
a ``.shmproj`` opens a project. ``--screenshot out.png`` waits for the analyses, renders the Recording page to
``out.png`` and the Campaign page to ``out-campaign.png``, and exits (offscreen when there is no display).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "resources" / "sample"


def default_input() -> Optional[Path]:
    """The bundled sample campaign's first recording."""
    recordings = sorted((SAMPLE_DIR / "recordings").glob("*"))
    return recordings[0] if recordings else None


def _first_recording(path: Path) -> Optional[Path]:
    from shm_app.campaign import discover

    try:
        found = discover([path])
    except Exception:  # noqa: BLE001 - an empty or odd folder just opens nothing
        return None
    return sorted(found)[0] if found else None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="shm-app-gui", description="SHM Workbench")
    p.add_argument("inputs", nargs="*", help="recording, folder of recordings, or project (default: the sample)")
    p.add_argument("--screenshot", metavar="PNG", help="render the window to PNG once the analyses are done, then exit")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the analyses in --screenshot mode")
    p.add_argument("--selftest", action="store_true",
                   help="check this installation (formats, identification, campaign on the process pool, report, the "
                        "window rendered offscreen) in a temporary folder; exit 0 only when every step passes")
    return p.parse_args(list(argv))


def _render_window_step(folder: Path):
    """The GUI's selftest step: the main window rendered offscreen to a PNG."""
    def render() -> str:
        from PySide6.QtWidgets import QApplication

        from ui.main_window import MainWindow
        from ui.style import apply_style

        app = QApplication.instance() or QApplication(sys.argv[:1])
        apply_style(app)
        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        out = folder / "window.png"
        if not window.grab().save(str(out)) or out.stat().st_size < 1000:
            raise RuntimeError(f"the window could not be rendered to {out.name}")
        window.hide()
        window.deleteLater()
        app.processEvents()
        return f"{out.name}, {out.stat().st_size / 1024:.0f} KiB ({app.platformName()})"

    return "render the main window offscreen", render


def selftest() -> int:
    """``--selftest``: :func:`shm_app.selftest.run` plus the window rendered offscreen."""
    from shm_app.selftest import run

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if sys.stdout is not None:
        return run(extra_steps=[_render_window_step])
    import tempfile  # a windowed executable on Windows has no console: the lines go to a file

    with open(Path(tempfile.gettempdir()) / "shm-workbench-selftest.txt", "w", encoding="utf-8") as fh:
        return run(extra_steps=[_render_window_step], out=fh)


def main(argv: Optional[Sequence[str]] = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # a frozen build's spawned workers run this executable: let them be workers
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.selftest:
        return selftest()
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if args.screenshot and headless and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from shm_app.compute import use_cores_for_the_workbench
    from ui.main_window import MainWindow
    from ui.style import apply_style

    use_cores_for_the_workbench()  # after the imports that load numpy's and scipy's BLAS, so both are set
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SHM Workbench")
    app.setOrganizationName("SHM Workbench")
    apply_style(app)
    window = MainWindow()
    window.show()
    pending: set[str] = set()

    out = Path(args.screenshot or "screenshot.png")
    state = {"code": 0, "done": False}

    def shoot() -> None:
        if state["done"]:
            return
        state["done"] = True
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.statusBar().clearMessage()  # transient messages (where the autosave went) are not the screen's state
        window.pages.setCurrentIndex(0)
        app.processEvents()
        window.grab().save(str(out))
        print(f"screenshot written to {out}")
        if window.campaign_panel.view.result is not None:
            window.pages.setCurrentIndex(1)
            app.processEvents()
            second = out.with_name(out.stem + "-campaign" + out.suffix)
            window.grab().save(str(second))
            print(f"screenshot written to {second}")
        # no close events: the automated run asks nothing (its work is the sample's, recomputable), and leaves no
        # autosave that the next start would offer as a crash's unsaved work
        window.session.discard_autosave()
        app.exit()

    def ended(name: str) -> None:
        # a recording's analysis ends with its identification, or earlier when loading it failed
        if name == "identify" or (name == "load" and window.last_error):
            pending.discard("identify")
        if name == "project":
            pending.discard("project")
        if name == "campaign":
            pending.discard("campaign")
        if not pending:
            QTimer.singleShot(300, shoot)

    def timed_out() -> None:
        state["code"] = 1
        print("the analyses did not finish in time; screenshot taken anyway", file=sys.stderr)
        shoot()

    if args.screenshot:  # listen before starting: a task may end at once (a project without a recording)
        window.sigTaskEnded.connect(ended)
        window.campaign_panel.sigTaskEnded.connect(ended)
    # a crash's unsaved work comes first; recovered, it is shown as it was (the sample would be added to it)
    recovered = not args.screenshot and window.offer_untitled_recovery()
    if not args.inputs and not recovered:
        first = default_input()
        if first is not None:
            from shm_app.geometry import sample_geometry

            window.session.set_geometry(sample_geometry())  # the sample deck opens on its structure
            pending.add("identify")
            window.open_file(first)
        table = SAMPLE_DIR / "monitoring" / "frequencies.csv"
        if table.exists():
            from shm_app.sample import MONITORING_BASELINE_UNTIL

            window.campaign_panel.set_baseline_until(MONITORING_BASELINE_UNTIL)
            pending.add("campaign")
            window.campaign_panel.open_table(table, SAMPLE_DIR / "monitoring" / "environment.csv")
    elif args.inputs:
        target = Path(args.inputs[0])
        if target.suffix == ".shmproj":
            pending.add("project")
            window.open_project(target)
        elif target.is_dir():
            pending.add("campaign")
            window.campaign_panel.run_folder(target)
            first = _first_recording(target)
            if first is not None:
                pending.add("identify")
                window.open_file(first)
        else:
            pending.add("identify")
            window.open_file(target)
    if not args.screenshot:
        return app.exec()
    if not pending:
        QTimer.singleShot(300, shoot)
    QTimer.singleShot(int(args.timeout * 1000), timed_out)
    app.exec()
    return state["code"]
