"""scikit-learn's own MLP tests, run against fcnn's drop-in MLPClassifier and MLPRegressor.

The test module is read from the installed scikit-learn (sklearn/neural_network/tests/
test_mlp.py), never copied here; its import of the estimators is replaced by fcnn's, and
its tests are collected as this module's. A test that calls one of scikit-learn's private
helpers, whose result says nothing of fcnn's, is skipped with that reason.
"""

import importlib.util
import pathlib
import re

import pytest

sklearn = pytest.importorskip("sklearn")
pytest.importorskip("fcnn.sklearn")

THEIR_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
OUR_IMPORT = "from fcnn.sklearn import MLPClassifier, MLPRegressor"

SKIPPED = {
    # (none yet)
}
"""Tests skipped, by name, with the reason."""


def _their_tests():
    spec = importlib.util.find_spec("sklearn.neural_network.tests.test_mlp")
    if spec is None or spec.origin is None:
        return None
    return pathlib.Path(spec.origin)


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest): the seed its tests run with by default."""
    return 42


_source = _their_tests()
if _source is None:
    pytest.skip("this scikit-learn is installed without its tests", allow_module_level=True)
_text = _source.read_text()
if _text.count(THEIR_IMPORT) != 1:
    raise AssertionError(
        f"{_source} no longer imports the estimators as {THEIR_IMPORT!r}: update this module"
    )
exec(compile(_text.replace(THEIR_IMPORT, OUR_IMPORT), str(_source), "exec"), globals())
for _name, _reason in SKIPPED.items():
    globals()[_name] = pytest.mark.skip(reason=_reason)(globals()[_name])


def test_the_estimators_are_fcnns():
    """The tests above run against fcnn's classes, not scikit-learn's."""
    from fcnn import sklearn as ours

    assert MLPClassifier is ours.MLPClassifier  # noqa: F821 (defined by the exec above)
    assert MLPRegressor is ours.MLPRegressor  # noqa: F821
    assert re.search(r"fcnn", MLPClassifier.__module__)  # noqa: F821
