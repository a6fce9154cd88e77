"""PLRNN explorer: fixed points, cycles, invariant manifolds, basins and chaos of a 2-D ReLU RNN.

    F(z) = A z + W relu(z) + h,   z in R^2

Three linked canvases: the phase plane (basin map, fixed points and cycles by kind, the
stable (blue) and unstable (red) manifolds of saddles, homoclinic points, the subregion
borders z_i = 0 and a clicked trajectory), the time series of that trajectory, and a
bifurcation diagram (long-run z1 against one parameter, the current value marked).
Everything drawn comes from ``saddle_widgets.solvers.plrnn``; see Eisenmann et al.,
"Detecting Invariant Manifolds in ReLU-Based RNNs" and SCYFI.
"""
from __future__ import annotations


import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..solvers import plrnn as pl
from ._base import OKABE_ITO, Explorer, dropdown, slider

__all__ = ["PLRNNExplorer", "basin_colour_index", "BASIN_COLOURS", "MATRIX_KEYS"]

A_KEYS = ("a11", "a12", "a21", "a22")
W_KEYS = ("w11", "w12", "w21", "w22")
H_KEYS = ("h1", "h2")
MATRIX_KEYS = A_KEYS + W_KEYS + H_KEYS
A_RANGE, W_RANGE, H_RANGE = 2.5, 4.0, 3.0
STEP = 0.001

#: basin colours (lightened so the markers and manifolds stay visible): index 0 divergent,
#: 1 chaotic/other bounded, 2.. the attractors (cycling through four Okabe-Ito colours)
_ATTRACTOR_NAMES = ("orange", "sky", "green", "yellow")
_N_ATTRACTOR_COLOURS = len(_ATTRACTOR_NAMES)


def _light(colour, amount=0.55):
    rgb = np.array(to_rgb(colour))
    return tuple(rgb + (1 - rgb) * amount)


BASIN_COLOURS = ([_light("#999999", 0.35), _light(OKABE_ITO["purple"], 0.45)]
                 + [_light(OKABE_ITO[n]) for n in _ATTRACTOR_NAMES])

#: basin map of the coarse (dragging) picture: resolution, iterations
COARSE_RESOLUTION, COARSE_STEPS, FULL_STEPS = 64, 150, 400
#: capture radius of the basin map, relative: tol * (1 + |p|)
BASIN_TOL = 1e-2
#: at most this many saddles (of the lowest saddle period) get their manifolds drawn
MAX_MANIFOLD_SADDLES = 2
COARSE_MAX_PERIOD = 5
BIF_VALUES, BIF_TRANSIENT, BIF_KEEP = 201, 300, 16


def basin_colour_index(labels) -> np.ndarray:
    """Colour index of basin-map labels: DIVERGENT -> 0, BOUNDED_OTHER -> 1, attractor k ->
    2 + (k mod 4) (the image shown is BASIN_COLOURS[index])."""
    labels = np.asarray(labels)
    return np.where(labels >= 0, 2 + np.mod(labels, _N_ATTRACTOR_COLOURS),
                    np.where(labels == pl.DIVERGENT, 0, 1)).astype(np.int64)


def _solver_name(key: str) -> str:
    """Control name -> bifurcation_diagram parameter name ('a12' -> 'A[0,1]', 'h1' -> 'h1')."""
    if key in H_KEYS:
        return key
    return f"{key[0].upper()}[{int(key[1]) - 1},{int(key[2]) - 1}]"


def _preset_values(model: pl.PLRNN) -> dict:
    A, W, h = np.asarray(model.A), np.asarray(model.W), np.asarray(model.h)
    out = {}
    for key in A_KEYS:
        out[key] = float(A[int(key[1]) - 1, int(key[2]) - 1])
    for key in W_KEYS:
        out[key] = float(W[int(key[1]) - 1, int(key[2]) - 1])
    out["h1"], out["h2"] = float(h[0]), float(h[1])
    return out


def _join(parts):
    return ", ".join(parts)


class PLRNNExplorer(Explorer):
    """2-D PLRNN z' = A z + W relu(z) + h: phase plane, time series and bifurcation diagram.

    Parameters (also ``widget.state``): a11 a12 a21 a22 (A, full), w11 w12 w21 w22 (W),
    h1 h2 (h); view (half-width of the square window [-view, view]^2); resolution (basin
    map grid, full quality); max_period (cycles up to this period by exhaustive search /
    SCYFI); manifold_length (length of each manifold branch, 0 = off); x0, y0 (start of the
    clicked trajectory) and steps (its length); bif_param (parameter swept in the
    bifurcation diagram, over its slider's range). Click the phase plane to start a
    trajectory there.
    """

    COARSE_WHILE_DRAGGING = True
    COLUMNS = [[0], [1, 2]]
    DEFAULTS = {
        **_preset_values(pl.PRESETS["multistability"]),
        "view": 4.0, "resolution": 160, "max_period": 8, "manifold_length": 15.0,
        "x0": 0.3, "y0": 0.3, "steps": 60, "bif_param": "h1",
    }
    PRESETS = {
        "bounded basin": {**_preset_values(pl.PRESETS["bounded basin"]), "view": 2.5,
                          "x0": 0.5, "y0": 0.5, "steps": 80},
        "saddle 3-cycle": {**_preset_values(pl.PRESETS["saddle 3-cycle"]), "view": 3.5,
                           "x0": -1.5, "y0": -0.5, "steps": 80},
        "chaos": {**_preset_values(pl.PRESETS["chaos"]), "view": 3.0, "x0": 0.1, "y0": 0.1,
                  "steps": 100, "bif_param": "h1"},
        "16-cycle": {**_preset_values(pl.PRESETS["16-cycle"]), "view": 3.5, "resolution": 140,
                     "x0": 0.5, "y0": -1.0, "steps": 200, "bif_param": "h2"},
        "multistability": {**_preset_values(pl.PRESETS["multistability"]), "view": 4.0,
                           "x0": 0.3, "y0": 0.3, "steps": 60},
    }

    # ------------------------------------------------------------------ build
    def _make_controls(self):
        d = self.DEFAULTS
        c = {}
        for key in A_KEYS:
            c[key] = slider(f"a{key[1:]}", d[key], -A_RANGE, A_RANGE, STEP, fmt=".3f")
        for key in W_KEYS:
            c[key] = slider(f"w{key[1:]}", d[key], -W_RANGE, W_RANGE, STEP, fmt=".3f")
        for key in H_KEYS:
            c[key] = slider(key, d[key], -H_RANGE, H_RANGE, STEP, fmt=".3f")
        c["view"] = slider("view half-width", d["view"], 0.5, 10.0, 0.1, fmt=".1f")
        c["resolution"] = slider("basin resolution", d["resolution"], 40, 300, 10, integer=True)
        c["max_period"] = slider("max period", d["max_period"], 1, 10, 1, integer=True,
                                 tooltip="cycles up to this period (exhaustive up to 8)")
        c["manifold_length"] = slider("manifold length", d["manifold_length"], 0.0, 40.0, 0.5,
                                      fmt=".1f", tooltip="length of each branch; 0 hides them")
        c["x0"] = slider("start z1", d["x0"], -10.0, 10.0, STEP, fmt=".3f")
        c["y0"] = slider("start z2", d["y0"], -10.0, 10.0, STEP, fmt=".3f")
        c["steps"] = slider("trajectory steps", d["steps"], 5, 1000, 5, integer=True)
        c["bif_param"] = dropdown("bifurcation parameter", list(MATRIX_KEYS), d["bif_param"])
        return c

    def _control_panel(self):
        c = self.controls

        def head(text):
            return widgets.HTML(f"<b>{text}</b>")
        return [head("A (linear part, full)"), *(c[k] for k in A_KEYS),
                head("W (ReLU weights)"), *(c[k] for k in W_KEYS),
                head("h (bias)"), *(c[k] for k in H_KEYS),
                head("view and computation"), c["view"], c["resolution"], c["max_period"],
                c["manifold_length"],
                head("trajectory (click the plane)"), c["x0"], c["y0"], c["steps"],
                head("bifurcation diagram"), c["bif_param"]]

    def _make_figures(self):
        self._cache: dict = {}
        self._bif_key = None
        fig_p = self._figure(5.4, 4.0, click=lambda ax, x, y: self.set_start(x, y))
        fig_t = self._figure(4.0, 2.0)
        fig_b = self._figure(4.0, 2.2)
        self._build_phase(fig_p.add_subplot())
        self._build_time(fig_t.add_subplot())
        self._build_bifurcation(fig_b.add_subplot())
        self.animate(fig_p, [self.basin_image, self.border_lines, self.stable_line,
                             self.unstable_line, self.homoclinic_mark, self.stable_mark,
                             self.saddle_mark, self.unstable_mark, self.other_mark,
                             self.trajectory, self.start_mark])
        self.animate(fig_t, [self.ts_z1, self.ts_z2])
        # the diagram itself is the static layer (redrawn only when it is recomputed);
        # the current-value line is blitted
        self.animate(fig_b, [self.bif_line])
        return [fig_p, fig_t, fig_b]

    def _build_phase(self, ax):
        self.ax_phase = ax
        v = self.DEFAULTS["view"]
        self.basin_image = ax.imshow(np.zeros((2, 2), dtype=np.int64), origin="lower",
                                     extent=(-v, v, -v, v), cmap=ListedColormap(BASIN_COLOURS),
                                     vmin=-0.5, vmax=len(BASIN_COLOURS) - 0.5,
                                     interpolation="nearest", zorder=0)
        (self.border_lines,) = ax.plot([], [], color="#555555", lw=0.8, ls=":", zorder=1,
                                       label="borders z_i = 0")
        (self.stable_line,) = ax.plot([], [], color=OKABE_ITO["blue"], lw=1.3, zorder=3,
                                      label="stable manifold")
        (self.unstable_line,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.3,
                                        zorder=3, label="unstable manifold")
        (self.homoclinic_mark,) = ax.plot([], [], "*", color=OKABE_ITO["yellow"], mec="black",
                                          mew=0.5, ms=8, ls="none", zorder=7,
                                          label="homoclinic points")
        self.stable_mark = ax.scatter(np.zeros(0), np.zeros(0), s=50, marker="o",
                                      edgecolors="black", linewidths=1.0, zorder=6,
                                      label="stable")
        self.saddle_mark = ax.scatter(np.zeros(0), np.zeros(0), s=60, marker="X",
                                      facecolors=OKABE_ITO["purple"], edgecolors="black",
                                      linewidths=0.8, zorder=6, label="saddle")
        self.unstable_mark = ax.scatter(np.zeros(0), np.zeros(0), s=50, marker="o",
                                        facecolors="none", edgecolors="black", linewidths=1.2,
                                        zorder=6, label="unstable")
        self.other_mark = ax.scatter(np.zeros(0), np.zeros(0), s=50, marker="D",
                                     facecolors="none", edgecolors=OKABE_ITO["purple"],
                                     linewidths=1.2, zorder=6, label="non-hyperbolic")
        (self.trajectory,) = ax.plot([], [], "-", color="#333333", lw=0.5, marker=".", ms=2.5,
                                     alpha=0.8, zorder=2, label="trajectory")
        (self.start_mark,) = ax.plot([], [], "s", color="black", ms=4, zorder=8)
        ax.set(xlim=(-v, v), ylim=(-v, v), xlabel="z1", ylabel="z2", aspect="equal")
        ax.set_title("phase plane (click to start a trajectory)", fontsize=9)
        ax.tick_params(labelsize=7)
        basins = [Patch(color=BASIN_COLOURS[2 + i], label=f"basin {i + 1}")
                  for i in range(_N_ATTRACTOR_COLOURS)]
        basins += [Patch(color=BASIN_COLOURS[0], label="divergent"),
                   Patch(color=BASIN_COLOURS[1], label="chaotic/other")]
        kinds = [Line2D([], [], ls="none", marker="o", mfc=BASIN_COLOURS[2], mec="black",
                        label="stable (fill = basin)"),
                 Line2D([], [], ls="none", marker="X", mfc=OKABE_ITO["purple"], mec="black",
                        label="saddle"),
                 Line2D([], [], ls="none", marker="o", mfc="none", mec="black", label="unstable"),
                 Line2D([], [], ls="none", marker="D", mfc="none", mec=OKABE_ITO["purple"],
                        label="non-hyperbolic")]
        # outside the plot area: the basin image is blitted over all of it
        ax.legend(handles=[self.stable_line, self.unstable_line, self.homoclinic_mark,
                           self.border_lines, *kinds, *basins],
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=6.5, frameon=False,
                  handlelength=1.5, title="small markers: k-cycles", title_fontsize=6.5)

    def _build_time(self, ax):
        self.ax_time = ax
        (self.ts_z1,) = ax.plot([], [], color=OKABE_ITO["orange"], lw=1.2, marker=".", ms=3,
                                label="z1")
        (self.ts_z2,) = ax.plot([], [], color=OKABE_ITO["sky"], lw=1.2, marker=".", ms=3,
                                label="z2")
        ax.set(xlabel="step t", ylabel="state")
        ax.tick_params(labelsize=7)
        ax.set_title("trajectory", fontsize=8)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5, frameon=False)

    def _build_bifurcation(self, ax):
        self.ax_bif = ax
        (self.bif_points,) = ax.plot([], [], ls="none", marker=".", ms=0.8, color="black",
                                     alpha=0.6)
        (self.bif_line,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.2)
        ax.set(ylabel="long-run z1")
        ax.tick_params(labelsize=7)

    # ------------------------------------------------------------------ interaction
    def set_start(self, x: float, y: float) -> None:
        """Start the trajectory at (x, y) (what a click on the phase plane does)."""
        lo, hi = self.controls["x0"].min, self.controls["x0"].max
        if not (lo <= x <= hi and lo <= y <= hi):
            raise ValueError(f"start ({x:.3g}, {y:.3g}) is outside [{lo:g}, {hi:g}]^2")
        self.set_state(x0=round(float(x), 3), y0=round(float(y), 3))

    def model(self, state=None) -> pl.PLRNN:
        """The PLRNN of the current (or given) parameters."""
        p = self.state if state is None else state
        A = [[p["a11"], p["a12"]], [p["a21"], p["a22"]]]
        W = [[p["w11"], p["w12"]], [p["w21"], p["w22"]]]
        return pl.PLRNN(A, W, [p["h1"], p["h2"]])

    def extent(self):
        """The window shown: (-view, view, -view, view); fixed while the view slider is dragged."""
        v = self._view
        return (-v, v, -v, v)

    def basin_settings(self, coarse=False) -> dict:
        """Keyword arguments of the basin_map call behind the image (besides attractors)."""
        p = self.state
        return {"extent": self.extent(),
                "resolution": COARSE_RESOLUTION if coarse else p["resolution"],
                "n_steps": COARSE_STEPS if coarse else FULL_STEPS, "tol": BASIN_TOL,
                "discover": False}

    def manifold_settings(self, coarse=False) -> dict:
        """Keyword arguments of the invariant_manifold calls behind the blue/red lines."""
        p = self.state
        length, v = p["manifold_length"], self._view
        if coarse:
            return {"max_length": min(length, 2.0 * v), "max_step": 0.12,
                    "max_iter": 10, "bound": 1.5 * v}
        # branches stop once they leave |z| <= 1.5 view (the window's corners are at 1.41 view)
        return {"max_length": length, "max_step": 0.03, "max_iter": 40,
                "bound": 1.5 * v}

    # ------------------------------------------------------------------ update
    def _cached(self, name, key, compute):
        hit = self._cache.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = compute()
        self._cache[name] = (key, value)
        return value

    def _update(self, changed, coarse):
        p = self.state
        model_key = tuple(p[k] for k in MATRIX_KEYS)
        notes: list[str] = []
        self.coarse = coarse
        fig_p, fig_t, fig_b = self.figures
        if not coarse or getattr(self, "_view", None) is None:
            self._view = p["view"]      # the axes stay fixed while the view is dragged
        v = self._view
        if self.ax_phase.get_xlim() != (-v, v) or self.ax_time.get_ylim() != (-v, v):
            self.ax_phase.set(xlim=(-v, v), ylim=(-v, v))
            self.ax_time.set_ylim(-v, v)
            self.invalidate(fig_p, fig_t)
            self._bif_key = None
        model = self.model()
        self.current_model = model
        # 1. fixed points and cycles (exhaustive up to period 8 in 2-D; fewer while dragging)
        max_period = min(p["max_period"], COARSE_MAX_PERIOD) if coarse else p["max_period"]
        self.cycles = self._cached("cycles", (model_key, max_period),
                                   lambda: pl.find_cycles(model, max_period, seed=0))
        # 2. attractors: stable cycles plus those found by iterating a few orbits (long periods)
        if coarse:   # follow the cycles found before the drag (same region sequence)
            prev = self._cache.get("discover", (None, []))[1]
            discovered = [c for c in (pl.refine_stable_cycle(model, np.array(d.points)) for d in prev)
                          if c is not None]
        else:
            discovered = self._cached("discover", (model_key, v),
                                      lambda: self._discover(model))
        stable = [c for c in self.cycles if c.kind == "stable"]
        self.attractors = stable + [c for c in discovered if not _known(c, stable)]
        # 3. basin map
        bs = self.basin_settings(coarse)
        self.basin = self._cached(
            "basin", (model_key, tuple(bs.items()), len(self.attractors), max_period),
            lambda: pl.basin_map(model, attractors=self.attractors, **bs))
        self.basin_image.set_data(basin_colour_index(self.basin.labels))
        self.basin_image.set_extent(self.basin.extent)
        self.border_lines.set_data([-v, v, np.nan, 0, 0], [0, 0, np.nan, -v, v])
        # 4. markers by kind
        self._draw_markers()
        # 5. manifolds and homoclinic points
        ms = self.manifold_settings(coarse)
        man = self._cached("manifolds", (model_key, tuple(ms.items()), max_period, coarse),
                           lambda: self._manifolds(model, ms, coarse))
        self.manifolds, self.homoclinic, man_notes = man
        notes += man_notes
        self._draw_manifolds()
        # 6. trajectory, time series, Lyapunov exponent
        traj_note = self._draw_trajectory(model, p, coarse)
        # 7. bifurcation diagram (not while dragging unless only the swept value moved)
        self._draw_bifurcation(model, p, coarse)
        return self._status(p, notes, traj_note, coarse)

    def _discover(self, model):
        """Stable cycles (period <= 64) reached by a 4x4 grid of orbits iterated long."""
        g = np.linspace(-0.8 * self._view, 0.8 * self._view, 4)
        return pl.stable_cycles_by_iteration(model, np.array(np.meshgrid(g, g)).reshape(2, -1).T)

    def all_cycles(self) -> list:
        """find_cycles' answer plus stable cycles found only by iterating (longer periods)."""
        return list(self.cycles) + [c for c in self.attractors if not _known(c, self.cycles)]

    def _manifold_saddles(self):
        """The saddles whose manifolds are drawn: those of the lowest saddle period (at most
        MAX_MANIFOLD_SADDLES), e.g. the saddle fixed point(s), else the saddle 3-cycle."""
        saddles = [c for c in self.cycles if c.kind == "saddle"]
        if not saddles:
            return []
        low = min(c.period for c in saddles)
        return [c for c in saddles if c.period == low][:MAX_MANIFOLD_SADDLES]

    def _manifolds(self, model, ms, coarse):
        notes = []
        out, homoclinic = [], []
        if ms["max_length"] <= 0:
            return out, np.zeros((0, 2)), notes
        saddles = self._manifold_saddles()
        if coarse:   # while dragging: saddle fixed points only (cycles' F^-k is slow)
            saddles = [s for s in saddles if s.period == 1][:1]
            if self._manifold_saddles() and not saddles:
                notes.append("manifolds of saddle cycles are drawn when the drag stops")
        invertible = model.is_invertible()
        for s in saddles:
            unstable = stable = None
            try:
                unstable = pl.invariant_manifold(model, s, "unstable", **ms)
            except ValueError as exc:
                notes.append(f"unstable manifold of the {s.description} not traced ({exc})")
            if invertible:
                try:
                    stable = pl.invariant_manifold(model, s, "stable", **ms)
                except ValueError as exc:
                    notes.append(f"stable manifold of the {s.description} not traced ({exc})")
            out.append((s, stable, unstable))
            if not coarse and stable is not None and unstable is not None:
                hom = pl.manifold_intersections(stable, unstable)
                if len(hom.points):
                    homoclinic.append(hom.points)
        if saddles and not invertible:
            notes.append("F is not invertible (det(A + W D) changes sign between subregions): "
                         "the stable manifold cannot be traced backward and is not drawn")
        hp = np.concatenate(homoclinic) if homoclinic else np.zeros((0, 2))
        return out, hp, notes

    def _draw_markers(self):
        basin_of = {}
        for i, c in enumerate(self.basin.attractors):
            basin_of[id(c)] = i
        groups = {"stable": [], "saddle": [], "unstable": [], "non-hyperbolic": []}
        for c in self.all_cycles():
            groups[c.kind].append(c)
        for kind, artist in (("stable", self.stable_mark), ("saddle", self.saddle_mark),
                             ("unstable", self.unstable_mark),
                             ("non-hyperbolic", self.other_mark)):
            cyc = groups[kind]
            pts = np.concatenate([c.points for c in cyc]) if cyc else np.zeros((0, 2))
            sizes = np.concatenate([np.full(c.period, 55.0 if c.period == 1 else 18.0)
                                    for c in cyc]) if cyc else np.zeros(0)
            artist.set_offsets(pts)
            artist.set_sizes(sizes)
            if kind == "stable":
                colours = []
                for c in cyc:
                    k = _index_of(c, self.basin.attractors)
                    col = (OKABE_ITO[_ATTRACTOR_NAMES[k % _N_ATTRACTOR_COLOURS]]
                           if k is not None else "white")
                    colours += [col] * c.period
                artist.set_facecolors(colours if colours else "white")

    def _draw_manifolds(self):
        def polyline(manifolds):
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
        self.stable_line.set_data(*polyline([m[1] for m in self.manifolds]))
        self.unstable_line.set_data(*polyline([m[2] for m in self.manifolds]))
        hp = self.homoclinic
        self.homoclinic_mark.set_data(hp[:, 0], hp[:, 1])

    def _draw_trajectory(self, model, p, coarse):
        z0 = np.array([p["x0"], p["y0"]])
        note = None
        try:
            traj = model.trajectory(z0, p["steps"])
        except ValueError:
            # the orbit diverges: show it up to the last state still in range
            params = model._params()
            pts = [z0]
            z = z0
            with np.errstate(all="ignore"):
                for _ in range(p["steps"]):
                    z = model._step_with(params, z)
                    if not np.all(np.abs(z) <= 100 * self._view):
                        break
                    pts.append(z)
            traj = np.array(pts)
            note = f"the orbit from ({p['x0']:.3g}, {p['y0']:.3g}) diverges after {len(pts)} steps"
        self.trajectory_points = traj
        self.trajectory.set_data(traj[:, 0], traj[:, 1])
        self.start_mark.set_data([z0[0]], [z0[1]])
        t = np.arange(len(traj))
        self.ts_z1.set_data(t, traj[:, 0])
        self.ts_z2.set_data(t, traj[:, 1])
        if self.ax_time.get_xlim() != (0, p["steps"]):
            self.ax_time.set_xlim(0, p["steps"])
            self.invalidate(self.figures[1])
        self.lyapunov = None
        if note is None:
            n, tr = (300, 100) if coarse else (2000, 300)
            key = (tuple(p[k] for k in MATRIX_KEYS), p["x0"], p["y0"], n)
            try:
                self.lyapunov = self._cached("lyapunov", key,
                                             lambda: pl.lyapunov_exponents(model, z0, n,
                                                                           n_transient=tr))
            except ValueError:
                note = (f"the orbit from ({p['x0']:.3g}, {p['y0']:.3g}) diverges "
                        "(no Lyapunov exponent)")
        return note

    def _bif_values(self, key):
        c = self.controls[key]
        return np.linspace(c.min, c.max, BIF_VALUES)

    def _draw_bifurcation(self, model, p, coarse):
        key = p["bif_param"]
        value = p[key]
        v = self._view
        lo, hi = self.controls[key].min, self.controls[key].max
        self.bif_line.set_data([value, value], [-v, v])
        others = tuple(p[k] for k in MATRIX_KEYS if k != key)
        bif_key = (key, others, v)
        self.bifurcation_current = bif_key == self._bif_key
        if self.bifurcation_current or coarse:   # recomputed when the drag stops
            return
        g = np.linspace(-0.5 * v, 0.5 * v, 3)
        z0s = np.array([[a, b] for a in g for b in g]) + 0.01
        self.bifurcation = pl.bifurcation_diagram(model, self._bif_values(key),
                                                  parameter=_solver_name(key), z0s=z0s,
                                                  n_transient=BIF_TRANSIENT, n_keep=BIF_KEEP)
        x, y = self.bifurcation.points(0)
        self.bif_points.set_data(x, y)
        self.bifurcation_current = True
        self.invalidate(self.figures[2])
        if self.ax_bif.get_xlim() != (lo, hi) or self.ax_bif.get_xlabel() != key:
            self.ax_bif.set(xlim=(lo, hi), ylim=(-v, v), xlabel=key)
            self.ax_bif.set_title(f"bifurcation diagram: long-run z1 against {key}", fontsize=8)
            self.invalidate(self.figures[2])
        elif self.ax_bif.get_ylim() != (-v, v):
            self.ax_bif.set_ylim(-v, v)
            self.invalidate(self.figures[2])
        self._bif_key = bif_key

    # ------------------------------------------------------------------ text
    def objects_text(self) -> str:
        """'2 fixed points (stable focus, saddle), 1 saddle 3-cycle' for the current picture."""
        cycles = self.all_cycles()
        fixed = [c for c in cycles if c.period == 1]
        longer = [c for c in cycles if c.period > 1]
        parts = []
        if fixed:
            n = len(fixed)
            parts.append(f"{n} fixed point{'s' if n > 1 else ''} "
                         f"({_join(c.description.replace(' fixed point', '') for c in fixed)})")
        else:
            parts.append("no fixed point")
        by_kind: dict[str, list] = {}
        for c in longer:
            by_kind.setdefault(c.kind, []).append(c)
        for kind, cs in by_kind.items():
            if len(cs) <= 3:
                parts += [f"1 {c.description}" for c in cs]
            else:
                periods = sorted({c.period for c in cs})
                parts.append(f"{len(cs)} {kind} cycles (periods {periods[0]}–{periods[-1]})")
        return _join(parts)

    def _status(self, p, notes, traj_note, coarse):
        parts = [self.objects_text()]
        if traj_note is not None:
            parts.append(traj_note)
        elif self.lyapunov is not None:
            lam = float(self.lyapunov[0])
            what = ("chaotic" if lam > 0.01 else
                    "neutral: periodic or quasi-periodic" if lam > -0.01 else "converging")
            parts.append(f"λ1 = {lam:.2f} (orbit from ({p['x0']:.3g}, {p['y0']:.3g}): {what})")
        if len(self.homoclinic):
            parts.append(f"homoclinic points: W^s and W^u cross transversally "
                         f"({len(self.homoclinic)} crossings found) → horseshoe chaos")
        fr_div = self.basin.fraction(pl.DIVERGENT)
        if fr_div == 1.0:
            parts.append("every orbit started in view diverges")
        elif fr_div > 0 and self.attractors:
            parts.append(f"{100 * fr_div:.0f}% of the view diverges")
        if not self.attractors and np.any(self.basin.labels == pl.BOUNDED_OTHER):
            parts.append("bounded orbits reach no periodic attractor (chaotic/other)")
        parts += notes
        if coarse:
            parts.append("coarse while dragging"
                         + ("" if self.bifurcation_current else
                            "; the bifurcation diagram follows when the drag stops"))
        return "; ".join(parts)

    def _summary(self):
        p = self.state
        lines = [f"PLRNNExplorer(A=[[{p['a11']:g}, {p['a12']:g}], [{p['a21']:g}, {p['a22']:g}]], "
                 f"W=[[{p['w11']:g}, {p['w12']:g}], [{p['w21']:g}, {p['w22']:g}]], "
                 f"h=[{p['h1']:g}, {p['h2']:g}])", self.status_text]
        if getattr(self, "basin", None) is not None:
            for label, name in sorted(self.basin.names.items()):
                if label >= 0:
                    lines.append(f"basin {label + 1} "
                                 f"({_ATTRACTOR_NAMES[label % _N_ATTRACTOR_COLOURS]}): {name}, "
                                 f"{100 * self.basin.fraction(label):.0f}% of the view")
        return "\n".join(lines)


def _known(cyc, cycles, rtol=1e-5) -> bool:
    return _index_of(cyc, cycles, rtol) is not None


def _index_of(cyc, cycles, rtol=1e-5):
    """Position of cycle ``cyc`` in ``cycles`` (the same object, or the same orbit)."""
    for i, c in enumerate(cycles):
        if c is cyc or pl.same_orbit(c.points, cyc.points, rtol):
            return i
    return None