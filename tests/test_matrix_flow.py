"""The matrix case of de Oliveira, Jatkar & Sontag (Def. 1 / Prop. 2, Thm 3), see
docs/science/overparameterized-gradient-flow.md: the solver saddle_widgets.solvers.matrix_flow
against theory, then MatrixFlowExplorer headless (every preset's promise on ``w.results``).

Notation: x = W2 W1 with W1 (h x n), W2 (m x h); g = ½‖W2 W1 − Y‖²_F; E = W2 W1 − Y;
∇_W1 g = W2ᵀE, ∇_W2 g = E W1ᵀ; C = W1 W1ᵀ − W2ᵀ W2. Each test names the fact it checks.
"""
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddle_widgets.solvers import gradient_flow as gf
from saddle_widgets.solvers import matrix_flow as mf

FAST = settings(max_examples=10, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
Y2 = np.diag([2.0, 1.0])                      # rank 2, distinct singular values
Y1 = np.diag([2.0, 0.0])                      # rank 1
TOL_CONSERVED = 1e-8


def _flow(W1, W2, Y, horizon=10.0, n=101, **kw):
    return mf.integrate_matrix_flow(W1, W2, Y, np.linspace(0.0, horizon, n), **kw)


def _random_matrices(seed, *shapes, scale=0.7):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(s) for s in shapes]


# ----------------------------------------------------------------------------- Prop. 2
@FAST
@given(seed=st.integers(0, 10_000), scale=st.floats(0.05, 2.0),
       imbalance=st.floats(-2.0, 2.0), reflect=st.booleans(),
       target=st.sampled_from(["rank 2", "rank 1", "random"]))
def test_prop2_C_is_conserved_along_the_flow_from_random_starts(seed, scale, imbalance, reflect,
                                                                target):
    """Prop. 2: dC/dt = −W2ᵀE W1ᵀ − W1EᵀW2 + W1EᵀW2 + W2ᵀEW1ᵀ = 0, so
    max_t max|C(t) − C(0)| <= 1e-8 along the integrated flow, while the weights move."""
    Y = {"rank 2": Y2, "rank 1": Y1,
         "random": np.random.default_rng(seed + 1).standard_normal((2, 2))}[target]
    W1, W2 = mf.matrix_start(seed, scale, imbalance, reflect=reflect)
    r = _flow(W1, W2, Y, horizon=8.0, n=41)
    assert r.conserved_drift <= TOL_CONSERVED
    np.testing.assert_allclose(r.conserved, mf.conserved(r.W1, r.W2))
    moved = np.max(np.abs(r.W1 - r.W1[0])) + np.max(np.abs(r.W2 - r.W2[0]))
    assert moved > 1e-3 or r.grad_norm[0] < 1e-3          # not vacuous


@pytest.mark.parametrize("h, n, m", [(3, 2, 4), (1, 3, 2), (4, 4, 1)])
def test_prop2_holds_for_rectangular_weights_of_any_width(h, n, m):
    """Prop. 2 for any shapes: W1 (h x n), W2 (m x h): C (h x h) stays constant."""
    W1, W2, Y = _random_matrices(h * 10 + n, (h, n), (m, h), (m, n))
    r = _flow(W1, W2, Y, horizon=6.0, n=31)
    assert r.conserved.shape == (31, h, h) and r.product.shape == (31, m, n)
    assert r.conserved_drift <= TOL_CONSERVED
    assert np.max(np.abs(r.W1 - r.W1[0])) > 1e-2


# ----------------------------------------------------------------------------- g and ∇g
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_gradient_of_g_is_W2T_E_and_E_W1T_by_finite_differences(seed):
    """∇_W1 g = W2ᵀ(W2W1 − Y), ∇_W2 g = (W2W1 − Y)W1ᵀ: central differences of g agree
    to 1e-8 (g is a quartic polynomial: the O(ε²) error is tiny)."""
    W1, W2, Y = _random_matrices(seed, (2, 3), (4, 2), (4, 3), scale=1.0)
    G1, G2 = mf.gradient(W1, W2, Y)
    eps = 1e-6
    for W, G, which in ((W1, G1, 0), (W2, G2, 1)):
        fd = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            d = np.zeros_like(W)
            d[idx] = eps
            plus = (W1 + d, W2) if which == 0 else (W1, W2 + d)
            minus = (W1 - d, W2) if which == 0 else (W1, W2 - d)
            fd[idx] = (mf.loss(*plus, Y) - mf.loss(*minus, Y)) / (2 * eps)
        np.testing.assert_allclose(G, fd, atol=1e-8)
    assert mf.grad_norm(W1, W2, Y) == pytest.approx(np.sqrt(np.sum(G1**2) + np.sum(G2**2)))


def test_the_hessian_of_g_matches_finite_differences_of_its_gradient():
    """d²g[Δ, Δ'] = ⟨Δ2W1 + W2Δ1, Δ2'W1 + W2Δ1'⟩ + ⟨E, Δ2Δ1' + Δ2'Δ1⟩: the exact Hessian
    equals central differences of ∇g (to 1e-7) and is symmetric."""
    W1, W2, Y = _random_matrices(5, (2, 2), (2, 2), (2, 2), scale=1.0)
    H = mf.hessian(W1, W2, Y)
    w = np.r_[W1.ravel(), W2.ravel()]
    grad = lambda v: np.r_[[g.ravel() for g in mf.gradient(v[:4].reshape(2, 2),  # noqa: E731
                                                           v[4:].reshape(2, 2), Y)]].ravel()
    eps = 1e-6
    fd = np.array([(grad(w + eps * e) - grad(w - eps * e)) / (2 * eps) for e in np.eye(8)])
    np.testing.assert_allclose(H, fd, atol=1e-7)
    np.testing.assert_allclose(H, H.T)


@pytest.mark.parametrize("seed", [0, 4, 9])
def test_the_loss_is_non_increasing_and_dg_dt_is_minus_the_squared_gradient(seed):
    """Along a gradient flow dg/dt = −‖∇g‖² <= 0: the sampled loss never increases
    (beyond 1e-12), and its time derivative (central differences, step 0.005) equals
    −‖∇g‖² to 0.1 %."""
    W1, W2 = mf.matrix_start(seed, 1.0, 0.4)
    r = _flow(W1, W2, Y2, horizon=4.0, n=801)
    assert np.all(np.diff(r.loss) <= 1e-12)
    dt = r.t[1] - r.t[0]
    dg = (r.loss[2:] - r.loss[:-2]) / (2 * dt)
    np.testing.assert_allclose(dg, -r.grad_norm[1:-1] ** 2, rtol=1e-3, atol=1e-6)


# ----------------------------------------------------------------------------- Thm 3
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("Y", [Y2, np.array([[0.5, -1.2], [0.8, 0.3]])], ids=["diag", "full"])
def test_thm3_a_generic_start_stays_bounded_and_converges_to_the_global_minimum(seed, Y):
    """Thm 3: f proper and analytic, so the flow is bounded and converges to a critical
    point (‖∇g‖ -> 0); from a generic start (here C(0) = 0.3 N ≠ 0) that point is the global
    minimum W2W1 = Y."""
    W1, W2 = mf.matrix_start(seed, 0.5, 0.3)
    r = _flow(W1, W2, Y, horizon=25.0, n=51)
    assert np.all(np.isfinite(r.W1)) and np.max(np.abs(r.W1)) < 10
    assert r.grad_norm[-1] < mf.GRAD_TOL
    np.testing.assert_allclose(r.product[-1], Y, atol=1e-6)
    assert mf.classify_end_point(r.W1[-1], r.W2[-1], Y).kind == "global minimum"


def test_a_start_on_a_saddle_stays_there_and_the_saddle_is_strict():
    """∇g = 0 at W1 = Σ_S^½Vᵀ, W2 = UΣ_S^½ (S = {σ1}): the flow does not move (to 1e-10),
    W2W1 = σ1u1v1ᵀ ≠ Y, and the Hessian has a negative eigenvalue (Thm 4: a strict saddle;
    here −σ2 = −1)."""
    W1, W2 = mf.saddle_start(Y2)
    assert mf.grad_norm(W1, W2, Y2) < 1e-14
    r = _flow(W1, W2, Y2, horizon=20.0)
    assert np.max(np.abs(r.W1 - W1)) < 1e-10 and np.max(np.abs(r.W2 - W2)) < 1e-10
    end = mf.classify_end_point(r.W1[-1], r.W2[-1], Y2)
    assert end.kind == "saddle" and end.loss == pytest.approx(0.5)
    assert end.lambda_min == pytest.approx(-1.0, abs=1e-9)


@pytest.mark.parametrize("Y", [Y2, np.array([[0.5, -1.2], [0.8, 0.3]])], ids=["diag", "full"])
def test_every_critical_product_keeps_a_subset_of_the_singular_directions(Y):
    """Baldi & Hornik: W2W1 = Σ_{i∈S} σ_i u_i v_iᵀ is a critical point for every subset S,
    with g = ½ Σ_{i∉S} σ_i²; only S = all is the minimum, the others are strict saddles."""
    s = np.linalg.svd(Y, compute_uv=False)
    values = {c.kept: c.value for c in mf.critical_values(Y)}
    assert set(values) == {(), (0,), (1,), (0, 1)}
    for S in values:
        W1, W2 = mf.saddle_start(Y, keep=S)
        assert mf.grad_norm(W1, W2, Y) < 1e-12
        assert mf.loss(W1, W2, Y) == pytest.approx(0.5 * sum(s[i] ** 2 for i in (0, 1)
                                                             if i not in S))
        assert mf.loss(W1, W2, Y) == pytest.approx(values[S], abs=1e-12)
        lam = np.linalg.eigvalsh(mf.hessian(W1, W2, Y))[0]
        assert (lam > -1e-9) if S == (0, 1) else (lam < -0.1)


def test_a_start_in_one_singular_direction_converges_to_the_saddle_not_to_Y():
    """[D] W1 = a e1v1ᵀ, W2 = b u1e1ᵀ is an invariant subspace: the flow converges to the
    critical point σ1u1v1ᵀ (∇g -> 0), a saddle with g = ½σ2², never to Y; C stays
    (a² − b²) e1e1ᵀ."""
    W1, W2 = mf.aligned_start(Y2, 0.5, 0.7)
    r = _flow(W1, W2, Y2, horizon=15.0)
    np.testing.assert_allclose(r.product[-1], np.diag([2.0, 0.0]), atol=1e-7)
    assert np.all(r.W1[:, 1, :] == 0) and np.all(r.W2[:, :, 1] == 0)
    np.testing.assert_allclose(r.conserved[0], np.diag([0.7, 0.0]), atol=1e-12)
    assert r.conserved_drift < TOL_CONSERVED
    assert mf.classify_end_point(r.W1[-1], r.W2[-1], Y2).kind == "saddle"


# ----------------------------------------------------------------------------- the scalar case
@pytest.mark.parametrize("w1, w2, y", [(0.3, 0.8, 1.0), (1.2, -0.4, -0.5), (0.05, 0.05, 2.0)])
def test_the_1x1_case_is_the_scalar_flow_of_integrate_flow(w1, w2, y):
    """For 1 x 1 matrices g = ½(w2w1 − y)², the quadratic cost f = (x − y)²/2 of
    gradient_flow: both integrators give the same w1(t), w2(t) (to 1e-8) and C = w1² − w2²."""
    t = np.linspace(0.0, 6.0, 61)
    r = mf.integrate_matrix_flow([[w1]], [[w2]], [[y]], t)
    ref = gf.integrate_flow("quadratic", w1, w2, t, target=y)
    np.testing.assert_allclose(r.W1[:, 0, 0], ref.w1[:, 0], atol=1e-8)
    np.testing.assert_allclose(r.W2[:, 0, 0], ref.w2[:, 0], atol=1e-8)
    np.testing.assert_allclose(r.loss, ref.loss, atol=1e-10)
    np.testing.assert_allclose(r.conserved[:, 0, 0], ref.conserved, atol=1e-8)


# ----------------------------------------------------------------------------- starts
@pytest.mark.parametrize("seed, scale, lam, reflect",
                         [(0, 0.5, 0.5, False), (3, 1.2, -0.8, True), (7, 0.0, 1.0, False),
                          (2, 0.3, 0.0, True)])
def test_matrix_start_has_C_equal_to_lambda_N_and_the_chosen_size_and_det_sign(
        seed, scale, lam, reflect):
    """matrix_start: W1W1ᵀ = M + λ₊N, W2ᵀW2 = M + λ₋N, so C(0) = λN exactly (N positive
    definite, eigenvalues 1.5 and 0.5); λ = 0 is balanced with ‖W1‖_F = ‖W2‖_F = scale;
    sign det W2W1 = −1 with reflect (else +1); the same seed gives the same start."""
    W1, W2 = mf.matrix_start(seed, scale, lam, reflect=reflect)
    N = mf.imbalance_direction(seed)
    np.testing.assert_allclose(np.linalg.eigvalsh(N), [0.5, 1.5])
    np.testing.assert_allclose(mf.conserved(W1, W2), lam * N, atol=1e-12)
    if lam == 0:
        assert np.linalg.norm(W1) == pytest.approx(scale)
        assert np.linalg.norm(W2) == pytest.approx(scale)
    if scale > 0:
        assert np.sign(np.linalg.det(W2 @ W1)) == (-1 if reflect else 1)
    again = mf.matrix_start(seed, scale, lam, reflect=reflect)
    np.testing.assert_array_equal(again[0], W1)


def test_a_balanced_flow_keeps_the_sign_of_det_W2W1_and_heads_for_a_saddle():
    """[D] Balanced (C = 0): W2 = O(W1W1ᵀ)^½ with O orthogonal, so W1⁻¹W2ᵀ is orthogonal and
    d ln|det W1|/dt = −tr(W1⁻¹W2ᵀE) >= −‖E‖_*: |det W1(t)| >= |det W1(0)| e^(−Kt), det W2W1
    keeps its sign. With det W2W1(0) < 0 < det Y the flow cannot reach Y: by t = 10 it sits
    at the rank-1 saddle's loss g = ½σ2² = 0.5."""
    W1, W2 = mf.matrix_start(0, 0.5, 0.0, reflect=True)
    r = _flow(W1, W2, Y2, horizon=10.0, n=201)
    det = np.linalg.det(r.product)
    assert np.all(det < 0)
    E = r.product - Y2
    K = max(np.linalg.svd(e, compute_uv=False).sum() for e in E)
    bound = abs(np.linalg.det(W1)) * np.exp(-K * r.t)
    assert np.all(np.abs(np.linalg.det(r.W1)) >= bound * (1 - 1e-6))
    assert r.loss[-1] == pytest.approx(0.5, abs=1e-6)
    assert mf.classify_end_point(r.W1[-1], r.W2[-1], Y2).kind != "global minimum"


def test_an_imbalance_lets_det_W2W1_change_sign_and_the_flow_reach_Y():
    """[D] With C = λN, λ > 0, W1W1ᵀ >= λ·0.5·I keeps W1 invertible while W2 may pass through
    rank 1: det W2W1 goes from < 0 to det Y > 0 and the flow reaches the global minimum."""
    W1, W2 = mf.matrix_start(0, 0.5, 0.5, reflect=True)
    r = _flow(W1, W2, Y2, horizon=10.0)
    det = np.linalg.det(r.product)
    assert det[0] < 0 and det[-1] == pytest.approx(2.0, abs=1e-6)
    assert np.all(np.linalg.svd(r.W1, compute_uv=False)[:, -1] ** 2 >= 0.25 - 1e-9)
    assert mf.classify_end_point(r.W1[-1], r.W2[-1], Y2).kind == "global minimum"


def test_the_unused_direction_of_a_rank1_target_decays_algebraically_when_balanced():
    """[D] For Y = diag(2, 0) the leftover p = ‖W2W1 − Y‖ follows the scalar reduced flow
    with target 0, dp/dt = −p·sqrt(c² + 4p²): balanced (c = 0), p ≈ p0 / (1 + 2 p0 (t − t0))
    (to 5 % from t0 = 10 to 40); with imbalance it decays exponentially instead."""
    t = np.linspace(0.0, 40.0, 81)
    bal = mf.integrate_matrix_flow(*mf.matrix_start(0, 0.5, 0.0), Y1, t)
    p = np.linalg.norm(bal.product - Y1, axis=(1, 2))
    late = t >= 10
    p0 = p[t == 10][0]
    np.testing.assert_allclose(p[late], p0 / (1 + 2 * p0 * (t[late] - 10)), rtol=0.05)
    imb = mf.integrate_matrix_flow(*mf.matrix_start(0, 0.5, 1.5), Y1, t)
    q = np.linalg.norm(imb.product - Y1, axis=(1, 2))
    assert q[t == 20][0] < 1e-3 * q[t == 10][0]
    np.testing.assert_allclose(imb.conserved[-1], 1.5 * mf.imbalance_direction(0), atol=1e-9)


# ----------------------------------------------------------------------------- bad inputs
GOOD = dict(W1=np.eye(2), W2=np.eye(2), Y=Y2, t=np.linspace(0, 1, 5))


@pytest.mark.parametrize("change, match", [
    ({"W1": np.eye(3)}, "as many columns as W1 has rows"),
    ({"Y": np.eye(3)}, "Y must have the shape of W2 W1"),
    ({"W1": np.ones(2)}, "W1 must have 2 dimension"),
    ({"W2": [[np.nan, 0], [0, 1]]}, "W2 must be finite"),
    ({"Y": [[np.inf, 0], [0, 1]]}, "Y must be finite"),
    ({"W1": "abc"}, "W1 must be numeric"),
    ({"t": [0.0, 2.0, 1.0]}, "increasing"),
    ({"t": [-1.0, 1.0]}, ">= 0"),
    ({"t": []}, "at least one time"),
    ({"t": [0.0, np.nan]}, "t must be finite"),
])
def test_bad_inputs_to_the_flow_are_value_errors_with_a_clear_message(change, match):
    args = {**GOOD, **change}
    with pytest.raises(ValueError, match=match):
        mf.integrate_matrix_flow(args["W1"], args["W2"], args["Y"], args["t"])


@pytest.mark.parametrize("call, match", [
    (lambda: mf.integrate_matrix_flow(*GOOD.values(), rtol=-1e-8), "rtol must be > 0"),
    (lambda: mf.integrate_matrix_flow(*GOOD.values(), rtol=0.5), "rtol must be <= 0.01"),
    (lambda: mf.integrate_matrix_flow(*GOOD.values(), max_step=0), "max_step must be > 0"),
    (lambda: mf.matrix_start(0, -0.1, 0.0), "scale must be >= 0"),
    (lambda: mf.matrix_start(0, np.nan, 0.0), "scale must be finite"),
    (lambda: mf.matrix_start(0, 0.5, np.inf), "imbalance must be finite"),
    (lambda: mf.matrix_start(-1, 0.5, 0.0), "seed must be >= 0"),
    (lambda: mf.matrix_start(1.5, 0.5, 0.0), "seed must be a whole number"),
    (lambda: mf.matrix_start(0, 0.5, 0.0, reflect=1), "reflect must be True or False"),
    (lambda: mf.aligned_start(Y2, -1.0), "scale must be >= 0"),
    (lambda: mf.aligned_start(Y2, 0.5, direction=2), "direction must be <= 1"),
    (lambda: mf.saddle_start(Y2, keep=(3,)), "keep must be <= 1"),
    (lambda: mf.saddle_start([[np.nan]]), "Y must be finite"),
    (lambda: mf.classify_end_point(np.eye(2), np.eye(2), Y2, grad_tol=0), "grad_tol must be > 0"),
    (lambda: mf.hessian(np.eye(2), np.eye(3), Y2), "as many columns"),
    (lambda: mf.loss(np.eye(2), np.eye(2), [[np.nan, 0], [0, 1]]), "Y must be finite"),
    (lambda: mf.gradient(np.ones(2), np.eye(2), Y2), "must be matrices"),
    (lambda: mf.conserved(np.eye(2), np.eye(3)), "as many columns"),
    (lambda: mf.grad_norm(np.eye(2), np.eye(2), np.eye(3)), "Y must have the shape"),
])
def test_bad_inputs_to_starts_and_classification_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@FAST
@given(w=st.lists(st.floats(-1e3, 1e3) | st.sampled_from([np.nan, np.inf, 1e300]), min_size=8,
                  max_size=8),
       horizon=st.floats(0.0, 5.0))
def test_random_inputs_give_a_finite_answer_or_a_value_error(w, horizon):
    """Property: never a crash, a hang or a NaN: a finite result or a ValueError."""
    W1, W2 = np.reshape(w[:4], (2, 2)), np.reshape(w[4:], (2, 2)) * 1e-3
    try:
        r = mf.integrate_matrix_flow(W1, W2, Y2, np.linspace(0.0, horizon, 5), rtol=1e-6)
    except ValueError:
        return
    for a in (r.W1, r.W2, r.loss, r.conserved, r.grad_norm):
        assert np.all(np.isfinite(a))


# ============================================================================= the widget
@pytest.fixture(scope="module")
def widget():
    from saddle_widgets import MatrixFlowExplorer
    w = MatrixFlowExplorer(canvas="agg")
    yield w
    w.close()


def test_the_widget_shows_the_solvers_answer_and_reports_drift_and_end_point(widget):
    widget.reset()
    assert widget.error is None
    run = widget.results["run"]
    from saddle_widgets.widgets.matrix_flow import RTOL
    W1, W2 = mf.matrix_start(0, 0.5, 0.5)
    ref = mf.integrate_matrix_flow(W1, W2, Y2, run.t, rtol=RTOL)
    np.testing.assert_allclose(run.W1, ref.W1, atol=1e-12)
    np.testing.assert_allclose(widget.loss_panel["line"].get_ydata(), np.maximum(ref.loss, 1e-300))
    np.testing.assert_allclose(widget.loss_panel["line"].get_xdata(), run.t / run.t[-1])
    unit = widget.results["entry_unit"]                  # the C panel shows values / U
    np.testing.assert_allclose(widget.entries["c12"].get_ydata() * unit, ref.conserved[:, 0, 1])
    labels = [t.get_text() for t in widget.entries["value_labels"]]
    assert labels == [f"{y * unit:g}".replace("-", "−") for y in (-0.25, 0, 0.25, 0.5, 0.75, 1)]
    assert [t.get_text() for t in widget.grad_panel["time_labels"]] == ["0", "2.5", "5", "7.5",
                                                                       "10"]
    assert f"max|C(t) − C(0)| = {run.conserved_drift:.1e}" in widget.status_text
    assert "global minimum" in widget.status_text


def test_moving_a_control_recomputes_and_the_cursor_only_redraws(widget):
    widget.reset()
    run = widget.results["run"]
    widget.controls["scale"].value = 1.0
    new = widget.results["run"]
    assert new is not run and np.linalg.norm(new.W1[0]) != pytest.approx(np.linalg.norm(run.W1[0]))
    widget.controls["cursor"].value = 0.2
    assert widget.results["run"] is new                  # the run is not recomputed
    k = widget.results["snapshot"]["index"]
    np.testing.assert_allclose(widget.heat["images"][2].get_array(), new.product[k])
    np.testing.assert_allclose(widget.heat["images"][1].get_array(), new.conserved[k], atol=1e-4)
    cells = [t.get_text() for row in widget.heat["texts"][2] for t in row]
    assert cells == [f"{0.0 if abs(v) < 5e-3 else v:.2f}".replace("-", "−")
                     for v in new.product[k].ravel()]
    assert widget.entries["cursor"].get_xdata()[0] == pytest.approx(new.t[k] / new.t[-1])


def test_a_drag_shows_a_coarse_run_and_the_release_the_full_one(widget):
    """While dragging: 81 samples and no numbers in the heat maps; after: 201 and numbers."""
    widget.reset()
    texts = [t for k in widget.heat["texts"] for row in k for t in row]
    with widget.dragging():
        widget.controls["imbalance"].value = -1.0
        assert len(widget.results["run"].t) == 81
        assert not any(t.get_visible() for t in texts)
    assert len(widget.results["run"].t) == 201
    assert all(t.get_visible() for t in texts)
    assert widget.results["run"].conserved_drift <= TOL_CONSERVED


def test_a_new_horizon_relabels_the_time_axes_without_a_full_redraw(widget):
    """The time axes run over t / T: a new horizon T changes the tick labels (blitted)."""
    widget.reset()
    draws = []
    for fig in widget.figures:
        fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    widget.controls["horizon"].value = 20.0
    assert draws == []
    assert [t.get_text() for t in widget.entries["time_labels"]] == ["0", "5", "10", "15", "20"]
    assert widget.results["run"].t[-1] == 20.0


def _apply(widget, name):
    widget.apply_preset(name)
    assert widget.error is None, widget.error
    return widget.results


def test_preset_prop2_C_is_conserved(widget):
    r = _apply(widget, "Prop. 2: C is conserved (random start)")
    run = r["run"]
    assert run.conserved_drift <= TOL_CONSERVED
    np.testing.assert_allclose(run.conserved[0], 0.8 * mf.imbalance_direction(6), atol=1e-12)
    assert abs(run.conserved[0, 0, 1]) > 0.3          # three distinct flat lines
    norms = np.sum(run.W1 ** 2, axis=(1, 2))
    assert np.ptp(norms) > 0.5                         # while ‖W1‖² changes


def test_preset_thm3_converges_to_the_global_minimum(widget):
    r = _apply(widget, "Thm 3: converges to the global minimum")
    assert r["end"].kind == "global minimum" and r["end"].grad_norm < mf.GRAD_TOL
    np.testing.assert_allclose(r["run"].product[-1], Y2, atol=1e-8)
    assert "global minimum" in widget.status_text


def test_preset_balanced_small_start_plateaus_near_the_saddles(widget):
    r = _apply(widget, "balanced small start: plateau near the saddle")
    run = r["run"]
    dt = run.t[1] - run.t[0]
    assert np.max(np.abs(run.conserved)) < 1e-12                       # balanced
    assert np.sum(np.abs(run.loss - 2.5) < 0.05) * dt >= 2.0           # at the origin's g
    assert np.sum(np.abs(run.loss - 0.5) < 0.01) * dt >= 1.5           # at the rank-1 saddle
    assert abs(r["snapshot"]["loss"] - 0.5) < 0.01                     # the cursor is there
    assert r["end"].kind == "global minimum"
    assert "≈ g at the saddle keeping σ = 2" in widget.status_text


def test_preset_one_singular_direction_converges_to_a_saddle(widget):
    r = _apply(widget, "one singular direction: converges to a saddle")
    assert r["end"].kind == "saddle" and r["end"].lambda_min < 0
    np.testing.assert_allclose(r["run"].product[-1], np.diag([2.0, 0.0]), atol=1e-7)
    assert "saddle" in widget.status_text


def test_preset_a_start_on_a_saddle_stays_there(widget):
    r = _apply(widget, "start on a saddle stays there")
    run = r["run"]
    assert np.max(np.abs(run.W1 - run.W1[0])) < 1e-10
    assert np.max(np.abs(run.W2 - run.W2[0])) < 1e-10
    assert r["end"].kind == "saddle" and r["end"].loss == pytest.approx(0.5)


def test_preset_balanced_negative_determinant_is_drawn_to_a_saddle(widget):
    r = _apply(widget, "balanced, det W2W1 < 0: drawn to a saddle")
    run = r["run"]
    assert np.all(np.linalg.det(run.product) < 0)
    assert run.loss[-1] == pytest.approx(0.5, abs=1e-6)
    assert r["end"].kind != "global minimum"
    assert "det W2W1 from" in widget.status_text


def test_preset_imbalance_frees_the_negative_determinant(widget):
    r = _apply(widget, "imbalance frees it: det W2W1 < 0, λ = 0.5")
    det = np.linalg.det(r["run"].product)
    assert det[0] < 0 < det[-1]
    assert r["end"].kind == "global minimum"


def test_preset_rank1_target_with_imbalance_is_fast_and_keeps_C(widget):
    r = _apply(widget, "rank-1 target, λ = 1.5: fast, the imbalance stays")
    run = r["run"]
    assert r["end"].kind == "global minimum"
    np.testing.assert_allclose(run.conserved[-1], 1.5 * mf.imbalance_direction(0), atol=1e-9)
    # W1 keeps a direction the product does not use: W1W1ᵀ >= 1.5 · 0.5 · I
    assert np.linalg.svd(run.W1[-1], compute_uv=False)[-1] ** 2 >= 0.75 - 1e-9


def test_preset_rank1_target_balanced_converges_slowly(widget):
    r = _apply(widget, "rank-1 target, balanced: slow convergence")
    run = r["run"]
    assert r["end"].kind == "not converged"
    assert 1e-4 < run.grad_norm[-1] < run.grad_norm[len(run.t) // 2]   # still creeping down
    assert run.loss[-1] < 1e-3


def test_every_preset_has_a_test_of_its_promise():
    from saddle_widgets import MatrixFlowExplorer
    tested = {"Prop. 2: C is conserved (random start)", "Thm 3: converges to the global minimum",
              "balanced small start: plateau near the saddle",
              "one singular direction: converges to a saddle", "start on a saddle stays there",
              "balanced, det W2W1 < 0: drawn to a saddle",
              "imbalance frees it: det W2W1 < 0, λ = 0.5",
              "rank-1 target, λ = 1.5: fast, the imbalance stays",
              "rank-1 target, balanced: slow convergence"}
    assert set(MatrixFlowExplorer.PRESETS) == tested
    assert set(getattr(MatrixFlowExplorer, "PRESET_NOTES", {})) <= tested


@pytest.mark.parametrize("target, start", list(itertools.product(
    ["rank 2 (diag 2, 1)", "rank 2, rotated (R30° diag(2, 1) R45°ᵀ)", "rank 1 (diag 2, 0)"],
    ["random", "one singular direction", "on a saddle"])))
def test_every_target_and_start_gives_a_finite_picture_and_a_status(widget, target, start):
    widget.set_params(target=target, start=start)
    assert widget.error is None
    run = widget.results["run"]
    assert run.conserved_drift <= TOL_CONSERVED
    assert all(np.all(np.isfinite(line.get_ydata())) for line in widget.entries.values()
               if hasattr(line, "get_ydata"))
    assert widget.results["end"].kind in ("global minimum", "saddle", "not converged")
    assert widget.to_png()[:4] == b"\x89PNG"


@pytest.mark.parametrize("call, match", [
    (lambda: mf.integrate_matrix_flow(np.eye(2) * .1, np.eye(2) * .1, np.eye(2), [0, 1e6]),
     "reduce the last time"),
    (lambda: mf.integrate_matrix_flow(np.eye(2) * 1e200, np.eye(2), np.eye(2), [0, 1]), "W1"),
    (lambda: mf.loss(np.eye(2) * 1e200, np.eye(2) * 1e200, np.eye(2)), "W1"),
    (lambda: mf.integrate_matrix_flow(np.ones((200, 100)), np.ones((2, 200)),
                                      np.ones((2, 100)), [0, 1]), "reduce the matrix sizes"),
    (lambda: mf.integrate_matrix_flow(np.eye(2), np.eye(2), np.eye(2), [0, 1], rtol=1e-20),
     "rtol"),
    (lambda: mf.loss("W", np.eye(2), np.eye(2)), "W1"),
])
def test_bad_or_huge_arguments_are_a_value_error_naming_them(call, match):
    """Issue 14: overflow, unbounded work and wrong types are refused with a sentence."""
    with pytest.raises(ValueError, match=match):
        call()
