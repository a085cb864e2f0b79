import os
import subprocess
import sys

import numpy as np
import pytest

MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist")

# Agreement expected between two computations of the same quantity, per dtype.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def run_python(code, tmp_path, **environment):
    """Run code in a fresh interpreter that imports the same fcnn as these tests (from a
    folder where no source tree can shadow it)."""
    import fcnn

    home = os.path.dirname(os.path.dirname(os.path.abspath(fcnn.__file__)))
    env = {**os.environ, "PYTHONPATH": home, **environment}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="session")
def mnist():
    """(X_train, y_train, X_test, y_test) of real MNIST, from ../shared/data/mnist."""
    if not os.path.isdir(MNIST_DIR):
        pytest.skip(f"MNIST not found at {MNIST_DIR}")
    from fcnn.datasets import load_mnist

    X, y = load_mnist(MNIST_DIR, "train")
    Xt, yt = load_mnist(MNIST_DIR, "test")
    return X, y, Xt, yt


def central_differences(cost, theta, eps=1e-6):
    """d cost() / d theta by central differences, perturbing theta in place (float64)."""
    g = np.empty_like(theta)
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + eps
        up = cost()
        theta[i] = saved - eps
        down = cost()
        theta[i] = saved
        g[i] = (up - down) / (2 * eps)
    return g


def assert_close_to_numeric(analytic, numeric):
    # Central differences with eps = 1e-6 carry ~1e-10 of rounding; the gradients are ~1e-3.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
