"""EFDD: enhanced FDD, damping and frequency from the SDOF correlation function around each peak."""
from __future__ import annotations

from dsp.spectral import singular_value_spectrum
from shm_app.identification.methods._common import peak_settings, with_sigmas
from shm_app.identification.registry import Method, register


def run(y, s, ctx, progress, cancel):
    from dsp.efdd import efdd_from_spectrum

    spectrum = singular_value_spectrum(ctx.spectral_matrix, keep_vectors=True)
    return with_sigmas(y, s, efdd_from_spectrum(spectrum, s.analysis_fs_hz, s.nperseg, peak_settings(s)).modes), None


register(Method(name="efdd", description="enhanced FDD (damping and frequency from the SDOF correlation function)",
                domain="frequency", parameters=("resolution_hz",), min_channels=2, run=run))
