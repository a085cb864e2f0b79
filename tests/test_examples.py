"""The examples run small and fast, write their plot, and show what they are about."""

import argparse
import builtins
import importlib.util
import os
import sys

import numpy as np
import pytest
from conftest import MNIST_DIR

import fcnn

EXAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "examples"))
SCRIPTS = sorted(
    name[:-3] for name in os.listdir(EXAMPLES) if name.endswith(".py") and name[0] != "_"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

needs_mnist = pytest.mark.skipif(
    not os.path.isdir(MNIST_DIR), reason=f"MNIST not found at {MNIST_DIR}"
)


def load_example(name):
    """examples/<name>.py as a module (the examples are scripts, not a package; they
    import their sibling _shared, as Python run on a script finds it)."""
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", os.path.join(EXAMPLES, f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def png(tmp_path):
    """A path for the example's plot; checks after the test that a real PNG was written."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    yield str(path)
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5000  # a drawn figure, not an empty canvas


def test_worked_examples_give_the_checked_values_and_flag_the_notes_errors(capsys):
    results = load_example("worked_examples").main([])
    e1, e2, e3, e4 = results["E1"], results["E2"], results["E3"], results["E4"]
    np.testing.assert_allclose(e1["a^1"], [0.3, 0.0, 0.2], atol=1e-12)
    np.testing.assert_allclose(e1["a^1 by the bias trick"], e1["a^1"], atol=1e-12)
    np.testing.assert_allclose(e2["delta^2 (BP1)"], -0.1218322354, atol=1e-10)
    np.testing.assert_allclose(e2["dC/dw^1 (BP4)"], [[-0.0003045501, -0.0009136504]], atol=1e-10)
    np.testing.assert_allclose(
        e2["w^1 after the step"], [[0.4000030455, -0.1999908635]], atol=1e-10
    )
    np.testing.assert_allclose(e2["b^2 after the step"], 0.0012183224, atol=1e-10)
    np.testing.assert_allclose(e3["delta^2 (BP1)"], -0.0746148433, atol=1e-10)
    np.testing.assert_allclose(e3["w^2 after the step"], [[0.2185778822, 0.8149229687]], atol=1e-10)
    np.testing.assert_allclose(e3["b^2 after the step"], 0.7798459373, atol=1e-10)
    np.testing.assert_allclose(
        e3["w^1 after the step"], [[1, 0.5014027812], [0.1, 0.0059691875]], atol=1e-10
    )
    np.testing.assert_allclose(
        e4["softmax(z)"], [0.7053845127, 0.2594964603, 0.0351190270], atol=1e-10
    )

    printed = capsys.readouterr().out
    e2_text = printed[printed.index("E2 -") : printed.index("E3 -")]
    e3_text = printed[printed.index("E3 -") : printed.index("E4 -")]
    assert "NOTES ARE WRONG" not in e2_text  # E2's notes only round
    for quantity in ("delta^2 (BP1)", "w^2 after the step", "b^2 after the step"):
        line = next(row for row in e3_text.splitlines() if row.strip().startswith(quantity))
        assert "NOTES ARE WRONG" in line


def test_learning_slowdown_quadratic_stalls_where_cross_entropy_does_not(png):
    results = load_example("learning_slowdown").main(["--epochs", "30", "--out", png])
    saturated = results["w=2,b=2"]
    quadratic, cross_entropy = saturated["quadratic"], saturated["cross_entropy"]
    assert len(quadratic) == len(cross_entropy) == 31  # epochs 0..30
    assert quadratic[30] > 0.95 * quadratic[0]  # barely moved from the saturated start
    assert cross_entropy[30] < 0.1 * cross_entropy[0]
    # the slowdown comes from saturation: from an unsaturated start the quadratic learns
    unsaturated = results["w=0.6,b=0.9"]["quadratic"]
    assert unsaturated[30] < 0.7 * unsaturated[0]


def test_xor_needs_a_hidden_layer(png):
    results = load_example("xor").main(["--epochs", "3000", "--out", png])
    by_kind = {name.split(":")[0]: result["accuracy"] for name, result in results.items()}
    assert by_kind["hidden layer"] == 1.0
    # a linear boundary cannot separate XOR, whatever threshold decides the class
    best = {name.split(":")[0]: result["best"] for name, result in results.items()}
    assert best["linear boundary"] <= 0.75 and best["all linear"] <= 0.75
    assert by_kind["linear boundary"] <= best["linear boundary"]
    assert by_kind["all linear"] <= best["all linear"]


def test_xor_best_threshold_accuracy_tries_every_threshold():
    best_threshold_accuracy = load_example("xor").best_threshold_accuracy
    y = np.array([0, 1, 1, 0])
    assert best_threshold_accuracy(np.array([0.1, 0.9, 0.8, 0.2]), y) == 1.0
    assert best_threshold_accuracy(np.array([0.5, 0.5, 0.5, 0.5]), y) == 0.5
    assert best_threshold_accuracy(np.array([0.1, 0.2, 0.3, 0.4]), y) == 0.75  # a > 0.1
    assert best_threshold_accuracy(np.array([0.9, 0.2, 0.3, 0.4]), y) == 0.5


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_of_every_example_is_sentences_with_choices_and_defaults(name, capsys):
    module = load_example(name)
    parser = module.build_parser()
    assert parser.description.endswith(".") and parser.description[0].isupper()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        text = action.help
        assert text[0].isupper() and text.endswith("."), (name, action.dest)
        assert "(default: " in text, (name, action.dest)
        if action.choices:
            assert "%(choices)s" in text, (name, action.dest)
    with pytest.raises(SystemExit) as stop:
        module.main(["--help"])
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out


@pytest.fixture
def no_matplotlib(monkeypatch):
    real_import = builtins.__import__

    def without(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)


@pytest.mark.parametrize("name", [s for s in SCRIPTS if s not in ("mnist", "worked_examples")])
def test_out_without_matplotlib_fails_before_training_naming_the_extra(
    name, no_matplotlib, monkeypatch, capsys
):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(fcnn.Network, "fit", no_training)
    monkeypatch.setattr(fcnn.Network, "step", no_training)
    with pytest.raises(SystemExit) as stop:
        load_example(name).main(["--out", "plot.png"])
    assert stop.value.code == 2
    assert 'pip install "fcnn[plot]"' in capsys.readouterr().err


def test_mnist_examples_fall_back_to_the_bundled_sample_and_say_so(tmp_path, monkeypatch, capsys):
    module = load_example("mnist")
    monkeypatch.setattr(sys.modules["_shared"], "DEFAULT_DATA", str(tmp_path / "absent"))
    results = module.build_parser().parse_args([])
    assert results.data == str(tmp_path / "absent")
    results = module.main(["--epochs", "1"])
    printed = capsys.readouterr().out
    said = [line for line in printed.splitlines() if "bundled" in line]
    assert len(said) == 1 and str(tmp_path / "absent") in said[0]
    assert results["history"].epochs == 1 and results["test_accuracy"] > 0.8


@needs_mnist
def test_vanishing_gradients_sigmoid_layers_near_the_input_learn_slowest(png):
    results = load_example("vanishing_gradients").main(
        ["--samples", "300", "--epochs", "2", "--data", MNIST_DIR, "--out", png]
    )
    sigmoid, relu = results["sigmoid"]["norms"], results["relu"]["norms"]
    assert len(sigmoid) == len(relu) == 3  # initialisation and 2 epochs
    assert all(len(norms) == 4 for norms in sigmoid + relu)
    at_init = sigmoid[0]
    assert at_init[0] < at_init[1] < at_init[2] < at_init[3]
    sigmoid_ratio = at_init[0] / at_init[3]
    relu_ratio = relu[0][0] / relu[0][3]
    assert sigmoid_ratio < 0.1
    assert relu_ratio > 10 * sigmoid_ratio


@needs_mnist
def test_activations_costs_without_the_f_prime_factor_learn_faster(png):
    results = load_example("activations_costs").main(
        ["--samples", "1000", "--epochs", "1", "--data", MNIST_DIR, "--out", png]
    )
    after_one_epoch = {name: result["val_accuracy"][1] for name, result in results.items()}
    fast = [
        after_one_epoch[name]
        for name in ("sigmoid + cross_entropy", "softmax + log_likelihood", "linear + quadratic")
    ]
    slow = [after_one_epoch[name] for name in ("sigmoid + quadratic", "softmax + quadratic")]
    assert min(fast) > max(slow) + 0.1
