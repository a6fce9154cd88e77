"""PLRNN models and the cycle finders, checked against theory and brute force."""
import numpy as np
import pytest

from saddle_widgets.solvers.plrnn import PLRNN, PRESETS, ShallowPLRNN, find_cycles, lyapunov_exponents, preset


def _by_kind(cycles, kind, period=None):
    return [c for c in cycles if c.kind == kind and (period is None or c.period == period)]


def _random_plrnn(rng, M, scale=0.9):
    return PLRNN(rng.normal(0, scale / np.sqrt(M), (M, M)), rng.normal(0, scale, (M, M)), rng.normal(0, 1, M))


def _same_cycle_sets(a, b, rtol=1e-6):
    def key(c):
        return c.period

    if sorted(map(key, a)) != sorted(map(key, b)):
        return False
    for c in a:
        if not any(d.period == c.period and min(np.max(np.abs(np.roll(d.points, -r, 0) - c.points))
                                                for r in range(c.period)) <= rtol * (1 + np.abs(c.points).max())
                   for d in b):
            return False
    return True


# -- model ---------------------------------------------------------------------------

def test_step_is_affine_in_each_region_with_jacobian_A_plus_WD():
    """F(z) = (A + W D(z)) z + h, and jacobian(z) = A + W D(z), for single and batched states."""
    rng = np.random.default_rng(0)
    m = _random_plrnn(rng, 3)
    z = rng.normal(size=(50, 3))
    J = m.jacobian(z)
    assert np.allclose(m.step(z), np.einsum("nij,nj->ni", J, z) + m.h)
    assert np.allclose(m.step(z[0]), m.A @ z[0] + m.W @ np.maximum(z[0], 0) + m.h)
    assert np.array_equal(m.region(z), z > 0)
    # finite differences agree with the Jacobian away from borders
    eps = 1e-7
    fd = np.stack([(m.step(z[0] + eps * e) - m.step(z[0])) / eps for e in np.eye(3)], axis=1)
    assert np.allclose(fd, m.jacobian(z[0]), atol=1e-5)


def test_model_is_immutable_and_validates():
    """Models are frozen; bad shapes and NaN raise a readable ValueError."""
    m = PRESETS["chaos"]
    with pytest.raises(AttributeError):
        m.h = np.zeros(2)
    with pytest.raises(ValueError):
        m.A[0, 0] = 1.0
    with pytest.raises(ValueError, match="W must have shape"):
        PLRNN(np.eye(2), np.eye(3), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        PLRNN(np.eye(2), np.eye(2), [np.nan, 0])
    with pytest.raises(ValueError, match="coordinates"):
        m.step([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown preset"):
        preset("nope")


def test_trajectory_reports_divergence_as_value_error():
    """An orbit that blows up raises ValueError ('diverges'), not an overflow or NaN."""
    m = PLRNN(2 * np.eye(2), np.zeros((2, 2)), [1.0, 1.0])
    with pytest.raises(ValueError, match="diverges"):
        m.trajectory([1.0, 1.0], 100)
    traj = PRESETS["chaos"].trajectory([-0.3, -0.2], 50)
    assert traj.shape == (51, 2) and np.all(np.isfinite(traj))


def test_inverse_step_inverts_step_for_invertible_maps():
    """F^-1(F(z)) = z and F(F^-1(z)) = z for an invertible PLRNN (chaos preset) and a 3-D net."""
    rng = np.random.default_rng(1)
    for m in (PRESETS["chaos"], PRESETS["multistability"],
              PLRNN(np.diag([0.5, 0.5, 0.4]), [[0.2, -0.6, 0], [-0.6, 0.2, 0], [0.3, -0.2, 0.3]], [0.9, 0.7, -0.1])):
        assert m.is_invertible()
        z = rng.normal(0, 2, (200, m.dim))
        assert np.allclose(m.inverse_step(m.step(z)), z, atol=1e-9)
        assert np.allclose(m.step(m.inverse_step(z)), z, atol=1e-9)
        assert np.allclose(m.inverse_step(m.step(z[0])), z[0])


def test_inverse_step_region_search_for_many_units():
    """The bit-flip region search (used for > 4 units) also inverts an invertible 6-D map."""
    rng = np.random.default_rng(2)
    M = 6
    m = PLRNN(np.diag(rng.uniform(0.6, 0.9, M)), 0.05 * rng.normal(size=(M, M)), rng.normal(size=M))
    assert m.is_invertible()
    z = rng.normal(size=(100, M))
    assert np.allclose(m.inverse_step(m.step(z)), z, atol=1e-9)


def test_non_invertible_map_is_detected_and_missing_preimage_is_a_clear_error():
    """det(A + WD) changing sign means not invertible; a point with no preimage raises ValueError."""
    m = PLRNN([[0.5]], [[-1.0]], [0.0])  # F(x) = 0.5x (x<=0), -0.5x (x>0): never positive
    assert not m.is_invertible()
    with pytest.raises(ValueError, match="no preimage"):
        m.inverse_step([1.0])


def test_border_collision_parameterisation_gives_the_two_matrices():
    """Gardini map: A + W D = [[tau_l, c], [-delta_l, d]] for x <= 0 and [[tau_r, c], [-delta_r, d]] for x > 0."""
    m = PLRNN.from_border_collision(1.5, 0.75, -1.77, 0.9, 0.6, 0.15, -0.7, -0.4)
    assert np.allclose(m.jacobian([-1.0, 1.0]), [[-1.77, 0.6], [-0.9, 0.15]])
    assert np.allclose(m.jacobian([1.0, -1.0]), [[1.5, 0.6], [-0.75, 0.15]])
    assert np.allclose(sorted(set(np.round(m.determinants(), 6))), [0.2745, 0.675])


def test_shallow_plrnn_step_jacobian_and_regions():
    """Shallow PLRNN: F(z) = A∘z + W1 relu(W2 z + h2) + h1, J = diag(A) + W1 D W2, D from W2 z + h2."""
    rng = np.random.default_rng(3)
    M, L = 2, 5
    m = ShallowPLRNN(rng.uniform(0.2, 0.9, M), rng.normal(size=(M, L)), rng.normal(size=(L, M)),
                     rng.normal(size=M), rng.normal(size=L))
    z = rng.normal(size=(20, M))
    want = m.A_diag * z + np.maximum(z @ m.W2.T + m.h2, 0) @ m.W1.T + m.h1
    assert np.allclose(m.step(z), want)
    D = (z @ m.W2.T + m.h2) > 0
    assert np.array_equal(m.region(z), D)
    assert np.allclose(m.jacobian(z[0]), np.diag(m.A_diag) + m.W1 @ np.diag(D[0]) @ m.W2)


# -- cycles --------------------------------------------------------------------------

def _check_cycle(m, c):
    pts = c.points
    assert np.allclose(m.step(pts), np.roll(pts, -1, axis=0), atol=1e-8)
    assert np.array_equal(m.region(pts), c.regions) or np.all(
        np.abs(pts[m.region(pts) != c.regions]) < 1e-6)
    Pi = np.eye(m.dim)
    for J in m.jacobian(pts):
        Pi = J @ Pi
    ev = np.linalg.eigvals(Pi)
    assert np.allclose(np.sort_complex(ev), np.sort_complex(c.multipliers), atol=1e-8)
    # minimal period: no proper rotation maps the cycle onto itself
    for r in range(1, c.period):
        assert np.max(np.abs(np.roll(pts, -r, axis=0) - pts)) > 1e-8


def _random_diag_plrnn(seed, M):
    rng = np.random.default_rng(seed)
    return PLRNN(np.diag(rng.uniform(-0.9, 0.9, M)), rng.normal(0, 1.2, (M, M)), rng.normal(0, 1, M))


def _chaos_like(seed, M):
    """Seeded perturbation of the chaos preset (many saddle cycles); M = 3 adds a coupled third unit."""
    rng = np.random.default_rng(seed)
    base = np.array([1.5, 0.75, -1.77, 0.9, 0.6, 0.15, -0.7, -0.4])
    m2 = PLRNN.from_border_collision(*(base + rng.normal(0, 0.05, 8)))
    if M == 2:
        return m2
    A = np.zeros((3, 3))
    A[:2, :2], A[2, 2] = m2.A, 0.3
    W = np.zeros((3, 3))
    W[:2, :2] = m2.W
    W[2, 0], W[2, 2], W[0, 2] = 0.5 * rng.normal(), 0.2 * rng.normal(), 0.1 * rng.normal()
    return PLRNN(A, W, np.r_[m2.h, 0.3 * rng.normal()])


@pytest.mark.parametrize("make, M, max_period, seed, at_least", [
    (_chaos_like, 2, 6, 0, 16), (_chaos_like, 2, 6, 3, 17), (_chaos_like, 3, 4, 0, 7), (_chaos_like, 3, 4, 3, 8),
    (_random_diag_plrnn, 2, 4, 9, 2), (_random_diag_plrnn, 3, 3, 11, 4), (_random_diag_plrnn, 3, 3, 2, 3)])
def test_exhaustive_and_scyfi_agree_and_every_cycle_is_self_consistent(make, M, max_period, seed, at_least):
    """On seeded random 2-D and 3-D PLRNNs, the exhaustive search and SCYFI find the same cycles
    (up to cyclic shift), and each reported cycle returns to itself under F, visits its
    regions, and has multipliers = eig of the Jacobian product."""
    m = make(seed, M)
    ex = find_cycles(m, max_period, method="exhaustive")
    sc = find_cycles(m, max_period, method="scyfi", seed=seed, n_outer=300)
    assert len(ex) >= at_least
    assert _same_cycle_sets(ex, sc) and _same_cycle_sets(sc, ex)
    for c in ex:
        _check_cycle(m, c)


def test_exhaustive_finds_every_cycle_seen_by_brute_force_iteration():
    """Every periodic orbit that long iteration from random states settles on is found."""
    m = PRESETS["16-cycle"]
    z = np.random.default_rng(0).uniform(0, 3, (50, 2))
    for _ in range(3000):
        z = m.step(z)
    cycles = find_cycles(m, 16, seed=0)
    stable16 = [c for c in cycles if c.period == 16 and c.kind == "stable"]
    assert len(stable16) == 1
    d = np.min(np.linalg.norm(z[:, None] - stable16[0].points[None], axis=2), axis=1)
    assert np.all(d < 1e-6)


def test_bounded_basin_preset_cycles():
    """bounded basin: saddle (0.928, -0.088) with multipliers 1.569, 0.251 and stable focus (-0.391, 0.600)."""
    cycles = find_cycles(PRESETS["bounded basin"], 1)
    (s,), (f,) = _by_kind(cycles, "saddle"), _by_kind(cycles, "stable")
    assert np.allclose(s.point, [0.928, -0.088], atol=5e-4)
    assert np.allclose(s.multipliers.real, [1.569, 0.251], atol=5e-4)
    assert np.allclose(f.point, [-0.391, 0.600], atol=5e-4) and f.focus


def test_saddle_3_cycle_preset():
    """saddle 3-cycle: stable focus (-0.455, 0.409); a saddle 3-cycle through (-2.116, -1.250), multipliers 1.576, 0.463."""
    cycles = find_cycles(PRESETS["saddle 3-cycle"], 3)
    (f,) = _by_kind(cycles, "stable", 1)
    assert np.allclose(f.point, [-0.455, 0.409], atol=5e-4) and f.focus
    (s3,) = _by_kind(cycles, "saddle", 3)
    assert np.min(np.linalg.norm(s3.points - [-2.116, -1.250], axis=1)) < 1e-3
    assert np.allclose(s3.multipliers.real, [1.576, 0.463], atol=5e-4)


def test_fig3_a_left_preset_is_a_lone_flip_saddle():
    """Fig. 3 A-left (1.2, 1.8, -0.3, 0.9, -1.5, 1, -0.13, -0.1): the fixed point solves
    (I - A) z = h in the region z1 <= 0 < z2 (closed form), multipliers 1.681 and -0.981
    (eigenvalues of A: trace 0.7, det -1.65); no other cycle up to period 10; F invertible
    (det J_D = -1.65 for z1 <= 0, -1.5 for z1 > 0, one sign)."""
    m = PRESETS["Fig. 3 A-left"]
    cycles = find_cycles(m, 10, seed=0)
    assert [(c.kind, c.period, c.flip) for c in cycles] == [("saddle", 1, True)]
    z = np.linalg.solve(np.eye(2) - m.A, m.h)
    np.testing.assert_allclose(cycles[0].point, z, atol=1e-12)
    tr, det = -0.3 + 1.0, -0.3 * 1.0 - 1.5 * 0.9
    lam = 0.5 * tr + np.array([1, -1]) * np.sqrt(0.25 * tr ** 2 - det)
    np.testing.assert_allclose(cycles[0].multipliers.real, lam, atol=1e-12)
    assert np.allclose(lam, [1.681, -0.981], atol=5e-4)
    np.testing.assert_allclose(sorted(set(np.round(m.determinants(), 12))), [-1.65, -1.5])
    assert m.is_invertible()


def test_fig3_b_right_preset_saddle_4_cycle():
    """Fig. 3 B-right = saddle 3-cycle with tau_l = 0.9: stable focus (-1, 0.9) (closed form
    (I - A_l) z = h), a saddle 4-cycle through (-17.4, -13.4) with F^4(z) = z and
    multipliers 1.309, 0.501; its points reach |z| = 30 (the view must reach that)."""
    m = PRESETS["Fig. 3 B-right"]
    assert m.border_collision["tau_l"] == 0.9
    base = dict(PRESETS["saddle 3-cycle"].border_collision, tau_l=0.9)
    assert m.border_collision == base
    cycles = find_cycles(m, 6, seed=0)
    (f,) = _by_kind(cycles, "stable", 1)
    np.testing.assert_allclose(f.point, np.linalg.solve(np.eye(2) - m.A, m.h), atol=1e-12)
    np.testing.assert_allclose(f.point, [-1.0, 0.9], atol=1e-12)
    (s4,) = _by_kind(cycles, "saddle", 4)
    assert np.min(np.linalg.norm(s4.points - [-17.384, -13.396], axis=1)) < 1e-3
    np.testing.assert_allclose(m.trajectory(s4.points[0], 4)[-1], s4.points[0], atol=1e-9)
    assert np.allclose(s4.multipliers.real, [1.309, 0.501], atol=5e-4)
    assert 29 < np.max(np.abs(s4.points)) < 31


def test_chaos_preset_flip_saddle_and_lyapunov_exponents():
    """chaos: flip saddle (-0.2885, -0.1651), multipliers -1.428, -0.192, det 0.2745 / 0.675,
    Lyapunov exponents about (0.49, -1.49) (their sum = mean log|det J| along the orbit)."""
    m = PRESETS["chaos"]
    (s,) = find_cycles(m, 1)
    assert s.kind == "saddle" and s.flip
    assert np.allclose(s.point, [-0.2885, -0.1651], atol=5e-5)
    assert np.allclose(s.multipliers.real, [-1.428, -0.192], atol=5e-4)
    assert not _by_kind(find_cycles(m, 6), "stable")  # no stable cycle: the attractor is chaotic
    lyap = lyapunov_exponents(m, [-0.3, -0.2], 20000, n_transient=500)
    assert np.allclose(lyap, [0.49, -1.49], atol=0.02)
    # the same orbit as lyapunov_exponents iterates (a 2-D PLRNN steps on Python floats; in
    # chaos its rounding makes it another orbit of the attractor than m.trajectory's)
    from saddle_widgets.solvers.plrnn_dynamics import _orbit
    traj = _orbit(m, np.array([-0.3, -0.2]), 20500)[500:]
    assert np.allclose(_orbit(m, np.array([-0.3, -0.2]), 30), m.trajectory([-0.3, -0.2], 29),
                       rtol=1e-9, atol=1e-9)
    assert np.isclose(lyap.sum(), np.mean(np.log(np.abs(np.linalg.det(m.jacobian(traj))))), atol=1e-9)


def test_16_cycle_preset_scyfi_finds_the_attracting_16_cycle():
    """SCYFI test net: unstable focus (1.872, 0.108) and an attracting 16-cycle (found by SCYFI, 4^16 too many to enumerate)."""
    cycles = find_cycles(PRESETS["16-cycle"], 16, seed=1)
    (u,) = _by_kind(cycles, "unstable", 1)
    assert np.allclose(u.point, [1.872, 0.108], atol=5e-4) and u.focus
    st = _by_kind(cycles, "stable", 16)
    assert len(st) == 1
    _check_cycle(PRESETS["16-cycle"], st[0])


def test_multistability_preset_two_stable_nodes_and_a_saddle_between():
    """multistability: stable nodes (3, -2.2) and (-1, 7/3), saddle (5/9, 11/9) on the segment between them' sides."""
    cycles = find_cycles(PRESETS["multistability"], 6)
    st = _by_kind(cycles, "stable")
    (s,) = _by_kind(cycles, "saddle")
    assert len(st) == 2 and len(cycles) == 3
    assert np.allclose(sorted(c.point[0] for c in st), [-1.0, 3.0])
    assert np.allclose(s.point, [5 / 9, 11 / 9]) and np.allclose(s.multipliers.real, [1.3, 0.1])


def test_auto_method_exhaustive_up_to_period_8_in_2d_matches_scyfi_budget_free():
    """'auto' is exhaustive for all periods <= 8 in 2-D (4^8 = 65536 sequences) and agrees with 'exhaustive'."""
    m = PRESETS["chaos"]
    a = find_cycles(m, 8)
    e = find_cycles(m, 8, method="exhaustive")
    assert _same_cycle_sets(a, e)
    assert {c.period for c in a} == set(range(1, 9))


def test_shallow_plrnn_cycles_exhaustive_equals_scyfi():
    """find_cycles works for the shallow PLRNN (regions = signs of W2 z + h2); both methods agree."""
    rng = np.random.default_rng(7)
    m = ShallowPLRNN(rng.uniform(0.3, 0.9, 2), rng.normal(size=(2, 3)), rng.normal(size=(3, 2)),
                     rng.normal(size=2), rng.normal(size=3))
    ex = find_cycles(m, 4, method="exhaustive")
    sc = find_cycles(m, 4, method="scyfi", seed=0, n_outer=300)
    assert ex and _same_cycle_sets(ex, sc) and _same_cycle_sets(sc, ex)
    for c in ex:
        _check_cycle(m, c)


def test_singular_I_minus_Pi_is_skipped():
    """A map with a multiplier exactly 1 (I - Π singular) gives no spurious cycles and no error."""
    m = PLRNN(np.eye(2), np.zeros((2, 2)), [0.0, 0.0])  # identity: every point is fixed
    assert find_cycles(m, 3) == []


def test_find_cycles_validates_arguments():
    m = PRESETS["chaos"]
    with pytest.raises(ValueError, match="max_period"):
        find_cycles(m, 0)
    with pytest.raises(ValueError, match="method"):
        find_cycles(m, 2, method="magic")
    with pytest.raises(ValueError, match="model"):
        find_cycles("not a model", 2)


def test_orbit_until_divergence_stops_before_the_bound_and_equals_trajectory_when_bounded():
    """z' = 2 z (A = 2 I, W = 0): z_t = 2^t z_0, so with |z_0| = 1 and bound 100 the states
    z_0..z_6 (|z_6| = 64) are kept and z_7 (128) is the first outside."""
    m = PLRNN(2.0 * np.eye(2), np.zeros((2, 2)), [0.0, 0.0])
    orbit = m.orbit_until_divergence([1.0, -0.5], 20, bound=100.0)
    np.testing.assert_array_equal(orbit, 2.0 ** np.arange(7)[:, None] * [1.0, -0.5])
    # with the default bound 1e6: 2^19 < 1e6 < 2^20, so z_0..z_19
    assert len(m.orbit_until_divergence([1.0, 0.0], 40)) == 20
    with pytest.raises(ValueError, match="diverges"):
        m.trajectory([1.0, 0.0], 40)
    bounded = PRESETS["chaos"]
    np.testing.assert_array_equal(bounded.orbit_until_divergence([0.1, 0.1], 300),
                                  bounded.trajectory([0.1, 0.1], 300))
    for bad, match in (([[0.0, 0.0]], "one state"), ([0.0, np.nan], "z0"),):
        with pytest.raises(ValueError, match=match):
            bounded.orbit_until_divergence(bad, 5)
    with pytest.raises(ValueError, match="bound"):
        bounded.orbit_until_divergence([0.0, 0.0], 5, bound=0.0)


@pytest.mark.parametrize("growth", [1.01, 1.0 + 2.0 ** -6, 1.1, 3.0])
def test_orbit_cut_and_divergence_step_are_those_of_a_check_after_every_step(growth):
    """The orbit loops check the bound once per block of CHECK_BLOCK steps: for z' = g z
    the cut (orbit_until_divergence) and the step named by lyapunov_exponents' error are
    where a check after every step puts them, wherever in a block (or on its border)
    the orbit leaves: |z_t| = g^t, first above the bound at t = floor(log(bound) / log g) + 1."""
    from saddle_widgets.solvers.plrnn_model import CHECK_BLOCK
    m = PLRNN(growth * np.eye(3), np.zeros((3, 3)), np.zeros(3))
    z0 = np.array([1.0, -0.25, 0.5])
    for bound in (50.0, 1e6):
        first_out = next(t for t in range(1, 100_000) if growth ** t > bound)
        for n in (first_out - 1, first_out, first_out + CHECK_BLOCK + 3):
            orbit = m.orbit_until_divergence(z0, n, bound=bound)
            expected = [z0]
            for _ in range(n):
                z = m.step(expected[-1])
                if not np.all(np.abs(z) <= bound):
                    break
                expected.append(z)
            np.testing.assert_array_equal(orbit, np.array(expected))
    first_out = next(t for t in range(1, 100_000) if growth ** t > 1e6)
    with pytest.raises(ValueError, match=f"after {first_out} steps"):
        lyapunov_exponents(m, z0, first_out + 5, n_transient=0)
    assert lyapunov_exponents(m, z0, first_out - 1, n_transient=0)[0] == \
        pytest.approx(np.log(growth))


def test_entries_round_trip_and_name_the_bifurcation_parameter():
    """from_entries(entries(m)) is m; varying entry k in bifurcation_diagram is the model
    with that entry changed (A[i-1, j-1] for a_ij, W[i-1, j-1] for w_ij, h[i-1] for h_i)."""
    from saddle_widgets.solvers.plrnn import (MATRIX_KEYS, bifurcation_diagram, entries,
                                              entry_parameter, from_entries)
    m = PRESETS["chaos"]
    e = entries(m)
    assert tuple(e) == MATRIX_KEYS
    back = from_entries(e)
    for name in ("A", "W", "h"):
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
    assert [entry_parameter(k) for k in ("a12", "w21", "h2")] == ["A[0,1]", "W[1,0]", "h2"]
    z0 = np.array([[0.1, 0.2]])
    for key in MATRIX_KEYS:
        value = e[key] + 0.01
        bd = bifurcation_diagram(m, [value], parameter=entry_parameter(key), z0s=z0,
                                 n_transient=5, n_keep=3)
        direct = from_entries({**e, key: value}).trajectory(z0[0], 7)[5:8]
        np.testing.assert_allclose(bd.states[0, 0], direct, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="missing h2"):
        from_entries({k: 0.0 for k in MATRIX_KEYS[:-1]})
    with pytest.raises(ValueError, match="unknown entry"):
        entry_parameter("b11")


def test_exhaustive_search_checks_its_whole_work_up_front():
    """Σ_k (2^P)^k sequences for k = 1..40 (1.6e24 in 2-D) is refused at once, naming the
    largest max_period that fits (Σ_{k<=10} 4^k = 1.4e6 <= 2^22 < Σ_{k<=11} 4^k)."""
    import time
    m = preset("multistability")
    t = time.perf_counter()
    with pytest.raises(ValueError, match="reduce max_period to 10 or less, or use method='scyfi'"):
        find_cycles(m, 40, method="exhaustive")
    assert time.perf_counter() - t < 0.1
    assert sum(4 ** k for k in range(1, 11)) <= 2 ** 22 < sum(4 ** k for k in range(1, 12))


def test_necklaces_are_every_primitive_word_once_and_small_when_cached():
    """The exhaustive search's region words: one per primitive necklace, whose number is
    (1/k) sum_{d | k} mu(d) R^(k/d) (Moreau's necklace polynomial); by brute force for small
    R and k, each word is the strictly least rotation of itself; stored 1 byte a digit, so
    every word list up to R = 4, k = 10 (what period 10 in two units needs) holds < 1.5 MiB."""
    from itertools import product

    from saddle_widgets.solvers.plrnn_cycles import _necklaces

    def mobius(n):
        out, p = 1, 2
        while p * p <= n:
            if n % p == 0:
                n //= p
                if n % p == 0:
                    return 0
                out = -out
            p += 1
        return -out if n > 1 else out

    for R, k in [(2, 1), (2, 6), (3, 4), (4, 5), (4, 10), (8, 3)]:
        words = _necklaces(R, k)
        count = sum(mobius(d) * R ** (k // d) for d in range(1, k + 1) if k % d == 0) // k
        assert words.shape == (count, k) and words.dtype == np.uint8
        assert not words.flags.writeable
        if R ** k <= 5000:
            brute = {w for w in product(range(R), repeat=k)
                     if all(w < w[r:] + w[:r] for r in range(1, k))}
            assert {tuple(int(x) for x in w) for w in words} == brute
    assert sum(_necklaces(4, k).nbytes for k in range(2, 11)) < 1.5 * 2 ** 20


def test_cycle_set_rejects_exactly_the_cyclic_shifts():
    """The vectorised de-duplication agrees with comparing every cyclic shift one by one."""
    from saddle_widgets.solvers.plrnn_cycles import _CycleSet
    rng = np.random.default_rng(0)
    orbits = [rng.normal(size=(k, 2)) for k in (1, 3, 3, 5)]
    found = _CycleSet()
    pats = np.zeros((1, 2), bool)
    for orb in orbits:
        assert found.add(orb, pats, 1e-7)
    for orb in orbits:
        for r in range(len(orb)):
            assert not found.add(np.roll(orb, r, axis=0) * (1 + 1e-9), pats, 1e-7)
        assert found.add(orb + 1e-3, pats, 1e-7)          # a different orbit
    assert len(found.items) == 8


def test_issue_14_model_cycles_up_to_period_10_are_the_exhaustive_ones():
    """The 2-D model with 225 cycles up to period 10: 'auto' is the exhaustive search there
    ((2^2)^10 <= EXHAUSTIVE_LIMIT), each listed cycle satisfies F^k(z) = z at its minimal
    period, and none is listed twice."""
    from saddle_widgets.solvers.plrnn import from_entries
    m = from_entries(dict(a11=-1.901, a12=-2.431, a21=-0.597, a22=2.5, w11=1.173, w12=-1.732,
                          w21=4.0, w22=-2.469, h1=-2.823, h2=-1.721))
    cycles = find_cycles(m, 10, seed=0)
    assert len(cycles) == len(find_cycles(m, 10, method="exhaustive")) > 200
    for c in cycles[::7]:
        np.testing.assert_allclose(m.trajectory(c.points[0], c.period)[-1], c.points[0],
                                   atol=1e-7 * (1 + np.abs(c.points).max()))
    assert _same_cycle_sets(cycles, cycles)
    for i, c in enumerate(cycles):
        for d in cycles[i + 1:]:
            if d.period == c.period:
                assert min(np.max(np.abs(np.roll(d.points, -r, 0) - c.points))
                           for r in range(c.period)) > 1e-6
