"""Tests of the predictive-coding solver against theory (Innocenti et al., NeurIPS 2024).

Each test's name and docstring states the mathematical fact it checks.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from saddle_widgets.solvers import predictive_coding as pc

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _random_problem(depth, seed, scale=0.5, batch=7):
    rng = np.random.default_rng(seed)
    widths = [int(n) for n in rng.integers(1, 5, depth + 1)]
    ws = pc.init_weights(widths, scale, seed)
    X = rng.normal(size=(widths[0], batch))
    Y = rng.normal(size=(widths[-1], batch))
    return widths, ws, X, Y


def _origin(widths):
    return [np.zeros((widths[l + 1], widths[l])) for l in range(len(widths) - 1)]


def _fd_gradient(f, ws, eps=1e-6):
    theta = pc.flatten_weights(ws)
    shapes = [w.shape for w in ws]
    g = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = eps
        g[j] = (f(pc.unflatten_weights(theta + e, shapes))
                - f(pc.unflatten_weights(theta - e, shapes))) / (2 * eps)
    return g


def _flat(grads):
    return np.concatenate([g.ravel() for g in grads])


# ----------------------------------------------------------------------- equilibrated energy
@pytest.mark.parametrize("depth", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_closed_form_energy_equals_long_inference_and_linear_solve(depth, seed):
    """F* = tr(R^T S^{-1} R)/(2B) equals the energy after long Euler inference and the energy
    at the equilibrium found by one linear solve (activity Hessian is block tridiagonal)."""
    widths, ws, X, Y = _random_problem(depth, seed)
    f_star = pc.equilibrated_energy(ws, X, Y)
    z_star = pc.equilibrium_activities(ws, X, Y)
    assert pc.pc_energy(ws, z_star, X, Y) == pytest.approx(f_star, abs=1e-12)
    res = pc.infer_activities(ws, X, Y, n_steps=4000, dt=0.2, record_trajectory=False)
    assert abs(res.energies[-1] - f_star) < 1e-8
    for z, zs in zip(res.activities, z_star):
        np.testing.assert_allclose(z, zs, atol=1e-6)
    # inference starts from the feed-forward pass (F = MSE) and only lowers the energy
    assert res.energies[0] == pytest.approx(pc.mse_loss(ws, X, Y), abs=1e-12)
    assert np.all(np.diff(res.energies) <= 1e-12)
    assert f_star <= pc.mse_loss(ws, X, Y) + 1e-12


def test_inference_trajectory_records_every_step():
    """The recorded trajectory has n_steps + 1 entries, starting at the feed-forward pass."""
    _, ws, X, Y = _random_problem(3, 4)
    res = pc.infer_activities(ws, X, Y, n_steps=5, dt=0.1)
    assert len(res.trajectory) == 6 and res.energies.shape == (6,)
    np.testing.assert_allclose(res.trajectory[0][0], ws[0] @ X)
    np.testing.assert_allclose(res.trajectory[-1][1], res.activities[1])


@given(st.lists(st.floats(-3, 3), min_size=2, max_size=6))
@FAST
def test_scalar_chain_rescaling_is_one_plus_sum_of_products_of_squares(w):
    """Scalar chain: S = 1 + Σ_{l=2}^{L} Π_{k=l}^{L} w_k^2, and F* = L / S."""
    L = len(w)
    S = pc.rescaling_matrix(w)
    expected = 1 + sum(np.prod(np.square(w[l - 1:])) for l in range(2, L + 1))
    assert S.shape == (1, 1)
    assert S[0, 0] == pytest.approx(expected, rel=1e-12)
    X, Y = pc.toy_scalar_data(0, batch=16)
    assert pc.equilibrated_energy(w, X, Y) == pytest.approx(pc.mse_loss(w, X, Y) / expected,
                                                            rel=1e-10, abs=1e-14)


def test_rescaling_matrix_three_layers_formula():
    """L = 3: S = I + W_3 W_3^T + W_3 W_2 W_2^T W_3^T."""
    _, ws, _, _ = _random_problem(3, 7)
    W3, W2 = ws[2], ws[1]
    np.testing.assert_allclose(pc.rescaling_matrix(ws),
                               np.eye(W3.shape[0]) + W3 @ W3.T + W3 @ W2 @ W2.T @ W3.T)


# ----------------------------------------------------------------------- gradients
@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_gradients_of_mse_and_energy_match_finite_differences(depth):
    """∇L (backprop) and ∇F* (PC weight gradient at equilibrium) equal central differences."""
    _, ws, X, Y = _random_problem(depth, 10 + depth, scale=0.7)
    fd_mse = _fd_gradient(lambda w: pc.mse_loss(w, X, Y), ws)
    fd_energy = _fd_gradient(lambda w: pc.equilibrated_energy(w, X, Y), ws)
    np.testing.assert_allclose(_flat(pc.mse_gradient(ws, X, Y)), fd_mse, atol=1e-8)
    np.testing.assert_allclose(_flat(pc.energy_gradient(ws, X, Y)), fd_energy, atol=1e-8)


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_weight_gradient_of_F_at_equilibrium_equals_gradient_of_F_star(depth):
    """Envelope theorem: ∂F/∂W at z* = ∇F*; at the feed-forward activities it is not
    (only the last layer has a non-zero error there)."""
    _, ws, X, Y = _random_problem(depth, 20 + depth)
    z_star = pc.equilibrium_activities(ws, X, Y)
    np.testing.assert_allclose(_flat(pc.pc_weight_gradient(ws, z_star, X, Y)),
                               _flat(pc.energy_gradient(ws, X, Y)), atol=1e-12)
    ff = pc.infer_activities(ws, X, Y, n_steps=0).activities
    g_ff = pc.pc_weight_gradient(ws, ff, X, Y)
    assert all(np.all(g == 0) for g in g_ff[:-1])


# ----------------------------------------------------------------------- Hessians at the origin
@pytest.mark.parametrize("widths", [[2, 3, 4, 2], [3, 2, 2, 2, 1], [1, 1, 1, 1], [2, 4, 4, 4, 4, 3]])
def test_mse_hessian_at_origin_is_zero_for_two_or_more_hidden_layers(widths):
    """H >= 2: the MSE Hessian at W = 0 vanishes (non-strict saddle), numerically and in theory."""
    X, _ = pc.gaussian_toy_data(1, dim=widths[0], batch=16)
    Y = np.random.default_rng(2).normal(size=(widths[-1], 16)) - X[:1]
    Hn = pc.numerical_hessian(_origin(widths), X, Y, objective="mse")
    assert np.all(Hn == 0)
    assert np.all(pc.origin_hessian_theory(widths, X, Y, objective="mse") == 0)
    assert pc.classify_critical_point(Hn, is_minimum=False).kind == "non-strict saddle"


@pytest.mark.parametrize("widths", [[2, 10, 2], [3, 4, 2], [1, 1, 1]])
def test_mse_hessian_at_origin_one_hidden_layer_has_eigenvalues_plus_minus_singular_values(widths):
    """H = 1: MSE Hessian at W = 0 has eigenvalues ±σ_k(Σ_xy), each n_1 times, rest 0."""
    rng = np.random.default_rng(3)
    X = rng.normal(1, 0.5, size=(widths[0], 20))
    Y = rng.normal(size=(widths[-1], 20)) - X[:1]
    Hn = pc.numerical_hessian(_origin(widths), X, Y, objective="mse")
    Ht = pc.origin_hessian_theory(widths, X, Y, objective="mse")
    np.testing.assert_allclose(Hn, Ht, atol=1e-8)
    sig = np.linalg.svd(X @ Y.T / X.shape[1], compute_uv=False)
    n1, P = widths[1], Hn.shape[0]
    expected = np.concatenate([np.repeat(sig, n1), -np.repeat(sig, n1),
                               np.zeros(P - 2 * n1 * sig.size)])
    np.testing.assert_allclose(np.linalg.eigvalsh(Hn), np.sort(expected), atol=1e-8)
    assert pc.classify_critical_point(Hn).kind == "strict saddle"


@pytest.mark.parametrize("H,width,dim,altered",
                         [(1, 10, 2, False), (2, 5, 2, False), (3, 4, 3, False), (4, 4, 3, True)])
def test_energy_hessian_at_origin_matches_theory(H, width, dim, altered):
    """F* Hessian at W = 0 (finite differences) equals theory. H >= 2: only the W_L block,
    -Σ_yy ⊗ I, so λ_min = -λ_max(Σ_yy). H = 1: spectrum of [[0, -Σ_xy], [-Σ_yx, -Σ_yy]],
    each eigenvalue n_1 times. Either way the origin is a strict saddle of F*."""
    X, Y = pc.gaussian_toy_data(0, dim=dim, batch=64, altered_target=altered)
    widths = [dim] + [width] * H + [dim]
    Hn = pc.numerical_hessian(_origin(widths), X, Y, objective="energy")
    Ht = pc.origin_hessian_theory(widths, X, Y, objective="energy")
    np.testing.assert_allclose(Hn, Ht, atol=1e-7)
    B = X.shape[1]
    Syy, Sxy = Y @ Y.T / B, X @ Y.T / B
    lam = np.linalg.eigvalsh(Hn)
    if H >= 2:
        assert lam[0] == pytest.approx(-np.linalg.eigvalsh(Syy)[-1], abs=1e-7)
        expected = np.concatenate([np.repeat(-np.linalg.eigvalsh(Syy), width),
                                   np.zeros(Hn.shape[0] - dim * width)])
    else:
        M = np.block([[np.zeros((dim, dim)), -Sxy], [-Sxy.T, -Syy]])
        expected = np.repeat(np.linalg.eigvalsh(M), width)
    np.testing.assert_allclose(lam, np.sort(expected), atol=1e-7)
    c = pc.classify_critical_point(Hn)
    assert c.kind == "strict saddle" and c.lambda_min < 0
    assert c.lambda_min == pytest.approx(lam[0])


def test_scalar_one_hidden_unit_chain_eigenvalues():
    """Scalar chain L = 2 at the origin: F* eigenvalues (-σ_yy ± sqrt(σ_yy^2 + 4σ_xy^2))/2,
    MSE eigenvalues ±|σ_xy|."""
    X, Y = pc.toy_scalar_data(2)
    sxy, syy = (X @ Y.T).item() / 64, (Y @ Y.T).item() / 64
    lam_e = np.linalg.eigvalsh(pc.numerical_hessian([0.0, 0.0], X, Y, objective="energy"))
    lam_m = np.linalg.eigvalsh(pc.numerical_hessian([0.0, 0.0], X, Y, objective="mse"))
    root = np.sqrt(syy ** 2 + 4 * sxy ** 2)
    np.testing.assert_allclose(lam_e, [(-syy - root) / 2, (-syy + root) / 2], atol=1e-8)
    np.testing.assert_allclose(lam_m, [-abs(sxy), abs(sxy)], atol=1e-8)


@pytest.mark.parametrize("H", [3, 4])
def test_zero_rank_saddle_with_only_penultimate_weight_is_strict_for_energy_not_mse(H):
    """All W_l = 0 except W_{L-1}: W_{L:1} = 0 is a critical point; its MSE Hessian is zero
    (H >= 3) but the F* Hessian has W_L block -Σ_yy ⊗ M, M = I + Σ W_{L-1:l} W_{L-1:l}^T ⪰ I,
    so λ_min(F*) <= -λ_max(Σ_yy): a strict saddle."""
    X, Y = pc.gaussian_toy_data(0, dim=3, batch=64, altered_target=(H == 4))
    widths = [3] + [4] * H + [3]
    ws = pc.zero_rank_saddle_weights(widths, scale=0.5, seed=H)
    L = len(ws)
    assert np.all(np.abs(_flat(pc.mse_gradient(ws, X, Y))) < 1e-14)
    assert np.all(np.abs(_flat(pc.energy_gradient(ws, X, Y))) < 1e-12)
    Hm = pc.numerical_hessian(ws, X, Y, objective="mse")
    assert np.max(np.abs(Hm)) < 1e-9
    He = pc.numerical_hessian(ws, X, Y, objective="energy")
    Syy = Y @ Y.T / X.shape[1]
    c = pc.classify_critical_point(He)
    assert c.kind == "strict saddle"
    assert c.lambda_min <= -np.linalg.eigvalsh(Syy)[-1] + 1e-7
    M = np.eye(widths[L - 1])   # M = I + Σ_{l=2}^{L-1} W_{L-1:l} W_{L-1:l}^T, here W_{L-1} only
    M = M + ws[L - 2] @ ws[L - 2].T
    start = sum(w.size for w in ws[:-1])
    np.testing.assert_allclose(He[start:, start:], -np.kron(Syy, M), atol=1e-7)


def test_classifier_eigenvalues_skip_zero_rows_and_equal_the_full_eigensolver():
    """A zero row and column of a symmetric matrix is an eigenvector of eigenvalue 0: the
    classifier's eigenvalues (the submatrix's, plus zeros) equal numpy's for the full matrix,
    e.g. at the origin of a wide network (only the W_L block of F*'s Hessian is non-zero)."""
    X, Y = pc.gaussian_toy_data(0, dim=3)
    Hm = pc.origin_hessian_theory(pc.network_widths(3, 6, 3), X, Y)
    assert np.sum(np.any(Hm != 0, axis=0)) == 18 < Hm.shape[0]
    np.testing.assert_allclose(pc.classify_critical_point(Hm).eigenvalues,
                               np.linalg.eigvalsh(Hm), atol=1e-12)
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 5))
    full = np.zeros((8, 8))
    full[np.ix_([0, 2, 3, 5, 7], [0, 2, 3, 5, 7])] = A + A.T
    np.testing.assert_allclose(pc.classify_critical_point(full).eigenvalues,
                               np.linalg.eigvalsh(full), atol=1e-12)


def test_classifier_kinds_and_sentence():
    """Sign pattern of the eigenvalues decides the kind; the sentence quotes λ_min."""
    assert pc.classify_critical_point(np.diag([1.0, 2.0])).kind == "minimum"
    assert pc.classify_critical_point(np.diag([-1.0, -2.0])).kind == "maximum"
    c = pc.classify_critical_point(np.diag([-1.06, 0.0, 2.0]))
    assert c.kind == "strict saddle" and c.n_negative == 1 and c.n_zero == 1
    assert "λ_min = -1.06" in c.sentence
    assert pc.classify_critical_point(np.zeros((3, 3))).kind == "degenerate"
    assert pc.classify_critical_point(np.zeros((3, 3)), is_minimum=False).kind == "non-strict saddle"
    assert pc.classify_critical_point(np.diag([0.0, 1.0]), is_minimum=True).kind == "minimum"
    with pytest.raises(ValueError, match="symmetric"):
        pc.classify_critical_point(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="square"):
        pc.classify_critical_point(np.zeros((2, 3)))


# ----------------------------------------------------------------------- scalar landscapes
@pytest.mark.parametrize("depth,pair", [(2, (1, 2)), (3, (2, 3)), (4, (1, 4)), (5, (3, 2))])
def test_landscape_grid_equals_pointwise_evaluation(depth, pair):
    """Vectorised grid values (MSE, F*, F after k steps) and gradients equal point-by-point
    evaluation with the general solver."""
    X, Y = pc.toy_scalar_data(1, batch=32)
    rng = np.random.default_rng(depth)
    fixed = rng.uniform(-1, 1, depth)
    ga, gb = np.linspace(-1, 1, 5), np.linspace(-0.8, 1.1, 4)
    out = {
        ("mse", None): pc.scalar_chain_landscape(ga, gb, depth=depth, pair=pair, fixed=fixed,
                                                 X=X, Y=Y, objective="mse"),
        ("energy", None): pc.scalar_chain_landscape(ga, gb, depth=depth, pair=pair, fixed=fixed,
                                                    X=X, Y=Y, objective="energy"),
        ("energy", 3): pc.scalar_chain_landscape(ga, gb, depth=depth, pair=pair, fixed=fixed,
                                                 X=X, Y=Y, objective="energy", inference_steps=3),
    }
    for r in out.values():
        assert r.values.shape == (4, 5) and r.grad_a.shape == (4, 5)
    a, b = pair[0] - 1, pair[1] - 1
    for i in (0, 2, 3):
        for j in (0, 1, 4):
            w = fixed.copy()
            w[a], w[b] = ga[j], gb[i]
            ws = list(w)
            assert out[("mse", None)].values[i, j] == pytest.approx(pc.mse_loss(ws, X, Y), abs=1e-12)
            assert out[("energy", None)].values[i, j] == pytest.approx(
                pc.equilibrated_energy(ws, X, Y), abs=1e-12)
            assert out[("energy", 3)].values[i, j] == pytest.approx(
                pc.infer_activities(ws, X, Y, n_steps=3).energies[-1], abs=1e-12)
            gm = _flat(pc.mse_gradient(ws, X, Y))
            ge = _flat(pc.energy_gradient(ws, X, Y))
            assert out[("mse", None)].grad_a[i, j] == pytest.approx(gm[a], abs=1e-10)
            assert out[("mse", None)].grad_b[i, j] == pytest.approx(gm[b], abs=1e-10)
            assert out[("energy", None)].grad_a[i, j] == pytest.approx(ge[a], abs=1e-10)
            assert out[("energy", None)].grad_b[i, j] == pytest.approx(ge[b], abs=1e-10)
            fk = _fd_gradient(lambda v: pc.infer_activities(v, X, Y, n_steps=3).energies[-1],
                              [np.array([[x]]) for x in w])
            assert out[("energy", 3)].grad_a[i, j] == pytest.approx(fk[a], abs=1e-7)
            assert out[("energy", 3)].grad_b[i, j] == pytest.approx(fk[b], abs=1e-7)


@pytest.mark.parametrize("depth", [2, 3, 4, 6])
def test_landscape_zero_inference_steps_is_mse_and_many_steps_is_equilibrated_energy(depth):
    """F after k = 0 inference steps is the MSE (feed-forward start); k -> ∞ gives F*."""
    X, Y = pc.toy_scalar_data(0)
    g = np.linspace(-1, 1, 9)
    fixed = np.full(depth, 0.6)
    mse = pc.scalar_chain_landscape(g, g, depth=depth, fixed=fixed, X=X, Y=Y, objective="mse")
    f0 = pc.scalar_chain_landscape(g, g, depth=depth, fixed=fixed, X=X, Y=Y,
                                   objective="energy", inference_steps=0)
    fs = pc.scalar_chain_landscape(g, g, depth=depth, fixed=fixed, X=X, Y=Y, objective="energy")
    fk = pc.scalar_chain_landscape(g, g, depth=depth, fixed=fixed, X=X, Y=Y,
                                   objective="energy", inference_steps=3000, dt=0.2,
                                   gradient=False)
    np.testing.assert_allclose(f0.values, mse.values, atol=1e-14)
    np.testing.assert_allclose(f0.grad_a, mse.grad_a, atol=1e-12)
    np.testing.assert_allclose(fk.values, fs.values, atol=1e-10)
    assert np.all(fs.values <= mse.values + 1e-14)


def test_landscape_accepts_meshgrids_and_gradient_off():
    """2-D weight arrays of one shape are used as given; gradient=False skips the gradient."""
    X, Y = pc.toy_scalar_data(0)
    A, B = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4))
    r = pc.scalar_chain_landscape(A, B, depth=2, X=X, Y=Y, objective="energy", gradient=False)
    assert r.values.shape == (4, 3) and r.grad_a is None
    r2 = pc.scalar_chain_landscape(A[0], B[:, 0], depth=2, X=X, Y=Y, objective="energy")
    np.testing.assert_allclose(r.values, r2.values)


# ----------------------------------------------------------------------- training
def test_pc_escapes_the_origin_saddle_faster_than_backprop_on_toy_chain():
    """Toy scalar chain with H = 2 (x ~ N(1, 0.1^2), y = -x, w ~ N(0, 0.05^2), lr = 0.4):
    the origin is a non-strict saddle of the MSE but a strict saddle of F*, so PC (exact or
    20 inference steps) reaches MSE <= 0.01 in fewer steps than backprop, for every seed."""
    X, Y = pc.toy_scalar_data(0)
    ratios = []
    for seed in range(5):
        w0 = pc.init_weights([1, 1, 1, 1], 0.05, seed)
        bp = pc.train(w0, X, Y, method="bp", lr=0.4, n_steps=600)
        pe = pc.train(w0, X, Y, method="pc", lr=0.4, n_steps=600)
        pk = pc.train(w0, X, Y, method="pc", lr=0.4, n_steps=600, inference=20)
        t_bp, t_pe, t_pk = (pc.steps_to_escape(r, 0.01) for r in (bp, pe, pk))
        assert t_pe is not None and t_pk is not None and t_bp is not None
        assert t_pe < t_bp and t_pk < t_bp
        ratios.append(t_bp / t_pe)
    assert np.median(ratios) > 2


def test_training_records_aligned_series_and_gradient_descent_lowers_the_objective():
    """losses/energies/grad_norms have n + 1 entries; the trajectory starts at weights0;
    small-step BP decreases the MSE and exact PC decreases F* monotonically."""
    _, ws, X, Y = _random_problem(3, 5, scale=0.3)
    bp = pc.train(ws, X, Y, method="bp", lr=0.05, n_steps=30, record_weights=True)
    pe = pc.train(ws, X, Y, method="pc", lr=0.05, n_steps=30, record_weights=True)
    for r in (bp, pe):
        assert r.losses.shape == r.energies.shape == r.grad_norms.shape == (31,)
        assert r.weight_trajectory[0].shape == (31,) + ws[0].shape
        np.testing.assert_allclose(r.weight_trajectory[1][0], ws[1])
        np.testing.assert_allclose(r.weight_trajectory[2][-1], r.weights[2])
    assert np.all(np.diff(bp.losses) <= 1e-12)
    assert np.all(np.diff(pe.energies) <= 1e-12)
    assert bp.energies[0] == pytest.approx(pc.equilibrated_energy(ws, X, Y))


def test_training_divergence_raises_or_stops():
    """A far too large learning rate blows the weights up: a clear ValueError, or with
    on_divergence='stop' a truncated, finite record flagged diverged."""
    X, Y = pc.toy_scalar_data(0)
    w0 = [np.array([[1.0]]), np.array([[1.0]]), np.array([[1.0]])]
    with pytest.raises(ValueError, match="diverged"):
        pc.train(w0, X, Y, method="bp", lr=50.0, n_steps=200)
    r = pc.train(w0, X, Y, method="bp", lr=50.0, n_steps=200, on_divergence="stop",
                 record_weights=True)
    assert r.diverged and len(r.losses) < 201 and np.all(np.isfinite(r.losses))
    assert r.weight_trajectory[0].shape[0] == len(r.losses)
    assert pc.steps_to_escape(r, -1.0) is None
    np.testing.assert_allclose(r.weights[0], r.weight_trajectory[0][-1])
    with pytest.raises(ValueError, match="initial weights are too large"):
        pc.train([np.full((1, 1), 1e200)] * 3, X, Y, on_divergence="stop")


# ----------------------------------------------------------------------- toy data
def test_toy_data_follow_the_paper():
    """x ~ N(1, 0.1^2) and y = -x (shape (1, B)); Gaussian toy data Y = -X; the altered
    target replaces output row 2 by independent draws; equal seeds give equal data."""
    X, Y = pc.toy_scalar_data(3, batch=500)
    assert X.shape == Y.shape == (1, 500)
    np.testing.assert_array_equal(Y, -X)
    assert abs(X.mean() - 1) < 0.03 and abs(X.std() - 0.1) < 0.02
    np.testing.assert_array_equal(pc.toy_scalar_data(3, batch=500)[0], X)
    X2, Y2 = pc.gaussian_toy_data(1, dim=3, batch=64)
    assert X2.shape == (3, 64)
    np.testing.assert_array_equal(Y2, -X2)
    X3, Y3 = pc.gaussian_toy_data(1, dim=3, batch=64, altered_target=True)
    np.testing.assert_array_equal(X3, X2)
    np.testing.assert_array_equal(Y3[[0, 2]], -X3[[0, 2]])
    assert np.all(Y3[1] > 0)
    ws = pc.init_weights([3, 4, 2], 0.05, 0)
    assert [w.shape for w in ws] == [(4, 3), (2, 4)]
    assert np.all(pc.init_weights([3, 4, 2], 0.0, 0)[0] == 0)


# ----------------------------------------------------------------------- input validation
def test_depth_one_is_refused_with_a_clear_message():
    """One layer is not a deep network: 'need at least 2 layers (L >= 2), got 1'."""
    X, Y = pc.toy_scalar_data(0)
    msg = r"need at least 2 layers \(L >= 2\), got 1"
    for call in (lambda: pc.mse_loss([np.ones((1, 1))], X, Y),
                 lambda: pc.equilibrated_energy([np.ones((1, 1))], X, Y),
                 lambda: pc.rescaling_matrix([np.ones((1, 1))]),
                 lambda: pc.origin_hessian_theory([1, 1], X, Y),
                 lambda: pc.init_weights([1, 1], 0.1, 0),
                 lambda: pc.scalar_chain_landscape([0.0], [0.0], depth=1, X=X, Y=Y)):
        with pytest.raises(ValueError, match=msg):
            call()


def test_mismatched_shapes_name_the_layer():
    """Shapes that do not chain, or data of the wrong size, give a message naming the culprit."""
    X, Y = np.ones((3, 5)), np.ones((2, 5))
    ws = [np.ones((4, 3)), np.ones((4, 5)), np.ones((2, 4))]
    with pytest.raises(ValueError, match=r"W_2 has shape \(4, 5\) but W_1 has shape \(4, 3\)"):
        pc.mse_loss(ws, X, Y)
    good = [np.ones((4, 3)), np.ones((2, 4))]
    with pytest.raises(ValueError, match="X has 2 rows"):
        pc.equilibrated_energy(good, np.ones((2, 5)), Y)
    with pytest.raises(ValueError, match="Y has 3 rows"):
        pc.energy_gradient(good, X, np.ones((3, 5)))
    with pytest.raises(ValueError, match="same number of samples"):
        pc.train(good, X, np.ones((2, 4)))
    with pytest.raises(ValueError, match="need 1 hidden activities"):
        pc.pc_energy(good, [np.ones((4, 5)), np.ones((4, 5))], X, Y)
    with pytest.raises(ValueError, match=r"activity z_1 must have shape \(4, 5\)"):
        pc.pc_energy(good, [np.ones((3, 5))], X, Y)
    with pytest.raises(ValueError, match="W_2 must be finite"):
        pc.equilibrium_activities([np.ones((4, 3)), np.full((2, 4), np.nan)], X, Y)
    with pytest.raises(ValueError, match="unknown objective"):
        pc.numerical_hessian(good, X, Y, objective="loss")
    with pytest.raises(ValueError, match="unknown method"):
        pc.train(good, X, Y, method="sgd")
    with pytest.raises(ValueError, match="pair must name two different layers"):
        pc.scalar_chain_landscape([0.0], [0.0], depth=3, pair=(2, 2), X=X[:1], Y=Y[:1])
    with pytest.raises(ValueError, match="pair must be two layer indices"):
        pc.scalar_chain_landscape([0.0], [0.0], depth=3, pair=(1, 2, 3), X=X[:1], Y=Y[:1])
    with pytest.raises(ValueError, match="fixed must hold one weight per layer"):
        pc.scalar_chain_landscape([0.0], [0.0], depth=3, fixed=[0, 0], X=X[:1], Y=Y[:1])
    with pytest.raises(ValueError, match="inference_steps applies"):
        pc.scalar_chain_landscape([0.0], [0.0], depth=3, X=X[:1], Y=Y[:1], inference_steps=3)
    with pytest.raises(ValueError, match="inference diverged"):
        pc.infer_activities([np.full((1, 1), 30.0)] * 3, X[:1], Y[:1], n_steps=2000, dt=0.5)


_widths = st.lists(st.integers(1, 4), min_size=3, max_size=6)
_extreme = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, 1e-300, -1e-300, 1e150,
                                                           -1e150, 1e300, 5e-324]))


@st.composite
def _problems(draw):
    widths = draw(_widths)
    B = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    scale = draw(_extreme)
    ws = [scale * rng.standard_normal((widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    data_scale = draw(_extreme)
    X = data_scale * rng.standard_normal((widths[0], B))
    Y = rng.standard_normal((widths[-1], B))
    return ws, X, Y


def _finite_or_clear_error(fn):
    try:
        out = fn()
    except ValueError as err:
        assert str(err) and "Traceback" not in str(err)
        return None
    leaves = out if isinstance(out, (tuple, list)) else [out]
    for leaf in leaves:
        for v in (leaf if isinstance(leaf, (tuple, list)) else [leaf]):
            assert np.all(np.isfinite(v))
    return out


@given(_problems())
@FAST
def test_property_random_shapes_and_extreme_values_give_finite_results_or_value_errors(prob):
    """For any shapes and magnitudes every solver returns finite numbers or a ValueError."""
    ws, X, Y = prob
    _finite_or_clear_error(lambda: pc.mse_loss(ws, X, Y))
    _finite_or_clear_error(lambda: pc.rescaling_matrix(ws))
    _finite_or_clear_error(lambda: pc.equilibrated_energy(ws, X, Y))
    _finite_or_clear_error(lambda: pc.equilibrium_activities(ws, X, Y))
    _finite_or_clear_error(lambda: pc.mse_gradient(ws, X, Y))
    _finite_or_clear_error(lambda: pc.energy_gradient(ws, X, Y))
    _finite_or_clear_error(lambda: pc.infer_activities(ws, X, Y, n_steps=5).energies)
    _finite_or_clear_error(lambda: pc.numerical_hessian(ws, X, Y, objective="energy"))
    for method in ("bp", "pc"):
        _finite_or_clear_error(lambda: (lambda r: [r.losses, r.energies, r.grad_norms])(
            pc.train(ws, X, Y, method=method, lr=0.1, n_steps=3, on_divergence="stop")))


@given(_problems(), st.integers(0, 3))
@FAST
def test_property_mismatched_shapes_are_refused(prob, which):
    """Breaking the shape chain at any layer raises a ValueError naming that layer (for data
    the solvers take: |X| <= 1e150, larger data are refused for their size first)."""
    ws, X, Y = prob
    assume(np.abs(X).max() <= 1e150)
    ws = list(ws)
    bad = ws[which % len(ws)]
    ws[which % len(ws)] = np.ones((bad.shape[0], bad.shape[1] + 1))
    l = which % len(ws) + 1
    pattern = f"W_{l} has shape" if l > 1 else "X has"
    for fn in (pc.mse_loss, pc.equilibrated_energy, pc.mse_gradient, pc.energy_gradient):
        with pytest.raises(ValueError, match=pattern):
            fn(ws, X, Y)


@given(st.sampled_from([np.nan, np.inf, -np.inf]), st.integers(0, 5), _widths)
@FAST
def test_property_non_finite_weights_are_refused(bad, where, widths):
    """A NaN or inf anywhere in the weights raises 'W_l must be finite', never returns NaN."""
    ws = pc.init_weights(widths, 0.5, 0)
    l = where % len(ws)
    ws[l] = ws[l].copy()
    ws[l].flat[0] = bad
    X, Y = np.ones((widths[0], 3)), np.ones((widths[-1], 3))
    for fn in (pc.mse_loss, pc.equilibrated_energy, pc.energy_gradient,
               lambda w, x, y: pc.train(w, x, y, method="pc")):
        with pytest.raises(ValueError, match=f"W_{l + 1} must be finite"):
            fn(ws, X, Y)


@given(st.integers(-3, 1))
@FAST
def test_property_depth_below_two_is_refused(depth):
    """Depth L < 2 is refused with the learner-readable message."""
    X, Y = pc.toy_scalar_data(0)
    with pytest.raises(ValueError, match=r"L >= 2|depth must be"):
        pc.scalar_chain_landscape([0.0], [0.0], depth=depth, X=X, Y=Y)
    ws = [np.ones((1, 1))] * max(depth, 0)
    with pytest.raises(ValueError, match=rf"need at least 2 layers \(L >= 2\), got {max(depth, 0)}"):
        pc.mse_loss(ws, X, Y)


@given(st.lists(_extreme, min_size=2, max_size=2), st.integers(2, 6), st.integers(0, 20),
       st.sampled_from(["mse", "energy"]), _extreme)
@FAST
def test_property_landscape_is_finite_or_a_clear_error(span, depth, k, objective, fixed):
    """Extreme grids, fixed weights and step counts: a finite landscape or a ValueError."""
    X, Y = pc.toy_scalar_data(0, batch=8)
    grid = np.linspace(min(span), max(span), 6)
    kk = k if objective == "energy" and k % 2 else None
    _finite_or_clear_error(lambda: (lambda r: [r.values, r.grad_a, r.grad_b])(
        pc.scalar_chain_landscape(grid, grid[::-1], depth=depth, pair=(1, depth),
                                  fixed=np.full(depth, fixed), X=X, Y=Y, objective=objective,
                                  inference_steps=kk)))


@pytest.mark.parametrize("H", [2, 3])
def test_zero_rank_saddle_theory_matches_finite_differences(H):
    """At W_l = 0 except W_{L-1}: the theory Hessian (cross block for H = 2, W_L block
    −Σ_yy ⊗ M) equals numerical_hessian for the MSE and for F*."""
    X, Y = pc.gaussian_toy_data(0, dim=2, batch=64)
    ws = pc.zero_rank_saddle_weights([2] + [3] * H + [2], scale=0.8, seed=1)
    for obj in ("mse", "energy"):
        np.testing.assert_allclose(pc.zero_rank_saddle_hessian_theory(ws, X, Y, objective=obj),
                                   pc.numerical_hessian(ws, X, Y, objective=obj), atol=1e-7)


def test_zero_rank_saddle_theory_rejects_points_where_it_does_not_hold():
    X, Y = pc.gaussian_toy_data(0, dim=2, batch=64)
    with pytest.raises(ValueError, match="H ≥ 2"):
        pc.zero_rank_saddle_hessian_theory(pc.zero_rank_saddle_weights([2, 3, 2]), X, Y)
    ws = pc.init_weights([2, 3, 3, 2], 0.1, 0)
    with pytest.raises(ValueError, match="every weight except"):
        pc.zero_rank_saddle_hessian_theory(ws, X, Y)


# ----------------------------------------------------------------------- explorers' setups
def test_origin_loss_is_half_the_trace_of_the_output_covariance_and_the_threshold_a_fraction():
    """L(0) = F*(0) = ½ tr Σ_yy, and the escape threshold is 2 % of it."""
    X, Y = pc.gaussian_toy_data(0, dim=2, batch=64)
    zeros = _origin([2, 3, 2])
    half_trace = 0.5 * np.trace(Y @ Y.T / 64)
    assert pc.origin_loss(Y) == pytest.approx(half_trace, rel=1e-14)
    assert pc.origin_loss(Y) == pytest.approx(pc.mse_loss(zeros, X, Y), rel=1e-14)
    assert pc.origin_loss(Y) == pytest.approx(pc.equilibrated_energy(zeros, X, Y), rel=1e-14)
    assert pc.ESCAPE_FRACTION == 0.02
    assert pc.escape_threshold(Y) == pytest.approx(0.02 * half_trace, rel=1e-14)
    with pytest.raises(ValueError, match="fraction"):
        pc.escape_threshold(Y, fraction=-1)


@pytest.mark.parametrize("method", ["bp", "pc"])
def test_a_truncated_run_is_the_run_of_that_length_number_for_number(method):
    """Gradient descent is deterministic step by step: the first n steps of a long run are
    the run of n steps, exactly (losses, energies, norms, trajectory, last weights)."""
    _, ws, X, Y = _random_problem(3, 2, scale=0.3)
    long = pc.train(ws, X, Y, method=method, lr=0.1, n_steps=60, record_weights=True)
    short = pc.train(ws, X, Y, method=method, lr=0.1, n_steps=25, record_weights=True)
    cut = pc.truncate_run(long, 25)
    for name in ("losses", "energies", "grad_norms"):
        np.testing.assert_array_equal(getattr(cut, name), getattr(short, name))
    for a, b in zip(cut.weight_trajectory + cut.weights, short.weight_trajectory + short.weights):
        np.testing.assert_array_equal(a, b)
    assert pc.truncate_run(long, 80) is long
    with pytest.raises(ValueError, match="record_weights"):
        pc.truncate_run(pc.train(ws, X, Y, lr=0.1, n_steps=30), 10)


def test_training_stops_below_a_loss_at_the_first_step_that_gets_there():
    """stop_below: the run is the full run cut at its first step t with L(W_t) <= threshold,
    so escape_step equals steps_to_escape of the full run."""
    X, Y = pc.toy_scalar_data(0)
    ws = pc.init_weights([1, 1, 1, 1], 0.05, 0)
    thr = pc.escape_threshold(Y)
    for method in ("bp", "pc"):
        full = pc.train(ws, X, Y, method=method, lr=0.4, n_steps=250)
        t = pc.steps_to_escape(full, thr)
        stopped = pc.train(ws, X, Y, method=method, lr=0.4, n_steps=250, stop_below=thr)
        assert len(stopped.losses) == t + 1 and stopped.losses[-1] <= thr < stopped.losses[-2]
        np.testing.assert_array_equal(stopped.losses, full.losses[:t + 1])
        assert pc.escape_step(ws, X, Y, method=method, lr=0.4, n_steps=250, threshold=thr) == t
    assert pc.escape_step(ws, X, Y, method="bp", lr=0.4, n_steps=100, threshold=thr) is None


def test_bp_and_pc_from_one_start_are_the_two_trainings():
    X, Y = pc.toy_scalar_data(0)
    ws = pc.init_weights([1, 1, 1], 0.05, 0)
    both = pc.train_bp_and_pc(ws, X, Y, lr=0.4, n_steps=30)
    for m in ("bp", "pc"):
        one = pc.train(ws, X, Y, method=m, lr=0.4, n_steps=30, record_weights=True)
        np.testing.assert_array_equal(both[m].losses, one.losses)
        assert both[m].method == m


@pytest.mark.parametrize("n, block, expected", [(0, 50, 0), (1, 50, 50), (50, 50, 50),
                                                (51, 50, 100), (300, 50, 300), (7, 1, 7)])
def test_training_horizon_is_the_smallest_multiple_of_the_block_not_below_n(n, block, expected):
    assert pc.training_horizon(n, block) == expected


@pytest.mark.parametrize("depth", [2, 3, 6])
def test_slice_pairs_name_the_right_layers_and_the_random_chain_is_the_paper_init(depth):
    """'last two' = (L−1, L), 'first two' = (1, 2), 'first and last' = (1, L); the chain is
    init_weights of a scalar network, w_l ~ N(0, σ²)."""
    assert pc.slice_pair(depth, "last two") == (depth - 1, depth)
    assert pc.slice_pair(depth, "first two") == (1, 2)
    assert pc.slice_pair(depth, "first and last") == (1, depth)
    with pytest.raises(ValueError, match="pair"):
        pc.slice_pair(depth, "middle")
    w = pc.random_scalar_chain(depth, 0.05, 3)
    np.testing.assert_array_equal(w, [v.item() for v in pc.init_weights([1] * (depth + 1),
                                                                       0.05, 3)])
    assert pc.network_widths(3, 4, 2) == [2, 4, 4, 4, 2]


@pytest.mark.parametrize("H", [1, 2, 3])
@pytest.mark.parametrize("point", pc.SADDLE_POINTS)
def test_saddle_theory_hessians_match_finite_differences_at_both_zero_rank_saddles(H, point):
    """saddle_weights is a critical point (zero gradients) whose exact Hessians
    (saddle_hessian_theory) equal the finite-difference ones; the other saddle needs H ≥ 2."""
    X, Y = pc.gaussian_toy_data(0, dim=2, batch=64)
    widths = pc.network_widths(H, 3, 2)
    if point != "origin" and H == 1:
        with pytest.raises(ValueError, match="H ≥ 2"):
            pc.saddle_weights(widths, point)
        return
    ws = pc.saddle_weights(widths, point, scale=0.8, seed=1)
    assert pc.mse_loss(ws, X, Y) == pytest.approx(pc.origin_loss(Y))
    for objective, grad in (("mse", pc.mse_gradient), ("energy", pc.energy_gradient)):
        assert max(np.max(np.abs(g)) for g in grad(ws, X, Y)) < 1e-12
        np.testing.assert_allclose(pc.saddle_hessian_theory(ws, X, Y, objective=objective),
                                   pc.numerical_hessian(ws, X, Y, objective=objective),
                                   atol=1e-6)


@pytest.mark.parametrize("H", [1, 2, 4])
def test_classify_origin_strict_for_F_star_always_and_for_the_mse_only_with_one_hidden_layer(H):
    X, Y = pc.toy_scalar_data(0)
    c = pc.classify_origin([1] * (H + 2), X, Y)
    assert c["energy"].kind == "strict saddle"
    assert c["mse"].kind == ("strict saddle" if H == 1 else "non-strict saddle")
    words = pc.describe_saddles(c["energy"], c["mse"])
    assert words.startswith("strict saddle of F*, λ_min = ")
    assert ("non-strict saddle of the MSE (Hessian = 0)" in words) == (H > 1)


def test_escape_sentences_say_escaped_plateau_or_diverged():
    X, Y = pc.toy_scalar_data(0)
    thr = pc.escape_threshold(Y)
    ws = pc.init_weights([1, 1, 1, 1], 0.05, 0)
    assert pc.describe_escape("PC", pc.train(ws, X, Y, method="pc", n_steps=100), thr) \
        == "PC escapes at step 35"
    assert pc.describe_escape("BP", pc.train(ws, X, Y, n_steps=100), thr).startswith(
        "BP still on the plateau after 100 steps (MSE 0.511")
    far = [np.array([[1.5]])] * 4
    r = pc.train(far, X, Y, lr=1.5, n_steps=50, on_divergence="stop")
    assert r.diverged
    assert pc.describe_escape("BP", r, thr) == (f"BP diverged at step {len(r.losses)} "
                                                "(lower the learning rate)")


# ----------------------------------------------------------------------------- the toy protocol
def test_euler_inference_in_closed_form_equals_the_step_by_step_iteration():
    """k Euler steps z <- z - dt (A z - b) from the feed-forward pass are z* + (I - dt A)^k
    (z_0 - z*): the closed form used in training equals infer_activities' loop."""
    rng = np.random.default_rng(4)
    ws = [0.6 * rng.standard_normal(s) for s in ((4, 3), (5, 4), (2, 5))]
    X, Y = rng.standard_normal((3, 16)), rng.standard_normal((2, 16))
    for k in (0, 1, 7, 20):
        loop = pc.infer_activities(ws, X, Y, n_steps=k, dt=0.1).activities
        closed = pc._euler_activities(ws, X, Y, k, 0.1)
        for a, b in zip(loop, closed):
            np.testing.assert_allclose(b, a, atol=1e-12)


def test_euler_inference_converges_to_the_exact_equilibrium_and_lowers_the_energy():
    """k -> ∞: Euler inference reaches the exact equilibrium z* (a linear solve) and the
    energy F*; along the way it never raises the energy (dt < 2 / λ_max(activity Hessian));
    and PC training with k = 5000 Euler steps is PC training with exact inference."""
    ws, Xs, Ys = pc.toy_protocol(pc.network_widths(2, 3, 2), 0, 30)
    ws = [10 * w for w in ws]                      # away from the origin: a real inference
    X, Y = Xs[0], Ys[0]
    inf = pc.infer_activities(ws, X, Y, n_steps=20, dt=0.1)
    assert np.all(np.diff(inf.energies) <= 1e-15) and inf.energies[-1] < inf.energies[0]
    for a, b in zip(pc._euler_activities(ws, X, Y, 5000, 0.1), pc.equilibrium_activities(ws, X, Y)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    euler = pc.train_minibatch(ws, Xs, Ys, method="pc", inference=5000, dt=0.1)
    exact = pc.train_minibatch(ws, Xs, Ys, method="pc", inference="exact")
    np.testing.assert_allclose(euler.losses, exact.losses, rtol=1e-9)
    few = pc.train_minibatch(ws, Xs, Ys, method="pc", inference=2, dt=0.1)
    assert np.max(np.abs(few.losses - exact.losses)) > 1e-6      # k matters


def test_minibatch_step_is_the_local_pc_rule_at_the_inferred_activities():
    """Step t of train_minibatch: W_{t+1} = W_t − lr ∂F/∂W at the activities after k Euler
    steps on batch t (pc_weight_gradient), and the BP step is −lr ∇L on batch t."""
    ws, Xs, Ys = pc.toy_protocol(pc.network_widths(2, 2, 2), 3, 2)
    for method, inference in (("pc", 20), ("bp", "exact")):
        run = pc.train_minibatch(ws, Xs, Ys, method=method, inference=inference,
                                 record_weights=True)
        w = list(ws)
        for t in range(2):
            if method == "pc":
                z = pc.infer_activities(w, Xs[t], Ys[t], n_steps=20, dt=0.1).activities
                g = pc.pc_weight_gradient(w, z, Xs[t], Ys[t])
            else:
                g = pc.mse_gradient(w, Xs[t], Ys[t])
            assert run.losses[t] == pytest.approx(pc.mse_loss(w, Xs[t], Ys[t]), rel=1e-12)
            w = [a - 0.4 * b for a, b in zip(w, g)]
            for a, b in zip(run.weight_trajectory, w):
                np.testing.assert_allclose(a[t + 1], b, rtol=1e-10, atol=1e-15)


def test_minibatch_training_on_one_repeated_batch_is_full_batch_training():
    """The same batch at every step: train_minibatch equals train number for number."""
    X, Y = pc.gaussian_toy_data(0, dim=2)
    ws = pc.init_weights(pc.network_widths(2, 3, 2), 0.05, 1)
    for method, inference in (("bp", "exact"), ("pc", "exact"), ("pc", 20)):
        a = pc.train(ws, X, Y, method=method, inference=inference, n_steps=40)
        b = pc.train_minibatch(ws, np.stack([X] * 41), np.stack([Y] * 41), method=method,
                               inference=inference)
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(b.energies, a.energies, rtol=1e-12, atol=1e-300)


def test_toy_protocol_is_the_authors_random_stream_and_a_seed_reproduces():
    """np.random.seed(s); w = normal(0, 0.05, H + 1); then one normal(1, 0.1, 64) per step
    (the authors' notebook): the same numbers, the same again for the same seed, others for
    another seed; y = −x."""
    ws, Xs, Ys = pc.toy_protocol([1, 1, 1, 1], 2, 5)
    rs = np.random.RandomState(2)
    np.testing.assert_array_equal([w.item() for w in ws], rs.normal(0, 0.05, size=3))
    for t in range(6):
        np.testing.assert_array_equal(Xs[t, 0], rs.normal(1.0, 0.1, size=64))
    np.testing.assert_array_equal(Ys, -Xs)
    again = pc.toy_protocol([1, 1, 1, 1], 2, 5)
    np.testing.assert_array_equal(again[1], Xs)
    assert not np.allclose(pc.toy_protocol([1, 1, 1, 1], 3, 5)[1], Xs)
    skipped = pc.toy_protocol([1, 1, 1, 1], 2, 3, skip=2)
    np.testing.assert_array_equal(skipped[1], Xs[2:])
    r1 = pc.train_minibatch(ws, Xs, Ys, method="pc", inference=20)
    r2 = pc.train_minibatch(*again, method="pc", inference=20)
    np.testing.assert_array_equal(r1.losses, r2.losses)
    with pytest.raises(ValueError, match="widths"):
        pc.toy_protocol([1, 2, 3], 0, 5)
    with pytest.raises(ValueError, match="reduce n_steps"):
        pc.toy_protocol([3, 3, 3], 0, 1_000_000, batch=1000)


def test_protocol_escapes_reproduce_the_authors_numbers_for_fig_2():
    """The paper's Fig. 2 (H = 2, seed 2): BP ≈ 70 steps, PC ≈ 33. The authors' protocol
    (their stream, PC on the batches after BP's 100; escape = batch MSE < 2 % of ½ E y²)
    gives, for seeds 0-4, H = 2: BP 76/142/70/89/105, PC 29/33/33/38/35; H = 1: BP
    12/10/16/12/15, PC 12/11/15/12/14."""
    h2 = pc.protocol_escapes(2, pc_skip=pc.AUTHORS_BP_STEPS[2], n_steps=200)
    assert h2["bp"] == [76, 142, 70, 89, 105] and h2["pc"] == [29, 33, 33, 38, 35]
    assert (h2["bp"][2], h2["pc"][2]) == (70, 33)
    h1 = pc.protocol_escapes(1, pc_skip=pc.AUTHORS_BP_STEPS[1], n_steps=100)
    assert h1["bp"] == [12, 10, 16, 12, 15] and h1["pc"] == [12, 11, 15, 12, 14]
    assert pc.escape_statistics(h2["bp"]) == {"mean": 96.4, "min": 70, "max": 142,
                                              "escaped": 5, "n": 5}
    assert pc.escape_statistics([None, None])["mean"] is None


def test_seed_escape_steps_train_the_seeds_at_once_with_the_same_numbers():
    """Five runs stacked on a leading axis: the steps to escape equal the run-by-run ones
    (train_minibatch for fresh batches, escape_step for one fixed batch), also for Euler
    inference and for runs that diverge (None)."""
    widths = pc.network_widths(2, 1, 1)
    streams = [pc.toy_protocol(widths, s, 150) for s in range(5)]
    starts = [st[0] for st in streams]
    Xs = np.stack([st[1] for st in streams])
    thr = pc.toy_escape_threshold(1)
    for method, inference in (("bp", "exact"), ("pc", 20), ("pc", "exact")):
        got = pc.seed_escape_steps(starts, (Xs, -Xs), method=method, lr=0.4, n_steps=150,
                                   threshold=thr, inference=inference)
        ref = [pc.steps_to_escape(pc.train_minibatch(st, X, -X, method=method,
                                                     inference=inference,
                                                     on_divergence="stop", stop_below=thr), thr)
               for st, X in zip(starts, Xs)]
        assert got == ref and any(t is not None for t in got)
    X, Y = pc.gaussian_toy_data(0, dim=2)
    starts = [pc.init_weights(pc.network_widths(1, 4, 2), 0.05, s) for s in range(3)]
    for lr in (0.4, 1.5):                                 # 1.5 diverges
        for method in ("bp", "pc"):
            got = pc.seed_escape_steps(starts, (X, Y), method=method, lr=lr, n_steps=60,
                                       threshold=pc.escape_threshold(Y))
            assert got == [pc.escape_step(st, X, Y, method=method, lr=lr, n_steps=60,
                                          threshold=pc.escape_threshold(Y)) for st in starts]


def test_a_divergence_of_euler_inference_asks_to_reduce_dt():
    """Euler inference with dt ≥ 2 / λ_max(activity Hessian) blows up: the message names dt,
    not the learning rate (issue 14)."""
    X, Y = pc.gaussian_toy_data(0, dim=1)
    ws = pc.init_weights([1, 1, 1], 0.5, 0)
    with pytest.raises(ValueError, match="reduce dt"):
        pc.train(ws, X, Y, method="pc", inference=5, dt=50, n_steps=5)


# ----------------------------------------------------------------------------- continued runs
def test_joined_runs_and_continued_trainings_equal_one_run_number_for_number():
    """Gradient descent is step by step deterministic: a run continued from its last weights
    (on the batches that follow) is the run trained in one go, for a fixed batch and for
    fresh batches; an escape asked first trains only to the escape."""
    X, Y = pc.gaussian_toy_data(0, dim=1)
    ws = pc.init_weights([1, 1, 1, 1], 0.05, 0)
    a = pc.train(ws, X, Y, method="bp", n_steps=30, record_weights=True)
    b = pc.train(a.weights, X, Y, method="bp", n_steps=20, record_weights=True)
    one = pc.train(ws, X, Y, method="bp", n_steps=50, record_weights=True)
    joined = pc._joined(a, b)
    np.testing.assert_array_equal(joined.losses, one.losses)
    for x, y in zip(joined.weight_trajectory, one.weight_trajectory):
        np.testing.assert_array_equal(x, y)
    start, Xs, Ys = pc.toy_protocol([1, 1, 1, 1], 2, 120)
    for data, fresh in (((X, Y), lambda m, n: pc.train(ws, X, Y, method=m, n_steps=n,
                                                        inference=20, record_weights=True)),
                        ((Xs, Ys), lambda m, n: pc.train_minibatch(
                            start, Xs[:n + 1], Ys[:n + 1], method=m, inference=20,
                            record_weights=True))):
        tr = pc.Trainings(ws if data[0] is X else start, data, 0.4, inference=20)
        thr = pc.toy_escape_threshold(1)
        t = {m: tr.escape(m, 120, thr) for m in pc.METHODS}
        runs = tr.runs(120)
        for m in pc.METHODS:
            ref = fresh(m, 120)
            np.testing.assert_array_equal(runs[m].losses, ref.losses)
            assert t[m] == pc.steps_to_escape(ref, thr)
        if data[0] is Xs:
            assert (t["bp"], t["pc"]) == (70, 33)
    race = pc.Race(None, pc.toy_escape_threshold(1), 1, 1, 0.05, 0.4, 2, inference=20,
                   max_steps=120)
    assert race.escape(2, 120) == (70, 33)
    np.testing.assert_array_equal(race.start(2)[0], start[0])


# ----------------------------------------------------------------------------- eigen-plane
def test_eigenplane_mse_is_flat_and_fstar_curves_down_along_the_bottom_direction():
    """H = 2 wide net at the origin: the bottom eigen-direction of F*'s Hessian has eigenvalue
    −λ_max(Σ_yy) (an eigenvector: H v = λ v); on the plane of the top and bottom directions
    the MSE is flat (exactly ½ tr Σ_yy: W_{L:1} = 0 there), and F*'s second difference along
    the bottom direction is that eigenvalue."""
    widths = pc.network_widths(2, 4, 2)
    X, Y = pc.gaussian_toy_data(0, dim=2)
    d = pc.origin_eigendirections(widths, X, Y)
    Hm = pc.origin_hessian_theory(widths, X, Y)
    for k in ("bottom", "top"):
        np.testing.assert_allclose(Hm @ d[k], d[f"lambda_{k}"] * d[k], atol=1e-12)
        assert np.linalg.norm(d[k]) == pytest.approx(1.0)
    assert d["lambda_bottom"] == pytest.approx(-np.linalg.eigvalsh(Y @ Y.T / 64)[-1])
    assert d["lambda_top"] == pytest.approx(0.0, abs=1e-12)
    h = 1e-3
    plane = pc.eigenplane_landscape(widths, X, Y, (d["top"], d["bottom"]), extent=h, n=3)
    np.testing.assert_allclose(plane["mse"], pc.origin_loss(Y), rtol=1e-12)
    col = plane["energy"][:, 1]                  # a = 0, b = −h, 0, h
    assert (col[0] - 2 * col[1] + col[2]) / h**2 == pytest.approx(d["lambda_bottom"], rel=1e-5)
    big = pc.eigenplane_landscape(widths, X, Y, (d["top"], d["bottom"]), extent=1.0, n=5)
    assert big["energy"][0, 2] < big["energy"][2, 2] == pytest.approx(pc.origin_loss(Y))


def test_projected_trajectory_is_the_weights_dotted_with_the_directions():
    X, Y = pc.gaussian_toy_data(0, dim=2)
    widths = pc.network_widths(2, 3, 2)
    d = pc.origin_eigendirections(widths, X, Y)
    run = pc.train(pc.init_weights(widths, 0.05, 0), X, Y, method="pc", n_steps=5,
                   record_weights=True)
    a, b = pc.project_trajectory(run, (d["top"], d["bottom"]))
    for t in (0, 5):
        theta = pc.flatten_weights([w[t] for w in run.weight_trajectory])
        assert a[t] == pytest.approx(theta @ d["top"]) and b[t] == pytest.approx(theta @ d["bottom"])
    with pytest.raises(ValueError, match="record_weights"):
        pc.project_trajectory(pc.train(run.weights, X, Y, n_steps=1), (d["top"], d["bottom"]))


def test_inference_work_is_bounded_up_front():
    """n_steps = 10⁷ Euler steps (issue 14) is refused at once with a sentence saying what to
    reduce, instead of running for minutes; recording is bounded too."""
    import time
    X, Y = pc.gaussian_toy_data(0, dim=2)
    ws = pc.init_weights(pc.network_widths(2, 4, 2), 0.05, 0)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="reduce n_steps"):
        pc.infer_activities(ws, X, Y, n_steps=10**7)
    with pytest.raises(ValueError, match="record_trajectory=False"):
        pc.infer_activities(ws, X, Y, n_steps=100_000)
    assert time.perf_counter() - start < 1.0
    assert pc.infer_activities(ws, X, Y, n_steps=3000, record_trajectory=False).n_steps == 3000


def test_eigenplane_grid_equals_the_pointwise_mse_and_equilibrated_energy():
    """The vectorised plane is, point by point, mse_loss and equilibrated_energy at
    θ = a·u + b·v (brute force over a 4 × 4 grid, random unit directions, H = 3)."""
    rng = np.random.default_rng(3)
    widths = pc.network_widths(3, 3, 2)
    X, Y = pc.gaussian_toy_data(1, dim=2, batch=16)
    P = sum(a * b for a, b in zip(widths[1:], widths[:-1]))
    u, v = (x / np.linalg.norm(x) for x in rng.standard_normal((2, P)))
    plane = pc.eigenplane_landscape(widths, X, Y, (u, v), extent=0.9, n=4)
    shapes = [(b, a) for a, b in zip(widths[:-1], widths[1:])]
    for i, b in enumerate(plane["b"]):
        for j, a in enumerate(plane["a"]):
            ws = pc.unflatten_weights(a * u + b * v, shapes)
            assert plane["mse"][i, j] == pytest.approx(pc.mse_loss(ws, X, Y), rel=1e-12)
            assert plane["energy"][i, j] == pytest.approx(pc.equilibrated_energy(ws, X, Y),
                                                          rel=1e-12)


def test_chain_minima_are_where_the_product_fits_the_data():
    """p* = σ_xy / σ_xx minimises ½(σ_yy − 2pσ_xy + p²σ_xx) (zero derivative, brute force
    against nearby products); y = −x gives −1; the curves lie on w₁w₂w₃ = p* in the cube."""
    rng = np.random.default_rng(0)
    X = rng.normal(1, 0.1, (1, 32))
    Y = 0.7 * X + rng.normal(0, 0.2, (1, 32))
    p = pc.chain_minimum_product(X, Y)
    loss = lambda q: pc.mse_loss([1.0, 1.0, q], X, Y)       # noqa: E731
    assert loss(p) < min(loss(p - 1e-4), loss(p + 1e-4))
    assert pc.chain_minimum_product(*pc.toy_scalar_data(0)) == -1.0
    for c in pc.chain_minimum_curves(p, 1.5, n=4):
        np.testing.assert_allclose(np.prod(c, axis=1), p, rtol=1e-12)
        assert np.all(np.abs(c) <= 1.5 + 1e-12) and c.shape[1] == 3
    with pytest.raises(ValueError, match="inputs are all zero"):
        pc.chain_minimum_product(np.zeros((1, 4)), np.ones((1, 4)))


@pytest.mark.parametrize("inference", ["exact", 20])
def test_runs_trained_at_once_are_number_for_number_the_runs_trained_alone(inference):
    """train_runs stacks S networks of one shape and trains them in one loop; each run is,
    bit for bit (losses, energies, gradient norms, every recorded weight, divergence), the
    run train / train_minibatch gives alone: the same operations on the same numbers. Cases:
    BP and PC mixed, own horizons and stops, a diverging learning rate, a stream with own
    offsets."""
    for H, width, dim, scale, lr in ((1, 1, 1, 0.05, 0.4), (2, 4, 2, 0.5, 1.5),
                                     (3, 3, 2, 0.05, 0.4), (2, 1, 1, 0.5, 1.5)):
        widths = pc.network_widths(H, width, dim)
        X, Y = pc.gaussian_toy_data(0, dim=dim)
        starts = [pc.init_weights(widths, scale, s) for s in range(3)]
        methods, steps, stops = ["pc", "bp", "pc"], [60, 40, 50], [None, 0.01, None]
        got = pc.train_runs(starts, (X, Y), methods=methods, lr=lr, n_steps=steps,
                            inference=inference, stop_below=stops)
        refs = [pc.train(st, X, Y, method=m, lr=lr, n_steps=n, inference=inference,
                         record_weights=True, on_divergence="stop", stop_below=sb)
                for st, m, n, sb in zip(starts, methods, steps, stops)]
        ws, Xs, Ys = pc.toy_protocol(widths, 1, 120)
        got += pc.train_runs([ws, ws], (Xs, Ys), methods=["bp", "pc"], lr=lr,
                             n_steps=[50, 60], inference=inference, offsets=[3, 0])
        refs += [pc.train_minibatch(ws, Xs[o:o + n + 1], Ys[o:o + n + 1], method=m, lr=lr,
                                    inference=inference, record_weights=True,
                                    on_divergence="stop")
                 for m, o, n in (("bp", 3, 50), ("pc", 0, 60))]
        for a, b in zip(got, refs):
            for name in ("losses", "energies", "grad_norms"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
            for x, y in zip(a.weight_trajectory + a.weights, b.weight_trajectory + b.weights):
                np.testing.assert_array_equal(x, y)
            assert (a.diverged, a.method) == (b.diverged, b.method)
    assert any(r.diverged for r in got)          # the diverging case is among them
    with pytest.raises(ValueError, match="same shapes"):
        pc.train_runs([starts[0], pc.init_weights([1, 2, 1], 0.1, 0)], (X, Y), methods="bp")


@pytest.mark.parametrize("fresh", [False, True])
def test_depth_sweep_escapes_are_the_runs_trained_one_by_one(fresh):
    """Backprop of depths 1-5 in one identity-padded loop (I h = h, Iᵀ δ = δ exactly) and PC
    depth by depth give, for every depth, the steps to escape of train / train_minibatch run
    alone (widths 1 and 3, a diverging learning rate, fixed and fresh batches)."""
    for width, dim, scale, lr in ((1, 1, 0.05, 0.4), (3, 2, 0.5, 1.5), (3, 1, 0.05, 0.4)):
        if fresh:
            streams = [pc.toy_protocol(pc.network_widths(H, width, dim), 0, 150, scale=scale)
                       for H in range(1, 6)]
            starts = [s[0] for s in streams]
            Xs = np.stack([s[1] for s in streams])
            data, thr = (Xs, -Xs), pc.toy_escape_threshold(dim)
        else:
            X, Y = pc.gaussian_toy_data(0, dim=dim)
            data, thr = (X, Y), pc.escape_threshold(Y)
            starts = [pc.init_weights(pc.network_widths(H, width, dim), scale, 0)
                      for H in range(1, 6)]
        got = pc.depth_sweep_escapes(starts, data, lr=lr, n_steps=150, threshold=thr,
                                     inference=20)
        for i, st in enumerate(starts):
            for m in ("bp", "pc"):
                kw = dict(method=m, lr=lr, inference=20, on_divergence="stop", stop_below=thr)
                run = (pc.train_minibatch(st, Xs[i], -Xs[i], **kw) if fresh else
                       pc.train(st, X, Y, n_steps=150, **kw))
                assert got[m][i] == pc.steps_to_escape(run, thr), (width, dim, lr, i, m)
        # a longer horizon continues the runs on the plateau: the numbers of one go
        sweep = pc.DepthSweep(starts, data, lr=lr, threshold=thr, inference=20)
        short = sweep.escapes(60)
        assert sweep.escapes(150) == got
        assert short == {m: [t if t is not None and t <= 60 else None for t in ts]
                         for m, ts in got.items()} == sweep.escapes(60)
    with pytest.raises(ValueError, match="one width"):
        pc.depth_sweep_escapes([pc.init_weights([1, 2, 2, 1], 0.1, 0),
                                pc.init_weights([1, 3, 1], 0.1, 0)],
                               pc.gaussian_toy_data(0, dim=1), lr=0.4, n_steps=5,
                               threshold=0.01)
