"""The scikit-learn estimators around `fcnn.Network`: FCNNClassifier and FCNNRegressor.

>>> from sklearn.datasets import load_iris
>>> from sklearn.model_selection import train_test_split
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from fcnn.sklearn import FCNNClassifier
>>> X, y = load_iris(return_X_y=True)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
>>> classifier = FCNNClassifier((16,), epochs=300, tol=None, random_state=0)
>>> model = make_pipeline(StandardScaler(), classifier)
>>> model.fit(X_train, y_train).score(X_test, y_test) > 0.9
True

They follow scikit-learn's conventions: ``__init__`` only stores the parameters, which are
checked when ``fit`` runs; everything learnt ends in ``_`` (``network_`` is the trained
fcnn.Network); ``clone``, pickling, Pipeline, GridSearchCV and cross_val_score work.
scikit-learn is an optional extra: ``pip install "fcnn[sklearn]"``. ``import fcnn`` never
imports it; this module does.

Training is Network.fit: mini-batch gradient descent with the chosen optimizer on the
cost C = (1/n) sum_x C_x (a weighted mean with sample weights) + l2/(2n) sum w^2 over the
weights, n the training-set size, so every mini-batch's gradient carries the same penalty
(l2/n) w. That is not scikit-learn's alpha, which it divides by each mini-batch's rows
instead (see the ``l2`` parameter).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError as _error:
    raise ImportError(
        'fcnn.sklearn needs scikit-learn, an optional extra of fcnn: pip install "fcnn[sklearn]"'
    ) from _error
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import activations as _activations
from . import costs as _costs
from . import optimizers as _optimizers
from ._sklearn_mlp import MLPClassifier, MLPRegressor, patch, unpatch
from ._validation import (
    as_sample_weight,
    check_bool,
    check_columns,
    check_dropout,
    check_hyperparameter,
    check_int,
    check_real,
)
from .activations import Activation
from .network import Network
from .schedules import Schedule

__all__ = ["FCNNClassifier", "FCNNRegressor", "MLPClassifier", "MLPRegressor", "patch", "unpatch"]

OPTIMIZERS = _optimizers.BY_NAME

# fcnn's Glorot uniform: weights uniform in +-sqrt(6 / (fan_in + fan_out)) for every
# activation, biases zero. (scikit-learn's MLP draws weights and biases alike in
# +-sqrt(factor / (fan_in + fan_out)), factor 2 for logistic and 6 otherwise.)
INIT = "xavier_uniform"

KEPT_DTYPES = (np.float64, np.float32)
"""The input dtypes that dtype=None keeps (validate_data makes any other the first)."""
PREDICT_ROWS = 2**16
"""Rows whose probabilities the classifier's predict holds at a time."""

# The sparse formats taken as they are (the network reads CSR rows; CSC is converted to
# CSR once); other scipy.sparse formats are converted to the first.
SPARSE_FORMATS = ("csr", "csc")


class _FCNNBase(BaseEstimator):
    """What the classifier and the regressor share: parameter checks, building and
    training the network, predicting. Subclasses turn y into the network's targets
    (``_targets``) and name the output layer (``_output_layer``)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # scipy.sparse X: the network reads its CSR rows
        return tags

    # ------------------------------------------------------------------ parameters

    def _input_dtype(self):
        """`dtype` checked, as validate_data takes it: the one asked for, or for None
        float32 and float64 inputs kept as they are and any other made float64."""
        if self.dtype is None:
            return KEPT_DTYPES
        if self.dtype not in ("float64", "float32", np.float64, np.float32):
            raise ValueError(
                f"dtype must be 'float64' or 'float32' (or None: X's own), got {self.dtype!r}"
            )
        return np.dtype(self.dtype)

    def _check_parameters(self, dtype):
        """The parameters, checked and resolved (a namespace), for a network of `dtype`
        (X's as validate_data made it); ValueError or TypeError naming the parameter
        otherwise."""
        hidden = self.hidden_layer_sizes
        if isinstance(hidden, numbers.Integral) and not isinstance(hidden, (bool, np.bool_)):
            hidden = (hidden,)
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            raise TypeError(
                f"hidden_layer_sizes must be a tuple of layer widths such as (100,) "
                f"or (64, 32), got {hidden!r}"
            )
        hidden = tuple(hidden)
        for width in hidden:
            if (
                isinstance(width, (bool, np.bool_))
                or not isinstance(width, numbers.Integral)
                or width < 1
            ):
                raise ValueError(
                    f"hidden_layer_sizes must hold integers >= 1, got {self.hidden_layer_sizes!r}"
                )
        if isinstance(self.activation, (list, tuple)):
            if len(self.activation) != len(hidden):
                raise ValueError(
                    f"activation is a list of {len(self.activation)}, but there "
                    f"are {len(hidden)} hidden layers (one name each, or one name "
                    f"for all)"
                )
            hidden_activations = [
                _resolve(_activations.get, f, "activation") for f in self.activation
            ]
        else:
            activation = _resolve(_activations.get, self.activation, "activation")
            hidden_activations = [activation] * len(hidden)
        if self.output_activation is not None:
            _resolve(_activations.get, self.output_activation, "output_activation")
        if self.cost is not None:
            _resolve(_costs.get, self.cost, "cost")
        if isinstance(self.optimizer, str):
            if self.optimizer not in OPTIMIZERS:
                raise ValueError(
                    f"optimizer must be one of {sorted(OPTIMIZERS)} or an "
                    f"fcnn optimizer such as fcnn.SGD(0.1, momentum=0.9), got "
                    f"{self.optimizer!r}"
                )
            check_hyperparameter(self.learning_rate, "learning_rate", low_open=True, dtype=dtype)
        elif not isinstance(self.optimizer, _optimizers.Optimizer):
            raise TypeError(
                f"optimizer must be a name such as 'adam' or an fcnn optimizer, "
                f"got {type(self.optimizer).__name__}"
            )
        if not (
            self.batch_size == "auto"
            or (
                isinstance(self.batch_size, numbers.Integral)
                and not isinstance(self.batch_size, bool)
                and self.batch_size >= 1  # type: ignore[operator]  # every Integral compares with int
            )
        ):
            raise ValueError(
                f"batch_size must be an integer >= 1 or 'auto', got {self.batch_size!r}"
            )
        epochs = check_int(self.epochs, "epochs", minimum=1)
        l2 = check_hyperparameter(self.l2, "l2", dtype=dtype)
        input_dropout, *dropout = check_dropout(self.dropout, len(hidden), self.input_dropout)
        averaged = {"ema": self.ema_decay, "swa": self.swa_start}
        if self.use_average is not None and self.use_average not in averaged:
            raise ValueError(f"use_average must be None, 'ema' or 'swa', got {self.use_average!r}")
        if self.use_average is not None and averaged[self.use_average] is None:
            needed = "ema_decay" if self.use_average == "ema" else "swa_start"
            raise ValueError(f"use_average={self.use_average!r} needs {needed}")
        early_stopping = check_bool(self.early_stopping, "early_stopping")
        validation_fraction = check_real(
            self.validation_fraction,
            "validation_fraction",
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        )
        n_iter_no_change = check_int(self.n_iter_no_change, "n_iter_no_change", minimum=1)
        tol = None if self.tol is None else check_real(self.tol, "tol", low=0)
        shuffle = check_bool(self.shuffle, "shuffle")
        if not isinstance(self.verbose, (bool, np.bool_, numbers.Integral)):
            raise TypeError(f"verbose must be True or False, got {self.verbose!r}")
        return SimpleNamespace(
            hidden=hidden,
            hidden_activations=hidden_activations,
            epochs=epochs,
            l2=l2,
            dropout=dropout,
            input_dropout=input_dropout,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            shuffle=shuffle,
            dtype=dtype,
            verbose=bool(self.verbose),
        )

    def _new_optimizer(self):
        """A fresh optimizer for one fit: named, or a stateless copy of the one given (its
        configuration, step count 0), so the parameter itself is never changed."""
        if isinstance(self.optimizer, str):
            return OPTIMIZERS[self.optimizer](float(self.learning_rate))
        return _optimizers.from_config({**self.optimizer.config(), "t": 0})

    def _seed(self):
        """random_state as the Network's seed: an int is used as it is; None or a
        RandomState gives a drawn seed."""
        try:
            random_state = check_random_state(self.random_state)
        except ValueError:
            raise ValueError(
                f"random_state must be None, an integer in [0, 2**32 - 1] or a "
                f"numpy RandomState, got {self.random_state!r}"
            ) from None
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(random_state.randint(np.iinfo(np.int32).max))

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(int(self.batch_size), n_samples)

    # ------------------------------------------------------------------ training

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Train a new network on (X, y) for at most `epochs` epochs.

        Training stops early when the training cost (or, with early_stopping=True, the
        cost on the held-out validation_fraction) has not improved by more than `tol`
        for `n_iter_no_change` epochs. With early_stopping=True the network keeps the
        parameters of the epoch with the lowest validation cost, else those of the last
        epoch trained. tol=None trains for exactly `epochs` epochs (unless
        early_stopping).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs, finite, converted to the network's dtype (see `dtype`).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets: class labels or a 0/1 indicator matrix (classifier), numbers
            (regressor).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the examples in the cost, not all zero.

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        ValueError, TypeError
            If a parameter is not valid (the message names it), or X, y or
            `sample_weight` are not (scikit-learn's checks).

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            When the stopping rule is on and the watched cost was still improving
            after all `epochs`.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        requested = self._input_dtype()
        check_columns(X, "X")  # names the column of a missing value
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            dtype=requested,
            y_numeric=not self._is_classifier,
            accept_sparse=SPARSE_FORMATS,
        )
        settings = self._check_parameters(X.dtype)
        Y, labels = self._targets(y, settings.dtype, reset=True)
        sample_weight = self._sample_weight(sample_weight, X, labels)
        class_weight = self._class_weight(labels, partial=False)
        seed = self._seed()
        net = self._new_network(X.shape[1], self.n_outputs_, settings, seed)

        validation = None
        if settings.early_stopping:
            train, val = train_test_split(
                np.arange(X.shape[0]),
                test_size=settings.validation_fraction,
                random_state=seed,
                stratify=labels,
            )
            validation = (X[val], Y[val], _weights_of(val, sample_weight, class_weight, labels))
            X, Y = X[train], Y[train]
            sample_weight = None if sample_weight is None else sample_weight[train]
        stops = settings.early_stopping or settings.tol is not None
        history = self._fit_network(
            net,
            X,
            Y,
            epochs=settings.epochs,
            batch_size=self._batch_size(X.shape[0]),
            optimizer=self._new_optimizer(),
            early_stopping=stops,
            patience=settings.n_iter_no_change,
            min_delta=settings.tol or 0.0,
            monitor="val_cost" if settings.early_stopping else "cost",
            restore_best=settings.early_stopping,  # the training cost's rule keeps the last
            validation_data=validation,
            sample_weight=sample_weight,
            class_weight=class_weight,
            shuffle=settings.shuffle,
            **self._fit_options(settings),
        )
        if stops and history.stopped_epoch is None:
            watched = "validation cost" if settings.early_stopping else "training cost"
            warnings.warn(
                f"{type(self).__name__} trained for all epochs={settings.epochs} "
                f"while the {watched} was still improving by more than "
                f"tol={settings.tol or 0.0}; more epochs may fit better",
                ConvergenceWarning,
                stacklevel=3,  # the caller of fit
            )
        self._check_average(net)
        self.network_ = net
        self.history_ = history
        self.loss_curve_ = list(history.cost)
        self.n_iter_ = history.epochs
        return self

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch over (X, y), continuing the network and the optimizer's state. The
        stopping rules (tol, early_stopping) are fit's; partial_fit always trains."""
        first = not hasattr(self, "network_")
        requested = self._input_dtype()
        check_columns(X, "X")  # names the column of a missing value
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            dtype=requested if first else self.network_.dtype,
            reset=first,
            y_numeric=not self._is_classifier,
            accept_sparse=SPARSE_FORMATS,
        )
        settings = self._check_parameters(X.dtype)
        Y, labels = self._targets(y, X.dtype, reset=first, partial=True, classes=classes)
        sample_weight = self._sample_weight(sample_weight, X, labels, partial=True)
        class_weight = self._class_weight(labels, partial=True)
        if first:
            net = self._new_network(X.shape[1], self.n_outputs_, settings, self._seed())
            optimizer = self._new_optimizer()
            self.loss_curve_, self.n_iter_ = [], 0
        else:
            net = self.network_
            optimizer = net.optimizer
        history = self._fit_network(
            net,
            X,
            Y,
            partial=True,
            batch_size=self._batch_size(X.shape[0]),
            optimizer=optimizer,
            sample_weight=sample_weight,
            class_weight=class_weight,
            shuffle=settings.shuffle,
            **self._fit_options(settings),
        )
        self._check_average(net)
        self.network_ = net
        self.history_ = history
        self.loss_curve_ = self.loss_curve_ + list(history.cost)
        self.n_iter_ += history.epochs
        return self

    def _fit_options(self, settings):
        """Network.fit's options that fit and partial_fit pass alike; those of the
        parameters not checked here go as they are (Network.fit checks them by name)."""
        return {
            "l2": settings.l2,
            "dropout": settings.dropout,
            "input_dropout": settings.input_dropout,
            "clip_norm": self.clip_norm,
            "clip_value": self.clip_value,
            "ema_decay": self.ema_decay,
            "swa_start": self.swa_start,
            "lr_schedule": self.lr_schedule,
            "callbacks": self.callbacks,
            "batch_callback_every": self.batch_callback_every,
            "seed": None,
            "verbose": settings.verbose,
        }

    def _check_average(self, net):
        """Warn when the average that use_average asks for was not made (training ended
        before swa_start): the trained parameters then predict."""
        if (
            self.use_average is not None
            and getattr(net.internals.averages, self.use_average) is None
        ):
            warnings.warn(
                f"{type(self).__name__} trained for fewer epochs than "
                f"swa_start={self.swa_start}: it predicts with the trained parameters, "
                f"not use_average='swa'",
                UserWarning,
                stacklevel=4,  # the caller of fit
            )

    def _predictor(self):
        """The network that predicts: `network_`, or its averaged copy (use_average)."""
        net = self.network_
        if self.use_average is None or getattr(net.internals.averages, self.use_average) is None:
            return net
        return net.averaged(self.use_average)

    def _fit_network(self, net, X, Y, partial=False, **options):
        """net.fit (or, `partial`, net.partial_fit: one epoch, which the schedule and the
        callbacks count on from the last) on X as validate_data made it, an array
        without names; the network then keeps the names validate_data recorded and
        checked (feature_names_in_), which its saved file carries."""
        net.feature_names = None
        try:
            return (net.partial_fit if partial else net.fit)(X, Y, **options)
        finally:
            net.feature_names = getattr(self, "feature_names_in_", None)

    def _new_network(self, n_features, n_outputs, settings, seed):
        output, cost = self._output_layer(n_outputs)
        return Network(
            [n_features, *settings.hidden, n_outputs],
            [*settings.hidden_activations, output],
            cost,
            dtype=settings.dtype,
            init=INIT,
            seed=seed,
        )

    def _sample_weight(self, sample_weight, X, labels, partial=False):
        if sample_weight is None:
            return None
        # float64, scaled by the network's rule: the network's dtype may not hold them
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        return as_sample_weight(sample_weight, X.shape[0], np.float64)

    def _class_weight(self, labels, partial):
        return None

    def _checked(self, X):
        """X checked as the fitted network takes it: columns, names, width, dtype (a
        sparse X stays sparse)."""
        check_is_fitted(self, "network_")
        check_columns(X, "X")
        return validate_data(
            self, X, reset=False, dtype=self.network_.dtype, accept_sparse=SPARSE_FORMATS
        )

    def _outputs(self, X):
        """The network's output activations a^L for X, after checking X."""
        checked = self._checked(X)  # names too: before network_ is read, if fitted at all
        return self._predictor().internals.predict(checked)


class FCNNClassifier(ClassifierMixin, _FCNNBase):
    """A fully-connected neural network classifier (an fcnn.Network) for scikit-learn.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Widths of the hidden layers; () is a network without hidden layers.
    activation : str or fcnn Activation, or one per hidden layer, default="relu"
        "linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp", "gelu",
        "gelu_tanh", "elu", "selu", "softplus", "mish" or "prelu".
    output_activation : {"softmax", "sigmoid"} or None, default=None
        None: softmax for multi-class targets, one sigmoid unit for binary targets and
        one sigmoid per label for multi-label targets. "softmax" on binary targets gives
        two softmax units; "sigmoid" on multi-class targets gives one sigmoid per class,
        whose outputs predict_proba normalises to sum to 1.
    cost : str or None, default=None
        None: "log_likelihood" with softmax, "cross_entropy" with sigmoid outputs (the
        output error is then a - y); or any fcnn cost name.
    optimizer : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "rprop"} or Optimizer, default="adam"
        A name uses `learning_rate`; an optimizer instance brings its own, and each fit
        trains with a fresh copy of its configuration, leaving the instance unchanged.
    learning_rate : float, default=0.001
        For a named optimizer, > 0 and at least the smallest normal number of the
        network's dtype (as l2 and dropout, unless 0: a training epoch treats smaller
        ones as 0).
    batch_size : int or "auto", default=32
        Examples per mini-batch; "auto" is min(200, n_samples).
    epochs : int, default=200
        The most passes over the training data that fit makes (scikit-learn's max_iter).
    l2 : float, default=0.0
        L2 penalty in the notes' form, >= 0: the cost gains l2/(2n) sum w^2 over the
        weights (not the biases), n the training-set size, the same in every
        mini-batch. It is not scikit-learn's alpha, which adds alpha/(2m) sum w^2 to
        each mini-batch of m rows: alpha = l2 * m / n gives the same penalty per step
        (fcnn.sklearn's MLPClassifier and MLPRegressor take alpha).
    dropout : float or sequence of float, default=0.0
        Probability of dropping a hidden unit during training, in [0, 1): one for
        every hidden layer (> 0 needs one), or one per hidden layer.
    input_dropout : float, default=0.0
        Probability of dropping an input feature during training, in [0, 1).
    clip_norm : float or None, default=None
        Clip each mini-batch's gradient to this global 2-norm, > 0 (as
        ``torch.nn.utils.clip_grad_norm_``); None does not.
    clip_value : float or None, default=None
        Clip each component of each mini-batch's gradient to [-clip_value,
        clip_value], > 0; None does not.
    lr_schedule : str, fcnn Schedule or None, default=None
        The learning rate's schedule, as `fcnn.Network.fit` takes it: each fit starts
        it again; partial_fit's epochs go on with it.
    early_stopping : bool, default=False
        Hold out `validation_fraction` of the training data (stratified by class) and
        stop when its cost (weighted by sample_weight and class_weight, as the training
        cost) has not improved by more than `tol` for `n_iter_no_change` epochs; the
        parameters kept are those of the epoch with the lowest validation cost. When
        False, the training cost is watched the same way (unless tol is None) and the
        last epoch's parameters are kept.
    validation_fraction : float, default=0.1
        The fraction of the training data held out with early_stopping, in (0, 1).
    n_iter_no_change : int, default=10
        The patience of the stopping rule: epochs since the last improvement by more
        than `tol`.
    tol : float or None, default=1e-4
        The improvement that resets the patience; None turns the stopping rule on the
        training cost off (fit then runs all `epochs`).
    shuffle : bool, default=True
        Visit the examples in a fresh random order each epoch. (The order of an epoch
        shuffles the previous epoch's order within one fit, so with shuffling two
        partial_fit calls see other orders than one fit of two epochs.)
    random_state : int, RandomState or None, default=None
        An int is the Network's seed, which fixes its initial parameters, the order of
        the examples in each epoch and the validation split: the same int gives the same
        model. None or a RandomState draws a seed.
    dtype : {"float64", "float32"} or None, default=None
        Of the network, its computations, predict_proba and predict_log_proba. None is
        X's own when X is float32 or float64 (float32 stays float32, as in
        scikit-learn's MLP), else float64.
    verbose : bool, default=False
        A progress bar per epoch.
    ema_decay : float or None, default=None
        Keep an exponential moving average of the parameters, updated after each
        mini-batch with this decay, in (0, 1); None keeps none.
    swa_start : int or None, default=None
        Keep the equal average of the parameters at the end of each epoch from this
        1-based epoch on (SWA), >= 1; None keeps none.
    use_average : {"ema", "swa"} or None, default=None
        Predict with that average of the parameters (which needs `ema_decay` or
        `swa_start`) instead of the trained parameters, which ``network_`` keeps:
        ``network_.averaged(use_average)`` is the network that predicts. If training
        ends before `swa_start`, fit warns and the trained parameters predict.
    callbacks : list of callbacks or None, default=None
        As `fcnn.Network.fit` takes them (see fcnn.callbacks), called with
        ``network_`` by fit and partial_fit; a clone gets copies.
    batch_callback_every : int or None, default=None
        Also call the callbacks' ``on_batch_end`` after every that many mini-batches, as
        `fcnn.Network.fit` does.
    class_weight : dict, "balanced" or None, default=None
        Weights per class label, multiplied into sample_weight ("balanced":
        n_samples / (n_classes * count of the class)). Not for multi-label targets.

    Attributes
    ----------
    classes_ : ndarray
        The class labels (for multi-label targets: 0 .. n_labels - 1).
    n_outputs_ : int
        Output units of the network.
    network_ : fcnn.Network
        The trained network.
    history_ : fcnn.History
        What the last fit or partial_fit recorded, epoch by epoch.
    loss_curve_ : list of float
        The training cost of each epoch, over fit and the partial_fit calls after it:
        the mean of the examples' costs, each taken just before the update that used
        it, without the l2 term (scikit-learn's ``loss_curve_`` includes its alpha term).
    n_iter_ : int
        Epochs trained.
    n_features_in_ : int
        The number of features seen by fit.
    feature_names_in_ : ndarray of str of shape (`n_features_in_`,)
        The features' names, only when X has string column names.

    See Also
    --------
    FCNNRegressor : The regressor.
    fcnn.Network : The network trained; ``network_`` is one.
    sklearn.neural_network.MLPClassifier : Scikit-learn's own.

    Notes
    -----
    Targets: class labels of any type (strings too), or a 2-D 0/1 indicator matrix for
    multi-label problems, where predict returns an int indicator matrix (a label is on
    where its probability exceeds 0.5).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from fcnn.sklearn import FCNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FCNNClassifier((16,), epochs=50, tol=None, random_state=0).fit(X, y)
    >>> clf.classes_, clf.n_iter_
    (array([0, 1, 2]), 50)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> clf.network_.sizes
    (4, 16, 3)
    """

    _is_classifier = True

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        output_activation: Literal["softmax", "sigmoid"] | Activation | None = None,
        cost: str | None = None,
        optimizer: str | _optimizers.Optimizer = "adam",
        learning_rate: float = 0.001,
        batch_size: int | Literal["auto"] = 32,
        epochs: int = 200,
        l2: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
        input_dropout: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        lr_schedule: str | Schedule | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float | None = 1e-4,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        dtype: Literal["float64", "float32"] | type[np.float64] | type[np.float32] | None = None,
        verbose: bool = False,
        ema_decay: float | None = None,
        swa_start: int | None = None,
        use_average: Literal["ema", "swa"] | None = None,
        callbacks: Sequence[Any] | None = None,
        batch_callback_every: int | None = None,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.cost = cost
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.ema_decay = ema_decay
        self.swa_start = swa_start
        self.use_average = use_average
        self.callbacks = callbacks
        self.batch_callback_every = batch_callback_every
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
        """Train one epoch on (X, y), continuing from the last fit or partial_fit.

        The network and its optimizer's state (Adam's moments and step count) carry on;
        tol and early_stopping do not apply. The first call builds the network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multi-label targets.
        classes : array-like of shape (n_classes,), optional
            Every class label that y may hold (for multi-label targets, one entry per
            indicator column); needed on the first call, optional after it.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the examples in the cost, not all zero.

        Returns
        -------
        self
            The estimator, trained one more epoch.

        Raises
        ------
        ValueError
            If `classes` is missing on the first call or differs from the first call's,
            y holds labels not among them, y changes between single- and multi-label,
            class_weight is "balanced" (partial_fit cannot see all the data), or a
            parameter, X or y is not valid.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from fcnn.sklearn import FCNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = FCNNClassifier((16,), random_state=0)
        >>> for _ in range(3):
        ...     clf = clf.partial_fit(X, y, classes=[0, 1, 2])
        >>> clf.n_iter_, len(clf.loss_curve_)
        (3, 3)
        """
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _targets(self, y, dtype, *, reset, partial=False, classes=None):
        """(Y for the network: (n, n_outputs) targets in dtype or, for more than two
        classes, the labels; the encoded labels 0..k-1 or None for multi-label) from y;
        sets classes_ and n_outputs_ when reset."""
        multi_label = y.ndim == 2 and y.shape[1] > 1
        if multi_label:
            kind = type_of_target(y)
            if kind != "multilabel-indicator":
                raise ValueError(
                    f"a 2-D y must be a 0/1 indicator matrix (multi-label), got "
                    f"targets of type {kind!r}; multi-class multi-output "
                    f"targets are not supported"
                )
        else:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if reset:
            if partial and classes is None:
                raise ValueError(
                    "classes must be given on the first call to partial_fit: "
                    "every class label that y may hold"
                )
            self._set_classes(y, multi_label, classes)
        elif (
            classes is not None
            and not self._multi_label
            and not np.array_equal(unique_labels(classes), self.classes_)
        ):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to "
                f"partial_fit, which gave {self.classes_!r}"
            )
        if multi_label != self._multi_label:
            raise ValueError(
                f"this classifier was trained on "
                f"{'multi-label' if self._multi_label else 'single-label'} "
                f"targets; y is {'multi-label' if multi_label else 'single-label'}"
            )
        if multi_label:
            if y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {y.shape[1]} label columns, the classifier was "
                    f"trained on {self.n_outputs_}"
                )
            return np.ascontiguousarray(y, dtype=dtype), None
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds labels that are not among the classes "
                f"{self.classes_!r}: {np.unique(y[unknown])!r}"
            )
        labels = np.searchsorted(self.classes_, y)
        if self.n_outputs_ == 1:
            return labels.astype(dtype).reshape(-1, 1), labels
        return labels, labels  # the network makes the one-hot rows a batch at a time

    def _set_classes(self, y, multi_label, classes):
        if multi_label:
            n_labels = y.shape[1]
            if classes is not None and len(classes) != n_labels:
                raise ValueError(
                    f"classes has {len(classes)} entries, but the indicator "
                    f"matrix y has {n_labels} label columns"
                )
            self.classes_ = np.arange(n_labels)
        else:
            self.classes_ = unique_labels(y if classes is None else classes)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, "
                    f"but the data contain only one class: {self.classes_[0]!r}"
                )
        self._multi_label = multi_label
        output = (
            None
            if self.output_activation is None
            else _activations.get(self.output_activation).name
        )
        binary_sigmoid = len(self.classes_) == 2 and not multi_label and output in (None, "sigmoid")
        self.n_outputs_ = 1 if binary_sigmoid else len(self.classes_)

    def _output_layer(self, n_outputs):
        output = self.output_activation
        if output is None:
            output = "sigmoid" if self._multi_label or n_outputs == 1 else "softmax"
        name = _activations.get(output).name
        if name not in ("sigmoid", "softmax"):
            raise ValueError(
                f"output_activation must be 'softmax' or 'sigmoid' (outputs that "
                f"are probabilities), got {self.output_activation!r}"
            )
        if name == "softmax" and self._multi_label:
            raise ValueError(
                "output_activation='softmax' makes the labels exclude each "
                "other; multi-label targets need 'sigmoid' (or None)"
            )
        cost = self.cost
        if cost is None:
            cost = "log_likelihood" if name == "softmax" else "cross_entropy"
        return output, cost

    def _sample_weight(self, sample_weight, X, labels, partial=False):
        sample_weight = super()._sample_weight(sample_weight, X, labels)
        if sample_weight is not None and labels is not None and not partial:
            weighted = np.unique(labels[sample_weight > 0])
            if weighted.size < 2:
                raise ValueError(
                    f"only one class, {self.classes_[weighted[0]]!r}, has samples "
                    f"with non-zero sample_weight; {type(self).__name__} needs "
                    f"at least 2 classes"
                )
        return sample_weight

    def _class_weight(self, labels, partial):
        """class_weight as the Network's {encoded label: weight}, or None."""
        if self.class_weight is None:
            return None
        if labels is None:
            raise ValueError(
                "class_weight is for single-label targets; for multi-label "
                "targets give sample_weight"
            )
        if isinstance(self.class_weight, str):
            if self.class_weight != "balanced":
                raise ValueError(
                    f"class_weight must be a dict {{label: weight}}, 'balanced' "
                    f"or None, got {self.class_weight!r}"
                )
            if partial:
                raise ValueError(
                    "class_weight='balanced' needs the class frequencies of all "
                    "the data, which partial_fit does not see: pass "
                    "compute_class_weight('balanced', classes=classes, y=y) as "
                    "a dict instead"
                )
        elif not isinstance(self.class_weight, dict):
            raise TypeError(
                f"class_weight must be a dict {{label: weight}}, 'balanced' or "
                f"None, got {type(self.class_weight).__name__}"
            )
        per_class = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[labels]
        )
        return {index: float(weight) for index, weight in enumerate(per_class)}

    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """Class probabilities of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), of the network's dtype
            Each class's probability, in the order of ``classes_``; rows sum to 1. For
            multi-label targets each label's own probability (rows need not sum to 1).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier has not been fitted.
        ValueError
            If X is not valid or has another number of features than in fit.
        """
        return self._probabilities(self._outputs(X))

    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """The natural logarithm of each class's probability, ``log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), of the network's dtype
            The log-probabilities, in the order of ``classes_`` (-inf where a
            probability is 0).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier has not been fitted.
        ValueError
            If X is not valid or has another number of features than in fit.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from fcnn.sklearn import FCNNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = FCNNClassifier((8,), epochs=20, tol=None, random_state=0).fit(X, y)
        >>> log_proba = clf.predict_log_proba(X[:2])
        >>> log_proba.shape
        (2, 3)
        >>> bool(np.allclose(np.exp(log_proba).sum(axis=1), 1))
        True
        """
        probabilities = self.predict_proba(X)
        return np.log(probabilities, out=probabilities)

    def _probabilities(self, out):
        if self._multi_label:
            return out
        if out.shape[1] == 1:
            return np.hstack([1 - out, out])
        if self.network_.activations[-1].name == "sigmoid":  # one-vs-rest sigmoids
            totals = out.sum(axis=1, keepdims=True)
            return np.divide(out, totals, out=np.full_like(out, 1 / out.shape[1]), where=totals > 0)
        return out

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            A class label from ``classes_`` per sample; for multi-label targets the int
            indicator matrix of the labels whose probability exceeds 0.5.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier has not been fitted.
        ValueError
            If X is not valid or has another number of features than in fit.
        """
        check_is_fitted(self, "network_")
        if self._multi_label:
            return (self.predict_proba(X) > 0.5).astype(int)
        checked = self._checked(X)
        predictor = self._predictor()
        classes = np.empty(checked.shape[0], dtype=self.classes_.dtype)
        for start in range(0, checked.shape[0], PREDICT_ROWS):  # a block's probabilities
            rows = slice(start, start + PREDICT_ROWS)
            outputs = predictor.internals.predict(checked[rows])  # names checked
            classes[rows] = self.classes_[np.argmax(self._probabilities(outputs), axis=1)]
        return classes


class FCNNRegressor(RegressorMixin, _FCNNBase):
    """A fully-connected neural network regressor (an fcnn.Network) for scikit-learn.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Widths of the hidden layers; () is a network without hidden layers.
    activation : str or fcnn Activation, or one per hidden layer, default="relu"
        "linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "exp", "gelu",
        "gelu_tanh", "elu", "selu", "softplus", "mish" or "prelu".
    output_activation : str, fcnn Activation or None, default=None
        None is "linear"; any fcnn activation allowed at the output (e.g. "sigmoid" for
        targets in (0, 1)).
    cost : str or None, default=None
        None is "quadratic", 1/2 sum_j (a_j - y_j)^2 per example; or any fcnn cost name.
    optimizer : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "rprop"} or Optimizer, default="adam"
        A name uses `learning_rate`; an optimizer instance brings its own, and each fit
        trains with a fresh copy of its configuration, leaving the instance unchanged.
    learning_rate : float, default=0.001
        For a named optimizer, > 0 and at least the smallest normal number of the
        network's dtype (as l2 and dropout, unless 0: a training epoch treats smaller
        ones as 0).
    batch_size : int or "auto", default=32
        Examples per mini-batch; "auto" is min(200, n_samples).
    epochs : int, default=200
        The most passes over the training data that fit makes (scikit-learn's max_iter).
    l2 : float, default=0.0
        L2 penalty in the notes' form, >= 0: the cost gains l2/(2n) sum w^2 over the
        weights (not the biases), n the training-set size, the same in every
        mini-batch. It is not scikit-learn's alpha, which adds alpha/(2m) sum w^2 to
        each mini-batch of m rows: alpha = l2 * m / n gives the same penalty per step
        (fcnn.sklearn's MLPClassifier and MLPRegressor take alpha).
    dropout : float or sequence of float, default=0.0
        Probability of dropping a hidden unit during training, in [0, 1): one for
        every hidden layer (> 0 needs one), or one per hidden layer.
    input_dropout : float, default=0.0
        Probability of dropping an input feature during training, in [0, 1).
    clip_norm : float or None, default=None
        Clip each mini-batch's gradient to this global 2-norm, > 0 (as
        ``torch.nn.utils.clip_grad_norm_``); None does not.
    clip_value : float or None, default=None
        Clip each component of each mini-batch's gradient to [-clip_value,
        clip_value], > 0; None does not.
    lr_schedule : str, fcnn Schedule or None, default=None
        The learning rate's schedule, as `fcnn.Network.fit` takes it: each fit starts
        it again; partial_fit's epochs go on with it.
    early_stopping : bool, default=False
        Hold out `validation_fraction` of the training data and stop when its cost
        (weighted by sample_weight, as the training cost) has not improved by more than
        `tol` for `n_iter_no_change` epochs; the parameters kept are those of the epoch
        with the lowest validation cost. When False, the training cost is watched the
        same way (unless tol is None) and the last epoch's parameters are kept.
    validation_fraction : float, default=0.1
        The fraction of the training data held out with early_stopping, in (0, 1).
    n_iter_no_change : int, default=10
        The patience of the stopping rule: epochs since the last improvement by more
        than `tol`.
    tol : float or None, default=1e-4
        The improvement that resets the patience; None turns the stopping rule on the
        training cost off (fit then runs all `epochs`).
    shuffle : bool, default=True
        Visit the examples in a fresh random order each epoch.
    random_state : int, RandomState or None, default=None
        An int is the Network's seed, which fixes its initial parameters, the order of
        the examples in each epoch and the validation split: the same int gives the same
        model. None or a RandomState draws a seed.
    dtype : {"float64", "float32"} or None, default=None
        Of the network, its computations and predict. None is X's own when X is
        float32 or float64 (float32 stays float32, as in scikit-learn's MLP), else
        float64.
    verbose : bool, default=False
        A progress bar per epoch.
    ema_decay : float or None, default=None
        Keep an exponential moving average of the parameters, updated after each
        mini-batch with this decay, in (0, 1); None keeps none.
    swa_start : int or None, default=None
        Keep the equal average of the parameters at the end of each epoch from this
        1-based epoch on (SWA), >= 1; None keeps none.
    use_average : {"ema", "swa"} or None, default=None
        Predict with that average of the parameters (which needs `ema_decay` or
        `swa_start`) instead of the trained parameters, which ``network_`` keeps:
        ``network_.averaged(use_average)`` is the network that predicts. If training
        ends before `swa_start`, fit warns and the trained parameters predict.
    callbacks : list of callbacks or None, default=None
        As `fcnn.Network.fit` takes them (see fcnn.callbacks), called with
        ``network_`` by fit and partial_fit; a clone gets copies.
    batch_callback_every : int or None, default=None
        Also call the callbacks' ``on_batch_end`` after every that many mini-batches, as
        `fcnn.Network.fit` does.

    Attributes
    ----------
    n_outputs_ : int
        Output units of the network: the number of targets.
    network_ : fcnn.Network
        The trained network.
    history_ : fcnn.History
        What the last fit or partial_fit recorded, epoch by epoch.
    loss_curve_ : list of float
        The training cost of each epoch, over fit and the partial_fit calls after it:
        the mean of the examples' costs, each taken just before the update that used
        it, without the l2 term (scikit-learn's ``loss_curve_`` includes its alpha term).
    n_iter_ : int
        Epochs trained.
    n_features_in_ : int
        The number of features seen by fit.
    feature_names_in_ : ndarray of str of shape (`n_features_in_`,)
        The features' names, only when X has string column names.

    See Also
    --------
    FCNNClassifier : The classifier.
    fcnn.Network : The network trained; ``network_`` is one.
    sklearn.neural_network.MLPRegressor : Scikit-learn's own.

    Notes
    -----
    y may be 1-D (predict then returns 1-D) or 2-D with one column per output
    (multi-output regression; predict returns (n_samples, n_outputs)). The targets are
    not rescaled: standardise them (e.g. with TransformedTargetRegressor) when they are
    far from unit scale.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.sklearn import FCNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> reg = FCNNRegressor((16,), learning_rate=0.01, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.score(X, y) > 0.99
    True
    """

    _is_classifier = False

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        output_activation: str | Activation | None = None,
        cost: str | None = None,
        optimizer: str | _optimizers.Optimizer = "adam",
        learning_rate: float = 0.001,
        batch_size: int | Literal["auto"] = 32,
        epochs: int = 200,
        l2: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
        input_dropout: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        lr_schedule: str | Schedule | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float | None = 1e-4,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        dtype: Literal["float64", "float32"] | type[np.float64] | type[np.float32] | None = None,
        verbose: bool = False,
        ema_decay: float | None = None,
        swa_start: int | None = None,
        use_average: Literal["ema", "swa"] | None = None,
        callbacks: Sequence[Any] | None = None,
        batch_callback_every: int | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.cost = cost
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.ema_decay = ema_decay
        self.swa_start = swa_start
        self.use_average = use_average
        self.callbacks = callbacks
        self.batch_callback_every = batch_callback_every

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Train one epoch on (X, y), continuing from the last fit or partial_fit.

        The network and its optimizer's state carry on (the first call builds the
        network); tol and early_stopping do not apply.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the examples in the cost, not all zero.

        Returns
        -------
        self
            The estimator, trained one more epoch.

        Raises
        ------
        ValueError
            If y has another number of outputs than on the first call, or a parameter,
            X or y is not valid.
        """
        return self._partial_fit(X, y, sample_weight)

    def _targets(self, y, dtype, *, reset, partial=False, classes=None):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = np.ascontiguousarray(y.reshape(y.shape[0], -1), dtype=dtype)
        if reset:
            self.n_outputs_ = Y.shape[1]
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, the regressor was trained on {self.n_outputs_}"
            )
        return Y, None

    def _output_layer(self, n_outputs):
        output = "linear" if self.output_activation is None else self.output_activation
        return output, "quadratic" if self.cost is None else self.cost

    def predict(self, X: ArrayLike) -> NDArray[np.floating]:
        """Predicted targets, the network's outputs a^L.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs), of the network's dtype
            (n_samples,) when fit saw one output, else (n_samples, n_outputs).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the regressor has not been fitted.
        ValueError
            If X is not valid or has another number of features than in fit.
        """
        out = self._outputs(X)
        return out[:, 0] if self.n_outputs_ == 1 else out


def _weights_of(rows, sample_weight, class_weight, labels):
    """The weights of `rows` as fit trains with them (sample_weight times the class weight
    of each row's label), or None when there are neither."""
    weights = None if sample_weight is None else sample_weight[rows]
    if class_weight is not None:
        per_class = np.array([class_weight[label] for label in range(len(class_weight))])
        by_class = per_class[labels[rows]]
        weights = by_class if weights is None else weights * by_class
    if weights is not None and not weights.any():
        raise ValueError(
            "the rows held out for early_stopping (validation_fraction) all have weight 0, "
            "so their cost is not defined: give more of them weight, or a larger "
            "validation_fraction"
        )
    return weights


def _resolve(getter, value, name):
    """getter(value), with the parameter's name in the error."""
    try:
        return getter(value)
    except (ValueError, TypeError) as error:
        raise type(error)(f"{name}={value!r} is not valid: {error}") from None
