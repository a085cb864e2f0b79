"""Learning slowdown: a saturated sigmoid neuron learns slowly with the quadratic cost,
and at once with the cross-entropy cost (the notes' "Learning slowdown: AF(L) vs. CostF").

One sigmoid neuron, Network([1, 1], "sigmoid", cost), learns to map x = 1 to y = 0 by
gradient descent with eta = 0.15, from w = 0.6, b = 0.9 (output 0.82) and from
w = b = 2 (output 0.98, saturated), as in chapter 3 of Nielsen's "Neural Networks and
Deep Learning". With a = sigma(z), z = w x + b:

  quadratic      C = (y - a)^2 / 2                 dC/dw = (a - y) sigma'(z) x = a sigma'(z)
  cross-entropy  C = -[y ln a + (1 - y) ln(1 - a)]  dC/dw = (a - y) x = a

When the neuron is badly wrong (a near 1), sigma'(z) = a (1 - a) is near 0, so the
quadratic cost's gradient is tiny and learning stalls; the cross-entropy's gradient has
no sigma'(z) and is largest exactly then.

    python examples/learning_slowdown.py [--epochs 300] [--lr 0.15] [--out slowdown.png]
"""

import _shared
import numpy as np

import fcnn

STARTS = [(0.6, 0.9), (2.0, 2.0)]  # (w, b)
COSTS = ["quadratic", "cross_entropy"]
X = np.array([[1.0]])
Y = np.array([[0.0]])


def output_from_cost(cost, value):
    """The neuron's output a from its cost for y = 0: a^2 / 2, or -ln(1 - a)."""
    return np.sqrt(2 * value) if cost == "quadratic" else 1 - np.exp(-value)


def train(w, b, cost, epochs, lr):
    """The cost at epochs 0 (the start) to `epochs`, of one neuron trained on x = 1, y = 0."""
    net = fcnn.Network([1, 1], "sigmoid", cost)
    net.weights = [np.array([[w]])]
    net.biases = [np.array([b])]
    # with one example, each epoch's cost is the cost just before that epoch's step
    history = net.fit(X, Y, epochs=epochs, batch_size=1, lr=lr, shuffle=False)
    return history.cost + [net.evaluate(X, Y)["cost"]]


def print_table(curves, epochs):
    shown = sorted({0, 10, 50, 100, 150, 200, 250, epochs} & set(range(epochs + 1)))
    columns = [(start, cost) for start in STARTS for cost in COSTS]
    titles = [f"w={w:g} b={b:g} {cost}" for (w, b), cost in columns]
    print("cost C (output a) by epoch, x = 1, y = 0")
    print("epoch  " + "  ".join(f"{title:>30}" for title in titles))
    for epoch in shown:
        cells = []
        for start, cost in columns:
            value = curves[start, cost][epoch]
            cells.append(f"{value:.4f} (a = {output_from_cost(cost, value):.3f})")
        print(f"{epoch:>5}  " + "  ".join(f"{cell:>30}" for cell in cells))


def plot(curves, out):
    plt = _shared.pyplot(out)
    if plt is None:
        return

    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, cost in zip(axes, COSTS):
        for w, b in STARTS:
            ax.plot(curves[(w, b), cost], label=f"start w = {w:g}, b = {b:g}")
        ax.set(title=f"{cost} cost", xlabel="epoch", ylabel="cost")
        ax.legend()
    figure.suptitle("One sigmoid neuron, x = 1 -> y = 0, eta = 0.15")
    figure.tight_layout()
    if out:
        figure.savefig(out)
        print(f"plot written to {out}")
    else:
        plt.show()
    plt.close(figure)


def build_parser():
    parser = _shared.parser(__doc__)
    _shared.add_epochs_option(parser, 300)
    _shared.add_lr_option(parser, 0.15)
    _shared.add_out_option(parser)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    _shared.check_out(parser, args.out)

    curves = {
        (start, cost): train(*start, cost, args.epochs, args.lr)
        for start in STARTS
        for cost in COSTS
    }
    print_table(curves, args.epochs)
    plot(curves, args.out)
    return {f"w={w:g},b={b:g}": {cost: curves[(w, b), cost] for cost in COSTS} for w, b in STARTS}


if __name__ == "__main__":
    main()
