"""PCLandscapeExplorer: the MSE and the PC energy of a scalar chain over a 2-D slice.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024). Every number comes from
``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import predictive_coding as pcplot
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Choice, Fig, Float, Int


EXTENT = 1.5                       # the slice shows [-EXTENT, EXTENT]^2
IMAGE_GRID, IMAGE_GRID_COARSE = 61, 31
QUIVER_GRID = 15
HORIZON_BLOCK = 50                 # runs are trained to train_steps rounded up to this
INFERENCE_OPTIONS = (0, 1, 2, 3, 5, 10, 20, 50, 100, "equilibrium")
PAIR_LABELS = {"last two": "last two weights (L−1, L)", "first two": "first two weights (1, 2)",
               "first and last": "first and last weights (1, L)"}   # a menu shows no TeX
SLICE_KEYS = {"depth", "pair", "init_scale", "seed"}


def _chain_start(depth, pair="last two", init_scale=0.05, seed=0):
    """The slice coordinates of the start drawn w_l ~ N(0, σ²): {'start_a', 'start_b'}."""
    w = pc.random_scalar_chain(depth, init_scale, seed)
    a, b = pc.slice_pair(depth, pair)
    clip = lambda v: float(np.clip(round(float(v), 4), -EXTENT, EXTENT))   # noqa: E731
    return {"start_a": clip(w[a - 1]), "start_b": clip(w[b - 1])}


def _paper_chain(depth, pair="last two"):
    return {"depth": depth, "pair": pair, "init_scale": 0.05, "seed": 0,
            **_chain_start(depth, pair)}


_DEFAULT_START = _chain_start(2)


class PCLandscapeExplorer(Explorer):
    """MSE and PC energy of a scalar chain y ≈ w_L ⋯ w_1 x over a 2-D slice of its weights.

    Parameters (all optional, also readable as ``widget.state``):
    depth (number of weights L = H + 1, 2-6), pair (which two weights span the slice:
    'last two', 'first two', 'first and last'; the other weights are held at their start
    values, so the slice passes through the start), init_scale and seed (the start is drawn
    w_l ~ N(0, init_scale²), as in the paper; changing them, the depth or the slice draws a
    new start unless one is given), start_a / start_b (the start of the two slice weights; a
    click on either landscape sets them), lr (learning rate of both trainings), train_steps
    (how many training steps), step (the training step marked on the trajectories; Play
    moves it), inference_steps (the right panel shows the energy after k Euler steps of
    inference from the feed-forward pass, dt = 0.1: k = 0 is the MSE, 'equilibrium' is F*).

    The left panel is the MSE with the backprop (BP) trajectory; the right panel is the
    energy with the predictive-coding (PC) trajectory, trained with exact inference (the
    gradient of F*). Arrows: the normalised negative gradient of the surface shown.
    Data: the paper's toy task x ~ N(1, 0.1²), y = −x, 64 samples (seed 0).
    Results: ``w.results["runs"]`` ({'bp', 'pc'}: ``TrainingResult``), ``["escape"]``
    (steps to escape or None), ``["origin"]`` (the origin classified), ``["start"]``,
    ``["mse_landscape"]`` / ``["energy_landscape"]`` (image and arrow ``ScalarLandscape``).
    """

    PARAMS = {
        "depth": Int("depth L", 2, 2, 6, doc="number of weights L = H + 1 of the chain"),
        "pair": Choice("slice", "last two", pc.SLICE_PAIRS, labels=PAIR_LABELS,
                       doc="the two weights spanning the picture; the others stay at the "
                           "start"),
        "init_scale": Float("initial scale σ", 0.05, 0.0, 0.5, step=0.005, fmt=".3f",
                            doc="the start is drawn w_l ~ N(0, σ²)"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the start w_l ~ N(0, σ²)"),
        "start_a": Float("start (horiz.)", _DEFAULT_START["start_a"], -EXTENT, EXTENT,
                         step=0.001, fmt=".3f", doc="start of the horizontal slice weight; "
                                                    "a click on a landscape sets it"),
        "start_b": Float("start (vert.)", _DEFAULT_START["start_b"], -EXTENT, EXTENT,
                         step=0.001, fmt=".3f", doc="start of the vertical slice weight"),
        "lr": Float("learning rate η", 0.4, 0.01, 1.5, step=0.01,
                    doc="learning rate of both trainings"),
        "train_steps": Int("training steps", 100, 10, 300, step=10,
                           doc="how many steps both trainings run"),
        "step": Int("training step", 0, 0, "train_steps",
                    doc="the step marked on the trajectories (Play moves it)"),
        "inference_steps": Choice("inference k", "equilibrium", INFERENCE_OPTIONS,
                                  labels={"equilibrium": "∞ (F*)"}, slider=True,
                                  doc="right panel: the energy after k Euler steps of "
                                      "inference (dt = 0.1); k = 0 is the MSE, ∞ is F*"),
    }
    FIGURES = {"mse": Fig(3.5, 3.4, click="set_start"),
               "energy": Fig(3.5, 3.4, click="set_start"),
               "loss": Fig(3.4, 2.3)}
    SUMMARY_KEYS = ("depth", "pair", "start_a", "start_b", "lr", "inference_steps")
    PRESETS = {
        "paper toy chain, H = 1 (BP and PC both escape)": {**_paper_chain(2), "lr": 0.4,
                                                           "train_steps": 60},
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {**_paper_chain(3), "lr": 0.4,
                                                           "train_steps": 200},
        "H = 2, inference off (k = 0: the energy is the MSE)": {
            **_paper_chain(3), "lr": 0.4, "train_steps": 200, "inference_steps": 0},
        "H = 3, first and last weights": {**_paper_chain(4, "first and last"), "lr": 0.4,
                                          "train_steps": 250},
        "start on the diagonal w_1 = w_2 (H = 1)": {"depth": 2, "start_a": 0.3,
                                                    "start_b": 0.3, "train_steps": 60},
    }
    PRESET_NOTES = {name: pc.TOY_CHAIN_DIFFERS for name in (
        "paper toy chain, H = 1 (BP and PC both escape)",
        "paper toy chain, H = 2 (BP stalls, PC escapes)")}

    # ------------------------------------------------------------------ parameters
    def follow(self, given, values):
        """A new start drawn from N(0, σ²) when the chain, pair, scale or seed change and
        no start was given."""
        if given & SLICE_KEYS and not given & {"start_a", "start_b"}:
            return _chain_start(values["depth"], values["pair"], values["init_scale"],
                                values["seed"])
        return {}

    def set_start(self, a: float, b: float) -> None:
        """Start both trainings at (a, b) in the slice (what a click does); the other
        weights keep their start values."""
        if not (abs(a) <= EXTENT and abs(b) <= EXTENT):
            raise ValueError(f"the start must lie in the shown square |w| ≤ {EXTENT:g}")
        self.set_params(start_a=round(float(a), 3), start_b=round(float(b), 3))

    def random_start(self) -> None:
        """Draw the start in the slice from N(0, σ²) with the next seed."""
        hi = self.PARAMS["seed"].hi
        self.set_params(seed=(self.state["seed"] + 1) % (hi + 1))

    def start_weights(self) -> np.ndarray:
        """The start of both trainings: w_l = σ ξ_l (seeded), the slice pair replaced by
        (start_a, start_b)."""
        return self.results["start"].copy()

    # ------------------------------------------------------------------ controls
    def _control_panel(self):
        c = self.controls
        self.play = widgets.Play(value=0, min=0, max=c["step"].max, step=1, interval=80,
                                 description="play training")
        widgets.link((self.play, "value"), (c["step"], "value"))
        c["step"].observe(lambda ch: setattr(self.play, "max", ch["new"]), names="max")
        self.play_inference = widgets.Play(value=len(INFERENCE_OPTIONS) - 1, min=0,
                                           max=len(INFERENCE_OPTIONS) - 1, step=1,
                                           interval=500, description="play inference")
        self.play_inference.observe(
            lambda ch: setattr(c["inference_steps"], "value", INFERENCE_OPTIONS[ch["new"]]),
            names="value")
        self.random_button = widgets.Button(description="random start", icon="random",
                                            tooltip="draw the start from N(0, σ²)",
                                            layout=widgets.Layout(width="130px"))
        self.random_button.on_click(lambda _: self._guard(self.random_start))
        return [c["depth"], c["pair"], c["init_scale"], c["seed"], self.random_button,
                c["start_a"], c["start_b"], c["lr"], c["train_steps"],
                self.play_row(self.play, c["step"]),
                self.play_row(self.play_inference, c["inference_steps"])]

    # ------------------------------------------------------------------ figures
    def _build_landscape(self, fig, name, title, value):
        ax = fig.add_subplot()
        panel = pcplot.landscape_panel(ax, extent=EXTENT, pixels=IMAGE_GRID,
                                       arrows=QUIVER_GRID, title=title, value=value)
        self.panels[name] = panel
        # nothing that changes lives in the static layer, so no control pays for a full
        # redraw: images, arrows and labels are the cached backdrop, trajectories move
        backdrop = ["image", "quiver", "origin", "xlabel", "ylabel", "span", "flat"]
        backdrop += ["title"] if name == "energy" else []
        self.animate(fig, [panel[k] for k in ("bp", "pc", "start", "mark_bp", "mark_pc")],
                     backdrop=[panel[k] for k in backdrop])
        return ax

    def build_mse(self, fig):
        self.panels = {}
        self.image_axis = {False: pcplot.pixel_centres(EXTENT, IMAGE_GRID),
                           True: pcplot.pixel_centres(EXTENT, IMAGE_GRID_COARSE)}
        self.quiver_axis = pcplot.arrow_axis(EXTENT, QUIVER_GRID)
        self._build_landscape(fig, "mse", "MSE  L(w)  (backprop descends it)", "MSE L")
        pcplot.landscape_legend(fig, self.panels["mse"])

    def build_energy(self, fig):
        self._build_landscape(fig, "energy", " ", "energy F")
        # the same room below the axes as the MSE figure's legend: the maps line up
        fig.supxlabel("PC trains on F* (k = ∞),\nwhatever k the map shows", fontsize=8,
                      color="0.3")

    def build_loss(self, fig):
        self.ax_loss = ax = fig.add_subplot()
        self.loss = pcplot.loss_curves(ax, labels=("backprop", "pred. coding"), legend=False)
        self.loss_cursor = ax.axvline(0, color="gray", lw=0.8)
        ax.set_xlim(0, self.DEFAULTS["train_steps"])
        ax.set_xlabel("training step", fontsize=8, labelpad=1)
        ax.set_ylabel("MSE", fontsize=8, labelpad=1)
        ax.tick_params(labelsize=8)
        # above the axes: the curves reach every corner of the panel
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8,
                  frameon=False, handlelength=1.4, columnspacing=0.8, borderaxespad=0.1)
        self.animate(fig, [self.loss["bp"], self.loss["pc"], self.loss["threshold"],
                           self.loss_cursor])

    # ------------------------------------------------------------------ steps
    @step()
    def data(self):
        """The paper's toy task (X, Y): x ~ N(1, 0.1²), y = −x, 64 samples, seed 0."""
        return pc.toy_scalar_data(0)

    @step("data")
    def threshold(self, data):
        """Escape threshold: the MSE 2 % of its value ½ tr Σ_yy at the origin."""
        return pc.escape_threshold(data[1])

    @step("depth", "init_scale", "seed")
    def chain(self, depth, init_scale, seed):
        """w_l ~ N(0, σ²): the weights outside the slice (and the drawn start)."""
        return pc.random_scalar_chain(depth, init_scale, seed)

    @step("depth", "pair")
    def pair_index(self, depth, pair):
        """(a, b): 1-based layers of the two slice weights."""
        return pc.slice_pair(depth, pair)

    @step("chain", "pair_index", "start_a", "start_b")
    def start(self, chain, pair, start_a, start_b):
        """The start of both trainings: the chain with the slice pair at (start_a, start_b)."""
        w = chain.copy()
        w[pair[0] - 1], w[pair[1] - 1] = start_a, start_b
        return w

    @step("data", "depth")
    def origin(self, data, depth):
        """{'mse', 'energy'}: the origin classified (strict or non-strict saddle)."""
        return pc.classify_origin([1] * (depth + 1), *data)

    def _landscape(self, data, chain, pair, objective, k, coarse):
        X, Y = data
        g, q = self.image_axis[bool(coarse)], self.quiver_axis
        kw = dict(depth=len(chain), X=X, Y=Y, pair=pair, fixed=chain, objective=objective,
                  inference_steps=k)
        return (pc.scalar_chain_landscape(g, g, gradient=False, **kw),
                pc.scalar_chain_landscape(q, q, **kw))

    @step("data", "chain", "pair_index", coarse=True)
    def mse_landscape(self, data, chain, pair, *, coarse):
        """(image, arrows) of the MSE: pixel grid (coarser while dragging), arrow grid."""
        return self._landscape(data, chain, pair, "mse", None, coarse)

    @step("data", "chain", "pair_index", "inference_steps", coarse=True)
    def energy_landscape(self, data, chain, pair, inference_steps, *, coarse):
        """(image, arrows) of F* or of the energy after k inference steps."""
        k = None if inference_steps == "equilibrium" else inference_steps
        return self._landscape(data, chain, pair, "energy", k, coarse)

    @step("train_steps", by_value=True)      # the runs retrain only when the block changes
    def horizon(self, train_steps):
        """How far the runs are trained: train_steps rounded up to a block of 50."""
        return pc.training_horizon(train_steps, HORIZON_BLOCK)

    @step("data", "start", "lr", cache=8)
    def trainings(self, data, start, lr):
        """Both trainings from the start, kept as Trainings: a longer horizon continues them."""
        return pc.Trainings([np.array([[v]]) for v in start], data, lr)

    @step("trainings", "horizon", cache=8)
    def long_runs(self, trainings, horizon):
        """{'bp', 'pc'}: both trainings from the start to the horizon."""
        return trainings.runs(horizon)

    @step("long_runs", "train_steps", cache=8)
    def runs(self, long_runs, train_steps):
        """{'bp', 'pc'}: the two trainings from the start, train_steps steps."""
        return {m: pc.truncate_run(r, train_steps) for m, r in long_runs.items()}

    @step("runs", "threshold")
    def escape(self, runs, threshold):
        """{'bp', 'pc'}: steps to escape (MSE below the threshold), or None."""
        return {m: pc.steps_to_escape(r, threshold) for m, r in runs.items()}

    # ------------------------------------------------------------------ draws
    @draw("mse", "mse_landscape", "pair_index", "origin", layer="backdrop")
    def draw_mse(self, landscape, pair, origin):
        self._draw_backdrop("mse", landscape, pair, origin["mse"])

    @draw("energy", "energy_landscape", "pair_index", "origin", layer="backdrop")
    def draw_energy(self, landscape, pair, origin):
        self._draw_backdrop("energy", landscape, pair, origin["energy"])

    def _draw_backdrop(self, name, landscape, pair, origin):
        panel = self.panels[name]
        pcplot.set_landscape(panel, *landscape)
        pcplot.set_slice_labels(panel, *pair)
        pcplot.set_origin_marker(panel, origin.kind == "strict saddle")

    @draw("energy", "inference_steps", layer="backdrop")
    def draw_energy_title(self, k):
        self.panels["energy"]["title"].set_text(
            "equilibrated energy F* (k = ∞)" if k == "equilibrium"
            else ("energy at k = 0: the MSE" if k == 0
                  else f"energy F after k = {k} inference steps"))

    # trajectories and markers are drawn into both landscapes (moving layer: blitted)
    @draw("mse", "runs", "pair_index", "start")
    def draw_runs(self, runs, pair, start):
        for panel in self.panels.values():
            pcplot.set_trajectories(panel, runs, *pair, start)

    @draw("mse", "runs", "pair_index", "step")
    def draw_step(self, runs, pair, step):
        for panel in self.panels.values():
            pcplot.set_step_markers(panel, runs, *pair, step)

    @draw("loss", "runs", "threshold", "train_steps")
    def draw_loss(self, runs, threshold, train_steps):
        pcplot.set_loss_curves(self.loss, runs)
        pcplot.set_threshold(self.loss, threshold, train_steps)

    @draw("loss", "step")
    def draw_cursor(self, step):
        self.loss_cursor.set_xdata([step, step])

    @draw("loss", "train_steps", layer="static", coarse=True)
    def draw_loss_axis(self, train_steps, *, coarse):
        """The step axis spans the horizon; fixed while a slider is dragged."""
        if not coarse:
            self.ax_loss.set_xlim(0, train_steps)

    # ------------------------------------------------------------------ status
    @status("origin", "runs", "threshold", "step", "inference_steps")
    def describe(self, origin, runs, threshold, t, k):
        parts = ["origin: " + pc.describe_saddles(origin["energy"], origin["mse"]),
                 pc.describe_escape("BP", runs["bp"], threshold) + "; "
                 + pc.describe_escape("PC", runs["pc"], threshold)]
        lb, lp = (r.losses[min(t, len(r.losses) - 1)] for r in (runs["bp"], runs["pc"]))
        parts.append(f"step {t}: MSE {lb:.3g} (BP), {lp:.3g} (PC)")
        if k != "equilibrium":
            parts.append(f"right panel: energy after {k} inference step{'s' if k != 1 else ''}"
                         + (" (= the MSE)" if k == 0 else ""))
        return " · ".join(parts)
