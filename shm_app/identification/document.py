"""The ``shm-app identify`` JSON documents (docs/contracts.md, "identify JSON" and "multi-setup JSON"): what a script
reads of an identification."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np

from shm_app.identification.pipeline import IdentificationResult
from shm_app.identification.registry import get_method
from shm_app.output.tables import rounded


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
             "frequency_sigma_hz": rounded(getattr(m, "frequency_sigma_hz", None), 7),
             "damping_sigma": rounded(getattr(m, "damping_sigma", None), 7),
             "frequency_scatter_hz": round(m.frequency_scatter_hz, 7) if swept else None,
             "damping_scatter": round(m.damping_scatter, 7) if swept else None,
             "n_poles": m.n_poles,
             "manual": k in manual,
             "shape": [round(float(v), 5) for v in np.real(m.shape)],
             "shape_imag": [round(float(v), 5) for v in np.imag(m.shape)]}
            for k, m in enumerate(result.modes)
        ],
    }


def _finite_list(values, digits: int) -> list:
    return [rounded(v, digits) for v in values]


def multisetup_to_json(result) -> dict:
    """The multi-setup identify document (docs/contracts.md, "multi-setup JSON") of a
    :class:`~shm_app.identification.multisetup.MultiSetupIdentification`: the identify JSON with ``channels``
    every point once (references first), shapes over all of them (null where only setups lacking the mode
    measured), ``setups`` (file, channels, n_samples, each mode's frequency in that setup: null where the setup
    lacks it, or for PreGER), ``references`` and ``merge``. Per mode also ``setups`` (indices into ``setups`` it
    came from), ``complete``, and for PoSER ``frequency_spread_hz`` / ``damping_spread`` over those setups and
    ``reference_mac``; the scatter over model orders is PreGER's only (PoSER's is in each setup's own result)."""
    poser = result.merge == "poser"
    modes = []
    for k, m in enumerate(result.modes):
        shape = np.asarray(m.shape, complex)
        modes.append({
            "frequency_hz": round(m.frequency_hz, 6), "damping_ratio": round(m.damping_ratio, 6),
            "mpc": round(m.mpc, 4), "mpd_deg": round(m.mpd_deg, 3),
            "frequency_sigma_hz": rounded(m.frequency_sigma_hz, 7), "damping_sigma": rounded(m.damping_sigma, 7),
            "frequency_scatter_hz": None if poser else rounded(m.frequency_scatter_hz, 7),
            "damping_scatter": None if poser else rounded(m.damping_scatter, 7),
            "n_poles": m.n_poles, "manual": False,
            "shape": _finite_list(np.real(shape), 5), "shape_imag": _finite_list(np.imag(shape), 5),
            "setups": list(result.mode_setups[k]), "complete": bool(np.all(np.isfinite(shape))),
            "frequency_spread_hz": rounded(result.frequency_spread_hz[k], 7) if poser else None,
            "damping_spread": rounded(result.damping_spread[k], 7) if poser else None,
            "reference_mac": [round(float(v), 4) for v in result.reference_mac[k]] if poser else None,
        })
    names = [None if f is None else str(f).replace("\\", "/").split("/")[-1] for f in result.files]
    return {
        "file": None,
        "fs_hz": result.fs_hz,
        "n_samples": int(sum(result.n_samples)),
        "channels": list(result.channels),
        "method": result.settings.method,
        "settings": settings_json(result),
        "modes": modes,
        "setups": [{"file": name, "channels": list(ch), "n_samples": n,
                    "frequencies_hz": _finite_list(result.setup_frequencies_hz[:, s], 6)}
                   for s, (name, ch, n) in enumerate(zip(names, result.setup_channels, result.n_samples))],
        "references": list(result.references),
        "merge": result.merge,
    }
