"""SSI-DAT: the TSQR factor equals a direct QR, and the simulator's known modes come out (close pair, 10 % noise)."""
import numpy as np
import pytest
from scipy import linalg

from dsp.ssi_dat import default_block_rows, hankel_r_factor, ssi_dat
from dsp.stabilization import SelectionSettings, select_modes
from tests.dsp.conftest import FS_HZ, SEEDS, assert_accuracy, close_pair_record


def test_tsqr_factor_equals_qr_of_the_whole_hankel_matrix():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((700, 3))
    i, ref = 4, [0, 2]
    n_cols = 700 - 2 * i + 1
    past = np.vstack([y[k:k + n_cols, ref].T for k in range(i)])
    future = np.vstack([y[i + k:i + k + n_cols].T for k in range(i)])
    h = np.vstack([past, future]) / np.sqrt(n_cols)
    r_direct = linalg.qr(h.T, mode="r")[0][: h.shape[0]]
    # several chunks with a short last one; chunks narrower than the factor (20 columns); one chunk
    for chunk in (100, 7, 5000):
        r_factor = hankel_r_factor(y, i, ref, chunk=chunk)
        # R is unique up to the signs of its rows
        np.testing.assert_allclose(np.abs(r_factor), np.abs(r_direct), atol=1e-10)
        np.testing.assert_allclose(r_factor.T @ r_factor, h @ h.T, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_ssi_dat_close_pair_accuracy(seed):
    record = close_pair_record(seed)
    # 1 Hz lower limit: 20 block rows keep the QR of 288 000 × 320 small for the test; a 2.2 Hz mode spans many rows
    i = default_block_rows(FS_HZ, 1.0, 8)
    diagram = ssi_dat(record.acceleration, FS_HZ, block_rows=i, orders=range(2, 81, 2))
    modes = select_modes(diagram, SelectionSettings(fmin_hz=1.0, fmax_hz=15.0))
    # issue targets: frequency < 0.3 %, damping < 25 %, MAC > 0.98, ≤ 2 spurious
    assert_accuracy(modes, record.model, max_frequency_error=0.003, max_damping_error=0.25)
    assert len([m for m in modes if 2.1 < m.frequency_hz < 2.4]) == 2


def test_ssi_dat_with_reference_channels():
    record = close_pair_record(SEEDS[0])
    diagram = ssi_dat(record.acceleration, FS_HZ, block_rows=30, orders=range(2, 81, 2),
                      reference_channels=[0, 1, 4, 5])
    modes = select_modes(diagram, SelectionSettings(fmin_hz=1.0, fmax_hz=15.0))
    assert_accuracy(modes, record.model, max_frequency_error=0.003, max_damping_error=0.25)


def test_default_block_rows_span_one_period_of_fmin():
    assert default_block_rows(40.0, 1.0, 8) == 20   # 2i/fs = 1/fmin
    assert default_block_rows(50.0, 0.5, 8) == 50
    assert default_block_rows(50.0, 0.1, 8) == 62   # capped: Hankel of at most ~1000 rows


def test_ssi_dat_refuses_too_short_a_record():
    with pytest.raises(ValueError, match="block_rows=100 needs at least 2000 samples"):
        ssi_dat(np.random.default_rng(0).standard_normal((1500, 3)), 50.0, block_rows=100, orders=[4])


def test_default_block_rows_survive_a_vanishing_fmin():
    """fs/fmin overflows to inf for a subnormal fmin (found by Hypothesis): the cap applies, nothing raises."""
    from dsp.ssi import default_block_rows as cov_rows

    assert default_block_rows(50.0, 2e-307, 3) == 100
    assert cov_rows(50.0, 2e-307, 3) == 200
