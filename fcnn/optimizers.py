"""Optimizers: how a gradient g = dC/dtheta becomes a parameter update.

Each optimizer validates its hyperparameters when made and keeps its state (velocity,
moments, step count) as arrays in the network's dtype. The compiled core updates
parameters and state in place, inside the epoch loop, without the GIL. An optimizer is
bound to the first network it trains; its state carries over from one `fit` to the next.

Weight decay here, like `l2` on `fit`, acts on weights only, never on biases or PReLU
slopes.
"""

import numpy as np

from ._validation import check_bool, check_int, check_real

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSProp", "AdaGrad", "get", "from_config"]

# Codes shared with the core (src_c/_optimizers.pxd).
SGD_CODE, ADAM_CODE, RMSPROP_CODE, ADAGRAD_CODE = 0, 1, 2, 3


class Optimizer:
    """Base class. Subclasses set `code`, their hyperparameters and `n_states`."""

    code = None
    n_states = 0

    def __init__(self, lr):
        self.lr = check_real(lr, "lr", 0, low_open=True)
        self.t = 0  # update steps taken
        self.states = []
        self._network_shape = None
        self._dtype = None

    def hyperparameters(self):
        """The values the core reads, by name."""
        return {"lr": self.lr}

    def bind(self, n_params, dtype, network_shape):
        """Allocate the state for a network with n_params parameters, on first use."""
        if self._network_shape is None:
            self.states = [np.zeros(n_params, dtype=dtype) for _ in range(self.n_states)]
            self._network_shape = network_shape
            self._dtype = np.dtype(dtype)
        elif self._network_shape != network_shape or self._dtype != dtype:
            raise ValueError(
                f"this {type(self).__name__} already holds the state of a "
                f"{self._dtype.name} network {list(self._network_shape)}; make a "
                f"new one for the {np.dtype(dtype).name} network "
                f"{list(network_shape)}"
            )

    def config(self):
        """The optimizer as plain data: its class, hyperparameters and step count (the
        state arrays are `states`); from_config(config()) rebuilds it, without state."""
        return {"name": type(self).__name__, **self.hyperparameters(), "t": self.t}

    def reset(self):
        """Forget the state (momentum, moments, step count)."""
        self.t = 0
        for state in self.states:
            state[...] = 0

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (PyTorch's form).

        g <- g + weight_decay * w                      (weights only)
        v <- momentum * v + g
        theta <- theta - lr * (g + momentum * v)       if nesterov
        theta <- theta - lr * v                        otherwise

    With momentum 0 this is the notes' theta <- theta - lr * g.
    """

    code = SGD_CODE

    def __init__(self, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = check_real(momentum, "momentum", 0, 1, high_open=True)
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.weight_decay = check_real(weight_decay, "weight_decay", 0)
        self.n_states = 1 if self.momentum > 0 else 0

    def hyperparameters(self):
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }


class Adam(Optimizer):
    """Adam (Kingma and Ba), with L2 weight decay added to the gradient.

        g <- g + weight_decay * w                      (weights only)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        theta <- theta - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    t counts the updates, from 1.
    """

    code = ADAM_CODE
    n_states = 2
    decoupled = False

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        self.beta1 = check_real(beta1, "beta1", 0, 1, high_open=True)
        self.beta2 = check_real(beta2, "beta2", 0, 1, high_open=True)
        self.eps = check_real(eps, "eps", 0, low_open=True)
        self.weight_decay = check_real(weight_decay, "weight_decay", 0)

    def hyperparameters(self):
        return {
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    w <- w - lr * weight_decay * w                 (weights only, before the step)
    then the Adam step with the plain gradient g.
    """

    decoupled = True

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
        super().__init__(lr, beta1, beta2, eps, weight_decay)


class RMSProp(Optimizer):
    """RMSProp (Hinton).

    v <- rho * v + (1 - rho) * g^2
    theta <- theta - lr * g / (sqrt(v) + eps)
    """

    code = RMSPROP_CODE
    n_states = 1

    def __init__(self, lr=1e-2, rho=0.9, eps=1e-8):
        super().__init__(lr)
        self.rho = check_real(rho, "rho", 0, 1, high_open=True)
        self.eps = check_real(eps, "eps", 0, low_open=True)

    def hyperparameters(self):
        return {"lr": self.lr, "rho": self.rho, "eps": self.eps}


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer).

    G <- G + g^2
    theta <- theta - lr * g / (sqrt(G) + eps)
    """

    code = ADAGRAD_CODE
    n_states = 1

    def __init__(self, lr=1e-2, eps=1e-10):
        super().__init__(lr)
        self.eps = check_real(eps, "eps", 0, low_open=True)

    def hyperparameters(self):
        return {"lr": self.lr, "eps": self.eps}


_BY_NAME = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSProp, AdaGrad)}


def from_config(config):
    """A fresh Optimizer (no state yet) that Optimizer.config() described."""
    if not isinstance(config, dict) or config.get("name") not in _BY_NAME:
        raise ValueError(
            f"an optimizer config is a dict whose 'name' is one of "
            f"{sorted(_BY_NAME)}, got {config!r}"
        )
    arguments = {k: v for k, v in config.items() if k not in ("name", "t")}
    try:
        optimizer = _BY_NAME[config["name"]](**arguments)
    except TypeError as error:
        raise ValueError(f"bad optimizer config {config!r}: {error}") from None
    optimizer.t = check_int(config.get("t", 0), "optimizer t", minimum=0)
    return optimizer


def get(optimizer, lr=None):
    """An Optimizer: the one given, or plain SGD with learning rate lr."""
    if optimizer is None:
        return SGD(0.1 if lr is None else lr)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an fcnn.optimizers.Optimizer such as "
            f"fcnn.SGD(0.1), got {type(optimizer).__name__}"
        )
    if lr is not None:
        raise ValueError(
            "give either lr= (plain SGD) or optimizer=, not both: the "
            "optimizer carries its own learning rate"
        )
    return optimizer
