"""Figures of the gradient-flow paper: the phase portrait in (w1, w2), the loss over time and
the convergence time T(c). Each function takes an Axes and returns the artists it made (a
dict by name, to update with ``set_data``); ``show_*`` functions put a solver result into
artists made here. Colours from ``style.OKABE_ITO``; the landscape's colour map is defined
once, here.
"""
from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation

from .style import OKABE_ITO

#: the landscape log10(g - g*) in the phase plane: colour map and range
LANDSCAPE_CMAP = "cividis"
LANDSCAPE_RANGE = (-4.0, 1.0)

#: the paper's Fig. 3 colours: centre-stable red, unstable blue, target set black
STABLE_COLOUR = OKABE_ITO["vermillion"]
UNSTABLE_COLOUR = OKABE_ITO["blue"]
TARGET_COLOUR = OKABE_ITO["black"]


def _tick_text(v, _):
    return f"{v:g}".replace("-", "−")


def landscape_image(gap):
    """log10 of the loss gap g - g* as the phase portrait colours it (floored at 1e-4)."""
    return np.log10(np.maximum(gap, 10 ** LANDSCAPE_RANGE[0]))


def phase_portrait(ax, extent, grid=121, *, title="phase portrait (click to set the start)"):
    """The (w1, w2) plane on [-extent, extent]^2: landscape image, level sets of the conserved
    quantity (white), the target set (black), the centre-stable / unstable curves of the
    saddle (red / blue, dashed: the paper's Fig. 3 colours), the exact or conserved curve
    through the start (white, dashed), the trajectory (orange) with its start and a cursor,
    the saddle mark and a note; legend below the axes (``show_phase_legend``). Returns the
    artists by name."""
    box = (-extent, extent, -extent, extent)
    a = {}
    a["landscape"] = ax.imshow(np.zeros((grid, grid)), extent=box, origin="lower",
                               cmap=LANDSCAPE_CMAP, vmin=LANDSCAPE_RANGE[0],
                               vmax=LANDSCAPE_RANGE[1], alpha=0.85, interpolation="bilinear")
    a["levels"] = ax.add_collection(LineCollection([], colors="white", linewidths=0.5,
                                                   alpha=0.5), autolim=False)
    (a["minima"],) = ax.plot([], [], color=TARGET_COLOUR, lw=2.2, label="target set x = x*")
    (a["stable"],) = ax.plot([], [], color=STABLE_COLOUR, lw=1.6, ls="--",
                             label="centre-stable line")
    (a["unstable"],) = ax.plot([], [], color=UNSTABLE_COLOUR, lw=1.6, ls="--",
                               label="unstable line")
    (a["exact"],) = ax.plot([], [], color="white", lw=1.4, ls=(0, (4, 3)),
                            label="conserved curve",
                            # a black edge: visible over the white level sets and the light map
                            path_effects=[patheffects.Stroke(linewidth=2.8, foreground="black"),
                                          patheffects.Normal()])
    (a["trajectory"],) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2.2, marker="",
                                 label="trajectory")
    (a["start"],) = ax.plot([], [], "o", color=OKABE_ITO["orange"], mec="black", ms=7)
    (a["cursor"],) = ax.plot([], [], "o", color="white", mec="black", ms=6)
    (a["saddle"],) = ax.plot([0], [0], "X", color=OKABE_ITO["purple"], mec="black", ms=10,
                             label="saddle")
    a["note"] = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=8,
                        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    ax.set(xlabel="w1", ylabel="w2", aspect="equal")
    for axis in (ax.xaxis, ax.yaxis):          # "−10" and "−0.5", not "−10.0" or "−0.25":
        # short tick labels keep the y label in view; one formatter per axis (a formatter
        # holds its axis: a shared one would keep the last figure alive)
        axis.set_major_formatter(FuncFormatter(_tick_text))
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.set_title(title, fontsize=9)
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent))
    # the colour encodes the loss gap: say how much (the map is floored at 1e-4)
    bar = ax.figure.colorbar(a["landscape"], ax=ax, shrink=0.8, aspect=25, pad=0.02,
                             ticks=range(int(LANDSCAPE_RANGE[0]), int(LANDSCAPE_RANGE[1]) + 1))
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")       # plain text: no mathtext
    bar.ax.set_yticklabels([f"10{str(k).translate(sup)}" for k in range(
        int(LANDSCAPE_RANGE[0]), int(LANDSCAPE_RANGE[1]) + 1)])
    bar.ax.tick_params(labelsize=8, length=2, pad=1)
    bar.set_label("loss gap g − g*", fontsize=8, labelpad=1)
    bar.solids.set_alpha(0.85)                  # as the map itself
    show_phase_legend(ax, a, manifolds=True)
    return a


def show_phase_legend(ax, artists, *, manifolds, curves=False):
    """The portrait's legend (below the axes: the landscape is blitted over the plot area
    only), listing what is drawn: the saddle's manifolds only when ``manifolds``;
    ``curves`` names them curves rather than lines (a neuron's separatrices)."""
    kind = "curve" if curves else "line"
    artists["stable"].set_label(f"centre-stable {kind}")
    artists["unstable"].set_label(f"unstable {kind}")
    names = ["minima", *(["stable", "unstable"] if manifolds else []), "exact", "trajectory",
             "saddle"]
    handles = [artists[n] for n in names]
    # the legend's grey box shows the white dashed conserved curve; its top sits 30 pt
    # below the axes, clear of the tick labels and the axis label (27 pt): overlapping
    # nothing, its pixels are kept through the full draws of a zoom (~20 ms a draw)
    below = ax.transAxes + ScaledTranslation(0, -30 / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
              bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncol=2, fontsize=8,
              frameon=True, facecolor="0.8", edgecolor="none", framealpha=1.0)


def show_landscape(artists, gap, levels, minima, manifolds, strict, extent):
    """Put a landscape into the artists of ``phase_portrait``: the loss gap g - g* on the
    grid over [-extent, extent]^2, the level sets (a list of (w1, w2) branches), the target
    set polyline, the (centre-stable, unstable) curves or None, and whether the origin is a
    strict saddle (filled mark) or not (white mark)."""
    artists["landscape"].set_data(landscape_image(gap))
    artists["landscape"].set_extent((-extent, extent, -extent, extent))
    artists["levels"].set_segments([np.c_[u, v] for u, v in levels])
    artists["minima"].set_data(*minima)
    stable, unstable = manifolds if manifolds is not None else (([], []), ([], []))
    artists["stable"].set_data(*stable)
    artists["unstable"].set_data(*unstable)
    artists["saddle"].set_markerfacecolor(OKABE_ITO["purple"] if strict else "white")


def show_path(line, start, w1, w2, *, discrete):
    """A trajectory (w1, w2) into its line and start mark; iterates of gradient descent
    (``discrete``) are drawn as dots."""
    line.set_data(w1, w2)
    line.set_marker("." if discrete else "")
    start.set_data(w1[:1], w2[:1])


def loss_panel(ax):
    """The loss gap f(x(t)) - f* over time on a log scale: numeric (orange), closed form
    (black, dashed), the bound (sky, dotted), a second start for Prop. 7 (blue) and a time
    cursor; the legend comes from ``show_loss_legend``."""
    a = {}
    (a["numeric"],) = ax.semilogy([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
    (a["exact"],) = ax.semilogy([], [], color="black", lw=1, ls="--",
                                label="flow, closed form")
    (a["bound"],) = ax.semilogy([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                label="bound $e^{-2\\mu\\sqrt{c}\\,t}$")
    (a["compare"],) = ax.semilogy([], [], color=OKABE_ITO["blue"], lw=1.6,
                                  label="second start (c₂)")
    a["cursor"] = ax.axvline(0, color="gray", lw=0.8)
    ax.set(ylim=(1e-12, 1e2), xlabel="time t", ylabel="f(x) − f(x*)")
    show_loss_legend(ax, a, False, False, False)
    return a


def show_losses(artists, t, gap, *, discrete, compare=None):
    """The run's loss gap over t (dots for gradient descent) and, for Prop. 7, the second
    start's ``compare = (t, gap)`` or None."""
    artists["numeric"].set_data(t, positive(gap))
    artists["numeric"].set_marker("." if discrete else "")
    artists["compare"].set_data(*(([], []) if compare is None else
                                  (compare[0], positive(compare[1]))))


def show_loss_references(artists, exact, bound):
    """The closed-form loss gap ``(t, gap)`` and the bound ``(t, values)``, each or None."""
    for name, data in (("exact", exact), ("bound", bound)):
        artists[name].set_data(*(([], []) if data is None else (data[0], positive(data[1]))))


def show_loss_legend(ax, artists, exact, bound, compare):
    """The loss panel's legend, listing the curves drawn (above the axes: a decaying, a
    diverging and a reference curve can pass anywhere inside)."""
    artists["numeric"].set_label("this start" if compare else "numeric")
    names = ["numeric", *(["exact"] if exact else []), *(["bound"] if bound else []),
             *(["compare"] if compare else [])]
    handles = [artists[n] for n in names]
    ax.legend(handles, [h.get_label() for h in handles], loc="lower center",
              bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False,
              borderaxespad=0.1, handlelength=1.8, columnspacing=1.2)


def positive(values, floor=1e-300):
    """``values`` floored at ``floor`` so a log axis can show them (exact zeros included)."""
    return np.maximum(values, floor)


def convergence_panel(ax, c_max, eps):
    """The convergence time T(c) to |x - x*| < eps against the paper's imbalance c: numeric
    (orange), closed form (black, dashed), the asymptote (1/sqrt(c)) ln(|x0 - x*|/eps) (sky,
    dotted), a mark at the current c and a note."""
    a = {}
    (a["numeric"],) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
    (a["exact"],) = ax.plot([], [], color="black", lw=1, ls="--", label="closed form")
    (a["asymptote"],) = ax.plot([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                label="(1/√c) ln(|x0−x*|/ε)")
    # imbalances whose T the solver's step cap left uncomputed: crosses on the top spine
    # (above the legend's box, which sits a pad below it)
    (a["uncomputed"],) = ax.plot([], [], "x", color="0.45", ms=5,
                                 transform=ax.get_xaxis_transform(), clip_on=False,
                                 label="T not computed")
    (a["mark"],) = ax.plot([], [], "o", color=OKABE_ITO["vermillion"], mec="black")
    a["note"] = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", fontsize=8)
    ax.set(xlim=(0, c_max), ylim=(0, 15), xlabel="imbalance c (the paper's)",
           ylabel=f"time to |x−x*|<{eps:g}")
    show_convergence_frame(ax, a, True, True, True)
    return a


def show_convergence_frame(ax, artists, numeric, exact, asymptote, uncomputed=False):
    """The legend of the T(c) panel, listing the curves drawn (and the crosses of
    imbalances not computed, when there are any)."""
    handles = [artists[n] for n, on in (("numeric", numeric), ("exact", exact),
                                        ("asymptote", asymptote),
                                        ("uncomputed", uncomputed)) if on]
    if handles:
        ax.legend(handles, [h.get_label() for h in handles], loc="upper right", fontsize=8)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()


def show_convergence_curve(artists, curve):
    """A T(c) curve (``{"c", "numeric", "exact", "asymptote"}``, exact/asymptote possibly
    None, the asymptote over c[1:], and an optional "note") into the artists of
    ``convergence_panel``, or None with a note (a neuron has no T(c) here). A NaN in the
    numeric T (not computed) is a gap in the line and a cross at the top edge."""
    artists["note"].set_text("T(c) is drawn for linear networks" if curve is None
                             else curve.get("note", ""))
    if curve is None:
        for name in ("numeric", "exact", "asymptote", "uncomputed"):
            artists[name].set_data([], [])
        return
    cs = curve["c"]
    artists["numeric"].set_data(cs, finite_or_gap(curve["numeric"]))
    missing = np.isnan(np.asarray(curve["numeric"], dtype=float))
    artists["uncomputed"].set_data(cs[missing], np.full(int(missing.sum()), 1.0))
    artists["exact"].set_data(*(([], []) if curve["exact"] is None else
                                (cs, finite_or_gap(curve["exact"]))))
    artists["asymptote"].set_data(*(([], []) if curve["asymptote"] is None else
                                    (cs[1:], curve["asymptote"])))


def show_convergence_mark(artists, c, T, top):
    """The mark at the current c: a dot at T, or a triangle at the top edge where T = inf
    (never converges) or beyond it; nothing where T is NaN (a neuron)."""
    mark = artists["mark"]
    if np.isnan(T):
        mark.set_data([], [])
        return
    mark.set_data([c], [min(T, top)])
    mark.set_marker("o" if T < top else "^")


def finite_or_gap(values):
    """``values`` with inf (never converged) as NaN: a gap in the line, not a spike."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)
