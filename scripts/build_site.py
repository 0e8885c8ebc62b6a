"""Build the lessons as a static website that works offline: `make site` (python scripts/build_site.py [--out DIR]).

One page per notebook (nbconvert's lab HTML, from the committed outputs and saved widget state) and one deck of
slides per notebook (nbconvert's reveal.js slides, a slide per markdown heading), an index, and assets/: the
widget manager (@jupyter-widgets/html-manager with anywidget's front end, one classic script built by
site_src/build.mjs), MathJax's TeX-to-SVG build and reveal.js. No page loads anything from another address,
so the site opens from a static server or straight from the disk (file://). The widgets move with no kernel:
their saved state holds the decoders' weights, and their JavaScript and style are the package's own
(vaelessons/static), put in at build time. A widget that needs Python to redraw
(an `interact`, a slider wired to a figure) becomes its saved image and a line that says so.
"""

import argparse
import copy
import html
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, SlidesExporter
from nbconvert.filters.markdown import markdown2html

ROOT = Path(__file__).resolve().parents[1]
SITE_SRC = ROOT / "site_src"
ASSETS = SITE_SRC / "assets"  # built by site_src/build.mjs, committed
TEMPLATES = SITE_SRC / "templates"
STATIC = ROOT / "vaelessons" / "static"  # the widgets' front end: widgets.js and widgets.css
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# widget models that only show something; a tree of these (and no anywidget) still looks right with no kernel
DISPLAY_ONLY = {"HBoxModel", "VBoxModel", "BoxModel", "HTMLModel", "HTMLMathModel", "LabelModel", "FloatProgressModel",
                "IntProgressModel", "LayoutModel"}
NEEDS_KERNEL = (
    '<p class="vl-needs-kernel">This figure is redrawn by Python as you move its control, so here it is as saved: '
    'run the notebook to move it (<a href="index.html#run">how</a>).</p>'
)


def lesson_title(nb, fallback: str) -> str:
    """The text of the notebook's first markdown heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#+\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def lesson_summary(nb) -> str:
    """The first paragraph of prose after the first heading, as plain text (markdown marks left as they are)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for para in re.split(r"\n\s*\n", cell.source):
                para = para.strip()
                if para and not para.startswith(("#", "|", "-", "*", ">", "<")):
                    return " ".join(para.split())
    return ""


def _tree(state: dict, model_id: str) -> list:
    """Every model id reachable from model_id through IPY_MODEL_ references in the saved state."""
    seen, todo = [], [model_id]
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.append(mid)
        todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(state[mid]["state"]))
    return seen


def _saved_images(state: dict, ids: list) -> list:
    """The outputs a kernel-bound widget tree showed when saved: its Output widgets' outputs and Image widgets' PNGs."""
    outputs = []
    for mid in ids:
        model = state[mid]
        if model["model_name"] == "OutputModel":
            outputs += [nbformat.from_dict(o) for o in model["state"].get("outputs", [])]
        elif model["model_name"] == "ImageModel":
            for buf in model.get("buffers", []):
                if buf.get("path") == ["value"] and buf.get("encoding") == "base64":
                    fmt = model["state"].get("format", "png")
                    outputs.append(nbformat.v4.new_output("display_data", data={f"image/{fmt}": buf["data"]}))
    return outputs


def freeze_kernel_widgets(nb) -> int:
    """Swap each widget that needs Python to redraw for its saved image and NEEDS_KERNEL, drop unused state; returns how many."""
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if not saved:
        return 0
    state, frozen, kept = saved["state"], 0, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(out)
                continue
            ids = _tree(state, view["model_id"])
            names = {state[m]["model_name"] for m in ids}
            live = "AnyModel" in names or all(n in DISPLAY_ONLY or n.endswith("StyleModel") for n in names)
            if live:
                outputs.append(out)
                kept += ids
            else:
                outputs += _saved_images(state, ids)
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": NEEDS_KERNEL}))
                frozen += 1
        cell.outputs = outputs
    saved["state"] = {m: state[m] for m in state if m in kept}
    return frozen


def current_front_end(nb) -> None:
    """Give each vaelessons widget saved in nb today's widgets.js and widgets.css.

    A notebook's saved state holds a copy of the front end from the day it was run: without this, a fix to the
    widgets' JavaScript or style reached a page only once its lesson was run again."""
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    esm, css = (STATIC / "widgets.js").read_text(), (STATIC / "widgets.css").read_text()
    head = esm.splitlines()[0]
    for model in saved.values():
        state = model.get("state", {})
        if state.get("_esm", "").splitlines()[:1] == [head]:
            state["_esm"], state["_css"] = esm, css


def mark_slides(nb) -> None:
    """Slide metadata set at build time: a new slide at each markdown cell that opens with a heading."""
    for k, cell in enumerate(nb.cells):
        heading = cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")
        cell.metadata["slideshow"] = {"slide_type": "slide" if heading or k == 0 else "-"}


def _exporter(cls, template: str, **kw):
    return cls(template_name=template, extra_template_basedirs=[str(TEMPLATES)], extra_template_paths=[str(TEMPLATES)], **kw)


def _page(site: dict, name: str):
    return {"vaelessons": site, "metadata": {"name": name}}


def build(notebooks: list, out: Path) -> dict:
    """Write the site for the notebooks (paths, in reading order) to out; returns {page file: bytes}."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / "assets").exists():
        shutil.rmtree(out / "assets")
    shutil.copytree(ASSETS, out / "assets")
    shutil.copy(SITE_SRC / "site.css", out / "assets" / "site.css")
    page = _exporter(HTMLExporter, "vaelessons_page")
    slides = _exporter(SlidesExporter, "vaelessons_slides", reveal_url_prefix="assets/reveal", reveal_theme="white",
                       reveal_scroll=True, reveal_width="1280", reveal_height="800")
    loaded = [(Path(p), nbformat.read(p, as_version=4)) for p in notebooks]
    lessons = [{"href": f"{p.stem}.html", "slides": f"{p.stem}.slides.html", "title": lesson_title(nb, p.stem),
                "summary": lesson_summary(nb), "file": p.name} for p, nb in loaded]
    sizes = {}
    for k, (_, nb) in enumerate(loaded):
        freeze_kernel_widgets(nb)
        current_front_end(nb)
        site = {"assets": "assets", "slides": lessons[k]["slides"],
                "prev": lessons[k - 1] if k else None, "next": lessons[k + 1] if k + 1 < len(lessons) else None}
        body, _ = page.from_notebook_node(nb, resources=_page(site, lessons[k]["title"]))
        deck = copy.deepcopy(nb)
        mark_slides(deck)
        deck_body, _ = slides.from_notebook_node(deck, resources=_page(site, lessons[k]["title"]))
        for name, text in ((lessons[k]["href"], body), (lessons[k]["slides"], deck_body)):
            (out / name).write_text(text, encoding="utf-8")
            sizes[name] = len(text.encode())
    index = index_page(lessons)
    (out / "index.html").write_text(index, encoding="utf-8")
    sizes["index.html"] = len(index.encode())
    return sizes


def index_page(lessons: list) -> str:
    """The site's front page: what the series is, the lesson table, how to run the lessons for real."""
    rows = "\n".join(
        f'<tr><td>{k}</td><td><a href="{html.escape(x["href"])}">{html.escape(x["title"])}</a></td>'
        f'<td>{markdown2html(x["summary"])}</td><td><a href="{html.escape(x["slides"])}">slides</a></td></tr>'
        for k, x in enumerate(lessons)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Variational auto-encoders from first principles</title>
<link rel="stylesheet" href="assets/site.css">
<script>window.MathJax = {{ tex: {{ inlineMath: [["$", "$"]] }}, svg: {{ fontCache: "global" }} }};</script>
<script src="assets/tex-svg-full.js" defer></script>
</head>
<body class="vl-index">
<main>
<h1>Variational auto-encoders from first principles</h1>
<p>An ordered series of lessons that builds the variational auto-encoder from the ground up: what a distribution
is and how it transforms, why decoding a point is not enough, one posterior per sample, the KL term, the
reparameterization trick, a VAE on MNIST and a conditional VAE. Every claim is shown by code that runs in
seconds on a laptop's CPU.</p>
<p>These pages are the lessons as they were last run, with their figures. The widgets are live here: drag
their sliders and points and the decoder redraws the digit in your browser, with no Python behind it. A control
that needs Python to redraw shows its saved figure and says so. Everything on this site works offline.</p>
<table class="vl-lessons">
<thead><tr><th>#</th><th>Lesson</th><th>What it shows</th><th>Present</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2 id="run">Run the lessons for real</h2>
<p>To run the code, change it and do the exercises, run the notebooks in JupyterLab on your own machine
(Python 3.10 or newer; no GPU needed). Get the repository this site was built from (<code>git clone</code> it,
or download and unpack its zip), then, in its folder:</p>
<pre><code>make lessons      # makes a virtual environment, installs the package, opens JupyterLab
make test         # runs every test</code></pre>
<p>The README in the repository says more: the data the lessons use and where it is kept, quick and full mode,
and how to run offline.</p>
</main>
</body>
</html>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks in reading order (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="output folder (default: build/site)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    if not notebooks:
        sys.exit("build_site: no notebooks given and none in notebooks/")
    needed = [ASSETS / "widgets-embed.js", ASSETS / "tex-svg-full.js", ASSETS / "reveal" / "dist" / "reveal.js"]
    missing = [p for p in needed if not p.exists()]
    if missing:
        sys.exit(f"build_site: missing site assets {', '.join(map(str, missing))}: run `cd site_src && npm ci && node build.mjs`")
    sizes = build(notebooks, args.out)
    for name, size in sizes.items():
        print(f"{size / 1e6:8.2f} MB  {name}")
    print(f"site written to {args.out} (open {args.out / 'index.html'})")


if __name__ == "__main__":
    main()
