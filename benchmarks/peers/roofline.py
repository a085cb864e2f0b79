"""The GEMM roofline: the time of a training step's matrix products alone, at the speed
scipy's BLAS (the one fcnn's core calls) reaches for exactly those shapes.

For layer l with (n_in, n_out) and a batch of m rows, a step of plain SGD does
  forward  (m x n_in) @ (n_in x n_out)           Z = A W^T
  BP2      (m x n_out) @ (n_out x n_in)          every layer but the first
  BP4      (n_out x m) @ (m x n_in)              W += alpha delta^T A (beta 1, fused update)
with the row-major operands passed to the Fortran BLAS as fcnn's core passes them (the
same transposes and leading dimensions). Everything else (bias, activations, cost,
shuffling, data movement) is left out, so no implementation of the algorithm can be
faster than this by doing the same products with the same BLAS.

Two loops run the same plan of calls:
  compiled  benchmarks/peers/_gemm_loop.pyx calling scipy.linalg.cython_blas ?gemm
            directly, no Python between the calls (built on first use with pyximport into
            a temporary folder; needs Cython and a C compiler, else skipped)
  python    scipy.linalg.blas.dgemm/sgemm from Python on preallocated Fortran-ordered
            views, c= with overwrite_c (no allocation), so each call also pays the f2py
            wrapper's ~1 microsecond
For inference, forward() times the forward products alone, and forward_streamed() the
forward products of a batch in chunks, each chunk reading its own input rows.
run.py's "% roofline" refers to the faster of the two medians: normally the compiled loop;
when the python loop comes out faster, machine noise hit the compiled loop's epochs.
"""

import os
import tempfile

import numpy as np
from scipy.linalg import blas as scipy_blas

from .common import clock

_compiled = None
_compiled_error = None


def compiled_module():
    """The compiled gemm loop, or None (and the reason in compiled_error())."""
    global _compiled, _compiled_error
    if _compiled is None and _compiled_error is None:
        try:
            import pyximport

            build_dir = os.path.join(tempfile.gettempdir(), "fcnn_benchmarks_pyxbld")
            importers = pyximport.install(
                build_dir=build_dir, language_level=3, inplace=False, build_in_temp=True
            )
            try:
                from . import _gemm_loop
            finally:
                pyximport.uninstall(*importers)
            _compiled = _gemm_loop
        except Exception as error:  # no Cython, no compiler: the python loop only
            _compiled_error = f"{type(error).__name__}: {error}"
    return _compiled


def compiled_error():
    return _compiled_error


class _Plan:
    """The Fortran gemm calls of one step (or one forward pass) for m rows."""

    def __init__(self, calls, buffers, single):
        self.single = single
        self.int_args = np.array(
            [[ord(c[0]), ord(c[1])] + list(c[2:8]) + list(c[10:13]) for c in calls], dtype=np.int64
        ).reshape(-1, 11)
        self.scalars = np.array([[c[8], c[9]] for c in calls], dtype=np.float64).reshape(-1, 2)
        self.buffers = buffers
        gemm = scipy_blas.sgemm if single else scipy_blas.dgemm
        # The same calls as f2py calls: Fortran-ordered views of the buffers
        self.python_calls = []
        for ta, tb, m, n, k, lda, ldb, ldc, alpha, beta, ia, ib, ic in calls:
            a = _fortran(buffers[ia], lda, k if ta == "N" else m)
            b = _fortran(buffers[ib], ldb, n if tb == "N" else k)
            c = _fortran(buffers[ic], ldc, n)
            self.python_calls.append((gemm, alpha, a, b, beta, c, int(ta == "T"), int(tb == "T")))

    def run_compiled(self, repeats):
        if repeats > 0 and len(self.int_args):
            compiled_module().run(self.int_args, self.scalars, self.buffers, repeats, self.single)

    def run_python(self, repeats):
        calls = self.python_calls
        for _ in range(repeats):
            for gemm, alpha, a, b, beta, c, ta, tb in calls:
                gemm(alpha, a, b, beta=beta, c=c, trans_a=ta, trans_b=tb, overwrite_c=1)

    def check_python_in_place(self):
        """f2py must write into c, not a copy (else the python loop times allocations)."""
        for gemm, alpha, a, b, beta, c, ta, tb in self.python_calls:
            out = gemm(alpha, a, b, beta=beta, c=c, trans_a=ta, trans_b=tb, overwrite_c=1)
            if not np.shares_memory(out, c):
                raise RuntimeError("scipy.linalg.blas gemm copied its c operand")


def _fortran(buffer, rows, cols):
    return buffer[: rows * cols].reshape((rows, cols), order="F")


class GemmRoofline:
    """epoch(X, y, seed) times ceil(n / batch) steps of the GEMMs (the last one with the
    remainder rows, as fit does); forward(n, chunk) the forward products of n rows."""

    def __init__(self, sizes, batch_size, dtype, mode="compiled", seed=0):
        if mode == "compiled" and compiled_module() is None:
            raise RuntimeError(f"the compiled gemm loop is unavailable: {compiled_error()}")
        self.sizes = list(sizes)
        self.batch_size = batch_size
        self.dtype = np.dtype(dtype)
        self.mode = mode
        self.name = f"roofline ({mode})"
        self._rng = np.random.default_rng(seed)
        self._buffers = {}
        self._plans = {}

    def _buffers_for(self, capacity):
        # one set of buffers per capacity: weights, activations a[0..L], deltas d[1..L]
        if capacity not in self._buffers:
            rng, dtype, sizes = self._rng, self.dtype, self.sizes
            weights = [
                (rng.uniform(-1, 1, n_out * n_in) / np.sqrt(n_in)).astype(dtype)
                for n_in, n_out in zip(sizes[:-1], sizes[1:])
            ]
            acts = [rng.uniform(0, 1, capacity * n).astype(dtype) for n in sizes]
            deltas = [rng.uniform(-1, 1, capacity * n).astype(dtype) for n in sizes]
            self._buffers[capacity] = weights + acts + deltas
        return self._buffers[capacity]

    def _plan(self, m, capacity, backward):
        key = (m, capacity, backward)
        if key not in self._plans:
            buffers = self._buffers_for(capacity)
            L = len(self.sizes) - 1
            W = lambda k: k  # noqa: E731  (buffer indices)
            A = lambda k: L + k  # noqa: E731  a[k], k = 0..L
            D = lambda k: L + (L + 1) + k  # noqa: E731  delta[k], k = 1..L
            alpha = -1e-3 / m
            calls = []
            for k in range(L):
                calls.append(
                    _forward_call(self.sizes[k], self.sizes[k + 1], m, W(k), A(k), A(k + 1))
                )
            if backward:
                for k in range(L - 1, -1, -1):
                    n_in, n_out = self.sizes[k], self.sizes[k + 1]
                    if k > 0:  # BP2: delta^T (n_in x m) = W^T (n_in x n_out) . delta^T
                        calls.append(
                            (
                                "N",
                                "N",
                                n_in,
                                m,
                                n_out,
                                n_in,
                                n_out,
                                n_in,
                                1.0,
                                0.0,
                                W(k),
                                D(k + 1),
                                D(k),
                            )
                        )
                    # BP4: W^T += alpha A^T (n_in x m) . delta (m x n_out)
                    calls.append(
                        (
                            "N",
                            "T",
                            n_in,
                            n_out,
                            m,
                            n_in,
                            n_out,
                            n_in,
                            alpha,
                            1.0,
                            A(k),
                            D(k + 1),
                            W(k),
                        )
                    )
            self._plans[key] = self._new_plan(calls, buffers)
        return self._plans[key]

    def _new_plan(self, calls, buffers):
        plan = _Plan(calls, buffers, self.dtype == np.float32)
        if self.mode == "python":
            plan.check_python_in_place()
        return plan

    def _run(self, n, rows, backward):
        full, rest = divmod(n, rows)
        runs = [(self._plan(rows, rows, backward), full)]
        if rest:
            runs.append((self._plan(rest, rows, backward), 1))
        return self._timed(runs)

    def _timed(self, runs):
        """Seconds to run each (plan, repeats) of runs."""
        started = clock()
        for plan, repeats in runs:
            if self.mode == "compiled":
                plan.run_compiled(repeats)
            else:
                plan.run_python(repeats)
        return clock() - started

    def epoch(self, X, y=None, seed=None):
        """One epoch's GEMMs for the n rows of X (X itself is not read)."""
        n = X if isinstance(X, int) else X.shape[0]
        return {"seconds": self._run(n, min(self.batch_size, n), backward=True)}

    def forward(self, n, chunk=None):
        """Seconds of the forward products of n rows, in chunks of `chunk` rows (default:
        all at once); every chunk reads the same `chunk` input rows, as a loop predicting
        one (cached) sample again and again does."""
        return self._run(n, min(chunk or n, n), backward=False)

    def forward_streamed(self, n, chunk):
        """Seconds of the forward products of n distinct input rows, `chunk` rows at a
        time: each chunk's first product reads its own rows of an n-row input where they
        lie, and the layers' outputs go to chunk-sized buffers reused from chunk to
        chunk, as a chunked predict of an n-row batch must."""
        key = ("streamed", n, chunk)
        if key not in self._plans:
            rng, dtype, sizes, L = self._rng, self.dtype, self.sizes, len(self.sizes) - 1
            weights = self._buffers_for(chunk)[:L]
            inputs = rng.uniform(0, 1, n * sizes[0]).astype(dtype)
            outputs = [np.zeros(chunk * width, dtype=dtype) for width in sizes[1:]]
            starts = range(0, n, chunk)
            buffers = weights + outputs + [inputs[s * sizes[0] :] for s in starts]
            calls = []
            for index, start in enumerate(starts):
                m = min(chunk, n - start)
                for k in range(L):
                    source = L + L + index if k == 0 else L + k - 1
                    calls.append(_forward_call(sizes[k], sizes[k + 1], m, k, source, L + k))
            self._plans[key] = self._new_plan(calls, buffers)
        return self._timed([(self._plans[key], 1)])

    def describe(self):
        return {
            "mode": self.mode,
            "sizes": self.sizes,
            "batch_size": self.batch_size,
            "dtype": self.dtype.name,
            "gemm_flops_per_sample": gemm_flops_per_sample(self.sizes),
        }


def _forward_call(n_in, n_out, m, w, a, c):
    """The forward product Z^T (n_out x m) = W (n_out x n_in) . A^T (n_in x m) as a plan
    call on buffers w, a, c."""
    return ("T", "N", n_out, m, n_in, n_in, n_in, n_out, 1.0, 0.0, w, a, c)


def gemm_flops_per_sample(sizes, backward=True):
    """2 m n k per product, per row of the batch."""
    total = 0
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        products = 1 + ((1 if index > 0 else 0) + 1 if backward else 0)
        total += 2 * n_in * n_out * products
    return total
