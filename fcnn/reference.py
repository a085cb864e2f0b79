"""Back-propagation in plain NumPy, line by line as the lecture notes write it.

This is the algorithm the compiled core runs, written for reading: the tests use it as an
oracle and the benchmarks as the vectorized-NumPy peer. Batches are rows, as in the core:
for a batch A^{l-1} of shape (N, n_{l-1}), Z^l = A^{l-1} (w^l)^T + b^l.

Parameters are lists ``weights[l - 1]`` (n_l, n_{l-1}) and ``biases[l - 1]`` (n_l,);
``activations`` and ``cost`` are the objects of `fcnn.activations` and `fcnn.costs`.

Examples
--------
One step of the notes' 2-1-1 sigmoid network with C = 1/2 (y - a)^2 and eta = 0.01
(worked example E2):

>>> import numpy as np
>>> from fcnn import costs, reference
>>> from fcnn.activations import Sigmoid
>>> weights = [np.array([[0.4, -0.2]]), np.array([[0.1]])]
>>> biases = [np.zeros(1), np.zeros(1)]
>>> f, C = [Sigmoid(), Sigmoid()], costs.Quadratic()
>>> X, Y = np.array([[0.1, 0.3]]), np.array([[1.0]])
>>> cost = reference.sgd_step(weights, biases, f, C, X, Y, lr=0.01)
>>> weights[1].round(10).tolist(), biases[1].round(10).tolist()
([[0.1006030698]], [0.0012183224])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import Activation
from .costs import Cost

__all__ = ["forward", "backprop", "sgd_step", "sgd_epoch"]

_Arrays = list[NDArray[np.floating]]


def forward(
    weights: Sequence[NDArray[np.floating]],
    biases: Sequence[NDArray[np.floating]],
    activations: Sequence[Activation],
    X: NDArray[np.floating],
    masks: Sequence[NDArray[np.floating] | None] | None = None,
) -> tuple[list[Any], _Arrays]:
    """The forward pass: z^l = a^{l-1} (w^l)^T + b^l and a^l = f(z^l), layer by layer.

    Parameters
    ----------
    weights : sequence of ndarray of float, each of shape (n_l, n_{l-1})
        The weights w^1 .. w^L.
    biases : sequence of ndarray of float, each of shape (n_l,)
        The biases b^1 .. b^L.
    activations : sequence of Activation
        The activations f of layers 1 .. L.
    X : ndarray of float, shape (n_samples, n_0)
        The inputs, one example per row.
    masks : sequence of (ndarray of float or None), optional
        Dropout: the factors, of shape (n_samples, n_l), that multiply a^l (inverted
        dropout: 0 or 1/(1 - rate)), one entry per layer 1 .. L, None where there are none.

    Returns
    -------
    zs : list of ndarray of float, each of shape (n_samples, n_l)
        The weighted inputs z^0 .. z^L, where z^0 is None.
    as_ : list of ndarray of float, each of shape (n_samples, n_l)
        The activations a^0 .. a^L, where a^0 is X.

    Examples
    --------
    The notes' forward pass through a ReLU layer (worked example E1):

    >>> import numpy as np
    >>> from fcnn import reference
    >>> from fcnn.activations import ReLU
    >>> w1 = np.array([[-0.2, 0.4], [0.3, 0.1], [-0.5, -0.3]])
    >>> b1 = np.array([-0.3, 0.1, 0.0])
    >>> zs, as_ = reference.forward([w1], [b1], [ReLU()], np.array([[-1.0, 1.0]]))
    >>> zs[1].round(10).tolist(), as_[1].round(10).tolist()
    ([[0.3, -0.1, 0.2]], [[0.3, 0.0, 0.2]])
    """
    zs: list[Any] = [None]  # z^0 is None, the others arrays
    as_: _Arrays = [X]
    for l, (w, b, f) in enumerate(zip(weights, biases, activations), 1):
        z = as_[-1] @ w.T + b
        zs.append(z)
        a = f(z)
        mask = None if masks is None else masks[l - 1]
        if mask is not None:
            a = a * mask
        as_.append(a)
    return zs, as_


def output_error(
    activation: Activation,
    cost: Cost,
    z: NDArray[np.floating],
    a: NDArray[np.floating],
    y: NDArray[np.floating],
) -> NDArray[np.floating]:
    """BP1: delta^L = dC/da * f'(z^L); for softmax the Jacobian a_j (delta_jk - a_k).

    The notes' matched pairs cancel f' by hand: a - y, which stays finite where an
    output has rounded to 0 or 1."""
    if (activation.name, cost.name) in (("sigmoid", "cross_entropy"), ("exp", "poisson")):
        return a - y
    if (activation.name, cost.name) == ("softmax", "log_likelihood"):
        return a * np.sum(y, axis=1, keepdims=True) - y  # a - y for one-hot y
    g = cost.derivative(a, y)
    if activation.name == "softmax":
        return a * (g - np.sum(g * a, axis=1, keepdims=True))
    return g * activation.derivative(z)


def backprop(
    weights: Sequence[NDArray[np.floating]],
    biases: Sequence[NDArray[np.floating]],
    activations: Sequence[Activation],
    cost: Cost,
    X: NDArray[np.floating],
    Y: NDArray[np.floating],
    *,
    sample_weight: NDArray[np.floating] | None = None,
    masks: Sequence[NDArray[np.floating] | None] | None = None,
) -> tuple[float, list[NDArray[np.floating] | None], _Arrays, _Arrays]:
    """Back-propagation of the batch's mean cost, as `Network.gradients` returns it.

    Parameters
    ----------
    weights : sequence of ndarray of float, each of shape (n_l, n_{l-1})
        The weights w^1 .. w^L.
    biases : sequence of ndarray of float, each of shape (n_l,)
        The biases b^1 .. b^L.
    activations : sequence of Activation
        The activations f of layers 1 .. L.
    cost : Cost
        The cost C of one example.
    X : ndarray of float, shape (n_samples, n_0)
        The inputs, one example per row.
    Y : ndarray of float, shape (n_samples, n_L)
        The targets.
    sample_weight : ndarray of float, shape (n_samples,), optional
        Each example's weight: its cost and its row of delta^L are multiplied by it (the
        mean is still over the n_samples rows, as `Network.fit` takes weights of mean 1).
    masks : sequence of (ndarray of float or None), optional
        The dropout factors of a^1 .. a^L, as `forward` takes them; BP2 multiplies
        delta^l by them too.

    Returns
    -------
    cost : float
        The mean (weighted) cost over the batch.
    deltas : list of ndarray of float, each of shape (n_samples, n_l)
        The errors delta^0 .. delta^L, one row per example, where delta^0 is None.
    grad_w : list of ndarray of float, each of shape (n_l, n_{l-1})
        The gradients dC/dw^1 .. dC/dw^L of the mean cost.
    grad_b : list of ndarray of float, each of shape (n_l,)
        The gradients dC/db^1 .. dC/db^L of the mean cost.

    Notes
    -----
    With N examples as rows::

        delta^L = dC/da^L * f'(Z^L)                    (BP1)
        delta^l = (delta^{l+1} w^{l+1}) * f'(Z^l)      (BP2)
        dC/db^l = (1/N) sum_n delta^l_n                (BP3)
        dC/dw^l = (1/N) (delta^l)^T A^{l-1}            (BP4)

    Examples
    --------
    The notes' 2-2-1 sigmoid network with C = (y_hat - y)^2 (worked example E3):

    >>> import numpy as np
    >>> from fcnn import costs, reference
    >>> from fcnn.activations import Sigmoid
    >>> weights = [np.array([[1.0, 0.5], [0.1, 0.0]]), np.array([[0.2, 0.8]])]
    >>> biases = [np.zeros(2), np.array([0.75])]
    >>> f = [Sigmoid(), Sigmoid()]
    >>> X, Y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    >>> cost, deltas, grad_w, grad_b = reference.backprop(
    ...     weights, biases, f, costs.SquaredError(), X, Y
    ... )
    >>> deltas[2].round(10).tolist(), grad_w[1].round(10).tolist()
    ([[-0.0746148433]], [[-0.0464447054, -0.0373074216]])
    """
    zs, as_ = forward(weights, biases, activations, X, masks)
    deltas, grad_w, grad_b = _backward(weights, activations, cost, zs, as_, Y, sample_weight, masks)
    costs = cost(as_[-1], Y)
    if sample_weight is not None:
        costs = costs * sample_weight
    return float(np.mean(costs)), deltas, grad_w, grad_b


def _backward(weights, activations, cost, zs, as_, Y, sample_weight=None, masks=None):
    """`backprop` after its forward pass: (deltas, grad_w, grad_b)."""
    N = as_[0].shape[0]
    L = len(weights)
    weight = 1.0 if sample_weight is None else sample_weight[:, None]
    deltas: list[Any] = [None] * (L + 1)
    deltas[L] = output_error(activations[-1], cost, zs[L], as_[L], Y) * weight  # BP1
    for l in range(L - 1, 0, -1):
        deltas[l] = (deltas[l + 1] @ weights[l]) * activations[l - 1].derivative(zs[l])  # BP2
        if masks is not None and masks[l - 1] is not None:
            deltas[l] *= masks[l - 1]  # a dropped unit passes no error back
    grad_b = [deltas[l].sum(axis=0) / N for l in range(1, L + 1)]  # BP3
    grad_w = [deltas[l].T @ as_[l - 1] / N for l in range(1, L + 1)]  # BP4
    return deltas, grad_w, grad_b


def sgd_step(
    weights: Sequence[NDArray[np.floating]],
    biases: Sequence[NDArray[np.floating]],
    activations: Sequence[Activation],
    cost: Cost,
    X: NDArray[np.floating],
    Y: NDArray[np.floating],
    lr: float,
) -> float:
    """One gradient-descent step on the batch (X, Y), updating the parameters in place.

    w^l <- w^l - (eta/N) sum_n delta^l_n (a^{l-1}_n)^T and
    b^l <- b^l - (eta/N) sum_n delta^l_n.

    Parameters
    ----------
    weights : sequence of ndarray of float, each of shape (n_l, n_{l-1})
        The weights w^1 .. w^L, updated in place.
    biases : sequence of ndarray of float, each of shape (n_l,)
        The biases b^1 .. b^L, updated in place.
    activations : sequence of Activation
        The activations f of layers 1 .. L.
    cost : Cost
        The cost C of one example.
    X : ndarray of float, shape (n_samples, n_0)
        The inputs, one example per row.
    Y : ndarray of float, shape (n_samples, n_L)
        The targets.
    lr : float
        The learning rate eta.

    Returns
    -------
    float
        The mean cost of the batch before the step.

    See Also
    --------
    backprop : The gradients the step follows.
    """
    value, _, grad_w, grad_b = backprop(weights, biases, activations, cost, X, Y)
    for w, b, gw, gb in zip(weights, biases, grad_w, grad_b):
        w -= lr * gw
        b -= lr * gb
    return value


def sgd_epoch(
    weights: Sequence[NDArray[np.floating]],
    biases: Sequence[NDArray[np.floating]],
    activations: Sequence[Activation],
    cost: Cost,
    X: NDArray[np.floating],
    Y: NDArray[np.floating],
    batch_size: int,
    lr: float,
    order: NDArray[np.integer] | None = None,
) -> float:
    """One epoch of mini-batch SGD over the rows of X, updating the parameters in place.

    Parameters
    ----------
    weights : sequence of ndarray of float, each of shape (n_l, n_{l-1})
        The weights w^1 .. w^L, updated in place.
    biases : sequence of ndarray of float, each of shape (n_l,)
        The biases b^1 .. b^L, updated in place.
    activations : sequence of Activation
        The activations f of layers 1 .. L.
    cost : Cost
        The cost C of one example.
    X : ndarray of float, shape (n_samples, n_0)
        The inputs, one example per row.
    Y : ndarray of float, shape (n_samples, n_L)
        The targets.
    batch_size : int
        The examples per step; the last batch may be smaller.
    lr : float
        The learning rate eta.
    order : ndarray of int, shape (n_samples,), optional
        The order in which to visit the rows; None (the default) takes them as they lie.

    Returns
    -------
    float
        The mean running cost (each batch's cost before its step, weighted by its size),
        as `Network.fit` records it.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn import costs, datasets, reference
    >>> from fcnn.activations import Sigmoid
    >>> X, y = datasets.xor()
    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
    >>> biases = [np.zeros(3), np.zeros(1)]
    >>> f, C = [Sigmoid(), Sigmoid()], costs.Quadratic()
    >>> Y = y.reshape(-1, 1).astype(float)
    >>> first = reference.sgd_epoch(weights, biases, f, C, X, Y, batch_size=2, lr=3.0)
    >>> for _ in range(50):
    ...     last = reference.sgd_epoch(weights, biases, f, C, X, Y, batch_size=2, lr=3.0)
    >>> bool(last < first)
    True
    """
    order = np.arange(X.shape[0]) if order is None else order
    total = 0.0
    for start in range(0, X.shape[0], batch_size):
        rows = order[start : start + batch_size]
        total += sgd_step(weights, biases, activations, cost, X[rows], Y[rows], lr) * len(rows)
    return total / X.shape[0]
