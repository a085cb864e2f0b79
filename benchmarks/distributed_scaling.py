"""Scaling of data-parallel training (fcnn.distributed over MPI): samples/s on 1 and 2 ranks.

[784, 100, 10] (sigmoid, softmax, log-likelihood), Adam lr 0.001, float64, global batch
1024, on the first 50,000 MNIST training images; each rank one BLAS thread. The parent
runs ``mpirun -n 1`` and ``mpirun -n 2`` of this script in turns (``--rounds`` of each),
each an untimed warm-up epoch and ``--epochs`` timed ones; rank 0 prints the samples/s of
its timed epochs (wall time of `DataParallel.fit`, one epoch per call). Reported: the
median, min and max per world size, the ratio of medians 2 ranks / 1 rank, and the load
averages of the machine before and after (other processes compete for the cores).

Run from the repository root (with fcnn importable, mpi4py and Open MPI installed):

    PYTHONPATH=. python benchmarks/distributed_scaling.py [--rounds 3] [--epochs 3] [--data PATH]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

SIZES = [784, 100, 10]
BATCH_SIZE = 1024
N_TRAIN = 50_000
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "mnist"))
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def rank_main(data, epochs):
    """One rank: train, and on rank 0 print the timed epochs' samples/s as JSON."""
    from mpi4py import MPI

    import fcnn
    from fcnn.datasets import load_mnist
    from fcnn.distributed import DataParallel, mpi_allreduce

    comm = MPI.COMM_WORLD
    X, y = load_mnist(data, "train")
    X, y = X[:N_TRAIN], y[:N_TRAIN]
    net = fcnn.Network(SIZES, ["sigmoid", "softmax"], "log_likelihood", seed=0)
    trainer = DataParallel(net, mpi_allreduce(comm), (comm.rank, comm.size))
    optimizer = fcnn.Adam(0.001)
    rates = []
    for epoch in range(epochs + 1):
        comm.Barrier()
        start = time.perf_counter()
        trainer.fit(X, y, batch_size=BATCH_SIZE, optimizer=optimizer, seed=epoch)
        seconds = time.perf_counter() - start
        if epoch:  # the first is a warm-up
            rates.append(N_TRAIN / seconds)
    if comm.rank == 0:
        print(json.dumps(rates), flush=True)


def run(ranks, data, epochs):
    command = ["mpirun", "-n", str(ranks), sys.executable, __file__, "--rank", "--data", data]
    env = {
        **os.environ,
        **ONE_THREAD,
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_rmaps_base_oversubscribe": "1",
    }
    done = subprocess.run(
        command + ["--epochs", str(epochs)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--rank", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank:
        return rank_main(args.data, args.epochs)
    if shutil.which("mpirun") is None:
        sys.exit("needs mpirun (Open MPI) and mpi4py")
    print(time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime()), f"cores: {os.cpu_count()}")
    print("load averages before (1, 5, 15 min):", os.getloadavg())
    rates = {1: [], 2: []}
    for _ in range(args.rounds):
        for ranks in rates:
            rates[ranks] += run(ranks, args.data, args.epochs)
    print("load averages after (1, 5, 15 min):", os.getloadavg())
    print("| ranks | median samples/s | min | max |\n|---:|---:|---:|---:|")
    for ranks, values in rates.items():
        print(
            f"| {ranks} | {statistics.median(values):,.0f} | {min(values):,.0f} | "
            f"{max(values):,.0f} |"
        )
    ratio = statistics.median(rates[2]) / statistics.median(rates[1])
    print(f"ratio of medians 2 ranks / 1 rank: {ratio:.2f}x")


if __name__ == "__main__":
    main()
