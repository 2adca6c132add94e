"""SSI-COV: covariance-driven stochastic subspace identification over a sweep of model orders."""
from __future__ import annotations

from dsp.ssi import ssi_cov
from dsp.stabilization import select_modes
from shm_app.identification.methods._common import orders, reference_indices
from shm_app.identification.registry import Method, register


def run(y, s, ctx, progress, cancel):
    diagram = ssi_cov(y, s.analysis_fs_hz, block_rows=s.block_rows, orders=orders(s),
                      reference_channels=reference_indices(s, ctx), progress=progress, cancel=cancel,
                      uncertainty=s.uncertainty_blocks > 0, n_blocks=s.uncertainty_blocks or 20)
    return select_modes(diagram, s.selection), diagram


register(Method(name="ssi-cov", description="covariance-driven stochastic subspace identification (order sweep, "
                                            "automated selection)",
                domain="time", parameters=("block_rows", "max_order", "order_step", "reference_channels"),
                min_channels=2, run=run))
