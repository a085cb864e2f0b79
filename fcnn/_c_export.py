"""`to_c`: a network as dependency-free C99 source, float32, float64 or int8, self-checked."""

from __future__ import annotations

import ctypes
import os
import re
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._export_report import ExportReport, compare

if TYPE_CHECKING:
    from .activations import Activation
    from .network import Network

__all__ = ["to_c", "C_FLAGS"]

CDtype = Literal["float32", "float64", "int8"]

#: The flags the self-check compiles with: the generated code is strict C99.
C_FLAGS = ("-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2")

#: Rows the self-check runs when no calibration set is given (standard normal inputs).
SAMPLE_ROWS = 64

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBERS_PER_LINE = 8


def to_c(
    net: Network,
    folder: str | os.PathLike[str],
    *,
    dtype: CDtype = "float32",
    calibration: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    name: str = "fcnn_model",
    check: bool = True,
) -> ExportReport | None:
    """Write the network as a C99 header and source, compile them and check their outputs.

    ``<name>.h`` declares ``void <name>_predict(const T *input, T *output)`` (one sample
    of ``sizes[0]`` inputs to ``sizes[-1]`` outputs) and ``<name>_predict_with(input,
    output, scratch)``, which takes its working memory from the caller:
    ``<NAME>_SCRATCH`` elements of ``<name>_scratch_t``. ``<name>_predict`` keeps that
    scratch on the stack (two of the widest hidden layers; a static buffer would not be
    reentrant); on a small stack, pass a buffer of your own to ``_predict_with``. The
    code allocates nothing, reads only its ``static const`` parameters and needs no
    library but ``<math.h>`` (``exp``, ``expm1``, ``tanh``, ``erfc``, ``log1p`` and the
    ``f`` versions, for the activations that use them: link with ``-lm``). T is
    ``float`` for float32 and int8, ``double`` for float64.

    int8 quantizes each layer's weights symmetrically (scale ``max|w| / 127``) and each
    layer's input asymmetrically from the range it takes on `calibration` (a scale and
    a zero point; after sigmoid or ReLU the range is one-sided, where a symmetric scale
    would waste half the codes). The products add up in int32, with the bias at the
    accumulator's scale and the zero point's term folded into it. Each unit's sum is
    then scaled to float, its activation computed in float and requantized with the
    next layer's scale: one float multiply per unit, next to as many integer
    multiply-adds as the layer has inputs, and every activation takes the same path
    (a fixed-point multiplier would serve only linear and ReLU-like ones). The output
    layer's activations stay float: input and output are float arrays.

    Parameters
    ----------
    net : Network
        The network to export; its activations must be built-in ones.
    folder : str or os.PathLike
        Where to write ``<name>.h`` and ``<name>.c``; made if it does not exist.
    dtype : {"float32", "float64", "int8"}, default "float32"
        The arithmetic of the C code.
    calibration : array_like, shape (n_samples, sizes[0]), optional
        Representative inputs: the ranges int8 quantizes with (required for int8) and
        the rows the self-check runs (by default 64 rows of standard normal numbers).
    labels : array_like of int, shape (n_samples,), optional
        The classes of the calibration rows, for the accuracy change in the report.
    name : str, default "fcnn_model"
        The files' stem and the prefix of every C name; a C identifier.
    check : bool, default True
        Compile the written source with the system C compiler (``$CC``, Python's
        compiler, ``cc``, ``gcc`` or ``clang``) and `C_FLAGS`, run it through ctypes
        and measure it against `Network.predict`. False skips this and returns None.

    Returns
    -------
    ExportReport or None
        What the compiled code gave against ``net.predict`` on the calibration rows;
        None when `check` is False.

    Raises
    ------
    TypeError
        If a layer's activation is user-defined (it has no C form).
    ValueError
        If `dtype` or `name` is not one of the above, `calibration` is missing for
        int8 or has the wrong shape, `labels` do not match it, or an int8 layer has so
        many inputs that its int32 sum could overflow.
    RuntimeError
        If `check` is True and no C compiler is found, or it fails on the source.

    Examples
    --------
    >>> import tempfile
    >>> import fcnn
    >>> from fcnn.export import to_c
    >>> net = fcnn.Network([2, 3, 2], seed=0)
    >>> X, y = fcnn.datasets.xor()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     report = to_c(net, folder, dtype="float64", calibration=X, labels=y)
    >>> report.samples, report.max_rel < 1e-12, report.argmax_agreement
    (4, True, 1.0)
    """
    if dtype not in ("float32", "float64", "int8"):
        raise ValueError(f"dtype must be 'float32', 'float64' or 'int8', got {dtype!r}")
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"name must be a C identifier, got {name!r}")
    for layer, f in enumerate(net.activations, 1):
        if f.user_defined:
            raise TypeError(
                f"layer {layer}'s activation {f.name!r} ({type(f).__name__}) is "
                "user-defined and has no C form; to_c exports built-in activations only"
            )
    X = _calibration_rows(net, calibration, dtype)
    if labels is not None and np.shape(labels) != (X.shape[0],):
        raise ValueError(
            f"labels must have shape ({X.shape[0]},), one per calibration row, "
            f"got {np.shape(labels)}"
        )
    model = _Model.of(net, dtype, X, name)
    os.makedirs(folder, exist_ok=True)
    header, source = (os.path.join(folder, f"{name}.{ext}") for ext in ("h", "c"))
    with open(header, "w", encoding="ascii") as handle:
        handle.write(model.header())
    with open(source, "w", encoding="ascii") as handle:
        handle.write(model.source())
    if not check:
        return None
    runner, outputs = _compile_and_run(source, model, X)
    return compare(str(folder), runner, net.predict(X), outputs, labels)


def _calibration_rows(net, calibration, dtype):
    n_inputs = net.sizes[0]
    if calibration is None:
        if dtype == "int8":
            raise ValueError("calibration is required for int8: the inputs' ranges set its scales")
        return np.random.default_rng(0).standard_normal((SAMPLE_ROWS, n_inputs))
    X = np.asarray(calibration, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n_inputs or X.shape[0] == 0:
        raise ValueError(
            f"calibration must have shape (n_samples, {n_inputs}) with n_samples >= 1, "
            f"got {X.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError("calibration must hold finite numbers only")
    return X


# The C form of each activation: (body of `static T <name>(T v)`, helpers it calls).
# {f} ends a libm name ("f" for float), {T} is the type; sigmoid and softplus are
# the stable forms the compiled core uses, gelu uses erfc (1 + erf cancels for z < 0).
_ACTIVATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sigmoid": ("{T} e = exp{f}(-fabs{f}(v));\n    return (v >= 0 ? 1 : e) / (1 + e);", ()),
    "tanh": ("return tanh{f}(v);", ()),
    "relu": ("return v > 0 ? v : 0;", ()),
    "leaky_relu": ("return v > 0 ? v : {param} * v;", ()),
    "swish": ("return v * act_sigmoid(v);", ("sigmoid",)),
    "exp": ("return exp{f}(v);", ()),
    "gelu": ("return {half} * v * erfc{f}(-v * {rsqrt2});", ()),
    "gelu_tanh": (
        "return v * act_sigmoid({gelu_tanh_a} * (v + {gelu_tanh_b} * v * v * v));",
        ("sigmoid",),
    ),
    "elu": ("return v > 0 ? v : {param} * expm1{f}(v);", ()),
    "selu": ("return {selu_scale} * (v > 0 ? v : {selu_alpha} * expm1{f}(v));", ()),
    "softplus": (
        "return v > {softplus_threshold} ? v : (v > 0 ? v : 0) + log1p{f}(exp{f}(-fabs{f}(v)));",
        (),
    ),
    "mish": ("return v * tanh{f}((v > 0 ? v : 0) + log1p{f}(exp{f}(-fabs{f}(v))));", ()),
}


def _constants():
    from .activations import SELU_ALPHA, SELU_SCALE, SOFTPLUS_THRESHOLD

    return {
        "half": 0.5,
        "rsqrt2": 0.70710678118654752,
        "gelu_tanh_a": 1.5957691216057308,
        "gelu_tanh_b": 0.044715,
        "selu_scale": SELU_SCALE,
        "selu_alpha": SELU_ALPHA,
        "softplus_threshold": SOFTPLUS_THRESHOLD,
    }


@dataclass
class _Layer:
    """One layer as the C code holds it."""

    n_in: int
    n_out: int
    activation: Activation
    weights: NDArray[np.generic]  # (n_out, n_in): float, or int8 for int8
    biases: NDArray[np.generic]  # float, or int32 at the accumulator's scale
    slopes: NDArray[np.floating] | None  # PReLU's
    to_float: float = 1.0  # int8: the accumulator's scale, s_w s_in
    out_scale: float = 1.0  # int8 hidden layers: the next layer's input scale
    out_zero: int = 0  # and zero point


@dataclass
class _Model:
    """A network's C source for one dtype."""

    name: str
    dtype: CDtype
    sizes: tuple[int, ...]
    layers: list[_Layer]
    in_scale: float = 1.0  # int8: the input's scale and zero point
    in_zero: int = 0

    @property
    def real(self) -> str:
        return "double" if self.dtype == "float64" else "float"

    @property
    def numpy_real(self) -> type[np.floating]:
        return np.float64 if self.dtype == "float64" else np.float32

    @property
    def scratch(self) -> int:
        """Elements of scratch: two of the widest hidden layers (at least one); for
        int8 the quantized input is one of them."""
        layers = self.sizes[:-1] if self.dtype == "int8" else self.sizes[1:-1]
        return 2 * max(layers, default=0) or 1

    @classmethod
    def of(cls, net: Network, dtype: CDtype, X: NDArray[np.float64], name: str) -> _Model:
        real = np.float64 if dtype == "float64" else np.float32
        layers = []
        for w, b, f, params in zip(net.weights, net.biases, net.activations, net.params):
            slopes = params.get("slopes")
            layers.append(
                _Layer(
                    n_in=w.shape[1],
                    n_out=w.shape[0],
                    activation=f,
                    weights=np.asarray(w, dtype=real),
                    biases=np.asarray(b, dtype=real),
                    slopes=None if slopes is None else np.asarray(slopes, dtype=real),
                )
            )
        model = cls(name, dtype, tuple(net.sizes), layers)
        if dtype == "int8":
            model.quantize(net, X)
        return model

    def quantize(self, net: Network, X: NDArray[np.float64]) -> None:
        """int8 weights and int32 biases, with each layer's input range from `X`."""
        activations = net.trace(X).a
        self.in_scale, self.in_zero = _asymmetric(activations[0])
        in_scale, in_zero = self.in_scale, self.in_zero
        for layer, a in zip(self.layers, activations[1:]):
            w = np.asarray(layer.weights, dtype=np.float64)
            w_scale = float(np.abs(w).max()) / 127 or 1.0
            q = np.clip(np.rint(w / w_scale), -127, 127).astype(np.int64)
            layer.to_float = w_scale * in_scale
            bias = np.rint(np.asarray(layer.biases, np.float64) / layer.to_float)
            bias -= in_zero * q.sum(axis=1)
            bound = 127 * 128 * layer.n_in + np.abs(bias).max(initial=0)
            if bound >= 2**31:
                raise ValueError(
                    f"layer {self.layers.index(layer) + 1} has {layer.n_in} inputs and "
                    f"biases up to {np.abs(bias).max():.3g} accumulator units: its int32 "
                    "sum could overflow; export it as float32"
                )
            layer.weights, layer.biases = q.astype(np.int8), bias.astype(np.int32)
            if layer is not self.layers[-1]:
                layer.out_scale, layer.out_zero = _asymmetric(a)
                in_scale, in_zero = layer.out_scale, layer.out_zero

    def header(self) -> str:
        guard = f"{self.name.upper()}_H"
        macro = self.name.upper()
        scratch_t = "int8_t" if self.dtype == "int8" else self.real
        activations = ", ".join(f.name or "" for f in (layer.activation for layer in self.layers))
        return f"""\
/* {self.name}: a network of fcnn {list(self.sizes)} ({activations}) in {self.dtype}.
 * Generated by fcnn.export.to_c; C99, no allocation. */
#ifndef {guard}
#define {guard}
{"#include <stdint.h>" if self.dtype == "int8" else ""}
#ifdef __cplusplus
extern "C" {{
#endif

#define {macro}_INPUTS {self.sizes[0]}
#define {macro}_OUTPUTS {self.sizes[-1]}
#define {macro}_SCRATCH {self.scratch}

typedef {scratch_t} {self.name}_scratch_t;

/* output[0..{macro}_OUTPUTS) from input[0..{macro}_INPUTS); the working memory,
 * {macro}_SCRATCH elements of {self.name}_scratch_t, on the stack. */
void {self.name}_predict(const {self.real} *input, {self.real} *output);

/* The same with the working memory from the caller (for small stacks). */
void {self.name}_predict_with(const {self.real} *input, {self.real} *output,
    {self.name}_scratch_t *scratch);

#ifdef __cplusplus
}}
#endif
#endif
"""

    def source(self) -> str:
        parts = [f'/* Generated by fcnn.export.to_c. */\n#include "{self.name}.h"\n']
        if self._needs_libm():
            parts.append("#include <math.h>\n")
        parts.append(self._parameters())
        parts.append(self._activation_functions())
        parts.append(self._int8_helpers() if self.dtype == "int8" else self._dense())
        parts.append(self._predict())
        return "\n".join(parts)

    def _needs_libm(self) -> bool:
        plain = {"linear", "relu", "leaky_relu", "prelu"}
        return any(layer.activation.name not in plain for layer in self.layers)

    def _literal(self, value: float, real: str | None = None) -> str:
        """A C literal of `value` in `real` (the model's), exactly as that type holds it."""
        if (real or self.real) == "float":
            return repr(float(np.float32(value))) + "f"
        return repr(float(value))

    def _array(self, kind: str, name: str, values: NDArray[np.generic]) -> str:
        if kind in ("int8_t", "int32_t"):
            items = [str(int(v)) for v in values.ravel()]
        else:
            items = [self._literal(float(v), kind) for v in values.ravel()]
        lines = [
            "    " + ", ".join(items[i : i + _NUMBERS_PER_LINE])
            for i in range(0, len(items), _NUMBERS_PER_LINE)
        ]
        body = ",\n".join(lines)
        return f"static const {kind} {name}[{len(items)}] = {{\n{body}\n}};\n"

    def _parameters(self) -> str:
        int8 = self.dtype == "int8"
        out = []
        for l, layer in enumerate(self.layers, 1):
            out.append(self._array("int8_t" if int8 else self.real, f"w{l}", layer.weights))
            out.append(self._array("int32_t" if int8 else self.real, f"b{l}", layer.biases))
            if layer.slopes is not None:
                out.append(self._array(self.real, f"slopes{l}", layer.slopes))
        return "\n".join(out)

    def _activation_functions(self) -> str:
        """``static T act_<name>(T v)`` for each activation used and the helpers they call
        (an unused static function fails -Werror); leaky_relu and elu once per layer, with
        the layer's parameter (act_leaky_relu2, ...)."""
        f = "f" if self.real == "float" else ""
        constants = {k: self._literal(v) for k, v in _constants().items()}
        functions: dict[str, str] = {}

        def want(key: str, suffix: str = "", param: str = "") -> None:
            body, helpers = _ACTIVATIONS[key]
            for helper in helpers:
                want(helper)
            text = body.format(T=self.real, f=f, param=param, **constants)
            functions.setdefault(f"act_{key}{suffix}", text)

        for l, layer in enumerate(self.layers, 1):
            key = layer.activation.name or ""
            if key in ("leaky_relu", "elu"):
                want(key, str(l), self._literal(layer.activation.param))
            elif key in _ACTIVATIONS:
                want(key)
        return "\n".join(
            f"static {self.real} {name}({self.real} v)\n{{\n    {text}\n}}\n"
            for name, text in functions.items()
        )

    def _activate(self, l: int, layer: _Layer, v: str, unit: str) -> str:
        """The C expression of layer l's activation of `v` (unit `unit`); softmax is
        applied to the whole layer afterwards, so it is `v` here, as linear is."""
        key = layer.activation.name
        if key in ("leaky_relu", "elu"):
            return f"act_{key}{l}({v})"
        if key == "prelu":
            return f"({v} > 0 ? {v} : slopes{l}[{unit}] * {v})"
        if key in ("linear", "softmax"):
            return v
        return f"act_{key}({v})"

    def _dense(self) -> str:
        T = self.real
        return f"""\
/* z = w x + b for w of shape (rows, cols), row-major */
static void dense(const {T} *w, const {T} *b, const {T} *x, {T} *z, int rows, int cols)
{{
    int i, j;
    for (i = 0; i < rows; ++i) {{
        {T} sum = 0;
        for (j = 0; j < cols; ++j)
            sum += w[i * cols + j] * x[j];
        z[i] = sum + b[i];
    }}
}}
"""

    def _int8_helpers(self) -> str:
        return """\
/* the int32 sum of w x + b for w of shape (rows, cols), row-major */
static int32_t dense_row(const int8_t *w, int32_t b, const int8_t *x, int cols)
{
    int j;
    int32_t sum = b;
    for (j = 0; j < cols; ++j)
        sum += (int32_t)w[j] * (int32_t)x[j];
    return sum;
}

/* round(v * inverse_scale) + zero, saturated to int8 (v clamped first, so that the
 * conversion to int is defined) */
static int8_t quantize(float v, float inverse_scale, int zero)
{
    float q = v * inverse_scale;
    int r;
    q = q > 256.0f ? 256.0f : (q < -256.0f ? -256.0f : q);
    r = (int)(q + (q >= 0 ? 0.5f : -0.5f)) + zero;
    return (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
}
"""

    def _int8_layer(self, l: int, layer: _Layer, previous: str, target: str, last: bool) -> str:
        scale = self._literal(layer.to_float)
        activated = self._activate(l, layer, "v", "i")
        if last:
            store = f"output[i] = {activated};"
        else:
            inverse = self._literal(1 / layer.out_scale)
            store = f"{target}[i] = quantize({activated}, {inverse}, {layer.out_zero});"
        return (
            f"    for (i = 0; i < {layer.n_out}; ++i) {{\n"
            f"        float v = (float)dense_row(w{l} + i * {layer.n_in}, b{l}[i], {previous}, "
            f"{layer.n_in}) * {scale};\n"
            f"        {store}\n"
            "    }\n"
        )

    def _softmax(self, n: int) -> str:
        T = self.real
        f = "f" if T == "float" else ""
        return f"""\
    {{ /* softmax, max-subtracted */
        {T} top = output[0], total = 0;
        for (i = 1; i < {n}; ++i)
            top = output[i] > top ? output[i] : top;
        for (i = 0; i < {n}; ++i) {{
            output[i] = exp{f}(output[i] - top);
            total += output[i];
        }}
        for (i = 0; i < {n}; ++i)
            output[i] /= total;
    }}
"""

    def _predict(self) -> str:
        T, name, half = self.real, self.name, self.scratch // 2
        scratch_t = f"{name}_scratch_t"
        body = []
        previous = "input"
        if self.dtype == "int8":
            inverse = self._literal(1 / self.in_scale, "float")
            body.append(
                f"    {scratch_t} *a0 = scratch; /* the input, quantized */\n"
                f"    for (i = 0; i < {self.sizes[0]}; ++i)\n"
                f"        a0[i] = quantize(input[i], {inverse}, {self.in_zero});\n"
            )
            previous = "a0"
        for l, layer in enumerate(self.layers, 1):
            last = l == len(self.layers)
            target = "output" if last else f"a{l}"
            body.append(
                f"    /* layer {l}: {layer.n_in} -> {layer.n_out}, {layer.activation.name} */\n"
            )
            if not last:  # a^l alternates between the halves of the scratch
                body.append(f"    {scratch_t} *{target} = scratch + {(l % 2) * half};\n")
            if self.dtype == "int8":
                body.append(self._int8_layer(l, layer, previous, target, last))
            else:
                body.append(
                    f"    dense(w{l}, b{l}, {previous}, {target}, {layer.n_out}, {layer.n_in});\n"
                )
                if layer.activation.name not in ("linear", "softmax"):
                    element = f"{target}[i]"
                    body.append(
                        f"    for (i = 0; i < {layer.n_out}; ++i)\n"
                        f"        {element} = {self._activate(l, layer, element, 'i')};\n"
                    )
            if layer.activation.name == "softmax":
                body.append(self._softmax(layer.n_out))
            previous = target
        if len(self.layers) == 1 and self.dtype != "int8":
            body.insert(0, "    (void)scratch; /* no hidden layer */\n")
        if any("++i" in part for part in body):
            body.insert(0, "    int i;\n")
        signature = f"void {name}_predict_with(const {T} *input, {T} *output, {scratch_t} *scratch)"
        return f"""\
{signature}
{{
{"".join(body)}}}

void {name}_predict(const {T} *input, {T} *output)
{{
    {scratch_t} scratch[{self.scratch}];
    {name}_predict_with(input, output, scratch);
}}
"""


def _asymmetric(a: NDArray[np.floating]) -> tuple[float, int]:
    """The scale and zero point that map [min(a, 0), max(a, 0)] onto int8's 256 codes
    (zero exactly representable, as the zero points fold into the biases)."""
    low, high = min(float(np.min(a)), 0.0), max(float(np.max(a)), 0.0)
    scale = (high - low) / 255 or 1.0
    zero = int(np.clip(np.rint(-128 - low / scale), -128, 127))
    return scale, zero


def _c_compiler() -> list[str]:
    """The command of the system C compiler: $CC, Python's CC, cc, gcc or clang."""
    for command in (os.environ.get("CC"), sysconfig.get_config_var("CC")):
        if command and shutil.which(shlex.split(command)[0]):
            return shlex.split(command)
    for candidate in ("cc", "gcc", "clang"):
        found = shutil.which(candidate)
        if found:
            return [found]
    raise RuntimeError(
        "to_c found no C compiler (set CC, or install cc, gcc or clang) to check the "
        "export with; pass check=False to write the C files without checking them"
    )


def _compile_and_run(
    source: str, model: _Model, X: NDArray[np.float64]
) -> tuple[str, NDArray[np.floating]]:
    """Compile `source` with `C_FLAGS` as a shared library, run it on the rows of X through
    ctypes; the runner's description and the outputs."""
    compiler = _c_compiler()
    version = subprocess.run(
        [*compiler, "-dumpversion"], capture_output=True, text=True, check=False
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as build:
        library = os.path.join(build, f"lib{model.name}.so")
        command = [*compiler, *C_FLAGS, "-shared", "-fPIC", source, "-o", library, "-lm"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"compiling the exported C failed ({' '.join(command)}):\n{done.stderr}"
            )
        predict = getattr(ctypes.CDLL(library), f"{model.name}_predict")
    real = model.numpy_real
    pointer = ctypes.POINTER(ctypes.c_double if real is np.float64 else ctypes.c_float)
    predict.argtypes, predict.restype = [pointer, pointer], None
    inputs = np.ascontiguousarray(X, dtype=real)
    outputs = np.empty((X.shape[0], model.sizes[-1]), dtype=real)
    for row, out in zip(inputs, outputs):
        predict(row.ctypes.data_as(pointer), out.ctypes.data_as(pointer))
    runner = f"{os.path.basename(compiler[0])} {version} {' '.join(C_FLAGS)} (ctypes)"
    return runner, outputs
