"""Key press to painted image, in a real JupyterLab in Chromium: LatentExplorer against the usual interactive + matplotlib.

Run: .venv/bin/python benchmarks/widget_latency.py [--moves 200]

Three widgets showing the same decoder live in one notebook: LatentExplorer (the decoder runs in the browser),
LatentExplorer(backend="kernel") (the kernel decodes and sends the pixels) and the tutorial way, an
ipywidgets `interactive` redrawing a matplotlib figure. Their slider moves are interleaved in one run, so
the load on the machine weighs on all of them alike. A move is timed from the key's keydown (a capture-phase
listener) to the frame that shows the new image: the widget's paint is seen by a MutationObserver (the
data-frame counter, or the new <img> decoded), then one requestAnimationFrame and a MessageChannel post mark
the frame. Then a burst of 20 key presses 1/60 s apart counts the images each widget painted, against the
number of display frames the keys fell in (two keys within one frame can only be shown as one image, the later);
then 600 key presses as fast as they come check that the page's memory and element count stay flat.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
from harness import Browser, JupyterServer, missing_browser, open_and_run, train_models, write_notebook  # noqa: E402

CELLS = [
    """\
import matplotlib.pyplot as plt
import torch
from ipywidgets import FloatSlider, interactive

import vaelessons as vl
from vaelessons.widgets import LatentExplorer

vae = vl.load("vae.pt")
test = vl.load_data("mnist-mini", "test")""",
    "LatentExplorer(vae, test, z=[-2.5, 0.0])",
    "LatentExplorer(vae, test, z=[-2.5, 0.0], backend='kernel')",
    """\
def show(z1, z2):
    with torch.no_grad():
        image = vae.decode(torch.tensor([[z1, z2]])).reshape(28, 28)
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    plt.show()


baseline = interactive(show, z1=FloatSlider(-2.5, min=-3, max=3, step=0.05), z2=FloatSlider(0.0, min=-3, max=3, step=0.05))
baseline.add_class("bench-baseline")
baseline""",
]

PROBE = """() => {
  window.__lat = [];                  // [name, ms] per timed move
  window.__paints = {};               // name -> [time of each paint]
  window.__keyFrames = [];            // the display frame (counted by a requestAnimationFrame loop) of each key
  let t0 = null, frame = 0;
  const count = () => { frame++; requestAnimationFrame(count); };
  requestAnimationFrame(count);
  document.addEventListener('keydown', () => {
    t0 = performance.now();
    window.__lastKey = t0;
    window.__keyFrames.push(frame);
  }, true);
  const painted = (name) => {
    (window.__paints[name] = window.__paints[name] || []).push(performance.now());
    if (t0 === null) return;
    const start = t0;
    t0 = null;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => window.__lat.push([name, performance.now() - start]);
      channel.port2.postMessage(0);
    });
  };
  const roots = document.querySelectorAll('.vaelessons-latent-explorer');
  const names = ['browser', 'kernel'];
  roots.forEach((root, k) => new MutationObserver(() => painted(names[k]))
    .observe(root, {attributes: true, attributeFilter: ['data-frame']}));
  const output = document.querySelector('.bench-baseline .widget-output');
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) {
      const img = node.nodeType === 1 && (node.tagName === 'IMG' ? node : node.querySelector('img'));
      if (img) img.decode().then(() => painted('matplotlib'), () => painted('matplotlib'));
    }
  }).observe(output, {childList: true, subtree: true});
}"""

LABELS = {
    "matplotlib": "`interactive` + matplotlib (the usual way)",
    "kernel": "LatentExplorer, kernel decodes (fallback)",
    "browser": "LatentExplorer, decoder in the browser",
}


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def sliders(page):
    explorers = page.locator(".vaelessons-latent-explorer")
    return {
        "browser": explorers.nth(0).locator("input[type=range]").nth(0),
        "kernel": explorers.nth(1).locator("input[type=range]").nth(0),
        "matplotlib": page.locator(".bench-baseline .widget-slider .noUi-handle").nth(0),
    }


def timed_moves(page, controls, moves: int):
    """Interleave `moves` single key presses on each control, each waiting for its paint; returns name -> [ms]."""
    done = 0
    for i in range(moves):
        key = "ArrowRight" if i < moves // 2 else "ArrowLeft"  # -2.5 -> +2.5 and back, inside the range
        for control in controls.values():
            control.focus()
            page.keyboard.press(key)
            done += 1
            page.wait_for_function("n => window.__lat.length >= n", arg=done, timeout=10_000)
    results = {name: [] for name in controls}
    for name, ms in page.evaluate("window.__lat"):
        results[name].append(ms)
    return results


def burst(page, control, name: str, keys: int = 20, gap: float = 1 / 60):
    """Press `keys` keys `gap` s apart; returns (images painted, display frames that got a key, ms from the last key
    to the last paint). Keys that reach the page within one display frame can only be shown as one image."""
    control.focus()
    before = page.evaluate("name => (window.__paints[name] || []).length", name)
    first_key = page.evaluate("window.__keyFrames.length")
    start = time.perf_counter()
    for k in range(keys):
        time.sleep(max(0.0, start + k * gap - time.perf_counter()))
        page.keyboard.press("ArrowRight")
    time.sleep(2.0)  # let the kernel-backed widgets catch up
    paints = page.evaluate("name => window.__paints[name] || []", name)
    last_key = page.evaluate("window.__lastKey")
    frames = len(set(page.evaluate("n => window.__keyFrames.slice(n)", first_key)))
    return len(paints) - before, frames, paints[-1] - last_key


def heap_growth(page, control, keys: int = 600) -> tuple:
    """JS heap in use (MB, after garbage collection) before and after `keys` key presses sent as fast as possible."""
    cdp = page.context.new_cdp_session(page)

    def used():
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6

    control.focus()
    before = used()
    for k in range(keys):
        page.keyboard.press("ArrowRight" if (k // 50) % 2 == 0 else "ArrowLeft")
    time.sleep(1.0)
    return before, used()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200, help="timed key presses per widget (default 200)")
    parser.add_argument("--epochs", type=int, default=3, help="training epochs of the VAE on mnist-mini (default 3)")
    parser.add_argument("--screenshot", help="save a screenshot of the notebook to this PNG")
    args = parser.parse_args()
    if reason := missing_browser():
        sys.exit(f"cannot run the benchmark: {reason}")
    with tempfile.TemporaryDirectory(prefix="vaelessons-bench-") as folder:
        folder = Path(folder)
        print(f"training a VAE for {args.epochs} epochs on mnist-mini ...", flush=True)
        train_models(folder, epochs=args.epochs, names=("vae",))
        write_notebook(folder / "bench.ipynb", CELLS)
        server, browser = JupyterServer(folder, app="lab"), Browser(folder)
        try:
            page = browser.page()
            open_and_run(page, server, "bench.ipynb", ".vaelessons-latent-explorer", 2)
            page.wait_for_selector(".bench-baseline .widget-output img", timeout=60_000)
            page.evaluate(PROBE)
            controls = sliders(page)
            print(f"timing {args.moves} key presses on each widget, interleaved ...", flush=True)
            latency = timed_moves(page, controls, args.moves)
            bursts = {name: burst(page, control, name) for name, control in controls.items()}
            nodes = page.evaluate("document.querySelectorAll('*').length")
            heap = heap_growth(page, controls["browser"])
            nodes_after = page.evaluate("document.querySelectorAll('*').length")
            if args.screenshot:
                page.screenshot(path=args.screenshot, full_page=True)
            errors = list(browser.errors)
        finally:
            browser.close()
            server.stop()
    base = statistics.median(latency["matplotlib"])
    print(f"\nKey press to painted image, {args.moves} moves each, interleaved in one run (ms):\n")
    print("| widget | p50 | p95 | p50 speed-up vs baseline | 20-key burst at 60 Hz: images painted | last key to last paint |")
    print("|---|---|---|---|---|---|")
    for name in ("matplotlib", "kernel", "browser"):
        ms = latency[name]
        painted, frames, settle = bursts[name]
        p50, p95 = statistics.median(ms), percentile(ms, 95)
        shown = f"{painted} (keys fell in {frames} display frames)"
        print(f"| {LABELS[name]} | {p50:.1f} | {p95:.1f} | {base / p50:.1f}x | {shown} | {settle:.0f} |")
    p50 = statistics.median(latency["browser"])
    print(f"\ntarget: p50 within one 60 Hz frame (16.7 ms): {'met' if p50 <= 1000 / 60 else 'NOT met'} ({p50:.1f} ms)")
    print(f"target: at least 5x faster than the baseline at p50: {'met' if base / p50 >= 5 else 'NOT met'} ({base / p50:.1f}x)")
    painted, frames, _ = bursts["browser"]
    verdict = "met" if painted >= frames else "NOT met"
    print(f"target: every display frame of the burst that got a key painted: {verdict} ({painted} images, {frames} frames)")
    print(
        f"\nafter 600 more key presses as fast as they come on LatentExplorer: JS heap {heap[0]:.1f} -> {heap[1]:.1f} MB "
        f"(after garbage collection), page elements {nodes} -> {nodes_after}"
    )
    if errors:
        print("\nbrowser console errors:\n  " + "\n  ".join(errors))


if __name__ == "__main__":
    main()
