"""Plots of PLRNN solver results: basin maps, cycles by kind, invariant manifolds,
trajectories and bifurcation diagrams, in axes passed in.

Colours are defined once here (Okabe-Ito, ``plots.style``): basins are lightened so the
markers and manifolds drawn over them stay visible; stable manifolds blue, unstable
vermillion; attractor k (and its basin) in the k-th of four colours, cycling. Each
function returns the artists it made; the ``set_*`` functions update them in place.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..solvers.plrnn_dynamics import DIVERGENT, index_of_cycle
from .style import OKABE_ITO
from .unit_axes import set_value_axis, value_axis

__all__ = ["ATTRACTOR_COLOUR_NAMES", "BASIN_COLOURS", "BASIN_CMAP", "basin_colour_index",
           "attractor_colour", "basin_image", "set_basin", "basin_legend_handles",
           "cycle_markers", "set_cycle_markers", "manifold_lines", "set_manifolds",
           "phase_legend", "show_phase_legend", "attractor_line", "set_attractor_line", "border_lines", "set_border_lines", "trajectory_line", "set_trajectory",
           "time_series", "set_time_series", "bifurcation_points", "set_bifurcation",
           "DELTA_BINS", "delta_histogram", "quality_histogram", "set_quality_histogram", "det_sign_map",
           "set_det_sign_map"]

#: Okabe-Ito names of the attractor colours (attractor k -> name k mod 4)
ATTRACTOR_COLOUR_NAMES = ("orange", "sky", "green", "yellow")
_N = len(ATTRACTOR_COLOUR_NAMES)


def _light(colour, amount=0.55):
    rgb = np.array(to_rgb(colour))
    return tuple(rgb + (1 - rgb) * amount)


#: basin colours by index: 0 divergent, 1 bounded with no attractor found, 2 + k attractor k (mod 4)
BASIN_COLOURS = ([_light("#999999", 0.35), _light(OKABE_ITO["purple"], 0.45)]
                 + [_light(OKABE_ITO[n]) for n in ATTRACTOR_COLOUR_NAMES])
BASIN_CMAP = ListedColormap(BASIN_COLOURS, name="plrnn_basins")


def basin_colour_index(labels) -> np.ndarray:
    """Colour index of basin-map labels: DIVERGENT -> 0, BOUNDED_OTHER -> 1, attractor k ->
    2 + (k mod 4); the colour shown is BASIN_COLOURS[index]."""
    labels = np.asarray(labels)
    return np.where(labels >= 0, 2 + np.mod(labels, _N),
                    np.where(labels == DIVERGENT, 0, 1)).astype(np.int64)


def attractor_colour(k: int, *, name: bool = False) -> str:
    """The (unlightened) colour of attractor k, or its Okabe-Ito name if ``name``."""
    colour = ATTRACTOR_COLOUR_NAMES[k % _N]
    return colour if name else OKABE_ITO[colour]


def basin_image(ax, basin=None, *, extent=(-1.0, 1.0, -1.0, 1.0), zorder=0):
    """The image of a BasinMap's labels (``basin_map``) in the basin colours; returns it."""
    image = ax.imshow(np.zeros((2, 2), dtype=np.int64), origin="lower", extent=extent,
                      cmap=BASIN_CMAP, vmin=-0.5, vmax=len(BASIN_COLOURS) - 0.5,
                      interpolation="nearest", zorder=zorder)
    if basin is not None:
        set_basin(image, basin)
    return image


def set_basin(image, basin) -> None:
    image.set_data(basin_colour_index(basin.labels))
    image.set_extent(basin.extent)


def basin_legend_handles(n: int = _N) -> list:
    """Legend patches: basin 1..n, divergent, bounded but no attractor found ("other")."""
    out = [Patch(color=BASIN_COLOURS[2 + i % _N], label=f"basin {i + 1}") for i in range(n)]
    return out + [Patch(color=BASIN_COLOURS[0], label="divergent"),
                  Patch(color=BASIN_COLOURS[1], label="bounded, other")]


_KINDS = ("stable", "saddle", "unstable", "non-hyperbolic")


def cycle_markers(ax) -> dict:
    """Empty scatter artists per cycle kind: stable (filled with its basin's colour),
    saddle (purple X), unstable (open circle), non-hyperbolic (open purple diamond)."""
    empty = (np.zeros(0), np.zeros(0))
    return {
        "stable": ax.scatter(*empty, s=50, marker="o", edgecolors="black", linewidths=1.0,
                             zorder=6, label="stable"),
        "saddle": ax.scatter(*empty, s=60, marker="X", facecolors=OKABE_ITO["purple"],
                             edgecolors="black", linewidths=0.8, zorder=6, label="saddle"),
        "unstable": ax.scatter(*empty, s=50, marker="o", facecolors="none", edgecolors="black",
                               linewidths=1.2, zorder=6, label="unstable"),
        "non-hyperbolic": ax.scatter(*empty, s=50, marker="D", facecolors="none",
                                     edgecolors=OKABE_ITO["purple"], linewidths=1.2, zorder=6,
                                     label="non-hyperbolic"),
    }


def set_cycle_markers(markers: dict, cycles, attractors=()) -> None:
    """Show ``cycles`` by kind (fixed points large, k-cycles small); a stable cycle is
    filled with the colour of its position in ``attractors`` (a BasinMap's), else white."""
    groups = {k: [c for c in cycles if c.kind == k] for k in _KINDS}
    for kind, artist in markers.items():
        cyc = groups[kind]
        pts = np.concatenate([c.points for c in cyc]) if cyc else np.zeros((0, 2))
        sizes = (np.concatenate([np.full(c.period, 55.0 if c.period == 1 else 18.0) for c in cyc])
                 if cyc else np.zeros(0))
        artist.set_offsets(pts)
        artist.set_sizes(sizes)
        if kind == "stable":
            colours = []
            for c in cyc:
                k = index_of_cycle(c, attractors)
                colours += [attractor_colour(k) if k is not None else "white"] * c.period
            artist.set_facecolors(colours if colours else "white")


def manifold_lines(ax) -> tuple:
    """(stable line, unstable line, homoclinic-point marks), empty."""
    (stable,) = ax.plot([], [], color=OKABE_ITO["blue"], lw=1.3, zorder=3, label="stable manifold")
    (unstable,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.3, zorder=3,
                          label="unstable manifold")
    (homoclinic,) = ax.plot([], [], "*", color=OKABE_ITO["yellow"], mec="black", mew=0.4, ms=5,
                            ls="none", zorder=7, label="homoclinic points")
    return stable, unstable, homoclinic


def _polyline(manifolds):
    """The branches of the given Manifolds as one NaN-separated polyline (x, y)."""
    xs, ys = [], []
    for m in manifolds:
        if m is None:
            continue
        for b in m.branches:
            xs += [b[:, 0], [np.nan]]
            ys += [b[:, 1], [np.nan]]
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def set_manifolds(lines, result) -> None:
    """Draw a SaddleManifolds (``saddle_manifolds``) into ``manifold_lines``' artists."""
    stable, unstable, homoclinic = lines
    stable.set_data(*_polyline([t[1] for t in result.traced]))
    unstable.set_data(*_polyline([t[2] for t in result.traced]))
    homoclinic.set_data(result.homoclinic[:, 0], result.homoclinic[:, 1])


def border_lines(ax, view: float = 1.0):
    """The subregion borders z_1 = 0 and z_2 = 0 (dotted) across [-view, view]^2."""
    (line,) = ax.plot([], [], color="#555555", lw=0.8, ls=":", zorder=1, label="borders z_i = 0")
    set_border_lines(line, view)
    return line


def set_border_lines(line, view: float) -> None:
    line.set_data([-view, view, np.nan, 0, 0], [0, 0, np.nan, -view, view])


def phase_legend(ax, handles) -> None:
    """The phase-plane legend outside the axes: ``handles`` (lines and marks), every cycle
    kind and the four basin colours (the widest legend: ``show_phase_legend`` lists only
    what is drawn)."""
    show_phase_legend(ax, handles, kinds=_KINDS, basins=range(_N), divergent=True, other=True,
                      k_cycles=True)


def _kind_handle(kind):
    style = {"stable": dict(marker="o", mfc=BASIN_COLOURS[2], mec="black",
                            label="stable (fill = basin)"),
             "saddle": dict(marker="X", mfc=OKABE_ITO["purple"], mec="black", label="saddle"),
             "unstable": dict(marker="o", mfc="none", mec="black", label="unstable"),
             "non-hyperbolic": dict(marker="D", mfc="none", mec=OKABE_ITO["purple"],
                                    label="non-hyperbolic")}[kind]
    return Line2D([], [], ls="none", **style)


def show_phase_legend(ax, handles, *, kinds=(), basins=(), divergent=False, other=False,
                      k_cycles=False, n_attractors=None) -> None:
    """The phase-plane legend outside the axes (the basin image is blitted over the plot
    area), listing what is drawn: ``handles`` (lines and marks), the cycle ``kinds`` shown,
    the basin colours ``basins`` (colour indices k mod 4 present; with ``n_attractors`` > 4
    the entry names every basin of that colour), the divergent and "bounded, no attractor
    found" colours when present, and the note on small markers when k-cycles are shown."""
    out = list(handles) + [_kind_handle(k) for k in _KINDS if k in kinds]
    n = _N if n_attractors is None else n_attractors
    for k in basins:
        same = list(range(k, max(n, k + 1), _N))
        label = (f"basin {k + 1}" if len(same) == 1 else
                 "basins " + ", ".join(str(i + 1) for i in same))
        out.append(Patch(color=BASIN_COLOURS[2 + k % _N], label=label))
    if divergent:
        out.append(Patch(color=BASIN_COLOURS[0], label="divergent"))
    if other:
        out.append(Patch(color=BASIN_COLOURS[1], label="bounded, other"))
    ax.legend(handles=out, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
              frameon=False, handlelength=1.5,
              title="small markers: k-cycles" if k_cycles else None, title_fontsize=8)


def attractor_line(ax):
    """A long orbit on a chaotic attractor as faint dots (empty); returns the artist."""
    (line,) = ax.plot([], [], ls="none", marker=".", ms=1.5, mew=0, color="#222222",
                      alpha=0.45, zorder=2, label="chaotic attractor")
    return line


def set_attractor_line(line, orbit) -> None:
    """Show ``orbit`` (n, 2) on ``attractor_line``'s artist (None: nothing)."""
    if orbit is None:
        line.set_data([], [])
    else:
        line.set_data(orbit[:, 0], orbit[:, 1])


def trajectory_line(ax) -> tuple:
    """(orbit line, start mark), empty."""
    (line,) = ax.plot([], [], "-", color="#333333", lw=0.5, marker=".", ms=2.5, alpha=0.8,
                      zorder=2, label="trajectory")
    (start,) = ax.plot([], [], "s", color="black", ms=4, zorder=8)
    return line, start


def set_trajectory(artists, orbit) -> None:
    line, start = artists
    line.set_data(orbit[:, 0], orbit[:, 1])
    start.set_data([orbit[0, 0]], [orbit[0, 1]])


#: the values a time-series or bifurcation axis takes (times powers of ten)
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_limit(view: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 (times a power of ten) that is >= ``view``:
    the range ±limit of the time series and the bifurcation diagram holds the phase plane's
    ±view and changes only at these values, so most view changes redraw one figure in full,
    not three."""
    if not (view > 0 and np.isfinite(view)):
        raise ValueError(f"view must be a positive number, got {view!r}")
    scale = 10.0 ** np.floor(np.log10(view))
    return float(next(round(scale * m, 12) for m in _NICE if scale * m >= view * (1 - 1e-12)))


#: the time series and the bifurcation diagram run over [−1, 1] in units of their ±limit
#: (``nice_limit``), ticks here (labels blitted: ``set_limit_axis``)
LIMIT_TICKS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def limit_axis(ax) -> list:
    """The y axis of a time series or a bifurcation diagram, in units of its ±limit on
    [−1, 1]: a new limit relabels it instead of redrawing the figure in full. Returns the
    label texts."""
    ax.tick_params(labelsize=7)
    ax.set_ylim(-1.0, 1.0)
    return value_axis(ax, LIMIT_TICKS, "−0.00", fontsize=7)


def set_limit_axis(labels, limit: float) -> None:
    """Label the ticks of a ``limit_axis`` for ±``limit``."""
    set_value_axis(labels, LIMIT_TICKS, limit)


def time_series(ax) -> tuple:
    """(z1 line, z2 line) of an orbit against the step t, empty, with a legend, and the
    labels of its ``limit_axis``."""
    (z1,) = ax.plot([], [], color=OKABE_ITO["orange"], lw=1.2, marker=".", ms=3, label="z1")
    (z2,) = ax.plot([], [], color=OKABE_ITO["sky"], lw=1.2, marker=".", ms=3, label="z2")
    ax.set(xlabel="step t", ylabel="state")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5, frameon=False)
    return z1, z2, limit_axis(ax)


def set_time_series(lines, orbit, limit: float = 1.0) -> None:
    """z1 and z2 of ``orbit`` against the step t, in units of the axis' ``limit``."""
    t = np.arange(len(orbit))
    for line, column in zip(lines, orbit.T):
        line.set_data(t, column / limit)


def bifurcation_points(ax, diagram=None, *, coordinate: int = 0):
    """The long-run states of a BifurcationDiagram as dots; returns the artist."""
    # small, translucent dots: where a chaotic band is dense it shows as grey, not a black mass
    (points,) = ax.plot([], [], ls="none", marker=".", ms=1.0, mew=0, color="black", alpha=0.25)
    if diagram is not None:
        set_bifurcation(points, diagram, coordinate=coordinate)
    return points


def set_bifurcation(points, diagram, *, coordinate: int = 0, limit: float = 1.0) -> None:
    """The diagram's long-run states (in units of the axis' ``limit``) against the value."""
    values, states = diagram.points(coordinate)
    points.set_data(values, states / limit)


#: bin edges of the δ histogram in log10 δ: δ < 1e-16 (rounding level) falls in the first bin
DELTA_BINS = np.arange(-16.0, 0.5, 1.0)


def _log_delta(delta):
    d = np.asarray(delta, dtype=float)
    with np.errstate(divide="ignore"):
        return np.clip(np.log10(d), DELTA_BINS[0], -1e-12)


def quality_histogram(ax) -> tuple:
    """Step histograms of log10 δ (``manifold_quality``) for the stable (blue) and the
    unstable (vermillion) manifolds, empty; returns (stable, unstable) StepPatches."""
    zero = np.zeros(DELTA_BINS.size - 1)
    stable = ax.stairs(zero, DELTA_BINS, color=OKABE_ITO["blue"], lw=1.4, label="$W^s$")
    unstable = ax.stairs(zero, DELTA_BINS, color=OKABE_ITO["vermillion"], lw=1.4, ls="--",
                         label="$W^u$")
    ax.set(xlim=(DELTA_BINS[0], DELTA_BINS[-1]), ylim=(0, 1.05),
           xlabel="log10 δ  (δ < 1e-16 in the first bin); score = fraction with δ < 0.01",
           ylabel="fraction of points")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return stable, unstable


def delta_histogram(delta) -> np.ndarray:
    """Fraction of the δ values per bin of DELTA_BINS (log10 δ; zeros if there are none)."""
    d = np.asarray(delta, dtype=float)
    if not d.size:
        return np.zeros(DELTA_BINS.size - 1)
    return np.histogram(_log_delta(d), DELTA_BINS)[0] / d.size


def set_quality_histogram(artists, counts_stable, counts_unstable) -> None:
    """Show the fractions per bin (``delta_histogram``) of W^s and W^u points."""
    for artist, counts in zip(artists, (counts_stable, counts_unstable)):
        artist.set_data(np.asarray(counts, dtype=float), DELTA_BINS)


def det_sign_map(ax) -> tuple:
    """The faint sign map of det J_D over the four quadrants (subregions) of a 2-D PLRNN:
    (4 hatched rectangles, 4 texts), hidden; quadrant r has bit 0 = (z1 > 0), bit 1 = (z2 > 0)."""
    from matplotlib.patches import Rectangle
    patches = [ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="#555555",
                                      lw=0, alpha=0.45, zorder=0.5, visible=False))
               for _ in range(4)]
    texts = [ax.text(0, 0, "", ha="center", va="center", fontsize=8, color="#222222",
                     zorder=1.5, visible=False,
                     bbox={"facecolor": "white", "alpha": 0.6, "lw": 0, "pad": 1.5})
             for _ in range(4)]
    return patches, texts


def set_det_sign_map(artists, model, view: float, *, visible: bool = True) -> None:
    """Show det(A + W D) per quadrant of [-view, view]^2: hatched where det < 0 (F reverses
    orientation there), plain where det > 0, with the value written in each quadrant."""
    patches, texts = artists
    det = model.determinants() if visible else np.zeros(4)
    for r, (patch, text) in enumerate(zip(patches, texts)):
        x0 = 0.0 if r & 1 else -view
        y0 = 0.0 if r & 2 else -view
        patch.set_bounds(x0, y0, view, view)
        patch.set_hatch("////" if det[r] < 0 else "")
        patch.set_visible(visible)
        text.set_visible(visible)
        text.set_position((x0 + 0.5 * view, y0 + 0.25 * view))
        text.set_text(f"det J_D = {det[r]:.3g}")
