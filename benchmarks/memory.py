"""Resident memory of every widget under many random control changes (issue: bounded caches).

For each exported widget: build it, apply N random legal changes (a random control, a random
value in its range, half of them as drags), and report the resident set size (RSS, from
/proc/self/statm) after the 1,000th and after the last change, the largest step cache and
the slowest update (and its state). RSS is read after ``gc.collect()`` and glibc's
``malloc_trim(0)``. Then the RSS once more after the same-state step below and a full draw
of every canvas (the base gives every draw a fresh Agg rasterizer, ``draw_in_full``, so a
drop here against the RSS after the last change is mostly the emptied caches). And the MiB
held by the step caches and current results, after the 1,000th and the last change: each
cache is bounded in entries, but an entry's size depends on the state it was computed for
(a 196-cycle search, a long manifold), so RSS moves with what they hold. So the last column compares like with like: RSS at the 1,000th change's state with the caches
emptied and that state recomputed, at the 1,000th change and again after the last: growth
there is memory kept with use, not the size of what the current state shows.

    python benchmarks/memory.py                       # 10,000 changes per widget
    python benchmarks/memory.py --changes 2000 --widget PLRNNExplorer
    python benchmarks/memory.py --changes 30000 --widget PLRNNExplorer --every 2000

``--every K`` also prints the RSS after every K-th change (after ``gc.collect()`` and
``malloc_trim``), to see whether growth past the 1,000th change levels off.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time

import matplotlib

matplotlib.use("Agg")


def rss_mib() -> float:
    """Resident set size after a garbage collection and ``malloc_trim`` (so the number is
    memory in use, not heap the allocator keeps after large temporary arrays)."""
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:      # not glibc: plain RSS
        pass
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def held_mib(widget) -> float:
    """MiB held by the widget's step caches and current results: every object reachable
    from them (numpy arrays by their own data), each counted once; modules, classes and
    functions are not followed."""
    import types
    import numpy as np
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
            types.MethodType)
    seen, total = set(), 0
    todo = [widget._results, *(c.data for c in widget._caches.values())]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, skip) or obj is widget:
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            total += obj.nbytes if obj.base is None else 0
            if obj.base is not None:
                todo.append(obj.base)
            continue
        total += sys.getsizeof(obj)
        todo.extend(gc.get_referents(obj))
    return total / 2 ** 20


def rss_at(widget, state) -> float:
    """RSS with ``widget`` at ``state`` and its step caches holding that state's results
    alone (emptied, then recomputed): what the widget keeps beyond the state it shows."""
    for cache in widget._caches.values():
        cache.data.clear()
    widget._keys.clear()
    widget.set_params(**state)
    widget._run_update(coarse=False)
    return rss_mib()


def run(cls, n_changes, seed=0, every=0):
    from saddle_widgets.widgets._base import draw_in_full
    rng = random.Random(seed)
    w = cls(canvas="agg")
    names = list(cls.PARAMS)
    at_1000 = held_1000 = None
    slowest, slowest_state = 0.0, None
    start = time.perf_counter()
    for i in range(1, n_changes + 1):
        name = rng.choice(names)
        value = cls.PARAMS[name].random_value(w.state, rng)
        t0 = time.perf_counter()
        if rng.random() < 0.5:
            with w.dragging():
                w.controls[name].value = value
        else:
            w.controls[name].value = value
        dt = time.perf_counter() - t0
        if dt > slowest:
            slowest, slowest_state = dt, dict(w.state)
        if every and i % every == 0:
            print(f"  {cls.__name__} after change {i:,}: RSS {rss_mib():.1f} MiB, "
                  f"held {held_mib(w):.1f} MiB", flush=True)
        if i == min(1000, n_changes):
            gc.collect()
            at_1000, held_1000 = rss_mib(), held_mib(w)
            state_1000 = dict(w.state)
            same_1000 = rss_at(w, state_1000)
    gc.collect()
    seconds = time.perf_counter() - start
    rss_end, held_end = rss_mib(), held_mib(w)
    largest = max(len(c.data) for c in w._caches.values())
    same_end = rss_at(w, state_1000)
    for fig in w.figures:              # a full draw on a fresh rasterizer
        draw_in_full(fig.canvas)
    return {"widget": cls.__name__, "changes": n_changes, "rss_1000": at_1000,
            "rss_end": rss_end, "rss_full_draw": rss_mib(),
            "held_1000": held_1000, "held_end": held_end,
            "same_state_growth": same_end - same_1000,
            "largest_cache": largest,
            "slowest_s": slowest, "slowest_state": slowest_state, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--widget", action="append")
    parser.add_argument("--every", type=int, default=0,
                        help="also print the RSS after every EVERY-th change")
    args = parser.parse_args(argv)
    from saddle_widgets.widgets._docs import widget_classes
    classes = [c for c in widget_classes() if not args.widget or c.__name__ in args.widget]
    print("| widget | changes | RSS after 1,000th MiB | RSS after last MiB | growth MiB | "
          "largest step cache | slowest update s | run s | RSS after a full draw MiB | "
          "held by caches and results MiB (1,000th → last) | growth at the 1,000th state, "
          "caches emptied MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for cls in classes:
        r = run(cls, args.changes, every=args.every)
        results.append(r)
        print(f"| {r['widget']} | {r['changes']} | {r['rss_1000']:.1f} | {r['rss_end']:.1f} | "
              f"{r['rss_end'] - r['rss_1000']:+.1f} | {r['largest_cache']} | "
              f"{r['slowest_s']:.2f} | {r['seconds']:.0f} | {r['rss_full_draw']:.1f} | "
              f"{r['held_1000']:.1f} → {r['held_end']:.1f} | {r['same_state_growth']:+.1f} |",
              flush=True)
    for r in results:
        print(f"slowest update of {r['widget']}: {r['slowest_s']:.2f} s at {r['slowest_state']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
