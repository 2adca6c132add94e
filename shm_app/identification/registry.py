"""The registry of identification methods. Each method is one module in :mod:`shm_app.identification.methods`
that calls :func:`register` with its :class:`Method`: name, description, domain, the settings it uses and its run
function. The CLI's ``--method`` choices, the GUI's method box and the settings' validation all read this registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np

from dsp.modal import Mode
from dsp.progress import CancelToken, ProgressFn
from dsp.stabilization import StabilizationDiagram

if TYPE_CHECKING:
    from shm_app.identification.settings import ResolvedSettings

Run = Callable[[np.ndarray, "ResolvedSettings", "Context", Optional[ProgressFn], Optional[CancelToken]],
               tuple[tuple[Mode, ...], Optional[StabilizationDiagram]]]


@dataclass(frozen=True)
class Context:
    """What the pipeline computed before the method runs: channel names and the spectral matrix (if any)."""

    channels: tuple[str, ...]
    spectral_matrix: object = None
    spectrum: object = None


@dataclass(frozen=True)
class Method:
    """An identification method.

    name : as typed on the command line (``ssi-cov``); description : one line for help texts
    domain : "time" (SSI: block rows, model orders, a stabilization diagram) or "frequency" (spectral matrix)
    parameters : the fields of :class:`~shm_app.identification.settings.IdentificationSettings` it uses besides
        the common ones (method, band, channels, detrend); the others are ignored and not recorded
    min_channels : fewest channels it can work on
    run : ``run(y, resolved, context, progress, cancel) -> (modes, diagram or None)``, ``y`` the preprocessed
        ``(n_samples, n_channels)`` record at unit peak scale
    """

    name: str
    description: str
    domain: str
    parameters: tuple[str, ...]
    min_channels: int
    run: Run

    @property
    def time_domain(self) -> bool:
        return self.domain == "time"


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    if method.domain not in ("time", "frequency"):
        raise ValueError(f"domain must be 'time' or 'frequency'; got {method.domain!r}")
    METHODS[method.name] = method
    return method


def _load() -> None:
    """Import every module of the methods package once (each registers itself)."""
    if METHODS:
        return
    from shm_app.identification import methods

    methods.load_all()


def method_names() -> tuple[str, ...]:
    _load()
    return tuple(METHODS)


def get_method(name: str) -> Method:
    _load()
    return METHODS[name]


def time_domain_methods() -> tuple[str, ...]:
    _load()
    return tuple(n for n, m in METHODS.items() if m.time_domain)
