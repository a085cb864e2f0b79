"""Networks trained elsewhere as fcnn Networks: scikit-learn's MLPs and PyTorch's
``nn.Sequential`` MLPs, with their parameters copied exactly.

Each import reads the other library's model into layers (weights in fcnn's (n_l, n_{l-1})
layout, biases, an activation and its parameters), which `_network` makes into a Network.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .costs import CostName, cost_for_output
from .network import Network

__all__ = ["from_sklearn", "from_torch"]


def from_sklearn(estimator: Any, *, cost: CostName | None = None) -> Network:
    """A fitted scikit-learn MLP as an fcnn Network with the same parameters.

    Parameters
    ----------
    estimator : sklearn.neural_network.MLPClassifier or MLPRegressor, fitted
        Also fcnn's drop-in `fcnn.sklearn.MLPClassifier` and ``MLPRegressor``, and
        fcnn's `fcnn.sklearn.FCNNClassifier` and ``FCNNRegressor`` (a copy of the
        network that predicts).
    cost : str, optional
        The network's cost; by default the estimator's loss: "log_likelihood" for a
        softmax output, "cross_entropy" for a logistic one, "poisson" for
        ``loss="poisson"``, else "quadratic" (scikit-learn's squared loss,
        1/2 (a - y)^2).

    Returns
    -------
    Network
        Of the dtype of ``coefs_``: its outputs are the estimator's output activations
        (``predict_proba`` of a multi-class classifier, the probability of the second
        class of a binary one, ``predict`` of a regressor).

    Raises
    ------
    TypeError
        If `estimator` is not one of the estimators above.
    ValueError
        If it is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> import fcnn
    >>> from sklearn.neural_network import MLPClassifier
    >>> X, y = fcnn.datasets.xor()
    >>> mlp = MLPClassifier([4], solver="lbfgs", random_state=0).fit(X, [0, 1, 1, 2])
    >>> net = fcnn.from_sklearn(mlp)
    >>> net.sizes, net.cost.name
    ((2, 4, 3), 'log_likelihood')
    >>> bool(np.allclose(net.predict(X), mlp.predict_proba(X), rtol=1e-12, atol=0))
    True
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from .sklearn import FCNNClassifier, FCNNRegressor

    if isinstance(estimator, (FCNNClassifier, FCNNRegressor)):
        _check_fitted(estimator, "network_")
        net = copy.deepcopy(estimator._predictor())
        return net if cost is None else _network(_layers_of(net), cost, net.dtype)
    if not isinstance(estimator, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            "estimator must be a scikit-learn MLPClassifier or MLPRegressor (or fcnn's "
            f"estimators), got {type(estimator).__name__}"
        )
    _check_fitted(estimator, "coefs_")
    from ._sklearn_mlp import ACTIVATIONS

    hidden = ACTIVATIONS[estimator.activation]
    output = ACTIVATIONS[estimator.out_activation_]
    n_layers = len(estimator.coefs_)
    layers = [
        (np.asarray(w).T, np.asarray(b), hidden if k < n_layers - 1 else output, None)
        for k, (w, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_))
    ]
    dtype = np.asarray(estimator.coefs_[0]).dtype
    poisson = getattr(estimator, "loss", None) == "poisson"
    loss = "poisson" if poisson else cost_for_output(output)
    return _network(layers, loss if cost is None else cost, dtype)


def _check_fitted(estimator, attribute):
    if not hasattr(estimator, attribute):
        raise ValueError(f"estimator {type(estimator).__name__} is not fitted: call fit first")


def _layers_of(net):
    return [
        (w, b, f, p.get("slopes"))
        for w, b, f, p in zip(net.weights, net.biases, net.activations, net.params)
    ]


def from_torch(
    module: Any, *, cost: CostName | None = None, dtype: DTypeLike | None = None
) -> Network:
    """A PyTorch MLP as an fcnn Network with the same parameters.

    Parameters
    ----------
    module : torch.nn.Sequential
        ``Linear`` layers, each followed by at most one activation module: ``ReLU``,
        ``Sigmoid``, ``Tanh``, ``LeakyReLU``, ``PReLU`` (one slope, or one per unit;
        hidden layers), ``ELU``, ``SELU``, ``GELU`` (``approximate`` "none" or "tanh"),
        ``Softplus`` (its defaults beta=1, threshold=20 only), ``Mish``, ``SiLU``
        (swish), ``Softmax`` (over the features, at the output); ``Identity``,
        ``Flatten`` and ``Dropout`` (as in evaluation: the identity) anywhere, nested
        ``Sequential`` modules read in order. A ``Linear`` without a bias gets zero
        biases; one without an activation a linear one.
    cost : str, optional
        The network's cost; by default "log_likelihood" for a softmax output,
        "cross_entropy" for a sigmoid one, else "quadratic".
    dtype : {"float64", "float32"}, optional
        The network's dtype; by default the module's parameters'.

    Returns
    -------
    Network

    Raises
    ------
    TypeError
        If `module` is not an ``nn.Sequential``.
    ValueError
        If a module is not one of those above or not where it may be (the message names
        its index and class), or the parameters' dtype is not float32 or float64.

    Examples
    --------
    (Skipped where the documentation is tested without PyTorch; the user guide's
    "Deployment" page runs it.)

    >>> import torch  # doctest: +SKIP
    >>> import fcnn
    >>> model = torch.nn.Sequential(  # doctest: +SKIP
    ...     torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1)
    ... ).double()
    >>> net = fcnn.from_torch(model)  # doctest: +SKIP
    >>> net.sizes, [f.name for f in net.activations], net.cost.name  # doctest: +SKIP
    ((4, 8, 3), ['gelu', 'softmax'], 'log_likelihood')
    """
    import torch

    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"module must be a torch.nn.Sequential, got {type(module).__name__}")
    parameters = list(module.parameters())
    dtypes = {p.dtype for p in parameters}
    if len(dtypes) > 1 or not dtypes <= {torch.float32, torch.float64}:
        found = ", ".join(sorted(str(d) for d in dtypes)) or "none"
        raise ValueError(
            f"module's parameters must all be torch.float32 or all torch.float64, got {found}"
        )
    if dtype is None:
        dtype = np.float32 if dtypes == {torch.float32} else np.float64
    layers: list[list[Any]] = []  # [w, b, activation or None, slopes or None]
    places = []  # where each layer's activation is, for the messages
    for name, child in _leaves(module):
        place = f"module {name} ({type(child).__name__})"
        if isinstance(child, torch.nn.Linear):
            weight = child.weight.detach().cpu().numpy()
            if layers and weight.shape[1] != layers[-1][0].shape[0]:
                raise ValueError(
                    f"{place} must take the {layers[-1][0].shape[0]} outputs of the layer "
                    f"before, got in_features={weight.shape[1]}"
                )
            bias = np.zeros(weight.shape[0], weight.dtype)
            if child.bias is not None:
                bias = child.bias.detach().cpu().numpy()
            layers.append([weight, bias, None, None])
            places.append(place)
            continue
        activation = _activation(child, place, torch)
        if activation is None:
            continue
        if not layers or layers[-1][2] is not None:
            raise ValueError(f"{place} must follow a Linear layer, which has no activation yet")
        layer = layers[-1]
        layer[2] = activation
        places[-1] = place
        if isinstance(child, torch.nn.PReLU):
            slopes = child.weight.detach().cpu().numpy()
            if slopes.size not in (1, layer[0].shape[0]):
                raise ValueError(
                    f"{place} must have 1 or {layer[0].shape[0]} slopes (the layer's units), "
                    f"got {slopes.size}"
                )
            layer[3] = np.broadcast_to(slopes, layer[0].shape[0])
    if not layers:
        raise ValueError("module has no Linear layer")
    last = len(layers) - 1
    for k, (_, _, activation, _) in enumerate(layers):
        if activation == "softmax" and k < last:
            raise ValueError(f"{places[k]} is for the output only, found on a hidden layer")
        if activation == "prelu" and k == last:
            raise ValueError(f"{places[k]} is for hidden layers only, found on the output")
    resolved = [(w, b, "linear" if f is None else f, s) for w, b, f, s in layers]
    output = resolved[-1][2]
    output_name = output if isinstance(output, str) else output.name
    return _network(resolved, cost_for_output(output_name) if cost is None else cost, dtype)


def _leaves(module, prefix=""):
    """(index, module) of a Sequential's modules in order, nested Sequentials opened."""
    import torch

    for name, child in module.named_children():
        path = f"{prefix}{name}"
        if isinstance(child, torch.nn.Sequential):
            yield from _leaves(child, f"{path}.")
        else:
            yield path, child


def _activation(child, place, torch):
    """fcnn's activation for a torch module (None: a module that computes the identity)."""
    from . import activations

    nn = torch.nn
    if isinstance(child, (nn.Identity, nn.Dropout)):
        return None
    if isinstance(child, nn.Flatten):
        if (child.start_dim, child.end_dim) != (1, -1):
            raise ValueError(
                f"{place} must flatten dims 1 to -1, got {child.start_dim} to {child.end_dim}"
            )
        return None
    simple = {
        nn.ReLU: "relu",
        nn.Sigmoid: "sigmoid",
        nn.Tanh: "tanh",
        nn.SELU: "selu",
        nn.Mish: "mish",
        nn.SiLU: "swish",
        nn.PReLU: "prelu",
    }
    for cls, name in simple.items():
        if type(child) is cls:
            return name
    if type(child) is nn.LeakyReLU:
        return activations.LeakyReLU(slope=child.negative_slope)
    if type(child) is nn.ELU:
        return activations.ELU(alpha=child.alpha)
    if type(child) is nn.GELU:
        return "gelu" if child.approximate == "none" else "gelu_tanh"
    if type(child) is nn.Softplus:
        if (child.beta, child.threshold) != (1, activations.SOFTPLUS_THRESHOLD):
            raise ValueError(
                f"{place} must have beta=1 and threshold={activations.SOFTPLUS_THRESHOLD:g} "
                f"(fcnn's softplus), got beta={child.beta}, threshold={child.threshold}"
            )
        return "softplus"
    if type(child) is nn.Softmax:
        if child.dim not in (1, -1):
            raise ValueError(
                f"{place} must be over the features (dim=1 or -1), got dim={child.dim}"
            )
        return "softmax"
    hint = ""
    if isinstance(child, nn.LogSoftmax):
        hint = ": fcnn has no log-softmax; end with Softmax (cost log_likelihood) instead"
    raise ValueError(f"{place} is not supported{hint}")


def _network(layers, cost, dtype):
    """A Network of `layers`: (w of shape (n_l, n_{l-1}), b, activation, PReLU slopes or None)."""
    sizes = [layers[0][0].shape[1], *(w.shape[0] for w, _, _, _ in layers)]
    net = Network(sizes, [f for _, _, f, _ in layers], cost, dtype=dtype, seed=0)
    for k, (w, b, _, slopes) in enumerate(layers):
        net.weights[k][...] = w
        net.biases[k][...] = b
        if slopes is not None:
            net.params[k]["slopes"][...] = slopes
    return net
