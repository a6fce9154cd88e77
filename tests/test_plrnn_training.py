"""Training shallow PLRNNs in numpy (solvers/plrnn_training.py) and the two trained models
shipped as package data (saddle_widgets/data/) by scripts/train_shplrnn.py: Lorenz-63 (the paper's Fig. 4C) and
the bistable Duffing oscillator (Fig. 4A)."""
import json
import pathlib
import sys

import numpy as np
import pytest

from saddle_widgets import data as package_data
from saddle_widgets.solvers import plrnn_training as tr
from saddle_widgets.solvers.plrnn import (ShallowPLRNN, basin_map, find_cycles, invariant_manifold,
                                          lyapunov_exponents, manifold_quality)
from saddle_widgets.solvers.plrnn_3d import manifold_mesh

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import train_shplrnn as script  # noqa: E402


# -- the training code --------------------------------------------------------------------

def test_shooting_gradient_matches_central_finite_differences():
    rng = np.random.default_rng(0)
    M, L = 3, 5
    theta = 0.4 * rng.standard_normal(M + 2 * M * L + M + L)
    X0 = rng.standard_normal((7, M))
    Y = rng.standard_normal((6, 7, M))
    f, g = tr.shooting_loss(theta, X0, Y, M, L)
    e = 1e-6
    fd = np.array([(tr.shooting_loss(theta + e * u, X0, Y, M, L, grad=False)
                    - tr.shooting_loss(theta - e * u, X0, Y, M, L, grad=False)) / (2 * e)
                   for u in np.eye(theta.size)])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


def test_shooting_loss_is_zero_on_the_models_own_orbits():
    """Segments cut from an orbit of F_θ are predicted exactly: L(θ) = 0."""
    rng = np.random.default_rng(1)
    M, L = 2, 4
    theta = tr.pack([0.9, 0.8], 0.3 * rng.standard_normal((M, L)), rng.standard_normal((L, M)),
                    [0.1, -0.1], 0.2 * rng.standard_normal(L))
    m = ShallowPLRNN(*tr.unpack(theta, M, L))
    X0, Y = tr.segments([m.trajectory([0.3, -0.2], 40)], 5, 3)
    assert tr.shooting_loss(theta, X0, Y, M, L, grad=False) < 1e-28


def test_least_squares_init_is_the_one_step_optimum_for_its_kinks():
    """(a, W1, h1) solve the one-step least-squares problem: perturbing them raises the T = 1 loss."""
    x = tr.lorenz63_trajectory(400, 0.02)
    x, _, _ = tr.standardise(x)
    theta = tr.least_squares_init([x], 8, np.random.default_rng(0))
    X0, Y = tr.segments([x], 1)
    f0 = tr.shooting_loss(theta, X0, Y, 3, 8, grad=False)
    rng = np.random.default_rng(2)
    n_lin = 3 + 3 * 8                                  # a and W1 come first in θ
    for _ in range(5):
        d = np.zeros_like(theta)
        d[:n_lin] = 1e-3 * rng.standard_normal(n_lin)
        assert tr.shooting_loss(theta + d, X0, Y, 3, 8, grad=False) > f0


def test_rk4_conserves_the_undamped_duffing_energy_with_fourth_order_error():
    """With δ = 0, E = v²/2 - q²/2 + q⁴/4 is conserved; RK4's energy error is below 1e-8 at
    step 0.01 and shrinks about 2⁴ = 16-fold when the step is halved (global order 4)."""
    def drift(substeps):
        x = tr.rk4(lambda z: tr.duffing_rhs(z, 0.0), [[0.3, 0.9], [1.5, 0.0]], 0.1, 200,
                   substeps=substeps)
        E = 0.5 * x[..., 1] ** 2 - 0.5 * x[..., 0] ** 2 + 0.25 * x[..., 0] ** 4
        return np.max(np.abs(E - E[0]))
    coarse, fine = drift(10), drift(20)
    assert coarse < 1e-8 and 10 < coarse / fine < 25


def test_lorenz_rhs_vanishes_at_its_three_fixed_points():
    c = np.sqrt(8 / 3 * 27)
    pts = np.array([[0, 0, 0], [c, c, 27], [-c, -c, 27]])
    np.testing.assert_allclose(tr.lorenz63_rhs(pts), 0, atol=1e-12)


def test_state_space_divergence_zero_for_the_same_orbit_large_for_a_disjoint_one():
    """D_stsp(x, x) = 0 up to the smoothing of q (1e-6 per cell: about 20² x 1e-6 = 4e-4)."""
    x = np.random.default_rng(0).standard_normal((5000, 2))
    assert 0 <= tr.state_space_divergence(x, x) < 5e-4
    assert tr.state_space_divergence(x, x + 10) > 5


def test_training_reduces_the_loss_and_rejects_bad_input():
    x = tr.duffing_trajectories([[1.5, 0.0], [-0.5, 0.8]], 60, 0.1)
    x, _, _ = tr.standardise(x)
    trajs = [x[:, 0], x[:, 1]]
    fit = tr.train_shallow_plrnn(trajs, 4, n_init=1, schedule=((1, 0), (1, 30)), score_steps=60)
    (_, before), (_, after) = fit.losses[0]
    assert after < before
    with pytest.raises(ValueError, match="n_hidden"):
        tr.train_shallow_plrnn(trajs, 0)
    with pytest.raises(ValueError, match="T"):
        tr.segments(trajs, 100)


# -- the shipped Lorenz model ---------------------------------------------------------------

@pytest.fixture(scope="module")
def lorenz():
    return tr.load_shallow_plrnn(package_data.path("lorenz_shplrnn.npz"))


def test_lorenz_shplrnn_largest_lyapunov_exponent_is_lorenzs():
    """λ1 of the trained map per unit time (λ_map / dt, dt = 0.02) is within 15 % of Lorenz's
    0.906 (QR method, 20000 steps after 2000; the shipped model gives 0.998, 10 % high), and
    the spectrum has one positive exponent, one near 0 and one strongly negative."""
    m, data = tr.load_shallow_plrnn(package_data.path("lorenz_shplrnn.npz"))
    lam = lyapunov_exponents(m, data["x_start"], 20000, n_transient=2000) / float(data["dt"])
    assert abs(lam[0] - tr.LORENZ_LYAPUNOV) < 0.15 * tr.LORENZ_LYAPUNOV
    assert abs(lam[1]) < 0.3 * lam[0] and lam[2] < -5
    np.testing.assert_allclose(lam, data["lyapunov"], rtol=1e-6)      # what the file records


def test_lorenz_shplrnn_has_lorenzs_three_saddles(lorenz):
    """Near the data: a saddle at Lorenz's origin (1-D W^u, 2-D W^s) and two saddle-foci
    C± (2-D W^u spiralling out, 1-D W^s), as in Lorenz-63, each within 0.75 standard
    deviations of Lorenz's fixed point (the origin is 0.59 off: the data never visit it)."""
    m, data = lorenz
    saddles = script.lorenz_saddles(m)
    assert len(saddles) == 3
    origin = (np.array([0.0, 0.0, 0.0]) - data["mean"]) / data["std"]
    c = np.sqrt(8 / 3 * 27)
    cplus = (np.array([c, c, 27.0]) - data["mean"]) / data["std"]
    dims = {}
    for s in saddles:
        d = np.linalg.norm(np.array([origin, cplus, cplus * [-1, -1, 1] + [0, 0, 0]]) - s.point, axis=1)
        dims[int(np.argmin(np.linalg.norm(np.array([origin, cplus, [-cplus[0], -cplus[1], cplus[2]]])
                                          - s.point, axis=1)))] = (s.n_unstable, s.n_stable, s.focus, d.min())
    assert dims[0][:2] == (1, 2)
    assert dims[1][:3] == (2, 1, True) and dims[2][:3] == (2, 1, True)
    assert max(v[3] for v in dims.values()) < 0.75           # within 0.75 standard deviations (0.59 seen)


def test_lorenz_shipped_meshes_are_what_manifold_mesh_computes(lorenz):
    """The file's origin W^u equals a fresh ``manifold_mesh``; the expensive 2-D W^s of the
    origin passes the paper's quality measure: δ(x0) = min_k |F^k(x0) - p|² / |x0 - p|²
    (k <= 150, forward) is below 1e-4 for 90 % of its samples (a point off W^s is pushed
    away along W^u instead, δ ~ 1)."""
    m, data = lorenz
    saddles = script.lorenz_saddles(m)
    np.testing.assert_allclose(np.array([s.point for s in saddles]), data["saddles"], atol=1e-9)
    settings = json.loads(str(data["mesh_settings"]))
    origin = min(range(len(saddles)), key=lambda i: (saddles[i].n_unstable, np.linalg.norm(saddles[i].point)))
    mesh = manifold_mesh(m, saddles[origin], "unstable", center=np.zeros(3), **settings)
    np.testing.assert_allclose(mesh.samples, data[f"mesh_{origin}_unstable_samples"], atol=1e-8)
    S = data[f"mesh_{origin}_stable_samples"]
    x0 = S[np.linalg.norm(S - saddles[origin].point, axis=1) > 0.3][::97]
    delta = manifold_quality(m, x0, saddles[origin], which="stable", n_steps=150)
    assert len(x0) > 30 and np.quantile(delta, 0.9) < 1e-4
    off = x0 + 0.05 * np.random.default_rng(0).standard_normal(x0.shape)
    assert np.median(manifold_quality(m, off, saddles[origin], which="stable", n_steps=150)) > 1e-2


# -- the shipped Duffing model --------------------------------------------------------------

@pytest.fixture(scope="module")
def duffing():
    m, data = tr.load_shallow_plrnn(package_data.path("duffing_shplrnn.npz"))
    cyc = find_cycles(m, 2, seed=0)
    return m, data, cyc


def test_duffing_shplrnn_is_bistable_like_the_oscillator(duffing):
    """Two stable foci near the wells q = ±1 (standardised: ±1/std_q) and a saddle between."""
    m, data, cyc = duffing
    assert [c.description for c in cyc] == ["stable focus", "saddle fixed point", "stable focus"]
    wells = np.array([[-1.0, 0.0], [1.0, 0.0]]) / data["std"]
    np.testing.assert_allclose([cyc[0].point, cyc[2].point], wells, atol=0.1)
    assert np.linalg.norm(cyc[1].point) < 0.05
    assert m.is_invertible()


def test_duffing_saddles_stable_manifold_is_the_basin_boundary(duffing):
    """Brute force: a 160 x 160 basin map; grid cells where the basin changes lie within one
    cell of W^s (traced backward), and points just either side of W^s go to different foci."""
    m, data, cyc = duffing
    saddle = cyc[1]
    # W^s spirals out through both wells (backward in time the energy grows): traced far
    ws = invariant_manifold(m, saddle, "stable", representation="polyline", max_length=200.0,
                            max_iter=400, bound=20.0, max_step=0.03)
    P = ws.points
    bm = basin_map(m, (-3, 3, -3, 3), 160, attractors=[cyc[0], cyc[2]], n_steps=3000)
    assert set(np.unique(bm.labels)) == {0, 1}
    lab = bm.labels
    iy, ix = np.nonzero(lab[:, 1:] != lab[:, :-1])
    pts = np.c_[(bm.xs[ix] + bm.xs[ix + 1]) / 2, bm.ys[iy]]
    cell = bm.xs[1] - bm.xs[0]
    near = np.array([np.min(np.linalg.norm(P - p, axis=1)) for p in pts]) < cell
    assert len(pts) > 100 and near.mean() > 0.99
    # either side of W^s, 1e-3 off along the local normal: different attractors
    b = ws.branches[0]
    k = np.flatnonzero(np.max(np.abs(b), axis=1) < 3)
    k = k[(k > 5) & (k < len(b) - 1)]
    k = k[:: max(len(k) // 40, 1)]
    tang = b[k + 1] - b[k - 1]
    normal = np.c_[-tang[:, 1], tang[:, 0]] / np.linalg.norm(tang, axis=1)[:, None]
    inside = np.ones(len(k), dtype=bool)
    ends = []
    for sgn in (1, -1):
        z = b[k][inside] + sgn * 1e-3 * normal[inside]
        ends.append(m.trajectory(z, 3000)[-1])
    side = [np.argmin(np.linalg.norm(e[:, None] - np.array([cyc[0].point, cyc[2].point])[None], axis=2), axis=1)
            for e in ends]
    assert inside.sum() > 10 and np.all(side[0] != side[1])
