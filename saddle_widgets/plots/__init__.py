"""Plotting layer: functions that draw a solver result into matplotlib axes they are given.

Widgets use them to build their artists (and update them in place); tutorials use them
for their static figures, so a colour map, a legend or a marker is defined once.
Each function takes an ``Axes`` first and returns the artists it made (to update later
with ``set_data``), or updates artists passed in. No pyplot, no global state.

- ``saddle_widgets.plots.style``: the colours (Okabe-Ito), shared by every figure.
- ``saddle_widgets.plots.gradient_flow``, ``.predictive_coding``, ``.plrnn``: per paper.
"""
