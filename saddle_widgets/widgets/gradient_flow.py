"""Gradient-flow explorer: imbalance, the universal saddle and acceleration.

Three linked canvases: the phase portrait in (w1, w2), the loss against time for the
current start, and the convergence time against imbalance.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from ..solvers import gradient_flow as gf
from ._base import OKABE_ITO, Explorer, dropdown, slider

EXTENT = 2.5          # the phase plane shows [-EXTENT, EXTENT]^2
GRID = 121
EPS = 1e-3            # convergence means |x - x*| < EPS
C_MAX = 6.0


class GradientFlowExplorer(Explorer):
    """Gradient flow of f(x) with x = w2·w1 (width h), x = w_N…w_1 (depth N) or w2·tanh(w1).

    Parameters (all optional, also readable as ``widget.state``): cost, target,
    imbalance (c = w1² − w2², signed: the hyperbola branch), x0 (initial product),
    mirror (start at the mirror image w → −w), horizon, width, depth, activation,
    method ("gradient flow" / "gradient descent"), lr (step size), cursor (fraction
    of the horizon marked on the trajectory). Click the phase plane to set the start.
    """

    COARSE_WHILE_DRAGGING = True
    COLUMNS = [[0], [1, 2]]
    SUMMARY_KEYS = ("cost", "target", "imbalance", "x0", "depth", "width", "method")
    DEFAULTS = {
        "cost": "quadratic", "target": 1.0, "imbalance": 0.5, "x0": 0.05, "mirror": False,
        "horizon": 10.0, "width": 1, "depth": 2, "activation": "linear",
        "method": "gradient flow", "lr": 0.1, "cursor": 1.0,
    }
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

    # ------------------------------------------------------------------ build
    def _make_controls(self):
        return {
            "cost": dropdown("cost f", list(gf.COSTS), "quadratic"),
            "target": slider("target x*", 1.0, -2.0, 2.0, 0.05),
            "imbalance": slider("imbalance c = w1²−w2²", 0.5, -C_MAX, C_MAX, 0.05),
            "x0": slider("initial x = w2·w1", 0.05, -3.0, 3.0, 0.01),
            "mirror": widgets.Checkbox(value=False, description="mirror start (w → −w)",
                                       indent=False),
            "horizon": slider("time horizon", 10.0, 1.0, 40.0, 0.5, fmt=".1f"),
            "width": slider("width h", 1, 1, 8, 1, integer=True),
            "depth": slider("depth N", 2, 2, 6, 1, integer=True),
            "activation": dropdown("activation", ["linear", "tanh"], "linear"),
            "method": dropdown("method", ["gradient flow", "gradient descent"], "gradient flow"),
            "lr": slider("step size η", 0.1, 0.01, 2.0, 0.01),
            "cursor": slider("time cursor (fraction)", 1.0, 0.0, 1.0, 0.01),
        }

    def _control_panel(self):
        self.play = widgets.Play(value=100, min=0, max=100, step=2, interval=60,
                                 description="play the trajectory")
        self.play.observe(lambda ch: setattr(self.controls["cursor"], "value", ch["new"] / 100),
                          names="value")
        c = self.controls
        return [c["cost"], c["target"], c["imbalance"], c["x0"], c["mirror"], c["horizon"],
                c["width"], c["depth"], c["activation"], c["method"], c["lr"],
                widgets.HBox([self.play, c["cursor"]])]

    def _make_figures(self):
        self._times_coarse = False
        fig_p = self._figure(4.3, 4.1, click=lambda ax, x, y: self.set_start(x, y))
        fig_l = self._figure(4.0, 2.2)
        fig_t = self._figure(4.0, 2.2)
        self._build_phase(fig_p.add_subplot())
        self._build_loss(fig_l.add_subplot())
        self._build_time(fig_t.add_subplot())
        # the landscape changes with cost, target and depth only: a cached backdrop under
        # the trajectory; axes, ticks, title and legend are the static background
        self.animate(fig_p, [self.exact_curve, self.trajectory, self.start_mark,
                             self.cursor_mark, self.phase_note],
                     backdrop=[self.landscape, self.hyperbolas, self.minima_line,
                               self.stable_line, self.unstable_line, self.saddle_mark])
        self.animate(fig_l, [self.loss_line, self.loss_exact, self.loss_bound, self.loss_cursor])
        self.animate(fig_t, [self.time_numeric, self.time_exact, self.time_asym, self.time_mark,
                             self.time_note])
        return [fig_p, fig_l, fig_t]

    def _build_phase(self, ax):
        self.ax_phase = ax
        g = np.linspace(-EXTENT, EXTENT, GRID)
        self._w1g, self._w2g = np.meshgrid(g, g)
        self.landscape = ax.imshow(np.zeros((GRID, GRID)), extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
                                   origin="lower", cmap="cividis", vmin=-4, vmax=1, alpha=0.85,
                                   interpolation="bilinear")
        # the family of conserved hyperbolas w1^2 - w2^2 = const: a static layer, drawn once
        self.hyperbolas = ax.contour(self._w1g, self._w2g, self._w1g ** 2 - self._w2g ** 2,
                                     levels=np.linspace(-6, 6, 13), colors="white",
                                     linewidths=0.5, alpha=0.5)
        (self.minima_line,) = ax.plot([], [], color=OKABE_ITO["green"], lw=2.5,
                                      label="minima (x = x*)")
        (self.stable_line,) = ax.plot([], [], color=OKABE_ITO["blue"], lw=1.5, ls="--",
                                      label="stable line")
        (self.unstable_line,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.5, ls="--",
                                        label="unstable line")
        (self.exact_curve,) = ax.plot([], [], color="black", lw=1, ls=(0, (4, 3)),
                                      label="exact / conserved curve")
        (self.trajectory,) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2.2, marker="",
                                     label="trajectory")
        (self.start_mark,) = ax.plot([], [], "o", color=OKABE_ITO["orange"], mec="black", ms=7)
        (self.cursor_mark,) = ax.plot([], [], "o", color="white", mec="black", ms=6)
        (self.saddle_mark,) = ax.plot([0], [0], "X", color=OKABE_ITO["purple"], mec="black",
                                      ms=10, label="saddle")
        self.phase_note = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=7,
                                  bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        ax.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), xlabel="w1", ylabel="w2",
               aspect="equal")
        ax.set_title("phase portrait (click to set the start)", fontsize=9)
        # outside the axes: the landscape is blitted over the plot area only
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=6.5,
                  frameon=False)

    def _build_loss(self, ax):
        self.ax_loss = ax
        (self.loss_line,) = ax.semilogy([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
        (self.loss_exact,) = ax.semilogy([], [], color="black", lw=1, ls="--", label="closed form")
        (self.loss_bound,) = ax.semilogy([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                         label="bound e^(−2μct)")
        self.loss_cursor = ax.axvline(0, color="gray", lw=0.8)
        ax.set(ylim=(1e-12, 1e2), xlabel="time t", ylabel="f(x) − f(x*)")
        ax.legend(loc="upper right", fontsize=6.5)

    def _build_time(self, ax):
        self.ax_time = ax
        self._cs = np.linspace(0.0, C_MAX, 49)
        (self.time_numeric,) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
        (self.time_exact,) = ax.plot([], [], color="black", lw=1, ls="--", label="closed form")
        (self.time_asym,) = ax.plot([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                    label="(1/c) ln(|x0−x*|/ε)")
        (self.time_mark,) = ax.plot([], [], "o", color=OKABE_ITO["vermillion"], mec="black")
        self.time_note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", fontsize=8)
        ax.set(xlim=(0, C_MAX), ylim=(0, 15), xlabel="imbalance |c|",
               ylabel=f"time to |x−x*|<{EPS:g}")
        ax.legend(loc="upper right", fontsize=6.5)

    # ------------------------------------------------------------------ interaction
    def set_start(self, w1: float, w2: float) -> None:
        """Start the trajectory at (w1, w2) in the phase plane (what a click does)."""
        depth = self.controls["depth"].value if self.controls["activation"].value == "linear" else 2
        if self.controls["activation"].value == "tanh":
            x0, c, mirror = w2 * math.tanh(w1), w1 * w1 - w2 * w2, w1 < 0
        else:
            x0, c, mirror = gf.start_from_point(w1, w2, depth=depth)
        lo, hi = self.controls["x0"].min, self.controls["x0"].max
        if not (lo <= x0 <= hi and abs(c) <= C_MAX):
            raise ValueError(f"that start has x = {x0:.2f}, c = {c:.2f}; "
                             f"click closer to the origin (|x| ≤ {hi:g}, |c| ≤ {C_MAX:g})")
        self.set_state(x0=round(x0, 4), imbalance=round(c, 4), mirror=mirror)

    # ------------------------------------------------------------------ update
    def _start_weights(self, p):
        if p["activation"] == "tanh":
            return self._tanh_start(p["x0"], p["imbalance"], p["mirror"])
        return gf.initial_weights(p["x0"], p["imbalance"], width=p["width"], depth=p["depth"],
                                  mirror=p["mirror"])

    @staticmethod
    def _tanh_start(x0, c, mirror):
        """(w1, w2) with w2 tanh(w1) = x0 on the hyperbola w1^2 - w2^2 = c (bisection in w1)."""
        lo, hi = math.sqrt(max(c, 0.0)), 50.0
        f = lambda a: math.sqrt(max(a * a - c, 0.0)) * math.tanh(a) - abs(x0)
        if f(hi) < 0:
            raise ValueError("the tanh neuron cannot reach that x0 on this hyperbola")
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
        w1 = 0.5 * (lo + hi)
        w2 = math.copysign(math.sqrt(max(w1 * w1 - c, 0.0)), x0)
        return np.array([-w1, -w2] if mirror else [w1, w2])

    def _update(self, changed, coarse):
        p = self.state
        cost = gf.make_cost(p["cost"], p["target"])
        tanh = p["activation"] == "tanh"
        depth = 2 if tanh else p["depth"]
        width = 1 if tanh or depth > 2 else p["width"]
        self.controls["width"].disabled = tanh or depth > 2
        self.controls["depth"].disabled = tanh
        self.controls["lr"].disabled = p["method"] == "gradient flow"
        landscape_keys = {"cost", "target", "depth", "activation"}
        fig_p, fig_l, fig_t = self.figures
        if changed & landscape_keys:
            self._draw_landscape(cost, depth, tanh)
        if not coarse and self.ax_loss.get_xlim()[1] != p["horizon"]:
            # the time axis follows the horizon when the drag stops, not while dragging
            self.ax_loss.set_xlim(0, p["horizon"])
            self.invalidate(fig_l)
        self.time_note.set_text("T(c) is drawn for linear networks" if tanh else "")
        if changed - {"cursor"}:
            self.result = self._run(p, cost, depth, width, tanh)
            self._draw_trajectory(p, cost, depth, width, tanh)
        curve_keys = landscape_keys | {"x0", "mirror"}
        if changed & curve_keys or (not changed and self._times_coarse):
            self._draw_times(p, cost, depth, tanh, coarse, curve=True)
        elif "imbalance" in changed:
            self._draw_times(p, cost, depth, tanh, coarse, curve=False)
        self._draw_cursor(p)
        return self._status(p, cost, depth, width, tanh)

    def _run(self, p, cost, depth, width, tanh):
        w0 = self._start_weights(p)
        if p["method"] == "gradient descent":
            n = int(min(5000, math.ceil(p["horizon"] / p["lr"])))
            model = "tanh" if tanh else ("chain" if depth > 2 else "linear")
            return gf.gradient_descent(cost, w0, lr=p["lr"], n_steps=n, model=model)
        t = np.linspace(0.0, p["horizon"], 161)
        if tanh:
            return gf.integrate_flow(cost, w0[:1], w0[1:], t, activation="tanh", rtol=1e-8)
        if depth > 2:
            return gf.integrate_chain(cost, w0, t, rtol=1e-8)
        return gf.integrate_flow(cost, w0[:width], w0[width:], t, rtol=1e-8)

    def _times(self, p):
        r = self.result
        if isinstance(r, gf.DescentResult):
            return np.arange(len(r.x)) * p["lr"]
        return r.t

    def _plane_coords(self, p, width, depth):
        """Phase-plane coordinates: the weights for h = 1 and chains (w_1, w_2), and the
        equivalent scalar pair (same x, same c) for width h > 1."""
        w = self.result.weights
        if width > 1:
            c = gf.imbalance(w[0, :width], w[0, width:]) * (1 if p["imbalance"] >= 0 else -1)
            return gf.scalar_pair(self.result.x, c, mirror=p["mirror"])
        return w[:, 0], w[:, 1]

    def _draw_landscape(self, cost, depth, tanh):
        w1, w2 = self._w1g, self._w2g
        x = w2 * np.tanh(w1) if tanh else w1 * w2 ** (depth - 1)
        fmin = float(np.min(cost.f(np.asarray(cost.minimisers))))
        self.landscape.set_data(np.log10(np.maximum(cost.f(x) - fmin, 1e-4)))
        segs = []
        w1s = np.linspace(-EXTENT, EXTENT, 400)
        with np.errstate(divide="ignore", invalid="ignore"):
            for m in cost.minimisers:
                if tanh:
                    w2s = m / np.tanh(w1s)
                    segs += [w1s[w1s > 0], w2s[w1s > 0], w1s[w1s < 0], w2s[w1s < 0]]
                    continue
                r = m / w1s
                k = depth - 1
                root = np.sign(r) * np.abs(r) ** (1.0 / k)
                for side in (w1s > 0, w1s < 0):
                    if k % 2 == 1:
                        segs += [w1s[side], root[side]]
                    else:
                        ok = side & (r > 0)
                        segs += [w1s[ok], root[ok], w1s[ok], -root[ok]]
        xs, ys = [], []
        for a, b in zip(segs[::2], segs[1::2]):
            xs += [a, [np.nan]]
            ys += [b, [np.nan]]
        ys = np.concatenate(ys)
        ys[np.abs(ys) > 2 * EXTENT] = np.nan
        self.minima_line.set_data(np.concatenate(xs), ys)
        sad = gf.classify_origin(cost, depth=depth)
        if sad.stable_direction is not None and tanh:
            # Q = sinh^2 w1 - w2^2 = 0: stable w2 = sgn(f'(0)) sinh w1, unstable the other branch
            w1s = np.linspace(-EXTENT, EXTENT, 200)
            sgn = math.copysign(1.0, float(cost.df(0.0)))
            self.stable_line.set_data(w1s, sgn * np.sinh(w1s))
            self.unstable_line.set_data(w1s, -sgn * np.sinh(w1s))
        elif sad.stable_direction is not None:
            s = np.array([-2 * EXTENT, 2 * EXTENT])
            self.stable_line.set_data(s * sad.stable_direction[0], s * sad.stable_direction[1])
            self.unstable_line.set_data(s * sad.unstable_direction[0],
                                        s * sad.unstable_direction[1])
        else:
            self.stable_line.set_data([], [])
            self.unstable_line.set_data([], [])
        self.saddle_mark.set_markerfacecolor(OKABE_ITO["purple"] if sad.kind == "strict saddle"
                                             else "white")
        self.phase_note.set_text(f"depth {depth}: w2 = w3 = … = w{depth} (tied layers)"
                                 if depth > 2 else ("x = w2·tanh(w1)" if tanh else ""))

    def _draw_trajectory(self, p, cost, depth, width, tanh):
        r = self.result
        t = self._times(p)
        a, b = self._plane_coords(p, width, depth)
        descent = isinstance(r, gf.DescentResult)
        self.trajectory.set_data(a, b)
        self.trajectory.set_marker("." if descent else "")
        self.start_mark.set_data(a[:1], b[:1])
        closed = p["cost"] == "quadratic" and depth == 2 and not tanh
        if closed:
            te = np.linspace(0.0, p["horizon"], 200)
            xe = gf.quadratic_flow_solution(te, p["x0"], p["target"], p["imbalance"])
            ea, eb = gf.scalar_pair(xe, p["imbalance"], mirror=p["mirror"])
            self.exact_curve.set_data(ea, eb)
            self.loss_exact.set_data(te, np.maximum(cost.f(xe), 1e-300))
        else:
            self.exact_curve.set_data(*self._conserved_curve(a, b, tanh))
            self.loss_exact.set_data([], [])
        fmin = float(np.min(cost.f(np.asarray(cost.minimisers))))
        self.loss_line.set_data(t, np.maximum(r.loss - fmin, 1e-300))
        self.loss_line.set_marker("." if descent else "")
        mu = self._mu(cost, p["x0"])
        if depth == 2 and not tanh and mu is not None:
            d0 = float(cost.distance_to_minimum(p["x0"]))
            c = abs(float(r.conserved[0])) if width == 1 else gf.imbalance(
                r.weights[0, :width], r.weights[0, width:])
            tb = np.linspace(0, p["horizon"], 100)
            self.loss_bound.set_data(tb, np.maximum(0.5 * d0 ** 2 * np.exp(-2 * mu * c * tb),
                                                    1e-300))
        else:
            self.loss_bound.set_data([], [])

    @staticmethod
    def _conserved_curve(a, b, tanh):
        """The level set of the conserved quantity through the start, between start and end."""
        if len(a) < 2:
            return [], []
        if tanh:
            q = math.sinh(a[0]) ** 2 - b[0] ** 2
            bs = np.linspace(min(b), max(b), 100)
            return np.sign(a[0]) * np.arcsinh(np.sqrt(np.maximum(q + bs ** 2, 0))), bs
        c = a[0] ** 2 - b[0] ** 2
        if c >= 0:
            bs = np.linspace(min(b), max(b), 100)
            return np.sign(a[0] or 1) * np.sqrt(c + bs ** 2), bs
        as_ = np.linspace(min(a), max(a), 100)
        return as_, np.sign(b[0] or 1) * np.sqrt(as_ ** 2 - c)

    @staticmethod
    def _mu(cost, x0):
        """mu with (x - x*) f'(x) >= mu (x - x*)^2 on |x - x*| <= |x0 - x*| (None if no bound)."""
        d0 = float(cost.distance_to_minimum(x0))
        if cost.name == "quadratic":
            return 1.0
        if cost.name == "log-cosh":
            return math.tanh(d0) / d0 if d0 > 0 else 1.0
        return None

    def _draw_times(self, p, cost, depth, tanh, coarse, curve):
        if tanh:
            for line in (self.time_numeric, self.time_exact, self.time_asym, self.time_mark):
                line.set_data([], [])
            self._T_now = math.nan
            return
        c_now = p["imbalance"]
        if not curve:
            self._T_now = gf.convergence_time_numeric(cost, p["x0"], c_now, EPS, depth=depth,
                                                      t_max=60.0, safety=0.2)
            self._mark_time(c_now)
            return
        cs = self._cs[::4] if coarse else self._cs        # a coarser curve while dragging
        self._times_coarse = coarse
        T = gf.convergence_time_numeric(cost, p["x0"], np.append(cs, c_now), EPS, depth=depth,
                                        t_max=60.0, safety=0.2)
        T, self._T_now = T[:-1], float(T[-1])
        self.time_numeric.set_data(cs, np.where(np.isfinite(T), T, np.nan))
        d0 = float(cost.distance_to_minimum(p["x0"]))
        if p["cost"] == "quadratic" and depth == 2:
            Te = [gf.convergence_time_closed_form(p["x0"], p["target"], c, EPS) for c in cs]
            self.time_exact.set_data(cs, np.where(np.isfinite(Te), Te, np.nan))
        else:
            self.time_exact.set_data([], [])
        if depth == 2 and d0 > EPS:
            self.time_asym.set_data(cs[1:], np.log(d0 / EPS) / cs[1:])
        else:
            self.time_asym.set_data([], [])
        self._mark_time(c_now)

    def _mark_time(self, c_now):
        top = self.ax_time.get_ylim()[1]
        self.time_mark.set_data([abs(c_now)], [min(self._T_now, top)])

    def _draw_cursor(self, p):
        t = self._times(p)
        if len(t) == 0:
            return
        k = int(round(p["cursor"] * (len(t) - 1)))
        a, b = self.trajectory.get_data()
        self.cursor_mark.set_data([a[k]], [b[k]])
        self.loss_cursor.set_xdata([t[k], t[k]])

    def _status(self, p, cost, depth, width, tanh):
        sad = gf.classify_origin(cost, depth=depth)
        if sad.kind == "strict saddle":
            parts = [f"origin: strict saddle (eigenvalues ±{abs(float(cost.df(0.0))):.3g})"]
        else:
            parts = [sad.description]
        r = self.result
        c = float(r.conserved[0]) if width == 1 else float(
            gf.imbalance(r.weights[0, :width], r.weights[0, width:]))
        parts.append(("Q = sinh²w1 − w2² = " if tanh else "c = ") + f"{c:.3g}")
        if isinstance(r, gf.DescentResult):
            limit = gf.gd_step_limit(cost, c if not tanh else 0.0)
            limit = f"{limit:.3g}" if math.isfinite(limit) else "∞ (flat minimum)"
            if r.diverged:
                parts.append(f"gradient descent diverged at step {r.diverged_at} "
                             f"(η = {p['lr']:g}; stable only for η < {limit} at this c)")
            else:
                T = gf.convergence_time(np.arange(len(r.x)) * p["lr"], r.x, cost, EPS)
                c_end = float(r.conserved[-1])
                parts.append(f"η = {p['lr']:g} (step limit {limit}); "
                             + (f"converged at step {round(T / p['lr'])}" if math.isfinite(T)
                                else "not converged") + f"; c drifted to {c_end:.3g}")
        else:
            T = gf.convergence_time(r.t, r.x, cost, EPS)
            if math.isfinite(T):
                parts.append(f"converged (|x − x*| < {EPS:g}) at t = {T:.2f}")
            elif abs(r.x[-1]) < 1e-3 and abs(c) < 1e-9:
                parts.append("heading into the saddle: a balanced start on the stable line")
            else:
                parts.append(f"not converged by t = {p['horizon']:g} (x = {r.x[-1]:.3g})")
        return " · ".join(parts)
