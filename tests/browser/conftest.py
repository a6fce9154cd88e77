"""Fixtures of the real-browser suite: Chromium (Debian's, driven by Playwright) and a
JupyterLab server on a private copy of the tutorials.

Every test here carries the ``browser`` marker. Without Playwright or Chromium the tests
skip with the reason, unless SADDLE_REQUIRE_BROWSER is set (CI sets it): then a missing
piece is a failure.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from _servers import CHROMIUM, CHROMIUM_ARGS, start_jupyterlab

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
REQUIRE = os.environ.get("SADDLE_REQUIRE_BROWSER", "").strip() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def missing(*modules: str) -> str | None:
    """Why the browser suite cannot run here, or None."""
    for module in ("playwright", *modules):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set SADDLE_CHROMIUM)"
    return None


def skip_or_fail(reason: str):
    if REQUIRE:
        pytest.fail(f"SADDLE_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    reason = missing()
    if reason:
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab(browser):
    """JupyterLab on a temporary copy of tutorials/, random port and token; stopped (its
    whole process group) at the end of the session."""
    server = start_jupyterlab()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shots(request) -> Path:
    """The screenshot folder of this test: tests/browser/screenshots/<test name>/."""
    name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
    folder = SCREENSHOTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def record(request):
    """``record(**facts)``: facts about this test, written to screenshots/results.json
    (what the README table and the issue report are made from)."""
    facts = {}
    yield facts.update
    if facts:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / "results.json"
        try:
            results = json.loads(path.read_text())
        except (OSError, ValueError):
            results = {}
        results[request.node.name] = facts
        path.write_text(json.dumps(results, indent=1, sort_keys=True))
