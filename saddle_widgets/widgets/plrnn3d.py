"""PLRNN 3-D explorer: fixed points, a trajectory and the invariant manifolds of a ReLU RNN
with M = 3, and a 2-D slice through the current point with its basin map.

    F(z) = A z + W relu(z) + h            (PLRNN)
    F(z) = a∘z + W1 relu(W2 z + h2) + h1  (shallow PLRNN)

Two canvases: a rotatable mplot3d view (saddles and other fixed points, the trajectory from
the current point, 1-D manifolds as curves, 2-D manifolds as their planar pieces shaded by
subregion, the paper's Algorithm 1 in mesh form: ``solvers.plrnn_3d.manifold_mesh``) and the
slice through the current point (basin map, where the manifolds cut the slice, fixed points
near it). Click the slice to move the current point within it. Systems: the shallow PLRNN
trained on Lorenz-63 (Eisenmann et al., Fig. 4C; weights and its precomputed manifold
meshes from the package data saddle_widgets/data/lorenz_shplrnn.npz, made by
scripts/train_shplrnn.py) and a
hand-made bistable PLRNN whose saddle's 2-D stable manifold separates two basins.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import data as package_data
from ..plots import plrnn as plots2d
from ..plots import plrnn3d as plots
from ..solvers import plrnn as pl
from ..solvers import plrnn_3d as p3
from ..solvers.plrnn_training import load_shallow_plrnn
from ._base import Bool, Choice, Explorer, Fig, Float, Int, draw, status, step

__all__ = ["PLRNN3DExplorer", "SYSTEMS", "system"]

LORENZ = "Lorenz shPLRNN"
BISTABLE = "bistable PLRNN"
SYSTEMS = (LORENZ, BISTABLE)
PLANES = {"z1-z2": (0, 1), "z1-z3": (0, 2), "z2-z3": (1, 2)}
#: the slice's basin grid and the trajectory's length while dragging
COARSE_RESOLUTION, COARSE_STEPS = 40, 200
#: hand-made systems: their meshes are computed on first use (a 50 x 50 local grid, 20 re-seeds per hull edge)
MESH = dict(n_rings=50, n_angles=50, decades=3.0, reseed=20)


@dataclass(frozen=True, eq=False)
class System3D:
    """A 3-D ReLU map with what the explorer shows of it.

    model; cycles (fixed points shown); attractors (stable ones); meshes (ManifoldMesh per
    traced manifold); extent (3, 2) box; dt (time step of a trained model, else None);
    description (what the system is); basin_steps: iterations of the slice's basin map
    (full, while dragging)."""

    name: str
    model: object
    cycles: tuple
    attractors: tuple
    meshes: tuple
    extent: np.ndarray
    dt: float | None
    description: str
    basin_steps: tuple = (600, 120)


def _bistable_model():
    """A = 0.5 I, W = [[0.2, -0.6, 0], [-0.6, 0.2, 0], [0.3, 0.3, 0.3]], h = (0.9, 0.7, -0.6).

    (z1, z2) is the 2-D 'multistability' preset (mutual inhibition with self-excitation);
    z3 is driven by relu(z1) + relu(z2). Two stable nodes (-1, 2.333, 0.5) and (3, -2.2, 1.5);
    a saddle (0.556, 1.222, -0.133), multipliers 1.3, 0.5, 0.1, whose 2-D W^s crosses the
    borders z_i = 0 into several subregions and separates the two basins."""
    return pl.PLRNN(0.5 * np.eye(3), [[0.2, -0.6, 0.0], [-0.6, 0.2, 0.0], [0.3, 0.3, 0.3]],
                    [0.9, 0.7, -0.6])


def _meshes(model, saddles, bound, **mesh):
    out = []
    for s in saddles:
        for which in ("unstable", "stable"):
            d = s.n_stable if which == "stable" else s.n_unstable
            if d in (1, 2):
                out.append(p3.manifold_mesh(model, s, which, bound=bound, **mesh))
    return tuple(out)


@lru_cache(maxsize=4)
def system(name: str) -> System3D:
    """The named system (cached: built once per process)."""
    if name == BISTABLE:
        m = _bistable_model()
        cycles = tuple(pl.find_cycles(m, 1))
        saddles = [c for c in cycles if c.kind == "saddle"]
        return System3D(name, m, cycles, tuple(c for c in cycles if c.kind == "stable"),
                        _meshes(m, saddles, 6.0, **MESH), np.array([[-3.0, 5.0], [-4.0, 4.0], [-3.0, 4.0]]),
                        None, "hand-made PLRNN: two stable nodes and a saddle whose 2-D stable "
                              "manifold separates their basins")
    if name == LORENZ:
        path = package_data.path("lorenz_shplrnn.npz")
        if not path.is_file():
            raise ValueError(f"the trained Lorenz weights are not here ({path}); they ship with the "
                             f"package as saddle_widgets/data (make them with scripts/train_shplrnn.py)")
        m, data = load_shallow_plrnn(path)
        saddles = [pl.cycle_from_points(m, p[None]) for p in data["saddles"]]
        meshes = []
        for i, s in enumerate(saddles):
            for which in ("unstable", "stable"):
                if f"mesh_{i}_{which}_samples" in data:
                    meshes.append(p3.mesh_from_arrays(m, s, which, data, f"mesh_{i}_{which}"))
        return System3D(name, m, tuple(saddles), (), tuple(meshes),
                        np.array([[-3.0, 3.0], [-3.0, 3.0], [-3.0, 3.0]]), float(data["dt"]),
                        f"shallow PLRNN (M = 3, {m.n_units} hidden units) trained on Lorenz-63, "
                        f"standardised, dt = {float(data['dt']):g}",
                        # no fixed point attracts: orbits either stay on the chaotic attractor or
                        # leave the box within a few dozen steps
                        basin_steps=(150, 40))
    raise ValueError(f"unknown system {name!r}; choose one of {', '.join(SYSTEMS)}")


def _point(x0, y0, z0):
    return np.array([x0, y0, z0], dtype=float)


class PLRNN3DExplorer(Explorer):
    """A 3-D PLRNN or shallow PLRNN: rotatable state space with manifolds, and a basin slice.

    Parameters (also ``widget.state``): system ('Lorenz shPLRNN' or 'bistable PLRNN');
    x0, y0, z0 (the current point: the trajectory's start and the slice's position);
    steps (trajectory length); elev, azim (view angles of the 3-D axes, degrees); plane (the
    slice's two axes, through the current point); resolution (the slice's basin grid);
    pieces (show the 2-D manifolds' planar pieces). Click the slice to move the point in it.

    Results: setup (System3D: model, cycles, attractors, meshes), trajectory, lyapunov
    (exponents per step, None if the orbit diverges), slice_at (plane axes and the value of
    the third coordinate), basin (BasinMap of the slice), scene (what the 3-D view draws of
    the manifolds, per system), cuts (where the manifolds cut the slice).
    """

    PARAMS = {
        "system": Choice("system", LORENZ, SYSTEMS, doc="the 3-D ReLU map shown"),
        "x0": Float("point z1", 0.5, -5.0, 5.0, step=0.01, fmt=".2f",
                    doc="current point: start of the trajectory, and the slice passes through it"),
        "y0": Float("point z2", 0.5, -5.0, 5.0, step=0.01, fmt=".2f", doc="current point, z2"),
        "z0": Float("point z3", 0.0, -5.0, 5.0, step=0.01, fmt=".2f", doc="current point, z3"),
        "steps": Int("trajectory steps", 1500, 10, 4000, step=10, doc="length of the trajectory"),
        "elev": Float("elevation (°)", 20.0, -90.0, 90.0, step=1.0, fmt=".0f",
                      doc="view elevation of the 3-D axes"),
        "azim": Float("azimuth (°)", -60.0, -180.0, 180.0, step=1.0, fmt=".0f",
                      doc="view azimuth of the 3-D axes"),
        "plane": Choice("slice plane", "z1-z3", tuple(PLANES),
                        doc="the slice's axes; it passes through the current point"),
        "resolution": Int("slice resolution", 100, 40, 200, step=10,
                          doc="grid points per side of the slice's basin map"),
        "pieces": Bool("show 2-D manifold pieces", True,
                       doc="the planar pieces of 2-D manifolds (shaded by subregion)"),
    }
    # the legends have canvases of their own: drawn once, not with every turn of the view
    FIGURES = {"space": Fig(4.8, 4.35), "space_key": Fig(4.8, 0.45),
               "slice": Fig(4.2, 3.55, click="set_point"), "slice_key": Fig(4.2, 0.45)}
    COLUMNS = [["space", "space_key"], ["slice", "slice_key"]]
    PRESETS = {
        "Lorenz shPLRNN (Fig. 4C)": dict(system=LORENZ, x0=0.5, y0=0.5, z0=0.0, steps=2000,
                                         elev=20.0, azim=-60.0, plane="z1-z3"),
        "Lorenz shPLRNN, origin's W^s from above": dict(system=LORENZ, x0=-0.26, y0=-0.17, z0=-2.19,
                                                        steps=2000, elev=70.0, azim=-120.0,
                                                        plane="z1-z2"),
        "bistable PLRNN: W^s is the basin boundary": dict(system=BISTABLE, x0=0.6, y0=1.2, z0=-0.13,
                                                          steps=60, elev=25.0, azim=-50.0,
                                                          plane="z1-z2"),
    }
    PRESET_NOTES = {
        "Lorenz shPLRNN (Fig. 4C)": "the paper's Fig. 4C with our own training (40 hidden units, "
                                    "the paper 20): the origin saddle's W^u (red) winds around both "
                                    "wings, its 2-D W^s (blue pieces) separates them; C±'s 1-D W^s pierce the wings",
        "Lorenz shPLRNN, origin's W^s from above": "the slice z3 = const through the origin saddle: "
                                                   "the blue cut is where W^s of the origin meets it",
        "bistable PLRNN: W^s is the basin boundary": "the saddle's 2-D stable manifold cuts the slice "
                                                     "exactly along the border of the two basins",
    }

    # ------------------------------------------------------------------ build
    def build_space(self, fig):
        sysd = self._system_now()
        ax = self.ax_space = plots.space_axes(fig, sysd.extent, elev=self.PARAMS["elev"].default,
                                              azim=self.PARAMS["azim"].default)
        self.manifold_artists = plots.manifold_artists(ax)
        self.markers3d = plots.cycle_markers_3d(ax)
        self.traj3d = plots.trajectory_3d(ax)
        ax.set_title("state space (drag elevation / azimuth)", fontsize=9)
        self.animate(fig, list(self.traj3d))

    def build_space_key(self, fig):
        from matplotlib.patches import Patch
        self.space_legend = fig.legend(handles=[Patch(color=plots.PIECE_TINTS[1], label="W^s (2-D): pieces"),
                           self.manifold_artists[1], self.manifold_artists[2], self.markers3d["saddle"],
                           self.markers3d["stable"], self.traj3d[0]],
                  labels=["W^s (2-D), a shade per subregion", "W^s (1-D)", "W^u (1-D)", "saddle",
                          "stable (fill = basin)", "trajectory"],
                  loc="center", fontsize=7, frameon=False, ncol=3)

    def build_slice(self, fig):
        ax = self.ax_slice = fig.add_subplot()
        self.basin_img = plots2d.basin_image(ax)
        self.cut_lines = plots.slice_manifold_lines(ax)
        self.slice_marks = plots.slice_cycle_marks(ax)
        (self.point_mark,) = ax.plot([], [], "s", color="black", ms=5, zorder=8)
        self.slice_label = ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=8, va="top",
                                   zorder=9, bbox=dict(boxstyle="round", fc="white", ec="none", alpha=0.8))
        ax.tick_params(labelsize=7)
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        self.animate(fig, [*self.cut_lines, *self.slice_marks.values(), self.point_mark, self.slice_label],
                     backdrop=[self.basin_img])

    def build_slice_key(self, fig):
        self.slice_legend = fig.legend(
            handles=[self.cut_lines[0], self.cut_lines[2], *plots2d.basin_legend_handles(2)],
            loc="center", fontsize=7, frameon=False, ncol=3)

    def _system_now(self):
        return system(self.state["system"])

    # ------------------------------------------------------------------ interaction
    def set_point(self, x: float, y: float) -> None:
        """Move the current point within the slice to (x, y) of its two axes (a click)."""
        i, j = PLANES[self.state["plane"]]
        names = ("x0", "y0", "z0")
        lo, hi = self.PARAMS["x0"].lo, self.PARAMS["x0"].hi
        if not (lo <= x <= hi and lo <= y <= hi):
            raise ValueError(f"({x:.3g}, {y:.3g}) is outside [{lo:g}, {hi:g}]^2")
        self.set_params(**{names[i]: round(float(x), 2), names[j]: round(float(y), 2)})

    # ------------------------------------------------------------------ steps
    @step("system")
    def setup(self, name):
        """The System3D (model, fixed points, manifold meshes), built once per system."""
        return system(name)

    @step("setup")
    def scene(self, sysd):
        """What the 3-D view draws of the system's manifolds (plots.plrnn3d.ManifoldScene:
        the 2-D pieces clipped to the box, the 1-D curves), once per system."""
        return plots.manifold_scene(sysd.meshes, sysd.extent)

    @step("setup", "x0", "y0", "z0", "steps", coarse=True)
    def trajectory(self, sysd, x0, y0, z0, steps, *, coarse):
        """The orbit from the current point, cut where it leaves |z| <= 100 (its first
        COARSE_STEPS steps while dragging)."""
        n = min(steps, COARSE_STEPS) if coarse else steps
        return sysd.model.orbit_until_divergence(_point(x0, y0, z0), n, bound=100.0)

    @step("setup", "x0", "y0", "z0", coarse=True)
    def lyapunov(self, sysd, x0, y0, z0, *, coarse):
        """Lyapunov exponents (per step) of the orbit from the point; None if it diverges
        (not computed while dragging: also None)."""
        if coarse:
            return None
        n, transient = 2000, 300
        try:
            return pl.lyapunov_exponents(sysd.model, _point(x0, y0, z0), n, n_transient=transient)
        except ValueError:
            return None

    @step("plane", "x0", "y0", "z0", by_value=True)
    def slice_at(self, plane, x0, y0, z0):
        """(plane axes, third coordinate's value): all the slice depends on."""
        axes = PLANES[plane]
        normal = ({0, 1, 2} - set(axes)).pop()
        return axes, normal, float(_point(x0, y0, z0)[normal])

    @step("setup", "slice_at", cache=16)
    def cuts(self, sysd, slice_at):
        """Where the manifolds cut the slice (plots.plrnn3d.SliceCuts), per slice."""
        axes, normal, value = slice_at
        base = np.zeros(3)
        base[normal] = value
        return plots.slice_cuts(sysd.meshes, axes, base)

    @step("setup", "slice_at", "resolution", coarse=True)
    def basin(self, sysd, slice_at, resolution, *, coarse):
        """Basin map of the slice (40 x 40 and fewer iterations while dragging)."""
        axes, normal, value = slice_at
        ext = sysd.extent
        base = np.zeros(3)
        base[normal] = value
        return pl.basin_map(sysd.model, (*ext[axes[0]], *ext[axes[1]]),
                            COARSE_RESOLUTION if coarse else resolution, attractors=sysd.attractors,
                            n_steps=sysd.basin_steps[1 if coarse else 0], plane=axes, base=base,
                            discover=False)

    # ------------------------------------------------------------------ draws
    @draw("space", "setup", "scene", layer="static")
    def draw_space(self, sysd, scene):
        # the pieces are always set; the 'pieces' check box only shows or hides them (draw_view)
        ax = self.ax_space
        ext = sysd.extent
        ax.set(xlim=ext[0], ylim=ext[1], zlim=ext[2])
        plots.set_manifold_scene(self.manifold_artists, scene)
        plots.set_cycle_markers_3d(self.markers3d, sysd.cycles, sysd.attractors)
        ax.stale = True

    @draw("space", "scene", "elev", "azim", "pieces", layer="static", coarse=True)
    def draw_view(self, scene, elev, azim, pieces, *, coarse):
        # a turn of the view recomputes nothing: view_init and a draw of the 3-D axes. While
        # the view is dragged the pieces, the panes and ticks are hidden (they cost most of
        # a 3-D draw): the curves and the trajectory turn alone
        ax = self.ax_space
        ax.view_init(elev=elev, azim=azim)
        self.manifold_artists[0].set_visible(not coarse and pieces)
        # ... and the curves turn with every 6th vertex
        for line, xyz in zip(self.manifold_artists[1:], (scene.stable, scene.unstable)):
            line.set_data_3d(*(xyz[:, ::6] if coarse else xyz))
        if coarse:
            ax.set_axis_off()
        else:
            ax.set_axis_on()
        self.ax_space.stale = True          # view_init alone does not mark the figure stale

    @draw("space", "setup", "trajectory")
    def draw_trajectory(self, sysd, trajectory):
        plots.set_trajectory_3d(self.traj3d, trajectory, sysd.extent)

    @draw("slice", "setup", "plane", layer="static")
    def draw_slice_axes(self, sysd, plane):
        axes = PLANES[plane]
        normal = ({0, 1, 2} - set(axes)).pop()
        n = plots.AXIS_NAMES
        self.ax_slice.set(xlim=sysd.extent[axes[0]], ylim=sysd.extent[axes[1]], xlabel=n[axes[0]],
                          ylabel=n[axes[1]])
        self.ax_slice.set_title(f"slice through the point, {n[normal]} fixed (click to move it)",
                                fontsize=9)

    @draw("slice", "basin", layer="backdrop")
    def draw_basin(self, basin):
        plots2d.set_basin(self.basin_img, basin)

    @draw("slice", "setup", "slice_at", "cuts")
    def draw_cuts(self, sysd, slice_at, cuts):
        axes, normal, value = slice_at
        base = np.zeros(3)
        base[normal] = value
        plots.set_slice_cuts(self.cut_lines, cuts)
        plots.set_slice_cycles(self.slice_marks, sysd.cycles, axes, base, sysd.attractors)

    @draw("slice", "slice_at", "x0", "y0", "z0")
    def draw_point(self, slice_at, x0, y0, z0):
        p = _point(x0, y0, z0)
        axes, normal, value = slice_at
        self.point_mark.set_data([p[axes[0]]], [p[axes[1]]])
        self.slice_label.set_text(f"{plots.AXIS_NAMES[normal]} = {value:.2f}")

    # ------------------------------------------------------------------ text
    @status("setup", "lyapunov", "trajectory", "basin", "steps", coarse=True)
    def describe(self, sysd, lyapunov, trajectory, basin, steps, *, coarse):
        count = Counter(c.description for c in sysd.cycles)
        kinds = ", ".join(f"{n} × {d}" if n > 1 else d for d, n in count.items()) \
            or "no fixed point found"
        parts = [f"fixed points: {kinds}"]
        two = [m for m in sysd.meshes if m.dim == 2]
        if two:
            n = sum(len(m.pieces) for m in two)
            parts.append(f"2-D manifolds: {n} planar pieces in as many subregions")
        if coarse and lyapunov is None:
            parts.append("λ1 follows when the drag stops")
        elif len(trajectory) < min(steps, COARSE_STEPS if coarse else steps) + 1 or lyapunov is None:
            parts.append("the orbit from the point diverges")
        else:
            lam = float(lyapunov[0])
            what = "chaotic" if lam > 1e-3 else "converging" if lam < -1e-3 else "neutral"
            per_time = f" = {lam / sysd.dt:.2f} per unit time (Lorenz: 0.91)" if sysd.dt else ""
            parts.append(f"λ1 = {lam:.4f} per step{per_time} ({what})")
        shares = [f"{100 * basin.fraction(i):.0f}% basin {i + 1}" for i in range(len(basin.attractors))]
        other = basin.fraction(pl.BOUNDED_OTHER)
        if other > 0:
            shares.append(f"{100 * other:.0f}% bounded, no fixed point reached"
                          + (" (the chaotic attractor)" if lyapunov is not None and lyapunov[0] > 1e-3 else ""))
        if basin.fraction(pl.DIVERGENT) > 0:
            shares.append(f"{100 * basin.fraction(pl.DIVERGENT):.0f}% divergent")
        parts.append("slice: " + ", ".join(shares))
        if coarse:
            parts.append("coarse while dragging")
        return "; ".join(parts)
