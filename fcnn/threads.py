"""How many threads the core's BLAS uses, and which BLAS that is.

The core calls the BLAS that SciPy ships (through scipy.linalg.cython_blas); NumPy ships
its own, with its own thread pool. Two ways to set the core's threads:

- before Python starts: ``OPENBLAS_NUM_THREADS=1 python train.py`` (every OpenBLAS in
  the process);
- at run time, with threadpoolctl installed (``pip install "fcnn[threads]"``)::

      with fcnn.threads.limit(1):
          net.fit(X, y)

Only the parallel GEMMs use threads; everything else in the core runs on the calling
thread, without the GIL, so several networks can train at once in Python threads.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["limit", "info"]

# The variables each BLAS reads for its thread count at start-up, in the order it reads them.
_THREAD_VARIABLES = {
    "openblas": ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
}


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        raise ImportError(
            "setting BLAS threads at run time needs threadpoolctl: "
            "pip install threadpoolctl (or set OPENBLAS_NUM_THREADS before "
            "Python starts)"
        ) from None
    return threadpoolctl


def limit(n_threads: int) -> AbstractContextManager[Any]:
    """Limit every BLAS in the process, SciPy's among them, to n_threads.

    Works as a context manager, which restores the previous limits on exit, and as a
    plain call, whose limits last until changed (threadpoolctl's `threadpool_limits`).

    Parameters
    ----------
    n_threads : int
        The most threads each BLAS may use, >= 1.

    Returns
    -------
    threadpoolctl.threadpool_limits
        The limiter; its ``restore_original_limits()`` undoes a plain call.

    Raises
    ------
    TypeError
        If `n_threads` is not an integer (a bool is not).
    ValueError
        If `n_threads` < 1.
    ImportError
        If threadpoolctl is not installed (``pip install "fcnn[threads]"``).

    See Also
    --------
    info : The BLAS libraries and their thread counts.

    Examples
    --------
    >>> import fcnn
    >>> with fcnn.threads.limit(1):
    ...     print({lib["num_threads"] for lib in fcnn.threads.info()})
    {1}
    """
    from ._validation import check_int

    return _threadpoolctl().threadpool_limits(check_int(n_threads, "n_threads", 1), user_api="blas")


def info() -> list[dict[str, Any]]:
    """The BLAS libraries loaded, as threadpoolctl describes them, SciPy's (the core's) first.

    Without threadpoolctl, the BLAS each of SciPy and NumPy was built with, and the thread
    count its environment variables ask for.

    Returns
    -------
    list of dict
        One dict per BLAS library, with threadpoolctl's keys: "user_api" ("blas"),
        "internal_api" (e.g. "openblas"), "prefix", "filepath", "version",
        "num_threads", and for OpenBLAS "threading_layer" and "architecture" (the CPU
        kernel). Without threadpoolctl, the keys that the build configurations and the
        environment tell.

    See Also
    --------
    limit : Set the thread counts.

    Examples
    --------
    >>> import fcnn
    >>> libraries = fcnn.threads.info()
    >>> {lib["user_api"] for lib in libraries}
    {'blas'}
    """
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, the one the core calls)

    try:
        import threadpoolctl
    except ImportError:
        return _from_build_configuration()
    libraries = threadpoolctl.threadpool_info()
    return sorted(
        (lib for lib in libraries if lib.get("user_api") == "blas"),
        key=lambda lib: "scipy" not in lib.get("filepath", ""),
    )


def _from_build_configuration():
    """What info() can read without threadpoolctl: the BLAS that SciPy and NumPy were built
    with, and the thread count that the environment variables ask for (None: the BLAS's
    default, usually one thread per core)."""
    import numpy
    import scipy

    libraries = []
    for package in (scipy, numpy):
        try:
            blas = package.show_config(mode="dicts")["Build Dependencies"]["blas"]
        except (TypeError, KeyError):  # a build that does not describe its BLAS
            blas = {}
        name = blas.get("name") or "unknown"
        variables = next(
            (names for kind, names in _THREAD_VARIABLES.items() if kind in name.lower()),
            ("OMP_NUM_THREADS",),
        )
        source = next((variable for variable in variables if os.environ.get(variable)), None)
        value = os.environ.get(source, "") if source else ""
        libraries.append(
            {
                "user_api": "blas",
                "internal_api": name,
                "version": blas.get("version"),
                "num_threads": int(value) if value.strip().isdigit() else None,
                "num_threads_from": source or "the BLAS's default (no variable set)",
                "package": package.__name__,
                "filepath": None,
                "note": "read from the build configuration; pip install threadpoolctl to "
                "read the loaded libraries",
            }
        )
    return libraries
