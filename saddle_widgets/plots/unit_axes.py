"""Axes drawn in units of a value that changes: the data are drawn as x / U (or y / U) on
fixed limits, the tick marks are static and the tick labels k·U are texts that a widget
blits, so a new U (a horizon, the top of a spectrum, the range of a view) relabels the
axis instead of redrawing its figure in full (~30-40 ms a figure).

Set the axis' tick parameters (``ax.tick_params``) before making one: the labels sit where
the axis would put its own, by the ticks' length and pad.
"""
from __future__ import annotations

import numpy as np
from matplotlib.transforms import ScaledTranslation

#: the time axes run over [0, 1] in units of the horizon T, ticks at k/TIME_TICKS
TIME_TICKS = 4


def _placeholders(ax, axis, ticks, widest):
    """Static tick marks with invisible labels as wide as ``widest``: they keep the room
    the blitted labels need in the layout."""
    getattr(ax, f"set_{axis}ticks")(list(ticks), [widest] * len(ticks))
    ax.tick_params(axis=axis, labelcolor="none")


def _label_offset(axis) -> float:
    """Points from the axes' edge to a tick label: the tick outside it and its pad."""
    tick = axis.get_major_ticks()[0]
    return tick.get_tick_padding() + tick.get_pad() + 0.5


def time_axis(ax, n: int = TIME_TICKS, fontsize: float = 8.0) -> list:
    """A time axis that a new horizon T changes without a full redraw: the data are drawn
    against t / T on [0, 1] with static tick marks at k/n, and the tick labels k·T/n are
    texts (to be blitted; set them with ``set_time_axis``). Returns the label texts."""
    ax.set_xlim(0.0, 1.0)
    _placeholders(ax, "x", np.linspace(0.0, 1.0, n + 1), "00.0")
    offset = ScaledTranslation(0, -_label_offset(ax.xaxis) / 72, ax.figure.dpi_scale_trans)
    transform = ax.get_xaxis_transform() + offset
    return [ax.text(k / n, 0.0, "", transform=transform, ha="center", va="top",
                    fontsize=fontsize, clip_on=False) for k in range(n + 1)]


def set_time_axis(labels, horizon: float) -> None:
    """Label the ticks k/n of a ``time_axis`` with the times k·T/n (T = ``horizon``)."""
    n = len(labels) - 1
    for k, text in enumerate(labels):
        text.set_text(f"{k * horizon / n:.3g}")


def value_axis(ax, ticks, widest: str, fontsize: float = 8.0) -> list:
    """A y axis that a new unit U changes without a full redraw: the data are drawn in
    units of U, with static tick marks at ``ticks`` and their labels y·U as texts (to be
    blitted; set them with ``set_value_axis``), as wide as ``widest`` in the layout.
    Returns the label texts."""
    _placeholders(ax, "y", ticks, widest)
    offset = ScaledTranslation(-_label_offset(ax.yaxis) / 72, 0, ax.figure.dpi_scale_trans)
    transform = ax.get_yaxis_transform() + offset
    return [ax.text(0.0, y, "", transform=transform, ha="right", va="center",
                    fontsize=fontsize, clip_on=False) for y in ticks]


def set_value_axis(labels, ticks, unit: float) -> None:
    """Label the ticks y of a ``value_axis`` with y·U (U = ``unit``), minus signs as '−'."""
    for y, text in zip(ticks, labels):
        text.set_text(f"{y * unit:g}".replace("-", "−"))
