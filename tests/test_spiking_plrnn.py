"""The trained spiking PLRNN of tutorial 3, section 8 (package data
saddle_widgets/data/spiking_plrnn.npz), and
the training code's gradient (tutorials/data/train_spiking_plrnn.py)."""
import pathlib
import sys

import numpy as np
import pytest

from saddle_widgets import data as package_data
from saddle_widgets.solvers.plrnn import PLRNN, basin_map, find_cycles, invariant_manifold

DATA = pathlib.Path(__file__).resolve().parents[1] / "tutorials" / "data"
sys.path.insert(0, str(DATA))
import train_spiking_plrnn as tsp  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    fit = np.load(package_data.path("spiking_plrnn.npz"))
    m = PLRNN(fit["A"], fit["W"], fit["h"])
    cyc = find_cycles(m, 1)
    bm = basin_map(m, tsp.EXTENT, 200, n_steps=3000)
    return fit, m, cyc, bm


def test_structure_fixed_points(trained):
    _, m, cyc, _ = trained
    assert [c.description for c in cyc] == ["stable node", "saddle fixed point", "unstable focus"]
    assert m.is_invertible()
    saddle = cyc[1]
    np.testing.assert_allclose(np.abs(saddle.multipliers), [1.259, 0.770], atol=2e-3)


def test_structure_attractors(trained):
    _, _, _, bm = trained
    desc = [a.description for a in bm.attractors]
    assert desc == ["stable node", "stable focus 20-cycle", "stable focus 19-cycle"]
    np.testing.assert_allclose([bm.fraction(i) for i in range(3)], [0.924, 0.074, 0.001], atol=2e-3)
    assert all(a.kind == "stable" for a in bm.attractors)


def test_stable_manifold_separates_basins_and_distances(trained):
    fit, m, cyc, bm = trained
    rest, saddle = cyc[0], cyc[1]
    ws = invariant_manifold(m, saddle, "stable", max_length=40.0, bound=60.0)
    P = ws.points
    is_rest = bm.labels == 0
    iy, ix = np.nonzero(is_rest[:, 1:] != is_rest[:, :-1])
    pts = np.c_[(bm.xs[ix] + bm.xs[ix + 1]) / 2, bm.ys[iy]]
    cell = bm.xs[1] - bm.xs[0]
    assert len(pts) > 50
    assert np.mean([np.min(np.linalg.norm(P - p, axis=1)) < cell for p in pts]) > 0.99
    spiking = bm.attractors[1]
    d_rest = np.min(np.linalg.norm(P - rest.point, axis=1))
    d_spike = min(np.min(np.linalg.norm(P - q, axis=1)) for q in spiking.points)
    assert round(d_spike, 2) == 0.36 and round(d_rest, 2) == 1.28      # printed in the notebook
    n_rest, n_spike = tsp.neuron_distances(fit["mean"], fit["std"])
    assert round(n_spike, 2) == 0.14 and round(n_rest, 2) == 0.51


def test_neuron_is_bistable():
    fp = tsp.neuron_fixed_points()
    assert fp.shape == (3, 2)
    eig = [tsp.neuron_jacobian_eigs(y) for y in fp]
    assert np.all(eig[0].real < 0) and (eig[1].real > 0).sum() == 1 and np.all(eig[2].real > 0)
    rest_run = tsp.simulate(fp[0] + [1.0, 0.0], 300)
    spike_run = tsp.simulate(fp[2] + [1.0, 0.0], 300)
    assert np.ptp(rest_run[-50:, 0]) < 0.1 and np.ptp(spike_run[-50:, 0]) > 20.0


def test_shooting_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    raw = [tsp.simulate(y0, 60) for y0 in tsp.initial_conditions()[::4]]
    allx = np.concatenate(raw)
    trajs = [(r - allx.mean(0)) / allx.std(0) for r in raw]
    theta = tsp.one_step_init(trajs, np.eye(2) + 0.3 * rng.normal(size=(2, 2)), 0.2 * rng.normal(size=2))
    # a few optimiser iterations, as in a (much) shortened training run
    (theta, loss, _), hist = tsp.train(trajs, seed=3, n_init=1, schedule=((5, 5), (10, 5)), verbose=False)
    assert np.isfinite(loss) and hist[0][1][1] <= hist[0][0][1] * 10
    X0, Y = tsp.segments(trajs, 10, 3)
    f, g = tsp.shooting_loss(theta, X0, Y)
    eps = 1e-6
    num = np.array([(tsp.shooting_loss(theta + eps * e, X0, Y, grad=False)
                     - tsp.shooting_loss(theta - eps * e, X0, Y, grad=False)) / (2 * eps)
                    for e in np.eye(theta.size)])
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8 * max(1.0, abs(f)))


def test_to_plrnn_is_the_same_model():
    rng = np.random.default_rng(2)
    theta = rng.normal(size=16)
    theta[10:14] = (np.eye(2) + 0.2 * rng.normal(size=(2, 2))).ravel()
    A, W, h, B, c = tsp.to_plrnn(theta)
    Ax, Wx, hx, U, b = tsp.unpack(theta)
    x = rng.normal(size=(50, 2))
    x_next = x @ Ax.T + np.maximum(x @ U.T + b, 0) @ Wx.T + hx
    z = np.linalg.solve(B, (x - c).T).T
    z_next = PLRNN(A, W, h).step(z)
    np.testing.assert_allclose(z_next @ B.T + c, x_next, atol=1e-10)
