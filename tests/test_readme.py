"""Every Python block of the README runs as written, on its own, in a fresh interpreter in an
empty folder, and does what the README says it does."""

import json
import os
import re

import numpy as np
import pytest
from conftest import run_python

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def python_blocks():
    with open(README, encoding="utf-8") as handle:
        return re.findall(r"```python\n(.*?)```", handle.read(), re.S)


def run_block(block, tmp_path, after=""):
    """Run the block, then `after` (checks that read the block's variables), in a fresh
    interpreter in tmp_path; return its standard output."""
    pytest.importorskip("matplotlib")
    done = run_python(block + "\n" + after, tmp_path, MPLBACKEND="Agg")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_block_is_tested():
    assert len(python_blocks()) == 5
    assert all("import" in block for block in python_blocks())  # none leans on another


def test_the_first_example_trains_saves_and_plots(tmp_path):
    after = """
import json
print(json.dumps({"accuracy": net.evaluate(X_test, y_test)["accuracy"],
                  "cost": list(history.cost), "val_accuracy": list(history.val_accuracy)}))
"""
    lines = run_block(python_blocks()[0], tmp_path, after).strip().splitlines()
    result = json.loads(lines[-1])
    assert len(lines) - 1 == 10  # verbose=True: one line an epoch
    assert result["accuracy"] > 0.85
    assert result["cost"][-1] < result["cost"][0] and result["val_accuracy"][-1] > 0.85

    import matplotlib.image

    import fcnn

    X_test, _ = fcnn.datasets.load_mnist_sample("test")
    reloaded = fcnn.load(tmp_path / "mnist.fcnn")
    assert reloaded.evaluate(X_test, _)["accuracy"] == pytest.approx(result["accuracy"], abs=0)
    curves = matplotlib.image.imread(tmp_path / "curves.png")
    weights = matplotlib.image.imread(tmp_path / "weights.png")
    assert curves.shape[0] > 200 and weights.shape[0] > 200
    # a diverging colour map centred on 0: both signs of weight are drawn
    red = (weights[..., 0] > 0.6) & (weights[..., 2] < 0.4)
    blue = (weights[..., 2] > 0.6) & (weights[..., 0] < 0.4)
    assert red.sum() > 100 and blue.sum() > 100


def test_seeing_back_propagation_prints_the_step_the_check_and_the_norms(tmp_path):
    output = run_block(python_blocks()[1], tmp_path)
    for shown in ("BP1", "BP2", "BP3", "BP4", "before the step"):
        assert shown in output
    assert "PASSED" in output and "FAIL" not in output
    norms = re.search(r"^\[\[.*\]\]$", output, re.M)
    assert norms is not None
    assert np.array(json.loads(norms.group(0))).shape == (5, 2)  # 5 epochs, 2 layers
    for picture in ("gradients.png", "w1.png"):
        assert (tmp_path / picture).stat().st_size > 10_000


def test_the_drop_in_example_fits_as_scikit_learn_does(tmp_path):
    pytest.importorskip("sklearn")
    block = python_blocks()[2]
    done = run_python(block, tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr  # converged: no warning
    theirs = block.replace("from fcnn.sklearn import", "from sklearn.neural_network import")
    expected = run_python(theirs, tmp_path)
    assert done.stdout == expected.stdout and "(64, 64)" in done.stdout


def test_the_scikit_learn_example_prints_its_test_accuracy(tmp_path):
    pytest.importorskip("sklearn")
    done = run_python(python_blocks()[3], tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr  # no ConvergenceWarning
    assert 0.85 < float(done.stdout.strip().splitlines()[-1]) <= 1.0


def test_the_deployment_example_exports_checks_and_imports(tmp_path):
    pytest.importorskip("onnxruntime")
    done = run_python(python_blocks()[4], tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    reports = done.stdout.split("exported: ")[1:]
    assert [r.splitlines()[0] for r in reports] == ["digits.onnx", "digits"]
    assert "onnxruntime" in reports[0] and "argmax agreement" in reports[0]
    assert "accuracy" in reports[1] and "change" in reports[1]
    assert sorted(os.listdir(tmp_path / "digits")) == ["fcnn_model.c", "fcnn_model.h"]
