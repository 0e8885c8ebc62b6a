"""The two terms of the objective: closed-form KLs against torch and Monte Carlo, and a numerically safe reconstruction."""

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from vaelessons.losses import kl_normal, kl_to_class_mean, reconstruction


def posteriors(n=64, z=3, seed=0):
    """Random posterior parameters mu, logvar (n, z), float64, spread over the values training meets."""
    g = torch.Generator().manual_seed(seed)
    mu = 2 * torch.randn(n, z, generator=g, dtype=torch.float64)
    logvar = 3 * torch.rand(n, z, generator=g, dtype=torch.float64) - 2.5
    return mu, logvar


def test_kl_normal_matches_torch_distributions():
    mu, logvar = posteriors()
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(dim=1)
    got = kl_normal(mu, logvar)
    assert got.shape == (64,)
    torch.testing.assert_close(got, expected)


def test_kl_normal_is_zero_only_at_the_prior():
    zero = torch.zeros(1, 4)
    assert kl_normal(zero, zero).item() == 0.0
    assert kl_normal(zero + 0.1, zero).item() > 0 and kl_normal(zero, zero + 0.1).item() > 0


def test_kl_to_class_mean_matches_torch_distributions():
    mu, logvar = posteriors(seed=1)
    mu_y = posteriors(seed=2)[0]
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(mu_y, 1.0)).sum(dim=1)
    torch.testing.assert_close(kl_to_class_mean(mu, logvar, mu_y), expected)


def monte_carlo_kl(mu, logvar, prior_mean, samples=200_000, seed=0):
    """E_q[log q(z) - log p(z)] from samples of q, and its standard error; mu, logvar, prior_mean (Z,)."""
    g = torch.Generator().manual_seed(seed)
    q, p = Normal(mu, (0.5 * logvar).exp()), Normal(prior_mean, 1.0)
    z = mu + (0.5 * logvar).exp() * torch.randn(samples, len(mu), generator=g, dtype=mu.dtype)
    terms = (q.log_prob(z) - p.log_prob(z)).sum(dim=1)
    return terms.mean().item(), (terms.std() / samples**0.5).item()


@pytest.mark.parametrize("row", range(4))
def test_kl_normal_agrees_with_a_monte_carlo_estimate(row):
    mu, logvar = posteriors(n=4, seed=3)
    estimate, stderr = monte_carlo_kl(mu[row], logvar[row], torch.zeros(3, dtype=torch.float64), seed=row)
    assert abs(kl_normal(mu, logvar)[row].item() - estimate) < 5 * stderr


@pytest.mark.parametrize("row", range(4))
def test_kl_to_class_mean_agrees_with_a_monte_carlo_estimate(row):
    mu, logvar = posteriors(n=4, seed=4)
    mu_y = posteriors(n=4, seed=5)[0]
    estimate, stderr = monte_carlo_kl(mu[row], logvar[row], mu_y[row], seed=row)
    assert abs(kl_to_class_mean(mu, logvar, mu_y)[row].item() - estimate) < 5 * stderr


def test_reconstruction_is_the_seeds_sigmoid_then_summed_bce():
    g = torch.Generator().manual_seed(0)
    logits = 4 * torch.randn(32, 784, generator=g, dtype=torch.float64)
    x = torch.rand(32, 784, generator=g, dtype=torch.float64)  # grey levels, as in MNIST scaled to [0, 1]
    expected = F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").sum(dim=1)
    got = reconstruction(logits, x)
    assert got.shape == (32,)
    torch.testing.assert_close(got, expected)


def test_reconstruction_stays_exact_for_saturated_logits():
    """Logits of +-100: sigmoid rounds to exactly 0 or 1, so the naive log gives inf; the loss must not."""
    logits = torch.tensor([[100.0, -100.0, 100.0, -100.0]], requires_grad=True)
    x = torch.tensor([[1.0, 0.0, 0.0, 1.0]])  # two pixels right, two wrong by 100 logits each
    p = torch.sigmoid(logits)
    naive = -(x * p.log() + (1 - x) * (1 - p).log()).sum(dim=1)
    assert not torch.isfinite(naive).all()  # what the safe form avoids
    loss = reconstruction(logits, x)
    torch.testing.assert_close(loss, torch.tensor([200.0]))  # -log sigmoid(-100) = 100 nats per wrong pixel
    loss.sum().backward()
    assert torch.isfinite(logits.grad).all()
