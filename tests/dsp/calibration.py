"""The calibration check of a statistical σ over independent simulated records (issue: "the spread of the estimates
matches the reported σ, ratio within 0.5–2, and the 95 % interval covers the truth in at least 80 % of records")."""
from __future__ import annotations

import numpy as np


def assert_calibrated(estimates, sigmas, truth: float, label: str, n_records: int) -> None:
    """The estimates of one quantity over ``n_records`` independent records (found in at least 90 % of them), their
    reported σ, and the true value."""
    est, sig = np.asarray(estimates, float), np.asarray(sigmas, float)
    assert est.size >= 0.9 * n_records, f"{label}: found in only {est.size} records"
    ratio = sig.mean() / est.std(ddof=1)
    coverage = np.mean(np.abs(est - truth) <= 1.96 * sig)
    assert 0.5 <= ratio <= 2.0, f"{label}: mean σ / empirical std = {ratio:.2f}"
    assert coverage >= 0.8, f"{label}: 95 % interval covers the truth in {coverage:.0%} of records"
