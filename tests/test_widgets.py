"""The widgets' Python side: errors at creation and on a bad trait, the traits that follow each other, the one
Decoder per model, its float16 weights, the short text shown where no widget renders, the kernel fallback."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import vaelessons as vl
from vaelessons.widgets import (
    HALF_MAX_INK_ERROR,
    ClassExplorer,
    Decoder,
    Interpolation,
    KLPlayground,
    LatentExplorer,
    decoder_for,
    export_decoder,
    half_ink_error,
    ink,
    run_exported,
)


@pytest.fixture(scope="module")
def vae():
    torch.manual_seed(0)
    return vl.VAE(z_dim=2).eval()


@pytest.fixture(scope="module")
def trained():
    """A VAE trained two epochs on 2000 mnist-mini images: weights grown by training, digit-like images."""
    torch.manual_seed(0)
    model = vl.VAE(z_dim=2)
    vl.fit(model, vl.load_data("mnist-mini", "train").take(2000), epochs=2, progress=False)
    return model.eval()


@pytest.fixture(scope="module")
def test_set():
    return vl.load_data("mnist-mini", "test")[:300]


class TanhDecoderVAE(vl.VAE):
    """A VAE whose decoder has a layer the browser's MLP does not run."""

    def __init__(self):
        super().__init__(z_dim=2)
        self.decoder = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 784))


def ink_of(p: torch.Tensor) -> torch.Tensor:
    return (p.double() * 255).round()


def test_export_is_float16_and_draws_what_torch_draws(trained):
    layers, weights, dtype = export_decoder(trained)
    assert layers == [[2, 256, True], [256, 784, False]]
    assert dtype == "float16" and len(weights) == 2 * (2 * 256 + 256 + 256 * 784 + 784)
    z = 3 * torch.randn(10_000, 2, generator=torch.Generator().manual_seed(5))  # codes well beyond the plane's usual range
    with torch.no_grad():
        error = (ink_of(run_exported(layers, weights, z, dtype)) - ink_of(trained.decode(z))).abs().max()
    assert error <= HALF_MAX_INK_ERROR < 2  # the browser tests allow 2/255
    assert half_ink_error(trained, layers, weights) <= HALF_MAX_INK_ERROR


def test_weights_float16_cannot_hold_go_as_float32():
    torch.manual_seed(0)
    model = vl.VAE(z_dim=2).eval()
    with torch.no_grad():
        model.decoder[2].weight *= 300  # logits of +-100 whose float16 rounding errors reach whole units
    layers, weights, dtype = export_decoder(model)
    assert dtype == "float32" and len(weights) == 4 * (2 * 256 + 256 + 256 * 784 + 784)
    z = torch.randn(64, 2)
    with torch.no_grad():
        assert torch.allclose(run_exported(layers, weights, z, dtype), model.decode(z).double(), atol=1e-4)


def test_widgets_of_one_model_share_one_decoder_sent_once(vae, test_set):
    explorer, walk = LatentExplorer(vae, test_set, z=[0.5, -1.0]), Interpolation(vae, test_set)
    assert isinstance(explorer.decoder, Decoder) and walk.decoder is explorer.decoder
    assert explorer.backend == "browser" and explorer.z == [0.5, -1.0]
    layers, weights, dtype = export_decoder(vae)
    assert (explorer.decoder.layers, explorer.decoder.weights, explorer.decoder.dtype) == (layers, weights, dtype)
    # a widget's own state refers to the decoder and holds no weights: only its scatter of codes and labels
    state = explorer.get_state()
    assert state["decoder"] == f"IPY_MODEL_{explorer.decoder.model_id}"
    own = sum(len(v) for k, v in state.items() if isinstance(v, bytes))
    assert own == len(test_set) * (2 * 4 + 1)
    points = np.frombuffer(explorer.points, dtype="<f4").reshape(-1, 2)
    mu, _ = vae.encode(test_set.x)
    assert np.allclose(points, mu.detach().numpy(), atol=1e-6)
    assert np.array_equal(np.frombuffer(explorer.labels, dtype=np.uint8), test_set.y.numpy())
    assert torch.allclose(explorer.image(), vae.decode(torch.tensor([[0.5, -1.0]])).reshape(28, 28).detach())


def test_a_new_decoder_when_the_weights_change_or_it_was_closed():
    torch.manual_seed(0)
    model = vl.VAE(z_dim=2).eval()
    first = decoder_for(model)
    assert decoder_for(model) is first
    with torch.no_grad():
        model.decoder[0].bias += 0.1  # trained further, say
    second = decoder_for(model)
    assert second is not first and second.weights != first.weights
    second.close()
    assert decoder_for(model) is not second
    assert decoder_for(vl.VAE(z_dim=2)) is not decoder_for(model)


def test_unusual_decoder_falls_back_to_decoding_in_the_kernel():
    model = TanhDecoderVAE().eval()
    assert export_decoder(model) is None
    w = LatentExplorer(model)
    assert w.backend == "kernel" and w.decoder is None
    w.request = {"id": "v-1", "codes": [[0.3, -0.2], [1.0, 1.0]]}  # what the browser sends while dragging
    assert w.pixels_id == "v-1"
    pixels = np.frombuffer(w.pixels, dtype=np.uint8).reshape(2, 784)
    expected = np.round(model.decode(torch.tensor([[0.3, -0.2], [1.0, 1.0]])).detach().numpy() * 255)
    assert np.abs(pixels - expected).max() <= 1
    with pytest.raises(ValueError, match="backend='kernel'"):
        LatentExplorer(model, backend="browser")


def test_decode_that_is_not_sigmoid_of_the_decoder_is_not_exported():
    class Sharper(vl.VAE):
        def decode(self, z):
            return torch.sigmoid(2 * self.decode_logits(z))

    model = Sharper(z_dim=2).eval()
    assert export_decoder(model) is None
    assert LatentExplorer(model).backend == "kernel"


def test_kernel_backend_can_be_chosen(vae):
    w = LatentExplorer(vae, backend="kernel")
    assert w.decoder is None
    w.request = {"id": "k", "codes": [[0.0, 0.0]]}
    assert w.pixels == ink(vae, torch.zeros(1, 2))


def test_text_shown_where_no_widget_renders_is_one_short_line_that_says_how_to_bring_it_to_life(vae, test_set):
    cvae = vl.CVAE(z_dim=2)
    for w in (LatentExplorer(vae, test_set), Interpolation(vae, test_set), ClassExplorer(cvae), KLPlayground()):
        text = w._repr_mimebundle_()[0]["text/plain"]
        assert text == f"{type(w).__name__}: run this cell in Jupyter to bring it to life"
        assert len(text) <= 80 and "\n" not in text


def test_model_and_data_that_disagree_fail_at_creation(vae):
    digits = vl.load_data("digits", "test")
    with pytest.raises(ValueError, match=r"8x8 images \(64 pixels\).*28x28 images \(784 pixels\)"):
        LatentExplorer(vae, digits)
    with pytest.raises(ValueError, match="z must have 2 values"):
        LatentExplorer(vae, z=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="dims must be two different latent dimensions in 0..1"):
        LatentExplorer(vae, dims=(0, 2))
    with pytest.raises(TypeError, match="needs a vaelessons VAE or CVAE"):
        LatentExplorer(nn.Linear(2, 784))
    with pytest.raises(TypeError, match="data must be Images"):
        LatentExplorer(vae, torch.zeros(10, 784))


def test_a_bad_trait_set_from_python_says_what_is_wrong_and_changes_nothing(vae):
    w = LatentExplorer(vae, z=[0.5, 0.5])
    with pytest.raises(ValueError, match="LatentExplorer: z must have 2 values"):
        w.z = [1.0]
    with pytest.raises(ValueError, match="z must be finite numbers"):
        w.z = [math.nan, 0.0]
    with pytest.raises(ValueError, match="dims must be two different latent dimensions"):
        w.dims = [1, 1]
    assert w.z == [0.5, 0.5] and w.dims == [0, 1]


def test_decoder_output_must_fit_the_image_shape():
    class Wrong(vl.VAE):
        def decode(self, z):
            return super().decode(z)[:, :700]

    with pytest.raises(ValueError, match=r"returned shape \(1, 700\).*expected \(1, 784\)"):
        LatentExplorer(Wrong())


def test_interpolation_checks_its_indices_and_walks_the_line(vae, test_set):
    with pytest.raises(TypeError, match="needs data"):
        Interpolation(vae, None)
    with pytest.raises(ValueError, match=r"b must be the index of an image in data, 0\.\.299, got 300"):
        Interpolation(vae, test_set, b=300)
    with pytest.raises(ValueError, match=r"t must lie in \[0, 1\]"):
        Interpolation(vae, test_set, t=1.5)
    w = Interpolation(vae, test_set, a=2, b=7, t=0.25)
    mu = vae.encode(test_set.x)[0].detach().numpy()
    assert np.allclose(w.z, 0.75 * mu[2] + 0.25 * mu[7], atol=1e-6)
    w.t = 0.5  # z follows a, b and t set from Python
    assert np.allclose(w.z, 0.5 * mu[2] + 0.5 * mu[7], atol=1e-6)
    w.a = 11
    assert np.allclose(w.z, 0.5 * mu[11] + 0.5 * mu[7], atol=1e-6)
    with pytest.raises(ValueError, match=r"a must be the index of an image in data, 0\.\.299, got -1"):
        w.a = -1
    with pytest.raises(ValueError, match="frames must be an int in 2..16"):
        w.frames = 40
    assert (w.a, w.b, w.t, w.frames) == (11, 7, 0.5, 9)


def test_class_explorer_needs_a_cvae_and_follows_its_class(vae):
    with pytest.raises(TypeError, match="needs a conditional VAE"):
        ClassExplorer(vae)
    cvae = vl.CVAE(z_dim=2)
    with pytest.raises(ValueError, match="digit must be a class in 0..9, got 10"):
        ClassExplorer(cvae, digit=10)
    w = ClassExplorer(cvae, digit=4, offset=[0.5, 0.0])
    means = cvae.class_means.weight.detach().numpy()
    assert np.allclose(w.z, means[4] + [0.5, 0.0], atol=1e-6)
    w.digit = 7
    assert np.allclose(w.z, means[7] + [0.5, 0.0], atol=1e-6)
    w.offset = [0.0, -1.0]
    assert np.allclose(w.z, means[7] + [0.0, -1.0], atol=1e-6)
    with pytest.raises(ValueError, match="digit must be a class in 0..9, got 12"):
        w.digit = 12
    with pytest.raises(ValueError, match="offset must have 2 values"):
        w.offset = [1.0]
    assert w.digit == 7 and w.offset == [0.0, -1.0]


def test_wider_latent_gets_a_slider_per_dimension_and_a_plane_choice(test_set):
    model = vl.VAE(z_dim=5).eval()
    w = LatentExplorer(model, test_set, dims=(3, 1))
    assert w.dims == [3, 1] and len(w.z) == 5 and len(w.limits) == 5


def test_kl_playground_numbers():
    w = KLPlayground(mu=0.7, sigma=1.8, n_samples=50_000)
    closed = float(torch.distributions.kl_divergence(torch.distributions.Normal(0.7, 1.8), torch.distributions.Normal(0.0, 1.0)))
    assert math.isclose(w.kl(), closed, rel_tol=1e-6)
    estimate, stderr = w.monte_carlo()
    assert abs(estimate - closed) < 4 * stderr
    with pytest.raises(ValueError, match="sigma must be positive"):
        KLPlayground(sigma=0.0)
    with pytest.raises(ValueError, match="sigma must be positive, got -1.0"):
        w.sigma = -1.0
    assert w.sigma == 1.8
