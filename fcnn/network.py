"""The Network, a fully-connected feed-forward neural network.

Its forward pass, back-propagation and training run in the compiled core (`fcnn._core`,
or its AVX2 build: fcnn/_compiled.py).

Notation follows the lecture notes: layer 0 is the input, layer l = 1..L computes
z^l = w^l a^{l-1} + b^l and a^l = f(z^l); w^l[j, i] is the weight to neuron j of layer l
from neuron i of layer l-1. In Python lists the notes' w^l is ``weights[l - 1]``.
"""

from __future__ import annotations

import functools
import html
import inspect
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Self, overload

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _compiled, _model_file, _numpy_core
from . import activations as _activations
from . import costs as _costs
from . import optimizers as _optimizers
from . import threads as _threads
from . import training as _training
from ._validation import (
    MAX_DIMENSION,
    as_feature_names,
    as_inputs,
    as_sample_weight,
    as_targets,
    check_dropout,
    check_dtype,
    check_feature_names,
    check_hyperparameter,
    check_int,
    check_out,
    check_positive_number,
    check_seed,
    check_sizes,
    core_rows,
    feature_names,
    first_non_finite,
    label_range_error,
    mean_one_weights,
    non_finite_error,
    one_hot_rows,
    predicted_classes,
    target_kind,
)
from .initializers import check_scheme, initialize
from .training import SHUFFLE_BUFFER, DiagnosticName, MetricsOn, Monitor, ScheduleName

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .activations import Activation
    from .costs import Cost
    from .explain import StepExplanation
    from .history import History
    from .optimizers import Optimizer
    from .schedules import Schedule

__all__ = ["Network", "Trace", "Gradients", "Predictor"]

SMALL_ROWS = 64
"""Inputs of up to this many rows take predict's latency path (SmallPredictor)."""


def _chunk_rows(sizes, n_params):
    """Rows per forward chunk in predict and evaluate. Each chunk streams every weight
    once and its own input rows once: about as many rows as the weights are input rows
    long keeps either from dominating (narrow nets: small chunks that stay in cache;
    wide nets: large chunks that reuse the weights)."""
    return min(512, max(32, n_params // sizes[0]))


def _has_parameters(function):
    """Whether an activation or cost is more than its name (e.g. LeakyReLU(slope=0.2),
    Huber(delta=1.0)): then it shows as its repr, and a cost is saved as its config."""
    return function.config() != {"name": function.name}


def _aligned_zeros(n, dtype, alignment=64):
    """Zeros starting on a cache-line boundary: the BLAS kernels read whole weight rows
    (single-sample latency varies by a third with the alignment of the parameters)."""
    spare = alignment // dtype.itemsize
    raw = np.zeros(n + spare, dtype=dtype)
    start = (-raw.ctypes.data % alignment) // dtype.itemsize
    return raw[start : start + n]


class Trace:
    """The forward pass of a batch, layer by layer; `Network.trace` makes one.

    Parameters
    ----------
    z : list of ndarray or None
        The weighted inputs z^l for l = 0..L, ``z[0]`` None (the input has none).
    a : list of ndarray
        The activations a^l = f(z^l) for l = 0..L, ``a[0]`` the input.

    Attributes
    ----------
    z, a : list
        As given. For a batch, ``z[l]`` and ``a[l]`` have shape (n_samples, sizes[l]),
        one row per example (Z^l = A^{l-1} (w^l)^T + b^l); for one 1-D sample,
        shape (sizes[l],).

    See Also
    --------
    Network.trace : Makes one.
    """

    def __init__(self, z: list[NDArray[Any] | None], a: list[NDArray[Any]]) -> None:
        self.z = z
        self.a = a

    def __repr__(self):
        shapes = [None if z is None else z.shape for z in self.z]
        return f"Trace(z shapes={shapes})"


class Gradients:
    """Back-propagation of one batch; `Network.gradients` makes one.

    Parameters
    ----------
    cost : float
        The mean cost over the batch (with the regularization terms asked for), or
        its sum with ``reduction="sum"``, as are the gradients.
    delta : list of ndarray or None
        ``delta[l]`` = dC_x/dz^l per sample for l = 1..L (BP1, BP2); ``delta[0]`` is
        None. Shape (n_samples, sizes[l]), or (sizes[l],) for one 1-D sample.
    grad_w : list of ndarray
        ``grad_w[l - 1]`` = dC/dw^l, averaged over the batch (BP4), shape
        (sizes[l], sizes[l - 1]) like ``weights[l - 1]``.
    grad_b : list of ndarray
        ``grad_b[l - 1]`` = dC/db^l, averaged over the batch (BP3), shape (sizes[l],).
    grad_slopes : list of ndarray or None, or None, default None
        ``grad_slopes[l - 1]`` = dC/dalpha^l for a PReLU layer, else None.
    flat : ndarray or None, default None
        The whole gradient as one array, in the layout of `Network.theta`.

    Attributes
    ----------
    cost, delta, grad_w, grad_b, grad_slopes, flat
        As given.

    See Also
    --------
    Network.gradients : Makes one.
    """

    def __init__(
        self,
        cost: float,
        delta: list[NDArray[Any] | None],
        grad_w: list[NDArray[Any]],
        grad_b: list[NDArray[Any]],
        grad_slopes: list[NDArray[Any] | None] | None = None,
        flat: NDArray[Any] | None = None,
    ) -> None:
        self.cost = cost
        self.delta = delta
        self.grad_w = grad_w
        self.grad_b = grad_b
        self.grad_slopes = grad_slopes
        self.flat = flat

    def __repr__(self):
        return f"Gradients(cost={self.cost!r}, layers={len(self.grad_w)})"


class BatchGradient(NamedTuple):
    """What `Network.gradients` returns with ``out=``: the gradient itself is in `out`.

    Attributes
    ----------
    cost : float
        The cost whose gradient `out` holds: the (weighted) mean over the rows, or with
        ``reduction="sum"`` their (weighted) sum, with the regularization terms.
    rows : int
        The number of rows (examples) back-propagated.
    total_weight : float
        The sum of the sample weights, or `rows` without them: with ``reduction="sum"``,
        what the sums over all workers are divided by to give the mean.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> net = fcnn.Network([2, 3, 2], seed=0)
    >>> X, y = fcnn.datasets.xor()
    >>> part = net.gradients(X, y, out=np.empty_like(net.theta), reduction="sum")
    >>> round(part.cost, 4), part.rows, part.total_weight
    (1.494, 4, 4.0)
    """

    cost: float
    rows: int
    total_weight: float


def _same(a: Any, b: Any) -> bool:
    """Equal as parameters: arrays of the same shape and values, or dicts of such arrays."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(_same(a[key], b[key]) for key in a)
        )
    return bool(np.array_equal(a, b))


class ParameterList(Sequence[Any]):
    """Every layer's weights, biases or parameters, as live views of the network's.

    `Network.weights`, `Network.biases` and `Network.params` return one. It is a
    sequence indexed by layer (``[l - 1]`` for the notes' layer l) of the layers' arrays
    (of dicts of arrays, for `params`): it has a length, iterates, concatenates with
    ``+`` into a list, and equals a sequence of as many arrays (or dicts) with the same
    shapes and values (``np.array_equal``, elementwise by layer). ``net.weights[0][1, 2]
    = 0.5`` and ``net.weights[0] = new_matrix`` both change the network; the second
    checks the shape (a scalar fills the layer) and converts to the network's dtype.

    Parameters
    ----------
    views : list of ndarray, or list of dict of str to ndarray
        The live views, one per layer.
    kind : str
        "weights", "biases" or "params", for messages and the repr.

    Raises
    ------
    TypeError
        On assignment of values that are not real numbers, or of a layer of `params`
        (assign into its arrays instead).
    ValueError
        On assignment of an array of another shape (not a scalar), or of values that are
        not finite, or not once converted to the network's dtype (1e39 in float32).

    Examples
    --------
    >>> import fcnn
    >>> net = fcnn.Network([2, 3, 1], seed=0)
    >>> net.weights
    ParameterList('weights', shapes=[(3, 2), (1, 3)], dtype='float64')
    >>> len(net.weights), net.weights[0].shape
    (2, (3, 2))
    >>> len(net.weights + net.biases), net.weights == list(net.weights)
    (4, True)
    >>> net.weights[0] = 0.5
    >>> net.weights[0].tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    >>> net.weights[0] = [[1.0, 2.0]]
    Traceback (most recent call last):
    ...
    ValueError: weights[0] must have shape (3, 2) (or be a scalar), got (1, 2)
    """

    def __init__(self, views: list[Any], kind: str) -> None:
        self._views = views
        self._kind = kind

    def __len__(self) -> int:
        return len(self._views)

    def __getitem__(self, index: Any) -> Any:
        return self._views[index]

    def __setitem__(self, index: int, values: ArrayLike) -> None:
        self._views[index][...] = self._converted(index, values)

    def assign(self, values: Iterable[ArrayLike]) -> None:
        """Set every layer: one array (or scalar) per layer, each checked as ``[k] =``
        checks it; nothing changes unless every layer passes.

        ``net.weights = values`` and ``net.biases = values`` call it.

        Parameters
        ----------
        values : iterable of array_like
            One per layer, of the layer's shape, or a scalar.

        Raises
        ------
        TypeError
            If a layer's values are not real numbers, or this is `params`.
        ValueError
            If `values` has another length, or a layer's values another shape (not a
            scalar), or values that are not finite in the network's dtype.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 1], dtype="float32", seed=0)
        >>> net.biases.assign([0.0, 1.0])
        >>> net.biases[1].tolist()
        [1.0]
        >>> net.biases.assign([0.0, 1e39])
        Traceback (most recent call last):
        ...
        ValueError: biases[1] must be finite: its values overflow float32 (largest 3.40282e+38)
        >>> net.biases[0].tolist()
        [0.0, 0.0, 0.0]
        """
        values = list(values)
        if len(values) != len(self):
            raise ValueError(f"{self._kind} needs {len(self)} arrays, got {len(values)}")
        converted = [self._converted(index, value) for index, value in enumerate(values)]
        for view, layer in zip(self._views, converted):
            view[...] = layer

    def _converted(self, index: int, values: ArrayLike) -> NDArray[Any]:
        """values for layer `index`, checked and converted to the network's dtype."""
        if self._kind == "params":
            raise TypeError(
                f"params[{index}] is a dict of live views: assign into its arrays, e.g. "
                f"net.params[{index}]['w'][...] = values, or use net.weights[{index}] = values"
            )
        view = self._views[index]
        name = f"{self._kind}[{index}]"
        array = np.asarray(values)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
        if array.shape != view.shape and array.ndim != 0:
            raise ValueError(
                f"{name} must have shape {view.shape} (or be a scalar), got {array.shape}"
            )
        with np.errstate(over="ignore"):  # the check below names an overflow
            converted = array.astype(view.dtype)
        if not np.isfinite(converted).all():
            if np.isfinite(array).all():
                raise ValueError(
                    f"{name} must be finite: its values overflow {view.dtype} "
                    f"(largest {np.finfo(view.dtype).max:g})"
                )
            raise ValueError(f"{name} must be finite")
        return converted

    def __iter__(self) -> Iterator[Any]:
        return iter(self._views)

    def __add__(self, other: Iterable[Any]) -> list[Any]:
        return list(self) + list(other)

    def __radd__(self, other: Iterable[Any]) -> list[Any]:
        return list(other) + list(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Iterable) or isinstance(other, (str, bytes, np.ndarray)):
            return NotImplemented
        others = list(other)
        return len(others) == len(self) and all(map(_same, self, others))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which do not hash

    def __contains__(self, value: object) -> bool:
        return any(_same(view, value) for view in self)

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        for position in range(len(self))[start:stop]:
            if _same(self._views[position], value):
                return position
        raise ValueError(f"the value is not in {self._kind}")

    def count(self, value: Any) -> int:
        return sum(_same(view, value) for view in self)

    def __repr__(self) -> str:
        def shape(view):
            return {k: v.shape for k, v in view.items()} if isinstance(view, dict) else view.shape

        dtype = next(iter(self._views[0].values())) if self._kind == "params" else self._views[0]
        shapes = [shape(view) for view in self._views]
        return f"ParameterList({self._kind!r}, shapes={shapes}, dtype={dtype.dtype.name!r})"


class _Averages:
    """A network's averages of its parameters over training, in the layout of theta.

    `ema` is the exponential moving average that ``fit(ema_decay=)`` moves after each
    update (in the core), `swa` the equal average of the `swa_count` epoch-end
    parameters that ``fit(swa_start=)`` took. None: not kept.
    """

    def __init__(self) -> None:
        self.ema: NDArray[Any] | None = None
        self.swa: NDArray[Any] | None = None
        self.swa_count = 0

    def add_to_swa(self, theta: NDArray[Any]) -> None:
        """Take theta into the equal average, as torch.optim.swa_utils.AveragedModel does."""
        if self.swa is None:
            self.swa, self.swa_count = theta.copy(), 1
            return
        self.swa += (theta - self.swa) / (self.swa_count + 1)
        self.swa_count += 1


class _Structure:
    """Everything a network is but its parameters' values and its training state: widths,
    functions, dtype, the core's layout, the parameter array with its per-layer views, and
    per-thread core buffers.

    Never changed once made. `Network.__setstate__` swaps a network's whole structure in
    one assignment, so a method that reads ``self._structure`` once hands the core one
    network's layout, buffers and parameters, whatever other threads do meanwhile.
    """

    def __init__(self, sizes, activations, cost, dtype):
        self.sizes = sizes
        self.activations = _resolve_activations(activations, len(sizes) - 1)
        self.cost = _costs.get(cost)
        output = self.activations[-1]
        allowed = self.cost.output_activations
        if allowed is not None and output.name not in allowed:
            *others, last = map(repr, allowed)
            names = f"{', '.join(others)} or {last}" if others else last
            raise ValueError(
                f"cost {self.cost.name!r} {self.cost.output_reason}, so the "
                f"output activation must be {names}, got {output.name!r}"
            )
        self.dtype = dtype
        functions = [*self.activations, self.cost]
        # the classes of the user-defined functions, by name, as from_state takes them
        self.custom_objects = {f.name: type(f) for f in functions if f.user_defined}
        # the compiled core computes the built-in functions; NumPy a user's (with stand-in
        # codes in the layout, which then serves for the offsets and the update alone)
        self.core = (
            _numpy_core.NumPyCore(sizes, self.activations, self.cost)
            if self.custom_objects
            else _compiled.core
        )
        stand_ins = [_activations.Linear() if f.user_defined else f for f in self.activations]
        cost = _costs.Quadratic() if self.cost.user_defined else self.cost
        self.layout = _compiled.core.Layout(
            sizes, [f.code for f in stand_ins], [f.param for f in stand_ins], cost.code, cost.param
        )
        self.theta = _aligned_zeros(self.layout.n_params, dtype)
        w_off, b_off, p_off, _ = self.layout.offsets()
        shapes = list(zip(sizes[1:], sizes[:-1]))
        self.weights = [self.theta[o : o + n * m].reshape(n, m) for o, (n, m) in zip(w_off, shapes)]
        self.biases = [self.theta[o : o + n] for o, (n, _) in zip(b_off, shapes)]
        self.slopes = [None if o < 0 else self.theta[o : o + n] for o, (n, _) in zip(p_off, shapes)]
        self.per_thread = threading.local()
        # the core's entry point for this dtype, chosen once (no dispatch per call)
        self.core_predict = self.core.predict["float" if dtype == np.float32 else "double"]
        self.chunk_rows = _chunk_rows(sizes, self.layout.n_params)

    def workspace(self, capacity, **options):
        """The core's buffers for batches of up to `capacity` rows (options: the core's)."""
        if capacity * self.layout.n_units > np.iinfo(np.intp).max or capacity > MAX_DIMENSION:
            raise ValueError(f"a batch of {capacity} rows is too large for this network")
        return _compiled.core.Workspace(self.layout, self.dtype, capacity, **options)

    def inference_workspace(self, rows):
        """A workspace for forward passes in chunks, kept per thread and reused, so that
        predicting one sample allocates nothing but its output."""
        workspace = getattr(self.per_thread, "workspace", None)
        capacity = min(rows, self.chunk_rows)
        if workspace is None or workspace.capacity < capacity:
            workspace = self.per_thread.workspace = self.workspace(capacity)
        return workspace

    def gradient_workspace(self, rows, *, dropout, n_rows=0, sparse_nonzeros=0):
        """This thread's workspace for `Network.gradients` with ``out=``, kept and reused
        (a new one, as large as the last, when it lacks rows or room for dropout or for
        gathering the inputs: the options of `workspace`)."""
        workspace = getattr(self.per_thread, "gradients", None)
        if workspace is not None:
            rows = max(rows, workspace.capacity)
            fits = (
                workspace.capacity == rows
                and (workspace.mask.size > 0 or not dropout)
                and (workspace.x_batch.shape[0] > 0 or not n_rows or sparse_nonzeros)
                and workspace.sparse_data.shape[0] >= sparse_nonzeros
            )
            if fits:
                return workspace
        workspace = self.workspace(
            rows,
            training=True,
            dropout=dropout,
            n_rows=rows if n_rows else 0,
            sparse_nonzeros=sparse_nonzeros,
        )
        self.per_thread.gradients = workspace
        return workspace

    def small_predictor(self):
        """This thread's predictor of one sample or a few rows at a time."""
        predictor = getattr(self.per_thread, "small", None)
        if predictor is None:
            predictor = self.per_thread.small = self.core.SmallPredictor(
                self.layout, self.theta, min(SMALL_ROWS, self.chunk_rows)
            )
        return predictor

    def layer_views(self, workspace, name, rows):
        """Each layer's rows of `workspace`'s ``"z"``, ``"a"`` or ``"delta"``."""
        return [workspace.layer(name, k, rows, self.layout) for k in range(len(self.sizes) - 1)]


def _resolve_activations(activations, n_layers):
    if isinstance(activations, (str, _activations.Activation)) or not np.iterable(activations):
        activations = [activations] * n_layers  # one for all layers; get() names a bad one
    activations = list(activations)
    if len(activations) != n_layers:
        raise ValueError(
            f"activations must be one name or a list of {n_layers} (one per "
            f"layer after the input), got a list of {len(activations)}"
        )
    resolved = [_activations.get(f) for f in activations]
    for layer, f in enumerate(resolved[:-1], start=1):
        if f.name == "softmax":
            raise ValueError(f"softmax is for the output layer only, found at hidden layer {layer}")
    if resolved[-1].learnable:
        raise ValueError(
            f"{resolved[-1].name} is for hidden layers only, found at the output layer"
        )
    return tuple(resolved)


class NetworkInternals:
    """The small interface that fcnn's own modules use of a Network (`Network.internals`).

    Parameters
    ----------
    net : Network
        The network.

    Attributes
    ----------
    lock : threading.RLock
        Held by fit, step, save and the step explanation: one training run at a time.
    layout : fcnn._core.Layout
        The network's shape as the compiled core reads it.
    core : module or NumPyCore
        The core that computes the network's forward pass and back-propagation: the
        compiled one, or for user-defined functions the NumPy one, with the same entry
        points.
    custom_objects : dict of str to type
        The classes of the network's user-defined functions by name, for `from_state`.
    theta : ndarray
        Every parameter in one flat array (`Network.theta`).
    rng : numpy.random.Generator
        The network's own generator, which draws the shuffling when fit has no seed.
    averages : _Averages
        The network's averaged parameters (EMA, SWA), which fit keeps.
    """

    def __init__(self, net: Network) -> None:
        self.lock: threading.RLock = net._lock
        self._structure = structure = net._structure  # one network, also if it is swapped
        self.layout = structure.layout
        self.core: Any = structure.core
        self.custom_objects: dict[str, type] = structure.custom_objects
        self.theta = structure.theta
        self.rng: np.random.Generator = net._rng
        self.averages: _Averages = net._averages
        self._net = net

    @property
    def position(self) -> _training.Position:
        """`Network.position`, which the training run moves on."""
        return self._net._position

    @position.setter
    def position(self, position: _training.Position) -> None:
        self._net._position = position

    def workspace(self, capacity: int, **options: Any) -> Any:
        """The core's buffers for batches of up to `capacity` rows (options: the core's)."""
        return self._structure.workspace(capacity, **options)

    def layer_views(self, workspace: Any, name: str, rows: int) -> list[NDArray[Any]]:
        """Each layer's rows of `workspace`'s ``"z"``, ``"a"`` or ``"delta"``."""
        return self._structure.layer_views(workspace, name, rows)

    def evaluate(
        self,
        X: NDArray[Any],
        Y: NDArray[Any] | None,
        labels: NDArray[np.intp] | None,
        weights: NDArray[Any] | None = None,
    ) -> dict[str, float]:
        """`Network.evaluate` of data that is checked already (Y None: the labels')."""
        return _evaluate(self._structure, X, Y, labels, weights)

    def check_parameters_finite(self) -> None:
        """Raise ValueError if a parameter is inf or NaN."""
        _check_finite(self.theta)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """`Network.predict` of (n_samples, sizes[0]) inputs whose feature names the
        caller has checked (the estimators, with scikit-learn's validate_data)."""
        s = self._structure
        checked, _ = as_inputs(X, s.sizes[0], s.dtype, allow_single=False, check_finite=False)
        return _predict(s, checked, X)


class Network:
    """A fully-connected feed-forward neural network.

    Its forward pass, back-propagation and training run in the compiled core; the
    parameters live in one flat array, `theta`, of which `weights`, `biases` and
    `params` are live views.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, at least two, each >= 1, e.g.
        ``[784, 30, 10]``.
    activations : str, Activation, or a sequence of them, default "sigmoid"
        One for every layer after the input, or one per layer. Names: "linear",
        "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp", "gelu", "gelu_tanh",
        "elu", "selu", "softplus", "mish", "prelu" (hidden layers only, one learnt slope
        per neuron) and "softmax" (output layer only).
        ``fcnn.activations.LeakyReLU(slope=0.1)`` sets the leaky slope,
        ``fcnn.activations.ELU(alpha=0.5)`` ELU's alpha.
    cost : str or Cost, default "quadratic"
        "quadratic" (1/2 sum (a - y)^2), "squared_error", "absolute_error",
        "cross_entropy" or "log_likelihood" (these two need a sigmoid or softmax output),
        "poisson" (half Poisson deviance: an exp, sigmoid or softmax output), "huber",
        "pinball" (quantile), "hinge" (binary labels 0/1: a linear output) or
        "log_poisson" (half Poisson deviance of the rate e^a: a linear output).
        ``fcnn.costs.Huber(delta=0.5)`` and ``fcnn.costs.Pinball(tau=0.9)`` set the
        parameters (the names give delta = 1 and tau = 0.5).
    dtype : {"float64", "float32"}, default "float64"
        Of the parameters, the computations and the outputs (or the numpy dtype).
    init : str, default "normal_scaled"
        "normal_scaled" (w ~ N(0, 1/n_in), b ~ N(0, 1)), "normal" (N(0, 1),
        the notes' "large" initialisation), "xavier_uniform", "xavier_normal",
        "he_uniform", "he_normal" (biases zero for the last four); see fcnn.initializers.
    seed : int, numpy.random.Generator or None, default None
        Seeds the initialisation and, unless ``fit`` is given its own, the shuffling.
        The same seed gives the same parameters bit for bit; None draws fresh entropy.

    Attributes
    ----------
    optimizer : Optimizer or None
        The optimizer of the last `fit`, which the next fit continues (with its state)
        unless given ``lr`` or another optimizer; None before the first fit.
    stop_training : bool
        Set to True by a callback of `fit` to stop training after the current epoch
        (in ``on_batch_end``: after the current mini-batch); fit sets it to False when
        it starts.

    Raises
    ------
    TypeError
        If `sizes` is not a sequence of integers, an activation or the cost is neither
        a name nor an Activation or Cost, `dtype` is not a dtype, `init` is not a
        string, or `seed` is not an integer, a Generator or None.
    ValueError
        If `sizes` has fewer than two layers or a width below 1; an activation or cost
        name is unknown; the activations are neither one nor one per layer; softmax is
        on a hidden layer or prelu on the output layer; the cost is "cross_entropy" or
        "log_likelihood" and the output is not sigmoid or softmax, "poisson" and the
        output is not exp, sigmoid or softmax, or "hinge" or "log_poisson" and the output
        is not linear; `dtype` is neither float32 nor float64; `init` is unknown; `seed`
        is negative.

    See Also
    --------
    fcnn.load : Read a saved network.
    fcnn.sklearn : Estimators for scikit-learn around a Network.

    Notes
    -----
    Notation follows the lecture notes. Layer 0 is the input; layer l = 1..L computes::

        z^l = w^l a^{l-1} + b^l,    a^l = f(z^l)

    with ``w^l[j, i]`` the weight to neuron j of layer l from neuron i of layer l-1, so
    w^l has shape (sizes[l], sizes[l-1]); the notes' w^l is ``weights[l - 1]`` and b^l
    is ``biases[l - 1]``. Examples are rows: a batch X of shape (n_samples, sizes[0])
    goes through ``Z^l = A^{l-1} (w^l)^T + b^l``. Back-propagation computes the errors
    delta^l = dC/dz^l (BP1 at the output, BP2 downwards) and from them dC/db^l (BP3) and
    dC/dw^l (BP4).

    Examples
    --------
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 1], "tanh", "quadratic", seed=0)
    >>> net.sizes, net.dtype.name, net.theta.size
    ((2, 4, 1), 'float64', 17)
    >>> history = net.fit(X, y.astype(float), epochs=500, batch_size=4, lr=0.5)
    >>> (net.predict(X) > 0.5).ravel().tolist()
    [False, True, True, False]
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Activation | Sequence[str | Activation] = "sigmoid",
        cost: str | Cost = "quadratic",
        *,
        dtype: DTypeLike = "float64",
        init: str = "normal_scaled",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        seed, init = check_seed(seed), check_scheme(init)  # every check before the core
        self._build(check_sizes(sizes), activations, cost, check_dtype(dtype))
        self._rng = np.random.default_rng(seed)
        s = self._structure
        initialize(init, self._rng, s.weights, s.biases)
        for f, slopes in zip(s.activations, s.slopes):
            if slopes is not None:
                slopes[...] = f.initial

    def _build(self, sizes, activations, cost, dtype):
        """Everything but the parameters' values, shared by __init__ and loading."""
        self._structure = _Structure(sizes, activations, cost, dtype)
        # the optimizer of the last fit, which the next fit continues
        self.optimizer: Optimizer | None = None
        self._averages = _Averages()
        self._position = _training.Position(0, 0)
        self.stop_training = False
        self._feature_names: tuple[str, ...] | None = None
        # fit, step, save and __setstate__ hold it: one training run at a time, never a
        # half-updated save, never a structure swapped under a fit
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ properties

    @property
    def sizes(self) -> tuple[int, ...]:
        """The layer widths from input to output, e.g. ``(784, 30, 10)``."""
        return self._structure.sizes

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters, the computations and the outputs."""
        return self._structure.dtype

    @property
    def activations(self) -> tuple[Activation, ...]:
        """The activation f of each layer l = 1..L, as Activation objects."""
        return self._structure.activations

    @property
    def cost(self) -> Cost:
        """The cost function, as a Cost object."""
        return self._structure.cost

    @property
    def weights(self) -> ParameterList:
        """The weights: ``weights[l - 1]`` is the notes' w^l, shape (sizes[l], sizes[l - 1]).

        Live views of `theta`: writing into them, or assigning ``net.weights[k] = array``
        (checked: shape, or a scalar, and finite in the network's dtype), changes the
        network. Assigning ``net.weights = [w1, w2, ...]`` sets every layer, one array
        per layer, or none if a layer fails its check (`ParameterList.assign`).
        """
        return ParameterList(self._structure.weights, "weights")

    @weights.setter
    def weights(self, values: Iterable[ArrayLike]) -> None:
        self.weights.assign(values)

    @property
    def biases(self) -> ParameterList:
        """The biases: ``biases[l - 1]`` is the notes' b^l, shape (sizes[l],).

        Live views of `theta`, assigned like `weights`.
        """
        return ParameterList(self._structure.biases, "biases")

    @biases.setter
    def biases(self, values: Iterable[ArrayLike]) -> None:
        self.biases.assign(values)

    @property
    def theta(self) -> NDArray[np.floating]:
        """Every parameter in one flat array, a live view.

        Per layer: w (row-major), b, and the PReLU slopes; the layout of
        `Gradients.flat`. Its start is aligned to 64 bytes.
        """
        return self._structure.theta

    @property
    def params(self) -> ParameterList:
        """Every learnt parameter by layer: ``[{"w": ..., "b": ..., "slopes": ...}, ...]``.

        One dict per layer l = 1..L, with "slopes" only for PReLU layers; live views.
        A `ParameterList` (read-only by layer: assign into the dicts' arrays).
        """
        s = self._structure
        layers = []
        for w, b, slopes in zip(s.weights, s.biases, s.slopes):
            layer = {"w": w, "b": b}
            if slopes is not None:
                layer["slopes"] = slopes
            layers.append(layer)
        return ParameterList(layers, "params")

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The names of the input features, one per input neuron, or None.

        Recorded by the first `fit` or `step` on X with column names (a pandas
        DataFrame, a pyarrow Table), kept by `save` and `state`, and checked as
        scikit-learn checks ``feature_names_in_``: X with other names, or the same in
        another order, is a ValueError that lists what differs; X without names (a
        numpy array), or names given to a network without them, is a UserWarning. One
        1-D sample carries no names and is not checked. Assign a sequence of
        ``sizes[0]`` str, or None, to set or drop them.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 1], seed=0)
        >>> net.feature_names is None
        True
        >>> net.feature_names = ["height", "weight"]
        >>> net.feature_names
        ('height', 'weight')
        """
        return self._feature_names

    @feature_names.setter
    def feature_names(self, names: Sequence[str] | None) -> None:
        self._feature_names = as_feature_names(names, self.sizes[0])

    @property
    def position(self) -> _training.Position:
        """Where the network's training run is: the epochs and mini-batches trained
        since the last `fit` without ``resume=True`` began it.

        ``fit(resume=True)`` and `partial_fit` go on from here: the learning-rate
        schedule, ``swa_start`` and the epoch numbers continue where the run stopped.
        `save` keeps it, so that a loaded network resumes as the original would.

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> _ = net.fit(X, y, epochs=2, batch_size=2, lr=0.5)
        >>> _ = net.fit(X, y, epochs=1, batch_size=2, resume=True)
        >>> net.position
        Position(epochs=3, steps=6)
        """
        return self._position

    def _inputs(
        self, structure: _Structure, X: ArrayLike, **options: Any
    ) -> tuple[NDArray[Any], bool]:
        """as_inputs for `structure`, after checking X's column names against the
        network's (check_feature_names); warnings point at the caller's caller."""
        names = feature_names(X)
        if names is not None:  # before the shape: the names say more than a width
            check_feature_names(self._feature_names, names, stacklevel=3)
        array, single = as_inputs(X, structure.sizes[0], structure.dtype, **options)
        if names is None and not single:
            check_feature_names(self._feature_names, None, stacklevel=3)
        return array, single

    @property
    def internals(self) -> NetworkInternals:
        """What fcnn's own modules use of the network beyond its public API.

        The training run, the diagnostics, the gradient check and the step explanation
        reach the network's lock, compiled layout and generator only through this. Not
        for users: it may change in any release.
        """
        return NetworkInternals(self)

    # ------------------------------------------------------------------ state

    def state(self) -> tuple[dict[str, Any], dict[str, NDArray[np.floating]]]:
        """The whole network as plain data and arrays.

        ``Network.from_state(*net.state())`` is an identical network; `save` writes
        this to a file (docs/model-format.md).

        Returns
        -------
        header : dict
            JSON-serialisable: "sizes", "activations" (their configs), "cost" (its name,
            or its config for a cost with a parameter), "dtype",
            "rng" (the shuffling generator's state), "optimizer" (its config or
            None) and, only when the network has them, "feature_names" (a list of str),
            "swa_count" (the epochs in the SWA average) and "position" (`position`
            as ``{"epochs": ..., "steps": ...}``, once the network has trained).
        arrays : dict of str to ndarray
            "w1", "b1", ..., "slopes<l>" for PReLU layers, "optimizer_state<k>", and
            "ema" and "swa" when the network keeps them (`averaged`): copies, in the
            network's dtype.

        Raises
        ------
        ValueError
            If a parameter is inf or NaN (written into a live view): `from_state` and
            `fcnn.load` would refuse the result.

        Examples
        --------
        >>> import fcnn
        >>> header, arrays = fcnn.Network([2, 3, 1], seed=0).state()
        >>> header["sizes"], header["cost"], sorted(arrays)
        ([2, 3, 1], 'quadratic', ['b1', 'b2', 'w1', 'w2'])
        """
        with self._lock:  # one network: __setstate__ swaps it under this lock
            s = self._structure
            _check_finite(s.theta)
            header = {
                "sizes": list(s.sizes),
                "activations": [f.config() for f in s.activations],
                # a name, as files before costs had parameters, unless it has one
                "cost": s.cost.config() if _has_parameters(s.cost) else s.cost.name,
                "dtype": s.dtype.name,
                "rng": self._rng.bit_generator.state,
                "optimizer": None if self.optimizer is None else self.optimizer.config(),
            }
            if self._feature_names is not None:  # absent otherwise: files older fcnn reads
                header["feature_names"] = list(self._feature_names)
            averages = self._averages
            if averages.swa is not None:
                header["swa_count"] = averages.swa_count
            if self._position != (0, 0):  # absent otherwise: files older fcnn reads
                header["position"] = self._position._asdict()
            arrays = {}
            for l, (w, b, slopes) in enumerate(zip(s.weights, s.biases, s.slopes), 1):
                arrays[f"w{l}"] = w.copy()
                arrays[f"b{l}"] = b.copy()
                if slopes is not None:
                    arrays[f"slopes{l}"] = slopes.copy()
            if self.optimizer is not None:
                for k, state in enumerate(self.optimizer.states):
                    arrays[f"optimizer_state{k}"] = state.copy()
            for name, average in (("ema", averages.ema), ("swa", averages.swa)):
                if average is not None:
                    _check_finite(average)
                    arrays[name] = average.copy()
        return header, arrays

    @classmethod
    def from_state(
        cls,
        header: dict[str, Any],
        arrays: Mapping[str, NDArray[Any]],
        custom_objects: Mapping[str, type] | None = None,
    ) -> Self:
        """The network that `state` described.

        Parameters
        ----------
        header : dict
            The header `state` returns.
        arrays : mapping of str to ndarray
            The arrays `state` returns, each of the header's dtype and its layer's shape.
        custom_objects : mapping of str to type, optional
            The classes of the network's user-defined activations and cost, by the name
            each sets (see `fcnn.activations.Activation`); the header holds their configs.

        Returns
        -------
        Network
            A network with exactly those parameters, configuration, shuffling generator
            and optimizer state.

        Raises
        ------
        TypeError, ValueError
            On anything malformed: missing or unknown keys or arrays, names, shapes,
            dtypes, non-finite values, an invalid generator state; a user-defined
            function's name that `custom_objects` does not give.

        Examples
        --------
        >>> import numpy as np
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 1], seed=0)
        >>> copy = fcnn.Network.from_state(*net.state())
        >>> bool(np.array_equal(copy.theta, net.theta))
        True
        """
        if not isinstance(header, dict):
            raise TypeError(f"a network header is a dict, got {type(header).__name__}")
        expected = {"sizes", "activations", "cost", "dtype", "rng", "optimizer"}
        optional = {"feature_names", "swa_count", "position"}
        if not expected <= set(header) <= expected | optional:
            raise ValueError(
                f"a network header has the keys {sorted(expected)} and optionally "
                f"{sorted(optional)}, got {sorted(header)}"
            )
        if ("swa_count" in header) != ("swa" in arrays):
            raise ValueError("a network's 'swa' array and header 'swa_count' come together")
        if not isinstance(header["activations"], list):
            raise TypeError("header 'activations' must be a list of activation configs")
        cost = header["cost"]
        if not isinstance(cost, (str, dict)):
            raise TypeError("header 'cost' must be a name or a cost config")
        if not isinstance(header["dtype"], str):
            raise TypeError("header 'dtype' must be a name")
        net = cls.__new__(cls)
        net._build(
            check_sizes(header["sizes"]),
            [_activations.from_config(c, custom_objects) for c in header["activations"]],
            _costs.from_config(cost if isinstance(cost, dict) else {"name": cost}, custom_objects),
            check_dtype(header["dtype"]),
        )
        net._feature_names = as_feature_names(header.get("feature_names"), net.sizes[0])
        net._position = _stored_position(header.get("position", {"epochs": 0, "steps": 0}))
        net._rng = np.random.default_rng()
        try:
            net._rng.bit_generator.state = header["rng"]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"header 'rng' is not a PCG64 state: {error!r}") from None
        s = net._structure
        names = set()
        for l, (w, b, slopes) in enumerate(zip(s.weights, s.biases, s.slopes), 1):
            for name, view in ((f"w{l}", w), (f"b{l}", b), (f"slopes{l}", slopes)):
                if view is not None:
                    view[...] = _stored_array(arrays, name, view.shape, s.dtype)
                    names.add(name)
        if header["optimizer"] is not None:
            optimizer = _optimizers.from_config(header["optimizer"])
            optimizer.bind(s.layout.n_params, s.dtype, s.sizes)
            for k, state in enumerate(optimizer.states):
                name = f"optimizer_state{k}"
                state[...] = _stored_array(arrays, name, state.shape, s.dtype)
                names.add(name)
            net.optimizer = optimizer
        averages = net._averages
        if "ema" in arrays:
            averages.ema = _stored_array(arrays, "ema", s.theta.shape, s.dtype).copy()
            names.add("ema")
        if "swa" in arrays:
            averages.swa = _stored_array(arrays, "swa", s.theta.shape, s.dtype).copy()
            averages.swa_count = check_int(header["swa_count"], "header 'swa_count'", 1)
            names.add("swa")
        extra = set(arrays) - names
        if extra:
            raise ValueError(f"unexpected arrays {sorted(extra)} for a network {list(s.sizes)}")
        return net

    def save(self, path: str | bytes | os.PathLike[Any]) -> None:
        """Write the network to a model file, atomically; `fcnn.load` reads it back.

        The file holds the parameters, configuration, shuffling generator, optimizer
        state, averages and training `position`, in the format of docs/model-format.md.
        A save during `fit` waits for the fit to finish.

        Parameters
        ----------
        path : str, bytes or os.PathLike
            The file to write. An existing file is replaced and keeps its permission
            bits; through a symlink, the file it points to is replaced.

        Raises
        ------
        ValueError
            If a parameter is inf or NaN (written into a live view), or the feature
            names take more than the format's 16 MiB header: the file could not be
            loaded.
        OSError
            If the file cannot be written (the previous file, if any, is left as it
            was).

        See Also
        --------
        fcnn.load : Read it back.
        fcnn.io.save : The same, as a function.

        Examples
        --------
        >>> import os, tempfile
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 1], seed=0)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     net.save(os.path.join(folder, "net.fcnn"))
        ...     loaded = fcnn.load(os.path.join(folder, "net.fcnn"))
        >>> loaded.sizes
        (2, 3, 1)
        """
        _model_file.write(path, *self.state())  # the state is a snapshot: waits for a fit

    def __getstate__(self):
        # a copy or pickle carries the user's classes themselves (pickle by reference)
        custom_objects = self._structure.custom_objects
        return (*self.state(), custom_objects) if custom_objects else self.state()

    def __setstate__(self, state):
        new = Network.from_state(*state)
        lock = self.__dict__.get("_lock")
        if lock is None:  # a new object, as pickle and copy make: nothing else sees it yet
            self.__dict__.update(new.__dict__)
            return
        with lock:  # after any fit; its lock stays the one that guards this network
            self._structure, self._rng, self.optimizer = new._structure, new._rng, new.optimizer
            self._averages, self._position = new._averages, new._position
            self._feature_names = new._feature_names

    def __repr__(self):
        s = self._structure
        names = ", ".join(repr(f) if _has_parameters(f) else repr(f.name) for f in s.activations)
        cost = repr(s.cost) if _has_parameters(s.cost) else repr(s.cost.name)
        return (
            f"Network({list(s.sizes)}, activations=[{names}], cost={cost}, dtype={s.dtype.name!r})"
        )

    def _repr_html_(self):
        """Jupyter's view: a table of the layers, with the cost, dtype and parameter count."""
        s = self._structure
        from .history import _html_row

        rows = [_html_row(["layer", "size", "activation", "parameters"], "th")]
        rows.append(_html_row(["0 (input)", s.sizes[0], "", ""]))
        total = 0
        for l, (f, layer) in enumerate(zip(s.activations, self.params), 1):
            count = sum(values.size for values in layer.values())
            total += count
            shown = repr(f) if _has_parameters(f) else f.name
            rows.append(_html_row([l, s.sizes[l], shown, count]))
        cost = repr(s.cost) if _has_parameters(s.cost) else s.cost.name
        caption = html.escape(f"Network: cost {cost}, dtype {s.dtype.name}, {total:,} parameters")
        return f"<table>\n<caption>{caption}</caption>\n" + "\n".join(rows) + "\n</table>"

    def averaged(self, kind: Literal["ema", "swa"] = "ema") -> Network:
        """A copy of the network with its averaged parameters, to predict with.

        ``fit(ema_decay=d)`` keeps an exponential moving average of the parameters,
        moved after each update (``ema <- d ema + (1 - d) theta``, starting from the
        parameters when it first ran); ``fit(swa_start=k)`` the equal average of the
        parameters at the end of each epoch from epoch k on (stochastic weight
        averaging). The network itself keeps training its own parameters, and the next
        fit with the same option goes on with the same average; `save` keeps both.

        Parameters
        ----------
        kind : {"ema", "swa"}, default "ema"
            Which average.

        Returns
        -------
        Network
            A new network of the same configuration, optimizer state and generator, whose
            parameters are the average, and which keeps no averages itself.

        Raises
        ------
        ValueError
            If `kind` is not "ema" or "swa", or the network keeps no such average (no
            fit with ``ema_decay`` or past ``swa_start`` yet).

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> net = fcnn.Network([2, 4, 1], "tanh", seed=0)
        >>> history = net.fit(X, y.astype(float), epochs=20, lr=0.5, ema_decay=0.9,
        ...                   swa_start=11)
        >>> ema, swa = net.averaged("ema"), net.averaged("swa")
        >>> ema.predict(X).shape, ema.sizes == net.sizes
        ((4, 1), True)
        """
        if kind not in ("ema", "swa"):
            raise ValueError(f"kind must be 'ema' or 'swa', got {kind!r}")
        with self._lock:
            average = getattr(self._averages, kind)
            if average is not None:
                average = average.copy()
            if average is None:
                option = "ema_decay" if kind == "ema" else "swa_start"
                raise ValueError(f"this network keeps no {kind} average: fit with {option}=")
            header, arrays = self.state()
        header.pop("swa_count", None)
        arrays.pop("ema", None)
        arrays.pop("swa", None)
        copy = Network.from_state(header, arrays, self._structure.custom_objects)
        copy.theta[...] = average
        return copy

    # ------------------------------------------------------------------ inference

    def predict(
        self, X: ArrayLike, *, out: NDArray[np.floating] | None = None
    ) -> NDArray[np.floating]:
        """The network's outputs a^L for the inputs X.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]) or (sizes[0],)
            The inputs, one row per example, or one example as a 1-D array; converted
            to the network's dtype. Sparse input is read as CSR rows (see the user
            guide's "Sparse input").
        out : ndarray, optional
            Where to write the outputs instead of a new array: of the network's dtype
            and the shape below, C-contiguous, aligned and writeable. Returned.

        Returns
        -------
        ndarray of the network's dtype, shape (n_samples, sizes[-1]) or (sizes[-1],)
            The output activations a^L, one row per example; 1-D for a 1-D X.

        Raises
        ------
        TypeError
            If X does not hold real numbers, or out is not an array of the network's
            dtype.
        ValueError
            If X does not have the shape above or holds inf or NaN, or out does not
            have the shape above or is not C-contiguous, aligned and writeable.
        FloatingPointError
            If a finite row of X gives outputs that are not finite (its values overflow
            the dtype in some layer, which the message names).

        Notes
        -----
        Ctrl-C (KeyboardInterrupt) is honoured within milliseconds also in a long
        prediction, on the main thread.

        One sample, or up to 64 rows of a numpy array of float32 or float64 in any
        order, takes a latency path that checks and converts it in compiled code (into
        buffers kept per thread), with the same results bit for bit. `predictor` binds
        the rest for serving loops.

        Examples
        --------
        >>> import fcnn
        >>> import numpy as np
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> net.predict(X).shape, net.predict(X[0]).shape
        ((4, 2), (2,))
        >>> net.predict(X).round(3)[0].tolist()
        [0.174, 0.127]
        >>> out = np.empty((4, 2))
        >>> net.predict(X, out=out) is out
        True
        """
        s = self._structure
        small = getattr(s.per_thread, "small", None) or s.small_predictor()
        # the latency path; rows of an array without column names only where the network
        # has none to warn about
        result = small(X, out, self._feature_names is None)
        if result is not None:
            return result
        original = X
        X, single = self._inputs(s, X, check_finite=False)
        return _predict(s, X, original, out, single)

    def predictor(self) -> Predictor:
        """`predict` bound to this network for a serving loop.

        Returns
        -------
        Predictor
            ``predictor(X, out=None)`` is ``net.predict(X, out=out)``.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> predict = net.predictor()
        >>> X, y = fcnn.datasets.xor()
        >>> bool((predict(X[:2]) == net.predict(X[:2])).all())
        True
        """
        return Predictor(self)

    def trace(self, X: ArrayLike) -> Trace:
        """The forward pass of X with every layer's z^l and a^l.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]) or (sizes[0],)
            The inputs, one row per example, or one example as a 1-D array; converted
            to the network's dtype. Sparse input is read as CSR rows (see the user
            guide's "Sparse input").

        Returns
        -------
        Trace
            ``z[l]`` and ``a[l]`` for l = 0..L (``z[0]`` None, ``a[0]`` the input), of
            shape (n_samples, sizes[l]), or (sizes[l],) for a 1-D X.

        Raises
        ------
        TypeError
            If X does not hold real numbers.
        ValueError
            If X does not have the shape above or holds inf or NaN.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> trace = net.trace(X)
        >>> [a.shape for a in trace.a], trace.z[0] is None
        ([(4, 2), (4, 3), (4, 2)], True)
        """
        s = self._structure
        X, single = self._inputs(s, X)
        n = X.shape[0]
        workspace = s.workspace(n)
        s.core.forward(s.layout, workspace, s.theta, core_rows(X))
        zs = [None] + s.layer_views(workspace, "z", n)
        as_ = [X] + s.layer_views(workspace, "a", n)
        if single:
            zs = [None] + [v[0] for v in zs[1:]]
            as_ = [v[0] for v in as_]
        return Trace(zs, as_)

    def evaluate(
        self, X: ArrayLike, Y: ArrayLike, *, sample_weight: ArrayLike | None = None
    ) -> dict[str, float]:
        """The mean cost, and the accuracy for classification, on (X, Y).

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]) or (sizes[0],)
            The inputs, one row per example, or one example as a 1-D array; converted
            to the network's dtype. Sparse input is read as CSR rows (see the user
            guide's "Sparse input").
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
            Targets, or integer class labels in [0, sizes[-1]) that stand for one-hot
            rows (with one output, a 1-D Y holds each example's target). For a 1-D X,
            the example's target vector or label. With the cost "cross_entropy" or
            "log_likelihood", targets must lie in [0, 1]; with "poisson" or
            "log_poisson", be >= 0; with "hinge", be 0 or 1.
        sample_weight : array_like, shape (n_samples,), optional
            Per-example weights >= 0, not all zero; cost and accuracy become weighted
            averages.

        Returns
        -------
        dict of str to float
            "cost": the mean cost (without regularization); "accuracy": the fraction
            classified right (the largest output's class; with one output, >= 0.5 for
            1), only when Y holds classes: integer labels, one-hot rows, or 0/1 targets
            of one output.

        Raises
        ------
        TypeError
            If X or Y do not hold real numbers.
        ValueError
            If X or Y do not have the shapes above, hold inf or NaN, or Y holds labels
            out of range or non-integers.
            Also if sample_weight has the wrong shape, is negative or all zero.
        FloatingPointError
            If a finite row of X gives outputs that are not finite (its values overflow
            the dtype in some layer, which the message names): no cost or accuracy is
            computed from them.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> scores = net.evaluate(X, y)
        >>> round(scores["cost"], 4), scores["accuracy"]
        (0.3735, 0.5)
        """
        s = self._structure
        original = X
        # inf and NaN in X are the core's to find, as it reads the rows
        X, single = self._inputs(s, X, check_finite=False)
        Y, labels = as_targets(
            Y,
            X.shape[0],
            s.sizes[-1],
            s.dtype,
            single=single,
            cost=s.cost,
            one_hot=False,  # made a chunk at a time
        )
        weights = None
        if sample_weight is not None:
            weights = as_sample_weight(np.atleast_1d(sample_weight), X.shape[0], s.dtype)
        return _evaluate(s, X, Y, labels, weights, original_X=original)

    def plot_weights(
        self, layer: int = 1, path: str | os.PathLike[str] | None = None, **kwargs: Any
    ) -> Figure:
        """Plot the weights w^l into a layer, as images (receptive fields) or a heat map.

        Needs the extra ``fcnn[plot]`` (matplotlib).

        Parameters
        ----------
        layer : int, default 1
            The notes' l, 1..L.
        path : str, os.PathLike or None, default None
            Write the figure to this PNG file; None shows it on an interactive backend.
        **kwargs
            Passed on to `fcnn.plotting.plot_weights`: ``shape``, ``max_units``,
            ``title``.

        Returns
        -------
        matplotlib.figure.Figure
            The figure.

        Raises
        ------
        ValueError
            If `layer` is not an integer in 1..L, or a keyword argument is invalid.
        ImportError
            If matplotlib is not installed.

        See Also
        --------
        fcnn.plotting.plot_weights : The function this calls.

        Examples
        --------
        >>> import os, tempfile
        >>> import fcnn
        >>> net = fcnn.Network([784, 30, 10], seed=0)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     figure = net.plot_weights(1, os.path.join(folder, "fields.png"), max_units=9)
        >>> type(figure).__name__
        'Figure'
        """
        from .plotting import plot_weights

        return plot_weights(self, layer, path, **kwargs)

    # ------------------------------------------------------------------ learning

    @overload
    def gradients(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = ...,
        l1: float = ...,
        l2: float = ...,
        n_train: float | None = ...,
        dropout: float | Sequence[float] = ...,
        input_dropout: float = ...,
        seed: int | np.random.Generator | None = ...,
        out: None = ...,
        reduction: Literal["mean", "sum"] = ...,
    ) -> Gradients: ...

    @overload
    def gradients(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = ...,
        l1: float = ...,
        l2: float = ...,
        n_train: float | None = ...,
        dropout: float | Sequence[float] = ...,
        input_dropout: float = ...,
        seed: int | np.random.Generator | None = ...,
        out: NDArray[np.floating],
        reduction: Literal["mean", "sum"] = ...,
    ) -> BatchGradient: ...

    def gradients(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        n_train: float | None = None,
        dropout: float | Sequence[float] = 0.0,
        input_dropout: float = 0.0,
        seed: int | np.random.Generator | None = None,
        out: NDArray[np.floating] | None = None,
        reduction: Literal["mean", "sum"] = "mean",
    ) -> Gradients | BatchGradient:
        """Back-propagate the batch (X, Y) without changing the network.

        The gradient is that of the (sample-weighted) mean cost plus ``l1/n sum |w|``
        and ``l2/(2n) sum w^2`` with n = `n_train`, as `fit`'s l1 and l2 define them;
        the result's `cost` is that whole objective. With ``reduction="sum"``, the cost
        and the gradient are W times those, W the sum of the sample weights (the number
        of rows without them), the regularization terms included: summed over the
        workers of data-parallel training, each on its part of a batch, and divided by
        the sum of their W, they are the whole batch's mean, to rounding. Pass the
        whole training set's size as `n_train` then, as `fit` would have it.

        With ``out=``, the gradient is written into `out` and a light `BatchGradient`
        comes back, for the loop of a distributed training run: the work buffers are
        kept with the network, one set per thread (so threads may call this on one
        network at once), made again only for a larger batch or for dropout; nothing
        else is allocated. Without it, each call makes a `Gradients` of new arrays.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]) or (sizes[0],)
            The inputs, one row per example, or one example as a 1-D array.
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
            Targets, or integer class labels in [0, sizes[-1]) that stand for one-hot
            rows (with one output, a 1-D Y holds each example's target). For a 1-D X,
            the example's target vector or label.
        sample_weight : array_like, shape (n_samples,), optional
            Per-example weights >= 0, not all zero: a weighted mean cost.
        l1, l2 : float, default 0.0
            Regularization strengths, >= 0 (weights only, not biases).
        n_train : float or None, default None
            The n of the regularization terms, > 0; None: the number of rows of X.
            ``l1 / n_train`` and ``l2 / n_train`` must be finite and, not 0, normal.
        dropout : float or sequence of float, default 0.0
            Probability in [0, 1) of dropping each hidden activation (inverted dropout):
            one for every hidden layer (> 0 needs one), or one per hidden layer, as `fit`.
        input_dropout : float, default 0.0
            Probability in [0, 1) of dropping each input value, as `fit`.
        seed : int, numpy.random.Generator or None, default None
            Draws the dropout masks: the same seed, the same masks. Read only with
            dropout.
        out : numpy.ndarray or None, default None
            Where to write the gradient: a writeable C-contiguous array of the
            network's dtype and shape ``(n_params,)``, in the layout of `theta`. Its
            values are undefined after an exception.
        reduction : {"mean", "sum"}, default "mean"
            Whether the cost and gradient are of the (weighted) mean over the rows or of
            their (weighted) sum, as above.

        Returns
        -------
        Gradients or BatchGradient
            Without `out`: the cost, the errors delta^l (BP1, BP2) and dC/dw^l (BP4),
            dC/db^l (BP3), of the mean (or sum) over the batch. With `out`: a named
            tuple (cost, rows, total_weight), and no copies nor views of the work
            buffers, which the next call overwrites.

        Raises
        ------
        TypeError
            If X, Y or a number has the wrong type, or `out` is not an array of the
            network's dtype.
        ValueError
            If X or Y do not have the shapes above, hold inf or NaN, or Y holds labels
            out of range or non-integers.
            Also if l1, l2, or their quotients by n_train, are negative, not finite
            or, not 0, below the smallest normal number of the network's dtype, n_train
            is not positive, a dropout rate is outside [0, 1), dropout is > 0
            without hidden layers or has not one rate per hidden layer, sample_weight
            has the wrong shape, is negative or all zero (or, with "sum", holds a
            value too large for the dtype), the parameters hold an inf or NaN that the
            batch reads (after a write into a live view of them; with l1 or l2, any of
            them), `out` has another shape or is not C-contiguous,
            aligned and writeable, or `reduction` is neither "mean" nor "sum".

        See Also
        --------
        fcnn.gradcheck : Checks these gradients against central differences.
        fcnn.optimizers.Optimizer.apply : Takes a step from such a gradient.

        Examples
        --------
        >>> import numpy as np
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> grads = net.gradients(X, y)
        >>> round(grads.cost, 4), [g.shape for g in grads.grad_w], grads.flat.shape
        (0.3735, [(3, 2), (2, 3)], (17,))
        >>> grads.delta[2].shape
        (4, 2)

        Two workers' sums over the halves of the batch, added and divided by the rows:

        >>> halves = [np.empty_like(net.theta) for _ in range(2)]
        >>> sums = [net.gradients(X[i::2], y[i::2], out=g, reduction="sum")
        ...         for i, g in zip(range(2), halves)]
        >>> mean = (halves[0] + halves[1]) / sum(part.total_weight for part in sums)
        >>> bool(np.allclose(mean, grads.flat, rtol=1e-14, atol=0))
        True
        """
        if reduction not in ("mean", "sum"):
            raise ValueError(f'reduction must be "mean" or "sum", got {reduction!r}')
        summed = reduction == "sum"
        s = self._structure
        given = X
        # the core finds inf and NaN in X's rows through z^1, and the labels' range in a pass
        X, single = self._inputs(s, X, check_finite=False)
        n = X.shape[0]
        Y, labels = as_targets(
            Y,
            n,
            s.sizes[-1],
            s.dtype,
            single=single,
            cost=s.cost,
            one_hot=False,
            check_range=False,
        )
        if labels is not None and not _compiled.core.all_labels_in_range(labels, s.sizes[-1]):
            raise label_range_error(labels, s.sizes[-1])
        if out is not None:
            check_out(out, s.theta.shape, s.dtype)
        options = (l1, l2, n if n_train is None else n_train, dropout, input_dropout)
        checked = _checked_options if all(type(v) in _PLAIN for v in options) else _options
        l1, l2, dropout_rates = checked(*options, len(s.sizes) - 2, s.dtype)
        seed = check_seed(seed)
        weights, total_weight = _NO_WEIGHTS[s.dtype.char], float(n)
        if sample_weight is not None:
            given = np.atleast_1d(sample_weight)
            weights = as_sample_weight(given, n, s.dtype)
            if summed:  # as given: their sum is what the sums over workers divide by
                with np.errstate(over="ignore"):
                    weights = np.asarray(given, dtype=s.dtype)
                total_weight = float(np.sum(weights, dtype=np.float64))
                if not np.isfinite(total_weight):
                    raise ValueError(f"sample_weight holds values too large for {s.dtype.name}")
            else:
                weights = mean_one_weights(weights, "the sample weights (sample_weight)")
        scale = total_weight if summed else 1.0
        masked = any(dropout_rates)
        mask_seed = int(np.random.default_rng(seed).integers(2**63)) if masked else 0
        # input dropout gathers the rows it masks into the workspace
        gathered = {"n_rows": n, "sparse_nonzeros": getattr(X, "nnz", 0)}
        needs = {"dropout": masked, **(gathered if dropout_rates[0] else {})}
        if out is None:
            workspace = s.workspace(n, training=True, **needs)
            grad = workspace.grad
        else:
            workspace, grad = s.gradient_workspace(n, **needs), out
        settings = _gradient_settings(_compiled.core, l1 * scale, l2 * scale, dropout_rates)
        cost, _, row, layer = s.core.gradients(
            s.layout,
            settings,
            workspace,
            s.theta,
            core_rows(X),
            _NO_TARGETS[s.dtype.char] if Y is None else Y,
            weights,
            mask_seed,
            grad,
            summed,
            labels,
        )
        if row >= 0:
            raise non_finite_error(given, X, "X", row)
        if layer >= 0 or l1 != 0 or l2 != 0:
            # a non-finite parameter makes its layer's z so; the l1, l2 terms read them all
            _check_finite(s.theta)
        if l1 != 0 or l2 != 0:
            cost += scale * _optimizers.penalty(s.weights, l1=l1, l2=l2)
        if out is not None:
            return BatchGradient(cost, n, total_weight)
        w_off, b_off, p_off, _ = s.layout.offsets()
        grad_w = [grad[o : o + w.size].reshape(w.shape) for o, w in zip(w_off, s.weights)]
        grad_b = [grad[o : o + b.size] for o, b in zip(b_off, s.biases)]
        grad_slopes = [None if o < 0 else grad[o : o + b.size] for o, b in zip(p_off, s.biases)]
        deltas = s.layer_views(workspace, "delta", n)
        return Gradients(
            cost,
            [None] + [d[0] if single else d for d in deltas],
            grad_w,
            grad_b,
            grad_slopes,
            grad,
        )

    def explain_step(self, x: ArrayLike, y: ArrayLike, lr: float) -> StepExplanation:
        """Take one gradient-descent step on (x, y) and explain it in the notes' notation.

        The explanation traces the step layer by layer: z, a, delta (BP1, BP2), dC/db
        (BP3), dC/dw (BP4) and the parameters before and after. The network really takes
        the step.

        Parameters
        ----------
        x : array_like, shape (sizes[0],) or (n_samples, sizes[0])
            One example, or a small batch.
        y : array_like
            Its target vector or class label, or the batch's targets or labels.
        lr : float
            The learning rate eta, > 0.

        Returns
        -------
        fcnn.explain.StepExplanation
            Print it for the table.

        Raises
        ------
        TypeError, ValueError
            As `fcnn.explain.explain_step` says.

        See Also
        --------
        fcnn.explain.explain_step : What this calls.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 2, 1], "sigmoid", "quadratic", seed=0)
        >>> net.explain_step([1.0, 0.0], [1.0], lr=0.5)
        StepExplanation(layers=2, lr=0.5, cost_before=0.110453, cost_after=0.0986725)
        """
        from .explain import explain_step

        return explain_step(self, x, y, lr)

    def step(self, X: ArrayLike, Y: ArrayLike, lr: float) -> float:
        """Take one plain gradient-descent step on the batch (X, Y).

        ``w^l <- w^l - (eta/N) sum_x delta^l (a^{l-1})^T`` and
        ``b^l <- b^l - (eta/N) sum_x delta^l`` over the N examples x of the batch. The
        step leaves `optimizer` as it was: the next `fit` continues as before.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]) or (sizes[0],)
            The inputs, one row per example, or one example as a 1-D array.
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
            Targets, or integer class labels in [0, sizes[-1]) that stand for one-hot
            rows (with one output, a 1-D Y holds each example's target). For a 1-D X,
            the example's target vector or label.
        lr : float
            The learning rate eta, > 0.

        Returns
        -------
        float
            The mean cost over the batch before the step.

        Raises
        ------
        TypeError
            If X, Y or a number has the wrong type.
        ValueError
            If X or Y do not have the shapes above, hold inf or NaN, or Y holds labels
            out of range or non-integers.
            Also if lr is not a positive finite number.
        DivergenceError
            If the step makes a parameter non-finite (the network keeps its parameters).

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 2], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> round(net.step(X, y, lr=1.0), 4)
        0.3735
        >>> net.evaluate(X, y)["cost"] < 0.3735
        True
        """
        s = self._structure
        names = feature_names(X)
        X, single = as_inputs(X, s.sizes[0], s.dtype)
        Y, _ = as_targets(Y, X.shape[0], s.sizes[-1], s.dtype, single=single)
        lr = check_positive_number(lr, "lr")
        # fit's defaults but for one full batch in order: plain SGD, no shuffling
        options = {**_FIT_OPTIONS, "batch_size": None, "lr": lr, "shuffle": False, "seed": 0}
        with self._lock:
            # a step is not a fit: the next fit continues as before
            kept, position = self.optimizer, self._position
            try:
                # one 1-D sample has no names to check
                history = self._fit(X, Y, options, self._feature_names if single else names)
            finally:
                self.optimizer, self._position = kept, position
        return history.cost[0]

    def fit(
        self,
        X: ArrayLike | Iterable[Any] | Callable[[], Iterable[Any]],
        Y: ArrayLike | None = None,
        *,
        epochs: int = 1,
        batch_size: int | None = 32,
        lr: float | None = None,
        optimizer: Optimizer | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
        input_dropout: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        ema_decay: float | None = None,
        swa_start: int | None = None,
        lr_schedule: ScheduleName | Schedule | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: Monitor | str = "val_cost",
        mode: Literal["min", "max"] | None = None,
        restore_best: bool = True,
        validation_data: tuple[ArrayLike, ArrayLike]
        | tuple[ArrayLike, ArrayLike, ArrayLike | None]
        | None = None,
        validation_split: float | None = None,
        sample_weight: ArrayLike | None = None,
        class_weight: dict[int, float] | Literal["balanced"] | None = None,
        shuffle: bool = True,
        shuffle_buffer: int = SHUFFLE_BUFFER,
        seed: int | np.random.Generator | None = None,
        verbose: bool = False,
        diagnostics: Literal["all"] | DiagnosticName | Sequence[DiagnosticName] | None = None,
        metrics: Mapping[str, Callable[..., float] | str] | None = None,
        metrics_on: MetricsOn = "validation",
        callbacks: Sequence[Any] | None = None,
        resume: bool = False,
        batch_callback_every: int | None = None,
    ) -> History:
        """Train by mini-batch gradient descent.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, sizes[0]), or a stream
            The training inputs, one row per example (a `numpy.memmap` is read where it
            lies, not copied; sparse input is read as CSR rows, layer 1 computed over
            its nonzeros only: see the user guide's "Sparse input"). With Y omitted, a
            stream of chunks ``(X_chunk, Y_chunk)`` or ``(X_chunk, Y_chunk,
            sample_weight_chunk)``: a list, an object with ``__iter__``, or a function
            of no arguments that returns an iterator of them; each epoch reads it again
            (an iterator that can be read once, such as a generator, only with
            ``epochs=1``). Each chunk is checked as it comes; batches are cut from the
            stream, not from its chunks.
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,), optional
            Targets, or integer class labels in [0, sizes[-1]) (with one output, a 1-D
            Y holds each example's target). With the cost "cross_entropy" or
            "log_likelihood", targets must lie in [0, 1]; with "poisson" or
            "log_poisson", be >= 0; with "hinge", be 0 or 1. None (the default) when X
            is a stream.
        epochs : int, default 1
            Passes over the training data, >= 0.
        batch_size : int or None, default 32
            Examples per mini-batch, >= 1 (at most n_samples); None trains on the full
            batch, 1 on one example at a time. A last partial batch is used, not dropped.
        lr : float or None, default None
            ``lr=`` alone is plain SGD with this learning rate (default 0.1, or the last
            fit's optimizer when there is one).
        optimizer : Optimizer or None, default None
            An optimizer from fcnn.optimizers (SGD with momentum, Adam, AdamW, RMSProp,
            AdaGrad, Rprop), which keeps its state from one fit to the next; not with
            `lr`. `fcnn.LBFGS` trains on the full batch by L-BFGS-B instead, one History
            record per iteration (it says which options it ignores and refuses).
        l1, l2 : float, default 0.0
            Regularization in the notes' form with n the training-set size: the cost
            gains ``l2/(2n) sum w^2 + l1/n sum |w|`` (weights only), so plain SGD does
            ``w <- (1 - eta l2/n) w - (eta/m) sum delta a^T``.
        dropout : float or sequence of float, default 0.0
            Inverted dropout of hidden activations, in training only: each is dropped
            with this probability in [0, 1) and the kept ones scaled by 1/(1 - p). One
            rate for every hidden layer, or a sequence of one rate per hidden layer
            (``dropout=[0.2, 0.5]``); a rate of 0 leaves its layer as it is.
        input_dropout : float, default 0.0
            Inverted dropout of the input values in the same way, in [0, 1): each
            mini-batch's copy of its rows (of its nonzeros for sparse input) is masked
            before layer 1 reads it (and back-propagation with it).
        clip_norm : float or None, default None
            Clip each mini-batch's gradient (with its l1 and l2 terms) before the update
            as ``torch.nn.utils.clip_grad_norm_`` does: scale it by ``clip_norm /
            (norm + 1e-6)`` when that is below 1, with norm its 2-norm over all
            parameters; > 0. Clipping changes the rounding of plain SGD, and makes it
            form the gradient apart (slower) with `l2`, `clip_value` or large batches.
        clip_value : float or None, default None
            Clamp each element of the gradient to ``[-clip_value, clip_value]``
            (``torch.nn.utils.clip_grad_value_``), after `clip_norm`; > 0.
        ema_decay : float or None, default None
            Keep an exponential moving average of the parameters with this decay in (0,
            1), moved after each update; `averaged` gives a network with it.
        swa_start : int or None, default None
            Keep the equal average of the parameters at the end of each epoch from this
            epoch number on (>= 1; stochastic weight averaging); `averaged` gives a
            network with it.
        lr_schedule : str, Schedule or None, default None
            None (constant), a name ("constant", "step", "exponential",
            "inverse_scaling", "plateau") or an fcnn.schedules.Schedule, applied between
            epochs, or before each mini-batch for one with ``per_step`` (such as
            ``OneCycle``).
        early_stopping : bool, default False
            Stop when `monitor` has not improved by more than `min_delta` for `patience`
            epochs; then (or after the last epoch) keep the parameters of the epoch with
            the best `monitor` value, improved by any amount (see `restore_best`).
        patience : int, default 10
            Epochs since the last improvement by more than `min_delta` before stopping,
            >= 0.
        min_delta : float, default 0.0
            The improvement that resets the patience, >= 0. It does not decide which
            epoch is best: a smaller improvement still makes a new best epoch.
        monitor : str, default "val_cost"
            What early stopping watches: "val_cost", "val_accuracy", "cost" or a
            metric of `metrics` by its recorded name ("val_f1"); the validation figures
            need validation data.
        mode : {"min", "max"} or None, default None
            Whether a lower or a higher `monitor` is better; None: the lowest cost, the
            highest accuracy (a metric of `metrics` needs "min" or "max").
        restore_best : bool, default True
            With early stopping: True keeps the parameters of the best epoch
            (``History.best_epoch``), False those of the last epoch trained (Keras's
            restore_best_weights).
        validation_data : tuple, optional
            A pair (X_val, Y_val), or a triple (X_val, Y_val, sample_weight_val) whose
            weights (>= 0, not all zero; None for none) make ``val_cost`` and
            ``val_accuracy`` weighted averages; scored after each epoch.
        validation_split : float, optional
            Instead of validation_data: the fraction of (X, Y), in (0, 1), held out for
            validation (chosen with `seed`).
        sample_weight : array_like, shape (n_samples,), optional
            Per-example weights >= 0; the cost and the gradients become weighted
            averages.
        class_weight : dict of int to float, "balanced" or None, default None
            Per-class weights (multiplying sample_weight); "balanced" weighs each class
            by n_samples / (n_classes * its count). Needs class labels.
        shuffle : bool, default True
            Each epoch visits the examples in a fresh order; False keeps their order.
        shuffle_buffer : int, default 8
            For a stream: the chunks gathered into one piece, whose rows are shuffled
            together (a stream is not shuffled across pieces); >= 1.
        seed : int, numpy.random.Generator or None, default None
            Draws the shuffling, the validation split and the dropout masks; None uses
            the network's own generator (seeded by the network's seed).
        verbose : bool, default False
            A live progress bar per epoch (tqdm when installed, else one plain line),
            ending with the epoch's cost, accuracy, validation scores and samples/s.
        diagnostics : str, sequence of str or None, default None
            "all" or some of "grad_norm", "dead_units", "saturation": per-layer figures
            measured after each epoch and kept in the History (see fcnn.diagnostics).
        metrics : dict of str to callable or str, optional
            Your own figures, by a name (a Python identifier): each a function
            ``metric(y_true, y_pred)`` returning a real number (a scikit-learn metric
            such as ``sklearn.metrics.f1_score``), or a scikit-learn scorer (made by
            ``make_scorer``, or its name as ``sklearn.metrics.get_scorer`` takes it:
            "f1_macro", "roc_auc"), which sees the network as a classifier whose
            ``predict_proba`` is its outputs (with one output, class 1's), or as a
            regressor. After each epoch (and once before training, to check it), each
            is called on the data of `metrics_on`, unweighted: for classes (integer
            labels, one-hot rows, one 0/1 output) with the true class labels and the
            network's (the largest output; with one output, >= 0.5), else with the
            targets and the outputs (1-D for one output). Recorded in the
            History as ``val_<name>`` (validation data) and ``<name>`` (training data),
            passed to the callbacks and usable as `monitor`.
        metrics_on : {"validation", "training", "both"}, default "validation"
            The data the metrics score: the validation data, the training data (arrays,
            not a stream; rows of a file are gathered into memory), or both.
        callbacks : sequence of callbacks, optional
            Objects with any of the methods of `fcnn.callbacks.Callback`, called in
            order between epochs: they can stop training (``net.stop_training =
            True``) and change the learning rate (``net.optimizer.lr``); see
            fcnn.callbacks.
        resume : bool, default False
            Go on with the network's training run instead of beginning a new one: the
            optimizer and its state (so neither `lr` nor `optimizer` may be given), and
            the run's `position`, from which the learning-rate schedule, ``swa_start``
            and the epoch numbers go on. A network fitted for k epochs (or loaded from
            a file saved then, as by ``Checkpoint``) and fitted for N - k more with
            ``resume=True`` and the other arguments unchanged ends as the fit of N
            epochs would, bit for bit, when the draws come from the network's own
            generator (``seed=None``) and no rows are held out with
            ``validation_split`` (both drawn at the start of each fit). Early stopping
            and the History start again with each fit.
        batch_callback_every : int or None, default None
            Also call the callbacks' ``on_batch_end`` after every that many mini-batches
            of each epoch (>= 1), where a callback can stop training (the epoch ends
            there) or change the learning rate (from the next mini-batch); None never
            does. Not with `fcnn.LBFGS`.

        Returns
        -------
        History
            The per-epoch cost, accuracy, validation scores, learning rate and timings.

        Raises
        ------
        DivergenceError
            If the cost or a parameter becomes non-finite; the network keeps the
            parameters (and optimizer state) of the epoch before.
        TypeError
            If an argument has the wrong type: X or Y not numbers, optimizer not an
            Optimizer, validation_data not a pair or triple, class_weight neither a
            dict nor "balanced", a flag not a bool, a metric not callable or
            returning other than a real number (found before training); a stream's chunk
            not a pair or triple, or a stream that can be read only once for more than
            one epoch.
        ValueError
            Before any training, if X or Y (or the validation data and its weights) do
            not fit the network (shape, inf or NaN, labels), both lr and optimizer are
            given (or either with resume), the optimizer holds another network's state,
            a number is out of its range, dropout has not one rate per hidden layer,
            monitor is unknown or not measured by this fit (or a callback's
            monitor), mode is not "min" or "max" (or None for a built-in monitor),
            a metric's name is not an identifier or is History's own, metrics need
            validation data that is not given, both validation_data
            and validation_split are given, class_weight is asked for without class
            labels, or the parameters are not finite. For a stream, when a chunk is
            read that does not fit (or holds inf or NaN: the message names the chunk),
            with the epoch undone.

        See Also
        --------
        partial_fit : One epoch at a time.
        step : One gradient-descent step.
        fcnn.optimizers : The optimizers.
        fcnn.schedules : The learning-rate schedules.
        fcnn.callbacks : Callbacks, checkpoints and a CSV log.

        Notes
        -----
        Each epoch is one call into the core (per `shuffle_buffer` chunks of a
        stream), which shuffles, steps through every mini-batch and updates the
        parameters without the GIL; the network's lock is held, so one fit runs at a
        time. A stream's ``l1`` and ``l2`` divide by its row count, which fit counts in
        a pass over the stream before training; its sample weights are scaled to mean 1
        per piece; ``validation_split`` and ``class_weight="balanced"`` need arrays.

        On x86 the epoch treats subnormal numbers (below 1.2e-38 in float32, 2.2e-308
        in float64) as zero, since arithmetic on them runs some hundred times slower
        there; predict and the other methods keep them.

        Ctrl-C stops training within milliseconds (the core lets Python's signal
        handlers run every few milliseconds of work, on the main thread) and undoes the
        unfinished epoch: the parameters, optimizer state and step count, the shuffling
        generator and the History are those of the last finished epoch, also if a
        second Ctrl-C comes while that is restored. The KeyboardInterrupt keeps the
        History of the finished epochs as ``history``.

        A metric or callback that raises stops training with its exception, and the
        network is left as at the end of the last recorded epoch: a metric's exception
        undoes its epoch as Ctrl-C does; a callback's ``on_epoch_end`` comes after its
        epoch is recorded. Early stopping's restore of the best parameters happens
        only when training ends without an exception.

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.load_mnist_sample()
        >>> X_test, y_test = fcnn.datasets.load_mnist_sample("test")
        >>> net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
        >>> history = net.fit(X, y, epochs=1, batch_size=10, lr=3.0)
        >>> history.epochs, net.evaluate(X_test, y_test)["accuracy"] > 0.85
        (1, True)
        """
        options = dict(locals())  # fit's signature is the one definition of its options
        for argument in ("self", "X", "Y"):
            del options[argument]
        return self._fit(X, Y, options, feature_names(X))

    def _fit(self, X, Y, options, names, go_on=False):
        """fit with X's column names given apart (step converts X first): checked
        against the network's, and recorded if it has none, once the data is checked;
        the validation data's are checked against them. go_on: as TrainingRun's."""
        stream = Y is None and not _training.array_like(X)  # its chunks' names: its own
        with self._lock:
            if self._feature_names is not None and not stream:
                check_feature_names(self._feature_names, names, stacklevel=4)
            trained = names if self._feature_names is None else self._feature_names
            validation = options["validation_data"]
            if isinstance(validation, (tuple, list)) and len(validation) in (2, 3) and not stream:
                given = feature_names(validation[0])
                check_feature_names(trained, given, stacklevel=4, name="X_val")
            run = _training.TrainingRun(self, X, Y, options, go_on=go_on)
            if stream:
                trained = run.source.names  # type: ignore[attr-defined]
            self._feature_names = trained
            with _threads.policy(self._structure.sizes, run.batch_size):
                return run.run()

    def partial_fit(self, X: Any, Y: ArrayLike | None = None, **options: Any) -> History:
        """Train for one epoch over (X, Y), going on from the last fit or partial_fit.

        The optimizer and its state carry on (as in `fit` given no new `lr` or
        `optimizer`), and the training run goes on (`position`), as with
        ``fit(resume=True)``: the learning-rate schedule and the epoch numbers go on
        from the last fit or partial_fit. A loop of partial_fit calls trains as one
        `fit` of as many epochs; the model file keeps the position.

        Parameters
        ----------
        X : array_like, shape (n_samples, sizes[0]), or a stream of chunks
            As in `fit`: one chunk of a larger data set, say.
        Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,), optional
            As in `fit`.
        **options
            Any keyword argument of `fit` but `epochs`, meaning what it means there.

        Returns
        -------
        History
            The record of this one epoch.

        Raises
        ------
        TypeError
            For `epochs` or an argument that `fit` does not take; as `fit` raises.
        ValueError, DivergenceError
            As `fit` raises them.

        See Also
        --------
        fit : Several epochs, or a stream of chunks, in one call.

        Examples
        --------
        >>> import numpy as np
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> a, b = fcnn.Network([2, 3, 2], seed=0), fcnn.Network([2, 3, 2], seed=0)
        >>> _ = a.fit(X, y, epochs=3, batch_size=2, lr=1.0)
        >>> _ = b.partial_fit(X, y, batch_size=2, lr=1.0)
        >>> for _ in range(2):
        ...     _ = b.partial_fit(X, y, batch_size=2)
        >>> bool(np.array_equal(a.theta, b.theta))
        True
        """
        if "epochs" in options:
            raise TypeError("partial_fit trains one epoch: it takes no epochs")
        unknown = sorted(set(options) - set(_FIT_OPTIONS))
        if unknown:
            raise TypeError(f"partial_fit got keyword arguments that fit does not take: {unknown}")
        options = {**_FIT_OPTIONS, **options, "epochs": 1}
        return self._fit(X, Y, options, feature_names(X), go_on=True)


_FIT_OPTIONS = {
    name: parameter.default
    for name, parameter in inspect.signature(Network.fit).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}
"""fit's options and their defaults, as its signature defines them."""


def _check_finite(theta):
    """Raise ValueError if a parameter is inf or NaN (written into a live view, say)."""
    if first_non_finite(theta) >= 0:
        raise ValueError("the network's weights or biases hold non-finite values")


@functools.lru_cache(maxsize=64)
def _gradient_settings(core, l1, l2, dropout):
    """`fcnn.optimizers.gradient_settings` of `core` (the compiled build in use), made once
    for each set of values: the core's gradients reads them and never changes them."""
    return _optimizers.gradient_settings(l1=l1, l2=l2, dropout=dropout)


# the empty sample weights that tell the core there are none, one array per dtype
_NO_WEIGHTS = {char: np.empty(0, dtype=char) for char in "fd"}

# the targets the core does not read when it has class labels, one array per dtype
_NO_TARGETS = {char: np.empty((0, 0), dtype=char) for char in "fd"}

# the types of options whose checked values `gradients` keeps (bool and numpy's differ)
_PLAIN = (float, int)


def _options(l1, l2, n_train, dropout, input_dropout, n_hidden, dtype):
    """`Network.gradients`' l1 / n_train, l2 / n_train (what the core reads, which a tiny
    n_train makes inf) and dropout rates (check_dropout), checked."""
    n_train = check_positive_number(n_train, "n_train")
    l1 = check_hyperparameter(l1, "l1", dtype=dtype)
    l2 = check_hyperparameter(l2, "l2", dtype=dtype)
    l1 = check_hyperparameter(l1 / n_train, "l1 / n_train", dtype=dtype)
    l2 = check_hyperparameter(l2 / n_train, "l2 / n_train", dtype=dtype)
    return l1, l2, check_dropout(dropout, n_hidden, input_dropout)


# _options of plain numbers, checked once for each set of values
_checked_options = functools.lru_cache(maxsize=64)(_options)


def _stored_position(position):
    fields = _training.Position._fields
    if not isinstance(position, dict) or set(position) != set(fields):
        raise ValueError(
            f"header 'position' must be {{'epochs': ..., 'steps': ...}}, got {position!r}"
        )
    return _training.Position(
        *(check_int(position[name], f"header 'position' {name}", 0) for name in fields)
    )


def _stored_array(arrays, name, shape, dtype):
    if name not in arrays:
        raise ValueError(f"array {name!r} is missing")
    array = arrays[name]
    if not isinstance(array, np.ndarray) or array.dtype != dtype:
        raise ValueError(
            f"array {name!r} must be a {dtype.name} ndarray, got "
            f"{getattr(array, 'dtype', type(array).__name__)}"
        )
    if array.shape != shape:
        raise ValueError(f"array {name!r} must have shape {shape}, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"array {name!r} holds non-finite values")
    return array


class Predictor:
    """`Network.predict` bound to one network, for serving loops (`Network.predictor`).

    Safe across threads as `predict` is: each thread that calls it gets its own
    buffers, made on its first call and reused, so that predicting a few rows allocates
    nothing but their outputs (nothing with ``out=``). It predicts with the network's
    parameters as they are at each call, also after training or `Network.__setstate__`.

    Parameters
    ----------
    net : Network
        The network.

    Examples
    --------
    >>> import fcnn
    >>> import numpy as np
    >>> net = fcnn.Network([784, 30, 10], seed=0)
    >>> predict = net.predictor()
    >>> x = np.zeros((1, 784), dtype=np.float32)
    >>> out = np.empty((1, 10))
    >>> predict(x, out=out) is out
    True
    """

    def __init__(self, net: Network) -> None:
        self._net = net

    def __call__(
        self, X: ArrayLike, out: NDArray[np.floating] | None = None
    ) -> NDArray[np.floating]:
        """``net.predict(X, out=out)``: see `Network.predict`."""
        net = self._net
        s = net._structure
        small = getattr(s.per_thread, "small", None) or s.small_predictor()
        result = small(X, out, net._feature_names is None)
        return net.predict(X, out=out) if result is None else result

    def __repr__(self) -> str:
        return f"Predictor({self._net!r})"


def _predict(structure, X, original, into=None, single=False):
    """The outputs a^L of checked inputs X, rows of `original` as the caller gave them
    (for the message of a FloatingPointError), written into `into` if given (checked
    here); `single`: X is the one row of a 1-D input, whose outputs are 1-D."""
    s = structure
    n, n_out = X.shape[0], s.sizes[-1]
    if into is None:
        out = np.empty((n, n_out), dtype=s.dtype)
    else:
        check_out(into, (n_out,) if single else (n, n_out), s.dtype)
        out = into.reshape(n, n_out)  # a view of into, which is C-contiguous
    workspace = s.inference_workspace(n)
    with _threads.policy(s.sizes, min(n, workspace.capacity)):
        row, layer = s.core_predict(s.layout, workspace, s.theta, core_rows(X), out)
    if row >= 0:
        raise _forward_error(original, X, row, layer, s.dtype)
    if into is not None:
        return into
    return out[0] if single else out


EVALUATE_ROWS = 2**16
"""Rows that evaluate scores at a time: its outputs (and one-hot rows) are made for these
alone, so that a file mapped into memory is scored in little memory."""


def _evaluate(structure, X, Y, labels, weights=None, original_X=None):
    """`Network.evaluate` of checked data (Y None: `labels` stand for one-hot rows), on one
    structure."""
    n, n_out, dtype = X.shape[0], structure.sizes[-1], structure.dtype
    kind = target_kind(Y, labels)
    workspace = structure.inference_workspace(n)
    no_weights = np.empty(0, dtype=dtype)
    total, parts = 0.0, []
    for start in range(0, n, EVALUATE_ROWS):
        rows = slice(start, min(n, start + EVALUATE_ROWS))
        Y_rows = one_hot_rows(labels[rows], n_out, dtype) if Y is None else Y[rows]
        w_rows = None if weights is None else weights[rows]
        out = np.empty((Y_rows.shape[0], n_out), dtype=dtype)
        part, row, layer = structure.core.evaluate(
            structure.layout,
            workspace,
            structure.theta,
            core_rows(X[rows]),
            Y_rows,
            no_weights if w_rows is None else w_rows,
            out,
        )
        if row >= 0:
            raise _forward_error(
                X if original_X is None else original_X, X, start + row, layer, dtype
            )
        total += part
        if kind != "real":
            labels_rows = None if labels is None else labels[rows]
            share = out.shape[0] if w_rows is None else float(w_rows.sum())
            parts.append((_accuracy(out, Y_rows, labels_rows, w_rows, kind), share))
    result = {"cost": total / (n if weights is None else float(weights.sum()))}
    if parts:
        shares = sum(share for _, share in parts)
        result["accuracy"] = (
            parts[0][0] if len(parts) == 1 else sum(a * share for a, share in parts) / shares
        )
    return result


def _forward_error(original, X, row, layer, dtype):
    """The error for a forward pass that stopped at `row` as the core reports it."""
    if layer < 0:
        return non_finite_error(original, X, "X", row)
    return FloatingPointError(
        f"the outputs for row {row} of X are not finite although its inputs are: its "
        f"values overflowed {dtype.name} in layer {layer + 1} (z^{layer + 1} = "
        f"w^{layer + 1} a^{layer} + b^{layer + 1} or its activation). Scale the inputs "
        f"down{', or use float64' if dtype == np.float32 else ''}."
    )


def _accuracy(out, Y, labels, weights=None, kind=None):
    """Fraction of samples classified right (weighted), or None when Y holds no classes
    (`kind`: target_kind of Y and labels, if known)."""
    kind = target_kind(Y, labels) if kind is None else kind
    if kind == "real":
        return None
    if kind == "labels":
        truth = labels
    elif kind == "binary":  # 0/1 targets
        truth = Y[:, 0]
    else:  # one-hot rows
        truth = Y.argmax(axis=1)
    return float(np.average(predicted_classes(out) == truth, weights=weights))
