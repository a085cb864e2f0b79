"""fcnn: fully-connected feed-forward neural networks with a compiled core.

    >>> import fcnn
    >>> net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    >>> history = net.fit(X_train, y_train, epochs=10, batch_size=10, lr=3.0)
    >>> net.evaluate(X_test, y_test)["accuracy"]
"""
import os as _os

try:
    from . import _core
except ImportError as _error:
    raise ImportError(
        f"fcnn's compiled core (fcnn._core) is not built in "
        f"{_os.path.dirname(_os.path.abspath(__file__))}. If that is the source tree, Python "
        f"found it before the installed package (python -m puts the current folder first on "
        f"sys.path): run `pytest` rather than `python -m pytest`, or build in place with "
        f"`pip install -e .`. ({_error})"
    ) from _error

from . import (activations, costs, datasets, initializers, optimizers, reference, schedules,
               threads)
from .gradient_check import GradcheckResult, float64_copy, gradcheck
from .history import History
from .io import ModelFileError, load
from .network import Gradients, Network, Trace
from .optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp
from .training import DivergenceError

__version__ = "0.1.0"

__all__ = ["Network", "Trace", "Gradients", "History", "DivergenceError", "ModelFileError",
           "load", "gradcheck", "GradcheckResult", "float64_copy", "SGD", "Adam", "AdamW",
           "RMSProp", "AdaGrad", "activations", "costs", "datasets", "initializers",
           "optimizers", "reference", "schedules", "threads"]
