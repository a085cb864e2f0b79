"""Gradient checking: back-propagation's gradient against central differences.

The analytic gradient of back-propagation (BP1-BP4) is compared with central differences
of the cost it is the gradient of.

For every checked parameter theta_k (a weight, a bias or a PReLU slope)::

    n_k = (C(theta + eps e_k) - C(theta - eps e_k)) / 2 eps

where C is the mean cost over the batch, ``net.evaluate(X, Y)["cost"]`` (the objective
whose gradient ``net.gradients(X, Y)`` returns when no regularization is asked for). It is
compared with the analytic a_k = ``net.gradients(X, Y).flat[k]`` by the relative error::

    r_k = |a_k - n_k| / max(|a_k| + |n_k|, floor),    floor = atol / tolerance,

and theta_k passes when r_k <= tolerance. Above the floor this is the plain relative error;
below it, where a and n are both smaller than central differences can resolve (rounding
of C leaves an absolute error of about ``u |C| / eps`` in n_k, u the unit roundoff), the
test becomes ``|a_k - n_k| <= atol``. The default atol is ``30 u max(|C|, 1) / eps``
(6.7e-9 for a cost of order 1 and eps = 1e-6, so the floor is 6.7e-3).

With ``inputs=True`` the gradient with respect to the inputs is checked too: for the mean
cost over N samples, dC/da^0 = (w^1)^T delta^1 / N for each sample (BP2 taken one layer
further down, without an f'), against central differences in X.

The check runs in float64 only: in float32 central differences keep about three digits.
``float64_copy(net)`` gives a float64 network with the same parameters to check instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._validation import (
    as_inputs,
    as_targets,
    check_bool,
    check_int,
    check_number,
    check_positive_number,
    check_seed,
)
from .network import Network

__all__ = ["gradcheck", "GradcheckResult", "BlockCheck", "float64_copy"]

UNIT_ROUNDOFF = np.finfo(np.float64).eps
# Central differences' rounding error, in units of u |C| / eps: measured at up to ~3 on
# [784, 30, 10] with a batch of 100; the default atol allows ten times that.
ROUNDING_FACTOR = 30


@dataclass
class BlockCheck:
    """The check of one block of parameters, one row of `GradcheckResult.report`.

    A block is layer l's weights ("w"), biases ("b") or PReLU slopes ("slopes"), or the
    inputs ("x", layer 0). Its fields are also its attributes.

    Parameters
    ----------
    layer : int
        The notes' l, 1..L; 0 for the inputs.
    kind : {"w", "b", "slopes", "x"}
        Which block of the layer.
    checked : int
        How many entries were checked.
    relative_error : float
        The largest relative error r_k in the block (see the module's description).
    abs_difference : float
        The largest ``|a_k - n_k|`` in the block.
    index : tuple of int
        Where r_k is largest: (j, i) for w^l[j, i], (j,) for b^l_j or alpha^l_j,
        (sample, i) for X.
    analytic, numeric : float
        The analytic a_k and the numeric n_k there.
    passed : bool
        Whether relative_error <= tolerance.
    """

    layer: int
    kind: str
    checked: int
    relative_error: float
    abs_difference: float
    index: tuple[int, ...]
    analytic: float
    numeric: float
    passed: bool


class GradcheckResult:
    """What `gradcheck` found; print it for the table.

    Parameters
    ----------
    blocks : list of BlockCheck
        The checks of every block, in the order of the table.
    eps, tolerance, atol : float
        The settings of the check.
    cost : float
        C, the mean cost at the unperturbed parameters.
    n_samples : int
        The number of examples in the batch.

    Attributes
    ----------
    passed : bool
        Every block passed.
    worst : dict of int to dict of str to BlockCheck
        ``worst[l][kind]`` is the BlockCheck of layer l's "w", "b" and "slopes" (PReLU
        layers), and ``worst[0]["x"]`` that of the inputs (with ``inputs=True``).
    blocks : list of BlockCheck
        The same BlockChecks as a list, in the order of the table.
    max_error : float
        The largest relative error of all (0.0 with no blocks).
    eps, tolerance, atol, cost, n_samples
        As given.

    See Also
    --------
    gradcheck : Makes one.
    """

    def __init__(
        self,
        blocks: list[BlockCheck],
        eps: float,
        tolerance: float,
        atol: float,
        cost: float,
        n_samples: int,
    ) -> None:
        self.blocks = blocks
        self.worst: dict[int, dict[str, BlockCheck]] = {}
        for block in blocks:
            self.worst.setdefault(block.layer, {})[block.kind] = block
        self.passed = all(block.passed for block in blocks)
        self.max_error = max((block.relative_error for block in blocks), default=0.0)
        self.eps = eps
        self.tolerance = tolerance
        self.atol = atol
        self.cost = cost
        self.n_samples = n_samples

    def report(self) -> str:
        """The check as a table, one row per block; also what ``str(result)`` gives.

        Returns
        -------
        str
            A line with the settings, then per block: layer, kind, entries checked, worst
            relative error, worst absolute difference, where the worst relative error
            is, PASS or FAIL; then a line with the analytic and numeric values of each
            failed block, and PASSED or FAILED.

        Examples
        --------
        >>> import fcnn
        >>> X, y = fcnn.datasets.xor()
        >>> print(fcnn.gradcheck(fcnn.Network([2, 3, 2], seed=0), X, y).report())
        ... # doctest: +ELLIPSIS
        gradcheck: mean cost ... over 4 samples, eps 1e-06, tolerance 1e-06 ...
        layer  kind   checked  worst rel. error  worst |a - n|  at         result
            1  w            6  ...  PASS
            1  b            3  ...  PASS
            2  w            6  ...  PASS
            2  b            2  ...  PASS
        PASSED
        """
        lines = [
            f"gradcheck: mean cost {self.cost:.6g} over {self.n_samples} samples, "
            f"eps {self.eps:g}, tolerance {self.tolerance:g} (relative; absolute "
            f"{self.atol:.2g} for gradients below {self.atol / self.tolerance:.2g})",
            f"{'layer':>5}  {'kind':<6} {'checked':>7}  {'worst rel. error':>16}  "
            f"{'worst |a - n|':>13}  {'at':<10} result",
        ]
        for block in self.blocks:
            lines.append(
                f"{block.layer:>5}  {block.kind:<6} {block.checked:>7}  "
                f"{block.relative_error:>16.3e}  {block.abs_difference:>13.3e}  "
                f"{_format_index(block.index):<10} "
                f"{'PASS' if block.passed else 'FAIL'}"
            )
        failed = [block for block in self.blocks if not block.passed]
        for block in failed:
            lines.append(
                f"FAIL layer {block.layer} {block.kind}{_format_index(block.index)}: "
                f"analytic {block.analytic:.10g}, numeric {block.numeric:.10g}"
            )
        lines.append(
            "PASSED" if not failed else f"FAILED: {len(failed)} of {len(self.blocks)} blocks"
        )
        return "\n".join(lines)

    __str__ = report

    def __repr__(self):
        return (
            f"GradcheckResult(passed={self.passed}, max_error={self.max_error:.3g}, "
            f"blocks={len(self.blocks)})"
        )


def float64_copy(net: Network) -> Network:
    """A float64 copy of a network, to check with `gradcheck`.

    Parameters
    ----------
    net : Network
        A network of either dtype; it is not changed.

    Returns
    -------
    Network
        A float64 network with exactly the parameters (converted to float64, which is
        exact) and optimizer state of `net`, and its configuration.

    Raises
    ------
    TypeError
        If `net` is not an `fcnn.Network`.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> net = fcnn.Network([3, 4, 2], dtype="float32", seed=0)
    >>> copy = fcnn.float64_copy(net)
    >>> copy.dtype.name, bool(np.array_equal(copy.theta, net.theta))
    ('float64', True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an fcnn.Network, got {type(net).__name__}")
    header, arrays = net.state()
    header = dict(header, dtype="float64")
    arrays = {name: array.astype(np.float64) for name, array in arrays.items()}
    return Network.from_state(header, arrays, net.internals.custom_objects)


def gradcheck(
    net: Network,
    X: ArrayLike,
    Y: ArrayLike,
    eps: float = 1e-6,
    *,
    inputs: bool = False,
    tolerance: float = 1e-6,
    max_params_per_layer: int | None = None,
    seed: int | np.random.Generator | None = 0,
    atol: float | None = None,
) -> GradcheckResult:
    """Check back-propagation's gradient against central differences of the cost.

    Compares ``net.gradients(X, Y)`` (BP1-BP4) with central differences of the mean
    cost over the batch (X, Y), ``net.evaluate(X, Y)["cost"]``, for every parameter (or
    a random sample of them), as the module's description says.

    Parameters
    ----------
    net : Network
        A float64 network (check ``float64_copy(net)`` of a float32 one).
    X : array_like, shape (n_samples, sizes[0]) or (sizes[0],)
        The inputs, as `Network.evaluate` takes them.
    Y : array_like, shape (n_samples, sizes[-1]) or (n_samples,)
        The targets, or integer class labels.
    eps : float, default 1e-6
        The central differences' step, > 0.
    inputs : bool, default False
        Also check dC/dX, the gradient with respect to the inputs.
    tolerance : float, default 1e-6
        The largest relative error that passes, > 0.
    max_params_per_layer : int or None, default None
        None checks every parameter; an integer k >= 1 checks at most k of each layer's
        weights, k of its biases and k of its slopes (and k inputs), chosen at random.
    seed : int, numpy.random.Generator or None, default 0
        Chooses the entries checked when `max_params_per_layer` is given.
    atol : float or None, default None
        The absolute difference that passes for gradients too small for a relative
        error, >= 0; None means ``30 u max(|C|, 1) / eps`` with u the unit roundoff.

    Returns
    -------
    GradcheckResult
        The worst error of each block of parameters; print it for the table.

    Raises
    ------
    TypeError
        If `net` is not an `fcnn.Network`, or an argument has the wrong type.
    ValueError
        If `net` is not float64, its parameters are not finite, `eps` or `tolerance`
        is not a positive finite number, `atol` is negative, `max_params_per_layer` is
        below 1, or X and Y are not a batch the network takes.

    See Also
    --------
    float64_copy : A float64 network to check.
    Network.gradients : The gradients checked.

    Notes
    -----
    The network's parameters are perturbed in place, one at a time, and restored bit
    for bit afterwards (also on an exception); the network's lock is held throughout,
    and the network must not be used from another thread meanwhile. Each checked entry
    costs two evaluations of the cost on the batch.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    >>> net = fcnn.Network([3, 4, 2], "sigmoid", "cross_entropy", seed=0)
    >>> result = fcnn.gradcheck(net, X, y, inputs=True, max_params_per_layer=3)
    >>> result.passed
    True
    >>> [(block.layer, block.kind, block.checked) for block in result.blocks]
    [(1, 'w', 3), (1, 'b', 3), (2, 'w', 3), (2, 'b', 2), (0, 'x', 3)]
    >>> result.max_error < 1e-6
    True
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an fcnn.Network, got {type(net).__name__}")
    if net.dtype != np.float64:
        raise ValueError(
            f"gradcheck needs a float64 network (central differences in "
            f"{net.dtype.name} keep only a few digits), got {net.dtype.name}; "
            f"check a float64 copy: gradcheck(float64_copy(net), X, Y) with "
            f"`fcnn.float64_copy(net)`"
        )
    eps = check_positive_number(eps, "eps")
    tolerance = check_positive_number(tolerance, "tolerance")
    inputs = check_bool(inputs, "inputs")
    if max_params_per_layer is not None:
        max_params_per_layer = check_int(max_params_per_layer, "max_params_per_layer", minimum=1)
    if atol is not None:
        atol = check_number(atol, "atol", minimum=0)
    rng = np.random.default_rng(check_seed(seed))
    X, _ = as_inputs(X, net.sizes[0], net.dtype)
    Y, _ = as_targets(Y, X.shape[0], net.sizes[-1], net.dtype, cost=net.cost)
    X = X.copy()  # perturbed for inputs=True; never the caller's array

    def cost():
        return net.evaluate(X, Y)["cost"]

    with net.internals.lock:
        net.internals.check_parameters_finite()
        theta = net.theta
        saved = theta.copy()
        try:
            grads = net.gradients(X, Y)
            base_cost = cost()
            if atol is None:
                atol = ROUNDING_FACTOR * UNIT_ROUNDOFF * max(abs(base_cost), 1.0) / eps
            blocks = []
            for layer, kind, block, analytic in _parameter_blocks(net, grads):
                chosen = _choose(block.size, max_params_per_layer, rng)
                numeric = _central_differences(cost, block.reshape(-1), chosen, eps)
                blocks.append(
                    _compare(
                        layer,
                        kind,
                        block.shape,
                        chosen,
                        analytic.reshape(-1)[chosen],
                        numeric,
                        tolerance,
                        atol,
                    )
                )
            if inputs:
                analytic = grads.delta[1] @ net.weights[0] / X.shape[0]
                chosen = _choose(X.size, max_params_per_layer, rng)
                numeric = _central_differences(cost, X.reshape(-1), chosen, eps)
                blocks.append(
                    _compare(
                        0,
                        "x",
                        X.shape,
                        chosen,
                        analytic.reshape(-1)[chosen],
                        numeric,
                        tolerance,
                        atol,
                    )
                )
        finally:
            theta[...] = saved
    return GradcheckResult(blocks, eps, tolerance, atol, base_cost, X.shape[0])


def _parameter_blocks(net, grads):
    """(layer, kind, live view of the parameters, their analytic gradient) per block."""
    for l, params in enumerate(net.params, start=1):
        yield l, "w", params["w"], grads.grad_w[l - 1]
        yield l, "b", params["b"], grads.grad_b[l - 1]
        if "slopes" in params:
            yield l, "slopes", params["slopes"], grads.grad_slopes[l - 1]


def _choose(size, limit, rng):
    if limit is None or size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, size=limit, replace=False))


def _central_differences(cost, values, chosen, eps):
    """(C(v + eps e_k) - C(v - eps e_k)) / (the step taken) for k in chosen, perturbing
    the flat live view `values` in place and putting each entry back as it was."""
    numeric = np.empty(len(chosen))
    for position, k in enumerate(chosen):
        original = values[k]
        up, down = original + eps, original - eps
        values[k] = up
        cost_up = cost()
        values[k] = down
        cost_down = cost()
        values[k] = original
        numeric[position] = (cost_up - cost_down) / (up - down)  # 2 eps, as rounded
    return numeric


def _compare(layer, kind, shape, chosen, analytic, numeric, tolerance, atol):
    difference = np.abs(analytic - numeric)
    floor = atol / tolerance if atol > 0 else np.finfo(np.float64).tiny
    relative = difference / np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    relative = np.where(np.isnan(relative), math.inf, relative)  # a non-finite cost fails
    worst = int(np.argmax(relative))
    return BlockCheck(
        layer,
        kind,
        len(chosen),
        float(relative[worst]),
        float(difference.max()),
        tuple(int(i) for i in np.unravel_index(chosen[worst], shape)),
        float(analytic[worst]),
        float(numeric[worst]),
        bool(relative[worst] <= tolerance),
    )


def _format_index(index):
    return "[" + ", ".join(map(str, index)) + "]"
