"""Activation functions a = f(z).

Each activation is computed by the compiled core; the objects here name it, carry its
parameters, and give a NumPy reference of f and f' that documents the maths and serves
as the tests' oracle.
"""

import numpy as np
from scipy.special import expit

from ._compiled import core as _core
from ._validation import check_real

__all__ = [
    "Activation",
    "Linear",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Swish",
    "PReLU",
    "Softmax",
    "get",
    "from_config",
]


def _sigmoid(z):
    return expit(z)  # stable for any finite z


class Activation:
    """Base class: `name`, the core's `code`, the core's `param`, and NumPy references."""

    name = None
    param = 0.0
    learnable = False  # has parameters of its own in the network

    @property
    def code(self):
        return _core.ACTIVATION_CODES[self.name]

    def __call__(self, z):
        """f(z), in NumPy."""
        raise NotImplementedError

    def derivative(self, z):
        """f'(z) elementwise, in NumPy."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"

    def config(self):
        """The activation as plain data, e.g. {"name": "leaky_relu", "slope": 0.01};
        from_config(config()) rebuilds it."""
        return {"name": self.name}

    def __eq__(self, other):
        return type(self) is type(other) and self.param == other.param

    def __hash__(self):
        return hash((type(self), self.param))


class Linear(Activation):
    """f(z) = z."""

    name = "linear"

    def __call__(self, z):
        return np.array(z, copy=True)

    def derivative(self, z):
        return np.ones_like(z)


class Sigmoid(Activation):
    """f(z) = 1 / (1 + e^-z),  f'(z) = f(z) (1 - f(z))."""

    name = "sigmoid"

    def __call__(self, z):
        return _sigmoid(z)

    def derivative(self, z):
        s = _sigmoid(z)
        return s * (1 - s)


class Tanh(Activation):
    """f(z) = tanh z,  f'(z) = 1 - tanh^2 z."""

    name = "tanh"

    def __call__(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1 - np.tanh(z) ** 2


class ReLU(Activation):
    """f(z) = max(0, z),  f'(z) = 1 if z > 0 else 0."""

    name = "relu"

    def __call__(self, z):
        return np.maximum(z, 0)

    def derivative(self, z):
        return (z > 0).astype(np.result_type(z, np.float32))


class LeakyReLU(Activation):
    """f(z) = z if z > 0 else slope z,  f'(z) = 1 if z > 0 else slope."""

    name = "leaky_relu"

    def __init__(self, slope=0.01):
        self.param = check_real(slope, "LeakyReLU slope")

    @property
    def slope(self):
        return self.param

    def __call__(self, z):
        return np.where(z > 0, z, self.param * z)

    def derivative(self, z):
        return np.where(z > 0, 1.0, self.param).astype(np.result_type(z, np.float32))

    def config(self):
        return {"name": self.name, "slope": self.param}

    def __repr__(self):
        return f"LeakyReLU(slope={self.param!r})"


class Swish(Activation):
    """f(z) = z sigmoid(z),  f'(z) = s + z s (1 - s) with s = sigmoid(z)."""

    name = "swish"

    def __call__(self, z):
        return z * _sigmoid(z)

    def derivative(self, z):
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


class PReLU(Activation):
    """f(z) = z if z > 0 else alpha_j z, with a slope alpha_j learnt for each neuron j
    (He et al.), trained by the same optimizer as the weights; hidden layers only.

    `initial` is every slope's starting value. The NumPy references take the slopes as
    an argument: f(z, alpha), f'(z, alpha), and dC/dalpha_j = sum dC/da_j min(z_j, 0).
    """

    name = "prelu"
    learnable = True

    def __init__(self, initial=0.25):
        self.initial = check_real(initial, "PReLU initial")

    def __call__(self, z, alpha=None):
        alpha = self.initial if alpha is None else alpha
        return np.where(z > 0, z, alpha * z)

    def derivative(self, z, alpha=None):
        alpha = self.initial if alpha is None else alpha
        return np.where(z > 0, 1.0, alpha) * np.ones_like(z)

    def __eq__(self, other):
        return type(self) is type(other) and self.initial == other.initial

    def __hash__(self):
        return hash((type(self), self.initial))

    def config(self):
        return {"name": self.name, "initial": self.initial}

    def __repr__(self):
        return f"PReLU(initial={self.initial!r})"


class Softmax(Activation):
    """f(z)_j = e^{z_j} / sum_k e^{z_k}, over each row; output layer only.

    Its Jacobian is not diagonal, da_j/dz_k = a_j (delta_jk - a_k), so `derivative`
    is not defined elementwise: the core applies the Jacobian in BP1.
    """

    name = "softmax"

    def __call__(self, z):
        z = np.asarray(z)
        with np.errstate(under="ignore"):  # e^{z_j - max z} rounding to 0 is exact enough
            e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z):
        raise NotImplementedError("softmax has a full Jacobian, not an elementwise derivative")


_BY_NAME = {
    cls.name: cls for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Swish, PReLU, Softmax)
}


_PARAMETERS = {"leaky_relu": ("slope",), "prelu": ("initial",)}


def from_config(config):
    """The Activation that Activation.config() described."""
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError(f"an activation config is a dict with a 'name', got {config!r}")
    name = config["name"]
    if name not in _BY_NAME:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(_BY_NAME)}")
    allowed = _PARAMETERS.get(name, ())
    extra = set(config) - {"name", *allowed}
    if extra:
        raise ValueError(f"activation {name!r} takes no parameter {sorted(extra)}")
    return _BY_NAME[name](**{key: config[key] for key in allowed if key in config})


def get(activation):
    """An Activation from a name such as "relu", or an Activation instance itself."""
    if isinstance(activation, Activation):
        return activation
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
