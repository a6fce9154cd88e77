"""Piecewise-linear (ReLU) RNN maps: the PLRNN and the shallow PLRNN.

Both are continuous piecewise-affine maps.  The ReLU units split state space into
subregions by the sign pattern D of their pre-activations ``q = P z + p``; inside one
subregion the map is affine, ``F(z) = J_D z + c_D``.  Everything in the solvers
(cycles, manifolds, basins) is written against that small interface
(:meth:`_PiecewiseAffineMap.affine`, ``pre_matrix``/``pre_offset``) so both models
share one code path.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._validation import finite_array, finite_scalar, integer_in_range

__all__ = ["PLRNN", "ShallowPLRNN", "ALRNN", "invertibility_penalty", "PRESETS", "preset", "MATRIX_KEYS", "from_entries", "entries",
           "entry_parameter"]

#: |z| beyond which an orbit counts as divergent (a label, never an overflow).
DIVERGENCE_BOUND = 1e6
_MAX_UNITS_ALL_REGIONS = 16
#: an orbit loop checks the bound once per this many steps (states past it are dropped)
CHECK_BLOCK = 64


def _first_out_of_range(states, bound: float):
    """Index of the first row of ``states`` with max_i |z_i| > bound or not finite, or None."""
    with np.errstate(invalid="ignore"):
        ok = np.all(np.abs(states) <= bound, axis=1)
    return None if ok.all() else int(np.argmin(ok))


def _orbit_within(model, z, n_steps: int, bound: float):
    """(states, k): z_0 = z, z_{t+1} = F(z_t) for t < n_steps, stopped at the first state
    out of |z| <= bound (or not finite), k its index (None if every state is in range);
    ``states`` holds z_0..z_{k-1} (or all n_steps + 1). The bound is checked once per
    block of CHECK_BLOCK steps (a check per step costs a third of the loop)."""
    out = np.empty((n_steps + 1, model.dim))
    out[0] = z
    params, step = model._params(), model._step_with
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(1, n_steps + 1, CHECK_BLOCK):
            stop = min(start + CHECK_BLOCK, n_steps + 1)
            for t in range(start, stop):
                z = step(params, z)
                out[t] = z
            bad = _first_out_of_range(out[start:stop], bound)
            if bad is not None:
                return out[: start + bad].copy(), start + bad
    return out, None


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=float)
    arr.setflags(write=False)
    return arr


def patterns_from_index(index, n_units: int) -> np.ndarray:
    """Sign patterns (bools, unit i = bit i) for integer region indices."""
    index = np.asarray(index, dtype=np.int64)
    return ((index[..., None] >> np.arange(n_units, dtype=np.int64)) & 1).astype(bool)


def index_from_patterns(patterns) -> np.ndarray:
    """Integer region index of bool sign patterns (unit i = bit i); needs n_units <= 62."""
    patterns = np.asarray(patterns, dtype=bool)
    return (patterns.astype(np.int64) << np.arange(patterns.shape[-1], dtype=np.int64)).sum(-1)


class _PiecewiseAffineMap:
    """Shared machinery of ReLU maps ``F(z) = J_D z + c_D`` on sign-pattern subregions.

    Subclasses set ``dim`` (M), ``n_units`` (number of ReLUs), ``pre_matrix`` (n_units x M)
    and ``pre_offset`` (n_units,) so that the pre-activations are ``q = pre_matrix z + pre_offset``,
    and implement ``affine(D)`` and ``_params``/``_step_with``.
    """

    dim: int
    n_units: int
    pre_matrix: np.ndarray
    pre_offset: np.ndarray

    def __setattr__(self, name, value):
        if getattr(self, "_initialised", False):
            raise AttributeError(f"{type(self).__name__} is immutable; build a new model instead")
        object.__setattr__(self, name, value)

    # -- interface ------------------------------------------------------------------
    def affine(self, patterns):  # pragma: no cover - abstract
        raise NotImplementedError

    def _params(self) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _step_with(params, z):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- states -----------------------------------------------------------------------
    def _state(self, z, name: str = "z") -> np.ndarray:
        z = finite_array(name, z, ndim=(1, 2))
        if z.shape[-1] != self.dim:
            raise ValueError(f"{name} must have {self.dim} coordinates (last axis), got shape {z.shape}")
        return z

    def preactivation(self, z) -> np.ndarray:
        """Pre-activations q = P z + p whose signs define the subregion."""
        z = self._state(z)
        return z @ self.pre_matrix.T + self.pre_offset

    def region(self, z) -> np.ndarray:
        """Sign pattern D(z) = 1[q > 0] as bools, shape (n_units,) or (N, n_units)."""
        return self.preactivation(z) > 0

    def step(self, z) -> np.ndarray:
        """One step F(z) for a state (M,) or a batch (N, M)."""
        z = self._state(z)
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._step_with(self._params(), z)
        if not np.all(np.isfinite(out)):
            raise ValueError("the state overflowed: this orbit diverges (|z| too large to represent)")
        return out

    @staticmethod
    def _step_T(params, zt):  # pragma: no cover - abstract
        """F on a column batch zt of shape (M, N) (fast layout for big grids)."""
        raise NotImplementedError

    def _step_raw(self, z):
        """F without validation (internal, z already checked)."""
        return self._step_with(self._params(), z)

    def trajectory(self, z0, n_steps: int) -> np.ndarray:
        """Orbit z_0, F(z_0), ..., F^n(z_0) as an (n_steps+1, M) (or (n_steps+1, N, M)) array.

        Raises ValueError if the orbit leaves |z| <= 1e6 (it diverges).
        """
        z = self._state(z0, "z0")
        n_steps = integer_in_range("n_steps", n_steps, 0, 10_000_000)
        out = np.empty((n_steps + 1,) + z.shape)
        out[0] = z
        params = self._params()
        for t in range(n_steps):
            z = self._step_with(params, z)
            if not np.all(np.abs(z) <= DIVERGENCE_BOUND):
                raise ValueError(f"the orbit diverges: |z| exceeded {DIVERGENCE_BOUND:g} after {t + 1} steps")
            out[t + 1] = z
        return out

    def orbit_until_divergence(self, z0, n_steps: int, *, bound: float = DIVERGENCE_BOUND) -> np.ndarray:
        """Orbit z_0, F(z_0), ..., F^k(z_0) of one state, stopped before it leaves |z| <= bound.

        k = n_steps if every state stays within the bound (then it equals ``trajectory``);
        else F^{k+1}(z_0) is the first state with max_i |z_i| > bound (or not finite) and the
        returned (k+1, M) orbit ends at the last state still in range. A diverging orbit is an
        answer here, not an error: ``len(orbit) < n_steps + 1`` says it diverged.
        """
        z = self._state(z0, "z0")
        if z.ndim != 1:
            raise ValueError(f"z0 must be one state of {self.dim} numbers, got shape {z.shape}")
        n_steps = integer_in_range("n_steps", n_steps, 0, 10_000_000)
        bound = finite_scalar("bound", bound)
        if bound <= 0:
            raise ValueError(f"bound must be positive, got {bound!r}")
        return _orbit_within(self, z, n_steps, bound)[0]

    def jacobian(self, z) -> np.ndarray:
        """Jacobian J_D(z) of the subregion containing z, shape (M, M) or (N, M, M)."""
        return self.affine(self.region(z))[0]

    # -- regions --------------------------------------------------------------------
    @property
    def n_regions(self) -> int:
        """Number of sign patterns 2^n_units (not all need be realised)."""
        return 2 ** self.n_units

    def all_patterns(self) -> np.ndarray:
        """All 2^n_units sign patterns, row r = pattern with index r (bit i = unit i)."""
        if self.n_units > _MAX_UNITS_ALL_REGIONS:
            raise ValueError(f"too many subregions to list: 2^{self.n_units}; this check needs at most "
                             f"{_MAX_UNITS_ALL_REGIONS} ReLU units")
        return patterns_from_index(np.arange(self.n_regions), self.n_units)

    def _region_table(self):
        """Cached (J, c, det) for all patterns (small n_units only)."""
        cache = self._cache
        if "table" not in cache:
            J, c = self.affine(self.all_patterns())
            cache["table"] = (J, c, np.linalg.det(J))
        return cache["table"]

    def determinants(self) -> np.ndarray:
        """det(J_D) for every sign pattern (index r = bits of the pattern)."""
        return self._region_table()[2].copy()

    def is_invertible(self) -> bool:
        """True when det(J_D) is nonzero with one sign over all sign patterns.

        For a continuous piecewise-affine map this coherent orientation makes F a
        homeomorphism, so F^-1 exists and stable manifolds can be traced backward.
        (All 2^n patterns are checked, also ones a shallow net may not realise: conservative.)
        """
        det = self._region_table()[2]
        scale = np.max(np.abs(self._region_table()[0]), axis=(-1, -2)) ** self.dim + 1e-300
        ok = np.abs(det) > 1e-12 * scale
        return bool(np.all(ok) and (np.all(det > 0) or np.all(det < 0)))

    # -- inverse --------------------------------------------------------------------
    def _inverse_batch(self, z, visited=None, max_hamming=None):
        """Preimages of a batch z (N, M) by region search; returns (z_prev, found mask)."""
        N, P = z.shape[0], self.n_units
        out = np.zeros_like(z)
        found = np.zeros(N, dtype=bool)
        if max_hamming is None:
            max_hamming = P if P <= 12 else 3

        def attempt(idx, patterns):
            J, c = self.affine(patterns)
            zi = z[idx]
            with np.errstate(all="ignore"):
                det = np.linalg.det(J)
                good = np.isfinite(det) & (np.abs(det) > 1e-14)
                cand = np.zeros_like(zi)
                if np.any(good):
                    cand[good] = np.linalg.solve(J[good], (zi - c)[good][..., None])[..., 0]
                img = self._step_raw(cand)
            err = np.max(np.abs(img - zi), axis=-1)
            tol = 1e-9 * (1.0 + np.max(np.abs(zi), axis=-1) + np.max(np.abs(cand), axis=-1))
            ok = good & np.isfinite(err) & (err <= tol)
            hit = idx[ok]
            out[hit] = cand[ok]
            found[hit] = True
            return cand

        if P <= 4 and max_hamming >= P:
            return self._inverse_table(z)
        idx = np.arange(N)
        base = self.preactivation(z) > 0
        cand = attempt(idx, base)
        idx = np.flatnonzero(~found)
        if idx.size:
            with np.errstate(all="ignore"):
                pats = (cand[idx] @ self.pre_matrix.T + self.pre_offset) > 0
            attempt(idx, pats)
        for pat in (visited or ()):
            idx = np.flatnonzero(~found)
            if not idx.size:
                break
            attempt(idx, np.broadcast_to(np.asarray(pat, dtype=bool), (idx.size, P)))
        for d in range(1, max_hamming + 1):
            for flip in itertools.combinations(range(P), d):
                idx = np.flatnonzero(~found)
                if not idx.size:
                    break
                pats = base[idx].copy()
                pats[:, list(flip)] ^= True
                attempt(idx, pats)
        return out, found

    def _inverse_table(self, z):
        """All 2^P candidates at once (small P), taken in the search order: D(z) first,
        then by growing Hamming distance from D(z)."""
        J, c, det = self._region_table()
        cache = self._cache
        if "inv" not in cache:
            good = np.abs(det) > 1e-14
            Jinv = np.zeros_like(J)
            Jinv[good] = np.linalg.inv(J[good])
            cache["inv"] = (Jinv, good)
        Jinv, good = cache["inv"]
        R = J.shape[0]
        with np.errstate(all="ignore"):
            cand = np.empty((z.shape[0], R, self.dim))                       # (N, R, M)
            for r in range(R):              # R plain matmuls: a stacked one is much slower
                np.matmul(z - c[r], Jinv[r].T, out=cand[:, r])
            img = self._step_raw(cand.reshape(-1, self.dim)).reshape(cand.shape)
            err = np.max(np.abs(img - z[:, None, :]), axis=-1)
            tol = 1e-9 * (1.0 + np.max(np.abs(z), axis=-1)[:, None] + np.max(np.abs(cand), axis=-1))
            ok = good[None] & np.isfinite(err) & (err <= tol)
        base = index_from_patterns(self.preactivation(z) > 0)
        ham = np.array([bin(r).count("1") for r in range(2 ** self.n_units)])
        dist = ham[np.bitwise_xor(base[:, None], np.arange(R)[None])]
        dist = np.where(ok, dist, 10 ** 6)
        pick = np.argmin(dist, axis=1)
        found = ok[np.arange(z.shape[0]), pick]
        out = np.where(found[:, None], cand[np.arange(z.shape[0]), pick], 0.0)
        return out, found

    def inverse_step(self, z, *, visited=None, max_hamming=None) -> np.ndarray:
        """A preimage z_prev with F(z_prev) = z, z_prev = J_D^{-1} (z - c_D) for the right D.

        Region search as in SCYFI's manifold code: try D(z), then D of the candidate,
        then the ``visited`` patterns, then bit flips of D(z) with growing Hamming
        distance (up to ``max_hamming``). The first candidate with F(z_prev) = z wins.
        Raises ValueError when no subregion gives a preimage (F is not onto there).
        If F is not invertible a point may have several preimages; one is returned.
        """
        zz = self._state(z)
        single = zz.ndim == 1
        zb = zz[None] if single else zz
        if max_hamming is not None:
            max_hamming = integer_in_range("max_hamming", max_hamming, 0, self.n_units)
        if visited is not None:
            visited = [np.asarray(v, dtype=bool).reshape(self.n_units) for v in visited]
        prev, found = self._inverse_batch(zb, visited, max_hamming)
        if not np.all(found):
            bad = zb[np.flatnonzero(~found)[0]]
            hint = "" if self.is_invertible_safe() else " (F is not invertible: det(J_D) changes sign between subregions)"
            raise ValueError(f"no preimage found for z = {np.array2string(bad, precision=4)}: no subregion D "
                             f"has F(J_D^-1 (z - c_D)) = z{hint}")
        return prev[0] if single else prev

    def is_invertible_safe(self) -> bool:
        """is_invertible(), or True when there are too many regions to check."""
        if self.n_units > _MAX_UNITS_ALL_REGIONS:
            return True
        return self.is_invertible()

    def __repr__(self):
        return f"{type(self).__name__}(M={self.dim}, units={self.n_units})"


def _check_awh(A, W, h):
    """A, W (M x M, M >= 1) and h (M,) as finite float arrays, or a ValueError naming them."""
    A = finite_array("A", A, ndim=2)
    M = A.shape[0]
    if M < 1 or A.shape != (M, M):
        raise ValueError(f"A must be a square M x M matrix with M >= 1, got shape {A.shape}")
    return A, finite_array("W", W, shape=(M, M)), finite_array("h", h, shape=(M,))


class PLRNN(_PiecewiseAffineMap):
    """Piecewise-linear RNN  F(z) = A z + W relu(z) + h  with full matrices A, W (M x M).

    In the subregion with sign pattern D = diag(1[z > 0]): F(z) = (A + W D) z + h.
    The paper's form (A diagonal, W off-diagonal) is a special case. Immutable.
    """

    def __init__(self, A, W, h):
        A, W, h = _check_awh(A, W, h)
        M = A.shape[0]
        self.A, self.W, self.h = _frozen(A), _frozen(W), _frozen(h)
        self.dim = M
        self.n_units = M
        self.pre_matrix = _frozen(np.eye(M))
        self.pre_offset = _frozen(np.zeros(M))
        self.border_collision = None
        self._cache = {}
        self._initialised = True

    @classmethod
    def from_border_collision(cls, tau_r, delta_r, tau_l, delta_l, c, d, h1, h2) -> "PLRNN":
        """Gardini-type 2-D border-collision map as a PLRNN.

        A_l = [[tau_l, c], [-delta_l, d]] for x <= 0, A_r = [[tau_r, c], [-delta_r, d]] for x > 0,
        i.e. A = A_l, W = [[tau_r - tau_l, 0], [delta_l - delta_r, 0]], h = (h1, h2).
        """
        names = ("tau_r", "delta_r", "tau_l", "delta_l", "c", "d", "h1", "h2")
        vals = [finite_scalar(n, v) for n, v in zip(names, (tau_r, delta_r, tau_l, delta_l, c, d, h1, h2))]
        tr, dr, tl, dl, cc, dd, a1, a2 = vals
        model = cls([[tl, cc], [-dl, dd]], [[tr - tl, 0.0], [dl - dr, 0.0]], [a1, a2])
        object.__setattr__(model, "border_collision", dict(zip(names, vals)))
        return model

    def affine(self, patterns):
        """(J_D, c_D) = (A + W D, h) for bool pattern(s) D of shape (..., M)."""
        D = np.asarray(patterns, dtype=float)
        J = self.A + self.W * D[..., None, :]
        c = np.broadcast_to(self.h, D.shape[:-1] + (self.dim,))
        return J, c

    def _params(self):
        return (self.A, self.W, self.h)

    @staticmethod
    def _step_with(params, z):
        A, W, h = params
        r = np.maximum(z, 0.0)
        if A.ndim == 2:
            return z @ A.T + r @ W.T + h
        return (A @ z[..., None])[..., 0] + (W @ r[..., None])[..., 0] + h

    @staticmethod
    def _step_T(params, zt):
        A, W, h = params
        out = A @ zt
        out += W @ np.maximum(zt, 0.0)
        out += h[:, None]
        return out

    def with_params(self, **changes) -> "PLRNN":
        """A copy with some parameters replaced: A=, W=, h= (arrays)."""
        unknown = set(changes) - {"A", "W", "h"}
        if unknown:
            raise ValueError(f"unknown PLRNN parameter(s) {sorted(unknown)}; use A, W or h")
        return PLRNN(changes.get("A", self.A), changes.get("W", self.W), changes.get("h", self.h))


class ShallowPLRNN(_PiecewiseAffineMap):
    """Shallow PLRNN  z' = A∘z + W1 relu(W2 z + h2) + h1  (A_diag (M,), W1 (M,L), W2 (L,M)).

    Subregions are the sign patterns D of W2 z + h2; there
    F(z) = (diag(A) + W1 D W2) z + h1 + W1 D h2. Immutable.
    """

    def __init__(self, A_diag, W1, W2, h1, h2):
        A = finite_array("A_diag", A_diag, ndim=1)
        M = A.shape[0]
        if M < 1:
            raise ValueError("A_diag must have at least one entry (M >= 1)")
        W1 = finite_array("W1", W1, ndim=2)
        if W1.shape[0] != M or W1.shape[1] < 1:
            raise ValueError(f"W1 must have shape ({M}, L) with L >= 1, got {W1.shape}")
        L = W1.shape[1]
        W2 = finite_array("W2", W2, shape=(L, M))
        h1 = finite_array("h1", h1, shape=(M,))
        h2 = finite_array("h2", h2, shape=(L,))
        self.A_diag, self.W1, self.W2 = _frozen(A), _frozen(W1), _frozen(W2)
        self.h1, self.h2 = _frozen(h1), _frozen(h2)
        self.dim, self.n_units = M, L
        self.pre_matrix, self.pre_offset = self.W2, self.h2
        self._cache = {}
        self._initialised = True

    def affine(self, patterns):
        """(J_D, c_D) = (diag(A) + W1 D W2, h1 + W1 D h2) for bool pattern(s) D (..., L)."""
        D = np.asarray(patterns, dtype=float)
        W1D = self.W1 * D[..., None, :]
        J = np.diag(self.A_diag) + W1D @ self.W2
        c = self.h1 + W1D @ self.h2
        return J, c

    def _params(self):
        return (self.A_diag, self.W1, self.W2, self.h1, self.h2)

    @staticmethod
    def _step_with(params, z):
        A, W1, W2, h1, h2 = params
        if W1.ndim == 2:
            return A * z + np.maximum(z @ W2.T + h2, 0.0) @ W1.T + h1
        hid = np.maximum((W2 @ z[..., None])[..., 0] + h2, 0.0)
        return A * z + (W1 @ hid[..., None])[..., 0] + h1

    @staticmethod
    def _step_T(params, zt):
        A, W1, W2, h1, h2 = params
        hid = W2 @ zt
        hid += h2[:, None]
        out = W1 @ np.maximum(hid, 0.0)
        out += A[:, None] * zt
        out += h1[:, None]
        return out

    def with_params(self, **changes) -> "ShallowPLRNN":
        """A copy with some of A_diag, W1, W2, h1, h2 replaced."""
        names = ("A_diag", "W1", "W2", "h1", "h2")
        unknown = set(changes) - set(names)
        if unknown:
            raise ValueError(f"unknown ShallowPLRNN parameter(s) {sorted(unknown)}; use {', '.join(names)}")
        return ShallowPLRNN(*(changes.get(n, getattr(self, n)) for n in names))


class ALRNN(_PiecewiseAffineMap):
    """Almost-linear RNN  F(z) = A z + W φ(z) + h  with only the last P units ReLU:
    φ(z) = (z_1, ..., z_{M-P}, relu(z_{M-P+1}), ..., relu(z_M)) (A, W full M x M).

    Subregions are the 2^P sign patterns D of the last P units; there
    F(z) = (A + W diag(1, ..., 1, D)) z + h. P = M is the PLRNN, P = 0 the linear map
    z -> (A + W) z + h. Immutable.
    """

    def __init__(self, A, W, h, n_relu):
        A, W, h = _check_awh(A, W, h)
        M = A.shape[0]
        P = integer_in_range("n_relu", n_relu, 0, M)
        self.A, self.W, self.h = _frozen(A), _frozen(W), _frozen(h)
        self.dim, self.n_units, self.n_relu = M, P, P
        #: 1 for the linear units, 0 for the ReLU units
        self.linear_mask = _frozen(np.r_[np.ones(M - P), np.zeros(P)])
        self.pre_matrix = _frozen(np.eye(M)[M - P:])
        self.pre_offset = _frozen(np.zeros(P))
        self._cache = {}
        self._initialised = True

    def affine(self, patterns):
        """(J_D, c_D) = (A + W diag(1, ..., 1, D), h) for bool pattern(s) D of shape (..., P)."""
        D = np.asarray(patterns, dtype=float)
        ones = np.ones(D.shape[:-1] + (self.dim - self.n_relu,))
        d = np.concatenate([ones, D], axis=-1)
        J = self.A + self.W * d[..., None, :]
        c = np.broadcast_to(self.h, D.shape[:-1] + (self.dim,))
        return J, c

    def _params(self):
        return (self.A, self.W, self.h, self.linear_mask)

    @staticmethod
    def _step_with(params, z):
        A, W, h, lin = params
        phi = np.maximum(z, 0.0) + lin * np.minimum(z, 0.0)
        if A.ndim == 2:
            return z @ A.T + phi @ W.T + h
        return (A @ z[..., None])[..., 0] + (W @ phi[..., None])[..., 0] + h

    @staticmethod
    def _step_T(params, zt):
        A, W, h, lin = params
        phi = np.maximum(zt, 0.0) + lin[:, None] * np.minimum(zt, 0.0)
        return A @ zt + W @ phi + h[:, None]

    def with_params(self, **changes) -> "ALRNN":
        """A copy with some of A=, W=, h=, n_relu= replaced."""
        unknown = set(changes) - {"A", "W", "h", "n_relu"}
        if unknown:
            raise ValueError(f"unknown ALRNN parameter(s) {sorted(unknown)}; use A, W, h or n_relu")
        return ALRNN(changes.get("A", self.A), changes.get("W", self.W), changes.get("h", self.h),
                     changes.get("n_relu", self.n_relu))


#: at most this many subregions enter the invertibility penalty (sampled beyond)
_PENALTY_MAX_REGIONS = 4096


def invertibility_penalty(model, *, lam: float | None = None, patterns=None, n_samples=None,
                          seed=None, gradient: bool = False):
    """The paper's invertibility regulariser  λ · mean_D max(0, -det J_D)  over subregions D.

    Penalises subregions whose Jacobian J_D reverses orientation against the others'
    (positive det), so training keeps F invertible. λ defaults to 0.1 e^M (the paper's
    choice). Subregions: ``patterns`` (bool (n, units)), else all 2^units of them when
    there are at most 4096, else ``n_samples`` random ones (default 1 % of them, at most
    4096; ``seed``). With ``gradient``: also the derivative with respect to the model's
    parameters by Jacobi's formula d det J / dJ = det(J) J^-T, as a dict name -> array
    (PLRNN: A, W, h; ShallowPLRNN: A_diag, W1, W2, h1, h2; ALRNN: A, W, h).
    """
    if not isinstance(model, _PiecewiseAffineMap):
        raise ValueError(f"model must be a PLRNN, ShallowPLRNN or ALRNN, got {type(model).__name__}")
    M, P = model.dim, model.n_units
    lam = 0.1 * np.exp(M) if lam is None else finite_scalar("lam", lam)
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if patterns is not None:
        D = np.asarray(patterns)
        if D.ndim != 2 or D.shape[1] != P or D.shape[0] < 1 or D.dtype != bool:
            raise ValueError(f"patterns must be a bool array of shape (n, {P}) with n >= 1")
    elif P <= 12 and 2 ** P <= _PENALTY_MAX_REGIONS and n_samples is None:
        D = patterns_from_index(np.arange(2 ** P), P)
    else:
        default = min(_PENALTY_MAX_REGIONS, max(1, int(np.ceil(0.01 * 2.0 ** min(P, 62)))))
        n = default if n_samples is None else integer_in_range("n_samples", n_samples, 1,
                                                               _PENALTY_MAX_REGIONS)
        D = np.random.default_rng(seed).random((n, P)) < 0.5
    J, _ = model.affine(D)
    det = np.linalg.det(J)
    if not np.all(np.isfinite(det)):
        raise ValueError("det J_D overflowed: the weights are too large for the penalty")
    value = float(lam * np.mean(np.maximum(0.0, -det)))
    if not gradient:
        return value
    neg = det < 0
    # d/dJ max(0, -det J) = -det(J) J^-T where det < 0 (J invertible there), else 0
    G = np.zeros_like(J)
    if np.any(neg):
        G[neg] = -det[neg, None, None] * np.swapaxes(np.linalg.inv(J[neg]), -1, -2)
    G *= lam / D.shape[0]
    Df = D.astype(float)
    if isinstance(model, ShallowPLRNN):
        W1D = model.W1 * Df[:, None, :]                  # (n, M, L)
        grads = {"A_diag": np.einsum("nii->i", G),
                 "W1": np.einsum("nij,kj,nk->ik", G, model.W2, Df),
                 "W2": np.einsum("nij,nik->kj", G, W1D),
                 "h1": np.zeros(M), "h2": np.zeros(P)}
    else:
        if isinstance(model, ALRNN):
            Df = np.concatenate([np.ones((D.shape[0], M - P)), Df], axis=1)
        grads = {"A": G.sum(0), "W": np.einsum("nij,nj->ij", G, Df), "h": np.zeros(M)}
    return value, grads


# -- presets ------------------------------------------------------------------------

_BORDER_COLLISION = {
    # (tau_r, delta_r, tau_l, delta_l, c, d, h1, h2)
    "bounded basin": (1.26, 0.71, -0.39, -0.91, -0.44, 0.56, -0.28, 0.62),
    "saddle 3-cycle": (-1.85, 0.9, -0.3, 0.9, 1.0, 0.0, -1.0, 0.0),
    "chaos": (1.5, 0.75, -1.77, 0.9, 0.6, 0.15, -0.7, -0.4),
    # the paper's Fig. 3: A-right is "bounded basin", B-left "saddle 3-cycle"
    "Fig. 3 A-left": (1.2, 1.8, -0.3, 0.9, -1.5, 1.0, -0.13, -0.1),
    "Fig. 3 B-right": (-1.85, 0.9, 0.9, 0.9, 1.0, 0.0, -1.0, 0.0),
}

#: Preset descriptions: what a learner should see.
PRESET_NOTES = {
    "bounded basin": "saddle (0.928, -0.088), multipliers 1.569, 0.251; stable focus (-0.391, 0.600); "
                     "other orbits diverge, so the saddle's stable manifold bounds the focus's basin",
    "saddle 3-cycle": "stable focus (-0.455, 0.409); saddle 3-cycle through (-2.116, -1.250), multipliers 1.576, 0.463",
    "chaos": "flip saddle (-0.2885, -0.1651), multipliers -1.428, -0.192; chaotic attractor, Lyapunov "
             "exponents about (0.49, -1.49); homoclinic points, e.g. near (-0.4405, -0.2519)",
    "Fig. 3 A-left": "flip saddle (-0.111, 0.010), multipliers 1.681, -0.981, the only cycle up to period 10; "
                     "every other orbit diverges: the saddle's stable manifold is the set of orbits that stay "
                     "bounded; F is invertible (det -1.65 and -1.5)",
    "Fig. 3 B-right": "'saddle 3-cycle' with tau_l = 0.9: stable focus (-1, 0.9); saddle 4-cycle through "
                      "(-17.384, -13.396), multipliers 1.309, 0.501, whose stable manifold bounds the focus's "
                      "basin; a flip saddle 5-cycle and a saddle 5-cycle inside it",
    "16-cycle": "SCYFI test: unstable focus (1.872, 0.108) and an attracting 16-cycle",
    "multistability": "two stable nodes (3.0, -2.2) and (-1.0, 2.333) (multipliers 0.7, 0.5) and a saddle "
                      "between them at (0.556, 1.222) (multipliers 1.3, 0.1); the saddle's stable manifold "
                      "separates the two basins",
}


def _build_presets() -> dict:
    out = {name: PLRNN.from_border_collision(*p) for name, p in _BORDER_COLLISION.items()}
    out["16-cycle"] = PLRNN(np.diag([0.8377689, 0.96461297]), [[0.0, -0.64375], [0.52505308, 0.0]],
                            [0.37298253, -0.97931491])
    # Mutual inhibition with self-excitation: A = 0.5 I, W = [[0.2, -0.6], [-0.6, 0.2]].
    # (+,+): J = [[0.7,-0.6],[-0.6,0.7]], eigenvalues 1.3 and 0.1 -> saddle;
    # (+,-) and (-,+): J triangular with eigenvalues 0.7, 0.5 -> stable nodes.
    out["multistability"] = PLRNN(0.5 * np.eye(2), [[0.2, -0.6], [-0.6, 0.2]], [0.9, 0.7])
    return out


#: The note's 2-D presets (plus 'multistability'), name -> PLRNN.
PRESETS: dict = _build_presets()


#: the entries of a 2-D PLRNN by name: A = [[a11, a12], [a21, a22]], W = [[w11, w12],
#: [w21, w22]], h = (h1, h2) (the explorer's sliders)
MATRIX_KEYS = ("a11", "a12", "a21", "a22", "w11", "w12", "w21", "w22", "h1", "h2")


def from_entries(values: dict) -> PLRNN:
    """The 2-D PLRNN with A = [[a11, a12], [a21, a22]], W = [[w11, w12], [w21, w22]],
    h = (h1, h2) read from ``values`` (a mapping with every key of MATRIX_KEYS)."""
    if not isinstance(values, dict):
        raise ValueError(f"values must be a dict of the entries {', '.join(MATRIX_KEYS)}, "
                         f"got {type(values).__name__}")
    missing = [k for k in MATRIX_KEYS if k not in values]
    if missing:
        raise ValueError(f"a 2-D PLRNN needs the entries {', '.join(MATRIX_KEYS)}; "
                         f"missing {', '.join(missing)}")
    v = values
    return PLRNN([[v["a11"], v["a12"]], [v["a21"], v["a22"]]],
                 [[v["w11"], v["w12"]], [v["w21"], v["w22"]]], [v["h1"], v["h2"]])


def entries(model: PLRNN) -> dict:
    """The inverse of ``from_entries``: {'a11': A[0, 0], ..., 'h2': h[1]} of a 2-D PLRNN."""
    if not isinstance(model, PLRNN) or model.dim != 2:
        raise ValueError("entries needs a 2-D PLRNN (A, W 2 x 2 and h of length 2)")
    out = {}
    for key in MATRIX_KEYS:
        out[key] = float(model.h[int(key[1]) - 1] if key[0] == "h"
                         else getattr(model, key[0].upper())[int(key[1]) - 1, int(key[2]) - 1])
    return out


def entry_parameter(key: str) -> str:
    """The bifurcation_diagram name of an entry: 'a12' -> 'A[0,1]', 'w21' -> 'W[1,0]',
    'h1' -> 'h1'."""
    if not isinstance(key, str) or key not in MATRIX_KEYS:
        raise ValueError(f"unknown entry {key!r}; entries are {', '.join(MATRIX_KEYS)}")
    if key[0] == "h":
        return key
    return f"{key[0].upper()}[{int(key[1]) - 1},{int(key[2]) - 1}]"


def preset(name: str) -> PLRNN:
    """The preset PLRNN called ``name`` (see PRESETS / PRESET_NOTES)."""
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(map(repr, PRESETS))}")
    return PRESETS[name]
