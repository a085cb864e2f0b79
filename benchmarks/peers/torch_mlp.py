"""PyTorch on the CPU: nn.Sequential of nn.Linear and activations, torch.optim.SGD, and a
plain loop over the batches of the epoch's shuffled copy of the data tensors."""

import numpy as np
import torch
from torch import nn

from .common import clock, targets

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def version():
    return torch.__version__


class TorchMLP:
    name = "torch"

    def __init__(self, spec, init, threads):
        self.spec = spec
        self.threads = threads
        torch.set_num_threads(threads)
        self.dtype = torch.float64 if spec.dtype == "float64" else torch.float32
        layers = []
        for index, (n_in, n_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
            layers.append(nn.Linear(n_in, n_out, dtype=self.dtype))
            activation = spec.activations[index]
            if activation != "softmax":  # softmax lives in CrossEntropyLoss
                layers.append(_ACTIVATIONS[activation]())
        self.model = nn.Sequential(*layers)
        weights, biases = init
        linears = [m for m in self.model if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for linear, w, b in zip(linears, weights, biases):
                linear.weight.copy_(torch.from_numpy(np.asarray(w, dtype=spec.np_dtype)))
                linear.bias.copy_(torch.from_numpy(np.asarray(b, dtype=spec.np_dtype)))
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=spec.lr)
        if spec.cost == "log_likelihood":
            self.loss = nn.CrossEntropyLoss()
        else:  # quadratic: 1/2 sum over outputs of the squared error, mean over the batch
            self.loss = lambda out, target: ((out - target) ** 2).sum(1).mean() * 0.5
        self._data = None

    def _tensors(self, X, y):
        # from_numpy shares the memory; made once per data set, outside the timing
        if self._data is None or self._data[0] is not X:
            if self.spec.cost == "log_likelihood":
                target = torch.from_numpy(np.asarray(y, dtype=np.int64))
            else:
                target = torch.from_numpy(targets(self.spec, y))
            self._data = (X, torch.from_numpy(X), target)
        return self._data[1], self._data[2]

    def epoch(self, X, y, seed):
        torch.set_num_threads(self.threads)
        Xt, Yt = self._tensors(X, y)
        batch, model, optimizer, loss_fn = (
            self.spec.batch_size,
            self.model,
            self.optimizer,
            self.loss,
        )
        generator = torch.Generator().manual_seed(seed)
        model.train()
        started = clock()
        order = torch.randperm(Xt.shape[0], generator=generator)
        Xs, Ys = Xt[order], Yt[order]
        for start in range(0, Xs.shape[0], batch):
            xb = Xs[start : start + batch]
            yb = Ys[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        seconds = clock() - started
        return {"seconds": seconds, "cost": loss.item()}  # the last batch's

    def _outputs(self, out):
        return torch.softmax(out, dim=-1) if self.spec.output == "softmax" else out

    def predict(self, X):
        torch.set_num_threads(self.threads)
        with torch.no_grad():
            return self._outputs(self.model(torch.from_numpy(X))).numpy()

    @staticmethod
    def prepare_one(x):
        return torch.from_numpy(np.ascontiguousarray(x))

    def predict_one(self, xt):
        with torch.no_grad():
            return self.model(xt)
