"""Headless tests of the predictive-coding explorers (Agg canvases outside a kernel).

Each test states what the learner sees and checks it against the solver's answer.
"""
from __future__ import annotations

import base64

import ipywidgets as widgets
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddle_widgets import EscapeRaceExplorer, PCLandscapeExplorer, SaddleSpectrumExplorer
from saddle_widgets.plots import predictive_coding as pcplot
from saddle_widgets.solvers import predictive_coding as pc
from saddle_widgets.solvers.predictive_coding import ESCAPE_FRACTION

CLASSES = [PCLandscapeExplorer, SaddleSpectrumExplorer, EscapeRaceExplorer]


@pytest.fixture(scope="module")
def landscape():
    return PCLandscapeExplorer()


@pytest.fixture(scope="module")
def spectrum():
    return SaddleSpectrumExplorer()


@pytest.fixture(scope="module")
def race():
    return EscapeRaceExplorer()


def _ends(control):
    """Both ends (and the options) of a control."""
    if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if isinstance(control, widgets.Checkbox):
        return [True, False]
    return [control.min, control.max]


def _artist_data(w):
    """All numeric data of every line, image and quiver of every figure."""
    out = []
    for fig in w.figures:
        for ax in fig.axes:
            for line in ax.lines:
                x, y = line.get_data()
                out += [np.asarray(x, float), np.asarray(y, float)]
            for im in ax.images:
                out.append(np.asarray(im.get_array(), float))
            for coll in ax.collections:
                if hasattr(coll, "U"):
                    out += [np.asarray(coll.U, float), np.asarray(coll.V, float)]
    return out


def _finite(w):
    return all(np.all(np.isfinite(a)) for a in _artist_data(w))


def _full_draws(w):
    """{figure name: full canvas draws from now on}: a full draw costs ~40-80 ms, a blit of
    the moving artists a few ms."""
    counts = dict.fromkeys(w.FIGURES, 0)
    for name in w.FIGURES:
        canvas = w.figure(name).canvas
        def counted(*args, _draw=canvas.draw, _name=name, **kwargs):
            counts[_name] += 1
            return _draw(*args, **kwargs)
        canvas.draw = counted
    return counts


def _trained_depths(monkeypatch):
    """[(H, n_steps) of each run trained from now on] (H = number of weights − 1), whether by
    pc.train or by pc.train_runs (several runs at once)."""
    calls = []
    train, train_runs = pc.train, pc.train_runs

    def counted(weights0, *args, **kwargs):
        calls.append((len(weights0) - 1, kwargs["n_steps"]))
        return train(weights0, *args, **kwargs)

    def counted_runs(starts, *args, n_steps, **kwargs):
        steps = n_steps if isinstance(n_steps, (list, tuple)) else [n_steps] * len(starts)
        calls.extend((len(st) - 1, n) for st, n in zip(starts, steps))
        return train_runs(starts, *args, n_steps=n_steps, **kwargs)
    monkeypatch.setattr(pc, "train", counted)
    monkeypatch.setattr(pc, "train_runs", counted_runs)
    return calls


# ----------------------------------------------------------------------------- common contract
@pytest.mark.parametrize("cls", CLASSES)
def test_builds_with_a_sentence_and_round_trips_its_state(cls):
    """A fresh widget shows a status sentence, no error, finite data; Widget(**state)
    rebuilds the same parameters."""
    w = cls()
    assert w.error is None and w.status_text
    assert _finite(w)
    assert type(w)(**w.state).state == w.state


@pytest.mark.parametrize("cls", CLASSES)
def test_every_preset_applies_and_round_trips(cls):
    """Each preset (the papers' figures) applies without error and round-trips."""
    w = cls()
    for name in cls.PRESETS:
        w.apply_preset(name)
        assert w.error is None or cls is EscapeRaceExplorer and "diverge" in w.status_text, \
            (name, w.error)
        assert _finite(w)
        assert type(w)(**w.state).state == w.state


@pytest.mark.parametrize("cls", CLASSES)
def test_both_ends_of_every_control(cls):
    """Setting each control to each end (dropdown: each option) never crashes and never
    paints NaN; an error, if any, is a sentence in the status line."""
    w = cls()
    for name, control in w.controls.items():
        w.reset()                        # the ends of a range that follows a parameter
        for value in _ends(control):     # (the training step's) are those of the defaults
            w.reset()
            control.value = value
            assert _finite(w), (name, value)
            if w.error is not None:
                assert len(w.error) > 20 and "Traceback" not in w.error
    w.reset()
    assert w.error is None


@pytest.mark.parametrize("cls", CLASSES)
def test_static_png_and_text_summary(cls):
    """_repr_mimebundle_ carries a PNG of the figures and a text/plain summary."""
    w = cls()
    bundle = w._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert type(w).__name__ in bundle["text/plain"]


@pytest.mark.parametrize("cls", CLASSES)
def test_dragging_is_coarse_then_refined(cls):
    """Inside w.dragging() every control gives a picture at once; on exit the full one."""
    w = cls()
    for name, control in w.controls.items():
        ends = _ends(control)
        with w.dragging():
            control.value = ends[-1]
            assert _finite(w)
        assert _finite(w)
        control.value = ends[0]
    w.reset()


# ----------------------------------------------------------------------------- landscape
def test_landscape_images_are_the_solver_landscapes(landscape):
    """The left image is the MSE, the right one F* (or F after k inference steps), each
    evaluated by scalar_chain_landscape on the pixel centres of the slice."""
    w = landscape
    w.reset()
    X, Y = pc.toy_scalar_data(0)
    for depth, pair, k in [(2, "last two", "equilibrium"), (3, "first and last", 5),
                           (4, "first two", 0)]:
        w.set_params(depth=depth, pair=pair, inference_steps=k)
        assert w.error is None
        g = w.image_axis[False]
        a, b = {"last two": (depth - 1, depth), "first two": (1, 2),
                "first and last": (1, depth)}[pair]
        fixed = w.start_weights()
        mse = pc.scalar_chain_landscape(g, g, depth=depth, X=X, Y=Y, pair=(a, b), fixed=fixed,
                                        objective="mse", gradient=False)
        en = pc.scalar_chain_landscape(g, g, depth=depth, X=X, Y=Y, pair=(a, b), fixed=fixed,
                                       objective="energy", gradient=False,
                                       inference_steps=None if k == "equilibrium" else k)
        np.testing.assert_allclose(w.panels["mse"]["image"].get_array(), mse.values)
        np.testing.assert_allclose(w.panels["energy"]["image"].get_array(), en.values)
        if k == 0:   # no inference: the energy is the MSE
            np.testing.assert_allclose(en.values, mse.values, atol=1e-14)


def test_landscape_arrows_are_the_normalised_negative_gradient(landscape):
    """Quiver arrows: −∇f / |∇f| of the surface on the arrow grid."""
    w = landscape
    w.reset()
    X, Y = pc.toy_scalar_data(0)
    q = w.quiver_axis
    f = pc.scalar_chain_landscape(q, q, depth=2, X=X, Y=Y, pair=(1, 2),
                                  fixed=w.start_weights(), objective="energy")
    n = np.hypot(f.grad_a, f.grad_b)
    flat = n == 0          # a flat point (e.g. the origin) gets no arrow
    n = np.where(flat, 1.0, n)
    quiv = w.panels["energy"]["quiver"]
    np.testing.assert_allclose(np.asarray(quiv.U).reshape(n.shape), -f.grad_a / n)
    np.testing.assert_allclose(np.asarray(quiv.V).reshape(n.shape), -f.grad_b / n)


def test_landscape_status_classifies_the_origin(landscape):
    """H = 1: the origin is a strict saddle of both; H >= 2: strict for F* (λ_min = −σ_yy),
    non-strict for the MSE (Hessian = 0)."""
    w = landscape
    X, Y = pc.toy_scalar_data(0)
    syy = (Y @ Y.T).item() / X.shape[1]
    w.set_params(depth=2)
    assert "strict saddle of F*" in w.status_text and "strict saddle of the MSE" in w.status_text
    w.set_params(depth=3)
    assert f"strict saddle of F*, λ_min = {-syy:.3g}" in w.status_text
    assert "non-strict saddle of the MSE (Hessian = 0)" in w.status_text
    assert w.panels["mse"]["origin"].get_markerfacecolor() == "white"


def test_click_sets_the_start_and_changes_the_trajectories(landscape):
    """set_start (the click handler) moves the start; both trajectories begin there and
    equal pc.train from those weights."""
    w = landscape
    w.reset()
    before = w.panels["mse"]["bp"].get_data()[0].copy()
    w.set_start(0.5, -0.4)
    assert w.error is None and (w.state["start_a"], w.state["start_b"]) == (0.5, -0.4)
    xa, xb = w.panels["energy"]["pc"].get_data()
    assert (xa[0], xb[0]) == (0.5, -0.4)
    assert not np.array_equal(before, w.panels["mse"]["bp"].get_data()[0])
    X, Y = pc.toy_scalar_data(0)
    ws = [np.array([[v]]) for v in w.start_weights()]
    r = pc.train(ws, X, Y, method="pc", lr=w.state["lr"], n_steps=w.state["train_steps"],
                 record_weights=True, on_divergence="stop")
    np.testing.assert_allclose(xa, r.weight_trajectory[0][:, 0, 0])
    np.testing.assert_allclose(w.loss["pc"].get_data()[1], r.losses, atol=1e-299)
    w._guard(lambda: w.set_start(3.0, 0.0))
    assert "square" in w.error


def test_training_step_moves_the_markers_only(landscape):
    """The step control (driven by Play) moves the markers along the stored trajectories."""
    w = landscape
    w.reset()
    runs = w.results["runs"]
    w.controls["step"].value = 7
    assert w.results["runs"] is runs
    xa, xb = w.panels["mse"]["bp"].get_data()
    assert w.panels["mse"]["mark_bp"].get_data() == ([xa[7]], [xb[7]])
    assert list(w.loss_cursor.get_xdata()) == [7, 7]
    w.set_params(train_steps=20)
    assert w.controls["step"].max == 20 and w.controls["step"].value <= 20
    assert w.play.max == 20


def test_changing_the_horizon_gives_the_numbers_of_one_run_of_that_length(landscape):
    """Shortening or extending the horizon shows the same numbers as one run of it."""
    w = landscape
    w.reset()
    w.set_params(train_steps=40)
    w.set_params(train_steps=90)
    X, Y = pc.toy_scalar_data(0)
    ws = [np.array([[v]]) for v in w.start_weights()]
    r = pc.train(ws, X, Y, method="bp", lr=w.state["lr"], n_steps=90)
    np.testing.assert_allclose(w.loss["bp"].get_data()[1], r.losses, rtol=0, atol=1e-299)


def test_landscape_longer_horizon_continues_the_runs(monkeypatch):
    """Dragging the horizon up (100 -> 300 steps) trains only the 200 steps added per
    training, and the runs are number for number those of one training of 300 steps."""
    w = PCLandscapeExplorer()
    trained = _trained_depths(monkeypatch)
    with w.dragging():
        for n in (120, 160, 200, 250, 300):
            w.controls["train_steps"].value = n
    assert sum(n for _, n in trained) == 2 * 200
    X, Y = pc.toy_scalar_data(0)
    start = [np.array([[v]]) for v in w.start_weights()]
    for m, shown in w.results["runs"].items():
        one = pc.train(start, X, Y, method=m, lr=w.state["lr"], n_steps=300,
                       record_weights=True, on_divergence="stop")
        np.testing.assert_array_equal(shown.losses, one.losses)
        np.testing.assert_array_equal(shown.grad_norms, one.grad_norms)
        for a, b in zip(shown.weight_trajectory, one.weight_trajectory):
            np.testing.assert_array_equal(a, b)
    w.close()


def test_diverging_learning_rate_is_reported_not_painted(landscape):
    """A too-large learning rate from a far start: the status says so, the data stay finite."""
    w = landscape
    w.reset()
    w.set_params(depth=4, start_a=1.5, start_b=1.5, lr=1.5)
    assert "diverged" in w.status_text
    assert _finite(w)
    w.reset()


def test_bad_values_give_a_message(landscape):
    """Out-of-range values are refused with a sentence; the picture stays finite."""
    w = landscape
    w._guard(lambda: w.set_params(inference_steps=7))
    assert w.error and "inference_steps must be one of" in w.error
    with pytest.raises(ValueError, match="depth must be between"):
        w.set_params(depth=9)
    assert _finite(w)
    w.reset()


# ----------------------------------------------------------------------------- spectrum
def test_heat_maps_are_the_numerical_and_theory_hessians(spectrum):
    """The three heat maps are numerical_hessian (MSE, F*) and origin_hessian_theory (F*),
    cropped to the layers owning a non-zero entry: at H = 3 and the origin the W_L–W_L
    block of F* is its only non-zero part (Theorem 2), so the maps show W_4's 12 of 56
    weights, named under them; outside that block all three are 0."""
    w = spectrum
    w.apply_preset("Fig. 3: H = 3, width 4, dim 3")
    X, Y = pc.gaussian_toy_data(0, dim=3, batch=64)
    widths = [3, 4, 4, 4, 3]
    ws = [np.zeros((widths[i + 1], widths[i])) for i in range(4)]
    mse = pc.numerical_hessian(ws, X, Y, objective="mse")
    en = pc.numerical_hessian(ws, X, Y, objective="energy")
    th = pc.origin_hessian_theory(widths, X, Y, objective="energy")
    assert w.results["heat_block"] == (3,)
    for im, H in zip(w.heat["images"], (mse, en, th)):
        np.testing.assert_allclose(im.get_array(), H[44:, 44:])
        outside = H.copy()
        outside[44:, 44:] = 0
        assert np.max(np.abs(outside)) < 1e-6
    assert [t.get_text() for t in w.heat["labels"]] == [
        "the Hessian is 0", "W₄: 12 of 56 weights", "W₄: 12 of 56 weights"]
    lam = np.linalg.eigvalsh(en)
    xmax = w.results["histograms"]["xmax"]
    edges = np.linspace(-xmax, xmax, 42)
    np.testing.assert_array_equal(w.results["histograms"]["counts"]["energy"],
                                  np.histogram(lam, edges)[0])
    assert w.ax_spec.get_xlim() == (-xmax, xmax)
    assert "strict saddle of F*" in w.status_text
    assert "non-strict saddle of the MSE (Hessian = 0)" in w.status_text


def test_lambda_min_against_depth_equals_the_classifier(spectrum):
    """λ_min per depth (theory Hessians) equals classify_critical_point's numbers; at the
    origin F* has λ_min = −λ_max(Σ_yy) for H >= 2 and the MSE 0."""
    w = spectrum
    w.reset()
    X, Y = pc.gaussian_toy_data(0, dim=2, batch=64)
    hs, mse = w.depth["energy"].get_data(), w.depth["mse"].get_data()
    assert list(hs[0]) == [1, 2, 3, 4]
    for H, le, lm in zip(hs[0], hs[1], mse[1]):
        widths = [2] + [5] * int(H) + [2]
        ce = pc.classify_critical_point(pc.origin_hessian_theory(widths, X, Y),
                                        is_minimum=False)
        cm = pc.classify_critical_point(pc.origin_hessian_theory(widths, X, Y, objective="mse"),
                                        is_minimum=False)
        assert le == ce.lambda_min and lm == cm.lambda_min
    syy = np.linalg.eigvalsh(Y @ Y.T / 64)[-1]
    np.testing.assert_allclose(hs[1][1:], -syy, atol=1e-12)
    np.testing.assert_allclose(mse[1][1:], 0.0, atol=1e-12)
    assert w.depth["mark_energy"].get_data() == ([2], [hs[1][1]])


def test_other_saddle_choice_and_the_combinations_that_cannot_be_shown_are_clamped(spectrum):
    """The other zero-rank saddle is strict for F*. It is a critical point only for H ≥ 2 and
    the altered target needs dim ≥ 2: such combinations are clamped (the value just set
    wins), never an error; beyond 160 weights the exact Hessians are shown alone."""
    w = spectrum
    w.apply_preset("Fig. 9: other zero-rank saddle, H = 3 (Theorem 3)")
    assert w.error is None and "strict saddle of F*" in w.status_text
    assert "non-strict saddle of the MSE" in w.status_text
    w.controls["hidden"].value = 1                      # a new H = 1: back to the origin
    assert w.error is None and w.state["point"] == "origin"
    w.set_params(point="other zero-rank saddle")        # a new choice of saddle: H = 2
    assert w.error is None and w.state["hidden"] == 2
    w.reset()
    w.set_state(dim=1, altered_target=True)             # issue 14's case
    assert w.error is None and (w.state["dim"], w.state["altered_target"]) == (2, True)
    X, Y = w.results["data"]
    assert X.shape[0] == 2 and not np.allclose(Y[1], -X[1])
    w.controls["dim"].value = 1                         # a new dim = 1: the plain target
    assert w.error is None and w.state["altered_target"] is False
    assert w.controls["altered_target"].disabled
    w.set_params(hidden=4, width=10, dim=3)             # 360 weights: theory alone
    assert w.error is None and w.results["numeric"] is None
    assert "up to 160 weights" in w.status_text
    keep = pcplot.layer_indices([v.size for v in w.results["weights"]],
                                w.results["heat_block"])
    np.testing.assert_array_equal(w.heat["images"][2].get_array(),
                                  pcplot.display_matrix(w.results["theory"]["energy"][
                                      np.ix_(keep, keep)]))
    w.reset()


def test_an_error_blanks_the_panels_and_the_next_good_update_redraws_them(spectrum):
    """No Hessian of an earlier state stays on screen under an error message."""
    w = spectrum
    w.reset()

    def broken(*args):
        raise ValueError("a broken theory")
    w.theory = broken
    w.set_params(width=3)
    assert w.error == "a broken theory"
    assert all(not np.any(im.get_array()) for im in w.heat["images"])
    assert not any(w.hist[k].get_visible() for k in ("mse", "energy", "theory"))
    assert not any(line.get_visible() for line in w.depth.values())
    del w.theory
    w.set_params(width=5)                               # the state shown before the error
    assert w.error is None
    keep = pcplot.layer_indices([v.size for v in w.results["weights"]],
                                w.results["heat_block"])
    np.testing.assert_array_equal(w.heat["images"][2].get_array(),
                                  w.results["theory"]["energy"][np.ix_(keep, keep)])
    assert w.hist["theory"].get_visible() and w.depth["energy"].get_visible()


def test_spectrum_drags_keep_the_axes_and_a_release_redraws_only_a_new_range():
    """While a slider is dragged the spectrum and λ_min axes stay put (blits only, no full
    redraw); released where it started, the ranges shown still fit and nothing is redrawn in
    full; released elsewhere, the axes are those of a fresh widget of that state."""
    w = SaddleSpectrumExplorer()
    w.apply_preset("other zero-rank saddle, H = 2: strict in the MSE too")
    draws = _full_draws(w)
    for name, values in (("width", [1, 10, 4]), ("saddle_scale", [0.0, 2.0, 1.0]),
                         ("seed", [4, 20, 0]), ("dim", [1, 3, 2]), ("hidden", [4, 3, 2]),
                         ("altered_target", [True, False])):
        with w.dragging():
            for value in values:
                w.controls[name].value = value
                assert not any(draws.values()), (name, value, draws)
        assert not any(draws.values()), (name, draws)
    with w.dragging():
        w.controls["width"].value = 8
    fresh = SaddleSpectrumExplorer(**w.state)
    assert w.ax_spec.get_xlim() == fresh.ax_spec.get_xlim() != (-1, 1)
    assert w.ax_depth.get_ylim() == fresh.ax_depth.get_ylim()
    assert draws["heat"] == 0 and draws["spectrum"] <= 1 and draws["depth"] <= 1
    w.close()
    fresh.close()


def test_spectrum_scale_and_seed_change_nothing_at_the_origin():
    """At the origin the scale and seed of W_{L−1} do not enter: changing them recomputes
    no Hessian and redraws nothing."""
    w = SaddleSpectrumExplorer()
    numeric, sweep = w.results["numeric"], w.results["depth_sweep"]
    draws = _full_draws(w)
    w.set_params(seed=5, saddle_scale=0.3)
    with w.dragging():
        w.controls["seed"].value = 9
    assert w.results["numeric"] is numeric and w.results["depth_sweep"] is sweep
    assert not any(draws.values())
    w.set_params(point="other zero-rank saddle")          # and they count off the origin
    ws = w.results["weights"]
    np.testing.assert_array_equal(ws[-2], pc.zero_rank_saddle_weights([2, 5, 5, 2], scale=0.3,
                                                                      seed=9)[-2])
    w.close()


# ----------------------------------------------------------------------------- escape race
def test_race_curves_are_the_solver_runs(race):
    """Loss and gradient-norm curves are pc.train's series; the sweep is steps_to_escape."""
    w = race
    w.reset()
    X, Y = pc.gaussian_toy_data(0, dim=1, batch=64)
    ws = pc.init_weights([1, 1, 1, 1], 0.05, 0)
    thr = ESCAPE_FRACTION * 0.5 * (Y @ Y.T).item() / 64
    for m in ("bp", "pc"):
        loss, grad = w.loss[m], w.grad[m]
        r = pc.train(ws, X, Y, method=m, lr=0.4, n_steps=200)
        np.testing.assert_allclose(loss.get_data()[1], r.losses, atol=1e-299)
        np.testing.assert_allclose(grad.get_data()[1], r.grad_norms)
    t_bp, t_pc = w.results["escape"][2]
    assert t_bp == pc.steps_to_escape(pc.train(ws, X, Y, method="bp", lr=0.4, n_steps=200), thr)
    assert t_pc == pc.steps_to_escape(pc.train(ws, X, Y, method="pc", lr=0.4, n_steps=200), thr)
    assert t_pc < t_bp
    assert set(w.results["escape"]) == {1, 2, 3, 4, 5}
    assert "PC escapes at step" in w.status_text


def test_race_horizon_relabels_its_axes_without_a_full_draw(race):
    """The step axes and the escape axis run over [0, 1] in units of train_steps: a new
    horizon (released or dragged) relabels their ticks k·T/5 and redraws no figure in full;
    x·T of a curve is its step index and y·T of an escape point its steps to escape."""
    w = race
    w.reset()
    draws = _full_draws(w)
    for T, drag in ((130, False), (20, True), (400, False), (200, True)):
        if drag:
            with w.dragging():
                w.controls["train_steps"].value = T
            w.refine()
        else:
            w.controls["train_steps"].value = T
        for labels in (w.step_labels, w.escape_labels):
            assert [t.get_text() for t in labels] == [f"{k * T // 5}" for k in range(6)]
        x, y = w.loss["bp"].get_data()
        np.testing.assert_allclose(np.asarray(x) * T, np.arange(len(y)))
        assert len(y) == w.results["runs"]["bp"].losses.size
        for i, m in enumerate(("bp", "pc")):
            hs, ts = w.escape_points[m].get_data()
            assert [round(t * T) for t in ts] == [w.results["escape"][H][i] for H in hs]
        assert w.ax_loss.get_xlim() == (0.0, 1.0) and w.ax_escape.get_ylim() == (0.0, 1.08)
    assert draws == {"curves": 0, "escape": 0}, draws


def test_race_depth_change_uses_the_cache(race):
    """Changing the depth reuses the cached sweep (no new training for the sweep)."""
    w = race
    w.reset()
    sweep = w.results["sweep"]
    w.controls["hidden"].value = 3
    assert w.results["sweep"] is sweep and set(w.results["escape"]) == {1, 2, 3, 4, 5}
    w.reset()


def _fresh_sweep(state, horizon):
    X, Y = pc.gaussian_toy_data(0, dim=state["dim"], batch=64)
    thr = pc.escape_threshold(Y)
    out = {}
    for H in (1, 2, 3, 4, 5):
        ws = pc.init_weights(pc.network_widths(H, state["width"], state["dim"]),
                             state["init_scale"], state["seed"])
        out[H] = tuple(pc.escape_step(ws, X, Y, method=m, lr=state["lr"], n_steps=horizon,
                                      threshold=thr) for m in ("bp", "pc"))
    return out


def test_race_release_trains_no_run_again_and_the_sweep_is_escape_steps(monkeypatch):
    """A drag of σ trains the depth shown (its recorded runs); on release no recorded run is
    trained again (the depth sweep runs pc.depth_sweep_escapes, each run only until it
    escapes), and the sweep equals escape_step's numbers run by run."""
    w = EscapeRaceExplorer()
    trained = _trained_depths(monkeypatch)
    with w.dragging():
        for sigma in (0.1, 0.02):
            w.controls["init_scale"].value = sigma
        assert {H for H, _ in trained} == {2}
        trained.clear()
    assert trained == []
    assert w.results["sweep"] == _fresh_sweep(w.state, 200)
    w.close()


def test_race_new_depth_shows_one_trainings_numbers(monkeypatch):
    """Showing another depth trains its two runs once, to the horizon (BP and PC at once),
    and they are number for number those of pc.train; the sweep is not trained again."""
    w = EscapeRaceExplorer()
    sweep = w.results["sweep"]
    trained = _trained_depths(monkeypatch)
    w.controls["hidden"].value = 3
    assert sorted(trained) == [(3, 200), (3, 200)] and w.results["sweep"] is sweep
    X, Y = pc.gaussian_toy_data(0, dim=1, batch=64)
    fresh = pc.train_bp_and_pc(pc.init_weights([1, 1, 1, 1, 1], 0.05, 0), X, Y, lr=0.4,
                               n_steps=200)
    for m, shown in w.results["runs"].items():
        np.testing.assert_array_equal(shown.losses, fresh[m].losses)
        for a, b in zip(shown.weight_trajectory, fresh[m].weight_trajectory):
            np.testing.assert_array_equal(a, b)
    w.close()


@pytest.mark.parametrize("preset", ["paper toy chain, H = 2 (BP stalls, PC escapes)",
                                    "learning rate too large (diverges)"])
def test_race_longer_horizon_continues_the_runs(monkeypatch, preset):
    """Dragging the horizon up trains only the steps added, and the runs are number for
    number those of one training of the new length (diverged runs stay as they were)."""
    w = EscapeRaceExplorer()
    w.apply_preset(preset)
    state = w.state
    start = w.results["long_runs"]
    trained = _trained_depths(monkeypatch)
    with w.dragging():
        for n in range(state["train_steps"] + 10, 401, 40):
            w.controls["train_steps"].value = n
        w.controls["train_steps"].value = 400
    added = {m: 400 - (len(r.losses) - 1) if not r.diverged else 0 for m, r in start.items()}
    assert sum(n for H, n in trained if H == state["hidden"]) == sum(added.values())
    X, Y = pc.gaussian_toy_data(0, dim=state["dim"], batch=64)
    ws = pc.init_weights(pc.network_widths(state["hidden"], state["width"], state["dim"]),
                         state["init_scale"], state["seed"])
    fresh = {m: pc.train(ws, X, Y, method=m, lr=state["lr"], n_steps=400,
                         record_weights=True, on_divergence="stop") for m in ("bp", "pc")}
    for m in ("bp", "pc"):
        shown, one = w.results["runs"][m], fresh[m]
        for series in ("losses", "energies", "grad_norms"):
            np.testing.assert_array_equal(getattr(shown, series), getattr(one, series))
        for a, b in zip(shown.weight_trajectory + shown.weights,
                        one.weight_trajectory + one.weights):
            np.testing.assert_array_equal(a, b)
        assert shown.diverged == one.diverged
    assert w.results["sweep"] == _fresh_sweep(state, 400)
    w.close()


# ----------------------------------------------------------------------------- random states
def _random_states(cls):
    w = cls()
    strategies = {}
    for name, control in w.controls.items():
        if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
            strategies[name] = st.sampled_from(_ends(control))
        elif isinstance(control, widgets.Checkbox):
            strategies[name] = st.booleans()
        elif isinstance(control, widgets.IntSlider):       # on the slider's step grid
            strategies[name] = st.integers(0, (control.max - control.min) // control.step).map(
                lambda k, lo=control.min, step=control.step: lo + k * step)
        else:
            strategies[name] = st.floats(control.min, control.max, allow_nan=False)
    return w, st.fixed_dictionaries(strategies)


@pytest.mark.parametrize("cls", CLASSES)
def test_random_states_give_finite_pictures_or_a_message(cls):
    """Random valid parameters: either no error and finite data, or a clear message."""
    w, states = _random_states(cls)
    if cls is PCLandscapeExplorer:
        states = states.map(lambda s: {**s, "step": min(s["step"], s["train_steps"])})
    if cls is EscapeRaceExplorer:
        states = states.map(lambda s: {**s, "train_steps": min(s["train_steps"], 120)})   # on grid

    @settings(max_examples=8, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(states)
    def check(state):
        w.set_params(**state)
        assert _finite(w)
        if w.error is not None:
            assert len(w.error) > 20 and "Traceback" not in w.error
        else:
            assert w.status_text

    check()


# ----------------------------------------------------------------------------- presets keep
#                                                                               their promise
def _escapes_and_stays(run, threshold, at):
    """Escaping means staying: from step ``at`` on the MSE never returns above the
    threshold (issue 12 §4)."""
    return at is not None and bool(np.all(run.losses[at:] <= threshold))


def test_landscape_presets_do_what_their_names_say(landscape):
    """H = 1: BP and PC both escape (and stay below the threshold). H = 2: BP stalls (its
    MSE within 0.1 % of the origin's ½ tr Σ_yy for 150 steps) while PC escapes for good
    at step 35. k = 0: the right panel is the MSE. H = 3, first and last: the slice is
    (w_1, w_4), named in the corners. On the diagonal w_1 = w_2 (H = 1): backprop keeps
    w_1 = w_2 (balanced) and so converges to the saddle at the origin (on the diagonal
    w_1 w_2 ≥ 0, and the best such product is 0), while PC leaves the diagonal and escapes."""
    w = landscape
    w.apply_preset("paper toy chain, H = 1 (BP and PC both escape)")
    esc, runs, th = w.results["escape"], w.results["runs"], w.results["threshold"]
    assert w.state["depth"] == 2
    assert all(_escapes_and_stays(runs[m], th, esc[m]) for m in ("bp", "pc"))
    w.apply_preset("paper toy chain, H = 2 (BP stalls, PC escapes)")
    esc, runs, th = w.results["escape"], w.results["runs"], w.results["threshold"]
    assert w.state["depth"] == 3 and (esc["bp"], esc["pc"]) == (182, 35)
    assert esc["bp"] > 4 * esc["pc"]                  # backprop sits on the plateau
    origin_mse = 0.5 * np.mean(np.sum(w.results["data"][1] ** 2, axis=0))
    np.testing.assert_allclose(runs["bp"].losses[:150], origin_mse, rtol=1e-3)
    assert _escapes_and_stays(runs["pc"], th, esc["pc"])
    w.apply_preset("H = 2, inference off (k = 0: the energy is the MSE)")
    np.testing.assert_allclose(w.panels["energy"]["image"].get_array(),
                               w.panels["mse"]["image"].get_array(), atol=1e-14)
    assert w.state["inference_steps"] == 0 and "(= the MSE)" in w.status_text
    w.apply_preset("H = 3, first and last weights")
    assert w.state["depth"] == 4 and w.results["pair_index"] == (1, 4)
    assert [w.panels["mse"][k].get_text() for k in ("xlabel", "ylabel")] == ["w₁ →", "w₄ ↑"]
    w.apply_preset("start on the diagonal w_1 = w_2 (H = 1)")
    xa, xb = w.panels["mse"]["bp"].get_data()
    assert xa[0] == xb[0] == 0.3
    np.testing.assert_allclose(xa, xb, atol=1e-8)      # backprop keeps w_1 = w_2 (balanced)
    runs, esc = w.results["runs"], w.results["escape"]
    origin_mse = 0.5 * np.mean(np.sum(w.results["data"][1] ** 2, axis=0))
    assert esc["bp"] is None and runs["bp"].losses[-1] == pytest.approx(origin_mse, rel=1e-3)
    pa, pb = w.panels["mse"]["pc"].get_data()
    assert abs(pa[-1] - pb[-1]) > 0.5 and esc["pc"] is not None
    w.reset()


def _texts(fig):
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("cls", [PCLandscapeExplorer, SaddleSpectrumExplorer])
def test_every_text_is_at_least_8_pt_and_no_legend_sits_on_an_axes(cls):
    """Issue 12 §3, in every preset: every visible text of the figures (ticks, labels,
    legends, notes, colour bars) is at least 8 pt, and every legend lies outside the data
    area of every axes of its figure (it hides no data and no image is painted over it)."""
    w = cls(canvas="agg")
    for name in cls.PRESETS:
        w.apply_preset(name)
        for fig in w.figures:
            fig.canvas.draw()
            small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig)
                     if t.get_fontsize() < 8]
            assert not small, (name, small)
            legends = [a.get_legend() for a in fig.axes if a.get_legend()] + fig.legends
            for legend in legends:
                box = legend.get_window_extent()
                for ax in fig.axes:
                    inner = ax.get_window_extent().padded(-1)
                    assert not box.overlaps(inner), (name, legend, ax)
    w.close()


def test_landscape_colour_bars_name_the_value_and_bracket_the_values_in_view(landscape):
    """Each landscape has a colour bar labelled with what the colour encodes (MSE L, energy
    F); a bracket on it spans the image's [min, max]; a slice that is flat to 0.05 says so
    with its range (the MSE at H = 2: 0.497-0.525), a varied one does not."""
    w = landscape
    w.apply_preset("paper toy chain, H = 2 (BP stalls, PC escapes)")
    for name, label in (("mse", "MSE L"), ("energy", "energy F")):
        panel = w.panels[name]
        assert panel["colorbar"].ax.get_ylabel() == label
        values = np.asarray(panel["image"].get_array())
        ys = panel["span"].get_ydata()
        assert min(ys) <= values.min() and max(ys) >= values.max()
        assert max(ys) - min(ys) < values.max() - values.min() + 0.02
    assert panel["flat"].get_text() == ""                 # F* varies across the slice
    note = w.panels["mse"]["flat"].get_text()
    lo, hi = (float(v) for v in (w.panels["mse"]["image"].get_array().min(),
                                 w.panels["mse"]["image"].get_array().max()))
    assert note == f"nearly flat: {lo:.3g} ≤ L ≤ {hi:.3g} in this slice"
    w.apply_preset("paper toy chain, H = 1 (BP and PC both escape)")
    assert not w.panels["mse"]["flat"].get_visible()
    w.reset()


def test_spectrum_presets_do_what_their_names_say(spectrum):
    w = spectrum
    """Fig. 3: the paper's (H, width, dim) and its printed λ_min(F*) at the origin (the
    authors' data draw: -3.2886 / -2.0324 / -3.0142 / -2.9984); the MSE is strict only for
    H = 1. Fig. 9 / Theorem 3: the other zero-rank saddle, H = 3, is non-strict for the MSE
    and strict for F* below -λ_max(Σ_yy); with H = 2 it is strict for the MSE already
    (λ_min = -6.17, the preset's name and note)."""
    w = spectrum
    paper = {"Fig. 3: H = 1, width 10, dim 2": (1, 10, 2, -3.2886),
             "Fig. 3: H = 2, width 5, dim 2": (2, 5, 2, -2.0324),
             "Fig. 3: H = 3, width 4, dim 3": (3, 4, 3, -3.0142),
             "Fig. 3: H = 4, width 4, dim 3, altered target": (4, 4, 3, -2.9984)}
    for name, (H, width, dim, lam) in paper.items():
        w.apply_preset(name)
        ws = w.results["weights"]
        assert len(ws) == H + 1 and ws[0].shape == (width, dim)
        assert not any(np.any(x) for x in ws)
        c = w.results["classes"]
        assert c["energy"].kind == "strict saddle"
        assert round(c["energy"].lambda_min, 4) == lam == round(c["theory"].lambda_min, 4)
        assert c["mse"].kind == ("strict saddle" if H == 1 else "non-strict saddle")
        assert w.PRESET_NOTES[name] in w.status_text
    X, Y = w.results["data"]
    assert not np.allclose(Y[1], -X[1])                # the altered target is not −x
    for name, (H, mse_kind) in {
            "Fig. 9: other zero-rank saddle, H = 3 (Theorem 3)": (3, "non-strict saddle"),
            "other zero-rank saddle, H = 2: strict in the MSE too": (2, "strict saddle")}.items():
        w.apply_preset(name)
        ws = w.results["weights"]
        assert len(ws) == H + 1 and np.any(ws[-2]) and not any(np.any(x) for x in ws[:-2])
        X, Y = w.results["data"]
        bound = -np.linalg.eigvalsh(Y @ Y.T / Y.shape[1])[-1]
        c = w.results["classes"]
        assert c["energy"].kind == "strict saddle"
        assert c["energy"].lambda_min <= bound + 1e-9    # Theorem 3
        assert c["mse"].kind == mse_kind
    assert round(c["mse"].lambda_min, 2) == -6.17
    w.reset()


def test_race_presets_do_what_their_names_say(race):
    w = race
    w.apply_preset("paper toy chain, H = 2 (BP stalls, PC escapes)")
    t_bp, t_pc = w.results["escape"][2]
    assert t_pc is not None and t_bp > 4 * t_pc
    w.apply_preset("H = 1: both escape")
    assert None not in w.results["escape"][1]
    w.apply_preset("H = 3, longer horizon")
    assert w.results["escape"][3][0] is None and w.results["escape"][3][1] is not None
    w.apply_preset("wide net: width 8, dim 2, H = 2")
    assert [x.shape for x in w.results["start"]] == [(8, 2), (8, 8), (2, 8)]
    assert None not in w.results["escape"][2]
    w.apply_preset("tiny initialisation σ = 0.005 (paper's deep nets)")
    assert w.results["escape"][2][0] is None and w.results["escape"][2][1] is not None
    w.reset()


def test_race_preset_learning_rate_too_large_diverges(race):
    race.apply_preset("learning rate too large (diverges)")
    try:
        assert all(r.diverged for r in race.results["runs"].values())
        assert "diverged" in race.status_text
    finally:
        race.reset()


# ----------------------------------------------------------------------------- follow, echo
def test_landscape_draws_a_new_start_when_the_chain_changes_unless_one_is_given(landscape):
    """Depth, slice, σ or seed changed without a start: the start is drawn w_l ~ N(0, σ²)."""
    w = landscape
    w.reset()
    w.set_params(depth=4, pair="first and last", seed=5)
    chain = pc.random_scalar_chain(4, 0.05, 5)
    assert (w.state["start_a"], w.state["start_b"]) == (round(chain[0], 4), round(chain[3], 4))
    np.testing.assert_array_equal(w.start_weights()[1:3], chain[1:3])
    w.set_params(seed=6, start_a=0.2, start_b=-0.1)          # a given start is kept
    assert (w.state["start_a"], w.state["start_b"]) == (0.2, -0.1)
    w.random_start()
    assert w.state["seed"] == 7 and w.state["start_a"] == round(
        pc.random_scalar_chain(4, 0.05, 7)[0], 4)
    w.reset()


def test_a_page_echo_of_the_start_keeps_the_tutorials_escape_steps(landscape):
    """Tutorial 02: the front end snaps start_a = −0.0066 to −0.007; that echo is ignored,
    so the widget keeps saying BP escapes at step 182 (as the exercise checks)."""
    w = landscape
    w.apply_preset("paper toy chain, H = 2 (BP stalls, PC escapes)")
    before, text = w.state, w.status_text
    w.controls["start_a"].value = -0.007
    assert w.state == before and w.status_text == text
    assert w.results["escape"] == {"bp": 182, "pc": 35}
    w.reset()


@pytest.mark.parametrize("cls", CLASSES)
def test_caches_stay_bounded_under_many_random_changes(cls):
    """Random control changes (values across every range): every step keeps at most its
    cache size, so memory does not grow with the number of changes."""
    import random
    rng = random.Random(0)
    w = cls()
    names = [n for n in w.controls if not w.controls[n].disabled or True]
    for _ in range(60):
        name = rng.choice(names)
        values = _ends(w.controls[name])
        lo, hi = values[0], values[-1]
        if isinstance(w.controls[name], widgets.IntSlider):
            value = rng.randint(lo, hi)
        elif isinstance(w.controls[name], widgets.FloatSlider):
            value = round(rng.uniform(lo, hi), 3)
        else:
            value = rng.choice(values)
        w._guard(lambda: w.set_params(**{name: value}))
    for name, cache in w._caches.items():
        assert len(cache.data) <= cache.size <= 16, name
    assert not [k for k, v in vars(w).items() if isinstance(v, dict) and len(v) > 50]


# ----------------------------------------------------------------------------- the toy protocol
def test_race_fig2_protocol_preset_gives_the_authors_seed_2_and_the_seeds_readout():
    """Fig. 2 as the authors ran it (fresh batches, 20 Euler steps of dt 0.1, their seed 2):
    BP escapes at step 70, PC at 33; the runs on screen are train_minibatch's on
    toy_protocol's stream; the seeds readout lists seeds 0-4 (BP 76/142/70/89/105 -> mean
    96.4, range 70–142; PC on BP's batches 29/33/33/38/34 -> 33.4, 29–38)."""
    w = EscapeRaceExplorer()
    w.apply_preset("Fig. 2 protocol, H = 2, seed 2: BP 70, PC 33")
    assert w.error is None and w.results["escape"][2] == (70, 33)
    start, Xs, Ys = pc.toy_protocol([1, 1, 1, 1], 2, 400)
    for m in ("bp", "pc"):
        ref = pc.train_minibatch(start, Xs[:201], Ys[:201], method=m, inference=20, dt=0.1)
        np.testing.assert_array_equal(w.results["runs"][m].losses, ref.losses)
    assert w.results["seed_escapes"] == {"bp": [76, 142, 70, 89, 105],
                                         "pc": [29, 33, 33, 38, 34]}
    assert "seeds 0-4: BP 96.4 (70–142), PC 33.4 (29–38)" in w.status_text
    assert w.PRESET_NOTES["Fig. 2 protocol, H = 2, seed 2: BP 70, PC 33"] in w.status_text
    w.apply_preset("Fig. 2 protocol, H = 1, seed 1: both escape")
    assert w.results["escape"][1] == (10, 11)
    w.close()


def test_race_inference_controls_k_and_dt_matter_only_for_euler_inference():
    """k and dt are disabled with exact inference and change nothing there; with Euler
    inference a new k retrains PC (k → large approaches the exact runs)."""
    w = EscapeRaceExplorer()
    assert w.controls["k"].disabled and w.controls["dt"].disabled
    race = w.results["race"]
    w.set_params(k=5, dt=0.3)
    assert w.results["race"] is race
    w.set_params(inference="k Euler steps", k=100, dt=0.2)    # |1 − dt λ|^100 < 1e-9: converged
    assert not w.controls["k"].disabled
    euler = w.results["runs"]["pc"].losses
    w.set_params(inference="exact")
    np.testing.assert_allclose(euler, w.results["runs"]["pc"].losses, rtol=1e-6, atol=1e-12)
    w.set_params(inference="k Euler steps", k=1)
    assert w.results["escape"][2][1] != w.results["escape"][2][0]
    assert not np.allclose(w.results["runs"]["pc"].losses, euler)
    w.close()


def test_race_seeds_readout_follows_on_release():
    """While a slider is dragged the seeds readout is not computed (None; the status says it
    follows); on release it is seed_escape_steps' numbers for seeds 0-4."""
    w = EscapeRaceExplorer()
    with w.dragging():
        w.controls["init_scale"].value = 0.1
        assert w.results["seed_escapes"] is None and "seeds 0-4 follow" in w.status_text
    X, Y = pc.gaussian_toy_data(0, dim=1)
    starts = [pc.init_weights([1, 1, 1, 1], 0.1, s) for s in range(5)]
    assert w.results["seed_escapes"]["pc"] == pc.seed_escape_steps(
        starts, (X, Y), method="pc", lr=0.4, n_steps=200, threshold=pc.escape_threshold(Y))
    w.close()


def test_display_matrix_pools_large_hessians_by_their_largest_entry():
    """Up to max_side rows a Hessian is shown as it is; above, each f × f block is shown by
    its entry of largest magnitude, sign kept (brute force on a 7 × 7 matrix, f = 3), so
    no non-zero band disappears."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((7, 7))
    assert pcplot.display_matrix(M, 7) is not None
    np.testing.assert_array_equal(pcplot.display_matrix(M, 7), M)
    pooled = pcplot.display_matrix(M, 3)
    assert pooled.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            block = M[3 * i:3 * i + 3, 3 * j:3 * j + 3]
            assert pooled[i, j] == block.flat[np.argmax(np.abs(block))]
    band = np.diag(np.arange(1.0, 361.0)) - np.eye(360, k=1)
    shown = pcplot.display_matrix(band)
    assert shown.shape == (180, 180) and np.all(np.diag(shown) != 0)


# ----------------------------------------------------------------------------- eigen-plane, 3-D chain
from saddle_widgets import Chain3DExplorer, EigenPlaneExplorer  # noqa: E402

VIEWS = [EigenPlaneExplorer, Chain3DExplorer]


@pytest.fixture(scope="module")
def eigenplane():
    w = EigenPlaneExplorer()
    yield w
    w.close()


@pytest.fixture(scope="module")
def chain3d():
    w = Chain3DExplorer()
    yield w
    w.close()


def _finite_views(w):
    """Finite data in every artist; 3-D lines by their 3-D data (their 2-D projection is NaN
    where a path leaves the box and is cut there, which paints nothing)."""
    if not isinstance(w, Chain3DExplorer):
        return _finite(w)
    lines = w.panel["ax"].lines
    return all(np.all(np.isfinite(np.asarray(line.get_data_3d(), float))) for line in lines)


@pytest.mark.parametrize("cls", VIEWS)
def test_views_build_every_preset_and_both_ends_of_every_control_finite(cls):
    """Every preset and both ends of every control give a status sentence and finite
    artists, no error."""
    w = cls()
    for preset in cls.PRESETS:
        w.apply_preset(preset)
        assert w.error is None and w.status_text and _finite_views(w), preset
    for name, control in w.controls.items():
        for v in _ends(control):
            w.reset()
            control.value = v
            assert w.error is None and _finite_views(w), (name, v)
    w.close()


def test_eigenplane_paths_are_the_runs_dotted_with_the_eigenvectors(eigenplane):
    """Each path's coordinates on the plane are θ_t·u and θ_t·v, u and v the top and bottom
    eigenvectors of F*'s Hessian at the origin (H v = λ v), θ_t the weights pc.train
    records; the images are pc.eigenplane_landscape's."""
    w = eigenplane
    w.reset()
    X, Y = pc.gaussian_toy_data(0, dim=2)
    widths = pc.network_widths(2, 8, 2)
    Hm = pc.origin_hessian_theory(widths, X, Y)
    d = w.results["directions"]
    for k in ("top", "bottom"):
        np.testing.assert_allclose(Hm @ d[k], d[f"lambda_{k}"] * d[k], atol=1e-12)
    start = pc.init_weights(widths, 0.005, 0)
    for m in ("bp", "pc"):
        run = pc.train(start, X, Y, method=m, lr=0.4, n_steps=400, record_weights=True)
        np.testing.assert_array_equal(w.results["runs"][m].losses, run.losses)
        a, b = w.panel["paths"][m].get_data()
        for t in (0, 17, 400):
            theta = pc.flatten_weights([tr[t] for tr in run.weight_trajectory])
            assert a[t] == pytest.approx(theta @ d["top"], abs=1e-14)
            assert b[t] == pytest.approx(theta @ d["bottom"], abs=1e-14)
    plane = pc.eigenplane_landscape(widths, X, Y, (d["top"], d["bottom"]), extent=0.6, n=31)
    np.testing.assert_array_equal(w.panel["images"][0].get_array(), plane["mse"])
    np.testing.assert_array_equal(w.panel["images"][1].get_array(), plane["energy"])


def test_eigenplane_presets_do_what_their_names_say(eigenplane):
    w = eigenplane
    w.apply_preset("wide net, H = 2: MSE flat, F* curves down (tutorial)")
    plane = w.results["plane"]
    assert np.ptp(plane["mse"]) < 1e-12                     # MSE flat on the plane
    mid = plane["energy"].shape[0] // 2
    assert plane["energy"][0, mid] < plane["energy"][mid, mid]     # F* lower along v
    assert w.results["escape"]["bp"] is None and w.results["escape"]["pc"] is not None
    w.apply_preset("H = 1: a strict saddle of both objectives")
    d = w.results["directions"]
    assert d["lambda_top"] > 0 > d["lambda_bottom"] and np.ptp(w.results["plane"]["mse"]) > 0.1
    assert None not in w.results["escape"].values()
    w.apply_preset("H = 3: backprop stays on the plateau")
    assert w.results["escape"]["bp"] is None and w.results["escape"]["pc"] is not None
    w.apply_preset("scalar chain H = 2 (width 1, dim 1), σ = 0.05")
    assert [x.shape for x in w.results["runs"]["bp"].weights] == [(1, 1)] * 3
    assert w.results["escape"] == {"bp": 182, "pc": 35}     # the tutorial's toy chain
    w.reset()


def test_eigenplane_a_new_learning_rate_moves_only_the_paths(eigenplane):
    """The plane does not depend on training: a new η redraws the paths (a blit), not the
    landscapes."""
    w = eigenplane
    w.reset()
    plane = w.results["plane"]
    draws = _full_draws(w)
    w.controls["lr"].value = 0.3
    assert w.results["plane"] is plane and draws["plane"] == 0
    w.reset()


def test_chain3d_paths_are_the_solver_runs_and_the_manifold_its_minima(chain3d):
    """The 3-D paths are pc.train's weight trajectories (w₁, w₂, w₃) from init_weights'
    start; the wireframe is chain_minimum_curves at p* = σ_xy/σ_xx = −1 (y = −x), on which
    the MSE is at its minimum 0."""
    w = chain3d
    w.reset()
    X, Y = pc.toy_scalar_data(0)
    start = pc.init_weights([1, 1, 1, 1], 0.05, 0)
    for m in ("bp", "pc"):
        run = pc.train(start, X, Y, method=m, lr=0.4, n_steps=200, record_weights=True)
        xs, ys, zs = w.panel[m].get_data_3d()
        for got, tr in zip((xs, ys, zs), run.weight_trajectory):
            np.testing.assert_array_equal(got, tr[:, 0, 0])
    assert w.results["p_star"] == pytest.approx(-1.0, abs=1e-15)
    segs = w.panel["manifold"]._segments3d
    assert len(segs) == len(pc.chain_minimum_curves(-1.0, 2.5)) > 0
    for seg in segs:
        seg = np.asarray(seg)
        np.testing.assert_allclose(np.prod(seg, axis=1), -1.0, rtol=1e-12)
        assert np.all(np.abs(seg) <= 2.5 + 1e-12)
        assert pc.mse_loss(list(seg[0]), X, Y) == pytest.approx(0.0, abs=1e-25)
    assert w.results["escape"] == {"bp": 182, "pc": 35}


def test_chain3d_view_sliders_turn_the_axes_and_a_drag_hides_the_wireframe(chain3d):
    w = chain3d
    w.reset()
    ax = w.panel["ax"]
    runs = w.results["runs"]
    with w.dragging():
        w.controls["azim"].value = 30.0
        assert ax.azim == 30.0 and not w.panel["manifold"].get_visible()
    assert w.panel["manifold"].get_visible() and w.results["runs"] is runs
    w.controls["elev"].value = -10.0
    assert ax.elev == -10.0
    w.reset()


def test_chain3d_presets_do_what_their_names_say(chain3d):
    w = chain3d
    w.apply_preset("paper toy chain, H = 2 (BP stalls, PC escapes)")
    t = w.results["escape"]
    assert t["bp"] > 4 * t["pc"]
    w.apply_preset("tiny initialisation σ = 0.005: BP never leaves")
    assert w.results["escape"]["bp"] is None and w.results["escape"]["pc"] is not None
    assert np.max(np.abs(w.results["paths"]["bp"])) < 0.05       # BP stays by the origin
    w.apply_preset("large start σ = 0.5: both reach the minima")
    for m in ("bp", "pc"):
        assert np.prod(w.results["paths"][m][:, -1]) == pytest.approx(-1.0, abs=1e-3)
    w.apply_preset("view from above (w₃ up, elevation 90°)")
    assert w.panel["ax"].elev == 90.0
    w.reset()


def test_eigenplane_drag_trains_100_steps_and_the_release_continues_them(monkeypatch):
    """While η is dragged the paths are the first 100 steps; the release trains only the
    other 300 and shows pc.train's 400-step runs number for number."""
    w = EigenPlaneExplorer()
    trained = _trained_depths(monkeypatch)
    with w.dragging():
        w.controls["lr"].value = 0.3
        assert {len(r.losses) for r in w.results["runs"].values()} == {101}
        assert sum(n for _, n in trained) == 2 * 100
        trained.clear()
    assert sum(n for _, n in trained) == 2 * 300
    X, Y = pc.gaussian_toy_data(0, dim=2)
    start = pc.init_weights(pc.network_widths(2, 8, 2), 0.005, 0)
    for m in ("bp", "pc"):
        run = pc.train(start, X, Y, method=m, lr=0.3, n_steps=400, record_weights=True)
        np.testing.assert_array_equal(w.results["runs"][m].losses, run.losses)
    w.close()


def test_eigenplane_network_drag_keeps_the_frame_and_the_release_draws_it_in_full():
    """While width, depth, dimension or extent is dragged the landscape images change on
    the frame shown (no full draw: axes, labels and colour scale stay); the release draws
    the frame of the new plane, pixel for pixel what the same changes outside a drag give."""
    dragged, clicked = EigenPlaneExplorer(), EigenPlaneExplorer()
    fig = dragged.figures[0]
    full = []
    fig.canvas.mpl_connect("draw_event", lambda event: full.append(1))
    for name, value in (("width", 3), ("hidden", 3), ("dim", 3), ("extent", 1.5)):
        full.clear()
        with dragged.dragging():
            before = np.asarray(fig.canvas.buffer_rgba()).copy()
            label = dragged.panel["axes"][0].get_xlabel()
            dragged.controls[name].value = value
            assert not full and dragged.panel["axes"][0].get_xlabel() == label, name
            assert not np.array_equal(before, np.asarray(fig.canvas.buffer_rgba())), name
        assert full, f"{name}: the release drew no new frame"
        clicked.controls[name].value = value
        mine, theirs = dragged._canvas_images(), clicked._canvas_images()
        assert np.array_equal(mine["plane"], theirs["plane"]), name
    dragged.close()
    clicked.close()


def test_eigenplane_and_chain_say_how_far_they_trained_and_which_run_left_the_view():
    """A learner moving 'training steps' in a state where both runs have settled (BP on the
    plateau, PC off the plane's view) still sees the change: the panel says "after n steps"
    and names the run whose last point lies outside the view (found by the browser test)."""
    from saddle_widgets import Chain3DExplorer, EigenPlaneExplorer
    w = EigenPlaneExplorer(canvas="agg", hidden=3, width=7, dim=3, init_scale=0.006,
                           lr=0.41, seed=1, train_steps=390)
    a, b = w.results["paths"]["pc"]
    assert max(abs(a[-1]), abs(b[-1])) > w.state["extent"]          # PC's end is off the view
    assert w.panel["clock"].get_text() == "after 390 steps · PC ended off the view"
    w.set_params(train_steps=400)
    assert w.panel["clock"].get_text().startswith("after 400 steps")
    w.close()
    c = Chain3DExplorer(canvas="agg", train_steps=210)
    assert c.panel["clock"].get_text() == f"after {c.results['paths']['bp'].shape[1] - 1} steps"
    c.close()
