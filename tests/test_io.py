"""Model files: save -> load gives the same network, bit for bit, and training continues
exactly as if it had never been saved; writes are atomic and wait for a running fit;
network2.py JSON files load; the documented reader in docs/model-format.md works."""

import json
import os
import re
import stat
import threading
import time
from typing import get_args

import numpy as np
import pytest

import fcnn
from fcnn import _model_file, io
from fcnn.activations import ELU, LeakyReLU, PReLU
from fcnn.costs import Huber, Pinball

DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "model-format.md")

# Each activation in a network that uses it, with an output and a cost that fit it.
ACTIVATION_CASES = {
    "linear": (["linear", "linear"], "quadratic"),
    "sigmoid": (["sigmoid", "sigmoid"], "cross_entropy"),
    "tanh": (["tanh", "linear"], "squared_error"),
    "relu": (["relu", "sigmoid"], "quadratic"),
    "leaky_relu": ([LeakyReLU(slope=0.3), "tanh"], "absolute_error"),
    "swish": (["swish", "sigmoid"], "quadratic"),
    "exp": (["tanh", "exp"], "poisson"),
    "gelu": (["gelu", "gelu"], "quadratic"),
    "gelu_tanh": (["gelu_tanh", "sigmoid"], "cross_entropy"),
    "elu": ([ELU(alpha=0.7), "elu"], "absolute_error"),
    "selu": (["selu", "linear"], "squared_error"),
    "softplus": (["softplus", "softplus"], "quadratic"),
    "mish": (["mish", "softmax"], "log_likelihood"),
    "prelu": ([PReLU(initial=0.1), "softmax"], "log_likelihood"),
    "softmax": (["relu", "softmax"], "log_likelihood"),
}

OPTIMIZERS = {
    "sgd_momentum": lambda: fcnn.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda: fcnn.Adam(0.01, weight_decay=0.001),
    "adamw": lambda: fcnn.AdamW(0.01, weight_decay=0.05),
    "rmsprop": lambda: fcnn.RMSProp(0.005),
    "adagrad": lambda: fcnn.AdaGrad(0.05),
    "rprop": lambda: fcnn.Rprop(0.01),
}


def data(n=40):
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, (n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    return X, y


def make_net(activation, dtype):
    activations, cost = ACTIVATION_CASES[activation]
    return fcnn.Network([4, 6, 3], activations, cost, dtype=dtype, seed=3)


def assert_same_state(a, b):
    header_a, arrays_a = a.state()
    header_b, arrays_b = b.state()
    assert header_a == header_b
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        assert arrays_a[name].dtype == arrays_b[name].dtype
        assert np.array_equal(arrays_a[name], arrays_b[name]), name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("activation", sorted(ACTIVATION_CASES))
def test_round_trip_then_training_continues_bit_for_bit(tmp_path, activation, optimizer, dtype):
    X, y = data()
    net, twin = make_net(activation, dtype), make_net(activation, dtype)
    for network in (net, twin):
        network.fit(X, y, epochs=2, batch_size=8, optimizer=OPTIMIZERS[optimizer]())
    path = tmp_path / "model.fcnn"
    net.save(path)
    loaded = fcnn.load(path)

    assert repr(loaded) == repr(net)
    assert loaded.activations == net.activations
    assert np.array_equal(loaded.predict(X), net.predict(X))
    assert_same_state(loaded, net)
    assert type(loaded.optimizer) is type(net.optimizer)
    assert loaded.optimizer.t == net.optimizer.t > 0

    # No seed and no optimizer: both shuffle from the restored generator and step with
    # the restored optimizer state.
    loaded.fit(X, y, epochs=2, batch_size=8)
    twin.fit(X, y, epochs=2, batch_size=8)
    assert np.array_equal(loaded.theta, twin.theta)
    assert_same_state(loaded, twin)


def test_the_format_documentation_names_every_activation_and_cost():
    with open(DOCS, encoding="utf-8") as file:
        docs = file.read()
    names = [*get_args(fcnn.activations.ActivationName), *get_args(fcnn.costs.CostName)]
    assert [name for name in names if f"`{name}`" not in docs] == []


def test_continued_training_depends_on_what_the_file_restores(tmp_path):
    """The check above has teeth: without the saved generator state, or without the
    saved optimizer state, continued training ends somewhere else."""
    X, y = data()
    net = make_net("prelu", "float64")
    net.fit(X, y, epochs=2, batch_size=8, optimizer=fcnn.Adam(0.01))
    net.save(tmp_path / "model.fcnn")
    header, arrays = net.state()

    other_rng = dict(header, rng=np.random.default_rng(123).bit_generator.state)
    no_moments = dict(arrays, optimizer_state0=np.zeros_like(arrays["optimizer_state0"]))
    restored = fcnn.load(tmp_path / "model.fcnn")
    variants = [
        fcnn.Network.from_state(other_rng, arrays),
        fcnn.Network.from_state(header, no_moments),
    ]
    restored.fit(X, y, epochs=1, batch_size=8)
    for variant in variants:
        variant.fit(X, y, epochs=1, batch_size=8)
        assert not np.array_equal(variant.theta, restored.theta)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_of_untrained_and_plain_sgd_networks(tmp_path, dtype):
    X, y = data()
    untrained = fcnn.Network(
        [4, 5, 5, 3], ["tanh", LeakyReLU(0.2), "softmax"], "log_likelihood", dtype=dtype, seed=1
    )
    untrained.save(tmp_path / "untrained.fcnn")
    loaded = fcnn.load(tmp_path / "untrained.fcnn")
    assert loaded.optimizer is None
    assert loaded.dtype == np.dtype(dtype)
    assert_same_state(loaded, untrained)

    untrained.fit(X, y, epochs=1, lr=0.5)  # plain SGD: an optimizer without state arrays
    untrained.save(tmp_path / "sgd.fcnn")
    loaded = fcnn.load(tmp_path / "sgd.fcnn")
    assert_same_state(loaded, untrained)
    assert np.array_equal(loaded.predict(X), untrained.predict(X))


# The costs after the notes', each with an output that fits it; one-hot targets suit all.
COST_CASES = {
    "huber": (["tanh", "sigmoid"], Huber(delta=0.25)),
    "pinball": (["relu", "linear"], Pinball(tau=0.9)),
    "hinge": (["tanh", "linear"], "hinge"),
    "log_poisson": (["tanh", "linear"], "log_poisson"),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(COST_CASES))
def test_round_trip_of_each_cost_then_training_continues_bit_for_bit(tmp_path, name, dtype):
    activations, cost = COST_CASES[name]
    X, labels = data()
    Y = np.eye(3)[labels]
    net, twin = (fcnn.Network([4, 6, 3], activations, cost, dtype=dtype, seed=3) for _ in "ab")
    for network in (net, twin):
        network.fit(X, Y, epochs=2, batch_size=8, optimizer=fcnn.Adam(0.01))
    net.save(tmp_path / "model.fcnn")
    loaded = fcnn.load(tmp_path / "model.fcnn")
    assert loaded.cost == net.cost and repr(loaded) == repr(net)
    assert_same_state(loaded, net)
    loaded.fit(X, Y, epochs=2, batch_size=8)
    twin.fit(X, Y, epochs=2, batch_size=8)
    assert np.array_equal(loaded.theta, twin.theta)


def test_a_cost_with_a_parameter_is_saved_as_its_config_the_others_as_their_names():
    header, arrays = fcnn.Network([2, 1], "linear", Pinball(tau=0.9)).state()
    assert header["cost"] == {"name": "pinball", "tau": 0.9}
    assert fcnn.Network.from_state(header, arrays).cost == Pinball(tau=0.9)
    # a plain name (what files had before costs had parameters) and a config both load
    for cost in ["pinball", {"name": "pinball"}]:
        assert fcnn.Network.from_state(dict(header, cost=cost), arrays).cost == Pinball()
    assert fcnn.Network([2, 1], "linear", "hinge").state()[0]["cost"] == "hinge"
    with pytest.raises(ValueError, match=r"Pinball tau must be a finite number in \(0, 1\)"):
        fcnn.Network.from_state(dict(header, cost={"name": "pinball", "tau": 1.5}), arrays)
    with pytest.raises(TypeError, match="header 'cost' must be a name or a cost config"):
        fcnn.Network.from_state(dict(header, cost=["pinball"]), arrays)


def test_save_overwrites_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.fcnn"
    first = fcnn.Network([2, 3, 1], seed=1)
    second = fcnn.Network([2, 4, 1], seed=2)
    first.save(path)
    io.save(second, str(path))
    assert fcnn.load(path).sizes == (2, 4, 1)
    assert os.listdir(tmp_path) == ["model.fcnn"]
    with pytest.raises(TypeError, match="net must be an fcnn.Network"):
        io.save("not a network", path)


def test_missing_paths_raise_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        fcnn.load(tmp_path / "absent.fcnn")
    with pytest.raises(FileNotFoundError):
        fcnn.Network([2, 1]).save(tmp_path / "no-such-folder" / "model.fcnn")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.fcnn"
    old = fcnn.Network([3, 4, 2], seed=1)
    old.save(path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(f"simulated {failing} failure")

    if failing == "write":  # the disk fills up half way through the arrays
        real_write = _model_file._write_atomically

        def write_half(target, chunks):
            def chunks_then_fail():
                yield from chunks[:3]
                fail()

            real_write(target, chunks_then_fail())

        monkeypatch.setattr(_model_file, "_write_atomically", write_half)
    else:
        monkeypatch.setattr(io.os, failing, fail)
    with pytest.raises(OSError, match=f"simulated {failing} failure"):
        fcnn.Network([3, 5, 2], seed=2).save(path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.fcnn"]
    assert_same_state(fcnn.load(path), old)


def test_save_waits_for_the_lock_that_fit_holds(tmp_path):
    path = tmp_path / "model.fcnn"
    net = fcnn.Network([3, 4, 2], seed=1)
    saver = threading.Thread(target=net.save, args=(path,))
    with net._lock:  # as a running fit would
        saver.start()
        time.sleep(0.3)
        assert saver.is_alive() and not path.exists()
        net.weights[0][...] = 0.5  # the training's last update, before it lets go
    saver.join(timeout=10)
    assert not saver.is_alive()
    assert np.all(fcnn.load(path).weights[0] == 0.5)


def test_file_layout_is_the_documented_one(tmp_path):
    net = fcnn.Network([3, 4, 2], ["prelu", "softmax"], "log_likelihood", dtype="float32", seed=1)
    net.save(tmp_path / "model.fcnn")
    raw = (tmp_path / "model.fcnn").read_bytes()
    assert raw[:8] == b"\x89FCNN\r\n\n"
    assert int.from_bytes(raw[8:12], "little") == 1
    header_length = int.from_bytes(raw[12:20], "little")
    assert (24 + header_length) % 64 == 0
    header = json.loads(raw[24 : 24 + header_length])
    assert header["network"] == net.state()[0]
    assert [(e["name"], e["dtype"], e["shape"]) for e in header["arrays"]] == [
        ("w1", "<f4", [4, 3]),
        ("b1", "<f4", [4]),
        ("slopes1", "<f4", [4]),
        ("w2", "<f4", [2, 4]),
        ("b2", "<f4", [2]),
    ]
    last = header["arrays"][-1]
    assert len(raw) == 24 + header_length + last["offset"] + last["length"]


def test_the_documented_numpy_reader_reads_a_saved_file(tmp_path):
    with open(DOCS, encoding="utf-8") as file:
        docs = file.read()
    reader = re.search(r"## Reading it with NumPy alone\s+```python\n(.*?)```", docs, re.S)
    assert reader is not None and len(reader.group(1).strip().splitlines()) <= 14
    net = fcnn.Network([3, 4, 2], ["prelu", "softmax"], "log_likelihood", seed=1)
    X, y = np.random.default_rng(0).random((10, 3)), np.arange(10) % 2
    net.fit(X, y, epochs=1, optimizer=fcnn.RMSProp())
    net.save(tmp_path / "model.fcnn")

    scope = {"path": str(tmp_path / "model.fcnn")}
    exec(reader.group(1), scope)
    assert scope["header"]["network"] == net.state()[0]
    for name, array in net.state()[1].items():
        assert np.array_equal(scope["arrays"][name], array), name


# ---------------------------------------------------------------------- network2.py


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def write_network2_file(path, sizes, cost, seed=0):
    """What network2.py's Network.save() writes: biases as (n, 1) columns."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
    with open(path, "w") as file:
        json.dump(
            {
                "sizes": sizes,
                "weights": [w.tolist() for w in weights],
                "biases": [b.tolist() for b in biases],
                "cost": cost,
            },
            file,
        )
    return weights, biases


@pytest.mark.parametrize(
    "cost_name, cost", [("CrossEntropyCost", "cross_entropy"), ("QuadraticCost", "quadratic")]
)
def test_network2_files_load(tmp_path, cost_name, cost):
    path = tmp_path / "network2.json"
    weights, biases = write_network2_file(path, [5, 7, 4, 3], cost_name)
    net = fcnn.load(path)
    assert net.sizes == (5, 7, 4, 3)
    assert net.dtype == np.float64 and net.cost.name == cost
    assert [f.name for f in net.activations] == ["sigmoid"] * 3
    for w, b, loaded_w, loaded_b in zip(weights, biases, net.weights, net.biases):
        assert np.array_equal(loaded_w, w) and np.array_equal(loaded_b, b[:, 0])

    X = np.random.default_rng(1).uniform(0, 1, (6, 5))
    a = X.T  # network2.py's feedforward: column vectors, a = sigmoid(w a + b)
    for w, b in zip(weights, biases):
        a = sigmoid(w @ a + b)
    np.testing.assert_allclose(net.predict(X), a.T, rtol=1e-13, atol=1e-15)


def test_network2_file_with_leading_whitespace_and_int_entries(tmp_path):
    path = tmp_path / "network2.json"
    path.write_text(
        '\n  {"sizes": [1, 1], "weights": [[[2]]], "biases": [[[-1]]], "cost": "QuadraticCost"}'
    )
    net = fcnn.load(path)
    assert net.predict([1.0])[0] == pytest.approx(sigmoid(1.0), rel=1e-15)


def test_network2_file_with_an_unknown_cost_is_refused(tmp_path):
    path = tmp_path / "network2.json"
    write_network2_file(path, [2, 3, 1], "__import__('os').system('true')")
    with pytest.raises(fcnn.ModelFileError, match="cost must be one of"):
        fcnn.load(path)


# ---------------------------------------------------------------------- paths, permissions, links


@pytest.mark.parametrize("kind", ["str", "pathlib", "bytes"])
def test_save_and_load_take_str_pathlike_and_bytes_paths(tmp_path, kind):
    path = {"str": str, "pathlib": lambda p: p, "bytes": os.fsencode}[kind](tmp_path / "m.fcnn")
    net = fcnn.Network([2, 3, 1], seed=1)
    io.save(net, path)
    assert_same_state(fcnn.load(path), net)
    net.save(path)
    assert_same_state(fcnn.load(path), net)
    assert os.listdir(tmp_path) == ["m.fcnn"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_the_permission_bits_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.fcnn"
    fcnn.Network([2, 1], seed=1).save(path)
    os.chmod(path, 0o600)
    fcnn.Network([2, 1], seed=2).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o640)
    io.save(fcnn.Network([2, 1], seed=3), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    # a new file gets what the umask leaves of 0o666, like any file open() creates
    (tmp_path / "plain").write_bytes(b"")
    fcnn.Network([2, 1]).save(tmp_path / "new.fcnn")
    assert os.stat(tmp_path / "new.fcnn").st_mode == os.stat(tmp_path / "plain").st_mode


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symlinks")
def test_save_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "models" / "model.fcnn"
    link = tmp_path / "links" / "current.fcnn"
    fcnn.Network([2, 1], seed=1).save(target)
    os.symlink(os.path.join("..", "models", "model.fcnn"), link)
    net = fcnn.Network([2, 3, 1], seed=2)
    net.save(link)
    assert os.path.islink(link) and os.path.realpath(link) == os.path.realpath(target)
    assert_same_state(fcnn.load(target), net)
    assert os.listdir(tmp_path / "models") == ["model.fcnn"]
    assert os.listdir(tmp_path / "links") == ["current.fcnn"]
    # a link to a file that does not exist yet: the file is made where it points
    os.symlink(os.path.join("..", "models", "later.fcnn"), tmp_path / "links" / "later.fcnn")
    io.save(net, tmp_path / "links" / "later.fcnn")
    assert_same_state(fcnn.load(tmp_path / "models" / "later.fcnn"), net)
    assert os.path.islink(tmp_path / "links" / "later.fcnn")


# ---------------------------------------------------------------------- temporary files


try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
posix_only = pytest.mark.skipif(fcntl is None, reason="advisory locks (POSIX)")


def temporary_name(destination, tail="0123456789ab"):
    return f".{destination}.{tail}.tmp"


def make_old(path):
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


@posix_only
def test_a_save_removes_the_stale_temporary_files_of_earlier_saves_to_the_same_file(tmp_path):
    stale = tmp_path / temporary_name("model.fcnn")
    others = [
        tmp_path / temporary_name("model.fcnn", "fedcba987654"),  # fresh: may be starting
        tmp_path / temporary_name("other.fcnn"),  # another destination's
        tmp_path / temporary_name("model.fcnn", "not-hex-0000"),  # not one of ours
        tmp_path / "model.fcnn.0123456789ab.tmp",  # not hidden: not ours
    ]
    locked = tmp_path / temporary_name("model.fcnn", "aaaaaaaaaaaa")  # a save in progress
    for path in [stale, locked, *others]:
        path.write_bytes(b"partial")
    for path in [stale, locked, *others[1:]]:
        make_old(path)
    with open(locked, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        fcnn.Network([2, 1]).save(tmp_path / "model.fcnn")
        assert sorted(os.listdir(tmp_path)) == sorted(
            ["model.fcnn", locked.name, *(path.name for path in others)]
        )
    fcnn.Network([2, 1]).save(tmp_path / "model.fcnn")  # the lock has ended
    assert not locked.exists()


SAVE_THEN_HANG = """
import os, sys, threading
import fcnn
from fcnn import _model_file
def hang(descriptor):
    os.write(1, b"writing\\n")
    threading.Event().wait()
_model_file.os.fsync = hang
fcnn.Network([3, 4, 2], seed=1).save(sys.argv[1])
"""


@posix_only
def test_a_killed_save_leaves_a_temporary_file_that_a_later_save_removes(tmp_path):
    """The temporary file of a save still running in another process is kept, however
    old; once that process is killed, the next save removes it."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "model.fcnn"
    fcnn.Network([2, 1], seed=0).save(path)
    child = subprocess.Popen(
        [sys.executable, "-c", SAVE_THEN_HANG, str(path)], stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline() == b"writing\n"  # it holds its temporary file
        (temporary,) = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
        make_old(tmp_path / temporary)
        fcnn.Network([2, 1], seed=2).save(path)
        assert temporary in os.listdir(tmp_path)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert temporary in os.listdir(tmp_path)
    net = fcnn.Network([2, 1], seed=3)
    net.save(path)
    assert os.listdir(tmp_path) == ["model.fcnn"]
    assert_same_state(fcnn.load(path), net)
