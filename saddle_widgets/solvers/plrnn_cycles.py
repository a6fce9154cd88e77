"""Fixed points and k-cycles of ReLU maps (exhaustive search and the SCYFI heuristic).

For a region sequence D_1..D_k with affine pieces F_i(z) = J_i z + c_i and
Π = J_k ... J_1, a k-cycle point solves

    z* = (I - Π)^{-1} (c_k + J_k c_{k-1} + ... + J_k ... J_2 c_1),

and is real only if the orbit z*, F(z*), ... visits exactly D_1..D_k (self-consistency).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ._validation import choice, finite_array, integer_in_range, positive_scalar, random_seed
from .plrnn_model import _PiecewiseAffineMap, patterns_from_index

__all__ = ["Cycle", "find_cycles", "cycle_from_points", "EXHAUSTIVE_LIMIT", "fixed_point_sets"]

#: 'auto' uses the exhaustive search for period k when (2^units)^k <= this (2-D: k <= 10).
EXHAUSTIVE_LIMIT = 2 ** 20
#: at most this many region sequences in all periods of one exhaustive search
EXHAUSTIVE_MAX_WORK = 2 ** 22
_COND_MAX = 1e12
_BOUNDARY_TOL = 1e-9
_HYPERBOLIC_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Cycle:
    """A fixed point (period 1) or k-cycle of a ReLU map.

    points: (k, M) cycle points z_1..z_k with F(z_i) = z_{i+1}, F(z_k) = z_1.
    regions: (k, units) sign patterns D_i used for z_i (bools).
    multipliers: eigenvalues of Π = J_k ... J_1, sorted by decreasing modulus.
    kind: 'stable' (all |λ| < 1), 'unstable' (all > 1), 'saddle' (some each side) or
    'non-hyperbolic' (some |λ| = 1 within 1e-9).
    focus: a complex multiplier pair (spiralling); node otherwise.
    flip: a negative real multiplier (orbits alternate sides).
    """

    points: np.ndarray
    regions: np.ndarray
    multipliers: np.ndarray
    kind: str
    focus: bool
    flip: bool
    period: int = field(init=False)

    def __post_init__(self):
        for name in ("points", "regions", "multipliers"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "period", int(self.points.shape[0]))

    @property
    def point(self) -> np.ndarray:
        """The first cycle point z_1 (the fixed point itself for period 1)."""
        return self.points[0]

    @property
    def dim(self) -> int:
        return int(self.points.shape[1])

    @property
    def n_unstable(self) -> int:
        """Number of multipliers with |λ| > 1 (dimension of the unstable manifold)."""
        return int(np.sum(np.abs(self.multipliers) > 1 + _HYPERBOLIC_TOL))

    @property
    def n_stable(self) -> int:
        """Number of multipliers with |λ| < 1 (dimension of the stable manifold)."""
        return int(np.sum(np.abs(self.multipliers) < 1 - _HYPERBOLIC_TOL))

    @property
    def description(self) -> str:
        """E.g. 'stable focus', 'flip saddle', 'saddle 3-cycle'."""
        words = []
        if self.flip:
            words.append("flip")
        if self.kind == "saddle":
            words.append("saddle")
        else:
            words.append(self.kind)
            words.append("focus" if self.focus else "node")
        what = "fixed point" if self.period == 1 else f"{self.period}-cycle"
        return " ".join(words) + ("" if self.period == 1 and words[-1] in ("focus", "node") else f" {what}")

    def __repr__(self):
        pts = np.array2string(self.points[0], precision=4)
        mult = np.array2string(self.multipliers, precision=4)
        return f"Cycle({self.description}, z1={pts}, multipliers={mult})"


def _classify(mult: np.ndarray):
    mod = np.abs(mult)
    n_up = np.sum(mod > 1 + _HYPERBOLIC_TOL)
    n_down = np.sum(mod < 1 - _HYPERBOLIC_TOL)
    if n_up + n_down < mod.size:
        kind = "non-hyperbolic"
    elif n_up == 0:
        kind = "stable"
    elif n_down == 0:
        kind = "unstable"
    else:
        kind = "saddle"
    scale = 1e-9 * (1 + mod)
    focus = bool(np.any(np.abs(mult.imag) > scale))
    flip = bool(np.any((np.abs(mult.imag) <= scale) & (mult.real < 0)))
    return kind, focus, flip


def _make_cycle(model: _PiecewiseAffineMap, points: np.ndarray, regions: np.ndarray) -> Cycle:
    J, _ = model.affine(regions)
    Pi = np.eye(model.dim)
    for Ji in J:
        Pi = Ji @ Pi
    mult = np.linalg.eigvals(Pi).astype(complex)
    order = np.lexsort((-mult.real, -np.abs(mult)))
    mult = mult[order]
    if np.all(np.abs(mult.imag) <= 1e-12 * (1 + np.abs(mult))):
        mult = mult.real.astype(complex)
    kind, focus, flip = _classify(mult)
    return Cycle(points=points, regions=regions, multipliers=mult, kind=kind, focus=focus, flip=flip)


def _check_model(model):
    """A ValueError unless ``model`` is one of the ReLU maps."""
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")


def _cycle_list(name: str, cycles) -> list:
    """``cycles`` as a list of Cycle objects (e.g. from find_cycles), or a ValueError naming it."""
    if isinstance(cycles, Cycle) or not isinstance(cycles, (list, tuple)) \
            or not all(isinstance(c, Cycle) for c in cycles):
        raise ValueError(f"{name} must be a list of Cycle objects (e.g. from find_cycles), "
                         f"got {type(cycles).__name__}")
    return list(cycles)


def _polished(model: _PiecewiseAffineMap, points: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """The k cycle points solved at once from the block-cyclic system z_{i+1} = J_i z_i + c_i
    (i = 1..k, z_{k+1} = z_1) of the cycle's regions. Iterating forward from z_1 multiplies
    z_1's rounding error by each J_i (by 1e9 over a 3-cycle of weights 1e3); this system has
    entries of the size of J. Kept only where it maps better: |F(z_i) - z_{i+1}| smaller.
    Fixed points (k = 1) are already solved this way and stay as they are."""
    k, M = points.shape
    if k == 1:
        return points
    J, c = model.affine(regions)
    A = np.eye(k * M)
    rhs = np.empty(k * M)
    for i in range(k):
        j = (i + 1) % k
        A[j * M:(j + 1) * M, i * M:(i + 1) * M] -= J[i]
        rhs[j * M:(j + 1) * M] = c[i]
    with np.errstate(all="ignore"):
        try:
            z = np.linalg.solve(A, rhs).reshape(k, M)
        except np.linalg.LinAlgError:
            return points

        def residual(p):
            return np.max(np.abs(model.step(p) - np.roll(p, -1, axis=0)))
        ok = np.all(np.isfinite(z)) and residual(z) < residual(points)
    return z if ok else points


def cycle_from_points(model: _PiecewiseAffineMap, points) -> Cycle:
    """A Cycle built from given cycle points (k, M), checked: F(z_i) = z_{i+1 mod k}."""
    _check_model(model)
    pts = finite_array("points", points, ndim=(1, 2), nonempty=True, limit=1e150)
    pts = model._state(pts, "points")
    if pts.ndim == 1:
        pts = pts[None]
    img = model.step(pts)
    err = np.max(np.abs(img - np.roll(pts, -1, axis=0)))
    if err > 1e-7 * (1 + np.max(np.abs(pts))):
        raise ValueError(f"these points are not a cycle: |F(z_i) - z_(i+1)| = {err:.3g}")
    return _make_cycle(model, pts, model.region(pts))


# -- core batched solve -------------------------------------------------------------

def _solve_sequences(J_seq: np.ndarray, c_seq: np.ndarray):
    """Cycle candidates for a batch of region sequences.

    J_seq (B, k, M, M), c_seq (B, k, M). Returns (z1 (B, M), ok (B,)) where ok marks
    I - Π finite and well conditioned (cond < 1e12).
    """
    B, k, M = c_seq.shape
    if M == 2:
        return _solve_sequences_2d(J_seq, c_seq)
    with np.errstate(all="ignore"):
        Pi = np.broadcast_to(np.eye(M), (B, M, M)).copy()
        v = np.zeros((B, M))
        for i in range(k):
            Pi = J_seq[:, i] @ Pi
            v = (J_seq[:, i] @ v[..., None])[..., 0] + c_seq[:, i]
        Amat = np.eye(M) - Pi
        finite = np.all(np.isfinite(Amat), axis=(1, 2)) & np.all(np.isfinite(v), axis=1)
        Amat[~finite] = np.eye(M)
        det = np.linalg.det(Amat)
        ok = finite & (det != 0) & np.isfinite(det)
        Amat[~ok] = np.eye(M)
        inv = np.linalg.inv(Amat)
        cond = np.linalg.norm(Amat, axis=(1, 2)) * np.linalg.norm(inv, axis=(1, 2))
        ok &= cond < _COND_MAX
        z = (inv @ v[..., None])[..., 0]
        ok &= np.all(np.isfinite(z), axis=1)
    return z, ok


def _solve_sequences_2d(J_seq, c_seq):
    """_solve_sequences for M = 2 with the 2 x 2 algebra written out (same result, faster)."""
    B, k, _ = c_seq.shape
    with np.errstate(all="ignore"):
        p00, p01, p10, p11 = np.ones(B), np.zeros(B), np.zeros(B), np.ones(B)
        v0, v1 = np.zeros(B), np.zeros(B)
        for i in range(k):
            a, b, c, d = J_seq[:, i, 0, 0], J_seq[:, i, 0, 1], J_seq[:, i, 1, 0], J_seq[:, i, 1, 1]
            p00, p01, p10, p11 = a * p00 + b * p10, a * p01 + b * p11, c * p00 + d * p10, c * p01 + d * p11
            v0, v1 = a * v0 + b * v1 + c_seq[:, i, 0], c * v0 + d * v1 + c_seq[:, i, 1]
        m00, m01, m10, m11 = 1.0 - p00, -p01, -p10, 1.0 - p11
        det = m00 * m11 - m01 * m10
        fro2 = m00 * m00 + m01 * m01 + m10 * m10 + m11 * m11
        cond = fro2 / np.abs(det)  # ||A||_F ||A^-1||_F for a 2 x 2 matrix
        z = np.stack([(m11 * v0 - m01 * v1) / det, (m00 * v1 - m10 * v0) / det], axis=1)
        ok = np.isfinite(cond) & (cond < _COND_MAX) & np.all(np.isfinite(z), axis=1)
    return np.where(ok[:, None], z, 0.0), ok


def _orbits(model, z1, J_seq, c_seq):
    """Orbit under the affine pieces of each sequence: (B, k, M) with row i = z_i."""
    B, k, M = c_seq.shape
    orb = np.empty((B, k, M))
    z = z1
    with np.errstate(all="ignore"):
        for i in range(k):
            orb[:, i] = z
            z = (J_seq[:, i] @ z[..., None])[..., 0] + c_seq[:, i]
    return orb


def _consistent(model, orb, patterns, tol):
    """Self-consistency: every orbit point lies in (the tolerance band of) its region."""
    with np.errstate(all="ignore"):
        q = orb @ model.pre_matrix.T + model.pre_offset  # (B, k, P)
        scale = tol * (1.0 + np.max(np.abs(orb), axis=(1, 2)))[:, None, None]
        ok_unit = np.where(patterns, q > -scale, q < scale)
    return np.all(ok_unit, axis=(1, 2)) & np.all(np.isfinite(orb), axis=(1, 2))


def _minimal(orb, rtol):
    """True when no proper rotation by a divisor d of k maps the orbit onto itself."""
    B, k, _ = orb.shape
    ok = np.ones(B, dtype=bool)
    scale = rtol * (1.0 + np.max(np.abs(orb), axis=(1, 2)))
    for d in range(1, k):
        if k % d == 0:
            diff = np.max(np.abs(orb - np.roll(orb, -d, axis=1)), axis=(1, 2))
            ok &= diff > scale
    return ok


# -- exhaustive -----------------------------------------------------------------------

@lru_cache(maxsize=16)
def _necklaces(R: int, k: int) -> np.ndarray:
    """Digit arrays (n, k) of all primitive words over R letters that are the least rotation,
    in the smallest unsigned dtype that holds R - 1 (1 byte a digit for R <= 256: the
    cached words for R = 4, k = 10 take 1 MiB, not 8)."""
    n = R ** k
    codes = np.arange(n, dtype=np.int64)
    keep = np.ones(n, dtype=bool)
    top = R ** (k - 1)
    rot = codes.copy()
    for _ in range(1, k):
        rot = (rot % top) * R + rot // top
        keep &= codes < rot  # strictly least rotation: canonical and primitive
    codes = codes[keep]
    digits = np.empty((codes.size, k), dtype=np.min_scalar_type(R - 1))
    rem = codes
    for i in range(k - 1, -1, -1):
        digits[:, i] = rem % R
        rem = rem // R
    digits.setflags(write=False)
    return digits


def _exhaustive_period(model, k, tol, rtol):
    J_all, c_all, _ = model._region_table()
    R = J_all.shape[0]
    if k == 1:
        seqs = np.arange(R)[:, None]
    else:
        seqs = _necklaces(R, k)
    found = []
    chunk = 1 << 15
    for s in range(0, seqs.shape[0], chunk):
        sq = seqs[s:s + chunk]
        J_seq, c_seq = J_all[sq], c_all[sq]
        z1, ok = _solve_sequences(J_seq, c_seq)
        # cheap pruning: the first point must already lie in its region
        pats1 = patterns_from_index(sq[:, 0], model.n_units)
        ok &= _consistent(model, z1[:, None, :], pats1[:, None, :], tol)
        idx = np.flatnonzero(ok)
        if not idx.size:
            continue
        orb = _orbits(model, z1[idx], J_seq[idx], c_seq[idx])
        pats = patterns_from_index(sq[idx], model.n_units)
        good = _consistent(model, orb, pats, tol) & _minimal(orb, rtol)
        for j in np.flatnonzero(good):
            found.append((orb[j], pats[j]))
    return found


# -- SCYFI ----------------------------------------------------------------------------

def _scyfi_period(model, k, rng, n_outer, n_inner, batch, tol, rtol, found):
    """SCYFI heuristic (Eisenmann et al. 2023), run for a batch of random starts at once;
    new k-cycles are added to ``found`` (a _CycleSet) and returned.

    Draw random region sequences; solve for the candidate; replace each sequence by the
    regions the candidate's true orbit visits; accept when they agree. Stop after
    ``n_outer`` random starts in a row without a new cycle.
    """
    P, M = model.n_units, model.dim
    n_known = len(found.items)
    misses = 0
    params = model._params()
    while misses < n_outer:
        pats = rng.random((batch, k, P)) < 0.5
        new_here = 0
        active = np.ones(batch, dtype=bool)
        for _ in range(n_inner):
            idx = np.flatnonzero(active)
            if not idx.size:
                break
            J_seq, c_seq = model.affine(pats[idx])
            z1, ok = _solve_sequences(J_seq, c_seq)
            # regions actually visited by the true orbit of each candidate
            orb = np.empty((idx.size, k, M))
            z = np.where(ok[:, None], z1, 0.0)
            with np.errstate(all="ignore"):
                for i in range(k):
                    orb[:, i] = z
                    z = model._step_with(params, z)
                visited = (orb @ model.pre_matrix.T + model.pre_offset) > 0
            orb_aff = _orbits(model, z1, J_seq, c_seq)
            cons = ok & _consistent(model, orb_aff, pats[idx], tol) & _minimal(orb_aff, rtol)
            for j in np.flatnonzero(cons):
                if found.add(orb_aff[j], pats[idx][j], rtol):
                    new_here += 1
            active[idx[cons]] = False
            bad = ~ok | ~np.all(np.isfinite(orb), axis=(1, 2))
            fresh = rng.random((idx.size, k, P)) < 0.5
            nxt = np.where(bad[:, None, None], fresh, visited)
            same = np.all(nxt == pats[idx], axis=(1, 2)) & ~cons
            # stuck on an inconsistent fixed sequence: restart it randomly
            nxt[same] = fresh[same]
            pats[idx] = nxt
        misses = 0 if new_here else misses + batch
    return found.items[n_known:]


class _CycleSet:
    """Cycles found so far, (orbit (k, M), patterns) in order, with the orbits of each period
    stacked so a new candidate is compared with all of them in one vectorised step."""

    def __init__(self, items=()):
        self.items, self._stack = [], {}
        for orb, pats in items:
            self._append(orb, pats)

    def _append(self, orb, pats):
        self.items.append((orb, pats))
        k = orb.shape[0]
        old = self._stack.get(k)
        self._stack[k] = orb[None] if old is None else np.concatenate([old, orb[None]])

    def add(self, orb, pats, rtol) -> bool:
        """Append unless some known orbit equals a cyclic shift of ``orb`` within
        rtol (1 + max |orb|) in every coordinate; return whether it was new."""
        k = orb.shape[0]
        known = self._stack.get(k)
        if known is not None:
            shifts = orb[(np.arange(k)[:, None] + np.arange(k)[None, :]) % k]   # (k, k, M)
            diff = np.max(np.abs(known[:, None] - shifts[None]), axis=(2, 3))  # (n, k)
            if np.any(diff <= rtol * (1.0 + np.max(np.abs(orb)))):
                return False
        self._append(orb, pats)
        return True


def find_cycles(model: _PiecewiseAffineMap, max_period: int, *, method: str = "auto", seed=None,
                n_outer: int = 200, n_inner: int = 50, batch: int = 64,
                boundary_tol: float = _BOUNDARY_TOL, rtol: float = 1e-7,
                exhaustive_limit: int = EXHAUSTIVE_LIMIT) -> list:
    """All fixed points and k-cycles (minimal period k <= max_period) of a ReLU map.

    method='exhaustive' solves z* = (I - Π)^{-1}(...) for every region sequence (one
    canonical rotation per primitive sequence, batched); 'scyfi' runs the SCYFI
    heuristic; 'auto' uses exhaustive when (2^units)^k <= exhaustive_limit, else SCYFI.
    Sequences with cond(I - Π) >= 1e12 are skipped; points within boundary_tol of a
    border count for both sides; duplicates (equal up to cyclic shift, relative
    tolerance rtol) are removed. Returns Cycles sorted by period, then first coordinate.
    """
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")
    max_period = integer_in_range("max_period", max_period, 1, 1000)
    method = choice("method", method, ("auto", "exhaustive", "scyfi"))
    n_outer = integer_in_range("n_outer", n_outer, 1)
    n_inner = integer_in_range("n_inner", n_inner, 1)
    batch = integer_in_range("batch", batch, 1, 100_000)
    boundary_tol = positive_scalar("boundary_tol", boundary_tol, allow_zero=True)
    rtol = positive_scalar("rtol", rtol)
    exhaustive_limit = integer_in_range("exhaustive_limit", exhaustive_limit, 1)
    rng = np.random.default_rng(random_seed("seed", seed))
    P = model.n_units
    R = 2.0 ** P

    def exhaustive(k):
        return method == "exhaustive" or (method == "auto" and P <= 16 and R ** k <= exhaustive_limit)

    # the whole exhaustive work up front: sum over its periods of (2^P)^k sequences
    work = sum(R ** k for k in range(1, max_period + 1) if exhaustive(k))
    if work > EXHAUSTIVE_MAX_WORK or (work and P > 16):
        fits = [k for k in range(1, max_period + 1)
                if sum(R ** j for j in range(1, k + 1)) <= EXHAUSTIVE_MAX_WORK]
        hint = (f"reduce max_period to {fits[-1]} or less, or" if fits else
                "this map has too many subregions for it:")
        raise ValueError(f"the exhaustive search over (2^{P})^k region sequences for k = 1..{max_period} "
                         f"would solve {work:.3g} sequences (at most {EXHAUSTIVE_MAX_WORK:.3g}): "
                         f"{hint} use method='scyfi'")
    found = _CycleSet()
    for k in range(1, max_period + 1):
        if exhaustive(k):
            for orb, pats in _exhaustive_period(model, k, boundary_tol, rtol):
                found.add(orb, pats, rtol)
        else:
            _scyfi_period(model, k, rng, n_outer, n_inner, batch, boundary_tol, rtol, found)
    cycles = [_make_cycle(model, _polished(model, orb, pats), pats) for orb, pats in found.items]
    cycles.sort(key=lambda c: (c.period, tuple(np.round(c.points[np.argmin(c.points[:, 0])], 12))))
    return cycles


def fixed_point_sets(model: _PiecewiseAffineMap, *, tol: float = 1e-9) -> list:
    """Subregions holding a continuum of fixed points (non-isolated, so find_cycles skips
    them): (pattern D, d) where (I - J_D) z = c_D is consistent with a d >= 1 dimensional
    solution set z0 + null(I - J_D) that meets the closed subregion (a linear program).
    The identity map gives every pattern with d = M."""
    from scipy.optimize import linprog
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")
    J_all, c_all, _ = model._region_table()
    M = model.dim
    out = []
    for r in range(J_all.shape[0]):
        K = np.eye(M) - J_all[r]
        U, sv, Vt = np.linalg.svd(K)
        scale = max(1.0, float(sv[0]) if sv.size else 1.0)
        null = Vt[sv <= tol * scale]
        if not null.shape[0]:
            continue
        z0 = np.linalg.lstsq(K, c_all[r], rcond=None)[0]
        if np.max(np.abs(K @ z0 - c_all[r])) > 1e-9 * (1 + np.max(np.abs(c_all[r]))):
            continue                                    # inconsistent: no fixed point here
        pattern = patterns_from_index(r, model.n_units)
        q0 = model.pre_matrix @ z0 + model.pre_offset
        G = model.pre_matrix @ null.T                  # pre-activation change per null coordinate
        sign = np.where(pattern, -1.0, 1.0)            # D_u: q >= 0, else q <= 0
        res = linprog(np.zeros(null.shape[0]), A_ub=sign[:, None] * G, b_ub=-sign * q0,
                      bounds=[(None, None)] * null.shape[0], method="highs")
        if res.status == 0:
            out.append((pattern, int(null.shape[0])))
    return out
