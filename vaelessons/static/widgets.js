// The front end of vaelessons.widgets: one ES module for the four widgets, chosen by the model's "kind".
//
// The three decoder widgets (LatentExplorer, Interpolation, ClassExplorer) share one skeleton, decoderWidget:
// the model's decoder MLP runs here on Float32Arrays (its weights come once per model, in a Decoder widget
// model that every widget drawing with that model refers to) and paints a canvas. A frame is drawn at most once
// per animation frame, always from the latest state, so stale frames are dropped, never queued; after each paint
// the root element's data-frame counter goes up (tests watch it). Per frame only the image, the readouts and
// the point on the plane change: the plane's scatter and its scene (path, class means) are drawn off screen only
// when what they show changes, and copied under the point into the plane's one canvas. The state
// goes to the kernel once the moves pause, not on every frame; a trait set from Python redraws the widget.

const DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
// One place for the geometry (CSS px). The plane's element carries its own as data attributes (the tests read
// them) and the root the margin as a CSS variable (the style sheet lines the legend up with the axes).
const GEOMETRY = {
  image: 280, // the decoded image's longer side
  strip: 44, // a frame of the interpolation strip
  plane: 320, // the latent plane, a square
  margin: { left: 42, right: 10, top: 10, bottom: 38 }, // around the plane's square plotting area: ticks, axis names
};
const POINT_COLOUR = "#111"; // the point on the plane: the code the image shows
const QUIET_MS = 200; // the state goes to the kernel this long after the last move

// ---------- numbers and binary buffers ----------

// one formatter for every number on screen, so a readout and a caption showing the same value agree
const num = (v, digits = 2) => {
  const s = Number(v).toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s; // no "-0.00"
};
const fmt = (z) => `(${Array.from(z, (v) => num(v)).join(", ")})`;

function copyBytes(view) {
  // DataView / TypedArray / ArrayBuffer -> a fresh, aligned ArrayBuffer
  if (!view) return new ArrayBuffer(0);
  if (view instanceof ArrayBuffer) return view.slice(0);
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
}
const floats = (view) => new Float32Array(copyBytes(view));
const bytes = (view) => new Uint8Array(copyBytes(view));

function halves(view) {
  // little-endian IEEE float16 -> Float32Array (exact: every half is a float)
  const raw = new Uint16Array(copyBytes(view));
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i], e = (x >> 10) & 0x1f, m = x & 0x3ff;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
    out[i] = x & 0x8000 ? -v : v;
  }
  return out;
}

// ---------- the decoder ----------

function mlp(layers, weights) {
  // sigmoid(Linear -> ReLU -> ... -> Linear)(z); weights hold W (n_out x n_in, row-major) then b, per layer
  let offset = 0;
  const parts = layers.map(([nIn, nOut, relu]) => {
    const W = weights.subarray(offset, (offset += nIn * nOut));
    const b = weights.subarray(offset, (offset += nOut));
    return { nIn, nOut, relu, W, b, out: new Float64Array(nOut) };
  });
  return (z) => {
    let x = Float64Array.from(z);
    for (const { nIn, nOut, relu, W, b, out } of parts) {
      for (let o = 0; o < nOut; o++) {
        let s = b[o];
        for (let i = 0, r = o * nIn; i < nIn; i++) s += W[r + i] * x[i];
        out[o] = relu && s < 0 ? 0 : s;
      }
      x = out;
    }
    const ink = new Uint8Array(x.length); // round(255 * p), as the kernel's fallback computes it
    for (let i = 0; i < x.length; i++) ink[i] = Math.round(255 / (1 + Math.exp(-x[i])));
    return ink;
  };
}

const COMPILED = new WeakMap(); // Decoder widget model -> its MLP, compiled once for all the widgets drawing with it

async function sharedMlp(model) {
  // the widget's "decoder" trait refers to the model's Decoder widget model as "IPY_MODEL_<id>"
  const ref = model.get("decoder") || "";
  const decoder = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  if (!COMPILED.has(decoder)) {
    const raw = decoder.get("weights");
    const weights = decoder.get("dtype") === "float16" ? halves(raw) : floats(raw);
    COMPILED.set(decoder, mlp(decoder.get("layers"), weights));
  }
  return COMPILED.get(decoder);
}

async function makeDecoder(model, onImages) {
  // request(codes, scene): decode every code and call onImages(images, scene). In the browser that is
  // immediate; with the kernel fallback one request is in flight and only the newest waiting one is kept.
  if (model.get("backend") !== "kernel") {
    const run = await sharedMlp(model);
    return { request: (codes, scene) => onImages(codes.map(run), scene), dispose() {} };
  }
  const tag = Math.random().toString(36).slice(2);
  let count = 0, inflight = null, waiting = null;
  const send = (job) => {
    inflight = { ...job, id: `${tag}-${++count}` };
    model.set("request", { id: inflight.id, codes: job.codes });
    model.save_changes();
  };
  const answered = () => {
    if (!inflight || model.get("pixels_id") !== inflight.id) return;
    const flat = bytes(model.get("pixels"));
    const n = flat.length / inflight.codes.length;
    const job = inflight;
    inflight = null;
    onImages(job.codes.map((_, k) => flat.subarray(k * n, (k + 1) * n)), job.scene);
    if (waiting) {
      const next = waiting;
      waiting = null;
      send(next);
    }
  };
  model.on("change:pixels_id", answered);
  return {
    request(codes, scene) {
      if (inflight) waiting = { codes, scene };
      else send({ codes, scene });
    },
    dispose: () => model.off("change:pixels_id", answered),
  };
}

// ---------- DOM helpers ----------

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "style") Object.assign(node.style, v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"]);

function slider({ label, min, max, step, value, onInput, title = "" }) {
  // A labelled native range input; keys (arrows, page up/down, home/end) reach it inside JupyterLab. Its readout
  // shows the value the widget uses (set(v)), which a drag on the plane need not put on the slider's steps.
  const input = h("input", { type: "range", min, max, step, "data-lm-suppress-shortcuts": "true", "aria-label": label });
  const out = h("output", { class: "vl-value" });
  const set = (v) => {
    input.value = v;
    out.textContent = num(v);
  };
  set(value);
  // the arrow, page and home/end keys are the slider's: JupyterLab's own keydown handlers need not see them
  input.addEventListener("keydown", (e) => SLIDER_KEYS.has(e.key) && e.stopPropagation());
  input.addEventListener("input", () => {
    out.textContent = num(input.value);
    onInput(Number(input.value));
  });
  const row = h("label", { class: "vl-slider", title }, [h("span", { class: "vl-name", text: label }), input, out]);
  return { row, input, set };
}

function imageCanvas(shape, cssLong = GEOMETRY.image) {
  const [H, W] = shape;
  const scale = cssLong / Math.max(H, W);
  const canvas = h("canvas", { class: "vl-image", width: W, height: H });
  Object.assign(canvas.style, { width: `${W * scale}px`, height: `${H * scale}px` });
  return canvas;
}

function paint(canvas, ink) {
  // ink 255 = black on a white ground, like the lessons' figures; one canvas pixel per image pixel
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < ink.length; i++) {
    const v = 255 - ink[i];
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function hidpi(canvas, w, hgt) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  Object.assign(canvas.style, { width: `${w}px`, height: `${hgt}px` });
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function ticks(lo, hi) {
  const span = hi - lo;
  const step = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20].find((s) => span / s <= 8) || 50;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}

// ---------- the latent plane ----------

class Plane {
  // A square plot of two latent dimensions in three layers: the scatter of test-set codes with the axes (drawn
  // once per choice of dims), the widget's scene (redrawn when its key changes: the path, the class means) and the
  // point (drawn on every frame over the other two). this.el carries the geometry as data attributes.
  constructor(model) {
    this.model = model;
    this.size = GEOMETRY.plane;
    this.m = GEOMETRY.margin;
    this.zDim = model.get("z_dim");
    this.points = floats(model.get("points"));
    this.labels = bytes(model.get("labels"));
    this.limits = model.get("limits");
    this.el = h("div", { class: "vl-plane", style: { width: `${this.size}px`, height: `${this.size}px` } });
    // one canvas in the page; the scatter and the scene are canvases out of it, copied in under the point. Each
    // canvas or composited element in the page is a layer Chromium sorts on every frame (Layerize), so the plane
    // adds one, not three.
    this.canvas = h("canvas");
    this.el.append(this.canvas);
    this.ctx = hidpi(this.canvas, this.size, this.size);
    this.bgCtx = hidpi(document.createElement("canvas"), this.size, this.size);
    this.sceneCtx = hidpi(document.createElement("canvas"), this.size, this.size);
    this.sceneKey = null;
    this.setDims(model.get("dims"));
  }
  get inner() {
    return this.size - this.m.left - this.m.right; // side of the square plotting area
  }
  setDims(dims) {
    this.dims = dims;
    [this.dx, this.dy] = dims;
    // one scale on both axes, so distances on the plane are distances in z
    this.rx = this.ry = Math.max(this.limits[this.dx], this.zDim > 1 ? this.limits[this.dy] : 0);
    Object.assign(this.el.dataset, {
      left: this.m.left, top: this.m.top, inner: this.inner, xLimit: this.rx, yLimit: this.ry, dims: JSON.stringify(dims),
    });
    this.drawBackground();
    this.sceneKey = null;
  }
  toPx(zx, zy) {
    const s = this.inner;
    return [this.m.left + ((zx + this.rx) / (2 * this.rx)) * s, this.m.top + ((this.ry - zy) / (2 * this.ry)) * s];
  }
  xy(z) {
    return this.toPx(z[this.dx], this.zDim > 1 ? z[this.dy] : 0);
  }
  fromPx(px, py) {
    const s = this.inner;
    const clamp = (v, r) => Math.max(-r, Math.min(r, v));
    return [clamp(((px - this.m.left) / s) * 2 * this.rx - this.rx, this.rx), clamp(this.ry - ((py - this.m.top) / s) * 2 * this.ry, this.ry)];
  }
  drawBackground() {
    const ctx = this.bgCtx;
    const { left, top } = this.m;
    const s = this.inner;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.size, this.size);
    ctx.font = FONT;
    ctx.strokeStyle = "#e6e6e6";
    ctx.fillStyle = "#444";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of ticks(-this.rx, this.rx)) {
      const [x] = this.toPx(v, 0);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + s);
      ctx.stroke();
      ctx.fillText(String(v), x, top + s + 4);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    if (this.zDim > 1) {
      for (const v of ticks(-this.ry, this.ry)) {
        const [, y] = this.toPx(0, v);
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + s, y);
        ctx.stroke();
        ctx.fillText(String(v), left - 5, y);
      }
    }
    const n = this.labels.length;
    const every = this.model.get("draw_every") || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, s, s);
    ctx.clip(); // points beyond the axes are not drawn over the tick labels
    ctx.globalAlpha = 0.55;
    for (let i = 0; i < n; i += every) {
      const [x, y] = this.xy(this.points.subarray(i * this.zDim, (i + 1) * this.zDim));
      ctx.fillStyle = DIGIT_COLOURS[this.labels[i] % 10];
      ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
    ctx.restore();
    ctx.strokeStyle = "#999";
    ctx.strokeRect(left + 0.5, top + 0.5, s, s);
    ctx.fillStyle = "#222";
    ctx.font = `italic 13px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(`z${this.dx + 1}`, left + s / 2, this.size - 2);
    if (this.zDim > 1) {
      ctx.save();
      ctx.translate(12, top + s / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(`z${this.dy + 1}`, 0, 0);
      ctx.restore();
    }
  }
  scene(key, draw) {
    // redraw the scene layer when what it shows (its key) changed since the last time
    if (key === this.sceneKey) return;
    this.sceneKey = key;
    const ctx = this.sceneCtx;
    ctx.clearRect(0, 0, this.size, this.size);
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.m.left, this.m.top, this.inner, this.inner);
    ctx.clip();
    draw(ctx, this);
    ctx.restore();
  }
  point(z) {
    // the frame: the scatter, the scene, and the point at z on top
    const ctx = this.ctx;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.bgCtx.canvas, 0, 0);
    ctx.drawImage(this.sceneCtx.canvas, 0, 0);
    ctx.restore();
    const [x, y] = this.xy(z);
    ctx.beginPath();
    ctx.arc(x, y, 6, 0, 2 * Math.PI);
    ctx.fillStyle = POINT_COLOUR;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
  marker(ctx, z, { colour = "#111", radius = 6, label = "" } = {}) {
    const [x, y] = this.xy(z);
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
    if (label) {
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.fillStyle = "#111";
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText(label, x + radius + 2, y - 2);
    }
  }
  at(e) {
    const r = this.el.getBoundingClientRect();
    return this.fromPx(e.clientX - r.left, e.clientY - r.top);
  }
  onDrag(handler) {
    // pointer down / move on the plane -> handler(zx, zy); the pointer is captured while the button is held
    this.el.addEventListener("pointerdown", (e) => {
      this.el.setPointerCapture(e.pointerId);
      handler(...this.at(e));
    });
    this.el.addEventListener("pointermove", (e) => {
      if (this.el.hasPointerCapture(e.pointerId)) handler(...this.at(e));
    });
  }
  nearest(zx, zy) {
    // index of the drawn point nearest to (zx, zy) in the plane's own units
    let best = -1, dist = Infinity;
    const every = this.model.get("draw_every") || 1;
    for (let i = 0; i < this.labels.length; i += every) {
      const ex = (this.points[i * this.zDim + this.dx] - zx) / this.rx;
      const ey = this.zDim > 1 ? (this.points[i * this.zDim + this.dy] - zy) / this.ry : 0;
      if (ex * ex + ey * ey < dist) [best, dist] = [i, ex * ex + ey * ey];
    }
    return best;
  }
}

function legend(labels) {
  const present = [...new Set(labels)].sort((a, b) => a - b);
  return h(
    "div",
    { class: "vl-legend" },
    present.map((d) => h("span", { class: "vl-key" }, [h("i", { style: { background: DIGIT_COLOURS[d % 10] } }), String(d)])),
  );
}

function dimPickers(plane, onChange) {
  // for a latent of more than two dimensions: which two the plane shows
  const pick = (axis, value) => {
    const select = h("select", { "data-lm-suppress-shortcuts": "true", "aria-label": `plane ${axis} axis` });
    for (let d = 0; d < plane.zDim; d++) select.append(h("option", { value: d, text: `z${d + 1}` }));
    select.value = value;
    return select;
  };
  const across = pick("horizontal", plane.dx);
  const up = pick("vertical", plane.dy);
  const changed = () => {
    if (across.value !== up.value) onChange([Number(across.value), Number(up.value)]);
  };
  across.addEventListener("change", changed);
  up.addEventListener("change", changed);
  const set = (dims) => ([across.value, up.value] = dims.map(String));
  return { row: h("div", { class: "vl-dims" }, [h("span", { text: "plane shows" }), across, h("span", { text: "across," }), up, h("span", { text: "up" })]), set };
}

// ---------- the frame loop and the kernel link ----------

function frameLoop(el, draw) {
  // schedule() asks for a paint of the latest state. The first request paints at once (decoding takes well under
  // a millisecond) and books the next animation frame; requests before that frame only mark the state dirty, and
  // the frame paints the latest one. So at most one paint per frame, and the last state is always drawn.
  let booked = 0, dirty = false;
  const tick = () => {
    booked = 0;
    if (dirty) {
      dirty = false;
      draw();
      booked = requestAnimationFrame(tick);
    }
  };
  const schedule = () => {
    if (booked) {
      dirty = true;
      return;
    }
    draw();
    booked = requestAnimationFrame(tick);
  };
  const painted = (z) => {
    el.dataset.frame = String(Number(el.dataset.frame || 0) + 1);
    if (z) el.dataset.z = JSON.stringify(Array.from(z));
  };
  return { schedule, painted, cancel: () => booked && cancelAnimationFrame(booked) };
}

function kernelLink(model, traits, pull) {
  // The widget's state goes to the kernel QUIET_MS after the last move, not on every painted frame: each message
  // comes back as an echo and two kernel status messages that JupyterLab handles on the thread that paints.
  // later(values) books values() to be sent, now(values) sends them at once with what was booked; a trait set
  // from Python (or by another view) calls pull() and drops what was booked, as the newer value wins. With no
  // kernel (a saved page) save_changes does nothing.
  let timer = 0, booked = null, own = false;
  const flush = (extra = {}) => {
    clearTimeout(timer);
    timer = 0;
    if (!booked && !Object.keys(extra).length) return;
    const values = { ...(booked ? booked() : {}), ...extra };
    booked = null;
    own = true;
    try {
      for (const [k, v] of Object.entries(values)) model.set(k, v);
    } finally {
      own = false;
    }
    model.save_changes();
  };
  const changed = () => {
    if (own) return;
    clearTimeout(timer);
    booked = null;
    pull();
  };
  for (const t of traits) model.on(`change:${t}`, changed);
  return {
    later(values) {
      booked = values;
      clearTimeout(timer);
      timer = setTimeout(flush, QUIET_MS);
    },
    now: (values) => flush(values),
    dispose() {
      flush();
      for (const t of traits) model.off(`change:${t}`, changed);
    },
  };
}

function shell(el, cls, title, subtitle) {
  el.classList.add("vl-root", cls);
  el.style.setProperty("--vl-plane-left", `${GEOMETRY.margin.left}px`);
  el.style.setProperty("--vl-plane-size", `${GEOMETRY.plane}px`);
  el.style.setProperty("--vl-image-size", `${GEOMETRY.image}px`);
  const head = h("div", { class: "vl-head" }, [h("span", { class: "vl-title", text: title }), h("span", { class: "vl-sub", text: subtitle })]);
  el.replaceChildren(head);
  return head;
}

// ---------- the skeleton of the decoder widgets ----------

async function decoderWidget({ model, el }, cls, title, make) {
  // The shared parts (image, readout, plane, decoder, frame loop, kernel link) around one widget's own:
  // make(parts) returns {
  //   scene(): a copy of the state to draw now;  codes(scene): the codes to decode for it;
  //   paint(images, scene): draw the decoded images and the plane, returning the code shown;
  //   save(scene): the traits that go to the kernel;  traits, pull(): the traits Python may set, and re-reading them;
  //   top, left, below: the widget's own elements;  caption: the plane's }
  const zDim = model.get("z_dim");
  const shape = model.get("image_shape");
  const parts = {
    zDim,
    shape,
    image: imageCanvas(shape),
    readout: h("div", { class: "vl-caption vl-mono vl-readout" }),
    plane: new Plane(model),
    schedule: () => loop.schedule(),
  };
  const w = make(parts);
  const decoder = await makeDecoder(model, (images, scene) => {
    const z = w.paint(images, scene);
    parts.plane.point(z);
    loop.painted(z);
    link.later(() => w.save(scene));
  });
  const loop = frameLoop(el, () => {
    const scene = w.scene();
    decoder.request(w.codes(scene), scene);
  });
  const plane = parts.plane;
  const pickers = plane.zDim > 2 ? dimPickers(plane, (dims) => setDims(dims, true)) : null;
  const setDims = (dims, save) => {
    plane.setDims(dims);
    if (pickers) pickers.set(dims);
    if (save) link.now({ dims });
    loop.schedule();
  };
  const link = kernelLink(model, [...w.traits, "dims"], () => {
    const dims = model.get("dims");
    if (dims.some((d, k) => d !== plane.dims[k])) setDims(dims, false);
    w.pull();
    loop.schedule();
  });

  shell(el, cls, title, `z_dim = ${zDim} · ${model.get("backend") === "kernel" ? "decoded in the kernel" : "decoded in your browser"}`);
  const column = [h("div", { class: "vl-caption", text: w.caption }), plane.el];
  if (plane.labels.length) column.push(legend(plane.labels));
  if (pickers) column.push(pickers.row);
  el.append(...(w.top || []), h("div", { class: "vl-body" }, [h("div", { class: "vl-col vl-image-col" }, w.left), h("div", { class: "vl-col vl-plane-col" }, column)]), ...(w.below || []));
  loop.schedule();
  return () => {
    loop.cancel();
    link.dispose();
    decoder.dispose();
  };
}

// ---------- LatentExplorer ----------

function latentExplorer(model) {
  return ({ zDim, image, readout, plane, schedule }) => {
    const limits = model.get("limits");
    let z = Float64Array.from(model.get("z"));
    const sliders = Array.from({ length: zDim }, (_, d) =>
      slider({ label: `z${d + 1}`, min: -limits[d], max: limits[d], step: 0.05, value: z[d], onInput: (v) => ((z[d] = v), schedule()) }),
    );
    plane.onDrag((zx, zy) => {
      z[plane.dx] = zx;
      sliders[plane.dx].set(zx);
      if (zDim > 1) {
        z[plane.dy] = zy;
        sliders[plane.dy].set(zy);
      }
      schedule();
    });
    return {
      scene: () => Float64Array.from(z),
      codes: (shown) => [Array.from(shown)],
      paint([ink], shown) {
        paint(image, ink);
        readout.textContent = `z = ${fmt(shown)}`;
        return shown;
      },
      save: (shown) => ({ z: Array.from(shown) }),
      traits: ["z"],
      pull() {
        z = Float64Array.from(model.get("z"));
        sliders.forEach((s, d) => s.set(z[d]));
      },
      caption: plane.labels.length
        ? "Latent plane, each dot one test image's code μ, coloured by its digit: drag the point"
        : "Latent plane: drag the point",
      left: [h("div", { class: "vl-caption", text: "Decoded image  x = decoder(z)" }), image, readout],
      below: [h("div", { class: "vl-sliders" }, sliders.map((s) => s.row))],
    };
  };
}

// ---------- Interpolation ----------

function interpolation(model) {
  return ({ zDim, shape, image, readout, plane, schedule }) => {
    const count = plane.labels.length;
    const state = { a: model.get("a"), b: model.get("b"), t: model.get("t"), frames: model.get("frames"), pickB: false };
    const code = (i) => plane.points.subarray(i * zDim, (i + 1) * zDim);
    const at = (s, t) => Array.from(code(s.a), (va, d) => (1 - t) * va + t * code(s.b)[d]);
    const stripBox = h("div", { class: "vl-strip" });
    const stripText = h("div", { class: "vl-caption vl-strip-caption" });
    let strip = [], stripKey = null; // the strip is decoded again only when A, B or the number of frames change
    const keyOf = (s) => `${s.a} ${s.b} ${s.frames}`;
    const ts = (s) => Array.from({ length: s.frames }, (_, k) => k / (s.frames - 1));

    const tSlider = slider({ label: "t", min: 0, max: 1, step: 0.01, value: state.t, onInput: (v) => ((state.t = v), schedule()) });
    const message = h("span", { class: "vl-error", role: "alert" });
    const choose = (name, i) => {
      state[name] = i;
      inputs[name].value = i;
      inputs[name].removeAttribute("aria-invalid");
      message.textContent = "";
      schedule();
    };
    const indexInput = (name) => {
      const input = h("input", { type: "number", min: 0, max: count - 1, step: 1, "data-lm-suppress-shortcuts": "true", "aria-label": `image ${name}` });
      input.value = state[name];
      const apply = () => {
        const typed = input.value.trim(), i = Number(typed);
        if (typed !== "" && Number.isInteger(i) && i >= 0 && i < count) return choose(name, i);
        input.setAttribute("aria-invalid", "true");
        message.textContent = `${name.toUpperCase()}: no image ${typed === "" ? "given" : typed}; the data has images 0 to ${count - 1}`;
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          e.stopPropagation(); // JupyterLab would take Enter to edit the cell
          apply();
        }
      });
      input.addEventListener("change", apply);
      return input;
    };
    const inputs = { a: indexInput("a"), b: indexInput("b") };
    const hint = h("span", { class: "vl-hint" });
    const showHint = () => (hint.textContent = `click a point on the plane to set ${state.pickB ? "B" : "A"}`);
    plane.el.addEventListener("click", (e) => {
      const i = plane.nearest(...plane.at(e));
      if (i < 0) return;
      choose(state.pickB ? "b" : "a", i);
      state.pickB = !state.pickB;
      showHint();
    });
    showHint();
    return {
      scene: () => ({ a: state.a, b: state.b, t: state.t, frames: state.frames }),
      codes: (s) => [at(s, s.t), ...(keyOf(s) === stripKey ? [] : ts(s).map((t) => at(s, t)))],
      paint([main, ...frames], s) {
        const z = at(s, s.t);
        paint(image, main);
        if (frames.length) {
          if (strip.length !== s.frames) {
            strip = Array.from({ length: s.frames }, () => imageCanvas(shape, GEOMETRY.strip));
            stripBox.replaceChildren(...strip);
          }
          frames.forEach((ink, k) => paint(strip[k], ink));
          stripKey = keyOf(s);
          stripText.textContent = `${s.frames} frames from A (image ${s.a}, a ${plane.labels[s.a]}) to B (image ${s.b}, a ${plane.labels[s.b]})`;
        }
        const nearest = Math.round(s.t * (s.frames - 1));
        strip.forEach((c, k) => c.classList.toggle("vl-current", k === nearest));
        readout.textContent = `t = ${num(s.t)}   z = ${fmt(z)}`;
        plane.scene(`${s.a} ${s.b} ${plane.dims}`, (ctx, p) => {
          const [x0, y0] = p.xy(code(s.a));
          const [x1, y1] = p.xy(code(s.b));
          ctx.beginPath();
          ctx.moveTo(x0, y0);
          ctx.lineTo(x1, y1);
          ctx.lineWidth = 2.5;
          ctx.strokeStyle = "#111";
          ctx.stroke();
          p.marker(ctx, code(s.a), { colour: DIGIT_COLOURS[plane.labels[s.a] % 10], label: "A", radius: 6 });
          p.marker(ctx, code(s.b), { colour: DIGIT_COLOURS[plane.labels[s.b] % 10], label: "B", radius: 6 });
        });
        return z;
      },
      save: (s) => ({ a: s.a, b: s.b, t: s.t, z: at(s, s.t) }),
      traits: ["a", "b", "t", "frames"],
      pull() {
        Object.assign(state, { a: model.get("a"), b: model.get("b"), t: model.get("t"), frames: model.get("frames") });
        tSlider.set(state.t);
        for (const name of ["a", "b"]) choose(name, state[name]);
      },
      caption: "Latent plane: the straight path from A to B; click a point to pick an image",
      left: [
        h("div", { class: "vl-caption", text: "Decoded image at t" }),
        image,
        readout,
        h("div", { class: "vl-sliders vl-narrow" }, [tSlider.row]),
        h("div", { class: "vl-picks" }, [h("span", { class: "vl-name", text: "A" }), inputs.a, h("span", { class: "vl-name", text: "B" }), inputs.b]),
        hint,
        message,
      ],
      below: [stripBox, stripText],
    };
  };
}

// ---------- ClassExplorer ----------

function placeLabels(anchors, box, bounds) {
  // Label boxes (w x h px) near their anchors [x, y], none overlapping another or leaving bounds {left, top,
  // right, bottom}. Each label in turn takes the first free place on rings of growing radius around its anchor
  // (up-right first), avoiding the placed labels and, while it can, every anchor's disc. If a label finds no
  // place, all go in a column down the plot's right edge in the anchors' order from the top, which cannot
  // overlap. Returns [{x, y}], the boxes' centres.
  const { w, h: hgt } = box, gap = 2, disc = 5;
  const fits = (x, y) => x - w / 2 >= bounds.left && x + w / 2 <= bounds.right && y - hgt / 2 >= bounds.top && y + hgt / 2 <= bounds.bottom;
  const clear = (x, y, placed) => placed.every((p) => Math.abs(p.x - x) >= w + gap || Math.abs(p.y - y) >= hgt + gap);
  const offDiscs = (x, y) => anchors.every(([ax, ay]) => Math.abs(ax - x) >= w / 2 + disc || Math.abs(ay - y) >= hgt / 2 + disc);
  const rings = [];
  for (let r = 12; r <= 2 * Math.hypot(bounds.right - bounds.left, bounds.bottom - bounds.top); r += 8) {
    const around = Math.max(8, Math.ceil((2 * Math.PI * r) / (w + gap)));
    for (let k = 0; k < around; k++) {
      const turn = -Math.PI / 4 + (2 * Math.PI * (k % 2 ? -Math.ceil(k / 2) : k / 2)) / around; // up-right, then alternating away
      rings.push([r * Math.cos(turn), r * Math.sin(turn)]);
    }
  }
  const placed = [];
  for (const strict of [true, false]) {
    placed.length = 0;
    for (const [ax, ay] of anchors) {
      const spot = rings.find(([dx, dy]) => fits(ax + dx, ay + dy) && clear(ax + dx, ay + dy, placed) && (!strict || offDiscs(ax + dx, ay + dy)));
      if (!spot) break;
      placed.push({ x: ax + spot[0], y: ay + spot[1] });
    }
    if (placed.length === anchors.length) return placed;
  }
  const order = anchors.map((a, k) => k).sort((i, j) => anchors[i][1] - anchors[j][1] || i - j);
  const step = Math.min(hgt + gap, (bounds.bottom - bounds.top - hgt) / Math.max(1, anchors.length - 1));
  const column = [];
  order.forEach((k, r) => (column[k] = { x: bounds.right - w / 2, y: bounds.top + hgt / 2 + r * step }));
  return column;
}

function classExplorer(model) {
  return ({ zDim, image, readout, plane, schedule }) => {
    const nClasses = model.get("n_classes");
    const means = floats(model.get("class_means"));
    const mean = (y) => means.subarray(y * zDim, (y + 1) * zDim);
    const state = { digit: model.get("digit"), offset: Float64Array.from(model.get("offset")) };
    const codeOf = (s) => Array.from(mean(s.digit), (m, d) => m + s.offset[d]);
    const LABEL = { w: 18, h: 18 };
    const drawMeans = (ctx, p, digit) => {
      // every mu_y as a small disc at its place, its digit in a box placed clear of the other boxes, with a
      // leader line when the box had to move away; the chosen class ringed in black
      const anchors = Array.from({ length: nClasses }, (_, y) => p.xy(mean(y)));
      const { left, top } = p.m;
      const bounds = { left: left + 1, top: top + 1, right: left + p.inner - 1, bottom: top + p.inner - 1 };
      const boxes = placeLabels(anchors, LABEL, bounds);
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#555";
      boxes.forEach((b, y) => {
        const [ax, ay] = anchors[y];
        if (Math.hypot(b.x - ax, b.y - ay) > 14) {
          ctx.beginPath();
          ctx.moveTo(ax, ay);
          ctx.lineTo(b.x, b.y);
          ctx.stroke();
        }
      });
      anchors.forEach(([ax, ay], y) => {
        ctx.beginPath();
        ctx.arc(ax, ay, 4, 0, 2 * Math.PI);
        ctx.fillStyle = DIGIT_COLOURS[y % 10];
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
      });
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      boxes.forEach((b, y) => {
        const x0 = b.x - LABEL.w / 2, y0 = b.y - LABEL.h / 2;
        ctx.beginPath();
        ctx.roundRect(x0, y0, LABEL.w, LABEL.h, 4);
        ctx.fillStyle = DIGIT_COLOURS[y % 10];
        ctx.fill();
        ctx.lineWidth = y === digit ? 2.5 : 1;
        ctx.strokeStyle = y === digit ? "#111" : "#fff";
        ctx.stroke();
        ctx.fillStyle = "#fff";
        ctx.fillText(String(y), b.x, b.y + 0.5);
      });
      plane.el.dataset.labels = JSON.stringify(boxes.map((b, y) => ({ digit: y, x: b.x - LABEL.w / 2, y: b.y - LABEL.h / 2, w: LABEL.w, h: LABEL.h })));
    };

    const sliders = Array.from({ length: zDim }, (_, d) =>
      slider({
        label: `Δz${d + 1}`,
        min: -3,
        max: 3,
        step: 0.05,
        value: state.offset[d],
        title: `z${d + 1} - μ_y,${d + 1}`,
        onInput: (v) => ((state.offset[d] = v), schedule()),
      }),
    );
    const buttons = Array.from({ length: nClasses }, (_, y) => {
      const b = h("button", { class: "vl-class", "data-lm-suppress-shortcuts": "true", text: String(y) });
      b.style.setProperty("--vl-colour", DIGIT_COLOURS[y % 10]);
      b.addEventListener("click", () => pick(y));
      return b;
    });
    const showPick = () => buttons.forEach((b, k) => b.classList.toggle("vl-selected", k === state.digit));
    const pick = (y) => {
      state.digit = y;
      showPick();
      schedule();
    };
    showPick();
    plane.onDrag((zx, zy) => {
      const m = mean(state.digit);
      state.offset[plane.dx] = Math.max(-3, Math.min(3, zx - m[plane.dx]));
      sliders[plane.dx].set(state.offset[plane.dx]);
      if (zDim > 1) {
        state.offset[plane.dy] = Math.max(-3, Math.min(3, zy - m[plane.dy]));
        sliders[plane.dy].set(state.offset[plane.dy]);
      }
      schedule();
    });
    return {
      scene: () => ({ digit: state.digit, offset: Float64Array.from(state.offset) }),
      codes: (s) => [codeOf(s)],
      paint([ink], s) {
        const z = codeOf(s);
        paint(image, ink);
        readout.textContent = `y = ${s.digit}   z = ${fmt(z)}`;
        plane.scene(`${s.digit} ${plane.dims}`, (ctx, p) => drawMeans(ctx, p, s.digit));
        return z;
      },
      save: (s) => ({ digit: s.digit, offset: Array.from(s.offset), z: codeOf(s) }),
      traits: ["digit", "offset"],
      pull() {
        state.digit = model.get("digit");
        state.offset = Float64Array.from(model.get("offset"));
        sliders.forEach((sl, d) => sl.set(state.offset[d]));
        showPick();
      },
      caption: "Latent plane: the class means μ_y (discs, labelled); drag the point",
      top: [h("div", { class: "vl-classes" }, [h("span", { class: "vl-name", text: "class y" }), ...buttons])],
      left: [h("div", { class: "vl-caption", text: "Decoded image  x = decoder(μ_y + offset)" }), image, readout],
      below: [h("div", { class: "vl-sliders" }, sliders.map((s) => s.row))],
    };
  };
}

// ---------- KLPlayground ----------

function renderKL({ model, el }) {
  const eps = floats(model.get("eps"));
  const state = { mu: model.get("mu"), sigma: model.get("sigma") };
  shell(el, "vaelessons-kl-playground", "KL playground", "q = N(μ, σ²) against p = N(0, 1)");
  const W = 460, H = 240;
  const m = { left: 48, right: 12, top: 12, bottom: 34 };
  const xr = [-5, 5];
  const plot = h("canvas", { class: "vl-density" });
  const ctx = hidpi(plot, W, H);
  Object.assign(plot.dataset, { left: m.left, top: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom, xMin: xr[0], xMax: xr[1] });
  const table = h("table", { class: "vl-terms" });
  const row = (name, cls) => {
    const v = h("td", { class: `vl-num ${cls}` });
    table.append(h("tr", {}, [h("td", { text: name }), v]));
    return v;
  };
  const cells = {
    t1: row("−½ log σ²", "vl-t1"),
    t2: row("½ (μ² + σ²)", "vl-t2"),
    t3: row("−½", "vl-t3"),
    kl: row("KL(q ‖ p), closed form", "vl-kl"),
    mc: row(`Monte Carlo, ${eps.length} samples`, "vl-mc"),
  };
  cells.kl.parentElement.classList.add("vl-total");

  const GRID = Array.from({ length: 1001 }, (_, i) => xr[0] + ((xr[1] - xr[0]) * i) / 1000);
  const density = (x, mu, s) => Math.exp(-0.5 * ((x - mu) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
  const px = (x) => m.left + ((x - xr[0]) / (xr[1] - xr[0])) * (W - m.left - m.right);
  const curve = (ctx, py, mu_, s, fill, stroke, dash) => {
    // sampled finely enough for the narrowest q the slider gives (σ = 0.05 spans a few px), and at its peak
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.left, m.top, W - m.left - m.right, H - m.top - m.bottom);
    ctx.clip();
    ctx.beginPath();
    ctx.moveTo(px(xr[0]), py(0));
    let peak = !(mu_ > xr[0] && mu_ < xr[1]);
    for (const x of GRID) {
      if (!peak && x > mu_) {
        ctx.lineTo(px(mu_), py(density(mu_, mu_, s)));
        peak = true;
      }
      ctx.lineTo(px(x), py(density(x, mu_, s)));
    }
    ctx.lineTo(px(xr[1]), py(0));
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fill();
    }
    ctx.setLineDash(dash);
    ctx.lineWidth = 2;
    ctx.strokeStyle = stroke;
    ctx.stroke();
    ctx.restore();
  };
  // the axes, their labels and p's curve change only with the y axis's height: drawn off screen once per height,
  // and copied under q on every frame (the text and the dashed curve were most of a frame's drawing)
  const axes = { ctx: hidpi(document.createElement("canvas"), W, H), ymax: null };
  const drawAxes = (ymax, py) => {
    const ctx = axes.ctx;
    axes.ymax = ymax;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    ctx.font = FONT;
    ctx.strokeStyle = "#e6e6e6";
    ctx.fillStyle = "#444";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let x = -5; x <= 5; x++) {
      ctx.beginPath();
      ctx.moveTo(px(x), m.top);
      ctx.lineTo(px(x), H - m.bottom);
      ctx.stroke();
      ctx.fillText(String(x), px(x), H - m.bottom + 4);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const yTicks = ticks(0, ymax);
    const digits = yTicks.some((y) => Math.round(y * 10) !== y * 10) ? 2 : 1;
    for (const y of yTicks) ctx.fillText(y.toFixed(digits), m.left - 5, py(y));
    ctx.fillStyle = "#222";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.font = "italic 13px system-ui, sans-serif";
    ctx.fillText("x", (m.left + W - m.right) / 2, H - 2);
    ctx.save();
    ctx.translate(11, (m.top + H - m.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText("density", 0, 0);
    ctx.restore();
    curve(ctx, py, 0, 1, null, "#555", [6, 4]);
    ctx.strokeStyle = "#999";
    ctx.strokeRect(m.left + 0.5, m.top + 0.5, W - m.left - m.right, H - m.top - m.bottom);
  };
  const draw = () => {
    const { mu, sigma } = state;
    // the y axis holds the taller of the two peaks (q's is 1 / (σ √2π), p's 0.40), so q never runs off the top
    const ymax = 1.1 * Math.max(1 / (sigma * Math.sqrt(2 * Math.PI)), 0.41);
    const py = (y) => H - m.bottom - (y / ymax) * (H - m.top - m.bottom);
    if (ymax !== axes.ymax) {
      drawAxes(ymax, py);
      plot.dataset.yMax = ymax;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(axes.ctx.canvas, 0, 0);
    ctx.restore();
    curve(ctx, py, mu, sigma, "rgba(31,119,180,0.18)", "#1f77b4", []);
    // legend, on the side away from q's peak
    ctx.font = FONT;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const lx = mu < 0 ? W - m.right - 150 : m.left + 12;
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#1f77b4";
    ctx.beginPath();
    ctx.moveTo(lx, m.top + 14);
    ctx.lineTo(lx + 22, m.top + 14);
    ctx.stroke();
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = "#555";
    ctx.beginPath();
    ctx.moveTo(lx, m.top + 32);
    ctx.lineTo(lx + 22, m.top + 32);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#222";
    ctx.fillText(`q = N(${num(mu)}, ${num(sigma)}²)`, lx + 28, m.top + 14);
    ctx.fillText("p = N(0, 1)", lx + 28, m.top + 32);

    const t1 = -Math.log(sigma), t2 = 0.5 * (mu * mu + sigma * sigma), t3 = -0.5;
    let sum = 0, sum2 = 0;
    for (let i = 0; i < eps.length; i++) {
      const x = mu + sigma * eps[i];
      const r = t1 - 0.5 * eps[i] * eps[i] + 0.5 * x * x; // log q(x) - log p(x), t1 = -log σ
      sum += r;
      sum2 += r * r;
    }
    const mean = sum / eps.length;
    const se = Math.sqrt(Math.max(0, sum2 / eps.length - mean * mean) / (eps.length - 1));
    cells.t1.textContent = num(t1, 3);
    cells.t2.textContent = num(t2, 3);
    cells.t3.textContent = num(t3, 3);
    cells.kl.textContent = num(t1 + t2 + t3, 3);
    cells.mc.textContent = `${num(mean, 3)} ± ${num(se, 3)}`;
    loop.painted(null);
    link.later(() => ({ mu, sigma }));
  };
  const loop = frameLoop(el, draw);
  const muSlider = slider({ label: "μ", min: -3, max: 3, step: 0.01, value: state.mu, onInput: (v) => ((state.mu = v), loop.schedule()) });
  const sigmaSlider = slider({ label: "σ", min: 0.05, max: 3, step: 0.01, value: state.sigma, onInput: (v) => ((state.sigma = v), loop.schedule()) });
  const link = kernelLink(model, ["mu", "sigma"], () => {
    Object.assign(state, { mu: model.get("mu"), sigma: model.get("sigma") });
    muSlider.set(state.mu);
    sigmaSlider.set(state.sigma);
    loop.schedule();
  });
  el.append(
    h("div", { class: "vl-body" }, [
      h("div", { class: "vl-col" }, [plot, h("div", { class: "vl-sliders vl-narrow" }, [muSlider.row, sigmaSlider.row])]),
      h("div", { class: "vl-col" }, [h("div", { class: "vl-caption", text: "KL(q ‖ p) = −½ log σ² + ½ (μ² + σ²) − ½" }), table]),
    ]),
  );
  loop.schedule();
  return () => {
    loop.cancel();
    link.dispose();
  };
}

const RENDER = {
  latent: (ctx) => decoderWidget(ctx, "vaelessons-latent-explorer", "Latent explorer", latentExplorer(ctx.model)),
  interpolation: (ctx) => decoderWidget(ctx, "vaelessons-interpolation", "Interpolation", interpolation(ctx.model)),
  class: (ctx) => decoderWidget(ctx, "vaelessons-class-explorer", "Class explorer", classExplorer(ctx.model)),
  kl: renderKL,
};

export default {
  render({ model, el }) {
    const kind = model.get("kind");
    if (!RENDER[kind]) throw new Error(`vaelessons widgets: unknown kind ${kind}`);
    return RENDER[kind]({ model, el });
  },
};
