"""Training shallow PLRNNs on simulated trajectories, in numpy (the paper's Fig. 4A and 4C).

    x_{t+1} = a∘x_t + W1 relu(W2 x_t + h2) + h1          (ShallowPLRNN, identity read-out)

Data: Lorenz-63 (σ = 10, ρ = 28, β = 8/3) and the damped, unforced, bistable Duffing
oscillator x'' + δ x' - x + x³ = 0, both integrated with classical RK4, standardised.
Fit: random kinks (rows of W2 through data points) and least squares for (a, W1, h1)
(the one-step prediction is linear in them), then L-BFGS-B on the multiple-shooting loss

    L(θ) = mean over segments s, steps j = 1..T, coordinates of (F_θ^j(x_s) - x_{s+j})²

with its gradient by back-propagation through time (``shooting_loss``). Among seeded
initialisations the model whose free-running orbit best reproduces the data's state-space
distribution is kept (``state_space_divergence``), so the Lyapunov exponent a test checks
is not what was selected for. Eisenmann et al. train with (sparse) teacher forcing on longer
runs; this is a small, minutes-long stand-in (see the scripts in scripts/).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from ._validation import finite_array, finite_scalar, integer_in_range, positive_scalar
from .plrnn_model import ShallowPLRNN

__all__ = ["lorenz63_rhs", "lorenz63_trajectory", "duffing_rhs", "duffing_trajectories", "rk4",
           "standardise", "pack", "unpack", "shooting_loss", "segments", "least_squares_init",
           "state_space_divergence", "FitResult", "train_shallow_plrnn", "LORENZ_LYAPUNOV",
           "load_shallow_plrnn"]

#: the largest Lyapunov exponent of Lorenz-63 at σ = 10, ρ = 28, β = 8/3, per unit time
#: (0.9056; Sprott, "Chaos and Time-Series Analysis", 2003)
LORENZ_LYAPUNOV = 0.9056

#: work bound of one loss evaluation: segments x steps x hidden units
_MAX_WORK = 2e8
#: states beyond this are refused (their cubes and products overflow)
_STATE_LIMIT = 1e100


def _states(name: str, x, d: int) -> np.ndarray:
    """States (..., d) as a finite float array of moderate size, or a ValueError naming them."""
    x = finite_array(name, x, limit=_STATE_LIMIT)
    if x.ndim == 0 or x.shape[-1] != d:
        raise ValueError(f"{name} must hold states of {d} coordinates (last axis), got shape {x.shape}")
    return x


def _trajectories(trajectories, min_length: int = 2) -> list:
    """A list of finite (n_i, M) arrays with one M and n_i >= min_length."""
    if isinstance(trajectories, np.ndarray) and trajectories.ndim == 2:
        trajectories = [trajectories]
    if not isinstance(trajectories, (list, tuple, np.ndarray)) or not len(trajectories):
        raise ValueError("trajectories must be a non-empty list of (n, M) arrays, got "
                         f"{type(trajectories).__name__}")
    trajs = [finite_array("trajectory", x, ndim=2, limit=_STATE_LIMIT) for x in trajectories]
    if any(x.shape[1] != trajs[0].shape[1] or x.shape[1] == 0 for x in trajs):
        raise ValueError("all trajectories must have the same number (>= 1) of coordinates")
    if any(len(x) < min_length for x in trajs):
        raise ValueError(f"every trajectory needs at least {min_length} samples")
    return trajs


def lorenz63_rhs(x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """(σ (y - x), x (ρ - z) - y, x y - β z) for states x (..., 3)."""
    x = _states("x", x, 3)
    sigma, rho, beta = (finite_scalar(n, v, limit=1e6) for n, v in
                        (("sigma", sigma), ("rho", rho), ("beta", beta)))
    return _lorenz63(x, sigma, rho, beta)


def _lorenz63(x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """``lorenz63_rhs`` without the checks (called four times per RK4 substep)."""
    return np.stack([sigma * (x[..., 1] - x[..., 0]), x[..., 0] * (rho - x[..., 2]) - x[..., 1],
                     x[..., 0] * x[..., 1] - beta * x[..., 2]], axis=-1)


def duffing_rhs(x, delta=0.5):
    """(v, -δ v + q - q³) for states x = (q, v) (..., 2): the damped double-well oscillator,
    stable foci (±1, 0), saddle (0, 0)."""
    x = _states("x", x, 2)
    delta = finite_scalar("delta", delta, limit=1e6)
    return _duffing(x, delta)


def _duffing(x, delta=0.5):
    """``duffing_rhs`` without the checks."""
    return np.stack([x[..., 1], -delta * x[..., 1] + x[..., 0] - x[..., 0] ** 3], axis=-1)


@contextlib.contextmanager
def _diverged_if_rhs_refuses():
    """A ValueError of a checked rhs (states too large) inside the integration is divergence."""
    try:
        yield
    except ValueError as exc:
        if "diverged" in str(exc):
            raise
        raise ValueError(f"the integration diverged ({exc}): reduce dt or increase substeps") from None


def rk4(rhs, x0, dt, n_samples, *, substeps=10):
    """Samples x(0), x(dt), ..., x((n-1) dt) of x' = rhs(x) by classical RK4 with step
    dt / substeps; x0 may be a batch (..., d). Returns (n_samples, ..., d)."""
    if not callable(rhs):
        raise ValueError(f"rhs must be a function of the state, got {type(rhs).__name__}")
    x = finite_array("x0", x0, limit=_STATE_LIMIT).copy()
    dt = positive_scalar("dt", dt)
    n_samples = integer_in_range("n_samples", n_samples, 1, 10_000_000)
    substeps = integer_in_range("substeps", substeps, 1, 10_000)
    if n_samples * substeps * max(x.size, 1) > 5e8:
        raise ValueError("this integration is too long: reduce n_samples, substeps or the batch")
    if np.shape(rhs(x)) != x.shape:
        raise ValueError(f"rhs(x0) must have the shape of x0 {x.shape}, got {np.shape(rhs(x))}")
    h = dt / substeps
    out = np.empty((n_samples,) + x.shape)
    with np.errstate(over="ignore", invalid="ignore"), _diverged_if_rhs_refuses():
        for i in range(n_samples):
            out[i] = x
            for _ in range(substeps):
                k1 = rhs(x)
                k2 = rhs(x + 0.5 * h * k1)
                k3 = rhs(x + 0.5 * h * k2)
                k4 = rhs(x + h * k3)
                x = x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
            if not np.all(np.isfinite(x)) or np.max(np.abs(x), initial=0.0) > _STATE_LIMIT:
                raise ValueError("the integration diverged: reduce dt or increase substeps")
    return out


def lorenz63_trajectory(n_samples, dt=0.02, *, x0=(1.0, 1.0, 1.0), transient=50.0, substeps=10):
    """A Lorenz-63 orbit on its attractor: (n_samples, 3) states every dt, after a transient
    of ``transient`` time units from x0 (classical RK4, step dt / substeps)."""
    transient = positive_scalar("transient", transient, allow_zero=True)
    dt = positive_scalar("dt", dt)
    start = finite_array("x0", x0, shape=(3,))
    if transient / dt > 10_000_000:
        raise ValueError(f"transient / dt = {transient / dt:.3g} steps is too long: reduce "
                         "transient (at most 1e7 steps)")
    n_tr = int(round(transient / dt))
    if n_tr:
        start = rk4(_lorenz63, start, dt, n_tr + 1, substeps=substeps)[-1]
    return rk4(_lorenz63, start, dt, n_samples, substeps=substeps)


def duffing_trajectories(starts, n_samples, dt=0.1, *, delta=0.5, substeps=10):
    """Duffing orbits from ``starts`` (N, 2): (n_samples, N, 2), every dt (RK4)."""
    starts = finite_array("starts", starts, ndim=2)
    if starts.shape[1] != 2:
        raise ValueError(f"starts must have 2 columns (q, v), got shape {starts.shape}")
    delta = positive_scalar("delta", delta)
    return rk4(lambda x: _duffing(x, delta), starts, dt, n_samples, substeps=substeps)


def standardise(x):
    """(x - mean) / std over all samples (axis 0 and any batch axes); returns (x_std, mean, std)."""
    x = finite_array("x", x, limit=1e150)
    if x.ndim < 2 or x.size == 0:
        raise ValueError(f"x must be samples of shape (n, ..., M) with n >= 1, got shape {x.shape}")
    flat = x.reshape(-1, x.shape[-1])
    mean, std = flat.mean(0), flat.std(0)
    if np.any(std == 0):
        raise ValueError("a coordinate of x is constant: it cannot be standardised")
    return (x - mean) / std, mean, std


# -- the model's parameters as one vector ---------------------------------------------------

def pack(a, W1, W2, h1, h2) -> np.ndarray:
    """θ = (a, W1, W2, h1, h2) flattened."""
    return np.concatenate([np.ravel(finite_array(n, v)) for n, v in
                           (("a", a), ("W1", W1), ("W2", W2), ("h1", h1), ("h2", h2))])


def unpack(theta, M: int, L: int):
    """(a (M,), W1 (M, L), W2 (L, M), h1 (M,), h2 (L,)) from θ."""
    theta = finite_array("theta", theta, ndim=1)
    M = integer_in_range("M", M, 1, 10_000)
    L = integer_in_range("L", L, 1, 10_000)
    n = M + 2 * M * L + M + L
    if theta.shape != (n,):
        raise ValueError(f"theta must have {n} entries for M = {M}, L = {L}, got shape {theta.shape}")
    i = 0
    out = []
    for shape in ((M,), (M, L), (L, M), (M,), (L,)):
        size = int(np.prod(shape))
        out.append(theta[i:i + size].reshape(shape))
        i += size
    return tuple(out)


def segments(trajectories, T: int, stride: int = 1):
    """Multiple-shooting segments: starts X0 (N, M) and the next T states Y (T, N, M), taken
    every ``stride`` samples from each trajectory (n_i, M) of the list."""
    T = integer_in_range("T", T, 1, 100_000)
    stride = integer_in_range("stride", stride, 1, 100_000)
    X0, Y = [], []
    for x in _trajectories(trajectories):
        idx = np.arange(0, x.shape[0] - T, stride)
        if idx.size:
            X0.append(x[idx])
            Y.append(np.stack([x[idx + 1 + j] for j in range(T)]))
    if not X0:
        raise ValueError(f"no trajectory is longer than T = {T} steps")
    return np.concatenate(X0), np.concatenate(Y, axis=1)


def shooting_loss(theta, X0, Y, M: int, L: int, *, grad: bool = True):
    """Multiple-shooting loss L(θ) = mean (F_θ^j(X0) - Y_j)² over j = 1..T, segments and
    coordinates, and its gradient dL/dθ by back-propagation through time.

    Forward: q_j = W2 x_j + h2, x_{j+1} = a∘x_j + W1 relu(q_j) + h1. Backward, with
    g = dL/dx_{j+1}: dL/da += g∘x_j, dL/dW1 += g relu(q_j)^T, dL/dh1 += g,
    e = (W1^T g)∘1[q_j > 0]: dL/dW2 += e x_j^T, dL/dh2 += e; dL/dx_j = a∘g + W2^T e
    (+ the error term of x_j).
    """
    a, W1, W2, h1, h2 = unpack(theta, M, L)
    X0 = finite_array("X0", X0, ndim=2, limit=_STATE_LIMIT)
    Y = finite_array("Y", Y, ndim=3, limit=_STATE_LIMIT)
    if X0.shape[1] != M or Y.shape[1:] != X0.shape or Y.shape[0] == 0:
        raise ValueError(f"X0 must be (N, M = {M}) and Y (T >= 1, N, M) (from segments), got "
                         f"shapes {X0.shape} and {Y.shape}")
    T, N, _ = Y.shape
    if T * N * L > _MAX_WORK:
        raise ValueError(f"{N} segments x {T} steps x {L} units is too much work per evaluation; "
                         f"use fewer segments (a larger stride) or a shorter T")
    xs = np.empty((T + 1, N, M))
    pre = np.empty((T, N, L))
    xs[0] = X0
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(T):
            pre[j] = xs[j] @ W2.T + h2
            xs[j + 1] = a * xs[j] + np.maximum(pre[j], 0.0) @ W1.T + h1
        err = xs[1:] - Y
        scale = 1.0 / err.size
        loss = float(np.sum(err * err) * scale)
    if not np.isfinite(loss):
        loss = 1e300           # a diverging segment: the optimiser backs off
        if grad:
            return loss, np.zeros_like(np.asarray(theta, float))
    if not grad:
        return loss
    ga, gW1, gW2 = np.zeros(M), np.zeros((M, L)), np.zeros((L, M))
    gh1, gh2 = np.zeros(M), np.zeros(L)
    g = np.zeros((N, M))
    for j in range(T - 1, -1, -1):
        g = g + 2.0 * scale * err[j]
        r = np.maximum(pre[j], 0.0)
        ga += np.sum(g * xs[j], axis=0)
        gW1 += g.T @ r
        gh1 += g.sum(0)
        e = (g @ W1) * (pre[j] > 0)
        gW2 += e.T @ xs[j]
        gh2 += e.sum(0)
        g = g * a + e @ W2
    return loss, pack(ga, gW1, gW2, gh1, gh2)


def least_squares_init(trajectories, L: int, rng):
    """θ with random kinks and the best one-step (a, W1, h1) for them.

    Rows of W2 are random unit vectors, each hyperplane W2_i x + h2_i = 0 passes through a
    random data point; then per coordinate m, (a_m, W1[m], h1_m) minimise
    Σ_t (a_m x_t,m + W1[m] relu(W2 x_t + h2) + h1_m - x_{t+1},m)² (linear least squares).
    """
    trajectories = _trajectories(trajectories)
    L = integer_in_range("L", L, 1, 1000)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    X = np.concatenate([x[:-1] for x in trajectories])
    Yn = np.concatenate([x[1:] for x in trajectories])
    M = X.shape[1]
    W2 = rng.standard_normal((L, M))
    W2 /= np.linalg.norm(W2, axis=1, keepdims=True)
    h2 = -np.sum(W2 * X[rng.integers(0, len(X), L)], axis=1)
    R = np.maximum(X @ W2.T + h2, 0.0)
    a, W1, h1 = np.zeros(M), np.zeros((M, L)), np.zeros(M)
    for m in range(M):
        F = np.c_[X[:, m], R, np.ones(len(X))]
        c = np.linalg.lstsq(F, Yn[:, m], rcond=None)[0]
        a[m], W1[m], h1[m] = c[0], c[1:1 + L], c[-1]
    return pack(a, W1, W2, h1, h2)


def state_space_divergence(x, y, bins: int = 20, *, span=None) -> float:
    """Kullback-Leibler divergence D_stsp = Σ p log(p / q) of the occupation histograms of
    orbits x (data) and y (model), (n, M), on a bins^M grid over ``span`` (default the data's
    range, padded 10 %), with q smoothed by 1e-6 so empty model cells count but stay finite.
    0 when both visit the grid alike; large when the model's attractor misses the data's.
    """
    x = finite_array("x", x, ndim=2, nonempty=True, limit=1e150)
    if isinstance(y, (str, bytes)):
        raise ValueError(f"y must be numeric, got {y!r}")
    try:              # y, a model's orbit, may hold inf or NaN where it diverged: dropped
        y = np.asarray(y, float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"y must be a numeric array (n, {x.shape[1]}), got {y!r}") from None
    if y.ndim != 2 or y.shape[1] != x.shape[1]:
        raise ValueError(f"y must be (n, {x.shape[1]}), got shape {y.shape}")
    bins = integer_in_range("bins", bins, 2, 200)
    if span is None:
        lo, hi = x.min(0), x.max(0)
        pad = 0.1 * (hi - lo)
        span = np.stack([lo - pad, hi + pad], axis=1)
    span = finite_array("span", span, shape=(x.shape[1], 2), limit=1e150)
    if np.any(span[:, 1] < span[:, 0]):
        raise ValueError("span must list (low, high) with low <= high for every coordinate")
    y = y[np.all(np.isfinite(y), axis=1)]

    def hist(z):
        h, _ = np.histogramdd(z, bins=bins, range=span)
        return h.ravel() / max(len(z), 1)
    p, q = hist(x), hist(y)
    q = (q + 1e-6) / (1 + 1e-6 * q.size)
    keep = p > 0
    return float(np.sum(p[keep] * np.log(p[keep] / q[keep])))


@dataclass(frozen=True, eq=False)
class FitResult:
    """A trained ShallowPLRNN and how it was obtained.

    model: the ShallowPLRNN (in standardised coordinates); theta: its parameters packed;
    losses: per initialisation, the loss after each (T, iterations) stage; scores: per
    initialisation, D_stsp of its free-running orbit (inf if it diverged); best: the index kept.
    """

    model: ShallowPLRNN
    theta: np.ndarray
    losses: tuple
    scores: tuple
    best: int


def train_shallow_plrnn(trajectories, n_hidden: int, *, seed: int = 0, n_init: int = 4,
                        schedule=((1, 300),), stride: int = 1, score_steps: int = 5000,
                        score_starts=None, score_bins: int = 20, score_burn_in: float = 0.2,
                        verbose: bool = False) -> FitResult:
    """Fit a ShallowPLRNN with L = n_hidden units to standardised ``trajectories`` (list of (n_i, M)).

    For each of ``n_init`` seeded initialisations (``least_squares_init``), L-BFGS-B minimises
    the multiple-shooting loss for each (T, max iterations) of ``schedule`` in turn; then the
    model runs freely for ``score_steps`` steps from ``score_starts`` (default: the first state
    of each trajectory) and is scored by ``state_space_divergence`` against the data (its
    first ``score_burn_in`` fraction dropped). The best-scoring model is returned (ties: the
    lower loss).
    """
    from scipy.optimize import minimize

    trajs = _trajectories(trajectories)
    M = trajs[0].shape[1]
    if isinstance(schedule, (str, bytes)) or not isinstance(schedule, (list, tuple)) or not schedule \
            or not all(isinstance(s, (list, tuple)) and len(s) == 2 for s in schedule):
        raise ValueError(f"schedule must be a non-empty list of (T, iterations) pairs, got {schedule!r}")
    L = integer_in_range("n_hidden", n_hidden, 1, 1000)
    n_init = integer_in_range("n_init", n_init, 1, 100)
    score_steps = integer_in_range("score_steps", score_steps, 10, 1_000_000)
    score_burn_in = positive_scalar("score_burn_in", score_burn_in, allow_zero=True)
    if score_burn_in >= 1:
        raise ValueError(f"score_burn_in must be a fraction below 1, got {score_burn_in:g}")
    stages = [(integer_in_range("T", T, 1, 10_000), integer_in_range("iterations", it, 0, 100_000))
              for T, it in schedule]
    data = np.concatenate(trajs)
    starts = np.array([x[0] for x in trajs]) if score_starts is None else \
        finite_array("score_starts", score_starts, ndim=2)
    rng = np.random.default_rng(integer_in_range("seed", seed, 0))
    shoot = {T: segments(trajs, T, stride) for T, _ in stages}
    all_losses, scores, thetas = [], [], []
    for k in range(n_init):
        theta = least_squares_init(trajs, L, rng)
        losses = []
        for T, iters in stages:
            X0, Y = shoot[T]
            if iters:
                res = minimize(shooting_loss, theta, args=(X0, Y, M, L), jac=True,
                               method="L-BFGS-B", options=dict(maxiter=iters))
                theta = res.x
            losses.append((T, shooting_loss(theta, X0, Y, M, L, grad=False)))
        model = ShallowPLRNN(*unpack(theta, M, L))
        z = starts.copy()
        orbit = []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(score_steps):
                z = model._step_raw(z)
                if not np.all(np.abs(z) < 1e6):
                    break
                orbit.append(z)
        if len(orbit) < score_steps:
            score = np.inf
        else:
            o = np.concatenate(orbit[int(score_burn_in * score_steps):])
            score = state_space_divergence(data, o, score_bins)
        if verbose:
            print(f"  init {k}: " + ", ".join(f"T={T}: {v:.3g}" for T, v in losses)
                  + f"; D_stsp {score:.3f}", flush=True)
        all_losses.append(tuple(losses))
        scores.append(score)
        thetas.append(theta)
    order = sorted(range(n_init), key=lambda i: (scores[i], all_losses[i][-1][1]))
    best = order[0]
    theta = thetas[best]
    return FitResult(model=ShallowPLRNN(*unpack(theta, M, L)), theta=theta, losses=tuple(all_losses),
                     scores=tuple(scores), best=best)


def load_shallow_plrnn(path):
    """(ShallowPLRNN, the npz file's arrays as a dict) from a file written by
    scripts/train_shplrnn.py (keys a, W1, W2, h1, h2 and what the script recorded): a path,
    or an importlib.resources Traversable such as ``saddle_widgets.data.path(name)``."""
    if isinstance(path, (str, os.PathLike)):
        exists = os.path.isfile(path)
    else:              # an importlib.resources Traversable
        exists = callable(getattr(path, "is_file", None)) and hasattr(path, "open") \
            and path.is_file()
    if not exists:
        raise ValueError(f"path must name an existing .npz file, got {path!r}")
    if isinstance(path, (str, os.PathLike)):
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    else:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    missing = [k for k in ("a", "W1", "W2", "h1", "h2") if k not in data]
    if missing:
        raise ValueError(f"{path} holds no shallow PLRNN (missing {', '.join(missing)})")
    return ShallowPLRNN(data["a"], data["W1"], data["W2"], data["h1"], data["h2"]), data
