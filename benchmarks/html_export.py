"""Size and build time of the static HTML page (``w.to_html``) of every widget.

For each widget: a 41-frame sweep of one parameter and a 15 x 15 sweep of two, over the
whole range of the widget's first two float parameters with fixed bounds (values on the
slider grid), from the default state. Reports the file size, frames, distinct pictures
and seconds to build (Agg, frames as 256-colour PNGs).

Usage::

    python benchmarks/html_export.py                          # every widget, markdown table
    python benchmarks/html_export.py --widget PLRNNExplorer --out /tmp/pages
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


def grid_values(p, num):
    """``num`` values from lo to hi on the parameter's slider grid (fewer if it is coarse)."""
    import numpy as np
    values = []
    for v in np.linspace(p.lo, p.hi, num):
        v = p.lo + round((v - p.lo) / p.step) * p.step
        v = float(f"{min(max(v, p.lo), p.hi):.10g}")
        if v not in values:
            values.append(v)
    return values


def swept(cls):
    """The first two float parameters with numeric bounds."""
    return [n for n, p in cls.PARAMS.items() if p.kind == "float"
            and not isinstance(p.lo, str) and not isinstance(p.hi, str)][:2]


def main(argv=None):
    from saddle_widgets.widgets._docs import widget_classes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget", action="append", help="only this widget (repeatable)")
    parser.add_argument("--out", help="keep the pages in this folder")
    parser.add_argument("--one", type=int, default=41, help="frames of the 1-D sweep")
    parser.add_argument("--two", type=int, default=15, help="values per axis of the 2-D sweep")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    print("| widget | sweep | frames (distinct) | size MB | build s | s per frame |")
    print("|---|---|---|---|---|---|")
    for cls in widget_classes():
        if args.widget and cls.__name__ not in args.widget:
            continue
        names = swept(cls)
        runs = [{names[0]: grid_values(cls.PARAMS[names[0]], args.one)}]
        if len(names) == 2:
            runs.append({n: grid_values(cls.PARAMS[n], args.two) for n in names})
        for sweep in runs:
            w = cls(canvas="agg")
            label = " × ".join(f"{n} ({len(v)})" for n, v in sweep.items())
            path = out / f"{cls.__name__}-{'-'.join(sweep)}.html"
            r = w.to_html(path, sweep=sweep)
            print(f"| {cls.__name__} | {label} | {r.frames} ({r.images}) | "
                  f"{r.bytes / 1e6:.2f} | {r.seconds:.1f} | {r.seconds / r.frames:.2f} |",
                  flush=True)
            w.close()
    print(f"\npages in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
