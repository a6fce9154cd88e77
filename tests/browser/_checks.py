"""The checks made on one rendered widget, shared by the JupyterLab, Voilà and Binder tests.

``check_widget`` returns a dict of facts and a list of problems (empty when all is well);
tests assert on the problems so that one run reports everything that is wrong.
"""
from __future__ import annotations

from pathlib import Path

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:        # collected without playwright: conftest skips (or fails) the tests
    PlaywrightTimeout = TimeoutError

import _lab

RENDER_TIMEOUT = 90      # s: first picture of a widget (kernel busy with later cells, CI)
CHANGE_TIMEOUT = 20      # s: a slider step or a click to a new picture


def check_rendered(page, root, folder: Path, name: str) -> tuple[dict, list[str]]:
    """The widget shows no placeholder or error, has ipympl canvases, and each canvas
    shows a picture (a size, not blank, settled)."""
    problems = []
    facts: dict = {}
    try:
        snap = _lab.wait_rendered(page, root, timeout=RENDER_TIMEOUT)
        facts["canvases"] = [f"{s['w']}x{s['h']}" for s in snap]
        facts["rendered"] = True
    except PlaywrightTimeout:
        snap = _lab.snapshot(page, root)
        facts["canvases"] = [f"{s['w']}x{s['h']} ink={s['ink']:.3f}" for s in snap]
        facts["rendered"] = False
        problems.append(f"{name}: canvases did not render within {RENDER_TIMEOUT} s "
                        f"({facts['canvases'] or 'no ipympl canvas'})")
    errors = _lab.widget_text_errors(root)
    if errors:
        facts["rendered"] = False
        problems.append(f"{name}: the output shows {errors}")
    _lab.screenshot(root, folder, f"{name}-0-rendered")
    return facts, problems


def check_sliders(page, root, folder: Path, name: str, *, every: bool = True
                  ) -> tuple[dict, list[str]]:
    """Keyboard on each visible, enabled slider (only the first, ``every=False``): its
    readout moves and some canvas of the widget shows a new picture."""
    problems = []
    tried = {}
    controls = _lab.sliders(root)
    changed_any = False
    for k, slider in enumerate(controls):
        _lab.wait_quiet(page, root)
        before = _lab.snapshot(page, root)
        old, new = _lab.press_slider(page, slider)
        if old == new:
            tried[slider.label] = "readout did not move"
            problems.append(f"{name}: slider {slider.label!r} did not move with the keyboard")
            continue
        try:
            hit = _lab.wait_picture_change(page, root, before, timeout=CHANGE_TIMEOUT)
            tried[slider.label] = (f"{old} -> {new}: canvas {hit['canvas']} changed "
                                   f"after {hit['latency_ms']:.0f} ms")
            changed_any = True
        except PlaywrightTimeout:
            tried[slider.label] = f"{old} -> {new}: no canvas changed within {CHANGE_TIMEOUT} s"
            problems.append(f"{name}: slider {slider.label!r} {old} -> {new} changed no canvas")
        _lab.screenshot(root, folder, f"{name}-1-slider-{k}")
        if not every:
            break
    facts = {"sliders": tried, "slider_changed_picture": changed_any if controls else None}
    return facts, problems


def check_clicks(page, root, figures: list[dict], folder: Path, name: str
                 ) -> tuple[dict, list[str]]:
    """A click inside the clickable axes (a phase plane or landscape: the widget base
    connected a click handler to that figure) changes the picture."""
    clickable = [i for i, f in enumerate(figures) if f["clickable"]]
    if not clickable:
        return {"click_changed_picture": None}, []
    problems, tried = [], {}
    canvases = root.locator(_lab.CANVAS)
    sizes = [tuple(map(int, c)) for c in canvases.evaluate_all("cs => cs.map(c => [c.width, c.height])")]
    changed = {}
    for i in clickable:
        fig = figures[i]
        want = (fig["size"][0], fig["size"][1])
        fits = [k for k, s in enumerate(sizes)
                if abs(s[0] - want[0]) <= 1.5 and abs(s[1] - want[1]) <= 1.5]
        # the figure's canvas: same position in the layout as in w.figures, else same size
        j = i if i in fits else (fits[0] if fits else None)
        if j is None:
            problems.append(f"{name}: no canvas of size {want} for clickable figure {i} ({sizes})")
            continue
        target = canvases.nth(j).locator("xpath=..")   # the canvas div: the top canvas
        changed[i] = False
        for x, y in _lab.click_points(fig):
            _lab.wait_quiet(page, root)
            before = _lab.snapshot(page, root)
            target.scroll_into_view_if_needed()
            target.click(position={"x": x, "y": y})
            try:
                hit = _lab.wait_picture_change(page, root, before, timeout=CHANGE_TIMEOUT)
                tried[f"figure {i} at ({x:.0f}, {y:.0f})"] = (
                    f"canvas {hit['canvas']} changed after {hit['latency_ms']:.0f} ms")
                changed[i] = True
                break
            except PlaywrightTimeout:
                tried[f"figure {i} at ({x:.0f}, {y:.0f})"] = "no change"
        _lab.screenshot(root, folder, f"{name}-2-click-figure-{i}")
        if not changed[i]:
            problems.append(f"{name}: clicking figure {i} changed nothing: {tried}")
    return {"clicks": tried, "click_changed_picture": all(changed.values()) if changed else False}, problems
