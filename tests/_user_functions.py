"""User-defined functions that several test files train with: their networks run on the
NumPy slow path (fcnn/_numpy_core.py)."""

import numpy as np

import fcnn


class PyTanh(fcnn.activations.Activation):
    """tanh in NumPy: a user-defined copy of the built-in."""

    name = "py_tanh"

    def __call__(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1 - np.tanh(z) ** 2
