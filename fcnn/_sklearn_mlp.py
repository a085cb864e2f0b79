"""scikit-learn's MLPClassifier and MLPRegressor with their training in fcnn's compiled core.

Each class subclasses scikit-learn's own, so its parameters, checks, errors, warnings,
fitted attributes, label handling, initial parameters, early-stopping split and stopping
rules are scikit-learn's code. What is replaced is the arithmetic: an epoch of ``sgd`` or
``adam`` is one call into the core (scikit-learn's per-batch objective, its forms of the
updates, and its epoch order, drawn from its RandomState as scikit-learn draws it), an
evaluation of the ``lbfgs`` objective and its gradient is one call, and so is a forward
pass for predict.

The parameters are ``coefs_`` and ``intercepts_``, as in scikit-learn; after a fit they are
views of the flat parameter array of an fcnn Network that computes with them. A user may
assign other arrays to them (scikit-learn's tests do): the next call copies them in.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn import neural_network as _sklearn_neural_network
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import _multilayer_perceptron as _sklearn_mlp
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import validate_data

from . import _compiled
from . import lbfgs as _lbfgs
from . import optimizers as _optimizers
from ._validation import core_rows, is_sparse, sparse_inputs
from .costs import cost_for_output
from .network import Network
from .training import batch_nonzeros

__all__ = ["MLPClassifier", "MLPRegressor", "patch", "unpatch"]

_ORIGINALS = {
    "MLPClassifier": _sklearn_mlp.MLPClassifier,
    "MLPRegressor": _sklearn_mlp.MLPRegressor,
}

# scikit-learn's names of activations, as fcnn's
ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "softmax": "softmax",
    "exp": "exp",
}


class _LearningRate:
    """scikit-learn's learning-rate rules for its stochastic solvers (its
    SGDOptimizer and AdamOptimizer without their update, which the core makes): the rate
    of the next epoch, its change at an epoch's end, and whether a plateau stops
    training. Holds the fcnn optimizer whose state the core updates."""

    def __init__(self, estimator: Any, n_params: int, dtype: np.dtype, sizes: Any) -> None:
        self.solver = estimator.solver
        self.learning_rate_init = float(estimator.learning_rate_init)
        self.learning_rate = self.learning_rate_init  # the SGD rate of the next epoch
        self.schedule = estimator.learning_rate
        self.power_t = estimator.power_t
        self.beta_1, self.beta_2 = estimator.beta_1, estimator.beta_2
        if self.solver == "sgd":
            self.optimizer: _optimizers.Optimizer = _optimizers.SGD(
                self.learning_rate_init,
                momentum=estimator.momentum,
                nesterov=bool(estimator.nesterovs_momentum and estimator.momentum > 0),
                form="sutskever",
            )
        else:
            self.optimizer = _optimizers.Adam(
                self.learning_rate_init,
                beta1=estimator.beta_1,
                beta2=estimator.beta_2,
                eps=estimator.epsilon,
                form="eps_hat",
            )
        self.optimizer.bind(n_params, dtype, sizes)

    def epoch_lr(self) -> float:
        """The learning rate of the next epoch's updates (Adam's is corrected in the core)."""
        return self.learning_rate if self.solver == "sgd" else self.learning_rate_init

    def epoch_ended(self, samples_seen: int) -> None:
        """scikit-learn's iteration_ends: 'invscaling' sets the rate from the samples seen."""
        if self.solver == "sgd" and self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (samples_seen + 1) ** self.power_t
        if self.solver == "adam":  # the rate of Adam's last step, as scikit-learn reports it
            t = self.optimizer.t
            self.learning_rate = (
                self.learning_rate_init * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
            )

    def stops(self, message: str, verbose: bool) -> bool:
        """scikit-learn's trigger_stopping: whether a plateau ends training ('adaptive'
        divides the rate by 5 instead, until it is at most 1e-6)."""
        if self.solver != "sgd" or self.schedule != "adaptive":
            if verbose:
                print(message + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{message} Setting learning rate to {self.learning_rate:f}")
        return False


if TYPE_CHECKING:  # the estimator attributes that the mixin's methods read
    from sklearn.neural_network._multilayer_perceptron import (
        BaseMultilayerPerceptron as _Estimator,
    )
else:
    _Estimator = object


class _FCNNMixin(_Estimator):
    """What the two drop-in estimators override in scikit-learn's BaseMultilayerPerceptron."""

    _no_improvement_count: int  # scikit-learn's, set by its _initialize
    _optimizer: _LearningRate
    _network: Network  # a cache, rebuilt from coefs_ and intercepts_
    _views: tuple[list[Any], list[Any]]  # coefs_ and intercepts_ as its parameters' views

    # ------------------------------------------------------------------ the network

    def _fcnn_network(self) -> Network:
        """The fcnn Network whose parameters are ``coefs_`` and ``intercepts_``: built or
        reused, with any array the user assigned copied in, and the attributes then views
        of its parameters."""
        coefs, intercepts = self.coefs_, self.intercepts_
        hidden = ACTIVATIONS[self.activation]
        output = ACTIVATIONS[self.out_activation_]
        sizes = [coefs[0].shape[0]] + [c.shape[1] for c in coefs]
        names = [hidden] * (len(coefs) - 1) + [output]
        dtype = np.result_type(coefs[0].dtype, np.float32)
        dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
        net: Network | None = self.__dict__.get("_network")
        if net is None or (
            list(net.sizes),
            [f.name for f in net.activations],
            net.dtype,
        ) != (sizes, names, dtype):
            cost = (
                "poisson" if getattr(self, "loss", None) == "poisson" else cost_for_output(output)
            )
            net = Network(sizes, names, cost, dtype=dtype)
            self._network = net
            # coefs_[i] is (fan_in, fan_out): the transpose of fcnn's w^l
            self._views = ([w.T for w in net.weights], list(net.biases))
        for given, views in zip((coefs, intercepts), self._views):
            if any(a is not b for a, b in zip(given, views)):
                for values, view in zip(given, views):
                    view[...] = np.reshape(values, view.shape)
                given[:] = views  # the attributes' lists hold the views from now on
        return net

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_network", None)  # rebuilt from coefs_ and intercepts_
        state.pop("_views", None)
        return state

    def _loss(self, cost: float, penalty: float) -> float:
        """scikit-learn's loss from fcnn's mean cost: its squared error is averaged over
        the outputs too."""
        if self.out_activation_ == "identity":
            cost /= self.n_outputs_
        return float(cost + penalty)

    @staticmethod
    def _core_inputs(net, X):
        """X (validated by scikit-learn) as the core reads it, in the network's dtype: a
        C-contiguous array or a canonical CSR matrix."""
        if is_sparse(X):
            return sparse_inputs(X, net.sizes[0], net.dtype)
        return np.ascontiguousarray(X, dtype=net.dtype)

    @classmethod
    def _core_data(cls, net, X, y, sample_weight):
        """X, Y and the sample weights (empty if none) as the core reads them, in the
        network's dtype."""
        dtype = net.dtype
        X = cls._core_inputs(net, X)
        Y = np.ascontiguousarray(np.reshape(y, (y.shape[0], -1)), dtype=dtype)
        weights = (
            np.empty(0, dtype=dtype)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=dtype)
        )
        return X, Y, weights

    # ------------------------------------------------------------------ predict

    def _forward_pass_fast(self, X, check_input=True):
        """The output activations of X, by the core (scikit-learn's forward pass). With
        check_input False (scikit-learn's scoring of its validation set during fit),
        outputs that are not finite come back as NaN, as scikit-learn's do, rather than
        raising."""
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        net = self._fcnn_network()
        try:
            out = net.internals.predict(X)
        except FloatingPointError:
            if check_input:
                raise
            return np.full((X.shape[0], net.sizes[-1]), np.nan, dtype=net.dtype)
        if X.dtype != out.dtype and np.issubdtype(X.dtype, np.floating):
            out = out.astype(np.result_type(X.dtype, out.dtype), copy=False)
        return out

    # ------------------------------------------------------------------ sgd and adam

    def _fit_stochastic(
        self,
        X,
        y,
        sample_weight,
        activations,
        deltas,
        coef_grads,
        intercept_grads,
        layer_units,
        incremental,
    ):
        """scikit-learn's stochastic training loop, an epoch per call into the core."""
        net = self._fcnn_network()
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = _LearningRate(self, net.theta.size, net.dtype, net.sizes)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            X_train, y_train, sample_weight_train, validation = self._held_out(
                net, X, y, sample_weight
            )
        else:
            X_train, y_train, sample_weight_train = X, y, sample_weight
            validation = (None, None, None)

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=np.intp)
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped",
                    stacklevel=5,  # the caller of fit
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        X_core, Y, weights = self._core_data(net, X_train, y_train, sample_weight_train)
        optimizer = self._optimizer.optimizer
        settings = optimizer.core_settings(l2=float(self.alpha), batch_mean=True)
        workspace = net.internals.workspace(
            batch_size,
            training=True,
            n_rows=n_samples,
            sparse_nonzeros=batch_nonzeros(X_core, batch_size),
        )
        states = optimizer.core_states()
        rows, labels = core_rows(X_core), np.empty(0, dtype=np.intp)
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:  # sklearn.utils.shuffle(sample_idx, random_state=...)'s draw
                    sample_idx = sample_idx[self._random_state.permutation(n_samples)]
                settings.lr = self._optimizer.epoch_lr()
                cost, _, stop, penalty = _compiled.core.train_epoch(
                    net.internals.layout,
                    settings,
                    workspace,
                    net.theta,
                    rows,
                    Y,
                    labels,
                    weights,
                    *states,
                    batch_size,
                    True,
                    0,
                    order=sample_idx,
                )
                optimizer.t = settings.t
                if stop is not None:  # the cost stopped being finite, as scikit-learn's does
                    cost = penalty = np.nan
                self.n_iter_ += 1
                self.loss_ = self._loss(cost, penalty)
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_:d}, loss = {self.loss_:.8f}")

                # update no_improvement_count based on training loss or
                # validation score according to early_stopping
                self._update_no_improvement_count(early_stopping, *validation)

                # for learning rate that needs to be updated at iteration end
                self._optimizer.epoch_ended(self.t_)

                if self._no_improvement_count > self.n_iter_no_change:
                    # not better than last `n_iter_no_change` iterations by tol
                    # stop or decrease learning rate
                    if early_stopping:
                        msg = (
                            f"Validation score did not improve more than tol={self.tol:f} "
                            f"for {self.n_iter_no_change:d} consecutive epochs."
                        )
                    else:
                        msg = (
                            f"Training loss did not improve more than tol={self.tol:f} "
                            f"for {self.n_iter_no_change:d} consecutive epochs."
                        )
                    if self._optimizer.stops(msg, self.verbose):
                        break
                    self._no_improvement_count = 0

                if incremental:
                    break

                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter:d}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=5,  # the caller of fit
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=5)

        if early_stopping:  # restore best weights
            best = zip(self._best_coefs + self._best_intercepts, self.coefs_ + self.intercepts_)
            for values, view in best:
                view[...] = values

    def _held_out(self, net, X, y, sample_weight):
        """scikit-learn's early-stopping split, drawn from its RandomState: the training
        (X, y, sample_weight) and the validation (X as the core reads it, the labels as
        scikit-learn scores them, sample_weight)."""
        # don't stratify in multilabel classification
        should_stratify = is_classifier(self) and self.n_outputs_ == 1
        stratify = y if should_stratify else None
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        parts = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, y_train, y_val = parts[:4]
        weights_train, weights_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        if is_classifier(self):
            y_val = self._label_binarizer.inverse_transform(y_val)
        return X_train, y_train, weights_train, (self._core_inputs(net, X_val), y_val, weights_val)

    # ------------------------------------------------------------------ lbfgs

    def _fit_lbfgs(
        self,
        X,
        y,
        sample_weight,
        activations,
        deltas,
        coef_grads,
        intercept_grads,
        layer_units,
    ):
        """scikit-learn's L-BFGS-B fit: scipy's minimizer over scikit-learn's packed
        parameters, whose objective and gradient over the whole data set the core computes
        in one call."""
        net = self._fcnn_network()
        self._coef_indptr, self._intercept_indptr = [], []
        start = 0
        for i in range(self.n_layers_ - 1):
            n_fan_in, n_fan_out = layer_units[i], layer_units[i + 1]
            end = start + (n_fan_in * n_fan_out)
            self._coef_indptr.append((start, end, (n_fan_in, n_fan_out)))
            start = end
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i + 1]
            self._intercept_indptr.append((start, end))
            start = end

        objective = _objective(self, net, X, y, sample_weight)
        opt_res = _lbfgs.minimize(
            objective,
            max_iter=self.max_iter,
            tol=self.tol,
            max_fun=self.max_fun,
            verbose=self.verbose is True or self.verbose >= 1,
        )
        self.n_iter_ = _check_optimize_result("lbfgs", opt_res, self.max_iter)
        self.loss_ = opt_res.fun

    def _loss_grad_lbfgs(
        self,
        packed_coef_inter,
        X,
        y,
        sample_weight,
        activations,
        deltas,
        coef_grads,
        intercept_grads,
    ):
        """The loss and its gradient at scikit-learn's packed parameters, by the core: what
        lbfgs minimizes (the other arguments are scikit-learn's buffers, not needed)."""
        return _objective(self, self._fcnn_network(), X, y, sample_weight)(packed_coef_inter)


def _objective(estimator, net, X, y, sample_weight):
    """scikit-learn's lbfgs objective of an estimator over (X, y): the mean loss plus
    alpha/2 sum w^2 / W, and its gradient, at parameters packed in scikit-learn's order
    (all coefs_ row-major, then all intercepts_)."""
    X, Y, weights = estimator._core_data(net, X, y, sample_weight)
    settings = _optimizers.gradient_settings(l2=float(estimator.alpha), batch_mean=True)
    w_off, b_off, _, _ = net.internals.layout.offsets()
    pieces = []
    for offset, w in zip(w_off, net.weights):
        n_out, n_in = w.shape
        pieces.append(offset + np.arange(n_out * n_in).reshape(n_out, n_in).T.ravel())
    pieces += [offset + np.arange(b.size) for offset, b in zip(b_off, net.biases)]
    return _lbfgs.Objective(
        net, X, Y, weights, settings, order=np.concatenate(pieces), loss=estimator._loss
    )


class MLPClassifier(_FCNNMixin, _sklearn_mlp.MLPClassifier):
    """scikit-learn's MLPClassifier, trained by fcnn's compiled core.

    A drop-in: a subclass of ``sklearn.neural_network.MLPClassifier`` whose parameters,
    defaults, checks, errors, warnings and fitted attributes are scikit-learn's, and
    whose fit, partial_fit, predict, predict_proba, predict_log_proba and score give
    scikit-learn's results to rounding, several times faster. What runs in fcnn's core
    is each epoch of ``sgd`` and ``adam`` (one call, with scikit-learn's epoch order,
    per-batch objective and forms of the updates), each evaluation of the ``lbfgs``
    objective and gradient over the whole data set, and every forward pass.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start, \
momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon, \
n_iter_no_change, max_fun
        scikit-learn's, with the same defaults and meaning: see
        ``sklearn.neural_network.MLPClassifier``.

    Attributes
    ----------
    classes_, loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_, \
t_, coefs_, intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_, n_outputs_, \
out_activation_
        scikit-learn's. ``coefs_[i]`` (shape (fan_in, fan_out)) and ``intercepts_[i]``
        are views of the flat parameters of the fcnn Network that computes with them;
        arrays assigned to them in their place are copied in at the next call.

    See Also
    --------
    MLPRegressor : The regressor.
    patch : Make scikit-learn's own names these classes.
    FCNNClassifier : fcnn's own classifier (fcnn's optimizers, dropout, l1, dtype).

    Notes
    -----
    Given the same ``random_state``, data and parameters, the drop-in draws scikit-learn's
    initial parameters, its early-stopping split and its order of the examples in every
    epoch (from the same RandomState, in the same sequence). The arithmetic differs only
    in the order of operations, so parameters agree to about 1e-15 relative after a few
    epochs; over long runs the difference can grow, since training amplifies small
    perturbations (see the user guide), while ``n_iter_`` and the losses stay the same.

    Where it differs from scikit-learn: an output that overflows in predict (and score)
    raises FloatingPointError naming the row and layer, where scikit-learn returns inf or
    NaN; the log-loss of a probability below the float's epsilon is its exact value,
    where scikit-learn clips the probability to epsilon first (a difference in
    ``loss_curve_`` only for such examples); ``lbfgs`` on float32 data keeps float32
    parameters (scikit-learn's become float64).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn import neural_network
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from fcnn.sklearn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> ours = MLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    >>> theirs = neural_network.MLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    >>> ours.n_iter_ == theirs.n_iter_
    True
    >>> all(np.allclose(a, b, rtol=1e-6) for a, b in zip(ours.coefs_, theirs.coefs_))
    True
    >>> ours.score(X, y) > 0.95
    True
    """


class MLPRegressor(_FCNNMixin, _sklearn_mlp.MLPRegressor):
    """scikit-learn's MLPRegressor, trained by fcnn's compiled core.

    A drop-in, as `MLPClassifier` is: a subclass of
    ``sklearn.neural_network.MLPRegressor`` with scikit-learn's parameters, checks,
    errors, warnings and fitted attributes, whose training and predictions run in
    fcnn's core and give scikit-learn's results to rounding. ``loss="poisson"`` uses
    fcnn's ``exp`` output and ``poisson`` cost (half the Poisson deviance).

    Parameters
    ----------
    loss, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, warm_start, \
momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon, \
n_iter_no_change, max_fun
        scikit-learn's, with the same defaults and meaning: see
        ``sklearn.neural_network.MLPRegressor``.

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_, best_validation_score_, t_, \
coefs_, intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_, n_outputs_, \
out_activation_
        scikit-learn's; ``coefs_`` and ``intercepts_`` as in `MLPClassifier`.

    See Also
    --------
    MLPClassifier : The classifier, and what the two share (Notes).
    FCNNRegressor : fcnn's own regressor.

    Notes
    -----
    float32 data trains and predicts in float32, as scikit-learn's does. The loss
    reported for squared error is scikit-learn's, half the squared error averaged over
    the examples and the outputs (its gradient, as scikit-learn's, is that of the sum
    over the outputs).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn import neural_network
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import StandardScaler
    >>> from fcnn.sklearn import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    >>> settings = dict(solver="sgd", max_iter=5, tol=0, random_state=0)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # ConvergenceWarning: 5 epochs are few
    ...     ours = MLPRegressor(**settings).fit(X, y)
    ...     theirs = neural_network.MLPRegressor(**settings).fit(X, y)
    >>> bool(np.allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12))
    True
    """


def patch() -> None:
    """Make ``sklearn.neural_network.MLPClassifier`` and ``MLPRegressor`` fcnn's.

    For the running process, as scikit-learn-intelex patches scikit-learn: code that
    looks the names up afterwards (``from sklearn.neural_network import MLPClassifier``,
    ``sklearn.neural_network.MLPRegressor(...)``) gets `MLPClassifier` and
    `MLPRegressor`. `unpatch` undoes it.

    Its limits: a name imported before the call keeps scikit-learn's class; estimators
    made before it stay scikit-learn's; ``isinstance`` against scikit-learn's classes
    still holds (fcnn's are subclasses); an estimator pickled while patched names fcnn's
    class, so loading it needs fcnn.

    Examples
    --------
    >>> import fcnn.sklearn
    >>> fcnn.sklearn.patch()
    >>> from sklearn.neural_network import MLPClassifier
    >>> MLPClassifier is fcnn.sklearn.MLPClassifier
    True
    >>> fcnn.sklearn.unpatch()
    >>> from sklearn.neural_network import MLPClassifier
    >>> MLPClassifier is fcnn.sklearn.MLPClassifier
    False
    """
    for name, cls in (("MLPClassifier", MLPClassifier), ("MLPRegressor", MLPRegressor)):
        setattr(_sklearn_neural_network, name, cls)
        setattr(_sklearn_mlp, name, cls)


def unpatch() -> None:
    """Give ``sklearn.neural_network`` its own MLPClassifier and MLPRegressor back.

    Undoes `patch` (and does nothing without it).

    Examples
    --------
    >>> import sklearn.neural_network
    >>> import fcnn.sklearn
    >>> fcnn.sklearn.unpatch()
    >>> sklearn.neural_network.MLPRegressor.__module__
    'sklearn.neural_network._multilayer_perceptron'
    """
    for name, cls in _ORIGINALS.items():
        setattr(_sklearn_neural_network, name, cls)
        setattr(_sklearn_mlp, name, cls)
