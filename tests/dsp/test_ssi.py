"""SSI-COV: correlations, SVD, known modes of the simulator (close pair, 10 % noise), validation."""
import numpy as np
import pytest
from scipy import linalg

from dsp import ssi
from dsp.stabilization import select_modes, SelectionSettings
from tests.dsp.conftest import FS_HZ, assert_accuracy, close_pair_record

ORDERS = range(2, 81, 2)


def test_output_correlations_equal_direct_lagged_sums():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((5000, 3))
    got = ssi.output_correlations(y, 37, [0, 2], block=512)  # several blocks, lags spanning block edges
    for k in (0, 1, 17, 37):
        want = y[k:].T @ y[: 5000 - k, [0, 2]] / (5000 - k)
        np.testing.assert_allclose(got[k], want, rtol=1e-10, atol=1e-12)  # exact sums, rounding only


def test_output_correlations_in_groups_of_blocks_are_the_same_sums():
    """Blocks are transformed a group at a time to bound memory; lags reach across group edges and past the end."""
    rng = np.random.default_rng(1)
    y = rng.standard_normal((5003, 4))  # not a multiple of the block
    whole = ssi.output_correlations(y, 60, [1, 3], block=256, group_elements=1 << 30)  # one group
    for group_elements in (1, 256 * 4, 3 * 256 * 4):  # one block, one block, three blocks per group
        got = ssi.output_correlations(y, 60, [1, 3], block=256, group_elements=group_elements)
        np.testing.assert_allclose(got, whole, rtol=1e-12, atol=1e-14)
    k = 60
    np.testing.assert_allclose(whole[k], y[k:].T @ y[: 5003 - k, [1, 3]] / (5003 - k), rtol=1e-10, atol=1e-12)


def test_block_toeplitz_layout():
    corr = np.arange(7 * 2 * 1, dtype=float).reshape(7, 2, 1)
    t = ssi.block_toeplitz(corr, 3)
    assert t.shape == (6, 3)
    np.testing.assert_array_equal(t[0:2, 0], corr[3, :, 0])  # T[0,0] = R[i]
    np.testing.assert_array_equal(t[4:6, 0], corr[5, :, 0])  # T[2,0] = R[i+2]
    np.testing.assert_array_equal(t[0:2, 2], corr[1, :, 0])  # T[0,2] = R[i-2]


@pytest.mark.parametrize("i, l, r, p", [(2, 1, 1, 1), (3, 2, 1, 4), (7, 4, 2, 5), (100, 12, 12, 9), (41, 3, 3, 2)])
def test_block_toeplitz_operator_is_the_dense_matrix(i, l, r, p):
    """The FFT products equal the dense block Toeplitz products to rounding (relative 1e-13 of the largest entry)."""
    rng = np.random.default_rng(i)
    corr = rng.standard_normal((2 * i, l, r))
    dense = ssi.block_toeplitz(corr, i)
    op = ssi.BlockToeplitzOperator(corr, i)
    x, y = rng.standard_normal((i * r, p)), rng.standard_normal((i * l, p))
    assert op.shape == dense.shape
    np.testing.assert_allclose(op.matmat(x), dense @ x, rtol=0, atol=1e-13 * np.abs(dense @ x).max())
    np.testing.assert_allclose(op.rmatmat(y), dense.T @ y, rtol=0, atol=1e-13 * np.abs(dense.T @ y).max())


def test_leading_svd_of_the_operator_equals_that_of_the_matrix():
    """Same algorithm, same probes: only the products differ, so the results agree to rounding."""
    rng = np.random.default_rng(3)
    corr = rng.standard_normal((80, 6, 6)) * np.exp(-np.arange(80) / 10)[:, None, None]
    u_op, s_op = ssi.leading_svd(ssi.BlockToeplitzOperator(corr, 40), 20)
    u_dense, s_dense = ssi.leading_svd(ssi.block_toeplitz(corr, 40), 20)
    np.testing.assert_allclose(s_op, s_dense, rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(u_op * u_dense, axis=0)), 1.0, atol=1e-8)  # same vectors up to sign


def test_leading_svd_matches_full_svd():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((400, 30)) @ np.diag(np.logspace(0, -3, 30)) @ rng.standard_normal((30, 400))
    a += 1e-6 * rng.standard_normal(a.shape)
    u, s = ssi.leading_svd(a, 20)
    u_full, s_full, _ = linalg.svd(a)
    np.testing.assert_allclose(s, s_full[:20], rtol=1e-8)  # power iterations converge to machine-level accuracy
    # same subspace: the projections onto each other's columns have unit singular values
    np.testing.assert_allclose(linalg.svdvals(u.T @ u_full[:, :20]), 1.0, atol=1e-6)


def assert_leading_svd_matches_the_exact_svd(corr: np.ndarray, n_channels: int) -> None:
    """The bars of the campaign case: the 8 physical singular values to 1e-9, all 80 to 1e-5, the physical subspace
    to rounding, and every pole of order 80 in 0.5–15 Hz with ζ < 5 % (spurious ones included) to 1e-5."""
    u, s = ssi.leading_svd(ssi.BlockToeplitzOperator(corr, 80), 80)
    u_full, s_full, _ = linalg.svd(ssi.block_toeplitz(corr, 80))
    np.testing.assert_allclose(s[:8], s_full[:8], rtol=1e-9)
    np.testing.assert_allclose(s, s_full[:80], rtol=1e-5)
    np.testing.assert_allclose(linalg.svdvals(u[:, :8].T @ u_full[:, :8]), 1.0, atol=1e-10)

    def poles(obs):
        d = ssi.poles_from_observability(obs, n_channels, FS_HZ, [80], ssi.StabilizationCriteria())
        keep = (d.frequencies_hz > 0.5) & (d.frequencies_hz < 15) & (d.damping_ratios < 0.05)
        return np.sort(d.frequencies_hz[keep])

    np.testing.assert_allclose(poles(u * np.sqrt(s)), poles(u_full[:, :80] * np.sqrt(s_full[:80])), rtol=1e-5)


def test_leading_svd_of_a_campaign_record_matches_the_exact_svd():
    """The campaign's case: 10 minutes at 40 Hz, 80 block rows of 8 channels (640 × 640), 80 leading triplets,
    whose spectrum falls to ~5e-4 of the first with no gap at the 80th. With the default three power iterations:
    the 8 physical singular values to 1e-9 and the noise tail (the smallest, ~1e-6 of the first) to 1e-5, the
    physical subspace (the 8 states of 4 modes) to rounding, and every pole of the highest order, spurious ones
    included, to 1e-5 (noise poles move by ~1e-6; the selected modes of campaign records agree to ~1e-6)."""
    y = close_pair_record(1).acceleration[: int(600 * FS_HZ)]  # shared with the close-pair tests (cached)
    corr = ssi.output_correlations(y, 159, range(y.shape[1]), mean=y.mean(axis=0))
    np.testing.assert_allclose(corr, ssi.output_correlations(y, 159, range(y.shape[1]), block=4096,
                                                             mean=y.mean(axis=0)), rtol=0, atol=1e-13 * corr.max())
    assert_leading_svd_matches_the_exact_svd(corr, y.shape[1])


def test_free_decay_poles_are_exact():
    """A free decay is exactly a 2n-state system: SSI at that order must return its poles to rounding level."""
    from dsp.simulate import bridge_deck_model

    model, _ = bridge_deck_model()
    fs, t = 40.0, np.arange(36000) / 40.0
    w = 2 * np.pi * model.natural_frequencies_hz
    wd = w * np.sqrt(1 - model.damping_ratios ** 2)
    q = np.exp(-model.damping_ratios[None] * w[None] * t[:, None]) * np.cos(wd[None] * t[:, None] + [0.3, 1.1, 2.0, 0.5])
    y = q @ model.mode_shapes.T
    d = ssi.ssi_cov(y, fs, block_rows=40, orders=[8])  # the true state dimension: 4 modes × 2
    order = np.argsort(d.frequencies_hz)
    np.testing.assert_allclose(d.frequencies_hz[order], model.natural_frequencies_hz, rtol=1e-6)
    # the unbiased 1/(n − k) scaling of lag k adds ≈ fs/n = 0.0011 1/s to each decay rate: < 1 % of ζ here
    np.testing.assert_allclose(d.damping_ratios[order], model.damping_ratios, rtol=0.01)


def test_ssi_cov_close_pair_accuracy(close_pair):
    i = ssi.default_block_rows(FS_HZ, 0.5, close_pair.acceleration.shape[1])
    diagram = ssi.ssi_cov(close_pair.acceleration, FS_HZ, block_rows=i, orders=ORDERS)
    modes = select_modes(diagram, SelectionSettings(fmin_hz=0.5, fmax_hz=15.0))
    # issue targets: frequency < 0.3 %, damping < 25 %, MAC > 0.98, at most 2 spurious modes
    assert_accuracy(modes, close_pair.model, max_frequency_error=0.003, max_damping_error=0.25)
    pair = [m for m in modes if 2.1 < m.frequency_hz < 2.4]
    assert len(pair) == 2  # the bending/torsion pair 5 % apart comes out as two modes


def test_reference_channels_subset_identifies_the_same_modes(close_pair):
    refs = [0, 1, 4, 5]  # two sections, both edges: every mode is seen by a reference
    diagram = ssi.ssi_cov(close_pair.acceleration, FS_HZ, block_rows=60, orders=ORDERS, reference_channels=refs)
    modes = select_modes(diagram, SelectionSettings(fmin_hz=0.5, fmax_hz=15.0))
    assert_accuracy(modes, close_pair.model, max_frequency_error=0.003, max_damping_error=0.25)


@pytest.mark.parametrize("kwargs, message", [
    (dict(block_rows=1, orders=[2]), "block_rows must be at least 2"),
    (dict(block_rows=600, orders=[2]), "block_rows=600 needs at least 12000 samples"),
    (dict(block_rows=10, orders=[2, 90]), r"orders must lie between 1 and min\(block_rows × n_references, "
                                          r"\(block_rows − 1\) × n_channels\) = 36"),  # 4 channels: 9 × 4
    (dict(block_rows=10, orders=[2, 30], reference_channels=[0, 1]), r"n_channels\) = 20; got 2…30"),  # 10 × 2
    (dict(block_rows=10, orders=[2], reference_channels=[0, 9]), "reference_channels must be distinct channel"),
])
def test_impossible_settings_are_refused_naming_the_parameter(kwargs, message):
    y = np.random.default_rng(0).standard_normal((10000, 4))
    with pytest.raises(ValueError, match=message):
        ssi.ssi_cov(y, 50.0, **kwargs)


def test_single_channel_is_refused():
    with pytest.raises(ValueError, match="at least 2 channels"):
        ssi.ssi_cov(np.random.default_rng(0).standard_normal((5000, 1)), 50.0, block_rows=10, orders=[2])


def test_default_block_rows_span_two_periods_of_fmin():
    assert ssi.default_block_rows(50.0, 0.5, 8) == 100      # (2i − 1)/fs ≈ 2 / fmin
    assert ssi.default_block_rows(50.0, 0.5, 40) == 50      # capped: Toeplitz at most ~2000 rows
    assert ssi.default_block_rows(50.0, 20.0, 8) == 10      # at least 10


@pytest.mark.parametrize("seed", [2, 3])
def test_leading_svd_of_other_campaign_records_matches_the_exact_svd(seed):
    """The campaign case of the test above on two more records, with the same bars (the block Krylov basis: every
    pole of order 80 to ~5e-6; the power-iteration range finder used before reached 1.8e-5 and 4.5e-5 here)."""
    y = close_pair_record(seed).acceleration[: int(600 * FS_HZ)]
    corr = ssi.output_correlations(y, 159, range(y.shape[1]), mean=y.mean(axis=0))
    assert_leading_svd_matches_the_exact_svd(corr, y.shape[1])
