"""Figures of saddle-to-saddle matrix completion (Innocenti et al., NeurIPS 2024, Fig. 6).

Each function draws into axes it is given and returns the artists to update (a dict by
name); ``set_*`` functions put ``saddle_widgets.solvers.matrix_completion`` results into
them. Colours as in ``plots.predictive_coding``: backprop vermillion, PC blue.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullLocator

from .unit_axes import set_value_axis, time_axis, value_axis
from .predictive_coding import BP_COLOUR, PC_COLOUR, loss_curves

_SMALL = dict(labelsize=7, length=2, pad=1)
_LABEL = dict(fontsize=7.5, labelpad=1)
#: the loss axis (log): fixed, so a new run never relabels it
LOSS_LIMITS = (4e-3, 60.0)
FIT_COLOUR = "0.45"
#: round the iteration axis up to a multiple of this (few relabellings)
ITERATION_BLOCK = 500
#: singular values shown per method (the target has rank 3: the rest stay near 0)
N_SINGULAR = 4


#: tick marks of the iteration axis at k/ITERATION_TICKS of its extent
ITERATION_TICKS = 5
#: the cursors stop below the top quarter of each panel, which holds the legend (the
#: cursor is blitted over it, so it would cut through the legend's text)
CURSOR_TOP = 0.78
#: the spectrum axis runs over [0, 1] in units of its top (``spectrum_limit``), ticks here
SPECTRUM_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def iteration_extent(n: int, block: int = ITERATION_BLOCK) -> int:
    """The iteration axis' right end: ``n`` rounded up to a multiple of ``block``."""
    return max(block, -(-int(n) // block) * block)


def set_iteration_axis(labels, extent: int) -> None:
    """Label the ticks k/n of an iteration axis (``unit_axes.time_axis``: the data are
    drawn against t / extent, so a new extent relabels instead of redrawing the figure)."""
    n = len(labels) - 1
    for k, text in enumerate(labels):
        text.set_text(f"{k * extent / n:.0f}")


def loss_panel(ax, *, n_fits: int = 3) -> dict:
    """Loss of BP and PC against iteration (log y), the losses of the best rank-k fits
    (dashed, labelled on the right), the stopping level and a cursor with a mark per method.
    Returns {'bp', 'pc', 'threshold', 'fits', 'fit_labels', 'cursor', 'mark_bp', 'mark_pc',
    'time'} ('time': a text above the axes for the cursor's numbers)."""
    curves = loss_curves(ax, ylim=LOSS_LIMITS, yticks=(1e-2, 1e-1, 1),
                         labels=("backprop (BP)", "predictive coding (PC)"), legend=False)
    curves["threshold"].set_label("stop: loss 0.01")
    fits = [ax.axhline(np.nan, color=FIT_COLOUR, lw=0.8, ls="--", zorder=1)
            for _ in range(n_fits)]
    fits[0].set_label("best rank-k fits")
    fit_labels = [ax.text(1.0, np.nan, f" k={k}", color=FIT_COLOUR, fontsize=7, va="center",
                          ha="left", transform=ax.get_yaxis_transform(), clip_on=False)
                  for k in range(n_fits)]
    cursor = ax.axvline(0, ymax=CURSOR_TOP, color="0.2", lw=0.8, zorder=3)
    (mark_bp,) = ax.plot([], [], "o", color=BP_COLOUR, mec="black", ms=5, zorder=4)
    (mark_pc,) = ax.plot([], [], "s", color=PC_COLOUR, mec="black", ms=5, zorder=4)
    ax.set_ylabel("masked loss L (log)", **_LABEL)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.tick_params(**_SMALL)
    labels = time_axis(ax, ITERATION_TICKS)
    # the decade above the data (L(0) < 6 for these targets) holds the legend and the text
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9, ncol=2, borderaxespad=0.3,
              handles=[curves["bp"], curves["pc"], fits[0], curves["threshold"]])
    # the cursor's numbers sit where a title would (a blank title keeps the room)
    ax.set_title(" ", fontsize=7.5, pad=2)
    time = ax.text(0.5, 1.0, "", transform=ax.transAxes, fontsize=7.5, ha="center",
                   va="bottom", clip_on=False)
    return dict(curves, fits=fits, fit_labels=fit_labels, cursor=cursor, mark_bp=mark_bp,
                mark_pc=mark_pc, time=time, iteration_labels=labels)


def set_fit_levels(panel: dict, fits) -> None:
    """Dashed lines (and labels k = 0, 1, ...) at the losses of the best rank-k fits."""
    for line, label, value in zip(panel["fits"], panel["fit_labels"], fits):
        line.set_ydata([value, value])
        label.set_y(value)


def set_losses(panel: dict, runs: dict, tol: float, extent: int) -> None:
    """The loss curves of {'bp', 'pc'} runs (against t / extent) and the level ``tol``."""
    for m in ("bp", "pc"):
        y = runs[m].losses
        panel[m].set_data(np.arange(len(y)) / extent, np.maximum(y, 1e-300))
    panel["threshold"].set_data([0, 1], [tol, tol])


def spectrum_panel(ax, n: int = N_SINGULAR) -> dict:
    """The top ``n`` singular values of W_{L:1} against iteration: BP solid, PC dashed; the
    target's singular values dotted; a cursor with marks. The values are drawn in units of
    the axis' top (a new top relabels the ticks, ``set_spectrum_axis``, instead of redrawing
    the figure). Returns {'bp': [lines], 'pc': [lines], 'target': [lines], 'cursor',
    'mark_bp', 'mark_pc', 'iteration_labels', 'value_labels'}."""
    bp = [ax.plot([], [], color=BP_COLOUR, lw=1.4, label="BP" if i == 0 else None)[0]
          for i in range(n)]
    pc = [ax.plot([], [], color=PC_COLOUR, lw=1.4, ls=(0, (4, 1.5)),
                  label="PC" if i == 0 else None)[0] for i in range(n)]
    target = [ax.axhline(np.nan, color=FIT_COLOUR, lw=0.8, ls=":", zorder=1,
                         label=r"target's $\sigma_k$" if i == 0 else None) for i in range(n)]
    cursor = ax.axvline(0, ymax=CURSOR_TOP, color="0.2", lw=0.8, zorder=3)
    (mark_bp,) = ax.plot([], [], "o", color=BP_COLOUR, mec="black", ms=4, zorder=4)
    (mark_pc,) = ax.plot([], [], "s", color=PC_COLOUR, mec="black", ms=4, zorder=4)
    ax.set_xlabel("training iteration", **_LABEL)
    ax.set_ylabel(r"singular values of $W_{L:1}$", **_LABEL)
    ax.tick_params(**_SMALL)
    labels = time_axis(ax, ITERATION_TICKS)
    ax.set_ylim(0.0, 1.0)
    values = value_axis(ax, SPECTRUM_TICKS, "00.0", fontsize=_SMALL["labelsize"])
    # the top quarter of the axis (see ``spectrum_limit``) holds the legend
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9, ncol=3, borderaxespad=0.3)
    return dict(bp=bp, pc=pc, target=target, cursor=cursor, mark_bp=mark_bp,
                mark_pc=mark_pc, iteration_labels=labels, value_labels=values)


def set_spectrum_axis(panel: dict, top: float) -> None:
    """Label the value ticks of ``spectrum_panel`` for the top ``top`` (tick y ↦ y·top)."""
    set_value_axis(panel["value_labels"], SPECTRUM_TICKS, top)


def set_spectra(panel: dict, runs: dict, extent: int, top: float) -> None:
    """The top singular values of each run's W_{L:1} at its recorded iterations (against
    t / extent, in units of the axis' top)."""
    for m in ("bp", "pc"):
        run = runs[m]
        for i, line in enumerate(panel[m]):
            line.set_data(run.sv_steps / extent, run.singular_values[:, i] / top)


def set_target_spectrum(panel: dict, target, top: float) -> None:
    """The target's singular values (dotted levels, in units of the axis' top)."""
    s = np.linalg.svd(np.asarray(target, float), compute_uv=False)
    for line, value in zip(panel["target"], s):
        line.set_ydata([value / top, value / top])


def spectrum_limit(runs: dict, target) -> float:
    """A top for the spectrum axis: 1.3 × the largest singular value seen, in steps of 4
    (room for the legend above the lines; the ticks at quarters of it are whole numbers)."""
    top = max(float(np.max(runs[m].singular_values[:, 0])) for m in ("bp", "pc"))
    top = max(top, float(np.linalg.svd(np.asarray(target, float), compute_uv=False)[0]))
    return 4.0 * np.ceil(1.3 * top / 4.0)


def at_iteration(run, t: int) -> tuple[int, float, np.ndarray]:
    """(t', loss, singular values) of ``run`` at iteration t, or at its last iteration t'
    if it stopped before t (the spectrum: the recorded iteration nearest below)."""
    t = min(int(t), run.iterations)
    j = int(np.searchsorted(run.sv_steps, t, side="right")) - 1
    return t, float(run.losses[t]), run.singular_values[max(j, 0)]


def set_cursor(panel: dict, runs: dict, t: int, extent: int, *,
               spectrum_top: float | None = None) -> None:
    """The cursor of a loss panel (or of a spectrum panel whose top is ``spectrum_top``) at
    iteration t, with each run's loss (or top singular values) there."""
    panel["cursor"].set_xdata([t / extent] * 2)
    for m in ("bp", "pc"):
        tm, value, sv = at_iteration(runs[m], t)
        if spectrum_top is not None:
            panel[f"mark_{m}"].set_data([tm / extent] * N_SINGULAR,
                                        sv[:N_SINGULAR] / spectrum_top)
        else:
            panel[f"mark_{m}"].set_data([tm / extent], [max(value, 1e-300)])
