"""The examples in the docstrings run and print what they show, the Literal types of the
public signatures name exactly the choices the code accepts, and the package loader
refuses a namespace package that only looks installed."""

import doctest
import importlib
import sys
import types
import typing

import pytest

import fcnn
from fcnn import diagnostics, schedules, training
from fcnn._source_tree import use_installed_package_if_unbuilt

MODULES = [
    "fcnn",
    "fcnn._convert",
    "fcnn.datasets",
    "fcnn.explain",
    "fcnn.gradient_check",
    "fcnn.history",
    "fcnn.io",
    "fcnn.network",
    "fcnn.training",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    if name in ("fcnn.history", "fcnn.network"):
        pytest.importorskip("matplotlib")  # their plot examples draw into temporary folders
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


def test_schedule_names_are_the_schedules():
    assert set(typing.get_args(training.ScheduleName)) == set(schedules._BY_NAME)


def test_diagnostic_names_are_the_diagnostics():
    assert typing.get_args(training.DiagnosticName) == diagnostics.KINDS


@pytest.mark.parametrize("monitor", typing.get_args(training.Monitor))
def test_every_monitor_named_in_the_type_is_accepted(monitor):
    X, y = fcnn.datasets.xor()
    net = fcnn.Network([2, 3, 2], seed=0)
    history = net.fit(X, y, epochs=1, lr=0.1, monitor=monitor, validation_data=(X, y))
    assert history.epochs == 1


def test_a_monitor_outside_the_type_is_refused():
    X, y = fcnn.datasets.xor()
    with pytest.raises(ValueError, match="monitor must be"):
        fcnn.Network([2, 3, 2], seed=0).fit(X, y, monitor="val_loss")


def test_a_namespace_package_with_a_core_is_not_an_installed_package(tmp_path, monkeypatch):
    # A folder of the package's name without __init__.py has a spec without a loader;
    # it must give the clear ImportError, not an AttributeError on the missing loader.
    source = tmp_path / "source" / "unbuiltpkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("")
    elsewhere = tmp_path / "elsewhere" / "unbuiltpkg"
    elsewhere.mkdir(parents=True)
    (elsewhere / "_core.so").write_bytes(b"")
    package = types.ModuleType("unbuiltpkg")
    package.__path__ = [str(source)]
    monkeypatch.setitem(sys.modules, "unbuiltpkg", package)
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    with pytest.raises(ImportError, match="compiled core is not built"):
        use_installed_package_if_unbuilt("unbuiltpkg", str(source / "__init__.py"))


def test_the_namespace_test_would_fail_without_the_loader_check(tmp_path):
    # The premise of the test above: such a folder's spec really has no loader.
    from importlib.machinery import PathFinder

    (tmp_path / "unbuiltpkg").mkdir()
    spec = PathFinder.find_spec("unbuiltpkg", [str(tmp_path)])
    assert spec is not None and spec.loader is None
