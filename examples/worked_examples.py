"""The lecture notes' worked examples E1-E4, computed by fcnn and set beside the notes.

Each example builds a small Network, sets its weights w^l and biases b^l to the notes'
values, and asks the library for what the notes compute by hand:

  E1  forward pass of a ReLU layer, a^1 = f(w^1 a^0 + b^1), and the bias trick
      [w^1 | b^1] [a^0; 1], which gives the same a^1 ("Numerical Example")
  E2  one training step of a 2-1-1 sigmoid net, C = 1/2 (y - a^2)^2, eta = 0.01:
      the forward pass, BP1 delta^2 = (a^2 - y) sigma'(z^2), BP2 delta^1 =
      (w^2)^T delta^2 * sigma'(z^1), BP3/BP4 dC/db = delta, dC/dw^l = delta^l (a^(l-1))^T,
      and the update w <- w - eta dC/dw ("Numerical Examples (NEs)")
  E3  one step of a 2-2-1 sigmoid net with C = (y_hat - y)^2 and learning rate 0.4
      (the notes call it lambda) ("Backpropagation", 2 inputs, 2 hidden, 1 output)
  E4  softmax of z = [2, 1, -1] ("Softmax AF")

Values are the checked ones of worked-examples.md. Where the notes print something else,
both are shown: the notes round (E2, E4), leave the biases out of E2's update, and get E3
wrong: they drop the sign of y_hat - y and take sigma'(z^2) = 0.20, so every parameter
of E3 moves the wrong way in the notes.

    python examples/worked_examples.py
"""

import _shared
import numpy as np

import fcnn


def show(value, number):
    """A number, vector or matrix on one line, e.g. [[1, 0.5], [0.1, 0]]; `number`
    formats each entry."""
    value = np.asarray(value, dtype=np.float64)
    if value.ndim == 0 or value.size == 1:
        return number(value.item())
    return "[" + ", ".join(show(row, number) for row in value) + "]"


def ten_decimals(number):
    text = f"{number:.10f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def as_printed(number):
    return f"{number:.10g}"


def agree(ours, notes, tolerance):
    return bool(np.allclose(ours, np.asarray(notes, dtype=np.float64), rtol=0, atol=tolerance))


class Table:
    """Rows of quantity | fcnn | the notes | remark, printed as one aligned table."""

    def __init__(self, title):
        self.title = title
        self.rows = []
        self.values = {}

    def add(self, name, ours, notes=None, tolerance=1e-12, why=""):
        """A quantity fcnn computed, and what the notes print (None: they print nothing).
        The remark says whether the two agree to `tolerance` (the notes' rounding) or
        that the notes are wrong, and `why`."""
        ours = np.array(ours, dtype=np.float64)  # a copy: gradients are views into buffers
        self.values[name] = ours
        if notes is None:
            remark = why
        elif agree(ours, notes, tolerance):
            # the notes round, and carry rounded values into later steps
            remark = "notes agree" + (" (rounded)" if tolerance > 1e-12 else "")
        else:
            remark = "NOTES ARE WRONG" + (f": {why}" if why else "")
        notes_text = "" if notes is None else show(notes, as_printed)
        self.rows.append((name, show(ours, ten_decimals), notes_text, remark))

    def print(self):
        print(self.title)
        header = ("quantity", "fcnn", "the notes", "")
        widths = [max(len(row[k]) for row in self.rows + [header]) for k in range(3)]
        for name, ours, notes, remark in [header] + self.rows:
            print(
                f"  {name:<{widths[0]}}  {ours:<{widths[1]}}  {notes:<{widths[2]}}  "
                f"{remark}".rstrip()
            )
        print()


def network(sizes, activation, cost, weights, biases):
    net = fcnn.Network(sizes, activation, cost)
    net.weights = [np.array(w, dtype=np.float64) for w in weights]
    net.biases = [np.array(b, dtype=np.float64) for b in biases]
    return net


def e1_relu_forward():
    table = Table("E1 - forward pass, ReLU: a^1 = f(w^1 a^0 + b^1)")
    x = np.array([-1.0, 1.0])
    w1 = [[-0.2, 0.4], [0.3, 0.1], [-0.5, -0.3]]
    b1 = [-0.3, 0.1, 0.0]
    net = network([2, 3], "relu", "quadratic", [w1], [b1])
    trace = net.trace(x)
    table.add("w^1 a^0", np.array(w1) @ x, [0.6, -0.2, 0.2])
    table.add("z^1", trace.z[1], [0.3, -0.1, 0.2])
    table.add("a^1", trace.a[1], [0.3, 0.0, 0.2])
    # the bias trick: b^1 as a last column of w^1, and a constant 1 appended to a^0
    augmented = np.hstack([np.array(w1), np.array(b1)[:, None]]) @ np.append(x, 1.0)
    table.add("a^1 by the bias trick", np.maximum(augmented, 0), [0.3, 0.0, 0.2])
    return table


def e2_one_step():
    table = Table("E2 - one step of a 2-1-1 sigmoid net, C = 1/2 (y - a^2)^2, eta = 0.01, y = 1")
    x, y, eta = np.array([0.1, 0.3]), np.array([1.0]), 0.01
    net = network([2, 1, 1], "sigmoid", "quadratic", [[[0.4, -0.2]], [[0.1]]], [[0.0], [0.0]])
    trace = net.trace(x)
    table.add("z^1", trace.z[1], -0.02)
    table.add("a^1", trace.a[1], 0.495, 5e-4)
    table.add("z^2", trace.z[2], 0.0495, 5e-5)
    table.add("a^2", trace.a[2], 0.5124, 5e-5)
    grads = net.gradients(x, y)
    table.add("delta^2 (BP1)", grads.delta[2], -0.1218, 5e-5)
    table.add("delta^1 (BP2)", grads.delta[1], -0.003045, 1e-6)
    table.add("dC/dw^2 (BP4)", grads.grad_w[1], -0.060, 5e-4)
    table.add("dC/dw^1 (BP4)", grads.grad_w[0], [[-0.0003045, -0.0009135]], 5e-7)
    table.add("dC/db^2 = delta^2 (BP3)", grads.grad_b[1])
    table.add("dC/db^1 = delta^1 (BP3)", grads.grad_b[0])
    net.step(x, y, lr=eta)
    table.add("w^2 after the step", net.weights[1], 0.1006, 5e-5)
    table.add("w^1 after the step", net.weights[0], [[0.400003045, -0.199990865]], 5e-9)
    table.add("b^2 after the step", net.biases[1], why="the notes leave b unchanged")
    table.add("b^1 after the step", net.biases[0], why="the notes leave b unchanged")
    return table


def e3_one_step():
    table = Table(
        "E3 - one step of a 2-2-1 sigmoid net, C = (y_hat - y)^2, learning rate 0.4, y = 1"
    )
    x, y, rate = np.array([0.0, 1.0]), np.array([1.0]), 0.4
    net = network(
        [2, 2, 1],
        "sigmoid",
        "squared_error",
        [[[1.0, 0.5], [0.1, 0.0]], [[0.2, 0.8]]],
        [[0.0, 0.0], [0.75]],
    )
    trace = net.trace(x)
    table.add("z^1", trace.z[1], [0.5, 0.0])
    table.add("a^1", trace.a[1], [0.62, 0.5], 5e-3)
    table.add("z^2", trace.z[2])
    table.add("y_hat = a^2", trace.a[2], 0.78, 5e-3)
    y_hat = trace.a[2][0]
    table.add(
        "dC/dy_hat = 2 (y_hat - y)",
        2 * (y_hat - y[0]),
        0.44,
        5e-3,
        why="they drop the sign of y_hat - y",
    )
    table.add("sigma'(z^2)", y_hat * (1 - y_hat), 0.20, 5e-3, why="0.78 (1 - 0.78) is 0.17")
    grads = net.gradients(x, y)
    table.add("delta^2 (BP1)", grads.delta[2], 0.09, 5e-3)
    table.add("delta^1 (BP2)", grads.delta[1], [0.01, 0.02], 5e-3)
    table.add("dC/dw^2 (BP4)", grads.grad_w[1], [[0.06, 0.05]], 5e-3)
    table.add("dC/dw^1 (BP4)", grads.grad_w[0], [[0.0, 0.01], [0.0, 0.02]], 5e-3)
    net.step(x, y, lr=rate)
    table.add("w^2 after the step", net.weights[1], [[0.18, 0.78]], 5e-3)
    table.add("b^2 after the step", net.biases[1], 0.71, 5e-3)
    table.add("w^1 after the step", net.weights[0], [[1.0, 0.49], [0.1, -0.01]], 5e-3)
    table.add("b^1 after the step", net.biases[0], why="the notes leave b^1 unchanged")
    return table


def e4_softmax():
    table = Table("E4 - softmax of z = [2, 1, -1]: a_j = e^(z_j) / sum_k e^(z_k)")
    z = np.array([2.0, 1.0, -1.0])
    # a softmax layer whose weighted input is z itself: w = I, b = 0
    net = network([3, 3], "softmax", "log_likelihood", [np.eye(3)], [np.zeros(3)])
    table.add("e^z", np.exp(z), [7.39, 2.72, 0.37], 5e-3)
    table.add("sum e^z", np.exp(z).sum(), 10.48, 5e-3)
    softmax = net.predict(z)
    table.add("softmax(z)", softmax, [0.71, 0.26, 0.04], 5e-3)
    table.add("sum softmax(z)", softmax.sum(), 1.0)
    return table


def build_parser():
    return _shared.parser(__doc__)


def main(argv=None):
    build_parser().parse_args(argv)
    tables = [e1_relu_forward(), e2_one_step(), e3_one_step(), e4_softmax()]
    for table in tables:
        table.print()
    return {table.title.split(" ")[0]: table.values for table in tables}


if __name__ == "__main__":
    main()
