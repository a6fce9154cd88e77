"""MatrixFlowExplorer: the paper's matrix case, x = W2 W1 with 2 x 2 weights.

After de Oliveira, Jatkar & Sontag (2025), Def. 1 / Prop. 2 (C = W1W1ᵀ − W2ᵀW2 is
conserved) and Thm 3 (the flow converges to a critical point of g). Every number comes from
``saddle_widgets.solvers.matrix_flow``; every artist from ``saddle_widgets.plots.matrix_flow``.
"""
from __future__ import annotations

import numpy as np

from ..plots import matrix_flow as plot
from ..plots.unit_axes import set_time_axis
from ..solvers import matrix_flow as mf
from ._base import Explorer, draw, status, step
from ._params import Bool, Choice, Fig, Float, Int

FLOW_SAMPLES = 201          # samples of a run over the horizon (81 while dragging)
COARSE_SAMPLES = 81
RTOL, COARSE_RTOL = 1e-9, 1e-7


def _rotation(degrees):
    a = np.deg2rad(degrees)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


#: the targets Y of the menu
TARGETS = {
    "rank 2 (diag 2, 1)": np.diag([2.0, 1.0]),
    "rank 2, rotated (R30° diag(2, 1) R45°ᵀ)":
        _rotation(30) @ np.diag([2.0, 1.0]) @ _rotation(45).T,
    "rank 1 (diag 2, 0)": np.diag([2.0, 0.0]),
}
STARTS = ("random", "one singular direction", "on a saddle")


def _random(state):
    return state["start"] == "random"


def _not_on_saddle(state):
    return state["start"] != "on a saddle"


class MatrixFlowExplorer(Explorer):
    """Gradient flow of g = ½‖W2W1 − Y‖²_F with 2 x 2 weights: C = W1W1ᵀ − W2ᵀW2 is conserved.

    dW1/dt = −W2ᵀ(W2W1 − Y), dW2/dt = −(W2W1 − Y)W1ᵀ (de Oliveira, Jatkar & Sontag, Prop. 2:
    dC/dt = 0 for any f; Thm 3: the flow converges to a critical point of g, the global
    minimum W2W1 = Y or a saddle W2W1 = the part of Y on a subset of its singular directions).

    Parameters: target (Y), start ('random': ``mf.matrix_start`` with C(0) = imbalance · N,
    N = P diag(1.5, 0.5) Pᵀ for a random rotation P, ‖W1‖_F = scale when balanced,
    ``reflect`` for det W2W1 < 0; 'one singular direction':
    W1 = a e1 v1ᵀ, W2 = b u1 e1ᵀ with ab = scale², a² − b² = imbalance, an invariant subspace;
    'on a saddle': the balanced critical point keeping all but the last singular direction
    of Y, for a rank-1 Y the origin), seed, scale, imbalance, reflect, horizon, cursor (a
    fraction of the horizon).
    Figures: ``heat`` (C(0), C(t), W2W1(t) at the cursor and Y on one colour scale),
    ``conserved`` (the entries of C and ‖W1‖², ‖W2‖² over time), ``curves`` (g and ‖∇g‖
    over time, log scales).
    Results: ``w.results["run"]`` (``mf.MatrixFlowResult``), ``["end"]`` (``mf.EndPoint``),
    ``["snapshot"]`` (the run at the cursor), ``["critical"]`` (``mf.critical_values``).
    """

    PARAMS = {
        "target": Choice("target Y", "rank 2 (diag 2, 1)", tuple(TARGETS),
                         doc="the 2 x 2 target of the product W2W1"),
        "start": Choice("start", "random", STARTS,
                        doc="random weights with C(0) = λ·N; a start in the rank-1 subspace "
                            "of Y's first singular direction; or a saddle of g"),
        "seed": Int("seed", 0, 0, 20, when=_random, doc="seed of the random start"),
        "scale": Float("init scale", 0.5, 0.0, 2.0, step=0.001, fmt=".3f", when=_not_on_saddle,
                       doc="size of the start: ‖W1‖_F = scale for a balanced random start "
                           "(ab = scale² in one singular direction)"),
        "imbalance": Float("imbalance λ", 0.5, -2.0, 2.0, step=0.05, when=_not_on_saddle,
                           doc="C(0) = λ·N, N = P diag(1.5, 0.5) Pᵀ, for a random start "
                               "(λ·e1e1ᵀ in one singular direction); λ = 0 is balanced"),
        "reflect": Bool("start with det W2W1 < 0", False, when=_random,
                        doc="reflect W2 so that det W2W1 < 0 at the start"),
        "horizon": Float("time horizon", 10.0, 1.0, 40.0, step=0.5, fmt=".1f",
                         doc="how long the flow runs (time units)"),
        "cursor": Float("time cursor", 0.5, 0.0, 1.0, step=0.01,
                        doc="fraction of the horizon shown in the heat maps and marked on "
                            "the curves (Play moves it)"),
    }
    FIGURES = {"heat": Fig(3.9, 1.6), "conserved": Fig(3.9, 2.35), "curves": Fig(3.7, 3.95)}
    COLUMNS = [["heat", "conserved"], ["curves"]]
    SUMMARY_KEYS = ("target", "start", "seed", "scale", "imbalance", "reflect", "horizon")
    PRESETS = {
        "Prop. 2: C is conserved (random start)": {"seed": 6, "scale": 1.0, "imbalance": 0.8},
        "Thm 3: converges to the global minimum": {"scale": 0.5, "imbalance": 0.3,
                                                   "horizon": 15.0, "cursor": 1.0},
        "balanced small start: plateau near the saddle": {
            "scale": 0.001, "imbalance": 0.0, "horizon": 20.0, "cursor": 0.27},
        "one singular direction: converges to a saddle": {
            "start": "one singular direction", "imbalance": 0.0, "cursor": 1.0},
        "start on a saddle stays there": {"start": "on a saddle", "cursor": 1.0},
        "balanced, det W2W1 < 0: drawn to a saddle": {
            "reflect": True, "imbalance": 0.0, "horizon": 10.0, "cursor": 1.0},
        "imbalance frees it: det W2W1 < 0, λ = 0.5": {
            "reflect": True, "imbalance": 0.5, "horizon": 10.0, "cursor": 1.0},
        "rank-1 target, λ = 1.5: fast, the imbalance stays": {
            "target": "rank 1 (diag 2, 0)", "imbalance": 1.5, "horizon": 20.0, "cursor": 1.0},
        "rank-1 target, balanced: slow convergence": {
            "target": "rank 1 (diag 2, 0)", "imbalance": 0.0, "horizon": 30.0, "cursor": 1.0},
    }

    #: one sentence per preset (the status line starts with it where the base supports
    #: PRESET_NOTES; elsewhere it is documentation)
    PRESET_NOTES = {
        "Prop. 2: C is conserved (random start)":
            "[P] the entries of C stay flat while ‖W1‖² and ‖W2‖² change",
        "Thm 3: converges to the global minimum":
            "[P] ‖∇g‖ → 0 (Thm 3); from a generic start the limit is W2W1 = Y (Thm 4)",
        "balanced small start: plateau near the saddle":
            "[L] g rests at the origin's value, then at the rank-1 saddle's (0.5), then falls",
        "one singular direction: converges to a saddle":
            "[D] the rank-1 subspace is invariant: the flow ends at the saddle σ1u1v1ᵀ",
        "start on a saddle stays there":
            "[D] a critical point (∇g = 0) is an equilibrium of the flow: nothing moves",
        "balanced, det W2W1 < 0: drawn to a saddle":
            "[D] a balanced flow cannot change the sign of det W2W1: it heads for a saddle",
        "imbalance frees it: det W2W1 < 0, λ = 0.5":
            "[D] with C ≠ 0, W2 may pass through rank 1: det W2W1 changes sign",
        "rank-1 target, λ = 1.5: fast, the imbalance stays":
            "[D] the unused direction decays at a rate set by the imbalance; C stays λN",
        "rank-1 target, balanced: slow convergence":
            "[D] balanced, the unused direction decays only algebraically (like 1/t)",
    }

    # ------------------------------------------------------------------ figures
    def build_heat(self, fig):
        self.heat = plot.matrix_heat_maps(fig, ["C(0)", "C(t)", "W2W1(t)", "Y"])
        h = self.heat

        def labels(k):
            return [t for row in h["texts"][k] for t in row]
        # cached backdrop: C(0), Y and C(t) (they change with the start and the target;
        # C(t), conserved, does not change with the cursor); blitted: W2W1(t), the time
        self.animate(fig, [h["images"][2], h["frames"][2], *labels(2), h["time"]],
                     backdrop=[a for k in (0, 1, 3)
                               for a in (h["images"][k], h["frames"][k], *labels(k))])

    def build_conserved(self, fig):
        self.ax_conserved = fig.add_subplot()
        self.entries = plot.conserved_panel(self.ax_conserved)
        e = self.entries
        self.animate(fig, [e[k] for k in ("c11", "c12", "c22", "n1", "n2", "cursor")],
                     backdrop=[*e["time_labels"], *e["value_labels"]])

    def build_curves(self, fig):
        self.ax_loss, self.ax_grad = fig.subplots(2, 1, sharex=True)
        self.loss_panel = plot.log_time_panel(
            self.ax_loss, ylabel="g = ½‖W2W1 − Y‖²", label="loss g", colour=plot.LOSS_COLOUR,
            ylim=(1e-14, 20), yticks=(1e-12, 1e-8, 1e-4, 1), critical=True, time_labels=False)
        self.grad_panel = plot.log_time_panel(
            self.ax_grad, ylabel="‖∇g‖_F", label="‖∇g‖ (→ 0: Thm 3)",
            colour=plot.GRAD_COLOUR, ylim=(1e-15, 20), yticks=(1e-12, 1e-8, 1e-4, 1))
        self.ax_grad.axhline(mf.GRAD_TOL, color="0.6", lw=0.7, ls="--", zorder=0)
        self.ax_grad.text(0.02, mf.GRAD_TOL * 1.8, "critical below", fontsize=8,
                          color="0.4", transform=self.ax_grad.get_yaxis_transform())
        lp, gp = self.loss_panel, self.grad_panel
        self.animate(fig, [lp["line"], lp["cursor"], gp["line"], gp["cursor"]],
                     backdrop=[lp["critical"], *gp["time_labels"]])

    def _control_panel(self):
        c = self.controls
        return [c["target"], c["start"], c["seed"], c["scale"], c["imbalance"], c["reflect"],
                c["horizon"], self.player("cursor", "play the flow", interval=80)]

    # ------------------------------------------------------------------ steps
    @step("target")
    def target_matrix(self, target):
        """The target Y (2 x 2) of the product W2W1"""
        return TARGETS[target]

    @step("target_matrix")
    def critical(self, Y):
        """Every critical value of g for this Y (``mf.critical_values``), the minimum first"""
        return mf.critical_values(Y)

    @step("start", "seed", "scale", "imbalance", "reflect", by_value=True)
    def start_spec(self, start, seed, scale, imbalance, reflect):
        """The parameters the start reads, (start, ...): a disabled control changes nothing"""
        if start == "random":
            return (start, seed, scale, imbalance, reflect)
        if start == "one singular direction":
            return (start, scale, imbalance)
        return (start,)

    @step("target_matrix", "start_spec")
    def weights(self, Y, spec):
        """The initial weights (W1, W2)"""
        if spec[0] == "random":
            return mf.matrix_start(*spec[1:4], reflect=spec[4])
        if spec[0] == "one singular direction":
            return mf.aligned_start(Y, *spec[1:])
        return mf.saddle_start(Y)

    @step("weights", "target_matrix", "horizon", coarse=True)
    def run(self, weights, Y, horizon, *, coarse):
        """The flow, a ``mf.MatrixFlowResult`` (201 samples, rtol 1e-9; dragging: 81, 1e-7)"""
        t = np.linspace(0.0, horizon, COARSE_SAMPLES if coarse else FLOW_SAMPLES)
        return mf.integrate_matrix_flow(*weights, Y, t, rtol=COARSE_RTOL if coarse else RTOL)

    @step("run")
    def end(self, run):
        """Where the flow ended (``mf.classify_end_point``): minimum, saddle or not converged"""
        return mf.classify_end_point(run.W1[-1], run.W2[-1], run.target)

    @step("run", "cursor")
    def snapshot(self, run, cursor):
        """The run at the cursor: {'index', 't', 'fraction', 'C', 'product', 'loss', 'grad_norm'}"""
        k = int(round(cursor * (len(run.t) - 1)))
        return {"index": k, "t": float(run.t[k]), "fraction": k / (len(run.t) - 1),
                "C": run.conserved[k],
                "product": run.product[k], "loss": float(run.loss[k]),
                "grad_norm": float(run.grad_norm[k])}

    @step("run", by_value=True)
    def entry_unit(self, run):
        """The unit U of the C panel (its axis spans −0.4 U … 1.05 U): holds C and ‖W1‖², ‖W2‖²"""
        n1 = np.sum(run.W1 ** 2, axis=(1, 2))
        n2 = np.sum(run.W2 ** 2, axis=(1, 2))
        lo = min(float(run.conserved.min()), 0.0)
        hi = max(float(run.conserved.max()), float(n1.max()), float(n2.max()))
        return plot.entry_unit(lo, hi)

    @step("snapshot", by_value=True)
    def conserved_now(self, snapshot):
        """C(t) at the cursor to 4 decimals (a tuple): it changes, and is redrawn, only if C does"""
        return tuple(round(float(v), 4) + 0.0 for v in snapshot["C"].ravel())

    # ------------------------------------------------------------------ draws
    # the numbers in the cells follow when a drag stops (images only while dragging)
    @draw("heat", "weights", "target_matrix", layer="backdrop", coarse=True)
    def draw_heat_fixed(self, weights, Y, *, coarse):
        C0 = mf.conserved(*weights)
        plot.set_matrix(self.heat, 0, C0)
        plot.set_matrix(self.heat, 3, Y)
        plot.set_matrix_labels(self.heat, 0, None if coarse else plot.matrix_labels(C0))
        plot.set_matrix_labels(self.heat, 3, None if coarse else plot.matrix_labels(Y))

    @draw("heat", "conserved_now", layer="backdrop", coarse=True)
    def draw_heat_conserved(self, C, *, coarse):
        C = np.reshape(C, (2, 2))
        plot.set_matrix(self.heat, 1, C)
        plot.set_matrix_labels(self.heat, 1, None if coarse else plot.matrix_labels(C))

    @draw("heat", "snapshot", coarse=True)
    def draw_heat(self, snapshot, *, coarse):
        plot.set_matrix(self.heat, 2, snapshot["product"])
        plot.set_matrix_labels(self.heat, 2,
                               None if coarse else plot.matrix_labels(snapshot["product"]))
        self.heat["time"].set_text(f"cursor t = {snapshot['t']:.2f}")

    @draw("conserved", "run", "entry_unit")
    def draw_entries(self, run, unit):
        plot.set_conserved(self.entries, run, unit)

    @draw("conserved", "entry_unit", layer="backdrop")
    def draw_entry_axis(self, unit):
        plot.set_entry_axis(self.entries, unit)

    @draw("curves", "run")
    def draw_loss(self, run):
        self.loss_panel["line"].set_data(plot.unit_time(run.t), plot.positive(run.loss))

    @draw("curves", "critical", layer="backdrop")
    def draw_critical(self, critical):
        plot.set_critical_levels(self.loss_panel["critical"], [c.value for c in critical])

    @draw("curves", "run")
    def draw_grad(self, run):
        self.grad_panel["line"].set_data(plot.unit_time(run.t), plot.positive(run.grad_norm))

    @draw("conserved", "snapshot")
    def draw_cursor_entries(self, snapshot):
        plot.set_cursor(self.entries["cursor"], snapshot["fraction"])

    @draw("curves", "snapshot")
    def draw_cursor_curves(self, snapshot):
        plot.set_cursor(self.loss_panel["cursor"], snapshot["fraction"])
        plot.set_cursor(self.grad_panel["cursor"], snapshot["fraction"])

    # the time axes run over [0, 1] in units of the horizon: a new horizon relabels the
    # ticks (a backdrop) instead of redrawing three figures in full
    @draw("conserved", "horizon", layer="backdrop")
    def draw_time_labels_entries(self, horizon):
        set_time_axis(self.entries["time_labels"], horizon)

    @draw("curves", "horizon", layer="backdrop")
    def draw_time_labels_curves(self, horizon):
        set_time_axis(self.grad_panel["time_labels"], horizon)

    # ------------------------------------------------------------------ status
    @status("run", "end", "snapshot", "critical")
    def describe(self, run, end, snapshot, critical):
        text = (f"Prop. 2: max|C(t) − C(0)| = {run.conserved_drift:.1e} · "
                f"at t = {run.t[-1]:g}: {end.description}")
        det0, det_y = np.linalg.det(run.product[0]), np.linalg.det(run.target)
        if det0 * det_y < 0:
            text += (f" · det W2W1 from {det0:.2g} to {np.linalg.det(run.product[-1]):.2g} "
                     f"(det Y = {det_y:.2g})")
        if snapshot["index"] < len(run.t) - 1:
            near = next((c for c in critical[1:]
                         if abs(snapshot["loss"] - c.value) < 0.02 * c.value), None)
            text += (f" · cursor t = {snapshot['t']:.1f}: g = {snapshot['loss']:.2g}"
                     + (f" ≈ g at the {near.name}" if near is not None else ""))
        return text
