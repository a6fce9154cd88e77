"""saddle-widgets: Jupyter widgets for teaching the geometry of learning."""
__version__ = "0.1.0"
