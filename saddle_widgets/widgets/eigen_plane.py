"""EigenPlaneExplorer: a wide network's MSE and F* on the origin Hessian's eigen-plane.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024), whose toy figure shows a wide network's landscape
on the plane of the top and bottom eigenvectors of the Hessian at the origin. Every number
comes from ``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

from ..plots import predictive_coding as pcplot
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Fig, Float, Int

HORIZON_BLOCK = 50           # runs are trained to train_steps rounded up to this, then cut
PLANE_POINTS = 31            # grid points per side of the plane
MAX_WEIGHTS = 400            # the Hessian at the origin is P × P
COARSE_STEPS = 100           # steps trained while a slider is dragged


class EigenPlaneExplorer(Explorer):
    """A wide network's MSE and F* on the origin Hessian's eigen-plane, BP and PC paths on it.

    A deep linear network's MSE and equilibrated energy F* on the plane through the origin
    spanned by the top and bottom eigenvectors of F*'s Hessian there, with backprop's and
    predictive coding's weight paths projected on it.

    Parameters: hidden (H = 1-4 hidden layers), width (units per hidden layer), dim (input =
    output dimension), init_scale (w ~ N(0, σ²); the paper's deep-network 0.005), lr
    (learning rate of both), seed (of the initial weights), train_steps (horizon), extent
    (the plane shown, a and b in [−extent, extent]). Data: the paper's Gaussian toy data
    x ~ N(1, 0.1²), y = −x, one fixed batch of 64 (seed 0); PC with exact inference (descent
    on F*). The plane θ = a·u + b·v, u the top and v the bottom eigen-direction
    (``pc.origin_eigendirections``); a path's coordinates are θ_t·u and θ_t·v
    (``pc.project_trajectory``). Left: the MSE with backprop's path; right: F* with PC's,
    one colour scale. For H ≥ 2 the MSE is flat on the plane (W_{L:1} = 0 there), while F*
    curves down along v (λ = −λ_max(Σ_yy)). Escape = the MSE below 2 % of its value at the
    origin. Results: ``w.results["directions"]``, ``["plane"]``, ``["runs"]`` ({'bp', 'pc'}:
    ``TrainingResult``), ``["paths"]`` ({'bp', 'pc'}: (a, b)), ``["escape"]`` ({'bp', 'pc'}:
    steps to escape or None).
    """

    PARAMS = {
        "hidden": Int("hidden layers H", 2, 1, 4, doc="depth of the network"),
        "width": Int("width", 8, 1, 8, doc="units per hidden layer"),
        "dim": Int("in = out dim", 2, 1, 3, doc="input = output dimension"),
        "init_scale": Float("initial scale σ", 0.005, 0.001, 0.2, step=0.001, fmt=".3f",
                            doc="initial weights w ~ N(0, σ²)"),
        "lr": Float("learning rate η", 0.4, 0.01, 1.0, step=0.01,
                    doc="learning rate of both trainings"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the initial weights"),
        "train_steps": Int("training steps", 400, 20, 400, step=10, doc="the horizon"),
        "extent": Float("plane extent", 0.6, 0.1, 2.0, step=0.1,
                        doc="a and b span [−extent, extent]"),
    }
    FIGURES = {"plane": Fig(5.8, 2.8)}
    PRESETS = {
        "wide net, H = 2: MSE flat, F* curves down (tutorial)": {},
        "H = 1: a strict saddle of both objectives": {"hidden": 1, "train_steps": 100},
        "H = 3: backprop stays on the plateau": {"hidden": 3},
        "scalar chain H = 2 (width 1, dim 1), σ = 0.05": {"width": 1, "dim": 1,
                                                           "init_scale": 0.05,
                                                           "train_steps": 200,
                                                           "extent": 1.0},
    }

    # ------------------------------------------------------------------ figures
    def build_plane(self, fig):
        self.panel = pcplot.eigenplane_axes(fig, self.DEFAULTS["extent"])
        moving = [*self.panel["paths"].values(), *self.panel["starts"].values(),
                  *self.panel["ends"].values(), self.panel["clock"]]
        self.animate(fig, moving, backdrop=self.panel["images"])

    # ------------------------------------------------------------------ steps
    @step("dim")
    def data(self, dim):
        """The paper's Gaussian toy data (X, Y = −X), 64 samples, seed 0."""
        return pc.gaussian_toy_data(0, dim=dim, batch=64)

    @step("hidden", "width", "dim")
    def widths(self, hidden, width, dim):
        """Layer sizes (dim, width, ..., width, dim)."""
        widths = pc.network_widths(hidden, width, dim)
        if sum(a * b for a, b in zip(widths[1:], widths[:-1])) > MAX_WEIGHTS:
            raise ValueError(f"at most {MAX_WEIGHTS} weights: reduce the width or the depth")
        return widths

    @step("data", "widths", cache=8)
    def directions(self, data, widths):
        """{'top', 'bottom', 'lambda_top', 'lambda_bottom'}: ``pc.origin_eigendirections``."""
        return pc.origin_eigendirections(widths, *data)

    @step("data", "widths", "directions", "extent", cache=8)
    def plane(self, data, widths, directions, extent):
        """The MSE and F* on the plane (``pc.eigenplane_landscape``, 31 × 31 points)."""
        return pc.eigenplane_landscape(widths, *data, (directions["top"], directions["bottom"]),
                                       extent=extent, n=PLANE_POINTS)

    @step("data")
    def threshold(self, data):
        """Escape threshold: 2 % of the MSE at the origin."""
        return pc.escape_threshold(data[1])

    @step("train_steps", by_value=True)
    def horizon(self, train_steps):
        """How far the runs are trained: train_steps rounded up to a block of 50."""
        return pc.training_horizon(train_steps, HORIZON_BLOCK)

    @step("data", "widths", "init_scale", "lr", "seed", cache=8)
    def trainings(self, data, widths, init_scale, lr, seed):
        """Backprop and PC from w ~ N(0, σ²) (``pc.Trainings``: a longer horizon continues)."""
        return pc.Trainings(pc.init_weights(widths, init_scale, seed), data, lr)

    @step("trainings", "horizon", "train_steps", coarse=True, cache=8)
    def runs(self, trainings, horizon, train_steps, *, coarse):
        """{'bp', 'pc'}: both trainings, train_steps steps, weights recorded; while a slider
        is dragged the first 100 steps (the release continues them to the horizon)."""
        n = min(train_steps, COARSE_STEPS) if coarse else train_steps
        return {m: pc.truncate_run(r, n)
                for m, r in trainings.runs(min(horizon, n) if coarse else horizon).items()}

    @step("runs", "directions")
    def paths(self, runs, directions):
        """{'bp', 'pc'}: (θ_t·u, θ_t·v), the paths projected on the plane."""
        dirs = (directions["top"], directions["bottom"])
        return {m: pc.project_trajectory(r, dirs) for m, r in runs.items()}

    @step("runs", "threshold")
    def escape(self, runs, threshold):
        """{'bp', 'pc'}: steps to escape within the horizon (None if not)."""
        return {m: pc.steps_to_escape(r, threshold) for m, r in runs.items()}

    # ------------------------------------------------------------------ draws
    # while a slider is dragged the images change on the frame shown (axes, labels and
    # colour scale); the frame follows on release
    @draw("plane", "plane", "directions", layer="static", coarse=True)
    def draw_plane(self, plane, directions, *, coarse):
        pcplot.set_eigenplane(self.panel, plane,
                              (directions["lambda_top"], directions["lambda_bottom"]),
                              frame=not coarse)

    @draw("plane", "paths")
    def draw_paths(self, paths):
        pcplot.set_eigenplane_paths(self.panel, paths)

    # ------------------------------------------------------------------ status
    @status("directions", "plane", "runs", "escape", "threshold")
    def describe(self, directions, plane, runs, escape, threshold):
        flat = float(plane["mse"].max() - plane["mse"].min())
        mse = ("MSE flat on the plane" if flat < 1e-12 else
               f"MSE varies by {flat:.3g} on the plane")
        race = "; ".join(pc.describe_escape(name, runs[m], threshold)
                         for name, m in (("BP", "bp"), ("PC", "pc")))
        return (f"λ bottom = {directions['lambda_bottom']:.4g}, λ top = "
                f"{directions['lambda_top'] + 0.0:.3g} (F* Hessian at the origin) · {mse} · "
                f"{race} (escape = MSE < {threshold:.3g})")
