"""A digit judge for the lessons: a logistic regression on raw pixels that says which digit an image shows.

Its fit (several seconds on full MNIST) is cached beside the trained models, keyed by the images it learns from,
its settings, this file and scikit-learn's version; an unreadable entry is fitted again and replaced.
"""

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.linear_model import LogisticRegression

from . import checkpoint
from .settings import cache_dir
from .train import _hash_images

SETTINGS = {"C": 0.05, "max_iter": 1000}
CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


class DigitJudge:
    """Reads digits: a logistic regression (scikit-learn) on the pixels of up to n labelled images of `data`."""

    def __init__(self, data, n: int = 10_000, seed: int = 0):
        labelled = data.take(min(len(data), n), seed)
        if len(labelled.y.unique()) < 2:
            raise ValueError("DigitJudge needs images of at least two digits to learn from")
        self.model = _fit(labelled)
        self.digits = torch.as_tensor(self.model.classes_, dtype=torch.int64)

    def probabilities(self, images) -> torch.Tensor:
        """The judge's probability of each digit for images (N, D) in [0, 1] -> (N, K), columns in the order of .digits."""
        return torch.as_tensor(self.model.predict_proba(_pixels(images)), dtype=torch.float32)

    def read(self, images) -> torch.Tensor:
        """The digit the judge reads in each image (N, D) -> (N,) int64."""
        return torch.as_tensor(self.model.predict(_pixels(images)), dtype=torch.int64)

    def accuracy(self, images, labels) -> float:
        """The share of images (N, D) the judge reads as their labels (N,)."""
        return (self.read(images) == torch.as_tensor(labels)).float().mean().item()


def cache_path(labelled) -> Path:
    """Where the judge fitted on labelled (x (N, D), y (N,)) is cached."""
    h = hashlib.sha256(repr((CODE, sklearn.__version__, sorted(SETTINGS.items()))).encode())
    _hash_images(h, labelled)
    return cache_dir() / "judges" / f"DigitJudge-{h.hexdigest()[:20]}.npz"


def _fit(labelled) -> LogisticRegression:
    """The logistic regression on labelled's pixels: read from the cache if this fit was made before, else fitted."""
    path, model = cache_path(labelled), LogisticRegression(**SETTINGS)
    try:
        with np.load(path) as saved:
            model.coef_, model.intercept_, model.classes_ = saved["coef"], saved["intercept"], saved["classes"]
        model.n_features_in_ = model.coef_.shape[1]
        return model
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # not cached yet, or unreadable: fit again
        pass
    model.fit(labelled.x.numpy(), labelled.y.numpy())
    arrays = {"coef": model.coef_, "intercept": model.intercept_, "classes": model.classes_}
    try:
        checkpoint.atomic_write(path, lambda f: np.savez(f, **arrays))
    except OSError:  # a cache that cannot be written costs only the time of the next fit
        pass
    return model


def _pixels(images):
    return torch.as_tensor(images).detach().float().reshape(len(images), -1).numpy()
