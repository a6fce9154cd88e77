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

import contextlib
import math

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
class _Common:
    """Private helpers shared by the three explorers (mixed in before ``Explorer``)."""

    @contextlib.contextmanager
    def _quietly(self):
        """Change control values or ranges without triggering an update."""
        old, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = old

    def _set_values(self, values):
        # the base validates sliders and dropdowns; SelectionSliders need the same care
        for name, value in values.items():
            control = self.controls.get(name)
            if isinstance(control, widgets.SelectionSlider):
                opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
                if not any(value == o and type(value) is type(o) for o in opts):
                    raise ValueError(f"{name} must be one of {opts}, got {value!r}")
        super()._set_values(values)

    # -------------------------------------------------------------- three-layer blitting
    # The base blits the dynamic artists of a figure over a cached static background.
    # Landscapes add a middle layer: an image and a gradient field that change with some
    # controls (depth, inference steps) but not with others (the training step, the
    # start). The middle layer is painted over the static background once and cached, so
    # moving a marker costs a blit of a few lines, and a new landscape costs the image
    # and arrows only, never ticks, labels and legends.
    def _layers(self, fig, middle, top) -> None:
        """Blit ``middle`` (cached once painted) and ``top`` (painted every time) of ``fig``."""
        middle, top = list(middle), list(top)
        self.animate(fig, middle + top)
        if not hasattr(self, "_middle"):
            self._middle, self._middle_bg = {}, {}
        self._middle[fig] = middle
        self._middle_bg[fig] = None

    def _touch_middle(self, *figs) -> None:
        """The middle layer of ``figs`` changed: repaint it at the next redraw."""
        for fig in figs:
            self._middle_bg[fig] = None
            fig.stale = True

    def redraw(self) -> None:
        """The base's redraw (full draw where the static layer changed, else a blit), with
        the cached middle layer of ``_layers`` between background and top.

        matplotlib does not propagate staleness from animated artists to their figure, so a
        figure is also redrawn when one of its dynamic artists is stale."""
        middle = getattr(self, "_middle", {})
        for fig in self.figures:
            dynamic = self._dynamic.get(fig, [])
            mid = middle.get(fig, [])
            if mid and any(a.stale for a in mid):
                self._middle_bg[fig] = None
            if not (fig.stale or any(a.stale for a in dynamic)):
                continue
            canvas = fig.canvas
            background = self._background.get(fig)
            if fig not in self._dynamic or background is None:
                canvas.draw()            # fires on_draw, which paints the dynamic artists
                if fig.get_layout_engine() is not None:
                    fig.set_layout_engine("none")
                if fig in middle:
                    self._middle_bg[fig] = None
            else:
                if mid and self._middle_bg[fig] is not None:
                    canvas.restore_region(self._middle_bg[fig])
                else:
                    canvas.restore_region(background)
                    for a in mid:
                        if a.get_visible():
                            fig.draw_artist(a)
                    if mid:
                        self._middle_bg[fig] = canvas.copy_from_bbox(fig.bbox)
                for a in dynamic:
                    if a.get_visible() and not any(a is m for m in mid):
                        fig.draw_artist(a)
                canvas.blit(fig.bbox)
            for a in dynamic:
                a.stale = False
            fig.stale = False


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


def _escape_step(result, threshold):
    return pc.steps_to_escape(result, threshold)


def _describe_run(name, result, threshold, n_steps):
    t = _escape_step(result, threshold)
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
            "start_a": round(w[a - 1], 4), "start_b": round(w[b - 1], 4)}


class PCLandscapeExplorer(_Common, Explorer):
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
        self._layers(fig_m, [parts["mse"][k] for k in middle if k != "title"],
                     [parts["mse"][k] for k in top])
        self._layers(fig_e, [parts["energy"][k] for k in middle],
                     [parts["energy"][k] for k in top])
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
            self.ax_loss.set_xlim(0, p["train_steps"])
            self.invalidate(self.figures[2])
            p = self.state
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
            self._touch_middle(*self.figures[:2])
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
            self._touch_middle(self.figures[1])
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

    def _summary(self):
        p = self.state
        return (f"PCLandscapeExplorer(depth={p['depth']}, pair={p['pair']!r}, "
                f"start=({p['start_a']:g}, {p['start_b']:g}), lr={p['lr']:g}, "
                f"inference_steps={p['inference_steps']!r})\n{self.status_text}")
