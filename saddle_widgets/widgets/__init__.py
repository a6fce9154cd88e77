"""Explorer widgets (ipywidgets + matplotlib on ipympl canvases)."""
from ._base import Explorer
from .gradient_flow import GradientFlowExplorer
from .plrnn import PLRNNExplorer
from .predictive_coding import EscapeRaceExplorer, PCLandscapeExplorer, SaddleSpectrumExplorer

__all__ = ["Explorer", "GradientFlowExplorer", "PCLandscapeExplorer", "SaddleSpectrumExplorer",
           "EscapeRaceExplorer", "PLRNNExplorer"]
