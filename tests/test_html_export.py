"""Static output of the widgets: ``w.to_png()`` is the live canvas, pixel for pixel, and
``w.to_html(path, sweep=...)`` (saddle_widgets.export) writes one self-contained page whose
frames are the widget's own PNGs for each swept state.

The live canvas of a figure is its Agg buffer after ``fig.canvas.draw()``: the static layer,
then the backdrop and moving layers painted once over it (the base's draw hook). matplotlib
draws animated artists itself while saving; the hook must not paint them a second time.
"""
from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.image import imread

from saddle_widgets.widgets import Explorer, Fig, Float, draw, step
from saddle_widgets.widgets._base import _stack
from saddle_widgets.widgets._docs import widget_classes

CLASSES = widget_classes()
IDS = [c.__name__ for c in CLASSES]
#: antialiasing tolerance: a pixel "differs" by more than this (0-255 per channel) ...
LEVELS = 2
#: ... and at most this fraction of the pixels may differ (double painting: 52 %)
FRACTION = 0.002


def decode(png: bytes) -> np.ndarray:
    """RGB uint8 pixels of a PNG (any colour type matplotlib reads)."""
    image = imread(io.BytesIO(png), format="png")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    image = image[..., :3]
    return np.round(image * 255).astype(np.uint8) if image.dtype != np.uint8 else image


def live_canvas(w: Explorer) -> np.ndarray:
    """Each figure drawn in full on its canvas (as the front end's full frame), stacked in
    the widget's columns: what a live kernel shows."""
    images = {}
    for name, fig in w._figs.items():
        fig.canvas.draw()
        images[name] = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    return _stack([_stack([images[n] for n in col], axis=0) for col in w._columns], axis=1)


def differing(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of pixels whose largest channel difference exceeds LEVELS."""
    assert a.shape == b.shape, f"image sizes differ: {a.shape} vs {b.shape}"
    return float(np.mean(np.abs(a.astype(int) - b.astype(int)).max(axis=-1) > LEVELS))


# ----------------------------------------------------------------------------- to_png
@pytest.fixture(scope="module", params=CLASSES, ids=IDS)
def built(request):
    w = request.param(canvas="agg")
    yield w
    w.close()


def test_exported_png_equals_the_live_canvas_in_the_default_state(built):
    """The PNG is the live canvas within antialiasing: the moving layers painted once (before
    the fix, the gradient-flow phase plane differed in 52 % of its pixels)."""
    png = built.to_png()
    assert differing(decode(png), live_canvas(built)) <= FRACTION


def test_exported_png_equals_the_live_canvas_after_a_preset(built):
    """After a preset the canvases were blitted (moving layers over a cached background):
    the PNG still equals a full draw of every canvas."""
    built.apply_preset(next(iter(built.PRESETS)))
    try:
        assert differing(decode(built.to_png()), live_canvas(built)) <= FRACTION
    finally:
        built.reset()


class _Glow(Explorer):
    """One figure, a thick translucent moving line over a grey static layer: painting it twice
    makes the line visibly darker."""

    PARAMS = {"slope": Float("slope a", 0.5, -2.0, 2.0, step=0.1)}
    FIGURES = {"plane": Fig(2.0, 2.0)}

    def build_plane(self, fig):
        ax = fig.add_subplot()
        ax.set(xlim=(-1, 1), ylim=(-1, 1), facecolor="0.8")
        (self.line,) = ax.plot([], [], lw=12, alpha=0.4, color="k", zorder=5)
        self.animate(fig, [self.line])

    @step("slope")
    def ys(self, slope):
        return slope * np.linspace(-1, 1, 5)

    @draw("plane", "ys")
    def draw_line(self, ys):
        self.line.set_data(np.linspace(-1, 1, 5), ys)


def test_savefig_paints_a_translucent_moving_line_once():
    """``fig.savefig`` (matplotlib draws the animated line itself while saving) equals the
    live canvas: the draw hook does not paint the line again (alpha 0.4 twice is 0.64)."""
    w = _Glow(canvas="agg")
    fig = w.figure("plane")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    assert differing(decode(buf.getvalue()), live_canvas(w)) <= FRACTION
    assert differing(decode(w.to_png()), live_canvas(w)) == 0.0
    w.close()


def test_the_png_follows_a_change_of_a_moving_artist():
    """A slope change is blitted (no full draw): the PNG shows the new line, not the old."""
    w = _Glow(canvas="agg")
    before = decode(w.to_png())
    w.set_params(slope=-1.5)
    after = decode(w.to_png())
    assert differing(before, after) > 0.01
    assert differing(after, live_canvas(w)) == 0.0
    w.close()
