"""The edges of the floating-point range: weights near the largest float, parameters that
overflow the network's dtype, hyperparameters in the subnormal range, step counts."""

import warnings

import numpy as np
import pytest

import fcnn
from fcnn.sklearn import FCNNClassifier

DTYPES = ["float64", "float32"]
# A power of two that puts 40 weights of up to 2 near the top of each dtype's range
# (their sum overflows); scaling by it is exact, so training must not see it at all.
HUGE = {"float64": 2.0**1020, "float32": 2.0**125}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int), rng.uniform(0.1, 2, 40)


def trained(dtype, X, y, **options):
    net = fcnn.Network([3, 4, 2], dtype=dtype, seed=0)
    history = net.fit(X, y, epochs=2, batch_size=8, seed=0, **options)
    return net, history


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_sample_weights_train_as_the_same_weights_scaled_down(data, dtype):
    X, y, w = data
    huge, plain = (
        trained(dtype, X, y, sample_weight=w * HUGE[dtype]),
        trained(dtype, X, y, sample_weight=w),
    )
    assert huge[1].cost == plain[1].cost
    assert np.array_equal(huge[0].theta, plain[0].theta)
    # not a power of two: equal to rounding
    near, _ = trained(dtype, X, y, sample_weight=w * {"float64": 2e307, "float32": 2.4e37}[dtype])
    np.testing.assert_allclose(near.theta, plain[0].theta, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_sample_weights_evaluate_and_differentiate_as_scaled_down(data, dtype):
    X, y, w = data
    net = fcnn.Network([3, 4, 2], dtype=dtype, seed=0)
    assert net.evaluate(X, y, sample_weight=w * HUGE[dtype]) == net.evaluate(X, y, sample_weight=w)
    huge = net.gradients(X, y, sample_weight=w * HUGE[dtype])
    plain = net.gradients(X, y, sample_weight=w)
    assert huge.cost == plain.cost
    assert np.array_equal(huge.flat, plain.flat)


def test_float64_weights_beyond_float32_train_a_float32_network(data):
    X, y, w = data
    huge, _ = trained("float32", X, y, sample_weight=w * 2.0**200)
    plain, _ = trained("float32", X, y, sample_weight=w)
    assert np.array_equal(huge.theta, plain.theta)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_class_weights_train_as_the_same_weights_scaled_down(data, dtype):
    X, y, _ = data
    scale = float(np.finfo(dtype).max) / 4  # class weights are float64 until scaled
    huge, history = trained(dtype, X, y, class_weight={0: scale, 1: 3 * scale})
    plain, _ = trained(dtype, X, y, class_weight={0: 1.0, 1: 3.0})
    assert np.isfinite(history.cost).all() and min(history.cost) > 0
    np.testing.assert_allclose(huge.theta, plain.theta, rtol=1e-5, atol=1e-6)


def test_classifier_with_huge_sample_weights_learns(data):
    X, y, w = data
    options = dict(epochs=3, tol=None, random_state=0)
    huge = FCNNClassifier(**options).fit(X, y, sample_weight=w * 1e307).loss_curve_
    plain = FCNNClassifier(**options).fit(X, y, sample_weight=w).loss_curve_
    assert min(huge) > 0
    np.testing.assert_allclose(huge, plain, rtol=1e-12)


@pytest.mark.parametrize("entry", ["fit", "evaluate", "gradients"])
def test_weights_that_are_all_zero_are_refused(data, entry):
    X, y, _ = data
    net = fcnn.Network([3, 4, 2], seed=0)
    call = getattr(net, entry)
    with pytest.raises(ValueError, match=r"the sample weights \(sample_weight\) must not all"):
        call(X, y, sample_weight=np.zeros(40))


# ---------------------------------------------------------------- parameter assignment


def test_assignment_that_overflows_float32_is_refused_without_a_warning():
    net = fcnn.Network([2, 2], dtype="float32", seed=0)
    before = net.theta.copy()
    with warnings.catch_warnings(), pytest.raises(ValueError) as raised:
        warnings.simplefilter("error")  # numpy's RuntimeWarning must not reach the user
        net.weights[0] = [[1e39, 1e39], [1.0, 1.0]]
    assert "weights[0]" in str(raised.value) and "overflow float32" in str(raised.value)
    assert np.array_equal(net.theta, before)


def test_whole_list_assignment_changes_nothing_unless_every_layer_passes():
    net = fcnn.Network([2, 3, 1], dtype="float32", seed=0)
    before = net.theta.copy()
    with pytest.raises(ValueError, match=r"biases\[1\] must be finite: its values overflow"):
        net.biases = [np.zeros(3), [1e39]]
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape"):
        net.weights = [np.zeros((3, 2)), np.zeros((3, 1))]
    assert np.array_equal(net.theta, before)
