"""Checks for lesson 06 (the VAE on MNIST): the -ELBO of each image by hand, and where a digit lives in the latent plane."""

import torch

from ..losses import kl_normal, reconstruction
from . import Verdict, as_float_tensor, attempt, check, correct, not_yet

DRAWS = 40  # fresh draws of each image's one-sample -ELBO, among which an answer with other random numbers is ranked


def _negative_elbo(model, x, sigma) -> torch.Tensor:
    """recon + KL per image (N,), with z = mu + eps * sigma(logvar) and eps drawn after torch.manual_seed(0)."""
    mu, logvar = model.encode(x)
    torch.manual_seed(0)
    z = mu + torch.randn_like(mu) * sigma(logvar)
    return reconstruction(model.decode_logits(z), x) + kl_normal(mu, logvar)


def _fresh_draws(model, x, k: int):
    """k one-sample -ELBOs of each image, from a private generator, and each image's KL: (k, N), (N,)."""
    mu, logvar = model.encode(x)
    g = torch.Generator().manual_seed(1)
    kl = kl_normal(mu, logvar)
    sigma = (0.5 * logvar).exp()
    draws = [reconstruction(model.decode_logits(mu + torch.randn(mu.shape, generator=g) * sigma), x) for _ in range(k)]
    return torch.stack(draws) + kl, kl


def _like_draws(values: torch.Tensor, draws: torch.Tensor) -> bool:
    """True if values (N,) look like one more draw (k, N) per image: each value's rank among its own image's draws,
    scaled to (0, 1), is uniform over the images (probability integral transform); largest CDF gap below 0.15."""
    u = (((draws < values).sum(0) + 0.5) / (len(draws) + 1)).sort().values
    steps = torch.arange(1, len(u) + 1) / len(u)
    return torch.maximum(steps - u, u - (steps - 1 / len(u))).max().item() < 0.15


@check
@torch.no_grad()
def check_negative_elbo(fn, model, data) -> Verdict:
    """Check fn(model, x) -> (N,): reconstruction + KL of each image, with one reparameterized sample of z."""
    x = data.x[:500]
    n = len(x)
    torch.manual_seed(0)
    result = as_float_tensor(attempt(fn, model, x), f"a torch tensor of shape ({n},), one -ELBO per image")
    if result.shape != (n,):
        hint = " Sum over pixels and latent dimensions (dim=1), but do not average over the images." if result.ndim != 1 else ""
        return not_yet(f"Return one -ELBO per image, shape ({n},); got shape {tuple(result.shape)}.{hint}")
    if not torch.isfinite(result).all():
        return not_yet(
            "Some of your values are NaN or infinite: reconstruction takes logits (model.decode_logits), "
            "and sigma = exp(logvar / 2) is finite."
        )
    mu, logvar = model.encode(x)
    recon_at_mean, kl = reconstruction(model.decode_logits(mu), x), kl_normal(mu, logvar)
    exact = _negative_elbo(model, x, lambda lv: (0.5 * lv).exp())
    if torch.allclose(result, exact, atol=1e-3):
        return correct("Encode, sample with the reparameterization trick, decode, add reconstruction and KL: what fit minimises.")
    if torch.allclose(result, recon_at_mean + kl, atol=1e-3):
        return not_yet("You decoded the mean mu itself. A VAE decodes a sample: z = mu + eps * sigma with eps ~ N(0, I).")
    if torch.allclose(result, _negative_elbo(model, x, lambda lv: lv.exp()), atol=1e-3):
        return not_yet("Your noise is eps * exp(logvar), the variance. The standard deviation is sigma = exp(logvar / 2).")
    if torch.allclose(result, exact - kl, atol=1e-3):
        return not_yet("This is the reconstruction term alone: add the KL of each posterior, kl_normal(mu, logvar).")
    if torch.allclose(result, kl, atol=1e-3):
        return not_yet("This is the KL term alone: add the reconstruction, reconstruction(model.decode_logits(z), x).")
    draws, kl = _fresh_draws(model, x, DRAWS)  # an answer that drew its eps in another order: judged image by image
    if _like_draws(result, draws):
        return correct("Encode, sample with the reparameterization trick, decode, add reconstruction and KL: what fit minimises.")
    if _like_draws(result, draws - kl):
        return not_yet("This is the reconstruction term alone: add the KL of each posterior, kl_normal(mu, logvar).")
    if result.mean() < 0:
        return not_yet("Your numbers are negative: return the NEGATIVE ELBO, reconstruction + KL (both are >= 0).")
    return not_yet(
        f"Your mean is {result.mean():.1f} nats, expected about {exact.mean():.1f}, and each image's value must be "
        "its own. Check each step: mu, logvar = model.encode(x); z = mu + torch.randn_like(mu) * (0.5 * logvar).exp(); "
        "reconstruction(model.decode_logits(z), x) + kl_normal(mu, logvar). "
        "(reconstruction takes logits: decode_logits, not decode.)"
    )


@check
@torch.no_grad()
def check_digit_centre(fn, model, data) -> Verdict:
    """Check fn(model, data, digit) -> (Z,): the average posterior mean of the images of that digit."""
    mu, logvar = model.encode(data.x)
    for digit in (3, 8):
        result = as_float_tensor(attempt(fn, model, data, digit), f"a torch tensor of shape ({model.z_dim},)")
        if result.shape != (model.z_dim,):
            return not_yet(
                f"Return one point of the latent plane, shape ({model.z_dim},); got shape {tuple(result.shape)}. "
                "Average over the images (dim=0)."
            )
        mine = data.y == digit
        expected = mu[mine].mean(dim=0)
        if torch.allclose(result, expected, atol=1e-4):
            continue
        if torch.allclose(result, mu.mean(dim=0), atol=1e-4):
            return not_yet("That is the centre of all the images: keep only those whose label is the digit (data.y == digit).")
        sampling_sd = logvar[mine].exp().sum(dim=0).sqrt() / mine.sum()  # of the mean of one sampled code per image
        if ((result - expected).abs() <= 4 * sampling_sd).all():
            return not_yet("Close: average the posterior means mu from model.encode, not sampled codes z (no noise here).")
        return not_yet(
            f"For digit {digit} you return {[round(v, 2) for v in result.tolist()]}. Encode the images of that digit, "
            "mu, logvar = model.encode(data.x[data.y == digit]), and average mu over the images."
        )
    return correct("The centres of 3 and 8 match. Each digit's codes cluster around its own spot in the plane.")
