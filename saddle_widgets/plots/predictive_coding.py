"""Figures of the predictive-coding paper (Innocenti et al., NeurIPS 2024).

Each function draws into axes it is given and returns the artists to update later; the
``set_*`` functions update them from a solver result. Colours: backprop vermillion,
predictive coding blue, theory black (``BP_COLOUR``, ``PC_COLOUR``, ``THEORY_COLOUR``).
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import PowerNorm, SymLogNorm
from matplotlib.ticker import MaxNLocator, NullLocator

from .style import OKABE_ITO

BP_COLOUR = OKABE_ITO["vermillion"]
PC_COLOUR = OKABE_ITO["blue"]
THEORY_COLOUR = OKABE_ITO["black"]
ORIGIN_COLOUR = OKABE_ITO["purple"]
#: landscapes: √ colour scale on [0, 1.5] (the toy chain's origin sits at ~0.51)
LANDSCAPE_CMAP = "viridis"
LANDSCAPE_NORM_MAX = 1.5
#: Hessian heat maps: one symmetric colour range, red positive, blue negative
HEAT_CMAP = "RdBu_r"
HEAT_RANGE = 10.0       # the colour scale reaches ±10 (Fig. 9's F* entries reach 8.7)
HEAT_LINEAR = 0.1       # linear within ±0.1, logarithmic beyond
_SMALL = dict(labelsize=7, length=2, pad=1)
_LABEL = dict(fontsize=7.5, labelpad=1)
#: the sizes of the landscape and spectrum figures: no text below 8 pt
_TICKS8 = dict(labelsize=8, length=2, pad=1)
_LABEL8 = dict(fontsize=8, labelpad=1)
#: ticks of the landscapes' colour bars (√ scale: the low values get the room)
LANDSCAPE_TICKS = (0, 0.1, 0.5, 1, 1.5)
#: a landscape whose values in view span less than this is called flat in its note
FLAT_SPAN = 0.05


def lean_log_axis(ax, yticks) -> None:
    """Few ticks and no minor ticks: a log axis with minor ticks costs ~60 ms per draw."""
    ax.set_yticks(yticks)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(**_SMALL)


def pixel_centres(extent: float, n: int) -> np.ndarray:
    """Centres of n pixels across [-extent, extent] (where an image's values belong)."""
    return -extent + (np.arange(n) + 0.5) * 2 * extent / n


def arrow_axis(extent: float, n: int) -> np.ndarray:
    """n arrow positions strictly inside [-extent, extent], evenly spaced."""
    return np.linspace(-extent, extent, n + 2)[1:-1]


# ----------------------------------------------------------------------------- landscapes
def landscape_panel(ax, *, extent: float, pixels: int, arrows: int, title: str = " ",
                    value: str = "value") -> dict:
    """An empty landscape slice on [-extent, extent]²: image (√ colour scale) with a colour
    bar labelled ``value`` and a bracket on it at the range of values in view, arrows of
    the downhill direction, backprop and PC trajectories, start and step markers, the
    origin, corner labels of the two weights, a note saying when the slice is flat.
    Returns the artists by name."""
    q = arrow_axis(extent, arrows)
    zeros = np.zeros((q.size, q.size))
    norm = PowerNorm(0.5, vmin=0.0, vmax=LANDSCAPE_NORM_MAX)
    image = ax.imshow(np.zeros((pixels, pixels)), origin="lower",
                      extent=(-extent, extent, -extent, extent), cmap=LANDSCAPE_CMAP,
                      norm=norm, interpolation="bilinear")
    quiver = ax.quiver(*np.meshgrid(q, q), zeros, zeros, color="white", alpha=0.75,
                       angles="xy", scale_units="xy", scale=1 / (0.7 * (q[1] - q[0])),
                       pivot="mid", width=0.006, headwidth=3.5)
    (bp,) = ax.plot([], [], color=BP_COLOUR, lw=1.8, label="backprop")
    (pc,) = ax.plot([], [], color=PC_COLOUR, lw=1.8, label="predictive coding")
    (start,) = ax.plot([], [], "o", color="white", mec="black", ms=6, label="start")
    (mark_bp,) = ax.plot([], [], "o", color=BP_COLOUR, mec="black", ms=6)
    (mark_pc,) = ax.plot([], [], "o", color=PC_COLOUR, mec="black", ms=6)
    (origin,) = ax.plot([0], [0], "X", color=ORIGIN_COLOUR, mec="black", ms=10, label="origin")
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), aspect="equal",
           xticks=[-1, 0, 1], yticks=[-1, 0, 1])
    ax.tick_params(**_TICKS8)
    box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)
    xlabel = ax.text(0.98, 0.02, "", transform=ax.transAxes, ha="right", va="bottom",
                     fontsize=8, bbox=box)
    ylabel = ax.text(0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top",
                     fontsize=8, bbox=box)
    flat = ax.text(0.5, 0.08, "", transform=ax.transAxes, ha="center", va="bottom",
                   fontsize=8, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.5",
                                         alpha=0.9))
    title = ax.set_title(title, fontsize=8.5)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.03,
                             ticks=list(LANDSCAPE_TICKS))
    bar.ax.tick_params(**_TICKS8)
    bar.set_label(value, fontsize=8, labelpad=2)
    # the range of the values in view: a black bracket over the colour bar
    (span,) = bar.ax.plot([], [], color="black", lw=1.4, clip_on=False,
                          transform=bar.ax.get_yaxis_transform(), solid_capstyle="butt")
    return dict(image=image, quiver=quiver, bp=bp, pc=pc, start=start, mark_bp=mark_bp,
                mark_pc=mark_pc, origin=origin, xlabel=xlabel, ylabel=ylabel, title=title,
                colorbar=bar, span=span, flat=flat, value=value)


def landscape_legend(fig, panel: dict) -> None:
    """The legend of a landscape panel (trajectories, start, origin), below the axes so it
    hides no data (and no image is painted over it)."""
    fig.legend(handles=[panel[k] for k in ("bp", "pc", "start", "origin")],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False,
               handlelength=1.6, columnspacing=1.0, borderaxespad=0.2)


def set_landscape(panel: dict, image, field) -> None:
    """Show a ``ScalarLandscape`` on the pixel grid (``image``) and the unit downhill
    direction −∇f / |∇f| of one on the arrow grid (``field``); a flat point gets no arrow."""
    panel["image"].set_data(image.values)
    lo, hi = float(np.min(image.values)), float(np.max(image.values))
    top = LANDSCAPE_NORM_MAX
    lo, hi = min(max(lo, 0.0), top), min(max(hi, 0.0), top)
    pad = 0.004 * top                  # a flat slice still shows as a bar, not a hairline
    panel["span"].set_data([-0.25, 1.25, 1.25, -0.25, -0.25],
                           [lo - pad, lo - pad, hi + pad, hi + pad, lo - pad])
    symbol = panel["value"].split()[-1]
    panel["flat"].set_text(f"nearly flat: {lo:.3g} ≤ {symbol} ≤ {hi:.3g} in this slice"
                           if hi - lo < FLAT_SPAN else "")
    panel["flat"].set_visible(hi - lo < FLAT_SPAN)
    norm = np.hypot(field.grad_a, field.grad_b)
    flat = norm <= 1e-12 * max(1.0, float(np.max(norm)))
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(flat, 0.0, -field.grad_a / norm)
        v = np.where(flat, 0.0, -field.grad_b / norm)
    panel["quiver"].set_UVC(u, v)


def set_slice_labels(panel: dict, a: int, b: int) -> None:
    """Corner labels 'w₁ →' and 'w₂ ↑' naming the weights on the two axes."""
    sub = dict(enumerate("₀₁₂₃₄₅₆₇₈₉"))
    panel["xlabel"].set_text(f"w{sub[a]} →")
    panel["ylabel"].set_text(f"w{sub[b]} ↑")


def set_origin_marker(panel: dict, strict: bool) -> None:
    """The origin's X: filled for a strict saddle, white for a non-strict one."""
    panel["origin"].set_markerfacecolor(ORIGIN_COLOUR if strict else "white")


def set_trajectories(panel: dict, runs: dict, a: int, b: int, start) -> None:
    """Backprop and PC weight trajectories (``TrainingResult.weight_trajectory``) projected
    on the slice weights w_a, w_b, and the start marker."""
    for method in ("bp", "pc"):
        traj = runs[method].weight_trajectory
        panel[method].set_data(traj[a - 1][:, 0, 0], traj[b - 1][:, 0, 0])
    panel["start"].set_data([start[a - 1]], [start[b - 1]])


def set_step_markers(panel: dict, runs: dict, a: int, b: int, step: int) -> None:
    """Markers at training step ``step`` of each run (its last step if it is shorter)."""
    for method in ("bp", "pc"):
        traj = runs[method].weight_trajectory
        i = min(step, len(traj[0]) - 1)
        panel[f"mark_{method}"].set_data([traj[a - 1][i, 0, 0]], [traj[b - 1][i, 0, 0]])


# ----------------------------------------------------------------------------- training curves
def loss_curves(ax, *, ylim=(1e-6, 5.0), yticks=(1e-6, 1e-4, 1e-2, 1), legend=True,
                labels=("backprop", "predictive coding")) -> dict:
    """Backprop and PC curves on a lean log axis, and a dotted 'escaped below' line.
    Returns {'bp', 'pc', 'threshold'}."""
    (bp,) = ax.semilogy([], [], color=BP_COLOUR, lw=1.6, label=labels[0])
    (pc,) = ax.semilogy([], [], color=PC_COLOUR, lw=1.6, label=labels[1])
    (threshold,) = ax.plot([], [], color="gray", lw=0.8, ls=":", label="escaped below")
    ax.set_ylim(*ylim)
    lean_log_axis(ax, list(yticks))
    if legend:
        ax.legend(loc="lower left", fontsize=6)
    return dict(bp=bp, pc=pc, threshold=threshold)


def set_loss_curves(curves: dict, runs: dict, series: str = "losses",
                    horizon: int | None = None) -> None:
    """Curves of ``TrainingResult.<series>`` (losses or grad_norms) against the step t, or
    against t / ``horizon`` (on a ``unit_axes.time_axis``)."""
    for method in ("bp", "pc"):
        y = getattr(runs[method], series)
        t = np.arange(len(y))
        curves[method].set_data(t if horizon is None else t / horizon, np.maximum(y, 1e-300))


def set_threshold(curves: dict, threshold: float, x_end: float) -> None:
    """The dotted 'escaped below' level from step 0 to ``x_end``."""
    curves["threshold"].set_data([0, x_end], [threshold, threshold])


def escape_panel(ax, depths) -> dict:
    """Steps to escape against depth: BP and PC points, open triangles where a run does
    not escape within the horizon, a tick at the current depth."""
    (bp,) = ax.plot([], [], "o-", color=BP_COLOUR, lw=1.5, ms=4, label="backprop")
    (pc,) = ax.plot([], [], "s-", color=PC_COLOUR, lw=1.5, ms=4, label="predictive coding")
    (bp_never,) = ax.plot([], [], "^", mfc="none", mec=BP_COLOUR, ms=7,
                          label="not within the horizon")
    (pc_never,) = ax.plot([], [], "^", mfc="none", mec=PC_COLOUR, ms=7)
    (mark,) = ax.plot([], [], "|", color="black", ms=30, mew=0.8)
    ax.set(xlim=(min(depths) - 0.4, max(depths) + 0.4), xticks=list(depths))
    ax.set_xlabel("hidden layers H", **_LABEL)
    ax.set_ylabel("steps to escape", **_LABEL)
    ax.tick_params(**_SMALL)
    ax.legend(loc="upper left", fontsize=6)
    return dict(bp=bp, pc=pc, bp_never=bp_never, pc_never=pc_never, mark=mark)


def set_escape_points(panel: dict, escape: dict, n_steps: int, unit: float = 1.0) -> None:
    """``escape``: {H: (steps for BP or None, steps for PC or None)}; None is drawn as an
    open triangle at the horizon ``n_steps``; steps in units of ``unit`` (on a
    ``unit_axes.value_axis``)."""
    for i, method in enumerate(("bp", "pc")):
        hs = [H for H in escape if escape[H][i] is not None]
        panel[method].set_data(hs, [escape[H][i] / unit for H in hs])
        never = [H for H in escape if escape[H][i] is None]
        panel[f"{method}_never"].set_data(never, [n_steps / unit] * len(never))


# ----------------------------------------------------------------------------- Hessians
def hessian_heat_maps(fig, titles) -> dict:
    """One heat map per title on a shared symmetric-log colour scale (linear within
    ±HEAT_LINEAR, logarithmic out to ±HEAT_RANGE: entries of 0.1 and of 8 both read) with a
    colour bar, layer-boundary lines and a note on the middle map."""
    axes = fig.subplots(1, len(titles))
    norm = SymLogNorm(linthresh=HEAT_LINEAR, linscale=0.6, vmin=-HEAT_RANGE, vmax=HEAT_RANGE,
                      base=10)
    images, grids = [], []
    for ax, title in zip(axes, titles):
        images.append(ax.imshow(np.zeros((2, 2)), extent=(0, 1, 1, 0), cmap=HEAT_CMAP,
                                norm=norm, interpolation="nearest"))
        grids.append(ax.plot([], [], color="gray", lw=0.5)[0])
        ax.set(xlim=(0, 1), ylim=(1, 0), xticks=[], yticks=[])
        ax.set_title(title, fontsize=8.5)
    labels = []
    for ax in axes:
        ax.set_xlabel(" ", fontsize=8, labelpad=1)      # room for the block's label
        labels.append(ax.text(0.5, -0.03, "", transform=ax.transAxes, ha="center", va="top",
                              fontsize=8))
    ticks = [-HEAT_RANGE, -1, 0, 1, HEAT_RANGE]
    bar = fig.colorbar(images[0], ax=list(axes), shrink=0.8, pad=0.02, ticks=ticks)
    bar.ax.set_yticklabels([f"{t:g}".replace("-", "−") for t in ticks])
    bar.ax.tick_params(labelsize=8)
    bar.set_label("Hessian entry", fontsize=8, labelpad=1)
    mid = axes[len(axes) // 2]
    note = mid.text(0.5, 0.5, "", ha="center", va="center", fontsize=8, wrap=True,
                    transform=mid.transAxes, bbox=dict(fc="white", ec="gray", alpha=0.9))
    return dict(axes=axes, images=images, grids=grids, note=note, labels=labels)


def live_layers(matrices, sizes, rel: float = 1e-6) -> tuple[int, ...]:
    """The layers (0-based) whose weights own a row or column of the (square, same-sized)
    ``matrices`` with an entry above ``rel`` × their largest |entry| (finite-difference
    noise stays below it): the blocks a heat map needs; every layer if all are zero."""
    ms = [np.abs(np.asarray(M, float)) for M in matrices]
    big = max(float(np.max(M)) for M in ms) if ms[0].size else 0.0
    if not big > 0:
        return tuple(range(len(sizes)))
    live = np.zeros(ms[0].shape[0], bool)
    for M in ms:
        on = M > rel * big
        live |= on.any(axis=0) | on.any(axis=1)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return tuple(l for l in range(len(sizes)) if live[edges[l]:edges[l + 1]].any())


def layer_indices(sizes, layers) -> np.ndarray:
    """The weight indices (rows of the Hessian) of ``layers``, in order."""
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return np.concatenate([np.arange(edges[l], edges[l + 1]) for l in layers])


def block_label(sizes, layers) -> str:
    """'W₄: 12 of 56 weights' (the layers a cropped heat map shows), or 'all 56 weights'."""
    n = int(np.sum(sizes))
    if len(layers) == len(sizes):
        return f"all {n} weights"
    sub = dict(enumerate("₀₁₂₃₄₅₆₇₈₉"))
    names = ", ".join(f"W{sub.get(l + 1, l + 1)}" for l in layers)
    return f"{names}: {sum(sizes[l] for l in layers)} of {n} weights"


def display_matrix(M, max_side: int = 180) -> np.ndarray:
    """``M`` as a heat map shows it: unchanged up to ``max_side`` rows, else pooled over
    f × f blocks (f = ⌈n / max_side⌉), each block shown by its entry of largest magnitude
    (signed), so a one-entry-wide band of a sparse Hessian stays visible and the image has
    no more pixels than the axes (a 360 × 360 image cost ~40 ms a draw, 180 × 180 a quarter)."""
    M = np.asarray(M, float)
    n = M.shape[0]
    if n <= max_side:
        return M
    f = -(-n // max_side)
    m = -(-n // f)
    padded = np.zeros((m * f, m * f))
    padded[:n, :n] = M
    blocks = padded.reshape(m, f, m, f).transpose(0, 2, 1, 3).reshape(m, m, f * f)
    pick = np.argmax(np.abs(blocks), axis=2)
    return np.take_along_axis(blocks, pick[..., None], axis=2)[..., 0]


def layer_boundaries(sizes) -> tuple[list, list]:
    """One polyline (no NaN gaps) through the layer boundaries of a Hessian whose blocks
    have ``sizes`` weights, in unit coordinates: up and down the vertical cuts, then back
    and forth along the horizontal ones; every join runs along the frame."""
    cuts = np.cumsum(sizes)[:-1] / float(np.sum(sizes))
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
    return xs, ys


def eigenvalue_histograms(ax, bins: int) -> dict:
    """Stair histograms of Hessian eigenvalues (MSE, F* numerical, F* theory) on a log count
    axis. Returns {'mse', 'energy', 'theory', 'note'}."""
    edges = np.linspace(-1, 1, bins + 1)
    ones = np.full(bins, 0.7)
    out = {
        "mse": ax.stairs(ones, edges, baseline=0.7, color=BP_COLOUR, lw=1.6, label="MSE"),
        "energy": ax.stairs(ones, edges, baseline=0.7, color=PC_COLOUR, lw=1.6,
                            label="F* numerical"),
        "theory": ax.stairs(ones, edges, baseline=0.7, color=THEORY_COLOUR, lw=1.0, ls="--",
                            label="F* theory"),
    }
    ax.axvline(0, color="gray", lw=0.6)
    ax.set_yscale("log")
    ax.set(ylim=(0.7, 400), xlim=(-1, 1))
    lean_log_axis(ax, [1, 10, 100])
    ax.tick_params(**_TICKS8)
    ax.set_xlabel("Hessian eigenvalue λ", **_LABEL8)
    ax.set_ylabel("count", **_LABEL8)
    # above the axes: the stairs may reach any corner
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8,
              frameon=False, handlelength=1.4, columnspacing=0.8, borderaxespad=0.1)
    out["note"] = ax.text(0.98, 0.97, "", transform=ax.transAxes, ha="right", va="top",
                          fontsize=8)
    return out


def symmetric_range(values, steps=(0.5, 1, 2, 3, 5, 10, 20, 50), last=100.0) -> float:
    """The first of ``steps`` holding |values| with a 5 % margin (fixed axes while a
    value moves a little)."""
    big = max(float(np.max(np.abs(v))) for v in values)
    return next((m for m in steps if m >= 1.05 * big), last)


def negative_range(values, steps=(1, 2, 3, 5, 10, 15, 20, 30, 50, 100, 200)) -> float:
    """The first of ``steps`` at least 1.1 × |the most negative of values| (and ≥ 1): an
    axis down to −that holds them all and stays put while they move a little."""
    lo = min(-1.0, *(float(np.min(v)) for v in values))
    return next((m for m in steps if m >= -lo * 1.1), -lo * 1.1)


def histogram_counts(eigenvalues: dict, xmax: float, bins: int) -> dict:
    """{'edges': bins + 1 equal edges over [−xmax, xmax], 'counts': {name: counts}} of each
    set of eigenvalues (values beyond ±xmax go in the end bins; None sets are left out)."""
    edges = np.linspace(-xmax, xmax, bins + 1)
    counts = {name: np.histogram(np.clip(lam, -xmax, xmax), edges)[0]
              for name, lam in eigenvalues.items() if lam is not None}
    return {"edges": edges, "counts": counts}


def set_histograms(hist: dict, histograms: dict) -> None:
    """Stairs of ``histogram_counts``; a set without counts hides its stairs."""
    for name in ("mse", "energy", "theory"):
        counts = histograms["counts"].get(name)
        hist[name].set_visible(counts is not None)
        if counts is not None:
            hist[name].set_data(np.maximum(counts, 0.7), histograms["edges"], baseline=0.7)


def depth_panel(ax, depths) -> dict:
    """λ_min at the saddle against depth, MSE and F*, with rings at the current depth."""
    (mse,) = ax.plot([], [], "o-", color=BP_COLOUR, lw=1.5, ms=4, label="MSE")
    (energy,) = ax.plot([], [], "s-", color=PC_COLOUR, lw=1.5, ms=4, label="F*")
    (mark_mse,) = ax.plot([], [], "o", mfc="none", mec="black", ms=10)
    (mark_energy,) = ax.plot([], [], "o", mfc="none", mec="black", ms=10)
    ax.axhline(0, color="gray", lw=0.6)
    ax.set(xlim=(min(depths) - 0.4, max(depths) + 0.4), xticks=list(depths), ylim=(-3, 0.5))
    ax.set_xlabel("hidden layers H", **_LABEL8)
    ax.set_ylabel("λ_min at the saddle", **_LABEL8)
    ax.tick_params(**_TICKS8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8,
              frameon=False, handlelength=1.6, borderaxespad=0.1)
    return dict(mse=mse, energy=energy, mark_mse=mark_mse, mark_energy=mark_energy)


# ----------------------------------------------------------------------------- eigen-plane
def eigenplane_panels(fig, plane: dict, paths: dict, lambdas=(None, None)) -> dict:
    """The MSE (left) and F* (right) on the plane of ``pc.eigenplane_landscape``, on one
    colour scale with a colour bar; each panel with its method's trajectory projected on the
    plane (``paths``: {'bp': (a, b), 'pc': (a, b)}, ``pc.project_trajectory``) and its start.
    ``lambdas``: the eigenvalues of the two directions, for the axis labels.
    Returns {'axes', 'images', 'paths'}."""
    axes = fig.subplots(1, 2, sharey=True)
    ext = (plane["a"][0], plane["a"][-1], plane["b"][0], plane["b"][-1])
    lo = min(float(np.min(plane["mse"])), float(np.min(plane["energy"])))
    hi = max(float(np.max(plane["mse"])), float(np.max(plane["energy"])))
    images, lines = [], {}
    la, lb = (f" (λ = {v + 0.0:.3g})" if v is not None else "" for v in lambdas)
    for ax, key, method, title in ((axes[0], "mse", "bp", "MSE (backprop)"),
                                   (axes[1], "energy", "pc", "F* (predictive coding)")):
        images.append(ax.imshow(plane[key], origin="lower", extent=ext, cmap="viridis",
                                vmin=lo, vmax=hi, aspect="auto", interpolation="bilinear"))
        a, b = paths[method]
        colour = BP_COLOUR if method == "bp" else PC_COLOUR
        (lines[method],) = ax.plot(a, b, color=colour, lw=1.6, marker=".", ms=3,
                                   label="backprop" if method == "bp" else "predictive coding")
        ax.plot(a[:1], b[:1], "o", color="white", mec="black", ms=5)
        ax.set_title(title, fontsize=8.5)
        ax.set_xlabel("top eigen-direction" + la, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("bottom eigen-direction" + lb, fontsize=8)
    bar = fig.colorbar(images[0], ax=list(axes), shrink=0.9, pad=0.02)
    bar.set_label("objective", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return dict(axes=axes, images=images, paths=lines)


def eigenplane_axes(fig, extent: float = 1.0) -> dict:
    """Empty eigen-plane panels for a live view: the MSE (left, backprop's path) and F*
    (right, PC's path) on one colour scale with a colour bar, the start and the end of each
    path, the origin. Fill them with ``set_eigenplane`` and ``set_eigenplane_paths``.
    Returns {'axes', 'images', 'paths', 'starts', 'ends', 'bar'}."""
    axes = fig.subplots(1, 2, sharey=True)
    images, paths, starts, ends = [], {}, {}, {}
    for ax, method, title in ((axes[0], "bp", "MSE (backprop)"),
                              (axes[1], "pc", "F* (predictive coding)")):
        images.append(ax.imshow(np.zeros((2, 2)), origin="lower", cmap="viridis",
                                extent=(-extent, extent, -extent, extent), aspect="auto",
                                interpolation="bilinear"))
        colour = BP_COLOUR if method == "bp" else PC_COLOUR
        (paths[method],) = ax.plot([], [], color=colour, lw=1.6, marker=".", ms=2.5)
        (starts[method],) = ax.plot([], [], "o", color="white", mec="black", ms=5)
        (ends[method],) = ax.plot([], [], "o", color=colour, mec="black", ms=5)
        ax.plot([0], [0], "X", color=ORIGIN_COLOUR, mec="black", ms=8)
        ax.set_title(title, fontsize=8.5)
        ax.tick_params(**_SMALL)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.set(xlim=(-extent, extent), ylim=(-extent, extent))
    clock = axes[0].text(0.03, 0.97, "", transform=axes[0].transAxes, ha="left", va="top",
                         fontsize=8, bbox=dict(fc="white", ec="none", alpha=0.8, pad=1.5))
    bar = fig.colorbar(images[0], ax=list(axes), shrink=0.9, pad=0.02)
    bar.set_label("objective", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return dict(axes=axes, images=images, paths=paths, starts=starts, ends=ends, bar=bar,
                clock=clock)


def set_eigenplane(panel: dict, plane: dict, lambdas=(None, None), *, frame: bool = True
                   ) -> None:
    """Show a ``pc.eigenplane_landscape`` (both objectives on one colour scale, the axes
    spanning the plane) and name the directions with their eigenvalues. ``frame=False``
    (while a slider is dragged): the images only, on the axes, labels and colour scale
    already shown."""
    ext = (plane["a"][0], plane["a"][-1], plane["b"][0], plane["b"][-1])
    for image, key in zip(panel["images"], ("mse", "energy")):
        image.set_data(plane[key])
        image.set_extent(ext)
    if not frame:
        return
    lo = min(float(np.min(plane["mse"])), float(np.min(plane["energy"])))
    hi = max(float(np.max(plane["mse"])), float(np.max(plane["energy"])))
    hi = hi if hi > lo else lo + 1e-9
    la, lb = (f" (λ = {v + 0.0:.3g})" if v is not None else "" for v in lambdas)
    for ax, image in zip(panel["axes"], panel["images"]):
        image.set_clim(lo, hi)
        ax.set(xlim=ext[:2], ylim=ext[2:])
        ax.set_xlabel("top eigen-direction" + la, fontsize=8, labelpad=1)
    panel["axes"][0].set_ylabel("bottom eigen-direction" + lb, fontsize=8, labelpad=1)


def set_eigenplane_paths(panel: dict, paths: dict) -> None:
    """Each method's projected path (``pc.project_trajectory``: {'bp': (a, b), 'pc': ...}),
    with its start and its last point."""
    for method in ("bp", "pc"):
        a, b = paths[method]
        panel["paths"][method].set_data(a, b)
        panel["starts"][method].set_data(a[:1], b[:1])
        panel["ends"][method].set_data(a[-1:], b[-1:])
    (x0, x1), (y0, y1) = panel["axes"][0].get_xlim(), panel["axes"][0].get_ylim()
    off = [name for method, name in (("bp", "BP"), ("pc", "PC"))
           if not (x0 <= paths[method][0][-1] <= x1 and y0 <= paths[method][1][-1] <= y1)]
    panel["clock"].set_text(_steps_text(max(len(paths[m][0]) for m in ("bp", "pc")) - 1, off))


def _steps_text(steps: int, off=()) -> str:
    """'after n steps', and which runs ended outside the view (their last point is not drawn)."""
    return f"after {steps} steps" + (f" · {' and '.join(off)} ended off the view" if off else "")


# ----------------------------------------------------------------------------- the H = 2 chain in 3-D
def chain_axes_3d(fig, extent: float, *, elev: float = 20.0, azim: float = -60.0) -> dict:
    """A 3-D axes over [−extent, extent]³ labelled w₁, w₂, w₃ with, empty: the minimum
    manifold's wireframe, backprop's and PC's weight paths, their start and ends, and the
    origin saddle. Returns the artists by name."""
    from mpl_toolkits.mplot3d.art3d import Line3DCollection
    ax = fig.add_subplot(projection="3d")
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), zlim=(-extent, extent))
    ax.set_xlabel("w₁", fontsize=8, labelpad=-4)
    ax.set_ylabel("w₂", fontsize=8, labelpad=-4)
    ax.set_zlabel("w₃", fontsize=8, labelpad=-4)
    ax.view_init(elev=elev, azim=azim)
    ax.set_box_aspect(None, zoom=0.9)
    ax.tick_params(labelsize=6.5, pad=-2)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(3))
    manifold = Line3DCollection([], colors=[(0.3, 0.3, 0.3, 0.55)], linewidths=0.6,
                                label="minima w₁w₂w₃ = p*")
    ax.add_collection3d(manifold, autolim=False)
    # paths are cut at the box (a run that leaves it is not drawn over the axes)
    (bp,) = ax.plot([], [], [], color=BP_COLOUR, lw=1.8, label="backprop", axlim_clip=True)
    (pc,) = ax.plot([], [], [], color=PC_COLOUR, lw=1.8, label="predictive coding",
                    axlim_clip=True)
    (start,) = ax.plot([], [], [], "o", color="white", mec="black", ms=5, label="start")
    (end_bp,) = ax.plot([], [], [], "o", color=BP_COLOUR, mec="black", ms=5, axlim_clip=True)
    (end_pc,) = ax.plot([], [], [], "o", color=PC_COLOUR, mec="black", ms=5, axlim_clip=True)
    (origin,) = ax.plot([0], [0], [0], "X", color=ORIGIN_COLOUR, mec="black", ms=8,
                        label="origin (saddle)")
    legend = fig.legend(handles=[bp, pc, start, origin, manifold], loc="lower center",
                        fontsize=8, framealpha=0.85, ncols=3, columnspacing=0.8,
                        handlelength=1.5, borderaxespad=0.2)
    clock = ax.text2D(0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top", fontsize=8)
    return dict(ax=ax, manifold=manifold, bp=bp, pc=pc, start=start, end_bp=end_bp,
                end_pc=end_pc, origin=origin, legend=legend, clock=clock)


def set_chain_manifold(panel: dict, curves) -> None:
    """The wireframe of the minimum manifold (``pc.chain_minimum_curves``)."""
    panel["manifold"].set_segments(list(curves))


def set_chain_paths(panel: dict, paths: dict) -> None:
    """Backprop's and PC's (w₁, w₂, w₃) paths ({'bp': (3, n + 1) array, 'pc': ...}), their
    common start and their last points."""
    for method in ("bp", "pc"):
        w = paths[method]
        panel[method].set_data_3d(w[0], w[1], w[2])
        panel[f"end_{method}"].set_data_3d(w[0, -1:], w[1, -1:], w[2, -1:])
    w = paths["bp"]
    panel["start"].set_data_3d(w[0, :1], w[1, :1], w[2, :1])
    lo, hi = panel["ax"].get_xlim()
    off = [name for method, name in (("bp", "BP"), ("pc", "PC"))
           if not np.all((lo <= paths[method][:, -1]) & (paths[method][:, -1] <= hi))]
    panel["clock"].set_text(_steps_text(max(paths[m].shape[1] for m in ("bp", "pc")) - 1, off))
