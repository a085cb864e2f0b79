"""Per-layer learning diagnostics that fit(diagnostics=...) records after each epoch.

``grad_norm``
    ``||dC/dw^l||`` and ``||dC/db^l||``: the gradient of the mean data cost (no
    regularization, no dropout), BP4 and BP3 summed over the examples.
``dead_units``
    The fraction of a relu-type layer's units with z <= 0 for every example.
``saturation``
    The fraction of (example, unit) pairs of a sigmoid or tanh layer with ``|z| > 4``,
    where f' is below 0.07 (tanh: 0.0013) and learning slows.

All are measured by the core on up to MAX_EXAMPLES training examples (the first ones),
in chunks of CHUNK rows so that the workspace stays small for wide networks. Each is
kept in the History as one list per epoch with one entry per layer l = 1..L (None where
the diagnostic does not apply to the layer).

Examples
--------
>>> import fcnn
>>> X, y = fcnn.datasets.xor()
>>> net = fcnn.Network([2, 3, 3, 1], ["relu", "tanh", "sigmoid"], "quadratic", seed=0)
>>> history = net.fit(X, y, epochs=2, batch_size=4, lr=0.5, diagnostics="all")
>>> len(history.grad_norm_w), len(history.grad_norm_w[0])  # epochs, layers
(2, 3)
>>> history.saturation[-1]
[None, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ._validation import core_rows, one_hot_rows
from .optimizers import gradient_settings

if TYPE_CHECKING:
    from .history import History
    from .network import Network

__all__ = ["KINDS", "Diagnostics", "check_kinds"]

#: The names of the diagnostics.
KINDS = ("grad_norm", "dead_units", "saturation")
MAX_EXAMPLES = 10_000
CHUNK = 1_000
SATURATED_Z = 4.0
_RELU_TYPES = ("relu", "leaky_relu", "prelu")
_SATURATING = ("sigmoid", "tanh")


def check_kinds(diagnostics: str | Iterable[str] | None) -> tuple[str, ...]:
    """The diagnostics to record, as a tuple of names from `KINDS`.

    Parameters
    ----------
    diagnostics : str, iterable of str or None
        None (none), "all" (all of `KINDS`), one name, or several names among
        "grad_norm", "dead_units" and "saturation".

    Returns
    -------
    tuple of str
        The names; empty for None.

    Raises
    ------
    ValueError
        If a name is not one of `KINDS`.
    TypeError
        If `diagnostics` is neither None, a str nor an iterable (of str).

    Examples
    --------
    >>> from fcnn.diagnostics import check_kinds
    >>> check_kinds("all")
    ('grad_norm', 'dead_units', 'saturation')
    >>> check_kinds(["saturation"])
    ('saturation',)
    """
    if diagnostics is None:
        return ()
    if diagnostics == "all":
        return KINDS
    if isinstance(diagnostics, str):
        names: tuple[str, ...] = (diagnostics,)
    elif isinstance(diagnostics, Iterable) and not isinstance(diagnostics, bytes):
        names = tuple(diagnostics)
    else:
        raise TypeError(
            f"diagnostics must be None, 'all', or one or a list of the names {KINDS}, "
            f"got {type(diagnostics).__name__} {diagnostics!r}"
        )
    for name in names:
        if name not in KINDS:
            raise ValueError(f"unknown diagnostic {name!r}; expected 'all' or some of {KINDS}")
    return names


class Diagnostics:
    """Measures the chosen diagnostics of `net` on the first rows of (X, Y).

    `Network.fit` makes one per fit with ``diagnostics=`` and calls `record` after each
    epoch; the arrays are those it has checked, as the core reads them.

    Parameters
    ----------
    net : Network
        The network being trained.
    X : ndarray of shape (n_samples, n_0), C-contiguous, of the network's dtype
        The training inputs; the first `MAX_EXAMPLES` rows are measured.
    Y : ndarray of shape (n_samples, n_L), of the network's dtype, or None
        The targets, or None when `labels` stand for their one-hot rows.
    labels : ndarray of int of shape (n_samples,), or None
        The class labels in [0, n_L) when `Y` is None.
    kinds : tuple of str
        The diagnostics to record, as `check_kinds` returns them.

    See Also
    --------
    check_kinds : The names of the diagnostics.
    """

    def __init__(
        self,
        net: Network,
        X: NDArray[np.floating],
        Y: NDArray[np.floating] | None,
        labels: NDArray[np.intp] | None,
        kinds: tuple[str, ...],
    ) -> None:
        self._net = net
        self._internals = internals = net.internals
        self._kinds = kinds
        self._X = X[:MAX_EXAMPLES]
        self._Y = (
            Y[:MAX_EXAMPLES]
            if Y is not None
            # fit gives labels whenever it gives no Y
            else one_hot_rows(labels[:MAX_EXAMPLES], net.sizes[-1], net.dtype)  # type: ignore[index]
        )
        rows = min(CHUNK, self._X.shape[0])
        self._workspace = internals.workspace(rows, training=True)
        self._settings = gradient_settings()
        self._no_weights = np.empty(0, dtype=net.dtype)
        names = [f.name for f in net.activations]
        self._relu_layers = [k for k, name in enumerate(names) if name in _RELU_TYPES]
        self._saturating_layers = [k for k, name in enumerate(names) if name in _SATURATING]

    def record(self, history: History) -> None:
        """Measure the network as it is now and append the results to `history`.

        Parameters
        ----------
        history : History
            Gains one entry per recorded diagnostic: `grad_norm_w` and `grad_norm_b`
            (one float per layer), `dead_units` (per relu-type layer, else None) and
            `saturation` (per sigmoid or tanh layer, else None).
        """
        net, n = self._net, self._X.shape[0]
        n_layers = len(net.sizes) - 1
        grad = np.zeros(net.theta.size)
        fired = [np.zeros(net.sizes[k + 1], dtype=bool) for k in range(n_layers)]
        saturated = np.zeros(n_layers)
        for start in range(0, n, CHUNK):
            X, Y = self._X[start : start + CHUNK], self._Y[start : start + CHUNK]
            m = X.shape[0]
            self._internals.core.gradients(
                self._internals.layout,
                self._settings,
                self._workspace,
                net.theta,
                core_rows(X),
                Y,
                self._no_weights,
                0,
            )
            grad += self._workspace.grad * (m / n)  # the chunk's mean, weighted to the whole
            z = self._internals.layer_views(self._workspace, "z", m)
            for k in self._relu_layers:
                fired[k] |= (z[k] > 0).any(axis=0)
            for k in self._saturating_layers:
                saturated[k] += np.count_nonzero(np.abs(z[k]) > SATURATED_Z)
        if "grad_norm" in self._kinds:
            w_off, b_off, _, _ = self._internals.layout.offsets()
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
