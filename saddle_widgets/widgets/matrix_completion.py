"""MatrixCompletionExplorer: saddle-to-saddle matrix completion, backprop against PC.

After Innocenti, Achour, Singh & Buckley (NeurIPS 2024), Fig. 6. Every number comes from
``saddle_widgets.solvers.matrix_completion``; every artist from
``saddle_widgets.plots.matrix_completion``.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots import matrix_completion as plot
from ..solvers import matrix_completion as mc
from ._base import Explorer, draw, status, step
from ._params import Choice, Fig, Float, Int

PLAY_FRAMES = 200           # Play moves the cursor in steps of 1/200 of the run

_DIFFERS = ("[D] width 20 (paper 100), σ = 0.03 and η = 0.5 (paper 0.005, 0.01), identity "
            "input (the authors feed the masked target), our own target draw: the same "
            "staircase in ~2k instead of ~25k iterations")

FIG6_NOTES = {
    "Fig. 6: from the origin": _DIFFERS,
    "Fig. 6: from a rank-1 saddle": _DIFFERS + "; the saddle is the balanced best rank-1 fit "
                                               "plus N(0, σ²) noise (paper: BP's weights "
                                               "on its plateau)",
    "Fig. 6: from a rank-2 saddle": _DIFFERS + "; the saddle is the balanced best rank-2 fit "
                                               "plus N(0, σ²) noise (paper: BP's weights "
                                               "on its plateau)",
}


class MatrixCompletionExplorer(Explorer):
    """Saddle-to-saddle matrix completion: BP stalls on each saddle, PC escapes.

    A 10 x 10 target T = A B of rank 3 (A, B entrywise N(0, 1), as the authors) with some
    entries masked; a deep linear network W_{L:1} = W_L ⋯ W_1 (H hidden layers of width 20,
    identity input, so W_{L:1} is the completed matrix) trained by full-batch gradient
    descent on the masked loss L = (1/100) Σ_observed (T − W_{L:1})² (backprop) and on the
    masked equilibrated energy F* (predictive coding with exact inference), from the same
    start, until L ≤ 0.01 (or 2500 / 1000 iterations; a tenth while dragging).

    Parameters: start ('origin': W_l ~ N(0, σ²); 'rank-1 saddle', 'rank-2 saddle': the
    balanced best rank-k fit, a saddle of L, plus that noise), hidden (H), init_scale (σ),
    lr (η), n_masked (number of masked entries), seed (of target, mask and weights), cursor
    (the iteration shown, a fraction of the longer run; Play moves it).
    Figures: ``loss`` (L against iteration, log, with the losses of the best rank-k fits),
    ``spectrum`` (the top singular values of W_{L:1}: one switches on at each BP step).
    Results: ``w.results["runs"]`` ({'bp', 'pc'}: ``mc.CompletionRun``), ``["fits"]``
    (best rank-0/1/2 losses; ``["rank_fits"]``: (loss, W) each), ``["task"]``,
    ``["start_weights"]``, ``["snapshot"]``.
    """

    PARAMS = {
        "start": Choice("start", "origin", mc.STARTS,
                        doc="near the origin, or next to the rank-1 or rank-2 saddle of the "
                            "loss (the balanced best rank-k fit plus N(0, σ²) noise)"),
        "hidden": Int("hidden layers H", 3, 1, 3, doc="depth of the network (H + 1 weights)"),
        "init_scale": Float("init scale σ", mc.INIT_SCALE, 0.01, 0.1, step=0.005, fmt=".3f",
                            doc="initial weights (or the noise added to a saddle) ~ N(0, σ²)"),
        "lr": Float("learning rate η", mc.LR, 0.2, 0.6, step=0.05,
                    doc="learning rate of both BP and PC"),
        "n_masked": Int("masked entries", 20, 0, 40,
                        doc="entries of the 10 x 10 target hidden from the loss"),
        "seed": Int("seed", 0, 0, 20, doc="seed of the target, the mask and the weights"),
        "cursor": Float("iteration cursor", 1.0, 0.0, 1.0, step=0.005, fmt=".3f",
                        doc="the iteration shown, a fraction of the longer run (Play moves it)"),
    }
    FIGURES = {"loss": Fig(4.6, 2.55), "spectrum": Fig(4.6, 2.55)}
    COLUMNS = [["loss", "spectrum"]]
    SUMMARY_KEYS = ("start", "hidden", "init_scale", "lr", "n_masked", "seed")
    PRESETS = {
        "Fig. 6: from the origin": {},
        "Fig. 6: from a rank-1 saddle": {"start": "rank-1 saddle"},
        "Fig. 6: from a rank-2 saddle": {"start": "rank-2 saddle"},
        "nothing masked: plateaus at T's tail energies": {"n_masked": 0},
        "smaller init σ = 0.02: BP's plateaus lengthen": {"init_scale": 0.02},
        "one hidden layer: strict saddles, BP as fast": {"hidden": 1},
    }
    PRESET_NOTES = {
        **FIG6_NOTES,
        "nothing masked: plateaus at T's tail energies":
            "[L] with every entry seen the best rank-k fit is T's truncated SVD (Eckart–Young): "
            "BP rests at (1/100) Σ_{j>k} σ_j(T)²",
        "smaller init σ = 0.02: BP's plateaus lengthen":
            "[L] BP's time near a non-strict saddle grows like a power of 1/σ; "
            "PC's escape from a strict saddle only like log(1/σ)",
        "one hidden layer: strict saddles, BP as fast":
            "[P] with H = 1 the origin is a strict saddle of the loss too (λ_min < 0): "
            "BP leaves it as fast as PC, no staircase",
    }

    # ------------------------------------------------------------------ figures
    def build_loss(self, fig):
        self.ax_loss = fig.add_subplot()
        self.loss_artists = a = plot.loss_panel(self.ax_loss)
        self.animate(fig, [a["cursor"], a["mark_bp"], a["mark_pc"], a["time"]],
                     backdrop=[a["bp"], a["pc"], a["threshold"], *a["fits"],
                               *a["fit_labels"], *a["iteration_labels"]])

    def build_spectrum(self, fig):
        self.ax_spectrum = fig.add_subplot()
        self.spectrum_artists = a = plot.spectrum_panel(self.ax_spectrum)
        self.animate(fig, [a["cursor"], a["mark_bp"], a["mark_pc"]],
                     backdrop=[*a["bp"], *a["pc"], *a["target"], *a["iteration_labels"],
                               *a["value_labels"]])

    def _control_panel(self):
        c = self.controls
        self.play = widgets.Play(value=PLAY_FRAMES, min=0, max=PLAY_FRAMES, step=1,
                                 interval=60, description="play the training")
        self.play.observe(lambda ch: setattr(c["cursor"], "value", ch["new"] / PLAY_FRAMES),
                          names="value")
        return [c["start"], c["hidden"], c["init_scale"], c["lr"], c["n_masked"], c["seed"],
                self.play_row(self.play, c["cursor"])]

    # ------------------------------------------------------------------ steps
    @step("n_masked", "seed")
    def task(self, n_masked, seed):
        """The target, its mask and the network's data (``mc.make_task``)"""
        return mc.make_task(n_masked, seed)

    @step("task")
    def rank_fits(self, task):
        """(loss, W) of the best rank-0, 1, 2 fits (``mc.best_rank_fit``)"""
        return tuple(mc.best_rank_fit(task, k) for k in range(3))

    @step("rank_fits")
    def fits(self, rank_fits):
        """Masked losses of the best rank-0, 1, 2 fits: where BP's plateaus lie"""
        return tuple(f[0] for f in rank_fits)

    @step("task", "rank_fits", "hidden", "start", "init_scale", "seed")
    def start_weights(self, task, rank_fits, hidden, start, init_scale, seed):
        """The shared start of BP and PC (``mc.start_weights``, width 20)"""
        return mc.start_weights(task, hidden, mc.WIDTH, start, init_scale=init_scale,
                                seed=seed, fit=rank_fits[mc.STARTS.index(start)][1])

    @step("start_weights", "task", "lr", cache=8, coarse=True)
    def runs(self, weights, task, lr, *, coarse):
        """{'bp', 'pc'}: both trainings to loss 0.01 (or 2500 / 1000 iterations; a tenth
        of that while a slider is dragged, completed on release)"""
        f = mc.COARSE_FRACTION if coarse else 1.0
        return mc.train_methods(weights, task, {"bp": int(f * mc.BP_ITERS),
                                                "pc": int(f * mc.PC_ITERS)}, lr=lr)

    @step("runs", by_value=True)
    def extent(self, runs):
        """The iteration axis' right end: the longer run rounded up to 500"""
        return plot.iteration_extent(max(r.iterations for r in runs.values()))

    @step("runs", "task", by_value=True)
    def spectrum_top(self, runs, task):
        """The top of the spectrum axis (a multiple of 4)"""
        return plot.spectrum_limit(runs, task.target)

    @step("runs", "cursor")
    def snapshot(self, runs, cursor):
        """The cursor's iteration t and each run's loss there (its last one if it stopped)"""
        n = max(r.iterations for r in runs.values())
        t = int(round(cursor * n))
        return {"t": t, **{m: plot.at_iteration(r, t) for m, r in runs.items()}}

    # ------------------------------------------------------------------ draws
    @draw("loss", "runs", "extent", layer="backdrop")
    def draw_losses(self, runs, extent):
        plot.set_losses(self.loss_artists, runs, mc.LOSS_TOL, extent)

    @draw("loss", "fits", layer="backdrop")
    def draw_fits(self, fits):
        plot.set_fit_levels(self.loss_artists, fits)

    @draw("spectrum", "runs", "extent", "spectrum_top", layer="backdrop")
    def draw_spectra(self, runs, extent, top):
        plot.set_spectra(self.spectrum_artists, runs, extent, top)

    @draw("spectrum", "task", "spectrum_top", layer="backdrop")
    def draw_target(self, task, top):
        plot.set_target_spectrum(self.spectrum_artists, task.target, top)

    # the iteration axes run over [0, 1] in units of the extent, the spectrum axis in units
    # of its top: a new extent or top relabels the ticks (a backdrop) instead of redrawing
    # the figures in full
    @draw("loss", "extent", layer="backdrop")
    def draw_loss_axis(self, extent):
        plot.set_iteration_axis(self.loss_artists["iteration_labels"], extent)

    @draw("spectrum", "extent", layer="backdrop")
    def draw_spectrum_axis(self, extent):
        plot.set_iteration_axis(self.spectrum_artists["iteration_labels"], extent)

    @draw("spectrum", "spectrum_top", layer="backdrop")
    def draw_spectrum_top(self, top):
        plot.set_spectrum_axis(self.spectrum_artists, top)

    @draw("loss", "runs", "snapshot", "extent")
    def draw_loss_cursor(self, runs, snapshot, extent):
        plot.set_cursor(self.loss_artists, runs, snapshot["t"], extent)
        self.loss_artists["time"].set_text(
            f"t = {snapshot['t']}: L_BP = {snapshot['bp'][1]:.3g}, "
            f"L_PC = {snapshot['pc'][1]:.3g}")

    @draw("spectrum", "runs", "snapshot", "extent", "spectrum_top")
    def draw_spectrum_cursor(self, runs, snapshot, extent, top):
        plot.set_cursor(self.spectrum_artists, runs, snapshot["t"], extent, spectrum_top=top)

    # ------------------------------------------------------------------ status
    @status("runs", "fits", coarse=True)
    def describe(self, runs, fits, *, coarse):
        text = describe_runs(runs, fits)
        return text + (" · the runs complete on release" if coarse else "")


def describe_runs(runs: dict, fits) -> str:
    """'BP rests at L ≈ 1.46, 0.33, 0.0554 (best rank-0/1/2 fits: ...) · loss 0.01 after
    BP 1889, PC 531 iterations (3.6× fewer with PC)'."""
    bp, pcr = runs["bp"], runs["pc"]
    levels = mc.plateau_losses(bp)
    rest = ", ".join(f"{v:.3g}" for v in levels) if levels else "no plateau"
    text = (f"BP rests at L ≈ {rest} (best rank-0/1/2 fits "
            + ", ".join(f"{v:.3g}" for v in fits) + ")")
    reach = []
    for name, run in (("BP", bp), ("PC", pcr)):
        t = mc.iterations_to(run)
        if run.diverged:
            reach.append(f"{name} diverged at iteration {run.iterations + 1} "
                         "(lower the learning rate)")
        elif t is None:
            reach.append(f"{name} not within {run.iterations} (L = {run.losses[-1]:.3g})")
        else:
            reach.append(f"{name} {t}")
        if not run.diverged and mc.loss_rises(run):
            reach[-1] += " (its loss rises at times: η is near its stability limit)"
    text += f" · iterations to L ≤ {mc.LOSS_TOL:g}: " + ", ".join(reach)
    t_bp, t_pc = mc.iterations_to(bp), mc.iterations_to(pcr)
    if t_bp and t_pc:
        text += (f" ({t_bp / t_pc:.1f}× fewer with PC)" if t_bp >= t_pc
                 else f" (BP needs {t_pc / t_bp:.1f}× fewer)")
    return text
