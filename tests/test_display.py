"""What the objects show of themselves: repr, Jupyter's HTML, and fcnn.threads.info()."""

import builtins
import re

import numpy as np
import pytest
import scipy

import fcnn
from fcnn.activations import LeakyReLU
from fcnn.history import History


def _history(epochs=10, validation=True):
    history = History()
    for epoch in range(epochs):
        metrics = {"cost": 1 / (epoch + 1), "accuracy": 0.5 + epoch / 40}
        if validation:
            metrics["val_cost"] = 1 / (epoch + 1) + 0.1
            metrics["val_accuracy"] = [0.6, 0.7, 0.8, 0.85, 0.9, 0.91, 0.93, 0.92, 0.92, 0.9][epoch]
        history.record(metrics, seconds=0.5, samples=1000, lr=0.1)
    return history


def test_repr_of_a_history_names_its_epochs_metrics_and_best_epoch():
    assert repr(_history()) == (
        "History(epochs=10, metrics=[cost, accuracy, val_cost, val_accuracy], "
        "best val_accuracy 0.93 at epoch 7)"
    )
    assert repr(_history(validation=False)) == (
        "History(epochs=10, metrics=[cost, accuracy], best accuracy 0.725 at epoch 10)"
    )
    assert repr(History()) == "History(epochs=0)"


def test_html_of_a_history_is_a_table_of_epochs_by_metrics():
    html = _history()._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    header = re.findall(r"<th>(.*?)</th>", rows[0])
    assert header[:5] == ["epoch", "cost", "accuracy", "val_cost", "val_accuracy"]
    assert len(rows) == 11
    assert re.findall(r"<td>(.*?)</td>", rows[7])[:5] == [
        "7",
        "0.142857",
        "0.65",
        "0.242857",
        "0.93",
    ]
    assert History()._repr_html_().count("<tr>") == 1


def test_html_of_a_long_history_shows_its_first_and_last_epochs():
    html = _history(epochs=10)._repr_html_()
    history = History()
    for _ in range(500):
        history.record({"cost": 1.0}, seconds=1.0, samples=10, lr=0.1)
    rows = re.findall(r"<tr>(.*?)</tr>", history._repr_html_(), re.S)
    firsts = [re.findall(r"<td>(.*?)</td>", row)[0] for row in rows[1:]]
    assert firsts[:3] == ["1", "2", "3"] and firsts[-1] == "500" and "..." in firsts
    assert len(rows) < 30 and "..." not in html


def test_repr_of_a_network_shows_the_parameters_of_its_activations():
    net = fcnn.Network([4, 3, 2], [LeakyReLU(slope=0.2), "sigmoid"], seed=0)
    assert repr(net) == (
        "Network([4, 3, 2], activations=[LeakyReLU(slope=0.2), 'sigmoid'], "
        "cost='quadratic', dtype='float64')"
    )


def test_html_of_a_network_lists_its_layers_and_is_escaped():
    class Odd(LeakyReLU):
        def __repr__(self):
            return "<Odd & 'strange'>"

    net = fcnn.Network([4, 3, 2], [Odd(slope=0.3), "softmax"], "log_likelihood", seed=0)
    html = net._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<t[hd]>(.*?)</t[hd]>", row) for row in rows]
    assert cells[0] == ["layer", "size", "activation", "parameters"]
    assert cells[1] == ["0 (input)", "4", "", ""]
    assert cells[2] == ["1", "3", "&lt;Odd &amp; &#x27;strange&#x27;&gt;", "15"]
    assert cells[3] == ["2", "2", "softmax", "8"]
    assert "<Odd" not in html
    assert "log_likelihood" in html and "float64" in html and "23 parameters" in html


@pytest.fixture
def no_threadpoolctl(monkeypatch):
    real_import = builtins.__import__

    def without(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("no threadpoolctl here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)


def test_threads_info_without_threadpoolctl_reads_the_build_and_the_environment(
    no_threadpoolctl, monkeypatch
):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    libraries = fcnn.threads.info()
    assert [lib["package"] for lib in libraries] == ["scipy", "numpy"]
    built = scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    assert libraries[0]["internal_api"] == built["name"]
    assert libraries[0]["version"] == built["version"]
    if "openblas" in built["name"]:
        assert libraries[0]["num_threads"] == 3
        assert libraries[0]["num_threads_from"] == "OPENBLAS_NUM_THREADS"
    with pytest.raises(ImportError, match="setting BLAS threads"):
        fcnn.threads.limit(1)


def test_threads_info_without_threadpoolctl_or_variables_says_the_default(
    no_threadpoolctl, monkeypatch
):
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    scipy_blas = fcnn.threads.info()[0]
    assert scipy_blas["num_threads"] is None
    assert "default" in scipy_blas["num_threads_from"]
    assert np.all([key in scipy_blas for key in ("user_api", "internal_api", "version")])
