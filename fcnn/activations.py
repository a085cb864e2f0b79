"""Activation functions a = f(z).

Each activation is computed by the compiled core; the objects here name it, carry its
parameters, and give a NumPy reference of f and f' that documents the maths and serves
as the tests' oracle.

Examples
--------
The notes' forward pass through a ReLU layer (worked example E1):

>>> import numpy as np
>>> from fcnn import activations
>>> z = np.array([0.3, -0.1, 0.2])
>>> activations.get("relu")(z)
array([0.3, 0. , 0.2])
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc, expit

from . import _compiled, _user_defined
from ._user_defined import CustomObjects
from ._validation import check_real

__all__ = [
    "Activation",
    "Linear",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Swish",
    "Exp",
    "GELU",
    "GELUTanh",
    "ELU",
    "SELU",
    "Softplus",
    "Mish",
    "PReLU",
    "Softmax",
    "get",
    "from_config",
]

ActivationName = Literal[
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "swish",
    "exp",
    "gelu",
    "gelu_tanh",
    "elu",
    "selu",
    "softplus",
    "mish",
    "prelu",
    "softmax",
]

#: SELU's alpha and scale (Klambauer et al. 2017), to PyTorch's digits.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
#: Softplus is z itself above this, as PyTorch's default ``threshold=20`` makes it.
SOFTPLUS_THRESHOLD = 20.0


def _sigmoid(z: NDArray[np.floating]) -> NDArray[np.floating]:
    return expit(z)  # stable for any finite z


def _softplus(z: NDArray[np.floating]) -> NDArray[np.floating]:
    with np.errstate(under="ignore"):  # ln(1 + e^z) is 0 for large -z
        return np.logaddexp(0, z)  # stable for any finite z


class Activation:
    """Base class of the activation functions: a name, the core's code, NumPy references.

    Subclasses set `name`; those with a parameter set `param` (the value the core reads).
    Two activations are equal when they are of the same class with the same parameter.

    A user-defined activation is a subclass that sets a `name` of its own (not a built-in
    one) and defines `__call__` (f) and `derivative` (f'), elementwise on NumPy arrays; no
    registration is needed. (A subclass of a built-in class that keeps its name and maths
    is that built-in activation.) A network with one runs its forward pass and
    back-propagation in NumPy (the parameter update stays compiled), which is slower
    than the compiled core: several times for small layers, where NumPy's per-call
    overhead dominates (see the guide's page on networks for a measured figure). Its
    `config` is what a model file keeps of it; ``fcnn.load(path,
    custom_objects={name: TheClass})`` rebuilds it as ``TheClass(**config)`` without
    the name.

    Attributes
    ----------
    name : str
        The activation's name, as `get` and `from_config` take it (None in the base class).
    param : float
        The parameter the core reads (LeakyReLU's slope, ELU's alpha); 0.0 for the others.
    learnable : bool
        Whether the activation has parameters of its own in the network (PReLU's slopes).
    user_defined : bool
        Whether the activation is a user's subclass rather than a built-in one.

    See Also
    --------
    get : An Activation from its name.
    from_config : An Activation from its `config`.

    Examples
    --------
    A user-defined activation, softsign f(z) = z / (1 + abs(z)):

    >>> import numpy as np
    >>> import fcnn
    >>> class Softsign(fcnn.activations.Activation):
    ...     name = "softsign"
    ...
    ...     def __call__(self, z):
    ...         return z / (1 + np.abs(z))
    ...
    ...     def derivative(self, z):
    ...         return 1 / (1 + np.abs(z)) ** 2
    >>> net = fcnn.Network([2, 3, 1], [Softsign(), "sigmoid"], seed=0)
    >>> history = net.fit(*fcnn.datasets.xor(), epochs=2, batch_size=2, lr=0.5)
    >>> net
    Network([2, 3, 1], activations=['softsign', 'sigmoid'], cost='quadratic', dtype='float64')
    """

    name: str | None = None
    param: float = 0.0
    learnable: bool = False  # has parameters of its own in the network

    @property
    def user_defined(self) -> bool:
        """Whether this is a user's subclass, computed in NumPy, not by the compiled core."""
        return _user_defined.is_user_defined(self, _BY_NAME, _METHODS)

    @property
    def code(self) -> int:
        """The code that selects this activation in the compiled core.

        Raises
        ------
        TypeError
            For a user-defined activation, which the compiled core does not compute.
        """
        if self.user_defined:
            raise TypeError(f"the user-defined activation {self.name!r} has no compiled code")
        return _compiled.core.ACTIVATION_CODES[self.name]

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """The activation f(z) elementwise, in NumPy: the reference the core is tested against.

        Parameters
        ----------
        z : ndarray of float, any shape
            Weighted inputs, such as z^l of shape (n_samples, n_l).

        Returns
        -------
        ndarray of float, the shape of `z`
            The activations a = f(z).
        """
        raise NotImplementedError

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """The derivative f'(z) elementwise, in NumPy: the factor f'(z^l) of BP1 and BP2.

        Parameters
        ----------
        z : ndarray of float, any shape
            Weighted inputs, such as z^l of shape (n_samples, n_l).

        Returns
        -------
        ndarray of float, the shape of `z`
            The derivative f'(z).

        Raises
        ------
        NotImplementedError
            For Softmax, whose Jacobian is not diagonal.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"

    def config(self) -> dict[str, Any]:
        """The activation as plain data; ``from_config(config())`` rebuilds it.

        Returns
        -------
        dict
            ``{"name": name}``, with the parameter too where there is one, e.g.
            ``{"name": "leaky_relu", "slope": 0.01}``.

        Examples
        --------
        >>> from fcnn.activations import LeakyReLU, from_config
        >>> LeakyReLU(0.2).config()
        {'name': 'leaky_relu', 'slope': 0.2}
        >>> from_config(LeakyReLU(0.2).config()) == LeakyReLU(0.2)
        True
        """
        return {"name": self.name}

    def __eq__(self, other):
        return type(self) is type(other) and self.param == other.param

    def __hash__(self):
        return hash((type(self), self.param))


class Linear(Activation):
    """The identity, f(z) = z, f'(z) = 1.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Linear
    >>> Linear().derivative(np.array([-2.0, 3.0]))
    array([1., 1.])
    """

    name = "linear"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.array(z, copy=True)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.ones_like(z)


class Sigmoid(Activation):
    """The logistic sigmoid, f(z) = 1 / (1 + e^-z), f'(z) = f(z) (1 - f(z)).

    Computed with `scipy.special.expit`, which is stable for any finite z.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Sigmoid
    >>> f = Sigmoid()
    >>> np.round(f(np.array([-0.02, 0.0])), 10).tolist()
    [0.4950001667, 0.5]
    >>> f.derivative(np.array([0.0]))
    array([0.25])
    """

    name = "sigmoid"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return _sigmoid(z)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        s = _sigmoid(z)
        return s * (1 - s)


class Tanh(Activation):
    """The hyperbolic tangent, f(z) = tanh z, f'(z) = 1 - tanh^2 z.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Tanh
    >>> Tanh().derivative(np.array([0.0]))
    array([1.])
    """

    name = "tanh"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.tanh(z)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return 1 - np.tanh(z) ** 2


class ReLU(Activation):
    """The rectifier, f(z) = max(0, z), f'(z) = 1 if z > 0 else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import ReLU
    >>> z = np.array([0.3, -0.1, 0.2])
    >>> ReLU()(z)
    array([0.3, 0. , 0.2])
    >>> ReLU().derivative(z)
    array([1., 0., 1.])
    """

    name = "relu"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.maximum(z, 0)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return (z > 0).astype(np.result_type(z, np.float32))


class LeakyReLU(Activation):
    """The leaky rectifier, f(z) = z if z > 0 else slope z, f'(z) = 1 if z > 0 else slope.

    Parameters
    ----------
    slope : float, default=0.01
        The gradient for z <= 0; any finite real number.

    Raises
    ------
    TypeError
        If `slope` is not a real number (a bool is not).
    ValueError
        If `slope` is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import LeakyReLU
    >>> f = LeakyReLU(slope=0.1)
    >>> f(np.array([2.0, -2.0]))
    array([ 2. , -0.2])
    >>> f.derivative(np.array([2.0, -2.0]))
    array([1. , 0.1])
    """

    name = "leaky_relu"

    def __init__(self, slope: float = 0.01) -> None:
        self.param = check_real(slope, "LeakyReLU slope")

    @property
    def slope(self) -> float:
        """The gradient for z <= 0."""
        return self.param

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.where(z > 0, z, self.param * z)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.where(z > 0, 1.0, self.param).astype(np.result_type(z, np.float32))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "slope": self.param}

    def __repr__(self):
        return f"LeakyReLU(slope={self.param!r})"


class Swish(Activation):
    """Swish (SiLU), f(z) = z sigmoid(z), f'(z) = s + z s (1 - s) with s = sigmoid(z).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Swish
    >>> Swish()(np.array([0.0, 1.0])).round(6)
    array([0.      , 0.731059])
    >>> Swish().derivative(np.array([0.0]))
    array([0.5])
    """

    name = "swish"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return z * _sigmoid(z)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


class Exp(Activation):
    """The exponential, f(z) = e^z, f'(z) = e^z: positive outputs, as the Poisson cost
    needs (the output layer of scikit-learn's ``MLPRegressor(loss="poisson")``).

    Usable at any layer. It overflows to inf for z above ln of the dtype's largest
    number (about 709.8 in float64, 88.7 in float32), which `Network.predict` and
    training report as non-finite outputs of the layer.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Exp
    >>> Exp()(np.array([0.0, 1.0])).round(6)
    array([1.      , 2.718282])
    >>> Exp().derivative(np.array([0.0]))
    array([1.])
    """

    name = "exp"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        with np.errstate(over="ignore"):  # inf, as the core gives it
            return np.exp(z)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return self(z)


class GELU(Activation):
    """The Gaussian error linear unit (Hendrycks and Gimpel), exact:
    f(z) = z Phi(z), f'(z) = Phi(z) + z phi(z), with the standard normal CDF Phi and
    density phi.

    Phi(z) is computed as erfc(-z / sqrt 2) / 2, which keeps its digits where Phi(z) is
    small (PyTorch's ``gelu`` takes 1 + erf(z / sqrt 2), which cancels there). "gelu_tanh"
    is its tanh approximation.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import GELU
    >>> GELU()(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.158655,  0.      ,  0.841345])
    >>> GELU().derivative(np.array([0.0]))
    array([0.5])
    """

    name = "gelu"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return 0.5 * z * erfc(-z * math.sqrt(0.5))

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        with np.errstate(over="ignore", under="ignore"):  # phi(z) is 0 for large |z|
            density = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return 0.5 * erfc(-z * math.sqrt(0.5)) + z * density


def _gelu_tanh_inner(z):
    """2u = 2 sqrt(2/pi) (z + 0.044715 z^3): twice the argument of tanh, and its
    derivative, which is 0 where sigmoid(2u) has saturated (that keeps it finite)."""
    with np.errstate(over="ignore", invalid="ignore"):  # z^3 = inf saturates sigmoid
        inner = math.sqrt(8 / math.pi) * (z + 0.044715 * z**3)
        slope = math.sqrt(8 / math.pi) * (1 + 3 * 0.044715 * np.minimum(z * z, 1e4))
    return inner, slope


class GELUTanh(Activation):
    """The tanh approximation of GELU, PyTorch's ``gelu(approximate="tanh")``:
    f(z) = z (1 + tanh u) / 2 with u = sqrt(2/pi) (z + 0.044715 z^3).

    Computed as f(z) = z sigmoid(2u), the same function, which stays accurate where
    tanh u is near -1; f'(z) = s + z s (1 - s) d(2u)/dz with s = sigmoid(2u).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import GELUTanh
    >>> GELUTanh()(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.158808,  0.      ,  0.841192])
    >>> GELUTanh().derivative(np.array([0.0]))
    array([0.5])
    """

    name = "gelu_tanh"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return z * _sigmoid(_gelu_tanh_inner(z)[0])

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        inner, slope = _gelu_tanh_inner(z)
        s = _sigmoid(inner)
        return s + z * s * (1 - s) * slope


class ELU(Activation):
    """The exponential linear unit (Clevert et al.), f(z) = z if z > 0 else
    alpha (e^z - 1), f'(z) = 1 if z > 0 else alpha e^z.

    Parameters
    ----------
    alpha : float, default=1.0
        The value that f approaches as z goes to -inf, negated; any finite real number.

    Raises
    ------
    TypeError
        If `alpha` is not a real number (a bool is not).
    ValueError
        If `alpha` is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import ELU
    >>> f = ELU(alpha=0.5)
    >>> f(np.array([2.0, -2.0])).round(6)
    array([ 2.      , -0.432332])
    >>> f.derivative(np.array([2.0, 0.0]))
    array([1. , 0.5])
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.param = check_real(alpha, "ELU alpha")

    @property
    def alpha(self) -> float:
        """The scale of the negative part, alpha (e^z - 1)."""
        return self.param

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return _elu(z, self.param)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return _elu_derivative(z, self.param)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.param}

    def __repr__(self):
        return f"ELU(alpha={self.param!r})"


def _elu(z, alpha):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def _elu_derivative(z, alpha):
    with np.errstate(under="ignore"):  # e^z is 0 for large -z
        return np.where(z > 0, 1, alpha * np.exp(np.minimum(z, 0)))


class SELU(Activation):
    """The scaled exponential linear unit (Klambauer et al.), scale ELU(alpha)(z) with
    PyTorch's alpha = 1.6732632423543772... and scale = 1.0507009873554804... (`SELU_ALPHA`,
    `SELU_SCALE`).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import SELU
    >>> SELU()(np.array([1.0, -1.0])).round(6)
    array([ 1.050701, -1.111331])
    >>> SELU().derivative(np.array([1.0])).round(6)
    array([1.050701])
    """

    name = "selu"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return SELU_SCALE * _elu(z, SELU_ALPHA)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return SELU_SCALE * _elu_derivative(z, SELU_ALPHA)


class Softplus(Activation):
    """Softplus, f(z) = ln(1 + e^z), f'(z) = sigmoid(z); z itself above 20 (f'(z) = 1),
    as PyTorch's ``softplus`` with its defaults beta=1, threshold=20 (`SOFTPLUS_THRESHOLD`).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Softplus
    >>> Softplus()(np.array([0.0, 30.0])).round(6)
    array([ 0.693147, 30.      ])
    >>> Softplus().derivative(np.array([0.0]))
    array([0.5])
    """

    name = "softplus"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.where(z > SOFTPLUS_THRESHOLD, z, _softplus(z))

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return np.where(z > SOFTPLUS_THRESHOLD, 1, _sigmoid(z))


class Mish(Activation):
    """Mish (Misra), f(z) = z tanh(ln(1 + e^z)), f'(z) = t + z sigmoid(z) (1 - t^2) with
    t = tanh(ln(1 + e^z)) (no threshold, as PyTorch's ``mish``).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import Mish
    >>> Mish()(np.array([-1.0, 0.0, 1.0])).round(6)
    array([-0.303401,  0.      ,  0.865098])
    >>> Mish().derivative(np.array([0.0])).round(6)
    array([0.6])
    """

    name = "mish"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        return z * np.tanh(_softplus(z))

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        t = np.tanh(_softplus(z))
        return t + z * _sigmoid(z) * (1 - t * t)


class PReLU(Activation):
    """The parametric rectifier (He et al.), with a slope learnt for each neuron.

    f(z_j) = z_j if z_j > 0 else alpha_j z_j, where the slopes alpha_j of a layer are
    parameters of the network, trained by the same optimizer as the weights. For hidden
    layers only.

    Parameters
    ----------
    initial : float, default=0.25
        Every slope's starting value; any finite real number.

    Raises
    ------
    TypeError
        If `initial` is not a real number (a bool is not).
    ValueError
        If `initial` is not finite.

    Notes
    -----
    The NumPy references take the slopes as an argument: f(z, alpha), f'(z, alpha), and
    the slopes' gradient is dC/dalpha_j = sum dC/da_j min(z_j, 0).

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.activations import PReLU
    >>> f = PReLU(initial=0.25)
    >>> z = np.array([[2.0, -2.0]])
    >>> f(z)
    array([[ 2. , -0.5]])
    >>> f(z, alpha=np.array([0.1, 0.5]))
    array([[ 2., -1.]])
    >>> f.derivative(z)
    array([[1.  , 0.25]])
    """

    name = "prelu"
    learnable = True

    def __init__(self, initial: float = 0.25) -> None:
        self.initial = check_real(initial, "PReLU initial")

    def __call__(
        self, z: NDArray[np.floating], alpha: float | NDArray[np.floating] | None = None
    ) -> NDArray[np.floating]:
        """The activation f(z, alpha) elementwise, in NumPy.

        Parameters
        ----------
        z : ndarray of float, shape (n_samples, n_l) or (n_l,)
            Weighted inputs of the layer.
        alpha : float or ndarray of float of shape (n_l,), optional
            The slopes, one per neuron; None (the default) uses `initial` for all.

        Returns
        -------
        ndarray of float, the shape of `z`
            The activations.
        """
        alpha = self.initial if alpha is None else alpha
        return np.where(z > 0, z, alpha * z)

    def derivative(
        self, z: NDArray[np.floating], alpha: float | NDArray[np.floating] | None = None
    ) -> NDArray[np.floating]:
        """The derivative f'(z, alpha) = 1 if z > 0 else alpha, elementwise, in NumPy.

        Parameters
        ----------
        z : ndarray of float, shape (n_samples, n_l) or (n_l,)
            Weighted inputs of the layer.
        alpha : float or ndarray of float of shape (n_l,), optional
            The slopes, one per neuron; None (the default) uses `initial` for all.

        Returns
        -------
        ndarray of float, the shape of `z`
            The derivative with respect to z.
        """
        alpha = self.initial if alpha is None else alpha
        return np.where(z > 0, 1.0, alpha) * np.ones_like(z)

    def __eq__(self, other):
        return type(self) is type(other) and self.initial == other.initial

    def __hash__(self):
        return hash((type(self), self.initial))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "initial": self.initial}

    def __repr__(self):
        return f"PReLU(initial={self.initial!r})"


class Softmax(Activation):
    """The softmax, f(z)_j = e^{z_j} / sum_k e^{z_k} over each row; output layer only.

    Its Jacobian is not diagonal, da_j/dz_k = a_j (delta_jk - a_k), so `derivative`
    is not defined elementwise: the core applies the Jacobian in BP1.

    Examples
    --------
    The notes' softmax of z = [2, 1, -1] (worked example E4):

    >>> import numpy as np
    >>> from fcnn.activations import Softmax
    >>> np.round(Softmax()(np.array([2.0, 1.0, -1.0])), 10).tolist()
    [0.7053845127, 0.2594964603, 0.035119027]
    """

    name = "softmax"

    def __call__(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """The softmax f(z) over the last axis, in NumPy (rows of a batch are independent).

        Parameters
        ----------
        z : ndarray of float, shape (n_samples, n_L) or (n_L,)
            Weighted inputs of the output layer.

        Returns
        -------
        ndarray of float, the shape of `z`
            Each row's probabilities, which sum to 1.
        """
        z = np.asarray(z)
        with np.errstate(under="ignore"):  # e^{z_j - max z} rounding to 0 is exact enough
            e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """Not defined: softmax has a full Jacobian.

        Parameters
        ----------
        z : ndarray of float
            Unused.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError("softmax has a full Jacobian, not an elementwise derivative")


_BY_NAME = {
    cls.name: cls
    for cls in (
        Linear,
        Sigmoid,
        Tanh,
        ReLU,
        LeakyReLU,
        Swish,
        Exp,
        GELU,
        GELUTanh,
        ELU,
        SELU,
        Softplus,
        Mish,
        PReLU,
        Softmax,
    )
}


_PARAMETERS = {"leaky_relu": ("slope",), "elu": ("alpha",), "prelu": ("initial",)}


_METHODS = ("__call__", "derivative")  # what a user-defined activation defines


def from_config(config: dict[str, Any], custom_objects: CustomObjects | None = None) -> Activation:
    """The Activation that `Activation.config` described.

    Parameters
    ----------
    config : dict
        ``{"name": name}`` plus the activation's parameter where it has one ("slope" for
        "leaky_relu", "alpha" for "elu", "initial" for "prelu"); a missing parameter
        takes its default. A user-defined activation's config is its `config`.
    custom_objects : mapping of str to type, optional
        User-defined activation classes by their names: a config whose name is not a
        built-in one is rebuilt as ``custom_objects[name](**arguments)``, the arguments
        being the config's other keys.

    Returns
    -------
    Activation
        A new activation.

    Raises
    ------
    ValueError
        If `config` is not a dict with a str "name", the name is neither built-in nor in
        `custom_objects`, or it holds a key that the activation does not take.
    TypeError, ValueError
        If the parameter's value is not a finite real number.

    Examples
    --------
    >>> from fcnn.activations import from_config
    >>> from_config({"name": "prelu", "initial": 0.1}).initial
    0.1
    """
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError(f"an activation config is a dict with a 'name', got {config!r}")
    name = config["name"]
    if name not in _BY_NAME:
        return _checked(
            _user_defined.rebuild(config, custom_objects, Activation, _BY_NAME, _METHODS)
        )
    allowed = _PARAMETERS.get(name, ())
    extra = set(config) - {"name", *allowed}
    if extra:
        raise ValueError(f"activation {name!r} takes no parameter {sorted(extra)}")
    return _BY_NAME[name](**{key: config[key] for key in allowed if key in config})


def get(activation: ActivationName | Activation) -> Activation:
    """An Activation from its name, or an Activation instance itself.

    Parameters
    ----------
    activation : str or Activation
        A name, one of "linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish",
        "exp", "gelu", "gelu_tanh", "elu", "selu", "softplus", "mish", "prelu" and
        "softmax", gives a new instance with default parameters; an instance is returned
        as it is.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If `activation` is a str that names no activation.
    TypeError
        If `activation` is neither a str nor an Activation.

    Examples
    --------
    >>> from fcnn import activations
    >>> activations.get("leaky_relu").slope
    0.01
    >>> slope = activations.LeakyReLU(0.2)
    >>> activations.get(slope) is slope
    True
    """
    if isinstance(activation, Activation):
        return _checked(activation)
    if isinstance(activation, str):
        try:
            return _BY_NAME[activation]()
        except KeyError:
            raise ValueError(
                f"unknown activation {activation!r}; expected one of {sorted(_BY_NAME)}"
            ) from None
    raise TypeError(
        "activation must be a name or an fcnn.activations.Activation, "
        f"got {type(activation).__name__}"
    )


def _checked(activation: Activation) -> Activation:
    """`activation`, if built-in or a complete user-defined one (see `Activation`)."""
    _user_defined.check(activation, Activation, _BY_NAME, _METHODS)
    if activation.user_defined and (activation.learnable or isinstance(activation, Softmax)):
        raise TypeError(
            f"user-defined activation {type(activation).__name__} cannot build on "
            f"{'a learnable activation' if activation.learnable else 'softmax'}: a "
            "user-defined activation is elementwise, without parameters of its own"
        )
    return activation
