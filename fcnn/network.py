"""The Network: a fully-connected feed-forward net whose forward pass, back-propagation
and training run in the compiled core (`fcnn._core`).

Notation follows the lecture notes: layer 0 is the input, layer l = 1..L computes
z^l = w^l a^{l-1} + b^l and a^l = f(z^l); w^l[j, i] is the weight to neuron j of layer l
from neuron i of layer l-1. In Python lists the notes' w^l is ``weights[l - 1]``.
"""
import time

import numpy as np

from . import _core, activations as _activations, costs as _costs
from ._validation import (as_inputs, as_targets, check_bool, check_dtype, check_int,
                          check_positive_number, check_seed, check_sizes, MAX_DIMENSION)
from .history import History

__all__ = ["Network", "Trace", "Gradients"]

# Rows per forward chunk in predict and evaluate: large enough for efficient GEMMs,
# small enough that a chunk's activations stay in cache.
PREDICT_CHUNK = 256


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
    """

    def __init__(self, cost, delta, grad_w, grad_b):
        self.cost = cost
        self.delta = delta
        self.grad_w = grad_w
        self.grad_b = grad_b

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
            raise ValueError(f"{name} must have shape {view.shape} (or be a scalar), "
                             f"got {array.shape}")
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
        "sigmoid", "tanh", "relu", "leaky_relu", "swish", "softmax" (output layer only).
        ``fcnn.activations.LeakyReLU(slope=0.1)`` sets the leaky slope.
    cost : str or Cost
        "quadratic" (1/2 sum (a - y)^2), "squared_error", "absolute_error",
        "cross_entropy" or "log_likelihood" (these two need a sigmoid or softmax output).
    dtype : "float64" or "float32"
        Of the parameters, the computations and the outputs.
    seed : int or None
        Seeds the initialisation and, unless ``fit`` is given its own, the shuffling.
        The same seed gives the same parameters bit for bit.

    The parameters start as w ~ N(0, 1/n_in), b ~ N(0, 1).
    """

    def __init__(self, sizes, activations="sigmoid", cost="quadratic", *, dtype="float64",
                 seed=None):
        self._sizes = check_sizes(sizes)
        self._activations = self._resolve_activations(activations)
        self._cost = _costs.get(cost)
        output = self._activations[-1]
        if self._cost.needs_probabilities and output.name not in ("sigmoid", "softmax"):
            raise ValueError(f"cost {self._cost.name!r} takes logarithms of the outputs, so the "
                             f"output activation must be 'sigmoid' or 'softmax', got {output.name!r}")
        self._dtype = check_dtype(dtype)
        self._rng = np.random.default_rng(check_seed(seed))
        self._layout = _core.Layout(self._sizes, [f.code for f in self._activations],
                                    [f.param for f in self._activations], self._cost.code)
        self._theta = np.empty(self._layout.n_params, dtype=self._dtype)
        w_off, b_off, _ = self._layout.offsets()
        shapes = list(zip(self._sizes[1:], self._sizes[:-1]))
        self._weights = [self._theta[o:o + n * m].reshape(n, m) for o, (n, m) in zip(w_off, shapes)]
        self._biases = [self._theta[o:o + n] for o, (n, _) in zip(b_off, shapes)]
        for w, b in zip(self._weights, self._biases):
            w[...] = self._rng.standard_normal(w.shape) / np.sqrt(w.shape[1])
            b[...] = self._rng.standard_normal(b.shape)

    def _resolve_activations(self, activations):
        n_layers = len(self._sizes) - 1
        if isinstance(activations, (str, _activations.Activation)):
            activations = [activations] * n_layers
        activations = list(activations)
        if len(activations) != n_layers:
            raise ValueError(f"activations must be one name or a list of {n_layers} (one per "
                             f"layer after the input), got a list of {len(activations)}")
        resolved = [_activations.get(f) for f in activations]
        for layer, f in enumerate(resolved[:-1], start=1):
            if f.name == "softmax":
                raise ValueError(f"softmax is for the output layer only, found at hidden "
                                 f"layer {layer}")
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

    @staticmethod
    def _assign_all(target, values, name):
        values = list(values)
        if len(values) != len(target):
            raise ValueError(f"{name} needs {len(target)} arrays, got {len(values)}")
        for index, value in enumerate(values):
            target[index] = value

    def __repr__(self):
        names = ", ".join(repr(f.name) for f in self._activations)
        return (f"Network({list(self._sizes)}, activations=[{names}], "
                f"cost={self._cost.name!r}, dtype={self._dtype.name!r})")

    # ------------------------------------------------------------------ inference

    def _workspace(self, capacity):
        """z, a and delta buffers for `capacity` rows of every layer after the input."""
        if capacity * self._layout.n_units > np.iinfo(np.intp).max or capacity > MAX_DIMENSION:
            raise ValueError(f"a batch of {capacity} rows is too large for this network")
        return [np.empty(capacity * self._layout.n_units, dtype=self._dtype) for _ in range(3)]

    def _layer_views(self, buffer, rows, capacity):
        """Per-layer (rows, n_l) views of a workspace buffer, for layers 1..L."""
        _, _, unit_off = self._layout.offsets()
        return [buffer[capacity * o:capacity * o + rows * n].reshape(rows, n)
                for o, n in zip(unit_off, self._sizes[1:])]

    def predict(self, X):
        """Output activations a^L: shape (n_samples, sizes[-1]), or (sizes[-1],) for a 1-D X."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        out = np.empty((X.shape[0], self._sizes[-1]), dtype=self._dtype)
        z, a, _ = self._workspace(min(X.shape[0], PREDICT_CHUNK))
        _core.predict(self._layout, self._theta, X, z, a, out)
        return out[0] if single else out

    def trace(self, X):
        """The forward pass of X, every layer's z and a (a Trace); 1-D X gives 1-D rows."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        n = X.shape[0]
        z, a, _ = self._workspace(n)
        _core.forward(self._layout, self._theta, X, z, a)
        zs = [None] + self._layer_views(z, n, n)
        as_ = [X] + self._layer_views(a, n, n)
        if single:
            zs = [None] + [v[0] for v in zs[1:]]
            as_ = [v[0] for v in as_]
        return Trace(zs, as_)

    def evaluate(self, X, Y):
        """{"cost": mean cost, "accuracy": fraction right} (accuracy for classification:
        integer labels, one-hot rows, or one output with 0/1 targets)."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, labels = as_targets(Y, X.shape[0], self._sizes[-1], self._dtype, single=single)
        return self._evaluate(X, Y, labels)

    def _evaluate(self, X, Y, labels):
        out = np.empty((X.shape[0], self._sizes[-1]), dtype=self._dtype)
        z, a, _ = self._workspace(min(X.shape[0], PREDICT_CHUNK))
        result = {"cost": _core.evaluate(self._layout, self._theta, X, Y, z, a, out)}
        accuracy = _accuracy(out, Y, labels)
        if accuracy is not None:
            result["accuracy"] = accuracy
        return result

    # ------------------------------------------------------------------ learning

    def gradients(self, X, Y):
        """Back-propagate the batch (X, Y) without changing the network (a Gradients)."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, _ = as_targets(Y, X.shape[0], self._sizes[-1], self._dtype, single=single)
        n = X.shape[0]
        z, a, delta = self._workspace(n)
        grad = np.empty_like(self._theta)
        cost = _core.gradients(self._layout, self._theta, X, Y, z, a, delta, grad)
        w_off, b_off, _ = self._layout.offsets()
        grad_w = [grad[o:o + w.size].reshape(w.shape) for o, w in zip(w_off, self._weights)]
        grad_b = [grad[o:o + b.size] for o, b in zip(b_off, self._biases)]
        deltas = self._layer_views(delta, n, n)
        return Gradients(cost, [None] + [d[0] if single else d for d in deltas], grad_w, grad_b)

    def step(self, X, Y, lr):
        """One gradient-descent step on the batch (X, Y):
        w <- w - (eta/N) sum_n delta a^T, b <- b - (eta/N) sum_n delta.
        Returns the mean cost before the step."""
        X, single = as_inputs(X, self._sizes[0], self._dtype)
        Y, _ = as_targets(Y, X.shape[0], self._sizes[-1], self._dtype, single=single)
        lr = check_positive_number(lr, "lr")
        self._check_parameters_finite()
        z, a, delta = self._workspace(X.shape[0])
        return _core.sgd_step(self._layout, self._theta, X, Y, lr, z, a, delta)

    def fit(self, X, Y, *, epochs=1, batch_size=32, lr=0.1, shuffle=True, seed=None,
            validation_data=None, verbose=False):
        """Train by mini-batch stochastic gradient descent; returns a History.

        batch_size None trains on the full batch, 1 on one example at a time; a last
        partial batch is used, not dropped. Each epoch is one call into the core, which
        shuffles (seeded by `seed`, else by the network's seed), steps through every
        mini-batch and sums the running cost without the GIL.
        """
        X, _ = as_inputs(X, self._sizes[0], self._dtype, allow_single=False)
        Y, _ = as_targets(Y, X.shape[0], self._sizes[-1], self._dtype)
        n = X.shape[0]
        epochs = check_int(epochs, "epochs", minimum=0)
        batch_size = n if batch_size is None else min(check_int(batch_size, "batch_size", 1), n)
        lr = check_positive_number(lr, "lr")
        shuffle = check_bool(shuffle, "shuffle")
        verbose = check_bool(verbose, "verbose")
        rng = self._rng if seed is None else np.random.default_rng(check_seed(seed))
        validation = self._check_validation_data(validation_data)
        self._check_parameters_finite()

        z, a, delta = self._workspace(batch_size)
        order = np.arange(n, dtype=np.intp)
        rows = batch_size if shuffle else 1
        x_batch = np.empty((rows, self._sizes[0]), dtype=self._dtype)
        y_batch = np.empty((rows, self._sizes[-1]), dtype=self._dtype)
        history = History()
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            cost = _core.sgd_epoch(self._layout, self._theta, X, Y, batch_size, lr, shuffle,
                                   int(rng.integers(2**63)), order, x_batch, y_batch,
                                   z, a, delta)
            seconds = time.perf_counter() - started
            if not np.isfinite(cost) or not np.isfinite(self._theta).all():
                raise FloatingPointError(
                    f"training diverged in epoch {epoch}: the cost is {cost}; try a smaller lr "
                    f"(now {lr})")
            scores = self._evaluate(*validation) if validation else {}
            history.record(cost=cost, seconds=seconds, samples=n,
                           **{f"val_{key}": value for key, value in scores.items()})
            if verbose:
                print(history.describe_last(epochs), flush=True)
        return history

    def _check_validation_data(self, validation_data):
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        X, _ = as_inputs(validation_data[0], self._sizes[0], self._dtype, name="X_val",
                         allow_single=False)
        Y, labels = as_targets(validation_data[1], X.shape[0], self._sizes[-1], self._dtype,
                               name="Y_val")
        return X, Y, labels

    def _check_parameters_finite(self):
        if not np.isfinite(self._theta).all():
            raise ValueError("the network's weights or biases hold non-finite values")


def _accuracy(out, Y, labels):
    """Fraction of samples classified right, or None when Y does not describe classes."""
    if labels is not None:
        return float(np.mean(out.argmax(axis=1) == labels))
    if out.shape[1] == 1:
        if np.isin(Y, (0, 1)).all():
            return float(np.mean((out[:, 0] >= 0.5) == (Y[:, 0] == 1)))
        return None
    if np.isin(Y, (0, 1)).all() and (Y.sum(axis=1) == 1).all():
        return float(np.mean(out.argmax(axis=1) == Y.argmax(axis=1)))
    return None
