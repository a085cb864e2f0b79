"""Cost functions C(a, y) of one example; a network's cost is their mean over a batch.

The core computes each cost and its output error delta^L (BP1). The objects here name
the cost and give a NumPy reference of C and dC/da, the tests' oracle.

Examples
--------
The notes' quadratic cost of one example, whose output a = 0.5123724780 should be 1
(worked example E2):

>>> import numpy as np
>>> from fcnn import costs
>>> costs.get("quadratic")(np.array([[0.512372478]]), np.array([[1.0]])).round(8).tolist()
[0.1188903]
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import xlogy

from . import _compiled, _user_defined
from ._user_defined import CustomObjects
from ._validation import check_real

__all__ = [
    "Cost",
    "Quadratic",
    "SquaredError",
    "AbsoluteError",
    "CrossEntropy",
    "LogLikelihood",
    "Poisson",
    "Huber",
    "Pinball",
    "Hinge",
    "LogPoisson",
    "get",
    "from_config",
]

CostName = Literal[
    "quadratic",
    "squared_error",
    "absolute_error",
    "cross_entropy",
    "log_likelihood",
    "poisson",
    "huber",
    "pinball",
    "hinge",
    "log_poisson",
]


def _ratio(p, q):
    """p / q elementwise, with 0 / q = 0 even for q = 0: the limit that the costs'
    0 ln 0 = 0 gives their derivatives. p / 0 for p > 0 is +inf, without a warning."""
    p, q = np.broadcast_arrays(p, q)
    out = np.zeros(p.shape, dtype=np.result_type(p, q, np.float32))
    with np.errstate(divide="ignore"):
        np.divide(p, q, out=out, where=p != 0)
    return out


def _xlogy(x, y):
    """x ln y with 0 ln 0 = 0; x ln 0 = -inf for x > 0, without a warning."""
    with np.errstate(divide="ignore"):
        return xlogy(x, y)


class Cost:
    """Base class of the costs C(a, y) of one example: a name, the core's code, NumPy
    references of C and dC/da.

    Subclasses set `name`; those with a parameter set `param` (the value the core reads).
    Two costs are equal when they are of the same class with the same parameter.

    A user-defined cost is a subclass that sets a `name` of its own (not a built-in one)
    and defines `__call__` (C of each example) and `derivative` (dC/da elementwise); no
    registration is needed. (A subclass of a built-in class that keeps its name and maths
    is that built-in cost.) A network with one runs its forward pass and
    back-propagation in NumPy (the parameter update stays compiled), which is slower
    than the compiled core (see the guide's page on networks for a measured figure).
    Its `config` is what a model file keeps of it; ``fcnn.load(path,
    custom_objects={name: TheClass})`` rebuilds it as ``TheClass(**config)`` without
    the name.

    Attributes
    ----------
    name : str
        The cost's name, as `get` and `from_config` take it (None in the base class).
    param : float
        The parameter the core reads (Huber's delta, Pinball's tau); 0.0 for the others.
    output_activations : tuple of str or None
        The output activations the cost allows; None allows any.
    output_reason : str
        Why the output activation is restricted, for the error that a network with
        another one raises.
    target_range : tuple of (float, float) or None
        The interval [low, high] the targets must lie in, for a cost that takes
        logarithms of them; None for any real targets.
    binary_targets : bool
        The targets must be 0 or 1 (class labels, as the hinge reads them).
    needs_probabilities : bool
        The cost takes logarithms of the outputs, so the output layer must be sigmoid or
        softmax, and the targets must lie in [0, 1].
    user_defined : bool
        Whether the cost is a user's subclass rather than a built-in one.

    See Also
    --------
    get : A Cost from its name.
    from_config : A Cost from its `config`.

    Examples
    --------
    A user-defined cost, log-cosh C = sum_j ln cosh(a_j - y_j):

    >>> import numpy as np
    >>> import fcnn
    >>> class LogCosh(fcnn.costs.Cost):
    ...     name = "log_cosh"
    ...
    ...     def __call__(self, a, y):
    ...         d = a - y
    ...         return np.sum(np.logaddexp(d, -d) - np.log(2), axis=-1)
    ...
    ...     def derivative(self, a, y):
    ...         return np.tanh(a - y)
    >>> net = fcnn.Network([1, 4, 1], "tanh", LogCosh(), seed=0)
    >>> X = np.linspace(-1, 1, 8).reshape(-1, 1)
    >>> history = net.fit(X, X**2, epochs=2, batch_size=4, lr=0.1)
    >>> net.cost
    LogCosh()
    """

    name: str | None = None
    param: float = 0.0
    output_activations: tuple[str, ...] | None = None
    output_reason: str = "takes logarithms of the outputs"
    target_range: tuple[float, float] | None = None
    binary_targets: bool = False

    @property
    def needs_probabilities(self) -> bool:
        """Whether outputs and targets are probabilities, in [0, 1]."""
        return self.target_range == (0.0, 1.0)

    @property
    def user_defined(self) -> bool:
        """Whether this is a user's subclass, computed in NumPy, not by the compiled core."""
        return _user_defined.is_user_defined(self, _BY_NAME, _METHODS)

    @property
    def code(self) -> int:
        """The code that selects this cost in the compiled core.

        Raises
        ------
        TypeError
            For a user-defined cost, which the compiled core does not compute.
        """
        if self.user_defined:
            raise TypeError(f"the user-defined cost {self.name!r} has no compiled code")
        return _compiled.core.COST_CODES[self.name]

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        """The cost C of each example, in NumPy: the reference the core is tested against.

        Parameters
        ----------
        a : ndarray of float, shape (n_samples, n_L) or (n_L,)
            The network's outputs a^L; the last axis is the output layer.
        y : ndarray of float, the shape of `a`
            The targets.

        Returns
        -------
        ndarray of float, shape (n_samples,), or a float for one example
            The cost of each example; the network's cost is their mean.
        """
        raise NotImplementedError

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        """The derivative dC/da elementwise, in NumPy: the first factor of BP1.

        Parameters
        ----------
        a : ndarray of float, shape (n_samples, n_L) or (n_L,)
            The network's outputs a^L.
        y : ndarray of float, the shape of `a`
            The targets.

        Returns
        -------
        ndarray of float, the shape of `a`
            The derivative, so that BP1 gives delta^L = dC/da * f'(z^L) for an elementwise f.
        """
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The cost as plain data; ``from_config(config())`` rebuilds it.

        Returns
        -------
        dict
            ``{"name": name}``, with the parameter too where there is one, e.g.
            ``{"name": "huber", "delta": 1.0}``.

        Examples
        --------
        >>> from fcnn.costs import Pinball, from_config
        >>> Pinball(tau=0.9).config()
        {'name': 'pinball', 'tau': 0.9}
        >>> from_config(Pinball(tau=0.9).config()) == Pinball(tau=0.9)
        True
        """
        return {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other) and self.param == other.param

    def __hash__(self):
        return hash((type(self), self.param))


class Quadratic(Cost):
    """The quadratic cost C = 1/2 sum_j (a_j - y_j)^2, the notes' default; dC/da = a - y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Quadratic
    >>> a, y = np.array([[0.5, 1.0]]), np.array([[1.0, 0.0]])
    >>> Quadratic()(a, y)
    array([0.625])
    >>> Quadratic().derivative(a, y)
    array([[-0.5,  1. ]])
    """

    name = "quadratic"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 0.5 * np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return a - y


class SquaredError(Cost):
    """The squared error C = sum_j (a_j - y_j)^2, as in the notes' 2-2-1 example;
    dC/da = 2 (a - y).

    Examples
    --------
    The notes' 2-2-1 network's output 0.7815107116 for the target 1 (worked example E3):

    >>> import numpy as np
    >>> from fcnn.costs import SquaredError
    >>> a, y = np.array([[0.7815107116]]), np.array([[1.0]])
    >>> SquaredError().derivative(a, y).round(10).tolist()
    [[-0.4369785768]]
    """

    name = "squared_error"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 2 * (a - y)


class AbsoluteError(Cost):
    """The absolute error ``C = sum_j |a_j - y_j|``; dC/da = sign(a - y), 0 at a = y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import AbsoluteError
    >>> a, y = np.array([[0.5, 1.0, 2.0]]), np.array([[1.0, 1.0, 0.0]])
    >>> AbsoluteError()(a, y)
    array([2.5])
    >>> AbsoluteError().derivative(a, y)
    array([[-1.,  0.,  1.]])
    """

    name = "absolute_error"

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum(np.abs(a - y), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sign(a - y)


class CrossEntropy(Cost):
    """The cross-entropy C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)].

    Needs outputs in [0, 1] (a sigmoid output layer) and targets in [0, 1].

    Notes
    -----
    With a sigmoid output the output error is delta^L = a - y: no sigma' factor, so no
    learning slowdown. dC/da_j = (a_j - y_j) / (a_j (1 - a_j)) = -y_j / a_j +
    (1 - y_j) / (1 - a_j), computed in the second form so that a = y in {0, 1} gives the
    limit (1 or -1) rather than 0/0. A sure wrong answer (a = 0 with y = 1) costs +inf.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import CrossEntropy
    >>> a, y = np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]])
    >>> print(np.round(CrossEntropy()(a, y), 6))
    [0.693147]
    >>> CrossEntropy().derivative(a, y)
    array([[-2.,  1.]])
    """

    name = "cross_entropy"
    output_activations = ("sigmoid", "softmax")
    target_range = (0.0, 1.0)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -np.sum(_xlogy(y, a) + _xlogy(1 - y, 1 - a), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return _ratio(1 - y, 1 - a) - _ratio(y, a)


class LogLikelihood(Cost):
    """The log-likelihood C = -sum_j y_j ln a_j, which is -ln a_y for a one-hot y.

    Needs outputs in [0, 1] (a softmax output layer) and targets in [0, 1].

    Notes
    -----
    With a softmax output the output error is delta^L = a - y (for one-hot y).
    dC/da_j = -y_j / a_j, which is 0 where y_j = 0 (even at a_j = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import LogLikelihood
    >>> a, y = np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])
    >>> print(np.round(LogLikelihood()(a, y), 6))
    [0.287682]
    >>> print(np.round(LogLikelihood().derivative(a, y), 6))
    [[-0.       -1.333333]]
    """

    name = "log_likelihood"
    output_activations = ("sigmoid", "softmax")
    target_range = (0.0, 1.0)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -np.sum(_xlogy(y, a), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return -_ratio(y, a)


class Poisson(Cost):
    """The half Poisson deviance C = sum_j [y_j ln(y_j / a_j) - y_j + a_j], with
    0 ln 0 = 0: the cost of scikit-learn's ``MLPRegressor(loss="poisson")``, for counts
    and rates; dC/da = 1 - y / a.

    Needs positive outputs (an exp or softplus output layer, or sigmoid or softmax) and
    targets >= 0.

    Notes
    -----
    With an exp output the output error is delta^L = a - y (f' = a cancels y / a), and
    the core computes the cost from z^L as y ln y - y z - y + e^z, finite where e^z has
    rounded to 0. It is ``torch.nn.PoissonNLLLoss(log_input=True, full=False)`` of z^L
    (the negative log-likelihood of a Poisson distribution of mean a, without its ln y!)
    plus y ln y - y, which does not depend on the network, so that C = 0 at a = y.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Poisson
    >>> a, y = np.array([[2.0, 1.0]]), np.array([[2.0, 0.0]])
    >>> Poisson()(a, y)
    array([1.])
    >>> Poisson().derivative(a, y)
    array([[0., 1.]])
    """

    name = "poisson"
    output_activations = ("exp", "softplus", "sigmoid", "softmax")
    target_range = (0.0, np.inf)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum(_xlogy(y, y) - _xlogy(y, a) - y + a, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 1 - _ratio(y, a)


class Huber(Cost):
    """The Huber cost C = sum_j h(a_j - y_j), h(r) = r^2 / 2 for abs(r) < delta, else
    delta (abs(r) - delta / 2): quadratic near the target, linear (robust to outliers)
    beyond delta; dC/da = a - y clamped to [-delta, delta]. It is
    ``torch.nn.HuberLoss(delta=delta, reduction="sum")`` of one example; with delta = 1,
    the smooth L1 loss.

    Parameters
    ----------
    delta : float, default=1.0
        Where the quadratic part turns linear, > 0.

    Raises
    ------
    TypeError
        If `delta` is not a real number (a bool is not).
    ValueError
        If `delta` is not finite or not > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Huber
    >>> a, y = np.array([[0.5, 3.0]]), np.array([[0.0, 0.0]])
    >>> Huber(delta=1.0)(a, y)
    array([2.625])
    >>> Huber(delta=1.0).derivative(a, y)
    array([[0.5, 1. ]])
    """

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.param = check_real(delta, "Huber delta", low=0, low_open=True)

    @property
    def delta(self) -> float:
        """Where the quadratic part turns linear."""
        return self.param

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        r = np.abs(a - y)
        return np.sum(
            np.where(r < self.param, 0.5 * r * r, self.param * (r - 0.5 * self.param)), axis=-1
        )

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.clip(a - y, -self.param, self.param)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "delta": self.param}

    def __repr__(self):
        return f"Huber(delta={self.param!r})"


class Pinball(Cost):
    """The pinball (quantile) cost C = sum_j max(tau r_j, (tau - 1) r_j), r = y - a,
    whose minimiser is the tau-quantile of the targets: an output below its target costs
    tau per unit, above it 1 - tau; dC/da = -tau below y, 1 - tau above, and 1/2 - tau at
    a = y (the middle of the two, which is 0 for the median, tau = 1/2, half the absolute
    error).

    Parameters
    ----------
    tau : float, default=0.5
        The quantile, in (0, 1).

    Raises
    ------
    TypeError
        If `tau` is not a real number (a bool is not).
    ValueError
        If `tau` is not in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Pinball
    >>> a, y = np.array([[0.0, 2.0]]), np.array([[1.0, 0.0]])
    >>> Pinball(tau=0.75)(a, y)
    array([1.25])
    >>> Pinball(tau=0.75).derivative(a, y)
    array([[-0.75,  0.25]])
    """

    name = "pinball"

    def __init__(self, tau: float = 0.5) -> None:
        self.param = check_real(tau, "Pinball tau", low=0, high=1, low_open=True, high_open=True)

    @property
    def tau(self) -> float:
        """The quantile."""
        return self.param

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        r = y - a
        return np.sum(np.maximum(self.param * r, (self.param - 1) * r), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return 0.5 * np.sign(a - y) + 0.5 - self.param

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "tau": self.param}

    def __repr__(self):
        return f"Pinball(tau={self.param!r})"


class Hinge(Cost):
    """The hinge cost of binary labels, C = sum_j max(0, 1 - t_j a_j) with t = 2y - 1:
    the labels 0 and 1 become -1 and +1, and an output costs nothing once it is on its
    label's side by a margin of 1 (a linear SVM's loss, for a network's score);
    dC/da = -t inside the margin (t a < 1), else 0 (also at t a = 1).

    Needs a linear output layer (a score on the whole real line: a bounded output would
    never clear the margin) and targets 0 or 1 (integer class labels, one-hot, for more
    outputs: one binary hinge per output).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import Hinge
    >>> a, y = np.array([[0.25, -3.0, 2.0]]), np.array([[1.0, 0.0, 0.0]])
    >>> Hinge()(a, y)
    array([3.75])
    >>> Hinge().derivative(a, y)
    array([[-1.,  0.,  1.]])
    """

    name = "hinge"
    output_activations = ("linear",)
    output_reason = "reads the output as a score on the whole real line"
    binary_targets = True

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.sum(np.maximum(0, 1 - (2 * y - 1) * a), axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        t = 2 * y - 1
        return np.where(t * a < 1, -t, 0.0)


class LogPoisson(Cost):
    """The half Poisson deviance of a log-rate output: the rate is e^a, and
    C = sum_j [e^a_j - y_j a_j + y_j ln y_j - y_j], with 0 ln 0 = 0 (the cost `Poisson`
    of the rate e^a); dC/da = e^a - y, which is the output error delta^L.

    Needs a linear output layer (the log-rate takes any real value) and targets >= 0.
    The rate overflows to inf for an output above about 709.8 (88.7 in float32, in the
    output error), which training reports as a divergence.

    Notes
    -----
    It is ``torch.nn.PoissonNLLLoss(log_input=True, full=False)`` of a (TensorFlow's
    ``log_poisson_loss``, whence the name) plus y ln y - y, which does not depend on the
    network, so that C = 0 at e^a = y. The same model as a `Poisson` cost with an exp
    output layer, with the rate's logarithm as the network's output.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.costs import LogPoisson
    >>> a, y = np.array([[np.log(2.0), 0.0]]), np.array([[2.0, 0.0]])
    >>> LogPoisson()(a, y).round(12)
    array([1.])
    >>> LogPoisson().derivative(a, y).round(12)
    array([[0., 1.]])
    """

    name = "log_poisson"
    output_activations = ("linear",)
    output_reason = "reads the output as a log-rate on the whole real line"
    target_range = (0.0, np.inf)

    def __call__(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        with np.errstate(over="ignore"):  # inf, as the core gives it
            return np.sum(np.exp(a) - y * a + _xlogy(y, y) - y, axis=-1)

    def derivative(self, a: NDArray[np.floating], y: NDArray[np.floating]) -> NDArray[np.floating]:
        with np.errstate(over="ignore"):
            return np.exp(a) - y


_BY_NAME = {
    cls.name: cls
    for cls in (
        Quadratic,
        SquaredError,
        AbsoluteError,
        CrossEntropy,
        LogLikelihood,
        Poisson,
        Huber,
        Pinball,
        Hinge,
        LogPoisson,
    )
}


def get(cost: CostName | Cost) -> Cost:
    """A Cost from its name, or a Cost instance itself.

    Parameters
    ----------
    cost : str or Cost
        A name, one of "quadratic", "squared_error", "absolute_error", "cross_entropy",
        "log_likelihood", "poisson", "huber", "pinball", "hinge" and "log_poisson", gives
        a new instance with default parameters; an instance is returned as it is.

    Returns
    -------
    Cost

    Raises
    ------
    ValueError
        If `cost` is a str that names no cost.
    TypeError
        If `cost` is neither a str nor a Cost.

    Examples
    --------
    >>> from fcnn import costs
    >>> costs.get("cross_entropy").needs_probabilities
    True
    """
    if isinstance(cost, Cost):
        return _user_defined.check(cost, Cost, _BY_NAME, _METHODS)
    if isinstance(cost, str):
        try:
            return _BY_NAME[cost]()
        except KeyError:
            raise ValueError(f"unknown cost {cost!r}; expected one of {sorted(_BY_NAME)}") from None
    raise TypeError(f"cost must be a name or an fcnn.costs.Cost, got {type(cost).__name__}")


def cost_for_output(activation: str) -> CostName:
    """The cost that goes with an output activation when none is given, as the usual
    losses pair them (scikit-learn's MLPs, PyTorch's modules): "log_likelihood" for
    softmax, "cross_entropy" for sigmoid, "quadratic" for any other."""
    return _COST_FOR_OUTPUT.get(activation, "quadratic")


_COST_FOR_OUTPUT: dict[str, CostName] = {"softmax": "log_likelihood", "sigmoid": "cross_entropy"}


_PARAMETERS = {"huber": ("delta",), "pinball": ("tau",)}
_METHODS = ("__call__", "derivative")  # what a user-defined cost defines


def from_config(config: dict[str, Any], custom_objects: CustomObjects | None = None) -> Cost:
    """The Cost that `Cost.config` described.

    Parameters
    ----------
    config : dict
        ``{"name": name}`` plus the cost's parameter where it has one ("delta" for
        "huber", "tau" for "pinball"); a missing parameter takes its default. A
        user-defined cost's config is its `config`.
    custom_objects : mapping of str to type, optional
        User-defined cost classes by their names: a config whose name is not a built-in
        one is rebuilt as ``custom_objects[name](**arguments)``, the arguments being the
        config's other keys.

    Returns
    -------
    Cost

    Raises
    ------
    ValueError
        If `config` is not a dict with a str "name", the name is neither built-in nor in
        `custom_objects`, or it holds a key the cost does not take; or the parameter is
        out of its range.
    TypeError
        If the parameter's value is not a real number.

    Examples
    --------
    >>> from fcnn.costs import from_config
    >>> from_config({"name": "huber", "delta": 0.5})
    Huber(delta=0.5)
    """
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError(f"a cost config is a dict with a 'name', got {config!r}")
    name = config["name"]
    if name not in _BY_NAME:
        return _user_defined.rebuild(config, custom_objects, Cost, _BY_NAME, _METHODS)
    allowed = _PARAMETERS.get(name, ())
    extra = set(config) - {"name", *allowed}
    if extra:
        raise ValueError(f"cost {name!r} takes no parameter {sorted(extra)}")
    return _BY_NAME[name](**{key: config[key] for key in allowed if key in config})
