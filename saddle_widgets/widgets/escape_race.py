"""EscapeRaceExplorer: backprop against predictive coding from a start near the origin.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024). Every number comes from
``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..plots import predictive_coding as pcplot
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Fig, Float, Int

RACE_DEPTHS = (1, 2, 3, 4, 5)
HORIZON_BLOCK = 50          # runs are trained to train_steps rounded up to this, then cut
MAX_CLASSIFIED_WEIGHTS = 400
METHODS = ("bp", "pc")


def _joined(a, b):
    """Run ``a`` followed by run ``b``, which was trained from a's last weights: number for
    number the run trained in one go (each step of gradient descent depends only on the
    weights it starts from)."""
    cat = lambda x, y: np.concatenate([x, y[1:]])   # noqa: E731  (b starts where a ends)
    traj = tuple(cat(ta, tb) for ta, tb in zip(a.weight_trajectory, b.weight_trajectory))
    return dataclasses.replace(b, losses=cat(a.losses, b.losses),
                               energies=cat(a.energies, b.energies),
                               grad_norms=cat(a.grad_norms, b.grad_norms),
                               weight_trajectory=traj)


class Trainings:
    """Backprop and predictive coding from one start, each trained as far as first asked
    and kept (weights recorded), so that a longer horizon, or the full run after a run that
    stopped at its escape, continues the run kept instead of training it again.

    ``runs(n)``: {'bp', 'pc'} runs of n steps; ``escape(method, n, threshold)``: the steps to
    escape within n steps (None if not), training only until the escape. Every answer equals,
    number for number, the one of ``pc.train_bp_and_pc`` / ``pc.escape_step`` called afresh
    with the same arguments."""

    def __init__(self, start, data, lr):
        self.start, self.data, self.lr = start, data, lr
        self._kept: dict = {}     # method: the run trained so far (longer ones continue it)

    def _train_to(self, method, n_steps, stop_below=None):
        """The kept run, trained on from its last weights to ``n_steps`` steps (or until
        the MSE falls to ``stop_below``) unless it is that long already or diverged."""
        before = self._kept.get(method)
        done = 0 if before is None else len(before.losses) - 1
        if before is not None and (before.diverged or done >= n_steps):
            return before
        X, Y = self.data
        run = pc.train(self.start if before is None else before.weights, X, Y,
                       method=method, lr=self.lr, n_steps=n_steps - done,
                       record_weights=True, on_divergence="stop", stop_below=stop_below)
        run = self._kept[method] = run if before is None else _joined(before, run)
        return run

    def runs(self, n_steps: int) -> dict:
        return {m: pc.truncate_run(self._train_to(m, n_steps), n_steps) for m in METHODS}

    def escape(self, method: str, n_steps: int, threshold: float):
        run = self._kept.get(method)
        # the run kept is the beginning of the one run from the start: its first step
        # below the threshold is the escape, if it has one
        t = None if run is None else pc.steps_to_escape(run, threshold)
        if t is None:
            t = pc.steps_to_escape(self._train_to(method, n_steps, threshold), threshold)
        return t if t is not None and t <= n_steps else None


class Race:
    """The ``Trainings`` of every depth H = 1-5 for one setting (data, width, dim, σ, seed,
    η): the depth shown and the depth sweep share their runs, and a longer horizon continues
    them. ``start(H)``, ``runs(H, n)`` ({'bp', 'pc'}, weights recorded), ``escape(H, n)``
    ((BP, PC) steps to escape within n, None if not)."""

    def __init__(self, data, threshold, width, dim, init_scale, lr, seed):
        self.data, self.threshold, self.lr = data, threshold, lr
        self.width, self.dim, self.init_scale, self.seed = width, dim, init_scale, seed
        self._depths: dict[int, Trainings] = {}

    def trainings(self, H: int) -> Trainings:
        if H not in self._depths:
            start = pc.init_weights(pc.network_widths(H, self.width, self.dim),
                                    self.init_scale, self.seed)
            self._depths[H] = Trainings(start, self.data, self.lr)
        return self._depths[H]

    def start(self, H: int) -> list:
        return self.trainings(H).start

    def runs(self, H: int, n_steps: int) -> dict:
        return self.trainings(H).runs(n_steps)

    def escape(self, H: int, n_steps: int) -> tuple:
        return tuple(self.trainings(H).escape(m, n_steps, self.threshold) for m in METHODS)


class EscapeRaceExplorer(Explorer):
    """Backprop against predictive coding from one start near the origin of a deep network.

    Backprop is gradient descent on the MSE, predictive coding gradient descent on F* (exact
    inference); the network is deep and linear.

    Parameters: hidden (H = 1-5 hidden layers), width (units per hidden layer), dim (input =
    output dimension), init_scale (w ~ N(0, init_scale²), as in the paper), lr (learning
    rate of both), seed (of the initial weights), train_steps (horizon). Data: the paper's
    toy task x ~ N(1, 0.1²), y = −x (per dimension), 64 samples, seed 0. Escape = the MSE
    falls below 2 % of its value at the origin (½ tr Σ_yy). Panels: MSE and gradient norm
    against training step; steps to escape against depth H = 1-5 for the same settings
    (it does not depend on H, so changing the depth is cheap; while other sliders are
    dragged it shows the current depth and is completed on release).
    Results: ``w.results["runs"]`` ({'bp', 'pc'}: ``TrainingResult``), ``["escape"]``
    ({H: (steps for BP, steps for PC)}, None = not within the horizon), ``["threshold"]``,
    ``["origin"]`` (the origin classified, or None for more than 400 weights), ``["race"]``
    (the ``Race`` whose runs both panels show).
    """

    PARAMS = {
        "hidden": Int("hidden layers H", 2, 1, max(RACE_DEPTHS), doc="depth of the raced network"),
        "width": Int("width", 1, 1, 8, doc="units per hidden layer"),
        "dim": Int("in = out dim", 1, 1, 3, doc="input = output dimension"),
        "init_scale": Float("initial scale σ", 0.05, 0.001, 0.5, step=0.001, fmt=".3f",
                            doc="initial weights w ~ N(0, σ²)"),
        "lr": Float("learning rate η", 0.4, 0.01, 1.5, step=0.01,
                    doc="learning rate of both trainings"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the initial weights"),
        "train_steps": Int("training steps", 200, 20, 400, step=10, doc="the horizon"),
    }
    FIGURES = {"curves": Fig(4.2, 3.6), "escape": Fig(3.4, 2.6)}
    SUMMARY_KEYS = ("hidden", "width", "dim", "init_scale", "lr", "seed")
    PRESETS = {
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {},
        "H = 1: both escape": {"hidden": 1, "train_steps": 100},
        "H = 3, longer horizon": {"hidden": 3, "train_steps": 300},
        "wide net: width 8, dim 2, H = 2": {"width": 8, "dim": 2, "hidden": 2},
        "tiny initialisation σ = 0.005 (paper's deep nets)": {"init_scale": 0.005,
                                                               "hidden": 2, "train_steps": 300},
        # H = 1 with width 1 only oscillates at η = 1.5 (no minimum is stable, yet the
        # orbit stays bounded); four units and two dimensions make both trainings diverge
        "learning rate too large (diverges)": {"hidden": 1, "width": 4, "dim": 2, "lr": 1.5,
                                               "train_steps": 60},
    }

    # ------------------------------------------------------------------ figures
    def build_curves(self, fig):
        self.ax_loss, self.ax_grad = fig.subplots(2, 1, sharex=True)
        self.loss = pcplot.loss_curves(self.ax_loss, ylim=(1e-7, 10))
        self.ax_loss.set_ylabel("MSE", fontsize=7.5, labelpad=1)
        self.grad = pcplot.loss_curves(self.ax_grad, ylim=(1e-12, 1e2),
                                       yticks=(1e-12, 1e-8, 1e-4, 1), legend=False)
        self.ax_grad.set_ylabel("‖update‖", fontsize=7.5, labelpad=1)
        self.ax_grad.set_xlabel("training step", fontsize=7.5, labelpad=1)
        self.ax_loss.set_xlim(0, self.DEFAULTS["train_steps"])
        self.animate(fig, [*self.loss.values(), self.grad["bp"], self.grad["pc"]])

    def build_escape(self, fig):
        self.ax_escape = fig.add_subplot()
        self.escape_points = pcplot.escape_panel(self.ax_escape, RACE_DEPTHS)
        self.ax_escape.set_ylim(0, self.DEFAULTS["train_steps"] * 1.08)
        self.animate(fig, list(self.escape_points.values()))

    # ------------------------------------------------------------------ steps
    @step("dim")
    def data(self, dim):
        """The paper's Gaussian toy data (X, Y = −X), 64 samples, seed 0."""
        return pc.gaussian_toy_data(0, dim=dim, batch=64)

    @step("data")
    def threshold(self, data):
        """Escape threshold: the MSE 2 % of its value ½ tr Σ_yy at the origin."""
        return pc.escape_threshold(data[1])

    # the runs of the depth shown and the depth sweep come from one Race: the sweep reuses
    # the run on screen, the run of a new depth continues the sweep's, and a longer horizon
    # continues the runs already trained. A Race keeps one run per depth and method, weights
    # recorded (<= 2 MB per depth at width 8, dim 3, 400 steps; long_runs' results share
    # their arrays); as many Races as long_runs entries, so a run long_runs returns is one
    # its Race keeps
    @step("data", "threshold", "width", "dim", "init_scale", "lr", "seed", cache=8)
    def race(self, data, threshold, width, dim, init_scale, lr, seed):
        """The runs of every depth for these settings, kept as a Race, trained when needed.

        The depth shown and the depth sweep read the same runs, and a longer horizon
        continues them."""
        return Race(data, threshold, width, dim, init_scale, lr, seed)

    @step("race", "hidden")
    def start(self, race, hidden):
        """The initial weights W_l ~ N(0, σ²) of both trainings."""
        return race.start(hidden)

    @step("data", "hidden", "width", "dim")
    def origin(self, data, hidden, width, dim):
        """{'mse', 'energy'}: the origin classified; None for more than 400 weights."""
        widths = pc.network_widths(hidden, width, dim)
        if sum(a * b for a, b in zip(widths[1:], widths[:-1])) > MAX_CLASSIFIED_WEIGHTS:
            return None
        return pc.classify_origin(widths, *data)

    @step("train_steps", by_value=True)      # runs and sweep redo only when the block changes
    def horizon(self, train_steps):
        """How far the runs are trained: train_steps rounded up to a block of 50."""
        return pc.training_horizon(train_steps, HORIZON_BLOCK)

    @step("race", "hidden", "horizon", cache=8)
    def long_runs(self, race, hidden, horizon):
        """{'bp', 'pc'}: both trainings from the start to the horizon."""
        return race.runs(hidden, horizon)

    @step("long_runs", "train_steps", cache=8)
    def runs(self, long_runs, train_steps):
        """{'bp', 'pc'}: the two trainings at the chosen depth, train_steps steps."""
        return {m: pc.truncate_run(r, train_steps) for m, r in long_runs.items()}

    # coarse results (None) share the cache: 16 entries (a few numbers each) keep the full
    # sweeps a drag returns to
    @step("race", "horizon", coarse=True, cache=16)
    def sweep(self, race, horizon, *, coarse):
        """{H: (BP, PC) steps to escape} for H = 1-5 within the horizon; None while dragging.

        A run stops once it escapes; the depth shown reads the runs on screen."""
        if coarse:
            return None
        return {H: race.escape(H, horizon) for H in RACE_DEPTHS}

    @step("sweep", "runs", "threshold", "hidden", "train_steps")
    def escape(self, sweep, runs, threshold, hidden, train_steps):
        """{H: (BP, PC) steps to escape within train_steps, None if not}; dragging: this H."""
        here = tuple(pc.steps_to_escape(runs[m], threshold) for m in ("bp", "pc"))
        if sweep is None:
            return {hidden: here}
        within = lambda t: t if t is not None and t <= train_steps else None   # noqa: E731
        return {H: tuple(within(t) for t in ts) for H, ts in sweep.items()}

    # ------------------------------------------------------------------ draws
    @draw("curves", "runs", "threshold", "train_steps")
    def draw_curves(self, runs, threshold, train_steps):
        pcplot.set_loss_curves(self.loss, runs)
        pcplot.set_loss_curves(self.grad, runs, "grad_norms")
        pcplot.set_threshold(self.loss, threshold, train_steps)

    @draw("escape", "escape", "hidden", "train_steps")
    def draw_escape(self, escape, hidden, train_steps):
        pcplot.set_escape_points(self.escape_points, escape, train_steps)
        self.escape_points["mark"].set_data([hidden], [train_steps * 0.5])

    @draw("curves", "train_steps", layer="static", coarse=True)
    def draw_step_axis(self, train_steps, *, coarse):
        """The step axis spans the horizon; fixed while a slider is dragged."""
        if not coarse:
            self.ax_loss.set_xlim(0, train_steps)

    @draw("escape", "train_steps", layer="static", coarse=True)
    def draw_escape_axis(self, train_steps, *, coarse):
        """Steps to escape range over the horizon; fixed while a slider is dragged."""
        if not coarse:
            self.ax_escape.set_ylim(0, train_steps * 1.08)

    # ------------------------------------------------------------------ status
    @status("runs", "escape", "threshold", "origin", "hidden")
    def describe(self, runs, escape, threshold, origin, hidden):
        head = ("" if origin is None else
                "origin: " + pc.describe_saddles(origin["energy"], origin["mse"]) + " · ")
        race = "; ".join(pc.describe_escape(name, runs[m], threshold)
                         for name, m in (("BP", "bp"), ("PC", "pc")))
        t_bp, t_pc = escape[hidden]
        if t_bp is not None and t_pc is not None and t_pc > 0:
            race += f" ({t_bp / t_pc:.1f}× faster with PC)"
        tail = " · depth sweep completes on release" if len(escape) < len(RACE_DEPTHS) else ""
        return f"H = {hidden}: {race} · {head}escape = MSE < {threshold:.3g}{tail}"
