"""Network.gradients with out= and reduction=: the low-level call of data-parallel
training. The same gradient as the call that makes new arrays, bit for bit; the summed
reduction, whose sums over parts of a batch divided by their weight give the batch's mean
and, applied, the step fit takes on the whole batch."""

import threading

import numpy as np
import pytest
import scipy.sparse
from _user_functions import PyTanh
from conftest import assert_close_to_numeric, central_differences

import fcnn


def batch(n=10, n_in=4, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.integers(n_out, size=n)


def net_of(dtype="float64", activations=("tanh", "softmax"), cost="log_likelihood"):
    return fcnn.Network([4, 5, 3], list(activations), cost, dtype=dtype, seed=1)


CASES = {
    "plain": {},
    "weights": {"sample_weight": np.linspace(0.5, 2.0, 10)},
    "l1 l2": {"l1": 0.3, "l2": 0.7, "n_train": 40},
    "dropout": {"dropout": 0.3, "input_dropout": 0.2, "seed": 5},
    "all": {"sample_weight": np.arange(10.0), "l2": 0.2, "dropout": 0.4, "seed": 2},
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", CASES.values(), ids=CASES)
def test_out_equals_the_new_arrays_bit_for_bit(options, dtype):
    net = net_of(dtype)
    X, y = batch()
    for reduction in ("mean", "sum"):
        expected = net.gradients(X, y, reduction=reduction, **options)
        out = np.full_like(net.theta, np.nan)
        for rows in (10, 3, 10):  # a smaller batch between: the workspace is kept
            result = net.gradients(
                X[:rows],
                y[:rows],
                out=out,
                reduction=reduction,
                **{k: v[:rows] if k == "sample_weight" else v for k, v in options.items()},
            )
        assert np.array_equal(out, expected.flat)
        assert result.cost == expected.cost and result.rows == 10
        assert isinstance(result, fcnn.BatchGradient)


def test_out_equals_the_new_arrays_for_sparse_inputs_and_input_dropout():
    net = net_of()
    X, y = batch()
    X[X < 0.3] = 0
    sparse = scipy.sparse.csr_matrix(X)
    out = np.empty_like(net.theta)
    net.gradients(X, y, out=out, input_dropout=0.5, seed=3)  # a dense gather first
    for options in ({}, {"input_dropout": 0.5, "seed": 3}):
        net.gradients(sparse, y, out=out, reduction="sum", **options)
        assert np.array_equal(out, net.gradients(sparse, y, reduction="sum", **options).flat)


def test_sum_is_the_rows_times_the_mean():
    net = net_of()
    X, y = batch(n=8)
    options = {"l1": 0.1, "l2": 0.5, "n_train": 24}
    mean = net.gradients(X, y, **options)
    summed = net.gradients(X, y, reduction="sum", **options)
    # 8 rows: scaling by a power of two is exact, so the core's sum is 8 times its mean
    assert np.array_equal(summed.flat, 8 * mean.flat) and summed.cost == 8 * mean.cost
    X, y = batch(n=10)
    mean = net.gradients(X, y, **options)
    out = np.empty_like(net.theta)
    summed = net.gradients(X, y, out=out, reduction="sum", **options)
    np.testing.assert_allclose(out, 10 * mean.flat, rtol=1e-14, atol=1e-15)
    assert summed.cost == pytest.approx(10 * mean.cost, rel=1e-14)


def test_weighted_sum_is_the_sum_of_the_weights_times_the_weighted_mean():
    net = net_of()
    X, y = batch()
    weights = np.linspace(0.0, 3.0, 10)
    mean = net.gradients(X, y, sample_weight=weights, l2=0.4)
    out = np.empty_like(net.theta)
    summed = net.gradients(X, y, sample_weight=weights, l2=0.4, out=out, reduction="sum")
    assert summed.total_weight == weights.sum() and summed.rows == 10
    np.testing.assert_allclose(out, weights.sum() * mean.flat, rtol=1e-13, atol=1e-15)
    assert summed.cost == pytest.approx(weights.sum() * mean.cost, rel=1e-14)


def test_summed_gradient_matches_central_differences_of_its_cost():
    net = net_of(activations=("sigmoid", "sigmoid"), cost="cross_entropy")
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(7, 4)), rng.uniform(size=(7, 3))
    options = {"sample_weight": rng.uniform(0.5, 2, size=7), "l1": 0.2, "l2": 0.3}
    out = np.empty_like(net.theta)
    net.gradients(X, Y, out=out, reduction="sum", **options)

    def cost():
        return net.gradients(X, Y, out=np.empty_like(out), reduction="sum", **options).cost

    assert_close_to_numeric(out, central_differences(cost, net.theta))


def test_summed_gradient_equals_pytorch_autograd():
    torch = pytest.importorskip("torch")
    net = net_of()
    X, y = batch(n=9)
    weights = np.linspace(0.2, 1.8, 9)
    l2, n_train = 0.6, 30
    out = np.empty_like(net.theta)
    result = net.gradients(
        X, y, sample_weight=weights, l2=l2, n_train=n_train, out=out, reduction="sum"
    )
    params = [torch.tensor(p, requires_grad=True) for p in (*net.weights, *net.biases)]
    w1, w2, b1, b2 = params
    hidden = torch.tanh(torch.tensor(X) @ w1.T + b1)
    log_p = torch.log_softmax(hidden @ w2.T + b2, dim=1)
    data_cost = -(torch.tensor(weights) * log_p[torch.arange(9), torch.tensor(y)]).sum()
    penalty = l2 / (2 * n_train) * sum((w**2).sum() for w in (w1, w2))
    cost = data_cost + weights.sum() * penalty
    cost.backward()
    expected = np.empty_like(out)
    w_off, b_off, _, _ = net.internals.layout.offsets()
    for p, o in zip(params, [*w_off, *b_off]):
        expected[o : o + p.numel()] = p.grad.numpy().ravel()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    assert result.cost == pytest.approx(cost.item(), rel=1e-13)


APPLIED = {
    "sgd momentum": (lambda: fcnn.SGD(0.1, momentum=0.9), {}),
    "adam": (lambda: fcnn.Adam(0.01), {}),
    "adam l2": (lambda: fcnn.Adam(0.01), {"l2": 0.5}),
    "adam l2 weights": (lambda: fcnn.Adam(0.01), {"l2": 0.5, "sample_weight": True}),
}


@pytest.mark.parametrize("make, options", APPLIED.values(), ids=APPLIED)
def test_summed_halves_applied_equal_a_fit_step_on_the_whole_batch(make, options):
    n = 11  # parts of 6 and 5 rows
    X, y = batch(n=n)
    weights = np.linspace(0.5, 1.5, n) if options.get("sample_weight") else None
    l2 = options.get("l2", 0.0)
    distributed, trained = net_of(), net_of()
    optimizer, reference = make(), make()
    parts = [slice(0, 6), slice(6, n)]
    buffers = [np.empty_like(distributed.theta) for _ in parts]
    for _ in range(3):  # with the optimizer's state after the first
        total = 0.0
        for part, buffer in zip(parts, buffers):
            result = distributed.gradients(
                X[part],
                y[part],
                sample_weight=None if weights is None else weights[part],
                l2=l2,
                n_train=n,
                out=buffer,
                reduction="sum",
            )
            total += result.total_weight
        optimizer.apply(distributed, (buffers[0] + buffers[1]) / total)
        trained.fit(
            X,
            y,
            epochs=1,
            batch_size=n,
            shuffle=False,
            optimizer=reference,
            l2=l2,
            sample_weight=weights,
        )
    difference = np.abs(distributed.theta - trained.theta).max()
    assert difference / np.abs(trained.theta).max() < 1e-13


def test_threads_on_one_network_each_get_their_own_gradient():
    net = net_of()
    batches = [batch(n=n, seed=n) for n in (5, 9, 17)]
    expected = [net.gradients(X, y).flat for X, y in batches]
    failures = []

    def work(k):
        out = np.empty_like(net.theta)
        for _ in range(200):
            X, y = batches[k]
            net.gradients(X, y, out=out)
            if not np.array_equal(out, expected[k]):
                failures.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_swapped_structure_gets_new_buffers():
    net, other = net_of(), fcnn.Network([4, 6, 3], ["tanh", "softmax"], "log_likelihood")
    X, y = batch()
    net.gradients(X, y, out=np.empty_like(net.theta))
    net.__setstate__(other.__getstate__())
    out = np.empty_like(net.theta)
    net.gradients(X, y, out=out)
    assert np.array_equal(out, other.gradients(X, y).flat)


def test_bad_buffers_and_reductions_are_refused():
    net = net_of()
    X, y = batch()
    n = net.theta.size
    with pytest.raises(TypeError, match="dtype float64, got <f4"):
        net.gradients(X, y, out=np.empty(n, dtype=np.float32))
    with pytest.raises(ValueError, match=rf"out must have shape \({n},\), got \(3,\)"):
        net.gradients(X, y, out=np.empty(3))
    with pytest.raises(ValueError, match="C-contiguous"):
        net.gradients(X, y, out=np.empty(2 * n)[::2])
    with pytest.raises(TypeError, match="numpy array"):
        net.gradients(X, y, out=[0.0] * n)
    with pytest.raises(ValueError, match='reduction must be "mean" or "sum"'):
        net.gradients(X, y, reduction="max")
    with pytest.raises(ValueError, match="too large for float32"):
        net_of("float32").gradients(X, y, sample_weight=np.full(10, 1e39), reduction="sum")


def test_no_dropout_draws_nothing_from_the_generator():
    net = net_of()
    X, y = batch()
    rng = np.random.default_rng(0)
    net.gradients(X, y, seed=rng)
    assert rng.integers(2**63) == np.random.default_rng(0).integers(2**63)


def test_the_numpy_core_sums_as_the_compiled_one():
    user, builtin = net_of(activations=(PyTanh(), "softmax")), net_of()
    X, y = batch()
    options = {"sample_weight": np.linspace(0.5, 2.0, 10), "l2": 0.3, "reduction": "sum"}
    out = np.empty_like(user.theta)
    result = user.gradients(X, y, out=out, **options)
    expected = builtin.gradients(X, y, **options)
    np.testing.assert_allclose(out, expected.flat, rtol=1e-13, atol=1e-15)
    assert result.cost == pytest.approx(expected.cost, rel=1e-13)
