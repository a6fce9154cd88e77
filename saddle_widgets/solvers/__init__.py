"""Pure-numpy solvers: no widgets, no plotting, no global state."""
