"""The seed's VAE and CVAE: sizes, shapes, the noise switch, and clear messages for wrong inputs."""

import numpy as np
import pytest
import torch

from vaelessons.losses import kl_to_class_mean, reconstruction
from vaelessons.models import CVAE, VAE


def n_params(*layers):
    """Parameters of fully connected layers given as (inputs, outputs): weights plus biases."""
    return sum(i * o + o for i, o in layers)


def batch(n=5, d=784, seed=0):
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed))


def test_the_seed_vae_is_784_256_2_256_784():
    model = VAE()
    # encoder 784 -> 256, two heads 256 -> 2 (mu, log-variance), decoder 2 -> 256 -> 784
    expected = n_params((784, 256), (256, 2), (256, 2), (2, 256), (256, 784))
    assert sum(p.numel() for p in model.parameters()) == expected
    assert model.image_shape == (28, 28)
    logits, mu, logvar = model(batch())
    assert logits.shape == (5, 784) and mu.shape == (5, 2) and logvar.shape == (5, 2)
    assert [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)] == [256, 2, 2, 256, 784]


def test_sizes_are_configurable_and_the_config_rebuilds_the_model():
    model = VAE(x_dim=64, hidden=32, z_dim=5)
    assert sum(p.numel() for p in model.parameters()) == n_params((64, 32), (32, 5), (32, 5), (5, 32), (32, 64))
    assert model.image_shape == (8, 8)
    mu, logvar = model.encode(batch(d=64))
    assert mu.shape == logvar.shape == (5, 5)
    probs = model.decode(mu)
    assert probs.shape == (5, 64) and 0 <= probs.min() and probs.max() <= 1
    twin = VAE(**model.config)
    assert twin.config == model.config
    assert [p.shape for p in twin.parameters()] == [p.shape for p in model.parameters()]


def test_image_shape_can_be_given_and_must_hold_the_pixels():
    assert VAE(x_dim=12, image_shape=(3, 4)).image_shape == (3, 4)
    assert VAE(x_dim=12).image_shape == (1, 12)  # not a square: one row
    with pytest.raises(ValueError, match=r"image_shape \(3, 3\) does not hold x_dim=12 pixels"):
        VAE(x_dim=12, image_shape=(3, 3))


@pytest.mark.parametrize("kwargs, name", [({"z_dim": 0}, "z_dim"), ({"hidden": 2.5}, "hidden"), ({"x_dim": -1}, "x_dim")])
def test_bad_sizes_are_named(kwargs, name):
    with pytest.raises(ValueError, match=f"{name} must be a positive int"):
        VAE(**kwargs)


def test_images_of_the_wrong_shape_get_a_clear_message():
    model = VAE()
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\), got \(5, 28, 28\)"):
        model(torch.rand(5, 28, 28))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\), got \(5, 64\)"):
        model.loss_terms(torch.rand(5, 64))
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\), got \(3, 5\)"):
        model.decode(torch.rand(3, 5))


def test_noise_off_makes_z_the_posterior_mean():
    model = VAE()
    x = batch()
    model.noise = False
    logits, mu, _ = model(x)
    assert torch.equal(logits, model.decode_logits(mu))
    assert torch.equal(model(x)[0], logits)  # deterministic
    model.noise = True
    assert not torch.equal(model(x)[0], logits)  # z is sampled


def test_reparameterization_lets_the_reconstruction_train_the_variance():
    """With noise on, the reconstruction term's gradient reaches the log-variance head; with z = mu it cannot."""
    model, x = VAE(), batch()
    torch.manual_seed(0)
    recon, _ = model.loss_terms(x)
    recon.sum().backward()
    assert model.logvar.weight.grad.abs().sum() > 0
    model.zero_grad()
    model.noise = False
    recon, _ = model.loss_terms(x)
    recon.sum().backward()
    assert model.logvar.weight.grad is None or model.logvar.weight.grad.abs().sum() == 0


def test_loss_terms_are_per_sample_reconstruction_and_kl():
    model, x = VAE(), batch()
    model.noise = False
    recon, kl = model.loss_terms(x)
    logits, mu, logvar = model(x)
    assert recon.shape == kl.shape == (5,)
    torch.testing.assert_close(recon, reconstruction(logits, x))
    torch.testing.assert_close(kl, 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(dim=1))


def test_cvae_kl_is_to_the_learned_mean_of_each_class():
    model = CVAE()
    assert model.config["n_classes"] == 10 and CVAE(**model.config).config == model.config
    with torch.no_grad():
        model.class_means.weight.copy_(torch.arange(20.0).reshape(10, 2))
    x, y = batch(4), torch.tensor([0, 3, 3, 9])
    recon, kl = model.loss_terms(x, y)
    mu, logvar = model.encode(x)
    torch.testing.assert_close(kl, kl_to_class_mean(mu, logvar, torch.arange(20.0).reshape(10, 2)[y]))
    assert recon.shape == (4,)
    assert model.class_means.weight.requires_grad  # the class means are learned


def test_cvae_asks_for_the_labels():
    with pytest.raises(ValueError, match="a CVAE needs the labels y"):
        CVAE().loss_terms(batch())


@pytest.mark.parametrize("y, message", [([0, 1, 2, 10, 4], r"0\.\.9, got 0\.\.10"), ([-1, 1, 2, 3, 4], r"0\.\.9, got -1\.\.4")])
def test_cvae_labels_must_be_classes_it_knows(y, message):
    with pytest.raises(ValueError, match=f"labels must lie in {message}"):
        CVAE().loss_terms(batch(), torch.tensor(y))


def test_cvae_labels_must_be_one_integer_per_image():
    model = CVAE()
    with pytest.raises(ValueError, match=r"one integer label per image: shape \(5,\), got \(1,\)"):
        model.loss_terms(batch(), torch.tensor([3]))
    with pytest.raises(ValueError, match=r"integer labels \(int64\), got torch.float32"):
        model.loss_terms(batch(), torch.zeros(5))


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.rand(5, 28, 28), r"x must have shape \(N, 784\), got \(5, 28, 28\): flatten .* x.reshape\(len\(x\), -1\)"),
        (torch.rand(784), r"x must have shape \(N, 784\), got \(784,\): one image .* x.reshape\(1, -1\)"),
        (
            (torch.rand(5, 784) * 255).to(torch.uint8),
            r"x is torch.uint8 but the model computes in torch.float32: .*x.float\(\) / 255",
        ),
        (torch.rand(5, 784, dtype=torch.float64), r"x is torch.float64 but the model computes in torch.float32: .*x.float\(\)"),
        (np.zeros((5, 784), np.float32), r"x must be a torch.Tensor \(N, 784\), got ndarray: convert with torch.as_tensor\(x\)"),
    ],
)
def test_images_the_encoder_cannot_take_get_a_message_that_says_what_to_do(x, message):
    with pytest.raises((TypeError, ValueError), match=message):
        VAE().encode(x)


def test_codes_of_another_dtype_get_a_message_that_says_what_to_do():
    with pytest.raises(TypeError, match=r"z is torch.float64 but the model computes in torch.float32: convert with z.float\(\)"):
        VAE().decode(torch.zeros(3, 2, dtype=torch.float64))  # e.g. codes made with numpy


def test_inputs_on_another_device_than_the_model_are_named():
    """model.to("cuda") with data left on the CPU: the message says where each is and how to move the data.

    The "meta" device stands in for a GPU on this CPU-only machine: it is another device than the CPU's.
    """
    model = VAE().to("meta")
    assert model.device == torch.device("meta") and VAE().device == torch.device("cpu")
    with pytest.raises(ValueError, match=r"x is on cpu but the model is on meta: move it there with x.to\(model.device\)"):
        model.encode(torch.rand(3, 784))
    with pytest.raises(ValueError, match=r"z is on cpu but the model is on meta"):
        model.decode(torch.rand(3, 2))
    mu, logvar = model.encode(torch.rand(3, 784, device="meta"))
    assert mu.device.type == "meta" and mu.shape == (3, 2)


def test_labels_on_another_device_than_the_cvae_are_named():
    model = CVAE().to("meta")
    with pytest.raises(ValueError, match=r"y is on cpu but the model is on meta: move it there with y.to\(model.device\)"):
        model.loss_terms(torch.rand(3, 784, device="meta"), torch.tensor([0, 1, 2]))
