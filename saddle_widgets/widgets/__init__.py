"""Explorer widgets (ipywidgets + matplotlib on ipympl canvases) and the declarative base.

The widgets themselves are imported from the top level: ``from saddle_widgets import ...``.
"""
from ._base import Explorer, draw, status, step
from ._params import Bool, Choice, Fig, Float, Int, Param

__all__ = ["Explorer", "step", "draw", "status", "Float", "Int", "Choice", "Bool", "Fig",
           "Param"]


def __getattr__(name):
    import saddle_widgets
    if name in saddle_widgets.__all__:
        return getattr(saddle_widgets, name)
    raise AttributeError(f"module 'saddle_widgets.widgets' has no attribute {name!r}")
