"""The declarative base (saddle_widgets.widgets._base), on a small explorer defined here:
gradient descent on the quadratic f(w) = ½ wᵀ diag(1, κ) w, whose iterates have the
closed form w_k = (1 − η)^k w0₁ e₁ + (1 − ηκ)^k w0₂ e₂."""
import asyncio
import io
import threading

import matplotlib
import numpy as np
import pytest

from saddle_widgets.widgets import Bool, Choice, Explorer, Fig, Float, Int, draw, status, step


class Quadratic(Explorer):
    PARAMS = {
        "kappa": Float("curvature κ", 4.0, 0.5, 10.0, step=0.5, doc="second eigenvalue"),
        "lr": Float("step size η", 0.1, 0.01, 0.6, step=0.01),
        "n": Int("steps", 20, 1, 200),
        "mark": Int("marked step", 0, 0, "n"),
        "norm": Choice("colour", "linear", ("linear", "log")),
        "grid": Bool("grid", False),
    }
    FIGURES = {"plane": Fig(3.0, 3.0, click="set_start"), "loss": Fig(3.0, 2.0)}
    COLUMNS = [["plane"], ["loss"]]
    PRESETS = {"ill-conditioned": {"kappa": 10.0, "lr": 0.19}}
    calls: list

    def __init__(self, **kw):
        self.calls = []
        self.w0 = np.array([1.0, 1.0])
        super().__init__(**kw)

    def build_plane(self, fig):
        ax = fig.add_subplot()
        (self.path,) = ax.plot([], [], "o-")
        ax.set(xlim=(-2, 2), ylim=(-2, 2))
        self.animate(fig, [self.path])

    def build_loss(self, fig):
        self.ax_loss = fig.add_subplot()
        (self.loss_line,) = self.ax_loss.plot([], [])
        self.animate(fig, [self.loss_line])

    def set_start(self, x, y):
        self.set_params(lr=round(min(max(abs(x) / 4, 0.01), 0.6), 2))

    @step("kappa")
    def hessian(self, kappa):
        self.calls.append("hessian")
        return np.diag([1.0, kappa])

    @step("hessian", "lr", "n", coarse=True, cache=3)
    def run(self, hessian, lr, n, *, coarse):
        self.calls.append(("run", coarse))
        m = max(n // 4, 1) if coarse else n
        w = [self.w0]
        for _ in range(m):
            w.append(w[-1] - lr * hessian @ w[-1])
        return np.array(w)

    @draw("plane", "run")
    def draw_path(self, run):
        self.path.set_data(run[:, 0], run[:, 1])

    @draw("loss", "run", "hessian", layer="static")
    def draw_loss(self, run, hessian):
        f = 0.5 * np.einsum("ki,ij,kj->k", run, hessian, run)
        self.loss_line.set_data(np.arange(len(f)), f)
        self.ax_loss.set_xlim(0, max(len(f) - 1, 1))

    @status("run", "lr", "kappa")
    def describe(self, run, lr, kappa):
        if lr * kappa >= 2:
            raise ValueError(f"η κ = {lr * kappa:.2f} ≥ 2: gradient descent diverges")
        return f"{len(run) - 1} steps, |w| = {np.linalg.norm(run[-1]):.3g}"


def test_a_step_matches_the_closed_form_of_gradient_descent_on_a_quadratic():
    w = Quadratic(kappa=3.0, lr=0.2, n=7)
    k = np.arange(8)
    expected = np.c_[(1 - 0.2) ** k, (1 - 0.2 * 3.0) ** k]
    np.testing.assert_allclose(w.results["run"], expected, rtol=1e-12)
    np.testing.assert_allclose(np.c_[w.path.get_data()], expected, rtol=1e-12)


def test_defaults_come_from_params_and_results_are_read_only():
    w = Quadratic()
    assert Quadratic.DEFAULTS == {"kappa": 4.0, "lr": 0.1, "n": 20, "mark": 0,
                                  "norm": "linear", "grid": False}
    assert w.state == Quadratic.DEFAULTS
    assert set(w.results) == {"hessian", "run"}
    with pytest.raises(TypeError):
        w.results["run"] = None
    assert w.controls["kappa"].description == "curvature κ"


def test_only_what_a_change_touches_recomputes():
    w = Quadratic()
    w.calls.clear()
    w.set_params(lr=0.2)
    assert w.calls == [("run", False)]              # the Hessian depends on κ only
    w.calls.clear()
    w.set_params(grid=True)                         # nothing reads it
    assert w.calls == []


def test_the_cache_is_bounded_and_a_revisited_value_is_not_recomputed():
    w = Quadratic()
    for lr in (0.11, 0.12, 0.13, 0.14, 0.15):
        w.set_params(lr=lr)
    assert len(w._caches["run"].data) == 3
    w.calls.clear()
    w.set_params(lr=0.14)
    assert w.calls == []                             # still cached
    w.set_params(lr=0.11)
    assert w.calls == [("run", False)]               # evicted, recomputed


def test_dragging_runs_the_coarse_variant_and_release_reruns_only_it():
    w = Quadratic(n=40)
    with w.dragging():
        w.controls["lr"].value = 0.2
        assert len(w.results["run"]) == 11          # coarse: n // 4 steps
        w.calls.clear()
        w.controls["grid"].value = True             # a drag on an unrelated control
        assert w.calls == []                        # does not turn anything coarse
    assert len(w.results["run"]) == 41
    assert w.calls == [("run", False)]


@pytest.mark.parametrize("bad, match", [
    ({"kappa": 11.0}, "kappa must be between 0.5 and 10"),
    ({"kappa": float("nan")}, "kappa must be between"),
    ({"kappa": float("inf")}, "kappa must be between"),
    ({"kappa": "4"}, "kappa must be a number"),
    ({"n": 2.5}, "n must be an integer"),
    ({"n": True}, "n must be an integer"),
    ({"norm": "cubic"}, "norm must be one of"),
    ({"grid": 1}, "grid must be True or False"),
    ({"mark": 30}, "mark must be between 0 and 20"),
    ({"kapa": 1.0}, "unknown parameter"),
])
def test_bad_values_are_a_value_error_naming_the_parameter_and_its_range(bad, match):
    with pytest.raises(ValueError, match=match):
        Quadratic(**bad)
    w = Quadratic()
    with pytest.raises(ValueError, match=match):
        w.set_params(**bad)
    assert w.state == Quadratic.DEFAULTS


def test_a_bound_named_after_a_parameter_follows_it():
    w = Quadratic(n=50, mark=40)
    assert w.controls["mark"].max == 50
    w.set_params(n=10)
    assert w.state["mark"] == 10 and w.controls["mark"].max == 10


def test_an_error_from_a_step_shows_in_the_status_line_and_clears():
    w = Quadratic()
    w.controls["lr"].value = 0.3                    # η κ = 1.2: fine
    assert w.error is None
    w.controls["kappa"].value = 8.0                 # η κ = 2.4
    assert "diverges" in w.error and "⚠" in w.status.value
    w.controls["kappa"].value = 2.0
    assert w.error is None and "steps" in w.status_text


def test_a_page_echo_snapped_to_the_slider_grid_is_not_a_change():
    w = Quadratic(lr=0.0666)
    before, text = w.state, w.status_text
    w.calls.clear()
    w.controls["lr"].value = 0.07                   # the front end's snapped echo
    assert w.state == before and w.status_text == text and w.calls == []
    w.controls["lr"].value = 0.08                   # one step further is a change
    assert w.state["lr"] == 0.08


def test_the_preset_menu_shows_the_applied_preset_until_a_change():
    w = Quadratic()
    w.apply_preset("ill-conditioned")
    assert w.preset.value == "ill-conditioned" and w.state["kappa"] == 10.0
    w.controls["lr"].value = 0.07 if False else w.controls["lr"].value   # no change
    assert w.preset.value == "ill-conditioned"
    w.controls["n"].value = 30
    assert w.preset.value == "(custom)"
    w.preset.value = "ill-conditioned"
    assert w.preset.value == "ill-conditioned" and w.state["n"] == 20


def click(widget, figure, x, y):
    """A real left click at data point (x, y) of a figure's axes, through matplotlib."""
    from matplotlib.backend_bases import MouseEvent
    fig = widget.figure(figure)
    fig.canvas.draw()
    px, py = fig.axes[0].transData.transform((x, y))
    event = MouseEvent("button_press_event", fig.canvas, px, py, button=1)
    fig.canvas.callbacks.process("button_press_event", event)


def test_locks_hold_against_presets_reset_and_clicks():
    w = Quadratic()
    w.controls["kappa"].disabled = True             # a teacher locks κ
    w.apply_preset("ill-conditioned")
    assert w.state["kappa"] == 4.0 and w.state["lr"] == 0.19
    w.lock("lr")
    w.reset()
    assert w.state["lr"] == 0.19
    click(w, "plane", 1.0, 0.0)
    assert "locked" in w.error and w.state["lr"] == 0.19
    w.unlock("lr")
    w.controls["kappa"].layout.display = "none"     # hidden counts as locked too
    w.controls["kappa"].disabled = False
    w.apply_preset("ill-conditioned")
    assert w.state["kappa"] == 4.0
    w.set_params(kappa=2.0)                         # code still can
    assert w.state["kappa"] == 2.0


def test_a_front_end_update_message_applies():
    w = Quadratic()
    w.set_state({"box_style": "info"})
    assert w.box_style == "info"
    w.set_state(kappa=2.0)                          # keywords: set_params
    assert w.state["kappa"] == 2.0


def test_teachers_add_a_figure_and_a_callback_without_subclassing():
    w = Quadratic()
    fig = w.add_figure("norm", 2.0, 2.0, column=1)
    ax = fig.add_subplot()
    (line,) = ax.plot([], [])
    seen = []
    w.on("run", lambda run: (seen.append(len(run)), line.set_data(np.arange(len(run)),
                                                                 np.linalg.norm(run, axis=1))))
    assert seen == [21]
    w.set_params(n=30)
    assert seen == [21, 31] and len(line.get_xdata()) == 31
    assert w.figure("norm") is fig and w.figures[-1] is fig and len(w.figures) == 3
    assert len(w.to_png()) > 0


def test_a_subclass_adds_a_figure_and_a_draw():
    class WithSpectrum(Quadratic):
        FIGURES = {**Quadratic.FIGURES, "spectrum": Fig(2.0, 2.0)}
        COLUMNS = [["plane"], ["loss", "spectrum"]]

        def build_spectrum(self, fig):
            (self.bars,) = fig.add_subplot().plot([], [], "o")

        @draw("spectrum", "hessian")
        def draw_spectrum(self, hessian):
            self.bars.set_data([0, 1], np.linalg.eigvalsh(hessian))

    w = WithSpectrum(kappa=3.0)
    assert list(w.bars.get_ydata()) == [1.0, 3.0]
    assert [f for f in w.figures] == [w.figure(n) for n in ("plane", "loss", "spectrum")]


def test_declarations_are_checked_when_the_class_is_made():
    with pytest.raises(TypeError, match="unknown input"):
        class Bad(Quadratic):
            @step("nothing")
            def broken(self, nothing):
                return 0
    with pytest.raises(ValueError, match="kappa must be between"):
        class BadPreset(Quadratic):
            PRESETS = {"too curved": {"kappa": 100.0}}


def test_building_a_widget_leaves_pyplot_alone():
    import matplotlib.pyplot as plt
    before = matplotlib.get_backend()
    Quadratic(canvas="ipympl")
    assert matplotlib.get_backend() == before
    assert "ipympl" not in str(dict.__getitem__(matplotlib.rcParams, "backend"))
    plt.close("all")


def test_building_widgets_in_a_live_kernel_keeps_the_notebook_backend():
    """In a real ipykernel (inline backend by default) building the escape race, whose
    report said it switched pyplot to ipympl, leaves the backend and pyplot's figures
    inline; after ``%matplotlib widget`` it stays ipympl."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        def run(code):
            reply = kc.execute_interactive(code, timeout=300, output_hook=lambda m: out.append(m))
            assert reply["content"]["status"] == "ok", reply["content"]
            return "".join(m["content"].get("text", "") for m in out      # stdout only: a
                           if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        out = []
        before = run("import matplotlib; print(matplotlib.get_backend())").strip()
        assert "inline" in before
        out.clear()
        after = run("import saddle_widgets as sw, matplotlib.pyplot as plt\n"
                    "w = sw.EscapeRaceExplorer()\n"
                    "print(matplotlib.get_backend(), type(plt.figure().canvas).__module__)")
        backend, canvas_module = after.split()
        assert backend == before and canvas_module.endswith("agg")
        out.clear()
        widget = run("%matplotlib widget\nw2 = sw.EscapeRaceExplorer()\nprint(matplotlib.get_backend())")
        assert widget.strip() in ("widget", "module://ipympl.backend_nbagg")   # by version
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_ipympl_canvases_send_only_whole_frames():
    """ipympl sends diff frames (changed pixels only) unless forced; a page that lost its
    last image would paint them over a blank canvas. Every frame is whole, also after a
    draw that ipympl itself starts (the front end's 'draw' message) and after a blit."""
    w = Quadratic(canvas="ipympl")
    canvas = w.figures[0].canvas
    for action in (canvas.draw, lambda: canvas.handle_draw(None), lambda: canvas.blit()):
        action()
        canvas.get_diff_image()
        assert canvas._current_image_mode == "full"
    w.close()


def test_a_view_handshake_gets_the_whole_current_picture_at_once():
    """When the page's view says 'initialized' (or asks 'refresh' after its resize cleared
    the canvas) the kernel sends the current picture itself: one whole PNG frame equal to
    the canvas buffer, without waiting for the page's own draw request (which the page
    skips while it still waits for an earlier image)."""
    from PIL import Image
    w = Quadratic(canvas="ipympl")
    canvas = w.figures[0].canvas
    sent = []
    canvas.send = lambda content, buffers=None: sent.append((content, buffers))
    for kind in ("initialized", "refresh"):
        sent.clear()
        canvas._handle_message(canvas, {"type": kind}, [])
        frames = [b for c, b in sent if b]
        assert len(frames) == 1 and canvas._current_image_mode == "full"
        png = np.asarray(Image.open(io.BytesIO(frames[0][0])))
        assert np.array_equal(png, np.asarray(canvas.buffer_rgba()))
    w.close()


def test_close_closes_every_child_widget():
    from ipywidgets.widgets.widget import _instances
    w = Quadratic(canvas="ipympl")
    ids = {c.model_id for c in [*w.controls.values(), w.status, w.preset]}
    assert ids <= set(_instances)
    w.close()
    assert not ids & set(_instances)
    assert w.controls["kappa"].comm is None and w.comm is None
    w.controls["kappa"].value = 2.0                 # no update after close
    assert w.state["kappa"] == 4.0


def test_a_closed_explorer_refuses_to_reopen_and_displays_a_sentence():
    """close() frees the controls, canvases and figures: open() after it raises with a
    sentence saying to build a new explorer (it showed as text only), displaying it shows
    that sentence, and a new explorer from the closed one's state works."""
    from ipywidgets.widgets.widget import _instances
    w = Quadratic(canvas="ipympl", kappa=2.0)
    state = w.state
    w.close()
    with pytest.raises(RuntimeError, match=r"was closed.*Build a new one"):
        w.open()
    assert w.comm is None and w not in _instances.values()
    bundle = w._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "closed" in bundle["text/plain"]
    again = Quadratic(canvas="ipympl", **state)
    assert again.state == state and again.comm is not None
    assert "image/png" in again._repr_mimebundle_()
    again.close()


def run_in_own_loop(coroutine_function):
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine_function())
        except BaseException as exc:
            result["error"] = exc
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]


def _from_page(control, value):
    """What ipywidgets does with an update message from the page (inside the handler)."""
    with control._lock_property(value=value):
        control.value = value


def test_a_page_message_is_handled_before_the_handler_returns_then_refined_once():
    """The page's widget model sends one message per control at a time and merges later
    values until the kernel is idle again (latest wins), so the kernel must do the work
    while it handles the message: each message runs the coarse step before the handler
    returns (the kernel is busy meanwhile), and one full run follows the quiet spell after
    the last message, not one per message."""
    w = Quadratic(n=40)
    control = w.controls["lr"]

    async def drag():
        w.calls.clear()
        for v in (0.11, 0.12, 0.14):
            _from_page(control, v)
            assert w.calls[-1] == ("run", True) and w.state["lr"] == v
            await asyncio.sleep(w.REFINE_AFTER / 3)       # the next message, mid-drag
        assert w.calls == [("run", True)] * 3              # no refine while dragging
        np.testing.assert_allclose(w.results["run"][-1],
                                   (1 - 0.14 * np.array([1.0, 4.0])) ** 10)   # coarse: n/4
        await asyncio.sleep(w.REFINE_AFTER + 0.1)
        assert w.calls == [("run", True)] * 3 + [("run", False)]
        np.testing.assert_allclose(w.results["run"][-1],
                                   (1 - 0.14 * np.array([1.0, 4.0])) ** 40)   # full: n
    run_in_own_loop(drag)


def test_a_menu_or_checkbox_from_the_page_runs_in_full_at_once_without_a_refine():
    w = Quadratic(n=40)

    async def click():
        w.calls.clear()
        _from_page(w.controls["grid"], True)
        _from_page(w.controls["norm"], "log")
        assert w._refine_handle is None
        await asyncio.sleep(w.REFINE_AFTER + 0.1)
    run_in_own_loop(click)
    assert ("run", True) not in w.calls
    assert w.state["grid"] is True and w.state["norm"] == "log"


def test_a_refine_from_a_timer_tells_the_page_the_kernel_is_busy(monkeypatch):
    """No message is being handled when the refine after a drag runs: the kernel
    publishes busy before it and idle after it, under a parent no page request waits for."""
    from saddle_widgets.widgets import _base
    published = []

    class Session:
        def msg_header(self, msg_type):
            return {"msg_id": "refine-1", "msg_type": msg_type}

    class Kernel:
        session = Session()

        def _publish_status(self, status, channel, parent):
            published.append((status, parent["header"]["msg_id"], w.calls[-1:]))

    class Shell:
        kernel = Kernel()
    monkeypatch.setattr(_base, "in_live_kernel", lambda: True)
    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    w = Quadratic(n=40, canvas="agg")

    async def drag():
        w.calls.clear()
        _from_page(w.controls["lr"], 0.2)
        assert published == []                       # inside the message: its own status
        await asyncio.sleep(w.REFINE_AFTER + 0.1)
    run_in_own_loop(drag)
    assert published == [("busy", "refine-1", [("run", True)]),
                         ("idle", "refine-1", [("run", False)])]


# ---------------------------------------------------------------- moved from test_widget_base
@pytest.fixture
def widget():
    return Quadratic()


def test_state_round_trip_rebuilds_the_same_view(widget):
    widget.set_params(kappa=2.5, lr=0.23, n=33, norm="log")
    clone = Quadratic(**widget.state)
    assert clone.state == widget.state
    np.testing.assert_array_equal(np.asarray(clone.path.get_data()),
                                  np.asarray(widget.path.get_data()))


def test_reset_restores_defaults(widget):
    widget.set_params(kappa=3.0, n=50)
    widget.reset()
    assert widget.state == Quadratic.DEFAULTS


def test_programmatic_change_inside_a_loop_is_synchronous(widget):
    """A notebook cell that sets .value sees the new picture at once (no deferral)."""
    async def cell():
        widget.controls["n"].value = 5
        return len(widget.results["run"])
    run_in_own_loop(cell)
    assert len(widget.results["run"]) == 6


def test_blit_updates_pixels_without_a_full_draw(widget):
    fig = widget.figure("plane")
    before = np.asarray(fig.canvas.buffer_rgba()).copy()
    draws = []
    cid = fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    widget.controls["lr"].value = 0.3
    fig.canvas.mpl_disconnect(cid)
    after = np.asarray(fig.canvas.buffer_rgba())
    assert draws == []                     # the static layer was reused
    assert np.any(before != after)         # and the picture changed


def test_a_static_draw_redraws_its_figure_in_full(widget):
    draws = []
    widget.figure("loss").canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    widget.controls["n"].value = 50          # draw_loss (layer "static") sets the x limits
    assert len(draws) == 1 and widget.ax_loss.get_xlim() == (0, 50)


def test_png_includes_the_dynamic_layer(widget):
    png1 = widget.to_png()
    widget.controls["lr"].value = 0.3
    png2 = widget.to_png()
    assert png1[:8] == b"\x89PNG\r\n\x1a\n"
    assert png1 != png2


def test_mimebundle_has_widget_view_png_and_text(widget):
    import base64
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
    assert bundle["text/plain"].startswith("Quadratic(")
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,' + bundle["image/png"])
    assert "<pre>Quadratic(" in bundle["text/html"]


def test_a_quiet_live_widget_draws_nothing_more():
    """With ipympl canvases in a running loop, the picture of the last change is final:
    nothing is drawn again once the widget is quiet (every frame is whole, and a view that
    attaches gets the current one), so the kernel is free for the next change."""
    async def session():
        w = Quadratic(canvas="ipympl")
        draws, frames = [], []
        for fig in w.figures:
            fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e.canvas))
            fig.canvas.send = lambda content, buffers=None: frames.append(buffers)
        w.controls["lr"].value = 0.3       # the plane is blitted, the loss (static) drawn
        changed = len(draws), len([f for f in frames if f])
        await asyncio.sleep(w.REFINE_AFTER + 0.6)
        return changed, (len(draws), len([f for f in frames if f]))

    result = {}

    def target():
        result["v"] = asyncio.run(session())
    t = threading.Thread(target=target)
    t.start()
    t.join()
    changed, quiet = result["v"]
    assert changed == (1, 2) and quiet == changed


def test_a_resized_figure_is_drawn_in_full_not_blitted(widget):
    """A cached background of the old size must not be pasted into a resized canvas."""
    fig = widget.figure("plane")
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    fig.set_size_inches(5.0, 3.0)
    widget.controls["lr"].value = 0.3
    assert len(draws) == 1


def test_a_by_value_step_recomputes_its_dependents_only_when_its_result_changes():
    class Rounded(Quadratic):
        @step("kappa", by_value=True)
        def kappa_class(self, kappa):
            """κ rounded to an integer (hashable)."""
            return round(kappa)

        @step("kappa_class")
        def spectrum(self, kappa_class):
            self.calls.append("spectrum")
            return (1.0, float(kappa_class))

    w = Rounded(kappa=4.0)
    w.calls.clear()
    w.set_params(kappa=4.5)          # round(4.5) = 4: same result, the spectrum stays
    assert "spectrum" not in w.calls and w.results["kappa_class"] == 4
    w.set_params(kappa=6.0)
    assert w.calls.count("spectrum") == 1 and w.results["spectrum"] == (1.0, 6.0)


def test_coarse_results_do_not_evict_full_ones_from_the_cache():
    w = Quadratic(n=40)                              # run's cache holds 3
    w.set_params(lr=0.2)
    with w.dragging():                               # four coarse results, then one full
        for lr in (0.11, 0.12, 0.13, 0.14):
            w.controls["lr"].value = lr
    w.calls.clear()
    w.set_params(lr=0.2)                             # still cached at full quality
    assert w.calls == []


def test_a_late_page_echo_of_an_earlier_value_does_not_undo_a_change_from_code(widget):
    """Run All: a cell sets lr = 0.3 before the page has rendered the slider, which then
    sends back its first value (0.1 snapped to the grid) after the kernel's 0.3."""
    control = widget.controls["lr"]

    def send(value):                                    # a message from the page
        with control._lock_property(value=value):
            control.value = value

    async def session():
        widget._repr_mimebundle_()                      # displayed with lr = 0.1
        widget.set_params(lr=0.3)                       # the next cell, before the view renders
        send(0.1 + 1e-17)                               # the new view's first echo, of 0.1
        await asyncio.sleep(0)
        late = widget.state["lr"]
        send(0.25)                                      # a learner's real move applies
        await asyncio.sleep(0)
        moved = widget.state["lr"]
        send(0.1)                                       # and after it, 0.1 is a real value
        await asyncio.sleep(0)
        return late, moved, widget.state["lr"]
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("v", asyncio.run(session())))
    t.start()
    t.join()
    assert result["v"] == (0.3, 0.25, 0.1)
    assert control.value == 0.1


def test_a_dropped_late_echo_puts_the_kernels_value_back_on_the_slider(widget):
    """The slider that sent the late echo shows the value the widget uses, not its own."""
    control = widget.controls["lr"]

    async def session():
        widget._repr_mimebundle_()
        widget.set_params(lr=0.3)
        with control._lock_property(value=0.1 + 1e-17):
            control.value = 0.1 + 1e-17
        await asyncio.sleep(0)
        return widget.state["lr"], control.value
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("v", asyncio.run(session())))
    t.start()
    t.join()
    assert result["v"] == (0.3, 0.3)


def test_a_learners_first_tick_or_choice_is_never_taken_for_an_echo(widget):
    """Presets after the display set a checkbox and a menu back and forth; the learner's
    first click on each, to a value a preset had set, applies."""
    widget._repr_mimebundle_()
    widget.set_params(grid=True, norm="log")
    widget.set_params(grid=False, norm="linear")
    for name, value in (("grid", True), ("norm", "log")):
        control = widget.controls[name]
        _from_page(control, value)
        assert widget.state[name] == value, name


def test_a_value_sent_before_the_display_is_a_real_move_afterwards(widget):
    """A preset applied before display (lr 0.1 -> 0.19): the learner's move back to 0.1
    is a change, not an echo."""
    widget.apply_preset("ill-conditioned")
    widget._repr_mimebundle_()
    control = widget.controls["lr"]
    _from_page(control, 0.1)
    assert widget.state["lr"] == 0.1


def test_a_preset_says_which_locked_parameters_it_kept(widget):
    widget.lock("kappa")
    widget.apply_preset("ill-conditioned")
    assert widget.status_text.endswith("locked, kept: kappa = 4")
    widget.set_params(n=25)
    assert "locked" not in widget.status_text


def test_a_preset_note_leads_the_status_line_while_the_menu_shows_that_preset():
    class Noted(Quadratic):
        PRESET_NOTES = {"ill-conditioned": "κ = 10: the second coordinate oscillates"}

    w = Noted(canvas="agg")
    assert not w.status_text.startswith("κ = 10")
    w.apply_preset("ill-conditioned")
    assert w.status_text.startswith("κ = 10: the second coordinate oscillates · ")
    w.set_params(n=21)           # a change that the status line's inputs do not see either
    assert w.preset.value != "ill-conditioned"
    assert "oscillates" not in w.status_text
    with pytest.raises(TypeError, match="unknown presets"):
        type("Stray", (Quadratic,), {"PRESET_NOTES": {"nope": "x"}})


@pytest.mark.parametrize("name, bad", [
    ("kappa", "1"), ("kappa", None), ("kappa", [1.0]), ("kappa", 1j), ("kappa", True),
    ("kappa", 99.0), ("kappa", float("nan")), ("n", 4.5), ("n", "3"), ("n", True),
    ("grid", 1.0), ("grid", None), ("grid", "True"), ("norm", "no such"), ("norm", ["log"]),
])
def test_a_bad_value_assigned_to_a_control_is_a_value_error_and_a_status_sentence(name, bad):
    """No raw TraitError, no silent coercion ("1" -> 1.0) or clamping (99 -> 10): a
    ValueError naming the parameter, shown in the status line; the next good value clears
    it, and the state is unchanged meanwhile."""
    w = Quadratic(canvas="agg")
    state, text = w.state, w.status_text
    with pytest.raises(ValueError, match=name):
        w.controls[name].value = bad
    assert w.state == state and name in w.error and w.status_text.startswith(name)
    assert w.controls[name].value == state[name]
    w.controls["lr"].value = 0.1                  # a good value (unchanged): refusal over
    assert w.error is None and w.status_text == text


def test_numpy_scalars_are_accepted_for_their_python_kinds():
    w = Quadratic(canvas="agg", kappa=np.float64(2.0), n=np.int64(30), grid=np.bool_(True))
    assert w.state["kappa"] == 2.0 and type(w.state["n"]) is int and w.state["grid"] is True
    w.controls["grid"].value = np.bool_(False)
    assert w.state["grid"] is False


def test_an_integer_off_its_slider_grid_is_refused_not_snapped():
    class Stepped(Quadratic):
        PARAMS = {**Quadratic.PARAMS, "n": Int("steps", 20, 5, 200, step=5)}
    with pytest.raises(ValueError, match="n must be on the slider's grid 5, 10"):
        Stepped(canvas="agg", n=22)
    assert Stepped(canvas="agg", n=25).state["n"] == 25


def test_set_state_is_atomic_validate_all_then_apply():
    w = Quadratic(canvas="agg")
    state, text, run = w.state, w.status_text, w.results["run"]
    with pytest.raises(ValueError, match="n must be"):
        w.set_state(kappa=2.0, n=10**6)
    assert w.state == state and w.status_text == text and w.results["run"] is run
    w.set_state({"kappa": 2.0})                   # one dict of parameters works too
    assert w.state["kappa"] == 2.0
    with pytest.raises(ValueError, match="unknown parameter"):
        w.set_state({1: 2.0})


@pytest.mark.parametrize("door", [
    lambda w: w.apply_preset(["a"]), lambda w: w.apply_preset(None),
    lambda w: w.lock(["kappa"]), lambda w: w.lock(1), lambda w: w.figure([1]),
    lambda w: w.on(["run"], print), lambda w: w.on("run", 3),
    lambda w: w.add_figure("extra", "x", 3), lambda w: w.add_figure("extra", 3, 3, column=1.5),
    lambda w: w.set_state([1]),
])
def test_wrong_types_at_the_other_doors_are_value_errors(door):
    w = Quadratic(canvas="agg")
    with pytest.raises(ValueError):
        door(w)


def test_an_update_runs_blas_on_one_thread_and_gives_the_notebook_its_threads_back():
    """Inside an update (a step, a callback, the draw) every BLAS library threadpoolctl sees
    runs one thread; before and after, the notebook's own count holds."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        pytest.skip("no BLAS library loaded")
    with threadpoolctl.threadpool_limits(2, "blas"):
        before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        w = Quadratic(canvas="agg")
        seen = []
        w.on("run", lambda run: seen.append(
            [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]))
        w.set_params(kappa=2.0)
        assert seen[-1] == [1] * len(seen[-1]) and len(seen[-1]) >= 1
        after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert after == before
    w.close()


def test_a_full_draw_gives_back_the_rasterizer_memory_of_a_long_path():
    """Agg keeps the cells of the longest path a renderer drew for the renderer's life; a
    full draw of a widget starts on a fresh rasterizer, so after a long, wild path is
    replaced by a short one, the memory in use (glibc's mallinfo2) falls back, and the
    picture equals that of a widget that never drew the long path."""
    import ctypes
    import gc

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        pytest.skip("needs glibc's mallinfo2")

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
    mallinfo2.restype = Info

    def in_use_mib():
        gc.collect()
        m = mallinfo2()
        return (m.uordblks + m.hblkhd) / 2 ** 20

    w, fresh = Quadratic(canvas="agg"), Quadratic(canvas="agg")
    fig = w.figure("loss")
    before = in_use_mib()
    (x0, x1), (y0, y1) = w.ax_loss.get_xlim(), w.ax_loss.get_ylim()
    wild = np.random.default_rng(0).uniform(size=(4000, 2))
    w.loss_line.set_data(x0 + (x1 - x0) * wild[:, 0], y0 + (y1 - y0) * wild[:, 1])  # across the axes
    fig.stale = True
    w.redraw()
    grown = in_use_mib() - before
    assert grown > 10                                      # the cells of that path (23 MiB here)
    w.set_params(kappa=2.0)                                # a new loss curve: a full draw
    fresh.set_params(kappa=2.0)
    assert in_use_mib() - before < 0.2 * grown
    assert np.array_equal(w._canvas_images()["loss"], fresh._canvas_images()["loss"])
    w.close()
    fresh.close()


def _page_snap(value, lo, step):
    """The page's value for a slider position: lo + k·step in floats (0.6 -> 0.6000000000000001
    on a slider from -2 in steps of 0.05)."""
    return lo + round((value - lo) / step) * step


def test_stale_echoes_of_presets_applied_in_a_loop_after_the_display_are_dropped():
    """Tutorial 03 under Run All: a displayed widget runs through presets in a loop; the
    page answers each value with its own snapped echo, and all of them reach the kernel
    after the last cell. None of them is a move: the state stays the last preset's and the
    slider shows it."""
    class Grid(Quadratic):
        PARAMS = {**Quadratic.PARAMS,
                  "kappa": Float("curvature κ", 4.0, -2.0, 10.0, step=0.05, doc="second eigenvalue")}
        PRESETS = {f"κ = {k}": {"kappa": k} for k in (0.6, 2.15, 3.3, 0.15, 7.7)}

    w = Grid(canvas="agg")
    w._repr_mimebundle_()
    control = w.controls["kappa"]
    sent = [w.state["kappa"]]
    for name in [*Grid.PRESETS, *Grid.PRESETS][:9]:      # nine presets, echoes still due
        w.apply_preset(name)
        sent.append(w.state["kappa"])
    final = dict(w.state)
    echoes = [_page_snap(v, -2.0, 0.05) for v in sent if _page_snap(v, -2.0, 0.05) != v]
    assert len(echoes) >= 3                              # the page would echo these
    for value in echoes:
        _from_page(control, value)
        assert w.state == final and abs(control.value - final["kappa"]) < 1e-12, value
    _from_page(control, 1.0)                             # then a learner's move applies
    assert w.state["kappa"] == 1.0


def test_a_learners_move_to_a_value_a_preset_once_sent_exactly_applies():
    """Home on a slider after a preset had set that end exactly: the page never echoed an
    exact value, so the learner's move to it is a move (the imbalance c stuck at 0.25)."""
    w = Quadratic(canvas="agg")
    w._repr_mimebundle_()
    w.set_params(lr=0.01)               # a preset sets the slider's lower end exactly
    w.reset()                           # and back to 0.1
    _from_page(w.controls["lr"], 0.01)  # the learner presses Home
    assert w.state["lr"] == 0.01


def test_a_widget_built_with_a_presets_values_shows_that_preset():
    """``Cls(**Cls.PRESETS[name])`` is that preset: the menu shows it (and a changed value
    does not)."""
    w = Quadratic(**Quadratic.PRESETS["ill-conditioned"])
    assert w.preset.value == "ill-conditioned"
    assert Quadratic(kappa=10.0, lr=0.2).preset.value == "(custom)"
    assert Quadratic().preset.value == "(custom)"
