"""Every public entry point rejects bad input with a ValueError or TypeError that names
the argument, before anything reaches the compiled core; accepted inputs of any layout
give exactly what a contiguous float copy gives.

`core` below stands in for the compiled core (fcnn._compiled.core, which every module
of fcnn reads) and records every call of the core's entry points (and every Layout,
Workspace and UpdateSettings made), so a test can show that a rejected call never got there.
"""

import datetime

import numpy as np
import pytest

import fcnn
from fcnn.schedules import Exponential, InverseScaling, ReduceOnPlateau, Schedule, StepDecay

threadpoolctl = pytest.importorskip("threadpoolctl")

ENTRY_POINTS = {
    "Layout",
    "Workspace",
    "UpdateSettings",
    "forward",
    "predict",
    "evaluate",
    "gradients",
    "train_epoch",
}


class Recorded:
    """A core function or class that logs its name, then does what it did."""

    def __init__(self, name, target, calls):
        self.name, self.target, self.calls = name, target, calls

    def __call__(self, *args, **kwargs):
        self.calls.append(self.name)
        return self.target(*args, **kwargs)

    def __getitem__(self, key):  # a fused function's specialisation, e.g. predict["double"]
        return Recorded(f"{self.name}[{key}]", self.target[key], self.calls)


class RecordingCore:
    def __init__(self, real):
        self._real = real
        self.calls = []

    def __getattr__(self, name):
        value = getattr(self._real, name)
        return Recorded(name, value, self.calls) if name in ENTRY_POINTS else value


@pytest.fixture
def core(monkeypatch):
    """The recording core; networks made after this fixture use it (predict included)."""
    recording = RecordingCore(fcnn._compiled.core)
    monkeypatch.setattr(fcnn._compiled, "core", recording)
    return recording


def made(core, *args, **kwargs):
    """A network made through the recording core, with the record cleared."""
    net = fcnn.Network(*args, **kwargs)
    core.calls.clear()
    return net


def test_the_recording_core_sees_every_entry_point(core):
    net = fcnn.Network([4, 5, 3], seed=0)
    assert core.calls == ["Layout"]
    X, y = np.zeros((6, 4)), np.arange(6) % 3
    net.predict(X)  # the latency path: SmallPredictor, made once per thread
    net.predict(np.zeros((65, 4)))  # more rows than that path takes: predict
    net.trace(X)
    net.evaluate(X, y)
    net.gradients(X, y)
    net.step(X, y, 0.1)
    net.fit(X, y, epochs=1)
    seen = set(core.calls)
    assert {
        "predict[double]",
        "forward",
        "evaluate",
        "gradients",
        "train_epoch",
        "Workspace",
        "UpdateSettings",
    } <= seen


# ---------------------------------------------------------------- Network(...)

LISTED_ACTIVATIONS = (
    r"expected one of \['elu', 'exp', 'gelu', 'gelu_tanh', 'leaky_relu', 'linear', 'mish', "
    r"'prelu', 'relu', 'selu', 'sigmoid', 'softmax', 'softplus', 'swish', 'tanh'\]"
)
LISTED_COSTS = (
    r"expected one of \['absolute_error', 'cross_entropy', 'hinge', 'huber', "
    r"'log_likelihood', 'log_poisson', 'pinball', 'poisson', 'quadratic', 'squared_error'\]"
)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(sizes=None), TypeError, "sizes must be a list of layer widths"),
        (dict(sizes="784"), TypeError, "sizes must be a list of layer widths"),
        (dict(sizes=[]), ValueError, "sizes needs at least an input and an output layer"),
        (dict(sizes=[784]), ValueError, "sizes needs at least an input and an output layer"),
        (dict(sizes=[4, 0]), ValueError, r"sizes\[1\] must be an integer >= 1, got 0"),
        (dict(sizes=[4, -3]), ValueError, r"sizes\[1\] must be an integer >= 1, got -3"),
        (dict(sizes=[4, 2.5]), TypeError, r"sizes\[1\] must be an integer >= 1, got float 2.5"),
        (dict(sizes=[4, 3.0]), TypeError, r"sizes\[1\] must be an integer >= 1, got float 3.0"),
        (dict(sizes=[True, 3]), TypeError, r"sizes\[0\] must be an integer >= 1, got bool True"),
        (dict(sizes=[4, "3"]), TypeError, r"sizes\[1\] must be an integer >= 1, got str '3'"),
        (dict(sizes=[4, None]), TypeError, r"sizes\[1\] must be an integer >= 1, got NoneType"),
        (dict(sizes=[4, 2**31]), ValueError, r"sizes\[1\] must be <= 2147483647"),
        (
            dict(sizes=[4, 3], activations="sigmoidd"),
            ValueError,
            "unknown activation 'sigmoidd'; " + LISTED_ACTIVATIONS,
        ),
        (
            dict(sizes=[4, 3], activations=None),
            TypeError,
            "activation must be a name or an fcnn.activations.Activation, got NoneType",
        ),
        (dict(sizes=[4, 3], activations=3), TypeError, "activation must be a name .* got int"),
        (
            dict(sizes=[4, 3], activations=fcnn.activations.ReLU),
            TypeError,
            "activation must be a name .* got type",
        ),
        (
            dict(sizes=[4, 3, 2], activations=["relu"]),
            ValueError,
            "activations must be one name or a list of 2 .* got a list of 1",
        ),
        (
            dict(sizes=[4, 3, 2], activations=["softmax", "sigmoid"]),
            ValueError,
            "softmax is for the output layer only, found at hidden layer 1",
        ),
        (
            dict(sizes=[4, 3, 3, 2], activations=["relu", "softmax", "softmax"]),
            ValueError,
            "softmax is for the output layer only, found at hidden layer 2",
        ),
        (
            dict(sizes=[4, 3], activations="prelu"),
            ValueError,
            "prelu is for hidden layers only, found at the output layer",
        ),
        (dict(sizes=[4, 3], cost="mse"), ValueError, "unknown cost 'mse'; " + LISTED_COSTS),
        (dict(sizes=[4, 3], cost=None), TypeError, "cost must be a name or an fcnn.costs.Cost"),
        (
            dict(sizes=[4, 3], activations="relu", cost="cross_entropy"),
            ValueError,
            "output activation must be 'sigmoid' or 'softmax', got 'relu'",
        ),
        (
            dict(sizes=[4, 3], activations="tanh", cost="log_likelihood"),
            ValueError,
            "output activation must be 'sigmoid' or 'softmax', got 'tanh'",
        ),
        (
            dict(sizes=[4, 3], activations="linear", cost="poisson"),
            ValueError,
            "output activation must be 'exp', 'softplus', 'sigmoid' or 'softmax', got 'linear'",
        ),
        (
            dict(sizes=[4, 3], activations="tanh", cost="hinge"),
            ValueError,
            "cost 'hinge' reads the output as a score on the whole real line, so the "
            "output activation must be 'linear', got 'tanh'",
        ),
        (
            dict(sizes=[4, 3], activations="exp", cost="log_poisson"),
            ValueError,
            "cost 'log_poisson' reads the output as a log-rate on the whole real line, so "
            "the output activation must be 'linear', got 'exp'",
        ),
        (
            dict(sizes=[4, 3], dtype="float16"),
            ValueError,
            "dtype must be 'float32' or 'float64', got float16",
        ),
        (
            dict(sizes=[4, 3], dtype="floot64"),
            TypeError,
            "dtype must be 'float32' or 'float64', got 'floot64'",
        ),
        (
            dict(sizes=[4, 3], dtype=None),
            TypeError,
            "dtype must be 'float32' or 'float64', got None",
        ),
        (
            dict(sizes=[4, 3], dtype=int),
            ValueError,
            "dtype must be 'float32' or 'float64', got int64",
        ),
        (dict(sizes=[4, 3], dtype=complex), ValueError, "got complex128"),
        (dict(sizes=[4, 3], seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
        (dict(sizes=[4, 3], seed=1.5), TypeError, "seed must be an integer >= 0, got float 1.5"),
        (dict(sizes=[4, 3], seed="0"), TypeError, "seed must be an integer >= 0, got str '0'"),
        (dict(sizes=[4, 3], seed=True), TypeError, "seed must be an integer >= 0, got bool True"),
        (
            dict(sizes=[4, 3], seed=np.random.RandomState(0)),
            TypeError,
            "seed must be an integer >= 0, got RandomState",
        ),
        (
            dict(sizes=[4, 3], init="glorot"),
            ValueError,
            r"unknown init 'glorot'; expected one of \['he_normal', 'he_uniform', 'normal', ",
        ),
        (dict(sizes=[4, 3], init=None), TypeError, "init must be the name of a scheme, one of"),
        (dict(sizes=[4, 3], init=["normal"]), TypeError, "init must be the name of a scheme"),
    ],
)
def test_network_constructor_rejects(core, kwargs, error, match):
    with pytest.raises(error, match=match):
        fcnn.Network(**kwargs)
    assert core.calls == []


def test_activation_and_cost_objects_check_their_parameters():
    with pytest.raises(ValueError, match="LeakyReLU slope must be a finite number, got nan"):
        fcnn.activations.LeakyReLU(slope=float("nan"))
    with pytest.raises(TypeError, match="PReLU initial must be a finite number"):
        fcnn.activations.PReLU(initial="0.25")
    with pytest.raises(TypeError, match="cost must be a name or an fcnn.costs.Cost, got int"):
        fcnn.costs.get(1)


# ---------------------------------------------------------------- X and Y

WITH_X = {
    "predict": lambda net, X, Y: net.predict(X),
    "trace": lambda net, X, Y: net.trace(X),
    "evaluate": lambda net, X, Y: net.evaluate(X, Y),
    "gradients": lambda net, X, Y: net.gradients(X, Y),
    "step": lambda net, X, Y: net.step(X, Y, 0.1),
    "fit": lambda net, X, Y: net.fit(X, Y, epochs=2, batch_size=2),
}
WITH_Y = {name: call for name, call in WITH_X.items() if name not in ("predict", "trace")}


def with_nan():
    X = np.ones((5, 4))
    X[1, 2] = np.nan
    return X


def with_inf(sign):
    X = np.ones((5, 4))
    X[3, 0] = sign * np.inf
    return X


BAD_X = [
    ("nan", with_nan(), ValueError, r"X must be finite, found nan at index \(1, 2\)"),
    ("+inf", with_inf(1), ValueError, r"X must be finite, found inf at index \(3, 0\)"),
    ("-inf", with_inf(-1), ValueError, r"X must be finite, found -inf at index \(3, 0\)"),
    ("no samples", np.zeros((0, 4)), ValueError, r"X has no samples \(shape \(0, 4\)\)"),
    ("no features", np.zeros((5, 0)), ValueError, "X has 0 features, but the network expects 4"),
    ("7 features", np.zeros((5, 7)), ValueError, "X has 7 features, but the network expects 4"),
    (
        "1-D of 7",
        np.zeros(7),
        ValueError,  # fit takes no single 1-D sample
        "X has 7 features, but the network expects 4|X must be 2-D, .* it is 1-D",
    ),
    (
        "3-D",
        np.zeros((5, 2, 4)),
        ValueError,
        r"X must be 2-D, one row per sample, but it is 3-D: .* got \(5, 2, 4\)",
    ),
    ("0-D", np.float64(1.0), ValueError, "X must be 2-D, one row per sample, but it is 0-D"),
    (
        "complex",
        np.ones((5, 4), complex),
        TypeError,
        "X must hold real numbers, got dtype complex128",
    ),
    ("object", np.ones((5, 4), object), TypeError, "X must hold real numbers, got dtype object"),
    ("strings", np.full((5, 4), "1"), TypeError, "X must hold real numbers, got dtype <U1"),
    (
        "datetime",
        np.full((5, 4), np.datetime64("2024-01-01")),
        TypeError,
        r"X must hold real numbers, got dtype datetime64\[D\]",
    ),
    ("timedelta", np.full((5, 4), np.timedelta64(1, "s")), TypeError, "got dtype timedelta64"),
    ("datetime objects", [[datetime.date(2024, 1, 1)] * 4] * 5, TypeError, "got dtype object"),
    ("None", None, TypeError, "X must be an array of numbers, got None"),
    ("ragged", [[1, 2, 3, 4], [1, 2]], TypeError, "X must be array-like numbers"),
]
# fit, predict, evaluate and gradients leave the scan for inf and NaN to the core, which
# makes it as it reads each batch (no extra pass over the data) and rejects before using a row.
SCANNED_BY_THE_CORE = {
    (entry, case)
    for entry in ("fit", "predict", "evaluate", "gradients")
    for case in ("nan", "+inf", "-inf")
}


@pytest.mark.parametrize("entry", WITH_X)
@pytest.mark.parametrize("case,X,error,match", BAD_X, ids=[c[0] for c in BAD_X])
def test_bad_X_is_rejected_before_the_core(core, entry, case, X, error, match):
    net = made(core, [4, 5, 3], seed=0)
    before = net.theta.copy()
    Y = np.zeros(5, dtype=int)
    with pytest.raises(error, match=match):
        WITH_X[entry](net, X, Y)
    assert np.array_equal(net.theta, before)
    if (entry, case) in SCANNED_BY_THE_CORE:
        assert {"train_epoch", "predict[double]", "evaluate", "gradients"} & set(core.calls)
    else:
        assert core.calls == []


def test_fit_needs_two_dimensional_X_and_says_how_to_reshape(core):
    net = made(core, [4, 3], seed=0)
    with pytest.raises(ValueError, match=r"it is 1-D: .* pass X.reshape\(1, -1\)"):
        net.fit(np.zeros(4), 0)
    one_feature = made(core, [1, 1], seed=0)
    with pytest.raises(ValueError, match=r"it is 1-D: .* pass X.reshape\(-1, 1\)"):
        one_feature.fit(np.zeros(6), np.zeros(6))
    assert core.calls == []


def test_float64_too_large_for_a_float32_network_is_named(core):
    net = made(core, [4, 3], dtype="float32", seed=0)
    X = np.ones((3, 4))
    X[2, 1] = 1e300
    for call in (net.trace, lambda X: net.gradients(X, [0, 1, 2])):
        with pytest.raises(
            ValueError, match=r"X in float32 must be finite, found inf at index \(2, 1\)"
        ):
            call(X)
        # trace checks before the core; the core's gradients finds the row (z^1 not finite)
        assert core.calls == [] or core.calls[-1] == "gradients"


BAD_Y = [
    # every row is NaN: fit names the first row the core reads, in its shuffled order
    ("nan", np.full((5, 3), np.nan), ValueError, r"Y must be finite, found nan at index \(\d, 0\)"),
    ("inf", np.full((5, 3), np.inf), ValueError, "Y must be finite, found inf"),
    (
        "nan label",
        np.array([0, 1, np.nan, 1, 0]),
        ValueError,
        "Y must be finite, found nan at index",
    ),
    ("4 rows", np.zeros((4, 3)), ValueError, "Y has 4 rows but X has 5 samples"),
    ("3 labels", np.array([0, 1, 2]), ValueError, "Y has 3 labels but X has 5 samples"),
    ("2 columns", np.zeros((5, 2)), ValueError, "Y has 2 columns, but the network has 3 outputs"),
    (
        "3-D",
        np.zeros((5, 3, 1)),
        ValueError,
        r"Y must have shape \(5, 3\) or, for class labels, \(5,\)",
    ),
    (
        "label 3",
        np.array([0, 1, 2, 3, 1]),
        ValueError,
        r"Y class labels must lie in \[0, 3\), got values from 0 to 3",
    ),
    (
        "label -1",
        np.array([0, 1, 2, -1, 1]),
        ValueError,
        r"labels must lie in \[0, 3\), got values from -1",
    ),
    ("label 0.5", np.array([0.5, 1, 2, 0, 1]), ValueError, "it must hold integer class labels"),
    (
        "label 1e20",
        np.full(5, 1e20),
        ValueError,
        r"labels must lie in \[0, 3\), got values from 1e\+20",
    ),
    (
        "label 2**63+5",
        np.full(5, 2**63 + 5, np.uint64),
        ValueError,
        "got values from 9223372036854775813",
    ),
    (
        "complex",
        np.zeros((5, 3), complex),
        TypeError,
        "Y must hold real numbers, got dtype complex128",
    ),
    ("object", np.zeros(5, object), TypeError, "Y must hold real numbers, got dtype object"),
    ("strings", np.array(list("01210")), TypeError, "Y must hold real numbers, got dtype <U1"),
    ("datetime", np.full(5, np.datetime64("2024-01-01")), TypeError, "got dtype datetime64"),
    ("None", None, TypeError, "Y must be an array of numbers, got None"),
]
# fit leaves the targets' finiteness to the core, which reads them (gradients checks the
# labels' range with the core's all_labels_in_range, a check, before any computation)
SCANNED_BY_THE_CORE_Y = {("fit", "nan"), ("fit", "inf")}


@pytest.mark.parametrize("entry", WITH_Y)
@pytest.mark.parametrize("case,Y,error,match", BAD_Y, ids=[c[0] for c in BAD_Y])
def test_bad_Y_is_rejected_before_the_core(core, entry, case, Y, error, match):
    net = made(core, [4, 5, 3], seed=0)
    before = net.theta.copy()
    with pytest.raises(error, match=match):
        WITH_Y[entry](net, np.ones((5, 4)), Y)
    assert np.array_equal(net.theta, before)
    if (entry, case) in SCANNED_BY_THE_CORE_Y:
        assert {"train_epoch", "gradients"} & set(core.calls)
    else:
        assert core.calls == []


PROBABILITY_NETS = [
    (["sigmoid"], "cross_entropy"),
    (["softmax"], "log_likelihood"),
    (["softmax"], "cross_entropy"),
    (["sigmoid"], "log_likelihood"),
]


@pytest.mark.parametrize("entry", WITH_Y)
@pytest.mark.parametrize("activations,cost", PROBABILITY_NETS)
@pytest.mark.parametrize("value", [1.5, -0.25])
def test_targets_of_a_logarithmic_cost_must_be_probabilities(core, entry, activations, cost, value):
    net = made(core, [4, 3], activations, cost, seed=0)
    Y = np.full((5, 3), 0.5)
    Y[4, 1] = value
    with pytest.raises(
        ValueError,
        match=rf"Y must hold probabilities in \[0, 1\] for a cost "
        rf"that takes logarithms .* found {value} at index \(4, 1\)",
    ):
        WITH_Y[entry](net, np.ones((5, 4)), Y)
    assert core.calls == []


@pytest.mark.parametrize("entry", WITH_Y)
@pytest.mark.parametrize("output", ["exp", "sigmoid", "softmax"])
def test_targets_of_the_poisson_cost_must_not_be_negative(core, entry, output):
    net = made(core, [4, 3], output, "poisson", seed=0)
    Y = np.full((5, 3), 7.5)
    Y[4, 1] = -0.5
    with pytest.raises(
        ValueError,
        match=r"Y must hold values >= 0 for a cost that takes logarithms \(poisson\), "
        r"found -0.5 at index \(4, 1\)",
    ):
        WITH_Y[entry](net, np.ones((5, 4)), Y)
    assert core.calls == []


@pytest.mark.parametrize("entry", WITH_Y)
def test_targets_of_the_log_poisson_cost_must_not_be_negative(core, entry):
    net = made(core, [4, 3], "linear", "log_poisson", seed=0)
    Y = np.full((5, 3), 7.5)
    Y[2, 0] = -1.0
    with pytest.raises(ValueError, match=r"Y must hold values >= 0 .* \(log_poisson\)"):
        WITH_Y[entry](net, np.ones((5, 4)), Y)
    assert core.calls == []


@pytest.mark.parametrize("entry", WITH_Y)
@pytest.mark.parametrize("value", [0.5, -1.0, 2.0])
def test_targets_of_the_hinge_cost_must_be_binary_labels(core, entry, value):
    net = made(core, [4, 3], "linear", "hinge", seed=0)
    Y = np.ones((5, 3))
    Y[3, 2] = value
    with pytest.raises(
        ValueError,
        match=rf"Y must hold binary labels 0 or 1 for the cost 'hinge', found {value} at "
        r"index \(3, 2\)",
    ):
        WITH_Y[entry](net, np.ones((5, 4)), Y)
    assert core.calls == []


def test_labels_of_the_hinge_cost_are_its_binary_targets(core):
    net = made(core, [4, 3], "linear", "hinge", seed=0)
    net.evaluate(np.ones((3, 4)), [0, 2, 1])  # one-hot rows: 0 and 1
    with pytest.raises(ValueError, match=r"Y_val must hold binary labels"):
        net.fit(
            np.ones((5, 4)),
            np.zeros((5, 3)),
            validation_data=(np.ones((2, 4)), np.full((2, 3), 0.5)),
        )


def test_validation_targets_of_a_logarithmic_cost_must_be_probabilities(core):
    net = made(core, [4, 3], "sigmoid", "cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"Y_val must hold probabilities in \[0, 1\]"):
        net.fit(
            np.ones((5, 4)),
            np.zeros((5, 3)),
            validation_data=(np.ones((2, 4)), np.full((2, 3), 2.0)),
        )
    assert core.calls == []


def test_probability_targets_at_the_ends_and_other_costs_targets_are_accepted():
    X = np.ones((5, 4))
    probabilities = np.array([[0, 1, 0.5]] * 5, dtype=float)
    fcnn.Network([4, 3], "sigmoid", "cross_entropy", seed=0).fit(X, probabilities)
    fcnn.Network([4, 3], "linear", "quadratic", seed=0).fit(X, np.full((5, 3), 7.0))


# ---------------------------------------------------------------- other arrays


@pytest.mark.parametrize("entry", ["evaluate", "gradients", "fit"])
@pytest.mark.parametrize(
    "weights,error,match",
    [
        (
            [1, 1, np.nan, 1, 1],
            ValueError,
            r"sample_weight must be finite, found nan at index \(2,\)",
        ),
        (
            [1, 1, 1, np.inf, 1],
            ValueError,
            r"sample_weight must be finite, found inf at index \(3,\)",
        ),
        ([1, 1, 1, -1, 1], ValueError, "sample_weight must be >= 0, found -1"),
        (
            [1, 1, 1],
            ValueError,
            r"sample_weight must have shape \(5,\), one weight per sample, got \(3,\)",
        ),
        (np.ones((5, 1)), ValueError, r"sample_weight must have shape \(5,\)"),
        (
            [0, 0, 0, 0, 0],
            ValueError,
            "sample_weight must not be all zero|sample weights .* must not all be zero",
        ),
        (list("11111"), TypeError, "sample_weight must hold real numbers"),
    ],
)
def test_bad_sample_weight(core, entry, weights, error, match):
    net = made(core, [4, 5, 3], seed=0)
    X, y = np.ones((5, 4)), np.zeros(5, dtype=int)
    call = {
        "evaluate": net.evaluate,
        "gradients": net.gradients,
        "fit": lambda X, y, sample_weight: net.fit(X, y, sample_weight=sample_weight),
    }[entry]
    with pytest.raises(error, match=match):
        call(X, y, sample_weight=weights)
    assert core.calls == []


def nan_at(shape, index):
    array = np.zeros(shape)
    array[index] = np.nan
    return array


@pytest.mark.parametrize(
    "validation_data,error,match",
    [
        (
            (nan_at((3, 4), (2, 1)), [0, 1, 2]),
            ValueError,
            r"X_val must be finite, found nan at index \(2, 1\)",
        ),
        (
            (np.zeros((3, 4)), nan_at((3, 3), (0, 2))),
            ValueError,
            r"Y_val must be finite, found nan",
        ),
        (
            (np.zeros((3, 6)), [0, 1, 2]),
            ValueError,
            "X_val has 6 features, but the network expects 4",
        ),
        ((np.zeros(4), [0]), ValueError, "X_val must be 2-D"),
        ((np.zeros((3, 4)), [0, 1]), ValueError, "Y_val has 2 labels but X has 3 samples"),
        ((np.zeros((3, 4)), [0, 1, 3]), ValueError, r"Y_val class labels must lie in \[0, 3\)"),
        ((None, [0, 1, 2]), TypeError, "X_val must be an array of numbers, got None"),
        (np.zeros((3, 4)), TypeError, r"validation_data must be a pair \(X_val, Y_val\)"),
        ((np.zeros((3, 4)),), TypeError, "validation_data must be a pair"),
    ],
)
def test_bad_validation_data(core, validation_data, error, match):
    net = made(core, [4, 5, 3], seed=0)
    with pytest.raises(error, match=match):
        net.fit(np.ones((5, 4)), np.zeros(5, dtype=int), validation_data=validation_data)
    assert core.calls == []


# ---------------------------------------------------------------- hyperparameters


class ConstantLr(Schedule):
    """A user's schedule that returns a fixed (maybe bad) learning rate."""

    def __init__(self, value):
        self.value = value

    def lr(self, epoch, base_lr):
        return self.value


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(lr=-0.1), ValueError, r"lr must be a finite number > 0, got -0.1"),
        (dict(lr=0), ValueError, r"lr must be a finite number > 0, got 0.0"),
        (dict(lr=float("nan")), ValueError, "lr must be a finite number .* got nan"),
        (dict(lr=float("inf")), ValueError, "lr must be a finite number .* got inf"),
        (dict(lr="0.1"), TypeError, "lr must be a finite number .* got str '0.1'"),
        (dict(lr=True), TypeError, "lr must be a finite number .* got bool True"),
        (
            dict(lr=0.1, optimizer=fcnn.SGD(0.1)),
            ValueError,
            "give either lr= .* or optimizer=, not both",
        ),
        (
            dict(optimizer="adam"),
            TypeError,
            "optimizer must be an fcnn.optimizers.Optimizer .* got str",
        ),
        (dict(optimizer=fcnn.SGD(0.1, momentum=0.9), lr=0.1), ValueError, "not both"),
        (dict(epochs=-1), ValueError, "epochs must be an integer >= 0, got -1"),
        (dict(epochs=2.0), TypeError, "epochs must be an integer >= 0, got float 2.0"),
        (dict(epochs=None), TypeError, "epochs must be an integer >= 0, got NoneType"),
        (dict(epochs=True), TypeError, "epochs must be an integer >= 0, got bool"),
        (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1, got 0"),
        (dict(batch_size=-4), ValueError, "batch_size must be an integer >= 1, got -4"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an integer >= 1, got float 2.5"),
        (dict(batch_size=True), TypeError, "batch_size must be an integer >= 1, got bool"),
        (
            dict(dropout=1),
            ValueError,
            r"dropout must be a finite number in \[0, 1\), got 1.0",
        ),
        (dict(dropout=-0.1), ValueError, r"dropout must be a finite number in \[0, 1\), got -0.1"),
        (
            dict(dropout=float("nan")),
            ValueError,
            r"dropout must be a finite number in \[0, 1\), got nan",
        ),
        (dict(patience=-1), ValueError, "patience must be an integer >= 0, got -1"),
        (dict(patience=1.5), TypeError, "patience must be an integer >= 0, got float"),
        (dict(l2=-1), ValueError, "l2 must be a finite number >= 0, got -1.0"),
        (dict(l2=float("nan")), ValueError, "l2 must be a finite number >= 0, got nan"),
        (dict(l1=-0.5), ValueError, "l1 must be a finite number >= 0, got -0.5"),
        (dict(min_delta=-1), ValueError, "min_delta must be a finite number >= 0"),
        (
            dict(monitor="loss"),
            ValueError,
            "monitor must be 'val_cost', 'val_accuracy' or 'cost', got 'loss'",
        ),
        (dict(seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
        (dict(seed=1.5), TypeError, "seed must be an integer >= 0, got float 1.5"),
        (dict(seed="7"), TypeError, "seed must be an integer >= 0, got str"),
        (dict(seed=True), TypeError, "seed must be an integer >= 0, got bool"),
        (dict(shuffle="yes"), TypeError, "shuffle must be True or False, got str 'yes'"),
        (dict(shuffle=1), TypeError, "shuffle must be True or False, got int 1"),
        (dict(verbose=None), TypeError, "verbose must be True or False"),
        (dict(early_stopping="on"), TypeError, "early_stopping must be True or False"),
        (dict(restore_best=1), TypeError, "restore_best must be True or False, got int 1"),
        (dict(validation_split=0), ValueError, "validation_split must leave at least one example"),
        (
            dict(validation_split=1.5),
            ValueError,
            "validation_split must leave at least one example",
        ),
        (dict(validation_split=True), TypeError, "validation_split must be a finite number"),
        (
            dict(validation_split=0.2, validation_data=(np.ones((2, 4)), [0, 1])),
            ValueError,
            "give validation_data or validation_split, not both",
        ),
        (
            dict(class_weight="auto"),
            ValueError,
            "class_weight must be a dict or 'balanced', got 'auto'",
        ),
        (dict(class_weight={5: 1.0}), ValueError, r"class_weight key 5 is not a class in \[0, 3\)"),
        (
            dict(class_weight={0: -1.0}),
            ValueError,
            r"class_weight\[0\] must be a finite number >= 0",
        ),
        (dict(class_weight=[1, 2, 3]), TypeError, "class_weight must be a dict"),
        (
            dict(lr_schedule="cosine"),
            ValueError,
            r"unknown schedule 'cosine'; expected one of \['constant', 'exponential', ",
        ),
        (
            dict(lr_schedule=3),
            TypeError,
            "schedule must be None, a name or an fcnn.schedules.Schedule",
        ),
        (
            dict(early_stopping=True),
            ValueError,
            "early_stopping on 'val_cost' needs validation_data",
        ),
        (
            dict(lr_schedule=ReduceOnPlateau()),
            ValueError,
            "ReduceOnPlateau monitors 'val_cost', which is not among the epoch's metrics "
            ".* need validation",
        ),
        (
            dict(lr_schedule=ReduceOnPlateau(monitor="val_loss"), validation_split=0.4),
            ValueError,
            "ReduceOnPlateau monitors 'val_loss', which is not among",
        ),
    ],
)
def test_bad_fit_hyperparameters(core, kwargs, error, match):
    net = made(core, [4, 5, 3], seed=0)
    before = net.theta.copy()
    with pytest.raises(error, match=match):
        net.fit(np.ones((5, 4)), np.arange(5) % 3, **kwargs)
    assert core.calls == []
    assert np.array_equal(net.theta, before) and net.optimizer is None


def test_accuracy_monitored_without_classes_fails_before_training(core):
    net = made(core, [4, 3], "linear", seed=0)
    before = net.theta.copy()
    Y = np.full((5, 3), 0.3)
    with pytest.raises(
        ValueError,
        match="early stopping monitors 'val_accuracy', which this fit "
        r"does not measure .* \['cost', 'val_cost'\]",
    ):
        net.fit(
            np.ones((5, 4)),
            Y,
            validation_data=(np.ones((2, 4)), Y[:2]),
            early_stopping=True,
            monitor="val_accuracy",
        )
    with pytest.raises(ValueError, match="ReduceOnPlateau monitors 'accuracy'"):
        net.fit(np.ones((5, 4)), Y, lr_schedule=ReduceOnPlateau(monitor="accuracy"))
    assert core.calls == [] and np.array_equal(net.theta, before)


def test_dropout_needs_a_hidden_layer(core):
    net = made(core, [4, 3], seed=0)
    for call in (
        lambda: net.fit(np.ones((5, 4)), np.zeros(5, int), dropout=0.5),
        lambda: net.gradients(np.ones((5, 4)), np.zeros(5, int), dropout=0.5),
    ):
        with pytest.raises(
            ValueError, match="dropout acts on hidden layers, and this network has none"
        ):
            call()
    assert core.calls == []


@pytest.mark.parametrize(
    "value,error,match",
    [
        (
            float("nan"),
            ValueError,
            "the lr_schedule's lr for epoch 1 must be a finite number >= 0, got nan",
        ),
        (
            float("inf"),
            ValueError,
            "the lr_schedule's lr for epoch 1 must be a finite number >= 0, got inf",
        ),
        (
            -0.5,
            ValueError,
            "the lr_schedule's lr for epoch 1 must be a finite number >= 0, got -0.5",
        ),
        (
            "0.1",
            TypeError,
            "the lr_schedule's lr for epoch 1 must be a finite number >= 0, got str",
        ),
        (
            None,
            TypeError,
            "the lr_schedule's lr for epoch 1 must be a finite number >= 0, got NoneType",
        ),
    ],
)
def test_a_schedules_bad_lr_never_reaches_an_epoch(core, value, error, match):
    net = made(core, [4, 5, 3], seed=0)
    before = net.theta.copy()
    with pytest.raises(error, match=match):
        net.fit(np.ones((5, 4)), np.zeros(5, int), lr_schedule=ConstantLr(value))
    assert "train_epoch" not in core.calls
    assert np.array_equal(net.theta, before)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(l1=-1), ValueError, "l1 must be a finite number >= 0"),
        (dict(l2=float("inf")), ValueError, "l2 must be a finite number >= 0, got inf"),
        (dict(n_train=0), ValueError, r"n_train must be a finite number > 0, got 0.0"),
        (dict(n_train=True), TypeError, "n_train must be a finite number"),
        (dict(dropout=1.0), ValueError, r"dropout must be a finite number in \[0, 1\), got 1.0"),
        (dict(dropout=-1), ValueError, r"dropout must be a finite number in \[0, 1\)"),
        (dict(seed=-2), ValueError, "seed must be an integer >= 0, got -2"),
        (dict(seed=0.5), TypeError, "seed must be an integer >= 0, got float"),
    ],
)
def test_bad_gradients_arguments(core, kwargs, error, match):
    net = made(core, [4, 5, 3], seed=0)
    with pytest.raises(error, match=match):
        net.gradients(np.ones((5, 4)), np.zeros(5, int), **kwargs)
    assert core.calls == []


@pytest.mark.parametrize(
    "lr,error,match",
    [
        (0, ValueError, r"lr must be a finite number > 0, got 0.0"),
        (-1, ValueError, r"lr must be a finite number > 0, got -1.0"),
        (float("nan"), ValueError, "lr must be a finite number .* got nan"),
        (None, TypeError, "lr must be a finite number .* got NoneType"),
        ("0.1", TypeError, "lr must be a finite number .* got str"),
    ],
)
def test_bad_step_lr(core, lr, error, match):
    net = made(core, [4, 5, 3], seed=0)
    before = net.theta.copy()
    with pytest.raises(error, match=match):
        net.step(np.ones((5, 4)), np.zeros(5, int), lr)
    assert core.calls == [] and np.array_equal(net.theta, before)


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: fcnn.SGD(-1), ValueError, r"lr must be a finite number > 0, got -1.0"),
        (lambda: fcnn.SGD(0), ValueError, r"lr must be a finite number > 0, got 0.0"),
        (lambda: fcnn.SGD(float("nan")), ValueError, "lr must be a finite number .* got nan"),
        (lambda: fcnn.SGD(float("inf")), ValueError, "lr must be a finite number .* got inf"),
        (lambda: fcnn.SGD(None), TypeError, "lr must be a finite number .* got NoneType"),
        (lambda: fcnn.SGD(True), TypeError, "lr must be a finite number .* got bool"),
        (
            lambda: fcnn.SGD(0.1, momentum=1),
            ValueError,
            r"momentum must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda: fcnn.SGD(0.1, momentum=1.5),
            ValueError,
            r"momentum must be a finite number in \[0, 1\)",
        ),
        (lambda: fcnn.SGD(0.1, momentum=-0.1), ValueError, "momentum must be a finite number"),
        (
            lambda: fcnn.SGD(0.1, momentum=float("nan")),
            ValueError,
            "momentum must be a finite number .* got nan",
        ),
        (lambda: fcnn.SGD(0.1, nesterov="yes"), TypeError, "nesterov must be True or False"),
        (lambda: fcnn.SGD(0.1, nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
        (
            lambda: fcnn.SGD(0.1, weight_decay=-1),
            ValueError,
            "weight_decay must be a finite number >= 0",
        ),
        (lambda: fcnn.Adam(lr=0), ValueError, "lr must be a finite number"),
        (
            lambda: fcnn.Adam(beta1=1),
            ValueError,
            r"beta1 must be a finite number in \[0, 1\), got 1.0",
        ),
        (lambda: fcnn.Adam(beta2=1.5), ValueError, r"beta2 must be a finite number in \[0, 1\)"),
        (lambda: fcnn.Adam(eps=0), ValueError, r"eps must be a finite number > 0"),
        (lambda: fcnn.Adam(eps="tiny"), TypeError, "eps must be a finite number"),
        (
            lambda: fcnn.AdamW(weight_decay=-0.01),
            ValueError,
            "weight_decay must be a finite number >= 0",
        ),
        (lambda: fcnn.RMSProp(rho=1), ValueError, r"rho must be a finite number in \[0, 1\)"),
        (lambda: fcnn.RMSProp(eps=-1e-8), ValueError, "eps must be a finite number"),
        (lambda: fcnn.AdaGrad(lr=-0.01), ValueError, "lr must be a finite number"),
        (lambda: fcnn.AdaGrad(eps=0), ValueError, "eps must be a finite number"),
    ],
)
def test_optimizer_constructors_check_hyperparameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_an_optimizer_is_not_shared_across_shapes_or_dtypes(core):
    X, y = np.ones((5, 4)), np.zeros(5, int)
    adam = fcnn.Adam()
    made(core, [4, 3], seed=0).fit(X, y, optimizer=adam)
    for other, name in [
        (made(core, [4, 3], dtype="float32", seed=0), r"float32 network \[4, 3\]"),
        (made(core, [4, 2, 3], seed=0), r"float64 network \[4, 2, 3\]"),
    ]:
        with pytest.raises(
            ValueError,
            match=r"this Adam already holds the state of a float64 "
            rf"network \[4, 3\]; make a new one for the {name}",
        ):
            other.fit(X, y, optimizer=adam)
        assert core.calls == [] and other.optimizer is None


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: StepDecay(0), ValueError, "step_size must be an integer >= 1, got 0"),
        (lambda: StepDecay(1.5), TypeError, "step_size must be an integer >= 1, got float"),
        (lambda: StepDecay(True), TypeError, "step_size must be an integer >= 1, got bool"),
        (lambda: StepDecay(2, gamma=0), ValueError, r"gamma must be a finite number in \(0, 1\]"),
        (lambda: StepDecay(2, gamma=1.5), ValueError, r"gamma must be a finite number in \(0, 1\]"),
        (lambda: Exponential(float("nan")), ValueError, "gamma must be a finite number .* got nan"),
        (lambda: Exponential(None), TypeError, "gamma must be a finite number"),
        (lambda: InverseScaling(-1), ValueError, "power must be a finite number >= 0"),
        (
            lambda: ReduceOnPlateau(factor=1),
            ValueError,
            r"factor must be a finite number in \(0, 1\)",
        ),
        (
            lambda: ReduceOnPlateau(factor=0),
            ValueError,
            r"factor must be a finite number in \(0, 1\)",
        ),
        (lambda: ReduceOnPlateau(patience=-1), ValueError, "patience must be an integer >= 0"),
        (
            lambda: ReduceOnPlateau(min_delta=-1),
            ValueError,
            "min_delta must be a finite number >= 0",
        ),
        (
            lambda: ReduceOnPlateau(min_lr=float("nan")),
            ValueError,
            "min_lr must be a finite number",
        ),
        (
            lambda: ReduceOnPlateau(monitor=3),
            TypeError,
            "monitor must be a metric name such as 'val_cost'",
        ),
        (
            lambda: ReduceOnPlateau(monitor=""),
            ValueError,
            "monitor must be a non-empty metric name",
        ),
        (
            lambda: ReduceOnPlateau(mode="up"),
            ValueError,
            "mode must be None, 'min' or 'max', got 'up'",
        ),
    ],
)
def test_schedule_constructors_check_their_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ---------------------------------------------------------------- accepted inputs


def layouts(X, tmp_path, name):
    """X (a 2-D float array) in every layout the entry points accept, each with a label."""
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    read_only = X.copy()
    read_only.flags.writeable = False
    mapped = np.memmap(tmp_path / f"{name}.dat", dtype=X.dtype, mode="w+", shape=X.shape)
    mapped[...] = X
    mapped.flush()
    return {
        "F-ordered": np.asfortranarray(X),
        "strided": wide[:, ::2],
        "transposed": np.ascontiguousarray(X.T).T,
        "read-only": read_only,
        "memmap": np.memmap(tmp_path / f"{name}.dat", dtype=X.dtype, mode="r", shape=X.shape),
        "list": X.tolist(),
    }


def results(net_args, X, Y):
    """predict, gradients and one fit's parameters, from a fresh network each time."""
    net = fcnn.Network(*net_args, seed=0)
    predicted = net.predict(X)
    gradient = net.gradients(X, Y, sample_weight=np.linspace(0.5, 2, len(Y))).flat.copy()
    net.fit(X, Y, epochs=2, batch_size=8, seed=1, dropout=0.2, validation_data=(X[:5], Y[:5]))
    return predicted, gradient, net.theta.copy()


NET_ARGS = ([6, 7, 3], ["tanh", "sigmoid"], "cross_entropy")


@pytest.mark.parametrize(
    "layout", ["F-ordered", "strided", "transposed", "read-only", "memmap", "list"]
)
def test_any_memory_layout_gives_what_a_contiguous_copy_gives(tmp_path, layout):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 6)), rng.random((40, 3))
    with fcnn.threads.limit(1):
        expected = results(NET_ARGS, X, Y)
        got = results(
            NET_ARGS, layouts(X, tmp_path, "X")[layout], layouts(Y, tmp_path, "Y")[layout]
        )
    for e, g in zip(expected, got):
        assert np.array_equal(e, g)


@pytest.mark.parametrize("kind", ["int8", "int64", "uint16", "bool", "float32"])
def test_integer_bool_and_other_float_inputs_give_their_float64_values(kind):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(40, 6)) if kind == "bool" else rng.integers(0, 5, size=(40, 6))
    X = X.astype(kind)
    Y = rng.integers(0, 2, size=(40, 3)).astype(kind)  # 0/1 targets, in the same dtype
    with fcnn.threads.limit(1):
        expected = results(NET_ARGS, X.astype(np.float64), Y.astype(np.float64))
        got = results(NET_ARGS, X, Y)
    for e, g in zip(expected, got):
        assert np.array_equal(e, g)


@pytest.mark.parametrize("kind", ["int8", "uint8", "int32", "int64", "float32", "float64"])
def test_class_labels_in_any_integer_or_integral_float_dtype(kind):
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(30, 6)), rng.integers(0, 3, size=30)
    net = fcnn.Network([6, 3], "softmax", "log_likelihood", seed=0)
    expected = net.gradients(X, np.eye(3)[labels]).flat.copy()
    assert np.array_equal(net.gradients(X, labels.astype(kind)).flat, expected)
    assert net.evaluate(X, labels.astype(kind)) == net.evaluate(X, np.eye(3)[labels])


def test_a_non_finite_input_is_named_from_the_row_that_was_reported_alone():
    from fcnn._validation import non_finite_error

    X = np.ones((5, 4))
    X[1, 2] = np.inf  # another bad row, before the reported one: not read
    X[3, 1] = np.nan
    error = non_finite_error(X, X.astype(np.float32), "X", 3)
    assert str(error) == "X must be finite, found nan at index (3, 1)"
    big = np.ones((2, 3))
    big[1, 2] = 1e300  # finite as given, inf in float32
    with np.errstate(over="ignore"):
        converted = big.astype(np.float32)
    error = non_finite_error(big, converted, "X", 1)
    assert str(error) == "X in float32 must be finite, found inf at index (1, 2)"
    single = np.array([1.0, np.inf])  # one 1-D sample: the user's index is 1-D too
    assert str(non_finite_error(single, single.reshape(1, 2), "X", 0)).endswith("index (1,)")


@pytest.mark.parametrize("split", [None, 0.4])
def test_fit_names_the_users_row_of_a_non_finite_input(split):
    net = fcnn.Network([3, 4, 2], seed=0)
    X = np.ones((10, 3))
    X[7, 2] = np.inf
    y = np.arange(10) % 2
    for seed in range(5):  # whichever rows the split keeps for training
        rows = np.random.default_rng(seed).permutation(10)
        if split is not None and 7 in rows[:4]:
            continue
        with pytest.raises(ValueError, match=r"X must be finite, found inf at index \(7, 2\)"):
            net.fit(X, y, epochs=1, batch_size=3, lr=0.1, validation_split=split, seed=seed)
