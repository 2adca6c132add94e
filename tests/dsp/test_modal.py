"""MAC, AutoMAC, MPC, MPD and shape normalisation: closed-form values and invariants (Hypothesis)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dsp.modal import auto_mac, mac, mpc, mpd, normalise_shape

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
vectors = arrays(np.float64, st.integers(2, 8).map(lambda n: (n,)), elements=finite).filter(
    lambda v: np.linalg.norm(v) > 1e-3)


@settings(max_examples=30, deadline=None)
@given(vectors, vectors, st.complex_numbers(min_magnitude=1e-3, max_magnitude=1e3, allow_nan=False,
                                             allow_infinity=False))
def test_mac_is_a_scale_invariant_squared_cosine(a, b, scale):
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    if min(np.linalg.norm(a), np.linalg.norm(b)) < 1e-3:  # truncation may leave a zero vector: MAC undefined
        return
    value = mac(a, b)
    assert 0.0 <= value <= 1.0 + 1e-12
    assert mac(b, a) == pytest.approx(value, abs=1e-12)  # symmetric
    assert mac(a * scale, b) == pytest.approx(value, abs=1e-9)  # any complex scaling of a shape: same MAC
    assert mac(a, a) == pytest.approx(1.0)


def test_mac_of_orthogonal_shapes_is_zero_and_matrix_shape():
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    m = mac(a, a)
    assert m.shape == (2, 2)
    np.testing.assert_allclose(m, [[1.0, 0.25], [0.25, 1.0]])  # (1·0+0·1+1·1)² / (2·2)
    assert mac(np.array([1.0, 1.0]), np.array([1.0, -1.0])) == 0.0
    np.testing.assert_allclose(np.diag(auto_mac(a)), 1.0)
    with pytest.raises(ValueError, match="same number of channels"):
        mac(np.ones(3), np.ones(4))


@settings(max_examples=30, deadline=None)
@given(vectors, st.floats(-np.pi, np.pi))
def test_a_real_shape_rotated_in_the_complex_plane_is_perfectly_collinear(v, angle):
    shape = v * np.exp(1j * angle)
    assert mpc(shape) == pytest.approx(1.0, abs=1e-9)
    assert mpd(shape) == pytest.approx(0.0, abs=1e-4)


def test_mpc_and_mpd_of_a_circular_shape():
    shape = np.exp(1j * np.array([0.0, np.pi / 2, np.pi, 3 * np.pi / 2]))  # components spread round a circle
    assert mpc(shape) == pytest.approx(0.0, abs=1e-12)
    assert mpd(shape) == pytest.approx(45.0, abs=1e-9)  # every direction equally far from the principal one


def test_mpd_of_a_known_phase_scatter():
    shape = np.array([1.0, np.exp(1j * np.radians(10.0))])  # two equal components 10° apart
    assert mpd(shape) == pytest.approx(5.0, abs=1e-9)  # the best line bisects them


@settings(max_examples=30, deadline=None)
@given(vectors, vectors)
def test_normalised_shape_has_largest_entry_one(re, im):
    n = min(re.size, im.size)
    shape = re[:n] + 1j * im[:n]
    out = normalise_shape(shape)
    k = np.argmax(np.abs(out))
    assert out[k] == pytest.approx(1.0 + 0j, abs=1e-12)
    assert np.max(np.abs(out)) == pytest.approx(1.0)
    assert mac(out, shape) == pytest.approx(1.0)


def test_normalise_shape_per_column():
    phi = np.array([[2.0, -1.0], [1.0, -4.0]], dtype=complex)
    out = normalise_shape(phi)
    np.testing.assert_allclose(out, [[1.0, 0.25], [0.5, 1.0]])
