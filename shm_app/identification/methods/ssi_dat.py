"""SSI-DAT: data-driven stochastic subspace identification (QR projection) over a sweep of model orders."""
from __future__ import annotations

from dsp.stabilization import select_modes
from shm_app.identification.methods._common import orders, reference_indices
from shm_app.identification.registry import Method, register


def run(y, s, ctx, progress, cancel):
    from dsp.ssi_dat import ssi_dat  # scipy.linalg: imported only when used

    diagram = ssi_dat(y, s.analysis_fs_hz, block_rows=s.block_rows, orders=orders(s),
                      reference_channels=reference_indices(s, ctx), progress=progress, cancel=cancel)
    return select_modes(diagram, s.selection), diagram


register(Method(name="ssi-dat", description="data-driven stochastic subspace identification (QR projection, order "
                                            "sweep, automated selection)",
                domain="time", parameters=("block_rows", "max_order", "order_step", "reference_channels"),
                min_channels=2, run=run))
