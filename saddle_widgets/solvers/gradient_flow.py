"""Gradient flow of overparameterized scalar problems.

Science: de Oliveira, Jatkar & Sontag (2025) and the literature it builds on
(Du, Hu & Lee 2018; Arora et al. 2018; Saxe et al. 2014); see
``docs/science/overparameterized-gradient-flow.md``.

A cost f: R -> R is minimised through a factorised parameter

* ``"linear"``: x = w2 . w1 with w1, w2 in R^h (h = 1: two scalars),
* ``"chain"``:  x = w_N ... w_1 (depth-N scalar chain),
* ``"sigmoid"``: x = w2 sigma(w1), sigma(z) = z / sqrt(1 + z^2) (the paper's sigmoidal
  example, its Section 4),
* ``"tanh"``:   x = w2 tanh(w1) (this package's extension, not in the paper),

and the weights follow the gradient flow dw/dt = -f'(x) dx/dw of g(w) = f(x(w)).
The flow conserves C = w1 w1^T - w2^T w2. **Units of the imbalance:** the paper's metric is
c_paper = 2 tr(C^2) - tr(C)^2 (``imbalance_paper``); the functions of this module take and
return its square root, the nuclear norm c = ||C||_* = sqrt(c_paper) (``imbalance``; for
h = 1 signed, c = w1^2 - w2^2, to pick the hyperbola branch). In those units x obeys the exact
1-D reduction dx/dt = -f'(x) sqrt(c^2 + 4 x^2), which the paper writes
dx/dt = -f'(x) sqrt(c_paper + 4 x^2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import (choice, finite_array, finite_scalar, integer_in_range, positive_scalar,
                          sample_times)

__all__ = [
    "COSTS", "Cost", "make_cost", "imbalance", "imbalance_paper", "signed_imbalance",
    "NEURONS", "sigmoid", "neuron_invariant", "neuron_start", "level_sets", "bad_set_distance",
    "pd_pl_constant", "quadratic_flow_solution",
    "FlowResult", "integrate_flow", "integrate_chain", "gradient_descent", "DescentResult",
    "OriginSaddle", "classify_origin", "origin_hessian", "gd_step_limit",
    "convergence_time", "convergence_time_closed_form", "convergence_time_numeric",
    "convergence_time_large_c", "barrier_of_flow",
    "initial_weights", "reduced_flow_rate", "start_from_point", "scalar_pair",
    "plane_product", "plane_loss_gap", "hyperbolas", "conserved_curve", "minima_curves",
    "origin_manifolds",
    "loss_bound_rate", "loss_bound", "phase_plane_coordinates",
]

DIVERGENCE_LIMIT = 1e6  # |x| or |w| beyond this counts as divergence
#: the largest |weight|, |x0|, |target| or imbalance a flow, a start or a closed form takes
#: (beyond it the flow counts as diverged; squares and products then stay finite)
MAX_INPUT = DIVERGENCE_LIMIT
#: the most right-hand-side evaluations one integration may take (~0.5 s; the widget's
#: stiffest legal run, width 8 at c = 36 over 40 time units, needs ~5,000): a longer one is
#: refused with a sentence saying what to reduce
MAX_EVALUATIONS = 20_000


# --------------------------------------------------------------------------- costs
@dataclass(frozen=True)
class Cost:
    """A scalar cost f with derivatives f' and f'' and its minimisers."""
    name: str
    target: float
    formula: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    d2f: Callable[[np.ndarray], np.ndarray]
    minimisers: tuple[float, ...]
    #: every zero of f' (the minimisers and any hump); () if unknown
    critical_points: tuple[float, ...] = ()

    @property
    def minimum(self) -> float:
        """f* = min f, the value at the minimisers."""
        return float(np.min(self.f(np.asarray(self.minimisers))))

    def nearest_minimiser(self, x):
        """The minimiser closest to x (elementwise)."""
        m = np.asarray(self.minimisers)
        x = np.asarray(x, dtype=float)
        return m[np.argmin(np.abs(x[..., None] - m), axis=-1)]

    def distance_to_minimum(self, x):
        """min over minimisers m of |x - m|."""
        x = np.asarray(x, dtype=float)
        return np.min(np.abs(x[..., None] - np.asarray(self.minimisers)), axis=-1)


def _quadratic(y: float) -> Cost:
    return Cost("quadratic", y, f"f(x) = (x - {y:g})² / 2",
                lambda x: 0.5 * (x - y) ** 2, lambda x: x - y,
                lambda x: np.ones_like(np.asarray(x, dtype=float)), (y,), (y,))


def _logcosh(y: float) -> Cost:
    def f(x):
        u = np.abs(np.asarray(x, dtype=float) - y)
        return u + np.log1p(np.exp(-2 * u)) - math.log(2.0)   # log cosh(u), overflow-free
    return Cost("log-cosh", y, f"f(x) = log cosh(x - {y:g})", f,
                lambda x: np.tanh(x - y), lambda x: 1.0 / np.cosh(np.clip(x - y, -350, 350)) ** 2, (y,), (y,))


def _double_well(y: float) -> Cost:
    # u = x - y + 1: f = (u^2 - 1)^2 / 4 has minima at u = +-1, i.e. x = y and x = y - 2
    return Cost("double well", y, f"f(x) = ((x - {y - 1:g})² - 1)² / 4",
                lambda x: 0.25 * ((x - y + 1) ** 2 - 1) ** 2,
                lambda x: ((x - y + 1) ** 2 - 1) * (x - y + 1),
                lambda x: 3 * (x - y + 1) ** 2 - 1, (y - 2.0, y), (y - 2.0, y - 1.0, y))


COSTS: dict[str, Callable[[float], Cost]] = {
    "quadratic": _quadratic, "log-cosh": _logcosh, "double well": _double_well,
}


def make_cost(name: str = "quadratic", target: float = 1.0) -> Cost:
    """The cost ``name`` (one of COSTS) with its minimiser at ``target``."""
    choice("cost", name, COSTS)
    return COSTS[name](finite_scalar("target", target, limit=MAX_INPUT))


def _as_cost(cost, target) -> Cost:
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str):
        return make_cost(cost, 1.0 if target is None else target)
    raise ValueError(f"cost must be a Cost or one of {', '.join(map(repr, COSTS))}, got {cost!r}")


# ----------------------------------------------------------------------- imbalance
def imbalance(w1, w2):
    """c = ||w1 w1^T - w2 w2^T||_* (nuclear norm); batched over leading axes.

    For vectors the matrix has rank <= 2 and c = sqrt((|w1|^2 + |w2|^2)^2 - 4 (w1.w2)^2);
    for scalars c = |w1^2 - w2^2|.
    """
    w1, w2 = _weight_pair(w1, w2)
    with np.errstate(over="ignore"):
        if w1.ndim == 0:
            return _no_overflow(np.abs((w1 - w2) * (w1 + w2)))
        # s^2 - 4 x^2 = (s - 2x)(s + 2x) = |w1 - w2|^2 |w1 + w2|^2: c = |w1 - w2| |w1 + w2|,
        # free of cancellation and of overflow in the squares
        return _no_overflow(_norm(w1 - w2) * _norm(w1 + w2))


def _weight_pair(w1, w2):
    w1 = finite_array("w1", w1)
    w2 = finite_array("w2", w2)
    if w1.shape != w2.shape:
        raise ValueError(f"w1 and w2 must have the same shape, got {w1.shape} and {w2.shape}")
    if w1.ndim and w1.shape[-1] == 0:
        raise ValueError("w1 and w2 must not be empty")
    with np.errstate(over="ignore"):
        if not (np.all(np.isfinite(w1 - w2)) and np.all(np.isfinite(w1 + w2))):
            raise ValueError("w1 and w2 are too large: w1 ± w2 overflows")
    return w1, w2


def _norm(v):
    """|v| over the last axis, scaled so that the squares do not overflow."""
    m = np.max(np.abs(v), -1)
    safe = np.where(m > 0, m, 1.0)
    with np.errstate(over="ignore"):
        return m * np.sqrt(np.sum((v / safe[..., None]) ** 2, -1))


def _no_overflow(value, what="w1 and w2"):
    """``value``, or a ValueError if it overflowed (|value| > 1.8e308)."""
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{what} are too large: the result overflows")
    return value


def imbalance_paper(w1, w2):
    """The paper's imbalance metric c = 2 tr(C^2) - tr(C)^2 with C = w1 w1^T - w2^T w2
    (w1 a column, w2 a row of width h; Prop. 7, eqs. 19-20), batched over leading axes.

    C has rank <= 2 with eigenvalues l+ >= 0 >= l-, so c = (l+ - l-)^2 = ||C||_*^2: the
    square of ``imbalance``. For scalars c = (w1^2 - w2^2)^2.
    """
    c = imbalance(w1, w2)
    with np.errstate(over="ignore"):
        return _no_overflow(c * c)


def signed_imbalance(w1, w2):
    """c = w1^2 - w2^2 for scalar weights (h = 1): which hyperbola branch the flow is on."""
    w1, w2 = _weight_pair(w1, w2)
    with np.errstate(over="ignore"):
        return _no_overflow((w1 - w2) * (w1 + w2))


# ------------------------------------------------------------------- closed form
def _check_quadratic_args(t, x0, target, c):
    t = finite_array("t", t)
    if np.any(t < 0):
        raise ValueError("times t must be >= 0")
    c = abs(finite_scalar("imbalance", c, limit=MAX_INPUT))
    if c * c == 0:                       # c^2 underflows (|c| < 1e-162): numerically balanced
        c = 0.0
    return (t, finite_scalar("x0", x0, limit=MAX_INPUT),
            finite_scalar("target", target, limit=MAX_INPUT), c)


def quadratic_flow_solution(t, x0, target, imbalance):
    """Closed-form x(t) for f(x) = (x - y)^2 / 2 under dx/dt = -f'(x) sqrt(c^2 + 4x^2).

    K = sqrt(4y^2 + c^2), P± = 2y ± K, P0 = 2x0 + sqrt(4x0^2 + c^2),
    u = (P0 - P+)/(P0 - P-) e^{-Kt}, P = (P+ - u P-)/(1 - u), x = (P - c^2/P)/4;
    for x0 < 0, x(t) = -X(t; -x0, -y).  c = 0 gives Saxe's sigmoid.
    """
    t, x0, y, c = _check_quadratic_args(t, x0, target, imbalance)
    if x0 < 0:
        return -quadratic_flow_solution(t, -x0, -y, c)
    if x0 == 0 and c == 0:
        return np.zeros_like(t)          # the saddle itself: x stays 0
    K = math.sqrt(4 * y * y + c * c)
    if K == 0:                           # y = c = 0: dx/dt = -2x^2, algebraic decay
        return x0 / (1 + 2 * x0 * t)
    # P+ P- = -c^2: take the root without cancellation from 2y ± K, the other from the product
    if y >= 0:
        p_plus = 2 * y + K
        p_minus = -c * c / p_plus
    else:
        p_minus = 2 * y - K
        p_plus = -c * c / p_minus
    p0 = 2 * x0 + math.hypot(2 * x0, c)
    with np.errstate(over="ignore"):     # K t beyond the floats: e^{-Kt} = 0, exactly
        e = np.exp(-K * t)
        decay = -np.expm1(-K * t)
    u = (p0 - p_plus) / (p0 - p_minus) * e
    # 1 - u = (1 - e^{-Kt}) + (1 - u0) e^{-Kt} with 1 - u0 = 2K / (P0 - P-): no cancellation as K -> 0
    p = (p_plus - u * p_minus) / (decay + 2 * K / (p0 - p_minus) * e)
    if c == 0:
        return p / 4                     # balanced: P may reach 0 (x -> 0 at the saddle)
    return (p - c * c / p) / 4


def convergence_time_closed_form(x0, target, imbalance, eps=1e-3):
    """Time T for f = (x - y)^2/2 to reach |x - y| = eps (inf if the flow stalls at the saddle).

    T = (1/K) ln(|N(x_eps)| |x0 - y| / (|x_eps - y| |N(x0)|)),  N(x) = 4yx + c^2 + K sqrt(4x^2 + c^2),
    with x_eps = y - eps sgn(y - x0); for large c, T ~ (1/c) ln(|x0 - y| / eps).
    """
    _, x0, y, c = _check_quadratic_args(0.0, x0, target, imbalance)
    eps = positive_scalar("eps", eps)
    if x0 < 0:
        x0, y = -x0, -y
    if abs(x0 - y) <= eps:
        return 0.0
    K = math.sqrt(4 * y * y + c * c)

    def N(x):
        S = math.hypot(2 * x, c)
        if y * x >= 0:
            return 4 * y * x + c * c + K * S
        # y x < 0: 4yx + K S = c^2 (4y^2 + 4x^2 + c^2) / (K S - 4yx), free of cancellation
        return c * c + c * c * (4 * y * y + 4 * x * x + c * c) / (K * S - 4 * y * x)

    n0 = N(x0)
    x_eps = y - eps * math.copysign(1.0, y - x0)
    if K <= 1e-9 * eps:                  # y = c = 0 (or K/eps ~ 0): x = x0 / (1 + 2 x0 t) reaches eps
        return (1 / eps - 1 / x0) / 2
    if n0 <= 1e-300 or N(x_eps) <= 0:
        return math.inf                  # balanced start on the stable line: converges to the saddle
    return math.log(abs(N(x_eps)) * abs(x0 - y) / (eps * abs(n0))) / K


def convergence_time_large_c(cost, x0, imbalances, eps=1e-3, *, target=None):
    """The large-imbalance asymptote T(c) ~ (1/c) ln(|x0 - x*| / eps) of the convergence time
    (|x - x*| shrinks at least at rate about c near the minimum); vectorised over c > 0, and
    0 where the start is already within eps."""
    cost = _as_cost(cost, target)
    c = np.abs(finite_array("imbalances", imbalances, limit=MAX_INPUT))
    if np.any(c < 1e-12):
        raise ValueError("the large-imbalance asymptote needs imbalances |c| >= 1e-12 "
                         f"(it describes large c), got {float(np.min(c)):g}")
    eps = positive_scalar("eps", eps)
    d0 = float(cost.distance_to_minimum(finite_scalar("x0", x0, limit=MAX_INPUT)))
    return np.log(max(d0, eps) / eps) / c


def reduced_flow_rate(cost, x, c, *, target=None):
    """Right-hand side of the exact 1-D reduction dx/dt = -f'(x) sqrt(c^2 + 4x^2)."""
    cost = _as_cost(cost, target)
    x = finite_array("x", x, limit=MAX_INPUT)
    c = finite_array("imbalance", c, limit=MAX_INPUT)
    try:
        np.broadcast_shapes(x.shape, c.shape)
    except ValueError:
        raise ValueError(f"x and imbalance must have broadcastable shapes, got {x.shape} "
                         f"and {c.shape}") from None
    return -cost.df(x) * np.sqrt(c * c + 4 * x * x)


# ------------------------------------------------------------ parametrisations
class _Linear:
    """x = w2 . w1, w = (w1, w2) of length 2h."""
    name = "linear"

    def __init__(self, h):
        self.h = h

    def x(self, w):
        return np.sum(w[..., :self.h] * w[..., self.h:], -1)

    def grad(self, w):
        return np.concatenate([w[..., self.h:], w[..., :self.h]], -1)

    def curvature(self, w):          # spectral norm of the Hessian of x
        return np.ones(w.shape[:-1])

    def conserved(self, w):
        return imbalance(w[..., :self.h], w[..., self.h:]) if self.h > 1 else \
            w[..., 0] ** 2 - w[..., 1] ** 2


class _Chain:
    """x = w_N ... w_1; every w_i^2 - w_j^2 is conserved."""
    name = "chain"

    def __init__(self, n):
        self.n = n

    def x(self, w):
        return np.prod(w, -1)

    def grad(self, w):
        ones = np.ones(w.shape[:-1] + (1,))
        left = np.cumprod(np.concatenate([ones, w[..., :-1]], -1), -1)
        right = np.cumprod(np.concatenate([ones, w[..., :0:-1]], -1), -1)[..., ::-1]
        return left * right

    def _others(self):
        """For each pair i < j, the indices k != i, j (one row per pair)."""
        if getattr(self, "_keep", None) is None:
            pairs = [(i, j) for i in range(self.n) for j in range(i + 1, self.n)]
            self._pairs = np.array(pairs, dtype=int).reshape(-1, 2)
            self._keep = np.array([[k for k in range(self.n) if k not in p] for p in pairs],
                                  dtype=int).reshape(len(pairs), self.n - 2)
        return self._pairs, self._keep

    def hessian_x(self, w):          # d^2 x / dw_i dw_j = prod_{k != i, j} w_k (i != j), 0 on i = j
        pairs, keep = self._others()
        H = np.zeros((self.n, self.n))
        vals = np.prod(w[keep], -1)
        H[pairs[:, 0], pairs[:, 1]] = vals
        H[pairs[:, 1], pairs[:, 0]] = vals
        return H

    def curvature(self, w):          # Frobenius bound: entries prod_{k != i, j} w_k
        _, keep = self._others()
        return np.sqrt(2 * np.sum(np.prod(w[..., keep], -1) ** 2, -1))

    def conserved(self, w):
        return w[..., 0] ** 2 - w[..., 1] ** 2


def sigmoid(z):
    """The paper's algebraic sigmoid sigma(z) = z / sqrt(1 + z^2) (Section 4; not tanh)."""
    return _sigmoid(finite_array("z", z))


def _sigmoid(z):
    return z / np.hypot(1.0, z)          # hypot: no overflow of z^2 for huge z


class _Neuron:
    """x = w2 act(w1) for one neuron with two scalar weights, w = (w1, w2)."""

    def x(self, w):
        return w[..., 1] * self.act(w[..., 0])

    def grad(self, w):
        return np.stack([w[..., 1] * self.dact(w[..., 0]), self.act(w[..., 0])], -1)

    def curvature(self, w):          # |act''| <= 1, |act'| <= 1
        return 1.0 + np.abs(w[..., 1])


class _Sigmoid(_Neuron):
    """The paper's sigmoidal example x = w2 sigma(w1), sigma(z) = z / sqrt(1 + z^2): its
    invariant C = w2^2 - (1 + w1^2)^2 / 2 is conserved (w1 (1 + w1^2) sigma'(w1) = sigma(w1)),
    C = -1/2 at the origin (eq. 10)."""
    name = "sigmoid"
    act = staticmethod(_sigmoid)

    @staticmethod
    def dact(z):
        return (1.0 + z * z) ** -1.5

    def conserved(self, w):
        return w[..., 1] ** 2 - 0.5 * (1.0 + w[..., 0] ** 2) ** 2


class _Tanh(_Neuron):
    """x = w2 tanh(w1) (this package's extension); Q = sinh(w1)^2 - w2^2 is conserved."""
    name = "tanh"
    act = staticmethod(np.tanh)

    @staticmethod
    def dact(z):
        return 1.0 / np.cosh(np.clip(z, -350, 350)) ** 2

    def conserved(self, w):
        return np.sinh(np.clip(w[..., 0], -350, 350)) ** 2 - w[..., 1] ** 2


#: the single neurons x = w2 act(w1): the paper's sigmoid and the tanh extension
NEURONS = {"sigmoid": _Sigmoid(), "tanh": _Tanh()}
ACTIVATIONS = ("linear",) + tuple(NEURONS)


def _rhs(model, cost, w):
    return -cost.df(model.x(w))[..., None] * model.grad(w)


def _rhs_and_stiffness(model, cost, w):
    """dw/dt and an upper estimate of ||Hessian of g||: |f''| |dx/dw|^2 + |f'| ||d^2x/dw^2||."""
    x = model.x(w)
    g = model.grad(w)
    fp = cost.df(x)
    stiff = np.abs(cost.d2f(x)) * np.sum(g * g, -1) + np.abs(fp) * model.curvature(w)
    return -fp[..., None] * g, stiff


def _rk4(model, cost, w, dt, k1):
    """One classical Runge-Kutta step of size dt from w, given k1 = dw/dt at w."""
    dt = np.asarray(dt)[..., None]
    k2 = _rhs(model, cost, w + 0.5 * dt * k1)
    k3 = _rhs(model, cost, w + 0.5 * dt * k2)
    k4 = _rhs(model, cost, w + dt * k3)
    return w + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


# --------------------------------------------------------------------- the flow
@dataclass(frozen=True)
class FlowResult:
    """Weights, x, loss and conserved quantity along a trajectory.

    ``weights`` has shape (len(t), n_params): (w1, w2) for "linear" and the neurons
    (w1 = weights[:, :h]), (w_1..w_N) for "chain". ``conserved`` is the imbalance c in
    nuclear-norm units (signed w1^2 - w2^2 when h = 1; w1^2 - w2^2 for a chain), or the
    neuron's invariant (``neuron_invariant``: w2^2 - (1 + w1^2)^2/2 for the sigmoid,
    sinh^2 w1 - w2^2 for tanh).
    """
    model: str
    t: np.ndarray
    weights: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    conserved: np.ndarray
    diverged: bool

    @property
    def w1(self):
        return self.weights[:, : max(1, self.weights.shape[1] // 2)] if self.model != "chain" \
            else self.weights[:, :1]

    @property
    def w2(self):
        h = self.weights.shape[1] // 2
        return self.weights[:, h:] if self.model != "chain" else self.weights[:, 1:2]


def _jacobian(model, cost, w):
    """d(dw/dt)/dw = -(f''(x) grad x grad x^T + f'(x) Hess x) for the scalar chain."""
    x = model.x(w)
    g = model.grad(w)
    return -(float(cost.d2f(x)) * np.outer(g, g) + float(cost.df(x)) * model.hessian_x(w))


def _flow(model, cost, w0, t, rtol):
    """Integrate dw/dt = -f'(x) dx/dw at times t: scipy's DOP853 (8th order, adaptive), or
    for the scalar chain LSODA with the exact Jacobian. A deep chain is stiff at its minimum
    (the Hessian there, f''(x*) |grad x|^2, reaches 10^4 at depth 6), where an explicit
    method needs ~10^5 steps for a flow that converged long before; LSODA switches to BDF."""
    from scipy.integrate import solve_ivp   # imported here: it costs 0.3 s at start-up

    t = sample_times(t)
    rtol = positive_scalar("rtol", rtol)
    if not 1e-14 <= rtol <= 1e-2:
        raise ValueError(f"rtol must be between 1e-14 and 0.01, got {rtol:g}")
    w0 = np.asarray(w0, dtype=float)
    evaluations = [0]

    def rhs(_, w):
        evaluations[0] += 1
        if evaluations[0] > MAX_EVALUATIONS:
            raise _TooMuchWork
        return _rhs(model, cost, w)

    def jac(_, w):
        return _jacobian(model, cost, w)
    # solve_ivp needs strictly increasing t_eval and t[-1] > 0: integrate at the distinct times
    tu, inv = np.unique(t, return_inverse=True)
    with np.errstate(over="ignore", invalid="ignore"):
        speed = float(np.max(np.abs(_rhs(model, cost, w0))))
    if tu[-1] * speed <= 1e-16 * (1.0 + float(np.max(np.abs(w0)))):
        # the span cannot move w by a rounding error (t = 5e-324, or a stationary start):
        # w stays w0 (LSODA would loop on such a span)
        out = np.repeat(w0[None, :], len(tu), axis=0)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            stiff = {"method": "LSODA", "jac": jac} \
                if isinstance(model, _Chain) else {"method": "DOP853"}
            try:
                sol = solve_ivp(rhs, (0.0, float(tu[-1])), w0, t_eval=tu, rtol=rtol,
                                atol=rtol * 1e-2, **stiff)
            except _TooMuchWork:
                raise ValueError(
                    f"the flow to t = {tu[-1]:g} needs more than {MAX_EVALUATIONS} "
                    f"evaluations of dw/dt (rtol = {rtol:g}): reduce the last time t[-1] "
                    "(or raise rtol)") from None
        out = sol.y.T
    out = out[inv[inv < len(out)]]
    ok = np.all(np.isfinite(out), -1) & (np.max(np.abs(out), -1) <= DIVERGENCE_LIMIT)
    last = int(np.argmin(ok)) if not ok.all() else len(out)
    out = out[:last]
    x = model.x(out)
    return FlowResult(model.name, t[:last], out, x, cost.f(x), model.conserved(out),
                      last < t.size)


class _TooMuchWork(Exception):
    """Raised inside the integrator when it passes MAX_EVALUATIONS."""


def integrate_flow(cost, w1, w2, t, *, target=None, activation="linear", rtol=1e-10):
    """Gradient flow dw1/dt = -f'(x) dx/dw1, dw2/dt = -f'(x) dx/dw2 sampled at times t.

    x = w2 . w1 (``activation="linear"``, w1 and w2 scalars or vectors of width h),
    x = w2 sigma(w1) (``"sigmoid"``, sigma(z) = z / sqrt(1 + z^2), the paper's example) or
    x = w2 tanh(w1) (``"tanh"``, an extension beyond the paper); the neurons take scalars.
    Integrated with an adaptive 8th-order Runge-Kutta method (DOP853) to relative
    tolerance ``rtol``. ``cost`` is a Cost or a name from COSTS (``target`` sets its minimiser).
    """
    cost = _as_cost(cost, target)
    choice("activation", activation, ACTIVATIONS)
    w1 = np.atleast_1d(finite_array("w1", w1, ndim=(0, 1), limit=MAX_INPUT, nonempty=True))
    w2 = np.atleast_1d(finite_array("w2", w2, ndim=(0, 1), limit=MAX_INPUT, nonempty=True))
    if w1.shape != w2.shape:
        raise ValueError(f"w1 and w2 must have the same width, got {w1.size} and {w2.size}")
    if activation != "linear" and w1.size != 1:
        raise ValueError(f"the {activation} neuron x = w2 {activation}(w1) takes scalar weights")
    model = _Linear(w1.size) if activation == "linear" else NEURONS[activation]
    return _flow(model, cost, np.concatenate([w1, w2]), t, rtol)


def integrate_chain(cost, weights, t, *, target=None, rtol=1e-10):
    """Gradient flow of f(w_N ... w_1) for a depth-N scalar chain, sampled at times t.

    dw_i/dt = -f'(x) prod_{j != i} w_j; every w_i^2 - w_j^2 is conserved.
    """
    cost = _as_cost(cost, target)
    w = finite_array("weights", weights, ndim=1, limit=MAX_INPUT)
    integer_in_range("the number of weights (the depth)", w.size, 2, 50)
    return _flow(_Chain(w.size), cost, w, t, rtol)


# ------------------------------------------------------------- gradient descent
@dataclass(frozen=True)
class DescentResult:
    """Iterates of gradient descent; ``diverged_at`` is the step where |w| blew up (or None)."""
    model: str
    lr: float
    weights: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    conserved: np.ndarray
    diverged_at: int | None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def gradient_descent(cost, weights, *, lr, n_steps, target=None, model="linear"):
    """Discrete gradient descent w <- w - lr f'(x) dx/dw for ``n_steps`` steps.

    ``weights`` is (w1, w2) stacked as [w1..., w2...] for model "linear" (width h = len/2),
    [w1, w2] for "sigmoid" and "tanh", and [w_1..w_N] for "chain". Stops and reports ``diverged_at``
    when |w| or |x| exceeds 1e6. Stable near a minimum only for lr < gd_step_limit(cost, c).
    """
    cost = _as_cost(cost, target)
    choice("model", model, ("linear", "chain") + tuple(NEURONS))
    w = finite_array("weights", weights, ndim=1, limit=MAX_INPUT)
    lr = positive_scalar("lr", lr)
    n_steps = integer_in_range("n_steps", n_steps, 0, 1_000_000)
    if model == "chain":
        integer_in_range("depth", w.size, 2)
        par = _Chain(w.size)
    elif model in NEURONS:
        if w.size != 2:
            raise ValueError(f"the {model} neuron has two weights, got {w.size}")
        par = NEURONS[model]
    else:
        if w.size % 2 or w.size == 0:
            raise ValueError(f"weights of a linear model are [w1..., w2...], of even length, got {w.size}")
        par = _Linear(w.size // 2)
    out = np.empty((n_steps + 1, w.size))
    out[0] = w
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, n_steps + 1):
            w = w + lr * _rhs(par, cost, w)
            # |x| counts too: a depth-N product outgrows its weights (|w| = 40 at N = 6)
            if (not np.all(np.isfinite(w)) or np.max(np.abs(w)) > DIVERGENCE_LIMIT
                    or not abs(float(par.x(w))) <= DIVERGENCE_LIMIT):
                diverged_at = k
                break
            out[k] = w
    out = out[: (diverged_at or n_steps + 1)]
    x = par.x(out)
    return DescentResult(model, lr, out, x, cost.f(x), par.conserved(out), diverged_at)


def gd_step_limit(cost, imbalance, minimiser=None):
    """Largest stable step at a minimiser x*: lr < 2 / (f''(x*) sqrt(c^2 + 4 x*^2))."""
    cost = _as_cost(cost, None)
    c = finite_scalar("imbalance", imbalance, limit=MAX_INPUT)
    xs = cost.minimisers[-1] if minimiser is None else finite_scalar("minimiser", minimiser, limit=MAX_INPUT)
    curv = float(cost.d2f(xs)) * math.sqrt(c * c + 4 * xs * xs)
    return math.inf if curv <= 0 else 2.0 / curv


# ---------------------------------------------------------------- the saddle
@dataclass(frozen=True)
class OriginSaddle:
    """The critical point at the origin: Hessian eigenvalues and their directions."""
    kind: str                 # "strict saddle", "non-strict saddle" or "degenerate critical point"
    eigenvalues: np.ndarray
    stable_direction: np.ndarray | None      # in the (w1, w2) plane
    unstable_direction: np.ndarray | None
    description: str


def origin_hessian(cost, *, depth=2, width=1, target=None):
    """Hessian of g at w = 0: [[0, f'(0) I], [f'(0) I, 0]] for depth 2 (eigenvalues ±f'(0),
    each h times), and the zero matrix for a chain of depth >= 3. Also holds for the
    sigmoid and tanh neurons (act(0) = 0, act'(0) = 1)."""
    cost = _as_cost(cost, target)
    depth = integer_in_range("depth", depth, 2, 50)
    width = integer_in_range("width", width, 1, 1000)
    if depth >= 3:
        return np.zeros((depth, depth))
    d = float(cost.df(0.0))
    eye = np.eye(width)
    return np.block([[0 * eye, d * eye], [d * eye, 0 * eye]])


def classify_origin(cost, *, depth=2, width=1, target=None, tol=1e-12):
    """Name the origin from its Hessian: strict saddle iff f'(0) != 0 and depth == 2;
    stable line w2 = sgn(f'(0)) w1, unstable line w2 = -sgn(f'(0)) w1."""
    cost = _as_cost(cost, target)
    H = origin_hessian(cost, depth=depth, width=width)
    eig = np.linalg.eigvalsh(H)
    d = float(cost.df(0.0))
    if depth >= 3:
        kind = "non-strict saddle" if abs(d) > tol else "degenerate critical point"
        desc = f"origin: {kind} (Hessian = 0 for depth {depth})"
        return OriginSaddle(kind, eig, None, None, desc)
    if abs(d) <= tol:
        return OriginSaddle("degenerate critical point", eig, None, None,
                            "origin: degenerate critical point (f'(0) = 0, Hessian = 0)")
    s = math.copysign(1.0, d)
    stable = np.array([1.0, s]) / math.sqrt(2)
    unstable = np.array([1.0, -s]) / math.sqrt(2)
    return OriginSaddle("strict saddle", eig, stable, unstable,
                        f"origin: strict saddle (eigenvalues ±{abs(d):.3g})")


# ---------------------------------------------------------- convergence time
def convergence_time(t, x, cost, eps=1e-3):
    """First time after which |x - x*| < eps for good (inf if never), from a sampled path."""
    cost = _as_cost(cost, None)
    t = sample_times(t)
    x = finite_array("x", x, ndim=1, limit=MAX_INPUT)
    if t.shape != x.shape:
        raise ValueError("t and x must have the same length")
    eps = positive_scalar("eps", eps)
    far = np.nonzero(cost.distance_to_minimum(x) >= eps)[0]
    if far.size == 0:
        return float(t[0]) if t.size else math.inf
    return math.inf if far[-1] == t.size - 1 else float(t[far[-1] + 1])


def convergence_time_numeric(cost, x0, imbalances, eps=1e-3, *, depth=2, t_max=200.0,
                             safety=0.1, max_iter=20_000, target=None):
    """T(c): time for the flow from product x0 and imbalance c to reach |x - x*| < eps.

    Depth 2 integrates (w1, w2) with w1^2 - w2^2 = c, which by the exact reduction
    covers every width; depth N >= 3 the tied chain of ``initial_weights``. RK4
    vectorised over c, each element with its own step safety / stiffness; the
    crossing time is interpolated within the last step.

    inf where the flow provably never gets within eps of a minimiser: x(t) obeys
    dx/dt = -f'(x) R(x) with R >= 0 (R = sqrt(c^2 + 4x^2) at depth 2; the tied chain
    R = s^(2N-4) (s^2 + (N-1) w1^2), zero at x = 0 when c >= 0), so x moves monotonically
    from x0 towards the first zero b of f' R in the direction of -f'(x0) and never passes
    it; T is finite iff |b - x*| < eps for a minimiser x* (``barrier_of_flow``). Those
    starts are not integrated: a start exactly on the double well's hump never moves (an
    integration from weights whose product is x0 up to rounding would leave it, slowly). inf also
    where t_max comes first. NaN ("not computed") where ``max_iter`` RK4 steps were spent
    before the flow converged or reached t_max: a cap on the work, never a guess.
    """
    cost = _as_cost(cost, target)
    x0 = finite_scalar("x0", x0, limit=MAX_INPUT)
    c = finite_array("imbalances", imbalances, ndim=(0, 1), limit=MAX_INPUT)
    scalar = c.ndim == 0
    c = np.atleast_1d(c)
    eps = positive_scalar("eps", eps)
    t_max = positive_scalar("t_max", t_max)
    depth = integer_in_range("depth", depth, 2, 50)
    safety = positive_scalar("safety", safety)
    if safety > 1:
        raise ValueError(f"safety (the RK4 step times the stiffness) must be in (0, 1], "
                         f"got {safety:g}")
    max_iter = integer_in_range("max_iter", max_iter, 1, 100_000)
    if c.size * max_iter > 20_000_000:
        raise ValueError(f"{c.size} imbalances x max_iter = {max_iter} RK4 steps is too much "
                         "work: reduce the number of imbalances or max_iter")
    model = _Linear(1) if depth == 2 else _Chain(depth)
    w = (_tied_chain_weights(x0, c, depth) if depth > 2 else
         np.stack(_scalar_pairs(x0, c), -1))
    t = np.zeros(c.shape)
    T = np.full(c.shape, math.inf)
    xs = model.x(w)
    d = cost.distance_to_minimum(xs)
    T[d < eps] = 0.0
    active = d >= eps
    if cost.critical_points:       # the barrier of the exact flow from x0
        b = np.array([_barrier(cost, x0, float(ci), depth) for ci in c])
        active &= cost.distance_to_minimum(b) < eps       # else T = inf, provably
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        wa = w[idx]
        # a diverging start overflows within the step that leaves DIVERGENCE_LIMIT: it
        # never converges (T = inf), which the mask below records without a warning
        with np.errstate(over="ignore", invalid="ignore"):
            k1, stiff = _rhs_and_stiffness(model, cost, wa)
            dt = np.minimum(safety / (stiff + 1e-12), t_max - t[idx])
            wn = _rk4(model, cost, wa, dt, k1)
            d_old = cost.distance_to_minimum(model.x(wa))
            d_new = cost.distance_to_minimum(model.x(wn))
            hit = d_new < eps
            frac = np.clip((d_old - eps) / np.maximum(d_old - d_new, 1e-300), 0, 1)
        gone = ~np.all(np.isfinite(wn), -1) | (np.max(np.abs(wn), -1) > DIVERGENCE_LIMIT)
        hit &= ~gone
        T[idx[hit]] = t[idx[hit]] + frac[hit] * dt[hit]
        w[idx], t[idx] = np.where(gone[:, None], wa, wn), t[idx] + dt
        active[idx[hit | (t[idx] >= t_max) | gone]] = False
    T[active] = math.nan                  # the step cap came first: not computed
    return float(T[0]) if scalar else T


def _barrier(cost, x0, c, depth):
    """The first zero b of dx/dt = -f'(x) R(x) that the flow from x0 meets (x0 itself if
    it is one): a critical point of f, or x = 0 where R vanishes (depth 2: c = 0; the tied
    chain: c >= 0, where x = 0 means s = 0). x(t) tends to b monotonically."""
    zeros = list(cost.critical_points)
    if c == 0 or (depth > 2 and c >= 0):
        zeros.append(0.0)
    zeros = np.array(zeros, dtype=float)
    if np.any(zeros == x0) or float(cost.df(x0)) == 0:
        return x0
    down = float(cost.df(x0)) > 0               # x decreases
    ahead = zeros[zeros < x0] if down else zeros[zeros > x0]
    if ahead.size == 0:
        return -math.inf if down else math.inf
    return float(ahead.max() if down else ahead.min())


def barrier_of_flow(cost, x0, imbalance, *, depth=2, target=None):
    """The point b the product x(t) of the flow from x0 (imbalance c, depth N) tends to,
    monotonically, without passing it: the first zero of f'(x) R(x) in the direction of
    -f'(x0), R the speed factor of the exact reduction (``convergence_time_numeric``);
    ±inf if there is none. The flow converges iff b is a minimiser."""
    cost = _as_cost(cost, target)
    if not cost.critical_points:
        raise ValueError(f"the cost {cost.name!r} does not list its critical points")
    return _barrier(cost, finite_scalar("x0", x0, limit=MAX_INPUT),
                    finite_scalar("imbalance", imbalance, limit=MAX_INPUT),
                    integer_in_range("depth", depth, 2, 50))


# ------------------------------------------------------------ initial weights
def initial_weights(x0, imbalance, *, width=1, depth=2, mirror=False):
    """Weights with product x0 and imbalance c.

    depth 2, h = 1: w1^2 - w2^2 = c, w1 w2 = x0 (c is signed: the hyperbola branch),
        w1 = sqrt(c) cosh(theta), w2 = sqrt(c) sinh(theta), sinh(2 theta) = 2 x0 / c.
    depth 2, h > 1: w1, w2 span two directions (not parallel) with w2 . w1 = x0 and
        nuclear-norm imbalance |c|.
    depth N >= 3 (scalar chain): w_1 and w_2 = ... = w_N = s with w_1^2 - s^2 = c and
        w_1 s^(N-1) = x0; the tied layers stay equal under the flow.
    ``mirror`` applies the symmetry that keeps x: w -> -w (depth 2 and even N),
    (w_1, s) -> (w_1, -s) for odd N.
    Returns an array: [w1..., w2...] for depth 2, [w_1..w_N] for a chain.
    """
    x0 = finite_scalar("x0", x0, limit=MAX_INPUT)
    c = finite_scalar("imbalance", imbalance, limit=MAX_INPUT)
    width = integer_in_range("width", width, 1, 1000)
    depth = integer_in_range("depth", depth, 2, 50)
    if depth >= 3:
        w = _tied_chain_weights(x0, c, depth)
        if mirror:
            w[1:] = -w[1:]
            if depth % 2 == 0:
                w[0] = -w[0]
        return w
    sign = -1.0 if mirror else 1.0
    a, b = (float(v) for v in _scalar_pairs(x0, c))
    if width == 1:
        return sign * np.array([a, b])
    # w1 = p u + g v, w2 = q u - g v: x = pq - g^2 and |w1|^2 + |w2|^2 = p^2 + q^2 + 2 g^2
    S = math.sqrt(c * c + 4 * x0 * x0)
    g = math.sqrt(max(S - 2 * abs(x0), 0.0) / 8)
    prod, sq = x0 + g * g, S - 2 * g * g
    plus = math.sqrt(max(sq + 2 * prod, 0.0))
    minus = math.sqrt(max(sq - 2 * prod, 0.0))
    p, q = (plus + minus) / 2, (plus - minus) / 2
    if c < 0:
        p, q = q, p
    u = np.zeros(width)
    v = np.zeros(width)
    u[0], v[1] = 1.0, 1.0
    return sign * np.concatenate([p * u + g * v, q * u - g * v])


def start_from_point(w1, w2, *, depth=2):
    """(x0, c, mirror) such that initial_weights(x0, c, depth=depth, mirror=mirror) starts
    at (w1, w2) in the phase plane (for depth N >= 3: w_1 = w1 and w_2..w_N = w2)."""
    w1 = finite_scalar("w1", w1, limit=MAX_INPUT)
    w2 = finite_scalar("w2", w2, limit=MAX_INPUT)
    depth = integer_in_range("depth", depth, 2, 50)
    c = w1 * w1 - w2 * w2
    x0 = w1 * w2 ** (depth - 1)
    if abs(x0) > MAX_INPUT:
        raise ValueError(f"the start's product x0 = w1 w2^(N-1) = {x0:.3g} is larger than "
                         f"{MAX_INPUT:g}: reduce |w1|, |w2| or the depth")
    if x0 == 0 and depth >= 3:           # on an axis (or w2^(N-1) underflows): the zero's
        # sign carries sgn(w1 w2^(N-1)), so initial_weights (+ mirror) restores the sign of w1
        x0 = math.copysign(0.0, -w1 if (w2 < 0 and depth % 2 == 0) else w1)
    mirror = (w2 < 0) if depth >= 3 else ((w1 < 0) if c >= 0 else (w2 < 0))
    return x0, c, bool(mirror)


def scalar_pair(x, imbalance, *, mirror=False):
    """The h = 1 pair (w1, w2) with w1 w2 = x and w1^2 - w2^2 = c (vectorised over x):
    the phase-plane picture of any width, by the exact reduction."""
    x = finite_array("x", x, limit=MAX_INPUT)
    c = finite_scalar("imbalance", imbalance, limit=MAX_INPUT)
    w1, w2 = _scalar_pairs(x, c)
    sign = -1.0 if mirror else 1.0
    return sign * w1, sign * w2


def _scalar_pairs(x0, c):
    """(w1, w2) with w1 w2 = x0 and w1^2 - w2^2 = c, broadcast over x0 and c; on the
    branch c >= 0 w1 >= 0, on c < 0 w2 > 0."""
    S = np.sqrt(c * c + 4 * x0 * x0)
    big = np.sqrt((S + np.abs(c)) / 2)
    small = np.sqrt(np.maximum((S - np.abs(c)) / 2, 0.0))
    w1 = np.where(c >= 0, big, np.copysign(small, x0))
    w2 = np.where(c >= 0, np.copysign(small, x0), big)
    return w1, w2


def _tied_chain_weights(x0, c, depth):
    """Solve w1^2 - s^2 = c, w1 s^(N-1) = x0 for s >= 0 by bisection (the product is
    monotone in s); vectorised over c."""
    c = np.asarray(c, dtype=float)
    lo = np.sqrt(np.maximum(-c, 0.0))
    if x0 == 0:
        s = lo
    else:
        def prod(s):
            return np.sqrt(np.maximum(s * s + c, 0.0)) * s ** (depth - 1)
        hi = lo + 1.0
        for _ in range(60):
            short = prod(hi) < abs(x0)
            if not short.any():
                break
            hi = np.where(short, 2 * hi, hi)
        else:
            raise ValueError("no tied chain weights reach that x0; choose a smaller |x0|")
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            below = prod(mid) < abs(x0)
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        s = 0.5 * (lo + hi)
    w1 = np.copysign(np.sqrt(np.maximum(s * s + c, 0.0)), x0)   # x0 = -0.0 gives w1 <= 0
    return np.stack([w1] + [s] * (depth - 1), -1)


# ------------------------------------------------------ the phase plane (w1, w2)
# The plane shows (w1, w2) for h = 1, (w_1, w_2 = ... = w_N) for a tied chain of depth N,
# and (w1, w2) of a neuron x = w2 act(w1) (the paper's sigmoid, or tanh).

def _plane_model(depth, activation):
    depth = integer_in_range("depth", depth, 2, 50)
    choice("activation", activation, ACTIVATIONS)
    if activation != "linear" and depth != 2:
        raise ValueError(f"the {activation} neuron x = w2 {activation}(w1) has depth 2")
    return depth, activation


def _neuron(activation):
    choice("activation", activation, tuple(NEURONS))
    return NEURONS[activation]


def neuron_invariant(w1, w2, *, activation="sigmoid"):
    """The conserved quantity of a neuron's flow: C = w2^2 - (1 + w1^2)^2 / 2 for the
    paper's sigmoid (eq. 10), Q = sinh^2 w1 - w2^2 for tanh."""
    neuron = _neuron(activation)
    w1 = finite_array("w1", w1, limit=MAX_INPUT)
    w2 = finite_array("w2", w2, limit=MAX_INPUT)
    return neuron.conserved(np.stack(np.broadcast_arrays(w1, w2), -1))


def neuron_start(x0, invariant, *, activation="sigmoid", mirror=False):
    """(w1, w2) of a neuron with product w2 act(w1) = x0 on the level set of its invariant
    (``neuron_invariant``) equal to ``invariant``.

    For x0 != 0 the start is w1 > 0, w2 = x0 / act(w1), and the invariant along that curve
    is monotone in w1 (sigmoid: C = x0^2 (1 + w1^2)/w1^2 - (1 + w1^2)^2/2 falls from +inf to
    -inf; tanh: Q = sinh^2 w1 - x0^2/tanh^2 w1 rises from -inf to +inf), so bisection finds
    the one w1 (bisected in log w1, so a tiny x0 is found too). For x0 = 0 the start is on an axis: sigmoid w2 = sqrt(C + 1/2) (C >= -1/2)
    or w1 = sqrt(sqrt(-2C) - 1); tanh w1 = arsinh sqrt(Q) (Q >= 0) or w2 = sqrt(-Q).
    ``mirror`` gives (-w1, -w2): the same product and invariant.
    """
    neuron = _neuron(activation)
    x0 = finite_scalar("x0", x0, limit=MAX_INPUT)
    q = finite_scalar("invariant", invariant, limit=MAX_INPUT)
    if x0 == 0:
        if activation == "sigmoid":
            w = (0.0, math.sqrt(q + 0.5)) if q >= -0.5 else (math.sqrt(math.sqrt(-2 * q) - 1), 0.0)
        else:
            w = (math.asinh(math.sqrt(q)), 0.0) if q >= 0 else (0.0, math.sqrt(-q))
    else:
        def level(s):                     # invariant at w1 = e^s on the curve of product x0
            u = math.exp(s)
            with np.errstate(over="ignore"):
                return float(neuron.conserved(np.array([u, x0 / float(neuron.act(u))])))
        rising = activation == "tanh"
        lo, hi = -745.0, 14.0             # w1 from the smallest float to 1.2e6, bisected in log w1
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if (level(mid) < q) == rising else (lo, mid)
        u = math.exp(0.5 * (lo + hi))
        w = (u, x0 / float(neuron.act(u)))
    w = np.array(w)
    return -w if mirror else w


def plane_product(w1, w2, *, depth=2, activation="linear"):
    """x at the plane point (w1, w2): w1 w2^(N-1) (tied chain, N = depth; w1 w2 for N = 2)
    or w2 act(w1) for a neuron."""
    depth, activation = _plane_model(depth, activation)
    w1 = finite_array("w1", w1)
    w2 = finite_array("w2", w2)
    with np.errstate(over="ignore"):           # beyond the floats x is ±inf, honestly
        if activation != "linear":
            return w2 * NEURONS[activation].act(w1)
        return w1 * w2 ** (depth - 1)


def plane_loss_gap(cost, w1, w2, *, depth=2, activation="linear", target=None):
    """g(w) - g* = f(x(w)) - min f on the plane (x from ``plane_product``): zero exactly on
    the minima curves, f(0) - min f at the saddle."""
    cost = _as_cost(cost, target)
    x = plane_product(w1, w2, depth=depth, activation=activation)
    with np.errstate(over="ignore"):           # g beyond the floats is +inf, honestly
        return cost.f(x) - cost.minimum


#: the most points a curve for the picture may have
MAX_POINTS = 100_000


def _extent(extent):
    return finite_scalar("extent", positive_scalar("extent", extent), limit=MAX_INPUT)


def hyperbolas(levels, extent, n=200):
    """The level sets w1^2 - w2^2 = k of the imbalance for each k in ``levels``, as a list of
    (w1, w2) branches over the square |w1|, |w2| <= extent: w1 = +-sqrt(k + w2^2) for k > 0,
    w2 = +-sqrt(w1^2 - k) for k < 0, and the diagonals w2 = +-w1 for k = 0. (Points of a
    branch may lie outside the square; the axes clip them.)"""
    levels = finite_array("levels", levels, ndim=1, limit=MAX_INPUT)
    if levels.size > 1000:
        raise ValueError(f"levels must hold at most 1000 values, got {levels.size}")
    extent = _extent(extent)
    n = integer_in_range("n", n, 2, MAX_POINTS)
    u = np.linspace(-extent, extent, n)
    out = []
    for k in levels:
        if k > 0:
            v = np.sqrt(k + u ** 2)
            out += [(v, u), (-v, u)]
        elif k < 0:
            v = np.sqrt(u ** 2 - k)
            out += [(u, v), (u, -v)]
        else:
            out += [(u, u), (u, -u)]
    return out


def _level_branches(q, u, activation):
    """The level set {invariant = q} as +- branches over the parameter u (see level_sets)."""
    if activation == "sigmoid":      # C = w2^2 - (1 + w1^2)^2 / 2
        if q >= -0.5:
            v = np.sqrt(q + 0.5 * (1 + u ** 2) ** 2)
            return [(u, v), (u, -v)]
        v = np.sqrt(np.sqrt(2 * (u ** 2 - q)) - 1)
        return [(v, u), (-v, u)]
    # tanh: Q = sinh^2 w1 - w2^2
    if q >= 0:
        v = np.arcsinh(np.sqrt(q + u ** 2))
        return [(v, u), (-v, u)]
    v = np.sqrt(np.sinh(u) ** 2 - q)
    return [(u, v), (u, -v)]


def level_sets(extent, *, activation="linear", depth=2, n_levels=6, n=200):
    """The level sets of the conserved quantity drawn behind the phase portrait: those through
    the axis points (+-v, 0) and (0, +-v), v = extent k / n_levels (k = 1..n_levels), and the
    one through the origin (the saddle's manifolds), as a list of (w1, w2) branches.

    Linear (depth 2 and the tied chain's w1^2 - w2^2): the hyperbolas w1^2 - w2^2 = +-v^2.
    Sigmoid: C = w2^2 - (1 + w1^2)^2/2 = v^2 - 1/2 or -(1 + v^2)^2/2, and C = -1/2.
    Tanh: Q = sinh^2 w1 - w2^2 = sinh^2 v or -v^2, and Q = 0."""
    depth, activation = _plane_model(depth, activation)
    extent = _extent(extent)
    n_levels = integer_in_range("n_levels", n_levels, 1, 100)
    n = integer_in_range("n", n, 2, MAX_POINTS)
    v = extent * np.arange(1, n_levels + 1) / n_levels
    if activation == "linear":
        return hyperbolas(np.concatenate([-v[::-1] ** 2, [0.0], v ** 2]), extent, n)
    neuron = NEURONS[activation]
    levels = np.concatenate([neuron.conserved(np.stack([0 * v, v], -1)),
                             neuron.conserved(np.stack([v, 0 * v], -1)),
                             neuron.conserved(np.zeros(2))[None]])
    u = np.linspace(-2 * extent, 2 * extent, n)
    with np.errstate(invalid="ignore", over="ignore"):
        return [(np.where(np.isfinite(a), a, np.nan), np.where(np.isfinite(b), b, np.nan))
                for q in levels for a, b in _level_branches(float(q), u, activation)]


def conserved_curve(w1, w2, *, activation="linear", n=100):
    """The level set of the conserved quantity through the first point of a plane path
    (w1, w2), over the stretch of the path: w1^2 - w2^2 = c (the hyperbola; parametrised
    by w2 when c >= 0, by w1 when c < 0, where the path may cross w1 = 0), or the neuron's
    invariant (``neuron_invariant``) on the branch through the start (sigmoid:
    w2 = sgn(w2(0)) sqrt(C + (1 + w1^2)^2/2) for C >= -1/2, else w1 = sgn(w1(0))
    sqrt(sqrt(2 (w2^2 - C)) - 1); tanh: w1 = sgn(w1(0)) arsinh sqrt(Q + w2^2) for Q >= 0,
    else w2 = sgn(w2(0)) sqrt(sinh^2 w1 - Q)). Empty for fewer than 2 points."""
    choice("activation", activation, ACTIVATIONS)
    a = finite_array("w1", w1, ndim=1)      # a diverging path may reach 1e200: NaN breaks
    b = finite_array("w2", w2, ndim=1)
    n = integer_in_range("n", n, 2, MAX_POINTS)
    if a.shape != b.shape:
        raise ValueError(f"w1 and w2 must have the same length, got {a.size} and {b.size}")
    if a.size < 2:
        return np.empty(0), np.empty(0)
    # a diverging descent path reaches weights whose squares overflow: such points are NaN
    # (a break in the drawn line), not a warning
    with np.errstate(over="ignore", invalid="ignore"):
        u, v = _conserved_curve(a, b, activation, n)
    return np.where(np.isfinite(u), u, np.nan), np.where(np.isfinite(v), v, np.nan)


def _conserved_curve(a, b, activation, n):
    if activation == "linear":
        c = a[0] ** 2 - b[0] ** 2
        by_w2 = c >= 0
    else:
        c = float(NEURONS[activation].conserved(np.array([a[0], b[0]])))
        by_w2 = (c < -0.5) if activation == "sigmoid" else (c >= 0)
    if by_w2:        # a branch w1(w2): sign of w1 from the start
        bs = np.linspace(b.min(), b.max(), n)
        if activation == "linear":
            w1s = np.sqrt(c + bs ** 2)
        else:
            w1s = _level_branches(c, bs, activation)[0][0]
        return np.sign(a[0] or 1) * w1s, bs
    as_ = np.linspace(a.min(), a.max(), n)
    if activation == "linear":
        w2s = np.sqrt(as_ ** 2 - c)
    else:
        w2s = _level_branches(c, as_, activation)[0][1]
    return as_, np.sign(b[0] or 1) * w2s


def minima_curves(cost, *, depth=2, activation="linear", extent=2.5, n=400, target=None):
    """The minima of g in the plane, x(w) = x* for each minimiser x* of f, as one polyline
    with NaN breaks over w1 in [-extent, extent]: w2 = (x*/w1)^(1/(N-1)) (one real root when
    N - 1 is odd; the two roots +-|x*/w1|^(1/(N-1)) where x*/w1 > 0 when N - 1 is even), or
    w2 = x* / act(w1) for a neuron (the sigmoid's target set w2 sigma(w1) = x* needs
    |w2| > |x*|, since |sigma| < 1). Points with |w2| > 2 extent are NaN (off the picture)."""
    cost = _as_cost(cost, target)
    depth, activation = _plane_model(depth, activation)
    extent = _extent(extent)
    n = integer_in_range("n", n, 2, MAX_POINTS)
    w1s = np.linspace(-extent, extent, n)
    segs = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in cost.minimisers:
            if activation != "linear":
                w2s = m / NEURONS[activation].act(w1s)
                segs += [(w1s[w1s > 0], w2s[w1s > 0]), (w1s[w1s < 0], w2s[w1s < 0])]
                continue
            r = m / w1s
            k = depth - 1
            root = np.sign(r) * np.abs(r) ** (1.0 / k)
            for side in (w1s > 0, w1s < 0):
                if k % 2 == 1:
                    segs.append((w1s[side], root[side]))
                else:
                    ok = side & (r > 0)
                    segs += [(w1s[ok], root[ok]), (w1s[ok], -root[ok])]
    if not segs:
        return np.empty(0), np.empty(0)
    xs = np.concatenate([np.append(a, np.nan) for a, _ in segs])
    ys = np.concatenate([np.append(b, np.nan) for _, b in segs])
    ys[np.abs(ys) > 2 * extent] = np.nan
    return xs, ys


def origin_manifolds(cost, *, depth=2, activation="linear", extent=2.5, target=None):
    """The (centre-)stable and unstable curves of the saddle at the origin, each (w1, w2)
    over |w1| <= extent, or None where the origin is no strict saddle (depth >= 3, f'(0) = 0).
    With s = sgn f'(0):

    Linear, depth 2: the lines w2 = s w1 (stable) and w2 = -s w1 (``classify_origin``).
    Sigmoid (the paper's separatrices, the level set C = -1/2):
    w2 = s w1 sqrt((2 + w1^2)/2) (stable) and w2 = -s w1 sqrt((2 + w1^2)/2) (unstable);
    for the paper's f = (1 - x)^2, s = -1: the minus branch is the centre-stable one.
    Tanh: on Q = 0, w2 = s sinh w1 (stable) and w2 = -s sinh w1 (unstable).
    All are tangent to the linear lines at the origin."""
    cost = _as_cost(cost, target)
    depth, activation = _plane_model(depth, activation)
    extent = positive_scalar("extent", extent)
    sad = classify_origin(cost, depth=depth)
    if sad.stable_direction is None:
        return None
    if activation != "linear":
        w1s = np.linspace(-extent, extent, 401)
        sgn = math.copysign(1.0, float(cost.df(0.0)))
        shape = (w1s * np.sqrt((2 + w1s ** 2) / 2) if activation == "sigmoid"
                 else np.sinh(w1s))
        return (w1s, sgn * shape), (w1s, -sgn * shape)
    s = np.array([-2 * extent, 2 * extent])
    return ((s * sad.stable_direction[0], s * sad.stable_direction[1]),
            (s * sad.unstable_direction[0], s * sad.unstable_direction[1]))


# ---------------------------------------------------- Prop. 5 and Cor. 6 of the paper
def bad_set_distance(cost, w1, w2, *, target=None):
    """The paper's distance to the bad set (Prop. 5): d = ||w1 - s w2^T||, s = sgn f'(0)
    (0 when f'(0) = 0); batched over leading axes (scalars or width-h vectors). Starts with
    d > 0 converge to the minima G_f; the bad set d = 0 does not depend on f beyond s."""
    cost = _as_cost(cost, target)
    w1 = finite_array("w1", w1, limit=MAX_INPUT)
    w2 = finite_array("w2", w2, limit=MAX_INPUT)
    if w1.shape != w2.shape:
        raise ValueError(f"w1 and w2 must have the same shape, got {w1.shape} and {w2.shape}")
    s = float(np.sign(cost.df(0.0)))
    diff = w1 - s * w2
    return np.abs(diff) if diff.ndim == 0 else np.sqrt(np.sum(diff ** 2, -1))


def pd_pl_constant(cost, x0, *, target=None, n=4001):
    """The largest alpha with |f'(x)| >= alpha (f(x) - f*) on the sublevel set
    {f <= max(f(x0), f(0))} that the flow from x0 stays in (Cor. 6's PD-PL inequality,
    checked on a grid of n points): 0 when f has a critical point there that is not a
    minimum (the double well's hump, e.g. f'(0) = 0 with f(0) > f*)."""
    cost = _as_cost(cost, target)
    x0 = finite_scalar("x0", x0, limit=MAX_INPUT)
    n = integer_in_range("n", n, 11, 10 ** 6)
    fstar = cost.minimum
    level = max(float(cost.f(x0)), float(cost.f(0.0)))
    # the sublevel set lies within |x| <= R: all costs here grow at least like |x - x*|
    R = max(abs(x0), 1.0) + max(abs(m) for m in cost.minimisers) + 2 * math.sqrt(level - fstar + 1)
    x = np.linspace(-R, R, n)
    ms = sorted(cost.minimisers)
    humps = [(a + b) / 2 for a, b in zip(ms, ms[1:])]       # the double well's hump
    x = np.union1d(x, [0.0, x0, *ms, *humps])
    gap = cost.f(x) - fstar
    inside = (cost.f(x) <= level) & (gap > 1e-9 * max(level - fstar, 1e-300))
    if not inside.any():
        return math.inf
    return float(np.min(np.abs(cost.df(x[inside])) / gap[inside]))


# ----------------------------------------------------------- the loss bound
def loss_bound_rate(cost, x0, *, target=None):
    """mu with (x - x*) f'(x) >= mu (x - x*)^2 for |x - x*| <= d0 = |x0 - x*| (None where no
    such mu > 0 holds: the double well): 1 for the quadratic, tanh(d0)/d0 for log-cosh
    (tanh(u)/u decreases in |u|, so its value at the edge d0 is the minimum)."""
    cost = _as_cost(cost, target)
    x0 = finite_scalar("x0", x0, limit=MAX_INPUT)
    d0 = float(cost.distance_to_minimum(x0))
    if cost.name == "quadratic":
        return 1.0
    if cost.name == "log-cosh":
        return math.tanh(d0) / d0 if d0 > 0 else 1.0
    return None


def loss_bound(cost, x0, imbalance, t, *, target=None):
    """The bound f(x(t)) - f* <= d0^2/2 e^(-2 mu c t) of the flow from x0 with imbalance c
    (c = |c|, mu = ``loss_bound_rate``; d0 = |x0 - x*|), or None without a mu.

    From d/dt (x - x*)^2/2 = -(x - x*) f'(x) sqrt(c^2 + 4x^2) <= -mu c (x - x*)^2 and
    f - f* <= (x - x*)^2 / 2 for the quadratic and log-cosh costs."""
    cost = _as_cost(cost, target)
    mu = loss_bound_rate(cost, x0)
    c = abs(finite_scalar("imbalance", imbalance, limit=MAX_INPUT))
    t = sample_times(t)
    if mu is None:
        return None
    d0 = float(cost.distance_to_minimum(finite_scalar("x0", x0, limit=MAX_INPUT)))
    with np.errstate(under="ignore"):
        return 0.5 * d0 ** 2 * np.exp(-2 * mu * c * t)


def phase_plane_coordinates(result, *, branch=1.0, mirror=False):
    """(w1, w2) along a run as the phase plane shows it: the weights themselves for h = 1,
    a chain (w_1, w_2) and the neurons; for width h > 1 the equivalent scalar pair with
    the same x and w1^2 - w2^2 = sgn(branch) c (c the run's nuclear-norm imbalance), which by
    the exact reduction follows the same x(t)."""
    branch = finite_scalar("branch", branch, limit=MAX_INPUT)
    if not isinstance(result, (FlowResult, DescentResult)):
        raise ValueError(f"result must be a FlowResult or DescentResult (a run), got {result!r}")
    w = np.asarray(result.weights, dtype=float)
    if result.model == "linear" and w.shape[1] > 2:
        h = w.shape[1] // 2
        c = float(imbalance(w[0, :h], w[0, h:])) * (1.0 if branch >= 0 else -1.0)
        return scalar_pair(result.x, c, mirror=mirror)
    return w[:, 0], w[:, 1]
