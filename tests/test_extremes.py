"""Numerical extremes: every activation and cost, in NumPy and in the core, stays finite
and raises no floating-point warning at z = +-1000 and +-1e30 and where outputs round to
exactly 0 or 1; softmax ignores a shift of its inputs; a run that overflows ends in
fcnn.DivergenceError and leaves the parameters from before the epoch that diverged; a
product too big for a 32-bit count of its multiply-adds still goes to BLAS.

`strict()` turns every floating-point event (overflow, underflow, 0/0, x/0) and every
warning into an exception, so "no warning" is checked, not assumed.
"""

import contextlib
import platform
import re
import warnings

import numpy as np
import pytest
from conftest import RTOL
from numpy.testing import assert_allclose
from scipy.special import logsumexp

import fcnn
import fcnn.progress
from fcnn import activations, costs

threadpoolctl = pytest.importorskip("threadpoolctl")

ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "prelu"]
ELEMENTWISE += ["gelu", "gelu_tanh", "elu", "selu", "softplus", "mish"]
Z = np.array([-1e30, -1000.0, -1.0, 0.0, 1.0, 1000.0, 1e30])
SMALL_Z = Z[1:-1]  # float32 gradients of |z| = 1e30 exceed float32 (1e30 * 1e30)


@contextlib.contextmanager
def strict():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def identity_net(activation, n, dtype="float64", cost="quadratic"):
    """w = I, b = 0 in every layer: predict(z) = f(z). PReLU, which may only be hidden,
    is followed by an identity linear output layer."""
    layers = [activation, "linear"] if activation == "prelu" else [activation]
    net = fcnn.Network([n] * (len(layers) + 1), layers, cost, dtype=dtype, seed=0)
    for w, b in zip(net.weights, net.biases):
        w[...] = np.eye(n)
        b[...] = 0
    return net


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_numpy_activations_are_finite_and_quiet_at_extremes(name, dtype):
    f = activations.get(name)
    z = Z.astype(dtype)
    with strict():
        a = f(z)
        slope = None if name == "softmax" else f.derivative(z)
    assert np.isfinite(a).all() and a.dtype == dtype
    if name == "softmax":
        assert a.sum() == pytest.approx(1) and a[-1] == 1 and a[0] == 0
    else:
        assert np.isfinite(slope).all()
    if name in ("sigmoid", "tanh"):
        assert a[0] == (0 if name == "sigmoid" else -1) and a[-1] == 1 and slope[-1] == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_core_activations_are_finite_and_quiet_at_extremes(name, dtype):
    """predict and trace at z = +-1000 and +-1e30 equal the NumPy reference; the
    back-propagated delta of the quadratic cost with y = 0 equals a f'(z) (for softmax,
    J^T a with the Jacobian J = diag(a) - a a^T)."""
    z = Z.astype(dtype)[np.newaxis]
    net = identity_net(name, z.shape[1], dtype)
    with strict():
        predicted = net.predict(z)
        trace = net.trace(z)
    assert np.array_equal(trace.z[1], z)
    reference = activations.get(name)(z.astype(np.float64))
    assert np.isfinite(predicted).all()
    assert_allclose(predicted, reference, rtol=RTOL[dtype], atol=1e-300)

    small = (Z if dtype == np.float64 else SMALL_Z).astype(dtype)[np.newaxis]
    net = identity_net(name, small.shape[1], dtype)
    with strict():
        gradients = net.gradients(small, np.zeros_like(small))
    a = activations.get(name)(small.astype(np.float64))[0]
    if name == "softmax":
        expected = (np.diag(a) - np.outer(a, a)) @ a
    else:
        expected = a * activations.get(name).derivative(small.astype(np.float64))[0]
    assert np.isfinite(gradients.flat).all() and np.isfinite(gradients.cost)
    assert_allclose(gradients.delta[1][0], expected, rtol=RTOL[dtype], atol=1e-300)


# ---------------------------------------------------------------- costs

BOUNDARY = [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]  # (a, y)
EXACT = {  # C(a, y) and dC/da at the boundary, the limits of -y ln a - (1 - y) ln(1 - a)
    "cross_entropy": {
        (0, 0): (0, 1),
        (1, 1): (0, -1),
        (1, 0): (np.inf, np.inf),
        (0, 1): (np.inf, -np.inf),
    },
    "log_likelihood": {(0, 0): (0, 0), (1, 1): (0, -1), (1, 0): (0, 0), (0, 1): (np.inf, -np.inf)},
}


@pytest.mark.parametrize(
    "name", ["quadratic", "squared_error", "absolute_error", "cross_entropy", "log_likelihood"]
)
@pytest.mark.parametrize("a,y", BOUNDARY)
def test_numpy_costs_at_outputs_of_exactly_0_and_1(name, a, y):
    """Finite where the cost is (a right answer, or y = 0 for log-likelihood), +-inf
    exactly where it is not (a sure wrong answer), and never a warning or 0/0."""
    cost = costs.get(name)
    with strict():
        value = cost(np.array([a]), np.array([y]))
        slope = cost.derivative(np.array([a]), np.array([y]))[0]
    if name in EXACT:
        assert (value, slope) == EXACT[name][(a, y)]
    else:
        assert np.isfinite(value) and np.isfinite(slope)


@pytest.mark.parametrize("name", ["cross_entropy", "log_likelihood"])
def test_numpy_cost_derivatives_keep_their_form_inside_0_1(name):
    a, y = np.linspace(0.01, 0.99, 50), np.linspace(0.99, 0.0, 50)
    textbook = (a - y) / (a * (1 - a)) if name == "cross_entropy" else -y / a
    assert_allclose(costs.get(name).derivative(a, y), textbook, rtol=1e-13, atol=1e-13)


def stable_reference(output, cost, z, y):
    """Cost and dC/dz of one example from z, in float64, without rounding a to 0 or 1:
    ln sigmoid(z) = -softplus(-z), ln a_j = z_j - lse(z), ln(1 - a_j) = lse(z_-j) - lse(z)."""
    if output == "sigmoid":
        a = activations.Sigmoid()(z)
        if cost == "cross_entropy":
            return np.sum(np.logaddexp(0, z) - y * z), a - y
        return np.sum(y * np.logaddexp(0, -z)), -y * (1 - a)
    z = z - z.max()  # softmax ignores a shift; lse(z) then keeps its last digits
    lse = logsumexp(z)
    a = np.exp(z - lse)
    if cost == "log_likelihood":
        return -np.sum(y * (z - lse)), a * y.sum() - y
    # C = -sum_j y_j ln a_j + (1 - y_j) ln(1 - a_j); d ln(1 - a_j)/dz = b_j - a, where b_j
    # is the softmax of z without z_j (0 at j)
    n = len(z)
    others = [np.where(np.arange(n) == j, -np.inf, z) for j in range(n)]
    log_rest = np.array([logsumexp(o) for o in others]) - lse
    b = np.array([np.exp(o - logsumexp(o)) for o in others])
    value = -np.sum(y * (z - lse) + (1 - y) * log_rest)
    slope = -(y.sum() * (-a) + y) - ((1 - y) @ b - (1 - y).sum() * a)
    return value, slope


SATURATED = [(1000.0, -1000.0), (-1000.0, 1000.0), (1e30, -1e30), (1000.0, 1000.0), (-1e30, -1e30)]
TARGETS = [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0)]


def core_cost_cases():
    """(dtype, output, cost, z) at saturation, where outputs round to 0 and 1."""
    for dtype in (np.float64, np.float32):
        for output, cost in [
            ("sigmoid", "cross_entropy"),
            ("sigmoid", "log_likelihood"),
            ("softmax", "log_likelihood"),
            ("softmax", "cross_entropy"),
        ]:
            for z in SATURATED:
                if dtype == np.float32 and abs(z[0]) > 1e3:
                    continue  # gradients of z * x = 1e60 are beyond float32 anyway
                yield pytest.param(
                    dtype, output, cost, z, id=f"{np.dtype(dtype).name}-{output}-{cost}-{z}"
                )


def core_costs(dtype, output, cost, z):
    """[(cost, Gradients, the reference's cost, its dC/dz)] for each 0/1 target."""
    z = np.array([z])
    found = []
    for y in TARGETS:
        y = np.array([y])
        if output == "softmax" and y.sum() != 1:
            continue
        net = identity_net(output, 2, dtype, cost)
        with strict():
            value, gradients = net.evaluate(z, y)["cost"], net.gradients(z, y)
        found.append((value, gradients, *stable_reference(output, cost, z[0], y[0])))
    return found


@pytest.mark.parametrize("dtype,output,cost,z", list(core_cost_cases()))
def test_core_costs_are_finite_where_outputs_round_to_0_and_1(dtype, output, cost, z):
    for value, gradients, _, _ in core_costs(dtype, output, cost, z):
        assert np.isfinite(value) and np.isfinite(gradients.flat).all()


@pytest.mark.parametrize("dtype,output,cost,z", list(core_cost_cases()))
def test_core_costs_are_exact_where_outputs_round_to_0_and_1(dtype, output, cost, z):
    """The core takes the logarithms from z, so the cost and the output error are those
    of the exact formulas even where a itself is exactly 0 or 1."""
    for value, gradients, expected_value, expected_delta in core_costs(dtype, output, cost, z):
        assert value == pytest.approx(expected_value, rel=RTOL[dtype], abs=1e-300)
        assert_allclose(gradients.delta[1][0], expected_delta, rtol=RTOL[dtype], atol=1e-12)


@pytest.mark.parametrize("name", ["quadratic", "squared_error", "absolute_error"])
def test_core_distance_costs_at_extremes(name):
    z = Z[np.newaxis]
    y = np.flip(Z)[np.newaxis] / 2
    net = identity_net("linear", Z.size, "float64", name)
    with strict():
        value = net.evaluate(z, y)["cost"]
        gradients = net.gradients(z, y)
    assert value == pytest.approx(costs.get(name)(z, y)[0], rel=1e-15)
    assert_allclose(gradients.delta[1][0], costs.get(name).derivative(z, y)[0], rtol=1e-15)


# ---------------------------------------------------------------- softmax shift

DYADIC = np.array([-3.5, -1.25, 0.0, 0.75, 2.0, 6.125])  # exact after adding 1e7
INTEGERS = np.array([-7.0, -2.0, 0.0, 1.0, 3.0, 5.0])  # exact in float32 after adding 1e7


def test_softmax_ignores_a_shift_reference():
    f = activations.Softmax()
    with strict():
        assert np.array_equal(f(DYADIC + 1e7), f(DYADIC))
        assert np.array_equal(
            f(INTEGERS.astype(np.float32) + np.float32(1e7)), f(INTEGERS.astype(np.float32))
        )
        z = np.random.default_rng(0).normal(scale=3, size=(50, 6))
        shifted = f(z + 1e7)
    # z + 1e7 rounds to the float64 grid spacing 2^-29 near 1e7 (error <= 2^-30), so each
    # difference z_j - max z moves by <= 2^-29 and each a_j by a relative <= 2 * 2^-29.
    assert_allclose(shifted, f(z), rtol=2**-28, atol=0)
    assert not np.array_equal(shifted, f(z))  # the rounding is really there


@pytest.mark.parametrize("dtype,z", [(np.float64, DYADIC), (np.float32, INTEGERS)])
def test_softmax_ignores_a_shift_core(dtype, z):
    net = identity_net("softmax", z.size, dtype, "log_likelihood")
    shift = dtype(1e7)
    with strict():
        assert np.array_equal(net.predict(z.astype(dtype) + shift), net.predict(z.astype(dtype)))
        rows = np.random.default_rng(1).normal(scale=3, size=(50, z.size)).astype(dtype)
        shifted = net.predict(rows + shift)
    if dtype == np.float64:
        assert_allclose(shifted, net.predict(rows), rtol=2**-28, atol=0)
    # float32: the spacing near 1e7 is 1, so only integer z survive the shift exactly


# ---------------------------------------------------------------- divergence


def data(dtype, n=64, features=6, classes=3):
    rng = np.random.default_rng(0)
    return rng.random((n, features)).astype(dtype), rng.integers(classes, size=n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden", ["relu", "linear"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_inputs_at_the_largest_float_end_in_divergence(dtype, hidden, optimizer):
    X, y = data(dtype)
    huge = X * np.finfo(dtype).max  # finite: X < 1
    net = fcnn.Network([6, 5, 3], [hidden, "softmax"], "log_likelihood", dtype=dtype, seed=1)
    net.fit(X, y, epochs=1, optimizer=fcnn.Adam() if optimizer == "adam" else fcnn.SGD(0.1))
    theta, states, t = net.theta.copy(), [s.copy() for s in net.optimizer.states], net.optimizer.t
    with (
        strict(),
        pytest.raises(fcnn.DivergenceError, match="training diverged in epoch 1.*layer 1") as error,
    ):
        net.fit(huge, y, epochs=3, batch_size=8)
    assert error.value.epoch == 1 and error.value.layer == 1
    assert np.array_equal(net.theta, theta) and np.isfinite(net.theta).all()
    assert all(np.array_equal(s, k) for s, k in zip(net.optimizer.states, states))
    assert net.optimizer.t == t
    net.fit(X, y, epochs=1)  # still trains on sane data
    assert np.isfinite(net.theta).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "swish"])
@pytest.mark.parametrize("output", ["linear", "softmax"])
def test_finite_inputs_that_overflow_the_network_raise_naming_the_layer(dtype, hidden, output):
    """predict returned NaN rows and evaluate {'cost': nan, 'accuracy': 0.0} (1.0 with
    all-zero labels), silently."""
    X, _ = data(dtype, n=40, classes=2)
    X[17] = np.finfo(dtype).max / 4  # finite, but z^1 = sum of six of them is not
    net = fcnn.Network([6, 5, 2], [hidden, output], dtype=dtype, seed=1)
    net.weights[0] = 1.0
    net.weights[1] = 1.0
    message = rf"row 17 of X .*overflowed {np.dtype(dtype).name} in layer 1"
    with strict(), pytest.raises(FloatingPointError, match=message):
        net.predict(X)
    with strict(), pytest.raises(FloatingPointError, match=message):
        net.evaluate(X, np.zeros(40, dtype=int))
    with strict(), pytest.raises(FloatingPointError, match="row 0 of X .*layer 1"):
        net.predict(X[17])  # one sample too (the latency path hands it on)
    assert np.isfinite(net.predict(np.delete(X, 17, axis=0))).all()


def test_saturating_sigmoids_absorb_the_largest_inputs():
    """Not every overflow diverges: sigmoid(inf) = 1 exactly, its derivative 0, so the
    first layer stops learning, and the parameters stay finite."""
    X, y = data(np.float64)
    net = fcnn.Network([6, 5, 3], ["sigmoid", "softmax"], "log_likelihood", seed=1)
    with strict():
        net.fit(X * np.finfo(np.float64).max, y, epochs=2, batch_size=8)
    assert np.isfinite(net.theta).all()


@pytest.mark.parametrize("dtype,lr", [(np.float64, 1e300), (np.float32, 1e38)])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_an_enormous_learning_rate_ends_in_divergence(dtype, lr, optimizer):
    X, y = data(dtype)
    net = fcnn.Network([6, 5, 3], ["relu", "softmax"], "log_likelihood", dtype=dtype, seed=1)
    before = net.theta.copy()
    make = fcnn.SGD(lr, momentum=0.9) if optimizer == "momentum" else fcnn.SGD(lr)
    with (
        strict(),
        pytest.raises(
            fcnn.DivergenceError,
            match=re.escape(f"Try a smaller learning rate (this epoch's was {lr:g})"),
        ) as error,
    ):
        net.fit(X, y, epochs=3, batch_size=8, optimizer=make)
    assert error.value.epoch == 1 and error.value.layer in (1, 2)
    assert np.array_equal(net.theta, before)
    assert all(not s.any() for s in net.optimizer.states)  # the velocity from before: zero


def test_divergence_in_a_later_epoch_keeps_the_epoch_before():
    """A linear hidden layer cannot absorb the jump the way dead ReLUs or saturated
    sigmoids can: with w ~ 1e300 both layers' product overflows."""

    class Explode(fcnn.schedules.Schedule):
        def lr(self, epoch, base_lr):
            return 1e300 if epoch == 2 else base_lr

    X, y = data(np.float64)
    with fcnn.threads.limit(1):
        net = fcnn.Network([6, 5, 3], ["linear", "softmax"], "log_likelihood", seed=1)
        with strict(), pytest.raises(fcnn.DivergenceError) as error:
            net.fit(X, y, epochs=4, batch_size=8, lr=0.5, lr_schedule=Explode(), seed=2)
        twin = fcnn.Network([6, 5, 3], ["linear", "softmax"], "log_likelihood", seed=1)
        twin.fit(X, y, epochs=2, batch_size=8, lr=0.5, seed=2)
    assert error.value.epoch == 3
    assert np.array_equal(net.theta, twin.theta)


def test_step_with_an_enormous_learning_rate_keeps_the_last_good_parameters():
    X, y = data(np.float64)
    net = fcnn.Network([6, 5, 3], ["linear", "softmax"], "log_likelihood", seed=1)
    with strict():
        for _ in range(5):
            before = net.theta.copy()
            try:
                net.step(X, y, 1e300)
            except fcnn.DivergenceError:
                break
        else:
            pytest.fail("five steps of lr 1e300 did not diverge")
    assert np.array_equal(net.theta, before) and np.isfinite(net.theta).all()


def test_big_products_go_to_blas_not_to_loops():
    """The core's choice of routine per product: a count m n k past 2^31 once wrapped
    negative, so a 10,000-row batch of a 784-512 layer ran as three plain loops (a
    C epoch at batch 10,000 took 80 s instead of 0.6 s)."""
    from fcnn import _core

    assert _core.product_routine(10_000, 512, 784) == "gemm"
    assert _core.product_routine(8192, 512, 784) == "gemm"
    assert _core.product_routine(46_341, 46_341, 2) == "gemm"  # 2^32 + a little
    assert _core.product_routine(2, 3, 4) == "loops"
    assert _core.product_routine(1, 30, 784) == "gemv"
    assert _core.product_routine(30, 784, 1, beta_is_one=True) == "ger"


X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def gradual_underflow(dtype):
    """Whether this thread's arithmetic keeps subnormal results (not flushed to zero)."""
    tiny = np.finfo(dtype).tiny
    return np.array([tiny], dtype=dtype)[0] / dtype(4) != 0


@pytest.mark.skipif(not X86, reason="the core flushes subnormals only on x86")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_treats_subnormal_numbers_as_zero(dtype):
    """Products that read subnormals run some hundred times slower on x86, and a confident
    softmax makes them: the core trains with SSE's flush-to-zero modes on. From w = b = 0,
    a linear neuron's first update w += x (delta = a - y = -1, lr 1) leaves w at 0 when
    the subnormal input x reads as zero, and makes w = x otherwise."""
    subnormal = np.finfo(dtype).tiny / 4
    net = fcnn.Network([1, 1], "linear", "quadratic", dtype=dtype, seed=0)
    net.weights[0][:] = 0
    net.biases[0][:] = 0
    net.fit(
        np.array([[subnormal]], dtype=dtype),
        np.array([[1.0]], dtype=dtype),
        epochs=1,
        batch_size=1,
        lr=1.0,
        shuffle=False,
    )
    assert net.weights[0][0, 0] == 0
    assert net.biases[0][0] == 1
    # predict keeps gradual underflow: w = x gives a subnormal output
    net.weights[0][:] = 1
    net.biases[0][:] = 0
    assert net.predict(np.array([[subnormal]], dtype=dtype))[0, 0] == dtype(subnormal)


def test_fit_gives_the_caller_back_its_floating_point_mode(monkeypatch, capsys):
    """The flush-to-zero modes are the core's during an epoch only: not in the progress
    callback, not after fit returns, raises for bad input, or is interrupted."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 4)), rng.integers(0, 3, 400)
    net = fcnn.Network([4, 5, 3], ["relu", "softmax"], "log_likelihood", seed=0)
    modes = []
    original = fcnn.progress.EpochProgress.update

    def recording(self, done, cost_sum):
        modes.append(gradual_underflow(np.float32) and gradual_underflow(np.float64))
        original(self, done, cost_sum)

    monkeypatch.setattr(fcnn.progress.EpochProgress, "update", recording)
    net.fit(X, y, epochs=1, batch_size=5, verbose=True)
    assert len(modes) > 10 and all(modes)
    assert gradual_underflow(np.float32) and gradual_underflow(np.float64)

    X_bad = X.copy()
    X_bad[300, 2] = np.nan
    with pytest.raises(ValueError, match="X"):
        net.fit(X_bad, y, epochs=1, batch_size=5)
    assert gradual_underflow(np.float32) and gradual_underflow(np.float64)

    def interrupt(self, done, cost_sum):
        raise KeyboardInterrupt

    monkeypatch.setattr(fcnn.progress.EpochProgress, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y, epochs=1, batch_size=5, verbose=True)
    assert gradual_underflow(np.float32) and gradual_underflow(np.float64)
