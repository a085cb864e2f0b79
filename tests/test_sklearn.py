"""fcnn.sklearn: scikit-learn's own estimator checks, and the estimators at work in
pipelines, searches, pickles, online learning and on real data."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from conftest import run_python
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import fcnn
from fcnn.sklearn import FCNNClassifier, FCNNRegressor

# Short trainings stop at their epochs before the training cost settles; the warning that
# says so is tested in test_stopping_rules.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# Every check of scikit-learn's suite, one test each, on the estimators with their
# default parameters (the checks' data sets are small: both suites take about 2 s).
# Skips come only from scikit-learn itself:
# - check_classifiers_multilabel_output_format_decision_function: the estimators have no
#   decision_function, so scikit-learn skips it.
# - check_array_api_input: scikit-learn skips it unless SCIPY_ARRAY_API=1 was set before
#   SciPy was imported; test_array_api_check runs it in a process where it is set.
# - check_sample_weights_pandas_series, check_*_data_not_an_array: skipped when pandas is
#   not installed (they pass with it).
@parametrize_with_checks([FCNNClassifier(), FCNNRegressor()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_array_api_check(tmp_path):
    import scipy

    if tuple(int(part) for part in scipy.__version__.split(".")[:2]) < (1, 14):
        pytest.skip(f"scikit-learn's array API dispatch needs SciPy 1.14, not {scipy.__version__}")
    code = (
        "from sklearn.utils.estimator_checks import estimator_checks_generator\n"
        "from fcnn.sklearn import FCNNClassifier, FCNNRegressor\n"
        "ran = 0\n"
        "for estimator in (FCNNClassifier(epochs=5), FCNNRegressor(epochs=5)):\n"
        "    for instance, check in estimator_checks_generator(estimator):\n"
        "        if 'check_array_api_input' in repr(check):\n"
        "            check(instance)\n"
        "            ran += 1\n"
        "assert ran == 2, ran\n"
    )
    result = run_python(code, tmp_path, SCIPY_ARRAY_API="1")
    assert result.returncode == 0, result.stderr


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency

    for estimator in (FCNNClassifier(epochs=5), FCNNRegressor(epochs=5)):
        check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
    X, y = make_classification(n_samples=40, n_features=3, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = FCNNClassifier((4,), epochs=3, random_state=0).fit(frame, y)
    assert_array_equal(model.feature_names_in_, ["a", "b", "c"])
    assert not hasattr(FCNNClassifier(epochs=3).fit(X, y), "feature_names_in_")


def test_optional_dependency(tmp_path):
    """import fcnn leaves scikit-learn alone; fcnn.sklearn without it says what to install."""
    code = (
        "import sys\n"
        "import fcnn\n"
        "assert 'sklearn' not in sys.modules, 'import fcnn imported sklearn'\n"
        "sys.modules['sklearn'] = None\n"
        "try:\n"
        "    import fcnn.sklearn\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'pip install "fcnn[sklearn]"' in result.stdout


# ---------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def blobs():
    return make_classification(
        n_samples=120, n_features=5, n_informative=3, n_classes=3, random_state=0
    )


# ---------------------------------------------------------------------- real data


def test_digits_accuracy(digits):
    X_train, X_test, y_train, y_test = digits
    model = FCNNClassifier((64,), epochs=30, learning_rate=0.005, random_state=0)
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.9
    assert model.network_.sizes == (64, 64, 10)
    assert model.network_.activations[-1].name == "softmax"
    assert model.network_.cost.name == "log_likelihood"
    assert model.n_iter_ == len(model.loss_curve_) == model.history_.epochs
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 5


def test_smooth_regression():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(600, 2))
    y = np.sin(X[:, 0]) + np.cos(1.5 * X[:, 1])
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = FCNNRegressor(
        (32, 32), activation="tanh", epochs=150, learning_rate=0.01, random_state=0
    ).fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.9
    assert model.predict(X_test).shape == (150,)


def test_multi_label_and_multi_output_shapes():
    X, Y = make_multilabel_classification(n_samples=80, n_features=6, n_classes=4, random_state=0)
    model = FCNNClassifier((16,), epochs=20, random_state=0).fit(X, Y)
    assert model.network_.activations[-1].name == "sigmoid"
    assert model.network_.cost.name == "cross_entropy"
    assert_array_equal(model.classes_, np.arange(4))
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (80, 4)
    assert_array_equal(model.predict(X), (probabilities > 0.5).astype(int))
    with pytest.raises(ValueError, match="multi-label targets need 'sigmoid'"):
        FCNNClassifier(output_activation="softmax").fit(X, Y)
    with pytest.raises(ValueError, match="multi-class multi-output"):
        FCNNClassifier().fit(X, Y * np.arange(1, 5))

    targets = np.column_stack([X[:, 0] - X[:, 1], X.sum(axis=1), X[:, 2]])
    regressor = FCNNRegressor((8,), epochs=5, random_state=0).fit(X, targets)
    assert regressor.network_.sizes == (6, 8, 3)
    assert regressor.predict(X).shape == (80, 3)
    assert regressor.predict(X[:1]).shape == (1, 3)


# ---------------------------------------------------------------------- targets


def test_binary_uses_one_sigmoid_unit_and_string_labels():
    X, y = make_classification(n_samples=100, n_features=4, random_state=1)
    labels = np.where(y == 1, "spam", "ham")
    model = FCNNClassifier((8,), epochs=40, random_state=0).fit(X, labels)
    assert_array_equal(model.classes_, ["ham", "spam"])
    assert model.network_.sizes[-1] == 1 and model.n_outputs_ == 1
    p = model.network_.predict(X)[:, 0]  # the probability of classes_[1]
    probabilities = model.predict_proba(X)
    assert_array_equal(probabilities[:, 1], p)
    assert_array_equal(probabilities.sum(axis=1), np.ones(100))
    assert_array_equal(model.predict(X), np.where(p > 0.5, "spam", "ham"))
    assert model.score(X, labels) > 0.85

    softmax = FCNNClassifier((8,), output_activation="softmax", epochs=2).fit(X, labels)
    assert softmax.network_.sizes[-1] == 2
    assert softmax.network_.cost.name == "log_likelihood"


def test_one_vs_rest_sigmoids_are_normalised(blobs):
    X, y = blobs
    model = FCNNClassifier((8,), output_activation="sigmoid", epochs=5, random_state=0)
    probabilities = model.fit(X, y).predict_proba(X)
    outputs = model.network_.predict(X)
    assert model.network_.cost.name == "cross_entropy"
    np.testing.assert_allclose(probabilities, outputs / outputs.sum(axis=1, keepdims=True))


def test_class_weight_is_a_weight_per_label(blobs):
    X, y = blobs
    labels = np.array(["a", "b", "c"])[y]
    weighted = FCNNClassifier(
        (8,), epochs=5, random_state=3, class_weight={"a": 3.0, "c": 0.5}
    ).fit(X, labels)
    as_samples = FCNNClassifier((8,), epochs=5, random_state=3).fit(
        X, labels, sample_weight=np.select([labels == "a", labels == "c"], [3.0, 0.5], 1.0)
    )
    unweighted = FCNNClassifier((8,), epochs=5, random_state=3).fit(X, labels)
    assert_array_equal(weighted.network_.theta, as_samples.network_.theta)
    assert not np.array_equal(weighted.network_.theta, unweighted.network_.theta)

    counts = np.bincount(y)
    balanced = FCNNClassifier((8,), epochs=5, random_state=3, class_weight="balanced")
    by_hand = FCNNClassifier((8,), epochs=5, random_state=3).fit(
        X, y, sample_weight=len(y) / (3 * counts[y])
    )
    np.testing.assert_allclose(
        balanced.fit(X, y).network_.theta, by_hand.network_.theta, rtol=1e-12
    )
    with pytest.raises(ValueError, match="class_weight is for single-label"):
        FCNNClassifier(class_weight="balanced").fit(X, np.eye(3)[y])


# ---------------------------------------------------------------------- scikit-learn tools


def test_pipeline_grid_search_and_threads_give_the_same_scores(blobs):
    X, y = blobs
    pipeline = make_pipeline(
        StandardScaler(), FCNNClassifier((8,), epochs=15, learning_rate=0.01, random_state=0)
    )
    grid = {"fcnnclassifier__hidden_layer_sizes": [(4,), (12,)], "fcnnclassifier__l2": [0.0, 1.0]}
    serial = GridSearchCV(pipeline, grid, cv=3, n_jobs=1).fit(X, y)
    with joblib.parallel_backend("threading"):
        threaded = GridSearchCV(pipeline, grid, cv=3, n_jobs=2).fit(X, y)
        threaded_scores = cross_val_score(pipeline, X, y, cv=3, n_jobs=2)
    assert_array_equal(
        serial.cv_results_["mean_test_score"], threaded.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == threaded.best_params_
    assert_array_equal(cross_val_score(pipeline, X, y, cv=3, n_jobs=1), threaded_scores)
    assert threaded_scores.mean() > 0.6


def test_pickle_and_clone(blobs):
    X, y = blobs
    model = FCNNClassifier((8,), epochs=5, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert_array_equal(restored.predict(X), model.predict(X))
    restored.partial_fit(X, y)  # the optimizer's state came along
    assert restored.network_.optimizer.t == model.network_.optimizer.t + 4

    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "network_")
    assert_array_equal(copy.fit(X, y).network_.theta, model.network_.theta)


def test_same_random_state_same_model_and_dtype(blobs):
    X, y = blobs
    first = FCNNClassifier((8,), epochs=3, random_state=7).fit(X, y)
    second = FCNNClassifier((8,), epochs=3, random_state=7).fit(X, y)
    other = FCNNClassifier((8,), epochs=3, random_state=8).fit(X, y)
    assert_array_equal(first.network_.theta, second.network_.theta)
    assert not np.array_equal(first.network_.theta, other.network_.theta)
    # an int random_state is the Network's seed, for its initial parameters and shuffling
    net = fcnn.Network(
        [5, 8, 3], ["relu", "softmax"], "log_likelihood", init="xavier_uniform", seed=7
    )
    net.fit(X, y, epochs=3, batch_size=32, optimizer=fcnn.Adam(0.001))
    exact = FCNNClassifier((8,), epochs=3, tol=None, random_state=7).fit(X, y)
    assert_array_equal(exact.network_.theta, net.theta)

    single = FCNNClassifier((8,), epochs=3, random_state=7, dtype="float32").fit(X, y)
    assert single.network_.dtype == np.float32
    assert single.predict_proba(X).dtype == np.float32


# ---------------------------------------------------------------------- training


def test_partial_fit_continues_like_fit(blobs):
    X, y = blobs
    settings = dict(hidden_layer_sizes=(8,), batch_size=16, random_state=5, tol=None)
    steps_per_epoch = -(-len(X) // 16)
    # Without shuffling, two partial_fit calls are exactly one fit of two epochs (with
    # it, the second epoch of a fit reshuffles the first epoch's order: other batches).
    fitted = FCNNClassifier(epochs=2, shuffle=False, **settings).fit(X, y)
    online = FCNNClassifier(shuffle=False, **settings)
    online.partial_fit(X, y, classes=[0, 1, 2])
    assert online.network_.optimizer.t == steps_per_epoch
    online.partial_fit(X, y)
    assert online.network_.optimizer.t == 2 * steps_per_epoch  # Adam's state went on
    assert_array_equal(online.network_.theta, fitted.network_.theta)
    assert online.n_iter_ == 2
    assert online.loss_curve_ == fitted.loss_curve_

    shuffled = FCNNClassifier(**settings).partial_fit(X, y, classes=[0, 1, 2])
    network = shuffled.network_
    shuffled.partial_fit(X, y)
    assert shuffled.network_ is network and network.optimizer.t == 2 * steps_per_epoch
    fitted = FCNNClassifier(epochs=1, **settings).fit(X, y)
    assert shuffled.loss_curve_[0] == fitted.loss_curve_[0]  # the same first epoch
    fitted.partial_fit(X, y)  # partial_fit goes on from fit, too
    assert fitted.n_iter_ == 2 and fitted.network_.optimizer.t == 2 * steps_per_epoch

    with pytest.raises(ValueError, match="classes must be given on the first call"):
        FCNNClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="not the same as on the first call"):
        online.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="not among the classes"):
        online.partial_fit(X, y + 1)
    # one batch may hold fewer classes than the model knows
    FCNNClassifier((4,)).partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])

    regressor = FCNNRegressor((4,), random_state=0).partial_fit(X, X[:, 0])
    regressor.partial_fit(X, X[:, 0])
    assert regressor.n_iter_ == 2 and len(regressor.loss_curve_) == 2


def test_optimizer_instance_is_copied_never_changed(blobs):
    X, y = blobs
    adam = fcnn.Adam(lr=0.01)
    model = FCNNClassifier((8,), optimizer=adam, epochs=4, random_state=0).fit(X, y)
    assert adam.t == 0 and adam.states == []
    assert model.network_.optimizer is not adam and model.network_.optimizer.t > 0
    named = FCNNClassifier((8,), learning_rate=0.01, epochs=4, random_state=0).fit(X, y)
    assert_array_equal(model.network_.theta, named.network_.theta)
    momentum = FCNNClassifier((8,), optimizer=fcnn.SGD(0.1, momentum=0.9), epochs=2).fit(X, y)
    assert momentum.network_.optimizer.momentum == 0.9


def test_stopping_rules(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="epochs=3"):
        FCNNClassifier((8,), epochs=3, random_state=0).fit(X, y)
    stopped = FCNNClassifier((8,), epochs=500, tol=0.5, n_iter_no_change=2, random_state=0).fit(
        X, y
    )
    assert stopped.n_iter_ < 500

    early = FCNNClassifier(
        (8,),
        epochs=500,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        learning_rate=0.05,
        random_state=0,
    ).fit(X, y)
    assert early.n_iter_ < 500
    assert len(early.history_.val_cost) == early.n_iter_
    assert early.history_.best_epoch == 1 + int(np.argmin(early.history_.val_cost))

    exact = FCNNRegressor((4,), epochs=7, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert exact.fit(X, X[:, 0]).n_iter_ == 7


def test_the_training_cost_rule_keeps_the_last_epoch(blobs):
    X, y = blobs
    settings = dict(hidden_layer_sizes=(8,), learning_rate=0.01, random_state=0)
    stopped = FCNNClassifier(epochs=500, tol=0.05, n_iter_no_change=2, **settings).fit(X, y)
    assert stopped.n_iter_ < 500
    last = FCNNClassifier(epochs=stopped.n_iter_, tol=None, **settings).fit(X, y)
    assert_array_equal(stopped.network_.theta, last.network_.theta)


def held_out(model, X, y):
    """The rows fit held out for early stopping, as it chose them."""
    labels = np.searchsorted(model.classes_, y)
    rows = np.arange(X.shape[0])
    return train_test_split(
        rows, test_size=model.validation_fraction, random_state=model.random_state, stratify=labels
    )[1]


def test_early_stopping_keeps_the_lowest_validation_cost(blobs):
    X, y = blobs
    model = FCNNClassifier(
        (8,),
        epochs=500,
        early_stopping=True,
        tol=0.05,  # many smaller improvements: the best epoch is not the last to improve by tol
        n_iter_no_change=5,
        learning_rate=0.02,
        random_state=0,
    ).fit(X, y)
    val_cost = model.history_.val_cost
    assert model.history_.best_epoch == 1 + int(np.argmin(val_cost))
    val = held_out(model, X, y)
    kept = model.network_.evaluate(X[val], np.searchsorted(model.classes_, y[val]))["cost"]
    assert kept == pytest.approx(min(val_cost), rel=1e-12)


def test_early_stopping_weighs_the_validation_cost(blobs):
    X, y = blobs
    weights = np.random.default_rng(0).random(y.shape[0])
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    model = FCNNClassifier(
        (8,), epochs=1, early_stopping=True, class_weight=class_weight, random_state=0
    ).fit(X, y, sample_weight=weights)
    val = held_out(model, X, y)
    combined = weights[val] * np.array([class_weight[label] for label in y[val]])
    scores = model.network_.evaluate(X[val], y[val], sample_weight=combined)
    assert model.history_.val_cost[0] == pytest.approx(scores["cost"], rel=1e-12)
    assert model.history_.val_accuracy[0] == pytest.approx(scores["accuracy"], rel=1e-12)
    with pytest.raises(ValueError, match="held out for early_stopping .* all have weight 0"):
        model.fit(X, y, sample_weight=np.isin(np.arange(y.shape[0]), val, invert=True))


@pytest.mark.parametrize("estimator", [FCNNClassifier, FCNNRegressor])
def test_float32_input_stays_float32(blobs, estimator):
    X, y = blobs
    outputs = "predict_proba" if estimator is FCNNClassifier else "predict"
    for given, dtype, expected in [
        (np.float32, None, np.float32),
        (np.float64, None, np.float64),
        (np.int64, None, np.float64),
        (np.float32, "float64", np.float64),
        (np.float64, "float32", np.float32),
    ]:
        model = estimator((4,), epochs=2, dtype=dtype, random_state=0).fit(X.astype(given), y)
        assert model.network_.dtype == expected
        assert getattr(model, outputs)(X.astype(given)).dtype == expected
        assert getattr(model, outputs)(X).dtype == expected


def test_predict_log_proba_is_the_log_of_predict_proba(blobs):
    X, y = blobs
    for targets in (y, y == 0):  # softmax outputs, and one sigmoid output
        model = FCNNClassifier((4,), epochs=3, random_state=0).fit(X, targets)
        assert_array_equal(model.predict_log_proba(X), np.log(model.predict_proba(X)))


def test_sample_weight_zero_is_removal(blobs):
    X, y = blobs
    weights = np.r_[np.ones(100), np.zeros(20)]
    settings = dict(hidden_layer_sizes=(8,), batch_size="auto", epochs=5, random_state=0)
    weighted = FCNNRegressor(**settings).fit(X, X[:, 1], sample_weight=weights)
    removed = FCNNRegressor(**settings).fit(X[:100], X[:100, 1])
    np.testing.assert_allclose(weighted.predict(X), removed.predict(X), rtol=1e-10)
    with pytest.raises(ValueError, match="only one class"):
        FCNNClassifier().fit(X, y, sample_weight=(y == 2).astype(float))


@pytest.mark.parametrize(
    "parameters, error, message",
    [
        ({"hidden_layer_sizes": (10, 0)}, ValueError, "hidden_layer_sizes must hold integers"),
        ({"hidden_layer_sizes": "big"}, TypeError, "hidden_layer_sizes must be a tuple"),
        ({"activation": "softsign"}, ValueError, "activation='softsign' is not valid"),
        ({"activation": ["relu", "tanh"]}, ValueError, "activation is a list of 2"),
        ({"output_activation": "linear"}, ValueError, "output_activation must be 'softmax'"),
        ({"cost": "mse"}, ValueError, "cost='mse' is not valid"),
        ({"optimizer": "lbfgs"}, ValueError, "optimizer must be one of"),
        ({"optimizer": 3}, TypeError, "optimizer must be a name"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a finite number > 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1 or 'auto'"),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
        ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
        ({"l2": -1}, ValueError, "l2 must be a finite number >= 0"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a finite number in \[0, 1\)"),
        ({"dropout": 0.5, "hidden_layer_sizes": ()}, ValueError, "dropout acts on hidden layers"),
        ({"early_stopping": "yes"}, TypeError, "early_stopping must be True or False"),
        (
            {"validation_fraction": 1.0},
            ValueError,
            r"validation_fraction must be a finite number in \(0, 1\), got 1.0",
        ),
        ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be an integer >= 1"),
        ({"tol": -1e-3}, ValueError, "tol must be a finite number >= 0"),
        ({"dtype": "float16"}, ValueError, "dtype must be 'float64' or 'float32'"),
        ({"class_weight": "even"}, ValueError, "class_weight must be a dict"),
        ({"shuffle": 1}, TypeError, "shuffle must be True or False"),
        ({"random_state": -1}, ValueError, "random_state must be None, an integer"),
        ({"input_dropout": 1.0}, ValueError, "input_dropout"),
        ({"clip_norm": 0.0}, ValueError, "clip_norm"),
        ({"ema_decay": 1.0}, ValueError, "ema_decay"),
        ({"swa_start": 0}, ValueError, "swa_start"),
        ({"lr_schedule": "sometimes"}, ValueError, "sometimes"),
        ({"use_average": "mean"}, ValueError, "use_average must be None, 'ema' or 'swa'"),
        ({"use_average": "ema"}, ValueError, "use_average='ema' needs ema_decay"),
        ({"use_average": "swa"}, ValueError, "use_average='swa' needs swa_start"),
        ({"callbacks": 3}, TypeError, "callbacks must be a list"),
        ({"batch_callback_every": 0}, ValueError, "batch_callback_every"),
    ],
)
def test_parameters_are_checked_at_fit(blobs, parameters, error, message):
    X, y = blobs
    model = FCNNClassifier(**parameters)  # never at construction
    with pytest.raises(error, match=message):
        model.fit(X, y)


def test_training_options_of_fit_are_parameters(blobs):
    """input_dropout, clipping, a schedule and the averages reach Network.fit as they are."""
    X, y = blobs
    options = dict(
        input_dropout=0.1, clip_norm=0.5, clip_value=0.2, ema_decay=0.9, swa_start=2,
        lr_schedule=fcnn.schedules.CosineAnnealing(3),
    )  # fmt: skip
    model = FCNNClassifier((8,), epochs=3, tol=None, random_state=0, **options).fit(X, y)
    assert repr(clone(model).get_params()) == repr(model.get_params())
    net = fcnn.Network([X.shape[1], 8, 3], ["relu", "softmax"], "log_likelihood", seed=0,
                       init="xavier_uniform")  # fmt: skip
    net.fit(X, y, epochs=3, batch_size=32, optimizer=fcnn.Adam(0.001), **options)
    assert_array_equal(model.network_.theta, net.theta)
    assert_array_equal(model.network_.averaged("ema").theta, net.averaged("ema").theta)
    assert_array_equal(model.network_.averaged("swa").theta, net.averaged("swa").theta)
    assert model.history_.lr == net.fit(X, y, epochs=3, lr_schedule=options["lr_schedule"]).lr


@pytest.mark.parametrize("average", ["ema", "swa"])
def test_use_average_predicts_with_the_averaged_parameters(blobs, average):
    X, y = blobs
    settings = dict(epochs=4, tol=None, random_state=0, ema_decay=0.8, swa_start=2)
    model = FCNNRegressor((8,), use_average=average, **settings).fit(X, X[:, 0])
    averaged = model.network_.averaged(average)
    assert_array_equal(model.predict(X), averaged.predict(X)[:, 0])
    plain = FCNNRegressor((8,), **settings).fit(X, X[:, 0])
    assert_array_equal(plain.network_.theta, model.network_.theta)  # trained alike
    assert_array_equal(plain.predict(X), model.network_.predict(X)[:, 0])
    classifier = FCNNClassifier((8,), use_average=average, **settings).fit(X, y)
    probabilities = classifier.network_.averaged(average).predict(X)
    assert_array_equal(classifier.predict_proba(X), probabilities)
    assert_array_equal(classifier.predict(X), classifier.classes_[probabilities.argmax(axis=1)])
    with pytest.warns(UserWarning, match="fewer epochs than swa_start=9"):
        late = FCNNRegressor((8,), epochs=2, swa_start=9, use_average="swa").fit(X, X[:, 0])
    assert_array_equal(late.predict(X), late.network_.predict(X)[:, 0])


def test_callbacks_and_partial_fit_count_epochs_on(blobs):
    X, y = blobs

    class Epochs(fcnn.callbacks.Callback):
        def __init__(self):
            self.epochs, self.batches = [], []

        def on_epoch_end(self, net, epoch, logs):
            self.epochs.append(epoch)

        def on_batch_end(self, net, batch, logs):
            self.batches.append(batch)

    model = FCNNClassifier((8,), epochs=2, tol=None, callbacks=[Epochs()], batch_size=50,
                           batch_callback_every=2)  # fmt: skip
    model.fit(X, y)
    assert model.callbacks[0].epochs == [1, 2] and model.callbacks[0].batches == [2, 2]
    copy = clone(model)
    assert copy.callbacks[0] is not model.callbacks[0] and copy.callbacks[0].epochs == [1, 2]
    model.partial_fit(X, y)
    assert model.callbacks[0].epochs == [1, 2, 3]  # partial_fit goes on with fit's run
    model.partial_fit(X, y)
    assert model.callbacks[0].epochs == [1, 2, 3, 4]
    # a schedule goes on over partial_fit's epochs, as over fit's
    schedule = fcnn.schedules.StepDecay(step_size=1, gamma=0.5)
    online = FCNNClassifier((8,), learning_rate=0.01, lr_schedule=schedule, random_state=0)
    online.partial_fit(X, y, classes=[0, 1, 2])
    online.partial_fit(X, y)
    assert online.history_.lr == [0.005]
