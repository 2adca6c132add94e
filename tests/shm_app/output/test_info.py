"""``shm-app info``'s channel rms: the standard deviation of each channel, without overflow near 1e308, in a block of
rows at a time (the temporaries are a block's, not the record's)."""
import tracemalloc

import numpy as np
import pytest

from shm_app.output.info import channel_rms


@pytest.mark.parametrize("block_values", [7, 1000, 1 << 20])
def test_rms_is_the_standard_deviation_whatever_the_blocks(block_values):
    x = 9.81 + np.random.default_rng(0).standard_normal((10_001, 3)) * [1e-3, 1.0, 1e3]
    np.testing.assert_allclose(channel_rms(x, block_values), x.std(axis=0), rtol=1e-10)


def test_values_near_the_largest_float_do_not_overflow():
    x = np.array([[1e308, 1.0], [-1e308, 1.0], [1e308, 1.0], [-1e308, 1.0]])
    np.testing.assert_allclose(channel_rms(x), [1e308, 0.0], rtol=1e-12)


def test_memory_is_a_block_not_the_record():
    x = np.random.default_rng(1).standard_normal((500_000, 8))  # 32 MB
    tracemalloc.start()
    channel_rms(x, block_values=1 << 16)  # blocks of 0.5 MB
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.1 * x.nbytes  # a few blocks' temporaries; whole-record ones took 4x the record
