"""User-defined activations and costs (fcnn/_user_defined.py, fcnn/_numpy_core.py): a
Python copy of a built-in function trains to the built-in's parameters but for rounding,
new functions pass gradcheck and equal PyTorch's autograd, incomplete classes are refused
when the network is built, and model files keep names and configs, never code."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse
from _user_functions import PyTanh

import fcnn
from fcnn import gradcheck
from fcnn.activations import Activation
from fcnn.costs import Cost

RELATIVE = 1e-12


class PySigmoid(Activation):
    name = "py_sigmoid"

    def __call__(self, z):
        return 1 / (1 + np.exp(-z))

    def derivative(self, z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)


class PyQuadratic(Cost):
    name = "py_quadratic"

    def __call__(self, a, y):
        return 0.5 * np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a, y):
        return a - y


class Softsign(Activation):
    """f(z) = z / (1 + |z|), with a scale as a parameter (kept in the model file)."""

    name = "softsign"

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, z):
        return self.scale * z / (1 + np.abs(z))

    def derivative(self, z):
        return self.scale / (1 + np.abs(z)) ** 2

    def config(self):
        return {"name": self.name, "scale": self.scale}


class LogCosh(Cost):
    name = "log_cosh"

    def __call__(self, a, y):
        d = a - y
        return np.sum(np.logaddexp(d, -d) - np.log(2), axis=-1)

    def derivative(self, a, y):
        return np.tanh(a - y)


def data(n=40, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def relative(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


class StopAtBatch(fcnn.callbacks.Callback):
    """Halves the rate after each mini-batch and stops training after mini-batch `last`."""

    def __init__(self, last):
        self.last = last

    def on_batch_end(self, net, batch, logs):
        net.optimizer.lr /= 2
        net.stop_training = batch == self.last


def fit_pair(builtin, user, options, sizes=(3, 5, 2)):
    """Two networks from the same seed, trained alike: (built-in's, user's)."""
    X, Y = data(n_in=sizes[0], n_out=sizes[-1])
    nets = [fcnn.Network(list(sizes), *functions, seed=1) for functions in (builtin, user)]
    histories = []
    for net in nets:
        made = {k: v() if callable(v) and k == "optimizer" else v for k, v in options.items()}
        histories.append(net.fit(X, Y, epochs=4, batch_size=8, seed=3, **made))
    return nets, histories


TRAINING_OPTIONS = {
    "sgd": {"lr": 0.05},
    "sgd, momentum": {"optimizer": lambda: fcnn.SGD(0.05, momentum=0.9)},
    "adam": {"optimizer": lambda: fcnn.Adam(0.01)},
    "dropout, weights, penalties, clipping, ema": {
        "lr": 0.05,
        "dropout": 0.3,
        "input_dropout": 0.2,
        "sample_weight": np.random.default_rng(7).uniform(0.5, 1.5, 40),
        "l1": 0.01,
        "l2": 0.1,
        "clip_norm": 0.5,
        "ema_decay": 0.9,
    },
    "per-step schedule": {
        "lr": 0.05,
        "lr_schedule": fcnn.schedules.OneCycle(max_lr=0.1, total_steps=20),
    },
    "a callback halving the rate and stopping between mini-batches": {
        "lr": 0.05,
        "callbacks": [StopAtBatch(3)],
        "batch_callback_every": 1,
    },
}


@pytest.mark.parametrize("options", TRAINING_OPTIONS.values(), ids=TRAINING_OPTIONS)
@pytest.mark.parametrize(
    "user",
    [([PyTanh(), "linear"], "quadratic"), (["tanh", "linear"], PyQuadratic())],
    ids=["activation", "cost"],
)
def test_a_python_copy_of_a_builtin_trains_to_the_same_parameters(user, options):
    (builtin, copied), histories = fit_pair((["tanh", "linear"], "quadratic"), user, options)
    assert relative(copied.theta, builtin.theta) < RELATIVE
    assert np.allclose(histories[1].cost, histories[0].cost, rtol=RELATIVE)
    assert copied.optimizer.t == builtin.optimizer.t
    averaged = [net.internals.averages.ema for net in (builtin, copied)]
    if averaged[0] is not None:
        assert relative(averaged[1], averaged[0]) < RELATIVE


def test_classification_accuracy_and_early_stopping_on_a_metric_go_as_the_builtins():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 2))
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    options = {
        "epochs": 30,
        "batch_size": 10,
        "lr": 2.0,
        "seed": 0,
        "validation_split": 0.25,
        "metrics": {"right": lambda truth, predicted: float(np.mean(truth == predicted))},
        "early_stopping": True,
        "monitor": "val_right",
        "mode": "max",
        "patience": 3,
    }
    histories, nets = [], []
    for hidden in ("sigmoid", PySigmoid()):
        net = fcnn.Network([2, 6, 2], [hidden, "softmax"], "log_likelihood", seed=4)
        histories.append(net.fit(X, labels, **options))
        nets.append(net)
    assert histories[1].stopped_epoch == histories[0].stopped_epoch
    assert histories[1].best_epoch == histories[0].best_epoch
    assert histories[1].accuracy == histories[0].accuracy
    assert np.allclose(histories[1].val_cost, histories[0].val_cost, rtol=RELATIVE)
    assert relative(nets[1].theta, nets[0].theta) < RELATIVE


def test_predict_evaluate_trace_gradients_and_lbfgs_go_as_the_builtins():
    X, Y = data()
    builtin = fcnn.Network([3, 5, 2], ["tanh", "linear"], "quadratic", seed=1)
    user = fcnn.Network([3, 5, 2], [PyTanh(), "linear"], PyQuadratic(), seed=1)
    assert relative(user.predict(X), builtin.predict(X)) < RELATIVE
    assert relative(user.predict(X[0]), builtin.predict(X[0])) < RELATIVE
    assert user.evaluate(X, Y)["cost"] == pytest.approx(builtin.evaluate(X, Y)["cost"], RELATIVE)
    assert relative(user.trace(X).z[1], builtin.trace(X).z[1]) < RELATIVE
    mine, theirs = user.gradients(X, Y, l1=0.1, l2=0.2), builtin.gradients(X, Y, l1=0.1, l2=0.2)
    assert relative(mine.flat, theirs.flat) < RELATIVE
    assert relative(mine.delta[1], theirs.delta[1]) < RELATIVE
    assert mine.cost == pytest.approx(theirs.cost, rel=RELATIVE)
    for net in (builtin, user):
        net.fit(X, Y, optimizer=fcnn.LBFGS(max_iter=15))
    assert relative(user.theta, builtin.theta) < 1e-8  # line searches amplify rounding


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_new_functions_pass_gradcheck(dtype):
    rng = np.random.default_rng(3)
    net = fcnn.Network([3, 4, 2], [Softsign(1.5), Softsign()], LogCosh(), dtype=dtype, seed=2)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    result = gradcheck(fcnn.float64_copy(net), X, Y, inputs=True)
    assert result.passed, result.report()
    net.fit(X, Y, epochs=2, batch_size=3, lr=0.1)
    assert net.theta.dtype == np.dtype(dtype) and np.isfinite(net.theta).all()


def test_new_functions_equal_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    net = fcnn.Network([3, 4, 2], [Softsign(1.5), "linear"], LogCosh(), seed=2)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    w1, w2 = (torch.tensor(w, requires_grad=True) for w in net.weights)
    b1, b2 = (torch.tensor(b, requires_grad=True) for b in net.biases)
    z1 = torch.tensor(X) @ w1.T + b1
    a2 = (1.5 * torch.nn.functional.softsign(z1)) @ w2.T + b2
    d = a2 - torch.tensor(Y)
    cost = torch.mean(torch.sum(torch.log(torch.cosh(d)), dim=1))
    cost.backward()
    ours = net.gradients(X, Y)
    assert ours.cost == pytest.approx(cost.item(), rel=RELATIVE)
    for mine, theirs in zip(
        [*ours.grad_w, *ours.grad_b], [w1.grad, w2.grad, b1.grad, b2.grad], strict=True
    ):
        assert relative(mine, theirs.numpy()) < RELATIVE


def test_an_incomplete_class_is_refused_naming_it_and_the_method():
    class NoDerivative(Activation):
        name = "no_derivative"

        def __call__(self, z):
            return z

    class NoValue(Cost):
        name = "no_value"

        def derivative(self, a, y):
            return a - y

    with pytest.raises(TypeError, match="NoDerivative must define derivative"):
        fcnn.Network([2, 3, 1], [NoDerivative(), "linear"])
    with pytest.raises(TypeError, match="NoValue must define __call__"):
        fcnn.Network([2, 3, 1], cost=NoValue())


def test_a_name_is_needed_and_builtin_names_cannot_be_shadowed():
    class Nameless(PyTanh):
        name = None

    class Shadow(PyTanh):
        name = "tanh"

    class ShadowCost(PyQuadratic):
        name = "quadratic"

    with pytest.raises(TypeError, match="Nameless must set `name`"):
        fcnn.Network([2, 3, 1], Nameless())
    with pytest.raises(ValueError, match="Shadow takes the name 'tanh' of a built-in"):
        fcnn.Network([2, 3, 1], Shadow())
    with pytest.raises(ValueError, match="name 'quadratic' of a built-in cost"):
        fcnn.Network([2, 3, 1], cost=ShadowCost())


def test_user_classes_on_learnable_or_softmax_activations_are_refused():
    class MyPReLU(fcnn.activations.PReLU):
        name = "my_prelu"

    class MySoftmax(fcnn.activations.Softmax):
        name = "my_softmax"

    with pytest.raises(TypeError, match="MyPReLU cannot build on a learnable activation"):
        fcnn.Network([2, 3, 1], [MyPReLU(), "linear"])
    with pytest.raises(TypeError, match="MySoftmax cannot build on softmax"):
        fcnn.Network([2, 3, 2], ["tanh", MySoftmax()])


def test_a_subclass_of_a_builtin_that_keeps_its_name_and_maths_is_the_builtin():
    class Shown(fcnn.activations.Tanh):
        def __repr__(self):
            return "Shown()"

    class Redefined(fcnn.activations.Tanh):
        def derivative(self, z):
            return 2 * (1 - np.tanh(z) ** 2)

    assert not Shown().user_defined
    assert fcnn.Network([2, 3, 1], Shown()).internals.core is fcnn._compiled.core
    with pytest.raises(ValueError, match="Redefined takes the name 'tanh' of a built-in"):
        fcnn.Network([2, 3, 1], Redefined())


def test_a_subclass_of_a_builtin_with_a_new_name_is_user_defined():
    class Renamed(fcnn.activations.Tanh):
        name = "renamed_tanh"

    assert Renamed().user_defined and not fcnn.activations.Tanh().user_defined
    net = fcnn.Network([3, 5, 2], [Renamed(), "linear"], seed=1)
    builtin = fcnn.Network([3, 5, 2], ["tanh", "linear"], seed=1)
    X, Y = data()
    assert relative(net.predict(X), builtin.predict(X)) < RELATIVE
    with pytest.raises(TypeError, match="has no compiled code"):
        _ = Renamed().code


def test_sparse_inputs_are_refused_on_the_slow_path():
    X, Y = data()
    net = fcnn.Network([3, 5, 2], [PyTanh(), "linear"], seed=1)
    with pytest.raises(TypeError, match="dense inputs, not a sparse matrix"):
        net.fit(scipy.sparse.csr_matrix(X), Y, epochs=1)


def test_the_model_file_keeps_names_and_configs_and_the_classes_rebuild_them(tmp_path):
    X, Y = data()
    net = fcnn.Network([3, 4, 2], [Softsign(2.0), "linear"], LogCosh(), seed=1)
    net.fit(X, Y, epochs=2, batch_size=8, optimizer=fcnn.Adam(0.01))
    path = tmp_path / "net.fcnn"
    net.save(path)
    header, _ = net.state()
    assert header["activations"][0] == {"name": "softsign", "scale": 2.0}
    assert header["cost"] == "log_cosh"
    with pytest.raises(ValueError, match=r"unknown activation 'softsign'.*custom_objects"):
        fcnn.load(path)
    with pytest.raises(ValueError, match=r"unknown cost 'log_cosh'.*custom_objects"):
        fcnn.load(path, custom_objects={"softsign": Softsign})
    loaded = fcnn.load(path, custom_objects={"softsign": Softsign, "log_cosh": LogCosh})
    assert loaded.activations[0].scale == 2.0 and isinstance(loaded.cost, LogCosh)
    assert np.array_equal(loaded.theta, net.theta)
    for each in (net, loaded):  # both go on alike: optimizer state and generator kept
        each.fit(X, Y, epochs=2, batch_size=8)
    assert np.array_equal(loaded.theta, net.theta)


def test_a_wrong_class_for_a_name_is_refused(tmp_path):
    net = fcnn.Network([3, 4, 2], [Softsign(), PyTanh()], seed=1)
    path = tmp_path / "net.fcnn"
    net.save(path)
    with pytest.raises(
        ValueError, match="custom_objects\\['py_tanh'\\] makes the activation 'softsign'"
    ):
        fcnn.load(path, custom_objects={"softsign": Softsign, "py_tanh": Softsign})
    with pytest.raises(ValueError, match="PyTanh, does not take the arguments {'scale': 1.0}"):
        fcnn.load(path, custom_objects={"softsign": PyTanh, "py_tanh": PyTanh})
    with pytest.raises(ValueError, match="must be a subclass of Activation"):
        fcnn.load(path, custom_objects={"softsign": LogCosh, "py_tanh": PyTanh})


def test_copies_and_pickles_carry_the_classes():
    net = fcnn.Network([3, 4, 2], [Softsign(2.0), "linear"], LogCosh(), seed=1)
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert np.array_equal(twin.theta, net.theta)
        assert twin.activations[0].scale == 2.0 and isinstance(twin.cost, LogCosh)


def test_non_finite_inputs_and_overflows_are_reported_as_by_the_core():
    X, Y = data()
    nets = [fcnn.Network([3, 5, 2], [f, "linear"], seed=1) for f in ("tanh", PyTanh())]
    X[7, 1] = np.inf
    for net in nets:
        with pytest.raises(ValueError, match=r"X must be finite, found inf at index \(7, 1\)"):
            net.predict(X)
        with pytest.raises(ValueError, match=r"found inf at index \(7, 1\)"):
            net.fit(X, Y, epochs=1, shuffle=True)
    X[7, 1] = 0.0
    for net in nets:  # every hidden activation near 1, so z^2 = 5e308 overflows
        net.biases[0][...] = 100.0
        net.weights[1][...] = 1e308
        with pytest.raises(FloatingPointError, match="outputs for row 0 of X are not finite"):
            net.predict(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs
def test_streams_and_the_estimators_take_user_defined_functions():
    X, Y = data()

    def chunks():
        for start in range(0, 40, 10):
            yield X[start : start + 10], Y[start : start + 10]

    nets = [fcnn.Network([3, 5, 2], [f, "linear"], seed=1) for f in ("tanh", PyTanh())]
    for net in nets:
        net.fit(chunks, epochs=2, batch_size=5, lr=0.1, seed=0)
    assert relative(nets[1].theta, nets[0].theta) < RELATIVE
    from fcnn.sklearn import FCNNRegressor

    predictions = [
        FCNNRegressor(hidden_layer_sizes=(5,), activation=f, epochs=3, random_state=0)
        .fit(X, Y)
        .predict(X)
        for f in ("tanh", PyTanh())
    ]
    assert relative(predictions[1], predictions[0]) < RELATIVE


@pytest.mark.parametrize("labels", [[0, 2], [-1, 0]])
def test_the_slow_path_refuses_labels_out_of_range_as_the_compiled_one(labels):
    user = fcnn.Network([2, 3, 2], [PyTanh(), "softmax"], "log_likelihood", seed=0)
    builtin = fcnn.Network([2, 3, 2], ["tanh", "softmax"], "log_likelihood", seed=0)
    messages = []
    for net in (user, builtin):
        with pytest.raises(ValueError, match=r"Y class labels must lie in \[0, 2\)") as error:
            net.gradients(np.zeros((2, 2)), np.array(labels), out=np.empty_like(net.theta))
        messages.append(str(error.value))
    assert messages[0] == messages[1]
