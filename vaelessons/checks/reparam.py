"""Checks for lesson 05 (reparameterization): a sample that lets gradients through, and the normal's score function."""

import torch

from . import NotYet, Verdict, as_float_tensor, attempt, check, correct, not_yet


@check
def check_rsample(rsample) -> Verdict:
    """Check the student's rsample(mu, sigma) (N,) -> z (N,): z ~ N(mu, sigma^2), with gradients reaching mu and sigma."""
    n = 200_000
    mu = torch.full((n,), 1.5, requires_grad=True)
    sigma = torch.full((n,), 0.5, requires_grad=True)
    torch.manual_seed(5)
    z = attempt(rsample, mu, sigma)
    values = as_float_tensor(z, f"a tensor shaped like mu, {tuple(mu.shape)}")
    if values.shape != mu.shape:
        return not_yet(f"Return a tensor shaped like mu, {tuple(mu.shape)}; got {tuple(values.shape)}.")
    if not torch.isfinite(values).all():
        return not_yet("Some of your samples are NaN or infinite: z = mu + eps * sigma is finite for finite eps.")
    mean, std = values.mean().item(), values.std().item()
    if abs(mean - 1.5) > 0.01:
        return not_yet(f"The samples' mean is {mean:.3f}, not mu = 1.5: start from mu and add the scaled noise.")
    if std < 1e-6:
        return not_yet("Every sample equals mu: add the noise eps * sigma with eps = torch.randn_like(mu).")
    if abs(std - 0.5) > 0.01:
        hint = " (sigma^2 = 0.25: multiply eps by sigma, not by its square)" if abs(std - 0.25) < 0.01 else ""
        return not_yet(f"The samples' standard deviation is {std:.3f}, not sigma = 0.5{hint}.")
    if not z.requires_grad:
        return not_yet(
            "The samples are right but carry no gradient: torch.distributions' .sample() cuts the graph. "
            "Build z from mu and sigma with + and *, drawing only eps at random."
        )
    d_mu, d_sigma = torch.autograd.grad(z.sum(), (mu, sigma), allow_unused=True)
    if d_mu is None or d_sigma is None or not d_mu.abs().sum() or not d_sigma.abs().sum():
        return not_yet(
            "Gradients do not reach both mu and sigma (torch.normal(mu, sigma) has zero gradients, for one). "
            "Write z = mu + eps * sigma with eps = torch.randn_like(mu)."
        )
    eps = (values - 1.5) / 0.5
    if not (torch.allclose(d_mu, torch.ones(n)) and torch.allclose(d_sigma, eps, atol=1e-4)):
        return not_yet("dz/dmu should be 1 and dz/dsigma should be eps for z = mu + eps * sigma: check how z is built.")
    return correct("z ~ N(mu, sigma^2), and dz/dmu = 1, dz/dsigma = eps reach mu and sigma.")


def _derivative(value, which: str, n: int) -> torch.Tensor:
    """One of the student's two derivatives as a float32 tensor; raise NotYet if it holds no numbers."""
    expected = f"two tensors of shape ({n},), d log N / d mu and d log N / d sigma"
    if isinstance(value, torch.Tensor):
        return as_float_tensor(value, expected)
    try:
        return torch.as_tensor(value, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        raise NotYet(f"Return {expected}; your {which} one is a {type(value).__name__}.") from None


@check
def check_score(score) -> Verdict:
    """Check the student's score(z, mu, sigma) -> (d/dmu, d/dsigma) of log N(z; mu, sigma^2) against autograd."""
    g = torch.Generator().manual_seed(6)
    z, mu = torch.randn(100, generator=g) * 2, torch.randn(100, generator=g)
    sigma = torch.rand(100, generator=g) * 2 + 0.3
    got = attempt(score, z.clone(), mu.clone(), sigma.clone())
    if not isinstance(got, tuple | list) or len(got) != 2:
        return not_yet("Return a pair: (d log N / d mu, d log N / d sigma).")
    m, s = mu.clone().requires_grad_(), sigma.clone().requires_grad_()
    want_mu, want_sigma = torch.autograd.grad(torch.distributions.Normal(m, s).log_prob(z).sum(), (m, s))
    got_mu, got_sigma = _derivative(got[0], "first", len(z)), _derivative(got[1], "second", len(z))
    if got_mu.shape != z.shape or got_sigma.shape != z.shape:
        return not_yet(f"Return one derivative per sample: two tensors of shape {tuple(z.shape)}.")
    if not (torch.isfinite(got_mu).all() and torch.isfinite(got_sigma).all()):
        return not_yet("Your derivatives hold NaN or inf values, but with sigma > 0 both are finite: check each division.")
    if not torch.allclose(got_mu, want_mu, atol=1e-4):
        if torch.allclose(got_mu, (z - mu) / sigma, atol=1e-4):
            return not_yet("d/dmu: differentiate -(z - mu)^2 / (2 sigma^2): the denominator keeps sigma squared.")
        if torch.allclose(got_mu, -want_mu, atol=1e-4):
            return not_yet("d/dmu has the wrong sign: log N grows as mu moves towards z, so it is (z - mu) / sigma^2.")
        return not_yet("d/dmu is off: log N(z; mu, sigma^2) = -log sigma - (z - mu)^2 / (2 sigma^2) + const.")
    if not torch.allclose(got_sigma, want_sigma, atol=1e-4):
        if torch.allclose(got_sigma, (z - mu) ** 2 / sigma**3, atol=1e-4):
            return not_yet("d/dsigma misses the -1/sigma that comes from the normalising term -log sigma.")
        return not_yet("d/dsigma is off: differentiate -log sigma - (z - mu)^2 / (2 sigma^2) with respect to sigma.")
    return correct("Both derivatives match autograd: (z - mu) / sigma^2 and ((z - mu)^2 - sigma^2) / sigma^3.")
