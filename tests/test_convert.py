"""Imports from scikit-learn: its MLPs (and fcnn's estimators) become Networks that predict
what the originals predict (to 1e-12 in float64) and train on with fcnn. PyTorch's:
test_convert_torch.py."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import fcnn
import fcnn.sklearn

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 6))
LABELS = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def fitted(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def trains_on(net, X, y):
    before = net.theta.copy()
    net.fit(X, y, epochs=3, batch_size=10, lr=0.05, seed=0)
    assert np.all(np.isfinite(net.theta)) and not np.array_equal(net.theta, before)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_sklearn_classifiers_and_regressors(activation):
    mlp = fitted(
        MLPClassifier([7, 5], activation=activation, max_iter=30, random_state=0), X, LABELS
    )
    net = fcnn.from_sklearn(mlp)
    assert net.sizes == (6, 7, 5, 3) and net.cost.name == "log_likelihood"
    assert net.dtype == np.float64
    assert_allclose(net.predict(X), mlp.predict_proba(X), rtol=1e-12, atol=1e-12)
    trains_on(net, X, LABELS)

    binary = fitted(
        MLPClassifier([4], activation=activation, max_iter=30, random_state=0), X, LABELS > 0
    )
    net = fcnn.from_sklearn(binary)
    assert net.sizes == (6, 4, 1) and net.cost.name == "cross_entropy"
    assert_allclose(net.predict(X)[:, 0], binary.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-12)

    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(X[:, 2])])
    regressor = fitted(
        MLPRegressor(hidden_layer_sizes=[8], activation=activation, max_iter=30, random_state=0),
        X,
        Y,
    )
    net = fcnn.from_sklearn(regressor)
    assert net.cost.name == "quadratic" and net.activations[-1].name == "linear"
    assert_allclose(net.predict(X), regressor.predict(X), rtol=1e-12, atol=1e-12)
    trains_on(net, X, Y)


def test_sklearn_poisson_regressor():
    counts = RNG.poisson(np.exp(0.3 * X[:, 0]))
    mlp = fitted(
        MLPRegressor(hidden_layer_sizes=[4], loss="poisson", max_iter=30, random_state=0), X, counts
    )
    net = fcnn.from_sklearn(mlp)
    assert net.activations[-1].name == "exp" and net.cost.name == "poisson"
    assert_allclose(net.predict(X)[:, 0], mlp.predict(X), rtol=1e-12, atol=1e-12)
    trains_on(net, X, counts)


def test_sklearn_float32_fcnn_drop_ins_and_fcnn_estimators():
    mlp = fitted(MLPClassifier([5], max_iter=20, random_state=0), X.astype(np.float32), LABELS)
    net = fcnn.from_sklearn(mlp)
    assert net.dtype == np.float32
    assert_allclose(
        net.predict(X.astype(np.float32)), mlp.predict_proba(X.astype(np.float32)), rtol=1e-6
    )

    drop_in = fitted(fcnn.sklearn.MLPClassifier([5], max_iter=20, random_state=0), X, LABELS)
    net = fcnn.from_sklearn(drop_in)
    assert_allclose(net.predict(X), drop_in.predict_proba(X), rtol=1e-12, atol=1e-12)
    net.weights[0][0, 0] += 1.0  # a copy, not the estimator's parameters
    assert_allclose(
        drop_in.predict_proba(X), fcnn.from_sklearn(drop_in).predict(X), rtol=1e-12, atol=1e-12
    )

    ours = fitted(fcnn.sklearn.FCNNClassifier([5], epochs=2, random_state=0), X, LABELS)
    net = fcnn.from_sklearn(ours)
    assert net is not ours.network_
    assert np.array_equal(net.predict(X), ours.predict_proba(X))
    assert fcnn.from_sklearn(ours, cost="quadratic").cost.name == "quadratic"


def test_sklearn_errors():
    with pytest.raises(TypeError, match="MLPClassifier or MLPRegressor .* got LinearRegression"):
        from sklearn.linear_model import LinearRegression

        fcnn.from_sklearn(LinearRegression())
    with pytest.raises(ValueError, match="estimator MLPRegressor is not fitted"):
        fcnn.from_sklearn(MLPRegressor())
    with pytest.raises(ValueError, match="estimator FCNNClassifier is not fitted"):
        fcnn.from_sklearn(fcnn.sklearn.FCNNClassifier())
