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

from contextlib import AbstractContextManager
from typing import Any

__all__ = ["limit", "info"]


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

    Returns
    -------
    list of dict
        One dict per BLAS library, with threadpoolctl's keys: "user_api" ("blas"),
        "internal_api" (e.g. "openblas"), "prefix", "filepath", "version",
        "num_threads", and for OpenBLAS "threading_layer" and "architecture" (the CPU
        kernel).

    Raises
    ------
    ImportError
        If threadpoolctl is not installed (``pip install "fcnn[threads]"``).

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

    libraries = _threadpoolctl().threadpool_info()
    return sorted(
        (lib for lib in libraries if lib.get("user_api") == "blas"),
        key=lambda lib: "scipy" not in lib.get("filepath", ""),
    )
