"""Basin maps, Lyapunov exponents and bifurcation diagrams of ReLU maps."""
import numpy as np
import pytest

from saddle_widgets.solvers.plrnn import (BOUNDED_OTHER, DIVERGENT, PLRNN, PRESETS, ShallowPLRNN, basin_map,
                                          bifurcation_diagram, find_cycles, lyapunov_exponents)


def test_basin_map_labels_agree_with_direct_iteration():
    """Each label equals where a long direct iteration from that grid point ends (multistability, bounded basin)."""
    for name, ext in (("multistability", (-3, 5, -3, 5)), ("bounded basin", (-3, 3, -3, 3))):
        m = PRESETS[name]
        bm = basin_map(m, ext, 30)
        gx, gy = np.meshgrid(bm.xs, bm.ys)
        z = np.stack([gx.ravel(), gy.ravel()], 1)
        with np.errstate(all="ignore"):
            for _ in range(400):
                z = np.clip(m.step(np.clip(z, -1e6, 1e6)), -1e7, 1e7)
        want = np.full(z.shape[0], DIVERGENT)
        for i, c in enumerate(bm.attractors):
            d = np.min(np.linalg.norm(z[:, None] - c.points[None], axis=2), axis=1)
            want[d < 1e-6] = i
        assert np.mean(bm.labels.ravel() == want) > 0.99


def test_bounded_basin_preset_focus_basin_and_divergence():
    """bounded basin: part of the plane goes to the stable focus, the rest diverges, nothing else."""
    bm = basin_map(PRESETS["bounded basin"], (-3, 3, -3, 3), 60)
    assert len(bm.attractors) == 1 and bm.attractors[0].focus
    assert 0.2 < bm.fraction(0) < 0.8 and bm.fraction(0) + bm.fraction(DIVERGENT) == 1.0


def test_chaos_preset_is_bounded_and_not_captured():
    """chaos: no stable cycle; orbits from the region around the attractor stay bounded (label BOUNDED_OTHER)."""
    bm = basin_map(PRESETS["chaos"], (-1, 0.5, -1, 0.5), 40)
    assert bm.attractors == ()
    assert bm.fraction(BOUNDED_OTHER) > 0.5


def test_basin_map_discovers_the_16_cycle():
    """Without given attractors (searched up to period 8), the attracting 16-cycle is discovered from leftovers."""
    bm = basin_map(PRESETS["16-cycle"], (0.5, 3, -1.5, 1), 40)
    assert any(c.period == 16 and c.kind == "stable" for c in bm.attractors)
    assert bm.fraction(BOUNDED_OTHER) < 0.2


def test_basin_map_for_a_shallow_plrnn_and_a_3d_slice():
    """The same code serves the shallow PLRNN and a 2-D slice of a 3-D PLRNN."""
    m = ShallowPLRNN([0.5, 0.5], [[1.0, -1.0], [-1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [0.2, 0.1], [0.0, 0.0])
    bm = basin_map(m, (-2, 2, -2, 2), 20)
    assert bm.labels.shape == (20, 20)
    m3 = PLRNN(np.diag([0.5, 0.5, 0.4]), [[0.2, -0.6, 0], [-0.6, 0.2, 0], [0.3, -0.2, 0.3]], [0.9, 0.7, -0.1])
    bm3 = basin_map(m3, (-3, 5, -3, 5), (25, 20), plane=(0, 1), base=[0, 0, 0.5])
    assert bm3.labels.shape == (20, 25) and len(bm3.attractors) == 2
    assert set(np.unique(bm3.labels)) == {0, 1}


def test_basin_map_validates_input():
    m = PRESETS["chaos"]
    with pytest.raises(ValueError, match="extent"):
        basin_map(m, (1, 0, 0, 1), 10)
    with pytest.raises(ValueError, match="resolution"):
        basin_map(m, (0, 1, 0, 1), 1)
    with pytest.raises(ValueError, match="dimension >= 2"):
        basin_map(PLRNN([[0.5]], [[0.1]], [0.0]), (0, 1, 0, 1), 5)


def test_lyapunov_exponents_of_a_stable_fixed_point_are_log_moduli_of_its_multipliers():
    """At a stable node the exponents are log|λ_i| of the Jacobian's eigenvalues (0.7, 0.5)."""
    m = PRESETS["multistability"]
    lyap = lyapunov_exponents(m, [3.0, -2.2], 20000, n_transient=0)
    assert np.allclose(lyap, np.log([0.7, 0.5]), atol=1e-4)  # O(1/n) transient of a non-normal J


def test_lyapunov_exponents_sum_to_mean_log_det_and_reject_divergence():
    """Σλ_i = mean log|det J| along the orbit; a diverging orbit raises ValueError."""
    m = PRESETS["16-cycle"]
    lyap = lyapunov_exponents(m, [1.0, 0.0], 3000, n_transient=200)
    assert lyap[0] < 0  # an attracting 16-cycle
    with pytest.raises(ValueError, match="diverges"):
        lyapunov_exponents(PLRNN(2 * np.eye(2), np.zeros((2, 2)), [1, 1]), [1.0, 1.0], 200)


def test_bifurcation_diagram_matches_single_orbits():
    """Each column is the orbit of the model with that parameter value iterated alone: equal
    up to rounding while rounding cannot have grown (10 steps into the chaotic attractor, and
    300 steps where every value converges to a fixed point or cycle). The sweep sums each
    component without the fused multiply-add a BLAS dot may use, so in chaos, after hundreds
    of steps, its points are other points of the same attractor (checked in
    test_bifurcation_diagram_in_chaos_samples_the_attractor_of_a_single_orbit)."""
    m = PRESETS["chaos"]
    for vals, n_transient, z0 in ((np.linspace(-0.9, -0.5, 5), 10, [-0.3, -0.2]),
                                  (np.linspace(0.3, 0.7, 5), 300, [0.2, 0.1])):
        bd = bifurcation_diagram(m, vals, parameter="h1", z0s=[z0], n_transient=n_transient,
                                 n_keep=10)
        assert bd.states.shape == (5, 1, 10, 2)
        for v, st in zip(vals, bd.states[:, 0]):
            mv = PLRNN.from_border_collision(**dict(m.border_collision, h1=v))
            if bd.diverged[list(vals).index(v), 0]:
                with pytest.raises(ValueError, match="diverges"):
                    mv.trajectory(z0, n_transient + 9)
                continue
            traj = mv.trajectory(z0, n_transient + 9)
            assert np.allclose(st, traj[n_transient:], rtol=1e-9, atol=1e-9)
    pv, xv = bd.points(0)
    assert pv.shape == xv.shape == (int(np.sum(~bd.diverged)) * 10,)


@pytest.mark.parametrize("parameter", ["A[0,1]", "W[1,0]", "h2", "h[0]"])
def test_bifurcation_sweep_of_an_entry_equals_the_sweep_of_models_built_per_value(parameter):
    """Sweeping a PLRNN entry by name (its parameters stacked, no model built per value)
    gives, bit for bit, the diagram of a model_factory that builds each model (the
    validated models of ``with_params``)."""
    from saddle_widgets.solvers.plrnn_dynamics import _vary
    m = PLRNN([[0.4, -0.6], [0.5, 0.2]], [[0.3, 0.8], [-0.7, 0.1]], [0.2, -0.1])
    vals = np.linspace(-1.0, 1.0, 31)
    z0s = [[0.1, 0.2], [-0.5, 0.3], [2.0, -1.0]]
    by_name = bifurcation_diagram(m, vals, parameter=parameter, z0s=z0s, n_transient=60,
                                  n_keep=12)
    built = bifurcation_diagram(lambda v: _vary(m, parameter, v), vals, parameter=parameter,
                                z0s=z0s, n_transient=60, n_keep=12)
    np.testing.assert_array_equal(by_name.states, built.states)
    np.testing.assert_array_equal(by_name.diverged, built.diverged)
    assert by_name.parameter == parameter
    with pytest.raises(ValueError, match="index out of range"):
        bifurcation_diagram(m, vals, parameter="A[2,0]")
    with pytest.raises(ValueError, match="unknown parameter"):
        bifurcation_diagram(m, vals, parameter="tau_r")


def test_bifurcation_diagram_in_chaos_samples_the_attractor_of_a_single_orbit():
    """In the chaos preset (λ1 ≈ 0.49, so rounding differences grow e-fold every two steps)
    the long-run points of the sweep lie on the attractor a single long orbit traces: each is
    within 0.05 of one of that orbit's 20000 points, and they spread over its range."""
    m = PRESETS["chaos"]
    bd = bifurcation_diagram(m, [m.h[0]], parameter="h1", z0s=[[0.1, 0.1]], n_transient=300,
                             n_keep=200)
    orbit = m.trajectory([0.1, 0.1], 20300)[300:]
    pts = bd.states[0, 0]
    d = np.min(np.linalg.norm(pts[:, None] - orbit[None, ::2], axis=2), axis=1)
    assert np.max(d) < 0.05
    assert np.ptp(pts[:, 0]) > 0.5 * np.ptp(orbit[:, 0])


def test_bifurcation_diagram_with_factory_marks_divergence():
    """model_factory form; diverging orbits are flagged in .diverged and excluded from .points()."""
    def factory(a):
        return PLRNN(a * np.eye(2), np.zeros((2, 2)), [0.1, 0.1])

    bd = bifurcation_diagram(factory, [0.5, 1.5], z0s=[[0.0, 0.0]], n_transient=200, n_keep=5)
    assert not bd.diverged[0, 0] and bd.diverged[1, 0]
    assert np.allclose(bd.states[0, 0], 0.2)
    pv, xv = bd.points()
    assert np.all(np.isfinite(xv)) and np.all(pv == 0.5)
    with pytest.raises(ValueError, match="unknown parameter"):
        bifurcation_diagram(PRESETS["chaos"], [0.1], parameter="zeta")


def test_find_cycles_stable_attractors_match_basin_attractors():
    """basin_map's default attractors are exactly the stable cycles of find_cycles."""
    m = PRESETS["multistability"]
    st = [c for c in find_cycles(m, 8) if c.kind == "stable"]
    bm = basin_map(m, (-3, 5, -3, 5), 10)
    assert len(bm.attractors) == len(st)


def test_capture_ellipsoids_are_invariant_and_lie_in_the_cycle_regions():
    """Points sampled in a stable cycle's certified capture ellipsoid E_i stay in the cycle's
    region sequence and land in E_{i+1} after one step (the proof's invariance, checked)."""
    from saddle_widgets.solvers.plrnn_dynamics import _capture_ellipsoids
    rng = np.random.default_rng(1)
    for name in ("bounded basin", "saddle 3-cycle", "16-cycle", "multistability"):
        m = PRESETS[name]
        for c in basin_map(m, (-4, 4, -4, 4), 20).attractors:
            Lt, r2 = _capture_ellipsoids(m, c)
            assert np.all(r2 > 0)
            k = c.period
            for i in range(k):
                u = rng.standard_normal((200, 2))
                u *= np.sqrt(r2[i]) * rng.random((200, 1)) ** 0.5 / np.linalg.norm(u, axis=1, keepdims=True)
                z = c.points[i] + np.linalg.solve(Lt[i], u.T).T
                assert np.all(m.region(z) == c.regions[i])
                img = m.step(z) - c.points[(i + 1) % k]
                assert np.all(np.sum((img @ Lt[(i + 1) % k].T) ** 2, axis=1) <= r2[(i + 1) % k] * (1 + 1e-9))


def test_basin_map_labels_equal_a_long_brute_force_iteration_on_every_preset():
    """With early capture (ellipsoids), every label that names an attractor or divergence is
    what 3000 plain iterations give (the orbit then sits within 1e-6 of that attractor or
    beyond 1e6), except on a thin boundary band."""
    for name, m in PRESETS.items():
        bm = basin_map(m, (-4, 4, -4, 4), 40)
        gx, gy = np.meshgrid(bm.xs, bm.ys)
        z = np.stack([gx.ravel(), gy.ravel()], 1)
        with np.errstate(all="ignore"):
            for _ in range(3000):
                z = np.clip(m._step_raw(np.clip(z, -1e7, 1e7)), -1e8, 1e8)
        want = np.full(z.shape[0], BOUNDED_OTHER)
        want[~(np.max(np.abs(z), axis=1) <= 1e6)] = DIVERGENT
        for i, c in enumerate(bm.attractors):
            d = np.min(np.linalg.norm(z[:, None] - c.points[None], axis=2), axis=1)
            want[d < 1e-6] = i
        got = bm.labels.ravel()
        # discovery can list a cycle twice (e.g. a 16-cycle also as its 48-fold repeat): labels of
        # attractors with the same point set count as equal
        for i, a in enumerate(bm.attractors):
            for j, b in enumerate(bm.attractors[:i]):
                if all(np.min(np.max(np.abs(b.points - p), axis=1)) < 1e-5 for p in a.points):
                    got = np.where(got == i, j, got)
                    want = np.where(want == i, j, want)
        decided = got != BOUNDED_OTHER
        if decided.any():   # chaos: nothing is decided, every orbit stays bounded
            assert np.mean(got[decided] == want[decided]) > 0.995, name


@pytest.mark.parametrize("resolution", [30, 40, 50])
def test_discovered_attractors_have_minimal_period_and_are_not_listed_twice(resolution):
    """A cycle is listed once, at its minimal period: an orbit still converging that looks
    periodic only after three turns is the 16-cycle, not a '48-cycle'."""
    from saddle_widgets.solvers.plrnn_dynamics import _minimal_period_points, same_orbit
    b = basin_map(PRESETS["16-cycle"], (-4, 4, -4, 4), resolution)
    cycles = [a for a in b.attractors if hasattr(a, "points")]
    assert [c.period for c in cycles] == [16]
    for c in cycles:
        assert len(_minimal_period_points(c.points)) == c.period
    for i, a in enumerate(cycles):
        for other in cycles[i + 1:]:
            assert not same_orbit(a.points, other.points)


def test_stable_cycles_by_iteration_finds_the_16_cycle_beyond_the_finders_period_limit():
    """Orbits iterated long reach the attracting 16-cycle of the SCYFI test preset; it comes
    back once, at its minimal period, stable and self-consistent (F^16 returns to it)."""
    from saddle_widgets.solvers.plrnn import same_orbit, stable_cycles_by_iteration
    model = PRESETS["16-cycle"]
    g = np.linspace(-3, 3, 4)
    starts = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    found = stable_cycles_by_iteration(model, starts)
    assert [c.period for c in found] == [16] and found[0].kind == "stable"
    z = found[0].points[0]
    for _ in range(16):
        z = model.step(z)
    assert np.allclose(z, found[0].points[0], atol=1e-9)
    assert stable_cycles_by_iteration(model, starts, known=found) == []
    assert same_orbit(found[0].points, np.roll(found[0].points, 5, axis=0))
    with pytest.raises(ValueError, match="columns"):
        stable_cycles_by_iteration(model, np.zeros((3, 3)))


def test_cycles_match_as_orbits_whatever_their_start_and_merge_without_repeats():
    """A k-cycle started at any of its points is the same orbit (index_of_cycle finds it);
    merge_cycles appends only the orbits not yet listed, keeping the order."""
    from saddle_widgets.solvers.plrnn import cycle_from_points, index_of_cycle, merge_cycles
    m = PRESETS["saddle 3-cycle"]
    cycles = find_cycles(m, 3)
    three = [c for c in cycles if c.period == 3][0]
    rotated = cycle_from_points(m, np.roll(three.points, 1, axis=0))
    assert rotated is not three
    assert index_of_cycle(rotated, cycles) == cycles.index(three)
    fixed = [c for c in cycles if c.period == 1]
    assert index_of_cycle(fixed[0], [three]) is None
    merged = merge_cycles(fixed, [rotated, fixed[0], three])
    assert merged[:len(fixed)] == fixed and merged[len(fixed):] == [rotated]


def test_stable_cycles_by_iteration_early_exit_finds_what_iterating_to_the_end_finds():
    """An orbit inside a certified capture ellipsoid converges to that cycle, so stopping it
    there gives the cycles (and, rotated to the phase the orbit would have at n_steps, their
    first points) of the plain method: iterate n_steps, then test for periods. Checked on every
    preset against that plain method written out here."""
    from saddle_widgets.solvers.plrnn import refine_stable_cycle, same_orbit, stable_cycles_by_iteration
    from saddle_widgets.solvers.plrnn_dynamics import _minimal_period_points

    def plain(m, starts, n_steps=1200, max_p=64):
        z = np.asarray(starts, float)
        with np.errstate(all="ignore"):
            for _ in range(n_steps):
                z = m._step_raw(z)
                z = z[np.all(np.abs(z) <= 1e6, axis=1)]
            hist = [z]
            for _ in range(max_p):
                hist.append(m._step_raw(hist[-1]))
        hist = np.stack(hist)                                   # (max_p + 1, n, M)
        found = []
        for j in range(z.shape[0]):
            h = hist[:, j]
            if not (np.all(np.isfinite(h)) and np.all(np.abs(h) <= 1e6)):
                continue
            size = 1 + np.max(np.abs(h[0]))
            d = np.max(np.abs(h[1:] - h[0]), axis=1)
            ps = [np.flatnonzero(d <= tol * size) for tol in (1e-7, 1e-3)]
            p = ps[0][0] + 1 if ps[0].size else (ps[1][0] + 1 if ps[1].size else 0)
            if not p or any(same_orbit(c.points, h[:p]) for c in found):
                continue
            cyc = refine_stable_cycle(m, h[:p])
            if cyc is not None and len(_minimal_period_points(cyc.points)) < cyc.period:
                cyc = refine_stable_cycle(m, _minimal_period_points(cyc.points))
            if cyc is not None and not any(same_orbit(c.points, cyc.points) for c in found):
                found.append(cyc)
        return found

    rng = np.random.default_rng(3)
    for name, m in PRESETS.items():
        starts = rng.uniform(-3, 3, size=(12, 2))
        got, want = stable_cycles_by_iteration(m, starts), plain(m, starts)
        assert len(got) == len(want), name
        for a, b in zip(got, want):
            assert a.period == b.period and np.allclose(a.points, b.points, atol=1e-9), name
