"""The Dask recipes of docs/guide/distributed.rst on a real two-process LocalCluster: each
gives the same results, bit for bit, as the same work done locally."""

import contextlib
import os
import time

import numpy as np
import pytest

pytest.importorskip("sklearn")
distributed = pytest.importorskip("distributed", reason="the Dask tests need fcnn[dask]")
da = pytest.importorskip("dask.array", reason="the Dask tests need fcnn[dask]")
joblib = pytest.importorskip("joblib")

from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

from fcnn.sklearn import FCNNClassifier  # noqa: E402

CLASSES = np.array([0, 1, 2])
BLOCK = 60


@pytest.fixture(scope="module")
def client():
    """A client of two single-threaded worker processes on the loopback: closed at the end of
    the module, and its worker processes checked gone."""
    with _cluster(n_workers=2) as client:
        yield client


@contextlib.contextmanager
def _cluster(n_workers):
    """A client of single-threaded worker processes on the loopback, closed on exit with its
    worker processes checked gone. The nanny writes its variables (dask's "pre-spawn-environ":
    the BLAS threads, PYTHONHASHSEED, ...) into this process's environment: it is restored,
    so that they reach no later test's subprocesses."""
    saved = dict(os.environ)
    try:
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=":0",  # any free port: another cluster may hold 8787
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            pids = list(client.run(os.getpid).values())
            yield client
        for pid in pids:
            _wait_for_exit(pid)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _wait_for_exit(pid, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"worker process {pid} still runs after the cluster closed")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4 * BLOCK, 6))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    return X, y


def _classifier(**params):
    return FCNNClassifier((8,), epochs=3, batch_size=16, tol=None, random_state=0, **params)


def _blas_threads():
    import fcnn

    return fcnn.threads.info()[0]["num_threads"]


def test_workers_use_one_blas_thread(client):
    # Dask's nanny sets OPENBLAS_NUM_THREADS=1 before each worker process starts, so the
    # core's BLAS (SciPy's) starts with one thread.
    assert set(client.run(_blas_threads).values()) == {1}


def test_the_users_blas_threads_win(monkeypatch):
    # A variable already in the environment that starts the workers wins over the nanny's.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with _cluster(n_workers=1) as client:
        assert set(client.run(_blas_threads).values()) == {2}


def test_grid_search_on_the_joblib_dask_backend(client, data):
    X, y = data
    grid = {"hidden_layer_sizes": [(4,), (8,)], "learning_rate": [0.01, 0.05]}
    local = GridSearchCV(_classifier(), grid, cv=3).fit(X, y)
    with joblib.parallel_config(backend="dask"), distributed.get_task_stream(client) as tasks:
        remote = GridSearchCV(_classifier(), grid, cv=3, n_jobs=-1).fit(X, y)
        scores = cross_val_score(_classifier(), X, y, cv=3, n_jobs=-1)
    assert len(tasks.data) > 0  # the fits ran on the workers
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    for key, value in local.cv_results_.items():
        if not key.endswith("_time"):
            np.testing.assert_array_equal(remote.cv_results_[key], value, err_msg=key)
    np.testing.assert_array_equal(scores, cross_val_score(_classifier(), X, y, cv=3))


def _dask_ml_wrappers():
    # dask-ml imports dask.dataframe, hence pyarrow, whose wheel may not load beside an old
    # NumPy (an ImportError, not a missing module): only the tests of its wrappers skip then.
    try:
        import dask_ml.wrappers
    except ImportError as error:
        pytest.skip(f"dask-ml cannot be imported: {error}")
    return dask_ml.wrappers


def test_incremental_matches_a_local_partial_fit_loop(client, data):
    dask_ml_wrappers = _dask_ml_wrappers()
    X, y = data
    local = _classifier()
    for start in range(0, len(X), BLOCK):
        local.partial_fit(X[start : start + BLOCK], y[start : start + BLOCK], classes=CLASSES)
    incremental = dask_ml_wrappers.Incremental(_classifier(), shuffle_blocks=False)
    incremental.fit(
        da.from_array(X, chunks=(BLOCK, -1)), da.from_array(y, chunks=BLOCK), classes=CLASSES
    )
    np.testing.assert_array_equal(incremental.estimator_.network_.theta, local.network_.theta)


# Blocks of rows of uneven sizes, the last one small. A row's output may differ in its last bit
# between two splits of the rows (the core predicts a few rows by another path than many, and
# the BLAS's kernel depends on the row count), so the local run predicts the same blocks.
CHUNKS = (BLOCK, BLOCK, 2 * BLOCK - 7, 7)


def _by_blocks(predict, X):
    starts = np.cumsum((0,) + CHUNKS)
    return np.concatenate([predict(X[a:b]) for a, b in zip(starts[:-1], starts[1:])])


def test_parallel_post_fit_predicts_as_locally(client, data):
    dask_ml_wrappers = _dask_ml_wrappers()
    X, y = data
    clf = _classifier().fit(X, y)
    labels = dask_ml_wrappers.ParallelPostFit(clf).predict(da.from_array(X, chunks=(CHUNKS, -1)))
    np.testing.assert_array_equal(labels.compute(), _by_blocks(clf.predict, X))


def test_map_blocks_predicts_as_locally(client, data):
    X, y = data
    net = _classifier().fit(X, y).network_
    Xd = da.from_array(X, chunks=(CHUNKS, -1))
    outputs = Xd.map_blocks(net.predict, dtype=net.dtype, chunks=(CHUNKS, (net.sizes[-1],)))
    np.testing.assert_array_equal(outputs.compute(), _by_blocks(net.predict, X))
