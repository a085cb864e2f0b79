"""fcnn.plotting: learning curves, per-layer gradient norms and weight images, drawn with
the Agg backend; the tests read back what the figures hold, not only that a file exists."""

import os
import struct
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # before pyplot is imported anywhere in this process by these tests
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import fcnn  # noqa: E402
from fcnn import plotting  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = os.path.join(os.path.dirname(__file__), "..")


def png_size(path):
    """(width, height) of a PNG file, after checking its signature and first chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def assert_png_of(fig, path):
    width, height = png_size(path)
    expected = np.round(fig.get_size_inches() * plotting.DPI).astype(int)
    assert (width, height) == tuple(expected)
    assert 300 <= width <= 3000 and 200 <= height <= 3000


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def hand_history(epochs=5, validation=True, best_epoch=None):
    history = fcnn.History()
    for e in range(epochs):
        metrics = {"cost": 1.0 / (e + 1), "accuracy": 0.5 + 0.08 * e}
        if validation:
            metrics.update(val_cost=1.2 / (e + 1) + 0.1, val_accuracy=0.45 + 0.07 * e)
        history.record(metrics, seconds=0.1, samples=100, lr=0.5)
    history.best_epoch = best_epoch
    return history


def diagnostics_history():
    """Three layers, relu, relu, sigmoid output; gradients ten times smaller per layer down."""
    history = hand_history(epochs=4, validation=False)
    for e in range(4):
        history.grad_norm_b.append([10.0 ** (l - 5) * (1 + 0.1 * e) for l in (1, 2, 3)])
        history.grad_norm_w.append([10.0 ** (l - 4) * (1 - 0.1 * e) for l in (1, 2, 3)])
        history.dead_units.append([0.1 * e, 0.05, None])
        history.saturation.append([None, None, 0.2 + 0.1 * e])
    return history


# ------------------------------------------------------------------ optional matplotlib


def test_import_fcnn_and_fcnn_plotting_does_not_import_matplotlib(tmp_path):
    code = "import sys, fcnn, fcnn.plotting; print('matplotlib' in sys.modules)"
    # the fcnn these tests import (installed, or built in place), never an unbuilt tree
    home = os.path.dirname(os.path.dirname(os.path.abspath(fcnn.__file__)))
    env = dict(os.environ, PYTHONPATH=home)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_raises_import_error_naming_the_extra(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib...` now fails
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    net = fcnn.Network([4, 3, 2], seed=0)
    calls = [
        lambda: plotting.plot_history(hand_history(), tmp_path / "a.png"),
        lambda: hand_history().plot(),
        lambda: diagnostics_history().plot_gradients(),
        lambda: net.plot_weights(1),
    ]
    for call in calls:
        with pytest.raises(ImportError, match=r'pip install "fcnn\[plot\]"'):
            call()
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ plot_history


def test_plot_history_draws_the_recorded_curves_and_marks_the_best_epoch(tmp_path):
    history = hand_history(epochs=6, best_epoch=4)
    path = tmp_path / "curves.png"
    fig = history.plot(path)
    assert_png_of(fig, path)
    cost_axes, accuracy_axes = fig.axes
    epochs = np.arange(1, 7)
    for ax, name, field in [
        (cost_axes, "training cost", "cost"),
        (cost_axes, "validation cost", "val_cost"),
        (accuracy_axes, "validation accuracy", "val_accuracy"),
        (accuracy_axes, "training accuracy", "accuracy"),
    ]:
        line = lines_by_label(ax)[name]
        np.testing.assert_array_equal(line.get_xdata(), epochs)
        np.testing.assert_array_equal(line.get_ydata(), getattr(history, field))
    for ax in (cost_axes, accuracy_axes):
        best = lines_by_label(ax)["best epoch 4"]
        assert list(best.get_xdata()) == [4, 4]
        assert ax.get_xlabel() == "epoch"
    assert cost_axes.get_ylabel() == "cost" and accuracy_axes.get_ylabel() == "accuracy"
    # the decreasing training cost shows as a curve going down in the picture
    assert np.all(np.diff(lines_by_label(cost_axes)["training cost"].get_ydata()) < 0)


def test_plot_history_without_validation_or_accuracy_has_only_what_was_recorded(tmp_path):
    history = fcnn.History()
    for cost in (0.9, 0.5, 0.4):
        history.record({"cost": cost}, seconds=0.1, samples=10, lr=0.1)
    fig = plotting.plot_history(history, tmp_path / "c.png")
    assert len(fig.axes) == 1
    assert set(lines_by_label(fig.axes[0])) == {"training cost"}
    assert not any(label.startswith("best epoch") for label in lines_by_label(fig.axes[0]))
    # an as_dict() plots the same
    same = plotting.plot_history(history.as_dict())
    np.testing.assert_array_equal(same.axes[0].get_lines()[0].get_ydata(), [0.9, 0.5, 0.4])


def test_plot_history_of_no_epochs_is_a_value_error():
    with pytest.raises(ValueError, match="no epochs"):
        plotting.plot_history(fcnn.History())


def test_plots_show_only_without_path_on_an_interactive_backend(monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(1))
    before = plt.get_fignums()
    plotting.plot_history(hand_history(), tmp_path / "a.png")
    plotting.plot_history(hand_history())
    assert shown == [] and plt.get_fignums() == before  # Agg: nothing shown, nothing kept
    monkeypatch.setattr(plotting, "_interactive_backend", lambda: True)
    plotting.plot_history(hand_history(), tmp_path / "b.png")
    assert shown == [] and plt.get_fignums() == before
    fig = plotting.plot_history(hand_history())
    assert shown == [1]
    plt.close(fig)


# ------------------------------------------------------------------ plot_gradients


def test_plot_gradients_one_log_line_per_layer(tmp_path):
    history = diagnostics_history()
    path = tmp_path / "grads.png"
    fig = history.plot_gradients(path)
    assert_png_of(fig, path)
    bias_axes, weight_axes, health_axes = fig.axes
    for ax, field in [(bias_axes, "grad_norm_b"), (weight_axes, "grad_norm_w")]:
        assert ax.get_yscale() == "log"
        lines = lines_by_label(ax)
        assert set(lines) == {"layer 1", "layer 2", "layer 3"}
        for l in (1, 2, 3):
            expected = [epoch[l - 1] for epoch in getattr(history, field)]
            np.testing.assert_allclose(lines[f"layer {l}"].get_ydata(), expected, rtol=0)
            np.testing.assert_array_equal(lines[f"layer {l}"].get_xdata(), [1, 2, 3, 4])
    assert "db" in bias_axes.get_title() and "dw" in weight_axes.get_title()
    # dead units only for the relu layers, saturation only for the sigmoid layer
    assert health_axes.get_yscale() == "linear"
    health = lines_by_label(health_axes)
    assert set(health) == {"layer 1 dead units", "layer 2 dead units", "layer 3 saturated"}
    np.testing.assert_allclose(health["layer 1 dead units"].get_ydata(), [0, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(health["layer 3 saturated"].get_ydata(), [0.2, 0.3, 0.4, 0.5])
    # one colour per layer in every panel, one legend entry per layer
    assert (
        lines_by_label(bias_axes)["layer 3"].get_color() == health["layer 3 saturated"].get_color()
    )
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["layer 1", "layer 2", "layer 3"]


def test_plot_gradients_draws_the_line_styles_its_legend_shows():
    fig = diagnostics_history().plot_gradients()
    health_axes = fig.axes[-1]
    legend = health_axes.get_legend()
    styles = {
        text.get_text(): handle.get_linestyle()
        for text, handle in zip(legend.get_texts(), legend.legend_handles)
    }
    assert styles == {"dead ReLU units": "-", "saturated sigmoid/tanh units": "--"}
    for line in health_axes.get_lines():
        kind = "dead ReLU units" if "dead" in line.get_label() else "saturated sigmoid/tanh units"
        assert line.get_linestyle() == styles[kind], line.get_label()
        assert line.get_marker() in ("None", None, "")  # markers would hide the dashes
    plt.close(fig)


def test_plot_gradients_without_diagnostics_says_how_to_get_them():
    with pytest.raises(ValueError, match=r"diagnostics=\('grad_norm',\)"):
        plotting.plot_gradients(hand_history())


def test_plot_gradients_with_only_dead_units_has_one_panel():
    history = hand_history(epochs=2)
    history.dead_units = [[0.5, None], [0.25, None]]
    fig = plotting.plot_gradients(history)
    assert len(fig.axes) == 1
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [0.5, 0.25])


# ------------------------------------------------------------------ plot_weights


@pytest.fixture(scope="module")
def mnist_net(mnist):
    """[784, 30, 10] trained briefly on 5,000 real MNIST images."""
    X, y = mnist[0][:5000], mnist[1][:5000]
    net = fcnn.Network([784, 30, 10], "sigmoid", "cross_entropy", seed=0)
    net.fit(X, y, epochs=3, batch_size=10, lr=0.5, seed=0)
    return net


def images_of(fig):
    return [image for ax in fig.axes for image in ax.get_images()]


def test_plot_weights_draws_each_first_layer_unit_as_its_28x28_receptive_field(mnist_net, tmp_path):
    path = tmp_path / "weights.png"
    fig = mnist_net.plot_weights(1, path)
    assert_png_of(fig, path)
    w = mnist_net.weights[0]
    images = images_of(fig)
    assert len(images) == 30
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image.get_array(), w[j].reshape(28, 28))
        low, high = image.get_clim()
        assert high == -low == pytest.approx(np.abs(w[j]).max())
        assert image.get_cmap().name == "RdBu_r"
    title = fig._suptitle.get_text()
    assert "layer 1" in title and "28x28" in title
    # the saved picture is in colour: both reds (w > 0) and blues (w < 0) are in it
    rgb = matplotlib.image.imread(path)[..., :3]
    assert np.any((rgb[..., 0] > 0.6) & (rgb[..., 2] < 0.4))
    assert np.any((rgb[..., 2] > 0.6) & (rgb[..., 0] < 0.4))


def test_plot_weights_shows_at_most_max_units(mnist_net):
    fig = plotting.plot_weights(mnist_net, 1, max_units=7)
    images = images_of(fig)
    assert len(images) == 7
    np.testing.assert_array_equal(images[6].get_array(), mnist_net.weights[0][6].reshape(28, 28))
    assert "first 7 of 30" in fig._suptitle.get_text()


def test_plot_weights_of_a_non_image_layer_is_one_heat_map_of_the_matrix(mnist_net, tmp_path):
    path = tmp_path / "w2.png"
    fig = plotting.plot_weights(mnist_net, 2, path)
    assert_png_of(fig, path)
    images = images_of(fig)
    assert len(images) == 1
    np.testing.assert_array_equal(images[0].get_array(), mnist_net.weights[1])
    low, high = images[0].get_clim()
    assert high == -low == pytest.approx(np.abs(mnist_net.weights[1]).max())
    ax = images[0].axes
    assert ax.get_xlabel() == "from neuron i of layer 1"
    assert ax.get_ylabel() == "to neuron j of layer 2"
    assert "layer 2" in ax.get_title() and "10 x 30" in ax.get_title()
    # shape="matrix" forces the heat map where the tiles would be inferred
    forced = images_of(plotting.plot_weights(mnist_net, 1, shape="matrix"))
    assert len(forced) == 1 and forced[0].get_array().shape == (30, 784)


def test_plot_weights_with_a_given_tile_shape():
    net = fcnn.Network([12, 5, 2], seed=1)
    images = images_of(net.plot_weights(1, shape=(3, 4)))
    assert len(images) == 5
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image.get_array(), net.weights[0][j].reshape(3, 4))
    # 12 inputs are no square: without shape, the matrix
    assert len(images_of(net.plot_weights(1))) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer": 0}, "layer must be an integer from 1 to 2"),
        ({"layer": 3}, "layer must be an integer from 1 to 2"),
        ({"layer": 1.0}, "layer must be an integer"),
        ({"layer": 1, "shape": (5, 5)}, r"rows \* cols = 12"),
        ({"layer": 1, "shape": "square"}, "shape must be"),
        ({"layer": 1, "max_units": 0}, "max_units must be a positive integer"),
    ],
)
def test_plot_weights_rejects_bad_arguments(kwargs, message):
    net = fcnn.Network([12, 5, 2], seed=1)
    with pytest.raises(ValueError, match=message):
        plotting.plot_weights(net, **kwargs)


def test_plot_weights_needs_a_network():
    with pytest.raises(TypeError, match="net must be an fcnn.Network"):
        plotting.plot_weights(np.zeros((3, 3)))
