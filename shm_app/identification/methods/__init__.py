"""Identification methods, one module each; importing a module registers its method (see ``registry``).

The modules are listed here rather than discovered so that frozen builds (PyInstaller) see every import; a new
method is one new module plus its name in ``MODULES``.
"""
from __future__ import annotations

import importlib

MODULES = ("ssi_cov", "ssi_dat", "fdd", "efdd", "peak")


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
