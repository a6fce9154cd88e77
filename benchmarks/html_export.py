"""Size and build time of the static HTML page (``w.to_html``) of every widget.

For each widget: a 41-frame sweep of one parameter and a 15 x 15 sweep of two, each over
the parameter's whole range (values on the slider grid), from the default state with the
settings of ``SWEEPS`` (parameters a teacher would sweep, and that matter in that state).
Reports the file size, frames, distinct pictures and seconds to build (Agg, frames as
256-colour PNGs).

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
    """``num`` values from lo to hi on the parameter's slider grid (fewer if it is coarse);
    an integer parameter: ``num`` consecutive values from lo."""
    import numpy as np
    if p.kind == "int":
        return list(range(p.lo, min(p.lo + num, p.hi + 1)))
    values = []
    for v in np.linspace(p.lo, p.hi, num):
        v = p.lo + round((v - p.lo) / p.step) * p.step
        v = float(f"{min(max(v, p.lo), p.hi):.10g}")
        if v not in values:
            values.append(v)
    return values


#: widget -> (fixed settings, the parameter of the 1-D sweep, the two of the 2-D sweep)
SWEEPS = {
    "GradientFlowExplorer": ({}, "imbalance", ("imbalance", "x0")),
    "PCLandscapeExplorer": ({}, "init_scale", ("start_a", "start_b")),
    "SaddleSpectrumExplorer": ({"point": "other zero-rank saddle"}, "saddle_scale",
                               ("saddle_scale", "seed")),
    "EscapeRaceExplorer": ({}, "init_scale", ("init_scale", "lr")),
    "PLRNNExplorer": ({}, "a11", ("a11", "a22")),
    "MatrixFlowExplorer": ({}, "imbalance", ("imbalance", "scale")),
}


def swept(cls):
    """(settings, 1-D parameter, 2-D parameters): from ``SWEEPS``, else the first two
    float parameters with numeric bounds."""
    if cls.__name__ in SWEEPS:
        return SWEEPS[cls.__name__]
    names = [n for n, p in cls.PARAMS.items() if p.kind == "float"
             and not isinstance(p.lo, str) and not isinstance(p.hi, str)][:2]
    return {}, names[0], tuple(names)


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
        settings, one, two = swept(cls)
        runs = [{one: grid_values(cls.PARAMS[one], args.one)}]
        if len(two) == 2:
            runs.append({n: grid_values(cls.PARAMS[n], args.two) for n in two})
        for sweep in runs:
            w = cls(canvas="agg", **settings)
            label = " × ".join(f"{n} ({len(v)})" for n, v in sweep.items())
            if settings:
                label += ", " + ", ".join(f"{k} = {v}" for k, v in settings.items())
            path = out / f"{cls.__name__}-{'-'.join(sweep)}.html"
            r = w.to_html(path, sweep=sweep)
            print(f"| {cls.__name__} | {label} | {r.frames} ({r.images}) | "
                  f"{r.bytes / 1e6:.2f} | {r.seconds:.1f} | {r.seconds / r.frames:.2f} |",
                  flush=True)
            w.close()
    print(f"\npages in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
