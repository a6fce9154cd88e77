"""Chain3DExplorer: the H = 2 scalar chain's three weights in 3-D, backprop against PC.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024): their toy chain with two hidden units has three
weights, which 2-D slices show only in part. Every number comes from
``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

import numpy as np

from ..plots import predictive_coding as pcplot
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Fig, Float, Int

HORIZON_BLOCK = 50
EXTENT = 2.5                 # the cube [−2.5, 2.5]³ holds the presets' runs (PC: |w₃| < 2.4)
WIDTHS = [1, 1, 1, 1]        # H = 2 hidden units: three scalar weights


class Chain3DExplorer(Explorer):
    """The H = 2 toy chain's three weights in 3-D: BP's and PC's paths, saddle and minima.

    The paper's toy chain with H = 2 hidden units, x → w₁ → w₂ → w₃ → ŷ, in the space of
    its three weights: backprop's and predictive coding's paths from the same start, the
    origin (a non-strict saddle of the MSE, a strict one of F*) and the manifold of minima
    w₁w₂w₃ = p* (p* = σ_xy / σ_xx = −1 for y = −x: ``pc.chain_minimum_product``) as a
    wireframe, in a rotatable 3-D view.

    Parameters: init_scale (start w_l ~ N(0, σ²), ``pc.init_weights``), seed (of the start),
    lr (learning rate of both), train_steps (horizon), elev and azim (the view, degrees).
    Data: the paper's toy task x ~ N(1, 0.1²), y = −x, one fixed batch of 64 (seed 0); PC with
    exact inference (descent on F*). The same runs as ``PCLandscapeExplorer`` and
    ``EscapeRaceExplorer`` at H = 2 (BP escapes at step 182, PC at 35 by default). Results:
    ``w.results["runs"]`` ({'bp', 'pc'}: ``TrainingResult``), ``["paths"]`` ({'bp', 'pc'}:
    (3, n + 1) arrays of w₁, w₂, w₃), ``["p_star"]``, ``["escape"]``.
    """

    PARAMS = {
        "init_scale": Float("initial scale σ", 0.05, 0.001, 0.5, step=0.001, fmt=".3f",
                            doc="initial weights w ~ N(0, σ²)"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the initial weights"),
        "lr": Float("learning rate η", 0.4, 0.01, 1.0, step=0.01,
                    doc="learning rate of both trainings"),
        "train_steps": Int("training steps", 200, 20, 400, step=10, doc="the horizon"),
        "elev": Float("elevation (°)", 20.0, -90.0, 90.0, step=1.0, fmt=".0f",
                      doc="view elevation of the 3-D axes"),
        "azim": Float("azimuth (°)", -60.0, -180.0, 180.0, step=1.0, fmt=".0f",
                      doc="view azimuth of the 3-D axes"),
    }
    FIGURES = {"chain": Fig(4.6, 4.3)}
    PRESETS = {
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {},
        "tiny initialisation σ = 0.005: BP never leaves": {"init_scale": 0.005,
                                                           "train_steps": 400},
        "large start σ = 0.5: both reach the minima": {"init_scale": 0.5, "train_steps": 100},
        "view from above (w₃ up, elevation 90°)": {"elev": 90.0, "azim": -90.0},
    }
    PRESET_NOTES = {"paper toy chain, H = 2 (BP stalls, PC escapes)": pc.TOY_CHAIN_DIFFERS}

    # ------------------------------------------------------------------ figures
    def build_chain(self, fig):
        self.panel = pcplot.chain_axes_3d(fig, EXTENT, elev=self.DEFAULTS["elev"],
                                          azim=self.DEFAULTS["azim"])
        self.panel["ax"].set_title("weights of the H = 2 chain (drag elevation / azimuth)",
                                   fontsize=8.5)
        p = self.panel
        self.animate(fig, [p["bp"], p["pc"], p["start"], p["end_bp"], p["end_pc"], p["clock"]])

    # ------------------------------------------------------------------ steps
    @step()
    def data(self):
        """The paper's toy task (X, Y = −X), 64 samples, seed 0."""
        return pc.toy_scalar_data(0)

    @step("data")
    def p_star(self, data):
        """The product w₃w₂w₁ at the MSE minima: σ_xy / σ_xx."""
        return pc.chain_minimum_product(*data)

    @step("p_star")
    def manifold(self, p_star):
        """The wireframe of the minima w₁w₂w₃ = p* inside the cube (``chain_minimum_curves``)."""
        return pc.chain_minimum_curves(p_star, EXTENT)

    @step("data")
    def origin(self, data):
        """{'mse', 'energy'}: the origin classified (``pc.classify_origin``)."""
        return pc.classify_origin(WIDTHS, *data)

    @step("data")
    def threshold(self, data):
        """Escape threshold: 2 % of the MSE at the origin."""
        return pc.escape_threshold(data[1])

    @step("train_steps", by_value=True)
    def horizon(self, train_steps):
        """train_steps rounded up to a block of 50."""
        return pc.training_horizon(train_steps, HORIZON_BLOCK)

    @step("data", "init_scale", "lr", "seed", cache=8)
    def trainings(self, data, init_scale, lr, seed):
        """Backprop and PC from w_l ~ N(0, σ²) (``pc.Trainings``)."""
        return pc.Trainings(pc.init_weights(WIDTHS, init_scale, seed), data, lr)

    @step("trainings", "horizon", "train_steps", cache=8)
    def runs(self, trainings, horizon, train_steps):
        """{'bp', 'pc'}: both trainings, train_steps steps, weights recorded."""
        return {m: pc.truncate_run(r, train_steps) for m, r in trainings.runs(horizon).items()}

    @step("runs")
    def paths(self, runs):
        """{'bp', 'pc'}: (3, n + 1) arrays, the weights w₁, w₂, w₃ at each step."""
        return {m: np.stack([t[:, 0, 0] for t in r.weight_trajectory]) for m, r in runs.items()}

    @step("runs", "threshold")
    def escape(self, runs, threshold):
        """{'bp', 'pc'}: steps to escape within the horizon (None if not)."""
        return {m: pc.steps_to_escape(r, threshold) for m, r in runs.items()}

    # ------------------------------------------------------------------ draws
    @draw("chain", "manifold", layer="static")
    def draw_manifold(self, manifold):
        pcplot.set_chain_manifold(self.panel, manifold)

    @draw("chain", "elev", "azim", layer="static", coarse=True)
    def draw_view(self, elev, azim, *, coarse):
        # while the view is dragged the wireframe and panes are hidden (most of a 3-D draw)
        ax = self.panel["ax"]
        ax.view_init(elev=elev, azim=azim)
        self.panel["manifold"].set_visible(not coarse)
        if coarse:
            ax.set_axis_off()
        else:
            ax.set_axis_on()
        ax.stale = True                      # view_init alone does not mark the figure stale

    @draw("chain", "paths")
    def draw_paths(self, paths):
        pcplot.set_chain_paths(self.panel, paths)

    # ------------------------------------------------------------------ status
    @status("runs", "paths", "p_star", "threshold", "origin")
    def describe(self, runs, paths, p_star, threshold, origin):
        race = "; ".join(pc.describe_escape(name, runs[m], threshold)
                         for name, m in (("BP", "bp"), ("PC", "pc")))
        ends = ", ".join(f"{name} w₁w₂w₃ = {float(np.prod(paths[m][:, -1])):.3f}"
                         for name, m in (("BP", "bp"), ("PC", "pc")))
        return (f"{race} · at the last step {ends} (minima: w₁w₂w₃ = {p_star:.3g}) · "
                "origin: " + pc.describe_saddles(origin["energy"], origin["mse"]))
