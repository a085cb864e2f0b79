"""Each activation and cost as the core computes it, against its NumPy reference,
and at the extremes z = +-1000 where naive formulas overflow."""

import warnings

import numpy as np
import pytest
from conftest import RTOL
from numpy.testing import assert_allclose

import fcnn
from fcnn import activations, costs, reference

NAMES = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "softmax"]  # bounded
NAMES += ["gelu", "gelu_tanh", "elu", "selu", "softplus", "mish"]
EXTREMES = np.array([[-1000.0, -40.0, -1e-3, 0.0, 1e-3, 40.0, 1000.0]])


def identity_net(activation, n, dtype="float64", cost="quadratic"):
    """One layer with w = I, b = 0, so predict(z) = f(z)."""
    net = fcnn.Network([n, n], activation, cost, dtype=dtype)
    net.weights[0] = np.eye(n)
    net.biases[0] = 0
    return net


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES + ["exp"])
def test_core_activation_matches_reference(name, dtype):
    z = np.random.default_rng(0).normal(scale=3, size=(7, 5)).astype(dtype)
    reference = activations.get(name)
    assert_allclose(
        identity_net(name, 5, dtype).predict(z),
        reference(z.astype(np.float64)),
        rtol=RTOL[dtype] * 10,
        atol=RTOL[dtype],
    )


@pytest.mark.parametrize("name", NAMES)
def test_activations_are_stable_at_extremes(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = identity_net(name, EXTREMES.shape[1]).predict(EXTREMES)
        expected = activations.get(name)(EXTREMES)
    assert np.isfinite(a).all()
    assert_allclose(a, expected, rtol=1e-12, atol=1e-300)


def ulps_from_exact(computed, exact, dtype):
    """|computed - exact| in units of the last place of exact rounded to dtype (long
    double references: 64-bit significands on x86-64)."""
    ulp = np.spacing(np.abs(exact.astype(dtype))).astype(np.longdouble)
    return np.abs(computed.astype(np.longdouble) - exact) / ulp


# The core's own branch-free exponential (exp_nonpositive in src_c/_activations.pxd)
# against long double, over its whole range: the polynomial, the exponent bits, and the
# gradual underflow below the smallest normal result (e^-708 in double, e^-87 in float).
@pytest.mark.parametrize("dtype, limit", [(np.float64, 750.0), (np.float32, 110.0)])
def test_core_sigmoid_is_within_a_few_ulps_everywhere(dtype, limit):
    z = np.concatenate(
        [
            np.linspace(-limit, limit, 400_001),
            np.linspace(-1, 1, 100_001),
            -np.linspace(limit - 50, limit - 30, 100_001),
        ]
    ).astype(dtype)
    a = identity_net("sigmoid", 1, dtype).predict(z[:, None])[:, 0]
    exact_z = z.astype(np.longdouble)
    e = np.exp(-np.abs(exact_z))
    exact = np.where(exact_z >= 0, 1, e) / (1 + e)
    normal = exact >= np.finfo(dtype).tiny
    assert ulps_from_exact(a[normal], exact[normal], dtype).max() < 3
    # below the normal range: within one step of the subnormal grid, exactly 0 past it
    step = np.finfo(dtype).smallest_subnormal
    assert (np.abs(a[~normal].astype(np.longdouble) - exact[~normal]) <= step).all()
    assert (a[z < -np.log(np.finfo(dtype).max) - 50] == 0).all()


# exp_of, the same polynomial over the whole real line: gradual underflow to 0 below,
# the largest results through the 2^512 (2^64) rescaling above, inf past them.
@pytest.mark.parametrize("dtype, limit", [(np.float64, 750.0), (np.float32, 110.0)])
def test_core_exp_is_within_a_few_ulps_everywhere(dtype, limit):
    top = np.log(np.finfo(dtype).max)
    z = np.concatenate(
        [
            np.linspace(-limit, limit, 400_001),
            np.linspace(-1, 1, 100_001),
            np.linspace(top - 3, top + 3, 100_001),
            -np.linspace(limit - 50, limit - 30, 100_001),
        ]
    ).astype(dtype)
    exact = np.exp(z.astype(np.longdouble))
    finite = exact <= np.finfo(dtype).max
    a = identity_net("exp", 1, dtype).predict(z[finite, None])[:, 0]
    exact = exact[finite]
    normal = exact >= np.finfo(dtype).tiny
    assert ulps_from_exact(a[normal], exact[normal], dtype).max() < 2
    step = np.finfo(dtype).smallest_subnormal
    assert (np.abs(a[~normal].astype(np.longdouble) - exact[~normal]) <= step).all()
    overflowing = z[~finite]
    assert overflowing.min() - top < 1e-4
    with pytest.raises(FloatingPointError, match=r"row 0 .* overflowed \w+ in layer 1"):
        identity_net("exp", 1, dtype).predict(overflowing[:, None])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_core_softmax_and_swish_are_within_a_few_ulps(dtype):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((20_000, 4)) * [0.1, 1, 3, 8]).astype(dtype)
    # from z - max z as rounded in dtype, as any softmax computes it (that rounding is
    # amplified |z - max z| times by e^, whatever the exponential)
    e = np.exp((z - z.max(axis=1, keepdims=True)).astype(np.longdouble))
    exact = e / e.sum(axis=1, keepdims=True)
    a = identity_net("softmax", 4, dtype, "log_likelihood").predict(z)
    assert ulps_from_exact(a, exact, dtype).max() < 4
    exact_z = z.astype(np.longdouble)
    s = identity_net("swish", 4, dtype).predict(z)
    exact_s = exact_z / (1 + np.exp(-exact_z))
    big = np.abs(exact_s) > np.finfo(dtype).tiny
    assert ulps_from_exact(s[big], exact_s[big], dtype).max() < 8


@pytest.mark.parametrize("name", [name for name in NAMES if name != "softmax"] + ["exp"])
def test_derivative_reference_matches_its_function(name):
    f = activations.get(name)
    z = np.linspace(-4, 4, 81) + 0.013  # off the kink of relu
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    assert_allclose(f.derivative(z), numeric, rtol=1e-6, atol=1e-9)


def test_leaky_relu_default_slope_and_repr():
    assert activations.LeakyReLU().slope == 0.01
    assert "0.2" in repr(activations.LeakyReLU(0.2))
    with pytest.raises(ValueError, match="slope"):
        activations.LeakyReLU(float("nan"))


COST_CASES = (
    [
        (c, "sigmoid")
        for c in ["quadratic", "squared_error", "absolute_error", "cross_entropy", "log_likelihood"]
    ]
    + [(c, "softmax") for c in ["quadratic", "cross_entropy", "log_likelihood"]]
    + [(c, "linear") for c in ["quadratic", "squared_error", "absolute_error"]]
    + [("poisson", f) for f in ["exp", "sigmoid", "softmax"]]
    + [(c, f) for c in ["huber", "pinball"] for f in ["linear", "sigmoid", "softmax"]]
    + [("hinge", "linear"), ("log_poisson", "linear")]
)


@pytest.mark.parametrize("cost,output", COST_CASES)
def test_core_cost_matches_reference(cost, output):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 4))
    y = np.eye(4)[rng.integers(4, size=6)] if output == "softmax" else rng.uniform(size=(6, 4))
    if cost == "hinge":
        y = rng.integers(2, size=(6, 4)).astype(float)
    net = identity_net(output, 4, cost=cost)
    a = activations.get(output)(z)
    expected = np.mean(costs.get(cost)(a, y))
    assert net.evaluate(z, y)["cost"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "cost,output",
    [
        ("cross_entropy", "sigmoid"),
        ("log_likelihood", "sigmoid"),
        ("cross_entropy", "softmax"),
        ("log_likelihood", "softmax"),
    ],
)
def test_logarithmic_costs_stay_finite_when_outputs_saturate(cost, output):
    """At z = +-1000 a rounds to exactly 0 or 1; the core takes logs from z instead."""
    z = np.array([[-1000.0, 1000.0]])
    y = np.array([[1.0, 0.0]])
    net = identity_net(output, 2, cost=cost)
    value = net.evaluate(z, y)["cost"]
    grads = net.gradients(z, y)
    assert np.isfinite(value) and value >= 999
    assert all(np.isfinite(g).all() for g in grads.grad_w + grads.grad_b)


def test_sigmoid_cross_entropy_is_exact_where_a_rounds():
    # softplus(40) - 0 * 40 = 40 + log1p(e^-40); naive -ln(1 - sigmoid(40)) gives inf
    net = identity_net("sigmoid", 1, cost="cross_entropy")
    assert net.evaluate([[40.0]], [[0.0]])["cost"] == pytest.approx(40 + np.log1p(np.exp(-40)))


def test_cost_names_and_objects():
    assert costs.get("quadratic") == costs.Quadratic()
    assert fcnn.Network([2, 2], cost=costs.CrossEntropy()).cost.name == "cross_entropy"


def test_poisson_with_exp_outputs_takes_its_logarithm_from_z():
    """Where e^z has rounded to 0, y ln(y / a) - y + a is y ln y - y z - y, finite."""
    z = np.array([[-800.0, -30.0, 2.0]])
    y = np.array([[2.0, 0.0, 1.0]])
    net = identity_net("exp", 3, cost="poisson")
    expected = (2 * np.log(2) + 1600 - 2) + np.exp(-30.0) + (-2 - 1 + np.exp(2.0))
    assert net.evaluate(z, y)["cost"] == pytest.approx(expected, rel=1e-15)
    grads = net.gradients(z, y)
    assert_allclose(grads.delta[1], net.predict(z) - y, rtol=0, atol=0)


@pytest.mark.parametrize("output", ["exp", "sigmoid", "softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson_costs_nothing_where_outputs_equal_the_targets(output, dtype):
    z = np.array([[-1.0, 0.5, -2.0]], dtype=dtype)
    net = identity_net(output, 3, dtype, cost="poisson")
    a = net.predict(z)
    assert net.evaluate(z, a)["cost"] == pytest.approx(0, abs=100 * float(np.finfo(dtype).eps))


WITH_A_PARAMETER = [costs.Huber(delta=0.4), costs.Pinball(tau=0.9), costs.Pinball(tau=0.05)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cost", WITH_A_PARAMETER, ids=repr)
@pytest.mark.parametrize("output", ["linear", "tanh", "softmax"])
def test_core_costs_with_a_parameter_match_the_reference(output, cost, dtype):
    """The parameter reaches the core: cost and output error as the NumPy reference."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(6, 4)).astype(dtype)
    y = rng.normal(scale=0.5, size=(6, 4)).astype(dtype)
    net = identity_net(output, 4, dtype, cost=cost)
    z64, a64, y64 = (np.asarray(v, dtype=np.float64) for v in (z, net.predict(z), y))
    rtol = 1e-12 if dtype == "float64" else 1e-5
    expected = np.mean(cost(a64, y64))
    assert net.evaluate(z, y)["cost"] == pytest.approx(expected, rel=rtol)
    delta = reference.output_error(activations.get(output), cost, z64, a64, y64)
    assert_allclose(net.gradients(z, y).delta[1], delta, rtol=rtol, atol=rtol)


def test_the_costs_at_their_kinks():
    """Huber at |a - y| = delta, pinball at a = y (1/2 - tau, the middle of -tau and
    1 - tau), the hinge at (2y - 1) a = 1 (0)."""
    z = np.array([[0.5, -0.5, 2.0, 0.25]])
    y = np.array([[0.0, 0.0, 2.0, 0.0]])
    net = identity_net("linear", 4, cost=costs.Huber(delta=0.5))
    assert net.evaluate(z, y)["cost"] == 0.125 + 0.125 + 0 + 0.03125
    assert_allclose(net.gradients(z, y).delta[1], [[0.5, -0.5, 0.0, 0.25]], rtol=0, atol=0)
    net = identity_net("linear", 4, cost=costs.Pinball(tau=0.75))
    assert net.evaluate(z, y)["cost"] == 0.25 * 0.5 + 0.75 * 0.5 + 0 + 0.25 * 0.25
    assert_allclose(net.gradients(z, y).delta[1], [[0.25, -0.75, -0.25, 0.25]], rtol=0, atol=0)
    z, y = np.array([[1.0, -1.0, 0.5, 3.0]]), np.array([[1.0, 0.0, 1.0, 0.0]])
    net = identity_net("linear", 4, cost="hinge")
    assert net.evaluate(z, y)["cost"] == 0 + 0 + 0.5 + 4
    assert_allclose(net.gradients(z, y).delta[1], [[0.0, 0.0, -1.0, 1.0]], rtol=0, atol=0)


def test_log_poisson_costs_nothing_where_the_rate_equals_the_target():
    y = np.array([[0.5, 3.0, 7.25]])
    net = identity_net("linear", 3, cost="log_poisson")
    z = np.log(y)
    assert net.evaluate(z, y)["cost"] == pytest.approx(0, abs=1e-14)
    assert_allclose(net.gradients(z, y).delta[1], np.exp(z) - y, rtol=0, atol=1e-14)
    # a target 0: the cost is the rate e^z, the output error too
    assert net.evaluate(z, np.zeros((1, 3)))["cost"] == pytest.approx(np.exp(z).sum())


def test_costs_with_a_parameter_compare_show_and_rebuild_by_it():
    assert costs.Huber(0.5) == costs.Huber(delta=0.5) != costs.Huber(2.0)
    assert costs.Pinball(0.9) != costs.Pinball(0.1)
    assert len({costs.Huber(), costs.Huber(1.0), costs.Pinball()}) == 2
    assert costs.get("huber") == costs.Huber(delta=1.0)
    assert costs.get("pinball").tau == 0.5
    assert repr(costs.Pinball(0.25)) == "Pinball(tau=0.25)"
    for cost in [costs.Huber(0.25), costs.Pinball(0.125), costs.Hinge(), costs.Quadratic()]:
        assert costs.from_config(cost.config()) == cost
    assert costs.Hinge().config() == {"name": "hinge"}
    assert costs.from_config({"name": "huber"}) == costs.Huber()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: costs.Huber(0.0), ValueError, r"Huber delta must be a finite number > 0, got 0.0"),
        (lambda: costs.Huber(-1), ValueError, r"Huber delta .* got -1.0"),
        (lambda: costs.Huber(float("inf")), ValueError, r"Huber delta .* got inf"),
        (lambda: costs.Huber(True), TypeError, r"Huber delta must be a finite number"),
        (lambda: costs.Pinball(0), ValueError, r"Pinball tau must be a finite number in \(0, 1\)"),
        (lambda: costs.Pinball(1.0), ValueError, r"Pinball tau .* got 1.0"),
        (lambda: costs.Pinball(float("nan")), ValueError, r"Pinball tau .* got nan"),
        (lambda: costs.Pinball("0.5"), TypeError, r"Pinball tau .* got str '0.5'"),
        (lambda: costs.from_config({"name": "huber", "tau": 0.5}), ValueError, "no parameter"),
        (lambda: costs.from_config({"name": "hinge", "delta": 1}), ValueError, "no parameter"),
        (lambda: costs.from_config({"name": "huberr"}), ValueError, "unknown cost 'huberr'"),
        (lambda: costs.from_config("huber"), ValueError, "a cost config is a dict"),
    ],
)
def test_bad_cost_parameters_are_rejected(make, error, message):
    with pytest.raises(error, match=message):
        make()
