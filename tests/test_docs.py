"""The API reference (docs/api/*.rst) lists every public name: those of fcnn.__all__, of
each documented submodule's __all__, and the scikit-learn estimators. Read from the .rst
sources, so Sphinx is not needed here; tools/docs.sh builds the pages themselves."""

import importlib
import pathlib
import re

import pytest

import fcnn

API = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api"
DIRECTIVE = re.compile(r"^\.\. (currentmodule|automodule|autosummary)::\s*(\S*)")


def documented():
    """The modules (from automodule) and the objects (module.name, from the autosummary
    tables under each currentmodule) that the API reference documents."""
    modules, objects = set(), set()
    for page in sorted(API.glob("*.rst")):
        current, in_table = None, False
        for line in page.read_text(encoding="utf-8").splitlines():
            match = DIRECTIVE.match(line)
            if match:
                kind, argument = match.groups()
                in_table = kind == "autosummary"
                if kind == "automodule":
                    modules.add(argument)
                elif kind == "currentmodule":
                    current = argument
            elif in_table and line.strip() and not line.startswith(" "):
                in_table = False
            elif in_table and line.startswith("   ") and not line.strip().startswith(":"):
                objects.add(f"{current}.{line.strip()}")
    return modules, objects


MODULES, OBJECTS = documented()


def test_the_reference_was_read():
    assert "fcnn" in MODULES and "fcnn.Network" in OBJECTS


@pytest.mark.parametrize("name", fcnn.__all__)
def test_every_name_of_fcnn_is_documented(name):
    if isinstance(getattr(fcnn, name), type(fcnn)):
        assert f"fcnn.{name}" in MODULES, f"no page documents the module fcnn.{name}"
    else:
        assert f"fcnn.{name}" in OBJECTS, f"fcnn.{name} is missing from docs/api/fcnn.rst"


@pytest.mark.parametrize("name", ["FCNNClassifier", "FCNNRegressor"])
def test_the_estimators_are_documented(name):
    assert f"fcnn.sklearn.{name}" in OBJECTS


@pytest.mark.parametrize("module", sorted(MODULES - {"fcnn"}))
def test_every_public_name_of_a_documented_submodule_is_documented(module):
    """Each name in the submodule's __all__ is documented there, or at the top level when
    it is the object that fcnn itself exports under that name (fcnn.SGD for
    fcnn.optimizers.SGD)."""
    namespace = importlib.import_module(module)
    missing = [
        name
        for name in namespace.__all__
        if f"{module}.{name}" not in OBJECTS
        and not (
            getattr(fcnn, name, None) is getattr(namespace, name) and f"fcnn.{name}" in OBJECTS
        )
    ]
    assert not missing, f"{module}: {missing} are public but missing from docs/api/"


@pytest.mark.parametrize("qualified", sorted(OBJECTS))
def test_every_documented_name_exists(qualified):
    module, name = qualified.rsplit(".", 1)
    assert hasattr(importlib.import_module(module), name), f"{qualified} does not exist"
