"""CPU time of the stages of an identification, in process: wraps the functions the pipeline calls so each call
adds its CPU seconds to a label (shared by bench_identify.py --profile and bench_campaign.py --profile)."""
from __future__ import annotations

import time

SWEEP = "order sweep: eigenvalue problems, shapes"
PER_POLE = "σ: per pole (in the order sweep)"
PREPROCESSING = "preprocessing (detrend, decimation)"
SELECTION = "mode selection"


def instrument() -> dict[str, float]:
    """Wrap the stages of ``shm_app.identification.identify`` (SSI-COV); returns the dict they add CPU seconds to
    (clear it between runs). Call once per process."""
    import dsp.ssi as ssi
    import dsp.ssi_uncertainty as unc
    import shm_app.identification.methods.ssi_cov as method
    from dsp import preprocess

    spent: dict[str, float] = {}

    def timed_call(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def call(*a, **k):
            t = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t
        setattr(owner, name, call)

    timed_call(preprocess, "decimate", PREPROCESSING)
    timed_call(ssi, "output_correlations", "correlations")
    timed_call(ssi, "segment_correlations", "correlations")
    timed_call(ssi, "leading_svd", "SVD (leading_svd, block Krylov)")
    timed_call(unc.PoleUncertainty, "__init__", "σ: basis and sensitivities (its SVD included)")
    timed_call(ssi, "poles_from_observability", SWEEP)
    timed_call(unc.PoleUncertainty, "pole_sigmas", PER_POLE)
    timed_call(method, "select_modes", SELECTION)
    timed_call(method, "ssi_cov", "ssi_cov")
    return spent


def breakdown(spent: dict[str, float], total: float) -> dict[str, float]:
    """The stages of one or more identifications taking ``total`` CPU seconds, exclusive of each other: the
    per-pole σ out of the order sweep, the SSI steps not wrapped and what lies outside SSI and selection."""
    parts = dict(spent)
    parts[SWEEP] = parts.get(SWEEP, 0.0) - parts.get(PER_POLE, 0.0)
    ssi_total = parts.pop("ssi_cov", 0.0)
    inside = [k for k in parts if k not in (PREPROCESSING, SELECTION)]
    parts["other SSI steps"] = ssi_total - sum(parts[k] for k in inside)
    parts["rest (settings, scaling, JSON)"] = total - ssi_total - parts.get(PREPROCESSING, 0.0) - parts.get(
        SELECTION, 0.0)
    return parts
