"""A digit judge for the lessons: a logistic regression on raw pixels that says which digit an image shows."""

import torch
from sklearn.linear_model import LogisticRegression


class DigitJudge:
    """Reads digits: a logistic regression (scikit-learn) on the pixels of up to n labelled images of `data`."""

    def __init__(self, data, n: int = 10_000, seed: int = 0):
        labelled = data.take(min(len(data), n), seed)
        if len(labelled.y.unique()) < 2:
            raise ValueError("DigitJudge needs images of at least two digits to learn from")
        self.model = LogisticRegression(C=0.05, max_iter=1000).fit(labelled.x.numpy(), labelled.y.numpy())
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


def _pixels(images):
    return torch.as_tensor(images).detach().float().reshape(len(images), -1).numpy()
