"""Checks for lesson 06 (the VAE on MNIST): the -ELBO of each image by hand, and where a digit lives in the latent plane."""

import torch

from ..losses import kl_normal, reconstruction
from . import Verdict, attempt, correct, not_yet


def _negative_elbo(model, x, sigma) -> torch.Tensor:
    """recon + KL per image (N,), with z = mu + eps * sigma(mu, logvar) drawn after torch.manual_seed(0)."""
    mu, logvar = model.encode(x)
    torch.manual_seed(0)
    z = mu + torch.randn_like(mu) * sigma(logvar)
    return reconstruction(model.decode_logits(z), x) + kl_normal(mu, logvar)


def _as_tensor(result, n: int, what: str):
    """(tensor, None) if result is a float tensor of shape (n,), else (None, a hint)."""
    if not isinstance(result, torch.Tensor):
        return None, not_yet(f"Return a torch tensor of shape ({n},), one {what} per image; got a {type(result).__name__}.")
    if result.shape != (n,):
        hint = " Sum over pixels and latent dimensions (dim=1), but do not average over the images." if result.ndim != 1 else ""
        return None, not_yet(f"Return one {what} per image, shape ({n},); got shape {tuple(result.shape)}.{hint}")
    return result.detach().float(), None


@torch.no_grad()
def check_negative_elbo(fn, model, data) -> Verdict:
    """Check fn(model, x) -> (N,): reconstruction + KL of each image, with one reparameterized sample of z."""
    x = data.x[:500]
    torch.manual_seed(0)
    result, verdict = attempt(fn, model, x)
    if verdict is not None:
        return verdict
    result, verdict = _as_tensor(result, len(x), "-ELBO")
    if verdict is not None:
        return verdict
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
    if abs(result.mean() - exact.mean()) < 0.5:  # other random draws: the same number on average
        return correct("Encode, sample with the reparameterization trick, decode, add reconstruction and KL: what fit minimises.")
    if abs(result.mean() - (exact - kl).mean()) < 0.5:
        return not_yet("This is the reconstruction term alone: add the KL of each posterior, kl_normal(mu, logvar).")
    if result.mean() < 0:
        return not_yet("Your numbers are negative: return the NEGATIVE ELBO, reconstruction + KL (both are >= 0).")
    return not_yet(
        f"Your mean is {result.mean():.1f} nats, expected about {exact.mean():.1f}. Check each step: "
        "mu, logvar = model.encode(x); z = mu + torch.randn_like(mu) * (0.5 * logvar).exp(); "
        "reconstruction(model.decode_logits(z), x) + kl_normal(mu, logvar). "
        "(reconstruction takes logits: decode_logits, not decode.)"
    )


@torch.no_grad()
def check_digit_centre(fn, model, data) -> Verdict:
    """Check fn(model, data, digit) -> (Z,): the average posterior mean of the images of that digit."""
    mu, _ = model.encode(data.x)
    for digit in (3, 8):
        result, verdict = attempt(fn, model, data, digit)
        if verdict is not None:
            return verdict
        if not isinstance(result, torch.Tensor):
            return not_yet(f"Return a torch tensor of shape ({model.z_dim},); got a {type(result).__name__}.")
        result = result.detach().float()
        if result.shape != (model.z_dim,):
            return not_yet(
                f"Return one point of the latent plane, shape ({model.z_dim},); got shape {tuple(result.shape)}. "
                "Average over the images (dim=0)."
            )
        expected = mu[data.y == digit].mean(dim=0)
        if torch.allclose(result, expected, atol=1e-4):
            continue
        if torch.allclose(result, mu.mean(dim=0), atol=1e-4):
            return not_yet("That is the centre of all the images: keep only those whose label is the digit (data.y == digit).")
        if torch.allclose(result, expected, atol=0.1):
            return not_yet("Close: average the posterior means mu from model.encode, not sampled codes z (no noise here).")
        return not_yet(
            f"For digit {digit} you return {[round(v, 2) for v in result.tolist()]}. Encode the images of that digit, "
            "mu, logvar = model.encode(data.x[data.y == digit]), and average mu over the images."
        )
    return correct("The centres of 3 and 8 match. Each digit's codes cluster around its own spot in the plane.")
