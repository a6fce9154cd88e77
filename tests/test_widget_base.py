"""The widget base: state round trip, presets, errors in the status line, coalescing of
front-end events, blitting, and the static PNG. Exercised through the gradient-flow widget."""
import asyncio
import base64
import threading

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

from saddle_widgets.widgets import GradientFlowExplorer
from saddle_widgets.widgets._base import Explorer


def run_in_own_loop(coroutine_function):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread, and a kernel has one too."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine_function())
        except BaseException as exc:          # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def widget():
    return GradientFlowExplorer()


def test_state_round_trip_rebuilds_the_same_view(widget):
    widget.set_state(imbalance=1.5, x0=-0.4, depth=3, cost="log-cosh")
    clone = GradientFlowExplorer(**widget.state)
    assert clone.state == widget.state
    np.testing.assert_allclose(np.asarray(clone.trajectory.get_data()),
                               np.asarray(widget.trajectory.get_data()))


def test_unknown_parameter_is_a_clear_value_error():
    with pytest.raises(ValueError, match="unknown parameter"):
        GradientFlowExplorer(imbalence=1.0)
    with pytest.raises(ValueError, match="between"):
        GradientFlowExplorer(imbalance=100.0)
    with pytest.raises(ValueError, match="must be one of"):
        GradientFlowExplorer(cost="hinge")


def test_reset_restores_defaults(widget):
    widget.set_state(imbalance=3.0, depth=4)
    widget.reset()
    assert widget.state == GradientFlowExplorer.DEFAULTS


def test_preset_dropdown_applies_preset_and_a_control_change_returns_to_custom(widget):
    widget.preset.value = "large imbalance (fast)"
    assert widget.state["imbalance"] == 4.0
    assert widget.error is None
    widget.controls["x0"].value = 0.5
    assert widget.preset.value == "(custom)"
    assert widget.state["imbalance"] == 4.0      # leaving the preset keeps its values


def click(widget, w1, w2):
    """A real left click at data point (w1, w2) of the phase plane, through matplotlib."""
    fig = widget.figures[0]
    fig.canvas.draw()
    x, y = widget.ax_phase.transData.transform((w1, w2))
    event = MouseEvent("button_press_event", fig.canvas, x, y, button=1)
    fig.canvas.callbacks.process("button_press_event", event)


def test_click_sets_the_start_of_the_trajectory(widget):
    click(widget, -1.2, 0.4)
    a, b = widget.trajectory.get_data()
    assert (a[0], b[0]) == pytest.approx((-1.2, 0.4), abs=0.02)
    assert widget.state["mirror"] is True


def test_bad_click_shows_a_message_in_the_status_line_not_a_traceback(widget):
    click(widget, 2.4, 2.4)                  # x = 5.8 is beyond the x0 slider
    assert widget.error is not None and "click closer" in widget.error
    assert "⚠" in widget.status.value
    click(widget, 0.5, 0.5)
    assert widget.error is None and "⚠" not in widget.status.value


def test_front_end_drag_is_coalesced_latest_value_wins(widget):
    """Events from the browser (property lock held) inside a running loop are merged:
    many slider messages give one update, and it uses the last value."""
    calls = []
    original = widget._update

    def counting(changed, coarse):
        calls.append((set(changed), coarse, widget.controls["x0"].value))
        return original(changed, coarse)

    widget._update = counting
    control = widget.controls["x0"]

    async def drag():
        for v in (0.1, 0.2, 0.3, 0.4):
            with control._lock_property(value=v):
                control.value = v
        assert calls == []                 # nothing ran yet: all four are pending
        await asyncio.sleep(0)             # the event loop runs the scheduled flush
        assert calls == [({"x0"}, True, 0.4)]
        await asyncio.sleep(widget.REFINE_AFTER + 0.1)   # the full-quality redraw follows

    run_in_own_loop(drag)
    assert calls[-1][1] is False
    assert len(calls) == 2


def test_programmatic_change_inside_a_loop_is_synchronous(widget):
    """A notebook cell that sets .value sees the new picture at once (no deferral)."""
    async def cell():
        widget.controls["imbalance"].value = 2.0
        return float(widget.result.conserved[0])
    assert run_in_own_loop(cell) == pytest.approx(2.0)


def test_blit_updates_pixels_without_a_full_draw(widget):
    fig = widget.figures[0]
    before = np.asarray(fig.canvas.buffer_rgba()).copy()
    draws = []
    cid = fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    widget.controls["x0"].value = -0.7
    fig.canvas.mpl_disconnect(cid)
    after = np.asarray(fig.canvas.buffer_rgba())
    assert draws == []                     # the static layer was reused
    assert np.any(before != after)         # and the picture changed


def test_png_includes_the_dynamic_layer(widget):
    png1 = widget.to_png()
    widget.controls["x0"].value = -1.0
    png2 = widget.to_png()
    assert png1[:8] == b"\x89PNG\r\n\x1a\n"
    assert png1 != png2


def test_mimebundle_has_widget_view_png_and_text(widget):
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"
    assert bundle["text/plain"].startswith("GradientFlowExplorer(")
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,' + bundle["image/png"])
    assert "<pre>GradientFlowExplorer(" in bundle["text/html"]


def test_explorer_requires_a_control_per_default():
    class Broken(Explorer):
        DEFAULTS = {"a": 1}

        def _make_controls(self):
            return {}

    with pytest.raises(TypeError, match="no control"):
        Broken()


def test_live_kernel_settles_with_one_full_frame_per_canvas():
    """With ipympl canvases in a running loop, a full draw of every canvas follows the last
    change (a browser that dropped a frame gets a complete picture again)."""
    async def session():
        w = GradientFlowExplorer(canvas="ipympl")
        draws = []
        for fig in w.figures:
            fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e.canvas))
        w.controls["imbalance"].value = 1.5          # programmatic: blitted at once
        blitted = len(draws)
        await asyncio.sleep(w.REFINE_AFTER + 0.4)
        return blitted, draws

    blitted, draws = run_in_own_loop(session)
    assert blitted == 0
    assert len(draws) == 3 and len({id(c) for c in draws}) == 3


def test_a_resized_figure_is_drawn_in_full_not_blitted(widget):
    """A cached background of the old size must not be pasted into a resized canvas."""
    fig = widget.figures[1]
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda e: draws.append(e))
    fig.set_size_inches(5.0, 3.0)
    widget.controls["cursor"].value = 0.3
    assert len(draws) == 1
