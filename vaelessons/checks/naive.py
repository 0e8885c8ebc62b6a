"""Checks for lesson 02 (the naive decoding trap): the one output that minimises a loss under random pairing."""

import functools

import torch

from ..data import load
from ..losses import reconstruction
from . import NotYet, Verdict, as_float_tensor, attempt, check, correct, not_yet


@functools.cache
def _images() -> torch.Tensor:
    """The check's data: the first 1000 training images of mnist-mini, (1000, 784); students get a copy."""
    return load("mnist-mini", "train").x[:1000].clone()


def _image(result, x: torch.Tensor) -> torch.Tensor:
    """The student's answer as one image (D,) of float32 pixel values; raise NotYet saying why it is not one."""
    n, d = x.shape
    if isinstance(result, torch.Tensor):
        p = as_float_tensor(result, f"a tensor of pixel values, shape ({d},)")
    else:
        try:
            p = torch.as_tensor(result, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError):
            raise NotYet(f"Return a tensor of pixel values, got a {type(result).__name__}.") from None
    if p.numel() == 1:
        raise NotYet(f"You return a single number: the best output is an image, one value per pixel, shape ({d},).")
    if p.numel() == n:
        raise NotYet(f"You return {n} values, one per image: reduce over the images (dim=0), not the pixels.")
    if p.numel() != d:
        raise NotYet(f"Return one value per pixel, shape ({d},); got shape {tuple(p.shape)}.")
    p = p.reshape(d)
    if not torch.isfinite(p).all():
        raise NotYet("Some of your pixel values are NaN or infinite.")
    return p


def _bce(p: torch.Tensor, x: torch.Tensor) -> float:
    """Mean over images of the summed BCE of x (N, D) under the constant output p (D,)."""
    logits = torch.logit(p.clamp(1e-6, 1 - 1e-6)).expand_as(x)
    return reconstruction(logits, x).mean().item()


def _l1(p: torch.Tensor, x: torch.Tensor) -> float:
    """Mean over images of the summed absolute error |x - p|."""
    return (x - p).abs().sum(dim=1).mean().item()


@check
def check_best_output(best_output) -> Verdict:
    """best_output(x) for images x (N, D) must return the one image p (D,) with the least mean summed BCE to all of x."""
    x = _images()
    p = _image(attempt(best_output, x.clone()), x)
    mean = x.mean(dim=0)
    if torch.allclose(p, mean, atol=1e-4):
        return correct(
            "The pixel-wise mean E[X]. Set the derivative of -(m log p + (1 - m) log(1 - p)) to zero: p = m, "
            "the mean of that pixel. Under random pairing this is the best output for every z."
        )
    if torch.allclose(p, x.median(dim=0).values, atol=1e-4):
        return not_yet("That is the pixel-wise median, the answer for absolute error. For cross-entropy it is another statistic.")
    if (p < 0).any() or (p > 1).any():
        return not_yet("Your output leaves [0, 1], but it must be a probability per pixel (the decoder ends in a sigmoid).")
    return not_yet(
        f"Your image scores {_bce(p, x):.1f} nats per image; the best constant image scores {_bce(mean, x):.1f}. "
        "For one pixel with mean value m, which p minimises -(m log p + (1 - m) log(1 - p))?"
    )


@check
def check_best_l1_output(best_l1_output) -> Verdict:
    """best_l1_output(x) for images x (N, D) must return an image p (D,) minimising the mean summed |x - p|."""
    x = _images()
    p = _image(attempt(best_l1_output, x.clone()), x)
    yours, best = _l1(p, x), _l1(x.median(dim=0).values, x)
    if yours <= best + 1e-3:
        return correct(
            f"The pixel-wise median ({best:.1f} per image). Another loss, another constant, but still one image "
            "for every z: changing the loss does not escape the trap."
        )
    if torch.allclose(p, x.mean(dim=0), atol=1e-4):
        return not_yet(
            f"The mean is best for squared error and cross-entropy, not for absolute error: it scores {yours:.1f} per "
            f"image, the best scores {best:.1f}. Which value m makes sum_k |x_k - m| smallest?"
        )
    return not_yet(
        f"Your image scores {yours:.1f} per image, the best scores {best:.1f}. For one pixel, moving p up lowers "
        "|x_k - p| for the images above p and raises it for those below: where do the two balance?"
    )
