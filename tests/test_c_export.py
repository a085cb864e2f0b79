"""fcnn.export.to_c: the C it writes compiles strictly, computes predict, and says so truly."""

import os
import shutil
import subprocess

import numpy as np
import pytest

import fcnn
from fcnn.activations import ELU, Activation, LeakyReLU
from fcnn.datasets import load_mnist_sample
from fcnn.export import to_c

STRICT = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2"]
GCC = "gcc"

HIDDEN = [
    "sigmoid", "tanh", "relu", LeakyReLU(0.1), "prelu", "swish", "exp", "gelu",
    "gelu_tanh", ELU(0.7), "selu", "softplus", "mish", "linear",
]  # fmt: skip
OUTPUT = ["sigmoid", "softmax", "linear", "exp", "tanh", "relu", LeakyReLU(0.1), "swish",
          "gelu", "gelu_tanh", ELU(0.7), "selu", "softplus", "mish"]  # fmt: skip
# every hidden activation under the three kinds of output, every output over tanh
LAYERS = [(h, o) for h in HIDDEN for o in OUTPUT[:3]] + [("tanh", o) for o in OUTPUT[3:]]


def net_with(hidden, output, dtype="float64"):
    """[4, 6, 5, 3] with `hidden` at both hidden layers (one exp layer: e^e^z overflows)."""
    second = "tanh" if hidden == "exp" else hidden
    net = fcnn.Network([4, 6, 5, 3], [hidden, second, output], seed=0, dtype=dtype)
    if hidden == "prelu":  # slopes of their own per unit
        net.params[0]["slopes"][:] = np.linspace(-0.5, 0.5, 6)
    return net


def inputs(rows=100):
    return np.random.default_rng(1).standard_normal((rows, 4))


def run_executable(folder, name, X, real, flags=STRICT):
    """Outputs of the exported code on X through a C program (not ctypes), built with
    `flags`, which reads and prints hexadecimal floats."""
    T, conv = ("double", "") if real == "double" else ("float", "f")
    program = os.path.join(folder, "main.c")
    with open(program, "w") as handle:
        handle.write(f"""\
#include <stdio.h>
#include <stdlib.h>
#include "{name}.h"
int main(void)
{{
    {T} input[{X.shape[1]}], output[{name.upper()}_OUTPUTS];
    {name}_scratch_t scratch[{name.upper()}_SCRATCH];
    char text[64];
    int i;
    while (scanf("%63s", text) == 1) {{
        input[0] = ({T})strtod(text, NULL);
        for (i = 1; i < {name.upper()}_INPUTS; ++i) {{
            if (scanf("%63s", text) != 1) return 1;
            input[i] = ({T})strtod(text, NULL);
        }}
        {name}_predict_with(input, output, scratch);
        for (i = 0; i < {name.upper()}_OUTPUTS; ++i)
            printf("%a ", (double)output[i]);
        {name}_predict(input, output);
        for (i = 0; i < {name.upper()}_OUTPUTS; ++i)
            printf("%a ", (double)output[i]);
        printf("\\n");
    }}
    return 0;
}}
""")
    binary = os.path.join(folder, "main")
    subprocess.run(
        [GCC, *flags, program, os.path.join(folder, f"{name}.c"), "-o", binary, "-lm"],
        check=True,
        capture_output=True,
    )
    numbers = " ".join(float.hex(float(v)) for v in np.asarray(X, np.float64).ravel())
    done = subprocess.run([binary], input=numbers, capture_output=True, text=True, check=True)
    rows = np.array([[float.fromhex(v) for v in line.split()] for line in done.stdout.splitlines()])
    with_scratch, on_stack = np.split(rows, 2, axis=1)
    np.testing.assert_array_equal(with_scratch, on_stack)
    return with_scratch


@pytest.mark.parametrize(("hidden", "output"), LAYERS, ids=str)
def test_float64_equals_predict_to_1e_12(tmp_path, hidden, output):
    net = net_with(hidden, output)
    report = to_c(net, tmp_path, dtype="float64", calibration=inputs())
    assert report is not None and report.samples == 100
    assert report.max_rel <= 1e-12


@pytest.mark.parametrize(("hidden", "output"), LAYERS, ids=str)
def test_float32_equals_predict_to_1e_6(tmp_path, hidden, output):
    """Relative to each output for outputs held away from 0 (sigmoid, softmax); outputs
    that cross 0 lose float32's digits to the sum's cancellation near it, so there
    relative to the row's largest output. A hidden exp layer multiplies its inputs'
    relative error by |z| (its condition number), to 1.1e-6 here."""
    X = inputs()
    net = net_with(hidden, output)
    to_c(net, tmp_path, dtype="float32", calibration=X, check=False)
    got = run_executable(str(tmp_path), "fcnn_model", X, "float")
    expected = net.predict(X)
    difference = np.abs(got - expected)
    tolerance = 2e-6 if hidden == "exp" else 1e-6
    if output in ("sigmoid", "softmax"):
        assert np.all(difference <= tolerance * np.abs(expected))
    assert np.all(difference <= tolerance * np.abs(expected).max(axis=1, keepdims=True))


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_a_float32_network_exports_too(tmp_path, dtype):
    X = inputs()
    net = net_with("relu", "softmax", dtype="float32")
    report = to_c(net, tmp_path, dtype=dtype, calibration=X)
    assert report is not None
    if dtype == "float32":
        assert report.max_rel <= 1e-6
    else:
        assert report.argmax_agreement is not None and report.argmax_agreement >= 0.9


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8"])
def test_the_report_is_what_the_code_computes(tmp_path, dtype):
    """The written files, built by hand as a program with strict flags, give the
    deviations and agreement the report states."""
    X, labels = inputs(), np.random.default_rng(2).integers(0, 3, 100)
    net = net_with("gelu", "softmax")
    report = to_c(net, tmp_path, dtype=dtype, calibration=X, labels=labels, name="net3")
    real = "double" if dtype == "float64" else "float"
    got = run_executable(str(tmp_path), "net3", X, real)
    expected = net.predict(X)
    difference = np.abs(got - expected)
    assert report is not None and report.path == str(tmp_path) and "gcc" in report.runner
    assert report.max_abs == difference.max()
    assert report.max_rel == (difference / np.abs(expected)).max()
    assert report.argmax_agreement == np.mean(got.argmax(1) == expected.argmax(1))
    assert report.accuracy == (
        np.mean(expected.argmax(1) == labels),
        np.mean(got.argmax(1) == labels),
    )


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8"])
def test_every_activation_compiles_with_strict_flags_and_as_cxx(tmp_path, dtype):
    net = fcnn.Network([3, *[4] * len(HIDDEN), 2], [*HIDDEN, "softmax"], seed=0)
    to_c(net, tmp_path, dtype=dtype, calibration=inputs()[:, :3], check=False)
    source = tmp_path / "fcnn_model.c"
    for standard in ("-std=c99", "-std=c11"):
        flags = [standard, "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wconversion"]
        subprocess.run([GCC, *flags, "-c", str(source), "-o", os.devnull], check=True)
    header_user = tmp_path / "user.cc"
    header_user.write_text('#include "fcnn_model.h"\nint main() { return FCNN_MODEL_OUTPUTS; }\n')
    if shutil.which("g++"):
        subprocess.run(["g++", "-Wall", "-Werror", "-c", str(header_user), "-o", os.devnull],
                       check=True, cwd=tmp_path)  # fmt: skip


def test_without_a_hidden_layer(tmp_path):
    net = fcnn.Network([4, 3], ["softmax"], seed=0)
    for dtype in ("float32", "float64", "int8"):
        report = to_c(net, tmp_path, dtype=dtype, calibration=inputs())
        assert report is not None and report.argmax_agreement > 0.9


def test_check_false_writes_and_returns_none(tmp_path):
    folder = tmp_path / "new" / "folder"
    assert to_c(net_with("relu", "linear"), folder, name="m", check=False) is None
    assert sorted(os.listdir(folder)) == ["m.c", "m.h"]
    assert "void m_predict(const float *input, float *output);" in (folder / "m.h").read_text()


def test_without_a_compiler_check_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setattr("sysconfig.get_config_var", lambda name: None)
    with pytest.raises(RuntimeError, match="no C compiler.*check=False"):
        to_c(net_with("relu", "linear"), tmp_path / "out")


class Softsign(Activation):
    name = "softsign"

    def __call__(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z):
        return 1 / (1 + np.abs(z)) ** 2


def test_refusals(tmp_path):
    net = net_with("relu", "linear")
    with pytest.raises(TypeError, match=r"layer 2's activation 'softsign' \(Softsign\)"):
        to_c(fcnn.Network([2, 3, 3, 1], ["relu", Softsign(), "linear"]), tmp_path)
    with pytest.raises(
        ValueError, match="dtype must be 'float32', 'float64' or 'int8', got 'int4'"
    ):
        to_c(net, tmp_path, dtype="int4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name must be a C identifier, got '2nd'"):
        to_c(net, tmp_path, name="2nd")
    with pytest.raises(ValueError, match="calibration is required for int8"):
        to_c(net, tmp_path, dtype="int8")
    with pytest.raises(ValueError, match=r"shape \(n_samples, 4\).*got \(5, 3\)"):
        to_c(net, tmp_path, calibration=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="finite"):
        to_c(net, tmp_path, calibration=np.full((5, 4), np.nan))
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\).*got \(4,\)"):
        to_c(net, tmp_path, calibration=np.zeros((5, 4)), labels=[0, 1, 2, 0])
    wide = fcnn.Network([140_000, 1], seed=0)
    with pytest.raises(ValueError, match="layer 1 has 140000 inputs.*overflow"):
        to_c(wide, tmp_path, dtype="int8", calibration=np.ones((1, 140_000)), check=False)


def test_int8_on_mnist_loses_at_most_half_a_point(tmp_path):
    """[784, 100, 10] trained on the bundled MNIST sample; int8 quantized with ranges from
    1,000 training images, scored (through a program of its own) on the 2,000 test
    images against predict."""
    X, y = load_mnist_sample("train")
    X_test, y_test = load_mnist_sample("test")
    net = fcnn.Network([784, 100, 10], ["sigmoid", "softmax"], "log_likelihood", seed=0)
    net.fit(X, y, epochs=3, batch_size=10, lr=0.5)
    report = to_c(net, tmp_path, dtype="int8", calibration=X[:1000], labels=y[:1000])
    assert report is not None and report.accuracy is not None
    assert report.accuracy[1] >= report.accuracy[0] - 0.005
    got = run_executable(str(tmp_path), "fcnn_model", X_test, "float")
    ours = np.mean(net.predict(X_test).argmax(1) == y_test)
    theirs = np.mean(got.argmax(1) == y_test)
    assert ours > 0.9
    assert theirs >= ours - 0.005


def test_docstring_examples_run():
    import doctest

    import fcnn._c_export

    tests = [t for t in doctest.DocTestFinder().find(fcnn._c_export) if t.examples]
    assert tests
    runner = doctest.DocTestRunner()
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
