"""Gradient-flow explorer: imbalance, the universal saddle and acceleration.

Three linked canvases: the phase portrait in (w1, w2), the loss against time for the
current start, and the convergence time against imbalance. Every number drawn comes from
``saddle_widgets.solvers.gradient_flow``; the artists from ``saddle_widgets.plots.gradient_flow``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..plots import gradient_flow as plot
from ..solvers import gradient_flow as gf
from ._base import Explorer, draw, status, step
from ._params import Bool, Choice, Fig, Float, Int

GRID = 121            # landscape pixels per side
EPS = 1e-3            # convergence means |x - x*| < EPS
C_MAX = 36.0          # the paper's imbalance c runs over [0, C_MAX] (so |w1² − w2²| <= 6)
C_GRID = np.linspace(0.0, math.sqrt(C_MAX), 49) ** 2   # c of the T(c) panel, dense near 0
FLOW_SAMPLES = 161    # samples of a gradient-flow run over the horizon
MAX_GD_STEPS = 5000
#: RK4 steps a T(c) curve (or the T mark) may take, ~0.2 s on a loaded 2-core machine: where
#: the flow has neither converged nor reached T_MAX by then, T is "not computed" (NaN)
T_STEPS = 1000
T_MAX = 60.0          # T(c) is inf where the flow needs longer than this
LOSS_RESOLUTION = 1e-12   # losses below this are integration noise (runs at rtol 1e-8)
BRANCHES = ("w1² > w2²", "w2² > w1²")


def _linear(state):
    return state["activation"] == "linear"


def _two_layers(state):
    return _linear(state) and state["depth"] == 2


def _comparing(state):
    return _two_layers(state) and state["method"] == "gradient flow" and state["compare"]


class Network(NamedTuple):
    """The factorisation the flow runs on: ``model`` "linear" (x = w2ᵀw1, depth 2), "chain"
    (x = w_N…w_1, depth N >= 3), "sigmoid" (the paper's x = w2·σ(w1), σ(z) = z/√(1 + z²))
    or "tanh" (x = w2·tanh(w1), an extension). The width h of the linear model is a
    parameter of the start and the run only: by the exact reduction nothing else depends
    on it."""
    model: str
    depth: int

    @property
    def neuron(self) -> bool:
        return self.model in gf.NEURONS


class GradientFlowExplorer(Explorer):
    """Gradient flow of f(x) with x = w2·w1 (width h), x = w_N…w_1 (depth N), or one neuron
    x = w2·σ(w1) (the paper's sigmoid σ(z) = z/√(1 + z²); tanh as an extension).

    The imbalance c is the paper's metric 2 tr(C²) − tr(C)² of the conserved matrix
    C = w1w1ᵀ − w2ᵀw2 (h = 1: c = (w1² − w2²)², the branch picks the sign of w1² − w2²);
    a neuron conserves its own invariant C. x0 is the initial product. Click the phase
    plane to set the start. The solver results behind the picture are in ``w.results``
    (the trajectory is ``w.results["run"]``).
    """

    PARAMS = {
        "cost": Choice("cost f", "quadratic", tuple(gf.COSTS),
                       doc="the loss f(x) of the product x, minimised at the target"),
        "target": Float("target x*", 1.0, -2.0, 2.0, step=0.05,
                        doc="the minimiser x* of f (for the double well: its right minimum)"),
        "imbalance": Float("imbalance c", 0.25, 0.0, C_MAX, step=0.05, when=_linear,
                           doc="the paper's c = 2 tr(C²) − tr(C)², C = w1w1ᵀ − w2ᵀw2 "
                               "(h = 1: (w1² − w2²)²; a chain: of its first two layers), "
                               "conserved by the flow"),
        "branch": Choice("branch", BRANCHES[0], BRANCHES, when=_linear,
                         doc="the sign of w1² − w2² = ±√c: which hyperbola branches the "
                             "start is on"),
        "invariant": Float("invariant C", 0.25, -25.0, 25.0, step=0.05,
                           when=lambda s: not _linear(s),
                           doc="the neuron's conserved quantity: the paper's "
                               "C = w2² − ½(1 + w1²)² for the sigmoid (−½ on its "
                               "separatrices), C = sinh²w1 − w2² for tanh (0 on them)"),
        "x0": Float("initial x", 0.05, -3.0, 3.0, step=0.01,
                    doc="the initial product x = w2·w1 (w1·w2^(N−1), w2·σ(w1))"),
        "mirror": Bool("mirror start (w → −w)", False,
                       doc="start at the mirror image of the weights: same x, same c"),
        "horizon": Float("time horizon", 10.0, 1.0, 40.0, step=0.5, fmt=".1f",
                         doc="how long the flow runs (time units; for gradient descent "
                             "horizon / η steps, at most 5000)"),
        "width": Int("width h", 1, 1, 8, when=_two_layers,
                     doc="hidden units of x = w2ᵀw1 (depth 2, linear)"),
        "depth": Int("depth N", 2, 2, 6, when=_linear,
                     doc="layers of the scalar chain x = w_N…w_1 (tied w2 = … = wN in the "
                         "plane)"),
        "activation": Choice("activation", "linear", gf.ACTIVATIONS,
                             doc="x = w2ᵀw1; the paper's sigmoid x = w2·σ(w1), "
                                 "σ(z) = z/√(1 + z²); or tanh (this package's extension)"),
        "method": Choice("method", "gradient flow", ("gradient flow", "gradient descent"),
                         doc="the continuous flow (the paper), or discrete steps of size η"),
        "lr": Float("step size η", 0.1, 0.01, 2.0, step=0.01,
                    when=lambda s: s["method"] == "gradient descent",
                    doc="the step of gradient descent"),
        "view": Float("view ±", 2.5, 1.0, 10.0, step=0.5, fmt=".1f",
                      doc="the phase plane shows [−view, view]² (the paper's Fig. 3 left: 10)"),
        "compare": Bool("compare c₂ (Prop. 7)", False,
                        when=lambda s: _two_layers(s) and s["method"] == "gradient flow",
                        doc="also run a start with the same x0 and imbalance c₂"),
        "c2": Float("imbalance c₂", 4.0, 0.0, C_MAX, step=0.05, when=_comparing,
                    doc="the paper's c of the second start (Prop. 7: the larger c has the "
                        "lower loss at every t)"),
        "cursor": Float("time cursor", 1.0, 0.0, 1.0, step=0.01,
                        doc="fraction of the horizon marked on the trajectory and the loss"),
    }
    FIGURES = {"phase": Fig(4.7, 4.3, click="set_start"), "loss": Fig(4.0, 2.5),
               "time": Fig(4.0, 2.2)}
    COLUMNS = [["phase"], ["loss", "time"]]
    SUMMARY_KEYS = ("cost", "target", "imbalance", "x0", "depth", "width", "activation",
                    "method")
    PRESETS = {
        "Fig. 3 left: linear, four equivalent regions": {
            "view": 10.0, "imbalance": 4.0, "x0": 0.05, "horizon": 12.0},
        "Fig. 3 right: sigmoid, four regions of two types": {
            "activation": "sigmoid", "view": 4.0, "invariant": 0.25, "x0": 0.05,
            "horizon": 12.0},
        "Prop. 5: d = 0 slides into the saddle (any cost)": {
            "imbalance": 0.0, "x0": -0.8, "horizon": 12.0},
        "Prop. 7: same product, larger c is never slower": {
            "imbalance": 0.25, "compare": True, "c2": 4.0, "x0": 0.05, "horizon": 12.0},
        "Cor. 6 fails: double well, f'(0) = 0, stuck": {
            "cost": "double well", "imbalance": 1.0, "x0": 0.0, "horizon": 12.0},
        "balanced start (plateau)": {"imbalance": 0.0, "x0": 0.01, "horizon": 12.0},
        "large imbalance (fast)": {"imbalance": 16.0, "x0": 0.01, "horizon": 12.0},
        "sigmoid: on the centre-stable curve (to the saddle)": {
            "activation": "sigmoid", "view": 4.0, "invariant": -0.5, "x0": -0.5,
            "horizon": 12.0},
        "step too large (diverges)": {"imbalance": 9.0, "x0": 0.5, "method": "gradient descent",
                                      "lr": 1.2, "horizon": 10.0},
        "step near the limit (self-balances)": {"imbalance": 9.0, "x0": 0.5, "horizon": 20.0,
                                                "method": "gradient descent", "lr": 0.7},
        "deep chain (non-strict saddle)": {"depth": 4, "imbalance": 0.0, "x0": 0.01,
                                           "horizon": 30.0},
        "tanh neuron (extension)": {"activation": "tanh", "invariant": 0.25, "x0": 0.05},
    }
    PRESET_NOTES = {
        "Fig. 3 left: linear, four equivalent regions":
            "the paper's Fig. 3 left on [−10, 10]²: target set w1w2 = 1 (black), "
            "centre-stable line w2 = −w1 (red), unstable line w2 = w1 (blue); "
            "here f = (x − 1)²/2",
        "Fig. 3 right: sigmoid, four regions of two types":
            "the paper's Fig. 3 right: separatrices w2 = ±w1√((2 + w1²)/2) (C = −½; "
            "centre-stable red, unstable blue), target w2σ(w1) = 1 only for |w2| > 1 "
            "(black); f = (x − 1)²/2 for the paper's (1 − x)² (the same orbits, time × 2), "
            "window [−4, 4]² chosen here",
        "Prop. 5: d = 0 slides into the saddle (any cost)":
            "c = 0 and x0 < 0 start on w2 = −w1, where d = ‖w1 − s w2‖ = 0 "
            "(s = sgn f'(0) = −1): the flow slides into the saddle for every cost with "
            "f'(0) < 0 (try log-cosh)",
        "Prop. 7: same product, larger c is never slower":
            "two starts with x0 = 0.05: c = 0.25 (orange) and c₂ = 4 (blue); "
            "the larger c has the lower loss at every t",
        "Cor. 6 fails: double well, f'(0) = 0, stuck":
            "f'(0) = 0 breaks the PD-PŁ inequality (α = 0): a start on x = 0 with d > 0 "
            "never moves, so Cor. 6 needs its hypothesis",
        "sigmoid: on the centre-stable curve (to the saddle)":
            "C = −½ and x0 < 0: the start is on the minus separatrix, the centre-stable "
            "manifold, and flows into the saddle",
        "step near the limit (self-balances)":
            "not in the paper (it treats the flow): η = 0.7 is above the step limit 0.555 at "
            "c = 9 but below 1/(f''·|x*|) = 1, so gradient descent drifts to a flatter "
            "minimum (smaller c) and converges there",
        "tanh neuron (extension)":
            "not in the paper: x = w2·tanh(w1) conserves C = sinh²w1 − w2²",
    }

    # ------------------------------------------------------------------ figures
    def build_phase(self, fig):
        self.ax_phase = fig.add_subplot()
        a = self.phase_artists = plot.phase_portrait(self.ax_phase, self.DEFAULTS["view"], GRID)
        # the landscape changes with cost, target, network and view only: a cached backdrop
        # under the trajectory; axes, ticks, title and legend are the static background
        self.animate(fig, [a["exact"], a["trajectory"], a["start"], a["cursor"], a["note"]],
                     backdrop=[a["landscape"], a["levels"], a["minima"], a["stable"],
                               a["unstable"], a["saddle"]])

    def build_loss(self, fig):
        self.ax_loss = fig.add_subplot()
        a = self.loss_artists = plot.loss_panel(self.ax_loss)
        self.animate(fig, [a["numeric"], a["exact"], a["bound"], a["compare"], a["cursor"]])

    def build_time(self, fig):
        self.ax_time = fig.add_subplot()
        a = self.time_artists = plot.convergence_panel(self.ax_time, C_MAX, EPS)
        self.animate(fig, [a["numeric"], a["exact"], a["asymptote"], a["uncomputed"], a["mark"],
                           a["note"]])

    def _control_panel(self):
        c = self.controls
        return [c["cost"], c["target"], c["activation"], c["imbalance"], c["branch"],
                c["invariant"], c["x0"], c["mirror"], c["horizon"], c["width"], c["depth"],
                c["method"], c["lr"], c["compare"], c["c2"], c["view"],
                self.player("cursor", "play the trajectory")]

    # ------------------------------------------------------------------ interaction
    def set_start(self, w1: float, w2: float) -> None:
        """Start the trajectory at (w1, w2) in the phase plane (what a click does)."""
        p = self.state
        lo, hi = self.PARAMS["x0"].lo, self.PARAMS["x0"].hi
        if p["activation"] != "linear":
            act = p["activation"]
            x0 = float(gf.plane_product(w1, w2, activation=act))
            q = float(gf.neuron_invariant(w1, w2, activation=act))
            qlo, qhi = self.PARAMS["invariant"].lo, self.PARAMS["invariant"].hi
            if not (lo <= x0 <= hi and qlo <= q <= qhi):
                raise ValueError(f"that start has x = {x0:.2f}, C = {q:.2f}; click closer "
                                 f"to the origin (|x| ≤ {hi:g}, {qlo:g} ≤ C ≤ {qhi:g})")
            self.set_params(x0=round(x0, 6), invariant=round(q, 6),
                            mirror=bool(w1 < 0 or (w1 == 0 and w2 < 0)))
            return
        x0, c, mirror = gf.start_from_point(w1, w2, depth=p["depth"])
        if not (lo <= x0 <= hi and c * c <= C_MAX):
            raise ValueError(f"that start has x = {x0:.2f}, c = {c * c:.2f}; click closer "
                             f"to the origin (|x| ≤ {hi:g}, c ≤ {C_MAX:g})")
        self.set_params(x0=round(x0, 6), imbalance=round(c * c, 8),
                        branch=BRANCHES[0] if c >= 0 else BRANCHES[1], mirror=mirror)

    # ------------------------------------------------------------------ steps
    @step("activation", "depth")
    def network(self, activation, depth):
        """The factorisation: linear (depth 2), a scalar chain of depth N, or a neuron"""
        if activation != "linear":
            return Network(activation, 2)
        return Network("chain", depth) if depth > 2 else Network("linear", 2)

    @step("cost", "target")
    def cost_fn(self, cost, target):
        """The cost f with its derivatives and minimisers (``gf.make_cost``)"""
        return gf.make_cost(cost, target)

    @step("imbalance", "branch")
    def w_gap(self, imbalance, branch):
        """w1² − w2² = ±√c of the start, the signed square root of the paper's c (h = 1; the
        nuclear norm ‖C‖* with the branch's sign for h > 1): the solvers' units"""
        return _w_gap(imbalance, branch)

    @step("cost_fn", "network")
    def origin(self, cost_fn, network):
        """The critical point at the origin classified from its Hessian (``gf.classify_origin``)"""
        return gf.classify_origin(cost_fn, depth=network.depth)

    @step("cost_fn", "network", "view")
    def landscape(self, cost_fn, network, view):
        """The loss gap g(w) − g* on the phase-plane grid over [−view, view]²"""
        g = np.linspace(-view, view, GRID)
        w1, w2 = np.meshgrid(g, g)
        return gf.plane_loss_gap(cost_fn, w1, w2, depth=network.depth,
                                 activation=_activation(network))

    @step("network", "view")
    def levels(self, network, view):
        """Level sets of the conserved quantity behind the portrait (``gf.level_sets``)"""
        return gf.level_sets(view, activation=_activation(network), depth=network.depth)

    @step("cost_fn", "network", "view")
    def minima(self, cost_fn, network, view):
        """The target set x(w) = x* in the plane, (w1, w2) with NaN breaks"""
        return gf.minima_curves(cost_fn, depth=network.depth, activation=_activation(network),
                                extent=view)

    @step("cost_fn", "network", "view")
    def manifolds(self, cost_fn, network, view):
        """The (centre-stable, unstable) curves of the saddle, or None where it is not strict"""
        return gf.origin_manifolds(cost_fn, depth=network.depth,
                                   activation=_activation(network), extent=view)

    @step("manifolds", "network", by_value=True)
    def phase_drawn(self, manifolds, network):
        """What the portrait's legend lists: (the saddle's manifolds drawn, named curves
        rather than lines for a neuron); by value, so the legend is redrawn only when it
        changes"""
        return (manifolds is not None, network.neuron)

    @step("x0", "w_gap", "invariant", "mirror", "network", "width")
    def start(self, x0, w_gap, invariant, mirror, network, width):
        """The initial weights: product x0 with imbalance c ([w1…, w2…] or [w_1…w_N]), or a
        neuron's (w1, w2) with product x0 and invariant C"""
        if network.neuron:
            return gf.neuron_start(x0, invariant, activation=network.model, mirror=mirror)
        return gf.initial_weights(x0, w_gap, depth=network.depth, mirror=mirror,
                                  width=width if network.model == "linear" else 1)

    @step("cost_fn", "start", "network", "method", "lr", "horizon")
    def run(self, cost_fn, start, network, method, lr, horizon):
        """The trajectory: a ``gf.FlowResult`` (or ``gf.DescentResult`` for gradient descent)"""
        if method == "gradient descent":
            n = int(min(MAX_GD_STEPS, math.ceil(horizon / lr)))
            return gf.gradient_descent(cost_fn, start, lr=lr, n_steps=n, model=network.model)
        return _flow(cost_fn, start, network, horizon)

    @step("run")
    def times(self, run):
        """The time of each sample of the run (k·η for gradient descent)"""
        return run.t if isinstance(run, gf.FlowResult) else np.arange(len(run.x)) * run.lr

    @step("run", "w_gap", "mirror")
    def plane(self, run, w_gap, mirror):
        """The run in the phase plane, (w1, w2) (width h: its equivalent scalar pair)"""
        return gf.phase_plane_coordinates(run, branch=w_gap, mirror=mirror)

    @step("cost_fn", "x0", "w_gap", "mirror", "horizon", "network")
    def closed_form(self, cost_fn, x0, w_gap, mirror, horizon, network):
        """The closed-form flow of the quadratic cost at depth 2 (t, x, w1, w2, loss), else None"""
        if cost_fn.name != "quadratic" or network.model != "linear":
            return None
        t = np.linspace(0.0, horizon, 200)
        x = gf.quadratic_flow_solution(t, x0, cost_fn.target, w_gap)
        w1, w2 = gf.scalar_pair(x, w_gap, mirror=mirror)
        return {"t": t, "x": x, "w1": w1, "w2": w2, "loss": cost_fn.f(x)}

    @step("plane", "network")
    def conserved_curve(self, plane, network):
        """The level set of the conserved quantity through the start, over the run"""
        return gf.conserved_curve(*plane, activation=_activation(network))

    @step("cost_fn", "x0", "run", "horizon", "network")
    def bound(self, cost_fn, x0, run, horizon, network):
        """The loss bound (t, d0²/2·e^(−2μ√c t)) at depth 2, else None"""
        if network.model != "linear":
            return None
        t = np.linspace(0.0, horizon, 100)
        values = gf.loss_bound(cost_fn, x0, float(run.conserved[0]), t)
        return None if values is None else (t, values)

    @step("cost_fn", "x0", "c2", "branch", "mirror", "width", "horizon", "compare", "network",
          "method")
    def compare_run(self, cost_fn, x0, c2, branch, mirror, width, horizon, compare, network,
                    method):
        """Prop. 7's second start: the flow from the same x0 with imbalance c₂ (None when off)"""
        if not (compare and network.model == "linear" and method == "gradient flow"):
            return None
        w = gf.initial_weights(x0, _w_gap(c2, branch), width=width, mirror=mirror)
        return _flow(cost_fn, w, network, horizon)

    @step("run", "compare_run", "imbalance", "c2")
    def prop7(self, run, compare_run, imbalance, c2):
        """Prop. 7 on the samples: max over t of sgn(c₂ − c)·(g₂(t) − g(t)) (≤ 0 when it holds),
        over the samples where a loss is above the integrator's resolution (1e-12)"""
        if compare_run is None or len(compare_run.loss) != len(run.loss) or imbalance == c2:
            return None
        resolved = np.maximum(run.loss, compare_run.loss) > LOSS_RESOLUTION
        gap = np.sign(c2 - imbalance) * (compare_run.loss - run.loss)
        return float(np.max(gap[resolved])) if resolved.any() else 0.0

    @step("closed_form", "bound", "compare_run", by_value=True)
    def loss_drawn(self, closed_form, bound, compare_run):
        """Which reference curves the loss panel draws (the legend lists only those)"""
        return (closed_form is not None, bound is not None, compare_run is not None)

    @step("cost_fn", "start", "network")
    def distance(self, cost_fn, start, network):
        """Prop. 5's distance d = ‖w1 − s w2ᵀ‖ (s = sgn f'(0)) to the bad set (depth 2, linear)"""
        if network.model != "linear":
            return None
        h = len(start) // 2
        return float(gf.bad_set_distance(cost_fn, start[:h], start[h:]))

    @step("cost_fn", "x0")
    def pd_pl(self, cost_fn, x0):
        """Cor. 6's PD-PŁ constant α: |f'| ≥ α(f − f*) on the sublevel set of the flow"""
        return gf.pd_pl_constant(cost_fn, x0)

    @step("cost_fn", "x0", "network", "branch", coarse=True)
    def convergence_curve(self, cost_fn, x0, network, branch, *, coarse):
        """T(c) over the panel's imbalances: numeric (NaN: not computed within T_STEPS), closed form, asymptote (None for a neuron)"""
        if network.neuron:
            return None
        cs = C_GRID[::4] if coarse else C_GRID       # a coarser curve while dragging
        gaps = np.array([_w_gap(c, branch) for c in cs])
        out = {"c": cs, "numeric": gf.convergence_time_numeric(
            cost_fn, x0, gaps, EPS, depth=network.depth, t_max=T_MAX, safety=0.2,
            max_iter=T_STEPS), "exact": None, "asymptote": None}
        if not np.isfinite(out["numeric"]).any():    # e.g. a start where f'(x0) = 0: stuck
            some = "no computed" if np.isnan(out["numeric"]).any() else "no"
            return {**out, "note": f"{some} c converges from x0 = {x0:g}"}
        if cost_fn.name == "quadratic" and network.depth == 2:
            out["exact"] = np.array([gf.convergence_time_closed_form(x0, cost_fn.target, g, EPS)
                                     for g in gaps])
        if network.depth == 2 and float(cost_fn.distance_to_minimum(x0)) > EPS:
            out["asymptote"] = gf.convergence_time_large_c(cost_fn, x0, gaps[1:], EPS)
        return out

    @step("convergence_curve", by_value=True)
    def time_drawn(self, curve):
        """Which curves the T(c) panel draws (numeric, closed form, asymptote, not-computed marks)"""
        if curve is None:
            return (False, False, False, False)
        return (bool(np.isfinite(curve["numeric"]).any()), curve["exact"] is not None,
                curve["asymptote"] is not None, bool(np.isnan(curve["numeric"]).any()))

    @step("cost_fn", "x0", "w_gap", "network")
    def convergence_time(self, cost_fn, x0, w_gap, network):
        """T at the current c (numeric; NaN for a neuron, or not computed within T_STEPS)"""
        if network.neuron:
            return math.nan
        return gf.convergence_time_numeric(cost_fn, x0, w_gap, EPS, depth=network.depth,
                                           t_max=T_MAX, safety=0.2, max_iter=T_STEPS)

    # ------------------------------------------------------------------ draws
    @draw("phase", "landscape", "levels", "minima", "manifolds", "origin", "view",
          layer="backdrop")
    def draw_landscape(self, landscape, levels, minima, manifolds, origin, view):
        plot.show_landscape(self.phase_artists, landscape, levels, minima, manifolds,
                            origin.kind == "strict saddle", view)

    @draw("phase", "view", layer="static")
    def draw_phase_window(self, view):
        self.ax_phase.set(xlim=(-view, view), ylim=(-view, view))

    @draw("phase", "phase_drawn", layer="legend")
    def draw_phase_legend(self, phase_drawn):
        manifolds, curves = phase_drawn
        plot.show_phase_legend(self.ax_phase, self.phase_artists, manifolds=manifolds,
                               curves=curves)

    @draw("phase", "network")
    def draw_note(self, network):
        self.phase_artists["note"].set_text(
            f"depth {network.depth}: w2 = w3 = … = w{network.depth} (tied layers)"
            if network.model == "chain" else
            {"sigmoid": "x = w2·σ(w1), σ(z) = z/√(1+z²)",
             "tanh": "x = w2·tanh(w1) (extension)"}.get(network.model, ""))

    @draw("phase", "plane", "run")
    def draw_trajectory(self, plane, run):
        a = self.phase_artists
        plot.show_path(a["trajectory"], a["start"], *plane,
                       discrete=isinstance(run, gf.DescentResult))

    @draw("phase", "closed_form", "conserved_curve")
    def draw_reference(self, closed_form, conserved_curve):
        curve = conserved_curve if closed_form is None else (closed_form["w1"], closed_form["w2"])
        self.phase_artists["exact"].set_data(*curve)

    @draw("phase", "plane", "times", "cursor")
    def draw_cursor(self, plane, times, cursor):
        if len(times):
            k = _cursor_index(times, cursor)
            self.phase_artists["cursor"].set_data([plane[0][k]], [plane[1][k]])

    @draw("loss", "run", "times", "cost_fn", "compare_run")
    def draw_loss(self, run, times, cost_fn, compare_run):
        plot.show_losses(self.loss_artists, times, run.loss - cost_fn.minimum,
                         discrete=isinstance(run, gf.DescentResult),
                         compare=None if compare_run is None else
                         (compare_run.t, compare_run.loss - cost_fn.minimum))

    @draw("loss", "closed_form", "bound", "cost_fn")
    def draw_loss_references(self, closed_form, bound, cost_fn):
        plot.show_loss_references(
            self.loss_artists,
            None if closed_form is None else (closed_form["t"], closed_form["loss"] - cost_fn.minimum),
            bound)

    @draw("loss", "times", "cursor")
    def draw_loss_cursor(self, times, cursor):
        # the time itself, cursor × the run's length (the phase mark is the nearest sample):
        # each step of the slider moves it, also over a short gradient-descent run
        if len(times):
            t = cursor * times[-1]
            self.loss_artists["cursor"].set_xdata([t, t])

    @draw("loss", "horizon", layer="static", coarse=True)
    def draw_loss_axis(self, horizon, *, coarse):
        # the time axis follows the horizon when the drag stops, not while dragging
        if not coarse:
            self.ax_loss.set_xlim(0, horizon)

    @draw("loss", "loss_drawn", layer="legend")
    def draw_loss_legend(self, loss_drawn):
        plot.show_loss_legend(self.ax_loss, self.loss_artists, *loss_drawn)

    @draw("time", "convergence_curve")
    def draw_convergence_curve(self, curve):
        plot.show_convergence_curve(self.time_artists, curve)

    @draw("time", "time_drawn", layer="legend")
    def draw_time_frame(self, time_drawn):
        plot.show_convergence_frame(self.ax_time, self.time_artists, *time_drawn)

    @draw("time", "convergence_time", "imbalance")
    def draw_convergence_mark(self, T, imbalance):
        plot.show_convergence_mark(self.time_artists, imbalance, T, self.ax_time.get_ylim()[1])

    # ------------------------------------------------------------------ status
    @status("origin", "run", "times", "cost_fn", "network", "horizon", "width", "distance",
            "pd_pl", "prop7", "compare_run", "c2", "convergence_curve", "convergence_time", "x0")
    def describe(self, origin, run, times, cost_fn, network, horizon, width, distance, pd_pl,
                 prop7, compare_run, c2, curve, T_here, x0):
        parts = [origin.description, _imbalance_text(run, network, width)]
        if distance is not None:
            parts.append(f"Prop. 5: d = ‖w1 − s·w2‖ = {distance:.3g}"
                         + (" (the bad set)" if distance < 1e-9 else ""))
        if pd_pl == 0:
            parts.append("PD-PŁ fails (α = 0: f' = 0 where f > f*)")
        if isinstance(run, gf.DescentResult):
            c = abs(float(run.conserved[0])) if not network.neuron else 0.0
            limit = gf.gd_step_limit(cost_fn, c)
            limit = f"{limit:.3g}" if math.isfinite(limit) else "∞ (flat minimum)"
            if run.diverged:
                parts.append(f"gradient descent diverged at step {run.diverged_at} "
                             f"(η = {run.lr:g}; stable only for η < {limit} at this c)")
            else:
                T = gf.convergence_time(times, run.x, cost_fn, EPS)
                drift = _paper_c(float(run.conserved[-1]), network)
                steps = round(T / run.lr) if math.isfinite(T) else None
                parts.append(f"η = {run.lr:g} (step limit {limit}); "
                             + (f"converged at step {steps}" if steps is not None
                                else "not converged") + f"; c drifted to {drift:.3g}")
        elif run.diverged:
            parts.append(f"the flow diverged: |w| passed {gf.DIVERGENCE_LIMIT:g} after "
                         f"t = {run.t[-1]:.3g}")
        else:
            T = gf.convergence_time(times, run.x, cost_fn, EPS)
            if math.isfinite(T):
                parts.append(f"converged (|x − x*| < {EPS:g}) at t = {T:.2f}")
            elif abs(run.x[-1]) < 1e-3 and np.max(np.abs(run.weights[-1])) < 0.05:
                parts.append("heading into the saddle")
            elif np.ptp(run.x) < 1e-12:
                parts.append(f"stuck: x = {run.x[-1]:.3g} does not move (f' = 0 there)")
            else:
                parts.append(f"not converged by t = {horizon:g} (x = {run.x[-1]:.3g})")
        if compare_run is not None:
            holds = prop7 is None or prop7 <= LOSS_RESOLUTION
            parts.append(f"Prop. 7 with c₂ = {c2:g}: "
                         + ("the larger c has the lower loss at every t" if holds else
                            f"violated by {prop7:.2g}"))
        if (not network.neuron and float(cost_fn.df(x0)) == 0
                and float(cost_fn.distance_to_minimum(x0)) >= EPS and np.ptp(run.x) >= 1e-12):
            parts.append("x0 is a critical point of f: the exact flow stays there (T = inf "
                         "at every c); the run drawn leaves it through the rounding of its "
                         "start weights")
        if curve is not None:         # the step cap left some T uncomputed: say so
            missing = int(np.isnan(curve["numeric"]).sum())
            where = [f"at {missing} of {len(curve['c'])} imbalances"] if missing else []
            where += ["at this c"] if math.isnan(T_here) else []
            if where:
                parts.append(f"T(c) not computed {' and '.join(where)} (more than {T_STEPS} "
                             f"RK4 steps before t = {T_MAX:g})")
        return " · ".join(parts).replace("= -", "= −")      # numbers get a minus sign


def _w_gap(c, branch) -> float:
    """w1² − w2² = ±√c: the paper's c in the solvers' units, with the branch's sign."""
    return math.copysign(math.sqrt(c), 1.0 if branch == BRANCHES[0] else -1.0)


def _paper_c(q, network) -> float:
    """The run's conserved value as the widget names it: the paper's c = (w1² − w2²)² for
    the linear networks, the invariant C itself for a neuron."""
    return q if network.neuron else q * q


def _flow(cost_fn, start, network, horizon):
    """The gradient flow of ``network`` from ``start`` over [0, horizon] (FLOW_SAMPLES)."""
    t = np.linspace(0.0, horizon, FLOW_SAMPLES)
    if network.neuron:
        return gf.integrate_flow(cost_fn, start[:1], start[1:], t, activation=network.model,
                                 rtol=1e-8)
    if network.model == "chain":
        return gf.integrate_chain(cost_fn, start, t, rtol=1e-8)
    h = len(start) // 2
    return gf.integrate_flow(cost_fn, start[:h], start[h:], t, rtol=1e-8)


def _imbalance_text(run, network, width) -> str:
    """The conserved quantity of the run as the status line names it: the paper's c."""
    q = float(run.conserved[0])
    if network.model == "sigmoid":
        return f"C = w2² − ½(1 + w1²)² = {q:.3g}" + (" (a separatrix)" if abs(q + 0.5) < 1e-9 else "")
    if network.model == "tanh":
        return f"C = sinh²w1 − w2² = {q:.3g}"
    if network.model == "chain":
        return f"c = (w1² − w2²)² = {q * q:.3g}"
    if width == 1:
        return f"c = 2tr(C²) − tr(C)² = (w1² − w2²)² = {q * q:.3g} (w1² − w2² = {q:.3g})"
    return f"c = 2tr(C²) − tr(C)² = ‖C‖*² = {q * q:.3g}"


def _activation(network: Network) -> str:
    return network.model if network.neuron else "linear"


def _cursor_index(times, cursor) -> int:
    """The sample marked by the time cursor (a fraction of the run)."""
    return int(round(cursor * (len(times) - 1)))
