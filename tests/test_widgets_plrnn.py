"""PLRNN explorer, headless: what is drawn is what the PLRNN solvers compute."""
import random
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddle_widgets import PLRNNExplorer
from saddle_widgets.plots.plrnn import BASIN_COLOURS, basin_colour_index
from saddle_widgets.solvers import plrnn as pl
from saddle_widgets.solvers.plrnn import MATRIX_KEYS


@pytest.fixture(scope="module")
def widget():
    return PLRNNExplorer()


@pytest.fixture(autouse=True)
def _reset(widget):
    widget.reset()


def offsets(artist):
    return np.asarray(artist.get_offsets(), dtype=float).reshape(-1, 2)


def line(artist):
    return np.asarray(artist.get_data(), dtype=float)


def same_points(a, b, atol=1e-9):
    """Equal as sets of points (order-free)."""
    a, b = np.asarray(a).reshape(-1, 2), np.asarray(b).reshape(-1, 2)
    if a.shape != b.shape:
        return False
    return all(np.min(np.max(np.abs(b - p), axis=1)) <= atol for p in a)


def picture_is_finite(widget):
    img = np.asarray(widget.basin_image.get_array())
    assert np.all(np.isfinite(img))
    assert img.min() >= 0 and img.max() < len(BASIN_COLOURS)
    for artist in (widget.stable_mark, widget.saddle_mark, widget.unstable_mark,
                   widget.other_mark):
        assert np.all(np.isfinite(offsets(artist)))
    for artist in (widget.orbit_line, widget.ts_z1, widget.ts_z2, widget.homoclinic_mark,
                   widget.bif_line):
        assert np.all(np.isfinite(line(artist)))
    for artist in (widget.stable_line, widget.unstable_line):
        xy = line(artist)   # NaN only as branch separators
        assert not np.any(np.isinf(xy))
        assert np.array_equal(np.isnan(xy[0]), np.isnan(xy[1]))


def test_basin_image_is_the_solvers_basin_map(widget):
    """The image is basin_map's labels mapped to colour indices (divergent 0, other 1,
    attractor k -> 2 + k mod 4), on the widget's grid, attractors and settings."""
    widget.apply_preset("multistability")
    model = pl.preset("multistability")
    bm = pl.basin_map(model, attractors=widget.results["attractors"], **widget.basin_settings())
    np.testing.assert_array_equal(widget.results["basin"].labels, bm.labels)
    np.testing.assert_array_equal(np.asarray(widget.basin_image.get_array()),
                                  basin_colour_index(bm.labels))
    assert widget.results["basin"].labels.shape == (160, 160)
    assert tuple(widget.basin_image.get_extent()) == (-4.0, 4.0, -4.0, 4.0)
    # two stable nodes, each with a basin
    assert set(np.unique(bm.labels)) == {0, 1}
    np.testing.assert_array_equal(basin_colour_index([-1, -2, 0, 1, 4]), [0, 1, 2, 3, 2])


def test_markers_are_find_cycles_points_by_kind(widget):
    widget.apply_preset("multistability")
    cycles = pl.find_cycles(pl.preset("multistability"), widget.state["max_period"], seed=0)
    by_kind = {k: [c.points for c in cycles if c.kind == k] for k in ("stable", "saddle")}
    assert same_points(offsets(widget.stable_mark), np.concatenate(by_kind["stable"]))
    assert same_points(offsets(widget.saddle_mark), np.concatenate(by_kind["saddle"]))
    assert len(offsets(widget.unstable_mark)) == 0
    assert same_points(offsets(widget.saddle_mark), [[5 / 9, 11 / 9]], atol=1e-3)
    assert widget.status_text.startswith("3 fixed points (stable node, saddle, stable node)")


def test_manifold_lines_are_invariant_manifold_branches(widget):
    widget.apply_preset("Fig. 3 A-right (bounded basin)")
    model = pl.preset("bounded basin")
    saddle = [c for c in pl.find_cycles(model, 8) if c.kind == "saddle"][0]
    kw = widget.manifold_settings()
    for which, artist in (("stable", widget.stable_line), ("unstable", widget.unstable_line)):
        m = pl.invariant_manifold(model, saddle, which, **kw)
        expected = np.concatenate([np.vstack([b, [[np.nan, np.nan]]]) for b in m.branches]).T
        np.testing.assert_allclose(line(artist), expected, atol=1e-12)
    # the saddle's stable manifold bounds the focus's basin: points next to the stable line
    # (on the focus side) are in the basin, beyond it they diverge
    assert "2 fixed points (stable focus, saddle)" in widget.status_text


A_RIGHT, B_LEFT = "Fig. 3 A-right (bounded basin)", "Fig. 3 B-left (saddle 3-cycle)"

# what each preset must show (PRESET_NOTES)
PRESET_EXPECTATIONS = {
    "Fig. 3 A-left (flip saddle)": ["Fig. 3 A-left", "1 fixed point (flip saddle)",
                                    "every orbit started in view diverges"],
    "Fig. 3 A-right (bounded basin)": ["Fig. 3 A-right", "2 fixed points (stable focus, saddle)", "diverges"],
    "Fig. 3 B-left (saddle 3-cycle)": ["Fig. 3 B-left", "1 fixed point (stable focus)", "1 saddle 3-cycle"],
    "Fig. 3 B-right (saddle 4-cycle)": ["Fig. 3 B-right", "1 fixed point (stable focus)",
                                        "1 saddle 4-cycle"],
    "chaos": ["1 fixed point (flip saddle)", "homoclinic points", "chaotic"],
    "16-cycle": ["1 fixed point (unstable focus)", "1 stable focus 16-cycle"],
    "multistability": ["3 fixed points (stable node, saddle, stable node)"],
}


SOLVER_PRESET = {"Fig. 3 A-left (flip saddle)": "Fig. 3 A-left", A_RIGHT: "bounded basin",
                 B_LEFT: "saddle 3-cycle", "Fig. 3 B-right (saddle 4-cycle)": "Fig. 3 B-right"}


@pytest.mark.parametrize("name", list(PLRNNExplorer.PRESETS))
def test_presets_apply_and_show_the_notes_objects(widget, name):
    widget.apply_preset(name)
    assert widget.error is None, widget.error
    for phrase in PRESET_EXPECTATIONS[name]:
        assert phrase in widget.status_text, (phrase, widget.status_text)
    if name == "chaos":
        # the paper's λ1 ≈ 0.49; 2000 steps of one orbit estimate it within about ±0.02
        lam = float(re.search(r"λ1 = ([0-9.]+) \(orbit from", widget.status_text).group(1))
        assert 0.46 <= lam <= 0.52, widget.status_text
    picture_is_finite(widget)
    # every preset's numbers round-trip through the sliders exactly
    model = widget.model()
    ref = pl.preset(SOLVER_PRESET.get(name, name))
    np.testing.assert_array_equal(model.A, ref.A)
    np.testing.assert_array_equal(model.W, ref.W)
    np.testing.assert_array_equal(model.h, ref.h)


def test_chaos_preset_has_homoclinic_points_on_both_manifolds(widget):
    widget.apply_preset("chaos")
    hp = line(widget.homoclinic_mark).T
    assert len(hp) > 0
    saddle, stable, unstable = widget.results["manifolds"].traced[0]
    hom = pl.manifold_intersections(stable, unstable)
    np.testing.assert_allclose(hp, hom.points)
    assert widget.results["lyapunov"][0] == pytest.approx(0.49, abs=0.03)
    assert widget.results["basin"].fraction(pl.BOUNDED_OTHER) > 0.5   # the chaotic attractor's basin


def test_16_cycle_is_found_and_coloured(widget):
    widget.apply_preset("16-cycle")
    att = [c for c in widget.results["attractors"] if c.period == 16]
    assert len(att) == 1 and att[0].kind == "stable"
    assert widget.results["basin"].fraction(0) > 0.5
    assert len(offsets(widget.stable_mark)) == 16


def test_click_starts_a_trajectory_and_fills_the_time_series(widget):
    widget.apply_preset("chaos")
    widget.set_start(0.2, -0.3)
    assert widget.state["x0"] == 0.2 and widget.state["y0"] == -0.3
    traj = pl.preset("chaos").trajectory([0.2, -0.3], widget.state["steps"])
    np.testing.assert_allclose(line(widget.orbit_line).T, traj)
    np.testing.assert_allclose(widget.results["trajectory"], traj)
    limit = widget.results["axis_limit"]           # drawn in units of the axis' ±limit
    np.testing.assert_allclose(line(widget.ts_z1) * [[1], [limit]],
                               [np.arange(len(traj)), traj[:, 0]])
    np.testing.assert_allclose(line(widget.ts_z2) * [[1], [limit]],
                               [np.arange(len(traj)), traj[:, 1]])
    lam = pl.lyapunov_exponents(pl.preset("chaos"), np.array([0.2, -0.3]), 2000,
                                n_transient=300)
    assert f"λ1 = {lam[0]:.2f}" in widget.status_text


def test_click_outside_the_range_is_a_message(widget):
    with pytest.raises(ValueError, match="outside"):
        widget.set_start(50.0, 0.0)
    widget._guard(lambda: widget.set_start(50.0, 0.0))     # what a click does: no traceback
    assert widget.error is not None and "outside" in widget.error


def test_bifurcation_panel_marks_the_current_value_and_recomputes_only_when_needed(widget):
    widget.apply_preset("chaos")
    bif = widget.results["bifurcation"]
    assert bif.parameter == "h1"
    x, y = line(widget.bif_points)
    px, py = bif.points(0)
    np.testing.assert_allclose(x, px)
    np.testing.assert_allclose(y * widget.results["axis_limit"], py)
    widget.controls["h1"].value = -0.5                    # the swept parameter: no recompute
    assert widget.results["bifurcation"] is bif
    assert line(widget.bif_line)[0].tolist() == [-0.5, -0.5]
    widget.controls["h2"].value = -0.3                    # another parameter: recompute
    assert widget.results["bifurcation"] is not bif
    widget.controls["bif_param"].value = "a12"
    assert widget.results["bifurcation"].parameter == "A[0,1]"
    np.testing.assert_allclose(line(widget.bif_points) * [[1], [widget.results["axis_limit"]]],
                               widget.results["bifurcation"].points(0))
    assert widget.ax_bif.get_xlim() == (-2.5, 2.5)


@pytest.mark.parametrize("name", [n for n in PLRNNExplorer.DEFAULTS if n != "bif_param"])
def test_every_control_at_both_ends_gives_a_finite_picture_or_a_message(widget, name):
    control = widget.controls[name]
    ends = (False, True) if isinstance(control.value, bool) else (control.min, control.max)
    for value in ends:
        widget.reset()
        control.value = value
        assert widget.error is None or len(widget.error) > 10
        picture_is_finite(widget)


def test_non_invertible_map_says_the_stable_manifold_cannot_be_traced(widget):
    # strong mutual inhibition: det(A + W D) changes sign between subregions (0.25 vs -2.0)
    widget.set_params(w21=-1.5, w12=-1.5, w11=0.2, h1=0.9, h2=0.7)
    assert not widget.model().is_invertible()
    assert "flip saddle" in widget.status_text
    assert "not invertible" in widget.status_text
    assert len(line(widget.stable_line)[0]) == 0 and len(line(widget.unstable_line)[0]) > 0
    picture_is_finite(widget)


def test_everything_diverges_is_a_clear_message(widget):
    widget.set_params(a11=2.5, a22=2.5, a12=0.0, a21=0.0, w11=0, w12=0, w21=0, w22=0)
    assert "every orbit started in view diverges" in widget.status_text
    assert "diverges" in widget.status_text
    picture_is_finite(widget)


def test_coarse_while_dragging_then_refine_gives_full_resolution(widget):
    widget.apply_preset("chaos")
    with widget.dragging():
        widget.controls["h1"].value = -0.65
        assert widget.basin_image.get_array().shape == (64, 64)
        assert "coarse while dragging" in widget.status_text
        assert len(line(widget.homoclinic_mark)[0]) == 0      # skipped while coarse
    assert widget.basin_image.get_array().shape == (160, 160)
    assert "coarse" not in widget.status_text
    assert len(line(widget.homoclinic_mark)[0]) > 0


def test_view_drag_keeps_the_axes_fixed(widget):
    with widget.dragging():
        widget.controls["view"].value = 6.0
        assert widget.ax_phase.get_xlim() == (-4.0, 4.0)
    assert widget.ax_phase.get_xlim() == (-6.0, 6.0)


def test_view_drag_traces_the_manifolds_once_and_the_release_for_the_new_view(widget,
                                                                             monkeypatch):
    calls = []
    real = pl.saddle_manifolds
    monkeypatch.setattr(pl, "saddle_manifolds", lambda *a, **k: calls.append(k) or real(*a, **k))
    with widget.dragging():
        for v in (4.5, 5.0, 6.0, 3.0):
            widget.controls["view"].value = v
        assert len(calls) == 1 and calls[0]["bound"] == 1.5 * PLRNNExplorer.PARAMS["view"].hi
    assert len(calls) == 2 and calls[1]["bound"] == 1.5 * 3.0
    fresh = PLRNNExplorer(canvas="agg", **widget.state)
    for got, want in zip(widget.results["manifolds"].traced, fresh.results["manifolds"].traced):
        for a, b in zip(got[1:], want[1:]):
            assert all(np.array_equal(x, y) for x, y in zip(a.branches, b.branches))
    assert np.array_equal(line(widget.stable_line), line(fresh.stable_line), equal_nan=True)
    fresh.close()


@pytest.mark.parametrize("name", list(PLRNNExplorer.PRESETS))
def test_state_round_trip(widget, name):
    widget.apply_preset(name)
    assert type(widget)(**widget.state).state == widget.state


def test_repr_mimebundle_has_png_and_text(widget):
    bundle = widget._repr_mimebundle_()
    assert bundle["image/png"]
    assert "PLRNNExplorer(A=" in bundle["text/plain"]
    assert "basin 1" in bundle["text/plain"]


_weight = st.floats(-1.5, 1.5, allow_nan=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_weight, min_size=len(MATRIX_KEYS), max_size=len(MATRIX_KEYS)))
def test_random_weights_give_a_finite_picture_or_a_message(widget, values):
    widget.set_params(**{k: round(v, 3) for k, v in zip(MATRIX_KEYS, values)})
    assert widget.error is None or len(widget.error) > 10
    assert widget.status_text
    picture_is_finite(widget)


def _bounds_the_basin(ws, basin, cells=2):
    """Fraction of the stable manifold's vertices in view that have both the first
    attractor's basin and divergence within ``cells`` grid cells: W^s is the boundary."""
    pts = ws.points
    x0, x1, y0, y1 = basin.extent
    inside = (pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)
    pts = pts[inside]
    ix = np.clip(np.searchsorted(basin.xs, pts[:, 0]), 0, len(basin.xs) - 1)
    iy = np.clip(np.searchsorted(basin.ys, pts[:, 1]), 0, len(basin.ys) - 1)
    both = 0
    for i, j in zip(iy, ix):
        patch = basin.labels[max(i - cells, 0):i + cells + 1, max(j - cells, 0):j + cells + 1]
        both += bool(np.any(patch == 0) and np.any(patch == pl.DIVERGENT))
    return both / max(len(pts), 1)


def _preset_promise(name, r):
    """What each preset's name promises, read from the results (PRESET_NOTES)."""
    stable = [c for c in r["attractors"]]
    saddles = [c for c in r["cycles"] if c.kind == "saddle"]
    basin = r["basin"]
    if name == "Fig. 3 A-left (flip saddle)":
        # a lone flip saddle, no attractor: every orbit in view diverges; both manifolds
        # traced, W^s reaching across the view (it is the set of bounded orbits)
        assert [(c.kind, c.period, c.flip) for c in r["cycles"]] == [("saddle", 1, True)]
        assert not stable and basin.fraction(pl.DIVERGENT) == 1.0
        saddle, ws, wu = r["manifolds"].traced[0]
        assert np.allclose(saddle.multipliers.real, [1.681, -0.981], atol=5e-4)
        view = r["basin"].extent[1]
        for m in (ws, wu):
            assert m is not None and np.max(np.abs(m.points)) > view
    elif name == A_RIGHT:
        # one attractor (the focus) with a basin; everything else diverges, and W^s bounds it
        assert [(c.kind, c.focus, c.period) for c in stable] == [("stable", True, 1)]
        assert 0 < basin.fraction(0) < 1 and basin.fraction(pl.DIVERGENT) > 0
        assert basin.fraction(0) + basin.fraction(pl.DIVERGENT) == pytest.approx(1.0)
        assert r["manifolds"].traced[0][1] is not None
        assert _bounds_the_basin(r["manifolds"].traced[0][1], basin) > 0.8
    elif name == B_LEFT:
        three = [c for c in saddles if c.period == 3]
        assert len(three) == 1 and not [c for c in saddles if c.period == 1]
        assert r["manifolds"].traced[0][0].period == 3       # its manifolds are drawn
        assert _bounds_the_basin(r["manifolds"].traced[0][1], basin) > 0.8
    elif name == "Fig. 3 B-right (saddle 4-cycle)":
        # the saddle 4-cycle near (-17.4, -13.4) is in view, its W^s bounds the focus's basin
        four = [c for c in saddles if c.period == 4]
        assert len(four) == 1 and not [c for c in saddles if c.period < 4]
        assert np.min(np.linalg.norm(four[0].points - [-17.384, -13.396], axis=1)) < 1e-3
        assert np.max(np.abs(four[0].points)) < basin.extent[1]
        assert [(c.kind, c.focus, c.period) for c in stable] == [("stable", True, 1)]
        assert 0.1 < basin.fraction(0) < 0.9
        assert r["manifolds"].traced[0][0].period == 4
        assert _bounds_the_basin(r["manifolds"].traced[0][1], basin) > 0.8
    elif name == "chaos":
        assert r["lyapunov"][0] > 0.4 and not stable
        assert len(r["manifolds"].homoclinic) > 0
    elif name == "16-cycle":
        assert [c.period for c in stable] == [16] and basin.fraction(0) > 0.5
    elif name == "multistability":
        assert [c.kind for c in stable] == ["stable", "stable"]
        assert basin.fraction(0) > 0.2 and basin.fraction(1) > 0.2
        assert [c.period for c in saddles] == [1]


@pytest.mark.parametrize("name", list(PLRNNExplorer.PRESETS))
def test_each_preset_keeps_its_promise_in_the_results(widget, name):
    widget.apply_preset(name)
    _preset_promise(name, widget.results)


def test_while_dragging_the_bifurcation_diagram_waits_and_its_value_line_moves(widget):
    widget.apply_preset("chaos")
    bif = widget.results["bifurcation"]
    drawn = line(widget.bif_points)
    with widget.dragging():
        widget.controls["h2"].value = -0.35
        assert widget.results["bifurcation"] is None          # not recomputed while dragging
        np.testing.assert_array_equal(line(widget.bif_points), drawn)
        assert "the bifurcation diagram" in widget.status_text
        widget.controls["h1"].value = -0.6                    # the line follows the value
        assert line(widget.bif_line)[0].tolist() == [-0.6, -0.6]
    after = widget.results["bifurcation"]
    assert after is not None and after is not bif
    np.testing.assert_allclose(line(widget.bif_points) * [[1], [widget.results["axis_limit"]]],
                               after.points(0))


def test_a_long_period_attractor_comes_back_after_a_drag(widget):
    """While dragging, cycles are found up to period 5 and no orbits are iterated to find
    longer ones (the 16-cycle is not shown, and the status says so); after release the
    picture is the full one."""
    widget.apply_preset("16-cycle")
    value = widget.state["h1"]
    with widget.dragging():
        widget.controls["h1"].value = value + 0.001
        assert widget.results["discovered"] is None
        assert not [c for c in widget.results["attractors"] if c.period == 16]
        assert "long-period attractors" in widget.status_text
        assert "follow when the drag stops" in widget.status_text
        assert "reach no periodic attractor" not in widget.status_text
    widget.set_params(h1=value)
    _preset_promise("16-cycle", widget.results)
    assert len(offsets(widget.stable_mark)) == 16


def test_a_diverging_orbit_is_shown_up_to_where_it_leaves_the_view(widget):
    widget.set_params(a11=2.5, a22=2.5, a12=0.0, a21=0.0, w11=0, w12=0, w21=0, w22=0,
                      x0=1.0, y0=1.0)
    orbit = widget.results["trajectory"]
    expected = widget.model().orbit_until_divergence([1.0, 1.0], widget.state["steps"],
                                                      bound=100 * widget.state["view"])
    np.testing.assert_array_equal(orbit, expected)
    assert np.max(np.abs(orbit)) <= 100 * widget.state["view"] < np.max(np.abs(
        widget.model().step(orbit[-1])))
    assert f"diverges after {len(orbit)} steps" in widget.status_text
    assert widget.results["lyapunov"] is None


def _artists_held(widget):
    """Per figure: its texts and, per axes, the identities of its lines, collections,
    images, patches and texts, and how many children it has."""
    out = []
    for fig in widget.figures:
        out.append(("figure", len(fig.texts), len(fig.get_children())))
        for ax in fig.axes:
            out.append(tuple(tuple(map(id, group)) for group in
                             (ax.lines, ax.collections, ax.images, ax.patches, ax.texts))
                       + (len(ax.get_children()),))
    return out


def test_random_changes_update_the_artists_in_place_and_add_none(widget):
    """Every draw updates the artists the figures were built with (set_data, set_offsets):
    after random legal changes, half of them drags, each figure and axes holds exactly
    the artists it held before (benchmarks/memory.py: resident memory under many changes)."""
    before = _artists_held(widget)
    rng = random.Random(7)
    names = list(PLRNNExplorer.PARAMS)
    for _ in range(30):
        name = rng.choice(names)
        value = PLRNNExplorer.PARAMS[name].random_value(widget.state, rng)
        if rng.random() < 0.5:
            with widget.dragging():
                widget.controls[name].value = value
        else:
            widget.controls[name].value = value
    assert _artists_held(widget) == before


def test_delta_histogram_is_manifold_quality_of_the_traced_manifolds(widget):
    """With the toggle on, the histogram holds the fractions of log10 δ per bin of
    saddle_manifold_quality (200 points per manifold, 100 steps), and the status gives the
    score (fraction with δ < 0.01); the exact W^s of the multistability saddle scores 1."""
    widget.apply_preset("multistability")
    assert widget.results["manifold_delta"] is None
    widget.set_params(quality=True)
    delta = widget.results["manifold_delta"]
    ref = pl.saddle_manifold_quality(widget.model(), widget.results["manifolds"],
                                     max_points=200, n_steps=100)
    for which, artist in zip(("stable", "unstable"), widget.quality_steps):
        np.testing.assert_array_equal(delta[which], ref[which])
        assert np.all((delta[which] >= 0) & (delta[which] <= 1))
        counts = np.histogram(np.clip(np.log10(np.maximum(delta[which], 1e-300)), -16, -1e-12),
                              np.arange(-16.0, 0.5, 1.0))[0] / delta[which].size
        np.testing.assert_allclose(artist.get_data().values, counts)
    assert pl.manifold_score(delta["stable"]) == 1.0
    assert "manifold score (fraction with δ < 0.01): W^s 1.00" in widget.status_text
    assert "score W^s 1.00" in widget.ax_quality.get_title()


def test_det_map_shows_the_sign_of_det_per_subregion(widget):
    """The map writes det(A + W D) of each quadrant there and hatches the negative ones;
    the status says whether F is invertible (one sign) and what the tracer does if not."""
    widget.set_params(det_map=True, w21=-1.5, w12=-1.5, w11=0.2, h1=0.9, h2=0.7)
    det = widget.model().determinants()
    assert np.any(det > 0) and np.any(det < 0)
    v = widget.state["view"]
    for r, (patch, text) in enumerate(zip(widget.det_patches, widget.det_texts)):
        assert patch.get_visible() and text.get_visible()
        assert text.get_text() == f"det J_D = {det[r]:.3g}"
        x, y = text.get_position()
        assert (x > 0) == bool(r & 1) and (y > 0) == bool(r & 2)     # bit 0: z1 > 0
        assert (patch.get_hatch() or "") == ("////" if det[r] < 0 else "")
        assert patch.get_width() == v and patch.get_height() == v
    assert "not invertible" in widget.status_text
    assert "the stable-manifold tracer needs F⁻¹, so W^s is not traced" in widget.status_text
    widget.apply_preset("Fig. 3 A-left (flip saddle)")
    assert "F invertible (det J_D < 0 in every subregion)" in widget.status_text
    assert not any(p.get_visible() for p in widget.det_patches)      # the preset turns it off


def test_basins_are_labelled_honestly(widget):
    """A stable cycle longer than max period is named with its period (the spiking PLRNN's
    20-cycle, found by iterating and solved exactly), never 'chaotic'; 'chaotic' only where
    λ1 > 0 (the chaos preset); the all-zero PLRNN has λ1 = −∞ in words; the identity map is
    'every point is fixed', not 'no fixed point'."""
    spiking = dict(a11=0.851, a12=-0.445, a21=-0.075, a22=1.178, w11=-0.218, w12=0.368,
                   w21=0.685, w22=-0.251, h1=-0.364, h2=-0.145)
    widget.set_params(**spiking, view=7.0, x0=0.5, y0=-3.0)
    basin = widget.results["basin"]
    cycle = [c for c in basin.attractors if c.period == 20]
    assert len(cycle) == 1 and cycle[0].kind == "stable" and widget.state["max_period"] < 20
    k = basin.attractors.index(cycle[0])
    assert basin.names[k].startswith("stable focus 20-cycle") and basin.fraction(k) > 0.03
    np.testing.assert_allclose(widget.model().trajectory(cycle[0].points[0], 20)[-1],
                               cycle[0].points[0], atol=1e-9)
    assert "1 stable focus 20-cycle" in widget.status_text
    assert "chaotic" not in widget.status_text.replace("not chaotic", "")
    widget.apply_preset("chaos")
    assert widget.results["other_lyapunov"] > 0.4
    assert "reaches no periodic attractor: chaotic (λ1 = 0." in widget.status_text
    zero = {k: 0.0 for k in MATRIX_KEYS}
    widget.set_params(**zero)
    assert "λ1 = −∞" in widget.status_text and "-inf" not in widget.status_text
    assert "det J_D = 0 in every subregion" in widget.status_text
    widget.set_params(**{**zero, "a11": 1.0, "a22": 1.0})
    text = widget.status_text
    assert text.startswith("no isolated fixed point: every point is fixed (F is the identity)")
    assert "chaotic" not in text.replace("not chaotic", "") and "not chaotic" in text


def test_fixed_point_sets_are_the_consistent_singular_subregions():
    """(I - J_D) z = c_D singular and consistent with a solution set meeting the closed
    subregion: A = diag(1, 0.5), W = 0, h = (0, 0.3) has the fixed line z2 = 0.6, in the
    two subregions with z2 > 0; the identity has all four subregions, d = 2."""
    lines = pl.fixed_point_sets(pl.PLRNN([[1, 0], [0, 0.5]], np.zeros((2, 2)), [0, 0.3]))
    assert [(p.tolist(), d) for p, d in lines] == [([False, True], 1), ([True, True], 1)]
    ident = pl.fixed_point_sets(pl.PLRNN(np.eye(2), np.zeros((2, 2)), [0, 0]))
    assert len(ident) == 4 and all(d == 2 for _, d in ident)
    assert pl.fixed_point_sets(pl.preset("chaos")) == []
    # h pushes the line out of reach: z2 = 0.6 needs h2 > 0; with h2 < 0 the line z2 = -0.6
    # lies in the subregions z2 <= 0
    neg = pl.fixed_point_sets(pl.PLRNN([[1, 0], [0, 0.5]], np.zeros((2, 2)), [0, -0.3]))
    assert [p.tolist() for p, _ in neg] == [[False, False], [True, False]]
    # inconsistent: z1 = z1 + 1 has no solution
    assert pl.fixed_point_sets(pl.PLRNN([[1, 0], [0, 0.5]], np.zeros((2, 2)), [1, 0])) == []


@pytest.mark.parametrize("name", list(PLRNNExplorer.PRESETS))
def test_phase_legend_lists_exactly_what_is_drawn(widget, name):
    """Every entry of the phase-plane legend names an artist that is drawn (non-empty line,
    marker kind present, basin colour in the image), and everything drawn has its entry."""
    widget.apply_preset(name)
    widget.redraw()
    legend = widget.ax_phase.get_legend()
    got = [t.get_text() for t in legend.get_texts()]
    image = np.asarray(widget.basin_image.get_array())
    markers = widget.markers

    def has(line):
        return np.asarray(line.get_xdata(), dtype=float).size > 0

    want = [label for label, shown in (
        ("stable manifold", has(widget.stable_line)),
        ("unstable manifold", has(widget.unstable_line)),
        ("homoclinic points", has(widget.homoclinic_mark)),
        ("chaotic attractor", has(widget.attractor_line)),
        ("borders z_i = 0", has(widget.border_lines)),
        ("stable (fill = basin)", len(markers["stable"].get_offsets()) > 0),
        ("saddle", len(markers["saddle"].get_offsets()) > 0),
        ("unstable", len(markers["unstable"].get_offsets()) > 0),
        ("non-hyperbolic", len(markers["non-hyperbolic"].get_offsets()) > 0)) if shown]
    n = len(widget.results["basin"].attractors)
    for k in range(4):
        if np.any(image == 2 + k):
            same = list(range(k, max(n, k + 1), 4))
            want.append(f"basin {k + 1}" if len(same) == 1
                        else "basins " + ", ".join(str(i + 1) for i in same))
    want += [label for label, colour in (("divergent", 0), ("bounded, other", 1))
             if np.any(image == colour)]
    assert got == want, (got, want)
    k_cycles = any(np.any(np.asarray(m.get_sizes()) < 50) for m in markers.values()
                   if len(m.get_offsets()))
    assert (legend.get_title().get_text() == "small markers: k-cycles") == k_cycles
    # only the chaos preset has a chaotic attractor (Fig. 3 B-right's few undecided orbits
    # linger near the saddle 4-cycle and then converge: not chaotic, nothing drawn)
    assert has(widget.attractor_line) == (name == "chaos")
    assert (": chaotic (λ1" in widget.status_text) == (name == "chaos")
    # what the chaos preset promises to show: the attractor itself, few low-period saddles
    if name == "chaos":
        assert has(widget.attractor_line) and widget.results["attractor_orbit"].shape == (4000, 2)
        assert len(markers["saddle"].get_offsets()) <= 9


def test_a_view_change_redraws_only_the_phase_plane_in_full_and_keeps_its_legend_pixels():
    """Time series and bifurcation axes span ±nice_limit(view) (1, 1.5, 2, 3, 4, 5, 6, 8
    times a power of ten, >= view), so a view change inside one such step draws only the
    phase plane in full; its legend (outside the axes) is restored from kept pixels, not
    laid out again, and the picture equals a full draw without kept pixels, pixel for
    pixel. A legend whose text changed is painted again."""
    from saddle_widgets.plots.plrnn import nice_limit
    assert [nice_limit(v) for v in (0.5, 0.55, 1.0, 1.01, 2.5, 3.5, 7.0, 10.1, 40.0)] == [
        0.5, 0.6, 1.0, 1.5, 3.0, 4.0, 8.0, 15.0, 40.0]
    with pytest.raises(ValueError, match="view"):
        nice_limit(0.0)
    w = PLRNNExplorer(view=2.5)
    fig = w._figs["phase"]
    full, legend = [], w.ax_phase.get_legend()
    for f in w.figures:
        f.canvas.mpl_connect("draw_event", lambda event, f=f: full.append(f))
    painted = []
    draw = legend.draw
    legend.draw = lambda renderer: (painted.append(1), draw(renderer))
    w.controls["view"].value = 2.8
    assert full == [fig] and not painted
    assert [t.get_text() for t in w.ts_labels] == ["−3", "−1.5", "0", "1.5", "3"]
    assert w.ax_phase.get_xlim() == (-2.8, 2.8)
    kept = np.asarray(fig.canvas.buffer_rgba()).copy()
    w._legend_pixels.clear()
    w.invalidate(fig)
    w.redraw()
    assert painted and np.array_equal(kept, np.asarray(fig.canvas.buffer_rgba()))
    painted.clear()
    legend.get_texts()[0].set_text("changed")
    w.invalidate(fig)
    w.redraw()
    assert painted
    for preset in PLRNNExplorer.PRESETS:          # every preset, and a view step in each
        w.apply_preset(preset)
        w.controls["view"].value = round(w.state["view"] + 0.1, 1)
        kept = np.asarray(fig.canvas.buffer_rgba()).copy()
        w._legend_pixels.clear()
        w.invalidate(fig)
        w.redraw()
        assert np.array_equal(kept, np.asarray(fig.canvas.buffer_rgba())), preset
    w.close()


def test_a_new_axis_limit_relabels_the_time_series_and_bifurcation_axes_without_a_full_draw():
    """The time series and the bifurcation diagram are drawn in units of ±axis_limit
    (nice_limit(view)) on [−1, 1]: a view change to a new limit draws only the phase plane
    in full, relabels their value axes (±limit, ±limit/2, 0) and the data times the limit
    are the trajectory and the diagram; while the view is dragged the diagram waits, and
    its points and labels stay those of one limit."""
    w = PLRNNExplorer(view=2.5)
    full = []
    for f in w.figures:
        f.canvas.mpl_connect("draw_event", lambda event, f=f: full.append(f))
    for view, limit in ((7.0, 8.0), (0.55, 0.6), (30.0, 30.0)):
        full.clear()
        w.controls["view"].value = view
        assert w.results["axis_limit"] == limit
        assert full == [w._figs["phase"]], (view, full)
        texts = [f"{y * limit:g}".replace("-", "−") for y in (-1, -0.5, 0, 0.5, 1)]
        assert [t.get_text() for t in w.ts_labels] == texts
        assert [t.get_text() for t in w.bif_labels] == texts
        traj = w.results["trajectory"]
        np.testing.assert_allclose(w.ts_z1.get_ydata() * limit, traj[:, 0])
        np.testing.assert_allclose(line(w.bif_points)[1] * limit,
                                   w.results["bifurcation"].points(0)[1])
        assert w.ax_time.get_ylim() == w.ax_bif.get_ylim() == (-1.0, 1.0)
    shown = [t.get_text() for t in w.bif_labels]
    with w.dragging():
        w.controls["view"].value = 3.0
        assert w.results["bifurcation"] is None
        assert [t.get_text() for t in w.bif_labels] == shown
    assert w.bif_labels[-1].get_text() == "3"
    w.close()


def test_a_wide_views_legend_is_kept_and_a_small_view_keeps_it_inside_the_figure():
    """At view ±10 a view change restores the phase legend's kept pixels: the
    overlap test reads the axes part by part (before, the union box that the "10.0" tick
    label at the bottom right widens overlapped the legend, which was then laid out again
    at every view change, ~10 ms). From the default view to 0.5 the layout changes and the
    legend beside the equal-aspect axes stays inside the figure (it lost its last 7 px)."""
    w = PLRNNExplorer(view=10.0)
    legend = w.ax_phase.get_legend()
    painted, draw = [], legend.draw
    legend.draw = lambda renderer: (painted.append(1), draw(renderer))
    w.controls["view"].value = 9.5
    assert w.ax_phase.get_xlim() == (-9.5, 9.5) and not painted
    w.close()
    w = PLRNNExplorer()
    w.controls["view"].value = 0.5
    fig = w._figs["phase"]
    texts = w.ax_phase.get_legend().get_texts()
    right = max(t.get_window_extent(fig.canvas.get_renderer()).x1 for t in texts)
    assert right <= fig.bbox.x1 + 1, right
    w.close()
