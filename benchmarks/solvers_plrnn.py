"""Solver budgets of issue 4 (invariant manifolds of ReLU RNNs), median and p95 over repeats.

    python benchmarks/solvers_plrnn.py [--repeats N]

Budgets: 200x200 basin map per preset <= 30 ms; all cycles up to period 8 of a 2-D PLRNN
<= 50 ms. Manifold and homoclinic-point timings are reported without a budget.
Three basin-map rows per preset: the solver's defaults over [-4, 4]^2 (find_cycles and
discovery included), the same with the attractors given, and the map as PLRNNExplorer draws
it at full quality for that preset (its view and attractors, 200 x 200,
``PLRNNExplorer.basin_settings``). Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from saddle_widgets.solvers import plrnn as pl

EXTENT = (-4.0, 4.0, -4.0, 4.0)


def timeit(fn, repeats):
    fn()                                   # warm-up (caches, imports)
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts = np.array(ts) * 1e3
    return float(np.median(ts)), float(np.percentile(ts, 95))


def explorer_basin_rows(repeats: int) -> list:
    """(preset, task, median, p95, budget) of the 200x200 basin map each PLRNNExplorer preset
    draws (its view, attractors and basin settings, resolution 200)."""
    import matplotlib
    matplotlib.use("Agg")
    from saddle_widgets.widgets.plrnn import PLRNNExplorer
    w = PLRNNExplorer(canvas="agg")
    rows = []
    for preset in w.PRESETS:
        w.apply_preset(preset)
        kw = dict(w.basin_settings(), resolution=200)
        model, att = w.results["model"], w.results["attractors"]
        rows.append((f"explorer: {preset}", f"basin map 200x200 as drawn (view {w.state['view']:g}, "
                     f"{kw['n_steps']} steps, tol {kw['tol']:g})",
                     *timeit(lambda: pl.basin_map(model, attractors=att, **kw), repeats), 30))
    w.close()
    return rows


def main(repeats: int) -> None:
    rows = []
    for name, model in pl.PRESETS.items():
        cycles = pl.find_cycles(model, 8, seed=0)
        stable = [c for c in cycles if c.kind == "stable"]
        rows.append((name, "all cycles up to period 8", *timeit(
            lambda: pl.find_cycles(model, 8, seed=0), repeats), 50))
        rows.append((name, "basin map 200x200 (default: find_cycles + discovery)", *timeit(
            lambda: pl.basin_map(model, EXTENT, 200), repeats), 30))
        if name == "16-cycle":
            att = pl.basin_map(model, EXTENT, 200).attractors
            rows.append((name, "basin map 200x200, 16-cycle given, n_steps 400", *timeit(
                lambda: pl.basin_map(model, EXTENT, 200, attractors=att, n_steps=400,
                                     discover=False), repeats), 30))
        else:
            rows.append((name, "basin map 200x200, attractors given", *timeit(
                lambda: pl.basin_map(model, EXTENT, 200, attractors=stable, discover=False),
                repeats), 30))
        saddles = [c for c in cycles if c.kind == "saddle"]
        if saddles:
            low = min(c.period for c in saddles)
            s = [c for c in saddles if c.period == low][0]
            kw = {"max_length": 15.0, "bound": 1e3}
            for which in ("unstable", "stable"):
                if which == "stable" and not model.is_invertible():
                    continue
                rows.append((name, f"{which} manifold of the {s.description} (length 15)",
                             *timeit(lambda: pl.invariant_manifold(model, s, which, **kw),
                                     repeats), None))
            rows.append((name, f"homoclinic points of the {s.description} (length 15)",
                         *timeit(lambda: pl.homoclinic_points(model, s, **kw), repeats), None))
    rows += explorer_basin_rows(repeats)
    print(f"Solver timings (ms, {repeats} repeats after a warm-up, load average "
          f"{os.getloadavg()[0]:.2f})\n")
    print("| preset | task | median | p95 | budget | ok |")
    print("|---|---|---:|---:|---:|:-:|")
    for name, task, med, p95, budget in rows:
        ok = "" if budget is None else ("✓" if med <= budget else "✗")
        b = "" if budget is None else f"{budget}"
        print(f"| {name} | {task} | {med:.1f} | {p95:.1f} | {b} | {ok} |")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    main(ap.parse_args().repeats)
