"""Checks for lesson 00 (start here): load a data set split, and generate new images from a trained VAE."""

import torch

from ..data import load
from . import Verdict, attempt, correct, not_yet, unanswered


def check_test_split(test) -> Verdict:
    """`test` must be the test split of mnist-mini, as returned by vaelessons.load_data."""
    if unanswered(test):
        return not_yet("Write your answer in the cell above, run it, then run this check again.")
    if not hasattr(test, "x") or not hasattr(test, "y"):
        return not_yet(f"Expected the Images that load_data returns, got a {type(test).__name__}.")
    if getattr(test, "name", None) != "mnist-mini":
        return not_yet(f"That is the {getattr(test, 'name', '?')!r} data set: ask load_data for 'mnist-mini'.")
    want = load("mnist-mini", "test")
    if len(test) == len(load("mnist-mini", "train")):
        return not_yet("That is the training split: the second argument of load_data picks the split.")
    if tuple(test.x.shape) != tuple(want.x.shape) or not torch.equal(test.y, want.y):
        return not_yet(f"Expected all {len(want)} test images, in their order; got x of shape {tuple(test.x.shape)}.")
    n, d = test.x.shape
    return correct(
        f"{n} test images, each a row of {d} = {test.shape[0]} x {test.shape[1]} pixel values in [0, 1], "
        f"and {len(test.y)} labels."
    )


def check_generate(generate, model) -> Verdict:
    """generate(model, n) must decode n codes z ~ N(0, I) of size model.z_dim into images (n, D)."""
    torch.manual_seed(0)
    got, verdict = attempt(generate, model, 16)
    if verdict is not None:
        return verdict
    if not isinstance(got, torch.Tensor):
        return not_yet(f"Return the decoded images as a torch tensor, got a {type(got).__name__}.")
    if tuple(got.shape) != (16, model.x_dim):
        return not_yet(
            f"generate(model, 16) should return 16 images of {model.x_dim} pixels, shape (16, {model.x_dim}); "
            f"got {tuple(got.shape)}."
        )
    if got.min() < 0 or got.max() > 1:
        return not_yet(
            "Some values leave [0, 1]: use model.decode(z), which returns pixel probabilities, not model.decode_logits(z)."
        )
    with torch.no_grad():
        torch.manual_seed(0)
        want = model.decode(torch.randn(16, model.z_dim))
    if torch.allclose(got.detach(), want, atol=1e-5):
        return correct("16 new images, decoded from 16 codes drawn from the prior N(0, I): that is how a VAE generates.")
    if (got.detach() - got.detach()[0]).abs().max() < 1e-6:
        return not_yet("All 16 images are the same: draw a different random code for each (torch.randn(n, model.z_dim)).")
    return not_yet(
        "The images do not come from codes z ~ N(0, I): draw z = torch.randn(n, model.z_dim) "
        "(normal, not uniform torch.rand) and return model.decode(z)."
    )
