"""Train the lecture notes' MNIST network: [784, 30, 10], sigmoid, quadratic cost,
mini-batch SGD with batch size 10 and eta = 3.0, printing each epoch.

    python examples/mnist.py [--epochs 10] [--data FOLDER_WITH_MNIST_IDX_FILES]
"""

import _shared

import fcnn


def build_parser():
    parser = _shared.parser(__doc__)
    _shared.add_data_option(parser)
    _shared.add_epochs_option(parser, 10)
    parser.add_argument(
        "--dtype",
        default="float64",
        choices=["float64", "float32"],
        help="The floating-point type of the network and the data, one of %(choices)s "
        "(default: %(default)s).",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    train, validation, test = _shared.mnist(args.data, args.dtype)
    net = fcnn.Network([784, 30, 10], "sigmoid", "quadratic", dtype=args.dtype, seed=0)
    print(net)
    history = net.fit(
        *train, epochs=args.epochs, batch_size=10, lr=3.0, validation_data=validation, verbose=True
    )
    accuracy = net.evaluate(*test)["accuracy"]
    print(f"test accuracy: {accuracy:.4f}")
    return {"history": history, "test_accuracy": accuracy}


if __name__ == "__main__":
    main()
