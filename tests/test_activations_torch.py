"""The activations gelu, gelu_tanh, elu, selu, softplus and mish, as the core computes them,
against torch.nn.functional in float64 (values and derivatives to 1e-12 relative), and
against their exact values (mpmath) where PyTorch's GELU formulas cancel."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn
from fcnn import activations

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH = {
    "gelu": F.gelu,
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "elu": F.elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "mish": F.mish,
}
WIDE = np.concatenate(
    [
        np.linspace(-60, 60, 24_001),
        np.linspace(-1e-3, 1e-3, 2_001),
        -np.logspace(-300, 150, 2_001),
        np.logspace(-300, 150, 2_001),
        [-750.0, -700.0, -20.0, 0.0, 20.0, 700.0, 750.0],
    ]
)
# Below this, 1 + erf(z / sqrt 2) and 1 + tanh(u) in PyTorch's GELUs keep fewer than 12
# digits (they reach 0 near z = -38 and -21); the core's erfc and sigmoid forms do not.
GELU_CANCELS_BELOW = -3.0


def core_values_and_derivatives(f, z):
    """f(z) and f'(z) from the core: one layer with w = 1, b = 0 and the quadratic cost,
    whose output error (a - y) f'(z) gives f'(z) for a target y at a distance of 1 (or 0,
    which puts |a| there, where a - 1 would round to a)."""
    net = fcnn.Network([1, 1], f, "quadratic")
    net.weights[0] = 1
    net.biases[0] = 0
    a = net.predict(z[:, None])
    y = np.where(np.abs(a) > 1, 0, a - 1)
    return a[:, 0], (net.gradients(z[:, None], y).delta[1] / (a - y))[:, 0]


def torch_values_and_derivatives(f, z):
    t = torch.tensor(z, requires_grad=True)
    a = f(t)
    a.sum().backward()
    return a.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize(
    "ours, theirs",
    [(name, f) for name, f in TORCH.items()]
    + [(activations.ELU(alpha=0.3), lambda z: F.elu(z, alpha=0.3))]
    + [(activations.ELU(alpha=2.5), lambda z: F.elu(z, alpha=2.5))],
    ids=[*TORCH, "elu-0.3", "elu-2.5"],
)
def test_values_and_derivatives_equal_pytorchs(ours, theirs):
    name = activations.get(ours).name
    z = WIDE[WIDE >= GELU_CANCELS_BELOW] if name.startswith("gelu") else WIDE
    a, d = core_values_and_derivatives(ours, z)
    expected_a, expected_d = torch_values_and_derivatives(theirs, z)
    tiny = np.finfo(np.float64).tiny  # subnormal results: within a step of each other
    assert_allclose(a, expected_a, rtol=1e-12, atol=tiny)
    assert_allclose(d, expected_d, rtol=1e-12, atol=tiny)


def test_softplus_is_z_above_pytorchs_threshold_bit_for_bit():
    z = np.nextafter(20.0, np.inf) + np.linspace(0, 1e3, 1_001)
    a, d = core_values_and_derivatives("softplus", z)
    assert np.array_equal(a, z)
    assert np.array_equal(d, np.ones_like(z))
    assert np.array_equal(a, F.softplus(torch.tensor(z)).numpy())


def exact_gelus(mpmath, z):
    """GELU and its tanh form and their derivatives at z, in 60-digit arithmetic."""
    with mpmath.workdps(60):
        x = mpmath.mpf(float(z))
        c = mpmath.sqrt(8 / mpmath.pi)
        s = 1 / (1 + mpmath.exp(-c * (x + mpmath.mpf("0.044715") * x**3)))
        gelu_tanh = x * s, s + x * s * (1 - s) * c * (1 + 3 * mpmath.mpf("0.044715") * x**2)
        gelu = x * mpmath.ncdf(x), mpmath.ncdf(x) + x * mpmath.npdf(x)
        return [float(v) for v in (*gelu, *gelu_tanh)]


def test_gelus_keep_their_digits_where_pytorchs_cancel():
    mpmath = pytest.importorskip("mpmath")
    z = np.linspace(-38, GELU_CANCELS_BELOW, 401)
    exact = np.array([exact_gelus(mpmath, v) for v in z])
    for name, column in (("gelu", 0), ("gelu_tanh", 2)):
        a, d = core_values_and_derivatives(name, z)
        normal = np.abs(exact[:, column + 1]) > np.finfo(np.float64).tiny
        assert_allclose(a[normal], exact[normal, column], rtol=1e-12)
        assert_allclose(d[normal], exact[normal, column + 1], rtol=1e-12)
