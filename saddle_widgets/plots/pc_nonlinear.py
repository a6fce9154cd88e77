"""Figures of BP against PC in small non-linear networks near the origin (Innocenti et al.,
NeurIPS 2024, Fig. 5, in miniature).

Each function draws into axes it is given and returns the artists to update (a dict by
name); ``set_*`` functions put ``saddle_widgets.solvers.pc_nonlinear`` runs into them.
Colours as in ``plots.predictive_coding``: backprop vermillion, PC blue.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullLocator

from .predictive_coding import BP_COLOUR, PC_COLOUR, lean_log_axis

_SMALL = dict(labelsize=7, length=2, pad=1)
_LABEL = dict(fontsize=7.5, labelpad=1)
#: the loss axis, in units of L(0) (fixed: a new run never relabels it)
LOSS_LIMITS = (0.0, 1.25)
#: the gradient-norm axis (log, fixed)
GRAD_LIMITS = (1e-10, 1e2)
LEVEL_COLOUR = "0.45"


def _cursor_and_marks(ax):
    cursor = ax.axvline(0, color="0.2", lw=0.8, zorder=3)
    (mark_bp,) = ax.plot([], [], "o", color=BP_COLOUR, mec="black", ms=5, zorder=4)
    (mark_pc,) = ax.plot([], [], "s", color=PC_COLOUR, mec="black", ms=5, zorder=4)
    return cursor, mark_bp, mark_pc


def loss_panel(ax, n_iters: int) -> dict:
    """L(W_t) / L(0) of BP and PC against iteration t, the level where a run has left the
    plateau (dashed) and a cursor with a mark per method. Returns {'bp', 'pc', 'level',
    'cursor', 'mark_bp', 'mark_pc', 'time'}."""
    (bp,) = ax.plot([], [], color=BP_COLOUR, lw=1.6, label="backprop (BP)")
    (pc,) = ax.plot([], [], color=PC_COLOUR, lw=1.6, label="predictive coding (PC)")
    (level,) = ax.plot([], [], color=LEVEL_COLOUR, lw=0.8, ls="--", label="left the plateau")
    cursor, mark_bp, mark_pc = _cursor_and_marks(ax)
    ax.set_xlim(0, n_iters)
    ax.set_ylim(*LOSS_LIMITS)
    ax.set_yticks([0, 0.5, 1.0])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylabel("loss L / L(0)", **_LABEL)
    ax.tick_params(**_SMALL)
    # the top fifth of the axis (above L(0)) holds the legend
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9, ncol=3, borderaxespad=0.3,
              handlelength=1.5, columnspacing=0.8)
    ax.set_title(" ", fontsize=7.5, pad=2)
    time = ax.text(0.5, 1.0, "", transform=ax.transAxes, fontsize=7.5, ha="center",
                   va="bottom", clip_on=False)
    return dict(bp=bp, pc=pc, level=level, cursor=cursor, mark_bp=mark_bp, mark_pc=mark_pc,
                time=time)


def gradient_panel(ax, n_iters: int) -> dict:
    """||g_t|| (all weights) of BP (∇L) and PC (∂F/∂W after inference) against iteration,
    log scale, with a cursor. Returns {'bp', 'pc', 'cursor', 'mark_bp', 'mark_pc'}."""
    (bp,) = ax.semilogy([], [], color=BP_COLOUR, lw=1.6, label="BP: ‖∇L‖")
    (pc,) = ax.semilogy([], [], color=PC_COLOUR, lw=1.6, label="PC: ‖∂F/∂W‖")
    cursor, mark_bp, mark_pc = _cursor_and_marks(ax)
    ax.set_xlim(0, n_iters)
    ax.set_ylim(*GRAD_LIMITS)
    lean_log_axis(ax, [1e-10, 1e-6, 1e-2, 1e2])
    ax.set_xlabel("training iteration t", **_LABEL)
    ax.set_ylabel("gradient norm (log)", **_LABEL)
    ax.tick_params(**_SMALL)
    ax.legend(loc="lower right", fontsize=6.5, framealpha=0.9, ncol=2, borderaxespad=0.3)
    return dict(bp=bp, pc=pc, cursor=cursor, mark_bp=mark_bp, mark_pc=mark_pc)


def _clip(y, limits):
    """Values drawn inside the axis (a diverged run's last values would be off the scale)."""
    return np.clip(np.asarray(y, float), limits[0] if limits[0] > 0 else -np.inf,
                   10 * limits[1])


def set_losses(panel: dict, runs: dict, level: float, n_iters: int) -> None:
    """The loss curves L(W_t) / L(W_0) of {'bp', 'pc'} runs and the level ``level``."""
    for m in ("bp", "pc"):
        r = runs[m]
        panel[m].set_data(np.arange(len(r.losses)), _clip(r.losses / r.losses[0], LOSS_LIMITS))
    panel["level"].set_data([0, n_iters], [level, level])


def set_gradients(panel: dict, runs: dict) -> None:
    """The gradient-norm curves ||g_t|| of {'bp', 'pc'} runs."""
    for m in ("bp", "pc"):
        r = runs[m]
        panel[m].set_data(np.arange(len(r.grad_norms)),
                          _clip(np.maximum(r.grad_norms, 1e-300), GRAD_LIMITS))


def at_iteration(run, t: int) -> tuple[int, float, float]:
    """(t', L(W_t')/L(W_0), ||g_t'||) of ``run`` at iteration t, or at its last iteration t'
    if it stopped (diverged) before t."""
    t = min(int(t), run.iterations)
    return t, float(run.losses[t] / run.losses[0]), float(run.grad_norms[t])


def set_cursor(panel: dict, runs: dict, t: int, *, gradient: bool = False) -> None:
    """The cursor of the loss (or ``gradient``) panel at iteration t, with each run's value
    there."""
    panel["cursor"].set_xdata([t, t])
    lo, hi = GRAD_LIMITS if gradient else LOSS_LIMITS
    for m in ("bp", "pc"):
        tm, value, norm = at_iteration(runs[m], t)
        y = norm if gradient else value
        panel[f"mark_{m}"].set_data([tm], [min(max(y, lo), hi)])
