"""Plots of 3-D ReLU-map results: a rotatable mplot3d view of cycles, a trajectory, 1-D
manifolds as curves and 2-D manifolds as their per-subregion planar pieces, and a 2-D slice
through a point with the basin map and where the manifolds cut the slice.

Colours as in ``plots.plrnn`` (stable manifolds blue, unstable vermillion, Okabe-Ito); the
quads of a 2-D manifold are shaded by subregion (one of four light tints per sign pattern) so
the planar pieces can be told apart. Each function returns the artists it made; the ``set_*``
functions update them in place.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.ticker import MaxNLocator
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from ..solvers.plrnn_3d import clip_polygon, piece_cuts
from ..solvers.plrnn_dynamics import index_of_cycle
from .plrnn import attractor_colour
from .style import OKABE_ITO

__all__ = ["AXIS_NAMES", "PIECE_TINTS", "space_axes", "manifold_artists", "set_manifold_artists",
           "ManifoldScene", "manifold_scene", "set_manifold_scene",
           "cycle_markers_3d", "set_cycle_markers_3d", "trajectory_3d", "set_trajectory_3d",
           "slice_manifold_lines", "set_slice_manifolds", "SliceCuts", "slice_cuts",
           "set_slice_cuts", "set_slice_cycles", "slice_cycle_marks"]

AXIS_NAMES = ("z1", "z2", "z3")


def _tint(colour, amount):
    rgb = np.array(to_rgb(colour))
    return tuple(rgb + (1 - rgb) * amount)


#: face colours of the planar pieces of a 2-D stable manifold, by subregion (index mod 4)
PIECE_TINTS = tuple(_tint(OKABE_ITO["blue"], a) for a in (0.25, 0.45, 0.6, 0.75))
#: ... and of a 2-D unstable manifold
UNSTABLE_TINTS = tuple(_tint(OKABE_ITO["vermillion"], a) for a in (0.25, 0.45, 0.6, 0.75))


def space_axes(fig, extent, *, elev=20.0, azim=-60.0):
    """A 3-D axes over the box ``extent`` = (lo, hi) per axis (3, 2), labelled z1..z3."""
    ax = fig.add_subplot(projection="3d")
    ext = np.asarray(extent, float)
    ax.set(xlim=ext[0], ylim=ext[1], zlim=ext[2], xlabel="z1", ylabel="z2", zlabel="z3")
    ax.view_init(elev=elev, azim=azim)
    ax.set_box_aspect(None, zoom=0.92)             # room for the axis labels
    ax.tick_params(labelsize=7, pad=0)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.label.set_size(8)
        axis.labelpad = -2
        # fewer tick labels (text is most of a draw); z1's last and z2's first tick meet at
        # one corner of the box ("3.0−3.0"): those two axes show inner ticks only
        axis.set_major_locator(MaxNLocator(4, prune=None if axis is ax.zaxis else "both"))
    return ax


def manifold_artists(ax):
    """(surface, stable curves, unstable curves) of the 3-D view, empty: a Poly3DCollection for
    the quads of 2-D manifolds and two Line3D for 1-D manifolds."""
    surface = Poly3DCollection([], linewidths=0.15, edgecolors=(0.2, 0.2, 0.3, 0.25), alpha=0.55,
                               zorder=1)
    ax.add_collection3d(surface)
    (stable,) = ax.plot([], [], [], color=OKABE_ITO["blue"], lw=1.4, zorder=4, label="stable manifold (1-D)")
    (unstable,) = ax.plot([], [], [], color=OKABE_ITO["vermillion"], lw=0.5, alpha=0.8, zorder=4,
                          label="unstable manifold (1-D)")
    return surface, stable, unstable


def _head(b, n_max=8000):
    """Every k-th vertex of a polyline (and its last), k the smallest stride leaving at most
    about n_max (the polylines hold every iterate of every seed: far denser than drawn)."""
    k = max(len(b) // n_max, 1)
    return b if k == 1 else np.vstack([b[::k], b[-1:]])


def _curves(meshes):
    """NaN-separated (x, y, z) of the polylines of 1-D ManifoldMeshes (thinned to about 8000
    vertices each)."""
    parts = [np.vstack([_head(b), np.full((1, b.shape[1]), np.nan)]) for m in meshes for b in m.polylines()]
    if not parts:
        return np.zeros((3, 0))
    return np.concatenate(parts).T


class ManifoldScene(NamedTuple):
    """What the 3-D view draws of ManifoldMeshes: polys (the planar pieces of 2-D manifolds
    clipped to the box, (k_i, 3) each), colours (their tints), stable and unstable ((3, n)
    NaN-separated x, y, z of the 1-D manifolds' curves)."""

    polys: list
    colours: list
    stable: np.ndarray
    unstable: np.ndarray


def manifold_scene(meshes, extent, *, show_pieces=True) -> ManifoldScene:
    """The ManifoldScene of ManifoldMeshes (``plrnn_3d.manifold_mesh``): the planar pieces of
    2-D ones, clipped to the box ``extent`` and shaded by subregion (tint = region index
    mod 4), and 1-D ones as curves."""
    polys, colours = [], []
    for m in meshes:
        if m.dim != 2 or not show_pieces:
            continue
        tints = PIECE_TINTS if m.which == "stable" else UNSTABLE_TINTS
        for k, pc in enumerate(m.pieces):
            poly = clip_polygon(pc.polygon, extent)
            if len(poly) >= 3:
                polys.append(poly)
                colours.append(tints[k % len(tints)])
    curves = [_curves([m for m in meshes if m.dim == 1 and m.which == which])
              for which in ("stable", "unstable")]
    return ManifoldScene(polys, colours, *curves)


def set_manifold_scene(artists, scene: ManifoldScene) -> None:
    """Put a ManifoldScene into ``manifold_artists``."""
    surface, stable, unstable = artists
    surface.set_verts(scene.polys)
    surface.set_facecolor(scene.colours if scene.colours else "none")
    stable.set_data_3d(*scene.stable)
    unstable.set_data_3d(*scene.unstable)


def set_manifold_artists(artists, model, meshes, extent, *, show_pieces=True):
    """Draw ManifoldMeshes into ``manifold_artists`` (``manifold_scene``, then
    ``set_manifold_scene``)."""
    set_manifold_scene(artists, manifold_scene(meshes, extent, show_pieces=show_pieces))


def cycle_markers_3d(ax):
    """Markers of cycle points: stable (a scatter, filled with its basin's colour), saddle
    and unstable (Line3D), empty."""
    kw = dict(ls="none", zorder=6)
    return {"stable": ax.scatter([], [], [], s=45, marker="o", edgecolors="black", depthshade=False,
                                 zorder=6),
            "saddle": ax.plot([], [], [], marker="X", ms=8, mfc=OKABE_ITO["purple"], mec="black", **kw)[0],
            "unstable": ax.plot([], [], [], marker="o", ms=7, mfc="white", mec="black", **kw)[0]}


def set_cycle_markers_3d(markers, cycles, attractors=()):
    """Cycle points by kind; a stable one filled with the colour of its position in
    ``attractors`` (the basin map's), else white."""
    for kind, artist in markers.items():
        cyc = [c for c in cycles if (c.kind == kind or (kind == "unstable" and c.kind == "non-hyperbolic"))]
        p = np.concatenate([c.points for c in cyc]) if cyc else np.zeros((0, 3))
        if kind == "stable":
            artist._offsets3d = (p[:, 0], p[:, 1], p[:, 2])
            fill = []
            for c in cyc:
                k = index_of_cycle(c, attractors)
                fill += [attractor_colour(k) if k is not None else "white"] * c.period
            artist.set_facecolors(fill if fill else "white")
            artist.stale = True
        else:
            artist.set_data_3d(p[:, 0], p[:, 1], p[:, 2])


def trajectory_3d(ax):
    """(orbit line, start mark) in 3-D, empty."""
    (line,) = ax.plot([], [], [], color="#333333", lw=0.5, alpha=0.8, zorder=3, label="trajectory")
    (start,) = ax.plot([], [], [], "s", color="black", ms=5, zorder=8)
    return line, start


def set_trajectory_3d(artists, orbit, extent=None):
    """The orbit (n, 3), cut where it first leaves ``extent``."""
    line, start = artists
    o = np.asarray(orbit)
    if extent is not None:
        ext = np.asarray(extent, float)
        out = ~np.all((o >= ext[:, 0]) & (o <= ext[:, 1]), axis=1)
        if out.any():
            o = o[: max(int(np.argmax(out)), 1)]
    line.set_data_3d(o[:, 0], o[:, 1], o[:, 2])
    start.set_data_3d(o[:1, 0], o[:1, 1], o[:1, 2])


# -- the slice ---------------------------------------------------------------------------

def slice_manifold_lines(ax):
    """(cuts of 2-D stable manifolds, cuts of 2-D unstable manifolds, crossings of 1-D
    manifolds) in the slice, empty."""
    stable = LineCollection([], colors=OKABE_ITO["blue"], linewidths=1.6, zorder=3,
                            label="W^s ∩ slice")
    unstable = LineCollection([], colors=OKABE_ITO["vermillion"], linewidths=1.6, zorder=3,
                              label="W^u ∩ slice")
    ax.add_collection(stable)
    ax.add_collection(unstable)
    (cross,) = ax.plot([], [], "D", ms=3, mfc="white", mec=OKABE_ITO["vermillion"], ls="none", zorder=5,
                       label="1-D manifold crosses")
    return stable, unstable, cross


def _curve_crossings(meshes, axis, value, tol=1e-6):
    """Where polylines of 1-D meshes (thinned as drawn) cross z[axis] = value
    (linear interpolation), and the segments of them that lie in that plane (both ends
    within tol of it)."""
    pts, inplane = [], []
    for m in meshes:
        if m.dim != 1:
            continue
        for b in m.polylines():
            b = _head(b)
            s = b[:, axis] - value
            near = np.abs(s) <= tol
            k = np.flatnonzero((np.sign(s[:-1]) * np.sign(s[1:]) < 0) & ~near[:-1] & ~near[1:])
            t = s[k] / (s[k] - s[k + 1])
            pts.append(b[k] + t[:, None] * (b[k + 1] - b[k]))
            j = np.flatnonzero(near[:-1] & near[1:])
            inplane.append(np.stack([b[j], b[j + 1]], axis=1))
    cross = np.concatenate(pts) if pts else np.zeros((0, 3))
    segs = np.concatenate(inplane) if inplane else np.zeros((0, 2, 3))
    return cross, segs


class SliceCuts(NamedTuple):
    """What the slice shows of ManifoldMeshes, in the slice's two coordinates: stable and
    unstable ((k, 2, 2) segments: cuts of 2-D pieces and parts of 1-D manifolds lying in
    the slice) and crossings ((n, 2) points where 1-D manifolds cross it)."""

    stable: np.ndarray
    unstable: np.ndarray
    crossings: np.ndarray


def slice_cuts(meshes, plane, base) -> SliceCuts:
    """Where the meshes' 2-D pieces cut the slice through ``base`` spanned by the state axes
    ``plane`` (segments), where 1-D manifolds cross it (points) and the parts of 1-D
    manifolds that lie in it (segments, with the cuts of their kind)."""
    normal = ({0, 1, 2} - set(plane)).pop()
    value = float(base[normal])
    i, j = plane
    out = []
    for which in ("stable", "unstable"):
        segs = [piece_cuts(m.pieces, normal, value) for m in meshes if m.dim == 2 and m.which == which]
        segs.append(_curve_crossings([m for m in meshes if m.which == which], normal, value)[1])
        out.append(np.concatenate(segs)[:, :, [i, j]])
    pts = _curve_crossings(meshes, normal, value)[0]
    return SliceCuts(*out, pts[:, [i, j]])


def set_slice_cuts(artists, cuts: SliceCuts) -> None:
    """Put SliceCuts into ``slice_manifold_lines``."""
    stable, unstable, cross = artists
    stable.set_segments(cuts.stable)
    unstable.set_segments(cuts.unstable)
    cross.set_data(cuts.crossings[:, 0], cuts.crossings[:, 1])


def set_slice_manifolds(artists, meshes, plane, base):
    """``slice_cuts`` of the meshes, put into ``slice_manifold_lines``."""
    set_slice_cuts(artists, slice_cuts(meshes, plane, base))


def slice_cycle_marks(ax):
    """Markers of cycle points near the slice (stable: filled, saddle: X), empty."""
    kw = dict(ls="none", zorder=6)
    return {"stable": ax.plot([], [], marker="o", ms=7, mec="black", mfc="white", **kw)[0],
            "saddle": ax.plot([], [], marker="X", ms=8, mfc=OKABE_ITO["purple"], mec="black", **kw)[0],
            "unstable": ax.plot([], [], marker="o", ms=7, mfc="white", mec="black", **kw)[0]}


def set_slice_cycles(marks, cycles, plane, base, attractors=(), tol=0.25):
    """Cycle points within ``tol`` of the slice plane, projected onto it; stable ones filled
    with the colour of their basin (their position in ``attractors``)."""
    normal = ({0, 1, 2} - set(plane)).pop()
    i, j = plane
    for kind, line in marks.items():
        pts, fill = [], []
        for c in cycles:
            if c.kind != kind and not (kind == "unstable" and c.kind == "non-hyperbolic"):
                continue
            near = np.abs(c.points[:, normal] - base[normal]) <= tol
            pts.append(c.points[near])
            if kind == "stable":
                k = index_of_cycle(c, attractors)
                fill.append(attractor_colour(k) if k is not None else "white")
        p = np.concatenate(pts) if pts else np.zeros((0, 3))
        line.set_data(p[:, i], p[:, j])
        if kind == "stable" and fill:
            line.set_markerfacecolor(fill[0])
