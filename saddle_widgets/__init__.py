"""saddle-widgets: Jupyter widgets for teaching the geometry of learning.

Widgets are imported lazily, so ``import saddle_widgets`` stays cheap and the solvers
can be used from a script without ipywidgets or matplotlib being loaded::

    from saddle_widgets import GradientFlowExplorer
    GradientFlowExplorer(imbalance=2.0)
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "GradientFlowExplorer": "saddle_widgets.widgets.gradient_flow",
    "PCLandscapeExplorer": "saddle_widgets.widgets.pc_landscape",
    "SaddleSpectrumExplorer": "saddle_widgets.widgets.saddle_spectrum",
    "EscapeRaceExplorer": "saddle_widgets.widgets.escape_race",
    "EigenPlaneExplorer": "saddle_widgets.widgets.eigen_plane",
    "Chain3DExplorer": "saddle_widgets.widgets.chain3d",
    "PLRNNExplorer": "saddle_widgets.widgets.plrnn",
    "PLRNN3DExplorer": "saddle_widgets.widgets.plrnn3d",
    "MatrixFlowExplorer": "saddle_widgets.widgets.matrix_flow",
    "MatrixCompletionExplorer": "saddle_widgets.widgets.matrix_completion",
    "NonlinearEscapeExplorer": "saddle_widgets.widgets.nonlinear_escape",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'saddle_widgets' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
