// The front end of vaelessons.widgets: one ES module for the four widgets, chosen by the model's "kind".
// The decoder MLP runs here on Float32Arrays (weights sent once as binary buffers) and paints a canvas;
// a frame is drawn at most once per animation frame, always from the latest state, so stale frames are
// dropped, never queued. After each paint the root element's data-frame counter goes up (tests watch it).

const DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const IMAGE_PX = 280; // CSS size of the decoded image's longer side
const PLANE_PX = 320; // CSS size of the latent plane
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

// ---------- binary buffers ----------

function copyBytes(view) {
  // DataView / TypedArray / ArrayBuffer -> a fresh, aligned ArrayBuffer
  if (!view) return new ArrayBuffer(0);
  if (view instanceof ArrayBuffer) return view.slice(0);
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
}
const floats = (view) => new Float32Array(copyBytes(view));
const bytes = (view) => new Uint8Array(copyBytes(view));

// ---------- the decoder ----------

function mlp(layers, weights) {
  // sigmoid(Linear -> ReLU -> ... -> Linear)(z); weights hold W (n_out x n_in, row-major) then b, per layer
  let offset = 0;
  const parts = layers.map(([nIn, nOut, relu]) => {
    const W = weights.subarray(offset, (offset += nIn * nOut));
    const b = weights.subarray(offset, (offset += nOut));
    return { nIn, nOut, relu, W, b, out: new Float32Array(nOut) };
  });
  return (z) => {
    let x = Float32Array.from(z);
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

function makeDecoder(model, onImages) {
  // request(codes, scene): decode every code and call onImages(images, scene). In the browser that is
  // immediate; with the kernel fallback one request is in flight and only the newest waiting one is kept.
  if (model.get("backend") !== "kernel") {
    const run = mlp(model.get("layers"), floats(model.get("weights")));
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

function slider({ label, min, max, step, value, onInput, digits = 2, title = "" }) {
  // a labelled native range input; keys (arrows, page up/down, home/end) reach it inside JupyterLab
  const input = h("input", { type: "range", min, max, step, "data-lm-suppress-shortcuts": "true", "aria-label": label });
  input.value = value;
  const out = h("output", { class: "vl-value" });
  const show = () => (out.textContent = Number(input.value).toFixed(digits));
  show();
  input.addEventListener("input", () => {
    show();
    onInput(Number(input.value));
  });
  const row = h("label", { class: "vl-slider", title }, [h("span", { class: "vl-name", text: label }), input, out]);
  return { row, input, set: (v) => ((input.value = v), show()) };
}

function imageCanvas(shape, cssLong = IMAGE_PX) {
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
  // A square plot of two latent dimensions: the scatter of test-set means (drawn once per choice of dims,
  // kept in an offscreen canvas) and, per frame, the overlay the widget draws (point, path, markers).
  constructor(model) {
    this.model = model;
    this.size = PLANE_PX;
    this.m = { left: 42, right: 10, top: 10, bottom: 38 };
    this.canvas = h("canvas", { class: "vl-plane" });
    this.ctx = hidpi(this.canvas, this.size, this.size);
    this.zDim = model.get("z_dim");
    this.points = floats(model.get("points"));
    this.labels = bytes(model.get("labels"));
    this.limits = model.get("limits");
    this.setDims(model.get("dims"));
  }
  get inner() {
    return this.size - this.m.left - this.m.right; // square plotting area
  }
  setDims(dims) {
    this.dims = dims;
    [this.dx, this.dy] = dims;
    // one scale on both axes, so distances on the plane are distances in z
    this.rx = this.ry = Math.max(this.limits[this.dx], this.zDim > 1 ? this.limits[this.dy] : 0);
    this.background = this.drawBackground();
  }
  toPx(zx, zy) {
    const s = this.inner;
    return [this.m.left + ((zx + this.rx) / (2 * this.rx)) * s, this.m.top + ((this.ry - zy) / (2 * this.ry)) * s];
  }
  fromPx(px, py) {
    const s = this.inner;
    const clamp = (v, r) => Math.max(-r, Math.min(r, v));
    return [clamp(((px - this.m.left) / s) * 2 * this.rx - this.rx, this.rx), clamp(this.ry - ((py - this.m.top) / s) * 2 * this.ry, this.ry)];
  }
  drawBackground() {
    const off = document.createElement("canvas");
    const ctx = hidpi(off, this.size, this.size);
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
      const zx = this.points[i * this.zDim + this.dx];
      const zy = this.zDim > 1 ? this.points[i * this.zDim + this.dy] : 0;
      const [x, y] = this.toPx(zx, zy);
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
    return off;
  }
  draw(overlay) {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.background, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    overlay(ctx, this);
  }
  marker(ctx, z, { colour = "#111", radius = 6, label = "" } = {}) {
    const [x, y] = this.toPx(z[this.dx], this.zDim > 1 ? z[this.dy] : 0);
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
  onDrag(handler) {
    // pointer down / move on the plane -> handler(zx, zy); the pointer is captured while the button is held
    const at = (e) => {
      const r = this.canvas.getBoundingClientRect();
      handler(...this.fromPx(e.clientX - r.left, e.clientY - r.top), e);
    };
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      at(e);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) at(e);
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
  const zDim = plane.zDim;
  const pick = (axis, value) => {
    const select = h("select", { "data-lm-suppress-shortcuts": "true", "aria-label": `plane ${axis} axis` });
    for (let d = 0; d < zDim; d++) select.append(h("option", { value: d, text: `z${d + 1}` }));
    select.value = value;
    return select;
  };
  const across = pick("horizontal", plane.dx);
  const up = pick("vertical", plane.dy);
  const changed = () => {
    if (across.value === up.value) return;
    onChange([Number(across.value), Number(up.value)]);
  };
  across.addEventListener("change", changed);
  up.addEventListener("change", changed);
  return h("div", { class: "vl-dims" }, [h("span", { text: "plane shows" }), across, h("span", { text: "across," }), up, h("span", { text: "up" })]);
}

function planeColumn(caption, plane, model, loop) {
  // the latent plane with its caption, the digit legend and, past two dimensions, the axis pickers
  const column = [h("div", { class: "vl-caption", text: caption }), plane.canvas];
  if (plane.labels.length) column.push(legend(plane.labels));
  if (plane.zDim > 2)
    column.push(
      dimPickers(plane, (dims) => {
        plane.setDims(dims);
        model.set("dims", dims);
        model.save_changes();
        loop.schedule();
      }),
    );
  return h("div", { class: "vl-col" }, column);
}

const fmt = (z) => `(${Array.from(z, (v) => v.toFixed(2)).join(", ")})`;

// ---------- the frame loop shared by the decoder widgets ----------

function frameLoop(el, draw) {
  // schedule() asks for a paint of the latest state. The first request paints at once (decoding takes about
  // a millisecond) and books the next animation frame; requests before that frame only mark the state dirty,
  // and the frame paints the latest one. So at most one paint per frame, and the last state is always drawn.
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

function shell(el, cls, title, subtitle) {
  el.classList.add("vl-root", cls);
  const head = h("div", { class: "vl-head" }, [h("span", { class: "vl-title", text: title }), h("span", { class: "vl-sub", text: subtitle })]);
  el.replaceChildren(head);
  return head;
}

function backendNote(model) {
  return model.get("backend") === "kernel" ? "decoded in the kernel" : "decoded in your browser";
}

// ---------- LatentExplorer ----------

function renderLatent({ model, el }) {
  const zDim = model.get("z_dim");
  const shape = model.get("image_shape");
  const limits = model.get("limits");
  let z = Float64Array.from(model.get("z"));
  let own = false;
  shell(el, "vaelessons-latent-explorer", "Latent explorer", `z_dim = ${zDim} · ${backendNote(model)}`);

  const image = imageCanvas(shape);
  const zText = h("div", { class: "vl-caption vl-mono" });
  const plane = new Plane(model);
  const loop = frameLoop(el, () => decoder.request([Array.from(z)], Float64Array.from(z)));
  const decoder = makeDecoder(model, ([ink], shown) => {
    paint(image, ink);
    zText.textContent = `z = ${fmt(shown)}`;
    plane.draw((ctx, p) => p.marker(ctx, shown, { colour: "#111" }));
    loop.painted(shown);
    own = true; // the change event this fires is ours: it must not move the sliders back
    model.set("z", Array.from(shown));
    own = false;
    model.save_changes();
  });

  const sliders = Array.from({ length: zDim }, (_, d) =>
    slider({
      label: `z${d + 1}`,
      min: -limits[d],
      max: limits[d],
      step: 0.05,
      value: z[d],
      onInput: (v) => {
        z[d] = v;
        loop.schedule();
      },
    }),
  );
  plane.onDrag((zx, zy) => {
    z[plane.dx] = zx;
    sliders[plane.dx].set(zx);
    if (zDim > 1) {
      z[plane.dy] = zy;
      sliders[plane.dy].set(zy);
    }
    loop.schedule();
  });
  const onModelZ = () => {
    const next = model.get("z");
    if (own) return;
    if (next.length === zDim && next.some((v, d) => Math.abs(v - z[d]) > 1e-9)) {
      z = Float64Array.from(next);
      sliders.forEach((s, d) => s.set(z[d]));
      loop.schedule();
    }
  };
  model.on("change:z", onModelZ);

  const caption = plane.labels.length ? "Latent plane, test-set means by digit: drag the point" : "Latent plane: drag the point";
  const right = planeColumn(caption, plane, model, loop);
  el.append(
    h("div", { class: "vl-body" }, [
      h("div", { class: "vl-col" }, [h("div", { class: "vl-caption", text: "Decoded image  x = decoder(z)" }), image, zText]),
      right,
    ]),
    h("div", { class: "vl-sliders" }, sliders.map((s) => s.row)),
  );
  loop.schedule();
  return () => {
    loop.cancel();
    decoder.dispose();
    model.off("change:z", onModelZ);
  };
}

// ---------- Interpolation ----------

function renderInterpolation({ model, el }) {
  const zDim = model.get("z_dim");
  const shape = model.get("image_shape");
  const n = model.get("frames");
  const count = bytes(model.get("labels")).length;
  const state = { a: model.get("a"), b: model.get("b"), t: model.get("t"), pickB: false };
  shell(el, "vaelessons-interpolation", "Interpolation", `z_dim = ${zDim} · ${backendNote(model)}`);

  const plane = new Plane(model);
  const code = (i) => plane.points.subarray(i * zDim, (i + 1) * zDim);
  const at = (t) => Array.from(code(state.a), (va, d) => (1 - t) * va + t * code(state.b)[d]);
  const image = imageCanvas(shape);
  const zText = h("div", { class: "vl-caption vl-mono" });
  const strip = Array.from({ length: n }, () => imageCanvas(shape, 44));
  const stripText = h("div", { class: "vl-caption vl-strip-caption" });

  const loop = frameLoop(el, () => {
    const scene = { ...state };
    const ts = Array.from({ length: n }, (_, k) => k / (n - 1));
    decoder.request([at(scene.t), ...ts.map(at)], scene);
  });
  const decoder = makeDecoder(model, ([main, ...frames], scene) => {
    const z = at(scene.t);
    paint(image, main);
    frames.forEach((ink, k) => paint(strip[k], ink));
    const nearest = Math.round(scene.t * (n - 1));
    strip.forEach((c, k) => c.classList.toggle("vl-current", k === nearest));
    zText.textContent = `t = ${scene.t.toFixed(2)}   z = ${fmt(z)}`;
    stripText.textContent = `${n} frames from A (image ${scene.a}, a ${plane.labels[scene.a]}) to B (image ${scene.b}, a ${plane.labels[scene.b]})`;
    plane.draw((ctx, p) => {
      const [x0, y0] = p.toPx(code(scene.a)[p.dx], code(scene.a)[p.dy]);
      const [x1, y1] = p.toPx(code(scene.b)[p.dx], code(scene.b)[p.dy]);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#111";
      ctx.stroke();
      p.marker(ctx, code(scene.a), { colour: DIGIT_COLOURS[plane.labels[scene.a] % 10], label: "A", radius: 6 });
      p.marker(ctx, code(scene.b), { colour: DIGIT_COLOURS[plane.labels[scene.b] % 10], label: "B", radius: 6 });
      p.marker(ctx, z, { colour: "#111", radius: 5 });
    });
    loop.painted(z);
    model.set("z", z);
    model.save_changes();
  });

  const tSlider = slider({
    label: "t",
    min: 0,
    max: 1,
    step: 0.01,
    value: state.t,
    onInput: (v) => {
      state.t = v;
      model.set("t", v);
      loop.schedule();
    },
  });
  const indexInput = (name) => {
    const input = h("input", { type: "number", min: 0, max: count - 1, step: 1, "data-lm-suppress-shortcuts": "true", "aria-label": `image ${name}` });
    input.value = state[name];
    input.addEventListener("change", () => {
      const i = Math.max(0, Math.min(count - 1, Math.round(Number(input.value))));
      input.value = i;
      choose(name, i);
    });
    return input;
  };
  const inputs = { a: indexInput("a"), b: indexInput("b") };
  const clickHint = h("span", { class: "vl-hint" });
  const showHint = () => (clickHint.textContent = `click a point on the plane to set ${state.pickB ? "B" : "A"}`);
  const choose = (name, i) => {
    state[name] = i;
    inputs[name].value = i;
    model.set(name, i);
    model.save_changes();
    loop.schedule();
  };
  plane.canvas.addEventListener("click", (e) => {
    const r = plane.canvas.getBoundingClientRect();
    const i = plane.nearest(...plane.fromPx(e.clientX - r.left, e.clientY - r.top));
    if (i < 0) return;
    choose(state.pickB ? "b" : "a", i);
    state.pickB = !state.pickB;
    showHint();
  });
  showHint();
  tSlider.input.addEventListener("change", () => model.save_changes());

  const picks = h("div", { class: "vl-picks" }, [h("span", { class: "vl-name", text: "A" }), inputs.a, h("span", { class: "vl-name", text: "B" }), inputs.b, clickHint]);
  const right = planeColumn("Latent plane: the straight path from A to B", plane, model, loop);
  el.append(
    h("div", { class: "vl-body" }, [
      h("div", { class: "vl-col" }, [h("div", { class: "vl-caption", text: "Decoded image at t" }), image, zText, h("div", { class: "vl-sliders" }, [tSlider.row]), picks]),
      right,
    ]),
    h("div", { class: "vl-strip" }, strip),
    stripText,
  );
  loop.schedule();
  return () => {
    loop.cancel();
    decoder.dispose();
  };
}

// ---------- ClassExplorer ----------

function renderClass({ model, el }) {
  const zDim = model.get("z_dim");
  const shape = model.get("image_shape");
  const nClasses = model.get("n_classes");
  const means = floats(model.get("class_means"));
  const mean = (y) => means.subarray(y * zDim, (y + 1) * zDim);
  const state = { digit: model.get("digit"), offset: Float64Array.from(model.get("offset")) };
  const codeOf = (s) => Array.from(mean(s.digit), (m, d) => m + s.offset[d]);
  shell(el, "vaelessons-class-explorer", "Class explorer", `z = μ_y + offset · z_dim = ${zDim} · ${backendNote(model)}`);

  const image = imageCanvas(shape);
  const zText = h("div", { class: "vl-caption vl-mono" });
  const plane = new Plane(model);
  const loop = frameLoop(el, () => {
    const scene = { digit: state.digit, offset: Float64Array.from(state.offset) };
    decoder.request([codeOf(scene)], scene);
  });
  const decoder = makeDecoder(model, ([ink], scene) => {
    const z = codeOf(scene);
    paint(image, ink);
    zText.textContent = `y = ${scene.digit}   z = ${fmt(z)}`;
    plane.draw((ctx, p) => {
      for (let y = 0; y < nClasses; y++) {
        // mu_y as a coloured disc with its digit; the chosen class's ringed in black
        const [x, yy] = p.toPx(mean(y)[p.dx], zDim > 1 ? mean(y)[p.dy] : 0);
        ctx.beginPath();
        ctx.arc(x, yy, 8, 0, 2 * Math.PI);
        ctx.fillStyle = DIGIT_COLOURS[y % 10];
        ctx.fill();
        ctx.lineWidth = y === scene.digit ? 2.5 : 1;
        ctx.strokeStyle = y === scene.digit ? "#111" : "#fff";
        ctx.stroke();
        ctx.fillStyle = "#fff";
        ctx.font = "bold 11px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(String(y), x, yy + 0.5);
      }
      p.marker(ctx, z, { colour: "#111", radius: 5 });
    });
    loop.painted(z);
    model.set("z", z);
    model.set("offset", Array.from(scene.offset));
    model.save_changes();
  });

  const sliders = Array.from({ length: zDim }, (_, d) =>
    slider({
      label: `Δz${d + 1}`,
      min: -3,
      max: 3,
      step: 0.05,
      value: state.offset[d],
      title: `z${d + 1} - μ_y,${d + 1}`,
      onInput: (v) => {
        state.offset[d] = v;
        loop.schedule();
      },
    }),
  );
  const buttons = Array.from({ length: nClasses }, (_, y) => {
    const b = h("button", { class: "vl-class", "data-lm-suppress-shortcuts": "true", text: String(y) });
    b.style.setProperty("--vl-colour", DIGIT_COLOURS[y % 10]);
    b.addEventListener("click", () => pick(y));
    return b;
  });
  const pick = (y) => {
    state.digit = y;
    buttons.forEach((b, k) => b.classList.toggle("vl-selected", k === y));
    model.set("digit", y);
    model.save_changes();
    loop.schedule();
  };
  buttons.forEach((b, k) => b.classList.toggle("vl-selected", k === state.digit));
  plane.onDrag((zx, zy) => {
    const m = mean(state.digit);
    state.offset[plane.dx] = Math.max(-3, Math.min(3, zx - m[plane.dx]));
    sliders[plane.dx].set(state.offset[plane.dx]);
    if (zDim > 1) {
      state.offset[plane.dy] = Math.max(-3, Math.min(3, zy - m[plane.dy]));
      sliders[plane.dy].set(state.offset[plane.dy]);
    }
    loop.schedule();
  });

  const right = planeColumn("Latent plane: the class means μ_y (discs); drag the point", plane, model, loop);
  el.append(
    h("div", { class: "vl-classes" }, [h("span", { class: "vl-name", text: "class y" }), ...buttons]),
    h("div", { class: "vl-body" }, [
      h("div", { class: "vl-col" }, [h("div", { class: "vl-caption", text: "Decoded image  x = decoder(μ_y + offset)" }), image, zText]),
      right,
    ]),
    h("div", { class: "vl-sliders" }, sliders.map((s) => s.row)),
  );
  loop.schedule();
  return () => {
    loop.cancel();
    decoder.dispose();
  };
}

// ---------- KLPlayground ----------

function renderKL({ model, el }) {
  const eps = floats(model.get("eps"));
  const state = { mu: model.get("mu"), sigma: model.get("sigma") };
  shell(el, "vaelessons-kl-playground", "KL playground", "q = N(μ, σ²) against p = N(0, 1)");
  const W = 460, H = 240;
  const plot = h("canvas", { class: "vl-density" });
  const ctx = hidpi(plot, W, H);
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

  const m = { left: 48, right: 12, top: 12, bottom: 34 };
  const xr = [-5, 5];
  const density = (x, mu, s) => Math.exp(-0.5 * ((x - mu) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
  const draw = () => {
    const { mu, sigma } = state;
    const ymax = Math.max(0.45, Math.min(4.5, 1.1 / (sigma * Math.sqrt(2 * Math.PI))));
    const px = (x) => m.left + ((x - xr[0]) / (xr[1] - xr[0])) * (W - m.left - m.right);
    const py = (y) => H - m.bottom - (y / ymax) * (H - m.top - m.bottom);
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    ctx.font = FONT;
    ctx.strokeStyle = "#e6e6e6";
    ctx.fillStyle = "#444";
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
    for (const y of ticks(0, ymax)) {
      ctx.fillText(y.toFixed(1), m.left - 5, py(y));
    }
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
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.left, m.top, W - m.left - m.right, H - m.top - m.bottom);
    ctx.clip();
    const curve = (mu_, s, fill, stroke, dash) => {
      ctx.beginPath();
      ctx.moveTo(px(xr[0]), py(0));
      for (let i = 0; i <= 400; i++) {
        const x = xr[0] + ((xr[1] - xr[0]) * i) / 400;
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
      ctx.setLineDash([]);
    };
    curve(0, 1, null, "#555", [6, 4]);
    curve(mu, sigma, "rgba(31,119,180,0.18)", "#1f77b4", []);
    ctx.restore();
    ctx.strokeStyle = "#999";
    ctx.strokeRect(m.left + 0.5, m.top + 0.5, W - m.left - m.right, H - m.top - m.bottom);
    // legend
    ctx.font = FONT;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const lx = m.left + 12;
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
    ctx.fillText(`q = N(${mu.toFixed(2)}, ${sigma.toFixed(2)}²)`, lx + 28, m.top + 14);
    ctx.fillText("p = N(0, 1)", lx + 28, m.top + 32);

    const t1 = -Math.log(sigma), t2 = 0.5 * (mu * mu + sigma * sigma), t3 = -0.5;
    let sum = 0, sum2 = 0;
    for (let i = 0; i < eps.length; i++) {
      const x = mu + sigma * eps[i];
      const r = -Math.log(sigma) - 0.5 * eps[i] * eps[i] + 0.5 * x * x; // log q(x) - log p(x)
      sum += r;
      sum2 += r * r;
    }
    const mean = sum / eps.length;
    const se = Math.sqrt(Math.max(0, sum2 / eps.length - mean * mean) / (eps.length - 1));
    cells.t1.textContent = t1.toFixed(3);
    cells.t2.textContent = t2.toFixed(3);
    cells.t3.textContent = t3.toFixed(3);
    cells.kl.textContent = (t1 + t2 + t3).toFixed(3);
    cells.mc.textContent = `${mean.toFixed(3)} ± ${se.toFixed(3)}`;
    loop.painted(null);
    model.set("mu", mu);
    model.set("sigma", sigma);
    model.save_changes();
  };
  const loop = frameLoop(el, draw);
  const muSlider = slider({ label: "μ", min: -3, max: 3, step: 0.01, value: state.mu, onInput: (v) => ((state.mu = v), loop.schedule()) });
  const sigmaSlider = slider({ label: "σ", min: 0.05, max: 3, step: 0.01, value: state.sigma, onInput: (v) => ((state.sigma = v), loop.schedule()) });
  el.append(
    h("div", { class: "vl-body" }, [
      h("div", { class: "vl-col" }, [plot, h("div", { class: "vl-sliders" }, [muSlider.row, sigmaSlider.row])]),
      h("div", { class: "vl-col" }, [h("div", { class: "vl-caption", text: "KL(q ‖ p) = −½ log σ² + ½ (μ² + σ²) − ½" }), table]),
    ]),
  );
  loop.schedule();
  return () => loop.cancel();
}

const RENDER = { latent: renderLatent, interpolation: renderInterpolation, class: renderClass, kl: renderKL };

export default {
  render({ model, el }) {
    const kind = model.get("kind");
    if (!RENDER[kind]) throw new Error(`vaelessons widgets: unknown kind ${kind}`);
    return RENDER[kind]({ model, el });
  },
};
