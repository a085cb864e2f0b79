"""The ONNX writer: a network, or a fitted estimator, as an ONNX graph that onnxruntime checks.

One emitter (`_Emitter` subclasses) owns the graph of a network, so that `to_onnx` and the
skl2onnx converter write the same nodes.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import __version__
from ._export_report import ExportReport, compare
from ._validation import check_bool, check_int
from .activations import SELU_ALPHA, SELU_SCALE, SOFTPLUS_THRESHOLD, Activation
from .network import Network

__all__ = ["OPSET_DEFAULT", "OPSET_MAX", "OPSET_MIN", "register_skl2onnx", "to_onnx"]

#: The oldest opset written: Softmax over one axis (opset 13) and ReduceSum's axes input.
OPSET_MIN = 13
#: The newest opset written and tested with onnxruntime (1.32, with onnx 1.23).
OPSET_MAX = 28
#: The default: the newest opset that every onnxruntime of the extra (1.18 on) runs.
OPSET_DEFAULT = 21
#: The opset whose Gelu operator the exact GELU uses (below it: the erf formula).
_GELU_OPSET = 20
#: float64 erfc: where the series of erf gives way to the continued fraction of erfc, and
#: the terms of each that reach float64's precision on their side (measured against libm).
ERFC_SPLIT = 1.75
ERFC_SERIES_TERMS = 30
ERFC_FRACTION_TERMS = 60
#: The rows of the deterministic sample that checks an export when no X is given.
SAMPLE_ROWS = 256
_INSTALL = "pip install 'fcnn[onnx]'"


def _require(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError as error:
        raise ImportError(f"the ONNX export needs {module}: {_INSTALL}") from error


class _Emitter:
    """Adds constants and nodes to a graph and names their outputs; the writers of
    `to_onnx` and of the skl2onnx converter differ only in where these go."""

    def __init__(self, dtype: np.dtype, opset: int) -> None:
        self.dtype = dtype
        self.opset = opset

    def constant(self, hint: str, values: ArrayLike, dtype: Any = None) -> str:
        raise NotImplementedError

    def node(self, op: str, inputs: list[str], hint: str, **attributes: Any) -> str:
        raise NotImplementedError

    def scalar(self, hint: str, value: float) -> str:
        return self.constant(hint, np.asarray(value, dtype=self.dtype))


class _ModelEmitter(_Emitter):
    def __init__(self, dtype: np.dtype, opset: int) -> None:
        super().__init__(dtype, opset)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: set[str] = set()

    def _unique(self, hint: str) -> str:
        name, k = hint, 0
        while name in self.names:
            k += 1
            name = f"{hint}_{k}"
        self.names.add(name)
        return name

    def constant(self, hint: str, values: ArrayLike, dtype: Any = None) -> str:
        from onnx import numpy_helper

        name = self._unique(hint)
        array = np.asarray(values, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, **attributes: Any) -> str:
        from onnx import helper

        out = attributes.pop("output", None) or self._unique(hint)
        self.names.add(out)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out


def _activation(g: _Emitter, f: Activation, z: str, slopes: NDArray[Any] | None, l: int) -> str:
    """The nodes of a^l = f(z^l)."""
    name = f.name
    hint = f"a{l}"

    # Composed of operators onnxruntime also computes in float64 (its Elu, Softplus and
    # PRelu are float32 only), with parameters as tensors (float attributes are float32).
    def positive() -> str:
        return g.node("Greater", [z, g.scalar(f"zero{l}", 0.0)], f"positive{l}")

    def rectified(negative: str) -> str:
        return g.node("Where", [positive(), z, negative], hint)

    def elu(alpha: float) -> str:  # alpha (e^min(z, 0) - 1) for z <= 0
        e = g.node("Exp", [g.node("Min", [z, g.scalar(f"zero{l}", 0.0)], f"neg{l}")], f"e{l}")
        em1 = g.node("Sub", [e, g.scalar(f"one{l}", 1.0)], f"em1_{l}")
        return rectified(g.node("Mul", [em1, g.scalar(f"alpha{l}", alpha)], f"elu{l}"))

    def softplus() -> str:  # max(z, 0) + ln(1 + e^-|z|), as fcnn computes it
        tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [z], f"abs{l}")], f"nabs{l}")], f"t{l}")
        log = g.node("Log", [g.node("Add", [tail, g.scalar(f"one{l}", 1.0)], f"1t{l}")], f"l{l}")
        return g.node("Add", [g.node("Relu", [z], f"r{l}"), log], f"softplus{l}")

    if name == "linear":
        return z
    if name in ("sigmoid", "tanh", "relu", "exp"):
        op = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "exp": "Exp"}[name]
        return g.node(op, [z], hint)
    if name in ("leaky_relu", "prelu"):
        slope = (
            g.scalar(f"slope{l}", f.param) if slopes is None else g.constant(f"slopes{l}", slopes)
        )
        return rectified(g.node("Mul", [z, slope], f"slanted{l}"))
    if name == "softmax":
        return g.node("Softmax", [z], hint, axis=-1)
    if name == "elu":
        return elu(f.param)
    if name == "selu":
        return g.node("Mul", [elu(SELU_ALPHA), g.scalar(f"scale{l}", SELU_SCALE)], f"selu{l}")
    if name in ("swish", "gelu_tanh"):  # z sigmoid(z); z sigmoid(2u), as fcnn computes it
        inner = z
        if name == "gelu_tanh":
            cube = g.node("Mul", [g.node("Mul", [z, z], f"z2_{l}"), z], f"z3_{l}")
            u = g.node("Mul", [cube, g.scalar(f"c{l}", 0.044715)], f"cz3_{l}")
            inner = g.node(
                "Mul",
                [g.node("Add", [z, u], f"u{l}"), g.scalar(f"k{l}", math.sqrt(8 / math.pi))],
                f"two_u{l}",
            )
        return g.node("Mul", [z, g.node("Sigmoid", [inner], f"s{l}")], hint)
    if name == "softplus":  # z itself above the threshold, as fcnn's softplus
        above = g.node("Greater", [z, g.scalar(f"threshold{l}", SOFTPLUS_THRESHOLD)], f"above{l}")
        return g.node("Where", [above, z, softplus()], hint)
    if name == "mish":
        t = g.node("Tanh", [softplus()], f"tanh{l}")
        return g.node("Mul", [z, t], hint)
    if name == "gelu":
        if g.dtype == np.float64:  # z erfc(-z / sqrt 2) / 2, as fcnn computes it
            x = g.node("Mul", [z, g.scalar(f"r{l}", -math.sqrt(0.5))], f"x{l}")
            return g.node(
                "Mul",
                [g.node("Mul", [z, g.scalar(f"half{l}", 0.5)], f"hz{l}"), _erfc(g, x, l)],
                hint,
            )
        if g.opset >= _GELU_OPSET:
            return g.node("Gelu", [z], hint, approximate="none")
        scaled = g.node("Mul", [z, g.scalar(f"r{l}", math.sqrt(0.5))], f"zr{l}")
        phi = g.node("Add", [g.node("Erf", [scaled], f"erf{l}"), g.scalar(f"one{l}", 1.0)], f"p{l}")
        half = g.node("Mul", [z, g.scalar(f"half{l}", 0.5)], f"hz{l}")
        return g.node("Mul", [half, phi], hint)
    raise ValueError(f"layer {l}: no ONNX form for the activation {name!r}")


def _erfc(g: _Emitter, x: str, l: int) -> str:
    """erfc(x) from operators that onnxruntime runs in float64 (it has no double Erf),
    within 3e-15 relative, and 1e-15 absolute where 1 - erf cancels (0 < x < ERFC_SPLIT).

    With t = |x|: below ERFC_SPLIT, erf(t) = 2/sqrt(pi) e^(-t^2) sum_n 2^n t^(2n+1) /
    (2n+1)!! (terms all positive) and erfc(x) = 1 - sign(x) erf(t); above it, Laplace's
    continued fraction erfc(t) = e^(-t^2) / sqrt(pi) / (t + (1/2) / (t + 1 / (t + ...))),
    with e^(-t^2) = e^(-h^2) e^(-(t - h)(t + h)) for h = t rounded to 26 bits (h^2 exact),
    and erfc(x) = 2 - erfc(t) for x < 0. t is capped at 30, where erfc(t) is 0 in float64.
    """

    def op(name: str, *inputs: str) -> str:
        return g.node(name, list(inputs), f"erfc{l}_{name.lower()}")

    def scalar(value: float) -> str:
        return g.scalar(f"erfc{l}_c", value)

    t = op("Min", op("Abs", x), scalar(30.0))
    t2 = op("Mul", t, t)
    coefficients = [1.0]  # 2^n / (2n+1)!!
    for n in range(1, ERFC_SERIES_TERMS):
        coefficients.append(coefficients[-1] * 2 / (2 * n + 1))
    series = scalar(coefficients[-1])
    for c in reversed(coefficients[:-1]):  # Horner's rule in t^2
        series = op("Add", op("Mul", series, t2), scalar(c))
    erf = op("Mul", op("Mul", op("Mul", series, t), op("Exp", op("Neg", t2))),
             scalar(2 / math.sqrt(math.pi)))  # fmt: skip
    near = op("Sub", scalar(1.0), op("Mul", op("Sign", x), erf))

    fraction = t
    for k in range(ERFC_FRACTION_TERMS, 0, -1):  # from the last term up
        fraction = op("Add", t, op("Div", scalar(k / 2), fraction))
    big = op("Mul", t, scalar(2.0**27 + 1))
    h = op("Sub", big, op("Sub", big, t))  # Veltkamp's split: h^2 is exact
    low = op("Mul", op("Sub", t, h), op("Add", t, h))
    gauss = op("Mul", op("Exp", op("Neg", op("Mul", h, h))), op("Exp", op("Neg", low)))
    tail = op("Div", gauss, op("Mul", fraction, scalar(math.sqrt(math.pi))))
    far = op("Where", op("Less", x, scalar(0.0)), op("Sub", scalar(2.0), tail), tail)
    return op("Where", op("Less", t, scalar(ERFC_SPLIT)), near, far)


def _refuse_user_defined(net: Network) -> None:
    for l, f in enumerate(net.activations, start=1):
        if f.user_defined:
            raise ValueError(
                f"layer {l}'s activation is user-defined ({type(f).__name__}, {f.name!r}): "
                "ONNX has no operators for it; only fcnn's built-in activations export"
            )


def _forward(g: _Emitter, net: Network, x: str) -> str:
    """The nodes of the forward pass from the input `x`; the name of a^L."""
    a = x
    params = net.params
    for l, (f, layer) in enumerate(zip(net.activations, params), start=1):
        w = g.constant(f"W{l}", layer["w"])
        b = g.constant(f"b{l}", layer["b"])
        z = g.node("Gemm", [a, w, b], f"z{l}", transB=1)
        a = _activation(g, f, z, layer.get("slopes"), l)
    return a


def _classifier_outputs(g: _Emitter, clf: Any, out: str, label: str, proba: str) -> None:
    """`label` and `probabilities` of a fitted FCNNClassifier from its outputs a^L, as
    its predict and predict_proba compute them."""
    from onnx import TensorProto

    n = clf.network_.sizes[-1]
    if clf._multi_label:
        g.node("Identity", [out], proba, output=proba)
        above = g.node("Greater", [out, g.scalar("half", 0.5)], "above_half")
        g.node("Cast", [above], label, output=label, to=TensorProto.INT64)
        return
    if n == 1:
        negative = g.node("Sub", [g.scalar("one", 1.0), out], "negative")
        g.node("Concat", [negative, out], proba, output=proba, axis=1)
    elif clf.network_.activations[-1].name == "sigmoid":  # one-vs-rest, as _probabilities
        axes = g.constant("axes", [1], np.int64)
        totals = g.node("ReduceSum", [out, axes], "totals", keepdims=1)
        positive = g.node("Greater", [totals, g.scalar("zero", 0.0)], "positive")
        shares = g.node("Div", [out, totals], "shares")
        g.node("Where", [positive, shares, g.scalar("uniform", 1 / n)], proba, output=proba)
    else:
        g.node("Identity", [out], proba, output=proba)
    best = g.node("ArgMax", [proba], "best", axis=1, keepdims=0)
    g.node("Gather", [g.constant("classes", *_classes(clf)), best], label, output=label, axis=0)


def _classes(clf: Any) -> tuple[NDArray[Any], Any]:
    classes = clf.classes_
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64), np.int64
    if classes.dtype.kind in "OU" and all(isinstance(c, str) for c in classes):
        return np.array(classes, dtype=object), object
    raise ValueError(
        f"the classifier's classes_ must be integers or strings to export, got {classes.dtype}"
    )


def _checked_opset(opset: int | None) -> int:
    if opset is None:
        return OPSET_DEFAULT
    if isinstance(opset, bool) or not isinstance(opset, int | np.integer):
        raise TypeError(f"opset must be an int or None, got {opset!r}")
    if not OPSET_MIN <= opset <= OPSET_MAX:
        raise ValueError(f"opset must be from {OPSET_MIN} to {OPSET_MAX}, got {opset}")
    return int(opset)


def _checked_dtype(dtype: Any, default: np.dtype) -> np.dtype:
    if dtype is None:
        return default
    try:
        checked = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from error
    if checked not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return checked


def _subject(model: Any) -> tuple[Network, Any]:
    """The network that predicts and the estimator (or None) of what `to_onnx` was given."""
    if isinstance(model, Network):
        return model, None
    network = getattr(model, "network_", None)
    if isinstance(network, Network) and hasattr(model, "_predictor"):
        return model._predictor(), model
    raise TypeError(
        "model must be an fcnn.Network or a fitted FCNNClassifier or FCNNRegressor, "
        f"got {type(model).__name__}"
    )


def _metadata(net: Network) -> dict[str, str]:
    return {
        "fcnn_version": __version__,
        "sizes": json.dumps(list(net.sizes)),
        "activations": json.dumps([f.config() for f in net.activations]),
        "cost": json.dumps(net.cost.config()),
    }


def to_onnx(
    model: Any,
    path: str | os.PathLike[str],
    *,
    opset: int | None = None,
    dtype: Any = None,
    calibration: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    check: bool = True,
    threads: int = 1,
) -> ExportReport | None:
    """Write a network, or a fitted estimator, as an ONNX model and check it with onnxruntime.

    One Gemm per layer (z = a W^T + b with W as stored) and each activation as ONNX
    operators. The input ``"input"`` has shape ``("N", sizes[0])`` (any number of rows).
    A network's output is ``"output"``; a `fcnn.sklearn.FCNNClassifier`'s are
    ``"label"`` (its classes, int64 or string; for multi-label targets the int64 indicator
    matrix) and ``"probabilities"`` (as `predict_proba`), as skl2onnx writes
    scikit-learn's MLPClassifier (without a ZipMap); a `fcnn.sklearn.FCNNRegressor`'s is
    ``"variable"``, shape (N, n_outputs). The model's metadata holds fcnn's version, the
    sizes, the activations and the cost.

    Parameters
    ----------
    model : fcnn.Network, fcnn.sklearn.FCNNClassifier or fcnn.sklearn.FCNNRegressor
        The network, or the fitted estimator (its averaged network if it predicts with one).
    path : str or os.PathLike
        The ONNX file to write.
    opset : int, optional
        The ONNX opset, from 13 to 28 (with onnx 1.23 or newer); 21 by default, which
        every onnxruntime from 1.18 on runs. Exact GELU in float32
        is the Gelu operator from opset 20 and the erf formula below it.
    dtype : {"float32", "float64"}, optional
        The model's input, parameters and outputs; the network's dtype by default.
        onnxruntime computes Erf and Gelu in float32 only, so a float64 GELU ("gelu")
        is z erfc(-z / sqrt 2) / 2 with erfc written in elementwise operators.
    calibration : array_like of shape (n_samples, sizes[0]), optional
        The inputs the written model is checked on (as `to_c` takes them; they should be
        of the inputs' scale); by default a deterministic standard normal sample of 256
        rows.
    labels : array_like of int, shape (n_samples,), optional
        The classes of the `calibration` rows (column indices of the outputs), for the
        accuracy of both in the report.
    check : bool, default True
        Run the written model; False only writes it (then onnxruntime is not needed and
        nothing is returned).
    threads : int, default 1
        onnxruntime's intra-op threads for the check (1 gives the same result every run),
        at least 1.

    Returns
    -------
    ExportReport or None
        The model's outputs against `fcnn.Network.predict` (an estimator's
        `predict_proba` or `predict`) on the checked inputs; None with ``check=False``.

    Raises
    ------
    ImportError
        If onnx (or, for the check, onnxruntime) is not installed: ``pip install 'fcnn[onnx]'``.
    TypeError
        If `model` is not a network or a fitted estimator, or `opset`, `dtype` or
        `threads` is of the wrong type.
    ValueError
        If `opset`, `dtype` or `threads` is out of range, `calibration` is not of the
        shape above or `labels` not one per row, a layer's activation is user-defined
        (ONNX has no operators for it), or a classifier's classes are neither integers
        nor strings.

    See Also
    --------
    register_skl2onnx : Converts the estimators inside scikit-learn pipelines.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.export import to_onnx
    >>> net = fcnn.Network([4, 8, 3], ["relu", "softmax"], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> report = to_onnx(net, path)
    >>> report.samples, report.max_rel < 1e-12, report.argmax_agreement
    (256, True, 1.0)
    """
    onnx = _require("onnx")
    net, estimator = _subject(model)
    _refuse_user_defined(net)
    opset = _checked_opset(opset)
    dtype = _checked_dtype(dtype, net.dtype)
    threads = check_int(threads, "threads", minimum=1)
    check = check_bool(check, "check")
    g = _ModelEmitter(dtype, opset)
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    out = _forward(g, net, "input")
    n_in, n_out = net.sizes[0], net.sizes[-1]
    if estimator is None:
        outputs = [onnx.helper.make_tensor_value_info("output", elem, ["N", n_out])]
        g.node("Identity", [out], "output", output="output")
    elif hasattr(estimator, "classes_"):
        multi = estimator._multi_label
        label_type = onnx.TensorProto.INT64 if multi else _label_type(estimator)
        outputs = [
            onnx.helper.make_tensor_value_info(
                "label", label_type, ["N", n_out] if multi else ["N"]
            ),
            onnx.helper.make_tensor_value_info(
                "probabilities", elem, ["N", n_out if multi else max(n_out, 2)]
            ),
        ]
        _classifier_outputs(g, estimator, out, "label", "probabilities")
    else:
        outputs = [onnx.helper.make_tensor_value_info("variable", elem, ["N", n_out])]
        g.node("Identity", [out], "variable", output="variable")
    graph = onnx.helper.make_graph(
        g.nodes,
        "fcnn",
        [onnx.helper.make_tensor_value_info("input", elem, ["N", n_in])],
        outputs,
        g.initializers,
    )
    opsets = [onnx.helper.make_opsetid("", opset)]
    onnx_model = onnx.helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="fcnn",
        producer_version=__version__,
        ir_version=onnx.helper.find_min_ir_version_for(opsets),
    )
    onnx.helper.set_model_props(onnx_model, _metadata(net))
    onnx.save(onnx_model, os.fspath(path))
    if not check:
        return None
    return _check(path, net, estimator, dtype, calibration, labels, threads)


def _label_type(clf: Any) -> int:
    from onnx import TensorProto

    return TensorProto.INT64 if _classes(clf)[1] is np.int64 else TensorProto.STRING


def _check(
    path: str | os.PathLike[str],
    net: Network,
    estimator: Any,
    dtype: np.dtype,
    calibration: ArrayLike | None,
    labels: ArrayLike | None,
    threads: int,
) -> ExportReport:
    ort = _require("onnxruntime")
    if calibration is None:
        X = np.random.default_rng(0).standard_normal((SAMPLE_ROWS, net.sizes[0]))
    else:
        X = np.asarray(calibration)
        if X.ndim != 2 or X.shape[1] != net.sizes[0]:
            raise ValueError(
                f"calibration must be of shape (n_samples, {net.sizes[0]}), got {X.shape}"
            )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (X.shape[0],):
            raise ValueError(
                f"labels must be of shape ({X.shape[0]},), one per calibration row, "
                f"got {labels.shape}"
            )
    X = np.ascontiguousarray(X, dtype=dtype)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(os.fspath(path), options, providers=["CPUExecutionProvider"])
    if estimator is None:
        expected, output = net.predict(X), "output"
    elif hasattr(estimator, "classes_"):
        expected, output = estimator.predict_proba(X), "probabilities"
    else:
        expected, output = estimator.predict(X).reshape(len(X), -1), "variable"
    (got,) = session.run([output], {"input": X})
    return compare(os.fspath(path), f"onnxruntime {ort.__version__}", expected, got, labels)


class _SklEmitter(_Emitter):
    """The emitter of skl2onnx's converter: names from its scope, nodes to its container."""

    def __init__(self, scope: Any, container: Any, dtype: np.dtype) -> None:
        super().__init__(dtype, container.target_opset)
        self.scope = scope
        self.container = container

    def constant(self, hint: str, values: ArrayLike, dtype: Any = None) -> str:
        from onnx import numpy_helper

        name = self.scope.get_unique_variable_name(hint)
        array = np.asarray(values, dtype=self.dtype if dtype is None else dtype)
        tensor = numpy_helper.from_array(array, name)
        self.container.add_initializer(name, tensor.data_type, array.shape, array.ravel())
        return name

    def node(self, op: str, inputs: list[str], hint: str, **attributes: Any) -> str:
        out = attributes.pop("output", None) or self.scope.get_unique_variable_name(hint)
        self.container.add_node(
            op, inputs, [out], name=self.scope.get_unique_operator_name(op), **attributes
        )
        return out


def _convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's converter of a fitted FCNNClassifier or FCNNRegressor."""
    from onnx.helper import np_dtype_to_tensor_dtype
    from skl2onnx.common.data_types import DoubleTensorType

    estimator = operator.raw_operator
    net, _ = _subject(estimator)
    _refuse_user_defined(net)
    source = operator.inputs[0]
    dtype = np.dtype(np.float64 if isinstance(source.type, DoubleTensorType) else np.float32)
    g = _SklEmitter(scope, container, dtype)
    x = g.node("Cast", [source.full_name], "input", to=int(np_dtype_to_tensor_dtype(dtype)))
    out = _forward(g, net, x)
    if hasattr(estimator, "classes_"):
        label, proba = (o.full_name for o in operator.outputs)
        _classifier_outputs(g, estimator, out, label, proba)
    else:
        g.node("Identity", [out], "variable", output=operator.outputs[0].full_name)


def register_skl2onnx() -> None:
    """Register fcnn's estimators with skl2onnx, so that pipelines holding them convert.

    After it, ``skl2onnx.to_onnx(pipeline, X)`` converts an `fcnn.sklearn.FCNNClassifier`
    (outputs ``label`` and ``probabilities``, with skl2onnx's ZipMap unless
    ``options={"zipmap": False}``) and an `fcnn.sklearn.FCNNRegressor` (``variable``) with
    the graph that `to_onnx` writes. Calling it again changes nothing.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skl2onnx import to_onnx as skl_to_onnx
    >>> from fcnn.export import register_skl2onnx
    >>> from fcnn.sklearn import FCNNClassifier
    >>> register_skl2onnx()
    >>> X = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = FCNNClassifier((5,), epochs=3, tol=None, random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), clf)
    >>> onx = skl_to_onnx(pipe.fit(X, y), X[:1], options={"zipmap": False})
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    """
    try:
        from skl2onnx import update_registered_converter
        from skl2onnx.shape_calculators.linear_classifier import (
            calculate_linear_classifier_output_shapes,
        )
        from skl2onnx.shape_calculators.linear_regressor import (
            calculate_linear_regressor_output_shapes,
        )
    except ImportError as error:
        raise ImportError("register_skl2onnx needs skl2onnx: pip install skl2onnx") from error
    from .sklearn import FCNNClassifier, FCNNRegressor

    update_registered_converter(
        FCNNClassifier,
        "FcnnFCNNClassifier",
        calculate_linear_classifier_output_shapes,
        _convert,
        options={"zipmap": [True, False, "columns"], "nocl": [False]},  # its parser asks both
    )
    update_registered_converter(
        FCNNRegressor, "FcnnFCNNRegressor", calculate_linear_regressor_output_shapes, _convert
    )
