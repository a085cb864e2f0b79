"""Per-layer learning diagnostics that fit(diagnostics=...) records after each epoch.

    grad_norm    ||dC/dw^l|| and ||dC/db^l||: the gradient of the mean data cost (no
                 regularization, no dropout), BP4 and BP3 summed over the examples
    dead_units   the fraction of a relu-type layer's units with z <= 0 for every example
    saturation   the fraction of (example, unit) pairs of a sigmoid or tanh layer with
                 |z| > 4, where f' is below 0.07 (tanh: 0.0013) and learning slows

All are measured by the core on up to MAX_EXAMPLES training examples (the first ones),
in chunks of CHUNK rows so that the workspace stays small for wide networks.
"""

import numpy as np

from ._compiled import core as _core
from ._validation import one_hot_rows

__all__ = ["KINDS", "Diagnostics", "check_kinds"]

KINDS = ("grad_norm", "dead_units", "saturation")
MAX_EXAMPLES = 10_000
CHUNK = 1_000
SATURATED_Z = 4.0
_RELU_TYPES = ("relu", "leaky_relu", "prelu")
_SATURATING = ("sigmoid", "tanh")


def check_kinds(diagnostics):
    """A tuple of diagnostic names from None, "all", one name or a list of names."""
    if diagnostics is None:
        return ()
    if diagnostics == "all":
        return KINDS
    names = (diagnostics,) if isinstance(diagnostics, str) else tuple(diagnostics)
    for name in names:
        if name not in KINDS:
            raise ValueError(f"unknown diagnostic {name!r}; expected 'all' or some of {KINDS}")
    return names


class Diagnostics:
    """Measures the chosen diagnostics of `net` on the first rows of (X, Y)."""

    def __init__(self, net, X, Y, labels, kinds):
        """Y: the targets, or None when `labels` stand for their one-hot rows."""
        self._net = net
        self._kinds = kinds
        self._X = X[:MAX_EXAMPLES]
        self._Y = (
            Y[:MAX_EXAMPLES]
            if Y is not None
            else one_hot_rows(labels[:MAX_EXAMPLES], net.sizes[-1], net.dtype)
        )
        rows = min(CHUNK, self._X.shape[0])
        self._workspace = net._workspace(rows, training=True)
        self._settings = _core.Training(0, lr=0.0)
        self._no_weights = np.empty(0, dtype=net.dtype)
        names = [f.name for f in net.activations]
        self._relu_layers = [k for k, name in enumerate(names) if name in _RELU_TYPES]
        self._saturating_layers = [k for k, name in enumerate(names) if name in _SATURATING]

    def record(self, history):
        net, n = self._net, self._X.shape[0]
        n_layers = len(net.sizes) - 1
        grad = np.zeros(net.theta.size)
        fired = [np.zeros(net.sizes[k + 1], dtype=bool) for k in range(n_layers)]
        saturated = np.zeros(n_layers)
        for start in range(0, n, CHUNK):
            X, Y = self._X[start : start + CHUNK], self._Y[start : start + CHUNK]
            m = X.shape[0]
            _core.gradients(
                net._layout, self._settings, self._workspace, net.theta, X, Y, self._no_weights, 0
            )
            grad += self._workspace.grad * (m / n)  # the chunk's mean, weighted to the whole
            z = net._layer_views(self._workspace, "z", m)
            for k in self._relu_layers:
                fired[k] |= (z[k] > 0).any(axis=0)
            for k in self._saturating_layers:
                saturated[k] += np.count_nonzero(np.abs(z[k]) > SATURATED_Z)
        if "grad_norm" in self._kinds:
            w_off, b_off, _, _ = net._layout.offsets()
            history.grad_norm_w.append(
                [float(np.linalg.norm(grad[o : o + w.size])) for o, w in zip(w_off, net.weights)]
            )
            history.grad_norm_b.append(
                [float(np.linalg.norm(grad[o : o + b.size])) for o, b in zip(b_off, net.biases)]
            )
        if "dead_units" in self._kinds:
            history.dead_units.append(
                [
                    float(1 - fired[k].mean()) if k in self._relu_layers else None
                    for k in range(n_layers)
                ]
            )
        if "saturation" in self._kinds:
            history.saturation.append(
                [
                    float(saturated[k] / (n * net.sizes[k + 1]))
                    if k in self._saturating_layers
                    else None
                    for k in range(n_layers)
                ]
            )
