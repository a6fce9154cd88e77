"""The ALRNN (only the last P units ReLU) and the invertibility regulariser, checked against
the PLRNN, linear algebra, brute force, a closed form and finite differences."""
import itertools

import numpy as np
import pytest

from saddle_widgets.solvers.plrnn import (ALRNN, PLRNN, ShallowPLRNN, basin_map, find_cycles,
                                          invertibility_penalty)


def _weights(rng, M, scale=0.6):
    return rng.normal(0, scale / np.sqrt(M), (M, M)), rng.normal(0, scale, (M, M)), rng.normal(0, 1, M)


def test_alrnn_with_all_units_relu_is_the_plrnn():
    """P = M: φ = relu, so F, the subregions, J_D and every cycle equal the PLRNN's."""
    rng = np.random.default_rng(0)
    A, W, h = _weights(rng, 3)
    al, plr = ALRNN(A, W, h, 3), PLRNN(A, W, h)
    z = rng.normal(0, 2, (50, 3))
    np.testing.assert_allclose(al.step(z), plr.step(z), atol=1e-14)
    np.testing.assert_array_equal(al.region(z), plr.region(z))
    D = plr.all_patterns()
    np.testing.assert_allclose(al.affine(D)[0], plr.affine(D)[0])
    ca, cp = find_cycles(al, 3, seed=0), find_cycles(plr, 3, seed=0)
    assert len(ca) == len(cp)
    for a, b in zip(ca, cp):
        np.testing.assert_allclose(a.points, b.points, atol=1e-10)


def test_alrnn_without_relu_units_is_the_linear_map():
    """P = 0: F(z) = (A + W) z + h, one subregion, one fixed point (I - A - W)^-1 h."""
    rng = np.random.default_rng(1)
    A, W, h = _weights(rng, 3, 0.3)
    al = ALRNN(A, W, h, 0)
    z = rng.normal(0, 2, (20, 3))
    np.testing.assert_allclose(al.step(z), z @ (A + W).T + h, atol=1e-13)
    assert al.n_regions == 1 and al.region(z).shape == (20, 0)
    cycles = find_cycles(al, 3)
    assert len(cycles) == 1 and cycles[0].period == 1
    np.testing.assert_allclose(cycles[0].point, np.linalg.solve(np.eye(3) - A - W, h), atol=1e-12)
    np.testing.assert_allclose(np.sort(np.abs(cycles[0].multipliers)),
                               np.sort(np.abs(np.linalg.eigvals(A + W))), atol=1e-12)


def test_alrnn_fixed_points_solve_each_subregions_linear_system():
    """Brute force over the 2^P patterns D of the last P units: z = (I - A - W diag(1, D))^-1 h
    is a fixed point iff its last P coordinates have the signs D; find_cycles lists exactly those."""
    rng = np.random.default_rng(5)
    M, P = 4, 2
    for trial in range(6):
        A, W, h = _weights(rng, M, 1.2)
        al = ALRNN(A, W, h, P)
        brute = []
        for D in itertools.product([False, True], repeat=P):
            d = np.r_[np.ones(M - P), np.array(D, float)]
            z = np.linalg.solve(np.eye(M) - A - W * d[None, :], h)
            if np.all((z[M - P:] > 0) == np.array(D)):
                brute.append(z)
                np.testing.assert_allclose(al.step(z), z, atol=1e-10)
        found = [c.point for c in find_cycles(al, 1)]
        assert len(found) == len(brute)
        for z in brute:
            assert min(np.max(np.abs(z - f)) for f in found) < 1e-9


def test_alrnn_in_the_basin_map_and_its_errors():
    """The basin map iterates the ALRNN's own step (not the PLRNN's)."""
    al = ALRNN(0.5 * np.eye(2), [[0.2, -0.6], [-0.6, 0.2]], [0.9, 0.7], 1)
    bm = basin_map(al, (-3, 3, -3, 3), 20, n_steps=300)
    z = np.c_[np.tile(bm.xs, 20), np.repeat(bm.ys, 20)]
    for _ in range(300):
        z = al.step(z)
    for k, c in enumerate(bm.attractors):
        hit = (bm.labels.ravel() == k)
        assert np.all(np.min(np.linalg.norm(z[hit, None] - c.points[None], axis=2), axis=1) < 1e-3)
    with pytest.raises(ValueError, match="n_relu"):
        ALRNN(np.eye(2), np.eye(2), [0, 0], 3)
    with pytest.raises(ValueError, match="unknown ALRNN"):
        al.with_params(W1=1)
    assert al.with_params(n_relu=2).n_regions == 4


# -- the invertibility regulariser -------------------------------------------------------

def test_penalty_closed_form_on_a_hand_made_plrnn():
    """A = 0.5 I, W = [[0.2, -1.5], [-1.5, 0.2]]: det J_D = 0.25, 0.35, 0.35 and
    0.7^2 - 1.5^2 = -1.76 (both units on), so λ mean max(0, -det) = λ 1.76 / 4."""
    m = PLRNN(0.5 * np.eye(2), [[0.2, -1.5], [-1.5, 0.2]], [0.9, 0.7])
    np.testing.assert_allclose(m.determinants(), [0.25, 0.35, 0.35, -1.76], atol=1e-12)
    assert invertibility_penalty(m, lam=1.0) == pytest.approx(0.44, abs=1e-12)
    assert invertibility_penalty(m) == pytest.approx(0.1 * np.exp(2) * 0.44, abs=1e-12)
    assert invertibility_penalty(m, lam=1.0, patterns=np.array([[True, True]])) == pytest.approx(1.76)
    ok = PLRNN(0.5 * np.eye(2), [[0.2, -0.6], [-0.6, 0.2]], [0.9, 0.7])
    assert ok.is_invertible() and invertibility_penalty(ok) == 0.0


def _fd_check(model, names, lam=0.7, h=1e-6):
    value, grads = invertibility_penalty(model, lam=lam, gradient=True)
    assert value > 0
    for name in names:
        base = np.array(getattr(model, name), dtype=float)
        fd = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            up, dn = base.copy(), base.copy()
            up[idx] += h
            dn[idx] -= h
            fd[idx] = (invertibility_penalty(model.with_params(**{name: up}), lam=lam)
                       - invertibility_penalty(model.with_params(**{name: dn}), lam=lam)) / (2 * h)
        np.testing.assert_allclose(grads[name], fd, atol=1e-6, err_msg=name)


def test_penalty_gradient_matches_finite_differences():
    """Jacobi's formula d det J / dJ = det(J) J^-T through J_D = A + W D (PLRNN),
    A + W diag(1, D) (ALRNN) and diag(A) + W1 D W2 (shallow PLRNN), against central
    differences (models with no det J_D near 0, where the hinge has its kink)."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        A, W, h = _weights(rng, 3, 1.5)
        m = PLRNN(A, W, h)
        det = m.determinants()
        if np.any(det < -0.05) and np.min(np.abs(det)) > 0.05:
            break
    _fd_check(m, ["A", "W", "h"])
    _fd_check(ALRNN(A, W, h, 2), ["A", "W", "h"])
    for _ in range(50):
        sh = ShallowPLRNN(rng.normal(0, 0.5, 2), rng.normal(0, 1.5, (2, 4)), rng.normal(0, 1, (4, 2)),
                          rng.normal(0, 1, 2), rng.normal(0, 1, 4))
        det = sh.determinants()
        if np.any(det < -0.05) and np.min(np.abs(det)) > 0.05:
            break
    _fd_check(sh, ["A_diag", "W1", "W2", "h1", "h2"])


def test_penalty_samples_regions_of_a_large_net_and_validates():
    """Beyond 4096 subregions the mean runs over a random 1 % (at most 4096) of them."""
    rng = np.random.default_rng(0)
    big = ShallowPLRNN(rng.normal(0, 0.5, 3), rng.normal(0, 1, (3, 20)), rng.normal(0, 1, (20, 3)),
                       np.zeros(3), rng.normal(0, 1, 20))
    a = invertibility_penalty(big, seed=1)
    assert a == invertibility_penalty(big, seed=1) >= 0
    with pytest.raises(ValueError, match="patterns"):
        invertibility_penalty(big, patterns=np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="lam"):
        invertibility_penalty(big, lam=-1.0)
    with pytest.raises(ValueError, match="model"):
        invertibility_penalty("net")
