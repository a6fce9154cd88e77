"""Tests of the gradient-flow solver against theory (de Oliveira, Jatkar & Sontag; Du, Hu & Lee;
Arora et al.; Saxe et al.), see docs/science/overparameterized-gradient-flow.md.

Each test's name and docstring states the mathematical fact it checks. Notation: x = w2 . w1
(width h), x = w_N ... w_1 (chain), x = w2 σ(w1) (the paper's sigmoid σ(z) = z/√(1+z²)) or
x = w2 tanh(w1) (tanh extension); g(w) = f(x(w)); C = w1 w1^T - w2^T w2, c = ||C||_* (nuclear
norm, signed w1^2 - w2^2 when h = 1) = sqrt of the paper's c = 2 tr(C²) − tr(C)².
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from saddle_widgets.solvers import gradient_flow as gf

FAST = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# (cost name, target): quadratic, log-cosh and a double well (two minimisers)
COSTS = [("quadratic", 1.0), ("log-cosh", -0.5), ("double well", 1.5)]
TOL_CONSERVED = 1e-8


def _fd_hessian(g, n, eps=1e-4):
    """Central finite-difference Hessian of g: R^n -> R at 0."""
    H = np.empty((n, n))
    E = np.eye(n) * eps
    for i in range(n):
        for j in range(n):
            H[i, j] = (g(E[i] + E[j]) - g(E[i] - E[j]) - g(-E[i] + E[j]) + g(-E[i] - E[j])) / (4 * eps ** 2)
    return H


def _random_pair(h, seed, scale=0.6):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=scale, size=h), rng.normal(scale=scale, size=h)


# ------------------------------------------------------------------------ conservation laws
@pytest.mark.parametrize("h", [1, 3, 7])
@pytest.mark.parametrize("name,target", COSTS)
def test_imbalance_matrix_and_its_nuclear_norm_are_conserved_along_the_flow(h, name, target):
    """d/dt (w1 w1^T - w2 w2^T) = -f'(x)(w2 w1^T + w1 w2^T) + f'(x)(w1 w2^T + w2 w1^T) = 0:
    the matrix C and its nuclear norm c stay constant (drift < 1e-8) along integrate_flow."""
    w1, w2 = _random_pair(h, seed=10 * h + len(name))
    t = np.linspace(0.0, 4.0, 41)
    r = gf.integrate_flow(name, w1 if h > 1 else w1[0], w2 if h > 1 else w2[0], t, target=target)
    assert not r.diverged and r.t.size == t.size
    W1, W2 = r.weights[:, :h], r.weights[:, h:]
    C = np.einsum("ti,tj->tij", W1, W1) - np.einsum("ti,tj->tij", W2, W2)
    assert np.max(np.abs(C - C[0])) < TOL_CONSERVED
    c = gf.imbalance(W1, W2)
    assert np.max(np.abs(c - c[0])) < TOL_CONSERVED
    assert np.max(np.abs(r.conserved - r.conserved[0])) < TOL_CONSERVED
    # the flow actually moved (the test is not vacuous)
    assert np.max(np.abs(r.x - r.x[0])) > 1e-2


@pytest.mark.parametrize("depth", [3, 4, 5])
@pytest.mark.parametrize("name,target", COSTS)
def test_chain_conserves_every_difference_of_squares(depth, name, target):
    """Depth-N chain: d/dt w_i^2 = -2 f'(x) x, the same for every i, so every w_i^2 - w_j^2
    is conserved (drift < 1e-8)."""
    rng = np.random.default_rng(depth)
    w0 = rng.uniform(0.5, 1.1, depth) * rng.choice([-1, 1], depth)
    r = gf.integrate_chain(name, w0, np.linspace(0, 3, 31), target=target)
    assert not r.diverged
    sq = r.weights ** 2
    for i in range(depth):
        for j in range(i + 1, depth):
            d = sq[:, i] - sq[:, j]
            assert np.max(np.abs(d - d[0])) < TOL_CONSERVED
    assert np.max(np.abs(r.x - r.x[0])) > 1e-2


@pytest.mark.parametrize("name,target", COSTS)
def test_tanh_neuron_conserves_sinh_squared_w1_minus_w2_squared(name, target):
    """x = w2 tanh(w1): d/dt sinh^2 w1 = 2 sinh cosh (-f' w2 sech^2) = -2 f' x = d/dt w2^2,
    so Q = sinh^2(w1) - w2^2 is conserved (drift < 1e-8)."""
    r = gf.integrate_flow(name, 0.7, -0.4, np.linspace(0, 4, 41), target=target, activation="tanh")
    Q = np.sinh(r.weights[:, 0]) ** 2 - r.weights[:, 1] ** 2
    assert np.max(np.abs(Q - Q[0])) < TOL_CONSERVED
    assert np.max(np.abs(r.conserved - Q)) < 1e-12
    np.testing.assert_allclose(r.x, r.weights[:, 1] * np.tanh(r.weights[:, 0]), atol=1e-14)


# --------------------------------------------------------------------------- closed form
CLOSED_FORM_CASES = [  # (x0, c, target)
    (0.3, 1.0, 1.0), (-0.5, 2.0, 1.0), (0.1, 0.0, 1.0), (0.5, 0.5, -1.0), (-0.2, 0.0, -2.0),
    (0.0, 1.0, 2.0), (2.0, -1.5, 0.5), (1.5, 0.0, 0.3), (-1.0, 3.0, -0.5),
    (0.5, 0.0, 0.0),     # y = c = 0: x = x0 / (1 + 2 x0 t)
    (0.5, 1e-9, -1.0),   # just off the stable line: escapes through x = 0 to y = -1
    (0.5, 1e-3, -1.0),
]


@pytest.mark.parametrize("x0,c,target", CLOSED_FORM_CASES)
def test_closed_form_matches_integrated_flow(x0, c, target):
    """For f = (x - y)^2/2, quadratic_flow_solution (the P-substitution closed form) equals x(t)
    of integrate_flow started from weights with product x0 and signed imbalance c (< 1e-6)."""
    t = np.linspace(0.0, 30.0, 121)
    w = gf.initial_weights(x0, c)
    r = gf.integrate_flow("quadratic", w[0], w[1], t, target=target)
    xc = gf.quadratic_flow_solution(t, x0, target, c)
    assert np.all(np.isfinite(xc))
    assert np.max(np.abs(r.x - xc)) < 1e-6


@pytest.mark.parametrize("x0,y", [(0.1, 1.0), (0.5, 2.0), (-0.3, -1.0), (2.0, 0.5)])
def test_balanced_closed_form_is_saxe_sigmoid(x0, y):
    """c = 0, x0 > 0: x(t) = y x0 e^{2yt} / (y + x0 (e^{2yt} - 1)) (Saxe et al.); for x0 < 0 the
    symmetry x -> -x, y -> -y turns e^{2yt} into e^{-2yt}."""
    t = np.linspace(0, 6, 61)
    e = np.exp(2 * math.copysign(1.0, x0) * y * t)
    np.testing.assert_allclose(gf.quadratic_flow_solution(t, x0, y, 0.0),
                               y * x0 * e / (y + x0 * (e - 1)), rtol=1e-10, atol=1e-12)


def test_closed_form_is_finite_for_long_times_on_the_stable_line():
    """c = 0, x0 y < 0: x(t) decays to the saddle x = 0; the closed form stays finite (no 0/0)
    even when e^{-Kt} underflows."""
    x = gf.quadratic_flow_solution([0.0, 10.0, 400.0, 1e4], 0.5, -1.0, 0.0)
    assert np.all(np.isfinite(x)) and x[0] == pytest.approx(0.5, abs=1e-15)
    assert abs(x[1]) < 1e-8 and abs(x[2]) < 1e-300 and x[3] == 0.0


# -------------------------------------------------------------- exact 1-D reduction
@pytest.mark.parametrize("h", [1, 3, 7])
@pytest.mark.parametrize("name,target", COSTS)
def test_sum_of_squared_norms_is_sqrt_c2_plus_4x2_and_x_obeys_the_1d_reduction(h, name, target):
    """||w1||^2 + ||w2||^2 = sqrt(c^2 + 4x^2) along the flow, and x(t) solves the exact 1-D ODE
    dx/dt = -f'(x) sqrt(c^2 + 4x^2): (a) solve_ivp of the 1-D ODE matches x(t) (< 1e-6),
    (b) a 5-point finite difference of the sampled x(t) matches reduced_flow_rate
    (relative and absolute 1e-6)."""
    w1, w2 = _random_pair(h, seed=100 + h)
    cost = gf.make_cost(name, target)
    c = float(gf.imbalance(w1, w2))
    t = np.linspace(0.0, 3.0, 3001)
    r = gf.integrate_flow(cost, w1 if h > 1 else w1[0], w2 if h > 1 else w2[0], t)
    norms = np.sum(r.weights ** 2, -1)
    np.testing.assert_allclose(norms, np.sqrt(c * c + 4 * r.x ** 2), rtol=1e-9, atol=1e-10)
    sol = solve_ivp(lambda _, x: gf.reduced_flow_rate(cost, x, c), (0, 3.0), [r.x[0]],
                    t_eval=t, method="DOP853", rtol=1e-11, atol=1e-13)
    assert np.max(np.abs(sol.y[0] - r.x)) < 1e-6
    dt = t[1] - t[0]
    x = r.x
    dxdt = (x[:-4] - 8 * x[1:-3] + 8 * x[3:-1] - x[4:]) / (12 * dt)
    np.testing.assert_allclose(dxdt, gf.reduced_flow_rate(cost, x[2:-2], c), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------------- imbalance
@FAST
@given(h=st.integers(1, 7), batch=st.integers(1, 4), seed=st.integers(0, 2 ** 32 - 1),
       scale=st.sampled_from([1e-3, 1.0, 30.0]))
def test_imbalance_is_the_nuclear_norm_of_w1w1T_minus_w2w2T(h, batch, seed, scale):
    """imbalance(w1, w2) = ||w1 w1^T - w2 w2^T||_* (brute force: np.linalg.norm(., 'nuc')),
    batched over leading axes."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(scale=scale, size=(batch, h))
    w2 = rng.normal(scale=scale, size=(batch, h))
    got = gf.imbalance(w1, w2)
    assert got.shape == (batch,)
    for b in range(batch):
        want = np.linalg.norm(np.outer(w1[b], w1[b]) - np.outer(w2[b], w2[b]), "nuc")
        assert got[b] == pytest.approx(want, rel=1e-7, abs=1e-9 * scale ** 2)


@FAST
@given(a=st.floats(-1e3, 1e3), b=st.floats(-1e3, 1e3))
def test_signed_imbalance_of_scalars_is_w1_sq_minus_w2_sq(a, b):
    """h = 1: signed_imbalance = w1^2 - w2^2 and imbalance = |w1^2 - w2^2|, against the exact
    rational value (a * a - b * b in floats cancels: 1000 and 1000 - 1 ulp)."""
    from fractions import Fraction
    exact = float(Fraction(a) ** 2 - Fraction(b) ** 2)
    assert gf.signed_imbalance(a, b) == pytest.approx(exact, rel=1e-12, abs=1e-300)
    assert gf.imbalance(a, b) == pytest.approx(abs(exact), rel=1e-12, abs=1e-300)


# ------------------------------------------------------------------- initial weights
X0S = [-1.3, 0.0, 0.4, 2.0]
CS = [-1.5, 0.0, 0.7, 3.0]


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("mirror", [False, True])
def test_initial_weights_depth2_have_requested_product_and_imbalance(width, mirror):
    """Depth 2: w2 . w1 = x0 and ||w1 w1^T - w2 w2^T||_* = |c| (signed w1^2 - w2^2 = c when
    h = 1); the mirror w -> -w keeps both."""
    for x0 in X0S:
        for c in CS:
            w = gf.initial_weights(x0, c, width=width, mirror=mirror)
            assert w.shape == (2 * width,)
            w1, w2 = w[:width], w[width:]
            assert w1 @ w2 == pytest.approx(x0, abs=1e-12)
            assert gf.imbalance(w1, w2) == pytest.approx(abs(c), abs=1e-9)
            if width == 1:
                assert w1[0] ** 2 - w2[0] ** 2 == pytest.approx(c, abs=1e-12)
            if mirror:
                np.testing.assert_allclose(w, -gf.initial_weights(x0, c, width=width), atol=0)


@pytest.mark.parametrize("depth", [3, 4, 5])
@pytest.mark.parametrize("mirror", [False, True])
def test_initial_weights_chain_have_requested_product_and_imbalance(depth, mirror):
    """Depth N >= 3: w_N ... w_1 = x0, w_1^2 - w_j^2 = c for every j >= 2 with tied
    w_2 = ... = w_N (up to a common sign); the mirror keeps x0 and c."""
    for x0 in X0S:
        for c in CS:
            w = gf.initial_weights(x0, c, depth=depth, mirror=mirror)
            assert w.shape == (depth,)
            assert np.prod(w) == pytest.approx(x0, rel=1e-10, abs=1e-12)
            np.testing.assert_allclose(w[0] ** 2 - w[1:] ** 2, c, atol=1e-9)
            np.testing.assert_allclose(w[1:], w[1], atol=0)


POINTS = [(1.0, 2.0), (-2.0, 1.0), (0.5, -0.3), (-0.7, -1.2), (1.3, 0.4), (-1.0, 0.0),
          (1.0, 0.0), (0.0, -1.0), (0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (-0.8, 0.8)]


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_start_from_point_round_trips_a_clicked_point(depth):
    """(w1, w2) -> start_from_point -> (x0, c, mirror) -> initial_weights -> (w1, w2) (depth 2)
    or (w1, w2, ..., w2) (chain of depth N, w_2 = ... = w_N = w2), including points on the axes."""
    for p in POINTS:
        x0, c, mirror = gf.start_from_point(*p, depth=depth)
        w = gf.initial_weights(x0, c, depth=depth, mirror=mirror)
        want = np.array([p[0]] + [p[1]] * (depth - 1))
        np.testing.assert_allclose(w, want, atol=1e-9, err_msg=f"point {p}, depth {depth}")


@settings(max_examples=300, deadline=None, database=None)
@given(w1=st.floats(-5, 5), w2=st.floats(-5, 5), depth=st.integers(2, 5))
def test_start_from_point_round_trips_random_points(w1, w2, depth):
    """The same round trip for random points in the phase plane (including tiny |w2| whose
    power w2^(N-1) underflows to a signed zero). Recovering the smaller weight from
    c = w1^2 - w2^2 is conditioned like sqrt(machine eps * |c|), hence that absolute tolerance."""
    x0, c, mirror = gf.start_from_point(w1, w2, depth=depth)
    w = gf.initial_weights(x0, c, depth=depth, mirror=mirror)
    tol = 1e-10 + 4 * math.sqrt(np.finfo(float).eps * (abs(c) + 1))
    np.testing.assert_allclose(w, [w1] + [w2] * (depth - 1), rtol=1e-9, atol=tol)


@pytest.mark.parametrize("c", [-2.0, -0.3, 0.0, 0.5, 4.0])
@pytest.mark.parametrize("mirror", [False, True])
def test_scalar_pair_has_product_x_and_difference_of_squares_c(c, mirror):
    """scalar_pair(x, c) gives (w1, w2) with w1 w2 = x and w1^2 - w2^2 = c (vectorised over x)."""
    x = np.linspace(-3, 3, 13)
    w1, w2 = gf.scalar_pair(x, c, mirror=mirror)
    np.testing.assert_allclose(w1 * w2, x, atol=1e-12)
    np.testing.assert_allclose(w1 ** 2 - w2 ** 2, c, atol=1e-12)


# ---------------------------------------------------------------- the saddle at 0
@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("name,target", COSTS + [("double well", 1.0)])
def test_origin_hessian_depth2_is_offdiagonal_fprime0_with_eigenvalues_pm_fprime0(width, name, target):
    """Depth 2: the Hessian of g(w) = f(w2 . w1) at 0 is [[0, f'(0) I], [f'(0) I, 0]]
    (finite differences), with eigenvalues +f'(0) and -f'(0), each h times."""
    cost = gf.make_cost(name, target)
    H = gf.origin_hessian(cost, width=width)
    Hfd = _fd_hessian(lambda w: float(cost.f(w[:width] @ w[width:])), 2 * width)
    np.testing.assert_allclose(H, Hfd, atol=1e-6)
    d = float(cost.df(0.0))
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(H)),
                               np.sort([d] * width + [-d] * width), atol=1e-12)


@pytest.mark.parametrize("depth", [3, 4, 5])
@pytest.mark.parametrize("name,target", COSTS)
def test_origin_hessian_of_deep_chain_is_zero(depth, name, target):
    """Depth N >= 3: every second derivative of f(w_N ... w_1) at 0 vanishes (finite
    differences), so the origin is a non-strict saddle; origin_hessian returns zeros."""
    cost = gf.make_cost(name, target)
    Hfd = _fd_hessian(lambda w: float(cost.f(np.prod(w))), depth)
    np.testing.assert_allclose(Hfd, 0.0, atol=1e-6)
    np.testing.assert_array_equal(gf.origin_hessian(cost, depth=depth), np.zeros((depth, depth)))


@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("quadratic", -2.0),
                                         ("log-cosh", -0.5), ("double well", 1.5)])
def test_classify_origin_strict_saddle_with_stable_line_w2_eq_sgn_fprime0_w1(name, target):
    """f'(0) != 0, depth 2: strict saddle; the stable direction w2 = sgn(f'(0)) w1 is the
    eigenvector of eigenvalue |f'(0)| > 0, the unstable w2 = -sgn(f'(0)) w1 that of -|f'(0)|."""
    cost = gf.make_cost(name, target)
    d = float(cost.df(0.0))
    o = gf.classify_origin(cost)
    assert o.kind == "strict saddle" and "strict saddle" in o.description
    s = math.copysign(1.0, d)
    assert o.stable_direction[1] / o.stable_direction[0] == pytest.approx(s)
    assert o.unstable_direction[1] / o.unstable_direction[0] == pytest.approx(-s)
    H = gf.origin_hessian(cost)
    np.testing.assert_allclose(H @ o.stable_direction, abs(d) * o.stable_direction, atol=1e-12)
    np.testing.assert_allclose(H @ o.unstable_direction, -abs(d) * o.unstable_direction, atol=1e-12)


def test_classify_origin_non_strict_and_degenerate():
    """Depth >= 3 with f'(0) != 0: non-strict saddle (Hessian 0). f'(0) = 0 (double well with
    target 1: f'(x) = (x^2 - 1) x): degenerate critical point, Hessian 0, no stable line."""
    assert gf.classify_origin("quadratic", depth=3, target=1.0).kind == "non-strict saddle"
    dw = gf.make_cost("double well", 1.0)
    assert float(dw.df(0.0)) == 0.0
    for depth in (2, 3, 4):
        o = gf.classify_origin(dw, depth=depth)
        assert o.kind == "degenerate critical point"
        assert o.stable_direction is None and np.all(o.eigenvalues == 0)


@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("log-cosh", -0.5), ("quadratic", -2.0)])
def test_balanced_start_on_stable_line_converges_to_saddle_and_off_it_escapes(name, target):
    """On the stable line w2 = sgn(f'(0)) w1 (c = 0) the flow converges to the saddle
    (x -> 0, w -> 0) and the closed-form time to the minimum is inf; a start 1e-4 off the
    line (c != 0) escapes and reaches the minimiser."""
    cost = gf.make_cost(name, target)
    s = math.copysign(1.0, float(cost.df(0.0)))
    t = np.linspace(0, 40, 81)
    on = gf.integrate_flow(cost, 0.5, s * 0.5, t)
    assert abs(on.x[-1]) < 1e-10 and np.max(np.abs(on.weights[-1])) < 1e-5
    assert gf.convergence_time_closed_form(s * 0.25, target, 0.0) == math.inf
    assert gf.convergence_time_numeric(cost, s * 0.25, 0.0, t_max=30.0) == math.inf
    off = gf.integrate_flow(cost, 0.5, s * 0.5 + 1e-4, t)
    assert abs(off.x[-1] - target) < 1e-6
    assert gf.convergence_time_closed_form(s * 0.25, target, 1e-4) < math.inf


# -------------------------------------------------------------- convergence time
@pytest.mark.parametrize("x0,target", [(0.2, 1.0), (-0.5, 1.0), (1.5, -0.7)])
def test_convergence_time_closed_form_matches_numeric(x0, target):
    """T(c) from the closed form equals the RK4 crossing time of convergence_time_numeric
    (relative error < 1e-3) over a grid of c (both signs)."""
    cs = np.array([-2.0, 0.05, 0.3, 1.0, 3.0, 10.0])
    Tn = gf.convergence_time_numeric("quadratic", x0, cs, target=target)
    Tc = np.array([gf.convergence_time_closed_form(x0, target, c) for c in cs])
    assert np.all(np.isfinite(Tc))
    np.testing.assert_allclose(Tn, Tc, rtol=1e-3)


def test_convergence_time_large_c_is_log_distance_over_c():
    """For large c, T(c) ~ (1/c) ln(|x0 - x*| / eps): T c / ln(...) -> 1 (error O(1/c))."""
    x0, y, eps = 0.2, 1.0, 1e-3
    err = []
    for c in (50.0, 200.0):
        ratio = gf.convergence_time_closed_form(x0, y, c, eps) * c / math.log(abs(x0 - y) / eps)
        err.append(abs(ratio - 1))
    assert err[0] < 5e-3 and err[1] < 5e-4 and err[1] < err[0]
    Tn = gf.convergence_time_numeric("quadratic", x0, 200.0, eps, target=y)
    assert Tn * 200.0 / math.log(abs(x0 - y) / eps) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("x0,target", [(0.2, 1.0), (-0.5, 1.0), (3.0, 1.0), (0.5, -2.0)])
def test_convergence_time_decreases_with_imbalance(x0, target):
    """The speed |f'(x)| sqrt(c^2 + 4x^2) grows with |c| at every x, so T(c) strictly decreases
    in |c|: imbalance accelerates convergence."""
    cs = np.array([0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 20.0])
    Tc = np.array([gf.convergence_time_closed_form(x0, target, c) for c in cs])
    assert np.all(np.diff(Tc) < 0)
    Tn = gf.convergence_time_numeric("quadratic", x0, cs, target=target)
    assert np.all(np.diff(Tn) < 0)


@pytest.mark.parametrize("c", [0.3, 2.0])
def test_convergence_time_of_sampled_path_matches_closed_form(c):
    """convergence_time on an integrated path (sample spacing 1e-3) equals T(c) within a sample."""
    x0, y, eps = 0.2, 1.0, 1e-3
    t = np.arange(0, 6, 1e-3)
    w = gf.initial_weights(x0, c)
    r = gf.integrate_flow("quadratic", w[0], w[1], t, target=y)
    T = gf.convergence_time(r.t, r.x, gf.make_cost("quadratic", y), eps)
    assert abs(T - gf.convergence_time_closed_form(x0, y, c, eps)) <= 1.01e-3
    assert gf.convergence_time(r.t[:100], r.x[:100], gf.make_cost("quadratic", y), eps) == math.inf


def test_convergence_time_closed_form_when_saddle_is_the_minimiser():
    """y = c = 0: dx/dt = -2x^2 gives x = x0 / (1 + 2 x0 t), so T = (1/eps - 1/x0) / 2 (finite)."""
    assert gf.convergence_time_closed_form(0.5, 0.0, 0.0, 1e-2) == pytest.approx(49.0)
    assert gf.convergence_time_numeric("quadratic", 0.5, 0.0, 1e-2, target=0.0) == pytest.approx(49.0, rel=1e-3)


# --------------------------------------------------------------- gradient descent
@pytest.mark.parametrize("c", [0.5, 2.0])
def test_gd_converges_below_the_step_limit(c):
    """Quadratic cost: lr = 0.9 * 2 / (f''(x*) sqrt(c^2 + 4x*^2)) converges from near x*."""
    lr = 0.9 * gf.gd_step_limit("quadratic", c)
    assert lr == pytest.approx(0.9 * 2 / math.sqrt(c * c + 4.0))
    r = gf.gradient_descent("quadratic", gf.initial_weights(1.05, c), lr=lr, n_steps=3000, target=1.0)
    assert r.diverged_at is None and abs(r.x[-1] - 1.0) < 1e-8


def test_gd_diverges_far_above_the_step_limit():
    """lr = 3 >> 1/(f''(x*) |x*|) = 1: the iterates blow up; diverged_at is set and every
    recorded iterate up to it is finite."""
    r = gf.gradient_descent("quadratic", gf.initial_weights(1.05, 0.5), lr=3.0, n_steps=500, target=1.0)
    assert r.diverged and r.diverged_at is not None
    assert r.weights.shape[0] == r.diverged_at
    assert np.all(np.isfinite(r.weights)) and np.all(np.isfinite(r.x)) and np.all(np.isfinite(r.loss))


@pytest.mark.parametrize("c,lr", [(3.0, 0.8), (3.0, 0.9)])
def test_gd_between_step_limit_and_one_over_xstar_self_balances(c, lr):
    """gd_step_limit(c) < lr < 1/(f''|x*|): the start is unstable at its imbalance, but GD
    lowers |c| (w1^2 - w2^2 is not conserved by discrete steps) until lr < 2/sqrt(c^2 + 4x*^2):
    it ends at a flatter minimum with smaller |c|."""
    assert gf.gd_step_limit("quadratic", c) < lr < 1.0
    r = gf.gradient_descent("quadratic", gf.initial_weights(1.05, c), lr=lr, n_steps=3000, target=1.0)
    assert not r.diverged
    assert abs(r.conserved[-1]) < abs(r.conserved[0])
    assert abs(r.x[-1] - 1.0) < 1e-8 and lr < gf.gd_step_limit("quadratic", r.conserved[-1])


@pytest.mark.parametrize("model,w0", [("linear", [0.3, 0.1]), ("linear", [0.3, -0.2, 0.1, 0.4]),
                                      ("chain", [0.8, 0.6, 0.7]), ("tanh", [0.5, 0.3])])
def test_gd_with_small_steps_tracks_the_flow(model, w0):
    """Euler steps of size lr approximate the flow: |x_n - x(n lr)| = O(lr) (halving lr roughly
    halves the error)."""
    T = 2.0
    errs = []
    for lr in (4e-3, 2e-3):
        n = int(round(T / lr))
        r = gf.gradient_descent("quadratic", w0, lr=lr, n_steps=n, target=1.0, model=model)
        if model == "chain":
            f = gf.integrate_chain("quadratic", w0, [0.0, T], target=1.0)
        else:
            h = len(w0) // 2
            w1, w2 = (w0[:h], w0[h:]) if model == "linear" else (w0[0], w0[1])
            f = gf.integrate_flow("quadratic", w1, w2, [0.0, T], target=1.0,
                                  activation="tanh" if model == "tanh" else "linear")
        errs.append(abs(r.x[-1] - f.x[-1]))
    assert errs[0] < 1e-2 and errs[1] < 0.6 * errs[0]


# ------------------------------------------------------------------ tanh extension
@pytest.mark.parametrize("name,target", COSTS)
def test_tanh_neuron_origin_has_the_same_saddle_hessian(name, target):
    """x = w2 tanh(w1): the Hessian of f(w2 tanh w1) at 0 is [[0, f'(0)], [f'(0), 0]]
    (finite differences), the same as for x = w2 w1."""
    cost = gf.make_cost(name, target)
    Hfd = _fd_hessian(lambda w: float(cost.f(w[1] * np.tanh(w[0]))), 2)
    d = float(cost.df(0.0))
    np.testing.assert_allclose(Hfd, [[0, d], [d, 0]], atol=1e-6)
    np.testing.assert_allclose(gf.origin_hessian(cost), Hfd, atol=1e-6)


@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("log-cosh", -0.5)])
@pytest.mark.parametrize("w1", [0.8, -0.5])
def test_tanh_stable_manifold_w2_eq_sgn_fprime0_sinh_w1_flows_into_the_saddle(name, target, w1):
    """On Q = 0 with w2 = sgn(f'(0)) sinh(w1) the tanh flow approaches the origin (|w| decays
    like e^{-|f'(0)| t} near it); a start 1e-3 off it escapes to the minimiser. The manifold is
    transversally unstable, so integration error (rtol 1e-10) grows like e^{|f'(0)| t}: check
    the approach up to |f'(0)| t = 8, where the exact distance is ~ e^{-8} |w0|."""
    cost = gf.make_cost(name, target)
    d = float(cost.df(0.0))
    s = math.copysign(1.0, d)
    t = np.linspace(0, 8 / abs(d), 41)
    on = gf.integrate_flow(cost, w1, s * math.sinh(w1), t, activation="tanh")
    dist = np.linalg.norm(on.weights, axis=1)
    assert dist[-1] < 2e-3 * dist[0] and np.all(np.diff(dist) < 0)
    assert np.max(np.abs(on.conserved)) < 1e-8
    off = gf.integrate_flow(cost, w1, s * math.sinh(w1) + 1e-3, np.linspace(0, 60, 61),
                            activation="tanh")
    assert abs(off.x[-1] - target) < 1e-5


# --------------------------------------------------------------------------- costs
@pytest.mark.parametrize("name", list(gf.COSTS))
@pytest.mark.parametrize("target", [-1.5, 0.0, 1.0])
def test_cost_derivatives_match_finite_differences_and_minimisers_are_critical(name, target):
    """f' and f'' equal central differences of f and f'; each minimiser m has f'(m) = 0,
    f''(m) > 0 and is a global minimum of f on a grid."""
    cost = gf.make_cost(name, target)
    x = np.linspace(-3, 3, 25)
    e = 1e-5
    np.testing.assert_allclose(cost.df(x), (cost.f(x + e) - cost.f(x - e)) / (2 * e), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cost.d2f(x), (cost.df(x + e) - cost.df(x - e)) / (2 * e), rtol=1e-6, atol=1e-6)
    grid = np.linspace(-6, 6, 2401)
    for m in cost.minimisers:
        assert abs(float(cost.df(m))) < 1e-12 and float(cost.d2f(m)) > 0
        assert float(cost.f(m)) <= np.min(cost.f(grid)) + 1e-15
    assert target in cost.minimisers
    assert cost.distance_to_minimum(np.array(cost.minimisers)).max() == 0


# ------------------------------------------------------------ robustness (hypothesis)
finite = st.floats(-1e6, 1e6, allow_nan=False)
small = st.floats(-3, 3, allow_nan=False)
cost_names = st.sampled_from(list(gf.COSTS))


def _finite(*arrays):
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays)


@FAST
@given(t=st.lists(st.floats(0, 1e6), min_size=1, max_size=5), x0=finite, y=finite, c=finite)
def test_closed_forms_give_finite_answers_or_value_error(t, x0, y, c):
    """quadratic_flow_solution and convergence_time_closed_form: finite (or T = inf) for any
    finite inputs."""
    assert _finite(gf.quadratic_flow_solution(t, x0, y, c))
    T = gf.convergence_time_closed_form(x0, y, c)
    assert T >= 0 and not math.isnan(T)


@FAST
@given(name=cost_names, target=small, w1=small, w2=small, t_end=st.floats(0, 5),
       activation=st.sampled_from(["linear", "tanh"]))
def test_integrate_flow_is_finite_for_random_inputs(name, target, w1, w2, t_end, activation):
    """integrate_flow returns finite weights, x, loss and conserved quantity (or flags divergence)."""
    r = gf.integrate_flow(name, w1, w2, np.linspace(0, t_end, 5), target=target, activation=activation)
    assert _finite(r.weights, r.x, r.loss, r.conserved)
    assert r.diverged or r.t.size == 5


@FAST
@given(name=cost_names, target=small, w=st.lists(small, min_size=2, max_size=5), t_end=st.floats(0, 3))
def test_integrate_chain_is_finite_for_random_inputs(name, target, w, t_end):
    """integrate_chain returns finite outputs (or flags divergence)."""
    r = gf.integrate_chain(name, w, np.linspace(0, t_end, 4), target=target)
    assert _finite(r.weights, r.x, r.loss, r.conserved)


@FAST
@given(name=cost_names, target=small, w=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=4),
       lr=st.floats(1e-8, 1e3), n=st.integers(0, 40), model=st.sampled_from(["linear", "chain", "tanh"]))
def test_gradient_descent_is_finite_or_reports_divergence(name, target, w, lr, n, model):
    """gradient_descent: finite iterates up to diverged_at, or a ValueError about the weights."""
    try:
        r = gf.gradient_descent(name, w, lr=lr, n_steps=n, target=target, model=model)
    except ValueError as e:
        assert "weights" in str(e) or "tanh" in str(e) or "linear" in str(e)
        return
    assert _finite(r.weights, r.x, r.loss, r.conserved)
    assert r.weights.shape[0] == (r.diverged_at if r.diverged else n + 1)


@FAST
@given(name=cost_names, target=finite, c=finite, x=st.lists(finite, min_size=1, max_size=4),
       x0=finite, depth=st.integers(2, 6), width=st.integers(1, 6), mirror=st.booleans())
def test_algebraic_functions_are_finite_or_value_error(name, target, c, x, x0, depth, width, mirror):
    """make_cost, gd_step_limit, origin_hessian, classify_origin, scalar_pair, initial_weights,
    start_from_point, imbalance: finite outputs for finite inputs (or a clear ValueError)."""
    cost = gf.make_cost(name, target)
    lim = gf.gd_step_limit(cost, c)
    assert lim > 0 and not math.isnan(lim)
    assert _finite(gf.origin_hessian(cost, depth=depth, width=width))
    o = gf.classify_origin(cost, depth=depth, width=width)
    assert _finite(o.eigenvalues) and o.kind in ("strict saddle", "non-strict saddle",
                                                 "degenerate critical point")
    w1, w2 = gf.scalar_pair(x, c, mirror=mirror)
    assert _finite(w1, w2)
    try:
        w = gf.initial_weights(x0, c, width=width, depth=depth, mirror=mirror)
    except ValueError as e:
        assert "x0" in str(e)
    else:
        assert _finite(w)
    try:
        start = gf.start_from_point(x0 * 1e-3, c * 1e-3, depth=min(depth, 4))
    except ValueError as e:                  # w1 w2^(N-1) beyond MAX_INPUT: says so
        assert "x0" in str(e) and "reduce" in str(e)
    else:
        assert all(math.isfinite(v) for v in start[:2])
    assert _finite(gf.imbalance(np.array(x), np.array(x)[::-1]))


@settings(max_examples=10, deadline=None, database=None)
@given(name=cost_names, target=small, x0=small, c=st.lists(st.floats(-20, 20), min_size=1, max_size=3),
       depth=st.integers(2, 4))
def test_convergence_time_numeric_is_nonnegative_or_inf(name, target, x0, c, depth):
    """convergence_time_numeric: T >= 0 or inf for random inputs, or NaN (not computed)
    only where the step cap came first: with 10x the steps those T are computed or still
    NaN, and every T computed under both caps is the same number."""
    T = gf.convergence_time_numeric(name, x0, c, target=target, depth=depth, t_max=5.0, max_iter=2000)
    computed = ~np.isnan(T)
    assert np.all(T[computed] >= 0)
    if not computed.all():
        more = gf.convergence_time_numeric(name, x0, c, target=target, depth=depth, t_max=5.0,
                                           max_iter=20_000)
        np.testing.assert_array_equal(more[computed], T[computed])


BAD = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("bad", BAD)
def test_non_finite_inputs_raise_value_error(bad):
    """nan / inf anywhere → ValueError mentioning 'finite'."""
    calls = [
        lambda: gf.make_cost("quadratic", bad),
        lambda: gf.imbalance([1.0, bad], [1.0, 2.0]),
        lambda: gf.signed_imbalance(bad, 1.0),
        lambda: gf.quadratic_flow_solution([0, 1], bad, 1.0, 0.5),
        lambda: gf.quadratic_flow_solution([0, bad], 0.5, 1.0, 0.5),
        lambda: gf.convergence_time_closed_form(0.5, 1.0, bad),
        lambda: gf.integrate_flow("quadratic", bad, 1.0, [0, 1]),
        lambda: gf.integrate_flow("quadratic", 1.0, 1.0, [0, bad]),
        lambda: gf.integrate_chain("quadratic", [1.0, bad, 1.0], [0, 1]),
        lambda: gf.gradient_descent("quadratic", [bad, 1.0], lr=0.1, n_steps=3),
        lambda: gf.gradient_descent("quadratic", [1.0, 1.0], lr=bad, n_steps=3),
        lambda: gf.gd_step_limit("quadratic", bad),
        lambda: gf.convergence_time([0, 1], [bad, 1.0], gf.make_cost()),
        lambda: gf.convergence_time_numeric("quadratic", bad, 1.0),
        lambda: gf.convergence_time_numeric("quadratic", 0.5, [1.0, bad]),
        lambda: gf.initial_weights(bad, 1.0),
        lambda: gf.initial_weights(0.5, bad, depth=3),
        lambda: gf.start_from_point(bad, 1.0),
        lambda: gf.scalar_pair([0.0, bad], 1.0),
        lambda: gf.scalar_pair([0.0], bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="finite"):
            call()


def test_invalid_arguments_raise_clear_value_errors():
    """t < 0, decreasing t, unknown cost, mismatched shapes, depth 1 and lr <= 0 → ValueError
    whose message names the problem."""
    cases = [
        (lambda: gf.integrate_flow("quadratic", 1.0, 1.0, [0, -1]), ">= 0"),
        (lambda: gf.quadratic_flow_solution([-0.5], 0.5, 1.0, 1.0), ">= 0"),
        (lambda: gf.integrate_flow("quadratic", 1.0, 1.0, [0, 2, 1]), "increasing"),
        (lambda: gf.integrate_chain("quadratic", [1.0, 1.0, 1.0], [1, 0.5]), "increasing"),
        (lambda: gf.integrate_flow("quadratic", 1.0, 1.0, []), "at least one"),
        (lambda: gf.make_cost("cubic"), "unknown cost"),
        (lambda: gf.integrate_flow("hinge", 1.0, 1.0, [0, 1]), "cost"),
        (lambda: gf.integrate_flow("quadratic", 1.0, 1.0, [0, 1], activation="relu"), "activation"),
        (lambda: gf.imbalance([1.0, 2.0], [1.0]), "same shape"),
        (lambda: gf.integrate_flow("quadratic", [1.0, 2.0], [1.0], [0, 1]), "same width"),
        (lambda: gf.integrate_flow("quadratic", [1.0, 2.0], [1.0, 3.0], [0, 1], activation="tanh"), "scalar"),
        (lambda: gf.convergence_time([0, 1, 2], [1.0, 1.0], gf.make_cost()), "same length"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 2.0, 3.0], lr=0.1, n_steps=2), "even length"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 2.0, 3.0], lr=0.1, n_steps=2, model="tanh"), "two weights"),
        (lambda: gf.integrate_chain("quadratic", [1.0], [0, 1]), "depth"),
        (lambda: gf.gradient_descent("quadratic", [1.0], lr=0.1, n_steps=2, model="chain"), "depth"),
        (lambda: gf.origin_hessian("quadratic", depth=1), "depth"),
        (lambda: gf.classify_origin("quadratic", depth=1), "depth"),
        (lambda: gf.initial_weights(0.5, 1.0, depth=1), "depth"),
        (lambda: gf.start_from_point(0.5, 1.0, depth=1), "depth"),
        (lambda: gf.convergence_time_numeric("quadratic", 0.5, 1.0, depth=1), "depth"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 1.0], lr=0.0, n_steps=2), "lr"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 1.0], lr=-0.1, n_steps=2), "lr"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 1.0], lr=0.1, n_steps=-1), "n_steps"),
        (lambda: gf.gradient_descent("quadratic", [1.0, 1.0], lr=0.1, n_steps=2, model="mlp"), "model"),
        (lambda: gf.origin_hessian("quadratic", width=0), "width"),
        (lambda: gf.convergence_time_closed_form(0.5, 1.0, 1.0, eps=0.0), "eps"),
        (lambda: gf.integrate_flow(42, 1.0, 1.0, [0, 1]), "cost"),
    ]
    for call, word in cases:
        with pytest.raises(ValueError, match=word):
            call()


@FAST
@given(t=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=6))
def test_time_grids_must_be_nonnegative_and_increasing(t):
    """integrate_flow accepts exactly the non-negative, non-decreasing time grids."""
    t = np.array(t)
    ok = np.all(t >= 0) and np.all(np.diff(t) >= 0)
    if ok:
        t = t * 1e-3                     # keep the integration cheap
        assert gf.integrate_flow("quadratic", 0.3, 0.2, t).t.size == t.size
    else:
        with pytest.raises(ValueError, match="times t must be"):
            gf.integrate_flow("quadratic", 0.3, 0.2, t)


def test_convergence_time_and_reduced_rate_reject_bad_input_with_a_clear_message():
    """Sampled paths must have increasing times; the reduced rate takes finite numbers and a
    known cost (a name works like everywhere else)."""
    cost = gf.make_cost("quadratic", 1.0)
    with pytest.raises(ValueError, match="increasing"):
        gf.convergence_time([0.0, 2.0, 1.0], [0.1, 0.5, 0.9], cost)
    with pytest.raises(ValueError, match="finite"):
        gf.reduced_flow_rate(cost, np.nan, 1.0)
    with pytest.raises(ValueError, match="cost"):
        gf.reduced_flow_rate("hinge", 0.5, 1.0)
    assert gf.reduced_flow_rate("quadratic", 0.5, 0.0, target=1.0) == pytest.approx(0.5)
    assert gf.convergence_time([0.0, 1.0, 2.0], [0.1, 0.5, 1.0], "quadratic") == 2.0


# ---------------------------------------------------------- the phase plane (widget maths)
@FAST
@given(x0=st.floats(-3, 3), q=st.floats(-6, 6), mirror=st.booleans(),
       activation=st.sampled_from(["sigmoid", "tanh"]))
def test_neuron_start_has_product_x0_on_the_level_set_of_its_invariant(x0, q, mirror,
                                                                      activation):
    """neuron_start(x0, C) = (w1, w2) with w2 act(w1) = x0 and invariant C (bisection along
    the monotone curve w2 = x0 / act(w1), to 1e-9); the mirror start (-w1, -w2) has the
    same product and invariant."""
    w1, w2 = gf.neuron_start(x0, q, activation=activation, mirror=mirror)
    assert float(gf.plane_product(w1, w2, activation=activation)) == pytest.approx(x0, abs=1e-9)
    assert float(gf.neuron_invariant(w1, w2, activation=activation)) == pytest.approx(
        q, abs=1e-8 * max(1.0, abs(q)))
    assert (w1 <= 0) == mirror or w1 == 0


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_neuron_start_starts_the_flow_with_the_requested_product(activation):
    """integrate_flow from neuron_start(x0, C) begins at x = x0 and conserves C."""
    w = gf.neuron_start(0.3, 0.5, activation=activation)
    r = gf.integrate_flow("quadratic", w[0], w[1], np.linspace(0, 5, 51), activation=activation)
    assert r.x[0] == pytest.approx(0.3, abs=1e-12)
    assert r.conserved[0] == pytest.approx(0.5, abs=1e-9) and np.ptp(r.conserved) < 1e-8


# -------------------------------------------------- the paper's own metric and examples
@pytest.mark.parametrize("h", range(1, 9))
def test_the_papers_imbalance_is_the_square_of_the_nuclear_norm(h):
    """Prop. 7 (eqs. 19-20): c_paper = 2 tr(C²) − tr(C)² with C = w1w1ᵀ − w2ᵀw2 equals
    ||C||_*² (C has rank <= 2, eigenvalues l+ >= 0 >= l-: c = (l+ − l-)²), to 1e-12, for
    random widths 1..8; for scalars (w1² − w2²)²."""
    rng = np.random.default_rng(h)
    w1, w2 = rng.normal(size=(2, 20, h)) * rng.uniform(0.1, 3, size=(2, 20, 1))
    np.testing.assert_allclose(gf.imbalance_paper(w1, w2), gf.imbalance(w1, w2) ** 2,
                               rtol=1e-12, atol=1e-12)
    lam = np.linalg.eigvalsh(np.einsum("ki,kj->kij", w1, w1) - np.einsum("ki,kj->kij", w2, w2))
    spread = (lam[:, -1] - lam[:, 0]) ** 2 if h > 1 else lam[:, 0] ** 2
    np.testing.assert_allclose(gf.imbalance_paper(w1, w2), spread, rtol=1e-9, atol=1e-12)
    assert float(gf.imbalance_paper(2.0, 1.0)) == 9.0


def test_the_reduced_flow_in_the_papers_units():
    """The paper writes dx/dt = −f'(x) sqrt(c + 4x²) with its c: the package's reduction
    with c_pkg = sqrt(c_paper) is the same right-hand side."""
    cost = gf.make_cost("log-cosh", 0.7)
    x = np.linspace(-2, 2, 9)
    for c_paper in (0.0, 0.3, 4.0, 30.0):
        np.testing.assert_allclose(gf.reduced_flow_rate(cost, x, math.sqrt(c_paper)),
                                   -cost.df(x) * np.sqrt(c_paper + 4 * x ** 2), rtol=1e-14)


@pytest.mark.parametrize("name,target", COSTS)
@pytest.mark.parametrize("w", [(0.7, -0.4), (-1.5, 2.0), (2.5, 0.1)])
def test_sigmoid_neuron_conserves_the_papers_invariant(name, target, w):
    """Section 4, eq. 10: for x = w2 σ(w1), σ(z) = z/√(1+z²), C = w2² − ½(1 + w1²)² is
    conserved (w1 (1 + w1²) σ'(w1) = σ(w1)): drift < 1e-8 along the flow."""
    r = gf.integrate_flow(name, w[0], w[1], np.linspace(0, 6, 61), target=target,
                          activation="sigmoid")
    assert not r.diverged
    np.testing.assert_allclose(r.conserved, w[1] ** 2 - 0.5 * (1 + w[0] ** 2) ** 2, atol=1e-8)
    np.testing.assert_allclose(r.x, r.weights[:, 1] * gf.sigmoid(r.weights[:, 0]), atol=1e-14)


def test_sigmoid_is_the_papers_algebraic_sigmoid_not_tanh():
    """σ(z) = z/√(1+z²): σ(1) = 1/√2, odd, |σ| < 1, σ'(0) = 1 (tanh(1) = 0.76 differs)."""
    assert float(gf.sigmoid(1.0)) == pytest.approx(1 / math.sqrt(2), abs=1e-15)
    z = np.linspace(-50, 50, 1001)
    np.testing.assert_allclose(gf.sigmoid(-z), -gf.sigmoid(z))
    assert np.all(np.abs(gf.sigmoid(z)) < 1)
    assert (float(gf.sigmoid(1e-6)) - float(gf.sigmoid(-1e-6))) / 2e-6 == pytest.approx(1.0)


@pytest.mark.parametrize("target", [1.0, -0.6])
def test_sigmoid_separatrices_are_the_level_set_c_minus_half(target):
    """The separatrices w2 = ±w1 sqrt((2 + w1²)/2) lie on C = −½ (the origin's level), the
    centre-stable one w2 = s w1 sqrt(...) with s = sgn f'(0) (the paper's f: the minus
    branch) and the unstable one with −s."""
    cost = gf.make_cost("quadratic", target)
    (a, b), (c, d) = gf.origin_manifolds(cost, activation="sigmoid", extent=4.0)
    for u, v in ((a, b), (c, d)):
        np.testing.assert_allclose(gf.neuron_invariant(u, v, activation="sigmoid"), -0.5,
                                   atol=1e-12)
    s = math.copysign(1.0, float(cost.df(0.0)))
    np.testing.assert_allclose(b, s * a * np.sqrt((2 + a ** 2) / 2), atol=1e-12)
    np.testing.assert_allclose(d, -s * c * np.sqrt((2 + c ** 2) / 2), atol=1e-12)


def test_a_start_on_the_minus_separatrix_converges_to_the_saddle():
    """The paper's example (x* = 1, f'(0) < 0): a start on the minus branch, the
    centre-stable manifold, flows into the origin; just off it, to the target set."""
    w1 = 0.8
    on = gf.integrate_flow("quadratic", w1, -w1 * math.sqrt((2 + w1 ** 2) / 2),
                           np.linspace(0, 8, 81), activation="sigmoid", rtol=1e-12)
    assert np.max(np.abs(on.weights[-1])) < 1e-2 and abs(on.x[-1]) < 1e-4
    off = gf.integrate_flow("quadratic", w1, -w1 * math.sqrt((2 + w1 ** 2) / 2) + 0.05,
                            np.linspace(0, 30, 301), activation="sigmoid")
    assert abs(off.x[-1] - 1.0) < 1e-3


def test_the_sigmoids_target_set_needs_w2_beyond_the_target():
    """w2 σ(w1) = x* has |w2| > |x*| (|σ| < 1): for x* = 1 the target set lies in |w2| > 1,
    with g = 0 on it."""
    cost = gf.make_cost("quadratic", 1.0)
    a, b = gf.minima_curves(cost, activation="sigmoid", extent=4.0)
    ok = np.isfinite(b)
    assert ok.sum() > 100 and np.all(np.abs(b[ok]) > 1)
    np.testing.assert_allclose(b[ok] * gf.sigmoid(a[ok]), 1.0, atol=1e-12)


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh"])
def test_level_sets_are_level_sets_and_include_the_origins(activation):
    """Every drawn level-set branch has one value of the conserved quantity (w1² − w2²,
    or the neuron's C), and one branch passes through the origin's level."""
    branches = gf.level_sets(3.0, activation=activation)
    origin = 0.0 if activation == "linear" else float(
        gf.neuron_invariant(0.0, 0.0, activation=activation))
    values = []
    for u, v in branches:
        ok = np.isfinite(u) & np.isfinite(v)
        q = (u[ok] ** 2 - v[ok] ** 2 if activation == "linear"
             else gf.neuron_invariant(u[ok], v[ok], activation=activation))
        assert np.ptp(q) < 1e-8 * max(1.0, np.max(np.abs(q)))
        values.append(q[0])
    assert np.min(np.abs(np.array(values) - origin)) < 1e-12


@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("log-cosh", 0.5),
                                         ("quadratic", -1.0)])
def test_prop5_the_bad_set_d_zero_flows_into_the_saddle_for_any_cost(name, target):
    """Prop. 5: d = ||w1 − s w2ᵀ|| (s = sgn f'(0)). Starts with d = 0 (here width 3,
    w1 = s w2) converge to the origin; a start with d > 0 converges to G_f = {f' = 0}."""
    cost = gf.make_cost(name, target)
    s = math.copysign(1.0, float(cost.df(0.0)))
    w2 = np.array([0.5, -0.3, 0.4])
    t = np.linspace(0, 20, 201)          # the approach runs at rate |f'(0)| (0.46 for log-cosh)
    bad = gf.integrate_flow(cost, s * w2, w2, t)
    assert float(gf.bad_set_distance(cost, s * w2, w2)) == 0.0
    assert np.max(np.abs(bad.weights[-1])) < 1e-3
    good = gf.integrate_flow(cost, s * w2 + 0.01, w2, np.linspace(0, 40, 401))
    assert float(gf.bad_set_distance(cost, s * w2 + 0.01, w2)) > 0
    assert abs(float(cost.df(good.x[-1]))) < 1e-6


def test_prop7_the_larger_imbalance_has_the_lower_loss_and_one_time_change():
    """Prop. 7: two starts with the same product x0 and c1 < c2 have g2(t) <= g1(t) at every
    t > 0; both follow the one curve dx/dτ = −f'(x) under dτ/dt = sqrt(c + 4x²) (for the
    quadratic, x = y + (x0 − y) e^{−τ})."""
    cost = gf.make_cost("quadratic", 1.0)
    t = np.linspace(0, 6, 601)
    runs = []
    for c_paper in (0.25, 4.0):
        w = gf.initial_weights(0.05, math.sqrt(c_paper), width=2)
        r = gf.integrate_flow(cost, w[:2], w[2:], t, rtol=1e-11)
        assert float(gf.imbalance_paper(w[:2], w[2:])) == pytest.approx(c_paper, rel=1e-12)
        rate = np.sqrt(c_paper + 4 * r.x ** 2)
        tau = np.concatenate([[0.0], np.cumsum(np.diff(t) * (rate[1:] + rate[:-1]) / 2)])
        np.testing.assert_allclose(r.x, 1.0 + (0.05 - 1.0) * np.exp(-tau), atol=1e-5)
        runs.append(r)
    assert np.all(runs[1].loss[1:] < runs[0].loss[1:])


def test_cor6_pd_pl_holds_for_the_convex_costs_and_fails_for_the_double_well():
    """Cor. 6's PD-PŁ inequality |f'| >= α (f − f*) on the sublevel set: α = 2/R for the
    quadratic (|u| >= α u²/2 on |u| <= R), α > 0 for log-cosh, and α = 0 for the double well
    with its hump at x = 0 (f'(0) = 0 < f(0) − f*), where a start on x = 0 with d > 0 never
    moves."""
    assert gf.pd_pl_constant("quadratic", 0.05, target=1.0) == pytest.approx(2.0, rel=1e-9)
    assert gf.pd_pl_constant("quadratic", 3.0, target=1.0) == pytest.approx(1.0, rel=1e-9)
    assert 0 < gf.pd_pl_constant("log-cosh", 0.05, target=1.0) < 2
    well = gf.make_cost("double well", 1.0)
    assert float(well.df(0.0)) == 0 and gf.pd_pl_constant(well, 0.05) == 0.0
    r = gf.integrate_flow(well, 1.0, 0.0, np.linspace(0, 10, 11))
    assert float(gf.bad_set_distance(well, 1.0, 0.0)) == 1.0
    assert np.all(r.x == 0) and r.loss[-1] == pytest.approx(0.25)


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
@pytest.mark.parametrize("name,target", COSTS + [("quadratic", -1.3)])
def test_minima_curves_lie_where_x_equals_a_minimiser(depth, name, target):
    """Every finite point of minima_curves has x(w) = w1 w2^(N-1) equal to a minimiser of f
    (to 1e-9), so g - g* = 0 there; the curves are not empty."""
    cost = gf.make_cost(name, target)
    a, b = gf.minima_curves(cost, depth=depth)
    ok = np.isfinite(b)
    assert ok.sum() > 50
    x = gf.plane_product(a[ok], b[ok], depth=depth)
    assert np.max(cost.distance_to_minimum(x)) < 1e-9
    assert np.max(gf.plane_loss_gap(cost, a[ok], b[ok], depth=depth)) < 1e-12


@pytest.mark.parametrize("name,target", COSTS)
def test_minima_curves_of_the_tanh_neuron_solve_w2_tanh_w1_equals_xstar(name, target):
    """For x = w2 tanh(w1) the minima are w2 = x* / tanh(w1): x = x* on every finite point."""
    cost = gf.make_cost(name, target)
    a, b = gf.minima_curves(cost, activation="tanh")
    ok = np.isfinite(b)
    assert ok.sum() > 50
    x = gf.plane_product(a[ok], b[ok], activation="tanh")
    assert np.max(cost.distance_to_minimum(x)) < 1e-9


def test_plane_loss_gap_is_f_of_x_minus_min_f():
    """g(w) - g* = f(x(w)) - min f: f(0) - f* = x*^2/2 at the saddle for the quadratic,
    f(w1 w2^3) - f* for the tied chain of depth 4 at a random point, and >= 0 everywhere."""
    cost = gf.make_cost("quadratic", 0.8)
    assert gf.plane_loss_gap(cost, 0.0, 0.0) == pytest.approx(0.32)
    rng = np.random.default_rng(3)
    w1, w2 = rng.uniform(-2, 2, (2, 100))
    np.testing.assert_allclose(gf.plane_loss_gap(cost, w1, w2, depth=4),
                               0.5 * (w1 * w2 ** 3 - 0.8) ** 2, atol=1e-12)
    dw = gf.make_cost("double well", 1.5)
    assert np.min(gf.plane_loss_gap(dw, w1, w2, activation="tanh")) >= 0


@pytest.mark.parametrize("activation", ["linear", "tanh"])
@pytest.mark.parametrize("start", [(0.9, 0.3), (-0.4, 1.2), (0.2, -0.7), (-1.1, -0.5)])
def test_conserved_curve_through_a_start_carries_the_starts_invariant(activation, start):
    """The conserved curve through the first point of a flow has w1^2 - w2^2 (linear) or
    sinh^2 w1 - w2^2 (tanh) equal to its value at the start (1e-9), passes through the
    start and spans the flow's range; the flow itself stays on it."""
    r = gf.integrate_flow("quadratic", *start, np.linspace(0, 6, 61), activation=activation)
    a, b = r.weights[:, 0], r.weights[:, 1]
    ca, cb = gf.conserved_curve(a, b, activation=activation)
    inv = (lambda u, v: np.sinh(u) ** 2 - v ** 2) if activation == "tanh" else \
        (lambda u, v: u ** 2 - v ** 2)
    np.testing.assert_allclose(inv(ca, cb), inv(a[0], b[0]), atol=1e-9)
    np.testing.assert_allclose(inv(a, b), inv(a[0], b[0]), atol=1e-8)
    assert np.min(np.hypot(ca - a[0], cb - b[0])) < 0.05
    assert np.min(np.hypot(ca - a[-1], cb - b[-1])) < 0.05
    assert gf.conserved_curve(a[:1], b[:1])[0].size == 0


@pytest.mark.parametrize("activation", ["linear", "tanh"])
@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("log-cosh", -0.5)])
def test_origin_manifolds_stable_curve_flows_into_the_saddle_unstable_one_away(
        activation, name, target):
    """A start on the stable curve (w2 = sgn f'(0) w1, or sgn f'(0) sinh w1 for tanh) flows
    into the origin (|w| comes below 1e-3 by t = 20; a saddle: rounding then carries it
    off); one on the unstable curve leaves it. Both curves lie on w1^2 = w2^2 (linear) or
    Q = sinh^2 w1 - w2^2 = 0 (tanh)."""
    cost = gf.make_cost(name, target)
    (sa, sb), (ua, ub) = gf.origin_manifolds(cost, activation=activation)
    inv = (lambda u, v: np.sinh(u) ** 2 - v ** 2) if activation == "tanh" else \
        (lambda u, v: u ** 2 - v ** 2)
    assert np.max(np.abs(inv(sa, sb))) < 1e-9 and np.max(np.abs(inv(ua, ub))) < 1e-9
    if activation == "tanh":               # a sample point of each curve near w1 = 0.3
        k = np.argmin(np.abs(sa - 0.3))
        w1, stable, unstable = sa[k], sb[k], ub[k]
    else:                                  # the lines through the origin, scaled
        w1, stable, unstable = 0.3, 0.3 * sb[1] / sa[1], 0.3 * ub[1] / ua[1]
    t = np.linspace(0, 20, 201)
    into = gf.integrate_flow(cost, w1, stable, t, activation=activation)
    away = gf.integrate_flow(cost, 0.01, 0.01 * unstable / w1, t, activation=activation)
    assert np.min(np.hypot(*into.weights.T)) < 1e-3
    assert np.hypot(*away.weights[-1]) > 0.5


def test_origin_manifolds_exist_only_at_a_strict_saddle():
    """Deep chains (Hessian 0) and f'(0) = 0 (the symmetric double well) have no stable and
    unstable curves; depth 2 with f'(0) != 0 has them."""
    assert gf.origin_manifolds("quadratic", depth=3) is None
    assert gf.origin_manifolds(gf.make_cost("double well", 1.0)) is None
    assert gf.origin_manifolds(gf.make_cost("double well", 1.5)) is not None


@pytest.mark.parametrize("name,target", [("quadratic", 1.0), ("log-cosh", -0.5), ("log-cosh", 1.5)])
@pytest.mark.parametrize("x0,c", [(0.05, 0.5), (-0.3, 2.0), (1.9, -1.0), (0.5, 4.0)])
def test_loss_bound_holds_along_the_flow(name, target, x0, c):
    """f(x(t)) - f* <= d0^2/2 e^(-2 mu |c| t) along the integrated flow (x0, c), with mu from
    loss_bound_rate: brute force on |x - x*| <= d0 confirms (x - x*) f'(x) >= mu (x - x*)^2,
    with equality at the edge (mu is the largest such constant)."""
    cost = gf.make_cost(name, target)
    mu = gf.loss_bound_rate(cost, x0)
    d0 = float(cost.distance_to_minimum(x0))
    u = np.linspace(-d0, d0, 2001)
    u = u[u != 0]
    ratio = u * cost.df(target + u) / u ** 2
    assert np.min(ratio) >= mu - 1e-12 and np.min(ratio) == pytest.approx(mu, rel=1e-9)
    w0 = gf.initial_weights(x0, c)
    t = np.linspace(0, 8, 161)
    r = gf.integrate_flow(cost, w0[:1], w0[1:], t, rtol=1e-10)
    bound = gf.loss_bound(cost, x0, c, t)
    assert np.all(r.loss - 0.0 <= bound + 1e-12)


def test_loss_bound_needs_a_positive_mu():
    """The double well has (x - x*) f'(x) < 0 between its wells: no such mu, no bound."""
    dw = gf.make_cost("double well", 1.0)
    assert gf.loss_bound_rate(dw, 0.1) is None and gf.loss_bound(dw, 0.1, 1.0, [0, 1]) is None


@pytest.mark.parametrize("width", [1, 3, 6])
@pytest.mark.parametrize("c", [1.0, -0.8])
def test_phase_plane_coordinates_of_a_width_h_run_are_its_scalar_pair(width, c):
    """The plane shows a width-h run as (a, b) with a b = x(t) and a^2 - b^2 = sgn(c) c_*
    (c_* its nuclear-norm imbalance): the same curve as the h = 1 run from (x0, c); for h = 1
    the coordinates are the weights themselves."""
    w0 = gf.initial_weights(0.3, c, width=width)
    t = np.linspace(0, 6, 61)
    r = gf.integrate_flow("quadratic", w0[:width], w0[width:], t)
    a, b = gf.phase_plane_coordinates(r, branch=c)
    np.testing.assert_allclose(a * b, r.x, atol=1e-12)
    np.testing.assert_allclose(a ** 2 - b ** 2, c, atol=1e-6)
    w1 = gf.initial_weights(0.3, c)
    one = gf.integrate_flow("quadratic", w1[:1], w1[1:], t)
    np.testing.assert_allclose(np.c_[a, b], one.weights, atol=1e-6)


@pytest.mark.parametrize("x0,target", [(0.01, 1.0), (-0.5, 1.2), (0.3, -0.7)])
def test_large_c_asymptote_is_the_limit_of_the_closed_form_time(x0, target):
    """c T(c) -> ln(|x0 - x*| / eps) as c -> infinity: the asymptote agrees with the closed
    form to 1 % at c = 1e3 and gets closer as c grows; c = 0 is refused."""
    T = [gf.convergence_time_closed_form(x0, target, c, 1e-3) for c in (1e2, 1e3)]
    A = gf.convergence_time_large_c(gf.make_cost("quadratic", target), x0, [1e2, 1e3], 1e-3)
    assert abs(A[1] / T[1] - 1) < 1e-2 and abs(A[1] / T[1] - 1) < abs(A[0] / T[0] - 1)
    with pytest.raises(ValueError, match="imbalances"):
        gf.convergence_time_large_c("quadratic", x0, [0.0, 1.0])


def test_hyperbolas_are_the_level_sets_of_the_imbalance():
    """Each branch of hyperbolas(levels) has w1^2 - w2^2 equal to its level (1e-12), two
    branches per level, and they reach the edge of the square."""
    levels = np.linspace(-6, 6, 13)
    branches = gf.hyperbolas(levels, 2.5)
    assert len(branches) == 26
    for k, (a, b) in zip(np.repeat(levels, 2), branches):
        np.testing.assert_allclose(a ** 2 - b ** 2, k, atol=1e-12)
        assert max(np.max(np.abs(a)), np.max(np.abs(b))) >= 2.5


def test_conserved_curve_of_a_diverging_descent_path_is_nan_where_squares_overflow():
    """A path that diverges to |w1| = 1e200 (tanh: sinh overflows beyond |w1| ≈ 710) gives
    NaN breaks, never an overflow warning (RuntimeWarnings are errors in this suite)."""
    for activation in ("linear", "tanh"):
        a, b = gf.conserved_curve([0.3, 1e200], [2.0, -1e200], activation=activation)
        assert a.shape == b.shape == (100,)
        assert np.isnan(a).any() or np.isnan(b).any()
        assert np.isfinite(a[0]) and np.isfinite(b[0])


def test_the_stiff_deep_chain_converges_and_conserves_its_imbalances():
    """Depth 6, c = −6, x0 = −2.18 (log-cosh, x* = −2): the chain is stiff at its minimum
    (f''(x*)|∇x|² ≈ 8·10³); the LSODA flow (exact Jacobian) reaches x* and keeps every
    w_i² − w_j² to 1e-9, and agrees with an explicit DOP853 run over the transient."""
    from scipy.integrate import solve_ivp
    cost = gf.make_cost("log-cosh", -2.0)
    w0 = gf.initial_weights(-2.18, -6.0, depth=6)
    r = gf.integrate_chain(cost, w0, np.linspace(0, 40, 161), rtol=1e-10)
    assert r.x[-1] == pytest.approx(-2.0, abs=1e-9)
    sq = r.weights ** 2
    assert np.max(np.ptp(sq - sq[:, :1], axis=0)) < 1e-9
    short = gf.integrate_chain(cost, w0, np.linspace(0, 0.5, 11), rtol=1e-10)
    ref = solve_ivp(lambda _, w: gf._rhs(gf._Chain(6), cost, w), (0, 0.5), w0, method="DOP853",
                    t_eval=np.linspace(0, 0.5, 11), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(short.weights, ref.y.T, atol=1e-7)


def test_a_flow_over_a_span_too_short_to_move_stays_at_its_start():
    """t = (0, 5e-324): dw = t·dw/dt is below rounding, so w stays w0 (for every model)."""
    r = gf.integrate_chain("log-cosh", [-2.2, -0.6, 2.3, -1.9], [0.0, 5e-324], target=2.8)
    np.testing.assert_array_equal(r.weights, [[-2.2, -0.6, 2.3, -1.9]] * 2)


# ------------------------------------------------------------------ doors (issue 14)
def test_imbalance_of_equal_huge_weights_is_zero_without_overflow():
    """c = |w1 - w2| |w1 + w2| (= sqrt(s^2 - 4x^2) factored): equal weights give c = 0
    exactly even at 1e200, where the squares overflow; a result beyond the floats is a
    ValueError, not inf or NaN."""
    assert gf.imbalance(1e200, 1e200) == 0.0
    assert gf.signed_imbalance(1e200, 1e200) == 0.0 and gf.imbalance_paper(1e200, 1e200) == 0.0
    assert gf.imbalance([1e200, 0.0], [1e200, 0.0]) == 0.0
    # vectors: the factored form agrees with the nuclear norm of w1 w1^T - w2 w2^T
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=3), rng.normal(size=3)
    C = np.outer(a, a) - np.outer(b, b)
    assert gf.imbalance(a, b) == pytest.approx(np.abs(np.linalg.eigvalsh(C)).sum(), rel=1e-12)
    with pytest.raises(ValueError, match="w1 and w2 are too large"):
        gf.imbalance(1e200, -1e100)


@pytest.mark.parametrize("call, match", [
    (lambda: gf.integrate_flow("quadratic", .5, .2, [0, 1e6]), "reduce the last time"),
    (lambda: gf.quadratic_flow_solution(np.linspace(0, 5, 11), 1e308, 1, .5), "x0"),
    (lambda: gf.convergence_time_closed_form(.1, 1, 1e308), "imbalance"),
    (lambda: gf.start_from_point(1e200, 1e200), "w1"),
    (lambda: gf.start_from_point(1e200, 1e200, depth=6), "w1"),
    (lambda: gf.start_from_point(100.0, 100.0, depth=6), "reduce"),
    (lambda: gf.integrate_flow("quadratic", 1e200, 1e200, [0, 1]), "w1"),
    (lambda: gf.integrate_flow("quadratic", [], [], [0, 1]), "w1 must not be empty"),
    (lambda: gf.convergence_time_numeric("quadratic", .1, [1.0], max_iter=2.5), "max_iter"),
    (lambda: gf.convergence_time_numeric("quadratic", .1, [1.0], safety=0), "safety"),
    (lambda: gf.convergence_time_numeric("quadratic", .1, [1.0], safety=float("nan")), "safety"),
    (lambda: gf.convergence_time_numeric("quadratic", .1, [1.0], max_iter=-1), "max_iter"),
    (lambda: gf.make_cost(["quadratic"]), "cost"),
    (lambda: gf.reduced_flow_rate("quadratic", [1, 2], [1, 2, 3]), "shapes"),
    (lambda: gf.initial_weights(1e300, 1e300, width=3), "x0"),
    (lambda: gf.integrate_flow("quadratic", .5, .2, [0, 1], rtol=0.5), "rtol"),
])
def test_bad_or_huge_arguments_are_a_value_error_naming_them(call, match):
    """Issue 14's reproductions: no NaN, no raw TypeError/AttributeError/OverflowError,
    no run of minutes: a ValueError naming the argument (or what to reduce)."""
    with pytest.raises(ValueError, match=match):
        call()


def test_a_diverging_start_has_convergence_time_inf_without_a_warning():
    """The double well from x0 = -3 past its left minimum with c = 36 on a depth-6 chain:
    some imbalances blow up; those get T = inf (never converge) and no RuntimeWarning
    (warnings are errors here), the others a finite T >= 0."""
    T = gf.convergence_time_numeric(gf.make_cost("double well", -2.0), -3.0,
                                    [0.5, 6.0, 30.0], 1e-3, depth=6, t_max=5.0, safety=0.2)
    assert np.all((T >= 0) | np.isinf(T)) and not np.any(np.isnan(T))


def test_the_chain_curvature_bound_is_the_frobenius_norm_of_the_hessian_of_x():
    """curvature(w) = ||d²x/dw²||_F, the Hessian entries prod_{k != i, j} w_k, checked
    against a central finite difference of the gradient of x = w_N ... w_1."""
    rng = np.random.default_rng(4)
    for n in (2, 3, 6):
        chain, w = gf._Chain(n), rng.normal(size=n)
        h = 1e-6
        H = np.array([(chain.grad(w + h * e) - chain.grad(w - h * e)) / (2 * h)
                      for e in np.eye(n)])
        np.testing.assert_allclose(chain.hessian_x(w), H, atol=1e-8)
        assert chain.curvature(w[None, :])[0] == pytest.approx(np.linalg.norm(H), rel=1e-7)


# ----------------------------------------------- the barrier and the step cap of T(c)
def test_the_barrier_is_the_first_zero_of_the_reduced_flow():
    """dx/dt = -f'(x) R(x): x tends to the first zero of f' R ahead of it. Quadratic: the
    target; double well (minima y - 2, y, hump y - 1): the minimum on x0's side of the hump;
    a start on the hump stays; c = 0 at depth 2 (and c >= 0 on a chain) stops at x = 0
    when the target lies beyond it, c != 0 (c < 0 on a chain) passes it."""
    q = gf.make_cost("quadratic", 1.0)
    assert gf.barrier_of_flow(q, -0.5, 0.3) == 1.0
    assert gf.barrier_of_flow(q, -0.5, 0.0) == 0.0
    assert gf.barrier_of_flow(q, -0.5, 0.3, depth=4) == 0.0
    assert gf.barrier_of_flow(q, -0.5, -0.3, depth=4) == 1.0
    dw = gf.make_cost("double well", -2.0)
    assert gf.barrier_of_flow(dw, -3.5, 1.0) == -4.0
    assert gf.barrier_of_flow(dw, -2.5, 1.0) == -2.0
    assert gf.barrier_of_flow(dw, -3.0, 1.0) == -3.0          # the hump: f'(-3) = 0


@pytest.mark.parametrize("x0,target", [(-0.5, 1.0), (0.3, -2.0), (0.05, 1.0)])
def test_a_start_blocked_by_the_saddle_has_T_inf_without_integration(x0, target):
    """c = 0 with x0 and the target on opposite sides of 0: the closed form says T = inf
    (the flow converges to the saddle); the barrier says so before any RK4 step
    (max_iter = 1 still gives inf, not "not computed"). The same start with c = 0.5 on
    the target's side converges (the closed form's finite T)."""
    if x0 * target > 0:
        x0 = -x0
    assert gf.convergence_time_closed_form(x0, target, 0.0) == math.inf
    assert gf.convergence_time_numeric("quadratic", x0, 0.0, target=target, max_iter=1) == math.inf
    T = gf.convergence_time_numeric("quadratic", x0, 0.5, target=target)
    assert T == pytest.approx(gf.convergence_time_closed_form(x0, target, 0.5), rel=1e-3)


def test_a_start_on_the_hump_never_moves():
    """f'(x0) = 0 at the double well's hump x = y - 1: the exact flow from x0 stays there
    (an equilibrium), T = inf at every c and depth, found without an RK4 step; a start
    just off the hump converges (finite T, integrated)."""
    cost = gf.make_cost("double well", 0.0)
    for depth in (2, 3, 6):
        T = gf.convergence_time_numeric(cost, -1.0, [0.0, 0.5, 3.75, -3.75], depth=depth,
                                        max_iter=1)
        assert np.all(T == math.inf)
    assert math.isfinite(gf.convergence_time_numeric(cost, -1.05, 3.0, t_max=60.0))


def test_the_capped_curve_equals_the_uncapped_one_where_both_are_computed():
    """A T(c) curve whose slow imbalances pass the step cap (double well y = 1, x0 = 0.05,
    depth 6, w2² > w1²: the widget's T_STEPS = 1000 leaves some uncomputed): the capped
    curve is NaN exactly there and bit-for-bit the uncapped curve everywhere else, and the
    uncapped curve computes those points (finite T or inf)."""
    cost = gf.make_cost("double well", 1.0)
    gaps = -np.linspace(0.0, 6.0, 49)
    kw = {"depth": 6, "t_max": 60.0, "safety": 0.2}
    capped = gf.convergence_time_numeric(cost, 0.05, gaps, 1e-3, max_iter=1000, **kw)
    full = gf.convergence_time_numeric(cost, 0.05, gaps, 1e-3, max_iter=20_000, **kw)
    missing = np.isnan(capped)
    assert missing.any() and not np.isnan(full).any()
    np.testing.assert_array_equal(capped[~missing], full[~missing])


def test_gradient_descent_on_a_deep_chain_diverges_when_the_product_does():
    """Depth 6, x0 = 3, c = 36, η = 2 on the double well: the weights stay below 1e6 while
    the product x = w_1 w_2^5 passes it (5e8 before this check): that is divergence
    (DIVERGENCE_LIMIT bounds |x| and |w|); every iterate kept has |x| <= 1e6, so the
    widget's convergence time and status can read them."""
    w0 = gf.initial_weights(3.0, 6.0, depth=6)
    run = gf.gradient_descent(gf.make_cost("double well", 2.0), w0, lr=2.0, n_steps=1,
                              model="chain")
    assert run.diverged and np.all(np.abs(run.x) <= gf.DIVERGENCE_LIMIT)
    assert np.all(np.abs(run.weights) <= gf.DIVERGENCE_LIMIT)
