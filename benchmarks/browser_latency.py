"""End-to-end latency in a real browser: slider key press -> new canvas image.

What a learner feels: JupyterLab in Chromium (Debian's, driven by Playwright), each
tutorial run with Run All Cells; for every slider of the first widget of each class,
``--presses`` arrow-key presses (turning round at the end of the range; a slider disabled in
the widget's state is measured in the first preset that enables it). One sample is
the time from the ``keydown`` event to the first draw of new pixels on any canvas of the
widget (ipympl's front end drawing the image the kernel sent); after each press we wait
until the canvases are quiet (so the full-quality redraw after a drag is not counted as
the next sample). Prints a markdown table (median / p95 / max ms per slider).

    python benchmarks/browser_latency.py                  # every tutorial (~10-15 min)
    python benchmarks/browser_latency.py --tutorials 01   # names containing "01"
    python benchmarks/browser_latency.py --presses 10 --json out.json

Informational, not a test: nothing is asserted. Needs playwright and /usr/bin/chromium.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import _lab  # noqa: E402
from _servers import CHROMIUM, CHROMIUM_ARGS, start_jupyterlab, tutorials  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure_slider(page, root, slider, presses: int, timeout: float) -> tuple[list[float], int]:
    """Latencies (ms) of ``presses`` key presses on ``slider``; and how many presses
    produced no new picture within ``timeout`` s."""
    samples, misses, key = [], 0, "ArrowRight"
    slider.handle.focus()
    for _ in range(presses):
        _lab.wait_quiet(page, root, quiet=0.5)
        before = _lab.snapshot(page, root)
        old = slider.readout.inner_text()
        page.keyboard.press(key)
        if slider.readout.inner_text() == old:          # end of the range: turn round
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            page.keyboard.press(key)
            if slider.readout.inner_text() == old:
                break
        try:
            samples.append(_lab.wait_first_draw(page, root, before, timeout=timeout))
        except Exception:          # playwright TimeoutError: no new picture for this press
            misses += 1
    return samples, misses


ENABLE = """(lambda w, label: next((p for p in w.PRESETS if (w.apply_preset(p), not next(
    c for c in w.controls.values() if c.description == label).disabled)[1]), None))(
    __import__('ipywidgets').widgets.widget._instances[{model_id!r}], {label!r})"""


def enable(page, model_id: str, label: str):
    """Apply (in the kernel) the first preset of the widget in which the slider labelled
    ``label`` is enabled (e.g. the spectrum's scale and seed of W_H, active only at the
    other saddle); return its name, or None."""
    return _lab.kernel_eval(page, ENABLE.format(model_id=model_id, label=label).replace("\n", " "))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=20)
    ap.add_argument("--tutorials", default="", help="only tutorials whose name contains this")
    ap.add_argument("--all-instances", action="store_true",
                    help="every widget, not only the first of each class")
    ap.add_argument("--timeout", type=float, default=10.0, help="s to wait for a new picture")
    ap.add_argument("--json", type=Path, help="also write the samples here")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    notebooks = [p for p in tutorials() if args.tutorials in p.name]
    rows, raw = [], {}
    started = time.monotonic()
    server = start_jupyterlab()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            for nb in notebooks:
                page = _lab.new_page(browser)
                _lab.open_notebook(page, server, nb.name)
                _lab.run_all(page)
                outputs = _lab.mark_widget_outputs(page)
                info = _lab.probe_widgets(page, [o["model_id"] for o in outputs])
                seen = set()
                for out in outputs:
                    cls = info.get(out["model_id"], {}).get("cls", "?")
                    if (cls in seen and not args.all_instances) or cls == "Canvas":
                        continue
                    seen.add(cls)
                    root = page.locator(f'[data-saddle-widget="{out["index"]}"]')
                    _lab.wait_rendered(page, root, timeout=90)
                    for slider in _lab.sliders(root):
                        samples, misses = measure_slider(page, root, slider, args.presses,
                                                         args.timeout)
                        label = slider.label
                        if not samples and not misses:       # disabled in this state
                            preset = enable(page, out["model_id"], slider.label)
                            if preset is not None:
                                _lab.wait_quiet(page, root, quiet=1.0, timeout=60)
                                samples, misses = measure_slider(page, root, slider,
                                                                 args.presses, args.timeout)
                                label = f"{slider.label} (preset {preset!r})"
                        raw[f"{nb.stem} / {cls} / {label}"] = samples
                        rows.append((nb.stem[:2], cls, label, len(samples), misses,
                                     statistics.median(samples) if samples else float("nan"),
                                     percentile(samples, 0.95), max(samples, default=float("nan"))))
                        print(f"  {nb.stem[:2]} {cls} {label}: n={len(samples)} "
                              f"median {rows[-1][5]:.0f} ms, p95 {rows[-1][6]:.0f} ms",
                              file=sys.stderr, flush=True)
                page.context.close()
            browser.close()
    finally:
        server.stop()

    print(f"\nEnd-to-end latency in Chromium + JupyterLab (key press -> new canvas image), "
          f"{args.presses} presses per slider, {time.monotonic() - started:.0f} s in all:\n")
    print("| tutorial | widget | slider | presses | no new image | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for t, cls, label, n, misses, med, p95, mx in rows:
        print(f"| {t} | {cls} | {label} | {n} | {misses} | {med:.0f} | {p95:.0f} | {mx:.0f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
