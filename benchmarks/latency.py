"""Slider-to-redraw latency of every control of every widget (kernel side, Agg).

For each widget exported by ``saddle_widgets.widgets`` and each of its controls, set
many values across the control's range and time ``control.value = v`` until the
figures are redrawn (the base redraws synchronously outside a kernel). Two paths:

* drag:    inside ``widget.dragging()``: what a learner dragging a slider gets,
           coarse pictures allowed; the budget is median <= 30 ms, p95 <= 60 ms. Only
           controls that drag (sliders) are judged on it: a menu or a checkbox sends one
           value per click, so its budget is the single change's;
* release: the full-quality redraw after the drag stops (``widget.refine()``);
* single:  one change at a time outside a drag (a click on the track, a key press, a
           menu choice): full quality at once; the budget is median <= 50 ms, p95 <= 100 ms;
* interact: for some of the single-change states, the ``interact``-style rebuild of the
           same figures from scratch (``benchmarks/interact_baseline.py``: every step
           without cache, new pyplot figures drawn by the widget's build and draw
           functions, a PNG per figure), and the ratio rebuild / single change (goal:
           >= 5x for every control, >= 10x at the median); the conservative ratio adds
           to the single change a PNG of every canvas (what ipympl would encode at most).

Usage::

    python benchmarks/latency.py                 # all widgets, markdown table
    python benchmarks/latency.py --widget GradientFlowExplorer --values 25
    python benchmarks/latency.py --json benchmarks/results/latency.json
    python benchmarks/latency.py --baseline-values 0    # without the interact comparison
"""
from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

BUDGET_MEDIAN_MS = 50.0          # full quality: a single change, a preset
BUDGET_P95_MS = 100.0
IMPORT_BUDGET_MS = 500.0         # import saddle_widgets with every widget
DRAG_MEDIAN_MS = 30.0            # while a slider is dragged
DRAG_P95_MS = 60.0


def within_budget(row) -> str:
    """'yes' or what misses: the drag budget (sliders only) and the single-change budget."""
    misses = []
    if row["drags"] and not (row["median_ms"] <= DRAG_MEDIAN_MS and row["p95_ms"] <= DRAG_P95_MS):
        misses.append("drag")
    if not (row["single_median_ms"] <= BUDGET_MEDIAN_MS and row["single_p95_ms"] <= BUDGET_P95_MS):
        misses.append("single")
    return "yes" if not misses else "NO: " + ", ".join(misses)


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


def baseline_indices(n_single, n_baseline):
    """Which of the single-change states the interact-style rebuild also times: n_baseline
    of them, spread over the sweep (all if there are fewer)."""
    if n_baseline <= 0 or n_single == 0:
        return set()
    if n_baseline >= n_single:
        return set(range(n_single))
    return {round(k * (n_single - 1) / max(n_baseline - 1, 1)) for k in range(n_baseline)}


def png_seconds(widget, repeat=3):
    """Encoding a PNG of every canvas of ``widget`` (its current Agg buffers), median."""
    from PIL import Image
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for fig in widget.figures:
            out = io.BytesIO()
            Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(out, format="png")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _baseline(cls):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    try:
        from interact_baseline import InteractBaseline
    finally:
        sys.path.pop(0)
    return InteractBaseline(cls)


def bench_widget(cls, n_values, n_baseline=0):
    rows = []
    widget = cls(canvas="agg")
    baseline = _baseline(cls) if n_baseline > 0 else None
    for name, control in widget.controls.items():
        if getattr(control, "disabled", False):
            widget.reset()
        drag, errors, drags = [], 0, cls.PARAMS[name].drags
        if drags:                 # a menu or a checkbox is never dragged: no drag to time
            with widget.dragging():
                for v in control_values(control, n_values):
                    if control.value == v:
                        continue
                    t0 = time.perf_counter()
                    control.value = v
                    drag.append(time.perf_counter() - t0)
                    errors += widget.error is not None
        release = widget.last_update_seconds if widget._has_coarse and drags else float("nan")
        single, rebuild = [], []
        sweep = control_values(control, n_values)[::-1]
        changes = sum(a != b for a, b in zip([control.value, *sweep], sweep))
        pick = baseline_indices(changes, n_baseline)     # spread over the real changes
        for v in sweep:                        # one change at a time, full quality
            if control.value == v:
                continue
            t0 = time.perf_counter()
            control.value = v
            single.append(time.perf_counter() - t0)
            if baseline is not None and len(single) - 1 in pick and widget.error is None:
                rebuild.append(baseline.seconds(widget.state))   # the same state, from scratch
        png = png_seconds(widget) if rebuild else float("nan")
        single_median = statistics.median(single) if single else float("nan")
        rebuild_median = statistics.median(rebuild) if rebuild else float("nan")
        rows.append({
            "widget": cls.__name__, "control": name, "n": len(drag),
            "drags": drags,
            "median_ms": 1000 * statistics.median(drag) if drag else float("nan"),
            "p95_ms": 1000 * percentile(drag, 95) if drag else float("nan"),
            "max_ms": 1000 * max(drag) if drag else float("nan"),
            "release_ms": 1000 * release, "errors_shown": errors,
            "single_median_ms": 1000 * statistics.median(single) if single else float("nan"),
            "single_p95_ms": 1000 * percentile(single, 95) if single else float("nan"),
            "interact_n": len(rebuild), "interact_median_ms": 1000 * rebuild_median,
            "png_all_canvases_ms": 1000 * png,
            "ratio": rebuild_median / single_median,
            "ratio_with_png": rebuild_median / (single_median + png),
        })
        widget.reset()
    widget.close()
    if baseline is not None:
        baseline.close()
    return rows


def print_ratio_table(rows):
    """Per control: interact-style rebuild / this package's full-quality single change."""
    rows = [r for r in rows if r.get("interact_n")]
    if not rows:
        return
    print("\n| widget | control | interact rebuild median ms (n) | single change median ms | "
          "ratio | + PNG of every canvas ms | conservative ratio | goal >= 5x |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['widget']} | {r['control']} | {r['interact_median_ms']:.0f} "
              f"({r['interact_n']}) | {r['single_median_ms']:.1f} | {r['ratio']:.1f}x | "
              f"{r['png_all_canvases_ms']:.0f} | {r['ratio_with_png']:.1f}x | "
              f"{'yes' if r['ratio'] >= 5 else 'NO'} |")
    ratios = [r["ratio"] for r in rows if r["ratio"] == r["ratio"]]
    cons = [r["ratio_with_png"] for r in rows if r["ratio_with_png"] == r["ratio_with_png"]]
    print(f"\nratio over {len(ratios)} controls: median {statistics.median(ratios):.1f}x "
          f"(goal >= 10x), min {min(ratios):.1f}x (goal >= 5x); conservative: median "
          f"{statistics.median(cons):.1f}x, min {min(cons):.1f}x")


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


IMPORT_CODE = ("import time; t = time.perf_counter(); import saddle_widgets, saddle_widgets.widgets; "
               "print(time.perf_counter() - t)")


def import_seconds():
    """Import time in a fresh interpreter: numpy, scipy, matplotlib, IPython, ipywidgets, ours."""
    out = subprocess.run([sys.executable, "-c", IMPORT_CODE], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def import_seconds_in_kernel():
    """Import time as a learner pays it: the first cell of a fresh IPython kernel.

    A kernel has IPython loaded before its first cell, so this is the cold import minus
    IPython's share. None when jupyter_client is not installed.
    """
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return None
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        text = []
        kc.execute_interactive(IMPORT_CODE, timeout=60, output_hook=lambda msg: text.append(
            msg["content"]["text"]) if msg["msg_type"] == "stream" else None)
        return float("".join(text).strip())
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def import_report(repeats=3):
    """'import saddle_widgets ...' line: median of `repeats` cold and in-kernel imports."""
    cold = statistics.median(import_seconds() for _ in range(repeats))
    line = f"import saddle_widgets with all widgets: {cold * 1000:.0f} ms in a fresh interpreter"
    kernel = [import_seconds_in_kernel() for _ in range(repeats)]
    if None not in kernel:
        line += f", {statistics.median(kernel) * 1000:.0f} ms in a fresh kernel's first cell"
    return line + f" (median of {repeats}; budget {IMPORT_BUDGET_MS:.0f} ms)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget", action="append", help="benchmark only this widget class")
    parser.add_argument("--values", type=int, default=21, help="values per control (default 21)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--baseline-values", type=int, default=3,
                        help="single-change states per control that the interact-style "
                             "rebuild also times (default 3; 0: no comparison)")
    parser.add_argument("--presets", action="store_true",
                        help="also time the full redraw after a release in every preset")
    args = parser.parse_args(argv)

    from saddle_widgets.widgets._docs import widget_classes
    classes = widget_classes()
    if args.widget:
        classes = [c for c in classes if c.__name__ in args.widget]
    rows = []
    for cls in classes:
        rows += bench_widget(cls, args.values, args.baseline_values)

    print(f"# slider-to-redraw latency, kernel side (Agg), {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"matplotlib {matplotlib.__version__}, load average at the end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(import_report() + "\n")
    print(f"budgets: drag (sliders) median <= {DRAG_MEDIAN_MS:.0f} ms, p95 <= {DRAG_P95_MS:.0f} ms;"
          f" single change median <= {BUDGET_MEDIAN_MS:.0f} ms, p95 <= {BUDGET_P95_MS:.0f} ms\n")
    print("| widget | control | n | median ms (drag) | p95 ms (drag) | max ms | full redraw after release ms | single change median / p95 ms | within budget |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        drag = (f"{r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f}" if r["drags"]
                else "— | — | —")
        print(f"| {r['widget']} | {r['control']} | {r['n']} | {drag} | {r['release_ms']:.1f} | "
              f"{r['single_median_ms']:.1f} / {r['single_p95_ms']:.1f} | {within_budget(r)} |")
    over = [f"{r['widget']}.{r['control']} ({within_budget(r)[4:]})" for r in rows
            if within_budget(r) != "yes"]
    print(f"\n{len(rows) - len(over)} of {len(rows)} controls within budget"
          + (f"; over: {', '.join(over)}" if over else ""))
    print_ratio_table(rows)
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
