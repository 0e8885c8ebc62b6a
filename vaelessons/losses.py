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


def two_penalties(model, x: torch.Tensor, y: torch.Tensor = None, w_mu: float = 1.0, w_sigma: float = 1.0):
    """Lesson 03's two-penalty regulariser as fit's `terms`: x (N, D) -> (reconstruction (N,), penalty (N,)).

    The penalty w_mu * sum(mu^2) + w_sigma * sum((log sigma^2)^2) pulls the means to 0 and the variances to 1;
    near the prior the KL is about 1/2 sum(mu^2) + 1/4 sum((log sigma^2)^2). Use functools.partial to set the weights.
    """
    logits, mu, logvar = model(x, y)
    return reconstruction(logits, x), w_mu * mu.pow(2).sum(dim=1) + w_sigma * logvar.pow(2).sum(dim=1)
