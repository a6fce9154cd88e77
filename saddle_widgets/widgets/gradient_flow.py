"""Gradient-flow explorer: imbalance, the universal saddle and acceleration.

Three linked canvases: the phase portrait in (w1, w2), the loss against time for the
current start, and the convergence time against imbalance. Every number drawn comes from
``saddle_widgets.solvers.gradient_flow``; the artists from ``saddle_widgets.plots.gradient_flow``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np

from ..plots import gradient_flow as plot
from ..solvers import gradient_flow as gf
from ._base import Explorer, draw, status, step
from ._params import Bool, Choice, Fig, Float, Int

EXTENT = 2.5          # the phase plane shows [-EXTENT, EXTENT]^2
GRID = 121            # landscape pixels per side
EPS = 1e-3            # convergence means |x - x*| < EPS
C_MAX = 6.0
C_GRID = np.linspace(0.0, C_MAX, 49)    # imbalances of the T(c) panel (every 4th while dragging)
FLOW_SAMPLES = 161    # samples of a gradient-flow run over the horizon
MAX_GD_STEPS = 5000


def _linear(state):
    return state["activation"] == "linear"


class Network(NamedTuple):
    """The factorisation the flow runs on: ``model`` "linear" (x = w2ᵀw1, depth 2), "chain"
    (x = w_N…w_1, depth N >= 3) or "tanh" (x = w2·tanh(w1)). The width h of the linear
    model is a parameter of the start and the run only: by the exact reduction nothing
    else depends on it."""
    model: str
    depth: int


class GradientFlowExplorer(Explorer):
    """Gradient flow of f(x) with x = w2·w1 (width h), x = w_N…w_1 (depth N) or w2·tanh(w1).

    The imbalance c = w1² − w2² (signed: the hyperbola branch) is conserved by the flow;
    x0 is the initial product. Click the phase plane to set the start. The solver results
    behind the picture are in ``w.results`` (the trajectory is ``w.results["run"]``).
    """

    PARAMS = {
        "cost": Choice("cost f", "quadratic", tuple(gf.COSTS),
                       doc="the loss f(x) of the product x, minimised at the target"),
        "target": Float("target x*", 1.0, -2.0, 2.0, step=0.05,
                        doc="the minimiser x* of f (for the double well: its right minimum)"),
        "imbalance": Float("imbalance c", 0.5, -C_MAX, C_MAX, step=0.05,
                           doc="c = w1² − w2², conserved by the flow; its sign picks the "
                               "hyperbola branch"),
        "x0": Float("initial x", 0.05, -3.0, 3.0, step=0.01,
                    doc="the initial product x = w2·w1 (w1·w2^(N−1), w2·tanh(w1))"),
        "mirror": Bool("mirror start (w → −w)", False,
                       doc="start at the mirror image of the weights: same x, same c"),
        "horizon": Float("time horizon", 10.0, 1.0, 40.0, step=0.5, fmt=".1f",
                         doc="how long the flow runs (time units; for gradient descent "
                             "horizon / η steps, at most 5000)"),
        "width": Int("width h", 1, 1, 8,
                     when=lambda s: _linear(s) and s["depth"] == 2,
                     doc="hidden units of x = w2ᵀw1 (depth 2, linear)"),
        "depth": Int("depth N", 2, 2, 6, when=_linear,
                     doc="layers of the scalar chain x = w_N…w_1 (tied w2 = … = wN in the "
                         "plane)"),
        "activation": Choice("activation", "linear", ("linear", "tanh"),
                             doc="x = w2·w1, or the tanh neuron x = w2·tanh(w1) (an extension)"),
        "method": Choice("method", "gradient flow", ("gradient flow", "gradient descent"),
                         doc="the continuous flow, or discrete steps of size η"),
        "lr": Float("step size η", 0.1, 0.01, 2.0, step=0.01,
                    when=lambda s: s["method"] == "gradient descent",
                    doc="the step of gradient descent"),
        "cursor": Float("time cursor", 1.0, 0.0, 1.0, step=0.01,
                        doc="fraction of the horizon marked on the trajectory and the loss"),
    }
    FIGURES = {"phase": Fig(4.3, 4.1, click="set_start"), "loss": Fig(4.0, 2.2),
               "time": Fig(4.0, 2.2)}
    COLUMNS = [["phase"], ["loss", "time"]]
    SUMMARY_KEYS = ("cost", "target", "imbalance", "x0", "depth", "width", "method")
    PRESETS = {
        "balanced start (plateau)": {"imbalance": 0.0, "x0": 0.01, "horizon": 12.0},
        "large imbalance (fast)": {"imbalance": 4.0, "x0": 0.01, "horizon": 12.0},
        "start on the stable line (reaches the saddle)": {"imbalance": 0.0, "x0": -0.8,
                                                           "horizon": 12.0},
        "step too large (diverges)": {"imbalance": 3.0, "x0": 0.5, "method": "gradient descent",
                                      "lr": 1.2, "horizon": 10.0},
        "step near the limit (self-balances)": {"imbalance": 3.0, "x0": 0.5,
                                                "method": "gradient descent", "lr": 0.55},
        "deep chain (non-strict saddle)": {"depth": 4, "imbalance": 0.0, "x0": 0.01,
                                           "horizon": 30.0},
        "tanh neuron (extension)": {"activation": "tanh", "imbalance": 0.5, "x0": 0.05},
    }

    # ------------------------------------------------------------------ figures
    def build_phase(self, fig):
        self.ax_phase = fig.add_subplot()
        a = self.phase_artists = plot.phase_portrait(self.ax_phase, EXTENT, GRID)
        self.landscape_image, self.hyperbolas = a["landscape"], a["hyperbolas"]
        self.minima_line, self.stable_line, self.unstable_line = (
            a["minima"], a["stable"], a["unstable"])
        self.exact_curve, self.trajectory = a["exact"], a["trajectory"]
        self.start_mark, self.cursor_mark = a["start"], a["cursor"]
        self.saddle_mark, self.phase_note = a["saddle"], a["note"]
        # the landscape changes with cost, target and depth only: a cached backdrop under
        # the trajectory; axes, ticks, title and legend are the static background
        self.animate(fig, [self.exact_curve, self.trajectory, self.start_mark,
                           self.cursor_mark, self.phase_note],
                     backdrop=[self.landscape_image, self.hyperbolas, self.minima_line,
                               self.stable_line, self.unstable_line, self.saddle_mark])

    def build_loss(self, fig):
        self.ax_loss = fig.add_subplot()
        a = plot.loss_panel(self.ax_loss)
        self.loss_line, self.loss_exact = a["numeric"], a["exact"]
        self.loss_bound, self.loss_cursor = a["bound"], a["cursor"]
        self.animate(fig, [self.loss_line, self.loss_exact, self.loss_bound, self.loss_cursor])

    def build_time(self, fig):
        self.ax_time = fig.add_subplot()
        a = plot.convergence_panel(self.ax_time, C_MAX, EPS)
        self.time_numeric, self.time_exact = a["numeric"], a["exact"]
        self.time_asym, self.time_mark, self.time_note = a["asymptote"], a["mark"], a["note"]
        self.animate(fig, [self.time_numeric, self.time_exact, self.time_asym, self.time_mark,
                           self.time_note])

    def _control_panel(self):
        self.play = widgets.Play(value=100, min=0, max=100, step=2, interval=60,
                                 description="play the trajectory")
        self.play.observe(lambda ch: setattr(self.controls["cursor"], "value", ch["new"] / 100),
                          names="value")
        c = self.controls
        return [c["cost"], c["target"], c["imbalance"], c["x0"], c["mirror"], c["horizon"],
                c["width"], c["depth"], c["activation"], c["method"], c["lr"],
                self.play_row(self.play, c["cursor"])]

    # ------------------------------------------------------------------ interaction
    def set_start(self, w1: float, w2: float) -> None:
        """Start the trajectory at (w1, w2) in the phase plane (what a click does)."""
        p = self.state
        if p["activation"] == "tanh":
            x0 = float(gf.plane_product(w1, w2, activation="tanh"))
            c, mirror = float(gf.signed_imbalance(w1, w2)), bool(w1 < 0)
        else:
            x0, c, mirror = gf.start_from_point(w1, w2, depth=p["depth"])
        lo, hi = self.PARAMS["x0"].lo, self.PARAMS["x0"].hi
        if not (lo <= x0 <= hi and abs(c) <= C_MAX):
            raise ValueError(f"that start has x = {x0:.2f}, c = {c:.2f}; "
                             f"click closer to the origin (|x| ≤ {hi:g}, |c| ≤ {C_MAX:g})")
        self.set_params(x0=round(x0, 4), imbalance=round(c, 4), mirror=mirror)

    # ------------------------------------------------------------------ steps
    @step("activation", "depth")
    def network(self, activation, depth):
        """The factorisation: linear (depth 2), a scalar chain of depth N, or the tanh neuron"""
        if activation == "tanh":
            return Network("tanh", 2)
        return Network("chain", depth) if depth > 2 else Network("linear", 2)

    @step("cost", "target")
    def cost_fn(self, cost, target):
        """The cost f with its derivatives and minimisers (``gf.make_cost``)"""
        return gf.make_cost(cost, target)

    @step("cost_fn", "network")
    def origin(self, cost_fn, network):
        """The critical point at the origin classified from its Hessian (``gf.classify_origin``)"""
        return gf.classify_origin(cost_fn, depth=network.depth)

    @step("cost_fn", "network")
    def landscape(self, cost_fn, network):
        """The loss gap g(w) − g* on the phase-plane grid"""
        g = np.linspace(-EXTENT, EXTENT, GRID)
        w1, w2 = np.meshgrid(g, g)
        return gf.plane_loss_gap(cost_fn, w1, w2, depth=network.depth,
                                 activation=_activation(network))

    @step("cost_fn", "network")
    def minima(self, cost_fn, network):
        """The minima curves x(w) = x* in the plane, (w1, w2) with NaN breaks"""
        return gf.minima_curves(cost_fn, depth=network.depth, activation=_activation(network),
                                extent=EXTENT)

    @step("cost_fn", "network")
    def manifolds(self, cost_fn, network):
        """The (stable, unstable) curves of the saddle, or None where it is not strict"""
        return gf.origin_manifolds(cost_fn, depth=network.depth,
                                   activation=_activation(network), extent=EXTENT)

    @step("x0", "imbalance", "mirror", "network", "width")
    def start(self, x0, imbalance, mirror, network, width):
        """The initial weights with product x0 and imbalance c ([w1…, w2…] or [w_1…w_N])"""
        if network.model == "tanh":
            return gf.tanh_start(x0, imbalance, mirror=mirror)
        return gf.initial_weights(x0, imbalance, depth=network.depth, mirror=mirror,
                                  width=width if network.model == "linear" else 1)

    @step("cost_fn", "start", "network", "method", "lr", "horizon")
    def run(self, cost_fn, start, network, method, lr, horizon):
        """The trajectory: a ``gf.FlowResult`` (or ``gf.DescentResult`` for gradient descent)"""
        if method == "gradient descent":
            n = int(min(MAX_GD_STEPS, math.ceil(horizon / lr)))
            return gf.gradient_descent(cost_fn, start, lr=lr, n_steps=n, model=network.model)
        t = np.linspace(0.0, horizon, FLOW_SAMPLES)
        if network.model == "tanh":
            return gf.integrate_flow(cost_fn, start[:1], start[1:], t, activation="tanh",
                                     rtol=1e-8)
        if network.model == "chain":
            return gf.integrate_chain(cost_fn, start, t, rtol=1e-8)
        h = len(start) // 2
        return gf.integrate_flow(cost_fn, start[:h], start[h:], t, rtol=1e-8)

    @step("run")
    def times(self, run):
        """The time of each sample of the run (k·η for gradient descent)"""
        return run.t if isinstance(run, gf.FlowResult) else np.arange(len(run.x)) * run.lr

    @step("run", "imbalance", "mirror")
    def plane(self, run, imbalance, mirror):
        """The run in the phase plane, (w1, w2) (width h: its equivalent scalar pair)"""
        return gf.phase_plane_coordinates(run, branch=imbalance, mirror=mirror)

    @step("cost_fn", "x0", "imbalance", "mirror", "horizon", "network")
    def closed_form(self, cost_fn, x0, imbalance, mirror, horizon, network):
        """The closed-form flow of the quadratic cost at depth 2 (t, x, w1, w2, loss), else None"""
        if cost_fn.name != "quadratic" or network.model != "linear":
            return None
        t = np.linspace(0.0, horizon, 200)
        x = gf.quadratic_flow_solution(t, x0, cost_fn.target, imbalance)
        w1, w2 = gf.scalar_pair(x, imbalance, mirror=mirror)
        return {"t": t, "x": x, "w1": w1, "w2": w2, "loss": cost_fn.f(x)}

    @step("plane", "network")
    def conserved_curve(self, plane, network):
        """The level set of the conserved quantity through the start, over the run"""
        return gf.conserved_curve(*plane, activation=_activation(network))

    @step("cost_fn", "x0", "run", "horizon", "network")
    def bound(self, cost_fn, x0, run, horizon, network):
        """The loss bound (t, d0²/2·e^(−2μct)) at depth 2, else None"""
        if network.model != "linear":
            return None
        t = np.linspace(0.0, horizon, 100)
        values = gf.loss_bound(cost_fn, x0, float(run.conserved[0]), t)
        return None if values is None else (t, values)

    @step("cost_fn", "x0", "network", coarse=True)
    def convergence_curve(self, cost_fn, x0, network, *, coarse):
        """T(|c|) over the panel's imbalances: numeric, closed form, asymptote (None for tanh)"""
        if network.model == "tanh":
            return None
        cs = C_GRID[::4] if coarse else C_GRID       # a coarser curve while dragging
        out = {"c": cs, "numeric": gf.convergence_time_numeric(
            cost_fn, x0, cs, EPS, depth=network.depth, t_max=60.0, safety=0.2),
            "exact": None, "asymptote": None}
        if cost_fn.name == "quadratic" and network.depth == 2:
            out["exact"] = np.array([gf.convergence_time_closed_form(x0, cost_fn.target, c, EPS)
                                     for c in cs])
        if network.depth == 2 and float(cost_fn.distance_to_minimum(x0)) > EPS:
            out["asymptote"] = gf.convergence_time_large_c(cost_fn, x0, cs[1:], EPS)
        return out

    @step("cost_fn", "x0", "imbalance", "network")
    def convergence_time(self, cost_fn, x0, imbalance, network):
        """T at the current c (numeric; NaN for the tanh neuron)"""
        if network.model == "tanh":
            return math.nan
        return gf.convergence_time_numeric(cost_fn, x0, imbalance, EPS, depth=network.depth,
                                           t_max=60.0, safety=0.2)

    # ------------------------------------------------------------------ draws
    @draw("phase", "landscape", "minima", "manifolds", "origin", layer="backdrop")
    def draw_landscape(self, landscape, minima, manifolds, origin):
        plot.show_landscape(self.phase_artists, landscape, minima, manifolds,
                            origin.kind == "strict saddle")

    @draw("phase", "network")
    def draw_note(self, network):
        self.phase_note.set_text(
            f"depth {network.depth}: w2 = w3 = … = w{network.depth} (tied layers)"
            if network.model == "chain" else
            ("x = w2·tanh(w1)" if network.model == "tanh" else ""))

    @draw("phase", "plane", "run")
    def draw_trajectory(self, plane, run):
        plot.show_path(self.trajectory, self.start_mark, *plane,
                       discrete=isinstance(run, gf.DescentResult))

    @draw("phase", "closed_form", "conserved_curve")
    def draw_reference(self, closed_form, conserved_curve):
        if closed_form is not None:
            self.exact_curve.set_data(closed_form["w1"], closed_form["w2"])
        else:
            self.exact_curve.set_data(*conserved_curve)

    @draw("phase", "plane", "times", "cursor")
    def draw_cursor(self, plane, times, cursor):
        if len(times):
            k = _cursor_index(times, cursor)
            self.cursor_mark.set_data([plane[0][k]], [plane[1][k]])

    @draw("loss", "run", "times", "cost_fn")
    def draw_loss(self, run, times, cost_fn):
        fmin = float(np.min(cost_fn.f(np.asarray(cost_fn.minimisers))))
        self.loss_line.set_data(times, plot.positive(run.loss - fmin))
        self.loss_line.set_marker("." if isinstance(run, gf.DescentResult) else "")

    @draw("loss", "closed_form")
    def draw_loss_exact(self, closed_form):
        if closed_form is None:
            self.loss_exact.set_data([], [])
        else:
            self.loss_exact.set_data(closed_form["t"], plot.positive(closed_form["loss"]))

    @draw("loss", "bound")
    def draw_bound(self, bound):
        self.loss_bound.set_data(*(([], []) if bound is None else
                                   (bound[0], plot.positive(bound[1]))))

    @draw("loss", "times", "cursor")
    def draw_loss_cursor(self, times, cursor):
        if len(times):
            t = times[_cursor_index(times, cursor)]
            self.loss_cursor.set_xdata([t, t])

    @draw("loss", "horizon", layer="static", coarse=True)
    def draw_loss_axis(self, horizon, *, coarse):
        # the time axis follows the horizon when the drag stops, not while dragging
        if not coarse:
            self.ax_loss.set_xlim(0, horizon)

    @draw("time", "convergence_curve")
    def draw_convergence_curve(self, curve):
        self.time_note.set_text("T(c) is drawn for linear networks" if curve is None else "")
        if curve is None:
            for line in (self.time_numeric, self.time_exact, self.time_asym):
                line.set_data([], [])
            return
        cs = curve["c"]
        self.time_numeric.set_data(cs, plot.finite_or_gap(curve["numeric"]))
        self.time_exact.set_data(*(([], []) if curve["exact"] is None else
                                   (cs, plot.finite_or_gap(curve["exact"]))))
        self.time_asym.set_data(*(([], []) if curve["asymptote"] is None else
                                  (cs[1:], curve["asymptote"])))

    @draw("time", "convergence_time", "imbalance")
    def draw_convergence_mark(self, T, imbalance):
        if math.isnan(T):
            self.time_mark.set_data([], [])
        else:
            self.time_mark.set_data([abs(imbalance)], [min(T, self.ax_time.get_ylim()[1])])

    # ------------------------------------------------------------------ status
    @status("origin", "run", "times", "cost_fn", "network", "horizon")
    def describe(self, origin, run, times, cost_fn, network, horizon):
        tanh = network.model == "tanh"
        c = float(run.conserved[0])
        parts = [origin.description,
                 ("Q = sinh²w1 − w2² = " if tanh else "c = ") + f"{c:.3g}"]
        if isinstance(run, gf.DescentResult):
            limit = gf.gd_step_limit(cost_fn, c if not tanh else 0.0)
            limit = f"{limit:.3g}" if math.isfinite(limit) else "∞ (flat minimum)"
            if run.diverged:
                parts.append(f"gradient descent diverged at step {run.diverged_at} "
                             f"(η = {run.lr:g}; stable only for η < {limit} at this c)")
            else:
                T = gf.convergence_time(times, run.x, cost_fn, EPS)
                c_end = float(run.conserved[-1])
                parts.append(f"η = {run.lr:g} (step limit {limit}); "
                             + (f"converged at step {round(T / run.lr)}" if math.isfinite(T)
                                else "not converged") + f"; c drifted to {c_end:.3g}")
        else:
            T = gf.convergence_time(times, run.x, cost_fn, EPS)
            if math.isfinite(T):
                parts.append(f"converged (|x − x*| < {EPS:g}) at t = {T:.2f}")
            elif abs(run.x[-1]) < 1e-3 and abs(c) < 1e-9:
                parts.append("heading into the saddle: a balanced start on the stable line")
            else:
                parts.append(f"not converged by t = {horizon:g} (x = {run.x[-1]:.3g})")
        return " · ".join(parts)


def _activation(network: Network) -> str:
    return "tanh" if network.model == "tanh" else "linear"


def _cursor_index(times, cursor) -> int:
    """The sample marked by the time cursor (a fraction of the run)."""
    return int(round(cursor * (len(times) - 1)))
