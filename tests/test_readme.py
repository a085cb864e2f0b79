"""The README's first example runs as written and draws the right pictures."""

import os
import re

import numpy as np
import pytest

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def first_python_example():
    with open(README, encoding="utf-8") as handle:
        return re.search(r"```python\n(.*?)```", handle.read(), re.S).group(1)


def test_the_readme_example_trains_saves_and_plots(tmp_path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.image

    import fcnn

    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(first_python_example(), "README.md", "exec"), scope)
    net, history = scope["net"], scope["history"]
    assert net.evaluate(scope["X_test"], scope["y_test"])["accuracy"] > 0.85
    assert len(capsys.readouterr().out.strip().splitlines()) == 10  # one line an epoch
    assert np.array_equal(
        fcnn.load("mnist.fcnn").predict(scope["X_test"]), net.predict(scope["X_test"])
    )
    curves = matplotlib.image.imread("curves.png")
    weights = matplotlib.image.imread("weights.png")
    assert curves.shape[0] > 200 and weights.shape[0] > 200
    # learning curves: the cost falls, accuracy rises
    assert history.cost[-1] < history.cost[0] and history.val_accuracy[-1] > 0.85
    # a diverging colour map centred on 0: both signs of weight are drawn
    red = (weights[..., 0] > 0.6) & (weights[..., 2] < 0.4)
    blue = (weights[..., 2] > 0.6) & (weights[..., 0] < 0.4)
    assert red.sum() > 100 and blue.sum() > 100
