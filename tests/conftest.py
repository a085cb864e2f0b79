import os

import numpy as np
import pytest

MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist")

# Agreement expected between two computations of the same quantity, per dtype.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


@pytest.fixture(scope="session")
def mnist():
    """(X_train, y_train, X_test, y_test) of real MNIST, from ../shared/data/mnist."""
    if not os.path.isdir(MNIST_DIR):
        pytest.skip(f"MNIST not found at {MNIST_DIR}")
    from fcnn.datasets import load_mnist

    X, y = load_mnist(MNIST_DIR, "train")
    Xt, yt = load_mnist(MNIST_DIR, "test")
    return X, y, Xt, yt
