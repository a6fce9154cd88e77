"""Every tutorial, opened and run in JupyterLab in Chromium, like a learner does it.

For each tutorial (discovered by glob): open it, Edit > Clear Outputs of All Cells,
Run > Run All Cells, wait for the idle kernel with no [*] left; no cell has an error
output; then for every widget output: it rendered (no placeholder or error, ipympl
canvases with a settled, non-blank picture); every visible, enabled slider, moved with the
keyboard, changes the picture (all sliders of the first widget of each class, the first
slider of later ones); a click on each clickable figure (phase plane, landscape: the
figures the widget base connected a click handler to) changes the picture. Before a widget
is first moved, no message its views sent during Run All was taken as a learner's move (the
page's echoes of presets applied in a loop once mixed them). Screenshots:
tests/browser/screenshots/<test>/.
"""
from __future__ import annotations

import pytest

import _checks
import _lab
from _servers import tutorials

TUTORIALS = tutorials()


MOVES = ("getattr(__import__('ipywidgets.widgets.widget', fromlist=['_'])._instances.get(%r), "
         "'_page_moves', 0)")


@pytest.mark.parametrize("notebook", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_widgets_work_in_jupyterlab(lab, browser, notebook, shots, record):
    page = _lab.new_page(browser)
    try:
        _lab.open_notebook(page, lab, notebook.name)
        seconds = _lab.run_all(page)
        _lab.screenshot(page.locator(".jp-NotebookPanel").first, shots, "notebook-after-run-all")
        problems = [f"error output: {e}" for e in _lab.error_outputs(_lab.notebook_json(page))]

        outputs = _lab.mark_widget_outputs(page)
        info = _lab.probe_widgets(page, [o["model_id"] for o in outputs])
        widgets, seen_classes, moves_checked = {}, set(), set()
        for out in outputs:
            name = f"w{out['index']}-cell{out['cell']}"
            probe = info.get(out["model_id"], {"cls": "?", "figures": []})
            name = f"{name}-{probe['cls']}"
            facts = {"class": probe["cls"], "cell": out["cell"]}
            if not out["in_dom"]:
                problems.append(f"{name}: the widget output has no view in the page")
                widgets[name] = facts
                continue
            root = page.locator(f'[data-saddle-widget="{out["index"]}"]')
            for check in (lambda: _checks.check_rendered(page, root, shots, name),
                          # every slider of the first widget of a class; then one is enough
                          lambda: _checks.check_sliders(page, root, shots, name,
                                                        every=probe["cls"] not in seen_classes),
                          lambda: _checks.check_clicks(page, root, probe["figures"], shots, name)):
                if facts.get("rendered") is False:
                    break        # nothing to move or click on
                more, found = check()
                facts.update(more)
                problems += found
                if "page_moves" not in facts and out["model_id"] not in moves_checked:
                    moves_checked.add(out["model_id"])
                    # rendered, nothing moved yet: every message its view sent so far (the
                    # kernel handles them before this) was an echo, never a learner's move
                    facts["page_moves"] = _lab.kernel_eval(page, MOVES % out["model_id"])
                    if facts["page_moves"]:
                        problems.append(f"{name}: {facts['page_moves']} echoes of the page "
                                        "taken as moves after Run All")
            widgets[name] = facts
            seen_classes.add(probe["cls"])
        record(notebook=notebook.name, run_all_seconds=round(seconds, 1), widgets=widgets,
               console_errors=page.console_errors[:20])
        assert outputs, f"{notebook.name} displays no widget"
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()
