"""Parameter specifications: one declaration per parameter of a widget.

A widget's ``PARAMS`` maps a name to one of :class:`Float`, :class:`Int`, :class:`Choice`
or :class:`Bool`. From it the base builds the control, ``DEFAULTS``, validation (a
ValueError naming the parameter and its range), ``state``, the text summary and the rows
of ``docs/api.md``. A bound (``lo`` / ``hi``) may name another parameter, e.g. the
training-step cursor ``Int("training step", 0, 0, "train_steps")``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Callable, ClassVar

import ipywidgets as widgets
import numpy as np
import traitlets

#: width of every control; with the label width fixed, each slider track is >= 120 px
#: (350 - 120 - ~95 px of readout and margins, measured in Chromium)
CONTROL_WIDTH = "350px"
LABEL_WIDTH = "120px"


class ControlValueError(traitlets.TraitError, ValueError):
    """A value assigned to a control that its parameter cannot take: a ValueError naming
    the parameter (and a TraitError, the type traitlets' callers expect)."""


def _checked(trait):
    """``trait`` whose values from code first pass the control's ``_check_value`` (the
    explorer's validation of that parameter), so ``control.value = "1"`` raises a
    ValueError naming the parameter instead of traitlets' or ipywidgets' own coercion."""
    class Checked(trait):
        allow_none = False       # else traitlets passes None by unchecked (Any allows it)

        def validate(self, obj, value):
            check = obj.__dict__.get("_check_value")
            if check is not None:
                value = check(value)
            parent = getattr(super(), "validate", None)     # traitlets' Any has none
            return value if parent is None else parent(obj, value)
    Checked.__name__ = f"Checked{trait.__name__}"
    return Checked


class FloatSlider(widgets.FloatSlider):
    value = _checked(traitlets.CFloat)(0.0, help="Float value").tag(sync=True)


class IntSlider(widgets.IntSlider):
    value = _checked(traitlets.CInt)(0, help="Int value").tag(sync=True)


class Checkbox(widgets.Checkbox):
    value = _checked(traitlets.Bool)(False, help="Bool value").tag(sync=True)


# allow_none=False: traitlets validates no None there (it would bypass the check); the
# options of a parameter are never empty, so ipywidgets never sets None itself
class Dropdown(widgets.Dropdown):
    value = _checked(traitlets.Any)(None, help="Selected value", allow_none=False)


class SelectionSlider(widgets.SelectionSlider):
    value = _checked(traitlets.Any)(None, help="Selected value", allow_none=False)


def _style():
    return {"description_width": LABEL_WIDTH}


@dataclass(frozen=True)
class Param:
    """Base of the parameter kinds: a label (with units), a default and a one-line doc.

    ``when(state) -> bool`` (optional) says whether the parameter matters in ``state``;
    the base disables its control where it does not (e.g. the step size for gradient flow).
    """

    label: str
    default: Any
    doc: str = field(default="", kw_only=True)
    when: Callable[[dict], bool] | None = field(default=None, compare=False, kw_only=True)
    kind: ClassVar[str] = ""

    @property
    def drags(self) -> bool:
        """True if the control is a slider: a page sends a stream of values while it is
        dragged (the base draws those coarse, and the full picture after release)."""
        return False

    def bounds(self, state: dict) -> tuple:
        return ()

    def validate(self, name: str, value, state: dict):
        """``value`` in its canonical type, or a ValueError naming ``name`` and the range."""
        raise NotImplementedError

    def is_echo(self, old, new) -> bool:
        """True if the front end sent back ``old`` (snapped to its grid), not a new value."""
        return type(old) is type(new) and old == new

    def random_value(self, state: dict, rng, *, on_grid: bool = True):
        """A random legal value in ``state`` (``rng``: a ``random.Random``), for tests and
        benchmarks that throw random changes at a widget."""
        raise NotImplementedError

    def control(self) -> widgets.ValueWidget:
        raise NotImplementedError

    def describe(self) -> str:
        """The range column of docs/api.md."""
        raise NotImplementedError


def _bound(b, state):
    return state[b] if isinstance(b, str) else b


@dataclass(frozen=True)
class _Number(Param):
    """A number in [lo, hi] of type ``_cast``; a bound may name another parameter."""

    lo: Any = 0
    hi: Any = 1
    _abc: ClassVar[type] = Real
    _cast: ClassVar[type] = float
    _word: ClassVar[str] = "a number"

    drags = True

    def bounds(self, state):
        return _bound(self.lo, state), _bound(self.hi, state)

    def validate(self, name, value, state):
        if isinstance(value, bool) or not isinstance(value, self._abc):
            raise ValueError(f"{name} must be {self._word}, got {value!r}")
        lo, hi = self.bounds(state)
        try:
            value = self._cast(value)
            inside = math.isfinite(value) and lo <= value <= hi
        except OverflowError:                   # an int beyond the floats (10**400)
            inside = False
        if not inside:
            raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
        return value

    def random_value(self, state, rng, *, on_grid=True):
        lo, hi = self.bounds(state)
        if self._cast is int:       # an int off its step grid is not legal
            return lo + self.step * rng.randint(0, (hi - lo) // self.step)
        value = rng.uniform(lo, hi)
        return self.snap(value, state) if on_grid else value


@dataclass(frozen=True)
class Float(_Number):
    """A real number in [lo, hi] on a slider of the given step. A value off the grid
    (``set_params(x0=0.123)``) is kept exactly: the slider shows the nearest grid point and
    its echo of it changes nothing. (An ``Int`` with a step refuses values off its grid.)"""

    step: float = 0.01
    fmt: str = ".2f"
    kind: ClassVar[str] = "float"

    def snap(self, value: float, state=None) -> float:
        """``value`` on the slider's grid lo + k·step, as the front end shows it, and
        within [lo, hi] as the slider clamps it (lo + k·step can round past hi: 0.2 + 4·0.1
        is 0.6000000000000001)."""
        lo, hi = (self.lo, self.hi) if state is None else self.bounds(state)
        lo = 0.0 if isinstance(lo, str) else lo
        snapped = lo + round((value - lo) / self.step) * self.step
        return snapped if isinstance(hi, str) else min(max(snapped, lo), hi)

    def is_echo(self, old, new):
        if isinstance(new, bool) or not isinstance(new, Real):
            return False
        tol = 1e-6 * self.step
        return abs(new - old) <= 1e-12 * (1 + abs(old)) or abs(new - self.snap(old)) <= tol

    def control(self):
        lo = self.lo if not isinstance(self.lo, str) else 0.0
        hi = self.hi if not isinstance(self.hi, str) else 1.0
        return FloatSlider(value=self.default, min=lo, max=hi, step=self.step,
                                   description=self.label, readout_format=self.fmt,
                                   continuous_update=True, tooltip=self.doc or self.label,
                                   style=_style(), layout=widgets.Layout(width=CONTROL_WIDTH))

    def describe(self):
        return f"{self.lo} … {self.hi}, step {self.step:g}"


@dataclass(frozen=True)
class Int(_Number):
    """An integer in [lo, hi] on a slider."""

    step: int = 1
    kind: ClassVar[str] = "int"
    _abc: ClassVar[type] = Integral
    _cast: ClassVar[type] = int
    _word: ClassVar[str] = "an integer"

    def validate(self, name, value, state):
        value = super().validate(name, value, state)
        lo = self.bounds(state)[0]
        if self.step != 1 and (value - lo) % self.step:
            hi = self.bounds(state)[1]
            raise ValueError(f"{name} must be on the slider's grid {lo}, {lo + self.step}, "
                             f"…, {hi} (steps of {self.step}), got {value}")
        return value

    def is_echo(self, old, new):
        return isinstance(new, Integral) and not isinstance(new, bool) and int(new) == old

    def control(self):
        lo = self.lo if not isinstance(self.lo, str) else 0
        hi = self.hi if not isinstance(self.hi, str) else max(self.default, 1)
        return IntSlider(value=self.default, min=lo, max=hi, step=self.step,
                                 description=self.label, continuous_update=True,
                                 tooltip=self.doc or self.label, style=_style(),
                                 layout=widgets.Layout(width=CONTROL_WIDTH))

    def describe(self):
        return f"{self.lo} … {self.hi}" + (f", step {self.step}" if self.step != 1 else "")


@dataclass(frozen=True)
class Choice(Param):
    """One of ``options``; ``labels`` maps an option to its text in the menu;
    ``slider=True`` shows a selection slider instead of a drop-down menu."""

    options: tuple = ()
    labels: dict | None = field(default=None, compare=False)
    slider: bool = False
    kind: ClassVar[str] = "choice"

    @property
    def drags(self):
        return self.slider

    def validate(self, name, value, state):
        for o in self.options:
            if type(value) is type(o) and value == o:      # (an array is no option)
                return o
        raise ValueError(f"{name} must be one of {list(self.options)}, got {value!r}")

    def control(self):
        labels = self.labels or {}
        options = [(str(labels.get(o, o)), o) for o in self.options]
        cls = SelectionSlider if self.slider else Dropdown
        kw = {"continuous_update": True} if self.slider else {}
        return cls(options=options, value=self.default, description=self.label,
                   tooltip=self.doc or self.label, style=_style(),
                   layout=widgets.Layout(width=CONTROL_WIDTH), **kw)

    def describe(self):
        return ", ".join(f"`{o!r}`" for o in self.options)

    def random_value(self, state, rng, *, on_grid=True):
        return rng.choice(self.options)


@dataclass(frozen=True)
class Bool(Param):
    """A check box."""

    kind: ClassVar[str] = "bool"

    def validate(self, name, value, state):
        if isinstance(value, np.bool_):
            return bool(value)
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return value

    def control(self):
        return Checkbox(value=self.default, description=self.label, indent=False,
                                tooltip=self.doc or self.label,
                                layout=widgets.Layout(width=CONTROL_WIDTH))

    def describe(self):
        return "`True`, `False`"

    def random_value(self, state, rng, *, on_grid=True):
        return rng.random() < 0.5


@dataclass(frozen=True)
class Fig:
    """A named figure: its size in inches and, optionally, the method a left click on
    one of its axes calls with the data coordinates ``(x, y)``. The base calls
    ``build_<name>(fig)`` to make its artists."""

    width: float
    height: float
    click: str | None = None
