"""fcnn: fully-connected feed-forward neural networks with a compiled core.

>>> import fcnn
>>> net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
>>> history = net.fit(X_train, y_train, epochs=10, batch_size=10, lr=3.0)
>>> net.evaluate(X_test, y_test)["accuracy"]
"""

from ._source_tree import use_installed_package_if_unbuilt

# From an unbuilt checkout, the installed package is loaded instead; `import fcnn` returns it
# and the imports below only find its modules already loaded.
use_installed_package_if_unbuilt(__name__, __file__)

from . import activations, costs, datasets, initializers, optimizers, reference, schedules, threads
from .gradient_check import GradcheckResult, float64_copy, gradcheck
from .history import History
from .io import ModelFileError, load
from .network import Gradients, Network, Trace
from .optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp
from .training import DivergenceError

__version__ = "0.1.0"

__all__ = [
    "Network",
    "Trace",
    "Gradients",
    "History",
    "DivergenceError",
    "ModelFileError",
    "load",
    "gradcheck",
    "GradcheckResult",
    "float64_copy",
    "SGD",
    "Adam",
    "AdamW",
    "RMSProp",
    "AdaGrad",
    "activations",
    "costs",
    "datasets",
    "initializers",
    "optimizers",
    "reference",
    "schedules",
    "threads",
]
