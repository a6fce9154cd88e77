"""Headless tests of NonlinearEscapeExplorer (Fig. 5 in miniature): the artists show the
solver's runs, the cursor moves only marks, and every preset keeps the promise in its name."""
import numpy as np
import pytest

from saddle_widgets.solvers import pc_nonlinear as nl
from saddle_widgets.widgets import nonlinear_escape as ne


@pytest.fixture(scope="module")
def explorer():
    from saddle_widgets import NonlinearEscapeExplorer
    w = NonlinearEscapeExplorer(canvas="agg")
    yield w
    w.close()


def _runs(w):
    r = w.results["runs"]
    return r["bp"], r["pc"]


def test_curves_are_the_solver_runs_and_the_cursor_moves_only_marks(explorer):
    """The drawn curves are the solver's L(W_t)/L(W_0) and ||g_t|| from the same start (the
    default state: tanh, H = 3, width 8, σ = 0.01, η = 1, k = 20); Play / the cursor keeps
    the runs and moves the marks to the runs' values at t."""
    w = explorer
    w.reset()
    bp, pc = _runs(w)
    X, Y = nl.teacher_data(0, batch=ne.BATCH, d_in=ne.D_IN, d_out=ne.D_OUT)
    ws = nl.init_weights(nl.network_widths(3, 8, ne.D_IN, ne.D_OUT), 0.01, 0)
    ref = nl.train(ws, X, Y, activation="tanh", method="pc", lr=1.0, n_iters=ne.N_ITERS,
                   inference_steps=20, dt=ne.DT)
    np.testing.assert_allclose(pc.losses, ref.losses, rtol=1e-12)
    x, y = w.loss_artists["pc"].get_data()
    np.testing.assert_allclose(y, pc.losses / pc.losses[0])
    _, g = w.gradient_artists["bp"].get_data()
    np.testing.assert_allclose(g, bp.grad_norms)
    w.plays["cursor"].value = 40
    assert w.results["runs"]["pc"] is pc
    assert w.results["snapshot"]["t"] == 40
    _, my = w.loss_artists["mark_pc"].get_data()
    assert my[0] == pytest.approx(pc.losses[40] / pc.losses[0])
    _, gy = w.gradient_artists["mark_bp"].get_data()
    assert gy[0] == pytest.approx(bp.grad_norms[40])
    assert "t = 40" in w.loss_artists["time"].get_text()


@pytest.mark.parametrize("preset", ["Fig. 5 tanh (scaled down)", "Fig. 5 linear (scaled down)",
                                    "Fig. 5 ReLU (scaled down, H = 2)"])
def test_fig5_presets_pc_leaves_the_plateau_within_the_run_while_bp_stays(explorer, preset):
    """Fig. 5 (scaled down): PC's loss falls below ½ L(0) within the 120 iterations while
    BP's stays above 0.95 L(0) at every one; the status line starts with how the preset
    differs from the paper and says the conjecture stays open."""
    explorer.apply_preset(preset)
    bp, pc = _runs(explorer)
    t = nl.escape_iteration(pc, ne.ESCAPED)
    assert t is not None and t <= ne.N_ITERS
    assert nl.stays_on_plateau(bp, ne.STAYED) and bp.iterations == ne.N_ITERS
    text = explorer.status_text
    assert text.startswith("[D] full-batch gradient descent") and "width 8 (paper 500)" in text
    assert "open conjecture" in text
    assert f"PC leaves the plateau (L ≤ ½ L(0)) at t = {t}" in text


def test_preset_one_hidden_layer_bp_escapes_as_fast_as_pc(explorer):
    """H = 1 (a strict saddle of the MSE too): BP leaves the plateau as well, within twice
    PC's iterations."""
    explorer.apply_preset("one hidden layer: BP escapes too")
    bp, pc = _runs(explorer)
    t_bp, t_pc = nl.escape_iteration(bp), nl.escape_iteration(pc)
    assert t_bp is not None and t_pc is not None and t_bp <= 2 * t_pc


def test_preset_one_inference_step_pc_stalls_like_bp(explorer):
    """k = 1: PC stays on the plateau (L ≥ 0.95 L(0)) for all 120 iterations, as BP does,
    where with k = 20 (the default) it leaves it."""
    explorer.apply_preset("one inference step: PC stalls too")
    bp, pc = _runs(explorer)
    assert nl.stays_on_plateau(pc, ne.STAYED) and nl.stays_on_plateau(bp, ne.STAYED)
    explorer.reset()
    assert nl.escape_iteration(_runs(explorer)[1], ne.ESCAPED) is not None


def test_gradient_norms_at_the_start_show_the_orders_of_the_saddles(explorer):
    """At t = 0 BP's gradient is smaller than PC's by orders of magnitude (O(σ^H) against
    O(σ)) and the status line names both orders."""
    explorer.reset()
    bp, pc = _runs(explorer)
    assert bp.grad_norms[0] < 1e-2 * pc.grad_norms[0]
    assert "O(σ^3)" in explorer.status_text


def test_a_drag_is_coarse_and_the_release_completes_the_runs(explorer):
    """While dragging, 30 iterations and the status says they complete on release; after it
    the full 120."""
    explorer.reset()
    with explorer.dragging():
        explorer.controls["lr"].value = 0.8
        assert _runs(explorer)[0].iterations == ne.COARSE_ITERS
        assert "complete on release" in explorer.status_text
    assert _runs(explorer)[0].iterations == ne.N_ITERS
    assert "release" not in explorer.status_text


def test_a_diverging_learning_rate_is_reported_and_nothing_nan_is_drawn(explorer):
    """η = 1.5 on a linear net with H = 1 and σ = 0.1 diverges (BP): the status says so,
    the curves hold finite numbers only."""
    explorer.set_params(activation="linear", hidden=1, init_scale=0.1, lr=1.5, width=16)
    runs = explorer.results["runs"]
    assert runs["bp"].diverged and runs["bp"].iterations < ne.N_ITERS
    assert f"BP diverged at iteration {runs['bp'].iterations + 1}" in explorer.status_text
    for panel in (explorer.loss_artists, explorer.gradient_artists):
        for m in ("bp", "pc"):
            assert np.all(np.isfinite(panel[m].get_data()[1]))
    explorer.reset()


def test_bad_value_is_a_value_error_and_keeps_the_state(explorer):
    explorer.reset()
    with pytest.raises(ValueError, match="inference_steps"):
        explorer.set_params(inference_steps=80)
    assert explorer.state["inference_steps"] == 20
