"""Predictive-coding explorers: the energy landscape, the saddle spectrum, the escape race.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024). Every number on screen comes from
``saddle_widgets.solvers.predictive_coding``; the widgets only choose what to compute and
update matplotlib artists in place.

- ``PCLandscapeExplorer``: the MSE and the PC energy of a scalar chain over a 2-D slice of
  its weights, side by side, with normalised gradient fields, the origin classified, an
  inference-steps slider that morphs the MSE into the equilibrated energy F*, and backprop
  and predictive-coding trajectories from a clicked start (Play moves along them).
- ``SaddleSpectrumExplorer``: Hessians at the origin (or at another zero-rank saddle) of
  the MSE and of F* (numerical and theory) as heat maps, their eigenvalue histograms and
  λ_min against depth.
- ``EscapeRaceExplorer``: backprop against predictive coding from a start near the origin:
  loss curves, gradient norms and steps-to-escape against depth.
"""
from __future__ import annotations


import ipywidgets as widgets
import numpy as np
from matplotlib.colors import PowerNorm

from ..solvers import predictive_coding as pc
from ._base import OKABE_ITO, Explorer, dropdown, slider

#: escape from the origin plateau: the MSE falls below this fraction of its value at W = 0
ESCAPE_FRACTION = 0.02

BP_COLOUR = OKABE_ITO["vermillion"]
PC_COLOUR = OKABE_ITO["blue"]
THEORY_COLOUR = OKABE_ITO["black"]


# ----------------------------------------------------------------------------- shared helpers
class _RunCache:
    """Training runs keyed by (start weights, lr, method); a longer horizon continues the
    cached run from its last weights (bit-identical to one long run), a shorter one slices it."""

    def __init__(self, X, Y, maxsize=64):
        self.X, self.Y, self.maxsize = X, Y, maxsize
        self._runs = {}

    def get(self, ws, method, lr, n_steps):
        key = (tuple(np.asarray(w).tobytes() for w in ws),
               tuple(np.shape(w) for w in ws), method, float(lr))
        run = self._runs.get(key)
        if run is None or (len(run.losses) - 1 < n_steps and not run.diverged):
            if run is None:
                run = pc.train(ws, self.X, self.Y, method=method, lr=lr, n_steps=n_steps,
                               record_weights=True, on_divergence="stop")
            else:
                more = pc.train(run.weights, self.X, self.Y, method=method, lr=lr,
                                n_steps=n_steps - (len(run.losses) - 1), record_weights=True,
                                on_divergence="stop")
                run = _join(run, more)
            if len(self._runs) >= self.maxsize:
                self._runs.pop(next(iter(self._runs)))
            self._runs[key] = run
        return _head(run, n_steps)


def _join(a, b):
    """Run ``a`` followed by run ``b`` (which starts at a's last weights)."""
    cat = lambda x, y: np.concatenate([x, y[1:]])   # noqa: E731
    traj = tuple(np.concatenate([ta, tb[1:]]) for ta, tb in
                 zip(a.weight_trajectory, b.weight_trajectory))
    return pc.TrainingResult(cat(a.losses, b.losses), cat(a.energies, b.energies),
                             cat(a.grad_norms, b.grad_norms), b.weights, traj, b.diverged,
                             a.method, a.lr, a.inference)


def _head(run, n_steps):
    """The first ``n_steps`` steps of ``run``."""
    if len(run.losses) - 1 <= n_steps:
        return run
    k = n_steps + 1
    traj = tuple(t[:k] for t in run.weight_trajectory)
    return pc.TrainingResult(run.losses[:k], run.energies[:k], run.grad_norms[:k],
                             tuple(t[-1].copy() for t in traj), traj, False, run.method,
                             run.lr, run.inference)


def _lean_log_axis(ax, yticks):
    """Few ticks and no minor ticks: a log axis with minor ticks costs ~60 ms per draw."""
    from matplotlib.ticker import MaxNLocator, NullLocator
    ax.set_yticks(yticks)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(labelsize=7, length=2, pad=1)


def _origin_loss(X, Y) -> float:
    """MSE (= F*) at W = 0: ½ tr Σ_yy."""
    return 0.5 * float(np.sum(Y * Y)) / X.shape[1]


def _describe_run(name, result, threshold, n_steps):
    t = pc.steps_to_escape(result, threshold)
    if result.diverged:
        return f"{name} diverged at step {len(result.losses)} (lower the learning rate)"
    if t is not None:
        return f"{name} escapes at step {t}"
    return f"{name} still on the plateau after {n_steps} steps (MSE {result.losses[-1]:.3g})"


def _origin_words(c_energy, c_mse) -> str:
    """'origin: strict saddle of F*, λ_min = -1.02; non-strict saddle of the MSE (Hessian = 0)'."""
    e = f"{c_energy.kind} of F*, λ_min = {c_energy.lambda_min:.3g}"
    if c_mse.kind == "non-strict saddle" and c_mse.n_positive == 0:
        m = "non-strict saddle of the MSE (Hessian = 0)"
    else:
        m = f"{c_mse.kind} of the MSE, λ_min = {c_mse.lambda_min:.3g}"
    return f"{e}; {m}"


_TOY = {}


def _toy_scalar():
    """The paper's toy scalar task (seed 0, batch 64), computed once."""
    if "scalar" not in _TOY:
        _TOY["scalar"] = pc.toy_scalar_data(0)
    return _TOY["scalar"]


# ============================================================================= landscape
EXTENT = 1.5                       # the slice shows [-EXTENT, EXTENT]^2
IMAGE_GRID, IMAGE_GRID_COARSE = 61, 31
QUIVER_GRID = 15
INFERENCE_OPTIONS = [0, 1, 2, 3, 5, 10, 20, 50, 100, "equilibrium"]
PAIRS = {"last two": "w_{L−1}, w_L (last two)", "first two": "w_1, w_2 (first two)",
         "first and last": "w_1, w_L (first and last)"}
_SUB = dict(enumerate("₀₁₂₃₄₅₆₇₈₉"))
LANDSCAPE_NORM_MAX = 1.5           # colour range [0, 1.5] (√ scale); the origin sits at ~0.51


def _pair_indices(depth: int, pair: str) -> tuple[int, int]:
    """1-based layer indices of the two weights in the slice."""
    if pair == "first two":
        return 1, 2
    if pair == "first and last":
        return 1, depth
    return depth - 1, depth


def _random_chain(depth: int, scale: float, seed: int) -> np.ndarray:
    """The paper's initialisation w_l ~ N(0, scale²) for a scalar chain of ``depth`` weights."""
    return np.array([float(w[0, 0]) for w in pc.init_weights([1] * (depth + 1), scale, seed)])


def _preset_start(depth, pair="last two", scale=0.05, seed=0):
    w = _random_chain(depth, scale, seed)
    a, b = _pair_indices(depth, pair)
    return {"depth": depth, "pair": pair, "init_scale": scale, "seed": seed,
            "start_a": round(float(w[a - 1]), 4), "start_b": round(float(w[b - 1]), 4)}


class PCLandscapeExplorer(Explorer):
    """MSE and PC energy of a scalar chain y ≈ w_L ⋯ w_1 x over a 2-D slice of its weights.

    Parameters (all optional, also readable as ``widget.state``):
    depth (number of weights L = H + 1, 2-6), pair (which two weights span the slice:
    'last two', 'first two', 'first and last'; the other weights are held at their start
    values, so the slice passes through the start), init_scale and seed (the start is drawn
    w_l ~ N(0, init_scale²), as in the paper), start_a / start_b (the start of the two
    slice weights; a click on either landscape sets them), lr (learning rate of both
    trainings), train_steps (how many training steps), step (the training step marked on
    the trajectories; Play moves it), inference_steps (the right panel shows the energy
    after k Euler steps of inference from the feed-forward pass, dt = 0.1: k = 0 is the
    MSE, 'equilibrium' is F*).

    The left panel is the MSE with the backprop (BP) trajectory; the right panel is the
    energy with the predictive-coding (PC) trajectory, trained with exact inference (the
    gradient of F*). Arrows: the normalised negative gradient of the surface shown.
    Data: the paper's toy task x ~ N(1, 0.1²), y = −x, 64 samples (seed 0).
    """

    COARSE_WHILE_DRAGGING = True
    SUMMARY_KEYS = ("depth", "pair", "start_a", "start_b", "lr", "inference_steps")
    DEFAULTS = {**_preset_start(2), "lr": 0.4, "train_steps": 100, "step": 0,
                "inference_steps": "equilibrium"}
    PRESETS = {
        "paper toy chain, H = 1 (BP and PC both escape)": {**_preset_start(2), "lr": 0.4,
                                                           "train_steps": 60},
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {**_preset_start(3), "lr": 0.4,
                                                           "train_steps": 200},
        "H = 2, inference off (k = 0: the energy is the MSE)": {
            **_preset_start(3), "lr": 0.4, "train_steps": 200, "inference_steps": 0},
        "H = 3, first and last weights": {**_preset_start(4, "first and last"), "lr": 0.4,
                                          "train_steps": 250},
        "start on the diagonal w_1 = w_2 (H = 1)": {"depth": 2, "start_a": 0.3,
                                                    "start_b": 0.3, "train_steps": 60},
    }

    # ------------------------------------------------------------------ build
    def _make_controls(self):
        return {
            "depth": slider("depth L (weights; H = L − 1)", 2, 2, 6, 1, integer=True),
            "pair": dropdown("slice", [(v, k) for k, v in PAIRS.items()], "last two"),
            "init_scale": slider("initial scale σ", 0.05, 0.0, 0.5, 0.005, fmt=".3f"),
            "seed": slider("seed", 0, 0, 20, 1, integer=True),
            "start_a": slider("start (horizontal)", 0.0, -EXTENT, EXTENT, 0.001, fmt=".3f"),
            "start_b": slider("start (vertical)", 0.0, -EXTENT, EXTENT, 0.001, fmt=".3f"),
            "lr": slider("learning rate η", 0.4, 0.01, 1.5, 0.01),
            "train_steps": slider("training steps", 100, 10, 300, 10, integer=True),
            "step": slider("training step", 0, 0, 100, 1, integer=True),
            "inference_steps": widgets.SelectionSlider(
                options=[("∞ (F*)" if k == "equilibrium" else str(k), k)
                         for k in INFERENCE_OPTIONS],
                value="equilibrium", description="inference steps k",
                continuous_update=True, style={"description_width": "initial"},
                layout=widgets.Layout(width="300px")),
        }

    def _control_panel(self):
        c = self.controls
        self.play = widgets.Play(value=0, min=0, max=100, step=1, interval=80,
                                 description="play training")
        widgets.link((self.play, "value"), (c["step"], "value"))
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
                widgets.HBox([self.play, c["step"]]),
                widgets.HBox([self.play_inference, c["inference_steps"]])]

    def _make_figures(self):
        click = lambda ax, x, y: self.set_start(x, y)   # noqa: E731
        fig_m = self._figure(3.5, 3.4, click=click)
        fig_e = self._figure(3.5, 3.4, click=click)
        fig_l = self._figure(3.4, 2.3)
        self.ax_mse = fig_m.add_subplot()
        self.ax_energy = fig_e.add_subplot()
        self.ax_loss = fig_l.add_subplot()
        centres = -EXTENT + (np.arange(IMAGE_GRID) + 0.5) * 2 * EXTENT / IMAGE_GRID
        self._image_axis = {False: centres,
                            True: -EXTENT + (np.arange(IMAGE_GRID_COARSE) + 0.5)
                            * 2 * EXTENT / IMAGE_GRID_COARSE}
        q = np.linspace(-EXTENT, EXTENT, QUIVER_GRID + 2)[1:-1]
        self._quiver_axis = q
        spacing = q[1] - q[0]
        self._norm = PowerNorm(0.5, vmin=0.0, vmax=LANDSCAPE_NORM_MAX)
        parts = {}
        for name, ax in (("mse", self.ax_mse), ("energy", self.ax_energy)):
            img = ax.imshow(np.zeros((IMAGE_GRID, IMAGE_GRID)), origin="lower",
                            extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), cmap="viridis",
                            norm=self._norm, interpolation="bilinear")
            quiv = ax.quiver(*np.meshgrid(q, q), np.zeros((q.size, q.size)),
                             np.zeros((q.size, q.size)), color="white", alpha=0.75,
                             angles="xy", scale_units="xy", scale=1 / (0.7 * spacing),
                             pivot="mid", width=0.006, headwidth=3.5)
            (bp,) = ax.plot([], [], color=BP_COLOUR, lw=1.8, label="backprop")
            (pcl,) = ax.plot([], [], color=PC_COLOUR, lw=1.8, label="predictive coding")
            (start,) = ax.plot([], [], "o", color="white", mec="black", ms=6, label="start")
            (mark_bp,) = ax.plot([], [], "o", color=BP_COLOUR, mec="black", ms=6)
            (mark_pc,) = ax.plot([], [], "o", color=PC_COLOUR, mec="black", ms=6)
            (origin,) = ax.plot([0], [0], "X", color=OKABE_ITO["purple"], mec="black", ms=10,
                                label="origin")
            ax.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), aspect="equal",
                   xticks=[-1, 0, 1], yticks=[-1, 0, 1])
            ax.tick_params(labelsize=7, length=2, pad=1)
            box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)
            xlab = ax.text(0.98, 0.02, "", transform=ax.transAxes, ha="right", va="bottom",
                           fontsize=8, bbox=box)
            ylab = ax.text(0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top",
                           fontsize=8, bbox=box)
            title = ax.set_title(" ", fontsize=8.5)
            parts[name] = dict(image=img, quiver=quiv, bp=bp, pc=pcl, start=start,
                               mark_bp=mark_bp, mark_pc=mark_pc, origin=origin, xlabel=xlab,
                               ylabel=ylab, title=title)
        self._artists = parts
        self.ax_mse.legend(handles=[parts["mse"]["bp"], parts["mse"]["pc"],
                                    parts["mse"]["start"], parts["mse"]["origin"]],
                           loc="lower left", fontsize=5.5, framealpha=0.8)
        self.title_energy = parts["energy"]["title"]
        parts["mse"]["title"].set_text("MSE  L(w)  (backprop descends it)")
        # the loss panel
        ax = self.ax_loss
        (self.loss_bp,) = ax.semilogy([], [], color=BP_COLOUR, lw=1.6, label="backprop")
        (self.loss_pc,) = ax.semilogy([], [], color=PC_COLOUR, lw=1.6, label="pred. coding")
        self.loss_cursor = ax.axvline(0, color="gray", lw=0.8)
        X, Y = _toy_scalar()
        self.loss_threshold = ax.axhline(ESCAPE_FRACTION * _origin_loss(X, Y), color="gray",
                                         lw=0.8, ls=":", label="escaped below")
        ax.set(ylim=(1e-6, 5.0), xlim=(0, 100))
        ax.set_xlabel("training step", fontsize=7.5, labelpad=1)
        ax.set_ylabel("MSE", fontsize=7.5, labelpad=1)
        _lean_log_axis(ax, [1e-6, 1e-4, 1e-2, 1])
        ax.legend(loc="lower left", fontsize=6)
        # Nothing that changes lives in the static layer (frame, ticks, legend), so no control
        # pays for a full redraw of a landscape: images, arrows and labels form a cached
        # middle layer, trajectories and markers the top layer.
        middle = ["image", "quiver", "origin", "xlabel", "ylabel", "title"]
        top = ["bp", "pc", "start", "mark_bp", "mark_pc"]
        self.animate(fig_m, [parts["mse"][k] for k in top],
                     backdrop=[parts["mse"][k] for k in middle if k != "title"])
        self.animate(fig_e, [parts["energy"][k] for k in top],
                     backdrop=[parts["energy"][k] for k in middle])
        self.animate(fig_l, [self.loss_bp, self.loss_pc, self.loss_cursor])
        self._cache = _RunCache(*_toy_scalar())
        return [fig_m, fig_e, fig_l]

    def _set_values(self, values):
        # the training-step cursor ranges over 0..train_steps: widen or narrow it first
        n, ctl = values.get("train_steps"), self.controls["train_steps"]
        if isinstance(n, (int, np.integer)) and ctl.min <= n <= ctl.max:
            with self._quietly():
                self.controls["step"].max = int(n)
                self.play.max = int(n)
        super()._set_values(values)

    # ------------------------------------------------------------------ interaction
    def set_start(self, a: float, b: float) -> None:
        """Start both trainings at (a, b) in the slice (what a click does); the other
        weights keep their start values."""
        if not (abs(a) <= EXTENT and abs(b) <= EXTENT):
            raise ValueError(f"the start must lie in the shown square |w| ≤ {EXTENT:g}")
        self.set_state(start_a=round(float(a), 3), start_b=round(float(b), 3))

    def random_start(self) -> None:
        """Draw the start in the slice from N(0, σ²) (a fresh seed)."""
        seed = (self.controls["seed"].value + 1) % (self.controls["seed"].max + 1)
        self.controls["seed"].value = seed

    def start_weights(self) -> np.ndarray:
        """The start of both trainings: w_l = σ ξ_l (seeded), the slice pair replaced by
        (start_a, start_b)."""
        p = self.state
        w = _random_chain(p["depth"], p["init_scale"], p["seed"])
        a, b = _pair_indices(p["depth"], p["pair"])
        w[a - 1], w[b - 1] = p["start_a"], p["start_b"]
        return w

    # ------------------------------------------------------------------ update
    def _update(self, changed, coarse):
        c = self.controls
        p = self.state
        L = p["depth"]
        a, b = _pair_indices(L, p["pair"])
        X, Y = _toy_scalar()
        slice_keys = {"depth", "pair", "init_scale", "seed"}
        if changed & slice_keys and not changed & {"start_a", "start_b"}:
            # a fresh start drawn from N(0, σ²) when the chain, slice, scale or seed change
            w = _random_chain(L, p["init_scale"], p["seed"])
            with self._quietly():
                c["start_a"].value = float(np.clip(round(w[a - 1], 4), -EXTENT, EXTENT))
                c["start_b"].value = float(np.clip(round(w[b - 1], 4), -EXTENT, EXTENT))
            p = self.state
        if "train_steps" in changed:
            with self._quietly():
                c["step"].max = p["train_steps"]
                self.play.max = p["train_steps"]
            p = self.state
        if not coarse and self.ax_loss.get_xlim()[1] != p["train_steps"]:
            self.ax_loss.set_xlim(0, p["train_steps"])    # fixed axes while dragging
            self.invalidate(self.figures[2])
        w0 = self.start_weights()
        refine = not changed      # refine() after a drag: redraw everything at full quality
        if changed & slice_keys or refine or getattr(self, "_coarse_image", False):
            self._mse = self._landscape(w0, a, b, "mse", None, coarse)
            self._coarse_image = coarse
            self._show_landscape("mse", self._mse)
            for name in ("mse", "energy"):
                self._artists[name]["xlabel"].set_text(f"w{_SUB[a]} →")
                self._artists[name]["ylabel"].set_text(f"w{_SUB[b]} ↑")
            self._classify(L, X, Y)
        if changed & (slice_keys | {"inference_steps"}) or refine \
                or getattr(self, "_coarse_energy", False):
            k = p["inference_steps"]
            self._energy = self._landscape(w0, a, b, "energy",
                                           None if k == "equilibrium" else k, coarse)
            self._coarse_energy = coarse
            self._show_landscape("energy", self._energy)
            self.title_energy.set_text(
                "equilibrated energy F* (k = ∞)" if k == "equilibrium"
                else ("energy at k = 0: the MSE" if k == 0
                      else f"energy F after k = {k} inference steps"))
        if changed & (slice_keys | {"start_a", "start_b", "lr", "train_steps"}):
            self._train(w0, X, Y, p)
        self._draw_step(p)
        return self._status(p, X, Y)

    def _landscape(self, w0, a, b, objective, k, coarse):
        X, Y = _toy_scalar()
        g = self._image_axis[bool(coarse)]
        img = pc.scalar_chain_landscape(g, g, depth=len(w0), X=X, Y=Y, pair=(a, b), fixed=w0,
                                        objective=objective, inference_steps=k,
                                        gradient=False)
        q = self._quiver_axis
        field = pc.scalar_chain_landscape(q, q, depth=len(w0), X=X, Y=Y, pair=(a, b),
                                          fixed=w0, objective=objective, inference_steps=k)
        return img, field

    def _show_landscape(self, name, result):
        img, field = result
        art = self._artists[name]
        art["image"].set_data(img.values)
        norm = np.hypot(field.grad_a, field.grad_b)
        flat = norm <= 1e-12 * max(1.0, float(np.max(norm)))
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.where(flat, 0.0, -field.grad_a / norm)
            v = np.where(flat, 0.0, -field.grad_b / norm)
        art["quiver"].set_UVC(u, v)

    def _classify(self, L, X, Y):
        widths = [1] * (L + 1)
        self._origin = {obj: pc.classify_critical_point(
            pc.origin_hessian_theory(widths, X, Y, objective=obj), is_minimum=False)
            for obj in ("mse", "energy")}
        for name, obj in (("mse", "mse"), ("energy", "energy")):
            strict = self._origin[obj].kind == "strict saddle"
            self._artists[name]["origin"].set_markerfacecolor(
                OKABE_ITO["purple"] if strict else "white")

    def _train(self, w0, X, Y, p):
        ws = [np.array([[v]]) for v in w0]
        self._runs = {m: self._cache.get(ws, m, p["lr"], p["train_steps"])
                      for m in ("bp", "pc")}
        a, b = _pair_indices(p["depth"], p["pair"])
        for method, line_key in (("bp", "bp"), ("pc", "pc")):
            traj = self._runs[method].weight_trajectory
            xa, xb = traj[a - 1][:, 0, 0], traj[b - 1][:, 0, 0]
            for name in ("mse", "energy"):
                self._artists[name][line_key].set_data(xa, xb)
        for name in ("mse", "energy"):
            self._artists[name]["start"].set_data([w0[a - 1]], [w0[b - 1]])
        for run, line in ((self._runs["bp"], self.loss_bp), (self._runs["pc"], self.loss_pc)):
            steps = np.arange(len(run.losses))
            line.set_data(steps, np.maximum(run.losses, 1e-300))

    def _draw_step(self, p):
        t = p["step"]
        for method, key in (("bp", "mark_bp"), ("pc", "mark_pc")):
            xa, xb = self._artists["mse"][method].get_data()
            i = min(t, len(xa) - 1)
            for name in ("mse", "energy"):
                self._artists[name][key].set_data([xa[i]], [xb[i]])
        self.loss_cursor.set_xdata([t, t])

    def _status(self, p, X, Y):
        threshold = ESCAPE_FRACTION * _origin_loss(X, Y)
        parts = ["origin: " + _origin_words(self._origin["energy"], self._origin["mse"])]
        n = p["train_steps"]
        parts.append(_describe_run("BP", self._runs["bp"], threshold, n) + "; "
                     + _describe_run("PC", self._runs["pc"], threshold, n))
        t = p["step"]
        lb, lp = (r.losses[min(t, len(r.losses) - 1)] for r in (self._runs["bp"],
                                                                 self._runs["pc"]))
        parts.append(f"step {t}: MSE {lb:.3g} (BP), {lp:.3g} (PC)")
        k = p["inference_steps"]
        if k != "equilibrium":
            parts.append(f"right panel: energy after {k} inference step{'s' if k != 1 else ''}"
                         + (" (= the MSE)" if k == 0 else ""))
        return " · ".join(parts)


# ============================================================================= spectrum
SPECTRUM_POINTS = ("origin", "other zero-rank saddle")
MAX_WEIGHTS = 160          # a live numerical Hessian of F* costs ~0.3 ms per weight
HEAT_RANGE = 2.0           # heat maps share the fixed symmetric colour range [-2, 2]
HIST_BINS = 41             # odd: the middle bin holds the zero eigenvalues
SPECTRUM_DEPTHS = (1, 2, 3, 4)


def _widths(hidden, width, dim):
    return [dim] + [width] * hidden + [dim]


class SaddleSpectrumExplorer(Explorer):
    """Hessians of the MSE and of the equilibrated energy F* at a zero-rank saddle of a deep
    linear network, as heat maps and eigenvalue histograms, and λ_min against depth.

    Parameters: hidden (H = 1-4 hidden layers), width (units per hidden layer), dim (input =
    output dimension), point ('origin' or 'other zero-rank saddle': all weights zero except
    W_{L−1} ~ N(0, saddle_scale²) drawn with ``seed``), altered_target (the paper's H = 4
    data: output row 2 replaced by fresh noise). Data: the paper's Gaussian toy task
    X ~ N(1, 0.1²), Y = −X, 64 samples (seed 0). Panels: the MSE Hessian and the F* Hessian
    by finite differences (``numerical_hessian``), F* from theory, all on one symmetric colour
    scale; the eigenvalue histograms of the three; λ_min of the MSE and of F* for H = 1-4.
    """

    COARSE_WHILE_DRAGGING = True
    SUMMARY_KEYS = ("hidden", "width", "dim", "point")
    DEFAULTS = {"hidden": 2, "width": 5, "dim": 2, "point": "origin", "saddle_scale": 1.0,
                "seed": 0, "altered_target": False}
    PRESETS = {
        "paper: H = 1, width 8 (paper: 10)": {"hidden": 1, "width": 8},
        "paper: H = 2, width 5": {"hidden": 2, "width": 5},
        "paper: H = 3, width 4": {"hidden": 3, "width": 4},
        "paper: H = 4, width 4, altered target": {"hidden": 4, "width": 4,
                                                  "altered_target": True},
        "other zero-rank saddle, H = 3 (Theorem 3)": {"hidden": 3, "width": 4,
                                                      "point": "other zero-rank saddle"},
        "other zero-rank saddle, H = 2": {"hidden": 2, "width": 3,
                                          "point": "other zero-rank saddle"},
    }

    def _make_controls(self):
        return {
            "hidden": slider("hidden layers H", 2, 1, 4, 1, integer=True),
            "width": slider("width (units per hidden layer)", 5, 1, 8, 1, integer=True),
            "dim": slider("input = output dimension", 2, 1, 3, 1, integer=True),
            "point": dropdown("critical point", list(SPECTRUM_POINTS), "origin"),
            "saddle_scale": slider("scale of W_{L−1} (other saddle)", 1.0, 0.0, 2.0, 0.05),
            "seed": slider("seed of W_{L−1}", 0, 0, 20, 1, integer=True),
            "altered_target": widgets.Checkbox(value=False, indent=False,
                                               description="altered target (paper, H = 4)"),
        }

    def _make_figures(self):
        fig_h = self._figure(7.4, 2.6)
        fig_s = self._figure(3.6, 2.5)
        fig_d = self._figure(3.4, 2.5)
        self._build_heat(fig_h)
        self._build_spectrum(fig_s.add_subplot())
        self._build_depth(fig_d.add_subplot())
        self.animate(fig_h, [*self.heat_images, *self.heat_grids, self.heat_note])
        self.animate(fig_s, [*self.hist.values(), self.hist_note])
        self.animate(fig_d, [self.depth_mse, self.depth_energy, self.depth_mark_mse,
                             self.depth_mark_energy])
        self._numeric_cache, self._depth_cache = {}, {}
        return [fig_h, fig_s, fig_d]

    def _build_heat(self, fig):
        axes = fig.subplots(1, 3)
        self.heat_images, self.heat_grids = [], []
        titles = ["MSE (numerical)", "F* (numerical)", "F* (theory)"]
        for ax, title in zip(axes, titles):
            im = ax.imshow(np.zeros((2, 2)), extent=(0, 1, 1, 0), cmap="RdBu_r",
                           vmin=-HEAT_RANGE, vmax=HEAT_RANGE, interpolation="nearest")
            (grid,) = ax.plot([], [], color="gray", lw=0.5)
            ax.set(xlim=(0, 1), ylim=(1, 0), xticks=[], yticks=[])
            ax.set_title(title, fontsize=8.5)
            self.heat_images.append(im)
            self.heat_grids.append(grid)
        fig.colorbar(self.heat_images[0], ax=list(axes), shrink=0.8, pad=0.02,
                     ticks=[-HEAT_RANGE, 0, HEAT_RANGE]).ax.tick_params(labelsize=7)
        self.heat_note = axes[1].text(0.5, 0.5, "", ha="center", va="center", fontsize=7.5,
                                      transform=axes[1].transAxes,
                                      bbox=dict(fc="white", ec="gray", alpha=0.9))
        self.heat_axes = axes

    def _build_spectrum(self, ax):
        self.ax_spec = ax
        edges = np.linspace(-1, 1, HIST_BINS + 1)
        ones = np.full(HIST_BINS, 0.7)
        self.hist = {
            "mse": ax.stairs(ones, edges, baseline=0.7, color=BP_COLOUR, lw=1.6, label="MSE"),
            "energy": ax.stairs(ones, edges, baseline=0.7, color=PC_COLOUR, lw=1.6,
                                label="F* numerical"),
            "theory": ax.stairs(ones, edges, baseline=0.7, color=THEORY_COLOUR, lw=1.0,
                                ls="--", label="F* theory"),
        }
        ax.axvline(0, color="gray", lw=0.6)
        ax.set_yscale("log")
        ax.set(ylim=(0.7, 400), xlim=(-1, 1))
        _lean_log_axis(ax, [1, 10, 100])
        ax.set_xlabel("Hessian eigenvalue λ", fontsize=7.5, labelpad=1)
        ax.set_ylabel("count", fontsize=7.5, labelpad=1)
        ax.legend(loc="upper left", fontsize=6)
        self.hist_note = ax.text(0.98, 0.97, "", transform=ax.transAxes, ha="right", va="top",
                                 fontsize=6.5)
        self._xmax = 1.0

    def _build_depth(self, ax):
        self.ax_depth = ax
        (self.depth_mse,) = ax.plot([], [], "o-", color=BP_COLOUR, lw=1.5, ms=4, label="MSE")
        (self.depth_energy,) = ax.plot([], [], "s-", color=PC_COLOUR, lw=1.5, ms=4,
                                       label="F*")
        (self.depth_mark_mse,) = ax.plot([], [], "o", mfc="none", mec="black", ms=10)
        (self.depth_mark_energy,) = ax.plot([], [], "o", mfc="none", mec="black", ms=10)
        ax.axhline(0, color="gray", lw=0.6)
        ax.set(xlim=(0.6, 4.4), xticks=list(SPECTRUM_DEPTHS), ylim=(-3, 0.5))
        ax.set_xlabel("hidden layers H", fontsize=7.5, labelpad=1)
        ax.set_ylabel("λ_min at the saddle", fontsize=7.5, labelpad=1)
        ax.tick_params(labelsize=7, length=2, pad=1)
        ax.legend(loc="lower right", fontsize=6)
        self._ylim_depth = (-3, 0.5)

    # ------------------------------------------------------------------ solvers
    def _data(self, p):
        return pc.gaussian_toy_data(0, dim=p["dim"], batch=64,
                                    altered_target=p["altered_target"])

    def _weights(self, p, hidden=None):
        widths = _widths(hidden or p["hidden"], p["width"], p["dim"])
        if p["point"] == "origin":
            return [np.zeros((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
        if len(widths) - 1 < 3:
            raise ValueError("the other zero-rank saddle (all weights zero except W_{L−1}) "
                             "needs H ≥ 2 hidden layers: with H = 1 it is not a critical "
                             "point. Choose H ≥ 2 or the origin")
        return pc.zero_rank_saddle_weights(widths, scale=p["saddle_scale"], seed=p["seed"])

    def _theory(self, p, ws, X, Y, objective):
        if p["point"] == "origin":
            widths = [ws[0].shape[1]] + [w.shape[0] for w in ws]
            return pc.origin_hessian_theory(widths, X, Y, objective=objective)
        return pc.zero_rank_saddle_hessian_theory(ws, X, Y, objective=objective)

    def hessians(self, coarse=False):
        """{'mse', 'energy', 'theory'} Hessians at the chosen point ('mse'/'energy' by finite
        differences, None while dragging if not yet computed)."""
        p = self.state
        X, Y = self._data(p)
        ws = self._weights(p)
        P = sum(w.size for w in ws)
        key = tuple(sorted(p.items()))
        if key not in self._numeric_cache and not coarse:
            if P > MAX_WEIGHTS:
                raise ValueError(f"this network has {P} weights; the live numerical Hessian "
                                 f"is limited to {MAX_WEIGHTS}: lower the width or depth")
            self._numeric_cache[key] = (pc.numerical_hessian(ws, X, Y, objective="mse"),
                                        pc.numerical_hessian(ws, X, Y, objective="energy"))
        mse, energy = self._numeric_cache.get(key, (None, None))
        return {"mse": mse, "energy": energy, "theory": self._theory(p, ws, X, Y, "energy"),
                "mse_theory": self._theory(p, ws, X, Y, "mse"), "weights": ws}

    def lambda_min_by_depth(self, coarse=False):
        """{'hidden': [...], 'mse': [...], 'energy': [...]}: λ_min of the theory Hessians
        (classify_critical_point) at the chosen kind of point, for H = 1-4."""
        p = self.state
        key = tuple((k, v) for k, v in sorted(p.items()) if k != "hidden")
        if coarse and key not in self._depth_cache:
            return None
        if key not in self._depth_cache:
            X, Y = self._data(p)
            out = {"hidden": [], "mse": [], "energy": []}
            for H in SPECTRUM_DEPTHS:
                if p["point"] != "origin" and H < 2:
                    continue
                ws = self._weights(p, H)
                out["hidden"].append(H)
                for obj in ("mse", "energy"):
                    c = pc.classify_critical_point(self._theory(p, ws, X, Y, obj),
                                                   is_minimum=False)
                    out[obj].append(c.lambda_min)
            self._depth_cache[key] = {k: np.asarray(v, float) for k, v in out.items()}
        return self._depth_cache[key]

    # ------------------------------------------------------------------ update
    def _update(self, changed, coarse):
        p = self.state
        other = p["point"] != "origin"
        self.controls["saddle_scale"].disabled = not other
        self.controls["seed"].disabled = not other
        hs = self.hessians(coarse)
        ws = hs["weights"]
        P = sum(w.size for w in ws)
        numeric = hs["energy"] is not None
        shown = [hs["mse"] if numeric else hs["mse_theory"],
                 hs["energy"] if numeric else np.zeros_like(hs["theory"]), hs["theory"]]
        for im, H in zip(self.heat_images, shown):
            im.set_data(H)
        self.heat_images[1].set_alpha(1.0 if numeric else 0.15)
        self.heat_note.set_text("" if numeric else "finite differences\nfollow on release")
        # layer boundaries on the heat maps
        cuts = np.cumsum([w.size for w in ws])[:-1] / P
        # one polyline without NaN gaps: up and down the vertical cuts, then back and forth
        # along the horizontal ones; every join runs along the frame
        xs, ys, y_end = [0.0], [0.0], 0.0
        for i, c in enumerate(cuts):
            ends = (0.0, 1.0) if i % 2 == 0 else (1.0, 0.0)
            xs += [c, c]
            ys += list(ends)
            y_end = ends[1]
        xs += [1.0]
        ys += [y_end]
        for i, c in enumerate(cuts):
            ends = (1.0, 0.0) if i % 2 == 0 else (0.0, 1.0)
            xs += list(ends)
            ys += [c, c]
        for g in self.heat_grids:
            g.set_data(xs, ys)
        # spectra
        lams = {"theory": np.linalg.eigvalsh(hs["theory"])}
        lams["mse"] = np.linalg.eigvalsh(shown[0])
        if numeric:
            lams["energy"] = np.linalg.eigvalsh(hs["energy"])
        big = max(float(np.max(np.abs(v))) for v in lams.values())
        xmax = next((m for m in (0.5, 1, 2, 3, 5, 10, 20, 50) if m >= 1.05 * big), 100.0)
        if xmax != self._xmax:
            self._xmax = xmax
            self.ax_spec.set_xlim(-xmax, xmax)
            self.invalidate(self.figures[1])
        edges = np.linspace(-xmax, xmax, HIST_BINS + 1)
        self.histograms = {}
        for name, art in self.hist.items():
            lam = lams.get(name)
            art.set_visible(lam is not None)
            if lam is None:
                continue
            counts = np.histogram(np.clip(lam, -xmax, xmax), edges)[0]
            self.histograms[name] = counts
            art.set_data(np.maximum(counts, 0.7), edges, baseline=0.7)
        self.hist_note.set_text(f"{P} weights")
        # λ_min against depth
        d = self.lambda_min_by_depth(coarse)
        for line in (self.depth_mse, self.depth_energy, self.depth_mark_mse,
                     self.depth_mark_energy):
            line.set_visible(d is not None)
        if d is None:              # while dragging: the depth sweep follows on release
            return self._status(p, hs, P, numeric)
        self.depth_mse.set_data(d["hidden"], d["mse"])
        self.depth_energy.set_data(d["hidden"], d["energy"])
        i = list(d["hidden"]).index(p["hidden"])
        self.depth_mark_mse.set_data([p["hidden"]], [d["mse"][i]])
        self.depth_mark_energy.set_data([p["hidden"]], [d["energy"][i]])
        lo = min(-1.0, float(np.min(d["energy"])), float(np.min(d["mse"])))
        ylim = (-next((m for m in (1, 2, 3, 5, 10, 15, 20, 30, 50, 100, 200) if m >= -lo * 1.1),
                      -lo * 1.1), 0.5)
        if ylim != self._ylim_depth:
            self._ylim_depth = ylim
            self.ax_depth.set_ylim(*ylim)
            self.invalidate(self.figures[2])
        return self._status(p, hs, P, numeric)

    def _status(self, p, hs, P, numeric):
        where = ("origin" if p["point"] == "origin"
                 else f"zero-rank saddle (W_{p['hidden']} ~ N(0, {p['saddle_scale']:g}²))")
        head = f"{where}, H = {p['hidden']}, width {p['width']}, {P} weights: "
        th = pc.classify_critical_point(hs["theory"], is_minimum=False)
        mt = pc.classify_critical_point(hs["mse_theory"], is_minimum=False)
        if not numeric:
            return head + _origin_words(th, mt) + " (theory; finite differences follow)"
        ce = pc.classify_critical_point(hs["energy"], is_minimum=False)
        cm = pc.classify_critical_point(hs["mse"], is_minimum=False)
        err = float(np.max(np.abs(hs["energy"] - hs["theory"])))
        return (head + _origin_words(ce, cm)
                + f" · theory λ_min(F*) = {th.lambda_min:.3g}, max |numerical − theory| = "
                f"{err:.1e}")


# ============================================================================= escape race
RACE_DEPTHS = (1, 2, 3, 4, 5)
RACE_CHUNK = 25            # the depth sweep trains in chunks and stops once both escaped


class EscapeRaceExplorer(Explorer):
    """Backprop (gradient descent on the MSE) against predictive coding (gradient descent on
    F*, exact inference) from the same start near the origin of a deep linear network.

    Parameters: hidden (H = 1-5 hidden layers), width (units per hidden layer), dim (input =
    output dimension), init_scale (w ~ N(0, init_scale²), as in the paper), lr (learning
    rate of both), seed (of the initial weights), train_steps (horizon). Data: the paper's
    toy task x ~ N(1, 0.1²), y = −x (per dimension), 64 samples, seed 0. Escape = the MSE
    falls below 2 % of its value at the origin (½ tr Σ_yy). Panels: MSE and gradient norm
    against training step; steps to escape against depth H = 1-5 for the same settings
    (cached, so changing the depth is cheap; while dragging other sliders the sweep shows
    what is cached and is completed on release).
    """

    COARSE_WHILE_DRAGGING = True
    SUMMARY_KEYS = ("hidden", "width", "dim", "init_scale", "lr", "seed")
    DEFAULTS = {"hidden": 2, "width": 1, "dim": 1, "init_scale": 0.05, "lr": 0.4, "seed": 0,
                "train_steps": 200}
    PRESETS = {
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {},
        "H = 1: both escape": {"hidden": 1, "train_steps": 100},
        "H = 3, longer horizon": {"hidden": 3, "train_steps": 300},
        "wide net: width 8, dim 2, H = 2": {"width": 8, "dim": 2, "hidden": 2},
        "tiny initialisation σ = 0.005 (paper's deep nets)": {"init_scale": 0.005,
                                                               "hidden": 2, "train_steps": 300},
        "learning rate too large (diverges)": {"hidden": 1, "lr": 1.5, "train_steps": 60},
    }

    def _make_controls(self):
        return {
            "hidden": slider("hidden layers H", 2, 1, max(RACE_DEPTHS), 1, integer=True),
            "width": slider("width (units per hidden layer)", 1, 1, 8, 1, integer=True),
            "dim": slider("input = output dimension", 1, 1, 3, 1, integer=True),
            "init_scale": slider("initial scale σ", 0.05, 0.001, 0.5, 0.001, fmt=".3f"),
            "lr": slider("learning rate η", 0.4, 0.01, 1.5, 0.01),
            "seed": slider("seed", 0, 0, 20, 1, integer=True),
            "train_steps": slider("training steps", 200, 20, 400, 10, integer=True),
        }

    def _make_figures(self):
        fig_c = self._figure(4.2, 3.6)
        fig_e = self._figure(3.4, 2.6)
        ax_l, ax_g = fig_c.subplots(2, 1, sharex=True)
        self.ax_loss, self.ax_grad = ax_l, ax_g
        (self.loss_bp,) = ax_l.semilogy([], [], color=BP_COLOUR, lw=1.6, label="backprop")
        (self.loss_pc,) = ax_l.semilogy([], [], color=PC_COLOUR, lw=1.6,
                                        label="predictive coding")
        (self.loss_threshold,) = ax_l.plot([], [], color="gray", lw=0.8, ls=":",
                                           label="escaped below")
        ax_l.set_ylim(1e-7, 10)
        _lean_log_axis(ax_l, [1e-6, 1e-4, 1e-2, 1])
        ax_l.set_ylabel("MSE", fontsize=7.5, labelpad=1)
        ax_l.legend(loc="lower left", fontsize=6)
        (self.grad_bp,) = ax_g.semilogy([], [], color=BP_COLOUR, lw=1.6)
        (self.grad_pc,) = ax_g.semilogy([], [], color=PC_COLOUR, lw=1.6)
        ax_g.set_ylim(1e-12, 1e2)
        _lean_log_axis(ax_g, [1e-12, 1e-8, 1e-4, 1])
        ax_g.set_ylabel("‖update‖", fontsize=7.5, labelpad=1)
        ax_g.set_xlabel("training step", fontsize=7.5, labelpad=1)
        ax_l.set_xlim(0, self.DEFAULTS["train_steps"])
        ax = fig_e.add_subplot()
        self.ax_escape = ax
        (self.esc_bp,) = ax.plot([], [], "o-", color=BP_COLOUR, lw=1.5, ms=4, label="backprop")
        (self.esc_pc,) = ax.plot([], [], "s-", color=PC_COLOUR, lw=1.5, ms=4,
                                 label="predictive coding")
        (self.esc_bp_never,) = ax.plot([], [], "^", mfc="none", mec=BP_COLOUR, ms=7,
                                       label="not within the horizon")
        (self.esc_pc_never,) = ax.plot([], [], "^", mfc="none", mec=PC_COLOUR, ms=7)
        (self.esc_mark,) = ax.plot([], [], "|", color="black", ms=30, mew=0.8)
        ax.set(xlim=(0.6, max(RACE_DEPTHS) + 0.4), xticks=list(RACE_DEPTHS))
        ax.set_ylim(0, self.DEFAULTS["train_steps"] * 1.08)
        ax.set_xlabel("hidden layers H", fontsize=7.5, labelpad=1)
        ax.set_ylabel("steps to escape", fontsize=7.5, labelpad=1)
        ax.tick_params(labelsize=7, length=2, pad=1)
        ax.legend(loc="upper left", fontsize=6)
        self.animate(fig_c, [self.loss_bp, self.loss_pc, self.loss_threshold, self.grad_bp,
                             self.grad_pc])
        self.animate(fig_e, [self.esc_bp, self.esc_pc, self.esc_bp_never, self.esc_pc_never,
                             self.esc_mark])
        self._caches, self._escape = {}, {}
        self._xlim = self.DEFAULTS["train_steps"]
        return [fig_c, fig_e]

    # ------------------------------------------------------------------ solvers
    def _cache(self, dim):
        if dim not in self._caches:
            self._caches[dim] = _RunCache(*pc.gaussian_toy_data(0, dim=dim, batch=64))
        return self._caches[dim]

    def _start(self, p, hidden):
        return pc.init_weights(_widths(hidden, p["width"], p["dim"]), p["init_scale"],
                               p["seed"])

    def runs(self, p=None, hidden=None):
        """{'bp': TrainingResult, 'pc': TrainingResult} for the current settings."""
        p = p or self.state
        ws = self._start(p, hidden or p["hidden"])
        cache = self._cache(p["dim"])
        return {m: cache.get(ws, m, p["lr"], p["train_steps"]) for m in ("bp", "pc")}

    def threshold(self, dim=None):
        X, Y = self._cache(dim or self.state["dim"]).X, self._cache(dim or self.state["dim"]).Y
        return ESCAPE_FRACTION * _origin_loss(X, Y)

    def escape_steps(self, hidden, p=None):
        """(steps to escape with BP, with PC) at depth ``hidden``; None = not within the
        horizon or diverged. Trains in chunks and stops once both have escaped."""
        p = p or self.state
        key = (hidden, p["width"], p["dim"], p["init_scale"], p["lr"], p["seed"],
               p["train_steps"])
        if key not in self._escape:
            ws = self._start(p, hidden)
            cache, thr = self._cache(p["dim"]), self.threshold(p["dim"])
            out = {}
            for m in ("bp", "pc"):
                n = min(RACE_CHUNK, p["train_steps"])
                while True:
                    r = cache.get(ws, m, p["lr"], n)
                    t = pc.steps_to_escape(r, thr)
                    if t is not None or r.diverged or n >= p["train_steps"]:
                        break
                    n = min(n + RACE_CHUNK, p["train_steps"])
                out[m] = None if r.diverged and t is None else t
            self._escape[key] = (out["bp"], out["pc"])
        return self._escape[key]

    # ------------------------------------------------------------------ update
    def _update(self, changed, coarse):
        p = self.state
        n = p["train_steps"]
        if n != self._xlim and not coarse:     # fixed axes while dragging; rescale on release
            self._xlim = n
            self.ax_loss.set_xlim(0, n)
            self.ax_escape.set_ylim(0, n * 1.08)
            self.invalidate(*self.figures)
        runs = self.runs(p)
        for r, loss, grad in ((runs["bp"], self.loss_bp, self.grad_bp),
                              (runs["pc"], self.loss_pc, self.grad_pc)):
            steps = np.arange(len(r.losses))
            loss.set_data(steps, np.maximum(r.losses, 1e-300))
            grad.set_data(steps, np.maximum(r.grad_norms, 1e-300))
        thr = self.threshold()
        self.loss_threshold.set_data([0, n], [thr, thr])
        # the depth sweep: cached points at once, the rest unless dragging
        sweep = {}
        for H in RACE_DEPTHS:
            key = (H, p["width"], p["dim"], p["init_scale"], p["lr"], p["seed"], n)
            if H == p["hidden"] or not coarse or key in self._escape:
                sweep[H] = self.escape_steps(H, p)
        self.sweep = sweep
        for i, (line, never) in enumerate(((self.esc_bp, self.esc_bp_never),
                                           (self.esc_pc, self.esc_pc_never))):
            hs = [H for H in sweep if sweep[H][i] is not None]
            line.set_data(hs, [sweep[H][i] for H in hs])
            hn = [H for H in sweep if sweep[H][i] is None]
            never.set_data(hn, [n] * len(hn))
        self.esc_mark.set_data([p["hidden"]], [n * 0.5])
        return self._status(p, runs, thr, len(sweep) < len(RACE_DEPTHS))

    def _status(self, p, runs, thr, partial):
        X, Y = self._cache(p["dim"]).X, self._cache(p["dim"]).Y
        widths = _widths(p["hidden"], p["width"], p["dim"])
        if sum(a * b for a, b in zip(widths[1:], widths[:-1])) <= 400:
            origin = {obj: pc.classify_critical_point(
                pc.origin_hessian_theory(widths, X, Y, objective=obj), is_minimum=False)
                for obj in ("mse", "energy")}
            head = "origin: " + _origin_words(origin["energy"], origin["mse"]) + " · "
        else:
            head = ""
        t_bp, t_pc = self.sweep[p["hidden"]]
        n = p["train_steps"]
        parts = [_describe_run("BP", runs["bp"], thr, n), _describe_run("PC", runs["pc"], thr, n)]
        race = "; ".join(parts)
        if t_bp is not None and t_pc is not None and t_pc > 0:
            race += f" ({t_bp / t_pc:.1f}× faster with PC)"
        tail = " · depth sweep completes on release" if partial else ""
        return f"H = {p['hidden']}: {race} · {head}escape = MSE < {thr:.3g}{tail}"

