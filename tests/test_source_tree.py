"""Python run in a checkout after `pip install .` finds the unbuilt source tree first
(python -c, python -m and the prompt put the current folder on sys.path): fcnn then loads the
installed package instead, and says what to run when there is none."""

import os
import shutil
import subprocess
import sys

import fcnn

INSTALLED = os.path.dirname(os.path.dirname(os.path.abspath(fcnn.__file__)))


def unbuilt_checkout(tmp_path):
    """A copy of the package's Python files without the compiled core, as in a checkout."""
    shutil.copytree(
        os.path.dirname(fcnn.__file__),
        tmp_path / "fcnn",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
    )
    return tmp_path


def run_in(folder, *arguments, python_path=INSTALLED):
    env = {**os.environ, "PYTHONPATH": python_path}
    return subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
    )


def test_an_unbuilt_checkout_loads_the_installed_package(tmp_path):
    checkout = unbuilt_checkout(tmp_path)
    code = (
        "import fcnn, fcnn.network\n"
        "print(fcnn.__file__)\n"
        "print(fcnn.network.__file__)\n"
        "print(fcnn.Network([2, 3, 1], seed=0).predict([[0.5, 0.5]]).shape)\n"
    )
    done = run_in(checkout, "-c", code)
    assert done.returncode == 0, done.stderr
    package, network, shape = done.stdout.splitlines()
    assert package == fcnn.__file__ and os.path.dirname(network) == os.path.dirname(package)
    assert shape == "(1, 1)"


def test_python_dash_m_fcnn_runs_from_an_unbuilt_checkout(tmp_path):
    done = run_in(unbuilt_checkout(tmp_path), "-m", "fcnn", "--help")
    assert done.returncode == 0, done.stderr
    assert "demo" in done.stdout


def test_with_no_installed_package_the_error_says_what_to_run(tmp_path):
    checkout = unbuilt_checkout(tmp_path)
    # -S: no site-packages, so no installed fcnn anywhere on sys.path
    done = run_in(checkout, "-S", "-c", "import fcnn", python_path="")
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: fcnn's compiled core is not built in")
    assert str(checkout / "fcnn") in message
    assert "`pip install .`" in message and "`pip install -e .`" in message
