"""NonlinearEscapeExplorer: backprop against PC in small non-linear networks near the origin.

After Innocenti, Achour, Singh & Buckley (NeurIPS 2024), Fig. 5, in miniature. Every number
comes from ``saddle_widgets.solvers.pc_nonlinear``; every artist from
``saddle_widgets.plots.pc_nonlinear``.
"""
from __future__ import annotations

from ..plots import pc_nonlinear as plot
from ..solvers import pc_nonlinear as nl
from ._base import Explorer, draw, status, step
from ._params import Choice, Fig, Float, Int

#: iterations of both trainings (a quarter while a slider is dragged)
N_ITERS = 120
COARSE_ITERS = 30
#: a run has left the origin plateau once L(W_t) <= ESCAPED · L(W_0) ...
ESCAPED = 0.5
#: ... and stayed on it while L(W_t) >= STAYED · L(W_0) at every iteration
STAYED = 0.95
#: Euler step of inference (the authors' dt)
DT = 0.1
#: the task: 32 samples of a random tanh teacher, 4 inputs, 2 outputs (L(0) = 1)
BATCH, D_IN, D_OUT = 32, 4, 2

_SCALED = ("[D] full-batch gradient descent on 32 samples of a random tanh teacher (4 inputs, "
           "2 outputs; paper: SGD on MNIST, batches of 64), width 8 (paper 500), {depth}, "
           "σ = {sigma} (paper 5e-3; σ√width = {gain:.2g}, paper 0.11), η = {lr} on "
           "L = Σ‖e‖²/2B (paper: 1e-3 on its sums), 20 inference steps of dt 0.1 "
           "(paper 50), {iters} iterations")
_NO_CONJECTURE = ("; it shows PC leaving a saddle where BP stalls, not that every saddle of "
                  "the energy is strict (an open conjecture)")


def _note(depth, sigma, lr) -> str:
    return (_SCALED.format(depth=depth, sigma=sigma, gain=sigma * 8 ** 0.5, lr=lr,
                           iters=N_ITERS) + _NO_CONJECTURE)


class NonlinearEscapeExplorer(Explorer):
    """Non-linear networks near the origin: BP stalls on the plateau, PC leaves it.

    A small MLP (H hidden layers of one width, activation linear / tanh / ReLU, linear
    output, no biases) on a fixed regression task generated in code (32 samples of a random
    one-hidden-layer tanh teacher, 4 inputs, 2 outputs scaled so that L(0) = 1), started at
    W_l ~ N(0, σ²) and trained from the same start by backprop (gradient descent on the MSE
    L = Σ‖y − ŷ‖²/2B) and by predictive coding (k Euler steps of inference of size 0.1 from
    the feed-forward pass, then the weight gradient of the energy F at the activities
    reached), both for 120 iterations (30 while dragging). No closed form exists for the
    inference equilibrium of a non-linear net: inference is iterative only.

    Parameters: activation (f), hidden (H), width, init_scale (σ), lr (η), inference_steps
    (k), seed (of the teacher, the data and the weights), cursor (the iteration shown; Play
    moves it).
    Figures: ``loss`` (L / L(0) against iteration, with the level ½ where a run has left
    the plateau), ``gradient`` (the norm of each method's weight update, log: near the
    origin BP's is O(σ^H), a non-strict saddle for H ≥ 2; PC's O(σ), a strict saddle of the
    equilibrated energy).
    Results: ``w.results["runs"]`` ({'bp', 'pc'}: ``nl.NonlinearRun``), ``["data"]``
    ((X, Y)), ``["start_weights"]``, ``["snapshot"]``.

    What it does not show: the paper conjectures (the question mark of its title) that all
    saddles of the equilibrated energy are strict; it proves this for the origin and the
    other zero-rank saddles of deep linear nets. A PC run leaving a saddle is consistent with
    the conjecture and is no proof: a run finds the saddles it passes near, not all of
    them, and a non-strict saddle of F* has been constructed on degenerate data.
    """

    PARAMS = {
        "activation": Choice("activation f", "tanh", nl.ACTIVATIONS,
                             doc="the activation of every hidden layer (the output is linear)"),
        "hidden": Int("hidden layers H", 3, 1, 4, doc="number of hidden layers (paper 4)"),
        "width": Int("width", 8, 4, 16, doc="units per hidden layer (paper 500)"),
        "init_scale": Float("init scale σ", 0.01, 0.005, 0.1, step=0.005, fmt=".3f",
                            doc="initial weights W_l ~ N(0, σ²) (paper 5e-3 at width 500)"),
        "lr": Float("learning rate η", 1.0, 0.1, 1.5, step=0.05,
                    doc="learning rate of both BP and PC (full-batch gradient descent)"),
        "inference_steps": Int("inference steps k", 20, 0, 50,
                               doc="Euler steps of inference (dt = 0.1) before each PC "
                                   "weight update (paper 50)"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the teacher, the data and the weights"),
        "cursor": Int("iteration t", N_ITERS, 0, N_ITERS,
                      doc="the iteration shown on both panels (Play moves it)"),
    }
    FIGURES = {"loss": Fig(4.6, 2.4), "gradient": Fig(4.6, 2.4)}
    COLUMNS = [["loss", "gradient"]]
    SUMMARY_KEYS = ("activation", "hidden", "width", "init_scale", "lr", "inference_steps",
                    "seed")
    PRESETS = {
        "Fig. 5 tanh (scaled down)": {"activation": "tanh", "hidden": 4, "init_scale": 0.03},
        "Fig. 5 linear (scaled down)": {"activation": "linear", "hidden": 4,
                                        "init_scale": 0.03},
        "Fig. 5 ReLU (scaled down, H = 2)": {"activation": "relu", "hidden": 2, "lr": 0.5},
        "one hidden layer: BP escapes too": {"hidden": 1},
        "one inference step: PC stalls too": {"inference_steps": 1},
    }
    PRESET_NOTES = {
        "Fig. 5 tanh (scaled down)": _note("H = 4 (as the paper)", 0.03, 1.0),
        "Fig. 5 linear (scaled down)": _note("H = 4 (as the paper)", 0.03, 1.0),
        "Fig. 5 ReLU (scaled down, H = 2)": _note(
            "H = 2 (paper 4: with 8 ReLU units per layer PC's lead fades at H ≥ 3, try it)",
            0.01, 0.5),
        "one hidden layer: BP escapes too":
            "[L] with H = 1 the origin is a strict saddle of the MSE already (λ_min = "
            "−σ_max(Σ_xy) for a linear net; tanh is linear near 0): BP leaves it as fast as PC",
        "one inference step: PC stalls too":
            "[D] one Euler step of dt 0.1 moves the activities a tenth of the way to their "
            "equilibrium: PC's negative curvature at the origin shrinks tenfold and it stays "
            "on the plateau within 120 iterations like BP",
    }

    # ------------------------------------------------------------------ figures
    def build_loss(self, fig):
        self.ax_loss = fig.add_subplot()
        self.loss_artists = a = plot.loss_panel(self.ax_loss, N_ITERS)
        self.animate(fig, [a["cursor"], a["mark_bp"], a["mark_pc"], a["time"]],
                     backdrop=[a["bp"], a["pc"], a["level"]])

    def build_gradient(self, fig):
        self.ax_gradient = fig.add_subplot()
        self.gradient_artists = a = plot.gradient_panel(self.ax_gradient, N_ITERS)
        self.animate(fig, [a["cursor"], a["mark_bp"], a["mark_pc"]],
                     backdrop=[a["bp"], a["pc"]])

    def _control_panel(self):
        c = self.controls
        return [c["activation"], c["hidden"], c["width"], c["init_scale"], c["lr"],
                c["inference_steps"], c["seed"],
                self.player("cursor", "play the training", interval=50)]

    # ------------------------------------------------------------------ steps
    @step("seed")
    def data(self, seed):
        """(X, Y): the teacher's task (``nl.teacher_data``)"""
        return nl.teacher_data(seed, batch=BATCH, d_in=D_IN, d_out=D_OUT)

    @step("hidden", "width", "init_scale", "seed")
    def start_weights(self, hidden, width, init_scale, seed):
        """The shared start W_l ~ N(0, σ²) of BP and PC (``nl.init_weights``)"""
        return nl.init_weights(nl.network_widths(hidden, width, D_IN, D_OUT), init_scale, seed)

    @step("start_weights", "data", "activation", "lr", "inference_steps", cache=8, coarse=True)
    def runs(self, weights, data, activation, lr, inference_steps, *, coarse):
        """{'bp', 'pc'}: both trainings for 120 iterations (30 while a slider is dragged,
        completed on release)"""
        X, Y = data
        return nl.train_bp_and_pc(weights, X, Y, activation=activation, lr=lr,
                                  n_iters=COARSE_ITERS if coarse else N_ITERS,
                                  inference_steps=inference_steps, dt=DT)

    @step("runs", "cursor")
    def snapshot(self, runs, cursor):
        """The cursor's iteration and each run's (t, L/L(0), gradient norm) there"""
        return {"t": cursor, **{m: plot.at_iteration(r, cursor) for m, r in runs.items()}}

    # ------------------------------------------------------------------ draws
    @draw("loss", "runs", layer="backdrop")
    def draw_losses(self, runs):
        plot.set_losses(self.loss_artists, runs, ESCAPED, N_ITERS)

    @draw("gradient", "runs", layer="backdrop")
    def draw_gradients(self, runs):
        plot.set_gradients(self.gradient_artists, runs)

    @draw("loss", "runs", "snapshot")
    def draw_loss_cursor(self, runs, snapshot):
        plot.set_cursor(self.loss_artists, runs, snapshot["t"])
        self.loss_artists["time"].set_text(
            f"t = {snapshot['t']}: L/L(0) BP {snapshot['bp'][1]:.3g}, "
            f"PC {snapshot['pc'][1]:.3g}")

    @draw("gradient", "runs", "snapshot")
    def draw_gradient_cursor(self, runs, snapshot):
        plot.set_cursor(self.gradient_artists, runs, snapshot["t"], gradient=True)

    # ------------------------------------------------------------------ status
    @status("runs", "hidden", coarse=True)
    def describe(self, runs, hidden, *, coarse):
        text = describe_runs(runs, hidden)
        return text + (" · the runs complete on release" if coarse else "")


def describe_runs(runs: dict, hidden: int) -> str:
    """'PC leaves the plateau (L ≤ ½ L(0)) at t = 36, BP stays on it (L ≥ 0.95 L(0))
    for all 120 iterations · gradient norm at t = 0: BP 3.1e-07, PC 0.024'."""
    parts = []
    for name, m in (("PC", "pc"), ("BP", "bp")):
        run = runs[m]
        t = nl.escape_iteration(run, ESCAPED)
        if run.diverged:
            parts.append(f"{name} diverged at iteration {run.iterations + 1} "
                         "(lower the learning rate)")
        elif t is not None:
            parts.append(f"{name} leaves the plateau (L ≤ ½ L(0)) at t = {t}")
        elif nl.stays_on_plateau(run, STAYED):
            parts.append(f"{name} stays on it (L ≥ {STAYED:g} L(0)) for all "
                         f"{run.iterations} iterations")
        else:
            parts.append(f"{name} is leaving it (L = {run.losses[-1] / run.losses[0]:.2f} "
                         f"L(0) at t = {run.iterations})")
    g_bp, g_pc = runs["bp"].grad_norms[0], runs["pc"].grad_norms[0]
    order = f"O(σ^{hidden})" if hidden >= 2 else "O(σ), a strict saddle of L too"
    return (", ".join(parts) + f" · gradient norm at t = 0: BP {g_bp:.2g} ({order}), "
            f"PC {g_pc:.2g} (O(σ): strict saddle of the energy)")
