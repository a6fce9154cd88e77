"""The shared base of every explorer widget: a widget declares, the base runs.

A widget declares its parameters, its computations (steps), its figures and what each
draw reads; the base builds the controls, validates values, orders and memoises the steps
(bounded caches), recomputes only what a change touches, runs cheaper coarse variants
while a slider is dragged and the full ones after release, blits the layers of each
figure, and exposes the results by name::

    class MyExplorer(Explorer):
        PARAMS = {"target": Float("target x*", 1.0, -2, 2, step=0.05), ...}
        FIGURES = {"phase": Fig(4.3, 4.1, click="set_start"), "loss": Fig(4.0, 2.2)}
        COLUMNS = [["phase"], ["loss"]]          # optional: figures per layout column
        PRESETS = {"name": {"target": 0.5}}       # one click reproduces a figure
        SUMMARY_KEYS = ("target",)                # optional: parameters in the text summary

        def build_phase(self, fig): ...           # make the artists once (self.animate(...))
        @step("cost", "target")                   # memoised on its inputs
        def cost_fn(self, cost, target): return gf.make_cost(cost, target)
        @step("cost_fn", "x0", coarse=True)       # takes coarse=: cheaper while dragging
        def run(self, cost_fn, x0, *, coarse): ...
        @draw("phase", "run")                     # layer "moving" (blitted), "backdrop"
        def draw_path(self, run): ...             # or "static" (the figure is redrawn in full)
        @status("run")
        def describe(self, run): return "..."     # the status line

Inputs of a step, draw or status are parameter names or step names. A step's value is a
pure function of its inputs: it is cached per input values (``cache`` entries, least
recently used evicted) and shown to teachers as ``w.results[name]``. ``follow(given,
values)`` may return parameters that follow others (a new seed draws a new start).

Teachers extend a widget without subclassing: ``w.add_figure(name, width, height)`` and
``w.on(step, callback)``; subclasses may add parameters, steps, draws and figures.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import html
import io
import logging
import sys
import time
import types
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, ClassVar

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

from ..plots.style import OKABE_ITO  # noqa: F401  (re-exported for the widgets)
from ._params import (CONTROL_WIDTH, LABEL_WIDTH, Bool, Choice, ControlValueError,  # noqa: F401
                      Fig, Float, Int, Param)

log = logging.getLogger(__name__)


_STATUS_OK = '<span style="font-family: var(--jp-ui-font-family, sans-serif)">{}</span>'
_STATUS_ERROR = '<span style="color:#b00020; font-weight:600">⚠ {}</span>'
CUSTOM = "(custom)"
PANEL_WIDTH = "370px"
ROOM_SLACK = 24.0       # px of margin left unused before a figure is laid out again


def in_live_kernel() -> bool:
    """True inside a running IPython kernel (where ipympl canvases can talk to a front end)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


_BLAS = {"modules": -1, "controller": None}


def one_blas_thread():
    """A context in which BLAS (OpenBLAS, MKL) runs on one thread: every widget update runs
    in it. The widgets' products are small ((40, 3) @ (3, 40000) in a basin map), and a
    multi-threaded BLAS that shares its cores with the browser or another process waits on
    a descheduled thread: a 3-D slice update took 1.6 s with two threads and 0.1 s with one
    while a second process kept one of two cores busy. The limit lasts for the update only
    (the notebook's own numpy keeps its threads). Without threadpoolctl: no limit."""
    if len(sys.modules) != _BLAS["modules"]:         # a new library may have loaded BLAS
        _BLAS["modules"] = len(sys.modules)
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS["controller"] = None
        else:
            _BLAS["controller"] = ThreadpoolController()
    controller = _BLAS["controller"]
    if controller is None or not controller.lib_controllers:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


@functools.lru_cache(maxsize=None)
def _ipympl():
    """ipympl's Canvas (as :class:`FullFrameCanvas`) and FigureManager, imported without
    switching pyplot's backend (importing ipympl calls ``matplotlib.use``: matplotlib/ipympl
    issue #623)."""
    import matplotlib
    use, backend = matplotlib.use, dict.__getitem__(matplotlib.rcParams, "backend")
    matplotlib.use = lambda *args, **kwargs: None
    try:
        from ipympl.backend_nbagg import Canvas, FigureManager
    finally:
        matplotlib.use = use
        # and whatever else the import set: the notebook's backend (or its "auto") stays
        dict.__setitem__(matplotlib.rcParams, "backend", backend)

    class FullFrameCanvas(Canvas):
        """An ipympl canvas that only ever sends whole frames. ipympl's own draws (a view
        attached again, a resize, the toolbar) would send diff frames: only the pixels that
        changed, drawn over what the page shows. A page that lost its last image (a loaded
        browser dropped a frame, a re-attached view) then shows fragments: in CI, legends and
        tick labels on a blank canvas for 90 s."""

        def get_diff_image(self):
            self._force_full = True
            return super().get_diff_image()

        def _handle_message(self, object, content, buffers):
            """A view's handshake ('initialized') or a resized page canvas ('refresh'):
            send the current picture at once. ipympl only answers the page's own draw
            request, which the page skips while it still waits for an earlier image, and
            its resize clears the canvas first: in CI a widget stayed blank for 90 s."""
            super()._handle_message(object, content, buffers)
            if content.get("type") in ("initialized", "refresh") and self.comm is not None:
                self.send_frame()

        def send_frame(self):
            """Send the whole current picture (a full draw if the buffer is stale)."""
            if not _buffer_is_current(self):
                draw_in_full(self)           # draws, fires the layer hook and sends
                return
            self._png_is_old = True
            self.manager.refresh_all()

    return FullFrameCanvas, FigureManager


# ----------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class _Node:
    """A declared step, draw or status: its inputs and how it runs."""

    kind: str                      # "step", "draw" or "status"
    name: str
    inputs: tuple[str, ...]
    coarse: bool = False           # the method takes ``coarse=`` (cheaper while dragging)
    cache: int = 4                 # steps: entries kept per step
    figure: str | None = None      # draws: the figure drawn into
    layer: str = "moving"          # draws: "moving", "backdrop", "legend" or "static"
    by_value: bool = False         # steps: dependents are keyed on the (hashable) result


LAYERS = ("moving", "backdrop", "legend", "static")


def step(*inputs: str, coarse: bool = False, cache: int = 4, by_value: bool = False):
    """Declare a computation: ``method(*values of inputs[, coarse=])`` -> a result.

    ``by_value=True``: the result is small and hashable, and what depends on this step
    recomputes only when the result changes (not whenever an input does), e.g. "the model
    with the swept parameter left out" for a bifurcation diagram."""
    def mark(fn):
        fn._explorer_node = _Node("step", fn.__name__, inputs, coarse, cache, by_value=by_value)
        return fn
    return mark


def draw(figure: str, *inputs: str, layer: str = "moving", coarse: bool = False):
    """Declare a draw into the named figure that reads ``inputs``. ``layer``: "moving"
    (blitted each time), "backdrop" (cached until it changes), "legend" (the draw makes
    or removes the figure's legends: they are painted over the cached background, which
    costs a legend, not a figure) or "static" (the draw changes axes, ticks or labels:
    the figure is drawn in full)."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(map(repr, LAYERS))}, got {layer!r}")

    def mark(fn):
        fn._explorer_node = _Node("draw", fn.__name__, inputs, coarse, 0, figure, layer)
        return fn
    return mark


def status(*inputs: str, coarse: bool = False):
    """Declare the status line: ``method(*values of inputs)`` -> text."""
    def mark(fn):
        fn._explorer_node = _Node("status", fn.__name__, inputs, coarse)
        return fn
    return mark


def _collect(cls):
    """The class's steps in dependency order, its draws in declaration order, its status."""
    nodes = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            node = getattr(value, "_explorer_node", None) if callable(value) else None
            if node is not None:
                nodes.pop(name, None)
                nodes[name] = node
    steps = {n: v for n, v in nodes.items() if v.kind == "step"}
    draws = [v for v in nodes.values() if v.kind == "draw"]
    statuses = [v for v in nodes.values() if v.kind == "status"]
    if len(statuses) > 1:
        raise TypeError(f"{cls.__name__} declares {len(statuses)} status lines")
    known = set(cls.PARAMS) | set(steps)
    for node in nodes.values():
        bad = [i for i in node.inputs if i not in known]
        if bad:
            raise TypeError(f"{cls.__name__}.{node.name} reads unknown input(s) {bad}; "
                            f"parameters and steps are {sorted(known)}")
        if node.kind == "draw" and node.figure not in cls.FIGURES:
            raise TypeError(f"{cls.__name__}.{node.name} draws into unknown figure "
                            f"{node.figure!r}; figures are {list(cls.FIGURES)}")
    order, visiting = [], set()

    def visit(name, path):
        if name in order:
            return
        if name in visiting:
            raise TypeError(f"{cls.__name__}: steps depend on each other in a cycle: {path}")
        visiting.add(name)
        for i in steps[name].inputs:
            if i in steps:
                visit(i, path + [i])
        visiting.discard(name)
        order.append(name)
    for name in steps:
        visit(name, [name])
    return [steps[n] for n in order], draws, (statuses[0] if statuses else None)


class _LRU:
    """At most ``size`` results, least recently used evicted."""

    def __init__(self, size):
        self.size, self.data = max(int(size), 1), OrderedDict()

    def get(self, key):
        if key in self.data:
            self.data.move_to_end(key)
            return True, self.data[key]
        return False, None

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)


# ----------------------------------------------------------------------------- the base
class Explorer(widgets.VBox):
    """Base class: controls, figures, presets, status line, steps and event coalescing."""

    PARAMS: ClassVar[dict[str, Param]] = {}
    FIGURES: ClassVar[dict[str, Fig]] = {}
    PRESETS: ClassVar[dict[str, dict]] = {}
    #: what a preset shows, in a sentence: the status line starts with it while the preset
    #: menu shows that preset (e.g. how a preset named after a figure differs from the paper)
    PRESET_NOTES: ClassVar[dict[str, str]] = {}
    #: figure names per column, in the live layout and the static PNG (None: one each)
    COLUMNS: ClassVar[list[list[str]] | None] = None
    #: parameters named in the text/plain summary (None: all)
    SUMMARY_KEYS: ClassVar[tuple[str, ...] | None] = None
    #: seconds of quiet after a front-end drag before a full-quality redraw
    REFINE_AFTER: ClassVar[float] = 0.3
    #: derived from PARAMS by the base
    DEFAULTS: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.DEFAULTS = {name: p.default for name, p in cls.PARAMS.items()}
        cls._steps, cls._draws, cls._status_node = _collect(cls)
        cls._by_value = {s.name: s.by_value for s in cls._steps}
        cls._has_coarse = any(n.coarse for n in [*cls._steps, *cls._draws,
                                                 *filter(None, [cls._status_node])])
        # parameters with a bound named after another parameter are validated last
        cls._param_order = sorted(cls.PARAMS, key=lambda n: any(
            isinstance(getattr(cls.PARAMS[n], b, None), str) for b in ("lo", "hi")))
        for name, p in cls.PARAMS.items():      # defaults and presets are valid, or no class
            p.validate(name, p.default, cls.DEFAULTS)
        stray = sorted(set(cls.PRESET_NOTES) - set(cls.PRESETS))
        if stray:
            raise TypeError(f"{cls.__name__} has notes for unknown presets {stray}")
        for preset, values in cls.PRESETS.items():
            unknown = sorted(set(values) - set(cls.PARAMS))
            if unknown:
                raise TypeError(f"{cls.__name__} preset {preset!r} sets unknown {unknown}")
            merged = {**cls.DEFAULTS, **values}
            for name in cls._param_order:
                cls.PARAMS[name].validate(name, merged[name], merged)

    def __init__(self, *, canvas: str = "auto", **state):
        try:
            self._build(canvas, state)
        except BaseException:
            # a constructor that fails leaves nothing registered with ipywidgets
            self._teardown()
            raise

    def _build(self, canvas, state) -> None:
        unknown = sorted(set(state) - set(self.PARAMS))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; "
                             f"{type(self).__name__} takes {', '.join(self.PARAMS)}")
        if canvas not in ("auto", "ipympl", "agg"):
            raise ValueError(f"canvas must be 'auto', 'ipympl' or 'agg', got {canvas!r}")
        self._use_ipympl = canvas == "ipympl" or (canvas == "auto" and in_live_kernel())
        self._holding = False
        self._dragging = False
        self._closed = False
        self._figs: dict[str, Figure] = {}
        self._lock_mode: str | None = None
        self._locked: set[str] = set()
        self._setting_disabled = False
        #: values the kernel sent to each slider since it was displayed and the page may
        #: still echo (oldest first): see _remember_sent and _page_echo
        self._sent: dict[str, list] = {name: [] for name in self.PARAMS}
        self._displayed = False
        self._page_moves = 0     # values from the page taken as a learner's moves (tests)
        self._lock_note = ""
        self._refine_handle = None
        self.last_update_seconds = float("nan")
        self.error: str | None = None
        self._refused = None     # the status line before a control refused a value
        self._status_plain = ""
        self._status_key = None
        # blitting layers per figure
        self._dynamic: dict[Figure, list] = {}
        self._backdrop: dict[Figure, list] = {}
        self._background: dict[Figure, object] = {}
        self._backdrop_bg: dict[Figure, object] = {}
        self._legends: dict[Figure, list] = {}      # legends the base paints
        self._clean_bg: dict[Figure, object] = {}   # their background without legends
        self._legend_pixels: dict[Figure, dict] = {}  # legends on the bare figure face
        self._background_size: dict[Figure, tuple] = {}
        self._room: dict[Figure, tuple] = {}        # decorations the layout made room for
        self._measured: dict[Figure, dict] = {}     # their last boxes, per axes (_decorations)
        self._unchecked: set = set()    # drawn in full while dragging: room not checked
        self._full_quality = True       # redraw checks the layout's room (not while dragging)
        # steps: current results, the key each was computed for, caches; draws: keys
        self._results: dict = {}
        self._keys: dict[str, tuple] = {}
        self._caches = {s.name: _LRU(s.cache) for s in self._steps}
        self._callbacks: dict[str, list[Callable]] = {}
        self._results_view = types.MappingProxyType(self._results)

        # values first (validated), so controls and figures are built from them
        self._values = dict(self.DEFAULTS)
        self._values = self._validated({**self.DEFAULTS, **state}, set(state))

        self.controls: dict[str, widgets.ValueWidget] = {}
        self.plays: dict[str, widgets.Play] = {}     # Play buttons by parameter (``player``)
        for name, p in self.PARAMS.items():
            control = p.control()
            control._check_value = functools.partial(self._check_control, name)
            self.controls[name] = control
        self.status = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.status.add_class("saddle-status")
        # built with exactly a preset's values (``Cls(**Cls.PRESETS[name])``): the menu shows it
        built = next((n for n, v in self.PRESETS.items() if state and state == v and self._values
                      == self._validated({**self.DEFAULTS, **v}, set(self.PARAMS))), CUSTOM)
        self.preset = widgets.Dropdown(options=[CUSTOM, *self.PRESETS], value=built,
                                       description="preset",
                                       style={"description_width": "initial"},
                                       # shrinks to the row: a long preset name must not
                                       # push the reset button out of the panel
                                       layout=widgets.Layout(width="auto", flex="1 1 0%",
                                                             min_width="0"))
        self.reset_button = widgets.Button(description="reset", icon="undo",
                                           tooltip="restore the default parameters",
                                           layout=widgets.Layout(width="90px", flex="0 0 auto"))
        self.reset_button.on_click(lambda _: self._guard(self.reset))
        self.preset.observe(self._on_preset, names="value")

        self._columns: list[list[str]] = [list(c) for c in
                                          (self.COLUMNS or [[n] for n in self.FIGURES])]
        for name, spec in self.FIGURES.items():
            fig = self._figure(spec.width, spec.height, click=spec.click)
            self._figs[name] = fig
            getattr(self, f"build_{name}")(fig)
        self._plots = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self._lay_out_plots()
        super().__init__(children=self._layout(), layout=widgets.Layout(width="auto"))
        self._sync_controls()
        for name, control in self.controls.items():
            control.observe(self._on_control, names="value")
            control.observe(self._on_disabled, names="disabled")
        self._run_update(coarse=False)

    # ------------------------------------------------------------------ subclass hooks
    def follow(self, given: set[str], values: dict) -> dict:
        """Parameters that follow others: ``given`` names the parameters just set in
        ``values`` (the new state); return the values of those that follow ({} by default)."""
        return {}

    def _control_panel(self) -> list[widgets.Widget]:
        """The controls in display order; subclasses may group them and add buttons."""
        return list(self.controls.values())

    def _summary(self) -> str:
        """``Name(parameter=value, ...)`` and the status line: stable text for static pages."""
        p = self.state
        args = ", ".join(f"{k}={p[k]!r}" for k in (self.SUMMARY_KEYS or p))
        return f"{type(self).__name__}({args})\n{self.status_text}"

    # ------------------------------------------------------------------ layout
    def _layout(self) -> list[widgets.Widget]:
        """Controls on the left, then one column of canvases per entry of ``COLUMNS``."""
        header = widgets.HBox([self.preset, self.reset_button],
                              layout=widgets.Layout(width=PANEL_WIDTH))
        panel = widgets.VBox([header, *self._control_panel()],
                             layout=widgets.Layout(width=PANEL_WIDTH, flex="0 0 auto"))
        # the status line sits on top of the figures, so it is in view beside the picture
        return [widgets.HBox([panel, widgets.VBox([self.status, self._plots])])]

    def play_row(self, play: widgets.Play, control: widgets.Widget) -> widgets.Widget:
        """A slider with its Play button on the row below, under its track (beside it the
        track would have no room in the panel)."""
        play.layout.margin = f"0 0 0 {LABEL_WIDTH}"   # (a new Layout would orphan its own)
        return widgets.VBox([control, play])

    def player(self, name: str, description: str, *, interval: int = 60,
               frames: int = 50) -> widgets.Widget:
        """The slider of parameter ``name`` with a Play button below it that walks the
        parameter over its range: each value of an int, ``frames`` even steps of a float
        (``self.plays[name]`` is the Play widget)."""
        p, control = self.PARAMS[name], self.controls[name]
        if p.kind == "int":
            play = widgets.Play(value=control.value, min=control.min, max=control.max,
                                step=control.step, interval=interval, description=description)
            widgets.link((play, "value"), (control, "value"))
            control.observe(lambda ch: setattr(play, "max", ch["new"]), names="max")
        else:
            lo, hi = p.lo, p.hi
            play = widgets.Play(value=round((control.value - lo) / (hi - lo) * frames), min=0,
                                max=frames, interval=interval, description=description)
            play.observe(lambda ch: setattr(control, "value", lo + (hi - lo) * ch["new"] / frames),
                         names="value")
        self.plays[name] = play
        return self.play_row(play, control)

    def _lay_out_plots(self):
        # columns that do not fit beside each other wrap below, rather than run off the page
        self._plots.children = [widgets.VBox([self._view(self._figs[n]) for n in col])
                                for col in self._columns]

    @property
    def figures(self) -> list[Figure]:
        """The matplotlib figures in display order (one per canvas)."""
        return [self._figs[n] for col in self._columns for n in col if n in self._figs]

    def figure(self, name: str) -> Figure:
        """The figure called ``name`` (a key of ``FIGURES`` or added by ``add_figure``)."""
        if not isinstance(name, str) or name not in self._figs:
            raise ValueError(f"no figure {name!r}; figures are {list(self._figs)}")
        return self._figs[name]

    def add_figure(self, name: str, width: float, height: float, *,
                   column: int | None = None) -> Figure:
        """A new figure laid out with the others: appended to column ``column`` (an index
        into the layout's columns) or, by default, in a new column on the right."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if name in self._figs:
            raise ValueError(f"a figure called {name!r} exists already")
        for arg, size in (("width", width), ("height", height)):
            if (isinstance(size, bool) or not isinstance(size, (int, float, np.number))
                    or not 0.5 <= size <= 30):
                raise ValueError(f"{arg} must be a number of inches between 0.5 and 30, "
                                 f"got {size!r}")
        if column is not None and (isinstance(column, bool) or not isinstance(column, int)
                                   or not 0 <= column < len(self._columns)):
            raise ValueError(f"column must be between 0 and {len(self._columns) - 1}, "
                             f"got {column}")
        fig = self._figure(width, height)
        self._figs[name] = fig
        if column is None:
            self._columns.append([name])
        else:
            self._columns[column].append(name)
        self._lay_out_plots()
        return fig

    def on(self, step_name: str, callback: Callable) -> Callable:
        """Call ``callback(value)`` each time step ``step_name`` recomputes, before the
        redraw (and once now with its current value); returns ``callback``."""
        if not isinstance(step_name, str) or step_name not in self._caches:
            raise ValueError(f"no step {step_name!r}; steps are {list(self._caches)}")
        if not callable(callback):
            raise ValueError(f"callback must be callable, got {callback!r}")
        self._callbacks.setdefault(step_name, []).append(callback)
        if step_name in self._results:
            self._guard(lambda: callback(self._results[step_name]))
            self.redraw()
        return callback

    # ------------------------------------------------------------------ figures
    def _figure(self, width: float, height: float, *, click: str | None = None) -> Figure:
        """A figure of ``width`` x ``height`` inches on its own canvas (ipympl or Agg);
        a left click on one of its axes calls ``getattr(self, click)(x, y)``."""
        fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
        if self._use_ipympl:
            Canvas, FigureManager = _ipympl()
            canvas = Canvas(fig)
            FigureManager(canvas, 0)
            canvas.toolbar_visible = False
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.resizable = False
            canvas.syncing_data_url = False   # else ipympl syncs a broken data URL: 0x0 canvas
        else:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            FigureCanvasAgg(fig)
        if click is not None:
            def on_press(event):
                if event.inaxes is not None and event.xdata is not None and event.button == 1:
                    self._guard(lambda: self._click(click, event.xdata, event.ydata))
            fig.canvas.mpl_connect("button_press_event", on_press)
        return fig

    def _click(self, method: str, x: float, y: float) -> None:
        old, self._lock_mode = self._lock_mode, "refuse"
        try:
            getattr(self, method)(x, y)
        finally:
            self._lock_mode = old

    @staticmethod
    def _view(fig: Figure) -> widgets.Widget:
        canvas = fig.canvas
        return canvas if isinstance(canvas, widgets.Widget) else widgets.Output()

    def animate(self, fig: Figure, artists, *, backdrop=()) -> None:
        """Blit the dynamic artists of ``fig`` over cached layers instead of drawing it all.

        Three layers: the static background (axes, ticks, titles, legends), drawn only
        after ``invalidate(fig)``; the ``backdrop`` (dynamic artists that change rarely,
        such as a landscape image or a vector field), painted over the background once
        and cached until one of them changes; and ``artists`` (markers, trajectories),
        painted at every redraw. Each layer is painted in z order. The legends of ``fig``
        (where it has any, or the widget declares ``layer="legend"`` draws for it) are
        painted by the base onto the background, after the axes (``_paint_legends``): a
        legend on the bare figure face keeps its pixels through full draws for new axes
        limits, and a new legend from a "legend" draw is painted over a cached copy of the
        background without legends, at no full draw.
        """
        by_z = lambda arts: sorted(arts, key=lambda a: a.get_zorder())   # noqa: E731
        self._backdrop[fig] = by_z(backdrop)
        self._dynamic[fig] = by_z(artists)
        for a in self._backdrop[fig] + self._dynamic[fig]:
            a.set_animated(True)
        self._background[fig] = None
        self._backdrop_bg[fig] = None

        legends = self._animated_legends(fig)
        if legends or any(d.layer == "legend" and self._figs.get(d.figure) is fig
                          for d in self._draws):
            self._legends[fig] = legends

        def on_draw(event):
            # after every full draw (ours, the front end's): keep the clean background
            # (and, over it, the legends), then paint (and keep) the backdrop, then the
            # moving artists. While saving (savefig) matplotlib has drawn the animated
            # artists itself: painting them again would double every translucent or
            # antialiased pixel
            if fig.canvas.is_saving():
                return
            if fig in self._legends:
                self._clean_bg[fig] = fig.canvas.copy_from_bbox(fig.bbox)
                self._paint_legends(fig, event.renderer)
            self._background[fig] = fig.canvas.copy_from_bbox(fig.bbox)
            self._background_size[fig] = tuple(fig.bbox.size)
            _paint(self._backdrop[fig], event.renderer)
            self._backdrop_bg[fig] = fig.canvas.copy_from_bbox(fig.bbox)
            _paint(self._dynamic[fig], event.renderer)

        fig.canvas.mpl_connect("draw_event", on_draw)

    def _paint_legends(self, fig: Figure, renderer) -> None:
        """Paint the legends of ``fig`` in a full draw. A legend with a fixed location on
        the bare figure face (overlapping no other artist: no axes with its ticks, labels
        and titles, no other legend or figure artist) is painted once and its pixels kept:
        a full draw for new axes limits restores them (a legend's text layout is about a
        third of a phase plane's full draw). Kept until the legend is replaced, its texts
        change, its axes move, or the figure is resized."""
        legends = self._legends[fig]
        old, kept = self._legend_pixels.get(fig, {}), {}     # replaced legends drop out
        self._legend_pixels[fig] = kept
        for legend in legends:
            if not legend.get_visible():
                continue
            anchor = legend.axes.get_position().bounds if legend.axes is not None else None
            texts = tuple((t.get_text(), t.get_visible(), t.get_color())
                          for t in (*legend.get_texts(), legend.get_title()))
            key = (anchor, tuple(fig.bbox.bounds), texts)
            hit = old.get(id(legend))
            if hit is not None and hit[0] is legend and hit[1] == key:
                fig.canvas.restore_region(hit[2])
                kept[id(legend)] = hit
                continue
            legend.draw(renderer)
            if legend._loc == 0:                     # "best": it moves with the data
                continue
            box = _painted_extent(legend, renderer).padded(2)
            if fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1) and \
                    not any(_drawn(b) and box.overlaps(b)
                            for b in _others(fig, legend, legends, renderer)):
                kept[id(legend)] = (legend, key, fig.canvas.copy_from_bbox(box))

    @staticmethod
    def _animated_legends(fig: Figure) -> list:
        """The legends of ``fig`` (of its axes and its own), made animated: painted by us."""
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        legends += list(fig.legends)
        for legend in legends:
            legend.set_animated(True)
        return sorted(legends, key=lambda a: a.get_zorder())

    def _restack_legends(self, fig: Figure, was_stale: bool) -> None:
        """A "legend" draw ran: paint the new legends over the clean background at the
        next redraw instead of drawing the figure in full."""
        if fig not in self._legends:
            return
        self._legends[fig] = self._animated_legends(fig)
        fig.stale = was_stale            # making a legend marks its axes stale
        if self._clean_bg.get(fig) is not None and self._background.get(fig) is not None:
            self._background[fig] = "legends"      # repaint them over the clean copy
        else:
            self.invalidate(fig)

    def invalidate(self, *figs: Figure) -> None:
        """The static layer of ``figs`` changed: the next redraw draws them in full."""
        for fig in figs:
            self._background[fig] = None
            fig.stale = True

    def redraw(self) -> None:
        """One redraw of each figure that changed: a full draw where the static layer
        changed, else a blit of the moving artists over the cached backdrop (repainted
        first if one of its artists changed). Before a full draw at full quality, a figure
        whose labels changed is laid out again if they no longer fit (``_keep_room``)."""
        for fig in self.figures:
            if self._full_quality and fig in self._unchecked:
                self._unchecked.discard(fig)       # drawn in full while dragging
                if self._keep_room(fig):
                    self.invalidate(fig)
            backdrop = self._backdrop.get(fig, [])
            dynamic = self._dynamic.get(fig, [])
            # changes of animated artists do not mark the figure stale: ask them
            backdrop_changed = any(a.stale for a in backdrop)
            legends_changed = self._background.get(fig) == "legends"
            if not (fig.stale or backdrop_changed or legends_changed
                    or any(a.stale for a in dynamic)):
                continue
            canvas = fig.canvas
            if legends_changed and not fig.stale:
                renderer = canvas.get_renderer()
                canvas.restore_region(self._clean_bg[fig])
                _paint(self._legends[fig], renderer)
                self._background[fig] = canvas.copy_from_bbox(fig.bbox)
                self._backdrop_bg[fig] = None            # the backdrop is repainted on it
            size = self._background_size.get(fig)
            if (fig not in self._dynamic or self._background[fig] in (None, "legends")
                    or size != tuple(fig.bbox.size)):
                # a new static layer, or the front end resized the figure / changed its dpi
                if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
                    self._lay_out(fig)     # the first draw: lay out once and keep it
                elif size is not None and size != tuple(fig.bbox.size) and fig in self._room:
                    self._lay_out(fig)     # a kept layout is one for the old size
                elif fig in self._room:
                    if self._full_quality:
                        self._keep_room(fig)
                    else:
                        self._unchecked.add(fig)
                if fig in self._legends:       # a static draw may have made a new legend
                    self._legends[fig] = self._animated_legends(fig)
                draw_in_full(canvas)     # fires on_draw, which paints the dynamic layers
            else:
                renderer = canvas.get_renderer()
                # the backgrounds cover the whole figure: a blit, too, starts on a fresh
                # rasterizer (the moving layer's long paths would otherwise stay in its cells)
                _fresh_rasterizer(renderer)
                if backdrop_changed or self._backdrop_bg[fig] is None:
                    canvas.restore_region(self._background[fig])
                    _paint(backdrop, renderer)
                    self._backdrop_bg[fig] = canvas.copy_from_bbox(fig.bbox)
                else:
                    canvas.restore_region(self._backdrop_bg[fig])
                _paint(dynamic, renderer)
                canvas.blit(fig.bbox)
            for a in backdrop + dynamic:
                a.stale = False
            fig.stale = False

    def _lay_out(self, fig: Figure) -> None:
        """Run constrained layout on ``fig`` and keep it (it costs 15-40 ms a draw). A pass
        measures the decorations where the last one left the axes (tick labels change with
        an axes' size), so passes repeat, at most 4, until nothing is clipped or collides
        (usually after one) or the decorations stop moving. The room they are left is
        recorded for ``_keep_room``."""
        if not fig.axes:            # a key (legends only): constrained layout has no grid
            fig.set_layout_engine("none")
            self._room[fig] = (_decoration_texts(fig), ({}, set()))
            return
        fig.set_layout_engine("constrained")
        renderer = fig.canvas.get_renderer()
        boxes = None
        for _ in range(4):
            fig.get_layout_engine().execute(fig)
            before, boxes = boxes, _decorations(fig, renderer)
            if not _overlaps(boxes) and not any(_outside(o, fig) for o, _ in boxes.values()):
                break           # nothing clipped, nothing collides: usually the first pass
            if before is not None and all(
                    np.allclose(boxes[k][0].extents, before[k][0].extents, atol=0.5)
                    for k in boxes):
                break
        fig.set_layout_engine("none")
        # constrained layout can leave a fixed-aspect axes' labels, or the legend beside
        # it, a few px outside the figure (it reserves margins before the aspect moves the
        # axes): pull such an axes in by what sticks out, and 2 px more, from the box the
        # aspect left it (pulling in the box constrained layout gave it would only
        # re-centre a fixed-aspect axes in it, pushing the other side out)
        for _ in range(3):
            out = {k: _overflow(o, fig) for k, o in _with_legends(fig, boxes, renderer).items()
                   if _outside(o, fig)}
            out = {k: np.where(d > 1.0, d + 2.0, 0.0) for k, d in out.items()}
            if not out:
                break
            for k, (left, bottom, right, top) in out.items():
                ax, (w, h) = fig.axes[k], fig.bbox.size
                p = ax.get_position(original=False)       # as _decorations applied it
                ax.set_position([p.x0 + left / w, p.y0 + bottom / h,
                                 p.width - (left + right) / w, p.height - (bottom + top) / h])
            boxes = _decorations(fig, renderer)
        self._room[fig] = (_decoration_texts(fig), (boxes, _overlaps(boxes)))

    def _keep_room(self, fig: Figure) -> bool:
        """Lay ``fig`` out again (True) where its decorations (tick labels, axis labels,
        titles) would be clipped by the figure's edge, collide with another axes', or leave
        more than ``ROOM_SLACK`` px unused (``_needs_layout``): a tick label that grows from
        "5" to "50" is not cut off. Reads the label texts (under 1 ms), measures them
        (3-10 ms a figure) only when they changed, and there only the axes whose texts,
        limits or place changed; lays out only when needed."""
        texts, room = self._room[fig]
        now = _decoration_texts(fig)
        if now == texts:
            return False
        boxes = _decorations(fig, fig.canvas.get_renderer(), self._measured.setdefault(fig, {}),
                             now)
        if not _needs_layout(boxes, room, fig):
            self._room[fig] = (now, room)
            return False
        self._lay_out(fig)
        return True

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> dict:
        """Current parameters; ``type(self)(**w.state)`` rebuilds the same view."""
        return dict(self._values)

    @property
    def results(self):
        """Read-only mapping: step name -> its current result (the solver's answer)."""
        return self._results_view

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self._status_plain

    def set_params(self, **values) -> None:
        """Set several parameters at once with a single update."""
        self._apply(values)

    def set_state(self, sync_data=None, *args, **values):
        """ipywidgets' ``set_state(sync_data)`` (front-end updates); called with keywords
        only it is ``set_params(**values)``, as in earlier versions of this package."""
        if sync_data is None and not args:
            return self.set_params(**values)
        if (not args and not values and isinstance(sync_data, dict)
                and all(isinstance(k, str) and k in self.keys for k in sync_data)):
            return super().set_state(sync_data)           # the page's state message
        if not args and not values and isinstance(sync_data, dict):
            self._check_names(sync_data)          # a dict of parameters
            return self.set_params(**sync_data)
        raise ValueError("set_state takes parameters as keywords (or one dict of them), "
                         f"got {sync_data!r}" + (f" and {args!r}" if args else ""))

    def reset(self) -> None:
        """Restore the default parameters (locked ones stay)."""
        self._apply(dict(self.DEFAULTS), lock_mode="skip")

    def apply_preset(self, name: str) -> None:
        """Apply a named preset (the same as choosing it in the menu, which then shows it);
        locked parameters keep their values."""
        if not isinstance(name, str) or name not in self.PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(self.PRESETS)}")
        self._apply({**self.DEFAULTS, **self.PRESETS[name]}, lock_mode="skip", preset=name)

    # ------------------------------------------------------------------ locks
    @property
    def locked(self) -> set[str]:
        """Parameters a click, a preset or reset leave alone: locked with ``lock``, or
        whose control a teacher disabled or hid."""
        hidden = {n for n, c in self.controls.items() if c.layout.display == "none"}
        return self._locked | hidden

    def lock(self, *names: str) -> None:
        """Lock parameters for an exercise: their controls are disabled, and clicks and
        presets do not change them (``set_params`` from code still does)."""
        self._check_names(names)
        self._locked.update(names)
        self._sync_controls()

    def unlock(self, *names: str) -> None:
        self._check_names(names)
        self._locked.difference_update(names)
        self._sync_controls()

    def _on_disabled(self, change) -> None:
        if self._setting_disabled:
            return
        name = next(k for k, c in self.controls.items() if c is change["owner"])
        (self._locked.add if change["new"] else self._locked.discard)(name)

    def _check_names(self, names) -> None:
        unknown = sorted({repr(n) if not isinstance(n, str) else n for n in names
                          if not isinstance(n, str) or n not in self.PARAMS})
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; "
                             f"{type(self).__name__} takes {', '.join(self.PARAMS)}")

    # ------------------------------------------------------------------ applying values
    @classmethod
    def _clipped(cls, values: dict, given) -> dict:
        """``values`` (a whole state) with the parameters not ``given`` clipped into bounds
        that moved, then every value validated (a ValueError if one is illegal); the
        followers (``follow``) are not applied."""
        out = dict(values)
        for name in cls._param_order:
            p = cls.PARAMS[name]
            if name not in given and p.kind in ("float", "int"):
                lo, hi = p.bounds(out)
                out[name] = type(p.default)(min(max(out[name], lo), hi))
            out[name] = p.validate(name, out[name], out)
        return out

    def _validated(self, values: dict, given: set[str]) -> dict:
        """``values`` (a whole state) validated, with the parameters that follow others
        and those whose bound moved (clipped) filled in."""
        out = self._clipped(values, given)
        followers = self.follow(given, out)
        if followers:
            self._check_names(followers)
            out.update(followers)
            for name in self._param_order:
                out[name] = self.PARAMS[name].validate(name, out[name], out)
        return out

    def _apply(self, values: dict, *, coarse: bool = False, lock_mode: str | None = None,
               preset: str | None = None) -> None:
        if self._closed:
            raise ValueError(f"this {type(self).__name__} is closed; build a new one")
        self._check_names(values)
        mode = lock_mode or self._lock_mode
        held = set(values) & self.locked if mode else set()
        if held and mode == "refuse":
            raise ValueError(f"{', '.join(sorted(held))} "
                             f"{'is' if len(held) == 1 else 'are'} locked here")
        values = {k: v for k, v in values.items() if k not in held}
        note = ("locked, kept: " + ", ".join(f"{k} = {_show(self._values[k])}"
                                             for k in sorted(held))) if held else ""
        if note != self._lock_note:
            self._lock_note = note
            self._keys.pop(getattr(self._status_node, "name", None), None)
        new = self._validated({**self._values, **values}, set(values))
        changed = any(type(new[k]) is not type(v) or new[k] != v
                      for k, v in self._values.items())
        self._values = new
        self._sync_controls()
        shown = preset if preset is not None else (CUSTOM if changed else self.preset.value)
        if self.PRESET_NOTES.get(shown) != self.PRESET_NOTES.get(self.preset.value):
            self._keys.pop(getattr(self._status_node, "name", None), None)
        with self._quietly():
            self.preset.value = shown
        self._run_update(coarse=coarse)

    def _sync_controls(self) -> None:
        """Controls show the state: bounds named after parameters, values, and disabled
        where locked or where the parameter does not matter (``when``)."""
        with self._quietly():
            for name, p in self.PARAMS.items():
                control = self.controls.get(name)
                if control is None:
                    continue
                if p.kind in ("float", "int"):
                    lo, hi = p.bounds(self._values)
                    if control.max < lo:
                        control.max = hi
                    control.min, control.max = lo, hi
                if control.value != self._values[name]:
                    control.value = self._values[name]
                    if self._displayed and p.kind == "float":
                        self._remember_sent(name, self._values[name])
                off = name in self._locked or (p.when is not None and not p.when(self._values))
                if control.disabled != off:
                    self._setting_disabled = True
                    try:
                        control.disabled = off
                    finally:
                        self._setting_disabled = False

    @contextlib.contextmanager
    def _quietly(self):
        """Change control values or ranges without triggering updates."""
        old, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = old

    def _on_preset(self, change) -> None:
        if not self._holding and change["new"] != CUSTOM:
            self._guard(lambda: self.apply_preset(change["new"]))

    # ------------------------------------------------------------------ events
    def _check_control(self, name: str, value):
        """A value assigned to a control from code, checked as ``set_params`` checks it: a
        bad one is a ValueError naming the parameter, shown in the status line too (no
        silent clamping to the slider's range, no coercion of "1" or 1.0 to a number or a
        check box). The widget's own updates and the page's messages pass unchecked."""
        control = self.controls.get(name)
        if self._holding or self._closed or control is None or control._property_lock:
            return value
        try:
            value = self.PARAMS[name].validate(name, value, self._values)
        except ValueError as exc:
            if self._refused is None:
                self._refused = (self.error, self._status_plain, self.status.value)
            self._set_error(str(exc))
            raise ControlValueError(str(exc)) from None
        if self._refused is not None:               # a good value: the refusal is over
            self.error, self._status_plain, self.status.value = self._refused
            self._refused = None
        return value

    def _remember_sent(self, name: str, value) -> None:
        """Note a value sent to a displayed slider: its echo may come (_page_echo). At most
        64 kept; beyond, the oldest stays (the next echo is of it) and the second goes."""
        sent = self._sent[name]
        if not sent or sent[-1] != value:
            sent.append(value)
        if len(sent) > 64:
            del sent[1]

    def _page_echo(self, name: str, new) -> bool:
        """Whether a float slider's message from the page is an echo of a value the kernel
        sent, not a learner's move. The page answers each value the kernel sets with its
        own snapped to the slider's grid, and only when that differs (0.6 comes back as
        0.6000000000000001, -0.0066 as -0.007); in order, and possibly long after (Run All:
        every echo of presets applied in a loop arrives after the last cell). So a value
        near one still in ``_sent`` but not equal to it is that value's echo: it and the
        older ones are done with. A value equal to one sent, or near none, is the learner's
        (Home to 0.0 after a preset once set 0.0 exactly: the page never echoed that 0.0),
        and the page holds no older echo for this slider after it."""
        sent = self._sent[name]
        param = self.PARAMS[name]
        hit = next((i for i, old in enumerate(sent) if old != new and param.is_echo(old, new)),
                   None)
        if hit is None:
            sent.clear()
            return False
        del sent[:hit + 1]
        return True

    def _on_control(self, change) -> None:
        if self._holding or self._closed:
            return
        name = next(k for k, c in self.controls.items() if c is change["owner"])
        param, new = self.PARAMS[name], change["new"]
        from_frontend = bool(getattr(change["owner"], "_property_lock", None))
        if from_frontend and param.kind == "float" and self._page_echo(name, new):
            if not param.is_echo(self._values[name], new):
                self._sync_controls()       # a stale echo: the slider shows the kernel's value
            return
        if param.is_echo(self._values[name], new):
            return          # the page sent back our own value, snapped to the slider's grid
        if not from_frontend:
            self._guard(lambda: self._apply({name: new}, coarse=self._dragging))
            return
        self._page_moves += 1
        # A message from the page: do the work now, while the kernel handles the message.
        # The page's widget model sends one message at a time per control and holds later
        # values (merged, so the latest wins) until the kernel reports idle for it, so the
        # page's throttle coalesces a drag or a held key, and its busy indicator tells the
        # truth. A slider moves coarse now; the full picture follows a quiet spell.
        self._cancel_refine()
        coarse = self._has_coarse and param.drags
        self._guard(lambda: self._apply({name: new}, coarse=coarse))
        if coarse:
            loop = _running_loop()
            if loop is None:
                self.refine()
            else:
                self._refine_handle = loop.call_later(self.REFINE_AFTER, self._refine_later)

    @contextlib.contextmanager
    def dragging(self):
        """Handle control changes inside this block as a drag in the browser does: the
        coarse picture at once; ``refine()`` (called on exit) draws the full one."""
        self._dragging = True
        try:
            yield self
        finally:
            self._dragging = False
        self.refine()

    def refine(self) -> None:
        """Redraw at full quality (what happens shortly after a drag stops): only the
        steps and draws that ran coarse run again."""
        if self._has_coarse and not self._closed:
            self._run_update(coarse=False)

    def _cancel_refine(self) -> None:
        if self._refine_handle is not None:
            self._refine_handle.cancel()
            self._refine_handle = None

    def _refine_later(self) -> None:
        """The refine after a drag: no message is being handled, so tell the page the
        kernel is busy while it runs."""
        self._refine_handle = None
        with _kernel_busy():
            self.refine()

    # ------------------------------------------------------------------ running the steps
    def _input(self, name):
        """(key, value) of an input: a parameter's value, or a step's key and result."""
        if name in self._values:
            v = self._values[name]
            return (type(v).__name__, v), v
        if self._by_value[name]:
            return ("=", self._results[name]), self._results[name]
        return self._keys[name], self._results[name]

    def _call(self, node: _Node, coarse: bool):
        """Run ``node`` if its inputs changed since it last ran (at full quality, or at
        any quality while dragging); return whether it ran."""
        keys, values = zip(*(self._input(i) for i in node.inputs)) if node.inputs else ((), ())
        quality = coarse and node.coarse
        key = (node.name, keys, quality)
        old = self._keys.get(node.name)
        if old is not None and old[1] == keys and (coarse or not old[2]):
            return False
        method = getattr(self, node.name)
        kwargs = {"coarse": quality} if node.coarse else {}
        if node.kind == "step":
            # coarse results are not kept: they would evict the full ones a drag returns to
            hit, value = (False, None) if quality else self._caches[node.name].get(key)
            if not hit:
                value = method(*values, **kwargs)
                if not quality:
                    self._caches[node.name].put(key, value)
            self._results[node.name] = value
            self._keys[node.name] = key
            for callback in self._callbacks.get(node.name, ()):
                callback(value)
        elif node.kind == "draw":
            fig = self._figs[node.figure]
            was_stale = fig.stale
            method(*values, **kwargs)
            self._keys[node.name] = key
            if node.layer == "legend":
                self._restack_legends(fig, was_stale)
            elif node.layer == "static" and fig.stale:
                # matplotlib marks the figure stale only when a non-animated artist (axes,
                # ticks, labels) changed: a coarse draw that kept the axes costs no full draw
                self.invalidate(fig)
        else:
            text = method(*values, **kwargs)
            self._keys[node.name] = key
            self._set_status(text)
        return True

    def _compute(self, coarse: bool) -> None:
        for node in self._steps:
            self._call(node, coarse)
        for node in self._draws:
            self._call(node, coarse)
        if self._status_node is not None:
            if self.error is not None:            # an error clears at the next good update
                self._keys.pop(self._status_node.name, None)
            self._call(self._status_node, coarse)
        elif self.error is not None:
            self._set_status("")

    def _run_update(self, coarse: bool) -> None:
        start = time.perf_counter()
        with one_blas_thread():
            self._guard(lambda: self._compute(coarse))
            self._full_quality = not coarse
            try:
                self.redraw()
            finally:
                self._full_quality = True
        self.last_update_seconds = time.perf_counter() - start

    def _guard(self, action) -> None:
        """Run ``action``; show a ValueError (or any failure) in the status line."""
        try:
            action()
        except ValueError as exc:
            self._refused = None
            self._set_error(str(exc))
        except Exception as exc:   # a widget must never show a traceback to a learner
            log.exception("saddle-widgets: update failed")
            self._refused = None
            self._set_error(f"{type(exc).__name__}: {exc}")

    def _set_status(self, text: str) -> None:
        self.error = None
        self._refused = None
        note = self.PRESET_NOTES.get(self.preset.value)
        if note:
            text = f"{note} · {text}" if text else note
        if self._lock_note:
            text = f"{text} · {self._lock_note}" if text else self._lock_note
        self._status_plain = text
        self.status.value = _STATUS_OK.format(text)

    def _set_error(self, message: str) -> None:
        self.error = message
        self._status_plain = message
        self.status.value = _STATUS_ERROR.format(message)

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Close the widget and every widget it made (controls, buttons, play widgets,
        canvases and their toolbars, and the layouts and styles of all of them), stop its
        timers and canvas callbacks, and drop its results and caches: nothing it made stays
        registered with ipywidgets, and later value changes compute nothing."""
        if sys.meta_path is None:      # interpreter shutdown (ipywidgets' __del__): nothing to free
            return
        if getattr(self, "_closed", True):     # closed, or never finished building
            if getattr(self, "comm", None) is not None:
                super().close()
            return
        self._teardown()

    def open(self) -> None:
        """Open the comm to the page (ipywidgets calls this while building). A closed
        explorer is not reopened: ``close()`` freed its controls, canvases and figures, so
        a reopened one would show as text only; build a new one instead."""
        if getattr(self, "_closed", False):
            name = type(self).__name__
            raise RuntimeError(f"this {name} was closed: close() freed its controls and "
                               f"figures. Build a new one, e.g. {name}(**old.state), "
                               "where old is the closed explorer")
        super().open()

    def _teardown(self) -> None:
        self._closed = True
        for name in ("_refine_handle",):
            handle = getattr(self, name, None)
            if handle is not None:
                handle.cancel()
        owned = _owned_widgets(self)
        for fig in getattr(self, "_figs", {}).values():
            # the click and draw hooks hold self: a figure kept elsewhere must not keep it
            registry = fig.canvas.callbacks
            for cids in list(registry.callbacks.values()):
                for cid in list(cids):
                    registry.disconnect(cid)
        for w in owned:
            if w is not self:
                w.close()
        for name in ("_results", "_callbacks", "_keys", "_figs", "_dynamic", "_backdrop",
                     "_background", "_backdrop_bg", "_background_size", "_legends", "_room",
                     "_measured", "_unchecked", "_clean_bg", "_legend_pixels", "plays"):
            getattr(self, name, {}).clear()
        for cache in getattr(self, "_caches", {}).values():
            cache.data.clear()
        if getattr(self, "comm", None) is not None:
            super().close()
        # ipywidgets hides the display hook of a closed widget (the page then shows its
        # repr); ours says it is closed and what to do instead
        self.__dict__.pop("_repr_mimebundle_", None)

    # ------------------------------------------------------------------ static output
    def to_png(self, *, colors: int | None = None) -> bytes:
        """All figures as one PNG (for static pages and reports), arranged in the
        columns of ``COLUMNS`` like the live layout: the pixels of the live canvases.

        ``colors``: None (lossless) or 2-256, a palette PNG of at most that many colours
        (``saddle_widgets.export.palette_png``: a third of the bytes or less, the frequent
        colours exact), as the frames of ``to_html`` are stored."""
        if colors is not None and (isinstance(colors, bool) or not isinstance(colors, int)
                                   or not 2 <= colors <= 256):
            raise ValueError(f"colors must be None (lossless) or an integer from 2 to 256, "
                             f"got {colors!r}")
        images = self._canvas_images()
        stacked = [_stack([images[n] for n in col], axis=0) for col in self._columns]
        pixels = _stack(stacked, axis=1)
        if colors is not None:
            from ..export import palette_png
            return palette_png(pixels, colors)
        from matplotlib.image import imsave
        out = io.BytesIO()
        imsave(out, pixels, format="png")
        return out.getvalue()

    def to_html(self, path, sweep: dict, **options):
        """Write one self-contained HTML page (no network, images embedded): sliders over
        the values of one or two parameters in ``sweep`` ({name: values}, or
        {"preset": names}), each position showing the figures and status line this widget
        draws for that state, precomputed; the other parameters stay at the current state,
        which is restored afterwards. Options and limits: ``saddle_widgets.export.to_html``."""
        from ..export import to_html
        return to_html(self, path, sweep, **options)

    def _canvas_images(self) -> dict[str, np.ndarray]:
        """Figure name -> the RGB pixels (uint8, height x width x 3) its canvas shows: the
        Agg buffer after the pending redraw, so the moving layers are painted once, over
        the static layer, as on screen (``savefig`` draws them in z order instead)."""
        self.redraw()
        images = {}
        for name, fig in self._figs.items():
            if not _buffer_is_current(fig.canvas):
                draw_in_full(fig.canvas)   # never drawn, or resized since
            images[name] = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
        return images

    def _repr_mimebundle_(self, **kwargs):
        if getattr(self, "_closed", False):     # nothing left to show but a sentence
            name = type(self).__name__
            return {"text/plain": f"{name} (closed: build a new one, e.g. {name}(**old.state))"}
        # displayed: a new view will render and may echo any value sent from now on
        for name, value in self._values.items():     # shown again: earlier echoes may be due
            if self.PARAMS[name].kind == "float":
                self._remember_sent(name, value)
        self._displayed = True
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        summary = self._summary()
        png = base64.b64encode(self.to_png()).decode("ascii")
        bundle["text/plain"] = summary
        bundle["image/png"] = png
        # static pages (nbconvert, nbviewer) show one representation: picture and summary
        bundle["text/html"] = (f'<img src="data:image/png;base64,{png}" '
                               f'alt="{html.escape(summary.splitlines()[0])}"/>'
                               f"<pre>{html.escape(summary)}</pre>")
        return bundle


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def draw_in_full(canvas) -> None:
    """A full draw of ``canvas`` on a fresh Agg rasterizer. Agg keeps the cell memory of the
    longest path a renderer has drawn for the renderer's life (``rasterizer_cells_aa`` frees
    its blocks only when destroyed): fresh rasterizers gave back 5.8 MiB of a PLRNN
    explorer's memory at its 2,000th random change, so it grew with use. So the C++
    renderer is replaced before a full draw (and before a blit, in ``redraw``), as
    matplotlib's own ``start_filter`` does; the Python renderer, and with it matplotlib's
    text-metrics cache, stays."""
    _fresh_rasterizer(getattr(canvas, "renderer", None))
    canvas.draw()


def _fresh_rasterizer(renderer) -> None:
    """Replace the C++ Agg renderer inside ``renderer`` (a RendererAgg) by a new, blank one."""
    inner = getattr(renderer, "_renderer", None)
    if (inner is not None and not getattr(renderer, "_filter_renderers", True)
            and hasattr(renderer, "_update_methods")):
        renderer._renderer = type(inner)(int(renderer.width), int(renderer.height), renderer.dpi)
        renderer._update_methods()


def _buffer_is_current(canvas) -> bool:
    """Whether the Agg buffer of ``canvas`` was drawn at the figure's present size."""
    if getattr(canvas, "renderer", None) is None:
        return False
    width, height = (int(v) for v in canvas.figure.bbox.size)
    return np.asarray(canvas.buffer_rgba()).shape[:2] == (height, width)


def _laid_out_axes(fig: Figure):
    """(position, axes) of the visible 2-D axes of ``fig``: those whose labels the base
    keeps room for (3-D and polar axes lay out their own labels)."""
    return [(i, ax) for i, ax in enumerate(fig.axes)
            if ax.name == "rectilinear" and ax.get_visible()]


def _decoration_texts(fig: Figure) -> tuple:
    """The texts around each 2-D axes of ``fig`` (a tuple per axes): tick labels, axis
    labels, titles."""
    out = []
    for _, ax in _laid_out_axes(fig):
        texts = []
        for axis in (ax.xaxis, ax.yaxis):
            # get_majorticklabels places and formats the ticks for the current view
            texts.append(tuple(t.get_text() for t in axis.get_majorticklabels()))
            texts.append(axis.label.get_text())
        texts.extend(t.get_text() for t in (ax.title, ax._left_title, ax._right_title))
        out.append(tuple(texts))
    return tuple(out)


def _decorations(fig: Figure, renderer, memo: dict | None = None, texts=None) -> dict:
    """Per visible 2-D axes of ``fig`` (by position): (outer, inner) in pixels, the box that
    its tick labels, axis labels and titles reach with the axes, and the axes' own box
    (with its aspect applied, as a draw places it). With ``memo`` (and ``texts``, from
    ``_decoration_texts``): an axes whose texts, limits, place and figure size are those
    of its last measurement is not measured again."""
    boxes = {}
    for n, (i, ax) in enumerate(_laid_out_axes(fig)):
        ax.apply_aspect()
        key = None
        if memo is not None and texts is not None:
            key = (texts[n], tuple(ax.bbox.bounds), ax.get_xlim(), ax.get_ylim(),
                   tuple(fig.bbox.bounds), ax.xaxis.get_visible(), ax.yaxis.get_visible(),
                   tuple(t.get_visible() for t in (ax.xaxis.label, ax.yaxis.label, ax.title,
                                                   ax._left_title, ax._right_title)))
            hit = memo.get(i)
            if hit is not None and hit[0] == key:
                boxes[i] = hit[1]
                continue
        inner = ax.bbox.frozen()
        parts = [axis.get_tightbbox(renderer, for_layout_only=True)
                 for axis in (ax.xaxis, ax.yaxis) if axis.get_visible()]
        parts += [t.get_window_extent(renderer) for t in (ax.title, ax._left_title,
                                                          ax._right_title)
                  if t.get_visible() and t.get_text()]
        boxes[i] = (Bbox.union([inner, *(b for b in parts if b is not None)]), inner)
        if key is not None:
            memo[i] = (key, boxes[i])
    return boxes


def _with_legends(fig: Figure, boxes: dict, renderer) -> dict:
    """The outer boxes of ``boxes`` (from ``_decorations``) widened by each axes' own
    legend. Only the pull-in of a clipped axes reads them: ``_keep_room`` compares the
    decorations alone, so a shorter legend shown later asks for no new layout."""
    out = {}
    for k, (outer, _) in boxes.items():
        legend = fig.axes[k].get_legend()
        out[k] = (outer if legend is None or not legend.get_visible() else
                  Bbox.union([outer, _painted_extent(legend, renderer)]))
    return out


def _painted_extent(legend, renderer) -> Bbox:
    """The pixels ``legend`` paints: its box, less the border pad where it has no frame."""
    box = legend.get_window_extent(renderer)
    if legend.get_frame_on():
        return box
    pad = legend.borderpad * legend.prop.get_size_in_points() * renderer.points_to_pixels(1.0)
    return box.padded(-pad)


def _overflow(box: Bbox, fig: Figure) -> np.ndarray:
    """How far ``box`` reaches past ``fig``'s left, bottom, right and top edges, in px."""
    (x0, y0), (x1, y1) = fig.bbox.get_points()
    return np.array([x0 - box.x0, y0 - box.y0, box.x1 - x1, box.y1 - y1])


def _outside(box: Bbox, fig: Figure) -> bool:
    """Whether ``box`` reaches more than 1 px outside ``fig`` (what the canvas clips)."""
    return bool(_overflow(box, fig).max() > 1.0)


def _overlaps(boxes: dict) -> set:
    """Pairs of axes (by position) whose outer boxes overlap by more than 1 px both ways."""
    keys = sorted(boxes)
    return {(j, k) for n, j in enumerate(keys) for k in keys[n + 1:]
            if min(boxes[j][0].x1, boxes[k][0].x1) - max(boxes[j][0].x0, boxes[k][0].x0) > 1
            and min(boxes[j][0].y1, boxes[k][0].y1) - max(boxes[j][0].y0, boxes[k][0].y0) > 1}


def _margins(outer: Bbox, inner: Bbox) -> np.ndarray:
    """How far the decorations reach past the axes on the left, bottom, right and top."""
    return np.array([inner.x0 - outer.x0, inner.y0 - outer.y0,
                     outer.x1 - inner.x1, outer.y1 - inner.y1])


def _needs_layout(boxes: dict, room: tuple, fig: Figure, slack: float = ROOM_SLACK) -> bool:
    """Whether decorations measured as ``boxes`` need a new layout, against the ``room``
    (boxes, overlapping pairs) the last one left: one reaches more than 1 px outside the
    figure (it would be clipped), two axes' boxes overlap that did not (labels collide), or
    an axes' margins shrank by more than ``slack`` px (space left unused)."""
    laid, overlapping = room
    if boxes.keys() != laid.keys():
        return True
    for k, (outer, inner) in boxes.items():
        if _outside(outer, fig):
            return True
        if np.max(_margins(*laid[k]) - _margins(outer, inner)) > slack:
            return True
    return not _overlaps(boxes) <= overlapping


def _others(fig: Figure, legend, legends, renderer):
    """Window extents of everything ``fig`` draws besides ``legend``, part by part: each
    axes' plot area (first: a legend inside its axes stops the search there), the figure's
    own artists, each axes' axis (ticks and labels), titles and unclipped children (not its
    legends), and the other legends. Parts, not each axes' union: a legend beside the
    plot's top right corner does not overlap the union's corner that the bottom right tick
    label spans."""
    axes = [a for a in fig.axes if a.get_visible()]
    yield from (a.get_window_extent(renderer) for a in axes)
    for a in fig.get_children():
        if (a is not fig.patch and a.get_visible() and a not in axes
                and not any(a is l for l in legends)):
            yield a.get_window_extent(renderer)
    for a in axes:
        if a.axison:
            yield from (axis.get_tightbbox(renderer) for axis in a._axis_map.values()
                        if axis.get_visible())
        yield from (t.get_window_extent(renderer) for t in (a.title, a._left_title,
                                                             a._right_title)
                    if t.get_visible() and t.get_text())
        for c in a.get_default_bbox_extra_artists():
            if not any(c is l for l in legends):
                yield c.get_tightbbox(renderer)
    for other in legends:
        if other is not legend and other.get_visible() and other.figure is fig:
            yield other.get_window_extent(renderer)


def _drawn(box) -> bool:
    """Whether ``box`` (an artist's extent) covers pixels: not None, and not the null box
    (inf, inf, -inf, -inf) of an artist with nothing to draw, which ``Bbox.overlaps`` takes
    for the whole plane."""
    return box is not None and bool(np.all(np.isfinite(box.extents))) \
        and box.x1 >= box.x0 and box.y1 >= box.y0


def _paint(artists, renderer):
    for a in artists:
        if a.get_visible():
            a.draw(renderer)


def _stack(images, axis):
    """Concatenate RGB images along ``axis``, padding the other side with white."""
    other = 1 - axis
    size = max(im.shape[other] for im in images)
    white = 255 if images[0].dtype == np.uint8 else 1.0
    padded = []
    for im in images:
        pad = [(0, 0), (0, 0), (0, 0)]
        pad[other] = (0, size - im.shape[other])
        padded.append(np.pad(im, pad, constant_values=white))
    return np.concatenate(padded, axis=axis)


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@contextlib.contextmanager
def _kernel_busy():
    """Publish the kernel's status busy, then idle, around work that no message started
    (a timer's refine), so the page's busy indicator shows it. The status messages have
    a parent of their own: no page request waits for them (a widget's throttle counts the
    idle of its own message only)."""
    kernel = None
    if in_live_kernel():
        from IPython import get_ipython
        kernel = get_ipython().kernel
    parent = None
    if kernel is not None and getattr(kernel, "session", None) is not None:
        try:
            parent = {"header": kernel.session.msg_header("saddle_widgets_refine"),
                      "parent_header": {}, "metadata": {}, "content": {}}
            kernel._publish_status("busy", "shell", parent)
        except Exception:          # a kernel without these (private) methods: no status
            parent = None
    try:
        yield
    finally:
        if parent is not None:
            with contextlib.suppress(Exception):
                kernel._publish_status("idle", "shell", parent)


def _owned_widgets(explorer) -> list:
    """Every ipywidgets Widget that ``explorer`` made: those in its attributes (controls,
    buttons, play widgets, canvases, toolbars), its children, and every widget these hold
    in a trait (layouts, styles, children), found by a walk over the traits."""
    found: dict[int, widgets.Widget] = {}
    todo = [explorer]
    for value in vars(explorer).values():
        if isinstance(value, dict):
            todo += list(value.values())
        elif isinstance(value, (list, tuple)):
            todo += list(value)
        else:
            todo.append(value)
    todo += [fig.canvas for fig in getattr(explorer, "_figs", {}).values()]
    while todo:
        w = todo.pop()
        if not isinstance(w, widgets.Widget) or id(w) in found:
            continue
        found[id(w)] = w
        todo.append(getattr(getattr(w, "manager", None), "toolbar", None))
        for name in w.trait_names():
            if name.startswith("_") or name in ("comm", "keys"):
                continue
            value = getattr(w, name, None)
            if isinstance(value, widgets.Widget):
                todo.append(value)
            elif isinstance(value, (list, tuple)):
                todo += [v for v in value if isinstance(v, widgets.Widget)]
    return list(found.values())
