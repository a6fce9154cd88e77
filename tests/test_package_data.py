"""The trained weights are package data: in saddle_widgets/data, found by importlib.resources,
declared for the wheel in pyproject.toml, and (where hatchling is installed) in the built wheel."""
import fnmatch
import importlib.resources
import importlib.util
import pathlib
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from saddle_widgets import data as package_data
from saddle_widgets.solvers.plrnn_training import load_shallow_plrnn

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXPECTED = {"lorenz_shplrnn.npz", "duffing_shplrnn.npz", "spiking_plrnn.npz"}


def _wheel_config():
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["hatch"]["build"]["targets"]["wheel"]


def test_the_weights_are_resources_of_saddle_widgets_data():
    root = importlib.resources.files("saddle_widgets.data")
    assert set(package_data.FILES) == EXPECTED
    for name in EXPECTED:
        res = root / name
        assert res.is_file(), name
        with res.open("rb") as fh, np.load(fh) as f:
            assert len(f.files) > 0
    m, data = load_shallow_plrnn(package_data.path("lorenz_shplrnn.npz"))
    assert m.dim == 3 and "saddles" in data
    with pytest.raises(ValueError, match="no data file"):
        package_data.path("rossler_shplrnn.npz")


def test_pyproject_ships_the_package_and_declares_the_weights():
    wheel = _wheel_config()
    assert "saddle_widgets" in wheel["packages"]
    for name in EXPECTED:
        rel = f"saddle_widgets/data/{name}"
        assert any(fnmatch.fnmatch(rel, pat) for pat in wheel.get("artifacts", [])), rel


def test_no_weights_left_in_tutorials_and_no_reference_to_the_old_place():
    assert not list((ROOT / "tutorials" / "data").glob("*.npz"))
    old = re.compile(r"tutorials/data/\w+\.npz")
    files = [*ROOT.glob("saddle_widgets/**/*.py"), *ROOT.glob("scripts/*.py"), *ROOT.glob("tests/*.py"),
             *ROOT.glob("tutorials/*.ipynb"), *ROOT.glob("tutorials/data/*.py"), *ROOT.glob("docs/*.md")]
    stale = [str(p.relative_to(ROOT)) for p in files if old.search(p.read_text(encoding="utf-8"))]
    assert not stale, f"still pointing at tutorials/data/*.npz: {stale}"


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                    reason="hatchling (the build backend) is not installed: no offline wheel build")
def test_the_built_wheel_holds_the_weights(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("saddle_widgets-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"saddle_widgets/data/{n}" for n in EXPECTED} <= names
    assert "saddle_widgets/data/__init__.py" in names
