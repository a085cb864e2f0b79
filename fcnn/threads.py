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


def limit(n_threads):
    """A context manager (and a plain call) that limits every BLAS in the process,
    SciPy's among them, to n_threads."""
    from ._validation import check_int

    return _threadpoolctl().threadpool_limits(check_int(n_threads, "n_threads", 1), user_api="blas")


def info():
    """The BLAS libraries loaded, as threadpoolctl describes them (library, version,
    CPU kernel, threads), SciPy's (the core's) first."""
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, the one the core calls)

    libraries = _threadpoolctl().threadpool_info()
    return sorted(
        (lib for lib in libraries if lib.get("user_api") == "blas"),
        key=lambda lib: "scipy" not in lib.get("filepath", ""),
    )
