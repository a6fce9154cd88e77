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


# ----------------------------------------------------------------------------- to_html
import base64  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

from saddle_widgets import export  # noqa: E402


def page_data(text: str) -> dict:
    """The page's embedded data: slider sizes and labels, pictures, frames."""
    match = re.search(r"const DATA = (\{.*?\});\n", text, re.S)
    assert match, "no DATA in the page"
    return json.loads(match.group(1))


def frame_png(data: dict, k: int) -> bytes:
    return base64.b64decode(data["images"][data["frames"][k][0]])


def neighbours(cls):
    """A cheap one-parameter sweep of ``cls``: its first float parameter at the default
    and one slider step either side (within the range)."""
    name, p = next((n, p) for n, p in cls.PARAMS.items() if p.kind == "float"
                   and not isinstance(p.lo, str) and not isinstance(p.hi, str))
    values = [v for v in (p.default - p.step, p.default, p.default + p.step)
              if p.lo <= v <= p.hi]
    if len(values) < 3:
        values = [p.default, p.default + (2 if p.default - p.step < p.lo else -2) * p.step]
    return name, [float(f"{v:.12g}") for v in values]


@pytest.fixture(scope="module", params=CLASSES, ids=IDS)
def exported(request, tmp_path_factory):
    """(widget, sweep, export result, page text, state before) for a 3-value sweep."""
    cls = request.param
    w = cls(canvas="agg")
    before = (w.state, w.preset.value, w.status_text, w.to_png())
    name, values = neighbours(cls)
    path = tmp_path_factory.mktemp("html") / f"{cls.__name__}.html"
    result = w.to_html(path, sweep={name: values})
    yield w, (name, values), result, path.read_text(encoding="utf-8"), before
    w.close()


RESOURCE = re.compile(r"""(?:\bsrc\s*=|<link\b[^>]*\bhref\s*=|url\(|@import|\bimport\s*\(|
                          \bfetch\s*\(|XMLHttpRequest|<iframe|<object|<embed)""", re.X | re.I)


def test_the_page_is_self_contained(exported):
    """Nothing on the page loads from elsewhere: every src is a data: URI, no stylesheet,
    script file, font, frame or fetch; the only http(s) address is the link to the live
    widget (an <a> the reader may click), and the page's CSP forbids any other load."""
    w, _, _, text, _ = exported
    for m in re.finditer(r"\bsrc\s*=\s*\"([^\"]*)\"", text):
        assert m.group(1).startswith("data:image/png;base64,"), m.group(0)[:80]
    assert not re.search(r"<link\b|<iframe|<object|<embed|url\(|@import|fetch\(|"
                         r"XMLHttpRequest|<script[^>]*\bsrc", text, re.I)
    anchors = re.findall(r"<a\b[^>]*\bhref=\"([^\"]*)\"", text)
    assert anchors == [export.BINDER_URL.replace("&", "&amp;")]
    others = set(re.findall(r"https?://[^\s\"<>]+", text)) - {export.BINDER_URL}
    assert not others, f"http(s) addresses besides the live link: {others}"
    assert "default-src 'none'; img-src data:" in text
    assert "precomputed" in text and "Binder" in text


def test_the_page_has_one_frame_per_value_and_a_slider(exported):
    w, (name, values), result, text, _ = exported
    data = page_data(text)
    assert result.frames == len(data["frames"]) == len(values) == data["sizes"][0]
    assert result.images == len(data["images"]) <= len(values)
    assert text.count('type="range"') == 1 and f'max="{len(values) - 1}"' in text
    assert result.bytes == len(text.encode("utf-8"))


def test_each_frame_is_the_widgets_png_for_that_state(exported):
    """Frame k is byte for byte ``w.to_png(colors=256)`` with the swept parameter at its
    k-th value (set on the same widget afterwards), and within palette error of the
    lossless PNG; its status is the widget's status line."""
    w, (name, values), _, text, before = exported
    data = page_data(text)
    try:
        for k, value in enumerate(values):
            w.set_params(**{name: value})
            assert frame_png(data, k) == w.to_png(colors=256), f"{name} = {value}"
            assert data["frames"][k][1] == w.status_text
            error = np.abs(decode(frame_png(data, k)).astype(int) - decode(w.to_png()))
            assert error.mean() < 2 and np.percentile(error.max(axis=-1), 99) < 16
    finally:
        w.set_params(**before[0])


def test_the_widget_state_is_restored(exported):
    w, _, _, _, (state, preset, status_text, png) = exported
    assert (w.state, w.preset.value, w.status_text) == (state, preset, status_text)
    assert w.to_png() == png


def test_a_fresh_widget_in_a_frames_state_draws_that_frame():
    """What a learner sees opening the live widget with the frame's "In code" line is the
    frame (the same picture, within the palette's rounding)."""
    from saddle_widgets import GradientFlowExplorer
    w = GradientFlowExplorer(canvas="agg")
    plan_axes, planned = export.plan(w, {"imbalance": [0.5, 4.0]})
    frames = export.render(w, planned)
    fresh = GradientFlowExplorer(canvas="agg", **frames[1].state)
    assert frames[1].state["imbalance"] == 4.0
    assert differing(decode(frames[1].png), decode(fresh.to_png(colors=256))) <= FRACTION
    w.close()
    fresh.close()


def test_two_parameters_run_row_by_row_and_a_preset_sweep_applies_presets(tmp_path):
    """Frame i·n₁ + j has the first parameter at its i-th value and the second at its j-th
    (the page's slider arithmetic); a preset frame is the widget after apply_preset, note
    and all."""
    from saddle_widgets import MatrixFlowExplorer as M
    w = M(canvas="agg")
    name, values = neighbours(M)
    other = next(n for n, p in M.PARAMS.items() if p.kind == "bool")
    axes, planned = export.plan(w, {name: values, other: [False, True]})
    assert [(t.state[name], t.state[other]) for t in planned] == \
        [(v, b) for v in values for b in (False, True)]
    presets = list(M.PRESETS)[:2]
    result = w.to_html(tmp_path / "p.html", sweep={"preset": presets})
    data = page_data((tmp_path / "p.html").read_text(encoding="utf-8"))
    assert data["labels"] == [presets] and result.frames == 2
    for k, preset in enumerate(presets):
        w.apply_preset(preset)
        assert data["frames"][k][1] == w.status_text
        assert frame_png(data, k) == w.to_png(colors=256)
    w.close()


@pytest.mark.parametrize("sweep, message", [
    ({"nope": [1, 2]}, "unknown parameter 'nope'"),
    ({"imbalance": [1.0]}, "at least two values"),
    ({"imbalance": [1.0, 99.0]}, "imbalance must be between"),
    ({"imbalance": "1,2"}, "must be a list of values"),
    ({"imbalance": [1.0, 1.0]}, "lists a value twice"),
    ({"imbalance": [0.0, 1.0], "target": [0.1 * k for k in range(-10, 11)],
      "depth": [2, 3]}, "one or two parameter names"),
    ({}, "one or two parameter names"),
    ({"imbalance": list(np.linspace(0, 36, 21)), "target": list(np.linspace(-2, 2, 21))},
     "21 × 21 = 441 frames, more than 400"),
    ({"preset": ["no such preset", "Fig. 3 left: linear, four equivalent regions"]},
     "unknown preset"),
], ids=["unknown", "one value", "out of range", "not a list", "twice", "three names", "empty",
        "too many frames", "unknown preset"])
def test_bad_sweeps_are_a_valueerror_saying_what_to_fix(sweep, message, tmp_path):
    from saddle_widgets import GradientFlowExplorer
    w = GradientFlowExplorer(canvas="agg")
    state = w.state
    with pytest.raises(ValueError, match=re.escape(message)):
        w.to_html(tmp_path / "x.html", sweep=sweep)
    assert w.state == state and not (tmp_path / "x.html").exists()
    with pytest.raises(ValueError, match="colors must be None"):
        w.to_html(tmp_path / "x.html", sweep={"imbalance": [1.0, 2.0]}, colors=1)
    with pytest.raises(ValueError, match="folder"):
        w.to_html(tmp_path / "no" / "x.html", sweep={"imbalance": [1.0, 2.0]})
    w.close()


# ----------------------------------------------------------------------------- command line
def test_the_command_line_writes_a_page(tmp_path, capsys):
    out = tmp_path / "gf.html"
    assert export.main(["GradientFlowExplorer", "--sweep", "imbalance=0:2:3",
                        "--set", "x0=0.1", "--set", "cost=quadratic", "-o", str(out),
                        "--quiet"]) == 0
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["labels"] == [["0.00", "1.00", "2.00"]]
    assert data["frames"][2][4] == "GradientFlowExplorer(imbalance=2.0, x0=0.1)"
    assert "wrote" in capsys.readouterr().out


def test_the_command_line_explains_itself_and_its_errors(capsys):
    with pytest.raises(SystemExit) as done:
        export.main(["--help"])
    assert done.value.code == 0 and "--sweep" in capsys.readouterr().out
    for argv, message in [(["Nope", "--sweep", "a=1,2", "-o", "x.html"], "unknown widget"),
                          (["GradientFlowExplorer", "--sweep", "imbalance=a,b", "-o", "x.html"],
                           "imbalance must be a number"),
                          (["GradientFlowExplorer", "--sweep", "depth=2:5:3", "-o", "x.html"],
                           "depth is an integer"),
                          (["GradientFlowExplorer", "--sweep", "mirror=maybe,true", "-o",
                            "x.html"], "mirror must be true or false")]:
        with pytest.raises(SystemExit) as done:
            export.main(argv)
        assert done.value.code == 2 and message in capsys.readouterr().err


def test_slider_readouts_tell_every_value_apart(tmp_path):
    """Readouts use the control's format (two decimals here) unless two values would read
    alike: then every digit."""
    w = _Glow(canvas="agg")
    w.to_html(tmp_path / "a.html", sweep={"slope": [0.1, 0.5]})
    assert page_data((tmp_path / "a.html").read_text())["labels"] == [["0.10", "0.50"]]
    w.to_html(tmp_path / "b.html", sweep={"slope": [0.1, 0.101, 0.5]})
    assert page_data((tmp_path / "b.html").read_text())["labels"] == [["0.1", "0.101", "0.5"]]
    w.close()


def test_a_combination_out_of_range_names_both_values():
    """A bound that depends on another parameter is checked per frame: the training-step
    cursor may not pass the number of training steps."""
    from saddle_widgets import PCLandscapeExplorer
    w = PCLandscapeExplorer(canvas="agg")
    export.plan(w, {"train_steps": [20, 30], "step": [0, 15]})        # every pair legal
    with pytest.raises(ValueError, match=r"at train_steps = 10, step = 15: step must be"):
        export.plan(w, {"train_steps": [10, 20], "step": [0, 15]})
    with pytest.raises(ValueError, match=r"sweep\['lr'\]: lr must be between 0.01 and 1.5"):
        export.plan(w, {"preset": list(w.PRESETS)[:2], "lr": [0.1, 99.0]})
    w.close()


def test_ipympl_canvases_export_the_same_png_as_agg():
    """In a live kernel the canvases are ipympl's (Agg underneath): the same picture."""
    from saddle_widgets import MatrixFlowExplorer
    live, agg = MatrixFlowExplorer(canvas="ipympl"), MatrixFlowExplorer(canvas="agg")
    assert live.to_png() == agg.to_png()
    assert live.to_png(colors=256) == agg.to_png(colors=256)
    live.close()
    agg.close()
