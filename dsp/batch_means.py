"""Batch means: the standard deviation of an estimate from its re-estimates on independent parts of the data.

When the whole-data estimate is, to first order, the mean of the estimates on ``n`` independent parts, its
standard deviation is ``s / √n`` with ``s`` the sample standard deviation (``ddof=1``) of the part estimates
(Bendat & Piersol 2010, sec. 8.1, on independent averages). Used by the frequency-domain methods
(:mod:`dsp.fd_uncertainty`) and PreGER's multi-setup merge (:func:`dsp.multisetup.preger_sigmas`).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

#: fewer re-estimates than this give no σ (the sample standard deviation of 3 values scatters by ~50 %)
MIN_PARTS = 4


def sigma_of_mean(values: np.ndarray) -> Optional[float]:
    """``s / √n`` of the finite ``values`` (part estimates; NaN where a part gave none), or None for fewer than
    :data:`MIN_PARTS`."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(np.std(v, ddof=1) / np.sqrt(v.size)) if v.size >= MIN_PARTS else None
