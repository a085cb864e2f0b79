"""Gradient clipping (fit's clip_norm, clip_value) and the averages of the parameters
(ema_decay, swa_start; Network.averaged): against PyTorch's clip_grad_norm_,
clip_grad_value_ and swa_utils.AveragedModel, against their closed forms, through the
model file, and refused when ill-set."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fcnn

N, M = 24, 6  # rows, and rows per mini-batch: 4 steps an epoch


def data(seed=0, width=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, width))
    Y = np.stack([np.sin(X.sum(axis=1)), X[:, 0] * X[:, 1]], axis=1)
    return X, Y


def network(sizes=(3, 5, 2)):
    return fcnn.Network(sizes, ["tanh", "linear"], "quadratic", seed=1)


def torch_twin(torch, net):
    """A torch model with net's parameters, and its quadratic cost of a batch (the mean
    over its rows of 1/2 ||a - y||^2)."""
    n_in, n_hidden, n_out = net.sizes
    model = torch.nn.Sequential(
        torch.nn.Linear(n_in, n_hidden, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(n_hidden, n_out, dtype=torch.float64),
    )
    with torch.no_grad():
        for layer, w, b in zip((model[0], model[2]), net.weights, net.biases):
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))

    def cost(X, Y):
        return 0.5 * ((model(torch.tensor(X)) - torch.tensor(Y)) ** 2).sum() / X.shape[0]

    return model, cost


def torch_parameters(model):
    layers = (model[0], model[2])
    return [layer.weight.detach().numpy() for layer in layers] + [
        layer.bias.detach().numpy() for layer in layers
    ]


def train_torch(torch, net, X, Y, epochs, lr, clip=None, average=None, batch_size=M):
    """Plain SGD over the batches in order, clip(parameters) after each backward pass
    and average.update_parameters(model) after each step (and once before the first)."""
    model, cost = torch_twin(torch, net)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    if average is not None:
        average = average(model)
        average.update_parameters(model)
    for _ in range(epochs):
        for start in range(0, N, batch_size):
            optimizer.zero_grad()
            cost(X[start : start + batch_size], Y[start : start + batch_size]).backward()
            if clip is not None:
                clip(model.parameters())
            optimizer.step()
            if average is not None:
                average.update_parameters(model)
    return model, average


def parameters(net):
    return list(net.weights) + list(net.biases)


# Plain SGD clipped by norm alone takes the norm from the rows' Gram matrices where
# they are small (wide layers, few rows), else from the gradient.
SHAPES = {"narrow": ((3, 5, 2), M), "wide": ((30, 40, 2), 2)}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "options, clip",
    [
        ({"clip_norm": 0.05}, lambda nn, p: nn.utils.clip_grad_norm_(p, 0.05)),
        ({"clip_value": 0.02}, lambda nn, p: nn.utils.clip_grad_value_(p, 0.02)),
    ],
)
def test_clipping_is_torchs(shape, options, clip):
    torch = pytest.importorskip("torch")
    sizes, batch_size = SHAPES[shape]
    X, Y = data(width=sizes[0])
    net = network(sizes)
    model, _ = train_torch(
        torch, net, X, Y, 5, 0.3, clip=lambda p: clip(torch.nn, list(p)), batch_size=batch_size
    )
    unclipped = network(sizes)
    unclipped.fit(X, Y, epochs=5, batch_size=batch_size, lr=0.3, shuffle=False)
    net.fit(X, Y, epochs=5, batch_size=batch_size, lr=0.3, shuffle=False, **options)
    for ours, theirs in zip(parameters(net), torch_parameters(model)):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    assert not np.allclose(net.theta, unclipped.theta)  # the clipping acted


def test_clipping_by_norm_then_by_value_is_torchs_in_that_order():
    torch = pytest.importorskip("torch")
    X, Y = data()
    net = network()

    def clip(p):
        p = list(p)
        torch.nn.utils.clip_grad_norm_(p, 0.05)
        torch.nn.utils.clip_grad_value_(p, 0.01)

    model, _ = train_torch(torch, net, X, Y, 5, 0.3, clip=clip)
    net.fit(X, Y, epochs=5, batch_size=M, lr=0.3, shuffle=False, clip_norm=0.05, clip_value=0.01)
    for ours, theirs in zip(parameters(net), torch_parameters(model)):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_a_norm_within_the_bound_leaves_the_training_as_it_was():
    X, Y = data()
    plain, clipped = network(), network()
    plain.fit(X, Y, epochs=3, batch_size=M, seed=0, optimizer=fcnn.Adam(0.01))
    clipped.fit(X, Y, epochs=3, batch_size=M, seed=0, optimizer=fcnn.Adam(0.01), clip_norm=1e6)
    assert_array_equal(clipped.theta, plain.theta)


def test_the_ema_is_torchs_averaged_model_over_20_steps():
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    X, Y = data()
    net = network()
    _, average = train_torch(
        torch,
        net,
        X,
        Y,
        5,
        0.3,
        average=lambda model: AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.8)),
    )
    net.fit(X, Y, epochs=5, batch_size=M, lr=0.3, shuffle=False, ema_decay=0.8)
    ema = net.averaged("ema")
    for ours, theirs in zip(parameters(ema), torch_parameters(average.module)):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decay", [0.9, 0.3])  # torch's lerp from either end
def test_the_ema_is_its_closed_form_step_by_step(dtype, decay):
    X, Y = (array.astype(dtype) for array in data())
    net = fcnn.Network([3, 5, 2], ["tanh", "linear"], "quadratic", dtype=dtype, seed=1)
    weight = np.asarray(1 - decay, dtype=dtype)
    expected = net.theta.copy()
    for _ in range(20):  # one full-batch step a fit: the EMA goes on from fit to fit
        net.fit(X, Y, epochs=1, batch_size=None, lr=0.3, ema_decay=decay)
        if weight < 0.5:
            expected = expected + weight * (net.theta - expected)
        else:
            expected = net.theta - (net.theta - expected) * (1 - weight)
    assert_array_equal(net.averaged().theta, expected, strict=True)


def test_swa_is_the_mean_of_the_epoch_end_parameters():
    X, Y = data()
    check = network()
    ends = []
    for _ in range(8):
        check.fit(X, Y, epochs=1, batch_size=M, lr=0.3, shuffle=False)
        ends.append(check.theta.copy())
    swa = network()
    swa.fit(X, Y, epochs=8, batch_size=M, lr=0.3, shuffle=False, swa_start=4)
    assert_allclose(swa.averaged("swa").theta, np.mean(ends[3:], axis=0), rtol=1e-14)
    assert_array_equal(swa.theta, ends[-1])  # training goes on with its own parameters


def test_save_and_load_keep_the_averages_and_training_goes_on_identically(tmp_path):
    X, Y = data()
    options = dict(batch_size=M, optimizer=None, lr=0.3, ema_decay=0.9, swa_start=2, seed=0)
    whole = network()
    whole.fit(X, Y, epochs=3, **options)
    whole.fit(X, Y, epochs=3, **options)
    first = network()
    first.fit(X, Y, epochs=3, **options)
    first.save(tmp_path / "net.fcnn")
    loaded = fcnn.load(tmp_path / "net.fcnn")
    for kind in ("ema", "swa"):
        assert_array_equal(loaded.averaged(kind).theta, first.averaged(kind).theta)
    loaded.fit(X, Y, epochs=3, **options)
    for kind in ("ema", "swa"):
        assert_array_equal(loaded.averaged(kind).theta, whole.averaged(kind).theta)
    assert_array_equal(loaded.theta, whole.theta)


def test_a_network_without_averages_writes_the_file_it_wrote_before():
    header, arrays = network().state()
    assert "swa_count" not in header and not {"ema", "swa"} & set(arrays)


def test_averaged_is_a_copy_that_keeps_no_averages():
    X, Y = data()
    net = network()
    net.fit(X, Y, epochs=2, batch_size=M, lr=0.3, ema_decay=0.5)
    ema = net.averaged()
    assert not np.array_equal(ema.theta, net.theta)
    with pytest.raises(ValueError, match="keeps no ema"):
        ema.averaged()
    with pytest.raises(ValueError, match="keeps no swa"):
        net.averaged("swa")
    with pytest.raises(ValueError, match="'ema' or 'swa'"):
        net.averaged("mean")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "option, value, error",
    [
        ("clip_norm", 0.0, ValueError),
        ("clip_norm", -1.0, ValueError),
        ("clip_norm", float("inf"), ValueError),
        ("clip_norm", float("nan"), ValueError),
        ("clip_value", 0.0, ValueError),
        ("clip_value", -0.5, ValueError),
        ("clip_norm", "1", TypeError),
        ("ema_decay", 0.0, ValueError),
        ("ema_decay", 1.0, ValueError),
        ("ema_decay", 1.5, ValueError),
        ("swa_start", 0, ValueError),
        ("swa_start", 1.5, TypeError),
    ],
)
def test_bad_arguments_are_refused_before_training(option, value, error):
    X, Y = data()
    net = network()
    before = net.theta.copy()
    with pytest.raises(error, match=option):
        net.fit(X, Y, epochs=1, batch_size=M, lr=0.3, **{option: value})
    assert_array_equal(net.theta, before)
    with pytest.raises(ValueError):
        net.averaged()


def test_a_diverging_epoch_leaves_the_ema_as_it_was():
    X, Y = data()
    net = network()
    net.fit(X, Y, epochs=1, batch_size=M, lr=0.1, ema_decay=0.5)
    ema = net.averaged().theta
    with pytest.raises(fcnn.DivergenceError):
        net.fit(X, Y * 1e200, epochs=1, batch_size=M, lr=1e200, ema_decay=0.5)
    assert_array_equal(net.averaged().theta, ema)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_the_norm_from_gram_matrices_is_the_gradients_with_dropout_and_weights(dtype, rtol):
    """Plain SGD clipped by norm in small batches keeps its fused update and takes the
    norm from the rows' Gram matrices; a clip_value too large to act makes it form the
    gradient instead: the two agree to rounding."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 30)).astype(dtype)
    labels = rng.integers(0, 3, 40)
    weights = rng.uniform(0.5, 2.0, 40)
    nets = []
    for extra in ({}, {"clip_value": 1e30}):
        net = fcnn.Network([30, 40, 3], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=1)
        net.fit(
            X,
            labels,
            epochs=3,
            batch_size=4,
            lr=0.5,
            seed=2,
            dropout=0.2,
            sample_weight=weights,
            clip_norm=0.1,
            **extra,
        )
        nets.append(net)
    assert_allclose(nets[0].theta, nets[1].theta, rtol=rtol, atol=rtol * 1e-2)
    unclipped = fcnn.Network(
        [30, 40, 3], ["tanh", "softmax"], "log_likelihood", dtype=dtype, seed=1
    )
    unclipped.fit(
        X, labels, epochs=3, batch_size=4, lr=0.5, seed=2, dropout=0.2, sample_weight=weights
    )
    assert not np.allclose(nets[0].theta, unclipped.theta, rtol=1e-3)
