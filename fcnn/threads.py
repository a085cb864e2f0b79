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

import os

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


def limit(n_threads):
    """A context manager (and a plain call) that limits every BLAS in the process,
    SciPy's among them, to n_threads."""
    from ._validation import check_int

    return _threadpoolctl().threadpool_limits(check_int(n_threads, "n_threads", 1), user_api="blas")


def info():
    """The BLAS libraries loaded, as threadpoolctl describes them (library, version,
    CPU kernel, threads), SciPy's (the core's) first. Without threadpoolctl, the BLAS
    each of SciPy and NumPy was built with and the threads its environment variables ask for."""
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
