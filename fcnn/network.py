"""The Network: a fully-connected feed-forward net whose forward pass, back-propagation
and training run in the compiled core (`fcnn._core`, or its AVX2 build: fcnn/_compiled.py).

Notation follows the lecture notes: layer 0 is the input, layer l = 1..L computes
z^l = w^l a^{l-1} + b^l and a^l = f(z^l); w^l[j, i] is the weight to neuron j of layer l
from neuron i of layer l-1. In Python lists the notes' w^l is ``weights[l - 1]``.
"""

import html
import threading

import numpy as np

from . import activations as _activations
from . import costs as _costs
from . import optimizers as _optimizers
from . import training as _training
from ._compiled import core as _core
from ._validation import (
    MAX_DIMENSION,
    as_inputs,
    as_sample_weight,
    as_targets,
    check_dtype,
    check_number,
    check_positive_number,
    check_seed,
    check_sizes,
    raise_non_finite,
)
from .initializers import check_scheme, initialize

__all__ = ["Network", "Trace", "Gradients"]


def _chunk_rows(sizes, n_params):
    """Rows per forward chunk in predict and evaluate. Each chunk streams every weight
    once and its own input rows once: about as many rows as the weights are input rows
    long keeps either from dominating (narrow nets: small chunks that stay in cache;
    wide nets: large chunks that reuse the weights)."""
    return min(512, max(32, n_params // sizes[0]))


def _has_parameters(activation):
    """Whether an activation is more than its name (e.g. LeakyReLU(slope=0.2)): then it
    shows as its repr."""
    return activation.config() != {"name": activation.name}


def _aligned_zeros(n, dtype, alignment=64):
    """Zeros starting on a cache-line boundary: the BLAS kernels read whole weight rows
    (single-sample latency varies by a third with the alignment of the parameters)."""
    spare = alignment // dtype.itemsize
    raw = np.zeros(n + spare, dtype=dtype)
    start = (-raw.ctypes.data % alignment) // dtype.itemsize
    return raw[start : start + n]


class Trace:
    """The forward pass of a batch, layer by layer: ``z[l]`` and ``a[l]`` for l = 0..L,
    with ``a[0]`` the input and ``z[0]`` None (the input has no weighted input)."""

    def __init__(self, z, a):
        self.z = z
        self.a = a

    def __repr__(self):
        shapes = [None if z is None else z.shape for z in self.z]
        return f"Trace(z shapes={shapes})"


class Gradients:
    """Back-propagation of one batch.

    cost    mean cost over the batch
    delta   delta[l] = dC_x/dz^l per sample for l = 1..L (delta[0] is None)
    grad_w  grad_w[l - 1] = dC/dw^l, averaged over the batch (BP4), shaped like weights
    grad_b  grad_b[l - 1] = dC/db^l, averaged over the batch (BP3), shaped like biases
    grad_slopes  grad_slopes[l - 1] = dC/dalpha^l for a PReLU layer, else None
    flat    the whole gradient as one array, in the layout of Network.theta
    """

    def __init__(self, cost, delta, grad_w, grad_b, grad_slopes=None, flat=None):
        self.cost = cost
        self.delta = delta
        self.grad_w = grad_w
        self.grad_b = grad_b
        self.grad_slopes = grad_slopes
        self.flat = flat

    def __repr__(self):
        return f"Gradients(cost={self.cost!r}, layers={len(self.grad_w)})"


class ParameterList:
    """The weights or the biases of every layer, as live views of the network's parameters.

    ``net.weights[0][1, 2] = 0.5`` and ``net.weights[0] = new_matrix`` both change the
    network; the second checks the shape (a scalar fills the layer) and converts to the
    network's dtype.
    """

    def __init__(self, views, kind):
        self._views = views
        self._kind = kind

    def __len__(self):
        return len(self._views)

    def __getitem__(self, index):
        return self._views[index]

    def __setitem__(self, index, values):
        view = self._views[index]
        name = f"{self._kind}[{index}]"
        array = np.asarray(values)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
        if array.shape != view.shape and array.ndim != 0:
            raise ValueError(
                f"{name} must have shape {view.shape} (or be a scalar), got {array.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite")
        view[...] = array

    def __iter__(self):
        return iter(self._views)

    def __repr__(self):
        return f"[{', '.join(repr(v) for v in self._views)}]"


class Network:
    """A fully-connected feed-forward neural network.

    Parameters
    ----------
    sizes : list of int
        Layer widths from input to output, e.g. ``[784, 30, 10]``.
    activations : str, Activation, or a list of them
        One for every layer after the input, or one per layer. Names: "linear",
        "sigmoid", "tanh", "relu", "leaky_relu", "swish", "prelu" (hidden layers only,
        one learnt slope per neuron) and "softmax" (output layer only).
        ``fcnn.activations.LeakyReLU(slope=0.1)`` sets the leaky slope.
    cost : str or Cost
        "quadratic" (1/2 sum (a - y)^2), "squared_error", "absolute_error",
        "cross_entropy" or "log_likelihood" (these two need a sigmoid or softmax output).
    dtype : "float64" or "float32"
        Of the parameters, the computations and the outputs.
    seed : int or None
        Seeds the initialisation and, unless ``fit`` is given its own, the shuffling.
        The same seed gives the same parameters bit for bit.

    init : str
        "normal_scaled" (w ~ N(0, 1/n_in), b ~ N(0, 1), the default), "normal" (N(0, 1),
        the notes' "large" initialisation), "xavier_uniform", "xavier_normal",
        "he_uniform", "he_normal" (biases zero for the last four); see fcnn.initializers.
    """

    def __init__(
        self,
        sizes,
        activations="sigmoid",
        cost="quadratic",
        *,
        dtype="float64",
        init="normal_scaled",
        seed=None,
    ):
        seed, init = check_seed(seed), check_scheme(init)  # every check before the core
        self._build(check_sizes(sizes), activations, cost, check_dtype(dtype))
        self._rng = np.random.default_rng(seed)
        initialize(init, self._rng, self._weights, self._biases)
        for f, slopes in zip(self._activations, self._slopes):
            if slopes is not None:
                slopes[...] = f.initial

    def _build(self, sizes, activations, cost, dtype):
        """Everything but the parameters' values, shared by __init__ and loading."""
        self._sizes = sizes
        self._activations = self._resolve_activations(activations)
        self._cost = _costs.get(cost)
        output = self._activations[-1]
        if self._cost.needs_probabilities and output.name not in ("sigmoid", "softmax"):
            raise ValueError(
                f"cost {self._cost.name!r} takes logarithms of the outputs, so the "
                f"output activation must be 'sigmoid' or 'softmax', got {output.name!r}"
            )
        self._dtype = dtype
        self._layout = _core.Layout(
            self._sizes,
            [f.code for f in self._activations],
            [f.param for f in self._activations],
            self._cost.code,
        )
        self._theta = _aligned_zeros(self._layout.n_params, self._dtype)
        w_off, b_off, p_off, _ = self._layout.offsets()
        shapes = list(zip(self._sizes[1:], self._sizes[:-1]))
        self._weights = [
            self._theta[o : o + n * m].reshape(n, m) for o, (n, m) in zip(w_off, shapes)
        ]
        self._biases = [self._theta[o : o + n] for o, (n, _) in zip(b_off, shapes)]
        self._slopes = [
            None if o < 0 else self._theta[o : o + n] for o, (n, _) in zip(p_off, shapes)
        ]
        self.optimizer = None  # the optimizer of the last fit, which the next fit continues
        # fit, step and save hold it: one training run at a time, never a half-updated save
        self._lock = threading.RLock()
        self._per_thread = threading.local()
        # the core's entry point for this dtype, chosen once (no dispatch per call)
        self._core_predict = _core.predict["float" if self._dtype == np.float32 else "double"]
        self._chunk_rows = _chunk_rows(self._sizes, self._layout.n_params)

    def _resolve_activations(self, activations):
        n_layers = len(self._sizes) - 1
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
                raise ValueError(
                    f"softmax is for the output layer only, found at hidden layer {layer}"
                )
        if resolved[-1].learnable:
            raise ValueError(
                f"{resolved[-1].name} is for hidden layers only, found at the output layer"
            )
        return tuple(resolved)

    # ------------------------------------------------------------------ properties

    @property
    def sizes(self):
        return self._sizes

    @property
    def dtype(self):
        return self._dtype

    @property
    def activations(self):
        return self._activations

    @property
    def cost(self):
        return self._cost

    @property
    def weights(self):
        """weights[l - 1] is the notes' w^l, shape (sizes[l], sizes[l - 1]); live views."""
        return ParameterList(self._weights, "weights")

    @weights.setter
    def weights(self, values):
        self._assign_all(self.weights, values, "weights")

    @property
    def biases(self):
        """biases[l - 1] is the notes' b^l, shape (sizes[l],); live views."""
        return ParameterList(self._biases, "biases")

    @biases.setter
    def biases(self, values):
        self._assign_all(self.biases, values, "biases")

    @property
    def theta(self):
        """Every parameter in one flat array, a live view: per layer w (row-major), b, and
        the PReLU slopes; the layout of Gradients.flat."""
        return self._theta

    @property
    def params(self):
        """Every learnt parameter by layer: [{"w": ..., "b": ..., "slopes": ...}, ...]
        (slopes only for PReLU layers); live views."""
        layers = []
        for w, b, slopes in zip(self._weights, self._biases, self._slopes):
            layer = {"w": w, "b": b}
            if slopes is not None:
                layer["slopes"] = slopes
            layers.append(layer)
        return layers

    @staticmethod
    def _assign_all(target, values, name):
        values = list(values)
        if len(values) != len(target):
            raise ValueError(f"{name} needs {len(target)} arrays, got {len(values)}")
        for index, value in enumerate(values):
            target[index] = value

    # ------------------------------------------------------------------ state

    def state(self):
        """The whole network as plain data and arrays: (header, arrays).

        header  {"sizes", "activations" (configs), "cost", "dtype", "rng" (the shuffling
                generator's state), "optimizer" (config or None)}, JSON-serialisable
        arrays  {"w1", "b1", ..., "slopes<l>" for PReLU layers, "optimizer_state<k>"}:
                copies, in the network's dtype
        ``Network.from_state(*net.state())`` is an identical network; `net.save(path)`
        writes this to a file (docs/model-format.md).
        """
        with self._lock:
            header = {
                "sizes": list(self._sizes),
                "activations": [f.config() for f in self._activations],
                "cost": self._cost.name,
                "dtype": self._dtype.name,
                "rng": self._rng.bit_generator.state,
                "optimizer": None if self.optimizer is None else self.optimizer.config(),
            }
            arrays = {}
            for l, (w, b, slopes) in enumerate(zip(self._weights, self._biases, self._slopes), 1):
                arrays[f"w{l}"] = w.copy()
                arrays[f"b{l}"] = b.copy()
                if slopes is not None:
                    arrays[f"slopes{l}"] = slopes.copy()
            if self.optimizer is not None:
                for k, state in enumerate(self.optimizer.states):
                    arrays[f"optimizer_state{k}"] = state.copy()
        return header, arrays

    @classmethod
    def from_state(cls, header, arrays):
        """The network that `state()` described; ValueError or TypeError on anything
        malformed (names, shapes, dtypes, non-finite values, unknown keys)."""
        if not isinstance(header, dict):
            raise TypeError(f"a network header is a dict, got {type(header).__name__}")
        expected = {"sizes", "activations", "cost", "dtype", "rng", "optimizer"}
        if set(header) != expected:
            raise ValueError(
                f"a network header has the keys {sorted(expected)}, got {sorted(header)}"
            )
        if not isinstance(header["activations"], list):
            raise TypeError("header 'activations' must be a list of activation configs")
        if not isinstance(header["cost"], str) or not isinstance(header["dtype"], str):
            raise TypeError("header 'cost' and 'dtype' must be names")
        net = cls.__new__(cls)
        net._build(
            check_sizes(header["sizes"]),
            [_activations.from_config(c) for c in header["activations"]],
            header["cost"],
            check_dtype(header["dtype"]),
        )
        net._rng = np.random.default_rng()
        try:
            net._rng.bit_generator.state = header["rng"]
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"header 'rng' is not a PCG64 state: {error!r}") from None
        names = set()
        for l, (w, b, slopes) in enumerate(zip(net._weights, net._biases, net._slopes), 1):
            for name, view in ((f"w{l}", w), (f"b{l}", b), (f"slopes{l}", slopes)):
                if view is not None:
                    view[...] = _stored_array(arrays, name, view.shape, net._dtype)
                    names.add(name)
        if header["optimizer"] is not None:
            optimizer = _optimizers.from_config(header["optimizer"])
            optimizer.bind(net._layout.n_params, net._dtype, net._sizes)
            for k, state in enumerate(optimizer.states):
                name = f"optimizer_state{k}"
                state[...] = _stored_array(arrays, name, state.shape, net._dtype)
                names.add(name)
            net.optimizer = optimizer
        extra = set(arrays) - names
        if extra:
            raise ValueError(f"unexpected arrays {sorted(extra)} for a network {list(net._sizes)}")
        return net

    def save(self, path):
        """Write the network (parameters, configuration, shuffling RNG, optimizer state)
        to `path` atomically, in the format of docs/model-format.md; fcnn.load(path)
        reads it back. A save during fit waits for the fit to finish."""
        from .io import save

        save(self, path)

    def __getstate__(self):
        return self.state()

    def __setstate__(self, state):
        self.__dict__.update(Network.from_state(*state).__dict__)

    def __repr__(self):
        names = ", ".join(
            repr(f) if _has_parameters(f) else repr(f.name) for f in self._activations
        )
        return (
            f"Network({list(self._sizes)}, activations=[{names}], "
            f"cost={self._cost.name!r}, dtype={self._dtype.name!r})"
        )

    def _repr_html_(self):
        """Jupyter's view: a table of the layers, with the cost, dtype and parameter count."""
        from .history import _html_row

        rows = [_html_row(["layer", "size", "activation", "parameters"], "th")]
        rows.append(_html_row(["0 (input)", self._sizes[0], "", ""]))
        total = 0
        for l, (f, layer) in enumerate(zip(self._activations, self.params), 1):
            count = sum(values.size for values in layer.values())
            total += count
            shown = repr(f) if _has_parameters(f) else f.name
            rows.append(_html_row([l, self._sizes[l], shown, count]))
        caption = html.escape(
            f"Network: cost {self._cost.name}, dtype {self._dtype.name}, {total:,} parameters"
        )
        return f"<table>\n<caption>{caption}</caption>\n" + "\n".join(rows) + "\n</table>"

    # ------------------------------------------------------------------ inference

    def _workspace(self, capacity, **options):
        if capacity * self._layout.n_units > np.iinfo(np.intp).max or capacity > MAX_DIMENSION:
            raise ValueError(f"a batch of {capacity} rows is too large for this network")
        return _core.Workspace(self._layout, self._dtype, capacity, **options)

    def _inference_workspace(self, rows):
        """A workspace for forward passes in chunks, kept per thread and reused, so that
        predicting one sample allocates nothing but its output."""
        workspace = getattr(self._per_thread, "workspace", None)
        capacity = min(rows, self._chunk_rows)
        if workspace is None or workspace.capacity < capacity:
            workspace = self._per_thread.workspace = self._workspace(capacity)
        return workspace

    def predict(self, X):
        """Output activations a^L: shape (n_samples, sizes[-1]), or (sizes[-1],) for a 1-D X."""
        one_sample = getattr(self._per_thread, "one_sample", None)
        if one_sample is None:
            one_sample = self._per_thread.one_sample = _core.SamplePredictor(
                self._layout, self._theta
            )
        out = one_sample(X)  # the latency path: a finite 1-D sample as the network takes it
        if out is not None:
            return out
        original = X
        X, single = as_inputs(X, self._sizes[0], self._dtype, check_finite=False)
        out = np.empty((X.shape[0], self._sizes[-1]), dtype=self._dtype)
        bad_row = self._core_predict(
            self._layout, self._inference_workspace(X.shape[0]), self._theta, X, out
        )
        if bad_row >= 0:
            raise_non_finite(original, X, "X")
        return out[0] if single else out

    def trace(self, X):
        """The forward pass of X, every layer's z and a (a Trace); 1-D X gives 1-D rows."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        n = X.shape[0]
        workspace = self._workspace(n)
        _core.forward(self._layout, workspace, self._theta, X)
        zs = [None] + self._layer_views(workspace, "z", n)
        as_ = [X] + self._layer_views(workspace, "a", n)
        if single:
            zs = [None] + [v[0] for v in zs[1:]]
            as_ = [v[0] for v in as_]
        return Trace(zs, as_)

    def _layer_views(self, workspace, name, rows):
        return [workspace.layer(name, k, rows, self._layout) for k in range(len(self._sizes) - 1)]

    def evaluate(self, X, Y, *, sample_weight=None):
        """{"cost": mean cost, "accuracy": fraction right} (accuracy for classification:
        integer labels, one-hot rows, or one output with 0/1 targets). With sample_weight
        both are weighted averages."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, labels = as_targets(
            Y,
            X.shape[0],
            self._sizes[-1],
            self._dtype,
            single=single,
            probabilities=self._cost.needs_probabilities,
        )
        weights = None
        if sample_weight is not None:
            weights = as_sample_weight(np.atleast_1d(sample_weight), X.shape[0], self._dtype)
            if not weights.sum() > 0:
                raise ValueError("sample_weight must not be all zero")
        return self._evaluate(X, Y, labels, weights)

    def _evaluate(self, X, Y, labels, weights=None):
        out = np.empty((X.shape[0], self._sizes[-1]), dtype=self._dtype)
        workspace = self._inference_workspace(X.shape[0])
        no_weights = np.empty(0, dtype=self._dtype)
        total = _core.evaluate(
            self._layout,
            workspace,
            self._theta,
            X,
            Y,
            no_weights if weights is None else weights,
            out,
        )
        result = {"cost": total / (X.shape[0] if weights is None else float(weights.sum()))}
        accuracy = _accuracy(out, Y, labels, weights)
        if accuracy is not None:
            result["accuracy"] = accuracy
        return result

    def plot_weights(self, layer=1, path=None, **kwargs):
        """The weights into `layer` as images (receptive fields) or a heat map:
        fcnn.plotting.plot_weights (needs the extra fcnn[plot])."""
        from .plotting import plot_weights

        return plot_weights(self, layer, path, **kwargs)

    # ------------------------------------------------------------------ learning

    def gradients(
        self, X, Y, *, sample_weight=None, l1=0.0, l2=0.0, n_train=None, dropout=0.0, seed=None
    ):
        """Back-propagate the batch (X, Y) without changing the network (a Gradients).

        The gradient is that of the (sample-weighted) mean cost plus l1/n sum |w| and
        l2/(2n) sum w^2 with n = n_train (default: the rows of X), as fit's l1 and l2
        define them; `cost` is that whole objective. With dropout > 0 the hidden
        activations are dropped by a mask drawn from `seed`, the same mask for the same
        seed.
        """
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, _ = as_targets(
            Y,
            X.shape[0],
            self._sizes[-1],
            self._dtype,
            single=single,
            probabilities=self._cost.needs_probabilities,
        )
        n = X.shape[0]
        n_train = n if n_train is None else check_positive_number(n_train, "n_train")
        l1 = check_number(l1, "l1", minimum=0) / n_train
        l2 = check_number(l2, "l2", minimum=0) / n_train
        dropout = check_number(dropout, "dropout", minimum=0)
        if dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if dropout > 0 and len(self._sizes) < 3:
            raise ValueError("dropout acts on hidden layers, and this network has none")
        weights = np.empty(0, dtype=self._dtype)
        if sample_weight is not None:
            weights = as_sample_weight(np.atleast_1d(sample_weight), n, self._dtype)
            if not weights.sum() > 0:
                raise ValueError("sample_weight must not be all zero")
            weights = weights / weights.mean()
        seed = np.random.default_rng(check_seed(seed)).integers(2**63)
        workspace = self._workspace(n, training=True, dropout=dropout > 0)
        settings = _core.Training(0, lr=0.0, l1=l1, l2=l2, dropout=dropout)
        cost = _core.gradients(
            self._layout, settings, workspace, self._theta, X, Y, weights, int(seed)
        )
        w2 = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in self._weights)
        w1 = sum(float(np.sum(np.abs(w), dtype=np.float64)) for w in self._weights)
        cost += l2 / 2 * w2 + l1 * w1
        grad = workspace.grad
        w_off, b_off, p_off, _ = self._layout.offsets()
        grad_w = [grad[o : o + w.size].reshape(w.shape) for o, w in zip(w_off, self._weights)]
        grad_b = [grad[o : o + b.size] for o, b in zip(b_off, self._biases)]
        grad_slopes = [None if o < 0 else grad[o : o + b.size] for o, b in zip(p_off, self._biases)]
        deltas = self._layer_views(workspace, "delta", n)
        return Gradients(
            cost,
            [None] + [d[0] if single else d for d in deltas],
            grad_w,
            grad_b,
            grad_slopes,
            grad,
        )

    def explain_step(self, x, y, lr):
        """Take one gradient-descent step on (x, y) and return it traced layer by layer in
        the notes' notation: z, a, delta (BP1, BP2), dC/db (BP3), dC/dw (BP4) and the
        parameters before and after (an fcnn.explain.StepExplanation; print it)."""
        from .explain import explain_step

        return explain_step(self, x, y, lr)

    def step(self, X, Y, lr):
        """One gradient-descent step on the batch (X, Y):
        w <- w - (eta/N) sum_n delta a^T, b <- b - (eta/N) sum_n delta.
        Returns the mean cost before the step."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, _ = as_targets(Y, X.shape[0], self._sizes[-1], self._dtype, single=single)
        with self._lock:
            kept = self.optimizer  # a step is not a fit: the next fit continues as before
            try:
                history = _training.fit(
                    self,
                    X,
                    Y,
                    epochs=1,
                    batch_size=None,
                    lr=check_positive_number(lr, "lr"),
                    optimizer=None,
                    l1=0.0,
                    l2=0.0,
                    dropout=0.0,
                    lr_schedule=None,
                    early_stopping=False,
                    patience=0,
                    min_delta=0.0,
                    monitor="val_cost",
                    validation_data=None,
                    validation_split=None,
                    sample_weight=None,
                    class_weight=None,
                    shuffle=False,
                    seed=0,
                    verbose=False,
                )
            finally:
                self.optimizer = kept
        return history.cost[0]

    def fit(
        self,
        X,
        Y,
        *,
        epochs=1,
        batch_size=32,
        lr=None,
        optimizer=None,
        l1=0.0,
        l2=0.0,
        dropout=0.0,
        lr_schedule=None,
        early_stopping=False,
        patience=10,
        min_delta=0.0,
        monitor="val_cost",
        validation_data=None,
        validation_split=None,
        sample_weight=None,
        class_weight=None,
        shuffle=True,
        seed=None,
        verbose=False,
        diagnostics=None,
    ):
        """Train by mini-batch gradient descent; returns a History.

        epochs, batch_size
            batch_size None trains on the full batch, 1 on one example at a time; a last
            partial batch is used, not dropped.
        lr, optimizer
            ``lr=`` alone is plain SGD (default 0.1); or an optimizer from fcnn.optimizers
            (SGD with momentum, Adam, AdamW, RMSProp, AdaGrad), which keeps its state from
            one fit to the next.
        l1, l2
            Regularization in the notes' form with n the training-set size: the cost gains
            l2/(2n) sum w^2 + l1/n sum |w| (weights only), so plain SGD does
            w <- (1 - eta l2/n) w - (eta/m) sum delta a^T.
        dropout
            Inverted dropout of hidden activations with this probability, in training only.
        lr_schedule
            None (constant), a name, or an fcnn.schedules.Schedule, applied between epochs.
        early_stopping, patience, min_delta, monitor
            Stop when `monitor` ("val_cost", "val_accuracy" or "cost") has not improved by
            more than min_delta for `patience` epochs, and restore the best parameters.
        validation_data, validation_split
            A pair (X_val, Y_val), or a fraction of (X, Y) held out (seeded).
        sample_weight, class_weight
            Per-example weights, and per-class weights (a dict or "balanced"); the cost and
            the gradients become weighted averages.
        shuffle, seed
            Each epoch visits the examples in a fresh order drawn from `seed` (else from the
            network's seed); shuffle=False keeps their order.
        verbose
            A live progress bar per epoch (tqdm when installed, else one plain line),
            ending with the epoch's cost, accuracy, validation scores and samples/s.
        diagnostics
            "all" or some of "grad_norm", "dead_units", "saturation": per-layer figures
            measured after each epoch and kept in the History (see fcnn.diagnostics).

        Each epoch is one call into the core, which shuffles, steps through every
        mini-batch and updates the parameters without the GIL. A cost or parameter that
        becomes non-finite raises fcnn.DivergenceError and leaves the parameters of the
        epoch before. On x86 the epoch treats subnormal numbers (below 1.2e-38 in float32,
        2.2e-308 in float64) as zero, since arithmetic on them runs some hundred times
        slower there; predict and the other methods keep them.

        Ctrl-C undoes the unfinished epoch (with verbose=True it stops within about 1% of
        one); the KeyboardInterrupt keeps the History of the finished epochs as ``history``.
        """
        with self._lock:
            return _training.fit(
                self,
                X,
                Y,
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                optimizer=optimizer,
                l1=l1,
                l2=l2,
                dropout=dropout,
                lr_schedule=lr_schedule,
                early_stopping=early_stopping,
                patience=patience,
                min_delta=min_delta,
                monitor=monitor,
                validation_data=validation_data,
                validation_split=validation_split,
                sample_weight=sample_weight,
                class_weight=class_weight,
                shuffle=shuffle,
                seed=seed,
                verbose=verbose,
                diagnostics=diagnostics,
            )

    def _check_validation_data(self, validation_data):
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        X, _ = as_inputs(
            validation_data[0], self._sizes[0], self._dtype, name="X_val", allow_single=False
        )
        Y, labels = as_targets(
            validation_data[1],
            X.shape[0],
            self._sizes[-1],
            self._dtype,
            name="Y_val",
            probabilities=self._cost.needs_probabilities,
        )
        return X, Y, labels

    def _check_parameters_finite(self):
        if not np.isfinite(self._theta).all():
            raise ValueError("the network's weights or biases hold non-finite values")


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


def _accuracy(out, Y, labels, weights=None):
    """Fraction of samples classified right (weighted), or None when Y holds no classes."""
    if labels is not None:
        right = out.argmax(axis=1) == labels
    elif out.shape[1] == 1 and np.isin(Y, (0, 1)).all():
        right = (out[:, 0] >= 0.5) == (Y[:, 0] == 1)
    elif out.shape[1] > 1 and np.isin(Y, (0, 1)).all() and (Y.sum(axis=1) == 1).all():
        right = out.argmax(axis=1) == Y.argmax(axis=1)
    else:
        return None
    return float(np.average(right, weights=weights))
