"""The lessons' figures: titles, labelled axes, colour bars, the seed's quantile grid."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from scipy.stats import norm

from vaelessons import VAE, History, data, plots


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return VAE(hidden=16)


@pytest.fixture(scope="module")
def test_set():
    return data.load("mnist-mini", "test")


def test_quantile_grid_is_the_seeds_grid_read_top_to_bottom():
    z = plots.quantile_grid(15)
    q = norm.ppf(np.linspace(0.05, 0.95, 15))
    assert z.shape == (225, 2)
    np.testing.assert_allclose(z[:15, 0], q, rtol=1e-6)  # first row: z1 sweeps left to right
    np.testing.assert_allclose(z[::15, 1], q[::-1], rtol=1e-6)  # first column: z2 falls from top to bottom
    np.testing.assert_allclose(z[:15, 1], q[-1], rtol=1e-6)  # the top row has the largest z2


def test_latent_scatter_has_title_labels_and_a_digit_colour_bar(model, test_set):
    fig = plots.latent_scatter(model, test_set)
    ax, bar = fig.axes
    assert ax.get_title() and ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$"
    assert bar.get_ylabel() == "digit"
    assert len(ax.collections[0].get_offsets()) == len(test_set)


def test_manifold_draws_the_decoded_grid_and_refuses_other_latent_sizes(model):
    fig = plots.manifold(model, n=5)
    ax = fig.axes[0]
    picture = ax.images[0].get_array()
    assert picture.shape == (5 * 28, 5 * 28)
    top_left = model.decode(plots.quantile_grid(5)[:1]).reshape(28, 28).detach().numpy()
    np.testing.assert_allclose(picture[:28, :28], top_left, rtol=1e-5)
    assert ax.get_title() and "normal quantiles" in ax.get_xlabel() and ax.get_ylabel()
    shifted = plots.manifold(model, n=5, center=[1.0, -1.0]).axes[0]
    assert "center" in shifted.get_xlabel()
    with pytest.raises(ValueError, match="2-D latent.*z_dim=3"):
        plots.manifold(VAE(hidden=8, z_dim=3))


def test_image_grid_tiles_images_in_rows(test_set):
    fig = plots.image_grid(test_set.x[:12], ncols=5, title="digits")
    picture = fig.axes[0].images[0].get_array()
    assert picture.shape == (3 * 29 - 1, 5 * 29 - 1)
    np.testing.assert_allclose(picture[29 : 29 + 28, :28], test_set.x[5].reshape(28, 28).numpy())
    assert fig.axes[0].get_title() == "digits"


def test_loss_curves_plot_train_and_test_terms_with_labels():
    history = History(epoch=[1, 2], train_recon=[200, 180], train_kl=[5, 6], test_recon=[190, 175], test_kl=[5.5, 6.2])
    fig = plots.loss_curves(history)
    recon, kl = fig.axes
    assert [line.get_label() for line in recon.lines] == ["train", "test"]
    np.testing.assert_allclose(kl.lines[1].get_ydata(), [5.5, 6.2])
    assert all(ax.get_xlabel() == "epoch" and ax.get_ylabel() and ax.get_title() for ax in (recon, kl))


def test_label_images_puts_each_label_in_the_corner_of_its_image(test_set):
    fig = plots.image_grid(test_set.x[:6], ncols=2)
    ax = fig.axes[0]
    plots.label_images(ax, "abcdef", ncols=2)
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert list(texts) == list("abcdef")
    picture = ax.images[0].get_array()
    for k, label in enumerate("abcdef"):
        row, col = divmod(k, 2)
        x, y = texts[label]
        assert col * 29 <= x < col * 29 + 28 and row * 29 <= y < row * 29 + 28  # inside image k's 28 x 28 tile
    assert x < picture.shape[1] and y < picture.shape[0]


def test_mark_points_rings_each_point_and_labels_it():
    fig, ax = plt.subplots()
    points = torch.tensor([[0.0, 1.0], [2.0, -1.0], [-1.5, 0.5]])
    plots.mark_points(ax, points, "xyz")
    np.testing.assert_allclose(ax.collections[0].get_offsets(), points.numpy())
    assert [(a.get_text(), tuple(a.xy)) for a in ax.texts] == [("x", (0.0, 1.0)), ("y", (2.0, -1.0)), ("z", (-1.5, 0.5))]
    with pytest.raises(ValueError, match="3 points and 2 labels"):
        plots.mark_points(ax, points, "xy")
    plt.close(fig)


def test_arrow_draws_a_labelled_arrow_on_empty_axes():
    fig, ax = plt.subplots()
    plots.arrow(ax, "encoder")
    assert not ax.axison
    assert "encoder" in [t.get_text() for t in ax.texts]
    assert any(getattr(t, "arrow_patch", None) is not None for t in ax.texts)
    plt.close(fig)


def test_code_panels_share_one_window_and_colour_bar_and_state_the_share_outside():
    labels = torch.arange(10).repeat(10)
    near, far = torch.zeros(100, 2), torch.zeros(100, 2)
    far[:25, 0] = 10.0
    fig = plots.code_panels({"near": near, "far": far}, labels, ncols=3, limit=4.0, title="codes")
    near_ax, far_ax, unused, bar = fig.axes
    assert near_ax.get_title() == "near\noutside the window: 0%"
    assert far_ax.get_title() == "far\noutside the window: 25%"
    assert near_ax.get_xlim() == far_ax.get_ylim() == (-4.0, 4.0)
    assert near_ax.get_xlabel() == "$z_1$" and near_ax.get_ylabel() == "$z_2$"
    assert not unused.axison and bar.get_ylabel() == "digit"
    assert fig.get_suptitle() == "codes"
    with pytest.raises(ValueError, match=r"codes\['short'\] has shape \(99, 2\); expected \(100, 2\)"):
        plots.code_panels({"short": torch.zeros(99, 2)}, labels)


def test_image_panels_draws_one_titled_image_grid_per_entry(test_set):
    fig = plots.image_panels({"first": test_set.x[:15], "second": test_set.x[15:25]}, ncols=3, per_row=5, title="samples")
    first, second, unused = fig.axes
    assert (first.get_title(), second.get_title()) == ("first", "second")
    assert first.images[0].get_array().shape == (3 * 29 - 1, 5 * 29 - 1)
    assert second.images[0].get_array().shape == (2 * 29 - 1, 5 * 29 - 1)
    np.testing.assert_allclose(second.images[0].get_array()[:28, :28], test_set.x[15].reshape(28, 28).numpy())
    assert not unused.axison and fig.get_suptitle() == "samples"
