"""fcnn.explain.explain_step: one traced gradient-descent step, checked against the
worked examples (../shared/spec/worked-examples.md), the NumPy reference and the network."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn
from fcnn import reference
from fcnn.explain import StepExplanation, explain_step

TOL = dict(rtol=0, atol=1e-9)


def e2_network():
    net = fcnn.Network([2, 1, 1], "sigmoid", "quadratic")
    net.weights = [[[0.4, -0.2]], [[0.1]]]
    net.biases = [[0], [0]]
    return net


def e3_network():
    net = fcnn.Network([2, 2, 1], "sigmoid", "squared_error")
    net.weights = [[[1, 0.5], [0.1, 0]], [[0.2, 0.8]]]
    net.biases = [[0, 0], [0.75]]
    return net


def test_e3_step_matches_the_checked_values():
    net = e3_network()
    step = explain_step(net, [0, 1], [1], lr=0.4)
    assert_allclose(step.a[0], [0, 1], **TOL)
    assert_allclose(step.z[1], [0.5, 0], **TOL)
    assert_allclose(step.a[1], [0.6224593312, 0.5], **TOL)
    assert_allclose(step.z[2], [1.2744918662], **TOL)
    assert_allclose(step.a[2], [0.7815107116], **TOL)
    assert_allclose(step.delta[2], [-0.0746148433], **TOL)  # BP1
    assert_allclose(step.delta[1], [-0.0035069530, -0.0149229687], **TOL)  # BP2
    assert_allclose(step.grad_b[2], step.delta[2], **TOL)  # BP3
    assert_allclose(step.grad_b[1], step.delta[1], **TOL)
    assert_allclose(step.grad_w[2], [[-0.0464447054, -0.0373074216]], **TOL)  # BP4
    assert_allclose(step.grad_w[1], [[0, -0.0035069530], [0, -0.0149229687]], **TOL)
    assert_allclose(step.w_before[2], [[0.2, 0.8]], **TOL)
    assert_allclose(step.w_after[2], [[0.2185778822, 0.8149229687]], **TOL)
    assert_allclose(step.b_after[2], [0.7798459373], **TOL)
    assert_allclose(step.w_after[1], [[1, 0.5014027812], [0.1, 0.0059691875]], **TOL)
    assert_allclose(step.b_after[1], [0.0014027812, 0.0059691875], **TOL)
    assert step.cost_before == pytest.approx((0.7815107116 - 1) ** 2, abs=1e-9)
    # the network really took the step: its parameters are the "after" values
    assert_allclose(net.weights[0], step.w_after[1], rtol=0, atol=0)
    assert_allclose(net.biases[1], step.b_after[2], rtol=0, atol=0)
    assert step.cost_after == net.evaluate([0, 1], [1])["cost"]
    assert step.cost_after < step.cost_before


def test_e2_step_matches_the_checked_values():
    step = explain_step(e2_network(), [0.1, 0.3], [1.0], lr=0.01)
    assert_allclose(step.z[1], [-0.02], **TOL)
    assert_allclose(step.a[1], [0.4950001667], **TOL)
    assert_allclose(step.z[2], [0.0495000167], **TOL)
    assert_allclose(step.a[2], [0.5123724780], **TOL)
    assert_allclose(step.delta[2], [-0.1218322354], **TOL)
    assert_allclose(step.delta[1], [-0.0030455013], **TOL)
    assert_allclose(step.grad_w[2], [[-0.0603069768]], **TOL)
    assert_allclose(step.grad_w[1], [[-0.0003045501, -0.0009136504]], **TOL)
    assert_allclose(step.w_after[2], [[0.1006030698]], **TOL)
    assert_allclose(step.w_after[1], [[0.4000030455, -0.1999908635]], **TOL)
    assert_allclose(step.b_after[2], [0.0012183224], **TOL)
    assert_allclose(step.b_after[1], [0.0000304550], **TOL)


def test_e1_and_e4_forward_values():
    relu = fcnn.Network([2, 3], "relu")
    relu.weights[0] = [[-0.2, 0.4], [0.3, 0.1], [-0.5, -0.3]]
    relu.biases[0] = [-0.3, 0.1, 0]
    step = explain_step(relu, [-1, 1], [0, 0, 0], lr=0.1)
    assert_allclose(step.z[1], [0.3, -0.1, 0.2], **TOL)
    assert_allclose(step.a[1], [0.3, 0, 0.2], **TOL)

    softmax = fcnn.Network([1, 3], "softmax", "log_likelihood")
    softmax.weights[0] = [[2], [1], [-1]]
    softmax.biases[0] = 0
    step = explain_step(softmax, [1], 0, lr=0.1)
    assert_allclose(step.a[1], [0.7053845127, 0.2594964603, 0.0351190270], **TOL)
    assert_allclose(step.delta[1], step.a[1] - [1, 0, 0], rtol=0, atol=1e-15)


def test_table_names_every_quantity_and_the_bp_equation_behind_it():
    step = explain_step(e3_network(), [0, 1], [1], lr=0.4)
    table = step.table()
    assert str(step) == table
    lines = table.splitlines()

    def row(name, rule_part):
        found = [line for line in lines if line.split()[:1] == [name] and rule_part in line]
        assert len(found) == 1, (name, rule_part, table)
        return found[0]

    assert "eta = 0.4" in lines[0] and "0.0477376" in lines[1]
    assert row("z^2", "w^2 a^1 + b^2").endswith("[1.27449]")
    assert row("a^1", "sigmoid(z^1)").endswith("[0.622459, 0.5]")
    assert row("delta^2", "BP1").endswith("[-0.0746148]")
    assert row("delta^1", "BP2: ((w^2)^T delta^2) * f'(z^1)").endswith("[-0.00350695, -0.014923]")
    assert row("dC/db^2", "BP3").endswith("[-0.0746148]")
    assert row("dC/dw^2", "BP4: delta^2 (a^1)^T").endswith("[[-0.0464447, -0.0373074]]")
    assert row("w^2", "after").endswith("[[0.218578, 0.814923]]")
    assert row("b^2", "before").endswith("[0.75]")
    # a matrix continues on the next line, aligned under its first row
    first = lines.index(row("dC/dw^1", "BP4"))
    assert lines[first + 1].strip() == "[0, -0.014923]]"
    assert lines[first + 1].index("[") == lines[first].index("[[") + 1


def test_big_layers_are_elided_and_matched_pairs_named():
    rng = np.random.default_rng(0)
    net = fcnn.Network([50, 40, 3], ["relu", "softmax"], "log_likelihood", seed=1)
    step = explain_step(net, rng.normal(size=50), 2, lr=0.1)
    table = step.table(max_vector=12, max_matrix=36)
    assert "(40 x 50)" in table and "(40 values)" in table and "..." in table
    assert "BP1: a^L - y (softmax + log-likelihood" in table
    assert len(table.splitlines()) < 60
    assert max(len(line) for line in table.splitlines()) < 250
    full = step.table(max_vector=100, max_matrix=10_000)
    assert "..." not in full and len(full.splitlines()) > 80


def test_batch_step_with_prelu_moves_every_parameter_by_minus_lr_gradient():
    rng = np.random.default_rng(1)
    net = fcnn.Network([4, 5, 3, 2], ["prelu", "tanh", "sigmoid"], "cross_entropy", seed=2)
    X, Y = rng.normal(size=(3, 4)), rng.uniform(size=(3, 2))
    step = explain_step(net, X, Y, lr=0.3)
    assert step.z[1].shape == (3, 5) and step.delta[3].shape == (3, 2)
    assert step.grad_slopes[1] is not None and step.grad_slopes[2] is None
    assert np.any(step.grad_slopes[1] != 0)
    for l in (1, 2, 3):
        for before, after, gradient in (
            (step.w_before, step.w_after, step.grad_w),
            (step.b_before, step.b_after, step.grad_b),
        ):
            assert_allclose(after[l], before[l] - 0.3 * gradient[l], rtol=1e-13, atol=1e-15)
            assert np.any(after[l] != before[l])
    assert_allclose(
        step.slopes_after[1],
        step.slopes_before[1] - 0.3 * step.grad_slopes[1],
        rtol=1e-13,
        atol=1e-15,
    )
    assert_allclose(net.params[0]["slopes"], step.slopes_after[1], rtol=0, atol=0)
    assert "alpha^1" in step.table() and "dC/dalpha^1" in step.table()


def test_deltas_are_the_networks_and_satisfy_bp1_bp2():
    rng = np.random.default_rng(2)
    net = fcnn.Network([3, 4, 4, 2], ["swish", "sigmoid", "linear"], "quadratic", seed=3)
    X, Y = rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    copy = fcnn.Network.from_state(*net.state())  # the network before the step
    step = explain_step(net, X, Y, lr=0.5)
    grads = copy.gradients(X, Y)
    _, deltas, grad_w, _ = reference.backprop(
        list(copy.weights), list(copy.biases), copy.activations, copy.cost, X, Y
    )
    for l in (1, 2, 3):
        assert_allclose(step.delta[l], grads.delta[l], rtol=0, atol=0)
        assert_allclose(step.delta[l], deltas[l], rtol=1e-12, atol=1e-15)
        assert_allclose(step.grad_w[l], grad_w[l - 1], rtol=1e-12, atol=1e-15)
    assert_allclose(step.delta[3], step.a[3] - Y, rtol=1e-14)  # BP1, quadratic + linear
    for l in (1, 2):  # BP2 from the explanation's own numbers
        f_prime = copy.activations[l - 1].derivative(step.z[l])
        assert_allclose(
            step.delta[l],
            (step.delta[l + 1] @ step.w_before[l + 1]) * f_prime,
            rtol=1e-12,
            atol=1e-15,
        )


def test_a_step_that_is_not_minus_lr_gradient_is_caught(monkeypatch):
    net = e3_network()
    correct_step = net.step
    monkeypatch.setattr(net, "step", lambda X, Y, lr: correct_step(X, Y, lr * 1.001))
    with pytest.raises(RuntimeError, match=r"the step moved w\^1"):
        explain_step(net, [0, 1], [1], lr=0.4)


def test_float32_step():
    rng = np.random.default_rng(3)
    net = fcnn.Network([6, 5, 3], ["relu", "softmax"], "log_likelihood", dtype="float32", seed=0)
    step = explain_step(net, rng.normal(size=(4, 6)), [0, 1, 2, 1], lr=1.0)
    assert step.w_after[1].dtype == np.float32
    assert isinstance(step, StepExplanation) and "StepExplanation(layers=2" in repr(step)


@pytest.mark.parametrize(
    "arguments,error,message",
    [
        (dict(lr=0), ValueError, "lr"),
        (dict(lr=-0.1), ValueError, "lr"),
        (dict(lr=float("nan")), ValueError, "lr"),
        (dict(lr="fast"), TypeError, "lr"),
        (dict(x=[1, 2, 3]), ValueError, "x must have shape"),
        (dict(y=[1, 2]), ValueError, "y"),
        (dict(net=None), TypeError, "net must be an fcnn.Network"),
    ],
)
def test_bad_arguments_leave_the_network_alone(arguments, error, message):
    net = e3_network()
    before = net.theta.tobytes()
    call = dict(net=net, x=[0, 1], y=[1], lr=0.4)
    call.update(arguments)
    with pytest.raises(error, match=message):
        explain_step(call["net"], call["x"], call["y"], call["lr"])
    assert net.theta.tobytes() == before
