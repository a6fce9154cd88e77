"""Figures of the paper's matrix case (de Oliveira, Jatkar & Sontag, Prop. 2 and Thm 3):
x = W2 W1 with 2 x 2 weights fitted to a target Y.

Each function draws into axes (or a figure) it is given and returns the artists to update
(a dict by name); ``set_*`` functions put a ``saddle_widgets.solvers.matrix_flow`` result
into them. Colours from ``style.OKABE_ITO``; matrices on one symmetric diverging colour
scale with a colour bar.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullLocator

from .style import OKABE_ITO
from .unit_axes import TIME_TICKS, set_value_axis, time_axis, value_axis

#: heat maps of 2 x 2 matrices: diverging map, red positive, blue negative
HEAT_CMAP = "RdBu_r"
#: colours of the entries of C and of the squared norms of the weights
ENTRY_COLOURS = {"c11": OKABE_ITO["blue"], "c12": OKABE_ITO["green"],
                 "c22": OKABE_ITO["vermillion"], "n1": OKABE_ITO["sky"],
                 "n2": OKABE_ITO["orange"]}
LOSS_COLOUR = OKABE_ITO["blue"]
GRAD_COLOUR = OKABE_ITO["vermillion"]
CRITICAL_COLOUR = "0.45"
_SMALL = dict(labelsize=8, length=2, pad=1)
_LABEL = dict(fontsize=8, labelpad=1)
#: values below this are drawn at it on a log axis (exact zeros included)
LOG_FLOOR = 1e-300


def positive(values, floor=LOG_FLOOR):
    """``values`` floored at ``floor`` so a log axis can show them."""
    return np.maximum(np.asarray(values, float), floor)


#: the heat maps' fixed colour scale [−HEAT_RANGE, HEAT_RANGE] (beyond it: the end colours,
#: the cell labels give the value); fixed, so a change never redraws the colour bar
HEAT_RANGE = 3.0
#: the C panel shows values in units U (one of these) on fixed axes [−0.4 U, 1.05 U]
ENTRY_UNITS = (2.0, 4.0, 8.0, 16.0, 32.0)
ENTRY_LIMITS = (-0.4, 1.05)
ENTRY_TICKS = (-0.25, 0.0, 0.25, 0.5, 0.75, 1.0)


def entry_unit(lo: float, hi: float) -> float:
    """The first unit U of ``ENTRY_UNITS`` with [lo, hi] inside [−0.4 U, 1.05 U]
    (few classes: the axis rarely relabels)."""
    need = max(hi / ENTRY_LIMITS[1], -lo / -ENTRY_LIMITS[0], 1e-12)
    return next((u for u in ENTRY_UNITS if u >= need * 1.02), need * 1.1)


# ----------------------------------------------------------------------------- C over time
def conserved_panel(ax) -> dict:
    """The entries of C = W1W1ᵀ − W2ᵀW2 over time (C₁₁, C₁₂ = C₂₁, C₂₂: flat lines) and the
    squared norms ‖W1‖²_F, ‖W2‖²_F (dashed: they change, their difference tr C does not),
    with a time cursor, on a ``time_axis``; the values in units U on fixed axes (labels
    blitted: ``set_entry_axis``); legend below the axes. Returns the artists by name
    ('time_labels', 'value_labels': the tick labels)."""
    c = ENTRY_COLOURS
    a = {}
    (a["c11"],) = ax.plot([], [], color=c["c11"], lw=2.0, label="C₁₁")
    (a["c12"],) = ax.plot([], [], color=c["c12"], lw=2.0, label="C₁₂ = C₂₁")
    (a["c22"],) = ax.plot([], [], color=c["c22"], lw=2.0, ls=(0, (1, 1.5)), label="C₂₂")
    (a["n1"],) = ax.plot([], [], color=c["n1"], lw=1.3, ls="--", label="‖W1‖²")
    (a["n2"],) = ax.plot([], [], color=c["n2"], lw=1.3, ls="-.", label="‖W2‖²")
    a["cursor"] = ax.axvline(0, color="gray", lw=0.8)
    ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    ax.set_xlabel("time t", **_LABEL)
    ax.set_ylabel("entries", **_LABEL)
    ax.set_title("Prop. 2: C = W1W1ᵀ − W2ᵀW2 is conserved", fontsize=8.5)
    ax.tick_params(**_SMALL)
    ax.set_ylim(*ENTRY_LIMITS)
    a["value_labels"] = value_axis(ax, ENTRY_TICKS, "−0.00")
    a["time_labels"] = time_axis(ax)
    ax.legend(handles=[a[k] for k in ("c11", "c12", "c22", "n1", "n2")], loc="upper center",
              bbox_to_anchor=(0.5, -0.24), ncol=5, fontsize=8, frameon=False,
              handlelength=1.6, columnspacing=0.9)
    return a


def set_entry_axis(panel: dict, unit: float) -> None:
    """Label the value ticks of ``conserved_panel`` for the unit U (tick y ↦ y·U)."""
    set_value_axis(panel["value_labels"], ENTRY_TICKS, unit)


def set_conserved(panel: dict, run, unit: float) -> None:
    """Put a ``MatrixFlowResult`` into the artists of ``conserved_panel``: against t / T,
    values / ``unit``."""
    t, C = unit_time(run.t), run.conserved / unit
    panel["c11"].set_data(t, C[:, 0, 0])
    panel["c12"].set_data(t, C[:, 0, 1])
    panel["c22"].set_data(t, C[:, 1, 1])
    panel["n1"].set_data(t, np.sum(run.W1 ** 2, axis=(1, 2)) / unit)
    panel["n2"].set_data(t, np.sum(run.W2 ** 2, axis=(1, 2)) / unit)


def unit_time(t):
    """The times t of a run in units of its horizon, t / t[-1] (for a ``time_axis``)."""
    t = np.asarray(t, float)
    return t / t[-1] if t[-1] > 0 else np.zeros_like(t)


def set_cursor(line, fraction: float) -> None:
    """A vertical cursor line (``axvline``) at ``fraction`` of a ``time_axis``."""
    line.set_xdata([fraction, fraction])


# ----------------------------------------------------------------------------- heat maps
def matrix_heat_maps(fig, titles, vmax: float = HEAT_RANGE) -> dict:
    """One 2 x 2 heat map per title, all on the colour scale [−vmax, vmax] with one colour
    bar, each cell labelled with its value, and a line of text above the maps.
    Returns {'axes', 'images', 'texts', 'frames', 'colorbar', 'time'}; ``texts[k]`` is the
    2 x 2 nested list of the cell labels of map k."""
    axes = fig.subplots(1, len(titles))
    images, texts, frames = [], [], []
    for ax, title in zip(axes, titles):
        images.append(ax.imshow(np.zeros((2, 2)), cmap=HEAT_CMAP, vmin=-vmax, vmax=vmax,
                                interpolation="nearest"))
        # a frame over the image (an image redrawn alone would cover the axes' spines)
        frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 2, 2, fill=False, lw=0.8,
                                             ec="0.35", zorder=3)))
        texts.append([[ax.text(j, i, "", ha="center", va="center", fontsize=8)
                       for j in range(2)] for i in range(2)])
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=8)
    bar = fig.colorbar(images[0], ax=list(axes), shrink=0.85, pad=0.03, aspect=12,
                       extend="both")
    bar.ax.tick_params(labelsize=8, length=2, pad=1)
    bar.set_label("entry", fontsize=8, labelpad=1)
    # above the maps: the time of C(t) and W2W1(t) (text set by the caller)
    time = fig.suptitle("t = 00.00", fontsize=8)
    return dict(axes=axes, images=images, texts=texts, frames=frames, colorbar=bar, time=time)


def matrix_labels(M, vmax: float = HEAT_RANGE) -> tuple:
    """The cell labels of a 2 x 2 matrix, ((text, colour), ...) row by row: two decimals,
    white on dark cells (|v| > 0.6 vmax). Hashable: a label that did not change is not
    redrawn."""
    M = np.asarray(M, float)
    out = []
    for v in M.ravel():
        v = 0.0 if abs(v) < 5e-3 else float(v)
        out.append((f"{v:.2f}".replace("-", "−"), "white" if abs(v) > 0.6 * vmax else "black"))
    return tuple(out)


def set_matrix(panel: dict, k: int, M) -> None:
    """Show the 2 x 2 matrix ``M`` in heat map ``k`` (the image only)."""
    panel["images"][k].set_data(np.asarray(M, float))


def set_matrix_labels(panel: dict, k: int, labels) -> None:
    """Write ``matrix_labels`` into the cells of heat map ``k``; ``None`` hides them (text
    costs ~1.5 ms a label per frame: a widget leaves them out while a slider is dragged)."""
    for i, text in enumerate(t for row in panel["texts"][k] for t in row):
        text.set_visible(labels is not None)
        if labels is not None:
            text.set_text(labels[i][0])
            text.set_color(labels[i][1])


# ----------------------------------------------------------------------------- log panels
def log_time_panel(ax, *, ylabel: str, label: str, colour: str, ylim, yticks,
                   title: str = "", critical: bool = False, time_labels: bool = True) -> dict:
    """A quantity over time (on a ``time_axis``) on a lean log axis (few ticks, no minor
    ticks), a time cursor and, with ``critical``, dotted lines at the critical values of g
    (the saddles' losses). ``time_labels=False``: no tick labels (axes sharing x with one
    below that has them). Returns {'line', 'cursor'} (and 'time_labels', 'critical')."""
    a = {}
    (a["line"],) = ax.semilogy([], [], color=colour, lw=2.0, label=label)
    handles = [a["line"]]
    if critical:
        (a["critical"],) = ax.plot([], [], color=CRITICAL_COLOUR, lw=0.9, ls=":",
                                   label="g at a saddle")
        handles.append(a["critical"])
    a["cursor"] = ax.axvline(0, color="gray", lw=0.8)
    ax.set_ylim(*ylim)
    ax.set_yticks(list(yticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.tick_params(**_SMALL)
    if time_labels:
        a["time_labels"] = time_axis(ax)
        ax.set_xlabel("time t", **_LABEL)
    else:                                   # the axes below (sharing x) carry them
        ax.set_xlim(0.0, 1.0)
        ax.set_xticks(np.linspace(0.0, 1.0, TIME_TICKS + 1))
        ax.tick_params(axis="x", labelbottom=False)
    ax.set_ylabel(ylabel, **_LABEL)
    if title:
        ax.set_title(title, fontsize=8.5)
    # above the axes, in place of a title: never over a curve
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
              fontsize=8, frameon=False, borderaxespad=0.2)
    return a


def set_critical_levels(line, values) -> None:
    """Dotted horizontal lines across a ``time_axis`` at the positive critical values of g
    (one polyline with NaN breaks)."""
    xs, ys = [], []
    for v in values:
        if v > 0:
            xs += [0.0, 1.0, np.nan]
            ys += [v, v, np.nan]
    line.set_data(xs, ys)
