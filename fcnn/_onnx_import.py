"""Networks from ONNX models: the fully-connected chains that fcnn, PyTorch and skl2onnx write.

The reader walks the graph from its one input to the chosen output. Each layer is a Gemm,
or a MatMul with an optional Add, whose weights and bias are constants (initializers or
Constant nodes); what follows it up to the next layer is its activation: one operator
(Relu, Softmax, PRelu, ...), or a small elementwise subgraph of one variable (x * Sigmoid(x),
the erf and tanh forms of GELU, x * Tanh(Softplus(x)), ...) that is recognised by
evaluating it in NumPy and comparing it with fcnn's activations (with a parameter taken
from its constants). Identity, Cast, Flatten and a Reshape that keeps the rows are skipped
where they leave the values as they are. fcnn's own metadata adds what a graph cannot hold
(the cost, a PReLU's initial slope), and only where it describes the graph that was read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf, expit

from . import activations as _activations
from . import costs as _costs
from .activations import Activation, ActivationName
from .costs import Cost, cost_for_output
from .network import Network

__all__ = ["from_onnx"]


LINEAR_OPS = ("Gemm", "MatMul")
# Nodes that pass the values on unchanged (checked case by case in _skip_no_op).
NO_OPS = ("Identity", "Cast", "Flatten", "Reshape")

# Elementwise functions of one variable, with constants of one value (or one per unit: a
# PReLU's slopes), that an activation's subgraph may use; evaluated in float64 to recognise
# the activation it computes.
ELEMENTWISE: dict[str, Callable[..., NDArray[np.float64]]] = {
    "Identity": lambda x: x,
    "Cast": lambda x: x,
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": np.divide,
    "Pow": np.power,
    "Neg": np.negative,
    "Abs": np.abs,
    "Sign": np.sign,
    "Sqrt": np.sqrt,
    "Reciprocal": np.reciprocal,
    "Exp": np.exp,
    "Log": np.log,
    "Erf": erf,
    "Tanh": np.tanh,
    "Sigmoid": expit,
    "Softplus": lambda x: np.logaddexp(0, x),
    "Relu": lambda x: np.maximum(x, 0),
    "Max": np.maximum,
    "Min": np.minimum,
    "Where": np.where,
    "Greater": np.greater,
    "Less": np.less,
}
# Activations without parameters that a subgraph may compute, in the order they are tried.
RECOGNISABLE: tuple[ActivationName, ...] = (
    "linear", "sigmoid", "tanh", "relu", "swish", "exp", "gelu", "gelu_tanh",
    "selu", "softplus", "mish", "elu",
)  # fmt: skip
# Where the subgraph is evaluated, and how close it must come to an activation: float32
# constants (sqrt(2), 0.044715, ...) put the float32 exporters' forms within ~1e-7.
PROBE = np.linspace(-6.0, 6.0, 97)
PROBE_RTOL = 1e-5
PROBE_ATOL = 1e-7

# ONNX's Selu defaults are float32 roundings of fcnn's (PyTorch's) alpha and scale.
SELU_RTOL = 1e-6


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "fcnn.from_onnx needs onnx, an optional extra of fcnn: pip install 'fcnn[onnx]'"
        ) from None
    return onnx


def _describe(node: Any) -> str:
    return f"{node.op_type} node {node.name!r}" if node.name else f"{node.op_type} node"


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


class _Graph:
    """The model's graph as the reader needs it: constants, producers and consumers."""

    def __init__(self, model: Any, output: str | None) -> None:
        onnx = _onnx()
        from onnx import numpy_helper

        graph = model.graph
        self.opset = next(
            (entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")), 1
        )
        self.constants: dict[str, NDArray[Any]] = {
            tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer
        }
        nodes = []
        for node in graph.node:
            if node.op_type == "Constant":
                self.constants[node.output[0]] = _constant_value(node)
            elif node.input and all(not i or i in self.constants for i in node.input):
                folded = _fold(node, [self.constants[i] for i in node.input if i])
                if folded is None:
                    nodes.append(node)
                else:
                    self.constants[node.output[0]] = folded
            else:
                nodes.append(node)
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(repr(i.name) for i in inputs)
            raise ValueError(
                f"an MLP has one input, but the graph has {len(inputs)}: {names or 'none'}"
            )
        self.input = inputs[0].name
        elem_type = inputs[0].type.tensor_type.elem_type
        dtypes = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64}
        if elem_type not in dtypes:
            raise ValueError(
                f"the input {self.input!r} must be float or double, got "
                f"{onnx.TensorProto.DataType.Name(elem_type)}"
            )
        self.dtype = np.dtype(dtypes[elem_type])
        self.producer = {name: node for node in nodes for name in node.output}
        self.output = self._chosen_output(graph, output, dtypes)
        needed = self._ancestors(self.output)
        self.nodes = [node for node in nodes if id(node) in needed]
        self.consumers: dict[str, list[Any]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                self.consumers.setdefault(name, []).append(node)

    def _chosen_output(self, graph: Any, output: str | None, dtypes: dict[int, Any]) -> str:
        """The output to import: `output`, or the one tensor of floats (a ZipMap's input
        for skl2onnx's classifiers, whose label output is left out)."""
        candidates = []
        for value in graph.output:
            producer = self.producer.get(value.name)
            if producer is not None and producer.op_type == "ZipMap":
                candidates.append(producer.input[0])
            elif value.type.tensor_type.elem_type in dtypes:
                candidates.append(value.name)
        if output is not None:
            names = [value.name for value in graph.output]
            if output not in names and output not in candidates:
                raise ValueError(
                    f"output must be one of the graph's outputs {names}, got {output!r}"
                )
            return output
        if len(candidates) != 1:
            raise ValueError(
                f"the graph has {len(candidates)} outputs of floats "
                f"({', '.join(map(repr, candidates)) or 'none'}): choose one with output=NAME"
            )
        return self._one_probability(self._sigmoid_outputs(candidates[0]))

    def _sigmoid_outputs(self, name: str) -> str:
        """p for fcnn's one-vs-rest probabilities Where(sum(p) > 0, p / sum(p), 1 / n) of
        sigmoid outputs p, else `name`."""
        where = self.producer.get(name)
        if where is None or where.op_type != "Where" or len(where.input) != 3:
            return name
        positive, shares = (self.producer.get(i) for i in where.input[:2])
        if positive is None or shares is None or shares.op_type != "Div":
            return name
        p, totals = shares.input
        total = self.producer.get(totals)
        sigmoid = self.producer.get(p)
        if (
            positive.op_type == "Greater"
            and list(positive.input[:1]) == [totals]
            and np.array_equal(np.ravel(self.constants.get(positive.input[1], np.nan)), [0])
            and total is not None
            and total.op_type == "ReduceSum"
            and list(total.input[:1]) == [p]
            and where.input[2] in self.constants
            and sigmoid is not None
            and sigmoid.op_type == "Sigmoid"
        ):
            return p
        return name

    def _one_probability(self, name: str) -> str:
        """p for skl2onnx's binary probabilities Concat(1 - p, p), else `name`."""
        concat = self.producer.get(name)
        if concat is None or concat.op_type != "Concat" or len(concat.input) != 2:
            return name
        complement, p = (self.producer.get(i) for i in concat.input)
        if (
            complement is not None
            and complement.op_type == "Sub"
            and complement.input[1] == concat.input[1]
            and np.array_equal(np.ravel(self.constants.get(complement.input[0], np.nan)), [1])
            and p is not None
            and p.op_type == "Sigmoid"
        ):
            return concat.input[1]
        return name

    def _ancestors(self, name: str) -> set[int]:
        """The ids of the nodes that `name` is computed from."""
        found: set[int] = set()
        pending = [name]
        while pending:
            node = self.producer.get(pending.pop())
            if node is not None and id(node) not in found:
                found.add(id(node))
                pending.extend(i for i in node.input if i)
        return found

    def only_consumer(self, name: str) -> Any | None:
        """The node reading `name`, None at the output; an error for a fork."""
        consumers = self.consumers.get(name, [])
        if name == self.output and not consumers:
            return None
        if len(consumers) != 1:
            readers = ", ".join(_describe(node) for node in consumers) or "nothing"
            raise ValueError(
                f"the tensor {name!r} is read by {readers}: an MLP is a chain (no skip "
                f"connections or branches)"
            )
        return consumers[0]

    def constant(self, node: Any, index: int, what: str) -> NDArray[Any]:
        name = node.input[index] if index < len(node.input) else ""
        if name not in self.constants:
            raise ValueError(
                f"{_describe(node)}: its {what} ({name!r}) must be a constant (an initializer or "
                f"a Constant node), as in a fully-connected layer"
            )
        return self.constants[name]


def _decimal(value: float) -> float:
    """An attribute's float32 value as the shortest decimal that rounds to it (0.1f -> 0.1),
    the number an exporter was given."""
    return float(str(np.float32(value)))


def _constant_value(node: Any) -> NDArray[Any]:
    from onnx import numpy_helper

    for key, value in _attributes(node).items():
        if key == "value":
            return numpy_helper.to_array(value)
        if key in ("value_float", "value_floats", "value_int", "value_ints"):
            return np.asarray(value)
    raise ValueError(f"{_describe(node)} holds no numeric value")


def _fold(node: Any, values: list[NDArray[Any]]) -> NDArray[Any] | None:
    """The value of a node of constants that exporters write around weights, else None."""
    from onnx import helper

    attributes = _attributes(node)
    if node.op_type == "Identity":
        return values[0]
    if node.op_type == "Transpose":
        return np.transpose(values[0], attributes.get("perm"))
    if node.op_type == "Cast":
        return values[0].astype(helper.tensor_dtype_to_np_dtype(attributes["to"]))
    if node.op_type == "Reshape" and len(values) == 2 and not (values[1] == 0).any():
        return values[0].reshape(values[1])
    return None


def _skip_no_op(graph: _Graph, node: Any, width: int | None) -> None:
    """Check that a no-op node leaves a (rows, width) matrix of floats as it is."""
    attributes = _attributes(node)
    if node.op_type == "Cast":
        from onnx import helper

        if helper.tensor_dtype_to_np_dtype(attributes["to"]).kind != "f":
            raise ValueError(f"{_describe(node)} casts to a type that is not a float")
    elif node.op_type == "Flatten" and attributes.get("axis", 1) != 1:
        raise ValueError(f"{_describe(node)}: only axis=1 keeps the rows of an MLP")
    elif node.op_type == "Reshape":
        shape = graph.constant(node, 1, "shape").tolist()
        keeps = (
            len(shape) == 2 and shape[0] in (0, -1) and (width is None or shape[1] in (-1, width))
        )
        if not keeps:
            raise ValueError(
                f"{_describe(node)} reshapes to {shape}; only a reshape that keeps the "
                f"(rows, {width if width is not None else 'features'}) matrix is part of an MLP"
            )


def _linear(graph: _Graph, node: Any) -> tuple[tuple[NDArray[Any], NDArray[Any]], str]:
    """The weights (n_out, n_in), bias and output tensor of the layer starting at `node`."""
    if node.op_type == "Gemm":
        attributes = _attributes(node)
        if attributes.get("transA", 0):
            raise ValueError(f"{_describe(node)} has transA=1: the rows must be the samples")
        b = graph.constant(node, 1, "B (the weights)")
        w = b if attributes.get("transB", 0) else b.T
        alpha, beta = (_decimal(attributes.get(key, 1.0)) for key in ("alpha", "beta"))
        if alpha != 1.0:
            w = w * w.dtype.type(alpha)
        bias = graph.constant(node, 2, "C (the bias)") if len(node.input) > 2 else None
        if bias is not None and beta != 1.0:
            bias = bias * bias.dtype.type(beta)
        return _checked(node, w, bias), node.output[0]
    if node.op_type != "MatMul":
        raise ValueError(
            f"{_describe(node)} is where a fully-connected layer (Gemm or MatMul) must be"
        )
    if node.input[0] in graph.constants:
        raise ValueError(f"{_describe(node)}: the samples must be its first input (A)")
    w = graph.constant(node, 1, "second input (the weights)")
    output = node.output[0]
    follower = graph.only_consumer(output)
    bias = None
    if follower is not None and follower.op_type == "Add":
        other = [name for name in follower.input if name != output]
        if len(other) == 1 and other[0] in graph.constants:
            bias, output = graph.constants[other[0]], follower.output[0]
    return _checked(node, w.T, bias), output


def _checked(
    node: Any, w: NDArray[Any], bias: NDArray[Any] | None
) -> tuple[NDArray[Any], NDArray[Any]]:
    if w.ndim != 2:
        raise ValueError(f"{_describe(node)}: the weights have shape {w.shape}, not 2-D")
    if bias is None:
        bias = np.zeros(w.shape[0], dtype=w.dtype)
    if bias.size not in (1, w.shape[0]) or bias.squeeze().ndim > 1:
        raise ValueError(
            f"{_describe(node)}: the bias has shape {bias.shape}, not one value per output "
            f"({w.shape[0]})"
        )
    return w, np.broadcast_to(bias.reshape(-1), (w.shape[0],)).copy()


def _region(graph: _Graph, start: str) -> tuple[list[Any], str]:
    """The activation's nodes after a layer's linear part `start`, and its output tensor."""
    region: list[Any] = []
    produced = {start}
    pending = [start]
    while pending:
        name = pending.pop()
        for node in graph.consumers.get(name, []):
            if (
                node in region
                or node.op_type in LINEAR_OPS
                or node.op_type in ("Flatten", "Reshape")
            ):
                continue
            region.append(node)
            produced.update(node.output)
            pending.extend(node.output)
    for node in region:
        for name in node.input:
            if name and name not in produced and name not in graph.constants:
                raise ValueError(
                    f"{_describe(node)} reads {name!r}, which is neither the layer's output "
                    f"nor a constant: an MLP is a chain (no skip connections or second inputs)"
                )
    exits = [
        name
        for name in produced
        if name == graph.output or any(node not in region for node in graph.consumers.get(name, []))
    ]
    if len(exits) != 1:
        raise ValueError(
            f"the activation after {start!r} has {len(exits)} outputs read further on "
            f"({', '.join(map(repr, sorted(exits)))}): an MLP is a chain (no skip connections)"
        )
    return _in_order(region, start, graph), exits[0]


def _in_order(region: list[Any], start: str, graph: _Graph) -> list[Any]:
    ready = {start, *graph.constants}
    ordered: list[Any] = []
    while len(ordered) < len(region):
        for node in region:
            if node not in ordered and all(not i or i in ready for i in node.input):
                ordered.append(node)
                ready.update(node.output)
    return ordered


def _activation(
    graph: _Graph, nodes: list[Any], start: str, end: str, width: int
) -> tuple[Activation, NDArray[Any] | None]:
    """The activation (and PReLU's slopes) that `nodes` compute from `start` to `end`."""
    core = [node for node in nodes if node.op_type not in ("Identity", "Cast")]
    for node in nodes:
        if node.op_type == "Cast":
            _skip_no_op(graph, node, width)
    if not core:
        return _activations.get("linear"), None
    if len(core) == 1:
        single = _single(graph, core[0], width)
        if single is not None:
            return single
    return _recognised(graph, nodes, start, end, width)


def _single(graph: _Graph, node: Any, width: int) -> tuple[Activation, NDArray[Any] | None] | None:
    """The activation one operator computes, None for an elementwise one left to probing."""
    attributes = _attributes(node)
    op = node.op_type
    if op == "LeakyRelu":
        return _activations.LeakyReLU(_decimal(attributes.get("alpha", 0.01))), None
    if op == "Elu":
        return _activations.ELU(_decimal(attributes.get("alpha", 1.0))), None
    if op == "Selu":
        alpha, gamma = attributes.get("alpha"), attributes.get("gamma")
        for given, fcnn_value in (
            (alpha, _activations.SELU_ALPHA),
            (gamma, _activations.SELU_SCALE),
        ):
            if given is not None and not np.isclose(given, fcnn_value, rtol=SELU_RTOL, atol=0):
                raise ValueError(
                    f"{_describe(node)} has alpha={alpha}, gamma={gamma}; fcnn's selu has "
                    f"alpha={_activations.SELU_ALPHA}, scale={_activations.SELU_SCALE}"
                )
        return _activations.get("selu"), None
    if op == "Gelu":
        approximate = attributes.get("approximate", b"none")
        approximate = approximate.decode() if isinstance(approximate, bytes) else approximate
        return _activations.get("gelu_tanh" if approximate == "tanh" else "gelu"), None
    if op == "Mish":
        return _activations.get("mish"), None
    if op in ("Softmax", "LogSoftmax"):
        axis = attributes.get("axis", 1 if graph.opset < 13 else -1)
        if op == "LogSoftmax" or axis not in (1, -1):
            raise ValueError(
                f"{_describe(node)}: fcnn's output activation is a Softmax over the units "
                f"(axis 1 or -1), got {op} with axis={axis}"
            )
        return _activations.get("softmax"), None
    if op == "PRelu":
        slope = graph.constant(node, 1, "slope")
        if slope.size not in (1, width):
            raise ValueError(
                f"{_describe(node)}: its slope has shape {slope.shape}, not one per unit ({width})"
            )
        return _activations.get("prelu"), np.broadcast_to(slope.reshape(-1), (width,)).copy()
    if op in ELEMENTWISE:
        return None
    raise ValueError(f"{_describe(node)} is no activation fcnn has")


def _recognised(
    graph: _Graph, nodes: list[Any], start: str, end: str, width: int
) -> tuple[Activation, NDArray[Any] | None]:
    """The activation an elementwise subgraph computes, found by evaluating it: one without
    parameters, a leaky_relu or elu whose parameter is one of the subgraph's constants,
    or a prelu whose slopes are its constant of one value per unit; the closest of those
    that match."""
    values: dict[str, NDArray[Any]] = {start: PROBE[:, None]}
    scalars: list[float] = []
    vectors: list[NDArray[Any]] = []
    for node in nodes:
        if node.op_type not in ELEMENTWISE:
            raise ValueError(
                f"{_describe(node)} is no activation fcnn has, nor part of one it recognises"
            )
        inputs = []
        for name in node.input:
            if name in values:
                inputs.append(values[name])
                continue
            constant = graph.constants[name]
            if constant.size == 1:
                scalars.append(_parameter(constant))
            elif constant.size == width and constant.squeeze().ndim == 1:
                vectors.append(constant.reshape(-1))
            else:
                raise ValueError(
                    f"{_describe(node)} uses a constant of shape {constant.shape}: an "
                    f"activation has one value, or one per unit ({width})"
                )
            inputs.append(constant.astype(np.float64).reshape(-1 if constant.size > 1 else ()))
        with np.errstate(all="ignore"):
            values[node.output[0]] = np.asarray(ELEMENTWISE[node.op_type](*inputs), np.float64)
    result = values[end]
    if len(vectors) > 1:
        listed = ", ".join(_describe(node) for node in nodes)
        raise ValueError(f"the nodes {listed} use {len(vectors)} constants of one value per unit")
    candidates: list[tuple[Activation, NDArray[Any] | None]]
    if vectors:
        candidates = [(_activations.get("prelu"), vectors[0])]
    else:
        candidates = [(_activations.get(name), None) for name in RECOGNISABLE]
        for value in dict.fromkeys(v for v in scalars if np.isfinite(v)):
            candidates += [(_activations.LeakyReLU(value), None), (_activations.ELU(value), None)]
    closest: tuple[float, Activation, NDArray[Any] | None] | None = None
    for f, slopes in candidates:
        z = PROBE[:, None]
        expected = f(z, slopes) if isinstance(f, _activations.PReLU) else f(z)
        if np.allclose(result, expected, rtol=PROBE_RTOL, atol=PROBE_ATOL):
            deviation = float(np.abs(result - expected).max())
            if closest is None or deviation < closest[0]:
                closest = (deviation, f, slopes)
    if closest is None:
        listed = ", ".join(_describe(node) for node in nodes)
        raise ValueError(f"the nodes {listed} compute no activation fcnn has")
    return closest[1], closest[2]


def _parameter(constant: NDArray[Any]) -> float:
    """An activation's parameter from its constant: a float32 one as the decimal written."""
    value = constant.reshape(()).item()
    return _decimal(value) if constant.dtype == np.float32 else float(value)


def _read_layers(graph: _Graph) -> list[tuple[NDArray[Any], NDArray[Any], Activation, Any]]:
    layers: list[tuple[NDArray[Any], NDArray[Any], Activation, Any]] = []
    current, width = graph.input, None
    while True:
        node = graph.only_consumer(current)
        if node is None:
            break
        if node.op_type in NO_OPS:
            _skip_no_op(graph, node, width)
            current = node.output[0]
            continue
        if node.op_type not in LINEAR_OPS:
            where = f"layer {len(layers)}" if layers else "the input"
            raise ValueError(
                f"{_describe(node)} reads the output of {where}; an MLP continues with a "
                f"fully-connected layer (Gemm or MatMul) or ends"
            )
        (w, b), z = _linear(graph, node)
        if width is not None and w.shape[1] != width:
            raise ValueError(
                f"{_describe(node)} takes {w.shape[1]} inputs, but the layer before has {width}"
            )
        width = w.shape[0]
        nodes, current = _region(graph, z)
        f, slopes = _activation(graph, nodes, z, current, width)
        layers.append((w, b, f, slopes))
    if not layers:
        raise ValueError("the graph has no fully-connected layer (Gemm or MatMul)")
    return layers


def _described(
    model: Any, sizes: list[int], found: list[Activation], dtype: np.dtype
) -> tuple[list[Activation], Cost] | None:
    """The activations and cost in `fcnn.export.to_onnx`'s metadata, if it describes the
    graph that was read: the same sizes and activations, parameters equal in the model's
    dtype (the metadata keeps a PReLU's initial slope, the graph cannot); else None."""
    props = {prop.key: prop.value for prop in model.metadata_props}
    try:
        described = [_activations.from_config(c) for c in json.loads(props["activations"])]
        cost = _costs.from_config(json.loads(props["cost"]))
        described_sizes = json.loads(props["sizes"])
    except (KeyError, TypeError, ValueError):
        return None
    agree = (
        described_sizes == sizes
        and len(described) == len(found)
        and all(
            type(ours) is type(theirs) and dtype.type(ours.param) == dtype.type(theirs.param)
            for ours, theirs in zip(described, found, strict=True)
        )
    )
    return (described, cost) if agree else None


def from_onnx(
    model: str | os.PathLike[str] | Any,
    *,
    cost: str | Cost | None = None,
    output: str | None = None,
) -> Network:
    """A Network from an ONNX model of a fully-connected feed-forward network.

    Reads what `fcnn.export.to_onnx` writes, what ``torch.onnx.export`` writes for an
    ``nn.Sequential`` of ``Linear`` layers and activations, and what skl2onnx writes for a
    fitted ``MLPClassifier`` or ``MLPRegressor``. Each layer is a Gemm (any transB, alpha
    and beta) or a MatMul with an optional Add, with constant weights and bias; each may be
    followed by an activation: Sigmoid, Tanh, Relu, LeakyRelu, PRelu, Elu, Selu, Softplus,
    Gelu, Mish, Exp, Softmax (the output layer), or an elementwise subgraph of one variable
    that computes one of fcnn's activations (x * Sigmoid(x) is swish; the erf and tanh forms
    of GELU and x * Tanh(Softplus(x)) are recognised too, and so are leaky_relu and elu
    whose parameter is one of the subgraph's constants, and prelu whose slopes are its
    constant of one value per unit). Identity, Cast, Flatten and a Reshape that keeps the
    rows are skipped. The weights are copied exactly. Where the metadata that
    `fcnn.export.to_onnx` writes describes the graph read (the same sizes and
    activations, their parameters equal in the model's dtype), the activations and the
    cost are the metadata's, which keeps a PReLU's initial slope and parameters with more
    digits than float32's: ``from_onnx(to_onnx(net))`` gives `net` back.

    Parameters
    ----------
    model : str, os.PathLike or onnx.ModelProto
        The ONNX file, or the model loaded.
    cost : str or Cost, optional
        The imported network's cost (for training on). Default: the metadata's (above),
        else from the output activation, "log_likelihood" for softmax, "cross_entropy"
        for sigmoid and "quadratic" for the others.
    output : str, optional
        The graph output to import, where there are several outputs of floats. By
        default the only one; for skl2onnx's classifiers that is the probabilities (the
        ``label`` output, an ArgMax over them and the class labels, is left out: the
        network's outputs are the probabilities in the order of the estimator's
        ``classes_``). A binary classifier's probabilities come from one sigmoid unit,
        which becomes the network's output, the probability of ``classes_[1]``; fcnn's
        one-vs-rest probabilities (sigmoid outputs divided by their sum) give the
        sigmoid outputs.

    Returns
    -------
    Network
        Of the model's dtype (float32 or float64, its input's).

    Raises
    ------
    ImportError
        If onnx is not installed (``pip install 'fcnn[onnx]'``).
    TypeError
        If `model` is neither a path nor an onnx.ModelProto.
    ValueError
        If the graph is not such a chain: the message names the node (its op_type and
        name) and why; or if `output` is not one of the graph's outputs.

    See Also
    --------
    fcnn.export.to_onnx : Write a network as an ONNX model.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> w = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]])  # 3 units, 2 inputs
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
    ...      helper.make_node("Relu", ["z"], ["y"])],
    ...     "mlp",
    ...     [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 3])],
    ...     [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.zeros(3), "b")],
    ... )
    >>> net = fcnn.from_onnx(helper.make_model(graph))
    >>> net
    Network([2, 3], activations=['relu'], cost='quadratic', dtype='float64')
    >>> net.predict(np.array([[1.0, 2.0]]))
    array([[0. , 4.5, 2. ]])
    """
    onnx = _onnx()
    if isinstance(model, (str, os.PathLike)):
        model = onnx.load(os.fspath(model))
    elif not isinstance(model, onnx.ModelProto):
        raise TypeError(f"model must be a path or an onnx.ModelProto, got {type(model).__name__}")
    graph = _Graph(model, output)
    layers = _read_layers(graph)
    sizes = [layers[0][0].shape[1]] + [w.shape[0] for w, _, _, _ in layers]
    functions = [f for _, _, f, _ in layers]
    described = _described(model, sizes, functions, graph.dtype)
    if described is not None:
        functions = described[0]
    if cost is None:
        default = cost_for_output(functions[-1].name or "")
        cost = default if described is None else described[1]
    net = Network(sizes, functions, cost, dtype=graph.dtype, seed=0)
    net.weights = [w for w, _, _, _ in layers]
    net.biases = [b for _, b, _, _ in layers]
    for params, (_, _, _, slopes) in zip(net.params, layers):
        if slopes is not None:
            params["slopes"][...] = slopes
    return net
