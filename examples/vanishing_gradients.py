"""Vanishing gradients: in a deep sigmoid network the layers near the input learn slowest.

The notes ("Vanishing gradients"): for a chain of single sigmoid neurons

    dC/db^1 = sigma'(z^1) w^2 sigma'(z^2) w^3 sigma'(z^3) w^4 sigma'(z^4) dC/da^4,

and sigma' <= 1/4, so with |w| of order 1 each layer towards the input multiplies the
gradient by a small factor. BP2, delta^l = ((w^(l+1))^T delta^(l+1)) * f'(z^l), does the
same for whole layers, and dC/db^l = delta^l (BP3) measures how fast layer l learns.

This script builds two MNIST networks [784, 30, 30, 30, 10], as in chapter 5 of
Nielsen's "Neural Networks and Deep Learning":

  sigmoid  sigmoid in every layer, cross-entropy cost, init normal_scaled
           (w ~ N(0, 1/n_in), b ~ N(0, 1))
  relu     relu hidden layers, softmax output, log-likelihood cost, init he_normal
           (w ~ N(0, 2/n_in), the scale that keeps relu layers' variance; b = 0)

Both output layers have the error delta^L = a^L - y, so only the hidden layers differ.
It prints the norms ||dC/db^l|| of the mean gradient over the first 1,000 training
images at initialisation (Network.gradients), then trains both nets on those images
(mini-batches of 10, eta = 0.1) and records the same norms after every epoch
(fit's diagnostics "grad_norm"), with the accuracy on the validation images
50,000-60,000. The sigmoid net's first layer starts about 100 times slower than its
last and the net barely learns for the first epochs; the relu net's layers start alike
and it learns at once.

    python examples/vanishing_gradients.py [--epochs 30] [--samples 1000]
        [--data MNIST_FOLDER] [--out vanishing.png]
"""

import _shared
import numpy as np

import fcnn

SIZES = [784, 30, 30, 30, 10]
HIDDEN = len(SIZES) - 2
NETWORKS = {  # name: activations, cost, init
    "sigmoid": ("sigmoid", "cross_entropy", "normal_scaled"),
    "relu": (["relu"] * HIDDEN + ["softmax"], "log_likelihood", "he_normal"),
}


def train(name, X, y, validation, epochs, lr, seed):
    """||dC/db^l|| per layer at initialisation and after each epoch, and the validation
    accuracy, of the network `name` trained on (X, y)."""
    activations, cost, init = NETWORKS[name]
    net = fcnn.Network(SIZES, activations, cost, init=init, seed=seed)
    at_init = [float(np.linalg.norm(g)) for g in net.gradients(X, y).grad_b]
    accuracy_at_init = net.evaluate(*validation)["accuracy"]
    # diagnostics: after each epoch, the norms of the mean gradient over the training
    # examples (the first 10,000 of them), as Network.gradients gives it at initialisation
    history = net.fit(
        X,
        y,
        epochs=epochs,
        batch_size=10,
        lr=lr,
        validation_data=validation,
        diagnostics=("grad_norm",),
    )
    return {
        "norms": [at_init] + history.grad_norm_b,
        "val_accuracy": [accuracy_at_init] + history.val_accuracy,
    }


def print_tables(results, epochs):
    layers = len(SIZES) - 1
    print(
        f"At initialisation: ||dC/db^l|| over the training images, and its ratio to the "
        f"output layer's (l = {layers})"
    )
    print("layer  " + "  ".join(f"{name + ' norm':>13}  {'ratio':>7}" for name in results))
    for layer in range(layers):
        cells = []
        for result in results.values():
            norms = result["norms"][0]
            cells.append(f"{norms[layer]:13.5f}  {norms[layer] / norms[-1]:7.4f}")
        print(f"{layer + 1:>5}  " + "  ".join(cells))
    print()
    print(f"During training: ||dC/db^l|| for l = 1..{layers}, and validation accuracy")
    shown = [e for e in range(epochs + 1) if e <= 5 or e % 5 == 0 or e == epochs]
    print("epoch  " + "  ".join(f"{name + ' norms':<{9 * layers}}{'acc':>6}" for name in results))
    for epoch in shown:
        cells = []
        for result in results.values():
            norms = " ".join(f"{n:8.5f}" for n in result["norms"][epoch])
            cells.append(f"{norms} {result['val_accuracy'][epoch]:6.4f}")
        print(f"{epoch:>5}  " + "  ".join(cells))


def plot(results, out):
    plt = _shared.pyplot(out)
    if plt is None:
        return

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (name, result) in zip(axes, results.items()):
        norms = np.array(result["norms"])
        for layer in range(norms.shape[1]):
            ax.plot(norms[:, layer], label=f"layer {layer + 1}")
        ax.set_yscale("log")
        ax.set(
            title=f"{name}: ||dC/db^l|| on the training images",
            xlabel="epoch",
            ylabel="norm (log scale)",
        )
        ax.legend()
    for name, result in results.items():
        axes[2].plot(result["val_accuracy"], label=name)
    axes[2].set(title="validation accuracy", xlabel="epoch", ylim=(0, 1))
    axes[2].legend()
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)  # whole epochs
    figure.suptitle(f"MNIST {SIZES}: sigmoid vs relu hidden layers")
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
        default=1000,
        help="How many training images to train on, the first ones, from 1 to 50,000; the "
        "gradient is measured on the first 10,000 of them (default: %(default)s).",
    )
    _shared.add_epochs_option(parser, 30)
    _shared.add_lr_option(parser, 0.1)
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
        name: train(name, train_X, train_y, validation, args.epochs, args.lr, args.seed)
        for name in NETWORKS
    }
    print_tables(results, args.epochs)
    plot(results, args.out)
    return results


if __name__ == "__main__":
    main()
