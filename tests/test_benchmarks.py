"""The benchmarks run in CI after the tests: what they feed the widgets must be legal.

``benchmarks/latency.py`` sweeps every control across its range; a value a control
refuses (an int off its step grid, a float outside its range) would stop CI after the
whole test suite has passed. This checks the sweep against each parameter's own
validation, without drawing anything.
"""
import importlib.util
import pathlib

import pytest

from saddle_widgets.widgets._docs import widget_classes

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


latency = _load("latency")


@pytest.mark.parametrize("cls", widget_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("n", [4, 11, 21])
def test_latency_sweep_values_are_legal(cls, n):
    """Every value of the benchmark's sweep passes the parameter's validation (the same
    check ``control.value = v`` runs) in the widget's default state."""
    state = dict(cls.DEFAULTS)
    for name, param in cls.PARAMS.items():
        control = param.control()
        bounds = param.bounds(state)            # a bound may name another parameter
        if bounds:
            control.max = max(bounds[1], control.min)
            control.min, control.max = bounds
        for v in latency.control_values(control, n):
            param.validate(name, v, state)      # raises ValueError for an illegal value
        control.close()


corners = _load("corners")


@pytest.mark.parametrize("cls", widget_classes(), ids=lambda c: c.__name__)
def test_corner_search_states_are_legal(cls):
    """Every update of the corner search is legal: each one-at-a-time change is a legal
    value of its parameter in its base state (the defaults or a preset), the state it
    leads to passes every parameter's validation (parameters not set clipped into bounds
    that moved, as the widget does), and each random corner is a legal whole state. The
    changes really are corners: each numeric value is its parameter's min or max."""
    plan = corners.plan(cls, max_changes=10 ** 6, n_random=25, seed=3)
    assert any(kind == "random corner" for kind, _, _ in plan)
    for kind, base, changes in plan:
        state = {**cls.DEFAULTS, **cls.PRESETS.get(base, {})}
        if kind == "random corner":
            assert set(changes) == set(cls.PARAMS)
            settled = corners.settle(cls, changes, set(changes))
            assert settled == changes
            state = changes
        else:
            (name, value), = changes.items()
            cls.PARAMS[name].validate(name, value, state)      # raises if illegal
            corners.settle(cls, {**state, **changes}, set(changes))
        for name, value in changes.items():
            p = cls.PARAMS[name]
            if p.kind in ("float", "int"):
                lo, hi = p.bounds(state)
                assert value == lo or hi - p.step < value <= hi


interact_baseline = _load("interact_baseline")


def _same(a, b):
    """Structural equality of step results: arrays bit for bit (NaN equal to NaN),
    dataclasses, mappings and sequences item by item, anything else by ==."""
    import dataclasses

    import numpy as np
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and (np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
                                       if a.dtype.kind in "fc" else np.array_equal(a, b))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if callable(a) and callable(b) and not isinstance(a, type):     # f, df of a Cost
        return getattr(a, "__qualname__", a) == getattr(b, "__qualname__", b)
    if type(a).__eq__ is object.__eq__ and hasattr(a, "__dict__"):  # plain objects: their data
        return type(a) is type(b) and _same(vars(a), vars(b))
    try:
        return bool(a == b)
    except Exception:
        return a is b


@pytest.mark.parametrize("cls", widget_classes(), ids=lambda c: c.__name__)
def test_the_interact_baseline_computes_what_the_widget_shows(cls):
    """The interact-style rebuild is no strawman and no shortcut: for a preset's state
    (a state other than the one it was built in) it makes one PNG per declared figure, and
    every step result it computed from scratch equals the widget's own for that state."""
    preset = next(iter(cls.PRESETS), None)
    widget = cls(canvas="agg")
    base = interact_baseline.InteractBaseline(cls)
    try:
        if preset is not None:
            widget.apply_preset(preset)
        pngs = base.rebuild(widget.state)
        assert len(pngs) == len(cls.FIGURES)
        assert all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
        assert set(base.shadow.results) == set(widget.results)
        differ = [k for k in widget.results
                  if not _same(widget.results[k], base.shadow.results[k])]
        assert not differ, differ
    finally:
        base.close()
        widget.close()


def test_the_import_report_times_a_fresh_interpreter_and_a_fresh_kernel():
    """The import line of latency.py measures both ways (a kernel has IPython loaded before
    its first cell, a fresh interpreter does not); one import each, each a real time."""
    line = latency.import_report(repeats=1)
    assert "in a fresh interpreter" in line and "in a fresh kernel's first cell" in line, line
    cold, kernel = latency.import_seconds(), latency.import_seconds_in_kernel()
    assert 0 < cold < 60 and 0 < kernel < 60
