"""Gradient-flow explorer, headless: what is drawn is what the solver computes."""
import math

from matplotlib.backend_bases import MouseEvent

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddle_widgets.solvers import gradient_flow as gf
from saddle_widgets.widgets import GradientFlowExplorer


@pytest.fixture(scope="module")
def widget():
    return GradientFlowExplorer()


@pytest.fixture(autouse=True)
def _reset(widget):
    widget.reset()


def line(artist):
    return np.asarray(artist.get_data(), dtype=float)


def all_dynamic_data_finite(widget):
    for artist in (widget.phase_artists["trajectory"], widget.loss_artists["numeric"], widget.time_artists["numeric"], widget.phase_artists["cursor"]):
        data = line(artist)
        assert np.all(np.isfinite(data[~np.isnan(data)]))


def test_trajectory_is_the_solvers_flow(widget):
    widget.set_params(imbalance=1.3, x0=0.2, cost="log-cosh", target=-0.5)
    w0 = gf.initial_weights(0.2, math.sqrt(1.3))       # the paper's c = (w1² − w2²)²
    r = gf.integrate_flow(gf.make_cost("log-cosh", -0.5), w0[:1], w0[1:],
                          np.linspace(0, widget.state["horizon"], 161), rtol=1e-8)
    np.testing.assert_allclose(line(widget.phase_artists["trajectory"]), r.weights.T, atol=1e-9)
    np.testing.assert_allclose(line(widget.loss_artists["numeric"])[1], r.loss - 0.0, atol=1e-12)


def test_exact_curve_is_the_closed_form_and_the_flow_lies_on_it(widget):
    """For f = (x - y)^2/2 the drawn exact curve is quadratic_flow_solution mapped to the
    plane, and the numeric trajectory's product w1 w2 agrees with it to 1e-6; the paper's
    c = 0.49 is w1² − w2² = 0.7 on the first branch and −0.7 on the second."""
    for branch, gap in (("w1² > w2²", 0.7), ("w2² > w1²", -0.7)):
        widget.set_params(imbalance=0.49, branch=branch, x0=-0.3, target=1.2)
        t = np.linspace(0, widget.state["horizon"], 200)
        x = gf.quadratic_flow_solution(t, -0.3, 1.2, 0.7)
        ea, eb = line(widget.phase_artists["exact"])
        np.testing.assert_allclose(ea * eb, x, atol=1e-12)
        np.testing.assert_allclose(ea ** 2 - eb ** 2, gap, atol=1e-9)
        r = widget.results["run"]
        np.testing.assert_allclose(r.x, gf.quadratic_flow_solution(r.t, -0.3, 1.2, 0.7),
                                   atol=1e-6)
        assert float(gf.imbalance_paper(r.w1[0, 0], r.w2[0, 0])) == pytest.approx(0.49)


def test_width_h_is_drawn_as_its_equivalent_scalar_pair(widget):
    """Exact reduction: for width h the plane shows (a, b) with ab = x, a^2 - b^2 = c, and x(t)
    is the same as for h = 1."""
    widget.set_params(imbalance=1.0, x0=0.3, width=1)
    x1 = widget.results["run"].x.copy()
    widget.controls["width"].value = 5
    assert widget.results["run"].weights.shape[1] == 10
    np.testing.assert_allclose(widget.results["run"].x, x1, atol=1e-6)
    a, b = line(widget.phase_artists["trajectory"])
    np.testing.assert_allclose(a * b, widget.results["run"].x, atol=1e-12)
    np.testing.assert_allclose(a ** 2 - b ** 2, 1.0, atol=1e-6)


def test_convergence_time_panel_shows_numeric_and_closed_form(widget):
    """The T(c) panel's axis is the paper's c: the closed form at √c (the solvers' units)
    and the mark at the slider's c."""
    widget.set_params(x0=0.1, imbalance=2.0)
    cs, T = line(widget.time_artists["numeric"])
    assert cs[-1] == pytest.approx(36.0)
    Te = [gf.convergence_time_closed_form(0.1, 1.0, math.sqrt(c), 1e-3) for c in cs]
    np.testing.assert_allclose(T, Te, rtol=2e-3)
    mark_c, mark_T = line(widget.time_artists["mark"])
    assert mark_c[0] == 2.0
    assert mark_T[0] == pytest.approx(
        gf.convergence_time_closed_form(0.1, 1.0, math.sqrt(2.0), 1e-3), rel=2e-3)


def test_status_names_the_saddle_from_the_hessian(widget):
    widget.set_params(target=0.8)
    assert "strict saddle (eigenvalues ±0.8)" in widget.status_text
    widget.controls["depth"].value = 3
    assert "non-strict saddle" in widget.status_text


@pytest.mark.parametrize("cost", ["quadratic", "log-cosh"])
def test_prop5_preset_starts_on_the_bad_set_and_slides_into_the_saddle_for_any_cost(widget,
                                                                                   cost):
    """Prop. 5: d = ‖w1 − s w2‖ = 0 (s = sgn f'(0) = −1 for x* = 1) is the bad set, and the
    flow from it converges to the saddle whatever the cost."""
    widget.apply_preset("Prop. 5: d = 0 slides into the saddle (any cost)")
    widget.set_params(cost=cost)
    assert widget.results["distance"] == 0.0
    r = widget.results["run"]
    assert abs(r.x[-1]) < 1e-3 and np.max(np.abs(r.weights[-1])) < 0.05
    assert "d = ‖w1 − s·w2‖ = 0 (the bad set)" in widget.status_text
    assert "heading into the saddle" in widget.status_text and widget.error is None
    widget.set_params(imbalance=0.01)          # off the bad set: d > 0, to a minimum
    assert widget.results["distance"] > 0 and "converged" in widget.status_text


def test_large_step_preset_reports_divergence_with_the_limit(widget):
    widget.apply_preset("step too large (diverges)")
    limit = gf.gd_step_limit(gf.make_cost("quadratic", 1.0), 3.0)     # c = 9: w1² − w2² = 3
    assert widget.results["run"].diverged
    assert f"{limit:.3g}" in widget.status_text and "diverged" in widget.status_text
    all_dynamic_data_finite(widget)


def test_imbalance_accelerates_convergence_between_presets(widget):
    widget.apply_preset("balanced start (plateau)")
    slow = widget.results["convergence_time"]
    widget.apply_preset("large imbalance (fast)")
    assert widget.results["convergence_time"] < slow / 2


def test_every_preset_applies_without_error(widget):
    for name in GradientFlowExplorer.PRESETS:
        widget.apply_preset(name)
        assert widget.error is None, (name, widget.error)
        all_dynamic_data_finite(widget)


@pytest.mark.parametrize("name", list(GradientFlowExplorer.DEFAULTS))
def test_every_control_at_both_ends(widget, name):
    control = widget.controls[name]
    if hasattr(control, "options"):
        ends = [o if not isinstance(o, tuple) else o[1] for o in control.options]
    elif isinstance(control.value, bool):
        ends = [True, False]
    else:
        ends = [control.min, control.max]
    for v in ends:
        control.value = v
        assert widget.error is None or "⚠" in widget.status.value
        all_dynamic_data_finite(widget)


def test_cursor_marks_the_trajectory_at_that_time(widget):
    widget.controls["cursor"].value = 0.5
    a, b = line(widget.phase_artists["trajectory"])
    k = round(0.5 * (len(a) - 1))
    assert tuple(line(widget.phase_artists["cursor"])[:, 0]) == (a[k], b[k])
    assert widget.loss_artists["cursor"].get_xdata()[0] == pytest.approx(widget.results["run"].t[k])


states = st.fixed_dictionaries({
    "cost": st.sampled_from(list(gf.COSTS)),
    "target": st.floats(-2, 2),
    "imbalance": st.floats(0, 36),
    "branch": st.sampled_from(["w1² > w2²", "w2² > w1²"]),
    "invariant": st.floats(-6, 6),
    "x0": st.floats(-3, 3),
    "mirror": st.booleans(),
    "horizon": st.floats(1, 40),
    "width": st.integers(1, 8),
    "depth": st.integers(2, 6),
    "activation": st.sampled_from(["linear", "sigmoid", "tanh"]),
    "method": st.sampled_from(["gradient flow", "gradient descent"]),
    "lr": st.floats(0.01, 2.0),
    "view": st.floats(1, 10),
    "compare": st.booleans(),
    "c2": st.floats(0, 36),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states)
def test_random_parameters_give_a_finite_picture_or_a_clear_message(widget, state):
    widget.set_params(**state)
    if widget.error is None:
        all_dynamic_data_finite(widget)
        assert not any(s in widget.status_text for s in ("nan", "inf"))
    else:
        assert len(widget.error) > 10 and "Traceback" not in widget.error
        assert math.isfinite(widget.last_update_seconds)


# ------------------------------------------------------------------ clicks on the plane
def click(widget, w1, w2):
    """A real left click at data point (w1, w2) of the phase plane, through matplotlib."""
    fig = widget.figure("phase")
    fig.canvas.draw()
    x, y = widget.ax_phase.transData.transform((w1, w2))
    event = MouseEvent("button_press_event", fig.canvas, x, y, button=1)
    fig.canvas.callbacks.process("button_press_event", event)


def test_click_sets_the_start_of_the_trajectory(widget):
    click(widget, -1.2, 0.4)
    a, b = widget.phase_artists["trajectory"].get_data()
    assert (a[0], b[0]) == pytest.approx((-1.2, 0.4), abs=0.02)
    assert widget.state["mirror"] is True


def test_bad_click_shows_a_message_in_the_status_line_not_a_traceback(widget):
    click(widget, 2.4, 2.4)                  # x = 5.8 is beyond the x0 slider
    assert widget.error is not None and "click closer" in widget.error
    assert "⚠" in widget.status.value
    click(widget, 0.5, 0.5)
    assert widget.error is None and "⚠" not in widget.status.value


@pytest.mark.parametrize("point", [(-1.2, 0.4), (0.7, -1.1), (1.5, 0.3)])
def test_a_click_starts_the_neurons_and_a_deep_chain_where_clicked(widget, point):
    """The click's (w1, w2) round-trips through the start step for the sigmoid and tanh
    neurons (x0 = w2 act(w1) and their invariant C) and the tied chain of depth 4 (to the 4
    decimals the sliders keep)."""
    for state in ({"activation": "sigmoid"}, {"activation": "tanh"}, {"depth": 4}):
        widget.reset()
        widget.set_params(**state)
        click(widget, *point)
        assert widget.error is None, widget.error
        assert tuple(widget.results["plane"][i][0] for i in (0, 1)) == pytest.approx(point, abs=0.02)


def test_a_locked_x0_holds_against_a_click(widget):
    widget.lock("x0")
    try:
        click(widget, -1.2, 0.4)
        assert "locked" in widget.error and widget.state["x0"] == 0.05
    finally:
        widget.unlock("x0")


# ------------------------------------------------------------------ the steps
def test_results_are_the_named_solver_results(widget):
    """w.results holds each step; the origin is classified once and shared by the picture
    and the status line; the T mark is the numeric T at the current c."""
    assert {"cost_fn", "network", "origin", "start", "run", "times", "plane", "closed_form",
            "conserved_curve", "bound", "convergence_curve", "convergence_time",
            "landscape", "minima", "manifolds", "levels", "w_gap", "distance", "pd_pl",
            "compare_run", "prop7"} <= set(widget.results)
    assert widget.results["origin"].description in widget.status_text
    assert isinstance(widget.results["run"], gf.FlowResult)
    T = gf.convergence_time_numeric(gf.make_cost("quadratic", 1.0), 0.05, 0.5, 1e-3,   # √0.25
                                    t_max=60.0, safety=0.2)
    assert widget.results["convergence_time"] == T


def test_moving_the_cursor_recomputes_nothing(widget):
    before = {k: v for k, v in widget.results.items()}
    widget.controls["cursor"].value = 0.3
    assert all(widget.results[k] is v for k, v in before.items())


def test_dragging_x0_draws_a_coarse_time_curve_and_release_the_full_one(widget):
    with widget.dragging():
        widget.controls["x0"].value = 0.2
        assert len(line(widget.time_artists["numeric"])[0]) == 13
        run = widget.results["run"]
    assert len(line(widget.time_artists["numeric"])[0]) == 49
    assert widget.results["run"] is run          # only the coarse step reran


def test_the_loss_time_axis_follows_the_horizon_after_the_drag(widget):
    with widget.dragging():
        widget.controls["horizon"].value = 20.0
        assert widget.ax_loss.get_xlim()[1] == 10.0
    assert widget.ax_loss.get_xlim()[1] == 20.0


def test_the_loss_bound_is_above_the_loss(widget):
    """The drawn bound d0²/2 e^(−2μct) lies above the numeric loss (quadratic, log-cosh)."""
    for cost in ("quadratic", "log-cosh"):
        widget.set_params(cost=cost, imbalance=1.5, x0=-0.4)
        tb, bound = line(widget.loss_artists["bound"])
        t, loss = line(widget.loss_artists["numeric"])
        assert np.all(np.interp(t, tb, bound) >= loss * (1 - 1e-6) - 1e-12)


# ------------------------------------------------------------------ preset promises
def test_balanced_start_preset_sits_on_a_plateau_before_it_converges(widget):
    """Balanced, x0 = 0.01: at t = 1 the loss is still above 85 % of its start (a plateau),
    where the large-imbalance preset's is below 1 %; both then converge."""
    for preset, above in (("balanced start (plateau)", True), ("large imbalance (fast)", False)):
        widget.apply_preset(preset)
        r = widget.results["run"]
        k = np.searchsorted(r.t, 1.0)
        assert (r.loss[k] > 0.85 * r.loss[0]) if above else (r.loss[k] < 0.01 * r.loss[0])
        assert "converged" in widget.status_text
        assert math.isfinite(widget.results["convergence_time"])


def test_self_balancing_preset_converges_at_a_smaller_imbalance(widget):
    """η = 0.7 is above the step limit at c = 9 (w1² − w2² = 3; 0.555) and below
    1/(f''|x*|) = 1: gradient descent does not diverge, drifts to a flatter minimum (c falls
    from 9) whose own step limit is larger than η, and converges there."""
    widget.apply_preset("step near the limit (self-balances)")
    r = widget.results["run"]
    cost = gf.make_cost("quadratic", 1.0)
    assert gf.gd_step_limit(cost, abs(r.conserved[0])) < 0.7 < 1.0
    assert not r.diverged and abs(r.x[-1] - 1.0) < 1e-3
    c_end = abs(r.conserved[-1])
    assert c_end < 0.9 * abs(r.conserved[0])
    assert gf.gd_step_limit(cost, c_end) > 0.7
    assert "converged at step" in widget.status_text
    assert f"c drifted to {c_end ** 2:.3g}" in widget.status_text     # the paper's c


def test_deep_chain_preset_shows_a_non_strict_saddle_and_a_longer_plateau(widget):
    widget.apply_preset("balanced start (plateau)")
    T2 = widget.results["convergence_time"]
    widget.apply_preset("deep chain (non-strict saddle)")
    assert widget.results["origin"].kind == "non-strict saddle"
    assert widget.results["manifolds"] is None and line(widget.phase_artists["stable"]).size == 0
    assert "non-strict saddle" in widget.status_text
    assert widget.results["convergence_time"] > T2


def test_tanh_preset_conserves_its_invariant_and_bends_the_stable_line(widget):
    widget.apply_preset("tanh neuron (extension)")
    r = widget.results["run"]
    assert r.model == "tanh" and np.ptp(r.conserved) < 1e-6
    a, b = line(widget.phase_artists["stable"])
    np.testing.assert_allclose(b, -np.sinh(a), atol=1e-12)     # f'(0) = −1: w2 = −sinh w1
    assert widget.time_artists["note"].get_text() == "T(c) is drawn for linear networks"
    assert widget.controls["width"].disabled and widget.controls["depth"].disabled


# ------------------------------------------------------------------ the paper's items
def legend_labels(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def test_every_preset_note_leads_its_status_line(widget):
    for name, note in GradientFlowExplorer.PRESET_NOTES.items():
        widget.apply_preset(name)
        assert widget.status_text.startswith(note), name


def test_fig3_left_preset_is_the_papers_window_and_colours(widget):
    """Fig. 3 left: [−10, 10]², target set w1 w2 = 1 in black, centre-stable w2 = −w1 in red
    and unstable w2 = w1 in blue (the paper's colours), the four regions of one type."""
    from saddle_widgets.plots import gradient_flow as plot
    widget.apply_preset("Fig. 3 left: linear, four equivalent regions")
    assert widget.ax_phase.get_xlim() == (-10.0, 10.0) == widget.ax_phase.get_ylim()
    a = widget.phase_artists
    u, v = line(a["stable"])
    np.testing.assert_allclose(v, -u)
    u, v = line(a["unstable"])
    np.testing.assert_allclose(v, u)
    u, v = line(a["minima"])
    ok = np.isfinite(v)
    np.testing.assert_allclose(u[ok] * v[ok], 1.0, atol=1e-12)
    assert a["stable"].get_color() == plot.STABLE_COLOUR == "#D55E00"      # red
    assert a["unstable"].get_color() == plot.UNSTABLE_COLOUR == "#0072B2"  # blue
    assert a["minima"].get_color() == "#000000"
    assert widget.results["landscape"].shape == (121, 121)


def test_fig3_right_preset_draws_the_papers_sigmoid_separatrices_and_target(widget):
    """Fig. 3 right: σ(z) = z/√(1+z²); the separatrices are the level set C = −½ with the
    minus branch centre-stable (f'(0) < 0); the target set w2 σ(w1) = 1 lies in |w2| > 1;
    the run conserves C to 1e-8."""
    widget.apply_preset("Fig. 3 right: sigmoid, four regions of two types")
    r = widget.results["run"]
    assert r.model == "sigmoid" and np.ptp(r.conserved) < 1e-8
    assert r.conserved[0] == pytest.approx(0.25, abs=1e-9)
    u, v = line(widget.phase_artists["stable"])
    np.testing.assert_allclose(v, -u * np.sqrt((2 + u ** 2) / 2), atol=1e-12)
    u, v = line(widget.phase_artists["minima"])
    ok = np.isfinite(v)
    assert np.all(np.abs(v[ok]) > 1)
    assert "centre-stable curve" in legend_labels(widget.ax_phase)
    assert legend_labels(widget.ax_time) == []          # no T(c) for a neuron: no legend


def test_sigmoid_centre_stable_preset_flows_into_the_saddle(widget):
    widget.apply_preset("sigmoid: on the centre-stable curve (to the saddle)")
    r = widget.results["run"]
    assert abs(r.conserved[0] + 0.5) < 1e-9 and np.max(np.abs(r.weights[-1])) < 0.05
    assert "(a separatrix)" in widget.status_text and "heading into the saddle" in widget.status_text


def test_prop7_preset_orders_the_two_losses_at_every_time(widget):
    """Prop. 7: the same x0, c = 0.25 and c₂ = 4: the second loss is below the first at
    every t > 0, and the panel draws and lists both."""
    widget.apply_preset("Prop. 7: same product, larger c is never slower")
    r, r2 = widget.results["run"], widget.results["compare_run"]
    resolved = r.loss > 1e-12          # above the integrator's resolution (rtol 1e-8)
    resolved[0] = False
    assert r.x[0] == pytest.approx(r2.x[0]) and np.all(r2.loss[resolved] < r.loss[resolved])
    assert widget.results["prop7"] <= 1e-12       # to the integrator's resolution
    assert float(gf.imbalance_paper(r2.w1[0], r2.w2[0])) == pytest.approx(4.0)
    assert "second start (c₂)" in legend_labels(widget.ax_loss)
    assert "the larger c has the lower loss at every t" in widget.status_text
    widget.controls["compare"].value = False
    assert widget.results["compare_run"] is None
    assert not any("c₂" in t for t in legend_labels(widget.ax_loss))


def test_cor6_preset_is_stuck_with_d_positive_where_pd_pl_fails(widget):
    widget.apply_preset("Cor. 6 fails: double well, f'(0) = 0, stuck")
    r = widget.results["run"]
    assert widget.results["pd_pl"] == 0 and widget.results["distance"] > 0
    assert np.all(r.x == 0) and "stuck" in widget.status_text
    assert "PD-PŁ fails" in widget.status_text
    # no c converges from x0 = 0: the T(c) panel says so instead of drawing an asymptote
    assert legend_labels(widget.ax_time) == []
    assert widget.time_artists["note"].get_text() == "no c converges from x0 = 0"
    assert line(widget.time_artists["asymptote"]).size == 0


def test_the_readout_is_the_papers_c_and_names_the_branch(widget):
    """The status line reads the paper's c = (w1² − w2²)² and the signed branch value."""
    widget.set_params(imbalance=2.25, branch="w2² > w1²")
    assert "c = 2tr(C²) − tr(C)² = (w1² − w2²)² = 2.25 (w1² − w2² = −1.5)" in widget.status_text
    r = widget.results["run"]
    assert r.conserved[0] == pytest.approx(-1.5)


def test_legends_list_only_what_is_drawn(widget):
    widget.apply_preset("deep chain (non-strict saddle)")
    labels = legend_labels(widget.ax_phase)
    assert not any("centre-stable" in t or "unstable" in t for t in labels)
    assert "target set x = x*" in labels
    widget.set_params(cost="log-cosh")           # no closed form away from the quadratic
    assert "flow, closed form" not in legend_labels(widget.ax_loss)
    widget.reset()
    assert {"centre-stable line", "unstable line"} <= set(
        legend_labels(widget.ax_phase))
    assert "flow, closed form" in legend_labels(widget.ax_loss)


def test_the_view_range_resizes_the_landscape_and_the_level_sets(widget):
    widget.controls["view"].value = 6.0
    assert widget.ax_phase.get_xlim() == (-6.0, 6.0)
    assert widget.phase_artists["landscape"].get_extent() == [-6.0, 6.0, -6.0, 6.0]
    gap = widget.results["landscape"]
    g = np.linspace(-6, 6, 121)
    assert gap[0, 0] == pytest.approx(float(gf.plane_loss_gap("quadratic", g[0], g[0])))


def test_every_cursor_step_moves_the_loss_cursor_also_over_a_short_descent(widget):
    """38 iterates of gradient descent: the cursor marks the time cursor × the run's length
    on the loss panel (each 0.01 step moves it) and the nearest iterate on the plane."""
    widget.set_params(method="gradient descent", lr=0.55, imbalance=9.0, x0=0.5, horizon=20.0)
    times = widget.results["times"]
    assert len(times) == 38
    xs = []
    for cursor in (1.0, 0.99):
        widget.controls["cursor"].value = cursor
        xs.append(widget.loss_artists["cursor"].get_xdata()[0])
    assert xs == [pytest.approx(times[-1]), pytest.approx(0.99 * times[-1])]


def test_a_new_legend_is_painted_over_the_cached_background_and_equals_a_full_draw():
    """Switching the neuron changes all three legends ("legend" layer): no figure is drawn
    in full, and each canvas shows exactly what a full draw of the same state shows."""
    w = GradientFlowExplorer()
    full = {}
    for name, fig in w._figs.items():
        orig = fig.canvas.draw
        full[name] = 0

        def counted(orig=orig, name=name):
            full[name] += 1
            return orig()
        fig.canvas.draw = counted
    for activation in ("sigmoid", "linear", "tanh"):
        w.set_params(activation=activation)
        assert full == {"phase": 0, "loss": 0, "time": 0}, activation
        blitted = {n: np.asarray(f.canvas.buffer_rgba()).copy() for n, f in w._figs.items()}
        w.invalidate(*w.figures)
        w.redraw()
        for name, fig in w._figs.items():
            assert np.array_equal(np.asarray(fig.canvas.buffer_rgba()), blitted[name]), \
                (activation, name)
            full[name] = 0
    assert "curve" in " ".join(legend_labels(w.ax_phase))      # tanh: separatrix curves
    w.close()


def test_the_play_button_walks_the_time_cursor_over_its_range(widget):
    """``player``: 50 even frames of the float cursor on [0, 1]."""
    play = widget.plays["cursor"]
    assert (play.min, play.max) == (0, 50)
    for frame in (0, 10, 50):
        play.value = frame
        assert widget.state["cursor"] == pytest.approx(frame / 50)


def test_imbalances_past_the_step_cap_are_marked_not_computed():
    """Double well y = 1, x0 = 0.05, depth 6, w2² > w1²: some T(c) need more than T_STEPS
    RK4 steps. Those are NaN in the result, a gap in the orange line, grey crosses at the
    top edge at exactly those c, in the legend, and counted in the status line; the other
    points are the solver's uncapped T."""
    from saddle_widgets.widgets.gradient_flow import C_GRID, T_MAX, T_STEPS
    w = GradientFlowExplorer(canvas="agg", cost="double well", target=1.0, x0=0.05, depth=6,
                             branch="w2² > w1²")
    try:
        curve = w.results["convergence_curve"]["numeric"]
        missing = np.isnan(curve)
        assert missing.any()
        full = gf.convergence_time_numeric(gf.make_cost("double well", 1.0), 0.05,
                                           -np.sqrt(C_GRID), 1e-3, depth=6, t_max=T_MAX,
                                           safety=0.2, max_iter=20_000)
        np.testing.assert_array_equal(curve[~missing], full[~missing])
        cs, ys = line(w.time_artists["uncomputed"])
        np.testing.assert_array_equal(cs, C_GRID[missing])
        assert np.all(np.isnan(line(w.time_artists["numeric"])[1][missing]))
        labels = [t.get_text() for t in w.ax_time.get_legend().get_texts()]
        assert "T not computed" in labels
        assert f"T(c) not computed at {missing.sum()} of 49 imbalances" in w.status_text
        assert f"{T_STEPS} RK4 steps" in w.status_text
        w.set_params(cost="quadratic")          # all computed: no crosses, no such text
        assert len(line(w.time_artists["uncomputed"])[0]) == 0
        assert "not computed" not in w.status_text
    finally:
        w.close()


def test_a_start_on_the_double_well_hump_at_depth_6_builds():
    """The state that took 37 s (T(c) integrated to the 20,000-step cap): x0 = −3 is the
    hump of the double well with y = −2 (f'(−3) = 0), so the exact flow never leaves it:
    T = inf at every c (the panel's note says no c converges, the mark is the triangle at
    the top), and the status line says why the run drawn still moves (its start weights
    have the product −3 only up to rounding)."""
    w = GradientFlowExplorer(canvas="agg", cost="double well", target=-2, x0=-3, imbalance=36,
                             depth=6, horizon=40)
    try:
        assert w.error is None
        assert np.all(w.results["convergence_curve"]["numeric"] == math.inf)
        assert w.results["convergence_time"] == math.inf
        assert w.time_artists["note"].get_text() == "no c converges from x0 = -3"
        assert w.time_artists["mark"].get_marker() == "^"
        if np.ptp(w.results["run"].x) >= 1e-12:
            assert "x0 is a critical point of f" in w.status_text
        w.set_params(x0=-2.99)                  # off the hump: it converges, no such note
        assert np.isfinite(w.results["convergence_curve"]["numeric"]).any()
        assert "critical point of f" not in w.status_text
    finally:
        w.close()
