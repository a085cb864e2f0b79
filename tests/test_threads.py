"""Thread control of the core's BLAS."""

import numpy as np
import pytest

import fcnn

threadpoolctl = pytest.importorskip("threadpoolctl")


def test_limit_sets_and_restores_the_cores_blas_threads():
    scipy_blas = fcnn.threads.info()[0]
    assert "scipy" in scipy_blas["filepath"]
    before = scipy_blas["num_threads"]
    with fcnn.threads.limit(1):
        assert fcnn.threads.info()[0]["num_threads"] == 1
        net = fcnn.Network([20, 8, 3], seed=0)
        net.fit(np.random.default_rng(0).random((64, 20)), np.zeros(64, int), epochs=1)
    assert fcnn.threads.info()[0]["num_threads"] == before


def test_limit_checks_its_argument():
    with pytest.raises(ValueError, match="n_threads must be an integer >= 1"):
        fcnn.threads.limit(0)
