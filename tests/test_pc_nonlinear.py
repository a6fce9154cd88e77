"""Tests of the non-linear BP / PC solver (Innocenti et al., NeurIPS 2024, Fig. 5, in
miniature) against finite differences, the linear closed form F*, the package's linear PC
solver, and the orders of the gradients at the origin. Each docstring states the fact."""
import numpy as np
import pytest

from saddle_widgets.solvers import pc_nonlinear as nl
from saddle_widgets.solvers import predictive_coding as pc
from test_predictive_coding import _fd_gradient, _flat  # noqa: I001


def _problem(seed=0, widths=(3, 5, 4, 2), scale=0.7, batch=7):
    """Random weights of uneven widths (the kernels pad them) and random data."""
    rng = np.random.default_rng(seed)
    ws = pc.init_weights(list(widths), scale, seed)
    X = rng.standard_normal((widths[0], batch))
    Y = rng.standard_normal((widths[-1], batch))
    return ws, X, Y


def _activities(ws, X, seed=1, scale=0.8):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal((w.shape[0], X.shape[1])) for w in ws[:-1]]


def _fd_activities(f, zs, eps=1e-6):
    out = []
    for l, z in enumerate(zs):
        g = np.empty_like(z)
        for idx in np.ndindex(z.shape):
            zp = [x.copy() for x in zs]
            zm = [x.copy() for x in zs]
            zp[l][idx] += eps
            zm[l][idx] -= eps
            g[idx] = (f(zp) - f(zm)) / (2 * eps)
        out.append(g)
    return out


def _no_kinks(ws, X, zs=None):
    """ReLU is not differentiable at a = 0: the pre-activations stay away from it."""
    ins = [X] + (list(zs) if zs is not None else list(nl.forward(ws, X, activation="relu")[:-1]))
    return min(np.min(np.abs(w @ h)) for w, h in zip(ws, ins)) > 1e-4


def _smooth_problem(seed):
    """The first problem from ``seed`` on whose feed-forward pass no ReLU sits at a kink."""
    for s in range(seed, seed + 1000, 2):
        ws, X, Y = _problem(s)
        if _no_kinks(ws, X):
            return ws, X, Y
    raise AssertionError("no problem without kinks found")


# ----------------------------------------------------------------------- gradients
@pytest.mark.parametrize("activation", nl.ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_gradient_equals_central_finite_differences(activation, seed):
    """∇L from backprop (δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f'(a_l), ∇_{W_l} L = δ_l h_{l-1}ᵀ) equals
    central differences of L(W) = Σ‖y − ŷ‖²/2B to O(ε²), for every activation."""
    ws, X, Y = _problem(seed)
    if activation == "relu":
        ws, X, Y = _smooth_problem(seed)
    fd = _fd_gradient(lambda w: nl.mse_loss(w, X, Y, activation=activation), ws)
    np.testing.assert_allclose(_flat(nl.mse_gradient(ws, X, Y, activation=activation)), fd,
                               atol=1e-7)


@pytest.mark.parametrize("activation", nl.ACTIVATIONS)
def test_pc_weight_and_activity_gradients_equal_finite_differences_of_the_energy(activation):
    """∂F/∂W_l = −(1/B)(f'(a_l) ⊙ e_l) z_{l−1}ᵀ and ∂F/∂z_l = (1/B)(e_l − W_{l+1}ᵀ(f'(a_{l+1})
    ⊙ e_{l+1})) equal central differences of F(W, z) in W and in z."""
    ws, X, Y = _problem(2)
    zs = _activities(ws, X)
    assert _no_kinks(ws, X, zs)
    gw = nl.pc_weight_gradient(ws, zs, X, Y, activation=activation)
    fd = _fd_gradient(lambda w: nl.pc_energy(w, zs, X, Y, activation=activation), ws)
    np.testing.assert_allclose(_flat(gw), fd, atol=1e-7)
    gz = nl.activity_gradient(ws, zs, X, Y, activation=activation)
    fdz = _fd_activities(lambda z: nl.pc_energy(ws, z, X, Y, activation=activation), zs)
    np.testing.assert_allclose(_flat(gz), _flat(fdz), atol=1e-7)


@pytest.mark.parametrize("activation", nl.ACTIVATIONS)
def test_the_energy_at_the_feedforward_pass_is_the_mse(activation):
    """With z_l = h_l (the feed-forward pass) every hidden error vanishes: F = L, and PC's
    weight gradient there is BP's for the last layer and zero below (so PC with k = 0
    inference steps trains W_L only)."""
    ws, X, Y = _problem(3)
    hs = nl.forward(ws, X, activation=activation)[:-1]
    assert nl.pc_energy(ws, hs, X, Y, activation=activation) == pytest.approx(
        nl.mse_loss(ws, X, Y, activation=activation), rel=1e-12)
    g = nl.pc_weight_gradient(ws, hs, X, Y, activation=activation)
    bp = nl.mse_gradient(ws, X, Y, activation=activation)
    np.testing.assert_allclose(g[-1], bp[-1], atol=1e-14)
    assert all(np.all(gl == 0) for gl in g[:-1])


# ----------------------------------------------------------------------- inference
@pytest.mark.parametrize("activation, seed", [("linear", 4), ("tanh", 4), ("relu", 0)])
def test_inference_descends_the_energy_to_a_stationary_point(activation, seed):
    """Euler inference with dt = 0.1 from the feed-forward pass only lowers F (energies[0] =
    L) and converges to a stationary point: ∂F/∂z → 0 (below 1e-10 after 2000 steps).
    (ReLU: F is piecewise quadratic in z; where its minimum lies on a kink, a = 0, there is
    no stationary point and Euler chatters across it, as for seed 4: here seed 0, whose
    minimum lies inside a piece.)"""
    ws, X, Y = _problem(seed, scale=0.5)
    res = nl.infer_activities(ws, X, Y, activation=activation, n_steps=2000, dt=0.1)
    assert res.energies[0] == pytest.approx(nl.mse_loss(ws, X, Y, activation=activation))
    assert np.all(np.diff(res.energies) <= 1e-13)
    assert res.activity_gradient_norm < 1e-10
    gz = nl.activity_gradient(ws, res.activities, X, Y, activation=activation)
    assert np.sqrt(sum(np.sum(g * g) for g in gz)) < 1e-10
    assert res.energies[-1] < res.energies[0]
    assert _no_kinks(ws, X, res.activities)


def test_relu_inference_chatters_across_a_kink_where_the_minimum_lies_on_one():
    """ReLU, seed 4: after 2000 Euler steps the activity gradient is still far from 0 and the
    energy rises at some steps (it chatters across a = 0), while it stays below L: the
    reason the explorer's ReLU PC uses the authors' fixed step count, not a convergence test."""
    ws, X, Y = _problem(4, scale=0.5)
    res = nl.infer_activities(ws, X, Y, activation="relu", n_steps=2000, dt=0.1)
    assert res.activity_gradient_norm > 1e-3
    assert np.any(np.diff(res.energies[-100:]) > 0)
    assert np.max(res.energies[-100:]) < res.energies[0]


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_linear_inference_reaches_the_closed_form_equilibrated_energy(depth):
    """For f linear the energy at the end of inference is F* = tr(Rᵀ S⁻¹ R)/2B (Theorem 1,
    ``predictive_coding.equilibrated_energy``) and the activities are the linear solve's."""
    ws, X, Y = _problem(depth, widths=[3] + [4] * (depth - 1) + [2])
    res = nl.infer_activities(ws, X, Y, activation="linear", n_steps=3000, dt=0.2)
    assert res.energies[-1] == pytest.approx(pc.equilibrated_energy(ws, X, Y), rel=1e-10)
    for z, zs in zip(res.activities, pc.equilibrium_activities(ws, X, Y)):
        np.testing.assert_allclose(z, zs, atol=1e-8)


def test_linear_training_equals_the_package_linear_pc_with_k_euler_steps():
    """For f linear, BP equals ``predictive_coding.train(method='bp')`` and PC with k Euler
    steps equals ``predictive_coding.train(method='pc', inference=k)`` (whose activities come
    from the closed form z_k = z* + (I − dt A)^k (z_0 − z*)), iteration for iteration."""
    ws, X, Y = _problem(5, widths=(2, 3, 3, 2), scale=0.3, batch=9)
    for method, kw in (("bp", {}), ("pc", {"inference": 7})):
        ref = pc.train(ws, X, Y, method=method, lr=0.2, n_steps=25, dt=0.1, **kw)
        run = nl.train(ws, X, Y, activation="linear", method=method, lr=0.2, n_iters=25,
                       inference_steps=7, dt=0.1)
        np.testing.assert_allclose(run.losses, ref.losses, rtol=1e-10)
        np.testing.assert_allclose(run.grad_norms, ref.grad_norms, rtol=1e-8)


# ----------------------------------------------------------------------- the origin
@pytest.mark.parametrize("activation", ["linear", "tanh"])
@pytest.mark.parametrize("hidden", [2, 3])
def test_near_the_origin_bp_gradient_is_order_sigma_to_H_and_pc_order_sigma(activation, hidden):
    """Scaling the start W = σ W̃ by ½: BP's gradient shrinks by 2^H (the origin is a
    non-strict saddle of L of order H), PC's by 2 (a strict saddle of the energy: the
    W_L block of its Hessian is −Σ_yy ⊗ I)."""
    X, Y = nl.teacher_data(0)
    w = nl.init_weights(nl.network_widths(hidden, 6, 4, 2), 1.0, 1)
    norms = {}
    for s in (1e-3, 5e-4):
        ws = [s * wl for wl in w]
        norms[s] = [nl.train(ws, X, Y, activation=activation, method=m, n_iters=0,
                             inference_steps=30).grad_norms[0] for m in nl.METHODS]
    bp_ratio = norms[1e-3][0] / norms[5e-4][0]
    pc_ratio = norms[1e-3][1] / norms[5e-4][1]
    assert bp_ratio == pytest.approx(2.0 ** hidden, rel=0.02)
    assert pc_ratio == pytest.approx(2.0, rel=0.02)


@pytest.mark.parametrize("activation, hidden, lr", [("linear", 3, 1.0), ("tanh", 3, 1.0),
                                                   ("relu", 2, 0.5)])
def test_pc_leaves_the_origin_plateau_where_bp_stays(activation, hidden, lr):
    """From σ = 0.01 with H hidden layers of 8 units (the explorer's task), PC's loss falls
    below ½ L(0) within 120 iterations while BP's stays above 0.95 L(0)."""
    X, Y = nl.teacher_data(0, batch=32)
    ws = nl.init_weights(nl.network_widths(hidden, 8, 4, 2), 0.01, 0)
    runs = nl.train_bp_and_pc(ws, X, Y, activation=activation, lr=lr, n_iters=120)
    assert nl.escape_iteration(runs["pc"]) is not None
    assert nl.stays_on_plateau(runs["bp"])
    assert runs["bp"].losses[0] == pytest.approx(nl.origin_loss(Y), rel=1e-3)


# ----------------------------------------------------------------------- data, runs
def test_teacher_data_is_seeded_and_has_unit_variance_outputs():
    """Y is centred with unit variance per output, so L(0) = d_out / 2; a seed fixes it."""
    X, Y = nl.teacher_data(3, batch=50, d_in=3, d_out=4)
    assert X.shape == (3, 50) and Y.shape == (4, 50)
    np.testing.assert_allclose(Y.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Y.std(axis=1), 1, rtol=1e-12)
    assert nl.origin_loss(Y) == pytest.approx(2.0)
    np.testing.assert_array_equal(nl.teacher_data(3, batch=50, d_in=3, d_out=4)[1], Y)
    assert not np.array_equal(nl.teacher_data(4, batch=50, d_in=3, d_out=4)[1], Y)


def test_a_too_large_learning_rate_stops_the_run_as_diverged_with_finite_records():
    """lr far beyond the stability limit: the run stops, diverged, every record finite."""
    ws, X, Y = _problem(6, scale=1.0)
    for m in nl.METHODS:
        run = nl.train(ws, X, Y, activation="linear", method=m, lr=1.4e3, n_iters=500,
                       inference_steps=5)
        assert run.diverged and run.iterations < 500
        assert np.all(np.isfinite(run.losses)) and np.all(np.isfinite(run.grad_norms))


def test_stop_below_ends_at_the_first_iteration_under_the_level_and_is_a_prefix():
    """stop_below stops at the first t with L(W_t) <= level; the run is the start of the
    full one, number for number."""
    X, Y = nl.teacher_data(1, batch=16)
    ws = nl.init_weights(nl.network_widths(1, 6, 4, 2), 0.1, 0)
    full = nl.train(ws, X, Y, method="pc", lr=0.5, n_iters=60)
    level = 0.5 * full.losses[0]
    t = nl.escape_iteration(full)
    short = nl.train(ws, X, Y, method="pc", lr=0.5, n_iters=60, stop_below=level)
    assert short.iterations == t
    np.testing.assert_array_equal(short.losses, full.losses[:t + 1])


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda ws, X, Y: nl.mse_loss(ws, X, Y, activation="sigmoid"), "activation"),
    (lambda ws, X, Y: nl.train(ws, X, Y, method="adam"), "method"),
    (lambda ws, X, Y: nl.train(ws, X, Y, lr=0.0), "lr"),
    (lambda ws, X, Y: nl.train(ws, X, Y, lr=float("nan")), "lr"),
    (lambda ws, X, Y: nl.train(ws, X, Y, dt=3.0), "dt"),
    (lambda ws, X, Y: nl.train(ws, X, Y, inference_steps=-1), "inference_steps"),
    (lambda ws, X, Y: nl.train(ws, X, Y, n_iters=2.5), "n_iters"),
    (lambda ws, X, Y: nl.mse_loss(ws, X[:2], Y), "rows"),
    (lambda ws, X, Y: nl.mse_loss(ws, X, Y[:, :3]), "samples"),
    (lambda ws, X, Y: nl.mse_loss(ws[:1], X, Y), "at least 2 layers"),
    (lambda ws, X, Y: nl.mse_loss([ws[0], ws[2]], X, Y), "columns"),
    (lambda ws, X, Y: nl.mse_loss(ws, np.full_like(X, np.nan), Y), "finite"),
    (lambda ws, X, Y: nl.pc_energy(ws, [np.zeros((5, 7))], X, Y), "hidden activities"),
    (lambda ws, X, Y: nl.pc_energy(ws, [np.zeros((5, 7)), np.zeros((3, 7))], X, Y), "shape"),
    (lambda ws, X, Y: nl.infer_activities(ws, X, Y, n_steps=-3), "n_steps"),
    (lambda ws, X, Y: nl.teacher_data(-1), "seed"),
    (lambda ws, X, Y: nl.network_widths(0, 8, 4, 2), "hidden"),
    (lambda ws, X, Y: nl.escape_iteration("run"), "NonlinearRun"),
])
def test_bad_input_is_a_value_error_with_a_clear_message(call, match):
    """Every bad argument is a ValueError naming what is wrong."""
    ws, X, Y = _problem(0)
    with pytest.raises(ValueError, match=match):
        call(ws, X, Y)


def test_work_is_bounded():
    """A training beyond MAX_WORK multiply-adds is refused before it starts, naming what to
    reduce; the explorer's largest setting (H = 4, width 16, k = 50, 121 iterations) is
    within it."""
    X, Y = nl.teacher_data(0, batch=32)
    wide = nl.init_weights(nl.network_widths(4, 400, 4, 2), 0.01, 0)
    with pytest.raises(ValueError, match="too much work.*reduce"):
        nl.train(wide, X, Y, method="pc", n_iters=200, inference_steps=50)
    assert nl.check_work(nl.network_widths(4, 16, 4, 2), 121, "pc", inference_steps=50,
                         batch=32) < nl.MAX_WORK


def test_overflowing_start_is_refused():
    """Weights so large that the loss overflows at the start: a ValueError, not a NaN run
    (1e120 times a start of scale 1: init_weights itself refuses scales above 1e100)."""
    ws, X, Y = _problem(0, scale=1.0)
    ws = [1e120 * w for w in ws]
    with pytest.raises(ValueError, match="too large|overflow"):
        nl.train(ws, X, Y, activation="linear", method="bp", n_iters=3)
