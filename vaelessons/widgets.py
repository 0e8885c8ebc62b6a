"""Live widgets for the lessons: move a latent code and watch the decoder redraw the digit while you drag.

Each widget is an anywidget: a Python class holding the state and one ES module (static/widgets.js)
that draws it. A model's decoder goes to the front end once, as a `Decoder` widget holding its weights
in binary buffers, shared by every widget that draws with that model; the JavaScript runs the MLP
(Linear, ReLU, ..., Linear, then a sigmoid) and paints a canvas, so a drag never waits on the kernel,
and a page saved with its widget state moves with no kernel at all. A decoder the JavaScript cannot run
is decoded in the kernel instead, which sends pixel bytes.
"""

import math
import weakref
from pathlib import Path

import anywidget
import ipywidgets
import numpy as np
import torch
from torch import nn
from traitlets import Bytes, Dict, Float, Instance, Int, List, TraitError, Unicode, observe, validate

STATIC = Path(__file__).parent / "static"
SCATTER_POINTS = 2000  # test-set means drawn on the latent plane
BACKENDS = ("auto", "browser", "kernel")
HALF_CHECK_CODES = 1024  # random codes on which float16 weights must draw what torch draws
HALF_MAX_INK_ERROR = 1  # of 255, on those codes: half the browser tests' 2/255, the rest is left for JavaScript's rounding


class WidgetValueError(TraitError, ValueError):
    """A widget given a value it cannot show; the message says which values it can."""


def _decoder_layers(model):
    """(layers [[n_in, n_out, relu], ...], float32 weights (P,)) if the browser's MLP reproduces model.decode, else None."""
    decoder = getattr(model, "decoder", None)
    if not isinstance(decoder, nn.Sequential):
        return None
    layers, arrays = [], []
    for module in decoder:
        if isinstance(module, nn.Linear):
            bias = module.bias if module.bias is not None else torch.zeros(module.out_features)
            layers.append([module.in_features, module.out_features, False])
            arrays += [module.weight.detach().reshape(-1), bias.detach()]
        elif isinstance(module, nn.ReLU) and layers and not layers[-1][2]:
            layers[-1][2] = True
        else:
            return None
    if not layers or layers[0][0] != model.z_dim:
        return None
    flat = torch.cat(arrays).float().numpy().astype("<f4")
    z = 2 * torch.randn(8, model.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model.decode(z).double()
    if not torch.allclose(run_exported(layers, flat.tobytes(), z), expected, atol=1e-4):  # float32 sums in torch
        return None
    return layers, flat


def export_decoder(model):
    """The decoder as (layers [[n_in, n_out, relu], ...], weight bytes, "float16" or "float32"), or None if the browser can't.

    The browser runs sigmoid(Linear -> ReLU -> ... -> Linear)(z); the export is used only if that
    reproduces model.decode(z), checked on a few codes, so an unusual model falls back to the kernel.
    The weights go as float16 (half the bytes) when that draws every one of HALF_CHECK_CODES random codes
    within HALF_MAX_INK_ERROR of torch's image, else as float32.
    """
    found = _decoder_layers(model)
    if found is None:
        return None
    layers, flat = found
    half = flat.astype("<f2").tobytes()
    if half_ink_error(model, layers, half) <= HALF_MAX_INK_ERROR:
        return layers, half, "float16"
    return layers, flat.tobytes(), "float32"


def half_ink_error(model, layers, half: bytes, n: int = HALF_CHECK_CODES) -> int:
    """The largest ink difference (of 255) between float16 weights and torch's decode, over n codes drawn from N(0, 4 I)."""
    z = 2 * torch.randn(n, model.z_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = (model.decode(z).double() * 255).round()
    got = run_exported(layers, half, z, "float16", precision=torch.float32)  # float32 sums: 4x faster, errors 1000x smaller
    return int(((got.double() * 255).round() - expected).abs().max())


def run_exported(layers, weights: bytes, z: torch.Tensor, dtype: str = "float32", precision=torch.float64) -> torch.Tensor:
    """What the browser computes from an export: codes z (N, Z) -> pixel probabilities (N, D), in float64 as JavaScript does."""
    stored = np.frombuffer(weights, dtype="<f2" if dtype == "float16" else "<f4")
    flat, offset, h = torch.from_numpy(stored.astype(np.float64)).to(precision), 0, torch.as_tensor(z).to(precision)
    for n_in, n_out, relu in layers:
        w = flat[offset : offset + n_in * n_out].reshape(n_out, n_in)
        b = flat[offset + n_in * n_out : offset + n_in * n_out + n_out]
        offset += n_in * n_out + n_out
        h = h @ w.T + b
        h = h.clamp(min=0) if relu else h
    return torch.sigmoid(h)


def ink(model, z: torch.Tensor) -> bytes:
    """The decoded images of codes z (N, Z) as uint8 ink bytes (N * D): round(255 * p), 255 = black."""
    with torch.no_grad():
        p = model.decode(torch.as_tensor(z, dtype=torch.float32).reshape(-1, model.z_dim))
    return (p * 255).round().clamp(0, 255).to(torch.uint8).numpy().tobytes()


class Decoder(ipywidgets.Widget):
    """A model's decoder in the browser: its layers and weights, sent once and shared by every widget drawing with it.

    A model-only widget (no view of its own); the drawing widgets hold a reference to it, so a page's saved
    widget state carries the weights once per model, however many widgets show it.
    """

    layers = List().tag(sync=True)  # [[n_in, n_out, relu], ...]
    weights = Bytes(b"").tag(sync=True)  # per layer W (n_out, n_in) row-major, then b; little-endian
    dtype = Unicode("float32").tag(sync=True)  # of the weights: "float16" or "float32"


_DECODERS = weakref.WeakKeyDictionary()  # torch model -> its Decoder widget, reused while the weights are the same


def decoder_for(model):
    """A model's Decoder widget, reused when the same model with the same weights is shown again; None if the browser can't."""
    found = _decoder_layers(model)
    if found is None:
        return None
    known = _DECODERS.get(model)
    if known is not None and known.comm is not None and known._source == (found[0], found[1].tobytes()):
        return known
    layers, weights, dtype = export_decoder(model)
    decoder = Decoder(layers=layers, weights=weights, dtype=dtype)
    decoder._source = (found[0], found[1].tobytes())  # the float32 weights it was made from
    _DECODERS[model] = decoder
    return decoder


def _check_model(model, widget: str):
    missing = [name for name in ("z_dim", "x_dim", "image_shape", "decode") if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"{widget} needs a vaelessons VAE or CVAE (with z_dim, x_dim, image_shape and decode); "
            f"the given {type(model).__name__} has no {', '.join(missing)}"
        )
    h, w = model.image_shape
    if h * w != model.x_dim:
        raise ValueError(f"{widget}: the model's image_shape {h}x{w} does not hold its x_dim={model.x_dim} pixels")
    with torch.no_grad():
        out = model.decode(torch.zeros(1, model.z_dim))
    if tuple(out.shape) != (1, h * w):
        raise ValueError(
            f"{widget}: model.decode(z) returned shape {tuple(out.shape)} for z of shape (1, {model.z_dim}); "
            f"expected (1, {h * w}), one {h}x{w} image per code"
        )


def _check_data(data, model, widget: str):
    if not (hasattr(data, "x") and hasattr(data, "y")):
        raise TypeError(f"{widget}: data must be Images from vaelessons.load_data(...), got {type(data).__name__}")
    h, w = model.image_shape
    shape = tuple(getattr(data, "shape", model.image_shape))
    if data.x.ndim != 2 or data.x.shape[1] != model.x_dim or shape != (h, w):
        raise ValueError(
            f"{widget}: the data holds {shape[0]}x{shape[1]} images ({data.x.shape[-1]} pixels) but the model "
            f"draws {h}x{w} images ({model.x_dim} pixels): give the data set the model was trained on"
        )
    if len(data) == 0:
        raise ValueError(f"{widget}: data is empty")


def _check_dims(dims, z_dim: int, widget: str) -> list:
    dims = [int(d) for d in dims]
    if z_dim == 1:
        return [0, 0]
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < z_dim for d in dims):
        raise WidgetValueError(f"{widget}: dims must be two different latent dimensions in 0..{z_dim - 1}, got {dims}")
    return dims


def _check_code(z, z_dim: int, name: str, widget: str) -> list:
    z = [float(v) for v in torch.as_tensor(z, dtype=torch.float64).reshape(-1)]  # float64: the browser's values unchanged
    if len(z) != z_dim:
        raise WidgetValueError(f"{widget}: {name} must have {z_dim} values (the model's z_dim), got {len(z)}")
    if not all(math.isfinite(v) for v in z):
        raise WidgetValueError(f"{widget}: {name} must be finite numbers, got {z}")
    return z


def _means(model, data) -> tuple:
    """Posterior means of data as float32 (N, Z) and labels uint8 (N,)."""
    with torch.no_grad():
        mu = torch.cat([model.encode(x)[0] for x in data.x.split(1000)])
    return mu.float().numpy(), data.y.numpy().astype(np.uint8)


def _limit(values: np.ndarray) -> float:
    """Half-width of a symmetric axis holding nearly all values (at least 3, the bulk of N(0, 1))."""
    if values.size == 0:
        return 3.0
    return max(3.0, math.ceil(2 * 1.1 * float(np.quantile(np.abs(values), 0.995))) / 2)


def _bring_to_life(name: str) -> str:
    return f"{name}: run this cell in Jupyter to bring it to life"


class _DecoderWidget(anywidget.AnyWidget):
    """The shared part: the decoder (in the browser, or in the kernel as a fallback) and the latent plane."""

    _esm = STATIC / "widgets.js"
    _css = STATIC / "widgets.css"

    kind = Unicode().tag(sync=True)
    backend = Unicode("browser").tag(sync=True)
    z_dim = Int().tag(sync=True)
    image_shape = List(Int()).tag(sync=True)
    decoder = Instance(Decoder, allow_none=True).tag(sync=True, **ipywidgets.widget_serialization)
    z = List(Float()).tag(sync=True)  # the code shown; the browser sends it when the moves pause
    dims = List(Int(), [0, 1]).tag(sync=True)  # the two latent dimensions the plane shows
    limits = List(Float()).tag(sync=True)  # half-width of each latent axis
    points = Bytes(b"").tag(sync=True)  # float32 (N, z_dim) test-set means
    labels = Bytes(b"").tag(sync=True)  # uint8 (N,) their digits
    draw_every = Int(1).tag(sync=True)  # draw every k-th point on the plane
    request = Dict().tag(sync=True)  # kernel backend: {id, codes} the browser asks for
    pixels = Bytes(b"").tag(sync=True)  # kernel backend: uint8 ink of the requested codes
    pixels_id = Unicode("").tag(sync=True)  # the request these pixels answer

    def __init__(self, model, data=None, *, widget, dims=(0, 1), backend="auto", z=None, sample=True, **state):
        _check_model(model, widget)
        self._widget = widget
        z = _check_code(z if z is not None else torch.zeros(model.z_dim), model.z_dim, "z", widget)
        if backend not in BACKENDS:
            raise ValueError(f"{widget}: backend must be one of {BACKENDS}, got {backend!r}")
        decoder = decoder_for(model) if backend != "kernel" else None
        if backend == "browser" and decoder is None:
            raise ValueError(
                f"{widget}: the browser cannot run this model's decoder (not Linear and ReLU layers): use backend='kernel'"
            )
        self._model = model
        dims = _check_dims(dims, model.z_dim, widget)
        points, labels = (np.zeros((0, model.z_dim), np.float32), np.zeros(0, np.uint8))
        if data is not None:
            _check_data(data, model, widget)
            if sample and len(data) > SCATTER_POINTS:
                data = data.take(SCATTER_POINTS)
            points, labels = _means(model, data)
        self._points = points
        state.setdefault("limits", [_limit(points[:, d]) for d in range(model.z_dim)])
        super().__init__(
            backend="browser" if decoder is not None else "kernel",
            z_dim=model.z_dim,
            image_shape=list(model.image_shape),
            decoder=decoder,
            dims=dims,
            points=points.astype("<f4").tobytes(),
            labels=labels.tobytes(),
            draw_every=max(1, math.ceil(len(labels) / SCATTER_POINTS)),
            z=z,
            **state,
        )

    @validate("z")
    def _valid_z(self, proposal):
        return _check_code(proposal["value"], self._model.z_dim, "z", self._widget)

    @validate("dims")
    def _valid_dims(self, proposal):
        return _check_dims(proposal["value"], self._model.z_dim, self._widget)

    @observe("request")
    def _decode_in_kernel(self, change):
        request = change["new"]
        if self.backend != "kernel" or not request:
            return
        with self.hold_sync():
            self.pixels = ink(self._model, torch.tensor(request["codes"], dtype=torch.float32))
            self.pixels_id = request["id"]

    def image(self) -> torch.Tensor:
        """The image the widget shows now: decode(z) as (H, W) probabilities."""
        with torch.no_grad():
            return self._model.decode(torch.tensor([self.z])).reshape(*self.image_shape)

    def __repr__(self):
        return _bring_to_life(type(self).__name__)


class LatentExplorer(_DecoderWidget):
    """The decoded image of a latent code z beside the latent plane; drag the point or move a slider per dimension.

    model: a VAE or CVAE; data: optional Images whose posterior means are scattered on the plane, one dot per
    image coloured by its digit; z: the starting code (default 0); dims: the two latent dimensions the plane shows.
    Setting z (or dims) from Python moves the widget.
    """

    def __init__(self, model, data=None, *, z=None, dims=(0, 1), backend="auto"):
        super().__init__(model, data, widget="LatentExplorer", dims=dims, backend=backend, z=z, kind="latent")


class Interpolation(_DecoderWidget):
    """Walk the straight line between the codes (posterior means) of two images a and b of data.

    A slider moves t from 0 (image a) to 1 (image b); the plane shows the path, a strip shows frames along it.
    Pick the images by index, or by clicking a point on the plane. Setting a, b or t from Python moves the widget.
    """

    a = Int(0).tag(sync=True)
    b = Int(1).tag(sync=True)
    t = Float(0.5).tag(sync=True)
    frames = Int(9).tag(sync=True)

    def __init__(self, model, data, *, a=0, b=1, t=0.5, frames=9, dims=(0, 1), backend="auto"):
        if data is None:
            raise TypeError("Interpolation needs data: the Images whose codes it walks between, e.g. load_data(name, 'test')")
        super().__init__(
            model, data, widget="Interpolation", dims=dims, backend=backend, sample=False, kind="interpolation", a=a, b=b, t=t
        )
        self.frames = frames
        self.z = self.code(self.t)

    @validate("a", "b")
    def _valid_index(self, proposal):
        index, count = proposal["value"], len(self._points)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise WidgetValueError(
                f"Interpolation: {proposal['trait'].name} must be the index of an image in data, 0..{count - 1}, got {index!r}"
            )
        return index

    @validate("t")
    def _valid_t(self, proposal):
        if not 0 <= proposal["value"] <= 1:
            raise WidgetValueError(f"Interpolation: t must lie in [0, 1] (0 is image a, 1 is image b), got {proposal['value']}")
        return proposal["value"]

    @validate("frames")
    def _valid_frames(self, proposal):
        if not 2 <= proposal["value"] <= 16:
            raise WidgetValueError(f"Interpolation: frames must be an int in 2..16, got {proposal['value']!r}")
        return proposal["value"]

    @observe("a", "b", "t")
    def _walk(self, change):
        self.z = self.code(self.t)

    def code(self, t: float) -> list:
        """The code at t on the line: (1 - t) * mu_a + t * mu_b."""
        return [float(v) for v in (1 - t) * self._points[self.a] + t * self._points[self.b]]


class ClassExplorer(_DecoderWidget):
    """A conditional VAE's digit at z = mu_y + offset: pick the class y, the sliders move z around its mean mu_y.

    Setting digit or offset from Python moves the widget.
    """

    digit = Int(0).tag(sync=True)
    offset = List(Float()).tag(sync=True)
    class_means = Bytes(b"").tag(sync=True)  # float32 (n_classes, z_dim)
    n_classes = Int(10).tag(sync=True)

    def __init__(self, cvae, data=None, *, digit=0, offset=None, dims=(0, 1), backend="auto"):
        if not hasattr(cvae, "class_means"):
            raise TypeError(
                f"ClassExplorer needs a conditional VAE (vaelessons.CVAE, with a learned mean mu_y per class); "
                f"the given {type(cvae).__name__} has none: use LatentExplorer for a plain VAE"
            )
        self._means = cvae.class_means.weight.detach().float().numpy()
        offset = _check_code(offset if offset is not None else torch.zeros(cvae.z_dim), cvae.z_dim, "offset", "ClassExplorer")
        means = self._means
        limits = [max(_limit(means[:, d]), 3 + float(np.abs(means[:, d]).max())) for d in range(cvae.z_dim)]
        super().__init__(
            cvae,
            data,
            widget="ClassExplorer",
            dims=dims,
            backend=backend,
            kind="class",
            n_classes=len(means),
            class_means=means.astype("<f4").tobytes(),
            limits=limits,
            digit=digit,
            offset=offset,
        )
        self.z = self._code()

    @validate("digit")
    def _valid_digit(self, proposal):
        digit, count = proposal["value"], len(self._means)
        if isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit < count:
            raise WidgetValueError(f"ClassExplorer: digit must be a class in 0..{count - 1}, got {digit!r}")
        return digit

    @validate("offset")
    def _valid_offset(self, proposal):
        return _check_code(proposal["value"], self._means.shape[1], "offset", "ClassExplorer")

    @observe("digit", "offset")
    def _move(self, change):
        if len(self.offset) == self._means.shape[1]:
            self.z = self._code()

    def _code(self) -> list:
        return [float(m + o) for m, o in zip(self._means[self.digit], self.offset, strict=True)]


class KLPlayground(anywidget.AnyWidget):
    """KL(q || p) for q = N(mu, sigma^2), p = N(0, 1): the densities, the closed form, its three terms, a Monte Carlo estimate.

    Setting mu or sigma from Python moves the widget.
    """

    _esm = STATIC / "widgets.js"
    _css = STATIC / "widgets.css"

    kind = Unicode("kl").tag(sync=True)
    mu = Float(0.0).tag(sync=True)
    sigma = Float(1.0).tag(sync=True)
    eps = Bytes(b"").tag(sync=True)  # float32 (n_samples,) standard normal draws: x = mu + sigma * eps

    def __init__(self, mu: float = 1.0, sigma: float = 0.5, n_samples: int = 2000, seed: int = 0):
        if not isinstance(n_samples, int) or n_samples < 2:
            raise ValueError(f"KLPlayground: n_samples must be an int of at least 2, got {n_samples!r}")
        eps = torch.randn(n_samples, generator=torch.Generator().manual_seed(seed))
        super().__init__(mu=float(mu), sigma=float(sigma), eps=eps.numpy().astype("<f4").tobytes())

    @validate("sigma")
    def _valid_sigma(self, proposal):
        if not proposal["value"] > 0 or not math.isfinite(proposal["value"]):
            raise WidgetValueError(f"KLPlayground: sigma must be positive, got {proposal['value']}")
        return proposal["value"]

    @validate("mu")
    def _valid_mu(self, proposal):
        if not math.isfinite(proposal["value"]):
            raise WidgetValueError(f"KLPlayground: mu must be a finite number, got {proposal['value']}")
        return proposal["value"]

    def terms(self) -> tuple:
        """The three terms of KL = -1/2 log sigma^2 + 1/2 (mu^2 + sigma^2) - 1/2."""
        return -0.5 * math.log(self.sigma**2), 0.5 * (self.mu**2 + self.sigma**2), -0.5

    def kl(self) -> float:
        """The closed form KL(N(mu, sigma^2) || N(0, 1)), in nats."""
        return sum(self.terms())

    def monte_carlo(self) -> tuple:
        """The mean of log q(x) - log p(x) over the samples x = mu + sigma * eps, and its standard error."""
        eps = torch.from_numpy(np.frombuffer(self.eps, dtype="<f4").astype(np.float64))
        x = self.mu + self.sigma * eps
        log_ratio = -math.log(self.sigma) - 0.5 * eps**2 + 0.5 * x**2
        return float(log_ratio.mean()), float(log_ratio.std() / math.sqrt(len(eps)))

    def __repr__(self):
        return _bring_to_life("KLPlayground")
