"""A pytest plugin for tools/boundscheck.sh and tools/sanitize.sh: it prints which compiled
core the tests import, and stops the run before the first test if that is not the build
under test.

    FCNN_EXPECT_CORE=<folder>      the imported builds of the core (fcnn/_core*.so, and
                                   fcnn/_core_avx2*.so where chosen) must lie in this folder
    FCNN_EXPECT_BOUNDSCHECK=1      and check their memoryview indices (FCNN_BOUNDSCHECK=1)

Use it with tools/ on PYTHONPATH: ``pytest -p fcnn_build_check``.
"""

import os

import numpy as np
import pytest


def checks_bounds(core):
    """Whether the core checks memoryview indices. Predicting zero rows takes the address
    of X[0, 0] of an empty X: a checked build refuses that with IndexError, an unchecked
    one computes the address and never reads it."""
    layout = core.Layout(
        [1, 1], [core.ACTIVATION_CODES["linear"]], [0.0], core.COST_CODES["quadratic"]
    )
    workspace = core.Workspace(layout, np.float64, 1)
    try:
        core.predict["double"](
            layout, workspace, np.zeros(layout.n_params), np.empty((0, 1)), np.empty((0, 1))
        )
    except IndexError:
        return True
    return False


def pytest_sessionstart(session):
    from fcnn import _compiled

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    expected = os.environ.get("FCNN_EXPECT_CORE")
    for core in dict.fromkeys([_compiled.baseline, _compiled.core]):
        checked = checks_bounds(core)
        chosen = ", the one fcnn runs" if core is _compiled.core else ""
        reporter.write_line(
            f"{core.__name__}: {core.__file__} (bounds checks {'on' if checked else 'off'}{chosen})"
        )
        folder = os.path.realpath(os.path.dirname(core.__file__))
        if expected and folder != os.path.realpath(expected):
            pytest.exit(
                f"the tests import {core.__file__}, not the build in {expected}", returncode=4
            )
        if os.environ.get("FCNN_EXPECT_BOUNDSCHECK") == "1" and not checked:
            pytest.exit(
                f"{core.__file__} does not check bounds: it was not built with FCNN_BOUNDSCHECK=1",
                returncode=4,
            )
