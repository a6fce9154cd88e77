"""Binder proof without a container engine: do what repo2docker does with binder/, then
check the first tutorial in a real browser against that environment.

A fresh virtual environment; ``pip install --no-cache-dir -r binder/requirements.txt``
run from the repository root (its last line, ``.``, installs this package, as on Binder);
``binder/postBuild`` if it exists; JupyterLab started from that environment; in Chromium
the first tutorial runs, its first widget renders and a slider changes its canvas. The
kernel must be the environment's own Python. Nothing is cached between runs (a few minutes).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import _checks
import _lab
from _servers import REPO, _isolated_env, copy_tutorials, start_jupyterlab, tutorials

BINDER = REPO / "binder"


def _run(cmd, env, log: Path, timeout: float):
    with open(log, "ab") as fh:
        fh.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        fh.flush()
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT,
                              timeout=timeout)
    if proc.returncode:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"{' '.join(map(str, cmd))} exited with {proc.returncode}:\n{tail}")


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory, browser):
    """A fresh venv built from binder/ exactly as repo2docker would (no pip cache)."""
    requirements = BINDER / "requirements.txt"
    assert requirements.exists(), "binder/requirements.txt is missing"
    tmp = tmp_path_factory.mktemp("binder")
    log = tmp / "build.log"
    start = time.monotonic()
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = _isolated_env(tmp / "jupyter", python)
    env["PIP_NO_CACHE_DIR"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run([python, "-m", "pip", "install", "--no-cache-dir", "-r", "binder/requirements.txt"],
         env, log, timeout=1800)
    post_build = BINDER / "postBuild"
    if post_build.exists():
        _run(["bash", str(post_build)], env, log, timeout=1800)
    return {"python": python, "venv": venv, "build_seconds": time.monotonic() - start,
            "log": log, "tmp": tmp}


def test_binder_environment_serves_working_widgets(binder_env, browser, shots, record):
    start = time.monotonic()
    notebook = tutorials()[0]
    root = copy_tutorials(binder_env["tmp"] / "tutorials")
    server = start_jupyterlab(root=root, python=binder_env["python"])
    page = _lab.new_page(browser)
    try:
        _lab.open_notebook(page, server, notebook.name)
        where = _lab.kernel_eval(
            page, "[__import__('sys').executable, __import__('saddle_widgets').__file__]")
        venv = str(binder_env["venv"])
        assert where[0].startswith(venv), f"the kernel is not the Binder environment's: {where}"
        assert where[1].startswith(venv), f"saddle_widgets not from the Binder env: {where}"
        _lab.run_all(page)
        errors = _lab.error_outputs(_lab.notebook_json(page))
        assert not errors, errors
        outputs = _lab.mark_widget_outputs(page)
        assert outputs, f"{notebook.name} displays no widget"
        root_el = page.locator('[data-saddle-widget="0"]')
        facts, problems = _checks.check_rendered(page, root_el, shots, "binder-w0")
        assert not problems, problems
        more, problems = _checks.check_sliders(page, root_el, shots, "binder-w0", every=False)
        facts.update(more)
        record(build_seconds=round(binder_env["build_seconds"]),
               smoke_seconds=round(time.monotonic() - start), kernel=where, widget=facts)
        assert facts["slider_changed_picture"], f"no slider changed the canvas: {facts}"
        assert not problems, problems
    finally:
        page.context.close()
        server.stop()
