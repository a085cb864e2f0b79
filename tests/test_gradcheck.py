"""fcnn.gradcheck (fcnn/gradient_check.py): passes on every activation x cost pair the
library allows, detects a broken derivative in exactly the layer where it is, and leaves the
network untouched."""

import numpy as np
import pytest

import fcnn
from fcnn import GradcheckResult, costs, float64_copy, gradcheck, reference

NEW = ["gelu", "gelu_tanh", "elu", "selu", "softplus", "mish"]
HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp", "prelu", *NEW]
ELEMENTWISE_OUTPUTS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp", *NEW]
PLAIN_COSTS = ["quadratic", "squared_error", "absolute_error", "huber", "pinball"]
OUTPUT_PAIRS = (
    [(f, c) for f in ELEMENTWISE_OUTPUTS for c in PLAIN_COSTS]
    + [("sigmoid", "cross_entropy"), ("sigmoid", "log_likelihood")]
    + [("softmax", c) for c in PLAIN_COSTS + ["cross_entropy", "log_likelihood"]]
    + [(f, "poisson") for f in ("exp", "softplus", "sigmoid", "softmax")]
    + [("linear", "hinge"), ("linear", "log_poisson")]
)
KINKED = ("relu", "leaky_relu", "prelu", "elu")
# Central differences with eps = 1e-6 are exact only where C is smooth within +-eps of
# theta (and of X). Kinks sit at z = 0 (relu, leaky_relu, prelu, elu unless alpha = 1), at
# a = y (absolute_error, pinball), at |a - y| = delta (Huber's second derivative) and at
# (2y - 1) a = 1 (hinge); the data below keep every such point at least KINK_MARGIN away,
# a thousand times what a perturbation of 1e-6 can move them.
KINK_MARGIN = 1e-3
COST_KINKS = {
    "absolute_error": lambda cost, a, y: a - y,
    "pinball": lambda cost, a, y: a - y,
    "huber": lambda cost, a, y: np.abs(a - y) - cost.delta,
    "hinge": lambda cost, a, y: (2 * y - 1) * a - 1,
}


def targets(rng, output, cost, n, n_out):
    if cost in ("poisson", "log_poisson"):  # counts, zeros among them
        return rng.poisson(1.0, size=(n, n_out)).astype(float)
    if cost == "hinge":
        return rng.integers(2, size=(n, n_out)).astype(float)
    if output == "softmax":
        return np.eye(n_out)[rng.integers(n_out, size=n)]
    if cost in ("cross_entropy", "log_likelihood"):
        return rng.uniform(0.05, 0.95, size=(n, n_out))
    return rng.normal(size=(n, n_out))


def smooth_batch(net, rng, n=5):
    """A batch (X, Y) with no kink within KINK_MARGIN; redrawn until there is none."""
    for _ in range(100):
        X = rng.normal(size=(n, net.sizes[0]))
        Y = targets(rng, net.activations[-1].name, net.cost.name, n, net.sizes[-1])
        trace = net.trace(X)
        near = [np.abs(z).min() for f, z in zip(net.activations, trace.z[1:]) if f.name in KINKED]
        if net.cost.name in COST_KINKS:
            near.append(np.abs(COST_KINKS[net.cost.name](net.cost, trace.a[-1], Y)).min())
        if min(near, default=np.inf) > KINK_MARGIN:
            return X, Y
    raise AssertionError("no batch away from the kinks in 100 draws")


def assert_only_failing(result, failing):
    """Exactly the blocks `failing` ({(layer, kind)}) fail, and the report says so."""
    report = result.report()
    assert not result.passed
    for block in result.blocks:
        should_fail = (block.layer, block.kind) in failing
        assert block.passed is not should_fail, report
        assert (f"FAIL layer {block.layer} {block.kind}[" in report) is should_fail, report


@pytest.mark.parametrize("output,cost", OUTPUT_PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_passes_for_every_activation_and_cost(hidden, output, cost):
    rng = np.random.default_rng(sum(map(ord, hidden + output + cost)))
    net = fcnn.Network([3, 4, 3], [hidden, output], cost, seed=int(rng.integers(1000)))
    X, Y = smooth_batch(net, rng)
    result = gradcheck(net, X, Y, inputs=True)
    assert result.passed, result.report()
    kinds = {(block.layer, block.kind) for block in result.blocks}
    expected = {(1, "w"), (1, "b"), (2, "w"), (2, "b"), (0, "x")}
    assert kinds == expected | ({(1, "slopes")} if hidden == "prelu" else set())
    assert result.worst[1]["w"].checked == 12 and result.worst[0]["x"].checked == 15
    assert result.max_error <= 1e-6


@pytest.mark.parametrize("output", ["linear", "tanh", "softmax"])
@pytest.mark.parametrize("cost", [costs.Huber(delta=0.3), costs.Pinball(tau=0.85)])
def test_passes_for_the_costs_with_a_parameter(output, cost):
    rng = np.random.default_rng(sum(map(ord, output + cost.name)))
    net = fcnn.Network([3, 4, 3], ["tanh", output], cost, seed=int(rng.integers(1000)))
    X, Y = smooth_batch(net, rng)
    result = gradcheck(net, X, Y, inputs=True)
    assert result.passed, result.report()
    assert result.max_error <= 1e-6


def test_passes_for_elu_with_other_alphas_at_both_layers():
    rng = np.random.default_rng(11)
    layers = [fcnn.activations.ELU(alpha=0.4), fcnn.activations.ELU(alpha=2.5)]
    net = fcnn.Network([3, 4, 3], layers, "quadratic", seed=5)
    X, Y = smooth_batch(net, rng)
    result = gradcheck(net, X, Y, inputs=True)
    assert result.passed, result.report()


def test_deep_net_with_labels_and_without_inputs():
    rng = np.random.default_rng(5)
    net = fcnn.Network([4, 5, 4, 3], ["tanh", "prelu", "softmax"], "log_likelihood", seed=2)
    X, _ = smooth_batch(net, rng, n=6)
    result = gradcheck(net, X, rng.integers(3, size=6))
    assert result.passed, result.report()
    assert 0 not in result.worst and set(result.worst) == {1, 2, 3}
    assert set(result.worst[2]) == {"w", "b", "slopes"}


def test_checks_the_objective_the_gradient_is_of():
    rng = np.random.default_rng(0)
    net = fcnn.Network([3, 4, 2], "sigmoid", "cross_entropy", seed=1)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    result = gradcheck(net, X, Y)
    assert result.cost == net.evaluate(X, Y)["cost"]
    assert result.cost == pytest.approx(net.gradients(X, Y).cost, rel=1e-14)


def test_detects_a_wrong_activation_derivative_in_the_top_hidden_layer(monkeypatch):
    """Layer 2's dC/dw recomputed by the NumPy reference with sigmoid' replaced by sigmoid."""

    class SigmoidWithWrongDerivative(fcnn.activations.Sigmoid):
        def derivative(self, z):
            return self(z)

    rng = np.random.default_rng(3)
    net = fcnn.Network([3, 4, 4, 2], ["sigmoid", "sigmoid", "linear"], "quadratic", seed=4)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    broken = [net.activations[0], SigmoidWithWrongDerivative(), net.activations[2]]
    correct_gradients = net.gradients

    def gradients_with_a_bug(X, Y):
        grads = correct_gradients(X, Y)
        _, _, grad_w, _ = reference.backprop(
            list(net.weights), list(net.biases), broken, net.cost, X, Y
        )
        assert not np.allclose(grad_w[1], grads.grad_w[1], rtol=1e-3)
        grads.grad_w[1][...] = grad_w[1]  # a view of grads.flat
        return grads

    monkeypatch.setattr(net, "gradients", gradients_with_a_bug)
    result = gradcheck(net, X, Y, inputs=True)
    assert_only_failing(result, {(2, "w")})
    assert result.worst[2]["w"].relative_error > 1e-2
    assert result.max_error == result.worst[2]["w"].relative_error


@pytest.mark.parametrize("layer,kind", [(1, "w"), (2, "b"), (1, "slopes"), (3, "w")])
def test_detects_a_gradient_off_by_one_percent(monkeypatch, layer, kind):
    rng = np.random.default_rng(8)
    net = fcnn.Network([3, 4, 3, 2], ["prelu", "tanh", "sigmoid"], "cross_entropy", seed=6)
    X, _ = smooth_batch(net, rng)
    Y = rng.uniform(size=(5, 2))
    correct_gradients = net.gradients

    def scaled(X, Y):
        grads = correct_gradients(X, Y)
        block = {"w": grads.grad_w, "b": grads.grad_b, "slopes": grads.grad_slopes}[kind]
        block[layer - 1] *= 1.01
        return grads

    monkeypatch.setattr(net, "gradients", scaled)
    assert_only_failing(gradcheck(net, X, Y, inputs=True), {(layer, kind)})


def test_detects_a_wrong_input_gradient(monkeypatch):
    """dC/dX comes from delta^1: a delta^1 off by 1% (after the parameters' gradients
    were formed) shows in the inputs' check only."""
    rng = np.random.default_rng(9)
    net = fcnn.Network([3, 4, 2], ["tanh", "linear"], "quadratic", seed=0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    correct_gradients = net.gradients

    def wrong_delta(X, Y):
        grads = correct_gradients(X, Y)
        grads.delta[1] *= 1.01
        return grads

    monkeypatch.setattr(net, "gradients", wrong_delta)
    assert_only_failing(gradcheck(net, X, Y, inputs=True), {(0, "x")})


def test_theta_and_inputs_are_bit_identical_afterwards():
    rng = np.random.default_rng(1)
    net = fcnn.Network([3, 5, 2], ["swish", "softmax"], "log_likelihood", seed=3)
    net.theta[0] = 0.1 + 0.2  # a value with all its low bits set
    theta, before = net.theta, net.theta.tobytes()
    X = rng.normal(size=(4, 3))
    X_before = X.tobytes()
    gradcheck(net, X, [0, 1, 1, 0], inputs=True)
    assert net.theta is theta and theta.tobytes() == before
    assert X.tobytes() == X_before


def test_theta_is_restored_when_the_check_is_interrupted(monkeypatch):
    net = fcnn.Network([3, 4, 2], "sigmoid", seed=3)
    before = net.theta.tobytes()
    calls = []
    correct_evaluate = net.evaluate

    def evaluate_then_fail(X, Y):
        calls.append(1)
        if len(calls) == 6:  # in the middle of a perturbation
            raise KeyboardInterrupt
        return correct_evaluate(X, Y)

    monkeypatch.setattr(net, "evaluate", evaluate_then_fail)
    with pytest.raises(KeyboardInterrupt):
        gradcheck(net, np.ones((2, 3)), np.zeros((2, 2)))
    assert net.theta.tobytes() == before


def test_a_random_subset_of_each_big_layer():
    rng = np.random.default_rng(4)
    net = fcnn.Network([60, 20, 5], ["sigmoid", "sigmoid"], seed=0)
    X, Y = rng.uniform(size=(8, 60)), rng.integers(5, size=8)
    result = gradcheck(net, X, Y, max_params_per_layer=30, inputs=True, seed=1)
    assert result.passed, result.report()
    checked = {(b.layer, b.kind): b.checked for b in result.blocks}
    assert checked == {(1, "w"): 30, (1, "b"): 20, (2, "w"): 30, (2, "b"): 5, (0, "x"): 30}
    again = gradcheck(net, X, Y, max_params_per_layer=30, inputs=True, seed=1)
    assert [b.index for b in again.blocks] == [b.index for b in result.blocks]
    assert [b.numeric for b in again.blocks] == [b.numeric for b in result.blocks]
    other = gradcheck(net, X, Y, max_params_per_layer=30, seed=2)
    assert other.worst[1]["w"].index != result.worst[1]["w"].index


def test_report_is_a_table_of_every_block():
    rng = np.random.default_rng(2)
    net = fcnn.Network([3, 4, 2], ["prelu", "sigmoid"], "quadratic", seed=1)
    X, Y = smooth_batch(net, rng)
    result = gradcheck(net, X, Y, inputs=True)
    assert isinstance(result, GradcheckResult)
    report = result.report()
    assert str(result) == report
    lines = report.splitlines()
    assert "worst rel. error" in lines[1] and "worst |a - n|" in lines[1]
    rows = [line.split() for line in lines[2:-1]]
    assert [(r[0], r[1], r[2], r[-1]) for r in rows] == [
        ("1", "w", "12", "PASS"),
        ("1", "b", "4", "PASS"),
        ("1", "slopes", "4", "PASS"),
        ("2", "w", "8", "PASS"),
        ("2", "b", "2", "PASS"),
        ("0", "x", "15", "PASS"),
    ]
    for row, block in zip(rows, result.blocks):
        assert float(row[3]) == pytest.approx(block.relative_error, rel=1e-3)
        assert float(row[4]) == pytest.approx(block.abs_difference, rel=1e-3)
    assert lines[-1] == "PASSED"


def test_float32_networks_are_refused_and_their_float64_copy_checked():
    net = fcnn.Network([3, 4, 2], "tanh", dtype="float32", seed=0)
    X, Y = np.ones((2, 3)), np.zeros((2, 2))
    with pytest.raises(ValueError, match="float64.*float32.*float64_copy"):
        gradcheck(net, X, Y)
    copy = float64_copy(net)
    assert copy.dtype == np.float64
    np.testing.assert_array_equal(copy.theta, net.theta.astype(np.float64))
    assert gradcheck(copy, X, Y).passed


@pytest.mark.parametrize(
    "arguments,error,message",
    [
        (dict(eps=0), ValueError, "eps"),
        (dict(eps=-1e-6), ValueError, "eps"),
        (dict(eps=float("nan")), ValueError, "eps"),
        (dict(eps=float("inf")), ValueError, "eps"),
        (dict(eps="small"), TypeError, "eps"),
        (dict(tolerance=0), ValueError, "tolerance"),
        (dict(max_params_per_layer=0), ValueError, "max_params_per_layer"),
        (dict(max_params_per_layer=2.5), TypeError, "max_params_per_layer"),
        (dict(inputs="yes"), TypeError, "inputs"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(atol=-1.0), ValueError, "atol"),
        (dict(X=np.ones((2, 4))), ValueError, "X must have shape"),
        (dict(Y=np.ones((3, 2))), ValueError, "Y has 3 rows"),
        (dict(net="network"), TypeError, "net must be an fcnn.Network"),
    ],
)
def test_bad_arguments_are_refused(arguments, error, message):
    net = fcnn.Network([3, 4, 2], "sigmoid", seed=0)
    before = net.theta.tobytes()
    call = dict(net=net, X=np.ones((2, 3)), Y=np.zeros((2, 2)))
    call.update(arguments)
    with pytest.raises(error, match=message):
        gradcheck(call.pop("net"), call.pop("X"), call.pop("Y"), **call)
    assert net.theta.tobytes() == before
