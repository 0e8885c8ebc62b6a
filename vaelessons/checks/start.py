"""Checks for lesson 00 (start here): load a data set split, and generate new images from a trained VAE."""

import functools

import torch

from ..data import Images, load
from . import Verdict, as_float_tensor, attempt, check, correct, not_yet, unanswered


@functools.cache
def _split(split: str) -> Images:
    """A split of mnist-mini, loaded once: the check compares the student's with it."""
    return load("mnist-mini", split)


@check
def check_test_split(test) -> Verdict:
    """`test` must be the test split of mnist-mini as vaelessons.load_data returns it: x (1000, 784), y (1000,)."""
    if unanswered(test):
        return not_yet("Write your answer in the cell above, run it, then run this check again.")
    if not isinstance(test, Images) or not isinstance(test.x, torch.Tensor) or not isinstance(test.y, torch.Tensor):
        return not_yet(f"Expected the Images that load_data returns, got a {type(test).__name__}.")
    if test.name != "mnist-mini":
        return not_yet(f"That is the {test.name!r} data set: ask load_data for 'mnist-mini'.")
    want, train = _split("test"), _split("train")
    if len(test) == len(train):
        return not_yet("That is the training split: the second argument of load_data picks the split.")
    if test.x.shape != want.x.shape or test.y.shape != want.y.shape:
        return not_yet(f"Expected all {len(want)} test images, in their order; got x of shape {tuple(test.x.shape)}.")
    labels_are_integers = not (test.y.is_floating_point() or test.y.is_complex() or test.y.dtype == torch.bool)
    if test.x.dtype not in (torch.float32, torch.float64) or not labels_are_integers:
        return not_yet(
            f"Its pixels are {test.x.dtype} and its labels {test.y.dtype}, where load_data gives {want.x.dtype} and "
            f"{want.y.dtype}: use the Images that load_data returns as it is."
        )
    if not torch.isfinite(test.x).all():
        return not_yet("Some pixels are NaN or infinite: load the split again with load_data and leave it as it is.")
    if not (torch.equal(test.x.detach().to(want.x.dtype), want.x) and torch.equal(test.y.to(want.y.dtype), want.y)):
        return not_yet(
            f"These are not the {len(want)} test images of mnist-mini in their order: load them again with "
            "load_data('mnist-mini', 'test') and leave them as they are."
        )
    (n, d), (h, w) = want.x.shape, want.shape
    return correct(f"{n} test images, each a row of {d} = {h} x {w} pixel values in [0, 1], and {len(want.y)} labels.")


@check
def check_generate(generate, model) -> Verdict:
    """generate(model, n) must decode n codes z ~ N(0, I) of size model.z_dim into images (n, D), drawn after seed 0."""
    n, d = 16, model.x_dim
    torch.manual_seed(0)
    got = as_float_tensor(attempt(generate, model, n), f"the decoded images as a torch tensor of shape ({n}, {d})")
    if got.shape != (n, d):
        return not_yet(f"generate(model, {n}) should return {n} images of {d} pixels, shape ({n}, {d}); got {tuple(got.shape)}.")
    if not torch.isfinite(got).all():
        return not_yet("Some of your values are NaN or infinite: return model.decode(z), z = torch.randn(n, model.z_dim).")
    if got.min() < 0 or got.max() > 1:
        return not_yet(
            "Some values leave [0, 1]: use model.decode(z), which returns pixel probabilities, not model.decode_logits(z)."
        )
    with torch.no_grad():
        torch.manual_seed(0)
        want = model.decode(torch.randn(n, model.z_dim))
    if torch.allclose(got, want, atol=1e-5):
        return correct("16 new images, decoded from 16 codes drawn from the prior N(0, I): that is how a VAE generates.")
    if (got - got[0]).abs().max() < 1e-6:
        return not_yet("All 16 images are the same: draw a different random code for each (torch.randn(n, model.z_dim)).")
    return not_yet(
        "The images do not come from codes z ~ N(0, I): draw z = torch.randn(n, model.z_dim) "
        "(normal, not uniform torch.rand) and return model.decode(z)."
    )
