"""FDD: frequency domain decomposition, peaks of the first singular value of the spectral matrix."""
from __future__ import annotations

from shm_app.identification.methods._common import peak_settings, with_sigmas
from shm_app.identification.registry import Method, register


def run(y, s, ctx, progress, cancel):
    from dsp.fdd import fdd_from_spectrum

    return with_sigmas(y, s, fdd_from_spectrum(ctx.spectrum, peak_settings(s)).modes), None


register(Method(name="fdd", description="frequency domain decomposition (peaks of the first singular value)",
                domain="frequency", parameters=("resolution_hz",), min_channels=2, run=run))
