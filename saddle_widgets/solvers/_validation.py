"""Input checks shared by every solver.

Each helper raises ``ValueError`` with a sentence a learner understands
("depth must be >= 2, got 1") instead of letting numpy fail later with a bare
traceback or silently return NaN.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np


def finite_array(name: str, value, *, ndim: int | tuple[int, ...] | None = None,
                 shape: tuple[int | None, ...] | None = None, limit: float | None = None,
                 nonempty: bool = False) -> np.ndarray:
    """``value`` as a float array, checked to be finite and of the stated ndim/shape;
    with ``limit``, every |entry| <= limit; with ``nonempty``, at least one entry."""
    if isinstance(value, (str, bytes)) or (isinstance(value, np.ndarray)
                                           and value.dtype.kind in "cUSV"):
        raise ValueError(f"{name} must be numeric, got {value!r}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError, np.exceptions.ComplexWarning):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                             f"got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if limit is not None and arr.size and float(np.max(np.abs(arr))) > limit:
        raise ValueError(f"{name} must be at most {limit:g} in size, got "
                         f"{float(np.max(np.abs(arr))):g}")
    return arr


def finite_scalar(name: str, value, *, limit: float | None = None) -> float:
    """``value`` as a finite Python float (with ``limit``: |value| <= limit)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (numbers.Real, np.ndarray, np.generic)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a real number (a float), got {value!r}") from None
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got shape {arr.shape}")
    x = float(arr)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if limit is not None and abs(x) > limit:
        raise ValueError(f"{name} must be at most {limit:g} in size, got {x:g}")
    return x


def positive_scalar(name: str, value, *, allow_zero: bool = False) -> float:
    """A finite float that is > 0 (or >= 0 with ``allow_zero``)."""
    x = finite_scalar(name, value)
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {x:g}")
    return x


def integer_in_range(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """An int with ``low <= value <= high`` (either bound may be None)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) \
                and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    n = int(value)
    if low is not None and n < low:
        raise ValueError(f"{name} must be >= {low}, got {n}")
    if high is not None and n > high:
        raise ValueError(f"{name} must be <= {high}, got {n}")
    return n


def choice(name: str, value, options) -> str:
    """``value`` if it is one of ``options``, else a ValueError listing them."""
    try:
        known = value in options and any(type(o) is type(value) for o in options)
    except (TypeError, ValueError):      # unhashable (a list), an array: not an option
        known = False
    if not known:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(map(repr, options))}")
    return value


def sample_times(t) -> np.ndarray:
    """Sampling times of a flow: a non-empty, finite, non-negative, non-decreasing 1-D array."""
    t = finite_array("t", t, ndim=1)
    if t.size == 0:
        raise ValueError("t must contain at least one time")
    if np.any(t < 0):
        raise ValueError("times t must be >= 0")
    if np.any(np.diff(t) < 0):
        raise ValueError("times t must be increasing")
    return t


def random_seed(name: str, value):
    """A seed for ``np.random.default_rng``: None, a whole number >= 0 or a Generator."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    return integer_in_range(name, value, 0, 2**63 - 1)
