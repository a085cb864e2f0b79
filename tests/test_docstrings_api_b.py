"""The examples in the docstrings of activations, costs, optimizers, schedules,
initializers, reference, threads, plotting, diagnostics and sklearn (with the drop-in MLP
estimators) run and print what they show; and the ConvergenceWarning of FCNNClassifier.fit
points at its caller."""

import doctest
import importlib
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

MODULES = [
    "fcnn.activations",
    "fcnn.costs",
    "fcnn.optimizers",
    "fcnn.schedules",
    "fcnn.initializers",
    "fcnn.reference",
    "fcnn.threads",
    "fcnn.distributed",
    "fcnn.plotting",
    "fcnn.diagnostics",
    "fcnn.sklearn",
    "fcnn._sklearn_mlp",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_convergence_warning_names_the_caller():
    from sklearn.datasets import load_iris

    from fcnn.sklearn import FCNNClassifier

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FCNNClassifier((4,), epochs=2, random_state=0).fit(X, y)
    [warning] = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert warning.filename == __file__
