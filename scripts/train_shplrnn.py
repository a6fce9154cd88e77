"""Train the shallow PLRNNs of the paper's Fig. 4A (Duffing) and 4C (Lorenz-63) in numpy.

    python scripts/train_shplrnn.py [lorenz|duffing|all|lorenz-meshes]   (a few minutes on 2 cores)

Writes saddle_widgets/data/lorenz_shplrnn.npz and saddle_widgets/data/duffing_shplrnn.npz
(package data, shipped in the wheel): the weights
(a, W1, W2, h1, h2) of x' = a∘x + W1 relu(W2 x + h2) + h1 in standardised coordinates, the
standardisation (mean, std), the time step dt, the settings, the training record, and for
Lorenz the saddles' manifold meshes (``plrnn_3d.manifold_mesh``, precomputed because tracing
the 2-D W^s of a 40-unit net backward takes seconds; tests/test_plrnn_training.py recomputes
them and checks the file). Deterministic: seeded initialisations, fixed data.

[D] How this differs from the paper (Eisenmann et al., ICLR 2026): the paper trains with
sparse teacher forcing; here the one-step (T = 1) loss for Lorenz and a short multiple-
shooting schedule for Duffing, L-BFGS-B, a few seeded initialisations of which the one whose
free-running orbit best matches the data's state-space distribution is kept. Lorenz: 40
hidden units (the paper: 20; with 20 our short training collapsed onto a cycle).
"""
import json
import pathlib
import sys
import time

import numpy as np

from saddle_widgets.solvers import plrnn_training as tr
from saddle_widgets.solvers.plrnn import find_cycles, lyapunov_exponents
from saddle_widgets.solvers.plrnn_3d import manifold_mesh, mesh_arrays

#: the package's data directory (the files ship in the wheel: saddle_widgets.data)
DATA = pathlib.Path(__file__).resolve().parents[1] / "saddle_widgets" / "data"

LORENZ = dict(dt=0.02, n_samples=8000, n_hidden=40, seed=1, n_init=4, schedule=[[1, 300]], stride=2,
              score_steps=5000)
#: manifold meshes of the Lorenz saddles (box |z| <= bound around the data's centre, standardised units)
LORENZ_MESH = dict(n_rings=40, n_angles=40, decades=3.0, bound=3.5, max_pushes=400, reseed=12)
DUFFING = dict(dt=0.1, delta=0.5, grid=9, half_width=2.0, n_samples=120, n_hidden=10, seed=0,
               n_init=2, schedule=[[1, 200], [10, 150]], stride=3, score_steps=300, score_burn_in=0.0)


def lorenz_data(cfg=LORENZ):
    raw = tr.lorenz63_trajectory(cfg["n_samples"], cfg["dt"])
    x, mean, std = tr.standardise(raw)
    return x, mean, std


def duffing_data(cfg=DUFFING):
    g = np.linspace(-cfg["half_width"], cfg["half_width"], cfg["grid"])
    starts = np.array([[a, b] for a in g for b in g])
    raw = tr.duffing_trajectories(starts, cfg["n_samples"], cfg["dt"], delta=cfg["delta"])
    x, mean, std = tr.standardise(raw)
    return [x[:, i] for i in range(x.shape[1])], mean, std


def lorenz_saddles(model):
    """The saddle fixed points of the trained model near the data (|z| <= 4), by SCYFI."""
    return [c for c in find_cycles(model, 1, seed=0) if c.kind == "saddle" and np.max(np.abs(c.point)) <= 4]


def lorenz_meshes(model, saddles, settings=LORENZ_MESH):
    """{(saddle index, 'stable'|'unstable'): ManifoldMesh} for the manifolds of dimension 1 and
    the 2-D stable manifolds (the 2-D unstable ones of the saddle-foci unwind too slowly)."""
    out = {}
    for i, s in enumerate(saddles):
        for which in ("stable", "unstable"):
            d = s.n_stable if which == "stable" else s.n_unstable
            if d == 1 or which == "stable":
                out[(i, which)] = manifold_mesh(model, s, which, center=np.zeros(3), **settings)
    return out


def _fit(trajs, cfg, **extra):
    keys = ("seed", "n_init", "schedule", "stride", "score_steps")
    kw = {k: cfg[k] for k in keys}
    kw["schedule"] = [tuple(s) for s in kw["schedule"]]
    return tr.train_shallow_plrnn(trajs, cfg["n_hidden"], verbose=True, **kw, **extra)


def train_lorenz(path=DATA / "lorenz_shplrnn.npz"):
    t0 = time.time()
    x, mean, std = lorenz_data()
    fit = _fit([x], LORENZ)
    m = fit.model
    seconds = time.time() - t0
    lyap = lyapunov_exponents(m, x[0], 20000, n_transient=2000) / LORENZ["dt"]
    print(f"Lorenz: best init {fit.best}, D_stsp {fit.scores[fit.best]:.3f}, λ per unit time "
          f"{np.round(lyap, 3)} (Lorenz: 0.906, 0, -14.57); {seconds:.0f} s")
    saddles = lorenz_saddles(m)
    meshes = lorenz_meshes(m, saddles)
    arrays = {}
    for (i, which), mesh in meshes.items():
        arrays.update(mesh_arrays(mesh, f"mesh_{i}_{which}"))
    a, W1, W2, h1, h2 = tr.unpack(fit.theta, 3, LORENZ["n_hidden"])
    np.savez(path, a=a, W1=W1, W2=W2, h1=h1, h2=h2, mean=mean, std=std, dt=LORENZ["dt"],
             settings=json.dumps(LORENZ), mesh_settings=json.dumps(LORENZ_MESH),
             saddles=np.array([s.point for s in saddles]), x_start=x[0], scores=np.array(fit.scores),
             losses=np.array([[v for _, v in ls] for ls in fit.losses]), best=fit.best,
             lyapunov=lyap, train_seconds=seconds, **arrays)
    print("saved", path)


def remesh_lorenz(path=DATA / "lorenz_shplrnn.npz"):
    """Recompute the manifold meshes of the trained Lorenz model in ``path`` (no training)."""
    m, data = tr.load_shallow_plrnn(path)
    saddles = lorenz_saddles(m)
    meshes = lorenz_meshes(m, saddles)
    keep = {k: v for k, v in data.items() if not k.startswith("mesh_")}
    keep["mesh_settings"] = json.dumps(LORENZ_MESH)
    for (i, which), mesh in meshes.items():
        keep.update(mesh_arrays(mesh, f"mesh_{i}_{which}"))
    np.savez(path, **keep)
    print("re-meshed", path)


def train_duffing(path=DATA / "duffing_shplrnn.npz"):
    t0 = time.time()
    trajs, mean, std = duffing_data()
    fit = _fit(trajs, DUFFING, score_burn_in=DUFFING["score_burn_in"])
    seconds = time.time() - t0
    for c in find_cycles(fit.model, 2, seed=0):
        print("  ", c)
    a, W1, W2, h1, h2 = tr.unpack(fit.theta, 2, DUFFING["n_hidden"])
    np.savez(path, a=a, W1=W1, W2=W2, h1=h1, h2=h2, mean=mean, std=std, dt=DUFFING["dt"],
             settings=json.dumps(DUFFING), scores=np.array(fit.scores),
             losses=np.array([[v for _, v in ls] for ls in fit.losses]), best=fit.best,
             train_seconds=seconds)
    print(f"Duffing: best init {fit.best}; {seconds:.0f} s; saved", path)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("duffing", "all"):
        train_duffing()
    if what in ("lorenz", "all"):
        train_lorenz()
    if what == "lorenz-meshes":
        remesh_lorenz()
