"""from_onnx(to_onnx(net)) gives the network back: its sizes, activations with their
parameters, cost and parameters bit for bit, for every activation that exports, both
dtypes, and the estimators' exports."""

import numpy as np
import onnx
import pytest
from numpy.testing import assert_array_equal

import fcnn
from fcnn import activations, costs
from fcnn._onnx import OPSET_MAX, OPSET_MIN
from fcnn.export import to_onnx
from fcnn.sklearn import FCNNClassifier, FCNNRegressor

HIDDEN = [
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    activations.LeakyReLU(0.1),
    activations.LeakyReLU(0.123456789),  # more digits than float32's: from the metadata
    "swish",
    "exp",
    "gelu",
    "gelu_tanh",
    "elu",
    activations.ELU(0.5),
    activations.ELU(1 / 3),
    "selu",
    "softplus",
    "mish",
    activations.PReLU(0.2),
]
OUTPUTS = [
    ("linear", "quadratic"),
    ("softmax", "log_likelihood"),
    ("sigmoid", "cross_entropy"),
    ("exp", "poisson"),
    ("tanh", costs.Huber(delta=0.5)),
    (activations.LeakyReLU(0.05), "quadratic"),
    (activations.ELU(2.0), "quadratic"),
    ("gelu", "quadratic"),
]
X = np.random.default_rng(3).standard_normal((32, 5))


def _name(f):
    return repr(activations.get(f))


def assert_same_network(got, expected):
    assert got.sizes == expected.sizes
    assert got.dtype == expected.dtype
    assert got.activations == expected.activations
    assert [f.config() for f in got.activations] == [f.config() for f in expected.activations]
    assert got.cost == expected.cost
    for theirs, ours in zip(got.params, expected.params):
        assert theirs.keys() == ours.keys()
        for key in ours:
            assert theirs[key].dtype == ours[key].dtype
            assert_array_equal(theirs[key], ours[key], strict=True)


def round_trip(model, path, **options):
    to_onnx(model, path, check=False, **options)
    return fcnn.from_onnx(path)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output, cost", OUTPUTS, ids=[_name(o) for o, _ in OUTPUTS])
@pytest.mark.parametrize("hidden", HIDDEN, ids=_name)
def test_every_activation_comes_back(tmp_path, hidden, output, cost, dtype):
    net = fcnn.Network([5, 6, 4, 3], [hidden, hidden, output], cost, dtype=dtype, seed=4)
    for layer in net.params:
        if "slopes" in layer:  # learnt slopes, one per unit, not the initial ones
            layer["slopes"][...] = np.linspace(-0.5, 0.5, len(layer["slopes"]))
    got = round_trip(net, tmp_path / "net.onnx")
    assert_same_network(got, net)


@pytest.mark.parametrize("opset", [OPSET_MIN, 19, OPSET_MAX])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_at_every_opset(tmp_path, opset, dtype):
    net = fcnn.Network([5, 6, 3], ["gelu", "softmax"], dtype=dtype, seed=5)
    assert_same_network(round_trip(net, tmp_path / "net.onnx", opset=opset), net)


@pytest.mark.parametrize(
    "y, output_activation",
    [
        (np.arange(32) % 3, None),
        (np.arange(32) % 3, "sigmoid"),
        (np.array(["no", "yes"])[np.arange(32) % 2], None),
        (np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(int), None),
    ],
    ids=["softmax", "one-vs-rest", "binary", "multi-label"],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_classifier_gives_its_network(tmp_path, y, output_activation, dtype):
    clf = FCNNClassifier(
        (6,), epochs=2, tol=None, output_activation=output_activation, dtype=dtype,
        random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    assert_same_network(round_trip(clf, tmp_path / "clf.onnx"), clf._predictor())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_regressor_gives_the_network_that_predicts(tmp_path, dtype):
    reg = FCNNRegressor(
        (6,), activation="gelu", epochs=2, tol=None, ema_decay=0.5, use_average="ema",
        dtype=dtype,
    )  # fmt: skip
    reg.fit(X, X[:, :2])
    assert_same_network(round_trip(reg, tmp_path / "reg.onnx"), reg._predictor())


def test_the_graph_wins_over_metadata_that_disagrees(tmp_path):
    net = fcnn.Network([5, 4, 3], [activations.LeakyReLU(0.1), "softmax"], seed=6)
    path = tmp_path / "net.onnx"
    to_onnx(net, path)
    model = onnx.load(path)
    lying = fcnn.Network([5, 4, 3], [activations.LeakyReLU(0.2), "linear"], "quadratic")
    del model.metadata_props[:]
    onnx.helper.set_model_props(
        model,
        {
            "activations": str([f.config() for f in lying.activations]).replace("'", '"'),
            "cost": '{"name": "quadratic"}',
        },
    )
    got = fcnn.from_onnx(model)
    assert got.activations == net.activations
    assert got.cost.name == "log_likelihood"  # the cost of a softmax output: not this graph's


def test_without_metadata_the_graph_gives_what_it_holds(tmp_path):
    net = fcnn.Network(
        [5, 4, 4, 3],
        [activations.PReLU(0.1), activations.LeakyReLU(0.123456789), "sigmoid"],
        costs.Huber(delta=0.5),
        dtype="float32",
        seed=7,
    )
    path = tmp_path / "net.onnx"
    to_onnx(net, path, check=False)
    model = onnx.load(path)
    del model.metadata_props[:]
    got = fcnn.from_onnx(model)
    assert list(got.activations) == [
        activations.PReLU(),
        activations.LeakyReLU(0.12345679),
        net.activations[2],
    ]
    assert_array_equal(got.params[0]["slopes"], net.params[0]["slopes"], strict=True)
    assert got.cost.name == "cross_entropy"  # of a sigmoid output
