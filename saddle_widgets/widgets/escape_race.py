"""EscapeRaceExplorer: backprop against predictive coding from a start near the origin.

After Innocenti, Achour, Singh & Buckley, "Only Strict Saddles in the Energy Landscape of
Predictive Coding Networks?" (NeurIPS 2024). Every number comes from
``saddle_widgets.solvers.predictive_coding``; every artist from
``saddle_widgets.plots.predictive_coding``.
"""
from __future__ import annotations

import numpy as np

from ..plots import predictive_coding as pcplot
from ..plots.unit_axes import set_time_axis, set_value_axis, time_axis, value_axis
from ..solvers import predictive_coding as pc
from ._base import Explorer, draw, status, step
from ._params import Choice, Fig, Float, Int

RACE_DEPTHS = (1, 2, 3, 4, 5)
HORIZON_BLOCK = 50          # runs are trained to train_steps rounded up to this, then cut
MAX_CLASSIFIED_WEIGHTS = 400
MAX_STEPS = 400             # the horizon's top: a fresh-batch stream holds this many steps
SEEDS = tuple(range(5))     # the seeds readout: the paper's 5 seeds
STEP_TICKS = 5              # step axes: ticks at k/5 of train_steps (a multiple of 10)
ESCAPE_TICKS = tuple(np.linspace(0.0, 1.0, STEP_TICKS + 1))   # the escape axis' (units of it)
FIXED, FRESH = "one fixed batch", "fresh each step"
EXACT, EULER = "exact", "k Euler steps"


def _euler(state):
    return state["inference"] == EULER


class EscapeRaceExplorer(Explorer):
    """Backprop against predictive coding from one start near the origin of a deep network.

    Backprop is gradient descent on the MSE; predictive coding descends the energy after
    inference: exact inference (gradient descent on F*) or the authors' k Euler steps of
    size dt from the feed-forward pass. The network is deep and linear.

    Parameters: hidden (H = 1-5 hidden layers), width (units per hidden layer), dim (input =
    output dimension), init_scale (w ~ N(0, init_scale²), as in the paper), lr (learning
    rate of both), seed (of the initial weights, and of the batches when fresh), train_steps
    (horizon), batches (one fixed batch of 64 samples, seed 0, or the authors' protocol: a
    fresh batch of 64 every step, ``pc.toy_protocol``, start and batches from one
    np.random.RandomState(seed) stream, both methods on the same batches), inference
    ('exact' or 'k Euler steps'), k and dt (Euler inference; the paper's 20 and 0.1). Data:
    the paper's toy task x ~ N(1, 0.1²), y = −x (per dimension). Escape = the MSE (of the
    step's batch when fresh) falls below 2 % of its value at the origin (½ tr Σ_yy; its
    expected value ½ dim · 1.01 when fresh). The status line ends with the seeds readout:
    steps to escape over seeds 0-4 at these settings, mean and range (the paper reports 5
    seeds; it follows on release while a slider is dragged). Panels: MSE and gradient norm
    against training step; steps to escape against depth H = 1-5 for the same settings
    (it does not depend on H, so changing the depth is cheap; while other sliders are
    dragged it shows the current depth and is completed on release).
    Results: ``w.results["runs"]`` ({'bp', 'pc'}: ``TrainingResult``), ``["escape"]``
    ({H: (steps for BP, steps for PC)}, None = not within the horizon), ``["threshold"]``,
    ``["origin"]`` (the origin classified, or None for more than 400 weights), ``["race"]``
    (the ``pc.Race`` of the runs shown), ``["depth_sweep"]`` (the ``pc.DepthSweep`` behind the
    depth panel), ``["seed_escapes"]`` ({'bp', 'pc'}: steps
    to escape per seed 0-4 at the depth shown, or None while dragging).
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
        "train_steps": Int("training steps", 200, 20, MAX_STEPS, step=10, doc="the horizon"),
        "batches": Choice("batches", FIXED, (FIXED, FRESH),
                          doc="one fixed batch of 64, or a fresh batch of 64 every step "
                              "(the authors' protocol)"),
        "inference": Choice("PC inference", EXACT, (EXACT, EULER),
                            doc="exact equilibrium (descent on F*) or k Euler steps of size "
                                "dt from the feed-forward pass (the authors')"),
        "k": Int("inference steps k", 20, 1, 100, when=_euler,
                 doc="Euler inference steps per training step (paper: 20)"),
        "dt": Float("inference dt", 0.1, 0.01, 0.5, step=0.01, when=_euler,
                    doc="Euler step size of inference (paper: 0.1)"),
    }
    FIGURES = {"curves": Fig(4.2, 3.6), "escape": Fig(3.4, 2.6)}
    SUMMARY_KEYS = ("hidden", "width", "dim", "init_scale", "lr", "seed", "batches",
                    "inference")
    _PROTOCOL = {"batches": FRESH, "inference": EULER, "k": 20, "dt": 0.1}
    PRESETS = {
        "paper toy chain, H = 2 (BP stalls, PC escapes)": {},
        "Fig. 2 protocol, H = 2, seed 2: BP 70, PC 33": {"hidden": 2, "seed": 2, **_PROTOCOL},
        "Fig. 2 protocol, H = 1, seed 1: both escape": {"hidden": 1, "seed": 1,
                                                        "train_steps": 100, **_PROTOCOL},
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
    PRESET_NOTES = {
        "paper toy chain, H = 2 (BP stalls, PC escapes)": pc.TOY_CHAIN_DIFFERS,
        "tiny initialisation σ = 0.005 (paper's deep nets)": (
            "the paper's initial scale for its deep non-linear nets (Fig. 5: σ = 5e-3, H = 4, "
            "width 500, MNIST); here the toy chain's task with H = 2, one fixed batch and "
            "exact inference"),
        "Fig. 2 protocol, H = 2, seed 2: BP 70, PC 33": (
            "the authors' protocol (fresh batches of 64, 20 Euler steps of dt 0.1, lr 0.4, "
            "σ 0.05) and their seed 2 of Fig. 2; their notebook gives PC the batches after "
            "BP's 100, here both see the same ones (escape steps differ by at most 1 over "
            "seeds 0-4)"),
        "Fig. 2 protocol, H = 1, seed 1: both escape": (
            "the authors' protocol and their seed 1 of Fig. 2 (H = 1)"),
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
        # the step axes run over [0, 1] in units of train_steps, the escape axis too: a new
        # horizon relabels their ticks (blitted) instead of redrawing both figures in full
        self.step_labels = time_axis(self.ax_grad, STEP_TICKS, fontsize=7)
        self.animate(fig, [*self.loss.values(), self.grad["bp"], self.grad["pc"]],
                     backdrop=self.step_labels)

    def build_escape(self, fig):
        self.ax_escape = fig.add_subplot()
        self.escape_points = pcplot.escape_panel(self.ax_escape, RACE_DEPTHS)
        self.ax_escape.set_ylim(0, 1.08)
        self.escape_labels = value_axis(self.ax_escape, ESCAPE_TICKS, "000", fontsize=7)
        self.animate(fig, list(self.escape_points.values()), backdrop=self.escape_labels)

    # ------------------------------------------------------------------ steps
    @step("dim")
    def data(self, dim):
        """The paper's Gaussian toy data (X, Y = −X), 64 samples, seed 0."""
        return pc.gaussian_toy_data(0, dim=dim, batch=64)

    @step("data", "batches", "dim")
    def threshold(self, data, batches, dim):
        """Escape threshold: 2 % of the MSE at the origin, ½ tr Σ_yy of the fixed batch, or
        its expected value ½ dim (1 + 0.1²) for fresh batches."""
        if batches == FRESH:
            return pc.toy_escape_threshold(dim)
        return pc.escape_threshold(data[1])

    @step("inference", "k", "dt", by_value=True)
    def inference_mode(self, inference, k, dt):
        """('exact', None) or (k, dt): k and dt do not enter exact inference."""
        return (EXACT, None) if inference == EXACT else (k, dt)

    def _race(self, data, threshold, width, dim, init_scale, lr, seed, batches, mode):
        k, dt = mode
        return pc.Race(None if batches == FRESH else data, threshold, width, dim, init_scale,
                       lr, seed, inference=k, dt=0.1 if dt is None else dt,
                       max_steps=MAX_STEPS)

    # the runs of the depth shown come from a Race (its starts and streams serve the depth
    # sweep too): a longer horizon continues the runs already trained (BP and PC in one
    # loop, pc.train_runs). A Race keeps one run per depth shown and method, weights recorded
    # (<= 2 MB per depth at width 8, dim 3, 400 steps; long_runs' results share their
    # arrays); as many Races as long_runs entries, so a run long_runs returns is one its
    # Race keeps
    @step("data", "threshold", "width", "dim", "init_scale", "lr", "seed", "batches",
          "inference_mode", cache=8)
    def race(self, data, threshold, width, dim, init_scale, lr, seed, batches, mode):
        """The runs of every depth for these settings, kept as a pc.Race, trained when needed.

        The depth shown and the depth sweep read the same runs, and a longer horizon
        continues them."""
        return self._race(data, threshold, width, dim, init_scale, lr, seed, batches, mode)

    @step("data", "threshold", "width", "dim", "init_scale", "lr", "batches",
          "inference_mode", "hidden", "horizon", coarse=True, cache=16)
    def seed_escapes(self, data, threshold, width, dim, init_scale, lr, batches, mode,
                     hidden, horizon, *, coarse):
        """{'bp', 'pc'}: steps to escape within the horizon for seeds 0-4 at the depth shown
        (``pc.seed_escape_steps``: the five runs trained at once); None while dragging."""
        if coarse:
            return None
        widths = pc.network_widths(hidden, width, dim)
        if batches == FRESH:
            streams = [pc.toy_protocol(widths, s, horizon, scale=init_scale) for s in SEEDS]
            starts = [st[0] for st in streams]
            Xs = np.stack([st[1] for st in streams])
            batch_data = (Xs, -Xs)
        else:
            starts = [pc.init_weights(widths, init_scale, s) for s in SEEDS]
            batch_data = data
        k, dt = mode
        return {m: pc.seed_escape_steps(starts, batch_data, method=m, lr=lr, n_steps=horizon,
                                        threshold=threshold, inference=k,
                                        dt=0.1 if dt is None else dt) for m in ("bp", "pc")}

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
    @step("race", cache=4)          # (fresh batches: up to 3 MB of streams each)
    def depth_sweep(self, race):
        """The depth sweep's runs, one start per depth H = 1-5 (``pc.DepthSweep``: backprop of
        every depth in one identity-padded loop, PC depth by depth, each run only until it
        escapes; a longer horizon continues them): the same numbers as the runs one by one."""
        starts = [race.start(H) for H in RACE_DEPTHS]
        if race.data is None:                         # each depth's stream of batches
            Xs = np.stack([race.trainings(H).data[0] for H in RACE_DEPTHS])
            data = (Xs, -Xs)
        else:
            data = race.data
        return pc.DepthSweep(starts, data, lr=race.lr, threshold=race.threshold,
                             inference=race.inference, dt=race.dt)

    @step("depth_sweep", "horizon", coarse=True, cache=16)
    def sweep(self, depth_sweep, horizon, *, coarse):
        """{H: (BP, PC) steps to escape} for H = 1-5 within the horizon; None while dragging."""
        if coarse:
            return None
        t = depth_sweep.escapes(horizon)
        return {H: (t["bp"][i], t["pc"][i]) for i, H in enumerate(RACE_DEPTHS)}

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
        pcplot.set_loss_curves(self.loss, runs, horizon=train_steps)
        pcplot.set_loss_curves(self.grad, runs, "grad_norms", horizon=train_steps)
        pcplot.set_threshold(self.loss, threshold, 1.0)

    @draw("escape", "escape", "hidden", "train_steps")
    def draw_escape(self, escape, hidden, train_steps):
        pcplot.set_escape_points(self.escape_points, escape, train_steps, unit=train_steps)
        self.escape_points["mark"].set_data([hidden], [0.5])

    @draw("curves", "train_steps")
    def draw_step_axis(self, train_steps):
        """The step axis spans the horizon: ticks k·train_steps/5."""
        set_time_axis(self.step_labels, train_steps)

    @draw("escape", "train_steps")
    def draw_escape_axis(self, train_steps):
        """Steps to escape range over the horizon: ticks k·train_steps/5."""
        set_value_axis(self.escape_labels, ESCAPE_TICKS, train_steps)

    # ------------------------------------------------------------------ status
    @status("runs", "escape", "threshold", "origin", "hidden", "seed_escapes", "train_steps")
    def describe(self, runs, escape, threshold, origin, hidden, seed_escapes, train_steps):
        head = ("" if origin is None else
                "origin: " + pc.describe_saddles(origin["energy"], origin["mse"]) + " · ")
        race = "; ".join(pc.describe_escape(name, runs[m], threshold)
                         for name, m in (("BP", "bp"), ("PC", "pc")))
        t_bp, t_pc = escape[hidden]
        if t_bp is not None and t_pc is not None and t_pc > 0:
            race += f" ({t_bp / t_pc:.1f}× faster with PC)"
        tail = " · depth sweep completes on release" if len(escape) < len(RACE_DEPTHS) else ""
        return (f"H = {hidden}: {race} · {head}escape = MSE < {threshold:.3g}{tail} · "
                + _describe_seeds(seed_escapes, train_steps))


def _describe_seeds(seed_escapes, train_steps) -> str:
    """'seeds 0-4: BP 96.4 (70-142), PC 33.6 (29-38) steps to escape', or that it follows."""
    if seed_escapes is None:
        return f"seeds {SEEDS[0]}-{SEEDS[-1]} follow on release"
    parts = []
    for name, m in (("BP", "bp"), ("PC", "pc")):
        st = pc.escape_statistics([t if t is not None and t <= train_steps else None
                                   for t in seed_escapes[m]])
        if st["escaped"] == 0:
            parts.append(f"{name} none within {train_steps}")
            continue
        text = f"{name} {st['mean']:.1f} ({st['min']}–{st['max']})"
        if st["escaped"] < st["n"]:
            text += f", {st['n'] - st['escaped']} not within {train_steps}"
        parts.append(text)
    return f"seeds {SEEDS[0]}-{SEEDS[-1]}: " + ", ".join(parts) + " steps to escape"
