"""Tests of the matrix-completion solver (Innocenti et al., NeurIPS 2024, Fig. 6) against
finite differences, an independent inference solve, Eckart–Young, a second optimiser and
the saddle-to-saddle picture. Each test's name and docstring states the fact it checks."""
import numpy as np
import pytest
from scipy.optimize import minimize

from saddle_widgets.solvers import matrix_completion as mc
from saddle_widgets.solvers import predictive_coding as pc
# central differences and flattening: the helpers of the unmasked solver's tests
from test_predictive_coding import _fd_gradient as _fd, _flat  # noqa: I001


@pytest.fixture(scope="module")
def default_runs():
    """BP and PC from each start at the explorer's defaults (width 20, σ 0.03, η 0.5)."""
    task = mc.make_task(20, 0)
    return task, {s: mc.train_bp_and_pc(task, start=s) for s in mc.STARTS}


# ----------------------------------------------------------------------- the maths
@pytest.mark.parametrize("inputs", mc.INPUTS)
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_both_gradients_equal_central_finite_differences(inputs, depth):
    """∇L (masked backprop) and ∇F* (masked equilibrated energy, closed form through
    A_{k+1} = W_{L:k+1} + A_k W_kᵀ) equal central differences of L and F* to O(ε²)."""
    task = mc.make_task(5, depth, size=4, rank=2, inputs=inputs)
    ws = pc.init_weights([4] + [3] * (depth - 1) + [4], 0.6, depth)
    for f, g in ((mc.masked_loss, mc.masked_loss_gradient),
                 (mc.masked_energy, mc.masked_energy_gradient)):
        fd = _fd(lambda w: f(w, task), ws)
        np.testing.assert_allclose(_flat(g(ws, task)), fd, atol=1e-7)


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_masked_energy_is_the_minimum_of_the_masked_pc_energy_over_activities(depth):
    """F* (closed form with S_{OO}⁻¹) equals the PC energy whose output term counts only
    the observed entries, minimised over the hidden activities by one linear solve per
    sample; and F* <= L, as S_{OO} ⪰ I."""
    task = mc.make_task(6, depth + 10, size=5, rank=2)
    ws = pc.init_weights([5] + [4] * (depth - 1) + [5], 0.7, depth)
    f_star = mc.masked_energy(ws, task)
    assert f_star == pytest.approx(mc.equilibrium_energy_by_solve(ws, task), rel=1e-12)
    assert f_star <= mc.masked_loss(ws, task)


def test_with_nothing_masked_the_energy_is_the_unmasked_equilibrated_energy():
    """Ω = 1: F* = (2/d) · pc.equilibrated_energy and ∇F* = (2/d) · pc.energy_gradient (the
    package's unmasked closed form, 1/(2B) there, 1/(B d) here); L = (2/d) · pc.mse_loss."""
    task = mc.make_task(0, 3, size=4, rank=2, inputs="masked target")
    ws = pc.init_weights([4, 3, 3, 4], 0.6, 0)
    X, Y = task.X, task.Y
    assert mc.masked_energy(ws, task) == pytest.approx(pc.equilibrated_energy(ws, X, Y) / 2)
    assert mc.masked_loss(ws, task) == pytest.approx(pc.mse_loss(ws, X, Y) / 2)
    np.testing.assert_allclose(_flat(mc.masked_energy_gradient(ws, task)),
                               _flat(pc.energy_gradient(ws, X, Y)) / 2, atol=1e-13)


def test_task_masks_exactly_the_number_asked_and_the_target_has_the_rank():
    """make_task: a rank-3 10 x 10 target, exactly n_masked hidden entries, seeded."""
    task = mc.make_task(20, 4)
    assert np.linalg.matrix_rank(task.target) == 3
    assert int((~task.mask).sum()) == 20
    again = mc.make_task(20, 4)
    np.testing.assert_array_equal(again.mask, task.mask)
    np.testing.assert_array_equal(again.target, task.target)
    assert task.c == pytest.approx(0.01)


# ----------------------------------------------------------------------- saddles
def test_best_rank_fit_with_nothing_masked_is_eckart_young():
    """Ω = 1, identity input: min over rank-k W of c ||T - W||² = c Σ_{j>k} s_j(T)²."""
    task = mc.make_task(0, 2)
    s = np.linalg.svd(task.target, compute_uv=False)
    for k in range(4):
        assert mc.best_rank_fit(task, k)[0] == pytest.approx(task.c * np.sum(s[k:] ** 2),
                                                             rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("k", [1, 2])
def test_best_rank_fit_matches_a_second_optimiser_over_factors(k):
    """The ALS rank-k fit of the masked loss equals the best of 6 L-BFGS runs over
    factors W = U V (U: d x k, V: k x d) from random starts, to 1e-6."""
    task = mc.make_task(20, 1)
    d = task.size

    def f(theta):
        U, V = theta[:d * k].reshape(d, k), theta[d * k:].reshape(k, d)
        R = task.omega * (task.Y - U @ V @ task.X)
        G = -2 * task.c * R @ task.X.T
        return task.c * np.sum(R * R), np.concatenate([(G @ V.T).ravel(), (U.T @ G).ravel()])
    rng = np.random.default_rng(0)
    best = min(minimize(f, rng.standard_normal(2 * d * k), jac=True, method="L-BFGS-B",
                        options={"maxiter": 20000, "gtol": 1e-12, "ftol": 1e-15}).fun
               for _ in range(6))
    assert mc.best_rank_fit(task, k)[0] == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("inputs", mc.INPUTS)
@pytest.mark.parametrize("k", [1, 2])
def test_balanced_rank_k_fit_is_a_critical_point_of_the_loss_and_of_the_energy(inputs, k):
    """Balanced weights whose product is the best rank-k fit: ∇L = 0 (Uᵀ G = 0, G V = 0),
    the product has rank k and the loss is the fit's; ∇F* = 0 there too (found numerically:
    the rank-k saddles of L are critical points of F*)."""
    task = mc.make_task(20, 0, inputs=inputs)
    loss, W = mc.best_rank_fit(task, k)
    ws = mc.balanced_weights(W, mc.network_widths(task, 3, 20))
    prod = ws[3] @ ws[2] @ ws[1] @ ws[0]
    np.testing.assert_allclose(prod, W, atol=1e-9 * np.abs(W).max())
    assert np.linalg.matrix_rank(prod, tol=1e-8 * np.abs(W).max()) == k
    assert mc.masked_loss(ws, task) == pytest.approx(loss, rel=1e-10)
    scale = np.linalg.norm(_flat(mc.masked_loss_gradient(pc.init_weights(
        mc.network_widths(task, 3, 20), 0.3, 0), task)))
    assert np.linalg.norm(_flat(mc.masked_loss_gradient(ws, task))) < 1e-6 * scale
    assert np.linalg.norm(_flat(mc.masked_energy_gradient(ws, task))) < 1e-6 * scale


def test_origin_hessian_of_the_masked_energy_is_minus_the_masked_target_covariance():
    """Thm 2, masked: for H >= 2 the Hessian of L at the origin is 0 and λ_min of F*'s is
    -2c σ_max(Ω ⊙ Y)² (its only non-zero block, W_L-W_L, is -2c Σ_i D_i y_i y_iᵀ D_i ⊗ I).
    """
    task = mc.make_task(20, 0)
    ws = mc.saddle_weights(task, 2, 3, 0)
    assert np.abs(mc.numerical_hessian(ws, task, "loss")).max() < 1e-9
    ev = np.linalg.eigvalsh(mc.numerical_hessian(ws, task, "energy"))
    s = np.linalg.svd(task.omega * task.Y, compute_uv=False)
    assert ev[0] == pytest.approx(-2 * task.c * s[0] ** 2, rel=1e-6)
    assert ev[-1] == pytest.approx(0, abs=1e-8)


@pytest.mark.parametrize("k", [1, 2])
def test_rank_k_saddles_are_non_strict_for_the_loss_and_strict_for_the_energy(k):
    """H = 2, width 3: at the rank-k saddle the loss Hessian has no negative eigenvalue
    (λ_min ≈ 0: non-strict, escape only at higher order), while F*'s has λ_min < -0.05."""
    task = mc.make_task(20, 0)
    ws = mc.saddle_weights(task, 2, 3, k)
    ev_l = np.linalg.eigvalsh(mc.numerical_hessian(ws, task, "loss"))
    ev_f = np.linalg.eigvalsh(mc.numerical_hessian(ws, task, "energy"))
    assert ev_l[0] > -1e-6 and ev_l[-1] > 0.1
    assert ev_f[0] < -0.05


# ----------------------------------------------------------------------- training
def test_training_is_gradient_descent_and_records_the_product_spectrum():
    """losses[1] = L(W_0 - η ∇L(W_0)) (one step of GD), and the singular values recorded
    at the last iteration are those of the final product W_{L:1}."""
    task = mc.make_task(20, 0)
    w0 = mc.start_weights(task, 2, 6, init_scale=0.3, seed=1)
    for method, grad in (("bp", mc.masked_loss_gradient), ("pc", mc.masked_energy_gradient)):
        run = mc.train(w0, task, method=method, lr=0.1, max_iters=5, stride=2)
        step = [w - 0.1 * g for w, g in zip(w0, grad(w0, task))]
        assert run.losses[1] == pytest.approx(mc.masked_loss(step, task), rel=1e-12)
        assert list(run.sv_steps) == [0, 2, 4, 5]
        ws = run.weights
        np.testing.assert_allclose(run.singular_values[-1],
                                   np.linalg.svd(ws[2] @ ws[1] @ ws[0], compute_uv=False),
                                   atol=1e-12)
        if method == "pc":
            assert run.energies[0] == pytest.approx(mc.masked_energy(w0, task))


def _plain_descent(w0, task, gradient, lr, n):
    """W_{t+1} = W_t - η ∇(W_t) with the public closed-form gradient, n steps, stopping at
    loss 0.01 as ``train`` does: the losses L(W_t)."""
    ws, losses = list(w0), []
    for t in range(n + 1):
        losses.append(mc.masked_loss(ws, task))
        if losses[-1] <= mc.LOSS_TOL or t == n:
            break
        ws = [w - lr * g for w, g in zip(ws, gradient(ws, task))]
    return np.array(losses), ws


@pytest.mark.parametrize("inputs, hidden, start", [("identity", 3, "origin"),
                                                   ("identity", 2, "rank-1 saddle"),
                                                   ("masked target", 1, "origin")])
def test_joint_training_is_plain_gradient_descent_on_each_objective(inputs, hidden, start):
    """train_methods (BP and PC stacked, one numpy call for both, a method leaving the
    stack when it stops) gives, for each method, the losses and final weights of plain
    gradient descent W <- W - η ∇ with the public gradients ∇L and ∇F* (to 1e-10), and the
    same run as ``train`` with that method alone."""
    task = mc.make_task(20, 1, inputs=inputs)
    w0 = mc.start_weights(task, hidden, 8, start, init_scale=0.1, seed=2)
    caps = {"bp": 120, "pc": 60}
    runs = mc.train_methods(w0, task, caps, lr=0.3)
    for m, grad in (("bp", mc.masked_loss_gradient), ("pc", mc.masked_energy_gradient)):
        losses, ws = _plain_descent(w0, task, grad, 0.3, caps[m])
        np.testing.assert_allclose(runs[m].losses, losses, rtol=0, atol=1e-10)
        for a, b in zip(runs[m].weights, ws):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
        alone = mc.train(w0, task, method=m, lr=0.3, max_iters=caps[m])
        np.testing.assert_allclose(alone.losses, runs[m].losses, rtol=0, atol=1e-12)
        np.testing.assert_allclose(alone.singular_values, runs[m].singular_values, atol=1e-12)
        if m == "pc":
            np.testing.assert_allclose(
                runs[m].energies, [mc.masked_energy(w, task) for w in
                                   _trajectory(w0, task, grad, 0.3, len(losses) - 1)],
                rtol=1e-10)


def _trajectory(w0, task, gradient, lr, n):
    ws = [list(w0)]
    for _ in range(n):
        ws.append([w - lr * g for w, g in zip(ws[-1], gradient(ws[-1], task))])
    return ws


def test_a_method_that_diverges_leaves_the_stack_and_the_other_trains_on():
    """η = 3 from the origin: BP's weights blow up and its run stops (diverged, its last
    finite iterate kept), while PC, trained in the same stack, is exactly the PC run of
    ``train`` alone."""
    task = mc.make_task(20, 0)
    w0 = mc.start_weights(task, 2, mc.WIDTH, init_scale=0.03)
    runs = mc.train_methods(w0, task, {"bp": 400, "pc": 400}, lr=3.0)
    assert runs["bp"].diverged and not runs["pc"].diverged
    alone = mc.train(w0, task, method="pc", lr=3.0, max_iters=400)
    np.testing.assert_allclose(runs["pc"].losses, alone.losses, rtol=1e-12, atol=0)
    assert mc.masked_loss(runs["bp"].weights, task) == pytest.approx(runs["bp"].losses[-1])


def test_bp_rests_on_the_best_rank_k_fits_one_singular_value_at_a_time(default_runs):
    """Saddle to saddle (from the origin): BP's plateau losses are the masked losses of the
    best rank-0, 1, 2 fits (to 1 %), and on the rank-k plateau W_{L:1} has k singular values
    switched on (> 1) and the others off (< 0.1)."""
    task, runs = default_runs
    bp = runs["origin"]["bp"]
    fits = [mc.best_rank_fit(task, k)[0] for k in range(3)]
    levels = mc.plateau_losses(bp)
    assert len(levels) == 3
    np.testing.assert_allclose(levels, fits, rtol=0.01)
    for k, level in enumerate(fits):
        on = np.flatnonzero(np.abs(bp.losses - level) < 0.005 * level)
        sv = bp.singular_values[np.searchsorted(bp.sv_steps, on[len(on) // 2])]
        assert np.all(sv[:k] > 1) and np.all(sv[k:] < 0.1), (k, sv[:4])
    assert bp.reached is not None


@pytest.mark.parametrize("start", mc.STARTS)
def test_pc_reaches_the_tolerance_sooner_than_bp_from_each_start(default_runs, start):
    """From the origin and from the rank-1 and rank-2 saddles, PC (exact inference, descent
    on F*) needs at least twice fewer iterations than BP to reach loss 0.01."""
    _, runs = default_runs
    t_bp = mc.iterations_to(runs[start]["bp"])
    t_pc = mc.iterations_to(runs[start]["pc"])
    assert t_pc is not None and t_bp is not None
    assert 2 * t_pc < t_bp


def test_from_a_saddle_bp_first_rests_at_that_saddles_loss(default_runs):
    """Started next to the rank-k saddle, BP stays near its loss (the best rank-k fit) for
    hundreds of iterations; PC's loss falls 10 % below it at least 4 times sooner."""
    task, runs = default_runs
    for k, start in ((1, "rank-1 saddle"), (2, "rank-2 saddle")):
        fit = mc.best_rank_fit(task, k)[0]
        bp, pcr = runs[start]["bp"], runs[start]["pc"]
        assert np.all(np.abs(bp.losses[20:300] - fit) < 0.02 * fit)
        assert 4 * mc.iterations_to(pcr, 0.9 * fit) < mc.iterations_to(bp, 0.9 * fit)


def test_diverging_learning_rate_stops_the_run_and_says_so():
    """η far above 2 / curvature: the weights blow up; the run stops with diverged=True and
    only finite losses."""
    task = mc.make_task(20, 0)
    w0 = mc.start_weights(task, 1, 5, "rank-2 saddle", init_scale=0.01)
    run = mc.train(w0, task, method="bp", lr=50.0, max_iters=200)
    assert run.diverged and np.all(np.isfinite(run.losses)) and run.reached is None


@pytest.mark.parametrize("call, words", [
    (lambda: mc.make_task(95, 0), "n_masked"),
    (lambda: mc.make_task(10, -1), "seed"),
    (lambda: mc.make_task(10, 0, inputs="rows"), "inputs"),
    (lambda: mc.start_weights(mc.make_task(), 3, 20, "rank-4 saddle"), "start"),
    (lambda: mc.start_weights(mc.make_task(), 3, 1, "rank-2 saddle"), "at least 2 units"),
    (lambda: mc.train(mc.start_weights(mc.make_task()), mc.make_task(), lr=0), "lr"),
    (lambda: mc.train(mc.start_weights(mc.make_task()), mc.make_task(), method="ep"), "method"),
    (lambda: mc.train(mc.start_weights(mc.make_task(), 3, 100), mc.make_task(),
                      max_iters=10_000_000), "reduce max_iters"),
    (lambda: mc.masked_loss([np.ones((3, 4)), np.ones((4, 3))], mc.make_task()), "10 inputs"),
    (lambda: mc.best_rank_fit("task", 1), "MatrixCompletionTask"),
    (lambda: mc.iterations_to(None), "CompletionRun"),
])
def test_bad_input_gives_a_value_error_naming_it(call, words):
    """Every bad argument: a ValueError whose sentence names it."""
    with pytest.raises(ValueError, match=words):
        call()


# ----------------------------------------------------------------------- the explorer
@pytest.fixture(scope="module")
def explorer():
    from saddle_widgets import MatrixCompletionExplorer
    w = MatrixCompletionExplorer()
    yield w
    w.close()


def _levels_and_steps(w):
    runs = w.results["runs"]
    return (mc.plateau_losses(runs["bp"]), mc.iterations_to(runs["bp"]),
            mc.iterations_to(runs["pc"]), w.results["fits"])


def test_explorer_curves_are_the_solver_runs_and_the_cursor_moves_only_marks(explorer):
    """The drawn loss curves and top singular values are the runs' numbers (x = t / extent);
    moving the cursor (or Play) keeps the runs and moves the marks to the run at t."""
    w = explorer
    w.reset()
    runs, extent = w.results["runs"], w.results["extent"]
    x, y = w.loss_artists["bp"].get_data()
    np.testing.assert_allclose(np.asarray(x) * extent, np.arange(len(runs["bp"].losses)))
    np.testing.assert_allclose(y, runs["bp"].losses)
    xs, ys = w.spectrum_artists["pc"][0].get_data()        # in units of the axis' top
    np.testing.assert_allclose(np.asarray(ys) * w.results["spectrum_top"],
                               runs["pc"].singular_values[:, 0])
    w.play.value = 50                                  # a quarter of the longer run
    assert w.results["runs"] is runs
    t = w.results["snapshot"]["t"]
    assert t == round(0.25 * runs["bp"].iterations)
    mx, my = w.loss_artists["mark_bp"].get_data()
    assert my[0] == pytest.approx(runs["bp"].losses[t])
    assert f"t = {t}" in w.loss_artists["time"].get_text()


@pytest.mark.parametrize("preset, k", [("Fig. 6: from the origin", 0),
                                       ("Fig. 6: from a rank-1 saddle", 1),
                                       ("Fig. 6: from a rank-2 saddle", 2)])
def test_fig6_presets_bp_rests_on_each_saddle_and_pc_is_faster(explorer, preset, k):
    """Fig. 6: from the origin / a rank-k saddle, BP rests at the losses of the best rank-k,
    ..., rank-2 fits (one plateau each, to 1 %) and PC reaches loss 0.01 in fewer than half
    BP's iterations; the status says how the preset differs from the paper."""
    explorer.apply_preset(preset)
    levels, t_bp, t_pc, fits = _levels_and_steps(explorer)
    np.testing.assert_allclose(levels, fits[k:], rtol=0.01)
    assert t_pc is not None and t_bp is not None and 2 * t_pc < t_bp
    assert explorer.status_text.startswith("[D] width 20 (paper 100)")
    assert f"BP {t_bp}, PC {t_pc}" in explorer.status_text


def test_preset_nothing_masked_rests_at_the_tail_energies_of_the_target(explorer):
    """Nothing masked: BP's plateaus are (1/100) Σ_{j>k} σ_j(T)² (Eckart–Young), k = 0-2."""
    explorer.apply_preset("nothing masked: plateaus at T's tail energies")
    levels, _, _, _ = _levels_and_steps(explorer)
    s = np.linalg.svd(explorer.results["task"].target, compute_uv=False)
    np.testing.assert_allclose(levels, [np.sum(s[k:] ** 2) / 100 for k in range(3)], rtol=0.01)


def test_preset_smaller_init_lengthens_bp_plateaus_not_pcs_escape(explorer):
    """σ = 0.02 instead of 0.03: BP needs more iterations than at the default (or does not
    reach 0.01 within its cap); PC still does, within 1.5 × its default count."""
    explorer.reset()
    _, t_bp0, t_pc0, _ = _levels_and_steps(explorer)
    explorer.apply_preset("smaller init σ = 0.02: BP's plateaus lengthen")
    _, t_bp, t_pc, _ = _levels_and_steps(explorer)
    assert t_bp is None or t_bp > 1.3 * t_bp0
    assert t_pc is not None and t_pc < 1.5 * t_pc0


def test_preset_one_hidden_layer_bp_is_as_fast_as_pc(explorer):
    """H = 1: the saddles are strict for the loss too: BP reaches 0.01 within PC's count
    (give or take 50 %), with no rank-k plateau of 200 iterations."""
    explorer.apply_preset("one hidden layer: strict saddles, BP as fast")
    levels, t_bp, t_pc, _ = _levels_and_steps(explorer)
    assert t_bp is not None and t_pc is not None and t_bp < 1.5 * t_pc
    assert levels == []


def test_explorer_bad_value_gives_a_message_and_keeps_the_picture(explorer):
    """A value out of range: a ValueError naming it from code, no change of state."""
    explorer.reset()
    with pytest.raises(ValueError, match="n_masked"):
        explorer.set_params(n_masked=99)
    assert explorer.state["n_masked"] == 20


def test_loss_rises_only_when_the_learning_rate_is_at_the_edge_of_stability():
    """Gradient descent with η below 2 / curvature lowers the loss at every iteration: the
    default run (seed 0) never rises; for seed 8 (σ_1(T) = 15.8, curvature ~ 2c L σ_1^{3/2})
    BP at η = 0.5 oscillates, and at η = 0.2 it descends again."""
    runs = mc.train_bp_and_pc(mc.make_task(20, 0))
    assert not mc.loss_rises(runs["bp"]) and not mc.loss_rises(runs["pc"])
    task = mc.make_task(20, 8)
    w0 = mc.start_weights(task)
    assert mc.loss_rises(mc.train(w0, task, lr=0.5))
    assert not mc.loss_rises(mc.train(w0, task, lr=0.2, max_iters=6000))


def test_explorer_a_new_spectrum_top_relabels_the_value_axis_without_a_full_draw():
    """The spectrum is drawn in units of its top (spectrum_limit): a seed whose runs need a
    new top relabels the tick texts (top·k/4) and redraws no figure in full, and the lines
    times the top are still the runs' singular values."""
    from saddle_widgets import MatrixCompletionExplorer
    from saddle_widgets.plots import matrix_completion as mcplot
    from test_widgets_predictive_coding import _full_draws
    w = MatrixCompletionExplorer(canvas="agg")
    tops = {w.results["spectrum_top"]}
    draws = _full_draws(w)
    for seed in range(1, 8):
        w.set_params(seed=seed)
        top = w.results["spectrum_top"]
        tops.add(top)
        assert [t.get_text() for t in w.spectrum_artists["value_labels"]] == \
            [f"{y * top:g}" for y in mcplot.SPECTRUM_TICKS]
        ys = w.spectrum_artists["bp"][0].get_ydata()
        np.testing.assert_allclose(np.asarray(ys) * top,
                                   w.results["runs"]["bp"].singular_values[:, 0])
        assert w.ax_spectrum.get_ylim() == (0.0, 1.0)
    assert len(tops) > 1, tops                   # the test saw the top change
    assert draws == {"loss": 0, "spectrum": 0}, draws
    w.close()
