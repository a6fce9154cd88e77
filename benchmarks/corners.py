"""Corner search: the slowest full-quality update of every widget at the edges of its
parameter space (issue 13's budget: no update ever takes more than 1 s).

The corners of a parameter: a number at its min and its max (an Int's max on its step
grid; a bound that names another parameter is read in the state), every option of a
choice, both values of a check box. Two families of updates are timed, each a real
update of one widget (``set_params``, full quality, outside a drag):

* one-at-a-time: from the defaults and from every preset (applied first, untimed), set
  one parameter to one of its corners: a single change, as a learner makes it;
* random corners: every parameter at a random corner at once, set from the previous
  random corner (a change of everything; nothing useful in the step caches).

The number of updates is bounded: ``--max-changes`` one-at-a-time changes per widget
(a seeded sample when there are more) and ``--random`` random corners.

Usage::

    python benchmarks/corners.py                                  # every widget
    python benchmarks/corners.py --widget GradientFlowExplorer --random 30
    python benchmarks/corners.py --max-changes 60 --random 10 --json /tmp/corners.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

BUDGET_S = 1.0


def corner_values(param, state):
    """The corners of one parameter in ``state`` (bounds may name other parameters)."""
    if param.kind in ("float", "int"):
        lo, hi = param.bounds(state)
        if param.kind == "int":
            hi = lo + param.step * ((hi - lo) // param.step)
        return [lo, hi] if hi != lo else [lo]
    if param.kind == "choice":
        return list(param.options)
    if param.kind == "bool":
        return [False, True]
    raise TypeError(f"unknown parameter kind {param.kind!r}")


def settle(cls, state, given):
    """The whole state after setting ``given`` in ``state`` as the widget's validation does
    (``Explorer._validated``): parameters not given are clipped into bounds that moved;
    every value is then validated (a ValueError if one is illegal). Followers
    (``follow``) are the widget's business and not applied here."""
    return cls._clipped(state, given)


def one_at_a_time(cls):
    """(base, {name: corner}) for every preset (base = its name) and the defaults (None),
    every parameter and every corner that differs from the base's value."""
    bases = [None, *cls.PRESETS]
    changes = []
    for base in bases:
        state = {**cls.DEFAULTS, **cls.PRESETS.get(base, {})}
        for name in cls._param_order:
            for v in corner_values(cls.PARAMS[name], state):
                if type(v) is type(state[name]) and v == state[name]:
                    continue
                changes.append((base, {name: v}))
    return changes


def random_corners(cls, n, rng):
    """n whole states, each parameter at a random corner (in ``_param_order``, so a bound
    named after another parameter is read after that one is chosen)."""
    states = []
    for _ in range(n):
        state = dict(cls.DEFAULTS)
        for name in cls._param_order:
            state[name] = rng.choice(corner_values(cls.PARAMS[name], state))
        states.append(state)
    return states


def plan(cls, max_changes, n_random, seed):
    """The updates to time: (kind, base, changes), one-at-a-time first."""
    rng = random.Random(seed)
    singles = one_at_a_time(cls)
    if len(singles) > max_changes:
        singles = rng.sample(singles, max_changes)
    out = [("one-at-a-time", base, ch) for base, ch in singles]
    out += [("random corner", None, st) for st in random_corners(cls, n_random, rng)]
    return out


def _show(base, changes, full_state=False):
    items = ", ".join(f"{k}={v!r}" for k, v in changes.items())
    return items if full_state else f"{base or 'defaults'} + {items}"


def search(cls, max_changes, n_random, seed):
    widget = cls(canvas="agg")
    rows = []
    try:
        for kind, base, changes in plan(cls, max_changes, n_random, seed):
            if kind == "one-at-a-time":
                if base is None:
                    widget.reset()
                else:
                    widget.apply_preset(base)
            t0 = time.perf_counter()
            widget.set_params(**changes)
            seconds = time.perf_counter() - t0
            rows.append({"widget": cls.__name__, "kind": kind, "base": base,
                         "changes": changes, "seconds": seconds, "error": widget.error,
                         "state": _show(base, changes, kind != "one-at-a-time")})
    finally:
        widget.close()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget", action="append", help="only this widget class")
    parser.add_argument("--max-changes", type=int, default=200,
                        help="one-at-a-time corner changes per widget (default 200)")
    parser.add_argument("--random", type=int, default=20,
                        help="random corner states per widget (default 20)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--top", type=int, default=3, help="slowest updates listed per widget")
    parser.add_argument("--json", help="also write every timed update to this JSON file")
    args = parser.parse_args(argv)

    from saddle_widgets.widgets._docs import widget_classes
    classes = [c for c in widget_classes() if not args.widget or c.__name__ in args.widget]
    every = []
    print(f"# corner search, full-quality updates (Agg), {os.cpu_count()} cores, budget "
          f"{BUDGET_S:g} s per update")
    print("\n| widget | updates | median ms | slowest ms | over 1 s | refused | slowest state |")
    print("|---|---|---|---|---|---|---|")
    for cls in classes:
        rows = search(cls, args.max_changes, args.random, args.seed)
        every += rows
        times = [r["seconds"] for r in rows]
        worst = max(rows, key=lambda r: r["seconds"])
        print(f"| {cls.__name__} | {len(rows)} | {1000 * statistics.median(times):.0f} | "
              f"{1000 * worst['seconds']:.0f} | {sum(t > BUDGET_S for t in times)} | "
              f"{sum(r['error'] is not None for r in rows)} | {worst['kind']}: "
              f"{worst['state']} |", flush=True)
    print(f"\n## the {args.top} slowest updates per widget\n")
    for cls in classes:
        rows = sorted((r for r in every if r["widget"] == cls.__name__),
                      key=lambda r: -r["seconds"])[:args.top]
        for r in rows:
            note = f" (refused: {r['error']})" if r["error"] else ""
            print(f"- {cls.__name__} {1000 * r['seconds']:.0f} ms, {r['kind']}: "
                  f"{r['state']}{note}")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(every, fh, indent=1, default=repr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
