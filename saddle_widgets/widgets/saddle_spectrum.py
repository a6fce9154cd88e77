"""SaddleSpectrumExplorer: Hessians of the MSE and of F* at a zero-rank saddle.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024), Theorems 2 and 3. Every number comes from
``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

import numpy as np

from ..plots import predictive_coding as pcplot
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Bool, Choice, Fig, Float, Int

MAX_WEIGHTS = 160          # a live numerical Hessian of F* costs ~0.3 ms per weight
HIST_BINS = 41             # odd: the middle bin holds the zero eigenvalues
SPECTRUM_DEPTHS = (1, 2, 3, 4)


def _other_saddle(state):
    return state["point"] != "origin"


def _too_many(weights) -> bool:
    """More weights than the live finite-difference Hessian takes (the theory still shows)."""
    return sum(w.size for w in weights) > MAX_WEIGHTS


def _set_range(setter, shown, wanted) -> None:
    """Set an axis range only if it differs from the one shown: setting limits marks the
    figure stale (a full redraw) even when they are equal."""
    if tuple(map(float, shown)) != tuple(map(float, wanted)):
        setter(*wanted)


class SaddleSpectrumExplorer(Explorer):
    """Hessians of the MSE and of F* at a zero-rank saddle of a deep linear network.

    Shown as heat maps and eigenvalue histograms, with λ_min against depth.

    Parameters: hidden (H = 1-4 hidden layers), width (units per hidden layer), dim (input =
    output dimension), point ('origin' or 'other zero-rank saddle': all weights zero except
    W_{L−1} ~ N(0, saddle_scale²) drawn with ``seed``), altered_target (the paper's H = 4
    data: output row 2 replaced by fresh noise; needs dim ≥ 2). Combinations that cannot be
    shown are clamped (``follow``): the other saddle needs H ≥ 2, the altered target dim ≥ 2.
    Data: the paper's Gaussian toy task X ~ N(1, 0.1²), Y = −X, 64 samples (seed 0): the
    Fig. 3 presets give the paper's λ_min(F*) to four digits. Panels: the MSE Hessian and the
    F* Hessian by finite differences (``numerical_hessian``, up to 160 weights; while a slider
    is dragged they follow on release), F* from theory, all on one symmetric colour scale;
    the maps show only the layers owning a non-zero entry (named under them,
    ``w.results["heat_block"]``); an error blanks the panels; the
    eigenvalue histograms
    of the three; λ_min of the MSE and of F* for H = 1-4.
    Results: ``w.results["theory"]`` and ``["numeric"]`` ({'mse', 'energy'} Hessians),
    ``["classes"]`` (``CriticalPoint`` per Hessian), ``["histograms"]``, ``["depth_sweep"]``.
    """

    PARAMS = {
        "hidden": Int("hidden layers H", 2, 1, 4, doc="hidden layers of the network"),
        "width": Int("width", 5, 1, 10, doc="units per hidden layer"),
        "dim": Int("in = out dim", 2, 1, 3, doc="input = output dimension"),
        "point": Choice("critical point", "origin", pc.SADDLE_POINTS,
                        doc="the origin, or all weights zero except W_{L−1} (Theorem 3; "
                            "needs H ≥ 2)"),
        "saddle_scale": Float("scale of W_H", 1.0, 0.0, 2.0, step=0.05, when=_other_saddle,
                              doc="W_H = W_{L−1} ~ N(0, scale²) at the other zero-rank saddle"),
        "seed": Int("seed of W_H", 0, 0, 20, when=_other_saddle,
                    doc="seed of W_H = W_{L−1} at the other zero-rank saddle"),
        "altered_target": Bool("altered target", False, when=lambda s: s["dim"] >= 2,
                               doc="the paper's H = 4 data: output row 2 replaced by noise "
                                   "(needs dim ≥ 2)"),
    }
    FIGURES = {"heat": Fig(5.9, 2.3), "spectrum": Fig(3.6, 2.5), "depth": Fig(3.4, 2.5)}
    SUMMARY_KEYS = ("hidden", "width", "dim", "point")
    # Fig. 3 of the paper: (H, width, dim) = (1, 10, 2), (2, 5, 2), (3, 4, 3), (4, 4, 3 with an
    # altered target), on the Gaussian toy data of ``pc.gaussian_toy_data(0, dim)``
    PRESETS = {
        "Fig. 3: H = 1, width 10, dim 2": {"hidden": 1, "width": 10, "dim": 2},
        "Fig. 3: H = 2, width 5, dim 2": {"hidden": 2, "width": 5, "dim": 2},
        "Fig. 3: H = 3, width 4, dim 3": {"hidden": 3, "width": 4, "dim": 3},
        "Fig. 3: H = 4, width 4, dim 3, altered target": {"hidden": 4, "width": 4, "dim": 3,
                                                          "altered_target": True},
        "Fig. 9: other zero-rank saddle, H = 3 (Theorem 3)": {
            "hidden": 3, "width": 4, "dim": 3, "point": "other zero-rank saddle"},
        "other zero-rank saddle, H = 2: strict in the MSE too": {
            "hidden": 2, "width": 4, "dim": 2, "point": "other zero-rank saddle"},
    }
    PRESET_NOTES = {
        "Fig. 3: H = 1, width 10, dim 2": "the paper's setting (λ_min(F*) = −3.2886 at the "
                                          "origin on this data draw)",
        "Fig. 3: H = 2, width 5, dim 2": "the paper's setting (λ_min(F*) = −2.0324)",
        "Fig. 3: H = 3, width 4, dim 3": "the paper's setting (λ_min(F*) = −3.0142)",
        "Fig. 3: H = 4, width 4, dim 3, altered target": "the paper's setting (λ_min(F*) = "
                                                         "−2.9984)",
        "Fig. 9: other zero-rank saddle, H = 3 (Theorem 3)": (
            "the paper's test case at its Fig. 3 sizes; W_3 ~ N(0, 1) here (seed 0): the MSE "
            "Hessian is zero, F* is strict"),
        "other zero-rank saddle, H = 2: strict in the MSE too": (
            "not a figure of the paper: with H = 2 the W_1–W_3 block involves W_2, so this "
            "point is already a strict saddle of the MSE (λ_min = −6.17); H ≥ 3 makes "
            "Theorem 3's point"),
    }

    def follow(self, given, values):
        """Combinations that cannot be shown are clamped, the parameter just set winning:
        the other zero-rank saddle needs H ≥ 2 (a new H = 1 returns to the origin, a new
        choice of the other saddle raises H to 2); the altered target needs dim ≥ 2 (a new
        dim = 1 turns it off, a new altered target raises dim to 2)."""
        out = {}
        if values["point"] != "origin" and values["hidden"] < 2:
            if "point" in given:
                out["hidden"] = 2
            else:
                out["point"] = "origin"
        if values["altered_target"] and values["dim"] < 2:
            if "altered_target" in given:
                out["dim"] = 2
            else:
                out["altered_target"] = False
        return out

    def _set_error(self, message):
        """An error blanks the panels (no Hessian of another state stays on screen); the
        next good update draws them again."""
        super()._set_error(message)
        for im in self.heat["images"]:
            im.set_data(np.zeros((1, 1)))
        self.heat["note"].set_text("")
        for text in self.heat["labels"]:
            text.set_text("")
        for art in (*self.heat["grids"], *(self.hist[k] for k in ("mse", "energy", "theory")),
                    *self.depth.values()):
            art.set_visible(False)
        self.hist["note"].set_text("")
        for node in self._draws:       # redraw everything at the next good update
            self._keys.pop(node.name, None)
        self.redraw()

    # ------------------------------------------------------------------ figures
    def build_heat(self, fig):
        self.heat = pcplot.hessian_heat_maps(fig, ["MSE", "F* (numerical)", "F* (theory)"])
        self.animate(fig, [*self.heat["images"], *self.heat["grids"], self.heat["note"],
                           *self.heat["labels"]])

    def build_spectrum(self, fig):
        self.ax_spec = fig.add_subplot()
        self.hist = pcplot.eigenvalue_histograms(self.ax_spec, HIST_BINS)
        self.animate(fig, [self.hist[k] for k in ("mse", "energy", "theory", "note")])

    def build_depth(self, fig):
        self.ax_depth = fig.add_subplot()
        self.depth = pcplot.depth_panel(self.ax_depth, SPECTRUM_DEPTHS)
        self.animate(fig, list(self.depth.values()))

    # ------------------------------------------------------------------ steps
    @step("dim", "altered_target")
    def data(self, dim, altered_target):
        """The paper's Gaussian toy data (X, Y), 64 samples, seed 0."""
        return pc.gaussian_toy_data(0, dim=dim, batch=64, altered_target=altered_target)

    @step("point", "saddle_scale", "seed", by_value=True)
    def saddle(self, point, saddle_scale, seed):
        """(point, scale, seed) of the saddle; (point,) at the origin (no W_{L−1} drawn).

        At the origin the scale and the seed do not enter: changing them recomputes
        nothing."""
        return (point,) if point == "origin" else (point, saddle_scale, seed)

    @staticmethod
    def _saddle_weights(hidden, width, dim, saddle):
        point, *drawn = saddle
        kw = dict(zip(("scale", "seed"), drawn))
        return pc.saddle_weights(pc.network_widths(hidden, width, dim), point, **kw)

    @step("hidden", "width", "dim", "saddle")
    def weights(self, hidden, width, dim, saddle):
        """The weights at the chosen zero-rank saddle."""
        return self._saddle_weights(hidden, width, dim, saddle)

    @step("data", "weights")
    def theory(self, data, weights):
        """{'mse', 'energy'}: the exact Hessians at the saddle."""
        return {obj: pc.saddle_hessian_theory(weights, *data, objective=obj)
                for obj in ("mse", "energy")}

    # coarse results (None) share the cache: 16 entries hold a drag's worth of them and the
    # full Hessians it returns to (≤ 16 × 2 × 160² floats: ≤ 6.6 MB)
    @step("data", "weights", coarse=True, cache=16)
    def numeric(self, data, weights, *, coarse):
        """{'mse', 'energy'}: Hessians by finite differences; None while dragging and for
        more than MAX_WEIGHTS weights (then the exact Hessians are shown alone)."""
        if coarse or _too_many(weights):
            return None
        return {obj: pc.numerical_hessian(weights, *data, objective=obj)
                for obj in ("mse", "energy")}

    @step("theory", "numeric")
    def classes(self, theory, numeric):
        """CriticalPoint per Hessian: theory, mse_theory, and numerical energy, mse.

        'theory' / 'mse_theory' are F* / MSE (exact); 'energy' / 'mse' come from finite
        differences once computed."""
        out = {"theory": theory["energy"], "mse_theory": theory["mse"]}
        if numeric is not None:
            out.update(energy=numeric["energy"], mse=numeric["mse"])
        return {k: pc.classify_critical_point(H, is_minimum=False) for k, H in out.items()}

    @step("theory", "numeric", "weights")
    def heat_block(self, theory, numeric, weights):
        """The layers (0-based) the heat maps show: those owning a non-zero entry of one of
        the Hessians (at the origin with H ≥ 2 only W_L does: over 95 % of the matrix is 0)."""
        shown = [theory["mse"], theory["energy"]]
        if numeric is not None:
            shown += [numeric["mse"], numeric["energy"]]
        return pcplot.live_layers(shown, [w.size for w in weights])

    @step("classes")
    def histograms(self, classes):
        """Eigenvalue counts: MSE (numerical, else theory), F* numerical, F* theory."""
        lams = {"theory": classes["theory"].eigenvalues,
                "mse": classes.get("mse", classes["mse_theory"]).eigenvalues,
                "energy": classes["energy"].eigenvalues if "energy" in classes else None}
        xmax = pcplot.symmetric_range([v for v in lams.values() if v is not None])
        return {"xmax": xmax, **pcplot.histogram_counts(lams, xmax, HIST_BINS)}

    @step("data", "width", "dim", "saddle", coarse=True, cache=16)
    def depth_sweep(self, data, width, dim, saddle, *, coarse):
        """{'hidden', 'mse', 'energy'}: λ_min at this saddle for H = 1-4; None dragging.

        From the exact Hessians; H ≥ 2 for the other saddle."""
        if coarse:
            return None
        out = {"hidden": [], "mse": [], "energy": []}
        for H in SPECTRUM_DEPTHS:
            if saddle[0] != "origin" and H < 2:
                continue
            ws = self._saddle_weights(H, width, dim, saddle)
            out["hidden"].append(H)
            for obj in ("mse", "energy"):
                H_obj = pc.saddle_hessian_theory(ws, *data, objective=obj)
                out[obj].append(pc.classify_critical_point(H_obj, is_minimum=False).lambda_min)
        return {k: np.asarray(v, float) for k, v in out.items()}

    @step("histograms", by_value=True)
    def spectrum_range(self, histograms):
        """xmax: the eigenvalue axis spans [−xmax, xmax]."""
        return histograms["xmax"]

    @step("depth_sweep", by_value=True)
    def depth_range(self, sweep):
        """The λ_min axis range (None while the sweep follows on release): down to
        −negative_range, up to 6 % of that above 0 (at least 0.5), so the ring of a λ_min = 0
        is not cut by the top of the axes."""
        if sweep is None:
            return None
        depth = pcplot.negative_range([sweep["energy"], sweep["mse"]])
        return (-depth, max(0.5, 0.06 * depth))

    # ------------------------------------------------------------------ draws
    @draw("heat", "theory", "numeric", "weights", "heat_block")
    def draw_heat(self, theory, numeric, weights, block):
        shown = ([numeric["mse"], numeric["energy"]] if numeric is not None
                 else [theory["mse"], np.zeros_like(theory["energy"])]) + [theory["energy"]]
        sizes = [w.size for w in weights]
        keep = np.ix_(*[pcplot.layer_indices(sizes, block)] * 2)
        label = pcplot.block_label(sizes, block)
        for im, H, text in zip(self.heat["images"], shown, self.heat["labels"]):
            im.set_data(pcplot.display_matrix(H[keep]))
            text.set_text(label if np.any(H) or H is shown[1] else "the Hessian is 0")
        self.heat["images"][1].set_alpha(1.0 if numeric is not None else 0.15)
        self.heat["note"].set_text(
            "" if numeric is not None else
            f"finite differences: at most\n{MAX_WEIGHTS} weights (theory alone)"
            if _too_many(weights) else "finite differences\nfollow on release")
        xs, ys = pcplot.layer_boundaries([sizes[l] for l in block])
        for g in self.heat["grids"]:
            g.set_data(xs, ys)
            g.set_visible(True)

    @draw("spectrum", "histograms", "weights")
    def draw_histograms(self, histograms, weights):
        pcplot.set_histograms(self.hist, histograms)
        self.hist["note"].set_text(f"{sum(w.size for w in weights)} weights")

    @draw("spectrum", "spectrum_range", layer="static", coarse=True)
    def draw_spectrum_axis(self, xmax, *, coarse):
        """The eigenvalue axis spans [−xmax, xmax]; fixed while a slider is dragged (a new
        range is a full redraw), refitted on release."""
        if not coarse:
            _set_range(self.ax_spec.set_xlim, self.ax_spec.get_xlim(), (-xmax, xmax))

    @draw("depth", "depth_sweep", "hidden")
    def draw_depth(self, sweep, hidden):
        for line in self.depth.values():
            line.set_visible(sweep is not None)
        if sweep is None:              # while dragging: the depth sweep follows on release
            return
        self.depth["mse"].set_data(sweep["hidden"], sweep["mse"])
        self.depth["energy"].set_data(sweep["hidden"], sweep["energy"])
        i = list(sweep["hidden"]).index(hidden) if hidden in sweep["hidden"] else None
        for name in ("mse", "energy"):
            self.depth[f"mark_{name}"].set_data(*(([hidden], [sweep[name][i]]) if i is not None
                                                  else ([], [])))

    @draw("depth", "depth_range", layer="static")
    def draw_depth_axis(self, ylim):
        # kept while the sweep follows on release (None); on release the range is usually
        # the one shown before the drag, and setting it again would cost a full redraw
        if ylim is not None:
            _set_range(self.ax_depth.set_ylim, self.ax_depth.get_ylim(), ylim)

    # ------------------------------------------------------------------ status
    @status("classes", "theory", "numeric", "weights", "hidden", "width", "point",
            "saddle_scale")
    def describe(self, classes, theory, numeric, weights, hidden, width, point, scale):
        where = ("origin" if point == "origin"
                 else f"zero-rank saddle (W_{hidden} ~ N(0, {scale:g}²))")
        head = f"{where}, H = {hidden}, width {width}, {sum(w.size for w in weights)} weights: "
        th, mt = classes["theory"], classes["mse_theory"]
        if numeric is None:
            why = (f"finite differences are computed up to {MAX_WEIGHTS} weights"
                   if _too_many(weights) else "finite differences follow")
            return head + pc.describe_saddles(th, mt) + f" (theory; {why})"
        err = float(np.max(np.abs(numeric["energy"] - theory["energy"])))
        return (head + pc.describe_saddles(classes["energy"], classes["mse"])
                + f" · theory λ_min(F*) = {th.lambda_min:.3g}, max |numerical − theory| = "
                f"{err:.1e}")
