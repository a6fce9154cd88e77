"""Start and stop Jupyter servers (JupyterLab, Voilà) for the browser tests.

Plain functions, no pytest: the latency benchmark and the Binder proof use them too.
Each server runs in its own process group on 127.0.0.1 with a random free port and a
random token; ``stop`` kills the whole group (the server and its kernels).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("SADDLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-default-apps", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "tutorials"


def tutorials() -> list[Path]:
    """Every tutorial notebook of the repository (discovered, never listed by name)."""
    return sorted(TUTORIALS.glob("*.ipynb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running Jupyter server: ``url`` is the base URL, ``token`` its token."""
    proc: subprocess.Popen
    url: str
    token: str
    root: Path
    log: Path
    tmp: Path = field(repr=False)

    def page(self, path: str) -> str:
        """URL of ``path`` (relative to the base URL) with the token."""
        if not self.token:
            return f"{self.url}{path}"
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}{sep}token={self.token}"

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=15)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _isolated_env(tmp: Path, python: str | None = None) -> dict:
    """Environment with private Jupyter runtime/config/workspace dirs (no state leaks in or
    out of the test); with ``python`` (a venv's interpreter) that venv comes first on PATH."""
    env = dict(os.environ)
    for var, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("IPYTHONDIR", "ipython")):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp / sub)
    # JupyterLab's "news" and update checks would fetch from the internet and pop toasts
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    env.pop("JUPYTER_PATH", None)
    if python is not None:
        bindir = str(Path(python).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        env["VIRTUAL_ENV"] = str(Path(python).parent.parent)
        env.pop("PYTHONPATH", None)
    return env


def wait_until_answers(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Poll ``url`` until it returns HTTP 200 (or raise with the server log)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n"
                               + log.read_text(errors="replace")[-4000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last}):\n"
                       + log.read_text(errors="replace")[-4000:])


def _launch(cmd: list[str], tmp: Path, env: dict, cwd: Path) -> tuple[subprocess.Popen, Path]:
    log = tmp / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc, log


def copy_tutorials(dest: Path, source: Path = TUTORIALS) -> Path:
    """A private copy of the tutorials (notebooks and whatever they read beside them)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(
        "__pycache__", ".ipynb_checkpoints", "*.pyc"))
    return dest


def start_jupyterlab(root: Path | None = None, python: str | None = None,
                     timeout: float = 180) -> Server:
    """JupyterLab on a private copy of the tutorials (or on ``root``), served by ``python``
    (default: this interpreter) on 127.0.0.1 with a random port and token."""
    tmp = Path(tempfile.mkdtemp(prefix="saddle-lab-"))
    python = python or sys.executable
    if root is None:
        root = copy_tutorials(tmp / "tutorials")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [python, "-m", "jupyterlab", "--no-browser", "--ServerApp.open_browser=False",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")     # CI and containers run as root
    env = _isolated_env(tmp, python if python != sys.executable else None)
    proc, log = _launch(cmd, tmp, env, cwd=root)
    url = f"http://127.0.0.1:{port}/"
    server = Server(proc, url, token, root, log, tmp)
    try:
        wait_until_answers(server.page("api/status"), proc, log, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def start_voila(notebook: Path, python: str | None = None, timeout: float = 120) -> Server:
    """Voilà serving ``notebook`` (a private copy) as an app on 127.0.0.1, random port."""
    tmp = Path(tempfile.mkdtemp(prefix="saddle-voila-"))
    python = python or sys.executable
    root = copy_tutorials(tmp / "tutorials", notebook.parent)
    port = free_port()
    # the command line of the README / teaching guide: voila <notebook> --port --no-browser
    cmd = [python, "-m", "voila", notebook.name, f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1"]
    env = _isolated_env(tmp, python if python != sys.executable else None)
    proc, log = _launch(cmd, tmp, env, cwd=root)
    server = Server(proc, f"http://127.0.0.1:{port}/", "", root, log, tmp)
    try:
        # Voilà's static files answer without running the notebook
        wait_until_answers(server.url + "voila/static/voila.js", proc, log, timeout)
    except BaseException:
        server.stop()
        raise
    return server
