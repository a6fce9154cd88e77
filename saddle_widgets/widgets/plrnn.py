"""PLRNN explorer: fixed points, cycles, invariant manifolds, basins and chaos of a 2-D ReLU RNN.

    F(z) = A z + W relu(z) + h,   z in R^2

Three linked canvases: the phase plane (basin map, fixed points and cycles by kind, the
stable (blue) and unstable (red) manifolds of saddles, homoclinic points, the subregion
borders z_i = 0 and a clicked trajectory), the time series of that trajectory, and a
bifurcation diagram (long-run z1 against one parameter, the current value marked).
Everything drawn comes from ``saddle_widgets.solvers.plrnn`` and is drawn with
``saddle_widgets.plots.plrnn``; see Eisenmann et al., "Detecting Invariant Manifolds in
ReLU-Based RNNs" and SCYFI.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import plrnn as plots
from ..plots.style import OKABE_ITO
from ..solvers import plrnn as pl
from ._base import Bool, Choice, Explorer, Fig, Float, Int, draw, status, step

__all__ = ["PLRNNExplorer"]

MATRIX_KEYS = pl.MATRIX_KEYS
A_KEYS, W_KEYS, H_KEYS = MATRIX_KEYS[:4], MATRIX_KEYS[4:8], MATRIX_KEYS[8:]
#: slider half-ranges of the entries of A, W and h
RANGES = {"a": 2.5, "w": 4.0, "h": 3.0}

#: the coarse (dragging) picture: basin grid and iterations, cycle period limit
COARSE_RESOLUTION, COARSE_STEPS, FULL_STEPS = 64, 150, 400
COARSE_MAX_PERIOD = 5
#: capture radius of the basin map, relative: tol * (1 + |p|)
BASIN_TOL = 1e-2
#: at most this many saddles (of the lowest saddle period) get their manifolds drawn
MAX_MANIFOLD_SADDLES = 2
BIF_VALUES, BIF_TRANSIENT, BIF_KEEP = 201, 300, 16
#: the chaotic attractor drawn as a long faint orbit: points shown and transient steps
ATTRACTOR_POINTS, ATTRACTOR_TRANSIENT = 4000, 200
#: the δ histogram: points per manifold and iterations of manifold_quality
QUALITY_POINTS, QUALITY_STEPS = 200, 100
#: the largest view half-width (Fig. 3 B-right's saddle 4-cycle reaches |z| = 30)
VIEW_MAX = 40.0


def _basin_settings(view, resolution, coarse) -> dict:
    """Keyword arguments of basin_map (besides attractors) over [-view, view]^2."""
    return {"extent": (-view, view, -view, view),
            "resolution": COARSE_RESOLUTION if coarse else resolution,
            "n_steps": COARSE_STEPS if coarse else FULL_STEPS, "tol": BASIN_TOL,
            "discover": False}


def _manifold_settings(length, view, coarse) -> dict:
    """Keyword arguments of invariant_manifold; branches stop once they leave
    |z| <= 1.5 view (the window's corners are at 1.41 view)."""
    if coarse:
        return {"max_length": min(length, 2.0 * view), "max_step": 0.12,
                "max_iter": 10, "bound": 1.5 * view}
    return {"max_length": length, "max_step": 0.03, "max_iter": 40, "bound": 1.5 * view}


def _entry(key, default) -> Float:
    r = RANGES[key[0]]
    what = {"a": "A, the linear part", "w": "W, the ReLU weights", "h": "the bias h"}[key[0]]
    return Float(key, default, -r, r, step=0.001, fmt=".3f", doc=f"entry {key} of {what}")


def _preset(name, **view) -> dict:
    return {**pl.entries(pl.preset(name)), **view}


class PLRNNExplorer(Explorer):
    """2-D PLRNN z' = A z + W relu(z) + h: phase plane, time series and bifurcation diagram.

    Parameters (also ``widget.state``): a11 a12 a21 a22 (A, full), w11 w12 w21 w22 (W),
    h1 h2 (h); view (half-width of the square window [-view, view]^2); resolution (basin
    map grid, full quality); max_period (cycles up to this period by exhaustive search /
    SCYFI); manifold_length (length of each manifold branch, 0 = off); x0, y0 (start of the
    clicked trajectory) and steps (its length); bif_param (parameter swept in the
    bifurcation diagram, over its slider's range). Click the phase plane to start a
    trajectory there.

    Results (``widget.results``): model, cycles (find_cycles), discovered (stable cycles
    found by iterating), attractors, objects (every cycle shown), basin (BasinMap),
    manifolds (SaddleManifolds), trajectory (the orbit, cut where it diverges), lyapunov
    (exponents, None if the orbit diverges), bifurcation (BifurcationDiagram).
    """

    PARAMS = {
        **{k: _entry(k, v) for k, v in pl.entries(pl.preset("multistability")).items()},
        "view": Float("view half-width", 4.0, 0.5, VIEW_MAX, step=0.1, fmt=".1f",
                      doc="the window shown is [-view, view]²"),
        "resolution": Int("basin resolution", 160, 40, 300, step=10,
                          doc="grid points per side of the basin map (full quality)"),
        "max_period": Int("max period", 8, 1, 10,
                          doc="cycles up to this period (exhaustive search: all of them)"),
        "manifold_length": Float("manifold length", 15.0, 0.0, 40.0, step=0.5, fmt=".1f",
                                 doc="length of each manifold branch; 0 hides them"),
        "x0": Float("start z1", 0.3, -VIEW_MAX, VIEW_MAX, step=0.001, fmt=".3f",
                    doc="start of the trajectory (click the phase plane)"),
        "y0": Float("start z2", 0.3, -VIEW_MAX, VIEW_MAX, step=0.001, fmt=".3f",
                    doc="start of the trajectory (click the phase plane)"),
        "steps": Int("trajectory steps", 60, 5, 1000, step=5,
                     doc="length of the trajectory (and of its time series)"),
        "bif_param": Choice("swept parameter", "h1", MATRIX_KEYS,
                            doc="the parameter on the bifurcation diagram's axis, "
                                "over its slider's range"),
        "quality": Bool("δ histogram", False,
                        doc="score the traced manifolds with the paper's δ (forward for W^s, "
                            "backward for W^u) and show its histogram"),
        "det_map": Bool("sign of det J_D", False,
                        doc="write det(A + W D) in each subregion, hatched where it is "
                            "negative: F is invertible when it has one sign everywhere"),
    }
    FIGURES = {"phase": Fig(5.4, 4.0, click="set_start"), "time": Fig(4.0, 2.0),
               "bifurcation": Fig(4.0, 2.2), "quality": Fig(5.4, 1.9)}
    COLUMNS = [["phase", "quality"], ["time", "bifurcation"]]
    PRESETS = {
        "Fig. 3 A-left (flip saddle)": _preset("Fig. 3 A-left", view=3.0, x0=-0.5, y0=0.3,
                                               steps=30),
        "Fig. 3 A-right (bounded basin)": _preset("bounded basin", view=2.5, x0=0.5, y0=0.5,
                                                  steps=80),
        "Fig. 3 B-left (saddle 3-cycle)": _preset("saddle 3-cycle", view=3.5, x0=-1.5,
                                                  y0=-0.5, steps=80),
        "Fig. 3 B-right (saddle 4-cycle)": _preset("Fig. 3 B-right", view=35.0, x0=-15.0,
                                                   y0=-12.0, steps=120, manifold_length=40.0),
        # low periods and a short trajectory: the saddle cycles up to period 8 (27 markers)
        # and a 100-step chaotic orbit hid the manifolds
        "chaos": _preset("chaos", view=3.0, x0=0.1, y0=0.1, steps=30, bif_param="h1",
                         max_period=3),
        "16-cycle": _preset("16-cycle", view=3.5, resolution=140, x0=0.5, y0=-1.0, steps=200,
                            bif_param="h2"),
        "multistability": _preset("multistability", view=4.0, x0=0.3, y0=0.3, steps=60),
    }
    #: the paper's panels: Eisenmann et al. (ICLR 2026) Fig. 3, the 2-D border-collision
    #: normal form with the parameters of the science note (A-right and B-left also from
    #: there); what each shows was computed here (find_cycles, basin_map, manifolds)
    PRESET_NOTES = {
        "Fig. 3 A-left (flip saddle)":
            "Fig. 3 A-left: a flip saddle (multipliers 1.68, −0.98) and no attractor; every "
            "orbit off its stable manifold (blue) diverges, and its unstable manifold (red) "
            "leads away",
        "Fig. 3 A-right (bounded basin)":
            "Fig. 3 A-right: the saddle's stable manifold (blue) bounds the basin of the "
            "stable focus; everything outside diverges",
        "Fig. 3 B-left (saddle 3-cycle)":
            "Fig. 3 B-left: the stable manifold of a saddle 3-cycle bounds the basin of the "
            "stable focus",
        "Fig. 3 B-right (saddle 4-cycle)":
            "Fig. 3 B-right (B-left with τl = 0.9): the stable manifold of a saddle 4-cycle "
            "near (−17.4, −13.4) bounds the focus's basin (view ±35)",
    }

    # ------------------------------------------------------------------ build
    def _control_panel(self):
        c = self.controls

        def head(text):
            return widgets.HTML(f"<b>{text}</b>")
        return [head("A (linear part, full)"), *(c[k] for k in A_KEYS),
                head("W (ReLU weights)"), *(c[k] for k in W_KEYS),
                head("h (bias)"), *(c[k] for k in H_KEYS),
                head("view and computation"), c["view"], c["resolution"], c["max_period"],
                c["manifold_length"], c["quality"], c["det_map"],
                head("trajectory (click the plane)"), c["x0"], c["y0"], c["steps"],
                head("bifurcation diagram"), c["bif_param"]]

    def build_phase(self, fig):
        ax = self.ax_phase = fig.add_subplot()
        v = self.PARAMS["view"].default
        self.basin_image = plots.basin_image(ax, extent=(-v, v, -v, v))
        self.det_patches, self.det_texts = plots.det_sign_map(ax)
        self.border_lines = plots.border_lines(ax, v)
        self.stable_line, self.unstable_line, self.homoclinic_mark = plots.manifold_lines(ax)
        self.markers = plots.cycle_markers(ax)
        self.stable_mark, self.saddle_mark = self.markers["stable"], self.markers["saddle"]
        self.unstable_mark, self.other_mark = (self.markers["unstable"],
                                               self.markers["non-hyperbolic"])
        self.orbit_line, self.start_mark = plots.trajectory_line(ax)
        self.attractor_line = plots.attractor_line(ax)
        ax.set(xlim=(-v, v), ylim=(-v, v), xlabel="z1", ylabel="z2", aspect="equal")
        ax.set_title("phase plane (click to start a trajectory)", fontsize=9)
        ax.tick_params(labelsize=8)
        # outside the plot area: the basin image is blitted over all of it. The widest
        # legend reserves its room at the first draw; draw_phase_legend lists what is drawn
        plots.phase_legend(ax, self._line_handles())
        # lay the figure out now, with the widest legend, and keep that layout: once the
        # base paints the legends itself (layer "legend") the layout would not see them
        self._lay_out(fig)
        # the basin map, the borders and the attractor change rarely (backdrop); the rest
        # is blitted
        self.animate(fig, [self.stable_line, self.unstable_line, self.homoclinic_mark,
                           *self.markers.values(), self.orbit_line, self.start_mark],
                     backdrop=[self.basin_image, *self.det_patches, *self.det_texts,
                               self.border_lines, self.attractor_line])

    def _lay_out(self, fig):
        """The phase plane is laid out with the widest legend in place (then the one shown)."""
        if fig is not self.ax_phase.figure or self.ax_phase.get_legend() is None:
            return super()._lay_out(fig)
        shown = self.ax_phase.get_legend()
        plots.phase_legend(self.ax_phase, self._line_handles())
        try:
            super()._lay_out(fig)
        finally:
            self.ax_phase.get_legend().remove()
            self.ax_phase.legend_ = shown

    def _line_handles(self):
        return [self.stable_line, self.unstable_line, self.homoclinic_mark,
                self.attractor_line, self.border_lines]

    def build_time(self, fig):
        ax = self.ax_time = fig.add_subplot()
        self.ts_z1, self.ts_z2, self.ts_labels = plots.time_series(ax)
        ax.set_title("trajectory", fontsize=8)
        self.animate(fig, [self.ts_z1, self.ts_z2], backdrop=self.ts_labels)

    def build_bifurcation(self, fig):
        ax = self.ax_bif = fig.add_subplot()
        self.bif_points = plots.bifurcation_points(ax)
        (self.bif_line,) = ax.plot([], [], color=OKABE_ITO["vermillion"], lw=1.2)
        ax.set(ylabel="long-run z1")
        self.bif_labels = plots.limit_axis(ax)
        # the diagram changes only when recomputed (backdrop); the current-value line moves
        self.animate(fig, [self.bif_line], backdrop=[self.bif_points, *self.bif_labels])

    def build_quality(self, fig):
        ax = self.ax_quality = fig.add_subplot()
        self.quality_steps = plots.quality_histogram(ax)
        ax.tick_params(labelsize=7)
        ax.xaxis.label.set_size(8)
        ax.yaxis.label.set_size(8)
        self.quality_note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                                    va="center", fontsize=8, color="#555555")
        ax.set_title("δ histogram", fontsize=8)       # reserves the title's room
        self.animate(fig, list(self.quality_steps))

    # ------------------------------------------------------------------ interaction
    def set_start(self, x: float, y: float) -> None:
        """Start the trajectory at (x, y) (what a click on the phase plane does)."""
        lo, hi = self.PARAMS["x0"].lo, self.PARAMS["x0"].hi
        if not (lo <= x <= hi and lo <= y <= hi):
            raise ValueError(f"start ({x:.3g}, {y:.3g}) is outside [{lo:g}, {hi:g}]^2")
        self.set_params(x0=round(float(x), 3), y0=round(float(y), 3))

    def extent(self):
        """The window of the basin map: (-view, view, -view, view)."""
        v = self.state["view"]
        return (-v, v, -v, v)

    def basin_settings(self, coarse=False) -> dict:
        """Keyword arguments of the basin_map call behind the image (besides attractors)."""
        p = self.state
        return _basin_settings(p["view"], p["resolution"], coarse)

    def manifold_settings(self, coarse=False) -> dict:
        """Keyword arguments of the invariant_manifold calls behind the blue/red lines."""
        p = self.state
        return _manifold_settings(p["manifold_length"], p["view"], coarse)

    def all_cycles(self) -> list:
        """find_cycles' answer plus stable cycles found only by iterating (longer periods)."""
        return list(self.results["objects"])

    # ------------------------------------------------------------------ steps
    @step(*MATRIX_KEYS)
    def model(self, *entries):
        """The PLRNN of the entries a11 … h2 (``model()``: current, ``model(state)``: a state)."""
        if not entries:
            return self.results["model"]
        if len(entries) == 1:
            return pl.from_entries(entries[0])
        return pl.from_entries(dict(zip(MATRIX_KEYS, entries)))

    @step("model", "max_period", coarse=True)
    def cycles(self, model, max_period, *, coarse):
        """Fixed points and cycles (exhaustive search up to period 10 in 2-D; up to 5 while
        dragging)."""
        return pl.find_cycles(model, min(max_period, COARSE_MAX_PERIOD) if coarse else max_period,
                              seed=0)

    @step("model", "view", coarse=True)
    def discovered(self, model, view, *, coarse):
        """Stable cycles (period <= 64) reached by a 4x4 grid of orbits iterated long
        (None while dragging: not searched for)."""
        if coarse:
            return None
        g = np.linspace(-0.8 * view, 0.8 * view, 4)
        return pl.stable_cycles_by_iteration(model, np.array(np.meshgrid(g, g)).reshape(2, -1).T)

    @step("cycles", "discovered")
    def attractors(self, cycles, discovered):
        """The stable cycles plus those found only by iterating."""
        return pl.merge_cycles([c for c in cycles if c.kind == "stable"], discovered or [])

    @step("cycles", "attractors")
    def objects(self, cycles, attractors):
        """Every cycle shown: find_cycles' answer plus the attractors it does not contain."""
        return pl.merge_cycles(cycles, attractors)

    @step("model", "attractors", "view", "resolution", coarse=True)
    def basin(self, model, attractors, view, resolution, *, coarse):
        """The basin map over [-view, view]² (64 x 64 and fewer iterations while dragging)."""
        return pl.basin_map(model, attractors=attractors,
                            **_basin_settings(view, resolution, coarse))

    @step("view", coarse=True, by_value=True)
    def manifold_view(self, view, *, coarse):
        """The view the manifolds are traced for (None while the view is dragged: they are
        traced once for the widest view instead of again at every step)."""
        return None if coarse else view

    @step("view", by_value=True)
    def axis_limit(self, view):
        """±limit of the time series and the bifurcation diagram: ``plots.nice_limit(view)``."""
        return plots.nice_limit(view)

    @step("model")
    def fixed_sets(self, model):
        """Subregions full of fixed points (a line or more: non-isolated, fixed_point_sets)."""
        return pl.fixed_point_sets(model)

    @step("model", "basin", coarse=True)
    def other_lyapunov(self, model, basin, *, coarse):
        """λ1 of the orbit from the first grid point that is bounded but reaches no
        attractor found (None if there is none, it diverges later, or while dragging): it
        tells whether that part of the basin map is chaotic."""
        if coarse or not np.any(basin.labels == pl.BOUNDED_OTHER):
            return None
        iy, ix = np.argwhere(basin.labels == pl.BOUNDED_OTHER)[0]
        try:
            # as long as the orbit drawn as the attractor (4000 steps after 200): an orbit that
            # lingers near a saddle and then converges must not be called chaotic
            return float(pl.lyapunov_exponents(model, np.array([basin.xs[ix], basin.ys[iy]]),
                                               ATTRACTOR_POINTS,
                                               n_transient=ATTRACTOR_TRANSIENT)[0])
        except ValueError:
            return None

    @step("model", "basin", "other_lyapunov")
    def attractor_orbit(self, model, basin, other_lam):
        """A long orbit (4000 points after 200 steps) from the first grid point that is
        bounded but reaches no attractor, when λ1 > 0.01 there (a chaotic attractor, drawn
        as faint dots); None otherwise (and while dragging: other_lyapunov is None)."""
        if other_lam is None or not other_lam > 0.01:
            return None
        iy, ix = np.argwhere(basin.labels == pl.BOUNDED_OTHER)[0]
        try:
            return pl.long_orbit(model, np.array([basin.xs[ix], basin.ys[iy]]), ATTRACTOR_POINTS,
                                 n_transient=ATTRACTOR_TRANSIENT)
        except ValueError:
            return None

    @step("objects", "basin", "manifolds", "attractor_orbit", by_value=True)
    def phase_drawn(self, objects, basin, manifolds, attractor):
        """What the phase plane shows, as the legend lists it: (lines drawn: stable and
        unstable manifold, homoclinic points, chaotic attractor; cycle kinds; basin colour
        indices present; divergent present; bounded-other present; any k-cycle; number of
        attractors), by value: the legend is remade only when this changes."""
        traced = manifolds.traced
        def drawn(m):
            return m is not None and any(len(b) for b in m.branches)
        lines = (any(drawn(t[1]) for t in traced), any(drawn(t[2]) for t in traced),
                 len(manifolds.homoclinic) > 0, attractor is not None)
        labels = np.unique(basin.labels)
        return (lines, tuple(sorted({c.kind for c in objects})),
                tuple(sorted({int(k) % len(plots.ATTRACTOR_COLOUR_NAMES) for k in labels if k >= 0})),
                bool(np.any(labels == pl.DIVERGENT)), bool(np.any(labels == pl.BOUNDED_OTHER)),
                any(c.period > 1 for c in objects), len(basin.attractors))

    @step("model", "cycles", "manifold_length", "manifold_view", coarse=True)
    def manifolds(self, model, cycles, manifold_length, view, *, coarse):
        """W^s, W^u and homoclinic points of the lowest-period saddles (SaddleManifolds).

        While dragging: one saddle fixed point only (a cycle's F^-k is slow), coarser, and
        no homoclinic points; while the view is dragged, traced for the widest view (the
        axes stay put until the release, which traces them for the new view)."""
        if view is None:
            view = self.PARAMS["view"].hi
        return pl.saddle_manifolds(model, cycles, max_saddles=MAX_MANIFOLD_SADDLES,
                                   fixed_points_only=coarse, intersections=not coarse,
                                   **_manifold_settings(manifold_length, view, coarse))

    @step("model", "manifolds", "quality", coarse=True)
    def manifold_delta(self, model, manifolds, quality, *, coarse):
        """δ of up to 200 points per traced manifold, {'stable': …, 'unstable': …}
        (``saddle_manifold_quality``); None when the histogram is off or while dragging."""
        if not quality or coarse:
            return None
        return pl.saddle_manifold_quality(model, manifolds, max_points=QUALITY_POINTS,
                                          n_steps=QUALITY_STEPS)

    @step("manifold_delta", by_value=True)
    def quality_summary(self, delta):
        """(W^s bin fractions, W^u bin fractions, 'score W^s …, W^u …') of the δ histogram as
        tuples, or None: what the quality figure shows, so it redraws only when that changes."""
        if delta is None:
            return None
        return (tuple(plots.delta_histogram(delta["stable"])),
                tuple(plots.delta_histogram(delta["unstable"])),
                _scores_text(delta, short=True) if (delta["stable"].size or delta["unstable"].size)
                else "")

    @step("model", "x0", "y0", "steps", "view")
    def trajectory(self, model, x0, y0, steps, view):
        """The orbit from (x0, y0); one that diverges is shown up to |z| <= 100 view."""
        orbit = model.orbit_until_divergence([x0, y0], steps)
        if len(orbit) < steps + 1:
            orbit = model.orbit_until_divergence([x0, y0], steps, bound=100 * view)
        return orbit

    @step("model", "x0", "y0", coarse=True)
    def lyapunov(self, model, x0, y0, *, coarse):
        """Lyapunov exponents of the orbit from (x0, y0); None if it diverges."""
        n, transient = (300, 100) if coarse else (2000, 300)
        try:
            return pl.lyapunov_exponents(model, np.array([x0, y0]), n, n_transient=transient)
        except ValueError:
            return None

    @step("bif_param", *MATRIX_KEYS, by_value=True)
    def sweep(self, bif_param, *entries):
        """The swept parameter and the model's entries with it at its lower bound: all the
        bifurcation diagram depends on, so moving the swept value only moves the red line."""
        values = dict(zip(MATRIX_KEYS, entries))
        values[bif_param] = -RANGES[bif_param[0]]
        return bif_param, tuple(values[k] for k in MATRIX_KEYS)

    @step("sweep", "axis_limit", coarse=True, cache=2)
    def bifurcation(self, sweep, limit, *, coarse):
        """The bifurcation diagram over the swept parameter's slider range, from a 3 x 3
        grid of starts over ±limit/2 (None while dragging: recomputed when it stops)."""
        if coarse:
            return None
        key, entries = sweep
        lo = -RANGES[key[0]]
        g = np.linspace(-0.5 * limit, 0.5 * limit, 3)
        z0s = np.array([[a, b] for a in g for b in g]) + 0.01
        return pl.bifurcation_diagram(pl.from_entries(dict(zip(MATRIX_KEYS, entries))),
                                      np.linspace(lo, -lo, BIF_VALUES),
                                      parameter=pl.entry_parameter(key), z0s=z0s,
                                      n_transient=BIF_TRANSIENT, n_keep=BIF_KEEP)

    # ------------------------------------------------------------------ draws
    # the axes stay fixed while the view is dragged and follow it on release
    @draw("phase", "view", layer="static", coarse=True)
    def draw_phase_axes(self, view, *, coarse):
        if not coarse:
            self.ax_phase.set(xlim=(-view, view), ylim=(-view, view))
            plots.set_border_lines(self.border_lines, view)

    @draw("phase", "basin", layer="backdrop")
    def draw_basin(self, basin):
        plots.set_basin(self.basin_image, basin)

    @draw("phase", "model", "det_map", "view", layer="backdrop")
    def draw_det_map(self, model, det_map, view):
        plots.set_det_sign_map((self.det_patches, self.det_texts), model, view, visible=det_map)

    @draw("quality", "quality_summary")
    def draw_quality(self, summary):
        empty = np.zeros(plots.DELTA_BINS.size - 1)
        plots.set_quality_histogram(self.quality_steps, *(summary[:2] if summary else
                                                          (empty, empty)))

    @draw("quality", "quality_summary", "quality", layer="static")
    def draw_quality_title(self, summary, quality):
        if summary is None:
            self.ax_quality.set_title("the paper's quality measure δ of the manifold points",
                                      fontsize=8)
            self.quality_note.set_text("tick 'δ histogram' to score the manifolds" if not quality
                                       else "δ follows when the drag stops")
            return
        self.quality_note.set_text("" if summary[2] else "no manifold traced")
        self.ax_quality.set_title("δ(x0) = min$_{k≥0}$ |F$^k$(x0) − p|² / |x0 − p|²;  "
                                  + summary[2], fontsize=8)

    @draw("phase", "objects", "basin")
    def draw_markers(self, objects, basin):
        plots.set_cycle_markers(self.markers, objects, basin.attractors)

    @draw("phase", "attractor_orbit", layer="backdrop")
    def draw_attractor(self, orbit):
        plots.set_attractor_line(self.attractor_line, orbit)

    @draw("phase", "phase_drawn", layer="legend")
    def draw_phase_legend(self, drawn):
        lines, kinds, basins, divergent, other, k_cycles, n_attractors = drawn
        handles = [h for h, shown in zip(self._line_handles(), (*lines, True)) if shown]
        plots.show_phase_legend(self.ax_phase, handles, kinds=kinds, basins=basins,
                                divergent=divergent, other=other, k_cycles=k_cycles,
                                n_attractors=n_attractors)

    @draw("phase", "manifolds")
    def draw_manifolds(self, manifolds):
        plots.set_manifolds((self.stable_line, self.unstable_line, self.homoclinic_mark),
                            manifolds)

    @draw("phase", "trajectory")
    def draw_trajectory(self, trajectory):
        plots.set_trajectory((self.orbit_line, self.start_mark), trajectory)

    # the time series and the bifurcation diagram are drawn in units of ±axis_limit: a new
    # limit relabels their value axes (a backdrop) instead of redrawing them in full
    @draw("time", "trajectory", "axis_limit")
    def draw_time_series(self, trajectory, limit):
        plots.set_time_series((self.ts_z1, self.ts_z2), trajectory, limit)

    @draw("time", "steps", layer="static")
    def draw_time_steps(self, steps):
        self.ax_time.set_xlim(0, steps)

    @draw("time", "axis_limit", layer="backdrop")
    def draw_time_axes(self, limit):
        plots.set_limit_axis(self.ts_labels, limit)

    @draw("bifurcation", "bif_param", layer="static")
    def draw_bifurcation_axes(self, bif_param):
        p = self.PARAMS[bif_param]
        self.ax_bif.set(xlim=(p.lo, p.hi), xlabel=bif_param)
        self.ax_bif.set_title(f"bifurcation diagram: long-run z1 against {bif_param}",
                              fontsize=8)

    @draw("bifurcation", "bifurcation", "axis_limit", layer="backdrop")
    def draw_bifurcation(self, diagram, limit):
        # None: recomputed when the drag stops; the points and their labels stay together
        if diagram is not None:
            plots.set_bifurcation(self.bif_points, diagram, limit=limit)
            plots.set_limit_axis(self.bif_labels, limit)

    @draw("bifurcation", "bif_param", *MATRIX_KEYS)
    def draw_bifurcation_value(self, bif_param, *entries):
        value = entries[MATRIX_KEYS.index(bif_param)]
        self.bif_line.set_data([value, value], [-1.0, 1.0])

    # ------------------------------------------------------------------ text
    def objects_text(self) -> str:
        """'2 fixed points (stable focus, saddle), 1 saddle 3-cycle' for the current picture."""
        return _objects_text(self.results["objects"], self.results["fixed_sets"],
                             self.results["model"].n_regions)

    @status("model", "objects", "fixed_sets", "attractors", "discovered", "basin",
            "other_lyapunov", "manifolds", "manifold_delta", "trajectory", "lyapunov",
            "bifurcation", "x0", "y0", "steps", coarse=True)
    def describe(self, model, objects, fixed_sets, attractors, discovered, basin, other_lam,
                 manifolds, delta, trajectory, lyapunov, bifurcation, x0, y0, steps, *, coarse):
        parts = [_objects_text(objects, fixed_sets, model.n_regions)]
        start = f"({x0:.3g}, {y0:.3g})"
        if len(trajectory) < steps + 1:
            parts.append(f"the orbit from {start} diverges after {len(trajectory)} steps")
        elif lyapunov is None:
            parts.append(f"the orbit from {start} diverges (no Lyapunov exponent)")
        else:
            lam = float(lyapunov[0])
            if np.isneginf(lam):
                parts.append(f"λ1 = −∞ (orbit from {start}: the Jacobians along it collapse "
                             f"every direction, so it lands on one point and stays)")
            else:
                what = ("chaotic" if lam > 0.01 else
                        "neutral: periodic or quasi-periodic" if lam > -0.01 else "converging")
                parts.append(f"λ1 = {lam:.2f} (orbit from {start}: {what})")
        if len(manifolds.homoclinic):
            parts.append(f"homoclinic points: W^s and W^u cross transversally "
                         f"({len(manifolds.homoclinic)} crossings found) → horseshoe chaos")
        fr_div = basin.fraction(pl.DIVERGENT)
        if fr_div == 1.0:
            parts.append("every orbit started in view diverges")
        elif fr_div > 0 and attractors:
            parts.append(f"{100 * fr_div:.0f}% of the view diverges")
        fr_other = basin.fraction(pl.BOUNDED_OTHER)
        if fr_other > 0 and discovered is not None:
            where = (f"{100 * fr_other:.0f}% of the view stays" if fr_other >= 0.005
                     else "a few orbits stay")
            if other_lam is not None and other_lam > 0.01:
                parts.append(f"{where} bounded but reaches no periodic attractor: chaotic "
                             f"(λ1 = {other_lam:.2f} there)")
            elif other_lam is not None:
                parts.append(f"{where} bounded, no attractor found, not chaotic "
                             f"(λ1 = {other_lam:.2f} there: neutral, slow or a longer cycle)")
            else:
                parts.append(f"{where} bounded, no attractor found")
        if manifolds.skipped:
            parts.append("manifolds of saddle cycles are drawn when the drag stops")
        failed = {}                  # one clause per saddle and reason
        for saddle, which, message in manifolds.failures:
            failed.setdefault((id(saddle), message), (saddle, []))[1].append(which)
        for (_, message), (saddle, which) in failed.items():
            what = "stable and unstable manifolds" if len(which) == 2 else f"{which[0]} manifold"
            parts.append(f"{what} of the {saddle.description} not traced ({message})")
        det = model.determinants()
        if manifolds.invertible:
            parts.append(f"F invertible (det J_D {'> 0' if det[0] > 0 else '< 0'} in every "
                         f"subregion)")
        else:
            why = ("det J_D = 0 in every subregion: F collapses the plane" if np.all(det == 0)
                   else "det J_D = 0 in a subregion" if np.any(det == 0) else
                   "det(A + W D) changes sign between subregions, so some points have two "
                   "preimages and others none")
            parts.append(f"F is not invertible ({why})"
                         + (": the stable-manifold tracer needs F⁻¹, so W^s is not traced"
                            if manifolds.traced else ""))
        if delta is not None and (delta["stable"].size or delta["unstable"].size):
            parts.append(_scores_text(delta))
        if coarse:
            later = []
            if discovered is None:
                later.append("long-period attractors")
            if bifurcation is None:
                later.append("the bifurcation diagram")
            parts.append("coarse while dragging"
                         + (f"; {' and '.join(later)} follow when the drag stops" if later else ""))
        return "; ".join(parts)

    def _summary(self):
        p = self.state
        lines = [f"PLRNNExplorer(A=[[{p['a11']:g}, {p['a12']:g}], [{p['a21']:g}, {p['a22']:g}]], "
                 f"W=[[{p['w11']:g}, {p['w12']:g}], [{p['w21']:g}, {p['w22']:g}]], "
                 f"h=[{p['h1']:g}, {p['h2']:g}])", self.status_text]
        basin = self.results.get("basin")
        if basin is not None:
            for label, name in sorted(basin.names.items()):
                if label >= 0:
                    lines.append(f"basin {label + 1} ({plots.attractor_colour(label, name=True)}): "
                                 f"{name}, {100 * basin.fraction(label):.0f}% of the view")
        return "\n".join(lines)


def _scores_text(delta, short=False) -> str:
    """'manifold score (fraction with δ < 0.01): W^s 1.00, W^u 0.85' for the pooled δ of
    the traced manifolds (``short``: 'score W^s 1.00, W^u 0.85')."""
    words = [f"{name} {pl.manifold_score(delta[which]):.2f}"
             for which, name in (("stable", "W^s"), ("unstable", "W^u")) if delta[which].size]
    if short:
        return "score " + ", ".join(words)
    return f"manifold score (fraction with δ < {pl.DELTA_GOOD:g}): " + ", ".join(words)


def _objects_text(cycles, fixed_sets=(), n_regions=4) -> str:
    fixed = [c for c in cycles if c.period == 1]
    longer = [c for c in cycles if c.period > 1]
    parts = []
    if fixed_sets:
        if len(fixed_sets) == n_regions and all(d == len(p) for p, d in fixed_sets):
            parts.append("no isolated fixed point: every point is fixed (F is the identity)")
        else:
            kinds = sorted({("a line" if d == 1 else "a plane" if d == 2 else f"a {d}-D set")
                            for _, d in fixed_sets})
            parts.append(f"non-isolated fixed points: {' and '.join(kinds)} of them in "
                         f"{len(fixed_sets)} subregion{'s' if len(fixed_sets) > 1 else ''}")
    if fixed:
        n = len(fixed)
        parts.append(f"{n} fixed point{'s' if n > 1 else ''} "
                     f"({', '.join(c.description.replace(' fixed point', '') for c in fixed)})")
    elif not fixed_sets:
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
    return ", ".join(parts)
