"""The static page of every widget (``w.to_html(path, sweep=...)``) works offline in Chromium:
it loads from a file:// URL with every network request blocked, moving a slider with the
keyboard swaps the picture for that value's frame, and the picture shown is, byte for byte,
the PNG the widget renders for that state (``w.to_png(colors=256)``)."""
from __future__ import annotations

import base64

import pytest

import _lab
from saddle_widgets.widgets._docs import widget_classes

CLASSES = widget_classes()
PREFIX = "data:image/png;base64,"


def small_sweep(cls):
    """The first float parameter with fixed bounds: the default and a slider step either
    side (cheap states the widget is built for)."""
    name, p = next((n, p) for n, p in cls.PARAMS.items() if p.kind == "float"
                   and not isinstance(p.lo, str) and not isinstance(p.hi, str))
    values = [float(f"{v:.12g}") for v in (p.default - p.step, p.default, p.default + p.step)]
    return name, [v for v in values if p.lo <= v <= p.hi]


def offline_page(browser, url):
    """A page on which every request but the file itself is aborted (and recorded)."""
    page = _lab.new_page(browser, viewport=(1366, 768))
    page.requests, page.blocked = [], []
    page.on("request", lambda r: page.requests.append(r.url))

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            page.blocked.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    return page


def shown(page) -> tuple[int, bytes]:
    """(frame index, PNG bytes) of the picture on the page; it must have decoded."""
    page.wait_for_function("() => { const i = document.getElementById('frame');"
                           " return i.complete && i.naturalWidth > 0; }", timeout=10_000)
    src = page.get_attribute("#frame", "src")
    assert src.startswith(PREFIX), src[:60]
    return int(page.get_attribute("#frame", "data-frame")), base64.b64decode(src[len(PREFIX):])


@pytest.mark.parametrize("cls", CLASSES, ids=[c.__name__ for c in CLASSES])
def test_the_static_page_works_offline_and_shows_the_widgets_frames(cls, browser, tmp_path,
                                                                    shots, record):
    w = cls(canvas="agg")
    name, values = small_sweep(cls)
    path = tmp_path / f"{cls.__name__}.html"
    result = w.to_html(path, sweep={name: values})
    url = path.as_uri()
    start = values.index(w.state[name]) if w.state[name] in values else 0
    page = offline_page(browser, url)
    try:
        page.goto(url, wait_until="load")
        index, png = shown(page)
        w.set_params(**{name: values[index]})
        assert index == start and png == w.to_png(colors=256)
        page.screenshot(path=str(shots / "0-loaded.png"), full_page=True)
        slider = page.locator("#slider-0")
        slider.focus()
        seen = {index}
        for key in ["End", "Home"] + ["ArrowRight"] * (len(values) - 1):
            before = index
            page.keyboard.press(key)
            index, png = shown(page)
            expected = {"End": len(values) - 1, "Home": 0}.get(key, before + 1)
            assert index == expected, f"{key}: frame {index}, expected {expected}"
            assert slider.input_value() == str(index)
            w.set_params(**{name: values[index]})
            assert png == w.to_png(colors=256), f"{name} = {values[index]}: not the widget's PNG"
            assert page.inner_text("#status") == w.status_text.strip()
            assert page.inner_text("#value-0") == page.evaluate("DATA.labels[0][%d]" % index)
            seen.add(index)
        page.screenshot(path=str(shots / "1-after-keys.png"), full_page=True)
        assert seen == set(range(len(values)))
        assert page.requests == [url], f"requests besides the file: {page.requests}"
        assert not page.blocked and not page.console_errors, (page.blocked, page.console_errors)
        record(widget=cls.__name__, swept=name, values=values, frames=result.frames,
               bytes=result.bytes)
    finally:
        page.context.close()
        w.close()


def test_two_sliders_pick_the_frame_of_both_values(browser, tmp_path, shots):
    """A two-parameter page: the second slider moves within the row of the first."""
    from saddle_widgets import GradientFlowExplorer
    w = GradientFlowExplorer(canvas="agg")
    sweep = {"imbalance": [0.25, 4.0], "x0": [0.05, 0.5, 1.0]}
    path = tmp_path / "two.html"
    w.to_html(path, sweep=sweep)
    page = offline_page(browser, path.as_uri())
    try:
        page.goto(path.as_uri(), wait_until="load")
        assert shown(page)[0] == 0                 # the widget's state: (0.25, 0.05)
        page.locator("#slider-0").focus()
        page.keyboard.press("ArrowRight")           # imbalance 4.0
        page.locator("#slider-1").focus()
        page.keyboard.press("End")                  # x0 1.0
        index, png = shown(page)
        assert index == 1 * 3 + 2
        w.set_params(imbalance=4.0, x0=1.0)
        assert png == w.to_png(colors=256)
        assert "imbalance=4.0" in page.inner_text("#code")
        page.screenshot(path=str(shots / "two-sliders.png"), full_page=True)
        assert not page.blocked and not page.console_errors
    finally:
        page.context.close()
        w.close()


def test_play_steps_a_slider_round_and_round_until_paused(browser, tmp_path):
    from saddle_widgets import GradientFlowExplorer
    w = GradientFlowExplorer(canvas="agg")
    path = tmp_path / "play.html"
    w.to_html(path, sweep={"imbalance": [0.25, 1.0, 4.0]})
    w.close()
    page = offline_page(browser, path.as_uri())
    try:
        page.goto(path.as_uri(), wait_until="load")
        assert shown(page)[0] == 0
        page.click("#play-0")
        assert "pause" in page.inner_text("#play-0")
        seen = []
        for expected in (1, 2, 0):                 # 0.4 s a step, and back to the start
            page.wait_for_function(f"() => document.getElementById('frame').dataset.frame"
                                   f" === '{expected}'", timeout=10_000, polling=50)
            # one look at frame, picture and slider (the next step may come any time)
            frame, src, value, image = page.evaluate("""() => {
                const f = document.getElementById('frame');
                const k = Number(f.dataset.frame);
                return [k, f.src, document.getElementById('slider-0').value,
                        DATA.images[DATA.frames[k][0]]];
            }""")
            assert src == PREFIX + image and value == str(frame)
            seen.append(expected)
        assert seen == [1, 2, 0]
        page.click("#play-0")
        assert "play" in page.inner_text("#play-0")
        index = shown(page)[0]
        page.wait_for_timeout(1000)
        assert shown(page)[0] == index, "the slider moved after pause"
        assert not page.blocked and not page.console_errors
    finally:
        page.context.close()
