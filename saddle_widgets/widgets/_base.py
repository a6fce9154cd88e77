"""The shared base of every explorer widget.

It owns what all widgets have in common: figure lifecycle (ipympl canvases in a
live kernel, Agg elsewhere), the controls panel, presets, reset, the status line,
``state`` / ``Widget(**state)`` round trip, error display instead of tracebacks,
coalescing of control events (the latest value wins) and a static PNG for
nbconvert / GitHub. A subclass declares its parameters and draws; nothing else.

Subclass contract::

    class MyExplorer(Explorer):
        DEFAULTS = {"depth": 2, ...}             # parameter -> default value
        PRESETS = {"name": {"depth": 3}, ...}    # one click reproduces a figure
        def _make_controls(self): ...            # -> {parameter: ValueWidget}
        def _make_figures(self): ...             # -> [Figure, ...] built with self._figure()
        def _update(self, changed, coarse): ...  # solvers -> set_data; returns status text
        COLUMNS = [[0], [1, 2]]                  # optional: canvases per layout column
        SUMMARY_KEYS = ("depth",)                # optional: parameters in the text summary

Drawing is blitted in three layers (see ``animate``); a subclass calls
``self.animate(fig, moving, backdrop=rarely_changing)`` once per figure and
``self.invalidate(fig)`` when axes limits, titles or legends change.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import io
import logging
import time
from typing import ClassVar

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

# Okabe-Ito: colour-blind-safe categorical colours
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}

_STATUS_OK = '<span style="font-family: var(--jp-ui-font-family, sans-serif)">{}</span>'
_STATUS_ERROR = '<span style="color:#b00020; font-weight:600">⚠ {}</span>'


def in_live_kernel() -> bool:
    """True inside a running IPython kernel (where ipympl canvases can talk to a front end)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def slider(description, value, lo, hi, step, *, fmt=".2f", integer=False, tooltip=""):
    """A slider with a readable label and readout, styled alike in every widget."""
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    kw = {} if integer else {"readout_format": fmt}
    return cls(value=value, min=lo, max=hi, step=step, description=description,
               continuous_update=True, tooltip=tooltip,
               style={"description_width": "initial"},
               layout=widgets.Layout(width="300px"), **kw)


def dropdown(description, options, value):
    """A dropdown styled like the sliders."""
    return widgets.Dropdown(options=options, value=value, description=description,
                            style={"description_width": "initial"},
                            layout=widgets.Layout(width="300px"))


class Explorer(widgets.VBox):
    """Base class: controls, figures, presets, status line and event coalescing."""

    DEFAULTS: ClassVar[dict] = {}
    PRESETS: ClassVar[dict[str, dict]] = {}
    #: seconds of quiet after a front-end drag before a full-quality redraw
    REFINE_AFTER: ClassVar[float] = 0.3
    #: figure indices per column, in the live layout and the static PNG (None: one each)
    COLUMNS: ClassVar[list[list[int]] | None] = None
    #: parameters named in the text/plain summary (None: all)
    SUMMARY_KEYS: ClassVar[tuple[str, ...] | None] = None
    #: subclasses that draw a cheaper picture while dragging set this True
    COARSE_WHILE_DRAGGING: ClassVar[bool] = False

    def __init__(self, *, canvas: str = "auto", **state):
        unknown = sorted(set(state) - set(self.DEFAULTS))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; "
                             f"{type(self).__name__} takes {', '.join(self.DEFAULTS)}")
        if canvas not in ("auto", "ipympl", "agg"):
            raise ValueError(f"canvas must be 'auto', 'ipympl' or 'agg', got {canvas!r}")
        self._use_ipympl = canvas == "ipympl" or (canvas == "auto" and in_live_kernel())
        self._holding = False
        self._dragging = False
        self._pending: set[str] = set()
        self._scheduled = None
        self._refine_handle = None
        self.last_update_seconds = float("nan")
        self.error: str | None = None
        self._status_plain = ""
        self._dynamic: dict[Figure, list] = {}
        self._backdrop: dict[Figure, list] = {}
        self._background: dict[Figure, object] = {}
        self._backdrop_bg: dict[Figure, object] = {}
        self._background_size: dict[Figure, tuple] = {}
        self._settle_handle = None

        self.controls: dict[str, widgets.ValueWidget] = self._make_controls()
        missing = set(self.DEFAULTS) - set(self.controls)
        if missing:
            raise TypeError(f"{type(self).__name__} has no control for {sorted(missing)}")
        self.status = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.preset = dropdown("preset", ["(custom)"] + list(self.PRESETS), "(custom)")
        self.reset_button = widgets.Button(description="reset", icon="undo",
                                           tooltip="restore the default parameters",
                                           layout=widgets.Layout(width="90px"))
        self.reset_button.on_click(lambda _: self.reset())
        self.preset.observe(self._on_preset, names="value")

        self.figures: list[Figure] = self._make_figures()
        super().__init__(children=self._layout(), layout=widgets.Layout(width="auto"))
        self._set_values({**self.DEFAULTS, **state})
        for name, control in self.controls.items():
            control.observe(self._on_control, names="value")
        self._run_update(set(self.controls), coarse=False)

    # ------------------------------------------------------------------ subclass API
    def _make_controls(self) -> dict[str, widgets.ValueWidget]:
        raise NotImplementedError

    def _make_figures(self) -> list[Figure]:
        raise NotImplementedError

    def _update(self, changed: set[str], coarse: bool) -> str:
        raise NotImplementedError

    def _summary(self) -> str:
        """``Name(parameter=value, ...)`` and the status line: stable text for static pages."""
        p = self.state
        args = ", ".join(f"{k}={p[k]!r}" for k in (self.SUMMARY_KEYS or p))
        return f"{type(self).__name__}({args})\n{self.status_text}"

    def _control_panel(self) -> list[widgets.Widget]:
        """The controls in display order; subclasses may group them."""
        return list(self.controls.values())

    def _layout(self) -> list[widgets.Widget]:
        """Controls on the left, then one column of canvases per entry of ``COLUMNS``."""
        header = widgets.HBox([self.preset, self.reset_button])
        panel = widgets.VBox([header, *self._control_panel()],
                             layout=widgets.Layout(width="330px", flex="0 0 auto"))
        columns = [widgets.VBox([self._view(self.figures[i]) for i in col])
                   for col in self._columns()]
        # columns that do not fit beside each other wrap below, rather than run off the page
        plots = widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap"))
        return [widgets.HBox([panel, plots]), self.status]

    def _columns(self) -> list[list[int]]:
        return self.COLUMNS or [[i] for i in range(len(self.figures))]

    # ------------------------------------------------------------------ figures
    def _figure(self, width: float, height: float, *, click=None) -> Figure:
        """A figure of ``width`` x ``height`` inches on its own canvas (ipympl or Agg).

        ``click(x, y)`` is called with data coordinates when the learner clicks an axes.
        """
        fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
        if self._use_ipympl:
            from ipympl.backend_nbagg import Canvas, FigureManager
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
                    self._guard(lambda: click(event.inaxes, event.xdata, event.ydata))
            fig.canvas.mpl_connect("button_press_event", on_press)
        return fig

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
        painted at every redraw. Each layer is painted in z order.
        """
        by_z = lambda arts: sorted(arts, key=lambda a: a.get_zorder())   # noqa: E731
        self._backdrop[fig] = by_z(backdrop)
        self._dynamic[fig] = by_z(artists)
        for a in self._backdrop[fig] + self._dynamic[fig]:
            a.set_animated(True)
        self._background[fig] = None
        self._backdrop_bg[fig] = None

        def on_draw(event):
            # after every full draw (ours, the front end's, savefig's): keep the clean
            # background, then paint (and keep) the backdrop, then the moving artists
            saving = fig.canvas.is_saving()
            if not saving:
                self._background[fig] = fig.canvas.copy_from_bbox(fig.bbox)
                self._background_size[fig] = tuple(fig.bbox.size)
            _paint(self._backdrop[fig], event.renderer)
            if not saving:
                self._backdrop_bg[fig] = fig.canvas.copy_from_bbox(fig.bbox)
            _paint(self._dynamic[fig], event.renderer)

        fig.canvas.mpl_connect("draw_event", on_draw)

    def invalidate(self, *figs: Figure) -> None:
        """The static layer of ``figs`` changed: the next redraw draws them in full."""
        for fig in figs:
            self._background[fig] = None
            fig.stale = True

    def redraw(self) -> None:
        """One redraw of each figure that changed: a full draw where the static layer
        changed, else a blit of the moving artists over the cached backdrop (repainted
        first if one of its artists changed)."""
        for fig in self.figures:
            backdrop = self._backdrop.get(fig, [])
            dynamic = self._dynamic.get(fig, [])
            # changes of animated artists do not mark the figure stale: ask them
            backdrop_changed = any(a.stale for a in backdrop)
            if not (fig.stale or backdrop_changed or any(a.stale for a in dynamic)):
                continue
            canvas = fig.canvas
            canvas._force_full = True    # ipympl: no diff frames, the browser drops some
            if (fig not in self._dynamic or self._background[fig] is None
                    or self._background_size.get(fig) != tuple(fig.bbox.size)):
                # a new static layer, or the front end resized the figure / changed its dpi
                canvas.draw()            # fires on_draw, which paints the dynamic layers
                if fig.get_layout_engine() is not None:
                    # constrained layout costs ~15 ms a draw; after the first, freeze it
                    fig.set_layout_engine("none")
            else:
                renderer = canvas.get_renderer()
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

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> dict:
        """Current parameters; ``type(self)(**w.state)`` rebuilds the same view."""
        return {name: self.controls[name].value for name in self.DEFAULTS}

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self._status_plain

    def set_state(self, **values) -> None:
        """Set several parameters at once with a single redraw."""
        unknown = sorted(set(values) - set(self.DEFAULTS))
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)}")
        self._set_values(values)
        self._run_update(set(values), coarse=False)

    def reset(self) -> None:
        """Restore the default parameters."""
        self.preset.value = "(custom)"
        self.set_state(**self.DEFAULTS)

    def apply_preset(self, name: str) -> None:
        """Apply a named preset (the same as choosing it in the dropdown)."""
        if name not in self.PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(self.PRESETS)}")
        self.set_state(**{**self.DEFAULTS, **self.PRESETS[name]})

    @contextlib.contextmanager
    def _quietly(self):
        """Change control values or ranges without triggering updates."""
        old, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = old

    def _set_values(self, values: dict) -> None:
        with self._quietly():
            for name, value in values.items():
                control = self.controls[name]
                if hasattr(control, "options"):      # Dropdown, SelectionSlider, ...
                    opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
                    if not any(value == o and type(value) is type(o) for o in opts):
                        raise ValueError(f"{name} must be one of {opts}, got {value!r}")
                elif hasattr(control, "min") and hasattr(control, "max"):
                    if not control.min <= value <= control.max:
                        raise ValueError(f"{name} must be between {control.min} and "
                                         f"{control.max}, got {value!r}")
                control.value = value

    def _on_preset(self, change) -> None:
        if change["new"] != "(custom)":
            self._guard(lambda: self.apply_preset(change["new"]))

    # ------------------------------------------------------------------ events
    def _on_control(self, change) -> None:
        if self._holding:
            return
        name = next(k for k, c in self.controls.items() if c is change["owner"])
        if self.preset.value != "(custom)":
            self.preset.unobserve(self._on_preset, names="value")
            self.preset.value = "(custom)"
            self.preset.observe(self._on_preset, names="value")
        from_frontend = bool(getattr(change["owner"], "_property_lock", None))
        loop = _running_loop() if from_frontend else None
        if loop is None:
            self._run_update({name}, coarse=self._dragging and self.COARSE_WHILE_DRAGGING)
            return
        # A drag in the browser: coalesce (latest value wins), coarse now, full soon after.
        self._pending.add(name)
        if self._scheduled is None:
            self._scheduled = loop.call_soon(self._flush)
        if self._refine_handle is not None:
            self._refine_handle.cancel()
            self._refine_handle = None

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
        """Redraw at full quality (what happens shortly after a drag stops)."""
        if self.COARSE_WHILE_DRAGGING:
            self._run_update(set(), coarse=False)

    def _flush(self) -> None:
        changed, self._pending, self._scheduled = self._pending, set(), None
        coarse = self.COARSE_WHILE_DRAGGING
        self._run_update(changed, coarse=coarse)
        if coarse:
            loop = _running_loop()
            if loop is not None:
                self._refine_handle = loop.call_later(self.REFINE_AFTER, self.refine)

    def _run_update(self, changed: set[str], coarse: bool) -> None:
        start = time.perf_counter()
        self._guard(lambda: self._set_status(self._update(changed, coarse)))
        self.redraw()
        self.last_update_seconds = time.perf_counter() - start
        self._schedule_settle()

    def _schedule_settle(self) -> None:
        """In a live kernel, draw every canvas in full once things are quiet: ipympl's front
        end replaces its image per frame and can drop one, and a full frame repairs that."""
        loop = _running_loop() if self._use_ipympl else None
        if loop is None:
            return
        if self._settle_handle is not None:
            self._settle_handle.cancel()
        self._settle_handle = loop.call_later(self.REFINE_AFTER + 0.2, self._settle)

    def _settle(self) -> None:
        self._settle_handle = None
        for fig in self.figures:
            fig.canvas._force_full = True
            fig.canvas.draw()

    def _guard(self, action) -> None:
        """Run ``action``; show a ValueError (or any failure) in the status line."""
        try:
            action()
        except ValueError as exc:
            self._set_error(str(exc))
        except Exception as exc:   # a widget must never show a traceback to a learner
            log.exception("saddle-widgets: update failed")
            self._set_error(f"{type(exc).__name__}: {exc}")

    def _set_status(self, text: str) -> None:
        self.error = None
        self._status_plain = text
        self.status.value = _STATUS_OK.format(text)

    def _set_error(self, message: str) -> None:
        self.error = message
        self._status_plain = message
        self.status.value = _STATUS_ERROR.format(message)

    # ------------------------------------------------------------------ static output
    def to_png(self) -> bytes:
        """All figures as one PNG (for static pages and reports), arranged in the
        columns of ``COLUMNS`` like the live layout."""
        from matplotlib.image import imread, imsave
        images = []
        for fig in self.figures:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=fig.dpi)
            buf.seek(0)
            images.append(imread(buf, format="png")[..., :3])
        stacked = [_stack([images[i] for i in col], axis=0) for col in self._columns()]
        out = io.BytesIO()
        imsave(out, _stack(stacked, axis=1), format="png")
        return out.getvalue()

    def _repr_mimebundle_(self, **kwargs):
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


def _paint(artists, renderer):
    for a in artists:
        if a.get_visible():
            a.draw(renderer)


def _stack(images, axis):
    """Concatenate RGB images along ``axis``, padding the other side with white."""
    other = 1 - axis
    size = max(im.shape[other] for im in images)
    padded = []
    for im in images:
        pad = [(0, 0), (0, 0), (0, 0)]
        pad[other] = (0, size - im.shape[other])
        padded.append(np.pad(im, pad, constant_values=1.0))
    return np.concatenate(padded, axis=axis)


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
