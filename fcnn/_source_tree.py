"""What ``import fcnn`` does when Python finds fcnn's source tree, where the compiled core is
not built, before the installed package.

This happens whenever Python runs in a checkout after ``pip install .``: ``python -c``,
``python -m`` and the interactive prompt put the current folder first on ``sys.path``. The
installed package is then the one the user meant, so it replaces the source tree in
``sys.modules`` (``import`` returns what ``sys.modules`` holds once the package's
``__init__`` has run). With no installed package to use, the error says what to run.
"""

import importlib.util
import os
import sys
from collections.abc import Iterator
from importlib.abc import Loader
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec, PathFinder


def use_installed_package_if_unbuilt(name: str, init_file: str) -> bool:
    """Load the installed package in place of the unbuilt source tree at ``init_file``.

    Returns True when it did, False when the core is built next to ``init_file``; raises
    ImportError when it is not and no installed package has it either.
    """
    package_dir = os.path.dirname(os.path.abspath(init_file))
    if _has_core(package_dir):
        return False
    installed = next(_installed_packages(name, os.path.dirname(package_dir)), None)
    if installed is None:
        raise ImportError(
            f"fcnn's compiled core is not built in {package_dir}, and no installed fcnn was "
            f"found. In the folder that holds setup.py, run `pip install .` to install fcnn, "
            f"or `pip install -e .` to build the core in place for development."
        )
    spec, loader = installed
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return True


def _installed_packages(name: str, source_root: str) -> Iterator[tuple[ModuleSpec, Loader]]:
    """Each package `name` with a compiled core that an import finder finds outside
    `source_root` (on the rest of sys.path, or through an editable install's finder)."""
    source_root = os.path.realpath(source_root)
    elsewhere = [p for p in sys.path if os.path.realpath(p or os.curdir) != source_root]
    for finder in sys.meta_path:
        if finder is PathFinder:
            spec = PathFinder.find_spec(name, elsewhere)
        else:
            spec = getattr(finder, "find_spec", lambda *_: None)(name, None)
        folders = (spec and spec.submodule_search_locations) or ()
        if spec is not None and spec.loader is not None and any(map(_has_core, folders)):
            yield spec, spec.loader


def _has_core(folder: str) -> bool:
    return any(os.path.exists(os.path.join(folder, "_core" + s)) for s in EXTENSION_SUFFIXES)
