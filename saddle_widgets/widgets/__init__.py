"""Explorer widgets (ipywidgets + matplotlib on ipympl canvases)."""
from ._base import Explorer
from .gradient_flow import GradientFlowExplorer

__all__ = ["Explorer", "GradientFlowExplorer"]
