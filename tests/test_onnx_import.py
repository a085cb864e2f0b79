"""fcnn.from_onnx: the MLPs that torch.onnx.export and skl2onnx write, and hand-made graphs;
what it refuses, and how it says so."""

import sys
import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx as sklearn_to_onnx
from sklearn.neural_network import MLPClassifier, MLPRegressor

import fcnn

# PyTorch is a test requirement that CI's main suite installs; the other suites skip this
torch = pytest.importorskip("torch")
nn = torch.nn

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
ONNX_TYPE = {np.float64: TensorProto.DOUBLE, np.float32: TensorProto.FLOAT}

# torch's activation module and the fcnn activation it is
TORCH_ACTIVATIONS = {
    "relu": (nn.ReLU, "relu"),
    "tanh": (nn.Tanh, "tanh"),
    "sigmoid": (nn.Sigmoid, "sigmoid"),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), fcnn.activations.LeakyReLU(0.1)),
    "elu": (lambda: nn.ELU(0.5), fcnn.activations.ELU(0.5)),
    "selu": (nn.SELU, "selu"),
    "softplus": (nn.Softplus, "softplus"),
    "gelu": (nn.GELU, "gelu"),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), "gelu_tanh"),
    "silu": (nn.SiLU, "swish"),
    "mish": (nn.Mish, "mish"),
    "prelu": (lambda: nn.PReLU(5), "prelu"),
}


def assert_close(got, expected, dtype):
    """Equal to `dtype`'s tolerance relative to the outputs' scale."""
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def run_onnxruntime(model, X):
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def inputs(dtype, n_features=4, rows=40, seed=1):
    return np.random.default_rng(seed).normal(size=(rows, n_features)).astype(dtype)


def torch_model(activation, dtype, output=None):
    torch.manual_seed(0)
    layers = [nn.Linear(4, 5), activation(), nn.Linear(5, 3)]
    if output is not None:
        layers.append(output)
    return nn.Sequential(*layers).to(TORCH_DTYPE[dtype])


def torch_export(module, dtype, tmp_path, **options):
    path = tmp_path / "model.onnx"
    example = torch.zeros(2, 4, dtype=TORCH_DTYPE[dtype])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), input_names=["input"], **options)
    return path


def torch_outputs(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


# ---------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(TORCH_ACTIVATIONS))
def test_torchscript_export_of_each_activation(name, dtype, tmp_path):
    module_class, expected = TORCH_ACTIVATIONS[name]
    module = torch_model(module_class, dtype, output=nn.Softmax(dim=1))
    path = torch_export(module, dtype, tmp_path, dynamo=False, dynamic_axes={"input": {0: "n"}})

    net = fcnn.from_onnx(path)

    assert net.activations == (fcnn.activations.get(expected), fcnn.activations.get("softmax"))
    assert net.sizes == (4, 5, 3) and net.dtype == dtype and net.cost.name == "log_likelihood"
    np.testing.assert_array_equal(net.weights[0], module[0].weight.detach().numpy())
    np.testing.assert_array_equal(net.biases[1], module[2].bias.detach().numpy())
    X = inputs(dtype)
    assert_close(net.predict(X), torch_outputs(module, X), dtype)
    if dtype == np.float32:  # onnxruntime has float32 kernels of every operator
        assert_close(net.predict(X), run_onnxruntime(onnx.load(path), X)[0], dtype)
    if name == "prelu":
        np.testing.assert_array_equal(net.params[0]["slopes"], module[1].weight.detach().numpy())


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "mish", "silu"])
def test_torchscript_decompositions_of_older_opsets(name, tmp_path):
    module_class, expected = TORCH_ACTIVATIONS[name]
    for dtype in (np.float64, np.float32):
        module = torch_model(module_class, dtype)
        path = torch_export(module, dtype, tmp_path, dynamo=False, opset_version=14)
        assert len(onnx.load(path).graph.node) > 3  # not one operator per activation
        net = fcnn.from_onnx(path)
        assert net.activations[0] == fcnn.activations.get(expected)
        X = inputs(dtype)
        assert_close(net.predict(X), torch_outputs(module, X), dtype)


@pytest.mark.parametrize("name", ["relu", "softplus", "silu", "gelu", "mish"])
def test_dynamo_export(name, tmp_path):
    pytest.importorskip("onnxscript", reason="torch.onnx.export(dynamo=True) writes with it")
    module_class, expected = TORCH_ACTIVATIONS[name]
    module = torch_model(module_class, np.float32, output=nn.Softmax(dim=1))
    path = torch_export(
        module, np.float32, tmp_path, dynamo=True, dynamic_shapes=({0: torch.export.Dim("n")},)
    )
    net = fcnn.from_onnx(path)
    assert net.activations[0] == fcnn.activations.get(expected)
    X = inputs(np.float32)
    assert_close(net.predict(X), run_onnxruntime(onnx.load(path), X)[0], np.float32)


def test_a_flatten_of_image_inputs_is_skipped(tmp_path):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    path = tmp_path / "model.onnx"
    example = torch.zeros(2, 1, 2, 2, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), dynamo=False, input_names=["input"])
    net = fcnn.from_onnx(path)
    images = np.random.default_rng(0).normal(size=(10, 1, 2, 2))
    assert_close(net.predict(images.reshape(10, 4)), torch_outputs(module, images), np.float64)


# ---------------------------------------------------------------------- scikit-learn


def fitted(estimator, dtype, classes=None):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    if classes is None:
        y = X @ [1.0, -2.0, 0.5, 3.0]
    else:
        y = np.digitize(X[:, 0] + X[:, 1], np.linspace(-1, 1, classes - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no convergence in so few iterations
        estimator.fit(X, y)
    return estimator, X.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize("classes", [2, 3])
def test_skl2onnx_classifier_gives_its_probabilities(classes, activation, dtype):
    estimator = MLPClassifier(
        hidden_layer_sizes=(6, 5), activation=activation, max_iter=30, random_state=0
    )
    estimator, X = fitted(estimator, dtype, classes)
    model = sklearn_to_onnx(estimator, X[:1], options={"zipmap": False}, target_opset=17)

    net = fcnn.from_onnx(model)

    output = "sigmoid" if classes == 2 else "softmax"
    assert [f.name for f in net.activations] == [
        {"logistic": "sigmoid"}.get(activation, activation)
    ] * 2 + [output]
    assert net.sizes == (4, 6, 5, 1 if classes == 2 else classes)
    for w, coef in zip(net.weights, estimator.coefs_):
        np.testing.assert_array_equal(w, coef.T.astype(dtype))
    labels, probabilities = run_onnxruntime(model, X)
    ours = net.predict(X)
    assert_close(ours, probabilities[:, 1:] if classes == 2 else probabilities, dtype)
    assert_close(
        ours,
        estimator.predict_proba(X)[:, 1:] if classes == 2 else estimator.predict_proba(X),
        np.float32,
    )


def test_skl2onnx_classifier_with_its_zipmap_output():
    estimator, X = fitted(
        MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0), np.float64, 3
    )
    net = fcnn.from_onnx(sklearn_to_onnx(estimator, X[:1]))
    assert_close(net.predict(X), estimator.predict_proba(X), np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "identity"])
def test_skl2onnx_regressor(activation, dtype):
    estimator = MLPRegressor(
        hidden_layer_sizes=(5,), activation=activation, max_iter=30, random_state=0
    )
    estimator, X = fitted(estimator, dtype)
    model = sklearn_to_onnx(estimator, X[:1], target_opset=17)

    net = fcnn.from_onnx(model)

    assert net.activations[-1].name == "linear" and net.cost.name == "quadratic"
    assert_close(net.predict(X), run_onnxruntime(model, X)[0], dtype)


def test_skl2onnx_flattening_the_targets_of_a_regressor_is_refused():
    X = np.random.default_rng(0).normal(size=(40, 4))
    estimator = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=1000)
    estimator.fit(X, np.c_[X[:, 0], X[:, 1]])
    refusal(sklearn_to_onnx(estimator, X[:1]), "Reshape node", "reshapes to [-1, 1]")


def test_an_imported_network_trains_on():
    estimator, X = fitted(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0), np.float64, 3
    )
    net = fcnn.from_onnx(sklearn_to_onnx(estimator, X[:1], options={"zipmap": False}))
    y = estimator.predict(X)
    before = net.evaluate(X, y)["cost"]
    net.fit(X, y, epochs=20, batch_size=10, lr=0.1, seed=0)
    assert net.evaluate(X, y)["cost"] < before


# ---------------------------------------------------------------------- hand-made graphs


def graph_model(nodes, initializers, dtype=np.float64, inputs=("x",), outputs=("y",), opset=17):
    kind = ONNX_TYPE[dtype]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info(name, kind, [None, 2]) for name in inputs],
        [helper.make_tensor_value_info(name, kind, None) for name in outputs],
        [numpy_helper.from_array(np.asarray(v, dtype), name) for name, v in initializers.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


W = np.array([[1.0, -1.0], [0.5, 2.0], [0.25, 1.0]])  # 3 units from 2 inputs
B = np.array([0.5, -0.25, 0.0])


def test_gemm_attributes_matmul_constants_and_no_op_nodes():
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["flat", "wt", "b"], ["z1"], alpha=2.0, beta=0.5, name="g"),
        helper.make_node("Identity", ["z1"], ["z1b"]),
        helper.make_node("Constant", [], ["w2"], value=numpy_helper.from_array(W)),
        helper.make_node("MatMul", ["z1b", "w2"], ["z2"], name="m"),
        helper.make_node("Cast", ["z2"], ["y"], to=TensorProto.DOUBLE),
    ]
    model = graph_model(nodes, {"wt": W.T, "b": B})

    net = fcnn.from_onnx(model)

    assert net.sizes == (2, 3, 2) and [f.name for f in net.activations] == ["linear"] * 2
    np.testing.assert_array_equal(net.weights[0], 2 * W)
    np.testing.assert_array_equal(net.biases[0], 0.5 * B)
    np.testing.assert_array_equal(net.weights[1], W.T)
    np.testing.assert_array_equal(net.biases[1], 0.0)
    X = inputs(np.float64, n_features=2)
    assert_close(net.predict(X), run_onnxruntime(model, X)[0], np.float64)


def test_a_classifier_with_label_and_probabilities_outputs_gives_the_probabilities():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z1"], transB=1),
        helper.make_node("Sigmoid", ["z1"], ["s1"]),
        helper.make_node("Mul", ["z1", "s1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], transB=1),
        helper.make_node("Softmax", ["z2"], ["probabilities"], axis=-1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
    ]
    model = graph_model(
        nodes, {"w": W, "b": B, "w2": W.T, "b2": [0.0, 1.0]}, outputs=("probabilities",)
    )
    model.graph.output.append(helper.make_tensor_value_info("label", TensorProto.INT64, [None]))

    net = fcnn.from_onnx(model)

    assert [f.name for f in net.activations] == ["swish", "softmax"]
    X = inputs(np.float64, n_features=2)
    probabilities = run_onnxruntime(model, X)[0]
    assert_close(net.predict(X), probabilities, np.float64)


def test_the_cost_follows_the_output_and_can_be_chosen(tmp_path):
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("Sigmoid", ["z"], ["y"]),
    ]
    model = graph_model(nodes, {"w": W, "b": B})
    assert fcnn.from_onnx(model).cost.name == "cross_entropy"
    assert fcnn.from_onnx(model, cost="quadratic").cost.name == "quadratic"
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    assert fcnn.from_onnx(str(path)).sizes == (2, 3)


def test_leaky_slopes_are_the_decimals_written():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("LeakyRelu", ["z"], ["y"], alpha=0.1),
    ]
    net = fcnn.from_onnx(graph_model(nodes, {"w": W, "b": B}))
    assert net.activations[0] == fcnn.activations.LeakyReLU(0.1)


def refusal(model, *fragments):
    with pytest.raises(ValueError) as caught:
        fcnn.from_onnx(model)
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


def test_a_conv_node_is_refused_by_name():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("Conv", ["z", "k"], ["y"], name="conv1"),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B, "k": np.ones((1, 1, 1))}), "Conv node 'conv1'")


def test_two_inputs_are_refused():
    nodes = [
        helper.make_node("Add", ["x", "x2"], ["s"]),
        helper.make_node("Gemm", ["s", "w", "b"], ["y"], transB=1),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B}, inputs=("x", "x2")), "one input", "'x2'")


def test_a_skip_connection_is_refused():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("Relu", ["z"], ["a"]),
        helper.make_node("Add", ["a", "z"], ["y"], name="skip"),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B}), "compute no activation")
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1, name="first"),
        helper.make_node("Gemm", ["z", "w2", "b2"], ["z2"], transB=1),
        helper.make_node("Add", ["z2", "z"], ["y"], name="skip"),
    ]
    refusal(
        graph_model(nodes, {"w": W, "b": B, "w2": np.eye(3), "b2": B}), "Add node 'skip'", "chain"
    )


def test_an_unsupported_activation_is_refused_by_name():
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("HardSigmoid", ["z"], ["y"], name="hard"),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B}), "HardSigmoid node 'hard'", "no activation")
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("LogSoftmax", ["z"], ["y"], name="log"),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B}), "LogSoftmax node 'log'")
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
        helper.make_node("Mul", ["z", "z"], ["y"], name="square"),
    ]
    refusal(graph_model(nodes, {"w": W, "b": B}), "Mul node 'square'", "no activation")


def test_weights_that_are_not_constants_are_refused():
    nodes = [helper.make_node("MatMul", ["x", "x"], ["y"], name="mm")]
    refusal(graph_model(nodes, {}), "MatMul node 'mm'", "constant")


def test_bad_arguments():
    with pytest.raises(TypeError, match="model must be a path or an onnx.ModelProto, got int"):
        fcnn.from_onnx(3)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)]
    with pytest.raises(ValueError, match="output must be one of"):
        fcnn.from_onnx(graph_model(nodes, {"w": W, "b": B}), output="nope")


def test_without_onnx_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'fcnn\[onnx\]'"):
        fcnn.from_onnx("model.onnx")
