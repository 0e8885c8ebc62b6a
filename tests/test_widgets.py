"""The widgets' Python side: errors at creation, the plain-text description, the decoder export, the kernel fallback."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import vaelessons as vl
from vaelessons.widgets import ClassExplorer, Interpolation, KLPlayground, LatentExplorer, export_decoder, ink, run_exported


@pytest.fixture(scope="module")
def vae():
    torch.manual_seed(0)
    return vl.VAE(z_dim=2).eval()


@pytest.fixture(scope="module")
def test_set():
    return vl.load_data("mnist-mini", "test")[:300]


class TanhDecoderVAE(vl.VAE):
    """A VAE whose decoder has a layer the browser's MLP does not run."""

    def __init__(self):
        super().__init__(z_dim=2)
        self.decoder = nn.Sequential(nn.Linear(2, 256), nn.Tanh(), nn.Linear(256, 784))


def test_export_round_trips_through_bytes(vae):
    layers, weights = export_decoder(vae)
    assert layers == [[2, 256, True], [256, 784, False]]
    assert len(weights) == 4 * (2 * 256 + 256 + 256 * 784 + 784)
    z = torch.randn(16, 2)
    assert torch.allclose(run_exported(layers, weights, z), vae.decode(z).detach(), atol=1e-6)


def test_widget_sends_the_exported_decoder(vae, test_set):
    w = LatentExplorer(vae, test_set, z=[0.5, -1.0])
    assert w.backend == "browser"
    assert [w.layers, w.weights] == list(export_decoder(vae))
    assert w.z == [0.5, -1.0]
    points = np.frombuffer(w.points, dtype="<f4").reshape(-1, 2)
    mu, _ = vae.encode(test_set.x)
    assert np.allclose(points, mu.detach().numpy(), atol=1e-6)
    assert np.array_equal(np.frombuffer(w.labels, dtype=np.uint8), test_set.y.numpy())
    assert torch.allclose(w.image(), vae.decode(torch.tensor([[0.5, -1.0]])).reshape(28, 28).detach())


def test_unusual_decoder_falls_back_to_decoding_in_the_kernel():
    model = TanhDecoderVAE().eval()
    assert export_decoder(model) is None
    w = LatentExplorer(model)
    assert w.backend == "kernel" and w.weights == b""
    w.request = {"id": "v-1", "codes": [[0.3, -0.2], [1.0, 1.0]]}  # what the browser sends while dragging
    assert w.pixels_id == "v-1"
    pixels = np.frombuffer(w.pixels, dtype=np.uint8).reshape(2, 784)
    expected = np.round(model.decode(torch.tensor([[0.3, -0.2], [1.0, 1.0]])).detach().numpy() * 255)
    assert np.abs(pixels - expected).max() <= 1
    assert "decoded in the kernel" in repr(w)
    with pytest.raises(ValueError, match="backend='kernel'"):
        LatentExplorer(model, backend="browser")


def test_decode_that_is_not_sigmoid_of_the_decoder_is_not_exported(vae):
    class Sharper(vl.VAE):
        def decode(self, z):
            return torch.sigmoid(2 * self.decode_logits(z))

    model = Sharper(z_dim=2).eval()
    assert export_decoder(model) is None
    assert LatentExplorer(model).backend == "kernel"


def test_kernel_backend_can_be_chosen(vae):
    w = LatentExplorer(vae, backend="kernel")
    w.request = {"id": "k", "codes": [[0.0, 0.0]]}
    assert w.pixels == ink(vae, torch.zeros(1, 2))


def test_text_description_names_the_widget_and_the_model(vae, test_set):
    text = LatentExplorer(vae, test_set)._repr_mimebundle_()[0]["text/plain"]
    assert text.startswith("LatentExplorer:") and "z_dim=2" in text and "28x28" in text and "in the browser" in text
    assert "image 3" in repr(Interpolation(vae, test_set, a=3, b=5))
    assert "digit 4" in repr(ClassExplorer(vl.CVAE(z_dim=2), digit=4))
    assert "KL(q || p) = 0.818" in repr(KLPlayground(mu=1.0, sigma=0.5))


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


def test_decoder_output_must_fit_the_image_shape():
    class Wrong(vl.VAE):
        def decode(self, z):
            return super().decode(z)[:, :700]

    with pytest.raises(ValueError, match=r"returned shape \(1, 700\).*expected \(1, 784\)"):
        LatentExplorer(Wrong())


def test_interpolation_checks_its_arguments_and_walks_the_line(vae, test_set):
    with pytest.raises(TypeError, match="needs data"):
        Interpolation(vae, None)
    with pytest.raises(ValueError, match="b must be an index into data, 0..299"):
        Interpolation(vae, test_set, b=300)
    w = Interpolation(vae, test_set, a=2, b=7, t=0.25)
    mu, _ = vae.encode(test_set.x[[2, 7]])
    assert np.allclose(w.z, (0.75 * mu[0] + 0.25 * mu[1]).detach().numpy(), atol=1e-6)


def test_class_explorer_needs_a_cvae_and_starts_at_the_class_mean(vae):
    with pytest.raises(TypeError, match="needs a conditional VAE"):
        ClassExplorer(vae)
    cvae = vl.CVAE(z_dim=2)
    with pytest.raises(ValueError, match="digit must be a class in 0..9"):
        ClassExplorer(cvae, digit=10)
    w = ClassExplorer(cvae, digit=4, offset=[0.5, 0.0])
    assert np.allclose(w.z, cvae.class_means.weight[4].detach().numpy() + [0.5, 0.0], atol=1e-6)


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
