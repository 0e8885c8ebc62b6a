"""Checks for lesson 03 (one posterior per sample): the KL as two weighted penalties, and the aggregate posterior's spread."""

import math

import torch

from . import Verdict, as_float_tensor, as_number, attempt, check, correct, not_yet, unanswered


@check
def check_kl_weights(w_mu, w_logvar) -> Verdict:
    """Check the weights with which w_mu * mu^2 + w_logvar * logvar^2 matches the KL to N(0, 1) near mu = 0, logvar = 0."""
    if unanswered(w_mu) or unanswered(w_logvar):
        return not_yet("Replace both `...` with numbers, run the cell, then run this check again.")
    w_mu, w_logvar = as_number(w_mu, "w_mu"), as_number(w_logvar, "w_sigma")
    if not math.isclose(w_mu, 0.5, abs_tol=1e-9):
        return not_yet("w_mu: the KL holds the term 1/2 * mu^2 exactly as it is, so its weight is the 1/2 in front.")
    if not math.isclose(w_logvar, 0.25, abs_tol=1e-9):
        hint = (
            " You found the 1/2 of the expansion; the KL's overall factor 1/2 multiplies it once more."
            if math.isclose(w_logvar, 0.5, abs_tol=1e-9)
            else ""
        )
        return not_yet(
            "w_sigma: with v = logvar, the KL's sigma terms are 1/2 (e^v - v - 1). Expand e^v = 1 + v + v^2/2 + ... "
            "and keep the first term that does not cancel." + hint
        )
    return correct("Near the prior, KL ~ 1/2 mu^2 + 1/4 (log sigma^2)^2: the KL is the two penalties with its own weights.")


@check
def check_aggregate_variance(aggregate_variance) -> Verdict:
    """Check the student's aggregate_variance(mu, logvar) (N, Z) -> (Z,): the variance of z drawn from the mixture."""
    g = torch.Generator().manual_seed(3)
    mu = torch.randn(500, 2, generator=g) * torch.tensor([2.0, 0.5])
    logvar = torch.randn(500, 2, generator=g) - 1
    got = as_float_tensor(attempt(aggregate_variance, mu.clone(), logvar.clone()), "a torch tensor of shape (Z,) = (2,)")
    if got.shape != (2,):
        return not_yet(
            f"Return one variance per latent dimension, shape (Z,) = (2,), got {tuple(got.shape)}: average over dim=0."
        )
    e_sigma2, var_mu = logvar.exp().mean(0), mu.var(0, unbiased=False)
    want = e_sigma2 + var_mu
    if torch.allclose(got, want, rtol=0.01):  # 1% also accepts var(mu) with Bessel's correction
        return correct("Var[z] = E[sigma^2] + Var[mu]: the noise inside each posterior plus the spread of their centres.")
    if torch.allclose(got, e_sigma2, rtol=0.01):
        return not_yet("You have the noise inside each posterior, E[sigma^2]; the centres mu also spread out: add Var[mu].")
    if torch.allclose(got, var_mu, rtol=0.01):
        return not_yet("You have the spread of the centres, Var[mu]; each z also has its own noise: add E[sigma^2].")
    if torch.allclose(got, (0.5 * logvar).exp().mean(0) + var_mu, rtol=0.01):
        return not_yet("Variances add, not standard deviations: use sigma^2 = exp(logvar), not sigma.")
    if not torch.isfinite(got).all():
        return not_yet("Your variances hold NaN or inf values: sigma^2 is exp(logvar), finite for every logvar here.")
    return not_yet("Not the variance of the mixture. Law of total variance: Var[z] = E[Var[z | x]] + Var[E[z | x]].")
