"""Every widget fits and every control is usable at 1366×768 with JupyterLab's file browser
open (its default) and at 1920×1080 (design notes: "Legible at 1366x768").

One notebook with one cell per widget class (discovered from the package's exports) is
run in JupyterLab in Chromium at each size; for each widget the DOM boxes are measured:
- every visible slider track is at least 120 px wide;
- no canvas runs past the right edge of the notebook panel (nothing is cut off);
- the status line lies inside the notebook panel, above the first figure, so it is read
  beside the picture;
- no control label shows raw TeX (braces, dollar signs, backslashes).
Screenshots: tests/browser/screenshots/<test>/<Widget>.png (the whole widget, scrolled).
"""
from __future__ import annotations

import re

import nbformat
import pytest

import _lab
from saddle_widgets.widgets._docs import widget_classes

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}
MIN_TRACK = 120
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}

MEASURE = r"""(root) => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                             width: r.width}; };
  const visible = e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
  const panel = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')
             || document.querySelector('.jp-NotebookPanel');
  const tracks = [], labels = [];
  root.querySelectorAll('.widget-slider, .widget-hslider').forEach(s => {
    if (!visible(s)) return;
    const t = s.querySelector('.slider-container') || s.querySelector('.noUi-target');
    const l = s.querySelector('.widget-label');
    tracks.push({label: l ? l.textContent : '?', width: t ? box(t).width : 0});
  });
  root.querySelectorAll('.widget-label, .widget-readout, label').forEach(l => {
    if (visible(l) && l.textContent.trim()) labels.push(l.textContent.trim());
  });
  const canvases = Array.from(root.querySelectorAll('%CANVAS%')).filter(visible).map(box);
  const status = root.querySelector('.saddle-status');
  return {panel: box(panel), tracks, labels, canvases, status: status ? box(status) : null};
}""".replace("%CANVAS%", _lab.CANVAS)


def problems_of(name: str, m: dict) -> list[str]:
    found = []
    for t in m["tracks"]:
        if t["width"] < MIN_TRACK:
            found.append(f"{name}: slider '{t['label']}' track is {t['width']:.0f} px "
                         f"(< {MIN_TRACK})")
    right = m["panel"]["right"] + 1
    for i, c in enumerate(m["canvases"]):
        if c["right"] > right:
            found.append(f"{name}: figure {i} ends at x = {c['right']:.0f}, past the "
                         f"notebook's right edge {right - 1:.0f} (cut off)")
    s = m["status"]
    if s is None:
        found.append(f"{name}: no status line")
    else:
        if s["right"] > right:
            found.append(f"{name}: the status line ends at x = {s['right']:.0f}, past the "
                         f"notebook's right edge {right - 1:.0f}")
        if m["canvases"] and s["top"] > min(c["top"] for c in m["canvases"]):
            found.append(f"{name}: the status line is below the first figure")
    for text in m["labels"]:
        if re.search(r"[{}$\\]", text):
            found.append(f"{name}: label {text!r} shows raw TeX")
    return found


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_every_widget_fits_and_every_slider_is_usable(lab, browser, size, shots, record):
    classes = [cls.__name__ for cls in widget_classes()]
    nb = nbformat.v4.new_notebook(metadata=KERNEL)
    nb.cells = [nbformat.v4.new_code_cell(f"from saddle_widgets import {c}\n{c}()")
                for c in classes]
    name = f"layout_{size}.ipynb"
    nbformat.write(nb, lab.root / name)
    page = _lab.new_page(browser, viewport=SIZES[size])
    try:
        _lab.open_notebook(page, lab, name)
        _lab.run_all(page)
        outputs = _lab.mark_widget_outputs(page)
        assert len(outputs) == len(classes), f"{len(outputs)} widgets shown of {len(classes)}"
        problems, facts = [], {}
        for out, cls in zip(outputs, classes):
            root = page.locator(f'[data-saddle-widget="{out["index"]}"]')
            _lab.wait_rendered(page, root)
            root.evaluate("r => r.scrollIntoView({block: 'start'})")
            m = root.evaluate(MEASURE)
            _lab.screenshot(root, shots, cls)
            problems += problems_of(cls, m)
            facts[cls] = {"narrowest_track_px": round(min((t["width"] for t in m["tracks"]),
                                                          default=0)),
                          "widest_right_px": round(max((c["right"] for c in m["canvases"]),
                                                       default=0)),
                          "panel_right_px": round(m["panel"]["right"])}
        record(size=size, widgets=facts)
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()
