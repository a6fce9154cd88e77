"""A course page without a server: one self-contained HTML file per widget.

``to_html(widget, path, sweep)`` renders the widget for every value of one or two swept
parameters (the others stay at the widget's state) and writes one page with a slider per
swept parameter, plain JavaScript and the frames embedded as data URIs: no CDN, no network,
no kernel. It opens from a file, an LMS page, an iframe in a Jupyter Book or an e-mail::

    w = GradientFlowExplorer(x0=0.05)
    w.to_html("gf.html", sweep={"imbalance": np.linspace(0, 36, 41)})

    python -m saddle_widgets.export GradientFlowExplorer --sweep imbalance=0:36:41 -o gf.html

Each frame is the widget's own picture for that state (``w.set_params(**state)``, then
``w.to_png(colors=...)``: the pixels of its live canvases), its status line and the state in
words. The widget's state is restored afterwards.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
import json
import math
import sys
import time
from dataclasses import dataclass
from itertools import product
from numbers import Real
from pathlib import Path
from typing import Callable

import numpy as np

#: at most this many frames per page (each is a full update and a PNG of ~15-60 kB)
MAX_FRAMES = 400
#: the live version: the tutorials in JupyterLab on Binder (README.md's badge)
BINDER_URL = ("https://mybinder.org/v2/gh/saddle-widgets/saddle-widgets/HEAD"
              "?urlpath=lab/tree/tutorials")
#: the sweep key that runs over presets (``sweep={"preset": [...]}``)
PRESET = "preset"
CUSTOM = "(custom)"


@dataclass(frozen=True)
class Axis:
    """A swept parameter (or ``"preset"``): its name, label and validated values."""
    name: str
    label: str
    values: tuple


@dataclass(frozen=True)
class Planned:
    """One slider position: the preset applied first (or None), then the swept parameters
    set from there, and the state that gives (validated, with followers)."""
    preset: str | None
    given: dict
    state: dict


@dataclass(frozen=True)
class Frame:
    """What the widget showed for one slider position."""
    state: dict
    png: bytes
    status: str
    error: bool
    preset: str


@dataclass(frozen=True)
class Export:
    """What ``to_html`` wrote: the file, its frames, distinct pictures, bytes and seconds."""
    path: Path
    frames: int
    images: int
    bytes: int
    seconds: float


# ----------------------------------------------------------------------------- pictures
#: colours kept exact in a palette PNG: the most frequent ones (background, axes, lines)
EXACT_COLORS = 32


def palette_png(pixels: np.ndarray, colors: int = 256) -> bytes:
    """An RGB image (uint8, h x w x 3) as a palette PNG of at most ``colors`` colours.

    Lossless when the image has that few colours. Otherwise the ``EXACT_COLORS`` most
    frequent colours are kept exactly (every pixel of those colours stays exact) and the
    rest of the palette is Pillow's octree of the image, Floyd-Steinberg dithered, so that
    colour gradients do not band (mean error about 1/255 on the widgets' pictures)."""
    from PIL import Image                  # matplotlib's own image dependency
    flat = pixels.reshape(-1, 3).astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    if len(values) <= colors:
        palette, indices = values, np.searchsorted(values, packed)
    else:
        exact = min(EXACT_COLORS, colors // 2)
        top = values[np.argsort(counts, kind="stable")[::-1][:exact]]
        image = Image.fromarray(pixels)
        octree = image.quantize(colors - exact, method=Image.Quantize.FASTOCTREE)
        rgb = np.array(octree.getpalette()[:3 * (colors - exact)], dtype=np.uint32)
        rgb = rgb.reshape(-1, 3)
        palette = np.concatenate([top, (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]])
        holder = Image.new("P", (1, 1))
        holder.putpalette(_unpack(palette).reshape(-1).tolist())
        indices = np.asarray(image.quantize(palette=holder, dither=Image.Dither.FLOYDSTEINBERG))
        indices = indices.reshape(-1).copy()
        # Pillow maps to the palette through a coarse colour cache: pixels of an exact
        # colour get that entry back
        order = np.argsort(top)
        ranked = top[order]
        where = np.searchsorted(ranked, packed).clip(0, exact - 1)
        hit = ranked[where] == packed
        indices[hit] = order[where[hit]]
    out = Image.fromarray(indices.reshape(pixels.shape[:2]).astype(np.uint8), mode="P")
    out.putpalette(_unpack(palette).reshape(-1).tolist())
    buffer = io.BytesIO()
    out.save(buffer, format="png")
    return buffer.getvalue()


def _unpack(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255],
                    axis=-1).astype(np.uint8)


# ----------------------------------------------------------------------------- the sweep
def plan(widget, sweep) -> tuple[list[Axis], list[Planned]]:
    """The axes of ``sweep`` and, per frame (the last axis fastest), what to set and the
    state that gives. Every value is checked first: an unknown parameter,
    a value out of its range or too many frames is a ValueError saying what to change."""
    cls = type(widget)
    if not isinstance(sweep, dict) or not 1 <= len(sweep) <= 2:
        raise ValueError("sweep must map one or two parameter names to their values, e.g. "
                         "sweep={'imbalance': [0, 1, 2]}" +
                         (f"; got {len(sweep)} names" if isinstance(sweep, dict) else
                          f"; got {type(sweep).__name__}"))
    axes = []
    for name, values in sweep.items():
        if name != PRESET and name not in cls.PARAMS:
            raise ValueError(f"sweep: unknown parameter {name!r}; {cls.__name__} takes "
                             f"{', '.join(cls.PARAMS)} (or {PRESET!r} for its presets)")
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise ValueError(f"sweep[{name!r}] must be a list of values, got {values!r}")
        values = list(values.tolist() if isinstance(values, np.ndarray) else values)
        if len(values) < 2:
            raise ValueError(f"sweep[{name!r}] needs at least two values for a slider, "
                             f"got {len(values)}")
        if name == PRESET:
            unknown = [v for v in values if not isinstance(v, str) or v not in cls.PRESETS]
            if unknown:
                raise ValueError(f"sweep[{PRESET!r}]: unknown preset(s) {unknown}; "
                                 f"{cls.__name__}'s presets are {list(cls.PRESETS)}")
            label = "preset"
        else:
            p = cls.PARAMS[name]
            if p.kind == "float":
                values = [float(f"{v:.12g}") if isinstance(v, Real) and not isinstance(v, bool)
                          else v for v in values]
            values = [_checked(p, name, v, widget.state) for v in values]
            label = p.label
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"sweep[{name!r}] lists a value twice: {values}")
        axes.append(Axis(name, label, tuple(values)))
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_FRAMES:
        sizes = " × ".join(str(len(a.values)) for a in axes)
        raise ValueError(f"sweep has {sizes} = {count} frames, more than {MAX_FRAMES}: "
                         f"give fewer values (every frame is an update and a picture)")
    base = widget.state
    frames = []
    for combo in product(*(a.values for a in axes)):
        given = {a.name: v for a, v in zip(axes, combo)}
        preset = given.pop(PRESET, None)
        start = base
        try:
            if preset is not None:
                start = widget._validated({**cls.DEFAULTS, **cls.PRESETS[preset]},
                                          set(cls.PARAMS))
            state = widget._validated({**start, **given}, set(given)) if given else start
        except ValueError as exc:
            where = ", ".join(f"{k} = {_code(v)}" for k, v in
                              {**({PRESET: preset} if preset else {}), **given}.items())
            raise ValueError(f"sweep: at {where}: {exc}") from None
        frames.append(Planned(preset, given, state))
    return axes, frames


def _checked(p, name, value, state):
    """``value`` in the parameter's type; a range that depends on another parameter is
    checked per frame instead (that one may be swept too)."""
    try:
        return p.validate(name, value, state)
    except ValueError as exc:
        dynamic = any(isinstance(getattr(p, b, None), str) for b in ("lo", "hi"))
        if dynamic and isinstance(value, Real) and not isinstance(value, bool):
            return value
        raise ValueError(f"sweep[{name!r}]: {exc}") from None


def render(widget, frames, *, colors: int | None = 256,
           progress: Callable[[int, int], None] | None = None) -> list[Frame]:
    """Set the widget to each planned state (a preset as its menu applies it) and keep its
    picture, status line and state; the widget's state is restored afterwards."""
    saved, saved_preset = widget.state, widget.preset.value
    out = []
    try:
        for i, todo in enumerate(frames):
            if todo.preset is not None:           # as the menu applies it, then a slider
                widget.apply_preset(todo.preset)
                if todo.given:
                    widget.set_params(**todo.given)
            else:                                 # the whole state: no path dependence
                widget.set_params(**todo.state)
            out.append(Frame(widget.state, widget.to_png(colors=colors), widget.status_text,
                             widget.error is not None, widget.preset.value))
            if progress is not None:
                progress(i + 1, len(frames))
    finally:
        # the state, and the preset menu as it was (with its note in the status line)
        widget._apply(saved, preset=saved_preset)
    return out


# ----------------------------------------------------------------------------- words
def _code(value) -> str:
    return repr(value)


def words(cls, name: str, value) -> str:
    """A value as its control shows it: a float in the slider's format, a choice's label."""
    p = cls.PARAMS[name]
    if p.kind == "float":
        return format(value, p.fmt)
    if p.kind == "choice":
        return str((p.labels or {}).get(value, value))
    if p.kind == "bool":
        return "on" if value else "off"
    return str(value)


def state_words(cls, state: dict, skip=()) -> str:
    """``label = value`` for every parameter (``skip`` left out), noting those that do not
    matter in this state."""
    parts = []
    for name, p in cls.PARAMS.items():
        if name in skip:
            continue
        text = f"{p.label} = {words(cls, name, state[name])}"
        if p.when is not None and not p.when(state):
            text += " (not used here)"
        parts.append(text)
    return "; ".join(parts)


def state_code(cls, state: dict) -> str:
    """The constructor call that rebuilds ``state`` (parameters off their default only)."""
    args = ", ".join(f"{k}={_code(v)}" for k, v in state.items() if v != cls.DEFAULTS[k]
                     or type(v) is not type(cls.DEFAULTS[k]))
    return f"{cls.__name__}({args})"


# ----------------------------------------------------------------------------- the page
def page(cls, axes: list[Axis], frames: list[Frame], initial: int, *, title: str,
         lead: str, live_url: str) -> str:
    """The HTML of the page: sliders, the picture, status, state; data and script inline."""
    import saddle_widgets
    images, index = [], {}
    rows = []
    swept = {a.name for a in axes}
    for f in frames:
        if f.png not in index:
            index[f.png] = len(images)
            images.append(base64.b64encode(f.png).decode("ascii"))
        rows.append([index[f.png], f.status, int(f.error),
                     state_words(cls, f.state, swept), state_code(cls, f.state)])
    labels = [_axis_texts(cls, a) for a in axes]
    data = {"sizes": [len(a.values) for a in axes], "labels": labels, "images": images,
            "frames": rows}
    # inside <script>: no "</" may close the element early
    blob = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    first = frames[initial]
    position = np.unravel_index(initial, data["sizes"])
    sliders = "\n".join(
        f'<div class="row"><label for="slider-{i}">{html.escape(a.label)}</label>'
        f'<input type="range" id="slider-{i}" data-name="{html.escape(a.name)}" min="0" '
        f'max="{len(a.values) - 1}" step="1" value="{int(position[i])}" '
        f'aria-valuetext="{html.escape(labels[i][position[i]])}">'
        f'<output id="value-{i}" for="slider-{i}">{html.escape(labels[i][position[i]])}'
        f'</output><button type="button" id="play-{i}" data-slider="{i}" '
        f'aria-label="play {html.escape(a.label)}">▶ play</button></div>'
        for i, a in enumerate(axes))
    fixed = ", ".join(html.escape(a.label) for a in axes)
    n_pictures = len(images)
    live = html.escape(live_url, quote=True)
    return _TEMPLATE.format(
        title=html.escape(title), lead=html.escape(lead), sliders=sliders,
        status_class="status error" if first.error else "status",
        status=html.escape(first.status), png=images[index[first.png]],
        alt=html.escape(first.status or title, quote=True),
        words=html.escape(rows[initial][3]), code=html.escape(rows[initial][4]),
        swept=fixed, n_frames=len(frames), n_pictures=n_pictures,
        version=html.escape(saddle_widgets.__version__), name=cls.__name__,
        live=live, data=blob)


def _axis_texts(cls, axis: Axis) -> list[str]:
    """The slider's readouts: as the control shows them, or with all digits where the
    control's format would show two values alike."""
    if axis.name == PRESET:
        return list(axis.values)
    texts = [words(cls, axis.name, v) for v in axis.values]
    if len(set(texts)) < len(texts):
        texts = [f"{v:g}" if isinstance(v, float) else str(v) for v in axis.values]
    return texts


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="saddle-widgets {version}">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1em;
       color: #222; background: #fff; max-width: 1400px; }}
h1 {{ font-size: 1.2em; margin: 0 0 .2em 0; }}
.lead {{ font-size: .9em; color: #444; margin: 0 0 .6em 0; }}
.row {{ display: flex; align-items: center; gap: .6em; margin: .25em 0; flex-wrap: wrap; }}
.row label {{ width: 12em; }}
.row input[type=range] {{ width: min(24em, 60vw); }}
.row output {{ font-variant-numeric: tabular-nums; min-width: 5em; font-weight: 600; }}
.row button {{ font: inherit; font-size: .85em; padding: .1em .6em; }}
.status {{ margin: .5em 0; min-height: 1.4em; }}
.error {{ color: #b00020; font-weight: 600; }}
.error::before {{ content: "\\26A0  "; }}
#frame {{ max-width: 100%; height: auto; display: block; border: 1px solid #ddd; }}
.state {{ font-size: .9em; color: #333; margin: .5em 0; }}
code {{ font-size: .9em; background: #f4f4f4; padding: 0 .2em; overflow-wrap: anywhere; }}
.note {{ font-size: .85em; color: #555; border-top: 1px solid #ddd; margin-top: 1em;
         padding-top: .5em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="lead">{lead}</p>
<div id="sliders">
{sliders}
</div>
<p id="status" class="{status_class}" role="status" aria-live="polite">{status}</p>
<img id="frame" alt="{alt}" src="data:image/png;base64,{png}">
<p class="state"><b>State:</b> <span id="state">{words}</span><br>
<b>In code:</b> <code id="code">{code}</code></p>
<p class="note" id="note">This page is precomputed: {n_frames} slider positions
({n_pictures} distinct pictures) drawn by saddle-widgets {version}, so it needs no server and
no network; moving a slider ({swept}) only swaps the picture. The other parameters are fixed
at the state shown. For the live widget, where every parameter can be changed, open it on
Binder: <a href="{live}" target="_blank" rel="noopener noreferrer">{live}</a>
(JupyterLab starts in a minute or two), or in your own Jupyter run
<code>pip install saddle-widgets</code> and the line under "In code"
(<code>from saddle_widgets import {name}</code> first).</p>
<script>
"use strict";
const DATA = {data};
(function () {{
  const sliders = Array.from(document.querySelectorAll("#sliders input[type=range]"));
  const img = document.getElementById("frame");
  const status = document.getElementById("status");
  function show() {{
    let k = 0;
    sliders.forEach(function (s, i) {{
      const v = Number(s.value);
      k = k * DATA.sizes[i] + v;
      const text = DATA.labels[i][v];
      document.getElementById("value-" + i).textContent = text;
      s.setAttribute("aria-valuetext", text);
    }});
    const f = DATA.frames[k];
    img.src = "data:image/png;base64," + DATA.images[f[0]];
    img.alt = f[1];
    img.dataset.frame = String(k);
    status.textContent = f[1];
    status.className = f[2] ? "status error" : "status";
    document.getElementById("state").textContent = f[3];
    document.getElementById("code").textContent = f[4];
  }}
  sliders.forEach(function (s) {{ s.addEventListener("input", show); }});
  // play: step the slider once every 0.4 s, round and round, until pressed again
  let timer = null, playing = null;
  function stop() {{
    if (timer !== null) {{ clearInterval(timer); timer = null; }}
    if (playing) {{ playing.textContent = "\u25B6 play"; playing = null; }}
  }}
  document.querySelectorAll("#sliders button").forEach(function (b) {{
    b.addEventListener("click", function () {{
      const again = playing === b;
      stop();
      if (again) return;
      const s = sliders[Number(b.dataset.slider)];
      playing = b;
      b.textContent = "\u23F8 pause";
      timer = setInterval(function () {{
        s.value = String((Number(s.value) + 1) % (Number(s.max) + 1));
        show();
      }}, 400);
    }});
  }});
  sliders.forEach(function (s) {{ s.addEventListener("keydown", stop); }});
  show();
}})();
</script>
</body>
</html>
"""


def to_html(widget, path, sweep: dict, *, colors: int | None = 256, title: str | None = None,
            live_url: str = BINDER_URL,
            progress: Callable[[int, int], None] | None = None) -> Export:
    """Write the page for ``sweep`` ({name: values} for one or two parameters, or
    {"preset": [names]}, optionally with one parameter) to ``path``.

    ``colors``: frames as palette PNGs of that many colours (``w.to_png(colors=...)``), or
    None for lossless PNGs (about three times the bytes). ``live_url``: where the page says
    the live widget is (default: the tutorials on Binder). At most ``MAX_FRAMES`` frames.
    Returns what was written (path, frames, distinct pictures, bytes, seconds)."""
    start = time.perf_counter()
    if colors is not None and (isinstance(colors, bool) or not isinstance(colors, int)
                               or not 2 <= colors <= 256):
        raise ValueError(f"colors must be None (lossless) or an integer from 2 to 256, "
                         f"got {colors!r}")
    if not isinstance(live_url, str) or not live_url.startswith(("https://", "http://")):
        raise ValueError(f"live_url must be an http(s) address, got {live_url!r}")
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path: the folder {str(path.parent)!r} does not exist")
    cls = type(widget)
    axes, planned = plan(widget, sweep)
    # the slider starts at the widget's own state where the sweep contains it
    here = widget.state
    initial = next((i for i, todo in enumerate(planned) if todo.state == here
                    and todo.preset in (None, widget.preset.value)), 0)
    frames = render(widget, planned, colors=colors, progress=progress)
    lead = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    text = page(cls, axes, frames, initial, title=title or cls.__name__, lead=lead,
                live_url=live_url)
    path.write_text(text, encoding="utf-8")
    return Export(path, len(frames), len({f.png for f in frames}), len(text.encode("utf-8")),
                  time.perf_counter() - start)


# ----------------------------------------------------------------------------- command line
def parse_value(cls, name: str, text: str):
    """A command-line value for parameter ``name`` in its type (a choice by its value or
    label, a bool as true/false/on/off/yes/no/1/0)."""
    if name == PRESET:
        return text
    if name not in cls.PARAMS:
        raise ValueError(f"unknown parameter {name!r}; {cls.__name__} takes "
                         f"{', '.join(cls.PARAMS)} (or {PRESET!r})")
    p = cls.PARAMS[name]
    text = text.strip()
    try:
        if p.kind == "float":
            return float(text)
        if p.kind == "int":
            return int(text)
    except ValueError:
        raise ValueError(f"{name} must be {'a number' if p.kind == 'float' else 'an integer'}"
                         f", got {text!r}") from None
    if p.kind == "bool":
        low = text.lower()
        if low in ("true", "on", "yes", "1"):
            return True
        if low in ("false", "off", "no", "0"):
            return False
        raise ValueError(f"{name} must be true or false, got {text!r}")
    labels = p.labels or {}
    for o in p.options:
        if text in (str(o), str(labels.get(o, o))):
            return o
    raise ValueError(f"{name} must be one of {[str(o) for o in p.options]}, got {text!r}")


def parse_sweep(cls, spec: str) -> tuple[str, list]:
    """``name=v1,v2,...``, ``name=start:stop:num`` (num values, ends included) or, for
    presets, ``preset=all`` / ``preset=name1|name2``."""
    if "=" not in spec:
        raise ValueError(f"--sweep takes name=values, got {spec!r}")
    name, text = (s.strip() for s in spec.split("=", 1))
    if name == PRESET:
        return name, (list(cls.PRESETS) if text == "all" else
                      [t.strip() for t in text.split("|") if t.strip()])
    if name in cls.PARAMS and cls.PARAMS[name].kind in ("float", "int") and text.count(":") == 2:
        lo, hi, num = text.split(":")
        try:
            lo, hi, num = float(lo), float(hi), int(num)
        except ValueError:
            raise ValueError(f"--sweep {name}=start:stop:num takes two numbers and an "
                             f"integer, got {text!r}") from None
        if not 2 <= num <= MAX_FRAMES:
            raise ValueError(f"--sweep {name}: num must be from 2 to {MAX_FRAMES}, got {num}")
        values = [float(f"{v:.12g}") for v in np.linspace(lo, hi, num)]
        if cls.PARAMS[name].kind == "int":
            if any(v != round(v) for v in values):
                raise ValueError(f"--sweep {name}={text}: {name} is an integer but these "
                                 f"values are not (choose num so the step is whole)")
            values = [int(round(v)) for v in values]
        return name, values
    return name, [parse_value(cls, name, t) for t in text.split(",") if t.strip()]


def _widgets() -> dict[str, type]:
    from .widgets._docs import widget_classes
    return {c.__name__: c for c in widget_classes()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m saddle_widgets.export",
        description="Write one self-contained HTML page (no server, no network) with "
                    "precomputed frames of a widget for one or two swept parameters.",
        epilog="examples:\n"
               "  python -m saddle_widgets.export GradientFlowExplorer "
               "--sweep imbalance=0:36:41 -o gf.html\n"
               "  python -m saddle_widgets.export GradientFlowExplorer --sweep depth=2,3,4 "
               "--sweep x0=-1:1:9 --set cost=quadratic -o gf_depth.html\n"
               "  python -m saddle_widgets.export PLRNNExplorer --sweep preset=all "
               "-o plrnn.html\n"
               f"At most {MAX_FRAMES} frames; a 41-frame page is about 0.7-3.5 MB.\n"
               f"widgets: {', '.join(_widgets())}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("widget", help="the widget class, e.g. GradientFlowExplorer")
    parser.add_argument("--sweep", action="append", required=True, metavar="NAME=VALUES",
                        help="a swept parameter: name=v1,v2,... or name=start:stop:num; "
                             "presets: preset=all or preset='name 1|name 2' (once or twice)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="fix a parameter at a value (after --preset)")
    parser.add_argument("--preset", help="start from this preset")
    parser.add_argument("-o", "--output", required=True, help="the HTML file to write")
    parser.add_argument("--colors", type=int, default=256,
                        help="colours per frame (2-256; 0: lossless PNG, ~3x larger)")
    parser.add_argument("--title", help="the page's title (default: the widget's class name)")
    parser.add_argument("--live-url", default=BINDER_URL,
                        help="where the page says the live widget is (default: Binder)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    classes = _widgets()
    if args.widget not in classes:
        parser.error(f"unknown widget {args.widget!r}; choose one of {', '.join(classes)}")
    cls = classes[args.widget]
    try:
        sets = {}
        for spec in args.set:
            if "=" not in spec:
                raise ValueError(f"--set takes name=value, got {spec!r}")
            name, text = spec.split("=", 1)
            sets[name.strip()] = parse_value(cls, name.strip(), text)
        sweep = dict(parse_sweep(cls, s) for s in args.sweep)
        if len(sweep) != len(args.sweep):
            raise ValueError("--sweep names a parameter twice")
        widget = cls(canvas="agg") if args.preset or not sets else cls(canvas="agg", **sets)
        if args.preset:
            widget.apply_preset(args.preset)
            if sets:
                widget.set_params(**sets)
        if widget.error:
            raise ValueError(f"the widget's state is an error: {widget.error}")

        def tick(done, total):
            if not args.quiet:
                print(f"\rframe {done}/{total}", end="" if done < total else "\n",
                      file=sys.stderr, flush=True)

        result = to_html(widget, args.output, sweep, colors=args.colors or None,
                         title=args.title, live_url=args.live_url, progress=tick)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"wrote {result.path}: {result.frames} frames ({result.images} distinct pictures), "
          f"{result.bytes / 1e6:.2f} MB in {result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
