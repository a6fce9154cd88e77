"""Slider-to-redraw latency of every control of every widget (kernel side, Agg).

For each widget exported by ``saddle_widgets.widgets`` and each of its controls, set
many values across the control's range and time ``control.value = v`` until the
figures are redrawn (the base redraws synchronously outside a kernel). Two paths:

* drag:    inside ``widget.dragging()``: what a learner dragging a slider gets,
           coarse pictures allowed; the budget is median <= 50 ms, p95 <= 100 ms;
* release: the full-quality redraw after the drag stops (``widget.refine()``);
* single:  one change at a time outside a drag (a click on the track, a key press): full
           quality at once.

Usage::

    python benchmarks/latency.py                 # all widgets, markdown table
    python benchmarks/latency.py --widget GradientFlowExplorer --values 25
    python benchmarks/latency.py --json benchmarks/results/latency.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")

BUDGET_MEDIAN_MS = 50.0
BUDGET_P95_MS = 100.0


def control_values(control, n):
    """n values that sweep a control across its whole range and back."""
    if hasattr(control, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [opts[i % len(opts)] for i in range(1, n + 1)]
    if isinstance(control.value, bool):
        return [bool(i % 2 == 0) for i in range(1, n + 1)]
    lo, hi = control.min, control.max
    half = max(2, n // 2)
    up = [lo + (hi - lo) * k / (half - 1) for k in range(half)]
    seq = up + up[::-1][1:]
    if isinstance(control.value, int):      # an int slider refuses values off its step grid
        step = getattr(control, "step", 1) or 1
        seq = [min(hi, lo + step * int(round((v - lo) / step))) for v in seq]
    return seq[:n]


def percentile(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q / 100
    f = int(k)
    return xs[f] if f + 1 >= len(xs) else xs[f] + (xs[f + 1] - xs[f]) * (k - f)


def bench_widget(cls, n_values):
    rows = []
    widget = cls(canvas="agg")
    for name, control in widget.controls.items():
        if getattr(control, "disabled", False):
            widget.reset()
        drag, errors = [], 0
        with widget.dragging():
            for v in control_values(control, n_values):
                if control.value == v:
                    continue
                t0 = time.perf_counter()
                control.value = v
                drag.append(time.perf_counter() - t0)
                errors += widget.error is not None
        release = widget.last_update_seconds if widget._has_coarse else float("nan")
        single = []
        for v in control_values(control, n_values)[::-1]:   # one change at a time, full quality
            if control.value == v:
                continue
            t0 = time.perf_counter()
            control.value = v
            single.append(time.perf_counter() - t0)
        rows.append({
            "widget": cls.__name__, "control": name, "n": len(drag),
            "median_ms": 1000 * statistics.median(drag) if drag else float("nan"),
            "p95_ms": 1000 * percentile(drag, 95) if drag else float("nan"),
            "max_ms": 1000 * max(drag) if drag else float("nan"),
            "release_ms": 1000 * release, "errors_shown": errors,
            "single_median_ms": 1000 * statistics.median(single) if single else float("nan"),
            "single_p95_ms": 1000 * percentile(single, 95) if single else float("nan"),
        })
        widget.reset()
    return rows


def bench_release_per_preset(cls):
    """For each preset: nudge every control by one step as a drag would, then time the
    full-quality redraw that follows the release (``widget.refine()``)."""
    rows = []
    widget = cls(canvas="agg")
    for preset in cls.PRESETS:
        times = []
        for name, control in widget.controls.items():
            widget.apply_preset(preset)
            values = [v for v in control_values(control, 4) if v != control.value]
            if not values or getattr(control, "disabled", False):
                continue
            with widget.dragging():
                control.value = values[0]
            times.append(widget.last_update_seconds)
        if times:
            rows.append({"widget": cls.__name__, "preset": preset, "n": len(times),
                         "median_ms": 1000 * statistics.median(times),
                         "max_ms": 1000 * max(times)})
    return rows


def import_seconds():
    code = ("import time; t = time.perf_counter(); import saddle_widgets, saddle_widgets.widgets; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget", action="append", help="benchmark only this widget class")
    parser.add_argument("--values", type=int, default=21, help="values per control (default 21)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--presets", action="store_true",
                        help="also time the full redraw after a release in every preset")
    args = parser.parse_args(argv)

    from saddle_widgets.widgets._docs import widget_classes
    classes = widget_classes()
    if args.widget:
        classes = [c for c in classes if c.__name__ in args.widget]
    rows = []
    for cls in classes:
        rows += bench_widget(cls, args.values)

    print(f"# slider-to-redraw latency, kernel side (Agg), {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"matplotlib {matplotlib.__version__}")
    print(f"import saddle_widgets with all widgets: {import_seconds() * 1000:.0f} ms\n")
    print("| widget | control | n | median ms (drag) | p95 ms (drag) | max ms | full redraw after release ms | single change median / p95 ms | drag within budget |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ok = r["median_ms"] <= BUDGET_MEDIAN_MS and r["p95_ms"] <= BUDGET_P95_MS
        print(f"| {r['widget']} | {r['control']} | {r['n']} | {r['median_ms']:.1f} | "
              f"{r['p95_ms']:.1f} | {r['max_ms']:.1f} | {r['release_ms']:.1f} | "
              f"{r['single_median_ms']:.1f} / {r['single_p95_ms']:.1f} | "
              f"{'yes' if ok else 'NO'} |")
    if args.presets:
        print("\n| widget | preset | controls | release median ms | release max ms |")
        print("|---|---|---|---|---|")
        for cls in classes:
            if not cls._has_coarse:
                continue
            for r in bench_release_per_preset(cls):
                rows.append(r)
                print(f"| {r['widget']} | {r['preset']} | {r['n']} | {r['median_ms']:.0f} | "
                      f"{r['max_ms']:.0f} |")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
