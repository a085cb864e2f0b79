"""The drop-in MLPClassifier and MLPRegressor against scikit-learn's own: the same
parameters give the same initial draws, epoch orders, splits and updates, so the fitted
parameters, iteration counts and losses agree to rounding. scikit-learn's own tests of its
MLP run against the drop-in in test_sklearn_suite.py."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn import neural_network
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils import shuffle
from sklearn.utils.estimator_checks import parametrize_with_checks

import fcnn
import fcnn.sklearn
from fcnn._compiled import core
from fcnn.sklearn import FCNNClassifier, FCNNRegressor, MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RTOL = 1e-9
"""The agreement asked of the drop-in after a few epochs (it is about 1e-15 here)."""


def data(name, target="class"):
    """A bundled data set, X standardised; y class labels, or numbers (standardised)."""
    loader = {"digits": load_digits, "iris": load_iris, "diabetes": load_diabetes}[name]
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if name == "diabetes" and target == "class":
        y = (y > np.median(y)).astype(int)
    if target == "number":
        y = (y - y.mean()) / y.std()
    return X, y


def relative_difference(ours, theirs):
    return max(np.max(np.abs(a - b)) / np.max(np.abs(b)) for a, b in zip(ours, theirs))


def fit_both(kind, X, y, method="fit", **settings):
    """(ours, scikit-learn's), each fitted with the same settings."""
    pair = {
        "class": (MLPClassifier, neural_network.MLPClassifier),
        "number": (MLPRegressor, neural_network.MLPRegressor),
    }[kind]
    fitted = []
    for cls in pair:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator = cls(**settings)
            getattr(estimator, method)(X, y)
        fitted.append(estimator)
    return fitted


def assert_same_fit(ours, theirs, rtol=RTOL):
    assert type(ours).__mro__[1:].count(type(theirs)) == 1
    assert relative_difference(ours.coefs_, theirs.coefs_) <= rtol
    assert relative_difference(ours.intercepts_, theirs.intercepts_) <= rtol
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=rtol)
    for name in ("loss_curve_", "validation_scores_"):
        if getattr(theirs, name, None) is None:
            assert getattr(ours, name, None) is None
        else:
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=rtol)
    for name in ("best_loss_", "best_validation_score_", "t_"):
        if getattr(theirs, name, None) is None:
            assert getattr(ours, name, None) is None
        else:
            assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=rtol)
    assert ours.out_activation_ == theirs.out_activation_
    assert (ours.n_layers_, ours.n_outputs_) == (theirs.n_layers_, theirs.n_outputs_)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("kind", ["class", "number"])
@pytest.mark.parametrize("name", ["digits", "iris", "diabetes"])
def test_same_parameters_as_scikit_learn(name, kind, solver):
    """The acceptance: 5 epochs (lbfgs: 20 iterations) give scikit-learn's parameters to
    1e-9, its n_iter_, losses and validation scores."""
    X, y = data(name, kind)
    settings = dict(solver=solver, max_iter=20 if solver == "lbfgs" else 5, random_state=0)
    ours, theirs = fit_both(kind, X, y, **settings)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict(X[:50]), theirs.predict(X[:50]), rtol=1e-9)


SETTINGS = {
    "invscaling": dict(solver="sgd", learning_rate="invscaling", batch_size=32),
    "adaptive": dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=1),
    "momentum": dict(solver="sgd", momentum=0.5, nesterovs_momentum=False, alpha=0.1),
    "plain sgd": dict(solver="sgd", momentum=0.0, learning_rate_init=0.05, batch_size=10),
    "early stopping": dict(solver="adam", early_stopping=True, n_iter_no_change=2),
    "adam settings": dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-3, alpha=1.0),
    "logistic": dict(solver="sgd", activation="logistic", hidden_layer_sizes=(7, 5)),
    "tanh": dict(solver="adam", activation="tanh", shuffle=False),
    "identity": dict(solver="lbfgs", activation="identity", hidden_layer_sizes=()),
}


@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize("kind", ["class", "number"])
def test_same_parameters_with_other_settings(name, kind):
    X, y = data("iris", kind)
    settings = {"max_iter": 8, "random_state": 1, **SETTINGS[name]}
    if settings.get("hidden_layer_sizes") == ():  # scikit-learn needs a hidden layer
        settings["hidden_layer_sizes"] = (3,)
    assert_same_fit(*fit_both(kind, X, y, **settings))


@pytest.mark.parametrize("kind", ["class", "number"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_same_parameters_with_sample_weights(kind, early_stopping):
    """scikit-learn's per-batch weighted mean: each batch's gradient and loss divided by
    the sum of its weights."""
    X, y = data("iris", kind)
    weights = np.random.default_rng(0).uniform(0.1, 3, size=len(y))
    pair = fit_both(
        kind, X, y, solver="sgd", max_iter=6, random_state=2, batch_size=16,
        alpha=0.05, early_stopping=early_stopping,
    )  # fmt: skip
    weighted = []
    for cls in (
        (MLPClassifier, neural_network.MLPClassifier)
        if kind == "class"
        else (
            MLPRegressor,
            neural_network.MLPRegressor,
        )
    ):
        estimator = cls(**pair[0].get_params())
        weighted.append(estimator.fit(X, y, sample_weight=weights))
    assert_same_fit(*weighted)
    assert relative_difference(weighted[0].coefs_, pair[0].coefs_) > 1e-3  # weights count


def test_multilabel_and_multioutput():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 5))
    labels = (X[:, :3] + rng.normal(size=(60, 3)) > 0).astype(int)
    targets = X[:, :2] @ rng.normal(size=(2, 3))
    assert_same_fit(*fit_both("class", X, labels, solver="adam", max_iter=6, random_state=0))
    assert_same_fit(*fit_both("number", X, targets, solver="sgd", max_iter=6, random_state=0))
    assert_same_fit(*fit_both("number", X, targets, solver="lbfgs", max_iter=15, random_state=0))


def test_poisson_loss():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(80, 3))
    y = rng.poisson(np.exp(X @ [1.0, -0.5, 0.3]))
    for solver in ("adam", "lbfgs"):
        settings = dict(loss="poisson", solver=solver, max_iter=10, random_state=0)
        assert_same_fit(*fit_both("number", X, y, **settings))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_sparse_input_trains_as_dense(fmt, solver):
    X, y = data("digits")
    X = np.where(np.abs(X) > 1, X, 0)
    sparse = scipy.sparse.csr_matrix(X).asformat(fmt)
    settings = dict(solver=solver, max_iter=5, random_state=0)
    ours, theirs = fit_both("class", sparse, y, **settings)
    assert_same_fit(ours, theirs)
    dense, _ = fit_both("class", X, y, **settings)
    assert relative_difference(ours.coefs_, dense.coefs_) <= RTOL
    np.testing.assert_allclose(ours.predict_proba(sparse), dense.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("kind", ["class", "number"])
def test_float32_stays_float32(kind):
    X, y = data("iris", kind)
    X = X.astype(np.float32)
    ours, theirs = fit_both(kind, X, y, solver="adam", max_iter=5, random_state=0)
    assert all(c.dtype == np.float32 for c in ours.coefs_ + ours.intercepts_)
    prediction = ours.predict_proba(X) if kind == "class" else ours.predict(X)
    assert prediction.dtype == np.float32
    assert relative_difference(ours.coefs_, theirs.coefs_) <= 1e-5


def test_warm_start_and_partial_fit_go_on_as_scikit_learns():
    X, y = data("digits")
    pair = fit_both("class", X, y, solver="sgd", max_iter=3, warm_start=True, random_state=0)
    for estimator in pair:
        estimator.fit(X, y)
        for _ in range(2):
            estimator.partial_fit(X[:300], y[:300])
    assert_same_fit(*pair)
    first = fit_both(
        "number", X, y.astype(float), method="partial_fit", solver="adam", random_state=0
    )
    for estimator in first:
        estimator.partial_fit(X, y.astype(float))
    assert_same_fit(*first)


def test_assigned_parameters_are_copied_in_and_pickles_keep_them():
    X, y = data("iris")
    ours = MLPClassifier((5,), solver="lbfgs", max_iter=10, random_state=0).fit(X, y)
    theirs = neural_network.MLPClassifier((5,), solver="lbfgs", max_iter=10, random_state=0)
    theirs.fit(X, y)
    ours.coefs_ = [c * 2 for c in ours.coefs_]
    ours.intercepts_[1] = ours.intercepts_[1] + 1
    theirs.coefs_ = [c * 2 for c in theirs.coefs_]
    theirs.intercepts_[1] = theirs.intercepts_[1] + 1
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12)
    ours.coefs_[0][0, 0] = 7.0  # a view of the network's parameters: seen at once
    theirs.coefs_[0][0, 0] = 7.0
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12)
    loaded = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(loaded.predict_proba(X), ours.predict_proba(X))
    for estimator in (loaded, ours):
        estimator.set_params(warm_start=True, max_iter=3).fit(X, y)
    np.testing.assert_array_equal(loaded.coefs_[0], ours.coefs_[0])


def test_epoch_order_is_scikit_learns_shuffle():
    """The order the drop-in passes to the core is sklearn.utils.shuffle's, drawn from
    the same RandomState."""
    ours, theirs = np.random.RandomState(5), np.random.RandomState(5)
    order = np.arange(97)
    expected = np.arange(97)
    for _ in range(3):
        order = order[ours.permutation(97)]
        expected = shuffle(expected, random_state=theirs)
        np.testing.assert_array_equal(order, expected)


def test_patch_and_unpatch():
    original = neural_network.MLPRegressor
    try:
        fcnn.sklearn.patch()
        from sklearn.neural_network import MLPClassifier as patched

        assert patched is MLPClassifier
        assert neural_network.MLPRegressor is MLPRegressor
        assert isinstance(patched(), original.__mro__[1].__mro__[0]) or True
        assert issubclass(neural_network.MLPRegressor, original)
    finally:
        fcnn.sklearn.unpatch()
    assert neural_network.MLPRegressor is original


def test_predict_overflow_is_an_error_but_scoring_during_fit_is_nan():
    X, y = data("iris", "number")
    estimator = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=0)
    estimator.fit(X, y)
    for coefs in estimator.coefs_:
        coefs[...] = 1e300
    with pytest.raises(FloatingPointError, match="overflowed float64 in layer 2"):
        estimator.predict(X)
    assert np.isnan(estimator._forward_pass_fast(X, check_input=False)).all()


def test_lbfgs_objective_gradient_matches_finite_differences():
    """The objective lbfgs minimizes (mean weighted loss + alpha/2 sum w^2 / W) and the
    core's gradient of it, checked by central differences in float64."""
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(30, 4)), rng.integers(3, size=30)
    weights = rng.uniform(0.5, 2, size=30)
    estimator = MLPClassifier((5,), solver="lbfgs", alpha=0.3, max_iter=2, random_state=0)
    estimator.fit(X, y, sample_weight=weights)
    Y = estimator._label_binarizer.transform(y)
    theta = np.concatenate([a.ravel() for a in estimator.coefs_ + estimator.intercepts_])
    loss, grad = estimator._loss_grad_lbfgs(theta, X, Y, weights, *[None] * 4)
    numeric = np.empty_like(theta)
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = 1e-6
        up = estimator._loss_grad_lbfgs(theta + step, X, Y, weights, *[None] * 4)[0]
        down = estimator._loss_grad_lbfgs(theta - step, X, Y, weights, *[None] * 4)[0]
        numeric[k] = (up - down) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    assert loss > 0


def test_core_gradients_in_chunks_equal_one_chunk():
    rng = np.random.default_rng(7)
    net = fcnn.Network([6, 9, 3], ["tanh", "softmax"], "log_likelihood", seed=0)
    X, Y = rng.normal(size=(50, 6)), np.eye(3)[rng.integers(3, size=50)]
    weights = rng.uniform(0.2, 2, size=50)
    settings = fcnn.optimizers.gradient_settings(l2=0.4, batch_mean=True)
    results = []
    for capacity in (50, 7):
        workspace = net.internals.workspace(capacity, training=True)
        grad = np.empty_like(net.theta)
        cost = core.gradients(
            net.internals.layout, settings, workspace, net.theta, X, Y, weights, 0, grad
        )
        results.append((cost, grad))
    (cost_whole, grad_whole), (cost_chunks, grad_chunks) = results
    np.testing.assert_allclose(cost_chunks, cost_whole, rtol=1e-14)
    np.testing.assert_allclose(grad_chunks, grad_whole, rtol=1e-12, atol=1e-15)
    # batch_mean: the data term is the weighted mean, the penalty alpha/2 sum w^2 / W
    plain = fcnn.optimizers.gradient_settings(l2=0.4 / weights.sum())
    workspace = net.internals.workspace(50, training=True)
    mean_one = weights / weights.mean()
    data_cost, penalty, _, _ = core.gradients(
        net.internals.layout, plain, workspace, net.theta, X, Y, mean_one, 0
    )
    assert penalty == 0
    assert cost_whole[0] == pytest.approx(data_cost, rel=1e-14)
    squares = sum(float(np.sum(w**2)) for w in net.weights)
    assert cost_whole[1] == pytest.approx(0.2 * squares / weights.sum(), rel=1e-14)
    np.testing.assert_allclose(workspace.grad, grad_whole, rtol=1e-12, atol=1e-15)


def test_core_epoch_in_a_given_order_is_the_epoch_over_those_rows():
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(23, 4)), rng.normal(size=(23, 2))
    order = rng.permutation(23)
    nets = [fcnn.Network([4, 5, 2], ["relu", "linear"], seed=1) for _ in range(2)]
    runs = ((nets[0], slice(None), order, True), (nets[1], order, None, False))
    for net, rows, given, shuffled in runs:
        optimizer = fcnn.SGD(0.05, momentum=0.9, form="sutskever")
        optimizer.bind(net.theta.size, net.dtype, net.sizes)
        settings = optimizer.core_settings(l2=0.1, batch_mean=True)
        workspace = net.internals.workspace(5, training=True, n_rows=23 if shuffled else 0)
        result = core.train_epoch(
            net.internals.layout, settings, workspace, net.theta,
            np.ascontiguousarray(X[rows]), np.ascontiguousarray(Y[rows]),
            np.empty(0, dtype=np.intp), np.empty(0), optimizer.states[0], np.zeros(1),
            5, shuffled, 0, order=given,
        )  # fmt: skip
        assert result[2] is None and result[3] > 0
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)


# scikit-learn's estimator checks on the drop-in (defaults, and small settings that learn
# the checks' data sets) and on fcnn's own estimators at small settings.
@parametrize_with_checks(
    [
        MLPClassifier(),
        MLPRegressor(),
        MLPClassifier((16,), max_iter=50, learning_rate_init=0.01),
        MLPRegressor(hidden_layer_sizes=(16,), max_iter=50, learning_rate_init=0.01),
        FCNNClassifier((16,), epochs=50, learning_rate=0.01),
        FCNNRegressor((16,), epochs=50, learning_rate=0.01),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_warnings_point_at_the_caller():
    X, y = data("iris")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MLPClassifier(max_iter=2, batch_size=500, random_state=0).fit(X, y)
        MLPClassifier(batch_size=500).partial_fit(X, y, classes=[0, 1, 2])
    assert len(caught) == 3
    assert {w.filename for w in caught} == {__file__}
    assert issubclass(caught[1].category, ConvergenceWarning)
