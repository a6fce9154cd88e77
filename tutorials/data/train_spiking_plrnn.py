"""Train a small PLRNN on a simulated bistable spiking neuron (tutorial 3, section 8).

The paper (Eisenmann et al., arXiv 2510.03814) trained an ALRNN (M = 25, P = 6) with sparse
teacher forcing on a *real* cortical recording, which is not public. Here instead:

1. Neuron: the persistent-sodium plus potassium model (I_Na,p + I_K, Izhikevich 2007, ch. 4)
   with a fast K current (tau = 0.14 ms) and I = 0. It is bistable: a stable resting state
   (-66 mV) coexists with a stable spiking limit cycle around an unstable focus; a saddle
   (-56 mV) sits between them. Verified numerically below.
2. Data: trajectories from a grid of initial conditions (both basins), sampled every
   DT ms, standardised (v, n) -> x.
3. Model: a 2-unit PLRNN z' = A z + W relu(z) + h (full A and W) with an affine read-out
   x = B z + c. It is trained in data space as x' = A_x x + W_x relu(U x + b) + h_x (the same
   model in the coordinates z = U x + b), by multiple shooting: segments of SEG steps started
   from the observed states, loss = mean squared error of the free-running predictions, with
   an analytic back-propagation-through-time gradient (checked against finite differences),
   minimised by scipy's L-BFGS-B over a few seeded initialisations.
4. Verification: fixed points / cycles (find_cycles), basin map, the saddle's stable manifold,
   distances of both attractors to it. Saves saddle_widgets/data/spiking_plrnn.npz (package
   data, shipped in the wheel: ``saddle_widgets.data.path("spiking_plrnn.npz")``).

Run: python tutorials/data/train_spiking_plrnn.py   (about a minute on 2 cores)
"""
import os
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize

HERE = os.path.dirname(os.path.abspath(__file__))
#: the package's data directory, where the trained weights ship
PACKAGE_DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "saddle_widgets", "data")
SEED = 0

# -- 1. the neuron -------------------------------------------------------------------------
NEURON = dict(C=1.0, I=0.0, EL=-80.0, gL=8.0, gNa=20.0, gK=10.0, ENa=60.0, EK=-90.0,
              Vm=-20.0, km=15.0, Vn=-25.0, kn=5.0, tau=0.14)
DT = 0.04          # sampling interval (ms): about 20 samples per spike
N_STEPS = 200      # samples per training trajectory (8 ms)


def m_inf(V, p=NEURON):
    return 1.0 / (1.0 + np.exp((p["Vm"] - V) / p["km"]))


def n_inf(V, p=NEURON):
    return 1.0 / (1.0 + np.exp((p["Vn"] - V) / p["kn"]))


def neuron_rhs(t, y, p=NEURON):
    V, n = y
    dV = (p["I"] - p["gL"] * (V - p["EL"]) - p["gNa"] * m_inf(V, p) * (V - p["ENa"])
          - p["gK"] * n * (V - p["EK"])) / p["C"]
    return [dV, (n_inf(V, p) - n) / p["tau"]]


def neuron_fixed_points(p=NEURON):
    def g(V):
        return (p["I"] - p["gL"] * (V - p["EL"]) - p["gNa"] * m_inf(V, p) * (V - p["ENa"])
                - p["gK"] * n_inf(V, p) * (V - p["EK"]))
    Vs = np.linspace(-90, 60, 15001)
    gv = g(Vs)
    roots = [brentq(g, Vs[i], Vs[i + 1]) for i in np.flatnonzero(np.sign(gv[:-1]) != np.sign(gv[1:]))]
    return np.array([[V, n_inf(V, p)] for V in roots])


def neuron_jacobian_eigs(y, p=NEURON, e=1e-6):
    J = np.zeros((2, 2))
    for j in range(2):
        d = np.zeros(2)
        d[j] = e
        J[:, j] = (np.array(neuron_rhs(0, y + d, p)) - np.array(neuron_rhs(0, y - d, p))) / (2 * e)
    return np.linalg.eigvals(J)


def simulate(y0, n_steps=N_STEPS, dt=DT, p=NEURON):
    t = np.arange(n_steps) * dt
    s = solve_ivp(neuron_rhs, (0, t[-1]), np.asarray(y0, float), t_eval=t, args=(p,),
                  rtol=1e-9, atol=1e-11, max_step=dt)
    return s.y.T


def initial_conditions():
    """A 5 x 4 grid over the relevant part of the (V, n) plane: both basins."""
    V0 = np.linspace(-75.0, -15.0, 5)
    n0 = np.linspace(0.0, 0.6, 4)
    return np.array([[v, n] for n in n0 for v in V0])


# -- 2./3. the model and its training ----------------------------------------------------------
M = 2
N_INIT = 8
SCHEDULE = ((5, 150), (10, 200), (20, 300), (40, 400))   # (segment length T, L-BFGS iterations)
EXTENT = (-8.0, 6.0, -7.0, 6.0)                          # latent window for the basin map


def unpack(theta):
    A = theta[0:4].reshape(2, 2)
    W = theta[4:8].reshape(2, 2)
    h = theta[8:10]
    U = theta[10:14].reshape(2, 2)
    b = theta[14:16]
    return A, W, h, U, b


def shooting_loss(theta, X0, Y, grad=True):
    """Multiple-shooting loss and its BPTT gradient.

    X0: (N, 2) segment starts (observed, standardised); Y: (T, N, 2) the next T observations.
    Model in data space: x' = A x + W relu(U x + b) + h. Loss = mean over segments, steps and
    coordinates of the squared prediction error of the free-running segment.
    """
    A, W, h, U, b = unpack(theta)
    T, N, _ = Y.shape
    xs = np.empty((T + 1, N, 2))
    pre = np.empty((T, N, 2))
    xs[0] = X0
    for j in range(T):
        pre[j] = xs[j] @ U.T + b
        xs[j + 1] = xs[j] @ A.T + np.maximum(pre[j], 0.0) @ W.T + h
    err = xs[1:] - Y
    scale = 1.0 / err.size
    loss = float(np.sum(err * err) * scale)
    if not grad:
        return loss
    gA = np.zeros((2, 2)); gW = np.zeros((2, 2)); gh = np.zeros(2); gU = np.zeros((2, 2)); gb = np.zeros(2)
    g = np.zeros((N, 2))
    for j in range(T - 1, -1, -1):
        g = g + 2.0 * scale * err[j]          # dL/dx_{j+1}
        r = np.maximum(pre[j], 0.0)
        gA += g.T @ xs[j]
        gW += g.T @ r
        gh += g.sum(0)
        ga = (g @ W) * (pre[j] > 0)
        gU += ga.T @ xs[j]
        gb += ga.sum(0)
        g = g @ A + ga @ U                    # dL/dx_j
    return loss, np.concatenate([gA.ravel(), gW.ravel(), gh, gU.ravel(), gb])


def segments(trajs, T, stride):
    """Segment starts and targets from a list of (n, 2) trajectories."""
    X0, Y = [], []
    for x in trajs:
        for s in range(0, x.shape[0] - T, stride):
            X0.append(x[s])
            Y.append(x[s + 1:s + T + 1])
    return np.array(X0), np.transpose(np.array(Y), (1, 0, 2))


def one_step_init(trajs, U, b):
    """Least squares for (A, W, h) given the kinks (U, b): one-step prediction is linear in them."""
    X = np.concatenate([x[:-1] for x in trajs])
    Y = np.concatenate([x[1:] for x in trajs])
    F = np.c_[X, np.maximum(X @ U.T + b, 0.0), np.ones(len(X))]
    coef = np.linalg.lstsq(F, Y, rcond=None)[0]       # (5, 2)
    A, W, h = coef[:2].T, coef[2:4].T, coef[4]
    return np.concatenate([A.ravel(), W.ravel(), h, U.ravel(), b])


def train(trajs, seed=SEED, n_init=N_INIT, schedule=SCHEDULE, stride=2, verbose=True):
    """Seeded initialisations (random kink lines U x + b = 0, then least squares for A, W, h),
    each trained by L-BFGS-B on the multiple-shooting loss with growing segment length T
    (schedule: (T, max iterations) pairs); returns ((theta, final loss, best init), losses)."""
    rng = np.random.default_rng(seed)
    best = None
    history = []
    for k in range(n_init):
        ang = rng.uniform(0, np.pi)
        U = np.array([[np.cos(ang), np.sin(ang)], [-np.sin(ang), np.cos(ang)]]) * rng.uniform(0.5, 2.0, (2, 1))
        b = rng.normal(0, 0.5, 2)
        theta = one_step_init(trajs, U, b)
        losses = []
        for T, iters in schedule:
            X0, Y = segments(trajs, T, stride)
            res = minimize(shooting_loss, theta, args=(X0, Y), jac=True, method="L-BFGS-B",
                           options=dict(maxiter=iters))
            theta = res.x
            losses.append((T, res.fun))
        if verbose:
            print(f"  init {k}: " + ", ".join(f"T={T}: {l:.4f}" for T, l in losses))
        history.append(losses)
        if best is None or losses[-1][1] < best[1]:
            best = (theta, losses[-1][1], k)
    return best, history


def to_plrnn(theta):
    """x' = A_x x + W_x relu(U x + b) + h_x  ->  PLRNN in z = U x + b, read-out x = B z + c."""
    A, W, h, U, b = unpack(theta)
    Ui = np.linalg.inv(U)
    Az = U @ A @ Ui
    Wz = U @ W
    hz = U @ h + b - Az @ b
    return Az, Wz, hz, Ui, -Ui @ b


def training_data():
    """The neuron's trajectories from the initial-condition grid, standardised."""
    raw = [simulate(y0) for y0 in initial_conditions()]
    allx = np.concatenate(raw)
    mean, std = allx.mean(0), allx.std(0)
    return raw, [(r - mean) / std for r in raw], mean, std


def neuron_stable_manifold(mean, std, p=NEURON):
    """The neuron's own basin boundary: the stable manifold of its saddle, integrated backward
    in time from the saddle along the stable eigenvector, in standardised coordinates."""
    sad = neuron_fixed_points(p)[1]
    e = 1e-6
    J = np.zeros((2, 2))
    for j in range(2):
        d = np.zeros(2)
        d[j] = e
        J[:, j] = (np.array(neuron_rhs(0, sad + d, p)) - np.array(neuron_rhs(0, sad - d, p))) / (2 * e)
    lam, V = np.linalg.eig(J)
    vs = V[:, np.argmin(lam.real)].real
    vs = vs / np.linalg.norm(vs / std)

    def leave(t, y):
        return np.max(np.abs((y - mean) / std)) - 8.0
    leave.terminal = True
    branches = []
    for sgn in (1.0, -1.0):
        s = solve_ivp(lambda t, y: [-q for q in neuron_rhs(t, y, p)], (0, 3), sad + sgn * 1e-5 * vs,
                      rtol=1e-10, atol=1e-12, max_step=0.002, events=leave)
        branches.append((s.y.T - mean) / std)
    return branches


def neuron_distances(mean, std, p=NEURON):
    """Distances (standardised units) of the neuron's resting state and spiking cycle to its W^s."""
    Ws = np.concatenate(neuron_stable_manifold(mean, std, p))
    rest, _, focus = neuron_fixed_points(p)
    cyc = (simulate(focus + [1.0, 0.0], 3000, 0.01, p)[-200:] - mean) / std
    d_rest = float(np.min(np.linalg.norm(Ws - (rest - mean) / std, axis=1)))
    d_spike = float(min(np.min(np.linalg.norm(Ws - q, axis=1)) for q in cyc))
    return d_rest, d_spike


def main(path=os.path.join(PACKAGE_DATA, "spiking_plrnn.npz")):
    from saddle_widgets.solvers.plrnn import PLRNN, basin_map, find_cycles, invariant_manifold

    t_start = time.time()
    fp = neuron_fixed_points()
    print("neuron fixed points (V mV, n):", np.round(fp, 4).tolist())
    for y in fp:
        print("   eigenvalues", np.round(neuron_jacobian_eigs(y), 3))
    raw, trajs, mean, std = training_data()
    spiking = np.array([np.ptp(r[-40:, 0]) > 5.0 for r in raw])
    print(f"bistability: {spiking.sum()} of {len(raw)} trajectories keep spiking, the others come to rest")
    (theta, loss, k), hist = train(trajs)
    t_train = time.time() - t_start
    print(f"best initialisation {k}: final multiple-shooting loss (T = 40) {loss:.5f}; {t_train:.0f} s")
    A, W, h, B, c = to_plrnn(theta)

    # -- 4. verification
    m = PLRNN(A, W, h)
    cyc = find_cycles(m, 1)
    for q in cyc:
        print("  ", q)
    rest = [q for q in cyc if q.kind == "stable"][0]
    saddle = [q for q in cyc if q.kind == "saddle"][0]
    bm = basin_map(m, EXTENT, 200, n_steps=3000)
    spiking_cycles = [a for a in bm.attractors if a.period > 1]
    print("attractors:", [a.description for a in bm.attractors],
          "basin fractions", [round(bm.fraction(i), 3) for i in range(len(bm.attractors))])
    ws = invariant_manifold(m, saddle, "stable", max_length=40.0, bound=60.0)
    P = ws.points
    d_rest = float(np.min(np.linalg.norm(P - rest.point, axis=1)))
    d_spike = [float(min(np.min(np.linalg.norm(P - q, axis=1)) for q in a.points)) for a in spiking_cycles]
    Px = P @ B.T + c
    dx_rest = float(np.min(np.linalg.norm(Px - (B @ rest.point + c), axis=1)))
    dx_spike = [float(min(np.min(np.linalg.norm(Px - (B @ q + c), axis=1)) for q in a.points))
                for a in spiking_cycles]
    n_rest, n_spike = neuron_distances(mean, std)
    print(f"distance to W^s in the latent space: rest {d_rest:.3f}, spiking cycles {np.round(d_spike, 3)}")
    print(f"... in standardised data space: rest {dx_rest:.3f}, spiking cycles {np.round(dx_spike, 3)}")
    print(f"the neuron itself (standardised): rest {n_rest:.3f}, spiking {n_spike:.3f}; paper: rest 1.2, spiking 2.3")
    np.savez(path, A=A, W=W, h=h, B=B, c=c, mean=mean, std=std, theta=theta, seed=SEED, best_init=k,
             schedule=np.array(SCHEDULE), losses=np.array(hist), final_loss=loss, dt=DT,
             neuron_params=np.array(list(NEURON.values())), neuron_param_names=np.array(list(NEURON)),
             train_seconds=t_train)
    print("saved", path)


if __name__ == "__main__":
    main()
