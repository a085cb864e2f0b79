"""Training from streams of chunks, partial_fit, and data in memory-mapped files."""

import io
import os

import numpy as np
import pytest
from conftest import MNIST_DIR, run_python

import fcnn

rng = np.random.default_rng(7)
X = rng.normal(size=(203, 6))
LABELS = rng.integers(0, 3, size=203)
TARGETS = rng.uniform(size=(203, 3))


def network(seed=0, **options):
    return fcnn.Network([6, 5, 3], "sigmoid", "cross_entropy", seed=seed, **options)


def chunks_of(size, *arrays):
    return [tuple(a[i : i + size] for a in arrays) for i in range(0, arrays[0].shape[0], size)]


def same(a, b):
    return np.array_equal(a.theta, b.theta)


@pytest.mark.parametrize("optimizer", [None, "adam"])
def test_partial_fit_loop_equals_fit_of_as_many_epochs(optimizer):
    make = (lambda: fcnn.optimizers.Adam(lr=0.01)) if optimizer else (lambda: None)
    lr = None if optimizer else 0.5
    whole, parts = network(), network()
    history = whole.fit(X, LABELS, epochs=3, batch_size=16, lr=lr, optimizer=make())
    costs = []
    for epoch in range(3):
        first = {"lr": lr, "optimizer": make()} if epoch == 0 else {}
        costs += parts.partial_fit(X, LABELS, batch_size=16, **first).cost
    assert same(whole, parts)
    assert costs == history.cost
    assert parts.optimizer.t == whole.optimizer.t


def test_partial_fit_counts_epochs_for_the_schedule():
    whole, parts = network(), network()
    whole.fit(X, LABELS, epochs=3, lr=0.5, lr_schedule=fcnn.schedules.StepDecay(1, 0.5))
    lrs = [parts.partial_fit(X, LABELS, lr=0.5, lr_schedule=fcnn.schedules.StepDecay(1, 0.5)).lr[0]]
    lrs += [parts.partial_fit(X, LABELS, lr_schedule=fcnn.schedules.StepDecay(1, 0.5)).lr[0]]
    assert lrs == [0.5, 0.25]


def test_partial_fit_takes_fits_options_but_epochs():
    with pytest.raises(TypeError, match="no epochs"):
        network().partial_fit(X, LABELS, epochs=2)
    with pytest.raises(TypeError, match="does not take"):
        network().partial_fit(X, LABELS, epoch=2)


@pytest.mark.parametrize("targets", ["labels", "rows"])
def test_a_stream_of_one_chunk_equals_the_arrays(targets):
    Y = LABELS if targets == "labels" else TARGETS
    options = dict(epochs=3, batch_size=10, lr=0.5, validation_data=(X[:50], Y[:50]))
    array, stream = network(), network()
    a = array.fit(X, Y, **options)
    b = stream.fit([(X, Y)], **options)
    assert same(array, stream)
    assert a.as_dict() | {"seconds": 0, "samples_per_second": 0} == b.as_dict() | {
        "seconds": 0,
        "samples_per_second": 0,
    }


@pytest.mark.parametrize("size", [10, 17, 64, 500])
def test_many_chunks_in_order_equal_the_arrays_in_order(size):
    array, stream = network(), network()
    a = array.fit(X, LABELS, epochs=2, batch_size=10, lr=0.5, shuffle=False)
    b = stream.fit(chunks_of(size, X, LABELS), epochs=2, batch_size=10, lr=0.5, shuffle=False)
    assert same(array, stream)
    np.testing.assert_allclose(a.cost, b.cost, rtol=1e-12)
    np.testing.assert_allclose(a.accuracy, b.accuracy, rtol=1e-12)


def test_weights_in_chunks_equal_sample_weight():
    weights = rng.uniform(0.5, 2, size=203)
    array, stream = network(), network()
    array.fit(X, LABELS, sample_weight=weights, class_weight={1: 2.0}, lr=0.5)
    stream.fit([(X, LABELS, weights)], class_weight={1: 2.0}, lr=0.5)
    assert same(array, stream)


def test_a_shuffled_stream_of_many_chunks_trains_every_row_once_per_epoch():
    history = network().fit(
        chunks_of(13, X, TARGETS), epochs=2, batch_size=8, lr=0.5, shuffle_buffer=3
    )
    assert history.samples_per_second and history.epochs == 2
    assert np.isfinite(history.cost).all()


class Reader:
    """A stream that an object with __iter__ gives, as a database cursor might."""

    def __init__(self, chunks):
        self.chunks, self.opened = chunks, 0

    def __iter__(self):
        self.opened += 1
        return iter(self.chunks)


def test_a_stream_is_read_once_per_epoch_from_a_function_or_an_iterable():
    chunks = chunks_of(50, X, LABELS)
    reader = Reader(chunks)
    by_reader, by_function, by_list = network(), network(), network()
    by_reader.fit(reader, epochs=3, lr=0.5)
    by_function.fit(lambda: iter(chunks), epochs=3, lr=0.5)
    by_list.fit(chunks, epochs=3, lr=0.5)
    assert reader.opened == 3
    assert same(by_reader, by_function) and same(by_reader, by_list)


def test_a_one_shot_generator_says_what_to_pass():
    chunks = chunks_of(50, X, LABELS)
    with pytest.raises(TypeError, match="a list of chunks, a function"):
        network().fit((chunk for chunk in chunks), epochs=2)
    once, listed = network(), network()
    once.fit((chunk for chunk in chunks), epochs=1, lr=0.5)
    listed.fit(chunks, epochs=1, lr=0.5)
    assert same(once, listed)


def test_bad_streams_are_named():
    with pytest.raises(TypeError, match="chunk 0 must be a pair"):
        network().fit([X])
    with pytest.raises(ValueError, match="no chunks"):
        network().fit([])
    with pytest.raises(ValueError, match="X of chunk 1 has 2 features"):
        network().fit([(X, LABELS), (X[:, :2], LABELS)], epochs=1)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        network().fit([(X, LABELS)], validation_split=0.2)


def test_a_non_finite_input_in_a_chunk_is_named_and_the_epoch_undone():
    bad = X.copy()
    bad[120, 4] = np.nan
    net = network()
    net.fit(chunks_of(50, X, LABELS), lr=0.5)
    before = net.theta.copy()
    with pytest.raises(ValueError, match=r"chunk 2 of the stream: X must be finite.*\(20, 4\)"):
        net.fit(chunks_of(50, bad, LABELS), epochs=2, lr=0.5, shuffle=False)
    assert np.array_equal(net.theta, before)


def test_early_stopping_and_l2_on_a_stream():
    net = network()
    history = net.fit(
        chunks_of(40, X, LABELS),
        epochs=50,
        lr=5.0,
        l2=1.0,
        early_stopping=True,
        patience=2,
        validation_data=(X[:60], LABELS[:60]),
    )
    assert history.stopped_epoch is not None and history.best_epoch is not None
    assert net.evaluate(X[:60], LABELS[:60])["cost"] == min(history.val_cost)


def test_a_stream_diverges_as_arrays_do():
    with pytest.raises(fcnn.DivergenceError) as error:
        fcnn.Network([6, 5, 3], "linear", seed=0).fit(
            chunks_of(40, X, TARGETS * 1e3), epochs=5, lr=1e200, shuffle=False
        )
    assert error.value.epoch == 1 and error.value.batch is not None


def test_verbose_counts_the_rows_of_a_stream(monkeypatch):
    shown = io.StringIO()
    monkeypatch.setattr("sys.stdout", shown)
    network().fit(chunks_of(40, X, LABELS), epochs=2, lr=0.5, verbose=True)
    lines = shown.getvalue().splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", "1/2"], ["epoch", "2/2"]]


def mnist_data():
    if os.path.isdir(MNIST_DIR):
        from fcnn.datasets import load_mnist

        return (*load_mnist(MNIST_DIR, "train"), *load_mnist(MNIST_DIR, "test"))
    return (*fcnn.datasets.load_mnist_sample(), *fcnn.datasets.load_mnist_sample("test"))


def test_mnist_from_a_stream_of_chunks_is_as_accurate_as_in_memory():
    X_train, y_train, X_test, y_test = mnist_data()
    options = dict(epochs=3, batch_size=10, lr=3.0, seed=0)
    array = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    array.fit(X_train, y_train, **options)
    chunks = chunks_of(1000, X_train, y_train)
    stream = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", seed=0)
    stream.fit(chunks, shuffle_buffer=4, **options)
    assert not same(array, stream)  # shuffled otherwise: across 4 chunks at a time
    in_memory = array.evaluate(X_test, y_test)["accuracy"]
    streamed = stream.evaluate(X_test, y_test)["accuracy"]
    assert abs(in_memory - streamed) <= 0.003 + 1e-12


def memmap_of(tmp_path, array, name="X"):
    mapped = np.memmap(tmp_path / f"{name}.dat", dtype=array.dtype, mode="w+", shape=array.shape)
    mapped[:] = array
    mapped.flush()
    return np.memmap(tmp_path / f"{name}.dat", dtype=array.dtype, mode="r", shape=array.shape)


def test_a_memmap_trains_and_predicts_as_the_arrays(tmp_path):
    mapped = memmap_of(tmp_path, X)
    array, in_file = network(), network()
    array.fit(X, LABELS, epochs=2, lr=0.5)
    in_file.fit(mapped, LABELS, epochs=2, lr=0.5)
    assert same(array, in_file)
    assert np.array_equal(array.predict(X), in_file.predict(mapped))
    assert array.evaluate(X, LABELS) == in_file.evaluate(mapped, LABELS)


def test_a_memmap_holds_out_rows_without_copying_the_rest(tmp_path):
    mapped = memmap_of(tmp_path, X)
    net = network()
    history = net.fit(mapped, LABELS, epochs=3, lr=0.5, validation_split=0.25, seed=1)
    assert history.epochs == 3 and len(history.val_cost) == 3
    as_array = network()  # a plain ndarray view of the file is read in place too
    as_array.fit(np.asarray(mapped), LABELS, epochs=3, lr=0.5, validation_split=0.25, seed=1)
    assert same(net, as_array)
    in_memory = network()  # shuffled across the whole data otherwise, by the core
    in_memory.fit(X, LABELS, epochs=3, lr=0.5, validation_split=0.25, seed=1)
    assert not same(net, in_memory)
    assert history.samples_per_second  # 152 training rows an epoch
    bad = X.copy()
    bad[200, 1] = np.inf
    with pytest.raises(ValueError, match=r"X must be finite, found inf at index \(200, 1\)"):
        network().fit(memmap_of(tmp_path, bad, "bad"), LABELS, validation_split=0.01, seed=1)


MEMORY_CHECK = """
import threading, time, warnings
import numpy as np, fcnn, fcnn.sklearn

def anon():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("RssAnon")) / 1024

def peak_growth(call):
    # the most anonymous memory the call holds at once beyond what was there before
    start, peak, done = anon(), [0.0], threading.Event()
    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], anon() - start)
            time.sleep(0.0005)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        call()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], anon() - start)

rows, width = {rows}, 256
X = np.memmap("X.dat", dtype=np.float32, mode="w+", shape=(rows, width))
for start in range(0, rows, 4096):
    X[start : start + 4096] = np.random.default_rng(start).random((min(4096, rows - start), width))
X.flush()
del X
X = np.memmap("X.dat", dtype=np.float32, mode="r", shape=(rows, width))
y = np.arange(rows) % 10
net = fcnn.Network([width, 16, 10], dtype="float32", seed=0)
net.fit(X[:64], y[:64], batch_size=32)  # the code and the first buffers are in memory
estimator = fcnn.sklearn.FCNNClassifier(hidden_layer_sizes=(16,), epochs=1, dtype="float32")
warnings.simplefilter("ignore")
print({{
    "fit": peak_growth(lambda: net.fit(X, y, batch_size=32, lr=0.1)),
    "fit, validation_split": peak_growth(
        lambda: net.fit(X, y, batch_size=32, lr=0.1, validation_split=0.1)
    ),
    "predict": peak_growth(lambda: net.predict(X)),
    "evaluate": peak_growth(lambda: net.evaluate(X, y)),
    "estimator": peak_growth(lambda: estimator.fit(X, y).predict(X)),
}})
"""


def test_memory_mapped_data_is_read_where_it_lies(tmp_path):
    with open("/proc/self/status") as status:
        if "RssAnon" not in status.read():
            pytest.skip("no RssAnon in /proc/self/status")
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        # AddressSanitizer's allocator keeps freed blocks in quarantine: RssAnon is not the
        # program's memory there
        pytest.skip("anonymous memory is not measurable under AddressSanitizer")
    rows = 200_000  # 200 MB of float32 rows
    done = run_python(MEMORY_CHECK.format(rows=rows), tmp_path)
    assert done.returncode == 0, done.stderr
    growth = eval(done.stdout)
    # per row: its label (8 bytes), shuffled place (8), outputs (40) and their class (8);
    # and the held-out rows of validation_split, which are copied (a tenth of the file)
    bound = rows * 64 / 2**20 + 16
    held_out = rows // 10 * 256 * 4 / 2**20
    for entry, megabytes in growth.items():
        allowed = bound + (held_out if "validation" in entry else 0)
        assert megabytes < allowed, (entry, growth)


def test_diagnostics_and_partial_fit_take_a_stream():
    net = network()
    history = net.fit(chunks_of(50, X, LABELS), epochs=2, lr=0.5, diagnostics="all")
    assert len(history.grad_norm_w) == 2
    one = net.partial_fit(chunks_of(50, X, LABELS))
    assert one.epochs == 1 and one.samples_per_second[0] > 0
