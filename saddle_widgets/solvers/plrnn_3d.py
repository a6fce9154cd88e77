"""Invariant manifolds of saddles of ReLU maps in M = 3, fast enough to be shown live.

The paper's Algorithm 1 for a 2-D manifold, in sampled form: seed a log-polar disk
p + r (cos φ b1 + sin φ b2) on the saddle's local eigenspace (b1, b2 spanning the
eigenvectors with |λ| < 1 for W^s, > 1 for W^u; radii over one fundamental domain of G, so
the pushed rings tile the manifold), push every seed with G = F (unstable) or G = F^-1
(stable) through the subregions and keep every iterate as a sample of the manifold. Inside
one subregion G is affine, so a sheet of the manifold there is flat: each subregion's piece
is fitted by PCA (``Piece3D``: plane, residual = RMS distance off it) and outlined by the
convex hull of its samples in that plane. A 1-D manifold is the same with the two seed
directions ±b1: a polyline per side, ordered by the escape parameter.

F^-1 is computed by region iteration, w <- J_D(w)^-1 (z - c_D(w)) from w = z until F(w) = z
(exact once D(w) is the preimage's region; a few steps for maps near the identity, as
trained PLRNNs with a small time step are), and the base's region search where that fails.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._validation import choice, finite_array, finite_scalar, integer_in_range, positive_scalar
from .plrnn_cycles import Cycle, _check_model
from .plrnn_manifolds import _cycle_products, _subspace
from .plrnn_model import _PiecewiseAffineMap

__all__ = ["ManifoldMesh", "Piece3D", "manifold_mesh", "inverse_by_region_iteration",
           "mesh_pieces", "piece_cuts", "clip_polygon", "mesh_arrays", "mesh_from_arrays"]


def _ro(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _unique_rows(regs):
    """``np.unique(regs, axis=0, return_inverse=True)`` for boolean rows (sign patterns),
    fast: a row of at most 63 bits is the integer sum_i regs[i] 2^(n-1-i), whose order is
    the rows' lexicographic order, so the unique rows come out in the same order."""
    regs = np.asarray(regs, bool)
    n = regs.shape[1]
    if n > 63 or not regs.shape[0]:
        uniq, inv = np.unique(regs, axis=0, return_inverse=True)
        return uniq, inv.ravel()
    codes = regs @ (np.int64(1) << np.arange(n - 1, -1, -1, dtype=np.int64))
    codes, first, inv = np.unique(codes, return_index=True, return_inverse=True)
    return regs[first], inv.ravel()


def inverse_by_region_iteration(model, z, *, n_iter: int = 12, fallback: bool = True):
    """Preimages w with F(w) = z for a batch z (N, M): (w, found mask).

    Region iteration w_{k+1} = J_{D(w_k)}^{-1} (z - c_{D(w_k)}), w_0 = z, accepted when
    |F(w) - z| <= 1e-9 (1 + |z| + |w|); points not found after n_iter steps go to the
    model's region search (all regions for at most 4 units, else bit flips of D(z) at
    Hamming distance 1) if ``fallback``.
    """
    _check_model(model)
    z = model._state(finite_array("z", z, ndim=2, limit=1e150), "z")
    n_iter = integer_in_range("n_iter", n_iter, 1, 1000)
    N = z.shape[0]
    w = z.copy()
    found = np.zeros(N, dtype=bool)
    out = np.zeros_like(z)
    idx = np.arange(N)
    with np.errstate(all="ignore"):
        for _ in range(n_iter):
            if not idx.size:
                break
            J, c = model.affine(model.preactivation(w[idx]) > 0)
            det = np.linalg.det(J)
            good = np.isfinite(det) & (np.abs(det) > 1e-14)
            cand = w[idx].copy()
            if np.any(good):
                cand[good] = np.linalg.solve(J[good], (z[idx] - c)[good][..., None])[..., 0]
            img = model._step_raw(cand)
            err = np.max(np.abs(img - z[idx]), axis=1)
            tol = 1e-9 * (1 + np.max(np.abs(z[idx]), axis=1) + np.max(np.abs(cand), axis=1))
            ok = good & np.isfinite(err) & (err <= tol)
            out[idx[ok]] = cand[ok]
            found[idx[ok]] = True
            w[idx] = np.where(np.isfinite(cand), cand, w[idx])
            idx = idx[~ok]
    if fallback and idx.size:
        prev, ok = model._inverse_batch(z[idx], None, None if model.n_units <= 4 else 1)
        out[idx[ok]] = prev[ok]
        found[idx[ok]] = True
    return out, found


@dataclass(frozen=True, eq=False)
class Piece3D:
    """The planar piece of a 2-D manifold in one subregion: the plane point + span(basis)
    fitted by PCA to the manifold's samples there (residual: their RMS distance from it) and
    its outline, the convex hull of the samples projected onto the plane (polygon (k, M),
    in order). In a subregion the map is affine, so a sheet of the manifold there is flat and
    the part inside the (convex) subregion is convex: the hull is the piece."""

    region: np.ndarray
    point: np.ndarray
    basis: np.ndarray
    polygon: np.ndarray
    n_samples: int
    residual: float


@dataclass(frozen=True, eq=False)
class ManifoldMesh:
    """A stable or unstable manifold of a saddle fixed point, grown from a seed mesh.

    samples (n, M): every iterate of every seed vertex while it stayed in the box
    |z - center| <= bound (so the manifold is sampled all along, not only where the mesh
    ended); u (n,): the escape parameter of each sample, push count + log(r0 / r) / log(g)
    (seed radius r, slowest growth g), ordering a 1-D manifold outward; side (n,): the seed
    direction (1-D: 0 or 1; 2-D: the angle index). pieces: Piece3D per subregion (2-D).
    n_pushes: applications of G. For W^s, seed vertices without a preimage stop early.
    """

    saddle: Cycle
    which: str
    dim: int
    samples: np.ndarray
    u: np.ndarray
    side: np.ndarray
    pieces: tuple
    n_pushes: int

    def polylines(self) -> list:
        """1-D manifolds: per side, the saddle and the samples ordered by u (outward)."""
        if self.dim != 1:
            raise ValueError("polylines are the representation of 1-D manifolds")
        return list(self._polylines)

    @cached_property
    def _polylines(self) -> tuple:
        out = []
        for sd in (0, 1):
            sel = self.side == sd
            order = np.argsort(self.u[sel], kind="stable")
            out.append(_ro(np.vstack([self.saddle.point[None], self.samples[sel][order]])))
        return tuple(out)


def _seed_radius(model, q, basis):
    """A radius r0 (<= 1e-2 (1 + |q|)) whose seed disk lies in the saddle's subregion."""
    r = 1e-2 * (1 + np.max(np.abs(q)))
    phi = np.linspace(0, 2 * np.pi, 33)[:-1]
    ring = np.c_[np.cos(phi), np.sin(phi)] @ basis if basis.shape[0] == 2 else np.vstack([basis, -basis])
    base = model.region(q)
    for _ in range(60):
        if np.all(model.region(q + r * ring) == base):
            return r
        r *= 0.5
    raise ValueError("could not place a seed disk in the saddle's subregion (is the saddle on a border?)")


def _local_piece(model, saddle, basis, which, bound, n_points):
    """Exact points of the 2-D local manifold: a polar grid on the eigenplane
    p + r (cos φ b1 + sin φ b2), r log-spaced from min(1e-3 x the saddle's distance to the
    nearest border, 1e-4 bound) to bound, kept where the orbit under the saddle's affine piece (J for W^s, J^-1
    for W^u) stays in the saddle's subregion until it is within 1e-9 (1 + |p|) of p: there
    F acts as that affine map, so these points converge to p (W^s) or come from it (W^u)."""
    p = saddle.point
    g = max(int(np.sqrt(n_points)), 3)
    q = model.preactivation(p)
    border = float(np.min(np.abs(q) / np.maximum(np.linalg.norm(model.pre_matrix, axis=1), 1e-300)))
    r_min = min(1e-3 * border, 1e-4 * bound)
    r, phi = np.meshgrid(np.geomspace(r_min, bound, g), np.linspace(0, 2 * np.pi, g, endpoint=False))
    w = (r.ravel()[:, None] * np.c_[np.cos(phi.ravel()), np.sin(phi.ravel())]) @ basis
    J = model.jacobian(p)
    G = J if which == "stable" else np.linalg.inv(J)
    home = model.region(p)
    keep = np.all(model.region(p + w) == home, axis=1)
    tiny = 1e-9 * (1 + np.max(np.abs(p)))
    v = w.copy()
    for _ in range(10_000):
        live = keep & (np.max(np.abs(v), axis=1) > tiny)
        if not live.any():
            break
        v[live] = v[live] @ G.T
        keep[live] &= np.all(model.region(p + v[live]) == home, axis=1)
    return np.vstack([p[None], p + w[keep]])


def _reseed(model, pts, per_edge, done, times=10 ** 9):
    """Points along the hull edges of ``pts`` (n, M) in each subregion re-seeded fewer than
    ``times`` times so far (``done``: region key -> count, updated) where they are flat
    (planar to 1e-9 relative): convex combinations of points of one affine sheet."""
    out = []
    uniq, inv = _unique_rows(model.region(pts))
    t = (np.arange(per_edge) + 0.5) / per_edge
    for r in range(uniq.shape[0]):
        key = uniq[r].tobytes()
        if done.get(key, 0) >= times:
            continue
        sel = pts[inv == r]
        if sel.shape[0] < 4:
            continue
        c = sel.mean(0)
        _, sv, Vt = np.linalg.svd(sel - c, full_matrices=False)
        if sv[1] <= 1e-9 * (1 + sv[0]) or sv[-1] > 1e-9 * (1 + sv[0]) * np.sqrt(sel.shape[0]):
            continue
        hull = _hull_2d((sel - c) @ Vt[:2].T)
        if hull is None:
            continue
        done[key] = done.get(key, 0) + 1
        a, b = sel[hull], sel[np.roll(hull, -1)]
        out.append((a[:, None] + t[None, :, None] * (b - a)[:, None]).reshape(-1, pts.shape[1]))
    return np.concatenate(out) if out else np.zeros((0, pts.shape[1]))


def manifold_mesh(model, saddle: Cycle, which: str = "stable", *, n_rings: int = 60,
                  n_angles: int = 48, decades: float = 3.0, max_pushes: int = 400,
                  bound: float = 10.0, center=None, max_samples: int = 400_000,
                  reseed: int = 8) -> ManifoldMesh:
    """W^s or W^u of a saddle fixed point grown from a log-polar seed mesh (module doc).

    2-D: seeds are the exact local piece (``_local_piece``: about n_rings x n_angles grid
    points on the eigenplane in the saddle's subregion). 1-D: seeds p ± r b1, r = r0 g^(-t),
    t in [0, 1) on 10 n_rings values (one fundamental domain of G: g its growth per
    application, so the pushed seeds tile the curve), r0 in the saddle's subregion, shrunk
    10^decades. 2-D: after each push, ``reseed`` points per hull edge of each flat piece
    reached are added as new seeds (re-seeding on the fitted piece). Every vertex is pushed until it leaves the
    box |z - center|_inf <= bound (center: the saddle) or stops moving away from the saddle
    (|G(z) - z| <= 1e-9 (1 + |z|): it reached an attractor), at most max_pushes times, and each iterate is
    kept as a sample. Stable manifolds need F^-1 (region iteration).
    """
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN or ShallowPLRNN, got {type(model).__name__}")
    if not isinstance(saddle, Cycle) or saddle.period != 1:
        raise ValueError("saddle must be a saddle fixed point (a Cycle of period 1)")
    if saddle.kind != "saddle":
        raise ValueError(f"this {saddle.description} is not a saddle")
    which = choice("which", which, ("stable", "unstable"))
    n_rings = integer_in_range("n_rings", n_rings, 2, 2000)
    n_angles = integer_in_range("n_angles", n_angles, 3, 2000)
    decades = positive_scalar("decades", decades, allow_zero=True)
    max_pushes = integer_in_range("max_pushes", max_pushes, 1, 100_000)
    bound = positive_scalar("bound", bound)
    max_samples = integer_in_range("max_samples", max_samples, 10, 10_000_000)
    reseed = integer_in_range("reseed", reseed, 0, 1000)
    d = saddle.n_stable if which == "stable" else saddle.n_unstable
    if d not in (1, 2):
        raise ValueError(f"the {which} manifold is {d}-dimensional; meshes are built for 1-D and 2-D manifolds")
    p = saddle.point
    center = p if center is None else finite_array("center", center, shape=(model.dim,))
    basis, lam = _subspace(_cycle_products(model, saddle)[0], which)
    mods = np.abs(lam) if which == "unstable" else 1.0 / np.abs(lam)
    slow = float(np.min(mods))
    if not slow > 1 + 1e-9:
        raise ValueError("the saddle's multipliers are too close to |λ| = 1 to grow a manifold")
    if d == 2:
        z = _local_piece(model, saddle, basis, which, bound, n_rings * n_angles)
        u0 = np.zeros(z.shape[0])
        side = np.full(z.shape[0], -1)
    else:
        rings = 10 * n_rings
        r0 = _seed_radius(model, p, basis) * 10.0 ** (-decades)
        t = np.arange(rings) / rings
        radii = r0 * slow ** (-t)
        dirs = np.vstack([basis, -basis])
        z = (p + radii[:, None, None] * dirs[None]).reshape(-1, model.dim)
        u0 = np.repeat(t, 2)
        side = np.tile(np.arange(2), rings)
    active = np.ones(z.shape[0], dtype=bool)
    reseeded = {model.region(p).tobytes(): 10 ** 9}     # the saddle's own piece is seeded already
    samples, us, sides = [z.copy()], [u0], [side]
    n_kept = z.shape[0]
    done = 0
    with np.errstate(all="ignore"):
        for k in range(1, max_pushes + 1):
            idx = np.flatnonzero(active)
            if not idx.size or n_kept > max_samples:
                break
            done = k
            z_prev = z[idx]
            if which == "unstable":
                zi = model._step_raw(z[idx])
                ok = np.all(np.isfinite(zi), axis=1)
            else:
                zi, ok = inverse_by_region_iteration(model, z[idx])
            z[idx[ok]] = zi[ok]
            # a seed stops when it leaves the box, or (W^u) comes to rest on an attractor
            moved = (np.max(np.abs(zi - z_prev), axis=1) > 1e-9 * (1 + np.max(np.abs(zi), axis=1))) \
                | (np.max(np.abs(zi - p), axis=1) < 1e-3 * (1 + np.max(np.abs(p))))
            inside = ok & moved & (np.max(np.abs(zi - center), axis=1) <= bound)
            active[idx[~inside]] = False
            keep = idx[inside]
            samples.append(z[keep].copy())
            us.append(u0[keep] + k)
            sides.append(side[keep])
            n_kept += keep.size
            if d == 2 and reseed and keep.size:
                # re-seed (Algorithm 1): on each flat piece just reached, points along the
                # edges of the hull of its samples are manifold points too; push them on
                extra = _reseed(model, z[keep], reseed, reseeded)
                if extra.shape[0]:
                    z = np.vstack([z, extra])
                    active = np.concatenate([active, np.ones(extra.shape[0], dtype=bool)])
                    u0 = np.concatenate([u0, np.full(extra.shape[0], float(k))])
                    side = np.concatenate([side, np.full(extra.shape[0], -1)])
                    samples.append(extra)
                    us.append(np.full(extra.shape[0], float(k)))
                    sides.append(np.full(extra.shape[0], -1))
                    n_kept += extra.shape[0]
    S = np.concatenate(samples)
    pieces = mesh_pieces(model, S, 2) if d == 2 else ()
    return ManifoldMesh(saddle=saddle, which=which, dim=d, samples=_ro(S), u=_ro(np.concatenate(us)),
                        side=_ro(np.concatenate(sides)), pieces=pieces, n_pushes=done)


def _hull_2d(pts):
    """Indices of the convex hull of 2-D points, counter-clockwise (scipy's Qhull); None when
    the points are degenerate (collinear)."""
    from scipy.spatial import ConvexHull, QhullError
    try:
        return ConvexHull(pts).vertices
    except (QhullError, ValueError):
        return None


def mesh_pieces(model, points, d: int = 2, *, min_samples: int = 8) -> tuple:
    """Piece3D per subregion of the samples (n, M) of a 2-D manifold: centroid, PCA plane of
    the two leading directions, RMS distance of the samples from it (0 on one flat sheet;
    larger where the manifold folds back through the region) and the convex-hull outline."""
    _check_model(model)
    points = finite_array("points", points, ndim=2, limit=1e150)
    if points.size and points.shape[1] != model.dim:
        raise ValueError(f"points must have {model.dim} columns, got shape {points.shape}")
    d = integer_in_range("d", d, 2, 2)
    min_samples = integer_in_range("min_samples", min_samples, 1)
    if d != 2:
        raise ValueError("pieces are fitted to 2-D manifolds")
    if not points.size:
        return ()
    uniq, inv = _unique_rows(model.region(points))
    out = []
    for r in range(uniq.shape[0]):
        sel = points[inv == r]
        if sel.shape[0] < max(min_samples, d + 1):
            continue
        c = sel.mean(0)
        _, sv, Vt = np.linalg.svd(sel - c, full_matrices=False)
        if sv[1] <= 1e-12 * (1 + sv[0]):
            continue                  # the samples here lie on a line: no 2-D piece to draw
        resid = float(np.sqrt(np.sum(sv[d:] ** 2) / sel.shape[0])) if sv.size > d else 0.0
        xy = (sel - c) @ Vt[:d].T
        hull = _hull_2d(xy)
        if hull is None:
            continue
        poly = c + xy[hull] @ Vt[:d]
        out.append(Piece3D(region=_ro(uniq[r]), point=_ro(c), basis=_ro(Vt[:d]), polygon=_ro(poly),
                           n_samples=int(sel.shape[0]), residual=resid))
    return tuple(out)


def piece_cuts(pieces, axis: int, value: float) -> np.ndarray:
    """Where the planar pieces (Piece3D) cross the plane z[axis] = value: one segment
    (2, M) per piece whose outline has vertices on both sides (edge crossings, linear
    interpolation); returns (k, 2, M)."""
    if not isinstance(pieces, (list, tuple)) or not all(isinstance(p, Piece3D) for p in pieces):
        raise ValueError(f"pieces must be a list of Piece3D (a ManifoldMesh's pieces), "
                         f"got {type(pieces).__name__}")
    dim = pieces[0].polygon.shape[1] if pieces else 3
    axis = integer_in_range("axis", axis, 0, dim - 1)
    value = finite_scalar("value", value, limit=1e150)
    out = []
    for pc in pieces:
        P = pc.polygon
        s = P[:, axis] - value
        nxt = np.roll(np.arange(len(P)), -1)
        k = np.flatnonzero((s > 0) != (s[nxt] > 0))
        if k.size < 2:
            continue
        t = s[k] / (s[k] - s[nxt[k]])
        x = P[k] + t[:, None] * (P[nxt[k]] - P[k])
        out.append(x[:2])
    return np.array(out) if out else np.zeros((0, 2, 3))


def clip_polygon(polygon, extent) -> np.ndarray:
    """The part of a planar convex polygon (k, M) inside the box ``extent`` (M, 2)
    (Sutherland-Hodgman: clipped by each face lo <= z_i <= hi in turn); may be empty (0, M)."""
    P = finite_array("polygon", polygon, ndim=2, limit=1e150)
    ext = finite_array("extent", extent, limit=1e150)
    if ext.shape != (P.shape[1], 2):
        raise ValueError(f"extent must have one (low, high) row per coordinate of polygon, "
                         f"shape ({P.shape[1]}, 2), got {ext.shape}")
    for i in range(P.shape[1] if P.size else 0):
        for sgn, lim in ((1.0, ext[i, 0]), (-1.0, ext[i, 1])):
            if not len(P):
                return P
            s = sgn * (P[:, i] - lim)              # >= 0 inside
            nxt = np.roll(np.arange(len(P)), -1)
            out = []
            for a, b in zip(range(len(P)), nxt):
                if s[a] >= 0:
                    out.append(P[a])
                if (s[a] >= 0) != (s[b] >= 0):
                    t = s[a] / (s[a] - s[b])
                    out.append(P[a] + t * (P[b] - P[a]))
            P = np.array(out) if out else np.zeros((0, P.shape[1]))
    return P


def mesh_arrays(mesh: ManifoldMesh, prefix: str) -> dict:
    """The arrays that rebuild ``mesh`` (``mesh_from_arrays``), keyed ``prefix_samples`` etc.
    (to ship a precomputed manifold in an .npz file)."""
    if not isinstance(mesh, ManifoldMesh):
        raise ValueError(f"mesh must be a ManifoldMesh (from manifold_mesh), got {type(mesh).__name__}")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    return {f"{prefix}_samples": mesh.samples, f"{prefix}_u": mesh.u, f"{prefix}_side": mesh.side,
            f"{prefix}_pushes": np.array(mesh.n_pushes)}


def mesh_from_arrays(model, saddle: Cycle, which: str, data, prefix: str) -> ManifoldMesh:
    """The ManifoldMesh stored by ``mesh_arrays`` (its pieces refitted from the samples)."""
    _check_model(model)
    if not isinstance(saddle, Cycle):
        raise ValueError(f"saddle must be a Cycle (from find_cycles), got {type(saddle).__name__}")
    which = choice("which", which, ("stable", "unstable"))
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    keys = [f"{prefix}_{k}" for k in ("samples", "u", "side", "pushes")]
    if not hasattr(data, "keys") or any(k not in data for k in keys):
        raise ValueError(f"data must map {', '.join(keys)} to arrays (from mesh_arrays with "
                         f"prefix {prefix!r})")
    d = saddle.n_stable if which == "stable" else saddle.n_unstable
    S = finite_array(f"{prefix}_samples", data[f"{prefix}_samples"], ndim=2)
    return ManifoldMesh(saddle=saddle, which=which, dim=d, samples=_ro(S), u=_ro(data[f"{prefix}_u"]),
                        side=_ro(data[f"{prefix}_side"]), pieces=mesh_pieces(model, S, 2) if d == 2 else (),
                        n_pushes=int(data[f"{prefix}_pushes"]))
