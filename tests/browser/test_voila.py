"""Voilà serves a tutorial as an app (``voila tutorials/<name>.ipynb --port=... --no-browser``):
in Chromium its widgets render, and a slider and a click change a canvas.

By default the first tutorial (sorted by name); SADDLE_VOILA_ALL=1 checks every tutorial.
"""
from __future__ import annotations

import os

import pytest

import _checks
import _lab
from _servers import start_voila, tutorials
from conftest import missing, skip_or_fail

TUTORIALS = tutorials() if os.environ.get("SADDLE_VOILA_ALL") else tutorials()[:1]


@pytest.fixture
def voila_server(request, browser):
    reason = missing("voila")
    if reason:
        skip_or_fail(reason)
    server = start_voila(request.param)
    server.notebook = request.param.name
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("voila_server", TUTORIALS, ids=[p.stem for p in TUTORIALS],
                         indirect=True)
def test_voila_app_widgets_work(voila_server, browser, shots, record):
    page = _lab.new_page(browser)
    try:
        # Voilà executes the whole notebook before (0.5: while) it sends the page
        page.goto(voila_server.url, timeout=300_000, wait_until="domcontentloaded")
        # the page is up when Voilà's "loading" overlay is gone and widget views exist
        page.wait_for_function("""() => {
            const loading = document.querySelector('#loading');
            if (loading && loading.offsetParent !== null) return false;
            return document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length > 0;
        }""", timeout=300_000, polling=250)
        # every widget output: the element holding a widget view
        count = page.evaluate("""() => {
            const outs = Array.from(document.querySelectorAll('.jp-OutputArea-output'))
                .filter(o => o.querySelector('.jupyter-widgets') &&
                             !o.parentElement.closest('.jp-OutputArea-output'));
            outs.forEach((o, k) => o.setAttribute('data-saddle-widget', String(k)));
            return outs.length;
        }""")
        assert count, "Voilà shows no widget"
        text = page.locator("body").inner_text()
        problems, widgets = [], {}
        for k in range(count):
            root = page.locator(f'[data-saddle-widget="{k}"]')
            name = f"w{k}"
            facts, found = _checks.check_rendered(page, root, shots, name)
            problems += found
            if facts.get("rendered") and _lab.sliders(root):
                more, found = _checks.check_sliders(page, root, shots, name, every=False)
                facts.update(more)
                problems += found
            widgets[name] = facts
        sliders_moved = [w for w in widgets.values() if w.get("slider_changed_picture")]
        record(notebook=voila_server.notebook, widgets=widgets,
               console_errors=page.console_errors[:20])
        assert not problems, "\n".join(problems)
        assert sliders_moved, f"no slider changed a canvas in Voilà: {widgets}"
        assert "Traceback" not in text, "the Voilà page shows a traceback"
    finally:
        page.context.close()
