"""Gradient flow of a two-layer linear network with matrix weights (the paper's matrix case).

Science: de Oliveira, Jatkar & Sontag (2025), Def. 1 / Prop. 2 and Thm 3; see
``docs/science/overparameterized-gradient-flow.md``. Marks: [P] the paper, [L] the
literature it builds on, [D] derived here and checked numerically (tests/test_matrix_flow.py).

The product x = W2 W1 of W1 (h x n) and W2 (m x h) is fitted to a target Y (m x n) with
the cost f(P) = ½‖P − Y‖²_F, so g(W1, W2) = f(W2 W1) and, with E = W2 W1 − Y = ∇f(W2 W1),

    ∇_W1 g = W2ᵀ E,   ∇_W2 g = E W1ᵀ,   dW1/dt = −W2ᵀ E,   dW2/dt = −E W1ᵀ.

* Prop. 2 [P]: C = W1 W1ᵀ − W2ᵀ W2 (h x h) is conserved for any f:
  dC/dt = −W2ᵀE W1ᵀ − W1 Eᵀ W2 + W1 Eᵀ W2 + W2ᵀ E W1ᵀ = 0.
* Thm 3 [P]: f real analytic, proper, with a minimum: the flow stays bounded and
  converges to a critical point of g.
* Critical points [L] (Baldi & Hornik 1989): with Y = Σ σ_i u_i v_iᵀ (distinct σ_i > 0),
  ∇g = 0 forces W2 W1 = Σ_{i∈S} σ_i u_i v_iᵀ for a subset S of the singular directions;
  S = all is the global minimum W2 W1 = Y, every other S is a saddle with
  g = ½ Σ_{i∉S} σ_i² (and, Thm 4 [P], a strict one).
* The rank-1 subspace W1 = a e1 v1ᵀ, W2 = b u1 e1ᵀ is invariant [D]: a start in it can only
  reach the saddle σ1 u1 v1ᵀ (or stay at the origin).
* Balanced flows keep the sign of det W2 W1 [D] (square weights): C = 0 gives W2 = O S with
  S = (W1 W1ᵀ)^½ and O orthogonal, so W1⁻¹ W2ᵀ is orthogonal and
  d ln|det W1|/dt = −tr(W1⁻¹ W2ᵀ E) >= −‖E‖_*: det W1 (and det W2) never reach 0. From
  det W2W1 < 0 < det Y such a flow cannot reach Y; an imbalance C ≠ 0 lifts this.
* For a rank-1 Y, once the σ1 direction has converged, the leftover p of W2 W1 in Y's null
  direction follows (approximately; 5 % in the tests) the scalar reduced flow with target 0,
  dp/dt = −p·sqrt(c² + 4p²) [D]: exponential for an imbalance c > 0 in that direction, only
  algebraic, p ≈ p0 / (1 + 2 p0 t), when balanced.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import finite_array, finite_scalar, integer_in_range, positive_scalar, sample_times

__all__ = [
    "MatrixFlowResult", "EndPoint", "CriticalValue", "loss", "gradient", "grad_norm",
    "conserved", "hessian", "integrate_matrix_flow", "matrix_start", "imbalance_direction",
    "aligned_start",
    "saddle_start", "critical_values", "classify_end_point", "GRAD_TOL", "MIN_TOL",
]

#: the largest |entry| of W1, W2 or Y the solvers take (products and squares stay finite)
MAX_ENTRY = 1e6
#: the most weights (entries of W1 and W2) and integrator steps one call may take
MAX_WEIGHTS = 10_000
MAX_STEPS = 20_000

#: ‖∇g‖_F below this counts as "at a critical point" (the flow has converged)
GRAD_TOL = 1e-6
#: ‖W2 W1 − Y‖_F below this (at a critical point) counts as the global minimum
MIN_TOL = 1e-4


# ----------------------------------------------------------------------------- checks
def _check_weights(W1, W2, Y):
    """W1 (h x n), W2 (m x h), Y (m x n) as finite float arrays with matching shapes."""
    W1 = finite_array("W1", W1, ndim=2, limit=MAX_ENTRY)
    W2 = finite_array("W2", W2, ndim=2, limit=MAX_ENTRY)
    Y = finite_array("Y", Y, ndim=2, limit=MAX_ENTRY)
    if W2.shape[1] != W1.shape[0]:
        raise ValueError(f"W2 must have as many columns as W1 has rows (the hidden width h): "
                         f"W1 is {W1.shape[0]}x{W1.shape[1]}, W2 is "
                         f"{W2.shape[0]}x{W2.shape[1]}")
    if Y.shape != (W2.shape[0], W1.shape[1]):
        raise ValueError(f"Y must have the shape of W2 W1, {W2.shape[0]}x{W1.shape[1]}, "
                         f"got {Y.shape[0]}x{Y.shape[1]}")
    if 0 in W1.shape or 0 in W2.shape:
        raise ValueError("W1 and W2 must not be empty")
    if W1.size + W2.size > MAX_WEIGHTS:
        raise ValueError(f"W1 and W2 have {W1.size + W2.size} entries, more than "
                         f"{MAX_WEIGHTS}: reduce the matrix sizes")
    return W1, W2, Y


_NO_Y = object()


def _check_batched(W1, W2, Y=_NO_Y):
    """Like ``_check_weights`` for stacks of weights: the last two axes are the matrices."""
    W1 = finite_array("W1", W1, limit=MAX_ENTRY)
    W2 = finite_array("W2", W2, limit=MAX_ENTRY)
    if W1.ndim < 2 or W2.ndim < 2:
        raise ValueError(f"W1 and W2 must be matrices (or stacks of them), got shapes "
                         f"{W1.shape} and {W2.shape}")
    if W2.shape[-1] != W1.shape[-2]:
        raise ValueError(f"W2 must have as many columns as W1 has rows (the hidden width h): "
                         f"W1 is {W1.shape[-2]}x{W1.shape[-1]}, W2 is "
                         f"{W2.shape[-2]}x{W2.shape[-1]}")
    if Y is _NO_Y:
        return W1, W2
    Y = finite_array("Y", Y, ndim=2, limit=MAX_ENTRY)
    if Y.shape != (W2.shape[-2], W1.shape[-1]):
        raise ValueError(f"Y must have the shape of W2 W1, {W2.shape[-2]}x{W1.shape[-1]}, "
                         f"got {Y.shape[0]}x{Y.shape[1]}")
    return W1, W2, Y


def _T(A):
    """Transpose of the last two axes (batched over leading axes)."""
    return np.swapaxes(A, -1, -2)


# ----------------------------------------------------------------------------- g and ∇g
def loss(W1, W2, Y):
    """g(W1, W2) = ½‖W2 W1 − Y‖²_F (batched over leading axes of W1 and W2)."""
    W1, W2, Y = _check_batched(W1, W2, Y)
    E = W2 @ W1 - Y
    return 0.5 * np.sum(E * E, axis=(-2, -1))


def gradient(W1, W2, Y):
    """(∇_W1 g, ∇_W2 g) = (W2ᵀ E, E W1ᵀ) with E = W2 W1 − Y (batched)."""
    W1, W2, Y = _check_batched(W1, W2, Y)
    E = W2 @ W1 - Y
    return _T(W2) @ E, E @ _T(W1)


def grad_norm(W1, W2, Y):
    """‖∇g‖_F = (‖W2ᵀ E‖²_F + ‖E W1ᵀ‖²_F)^½ (batched)."""
    G1, G2 = gradient(W1, W2, Y)
    return np.sqrt(np.sum(G1 * G1, axis=(-2, -1)) + np.sum(G2 * G2, axis=(-2, -1)))


def conserved(W1, W2):
    """C = W1 W1ᵀ − W2ᵀ W2 (h x h), conserved by the flow for any f (Prop. 2; batched)."""
    W1, W2 = _check_batched(W1, W2)
    return W1 @ _T(W1) - _T(W2) @ W2


def hessian(W1, W2, Y):
    """The Hessian of g in the weights w = (vec W1, vec W2) (row-major), exactly:

    d²g[Δ, Δ'] = ⟨Δ2 W1 + W2 Δ1, Δ2' W1 + W2 Δ1'⟩ + ⟨E, Δ2 Δ1' + Δ2' Δ1⟩.
    """
    W1, W2, Y = _check_weights(W1, W2, Y)
    E = W2 @ W1 - Y
    n1, n2 = W1.size, W2.size
    basis = np.eye(n1 + n2)
    D1 = basis[:, :n1].reshape(-1, *W1.shape)          # Δ1 of each basis direction
    D2 = basis[:, n1:].reshape(-1, *W2.shape)          # Δ2
    J = (D2 @ W1 + W2 @ D1).reshape(n1 + n2, -1)       # d(W2 W1)[Δ], flattened
    cross = np.einsum("mn,imh,jhn->ij", E, D2, D1)     # ⟨E, Δ2^i Δ1^j⟩
    return J @ J.T + cross + cross.T


# ----------------------------------------------------------------------------- the flow
@dataclass(frozen=True)
class MatrixFlowResult:
    """The flow sampled at times t: W1 (len(t), h, n), W2 (len(t), m, h), the product
    W2 W1, the loss g, the conserved matrix C = W1 W1ᵀ − W2ᵀ W2 and ‖∇g‖_F; Y the target."""
    t: np.ndarray
    W1: np.ndarray
    W2: np.ndarray
    product: np.ndarray
    loss: np.ndarray
    conserved: np.ndarray
    grad_norm: np.ndarray
    target: np.ndarray

    @property
    def conserved_drift(self) -> float:
        """max over t of max |C(t) − C(0)| (entrywise): zero for the exact flow (Prop. 2)."""
        return float(np.max(np.abs(self.conserved - self.conserved[0])))


def _rhs_2x2(Y):
    """dw/dt for 2 x 2 weights w = (vec W1, vec W2) (row-major), written out on floats:
    E = W2 W1 − Y, dW1/dt = −W2ᵀE, dW2/dt = −E W1ᵀ (small numpy products cost more in
    call overhead than in arithmetic)."""
    y11, y12, y21, y22 = (float(v) for v in Y.ravel())

    def rhs(_, w):
        a11, a12, a21, a22, b11, b12, b21, b22 = w.tolist()
        e11 = b11 * a11 + b12 * a21 - y11
        e12 = b11 * a12 + b12 * a22 - y12
        e21 = b21 * a11 + b22 * a21 - y21
        e22 = b21 * a12 + b22 * a22 - y22
        return np.array([-(b11 * e11 + b21 * e21), -(b11 * e12 + b21 * e22),
                         -(b12 * e11 + b22 * e21), -(b12 * e12 + b22 * e22),
                         -(e11 * a11 + e12 * a12), -(e11 * a21 + e12 * a22),
                         -(e21 * a11 + e22 * a12), -(e21 * a21 + e22 * a22)])
    return rhs


class _TooMuchWork(Exception):
    """Raised inside the integrator when it passes 12 MAX_STEPS evaluations."""


def integrate_matrix_flow(W1, W2, Y, t, *, rtol=1e-10, max_step=1.0):
    """Gradient flow dW1/dt = −W2ᵀ (W2W1 − Y), dW2/dt = −(W2W1 − Y) W1ᵀ of
    g = ½‖W2 W1 − Y‖²_F from (W1, W2) at t = 0, sampled at the times ``t``.

    Integrated with scipy's DOP853 (adaptive 8th-order Runge-Kutta) to relative tolerance
    ``rtol`` (absolute tolerance rtol/100) and steps of at most ``max_step`` time units;
    rtol = 1e-10 keeps C to ~1e-11. (Without a step limit, near a critical point, where
    ∇g ≈ 0 gives no error to control, the steps grow until they overshoot: ~1e-7 off a
    saddle instead of ~1e-14.)
    """
    from scipy.integrate import solve_ivp   # imported here: it costs 0.3 s at start-up

    W1, W2, Y = _check_weights(W1, W2, Y)
    t = sample_times(t)
    rtol = positive_scalar("rtol", rtol)
    max_step = positive_scalar("max_step", max_step)
    if rtol > 1e-2:
        raise ValueError(f"rtol must be <= 0.01 (a meaningful tolerance), got {rtol:g}")
    if rtol < 1e-14:
        raise ValueError(f"rtol must be >= 1e-14 (above the rounding error), got {rtol:g}")
    if t[-1] / max_step > MAX_STEPS:
        raise ValueError(f"the flow to t = {t[-1]:g} in steps of at most max_step = "
                         f"{max_step:g} takes more than {MAX_STEPS} steps: reduce the last "
                         "time t[-1] (or raise max_step)")
    (h, n), m = W1.shape, W2.shape[0]
    k = h * n

    def rhs(_, w):
        A, B = w[:k].reshape(h, n), w[k:].reshape(m, h)
        E = B @ A - Y
        return np.concatenate([(-(B.T @ E)).ravel(), (-(E @ A.T)).ravel()])

    if (h, n, m) == (2, 2, 2):
        rhs = _rhs_2x2(Y)       # the same formula on Python floats: 5x cheaper per call

    w0 = np.concatenate([W1.ravel(), W2.ravel()])
    tu, inv = np.unique(t, return_inverse=True)      # solve_ivp wants distinct times
    if tu[-1] == 0:
        out = w0[None, :]
    else:
        calls = [0]

        def counted(t_, w):
            calls[0] += 1
            if calls[0] > 12 * MAX_STEPS:
                raise _TooMuchWork
            return rhs(t_, w)
        try:
            sol = solve_ivp(counted, (0.0, float(tu[-1])), w0, method="DOP853", t_eval=tu,
                            rtol=rtol, atol=rtol * 1e-2, max_step=max_step)
        except _TooMuchWork:
            raise ValueError(f"the flow to t = {tu[-1]:g} needs more than {MAX_STEPS} steps "
                             f"of the integrator at rtol = {rtol:g}: reduce the last time "
                             "t[-1] or the initial scale (or raise rtol)") from None
        if not sol.success or sol.y.shape[1] != tu.size:
            raise ValueError(f"the integrator failed: {sol.message}")
        out = sol.y.T
    out = out[inv]
    if not np.all(np.isfinite(out)):                 # g is proper: this does not happen
        raise ValueError("the flow left the finite numbers; lower the initial scale")
    A, B = out[:, :k].reshape(-1, h, n), out[:, k:].reshape(-1, m, h)
    return MatrixFlowResult(t=t, W1=A, W2=B, product=B @ A, loss=loss(A, B, Y),
                            conserved=conserved(A, B), grad_norm=grad_norm(A, B, Y),
                            target=Y)


# ----------------------------------------------------------------------------- starts
def _sqrtm_psd(M):
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    lam, U = np.linalg.eigh(M)
    return (U * np.sqrt(np.maximum(lam, 0.0))) @ U.T


def _polar(A):
    """A = S R with S = (A Aᵀ)^½ and R orthogonal (R = U Vᵀ from A = U Σ Vᵀ)."""
    U, s, Vt = np.linalg.svd(A)
    return (U * s) @ U.T, U @ Vt


def _random_rotation(rng, size):
    """A random rotation (orthogonal, det +1) of R^size."""
    if size == 1:
        return np.ones((1, 1))
    Q, R = np.linalg.qr(rng.standard_normal((size, size)))
    Q = Q * np.sign(np.diag(R))
    if np.linalg.det(Q) < 0:
        Q[:, 0] = -Q[:, 0]
    return Q


#: the spectrum of the imbalance direction N (size 2; trace 2, like the identity)
IMBALANCE_SPECTRUM = (1.5, 0.5)


def imbalance_direction(seed, size=2):
    """N = P diag(1.5, 0.5) Pᵀ with a random rotation P from ``seed``: the matrix with
    C(0) = imbalance · N in ``matrix_start`` (positive definite, tr N = size; for sizes
    other than 2 the spectrum runs evenly from 1.5 to 0.5)."""
    seed = integer_in_range("seed", seed, 0, 2**32 - 1)
    size = integer_in_range("size", size, 1, 50)
    rng = np.random.default_rng([seed, 1])
    P = _random_rotation(rng, size)
    spectrum = np.linspace(*IMBALANCE_SPECTRUM, size) if size > 1 else np.ones(1)
    return (P * spectrum) @ P.T


def matrix_start(seed, scale, imbalance, *, reflect=False, size=2):
    """Random square weights W1, W2 (size x size) of a given size with C(0) = imbalance · N.

    With G ~ N(0, 1) drawn from ``seed``, A = G / ‖G‖_F, its polar decomposition
    A = S R (S = (A Aᵀ)^½, R orthogonal), M = scale² A Aᵀ, λ = imbalance,
    λ₊ = max(λ, 0), λ₋ = max(−λ, 0), N = ``imbalance_direction(seed)`` (positive
    definite, eigenvalues 1.5 and 0.5) and Q a random rotation (times diag(1, −1) if
    ``reflect``):

        W1 = (M + λ₊ N)^½ R,   W2 = Q Rᵀ (M + λ₋ N)^½,

    so W1 W1ᵀ = M + λ₊ N, W2ᵀ W2 = M + λ₋ N and C = W1 W1ᵀ − W2ᵀ W2 = λ N exactly.
    λ = 0 is the balanced start W1 = scale · A, W2 = scale · Q Aᵀ (C = 0, ‖W1‖_F = scale).
    det(W2 W1) = det Q · det((M + λ₋N)^½ (M + λ₊N)^½): its sign is +1, or −1 with
    ``reflect``; a balanced flow keeps that sign [D].
    """
    seed = integer_in_range("seed", seed, 0, 2**32 - 1)
    scale = finite_scalar("scale", scale, limit=MAX_ENTRY)
    if scale < 0:
        raise ValueError(f"scale must be >= 0, got {scale:g}")
    lam = finite_scalar("imbalance", imbalance, limit=MAX_ENTRY)
    if not isinstance(reflect, (bool, np.bool_)):
        raise ValueError(f"reflect must be True or False, got {reflect!r}")
    size = integer_in_range("size", size, 1, 50)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((size, size))
    A = G / np.linalg.norm(G)
    S, R = _polar(A)
    M = scale ** 2 * (S @ S)
    Q = _random_rotation(rng, size)
    if reflect:
        Q = Q @ np.diag([1.0] * (size - 1) + [-1.0])
    N = imbalance_direction(seed, size)
    W1 = _sqrtm_psd(M + max(lam, 0.0) * N) @ R
    W2 = Q @ R.T @ _sqrtm_psd(M + max(-lam, 0.0) * N)
    return W1, W2


def _pair(scale, imbalance):
    """a, b with a b = scale² and a² − b² = imbalance (a, b >= 0)."""
    p = scale ** 2
    a2 = 0.5 * (imbalance + np.hypot(imbalance, 2 * p))
    a = np.sqrt(a2)
    b = p / a if a > 0 else np.sqrt(max(-imbalance, 0.0))
    return float(a), float(b)


def _svd_target(Y):
    Y = finite_array("Y", Y, ndim=2, limit=MAX_ENTRY)
    if Y.size == 0:
        raise ValueError(f"Y must not be empty, got shape {Y.shape}")
    if Y.size > MAX_WEIGHTS:
        raise ValueError(f"Y has {Y.size} entries, more than {MAX_WEIGHTS}: reduce its size")
    U, s, Vt = np.linalg.svd(Y)
    return Y, U, s, Vt


def aligned_start(Y, scale, imbalance=0.0, *, direction=0, width=None):
    """A start in the invariant rank-1 subspace of the singular direction ``direction``:
    with Y = Σ σ_i u_i v_iᵀ, W1 = a e1 v_kᵀ, W2 = b u_k e1ᵀ, a b = scale²,
    a² − b² = imbalance (so W2 W1 = scale² u_k v_kᵀ and C = imbalance · e1 e1ᵀ).

    The flow stays in this subspace [D] and converges to the saddle σ_k u_k v_kᵀ (for
    k = 0 and σ_1 > 0: the rank-1 saddle, not the global minimum, when rank Y = 2).
    """
    Y, U, s, Vt = _svd_target(Y)
    scale = finite_scalar("scale", scale, limit=MAX_ENTRY)
    if scale < 0:
        raise ValueError(f"scale must be >= 0, got {scale:g}")
    lam = finite_scalar("imbalance", imbalance, limit=MAX_ENTRY)
    k = integer_in_range("direction", direction, 0, len(s) - 1)
    h = integer_in_range("width", width if width is not None else len(s), 1, 50)
    a, b = _pair(scale, lam)
    e1 = np.zeros(h)
    e1[0] = 1.0
    return a * np.outer(e1, Vt[k]), b * np.outer(U[:, k], e1)


def saddle_start(Y, keep=None, *, tol=1e-12):
    """The balanced critical point W1 = Σ_S^½ Vᵀ, W2 = U Σ_S^½ (hidden width min(m, n)) with
    Σ_S = σ_i on the kept singular directions ``keep`` (a set S of indices) and 0 elsewhere:
    W2 W1 = Σ_{i∈S} σ_i u_i v_iᵀ and ∇g = 0, a saddle unless S holds every direction with
    σ_i > 0. ``keep=None``: every direction with σ_i > 0 but the last (for rank 2: the
    rank-1 saddle σ1 u1 v1ᵀ; for rank 1: the origin)."""
    Y, U, s, Vt = _svd_target(Y)
    if keep is None:
        live = [i for i, v in enumerate(s) if v > tol]
        keep = live[:-1]
    keep = sorted({integer_in_range("keep", k, 0, len(s) - 1) for k in keep})
    r = np.zeros(len(s))
    r[keep] = np.sqrt(s[keep])
    return r[:, None] * Vt[:len(s)], U[:, :len(s)] * r


# ----------------------------------------------------------------------------- critical points
@dataclass(frozen=True)
class CriticalValue:
    """A critical product W2 W1 = Σ_{i∈S} σ_i u_i v_iᵀ: the kept directions S, g there."""
    kept: tuple[int, ...]
    value: float
    name: str


def critical_values(Y, *, width=None, tol=1e-12):
    """Every critical value of g for the target Y [L]: one per subset S of the singular
    directions with σ_i > 0 and |S| <= h (width, default min(m, n)), g = ½ Σ_{i∉S} σ_i²;
    sorted by value, the global minimum (S = all) first. Assumes distinct σ_i."""
    Y, _, s, _ = _svd_target(Y)
    h = min(Y.shape) if width is None else integer_in_range("width", width, 1, 50)
    live = [i for i, v in enumerate(s) if v > tol]
    out = []
    for mask in range(2 ** len(live)):
        S = tuple(i for j, i in enumerate(live) if mask >> j & 1)
        if len(S) > h:
            continue
        value = 0.5 * float(sum(s[i] ** 2 for i in live if i not in S))
        if len(S) == len(live):
            name = "global minimum"
        elif not S:
            name = "saddle at W2W1 = 0"
        else:
            name = "saddle keeping σ = " + ", ".join(f"{s[i]:.3g}" for i in S)
        out.append(CriticalValue(S, value, name))
    return sorted(out, key=lambda c: c.value)


@dataclass(frozen=True)
class EndPoint:
    """Where the flow ended: ``kind`` is "global minimum" (∇g = 0, W2 W1 = Y), "saddle"
    (∇g = 0, W2 W1 ≠ Y) or "not converged" (‖∇g‖ >= tol); ``nearest`` is the critical
    value of g closest to the end loss, ``lambda_min`` the smallest Hessian eigenvalue
    at the end point (< 0 at a strict saddle), ``description`` a sentence."""
    kind: str
    grad_norm: float
    distance: float
    loss: float
    lambda_min: float
    nearest: CriticalValue | None
    description: str


def classify_end_point(W1, W2, Y, *, grad_tol=GRAD_TOL, min_tol=MIN_TOL):
    """Classify the end point (W1, W2) of a flow: a critical point of g (‖∇g‖_F < grad_tol,
    Thm 3), and then the global minimum (‖W2 W1 − Y‖_F < min_tol) or a saddle."""
    W1, W2, Y = _check_weights(W1, W2, Y)
    grad_tol = positive_scalar("grad_tol", grad_tol)
    min_tol = positive_scalar("min_tol", min_tol)
    gn = float(grad_norm(W1, W2, Y))
    dist = float(np.linalg.norm(W2 @ W1 - Y))
    g = float(loss(W1, W2, Y))
    lam = float(np.linalg.eigvalsh(hessian(W1, W2, Y))[0])
    crit = critical_values(Y, width=W1.shape[0])
    nearest = min(crit, key=lambda c: abs(c.value - g)) if crit else None
    if gn >= grad_tol:
        near = (f", g = {g:.3g} ≈ g at the {nearest.name}"
                if nearest is not None and nearest.value > 0
                and abs(g - nearest.value) < 0.02 * nearest.value else "")
        return EndPoint("not converged", gn, dist, g, lam, nearest,
                        f"not yet at a critical point (‖∇g‖ = {gn:.2g}){near}")
    if dist < min_tol:
        return EndPoint("global minimum", gn, dist, g, lam, nearest,
                        f"global minimum W2W1 = Y (‖∇g‖ = {gn:.1e})")
    strict = "strict " if lam < -1e-6 else ""
    which = (f" ({nearest.name.removeprefix('saddle ')})"
             if nearest is not None and nearest.value > 0 else "")
    return EndPoint("saddle", gn, dist, g, lam, nearest,
                    f"{strict}saddle{which}: ∇g = 0 but W2W1 ≠ Y, g = {g:.3g}, "
                    f"Hessian λ_min = {lam:.2g}")
