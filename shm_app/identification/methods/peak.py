"""Peak picking on the averaged normalised PSD; the one method that accepts a single channel."""
from __future__ import annotations

from shm_app.identification.methods._common import peak_settings, with_sigmas
from shm_app.identification.registry import Method, register


def run(y, s, ctx, progress, cancel):
    from dsp.peak_picking import peak_picking_from_matrix

    return with_sigmas(y, s, peak_picking_from_matrix(ctx.spectral_matrix, peak_settings(s)).modes), None


register(Method(name="peak", description="peak picking on the averaged normalised PSD (also for a single channel)",
                domain="frequency", parameters=("resolution_hz",), min_channels=1, run=run))
