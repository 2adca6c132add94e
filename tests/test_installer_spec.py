"""build_installer.spec's own logic, without PyInstaller: the one executable's entry picks the command line by the
name it was started as, and the ICU trim keeps the data Qt reads."""
from __future__ import annotations

import ast
import glob
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _spec_constant(name: str) -> str:
    tree = ast.parse((REPO / "build_installer.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in build_installer.spec")


def _spec_function(name: str):
    source = (REPO / "build_installer.spec").read_text(encoding="utf-8")
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace: dict = {}
    exec(compile(ast.Module([node], []), "build_installer.spec", "exec"), namespace)
    return namespace[name]


def _run_entry(argv0: str, *args: str) -> str:
    """The spec's BOTH_ENTRY run as __main__ with sys.argv[0] = argv0 (from the source tree, not frozen)."""
    code = f"import sys\nsys.argv[0] = {argv0!r}\n" + _spec_constant("BOTH_ENTRY")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return proc.stdout + proc.stderr


# the entry is used on Linux and macOS only (Windows keeps two executables: ONE_EXECUTABLE)
@pytest.mark.parametrize("argv0", ["/opt/shm-workbench/shm-app", "shm-app", "./SHM-APP"])
def test_the_entry_started_as_shm_app_runs_the_command_line(argv0):
    assert "usage: shm-app [-h] [--version]" in _run_entry(argv0, "--help")


@pytest.mark.parametrize("argv0", ["/opt/shm-workbench/shm-workbench", "shm-workbench", ""])
def test_the_entry_started_under_any_other_name_runs_the_gui(argv0):
    assert "usage: shm-app-gui" in _run_entry(argv0, "--help")


ICU_ITEMS = ["root.res", "de.res", "res_index.res", "coll/root.res", "coll/de.res", "coll/ucadata.icu",
             "zone/de.res", "zoneinfo64.res", "metaZones.res", "timezoneTypes.res", "brkitr/word.brk",
             "brkitr/cjdict.dict", "nfkc.nrm", "uts46.nrm", "cnvalias.icu", "pnames.icu"]


def test_the_icu_trim_keeps_collation_time_zones_breaks_and_normalisation():
    drop = re.compile(_spec_constant("ICU_DROP"))
    assert [item for item in ICU_ITEMS if drop.search(item)] == []
    assert all(drop.search(item) for item in ("curr/de.res", "lang/de.res", "region/de.res", "unit/de.res",
                                              "translit/root.res", "rbnf/de.res", "ibm-5348_P100-1997.cnv"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt links ICU on Linux only")
def test_the_icu_data_package_is_found_in_qts_libicudata():
    import PySide6

    libs = glob.glob(os.path.join(os.path.dirname(PySide6.__file__), "Qt", "lib", "libicudata.so.*"))
    if not libs:
        pytest.skip("this PySide6 has no libicudata")
    found = _spec_function("_icu_data_blob")(libs[0])
    assert found is not None
    symbol, offset, size = found
    assert re.fullmatch(r"icudt\d+_dat", symbol)
    with open(libs[0], "rb") as fh:
        fh.seek(offset)
        header = fh.read(4)
    # ICU's common data starts with its header size (2 bytes) and the magic 0xda 0x27
    assert header[2:] == b"\xda\x27" and struct.unpack("<H", header[:2])[0] >= 16
    assert 1_000_000 < size <= os.path.getsize(libs[0])
