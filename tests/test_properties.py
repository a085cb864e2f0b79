"""Property-based tests (hypothesis): random networks, shapes, dtypes and values fed to
predict, gradients, evaluate and fit, and random or damaged bytes fed to fcnn.load.

For every example:
- nothing crashes: the call raises ValueError, or returns a result of the right shape and
  dtype (fit may also end in fcnn.DivergenceError, which keeps the parameters);
- an input is refused exactly when it is invalid: no rows, the wrong number of features,
  a value that is NaN or infinite in the network's dtype, targets outside [0, 1] for a
  cost that takes logarithms; a refused fit leaves the parameters as they were;
- results are finite wherever nothing can overflow: for inputs up to 1000 in size, and for
  predict wherever a bound on every |z| stays well inside the dtype's range;
- predicting rows one at a time gives the batch's rows, to within a bound on the rounding
  error of either computation;
- fcnn.load of random bytes, or of a saved file with random damage (with the checksum
  fixed up or not), returns a working Network or raises fcnn.ModelFileError.

The examples are derandomized: every run, CI's too, checks the same ones.
FCNN_PROPERTY_SCALE (default 1) scales how many, e.g. 0.1 under valgrind.
"""

import json
import os
import struct
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fcnn
from fcnn.io import MAGIC, ModelFileError

SCALE = float(os.environ.get("FCNN_PROPERTY_SCALE", "1"))


def examples(count):
    return settings(
        max_examples=max(1, round(count * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------- networks

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "prelu"]
OUTPUT = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "swish", "softmax"]
DISTANCE_COSTS = ["quadratic", "squared_error", "absolute_error"]
PROBABILITY_COSTS = ["cross_entropy", "log_likelihood"]  # need a sigmoid or softmax output


@st.composite
def networks(draw):
    """1 to 4 weight layers of 1 to 8 units, any valid activations and cost, either dtype."""
    sizes = draw(st.lists(st.integers(1, 8), min_size=2, max_size=5))
    hidden = draw(
        st.lists(st.sampled_from(HIDDEN), min_size=len(sizes) - 2, max_size=len(sizes) - 2)
    )
    output = draw(st.sampled_from(OUTPUT))
    costs = DISTANCE_COSTS + (PROBABILITY_COSTS if output in ("sigmoid", "softmax") else [])
    return fcnn.Network(
        sizes,
        hidden + [output],
        draw(st.sampled_from(costs)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
        init=draw(st.sampled_from(["normal_scaled", "normal", "he_uniform"])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


# ---------------------------------------------------------------------- inputs

INPUT_DTYPES = [np.bool_, np.int8, np.uint8, np.int64, np.float16, np.float32, np.float64]
MODERATE = 1e3  # inputs up to this size cannot overflow anything in these networks


@st.composite
def inputs(draw, n_features):
    """(rows, columns) arrays of any input dtype: mostly n_features columns, sometimes
    none or one too many; 1 to 8 rows, sometimes none; values up to 1, 1000 or the
    dtype's largest, and sometimes one NaN or infinity."""
    empty = draw(st.sampled_from([False] * 7 + [True]))
    n_rows = 0 if empty else draw(st.integers(1, 8))
    n_columns = draw(st.sampled_from([n_features] * 8 + [0, n_features + 1]))
    dtype = np.dtype(draw(st.sampled_from(INPUT_DTYPES)))
    magnitude = draw(st.sampled_from([1.0, MODERATE, None]))  # None: the dtype's range
    if dtype.kind == "f":
        limit = float(np.finfo(dtype).max) if magnitude is None else magnitude
        elements = hnp.from_dtype(
            dtype, min_value=-limit, max_value=limit, allow_nan=False, allow_infinity=False
        )
    elif dtype.kind in "iu" and magnitude is not None:
        info = np.iinfo(dtype)
        elements = st.integers(
            max(int(info.min), -int(magnitude)), min(int(info.max), int(magnitude))
        )
    else:
        elements = hnp.from_dtype(dtype)
    X = draw(hnp.arrays(dtype, (n_rows, n_columns), elements=elements))
    if dtype.kind == "f" and X.size and draw(st.sampled_from([False] * 5 + [True])):
        X.flat[draw(st.integers(0, X.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return X


@st.composite
def targets(draw, net, n_rows):
    """Targets for n_rows samples: values in [0, 1] of a float dtype, one-hot bools,
    integer labels; sometimes one NaN or infinity, or one value in (1, 2]."""
    n_outputs = net.sizes[-1]
    kinds = (
        ["values"] * 3
        + ["one_hot", "non_finite", "above_one"]
        + (["labels"] * 2 if n_outputs > 1 else [])
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "labels":
        return draw(hnp.arrays(np.int64, n_rows, elements=st.integers(0, n_outputs - 1)))
    if kind == "one_hot":
        return np.eye(n_outputs, dtype=bool)[
            draw(hnp.arrays(np.int64, n_rows, elements=st.integers(0, n_outputs - 1)))
        ]
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    Y = draw(
        hnp.arrays(
            dtype,
            (n_rows, n_outputs),
            elements=hnp.from_dtype(np.dtype(dtype), min_value=0.0, max_value=1.0),
        )
    )
    if Y.size and kind in ("non_finite", "above_one"):
        bad = [np.nan, np.inf, -np.inf] if kind == "non_finite" else [1.5, 2.0]
        Y.flat[draw(st.integers(0, Y.size - 1))] = draw(st.sampled_from(bad))
    return Y


def input_problem(X, net):
    """Why the network must refuse X, or None (the oracle, from numpy alone)."""
    if X.shape[1] != net.sizes[0]:
        return "wrong number of features"
    if X.shape[0] == 0:
        return "no samples"
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(X.astype(net.dtype)).all():
            return "not finite in the network's dtype"
    return None


def target_problem(Y, net):
    if Y.ndim == 1:
        return None  # integer labels in range
    with np.errstate(over="ignore", invalid="ignore"):
        converted = Y.astype(net.dtype)
    if not np.isfinite(converted).all():
        return "targets not finite"
    if net.cost.needs_probabilities and ((converted < 0) | (converted > 1)).any():
        return "targets outside [0, 1]"
    return None


def moderate(X):
    return np.abs(X.astype(np.float64)).max(initial=0) <= MODERATE


def cost_is_infinite(net, Y):
    """A softmax over one unit is always 1, so the cross-entropy term (1 - y) ln(1 - a)
    is truly infinite for a target y < 1: the one finite cost that is not to be had."""
    one_softmax = net.activations[-1].name == "softmax" and net.sizes[-1] == 1
    return one_softmax and net.cost.name == "cross_entropy" and Y.ndim == 2 and (Y < 1).any()


# ---------------------------------------------------------------------- bounds


def forward_bounds(net, X):
    """Per row of X, in float64: a bound on every |z| of the forward pass, and a bound on
    how far a computed output can be from the exact one.

    z^l = w^l a^{l-1} + b^l summed in the dtype has an error of at most
    (n + 1) eps (|w^l| |a^{l-1}| + |b^l|) plus |w^l| times the error of a^{l-1}
    (eps: the dtype's machine epsilon). f passes on the error of z times its Lipschitz
    constant and adds a few eps of |f(z)| of its own. The factor 4 below leaves room for
    BLAS's summation orders.
    """
    eps = float(np.finfo(net.dtype).eps)
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.abs(X.astype(net.dtype).astype(np.float64))
        error = np.zeros_like(a)
        largest = np.zeros(len(X))
        for layer, f in zip(net.params, net.activations):
            w, b = np.abs(layer["w"].astype(np.float64)), np.abs(layer["b"].astype(np.float64))
            z = a @ w.T + b
            largest = np.maximum(largest, z.max(axis=1))
            z_error = error @ w.T + 4 * (w.shape[1] + 1) * eps * z
            if f.name in ("sigmoid", "softmax"):  # in (0, 1)
                a, lipschitz = np.ones_like(z), (0.25 if f.name == "sigmoid" else 1.0)
            elif f.name == "tanh":  # |tanh z| <= min(|z|, 1)
                a, lipschitz = np.minimum(z, 1.0), 1.0
            else:  # |f(z)| <= max(1, |slope|) |z|
                slopes = np.abs(layer.get("slopes", np.float64(f.param)).astype(np.float64))
                lipschitz = max(1.0, float(slopes.max()), 1.1 if f.name == "swish" else 1.0)
                a = lipschitz * z
            if f.name == "softmax":  # the rows of its Jacobian add up to at most 1/2 in size
                error = 0.5 * z_error.max(axis=1, keepdims=True) + 4 * (len(b) + 4) * eps
            else:
                error = lipschitz * z_error + 4 * eps * a
    return largest, error.max(axis=1) + 4 * float(np.finfo(net.dtype).tiny)


# ---------------------------------------------------------------------- predict


@examples(300)
@given(data=st.data())
def test_predict_refuses_exactly_the_invalid_inputs_and_rows_match_the_batch(data):
    net = data.draw(networks(), label="net")
    X = data.draw(inputs(net.sizes[0]), label="X")
    problem = input_problem(X, net)
    event(problem or "valid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if problem:
            with pytest.raises(ValueError):
                net.predict(X)
            return
        out = net.predict(X)
        rows = [net.predict(x) for x in X]
    assert out.shape == (X.shape[0], net.sizes[-1]) and out.dtype == net.dtype
    largest, error = forward_bounds(net, X)
    safe = largest < float(np.finfo(net.dtype).max) / 1e3  # no z can overflow
    assert np.isfinite(out[safe]).all()
    for i, row in enumerate(rows):
        assert row.shape == (net.sizes[-1],) and row.dtype == net.dtype
        if safe[i]:
            difference = np.abs(row.astype(np.float64) - out[i])
            assert (difference <= 2 * error[i]).all(), (i, row, out[i], error[i])


# ---------------------------------------------------------------------- gradients, evaluate


@examples(200)
@given(data=st.data())
def test_gradients_and_evaluate_refuse_exactly_the_invalid_data(data):
    net = data.draw(networks(), label="net")
    X = data.draw(inputs(net.sizes[0]), label="X")
    Y = data.draw(targets(net, X.shape[0]), label="Y")
    problem = input_problem(X, net) or target_problem(Y, net)
    event(problem or "valid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if problem:
            with pytest.raises(ValueError):
                net.gradients(X, Y)
            with pytest.raises(ValueError):
                net.evaluate(X, Y)
            return
        gradients = net.gradients(X, Y)
        scores = net.evaluate(X, Y)
    assert gradients.flat.shape == net.theta.shape and gradients.flat.dtype == net.dtype
    for grad_w, grad_b, layer in zip(gradients.grad_w, gradients.grad_b, net.params):
        assert grad_w.shape == layer["w"].shape and grad_w.dtype == net.dtype
        assert grad_b.shape == layer["b"].shape and grad_b.dtype == net.dtype
    for delta, n in zip(gradients.delta[1:], net.sizes[1:]):
        assert delta.shape == (X.shape[0], n) and delta.dtype == net.dtype
    assert isinstance(scores["cost"], float)
    if "accuracy" in scores:
        assert 0 <= scores["accuracy"] <= 1
    if moderate(X):
        if not cost_is_infinite(net, Y):
            assert np.isfinite(gradients.cost) and np.isfinite(scores["cost"])
        assert np.isfinite(gradients.flat).all()
        for delta in gradients.delta[1:]:
            assert np.isfinite(delta).all()


# ---------------------------------------------------------------------- fit

OPTIMIZERS = {
    "sgd": lambda: dict(lr=0.01),
    "momentum": lambda: dict(optimizer=fcnn.SGD(0.01, momentum=0.9)),
    "adam": lambda: dict(optimizer=fcnn.Adam(0.01)),
    "rmsprop": lambda: dict(optimizer=fcnn.RMSProp(0.01)),
}


@examples(150)
@given(data=st.data())
def test_fit_trains_refuses_or_diverges_cleanly(data):
    net = data.draw(networks(), label="net")
    X = data.draw(inputs(net.sizes[0]), label="X")
    Y = data.draw(targets(net, X.shape[0]), label="Y")
    optimizer = OPTIMIZERS[data.draw(st.sampled_from(sorted(OPTIMIZERS)), label="optimizer")]()
    batch_size = data.draw(st.integers(1, 4), label="batch_size")
    shuffle = data.draw(st.booleans(), label="shuffle")
    problem = input_problem(X, net) or target_problem(Y, net)
    event(problem or "valid")
    before = net.theta.copy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            history = net.fit(
                X, Y, epochs=1, batch_size=batch_size, shuffle=shuffle, seed=0, **optimizer
            )
    except ValueError:
        assert problem, "fit refused valid data"
        assert np.array_equal(net.theta, before), "a refused fit changed the parameters"
        return
    except fcnn.DivergenceError:
        event("diverged")
        assert not problem, f"fit trained on invalid data ({problem})"
        assert np.array_equal(net.theta, before), "a diverged epoch kept its parameters"
        return
    assert not problem, f"fit trained on invalid data ({problem})"
    assert len(history.cost) == 1 and np.isfinite(history.cost[0])
    assert net.theta.dtype == net.dtype and np.isfinite(net.theta).all()


# ---------------------------------------------------------------------- model files


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("property_files")


def saved_bytes(net, folder, trained):
    """The bytes of net's model file; `trained`: after one Adam step, so that the file
    holds an optimizer and its state too."""
    if trained:
        X = np.linspace(0, 1, 2 * net.sizes[0]).reshape(2, -1)
        one_hot = np.eye(net.sizes[-1])[[0, 0]]  # targets every cost can reach
        net.fit(X, one_hot, epochs=1, batch_size=2, optimizer=fcnn.Adam(0.01), seed=0)
    path = folder / "valid.fcnn"
    net.save(path)
    return path.read_bytes()


def load_outcome(path):
    """fcnn.load(path) must give a Network that predicts, or ModelFileError."""
    try:
        net = fcnn.load(path)
    except ModelFileError as error:
        assert str(error)
        event("ModelFileError")
        return None
    event("loaded")
    assert isinstance(net, fcnn.Network)
    out = net.predict(np.zeros(net.sizes[0]))
    assert out.shape == (net.sizes[-1],) and out.dtype == net.dtype
    return net


def seal(blob):
    """The file with its CRC-32 made right again, so that only the structure is tested."""
    blob = bytearray(blob)
    if len(blob) >= 24 and blob[:8] == MAGIC:
        blob[20:24] = struct.pack("<I", zlib.crc32(bytes(blob[24:])))
    return bytes(blob)


MUTATIONS = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 2**20), st.integers(0, 255)),
    st.tuples(st.just("flip"), st.integers(0, 2**20), st.integers(0, 7)),
    st.tuples(st.just("insert"), st.integers(0, 2**20), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.integers(0, 2**20), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.integers(0, 2**20), st.just(None)),
)


def mutate(blob, mutations):
    blob = bytearray(blob)
    for kind, position, argument in mutations:
        position %= len(blob) + 1
        if kind == "set" and position < len(blob):
            blob[position] = argument
        elif kind == "flip" and position < len(blob):
            blob[position] ^= 1 << argument
        elif kind == "insert":
            blob[position:position] = argument
        elif kind == "delete":
            del blob[position : position + argument]
        elif kind == "truncate":
            del blob[position:]
        if not blob:
            break
    return bytes(blob)


@examples(150)
@given(
    start=st.sampled_from([b"", MAGIC, MAGIC + struct.pack("<I", 1), b"{", b' {"sizes": [']),
    rest=st.binary(max_size=200),
)
def test_random_bytes_load_as_a_network_or_a_model_file_error(folder, start, rest):
    path = folder / "random.fcnn"
    path.write_bytes(start + rest)
    load_outcome(path)


@examples(200)
@given(data=st.data())
def test_damaged_model_files_load_as_a_network_or_a_model_file_error(folder, data):
    net = data.draw(networks(), label="net")
    blob = saved_bytes(net, folder, data.draw(st.booleans(), label="trained"))
    damaged = mutate(
        blob, data.draw(st.lists(MUTATIONS, min_size=1, max_size=4), label="mutations")
    )
    if data.draw(st.booleans(), label="checksum fixed"):
        damaged = seal(damaged)
    path = folder / "damaged.fcnn"
    path.write_bytes(damaged)
    loaded = load_outcome(path)
    if damaged == blob:
        assert loaded is not None and loaded.sizes == net.sizes


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=8,
)


def json_places(value):
    """Every (container, key) pair inside a parsed JSON value."""
    keys = value.keys() if isinstance(value, dict) else range(len(value))
    for key in list(keys):
        yield value, key
        if isinstance(value[key], (dict, list)):
            yield from json_places(value[key])


def replacements(old):
    """Values to put in the place of `old`: near it for a number (lengths, offsets,
    shapes), or anything JSON holds."""
    if isinstance(old, int) and not isinstance(old, bool):
        near = st.integers(old - 2, old + 2) | st.sampled_from([0, -1, 2 * old, 2**31, 2**64])
        return near | JSON_VALUES
    return JSON_VALUES


@examples(200)
@given(data=st.data())
def test_model_files_with_one_header_value_changed_load_or_raise_model_file_error(folder, data):
    net = data.draw(networks(), label="net")
    blob = saved_bytes(net, folder, data.draw(st.booleans(), label="trained"))
    header_length = struct.unpack_from("<Q", blob, 12)[0]
    header = json.loads(blob[24 : 24 + header_length])
    payload = blob[24 + header_length :]
    container, key = data.draw(st.sampled_from(list(json_places(header))), label="place")
    if data.draw(st.integers(0, 4), label="delete") == 0:
        del container[key]
    else:
        container[key] = data.draw(replacements(container[key]), label="new value")
    changed = json.dumps(header).encode("utf-8")
    path = folder / "changed.fcnn"
    path.write_bytes(
        struct.pack("<8sIQI", MAGIC, 1, len(changed), zlib.crc32(changed + payload))
        + changed
        + payload
    )
    load_outcome(path)


@examples(100)
@given(data=st.data())
def test_damaged_network2_json_loads_as_a_network_or_a_model_file_error(folder, data):
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=4), label="sizes")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    text = json.dumps(
        {
            "sizes": sizes,
            "weights": [rng.standard_normal((n, m)).tolist() for m, n in zip(sizes, sizes[1:])],
            "biases": [rng.standard_normal((n, 1)).tolist() for n in sizes[1:]],
            "cost": data.draw(st.sampled_from(["CrossEntropyCost", "QuadraticCost"])),
        }
    )
    path = folder / "network2.json"
    path.write_bytes(text.encode())
    assert load_outcome(path).sizes == tuple(sizes)
    path.write_bytes(mutate(text.encode(), data.draw(st.lists(MUTATIONS, min_size=1, max_size=3))))
    load_outcome(path)
