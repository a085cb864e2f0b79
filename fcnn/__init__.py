"""fcnn: fully-connected feed-forward neural networks with a compiled core.

`Network` is the network: its forward pass, back-propagation and training run in
compiled code (Cython and BLAS) without the GIL. `fcnn.load` reads a saved network,
`gradcheck` checks the gradients, the optimizers (`SGD`, `Adam`, ...) and the modules
`activations`, `costs`, `initializers`, `schedules` and `callbacks` configure training,
`datasets` holds XOR and MNIST (with a bundled sample), and ``fcnn.sklearn`` has
scikit-learn estimators.

Examples
--------
Train on the bundled MNIST sample (10,000 training and 2,000 test images):

>>> import fcnn
>>> X_train, y_train = fcnn.datasets.load_mnist_sample("train")
>>> X_test, y_test = fcnn.datasets.load_mnist_sample("test")
>>> net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
>>> history = net.fit(X_train, y_train, epochs=3, batch_size=10, lr=3.0)
>>> history.epochs
3
>>> net.evaluate(X_test, y_test)["accuracy"] > 0.85
True
"""

from ._source_tree import use_installed_package_if_unbuilt

# From an unbuilt checkout, the installed package is loaded instead; `import fcnn` returns it
# and the imports below only find its modules already loaded.
use_installed_package_if_unbuilt(__name__, __file__)

from . import (
    activations,
    callbacks,
    costs,
    datasets,
    initializers,
    optimizers,
    reference,
    schedules,
    threads,
)
from ._convert import from_sklearn, from_torch
from ._onnx_import import from_onnx
from .gradient_check import GradcheckResult, float64_copy, gradcheck
from .history import History
from .io import ModelFileError, load
from .network import BatchGradient, Gradients, Network, Predictor, Trace
from .optimizers import LBFGS, SGD, AdaGrad, Adam, AdamW, RMSProp, Rprop
from .training import DivergenceError, Position

__version__ = "0.1.0"

__all__ = [
    "Network",
    "Trace",
    "Predictor",
    "Gradients",
    "BatchGradient",
    "History",
    "Position",
    "DivergenceError",
    "ModelFileError",
    "load",
    "from_sklearn",
    "from_torch",
    "from_onnx",
    "gradcheck",
    "GradcheckResult",
    "float64_copy",
    "SGD",
    "Adam",
    "AdamW",
    "RMSProp",
    "AdaGrad",
    "Rprop",
    "LBFGS",
    "activations",
    "callbacks",
    "costs",
    "datasets",
    "initializers",
    "optimizers",
    "reference",
    "schedules",
    "threads",
]
