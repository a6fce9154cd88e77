"""A held arrow key on a slow control of every widget, in JupyterLab in Chromium (issue 14).

Each widget is built in the slowest corner the corner search (benchmarks/corners.py) found
for it, and an arrow key is held on a control whose every step recomputes the expensive
part (for the gradient-flow explorer the issue's own reproduction: log-cosh cost, deep
chain, long horizon, the x0 slider). While the key is held the page must show the kernel
busy (the work is done while the message is handled, so ipywidgets' one-message-at-a-time
throttle and the busy indicator tell the truth), and after key-up the value the slider
shows last is the one the kernel holds and has drawn at full quality: the status line on
the page is the kernel's, and the canvas buffers equal those of a fresh explorer built at
that state. Recorded in screenshots/results.json: how long the kernel showed busy, and
the time from key-up to the last change of picture (the issue's budget: 2 s).
"""
from __future__ import annotations

import json
import time

import pytest

import _lab

#: (explorer, its slowest corner as constructor arguments, the control held, the key)
SLOW = {
    # the issue wrote imbalance=-6.0: the signed imbalance is now (imbalance, branch)
    "GradientFlowExplorer": ("cost='log-cosh', target=-2.0, imbalance=6.0, branch='w2² > w1²', "
                             "x0=-2.18, horizon=40.0, depth=6", "x0", "ArrowRight"),
    "MatrixFlowExplorer": ("target='rank 2 (diag 2, 1)', start='random', scale=2.0, "
                           "imbalance=-2.0, reflect=True, horizon=40.0", "imbalance", "ArrowRight"),
    "PCLandscapeExplorer": ("depth=6, init_scale=0.5, start_a=-1.5, start_b=-1.5, lr=1.5, "
                            "train_steps=300, inference_steps=5", "start_a", "ArrowRight"),
    "SaddleSpectrumExplorer": ("hidden=4, width=10, dim=1, point='other zero-rank saddle', "
                               "saddle_scale=2.0", "seed", "ArrowRight"),
    "EscapeRaceExplorer": ("**EscapeRaceExplorer.PRESETS['H = 3, longer horizon'], "
                           "lr=0.01", "lr", "ArrowRight"),
    "MatrixCompletionExplorer": ("**{**MatrixCompletionExplorer.PRESETS["
                                 "\"smaller init σ = 0.02: BP's plateaus lengthen\"], "
                                 "'start': 'rank-2 saddle'}", "lr", "ArrowRight"),
    "NonlinearEscapeExplorer": ("inference_steps=50", "width", "ArrowRight"),
    "EigenPlaneExplorer": ("hidden=4, train_steps=400", "lr", "ArrowRight"),
    "Chain3DExplorer": ("train_steps=400", "lr", "ArrowRight"),
    "PLRNNExplorer": ("**{**PLRNNExplorer.PRESETS['Fig. 3 A-right (bounded basin)'], "
                      "'a21': 2.5}", "a21", "ArrowLeft"),
    "PLRNN3DExplorer": ("system='Lorenz shPLRNN', y0=-5.0, steps=10, resolution=200",
                        "y0", "ArrowRight"),
}

# kernel statuses seen by the page, [status, time], recorded from the moment the hook is
# installed (the status then comes first)
STATUS_HOOK = """() => {
    const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    window.__statuses = [[k.status, performance.now()]];
    k.statusChanged.connect((_, s) => window.__statuses.push([s, performance.now()]));
}"""

# what the page saw from the first key-down on: the draws on the widget's canvases, how
# long the kernel showed busy, and the longest a new picture arrived after the page had
# last shown the kernel idle (a kernel that computes while it says idle paints then)
TIMELINE = """([r, downAt]) => {
    const S = window.__saddle, st = window.__statuses;
    const draws = S.drawLog.filter(([c, t]) => t >= downAt && r.contains(c)).map(d => d[1]);
    const end = Math.max(st[st.length - 1][1], downAt);
    let busy = 0, status = st[0][0], since = downAt;
    for (const [s, t] of st) {
        if (t > downAt) { if (status === 'busy') busy += t - since; since = t; }
        status = s;
    }
    let idleBeforeDraw = 0;
    for (const d of draws) {
        const before = st.filter(e => e[1] <= d).pop();
        if (before && before[0] === 'idle') idleBeforeDraw = Math.max(idleBeforeDraw, d - before[1]);
    }
    const last = draws.length ? Math.max(...draws) : S.keyUpAt;
    const changed = Math.max(0, ...S.canvases(r).map(c => S.lastChange.get(c) || 0));
    return {hold_ms: Math.round(S.keyUpAt - downAt), draws: draws.length,
            keyup_to_last_draw_ms: Math.round(Math.max(0, last - S.keyUpAt)),
            keyup_to_last_picture_ms: Math.round(Math.max(0, changed - S.keyUpAt)),
            keyup_to_idle_ms: Math.round(end - S.keyUpAt),
            busy_fraction: Math.round(100 * busy / Math.max(end - downAt, 1)) / 100,
            idle_before_draw_ms: Math.round(idleBeforeDraw)};
}"""

#: a picture may follow the kernel's idle by the time the page takes to decode it, not by
#: a computation (the issue's kernel said idle for 34 s while it computed)
DECODE_SLACK_MS = 1000

#: the last value's picture after key-up. The issue's budget is 2 s: the times are recorded
#: in screenshots/results.json and reported (1.5 s at most here); the test fails at 5 s, so
#: a loaded machine does not turn a timing into a red run while a backlog (the issue saw an
#: answer 25 s after key-up) still fails it
LAST_PICTURE_MS = 5000


def _notebook(root, name):
    corner, _, _ = SLOW[name]
    source = f"from saddle_widgets import {name}\nw = {name}({corner})\nw"
    cell = {"cell_type": "code", "execution_count": None, "id": "held-key", "metadata": {},
            "outputs": [], "source": source}
    nb = {"cells": [cell], "metadata": {"kernelspec": {"display_name": "Python 3",
                                                       "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    (root / f"held_key_{name}.ipynb").write_text(json.dumps(nb))
    return f"held_key_{name}.ipynb"


@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_held_arrow_key_keeps_the_kernel_busy_and_draws_the_last_value(lab, browser, shots,
                                                                         record, name):
    _, control, key = SLOW[name]
    page = _lab.new_page(browser)
    try:
        _lab.open_notebook(page, lab, _notebook(lab.root, name))
        _lab.run_all(page)
        assert not _lab.error_outputs(_lab.notebook_json(page))
        out = _lab.mark_widget_outputs(page)
        assert out and out[0]["in_dom"], ("the explorer has no view in the page",
                                          _lab.notebook_json(page)["cells"][0]["outputs"])
        root = page.locator('[data-saddle-widget="0"]')
        page.wait_for_function("r => window.__saddle.canvases(r).length > 0",
                               arg=root.element_handle(), timeout=120_000)
        _lab.wait_quiet(page, root, quiet=1.0, timeout=120)
        found = _lab.sliders(root)
        label = _lab.kernel_eval(page, f"w.controls[{control!r}].description")
        slider = next((s for s in found if s.label == label.strip()), None)
        assert slider is not None, (label, [s.label for s in found])
        start = slider.readout.inner_text().replace("\u2212", "-")
        page.evaluate(STATUS_HOOK)
        root.evaluate("r => { const S = window.__saddle; S.trackChanges = true;"
                      " for (const c of S.canvases(r)) S.lastHash.set(c, S.hash(c)); }")

        slider.handle.focus()
        down_at = page.evaluate("performance.now()")
        for _ in range(25):                      # a held key: keydown auto-repeat, ~30/s
            page.keyboard.down(key)
            time.sleep(0.033)
        page.keyboard.up(key)
        last = slider.readout.inner_text().replace("\u2212", "-")   # the readout's minus sign
        assert last != start, "the held key did not move the slider"

        # the kernel works through what the page sent, then goes idle
        page.wait_for_function("""() => {
            const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            return k.status === 'idle'; }""", timeout=120_000, polling=100)
        _lab.wait_quiet(page, root, quiet=1.0, timeout=120)
        page.wait_for_function("""() => {
            const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            return k.status === 'idle'; }""", timeout=120_000, polling=100)
        timeline = page.evaluate(TIMELINE, [root.element_handle(), down_at])
        record(control=control, **timeline)
        _lab.screenshot(root, shots, f"{name}-after-key-up")

        # busy while it computes: the page showed it busy, and no picture came in after the
        # page had shown the kernel idle for longer than a decode takes
        assert timeline["busy_fraction"] > 0, timeline
        assert timeline["idle_before_draw_ms"] <= DECODE_SLACK_MS, timeline
        assert timeline["keyup_to_last_picture_ms"] <= LAST_PICTURE_MS, timeline
        facts = _lab.kernel_eval(page, f"{{'value': w.state[{control!r}], "
                                       "'status': w.status_text, 'error': w.error}")
        assert facts["error"] is None, facts
        decimals = len(last.split(".")[1]) if "." in last else 0
        assert abs(float(last) - facts["value"]) <= 0.51 * 10.0 ** -decimals, (last, facts)
        first_line = facts["status"].splitlines()[0].strip()
        assert first_line[:40] in root.inner_text(), (first_line, root.inner_text()[:500])
        # and drawn at full quality: the live buffers equal a fresh build's at that state
        same = _lab.kernel_eval(page, (
            "(lambda a, b: [__import__('numpy').array_equal(a[k], b[k]) for k in a])"
            "(w._canvas_images(), (lambda f: (f._canvas_images(), f.close())[0])("
            "type(w)(canvas='ipympl', **w.state)))"), timeout=300)
        assert same and all(same), same
    finally:
        page.context.close()
