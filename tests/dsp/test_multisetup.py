"""Multi-setup (roving sensor) identification: PoSER and PreGER against a simulated 3-setup test with known global
modes, exact merging of noise-free shapes (Hypothesis), missing modes, and validation at the entrance."""
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp.modal import Mode, mac
from dsp.multisetup import (PoserSettings, RovingLayout, common_reference, global_correlations, merge_poser,
                            merge_preger, normalise_measured, preger_sigmas, setup_correlations)
from dsp.simulate_roving import roving_deck, simulate_roving_test
from dsp.ssi import ssi_cov
from dsp.stabilization import SelectionSettings, StabilizationCriteria, select_modes

FS_HZ = 50.0
BLOCK_ROWS = 50
ORDERS = range(2, 61, 2)
SELECTION = dict(fmin_hz=1.0, fmax_hz=24.0)


@lru_cache(maxsize=None)
def roving_test(seed: int = 2):
    """Three setups of 10, 15 and 8 minutes, excitation 1 : 3 : 0.5, 5 % sensor noise; 14 points, 3 references."""
    model, names, setups = roving_deck()
    return simulate_roving_test(model, setups, FS_HZ, [600, 900, 480], excitation_levels=[1.0, 3.0, 0.5],
                                point_names=names, seed=seed)


@lru_cache(maxsize=None)
def setup_modes(seed: int = 2):
    test = roving_test(seed)
    out = []
    for s, y in enumerate(test.records):
        diagram = ssi_cov(y, FS_HZ, block_rows=BLOCK_ROWS, orders=ORDERS,
                          reference_channels=test.layout.reference_channels(s))
        out.append(select_modes(diagram, SelectionSettings(**SELECTION, record_duration_s=y.shape[0] / FS_HZ)))
    return tuple(out)


def assert_global_modes(result, model, *, min_mac=0.98, max_frequency_error=0.005):
    assert len(result.modes) == model.n_modes, [m.frequency_hz for m in result.modes]
    for j, m in enumerate(result.modes):  # both sorted by frequency
        f_true = model.natural_frequencies_hz[j]
        assert abs(m.frequency_hz / f_true - 1) < max_frequency_error, (j, m.frequency_hz, f_true)
        assert m.complete and m.setups == (0, 1, 2)
        assert mac(m.shape, model.mode_shapes[:, j]) > min_mac, (j, mac(m.shape, model.mode_shapes[:, j]))
        assert np.max(np.abs(m.shape)) == pytest.approx(1.0) and 1.0 + 0j in m.shape


def test_simulated_roving_test_has_the_layout_levels_and_lengths_asked_for():
    test = roving_test()
    assert [r.shape for r in test.records] == [(30000, 7), (45000, 7), (24000, 6)]
    assert [test.layout.point_names[p] for p in test.layout.reference_points] == ["A02L_z", "A02R_z", "A05L_z"]
    rms = [r[:, test.layout.reference_channels(s)].std() for s, r in enumerate(test.records)]
    np.testing.assert_allclose(np.array(rms) / rms[0], [1.0, 3.0, 0.5], rtol=0.15)  # random modal energy per record


def test_poser_recovers_the_global_modes():
    test = roving_test()
    result = merge_poser(setup_modes(), test.layout)
    assert_global_modes(result, test.model)
    assert result.method == "poser" and result.point_names == test.layout.point_names
    assert result.setup_frequencies_hz.shape == (5, 3) and np.all(np.isfinite(result.setup_frequencies_hz))
    assert all(min(m.reference_mac) > 0.99 for m in result.modes)
    assert all(m.frequency_spread_hz > 0 for m in result.modes)  # three independent estimates


@pytest.mark.parametrize("rescaling", ["observability", "correlations"])
def test_preger_recovers_the_global_modes_from_setups_of_different_level_and_length(rescaling):
    test = roving_test()
    result = merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS,
                          rescaling=rescaling, selection=SelectionSettings(**SELECTION, record_duration_s=480))
    assert_global_modes(result, test.model)
    assert result.method == "preger" and result.rescaling == rescaling
    assert result.stabilization_diagram.shapes.shape[0] == 14
    if rescaling == "correlations":  # the correlations scale with the excitation variance (1 : 9 : 0.25)
        scales = result.correlation_scales
        np.testing.assert_allclose(scales / scales[0], [1.0, 1 / 9, 4.0], rtol=0.25)


def test_preger_through_observability_survives_a_change_of_excitation_spectrum_between_setups():
    """Each mode's force changes by a factor 0.5…2 between setups: a change of state basis absorbs it."""
    model, names, setups = roving_deck()
    levels = np.exp(np.random.default_rng(7).uniform(np.log(0.5), np.log(2.0), (3, model.n_modes)))
    test = simulate_roving_test(model, setups, FS_HZ, [600, 900, 480], excitation_levels=levels,
                                point_names=names, seed=3)
    result = merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS,
                          selection=SelectionSettings(**SELECTION, record_duration_s=480))
    assert_global_modes(result, test.model)


@pytest.mark.parametrize("rescaling", ["observability", "correlations"])
def test_preger_of_a_single_setup_is_ssi_cov(rescaling):
    """One setup: scale 1, and a change of state basis leaves the poles of the highest order unchanged (lower
    orders keep the leading states of the reference outputs instead); the same poles as SSI-COV to rounding."""
    y = roving_test().records[0][:12000]
    layout = RovingLayout.from_setups([range(7)], [[0, 1, 2]])
    result = merge_preger([y], FS_HZ, layout, block_rows=20, orders=[10, 20], rescaling=rescaling)
    direct = ssi_cov(y, FS_HZ, block_rows=20, orders=[10, 20], reference_channels=[0, 1, 2])
    for order in ([10, 20] if rescaling == "correlations" else [20]):
        got = result.stabilization_diagram
        np.testing.assert_allclose(np.sort(got.frequencies_hz[got.orders == order]),
                                   np.sort(direct.frequencies_hz[direct.orders == order]), rtol=1e-9)


def test_global_correlations_do_not_depend_on_each_setups_unit_or_level():
    test = roving_test()
    records = [r[:6000] for r in test.records]
    base, base_scales = global_correlations(setup_correlations(records, test.layout, 20), test.layout)
    scaled, scales = global_correlations(
        setup_correlations([records[0] * 1e3, records[1], records[2] * 0.01], test.layout, 20), test.layout)
    np.testing.assert_allclose(scaled / np.linalg.norm(scaled), base / np.linalg.norm(base), atol=1e-12)
    assert scales[0] / scales[1] == pytest.approx(1e-6 * base_scales[0] / base_scales[1])


# ------------------------------------------------------------------------------------- noise-free shapes


def _noise_free_setups(shapes, frequencies, layout, scales):
    """Each setup's modes: the global shapes at its points times an arbitrary complex scale per setup and mode."""
    return [[Mode(f, 0.01, shapes[list(points), j] * scales[s][j], 1.0, 0.0) for j, f in enumerate(frequencies)]
            for s, points in enumerate(layout.channel_points)]


def _same_shape(a, b):
    k = np.nanargmax(np.abs(b))
    np.testing.assert_allclose(a / a[k], b / b[k], atol=1e-9)


nonzero = st.complex_numbers(min_magnitude=1e-2, max_magnitude=1e2, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(n_refs=st.integers(1, 3), roving=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_merged_shapes_of_noise_free_setups_are_exact_whatever_each_setups_scale(n_refs, roving, data):
    n_points = n_refs + sum(roving)
    cuts = np.cumsum([n_refs] + roving)
    layout = RovingLayout.from_setups(
        [list(range(n_refs)) + list(range(a, b)) for a, b in zip(cuts[:-1], cuts[1:])],
        [list(range(n_refs))] * len(roving))
    parts = st.floats(-1, 1, allow_nan=False).filter(lambda v: abs(v) > 0.05)
    shape = np.array(data.draw(st.lists(parts, min_size=2 * n_points, max_size=2 * n_points))).view(complex)
    scales = [[data.draw(nonzero)] for _ in roving]
    result = merge_poser(_noise_free_setups(shape[:, None], [3.0], layout, scales), layout)
    assert len(result.modes) == 1
    _same_shape(result.modes[0].shape, shape)
    assert result.modes[0].setups == tuple(range(len(roving)))
    np.testing.assert_allclose(result.modes[0].reference_mac, 1.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(nonzero, min_size=2, max_size=5), st.lists(nonzero, min_size=5, max_size=5))
def test_common_reference_is_invariant_to_the_scale_of_each_setup(ref, scales):
    ref = np.array(ref)
    phi = ref[:, None] * np.array(scales)[None, :]
    psi, alpha = common_reference(phi)
    np.testing.assert_allclose(alpha[None, :] * phi, np.repeat(psi[:, None], 5, axis=1), atol=1e-9)
    assert np.linalg.norm(psi) == pytest.approx(1.0) and mac(psi, ref) == pytest.approx(1.0)


def test_close_modes_are_matched_by_the_reference_mac_not_the_frequency_order():
    """Bending and torsion 0.5 % apart; one setup lists them the other way round and 0.3 % off."""
    model, names, setups = roving_deck()
    layout = RovingLayout(names, tuple(map(tuple, setups)), (2, 3, 8))
    shapes = model.mode_shapes[:, :2]  # bending 2.20 Hz, torsion 3.45 Hz shapes
    per_setup = _noise_free_setups(shapes, [2.200, 2.211], layout, [[1, 1j], [-2, 0.5], [1 + 1j, 3]])
    per_setup[1] = [Mode(2.2066, 0.01, per_setup[1][1].shape, 1, 0), Mode(2.2051, 0.01, per_setup[1][0].shape, 1, 0)]
    result = merge_poser(per_setup, layout)
    assert len(result.modes) == 2
    _same_shape(result.modes[0].shape, shapes[:, 0])
    _same_shape(result.modes[1].shape, shapes[:, 1])
    np.testing.assert_allclose(result.setup_frequencies_hz[:, 1], [2.2051, 2.2066])


def test_a_mode_missing_in_one_setup_is_reported_with_the_setups_it_came_from():
    model, names, setups = roving_deck()
    layout = RovingLayout(names, tuple(map(tuple, setups)), (2, 3, 8))
    per_setup = _noise_free_setups(model.mode_shapes, model.natural_frequencies_hz, layout, [[1] * 5, [2j] * 5,
                                                                                              [-1] * 5])
    del per_setup[1][3]  # setup 1 lacks the 10.6 Hz torsion mode
    result = merge_poser(per_setup, layout)
    assert [m.setups for m in result.modes] == [(0, 1, 2)] * 3 + [(0, 2)] + [(0, 1, 2)]
    partial = result.modes[3]
    only_setup_1 = sorted(set(setups[1]) - set(setups[0]) - set(setups[2]))
    assert np.flatnonzero(np.isnan(partial.shape)).tolist() == only_setup_1 and not partial.complete
    _same_shape(np.delete(partial.shape, only_setup_1), np.delete(model.mode_shapes[:, 3], only_setup_1))
    assert np.isnan(result.setup_frequencies_hz[3, 1]) and partial.frequency_hz == pytest.approx(10.6)
    assert len(merge_poser(per_setup, layout, PoserSettings(min_setups=3)).modes) == 4


def test_a_setup_whose_references_miss_the_mode_is_not_stitched_in():
    """Setup 1 sees the mode only at its roving points (zero at the references): it cannot be rescaled."""
    layout = RovingLayout.from_setups([[0, 1, 2], [0, 1, 3], [0, 1, 4]], [[0, 1]] * 3)
    shape = np.array([1.0, 0.5, -0.3, 0.8, 0.2])
    per_setup = _noise_free_setups(shape[:, None], [4.0], layout, [[1.0], [1.0], [2j]])
    per_setup[1] = [Mode(4.0, 0.01, np.array([0.0, 0.0, 0.8]), 1, 0)]
    result = merge_poser(per_setup, layout, PoserSettings(min_reference_mac=0.0))  # matched by frequency alone
    assert [m.setups for m in result.modes] == [(0, 2)]
    assert np.isnan(result.modes[0].shape[3])
    _same_shape(result.modes[0].shape[[0, 1, 2, 4]], shape[[0, 1, 2, 4]])
    alone = merge_poser([[], per_setup[1], []], layout).modes  # seen by that setup only: reported at its own scale
    assert [m.setups for m in alone] == [(1,)] and alone[0].shape[3] == 1.0


def test_layout_from_channel_names_takes_the_common_names_as_references():
    layout = RovingLayout.from_channel_names([["R1", "R2", "a", "b"], ["c", "R2", "R1"], ["R1", "d", "R2"]])
    assert layout.point_names == ("R1", "R2", "a", "b", "c", "d")
    assert layout.reference_points == (0, 1) and layout.channel_points[1] == (4, 1, 0)
    assert layout.reference_channels(1).tolist() == [2, 1]  # in reference_points order


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("build, message", [
    (lambda: RovingLayout.from_setups([[0, 1, 2], [0, 3, 4]], [[0, 1], [0, 1]]),
     r"reference_channels\[1\] measure points \[0, 3\] but setup 0's measure \[0, 1\]"),
    (lambda: RovingLayout(("a", "b", "c"), ((0, 1), (0, 2)), (0, 1)),
     r"reference_points: point 'b' is not measured in setup\(s\) \[1\]"),
    (lambda: RovingLayout(("a", "b", "c"), ((0, 1, 1), (0, 2)), (0,)), r"channel_points\[0\] measures point"),
    (lambda: RovingLayout(("a", "b", "c"), ((0, 1), (0, 2)), ()), "reference_points must be at least 1"),
    (lambda: RovingLayout.from_setups([[0, 1], [0, 2]], [[], []]), r"reference_channels\[0\] must be at least 1"),
    (lambda: RovingLayout(("a", "b", "c", "d"), ((0, 1), (0, 2)), (0,)), r"point_names: points \['d'\]"),
    (lambda: RovingLayout.from_channel_names([["a", "b"], ["a", "c"]], references=["x"]), "references"),
    (lambda: PoserSettings(max_frequency_gap=2), "max_frequency_gap must be between 0 and 1"),
])
def test_bad_layouts_and_settings_are_refused_naming_the_parameter(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_inputs_of_the_merges_are_refused_naming_the_parameter():
    layout = RovingLayout.from_setups([[0, 1, 2], [0, 3]], [[0], [0]])
    y = [np.random.default_rng(0).standard_normal((4000, 3)), np.random.default_rng(1).standard_normal((4000, 2))]
    with pytest.raises(ValueError, match="setup_modes must hold the modes of each of the layout's 2 setups"):
        merge_poser([[]], layout)
    with pytest.raises(ValueError, match=r"setup_modes\[1\]: shapes must be finite and have the setup's 2"):
        merge_poser([[], [Mode(1.0, 0.01, np.ones(3), 1, 0)]], layout)
    with pytest.raises(ValueError, match=r"orders must lie between 1 and .* = 10; got 2…12 \(add references"):
        merge_preger(y, 50.0, layout, block_rows=10, orders=[2, 12])  # one reference: 10 × 1
    with pytest.raises(ValueError, match="rescaling must be one of 'observability', 'correlations'; got 'x'"):
        merge_preger(y, 50.0, layout, block_rows=10, orders=[2], rescaling="x")
    with pytest.raises(ValueError, match="records must hold one record per setup"):
        merge_preger(y[:1], 50.0, layout, block_rows=10, orders=[2])
    with pytest.raises(ValueError, match=r"records\[1\] has 3 channels"):
        merge_preger([y[0], y[0]], 50.0, layout, block_rows=10, orders=[2])
    with pytest.raises(ValueError, match=r"records\[0\] needs at least 2000 samples"):
        merge_preger([y[0][:100], y[1]], 50.0, layout, block_rows=100, orders=[2])


def test_normalise_measured_keeps_nan_and_puts_the_largest_finite_component_at_one():
    out = normalise_measured(np.array([np.nan, 2j, -1.0, np.nan]))
    np.testing.assert_allclose(out[1:3], [1.0, 0.5j])
    assert np.isnan(out[[0, 3]]).all()


@pytest.mark.slow
def test_preger_sigma_is_calibrated():
    """Batch means over 8 parts of every setup, over 40 independent roving tests (100 in development: σ/std
    0.75–1.05 for f, 0.91–1.10 for ζ; coverage 0.85–0.94 and 0.90–0.95)."""
    from calibration import assert_calibrated

    model, names, setups = roving_deck()
    n_tests, found = 40, {j: [] for j in range(model.n_modes)}
    for seed in range(n_tests):
        test = simulate_roving_test(model, setups, FS_HZ, [600, 900, 480], excitation_levels=[1.0, 3.0, 0.5],
                                    point_names=names, seed=1000 + seed)
        result = merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS,
                              selection=SelectionSettings(**SELECTION, record_duration_s=480))
        sigmas = preger_sigmas(test.records, FS_HZ, test.layout, result.modes, block_rows=BLOCK_ROWS, orders=ORDERS)
        for j, f_true in enumerate(model.natural_frequencies_hz):
            k = [q for q, m in enumerate(result.modes) if abs(m.frequency_hz / f_true - 1) < 0.03]
            if k and None not in sigmas[k[0]]:
                m = result.modes[k[0]]
                found[j].append((m.frequency_hz, sigmas[k[0]][0], m.damping_ratio, sigmas[k[0]][1]))
    for j, rows in found.items():
        f, sf, z, sz = np.array(rows).T
        assert_calibrated(f, sf, model.natural_frequencies_hz[j], f"PreGER mode {j} frequency", n_tests)
        assert_calibrated(z, sz, model.damping_ratios[j], f"PreGER mode {j} damping", n_tests)


def test_preger_sigmas_refuse_too_few_or_too_short_parts():
    test = roving_test()
    result = merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS)
    with pytest.raises(ValueError, match="n_blocks must be an integer of at least 8"):
        preger_sigmas(test.records, FS_HZ, test.layout, result.modes, block_rows=BLOCK_ROWS, orders=ORDERS,
                      n_blocks=4)
    with pytest.raises(ValueError, match="20 × block_rows = 6000"):  # 8-minute setup: parts of 3000 samples
        preger_sigmas(test.records, FS_HZ, test.layout, result.modes, block_rows=300, orders=ORDERS)
    assert preger_sigmas(test.records, FS_HZ, test.layout, (), block_rows=BLOCK_ROWS, orders=ORDERS) == ()


def test_preger_sigma_is_the_spread_of_the_part_estimates_over_root_n():
    """Batch means by hand: the parts' median stable-pole frequency within 2 % and MAC ≥ 0.8, std / √8."""
    from dsp.multisetup import _preger_diagram

    test = roving_test()
    result = merge_preger(test.records, FS_HZ, test.layout, block_rows=BLOCK_ROWS, orders=ORDERS,
                          selection=SelectionSettings(**SELECTION, record_duration_s=480))
    sigmas = preger_sigmas(test.records, FS_HZ, test.layout, result.modes, block_rows=BLOCK_ROWS, orders=ORDERS)
    mode = result.modes[0]
    parts = []
    for b in range(8):
        ys = [y[b * (len(y) // 8):(b + 1) * (len(y) // 8)] for y in test.records]
        d, _ = _preger_diagram(ys, FS_HZ, test.layout, BLOCK_ROWS, tuple(ORDERS), "observability",
                               StabilizationCriteria())
        near = [k for k in np.flatnonzero(d.stable) if abs(d.frequencies_hz[k] / mode.frequency_hz - 1) <= 0.02
                and mac(d.shapes[:, k], mode.shape) >= 0.8]
        parts.append(np.median(d.frequencies_hz[near]))
    assert sigmas[0][0] == pytest.approx(np.std(parts, ddof=1) / np.sqrt(8), rel=1e-12)
