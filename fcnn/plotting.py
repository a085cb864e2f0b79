"""Pictures of training: learning curves, per-layer gradient norms, weights as images.

matplotlib is an optional extra (pip install "fcnn[plot]"); it is imported only when a
function here is called, so `import fcnn` never loads it.

Every function returns the matplotlib Figure. With `path` the figure is saved there as a
PNG and nothing is shown; without it, the figure is shown only when matplotlib's backend
is interactive (a window); under Agg or in a notebook the returned Figure is the picture.
Figures that are not shown are plain ``matplotlib.figure.Figure`` objects that pyplot does
not keep, so plotting in a loop leaks nothing.

Examples
--------
>>> import os, tempfile
>>> import fcnn
>>> from fcnn.plotting import plot_history
>>> X, y = fcnn.datasets.xor()
>>> net = fcnn.Network([2, 3, 2], "sigmoid", "quadratic", seed=0)
>>> history = net.fit(X, y, epochs=5, batch_size=4, lr=1.0)
>>> with tempfile.TemporaryDirectory() as folder:
...     fig = plot_history(history, os.path.join(folder, "curves.png"))
...     print(os.listdir(folder))
['curves.png']
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from .history import History
    from .network import Network

__all__ = ["plot_history", "plot_gradients", "plot_weights"]

DPI = 100
_MIN_TILE_SIDE = 3  # inputs of 3x3 pixels or more are drawn as images, fewer as a matrix
_HEALTH_STYLES: dict[str, Literal["-", "--"]] = {
    "dead ReLU units": "-",
    "saturated sigmoid/tanh units": "--",
}


def plot_history(
    history: History | Mapping[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Learning curves of a fit, per epoch 1..n.

    Left: the training cost (the running mean over each epoch) and the validation cost.
    Next, when any accuracy was recorded: the validation accuracy and the training
    accuracy. Last, when fit had `metrics`: their values, one line each. With early
    stopping, a dashed line marks best_epoch, the epoch whose
    parameters were kept.

    Parameters
    ----------
    history : History or dict
        What `Network.fit` returned, or its ``as_dict()``.
    path : str or os.PathLike, optional
        Save the figure there as a PNG instead of showing it.
    title : str, optional
        The figure's title; by default "learning curves, n epochs".

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If `history` has no epochs (its cost list is empty).
    ImportError
        If matplotlib is not installed (``pip install "fcnn[plot]"``).

    See Also
    --------
    History.plot : The same, as a method.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.plotting import plot_history
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 3, 2], "sigmoid", "quadratic", seed=0)
    >>> history = net.fit(X, y, epochs=5, batch_size=4, lr=1.0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fig = plot_history(history, os.path.join(folder, "curves.png"))
    >>> [ax.get_title() for ax in fig.axes]
    ['cost', 'accuracy']
    """
    cost = _series(history, "cost")
    if not cost:
        raise ValueError("history has no epochs to plot: its cost list is empty")
    val_cost = _series(history, "val_cost")
    accuracy = _series(history, "accuracy")
    val_accuracy = _series(history, "val_accuracy")
    best_epoch = _field(history, "best_epoch")
    metrics = _field(history, "metrics") or {}

    with_accuracy = bool(accuracy or val_accuracy)
    panels = 1 + with_accuracy + bool(metrics)
    fig, axes = _figure(path, panels, figsize=(5.5 * panels, 4.2))
    cost_axes = axes[0]
    _epoch_line(cost_axes, cost, "training cost", "C0")
    if val_cost:
        _epoch_line(cost_axes, val_cost, "validation cost", "C1")
    cost_axes.set_ylabel("cost")
    cost_axes.set_title("cost")
    if with_accuracy:
        accuracy_axes = axes[1]
        if accuracy:
            _epoch_line(accuracy_axes, accuracy, "training accuracy", "C0")
        if val_accuracy:
            _epoch_line(accuracy_axes, val_accuracy, "validation accuracy", "C1")
        accuracy_axes.set_ylabel("accuracy")
        accuracy_axes.set_title("accuracy")
    if metrics:
        metrics_axes = axes[-1]
        for k, (name, values) in enumerate(metrics.items()):
            _epoch_line(metrics_axes, [float(v) for v in values], name, f"C{k}")
        metrics_axes.set_title("metrics")
    for ax in axes:
        if best_epoch is not None:
            ax.axvline(
                best_epoch,
                color="0.4",
                linestyle="--",
                linewidth=1,
                label=f"best epoch {best_epoch}",
            )
        ax.set_xlabel("epoch")
        _integer_epochs(ax)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title or f"learning curves, {len(cost)} epochs")
    return _finish(fig, path)


def plot_gradients(
    history: History | Mapping[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Per-layer gradient norms per epoch on a log scale, one line per layer ("layer l").

    ||dC/db^l|| and ||dC/dw^l|| in two panels: when the early layers' lines lie decades
    below the last layer's, those layers learn that much more slowly (vanishing
    gradients). When dead_units or saturation were recorded, a last panel shows the
    fraction of dead ReLU units or of saturated sigmoid/tanh outputs per layer.

    Parameters
    ----------
    history : History or dict
        What `Network.fit` returned, or its ``as_dict()``, from a fit with
        ``diagnostics=("grad_norm",)`` or ``diagnostics="all"``.
    path : str or os.PathLike, optional
        Save the figure there as a PNG instead of showing it.
    title : str, optional
        The figure's title; by default "per-layer gradient norms".

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If `history` holds no per-layer diagnostics.
    ImportError
        If matplotlib is not installed (``pip install "fcnn[plot]"``).

    See Also
    --------
    fcnn.diagnostics : What the diagnostics measure.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.plotting import plot_gradients
    >>> X, y = fcnn.datasets.xor()
    >>> net = fcnn.Network([2, 3, 3, 2], "sigmoid", "quadratic", seed=0)
    >>> history = net.fit(X, y, epochs=5, batch_size=4, lr=1.0, diagnostics="all")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fig = plot_gradients(history, os.path.join(folder, "gradients.png"))
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['||dC/db^l||', '||dC/dw^l||']
    """
    panels = []
    for name, label in (("grad_norm_b", "||dC/db^l||"), ("grad_norm_w", "||dC/dw^l||")):
        layers = _per_layer(history, name)
        if layers:
            panels.append((label, [(f"layer {l}", values, "-") for l, values in layers]))
    dead, saturated = _HEALTH_STYLES.values()
    health: list[tuple[str, list, str]] = [
        (f"layer {l} dead units", values, dead) for l, values in _per_layer(history, "dead_units")
    ]
    health += [
        (f"layer {l} saturated", values, saturated)
        for l, values in _per_layer(history, "saturation")
    ]
    if health:
        panels.append(("fraction of units", health))
    if not panels:
        raise ValueError(
            "history has no per-layer diagnostics to plot: fit with "
            "diagnostics=('grad_norm',) (or diagnostics='all')"
        )

    fig, axes = _figure(path, len(panels), figsize=(5.0 * len(panels) + 1.0, 4.2))
    # one legend for the figure: a layer has the same colour in every panel
    legend: dict[int, Line2D] = {}
    for ax, (label, lines) in zip(axes, panels):
        for line_label, values, style in lines:
            layer = int(line_label.split()[1])
            line = _epoch_line(ax, values, line_label, f"C{(layer - 1) % 10}", linestyle=style)
            legend.setdefault(layer, line)
        if label == "fraction of units":
            from matplotlib.lines import Line2D

            for line in ax.get_lines():
                line.set_marker("")  # a marker at every epoch would hide the dashes
            ax.legend(
                handles=[
                    Line2D([], [], color="0.3", linestyle=style, label=kind)
                    for kind, style in _HEALTH_STYLES.items()
                ],
                loc="upper left",
                fontsize="small",
            )
            ax.set_title("dead and saturated units")
            ax.set_ylim(-0.02, 1.02)
        else:
            ax.set_yscale("log")
            ax.set_title(label)
        ax.set_ylabel(label)
        ax.set_xlabel("epoch")
        _integer_epochs(ax)
        ax.grid(alpha=0.3, which="both")
    layers = sorted(legend)
    fig.legend(
        [legend[l] for l in layers],
        [f"layer {l}" for l in layers],
        loc="center right",
        fontsize="small",
    )
    fig.suptitle(title or "per-layer gradient norms")
    fig.tight_layout(rect=(0, 0, 1 - 0.9 / fig.get_figwidth(), 1))
    return _finish(fig, path, tight=False)


def plot_weights(
    net: Network,
    layer: int = 1,
    path: str | os.PathLike[str] | None = None,
    *,
    shape: Sequence[int] | Literal["matrix"] | None = None,
    max_units: int = 100,
    title: str | None = None,
) -> Figure:
    """The weights w^l into the units of `layer` (1..L).

    When the previous layer's n values form an image (n a perfect square of at least 9,
    e.g. 784 = 28x28 MNIST pixels, or a given `shape` (rows, cols) with rows * cols = n),
    each unit j's row w^l_j is drawn as an image, its receptive field: the first
    `max_units` units in a grid, each on a diverging colour map centred on 0 and scaled
    to its own largest ``|w|`` (red: the input pushes z^l_j up, blue: down).
    Otherwise, or with shape="matrix", one heat map of the whole matrix w^l, column i
    from neuron i of layer l-1, row j to neuron j of layer l.

    Parameters
    ----------
    net : Network
        The network; its weights are copied, so later training leaves the figure as it is.
    layer : int, default=1
        The layer l whose incoming weights w^l, of shape (n_l, n_{l-1}), are drawn.
    path : str or os.PathLike, optional
        Save the figure there as a PNG instead of showing it.
    shape : (int, int), "matrix" or None, default=None
        The (rows, cols) of one receptive-field image; "matrix" draws the heat map;
        None draws images when n_{l-1} is a perfect square of at least 9.
    max_units : int, default=100
        The most units drawn as images.
    title : str, optional
        The figure's title; by default one that says what is drawn.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If `net` has no `sizes` and `weights`.
    ValueError
        If `layer` is not an integer in [1, L], `max_units` not an integer >= 1, or
        `shape` is neither None, "matrix" nor a pair (rows, cols) with
        rows * cols = n_{l-1}.
    ImportError
        If matplotlib is not installed (``pip install "fcnn[plot]"``).

    See Also
    --------
    Network.plot_weights : The same, as a method.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> from fcnn.plotting import plot_weights
    >>> net = fcnn.Network([16, 5, 2], "sigmoid", "quadratic", seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     images = plot_weights(net, 1, os.path.join(folder, "fields.png"))
    ...     matrix = plot_weights(net, 2, os.path.join(folder, "w2.png"))
    >>> len(images.axes), matrix.axes[0].get_title()
    (6, 'weights w^2 into layer 2: 2 x 5')
    """
    sizes, weights = _network_weights(net)
    n_layers = len(sizes) - 1
    if (
        isinstance(layer, bool)
        or not isinstance(layer, numbers.Integral)
        or not 1 <= layer <= n_layers
    ):
        raise ValueError(
            f"layer must be an integer from 1 to {n_layers} (the network has "
            f"{n_layers} weight layers), got {layer!r}"
        )
    if isinstance(max_units, bool) or not isinstance(max_units, numbers.Integral) or max_units < 1:
        raise ValueError(f"max_units must be a positive integer, got {max_units!r}")
    w = np.array(weights[layer - 1], dtype=np.float64)  # a copy: later training leaves it
    n_out, n_in = w.shape
    tile = _tile_shape(shape, n_in, layer)
    if tile is None:
        return _weight_matrix(w, layer, path, title)
    return _receptive_fields(w, layer, tile, min(n_out, max_units), path, title)


# ---------------------------------------------------------------- weights helpers


def _network_weights(net):
    try:
        sizes, weights = list(net.sizes), list(net.weights)
    except AttributeError:
        raise TypeError(
            f"net must be an fcnn.Network (with sizes and weights), got {type(net).__name__}"
        ) from None
    return sizes, weights


def _tile_shape(shape, n_in, layer):
    """(rows, cols) of one receptive-field image, or None for a heat map of the matrix."""
    if isinstance(shape, str):
        if shape != "matrix":
            raise ValueError(f"shape must be (rows, cols), 'matrix' or None, got {shape!r}")
        return None
    if shape is None:
        side = math.isqrt(n_in)
        return (side, side) if side * side == n_in and side >= _MIN_TILE_SIDE else None
    try:
        rows, cols = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be (rows, cols), 'matrix' or None, got {shape!r}") from None
    if rows < 1 or cols < 1 or rows * cols != n_in:
        raise ValueError(
            f"shape {tuple(shape)} must have rows * cols = {n_in}, the number of "
            f"neurons in layer {layer - 1} feeding layer {layer}"
        )
    return rows, cols


def _receptive_fields(w, layer, tile, shown, path, title):
    n_out = w.shape[0]
    cols = math.ceil(math.sqrt(shown))
    rows = math.ceil(shown / cols)
    side = 1.05 if shown > 1 else 3.0
    fig, axes = _figure(
        path, rows * cols, figsize=(cols * side + 0.4, rows * side + 0.9), grid=(rows, cols)
    )
    for j, ax in enumerate(axes):
        ax.set_axis_off()
        if j >= shown:
            continue
        limit = float(np.abs(w[j]).max()) or 1.0
        ax.imshow(
            w[j].reshape(tile), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest"
        )
        ax.set_title(str(j), fontsize=7, pad=2)
    which = f"all {n_out} units" if shown == n_out else f"the first {shown} of {n_out} units"
    fig.suptitle(
        title
        or f"weights into layer {layer}, {which}: each a {tile[0]}x{tile[1]} "
        f"image of w^{layer}_j\n(red positive, blue negative, each unit "
        f"scaled to its largest |w|)",
        fontsize=10,
    )
    fig.subplots_adjust(
        left=0.02,
        right=0.98,
        bottom=0.02,
        top=1 - 0.75 / fig.get_figheight(),
        wspace=0.08,
        hspace=0.25,
    )
    return _finish(fig, path, tight=False)


def _weight_matrix(w, layer, path, title):
    n_out, n_in = w.shape
    width = min(12.0, max(5.0, 0.25 * n_in + 2.0))
    height = min(9.0, max(3.5, 0.25 * n_out + 1.5))
    fig, axes = _figure(path, 1, figsize=(width, height))
    ax = axes[0]
    limit = float(np.abs(w).max()) or 1.0
    image = ax.imshow(
        w, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest"
    )
    fig.colorbar(image, ax=ax, label="w")
    ax.set_xlabel(f"from neuron i of layer {layer - 1}")
    ax.set_ylabel(f"to neuron j of layer {layer}")
    ax.set_title(title or f"weights w^{layer} into layer {layer}: {n_out} x {n_in}")
    return _finish(fig, path)


# ---------------------------------------------------------------- shared helpers


def _field(history, name):
    return history.get(name) if isinstance(history, dict) else getattr(history, name, None)


def _series(history, name):
    return [np.nan if v is None else float(v) for v in (_field(history, name) or [])]


def _per_layer(history, name):
    """[(l, values over epochs)] for the layers l = 1..L that have any value."""
    epochs = _field(history, name) or []
    if not epochs:
        return []
    n_layers = max(len(per_layer) for per_layer in epochs)
    layers = []
    for k in range(n_layers):
        values = [per_layer[k] if k < len(per_layer) else None for per_layer in epochs]
        if any(v is not None for v in values):
            layers.append((k + 1, [np.nan if v is None else float(v) for v in values]))
    return layers


def _epoch_line(ax, values, label, color, linestyle="-"):
    epochs = np.arange(1, len(values) + 1)
    (line,) = ax.plot(
        epochs,
        values,
        label=label,
        color=color,
        linestyle=linestyle,
        marker="o" if len(values) <= 30 else None,
        markersize=3,
    )
    return line


def _integer_epochs(ax):
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _matplotlib():
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            'fcnn\'s plots need matplotlib, an optional extra of fcnn: pip install "fcnn[plot]"'
        ) from error
    return matplotlib


def _figure(path, n_axes, figsize, grid=None):
    """A figure with n_axes axes in one row (or in grid (rows, cols)) and its axes list.

    Only a figure that will be shown goes through pyplot; the others are plain Figures
    that nobody needs to close."""
    _matplotlib()
    rows, cols = grid or (1, n_axes)
    if path is None and _interactive_backend():
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize, dpi=DPI)
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, dpi=DPI)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    return fig, axes


def _finish(fig, path, tight=True):
    if tight:
        fig.tight_layout()
    if path is not None:
        fig.savefig(path, format="png", dpi=DPI)
    elif _interactive_backend():
        import matplotlib.pyplot as plt

        plt.show()
    return fig


def _interactive_backend():
    matplotlib = _matplotlib()
    backend = matplotlib.get_backend().lower()
    try:
        from matplotlib.backends import BackendFilter, backend_registry

        interactive = backend_registry.list_builtin(BackendFilter.INTERACTIVE)
    except ImportError:  # matplotlib < 3.9
        from matplotlib.rcsetup import (  # type: ignore[attr-defined,no-redef]  # matplotlib < 3.9
            interactive_bk as interactive,
        )
    return backend in {name.lower() for name in interactive}
