"""scikit-learn's MLPClassifier with plain SGD (no momentum, no L2), one partial_fit per
epoch. Its output layer is always softmax with log-loss (logistic with log-loss for two
classes), whatever the configuration's output layer and cost."""

import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from .common import clock

_ACTIVATIONS = {"sigmoid": "logistic", "relu": "relu"}


def version():
    return sklearn.__version__


class SklearnMLP:
    name = "sklearn"

    def __init__(self, spec, init=None, seed=0):
        self.spec = spec
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(spec.sizes[1:-1]),
            activation=_ACTIVATIONS[spec.hidden],
            solver="sgd",
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            learning_rate="constant",
            learning_rate_init=spec.lr,
            batch_size=spec.batch_size,
            max_iter=1,
            shuffle=True,
            tol=0.0,
            n_iter_no_change=10**9,
            early_stopping=False,
            random_state=seed,
        )
        self.classes = np.arange(max(spec.sizes[-1], 2))

    @property
    def output_note(self):
        """How sklearn's output layer differs from the configuration's, or None."""
        binary = self.spec.sizes[-1] == 1
        sklearn_output = "logistic + log-loss" if binary else "softmax + log-loss"
        if self.spec.output == "softmax" and self.spec.cost == "log_likelihood":
            return None
        return (
            f"sklearn trains {sklearn_output} at the output, not "
            f"{self.spec.output} + {self.spec.cost}"
        )

    def epoch(self, X, y, seed):
        # partial_fit runs exactly one epoch (its own shuffle, from random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            started = clock()
            self.model.partial_fit(X, y, classes=self.classes)
            seconds = clock() - started
        return {"seconds": seconds, "cost": float(self.model.loss_)}

    def predict(self, X):
        proba = self.model.predict_proba(X)
        return proba[:, 1:] if self.spec.sizes[-1] == 1 else proba

    @staticmethod
    def prepare_one(x):
        return np.ascontiguousarray(x).reshape(1, -1)

    def predict_one(self, row):
        return self.model.predict_proba(row)
