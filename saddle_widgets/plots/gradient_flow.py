"""Figures of the gradient-flow paper: the phase portrait in (w1, w2), the loss over time and
the convergence time T(c). Each function takes an Axes and returns the artists it made (a
dict by name, to update with ``set_data``); ``show_*`` functions put a solver result into
artists made here. Colours from ``style.OKABE_ITO``; the landscape's colour map is defined
once, here.
"""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..solvers import gradient_flow as gf
from .style import OKABE_ITO

#: the landscape log10(g - g*) in the phase plane: colour map and range
LANDSCAPE_CMAP = "cividis"
LANDSCAPE_RANGE = (-4.0, 1.0)
#: the conserved hyperbolas w1^2 - w2^2 = const drawn in white behind everything
HYPERBOLA_LEVELS = np.linspace(-6, 6, 13)


def landscape_image(gap):
    """log10 of the loss gap g - g* as the phase portrait colours it (floored at 1e-4)."""
    return np.log10(np.maximum(gap, 10 ** LANDSCAPE_RANGE[0]))


def phase_portrait(ax, extent, grid=121, *, title="phase portrait (click to set the start)"):
    """The (w1, w2) plane on [-extent, extent]^2: landscape image, conserved hyperbolas,
    minima (green), stable / unstable curves of the saddle (blue / vermillion, dashed), the
    exact or conserved curve (black, dashed), the trajectory (orange) with its start and a
    cursor, the saddle mark and a note; legend below the axes. Returns the artists by name."""
    box = (-extent, extent, -extent, extent)
    a = {}
    a["landscape"] = ax.imshow(np.zeros((grid, grid)), extent=box, origin="lower",
                               cmap=LANDSCAPE_CMAP, vmin=LANDSCAPE_RANGE[0],
                               vmax=LANDSCAPE_RANGE[1], alpha=0.85, interpolation="bilinear")
    a["hyperbolas"] = ax.add_collection(LineCollection(
        [np.c_[u, v] for u, v in gf.hyperbolas(HYPERBOLA_LEVELS, extent)], colors="white",
        linewidths=0.5, alpha=0.5), autolim=False)
    (a["minima"],) = ax.plot([], [], color=OKABE_ITO["green"], lw=2.5, label="minima (x = x*)")
    (a["stable"],) = ax.plot([], [], color=OKABE_ITO["blue"], lw=1.5, ls="--",
                             label="stable line")
    (a["unstable"],) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.5, ls="--",
                               label="unstable line")
    (a["exact"],) = ax.plot([], [], color="black", lw=1, ls=(0, (4, 3)),
                            label="exact / conserved curve")
    (a["trajectory"],) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2.2, marker="",
                                 label="trajectory")
    (a["start"],) = ax.plot([], [], "o", color=OKABE_ITO["orange"], mec="black", ms=7)
    (a["cursor"],) = ax.plot([], [], "o", color="white", mec="black", ms=6)
    (a["saddle"],) = ax.plot([0], [0], "X", color=OKABE_ITO["purple"], mec="black", ms=10,
                             label="saddle")
    a["note"] = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=7,
                        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xlabel="w1", ylabel="w2",
           aspect="equal")
    ax.set_title(title, fontsize=9)
    # outside the axes: the landscape is blitted over the plot area only
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=6.5,
              frameon=False)
    return a


def show_landscape(artists, gap, minima, manifolds, strict):
    """Put a landscape into the artists of ``phase_portrait``: the loss gap g - g* on the
    grid, the minima polyline, the (stable, unstable) curves or None, and whether the
    origin is a strict saddle (filled mark) or not (white mark)."""
    artists["landscape"].set_data(landscape_image(gap))
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
    (black, dashed), the bound e^(-2 mu c t) (sky, dotted) and a time cursor."""
    a = {}
    (a["numeric"],) = ax.semilogy([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
    (a["exact"],) = ax.semilogy([], [], color="black", lw=1, ls="--", label="closed form")
    (a["bound"],) = ax.semilogy([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                label="bound $e^{-2\\mu c t}$")
    a["cursor"] = ax.axvline(0, color="gray", lw=0.8)
    ax.set(ylim=(1e-12, 1e2), xlabel="time t", ylabel="f(x) − f(x*)")
    # lower left: below a decaying loss and below a diverging one (both start near 1)
    ax.legend(loc="lower left", fontsize=6.5)
    return a


def positive(values, floor=1e-300):
    """``values`` floored at ``floor`` so a log axis can show them (exact zeros included)."""
    return np.maximum(values, floor)


def convergence_panel(ax, c_max, eps):
    """The convergence time T(|c|) to |x - x*| < eps: numeric (orange), closed form
    (black, dashed), the asymptote (1/c) ln(|x0 - x*|/eps) (sky, dotted), a mark at the
    current c and a note."""
    a = {}
    (a["numeric"],) = ax.plot([], [], color=OKABE_ITO["orange"], lw=2, label="numeric")
    (a["exact"],) = ax.plot([], [], color="black", lw=1, ls="--", label="closed form")
    (a["asymptote"],) = ax.plot([], [], color=OKABE_ITO["sky"], lw=1.2, ls=":",
                                label="(1/c) ln(|x0−x*|/ε)")
    (a["mark"],) = ax.plot([], [], "o", color=OKABE_ITO["vermillion"], mec="black")
    a["note"] = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", fontsize=8)
    ax.set(xlim=(0, c_max), ylim=(0, 15), xlabel="imbalance |c|",
           ylabel=f"time to |x−x*|<{eps:g}")
    ax.legend(loc="upper right", fontsize=6.5)
    return a


def finite_or_gap(values):
    """``values`` with inf (never converged) as NaN: a gap in the line, not a spike."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)
