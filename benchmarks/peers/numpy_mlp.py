"""Plain vectorized NumPy: fcnn.reference.sgd_epoch, the same algorithm line by line."""

import numpy as np

from fcnn import activations as fcnn_activations
from fcnn import costs as fcnn_costs
from fcnn import reference

from .common import clock, targets


class NumpyMLP:
    name = "numpy"

    def __init__(self, spec, init):
        self.spec = spec
        weights, biases = init
        self.weights = [np.array(w, dtype=spec.np_dtype) for w in weights]
        self.biases = [np.array(b, dtype=spec.np_dtype) for b in biases]
        self.activations = [fcnn_activations.get(f) for f in spec.activations]
        self.cost = fcnn_costs.get(spec.cost)
        self._data = None

    def _targets(self, X, y):
        # The one-hot rows are made once per data set, outside the timing (as the other
        # peers hold their data in their own form).
        if self._data is None or self._data[0] is not X:
            self._data = (X, targets(self.spec, y))
        return self._data[1]

    def epoch(self, X, y, seed):
        Y = self._targets(X, y)
        started = clock()
        order = np.random.default_rng(seed).permutation(X.shape[0])
        cost = reference.sgd_epoch(
            self.weights,
            self.biases,
            self.activations,
            self.cost,
            X,
            Y,
            self.spec.batch_size,
            self.spec.lr,
            order,
        )
        return {"seconds": clock() - started, "cost": float(cost)}

    def predict(self, X):
        return reference.forward(self.weights, self.biases, self.activations, X)[1][-1]

    @staticmethod
    def prepare_one(x):
        """The (1, n) row that reference.forward takes."""
        return np.ascontiguousarray(x).reshape(1, -1)

    def predict_one(self, row):
        return reference.forward(self.weights, self.biases, self.activations, row)[1][-1]
