"""Invariant manifolds, the quality measure δ, and homoclinic points."""
import numpy as np
import pytest

from saddle_widgets.solvers.plrnn import (PLRNN, PRESETS, Manifold, ManifoldPieces, basin_map, find_cycles,
                                          homoclinic_points, invariant_manifold, manifold_quality,
                                          manifold_saddles, manifold_score)


def _saddle(m, period=1):
    return [c for c in find_cycles(m, period) if c.kind == "saddle" and c.period == period][0]


def _near_part(branch, n=40):
    return branch[1:n + 1]


@pytest.mark.parametrize("name, period", [("bounded basin", 1), ("chaos", 1), ("multistability", 1),
                                          ("saddle 3-cycle", 3)])
def test_stable_manifold_points_converge_to_the_saddle_under_F(name, period):
    """Vertices of the computed W^s are mapped onto the saddle (cycle) by forward iteration: δ ≈ 0."""
    m = PRESETS[name]
    s = _saddle(m, period)
    ws = invariant_manifold(m, s, "stable", max_length=10)
    assert isinstance(ws, Manifold) and len(ws.branches) == 2 * period
    pts = ws.points[::7]
    delta = manifold_quality(m, pts, s, which="stable", n_steps=200)
    assert np.all(delta < 1e-12)


@pytest.mark.parametrize("name, period", [("bounded basin", 1), ("chaos", 1), ("multistability", 1),
                                          ("saddle 3-cycle", 3)])
def test_unstable_manifold_points_converge_to_the_saddle_under_F_inverse(name, period):
    """Vertices near the start of each W^u branch go back to the saddle under F^-1: δ ≈ 0
    (< 1e-2; backward iteration amplifies round-off along the stable direction), while points
    pushed off the manifold by 0.05 do not (δ > 5e-2)."""
    m = PRESETS[name]
    s = _saddle(m, period)
    wu = invariant_manifold(m, s, "unstable", max_length=10)
    for b in wu.branches:
        assert np.allclose(b[0], s.points, atol=0) or np.min(np.abs(s.points - b[0]).max(1)) == 0
        near = _near_part(b)
        delta = manifold_quality(m, near, s, which="unstable", n_steps=100)
        assert np.all(delta < 1e-2)
        tang = near[-1] - near[0]
        off = near[-5:] + 0.05 * np.array([-tang[1], tang[0]]) / np.linalg.norm(tang)
        assert np.all(manifold_quality(m, off, s, which="unstable", n_steps=100) > 5e-2)


def test_polyline_is_ordered_and_refined():
    """Consecutive vertices are at most max_step apart (except at a truncation) and start at the saddle."""
    m = PRESETS["chaos"]
    s = _saddle(m)
    wu = invariant_manifold(m, s, "unstable", max_step=0.05, max_length=20)
    for b in wu.branches:
        gaps = np.linalg.norm(np.diff(b, axis=0), axis=1)
        assert np.quantile(gaps, 0.99) <= 0.05 + 1e-12
        length = gaps.sum()
        assert 19 < length < 21


def test_3d_saddle_two_dimensional_stable_manifold_as_affine_pieces():
    """3-D net: the saddle's 2-D W^s comes as per-region planes; sampled points have δ ≈ 0
    under F, points on the fitted planes near the samples too, and the 1-D W^u polyline has δ ≈ 0 under F^-1."""
    m = PLRNN(np.diag([0.5, 0.5, 0.4]), [[0.2, -0.6, 0], [-0.6, 0.2, 0], [0.3, -0.2, 0.3]], [0.9, 0.7, -0.1])
    s = _saddle(m)
    assert s.n_stable == 2 and s.n_unstable == 1
    ws = invariant_manifold(m, s, "stable", max_iter=12, n_seed=300)
    assert isinstance(ws, ManifoldPieces) and ws.dim == 2
    assert len(ws.pieces) >= 2  # it crosses into other subregions
    assert np.all(ws.delta < 1e-10)
    for piece in ws.pieces:
        assert piece.residual < 1e-8  # each piece is flat
        # new points on the fitted plane within the sampled patch also converge
        # points on the fitted plane: combinations of its basis around its centre
        rng = np.random.default_rng(0)
        spread = 1e-3 * (1 + np.abs(piece.point).max())
        proj = piece.point + rng.normal(0, spread, (20, 2)) @ piece.basis
        mid = proj[np.all(m.region(proj) == piece.region, axis=1)]
        if mid.size:
            assert np.all(manifold_quality(m, mid, s, which="stable", n_steps=200) < 1e-10)
    wu = invariant_manifold(m, s, "unstable", max_length=5)
    assert isinstance(wu, Manifold)
    for b in wu.branches:
        assert np.all(manifold_quality(m, b[1:30], s, which="unstable") < 1e-2)


def test_stable_manifold_separates_the_two_basins():
    """multistability: grid points just on either side of W^s(saddle) go to different stable nodes."""
    m = PRESETS["multistability"]
    s = _saddle(m)
    ws = invariant_manifold(m, s, "stable", max_length=6)
    pts = ws.points[1:]
    pts = pts[np.all(np.abs(pts) < 4, axis=1)]
    bm = basin_map(m, (-4, 4, -4, 4), 41)
    nodes = bm.attractors
    assert len(nodes) == 2
    # normal to the polyline at each vertex
    allb = [b for b in ws.branches]
    checked = 0
    for b in allb:
        tang = np.gradient(b, axis=0)
        nrm = np.stack([-tang[:, 1], tang[:, 0]], axis=1)
        nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
        for p, n in zip(b[5:-1:10], nrm[5:-1:10]):
            if np.max(np.abs(p)) > 4:
                continue
            sides = np.array([p + 1e-3 * n, p - 1e-3 * n])
            lab = basin_map(m, (-4, 4, -4, 4), 2, attractors=nodes).labels  # API smoke
            del lab
            z = sides
            for _ in range(300):
                z = m.step(z)
            d = np.linalg.norm(z[:, None] - np.array([c.point for c in nodes])[None], axis=2)
            assert np.argmin(d[0]) != np.argmin(d[1])
            checked += 1
    assert checked >= 5
    # and in the basin map itself: labels change across the manifold
    ix = np.clip(np.searchsorted(bm.xs, pts[:, 0]), 1, 40)
    iy = np.clip(np.searchsorted(bm.ys, pts[:, 1]), 1, 40)
    cell = np.stack([bm.labels[iy, ix], bm.labels[iy - 1, ix - 1], bm.labels[iy, ix - 1], bm.labels[iy - 1, ix]])
    assert np.all(cell.min(0) != cell.max(0))  # every grid cell the manifold passes holds both basins


def test_homoclinic_points_of_the_chaos_preset():
    """chaos: W^s and W^u of the flip saddle cross transversally, one crossing near (-0.4405, -0.2519);
    every crossing lies on both manifolds (δ ≈ 0 forward)."""
    m = PRESETS["chaos"]
    s = _saddle(m)
    h = homoclinic_points(m, s)
    assert h.kind == "homoclinic" and len(h.points) > 10
    assert np.min(np.linalg.norm(h.points - [-0.4405, -0.2519], axis=1)) < 5e-4
    assert np.all(h.angles > 0)
    assert np.all(np.linalg.norm(h.points - s.point, axis=1) > 1e-6)
    # homoclinic points converge to the saddle under F (they lie on W^s)
    assert np.median(manifold_quality(m, h.points, s, which="stable", n_steps=300)) < 1e-8


def test_no_homoclinic_points_for_the_bounded_basin_preset():
    """bounded basin: W^s and W^u of the saddle do not cross (no homoclinic tangle)."""
    m = PRESETS["bounded basin"]
    h = homoclinic_points(m, _saddle(m))
    assert h.points.shape == (0, 2)


def test_manifold_errors_are_clear():
    """Not a saddle, or a non-invertible map for W^s: ValueError with the reason."""
    m = PRESETS["multistability"]
    node = [c for c in find_cycles(m, 1) if c.kind == "stable"][0]
    with pytest.raises(ValueError, match="not a saddle"):
        invariant_manifold(m, node, "stable")
    # non-invertible: flip the sign of det in one region
    bad = PLRNN([[1.5, 0.0], [0.0, 0.4]], [[-2.0, 0.0], [0.0, 0.0]], [0.5, 0.1])
    assert not bad.is_invertible()
    sad = [c for c in find_cycles(bad, 1) if c.kind == "saddle"]
    assert sad
    with pytest.raises(ValueError, match="not invertible"):
        invariant_manifold(bad, sad[0], "stable")
    assert isinstance(invariant_manifold(bad, sad[0], "unstable", max_length=3), Manifold)


def test_manifold_saddles_are_those_of_the_lowest_saddle_period():
    """The saddle fixed point where there is one (bounded basin, multistability), else the
    lowest-period saddle cycle (the saddle 3-cycle preset has no saddle fixed point)."""
    from saddle_widgets.solvers.plrnn import manifold_saddles
    for name, period in (("bounded basin", 1), ("multistability", 1), ("saddle 3-cycle", 3)):
        chosen = manifold_saddles(find_cycles(PRESETS[name], 8))
        assert len(chosen) == 1 and chosen[0].kind == "saddle" and chosen[0].period == period
    chaos = find_cycles(PRESETS["chaos"], 8)            # one flip saddle and saddle cycles
    assert [c.period for c in manifold_saddles(chaos)] == [1]
    assert manifold_saddles([c for c in chaos if c.period > 1], max_count=2)[0].period == 2
    assert manifold_saddles([c for c in chaos if c.kind != "saddle"]) == []


def test_saddle_manifolds_are_invariant_manifold_branches_and_their_crossings():
    """Each traced branch is invariant_manifold's; the homoclinic points are the crossings
    of W^s and W^u of the same saddle (manifold_intersections)."""
    from saddle_widgets.solvers.plrnn import manifold_intersections, saddle_manifolds
    kw = {"max_length": 15.0, "max_step": 0.03, "max_iter": 40, "bound": 4.5}
    m = PRESETS["chaos"]
    res = saddle_manifolds(m, find_cycles(m, 8), **kw)
    (saddle, ws, wu), = res.traced
    assert saddle.period == 1 and res.invertible and not res.failures and not res.skipped
    for which, got in (("stable", ws), ("unstable", wu)):
        ref = invariant_manifold(m, saddle, which, **kw)
        assert len(got.branches) == len(ref.branches)
        for a, b in zip(got.branches, ref.branches):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(res.homoclinic, manifold_intersections(ws, wu).points)
    assert len(res.homoclinic) > 0
    assert len(saddle_manifolds(m, find_cycles(m, 8), intersections=False, **kw).homoclinic) == 0
    assert saddle_manifolds(m, find_cycles(m, 8), max_length=0).traced == ()


def test_saddle_manifolds_without_inverse_or_with_fixed_points_only():
    """No F^-1 (det(A + W D) changes sign): only W^u is traced. fixed_points_only leaves a
    saddle cycle out and says so (skipped)."""
    from saddle_widgets.solvers.plrnn import saddle_manifolds
    m = PLRNN(0.5 * np.eye(2), [[0.2, -1.5], [-1.5, 0.2]], [0.9, 0.7])
    assert not m.is_invertible()
    res = saddle_manifolds(m, find_cycles(m, 4), max_length=10.0)
    assert not res.invertible and res.traced
    assert all(ws is None and wu is not None for _, ws, wu in res.traced)
    m3 = PRESETS["saddle 3-cycle"]
    res3 = saddle_manifolds(m3, find_cycles(m3, 8), fixed_points_only=True, max_length=5.0)
    assert res3.traced == () and [s.period for s in res3.skipped] == [3]
    with pytest.raises(ValueError, match="2-D"):
        saddle_manifolds(PLRNN(np.eye(3) * 0.5, np.zeros((3, 3)), np.zeros(3)), [])


# -- the paper's quality measure δ (k >= 0) and the manifold score --------------------

def _multistability_saddle():
    m = PRESETS["multistability"]
    (s,) = [c for c in find_cycles(m, 1) if c.kind == "saddle"]
    lam, V = np.linalg.eig(m.jacobian(s.point))
    vs, vu = V[:, np.argmin(np.abs(lam))], V[:, np.argmax(np.abs(lam))]
    return m, s, vs, vu


def test_delta_of_exact_stable_manifold_points_is_near_zero_and_off_it_is_not():
    """multistability saddle (J = [[0.7, -0.6], [-0.6, 0.7]] in its subregion, symmetric:
    v_s ⟂ v_u, λ_s = 0.1, λ_u = 1.3). On the exact local W^s, F^k(p + s v_s) = p + s 0.1^k v_s,
    so δ = 0.1^(2n) (~0); a point p + s v_s + (s/4) v_u has ||F^k - p||^2 = s^2 (0.01^k +
    1.69^k / 16), whose minimum over k >= 0 divided by s^2 (1 + 1/16) is 0.109 (k = 1)."""
    m, s, vs, vu = _multistability_saddle()
    t = np.linspace(-0.3, 0.3, 13)
    t = t[t != 0]
    on = s.point + t[:, None] * vs
    d_on = manifold_quality(m, on, s, which="stable", n_steps=50)
    assert np.all(d_on < 1e-12)
    off = on + (t[:, None] / 4) * vu
    d_off = manifold_quality(m, off, s, which="stable", n_steps=50)
    expected = min((0.01 ** k + 1.69 ** k / 16) for k in range(50)) / (1 + 1 / 16)
    np.testing.assert_allclose(d_off, expected, rtol=1e-9)
    assert expected == pytest.approx(0.1088, abs=1e-4)
    assert manifold_score(d_on) == 1.0 and manifold_score(d_off) == 0.0


def test_delta_is_one_for_points_that_only_move_away():
    """On the local W^u, forward iteration only moves away (distance × 1.3 per step), so
    the minimum over k >= 0 is at k = 0: δ = 1 exactly, never above."""
    m, s, vs, vu = _multistability_saddle()
    pts = s.point + np.linspace(0.01, 0.2, 7)[:, None] * vu
    np.testing.assert_allclose(manifold_quality(m, pts, s, which="stable", n_steps=30), 1.0)
    assert manifold_quality(m, s.point, s, which="stable")[0] == 0.0     # the saddle itself


@pytest.mark.parametrize("name", ["bounded basin", "chaos", "multistability", "Fig. 3 B-right"])
def test_delta_lies_in_0_1_for_manifold_and_random_points(name):
    """δ = min over k >= 0 includes k = 0 (ratio 1): 0 <= δ <= 1 for any point, forward and
    backward; the traced W^s scores near 1 (fraction of points with δ < 1e-2)."""
    m = PRESETS[name]
    s = manifold_saddles(find_cycles(m, 4, seed=0), 1)[0]
    rng = np.random.default_rng(1)
    pts = s.point + rng.normal(0, 2, (200, 2))
    for which in ("stable", "unstable"):
        d = manifold_quality(m, pts, s, which=which, n_steps=60)
        assert np.all((d >= 0) & (d <= 1))
    ws = invariant_manifold(m, s, "stable", max_length=10)
    d = manifold_quality(m, ws.points[::7], s, which="stable", n_steps=100)
    assert np.all((d >= 0) & (d <= 1)) and manifold_score(d) > 0.95


def test_manifold_score_is_the_fraction_below_the_threshold():
    assert manifold_score([0.0, 1e-3, 0.5, 1.0]) == 0.5
    assert manifold_score([0.0, 1e-3, 0.5, 1.0], threshold=0.6) == 0.75
    with pytest.raises(ValueError, match="delta"):
        manifold_score([])
    with pytest.raises(ValueError, match="delta"):
        manifold_score([1.2])


def test_a_saddle_outside_the_bound_is_a_value_error_that_says_so():
    """Branches stop at |z_i| > bound; a saddle beyond it has nothing to trace, and says so
    (not "could not place seed points"); the widget's status line gives one clause for both."""
    from saddle_widgets import PLRNNExplorer
    from saddle_widgets.solvers.plrnn import find_cycles, invariant_manifold, preset
    model = preset("multistability")
    saddle = next(c for c in find_cycles(model, 1) if c.kind == "saddle")
    bound = 0.9 * float(np.max(np.abs(saddle.points)))
    for which in ("stable", "unstable"):
        with pytest.raises(ValueError, match="outside"):
            invariant_manifold(model, saddle, which, bound=bound)
    w = PLRNNExplorer(canvas="agg")
    w.apply_preset("multistability")
    w.set_params(view=0.5)
    assert ("stable and unstable manifolds of the saddle fixed point not traced (the saddle "
            "lies outside") in w.status_text
    w.close()
