"""Manifolds of 3-D ReLU maps (solvers/plrnn_3d.py) and the PLRNN3DExplorer's presets."""
import numpy as np
import pytest

from saddle_widgets.solvers import plrnn as pl
from saddle_widgets.solvers import plrnn_3d as p3
from saddle_widgets.solvers.plrnn_training import LORENZ_LYAPUNOV
from saddle_widgets.widgets.plrnn3d import BISTABLE, LORENZ, PLRNN3DExplorer, _bistable_model, system


@pytest.fixture(scope="module")
def bistable():
    m = _bistable_model()
    cyc = pl.find_cycles(m, 1)
    saddle = [c for c in cyc if c.kind == "saddle"][0]
    return m, cyc, saddle


# -- solver ---------------------------------------------------------------------------------

def test_bistable_model_fixed_points_as_documented(bistable):
    m, cyc, saddle = bistable
    assert [c.description for c in cyc] == ["stable node", "saddle fixed point", "stable node"]
    np.testing.assert_allclose(saddle.point, [5 / 9, 11 / 9, -2 / 15], atol=1e-9)
    np.testing.assert_allclose(np.abs(saddle.multipliers), [1.3, 0.5, 0.1], atol=1e-9)
    assert saddle.n_stable == 2 and m.is_invertible()


def test_region_iteration_inverse_is_the_preimage(bistable):
    """F(w) = z for every returned preimage, and it is the one the base's exact search finds
    (F is invertible here, so the preimage is unique)."""
    m, _, _ = bistable
    z = np.random.default_rng(0).uniform(-4, 4, (500, 3))
    w, ok = p3.inverse_by_region_iteration(m, z)
    assert ok.all()
    np.testing.assert_allclose(m.step(w), z, atol=1e-9)
    np.testing.assert_allclose(w, m.inverse_step(z), atol=1e-9)


def test_stable_pieces_are_planar_and_the_saddles_piece_is_its_eigenplane(bistable):
    """In the saddle's subregion W^s is p + span of the stable eigenvectors (closed form):
    that piece's normal is orthogonal to both; every piece is planar (residual ~ 0) and its
    samples converge to the saddle under F (they are on W^s)."""
    m, _, saddle = bistable
    ws = p3.manifold_mesh(m, saddle, "stable", n_rings=20, n_angles=24, bound=6.0)
    assert len(ws.pieces) >= 3
    J = m.jacobian(saddle.point)
    lam, V = np.linalg.eig(J)
    stable = V[:, np.abs(lam) < 1].real
    home = [pc for pc in ws.pieces if np.array_equal(pc.region, m.region(saddle.point))][0]
    normal = np.cross(*home.basis)
    assert np.max(np.abs(normal @ stable)) < 1e-9
    assert np.max(np.abs((saddle.point - home.point) @ normal)) < 1e-9
    assert max(pc.residual for pc in ws.pieces) < 0.05
    # the paper's δ(x0) = min_k |F^k(x0) - p|² / |x0 - p|²: near 0 on W^s (the orbit comes
    # back to the saddle before rounding errors grow along W^u), about 1 off it
    x0 = ws.samples[np.linalg.norm(ws.samples - saddle.point, axis=1) > 0.1][::17]
    assert len(x0) > 50
    assert np.max(pl.manifold_quality(m, x0, saddle, which="stable", n_steps=60)) < 1e-8
    off = x0 + 0.05 * np.cross(*home.basis)
    assert np.median(pl.manifold_quality(m, off, saddle, which="stable", n_steps=60)) > 1e-3


def test_unstable_curve_joins_the_saddle_to_both_stable_nodes(bistable):
    """The 1-D W^u of the saddle: its two branches end on the two stable nodes (heteroclinic
    connections, as the saddle separates their basins)."""
    m, cyc, saddle = bistable
    wu = p3.manifold_mesh(m, saddle, "unstable", bound=8.0)
    ends = sorted(tuple(np.round(b[-1], 4)) for b in wu.polylines())
    nodes = sorted(tuple(np.round(c.point, 4)) for c in cyc if c.kind == "stable")
    np.testing.assert_allclose(ends, nodes, atol=1e-4)


def test_clip_polygon_and_piece_cuts_closed_forms():
    """A square [-1, 2]² at z3 = 0.5 clipped to [0, 1]³ is the unit square; the plane z1 = 0.25
    cuts it in the segment z1 = 0.25, z2 from 0 to 1."""
    sq = np.array([[-1, -1, 0.5], [2, -1, 0.5], [2, 2, 0.5], [-1, 2, 0.5]], float)
    c = p3.clip_polygon(sq, [[0, 1], [0, 1], [0, 1]])
    x, y = c[:, 0], c[:, 1]
    assert 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) == pytest.approx(1.0)
    piece = p3.Piece3D(region=np.zeros(3, bool), point=c.mean(0), basis=np.eye(3)[:2], polygon=c,
                       n_samples=4, residual=0.0)
    seg = p3.piece_cuts([piece], 0, 0.25)
    assert seg.shape == (1, 2, 3)
    np.testing.assert_allclose(sorted(seg[0, :, 1]), [0, 1])
    np.testing.assert_allclose(seg[0, :, 0], 0.25)
    assert p3.clip_polygon(sq, [[3, 4], [0, 1], [0, 1]]).shape[0] == 0


def test_manifold_mesh_rejects_what_it_cannot_grow(bistable):
    m, cyc, saddle = bistable
    with pytest.raises(ValueError, match="not a saddle"):
        p3.manifold_mesh(m, cyc[0], "stable")
    with pytest.raises(ValueError, match="which"):
        p3.manifold_mesh(m, saddle, "sideways")


# -- the explorer's presets ----------------------------------------------------------------

@pytest.fixture(scope="module")
def widget():
    w = PLRNN3DExplorer(canvas="agg")
    yield w
    w.close()


def test_preset_lorenz_fig4c_is_chaotic_with_lorenzs_exponent_and_organising_manifolds(widget):
    """Fig. 4C: the orbit is chaotic with λ1 / dt within 15 % of Lorenz's 0.906; the origin
    saddle's W^u visits both wings (z1 of both signs beyond the C± saddle-foci's |z1|/2),
    its W^s is drawn as planar pieces, and the slice is bounded chaos or divergence only."""
    widget.apply_preset("Lorenz shPLRNN (Fig. 4C)")
    assert widget.error is None
    sysd = widget.results["setup"]
    lam = widget.results["lyapunov"][0] / sysd.dt
    assert abs(lam - LORENZ_LYAPUNOV) < 0.15 * LORENZ_LYAPUNOV
    assert "chaotic" in widget.status_text
    origin = min(sysd.cycles, key=lambda c: c.n_unstable)
    assert origin.n_unstable == 1
    wu = [m for m in sysd.meshes if m.saddle is origin and m.which == "unstable"][0]
    foci = [c for c in sysd.cycles if c.n_unstable == 2]
    half = 0.5 * min(abs(c.point[0]) for c in foci)
    pts = np.concatenate(wu.polylines())
    assert (pts[:, 0] > half).any() and (pts[:, 0] < -half).any()
    ws = [m for m in sysd.meshes if m.saddle is origin and m.which == "stable"][0]
    assert ws.dim == 2 and len(ws.pieces) >= 3
    assert len(widget.manifold_artists[0].get_paths()) > 0 or len(widget.manifold_artists[0]._vec) > 0
    assert set(np.unique(widget.results["basin"].labels)) <= {pl.BOUNDED_OTHER, pl.DIVERGENT}


def test_preset_lorenz_from_above_slices_through_the_origin_saddle(widget):
    widget.apply_preset("Lorenz shPLRNN, origin's W^s from above")
    sysd = widget.results["setup"]
    origin = min(sysd.cycles, key=lambda c: c.n_unstable)
    axes, normal, value = widget.results["slice_at"]
    assert axes == (0, 1) and abs(value - origin.point[2]) < 0.01
    assert len(widget.cut_lines[0].get_segments()) > 0         # W^s of the origin cuts the slice
    assert widget.ax_space.elev == 70


def test_preset_bistable_stable_manifold_is_the_basin_boundary(widget):
    """Brute force: in the slice, grid cells where the basin changes lie within two cells of
    the cut of W^s, and points 0.02 either side of the cut go to different stable nodes."""
    widget.apply_preset("bistable PLRNN: W^s is the basin boundary")
    bm = widget.results["basin"]
    assert len(bm.attractors) == 2 and 0.1 < bm.fraction(0) < 0.9
    segs = np.array(widget.cut_lines[0].get_segments())
    assert len(segs) > 0
    lab = bm.labels
    iy, ix = np.nonzero(lab[:, 1:] != lab[:, :-1])
    pts = np.c_[(bm.xs[ix] + bm.xs[ix + 1]) / 2, bm.ys[iy]]
    a, b = segs[:, 0], segs[:, 1]

    def dist(p):
        t = np.clip(np.einsum("ij,ij->i", p - a, b - a) / np.einsum("ij,ij->i", b - a, b - a), 0, 1)
        return np.min(np.linalg.norm(a + t[:, None] * (b - a) - p, axis=1))
    cell = bm.xs[1] - bm.xs[0]
    assert len(pts) > 20 and np.mean([dist(p) < 2 * cell for p in pts]) > 0.95
    m = widget.results["setup"].model
    mid = 0.5 * (a + b)
    tang = b - a
    normal = np.c_[-tang[:, 1], tang[:, 0]] / np.linalg.norm(tang, axis=1)[:, None]
    axes, nrm, value = widget.results["slice_at"]
    ends = []
    for sgn in (1, -1):
        z = np.full((len(mid), 3), value)
        z[:, list(axes)] = mid + sgn * 0.02 * normal
        ends.append(m.trajectory(z, 400)[-1])
    nodes = np.array([c.point for c in bm.attractors])
    side = [np.argmin(np.linalg.norm(e[:, None] - nodes[None], axis=2), axis=1) for e in ends]
    assert np.all(side[0] != side[1])


def test_rotation_while_dragging_hides_the_pieces_and_release_shows_them(widget):
    widget.apply_preset("Lorenz shPLRNN (Fig. 4C)")
    with widget.dragging():
        widget.controls["azim"].value = 10.0
        assert not widget.manifold_artists[0].get_visible()
        assert widget.ax_space.azim == 10
    assert widget.manifold_artists[0].get_visible()


def test_clicking_the_slice_moves_the_point_in_its_plane(widget):
    widget.apply_preset("bistable PLRNN: W^s is the basin boundary")
    z3 = widget.state["z0"]
    widget.set_point(1.5, -2.0)
    assert (widget.state["x0"], widget.state["y0"], widget.state["z0"]) == (1.5, -2.0, z3)
    np.testing.assert_allclose(widget.results["trajectory"][0], [1.5, -2.0, z3])


def test_systems_are_cached_and_unknown_names_rejected():
    assert system(LORENZ) is system(LORENZ)
    assert system(BISTABLE).dt is None
    with pytest.raises(ValueError, match="unknown system"):
        system("Rössler")


# -- what the explorer draws is the solvers' answer (and a turn of the view recomputes nothing)

def test_unique_rows_is_numpys_unique_rows_in_the_same_order():
    """The integer code sum_i r_i 2^(n-1-i) of a boolean row orders rows lexicographically,
    so the fast path returns np.unique(axis=0)'s rows and inverse exactly (also past 63
    bits, where it falls back to np.unique)."""
    rng = np.random.default_rng(3)
    for n in (1, 3, 40, 63, 64, 90):
        regs = rng.random((3000, n)) < 0.5
        regs[:1000] = regs[7]                       # repeated rows
        uniq, inv = np.unique(regs, axis=0, return_inverse=True)
        fast_uniq, fast_inv = p3._unique_rows(regs)
        np.testing.assert_array_equal(fast_uniq, uniq)
        np.testing.assert_array_equal(fast_inv, inv.ravel())


def _thinned(b, n_max=8000):
    """Every k-th vertex of a polyline and its last, k = max(len // n_max, 1)."""
    k = max(len(b) // n_max, 1)
    return b if k == 1 else np.vstack([b[::k], b[-1:]])


def _drawn_curve(meshes, which):
    parts = [np.vstack([_thinned(b), np.full((1, 3), np.nan)])
             for m in meshes if m.dim == 1 and m.which == which for b in m.polylines()]
    return np.concatenate(parts).T if parts else np.zeros((3, 0))


def _drawn_polys(surface):
    """The polygons (k_i, 3) held by a Poly3DCollection (matplotlib keeps them padded to
    one length, with a mask of the padding)."""
    faces = np.asarray(surface._faces)
    invalid = np.broadcast_to(surface._invalid_vertices, faces.shape[:2])
    return [f[~bad] for f, bad in zip(faces, invalid)]


@pytest.mark.parametrize("preset", list(PLRNN3DExplorer.PRESETS))
def test_the_3d_view_draws_the_meshes_pieces_curves_and_the_orbit(widget, preset):
    """The quads are the meshes' planar pieces clipped to the box (Sutherland-Hodgman,
    clip_polygon), the curves every drawn vertex of the 1-D manifolds' polylines, and the
    trajectory the orbit from the point (orbit_until_divergence) cut where it leaves the box."""
    widget.apply_preset(preset)
    sysd = widget.results["setup"]
    expected = [p3.clip_polygon(pc.polygon, sysd.extent) for m in sysd.meshes if m.dim == 2
                for pc in m.pieces]
    expected = [q for q in expected if len(q) >= 3]
    drawn = _drawn_polys(widget.manifold_artists[0])
    assert len(expected) > 0 and len(drawn) == len(expected)
    for got, want in zip(drawn, expected):
        np.testing.assert_allclose(got, want)
    for line, which in zip(widget.manifold_artists[1:], ("stable", "unstable")):
        np.testing.assert_array_equal(np.array(line.get_data_3d()), _drawn_curve(sysd.meshes, which))
    s = widget.state
    orbit = sysd.model.orbit_until_divergence([s["x0"], s["y0"], s["z0"]], s["steps"], bound=100.0)
    inside = np.all((orbit >= sysd.extent[:, 0]) & (orbit <= sysd.extent[:, 1]), axis=1)
    cut = orbit if inside.all() else orbit[: max(int(np.argmin(inside)), 1)]
    np.testing.assert_array_equal(np.array(widget.traj3d[0].get_data_3d()).T, cut)


@pytest.mark.parametrize("preset", list(PLRNN3DExplorer.PRESETS))
def test_the_slice_draws_the_basin_map_and_the_pieces_cuts(widget, preset):
    """The slice's image is basin_map's labels on the plane through the point, and its W^s
    segments are where the 2-D pieces' outlines cross that plane (piece_cuts)."""
    widget.apply_preset(preset)
    sysd = widget.results["setup"]
    s = widget.state
    axes, normal, value = widget.results["slice_at"]
    base = np.zeros(3)
    base[normal] = value
    bm = pl.basin_map(sysd.model, (*sysd.extent[axes[0]], *sysd.extent[axes[1]]), s["resolution"],
                      attractors=sysd.attractors, n_steps=sysd.basin_steps[0], plane=axes, base=base,
                      discover=False)
    np.testing.assert_array_equal(widget.results["basin"].labels, bm.labels)
    from saddle_widgets.plots.plrnn import basin_colour_index
    np.testing.assert_array_equal(np.asarray(widget.basin_img.get_array()), basin_colour_index(bm.labels))
    cuts = np.concatenate([p3.piece_cuts(m.pieces, normal, value) for m in sysd.meshes
                           if m.dim == 2 and m.which == "stable"])[:, :, list(axes)]
    drawn = np.array(widget.cut_lines[0].get_segments()).reshape(-1, 2, 2)
    assert len(drawn) >= len(cuts)
    np.testing.assert_allclose(drawn[: len(cuts)], cuts)


def test_turning_the_view_recomputes_nothing_and_draws_only_the_3d_axes(widget):
    """elev / azim / pieces: view_init and one draw of the 3-D figure; no step runs again,
    the slice and both legends (canvases of their own) are not drawn."""
    widget.apply_preset("Lorenz shPLRNN (Fig. 4C)")
    before = dict(widget.results)
    draws = {name: 0 for name in ("space", "space_key", "slice", "slice_key")}
    cids = [(widget.figure(n), widget.figure(n).canvas.mpl_connect(
        "draw_event", lambda _e, n=n: draws.__setitem__(n, draws[n] + 1))) for n in draws]
    try:
        widget.controls["elev"].value = 35.0
        widget.controls["azim"].value = 15.0
        widget.controls["pieces"].value = False
        with widget.dragging():
            widget.controls["azim"].value = 40.0
    finally:
        for fig, cid in cids:
            fig.canvas.mpl_disconnect(cid)
    assert all(widget.results[k] is v for k, v in before.items())
    assert (widget.ax_space.elev, widget.ax_space.azim) == (35.0, 40.0)
    assert not widget.manifold_artists[0].get_visible()
    assert draws == {"space": 5, "space_key": 0, "slice": 0, "slice_key": 0}


def test_manifold_scene_and_cuts_are_cached_per_system_and_slice(widget):
    """Steps keyed on the system (scene) and the slice (cuts): returning to a system or a
    slice reuses the cached result instead of clipping and cutting the pieces again."""
    widget.apply_preset("Lorenz shPLRNN (Fig. 4C)")
    scene, cuts = widget.results["scene"], widget.results["cuts"]
    widget.controls["system"].value = BISTABLE
    assert widget.results["scene"] is not scene
    widget.controls["system"].value = LORENZ
    assert widget.results["scene"] is scene and widget.results["cuts"] is cuts
