"""Back-propagation in plain NumPy, line by line as the lecture notes write it.

This is the algorithm the compiled core runs, written for reading: the tests use it as an
oracle and the benchmarks as the vectorized-NumPy peer. Batches are rows, as in the core:
for a batch A^{l-1} of shape (N, n_{l-1}), Z^l = A^{l-1} (w^l)^T + b^l.

Parameters are lists ``weights[l - 1]`` (n_l, n_{l-1}) and ``biases[l - 1]`` (n_l,);
``activations`` and ``cost`` are the objects of `fcnn.activations` and `fcnn.costs`.
"""

import numpy as np

__all__ = ["forward", "backprop", "sgd_step", "sgd_epoch"]


def forward(weights, biases, activations, X):
    """Lists z[l], a[l] for l = 0..L (z[0] is None, a[0] is X)."""
    zs, as_ = [None], [X]
    for w, b, f in zip(weights, biases, activations):
        z = as_[-1] @ w.T + b
        zs.append(z)
        as_.append(f(z))
    return zs, as_


def output_error(activation, cost, z, a, y):
    """BP1: delta^L = dC/da * f'(z^L); for softmax the Jacobian a_j (delta_jk - a_k).
    The notes' matched pairs cancel f' by hand: a - y, which stays finite where an
    output has rounded to 0 or 1."""
    if (activation.name, cost.name) == ("sigmoid", "cross_entropy"):
        return a - y
    if (activation.name, cost.name) == ("softmax", "log_likelihood"):
        return a * np.sum(y, axis=1, keepdims=True) - y  # a - y for one-hot y
    g = cost.derivative(a, y)
    if activation.name == "softmax":
        return a * (g - np.sum(g * a, axis=1, keepdims=True))
    return g * activation.derivative(z)


def backprop(weights, biases, activations, cost, X, Y):
    """(mean cost, deltas, grad_w, grad_b) for the batch, as Network.gradients returns them."""
    zs, as_ = forward(weights, biases, activations, X)
    N = X.shape[0]
    L = len(weights)
    deltas = [None] * (L + 1)
    deltas[L] = output_error(activations[-1], cost, zs[L], as_[L], Y)  # BP1
    for l in range(L - 1, 0, -1):
        deltas[l] = (deltas[l + 1] @ weights[l]) * activations[l - 1].derivative(zs[l])  # BP2
    grad_b = [deltas[l].sum(axis=0) / N for l in range(1, L + 1)]  # BP3
    grad_w = [deltas[l].T @ as_[l - 1] / N for l in range(1, L + 1)]  # BP4
    return float(np.mean(cost(as_[L], Y))), deltas, grad_w, grad_b


def sgd_step(weights, biases, activations, cost, X, Y, lr):
    """w <- w - (eta/N) sum_n delta a^T, b <- b - (eta/N) sum_n delta, in place.
    Returns the mean cost before the step."""
    value, _, grad_w, grad_b = backprop(weights, biases, activations, cost, X, Y)
    for w, b, gw, gb in zip(weights, biases, grad_w, grad_b):
        w -= lr * gw
        b -= lr * gb
    return value


def sgd_epoch(weights, biases, activations, cost, X, Y, batch_size, lr, order=None):
    """One epoch of mini-batch SGD over the rows of X in `order` (default: as they lie).
    Returns the mean running cost, as Network.fit records it."""
    order = np.arange(X.shape[0]) if order is None else order
    total = 0.0
    for start in range(0, X.shape[0], batch_size):
        rows = order[start : start + batch_size]
        total += sgd_step(weights, biases, activations, cost, X[rows], Y[rows], lr) * len(rows)
    return total / X.shape[0]
