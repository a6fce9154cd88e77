"""The habit this package replaces: an ``interact``-style rebuild of a widget's figures.

Course notebooks wrap one function in ``ipywidgets.interact``: at every change of a
control it recomputes everything, makes new pyplot figures, draws them and sends PNGs.
``InteractBaseline(cls).rebuild(state)`` does that for any explorer class, built from the
widget's own declarations so that it computes and draws exactly what the widget shows:

* every declared step (``@step``) runs in dependency order with empty caches (nothing is
  memoised between calls, as in a plain function), at full quality;
* every figure of ``FIGURES`` is a new ``pyplot.figure`` of the declared size and dpi, and
  the widget's own ``build_<name>`` makes its axes and artists with the package's plot
  functions (``saddle_widgets.plots``) into those fresh axes;
* every declared draw (``@draw``) and the status line run once;
* each figure is saved with ``savefig`` to a PNG in memory, then closed.

Why this and not another baseline: hand-written pyplot scripts per widget would call
other code than the widget (and could be made slow or fast at will); a fresh
``cls(canvas="agg", **state).to_png()`` would also time building the ipywidgets controls,
which ``interact`` builds only once. Here the controls belong to one shadow explorer made
once per class (never displayed); only the per-change work is timed: the same solvers, the
same plot functions, the same state, from scratch.

Sending an image to the browser is timed on neither side. The baseline's PNG encoding
(``savefig``) is timed; the package's single-change time is not, while in a live kernel
ipympl encodes a PNG of each canvas that changed. So ``latency.py`` reports two ratios:
rebuild / single change, and the conservative rebuild / (single change + a PNG of every
canvas), an upper bound of what ipympl encodes.

Usage (normally through ``benchmarks/latency.py``, which reports the ratio per control)::

    python benchmarks/interact_baseline.py --widget GradientFlowExplorer
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

_LAYER_STATE = ("_dynamic", "_backdrop", "_background", "_backdrop_bg", "_legends",
                "_clean_bg", "_background_size")


class InteractBaseline:
    """Rebuild an explorer's figures from scratch for a state, as ``interact`` would."""

    def __init__(self, cls):
        self.cls = cls
        self.shadow = cls(canvas="agg")          # its controls are built once, like interact's
        self._own_figs = list(self.shadow._figs.values())

    def rebuild(self, state: dict) -> list[bytes]:
        """Compute every step without cache, make new pyplot figures, draw them with the
        widget's build and draw functions and return one PNG per figure."""
        w = self.shadow
        w._values = dict(state)
        w._results.clear()
        w._keys.clear()
        for cache in w._caches.values():
            cache.data.clear()
        for name in _LAYER_STATE:
            getattr(w, name).clear()
        figs = {}
        for name, spec in self.cls.FIGURES.items():
            fig = plt.figure(figsize=(spec.width, spec.height), dpi=96, layout="constrained")
            figs[name] = fig
            w._figs[name] = fig
            getattr(w, f"build_{name}")(fig)
        w.error = None
        w._compute(coarse=False)                 # every step, every draw, the status line
        if w.error is not None:
            raise ValueError(f"{self.cls.__name__} refused the state {state}: {w.error}")
        pngs = []
        for fig in figs.values():
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=96)
            pngs.append(out.getvalue())
            plt.close(fig)
        return pngs

    def seconds(self, state: dict) -> float:
        t0 = time.perf_counter()
        self.rebuild(state)
        return time.perf_counter() - t0

    def close(self):
        for fig in self._own_figs:
            plt.close(fig)
        self.shadow.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widget", action="append", help="only this widget class")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from saddle_widgets.widgets._docs import widget_classes
    classes = [c for c in widget_classes() if not args.widget or c.__name__ in args.widget]
    print("| widget | interact-style rebuild of the default state, median ms | PNG kB |")
    print("|---|---|---|")
    for cls in classes:
        base = InteractBaseline(cls)
        times = [base.seconds(cls.DEFAULTS) for _ in range(args.repeat)]
        size = sum(map(len, base.rebuild(cls.DEFAULTS))) / 1024
        print(f"| {cls.__name__} | {1000 * statistics.median(times):.0f} | {size:.0f} |")
        base.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
