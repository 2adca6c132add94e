"""The ``shm-app identify`` JSON document (docs/contracts.md): what a script reads of an identification."""
from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import numpy as np

from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.registry import get_method


def _round(value: Optional[float], digits: int) -> Optional[float]:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def settings_json(result: IdentificationResult) -> dict:
    """Every setting the result depends on: band, decimation, detrend, the method's own parameters and (SSI) the
    automated selection's criteria."""
    s = result.settings
    method = get_method(s.method)
    out = {"fmin_hz": s.fmin_hz, "fmax_hz": s.fmax_hz, "analysis_fs_hz": s.analysis_fs_hz,
           "decimation": s.decimation, "detrend": s.detrend,
           "block_rows": None, "orders": None, "order_step": None, "reference_channels": None,
           "resolution_hz": s.resolution_hz, "selection": None, "uncertainty_blocks": s.uncertainty_blocks}
    if method.time_domain:
        out.update(block_rows=s.block_rows, orders=list(s.orders), order_step=s.order_step,
                   reference_channels=list(s.reference_channels) if s.reference_channels else None,
                   selection={k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                              for k, v in asdict(s.selection).items()} if s.selection else None)
    return out


def result_to_json(result: IdentificationResult, *, manual: frozenset = frozenset()) -> dict:
    """The ``shm-app identify`` document. ``manual``: indices of the modes a person added or edited."""
    swept = result.settings.time_domain  # SSI: each mode is a cluster of poles with a scatter over the orders
    return {
        "file": None if result.file is None else str(result.file).replace("\\", "/").split("/")[-1],
        "fs_hz": result.fs_hz,
        "n_samples": result.n_samples,
        "channels": list(result.channels),
        "method": result.settings.method,
        "settings": settings_json(result),
        "modes": [
            {"frequency_hz": round(m.frequency_hz, 6), "damping_ratio": round(m.damping_ratio, 6),
             "mpc": round(m.mpc, 4), "mpd_deg": round(m.mpd_deg, 3),
             "frequency_sigma_hz": _round(getattr(m, "frequency_sigma_hz", None), 7),
             "damping_sigma": _round(getattr(m, "damping_sigma", None), 7),
             "frequency_scatter_hz": round(m.frequency_scatter_hz, 7) if swept else None,
             "damping_scatter": round(m.damping_scatter, 7) if swept else None,
             "n_poles": m.n_poles,
             "manual": k in manual,
             "shape": [round(float(v), 5) for v in np.real(m.shape)],
             "shape_imag": [round(float(v), 5) for v in np.imag(m.shape)]}
            for k, m in enumerate(result.modes)
        ],
    }
