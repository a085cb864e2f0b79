"""fcnn.export.to_onnx: onnxruntime's outputs against predict for every activation, output,
dtype and opset; the estimators' labels; the skl2onnx registration; what is refused."""

import json
import math

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from conftest import run_python
from numpy.testing import assert_array_equal
from skl2onnx import to_onnx as skl_to_onnx
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import fcnn
from fcnn import activations
from fcnn._onnx import ERFC_SPLIT, OPSET_DEFAULT, OPSET_MAX, OPSET_MIN, _erfc, _ModelEmitter
from fcnn.export import register_skl2onnx, to_onnx
from fcnn.sklearn import FCNNClassifier, FCNNRegressor

TOLERANCE = {"float32": 1e-6, "float64": 1e-12}
HIDDEN = [
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    activations.LeakyReLU(0.1),
    "swish",
    "exp",
    "gelu",
    "gelu_tanh",
    activations.ELU(0.5),
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
    ("tanh", "quadratic"),
]
X = np.random.default_rng(1).standard_normal((64, 5))


def _session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _assert_close(got, expected, tolerance):
    """Relative to the outputs' scale: an output near 0 is a difference of larger terms,
    whose rounding differs between BLAS libraries."""
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * scale)


def _name(f):
    return activations.get(f).name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output, cost", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN, ids=_name)
@pytest.mark.parametrize("opset", [None, OPSET_MAX])
def test_outputs_equal_predict(tmp_path, hidden, output, cost, dtype, opset):
    if _name(hidden) == "exp" and output == "exp":
        pytest.skip("e^(e^z) overflows float32")
    net = fcnn.Network([5, 7, 4, 3], [hidden, hidden, output], cost, dtype=dtype, seed=1)
    path = tmp_path / "net.onnx"
    report = to_onnx(net, path, opset=opset)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == (opset or OPSET_DEFAULT)
    inputs = X.astype(dtype)
    (got,) = _session(path).run(["output"], {"input": inputs})
    expected = net.predict(inputs)
    assert got.dtype == np.dtype(dtype)
    _assert_close(got, expected, TOLERANCE[dtype])
    assert report.max_row_rel <= TOLERANCE[dtype]
    # the report measured the same: its own sample, recomputed here
    sample = np.random.default_rng(0).standard_normal((256, 5)).astype(dtype)
    (theirs,) = _session(path).run(["output"], {"input": sample})
    ours = net.predict(sample).astype(np.float64)
    difference = np.abs(theirs.astype(np.float64) - ours)
    assert report.samples == 256
    assert report.max_abs == difference.max()
    assert report.max_rel == (difference / np.maximum(np.abs(ours), np.finfo(float).tiny)).max()
    assert report.max_row_rel == (difference / np.abs(ours).max(axis=1, keepdims=True)).max()


def _erfc_session():
    """A model of `_erfc` alone, the float64 GELU's erfc, on a vector."""
    g = _ModelEmitter(np.dtype(np.float64), OPSET_DEFAULT)
    g.node("Identity", [_erfc(g, "x", 1)], "y", output="y")
    vector = [onnx.helper.make_tensor_value_info(n, onnx.TensorProto.DOUBLE, ["N"]) for n in "xy"]
    graph = onnx.helper.make_graph(g.nodes, "erfc", vector[:1], vector[1:], g.initializers)
    opsets = [onnx.helper.make_opsetid("", OPSET_DEFAULT)]
    model = onnx.helper.make_model(graph, opset_imports=opsets)
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def test_float64_erfc_on_a_grid():
    """Against libm's erfc (fcnn's): the series' 1 - sign(x) erf(|x|) within a few ulps of
    1 (so relative to erfc, 4e-14 at the split, where erfc is 0.013), and the continued
    fraction relative to its value, ~1e-15, down to the smallest normals."""
    x = np.linspace(-7.0, 26.5, 200_001)
    (got,) = _erfc_session().run(None, {"x": x})
    expected = np.array([math.erfc(v) for v in x])
    difference = np.abs(got - expected)
    series = x < ERFC_SPLIT
    assert difference[series].max() < 1e-15
    assert (difference / expected)[series].max() < 1e-13
    assert (difference / expected)[~series].max() < 3e-15
    edges = np.array([0.0, -0.0, 28.0, 40.0, np.inf, -40.0, -np.inf, np.nan])
    (got,) = _erfc_session().run(None, {"x": edges})
    assert_array_equal(got, [math.erfc(v) for v in edges])


@pytest.mark.parametrize("output", ["gelu", "linear"])
def test_float64_gelu_hidden_and_output_from_the_center_to_the_tails(tmp_path, output):
    """Layers of one unit with weight 1 pass z through: from -37 (GELU ~ 1e-300) to 10."""
    z = np.concatenate([np.linspace(-10.0, 10.0, 4001), [-8.0, -20.0, -37.0, 0.0]])[:, None]
    net = fcnn.Network([1, 1, 1], ["gelu", output], dtype="float64", seed=0)
    net.weights = [np.ones((1, 1)), np.ones((1, 1))]
    net.biases = [np.zeros(1), np.zeros(1)]
    path = tmp_path / "gelu.onnx"
    report = to_onnx(net, path, calibration=z)
    assert "Erf" not in {n.op_type for n in onnx.load(path).graph.node}
    (got,) = _session(path).run(["output"], {"input": z})
    expected = net.predict(z)
    _assert_close(got, expected, TOLERANCE["float64"])
    tails = expected[:, 0] != 0
    relative = np.abs(got[tails] - expected[tails]) / np.abs(expected[tails])
    assert relative.max() < 1e-13  # the erf part's bound: even ~1e-15 values keep their digits
    assert report.max_rel == relative.max()


@pytest.mark.parametrize("opset", [OPSET_MIN, 19, OPSET_DEFAULT, OPSET_MAX])
@pytest.mark.parametrize("hidden", ["gelu", "gelu_tanh", "mish", "softplus"])
def test_opsets(tmp_path, opset, hidden):
    net = fcnn.Network([5, 6, 3], [hidden, "softmax"], dtype="float32", seed=2)
    path = tmp_path / "net.onnx"
    report = to_onnx(net, path, opset=opset)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == opset
    assert ("Gelu" in {n.op_type for n in model.graph.node}) == (hidden == "gelu" and opset >= 20)
    assert report.max_abs < 1e-6


def test_graph_and_metadata(tmp_path):
    net = fcnn.Network([4, 8, 3], ["relu", "softmax"], seed=0)
    path = tmp_path / "net.onnx"
    to_onnx(net, path, dtype="float32", calibration=X[:10, :4])
    model = onnx.load(path)
    graph = model.graph
    assert [n.op_type for n in graph.node] == ["Gemm", "Relu", "Gemm", "Softmax", "Identity"]
    (source,), (sink,) = graph.input, graph.output
    assert (source.name, sink.name) == ("input", "output")
    dims = source.type.tensor_type.shape.dim
    assert (dims[0].dim_param, dims[1].dim_value) == ("N", 4)
    assert source.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["fcnn_version"] == fcnn.__version__
    assert json.loads(meta["sizes"]) == [4, 8, 3]
    assert json.loads(meta["activations"]) == [{"name": "relu"}, {"name": "softmax"}]
    assert json.loads(meta["cost"])["name"] == "quadratic"


def test_check_false_writes_without_running(tmp_path):
    net = fcnn.Network([3, 2], seed=0)
    assert to_onnx(net, tmp_path / "net.onnx", check=False) is None
    assert (tmp_path / "net.onnx").exists()


def test_report_of_given_inputs(tmp_path):
    net = fcnn.Network([5, 4, 3], ["tanh", "softmax"], seed=0)
    labels = np.arange(17) % 3
    report = to_onnx(net, tmp_path / "net.onnx", calibration=X[:17], labels=labels)
    assert report.samples == 17 and report.argmax_agreement == 1.0
    assert report.runner == f"onnxruntime {ort.__version__}"
    accuracy = float(np.mean(net.predict(X[:17]).argmax(axis=1) == labels))
    assert report.accuracy == (accuracy, accuracy)


def test_the_check_arguments_are_checked(tmp_path):
    net = fcnn.Network([5, 4, 3], ["tanh", "softmax"], seed=0)
    with pytest.raises(ValueError, match=r"calibration must be of shape \(n_samples, 5\)"):
        to_onnx(net, tmp_path / "net.onnx", calibration=X[:4, :3])
    with pytest.raises(ValueError, match=r"labels must be of shape \(4,\)"):
        to_onnx(net, tmp_path / "net.onnx", calibration=X[:4], labels=[0, 1])
    with pytest.raises(TypeError, match="check"):
        to_onnx(net, tmp_path / "net.onnx", check=X[:4])


@pytest.mark.parametrize(
    "y",
    [
        np.array(["cat", "dog", "emu"])[np.arange(64) % 3],
        np.arange(64) % 3 * 10,
        np.arange(64) % 2,
        (np.arange(64) % 2).astype(bool),
    ],
    ids=["strings", "ints", "binary", "bools"],
)
@pytest.mark.parametrize("output_activation", [None, "sigmoid"])
def test_classifier_labels_and_probabilities(tmp_path, y, output_activation):
    clf = FCNNClassifier(
        (6,), epochs=3, tol=None, output_activation=output_activation, random_state=0
    )
    clf.fit(X, y)
    path = tmp_path / "clf.onnx"
    report = to_onnx(clf, path)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    label, proba = _session(path).run(None, {"input": X})
    assert_array_equal(label, clf.predict(X).astype(label.dtype))
    _assert_close(proba, clf.predict_proba(X), 1e-12)
    assert report.max_rel < 1e-12


def test_multi_label_classifier(tmp_path):
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(int)
    clf = FCNNClassifier((6,), epochs=3, tol=None, random_state=0).fit(X, Y)
    to_onnx(clf, tmp_path / "clf.onnx")
    label, proba = _session(tmp_path / "clf.onnx").run(None, {"input": X})
    assert_array_equal(label, clf.predict(X))
    _assert_close(proba, clf.predict_proba(X), 1e-12)


def test_estimator_exports_the_network_that_predicts(tmp_path):
    reg = FCNNRegressor((6,), epochs=3, tol=None, ema_decay=0.5, use_average="ema")
    reg.fit(X, X[:, :2])
    to_onnx(reg, tmp_path / "reg.onnx")
    (variable,) = _session(tmp_path / "reg.onnx").run(None, {"input": X})
    _assert_close(variable, reg.predict(X), 1e-12)
    assert not np.allclose(variable, reg.network_.predict(X))


def test_regressor(tmp_path):
    reg = FCNNRegressor((6,), epochs=3, tol=None, random_state=0, dtype="float32").fit(X, X[:, 0])
    path = tmp_path / "reg.onnx"
    to_onnx(reg, path)
    assert [o.name for o in onnx.load(path).graph.output] == ["variable"]
    (variable,) = _session(path).run(None, {"input": X.astype(np.float32)})
    _assert_close(variable[:, 0], reg.predict(X), 1e-6)


def test_pipeline_through_skl2onnx():
    register_skl2onnx()
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    pipe = make_pipeline(StandardScaler(), FCNNClassifier((8,), epochs=5, tol=None, random_state=0))
    pipe.fit(X, y)
    inputs = X.astype(np.float32)
    model = skl_to_onnx(pipe, inputs[:1], options={"zipmap": False})
    onnx.checker.check_model(model, full_check=True)
    label, proba = _session_of(model).run(None, {model.graph.input[0].name: inputs})
    assert_array_equal(label, pipe.predict(inputs))
    _assert_close(proba, pipe.predict_proba(inputs), 1e-6)
    reg = make_pipeline(StandardScaler(), FCNNRegressor((8,), epochs=5, tol=None, random_state=0))
    reg.fit(X, X[:, :2])
    model = skl_to_onnx(reg, inputs[:1])
    (variable,) = _session_of(model).run(None, {model.graph.input[0].name: inputs})
    _assert_close(variable, reg.predict(inputs), 1e-6)


def test_float64_gelu_through_skl2onnx():
    register_skl2onnx()
    gelu = FCNNRegressor((8,), activation="gelu", epochs=5, tol=None, random_state=0)
    reg = make_pipeline(StandardScaler(), gelu).fit(X, X[:, :2])
    model = skl_to_onnx(reg, X[:1])
    assert "Erf" not in {n.op_type for n in model.graph.node}
    (variable,) = _session_of(model).run(None, {model.graph.input[0].name: X})
    assert variable.dtype == np.float64
    _assert_close(variable, reg.predict(X), 1e-12)


def _session_of(model):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


class Softsign(activations.Activation):
    name = "softsign"

    def __call__(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z):
        return 1 / (1 + np.abs(z)) ** 2


@pytest.mark.parametrize(
    "kwargs, network, error, message",
    [
        ({"opset": 12}, None, ValueError, "opset must be from 13 to 28, got 12"),
        ({"opset": OPSET_MAX + 1}, None, ValueError, f"got {OPSET_MAX + 1}"),
        ({"opset": "21"}, None, TypeError, "opset must be an int or None, got '21'"),
        ({"dtype": "int8"}, None, ValueError, "dtype must be 'float32' or 'float64', got 'int8'"),
        ({"dtype": "float16"}, None, ValueError, "got 'float16'"),
        (
            {},
            ([3, 4, 2], [Softsign(), "sigmoid"]),
            ValueError,
            r"layer 1's activation is user-defined \(Softsign, 'softsign'\)",
        ),
        (
            {"calibration": np.zeros((2, 4))},
            None,
            ValueError,
            r"calibration must be of shape \(n_samples, 3\), got \(2, 4\)",
        ),
    ],
)
def test_refused(tmp_path, kwargs, network, error, message):
    sizes, functions = network or ([3, 2], ["sigmoid"])
    net = fcnn.Network(sizes, functions, seed=0)
    with pytest.raises(error, match=message):
        to_onnx(net, tmp_path / "net.onnx", **kwargs)


def test_refuses_other_models(tmp_path):
    with pytest.raises(TypeError, match="model must be an fcnn.Network or a fitted"):
        to_onnx(FCNNClassifier(), tmp_path / "net.onnx")


@pytest.mark.parametrize("threads, error", [(0, ValueError), (1.5, TypeError)])
def test_refuses_bad_threads(tmp_path, threads, error):
    with pytest.raises(error, match="threads must be an integer >= 1"):
        to_onnx(fcnn.Network([3, 2], seed=0), tmp_path / "net.onnx", threads=threads)


def test_fcnn_imports_without_onnx(tmp_path):
    code = (
        "import sys\n"
        "sys.modules['onnx'] = sys.modules['onnxruntime'] = None\n"
        "import fcnn, fcnn.export\n"
        "try:\n"
        "    fcnn.export.to_onnx(fcnn.Network([2, 1]), 'net.onnx')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the ONNX export needs onnx: pip install 'fcnn[onnx]'"
