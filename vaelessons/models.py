"""The seed's MLP VAE and its conditional variant with a learned mean per class."""

import torch
from torch import nn

from .losses import kl_normal, kl_to_class_mean, reconstruction


def convert_hint(dtype: torch.dtype, to: torch.dtype, name: str = "x") -> str:
    """How to convert a tensor called name from dtype to the model's dtype `to` (integer pixels are 0..255)."""
    cast = {torch.float32: f"{name}.float()", torch.float64: f"{name}.double()"}.get(to, f"{name}.to({to})")
    if dtype.is_floating_point or dtype.is_complex or name != "x":
        return f"convert with {cast}"
    return f"convert with {cast} / 255 (integer pixels 0..255 to values in [0, 1])"


class VAE(nn.Module):
    """MLP VAE: x_dim -> hidden ReLU -> (mu, logvar) of size z_dim -> hidden ReLU -> x_dim logits."""

    def __init__(self, x_dim: int = 784, hidden: int = 256, z_dim: int = 2, image_shape: tuple = None):
        super().__init__()
        for name, value in (("x_dim", x_dim), ("hidden", hidden), ("z_dim", z_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        side = round(x_dim**0.5)
        self.image_shape = tuple(image_shape) if image_shape else ((side, side) if side * side == x_dim else (1, x_dim))
        if self.image_shape[0] * self.image_shape[1] != x_dim:
            raise ValueError(f"image_shape {self.image_shape} does not hold x_dim={x_dim} pixels")
        self.x_dim, self.hidden, self.z_dim = x_dim, hidden, z_dim
        self.noise = True  # False turns the VAE into a plain autoencoder: z = mu
        self.encoder = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, z_dim)
        self.logvar = nn.Linear(hidden, z_dim)
        self.decoder = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))

    @property
    def config(self) -> dict:
        """The constructor arguments that rebuild this model."""
        return {"x_dim": self.x_dim, "hidden": self.hidden, "z_dim": self.z_dim, "image_shape": list(self.image_shape)}

    def encode(self, x: torch.Tensor):
        """Posterior parameters for x (N, x_dim) -> mu (N, z_dim), logvar (N, z_dim)."""
        self._check(x, self.x_dim, "x")
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def sample(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """Reparameterized z = mu + eps * sigma, eps ~ N(0, I) (N, z_dim); z = mu when noise is off."""
        if not self.noise:
            return mu
        return mu + torch.randn_like(mu) * (0.5 * logvar).exp()

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel logits for codes z (N, z_dim) -> (N, x_dim)."""
        self._check(z, self.z_dim, "z")
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel probabilities in [0, 1] for codes z (N, z_dim) -> (N, x_dim)."""
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor, y: torch.Tensor = None):
        """x (N, x_dim) -> logits (N, x_dim), mu (N, z_dim), logvar (N, z_dim)."""
        mu, logvar = self.encode(x)
        return self.decode_logits(self.sample(mu, logvar)), mu, logvar

    def kl(self, mu: torch.Tensor, logvar: torch.Tensor, y: torch.Tensor = None) -> torch.Tensor:
        """KL of each posterior to the prior N(0, I): (N, z_dim) -> (N,)."""
        return kl_normal(mu, logvar)

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor = None):
        """Per-sample reconstruction and KL for x (N, x_dim) -> ((N,), (N,)), in nats."""
        logits, mu, logvar = self(x, y)
        return reconstruction(logits, x), self.kl(mu, logvar, y)

    @property
    def device(self) -> torch.device:
        """Where the weights are (cpu, cuda, ...): move inputs there with x.to(model.device)."""
        return self.mu.weight.device

    def _check(self, t: torch.Tensor, dim: int, name: str):
        """Say what to do with an input (N, dim) of the wrong shape, dtype or device before torch fails on it."""
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor (N, {dim}), got {type(t).__name__}: convert with torch.as_tensor({name})"
            )
        if t.ndim != 2 or t.shape[1] != dim:
            hint = ""
            if t.ndim > 2 and t[0].numel() == dim:
                hint = f": flatten each image to {dim} values, (N, {dim}), e.g. {name}.reshape(len({name}), -1)"
            elif t.ndim == 1 and len(t) == dim:
                hint = f": one image of {dim} values? make it a batch of one with {name}.reshape(1, -1)"
            raise ValueError(f"{name} must have shape (N, {dim}), got {tuple(t.shape)}{hint}")
        weight = self.mu.weight
        if t.dtype != weight.dtype:
            hint = convert_hint(t.dtype, weight.dtype, name)
            raise TypeError(f"{name} is {t.dtype} but the model computes in {weight.dtype}: {hint}")
        if t.device != weight.device:
            raise ValueError(
                f"{name} is on {t.device} but the model is on {weight.device}: move it there with {name}.to(model.device)"
            )


class CVAE(VAE):
    """The seed's conditional VAE: the prior of class y is N(mu_y, I), mu_y learned per class."""

    def __init__(self, x_dim: int = 784, hidden: int = 256, z_dim: int = 2, n_classes: int = 10, image_shape=None):
        super().__init__(x_dim, hidden, z_dim, image_shape)
        self.n_classes = n_classes
        self.class_means = nn.Embedding(n_classes, z_dim)  # a linear layer on the one-hot label

    @property
    def config(self) -> dict:
        """The constructor arguments that rebuild this model."""
        return {**super().config, "n_classes": self.n_classes}

    def prior_mean(self, y: torch.Tensor) -> torch.Tensor:
        """mu_y for labels y (N,) int64 -> (N, z_dim)."""
        if y is None:
            raise ValueError("a CVAE needs the labels y: call model(x, y) / loss_terms(x, y)")
        if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"a CVAE needs integer labels (int64), got {getattr(y, 'dtype', type(y).__name__)}")
        if y.device != self.device:
            raise ValueError(f"y is on {y.device} but the model is on {self.device}: move it there with y.to(model.device)")
        if y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"labels must lie in 0..{self.n_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return self.class_means(y)

    def kl(self, mu: torch.Tensor, logvar: torch.Tensor, y: torch.Tensor = None) -> torch.Tensor:
        """KL of each posterior to its class prior N(mu_y, I): (N, z_dim), y (N,) -> (N,)."""
        mu_y = self.prior_mean(y)
        if mu_y.shape != mu.shape:
            raise ValueError(f"a CVAE needs one integer label per image: shape ({len(mu)},), got {tuple(y.shape)}")
        return kl_to_class_mean(mu, logvar, mu_y)


MODELS = {"VAE": VAE, "CVAE": CVAE}
