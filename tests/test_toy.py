"""The exactly computable toy model of lessons 02 and 04: its p(x) is a density, its posterior one too, both as grid sums."""

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from vaelessons.toy import RingModel, code_grid


@pytest.fixture(scope="module")
def ring():
    return RingModel(radius=2.0, noise=0.3)


def test_the_decoder_puts_codes_on_the_circle_at_angle_two_pi_phi(ring):
    z = np.array([-1.0, 0.0, 0.5])
    g = ring.decode(z)
    assert g.shape == (3, 2)
    np.testing.assert_allclose(np.hypot(g[:, 0], g[:, 1]), 2.0)
    np.testing.assert_allclose(np.mod(np.arctan2(g[:, 1], g[:, 0]), 2 * np.pi), 2 * np.pi * norm.cdf(z))


def test_log_likelihood_is_the_log_density_of_a_normal_around_g_z(ring):
    x, z = np.array([[0.3, -1.2], [2.0, 0.1]]), np.array([-0.4, 1.3, 2.0])
    expected = norm.logpdf(x[:, None, :], ring.decode(z)[None, :, :], 0.3).sum(axis=2)
    np.testing.assert_allclose(ring.log_likelihood(x, z), expected, rtol=1e-10)


def test_p_x_integrates_to_one_over_the_plane(ring):
    side = np.linspace(-4, 4, 161)
    x1, x2 = np.meshgrid(side, side)
    density = np.exp(ring.log_evidence(np.stack([x1.ravel(), x2.ravel()], axis=1), code_grid(401, 6.0)))
    assert density.sum() * (side[1] - side[0]) ** 2 == pytest.approx(1.0, abs=1e-6)


def test_the_grid_sum_for_log_p_x_matches_adaptive_quadrature(ring):
    for x in ([-2.0, 0.0], [2.0, 0.0], [0.4, 1.1]):
        integrand = lambda z, x=x: np.exp(ring.log_joint([x], [z])[0, 0])  # noqa: E731
        exact, _ = integrate.quad(integrand, -10, 10, points=[-2.5, 0.0, 2.5], limit=200, epsabs=1e-14)
        assert ring.log_evidence([x])[0] == pytest.approx(np.log(exact), abs=1e-8)


def test_the_posterior_is_a_density_over_the_codes(ring):
    z = code_grid()
    post = np.exp(ring.log_posterior([[2.0, 0.0], [0.0, 0.0]], z))
    np.testing.assert_allclose(post.sum(axis=1) * (z[1] - z[0]), 1.0, atol=1e-10)
    np.testing.assert_allclose(post[1], norm.pdf(z), atol=1e-10)  # at the centre every code is as likely: the prior


def test_samples_follow_the_model(ring):
    x = ring.sample(20_000, seed=1)
    r = np.hypot(x[:, 0], x[:, 1])
    assert x.shape == (20_000, 2)
    assert abs(r.mean() - 2.0) < 0.05 and abs(r.std() - 0.3) < 0.02
    np.testing.assert_array_equal(x, ring.sample(20_000, seed=1))


def test_bad_input_is_refused_with_a_clear_message(ring):
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        ring.log_likelihood(np.zeros((4, 3)), [0.0])
    with pytest.raises(ValueError, match="evenly spaced"):
        ring.log_evidence([[0.0, 0.0]], [0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="noise > 0"):
        RingModel(noise=0)
    with pytest.raises(ValueError, match="n >= 3"):
        code_grid(2)
