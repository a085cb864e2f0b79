"""The edges of the floating-point range: weights near the largest float, parameters that
overflow the network's dtype, hyperparameters in the subnormal range, step counts."""

import warnings

import numpy as np
import pytest

import fcnn
from fcnn.sklearn import FCNNClassifier

DTYPES = ["float64", "float32"]
# A power of two that puts 40 weights of up to 2 near the top of each dtype's range
# (their sum overflows); scaling by it is exact, so training must not see it at all.
HUGE = {"float64": 2.0**1020, "float32": 2.0**125}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int), rng.uniform(0.1, 2, 40)


def trained(dtype, X, y, **options):
    net = fcnn.Network([3, 4, 2], dtype=dtype, seed=0)
    history = net.fit(X, y, epochs=2, batch_size=8, seed=0, **options)
    return net, history


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_sample_weights_train_as_the_same_weights_scaled_down(data, dtype):
    X, y, w = data
    huge, plain = (
        trained(dtype, X, y, sample_weight=w * HUGE[dtype]),
        trained(dtype, X, y, sample_weight=w),
    )
    assert huge[1].cost == plain[1].cost
    assert np.array_equal(huge[0].theta, plain[0].theta)
    # not a power of two: equal to rounding
    near, _ = trained(dtype, X, y, sample_weight=w * {"float64": 2e307, "float32": 2.4e37}[dtype])
    np.testing.assert_allclose(near.theta, plain[0].theta, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_sample_weights_evaluate_and_differentiate_as_scaled_down(data, dtype):
    X, y, w = data
    net = fcnn.Network([3, 4, 2], dtype=dtype, seed=0)
    assert net.evaluate(X, y, sample_weight=w * HUGE[dtype]) == net.evaluate(X, y, sample_weight=w)
    huge = net.gradients(X, y, sample_weight=w * HUGE[dtype])
    plain = net.gradients(X, y, sample_weight=w)
    assert huge.cost == plain.cost
    assert np.array_equal(huge.flat, plain.flat)


def test_float64_weights_beyond_float32_train_a_float32_network(data):
    X, y, w = data
    huge, _ = trained("float32", X, y, sample_weight=w * 2.0**200)
    plain, _ = trained("float32", X, y, sample_weight=w)
    assert np.array_equal(huge.theta, plain.theta)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_class_weights_train_as_the_same_weights_scaled_down(data, dtype):
    X, y, _ = data
    scale = float(np.finfo(dtype).max) / 4  # class weights are float64 until scaled
    huge, history = trained(dtype, X, y, class_weight={0: scale, 1: 3 * scale})
    plain, _ = trained(dtype, X, y, class_weight={0: 1.0, 1: 3.0})
    assert np.isfinite(history.cost).all() and min(history.cost) > 0
    np.testing.assert_allclose(huge.theta, plain.theta, rtol=1e-5, atol=1e-6)


def test_classifier_with_huge_sample_weights_learns(data):
    X, y, w = data
    options = dict(epochs=3, tol=None, random_state=0)
    huge = FCNNClassifier(**options).fit(X, y, sample_weight=w * 1e307).loss_curve_
    plain = FCNNClassifier(**options).fit(X, y, sample_weight=w).loss_curve_
    assert min(huge) > 0
    np.testing.assert_allclose(huge, plain, rtol=1e-12)


@pytest.mark.parametrize("entry", ["fit", "evaluate", "gradients"])
def test_weights_that_are_all_zero_are_refused(data, entry):
    X, y, _ = data
    net = fcnn.Network([3, 4, 2], seed=0)
    call = getattr(net, entry)
    with pytest.raises(ValueError, match=r"the sample weights \(sample_weight\) must not all"):
        call(X, y, sample_weight=np.zeros(40))


# ---------------------------------------------------------------- parameter assignment


def test_assignment_that_overflows_float32_is_refused_without_a_warning():
    net = fcnn.Network([2, 2], dtype="float32", seed=0)
    before = net.theta.copy()
    with warnings.catch_warnings(), pytest.raises(ValueError) as raised:
        warnings.simplefilter("error")  # numpy's RuntimeWarning must not reach the user
        net.weights[0] = [[1e39, 1e39], [1.0, 1.0]]
    assert "weights[0]" in str(raised.value) and "overflow float32" in str(raised.value)
    assert np.array_equal(net.theta, before)


def test_whole_list_assignment_changes_nothing_unless_every_layer_passes():
    net = fcnn.Network([2, 3, 1], dtype="float32", seed=0)
    before = net.theta.copy()
    with pytest.raises(ValueError, match=r"biases\[1\] must be finite: its values overflow"):
        net.biases = [np.zeros(3), [1e39]]
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape"):
        net.weights = [np.zeros((3, 2)), np.zeros((3, 1))]
    assert np.array_equal(net.theta, before)


def test_gradients_find_an_inf_written_into_a_live_view():
    net = fcnn.Network([2, 2], dtype="float32", seed=0)
    with np.errstate(over="ignore"):
        net.weights[0][0] = [1e39, 1e39]  # numpy's own assignment: fcnn does not see it
    X, y = fcnn.datasets.xor()
    with pytest.raises(ValueError, match="non-finite"):
        net.gradients(X, y)


# ---------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    "make,name",
    [
        (lambda: fcnn.Adam(eps=1e-310), "eps"),
        (lambda: fcnn.RMSProp(eps=1e-320), "eps"),
        (lambda: fcnn.AdaGrad(eps=1e-320), "eps"),
        (lambda: fcnn.AdamW(lr=5e-324), "lr"),
        (lambda: fcnn.SGD(0.1, momentum=1e-310), "momentum"),
        (lambda: fcnn.SGD(0.1, weight_decay=1e-310), "weight_decay"),
        (lambda: fcnn.Adam(beta1=1e-310), "beta1"),
        (lambda: fcnn.Adam(beta2=1e-310), "beta2"),
        (lambda: fcnn.RMSProp(rho=1e-310), "rho"),
        (lambda: fcnn.schedules.StepDecay(2, gamma=1e-310), "gamma"),
        (lambda: fcnn.schedules.Exponential(1e-310), "gamma"),
        (lambda: fcnn.schedules.InverseScaling(1e-310), "power"),
        (lambda: fcnn.schedules.ReduceOnPlateau(factor=1e-310), "factor"),
        (lambda: fcnn.schedules.ReduceOnPlateau(min_lr=1e-310), "min_lr"),
    ],
)
def test_subnormal_hyperparameters_are_refused(make, name):
    with pytest.raises(ValueError, match=rf"^{name} must be .* smallest normal float64 .*, got "):
        make()


def test_subnormal_eps_no_longer_diverges():
    """eps below the normal range acted as 0: 0 / 0 where a gradient was exactly 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 10
    y = (X[:, 0] > 0).astype(int)
    for optimizer in (fcnn.Adam, fcnn.RMSProp, fcnn.AdaGrad):
        with pytest.raises(ValueError, match="eps must be"):
            fcnn.Network([3, 50, 2], "relu", seed=0).fit(X, y, optimizer=optimizer(eps=1e-320))


def test_hyperparameters_are_checked_for_the_networks_dtype():
    X, y = fcnn.datasets.xor()
    net = fcnn.Network([2, 2], dtype="float32", seed=0)
    optimizer = fcnn.Adam(eps=1e-40)  # normal in float64, subnormal in float32
    with pytest.raises(ValueError, match=r"eps must be .* smallest normal float32 .*, got 1e-40"):
        net.fit(X, y, optimizer=optimizer)
    assert optimizer.states == []
    fcnn.Network([2, 2], seed=0).fit(X, y, optimizer=optimizer)  # fine in float64
    with pytest.raises(ValueError, match="l2 must be .* smallest normal float32"):
        net.fit(X, y, l2=1e-40)
    with pytest.raises(ValueError, match="l1 must be .* smallest normal float32"):
        net.gradients(X, y, l1=1e-40)


def test_hyperparameters_assigned_after_the_optimizer_was_made_are_checked():
    X, y = fcnn.datasets.xor()
    optimizer = fcnn.RMSProp()
    optimizer.eps = 1e-320
    with pytest.raises(ValueError, match="eps must be"):
        fcnn.Network([2, 2], seed=0).fit(X, y, optimizer=optimizer)


@pytest.mark.parametrize("t", [2**63, 2**63 - 1, 2**53 + 1, -1])
def test_step_counts_out_of_range_are_refused(t):
    with pytest.raises(ValueError, match=rf"optimizer t must be an integer in \[0, {2**53}\]"):
        fcnn.optimizers.from_config({"name": "Adam", "t": t})
    optimizer = fcnn.Adam()
    optimizer.t = t
    X, y = fcnn.datasets.xor()
    with pytest.raises(ValueError, match="optimizer t must be"):
        fcnn.Network([2, 2], seed=0).fit(X, y, optimizer=optimizer)


@pytest.mark.parametrize("t", [True, 1.0])
def test_step_counts_of_another_type_are_refused(t):
    with pytest.raises(TypeError, match="optimizer t must be an integer"):
        fcnn.optimizers.from_config({"name": "Adam", "t": t})


def test_step_count_2_53_is_taken():
    assert fcnn.optimizers.from_config({"name": "Adam", "t": 2**53}).t == 2**53


def test_a_saved_step_count_out_of_range_is_refused_on_load():
    net = fcnn.Network([2, 2], seed=0)
    X, y = fcnn.datasets.xor()
    net.fit(X, y, optimizer=fcnn.Adam())
    header, arrays = net.state()
    header["optimizer"]["t"] = 2**63
    with pytest.raises(ValueError, match="optimizer t must be"):
        fcnn.Network.from_state(header, arrays)


def test_gradients_regularization_that_n_train_makes_infinite_is_refused():
    net = fcnn.Network([2, 3, 2], seed=0)
    X, y = fcnn.datasets.xor()
    with pytest.raises(ValueError, match=r"l2 / n_train must be a finite number >= 0, got inf"):
        net.gradients(X, y, n_train=5e-324, l2=1)
    with pytest.raises(ValueError, match=r"l1 / n_train must be .* smallest normal float64"):
        net.gradients(X, y, n_train=1e10, l1=1e-300)
    assert np.isfinite(net.gradients(X, y, n_train=0.5, l2=1).cost)


def test_subnormal_dropout_is_refused():
    X, y = fcnn.datasets.xor()
    with pytest.raises(ValueError, match="dropout must be .* smallest normal float64"):
        fcnn.Network([2, 3, 2], seed=0).fit(X, y, dropout=1e-310)


@pytest.mark.parametrize(
    "parameters,name",
    [
        (dict(learning_rate=1e-320), "learning_rate"),
        (dict(learning_rate=1e-40, dtype="float32"), "learning_rate"),
        (dict(l2=1e-310), "l2"),
        (dict(dropout=1e-310), "dropout"),
    ],
)
def test_estimator_hyperparameters_below_the_normal_range_are_refused(data, parameters, name):
    X, y, _ = data
    with pytest.raises(ValueError, match=rf"^{name} must be .* smallest normal"):
        FCNNClassifier(epochs=1, **parameters).fit(X, y)


# ---------------------------------------------------------------- small items


@pytest.mark.parametrize("diagnostics", [5, 2.5, b"all"])
def test_diagnostics_of_the_wrong_type(diagnostics):
    X, y = fcnn.datasets.xor()
    with pytest.raises(TypeError, match=r"diagnostics must be None, 'all', .* got "):
        fcnn.Network([2, 2], seed=0).fit(X, y, diagnostics=diagnostics)


def test_a_schedule_that_decays_below_the_normal_range_stops_with_the_last_epoch_kept(data):
    """It trained on silently at a learning rate that the core flushes to zero."""
    X, y, _ = data
    net = fcnn.Network([3, 4, 2], seed=0)
    schedule = fcnn.schedules.Exponential(gamma=1e-160)
    with pytest.raises(ValueError, match="lr for epoch 3 must be .*smallest normal") as error:
        net.fit(X, y, epochs=3, lr=1.0, lr_schedule=schedule)
    assert "1e-320" in str(error.value)
    kept = fcnn.Network([3, 4, 2], seed=0)
    kept.fit(X, y, epochs=2, lr=1.0, lr_schedule=fcnn.schedules.Exponential(gamma=1e-160))
    assert np.array_equal(net.theta, kept.theta)


def test_a_network_with_inf_written_into_a_live_view_is_not_saved(tmp_path):
    """The file was written, and then fcnn.load refused it: the model was lost."""
    net = fcnn.Network([2, 3, 2], dtype="float32", seed=0)
    net.weights[0][0] = np.inf  # numpy's assignment into the live view: not checked there
    with pytest.raises(ValueError, match="non-finite"):
        net.save(tmp_path / "net.fcnn")
    assert not (tmp_path / "net.fcnn").exists()
