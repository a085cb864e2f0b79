"""fcnn: fully-connected feed-forward neural networks with a compiled core.

    >>> import fcnn
    >>> net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    >>> history = net.fit(X_train, y_train, epochs=10, batch_size=10, lr=3.0)
    >>> net.evaluate(X_test, y_test)["accuracy"]
"""
from . import activations, costs, datasets, reference
from .history import History
from .network import Gradients, Network, Trace

__version__ = "0.1.0"

__all__ = ["Network", "Trace", "Gradients", "History", "activations", "costs", "datasets", "reference"]
