"""fcnn itself: Network.fit(epochs=1) per timed epoch."""

import fcnn

from .common import clock


class FcnnMLP:
    name = "fcnn"

    def __init__(self, spec, seed=0):
        self.spec = spec
        self.net = fcnn.Network(
            spec.sizes, spec.activations, spec.cost, dtype=spec.dtype, seed=seed
        )

    def initial_parameters(self):
        """Copies of the initial weights and biases, for the peers that can start there."""
        return [w.copy() for w in self.net.weights], [b.copy() for b in self.net.biases]

    def epoch(self, X, y, seed):
        """Wall time around fit (its argument checks and one-hot conversion included) and
        the core's own epoch time (history.seconds[0])."""
        started = clock()
        history = self.net.fit(
            X, y, epochs=1, batch_size=self.spec.batch_size, lr=self.spec.lr, seed=seed
        )
        wall = clock() - started
        return {"seconds": wall, "core_seconds": history.seconds[0], "cost": history.cost[0]}

    def predict(self, X):
        return self.net.predict(X)

    @staticmethod
    def prepare_one(x):
        return x

    def predict_one(self, x):
        return self.net.predict(x)
