"""Saddle-to-saddle matrix completion with deep linear networks: backprop against PC.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024), Fig. 6, and the authors' notebook: a 10 x 10
target T = A B (A: 10 x 3, B: 3 x 10, entries N(0, 1)), some entries masked.

Conventions (those of ``predictive_coding``: samples are columns)
-----------------------------------------------------------------
- inputs 'identity' (default): X = I, Y = T, Ω = mask (1 where an entry is observed), so the
  end-to-end matrix W_{L:1} is the completed matrix (deep matrix factorisation);
  inputs 'masked target' (the authors' notebook, which feeds the masked rows):
  X = (Ω ⊙ Y), Y = Tᵀ, Ω = maskᵀ. Weights W_1..W_L, W_l of shape (n_l, n_{l-1}),
  n_0 = n_L = d.
- The loss is the authors' (``torch.nn.MSELoss`` of the masked output), a mean over all
  B·d entries with the masked ones counted as zero, no ½:
  L(W) = c Σ_i ||D_i (y_i - W_{L:1} x_i)||²,  c = 1/(B d),  D_i = diag(Ω[:, i]).
- The masked equilibrated energy, on the same scale (so F* = L where S = I):
  F*(W) = c Σ_i r_iᵀ (S_{O_i O_i})⁻¹ r_i,  r_i = D_i (y_i - W_{L:1} x_i) restricted to the
  observed outputs O_i of sample i,  S = I + Σ_{l=2}^{L} W_{L:l} W_{L:l}ᵀ.
  Why: the PC energy whose output term counts only the observed outputs,
  E(W, z) = c Σ_i [Σ_{l<L} ||z_{i,l} - W_l z_{i,l-1}||² + ||D_i (y_i - W_L z_{i,L-1})||²],
  is (up to constants) minus the log-likelihood of a linear Gaussian chain with unit noise,
  where the unobserved outputs are not clamped (their error is free and vanishes at the
  equilibrium). Minimising over the hidden activities leaves the Mahalanobis distance of
  the observed outputs under their marginal covariance, the sub-matrix S_{OO} of S. With
  nothing masked this is 2/d times ``predictive_coding.equilibrated_energy``.
  Computed without sub-matrices: (S_{OO})⁻¹ padded with zeros = D (D S D + I - D)⁻¹ D.

Everything is pure numpy; bad input raises ValueError naming the argument.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from . import predictive_coding as pc
from ._validation import choice, finite_array, finite_scalar, integer_in_range, positive_scalar

__all__ = [
    "MatrixCompletionTask", "CompletionRun", "STARTS", "METHODS", "LOSS_TOL",
    "make_task", "network_widths", "masked_loss", "masked_energy", "masked_loss_gradient",
    "masked_energy_gradient", "equilibrium_energy_by_solve", "best_rank_fit",
    "balanced_weights", "start_weights", "train", "train_methods", "train_bp_and_pc",
    "iterations_to",
    "plateau_losses", "check_work", "INPUTS", "PAPER", "WIDTH", "INIT_SCALE", "LR",
    "BP_ITERS", "PC_ITERS", "numerical_hessian", "saddle_weights", "loss_rises",
]

#: the starts of Fig. 6: near the origin, or near a rank-1 / rank-2 saddle of the loss
STARTS = ("origin", "rank-1 saddle", "rank-2 saddle")
METHODS = ("bp", "pc")
#: the network's inputs: the identity (W_{L:1} is the completed matrix, as in deep matrix
#: factorisation) or the masked target's rows (the authors' notebook)
INPUTS = ("identity", "masked target")
#: the authors stop training at this loss
LOSS_TOL = 1e-2
#: bound on the work of one training: iterations × (multiply-adds of one iteration)
MAX_WORK = 1e10
#: the authors' settings of Fig. 6 (pc-saddles notebook): input = the masked target
PAPER = {"hidden": 3, "width": 100, "init_scale": 5e-3, "lr": 1e-2, "n_masked": 20,
         "inputs": "masked target"}
#: the scaled-down settings of the explorer: the same staircase in ~2k instead of ~25k
#: iterations (width 20: a full precompute of both trainings takes well under a second)
WIDTH, INIT_SCALE, LR = 20, 0.03, 0.5
#: iteration caps of the explorer's trainings (BP needs ~1.9k at the defaults, PC ~0.5k);
#: while a slider is dragged the explorer trains to a tenth of them (COARSE_FRACTION)
COARSE_FRACTION = 0.1
BP_ITERS, PC_ITERS = 2500, 1000
_quiet = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


# ----------------------------------------------------------------------------- the task
@dataclass(frozen=True, eq=False)   # not slots: _masks is cached on the instance
class MatrixCompletionTask:
    """A target T (d x d) of rank ``rank``, its mask (True = observed) and the network data
    (module doc): X, Y, omega (Ω as floats) and c = 1/(B d)."""

    target: np.ndarray
    mask: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    omega: np.ndarray
    rank: int
    n_masked: int
    seed: int
    inputs: str

    @property
    def size(self) -> int:
        return self.target.shape[0]

    @property
    def c(self) -> float:
        return 1.0 / self.Y.size

    @functools.cached_property
    def _masks(self):
        """(ω_i ω_iᵀ, diag(1 - ω_i)) for every sample i: arrays of shape (B, d, d)."""
        om = self.omega.T
        free = np.einsum("bi,ij->bij", 1 - om, np.eye(self.size))
        return om[:, :, None] * om[:, None, :], free

    @property
    def _whitened(self):
        """X = U_x diag(s_x) V_xᵀ, thin, the singular values above 1e-10 s_max only."""
        U, s, Vt = np.linalg.svd(self.X, full_matrices=False)
        keep = s > 1e-10 * s[0]
        return U[:, keep], s[keep], Vt[keep]


def make_task(n_masked: int = 20, seed: int = 0, *, size: int = 10, rank: int = 3,
              inputs: str = "identity") -> MatrixCompletionTask:
    """T = A B with A (size x rank), B (rank x size) entrywise N(0, 1), as the authors; then
    exactly ``n_masked`` entries, drawn without replacement, are masked (the authors mask
    each entry with probability 0.2: 20 of 100 on average). Seeded by ``seed``."""
    size = integer_in_range("size", size, 2, 50)
    rank = integer_in_range("rank", rank, 1, size)
    n_masked = integer_in_range("n_masked (number of masked entries)", n_masked, 0,
                                size * size - size)
    seed = integer_in_range("seed", seed, 0, None)
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((size, rank)) @ rng.standard_normal((rank, size))
    mask = np.ones(size * size, dtype=bool)
    mask[rng.permutation(size * size)[:n_masked]] = False
    mask = mask.reshape(size, size)
    choice("inputs", inputs, INPUTS)
    if inputs == "identity":
        Y, omega = T.copy(), mask.astype(float)
        X = np.eye(size)
    else:
        Y, omega = T.T.copy(), mask.T.astype(float)
        X = omega * Y
    return MatrixCompletionTask(T, mask, X, Y, omega, rank, n_masked, seed, inputs)


def network_widths(task: MatrixCompletionTask, hidden: int, width: int) -> list[int]:
    """(d, n, ..., n, d): ``hidden`` hidden layers of ``width`` units."""
    return pc.network_widths(hidden, width, _task(task).size)


def _task(task) -> MatrixCompletionTask:
    if not isinstance(task, MatrixCompletionTask):
        raise ValueError("task must be the MatrixCompletionTask of make_task(...)")
    return task


def _weights(weights, task):
    ws = pc._check_weights(weights)
    d = task.size
    if ws[0].shape[1] != d or ws[-1].shape[0] != d:
        raise ValueError(f"the network must map {d} inputs to {d} outputs: W_1 has "
                         f"{ws[0].shape[1]} columns and W_L {ws[-1].shape[0]} rows")
    return ws


# ----------------------------------------------------------------------------- the maths
def _forward(ws, X):
    """[X, W_1 X, W_{2:1} X, ..., W_{L:1} X]."""
    hs = [X]
    for W in ws:
        hs.append(W @ hs[-1])
    return hs


def _from_top(ws):
    """[W_{L:2}, W_{L:3}, ..., W_{L:L}] (so out[k - 2] = W_{L:k})."""
    return pc._products_from_top(ws)[::-1]


def _masked_solve(S, E, task):
    """Z with z_i = (S_{O_i O_i})⁻¹ r_i padded with zeros, for e_i = D_i r_i:
    z_i = (D_i S D_i + I - D_i)⁻¹ e_i (the matrix is block diag(S_OO, I))."""
    outer, free = task._masks
    K = S * outer
    K += free
    return np.linalg.solve(K, E.T[:, :, None])[:, :, 0].T


def _evaluate(ws, task, method, need_grad=True, scale=1.0):
    """(loss, energy or None, ``scale`` × gradients or None) at ``ws``.

    ∂/∂W_k = -2c W_{L:k+1}ᵀ (Z H_{k-1}ᵀ + [PC, k >= 2] Q A_k), H_{k-1} = W_{k-1:1} X,
    BP: Z = Ω ⊙ (Y - W_{L:1} X). PC: Z as in ``_masked_solve``, Q = Z Zᵀ,
    A_2 = W_{L:2}, A_{k+1} = W_{L:k+1} + A_k W_kᵀ  (A_k = Σ_{l=2}^{k} W_{L:l} W_{k-1:l}ᵀ:
    the derivative of tr(Q S) along W_k is 2 W_{L:k+1}ᵀ Q A_k)."""
    X, Y, omega, c = task.X, task.Y, task.omega, task.c
    hs = _forward(ws, X)
    E = omega * (Y - hs[-1])
    loss = c * float(np.vdot(E, E))
    L = len(ws)
    if method == "bp":
        if not need_grad:
            return loss, None, None
        grads = [None] * L
        D = (-2 * c * scale) * E            # backprop: D_k = W_{L:k+1}ᵀ (-2c E)
        for k in range(L - 1, -1, -1):
            grads[k] = D @ hs[k].T
            if k:
                D = ws[k].T @ D
        return loss, None, grads
    top = _from_top(ws)
    F = np.hstack(top) if len(top) > 1 else top[0]
    S = F @ F.T                             # Σ_{l>=2} W_{L:l} W_{L:l}ᵀ, then + I
    S.flat[::task.size + 1] += 1.0
    Z = _masked_solve(S, E, task)
    energy = c * float(np.vdot(E, Z))
    if not need_grad:
        return loss, energy, None
    grads = [None] * L
    A = None
    Q = Z @ Z.T
    for k in range(1, L + 1):               # layer k = 1..L is ws[k - 1]; top[k - 1] = W_{L:k+1}
        M = Z @ hs[k - 1].T
        if k >= 2:
            A = top[0] if k == 2 else top[k - 2] + A @ ws[k - 2].T
            M = M + Q @ A
        grads[k - 1] = (-2 * c * scale) * (M if k == L else top[k - 1].T @ M)
    return loss, energy, grads


def _public(weights, task, method, part, what, need_grad=True):
    """Part ``part`` (0 loss, 1 energy, 2 gradients) of ``_evaluate``, checked finite."""
    task = _task(task)
    ws = _weights(weights, task)
    with np.errstate(**_quiet):
        value = _evaluate(ws, task, method, need_grad=need_grad)[part]
    return pc._finite(value, what)


def masked_loss(weights, task) -> float:
    """L(W) = c Σ_i ||D_i (y_i - W_{L:1} x_i)||²,  c = 1/(B d)  (the authors' masked MSE)."""
    return _public(weights, task, "bp", 0, "the masked loss", need_grad=False)


def masked_energy(weights, task) -> float:
    """F*(W) = c Σ_i r_iᵀ (S_{O_i O_i})⁻¹ r_i (the masked equilibrated energy, module doc)."""
    return _public(weights, task, "pc", 1, "the masked equilibrated energy", need_grad=False)


def masked_loss_gradient(weights, task) -> tuple:
    """∂L/∂W_k = -2c W_{L:k+1}ᵀ (Ω ⊙ R) Xᵀ W_{k-1:1}ᵀ,  R = Y - W_{L:1} X."""
    return tuple(_public(weights, task, "bp", 2, "the masked loss gradient"))


def masked_energy_gradient(weights, task) -> tuple:
    """∇F*: ∂F*/∂W_k = -2c W_{L:k+1}ᵀ (Z H_{k-1}ᵀ + Q A_k), see ``_evaluate``."""
    return tuple(_public(weights, task, "pc", 2, "the masked energy gradient"))


def equilibrium_energy_by_solve(weights, task) -> float:
    """The masked PC energy at its inference equilibrium, found as the authors' inference
    does but exactly:
    E(W, z) = c Σ_i [Σ_{l<L} ||z_l - W_l z_{l-1}||² + ||D_i (y_i - W_L z_{L-1})||²]
    is quadratic in the hidden activities; one linear solve per sample (block tridiagonal
    Hessian, last block I + W_Lᵀ D_i W_L) gives its minimum. An independent check of F*."""
    task = _task(task)
    ws = _weights(weights, task)
    sizes = [W.shape[0] for W in ws[:-1]]
    if sum(sizes) > 2000:
        raise ValueError(f"the activity solve is limited to 2000 hidden units, got {sum(sizes)}")
    offs = np.concatenate([[0], np.cumsum(sizes)])
    total = 0.0
    for i in range(task.Y.shape[1]):
        x, y, D = task.X[:, i], task.Y[:, i], np.diag(task.omega[:, i])
        A = np.zeros((offs[-1], offs[-1]))
        b = np.zeros(offs[-1])
        for l in range(len(sizes)):
            s = slice(offs[l], offs[l + 1])
            nxt = D if l + 1 == len(sizes) else np.eye(ws[l + 1].shape[0])
            A[s, s] = np.eye(sizes[l]) + ws[l + 1].T @ nxt @ ws[l + 1]
            if l + 1 < len(sizes):
                t = slice(offs[l + 1], offs[l + 2])
                A[s, t] = -ws[l + 1].T
                A[t, s] = -ws[l + 1]
        b[offs[0]:offs[1]] += ws[0] @ x
        b[offs[-2]:offs[-1]] += ws[-1].T @ D @ y
        z = np.linalg.solve(A, b)
        full = [x] + [z[offs[l]:offs[l + 1]] for l in range(len(sizes))]
        errs = [full[l + 1] - ws[l] @ full[l] for l in range(len(sizes))]
        out = D @ (y - ws[-1] @ full[-1])
        total += sum(float(e @ e) for e in errs) + float(out @ out)
    return task.c * total


# ----------------------------------------------------------------------------- saddles
def _als(task, rank, H, iters, tol):
    """Alternating least squares for a rank-k completion Ŷ = W X = A H V_xᵀ, X = U_x S_x V_xᵀ
    (thin SVD, rank r; A: d x k, H: k x r), mapped back to W = A H S_x⁻¹ U_xᵀ. Each half-step
    is an exact weighted least squares: the rows of A one by one, then H (column by column
    when r = B, as V_x is then square and H V_xᵀ is free)."""
    Ux, sx, Vxt = task._whitened
    om, Y, c = task.omega, task.Y, task.c
    r, B = Vxt.shape
    k = rank
    eye = 1e-12 * np.eye(k)
    best = math.inf
    for _ in range(iters):
        F = H @ Vxt                                          # k x B: the completion's rows
        G = np.einsum("jb,kb,mb->jkm", om, F, F) + eye
        A = np.linalg.solve(G, np.einsum("jb,kb->jk", om * Y, F)[:, :, None])[:, :, 0]
        if r == B:                                           # H Vxᵀ free: column by column
            G = np.einsum("jk,jb,jm->bkm", A, om, A) + eye
            F = np.linalg.solve(G, np.einsum("jk,jb->bk", A, om * Y)[:, :, None])[:, :, 0].T
            H = F @ Vxt.T
        else:   # Σ_b (v_b v_bᵀ) ⊗ (Aᵀ D_b A) vec(H) = Σ_b vec(Aᵀ D_b y_b v_bᵀ)
            ADA = np.einsum("jk,jb,jm->bkm", A, om, A)
            N = np.einsum("pb,qb,bkm->qkpm", Vxt, Vxt, ADA).reshape(r * k, r * k)
            rhs = np.einsum("jk,jb,pb->pk", A, om * Y, Vxt).reshape(r * k)
            H = np.linalg.lstsq(N, rhs, rcond=None)[0].reshape(r, k).T
        loss = c * float(np.sum((om * (Y - A @ H @ Vxt)) ** 2))
        if math.isfinite(best) and best - loss <= tol * best:
            break
        best = loss
    return loss, (A @ H / sx) @ Ux.T


def best_rank_fit(task, rank: int, *, restarts: int = 0, iters: int = 5000,
                  tol: float = 1e-11, seed: int = 0) -> tuple[float, np.ndarray]:
    """(min loss, W) over end-to-end matrices W of rank <= ``rank``: the masked loss of the
    best rank-k fit, by alternating least squares on the completion W X (each half-step an
    exact weighted least squares), started from the top-k singular directions of the
    zero-filled target (mapped to X's row space) and from ``restarts`` random starts; the
    lowest kept. rank = 0 gives W = 0. At such a W = U Σ Vᵀ the gradient G of the loss
    w.r.t. W has Uᵀ G = 0 and G V = 0, so balanced weights with this product are a
    critical point (a saddle) of the network loss."""
    task = _task(task)
    rank = integer_in_range("rank", rank, 0, task.size)
    restarts = integer_in_range("restarts", restarts, 0, 100)
    iters = integer_in_range("iters", iters, 1, 100_000)
    tol = positive_scalar("tol", tol)
    Ux, sx, Vxt = task._whitened
    if rank == 0 or rank > len(sx):
        rank = min(rank, len(sx))
        if rank == 0:
            W = np.zeros((task.size, task.size))
            return masked_loss([W, np.eye(task.size)], task), W
    rng = np.random.default_rng(integer_in_range("seed", seed, 0, None))
    # the top-k right singular directions of the zero-filled target, in X's row space
    H0 = np.linalg.svd(task.omega * task.Y, full_matrices=False)[2][:rank] @ Vxt.T
    starts = [H0] + [rng.standard_normal((rank, len(sx))) for _ in range(restarts)]
    with np.errstate(**_quiet):
        fits = [_als(task, rank, H, iters, tol) for H in starts]
    loss, W = min(fits, key=lambda f: f[0])
    return float(loss), pc._finite(W, "the rank fit")


def balanced_weights(W, widths) -> list:
    """Balanced weights whose product is W = U diag(s) Vᵀ (rank k): W_1 = E_1 Σ^{1/L} Vᵀ,
    W_l = E_l Σ^{1/L} E_{l-1}ᵀ, W_L = U Σ^{1/L} E_{L-1}ᵀ, E_l = the first k columns of I_{n_l}
    (W_lᵀ W_l = W_{l-1} W_{l-1}ᵀ between hidden layers). Needs every hidden width >= k."""
    ns = pc._check_widths(widths)
    W = finite_array("W", W, ndim=2)
    if W.shape != (ns[-1], ns[0]):
        raise ValueError(f"W must have shape {(ns[-1], ns[0])}, got {W.shape}")
    U, s, Vt = np.linalg.svd(W)
    k = int(np.sum(s > 1e-12 * max(s[0], 1e-300)))
    if k > min(ns[1:-1]):
        raise ValueError(f"a rank-{k} product needs hidden layers of at least {k} units, "
                         f"got width {min(ns[1:-1])}")
    L = len(ns) - 1
    r = s[:k] ** (1.0 / L)
    ws = []
    for l in range(L):
        M = np.zeros((ns[l + 1], ns[l]))
        left = U[:, :k] if l == L - 1 else np.eye(ns[l + 1])[:, :k]
        right = Vt[:k] if l == 0 else np.eye(ns[l])[:k]
        M += (left * r) @ right
        ws.append(M)
    return ws


def start_weights(task, hidden: int = 3, width: int = WIDTH, start: str = "origin", *,
                  init_scale: float = INIT_SCALE, seed: int = 0, fit=None) -> list:
    """The shared start of BP and PC: W_l ~ N(0, σ²) ('origin', the paper's small
    initialisation), or the balanced weights of the best rank-1 / rank-2 fit (a saddle of the
    loss, ``best_rank_fit``; ``fit``: that product if computed already) plus the same
    N(0, σ²) noise."""
    task = _task(task)
    choice("start", start, STARTS)
    widths = network_widths(task, hidden, width)
    init_scale = positive_scalar("init_scale", finite_scalar("init_scale", init_scale, limit=1e100),
                                 allow_zero=True)
    noise = pc.init_weights(widths, init_scale, seed)
    if start == "origin":
        return noise
    W = best_rank_fit(task, STARTS.index(start))[1] if fit is None else fit
    return [a + b for a, b in zip(balanced_weights(W, widths), noise)]


def numerical_hessian(weights, task, objective: str = "loss", *, eps: float = 1e-5) -> np.ndarray:
    """Hessian of L ('loss') or F* ('energy') w.r.t. all weights (flattened as
    ``pc.flatten_weights``), by central differences of the exact gradient, symmetrised."""
    task = _task(task)
    ws = _weights(weights, task)
    choice("objective", objective, ("loss", "energy"))
    eps = positive_scalar("eps", eps)
    shapes = [w.shape for w in ws]
    theta = pc.flatten_weights(ws)
    if theta.size > 2000:
        raise ValueError(f"the numerical Hessian is limited to 2000 weights, got {theta.size}: "
                         "reduce the width or the number of hidden layers")
    method = "bp" if objective == "loss" else "pc"

    def grad(t):
        return np.concatenate([g.ravel() for g in
                               _evaluate(pc.unflatten_weights(t, shapes), task, method)[2]])
    with np.errstate(**_quiet):
        cols = [(grad(theta + e) - grad(theta - e)) / (2 * eps)
                for e in np.eye(theta.size) * eps]
    Hm = np.array(cols)
    return pc._finite(0.5 * (Hm + Hm.T), "the numerical Hessian")


def saddle_weights(task, hidden: int, width: int, rank: int) -> list:
    """The saddle of the loss at rank k exactly: all weights zero for k = 0, else the balanced
    weights of the best rank-k fit (``best_rank_fit``, ``balanced_weights``)."""
    widths = network_widths(task, hidden, width)
    rank = integer_in_range("rank", rank, 0, task.size)
    if rank == 0:
        return [np.zeros((widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    return balanced_weights(best_rank_fit(task, rank, tol=1e-15, iters=20000)[1], widths)


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True, eq=False)
class CompletionRun:
    """One training: ``losses[t]`` = L(W_t) for t = 0..n (n = ``iterations``),
    ``energies[t]`` = F*(W_t) (PC only, else None), ``singular_values[j]`` = the singular
    values of W_{L:1} at iteration ``sv_steps[j]`` (every ``stride`` iterations and the last),
    largest first; ``reached`` = the first t with L(W_t) <= stop_below (None if not);
    ``diverged``: the weights blew up (the run stops there)."""

    method: str
    losses: np.ndarray
    energies: np.ndarray | None
    sv_steps: np.ndarray
    singular_values: np.ndarray
    reached: int | None
    diverged: bool
    lr: float
    weights: tuple

    @property
    def iterations(self) -> int:
        return len(self.losses) - 1


def check_work(widths, n_iters: int, method: str = "bp") -> float:
    """Multiply-adds of ``n_iters`` iterations (about 4 Σ n_l n_{l-1} d per iteration, more
    for PC); a ValueError naming what to reduce when above ``MAX_WORK``."""
    ns = pc._check_widths(widths)
    n_iters = integer_in_range("n_iters", n_iters, 0, 10**12)
    choice("method", method, METHODS)
    d = ns[0]
    per = sum(a * b for a, b in zip(ns[1:], ns[:-1])) * d * (4 if method == "bp" else 6)
    work = float(per) * n_iters
    if work > MAX_WORK:
        raise ValueError(f"{n_iters} iterations at widths {ns[1:-1]} is too much work "
                         f"({work:.1e} > {MAX_WORK:.0e} multiply-adds): reduce max_iters, "
                         "the width or the number of hidden layers")
    return work


def train(weights0, task, *, method: str = "bp", lr: float = LR, max_iters: int = BP_ITERS,
          stop_below: float | None = LOSS_TOL, stride: int = 10) -> CompletionRun:
    """Full-batch gradient descent W <- W - lr ∇ on the masked loss ('bp') or on the masked
    equilibrated energy ('pc', exact inference), from ``weights0``, until L(W_t) <=
    ``stop_below`` or ``max_iters`` iterations. Singular values of W_{L:1} every ``stride``."""
    choice("method", method, METHODS)
    return train_methods(weights0, task, {method: max_iters}, lr=lr, stop_below=stop_below,
                         stride=stride)[method]


def train_methods(weights0, task, max_iters: dict, *, lr: float = LR,
                  stop_below: float | None = LOSS_TOL, stride: int = 10) -> dict:
    """{method: ``train(weights0, task, method=method, max_iters=n, ...)``} for each
    method: n in ``max_iters``, all from the same start, computed together: the methods'
    weights are stacked along a leading axis, so one numpy call serves every method still
    training (the same arithmetic as one run at a time, a method leaves the stack when it
    stops)."""
    task = _task(task)
    ws0 = _weights(weights0, task)
    if not isinstance(max_iters, dict) or not max_iters:
        raise ValueError("max_iters must be a dict {method: number of iterations}")
    for m in max_iters:
        if not (isinstance(m, str) and m in METHODS):
            raise ValueError(f"max_iters must map methods ({', '.join(map(repr, METHODS))}) to "
                             f"numbers of iterations, got the key {m!r}")
    caps = {choice("method", m, METHODS): integer_in_range("max_iters", n, 0, 10_000_000)
            for m, n in max_iters.items()}
    lr = positive_scalar("lr", lr)
    stride = integer_in_range("stride", stride, 1, 1_000_000)
    if stop_below is not None:
        stop_below = finite_scalar("stop_below", stop_below)
    widths = [ws0[0].shape[1]] + [w.shape[0] for w in ws0]
    for m, n in caps.items():
        check_work(widths, n, m)
    with np.errstate(**_quiet):
        return _descend(ws0, task, caps, lr, stop_below, stride)


def _descend(ws0, task, caps, lr, stop_below, stride):
    """The loop of ``train_methods``: at each t, for the methods still training, the loss
    (and F* for PC) at W_t, then W_{t+1} = W_t - lr ∇ (the formulas of ``_evaluate``:
    backprop D_k = W_{k+1}ᵀ D_{k+1} carries the term Z H_{k-1}ᵀ, Z = Ω ⊙ R for BP and the
    masked solve for PC; PC adds W_{L:k+1}ᵀ Q A_k). Two methods share a leading stack axis
    of every array; one method alone runs on plain matrices (fewer numpy calls)."""
    X, Y, omega, c = task.X, task.Y, task.omega, task.c
    identity = task.inputs == "identity"           # X = I: W_1 X = W_1 exactly
    L = len(ws0)
    scale = -2.0 * c * lr
    active = list(caps)
    out = {m: dict(losses=[], energies=[], steps=[], products=[], reached=None,
                   diverged=False, weights=None) for m in active}
    ws0 = [np.asarray(w, float) for w in ws0]
    W = [np.stack([w] * len(active)) for w in ws0] if len(active) > 1 else ws0
    t, W_prev, active_prev = 0, None, None
    while active:
        stacked = len(active) > 1

        def one(a, i):                              # method i's slice of a (stacked) array
            return a[i] if stacked else a
        pc_i = active.index("pc") if "pc" in active else None
        H = [X, W[0] if identity else W[0] @ X]
        for k in range(1, L):
            H.append(W[k] @ H[-1])
        E = omega * (Y - H[-1])
        losses = ((c * np.einsum("mij,mij->m", E, E)).tolist() if stacked
                  else [c * float(np.vdot(E, E))])
        energy, Z = None, E
        if pc_i is not None:
            Wp = [one(w, pc_i) for w in W]
            Ep = one(E, pc_i)
            try:
                top = [Wp[-1]]                      # W_{L:L}, W_{L:L-1}, ..., W_{L:2}
                for k in range(L - 2, 0, -1):
                    top.append(top[-1] @ Wp[k])
                top.reverse()                       # top[k - 1] = W_{L:k+1}
                F = np.hstack(top) if len(top) > 1 else top[0]
                S = F @ F.T                         # Σ_{l>=2} W_{L:l} W_{L:l}ᵀ, then + I
                S.flat[::task.size + 1] += 1.0
                Zp = _masked_solve(S, Ep, task)
                energy = c * float(np.vdot(Ep, Zp))
            except np.linalg.LinAlgError:
                energy = math.inf
            if math.isfinite(energy):
                if stacked:
                    Z = E.copy()
                    Z[pc_i] = Zp
                else:
                    Z = Zp
        keep = []
        for i, m in enumerate(active):
            rec = out[m]
            if not (math.isfinite(losses[i]) and (i != pc_i or math.isfinite(energy))):
                if t == 0:
                    raise ValueError("the start is too large: the loss or its gradient "
                                     "overflows before training starts")
                rec["diverged"] = True              # its weights: those of t - 1
                j = active_prev.index(m)
                rec["weights"] = tuple(w[j] if len(active_prev) > 1 else w for w in W_prev)
                continue
            rec["losses"].append(losses[i])
            if i == pc_i:
                rec["energies"].append(energy)
            last = stop_below is not None and losses[i] <= stop_below
            if t % stride == 0 or last or t == caps[m]:
                P = one(W[0], i)
                for w in W[1:]:
                    P = one(w, i) @ P
                rec["products"].append(P)
                rec["steps"].append(t)
            if last:
                rec["reached"] = t
            if last or t == caps[m]:
                rec["weights"] = tuple(one(w, i).copy() for w in W)
                continue
            keep.append(i)
        if not keep:
            break
        # lr × the gradients of every method in the stack
        D = scale * Z
        grads = [None] * L
        for k in range(L - 1, -1, -1):
            grads[k] = D if (k == 0 and identity) else D @ H[k].swapaxes(-1, -2)
            if k:
                D = W[k].swapaxes(-1, -2) @ D
        if pc_i is not None and pc_i in keep:
            Q = scale * (Zp @ Zp.T)
            A = None
            for k in range(2, L + 1):               # layer k is W[k - 1]
                A = top[0] if k == 2 else top[k - 2] + A @ Wp[k - 2].T
                QA = Q @ A
                g = one(grads[k - 1], pc_i)
                g += QA if k == L else top[k - 1].T @ QA
        W_prev, active_prev = W, active
        if len(keep) < len(active):                 # one method left: plain matrices
            W = [w[keep[0]] for w in W]
            grads = [g[keep[0]] for g in grads]
            active = [active[keep[0]]]
        W = [w - g for w, g in zip(W, grads)]
        t += 1
    runs = {}
    for m in caps:
        rec = out[m]
        sv = np.linalg.svd(np.stack(rec["products"]), compute_uv=False)
        runs[m] = CompletionRun(m, np.asarray(rec["losses"]),
                                np.asarray(rec["energies"]) if m == "pc" else None,
                                np.asarray(rec["steps"]), sv, rec["reached"], rec["diverged"],
                                lr, rec["weights"])
    return runs


def train_bp_and_pc(task, hidden: int = 3, width: int = WIDTH, start: str = "origin", *,
                    init_scale: float = INIT_SCALE, lr: float = LR, bp_iters: int = BP_ITERS,
                    pc_iters: int = PC_ITERS, seed: int = 0, stride: int = 10) -> dict:
    """{'bp': run, 'pc': run}: both trained from the same ``start_weights`` until the loss
    reaches ``LOSS_TOL`` or their iteration cap (``train_methods``)."""
    bp_iters = integer_in_range("bp_iters", bp_iters, 0, 10_000_000)
    pc_iters = integer_in_range("pc_iters", pc_iters, 0, 10_000_000)
    w0 = start_weights(task, hidden, width, start, init_scale=init_scale, seed=seed)
    return train_methods(w0, task, {"bp": bp_iters, "pc": pc_iters}, lr=lr, stride=stride)


def iterations_to(run: CompletionRun, level: float = LOSS_TOL) -> int | None:
    """The first iteration t with L(W_t) <= level, None if the run never gets there."""
    if not isinstance(run, CompletionRun):
        raise ValueError("run must be the CompletionRun returned by train(...)")
    level = finite_scalar("level", level)
    hits = np.flatnonzero(run.losses <= level)
    return int(hits[0]) if hits.size else None


def loss_rises(run: CompletionRun, *, tolerance: float = 1e-3) -> bool:
    """Whether the loss ever rises by more than a fraction ``tolerance`` in one iteration:
    gradient descent with a step below 2 / curvature only lowers the objective it descends,
    so a rise means the learning rate is at the edge of stability (or PC's F* and L part)."""
    if not isinstance(run, CompletionRun):
        raise ValueError("run must be the CompletionRun returned by train(...)")
    tolerance = positive_scalar("tolerance", tolerance)
    loss = run.losses
    return bool(np.any(np.diff(loss) > tolerance * loss[:-1]))


def plateau_losses(run: CompletionRun, *, window: int = 200, flat: float = 1e-4,
                   separation: float = 0.1) -> list[float]:
    """Loss levels where the run rests: medians of stretches of at least ``window``
    iterations over which the loss changes by less than a fraction ``flat`` per iteration
    (relative), merged when within ``separation`` (relative) of each other. Largest first."""
    if not isinstance(run, CompletionRun):
        raise ValueError("run must be the CompletionRun returned by train(...)")
    window = integer_in_range("window", window, 2, None)
    loss = run.losses
    if len(loss) < window + 1:
        return []
    rate = np.abs(np.diff(np.log(np.maximum(loss, 1e-300))))
    slow = rate < flat
    levels, t = [], 0
    n = len(slow)
    while t < n:
        if not slow[t]:
            t += 1
            continue
        u = t
        while u < n and slow[u]:
            u += 1
        if u - t >= window:
            level = float(np.median(loss[t:u + 1]))
            if not levels or abs(level - levels[-1]) > separation * levels[-1]:
                levels.append(level)
        t = u
    return levels
