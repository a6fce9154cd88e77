"""Predictive coding (PC) in deep linear networks: energies, inference, saddles.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy
Landscape of Predictive Coding Networks?" (NeurIPS 2024).

Conventions (the same in every function)
----------------------------------------
- ``weights`` is a sequence of L matrices W_1..W_L, W_l of shape (n_l, n_{l-1});
  no biases; L >= 2 (H = L - 1 hidden layers). A plain number is accepted as a
  1x1 matrix, which is handy for scalar chains.
- ``X`` has shape (d_x, B) and ``Y`` shape (d_y, B): samples are columns. A 1-D
  array is read as one feature, shape (1, B).
- W_{k:l} = W_k W_{k-1} ... W_l,  Σ_xx = X X^T / B,  Σ_xy = X Y^T / B,  Σ_yy = Y Y^T / B.
- Losses and energies carry the 1/2 and the 1/B:
  MSE  L(W)    = 1/(2B) Σ_i ||y_i - W_{L:1} x_i||^2,
  PC   F(W, z) = 1/(2B) Σ_i Σ_{l=1}^{L} ||z_{i,l} - W_l z_{i,l-1}||^2  with z_0 = x, z_L = y.
- Flattened weights (Hessians, ``flatten_weights``): W_1 row by row (C order),
  then W_2, ..., then W_L. Index of W_l[a, b] is offset_l + a * n_{l-1} + b.

Everything is pure numpy; no plotting, no widgets, no global state. Bad input
raises ``ValueError`` with a sentence a learner can act on.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import choice, finite_array, finite_scalar, integer_in_range, positive_scalar

__all__ = [
    "InferenceResult", "CriticalPoint", "ScalarLandscape", "TrainingResult",
    "mse_loss", "rescaling_matrix", "equilibrated_energy", "pc_energy",
    "infer_activities", "equilibrium_activities",
    "mse_gradient", "pc_weight_gradient", "energy_gradient",
    "flatten_weights", "unflatten_weights", "numerical_hessian", "origin_hessian_theory",
    "zero_rank_saddle_hessian_theory",
    "classify_critical_point", "scalar_chain_landscape", "train", "steps_to_escape",
    "toy_scalar_data", "gaussian_toy_data", "init_weights", "zero_rank_saddle_weights",
    "ESCAPE_FRACTION", "origin_loss", "escape_threshold", "truncate_run", "escape_step",
    "train_bp_and_pc", "training_horizon",
    "train_minibatch", "TOY_PROTOCOL", "AUTHORS_BP_STEPS", "toy_protocol", "toy_escape_threshold",
    "protocol_escapes", "escape_statistics", "seed_escape_steps",
    "origin_eigendirections", "eigenplane_landscape", "project_trajectory",
    "METHODS", "Trainings", "Race",
    "SLICE_PAIRS", "slice_pair", "random_scalar_chain", "network_widths", "SADDLE_POINTS",
    "saddle_weights", "saddle_hessian_theory", "classify_origin", "describe_saddles",
    "describe_escape", "chain_minimum_product", "chain_minimum_curves", "train_runs",
    "depth_sweep_escapes", "DepthSweep",
]

_MAX_LAYERS = 100
_OBJECTIVES = ("mse", "energy")


# ----------------------------------------------------------------------------- checks
def _check_weights(weights) -> list[np.ndarray]:
    """Weights as a list of finite 2-D float arrays whose shapes chain."""
    if weights is None or isinstance(weights, (str, bytes, dict)):
        raise ValueError("weights must be a list of L weight matrices [W_1, ..., W_L]")
    if isinstance(weights, np.ndarray) and weights.dtype != object and weights.ndim <= 2:
        raise ValueError("weights must be a list of L weight matrices [W_1, ..., W_L], "
                         f"got a single array of shape {weights.shape}")
    try:
        items = list(weights)
    except TypeError:
        raise ValueError("weights must be a list of L weight matrices [W_1, ..., W_L], "
                         f"got {type(weights).__name__}") from None
    L = len(items)
    if L < 2:
        raise ValueError(f"need at least 2 layers (L >= 2), got {L}")
    if L > _MAX_LAYERS:
        raise ValueError(f"at most {_MAX_LAYERS} layers are supported, got {L}")
    ws = []
    for l, w in enumerate(items, start=1):
        arr = finite_array(f"W_{l}", w, ndim=(0, 2))
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        if 0 in arr.shape:
            raise ValueError(f"W_{l} has shape {arr.shape}; every layer needs at least one unit")
        ws.append(arr)
    for l in range(1, L):
        if ws[l].shape[1] != ws[l - 1].shape[0]:
            raise ValueError(
                f"W_{l + 1} has shape {ws[l].shape} but W_{l} has shape {ws[l - 1].shape}: "
                f"W_{l + 1} needs {ws[l - 1].shape[0]} columns, one per unit of layer {l}")
    return ws


def _as_data(name: str, value) -> np.ndarray:
    # beyond 1e150 the squares in every loss and energy overflow
    arr = finite_array(name, value, ndim=(1, 2), limit=1e150)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.shape[1] == 0:
        raise ValueError(f"{name} needs at least one sample (column), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} needs at least one feature (row), got shape {arr.shape}")
    return arr


def _check_xy(X, Y, d_x: int | None = None, d_y: int | None = None, *,
              source: str = "W_1", target: str = "W_L") -> tuple[np.ndarray, np.ndarray]:
    X = _as_data("X", X)
    Y = _as_data("Y", Y)
    if d_x is not None and X.shape[0] != d_x:
        raise ValueError(f"X has {X.shape[0]} rows (features) but {source} expects {d_x} "
                         f"inputs; X must have shape (d_x, B) with samples as columns")
    if d_y is not None and Y.shape[0] != d_y:
        raise ValueError(f"Y has {Y.shape[0]} rows (features) but {target} has {d_y} "
                         f"outputs; Y must have shape (d_y, B) with samples as columns")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must hold the same number of samples (columns), "
                         f"got {X.shape[1]} and {Y.shape[1]}")
    return X, Y


def _check(weights, X, Y):
    ws = _check_weights(weights)
    X, Y = _check_xy(X, Y, ws[0].shape[1], ws[-1].shape[0],
                     source=f"W_1 (shape {ws[0].shape})",
                     target=f"W_{len(ws)} (shape {ws[-1].shape})")
    return ws, X, Y


def _finite(value, what: str):
    """Return ``value`` if all finite, else a ValueError naming the overflow."""
    if isinstance(value, (list, tuple)):
        ok = all(np.all(np.isfinite(v)) for v in value)
    else:
        ok = bool(np.all(np.isfinite(value)))
    if not ok:
        raise ValueError(f"{what} overflowed (the numbers became too large to represent); "
                         "use smaller weights, data or step sizes")
    return value


_quiet = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _products_from_top(ws):
    """[W_{L:L}, W_{L:L-1}, ..., W_{L:2}] (W_{L:l} for l = L down to 2)."""
    out, P = [], None
    for W in reversed(ws[1:]):
        P = W if P is None else P @ W
        out.append(P)
    return out


def _end_to_end(ws):
    P = ws[0]
    for W in ws[1:]:
        P = W @ P
    return P


# ----------------------------------------------------------------------------- losses
def mse_loss(weights, X, Y) -> float:
    """MSE  L(W) = 1/(2B) Σ_i ||y_i - W_{L:1} x_i||^2."""
    ws, X, Y = _check(weights, X, Y)
    with np.errstate(**_quiet):
        R = Y - _end_to_end(ws) @ X
        val = float(np.sum(R * R) / (2 * X.shape[1]))
    return _finite(val, "the MSE")


def _rescaling(ws):
    S = np.eye(ws[-1].shape[0])
    for P in _products_from_top(ws):
        S = S + P @ P.T
    return S


def rescaling_matrix(weights) -> np.ndarray:
    """S = I_{d_y} + Σ_{l=2}^{L} W_{L:l} W_{L:l}^T  (depends on W_2..W_L only; S ⪰ I)."""
    ws = _check_weights(weights)
    with np.errstate(**_quiet):
        S = _rescaling(ws)
    return _finite(S, "the rescaling matrix S")


def _equilibrated_energy(ws, X, Y):
    R = Y - _end_to_end(ws) @ X
    S = _finite(_rescaling(ws), "the rescaling matrix S")
    Z = np.linalg.solve(S, R)
    return float(np.sum(R * Z) / (2 * X.shape[1]))


def equilibrated_energy(weights, X, Y) -> float:
    """Closed form of the energy at the inference equilibrium:
    F*(W) = tr(R^T S^{-1} R) / (2B),  R = Y - W_{L:1} X,  S as in ``rescaling_matrix``."""
    ws, X, Y = _check(weights, X, Y)
    with np.errstate(**_quiet):
        try:
            val = _equilibrated_energy(ws, X, Y)
        except np.linalg.LinAlgError:
            raise ValueError("the rescaling matrix S is numerically singular; "
                             "the weights are too large") from None
    return _finite(val, "the equilibrated energy")


def _check_activities(ws, activities, B):
    H = len(ws) - 1
    if activities is None or isinstance(activities, (str, bytes, dict)):
        raise ValueError(f"activities must be a list of {H} hidden-layer arrays [z_1, ..., z_{H}]")
    if isinstance(activities, np.ndarray) and activities.dtype != object:
        items = [activities] if activities.ndim <= 2 else list(activities)
    else:
        try:
            items = list(activities)
        except TypeError:
            raise ValueError(f"activities must be a list of {H} hidden-layer arrays") from None
    if len(items) != H:
        raise ValueError(f"need {H} hidden activities z_1..z_{H} for L = {len(ws)} layers, "
                         f"got {len(items)}")
    zs = []
    for l, z in enumerate(items, start=1):
        zs.append(finite_array(f"activity z_{l}", z, shape=(ws[l - 1].shape[0], B)))
    return zs


def _errors(ws, zs, X, Y):
    full = [X, *zs, Y]
    return [full[l + 1] - ws[l] @ full[l] for l in range(len(ws))], full


def _energy_from_errors(errs, B):
    return float(sum(np.sum(e * e) for e in errs) / (2 * B))


def pc_energy(weights, activities, X, Y) -> float:
    """PC energy F(W, z) = 1/(2B) Σ_i Σ_l ||z_{i,l} - W_l z_{i,l-1}||^2, z_0 = X, z_L = Y clamped;
    ``activities`` = [z_1, ..., z_H], z_l of shape (n_l, B)."""
    ws, X, Y = _check(weights, X, Y)
    zs = _check_activities(ws, activities, X.shape[1])
    with np.errstate(**_quiet):
        errs, _ = _errors(ws, zs, X, Y)
        val = _energy_from_errors(errs, X.shape[1])
    return _finite(val, "the PC energy")


@dataclass(frozen=True, eq=False)
class InferenceResult:
    """Iterative inference on the hidden activities.

    activities: final (z_1, ..., z_H), each of shape (n_l, B);
    energies: F after 0, 1, ..., n_steps Euler steps (energies[0] = MSE);
    trajectory: activities after each step (n_steps + 1 tuples), or None if not recorded;
    dt, n_steps: the Euler step size and number of steps used.
    """
    activities: tuple
    energies: np.ndarray
    trajectory: tuple | None
    dt: float
    n_steps: int


def _feedforward_hidden(ws, X):
    zs, h = [], X
    for W in ws[:-1]:
        h = W @ h
        zs.append(h)
    return zs


def _euler_inference(ws, X, Y, n_steps, dt, record):
    B = X.shape[1]
    zs = _feedforward_hidden(ws, X)
    errs, _ = _errors(ws, zs, X, Y)
    energies = [_energy_from_errors(errs, B)]
    traj = [tuple(z.copy() for z in zs)] if record else None
    for _ in range(n_steps):
        # dz_l/dt = -e_l + W_{l+1}^T e_{l+1}   (gradient descent on the per-sample energy)
        zs = [zs[l] + dt * (-errs[l] + ws[l + 1].T @ errs[l + 1]) for l in range(len(zs))]
        errs, _ = _errors(ws, zs, X, Y)
        energies.append(_energy_from_errors(errs, B))
        if record:
            traj.append(tuple(z.copy() for z in zs))
        if not np.isfinite(energies[-1]):
            break
    return zs, np.asarray(energies), traj


def _euler_activities(ws, X, Y, n_steps, dt):
    """The activities after ``n_steps`` Euler steps of inference, in closed form: inference is
    z <- z − dt (A z − b) with A the activity Hessian and b = (W_1 x, 0, ..., 0, W_L^T y)
    (``_equilibrium``), so with M = I − dt A and the equilibrium z* = A^{-1} b,
    z_k = z* + M^k (z_0 − z*) from the feed-forward pass z_0: one linear solve and a matrix
    power (log₂ k products) instead of k passes through the layers."""
    A, offs = _activity_hessian(ws)
    b = np.zeros((offs[-1], X.shape[1]))
    b[offs[0]:offs[1]] += ws[0] @ X
    b[offs[-2]:offs[-1]] += ws[-1].T @ Y
    z0 = np.concatenate(_feedforward_hidden(ws, X))
    zstar = np.linalg.solve(A, b)
    Z = zstar + np.linalg.matrix_power(np.eye(offs[-1]) - dt * A, n_steps) @ (z0 - zstar)
    return [Z[offs[l]:offs[l + 1]] for l in range(len(offs) - 1)]


_MAX_INFERENCE_VALUES = 500_000_000      # activity entries updated by one infer_activities
_MAX_RECORDED_VALUES = 20_000_000        # activity entries it may record


def infer_activities(weights, X, Y, *, n_steps: int = 20, dt: float = 0.1,
                     record_trajectory: bool = True) -> InferenceResult:
    """Euler steps of inference, z_l <- z_l + dt (-e_l + W_{l+1}^T e_{l+1}), e_l = z_l - W_l z_{l-1},
    started from the feed-forward pass z_l = W_{l:1} x (so the energy starts at the MSE).
    Stable when dt < 2 / λ_max(activity Hessian); the energy then decreases to F*."""
    ws, X, Y = _check(weights, X, Y)
    n_steps = integer_in_range("n_steps", n_steps, 0, 10_000_000)
    dt = positive_scalar("dt", dt)
    values = n_steps * X.shape[1] * sum(W.shape[0] for W in ws[:-1])
    if values > _MAX_INFERENCE_VALUES:
        raise ValueError(f"{n_steps} inference steps on this batch is too much work; reduce "
                         "n_steps (the energy converges geometrically: see "
                         "equilibrium_activities for the exact equilibrium)")
    if record_trajectory and values > _MAX_RECORDED_VALUES:
        raise ValueError(f"recording {n_steps} steps of activities is too much memory; pass "
                         "record_trajectory=False or reduce n_steps")
    with np.errstate(**_quiet):
        zs, energies, traj = _euler_inference(ws, X, Y, n_steps, dt, bool(record_trajectory))
    if not np.all(np.isfinite(energies)):
        raise ValueError(f"inference diverged: dt = {dt:g} is too large for these weights "
                         "(Euler needs dt < 2 / largest eigenvalue of the activity Hessian); "
                         "reduce dt")
    return InferenceResult(tuple(zs), energies, None if traj is None else tuple(traj), dt, n_steps)


def _activity_hessian(ws):
    """Per-sample activity Hessian: block tridiagonal, diagonal blocks I + W_{l+1}^T W_{l+1},
    off-diagonal blocks -W_{l+1} (below) and -W_{l+1}^T (above)."""
    sizes = [W.shape[0] for W in ws[:-1]]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    A = np.zeros((offs[-1], offs[-1]))
    for l in range(len(sizes)):  # hidden layer l + 1
        s = slice(offs[l], offs[l + 1])
        A[s, s] = np.eye(sizes[l]) + ws[l + 1].T @ ws[l + 1]
        if l + 1 < len(sizes):
            t = slice(offs[l + 1], offs[l + 2])
            A[s, t] = -ws[l + 1].T
            A[t, s] = -ws[l + 1]
    return A, offs


def _equilibrium(ws, X, Y):
    A, offs = _activity_hessian(ws)
    b = np.zeros((offs[-1], X.shape[1]))
    b[offs[0]:offs[1]] += ws[0] @ X
    b[offs[-2]:offs[-1]] += ws[-1].T @ Y
    A = _finite(A, "the activity Hessian")
    _finite(b, "the inference right-hand side")
    Z = np.linalg.solve(A, b)
    return [Z[offs[l]:offs[l + 1]] for l in range(len(offs) - 1)]


def equilibrium_activities(weights, X, Y) -> tuple:
    """Exact inference equilibrium z* = argmin_z F(W, z) by one linear solve A z = b, with A the
    block-tridiagonal activity Hessian (diag I + W_{l+1}^T W_{l+1}, off-diag -W_{l+1}^T) and
    b = (W_1 X, 0, ..., 0, W_L^T Y). Returns (z*_1, ..., z*_H)."""
    ws, X, Y = _check(weights, X, Y)
    with np.errstate(**_quiet):
        try:
            zs = _equilibrium(ws, X, Y)
        except np.linalg.LinAlgError:
            raise ValueError("the activity Hessian is numerically singular; "
                             "the weights are too large") from None
    return tuple(_finite(zs, "the equilibrium activities"))


# ----------------------------------------------------------------------------- gradients
def _mse_grad(ws, X, Y):
    hs = [X]
    for W in ws:
        hs.append(W @ hs[-1])
    delta = -(Y - hs[-1]) / X.shape[1]
    grads = [None] * len(ws)
    for l in range(len(ws) - 1, -1, -1):
        grads[l] = delta @ hs[l].T
        if l:
            delta = ws[l].T @ delta
    return grads


def mse_gradient(weights, X, Y) -> tuple:
    """∂L/∂W_l = -(1/B) W_{L:l+1}^T (Y - W_{L:1} X) X^T W_{l-1:1}^T (backprop), for l = 1..L."""
    ws, X, Y = _check(weights, X, Y)
    with np.errstate(**_quiet):
        g = _mse_grad(ws, X, Y)
    return tuple(_finite(g, "the MSE gradient"))


def _pc_grad(ws, zs, X, Y):
    errs, full = _errors(ws, zs, X, Y)
    return [-(errs[l] @ full[l].T) / X.shape[1] for l in range(len(ws))]


def pc_weight_gradient(weights, activities, X, Y) -> tuple:
    """Weight gradient of the energy at fixed activities (the local PC learning rule):
    ∂F/∂W_l = -(1/B) e_l z_{l-1}^T,  e_l = z_l - W_l z_{l-1}."""
    ws, X, Y = _check(weights, X, Y)
    zs = _check_activities(ws, activities, X.shape[1])
    with np.errstate(**_quiet):
        g = _pc_grad(ws, zs, X, Y)
    return tuple(_finite(g, "the PC weight gradient"))


def _energy_grad(ws, X, Y):
    try:
        zs = _equilibrium(ws, X, Y)
    except np.linalg.LinAlgError:
        raise ValueError("the activity Hessian is numerically singular; "
                         "the weights are too large") from None
    return _pc_grad(ws, zs, X, Y)


def energy_gradient(weights, X, Y) -> tuple:
    """∇_W F*(W) = ∂F/∂W at the equilibrium activities z* (envelope theorem: ∂F/∂z = 0 there),
    i.e. ∂F*/∂W_l = -(1/B) e*_l z*_{l-1}^T."""
    ws, X, Y = _check(weights, X, Y)
    with np.errstate(**_quiet):
        g = _energy_grad(ws, X, Y)
    return tuple(_finite(g, "the energy gradient"))


# ----------------------------------------------------------------------------- Hessians
def flatten_weights(weights) -> np.ndarray:
    """Concatenate W_1, ..., W_L, each row by row (C order), into one vector."""
    ws = _check_weights(weights)
    return np.concatenate([w.ravel() for w in ws])


def unflatten_weights(theta, shapes) -> list:
    """Inverse of ``flatten_weights``: split ``theta`` into matrices of the given shapes."""
    try:
        shapes = [tuple(int(n) for n in s) for s in shapes]
    except (TypeError, ValueError):
        raise ValueError("shapes must be a list of (n_l, n_{l-1}) pairs") from None
    if any(len(s) != 2 or min(s) < 1 for s in shapes):
        raise ValueError(f"every shape must be a pair of positive integers, got {shapes}")
    theta = finite_array("theta", theta, ndim=1)
    total = sum(a * b for a, b in shapes)
    if theta.size != total:
        raise ValueError(f"theta has {theta.size} entries but the shapes need {total}")
    out, i = [], 0
    for a, b in shapes:
        out.append(theta[i:i + a * b].reshape(a, b).copy())
        i += a * b
    return out


def numerical_hessian(weights, X, Y, *, objective: str = "mse", eps: float = 1e-5) -> np.ndarray:
    """Hessian of the MSE ('mse') or of F* ('energy') w.r.t. all weights, flattened as in
    ``flatten_weights``, by central differences of the analytic gradient:
    H[:, j] = (∇(θ + ε e_j) - ∇(θ - ε e_j)) / (2ε), then symmetrised. Error O(ε^2)."""
    ws, X, Y = _check(weights, X, Y)
    choice("objective", objective, _OBJECTIVES)
    eps = positive_scalar("eps", eps)
    grad = _mse_grad if objective == "mse" else _energy_grad
    shapes = [w.shape for w in ws]
    theta = np.concatenate([w.ravel() for w in ws])
    P = theta.size
    if P > 5000:
        raise ValueError(f"numerical Hessian limited to 5000 weights, got {P}")
    Hm = np.empty((P, P))

    def g(t):
        parts, i = [], 0
        for a, b in shapes:
            parts.append(t[i:i + a * b].reshape(a, b))
            i += a * b
        return np.concatenate([x.ravel() for x in grad(parts, X, Y)])

    with np.errstate(**_quiet):
        for j in range(P):
            tp = theta.copy()
            tp[j] += eps
            tm = theta.copy()
            tm[j] -= eps
            Hm[:, j] = (g(tp) - g(tm)) / (2 * eps)
        Hm = 0.5 * (Hm + Hm.T)
    return _finite(Hm, "the numerical Hessian")


def _check_widths(widths) -> list[int]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise ValueError("widths must be a list (n_0, n_1, ..., n_L) of layer sizes")
    ns = [integer_in_range(f"width n_{i}", n, 1, 100_000) for i, n in enumerate(widths)]
    if len(ns) - 1 < 2:
        raise ValueError(f"need at least 2 layers (L >= 2), got {max(len(ns) - 1, 0)}")
    if len(ns) - 1 > _MAX_LAYERS:
        raise ValueError(f"at most {_MAX_LAYERS} layers are supported, got {len(ns) - 1}")
    return ns


def origin_hessian_theory(widths, X, Y, *, objective: str = "energy") -> np.ndarray:
    """Exact Hessian at the origin W = 0, flattened as in ``flatten_weights``.

    widths = (n_0 = d_x, n_1, ..., n_L = d_y). Near W = 0,
    L  ≈ ½ tr Σ_yy - tr(W_{L:1} Σ_xy) + O(|W|^{2L}),
    F* ≈ ½ tr Σ_yy - tr(W_{L:1} Σ_xy) - ½ tr(W_L^T Σ_yy W_L) + higher order.
    So: MSE, L = 2: only the W_1-W_2 cross block, ∂²/∂W_2[a,b]∂W_1[b,c] = -Σ_xy[c,a]
    (eigenvalues ±σ_k(Σ_xy), each n_1 times); MSE, L >= 3: zero.
    Energy: the MSE terms plus the W_L-W_L block -Σ_yy ⊗ I_{n_{L-1}}.
    """
    ns = _check_widths(widths)
    choice("objective", objective, _OBJECTIVES)
    X, Y = _check_xy(X, Y, ns[0], ns[-1], source=f"widths[0] = {ns[0]}",
                     target=f"widths[-1] = {ns[-1]}")
    B = X.shape[1]
    sizes = [ns[l + 1] * ns[l] for l in range(len(ns) - 1)]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    P = int(offs[-1])
    if P > 20000:
        raise ValueError(f"the Hessian would have {P}x{P} entries; use fewer weights")
    Hm = np.zeros((P, P))
    with np.errstate(**_quiet):
        Sxy = X @ Y.T / B
        Syy = Y @ Y.T / B
    _finite(Sxy, "Σ_xy")
    _finite(Syy, "Σ_yy")
    L = len(ns) - 1
    if L == 2:
        n0, n1, n2 = ns
        # index of W_1[b, c] = b*n0 + c ; of W_2[a, b] = offs[1] + a*n1 + b
        for b in range(n1):
            rows = b * n0 + np.arange(n0)               # W_1[b, :]
            cols = offs[1] + np.arange(n2) * n1 + b     # W_2[:, b]
            Hm[np.ix_(rows, cols)] = -Sxy               # [c, a] -> -Σ_xy[c, a]
            Hm[np.ix_(cols, rows)] = -Sxy.T
    if objective == "energy":
        s = slice(offs[L - 1], offs[L])
        Hm[s, s] += -np.kron(Syy, np.eye(ns[L - 1]))
    return Hm


def zero_rank_saddle_hessian_theory(weights, X, Y, *, objective: str = "energy") -> np.ndarray:
    """Exact Hessian at a zero-rank saddle with all W_l = 0 except W_{L-1} (L >= 3),
    flattened as in ``flatten_weights``.

    Near it, with every weight but W_{L-1} small,
    L  ≈ ½ tr Σ_yy − tr(W_{L:1} Σ_xy) + higher order,
    F* ≈ L − ½ tr(W_L^T Σ_yy W_L M),  M = I + W_{L-1} W_{L-1}^T  (S^{-1} ≈ I − W_L M W_L^T).
    W_{L:1} is a product of L − 1 small factors, so it is second order only for L = 3, where
    ∂²/∂W_3[a,b] ∂W_1[c,d] = −W_2[b,c] Σ_xy[d,a]; the energy adds the W_L block −Σ_yy ⊗ M.
    """
    ws, X, Y = _check(weights, X, Y)
    choice("objective", objective, _OBJECTIVES)
    L = len(ws)
    if L < 3:
        raise ValueError("the other zero-rank saddle (all weights zero except W_{L−1}) needs "
                         "H ≥ 2 hidden layers: with H = 1 it is not a critical point")
    if any(np.any(w != 0) for i, w in enumerate(ws) if i != L - 2):
        raise ValueError("this theory holds where every weight except W_{L−1} is zero")
    B = X.shape[1]
    Sxy, Syy = X @ Y.T / B, Y @ Y.T / B
    sizes = [w.size for w in ws]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    Hm = np.zeros((offs[-1], offs[-1]))
    if L == 3:
        W2 = ws[1]
        block = -np.einsum("bc,da->abcd", W2, Sxy).reshape(sizes[2], sizes[0])
        Hm[offs[2]:, :offs[1]] = block
        Hm[:offs[1], offs[2]:] = block.T
    if objective == "energy":
        W = ws[L - 2]
        M = np.eye(W.shape[0]) + W @ W.T
        Hm[offs[L - 1]:, offs[L - 1]:] += -np.kron(Syy, M)
    return Hm


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """Second-order classification of a critical point.

    kind: 'strict saddle', 'non-strict saddle', 'minimum', 'maximum' or 'degenerate';
    lambda_min, lambda_max: extreme Hessian eigenvalues; n_negative, n_zero, n_positive:
    eigenvalue counts with |λ| <= tol counted as zero; eigenvalues: all of them, ascending;
    sentence: one line for a status bar.
    """
    kind: str
    lambda_min: float
    lambda_max: float
    n_negative: int
    n_zero: int
    n_positive: int
    eigenvalues: np.ndarray
    sentence: str


def _symmetric_eigenvalues(Hm) -> np.ndarray:
    """Ascending eigenvalues of a symmetric matrix: those of its rows and columns that are not
    all zero, and a zero for every other one (a zero row and column of a symmetric matrix is
    an eigenvector of eigenvalue 0, and the rest is the submatrix left). The Hessians at
    zero-rank saddles are zero outside a few blocks: the eigensolver sees only those."""
    live = np.any(Hm != 0, axis=0)
    if live.all():
        return np.linalg.eigvalsh(Hm)
    sub = np.linalg.eigvalsh(Hm[np.ix_(live, live)]) if live.any() else np.empty(0)
    return np.sort(np.concatenate([sub, np.zeros(Hm.shape[0] - sub.size)]))


def classify_critical_point(hessian, *, tol: float = 1e-6,
                            is_minimum: bool | None = None) -> CriticalPoint:
    """Classify a critical point from its (symmetric) Hessian by the signs of its eigenvalues.

    - some λ < -tol and some λ >= -tol: 'strict saddle' (a direction of negative curvature;
      deep linear losses have no local maxima, so flat + negative directions are a saddle);
    - all λ < -tol: 'maximum';  all λ > tol: 'minimum';
    - no λ < -tol but some |λ| <= tol: the second-order test is inconclusive. Then
      'non-strict saddle' if ``is_minimum`` is False (e.g. the origin, where the loss is
      not minimal), 'minimum' if True, and 'degenerate' if None (the default).
    """
    Hm = finite_array("hessian", hessian, ndim=2, limit=1e150)   # eigvalsh overflows near 1e308
    if Hm.shape[0] != Hm.shape[1] or Hm.shape[0] == 0:
        raise ValueError(f"hessian must be a non-empty square matrix, got shape {Hm.shape}")
    tol = positive_scalar("tol", tol, allow_zero=True)
    if is_minimum is not None and not isinstance(is_minimum, (bool, np.bool_)):
        raise ValueError(f"is_minimum must be True, False or None, got {is_minimum!r}")
    scale = max(1.0, float(np.max(np.abs(Hm))))
    if np.max(np.abs(Hm - Hm.T)) > 1e-6 * scale:
        raise ValueError("hessian must be symmetric")
    lam = _symmetric_eigenvalues(0.5 * (Hm + Hm.T))
    n_neg = int(np.sum(lam < -tol))
    n_pos = int(np.sum(lam > tol))
    n_zero = lam.size - n_neg - n_pos
    lmin, lmax = float(lam[0]), float(lam[-1])
    if n_neg and (n_pos or n_zero):
        kind = "strict saddle"
        why = f"{n_neg} escape direction{'s' if n_neg > 1 else ''} of negative curvature"
    elif n_neg:
        kind, why = "maximum", "all curvatures negative"
    elif n_zero == 0:
        kind, why = "minimum", "all curvatures positive"
    elif is_minimum is False:
        kind = "non-strict saddle"
        why = ("zero Hessian: flat to second order, gradient descent stalls on a plateau"
               if n_pos == 0 else f"no negative curvature, {n_zero} flat directions")
    elif is_minimum:
        kind, why = "minimum", f"{n_zero} flat directions"
    else:
        kind = "degenerate"
        why = f"{n_zero} flat directions; second-order test inconclusive"
    sentence = f"{kind}: λ_min = {lmin:.3g}, λ_max = {lmax:.3g} ({why})"
    return CriticalPoint(kind, lmin, lmax, n_neg, n_zero, n_pos, lam, sentence)


# ----------------------------------------------------------------------------- scalar chains
@dataclass(frozen=True, eq=False)
class ScalarLandscape:
    """An objective over a grid of two weights of a scalar chain.

    values: the objective on the grid; grad_a, grad_b: its partial derivatives w.r.t. the two
    varied weights (None if not requested); w_a, w_b: the weight values on the grid (same shape
    as values; for 1-D grids of lengths n_a, n_b the shape is (n_b, n_a), i.e. rows follow w_b,
    ready for contour(w_a, w_b, values)); pair: the two varied layer indices (1-based);
    objective, inference_steps: what was computed.
    """
    values: np.ndarray
    grad_a: np.ndarray | None
    grad_b: np.ndarray | None
    w_a: np.ndarray
    w_b: np.ndarray
    pair: tuple
    objective: str
    inference_steps: int | None


def _chain_objective(w, sxx, sxy, syy, objective, k, dt):
    """Objective of a scalar chain, vectorised; w has shape (L, *grid) (real or complex)."""
    L = w.shape[0]
    if objective == "mse" or (objective == "energy" and k == 0):
        p = np.prod(w, axis=0)
        return 0.5 * (syy - 2 * p * sxy + p * p * sxx)
    if k is None:  # equilibrated energy F* = L / (1 + Σ_{l=2}^{L} Π_{k=l}^{L} w_k^2)
        p = np.prod(w, axis=0)
        mse = 0.5 * (syy - 2 * p * sxy + p * p * sxx)
        S = np.ones_like(p)
        q = np.ones_like(p)
        for l in range(L - 1, 0, -1):
            q = q * w[l] * w[l]
            S = S + q
        return mse / S
    # k Euler steps of inference. Activities are linear in the sample: z_l = a_l x + c_l y,
    # so we iterate the coefficients (a_l, c_l) on the grid instead of every sample.
    shape = w.shape[1:]
    z = np.zeros((L + 1, 2) + shape, dtype=w.dtype)
    z[0, 0] = 1.0
    z[L, 1] = 1.0
    for l in range(1, L):
        z[l, 0] = w[l - 1] * z[l - 1, 0]
    wc = w[:, None]
    for _ in range(k):
        e = z[1:] - wc * z[:-1]
        z[1:L] += dt * (-e[:-1] + wc[1:] * e[1:])
    e = z[1:] - wc * z[:-1]
    a, c = e[:, 0], e[:, 1]
    return 0.5 * np.sum(a * a * sxx + 2 * a * c * sxy + c * c * syy, axis=0)


def scalar_chain_landscape(w_grid_a, w_grid_b, *, depth: int, X, Y, pair=(1, 2), fixed=None,
                           objective: str = "mse", inference_steps: int | None = None,
                           dt: float = 0.1, gradient: bool = True) -> ScalarLandscape:
    """MSE, F* or the energy after k inference steps of a scalar chain (one unit per layer,
    L = ``depth`` weights w_1..w_L) over a grid of two weights w_a, w_b (``pair``, 1-based),
    the other weights held at ``fixed`` (length L; entries of the pair ignored; default 0).

    objective='mse':  L = ½(σ_yy - 2 p σ_xy + p^2 σ_xx),  p = w_L ... w_1;
    objective='energy', inference_steps=None: F* = L / (1 + Σ_{l=2}^{L} Π_{k=l}^{L} w_k^2);
    objective='energy', inference_steps=k: F after k Euler steps (step ``dt``) from the
    feed-forward pass (k = 0 gives the MSE; k -> ∞ gives F*).
    Vectorised over the grid (no loop over points or samples). The gradient is exact (complex
    step) and is the total derivative of the plotted surface; for k steps it includes how the
    activities depend on the weights (it equals the PC weight update only at equilibrium).
    ``w_grid_a``/``w_grid_b``: 1-D axes (meshed, result shape (n_b, n_a)) or arrays of one shape.
    """
    L = integer_in_range("depth", depth, None, _MAX_LAYERS)
    if L < 2:
        raise ValueError(f"need at least 2 layers (L >= 2), got {L}")
    choice("objective", objective, _OBJECTIVES)
    if inference_steps is not None:
        if objective != "energy":
            raise ValueError("inference_steps applies to objective='energy' only")
        inference_steps = integer_in_range("inference_steps", inference_steps, 0, 100_000)
    dt = positive_scalar("dt", dt)
    try:
        pair_items = tuple(pair)
    except TypeError:
        raise ValueError(f"pair must be two layer indices like (1, 2), got {pair!r}") from None
    if len(pair_items) != 2:
        raise ValueError(f"pair must be two layer indices like (1, 2), got {pair!r}")
    pa, pb = (integer_in_range("pair index", p, 1, L) for p in pair_items)
    if pa == pb:
        raise ValueError(f"pair must name two different layers, got ({pa}, {pb})")
    if fixed is None:
        fixed_w = np.zeros(L)
    else:
        fixed_w = finite_array("fixed", fixed, ndim=1)
        if fixed_w.size != L:
            raise ValueError(f"fixed must hold one weight per layer ({L} values), "
                             f"got {fixed_w.size}")
    A = finite_array("w_grid_a", w_grid_a)
    Bg = finite_array("w_grid_b", w_grid_b)
    if A.ndim == 1 and Bg.ndim == 1:
        A, Bg = np.meshgrid(A, Bg, indexing="xy")
    elif A.shape != Bg.shape:
        raise ValueError("w_grid_a and w_grid_b must both be 1-D axes or arrays of one shape, "
                         f"got shapes {A.shape} and {Bg.shape}")
    if A.size == 0:
        raise ValueError("the weight grids are empty")
    if A.size > 4_000_000:
        raise ValueError(f"grid too large ({A.size} points); use at most 4,000,000")
    X, Y = _check_xy(X, Y, 1, 1, source="a scalar chain", target="a scalar chain")
    Bn = X.shape[1]
    with np.errstate(**_quiet):
        sxx = float(np.sum(X * X) / Bn)
        sxy = float(np.sum(X * Y) / Bn)
        syy = float(np.sum(Y * Y) / Bn)
    _finite([sxx, sxy, syy], "the data moments")
    shape = A.shape
    if gradient:
        h = 1e-20
        w = np.empty((2, L) + shape, dtype=complex)
        w[:] = fixed_w.reshape((1, L) + (1,) * len(shape))
        w[:, pa - 1] = A
        w[:, pb - 1] = Bg
        w[0, pa - 1] += 1j * h
        w[1, pb - 1] += 1j * h
        with np.errstate(**_quiet):
            f = _chain_objective(np.moveaxis(w, 0, 1), sxx, sxy, syy, objective,
                                 inference_steps, dt)
            values = f[0].real.copy()
            ga, gb = f[0].imag / h, f[1].imag / h
        _finite([values, ga, gb], f"the {objective} landscape")
    else:
        w = np.empty((L,) + shape)
        w[:] = fixed_w.reshape((L,) + (1,) * len(shape))
        w[pa - 1] = A
        w[pb - 1] = Bg
        with np.errstate(**_quiet):
            values = _chain_objective(w, sxx, sxy, syy, objective, inference_steps, dt)
        _finite(values, f"the {objective} landscape")
        ga = gb = None
    return ScalarLandscape(values, ga, gb, A, Bg, (pa, pb), objective, inference_steps)


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True, eq=False)
class TrainingResult:
    """Gradient descent with backprop ('bp') or predictive coding ('pc').

    losses, energies, grad_norms: MSE L(W_t), equilibrated energy F*(W_t) and the norm of the
    weight update direction at t = 0..n (length n + 1; n = n_steps, or fewer if training
    diverged with on_divergence='stop'); weights: the weights at the last recorded step;
    weight_trajectory: one array per layer of shape (n + 1, n_l, n_{l-1}), or None;
    diverged: whether training blew up (only with on_divergence='stop');
    method, lr, inference: the settings used.
    """
    losses: np.ndarray
    energies: np.ndarray
    grad_norms: np.ndarray
    weights: tuple
    weight_trajectory: tuple | None
    diverged: bool
    method: str
    lr: float
    inference: object


def _inference_steps(inference):
    """None for exact inference ('exact'), else the number k of Euler inference steps."""
    if isinstance(inference, str):
        choice("inference", inference, ("exact",))
        return None
    return integer_in_range("inference (number of inference steps)", inference, 0, 100_000)


def _descend(ws, batch_at, n_steps, *, method, lr, k, dt, record_weights, on_divergence,
             stop_below):
    """Gradient descent W_{t+1} = W_t - lr g_t(W_t), with g_t computed on batch_at(t) (the
    losses, energies and gradient norms recorded at W_t on that batch, t = 0..n_steps)."""
    def direction(ws, X, Y):
        if method == "bp":
            return _mse_grad(ws, X, Y)
        if k is None:
            return _energy_grad(ws, X, Y)
        return _pc_grad(ws, _euler_activities(ws, X, Y, k, dt), X, Y)

    losses, energies, norms = [], [], []
    traj = [[w.copy()] for w in ws] if record_weights else None
    diverged = False
    last_ok = ws
    with np.errstate(**_quiet):
        for t in range(n_steps + 1):
            X, Y = batch_at(t)
            R = Y - _end_to_end(ws) @ X
            loss = float(np.sum(R * R) / (2 * X.shape[1]))
            ok = np.isfinite(loss) and all(np.all(np.abs(w) < 1e100) for w in ws)
            if ok:
                try:
                    energy = _equilibrated_energy(ws, X, Y)
                    g = direction(ws, X, Y)
                except (np.linalg.LinAlgError, ValueError):
                    ok = False
            if ok:
                gn = math.sqrt(sum(float(np.sum(gi * gi)) for gi in g))
                ok = np.isfinite(energy) and np.isfinite(gn)
            if not ok:
                diverged = True
                if t == 0:
                    raise ValueError("the initial weights are too large: the loss, energy or "
                                     "gradient overflows before training starts")
                if on_divergence == "raise":
                    raise ValueError(f"training diverged at step {t} (the weights blew up); "
                                     + _divergence_advice(last_ok, lr, k, dt))
                if traj is not None:
                    for tr in traj:
                        tr.pop()
                break
            losses.append(loss)
            energies.append(energy)
            norms.append(gn)
            last_ok = ws
            if t == n_steps or (stop_below is not None and loss <= stop_below):
                break
            ws = [w - lr * gi for w, gi in zip(ws, g)]
            if traj is not None:
                for tr, w in zip(traj, ws):
                    tr.append(w.copy())
    if traj is not None:
        traj = tuple(np.stack(tr[:len(losses)]) for tr in traj)
        ws_final = tuple(tr[-1].copy() for tr in traj)
    elif diverged:
        ws_final = tuple(w.copy() for w in last_ok)
    else:
        ws_final = tuple(ws)
    return TrainingResult(np.asarray(losses), np.asarray(energies), np.asarray(norms),
                          ws_final, traj, diverged, method, lr,
                          "exact" if k is None else k)


def _divergence_advice(ws, lr, k, dt) -> str:
    """What to reduce after a divergence: dt if Euler inference is unstable at the last good
    weights (dt ≥ 2 / λ_max of the activity Hessian), else the learning rate."""
    if k:
        try:
            lam = float(np.linalg.eigvalsh(_activity_hessian(ws)[0])[-1])
        except (np.linalg.LinAlgError, ValueError):
            lam = math.inf
        if dt * lam >= 2:
            return (f"Euler inference is unstable there (dt = {dt:g} ≥ 2 / λ_max = "
                    f"{2 / lam:.3g}): reduce dt (or the learning rate lr = {lr:g}, "
                    "which carried the weights there)")
    return f"reduce the learning rate lr = {lr:g}"


def train(weights0, X, Y, *, method: str = "bp", lr: float = 0.4, n_steps: int = 100,
          inference="exact", dt: float = 0.1, record_weights: bool = False,
          on_divergence: str = "raise", stop_below: float | None = None) -> TrainingResult:
    """Full-batch gradient descent W <- W - lr * g.
    'bp': g = ∇L (backprop).  'pc': g = ∂F/∂W at inferred activities: with inference='exact'
    at the equilibrium (so g = ∇F*), with inference=k after k Euler steps of size ``dt`` from
    the feed-forward pass. on_divergence='raise' raises ValueError if the weights blow up;
    'stop' returns the steps done so far with diverged=True. ``stop_below``: stop at the
    first step t with L(W_t) <= stop_below (the run is then the first t steps of the full
    one, number for number)."""
    ws, X, Y = _check(weights0, X, Y)
    choice("method", method, ("bp", "pc"))
    lr = positive_scalar("lr", lr)
    n_steps = integer_in_range("n_steps", n_steps, 0, 1_000_000)
    dt = positive_scalar("dt", dt)
    choice("on_divergence", on_divergence, ("raise", "stop"))
    if stop_below is not None:
        stop_below = finite_scalar("stop_below", stop_below)
    k = _inference_steps(inference)
    if k is not None and k * n_steps > 20_000_000:
        raise ValueError(f"{n_steps} steps of {k} inference steps each is too much work; "
                         "reduce n_steps or the inference steps")
    return _descend(ws, lambda t: (X, Y), n_steps, method=method, lr=lr, k=k, dt=dt,
                    record_weights=record_weights, on_divergence=on_divergence,
                    stop_below=stop_below)


def train_minibatch(weights0, Xs, Ys, *, method: str = "bp", lr: float = 0.4,
                    inference="exact", dt: float = 0.1, record_weights: bool = False,
                    on_divergence: str = "raise",
                    stop_below: float | None = None) -> TrainingResult:
    """Stochastic gradient descent on given mini-batches, one per step (the authors' toy
    protocol): W_{t+1} = W_t − lr g(W_t; X_t, Y_t), g as in ``train``; Xs, Ys of shape
    (n_steps + 1, d, B). losses[t] is the MSE of W_t on batch t (the authors' training
    loss, measured before the step), so batch n_steps only measures. ``stop_below`` stops at
    the first t with losses[t] <= stop_below (again the start of the full run)."""
    ws = _check_weights(weights0)
    Xs = finite_array("Xs", Xs, ndim=3)
    Ys = finite_array("Ys", Ys, ndim=3)
    if Xs.shape[0] != Ys.shape[0] or Xs.shape[2] != Ys.shape[2] or Xs.shape[0] < 1:
        raise ValueError(f"Xs and Ys must hold the same number (>= 1) of batches of the same "
                         f"size, got shapes {Xs.shape} and {Ys.shape}")
    _check(ws, Xs[0], Ys[0])
    choice("method", method, ("bp", "pc"))
    lr = positive_scalar("lr", lr)
    dt = positive_scalar("dt", dt)
    choice("on_divergence", on_divergence, ("raise", "stop"))
    if stop_below is not None:
        stop_below = finite_scalar("stop_below", stop_below)
    k = _inference_steps(inference)
    n_steps = Xs.shape[0] - 1
    if n_steps > 1_000_000 or (k is not None and k * n_steps > 20_000_000):
        raise ValueError(f"{n_steps} steps (of {k or 1} inference steps each) is too much "
                         "work; give fewer batches or fewer inference steps")
    return _descend(ws, lambda t: (Xs[t], Ys[t]), n_steps, method=method, lr=lr, k=k, dt=dt,
                    record_weights=record_weights, on_divergence=on_divergence,
                    stop_below=stop_below)


def steps_to_escape(result: TrainingResult, threshold: float, *,
                    quantity: str = "loss") -> int | None:
    """First step t with losses[t] <= threshold (or energies[t] with quantity='energy');
    None if it never gets there."""
    if not isinstance(result, TrainingResult):
        raise ValueError("result must be the TrainingResult returned by train(...)")
    threshold = finite_scalar("threshold", threshold)
    choice("quantity", quantity, ("loss", "energy"))
    series = result.losses if quantity == "loss" else result.energies
    hits = np.flatnonzero(series <= threshold)
    return int(hits[0]) if hits.size else None


#: escape from the origin plateau: the MSE falls below this fraction of its value at W = 0
ESCAPE_FRACTION = 0.02


def origin_loss(Y) -> float:
    """MSE (= F*) at the origin W = 0: L(0) = ½ tr Σ_yy = 1/(2B) Σ_i ||y_i||^2."""
    Y = _as_data("Y", Y)
    return 0.5 * float(np.sum(Y * Y)) / Y.shape[1]


def escape_threshold(Y, fraction: float = ESCAPE_FRACTION) -> float:
    """The MSE below which a run has escaped the origin plateau: fraction · ½ tr Σ_yy."""
    fraction = positive_scalar("fraction", fraction)
    return fraction * origin_loss(Y)


def truncate_run(result: TrainingResult, n_steps: int) -> TrainingResult:
    """The first ``n_steps`` steps of a run: equal, number for number, to the run trained for
    ``n_steps`` steps from the same start (gradient descent is step by step deterministic).
    A run that is no longer (or diverged before) is returned as it is."""
    if not isinstance(result, TrainingResult):
        raise ValueError("result must be the TrainingResult returned by train(...)")
    n_steps = integer_in_range("n_steps", n_steps, 0, None)
    if len(result.losses) - 1 <= n_steps:
        return result
    if result.weight_trajectory is None:
        raise ValueError("truncating a run needs its weight trajectory: "
                         "train it with record_weights=True")
    k = n_steps + 1
    traj = tuple(t[:k] for t in result.weight_trajectory)
    weights = tuple(t[-1].copy() for t in traj)
    return TrainingResult(result.losses[:k], result.energies[:k], result.grad_norms[:k],
                          weights, traj, False, result.method, result.lr, result.inference)


def train_bp_and_pc(weights0, X, Y, *, lr: float, n_steps: int) -> dict:
    """{'bp': run, 'pc': run}: backprop (descent on L) and predictive coding with exact
    inference (descent on F*) from the same start, weights recorded, stopping at divergence."""
    return {m: train(weights0, X, Y, method=m, lr=lr, n_steps=n_steps, record_weights=True,
                     on_divergence="stop") for m in ("bp", "pc")}


def training_horizon(n_steps: int, block: int = 50) -> int:
    """n_steps rounded up to a multiple of ``block``: train that far once, and every shorter
    run is ``truncate_run`` of it."""
    n_steps = integer_in_range("n_steps", n_steps, 0, None)
    block = integer_in_range("block", block, 1, None)
    return -(-n_steps // block) * block


def escape_step(weights0, X, Y, *, method: str, lr: float, n_steps: int,
                threshold: float) -> int | None:
    """Steps to escape: the first t <= n_steps with L(W_t) <= threshold, training only as far
    as needed (``train(..., stop_below=threshold)``); None if the run does not get there
    within n_steps or diverges first."""
    threshold = finite_scalar("threshold", threshold)
    run = train(weights0, X, Y, method=method, lr=lr, n_steps=n_steps,
                on_divergence="stop", stop_below=threshold)
    return steps_to_escape(run, threshold)


# ----------------------------------------------------------------------------- eigen-directions
def origin_eigendirections(widths, X, Y) -> dict:
    """The bottom and top eigen-directions of F*'s Hessian at the origin
    (``origin_hessian_theory``): {'bottom', 'top'} unit vectors flattened as in
    ``flatten_weights`` (sign: largest entry positive), {'lambda_bottom', 'lambda_top'}.
    For H ≥ 2 the bottom one lies in the W_L block (eigenvalue −λ_max(Σ_yy)) and the top
    eigenvalue is 0, one flat direction of many; the MSE Hessian is zero in both."""
    Hm = origin_hessian_theory(widths, X, Y, objective="energy")
    lam, V = np.linalg.eigh(Hm)
    out = {}
    for name, j in (("bottom", 0), ("top", -1)):
        v = V[:, j]
        out[name] = v * np.sign(v[np.argmax(np.abs(v))])
        out[f"lambda_{name}"] = float(lam[j])
    return out


def eigenplane_landscape(widths, X, Y, directions, *, extent: float = 1.0,
                         n: int = 21) -> dict:
    """The MSE and F* on the plane θ = a·u + b·v through the origin, (u, v) = ``directions``
    (unit vectors flattened as in ``flatten_weights``, e.g. the top and bottom eigen-directions
    of ``origin_eigendirections``), a and b on n points over [−extent, extent].
    Returns {'a', 'b', 'mse', 'energy'}: grids of shape (n, n), row i = b[i], column j = a[j]."""
    ns = _check_widths(widths)
    shapes = [(ns[l + 1], ns[l]) for l in range(len(ns) - 1)]
    P = sum(a * b for a, b in shapes)
    u, v = _directions(directions, P)
    extent = positive_scalar("extent", extent)
    n = integer_in_range("n", n, 2, 101)
    if n * n * P > 5_000_000:
        raise ValueError("that plane is too much work; use fewer grid points or weights")
    X, Y = _check_xy(X, Y, ns[0], ns[-1], source=f"widths[0] = {ns[0]}",
                     target=f"widths[-1] = {ns[-1]}")
    a = np.linspace(-extent, extent, n)
    out = {"a": a, "b": a.copy()}
    # the grid points in stacks of networks, θ[i, j] = a[j] u + b[i] v (chunks of 64 points:
    # small temporaries)
    theta = (a[None, :, None] * u + a[:, None, None] * v).reshape(n * n, P)
    B = X.shape[1]
    mse, energy = np.empty(n * n), np.empty(n * n)
    with np.errstate(**_quiet):
        for lo in range(0, n * n, 64):
            ws, i = [], 0
            for r, c in shapes:
                ws.append(theta[lo:lo + 64, i:i + r * c].reshape(-1, r, c))
                i += r * c
            E = ws[0]
            for W in ws[1:]:
                E = W @ E                                       # W_{L:1}, stacked
            R = Y - E @ X
            S = np.broadcast_to(np.eye(ns[-1]), (E.shape[0], ns[-1], ns[-1]))
            Pt = None
            for W in reversed(ws[1:]):                          # S = I + Σ W_{L:l} W_{L:l}^T
                Pt = W if Pt is None else Pt @ W
                S = S + Pt @ np.swapaxes(Pt, 1, 2)
            _finite(S, "the rescaling matrix S on the plane")
            mse[lo:lo + 64] = np.sum(R * R, axis=(1, 2)) / (2 * B)
            energy[lo:lo + 64] = np.sum(R * np.linalg.solve(S, R), axis=(1, 2)) / (2 * B)
    out["mse"], out["energy"] = mse.reshape(n, n), energy.reshape(n, n)
    _finite(out["mse"], "the MSE on the plane")
    _finite(out["energy"], "F* on the plane")
    return out


def project_trajectory(result: TrainingResult, directions) -> tuple:
    """(θ_t·u, θ_t·v) for t = 0..n: the recorded weights of a run (record_weights=True)
    projected on the unit directions (u, v)."""
    if not isinstance(result, TrainingResult) or result.weight_trajectory is None:
        raise ValueError("result must be a TrainingResult trained with record_weights=True")
    theta = np.concatenate([t.reshape(t.shape[0], -1) for t in result.weight_trajectory],
                           axis=1)
    u, v = _directions(directions, theta.shape[1])
    return theta @ u, theta @ v


# ----------------------------------------------------------------------------- the toy protocol
#: the authors' toy protocol (Fig. 2): x ~ N(1, 0.1²), y = −x, fresh batches of 64, w ~ N(0,
#: 0.05²), SGD lr 0.4, PC inference 20 Euler steps of dt 0.1 from the feed-forward pass
TOY_PROTOCOL = {"batch": 64, "scale": 0.05, "lr": 0.4, "inference": 20, "dt": 0.1}
#: how the package's "paper toy chain" presets differ from that protocol (their status line)
TOY_CHAIN_DIFFERS = ("the paper's toy task and start (x ~ N(1, 0.1²), y = −x, w ~ N(0, 0.05²), "
                     "lr 0.4) on one fixed batch with exact inference; the paper draws a fresh "
                     "batch of 64 each step and runs 20 Euler inference steps (the escape race's "
                     "'Fig. 2 protocol' presets: BP 70, PC 33 for its seed 2)")
#: the authors' notebook draws PC's batches after BP's: 15 BP steps for H = 1, 100 for H = 2
AUTHORS_BP_STEPS = {1: 15, 2: 100}
_MAX_BATCH_VALUES = 50_000_000


def toy_protocol(widths, seed: int, n_steps: int, *, scale: float = 0.05, batch: int = 64,
                 skip: int = 0) -> tuple:
    """(weights0, Xs, Ys): the authors' random stream for the toy task. One legacy MT19937
    stream ``np.random.RandomState(seed)`` (their ``np.random.seed``) draws W_1, ..., W_L ~
    N(0, scale²) in that order, then skips ``skip`` batches, then n_steps + 1 fresh batches
    x ~ N(1, 0.1²) of shape (d, batch), y = −x: Xs, Ys of shape (n_steps + 1, d, batch).
    For a scalar chain these are their numbers: weights = normal(0, scale, H + 1), then
    one normal(1, 0.1, 64) per step."""
    ns = _check_widths(widths)
    seed = _seed(seed)
    n_steps = integer_in_range("n_steps", n_steps, 0, 1_000_000)
    scale = positive_scalar("scale", scale, allow_zero=True)
    batch = integer_in_range("batch", batch, 1, 1_000_000)
    skip = integer_in_range("skip", skip, 0, 1_000_000)
    d_x, d_y = ns[0], ns[-1]
    if d_x != d_y:
        raise ValueError(f"the toy task maps x to y = −x: widths[0] = {d_x} and widths[-1] = "
                         f"{d_y} must be equal")
    if (n_steps + 1 + skip) * d_x * batch > _MAX_BATCH_VALUES:
        raise ValueError("that many batches is too much data to draw; reduce n_steps, skip "
                         "or the batch size")
    rs = np.random.RandomState(seed)
    ws = [rs.normal(0.0, scale, size=(ns[l + 1], ns[l])) for l in range(len(ns) - 1)]
    if skip:
        rs.normal(1.0, 0.1, size=(skip, d_x, batch))
    Xs = rs.normal(1.0, 0.1, size=(n_steps + 1, d_x, batch))
    return ws, Xs, -Xs


def toy_escape_threshold(dim: int = 1, fraction: float = ESCAPE_FRACTION) -> float:
    """Escape threshold for fresh batches: fraction · ½ E‖y‖² = fraction · ½ dim (1 + 0.1²),
    the expected MSE at the origin (for one fixed batch ``escape_threshold(Y)``)."""
    dim = integer_in_range("dim", dim, 1, 100_000)
    fraction = positive_scalar("fraction", fraction)
    return fraction * 0.5 * dim * (1.0 + 0.1 ** 2)


def protocol_escapes(hidden: int, seeds=range(5), *, width: int = 1, dim: int = 1,
                     n_steps: int = 400, lr: float = 0.4, scale: float = 0.05,
                     inference=20, dt: float = 0.1, pc_skip: int = 0,
                     threshold: float | None = None) -> dict:
    """Steps to escape under the authors' toy protocol, per seed: {'bp': [...], 'pc': [...]}
    (None: not within n_steps), with 'threshold'. Each seed's ``toy_protocol`` stream gives
    the start and BP's batches; PC starts from the same weights on the batches after
    ``pc_skip`` more (the authors' notebook: ``AUTHORS_BP_STEPS[hidden]``; 0: BP's batches).
    Escape: the first step whose batch MSE is <= threshold (``toy_escape_threshold``)."""
    hidden = integer_in_range("hidden", hidden, 1, _MAX_LAYERS - 1)
    if isinstance(seeds, (str, bytes, dict)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"seeds must be a list of whole numbers, got {seeds!r}")
    seeds = [_seed(s) for s in seeds]
    if not seeds or len(seeds) > 100:
        raise ValueError(f"give 1 to 100 seeds, got {len(seeds)}")
    widths = network_widths(hidden, width, dim)
    threshold = toy_escape_threshold(dim) if threshold is None else finite_scalar(
        "threshold", threshold)
    out = {"bp": [], "pc": [], "threshold": threshold}
    for seed in seeds:
        for m, skip in (("bp", 0), ("pc", pc_skip)):
            ws, Xs, Ys = toy_protocol(widths, seed, n_steps, scale=scale, skip=skip)
            run = train_minibatch(ws, Xs, Ys, method=m, lr=lr, inference=inference, dt=dt,
                                  on_divergence="stop", stop_below=threshold)
            out[m].append(steps_to_escape(run, threshold))
    return out


_EYES: dict = {}


def _eye(n: int) -> np.ndarray:
    """The n × n identity, made once (read-only: the stacked loops add to it every step)."""
    if n not in _EYES:
        _EYES[n] = np.eye(n)
        _EYES[n].flags.writeable = False
    return _EYES[n]


def _stacked_pc_activities(Ws, X, Y, k, dt):
    """Hidden activities of S networks at once (weights stacked on a leading axis): the
    equilibrium (k None) or k Euler steps from the feed-forward pass (``_euler_activities``)."""
    S, B = Ws[0].shape[0], X.shape[-1]
    sizes = [W.shape[1] for W in Ws[:-1]]
    offs = [0]
    for n in sizes:
        offs.append(offs[-1] + n)
    A = np.zeros((S, offs[-1], offs[-1]))
    for l in range(len(sizes)):
        a = slice(offs[l], offs[l + 1])
        WT = Ws[l + 1].swapaxes(1, 2)
        A[:, a, a] = _eye(sizes[l]) + WT @ Ws[l + 1]
        if l + 1 < len(sizes):
            c = slice(offs[l + 1], offs[l + 2])
            A[:, a, c] = -WT
            A[:, c, a] = -Ws[l + 1]
    b = np.zeros((S, offs[-1], B))
    b[:, offs[0]:offs[1]] += Ws[0] @ X
    b[:, offs[-2]:offs[-1]] += Ws[-1].swapaxes(1, 2) @ Y
    Z = np.linalg.solve(A, b)
    if k is not None:
        h, z0 = X, []
        for W in Ws[:-1]:
            h = W @ h
            z0.append(h)
        M = _eye(offs[-1]) - dt * A
        Z = Z + np.linalg.matrix_power(M, k) @ (np.concatenate(z0, axis=1) - Z)
    return [Z[:, offs[l]:offs[l + 1]] for l in range(len(sizes))]


def _pc_activities_run_by_run(Ws, X, Y, k, dt, alive):
    """The stacked activities computed run by run: a run whose activities cannot be computed
    or are not finite (its weights blew up) is no longer alive, and its activities are 0."""
    alive = alive.copy()
    zs = None
    for i in range(Ws[0].shape[0]):
        Xi, Yi = (X[i:i + 1] if X.ndim == 3 else X), (Y[i:i + 1] if Y.ndim == 3 else Y)
        try:
            zi = _stacked_pc_activities([W[i:i + 1] for W in Ws], Xi, Yi, k, dt)
        except np.linalg.LinAlgError:
            zi = None
        if zi is None or not all(np.all(np.isfinite(z)) for z in zi):
            alive[i] = False
            zi = None
        if zs is None:
            zs = [np.zeros((Ws[0].shape[0], W.shape[1], X.shape[-1])) for W in Ws[:-1]]
        if zi is not None:
            for z, zl in zip(zs, zi):
                z[i] = zl[0]
    return zs, alive


def seed_escape_steps(starts, data, *, method: str, lr: float, n_steps: int, threshold: float,
                      inference="exact", dt: float = 0.1) -> list:
    """Steps to escape of S runs trained at once (one per start, e.g. per seed): for each,
    the first t <= n_steps with MSE(W_t) <= threshold, None if not (or if it diverged first);
    the same numbers as ``escape_step`` / ``train_minibatch`` run by run, with the S weight
    sets stacked so that every step is one pass of batched matrix products.
    ``data``: (X, Y), one batch shared by all runs, or (Xs, Ys) of shape (S, n_steps + 1, d, B),
    each run's batches (``toy_protocol``)."""
    if isinstance(starts, (str, bytes, np.ndarray)) or not hasattr(starts, "__len__") \
            or not len(starts):
        raise ValueError("starts must be a non-empty list of weight lists [W_1, ..., W_L]")
    starts = [_check_weights(st) for st in starts]
    if len(starts) > 100 or any([w.shape for w in st] != [w.shape for w in starts[0]]
                                for st in starts):
        raise ValueError("starts must be at most 100 weight lists of the same shapes")
    choice("method", method, ("bp", "pc"))
    lr = positive_scalar("lr", lr)
    n_steps = integer_in_range("n_steps", n_steps, 0, 100_000)
    threshold = finite_scalar("threshold", threshold)
    dt = positive_scalar("dt", dt)
    k = _inference_steps(inference)
    S = len(starts)
    X, Y = _data_pair(data)
    stream = X.ndim == 4
    if stream:
        if X.shape != Y.shape or X.shape[:2] != (S, n_steps + 1):
            raise ValueError(f"Xs and Ys must have shape (S = {S}, n_steps + 1 = "
                             f"{n_steps + 1}, d, B), got {X.shape} and {Y.shape}")
        _check(starts[0], X[0, 0], Y[0, 0])
    else:
        _check(starts[0], X, Y)
    Ws = [np.stack([st[l] for st in starts]) for l in range(len(starts[0]))]
    out = [None] * S
    _escape_loop(Ws, (X, Y), 0, n_steps, out, np.ones(S, bool), method=method, lr=lr, k=k,
                 dt=dt, threshold=threshold)
    return out


def _escape_loop(Ws, data, t0, n_steps, out, alive, *, method, lr, k, dt, threshold,
                 trained=None):
    """Steps t0..n_steps of the stacked runs ``Ws`` (alive ones), only as far as each needs:
    out[i] = the first t with MSE(W_t) <= threshold. Returns the weights at the last step
    evaluated and ``alive`` (the runs not escaped, not diverged): a later call from that
    step on continues them. ``trained``: per layer, which runs train it (None: all; the
    others hold an identity, ``depth_sweep_escapes``)."""
    X, Y = data
    stream = X.ndim == 4
    S = Ws[0].shape[0]
    with np.errstate(**_quiet):
        for t in range(t0, n_steps + 1):
            Xt, Yt = (X[:, t], Y[:, t]) if stream else (X, Y)
            B = Xt.shape[-1]
            hs = [Xt]
            for W in Ws:
                hs.append(W @ hs[-1])
            R = Yt - hs[-1]
            loss = np.sum(R * R, axis=(1, 2)) / (2 * B)
            bad = ~np.isfinite(loss)
            for W in Ws:
                bad |= ~(np.max(np.abs(W), axis=(1, 2)) < 1e100)
            for i in np.flatnonzero(alive & ~bad & (loss <= threshold)):
                out[i] = t
            alive &= ~bad & (loss > threshold)
            if not alive.any() or t == n_steps:
                break
            if method == "bp":
                delta, grads = -R / B, [None] * len(Ws)
                for l in range(len(Ws) - 1, -1, -1):
                    h = hs[l] if hs[l].ndim == 3 else np.broadcast_to(hs[l], (S, *hs[l].shape))
                    grads[l] = delta @ h.swapaxes(1, 2)
                    delta = Ws[l].swapaxes(1, 2) @ delta
            else:
                try:
                    zs = _stacked_pc_activities(Ws, Xt, Yt, k, dt)
                except np.linalg.LinAlgError:    # a run blew up: it stops (None), as in train
                    zs = None
                if zs is None or not all(np.all(np.isfinite(z)) for z in zs):
                    zs, alive = _pc_activities_run_by_run(Ws, Xt, Yt, k, dt, alive)
                    if not alive.any():
                        break
                full = [np.broadcast_to(Xt, (S, *Xt.shape[-2:])), *zs,
                        np.broadcast_to(Yt, (S, *Yt.shape[-2:]))]
                grads = [-((full[l + 1] - Ws[l] @ full[l]) @ full[l].swapaxes(1, 2)) / B
                         for l in range(len(Ws))]
            # the runs that escaped or diverged rest at zero (ignored from now on); layers a
            # run does not train keep their identity
            live = alive[:, None, None]
            if trained is None:
                Ws = [np.where(live, W - lr * g, 0.0) for W, g in zip(Ws, grads)]
            else:
                Ws = [np.where(live, W - lr * g, 0.0) if tr.all() else
                      np.where((alive & tr)[:, None, None], W - lr * g,
                               np.where(tr[:, None, None], 0.0, W))
                      for W, g, tr in zip(Ws, grads, trained)]
    return Ws, alive


def escape_statistics(steps) -> dict:
    """{'mean', 'min', 'max', 'escaped', 'n'} of steps to escape over seeds (None = no escape
    within the horizon, left out of mean / min / max; the mean is None if none escaped)."""
    if isinstance(steps, (str, bytes, dict)) or not hasattr(steps, "__iter__"):
        raise ValueError(f"steps must be a list of step counts (or None), got {steps!r}")
    steps = list(steps)
    if not all(t is None or (isinstance(t, (numbers.Integral, np.integer))
                             and not isinstance(t, (bool, np.bool_)) and t >= 0) for t in steps):
        raise ValueError(f"steps must hold whole numbers >= 0 or None, got {steps!r}")
    got = [int(t) for t in steps if t is not None]
    n = len(steps)
    if not got:
        return {"mean": None, "min": None, "max": None, "escaped": 0, "n": n}
    return {"mean": float(np.mean(got)), "min": min(got), "max": max(got),
            "escaped": len(got), "n": n}


# ----------------------------------------------------------------------------- continued runs
METHODS = ("bp", "pc")


def _joined(a: TrainingResult, b: TrainingResult) -> TrainingResult:
    """Run ``a`` followed by run ``b``, which was trained from a's last weights (on the batches
    that follow a's): number for number the run trained in one go (each step of gradient
    descent depends only on the weights it starts from and its batch)."""
    cat = lambda x, y: np.concatenate([x, y[1:]])   # noqa: E731  (b starts where a ends)
    traj = tuple(cat(ta, tb) for ta, tb in zip(a.weight_trajectory, b.weight_trajectory))
    return dataclasses.replace(b, losses=cat(a.losses, b.losses),
                               energies=cat(a.energies, b.energies),
                               grad_norms=cat(a.grad_norms, b.grad_norms),
                               weight_trajectory=traj)


class Trainings:
    """Backprop and predictive coding from one start, each trained as far as first asked
    and kept (weights recorded), so that a longer horizon, or the full run after a run that
    stopped at its escape, continues the run kept instead of training it again.

    ``data``: (X, Y), one batch for every step (``train``), or (Xs, Ys) of shape (n + 1, d, B),
    a fresh batch per step (``train_minibatch``; runs of at most n steps). ``inference``,
    ``dt``: PC's inference ('exact' or k Euler steps of size dt).
    ``runs(n)``: {'bp', 'pc'} runs of n steps; ``escape(method, n, threshold)``: the steps to
    escape within n steps (None if not), training only until the escape. Every answer equals,
    number for number, the one of ``train`` / ``train_minibatch`` called afresh."""

    def __init__(self, start, data, lr, *, inference="exact", dt: float = 0.1):
        start = _check_weights(start)
        X, Y = _data_pair(data)
        if X.ndim == 3:
            _check(start, X[0], Y[0])
        else:
            _check(start, X, Y)
        lr, dt = positive_scalar("lr", lr), positive_scalar("dt", dt)
        _inference_steps(inference)
        self.start, self.data, self.lr = start, data, lr
        self.inference, self.dt = inference, dt
        self.stream = np.ndim(data[0]) == 3
        self._kept: dict = {}     # method: the run trained so far (longer ones continue it)

    def _train_to(self, methods, n_steps, stop_below=None):
        """The kept runs of ``methods``, each trained on from its last weights to ``n_steps``
        steps (or until the MSE falls to ``stop_below``) unless it is that long already or
        diverged; the runs that need training are trained at once (``train_runs``)."""
        todo, starts, done = [], [], []
        for m in methods:
            before = self._kept.get(m)
            steps = 0 if before is None else len(before.losses) - 1
            if before is not None and (before.diverged or steps >= n_steps):
                continue
            todo.append(m)
            starts.append(self.start if before is None else before.weights)
            done.append(steps)
        if todo:
            X, Y = self.data
            if self.stream and n_steps >= X.shape[0]:
                raise ValueError(f"this stream holds {X.shape[0] - 1} steps, not {n_steps}")
            runs = train_runs(starts, self.data, methods=todo, lr=self.lr,
                              n_steps=[n_steps - d for d in done], inference=self.inference,
                              dt=self.dt, stop_below=stop_below,
                              offsets=done if self.stream else None)
            for m, run in zip(todo, runs):
                before = self._kept.get(m)
                self._kept[m] = run if before is None else _joined(before, run)
        return {m: self._kept[m] for m in methods}

    def runs(self, n_steps: int) -> dict:
        return {m: truncate_run(r, n_steps) for m, r in self._train_to(METHODS, n_steps).items()}

    def escapes(self, n_steps: int, threshold: float, methods=METHODS) -> dict:
        """{method: steps to escape within n_steps, None if not}, training (the methods
        that need it at once) only until the escape."""
        out, todo = {}, []
        for m in methods:
            choice("method", m, METHODS)
            run = self._kept.get(m)
            # the run kept is the beginning of the one run from the start: its first step
            # below the threshold is the escape, if it has one
            out[m] = None if run is None else steps_to_escape(run, threshold)
            if out[m] is None:
                todo.append(m)
        if todo:
            for m, run in self._train_to(todo, n_steps, threshold).items():
                out[m] = steps_to_escape(run, threshold)
        return {m: t if t is not None and t <= n_steps else None for m, t in out.items()}

    def escape(self, method: str, n_steps: int, threshold: float):
        return self.escapes(n_steps, threshold, (method,))[method]


class Race:
    """The ``Trainings`` of every depth for one setting: the depth shown and a depth sweep
    share their runs, and a longer horizon continues them. ``start(H)``, ``runs(H, n)``
    ({'bp', 'pc'}, weights recorded), ``escape(H, n)`` ((BP, PC) steps to escape within n,
    None if not).

    ``data`` = (X, Y): one fixed batch, start W_l ~ N(0, σ²) from ``init_weights(..., seed)``.
    ``data`` = None: the authors' protocol, ``toy_protocol(widths, seed, max_steps)`` per
    depth (start and fresh batches from one stream; BP and PC see the same batches)."""

    def __init__(self, data, threshold, width, dim, init_scale, lr, seed, *,
                 inference="exact", dt: float = 0.1, max_steps: int = 400):
        self.data, self.threshold, self.lr = data, threshold, lr
        self.width, self.dim, self.init_scale, self.seed = width, dim, init_scale, seed
        self.inference, self.dt, self.max_steps = inference, dt, max_steps
        self._depths: dict[int, Trainings] = {}

    def trainings(self, H: int) -> Trainings:
        if H not in self._depths:
            widths = network_widths(H, self.width, self.dim)
            if self.data is None:
                start, Xs, Ys = toy_protocol(widths, self.seed, self.max_steps,
                                             scale=self.init_scale)
                data = (Xs, Ys)
            else:
                start, data = init_weights(widths, self.init_scale, self.seed), self.data
            self._depths[H] = Trainings(start, data, self.lr, inference=self.inference,
                                        dt=self.dt)
        return self._depths[H]

    def start(self, H: int) -> list:
        return self.trainings(H).start

    def runs(self, H: int, n_steps: int) -> dict:
        return self.trainings(H).runs(n_steps)

    def escape(self, H: int, n_steps: int) -> tuple:
        t = self.trainings(H).escapes(n_steps, self.threshold)
        return tuple(t[m] for m in METHODS)


# ----------------------------------------------------------------------------- toy data
def _seed(seed) -> int:
    return integer_in_range("seed", seed, 0, 2**32 - 1)     # np.random.RandomState's range


def _data_pair(data) -> tuple:
    """``data`` as the pair (X, Y) (or (Xs, Ys)) of arrays, or a ValueError naming it."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"data must be a pair (X, Y) of arrays, got {type(data).__name__}")
    return finite_array("data[0] (X)", data[0]), finite_array("data[1] (Y)", data[1])


def _directions(directions, size: int) -> tuple:
    """The pair (u, v) of unit directions, each of ``size`` entries."""
    if not isinstance(directions, (tuple, list)) or len(directions) != 2:
        raise ValueError("directions must be a pair (u, v) of vectors, e.g. the 'bottom' and "
                         f"'top' of origin_eigendirections, got {type(directions).__name__}")
    return tuple(finite_array("directions", d, shape=(size,)) for d in directions)


def toy_scalar_data(seed: int = 0, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The paper's toy scalar task: x ~ N(1, 0.1^2), y = -x; X, Y of shape (1, batch)."""
    rng = np.random.default_rng(_seed(seed))
    batch = integer_in_range("batch", batch, 1, 10_000_000)
    X = rng.normal(1.0, 0.1, size=(1, batch))
    return X, -X


def gaussian_toy_data(seed: int = 0, dim: int = 2, batch: int = 64, *,
                      altered_target: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The paper's Gaussian toy data for Hessians at the origin: X ~ N(1, 0.1^2) entrywise,
    shape (dim, batch), and Y = -X. With ``altered_target`` the second output row is replaced
    by fresh, independent N(1, 0.1^2) draws (as the authors do for 4 hidden layers), so Y is
    no longer a linear map of X and Σ_yy, Σ_xy change. dim must be >= 2 for the altered target."""
    rng = np.random.default_rng(_seed(seed))
    dim = integer_in_range("dim", dim, 1, 10_000)
    batch = integer_in_range("batch", batch, 1, 10_000_000)
    X = rng.normal(1.0, 0.1, size=(dim, batch))
    Y = -X
    if altered_target:
        if dim < 2:
            raise ValueError("altered_target needs dim >= 2 (it replaces output row 2)")
        Y[1] = rng.normal(1.0, 0.1, size=batch)
    return X, Y


def init_weights(widths, scale: float = 0.05, seed: int = 0) -> list:
    """W_l ~ N(0, scale^2) entrywise, shape (n_l, n_{l-1}), for widths (n_0, ..., n_L)."""
    ns = _check_widths(widths)
    scale = positive_scalar("scale", finite_scalar("scale", scale, limit=1e100), allow_zero=True)
    rng = np.random.default_rng(_seed(seed))
    return [scale * rng.standard_normal((ns[l + 1], ns[l])) for l in range(len(ns) - 1)]


def zero_rank_saddle_weights(widths, scale: float = 1.0, seed: int = 0) -> list:
    """A zero-rank saddle (W_{L:1} = 0) other than the origin: all W_l = 0 except
    W_{L-1} ~ N(0, scale^2). Its MSE Hessian is zero for L >= 4 (H >= 3; for L = 3 the
    W_1-W_3 cross block involves W_2), while F* has the W_L block
    -Σ_yy ⊗ M, M = I + Σ_{l=2}^{L-1} W_{L-1:l} W_{L-1:l}^T, so λ_min(F*) <= -λ_max(Σ_yy)."""
    ns = _check_widths(widths)
    scale = positive_scalar("scale", scale, allow_zero=True)
    rng = np.random.default_rng(_seed(seed))
    L = len(ns) - 1
    ws = [np.zeros((ns[l + 1], ns[l])) for l in range(L)]
    ws[L - 2] = scale * rng.standard_normal((ns[L - 1], ns[L - 2]))
    return ws


# ----------------------------------------------------------------------------- explorers' setups
#: which two weights of a scalar chain span a 2-D slice (``slice_pair``)
SLICE_PAIRS = ("last two", "first two", "first and last")
#: the zero-rank saddles of ``saddle_weights``
SADDLE_POINTS = ("origin", "other zero-rank saddle")


def slice_pair(depth: int, pair: str) -> tuple[int, int]:
    """1-based layer indices (a, b) of the two weights spanning a slice of a chain of
    ``depth`` weights: 'last two' (L−1, L), 'first two' (1, 2), 'first and last' (1, L)."""
    L = integer_in_range("depth", depth, 2, _MAX_LAYERS)
    choice("pair", pair, SLICE_PAIRS)
    return {"last two": (L - 1, L), "first two": (1, 2), "first and last": (1, L)}[pair]


def random_scalar_chain(depth: int, scale: float, seed: int) -> np.ndarray:
    """The paper's initialisation w_l ~ N(0, scale²) of a scalar chain of ``depth`` weights
    (the same numbers as ``init_weights([1] * (depth + 1), scale, seed)``)."""
    depth = integer_in_range("depth", depth, 2, _MAX_LAYERS)
    return np.array([float(w[0, 0]) for w in init_weights([1] * (depth + 1), scale, seed)])


def network_widths(hidden: int, width: int, dim: int) -> list[int]:
    """Layer sizes (d, n, ..., n, d) of a network with ``hidden`` hidden layers of ``width``
    units and input = output dimension ``dim``."""
    hidden = integer_in_range("hidden", hidden, 1, _MAX_LAYERS - 1)
    width = integer_in_range("width", width, 1, 100_000)
    dim = integer_in_range("dim", dim, 1, 100_000)
    return [dim] + [width] * hidden + [dim]


def saddle_weights(widths, point: str = "origin", *, scale: float = 1.0,
                   seed: int = 0) -> list:
    """Weights at a zero-rank saddle (W_{L:1} = 0): the origin (all W_l = 0) or the other
    zero-rank saddle of ``zero_rank_saddle_weights`` (all zero except W_{L−1} ~ N(0, scale²)),
    which is a critical point only for H ≥ 2 hidden layers."""
    ns = _check_widths(widths)
    choice("point", point, SADDLE_POINTS)
    if point == "origin":
        return [np.zeros((ns[l + 1], ns[l])) for l in range(len(ns) - 1)]
    if len(ns) - 1 < 3:
        raise ValueError("the other zero-rank saddle (all weights zero except W_{L−1}) "
                         "needs H ≥ 2 hidden layers: with H = 1 it is not a critical "
                         "point. Choose H ≥ 2 or the origin")
    return zero_rank_saddle_weights(ns, scale=scale, seed=seed)


def saddle_hessian_theory(weights, X, Y, *, objective: str = "energy") -> np.ndarray:
    """Exact Hessian at a zero-rank saddle of ``saddle_weights``: ``origin_hessian_theory``
    where every weight is zero, else ``zero_rank_saddle_hessian_theory``."""
    ws = _check_weights(weights)
    if all(not np.any(w) for w in ws):
        widths = [ws[0].shape[1]] + [w.shape[0] for w in ws]
        return origin_hessian_theory(widths, X, Y, objective=objective)
    return zero_rank_saddle_hessian_theory(ws, X, Y, objective=objective)


def classify_origin(widths, X, Y) -> dict:
    """{'mse': CriticalPoint, 'energy': CriticalPoint}: the origin classified from its exact
    Hessians (``origin_hessian_theory``); the origin is not a minimum (L(0) > 0 unless Y = 0),
    so a zero Hessian means a non-strict saddle."""
    return {obj: classify_critical_point(origin_hessian_theory(widths, X, Y, objective=obj),
                                         is_minimum=False) for obj in _OBJECTIVES}


def describe_saddles(energy: CriticalPoint, mse: CriticalPoint) -> str:
    """One line: 'strict saddle of F*, λ_min = -1.02; non-strict saddle of the MSE
    (Hessian = 0)' for a critical point classified for F* and for the MSE."""
    for name, cp in (("energy", energy), ("mse", mse)):
        if not isinstance(cp, CriticalPoint):
            raise ValueError(f"{name} must be a CriticalPoint (from classify_critical_point), "
                             f"got {type(cp).__name__}")
    e = f"{energy.kind} of F*, λ_min = {energy.lambda_min:.3g}"
    if mse.kind == "non-strict saddle" and mse.n_positive == 0:
        m = "non-strict saddle of the MSE (Hessian = 0)"
    else:
        m = f"{mse.kind} of the MSE, λ_min = {mse.lambda_min:.3g}"
    return f"{e}; {m}"


def describe_escape(name: str, result: TrainingResult, threshold: float) -> str:
    """One line on a run: diverged (at which step), escaped (``steps_to_escape``) or still on
    the plateau after its last step."""
    t = steps_to_escape(result, threshold)
    if result.diverged:
        return f"{name} diverged at step {len(result.losses)} (lower the learning rate)"
    if t is not None:
        return f"{name} escapes at step {t}"
    return (f"{name} still on the plateau after {len(result.losses) - 1} steps "
            f"(MSE {result.losses[-1]:.3g})")


# ----------------------------------------------------------------------------- the H = 2 chain in 3-D
def chain_minimum_product(X, Y) -> float:
    """The product p* = w_L ⋯ w_1 at the MSE minima of a scalar chain: the MSE
    ½(σ_yy − 2p σ_xy + p² σ_xx) is least at p* = σ_xy / σ_xx (p* = −1 for the toy task
    y = −x), so the minima form the manifold w_1 w_2 ⋯ w_L = p* (where F* is least too)."""
    X, Y = _check_xy(X, Y, 1, 1, source="a scalar chain", target="a scalar chain")
    sxx = float(np.sum(X * X))
    if sxx == 0.0:
        raise ValueError("the inputs are all zero: every product fits equally well")
    return float(np.sum(X * Y)) / sxx


def chain_minimum_curves(p_star: float, extent: float, n: int = 9, points: int = 121) -> list:
    """The surface w_1 w_2 w_3 = p* inside the cube [−extent, extent]³, as curves (arrays of
    shape (k, 3)): for each of n values of w_1 (and of w_2) a curve along the other weight,
    w_3 = p* / (w_1 w_2), cut where it leaves the cube — a wireframe of the minimum manifold."""
    p_star = finite_scalar("p_star", p_star, limit=1e50)
    extent = positive_scalar("extent", extent)
    if not 1e-50 <= extent <= 1e50:      # so that p* / (w_1 w_2) cannot overflow
        raise ValueError(f"extent must be between 1e-50 and 1e50, got {extent:g}")
    n = integer_in_range("n", n, 1, 100)
    points = integer_in_range("points", points, 2, 10_000)
    fixed = np.linspace(-extent, extent, 2 * n + 1)[1::2]      # n values, none of them 0
    run = np.linspace(-extent, extent, points)
    curves = []
    for c in fixed:
        for first in (True, False):
            with np.errstate(divide="ignore", invalid="ignore"):
                w3 = p_star / (c * run)
            inside = np.isfinite(w3) & (np.abs(w3) <= extent)
            # contiguous pieces inside the cube
            edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
            for lo, hi in zip(edges[::2], edges[1::2]):
                if hi - lo < 2:
                    continue
                seg = run[lo:hi]
                cols = (np.full_like(seg, c), seg) if first else (seg, np.full_like(seg, c))
                curves.append(np.column_stack([*cols, w3[lo:hi]]))
    return curves


# ----------------------------------------------------------------------------- runs trained at once
def _stacked_mse_grad(Ws, X, Y):
    """``_mse_grad`` of a stack of networks (weights stacked on a leading axis), operation for
    operation: the same numbers for each network as ``_mse_grad`` on its own."""
    hs = [X]
    for W in Ws:
        hs.append(W @ hs[-1])
    delta = -(Y - hs[-1]) / X.shape[-1]
    grads = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        grads[l] = delta @ hs[l].swapaxes(-1, -2)
        if l:
            delta = Ws[l].swapaxes(1, 2) @ delta
    return grads


def _stacked_pc_grad(Ws, X, Y, k, dt):
    """``_pc_grad`` at the inferred activities (``_stacked_pc_activities``: the equilibrium,
    or k Euler steps) of a stack of networks, operation for operation."""
    zs = _stacked_pc_activities(Ws, X, Y, k, dt)
    full = [X, *zs, Y]
    B = X.shape[-1]
    return [-((full[l + 1] - Ws[l] @ full[l]) @ full[l].swapaxes(-1, -2)) / B
            for l in range(len(Ws))]


def _per_run(values, S, name, check):
    """A per-run list of S values from one value or a sequence of S."""
    if isinstance(values, (list, tuple, np.ndarray)):
        if len(values) != S:
            raise ValueError(f"{name} needs one value per run ({S}), got {len(values)}")
        return [check(v) for v in values]
    return [check(values)] * S


def train_runs(starts, data, *, methods, lr: float = 0.4, n_steps=100, inference="exact",
               dt: float = 0.1, stop_below=None, offsets=None) -> list:
    """S gradient-descent runs of networks of one shape, trained at once (the weights stacked
    on a leading axis, every step one pass of batched products for all of them): run i is,
    number for number, ``train(starts[i], X, Y, method=methods[i], n_steps=n_steps[i],
    record_weights=True, on_divergence='stop', stop_below=stop_below[i])`` (fixed batch,
    ``data`` = (X, Y)), or ``train_minibatch`` on the batches offsets[i], offsets[i] + 1, ...
    of a stream ``data`` = (Xs, Ys) of shape (n + 1, d, B). ``n_steps``, ``stop_below`` and
    ``offsets``: one value for all runs or one per run. Returns the S TrainingResults."""
    if isinstance(starts, (str, bytes, np.ndarray)) or not hasattr(starts, "__len__") \
            or not len(starts):
        raise ValueError("starts must be a non-empty list of weight lists [W_1, ..., W_L]")
    starts = [_check_weights(st) for st in starts]
    S = len(starts)
    if S > 200 or any([w.shape for w in st] != [w.shape for w in starts[0]] for st in starts):
        raise ValueError("starts must be at most 200 weight lists of the same shapes")
    if isinstance(methods, str):
        methods = [methods] * S
    if not isinstance(methods, (list, tuple, np.ndarray)):
        raise ValueError(f"methods must be 'bp', 'pc' or a list of them (one per run), got "
                         f"{methods!r}")
    methods = _per_run(list(methods), S, "methods",
                       lambda m: choice("method", m, ("bp", "pc")))
    lr = positive_scalar("lr", lr)
    dt = positive_scalar("dt", dt)
    k = _inference_steps(inference)
    n_steps = _per_run(n_steps, S, "n_steps",
                       lambda n: integer_in_range("n_steps", n, 0, 1_000_000))
    stop_below = _per_run(stop_below, S, "stop_below",
                          lambda s: None if s is None else finite_scalar("stop_below", s))
    X, Y = _data_pair(data)
    stream = X.ndim == 3
    if stream:
        offsets = _per_run(0 if offsets is None else offsets, S, "offsets",
                           lambda o: integer_in_range("offset", o, 0, X.shape[0] - 1))
        if X.shape != Y.shape:
            raise ValueError(f"Xs and Ys must have one shape, got {X.shape} and {Y.shape}")
        if any(o + n >= X.shape[0] for o, n in zip(offsets, n_steps)):
            raise ValueError(f"this stream holds {X.shape[0] - 1} steps: a run goes past it")
        _check(starts[0], X[0], Y[0])
    else:
        X, Y = _check(starts[0], X, Y)[1:]
    if k is not None and k * max(n_steps) * S > 50_000_000:
        raise ValueError("that many runs, steps and inference steps is too much work")
    # bp runs first, then pc runs: each method's gradient is one pass over its slice
    order = sorted(range(S), key=lambda i: methods[i] == "pc")
    n_bp = sum(m == "bp" for m in methods)
    T = max(n_steps)
    n_run = np.array([n_steps[i] for i in order])
    stop = np.array([-np.inf if stop_below[i] is None else stop_below[i] for i in order])
    Ws = [np.stack([starts[i][l] for i in order]) for l in range(len(starts[0]))]
    traj = [np.empty((T + 1, *W.shape)) for W in Ws]
    for tr, W in zip(traj, Ws):
        tr[0] = W
    rec = {q: np.empty((T + 1, S)) for q in ("loss", "energy", "norm")}
    length = np.zeros(S, int)          # steps recorded per run
    alive = np.ones(S, bool)
    diverged = np.zeros(S, bool)
    offs = np.array([offsets[i] for i in order]) if stream else None
    with np.errstate(**_quiet):
        for t in range(T + 1):
            if stream:       # (a run that stopped reads any batch: it is ignored)
                at = np.minimum(offs + t, X.shape[0] - 1)
                Xt, Yt = X[at], Y[at]
            else:
                Xt, Yt = X, Y
            B = Xt.shape[-1]
            P = Ws[0]
            for W in Ws[1:]:
                P = W @ P
            R = Yt - P @ Xt
            loss = np.sum((R * R).reshape(S, -1), axis=1) / (2 * B)
            ok = np.isfinite(loss)
            for W in Ws:
                ok &= np.all(np.abs(W) < 1e100, axis=(1, 2))
            Sm, Pt = _eye(R.shape[1]), None
            for W in reversed(Ws[1:]):                   # S = I + Σ W_{L:l} W_{L:l}^T
                Pt = W if Pt is None else Pt @ W
                Sm = Sm + Pt @ Pt.swapaxes(1, 2)
            ok &= np.all(np.isfinite(Sm), axis=(1, 2))
            every = bool(ok.all())
            try:
                if every:
                    Z = np.linalg.solve(Sm, R)
                    energy = np.sum((R * Z).reshape(S, -1), axis=1) / (2 * B)
                else:
                    energy = np.full(S, np.nan)
                    if ok.any():         # (every run diverged at once: none to solve)
                        energy[ok] = np.sum((R[ok] * np.linalg.solve(Sm[ok], R[ok])).reshape(
                            int(ok.sum()), -1), axis=1) / (2 * B)
            except np.linalg.LinAlgError:
                energy = np.full(S, np.nan)
                for i in np.flatnonzero(ok):
                    try:
                        energy[i] = np.sum(R[i] * np.linalg.solve(Sm[i], R[i])) / (2 * B)
                    except np.linalg.LinAlgError:
                        ok[i] = False
            parts = []
            for lo, hi, method in ((0, n_bp, "bp"), (n_bp, S, "pc")):
                if hi == lo:
                    continue
                Wm = [W[lo:hi] for W in Ws] if hi - lo < S else Ws
                Xm, Ym = (Xt[lo:hi], Yt[lo:hi]) if stream else (Xt, Yt)
                try:
                    g = (_stacked_mse_grad(Wm, Xm, Ym) if method == "bp"
                         else _stacked_pc_grad(Wm, Xm, Ym, k, dt))
                except np.linalg.LinAlgError:      # run by run: a singular one diverged
                    g = [np.full_like(W, np.nan) for W in Wm]
                    for j in range(hi - lo):
                        one = [W[j:j + 1] for W in Wm]
                        xj, yj = (Xm[j:j + 1], Ym[j:j + 1]) if stream else (Xm, Ym)
                        try:
                            gj = (_stacked_mse_grad(one, xj, yj) if method == "bp"
                                  else _stacked_pc_grad(one, xj, yj, k, dt))
                        except np.linalg.LinAlgError:
                            ok[lo + j] = False
                            continue
                        for gl, gjl in zip(g, gj):
                            gl[j] = gjl[0]
                parts.append(g)
            grads = parts[0] if len(parts) == 1 else [np.concatenate(gs) for gs in zip(*parts)]
            norm = np.zeros(S)
            for gl in grads:
                norm = norm + np.sum((gl * gl).reshape(S, -1), axis=1)
            norm = np.sqrt(norm)
            ok &= np.isfinite(energy) & np.isfinite(norm)
            bad = alive & ~ok
            if t == 0 and bad.any():
                raise ValueError("the initial weights are too large: the loss, energy or "
                                 "gradient overflows before training starts")
            diverged |= bad
            alive &= ok
            rec["loss"][t], rec["energy"][t], rec["norm"][t] = loss, energy, norm
            length[alive] = t + 1
            alive &= (t < n_run) & (loss > stop)
            if not alive.any():
                break
            # the runs that stopped rest at zero (ignored from now on)
            if alive.all():
                Ws = [W - lr * g for W, g in zip(Ws, grads)]
            else:
                Ws = [np.where(alive[:, None, None], W - lr * g, 0.0) for W, g in zip(Ws, grads)]
            for tr, W in zip(traj, Ws):
                tr[t + 1] = W
    out = [None] * S
    for j, i in enumerate(order):
        n = length[j]
        tj = tuple(np.ascontiguousarray(tr[:n, j]) for tr in traj)
        out[i] = TrainingResult(rec["loss"][:n, j].copy(), rec["energy"][:n, j].copy(),
                                rec["norm"][:n, j].copy(), tuple(x[-1].copy() for x in tj),
                                tj, bool(diverged[j]), methods[i], lr,
                                "exact" if k is None else k)
    return out


class DepthSweep:
    """Steps to escape of backprop and PC from one start per depth (starts of one width and one
    input / output dimension), each run trained only until it escapes; ``escapes(n)`` for a
    longer horizon continues the runs still on the plateau. Backprop trains every depth in
    one loop: a shallower network is padded with identity layers after W_1 that are never
    trained (I h = h and Iᵀ δ = δ exactly, so each network's numbers are its own); PC (its
    inference couples every layer) trains depth by depth. ``data``: (X, Y), one batch, or
    (Xs, Ys) of shape (S, n + 1, d, B), each start's batches (horizons up to n). The same
    numbers as ``seed_escape_steps`` run by run."""

    def __init__(self, starts, data, *, lr: float, threshold: float, inference="exact",
                 dt: float = 0.1):
        if isinstance(starts, (str, bytes, np.ndarray)) or not hasattr(starts, "__len__") \
                or not len(starts):
            raise ValueError("starts must be a non-empty list of weight lists [W_1, ..., W_L]")
        starts = [_check_weights(st) for st in starts]
        first, last = starts[0][0].shape, starts[0][-1].shape
        if (len(starts) > 100
                or any(st[0].shape != first or st[-1].shape != last for st in starts)
                or any(w.shape != (first[0], first[0]) for st in starts for w in st[1:-1])):
            raise ValueError("starts must be at most 100 networks of one width and one input "
                             "/ output dimension")
        self.lr = positive_scalar("lr", lr)
        self.threshold = finite_scalar("threshold", threshold)
        self.dt = positive_scalar("dt", dt)
        self.k = _inference_steps(inference)
        X, Y = _data_pair(data)
        S = len(starts)
        self.stream = X.ndim == 4
        if self.stream and (X.shape != Y.shape or X.shape[0] != S or X.shape[1] == 0):
            raise ValueError(f"Xs and Ys must have shape (S = {S}, n + 1, d, B), got "
                             f"{X.shape} and {Y.shape}")
        _check(starts[0], X[0, 0] if self.stream else X, Y[0, 0] if self.stream else Y)
        self.data, self.S = (X, Y), S
        self.out = {"bp": [None] * S, "pc": [None] * S}
        # backprop: every depth at once, padded to the deepest with identities after W_1
        L, n = max(len(st) for st in starts), first[0]
        pads = [L - len(st) for st in starts]
        Ws, trained = [], []
        for l in range(L):
            if l in (0, L - 1):
                Ws.append(np.stack([st[0] if l == 0 else st[-1] for st in starts]))
                trained.append(np.ones(S, bool))
            else:     # slot l holds W_{l - pad + 1} of a network with pad identity slots
                Ws.append(np.stack([np.eye(n) if l <= p else st[l - p]
                                    for st, p in zip(starts, pads)]))
                trained.append(np.array([l > p for p in pads]))
        # groups: (method, run indices, weights, alive, trained); each continues from done
        self.groups = [["bp", list(range(S)), Ws, np.ones(S, bool), trained]]
        for depth in sorted({len(st) for st in starts}):
            idx = [i for i, st in enumerate(starts) if len(st) == depth]
            self.groups.append(["pc", idx, [np.stack([starts[i][l] for i in idx])
                                            for l in range(depth)],
                                np.ones(len(idx), bool), None])
        self.done = -1            # the last step evaluated

    def escapes(self, n_steps: int) -> dict:
        """{'bp': [...], 'pc': [...]}: steps to escape within n_steps (None if not, or if the
        run diverged first), per start."""
        n_steps = integer_in_range("n_steps", n_steps, 0, 100_000)
        X, Y = self.data
        if self.stream and n_steps >= X.shape[1]:
            raise ValueError(f"the batches hold {X.shape[1] - 1} steps, not {n_steps}")
        if n_steps > self.done:
            for g in self.groups:
                method, idx, Ws, alive, trained = g
                if not alive.any():
                    continue
                data = (X[idx], Y[idx]) if self.stream else (X, Y)
                found = [self.out[method][i] for i in idx]
                g[2], g[3] = _escape_loop(Ws, data, max(self.done, 0), n_steps, found, alive,
                                          method=method, lr=self.lr, k=self.k, dt=self.dt,
                                          threshold=self.threshold, trained=trained)
                for i, t in zip(idx, found):
                    self.out[method][i] = t
            self.done = n_steps
        return {m: [t if t is not None and t <= n_steps else None for t in ts]
                for m, ts in self.out.items()}


def depth_sweep_escapes(starts, data, *, lr: float, n_steps: int, threshold: float,
                        inference="exact", dt: float = 0.1) -> dict:
    """{'bp': [...], 'pc': [...]}: steps to escape within n_steps of backprop and PC from
    each start (``DepthSweep``: starts of different depths, one width and one input / output
    dimension); the same numbers as ``seed_escape_steps`` run by run."""
    return DepthSweep(starts, data, lr=lr, threshold=threshold, inference=inference,
                      dt=dt).escapes(n_steps)
