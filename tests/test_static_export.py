"""Static pages: every tutorial exported with ``jupyter nbconvert --to html`` (no execution:
the notebooks are saved executed) shows a picture of every widget, and its text summary.

A widget's ``_repr_mimebundle_`` carries ``image/png`` (its figures), ``text/plain`` (a
summary) and ``text/html`` (both) beside the widget view. nbconvert renders the widget view
instead when the notebook stores widget state for it (``metadata.widgets``), and otherwise
renders one representation per output, the richest it knows (text/html first).
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((REPO / "tutorials").glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PNG_IMG = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,([A-Za-z0-9+/=]{40})')


def widget_outputs(nb: dict) -> list[tuple[int, dict]]:
    return [(i, out["data"]) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
            for out in cell.get("outputs", []) if WIDGET_MIME in out.get("data", {})]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """{notebook path: (notebook json, exported html)}, one nbconvert run per tutorial."""
    out = tmp_path_factory.mktemp("html")
    result = {}
    for nb_path in TUTORIALS:
        src = out / nb_path.name
        shutil.copy(nb_path, src)
        proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                               str(src), "--output-dir", str(out)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"nbconvert failed on {nb_path.name}:\n{proc.stderr[-3000:]}"
        page = (out / (nb_path.stem + ".html")).read_text(encoding="utf-8")
        result[nb_path] = (json.loads(nb_path.read_text(encoding="utf-8")), page)
    return result


@pytest.mark.parametrize("notebook", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_every_widget_output_carries_a_png_and_a_summary(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell, data in widget_outputs(nb):
        assert data.get("image/png"), f"cell {cell}: widget output without image/png"
        assert _text(data.get("text/plain", "")).strip(), f"cell {cell}: no text/plain summary"


@pytest.mark.parametrize("notebook", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_static_html_shows_a_picture_of_every_widget(exported, notebook):
    nb, page = exported[notebook]
    shown = set(PNG_IMG.findall(page))
    missing = [cell for cell, data in widget_outputs(nb)
               if _text(data.get("image/png", "")).replace("\n", "")[:40] not in shown]
    stored = set(nb["metadata"].get("widgets", {})
                 .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    assert not missing, (
        f"{notebook.name}: no <img src=\"data:image/png;base64,...\"> for the widget output(s) "
        f"of cell(s) {missing}"
        + (f"; the notebook stores widget state ({len(stored)} models in metadata.widgets), so "
           "nbconvert renders the widget view (a script that needs a live kernel or a CDN) "
           "instead of the PNG: save the tutorial without widget state"
           if stored else ""))


@pytest.mark.parametrize("notebook", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_static_html_shows_the_summary_of_every_widget(exported, notebook):
    nb, page = exported[notebook]
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    missing = []
    for cell, data in widget_outputs(nb):
        summary = _text(data.get("text/plain", "")).strip()
        if summary.startswith("Canvas("):      # a plain pyplot figure, not an explorer
            continue
        first_line = summary.splitlines()[0][:60] if summary else ""
        if first_line not in text:
            missing.append((cell, first_line))
    assert not missing, f"{notebook.name}: widget summaries not in the HTML: {missing}"
