"""The two terms of the VAE objective, per sample, in nats."""

import torch
import torch.nn.functional as F


def reconstruction(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Summed binary cross-entropy of x (N, D) under Bernoulli(sigmoid(logits)) (N, D) -> (N,).

    The same number as sigmoid followed by BCE, computed from logits so it never takes log(0).
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def kl_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) for mu, logvar (N, Z) -> (N,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=1)


def kl_to_class_mean(mu: torch.Tensor, logvar: torch.Tensor, mu_y: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(mu_y, I)) for mu, logvar, mu_y (N, Z) -> (N,)."""
    return kl_normal(mu - mu_y, logvar)
