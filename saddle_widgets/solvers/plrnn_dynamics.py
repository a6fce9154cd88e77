"""Long-run behaviour of ReLU maps: basin maps, Lyapunov exponents, bifurcation diagrams."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ._validation import finite_array, integer_in_range, positive_scalar
from .plrnn_cycles import Cycle, _cycle_list, _make_cycle, _solve_sequences, cycle_from_points, find_cycles
from .plrnn_model import DIVERGENCE_BOUND, PLRNN, ShallowPLRNN, _orbit_within, _PiecewiseAffineMap

__all__ = ["BasinMap", "basin_map", "lyapunov_exponents", "long_orbit", "BifurcationDiagram", "bifurcation_diagram",
           "DIVERGENT", "BOUNDED_OTHER"]

#: Basin label of initial conditions whose orbit leaves every bounded region.
DIVERGENT = -1
#: Basin label of bounded orbits that reach no listed attractor (chaotic, an attractor not
#: listed, or too slow to decide): named "bounded, no attractor found".
BOUNDED_OTHER = -2


def _check_model(model):
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Basins of attraction on a grid of initial conditions.

    labels[iy, ix]: index into ``attractors`` of the attractor the initial condition
    (xs[ix], ys[iy]) converges to, DIVERGENT (-1) or BOUNDED_OTHER (-2, bounded but no listed
    attractor reached: chaotic, or an attractor not listed; Lyapunov exponents tell which).
    steps[iy, ix]: iterations until that was decided (int16 labels, int32 steps: a
    widget caches several maps). names: learner-readable label names
    (dict label -> str). extent: (xmin, xmax, ymin, ymax); plane: the two state axes shown.
    """

    labels: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    attractors: tuple
    names: dict
    extent: tuple
    plane: tuple
    steps: np.ndarray

    def fraction(self, label: int) -> float:
        """Fraction of grid points with this label."""
        return float(np.mean(self.labels == label))


def _attractor_cycles(model, attractors, max_period):
    if attractors is None:
        cycles = find_cycles(model, max_period, seed=0, n_outer=64)
        return tuple(c for c in cycles if c.kind == "stable")
    out = []
    for a in attractors:
        if isinstance(a, Cycle):
            if a.dim != model.dim:
                raise ValueError(f"attractor has dimension {a.dim}, the model {model.dim}")
            out.append(a)
        else:
            out.append(cycle_from_points(model, a))
    return tuple(out)


def refine_stable_cycle(model, pts):
    """The exact stable cycle near approximate cycle points pts (k, M), or None.

    Solves SCYFI's cycle equation with the regions the points visit; None when that system
    is singular, the solution is not within 1e-3 (1 + |pts|) of pts, or it is not stable.
    Used to follow an attractor while a parameter moves (same region sequence)."""
    _check_model(model)
    pts = finite_array("pts", pts, ndim=2, nonempty=True)
    if pts.shape[1] != model.dim:
        raise ValueError(f"pts must have {model.dim} columns (one cycle point per row), "
                         f"got shape {pts.shape}")
    pats = (pts @ model.pre_matrix.T + model.pre_offset) > 0
    J, c = model.affine(pats[None])
    z1, ok = _solve_sequences(J, c)
    if not ok[0]:
        return None
    orb = np.empty_like(pts)
    z = z1[0]
    for i in range(pts.shape[0]):
        orb[i] = z
        z = J[0, i] @ z + c[0, i]
    if np.max(np.abs(orb - pts)) > 1e-3 * (1 + np.max(np.abs(pts))):
        return None
    cyc = _make_cycle(model, orb, pats)
    return cyc if cyc.kind == "stable" else None


def _capture_radius(model, cyc: Cycle, tol):
    """Squared capture radius per cycle point: tol*(1+|p|), or (auto) a tenth of the
    distance to the nearest subregion border, at most 1e-2*(1+|p|)."""
    pts = cyc.points
    scale = 1 + np.max(np.abs(pts), axis=1)
    if tol is not None:
        return (tol * scale) ** 2
    q = pts @ model.pre_matrix.T + model.pre_offset
    norms = np.linalg.norm(model.pre_matrix, axis=1)
    norms = np.where(norms > 0, norms, 1.0)
    dist = np.min(np.abs(q) / norms, axis=1)  # distance of each cycle point to a border
    # a point within r_i of q_i stays within reach of the linear pieces along one period
    J, _ = model.affine(cyc.regions)
    k = cyc.period
    r = np.empty(k)
    for i in range(k):
        G, best = np.eye(model.dim), dist[i]
        for s in range(1, k):
            G = J[(i + s - 1) % k] @ G
            best = min(best, dist[(i + s) % k] / max(np.linalg.norm(G, 2), 1e-300))
        r[i] = best
    r = np.minimum(0.1 * r, 1e-2 * scale)
    r = np.maximum(r, 1e-9 * scale)
    return r ** 2


#: fraction of the largest provable capture ellipsoid that is used (a margin for rounding:
#: the certificate is exact arithmetic; 10 % covers the rounding of P, L and the margins)
_ELLIPSOID_SAFETY = 0.9


def _capture_ellipsoids(model, cyc: Cycle):
    """Provable capture sets of a stable cycle: E_i = {z : |L_i^T (z - p_i)|^2 <= r^2}.

    Returns (Lt (k, M, M) = L_i^T, r2 (k,)); r2 = 0 where no ellipsoid could be certified.

    Why a point of E_i converges to the cycle (exactly, not within a tolerance): with the
    cycle's affine pieces F(z) = J_i z + c_i on its regions D_i, take the periodic
    Lyapunov matrices P_i = L_i L_i^T > 0 solving P_i = J_i^T P_{i+1} J_i + I (indices mod k;
    P_0 from the Lyapunov equation of Π_0 = J_{k-1}...J_0, which has a solution because the
    cycle is stable, spectral radius < 1, then propagated backwards). Then
    ||J_i e||_{P_{i+1}} < ||e||_{P_i} for e != 0. r is chosen so that every ellipsoid
    E_i = {p_i + e : ||e||_{P_i} <= r} lies inside the closed region of D_i (for every unit u,
    max over E_i of |n_u^T e| = r sqrt(n_u^T P_i^-1 n_u) stays below the pre-activation margin
    of p_i). On E_i the map is exactly affine, F(p_i + e) = p_{i+1} + J_i e, so F maps E_i
    into E_{i+1}: the orbit stays in the ellipsoid chain forever and its P-norm distance to
    the cycle decreases geometrically (by at least sqrt(1 - 1/λmax(P)) per step). Only a
    fraction _ELLIPSOID_SAFETY of the certified radius is used, a margin for rounding.
    Cycles that are not stable get r2 = 0.
    """
    k, M = cyc.period, model.dim
    Lt = np.zeros((k, M, M))
    r2 = np.zeros(k)
    if cyc.kind != "stable":
        return Lt, r2
    J, _ = model.affine(cyc.regions)
    pts = cyc.points
    N, off = model.pre_matrix, model.pre_offset
    margin = np.where(cyc.regions, pts @ N.T + off, -(pts @ N.T + off))  # >= 0 inside
    with np.errstate(all="ignore"):
        # P_0 = Σ_{s<k} G_s^T G_s + Π^T P_0 Π, G_s = J_{s-1}...J_0
        Q0, G = np.zeros((M, M)), np.eye(M)
        for s in range(k):
            Q0 += G.T @ G
            G = J[s] @ G
        Pi = G
        P = [None] * k
        try:
            if M <= 12:
                K = np.eye(M * M) - np.kron(Pi.T, Pi.T)
                P0 = np.linalg.solve(K, Q0.ravel()).reshape(M, M)
            else:
                from scipy.linalg import solve_discrete_lyapunov
                P0 = solve_discrete_lyapunov(Pi.T, Q0)
        except (np.linalg.LinAlgError, ValueError):
            return Lt, r2
        P[0] = 0.5 * (P0 + P0.T)
        nxt = P[0]
        for i in range(k - 1, 0, -1):
            Pi_ = J[i].T @ nxt @ J[i] + np.eye(M)
            P[i] = nxt = 0.5 * (Pi_ + Pi_.T)
        r = np.inf
        Ls = []
        for i in range(k):
            Pn = P[(i + 1) % k]
            # numerical check of the one-step contraction J_i^T P_{i+1} J_i < P_i
            D = J[i].T @ Pn @ J[i] - P[i]
            if not (np.all(np.isfinite(P[i])) and np.max(np.linalg.eigvalsh(0.5 * (D + D.T))) < 0):
                return Lt, r2
            try:
                Ls.append(np.linalg.cholesky(P[i]))
                Pinv = np.linalg.inv(P[i])
            except np.linalg.LinAlgError:
                return Lt, r2
            width = np.sqrt(np.einsum("um,mn,un->u", N, Pinv, N))
            m = margin[i]
            if np.any(m < 0) or np.any((m == 0) & (width > 0)):
                return Lt, r2
            ok = width > 0
            if np.any(ok):
                r = min(r, float(np.min(m[ok] / width[ok])))
    if not (np.isfinite(r) and r > 0):
        return Lt, r2
    for i in range(k):
        Lt[i] = Ls[i].T
        r2[i] = (_ELLIPSOID_SAFETY * r) ** 2
    return Lt, r2


class _ColumnStepper:
    """F on column batches (M, n) into preallocated buffers.

    Same arithmetic as ``model._step_T``; only the memory differs: a fresh (2, 40000)
    array per step lies above malloc's mmap threshold, so every step paid page faults
    that cost several times the arithmetic.
    """

    def __init__(self, model, n_max):
        self.params = model._params()
        self.shallow = isinstance(model, ShallowPLRNN)
        # other ReLU maps (ALRNN) step with their own _step_T (fresh arrays)
        self.generic = not (self.shallow or isinstance(model, PLRNN))
        self.step_T = model._step_T
        M = model.dim
        self.M = M
        self.a = np.empty(M * n_max)
        self.b = np.empty(M * n_max)
        H = model.n_units if self.shallow else M
        self.r = np.empty(H * n_max)
        self.t = np.empty(M * n_max)
        self.H = H

    def __call__(self, zt):
        n = zt.shape[1]
        M, H = self.M, self.H
        out = (self.b if zt.base is self.a or zt is self.a else self.a)[:M * n].reshape(M, n)
        r = self.r[:H * n].reshape(H, n)
        t = self.t[:M * n].reshape(M, n)
        if self.generic:
            out[...] = self.step_T(self.params, zt)
        elif self.shallow:
            A, W1, W2, h1, h2 = self.params
            np.matmul(W2, zt, out=r)
            r += h2[:, None]
            np.maximum(r, 0.0, out=r)
            np.matmul(W1, r, out=out)
            np.multiply(A[:, None], zt, out=t)
            out += t
            out += h1[:, None]
        else:
            A, W, h = self.params
            np.matmul(A, zt, out=out)
            np.maximum(zt, 0.0, out=r)
            np.matmul(W, r, out=t)
            out += t
            out += h[:, None]
        return out

    def own(self, zt):
        """Copy zt (M, n) into a buffer the stepper may overwrite."""
        M, n = zt.shape
        out = self.a[:M * n].reshape(M, n)
        out[...] = zt
        return out


def basin_map(model, extent, resolution=200, *, attractors=None, n_steps: int = 1000,
              plane=(0, 1), base=None, tol: float | None = None, check_every: int = 4,
              patience: int = 64, max_period: int = 8, discover: bool = True) -> BasinMap:
    """Label each grid point by the attractor its orbit z_{t+1} = F(z_t) reaches.

    Grid: resolution (n or (nx, ny)) points over extent = (xmin, xmax, ymin, ymax) in the
    state axes ``plane``; the other coordinates are taken from ``base`` (default 0).
    attractors: Cycles (or (k, M) point arrays); default the stable cycles of
    find_cycles(model, max_period). A point is captured when within a radius r of a
    cycle point (r = tol*(1+|p|); default: a tenth of the cycle's distance to the nearest
    border), or when it lies in the cycle's provable capture ellipsoid (see
    ``_capture_ellipsoids``: inside it the map is exactly affine along the cycle's region
    sequence and contracts, so the orbit certainly converges to that cycle; this labels
    slowly converging orbits, e.g. of a stable focus with |λ| near 1, without waiting for
    them to come within r). Divergent when |z| > 1e6; captured and divergent points stop
    iterating (checked every ``check_every`` steps, against the cycle points p_i with
    i < gcd(check_every, k), which an orbit converging to the k-cycle passes at check
    times). The rest stop after n_steps, or earlier when no
    point was decided for ``patience`` steps while more than max(256, 2%) of the grid is left
    (a cheap exit for chaotic attractors), and are labelled BOUNDED_OTHER
    (bounded, no attractor found). With ``discover``, leftovers on periodic orbits (period <= 64)
    reveal further stable cycles, which are added to ``attractors``.
    """
    _check_model(model)
    # beyond DIVERGENCE_BOUND every orbit counts as divergent: a larger extent shows nothing
    ext = finite_array("extent", extent, shape=(4,), limit=DIVERGENCE_BOUND)
    if not (ext[1] > ext[0] and ext[3] > ext[2]):
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, got {tuple(ext)}")
    if not isinstance(resolution, (list, tuple, np.ndarray)):
        nx = ny = integer_in_range("resolution", resolution, 2, 4000)
    else:
        if not isinstance(resolution, (list, tuple, np.ndarray)) or len(resolution) != 2:
            raise ValueError(f"resolution must be n or (nx, ny), got {resolution!r}")
        nx = integer_in_range("resolution[0]", resolution[0], 2, 4000)
        ny = integer_in_range("resolution[1]", resolution[1], 2, 4000)
    n_steps = integer_in_range("n_steps", n_steps, 1, 1_000_000)
    check_every = integer_in_range("check_every", check_every, 1, 1000)
    patience = integer_in_range("patience", patience, 1)
    max_period = integer_in_range("max_period", max_period, 1, 64)
    if tol is not None:
        tol = positive_scalar("tol", tol)
    M = model.dim
    if M < 2:
        raise ValueError("a basin map needs a state space of dimension >= 2 (this model has M = 1)")
    if len(plane) != 2:
        raise ValueError(f"plane must name two state axes, got {plane!r}")
    ax0 = integer_in_range("plane[0]", plane[0], 0, M - 1)
    ax1 = integer_in_range("plane[1]", plane[1], 0, M - 1)
    if ax0 == ax1:
        raise ValueError("plane must name two different state axes")
    base = np.zeros(M) if base is None else finite_array("base", base, shape=(M,))
    cycles = list(_attractor_cycles(model, attractors, max_period))

    xs = np.linspace(ext[0], ext[1], nx)
    ys = np.linspace(ext[2], ext[3], ny)
    N = nx * ny
    stepper = _ColumnStepper(model, N)
    zt = stepper.a[:M * N].reshape(M, N)
    zt[:] = base[:, None]
    zt[ax0] = np.tile(xs, ny)
    zt[ax1] = np.repeat(ys, nx)
    labels = np.full(N, BOUNDED_OTHER, dtype=np.int64)
    steps = np.full(N, n_steps, dtype=np.int64)
    params = model._params()
    step = model._step_T

    def targets():
        """Rows of T (one block of M rows per target) and offsets: target j captures z when
        |T_j z - o_j|^2 <= rad_j (balls: T_j = I; ellipsoids: T_j = L_i^T); and the merged
        intervals of z_0 within which some target can capture (|z_0 - p_0| <= the target's
        Euclidean radius sqrt(rad_j) / σ_min(T_j)): a cheap test that leaves out most columns."""
        Ts, offs, labs, rads, lo, hi = [], [], [], [], [], []
        for ci, c in enumerate(cycles):
            use = range(np.gcd(check_every, c.period))
            ball = _capture_radius(model, c, tol)
            Lt, r2 = _capture_ellipsoids(model, c)
            for i in use:
                reach = np.sqrt(ball[i])
                Ts.append(np.eye(M))
                offs.append(c.points[i])
                labs.append(ci)
                rads.append(ball[i])
                if r2[i] > 0:
                    Ts.append(Lt[i])
                    offs.append(Lt[i] @ c.points[i])
                    labs.append(ci)
                    rads.append(r2[i])
                    smin = np.linalg.svd(Lt[i], compute_uv=False)[-1]
                    reach = max(reach, np.sqrt(r2[i]) / smin if smin > 0 else np.inf)
                reach = 1.001 * reach + 1e-12 * (1 + abs(c.points[i, 0]))   # rounding margin
                lo.append(c.points[i, 0] - reach)
                hi.append(c.points[i, 0] + reach)
        if not Ts:
            return None
        order = np.argsort(lo)
        starts, ends = [], []
        for j in order:                     # merge overlapping intervals
            if starts and lo[j] <= ends[-1]:
                ends[-1] = max(ends[-1], hi[j])
            else:
                starts.append(lo[j])
                ends.append(hi[j])
        return (np.concatenate(Ts), np.concatenate(offs)[:, None], np.array(labs, dtype=np.int64),
                np.array(rads), np.array(starts), np.array(ends))

    def captured(z_t, tg):
        """(label of the first target that captures each column of z_t, or -1)."""
        T, off, lab, rad, starts, ends = tg
        out = np.full(z_t.shape[1], -1, dtype=np.int64)
        k = np.searchsorted(starts, z_t[0], side="right") - 1
        cand = np.flatnonzero((k >= 0) & (z_t[0] <= ends[np.maximum(k, 0)]))
        if not cand.size:
            return out
        y = T @ z_t[:, cand]
        y -= off
        y *= y
        d2 = y.reshape(lab.size, M, -1).sum(1)               # (targets, n)
        near = d2 <= rad[:, None]
        hit = near.any(0)
        out[cand] = np.where(hit, lab[np.argmax(near, axis=0)], -1)
        return out

    state = {"idx": np.arange(N), "zt": zt, "t": 0}

    def run(tg):
        """Iterate the undecided columns; decided ones are dropped from the batch once they
        are an eighth of it (until then they are stepped along, masked as dead)."""
        idx, zt, t = state["idx"], stepper.own(state["zt"]), state["t"]
        alive = np.ones(idx.size, dtype=bool)
        n_alive = idx.size
        last_decision = t
        while t < n_steps and n_alive:
            n = min(check_every, n_steps - t)
            for _ in range(n):
                zt = stepper(zt)
            t += n
            bad = ~(np.max(np.abs(zt), axis=0) <= DIVERGENCE_BOUND)
            div = bad & alive
            done = div
            if tg is not None:
                j = captured(zt, tg)
                hit = (j >= 0) & alive & ~bad
                labels[idx[hit]] = j[hit]
                done = div | hit
            labels[idx[div]] = DIVERGENT
            if done.any():
                last_decision = t
                steps[idx[done]] = t
                alive &= ~done
                n_alive = int(np.count_nonzero(alive))
                if bad.any():
                    zt[:, bad] = 0.0        # dead columns must not overflow
                if idx.size - n_alive >= max(32, idx.size // 8):
                    zt = stepper.own(zt[:, alive])
                    idx, alive = idx[alive], np.ones(n_alive, dtype=bool)
            elif t - last_decision >= patience and n_alive > max(256, N // 50):
                break  # many undecided points and no progress: chaotic/other bounded
        steps[idx[alive]] = t
        state.update(idx=idx[alive], zt=zt[:, alive].copy(), t=t)

    with np.errstate(over="ignore", invalid="ignore"):
        run(targets())
        for _ in range(3):
            if not (discover and state["idx"].size and state["t"] < n_steps):
                break
            n_before = len(cycles)
            _discover(model, cycles, state["zt"], step, params, n_steps)
            if len(cycles) == n_before:
                break
            run(targets())
    names = {DIVERGENT: "divergent", BOUNDED_OTHER: "bounded, no attractor found"}
    for i, c in enumerate(cycles):
        names[i] = f"{c.description} at {np.array2string(c.points[0], precision=3)}"
    # kept compact (a widget caches several maps): int16 labels, int32 steps, 6 bytes a
    # cell instead of 16 (a 300 x 300 map in 0.5 MiB)
    small = np.int16 if len(cycles) < np.iinfo(np.int16).max else np.int64
    return BasinMap(labels=labels.reshape(ny, nx).astype(small), xs=xs, ys=ys,
                    attractors=tuple(cycles), names=names, extent=tuple(float(e) for e in ext),
                    plane=(ax0, ax1), steps=steps.reshape(ny, nx).astype(np.int32))


def _discover(model, cycles, zt, step, params, n_steps, sample=32, max_p=64):
    """Add stable cycles found by iterating a sample of undecided columns of zt for long."""
    rng = np.random.default_rng(0)
    n = zt.shape[1]
    cols = rng.choice(n, size=min(sample, n), replace=False)
    cycles += stable_cycles_by_iteration(model, zt[:, cols].T, n_steps=max(n_steps, 256),
                                         max_period=max_p, known=cycles)


def stable_cycles_by_iteration(model, starts, *, n_steps: int = 1200, max_period: int = 64,
                               known=()) -> list:
    """Stable cycles (period <= max_period) that the orbits from ``starts`` (N, M) reach.

    Iterate n_steps, find the least p with |z_{t+p} - z_t| <= 1e-7 (1 + |z_t|) (else 1e-3:
    an orbit still converging slowly), solve the
    exact cycle through the regions the orbit visits (SCYFI's equation) and keep it if it is
    stable, at its minimal period, and not already in ``known`` or found before. Orbits
    that diverge or never repeat contribute nothing. This reaches long-period attractors
    (the 16-cycle preset) that the cycle finder's period limit misses.
    """
    _check_model(model)
    starts = finite_array("starts", starts, ndim=2)
    if starts.shape[1] != model.dim:
        raise ValueError(f"starts must have {model.dim} columns (one state per row), "
                         f"got shape {starts.shape}")
    n_steps = integer_in_range("n_steps", n_steps, 0, 1_000_000)
    max_p = integer_in_range("max_period", max_period, 1, 1000)
    if len(starts) * (n_steps + max_p) > 10**8:
        raise ValueError(f"{len(starts)} starts x {n_steps + max_p} steps is too much work: "
                         "reduce n_steps or the number of starts (at most 1e8 steps in all)")
    known = tuple(known) if isinstance(known, (list, tuple)) else known
    if not isinstance(known, tuple) or not all(isinstance(c, Cycle) for c in known):
        raise ValueError(f"known must be a list of Cycle objects (e.g. from find_cycles), "
                         f"got {known!r}")
    params, step = model._params(), model._step_T
    z = starts.T.copy()
    cols = np.arange(z.shape[1])           # the start each column of z belongs to
    per_start = {}                          # start -> the stable cycle its orbit reaches
    ellipsoids, seen = {}, []
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while t < n_steps:
            # after _EARLY_AFTER steps, and then every _EARLY_AFTER: orbits inside the
            # certified capture ellipsoid of the cycle they seem to reach converge to it
            # (``_capture_ellipsoids``), so iterating them to n_steps finds that same cycle
            n = min(n_steps - t, _EARLY_AFTER)
            for _ in range(n):
                z = step(params, z)
                bounded = np.all(np.abs(z) <= DIVERGENCE_BOUND, axis=0)
                if not bounded.all():           # drop diverging orbits before they overflow
                    z, cols = z[:, bounded], cols[bounded]
                    if z.shape[1] == 0:
                        break
            t += n
            if z.shape[1] == 0:
                break
            if t + max_p >= n_steps:
                continue
            # the max_p steps of the period test are steps of the orbit: it goes on from there
            hist, cyc = _periodic_cycles(model, z, step, params, max_p, seen, final=False)
            t += max_p
            done = ~np.all(np.abs(hist) <= DIVERGENCE_BOUND, axis=(0, 1))   # diverged
            for j, c in cyc.items():
                if c is not None and _in_capture_set(model, c, hist[0, :, j], ellipsoids):
                    per_start[int(cols[j])] = (c, hist[0, :, j], t - max_p)
                    done[j] = True
            z, cols = hist[-1][:, ~done], cols[~done]
        if z.shape[1]:
            hist, cyc = _periodic_cycles(model, z, step, params, max_p, seen)
            for j, c in cyc.items():
                if c is not None:             # (c may be a cycle seen before, at another phase)
                    per_start[int(cols[j])] = (c, hist[0, :, j], n_steps)
    known, found = list(known), []
    for j in sorted(per_start):             # in the order of the starts, as iterated alone
        cyc, z_t, t_found = per_start[j]
        if any(same_orbit(c.points, cyc.points) for c in known + found):
            continue
        # found at time t near point i: iterated to n_steps the orbit would start the cycle
        # at point i + n_steps - t (the first point names the attractor)
        i = int(np.argmin(np.max(np.abs(cyc.points - z_t), axis=1)))
        shift = (i + n_steps - t_found) % cyc.period
        if shift:
            cyc = refine_stable_cycle(model, np.roll(cyc.points, -shift, axis=0)) or cyc
        found.append(cyc)
    return found


#: stable_cycles_by_iteration checks for orbits already captured every this many steps
_EARLY_AFTER = 128


def _in_capture_set(model, cyc, z, cache) -> bool:
    """Whether z lies in the certified capture ellipsoid of one of the cycle's points
    (``cache``: id(cycle) -> its ellipsoids)."""
    if id(cyc) not in cache:
        cache[id(cyc)] = (cyc, _capture_ellipsoids(model, cyc))
    Lt, r2 = cache[id(cyc)][1]
    e = np.einsum("kmn,kn->km", Lt, z[None] - cyc.points)
    return bool(np.any((np.sum(e * e, axis=1) <= r2) & (r2 > 0)))


def _periodic_cycles(model, z, step, params, max_p, seen, final=True):
    """The orbits z (M, n) iterated max_p more steps (hist (max_p + 1, M, n)) and, per column j
    that looks periodic, the exact stable cycle it is on ({j: Cycle or None}).

    The least p with |z_{t+p} - z_t| <= 1e-7 (1 + |z_t|) (else, if ``final``, 1e-3: an orbit
    still converging slowly); the exact cycle through the regions the orbit visits (refine_stable_cycle), kept if
    stable, at its minimal period; ``seen``: cycles found before (extended here), reused for
    orbits on them."""
    hist = [z]
    for _ in range(max_p):
        hist.append(step(params, hist[-1]))
    hist = np.stack(hist)  # (max_p+1, M, n)
    ok = np.all(np.isfinite(hist), axis=(0, 1)) & np.all(np.abs(hist) <= DIVERGENCE_BOUND, axis=(0, 1))
    size = 1 + np.max(np.abs(hist[0]), axis=0)
    period = np.zeros(z.shape[1], dtype=np.int64)
    # the least p within 1e-7 (converged); else (``final`` only) the least p within 1e-3: an
    # orbit still converging slowly (a multiplier near 1: the spiking PLRNN's 20-cycle),
    # whose exact cycle is then solved for and kept only if it is stable and within 1e-3
    # of the orbit (refine_stable_cycle)
    with np.errstate(invalid="ignore"):
        d = np.max(np.abs(hist[1:] - hist[0]), axis=1)        # (max_p, n)
    for tol in ((1e-3, 1e-7) if final else (1e-7,)):
        per = d <= tol * size
        hit = per.any(axis=0) & ok
        period[hit] = np.argmax(per, axis=0)[hit] + 1
    out = {}
    for j in np.flatnonzero(period > 0):
        pts = hist[:period[j], :, j]
        hit = next((c for c in seen if same_orbit(c.points, pts)), None)
        if hit is not None:
            out[int(j)] = hit
            continue
        cyc = refine_stable_cycle(model, pts)
        # an orbit still converging may look periodic only after a multiple of its period:
        # keep the minimal period (the 16-cycle must not come back as a "48-cycle")
        if cyc is not None:
            minimal = _minimal_period_points(cyc.points)
            if len(minimal) < cyc.period:
                cyc = refine_stable_cycle(model, minimal)
        if cyc is not None:
            same = next((c for c in seen if same_orbit(c.points, cyc.points)), None)
            if same is None:
                seen.append(cyc)
            else:
                cyc = same
        out[int(j)] = cyc
    return hist, out


def _minimal_period_points(pts, rtol=1e-9):
    """The first d points of a periodic orbit given over k points, d the minimal period."""
    k = len(pts)
    tol = rtol * (1 + np.max(np.abs(pts)))
    for d in range(1, k):
        if k % d == 0 and np.max(np.abs(pts[d:] - pts[:-d])) <= tol:
            return pts[:d]
    return pts


def same_orbit(a, b, rtol=1e-5) -> bool:
    """Whether point sets a (k, M) and b (k, M) trace the same periodic orbit (any start)."""
    a = finite_array("a", a, ndim=2, nonempty=True)
    b = finite_array("b", b, ndim=2, nonempty=True)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must be points of the same dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    rtol = positive_scalar("rtol", rtol, allow_zero=True)
    tol = rtol * (1 + max(np.max(np.abs(a)), np.max(np.abs(b))))
    return len(a) == len(b) and np.min(np.max(np.abs(a - b[0]), axis=1)) <= tol


def index_of_cycle(cycle, cycles, rtol=1e-5):
    """Position of ``cycle`` in ``cycles``: the first that is the same object or traces the
    same orbit (``same_orbit``: equal point sets up to the start, within rtol); else None."""
    if not isinstance(cycle, Cycle):
        raise ValueError(f"cycle must be a Cycle (e.g. from find_cycles), got {type(cycle).__name__}")
    cycles = _cycle_list("cycles", cycles)
    for i, c in enumerate(cycles):
        if c is cycle or same_orbit(c.points, cycle.points, rtol):
            return i
    return None


def merge_cycles(cycles, more, rtol=1e-5) -> list:
    """``cycles`` followed by each cycle of ``more`` whose orbit is not listed before it
    (e.g. find_cycles' answer plus the long-period attractors found by iterating)."""
    out = _cycle_list("cycles", cycles)
    for c in _cycle_list("more", more):
        if index_of_cycle(c, out, rtol) is None:
            out.append(c)
    return out


def lyapunov_exponents(model, z0, n_steps: int = 20000, *, n_transient: int = 1000,
                       block: int = 8) -> np.ndarray:
    """Lyapunov exponents λ_1 >= ... >= λ_M of the orbit from z0 (natural log per step).

    QR iteration: Q_0 = I, J(z_t) Q_t = Q_{t+1} R_{t+1}, λ_i = (1/n) Σ_t log |R_t[i, i]|,
    with Jacobians multiplied in blocks of ``block`` steps between QR factorisations.
    Raises ValueError when the orbit diverges.
    """
    block = integer_in_range("block", block, 1, 64)
    traj = long_orbit(model, z0, n_steps, n_transient=n_transient)
    n_steps = len(traj)
    J = model.jacobian(traj)  # (n, M, M)
    M = model.dim
    # the block products J_{s+b-1} ... J_s, all blocks at once (the last one padded with I)
    n_blocks = -(-n_steps // block)
    Jb = np.concatenate([J, np.broadcast_to(np.eye(M), (n_blocks * block - n_steps, M, M))])
    Jb = Jb.reshape(n_blocks, block, M, M)
    P = Jb[:, 0]
    for i in range(1, block):
        P = Jb[:, i] @ P
    total = np.zeros(M)
    logs = _qr_chain_2d(P) if M == 2 else _qr_chain(P)
    with np.errstate(divide="ignore"):
        total += np.sum(np.log(logs), axis=0)
    lyap = total / n_steps
    lyap = np.where(np.isneginf(lyap), -np.inf, lyap)
    return np.sort(lyap)[::-1]


def long_orbit(model, z0, n_steps: int, *, n_transient: int = 0) -> np.ndarray:
    """States z_t, t = n_transient .. n_transient + n_steps - 1, of the orbit from z0 (the
    orbit lyapunov_exponents iterates), shape (n_steps, M): a long orbit traces an attractor.
    Raises ValueError when the orbit diverges."""
    _check_model(model)
    z = model._state(z0, "z0")
    if z.ndim != 1:
        raise ValueError(f"z0 must be one state of shape ({model.dim},), got {z.shape}")
    n_steps = integer_in_range("n_steps", n_steps, 1, 10_000_000)
    n_transient = integer_in_range("n_transient", n_transient, 0, 10_000_000)
    return _orbit(model, z, n_transient + n_steps)[n_transient:]


def _qr_chain(P):
    """|diag R_b| of the QR iteration Q_0 = I, P_b Q_b = Q_{b+1} R_{b+1} over the blocks P (B, M, M)."""
    Q = np.eye(P.shape[1])
    out = np.empty(P.shape[:2])
    for b in range(P.shape[0]):
        Q, R = np.linalg.qr(P[b] @ Q)
        out[b] = np.abs(np.diag(R))
    return out


def _qr_chain_2d(P):
    """``_qr_chain`` for M = 2 by Gram-Schmidt on Python floats: X = P_b Q_b, r11 = |x1|,
    q1 = x1 / r11, x2' = x2 - (q1 . x2) q1, r22 = |x2'|, q2 = x2' / r22 (with q2 = q1 rotated
    by 90 degrees when r22 = 0, and q1 = e1 when r11 = 0: a zero diagonal gives log 0 = -inf)."""
    out = np.empty((P.shape[0], 2))
    q11, q21, q12, q22 = 1.0, 0.0, 0.0, 1.0           # Q = [[q11, q12], [q21, q22]]
    for b, (p11, p12, p21, p22) in enumerate(P.reshape(-1, 4).tolist()):
        x11, x21 = p11 * q11 + p12 * q21, p21 * q11 + p22 * q21
        x12, x22 = p11 * q12 + p12 * q22, p21 * q12 + p22 * q22
        r11 = math.hypot(x11, x21)
        if r11 > 0:
            q11, q21 = x11 / r11, x21 / r11
        else:
            q11, q21 = 1.0, 0.0
        c = q11 * x12 + q21 * x22
        y1, y2 = x12 - c * q11, x22 - c * q21
        r22 = math.hypot(y1, y2)
        if r22 > 0:
            q12, q22 = y1 / r22, y2 / r22
        else:
            q12, q22 = -q21, q11
        out[b, 0], out[b, 1] = r11, r22
    return out


def _orbit(model, z, n):
    """States z_0..z_{n-1}; ValueError if the orbit leaves |z| <= 1e6. A 2-D PLRNN is
    stepped on Python floats (F_i(z) = a_i1 z1 + a_i2 z2 + w_i1 relu(z1) + w_i2 relu(z2) + h_i),
    a few times faster than a numpy call per step."""
    if isinstance(model, PLRNN) and model.dim == 2:
        return _orbit_plrnn_2d(model, z, n)
    out, bad = _orbit_within(model, z, n, DIVERGENCE_BOUND)
    if bad is not None:
        _diverges(bad - 1)
    return out[:n]


def _diverges(t):
    raise ValueError(f"the orbit diverges (|z| > {DIVERGENCE_BOUND:g} after {t + 1} steps); "
                     f"Lyapunov exponents need a bounded orbit")


def _orbit_plrnn_2d(model, z, n):
    (a11, a12), (a21, a22) = model.A.tolist()
    (w11, w12), (w21, w22) = model.W.tolist()
    h1, h2 = model.h.tolist()
    x, y = (float(v) for v in z)
    B = DIVERGENCE_BOUND
    out = [None] * n
    for t in range(n):
        out[t] = (x, y)
        r1 = x if x > 0.0 else 0.0
        r2 = y if y > 0.0 else 0.0
        x, y = (a11 * x + a12 * y + w11 * r1 + w12 * r2 + h1,
                a21 * x + a22 * y + w21 * r1 + w22 * r2 + h2)
        if not (abs(x) <= B and abs(y) <= B):
            _diverges(t)
    return np.array(out, dtype=float).reshape(n, 2)


@dataclass(frozen=True, eq=False)
class BifurcationDiagram:
    """Long-run states against one parameter.

    values (V,): parameter values; states (V, Z, n_keep, M): the last n_keep states of the
    orbit from each initial condition z0s[j] (NaN where ``diverged``); diverged (V, Z) bools.
    """

    values: np.ndarray
    states: np.ndarray
    diverged: np.ndarray
    parameter: str

    def points(self, coordinate: int = 0):
        """(parameter values, coordinate values) of all bounded long-run states, flattened."""
        coordinate = integer_in_range("coordinate", coordinate, 0, self.states.shape[-1] - 1)
        V, Z, K, _ = self.states.shape
        keep = ~self.diverged
        pv = np.broadcast_to(self.values[:, None, None], (V, Z, K))[keep].ravel()
        xv = self.states[..., coordinate][keep].ravel()
        return pv, xv


_PARAM_RE = re.compile(r"^(A|W)\[(\d+),\s*(\d+)\]$|^h\[(\d+)\]$|^h(\d+)$")


def _is_border_collision(model, name) -> bool:
    return (isinstance(model, PLRNN) and model.border_collision is not None
            and name in model.border_collision)


def _slot(model, name: str) -> tuple[str, tuple]:
    """('A' | 'W' | 'h', index) of a PLRNN parameter named 'A[i,j]', 'W[i,j]', 'h[i]' or
    'h1'..'hM'; a ValueError for any other name."""
    m = _PARAM_RE.match(name) if isinstance(name, str) else None
    if m is None or not isinstance(model, PLRNN):
        raise ValueError(f"unknown parameter {name!r}: use 'h1'..'hM', 'h[i]', 'A[i,j]', 'W[i,j]'"
                         + (" or a border-collision name" if isinstance(model, PLRNN) else "")
                         + ", or pass a model_factory(value) -> model")
    M = model.dim
    if m.group(1):
        i, j = int(m.group(2)), int(m.group(3))
        if not (i < M and j < M):
            raise ValueError(f"{name}: index out of range for M = {M}")
        return m.group(1), (i, j)
    i = int(m.group(4)) if m.group(4) is not None else int(m.group(5)) - 1
    if not 0 <= i < M:
        raise ValueError(f"{name}: index out of range for M = {M}")
    return "h", (i,)


def _vary(model, name: str, value: float):
    """Copy of ``model`` with the named parameter set to value."""
    if _is_border_collision(model, name):
        p = dict(model.border_collision)
        p[name] = value
        return PLRNN.from_border_collision(**p)
    attr, index = _slot(model, name)
    arr = np.array(getattr(model, attr))
    arr[index] = value
    return model.with_params(**{attr: arr})


def _model_params(models) -> tuple:
    """(parameters of each model, their class, their dimension); a ValueError unless the
    models share one class and one dimension."""
    kinds = {type(m) for m in models}
    dims = {m.dim for m in models}
    if len(kinds) != 1 or len(dims) != 1:
        raise ValueError("the model_factory must return models of one class and one dimension")
    return [m._params() for m in models], kinds.pop(), dims.pop()


def _swept_params(model, name: str, values) -> list:
    """[(A_v, W_v, h_v)]: the parameters of ``_vary(model, name, v)`` for each (finite) v,
    without building and validating a model per value (201 of them cost ~10 ms)."""
    attr, index = _slot(model, name)
    arrays = {k: np.repeat(np.asarray(getattr(model, k))[None], len(values), axis=0)
              for k in ("A", "W", "h")}
    arrays[attr][(slice(None), *index)] = values
    return list(zip(arrays["A"], arrays["W"], arrays["h"]))


def bifurcation_diagram(model, values, *, parameter: str | None = None, z0s=None, n_transient: int = 500,
                        n_keep: int = 64) -> BifurcationDiagram:
    """Long-run states z_t, t = n_transient .. n_transient + n_keep - 1, against a parameter.

    ``model`` is either a model_factory(value) -> model, or a model plus ``parameter``
    ('h1'..'hM', 'h[i]', 'A[i,j]', 'W[i,j]', or a border-collision name such as 'tau_r').
    All values and initial conditions z0s (Z, M) are iterated together as one batch.
    """
    vals = finite_array("values", values, ndim=1, limit=DIVERGENCE_BOUND)
    if vals.size < 1:
        raise ValueError("values must contain at least one parameter value")
    n_transient = integer_in_range("n_transient", n_transient, 0, 1_000_000)
    n_keep = integer_in_range("n_keep", n_keep, 1, 100_000)
    if callable(model) and not isinstance(model, _PiecewiseAffineMap):
        models = []
        for v in vals:
            m = model(float(v))
            _check_model(m)
            models.append(m)
        plist, cls, M = _model_params(models)
        pname = parameter or "parameter"
    else:
        _check_model(model)
        if parameter is None:
            raise ValueError("pass parameter='h1' (for example) with a model, or a model_factory(value)")
        if isinstance(model, PLRNN) and not _is_border_collision(model, parameter):
            plist, cls, M = _swept_params(model, parameter, vals), PLRNN, model.dim
        else:
            plist, cls, M = _model_params([_vary(model, parameter, float(v)) for v in vals])
        pname = parameter
    if z0s is None:
        z0s = np.full((1, M), 0.01)
    z0 = finite_array("z0s", z0s, ndim=(1, 2))
    if z0.ndim == 1:
        z0 = z0[None]
    if z0.shape[1] != M:
        raise ValueError(f"z0s must have {M} coordinates per row, got shape {z0.shape}")
    V, Z = vals.size, z0.shape[0]
    if cls is PLRNN and M <= _COMPONENT_MAX_DIM:
        states, div = _plrnn_long_run(plist, z0, n_transient, n_keep)
    else:
        params = tuple(np.stack([p[i] for p in plist])[:, None] for i in range(len(plist[0])))
        z = np.broadcast_to(z0, (V, Z, M)).copy()
        states = np.empty((V, Z, n_keep, M))
        div = np.zeros((V, Z), dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(n_transient + n_keep):
                if t >= n_transient:
                    states[:, :, t - n_transient] = z
                z = cls._step_with(params, z)
                if t % 16 == 15:
                    bad = ~(np.max(np.abs(z), axis=-1) <= DIVERGENCE_BOUND)
                    div |= bad
                    z[bad] = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        bad = ~(np.max(np.abs(states), axis=(-1, -2)) <= DIVERGENCE_BOUND)
    div |= bad
    states[div] = np.nan
    return BifurcationDiagram(values=vals, states=states, diverged=div, parameter=pname)


#: PLRNNs up to this dimension are swept component by component (``_plrnn_long_run``)
_COMPONENT_MAX_DIM = 4


def _plrnn_long_run(plist, z0, n_transient, n_keep):
    """The bifurcation sweep of PLRNNs with parameters plist[v] = (A_v, W_v, h_v) from the
    starts z0 (Z, M): states (V, Z, n_keep, M) at t = n_transient ..., diverged (V, Z).

    F_i(z) = (Σ_j z_j A_ij) + (Σ_j relu(z_j) W_ij) + h_i on (V, Z) arrays, one component at a
    time, the sums in the order of ``z @ A.T + relu(z) @ W.T + h`` (a single orbit's step),
    so each column is the orbit of its model iterated alone, to the last bit; an entry
    equal for every value is a Python float (a fraction of the work of the batched
    (V, Z, M, M) matmul this replaces). Diverging orbits are reset to 0 every 16 steps
    (and flagged), as in the generic path."""
    V, (Z, M) = len(plist), z0.shape

    def entry(k, *idx):
        col = np.array([p[k][idx] for p in plist])
        return float(col[0]) if np.all(col == col[0]) else col[:, None]
    A = [[entry(0, i, j) for j in range(M)] for i in range(M)]
    W = [[entry(1, i, j) for j in range(M)] for i in range(M)]
    h = [entry(2, i) for i in range(M)]
    z = [np.repeat(z0[None, :, i], V, axis=0) for i in range(M)]
    states = np.empty((V, Z, n_keep, M))
    div = np.zeros((V, Z), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_transient + n_keep):
            if t >= n_transient:
                for i in range(M):
                    states[:, :, t - n_transient, i] = z[i]
            r = [np.maximum(zj, 0.0) for zj in z]
            new = []
            for i in range(M):
                lin = z[0] * A[i][0]
                for j in range(1, M):
                    lin = lin + z[j] * A[i][j]
                rel = r[0] * W[i][0]
                for j in range(1, M):
                    rel = rel + r[j] * W[i][j]
                lin += rel
                lin += h[i]
                new.append(lin)
            z = new
            if t % 16 == 15:
                bad = np.zeros((V, Z), dtype=bool)
                for zi in z:
                    bad |= ~(np.abs(zi) <= DIVERGENCE_BOUND)
                div |= bad
                for zi in z:
                    zi[bad] = 0.0
    return states, div
