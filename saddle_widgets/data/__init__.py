"""Trained weights shipped inside the package (package data, so a wheel install has them).

    lorenz_shplrnn.npz    shallow PLRNN trained on Lorenz-63 (Fig. 4C) with its saddles'
                          manifold meshes (scripts/train_shplrnn.py lorenz)
    duffing_shplrnn.npz   shallow PLRNN trained on the bistable Duffing oscillator (Fig. 4A)
                          (scripts/train_shplrnn.py duffing)
    spiking_plrnn.npz     2-unit PLRNN trained on a bistable spiking neuron (tutorial 3,
                          section 8; tutorials/data/train_spiking_plrnn.py)

Read them with ``files()`` (importlib.resources), e.g.
``load_shallow_plrnn(files() / "lorenz_shplrnn.npz")`` or ``np.load(files() / "spiking_plrnn.npz")``.
"""
from __future__ import annotations

from importlib import resources

__all__ = ["FILES", "files", "path"]

#: the data files of this package
FILES = ("lorenz_shplrnn.npz", "duffing_shplrnn.npz", "spiking_plrnn.npz")


def files():
    """The package's data directory (an importlib.resources Traversable; a pathlib.Path
    for an ordinary install)."""
    return resources.files(__name__)


def path(name: str):
    """The data file ``name`` (one of FILES), as a Traversable that np.load and
    ``load_shallow_plrnn`` open."""
    if name not in FILES:
        raise ValueError(f"no data file {name!r}; the package ships {', '.join(FILES)}")
    return files() / name
