"""Drive JupyterLab and Voilà pages with Playwright: run a notebook, find its widgets,
watch their ipympl canvases, move sliders, click canvases.

Plain functions (no pytest) shared by the browser tests, the Binder proof and
benchmarks/browser_latency.py. Every wait is a wait for a condition with a timeout.

How a change of picture is detected: an init script wraps
``CanvasRenderingContext2D.prototype.drawImage`` and counts, per on-page canvas, the
draws that ipympl's front end makes when a new image arrives from the kernel (it draws
its offscreen canvas onto the visible one). A step waits for a new draw on one of the
widget's canvases *and* for that canvas's pixels to differ from before the step (a
cheap FNV hash of ``getImageData``), so an unchanged redraw does not count.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CANVAS = ".jupyter-matplotlib-canvas-div > canvas:first-child"
SLIDER_HANDLE = ".widget-slider .noUi-handle, .widget-hslider .noUi-handle"
WIDGET_ERRORS = ("Error displaying widget", "Loading widget")

# ------------------------------------------------------------------ in-page helpers
INIT_SCRIPT = r"""
(() => {
  if (window.__saddle) return;
  const S = window.__saddle = {draws: new WeakMap(), lastDraw: new WeakMap(), keyAt: 0,
                               keyUpAt: 0, drawLog: [], lastChange: new WeakMap(),
                               lastHash: new WeakMap(), trackChanges: false};
  const orig = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const c = this.canvas, out = orig.apply(this, args);
    if (c && c.isConnected) {
      S.draws.set(c, (S.draws.get(c) || 0) + 1);
      S.lastDraw.set(c, performance.now());
      if (S.drawLog.length < 20000) S.drawLog.push([c, performance.now()]);
      if (S.trackChanges) {          // when the pixels last changed (a redraw may repeat them)
        const h = S.hash(c);
        if (h !== S.lastHash.get(c)) { S.lastHash.set(c, h); S.lastChange.set(c, performance.now()); }
      }
    }
    return out;
  };
  document.addEventListener('keydown', () => { S.keyAt = performance.now(); }, true);
  document.addEventListener('mousedown', () => { S.keyAt = performance.now(); }, true);
  document.addEventListener('keyup', () => { S.keyUpAt = performance.now(); }, true);
  S.hash = (c) => {
    if (!c.width || !c.height) return 'empty';
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i += 4) {
      h ^= d[i] | (d[i + 1] << 8) | (d[i + 2] << 16);
      h = Math.imul(h, 16777619);
    }
    return c.width + 'x' + c.height + ':' + (h >>> 0).toString(16);
  };
  // fraction of pixels that are neither transparent nor white: 0 means a blank canvas
  S.ink = (c) => {
    if (!c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 16) {
      if (d[i + 3] > 0 && (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245)) n++;
    }
    return n / (d.length / 16);
  };
  S.canvases = (root) => Array.from(root.querySelectorAll('%CANVAS%'));
  S.snapshot = (root) => S.canvases(root).map(c => ({
    hash: S.hash(c), draws: S.draws.get(c) || 0, w: c.width, h: c.height, ink: S.ink(c)}));
})();
""".replace("%CANVAS%", CANVAS)


def new_page(browser, *, viewport=(1600, 1000)):
    """A fresh page (own context) with the drawing probe installed."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  device_scale_factor=1)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    return page


# ------------------------------------------------------------------ JupyterLab
_NB = "window.jupyterapp.shell.currentWidget"


def open_notebook(page, server, name: str, timeout: float = 120) -> None:
    """Open ``name`` in JupyterLab (fresh workspace) and wait for an idle kernel."""
    page.goto(server.page(f"lab/tree/{name}?reset"), timeout=timeout * 1000)
    page.wait_for_function(f"""() => {{
        const w = window.jupyterapp && {_NB};
        if (!w || !w.content || !w.context || !w.context.isReady) return false;
        const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.status === 'idle' && w.context.path.endsWith({json.dumps(name)});
    }}""", timeout=timeout * 1000, polling=200)


def _menu(page, menu: str, command: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    item = page.locator(f'li.lm-Menu-item[data-command="{command}"]')
    item.wait_for(state="visible")
    item.click()


def run_all(page, timeout: float = 600) -> float:
    """Edit > Clear Outputs of All Cells, then Run > Run All Cells, like a learner; wait
    until every code cell has run, no prompt shows [*] and the kernel is idle.
    Returns the seconds it took."""
    _menu(page, "Edit", "editmenu:clear-all")
    page.wait_for_function(f"""() => {{
        const cells = {_NB}.content.model.cells;
        for (let i = 0; i < cells.length; i++) {{
            const c = cells.get(i);
            if (c.type === 'code' && (c.executionCount !== null || c.outputs.length)) return false;
        }}
        return true; }}""", timeout=30000)
    start = time.monotonic()
    _menu(page, "Run", "runmenu:run-all")
    page.wait_for_function(f"""() => {{
        const w = {_NB};
        const k = w.sessionContext.session && w.sessionContext.session.kernel;
        if (!k || k.status !== 'idle') return false;
        const cells = w.content.model.cells;
        for (let i = 0; i < cells.length; i++) {{
            const c = cells.get(i);
            if (c.type === 'code' && c.sharedModel.getSource().trim() && c.executionCount === null)
                return false;
        }}
        return !Array.from(w.node.querySelectorAll('.jp-InputPrompt'))
                    .some(e => e.textContent.includes('*'));
    }}""", timeout=timeout * 1000, polling=250)
    return time.monotonic() - start


def notebook_json(page) -> dict:
    """The notebook as JupyterLab holds it now (nbformat JSON, outputs included)."""
    return page.evaluate(f"{_NB}.context.model.toJSON()")


def error_outputs(nb: dict) -> list[str]:
    """Error outputs (a traceback: ename/evalue) of a notebook, one line each."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return found


def mark_widget_outputs(page) -> list[dict]:
    """Tag every widget output of the current notebook with ``data-saddle-widget=<k>``;
    return [{index, cell, model_id}] in notebook order."""
    return page.evaluate(f"""() => {{
        const nb = {_NB}.content;
        const found = [];
        nb.widgets.forEach((cell, ci) => {{
            if (cell.model.type !== 'code') return;
            const outputs = cell.model.outputs;
            for (let j = 0; j < outputs.length; j++) {{
                const data = outputs.get(j).data || {{}};
                const view = data['{WIDGET_MIME}'];
                if (!view) continue;
                const node = cell.outputArea.widgets[j] && cell.outputArea.widgets[j].node;
                if (node) node.setAttribute('data-saddle-widget', String(found.length));
                found.push({{index: found.length, cell: ci, model_id: view.model_id,
                            in_dom: !!node}});
            }}
        }});
        return found;
    }}""")


def kernel_eval(page, expression: str, timeout: float = 60):
    """Evaluate a Python expression in the notebook's kernel (silently: no execution
    count, no output) and return ``json.loads`` of its ``str``."""
    expr = f"__import__('json').dumps({expression})"
    reply = page.evaluate("""async (expr) => {
        const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const f = k.requestExecute({code: '', silent: true, store_history: false,
                                    user_expressions: {out: expr}});
        const msg = await f.done;
        return msg.content.user_expressions.out;
    }""", expr)
    if reply.get("status") != "ok":
        raise RuntimeError(f"kernel_eval failed: {reply.get('ename')}: {reply.get('evalue')}")
    import ast
    return json.loads(ast.literal_eval(reply["data"]["text/plain"]))


# per widget model id: class name, and for each figure its pixel size, whether a click
# handler of the widget base is connected, and the bounding box of its clickable axes
PROBE = """[{'model_id': m, 'cls': type(w).__name__,
  'figures': [{'size': [f.bbox.width, f.bbox.height],
               'clickable': any(getattr(r(), '__qualname__', '').endswith('._figure.<locals>.on_press')
                                for r in f.canvas.callbacks.callbacks.get('button_press_event', {}).values()),
               'axes': [list(a.get_window_extent().bounds) for a in f.axes if a.get_visible()]}
              for f in (getattr(w, 'figures', None) or ([w.figure] if hasattr(w, 'figure') else []))]}
 for m in %s for w in [getattr(__import__('ipywidgets.widgets.widget', fromlist=['_']), '_instances').get(m)]
 if w is not None]"""


def probe_widgets(page, model_ids: list[str]) -> dict[str, dict]:
    """What the kernel knows about the widgets behind ``model_ids`` (see ``PROBE``)."""
    return {d["model_id"]: d for d in kernel_eval(page, PROBE % json.dumps(model_ids))}


# ------------------------------------------------------------------ canvases
def snapshot(page, root) -> list[dict]:
    """[{hash, draws, w, h, ink}] of every ipympl canvas under the element ``root``."""
    return root.evaluate("r => window.__saddle.snapshot(r)")


def wait_rendered(page, root, timeout: float = 60, quiet: float = 0.6) -> list[dict]:
    """Wait until every canvas under ``root`` has a size, shows something (not blank) and
    has stopped changing for ``quiet`` seconds (ipympl sends a diff, then a full image)."""
    root.evaluate("r => r.scrollIntoView({block: 'center'})")
    page.wait_for_function("""([r, quiet]) => {
        const S = window.__saddle, cs = S.canvases(r);
        if (!cs.length || cs.some(c => !c.width || !c.height || S.ink(c) < 0.005)) return false;
        const last = Math.max(...cs.map(c => S.lastDraw.get(c) || 0));
        return performance.now() - last > quiet * 1000;
    }""", arg=[root.element_handle(), quiet], timeout=timeout * 1000, polling=100)
    return snapshot(page, root)


def wait_picture_change(page, root, before: list[dict], timeout: float = 20) -> dict:
    """Wait until some canvas under ``root`` was redrawn with different pixels than in
    ``before``; return {canvas, latency_ms} (time since the last key press / mouse down)."""
    handle = page.wait_for_function("""([r, before]) => {
        const S = window.__saddle, cs = S.canvases(r);
        for (let i = 0; i < cs.length && i < before.length; i++) {
            const c = cs[i];
            if ((S.draws.get(c) || 0) > before[i].draws && S.hash(c) !== before[i].hash)
                return {canvas: i, latency_ms: (S.lastDraw.get(c) || 0) - S.keyAt};
        }
        return false;
    }""", arg=[root.element_handle(), before], timeout=timeout * 1000, polling="raf")
    return handle.json_value()


def wait_first_draw(page, root, before: list[dict], timeout: float = 20) -> float:
    """Milliseconds from the last key press to the first new draw of any canvas under
    ``root`` whose pixels differ from ``before`` (polled every animation frame)."""
    handle = page.wait_for_function("""([r, before]) => {
        const S = window.__saddle, cs = S.canvases(r);
        let first = Infinity;
        for (let i = 0; i < cs.length && i < before.length; i++) {
            const c = cs[i];
            if ((S.draws.get(c) || 0) > before[i].draws && S.hash(c) !== before[i].hash)
                first = Math.min(first, (S.lastDraw.get(c) || 0) - S.keyAt);
        }
        return first < Infinity ? first : false;
    }""", arg=[root.element_handle(), before], timeout=timeout * 1000, polling="raf")
    return float(handle.json_value())


def wait_quiet(page, root, quiet: float = 0.5, timeout: float = 30) -> None:
    """Wait until no canvas under ``root`` has been drawn for ``quiet`` seconds."""
    page.wait_for_function("""([r, quiet]) => {
        const S = window.__saddle, cs = S.canvases(r);
        const last = Math.max(0, ...cs.map(c => S.lastDraw.get(c) || 0));
        return performance.now() - last > quiet * 1000;
    }""", arg=[root.element_handle(), quiet], timeout=timeout * 1000, polling=100)


# ------------------------------------------------------------------ controls
@dataclass
class Slider:
    label: str
    handle: object          # Locator of the noUi handle
    readout: object         # Locator of the readout
    value: str = ""
    extra: dict = field(default_factory=dict)


def sliders(root) -> list[Slider]:
    """The visible, enabled sliders under ``root`` (hidden controls of an exercise and
    disabled ones are skipped)."""
    found = []
    boxes = root.locator(".widget-slider")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.is_visible():
            continue
        handle = box.locator(".noUi-handle").first
        if box.locator("[disabled]").count() or handle.get_attribute("disabled") is not None:
            continue
        label = box.locator(".widget-label").first.inner_text().strip()
        found.append(Slider(label, handle, box.locator(".widget-readout").first))
    return found


def press_slider(page, slider: Slider, key: str = "ArrowRight") -> tuple[str, str]:
    """Focus the slider handle and press ``key``; return (readout before, after). When the
    value cannot move that way (already at the end), press the opposite arrow."""
    before = slider.readout.inner_text()
    slider.handle.focus()
    page.keyboard.press(key)
    after = slider.readout.inner_text()
    if after == before:
        other = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight",
                 "End": "Home", "Home": "End"}[key]
        page.keyboard.press(other)
        after = slider.readout.inner_text()
    return before, after


def click_points(fig: dict, fractions=((0.62, 0.62), (0.35, 0.7), (0.7, 0.3))):
    """CSS-pixel points (from the canvas's top left) inside the first axes of ``fig``."""
    height = fig["size"][1]
    if not fig["axes"]:
        return []
    x0, y0, w, h = fig["axes"][0]
    return [(x0 + fx * w, height - (y0 + fy * h)) for fx, fy in fractions]


def widget_text_errors(root) -> list[str]:
    text = root.inner_text()
    return [e for e in WIDGET_ERRORS if e in text]


def screenshot(root, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    try:
        root.screenshot(path=str(path), timeout=15000)
    except Exception:   # a screenshot is evidence, never the reason a test fails
        pass
    return path
