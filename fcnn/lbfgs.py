"""Full-batch training by scipy's L-BFGS-B, with the objective and its gradient from the core.

`Network.fit` with `fcnn.LBFGS` and the scikit-learn drop-in's ``lbfgs`` solver both
minimize an `Objective` with `minimize`; they differ only in the objective's regularization
and in the order in which the parameters are packed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
import scipy.optimize
from numpy.typing import NDArray

from ._validation import core_rows

GRADIENT_ROWS = 4096
"""Rows of the data a workspace holds at a time when the objective evaluates the whole data
set."""

_SCIPY_TAKES_IPRINT = tuple(int(p) for p in scipy.__version__.split(".")[:2]) < (1, 15)


def _sum(cost: float, penalty: float) -> float:
    return cost + penalty


class Objective:
    """A network's cost over the whole data set and its gradient, as a function of its
    parameters packed into one float64 vector, for scipy.

    Parameters
    ----------
    net : Network
        The network whose parameters the objective sets.
    X : ndarray or CSRRows-able matrix
        The inputs as the core reads them (C-contiguous in the network's dtype, or CSR).
    Y : ndarray, shape (n_samples, n_outputs)
        The targets, in the network's dtype.
    weights : ndarray, shape (n_samples,) or (0,)
        The sample weights, empty for none.
    settings : fcnn._core.UpdateSettings
        The regularization (`fcnn.optimizers.gradient_settings`).
    order : ndarray of int or None, default None
        ``theta[order]`` is the packed vector; None packs theta as it is.
    loss : callable, default cost + penalty
        The objective's value from the core's (mean cost, penalty) at the parameters.
    """

    def __init__(
        self,
        net: Any,
        X: Any,
        Y: NDArray[Any],
        weights: NDArray[Any],
        settings: Any,
        *,
        order: NDArray[np.intp] | None = None,
        loss: Callable[[float, float], float] = _sum,
    ) -> None:
        self.net, self.Y, self.weights, self.settings = net, Y, weights, settings
        self.rows = core_rows(X)
        self.order = slice(None) if order is None else order
        self.loss = loss
        self.workspace = net.internals.workspace(min(X.shape[0], GRADIENT_ROWS), training=True)
        self.grad = np.empty_like(net.theta)
        self.cost = float("nan")  # the mean data cost at the last parameters evaluated

    def packed(self) -> NDArray[np.float64]:
        """The network's parameters, packed."""
        return np.array(self.net.theta[self.order], dtype=np.float64)

    def unpack(self, packed: NDArray[np.float64]) -> None:
        """Set the network's parameters from a packed vector."""
        self.net.theta[self.order] = packed

    def __call__(self, packed: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        """(the objective, its gradient, packed) at the packed parameters, which the
        network keeps."""
        self.unpack(packed)
        cost, penalty, _, _ = self.net.internals.core.gradients(
            self.net.internals.layout,
            self.settings,
            self.workspace,
            self.net.theta,
            self.rows,
            self.Y,
            self.weights,
            0,
            self.grad,
        )
        self.cost = cost
        return self.loss(cost, penalty), self.grad[self.order].astype(np.float64)


def minimize(
    objective: Objective,
    *,
    max_iter: int,
    tol: float,
    max_fun: int,
    callback: Callable[[NDArray[np.float64]], None] | None = None,
    verbose: bool = False,
) -> Any:
    """Minimize `objective` from the network's parameters by L-BFGS-B, and leave the
    network at the result.

    Parameters
    ----------
    objective : Objective
    max_iter, max_fun : int
        The most iterations and evaluations of the objective.
    tol : float
        The projected gradient's largest component at which it stops (scipy's gtol).
    callback : callable, optional
        Called with the packed parameters after each iteration; raising StopIteration
        stops the minimization there.
    verbose : bool, default False
        scipy's progress messages, where scipy still prints them.

    Returns
    -------
    scipy.optimize.OptimizeResult
    """
    options: dict[str, Any] = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    if _SCIPY_TAKES_IPRINT:
        options["iprint"] = 1 if verbose else -1
    result = scipy.optimize.minimize(
        objective,
        objective.packed(),
        method="L-BFGS-B",
        jac=True,
        options=options,
        callback=callback,
    )
    objective.unpack(result.x)
    return result
