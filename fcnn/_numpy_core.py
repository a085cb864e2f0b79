"""The slow path of a network with a user-defined activation or cost: the compiled
core's entry points with the forward pass and back-propagation in NumPy
(`fcnn.reference`), and each update by the compiled optimizer (its ``apply_update``).

`NumPyCore` has each entry point that a network's structure calls on its core
(`train_epoch`, `gradients`, `forward`, `predict`, `evaluate`, `SmallPredictor`), taking
what the compiled one takes and returning what it returns, so that training (schedules,
clipping, averaging, callbacks, metrics, early stopping), evaluation, gradients and
L-BFGS are the same code for both paths. The layout, workspace and update settings stay
the compiled core's (the layout with stand-in codes for the user's functions). The random
stream is the core's too (`SplitMix64`), so shuffling and dropout masks are the ones the
compiled core draws from the same seed, and a user-defined copy of a built-in function
trains to the built-in's parameters but for rounding.

Dense inputs only: a sparse matrix is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _compiled, reference
from ._validation import one_hot_rows

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = 2**64 - 1


class SplitMix64:
    """The compiled core's generator (src_c/_random.pxd), many draws at a time."""

    def __init__(self, seed: int) -> None:
        self.state = int(seed) & _MASK64

    def bits(self, count: int) -> NDArray[np.uint64]:
        """The next `count` 64-bit draws."""
        steps = np.arange(1, count + 1, dtype=np.uint64)
        r = np.uint64(self.state) + steps * _GAMMA  # wraps modulo 2**64, as in C
        self.state = (self.state + count * int(_GAMMA)) & _MASK64
        r = (r ^ (r >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        r = (r ^ (r >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return r ^ (r >> np.uint64(31))

    def uniform(self, count: int) -> NDArray[np.floating]:
        """The next `count` doubles uniform in [0, 1)."""
        return (self.bits(count) >> np.uint64(11)) * (1.0 / 9007199254740992.0)

    def shuffled(self, n: int) -> NDArray[np.intp]:
        """0 .. n-1 in the core's Fisher-Yates order (shuffle_in_place)."""
        order = list(range(n))
        draws = (self.bits(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, j in zip(range(n - 1, 0, -1), draws):
            order[i], order[j] = order[j], order[i]
        return np.array(order, dtype=np.intp)

    def mask(self, shape: tuple[int, int], rate: float, dtype: Any) -> NDArray[Any]:
        """Inverted dropout's factors: 0 with probability `rate`, else 1/(1 - rate)."""
        keep = np.asarray(1 / (1 - rate), dtype=dtype)
        return np.where(self.uniform(shape[0] * shape[1]).reshape(shape) >= rate, keep, 0).astype(
            dtype
        )


class NumPyCore:
    """The core's entry points for a network of these widths and functions, in NumPy.

    Parameters
    ----------
    sizes : sequence of int
        The network's layer widths.
    activations : sequence of Activation
        Its activations of layers 1 .. L.
    cost : Cost
        Its cost.
    """

    def __init__(self, sizes: Sequence[int], activations: Sequence[Any], cost: Any) -> None:
        self.sizes, self.activations, self.cost = tuple(sizes), list(activations), cost
        self.predict = {"float": self._predict, "double": self._predict}  # as the core's

    @staticmethod
    def SmallPredictor(layout: Any, theta: NDArray[Any], capacity: int) -> Any:
        """No latency path: the network's checked path predicts a few rows too."""
        return lambda x, out, batches: None

    def _layers(self, layout, theta):
        """The weight matrices and bias vectors, views of theta."""
        w_off, b_off, _, _ = layout.offsets()
        shapes = list(zip(self.sizes[1:], self.sizes[:-1]))
        weights = [theta[o : o + n * m].reshape(n, m) for o, (n, m) in zip(w_off, shapes)]
        return weights, [theta[o : o + n] for o, (n, _) in zip(b_off, shapes)]

    def _forward(self, layout, theta, X, rates=None, rng=None):
        """(weights, zs, as_, masks) of the dense inputs X, under dropout at `rates` with
        masks drawn from `rng` in the core's order: the inputs', then each hidden layer's."""
        masks = None
        if rates is not None and np.any(rates > 0):
            if rates[0] > 0:
                X = X * rng.mask(X.shape, rates[0], X.dtype)
            masks = [
                rng.mask((X.shape[0], width), rate, X.dtype) if rate > 0 else None
                for width, rate in zip(self.sizes[1:], [*rates[1:], 0.0])
            ]
        weights, biases = self._layers(layout, theta)
        with np.errstate(all="ignore"):  # a non-finite value is reported, not warned of
            zs, as_ = reference.forward(weights, biases, self.activations, X, masks)
        as_ = [np.asarray(a, dtype=theta.dtype) for a in as_]
        return weights, zs, as_, masks

    def _backward(self, layout, weights, zs, as_, Y, sample_weight, masks, grad):
        """grad = the gradient of the mean (weighted) cost; returns the deltas."""
        weighted = sample_weight if sample_weight.shape[0] > 0 else None
        with np.errstate(all="ignore"):
            deltas, grad_w, grad_b = reference._backward(
                weights, self.activations, self.cost, zs, as_, Y, weighted, masks
            )
        w_off, b_off, _, _ = layout.offsets()
        for offset, g in [*zip(w_off, grad_w), *zip(b_off, grad_b)]:
            grad[offset : offset + g.size] = g.ravel()
        return deltas

    def _costs(self, a, Y, sample_weight):
        """The (weighted) cost of each row."""
        with np.errstate(all="ignore"):
            costs = np.asarray(self.cost(a, Y), dtype=np.float64)
        return costs * sample_weight if sample_weight.shape[0] > 0 else costs

    @staticmethod
    def _leave(layout, ws, zs, as_, deltas=None):
        """z, a (and delta) of the last rows that fit the workspace, left in it as the
        compiled core leaves its last chunk's."""
        n = as_[0].shape[0]
        start = (n - 1) // ws.capacity * ws.capacity if n else 0
        for k in range(len(zs) - 1):
            ws.layer("z", k, n - start, layout)[...] = zs[k + 1][start:]
            ws.layer("a", k, n - start, layout)[...] = as_[k + 1][start:]
            if deltas is not None:
                ws.layer("delta", k, n - start, layout)[...] = deltas[k + 1][start:]

    @staticmethod
    def _dense(X):
        """X, refused if it is sparse (the core's CSRRows)."""
        if not isinstance(X, np.ndarray):
            raise TypeError(
                "a network with a user-defined activation or cost takes dense inputs, not a "
                "sparse matrix"
            )
        return X

    @staticmethod
    def _stop(X, zs, as_):
        """(row, layer) of the first row whose input (layer -1) or outputs are not finite,
        the first layer where they stopped being finite; (-1, -1) when all are. An input
        is read where z^1 is not finite, as the core reads it (a saturating activation
        can hide it from the outputs)."""
        bad = ~np.isfinite(as_[-1]).all(axis=1) | ~np.isfinite(zs[1]).all(axis=1)
        if not bad.any():
            return -1, -1
        row = int(np.argmax(bad))
        if not np.isfinite(X[row]).all():
            return row, -1
        for k in range(1, len(zs)):
            if not (np.isfinite(zs[k][row]).all() and np.isfinite(as_[k][row]).all()):
                return row, k - 1
        return row, len(zs) - 2

    # ------------------------------------------------------------ entry points

    def forward(self, layout, ws, theta, X):
        """z and a of every layer for the rows of X, left in the workspace."""
        _, zs, as_, _ = self._forward(layout, theta, self._dense(X))
        self._leave(layout, ws, zs, as_)

    def _predict(self, layout, ws, theta, X, out):
        """out = a^L for every row of X; (row, layer) as the compiled predict returns."""
        _, row, layer = self.evaluate(layout, ws, theta, X, None, None, out)
        return row, layer

    def evaluate(self, layout, ws, theta, X, Y, sample_weight, out):
        """As predict, in chunks of the workspace's capacity, and return (summed
        (weighted) cost, row, layer); Y None: predict alone."""
        X = self._dense(X)
        total = 0.0
        for start in range(0, X.shape[0], ws.capacity):
            rows = slice(start, start + ws.capacity)
            _, zs, as_, _ = self._forward(layout, theta, X[rows])
            out[rows] = as_[-1]
            row, layer = self._stop(X[rows], zs, as_)
            if row >= 0:
                return float("nan"), start + row, layer
            if Y is not None:
                total += float(np.sum(self._costs(as_[-1], Y[rows], sample_weight[rows])))
        return total, -1, -1

    def gradients(
        self,
        layout,
        settings,
        ws,
        theta,
        X,
        Y,
        sample_weight,
        seed,
        grad=None,
        summed=False,
        labels=None,
    ):
        """grad (ws.grad when None) = the gradient of the mean (weighted) cost, or with
        `summed` of the summed one, plus the settings' l1 and l2 terms; z, a and delta left
        in ws. `labels`, row and layer as the compiled gradients has them: returns (mean or
        summed cost, 0.0, row, layer). Dropout masks are drawn for all rows at once (the
        compiled core draws them per chunk of the workspace's capacity: the same when all
        rows fit it)."""
        if grad is None:
            grad = ws.grad
        X = self._dense(X)
        if labels is not None:  # in range: the caller checked them
            Y = one_hot_rows(labels, self.sizes[-1], theta.dtype)
        rng = SplitMix64(seed)
        weights, zs, as_, masks = self._forward(layout, theta, X, settings.dropout, rng)
        bad_rows = ~np.isfinite(zs[1]).all(axis=1) & ~np.isfinite(X).all(axis=1)
        if bad_rows.any():
            return float("nan"), float("nan"), int(np.argmax(bad_rows)), -1
        bad_layers = [k for k, z in enumerate(zs[1:]) if not np.isfinite(z).all()]
        deltas = self._backward(layout, weights, zs, as_, Y, sample_weight, masks, grad)
        costs = self._costs(as_[-1], Y, sample_weight)
        if summed:
            grad *= Y.shape[0]
        for w, g in zip(weights, self._layers(layout, grad)[0]):
            g += settings.l2 * w + settings.l1 * np.sign(w)
        self._leave(layout, ws, zs, as_, deltas)
        cost = float(np.sum(costs) if summed else np.mean(costs))
        return cost, 0.0, -1, bad_layers[0] if bad_layers else -1

    def train_epoch(
        self,
        layout,
        settings,
        ws,
        theta,
        X,
        Y,
        labels,
        sample_weight,
        state1,
        state2,
        batch_size,
        shuffle,
        seed,
        accuracy_mode=0,
        progress=None,
        progress_every=0,
        order=None,
        lrs=None,
        ema=None,
    ):
        """One epoch of mini-batch training, as the compiled train_epoch, each batch's
        gradient in NumPy and its update by the compiled `apply_update`."""
        X = self._dense(X)
        n = X.shape[0]
        rng = SplitMix64(seed)
        if order is None:
            order = rng.shuffled(n) if shuffle else np.arange(n)
        total, correct = 0.0, 0.0
        grad = np.empty_like(theta)
        n_out = self.sizes[-1]
        for batch, start in enumerate(range(0, n, batch_size)):
            rows = order[start : start + batch_size]
            if labels.shape[0] > 0:
                y = np.zeros((len(rows), n_out), dtype=theta.dtype)
                y[np.arange(len(rows)), labels[rows]] = 1
            else:
                y = Y[rows]
                bad = ~np.isfinite(y).all(axis=1)
                if bad.any():
                    return _stopped(("input", "Y", int(rows[np.argmax(bad)])))
            weights = sample_weight[rows] if sample_weight.shape[0] > 0 else sample_weight
            if lrs is not None:
                settings.lr = lrs[batch]
            x = X[rows]
            w, zs, as_, masks = self._forward(layout, theta, x, settings.dropout, rng)
            bad = ~np.isfinite(zs[1]).all(axis=1) & ~np.isfinite(x).all(axis=1)
            if bad.any():
                return _stopped(("input", "X", int(rows[np.argmax(bad)])))
            cost = float(np.sum(self._costs(as_[-1], y, weights)))
            self._backward(layout, w, zs, as_, y, weights, masks, grad)
            _compiled.core.apply_update(layout, settings, theta, grad, state1, state2, ema)
            if not np.isfinite(cost):
                return _stopped(("cost", batch, self._stop(x, zs, as_)[1]))
            total += cost
            if accuracy_mode:
                correct += _correct(as_[-1], y, weights, accuracy_mode)
            if progress_every > 0 and (batch + 1) % progress_every == 0 and start + len(rows) < n:
                progress(start + len(rows), total)
        return total / n, (correct / n if accuracy_mode else float("nan")), None, 0.0


def _stopped(stop):
    """train_epoch's result for an epoch stopped early."""
    return float("nan"), float("nan"), stop, float("nan")


def _correct(a, y, weights, mode):
    """How many rows of outputs a classify right, as the core's correct_rows counts."""
    if mode == 2:
        hits = (a[:, 0] >= 0.5) == (y[:, 0] == 1)
    else:
        hits = y[np.arange(a.shape[0]), np.argmax(a, axis=1)] == 1
    return float(np.sum(hits * weights) if weights.shape[0] > 0 else np.sum(hits))
