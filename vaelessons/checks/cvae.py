"""Checks for lesson 07 (the conditional VAE): the KL to a class's prior, and drawing a chosen digit."""

import torch

from ..losses import kl_normal, kl_to_class_mean
from . import Verdict, as_float_tensor, attempt, check, correct, not_yet


@check
@torch.no_grad()
def check_kl_to_class(fn) -> Verdict:
    """Check fn(mu, logvar, mu_y) -> (N,): KL(N(mu, diag(exp(logvar))) || N(mu_y, I)) per sample."""
    g = torch.Generator().manual_seed(0)
    mu, logvar, mu_y = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g), 2 * torch.randn(6, 2, generator=g)
    kind = "a torch tensor of shape (6,), one KL per sample"
    result = as_float_tensor(attempt(fn, mu.clone(), logvar.clone(), mu_y.clone()), kind)
    if result.shape != (6,):
        hint = " Sum over the latent dimensions (dim=1)." if result.shape == mu.shape else ""
        return not_yet(f"For mu of shape (6, 2), return one KL per sample, shape (6,); got {tuple(result.shape)}.{hint}")
    expected = kl_to_class_mean(mu, logvar, mu_y)
    if torch.allclose(result, expected, atol=1e-4):
        same = as_float_tensor(attempt(fn, mu_y.clone(), torch.zeros_like(mu_y), mu_y.clone()), kind)
        if same.shape != (6,) or not torch.allclose(same, torch.zeros(6), atol=1e-5):
            return not_yet("Close, but the KL of the prior N(mu_y, I) to itself should be exactly 0.")
        return correct("Lesson 04's KL with mu replaced by mu - mu_y: 1/2 sum((mu - mu_y)^2 + sigma^2 - log sigma^2 - 1).")
    if torch.allclose(result, kl_normal(mu, logvar), atol=1e-4):
        return not_yet("That is the KL to N(0, I): the class prior is centred at mu_y, so measure mu - mu_y.")
    if torch.allclose(result, kl_normal(mu + mu_y, logvar), atol=1e-4):
        return not_yet("Check the sign: the distance to the class mean is mu - mu_y.")
    if torch.allclose(result, 2 * expected, atol=1e-4):
        return not_yet("Twice the KL: you forgot the factor 1/2.")
    if torch.allclose(result, expected + 0.5 * mu.shape[1], atol=1e-4):
        return not_yet("Off by 1/2 per dimension: the formula has a -1 inside the sum.")
    return not_yet("Start from lesson 04: 0.5 * (m**2 + logvar.exp() - logvar - 1).sum(dim=1), with m = mu - mu_y.")


@check
@torch.no_grad()
def check_sample_digit(fn, model) -> Verdict:
    """Check fn(model, digit, n, seed) -> (n, D): decoded codes z ~ N(mu_y, I), drawn after torch.manual_seed(seed)."""
    digit, n, seed = 7, 16, 3
    result = as_float_tensor(attempt(fn, model, digit, n, seed), f"a torch tensor of images, shape ({n}, {model.x_dim})")
    if result.shape != (n, model.x_dim):
        return not_yet(f"Return {n} images of {model.x_dim} pixels, shape ({n}, {model.x_dim}); got {tuple(result.shape)}.")
    if not torch.isfinite(result).all():
        return not_yet("Some of your values are NaN or infinite: decode the codes with model.decode(z).")
    if result.min() < 0 or result.max() > 1:
        return not_yet("Your values leave [0, 1]: those are logits. model.decode(z) gives pixel probabilities.")
    torch.manual_seed(seed)
    eps = torch.randn(n, model.z_dim)
    mu_y = model.class_means.weight[digit]
    if torch.allclose(result, model.decode(mu_y + eps), atol=1e-5):
        return correct(f"Your {n} samples of the digit {digit} are the decodes of z = mu_{digit} + eps, eps ~ N(0, I).")
    if torch.allclose(result, model.decode(eps), atol=1e-5):
        return not_yet("You sampled around 0, the plain VAE's prior. Shift by the class mean: model.class_means.weight[digit].")
    if torch.allclose(result, model.decode(mu_y.expand(n, -1)), atol=1e-5):
        return not_yet("All your images are the decode of mu_y itself: add the noise eps ~ N(0, I), one code per image.")
    return not_yet(
        "These are not the decodes of z = mu_y + eps with eps = torch.randn(n, model.z_dim) drawn right after "
        "torch.manual_seed(seed): keep that order so the check can compare."
    )
