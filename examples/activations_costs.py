"""Output activation and cost: which combinations learn fast (the notes' "AF - cost func.
combinations" and "Learning slowdown: AF(L) vs. CostF").

The output error (BP1) is delta^L = dC/da^L * f'(z^L). Whether it carries the factor
f'(z^L) decides how fast a badly wrong output layer learns:

  sigmoid + quadratic       delta^L = (a - y) sigma'(z)   slow where sigma saturates
  softmax + quadratic       delta^L = J_softmax^T (a - y)  slow in the same way
  sigmoid + cross_entropy   delta^L = a - y               no slowdown
  softmax + log_likelihood  delta^L = a - y               no slowdown
  linear + quadratic        delta^L = a - y               no slowdown (f' = 1)

Each combination trains the same MNIST network [784, 30, 10] (sigmoid hidden layer, the
same initial hidden weights from the same seed, init normal_scaled) with the same
mini-batch SGD (batch 10, eta = 0.1) on the first 10,000 training images, and is scored
on the validation images 50,000-60,000 after every epoch. The three without the f'(z^L)
factor are near 90% after one epoch, the two with it far behind.

    python examples/activations_costs.py [--epochs 10] [--samples 10000] [--lr 0.1]
        [--data MNIST_FOLDER] [--out combinations.png]
"""

import _shared
import numpy as np

import fcnn
from fcnn.initializers import SCHEMES

COMBINATIONS = [  # output activation, cost, the output error delta^L
    ("sigmoid", "quadratic", "(a - y) sigma'(z)"),
    ("softmax", "quadratic", "J^T (a - y)"),
    ("sigmoid", "cross_entropy", "a - y"),
    ("softmax", "log_likelihood", "a - y"),
    ("linear", "quadratic", "a - y"),
]


def train(output, cost, X, y, validation, epochs, lr, init, seed):
    """Training cost (epoch 0: before training) and validation accuracy per epoch."""
    net = fcnn.Network([784, 30, 10], ["sigmoid", output], cost, init=init, seed=seed)
    start = net.evaluate(X, y)
    first = net.evaluate(*validation)["accuracy"]
    try:
        history = net.fit(X, y, epochs=epochs, batch_size=10, lr=lr, validation_data=validation)
    except fcnn.DivergenceError as error:
        print(f"{output} + {cost} diverged in epoch {error.epoch}; try a smaller --lr")
        return {"cost": [start["cost"]], "val_accuracy": [first], "diverged": True}
    return {
        "cost": [start["cost"]] + history.cost,
        "val_accuracy": [first] + history.val_accuracy,
        "diverged": False,
    }


def print_table(results, epochs):
    shown = [e for e in (1, 2, 3, 5, 10, 20, 30) if e < epochs] + [epochs]
    print("validation accuracy after each epoch, and the training cost (before -> after)")
    print(
        f"{'output + cost':<26}  {'delta^L':<18}  "
        + "  ".join(f"{'ep ' + str(e):>6}" for e in shown)
        + "  training cost"
    )
    for (output, cost, delta), result in zip(COMBINATIONS, results.values()):
        accuracy = result["val_accuracy"]
        cells = [f"{accuracy[e]:6.3f}" if e < len(accuracy) else f"{'-':>6}" for e in shown]
        costs = result["cost"]
        print(
            f"{output + ' + ' + cost:<26}  {delta:<18}  "
            + "  ".join(cells)
            + f"  {costs[0]:.4f} -> {costs[-1]:.4f}"
            + ("  (diverged)" if result["diverged"] else "")
        )


def plot(results, out):
    plt = _shared.pyplot(out)
    if plt is None:
        return

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, result in results.items():
        left.plot(result["val_accuracy"], marker=".", label=name)
        costs = np.array(result["cost"])
        right.plot(costs / costs[0], marker=".", label=name)
    left.set(title="validation accuracy", xlabel="epoch", ylim=(0, 1))
    right.set(title="training cost / cost before training", xlabel="epoch", yscale="log")
    left.legend()
    figure.suptitle("MNIST [784, 30, 10], sigmoid hidden layer: output activation + cost")
    figure.tight_layout()
    if out:
        figure.savefig(out)
        print(f"plot written to {out}")
    else:
        plt.show()
    plt.close(figure)


def build_parser():
    parser = _shared.parser(__doc__)
    _shared.add_data_option(parser)
    parser.add_argument(
        "--samples",
        type=int,
        default=10000,
        help="How many training images to train on, the first ones, from 1 to 50,000 "
        "(default: %(default)s).",
    )
    _shared.add_epochs_option(parser, 10)
    _shared.add_lr_option(parser, 0.1)
    parser.add_argument(
        "--init",
        default="normal_scaled",
        choices=sorted(SCHEMES),
        metavar="SCHEME",
        help="How the weights are initialised, one of %(choices)s (default: %(default)s).",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="The seed of the initial weights and of the shuffling (default: %(default)s).",
    )
    _shared.add_out_option(parser)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 1 <= args.samples <= 50000:
        parser.error(f"--samples must be in 1..50000, got {args.samples}")
    _shared.check_out(parser, args.out)

    train_data, validation, _ = _shared.mnist(args.data)
    train_X, train_y = _shared.first(train_data, args.samples)
    results = {
        f"{output} + {cost}": train(
            output, cost, train_X, train_y, validation, args.epochs, args.lr, args.init, args.seed
        )
        for output, cost, _ in COMBINATIONS
    }
    print_table(results, args.epochs)
    plot(results, args.out)
    return results


if __name__ == "__main__":
    main()
