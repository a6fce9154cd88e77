"""Predictive coding in small non-linear networks near the origin: backprop against PC.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024), Fig. 5, in miniature: linear, tanh and ReLU
networks started near W = 0 and trained by backprop (gradient descent on the MSE) and by
predictive coding (k Euler steps of inference, then the weight gradient of the energy).

Conventions (those of ``predictive_coding``: samples are columns)
-----------------------------------------------------------------
- Weights W_1..W_L, W_l of shape (n_l, n_{l-1}), no biases, L = H + 1 >= 2; an activation
  f in {linear, tanh, relu} on every hidden layer, the output linear (as the authors):
  h_0 = x,  a_l = W_l h_{l-1},  h_l = f(a_l) (l < L),  ŷ = a_L.
- MSE  L(W) = 1/(2B) Σ_i ||y_i - ŷ_i||².
- PC energy, z_0 = x and z_L = y clamped, f_L = identity:
  F(W, z) = 1/(2B) Σ_i Σ_{l=1}^{L} ||e_{i,l}||²,  e_l = z_l - f_l(W_l z_{l-1}).
- Inference: Euler steps of dz_l/dt = -e_l + W_{l+1}^T (f'_{l+1}(a_{l+1}) ⊙ e_{l+1})
  (B times -∂F/∂z_l, with a_{l+1} = W_{l+1} z_l), l = 1..H, started from the feed-forward
  pass z_l = h_l, so that F = L before the first step.
- PC's weight update: the gradient of the energy at the inferred activities,
  ∂F/∂W_l = -(1/B) (f'_l(a_l) ⊙ e_l) z_{l-1}^T.
- ReLU: f'(a) = 1 where a > 0, else 0. F is then piecewise quadratic in z: where its
  minimum lies on a kink (a pre-activation 0) there is no stationary point, and Euler
  inference chatters across the kink instead of converging (the fixed number k of steps,
  as the authors use, still lowers F).
- For a non-linear f the energy has no closed-form minimum over z: inference is iterative
  only. For f linear the minimum is F* of ``predictive_coding.equilibrated_energy``.

The kernels stack the layers: every W_l is zero-padded to m x m (m = the largest width)
and the activities to (L + 1, m, B), so one batched ``matmul`` does a step of every layer
at once. The padding stays exactly zero (f(0) = 0 for the three activations, and the
padded rows and columns of every error and gradient vanish), so the results are those of
the unpadded network.

Everything is pure numpy; bad input raises ValueError with a sentence a learner can act on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import predictive_coding as pc
from ._validation import choice, finite_array, finite_scalar, integer_in_range, positive_scalar

__all__ = [
    "ACTIVATIONS", "METHODS", "InferenceResult", "NonlinearRun", "MAX_WORK", "PAPER",
    "teacher_data", "network_widths", "init_weights", "forward", "mse_loss", "mse_gradient",
    "pc_energy", "activity_gradient", "pc_weight_gradient", "infer_activities", "train",
    "train_bp_and_pc", "check_work", "origin_loss", "escape_iteration", "stays_on_plateau",
]

ACTIVATIONS = ("linear", "tanh", "relu")
METHODS = ("bp", "pc")
#: bound on the work of one training: iterations × multiply-adds of one iteration
MAX_WORK = 2e9
#: the authors' settings of Fig. 5 (pc-saddles notebook, MNIST / Fashion-MNIST):
#: SGD on mini-batches of 64, their losses are sums / means without the ½ (see the tutorial)
PAPER = {"hidden": 4, "width": 500, "init_scale": 5e-3, "lr": 1e-3, "inference_steps": 50,
         "dt": 0.1, "batch": 64}
_quiet = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")
#: weights beyond this size count as diverged
_BLOWUP = 1e50


# ----------------------------------------------------------------------------- checks
def _check_activation(activation) -> str:
    return choice("activation", activation, ACTIVATIONS)


def _check(weights, X, Y):
    ws, X, Y = pc._check(weights, X, Y)
    return ws, X, Y


def _widths(ws) -> list[int]:
    return [ws[0].shape[1]] + [w.shape[0] for w in ws]


def network_widths(hidden: int, width: int, d_in: int, d_out: int) -> list[int]:
    """(d_in, width, ..., width, d_out) with ``hidden`` hidden layers."""
    hidden = integer_in_range("hidden (number of hidden layers)", hidden, 1, 20)
    width = integer_in_range("width", width, 1, 2000)
    d_in = integer_in_range("d_in", d_in, 1, 2000)
    d_out = integer_in_range("d_out", d_out, 1, 2000)
    return [d_in] + [width] * hidden + [d_out]


def init_weights(widths, scale: float, seed: int = 0) -> list:
    """W_l ~ N(0, scale²) entrywise (the authors' init near the origin), seeded."""
    return pc.init_weights(widths, scale, seed)


def teacher_data(seed: int = 0, *, batch: int = 64, d_in: int = 4, d_out: int = 2,
                 teacher_width: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A fixed regression task generated in code: x ~ N(0, I_{d_in}) (``batch`` samples),
    y = C tanh(A x) with A, C entrywise N(0, 1) (a random one-hidden-layer tanh teacher),
    then each output centred and scaled to unit variance over the batch, so that
    L(0) = ½ tr Σ_yy = d_out / 2. X of shape (d_in, batch), Y of shape (d_out, batch)."""
    seed = integer_in_range("seed", seed, 0, None)
    batch = integer_in_range("batch", batch, 2, 100_000)
    d_in = integer_in_range("d_in", d_in, 1, 1000)
    d_out = integer_in_range("d_out", d_out, 1, 1000)
    teacher_width = integer_in_range("teacher_width", teacher_width, 1, 1000)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d_in, batch))
    A = rng.standard_normal((teacher_width, d_in))
    C = rng.standard_normal((d_out, teacher_width))
    Y = C @ np.tanh(A @ X)
    Y = Y - Y.mean(axis=1, keepdims=True)
    sd = Y.std(axis=1, keepdims=True)
    if np.any(sd < 1e-12):
        raise ValueError("the teacher's output is constant on this batch; use another seed "
                         "or a larger batch")
    return X, Y / sd


def origin_loss(Y) -> float:
    """L(0) = ½ tr Σ_yy = 1/(2B) Σ_i ||y_i||²: the loss on the origin plateau."""
    return pc.origin_loss(Y)


# ----------------------------------------------------------------------------- kernels
class _Stack:
    """The network zero-padded to m units per layer: W (L, m, m), Z (L + 1, m, B) with
    Z[0] = x and Z[L] = y, and the activation's f and f'."""

    def __init__(self, ws, X, Y, activation):
        self.widths = _widths(ws)
        self.L = L = len(ws)
        self.m = m = max(self.widths)
        self.B = B = X.shape[1]
        self.activation = activation
        self.W = np.zeros((L, m, m))
        for l, w in enumerate(ws):
            self.W[l, :w.shape[0], :w.shape[1]] = w
        self.Z = np.zeros((L + 1, m, B))
        self.Z[0, :X.shape[0]] = X
        self.Z[L, :Y.shape[0]] = Y
        self.Y = self.Z[L]

    def weights(self, W=None) -> tuple:
        W = self.W if W is None else W
        n = self.widths
        return tuple(W[l, :n[l + 1], :n[l]].copy() for l in range(self.L))

    def activities(self, Z) -> tuple:
        n = self.widths
        return tuple(Z[l, :n[l]].copy() for l in range(1, self.L))

    def set_activities(self, zs) -> np.ndarray:
        Z = self.Z.copy()
        for l, z in enumerate(zs, start=1):
            Z[l, :z.shape[0]] = z
        return Z

    # f on the hidden layers, identity on the output: P = f_l(A_l), D = f'_l(A_l)
    def predictions(self, A, P, D):
        """Fill P[:-1] = f(A[:-1]) and D[:-1] = f'(A[:-1]) (P[-1], D[-1] are the caller's:
        the output is linear). For 'linear' P and D are not touched (P = A, D = 1)."""
        if self.activation != "linear":
            self._hidden(A[:-1], P[:-1], D[:-1])

    def feedforward(self, W):
        """(Z with the feed-forward activities z_l = h_l, pre-activations A, f'(A))."""
        Z = self.Z.copy()
        A = np.empty((self.L, self.m, self.B))
        D = np.ones_like(A)
        h = Z[0]
        for l in range(self.L):
            np.matmul(W[l], h, out=A[l])
            if l < self.L - 1:
                if self.activation == "linear":
                    Z[l + 1] = A[l]
                else:
                    self._hidden(A[l], Z[l + 1], D[l])
                h = Z[l + 1]
        return Z, A, D

    def _hidden(self, a, out, d):
        """out = f(a), d = f'(a) in place (tanh: f' = 1 - f²; relu: f' = [a > 0])."""
        if self.activation == "tanh":
            np.tanh(a, out=out)
            np.multiply(out, out, out=d)
            np.subtract(1.0, d, out=d)
        else:                                     # relu
            np.maximum(a, 0.0, out=out)
            np.greater(a, 0.0, out=d, casting="unsafe")

    def bp_gradient(self, W):
        """(L(W), ∇L stacked (L, m, m)) by backprop:
        δ_L = -(y - ŷ)/B,  δ_l = (W_{l+1}^T δ_{l+1}) ⊙ f'(a_l),  ∇_{W_l} L = δ_l h_{l-1}^T."""
        Z, A, D = self.feedforward(W)
        L, B = self.L, self.B
        R = self.Y - A[-1]
        loss = 0.5 * float(np.vdot(R, R)) / B
        delta = np.empty_like(A)
        delta[-1] = R * (-1.0 / B)
        for l in range(L - 1, 0, -1):
            np.matmul(W[l].T, delta[l], out=delta[l - 1])
            if self.activation != "linear":
                delta[l - 1] *= D[l - 1]
        return loss, np.matmul(delta, Z[:-1].transpose(0, 2, 1))

    def errors(self, W, Z, A=None):
        """(E, G, A) at activities Z: A_l = W_l z_{l-1}, E_l = z_l - f_l(A_l), G = f'(A) ⊙ E."""
        if A is None:
            A = np.matmul(W, Z[:-1])
        if self.activation == "linear":
            E = Z[1:] - A
            return E, E, A
        P = np.empty_like(A)
        D = np.empty_like(A)
        self.predictions(A, P, D)
        P[-1] = A[-1]
        E = Z[1:] - P
        G = E.copy()
        G[:-1] *= D[:-1]
        return E, G, A

    def infer(self, W, Z, n_steps, dt, energies=None, A=None):
        """``n_steps`` Euler steps of inference on Z[1:L] (in place), from Z;
        ``energies`` (a list) gets F after each step. Returns (E, G, A) at the end.
        (The errors live in one buffer [g_1..g_{L-1}, e_L, e_1..e_{L-1}]: G = f'(A) ⊙ E is its
        first L slices, with the output's g_L = e_L shared, so no step copies a layer.)"""
        L, m, B = self.L, self.m, self.B
        WT = W[1:].transpose(0, 2, 1)
        if A is None:
            A = np.matmul(W, Z[:-1])
        Zin, Zh, Y = Z[:-1], Z[1:L], Z[L]
        back = np.empty((L - 1, m, B))
        if self.activation == "linear":
            E = np.empty_like(A)
            G, Eh, Z1, G1 = E, E[:-1], Z[1:], E[1:]
            for s in range(n_steps + 1):
                np.subtract(Z1, A, out=E)
                if energies is not None:
                    energies.append(0.5 * float(np.vdot(E, E)) / B)
                if s == n_steps:
                    break
                # dz_l = dt (W_{l+1}^T e_{l+1} - e_l), every hidden layer at once
                np.matmul(WT, G1, out=back)
                np.subtract(back, Eh, out=back)
                np.multiply(back, dt, out=back)
                np.add(Zh, back, out=Zh)
                np.matmul(W, Zin, out=A)
            return E, G, A
        buf = np.empty((2 * L - 1, m, B))
        G, Gh, G1, e_out, Eh = buf[:L], buf[:L - 1], buf[1:L], buf[L - 1], buf[L:]
        Ah, a_out = A[:-1], A[-1]
        P = np.empty((L - 1, m, B))
        D = np.empty_like(P)
        for s in range(n_steps + 1):
            self._hidden(Ah, P, D)
            np.subtract(Zh, P, out=Eh)
            np.subtract(Y, a_out, out=e_out)
            np.multiply(Eh, D, out=Gh)
            if energies is not None:
                energies.append(0.5 * (float(np.vdot(Eh, Eh)) + float(np.vdot(e_out, e_out)))
                                / B)
            if s == n_steps:
                break
            # dz_l = dt (W_{l+1}^T (f'(a_{l+1}) ⊙ e_{l+1}) - e_l), every hidden layer at once
            np.matmul(WT, G1, out=back)
            np.subtract(back, Eh, out=back)
            np.multiply(back, dt, out=back)
            np.add(Zh, back, out=Zh)
            np.matmul(W, Zin, out=A)
        return np.concatenate([Eh, e_out[None]]), G, A

    def pc_gradient(self, W, n_steps, dt):
        """(L(W), F after inference, ∂F/∂W stacked) for PC with ``n_steps`` Euler steps."""
        Z, A, _ = self.feedforward(W)
        R = self.Y - A[-1]
        loss = 0.5 * float(np.vdot(R, R)) / self.B
        E, G, _ = self.infer(W, Z, n_steps, dt, A=A)
        energy = 0.5 * float(np.vdot(E, E)) / self.B
        grad = np.matmul(G, Z[:-1].transpose(0, 2, 1))
        grad *= -1.0 / self.B
        return loss, energy, grad


def _stack(weights, X, Y, activation) -> _Stack:
    ws, X, Y = _check(weights, X, Y)
    return _Stack(ws, X, Y, _check_activation(activation))


def _finite(value, what):
    return pc._finite(value, what)


def _activities(st: _Stack, activities) -> np.ndarray:
    ws = st.weights()
    zs = pc._check_activities(ws, activities, st.B)
    return st.set_activities(zs)


# ----------------------------------------------------------------------------- public maths
def forward(weights, X, *, activation: str = "tanh") -> tuple:
    """The feed-forward pass: (h_1, ..., h_H, ŷ), h_l = f(W_l h_{l-1}), ŷ = W_L h_H."""
    ws = pc._check_weights(weights)
    X = pc._as_data("X", X)
    Y = np.zeros((ws[-1].shape[0], X.shape[1]))
    st = _stack(ws, X, Y, activation)
    with np.errstate(**_quiet):
        Z, A, _ = st.feedforward(st.W)
    n = st.widths
    out = st.activities(Z) + (A[-1, :n[-1]].copy(),)
    return tuple(_finite(list(out), "the feed-forward pass"))


def mse_loss(weights, X, Y, *, activation: str = "tanh") -> float:
    """L(W) = 1/(2B) Σ_i ||y_i - ŷ_i||² of the network with activation f."""
    st = _stack(weights, X, Y, activation)
    with np.errstate(**_quiet):
        _, A, _ = st.feedforward(st.W)
        R = st.Y - A[-1]
        val = 0.5 * float(np.vdot(R, R)) / st.B
    return _finite(val, "the MSE")


def mse_gradient(weights, X, Y, *, activation: str = "tanh") -> tuple:
    """∇_{W_l} L = δ_l h_{l-1}^T (backprop): δ_L = -(y - ŷ)/B, δ_l = (W_{l+1}^T δ_{l+1}) ⊙ f'(a_l)."""
    st = _stack(weights, X, Y, activation)
    with np.errstate(**_quiet):
        _, g = st.bp_gradient(st.W)
    return tuple(_finite(list(st.weights(g)), "the MSE gradient"))


def pc_energy(weights, activities, X, Y, *, activation: str = "tanh") -> float:
    """F(W, z) = 1/(2B) Σ_i Σ_l ||z_{i,l} - f_l(W_l z_{i,l-1})||², z_0 = X, z_L = Y clamped,
    ``activities`` = [z_1, ..., z_H], z_l of shape (n_l, B); f_L = identity."""
    st = _stack(weights, X, Y, activation)
    Z = _activities(st, activities)
    with np.errstate(**_quiet):
        E, _, _ = st.errors(st.W, Z)
        val = 0.5 * float(np.vdot(E, E)) / st.B
    return _finite(val, "the PC energy")


def activity_gradient(weights, activities, X, Y, *, activation: str = "tanh") -> tuple:
    """∂F/∂z_l = (1/B) (e_l - W_{l+1}^T (f'(a_{l+1}) ⊙ e_{l+1})), l = 1..H: zero at an
    equilibrium of inference."""
    st = _stack(weights, X, Y, activation)
    Z = _activities(st, activities)
    with np.errstate(**_quiet):
        E, G, _ = st.errors(st.W, Z)
        g = (E[:-1] - np.matmul(st.W[1:].transpose(0, 2, 1), G[1:])) / st.B
    n = st.widths
    return tuple(_finite([g[l - 1, :n[l]].copy() for l in range(1, st.L)],
                         "the activity gradient"))


def pc_weight_gradient(weights, activities, X, Y, *, activation: str = "tanh") -> tuple:
    """∂F/∂W_l = -(1/B) (f'_l(a_l) ⊙ e_l) z_{l-1}^T at the given activities (PC's local rule)."""
    st = _stack(weights, X, Y, activation)
    Z = _activities(st, activities)
    with np.errstate(**_quiet):
        _, G, _ = st.errors(st.W, Z)
        g = -np.matmul(G, Z[:-1].transpose(0, 2, 1)) / st.B
    return tuple(_finite(list(st.weights(g)), "the PC weight gradient"))


@dataclass(frozen=True, eq=False)
class InferenceResult:
    """Euler inference: the final activities (z_1, ..., z_H); ``energies`` = F after 0, 1,
    ..., n_steps steps (energies[0] = L, the feed-forward pass); ``activity_gradient_norm``
    = ||∂F/∂z|| at the end (0 at an equilibrium); dt, n_steps."""

    activities: tuple
    energies: np.ndarray
    activity_gradient_norm: float
    dt: float
    n_steps: int


def infer_activities(weights, X, Y, *, activation: str = "tanh", n_steps: int = 20,
                     dt: float = 0.1) -> InferenceResult:
    """``n_steps`` Euler steps z_l <- z_l + dt (-e_l + W_{l+1}^T (f'(a_{l+1}) ⊙ e_{l+1}))
    from the feed-forward pass (gradient descent on B·F in the activities). Stable while
    dt < 2 / λ_max of the activity Hessian; the energy then decreases to a minimum in z."""
    st = _stack(weights, X, Y, activation)
    n_steps = integer_in_range("n_steps", n_steps, 0, 1_000_000)
    dt = positive_scalar("dt", dt)
    if dt > 2.0:
        raise ValueError(f"dt must be at most 2 (Euler is unstable beyond 2 even at the "
                         f"origin, where the activity Hessian is I), got {dt:g}")
    check_work(st.widths, 1, "pc", inference_steps=n_steps, batch=st.B)
    energies = []
    with np.errstate(**_quiet):
        Z, A, _ = st.feedforward(st.W)
        E, G, _ = st.infer(st.W, Z, n_steps, dt, energies, A=A)
        gz = E[:-1] - np.matmul(st.W[1:].transpose(0, 2, 1), G[1:])
        gnorm = math.sqrt(float(np.vdot(gz, gz))) / st.B
    energies = np.asarray(energies)
    if not (np.all(np.isfinite(energies)) and math.isfinite(gnorm)):
        raise ValueError(f"inference diverged: dt = {dt:g} is too large for these weights "
                         "(Euler needs dt < 2 / largest eigenvalue of the activity Hessian); "
                         "reduce dt")
    return InferenceResult(st.activities(Z), energies, gnorm, dt, n_steps)


# ----------------------------------------------------------------------------- training
def check_work(widths, n_iters: int, method: str = "bp", *, inference_steps: int = 0,
               batch: int = 64) -> float:
    """Multiply-adds of ``n_iters`` iterations: per iteration about 3 Σ_l n_l n_{l-1} B
    (BP) or (2k + 3) Σ_l n_l n_{l-1} B (PC with k inference steps), at the padded width;
    a ValueError naming what to reduce above ``MAX_WORK``."""
    ns = pc._check_widths(widths)
    n_iters = integer_in_range("n_iters", n_iters, 0, 10**12)
    method = choice("method", method, METHODS)
    inference_steps = integer_in_range("inference_steps", inference_steps, 0, 10**9)
    batch = integer_in_range("batch", batch, 1, 10**9)
    m, L = max(ns), len(ns) - 1
    per = L * m * m * batch * (3 if method == "bp" else 2 * inference_steps + 3)
    work = float(per) * n_iters
    if work > MAX_WORK:
        raise ValueError(f"{n_iters} iterations at widths {ns} "
                         + (f"with {inference_steps} inference steps " if method == "pc" else "")
                         + f"on a batch of {batch} is too much work ({work:.1e} > "
                         f"{MAX_WORK:.0e} multiply-adds): reduce the iterations (n_iters), "
                         + ("the inference steps (inference_steps), " if method == "pc" else "")
                         + "the batch, the width or the depth")
    return work


@dataclass(frozen=True, eq=False)
class NonlinearRun:
    """One training by gradient descent W <- W - lr g, t = 0..n (n = ``iterations``):
    ``losses[t]`` = L(W_t); ``grad_norms[t]`` = ||g_t|| (all layers), the direction taken at
    W_t (∇L for 'bp', ∂F/∂W at the inferred activities for 'pc'); ``energies[t]`` = F after
    inference at W_t ('pc'; None for 'bp'); ``weights``: the last weights; ``diverged``:
    the weights blew up and the run stops there."""

    method: str
    activation: str
    losses: np.ndarray
    grad_norms: np.ndarray
    energies: np.ndarray | None
    weights: tuple
    diverged: bool
    lr: float
    inference_steps: int
    dt: float

    @property
    def iterations(self) -> int:
        return len(self.losses) - 1


def train(weights0, X, Y, *, activation: str = "tanh", method: str = "bp", lr: float = 0.1,
          n_iters: int = 200, inference_steps: int = 20, dt: float = 0.1,
          stop_below: float | None = None) -> NonlinearRun:
    """Full-batch gradient descent from ``weights0``: 'bp' descends L (backprop); 'pc' takes
    at each iteration ``inference_steps`` Euler steps of size ``dt`` from the feed-forward
    pass and descends F in the weights at the activities reached. Stops after ``n_iters``
    iterations, at the first t with L(W_t) <= ``stop_below`` or where the weights blow up
    (``diverged``)."""
    st = _stack(weights0, X, Y, activation)
    method = choice("method", method, METHODS)
    lr = positive_scalar("lr", lr)
    n_iters = integer_in_range("n_iters", n_iters, 0, 1_000_000)
    k = integer_in_range("inference_steps", inference_steps, 0, 10_000)
    dt = positive_scalar("dt", dt)
    if dt > 2.0:
        raise ValueError(f"dt must be at most 2 (Euler inference is unstable beyond 2 even "
                         f"at the origin, where the activity Hessian is I), got {dt:g}")
    if stop_below is not None:
        stop_below = finite_scalar("stop_below", stop_below)
    check_work(st.widths, n_iters + 1, method, inference_steps=k, batch=st.B)
    W = st.W
    losses, norms, energies = [], [], []
    diverged = False
    last = W
    with np.errstate(**_quiet):
        for t in range(n_iters + 1):
            if method == "bp":
                loss, g = st.bp_gradient(W)
                energy = 0.0
            else:
                loss, energy, g = st.pc_gradient(W, k, dt)
            gn = math.sqrt(float(np.vdot(g, g)))
            if not (math.isfinite(loss) and math.isfinite(energy) and math.isfinite(gn)):
                if t == 0:
                    raise ValueError("the initial weights are too large: the loss or its "
                                     "gradient overflows before training starts")
                diverged = True
                break
            losses.append(loss)
            norms.append(gn)
            energies.append(energy)
            last = W
            if t == n_iters or (stop_below is not None and loss <= stop_below):
                break
            W = W - lr * g
            if not np.abs(W).max() < _BLOWUP:
                diverged = True
                break
    return NonlinearRun(method, st.activation, np.asarray(losses), np.asarray(norms),
                        np.asarray(energies) if method == "pc" else None, st.weights(last),
                        diverged, lr, k, dt)


def train_bp_and_pc(weights0, X, Y, *, activation: str = "tanh", lr: float = 0.1,
                    n_iters: int = 200, inference_steps: int = 20, dt: float = 0.1) -> dict:
    """{'bp': run, 'pc': run}, both from ``weights0`` with the same learning rate."""
    return {m: train(weights0, X, Y, activation=activation, method=m, lr=lr, n_iters=n_iters,
                     inference_steps=inference_steps, dt=dt) for m in METHODS}


def _run(run) -> NonlinearRun:
    if not isinstance(run, NonlinearRun):
        raise ValueError("run must be the NonlinearRun returned by train(...)")
    return run


def escape_iteration(run: NonlinearRun, fraction: float = 0.5) -> int | None:
    """The first iteration t with L(W_t) <= fraction · L(W_0): where the run leaves the
    plateau it started on (None if it never does)."""
    run = _run(run)
    fraction = positive_scalar("fraction", fraction)
    hits = np.flatnonzero(run.losses <= fraction * run.losses[0])
    return int(hits[0]) if hits.size else None


def stays_on_plateau(run: NonlinearRun, fraction: float = 0.95) -> bool:
    """Whether L(W_t) >= fraction · L(W_0) at every recorded iteration (and the run did not
    diverge): the run never leaves the plateau it started on."""
    run = _run(run)
    fraction = positive_scalar("fraction", fraction)
    return bool(not run.diverged and np.all(run.losses >= fraction * run.losses[0]))
