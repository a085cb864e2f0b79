"""How many threads the core's BLAS uses, which BLAS that is, and fcnn's thread policy.

The core calls the BLAS that SciPy ships (through scipy.linalg.cython_blas); NumPy ships
its own, with its own thread pool. Only the parallel GEMMs use threads; everything else in
the core runs on the calling thread, without the GIL, so several networks can train at
once in Python threads.

By default a `~fcnn.Network.fit` or `~fcnn.Network.predict` whose matrix products are
too small to gain much from a second BLAS thread runs them on one (`policy`): OpenBLAS's
idle workers spin for a core, and when another process is busy they take it from the
thread that works, which can make a small network several times slower than on one
thread. The choice depends on the network's sizes and the rows alone, never on the
machine's load: the thread count changes the last bits of the products, and a seeded fit
must give the same parameters whatever else runs. Your own setting always wins, and the
policy then changes nothing:

- before Python starts: ``OPENBLAS_NUM_THREADS=1 python train.py`` (every OpenBLAS in
  the process; also ``GOTO_NUM_THREADS`` or ``OMP_NUM_THREADS``, set in ``os.environ``
  at the time of the call);
- at run time, with threadpoolctl installed (``pip install "fcnn[threads]"``)::

      with fcnn.threads.limit(1):
          net.fit(X, y)

- any other change of the core's BLAS count since fcnn was imported (threadpoolctl's
  ``threadpool_limits``, the BLAS's own ``openblas_set_num_threads``).
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "ONE_THREAD_BELOW",
    "Limit",
    "chooses_one_thread",
    "current",
    "info",
    "limit",
    "policy",
]

# The variables each BLAS reads for its thread count at start-up, in the order it reads them.
_THREAD_VARIABLES = {
    "openblas": ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
}


ONE_THREAD_BELOW = 20_000_000
"""The multiply-adds of a call's largest matrix product (rows x inputs x outputs of its
widest layer) below which fit and predict run on one BLAS thread. A second thread pays
from about 2.4 million on a quiet machine, and loses several times over at any size
beside a busy process; this threshold gives up at most 1.45x on a quiet machine to keep
small networks and batches safe from that, scikit-learn's default MLP on 784 inputs
among them (``hidden_layer_sizes=(100,)``, ``batch_size=200``: 15.7 million)
(benchmarks/threads.py; figures in benchmarks/README.md)."""


def chooses_one_thread(sizes: Sequence[int], rows: int) -> bool:
    """Whether the policy runs a fit or predict of a network on one BLAS thread.

    Parameters
    ----------
    sizes : sequence of int
        The network's layer widths, inputs first.
    rows : int
        The rows of each product: a fit's mini-batch, a predict's chunk.

    Returns
    -------
    bool
        True when the largest product, ``rows * max(sizes[l] * sizes[l + 1])``
        multiply-adds, is below `ONE_THREAD_BELOW`.

    Examples
    --------
    >>> import fcnn
    >>> fcnn.threads.chooses_one_thread([784, 100, 10], 32)
    True
    >>> fcnn.threads.chooses_one_thread([784, 512, 512, 10], 128)
    False
    """
    widest = max(inputs * outputs for inputs, outputs in zip(sizes, sizes[1:]))
    return rows * widest < ONE_THREAD_BELOW


class _OpenBLAS:
    """The get/set_num_threads functions of the OpenBLAS that the core calls."""

    def __init__(self, library: Any, prefix: str, suffix: str) -> None:
        self._get = getattr(library, f"{prefix}get_num_threads{suffix}")
        self._set = getattr(library, f"{prefix}set_num_threads{suffix}")
        self._get.restype = ctypes.c_int
        self._set.argtypes = [ctypes.c_int]

    def get(self) -> int:
        return int(self._get())

    def set(self, n_threads: int) -> None:
        self._set(n_threads)


def _find_core_blas() -> _OpenBLAS | None:
    """SciPy's OpenBLAS, looked up from the library that the core's BLAS calls come from
    (the symbol lookup searches its dependencies, where the BLAS is), then among the
    libraries that SciPy's wheel bundles, if already loaded; None for another BLAS, or
    where neither works (then the policy does nothing)."""
    import glob

    import scipy
    import scipy.linalg.cython_blas as cython_blas

    root = os.path.dirname(scipy.__file__)
    candidates = [cython_blas.__file__] + sorted(
        glob.glob(os.path.join(root, "..", "scipy.libs", "*openblas*"))
        + glob.glob(os.path.join(root, ".dylibs", "*openblas*"))
    )
    for path in candidates:
        try:
            library = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0))
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("", "64_"):
                if hasattr(library, f"{prefix}get_num_threads{suffix}"):
                    return _OpenBLAS(library, prefix, suffix)
    return None


_CORE_BLAS = _find_core_blas()
_STARTUP_THREADS = _CORE_BLAS.get() if _CORE_BLAS else None


class _Threads:
    """The one owner of the changes fcnn makes to the core's BLAS count, which is
    process-wide: the `limit` calls in force (the last made wins), the fit and predict
    calls that run on the policy's one thread, and the count to put back when neither
    is left. Every change happens under its lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.limits: list[int] = []
        self.on_one_thread = 0
        self.before: int | None = None

    def _apply(self, blas: _OpenBLAS) -> None:
        if self.limits:
            blas.set(self.limits[-1])
        elif self.on_one_thread:
            blas.set(1)
        else:
            assert self.before is not None
            blas.set(self.before)
            self.before = None

    def enter_limit(self, n_threads: int) -> None:
        with self.lock:
            if _CORE_BLAS is None:
                self.limits.append(n_threads)
                return
            if self.before is None:
                self.before = _CORE_BLAS.get()
            self.limits.append(n_threads)
            self._apply(_CORE_BLAS)

    def leave_limit(self, n_threads: int) -> None:
        with self.lock:
            self.limits.remove(n_threads)
            if _CORE_BLAS is not None:
                self._apply(_CORE_BLAS)

    def enter_one_thread(self) -> bool:
        """Run the caller on one thread, unless the count is the user's choice: False
        then, and the caller must not call leave_one_thread."""
        with self.lock:
            if _CORE_BLAS is None or self.limits:
                return False
            if not self.on_one_thread:
                if _user_set_threads(_CORE_BLAS):
                    return False
                self.before = _CORE_BLAS.get()
            self.on_one_thread += 1
            self._apply(_CORE_BLAS)
            return True

    def leave_one_thread(self) -> None:
        with self.lock:
            self.on_one_thread -= 1
            assert _CORE_BLAS is not None
            self._apply(_CORE_BLAS)

    def forget_in_child(self) -> None:
        """After fork: the calls and limits of the parent's threads do not run in the
        child, so put back the count from before them, and a new lock (the parent's may
        have been held by a thread that the child does not have)."""
        before = self.before
        self.__init__()  # type: ignore[misc]
        if before is not None and _CORE_BLAS is not None:
            _CORE_BLAS.set(before)


_THREADS = _Threads()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_THREADS.forget_in_child)


def _user_set_threads(blas: _OpenBLAS) -> bool:
    """Whether the user chose the count: in the environment (read at each call, so that
    one set in os.environ counts too), or by changing it since fcnn was imported (fcnn's
    own changes are all undone when this is asked)."""
    variables = _THREAD_VARIABLES["openblas"]
    return any(os.environ.get(name, "").strip() for name in variables) or (
        blas.get() != _STARTUP_THREADS
    )


@contextmanager
def policy(sizes: Sequence[int], rows: int) -> Iterator[int | None]:
    """Run the block on one BLAS thread where `chooses_one_thread` says so.

    `~fcnn.Network.fit` and `~fcnn.Network.predict` run within it; wrap your own loops
    of `~fcnn.Network.step` or `~fcnn.Network.gradients` in it to the same end. Nothing
    changes when the user chose the count (the module's description), or when the core's
    BLAS is not an OpenBLAS that fcnn can find.

    The count is process-wide: while any block runs on one thread, so do the others
    (two fits in two Python threads: both on one thread, which is what they need), and
    the count before the first is put back when the last leaves, also after an
    exception or Ctrl-C.

    Parameters
    ----------
    sizes : sequence of int
        The network's layer widths, inputs first.
    rows : int
        The rows of each product: a fit's mini-batch, a predict's chunk.

    Yields
    ------
    int or None
        The core's BLAS count within the block; None if fcnn cannot read it.

    Examples
    --------
    >>> import fcnn
    >>> with fcnn.threads.limit(2):
    ...     with fcnn.threads.policy([784, 100, 10], 32) as count:
    ...         print(count)  # the user's limit wins
    2
    """
    if not chooses_one_thread(sizes, rows) or not _THREADS.enter_one_thread():
        yield current()
        return
    try:
        yield 1
    finally:
        _THREADS.leave_one_thread()


def current() -> int | None:
    """The thread count of the core's BLAS now.

    Returns
    -------
    int or None
        What SciPy's OpenBLAS reports; None for a BLAS that fcnn cannot read without
        threadpoolctl (see `info`).

    Examples
    --------
    >>> import fcnn
    >>> with fcnn.threads.limit(1):
    ...     fcnn.threads.current()
    1
    """
    return _CORE_BLAS.get() if _CORE_BLAS else None


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


class Limit:
    """The limit that `limit` made: a context manager that ends it on exit.

    Parameters
    ----------
    n_threads : int
        The most threads each BLAS may use, >= 1.
    """

    def __init__(self, n_threads: int) -> None:
        threadpoolctl = _threadpoolctl()
        self._n_threads = n_threads
        _THREADS.enter_limit(n_threads)  # first, to read the count from before the limit
        try:
            self._limiter = threadpoolctl.threadpool_limits(n_threads, user_api="blas")
        except BaseException:
            _THREADS.leave_limit(n_threads)
            raise
        self._in_force = True

    def __enter__(self) -> Limit:
        return self

    def __exit__(self, *exception: object) -> None:
        self.restore_original_limits()

    def restore_original_limits(self) -> None:
        """End the limit: put back the counts from before it (once; later calls do
        nothing)."""
        if self._in_force:
            self._in_force = False
            self._limiter.restore_original_limits()
            _THREADS.leave_limit(self._n_threads)


def limit(n_threads: int) -> Limit:
    """Limit every BLAS in the process, SciPy's among them, to n_threads.

    Works as a context manager, which restores the previous limits on exit, and as a
    plain call, whose limits last until changed or until ``restore_original_limits()``
    (threadpoolctl's `threadpool_limits` does the work). While a limit is in force,
    fcnn's `policy` changes nothing; of several made in different threads, the last
    made wins.

    Parameters
    ----------
    n_threads : int
        The most threads each BLAS may use, >= 1.

    Returns
    -------
    Limit
        The limit; its ``restore_original_limits()`` undoes a plain call.

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

    return Limit(check_int(n_threads, "n_threads", 1))


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
