"""Optimizers: how a gradient g = dC/dtheta becomes a parameter update.

Each optimizer validates its hyperparameters when made and keeps its state (velocity,
moments, step count) as arrays in the network's dtype. The compiled core updates
parameters and state in place, inside the epoch loop, without the GIL. An optimizer is
bound to the first network it trains; its state carries over from one `fit` to the next.

Weight decay here, like `l2` on `fit`, acts on weights only, never on biases or PReLU
slopes.

Examples
--------
>>> import fcnn
>>> X, y = fcnn.datasets.xor()
>>> net = fcnn.Network([2, 4, 1], "tanh", "quadratic", seed=0)
>>> optimizer = fcnn.Adam(lr=0.05)
>>> history = net.fit(X, y, epochs=3, batch_size=4, optimizer=optimizer)
>>> optimizer.t  # one update per batch of 4 examples
3
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _compiled
from ._validation import check_bool, check_hyperparameter, check_int, first_non_finite

# The ranges of the hyperparameters, as check_hyperparameter takes them.
_POSITIVE: dict[str, Any] = {"low_open": True}
_NON_NEGATIVE: dict[str, Any] = {}
_DECAY_RATE: dict[str, Any] = {"high": 1, "high_open": True}  # [0, 1)

MAX_STEPS = 2**53
"""The largest step count t: the bias corrections raise betas to t as a double, exact
up to 2**53."""

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSProp",
    "AdaGrad",
    "Rprop",
    "LBFGS",
    "get",
    "from_config",
]


class Optimizer:
    """Base class of the optimizers.

    Subclasses set `update_rule` (the core's name of their update), their hyperparameters
    with the range of each real one in `ranges`, and `n_states`.

    Every real hyperparameter is a finite number in its range (given with each class),
    and, if not 0, a normal number: at least ``np.finfo(dtype).tiny``, 2.2e-308 for
    float64 when the optimizer is made, 1.2e-38 when it trains a float32 network. (A
    training epoch treats subnormal numbers as zero.)

    Parameters
    ----------
    lr : float
        The learning rate eta, > 0 and normal.

    Attributes
    ----------
    lr : float
        The learning rate.
    t : int
        The update steps taken so far (Adam's bias correction counts them), in
        [0, 2**53].
    states : list of ndarray of shape (n_params,)
        The state arrays (velocity, moments), in the network's dtype; empty until the
        optimizer first trains a network.
    ranges : dict of str to dict
        Each real hyperparameter's range, by name: the keywords ``low``, ``high``,
        ``low_open``, ``high_open`` (default ``[0, inf)``) of the check made when the
        optimizer is made and when it is bound to a network.

    Raises
    ------
    TypeError
        If `lr` is not a real number.
    ValueError
        If `lr` is not finite, not > 0, or below the smallest normal float64.

    See Also
    --------
    get : The optimizer that `Network.fit` uses.
    from_config : An optimizer from its `config`.
    """

    update_rule: str = ""  # a key of the core's OPTIMIZER_CODES
    n_states: int = 0
    decoupled = False  # whether weight decay acts on w directly (AdamW) or through the cost
    ranges: dict[str, dict[str, Any]] = {"lr": _POSITIVE}  # of the real hyperparameters

    def __init__(self, lr: float) -> None:
        self.lr = self._checked("lr", lr)
        self._unbound()

    def _unbound(self) -> None:
        self.t = 0  # update steps taken
        self.states: list[NDArray[np.floating]] = []
        self._network_shape: Sequence[int] | None = None
        self._dtype: np.dtype | None = None

    def _checked(self, name: str, value: Any, dtype: DTypeLike = np.float64) -> float:
        return check_hyperparameter(value, name, dtype=dtype, **self.ranges[name])

    def hyperparameters(self) -> dict[str, Any]:
        """The values the core reads, by name.

        Returns
        -------
        dict
            ``{"lr": lr, ...}``: every argument of the constructor, with its value.

        Examples
        --------
        >>> import fcnn
        >>> fcnn.RMSProp(lr=0.01).hyperparameters()
        {'lr': 0.01, 'rho': 0.9, 'eps': 1e-08}
        """
        return {"lr": self.lr}

    def core_settings(
        self,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        dropout: Sequence[float] = (),
        has_prelu: bool = False,
        batch_mean: bool = False,
    ) -> Any:
        """The compiled core's settings for this optimizer's next updates.

        The optimizer's code, hyperparameters and step count, with the training run's
        regularization and dropout. The core counts the steps on in them (its ``t``).

        Parameters
        ----------
        l1, l2 : float, default 0.0
            The coefficients of ``sum |w|`` and ``1/2 sum w^2`` in the cost (the notes'
            lambda/n).
        dropout : sequence of float, default ()
            The probability of dropping each input of each layer, one rate a layer:
            first the data's (input dropout), then each hidden layer's activations';
            empty or all 0 for none.
        has_prelu : bool, default False
            Whether the network learns PReLU slopes.
        batch_mean : bool, default False
            scikit-learn's objective: each mini-batch's gradient is its weighted mean
            (divided by the sum of its sample weights W) and `l2` is scikit-learn's
            alpha, the batch's penalty (alpha/2) sum w^2 / W.

        Returns
        -------
        fcnn._core.UpdateSettings
            What `fcnn._core.train_epoch` takes.
        """
        return _compiled.core.UpdateSettings(
            _compiled.core.OPTIMIZER_CODES[self.update_rule],
            t=self.t,
            decoupled=self.decoupled,
            l1=l1,
            l2=l2,
            dropout=dropout,
            has_prelu=has_prelu,
            batch_mean=batch_mean,
            **self._core_hyperparameters(),
        )

    def _core_hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters by the names the core's UpdateSettings takes."""
        return {k: v for k, v in self.hyperparameters().items() if k != "form"}

    def bind(self, n_params: int, dtype: DTypeLike, network_shape: Sequence[int]) -> None:
        """Allocate the state for a network with n_params parameters, on first use.

        `Network.fit` calls it before every run; a later call for the same network
        allocates nothing, and each checks the hyperparameters (which may have been
        assigned since) and the step count for the network's dtype.

        Parameters
        ----------
        n_params : int
            The network's number of parameters (weights, biases and PReLU slopes).
        dtype : numpy dtype
            The network's dtype, float32 or float64.
        network_shape : sequence of int
            The network's layer widths, which identify it.

        Raises
        ------
        ValueError
            If the optimizer already holds the state of a network of other widths or
            another dtype, if a hyperparameter is outside its range or, not 0, below the
            smallest normal number of `dtype`, or if t is not in [0, 2**53].
        TypeError
            If a hyperparameter is not a real number, or t not an integer.
        """
        for name in self.ranges:
            self._checked(name, getattr(self, name), dtype)
        check_int(self.t, "optimizer t", minimum=0, maximum=MAX_STEPS)
        if self._network_shape is None or self._dtype is None:  # both are set together
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

    def core_states(self) -> list[NDArray[np.floating]]:
        """The two state arrays the core's update takes, after `bind`.

        Returns
        -------
        list of two ndarray
            `states`, then a one-element placeholder for each state this optimizer does
            not keep.

        Examples
        --------
        >>> import fcnn
        >>> sgd = fcnn.SGD(0.1)
        >>> sgd.bind(17, "float64", (2, 4, 1))
        >>> [state.shape for state in sgd.core_states()]
        [(1,), (1,)]
        """
        placeholder = [np.zeros(1, dtype=self._dtype)]
        return self.states + placeholder * (2 - len(self.states))

    def apply(self, net: Any, grad: ArrayLike) -> None:
        """One update of `net`'s parameters from a gradient computed elsewhere.

        The compiled update that `Network.fit` makes after back-propagation, with the
        optimizer's state, step count `t` and decoupled weight decay; nothing else (no
        regularization, clipping or averaging: those are fit's options, for the caller
        to fold into `grad`). The optimizer becomes the network's, as after `fit`.
        For gradients that fcnn does not compute itself: summed over workers in
        distributed training, or of a cost written outside fcnn.

        Parameters
        ----------
        net : Network
            The network to update, in place.
        grad : array_like, shape (n_params,)
            The gradient of the cost with respect to ``net.theta``, in its layout (as
            ``net.gradients(X, Y).flat``); finite. It is not changed.

        Raises
        ------
        ValueError
            If `grad` has another shape or holds inf or NaN, or the optimizer holds the
            state of another network (see `bind`).
        TypeError
            For `LBFGS`, which minimizes over the whole data set and takes no steps
            from a given gradient.

        Examples
        --------
        One step of SGD is theta <- theta - lr grad:

        >>> import numpy as np
        >>> import fcnn
        >>> net = fcnn.Network([2, 3, 1], seed=0)
        >>> X, y = fcnn.datasets.xor()
        >>> before = net.theta.copy()
        >>> grad = net.gradients(X, y).flat
        >>> sgd = fcnn.SGD(lr=0.5)
        >>> sgd.apply(net, grad)
        >>> bool(np.allclose(net.theta, before - 0.5 * grad)), sgd.t
        (True, 1)
        """
        internals = net.internals
        with internals.lock:
            theta = internals.theta
            g = np.array(grad, dtype=theta.dtype, copy=True, order="C")  # the core clips it
            if g.shape != theta.shape:
                raise ValueError(f"grad must have the shape {theta.shape} of theta, got {g.shape}")
            if first_non_finite(g) >= 0:
                raise ValueError("grad holds inf or NaN")
            self.bind(internals.layout.n_params, theta.dtype, net.sizes)
            settings = self.core_settings(has_prelu=any(f.learnable for f in net.activations))
            _compiled.core.apply_update(internals.layout, settings, theta, g, *self.core_states())
            self.t = settings.t
            net.optimizer = self

    def config(self) -> dict[str, Any]:
        """The optimizer as plain data: its class, hyperparameters and step count.

        The state arrays are not included (they are `states`): ``from_config(config())``
        rebuilds the optimizer with its step count, without state.

        Returns
        -------
        dict
            ``{"name": class name, **hyperparameters(), "t": t}``.

        Examples
        --------
        >>> import fcnn
        >>> fcnn.SGD(0.1, momentum=0.9).config()  # doctest: +NORMALIZE_WHITESPACE
        {'name': 'SGD', 'lr': 0.1, 'momentum': 0.9, 'nesterov': False, 'weight_decay': 0.0,
         'form': 'pytorch', 't': 0}
        """
        return {"name": type(self).__name__, **self.hyperparameters(), "t": self.t}

    def reset(self) -> None:
        """Forget the state (momentum, moments, step count), keeping the arrays bound."""
        self.t = 0
        for state in self.states:
            state[...] = 0

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum in PyTorch's or Sutskever's form.

    Parameters
    ----------
    lr : float
        The learning rate eta, > 0 and normal (see `Optimizer`).
    momentum : float, default=0.0
        The momentum mu, in [0, 1); 0 keeps no velocity.
    nesterov : bool, default=False
        Nesterov's momentum; needs momentum > 0.
    weight_decay : float, default=0.0
        L2 weight decay lambda >= 0, added to the weights' gradient.
    form : {"pytorch", "sutskever"}, default="pytorch"
        Where the learning rate enters the velocity (see Notes). The two are the same
        while lr is constant; when it changes, "sutskever" keeps the past steps' rates in
        the velocity (scikit-learn's and Keras's form).

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number, or `nesterov` not a bool.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64, if `nesterov` is True with momentum 0, or `form` is
        not one of the two.

    Notes
    -----
    For each parameter theta with gradient g = dC/dtheta (BP3, BP4)::

        g <- g + weight_decay * w                      (weights only)
        v <- momentum * v + g
        theta <- theta - lr * (g + momentum * v)       if nesterov
        theta <- theta - lr * v                        otherwise

    and with ``form="sutskever"`` (Sutskever et al. 2013, the velocity in the parameters'
    units)::

        v <- momentum * v - lr * g
        theta <- theta + momentum * v - lr * g         if nesterov
        theta <- theta + v                             otherwise

    With momentum 0 both are the notes' theta <- theta - lr * g.

    Examples
    --------
    >>> import fcnn
    >>> fcnn.SGD(0.1, momentum=0.9, nesterov=True).n_states
    1
    >>> fcnn.SGD(0.1, nesterov=True)
    Traceback (most recent call last):
    ...
    ValueError: nesterov=True needs momentum > 0
    """

    update_rule = "sgd"
    ranges = {"lr": _POSITIVE, "momentum": _DECAY_RATE, "weight_decay": _NON_NEGATIVE}

    def __init__(
        self,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        form: Literal["pytorch", "sutskever"] = "pytorch",
    ) -> None:
        super().__init__(lr)
        self.momentum = self._checked("momentum", momentum)
        self.nesterov = check_bool(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.weight_decay = self._checked("weight_decay", weight_decay)
        self.n_states = 1 if self.momentum > 0 else 0
        self.update_rule = _update_rule(form, {"pytorch": "sgd", "sutskever": "sgd_sutskever"})
        self.form = form

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "form": self.form,
        }


class Adam(Optimizer):
    """Adam (Kingma and Ba), with L2 weight decay added to the gradient.

    Parameters
    ----------
    lr : float, default=1e-3
        The learning rate, > 0 and normal (see `Optimizer`).
    beta1 : float, default=0.9
        Decay of the first moment m, in [0, 1).
    beta2 : float, default=0.999
        Decay of the second moment v, in [0, 1).
    eps : float, default=1e-8
        Added to the denominator, > 0 and normal (see `Optimizer`).
    weight_decay : float, default=0.0
        L2 weight decay >= 0, added to the weights' gradient.
    form : {"pytorch", "eps_hat"}, default="pytorch"
        Where eps enters (see Notes): "eps_hat" is the efficient form of Kingma and Ba's
        section 2 (scikit-learn's and Keras's), whose eps is added before the bias
        correction of v and so weighs sqrt(1 - beta2^t) times as much.

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64, or `form` is not one of the two.

    See Also
    --------
    AdamW : Adam with decoupled weight decay.

    Notes
    -----
    For each parameter theta with gradient g::

        g <- g + weight_decay * w                      (weights only)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        theta <- theta - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    and with ``form="eps_hat"`` the last line is::

        theta <- theta - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)

    t counts the updates, from 1.

    Examples
    --------
    >>> import fcnn
    >>> fcnn.Adam(lr=0.01).hyperparameters()
    {'lr': 0.01, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-08, 'weight_decay': 0.0, 'form': 'pytorch'}
    """

    update_rule = "adam"
    n_states = 2
    ranges = {
        "lr": _POSITIVE,
        "beta1": _DECAY_RATE,
        "beta2": _DECAY_RATE,
        "eps": _POSITIVE,
        "weight_decay": _NON_NEGATIVE,
    }

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        form: Literal["pytorch", "eps_hat"] = "pytorch",
    ) -> None:
        super().__init__(lr)
        self.beta1 = self._checked("beta1", beta1)
        self.beta2 = self._checked("beta2", beta2)
        self.eps = self._checked("eps", eps)
        self.weight_decay = self._checked("weight_decay", weight_decay)
        self.update_rule = _update_rule(form, {"pytorch": "adam", "eps_hat": "adam_eps_hat"})
        self.form = form

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "form": self.form,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    Parameters
    ----------
    lr : float, default=1e-3
        The learning rate, > 0 and normal (see `Optimizer`).
    beta1 : float, default=0.9
        Decay of the first moment, in [0, 1).
    beta2 : float, default=0.999
        Decay of the second moment, in [0, 1).
    eps : float, default=1e-8
        Added to the denominator, > 0 and normal (see `Optimizer`).
    weight_decay : float, default=1e-2
        Decoupled weight decay >= 0.
    form : {"pytorch", "eps_hat"}, default="pytorch"
        Where eps enters the Adam step (see `Adam`).

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64.

    See Also
    --------
    Adam : The step AdamW takes after the decay.

    Notes
    -----
    ::

        w <- w - lr * weight_decay * w                 (weights only, before the step)

    then the Adam step with the plain gradient g.

    Examples
    --------
    >>> import fcnn
    >>> fcnn.AdamW().weight_decay
    0.01
    """

    decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        form: Literal["pytorch", "eps_hat"] = "pytorch",
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, weight_decay, form)


class RMSProp(Optimizer):
    """RMSProp (Hinton).

    Parameters
    ----------
    lr : float, default=1e-2
        The learning rate, > 0 and normal (see `Optimizer`).
    rho : float, default=0.9
        Decay of the mean square v, in [0, 1).
    eps : float, default=1e-8
        Added to the denominator, > 0 and normal (see `Optimizer`).

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64.

    Notes
    -----
    ::

        v <- rho * v + (1 - rho) * g^2
        theta <- theta - lr * g / (sqrt(v) + eps)

    Examples
    --------
    >>> import fcnn
    >>> fcnn.RMSProp(rho=1.0)
    Traceback (most recent call last):
    ...
    ValueError: rho must be a finite number in [0, 1), got 1.0
    """

    update_rule = "rmsprop"
    n_states = 1
    ranges = {"lr": _POSITIVE, "rho": _DECAY_RATE, "eps": _POSITIVE}

    def __init__(self, lr: float = 1e-2, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho = self._checked("rho", rho)
        self.eps = self._checked("eps", eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "rho": self.rho, "eps": self.eps}


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer).

    Parameters
    ----------
    lr : float, default=1e-2
        The learning rate, > 0 and normal (see `Optimizer`).
    eps : float, default=1e-10
        Added to the denominator, > 0 and normal (see `Optimizer`).

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64.

    Notes
    -----
    ::

        G <- G + g^2
        theta <- theta - lr * g / (sqrt(G) + eps)

    Examples
    --------
    >>> import fcnn
    >>> fcnn.AdaGrad(lr=0.1).config()
    {'name': 'AdaGrad', 'lr': 0.1, 'eps': 1e-10, 't': 0}
    """

    update_rule = "adagrad"
    n_states = 1
    ranges = {"lr": _POSITIVE, "eps": _POSITIVE}

    def __init__(self, lr: float = 1e-2, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.eps = self._checked("eps", eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "eps": self.eps}


class Rprop(Optimizer):
    """Resilient back-propagation as ``torch.optim.Rprop`` has it: iRPROP- (Igel and Hüsken).

    Each parameter has its own step size, grown while its gradient keeps its sign and
    shrunk when the sign flips; the step takes only the sign of the gradient. Meant for
    full-batch training (``batch_size=None``): the sign of a mini-batch's gradient is
    noisy.

    Parameters
    ----------
    lr : float, default=0.01
        The initial step size of every parameter, > 0 and normal (see `Optimizer`). The
        first update reads it; later ones read only the step sizes (so an `lr_schedule`
        has no effect after it).
    etas : (float, float), default=(0.5, 1.2)
        (eta_minus, eta_plus), the factors of a step size when the gradient's sign flips
        and when it stays; 0 < eta_minus < 1 < eta_plus.
    step_sizes : (float, float), default=(1e-6, 50)
        (step_min, step_max), the range each step size is kept in, 0 <= step_min <=
        step_max, step_max > 0.

    Raises
    ------
    TypeError
        If a hyperparameter is not a real number, or `etas` or `step_sizes` not a pair.
    ValueError
        If a hyperparameter is not finite, outside its range or, not 0, below the
        smallest normal float64.

    Notes
    -----
    For each parameter theta with gradient g, the last gradient used g' (0 at first)
    and step size s (lr at first), at every update::

        s <- clip(s * eta_plus, step_min, step_max)    if g g' > 0
        s <- clip(s * eta_minus, step_min, step_max)   if g g' < 0, and then g <- 0
        s <- clip(s, step_min, step_max)               if g g' = 0
        theta <- theta - sign(g) * s
        g' <- g

    This is ``torch.optim.Rprop`` (its sign test in the network's dtype, as torch takes
    it), and it is iRPROP- of Igel and Hüsken (2000), FANN's default algorithm: the step
    after a sign flip is skipped and not taken back. The one difference from the paper
    is torch's: the clip applies to every step size at every update, which changes
    nothing while lr is in [step_min, step_max]. FANN's own defaults are
    ``Rprop(lr=0.1, step_sizes=(0, 50))`` (FANN also keeps each step size at least
    1e-4, and counts a zero product as no flip).

    The state is g' and s (`states` [0] and [1]), saved in the model file.

    Examples
    --------
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 1], "tanh", "quadratic", seed=0)
    >>> history = net.fit(X, y, epochs=20, batch_size=None, optimizer=fcnn.Rprop())
    >>> history.cost[-1] < history.cost[0]
    True
    >>> fcnn.Rprop(etas=(0.5, 0.9))
    Traceback (most recent call last):
    ...
    ValueError: eta_plus must be a finite number > 1, got 0.9
    """

    update_rule = "rprop"
    n_states = 2
    ranges = {
        "lr": _POSITIVE,
        "eta_minus": {"low_open": True, "high": 1, "high_open": True},
        "eta_plus": {"low": 1, "low_open": True},
        "step_min": _NON_NEGATIVE,
        "step_max": _POSITIVE,
    }

    def __init__(
        self,
        lr: float = 0.01,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
    ) -> None:
        super().__init__(lr)
        self.etas, self.step_sizes = etas, step_sizes
        self._check_pairs()

    def _check_pairs(self) -> None:
        """Check `etas` and `step_sizes` (which may have been assigned since), as tuples."""
        self.etas = self._pair(self.etas, "etas", "eta_minus", "eta_plus")
        self.step_sizes = self._pair(self.step_sizes, "step_sizes", "step_min", "step_max")
        if self.step_min > self.step_max:
            raise ValueError(f"step_sizes must have step_min <= step_max, got {self.step_sizes}")

    def _pair(self, values: Any, name: str, first: str, second: str) -> tuple[float, float]:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"{name} must be a pair ({first}, {second}), got {values!r}")
        if len(values) != 2:
            raise ValueError(f"{name} must be a pair ({first}, {second}), got {values!r}")
        return self._checked(first, values[0]), self._checked(second, values[1])

    @property
    def eta_minus(self) -> float:
        return self.etas[0]

    @property
    def eta_plus(self) -> float:
        return self.etas[1]

    @property
    def step_min(self) -> float:
        return self.step_sizes[0]

    @property
    def step_max(self) -> float:
        return self.step_sizes[1]

    def bind(self, n_params: int, dtype: DTypeLike, network_shape: Sequence[int]) -> None:
        self._check_pairs()
        super().bind(n_params, dtype, network_shape)

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "etas": self.etas, "step_sizes": self.step_sizes}

    def _core_hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "eta_minus": self.eta_minus,
            "eta_plus": self.eta_plus,
            "step_min": self.step_min,
            "step_max": self.step_max,
        }


class LBFGS(Optimizer):
    """Full-batch L-BFGS-B (scipy's) on the cost over all the training data, for `Network.fit`.

    Each evaluation of the objective and its gradient is one call into the core over the
    whole training set; scipy's ``minimize(method="L-BFGS-B")`` takes the steps (the
    scikit-learn drop-in's ``lbfgs`` solver runs the same code, ``fcnn.lbfgs``). The
    objective is the mean (weighted) cost plus fit's `l1` and `l2` terms, as mini-batch
    training has it. An L-BFGS run is its own iterations: `Network.fit` ignores
    `epochs`, `batch_size` and `shuffle` with it, records one History entry per
    iteration (lr NaN), and refuses `lr` (as with any optimizer), `lr_schedule`,
    `dropout`, `early_stopping` and streams. Callbacks are called after each iteration
    as after an epoch, and may stop the run. A later `fit` starts a new minimization
    from the parameters (L-BFGS keeps no state between runs; `t` counts the iterations
    of all of them), also with ``resume=True`` and from a `Checkpoint`'s file: scipy's
    L-BFGS-B cannot be given the curvature pairs of the run before, so a resumed
    minimization takes other steps than the uninterrupted one, and `max_iter` counts
    its own iterations.

    Parameters
    ----------
    max_iter : int, default=200
        The most iterations of a run, >= 1.
    tol : float, default=1e-4
        The run stops when the projected gradient's largest component is at most tol
        (scipy's ``gtol``), >= 0.
    max_fun : int, default=15000
        The most evaluations of the objective in a run, >= 1.

    Attributes
    ----------
    result : scipy.optimize.OptimizeResult or None
        The last run's result (why it stopped: ``result.message``), None before one.

    Raises
    ------
    TypeError
        If `max_iter` or `max_fun` is not an integer, or `tol` not a real number.
    ValueError
        If `max_iter` or `max_fun` is < 1, or `tol` not a finite number >= 0.

    Examples
    --------
    >>> import fcnn
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 4, 1], "tanh", "quadratic", seed=0)
    >>> history = net.fit(X, y, optimizer=fcnn.LBFGS(max_iter=30))
    >>> history.epochs <= 30, history.cost[-1] < history.cost[0]
    (True, True)
    """

    ranges = {"tol": _NON_NEGATIVE}

    def __init__(self, max_iter: int = 200, tol: float = 1e-4, max_fun: int = 15000) -> None:
        self.max_iter = check_int(max_iter, "max_iter", minimum=1)
        self.tol = self._checked("tol", tol)
        self.max_fun = check_int(max_fun, "max_fun", minimum=1)
        self.result: Any = None
        self._unbound()

    def hyperparameters(self) -> dict[str, Any]:
        return {"max_iter": self.max_iter, "tol": self.tol, "max_fun": self.max_fun}

    def core_settings(
        self,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        dropout: Sequence[float] = (),
        has_prelu: bool = False,
        batch_mean: bool = False,
    ) -> Any:
        return gradient_settings(l1=l1, l2=l2, dropout=dropout, batch_mean=batch_mean)

    def apply(self, net: Any, grad: ArrayLike) -> None:
        """Refused: L-BFGS minimizes over the whole data set (`Network.fit`).

        Raises
        ------
        TypeError
            Always.
        """
        raise TypeError("LBFGS takes no steps from a given gradient; use it through fit")


def _update_rule(form: str, rules: dict[str, str]) -> str:
    """The core's update rule for an optimizer's `form`, one of the keys of `rules`."""
    if not isinstance(form, str) or form not in rules:
        raise ValueError(f"form must be one of {sorted(rules)}, got {form!r}")
    return rules[form]


_BY_NAME = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSProp, AdaGrad, Rprop, LBFGS)}


def from_config(config: dict[str, Any]) -> Optimizer:
    """A fresh Optimizer (no state yet) that `Optimizer.config` described.

    Parameters
    ----------
    config : dict
        ``{"name": class name, hyperparameter: value, ..., "t": step count}``; a missing
        hyperparameter takes its default, a missing "t" is 0.

    Returns
    -------
    Optimizer
        A new optimizer with step count t and no state arrays.

    Raises
    ------
    ValueError
        If `config` is not a dict whose "name" is "SGD", "Adam", "AdamW", "RMSProp",
        "AdaGrad", "Rprop" or "LBFGS", if it holds an argument that the class does not take, if a
        hyperparameter is not a valid value (wrong type too), or if "t" is not in
        [0, 2**53].
    TypeError
        If "t" is not an integer.

    Examples
    --------
    >>> import fcnn
    >>> adam = fcnn.optimizers.from_config({"name": "Adam", "lr": 0.01, "t": 5})
    >>> adam.lr, adam.t
    (0.01, 5)
    """
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
    optimizer.t = check_int(config.get("t", 0), "optimizer t", minimum=0, maximum=MAX_STEPS)
    return optimizer


BY_NAME: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSProp,
    "adagrad": AdaGrad,
    "rprop": Rprop,
}
"""The optimizers by the names the command line and the scikit-learn estimators take."""


def gradient_settings(
    *,
    l1: float = 0.0,
    l2: float = 0.0,
    dropout: Sequence[float] = (),
    batch_mean: bool = False,
) -> Any:
    """The compiled core's settings for back-propagation without an update.

    `Network.gradients`, the diagnostics and the scikit-learn drop-in's lbfgs pass them to
    `fcnn._core.gradients`, which reads only the regularization, dropout and batch_mean
    (as `Optimizer.core_settings` defines them).
    """
    sgd = _compiled.core.OPTIMIZER_CODES["sgd"]
    return _compiled.core.UpdateSettings(
        sgd, lr=0.0, l1=l1, l2=l2, dropout=dropout, batch_mean=batch_mean
    )


def penalty(weights: Sequence[NDArray[Any]], *, l1: float = 0.0, l2: float = 0.0) -> float:
    """The cost's regularization terms ``l1 sum |w| + l2/2 sum w^2`` over the weight
    matrices, with l1 and l2 as `gradient_settings` takes them (the gradient's terms)."""
    w2 = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in weights)
    w1 = sum(float(np.sum(np.abs(w), dtype=np.float64)) for w in weights)
    return l2 / 2 * w2 + l1 * w1


def get(optimizer: Optimizer | None, lr: float | None = None) -> Optimizer:
    """The optimizer that `Network.fit` trains with: the one given, or plain SGD.

    Parameters
    ----------
    optimizer : Optimizer or None
        An optimizer, returned as it is; None gives ``SGD(lr)``.
    lr : float or None, default=None
        The learning rate of plain SGD; None is 0.1. Only without `optimizer`.

    Returns
    -------
    Optimizer

    Raises
    ------
    TypeError
        If `optimizer` is neither None nor an Optimizer, or `lr` is not a real number.
    ValueError
        If both `optimizer` and `lr` are given, or `lr` is not a finite number > 0.

    Examples
    --------
    >>> from fcnn import optimizers
    >>> optimizers.get(None, lr=3.0).lr
    3.0
    """
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
