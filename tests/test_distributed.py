"""fcnn.distributed: data-parallel training equals one process training on the global
batches (relative 1e-12), and faults raise on every rank; on threads, under ``mpirun -n
2`` (mpi4py) and on two processes of torch.distributed (gloo). The cases are those of
_distributed_worker.py."""

import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
from _distributed_worker import CASES, SIZES, ThreadWorld, check_case, check_faults, data

import fcnn
from fcnn.callbacks import Checkpoint
from fcnn.distributed import DataParallel, PeerError

WORKER = os.path.join(os.path.dirname(__file__), "_distributed_worker.py")


def worker_environment():
    """The environment of a worker process: the same fcnn as these tests, one BLAS thread,
    and Open MPI allowed to run as root and on more processes than cores."""
    home = os.path.dirname(os.path.dirname(os.path.abspath(fcnn.__file__)))
    return {
        **os.environ,
        "PYTHONPATH": home,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_rmaps_base_oversubscribe": "1",
    }


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_threads_train_as_one_process(name, world_size):
    ThreadWorld(world_size).run(lambda *world: check_case(name, *world))


def test_faults_raise_on_every_thread():
    ThreadWorld(2).run(check_faults)


def test_ranks_that_disagree_on_the_world_raise():
    net = fcnn.Network([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="2 processes joined"):
        ThreadWorld(2).run(lambda allreduce, rank, _: DataParallel(net, allreduce, (rank, 3)))


def test_early_stopping_and_history_agree_on_every_rank():
    X, y = fcnn.datasets.xor()

    def train(allreduce, rank, world_size):
        trainer = DataParallel(fcnn.Network([2, 4, 2], seed=rank), allreduce, (rank, world_size))
        history = trainer.fit(
            X,
            y,
            epochs=30,
            batch_size=2,
            lr=50.0,
            lr_schedule="exponential",
            seed=0,
            validation_data=(X, y),
            early_stopping=True,
            patience=2,
        )
        return history.as_dict(), trainer.net.theta

    (first, theta), (second, other) = ThreadWorld(2).run(train)
    first.pop("seconds"), second.pop("seconds")
    first.pop("samples_per_second"), second.pop("samples_per_second")
    assert first == second and np.array_equal(theta, other)
    assert first["stopped_epoch"] is not None and len(first["val_cost"]) == first["stopped_epoch"]


def test_without_the_engines_the_errors_name_what_to_install(monkeypatch):
    from fcnn import distributed

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"fcnn\[mpi\]"):
        distributed.mpi_allreduce()
    with pytest.raises(ImportError, match="PyTorch"):
        distributed.torch_allreduce()


def two_mpi_ranks(mode, folder, timeout):
    """``mpirun -n 2`` of the worker in `mode`, finished (skipped without MPI)."""
    pytest.importorskip("mpi4py")
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("no mpirun (Open MPI: apt-get install openmpi-bin libopenmpi-dev)")
    command = [mpirun, "-n", "2", sys.executable, WORKER, mode]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=folder,
        env=worker_environment(),
        timeout=timeout,
    )


def test_two_mpi_ranks_train_as_one_process(tmp_path):
    done = two_mpi_ranks("mpi", tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rank 0 ok" in done.stdout and "rank 1 ok" in done.stdout  # lines may interleave


def test_a_rank_that_dies_ends_the_mpi_job(tmp_path):
    """No hang: mpirun ends the job when a rank dies without MPI's goodbye, and the
    rank waiting in the collective never finishes training."""
    done = two_mpi_ranks("mpi-die", tmp_path, timeout=120)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "ok" not in done.stdout


def test_a_job_started_again_from_the_last_checkpoint_trains_as_if_never_stopped(tmp_path):
    """The guide's recipe for a lost process: a Checkpoint on rank 0 saves every epoch;
    a new job loads the last file on every rank and trains the epochs left, drawing the
    order from the loaded generator and going on with the loaded optimizer's state."""
    X, y, _ = data(40)

    def job(folder, epochs, allreduce, rank, world_size):
        files = sorted(folder.glob("net-*.fcnn"))
        net = fcnn.load(files[-1]) if files else fcnn.Network(SIZES, seed=0)
        checkpoint = [Checkpoint(str(folder / "net-{epoch}.fcnn"))] if rank == 0 else []
        trainer = DataParallel(net, allreduce, (rank, world_size))
        optimizer = net.optimizer or fcnn.Adam(0.01)
        left = epochs - net.position.epochs
        trainer.fit(X, y, epochs=left, batch_size=8, optimizer=optimizer, callbacks=checkpoint)
        return net.theta

    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    whole.mkdir(), stopped.mkdir()
    uninterrupted = ThreadWorld(2).run(lambda *world: job(whole, 3, *world))
    ThreadWorld(2).run(lambda *world: job(stopped, 1, *world))
    again = ThreadWorld(2).run(lambda *world: job(stopped, 3, *world))
    assert [f.name for f in sorted(stopped.iterdir())] == [f"net-{k}.fcnn" for k in (1, 2, 3)]
    assert np.array_equal(uninterrupted[0], uninterrupted[1])
    assert np.array_equal(again[0], again[1]) and np.array_equal(uninterrupted[0], again[0])
    assert np.array_equal(fcnn.load(stopped / "net-3.fcnn").theta, again[0])


class StopAfter(fcnn.callbacks.Callback):
    def __init__(self, epochs):
        self.epochs, self.calls = epochs, []

    def on_train_begin(self, net, logs):
        self.calls.append("train_begin")

    def on_epoch_begin(self, net, epoch, logs):
        self.calls.append(f"begin {epoch}")

    def on_epoch_end(self, net, epoch, logs):
        self.calls.append(f"end {epoch} {sorted(logs)}")
        net.stop_training = epoch >= self.epochs

    def on_train_end(self, net, logs):
        self.calls.append("train_end")


def test_a_stop_by_one_ranks_callback_stops_every_rank():
    X, y = fcnn.datasets.xor()

    def train(allreduce, rank, world_size):
        net = fcnn.Network([2, 4, 2], seed=0)
        callback = StopAfter(2 if rank == 1 else 100)
        trainer = DataParallel(net, allreduce, (rank, world_size))
        history = trainer.fit(
            X, y, epochs=10, batch_size=2, lr=0.5, validation_data=(X, y), callbacks=[callback]
        )
        return history.epochs, history.stopped_epoch, callback.calls, net.theta

    first, second = ThreadWorld(2).run(train)
    assert first[:2] == second[:2] == (2, 2) and np.array_equal(first[3], second[3])
    logs = "['cost', 'lr', 'val_accuracy', 'val_cost']"
    expected = ["train_begin", "begin 1", f"end 1 {logs}", "begin 2", f"end 2 {logs}"]
    assert first[2] == second[2] == expected + ["train_end"]


def test_a_callback_that_raises_on_one_rank_raises_on_every_rank():
    X, y = fcnn.datasets.xor()

    class Fails(fcnn.callbacks.Callback):
        def on_epoch_end(self, net, epoch, logs):
            raise OSError("disk full")

    def train(allreduce, rank, world_size):
        trainer = DataParallel(fcnn.Network([2, 4, 2], seed=0), allreduce, (rank, world_size))
        try:
            trainer.fit(X, y, epochs=3, lr=0.5, callbacks=[Fails()] if rank == 1 else None)
        except (OSError, PeerError) as error:
            return type(error).__name__, str(error)

    assert ThreadWorld(2).run(train) == [
        ("PeerError", "1 other rank(s) failed in their callbacks' on_epoch_end"),
        ("OSError", "disk full"),
    ]


def test_validation_data_is_what_fit_takes():
    pd = pytest.importorskip("pandas")
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X, y = fcnn.datasets.xor()
    given = [
        (X, y),
        (scipy_sparse.csr_matrix(X), y),
        (pd.DataFrame(X), pd.Series(y)),
        (X, y, np.full(4, 2.0)),  # equal weights: the same weighted mean
    ]
    val_costs = []
    for validation_data in given:
        trainer = DataParallel(fcnn.Network([2, 4, 2], seed=0), lambda array: None, (0, 1))
        history = trainer.fit(X, y, epochs=2, lr=0.5, validation_data=validation_data)
        val_costs.append(history.val_cost)
    assert all(val_cost == val_costs[0] for val_cost in val_costs)


def test_bad_validation_data_fails_on_every_rank_before_training():
    X, y = fcnn.datasets.xor()

    def train(allreduce, rank, world_size):
        net = fcnn.Network([2, 4, 2], seed=0)
        trainer = DataParallel(net, allreduce, (rank, world_size))
        X_val = X[:, :1] if rank == 1 else X
        try:
            trainer.fit(X, y, epochs=2, lr=0.5, validation_data=(X_val, y))
        except ValueError as error:
            return str(error), net.position.epochs

    mine, other = ThreadWorld(2).run(train)
    assert "the ranks disagree on" in mine[0] and mine[1] == 0
    assert "X_val" in other[0] and other[1] == 0


def test_a_checkpoint_monitoring_what_the_fit_does_not_record_fails_before_training():
    X, y = fcnn.datasets.xor()
    net = fcnn.Network([2, 4, 2], seed=0)
    checkpoint = Checkpoint("best.fcnn", monitor="val_cost", save_best_only=True)
    with pytest.raises(ValueError, match="val_cost"):
        DataParallel(net, lambda array: None, (0, 1)).fit(X, y, callbacks=[checkpoint])
    assert net.position.epochs == 0


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_torch_gloo_processes_train_as_one_process(tmp_path):
    pytest.importorskip("torch.distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    ranks = [
        subprocess.Popen(
            [sys.executable, WORKER, "torch", address, str(rank), "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            env=worker_environment(),
        )
        for rank in range(2)
    ]
    outputs = [rank.communicate(timeout=300)[0] for rank in ranks]
    for rank, (process, output) in enumerate(zip(ranks, outputs)):
        assert process.returncode == 0, output
        assert f"rank {rank} ok" in output


def test_a_float32_network_trains_as_one_process_to_its_precision():
    X, y, _ = data(30)
    expected = fcnn.Network([4, 6, 3], seed=1, dtype=np.float32)
    order = np.random.default_rng(5).permutation(30)
    expected.fit(X[order], y[order], batch_size=7, shuffle=False, optimizer=fcnn.Adam(0.01))

    def train(allreduce, rank, world_size):
        net = fcnn.Network([4, 6, 3], seed=1 + rank, dtype=np.float32)
        DataParallel(net, allreduce, (rank, world_size)).fit(
            X, y, batch_size=7, optimizer=fcnn.Adam(0.01), seed=5
        )
        return net.theta

    for theta in ThreadWorld(2).run(train):
        assert theta.dtype == np.float32
        np.testing.assert_allclose(theta, expected.theta, rtol=1e-5, atol=1e-6)
