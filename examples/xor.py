"""XOR: a linear network cannot learn it, one hidden layer of sigmoid neurons can.

The notes ("Activation Functions"): weights and biases transform the input linearly,
and only a non-linearity lets a network draw a non-linear decision boundary. XOR maps
(0, 0) and (1, 1) to 0 and (0, 1) and (1, 0) to 1; no straight line separates the two
classes, so

  [2, 1] sigmoid          a = sigma(w x + b): one straight boundary, w x + b = 0
  [2, 2, 1] linear        a = w^2 (w^1 x + b^1) + b^2 is again linear in x
  [2, 3, 1] sigmoid       the hidden layer bends the boundary

are trained alike (full-batch gradient descent, 3000 epochs), and only the last classifies all four
points right. The rule is fcnn's, a >= 0.5 counts as 1; but a linear boundary gets at most 3
of the 4 under ANY threshold t on a (a > t counts as 1), and the table shows the best t's
count too. Gradient descent takes the linear networks to a = 0.5 everywhere (the least-cost
answer), where rounding alone decides which side of 0.5 each output falls.

    python examples/xor.py [--epochs 3000] [--seed 0] [--out xor.png]
"""

import _shared
import numpy as np

import fcnn
from fcnn.datasets import xor

MODELS = [  # name, sizes, activations, cost, learning rate
    ("linear boundary: [2, 1] sigmoid", [2, 1], "sigmoid", "cross_entropy", 1.0),
    ("all linear: [2, 2, 1] linear", [2, 2, 1], "linear", "quadratic", 0.5),
    ("hidden layer: [2, 3, 1] sigmoid", [2, 3, 1], "sigmoid", "cross_entropy", 1.0),
]


def train(sizes, activations, cost, epochs, lr, seed):
    X, y = xor()
    net = fcnn.Network(sizes, activations, cost, seed=seed)
    net.fit(X, y[:, None], epochs=epochs, batch_size=None, lr=lr)
    return net


def best_threshold_accuracy(outputs, y):
    """The highest accuracy of the rule "a > t counts as 1" over every threshold t."""
    cuts = np.concatenate([[-np.inf], np.unique(outputs)])  # a > cut splits as any t can
    return max(float(np.mean((outputs > cut) == (y == 1))) for cut in cuts)


def plot(nets, out):
    plt = _shared.pyplot(out)
    if plt is None:
        return

    X, y = xor()
    grid = np.linspace(-0.5, 1.5, 201)
    x1, x2 = np.meshgrid(grid, grid)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    figure, axes = plt.subplots(
        1, len(nets), figsize=(4.5 * len(nets), 4.4), constrained_layout=True
    )
    for ax, (name, net) in zip(axes, nets.items()):
        a = net.predict(points)[:, 0].reshape(x1.shape)
        shading = ax.contourf(x1, x2, a, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
        if a.max() - a.min() > 1e-6:  # a constant output has no boundary to draw
            ax.contour(x1, x2, a, levels=[0.5], colors="k", linewidths=1.5)
        for label, marker in ((0, "o"), (1, "s")):
            chosen = y == label
            ax.scatter(
                X[chosen, 0], X[chosen, 1], marker=marker, s=90, c="k", label=f"XOR = {label}"
            )
        accuracy = net.evaluate(X, y[:, None])["accuracy"]
        ax.set(title=f"{name}\naccuracy {round(accuracy * 4)}/4", xlabel="x1", ylabel="x2")
    axes[0].legend(loc="center", fontsize="small")
    figure.colorbar(shading, ax=axes, label="output a (boundary a = 0.5)")
    figure.suptitle("Decision regions after training")
    if out:
        figure.savefig(out)
        print(f"plot written to {out}")
    else:
        plt.show()
    plt.close(figure)


def build_parser():
    parser = _shared.parser(__doc__)
    _shared.add_epochs_option(parser, 3000)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="The seed of the initial weights (default: %(default)s).",
    )
    _shared.add_out_option(parser)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    _shared.check_out(parser, args.out)

    X, y = xor()
    nets, results = {}, {}
    points = "  ".join(f"{f'a{tuple(int(v) for v in x)}':>7}" for x in X)
    print(f"{'model':<34}  {points}  a >= 0.5  best threshold")
    for name, sizes, activations, cost, lr in MODELS:
        net = train(sizes, activations, cost, args.epochs, lr, args.seed)
        outputs = net.predict(X)[:, 0]
        accuracy = net.evaluate(X, y[:, None])["accuracy"]
        best = best_threshold_accuracy(outputs, y)
        nets[name] = net
        results[name] = {"outputs": outputs.tolist(), "accuracy": accuracy, "best": best}
        print(
            f"{name:<34}  "
            + "  ".join(f"{a:7.3f}" for a in outputs)
            + f"  {round(accuracy * 4):>6}/4  {round(best * 4):>12}/4"
        )
    plot(nets, args.out)
    return results


if __name__ == "__main__":
    main()
