"""Imports from PyTorch: Sequential MLPs become Networks that predict what the modules
predict (to 1e-12 in float64) and train on with fcnn; what fcnn cannot compute is refused
with the module's index and class."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fcnn

torch = pytest.importorskip("torch")
nn = torch.nn
X = np.random.default_rng(0).normal(size=(60, 6))
LABELS = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def trains_on(net, X, y):
    before = net.theta.copy()
    net.fit(X, y, epochs=3, batch_size=10, lr=0.05, seed=0)
    assert np.all(np.isfinite(net.theta)) and not np.array_equal(net.theta, before)


TORCH_ACTIVATIONS = [
    (nn.ReLU(), "relu"),
    (nn.Sigmoid(), "sigmoid"),
    (nn.Tanh(), "tanh"),
    (nn.LeakyReLU(0.2), "leaky_relu"),
    (nn.PReLU(), "prelu"),
    (nn.PReLU(9), "prelu"),
    (nn.ELU(alpha=0.7), "elu"),
    (nn.SELU(), "selu"),
    (nn.GELU(), "gelu"),
    (nn.GELU(approximate="tanh"), "gelu_tanh"),
    (nn.Softplus(), "softplus"),
    (nn.Mish(), "mish"),
    (nn.SiLU(), "swish"),
    (nn.Identity(), "linear"),
]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(("module", "name"), TORCH_ACTIVATIONS, ids=repr)
def test_torch_hidden_activations(module, name, dtype):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 9), module, nn.Linear(9, 3), nn.Softmax(dim=1)).to(dtype)
    if isinstance(module, nn.PReLU):
        with torch.no_grad():
            module.weight.uniform_(-0.5, 0.5)
    net = fcnn.from_torch(model)
    assert [f.name for f in net.activations] == [name, "softmax"]
    assert net.cost.name == "log_likelihood" and net.dtype == np.dtype(str(dtype).split(".")[1])
    inputs = 3 * X.astype(net.dtype)
    with torch.inference_mode():
        expected = model(torch.from_numpy(inputs)).numpy()
    tolerance = 1e-12 if dtype == torch.float64 else 1e-6
    assert_allclose(net.predict(inputs), expected, rtol=tolerance, atol=tolerance)
    trains_on(net, inputs, LABELS)


def test_torch_structures():
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 5, bias=False),  # zero biases
        nn.Linear(5, 4),  # after a Linear without activation: a linear layer before it
        nn.Dropout(0.5),
        nn.Sequential(nn.Tanh(), nn.Linear(4, 2)),
        nn.Sigmoid(),
    ).double()
    model.eval()
    net = fcnn.from_torch(model)
    assert net.sizes == (6, 5, 4, 2)
    assert [f.name for f in net.activations] == ["linear", "tanh", "sigmoid"]
    assert net.cost.name == "cross_entropy" and not net.biases[0].any()
    with torch.inference_mode():
        expected = model(torch.from_numpy(X)).numpy()
    assert_allclose(net.predict(X), expected, rtol=1e-12, atol=1e-12)
    regression = fcnn.from_torch(nn.Sequential(nn.Linear(6, 3), nn.ReLU(), nn.Linear(3, 1)))
    assert regression.cost.name == "quadratic" and regression.dtype == np.float32
    assert fcnn.from_torch(model, cost="quadratic", dtype="float32").dtype == np.float32


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([nn.Linear(6, 3), nn.ReLU6()], r"module 1 \(ReLU6\) is not supported"),
        ([nn.Linear(6, 3), nn.LogSoftmax(dim=1)], "fcnn has no log-softmax"),
        ([nn.ReLU(), nn.Linear(6, 3)], r"module 0 \(ReLU\) must follow a Linear layer"),
        ([nn.Linear(6, 3), nn.ReLU(), nn.Tanh()], r"module 2 \(Tanh\) must follow a Linear"),
        (
            [nn.Linear(6, 3), nn.Softmax(1), nn.Linear(3, 2)],
            r"module 1 \(Softmax\) is for the output only",
        ),
        ([nn.Linear(6, 3), nn.Softmax(0)], r"dim=1 or -1\), got dim=0"),
        ([nn.Linear(6, 3), nn.PReLU()], r"module 1 \(PReLU\) is for hidden layers only"),
        ([nn.Linear(6, 3), nn.PReLU(2), nn.Linear(3, 1)], "must have 1 or 3 slopes"),
        ([nn.Linear(6, 3), nn.Softplus(beta=2)], "beta=1 and threshold=20"),
        ([nn.Flatten(0), nn.Linear(6, 3)], "must flatten dims 1 to -1"),
        ([nn.Linear(6, 3), nn.Linear(4, 1)], r"module 1 \(Linear\) must take the 3 outputs"),
        ([nn.ReLU()], "must follow a Linear layer"),
        ([], "has no Linear layer"),
    ],
)
def test_torch_errors_name_the_module(layers, message):
    with pytest.raises(ValueError, match=message):
        fcnn.from_torch(nn.Sequential(*layers))


def test_torch_type_and_dtype_errors():
    with pytest.raises(TypeError, match="torch.nn.Sequential, got Linear"):
        fcnn.from_torch(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="got torch.float16"):
        fcnn.from_torch(nn.Sequential(nn.Linear(2, 1)).half())
