"""The lessons' figures: image grids, the latent scatter, the manifold, loss curves.

Each function returns a matplotlib Figure (shown once when it ends a notebook cell) or draws
into the `ax` it is given.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import patheffects
from scipy.stats import norm

DIGIT_COLOURS = "tab10"


def _figure(ax, size):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    plt.close(fig)  # shown by being returned, not again by the inline backend
    return fig, ax


def image_grid(images, shape=(28, 28), ncols: int = 10, title: str = "", labels=None, ax=None):
    """Tile images (N, H*W) in [0, 1] into one grey picture, ncols per row, optional labels (N,) under each."""
    images = torch.as_tensor(images).detach().float().reshape(-1, *shape).clamp(0, 1).numpy()
    n, (h, w) = len(images), shape
    nrows = max(1, -(-n // ncols))
    canvas = np.ones((nrows * (h + 1) - 1, ncols * (w + 1) - 1))
    for k, img in enumerate(images):
        r, c = divmod(k, ncols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = img
    fig, ax = _figure(ax, (min(12, 0.6 * ncols + 1), 0.6 * nrows + 0.8))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    if labels is not None:
        ax.set_xticks([c * (w + 1) + w / 2 for c in range(min(n, ncols))])
        ax.set_xticklabels([str(int(v)) for v in labels[:ncols]])
    return fig


@torch.no_grad()
def latent_scatter(model, data, dims=(0, 1), title: str = "Test-set means in the latent plane", ax=None):
    """Scatter the posterior means mu (N, Z) of data on latent dims `dims`, coloured by digit, with a colour bar."""
    mu, _ = model.eval().encode(data.x)
    fig, ax = _figure(ax, (6, 5))
    points = ax.scatter(mu[:, dims[0]], mu[:, dims[1]], c=data.y, cmap=DIGIT_COLOURS, vmin=-0.5, vmax=9.5, s=3, alpha=0.7)
    bar = fig.colorbar(points, ax=ax, ticks=range(10))
    bar.set_label("digit")
    ax.set_title(title)
    ax.set_xlabel(f"$z_{dims[0] + 1}$")
    ax.set_ylabel(f"$z_{dims[1] + 1}$")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def quantile_grid(n: int = 15, low: float = 0.05, high: float = 0.95) -> torch.Tensor:
    """The seed's grid of 2-D codes: normal quantiles of linspace(low, high, n) on each axis -> (n*n, 2), rows top to bottom."""
    q = torch.tensor(norm.ppf(np.linspace(low, high, n)), dtype=torch.float32)
    zy, zx = torch.meshgrid(q.flip(0), q, indexing="ij")
    return torch.stack([zx.reshape(-1), zy.reshape(-1)], dim=1)


@torch.no_grad()
def manifold(model, n: int = 15, center=None, title: str = "Decoded normal quantiles (15 x 15 manifold)", ax=None):
    """Decode the n x n quantile grid (shifted by center (2,), e.g. a class mean) of a 2-D latent into one picture."""
    if model.z_dim != 2:
        raise ValueError(f"manifold needs a 2-D latent, this model has z_dim={model.z_dim}")
    z = quantile_grid(n)
    if center is not None:
        z = z + torch.as_tensor(center, dtype=torch.float32).reshape(1, 2)
    images = model.eval().decode(z).reshape(n, n, *model.image_shape)
    h, w = model.image_shape
    canvas = images.permute(0, 2, 1, 3).reshape(n * h, n * w).numpy()
    fig, ax = _figure(ax, (7, 7))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ticks = sorted({int(t) for t in np.linspace(0, n - 1, 5).round()})  # both ends and the centre
    ax.set_xticks([t * w + w / 2 for t in ticks], [_tick(z[t, 0]) for t in ticks])
    ax.set_yticks([t * h + h / 2 for t in ticks], [_tick(z[t * n, 1]) for t in ticks])
    ax.set_title(title)
    where = "normal quantiles" if center is None else "center + normal quantiles"
    ax.set_xlabel(f"$z_1$ ({where})")
    ax.set_ylabel(f"$z_2$ ({where})")
    return fig


def _tick(value) -> str:
    return f"{float(value) + 0.0:.2f}".replace("-0.00", "0.00")


def loss_curves(history, title: str = "Reconstruction and KL over training", ax=None):
    """Plot the per-epoch train (and test) reconstruction and KL of a History, on two y-axes' panels."""
    if ax is not None:
        raise ValueError("loss_curves draws two panels: call it without ax")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    plt.close(fig)
    for ax, key, label in ((left, "recon", "reconstruction (BCE)"), (right, "kl", "KL to the prior")):
        ax.plot(history.epoch, getattr(history, f"train_{key}"), marker=".", label="train")
        if getattr(history, f"test_{key}"):
            ax.plot(history.epoch, getattr(history, f"test_{key}"), marker=".", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per image")
        ax.set_title(label)
        ax.legend()
    fig.suptitle(title)
    return fig


def label_images(ax, labels, ncols: int, shape=(28, 28), colour: str = "tab:blue"):
    """Write labels (N,), one per image, in the top-left corner of each image of an image_grid drawn on ax with ncols columns."""
    h, w = shape
    for k, label in enumerate(labels):
        row, col = divmod(k, ncols)
        ax.text(col * (w + 1) + 1, row * (h + 1) + 5, str(label), color=colour, fontsize=11, weight="bold")


def mark_points(ax, points, labels, colour: str = "tab:red"):
    """Mark points (N, 2) on ax with a small ring each and its label (N,) just above and to the right, outlined in white."""
    points = torch.as_tensor(points).detach().reshape(-1, 2).tolist()
    if len(labels) != len(points):
        raise ValueError(f"mark_points got {len(points)} points and {len(labels)} labels: give one label per point")
    ax.scatter(*zip(*points, strict=True), s=30, facecolors="none", edgecolors=colour, linewidths=1.8, zorder=3)
    outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for point, label in zip(points, labels, strict=True):
        style = dict(color=colour, fontsize=11, weight="bold", path_effects=outline)
        ax.annotate(str(label), point, xytext=(3, 3), textcoords="offset points", **style)


def arrow(ax, label: str):
    """Draw a grey arrow from left to right across the otherwise empty axes ax, with label above it."""
    ax.annotate("", xy=(1, 0.5), xytext=(0, 0.5), arrowprops=dict(arrowstyle="-|>", lw=2.5, color="grey", mutation_scale=25))
    ax.text(0.5, 0.56, label, ha="center", fontsize=12)
    ax.axis("off")


def _panel_grid(n: int, ncols: int, width: float, height: float, extra_width: float = 0.0):
    """A figure with n panels of width x height inches, ncols to a row, unused places switched off -> (fig, axes 2-D)."""
    nrows = -(-n // ncols)
    size = (width * ncols + extra_width, height * nrows + 0.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=size, layout="constrained", squeeze=False)
    plt.close(fig)  # shown by being returned, not again by the inline backend
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, axes


def code_panels(codes: dict, labels, ncols: int = 3, limit: float = 4.0, circle: float = 2.0, title: str = ""):
    """Scatter each {panel title: codes z (N, 2)} coloured by digit labels (N,), in one shared window, one colour bar.

    Every panel shows the square [-limit, limit]^2, a dashed circle of radius `circle` (N(0, I) keeps 86% of its
    draws within radius 2) and, in its title, the share of its codes outside the window.
    """
    labels = torch.as_tensor(labels)
    for name, z in codes.items():
        if tuple(z.shape) != (len(labels), 2):
            raise ValueError(f"codes[{name!r}] has shape {tuple(z.shape)}; expected ({len(labels)}, 2), one 2-D code per label")
    fig, axes = _panel_grid(len(codes), ncols, width=3.3, height=3.4, extra_width=0.9)
    for ax, (name, z) in zip(axes.flat, codes.items(), strict=False):
        z = torch.as_tensor(z).detach()
        outside = (z.abs() > limit).any(dim=1).float().mean().item()
        points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap=DIGIT_COLOURS, vmin=-0.5, vmax=9.5, s=2, alpha=0.5)
        ax.add_patch(plt.Circle((0, 0), circle, fill=False, color="k", ls="--", lw=1))
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), xlabel="$z_1$", ylabel="$z_2$", aspect="equal")
        ax.set_title(f"{name}\noutside the window: {outside:.0%}", fontsize=10)
    fig.colorbar(points, ax=axes, ticks=range(10), shrink=0.6, label="digit")
    fig.suptitle(title)
    return fig


def image_panels(images: dict, shape=(28, 28), ncols: int = 3, per_row: int = 5, title: str = ""):
    """One image_grid per {panel title: images (M, H*W)}, ncols panels to a row, per_row images to a panel's row."""
    rows_each = max(-(-len(v) // per_row) for v in images.values())
    fig, axes = _panel_grid(len(images), ncols, width=3.0, height=0.56 * rows_each + 0.5)
    for ax, (name, batch) in zip(axes.flat, images.items(), strict=False):
        image_grid(batch, shape=shape, ncols=per_row, title=name, ax=ax)
        ax.title.set_fontsize(10)
    fig.suptitle(title)
    return fig
