"""Imports point down only: ui → shm_app → dsp. Nothing in dsp or shm_app may load Qt."""
import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "pyqtgraph", "PyQt5", "PyQt6", "shiboken6")


def _modules(package: str) -> list[str]:
    """Every module of ``package`` from its files (no import needed to find them)."""
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(p.startswith("_") and p != "__init__" for p in parts[1:]):
            out.append(".".join(parts))
    return out


def test_importing_every_dsp_and_shm_app_module_loads_no_qt():
    modules = sorted(set(_modules("dsp") + _modules("shm_app")) - {"shm_app.__main__"})
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        f"bad = sorted(k for k in sys.modules if k.split('.')[0] in {QT_MODULES!r})\n"
        "print(repr(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"Qt modules loaded below ui/: {out.stdout}"
    assert len(modules) > 10  # the walk really found the packages


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layers_import_downwards_only():
    for package, forbidden in (("dsp", {"shm_app", "ui", *QT_MODULES}), ("shm_app", {"ui", *QT_MODULES})):
        for path in (ROOT / package).rglob("*.py"):
            bad = _imports(path) & forbidden
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)} (imports must point down: ui → shm_app → dsp)"


def test_dsp_does_no_io():
    for path in (ROOT / "dsp").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", "np.load(", "np.save(", "h5py", "pathlib"):
            assert needle not in text, f"{path.relative_to(ROOT)} does I/O ({needle!r}); dsp is arrays in, dataclasses out"
