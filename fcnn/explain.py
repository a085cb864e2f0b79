"""One gradient-descent step, traced in the lecture notes' notation.

For a single example x with target y (or a small batch, averaged), layer by layer::

    a^0 = x
    z^l = w^l a^{l-1} + b^l,   a^l = f(z^l)                 forward pass, l = 1..L
    delta^L = nabla_a C * f'(z^L)                           BP1
    delta^l = ((w^{l+1})^T delta^{l+1}) * f'(z^l)           BP2, l = L-1..1
    dC/db^l = delta^l                                       BP3
    dC/dw^l = delta^l (a^{l-1})^T                           BP4
    w^l <- w^l - eta dC/dw^l,   b^l <- b^l - eta dC/db^l    the update

(* is the elementwise product). The values are the library's own: `Network.trace` for z
and a, `Network.gradients` for delta and the gradients, and `Network.step` takes the step,
so the network really moves; the parameters after the step are read back from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_inputs, as_targets, check_positive_number

if TYPE_CHECKING:
    from .network import Network

__all__ = ["explain_step", "StepExplanation"]

# How far the parameters read back after the step may be from before - eta * gradient,
# in units of the dtype's roundoff times the size of the terms (the core folds eta into
# its own matrix product, so the last bits can differ).
ROUNDING_FACTOR = 64

# The output error's rule where the notes cancel f' by hand (BP1).
_MATCHED_PAIRS = {
    ("sigmoid", "cross_entropy"): "a^L - y (sigmoid + cross-entropy)",
    ("softmax", "log_likelihood"): "a^L - y (softmax + log-likelihood, one-hot y)",
    ("exp", "poisson"): "a^L - y (exp + Poisson deviance)",
}


class StepExplanation:
    """Everything one gradient-descent step computed, by layer; print it for the table.

    `explain_step` (or `Network.explain_step`) makes one, passing every attribute below
    by keyword. Every list is indexed by the notes' l = 0..L; entry 0 is None except
    ``a[0]``, the input x. For a single example (1-D x) z, a and delta are vectors of
    shape (sizes[l],); for a batch they have shape (n_samples, sizes[l]), one row per
    example, and the gradients are the batch means. Arrays are copies, in the network's
    dtype.

    Parameters
    ----------
    **fields
        Every attribute below, by keyword.

    Attributes
    ----------
    lr : float
        The learning rate eta of the step.
    cost_name : str
        The network's cost.
    activation_names : list of str or None
        ``activation_names[l]`` is f of layer l.
    x, y : ndarray
        The example (or batch) and its target (one-hot rows for class labels).
    cost_before, cost_after : float
        The (mean) cost before and after the step.
    z, a, delta : list of ndarray or None
        The forward pass z^l, a^l and the back-propagated errors delta^l (BP1, BP2).
    grad_w, grad_b : list of ndarray or None
        dC/dw^l (BP4), shape (sizes[l], sizes[l - 1]), and dC/db^l (BP3), shape
        (sizes[l],).
    grad_slopes : list of ndarray or None
        dC/dalpha^l for PReLU layers, else None.
    w_before, w_after, b_before, b_after : list of ndarray or None
        The weights and biases before and after the step.
    slopes_before, slopes_after : list of ndarray or None
        The PReLU slopes before and after the step (None for other layers).

    See Also
    --------
    explain_step : Takes the step and makes the explanation.
    """

    # Lists by layer l = 0..L; entries of layer 0 (and slopes of non-PReLU layers) are None.
    lr: float
    cost_name: str
    activation_names: list[Any]
    x: NDArray[Any]
    y: NDArray[Any]
    cost_before: float
    cost_after: float
    z: list[Any]
    a: list[Any]
    delta: list[Any]
    grad_w: list[Any]
    grad_b: list[Any]
    grad_slopes: list[Any]
    w_before: list[Any]
    w_after: list[Any]
    b_before: list[Any]
    b_after: list[Any]
    slopes_before: list[Any]
    slopes_after: list[Any]

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    @property
    def n_layers(self) -> int:
        """L, the number of layers after the input."""
        return len(self.z) - 1

    def table(self, max_vector: int = 12, max_matrix: int = 36) -> str:
        """The step as a readable table, layer by layer; also what ``str(step)`` gives.

        Parameters
        ----------
        max_vector : int, default 12
            Vectors longer than this are elided (first and last three values).
        max_matrix : int, default 36
            Matrices with more entries than this are elided.

        Returns
        -------
        str
            Per layer, each quantity's name in the notes, the rule that produced it
            (BP1-BP4, the update), and its value to 6 significant digits.

        Examples
        --------
        >>> import fcnn
        >>> net = fcnn.Network([2, 2, 1], "sigmoid", "quadratic", seed=0)
        >>> step = net.explain_step([1.0, 0.0], [1.0], lr=0.5)
        >>> print(step.table())  # doctest: +ELLIPSIS
        One gradient-descent step, eta = 0.5, on one example (2-2-1 network, cost quadratic; ...)
        C before the step 0.110453, after 0.0986725
        ...
        layer 2: sigmoid, 1 neuron (output)
          z^2      w^2 a^1 + b^2                     [0.120122]
          a^2      sigmoid(z^2)                      [0.529994]
          delta^2  BP1: nabla_a C * f'(z^2)          [-0.117079]
        ...
        """

        def value(array):
            return _format_array(array, max_vector, max_matrix)

        L = self.n_layers
        batch = self.x.ndim == 2
        mean = "mean over the batch of " if batch else ""
        sizes = [self.x.shape[-1]] + [z.shape[-1] for z in self.z[1:]]
        lines = [
            f"One gradient-descent step, eta = {self.lr:g}, on "
            f"{f'a batch of {self.x.shape[0]} examples (rows)' if batch else 'one example'}"
            f" ({'-'.join(map(str, sizes))} network, cost {self.cost_name}; "
            f"* is elementwise)",
            f"C before the step {self.cost_before:.6g}, after {self.cost_after:.6g}",
        ]
        rows = [(0, "a^0", "x, the input", self.a[0]), (0, "y", "the target", self.y)]
        for l in range(1, L + 1):
            f = self.activation_names[l]
            if l == L:
                rule = _MATCHED_PAIRS.get(
                    (f, self.cost_name),
                    f"nabla_a C * f'(z^{l}), f' the softmax Jacobian"
                    if f == "softmax"
                    else f"nabla_a C * f'(z^{l})",
                )
                delta_rule = f"BP1: {rule}"
            else:
                delta_rule = f"BP2: ((w^{l + 1})^T delta^{l + 1}) * f'(z^{l})"
            rows += [
                (l, f"z^{l}", f"w^{l} a^{l - 1} + b^{l}", self.z[l]),
                (l, f"a^{l}", f"{f}(z^{l})", self.a[l]),
                (l, f"delta^{l}", delta_rule, self.delta[l]),
                (l, f"dC/db^{l}", f"BP3: {mean}delta^{l}", self.grad_b[l]),
                (l, f"dC/dw^{l}", f"BP4: {mean}delta^{l} (a^{l - 1})^T", self.grad_w[l]),
            ]
            if self.grad_slopes[l] is not None:
                rows.append(
                    (l, f"dC/dalpha^{l}", f"{mean}(dC/da^{l}) * min(z^{l}, 0)", self.grad_slopes[l])
                )
            rows += [
                (l, f"w^{l}", "before the step", self.w_before[l]),
                (l, f"w^{l}", f"after: w^{l} - eta dC/dw^{l}", self.w_after[l]),
                (l, f"b^{l}", "before the step", self.b_before[l]),
                (l, f"b^{l}", f"after: b^{l} - eta dC/db^{l}", self.b_after[l]),
            ]
            if self.slopes_before[l] is not None:
                rows += [
                    (l, f"alpha^{l}", "before the step", self.slopes_before[l]),
                    (
                        l,
                        f"alpha^{l}",
                        f"after: alpha^{l} - eta dC/dalpha^{l}",
                        self.slopes_after[l],
                    ),
                ]
        name_width = max(len(row[1]) for row in rows)
        rule_width = max(len(row[2]) for row in rows)
        indent = " " * (2 + name_width + 2 + rule_width + 2)
        layer = None
        for l, name, rule, array in rows:
            if l != layer:
                layer = l
                lines.append("")
                lines.append(
                    "layer 0: the input"
                    if l == 0
                    else f"layer {l}: {self.activation_names[l]}, {sizes[l]} "
                    f"neuron{'s' if sizes[l] > 1 else ''}"
                    f"{' (output)' if l == L else ''}"
                )
            text = value(array).replace("\n", "\n" + indent)
            lines.append(f"  {name:<{name_width}}  {rule:<{rule_width}}  {text}")
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return (
            f"StepExplanation(layers={self.n_layers}, lr={self.lr!r}, "
            f"cost_before={self.cost_before:.6g}, cost_after={self.cost_after:.6g})"
        )


def explain_step(net: Network, x: ArrayLike, y: ArrayLike, lr: float) -> StepExplanation:
    """Take one gradient-descent step and explain it in the notes' notation.

    The network really takes the step (through `Network.step`); the function checks
    that every parameter read back afterwards equals before - lr * gradient to rounding.

    Parameters
    ----------
    net : Network
        The network; its parameters change.
    x : array_like, shape (sizes[0],) or (n_samples, sizes[0])
        One example, or a small batch of them (one row each).
    y : array_like, shape (sizes[-1],), scalar, (n_samples, sizes[-1]) or (n_samples,)
        Its target vector or class label, or the batch's targets or labels.
    lr : float
        The learning rate eta, > 0.

    Returns
    -------
    StepExplanation
        Every quantity of the step, layer by layer; print it for the table.

    Raises
    ------
    TypeError
        If `net` is not an `fcnn.Network`, or `lr`, `x` or `y` are not numbers.
    ValueError
        If `lr` is not a positive finite number, or x and y do not fit the network
        (shape, finiteness, labels out of range).
    RuntimeError
        If a parameter read back after the step differs from before - lr * gradient by
        more than rounding (a fault of the library, never of the input).

    See Also
    --------
    Network.explain_step : The same, as a method.
    Network.gradients : The gradients without a step.

    Examples
    --------
    >>> import fcnn
    >>> from fcnn.explain import explain_step
    >>> net = fcnn.Network([2, 2, 1], "sigmoid", "quadratic", seed=0)
    >>> step = explain_step(net, [1.0, 0.0], [1.0], lr=0.5)
    >>> step
    StepExplanation(layers=2, lr=0.5, cost_before=0.110453, cost_after=0.0986725)
    >>> step.delta[2].round(4).tolist(), step.grad_w[1].shape
    ([-0.1171], (2, 2))
    """
    # a Network is what has internals: fcnn.network imports this module, so no isinstance
    internals = getattr(net, "internals", None)
    if internals is None:
        raise TypeError(f"net must be an fcnn.Network, got {type(net).__name__}")
    lr = check_positive_number(lr, "lr")
    X, single = as_inputs(x, net.sizes[0], net.dtype, name="x")
    Y, _ = as_targets(
        y,
        X.shape[0],
        net.sizes[-1],
        net.dtype,
        name="y",
        single=single,
        cost=net.cost,
    )
    L = len(net.sizes) - 1

    def rows(array):  # one example's arrays as vectors, as the notes write them
        return None if array is None else np.array(array[0] if single else array)

    def by_layer(arrays):
        return [None] + [None if a is None else np.array(a) for a in arrays]

    with internals.lock:
        trace = net.trace(X)
        grads = net.gradients(X, Y)
        before = [{kind: view.copy() for kind, view in layer.items()} for layer in net.params]
        net.step(X, Y, lr)
        after = [{kind: view.copy() for kind, view in layer.items()} for layer in net.params]
        cost_after = net.evaluate(X, Y)["cost"]

    assert grads.grad_slopes is not None  # Network.gradients gives one entry per layer
    slopes = [grads.grad_slopes[l] for l in range(L)]
    gradient: dict[str, list[Any]] = {"w": grads.grad_w, "b": grads.grad_b, "slopes": slopes}
    for l in range(L):
        for kind in before[l]:
            _check_update(before[l][kind], after[l][kind], gradient[kind][l], lr, f"{kind}^{l + 1}")

    return StepExplanation(
        lr=lr,
        cost_name=net.cost.name,
        activation_names=[None] + [f.name for f in net.activations],
        x=rows(X),
        y=rows(Y),
        cost_before=float(grads.cost),
        cost_after=float(cost_after),
        z=[None] + [rows(z) for z in trace.z[1:]],
        a=[rows(a) for a in trace.a],
        delta=[None] + [rows(d) for d in grads.delta[1:]],
        grad_w=by_layer(grads.grad_w),
        grad_b=by_layer(grads.grad_b),
        grad_slopes=by_layer(slopes),
        w_before=by_layer(layer["w"] for layer in before),
        w_after=by_layer(layer["w"] for layer in after),
        b_before=by_layer(layer["b"] for layer in before),
        b_after=by_layer(layer["b"] for layer in after),
        slopes_before=by_layer(layer.get("slopes") for layer in before),
        slopes_after=by_layer(layer.get("slopes") for layer in after),
    )


def _check_update(before, after, gradient, lr, name):
    """after == before - lr * gradient, to rounding of the terms' size."""
    expected = before - lr * gradient
    roundoff = ROUNDING_FACTOR * np.finfo(before.dtype).eps
    allowed = roundoff * (np.abs(before) + lr * np.abs(gradient) + lr * np.abs(gradient).max())
    deviation = np.abs(after - expected)
    if not (deviation <= allowed).all():
        worst = np.unravel_index(np.argmax(deviation - allowed), deviation.shape)
        raise RuntimeError(
            f"the step moved {name} to {after[worst]!r} at {worst}, but "
            f"{name} - lr dC/d{name} is {expected[worst]!r}"
        )


def _format_array(array, max_vector, max_matrix):
    array = np.asarray(array)
    limit = max_vector if array.ndim <= 1 else max_matrix
    text = np.array2string(
        array,
        separator=", ",
        threshold=limit,
        edgeitems=3,
        max_line_width=10**6,
        formatter={"float_kind": lambda v: f"{v:.6g}"},
    )
    if array.ndim == 2 and array.size > limit:
        text += f"  ({array.shape[0]} x {array.shape[1]})"
    elif array.ndim == 1 and array.size > limit:
        text += f"  ({array.size} values)"
    return text
