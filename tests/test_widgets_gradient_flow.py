"""Gradient-flow explorer, headless: what is drawn is what the solver computes."""
import math

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
    for artist in (widget.trajectory, widget.loss_line, widget.time_numeric, widget.cursor_mark):
        data = line(artist)
        assert np.all(np.isfinite(data[~np.isnan(data)]))


def test_trajectory_is_the_solvers_flow(widget):
    widget.set_state(imbalance=1.3, x0=0.2, cost="log-cosh", target=-0.5)
    w0 = gf.initial_weights(0.2, 1.3)
    r = gf.integrate_flow(gf.make_cost("log-cosh", -0.5), w0[:1], w0[1:],
                          np.linspace(0, widget.state["horizon"], 161), rtol=1e-8)
    np.testing.assert_allclose(line(widget.trajectory), r.weights.T, atol=1e-9)
    np.testing.assert_allclose(line(widget.loss_line)[1], r.loss - 0.0, atol=1e-12)


def test_exact_curve_is_the_closed_form_and_the_flow_lies_on_it(widget):
    """For f = (x - y)^2/2 the drawn exact curve is quadratic_flow_solution mapped to the
    plane, and the numeric trajectory's product w1 w2 agrees with it to 1e-6."""
    widget.set_state(imbalance=0.7, x0=-0.3, target=1.2)
    t = np.linspace(0, widget.state["horizon"], 200)
    x = gf.quadratic_flow_solution(t, -0.3, 1.2, 0.7)
    ea, eb = line(widget.exact_curve)
    np.testing.assert_allclose(ea * eb, x, atol=1e-12)
    np.testing.assert_allclose(ea ** 2 - eb ** 2, 0.7, atol=1e-9)
    r = widget.result
    np.testing.assert_allclose(r.x, gf.quadratic_flow_solution(r.t, -0.3, 1.2, 0.7), atol=1e-6)


def test_width_h_is_drawn_as_its_equivalent_scalar_pair(widget):
    """Exact reduction: for width h the plane shows (a, b) with ab = x, a^2 - b^2 = c, and x(t)
    is the same as for h = 1."""
    widget.set_state(imbalance=1.0, x0=0.3, width=1)
    x1 = widget.result.x.copy()
    widget.controls["width"].value = 5
    assert widget.result.weights.shape[1] == 10
    np.testing.assert_allclose(widget.result.x, x1, atol=1e-6)
    a, b = line(widget.trajectory)
    np.testing.assert_allclose(a * b, widget.result.x, atol=1e-12)
    np.testing.assert_allclose(a ** 2 - b ** 2, 1.0, atol=1e-6)


def test_convergence_time_panel_shows_numeric_and_closed_form(widget):
    widget.set_state(x0=0.1, imbalance=2.0)
    cs, T = line(widget.time_numeric)
    Te = [gf.convergence_time_closed_form(0.1, 1.0, c, 1e-3) for c in cs]
    np.testing.assert_allclose(T, Te, rtol=2e-3)
    mark_c, mark_T = line(widget.time_mark)
    assert mark_c[0] == 2.0
    assert mark_T[0] == pytest.approx(gf.convergence_time_closed_form(0.1, 1.0, 2.0, 1e-3),
                                      rel=2e-3)


def test_status_names_the_saddle_from_the_hessian(widget):
    widget.set_state(target=0.8)
    assert "strict saddle (eigenvalues ±0.8)" in widget.status_text
    widget.controls["depth"].value = 3
    assert "non-strict saddle" in widget.status_text


def test_stable_line_preset_reaches_the_saddle(widget):
    widget.apply_preset("start on the stable line (reaches the saddle)")
    assert abs(widget.result.x[-1]) < 1e-3
    assert "saddle" in widget.status_text and widget.error is None


def test_large_step_preset_reports_divergence_with_the_limit(widget):
    widget.apply_preset("step too large (diverges)")
    limit = gf.gd_step_limit(gf.make_cost("quadratic", 1.0), 3.0)
    assert widget.result.diverged
    assert f"{limit:.3g}" in widget.status_text and "diverged" in widget.status_text
    all_dynamic_data_finite(widget)


def test_imbalance_accelerates_convergence_between_presets(widget):
    widget.apply_preset("balanced start (plateau)")
    slow = widget._T_now
    widget.apply_preset("large imbalance (fast)")
    assert widget._T_now < slow / 2


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
    a, b = line(widget.trajectory)
    k = round(0.5 * (len(a) - 1))
    assert tuple(line(widget.cursor_mark)[:, 0]) == (a[k], b[k])
    assert widget.loss_cursor.get_xdata()[0] == pytest.approx(widget.result.t[k])


states = st.fixed_dictionaries({
    "cost": st.sampled_from(list(gf.COSTS)),
    "target": st.floats(-2, 2),
    "imbalance": st.floats(-6, 6),
    "x0": st.floats(-3, 3),
    "mirror": st.booleans(),
    "horizon": st.floats(1, 40),
    "width": st.integers(1, 8),
    "depth": st.integers(2, 6),
    "activation": st.sampled_from(["linear", "tanh"]),
    "method": st.sampled_from(["gradient flow", "gradient descent"]),
    "lr": st.floats(0.01, 2.0),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states)
def test_random_parameters_give_a_finite_picture_or_a_clear_message(widget, state):
    widget.set_state(**state)
    if widget.error is None:
        all_dynamic_data_finite(widget)
        assert not any(s in widget.status_text for s in ("nan", "inf"))
    else:
        assert len(widget.error) > 10 and "Traceback" not in widget.error
        assert math.isfinite(widget.last_update_seconds)
