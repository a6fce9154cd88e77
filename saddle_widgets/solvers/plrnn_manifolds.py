"""Stable and unstable manifolds of saddle fixed points and saddle cycles of ReLU maps,
their quality measure δ, and homoclinic / heteroclinic points.

Inside the saddle's subregion the local manifolds are flat: W^u_loc = p + span{v : |λ| > 1},
W^s_loc = p + span{v : |λ| < 1} (eigenvectors of Π = J_k...J_1). They are grown by pushing
seed points forward with G = F^k (unstable) or backward with G = F^-k (stable); G = F^2k
for a flip saddle so a branch does not alternate sides.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import choice, finite_array, integer_in_range, positive_scalar
from .plrnn_cycles import Cycle, _check_model, _cycle_list
from .plrnn_model import _PiecewiseAffineMap

__all__ = ["Manifold", "AffinePiece", "ManifoldPieces", "invariant_manifold", "manifold_quality",
           "manifold_score", "DELTA_GOOD", "saddle_manifold_quality",
           "ManifoldIntersections", "manifold_intersections", "homoclinic_points", "manifold_saddles",
           "SaddleManifolds", "saddle_manifolds"]


def _ro(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Manifold:
    """A 1-D stable or unstable manifold as ordered polylines.

    branches: tuple of (n_i, M) arrays, one per cycle point and side, each starting at the
    cycle point and ordered outward along the manifold. power: G = F^power was iterated
    (negative: backward). stopped: per branch, why growth stopped ('iterations', 'length',
    'points', 'diverged', 'no preimage').
    """

    saddle: Cycle
    which: str
    branches: tuple
    power: int
    stopped: tuple

    @property
    def points(self) -> np.ndarray:
        """All vertices of all branches stacked (n, M)."""
        return np.concatenate(self.branches)

    @property
    def length(self) -> float:
        return float(sum(np.linalg.norm(np.diff(b, axis=0), axis=1).sum() for b in self.branches))


@dataclass(frozen=True, eq=False)
class AffinePiece:
    """Affine piece of a d-dim manifold in one subregion: point + span(basis rows).

    region: sign pattern; basis (d, M) orthonormal; n_samples: sampled manifold points in
    the region; residual: RMS distance of those samples from the fitted plane.
    """

    region: np.ndarray
    point: np.ndarray
    basis: np.ndarray
    n_samples: int
    residual: float


@dataclass(frozen=True, eq=False)
class ManifoldPieces:
    """A d-dim manifold as per-subregion affine pieces (PCA fit of pushed seed points).

    Points pushed through the same sequence of subregions lie on one plane, so each piece is
    fitted to such a group; a subregion can hold several pieces (sheets of a folded manifold).

    samples (n, M): the manifold points generated; delta (n,): the quality measure δ of
    each sample (near 0 for a correct manifold point).
    """

    saddle: Cycle
    which: str
    dim: int
    pieces: tuple
    samples: np.ndarray
    delta: np.ndarray


def _check(model, saddle, which):
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")
    if not isinstance(saddle, Cycle):
        raise ValueError("saddle must be a Cycle from find_cycles")
    if saddle.dim != model.dim:
        raise ValueError(f"the cycle has dimension {saddle.dim}, the model {model.dim}")
    which = choice("which", which, ("stable", "unstable"))
    if saddle.kind != "saddle":
        raise ValueError(f"this {saddle.description} is not a saddle: stable and unstable manifolds "
                         f"are traced for saddles (multipliers on both sides of |λ| = 1)")
    return which


def _need_inverse(model, what):
    if not model.is_invertible_safe():
        raise ValueError(f"F is not invertible (det(J_D) changes sign between subregions), so {what} "
                         f"cannot be traced backward with F^-1")


class _Pusher:
    """Applies G = F^n (n > 0) or F^-|n| to batches; returns (points, valid mask)."""

    def __init__(self, model, power, bound):
        self.model, self.power, self.bound = model, power, bound
        self.visited = []

    def __call__(self, z, valid):
        model = self.model
        z = z.copy()
        with np.errstate(all="ignore"):
            for _ in range(abs(self.power)):
                idx = np.flatnonzero(valid)
                if not idx.size:
                    break
                if self.power > 0:
                    z[idx] = model._step_raw(z[idx])
                else:
                    prev, ok = model._inverse_batch(z[idx], self.visited)
                    z[idx] = prev
                    valid[idx[~ok]] = False
                    if model.n_units > 4 and ok.any() and len(self.visited) < 64:
                        for pat in np.unique(model.region(prev[ok]), axis=0):
                            if not any(np.array_equal(pat, v) for v in self.visited):
                                self.visited.append(pat)
                valid &= np.all(np.abs(z) <= self.bound, axis=1) & np.all(np.isfinite(z), axis=1)
        return z, valid


def _cycle_products(model, saddle):
    J, _ = model.affine(saddle.regions)
    k = saddle.period
    out = []
    for i in range(k):
        Pi = np.eye(model.dim)
        for s in range(k):
            Pi = J[(i + s) % k] @ Pi
        out.append(Pi)
    return out


def _subspace(Pi, which):
    """Real orthonormal basis (d, M) of the stable/unstable eigenspace of Pi, and its multipliers."""
    lam, V = np.linalg.eig(Pi)
    sel = np.abs(lam) < 1 if which == "stable" else np.abs(lam) > 1
    vecs = []
    for j in np.flatnonzero(sel):
        v = V[:, j]
        if abs(lam[j].imag) > 1e-12 * (1 + abs(lam[j])):
            if lam[j].imag > 0:
                vecs += [v.real, v.imag]
        else:
            vecs.append(v.real)
    Q, _ = np.linalg.qr(np.array(vecs).T)
    return Q.T, lam[sel]


def invariant_manifold(model, saddle: Cycle, which: str = "unstable", *, representation: str = "auto",
                       max_iter: int = 40, max_length: float = 60.0, max_step: float = 0.02,
                       max_points: int = 20000, bound: float = 1e3, n_seed: int = 400,
                       seed=0):
    """Stable or unstable manifold of a saddle fixed point / saddle cycle.

    1-D manifolds (any M) -> Manifold polylines: seed segment q ± ε Λ^t v, t in [0, 1]
    (v the eigenvector, Λ the growth of G per application), grown by G = F^{±k} (F^{±2k}
    for a negative multiplier) and refined so neighbouring vertices are <= max_step apart
    (a new vertex at the seed-parameter midpoint, mapped forward). Stops at max_iter
    applications of G, length max_length per branch, max_points, |z| > bound, or no preimage.
    Manifolds of dimension >= 2 (or representation='pieces') -> ManifoldPieces: n_seed
    points on the local eigenspace pushed max_iter times, a PCA plane per visited region.
    The stable manifold needs F^-1 (ValueError if F is not invertible); a saddle with a
    point outside |z_i| <= bound is a ValueError too (no branch could start).
    """
    which = _check(model, saddle, which)
    representation = choice("representation", representation, ("auto", "polyline", "pieces"))
    max_iter = integer_in_range("max_iter", max_iter, 1, 10_000)
    max_length = positive_scalar("max_length", max_length)
    max_step = positive_scalar("max_step", max_step)
    max_points = integer_in_range("max_points", max_points, 10, 10_000_000)
    bound = positive_scalar("bound", bound)
    n_seed = integer_in_range("n_seed", n_seed, 2, 1_000_000)
    if which == "stable":
        _need_inverse(model, "the stable manifold")
    if np.any(np.abs(saddle.points) > bound):
        raise ValueError(f"the saddle lies outside |z_i| <= {bound:.3g}, where branches stop: "
                         f"nothing to trace")
    d = saddle.n_stable if which == "stable" else saddle.n_unstable
    if representation == "polyline" and d != 1:
        raise ValueError(f"the {which} manifold is {d}-dimensional; polylines need a 1-D manifold "
                         f"(use representation='pieces')")
    products = _cycle_products(model, saddle)
    lam = _subspace(products[0], which)[1]
    flip = bool(np.any((np.abs(lam.imag) <= 1e-12 * (1 + np.abs(lam))) & (lam.real < 0)))
    power = saddle.period * (2 if flip else 1) * (1 if which == "unstable" else -1)
    pusher = _Pusher(model, power, bound)
    if d == 1 and representation != "pieces":
        return _polyline(model, saddle, which, products, pusher, max_iter, max_length, max_step, max_points)
    return _pieces(model, saddle, which, products, pusher, d, max_iter, n_seed, seed, max_points)


def _seed_eps(model, q, basis, growth, pusher):
    """Largest ε (<= 1e-2 (1+|q|)) such that G acts linearly on the whole seed segment:
    G(q ± ε' b) = q ± ε' Λ b for ε' = ε max(1, Λ)."""
    eps = 1e-2 * (1 + np.max(np.abs(q)))
    far = max(1.0, growth)
    for _ in range(60):
        pts = q + eps * far * np.concatenate([basis, -basis])
        img, ok = pusher(pts, np.ones(pts.shape[0], dtype=bool))
        want = q + eps * far * growth * np.concatenate([basis, -basis])
        if np.all(ok) and np.max(np.abs(img - want)) <= 1e-9 * (1 + np.max(np.abs(q))) \
                and np.all(model.region(pts) == model.region(q)):
            return eps
        eps *= 0.5
    raise ValueError("could not place seed points in the saddle's linear neighbourhood "
                     "(is the saddle on a subregion border?)")


def _inert_units(model, pattern) -> np.ndarray:
    """Units whose switch does not change the affine piece at ``pattern``: flipping D_u
    leaves (J_D, c_D) unchanged (e.g. a PLRNN unit whose column of W is zero), so the
    border q_u = 0 is no kink of F there."""
    pats = np.repeat(np.asarray(pattern, dtype=bool)[None], model.n_units, axis=0)
    idx = np.arange(model.n_units)
    pats[idx, idx] ^= True
    J0, c0 = model.affine(np.asarray(pattern, dtype=bool))
    J, c = model.affine(pats)
    return np.all(J == J0, axis=(1, 2)) & np.all(c == c0, axis=1)


def _linear_extent(model, saddle, i, v, power):
    """Largest S such that G = F^power is exactly affine on the ray q_i + s v, 0 <= s <= S:
    every intermediate iterate (preimage for power < 0) of q_i + s v stays in the closed
    region of the corresponding cycle point (borders of units whose switch does not change
    the affine piece do not count), so G(q_i + s v) = q_i + s Π v there. For power < 0
    this needs F invertible (then the preimage in that region is the preimage).
    Returns 0 when it cannot be certified and inf when the ray never leaves."""
    k = saddle.period
    J, _ = model.affine(saddle.regions)
    N, off = model.pre_matrix, model.pre_offset
    pts = saddle.points
    S, w = np.inf, np.asarray(v, dtype=float)
    with np.errstate(all="ignore"):
        for j in range(abs(power)):
            if power > 0:
                idx = (i + j) % k
            else:
                idx = (i - j - 1) % k
                try:
                    w = np.linalg.solve(J[idx], w)
                except np.linalg.LinAlgError:
                    return 0.0
            live = ~_inert_units(model, saddle.regions[idx])
            q = N @ pts[idx] + off
            margin = np.where(saddle.regions[idx], q, -q)
            # rate at which the margin of each unit shrinks along the ray
            rate = np.where(saddle.regions[idx], -(N @ w), N @ w)
            if np.any(margin[live] < 0) or not np.all(np.isfinite(rate)):
                return 0.0
            ok = live & (rate > 0)
            if np.any(ok):
                S = min(S, float(np.min(margin[ok] / rate[ok])))
            if power > 0:
                w = J[idx] @ w
    return S


def _polyline(model, saddle, which, products, pusher, max_iter, max_length, max_step, max_points):
    branches, stopped = [], []
    m = abs(pusher.power) // saddle.period  # 1, or 2 for a flip saddle
    for i, Pi in enumerate(products):
        q = saddle.points[i]
        basis, lam = _subspace(Pi, which)
        v = basis[0]
        growth = abs(lam[0]) ** m
        growth = growth if which == "unstable" else 1.0 / growth
        eps0 = _seed_eps(model, q, v[None], growth, pusher)
        for sgn in (1.0, -1.0):
            # G acts linearly (as multiplication by growth along v) on 0 <= s <= lin: the
            # branch is the straight segment from q up to there, and the seed starts at its
            # end (a slowly growing saddle then needs no levels to leave its neighbourhood)
            lin = 0.9 * _linear_extent(model, saddle, i, sgn * v, pusher.power)
            reach = min(lin, max_length, pusher.bound)
            eps = max(eps0, reach / growth)
            pts, why = _grow_branch(q, sgn * v, eps, growth, pusher, max_iter, max_length, max_step,
                                    max(max_points // (2 * len(products)), 10), reach)
            n_fill = int(min(np.ceil(np.linalg.norm(pts[0] - q) / max_step), 10_000))
            fill = q + np.linspace(0.0, 1.0, n_fill + 1)[:-1, None] * (pts[0] - q)
            branches.append(_ro(np.vstack([fill, pts])))
            stopped.append(why)
    return Manifold(saddle=saddle, which=which, branches=tuple(branches), power=pusher.power,
                    stopped=tuple(stopped))


def _grow_branch(q, v, eps, growth, pusher, max_iter, max_length, max_step, max_points, lin=0.0):
    """Vertices of one branch, u = level + t, point(u) = G^level(q + ε growth^t v).

    On the seed line G is multiplication by ``growth`` for |s| <= lin (certified by
    _linear_extent), so G^m(q + ε growth^t v) = q + ε growth^(t+m) v while ε growth^(t+m)
    <= lin: those m applications of G are skipped (the same points in exact arithmetic).
    """
    skip_max = 0
    if lin > eps and growth > 1:
        skip_max = int(np.floor(np.log(lin / eps) / np.log(growth))) - 1

    def evaluate(u):
        lev = np.floor(u).astype(int)
        t = u - lev
        # levels read off the linear seed segment: eps growth^(t + m) <= lin
        m = np.clip(np.minimum(lev, skip_max), 0, None) if skip_max > 0 else np.zeros_like(lev)
        z = q + (eps * growth ** (t + m))[:, None] * v
        lev = lev - m
        valid = np.ones(u.size, dtype=bool)
        for L in range(1, lev.max() + 1 if lev.size else 1):
            sel = lev >= L
            zz, vv = pusher(z[sel], valid[sel])
            z[sel], valid[sel] = zz, vv
        return z, valid

    u = np.linspace(0.0, 1.0, 17)[:-1]
    z, valid = evaluate(u)
    all_u, all_z = [u], [z]
    why = "iterations"
    length = float(np.linalg.norm(z[-1] - z[0]))
    for level in range(1, max_iter + 1):
        u_new = all_u[-1] + 1.0
        z_new, ok = pusher(all_z[-1], np.ones(u_new.size, dtype=bool))
        if not ok.all():
            cut = np.argmin(ok)
            u_new, z_new = u_new[:cut], z_new[:cut]
            why = "diverged or no preimage"
        # include the last vertex of the previous level to join levels seamlessly
        prev_u, prev_z = all_u[-1][-1:], all_z[-1][-1:]
        uu = np.concatenate([prev_u, u_new])
        zz = np.vstack([prev_z, z_new])
        # distance-controlled refinement
        for _ in range(40):
            gaps = np.linalg.norm(np.diff(zz, axis=0), axis=1)
            big = np.flatnonzero((gaps > max_step) & (np.diff(uu) > 1e-13))
            if not big.size or sum(a.size for a in all_u) + uu.size > max_points:
                break
            um = 0.5 * (uu[big] + uu[big + 1])
            zm, okm = evaluate(um)
            if not okm.all():
                # keep only the refined points that exist; stop the branch at the first failure
                bad_u = um[~okm].min()
                keep = uu < bad_u
                uu, zz = uu[keep], zz[keep]
                sel = okm & (um < bad_u)
                um, zm = um[sel], zm[sel]
                why = "diverged or no preimage"
            order = np.argsort(np.concatenate([uu, um]), kind="stable")
            uu = np.concatenate([uu, um])[order]
            zz = np.vstack([zz, zm])[order]
        uu, zz = uu[1:], zz[1:]
        if not uu.size:
            break
        seg = np.linalg.norm(np.diff(np.vstack([all_z[-1][-1:], zz]), axis=0), axis=1)
        csum = length + np.cumsum(seg)
        if csum[-1] > max_length:
            cut = np.searchsorted(csum, max_length) + 1
            uu, zz = uu[:cut], zz[:cut]
            all_u.append(uu)
            all_z.append(zz)
            why = "length"
            break
        length = csum[-1]
        all_u.append(uu)
        all_z.append(zz)
        if sum(a.size for a in all_u) >= max_points:
            why = "points"
            break
        if why != "iterations":
            break
    return np.vstack(all_z), why


def _pieces(model, saddle, which, products, pusher, d, max_iter, n_seed, seed, max_points):
    rng = np.random.default_rng(seed)
    samples, paths = [], []
    per = max(n_seed // saddle.period, d + 1)
    P = model.n_units
    weights = (np.arange(P) * 7919 + 104729) % 1000003 + 1

    def path_code(code, z):
        # affine sheets: points that went through the same region sequence lie on one plane
        reg = (model.region(z) * weights).sum(1)
        return (code * 1000003 + reg) % 2305843009213693951

    for i, Pi in enumerate(products):
        q = saddle.points[i]
        basis, lam = _subspace(Pi, which)
        mods = np.abs(lam) ** (abs(pusher.power) // saddle.period)
        growth = mods if which == "unstable" else 1.0 / mods
        eps = 1e-2 * (1 + np.max(np.abs(q)))
        for _ in range(60):  # the seed disk must lie in the saddle's linear neighbourhood
            probe = q + eps * np.max(growth) * np.concatenate([basis, -basis])
            img, ok = pusher(probe, np.ones(probe.shape[0], dtype=bool))
            if np.all(model.region(probe) == model.region(q)) and np.all(ok):
                break
            eps *= 0.5
        dirs = rng.standard_normal((per, d))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        radius = eps * np.max(growth) ** rng.random(per)
        z = q + (radius[:, None] * dirs) @ basis
        code = np.full(per, i, dtype=np.int64)
        samples.append(z)
        paths.append(code)
        valid = np.ones(per, dtype=bool)
        for _ in range(max_iter):
            z, valid = pusher(z, valid)
            if not valid.any() or sum(s.shape[0] for s in samples) > max_points:
                break
            z, code = z[valid], path_code(code[valid], z[valid])
            valid = valid[valid]
            samples.append(z)
            paths.append(code)
    pts = np.vstack(samples)
    codes = np.concatenate(paths)
    regs = model.region(pts)
    pieces = []
    uniq, inv = np.unique(codes, return_inverse=True)
    for r in range(uniq.shape[0]):
        sel = pts[inv.ravel() == r]
        if sel.shape[0] < d + 1:
            continue
        c = sel.mean(0)
        _, sv, Vt = np.linalg.svd(sel - c, full_matrices=False)
        resid = float(np.sqrt(np.sum(sv[d:] ** 2) / sel.shape[0])) if sv.size > d else 0.0
        pieces.append(AffinePiece(region=_ro(regs[inv.ravel() == r][0]), point=_ro(c), basis=_ro(Vt[:d]),
                                  n_samples=int(sel.shape[0]), residual=resid))
    delta = manifold_quality(model, pts, saddle, which=which)
    return ManifoldPieces(saddle=saddle, which=which, dim=d, pieces=tuple(pieces), samples=_ro(pts),
                          delta=_ro(delta))


def manifold_quality(model, points, saddle: Cycle, *, which: str = "stable", n_steps: int = 100) -> np.ndarray:
    """The paper's quality measure per point, in [0, 1]:

        δ(x0) = min_{0 <= k <= n_steps} ||F^k(x0) - p||^2 / ||x0 - p||^2,

    iterating forward (F) for stable-manifold points and backward (F^-1) for unstable ones;
    p is the nearest cycle point at each step. k = 0 is included, so δ <= 1: a point whose
    orbit only moves away from the cycle scores 1; a correct manifold point approaches
    the cycle and scores near 0; a point on the cycle scores 0. Orbits that diverge or lose
    their preimage keep the smallest value reached before.
    """
    which = _check(model, saddle, which)
    # squared distances of points beyond 1e150 overflow
    x0 = model._state(finite_array("points", points, ndim=(1, 2), limit=1e150), "points")
    if x0.ndim == 1:
        x0 = x0[None]
    n_steps = integer_in_range("n_steps", n_steps, 0, 100_000)
    if which == "unstable":
        _need_inverse(model, "the quality of unstable-manifold points")
    P = saddle.points

    def dist2(z):
        return np.min(((z[:, None, :] - P[None]) ** 2).sum(-1), axis=1)

    d0 = dist2(x0)
    best = d0.copy()                                   # k = 0
    pusher = _Pusher(model, 1 if which == "stable" else -1, 1e6)
    z, valid = x0.copy(), np.ones(x0.shape[0], dtype=bool)
    for _ in range(n_steps):
        z, valid = pusher(z, valid)
        if not valid.any():
            break
        best = np.where(valid, np.minimum(best, dist2(np.where(valid[:, None], z, x0))), best)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(d0 > 0, best / np.where(d0 > 0, d0, 1.0), 0.0)
    return np.clip(delta, 0.0, 1.0)


#: δ below this counts as a manifold point in ``manifold_score``: its orbit comes ten
#: times closer to the cycle than it started
DELTA_GOOD = 1e-2


def manifold_score(delta, *, threshold: float = DELTA_GOOD) -> float:
    """One number per manifold: the fraction of its points with δ < threshold (default
    1e-2: the orbit comes 10 times closer to the cycle than it started), in [0, 1].

    Near 1 for a good manifold (the paper reports a score near 1 for good manifolds).
    A fraction rather than 1 - mean δ: a point off the manifold also approaches the saddle
    for a while before it leaves (δ of order 0.1, not 1), so a mean would hide stray points.
    """
    d = finite_array("delta", delta)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"delta must be a non-empty 1-D array of δ values, got shape {d.shape}")
    if not np.all(np.isfinite(d)) or np.any(d < 0) or np.any(d > 1):
        raise ValueError("delta must hold values in [0, 1] (from manifold_quality)")
    threshold = positive_scalar("threshold", threshold)
    return float(np.mean(d < threshold))


# -- intersections --------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ManifoldIntersections:
    """Transversal crossings of a stable and an unstable manifold (2-D).

    points (n, 2); angles (n,): crossing angle in radians (0..π/2); kind: 'homoclinic'
    (W^s and W^u of the same saddle) or 'heteroclinic'.
    """

    points: np.ndarray
    angles: np.ndarray
    kind: str


def _segments(man: Manifold):
    a = np.concatenate([b[:-1] for b in man.branches])
    b = np.concatenate([b[1:] for b in man.branches])
    return a, b


def _candidate_pairs(a1, b1, a2, b2, cell):
    """Index pairs of segments whose bounding boxes share a grid cell."""
    def cells(a, b):
        lo = np.floor(np.minimum(a, b) / cell).astype(np.int64)
        hi = np.floor(np.maximum(a, b) / cell).astype(np.int64)
        nx = hi[:, 0] - lo[:, 0] + 1
        ny = hi[:, 1] - lo[:, 1] + 1
        cnt = nx * ny
        seg = np.repeat(np.arange(a.shape[0]), cnt)
        off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        cx = lo[seg, 0] + off % nx[seg]
        cy = lo[seg, 1] + off // nx[seg]
        return (cx * 1_000_003 + cy), seg

    k1, s1 = cells(a1, b1)
    k2, s2 = cells(a2, b2)
    o2 = np.argsort(k2, kind="stable")
    k2, s2 = k2[o2], s2[o2]
    lo = np.searchsorted(k2, k1, "left")
    hi = np.searchsorted(k2, k1, "right")
    cnt = hi - lo
    i = np.repeat(s1, cnt)
    off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    j = s2[np.repeat(lo, cnt) + off]
    code = np.unique(i * (a2.shape[0] + 1) + j)
    return code // (a2.shape[0] + 1), code % (a2.shape[0] + 1)


def manifold_intersections(stable: Manifold, unstable: Manifold, *, exclude_radius: float | None = None,
                           min_angle: float = 1e-3) -> ManifoldIntersections:
    """Crossings of a stable and an unstable polyline (2-D), by vectorised segment intersection.

    Segments p + t r and q + s w cross where t = (q - p) x w / (r x w) and
    s = (q - p) x r / (r x w) lie in [0, 1). Crossings within exclude_radius of a saddle
    point (default 1e-6 (1 + |p|)) and tangencies (angle < min_angle) are dropped.
    """
    for man, name, want in ((stable, "stable", "stable"), (unstable, "unstable", "unstable")):
        if not isinstance(man, Manifold) or man.which != want:
            raise ValueError(f"{name} must be a {want} Manifold from invariant_manifold")
        if man.saddle.dim != 2:
            raise ValueError("manifold intersections are computed in 2-D state spaces only")
    min_angle = positive_scalar("min_angle", min_angle, allow_zero=True)
    pts_s = np.vstack([stable.saddle.points, unstable.saddle.points])
    if exclude_radius is None:
        exclude_radius = 1e-6 * (1 + np.max(np.abs(pts_s)))
    exclude_radius = positive_scalar("exclude_radius", exclude_radius, allow_zero=True)
    a1, b1 = _segments(stable)
    a2, b2 = _segments(unstable)
    same = stable.saddle is unstable.saddle or (
        stable.saddle.period == unstable.saddle.period
        and np.allclose(stable.saddle.points, unstable.saddle.points))
    kind = "homoclinic" if same else "heteroclinic"
    if not (a1.size and a2.size):
        return ManifoldIntersections(points=_ro(np.zeros((0, 2))), angles=_ro(np.zeros(0)), kind=kind)
    seglen = np.concatenate([np.linalg.norm(b1 - a1, axis=1), np.linalg.norm(b2 - a2, axis=1)])
    cell = max(float(np.percentile(seglen, 90)) * 2, 1e-9)
    span = np.ptp(np.vstack([a1, b1, a2, b2]), axis=0).max()
    cell = max(cell, span / 2000)
    i, j = _candidate_pairs(a1, b1, a2, b2, cell)
    p, r = a1[i], b1[i] - a1[i]
    q, w = a2[j], b2[j] - a2[j]
    cross = r[:, 0] * w[:, 1] - r[:, 1] * w[:, 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[:, 0] * w[:, 1] - qp[:, 1] * w[:, 0]) / cross
        s = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / cross
        nr, nw = np.linalg.norm(r, axis=1), np.linalg.norm(w, axis=1)
        sin = np.abs(cross) / (nr * nw)
    ok = np.isfinite(t) & np.isfinite(s) & (t >= 0) & (t < 1) & (s >= 0) & (s < 1)
    ok &= np.isfinite(sin) & (np.arcsin(np.clip(sin, 0, 1)) >= min_angle)
    x = p[ok] + t[ok, None] * r[ok]
    ang = np.arcsin(np.clip(sin[ok], 0, 1))
    far = np.min(np.linalg.norm(x[:, None] - pts_s[None], axis=2), axis=1) > exclude_radius
    x, ang = x[far], ang[far]
    order = np.lexsort((x[:, 1], x[:, 0]))
    return ManifoldIntersections(points=_ro(x[order]), angles=_ro(ang[order]), kind=kind)


def homoclinic_points(model, saddle: Cycle, *, other: Cycle | None = None, **manifold_kwargs) -> ManifoldIntersections:
    """Transversal intersections of W^u(saddle) with W^s(saddle) (homoclinic points) or with
    W^s(other) (heteroclinic points), in 2-D. Keyword arguments go to invariant_manifold."""
    _check_model(model)
    if model.dim != 2:
        raise ValueError(f"homoclinic points are searched in 2-D state spaces; this model has M = {model.dim}")
    target = saddle if other is None else other
    wu = invariant_manifold(model, saddle, "unstable", representation="polyline", **manifold_kwargs)
    ws = invariant_manifold(model, target, "stable", representation="polyline", **manifold_kwargs)
    return manifold_intersections(ws, wu)


def manifold_saddles(cycles, max_count: int = 2) -> list:
    """The saddles whose manifolds organise a phase portrait: the saddle cycles of the lowest
    period present (at most ``max_count``, in the given order) — the saddle fixed points if
    there are any, else e.g. the saddle 3-cycle. Their stable manifolds bound basins."""
    max_count = integer_in_range("max_count", max_count, 0)
    saddles = [c for c in _cycle_list("cycles", cycles) if c.kind == "saddle"]
    if not saddles:
        return []
    low = min(c.period for c in saddles)
    return [c for c in saddles if c.period == low][:max_count]


@dataclass(frozen=True)
class SaddleManifolds:
    """The manifolds of the saddles chosen by ``manifold_saddles`` (see ``saddle_manifolds``).

    traced: (saddle, stable Manifold or None, unstable Manifold or None) per traced saddle.
    homoclinic: (N, 2) transversal crossings of W^s and W^u of one saddle, all saddles.
    failures: (saddle, 'stable' | 'unstable', message) for branches that could not be traced.
    skipped: saddles left out because only fixed points were asked for.
    invertible: whether F is invertible (else no stable manifold is traced: it needs F^-1).
    """

    traced: tuple
    homoclinic: np.ndarray
    failures: tuple
    skipped: tuple
    invertible: bool


def saddle_manifolds(model, cycles, *, max_saddles: int = 2, fixed_points_only: bool = False,
                     intersections: bool = True, **manifold_kwargs) -> SaddleManifolds:
    """W^u and W^s (1-D polylines, ``invariant_manifold``) of the saddles of ``cycles`` that
    ``manifold_saddles`` picks, and their homoclinic points W^s ∩ W^u (if ``intersections``).

    ``fixed_points_only`` keeps only saddle fixed points (at most one; a cheap picture: a
    cycle's F^-k is slow). ``max_length=0`` traces nothing. W^s is traced only when F is
    invertible; a branch that cannot be traced is listed in ``failures``, not raised.
    Keyword arguments (max_length, max_step, max_iter, bound, ...) go to invariant_manifold.
    """
    _check_model(model)
    _cycle_list("cycles", cycles)
    integer_in_range("max_saddles", max_saddles, 0)
    if model.dim != 2:
        raise ValueError(f"saddle manifolds are drawn in 2-D state spaces; this model has M = {model.dim}")
    empty = np.zeros((0, 2))
    empty.setflags(write=False)
    length = manifold_kwargs.get("max_length", 60.0)
    if length == 0:
        return SaddleManifolds((), empty, (), (), model.is_invertible())
    chosen = manifold_saddles(cycles, max_saddles)
    saddles = [s for s in chosen if s.period == 1][:1] if fixed_points_only else chosen
    skipped = tuple(s for s in chosen if not any(s is t for t in saddles))
    invertible = model.is_invertible()
    traced, failures, homoclinic = [], [], []
    for s in saddles:
        found = {"stable": None, "unstable": None}
        for which in ("unstable", "stable") if invertible else ("unstable",):
            try:
                found[which] = invariant_manifold(model, s, which, representation="polyline",
                                                  **manifold_kwargs)
            except ValueError as exc:
                failures.append((s, which, str(exc)))
        traced.append((s, found["stable"], found["unstable"]))
        if intersections and found["stable"] is not None and found["unstable"] is not None:
            hom = manifold_intersections(found["stable"], found["unstable"])
            if len(hom.points):
                homoclinic.append(hom.points)
    hp = _ro(np.concatenate(homoclinic)) if homoclinic else empty
    return SaddleManifolds(tuple(traced), hp, tuple(failures), skipped, invertible)


def saddle_manifold_quality(model, result: SaddleManifolds, *, max_points: int = 200,
                            n_steps: int = 100) -> dict:
    """δ (``manifold_quality``) of the traced manifolds of a SaddleManifolds, pooled per kind:
    {'stable': δ array, 'unstable': δ array}, each over at most ``max_points`` vertices per
    manifold, evenly spread along it (empty where nothing was traced)."""
    if not isinstance(result, SaddleManifolds):
        raise ValueError("result must be a SaddleManifolds from saddle_manifolds")
    max_points = integer_in_range("max_points", max_points, 1, 100_000)
    n_steps = integer_in_range("n_steps", n_steps, 0, 10_000)
    out = {"stable": [], "unstable": []}
    for saddle, *mans in result.traced:
        for man in mans:
            if man is None:
                continue
            pts = man.points
            pts = pts[np.unique(np.linspace(0, len(pts) - 1, min(max_points, len(pts))).astype(int))]
            out[man.which].append(manifold_quality(model, pts, saddle, which=man.which,
                                                   n_steps=n_steps))
    return {k: _ro(np.concatenate(v)) if v else _ro(np.zeros(0)) for k, v in out.items()}
