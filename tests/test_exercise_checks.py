"""Hint paths of the lesson 03-05 checks: a right answer passes, each common mistake gets its own hint, never a traceback."""

import math

import pytest
import torch

from vaelessons.checks.kl import check_kl_normal, check_uniform_kl
from vaelessons.checks.posterior import check_aggregate_variance, check_kl_weights
from vaelessons.checks.reparam import check_rsample, check_score


def kl(mu, logvar):
    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(1)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv - 1).mean(1), "sum over dim=1"),
        (lambda m, lv: (m**2 + lv.exp() - lv - 1).sum(1), "factor 1/2"),
        (lambda m, lv: 0.5 * (m**2 + (0.5 * lv).exp() - lv - 1).sum(1), "sigma^2 = exp(logvar)"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv - 1), "per latent dimension"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv).sum(1), "- 1"),
        (lambda m, lv: 1 / 0, "ZeroDivisionError"),
        (..., "Write your answer"),
    ],
)
def test_kl_normal_hints(answer, hint):
    verdict = check_kl_normal(answer)
    assert not verdict and hint in verdict.message


def test_kl_normal_accepts_the_formula():
    assert check_kl_normal(kl)


def test_uniform_kl():
    def right(a, b, c, d):
        return math.log((d - c) / (b - a)) if c <= a and b <= d else math.inf

    assert check_uniform_kl(right)
    assert "should be infinite" in check_uniform_kl(lambda a, b, c, d: math.log((d - c) / (b - a))).message
    assert "sign" in check_uniform_kl(lambda a, b, c, d: -right(a, b, c, d) if right(a, b, c, d) < math.inf else math.inf).message


def test_rsample():
    assert check_rsample(lambda m, s: m + torch.randn_like(m) * s)
    assert "no gradient" in check_rsample(lambda m, s: torch.distributions.Normal(m, s).sample()).message
    assert "zero gradients" in check_rsample(lambda m, s: torch.normal(m, s)).message
    assert "not by its square" in check_rsample(lambda m, s: m + torch.randn_like(m) * s**2).message


def test_rsample_leaves_the_global_random_stream_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_rsample(lambda m, s: m + torch.randn_like(m) * s)
    assert torch.equal(torch.rand(3), expected)


def test_score():
    assert check_score(lambda z, m, s: ((z - m) / s**2, ((z - m) ** 2 - s**2) / s**3))
    assert "sigma squared" in check_score(lambda z, m, s: ((z - m) / s, ((z - m) ** 2 - s**2) / s**3)).message
    assert "-1/sigma" in check_score(lambda z, m, s: ((z - m) / s**2, (z - m) ** 2 / s**3)).message


def test_kl_weights():
    assert check_kl_weights(0.5, 0.25)
    assert "once more" in check_kl_weights(0.5, 0.5).message
    assert not check_kl_weights(1, 1)
    assert "Replace both" in check_kl_weights(..., ...).message


def test_aggregate_variance():
    assert check_aggregate_variance(lambda m, lv: lv.exp().mean(0) + m.var(0))
    assert "add Var[mu]" in check_aggregate_variance(lambda m, lv: lv.exp().mean(0)).message
    assert "add E[sigma^2]" in check_aggregate_variance(lambda m, lv: m.var(0)).message
    assert "not standard deviations" in check_aggregate_variance(lambda m, lv: (0.5 * lv).exp().mean(0) + m.var(0)).message
