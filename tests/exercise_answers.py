"""The exercises' right answers, small models to check them with, and every public check called as its lesson calls it.

Shared by the tests of the checks (tests/test_checks_*.py). The models are small, on 8x8 digits, so a test runs in
seconds; the checks take their sizes from the model and the data.
"""

import functools
import math

import numpy as np
import torch
from scipy import stats

from vaelessons import CVAE, VAE, fit, load_data
from vaelessons.checks import cvae, kl, naive, posterior, reparam, start, transforms, vae
from vaelessons.losses import kl_normal, reconstruction


@functools.cache
def digits_test():
    """The 299 test images of scikit-learn's 8x8 digits, (299, 64)."""
    return load_data("digits", "test")


@functools.cache
def trained_vae() -> VAE:
    """A VAE (64 -> 32 -> 2) trained 10 epochs on the 8x8 digits: posteriors narrow enough to tell images apart."""
    torch.manual_seed(0)
    model = VAE(x_dim=64, hidden=32, z_dim=2, image_shape=(8, 8))
    fit(model, load_data("digits", "train"), epochs=10, progress=False)
    return model.eval()


@functools.cache
def small_cvae() -> CVAE:
    """An untrained CVAE (64 -> 32 -> 2, ten class means): its decodes are what sample_digit must reproduce."""
    torch.manual_seed(0)
    return CVAE(x_dim=64, hidden=32, z_dim=2, n_classes=10, image_shape=(8, 8)).eval()


# The right answers, as the solutions sections of the lessons write them.


def mnist_mini_test():
    return load_data("mnist-mini", "test")


@torch.no_grad()
def generate(model, n):
    return model.decode(torch.randn(n, model.z_dim))


def exponential_inverse_cdf(u, rate):
    return -np.log(1 - u) / rate


def to_uniform(z):
    return -1 + 4 * stats.norm.cdf(z)


def best_output(x):
    return x.mean(dim=0)


def best_l1_output(x):
    return x.median(dim=0).values


KL_WEIGHTS = (0.5, 0.25)


def aggregate_variance(mu, logvar):
    return logvar.exp().mean(dim=0) + mu.var(dim=0, unbiased=False)


def kl_normal_by_hand(mu, logvar):
    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(dim=1)


def uniform_kl(a, b, c, d):
    return math.log((d - c) / (b - a)) if c <= a and b <= d else math.inf


def rsample(mu, sigma):
    return mu + torch.randn_like(mu) * sigma


def score(z, mu, sigma):
    return (z - mu) / sigma**2, ((z - mu) ** 2 - sigma**2) / sigma**3


def negative_elbo(model, x):
    mu, logvar = model.encode(x)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
    return reconstruction(model.decode_logits(z), x) + kl_normal(mu, logvar)


def digit_centre(model, data, digit):
    with torch.no_grad():
        mu, _ = model.encode(data.x[data.y == digit])
    return mu.mean(dim=0)


def kl_to_class(mu, logvar, mu_y):
    return 0.5 * ((mu - mu_y).pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def sample_digit(model, digit, n, seed):
    torch.manual_seed(seed)
    eps = torch.randn(n, model.z_dim)
    with torch.no_grad():
        return model.decode(model.class_means.weight[digit] + eps)


# Every public check: its name -> (a function answer -> Verdict calling it as the lesson does, the right answer).
# An answer is what the student writes: a function, or for check_test_split an Images and for check_kl_weights a pair.
CHECKS = {
    "start.check_test_split": (start.check_test_split, mnist_mini_test()),
    "start.check_generate": (lambda answer: start.check_generate(answer, trained_vae()), generate),
    "transforms.check_exponential_inverse_cdf": (transforms.check_exponential_inverse_cdf, exponential_inverse_cdf),
    "transforms.check_uniform_map": (transforms.check_uniform_map, to_uniform),
    "naive.check_best_output": (naive.check_best_output, best_output),
    "naive.check_best_l1_output": (naive.check_best_l1_output, best_l1_output),
    "posterior.check_kl_weights": (lambda answer: posterior.check_kl_weights(*answer), KL_WEIGHTS),
    "posterior.check_aggregate_variance": (posterior.check_aggregate_variance, aggregate_variance),
    "kl.check_kl_normal": (kl.check_kl_normal, kl_normal_by_hand),
    "kl.check_uniform_kl": (kl.check_uniform_kl, uniform_kl),
    "reparam.check_rsample": (reparam.check_rsample, rsample),
    "reparam.check_score": (reparam.check_score, score),
    "vae.check_negative_elbo": (lambda answer: vae.check_negative_elbo(answer, trained_vae(), digits_test()), negative_elbo),
    "vae.check_digit_centre": (lambda answer: vae.check_digit_centre(answer, trained_vae(), digits_test()), digit_centre),
    "cvae.check_kl_to_class": (cvae.check_kl_to_class, kl_to_class),
    "cvae.check_sample_digit": (lambda answer: cvae.check_sample_digit(answer, small_cvae()), sample_digit),
}
